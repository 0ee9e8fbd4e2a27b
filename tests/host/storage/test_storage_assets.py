"""Asset and check index contract: the latest per asset, partition and check, kept by add_events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from host.storage import assets, events, runs
from host.storage.records import CheckEvaluationRecord, EventRecord, MaterializationRecord, RunRecord


def materialized(
    run_id: str, sequence: int, asset_key: str, timestamp: float, partition: str | None = None
) -> EventRecord:
    return EventRecord(run_id, sequence, "ASSET_MATERIALIZATION", timestamp, "s", asset_key, partition, b"")


def evaluated(run_id: str, sequence: int, asset_key: str, check: str, passed: bool, timestamp: float) -> EventRecord:
    return EventRecord(
        run_id,
        sequence,
        "ASSET_CHECK_EVALUATION",
        timestamp,
        "s",
        asset_key,
        None,
        b"",
        check_name=check,
        check_passed=passed,
    )


class AssetIndexContract:
    backend: str

    @pytest.fixture(autouse=True)
    def _runs(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1"), make_run("r2")])

    def test_latest_materialization_per_asset_over_all_partitions(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(
                conn,
                [
                    materialized("r1", 0, "a", 10.0),
                    materialized("r1", 1, "b", 11.0, "2024-01-01"),
                    materialized("r1", 2, "b", 12.0, "2024-01-02"),
                    materialized("r1", 3, "a", 13.0),
                ],
            )
            events.add_events(conn, [materialized("r2", 0, "b", 20.0, "2024-01-01")])
        with engine.connect() as conn:
            assert assets.latest_materializations(conn) == {
                "a": MaterializationRecord("a", None, "r1", 13.0, 3),
                "b": MaterializationRecord("b", "2024-01-01", "r2", 20.0, 0),
            }
            assert list(assets.latest_materializations(conn, ["b", "never"])) == ["b"]
            assert assets.latest_materializations(conn, []) == {}
            assert assets.materialized_partitions(conn, "b") == {
                "2024-01-01": MaterializationRecord("b", "2024-01-01", "r2", 20.0, 0),
                "2024-01-02": MaterializationRecord("b", "2024-01-02", "r1", 12.0, 2),
            }
            assert assets.materialized_partitions(conn, "a") == {}

    def test_an_older_event_delivered_late_does_not_replace_a_newer_one(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(conn, [materialized("r2", 0, "a", 50.0)])
            events.add_events(conn, [materialized("r1", 0, "a", 40.0)])
            assert assets.latest_materializations(conn)["a"].run_id == "r2"

    def test_a_redelivered_materialization_leaves_the_index_alone(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(conn, [materialized("r1", 0, "a", 10.0)])
            events.add_events(conn, [materialized("r2", 0, "a", 20.0)])
            assert events.add_events(conn, [materialized("r1", 0, "a", 30.0)]) == 0
            assert assets.latest_materializations(conn)["a"] == MaterializationRecord("a", None, "r2", 20.0, 0)

    def test_latest_check_evaluation_per_check(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(
                conn,
                [
                    evaluated("r1", 0, "a", "not_empty", True, 10.0),
                    evaluated("r1", 1, "a", "fresh", False, 11.0),
                    evaluated("r1", 2, "b", "not_empty", True, 12.0),
                ],
            )
            events.add_events(conn, [evaluated("r2", 0, "a", "not_empty", False, 20.0)])
        with engine.connect() as conn:
            everything = assets.latest_check_evaluations(conn)
            only_a = assets.latest_check_evaluations(conn, "a")
        assert list(everything) == [("a", "fresh"), ("a", "not_empty"), ("b", "not_empty")]
        assert everything["a", "not_empty"] == CheckEvaluationRecord("a", "not_empty", False, None, "r2", 20.0, 0)
        assert everything["a", "fresh"].passed is False
        assert list(only_a) == [("a", "fresh"), ("a", "not_empty")]

    def test_other_events_do_not_touch_the_indexes(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(conn, [EventRecord("r1", 0, "STEP_OUTPUT", 1.0, "s", "a", None, b"")])
            assert assets.latest_materializations(conn) == {}
            assert assets.latest_check_evaluations(conn) == {}

    def test_an_observation_is_history_but_not_a_materialization(self, engine: Engine) -> None:
        observed = EventRecord("r2", 1, events.OBSERVATION, 30.0, "s", "a", "p1", b"seen")
        with engine.begin() as conn:
            events.add_events(conn, [materialized("r1", 0, "a", 10.0, "p1"), observed])
        with engine.connect() as conn:
            kept = MaterializationRecord("a", "p1", "r1", 10.0, 0)
            assert assets.latest_materializations(conn) == {"a": kept}
            assert assets.materialized_partitions(conn, "a") == {"p1": kept}
            assert assets.asset_events(conn, "a", event_types=[events.OBSERVATION], limit=10, max_bytes=1 << 20) == (
                [b"seen"],
                None,
            )
            both = [events.MATERIALIZATION, events.OBSERVATION]
            page, _ = assets.asset_events(conn, "a", event_types=both, partition_key="p1", limit=10, max_bytes=1 << 20)
            assert page == [b"seen", b""]

    def test_asset_history_pages_newest_first_by_type_check_and_partition(self, engine: Engine) -> None:
        history = [materialized("r1", n, "a", 10.0 + n, "p1" if n % 2 else None) for n in range(5)]
        history += [
            evaluated("r1", 5, "a", "fresh", False, 15.0),
            evaluated("r1", 6, "a", "rows", True, 16.0),
            evaluated("r1", 7, "a", "fresh", True, 17.0),
            materialized("r1", 8, "other", 18.0),
        ]
        with engine.begin() as conn:
            events.add_events(conn, [EventRecord(**{**vars(e), "body": f"{e.sequence}".encode()}) for e in history])
        both = ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION")
        with engine.connect() as conn:

            def pages(max_bytes: int = 1 << 20, **where: Any) -> list[list[int]]:
                out, cursor = [], None
                while True:
                    page, cursor = assets.asset_events(conn, "a", cursor=cursor, max_bytes=max_bytes, **where)
                    out.append([int(body) for body in page])
                    if cursor is None:
                        return out

            assert pages(event_types=both, limit=3) == [[7, 6, 5], [4, 3, 2], [1, 0]]
            assert pages(event_types=both[:1], limit=10) == [[4, 3, 2, 1, 0]]
            assert pages(event_types=both[1:], check_name="fresh", limit=1) == [[7], [5]]
            assert pages(event_types=both[:1], partition_key="p1", limit=10) == [[3, 1]]
            assert pages(event_types=both, limit=100, max_bytes=2)[0] == [7, 6]  # cut at the byte budget
            assert {name: int(body) for name, body in assets.latest_check_events(conn, "a").items()} == {
                "fresh": 7,
                "rows": 6,
            }


class TestAssetIndexSqlite(AssetIndexContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestAssetIndexPostgres(AssetIndexContract):
    backend = "postgres"
