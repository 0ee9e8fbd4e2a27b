"""IO managers: custom ones see asset keys, metadata and partitions; the filesystem one persists."""

from __future__ import annotations

from pathlib import Path

import sdk as dg


class RecordingIOManager(dg.IOManager):
    def __init__(self) -> None:
        self.stored: dict = {}
        self.seen: list = []

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        self.seen.append(("out", context.asset_key, context.partition_key, dict(context.metadata)))
        self.stored[context.asset_key] = obj
        context.add_output_metadata({"stored": True})

    def load_input(self, context: dg.InputContext):
        self.seen.append(("in", context.asset_key, context.upstream_output.asset_key))
        return self.stored[context.asset_key]


@dg.asset(metadata={"owner": "me"}, partitions_def=dg.StaticPartitionsDefinition(["p1", "p2"]))
def src(context) -> int:
    return 1 if context.partition_key == "p1" else 2


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["p1", "p2"]))
def dst(src: int) -> int:
    return src + 10


def test_custom_io_manager_receives_contexts() -> None:
    manager = RecordingIOManager()
    result = dg.materialize([src, dst], resources={"io_manager": manager}, partition_key="p2")
    assert result.output_for_node("dst") == 12
    assert manager.seen[0] == ("out", dg.AssetKey("src"), "p2", {"owner": "me"})
    assert manager.seen[1] == ("in", dg.AssetKey("src"), dg.AssetKey("src"))
    mat = result.get_asset_materialization_events()[0]
    assert mat.metadata["stored"].value is True and mat.partition_key == "p2"


def test_filesystem_io_manager_persists_between_materializations(tmp_path: Path) -> None:
    fs = dg.FilesystemIOManager(base_dir=str(tmp_path))
    dg.materialize([src], resources={"io_manager": fs}, partition_key="p1")
    assert (tmp_path / "src" / "p1").exists()
    result = dg.materialize([src, dst], selection=[dst], resources={"io_manager": fs}, partition_key="p1")
    assert result.output_for_node("dst") == 11


def test_configurable_io_manager_and_io_manager_decorator() -> None:
    class Mem(dg.ConfigurableIOManager):
        def handle_output(self, context, obj) -> None:
            STORE[context.step_key] = obj

        def load_input(self, context):
            return STORE[context.upstream_output.step_key]

    STORE: dict = {}

    @dg.io_manager
    def mem_manager(_init):
        return dg.InMemoryIOManager()

    @dg.asset(io_manager_key="other")
    def a() -> int:
        return 4

    @dg.asset
    def b(a: int) -> int:
        return a * 2

    result = dg.materialize([a, b], resources={"io_manager": mem_manager, "other": Mem()})
    assert STORE == {"a": 4} and result.output_for_node("b") == 8
