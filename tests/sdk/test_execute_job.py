"""execute_job() with reconstructable jobs and re-execution, as Dagster's docs use them."""

from __future__ import annotations

import pytest

import sdk as dg

FAIL_MARK: dict[str, bool] = {"fail": True}


@dg.op
def emit_one() -> int:
    return 1


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.op
def maybe_fail(x: int) -> int:
    if FAIL_MARK["fail"]:
        raise ValueError("boom")
    return x * 10


@dg.job
def the_job() -> None:
    maybe_fail(add_one(emit_one()))


@dg.graph
def inner(x: int) -> int:
    return add_one(x)


@dg.graph
def the_graph() -> None:
    add_one(inner(emit_one()))


def define_job() -> dg.JobDefinition:
    return the_graph.to_job(name="from_graph", executor_def=dg.in_process_executor)


@dg.asset
def upstream() -> int:
    return 5


@dg.asset
def downstream(upstream: int) -> int:
    return upstream * 2


def define_asset_job() -> dg.JobDefinition:
    defs = dg.Definitions(assets=[upstream, downstream], jobs=[dg.define_asset_job("assets_job")])
    return defs.get_job_def("assets_job")


def test_execute_job_records_the_run_and_reads_outputs_inside_the_with() -> None:
    FAIL_MARK["fail"] = False
    with dg.instance_for_test() as instance:
        result = dg.execute_job(dg.reconstructable(the_job), instance=instance)
        assert result.success
        assert isinstance(result, dg.JobExecutionResult)
        assert result.dagster_run.status == dg.DagsterRunStatus.SUCCESS
        assert result.job_def.name == "the_job"
        assert instance.get_run_by_id(result.run_id).is_success
        assert result.all_events[-1].event_type == dg.DagsterEventType.RUN_SUCCESS
        with pytest.raises(dg.DagsterInvariantViolationError, match="must be opened as a context manager"):
            result.output_for_node("add_one")
        with dg.execute_job(dg.reconstructable(the_job), instance=instance, tags={"team": "a"}) as result:
            assert result.output_for_node("add_one") == 2
            assert result.output_for_node("maybe_fail") == 20
            assert result.dagster_run.tags["team"] == "a"
            assert result.is_node_success("emit_one")


def test_a_failed_run_reexecutes_from_failure_and_loads_what_succeeded() -> None:
    FAIL_MARK["fail"] = True
    with dg.instance_for_test() as instance:
        job = dg.reconstructable(the_job)
        failed = dg.execute_job(job, instance=instance, run_config={}, tags={"k": "v"})
        assert not failed.success
        assert failed.dagster_run.status == dg.DagsterRunStatus.FAILURE
        with pytest.raises(dg.DagsterInvariantViolationError, match="op selection cannot be used together"):
            dg.execute_job(
                job,
                instance=instance,
                op_selection=["emit_one"],
                reexecution_options=dg.ReexecutionOptions(failed.run_id),
            )
        FAIL_MARK["fail"] = False
        options = dg.ReexecutionOptions.from_failure(failed.run_id, instance)
        with dg.execute_job(job, instance=instance, reexecution_options=options) as retried:
            assert retried.success
            executed = {e.step_key for e in retried.all_events if e.is_step_start}
            assert executed == {"maybe_fail"}
            assert retried.output_for_node("maybe_fail") == 20
            assert retried.output_for_node("add_one") == 2  # loaded from the parent run's storage
            run = retried.dagster_run
            assert run.parent_run_id == failed.run_id and run.root_run_id == failed.run_id
            assert run.tags["dagster/parent_run_id"] == failed.run_id and run.tags["k"] == "v"
        with pytest.raises(dg.DagsterInvariantViolationError, match="not failed"):
            dg.execute_job(
                job, instance=instance, reexecution_options=dg.ReexecutionOptions.from_failure(retried.run_id, instance)
            )
        again = dg.execute_job(
            job,
            instance=instance,
            reexecution_options=dg.ReexecutionOptions(retried.run_id, step_selection=["add_one*"]),
        )
        assert {e.step_key for e in again.all_events if e.is_step_start} == {"add_one", "maybe_fail"}
        assert again.dagster_run.root_run_id == failed.run_id


def test_raise_on_error_and_selections() -> None:
    FAIL_MARK["fail"] = True
    with dg.instance_for_test() as instance:
        with pytest.raises(Exception, match="boom"):  # from a forked step: its message, as a WeirError
            dg.execute_job(dg.reconstructable(the_job), instance=instance, raise_on_error=True)
        sub = dg.execute_job(dg.reconstructable(the_job), instance=instance, op_selection=["emit_one", "add_one"])
        assert sub.success and sub.is_node_untouched("maybe_fail")
        with dg.execute_job(dg.reconstructable(define_job), instance=instance) as nested:
            assert nested.output_for_node("inner.add_one") == 2
            assert nested.output_for_node("inner") == 2
            assert nested.output_for_node("add_one") == 3
        with dg.execute_job(
            dg.reconstructable(define_asset_job), instance=instance, asset_selection=[dg.AssetKey("upstream")]
        ) as assets:
            assert assets.success
            assert [e.asset_key for e in assets.get_asset_materialization_events()] == [dg.AssetKey("upstream")]
        assert instance.get_latest_materialization_event("upstream") is not None


def test_execute_job_refuses_what_it_cannot_reconstruct() -> None:
    with dg.instance_for_test() as instance:
        with pytest.raises(dg.DagsterInvariantViolationError, match=r"reconstructable\(the_job\)"):
            dg.execute_job(the_job, instance=instance)
        with pytest.raises(dg.DagsterInvariantViolationError, match="module scope"):
            dg.reconstructable(lambda: the_job)

        def local() -> dg.JobDefinition:
            return the_job

        with pytest.raises(dg.DagsterInvariantViolationError, match="module scope"):
            dg.reconstructable(local)
        with pytest.raises(dg.DagsterInvariantViolationError, match="instance=DagsterInstance"):
            dg.execute_job(dg.reconstructable(the_job), instance=None)
