"""Loading stored asset values outside a run, as Dagster documents it: Definitions.load_asset_value and
get_asset_value_loader(), through the IO manager each asset is stored with."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdk as dg


class Recording(dg.IOManager):
    def __init__(self) -> None:
        self.values: dict[tuple, object] = {}
        self.seen: list = []

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        self.values[(context.asset_key, context.partition_key)] = obj

    def load_input(self, context: dg.InputContext) -> object:
        self.seen.append((context.asset_key.to_user_string(), context.partition_key, context.metadata))
        return self.values[(context.asset_key, context.partition_key)]


def test_load_asset_value_reads_what_a_run_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))

    @dg.asset
    def orders() -> list:
        return [1, 2, 3]

    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(["eu", "us"]), io_manager_key="lake")
    def regional(context: dg.AssetExecutionContext) -> str:
        return f"rows of {context.partition_key}"

    lake = Recording()
    defs = dg.Definitions(assets=[orders, regional], resources={"lake": lake})
    dg.materialize([orders], resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))})
    dg.materialize([regional], partition_key="us", resources={"lake": lake})

    assert defs.load_asset_value("orders") == [1, 2, 3]  # the default IO manager, files under WEIR_STORAGE_DIR
    with defs.get_asset_value_loader() as loader:
        value = loader.load_asset_value("regional", partition_key="us", input_definition_metadata={"cols": 2})
        assert value == "rows of us"
    assert lake.seen == [("regional", "us", {"cols": 2})]
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="No asset nope"):
        defs.load_asset_value("nope")
