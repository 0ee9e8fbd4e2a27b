"""Host-side partitions: keys from the snapshot without the location (except for code kinds), the same
keys as the sdk computes, per-partition status, and the backfill daemon's chunks, resume and cancel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import sdk as dg
from codeserver.snapshot import _partitions
from host.daemon.backfills import BackfillDaemon
from host.domain import backfills
from host.domain.partitions import list_partition_keys, partition_status, ranges
from host.domain.time_partitions import time_window_keys
from host.errors import ConfigError
from host.storage import events as event_store
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from host.storage.records import EventRecord
from protos.weir.v1 import codeserver_pb2, common_pb2, host_pb2, snapshot_pb2
from tests.host.daemon.support import FakeClock, InProcessLocation, sqlite_engine, workspace_of

NOW = datetime(2024, 3, 1, tzinfo=UTC)

DEFINITIONS = [
    dg.HourlyPartitionsDefinition("2023-01-01-00:00", timezone="Europe/Berlin"),
    dg.HourlyPartitionsDefinition("2023-03-01-00:30", minute_offset=30, timezone="America/New_York", end_offset=2),
    dg.HourlyPartitionsDefinition(
        "2023-10-01-00:00", end_date="2023-11-10-00:00", timezone="Australia/Lord_Howe", fmt="%d.%m.%Y %I%p"
    ),
    dg.DailyPartitionsDefinition("2023-01-01", timezone="America/Santiago", end_offset=-1),
    dg.DailyPartitionsDefinition("2023-01-01", hour_offset=2, minute_offset=30, timezone="Europe/Berlin"),
    dg.WeeklyPartitionsDefinition("2022-01-01", day_offset=3, timezone="Asia/Kolkata"),
    dg.MonthlyPartitionsDefinition("2020-01-01", day_offset=15, end_date="2023-06-01"),
    dg.TimeWindowPartitionsDefinition(
        start="2024-01-01 00:00", fmt="%Y-%m-%d %H:%M", cron_schedule="*/30 1-3 * * 1-5", timezone="Europe/Berlin"
    ),
]


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: f"{d.cron_schedule}@{d.timezone}")
def test_host_time_window_keys_agree_with_the_sdk(definition: dg.TimeWindowPartitionsDefinition) -> None:
    keys, valid_until = time_window_keys(_partitions(definition).time_window, NOW.timestamp())
    assert keys == definition.get_partition_keys(NOW)
    assert valid_until > NOW.timestamp()


def _node(name: str, partitions: object, policy: snapshot_pb2.BackfillPolicy | None = None) -> snapshot_pb2.AssetNode:
    node = snapshot_pb2.AssetNode(key=common_pb2.AssetKey(path=[name]), is_executable=True, partitions=partitions)  # type: ignore[arg-type]
    if policy is not None:
        node.backfill_policy.CopyFrom(policy)
    return node


class PartitionedLocation(InProcessLocation):
    """An in-process location with partitioned assets; counts partition key RPCs."""

    def snapshot(self) -> snapshot_pb2.Snapshot:
        daily = _partitions(dg.DailyPartitionsDefinition("2024-01-01", "2024-01-08"))
        multi = _partitions(
            dg.MultiPartitionsDefinition(
                {
                    "region": dg.StaticPartitionsDefinition(["eu", "us"]),
                    "file": dg.DynamicPartitionsDefinition(name="files"),
                }
            )
        )
        code = snapshot_pb2.PartitionsDefinition(code=snapshot_pb2.CodePartitions(type_name="Custom"))
        return snapshot_pb2.Snapshot(
            location_name=self.name,
            assets=[
                _node("daily", daily, snapshot_pb2.BackfillPolicy(max_partitions_per_run=3)),
                _node("by_region", multi),
                _node("custom", code),
                _node("plain", None),
            ],
        )

    def partition_keys(self, request: codeserver_pb2.GetPartitionKeysRequest) -> codeserver_pb2.GetPartitionKeysReply:
        self.calls.append(("partition_keys", dict(request.dynamic_keys)))
        return codeserver_pb2.GetPartitionKeysReply(keys=["x", "y"])


@pytest.fixture
def env(tmp_path):  # type: ignore[no-untyped-def]
    location = PartitionedLocation("loc")
    return sqlite_engine(tmp_path), workspace_of(location), location


def test_keys_come_from_the_snapshot_and_storage_and_only_code_kinds_ask_the_location(env) -> None:
    engine, workspace, location = env
    with engine.begin() as conn:
        partition_store.add_dynamic_partitions(conn, "files", ["a.csv", "b.csv"])
    daily = list_partition_keys(engine, workspace, "loc", asset_key="daily", now=NOW.timestamp())
    assert (daily.keys[0], len(daily.keys), daily.computed_by) == ("2024-01-01", 7, "host")
    multi = list_partition_keys(engine, workspace, "loc", asset_key="by_region", now=NOW.timestamp())
    assert multi.keys == ["a.csv|eu", "a.csv|us", "b.csv|eu", "b.csv|us"] and multi.computed_by == "storage"
    assert location.calls == []
    custom = list_partition_keys(engine, workspace, "loc", asset_key="custom", now=NOW.timestamp())
    assert custom.keys == ["x", "y"] and custom.computed_by == "location" and len(location.calls) == 1
    with pytest.raises(ConfigError, match="not partitioned"):
        list_partition_keys(engine, workspace, "loc", asset_key="plain", now=NOW.timestamp())


def _launch(engine, workspace, clock, **fields) -> backfills.BackfillRecord:  # type: ignore[no-untyped-def]
    request = host_pb2.LaunchBackfillRequest(
        location="loc", asset_selection=[common_pb2.AssetKey(path=["daily"])], **fields
    )
    return backfills.create_backfill(engine, workspace, request, now=clock())


def _runs(engine, backfill_id: str) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return partition_store.backfill_runs(conn, backfill_id)


def test_backfill_runs_follow_the_policy_come_in_chunks_and_are_never_submitted_twice(env) -> None:
    engine, workspace, _ = env
    clock = FakeClock(NOW.timestamp())
    created = _launch(engine, workspace, clock, all_partitions=True)
    assert [p.run_key for p in backfills.plan(created)] == [
        "2024-01-01...2024-01-03",
        "2024-01-04...2024-01-06",
        "2024-01-07",
    ]
    daemon = BackfillDaemon(engine, workspace, clock, chunk_size=2, max_queued=2)
    assert daemon.tick() == 2 and daemon.tick() == 0  # two runs wait in the queue: no room
    first = _runs(engine, created.backfill_id)
    assert first[0].tags[backfills.RANGE_START_TAG] == "2024-01-01" and first[0].partition_key is None
    with engine.begin() as conn:  # a host that died after storing the chunk but "before" recording progress
        partition_store.update_backfill(conn, created.backfill_id, submitted=0)
        for run in first:
            run_store.set_run_status(conn, run.run_id, "SUCCESS", at=clock())
    assert daemon.tick() == 0  # the same two run keys: nothing new
    assert daemon.tick() == 1
    runs = _runs(engine, created.backfill_id)
    assert [r.run_key for r in runs] == [p.run_key for p in backfills.plan(created)]
    assert runs[-1].partition_key == "2024-01-07"
    with engine.begin() as conn:
        run_store.set_run_status(conn, runs[-1].run_id, "FAILURE", at=clock())
    daemon.tick()
    final = backfills.get_backfill(engine, created.backfill_id)
    assert final.status == "FAILED" and "1 of 3 runs" in (final.error or "")
    statuses = backfills.partition_statuses(engine, final)
    assert [s for _, s, _ in statuses] == ["SUCCESS"] * 6 + ["FAILURE"]


def test_cancel_stops_submitting_and_cancels_queued_runs(env) -> None:
    engine, workspace, _ = env
    clock = FakeClock(NOW.timestamp())
    created = _launch(engine, workspace, clock, range_start="2024-01-02", range_end="2024-01-07")
    daemon = BackfillDaemon(engine, workspace, clock, chunk_size=1)
    daemon.tick()
    assert backfills.cancel_backfill(engine, created.backfill_id).status == "CANCELING"
    daemon.tick()
    assert backfills.get_backfill(engine, created.backfill_id).status == "CANCELED"
    assert [r.status for r in _runs(engine, created.backfill_id)] == ["CANCELED"]


def test_backfill_requests_are_checked_against_the_partitions(env) -> None:
    engine, workspace, _ = env
    clock = FakeClock(NOW.timestamp())
    with pytest.raises(ConfigError, match="2024-02-01"):
        _launch(engine, workspace, clock, range_start="2024-01-02", range_end="2024-02-01")
    with pytest.raises(ConfigError, match="backwards"):
        _launch(engine, workspace, clock, range_start="2024-01-05", range_end="2024-01-02")
    with pytest.raises(ConfigError, match="choose partitions"):
        _launch(engine, workspace, clock)


def _materialize(engine, run_id: str, partition: str, at: float, sequence: int = 0) -> None:  # type: ignore[no-untyped-def]
    event = common_pb2.RunEvent(
        run_id=run_id,
        sequence=sequence,
        type=common_pb2.ASSET_MATERIALIZATION,
        timestamp=at,
        asset_key=common_pb2.AssetKey(path=["daily"]),
        partition_key=partition,
    )
    with engine.begin() as conn:
        record = EventRecord(
            run_id, sequence, "ASSET_MATERIALIZATION", at, "s", "daily", partition, event.SerializeToString()
        )
        event_store.add_events(conn, [record])


def test_partition_status_sorts_partitions_into_materialized_failed_in_progress_and_missing(env) -> None:
    engine, workspace, _ = env
    clock = FakeClock(NOW.timestamp())
    created = _launch(engine, workspace, clock, partition_keys=["2024-01-06", "2024-01-03", "2024-01-04"])
    assert backfills.partitions_per_run(created) == 1  # not contiguous: a range run would cover 2024-01-05
    BackfillDaemon(engine, workspace, clock).tick()
    failed, running, done = _runs(engine, created.backfill_id)
    with engine.begin() as conn:
        run_store.set_run_status(conn, failed.run_id, "FAILURE", at=clock())
        run_store.set_run_status(conn, running.run_id, "STARTED", at=clock())
        run_store.set_run_status(conn, done.run_id, "SUCCESS", at=clock())
    _materialize(engine, done.run_id, "2024-01-06", clock())
    view = partition_status(engine, workspace, "loc", "daily", now=clock())
    assert (view.materialized, view.failed, view.in_progress) == ({"2024-01-06"}, {"2024-01-03"}, {"2024-01-04"})
    assert ranges(view.keys, view.missing) == [
        ("2024-01-01", "2024-01-02", 2),
        ("2024-01-05", "2024-01-05", 1),
        ("2024-01-07", "2024-01-07", 1),
    ]
    clock.advance(10)
    _materialize(engine, done.run_id, "2024-01-03", clock(), sequence=1)  # a later run fixed it
    assert "2024-01-03" in partition_status(engine, workspace, "loc", "daily", now=clock()).materialized
