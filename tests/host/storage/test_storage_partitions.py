"""Dynamic partitions and backfills contract."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from host.storage import partitions
from host.storage.errors import DuplicateBackfillError, NotFoundError
from host.storage.records import BackfillRecord


def backfill(backfill_id: str, created_at: float, **fields: object) -> BackfillRecord:
    values: dict = {
        "location": "sales",
        "status": "REQUESTED",
        "partition_keys": ("2024-01-01", "2024-01-02"),
        "asset_selection": ("sales/orders",),
    }
    values.update(fields)
    return BackfillRecord(backfill_id=backfill_id, created_at=created_at, **values)


class PartitionStorageContract:
    backend: str

    def test_dynamic_keys_keep_their_order_and_ignore_repeats(self, engine: Engine) -> None:
        with engine.begin() as conn:
            assert partitions.add_dynamic_partitions(conn, "customers", ["zeta", "alpha", "zeta"]) == 2
            assert partitions.add_dynamic_partitions(conn, "customers", ["alpha", "mid"]) == 1
            assert partitions.add_dynamic_partitions(conn, "regions", ["alpha"]) == 1
            assert partitions.add_dynamic_partitions(conn, "regions", []) == 0
            assert partitions.list_dynamic_partitions(conn, "customers") == ["zeta", "alpha", "mid"]
            assert partitions.list_dynamic_partitions(conn, "nothing") == []

    def test_a_deleted_key_is_gone_and_can_come_back(self, engine: Engine) -> None:
        with engine.begin() as conn:
            partitions.add_dynamic_partitions(conn, "customers", ["a", "b"])
            assert partitions.delete_dynamic_partition(conn, "customers", "a")
            assert not partitions.delete_dynamic_partition(conn, "customers", "a")
            assert partitions.list_dynamic_partitions(conn, "customers") == ["b"]
            partitions.add_dynamic_partitions(conn, "customers", ["a"])
            assert partitions.list_dynamic_partitions(conn, "customers") == ["b", "a"]

    def test_backfill_round_trips_and_is_unique(self, engine: Engine) -> None:
        record = backfill("b1", 5.0, job_name="daily", tags={"team": "ops"}, run_config_json='{"x": 1}')
        with engine.begin() as conn:
            partitions.add_backfill(conn, record)
            with pytest.raises(DuplicateBackfillError, match="b1"):
                partitions.add_backfill(conn, backfill("b1", 6.0))
            assert partitions.get_backfill(conn, "b1") == record
            assert partitions.get_backfill(conn, "b2") is None

    def test_backfill_progress_is_recorded(self, engine: Engine) -> None:
        with engine.begin() as conn:
            partitions.add_backfill(conn, backfill("b1", 5.0))
            progressed = partitions.update_backfill(conn, "b1", submitted=1, cursor="2024-01-01")
            assert (progressed.submitted, progressed.cursor, progressed.status) == (1, "2024-01-01", "REQUESTED")
            done = partitions.update_backfill(conn, "b1", status="COMPLETED", submitted=2)
            assert (done.submitted, done.cursor, done.status) == (2, "2024-01-01", "COMPLETED")
            with pytest.raises(NotFoundError):
                partitions.update_backfill(conn, "b9", status="CANCELED")
            with pytest.raises(ValueError, match="RUNNING"):
                partitions.update_backfill(conn, "b1", status="RUNNING")

    def test_backfills_are_listed_newest_first(self, engine: Engine) -> None:
        with engine.begin() as conn:
            partitions.add_backfill(conn, backfill("b1", 1.0))
            partitions.add_backfill(conn, backfill("b3", 3.0, status="COMPLETED"))
            partitions.add_backfill(conn, backfill("b2", 2.0, location="other"))
            assert [b.backfill_id for b in partitions.list_backfills(conn)] == ["b3", "b2", "b1"]
            assert [b.backfill_id for b in partitions.list_backfills(conn, statuses=["REQUESTED"])] == ["b2", "b1"]
            assert [b.backfill_id for b in partitions.list_backfills(conn, location="sales", limit=1)] == ["b3"]

    def test_a_backfill_over_ten_years_of_hours_fits(self, engine: Engine) -> None:
        keys = tuple(f"2015-01-01-{hour:05d}" for hour in range(87_600))
        with engine.begin() as conn:
            partitions.add_backfill(conn, backfill("big", 1.0, partition_keys=keys))
            assert partitions.get_backfill(conn, "big").partition_keys == keys


class TestPartitionStorageSqlite(PartitionStorageContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestPartitionStoragePostgres(PartitionStorageContract):
    backend = "postgres"
