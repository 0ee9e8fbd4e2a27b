"""Named leases with fencing tokens: how one daemon among several hosts leads (rule 5).

A lease is held until `expires_at`; its holder renews it before then. Whenever the owner changes the
token grows, so a write guarded by `holds_lease(..., token)` from a holder that lost the lease (paused,
partitioned) is refused. Rows are never deleted, so tokens never go back.
"""

from __future__ import annotations

import sqlalchemy as sa

from host.storage._sql import insert
from host.storage.records import LeaseRecord
from host.storage.schema import leases


def acquire_lease(conn: sa.Connection, name: str, owner: str, *, now: float, ttl: float) -> int | None:
    """Take or renew the lease until now + ttl; returns the fencing token, None if another holds it."""
    created = conn.execute(
        insert(conn, leases)
        .values(name=name, owner=owner, token=1, expires_at=now + ttl)
        .on_conflict_do_nothing()
        .returning(leases.c.token)
    ).scalar()
    if created is not None:
        return int(created)
    # One conditional UPDATE, so two hosts racing for an expired lease cannot both win.
    token = conn.execute(
        sa.update(leases)
        .where(leases.c.name == name, sa.or_(leases.c.owner == owner, leases.c.expires_at <= now))
        .values(
            owner=owner,
            token=sa.case((leases.c.owner == owner, leases.c.token), else_=leases.c.token + 1),
            expires_at=now + ttl,
        )
        .returning(leases.c.token)
    ).scalar()
    return None if token is None else int(token)


def take_over_lease(conn: sa.Connection, name: str, owner: str, previous: str, *, now: float, ttl: float) -> int | None:
    """Take the lease from `previous`, known dead, before it expires; None if it changed hands meanwhile."""
    token = conn.execute(
        sa.update(leases)
        .where(leases.c.name == name, leases.c.owner == previous)
        .values(owner=owner, token=leases.c.token + 1, expires_at=now + ttl)
        .returning(leases.c.token)
    ).scalar()
    return None if token is None else int(token)


def release_lease(conn: sa.Connection, name: str, owner: str) -> bool:
    """Give the lease up at once (on shutdown) so another host need not wait for expiry."""
    result = conn.execute(
        sa.update(leases).where(leases.c.name == name, leases.c.owner == owner).values(owner=None, expires_at=0.0)
    )
    return result.rowcount > 0


def get_lease(conn: sa.Connection, name: str) -> LeaseRecord | None:
    row = conn.execute(sa.select(leases).where(leases.c.name == name)).first()
    if row is None:
        return None
    return LeaseRecord(name=row.name, owner=row.owner, token=int(row.token), expires_at=row.expires_at)


def holds_lease(conn: sa.Connection, name: str, owner: str, token: int, *, now: float) -> bool:
    """Whether `owner` still holds the lease with this fencing token: check it before acting as leader."""
    lease = get_lease(conn, name)
    return lease is not None and lease.owner == owner and lease.token == token and lease.expires_at > now
