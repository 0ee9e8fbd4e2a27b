"""UPathIOManager: the base of IO managers that store each output as a file under a base path (a
pathlib.Path, or a universal_pathlib UPath for object stores), as Dagster's docs write them:
subclass it with `extension`, `dump_to_path` and `load_from_path`.

Paths: an asset at base/<key parts>[/<partition>]<extension>; an op output at
base/<run id>/<step>/<output>[/<mapping key>]<extension>. A run over several partitions stores and
loads each partition's file (the engine calls once per partition)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sdk.io_managers import InputContext, IOManager, OutputContext


class UPathIOManager(IOManager):
    """Stores outputs as files under `base_path`; subclasses say how an object is written and read."""

    extension: str | None = None  # e.g. ".parquet"; "" or None for none

    def __init__(self, base_path: Any = None) -> None:
        if base_path is None:
            base_path = Path(os.environ.get("WEIR_STORAGE_DIR") or os.path.join(".weir", "storage"))
        self._base_path = base_path if hasattr(base_path, "joinpath") else Path(base_path)
        if self.extension and not self.extension.startswith("."):
            raise ValueError(f'{type(self).__name__}.extension must start with ".", got {self.extension!r}.')

    # -- what a subclass writes ------------------------------------------------------------------
    def dump_to_path(self, context: OutputContext, obj: Any, path: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define dump_to_path(context, obj, path).")

    def load_from_path(self, context: InputContext, path: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define load_from_path(context, path).")

    def get_metadata(self, context: OutputContext, obj: Any) -> dict[str, Any]:
        """Metadata to add to each stored output (besides its path)."""
        return {}

    # -- paths (overridable) ---------------------------------------------------------------------
    def path_exists(self, path: Any) -> bool:
        return bool(path.exists())

    def make_directory(self, path: Any) -> None:
        path.mkdir(parents=True, exist_ok=True)

    def unlink(self, path: Any) -> None:
        if path.exists():
            path.unlink()

    def get_asset_relative_path(self, context: OutputContext | InputContext) -> Path:
        assert context.asset_key is not None
        return Path(*context.asset_key.path)

    def get_op_output_relative_path(self, context: OutputContext) -> Path:
        return Path(*context.get_identifier())

    def get_path_for_partition(self, context: Any, path: Any, partition: str) -> Any:
        """The file of one partition of an asset at `path` (by default: a file named by the key in it)."""
        return path / partition

    def _with_extension(self, path: Any) -> Any:
        return path.with_name(path.name + self.extension) if self.extension else path

    def _path(self, output: OutputContext) -> Any:
        if output.asset_key is not None:
            path = self._base_path.joinpath(*Path(self.get_asset_relative_path(output)).parts)
            if output.partition_key is not None:
                path = self.get_path_for_partition(output, path, str(output.partition_key))
        else:
            path = self._base_path.joinpath(*Path(self.get_op_output_relative_path(output)).parts)
        return self._with_extension(path)

    # -- IOManager ------------------------------------------------------------------------------
    def handle_output(self, context: OutputContext, obj: Any) -> None:
        if context.dagster_type is not None and getattr(context.dagster_type, "is_nothing", False):
            return
        path = self._path(context)
        self.make_directory(path.parent)
        self.dump_to_path(context, obj, path)
        from sdk.metadata import MetadataValue

        context.add_output_metadata({"path": MetadataValue.path(str(path)), **self.get_metadata(context, obj)})

    def load_input(self, context: InputContext) -> Any:
        upstream = context.upstream_output or OutputContext(
            "result", "", "", context.asset_key, partition_key=context.partition_key
        )
        path = self._path(upstream)
        if not self.path_exists(path):
            what = upstream.asset_key.to_user_string() if upstream.asset_key else f"{upstream.step_key}.{upstream.name}"
            raise FileNotFoundError(
                f"No stored value for {what} at {path}. Materialize it first (or include it in the run)."
            )
        return self.load_from_path(context, path)
