"""The run page's queries: each event's level, the step summary from the summary kept at ingest, filters
and keyset pages in SQL, and pages of captured output by stream, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from host.storage import events, run_view, runs
from host.storage.records import RunRecord
from host.storage.run_view import EventFilter
from protos.weir.v1 import common_pb2

T = common_pb2


def event(sequence: int, kind: common_pb2.EventType.ValueType, step: str = "", **fields: Any) -> common_pb2.RunEvent:
    return common_pb2.RunEvent(
        run_id="r1", sequence=sequence, type=kind, timestamp=100.0 + sequence, step_key=step, **fields
    )


# A run whose step "load" fails once, retries and succeeds; "report" fails; a check fails.
STORY = [
    event(0, T.RUN_START, message="Started run"),
    event(1, T.STEP_START, "load"),
    event(2, T.LOG, "load", level="DEBUG", message="connecting"),
    event(3, T.STEP_UP_FOR_RETRY, "load", message="timed out, will retry"),
    event(4, T.STEP_START, "load"),
    event(5, T.LOG, "load", level="INFO", message="Loaded 200 Rows"),
    event(6, T.COMPUTE_LOG, "load", stream="stdout", message="progress 50%\n"),
    event(7, T.COMPUTE_LOG, "load", stream="stderr", message="warning: slow disk\n"),
    event(8, T.ASSET_MATERIALIZATION, "load", asset_key=T.AssetKey(path=["sales", "orders"])),
    event(
        9,
        T.ASSET_CHECK_EVALUATION,
        "load",
        asset_key=T.AssetKey(path=["sales", "orders"]),
        check_name="fresh",
        check_passed=False,
        check_severity="WARN",
    ),
    event(10, T.STEP_SUCCESS, "load"),
    event(11, T.STEP_START, "report"),
    event(12, T.LOG, "report", level="WARNING", message="no rows for région Ü"),
    event(13, T.COMPUTE_LOG, "report", stream="stdout", message="x" * 5000 + "\n"),
    event(
        14, T.STEP_FAILURE, "report", message="report failed", error=T.UserCodeError(type="ValueError", message="boom")
    ),
    event(15, T.LOG, "", level="CRITICAL", message="giving up"),
    event(16, T.RUN_FAILURE, message="Run failed: steps ['report'] failed."),
]


class RunViewContract:
    backend: str

    @pytest.fixture(autouse=True)
    def _story(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1", status="FAILURE"), make_run("r2")])
            events.add_events(conn, [events.event_record(e) for e in STORY])

    def test_levels_come_from_what_each_event_says(self, engine: Engine) -> None:
        with engine.connect() as conn:
            page, more, last = run_view.events_after(conn, "r1", EventFilter(), after=-1, limit=100)
        assert (more, last) == (False, 16)
        expected = (
            "EVENT EVENT DEBUG WARNING EVENT INFO INFO INFO EVENT WARNING EVENT EVENT WARNING INFO ERROR CRITICAL ERROR"
        )
        assert [r.level for r in page] == expected.split()
        assert common_pb2.RunEvent.FromString(page[14].body).error.message == "boom"

    def test_the_summary_has_steps_counts_and_the_first_error(self, engine: Engine) -> None:
        with engine.connect() as conn:
            summary, _ = run_view.read_summary(conn, "r1")
        assert summary.total == 17 and summary.last_sequence == 16
        assert summary.first_error == 14
        assert summary.by_level == {"EVENT": 6, "DEBUG": 1, "WARNING": 3, "INFO": 4, "ERROR": 2, "CRITICAL": 1}
        assert summary.by_type["LOG"] == 4 and summary.by_type["COMPUTE_LOG"] == 3
        load, report = summary.steps
        assert (load.step_key, load.status, load.attempts, load.start, load.end) == ("load", "SUCCESS", 2, 101.0, 110.0)
        assert load.assets == ["sales/orders"] and load.error_sequence is None and load.events == 10
        assert (load.stdout_bytes, load.stderr_bytes, report.stdout_bytes) == (13, 19, 5001)
        assert (report.status, report.attempts, report.start, report.end, report.error_sequence) == (
            "FAILURE",
            1,
            111.0,
            114.0,
            14,
        )

    def test_a_step_still_going_or_waiting_to_retry(self, engine: Engine) -> None:
        def status_after(sequence: int) -> tuple[str, float | None]:
            copy = [events.event_record(e) for e in STORY[: sequence + 1]]
            with engine.begin() as conn:
                events.add_events(conn, [dataclasses.replace(r, run_id="r2") for r in copy])
                step = run_view.read_summary(conn, "r2")[0].steps[0]
            return step.status, step.end

        assert status_after(2) == ("STARTED", None)
        assert status_after(3) == ("RETRYING", None)
        assert status_after(4) == ("STARTED", None)

    def test_filters_run_in_sql_and_counts_agree(self, engine: Engine) -> None:
        cases = {
            EventFilter(steps=("load",)): [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            EventFilter(types=("LOG",), levels=("WARNING", "CRITICAL")): [12, 15],
            EventFilter(levels=("ERROR",)): [14, 16],
            EventFilter(text="rows"): [5, 12],  # ASCII letters in either case
            EventFilter(text="RÉGION"): [],  # other letters as written
            EventFilter(text="région Ü"): [12],
            EventFilter(text="50%"): [6],
            EventFilter(text="200"): [5],  # digits: no match inside PostgreSQL's escaped bytes
            EventFilter(steps=("load",), text="slow"): [7],
        }
        with engine.connect() as conn:
            _, counts = run_view.read_summary(conn, "r1")
            for where, expected in cases.items():
                page, _, _ = run_view.events_after(conn, "r1", where, after=-1, limit=100)
                assert [r.sequence for r in page] == expected, where
                if not where.text:
                    assert run_view.count_kept(counts, where) == len(expected), where
                    assert run_view.count_matching(conn, "r1", where) == len(expected), where

    def test_pages_move_by_sequence_both_ways(self, engine: Engine) -> None:
        with engine.connect() as conn:
            first, more, last = run_view.events_after(conn, "r1", EventFilter(), after=-1, limit=5)
            assert ([r.sequence for r in first], more, last) == ([0, 1, 2, 3, 4], True, 4)
            tail, earlier = run_view.events_before(conn, "r1", EventFilter(), before=1 << 62, limit=3)
            assert ([r.sequence for r in tail], earlier) == ([14, 15, 16], True)
            head, earlier = run_view.events_before(conn, "r1", EventFilter(levels=("EVENT",)), before=4, limit=10)
            assert ([r.sequence for r in head], earlier) == ([0, 1], False)
            assert run_view.events_after(conn, "r2", EventFilter(), after=-1, limit=5) == ([], False, -1)

    def test_captured_output_by_step_and_stream_newest_first_within_a_budget(self, engine: Engine) -> None:
        with engine.connect() as conn:
            out, earlier = run_view.compute_log_tail(conn, "r1", step_key="load", stream="stdout", max_bytes=65536)
            assert ([c.sequence for c in out], earlier) == ([6], False)
            both, _ = run_view.compute_log_tail(conn, "r1", step_key=None, stream=None, max_bytes=65536)
            assert [c.sequence for c in both] == [6, 7, 13]
            newest, earlier = run_view.compute_log_tail(conn, "r1", step_key=None, stream=None, max_bytes=1000)
            assert ([c.sequence for c in newest], earlier) == ([13], True)  # one chunk even past the budget
            before, earlier = run_view.compute_log_tail(
                conn, "r1", step_key=None, stream=None, before=13, max_bytes=1000
            )
            assert ([c.sequence for c in before], earlier) == ([6, 7], False)
            after, more = run_view.compute_log_after(conn, "r1", step_key=None, stream="stdout", after=6, max_bytes=10)
            assert ([c.sequence for c in after], more) == ([13], False)
            assert common_pb2.RunEvent.FromString(after[0].body).message.startswith("xxx")


class TestRunViewSqlite(RunViewContract):
    backend = "sqlite"


class TestRunViewPostgres(RunViewContract):
    backend = "postgres"
