"""Text from user code that UTF-8 cannot encode (a lone surrogate) reaches the wire escaped instead of
failing the step or the evaluation that produced it (issue 12, item 10)."""

from __future__ import annotations

from pathlib import Path

from codeserver.location import LocationCode
from codeserver.target import LoadTarget
from protos.weir.v1 import codeserver_pb2, common_pb2
from tests.support import RunningCodeServer, kill_processes_mentioning, wait_for

SURROGATE_LOG = """
import sdk as dg


@dg.asset
def orders(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.info("broken \\ud800 text")
    return dg.MaterializeResult(metadata={"note": "half a pair: \\udc00"})


job = dg.define_asset_job("orders_job", selection=dg.AssetSelection.all())


@dg.sensor(job=job)
def failing(context):
    raise ValueError("no \\ud800 such file")


@dg.sensor(job=job)
def skipping(context):
    return dg.SkipReason("skipped \\udfff")


defs = dg.Definitions(assets=[orders], jobs=[job], sensors=[failing, skipping])
"""


def test_a_step_logging_a_lone_surrogate_succeeds_and_its_events_are_readable(tmp_path: Path):
    code_file = tmp_path / "shop.py"
    code_file.write_text(SURROGATE_LOG)
    server = RunningCodeServer(tmp_path, code_file, tmp_path / "runs", "token")
    try:
        server.wait_loaded()
        server.stub.StartRun(
            codeserver_pb2.StartRunRequest(run_id="run1", asset_selection=[common_pb2.AssetKey(path=["orders"])]),
            metadata=server.metadata,
            timeout=10,
        )
        request = codeserver_pb2.WatchRunEventsRequest(run_id="run1", after_sequence=-1)
        events = [
            event
            for batch in server.stub.WatchRunEvents(request, metadata=server.metadata, timeout=60)
            for event in batch.events
        ]
    finally:
        server.stop()
        kill_processes_mentioning(str(tmp_path))
    assert events[-1].type == common_pb2.RUN_SUCCESS, [(e.type, e.message) for e in events]
    assert "broken \\ud800 text" in [e.message for e in events]
    materialized = next(e for e in events if e.type == common_pb2.ASSET_MATERIALIZATION)
    assert {m.key: m.value.text for m in materialized.metadata}["note"] == "half a pair: \\udc00"


def test_a_sensor_raising_a_lone_surrogate_reports_the_error_and_its_process_serves_on(tmp_path: Path):
    code_file = tmp_path / "shop.py"
    code_file.write_text(SURROGATE_LOG)
    code = LocationCode(LoadTarget(python_file=str(code_file)), "shop", pool_size=1)
    try:
        code.load()
        for name in ("failing", "skipping", "failing"):
            request = codeserver_pb2.EvaluateSensorRequest(sensor_name=name).SerializeToString()
            reply = codeserver_pb2.EvaluationReply.FromString(code.call("evaluate_sensor", request, 10))
            if name == "failing":
                assert (reply.error.type, reply.error.message) == ("ValueError", "no \\ud800 such file")
                assert "no \\ud800 such file" in reply.error.traceback
            else:
                assert reply.skip_reason == "skipped \\udfff"
    finally:
        code.close()


def test_an_import_failing_with_a_lone_surrogate_shows_the_error(tmp_path: Path):
    code_file = tmp_path / "broken.py"
    code_file.write_text('raise ValueError("cannot read \\udcff.csv")\n')
    server = RunningCodeServer(tmp_path, code_file, tmp_path / "runs", "token")
    try:
        reply = wait_for(lambda: (r := server.handshake()).HasField("load_error") and r, 30, what="the load error")
    finally:
        server.stop()
        kill_processes_mentioning(str(tmp_path))
    assert reply.load_error.type == "ValueError" and "cannot read \\udcff.csv" in reply.load_error.message
