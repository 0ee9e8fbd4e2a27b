"""The run summary kept at ingest, on SQLite and PostgreSQL: the same whatever the batches (order, size,
redelivery), with retries, failures, skips and captured output sizes; gone with its run; filled by the
migration for events stored before it; counted once when two transactions store the same events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from host.api import logs
from host.errors import RunNotFound
from host.storage import events, maintenance, run_summary, run_view, runs
from host.storage.engine import migrate
from host.storage.records import EventRecord, RunRecord
from host.storage.run_view import EventFilter
from host.storage.schema import run_event_counts, run_step_assets, run_steps
from protos.weir.v1 import common_pb2
from tests.support import wait_for

T = common_pb2
SUMMARY_TABLES = (run_event_counts, run_steps, run_step_assets)


def event(sequence: int, kind: common_pb2.EventType.ValueType, step: str = "", **fields: Any) -> common_pb2.RunEvent:
    return common_pb2.RunEvent(
        run_id="r1", sequence=sequence, type=kind, timestamp=100.0 + sequence, step_key=step, **fields
    )


# "extract" fails once and succeeds on its retry, "load" fails, "report" is skipped; output is captured
# from the run itself, on both streams, and past a cap.
STORY = [
    event(0, T.RUN_START),
    event(1, T.COMPUTE_LOG, "", stream="stdout", message="run says hi\n"),
    event(2, T.STEP_START, "extract"),
    event(3, T.COMPUTE_LOG, "extract", stream="stdout", message="héllo\n"),
    event(4, T.STEP_UP_FOR_RETRY, "extract", message="timed out"),
    event(5, T.STEP_START, "extract"),
    event(6, T.COMPUTE_LOG, "extract", stream="stderr", message="oops\n"),
    event(7, T.ASSET_MATERIALIZATION, "extract", asset_key=T.AssetKey(path=["raw", "orders"]), partition_key="a"),
    event(8, T.ASSET_MATERIALIZATION, "extract", asset_key=T.AssetKey(path=["raw", "orders"]), partition_key="b"),
    event(9, T.STEP_SUCCESS, "extract"),
    event(10, T.STEP_START, "load"),
    event(11, T.COMPUTE_LOG, "load", stream="stdout", message="y" * 100),
    event(12, T.COMPUTE_LOG, "load", stream="stdout", message="[Weir dropped 4,096 bytes]\n", dropped_bytes=4096),
    event(13, T.LOG, "load", level="ERROR", message="bad rows"),
    event(14, T.STEP_FAILURE, "load", error=T.UserCodeError(type="ValueError", message="boom")),
    event(15, T.STEP_SKIPPED, "report"),
    event(16, T.RUN_FAILURE),
]


def records(run_id: str, story: list[common_pb2.RunEvent] = STORY) -> list[EventRecord]:
    return [dataclasses.replace(events.event_record(e), run_id=run_id) for e in story]


def summary_of(engine: Engine, run_id: str) -> run_view.LogSummary:
    with engine.connect() as conn:
        return run_view.read_summary(conn, run_id)[0]


def summary_rows(engine: Engine, run_id: str) -> int:
    with engine.connect() as conn:
        query = (sa.select(sa.func.count()).where(table.c.run_id == run_id) for table in SUMMARY_TABLES)
        return sum(conn.execute(q).scalar_one() for q in query)


class RunSummaryContract:
    backend: str

    @pytest.fixture(autouse=True)
    def _runs(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run(r, status="FAILURE", ended_at=2_000.0) for r in ("r1", "r2", "r3")])

    def test_the_summary_has_each_steps_state_attempts_output_and_assets(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(conn, records("r1"))
        summary = summary_of(engine, "r1")
        assert (summary.total, summary.last_sequence, summary.first_error) == (17, 16, 13)
        assert summary.by_level == {"EVENT": 8, "INFO": 5, "WARNING": 1, "ERROR": 3}
        assert summary.by_type["COMPUTE_LOG"] == 5 and summary.by_type["STEP_START"] == 3
        extract, load, report = summary.steps
        assert (extract.step_key, extract.status, extract.attempts) == ("extract", "SUCCESS", 2)
        assert (extract.start, extract.end) == (102.0, 109.0)
        assert (extract.stdout_bytes, extract.stderr_bytes, extract.assets, extract.events) == (7, 5, ["raw/orders"], 8)
        assert (load.status, load.attempts, load.end, load.error_sequence) == ("FAILURE", 1, 114.0, 14)
        assert (report.status, report.attempts, report.start, report.end) == ("SKIPPED", 0, None, 115.0)
        with engine.connect() as conn:
            sizes = run_summary.log_sizes(conn, "r1")
        output = [(s.step_key, s.stdout_bytes, s.stderr_bytes, s.dropped_bytes) for s in sizes]
        assert output == [("", 12, 0, 0), ("extract", 7, 5, 0), ("load", 100, 0, 4096)]

    def test_batches_in_any_order_and_delivered_again_give_the_same_summary(self, engine: Engine) -> None:
        whole = records("r2")
        with engine.begin() as conn:
            events.add_events(conn, whole)
        parts = records("r1")
        with engine.begin() as conn:
            events.add_events(conn, parts[:5])
        assert summary_of(engine, "r1").steps[0].status == "RETRYING"
        for batch in (parts[12:], parts[2:10], parts[5:12], parts):
            with engine.begin() as conn:
                events.add_events(conn, batch)
        assert summary_of(engine, "r1") == summary_of(engine, "r2")
        with engine.connect() as conn:
            counts = run_summary.event_counts(conn, "r1")
            assert sorted(counts, key=str) == sorted(run_summary.event_counts(conn, "r2"), key=str)
            assert run_summary.log_sizes(conn, "r1") == run_summary.log_sizes(conn, "r2")
            assert run_view.count_kept(counts, EventFilter(levels=("ERROR",), steps=("load",))) == 2

    def test_a_step_that_starts_again_after_ending_is_going_again(self, engine: Engine) -> None:
        again = [*STORY[:11], event(17, T.STEP_START, "extract")]
        with engine.begin() as conn:
            events.add_events(conn, records("r1", again))
        extract = summary_of(engine, "r1").steps[0]
        assert (extract.status, extract.attempts, extract.end) == ("STARTED", 3, None)

    def test_deleting_pruning_and_wiping_take_the_summary_along(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for run_id in ("r1", "r2", "r3"):
                events.add_events(conn, records(run_id))
        assert summary_rows(engine, "r1") > 0
        with engine.begin() as conn:
            assert maintenance.delete_run(conn, "r1")
            assert maintenance.wipe_assets(conn, ["raw/orders"], ["a"]) == 2
        assert summary_rows(engine, "r1") == 0
        assert summary_of(engine, "r2").steps[0].assets == ["raw/orders"]  # partition b is still its
        with engine.begin() as conn:
            maintenance.wipe_assets(conn, ["raw/orders"])
        assert summary_of(engine, "r2").steps[0].assets == []
        with engine.begin() as conn:
            assert maintenance.prune(conn, older_than_seconds=0.0, now=10_000.0) == 2
        assert summary_rows(engine, "r2") == summary_rows(engine, "r3") == 0

    def test_log_sizes_through_the_host_api_and_pages_without_output(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(conn, records("r1"))
            bodies, more = events.event_bodies(conn, "r1", limit=100, max_bytes=1 << 20, exclude_types=["COMPUTE_LOG"])
        listed = [common_pb2.RunEvent.FromString(b).sequence for b in bodies]
        assert not more and listed == [e.sequence for e in STORY if e.type != T.COMPUTE_LOG]
        sizes = logs.log_sizes(engine, "r1")
        assert [(s.step_key, s.stdout_bytes, s.dropped_bytes) for s in sizes.steps] == [
            ("", 12, 0),
            ("extract", 7, 0),
            ("load", 100, 4096),
        ]
        with pytest.raises(RunNotFound):
            logs.log_sizes(engine, "no-such-run")


class SummaryMigrationContract:
    backend: str

    def test_the_migration_fills_the_summary_of_events_stored_before_it(
        self, empty_engine: Engine, make_run: Callable[..., RunRecord]
    ) -> None:
        """r1's events are stored at revision 0007 (no level, no summary), r2's the same through ingest."""
        migrate(empty_engine, "0007")
        old_rows = [{k: v for k, v in events._event_row(r).items() if k != "level"} for r in records("r1")]
        with empty_engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1"), make_run("r2")])
            conn.execute(sa.insert(sa.table("events", *(sa.column(name) for name in old_rows[0]))), old_rows)
        migrate(empty_engine)
        with empty_engine.begin() as conn:
            events.add_events(conn, records("r2"))
        assert summary_of(empty_engine, "r1") == summary_of(empty_engine, "r2")
        with empty_engine.connect() as conn:
            assert run_summary.log_sizes(conn, "r1") == run_summary.log_sizes(conn, "r2")
            assert run_summary.step_assets(conn, "r1") == {"extract": ["raw/orders"]}
            levels = [
                [row.level for row in run_view.events_after(conn, run_id, EventFilter(), after=-1, limit=100)[0]]
                for run_id in ("r1", "r2")
            ]
        assert levels[0] == levels[1]


class TestRunSummarySqlite(RunSummaryContract):
    backend = "sqlite"

    def test_events_another_connection_stores_in_between_are_counted_once(self, engine: Engine) -> None:
        """The read of what is stored comes before the write lock: another connection stores part of the
        batch just before the insert (a hook on it), and only what this call inserted is summarized."""
        batch, hooked = records("r1"), []

        def store_some_first(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if statement.startswith("INSERT INTO events") and not hooked:
                hooked.append(statement)
                with engine.begin() as other:
                    assert events.add_events(other, batch[:8]) == 8

        sa.event.listen(engine, "before_cursor_execute", store_some_first)
        try:
            with engine.begin() as conn:
                assert events.add_events(conn, batch) == len(batch) - 8
        finally:
            sa.event.remove(engine, "before_cursor_execute", store_some_first)
        assert hooked
        summary = summary_of(engine, "r1")
        assert (summary.total, summary.steps[0].attempts, summary.steps[0].stdout_bytes) == (17, 2, 7)


class TestSummaryMigrationSqlite(SummaryMigrationContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestSummaryMigrationPostgres(SummaryMigrationContract):
    backend = "postgres"


@pytest.mark.postgres
class TestRunSummaryPostgres(RunSummaryContract):
    backend = "postgres"

    def test_two_transactions_storing_the_same_events_count_them_once(self, engine: Engine) -> None:
        batch = records("r1")
        with engine.connect() as first, ThreadPoolExecutor(1) as pool:
            with first.begin():
                assert events.add_events(first, batch) == len(batch)
                second = pool.submit(self._store, engine, batch)
                wait_for(lambda: self._waiting(engine), 10, what="the second transaction to wait for the first")
            assert second.result(10) == 0
        summary = summary_of(engine, "r1")
        assert (summary.total, summary.steps[0].attempts, summary.steps[0].stdout_bytes) == (17, 2, 7)

    @staticmethod
    def _store(engine: Engine, batch: list[EventRecord]) -> int:
        with engine.begin() as conn:
            return events.add_events(conn, batch)

    @staticmethod
    def _waiting(engine: Engine) -> bool:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        with engine.connect() as conn:
            return bool(conn.exec_driver_sql(query).scalar_one())
