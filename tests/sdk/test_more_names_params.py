"""Definition parameters real projects pass: @asset(io_manager_def=), @schedule(should_execute=),
@job(metadata=) and define_asset_job(metadata=)."""

from __future__ import annotations

import time
from typing import Any

import pytest

import sdk as dg
from codeserver.evaluation import evaluate_schedule
from protos.weir.v1 import codeserver_pb2


class Recording(dg.IOManager):
    def __init__(self) -> None:
        self.stored: dict[str, Any] = {}

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        self.stored[context.asset_key.to_user_string()] = obj

    def load_input(self, context: dg.InputContext) -> Any:
        return self.stored[context.asset_key.to_user_string()]


def test_asset_io_manager_def_stores_that_asset_with_its_own_io_manager() -> None:
    recording = Recording()

    @dg.asset(io_manager_def=recording)
    def special() -> int:
        return 41

    @dg.asset
    def plain(special: int) -> int:
        return special + 1

    assert special.op.output_defs["result"].io_manager_key == "special__io_manager"
    result = dg.materialize([special, plain])
    assert result.success and recording.stored == {"special": 41}
    assert result.asset_value(plain.key) == 42
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="Both io_manager_key and io_manager_def"):

        @dg.asset(io_manager_def=recording, io_manager_key="other")
        def both() -> int:
            return 1


@dg.op
def noop() -> None:
    return None


@dg.job(metadata={"owner": "data", "docs": dg.MetadataValue.url("https://x")})
def documented() -> None:
    noop()


SHOULD = {"run": False}


@dg.schedule("0 * * * *", job=documented, should_execute=lambda context: SHOULD["run"])
def hourly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(run_key="k")


def test_job_metadata_and_schedule_should_execute() -> None:
    assert documented.metadata["owner"] == "data"

    @dg.asset
    def table() -> int:
        return 1

    defs = dg.Definitions(
        assets=[table], jobs=[documented, dg.define_asset_job("assets_job", metadata={"tier": 1})], schedules=[hourly]
    )
    assert defs.get_job_def("assets_job").metadata == {"tier": 1}
    request = codeserver_pb2.EvaluateScheduleRequest(schedule_name="hourly", scheduled_time=time.time())
    skipped = codeserver_pb2.EvaluationReply.FromString(evaluate_schedule(defs, request.SerializeToString()))
    assert skipped.skip_reason == "should_execute returned False" and not skipped.run_requests
    SHOULD["run"] = True
    ran = codeserver_pb2.EvaluationReply.FromString(evaluate_schedule(defs, request.SerializeToString()))
    assert [r.run_key for r in ran.run_requests] == ["k"]


def test_op_version_and_schedule_run_config_fn(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdk import _unsupported

    monkeypatch.setattr(_unsupported, "_warned", set())  # each argument warns once per process

    @dg.op(version="v2")
    def versioned() -> int:
        return 1

    assert versioned.code_version == "v2"
    with pytest.warns(dg.WeirUnsupportedArgumentWarning, match="pool="):

        @dg.op(pool="db")
        def pooled() -> int:
            return 1

    older = dg.ScheduleDefinition(
        name="older",
        job=documented,
        cron_schedule="0 3 * * *",
        run_config_fn=lambda context: {"ops": {}},
        tags_fn=lambda context: {"date": context.scheduled_execution_time.strftime("%Y-%m-%d")},
    )
    defs = dg.Definitions(jobs=[documented], schedules=[older])
    request = codeserver_pb2.EvaluateScheduleRequest(schedule_name="older", scheduled_time=86400.0 * 365)
    reply = codeserver_pb2.EvaluationReply.FromString(evaluate_schedule(defs, request.SerializeToString()))
    [run] = reply.run_requests
    assert dict(run.tags)["date"] == "1971-01-01"
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not both"):
        dg.ScheduleDefinition(
            name="both", job=documented, cron_schedule="0 3 * * *", run_config={}, run_config_fn=lambda c: {}
        )


def test_arguments_weir_does_not_implement_yet_warn(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdk import _unsupported

    monkeypatch.setattr(_unsupported, "_warned", set())
    with pytest.warns(dg.WeirUnsupportedArgumentWarning, match="compute_kind="):

        @dg.asset_check(asset="orders", compute_kind="sql")
        def positive() -> dg.AssetCheckResult:
            return dg.AssetCheckResult(passed=True)

    with pytest.warns(dg.WeirUnsupportedArgumentWarning, match="tags="):

        @dg.sensor(job=documented, tags={"team": "data"})
        def watcher() -> None:
            return None

    assert positive.check_specs[0].name == "positive" and watcher.name == "watcher"


def test_asset_out_from_spec_asset_dep_metadata_and_warned_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    from sdk import _unsupported

    monkeypatch.setattr(_unsupported, "_warned", set())
    spec = dg.AssetSpec("sales", group_name="g", owners=["team:data"], tags={"t": "v"}, deps=["raw"])

    @dg.multi_asset(outs={"sales": dg.AssetOut.from_spec(spec)})
    def build_sales() -> int:
        return 1

    [built] = build_sales.specs_by_key.values()
    assert built.key == dg.AssetKey("sales") and built.group_name == "g" and list(built.owners) == ["team:data"]
    assert [d.asset_key for d in built.deps] == [dg.AssetKey("raw")]
    dep = dg.AssetDep("raw", metadata={"why": "joins"})
    assert dep.metadata == {"why": "joins"} and dep.asset_key == dg.AssetKey("raw")
    with pytest.warns(dg.WeirUnsupportedArgumentWarning, match="backfill_policy="):
        dg.AssetOut(backfill_policy=dg.BackfillPolicy.single_run())
    with pytest.warns(dg.WeirUnsupportedArgumentWarning, match="partitions_def="):
        dg.AssetCheckSpec("c", asset="sales", partitions_def=dg.StaticPartitionsDefinition(["a"]))
