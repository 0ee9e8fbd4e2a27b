"""The filesystem IO manager keeps every output below its base directory, whatever the keys say."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdk as dg
from sdk.io_managers import PickledObjectFilesystemIOManager

ESCAPES = ["../../escape", "../sibling", "{tmp}/absolute", ".", "", "a/../../b"]


def _report(keys: list[str]) -> dg.AssetsDefinition:
    @dg.asset(partitions_def=dg.StaticPartitionsDefinition(keys))
    def report(context: dg.AssetExecutionContext) -> str:
        return context.partition_key

    return report


@pytest.mark.parametrize("key", ESCAPES)
def test_a_partition_key_that_leads_outside_the_base_is_refused_and_nothing_is_written(
    tmp_path: Path, key: str
) -> None:
    key = key.format(tmp=tmp_path)  # an absolute key stays inside this test's directory
    report = _report(["good", key])
    base = tmp_path / "sandbox" / "deep" / "storage"
    fs = dg.FilesystemIOManager(base_dir=str(base))
    result = dg.materialize([report], resources={"io_manager": fs}, partition_key=key, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    message = f"{failure.message} {failure.error}"
    assert "outside its base directory" in message and str(base) in message and "report" in message
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert written == []


def test_a_plain_partition_key_is_stored_below_the_base(tmp_path: Path) -> None:
    fs = dg.FilesystemIOManager(base_dir=str(tmp_path / "storage"))
    assert dg.materialize([_report(["good"])], resources={"io_manager": fs}, partition_key="good").success
    assert (tmp_path / "storage" / "report" / "good").is_file()


def test_op_outputs_with_a_run_id_that_leads_outside_are_refused(tmp_path: Path) -> None:
    manager = PickledObjectFilesystemIOManager(str(tmp_path / "sandbox" / "storage"))
    context = dg.OutputContext("result", "step", run_id="../elsewhere")
    with pytest.raises(ValueError, match="outside its base directory"):
        manager.handle_output(context, 1)
    assert not (tmp_path / "sandbox" / "elsewhere").exists()
