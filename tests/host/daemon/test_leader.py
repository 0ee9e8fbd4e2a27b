"""The daemon lease: one leader at a time, takeover after expiry, fencing tokens (rule 5)."""

from __future__ import annotations

import pytest

from host.daemon.leader import LeaderElector, LostLeadership
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
