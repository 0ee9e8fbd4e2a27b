"""usable_as_dagster_type / make_python_type_usable_as_dagster_type (annotations of a class stand for a
DagsterType), multi_or_in_process_executor (Dagster's default executor, configured either way) and the
DagsterLogManager type of context.log."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import sdk as dg
from sdk.execution import execute_run


@dg.usable_as_dagster_type(name="Invoice", description="a bill")
class Invoice:
    def __init__(self, total: float) -> None:
        self.total = total


class Positive(float):
    pass


POSITIVE = dg.DagsterType(lambda _c, v: v > 0, name="PositiveNumber")
dg.make_python_type_usable_as_dagster_type(Positive, POSITIVE)


def test_annotations_of_a_usable_class_are_checked_as_its_dagster_type() -> None:
    @dg.op
    def bill() -> Invoice:
        return "not an invoice"  # type: ignore[return-value]

    @dg.op
    def refund() -> Positive:
        return Positive(-1.0)

    @dg.job
    def billing() -> None:
        bill()
        refund()

    result = billing.execute_in_process(raise_on_error=False)
    messages = {e.step_key: e.step_failure_data.error.message for e in result.get_step_failure_events()}
    assert '"Invoice"' in messages["bill"] and '"PositiveNumber"' in messages["refund"]
    assert bill.output_defs["result"].dagster_type.description == "a bill"
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="already stands for"):
        dg.make_python_type_usable_as_dagster_type(Positive, dg.DagsterType(lambda _c, _v: True, name="Other"))

    @dg.usable_as_dagster_type
    class Plain:
        pass

    assert dg.check_dagster_type(Plain, Plain()).success and not dg.check_dagster_type(Plain, 1).success


@dg.op
def where() -> None:
    (Path(os.environ["WEIR_STORAGE_DIR"]) / "pid").write_text(str(os.getpid()))


def test_multi_or_in_process_executor_runs_steps_in_this_process_when_configured_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))
    in_process = dg.multi_or_in_process_executor.configured({"in_process": {}})
    assert in_process.name == "in_process"
    limited = dg.multi_or_in_process_executor.configured({"multiprocess": {"config": {"max_concurrent": 3}}})
    assert (limited.name, limited.max_concurrent) == ("multiprocess", 3)

    @dg.op
    def other() -> None:
        pass

    @dg.job(executor_def=in_process)
    def here() -> None:  # two steps: the multiprocess executor would fork one process each
        where()
        other()

    events: list = []
    assert execute_run(
        dg.Definitions(jobs=[here]),
        run_id="r1",
        job_name="here",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    assert [e.type for e in events if e.step_key == "where"][-1] == "STEP_SUCCESS"
    assert (tmp_path / "pid").read_text() == str(os.getpid())  # the step ran in this process


def test_context_log_is_a_dagster_log_manager() -> None:
    @dg.op
    def logs(context: dg.OpExecutionContext) -> bool:
        return isinstance(context.log, dg.DagsterLogManager)

    @dg.job
    def job() -> None:
        logs()

    assert job.execute_in_process().output_for_node("logs") is True
