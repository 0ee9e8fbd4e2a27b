"""The daemon lease: one leader at a time, takeover after expiry, fencing tokens (rule 5)."""

from __future__ import annotations

import pytest

from host.daemon.leader import LeaderElector, LostLeadership, new_owner_id
from host.storage.schema import leases as leases_table
from tests.host.daemon.support import FakeClock, sqlite_engine


def test_one_leader_then_takeover_after_expiry_with_a_higher_token(tmp_path):
    engine = sqlite_engine(tmp_path)
    clock = FakeClock(1000.0)
    a = LeaderElector(engine, clock, lease_seconds=10, owner="a")
    b = LeaderElector(engine, clock, lease_seconds=10, owner="b")
    assert a.tick() and not b.tick()
    first = a.token
    clock.advance(9)
    assert a.tick() and not b.tick()  # renewed
    clock.advance(9)
    assert not b.tick()  # still a's: renewed 9 s ago
    clock.advance(2)  # a stopped renewing 11 s ago
    assert not a.is_leader()  # a knows its own lease ran out
    assert b.tick() and b.token is not None and first is not None and b.token > first
    with engine.begin() as conn, pytest.raises(LostLeadership):
        a._token, a._valid_until = first, clock() + 10  # a paused leader that still believes it leads
        a.check(conn)
    with engine.begin() as conn:
        b.check(conn)


def test_release_hands_over_at_once(tmp_path):
    engine = sqlite_engine(tmp_path)
    clock = FakeClock(1000.0)
    a = LeaderElector(engine, clock, lease_seconds=60, owner="a")
    b = LeaderElector(engine, clock, lease_seconds=60, owner="b")
    assert a.tick()
    a.release()
    assert b.tick()
    status = b.status()
    assert (status.is_leader, status.leader, status.expires_in) == (True, "b", 60)


def _owner_like_ours(pid: int, hostname: str | None = None) -> str:
    import socket

    _, _, namespace, nonce = new_owner_id().split(":")
    return f"{hostname or socket.gethostname()}:{pid}:{namespace}:{nonce}"


def test_a_restarted_host_takes_over_at_once_from_its_dead_predecessor(tmp_path):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # a host killed with -9: its pid is gone, its lease still has 60 s to run
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        engine = sqlite_engine(tmp_path)
        clock = FakeClock(1000.0)
        for holder, taken in [
            (_owner_like_ours(alive.pid), False),
            (_owner_like_ours(dead.pid, "elsewhere"), False),
            (_owner_like_ours(dead.pid), True),
        ]:
            with engine.begin() as conn:
                conn.execute(leases_table.delete())
            previous = LeaderElector(engine, clock, lease_seconds=60, owner=holder)
            assert previous.tick()
            restarted = LeaderElector(engine, clock, lease_seconds=60)
            assert restarted.tick() is taken, holder
            if taken:
                assert restarted.token is not None and previous.token is not None and restarted.token > previous.token
    finally:
        alive.kill()
        alive.wait()
