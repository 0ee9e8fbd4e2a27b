"""Storage benchmark: event writes, run creation and run listing against issue 4's targets.

Targets on SQLite: >= 20,000 events/s written in batches, >= 2,000 runs/s created one per transaction
(as the host launches them), the newest 50 of 100,000 runs with a status filter in <= 50 ms.

    .venv/bin/python bench/storage_bench.py [--url sqlite:////tmp/bench.db] [--runs 100000]

Each function works on any storage URL and adds its own uniquely named runs, so they can share a database.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy.engine import Engine

from host.storage import events, runs
from host.storage.engine import ensure_schema, open_engine
from host.storage.records import EventRecord, RunRecord
from protos.weir.v1 import common_pb2

STATUS_MIX = ("SUCCESS",) * 16 + ("FAILURE",) * 3 + ("CANCELED",)


def _run(run_id: str, created_at: float, status: str = "QUEUED") -> RunRecord:
    return RunRecord(
        run_id=run_id,
        location="bench",
        job_name=f"job_{hash(run_id) % 20}",
        status=status,
        asset_selection=("bench/a", "bench/b"),
        run_config_json="{}",
        tags={"team": "bench"},
        snapshot_id="0" * 64,
        created_at=created_at,
    )


def _events(run_id: str, start: int, count: int) -> list[EventRecord]:
    """Realistic events: serialized RunEvents of a few hundred bytes, one materialization in ten."""
    records = []
    for sequence in range(start, start + count):
        is_materialization = sequence % 10 == 0
        event = common_pb2.RunEvent(
            run_id=run_id,
            sequence=sequence,
            timestamp=time.time(),
            step_key=f"step_{sequence % 50}",
            type=common_pb2.ASSET_MATERIALIZATION if is_materialization else common_pb2.LOG,
            message="x" * 120,
            level="INFO",
            asset_key=common_pb2.AssetKey(path=["bench", f"asset_{sequence % 50}"]) if is_materialization else None,
        )
        records.append(events.event_record(event))
    return records


def _engine(url: str) -> Engine:
    engine = open_engine(url)
    ensure_schema(engine)
    return engine


def measure_event_write_rate(url: str, *, n_events: int = 50_000, batch_size: int = 500) -> float:
    """Events stored per second, one transaction per batch of `batch_size` (how the host ingests)."""
    engine = _engine(url)
    run_id = f"bench-events-{uuid.uuid4().hex}"
    with engine.begin() as conn:
        runs.add_run(conn, _run(run_id, time.time(), "STARTED"))
    batches = [_events(run_id, start, batch_size) for start in range(0, n_events, batch_size)]
    began = time.perf_counter()
    for batch in batches:
        with engine.begin() as conn:
            events.add_events(conn, batch)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return sum(len(batch) for batch in batches) / elapsed


def measure_run_creation_rate(url: str, *, n_runs: int = 5_000) -> float:
    """Runs created per second, each in its own transaction (how the host launches them)."""
    engine = _engine(url)
    prefix = uuid.uuid4().hex
    records = [_run(f"bench-create-{prefix}-{i}", time.time()) for i in range(n_runs)]
    began = time.perf_counter()
    for record in records:
        with engine.begin() as conn:
            runs.add_run(conn, record)
    elapsed = time.perf_counter() - began
    engine.dispose()
    return n_runs / elapsed


def measure_list_runs_latency(url: str, n_runs: int = 100_000, *, repeats: int = 9) -> float:
    """Median seconds to list the newest 50 runs with a status filter, among `n_runs` stored runs."""
    engine = _engine(url)
    prefix = uuid.uuid4().hex
    start = time.time() - n_runs
    for chunk in range(0, n_runs, 5_000):
        with engine.begin() as conn:
            runs.add_runs(
                conn,
                [
                    _run(f"bench-list-{prefix}-{i}", start + i, STATUS_MIX[i % len(STATUS_MIX)])
                    for i in range(chunk, min(chunk + 5_000, n_runs))
                ],
            )
    timings = []
    for attempt in range(repeats):
        statuses = ("FAILURE",) if attempt % 2 else ("FAILURE", "CANCELED")
        began = time.perf_counter()
        with engine.connect() as conn:
            page, _ = runs.list_runs(conn, statuses=statuses, limit=50)
        timings.append(time.perf_counter() - began)
        assert len(page) == 50
    engine.dispose()
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="storage URL (default: a SQLite file in a temporary directory)")
    parser.add_argument("--runs", type=int, default=100_000, help="runs stored for the listing benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"storage: {url}")
        print(f"event writes (batches of 500): {measure_event_write_rate(url):,.0f} events/s   (target >= 20,000)")
        print(f"run creation (one per transaction): {measure_run_creation_rate(url):,.0f} runs/s   (target >= 2,000)")
        latency = measure_list_runs_latency(url, args.runs)
        print(f"newest 50 of {args.runs:,} runs, status filter: {latency * 1000:.1f} ms   (target <= 50 ms)")


if __name__ == "__main__":
    main()
