"""UPathIOManager subclassed as Dagster's docs do: a file per output under a base path."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import sdk as dg


class JsonIOManager(dg.UPathIOManager):
    extension = ".json"

    def dump_to_path(self, context: dg.OutputContext, obj: Any, path: Path) -> None:
        path.write_text(json.dumps(obj))

    def load_from_path(self, context: dg.InputContext, path: Path) -> Any:
        return json.loads(path.read_text())

    def get_metadata(self, context: dg.OutputContext, obj: Any) -> dict[str, Any]:
        return {"items": len(obj)} if isinstance(obj, list) else {}


days = dg.StaticPartitionsDefinition(["mon", "tue"])


@dg.asset(partitions_def=days, key_prefix=["raw"])
def events(context: dg.AssetExecutionContext) -> list[str]:
    return [context.partition_key]


@dg.asset(ins={"events": dg.AssetIn(key=["raw", "events"])})
def summary(events: dict[str, list[str]]) -> list[str]:
    return sorted(v for values in events.values() for v in values)


def test_assets_and_partitions_are_files_under_the_base_path(tmp_path: Path) -> None:
    resources = {"io_manager": JsonIOManager(base_path=tmp_path)}
    for day in ("mon", "tue"):
        result = dg.materialize([events], resources=resources, partition_key=day)
        [mat] = result.asset_materializations_for_node("raw__events")
        assert mat.metadata["items"].value == 1
        assert mat.metadata["path"].value == str(tmp_path / "raw" / "events" / f"{day}.json")
    assert json.loads((tmp_path / "raw" / "events" / "tue.json").read_text()) == ["tue"]
    result = dg.materialize([events, summary], resources=resources, selection=[summary])
    assert result.asset_value(summary.key) == ["mon", "tue"]
    assert json.loads((tmp_path / "summary.json").read_text()) == ["mon", "tue"]


def test_op_outputs_are_stored_by_run_step_and_output(tmp_path: Path) -> None:
    @dg.op
    def numbers() -> list[int]:
        return [1, 2]

    @dg.op
    def total(values: list[int]) -> int:
        return sum(values)

    @dg.job(resource_defs={"io_manager": JsonIOManager(base_path=tmp_path)})
    def adds() -> None:
        total(numbers())

    result = adds.execute_in_process()
    assert result.output_for_node("total") == 3
    assert json.loads((tmp_path / result.run_id / "numbers" / "result.json").read_text()) == [1, 2]


def test_a_missing_file_and_a_bad_extension_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="No stored value for raw/events"):
        dg.materialize([events, summary], resources={"io_manager": JsonIOManager(tmp_path)}, selection=[summary])

    class Bad(JsonIOManager):
        extension = "json"

    with pytest.raises(ValueError, match=r'must start with "\."'):
        Bad(tmp_path)
