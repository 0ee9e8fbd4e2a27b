"""Schedule and sensor state and ticks contract: state survives, a schedule slot is ticked once."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from host.storage import instigators
from host.storage.errors import DuplicateTickError, NotFoundError
from host.storage.records import InstigatorState


class InstigatorStorageContract:
    backend: str

    def test_state_is_absent_until_set_then_replaced(self, engine: Engine) -> None:
        with engine.begin() as conn:
            assert instigators.get_instigator_state(conn, "sales", "nightly", "SCHEDULE") is None
            instigators.set_instigator_state(
                conn, InstigatorState("sales", "nightly", "SCHEDULE", "RUNNING", updated_at=1.0)
            )
            stopped = InstigatorState("sales", "nightly", "SCHEDULE", "STOPPED", updated_at=2.0)
            instigators.set_instigator_state(conn, stopped)
            assert instigators.get_instigator_state(conn, "sales", "nightly", "SCHEDULE") == stopped
            assert instigators.get_instigator_state(conn, "sales", "nightly", "SENSOR") is None

    def test_sensor_cursor_is_kept_with_its_state(self, engine: Engine) -> None:
        state = InstigatorState("sales", "files", "SENSOR", "RUNNING", cursor='{"last": "f9.csv"}', updated_at=3.0)
        with engine.begin() as conn:
            instigators.set_instigator_state(conn, state)
        with engine.connect() as conn:
            assert instigators.get_instigator_state(conn, "sales", "files", "SENSOR") == state

    def test_list_states_filters_by_location_and_kind(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for location, name, kind in [("b", "s1", "SENSOR"), ("a", "n", "SCHEDULE"), ("a", "s2", "SENSOR")]:
                instigators.set_instigator_state(conn, InstigatorState(location, name, kind, "RUNNING"))
            names = [(s.location, s.name) for s in instigators.list_instigator_states(conn)]
            assert names == [("a", "n"), ("a", "s2"), ("b", "s1")]
            assert [s.name for s in instigators.list_instigator_states(conn, location="a", kind="SENSOR")] == ["s2"]

    def test_unknown_kind_or_status_is_refused(self, engine: Engine) -> None:
        with engine.begin() as conn:
            with pytest.raises(ValueError, match="JOB"):
                instigators.set_instigator_state(conn, InstigatorState("a", "n", "JOB", "RUNNING"))
            with pytest.raises(ValueError, match="PAUSED"):
                instigators.set_instigator_state(conn, InstigatorState("a", "n", "SENSOR", "PAUSED"))

    def test_a_schedule_slot_is_ticked_once(self, engine: Engine) -> None:
        slot = {"location": "sales", "name": "nightly", "kind": "SCHEDULE", "logical_time": 86_400.0}
        with engine.begin() as conn:
            tick = instigators.add_tick(conn, status="STARTED", timestamp=86_401.0, **slot)
            with pytest.raises(DuplicateTickError, match="nightly"):
                instigators.add_tick(conn, status="STARTED", timestamp=86_402.0, **slot)
            assert instigators.get_schedule_tick(conn, "sales", "nightly", 86_400.0) == tick
            assert instigators.get_schedule_tick(conn, "sales", "nightly", 0.0) is None
            instigators.add_tick(conn, status="STARTED", timestamp=1.0, **{**slot, "location": "other"})

    def test_sensor_ticks_have_no_logical_time_and_never_collide(self, engine: Engine) -> None:
        with engine.begin() as conn:
            first = instigators.add_tick(
                conn, location="a", name="s", kind="SENSOR", status="SKIPPED", timestamp=1.0, reason="no new files"
            )
            second = instigators.add_tick(conn, location="a", name="s", kind="SENSOR", status="SKIPPED", timestamp=2.0)
            assert first.tick_id != second.tick_id
            assert first.reason == "no new files" and first.run_ids == ()

    def test_a_tick_is_completed_with_its_runs_or_error(self, engine: Engine) -> None:
        with engine.begin() as conn:
            tick = instigators.add_tick(
                conn, location="a", name="n", kind="SCHEDULE", status="STARTED", timestamp=10.0, logical_time=9.0
            )
            done = instigators.update_tick(conn, tick.tick_id, status="SUCCESS", run_ids=["r1", "r2"], cursor="c")
            assert (done.status, done.run_ids, done.cursor, done.logical_time) == ("SUCCESS", ("r1", "r2"), "c", 9.0)
            failed = instigators.update_tick(conn, tick.tick_id, status="FAILURE", error="Traceback ...")
            assert (failed.status, failed.error, failed.run_ids) == ("FAILURE", "Traceback ...", ("r1", "r2"))
            with pytest.raises(NotFoundError):
                instigators.update_tick(conn, 999_999, status="SUCCESS")
            with pytest.raises(ValueError, match="DONE"):
                instigators.update_tick(conn, tick.tick_id, status="DONE")

    def test_ticks_are_listed_newest_first(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for timestamp, status in [(3.0, "SUCCESS"), (1.0, "SKIPPED"), (2.0, "FAILURE"), (4.0, "SKIPPED")]:
                instigators.add_tick(
                    conn,
                    location="a",
                    name="n",
                    kind="SCHEDULE",
                    status=status,
                    timestamp=timestamp,
                    logical_time=timestamp,
                )
            instigators.add_tick(
                conn, location="a", name="other", kind="SCHEDULE", status="SUCCESS", timestamp=9.0, logical_time=9.0
            )
            listed = instigators.list_ticks(conn, "a", "n", "SCHEDULE")
            assert [t.timestamp for t in listed] == [4.0, 3.0, 2.0, 1.0]
            assert [t.timestamp for t in instigators.list_ticks(conn, "a", "n", "SCHEDULE", limit=2)] == [4.0, 3.0]
            skipped = instigators.list_ticks(conn, "a", "n", "SCHEDULE", statuses=["SKIPPED"])
            assert [t.timestamp for t in skipped] == [4.0, 1.0]
            assert instigators.list_ticks(conn, "a", "n", "SENSOR") == []


class TestInstigatorStorageSqlite(InstigatorStorageContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestInstigatorStoragePostgres(InstigatorStorageContract):
    backend = "postgres"
