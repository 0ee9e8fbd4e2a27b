"""Run storage contract: identities (rule 6), status transitions, newest-first keyset pages, slots."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from host.storage import runs
from host.storage.errors import DuplicateRunError, RunNotFoundError
from host.storage.records import IN_FLIGHT_RUN_STATUSES, RunRecord

MakeRun = Callable[..., RunRecord]


class RunStorageContract:
    backend: str

    def test_run_round_trips_every_field(self, engine: Engine, make_run: MakeRun) -> None:
        run = make_run(
            "r1",
            created_at=12.5,
            tags={"team": "ops", "weir/priority": "3"},
            asset_selection=("a/b", "c"),
            run_config_json='{"ops": {}}',
            partition_key="2024-01-01",
            schedule_name="nightly",
            logical_time=1_700_000_000.25,
            run_key="k",
            started_at=13.0,
            ended_at=14.0,
            failure_reason="why",
        )
        with engine.begin() as conn:
            runs.add_run(conn, run)
        with engine.connect() as conn:
            assert runs.get_run(conn, "r1") == run
            assert runs.get_run(conn, "missing") is None

    def test_list_runs_by_tags_needs_every_tag_and_pages_like_any_filter(
        self, engine: Engine, make_run: MakeRun
    ) -> None:
        with engine.begin() as conn:
            runs.add_runs(
                conn,
                [
                    make_run("ops-1", created_at=1.0, tags={"team": "ops", "env": "prod"}),
                    make_run("ops-2", created_at=2.0, tags={"team": "ops"}),
                    make_run("ops-3", created_at=3.0, tags={"team": "ops", "env": "prod"}),
                    make_run("data", created_at=4.0, tags={"team": "data", "env": "prod"}),
                ],
            )
        with engine.connect() as conn:
            page, cursor = runs.list_runs(conn, tags={"team": "ops", "env": "prod"}, limit=1)
            assert [r.run_id for r in page] == ["ops-3"]
            page, cursor = runs.list_runs(conn, tags={"team": "ops", "env": "prod"}, limit=1, cursor=cursor)
            assert [r.run_id for r in page] == ["ops-1"] and cursor is None
            assert [r.run_id for r in runs.list_runs(conn, tags={"team": "ops"})[0]] == ["ops-3", "ops-2", "ops-1"]
            assert runs.list_runs(conn, tags={"team": "nobody"})[0] == []

    def test_same_run_id_twice_is_a_duplicate_and_the_transaction_stays_usable(
        self, engine: Engine, make_run: MakeRun
    ) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            with pytest.raises(DuplicateRunError, match="r1"):
                runs.add_run(conn, make_run("r1", job_name="other"))
            runs.add_run(conn, make_run("r2"))
        with engine.connect() as conn:
            assert [run.run_id for run in runs.list_runs(conn)[0]] == ["r2", "r1"]
            assert runs.get_run(conn, "r1").job_name == "daily"

    def test_scheduled_run_is_unique_per_schedule_and_logical_time(self, engine: Engine, make_run: MakeRun) -> None:
        scheduled = {"schedule_name": "nightly", "logical_time": 86_400.0}
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1", **scheduled))
            with pytest.raises(DuplicateRunError, match="nightly"):
                runs.add_run(conn, make_run("r2", **scheduled))
            runs.add_run(conn, make_run("r3", schedule_name="nightly", logical_time=2 * 86_400.0))
            runs.add_run(conn, make_run("r4", location="other", **scheduled))
            runs.add_run(conn, make_run("r5", run_key="second", **scheduled))
            with pytest.raises(DuplicateRunError):
                runs.add_run(conn, make_run("r6", run_key="second", **scheduled))

    def test_scheduled_run_needs_a_logical_time(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn, pytest.raises(ValueError, match="logical_time"):
            runs.add_run(conn, make_run("r1", schedule_name="nightly"))

    def test_sensor_run_is_unique_per_run_key_and_runs_without_key_never_collide(
        self, engine: Engine, make_run: MakeRun
    ) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1", sensor_name="files", run_key="file-1.csv"))
            with pytest.raises(DuplicateRunError, match=r"file-1\.csv"):
                runs.add_run(conn, make_run("r2", sensor_name="files", run_key="file-1.csv"))
            runs.add_run(conn, make_run("r3", sensor_name="files", run_key="file-2.csv"))
            runs.add_run(conn, make_run("r4", sensor_name="other", run_key="file-1.csv"))
            runs.add_run(conn, make_run("r5", sensor_name="files"))
            runs.add_run(conn, make_run("r6", sensor_name="files"))

    def test_backfill_run_is_unique_per_run_key(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1", backfill_id="b1", run_key="2024-01-01"))
            with pytest.raises(DuplicateRunError):
                runs.add_run(conn, make_run("r2", backfill_id="b1", run_key="2024-01-01"))
            runs.add_run(conn, make_run("r3", backfill_id="b2", run_key="2024-01-01"))

    def test_a_run_has_one_retry_and_any_number_of_reexecutions(self, engine: Engine, make_run: MakeRun) -> None:
        linked = {"parent_run_id": "r1", "root_run_id": "r1"}
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            runs.add_run(
                conn, make_run("retry-1", run_key="retry", step_selection=("a.b",), output_runs={"x": "r1"}, **linked)
            )
            with pytest.raises(DuplicateRunError, match="retry of run r1"):
                runs.add_run(conn, make_run("retry-2", run_key="retry", **linked))
            runs.add_run(conn, make_run("by-hand-1", **linked))
            runs.add_run(conn, make_run("by-hand-2", **linked))
        with engine.connect() as conn:
            retry = runs.get_run(conn, "retry-1")
            assert (retry.parent_run_id, retry.root_run_id) == ("r1", "r1")
            assert (retry.step_selection, retry.output_runs) == (("a.b",), {"x": "r1"})
            assert runs.child_run(conn, "r1", "retry") == "retry-1"
            assert runs.get_run(conn, "r1").parent_run_id is None

    def test_add_runs_stores_the_new_and_skips_the_duplicates(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            assert runs.add_runs(conn, [make_run("r1", sensor_name="s", run_key="k", tags={"a": "1"})]) == ["r1"]
            stored = runs.add_runs(
                conn,
                [
                    make_run("r2", sensor_name="s", run_key="k", tags={"a": "2"}),
                    make_run("r3", tags={"a": "3"}),
                    make_run("r1"),
                ],
            )
            assert stored == ["r3"]
            assert runs.count_runs(conn) == 2
            assert runs.count_runs_by_tag(conn, ["QUEUED"], "a") == {"1": 1, "3": 1}
            assert runs.add_runs(conn, []) == []

    def test_unknown_status_is_refused(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            with pytest.raises(ValueError, match="RUNNING"):
                runs.add_run(conn, make_run("r1", status="RUNNING"))
            runs.add_run(conn, make_run("r2"))
            with pytest.raises(ValueError, match="DONE"):
                runs.set_run_status(conn, "r2", "DONE", at=1.0)

    def test_list_is_newest_first_with_insertion_order_breaking_ties(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("old", 1.0), make_run("tie-a", 5.0), make_run("tie-b", 5.0)])
            runs.add_run(conn, make_run("new", 9.0))
            runs.add_run(conn, make_run("older", 0.5))
        with engine.connect() as conn:
            page, cursor = runs.list_runs(conn)
        assert [run.run_id for run in page] == ["new", "tie-b", "tie-a", "old", "older"]
        assert cursor is None

    def test_pages_cover_every_matching_run_once(self, engine: Engine, make_run: MakeRun) -> None:
        statuses = ["QUEUED", "SUCCESS", "FAILURE"]
        with engine.begin() as conn:
            runs.add_runs(
                conn,
                [
                    make_run(f"r{i:03}", float(i // 3), status=statuses[i % 3], location=f"loc{i % 2}")
                    for i in range(120)
                ],
            )
        wanted = [f"r{i:03}" for i in reversed(range(120)) if i % 3 != 0 and i % 2 == 1]
        seen: list[str] = []
        cursor = None
        with engine.connect() as conn:
            while True:
                page, cursor = runs.list_runs(
                    conn, statuses=["SUCCESS", "FAILURE"], location="loc1", limit=7, cursor=cursor
                )
                seen.extend(run.run_id for run in page)
                if cursor is None:
                    break
        assert seen == wanted

    def test_list_filters_by_job_name_and_status(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1", job_name="a"))
            runs.add_run(conn, make_run("r2", job_name="b"))
            runs.add_run(conn, make_run("r3", job_name="a", status="SUCCESS"))
            assert [r.run_id for r in runs.list_runs(conn, job_name="a")[0]] == ["r3", "r1"]
            assert [r.run_id for r in runs.list_runs(conn, job_name="a", statuses=["QUEUED"])[0]] == ["r1"]
            assert runs.list_runs(conn, location="nowhere") == ([], None)

    def test_list_filters_by_created_range_and_pages_within_it(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run(f"r{i}", float(i)) for i in range(10)])
            assert [r.run_id for r in runs.list_runs(conn, created=(3.0, 6.0))[0]] == ["r5", "r4", "r3"]
            assert [r.run_id for r in runs.list_runs(conn, created=(8.0, None))[0]] == ["r9", "r8"]
            assert [r.run_id for r in runs.list_runs(conn, created=(None, 2.0))[0]] == ["r1", "r0"]
            first, cursor = runs.list_runs(conn, created=(2.0, 7.0), limit=3)
            rest, last = runs.list_runs(conn, created=(2.0, 7.0), limit=3, cursor=cursor)
        assert [r.run_id for r in first + rest] == ["r6", "r5", "r4", "r3", "r2"]
        assert last is None

    def test_a_page_of_exactly_limit_runs_has_no_next_cursor(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run(f"r{i}", float(i)) for i in range(4)])
            first, cursor = runs.list_runs(conn, limit=2)
            second, last = runs.list_runs(conn, limit=2, cursor=cursor)
        assert [r.run_id for r in first + second] == ["r3", "r2", "r1", "r0"]
        assert last is None

    def test_invalid_cursor_or_limit_is_refused(self, engine: Engine) -> None:
        with engine.connect() as conn:
            with pytest.raises(ValueError, match="cursor"):
                runs.list_runs(conn, cursor="not-a-cursor")
            with pytest.raises(ValueError, match="limit"):
                runs.list_runs(conn, limit=0)

    def test_status_changes_record_start_and_end_times(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            assert runs.set_run_status(conn, "r1", "STARTING", at=10.0).started_at is None
            started = runs.set_run_status(conn, "r1", "STARTED", at=11.0)
            assert (started.status, started.started_at, started.ended_at) == ("STARTED", 11.0, None)
            again = runs.set_run_status(conn, "r1", "STARTED", at=12.0)
            assert again.started_at == 11.0
            failed = runs.set_run_status(conn, "r1", "FAILURE", at=20.0, failure_reason="worker gone")
            assert (failed.status, failed.ended_at, failed.failure_reason) == ("FAILURE", 20.0, "worker gone")

    def test_a_terminal_run_never_changes_status_again(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            runs.set_run_status(conn, "r1", "CANCELING", at=5.0)
            done = runs.set_run_status(conn, "r1", "CANCELED", at=6.0)
            for status in ("STARTED", "FAILURE", "SUCCESS"):
                assert runs.set_run_status(conn, "r1", status, at=9.0, failure_reason="late") == done
            assert done.ended_at == 6.0 and done.failure_reason is None

    def test_a_late_run_start_keeps_a_cancel_request(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            runs.set_run_status(conn, "r1", "STARTING", at=1.0)
            runs.set_run_status(conn, "r1", "CANCELING", at=2.0)  # canceled before RUN_START was collected
            late = runs.set_run_status(conn, "r1", "STARTED", at=1.5)
            assert (late.status, late.started_at) == ("CANCELING", 1.5)

    def test_finished_runs_come_in_the_order_they_ended_from_a_cursor(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run(f"r{i}", float(i)) for i in range(4)])
            assert runs.finished_runs_after(conn) == ([], None)
            runs.set_run_status(conn, "r2", "SUCCESS", at=10.0)
            runs.set_run_status(conn, "r0", "FAILURE", at=11.0)
            runs.set_run_status(conn, "r3", "STARTED", at=11.0)
            first, cursor = runs.finished_runs_after(conn)
            assert [r.run_id for r in first] == ["r2", "r0"]
            assert runs.finished_runs_after(conn, cursor) == ([], cursor)
            runs.set_run_status(conn, "r1", "CANCELED", at=11.0)
            runs.set_run_status(conn, "r3", "FAILURE", at=12.0)
            later, _ = runs.finished_runs_after(conn, cursor)
            assert [r.run_id for r in later] == ["r1", "r3"]
            failures, _ = runs.finished_runs_after(conn, statuses=["FAILURE"], limit=1)
            assert [r.run_id for r in failures] == ["r0"]

    def test_status_of_a_missing_run_raises(self, engine: Engine) -> None:
        with engine.begin() as conn, pytest.raises(RunNotFoundError, match="nope"):
            runs.set_run_status(conn, "nope", "STARTED", at=1.0)

    def test_runs_with_status_are_oldest_first(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("b", 2.0), make_run("a", 1.0), make_run("c", 3.0, status="STARTED")])
            assert [r.run_id for r in runs.runs_with_status(conn, ["QUEUED"])] == ["a", "b"]
            assert [r.run_id for r in runs.runs_with_status(conn, ["QUEUED", "STARTED"])] == ["a", "b", "c"]
            assert runs.runs_with_status(conn, []) == []

    def test_a_slot_is_freed_in_the_transaction_that_ends_the_run(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_runs(
                conn,
                [
                    make_run("r1", tags={"db": "pg"}, status="STARTED"),
                    make_run("r2", tags={"db": "pg"}, status="STARTING"),
                    make_run("r3", tags={"db": "mysql"}, status="STARTED"),
                    make_run("r4", tags={"db": "pg"}),
                    make_run("r5", status="STARTED"),
                ],
            )
        with engine.begin() as conn:
            assert runs.count_runs_by_tag(conn, IN_FLIGHT_RUN_STATUSES, "db") == {"pg": 2, "mysql": 1}
            assert runs.count_runs(conn, IN_FLIGHT_RUN_STATUSES) == 4
            runs.set_run_status(conn, "r1", "FAILURE", at=3.0, failure_reason="heartbeat lost")
            assert runs.count_runs_by_tag(conn, IN_FLIGHT_RUN_STATUSES, "db") == {"pg": 1, "mysql": 1}
            assert runs.count_runs(conn, IN_FLIGHT_RUN_STATUSES) == 3
            assert runs.count_runs_by_tag(conn, IN_FLIGHT_RUN_STATUSES, "absent") == {}


class TestRunStorageSqlite(RunStorageContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestRunStoragePostgres(RunStorageContract):
    backend = "postgres"
