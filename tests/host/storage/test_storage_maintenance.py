"""Deletion contract: prune removes old finished runs with their events, nothing else; deleting one run
also moves the asset and check indexes to what remains; a wipe unlinks an asset's history from it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from host.storage import assets, events, maintenance, runs
from host.storage.records import EventRecord, RunRecord

DAY = 86_400.0
NOW = 100 * DAY


class MaintenanceContract:
    backend: str

    def test_prune_deletes_finished_runs_older_than_the_cutoff_with_their_events(
        self, engine: Engine, make_run: Callable[..., RunRecord]
    ) -> None:
        with engine.begin() as conn:
            runs.add_runs(
                conn,
                [
                    make_run("old-success", 1 * DAY, status="SUCCESS", ended_at=2 * DAY, tags={"t": "1"}),
                    make_run("old-failure", 1 * DAY, status="FAILURE", ended_at=3 * DAY),
                    make_run("old-canceled-never-started", 1 * DAY, status="CANCELED"),
                    make_run("old-but-ended-recently", 1 * DAY, status="SUCCESS", ended_at=NOW - DAY),
                    make_run("old-still-going", 1 * DAY, status="STARTED"),
                    make_run("old-queued", 1 * DAY),
                ],
            )
            events.add_events(
                conn,
                [
                    EventRecord("old-success", 0, "ASSET_MATERIALIZATION", 2 * DAY, "s", "a", None, b""),
                    EventRecord("old-success", 1, "RUN_SUCCESS", 2 * DAY, "", None, None, b""),
                    EventRecord("old-still-going", 0, "RUN_START", 1 * DAY, "", None, None, b""),
                ],
            )
        with engine.begin() as conn:
            assert maintenance.prune(conn, older_than_seconds=30 * DAY, now=NOW) == 3
        with engine.connect() as conn:
            left = {run.run_id for run in runs.list_runs(conn)[0]}
            assert left == {"old-but-ended-recently", "old-still-going", "old-queued"}
            assert events.get_events(conn, "old-success") == []
            assert len(events.get_events(conn, "old-still-going")) == 1
            assert runs.count_runs_by_tag(conn, ["SUCCESS"], "t") == {}
            assert assets.latest_materializations(conn)["a"].run_id == "old-success"

    def test_prune_with_nothing_old_deletes_nothing(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("recent", NOW - DAY, status="SUCCESS", ended_at=NOW - DAY))
            assert maintenance.prune(conn, older_than_seconds=30 * DAY, now=NOW) == 0
            assert runs.get_run(conn, "recent") is not None

    def test_delete_run_moves_the_indexes_to_the_latest_remaining_event(
        self, engine: Engine, make_run: Callable[..., RunRecord]
    ) -> None:
        with engine.begin() as conn:
            runs.add_runs(
                conn,
                [
                    make_run("first", 1.0, status="SUCCESS", ended_at=2.0, tags={"t": "1"}),
                    make_run("second", 3.0, status="SUCCESS", ended_at=4.0),
                    make_run("going", 5.0, status="STARTED"),
                ],
            )
            events.add_events(
                conn,
                [
                    EventRecord("first", 0, "ASSET_MATERIALIZATION", 2.0, "s", "a", None, b"1"),
                    EventRecord("first", 1, "ASSET_MATERIALIZATION", 2.0, "s", "p", "x", b"1x"),
                    EventRecord("first", 2, "ASSET_CHECK_EVALUATION", 2.0, "s", "a", None, b"c1", "c", True),
                    EventRecord("second", 0, "ASSET_MATERIALIZATION", 4.0, "s", "a", None, b"2"),
                    EventRecord("second", 1, "ASSET_MATERIALIZATION", 4.0, "s", "p", "x", b"2x"),
                    EventRecord("second", 2, "ASSET_CHECK_EVALUATION", 4.0, "s", "a", None, b"c2", "c", False),
                ],
            )
        with engine.begin() as conn:
            assert not maintenance.delete_run(conn, "going")
            assert not maintenance.delete_run(conn, "nope")
            assert maintenance.delete_run(conn, "second")
        with engine.connect() as conn:
            assert runs.get_run(conn, "second") is None and events.get_events(conn, "second") == []
            assert assets.latest_materializations(conn)["a"].run_id == "first"
            assert assets.materialized_partitions(conn, "p")["x"].run_id == "first"
            assert assets.latest_check_evaluations(conn, "a")[("a", "c")].passed
        with engine.begin() as conn:
            assert maintenance.delete_run(conn, "first")
        with engine.connect() as conn:
            assert assets.latest_materializations(conn) == {} and assets.latest_check_evaluations(conn) == {}
            assert runs.count_runs_by_tag(conn, ["SUCCESS"], "t") == {}

    def test_wipe_forgets_the_history_of_an_asset_or_of_some_partitions_keeping_runs(
        self, engine: Engine, make_run: Callable[..., RunRecord]
    ) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r", 1.0, status="SUCCESS", ended_at=2.0))
            events.add_events(
                conn,
                [
                    EventRecord("r", 0, "ASSET_MATERIALIZATION", 2.0, "s", "a", None, b""),
                    EventRecord("r", 1, "ASSET_CHECK_EVALUATION", 2.0, "s", "a", None, b"", "c", True),
                    EventRecord("r", 2, "ASSET_MATERIALIZATION", 2.0, "s", "p", "x", b""),
                    EventRecord("r", 3, "ASSET_MATERIALIZATION", 2.0, "s", "p", "y", b""),
                ],
            )
        with engine.begin() as conn:
            assert maintenance.wipe_assets(conn, ["p"], ["x"]) == 1
        with engine.connect() as conn:
            assert list(assets.materialized_partitions(conn, "p")) == ["y"]
        with engine.begin() as conn:
            assert maintenance.wipe_assets(conn, ["a", "p"]) == 3
        with engine.connect() as conn:
            assert assets.latest_materializations(conn) == {} and assets.latest_check_evaluations(conn) == {}
            assert len(events.get_events(conn, "r")) == 4 and runs.get_run(conn, "r") is not None
            page, _ = assets.asset_events(conn, "a", event_types=["ASSET_MATERIALIZATION"], limit=10, max_bytes=10**6)
            assert page == []


class TestMaintenanceSqlite(MaintenanceContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestMaintenancePostgres(MaintenanceContract):
    backend = "postgres"
