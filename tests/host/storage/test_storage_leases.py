"""Lease contract: one holder at a time, takeover only after expiry, with a larger fencing token."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from host.storage import leases
from host.storage.records import LeaseRecord

TTL = 10.0


class LeaseStorageContract:
    backend: str

    def test_first_holder_gets_token_one_and_renews_without_a_new_token(self, engine: Engine) -> None:
        with engine.begin() as conn:
            assert leases.get_lease(conn, "daemon") is None
            assert leases.acquire_lease(conn, "daemon", "host-a", now=0.0, ttl=TTL) == 1
            assert leases.acquire_lease(conn, "daemon", "host-a", now=8.0, ttl=TTL) == 1
            assert leases.get_lease(conn, "daemon") == LeaseRecord("daemon", "host-a", 1, 18.0)

    def test_another_owner_is_refused_until_expiry_then_takes_over_with_a_larger_token(self, engine: Engine) -> None:
        with engine.begin() as conn:
            first = leases.acquire_lease(conn, "daemon", "host-a", now=0.0, ttl=TTL)
            assert leases.acquire_lease(conn, "daemon", "host-b", now=9.9, ttl=TTL) is None
            second = leases.acquire_lease(conn, "daemon", "host-b", now=10.0, ttl=TTL)
            assert first is not None and second is not None and second > first
            assert leases.acquire_lease(conn, "daemon", "host-a", now=11.0, ttl=TTL) is None
            assert leases.holds_lease(conn, "daemon", "host-b", second, now=11.0)
            assert not leases.holds_lease(conn, "daemon", "host-a", first, now=11.0)
            assert not leases.holds_lease(conn, "daemon", "host-b", second, now=20.0)

    def test_the_token_grows_on_every_change_of_owner(self, engine: Engine) -> None:
        tokens = []
        with engine.begin() as conn:
            for step, owner in enumerate(["a", "b", "a", "a", "c"]):
                tokens.append(leases.acquire_lease(conn, "daemon", owner, now=step * 100.0, ttl=TTL))
        assert tokens == [1, 2, 3, 3, 4]

    def test_a_released_lease_is_free_at_once(self, engine: Engine) -> None:
        with engine.begin() as conn:
            leases.acquire_lease(conn, "daemon", "host-a", now=0.0, ttl=TTL)
            assert not leases.release_lease(conn, "daemon", "host-b")
            assert leases.release_lease(conn, "daemon", "host-a")
            assert leases.get_lease(conn, "daemon").owner is None
            assert leases.acquire_lease(conn, "daemon", "host-b", now=1.0, ttl=TTL) == 2
            assert leases.release_lease(conn, "daemon", "host-b")
            assert leases.acquire_lease(conn, "daemon", "host-b", now=2.0, ttl=TTL) == 3

    def test_leases_are_independent_by_name(self, engine: Engine) -> None:
        with engine.begin() as conn:
            assert leases.acquire_lease(conn, "scheduler", "host-a", now=0.0, ttl=TTL) == 1
            assert leases.acquire_lease(conn, "sensors", "host-b", now=0.0, ttl=TTL) == 1
            assert not leases.release_lease(conn, "missing", "host-a")


class TestLeaseStorageSqlite(LeaseStorageContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestLeaseStoragePostgres(LeaseStorageContract):
    backend = "postgres"
