"""Automation storage on both backends: an asset's evaluation in force at a tick, the newest memories of
a sensor, a tick's run requests, and the bulk fact queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from host.storage import automation as store
from host.storage import events as event_store
from host.storage import instigators
from host.storage import runs as run_store
from host.storage.records import RunRecord
from protos.weir.v1 import common_pb2

SENSOR = "default_automation_condition_sensor"


def _row(key: str, value: str) -> store.EvaluationRow:
    return store.EvaluationRow(key, value, 0, f'{{"name":"{value}"}}', f'{{"m":"{value}"}}')


class AutomationStorageContract:
    backend: str

    def test_an_assets_evaluation_at_a_tick_is_its_newest_row_up_to_it(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for tick, rows in ((1, [_row("a", "x"), _row("b", "x")]), (5, [_row("a", "y")])):
                store.add_evaluations(conn, tick_id=tick, location="l", sensor_name=SENSOR, timestamp=tick, rows=rows)
        with engine.connect() as conn:
            at = {t: store.get_evaluation(conn, "a", tick_id=t) for t in (1, 4, 5, None)}
            assert [e.result["name"] if e else None for e in at.values()] == ["x", "x", "y", "y"]
            assert store.get_evaluation(conn, "a", tick_id=0) is None
            assert store.latest_memories(conn, "l", SENSOR) == {"a": ("y", {"m": "y"}), "b": ("x", {"m": "x"})}
            assert [e.asset_key for e in store.list_evaluations(conn, tick_id=1)] == ["a", "b"]
            assert [e.tick_id for e in store.list_evaluations(conn, asset_key="a", limit=1)] == [5]

    def test_a_ticks_run_requests_keep_their_run(self, engine: Engine) -> None:
        with engine.begin() as conn:
            store.add_run_requests(
                conn,
                tick_id=7,
                location="l",
                requests=[("automation:7:0", ["a", "b"], None), ("automation:7:1", ["c"], "eu")],
            )
            first, _ = store.run_requests(conn, 7)
            store.set_request_run(conn, first.request_id, "run-1")
        with engine.connect() as conn:
            stored = store.run_requests(conn, 7)
        assert [(r.run_key, r.asset_keys, r.partition_key, r.run_id) for r in stored] == [
            ("automation:7:0", ("a", "b"), None, "run-1"),
            ("automation:7:1", ("c",), "eu", None),
        ]

    def test_facts_in_bulk(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        with engine.begin() as conn:
            run_store.add_run(conn, make_run("r1", asset_selection=("a", "b")))
            for seq, (key, part) in enumerate([("a", ""), ("b", "eu"), ("b", "us")], start=1):
                event = common_pb2.RunEvent(
                    run_id="r1",
                    sequence=seq,
                    type=common_pb2.ASSET_MATERIALIZATION,
                    timestamp=float(seq),
                    asset_key=common_pb2.AssetKey(path=[key]),
                    partition_key=part,
                )
                event_store.add_events(conn, [event_store.event_record(event)])
        with engine.connect() as conn:
            mark = store.last_event_id(conn)
            assert store.materialized_partitions(conn, ["a", "b", "c"]) == {"a": {""}, "b": {"eu", "us"}}
            assert [m[:2] for m in store.materializations_between(conn, mark - 2, mark)] == [("b", "eu"), ("b", "us")]
            assert store.run_selections(conn, ["r1", "nope"]) == {"r1": ("a", "b")}

    def test_latest_ticks_finds_the_newest_that_left_a_cursor(self, engine: Engine) -> None:
        where = {"location": "l", "name": SENSOR, "kind": "SENSOR"}
        with engine.begin() as conn:
            good = instigators.add_tick(conn, status="SKIPPED", timestamp=1.0, cursor='{"event_id": 3}', **where)
            failed = instigators.add_tick(conn, status="FAILURE", timestamp=2.0, **where)
        with engine.connect() as conn:
            newest, previous = store.latest_ticks(conn, "l", SENSOR)
        assert newest is not None and newest.tick_id == failed.tick_id
        assert previous is not None and previous.tick_id == good.tick_id


class TestAutomationStorageSqlite(AutomationStorageContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestAutomationStoragePostgres(AutomationStorageContract):
    backend = "postgres"
