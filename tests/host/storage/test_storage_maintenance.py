"""Retention contract: prune removes old finished runs with their events, nothing else."""

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


class TestMaintenanceSqlite(MaintenanceContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestMaintenancePostgres(MaintenanceContract):
    backend = "postgres"
