"""What storage accepts and how it pages, the same on both backends: a NUL character in text is refused
with one clear error (PostgreSQL would fail the statement, echoing it; SQLite would store it), and
listings stop at a byte budget with a cursor to the rest."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from host.storage import events, instigators, runs
from host.storage.errors import InvalidValueError
from host.storage.records import InstigatorState, RunRecord
from protos.weir.v1 import common_pb2

MakeRun = Callable[..., RunRecord]


class StorageLimitsContract:
    backend: str

    @pytest.mark.parametrize("field", ["tags", "partition_key", "run_key", "run_config_json"])
    def test_nul_in_run_text_is_refused(self, engine: Engine, make_run: MakeRun, field: str) -> None:
        value = {"team": "a\0b"} if field == "tags" else "a\0b"
        with engine.begin() as conn, pytest.raises(InvalidValueError, match="contains a NUL character"):
            runs.add_run(conn, make_run("r1", **{field: value}))
        with engine.connect() as conn:
            assert runs.get_run(conn, "r1") is None

    def test_nul_in_tick_or_cursor_is_refused(self, engine: Engine) -> None:
        with engine.begin() as conn:
            with pytest.raises(InvalidValueError, match="cursor contains a NUL character"):
                instigators.add_tick(
                    conn, location="a", name="s", kind="SENSOR", status="SKIPPED", timestamp=1.0, cursor="c\0"
                )
            state = InstigatorState(
                location="a", name="s", kind="SENSOR", status="RUNNING", cursor="\0", updated_at=1.0
            )
            with pytest.raises(InvalidValueError, match="NUL"):
                instigators.set_instigator_state(conn, state)

    def test_nul_in_event_strings_is_stored_visibly_not_refused(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            event = common_pb2.RunEvent(
                run_id="r1",
                sequence=0,
                type=common_pb2.ASSET_MATERIALIZATION,
                partition_key="p\0",
                asset_key=common_pb2.AssetKey(path=["a\0"]),
            )
            assert events.add_events(conn, [events.event_record(event)]) == 1
        with engine.connect() as conn:
            stored = events.get_events(conn, "r1")[0]
        assert stored.partition_key == "p\ufffd" and stored.asset_key == "a\ufffd"
        assert common_pb2.RunEvent.FromString(stored.body).partition_key == "p\0"

    def test_bad_cursors_and_limits_are_invalid_value_errors(self, engine: Engine) -> None:
        with engine.connect() as conn:
            for cursor in ("x", "W251bGxd", "WzFlNDAwLDFd", "WzEsLTFd"):  # x, [null], [1e400,1], [1,-1]
                with pytest.raises(InvalidValueError, match="Invalid cursor"):
                    runs.list_runs(conn, cursor=cursor)
                with pytest.raises(InvalidValueError, match="Invalid cursor"):
                    instigators.list_ticks_page(conn, "a", "s", "SENSOR", cursor=cursor, max_bytes=1000)
            with pytest.raises(InvalidValueError, match="limit"):
                runs.list_runs(conn, limit=0)

    def test_run_pages_stop_at_the_byte_budget(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            for i in range(10):
                runs.add_run(conn, make_run(f"r{i}", created_at=float(i), run_config_json='"' + "x" * 10_000 + '"'))
        seen, cursor, pages = [], None, 0
        with engine.connect() as conn:
            while True:
                page, cursor = runs.list_runs(conn, limit=100, cursor=cursor, max_bytes=25_000)
                assert 1 <= len(page) <= 2
                seen += [r.run_id for r in page]
                pages += 1
                if cursor is None:
                    break
            one, _ = runs.list_runs(conn, limit=100, max_bytes=1)  # a run larger than the budget still lists
        assert seen == [f"r{i}" for i in reversed(range(10))] and pages == 5
        assert [r.run_id for r in one] == ["r9"]

    def test_event_pages_stop_at_the_byte_budget(self, engine: Engine, make_run: MakeRun) -> None:
        with engine.begin() as conn:
            runs.add_run(conn, make_run("r1"))
            batch = [
                events.event_record(common_pb2.RunEvent(run_id="r1", sequence=i, message="m" * 1000)) for i in range(10)
            ]
            events.add_events(conn, batch)
        with engine.connect() as conn:
            bodies, more = events.event_bodies(conn, "r1", limit=100, max_bytes=3500)
            assert len(bodies) == 3 and more
            rest, more = events.event_bodies(conn, "r1", after_sequence=6, limit=100, max_bytes=10_000)
            assert [common_pb2.RunEvent.FromString(b).sequence for b in rest] == [7, 8, 9] and not more
            assert events.event_bodies(conn, "r1", after_sequence=9, limit=5, max_bytes=1) == ([], False)


class TestStorageLimitsSqlite(StorageLimitsContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestStorageLimitsPostgres(StorageLimitsContract):
    backend = "postgres"
