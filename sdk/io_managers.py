"""IO managers: how outputs are stored and inputs loaded. Plain classes here; pydantic ones in resources.py."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

from sdk.keys import AssetKey
from sdk.legacy_resources import FunctionResourceDefinition


@dataclass
class OutputContext:
    """What an IO manager knows about an output it stores."""

    name: str
    step_key: str
    run_id: str
    asset_key: AssetKey | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    partition_key: str | None = None
    dagster_type: Any = None
    resources: Any = None
    definition_metadata: dict[str, Any] = field(default_factory=dict)
    _added_metadata: dict[str, Any] = field(default_factory=dict)
    mapping_key: str | None = None  # which value of a dynamic output

    @property
    def has_asset_key(self) -> bool:
        return self.asset_key is not None

    @property
    def has_partition_key(self) -> bool:
        return self.partition_key is not None

    def add_output_metadata(self, metadata: dict[str, Any]) -> None:
        self._added_metadata.update(metadata)

    def get_identifier(self) -> list[str]:
        return [self.run_id, self.step_key, self.name, *([self.mapping_key] if self.mapping_key else [])]


@dataclass
class InputContext:
    """What an IO manager knows about an input it loads: the upstream output it reads."""

    name: str
    step_key: str
    upstream_output: OutputContext | None = None
    asset_key: AssetKey | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    partition_key: str | None = None
    dagster_type: Any = None
    resources: Any = None
    definition_metadata: dict[str, Any] = field(default_factory=dict)
    asset_partition_keys: list[str] | None = None  # the upstream partitions this input reads

    @property
    def has_asset_key(self) -> bool:
        return self.asset_key is not None

    @property
    def has_partition_key(self) -> bool:
        return self.partition_key is not None

    @property
    def has_asset_partitions(self) -> bool:
        return bool(self.asset_partition_keys)

    @property
    def asset_partition_key(self) -> str | None:
        """The upstream partition being loaded now (each is loaded on its own)."""
        return self.upstream_output.partition_key if self.upstream_output is not None else self.partition_key


class IOManager:
    """Stores outputs (handle_output) and loads them as inputs (load_input)."""

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        raise NotImplementedError

    def load_input(self, context: InputContext) -> Any:
        raise NotImplementedError


class InMemoryIOManager(IOManager):
    """Keeps values in this process: the default for materialize() and execute_in_process()."""

    persists_across_processes = False

    def __init__(self) -> None:
        self.values: dict[tuple, Any] = {}

    @staticmethod
    def _key(ctx: OutputContext) -> tuple:
        if ctx.asset_key is not None:
            return ("asset", ctx.asset_key.path, ctx.partition_key)
        return ("op", ctx.run_id, ctx.step_key, ctx.name, ctx.mapping_key)

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        self.values[self._key(context)] = obj

    def load_input(self, context: InputContext) -> Any:
        up = context.upstream_output
        if up is None:
            up = OutputContext("result", "", "", context.asset_key, partition_key=context.partition_key)
        key = self._key(up)
        if key not in self.values:
            what = context.asset_key.to_user_string() if context.asset_key else f"{up.step_key}.{up.name}"
            raise KeyError(
                f"No value in memory for {what}: the in-memory IO manager only holds values of this run. "
                "Include the upstream asset in the selection, or use FilesystemIOManager."
            )
        return self.values[key]


def filesystem_path(base_dir: str, ctx: OutputContext) -> str:
    """Where the filesystem IO manager keeps an output: by asset key (and partition), else by run/step.

    Raises:
        ValueError: a part of the path would lead outside base_dir (or to base_dir itself).
    """
    if ctx.asset_key is not None:
        parts = list(ctx.asset_key.path)
        if ctx.partition_key is not None:
            parts.append(ctx.partition_key)
    else:
        parts = [ctx.run_id, ctx.step_key, ctx.name, *([ctx.mapping_key] if ctx.mapping_key else [])]
    path = os.path.join(base_dir, *parts)
    if not _stays_inside(base_dir, parts, path):
        what = (
            f"asset {ctx.asset_key.to_user_string()}"
            if ctx.asset_key is not None
            else f"output {ctx.step_key}.{ctx.name} of run {ctx.run_id}"
        )
        partition = f" partition {ctx.partition_key!r}" if ctx.partition_key is not None else ""
        raise ValueError(
            f"The filesystem IO manager refuses to store {what}{partition}: its path {path!r} leads "
            f"outside its base directory {base_dir!r}. Use keys without '..', absolute paths or "
            "empty parts."
        )
    return path


def _stays_inside(base_dir: str, parts: list[str], path: str) -> bool:
    """Each part names something below base_dir: no '', '.', '..' or absolute part, and no NUL."""
    for part in parts:
        pieces = part.replace("\\", "/").split("/")
        if "\0" in part or any(piece in ("", ".", "..") for piece in pieces):
            return False
    base = os.path.abspath(base_dir)
    return os.path.commonpath([base, os.path.abspath(path)]) == base and os.path.abspath(path) != base


class PickledObjectFilesystemIOManager(IOManager):
    """Pickles each output under base_dir, written atomically so a reader never sees half a file."""

    persists_across_processes = True

    def __init__(self, base_dir: str) -> None:
        self.base_dir = base_dir

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        path = filesystem_path(self.base_dir, context)
        _write_pickle(path, obj, context)

    def load_input(self, context: InputContext) -> Any:
        up = context.upstream_output or OutputContext(
            "result", "", "", context.asset_key, partition_key=context.partition_key
        )
        path = filesystem_path(self.base_dir, up)
        if not os.path.exists(path):
            what = up.asset_key.to_user_string() if up.asset_key else f"{up.step_key}.{up.name}"
            raise FileNotFoundError(
                f"No stored value for {what} at {path}. Materialize it first (or include it in the run)."
            )
        with open(path, "rb") as f:
            return pickle.load(f)


def _PathValue(path: str) -> Any:
    from sdk.metadata import MetadataValue

    return MetadataValue.path(path)


class IOManagerDefinition(FunctionResourceDefinition):
    """An IO manager made by a function of an init context (the @io_manager form)."""

    @staticmethod
    def hardcoded_io_manager(value: IOManager, description: str | None = None) -> IOManagerDefinition:
        return IOManagerDefinition(lambda _ctx: value, description=description)


@overload
def io_manager(fn: Callable[..., Any]) -> IOManagerDefinition: ...


@overload
def io_manager(
    fn: None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
    version: str | None = None,
) -> Callable[[Callable[..., Any]], IOManagerDefinition]: ...


def io_manager(
    fn: Callable[..., Any] | None = None,
    *,
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: set[str] | None = None,
    version: str | None = None,
) -> IOManagerDefinition | Callable[[Callable[..., Any]], IOManagerDefinition]:
    """Declare an IO manager from a function that takes an init context and returns an IOManager."""

    def build(f: Callable[..., Any]) -> IOManagerDefinition:
        return IOManagerDefinition(f, config_schema, description or f.__doc__, required_resource_keys, version)

    return build(fn) if fn is not None else build


mem_io_manager = IOManagerDefinition(lambda _ctx: InMemoryIOManager(), description="Values kept in memory.")


def build_output_context(
    step_key: str | None = None,
    name: str | None = None,
    definition_metadata: dict[str, Any] | None = None,
    run_id: str | None = None,
    dagster_type: Any = None,
    resources: dict[str, Any] | None = None,
    asset_key: Any = None,
    partition_key: str | None = None,
    op_def: Any = None,
    mapping_key: str | None = None,
) -> OutputContext:
    """An OutputContext for calling an IO manager's handle_output in a unit test.

    Args:
        step_key: the step storing the output; with op_def and no step_key, the op's name.
        name: the output's name ("result" by default).
        definition_metadata: the output's metadata as its definition gives it.
        run_id: the run storing it.
        dagster_type: the output's type.
        resources: plain objects the IO manager reads as context.resources.
        asset_key: the asset the output stores, if any.
        partition_key: the partition it stores, if any.
        op_def: the op producing the output.
        mapping_key: which value of a dynamic output.
    """
    from types import SimpleNamespace

    from sdk.keys import to_asset_key

    return OutputContext(
        name or "result",
        step_key or getattr(op_def, "name", "") or "",
        run_id or "",
        to_asset_key(asset_key) if asset_key is not None else None,
        dict(definition_metadata or {}),
        partition_key,
        dagster_type,
        SimpleNamespace(**resources) if resources is not None else None,
        definition_metadata=dict(definition_metadata or {}),
        mapping_key=mapping_key,
    )


def build_input_context(
    name: str | None = None,
    config: Any = None,
    definition_metadata: dict[str, Any] | None = None,
    upstream_output: OutputContext | None = None,
    dagster_type: Any = None,
    resources: dict[str, Any] | None = None,
    op_def: Any = None,
    asset_key: Any = None,
    partition_key: str | None = None,
) -> InputContext:
    """An InputContext for calling an IO manager's load_input in a unit test: pass the upstream output's
    context (build_output_context(...)) as `upstream_output`.

    Args:
        name: the input's name.
        config: the input's config (Dagster's; Weir's inputs take none, so it must be None).
        definition_metadata: the input's metadata.
        upstream_output: the OutputContext of the output this input reads.
        dagster_type: the input's type.
        resources: plain objects the IO manager reads as context.resources.
        op_def: the op reading the input.
        asset_key: the asset the input reads, if any (the upstream output's when not given).
        partition_key: the partition of the run reading it.
    """
    from types import SimpleNamespace

    from sdk._unsupported import warn_unsupported
    from sdk.keys import to_asset_key

    warn_unsupported("build_input_context", config=config)
    key = to_asset_key(asset_key) if asset_key is not None else getattr(upstream_output, "asset_key", None)
    return InputContext(
        name or "input",
        getattr(op_def, "name", "") or "",
        upstream_output,
        key,
        dict(definition_metadata or {}),
        partition_key,
        dagster_type,
        SimpleNamespace(**resources) if resources is not None else None,
        definition_metadata=dict(definition_metadata or {}),
        asset_partition_keys=[partition_key] if partition_key is not None else None,
    )


class CustomPathPickledObjectFilesystemIOManager(IOManager):
    """Pickles each output at base_dir/<the output's metadata "path">."""

    persists_across_processes = True

    def __init__(self, base_dir: str) -> None:
        self.base_dir = base_dir

    def _path(self, context: OutputContext) -> str:
        raw = context.definition_metadata.get("path") or context.metadata.get("path")
        raw = getattr(raw, "value", raw)
        if not raw:
            raise ValueError(
                f'custom_path_fs_io_manager needs a "path" in the metadata of output "{context.name}" of '
                f'"{context.step_key}": @op(out=Out(metadata={{"path": "dir/file"}})).'
            )
        return os.path.join(self.base_dir, str(raw))

    def handle_output(self, context: OutputContext, obj: Any) -> None:
        path = self._path(context)
        _write_pickle(path, obj, context)

    def load_input(self, context: InputContext) -> Any:
        if context.upstream_output is None:
            raise ValueError(f'custom_path_fs_io_manager loads input "{context.name}" only from an upstream output.')
        with open(self._path(context.upstream_output), "rb") as f:
            return pickle.load(f)


custom_path_fs_io_manager = IOManagerDefinition(
    lambda ctx: CustomPathPickledObjectFilesystemIOManager(ctx.resource_config["base_dir"]),
    {"base_dir": str},
    "Pickles each output at base_dir/<its output metadata 'path'>.",
)


def _write_pickle(path: str, obj: Any, context: OutputContext) -> None:
    """Pickle obj to path atomically (a reader never sees half a file) and report the path as metadata."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    context.add_output_metadata({"path": _PathValue(path)})
