"""Run status sensors get each finished run with the event that ended it, as stored (a run failure sensor
reads its message and error as context.failure_event); a run the host ended itself carries its reason."""

from __future__ import annotations

import json
from pathlib import Path

from host.daemon.sensor_inputs import finished_runs
from host.storage import events as event_store
from host.storage import runs as run_store
from host.storage.records import RunRecord
from protos.weir.v1 import common_pb2
from tests.host.daemon.support import sqlite_engine

T0 = 1_780_000_000.0


def _run(run_id: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        location="sales",
        job_name="sales_job",
        status="STARTED",
        asset_selection=(),
        run_config_json="{}",
        tags={},
        snapshot_id="s",
        created_at=T0,
    )


def test_a_failed_run_comes_with_its_stored_failure_event_and_a_host_failed_one_with_its_reason(
    tmp_path: Path,
) -> None:
    engine = sqlite_engine(tmp_path)
    error = common_pb2.UserCodeError(type="ValueError", message="no rows", traceback="Traceback ...\nValueError")
    events = [
        common_pb2.RunEvent(run_id="failed", sequence=1, type=common_pb2.RUN_START, timestamp=T0 + 1),
        common_pb2.RunEvent(
            run_id="failed",
            sequence=2,
            type=common_pb2.RUN_FAILURE,
            timestamp=T0 + 2,
            message="Execution of run for \"sales_job\" failed. Steps failed: ['load'].",
            error=error,
        ),
        common_pb2.RunEvent(run_id="failed", sequence=3, type=common_pb2.ENGINE_EVENT, timestamp=T0 + 3),
    ]
    with engine.begin() as conn:
        for run_id in ("failed", "lost", "good"):
            run_store.add_run(conn, _run(run_id))
        event_store.add_events(conn, [event_store.event_record(e) for e in events])
        run_store.set_run_status(conn, "failed", "FAILURE", at=T0 + 10)
        run_store.set_run_status(conn, "lost", "FAILURE", at=T0 + 11, failure_reason="the run worker was lost")
        run_store.set_run_status(conn, "good", "SUCCESS", at=T0 + 12)
    with engine.connect() as conn:
        runs, _ = finished_runs(conn, "sales", ["FAILURE", "SUCCESS"], [], json.dumps([T0, ""]), now=T0 + 20, limit=10)
    by_id = {r.run_id: r for r in runs}
    failed = by_id["failed"].end_event
    assert (failed.type, failed.message) == (common_pb2.RUN_FAILURE, events[1].message)
    assert (failed.error.type, failed.error.message) == ("ValueError", "no rows")
    lost = by_id["lost"].end_event
    assert (lost.type, lost.message, lost.HasField("error")) == (
        common_pb2.RUN_FAILURE,
        "the run worker was lost",
        False,
    )
    assert not by_id["good"].HasField("end_event")  # nothing stored and no reason: the code server words it
