"""JobSelector / RepositorySelector / CodeLocationSelector in run status sensors, and TypeCheckContext."""

from __future__ import annotations

import warnings

import pytest

import sdk as dg


@dg.op
def one() -> int:
    return 1


@dg.job
def nightly() -> None:
    one()


def test_job_selectors_name_the_jobs_a_run_status_sensor_watches(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdk import _unsupported

    monkeypatch.setattr(_unsupported, "_warned", set())  # each argument warns once per process

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[dg.JobSelector(job_name="nightly"), nightly]
    )
    def on_success(context: dg.RunStatusSensorContext) -> None:
        return None

    assert on_success.monitored_jobs == ["nightly", "nightly"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        @dg.run_failure_sensor(monitored_jobs=[dg.JobSelector("nightly", location_name="other")])
        def on_failure(context: dg.RunFailureSensorContext) -> None:
            return None

    assert on_failure.monitored_jobs == ["nightly"]
    assert any("location_name" in str(w.message) for w in caught)
    for selector in (dg.CodeLocationSelector("other"), dg.RepositorySelector("other", "repo")):
        with pytest.raises(dg.DagsterInvalidDefinitionError, match="own code location only"):

            @dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[selector])
            def watch_all(context: dg.RunStatusSensorContext) -> None:
                return None


def test_type_check_functions_get_a_type_check_context() -> None:
    seen: list[object] = []

    def is_even(context: dg.TypeCheckContext, value: object) -> bool:
        seen.append(context)
        context.log.debug("checking %s", value)
        return isinstance(value, int) and value % 2 == 0

    even = dg.DagsterType(is_even, name="Even")
    assert dg.check_dagster_type(even, 2).success and not dg.check_dagster_type(even, 3).success
    assert isinstance(seen[0], dg.TypeCheckContext) and seen[0].run_id == ""

    @dg.op(out=dg.Out(even))
    def two() -> int:
        return 2

    @dg.job
    def evens() -> None:
        two()

    assert evens.execute_in_process().success
    assert isinstance(seen[-1], dg.TypeCheckContext)
