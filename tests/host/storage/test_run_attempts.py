"""A step's attempts as the run page reads them, on SQLite and PostgreSQL: each attempt's start, end and
outcome kept at ingest (whatever order batches arrive in), filled by migration 0010 for runs stored
before it, the `attempt` filter as sequence ranges in SQL, and one attempt's captured output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from host.storage import events, maintenance, run_summary, run_view, runs
from host.storage.engine import migrate
from host.storage.records import RunRecord
from host.storage.run_summary import Attempt
from host.storage.run_view import EventFilter
from host.storage.schema import events as events_table
from host.storage.schema import run_step_attempts
from protos.weir.v1 import common_pb2

T = common_pb2


def event(run_id: str, sequence: int, kind: common_pb2.EventType.ValueType, step: str, **fields: Any) -> Any:
    wire = common_pb2.RunEvent(
        run_id=run_id, sequence=sequence, type=kind, timestamp=100.0 + sequence, step_key=step, **fields
    )
    return events.event_record(wire)


def story(run_id: str) -> list[Any]:
    """`flaky` fails twice, is retried and succeeds on its third attempt while `steady` runs once."""
    return [
        event(run_id, 0, T.RUN_START, ""),
        event(run_id, 1, T.STEP_START, "flaky"),
        event(run_id, 2, T.COMPUTE_LOG, "flaky", stream="stdout", message="try 1\n"),
        event(run_id, 3, T.STEP_UP_FOR_RETRY, "flaky", message="boom 1"),
        event(run_id, 4, T.STEP_START, "steady"),
        event(run_id, 5, T.STEP_RESTARTED, "flaky"),
        event(run_id, 6, T.COMPUTE_LOG, "flaky", stream="stdout", message="try 2\n"),
        event(run_id, 7, T.STEP_UP_FOR_RETRY, "flaky", message="boom 2"),
        event(run_id, 8, T.STEP_SUCCESS, "steady"),
        event(run_id, 9, T.STEP_RESTARTED, "flaky"),
        event(run_id, 10, T.LOG, "flaky", level="INFO", message="third time"),
        event(run_id, 11, T.COMPUTE_LOG, "flaky", stream="stdout", message="try 3\n"),
        event(run_id, 12, T.STEP_SUCCESS, "flaky"),
        event(run_id, 13, T.RUN_SUCCESS, ""),
    ]


FLAKY = [
    Attempt(1, 1, 101.0, 3, 103.0, "UP_FOR_RETRY"),
    Attempt(2, 5, 105.0, 7, 107.0, "UP_FOR_RETRY"),
    Attempt(3, 9, 109.0, 12, 112.0, "SUCCESS"),
]
STEADY = [Attempt(1, 4, 104.0, 8, 108.0, "SUCCESS")]


def sequences(engine: Engine, where: EventFilter, run_id: str = "r1") -> list[int]:
    with engine.connect() as conn:
        where = run_view.with_attempt_ranges(conn, run_id, where)
        rows, _, _ = run_view.events_after(conn, run_id, where, after=-1, limit=100)
        assert run_view.count_matching(conn, run_id, where) == len(rows)
    return [row.sequence for row in rows]


class RunAttemptsContract:
    backend: str

    @pytest.fixture
    def stored(self, engine: Engine, make_run: Callable[..., RunRecord]) -> Engine:
        """r1's events arrive in two batches, the later one first."""
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1", status="SUCCESS")])
            events.add_events(conn, story("r1")[7:])
            events.add_events(conn, story("r1")[:7])
            events.add_events(conn, story("r1")[3:9])  # delivered again: changes nothing
        return engine

    def test_each_attempt_has_its_start_end_and_outcome_in_the_summary(self, stored: Engine) -> None:
        with stored.connect() as conn:
            summary, _ = run_view.read_summary(conn, "r1")
        steps = {s.step_key: s for s in summary.steps}
        assert (steps["flaky"].attempt_list, steps["flaky"].attempts, steps["flaky"].status) == (FLAKY, 3, "SUCCESS")
        assert (steps["flaky"].start, steps["flaky"].end) == (101.0, 112.0)
        assert (steps["steady"].attempt_list, steps["steady"].attempts) == (STEADY, 1)

    def test_a_step_restarted_by_a_retry_is_running_again(
        self, engine: Engine, make_run: Callable[..., RunRecord]
    ) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1", status="STARTED")])
            events.add_events(conn, story("r1")[:4])
        with engine.connect() as conn:
            (retrying,) = [s for s in run_view.read_summary(conn, "r1")[0].steps if s.step_key == "flaky"]
        assert (retrying.status, [a.outcome for a in retrying.attempt_list]) == ("RETRYING", ["UP_FOR_RETRY"])
        with engine.begin() as conn:
            events.add_events(conn, story("r1")[4:7])
        with engine.connect() as conn:
            (running,) = [s for s in run_view.read_summary(conn, "r1")[0].steps if s.step_key == "flaky"]
        assert (running.status, running.attempts, running.end) == ("STARTED", 2, None)
        assert running.attempt_list[-1] == Attempt(2, 5, 105.0, None, None, "STARTED")

    def test_the_attempt_filter_keeps_that_attempt_of_each_step(self, stored: Engine) -> None:
        assert sequences(stored, EventFilter(steps=("flaky",), attempt=2)) == [5, 6, 7]
        assert sequences(stored, EventFilter(steps=("flaky",), attempt=3)) == [9, 10, 11, 12]
        assert sequences(stored, EventFilter(attempt=1)) == [1, 2, 3, 4, 8]  # flaky's first and steady's only
        assert sequences(stored, EventFilter(steps=("steady",), attempt=2)) == []
        assert sequences(stored, EventFilter(steps=("flaky",), attempt=3, types=("COMPUTE_LOG",))) == [11]
        assert sequences(stored, EventFilter(attempt=3, text="THIRD")) == [10]

    def test_each_event_knows_its_attempt(self, stored: Engine) -> None:
        with stored.connect() as conn:
            flaky = run_summary.step_attempts(conn, "r1")["flaky"]
        assert [run_view.attempt_of(flaky, s) for s in (1, 3, 5, 8, 9, 12)] == [1, 1, 2, 2, 3, 3]

    def test_one_attempts_captured_output(self, stored: Engine) -> None:
        with stored.connect() as conn:
            flaky = run_summary.step_attempts(conn, "r1", ["flaky"])["flaky"]
            texts = []
            for number in (1, 2, 3):
                span = run_view.attempt_span(flaky, number)
                chunks, earlier = run_view.compute_log_tail(
                    conn, "r1", step_key="flaky", stream="stdout", max_bytes=1 << 16, span=span
                )
                texts.append(("".join(common_pb2.RunEvent.FromString(c.body).message for c in chunks), earlier))
            after, more = run_view.compute_log_after(
                conn,
                "r1",
                step_key="flaky",
                stream="stdout",
                after=2,
                max_bytes=1 << 16,
                span=run_view.attempt_span(flaky, 2),
            )
        assert texts == [("try 1\n", False), ("try 2\n", False), ("try 3\n", False)]
        assert ([c.sequence for c in after], more) == ([6], False)
        assert run_view.attempt_span(flaky, 4) is None

    def test_deleting_the_run_deletes_its_attempts(self, stored: Engine) -> None:
        with stored.begin() as conn:
            assert maintenance.delete_run(conn, "r1")
        with stored.connect() as conn:
            assert run_summary.step_attempts(conn, "r1") == {}
            assert conn.execute(sa.select(sa.func.count()).select_from(run_step_attempts)).scalar_one() == 0

    def test_the_migration_fills_the_attempts_of_runs_stored_before_it(
        self, empty_engine: Engine, make_run: Callable[..., RunRecord]
    ) -> None:
        """r1's events are stored at revision 0009 (no attempt marks), r2's the same through ingest."""
        migrate(empty_engine, "0009")
        with empty_engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1"), make_run("r2")])
            conn.execute(sa.insert(events_table), [events._event_row(r) for r in story("r1")])
        migrate(empty_engine)
        with empty_engine.begin() as conn:
            events.add_events(conn, story("r2"))
        with empty_engine.connect() as conn:
            assert run_summary.step_attempts(conn, "r1") == run_summary.step_attempts(conn, "r2")
            assert run_summary.step_attempts(conn, "r1") == {"flaky": FLAKY, "steady": STEADY}


class TestRunAttemptsSqlite(RunAttemptsContract):
    backend = "sqlite"


class TestRunAttemptsPostgres(RunAttemptsContract):
    backend = "postgres"
