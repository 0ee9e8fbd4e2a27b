"""Event storage contract: redelivery stores nothing twice; order and resumption by sequence."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from host.storage import events, runs
from host.storage.records import EventRecord, RunRecord
from protos.weir.v1 import common_pb2


def log_event(run_id: str, sequence: int, timestamp: float = 100.0) -> EventRecord:
    return EventRecord(run_id, sequence, "LOG", timestamp + sequence, "step", None, None, b"log %d" % sequence)


class EventStorageContract:
    backend: str

    @pytest.fixture(autouse=True)
    def _runs(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1"), make_run("r2")])

    def test_a_batch_delivered_again_stores_nothing(self, engine: Engine) -> None:
        batch = [log_event("r1", i) for i in range(5)]
        with engine.begin() as conn:
            assert events.add_events(conn, batch) == 5
        with engine.begin() as conn:
            assert events.add_events(conn, batch) == 0
            assert events.add_events(conn, [*batch[3:], log_event("r1", 5), log_event("r1", 6)]) == 2
        with engine.connect() as conn:
            assert [e.sequence for e in events.get_events(conn, "r1")] == list(range(7))

    def test_duplicates_inside_one_batch_count_once_and_the_first_wins(self, engine: Engine) -> None:
        first = log_event("r1", 0)
        second = EventRecord("r1", 0, "LOG", 1.0, "other", None, None, b"second")
        with engine.begin() as conn:
            assert events.add_events(conn, [first, second, log_event("r1", 1)]) == 2
            assert events.get_events(conn, "r1")[0] == first
            assert events.add_events(conn, []) == 0

    def test_events_come_back_in_sequence_order_per_run(self, engine: Engine) -> None:
        with engine.begin() as conn:
            events.add_events(conn, [log_event("r1", 2), log_event("r2", 0), log_event("r1", 0), log_event("r1", 1)])
        with engine.connect() as conn:
            assert [e.sequence for e in events.get_events(conn, "r1")] == [0, 1, 2]
            assert [e.sequence for e in events.get_events(conn, "r1", after_sequence=0)] == [1, 2]
            assert [e.sequence for e in events.get_events(conn, "r1", after_sequence=0, limit=1)] == [1]
            assert events.get_events(conn, "r2") == [log_event("r2", 0)]
            assert events.get_events(conn, "nothing") == []

    def test_last_sequence_is_where_delivery_resumes(self, engine: Engine) -> None:
        with engine.begin() as conn:
            assert events.last_sequence(conn, "r1") == -1
            events.add_events(conn, [log_event("r1", i) for i in (0, 1, 7)])
            assert events.last_sequence(conn, "r1") == 7
            assert events.last_sequence(conn, "r2") == -1

    def test_a_wire_event_round_trips_through_its_body(self, engine: Engine) -> None:
        wire = common_pb2.RunEvent(
            run_id="r1",
            sequence=3,
            type=common_pb2.ASSET_CHECK_EVALUATION,
            timestamp=1_700_000_000.5,
            step_key="orders",
            asset_key=common_pb2.AssetKey(path=["sales", "orders"]),
            partition_key="p1",
            check_name="not_empty",
            check_passed=True,
            check_severity="ERROR",
        )
        record = events.event_record(wire)
        assert (record.event_type, record.asset_key, record.partition_key) == (
            "ASSET_CHECK_EVALUATION",
            "sales/orders",
            "p1",
        )
        assert (record.check_name, record.check_passed) == ("not_empty", True)
        with engine.begin() as conn:
            events.add_events(conn, [record])
        with engine.connect() as conn:
            (stored,) = events.get_events(conn, "r1")
        assert stored == record
        assert common_pb2.RunEvent.FromString(stored.body) == wire

    def test_a_plain_wire_event_has_no_asset_or_check(self) -> None:
        record = events.event_record(common_pb2.RunEvent(run_id="r1", sequence=0, type=common_pb2.RUN_START))
        assert (record.asset_key, record.partition_key, record.check_name, record.check_passed) == (
            None,
            None,
            None,
            None,
        )

    def test_materializations_after_a_storage_id_are_what_an_asset_sensor_reads(self, engine: Engine) -> None:
        def materialized(run_id: str, sequence: int, asset_key: str) -> EventRecord:
            return EventRecord(run_id, sequence, "ASSET_MATERIALIZATION", 1.0, "s", asset_key, None, b"")

        with engine.begin() as conn:
            events.add_events(conn, [materialized("r1", 0, "a"), log_event("r1", 1), materialized("r1", 2, "b")])
            first = events.materializations_after(conn, ["a", "b"])
            assert [(e.run_id, e.sequence) for _, e in first] == [("r1", 0), ("r1", 2)]
            cursor = first[-1][0]
            assert events.materializations_after(conn, ["a", "b"], after_id=cursor) == []
            events.add_events(conn, [materialized("r2", 0, "b"), materialized("r2", 1, "c")])
            new = events.materializations_after(conn, ["a", "b"], after_id=cursor)
            assert [(e.run_id, e.asset_key) for _, e in new] == [("r2", "b")]
            assert new[0][0] > cursor
            assert len(events.materializations_after(conn, ["a", "b", "c"], limit=2)) == 2
            assert events.materializations_after(conn, []) == []

    def test_compute_logs_page_by_step_and_stream(self, engine: Engine) -> None:
        def output(sequence: int, step: str, stream: str, text: str) -> EventRecord:
            return events.event_record(
                common_pb2.RunEvent(
                    run_id="r1",
                    sequence=sequence,
                    type=common_pb2.COMPUTE_LOG,
                    step_key=step,
                    stream=stream,
                    message=text,
                )
            )

        chunks = [
            output(0, "", "stdout", "import\n"),
            output(2, "a", "stdout", "a1\n"),
            output(3, "a", "stderr", "a-err\n"),
            output(4, "b", "stdout", "b1\n"),
            output(5, "a", "stdout", "a2\n"),
            output(6, "a", "stderr", "x" * 3000),
        ]
        with engine.begin() as conn:
            events.add_events(conn, [*chunks, log_event("r1", 1), log_event("r2", 0)])
        with engine.connect() as conn:

            def texts(**kwargs: object) -> tuple[list[str], int, bool]:
                found, last, more = events.compute_logs(conn, "r1", **{"limit": 100, "max_bytes": 10**6, **kwargs})
                return [c.message for c in found], last, more

            assert texts(step_key=None, stream=None) == (
                ["import\n", "a1\n", "a-err\n", "b1\n", "a2\n", "x" * 3000],
                6,
                False,
            )
            assert texts(step_key="a", stream="stdout") == (["a1\n", "a2\n"], 6, False)
            assert texts(step_key="a", stream="stderr", after_sequence=3) == (["x" * 3000], 6, False)
            # a page may hold only the other stream's chunks: it still moves the position on
            assert texts(step_key="a", stream="stdout", limit=1, after_sequence=2) == ([], 3, True)
            assert texts(step_key=None, stream=None, max_bytes=1) == (["import\n"], 0, True)
            assert texts(step_key=None, stream=None, after_sequence=6) == ([], 6, False)
            assert texts(step_key="nothing", stream=None) == ([], -1, False)

    def test_events_of_an_unknown_run_are_refused(self, engine: Engine) -> None:
        with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            events.add_events(conn, [log_event("ghost", 0)])


class TestEventStorageSqlite(EventStorageContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestEventStoragePostgres(EventStorageContract):
    backend = "postgres"
