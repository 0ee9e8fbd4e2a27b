"""One leader per storage: the daemon loops (scheduler, sensors, run queue, run monitor) run only in the
host that holds the `daemon` lease (rule 5).

The leader renews the lease well before it expires; a host that dies stops renewing, and another takes
the lease over once it has expired (at most `lease_seconds` later). Each change of owner raises the
fencing token, and the daemon writes its ticks only after checking, in the same transaction, that it
still holds the lease with its token, so a leader that was paused past its expiry cannot fire a tick
its successor fires too.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine

from host.storage import leases

log = logging.getLogger("weir.daemon.leader")

LEASE_NAME = "daemon"


class LostLeadership(Exception):
    """The lease moved to another host in the middle of a pass; the pass stops writing."""


def new_owner_id() -> str:
    """Unique per host process, readable in `weir daemon status`: machine, pid, pid namespace, nonce."""
    return f"{socket.gethostname()}:{os.getpid()}:{_pid_namespace()}:{uuid.uuid4().hex[:8]}"


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").removeprefix("pid:[").removesuffix("]")
    except OSError:
        return "-"


def is_dead_neighbour(owner: str) -> bool:
    """Whether `owner` names a host process on this machine, in this pid namespace, that is gone: a
    predecessor killed with -9, whose lease a restarted host need not wait out."""
    parts = owner.split(":")
    if len(parts) != 4 or parts[0] != socket.gethostname() or parts[2] != _pid_namespace() or parts[2] == "-":
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid():
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return True
    return state == "Z"


@dataclass(frozen=True)
class LeaderStatus:
    is_leader: bool
    owner: str  # this host
    leader: str  # whoever holds the lease ("" when nobody)
    token: int
    expires_in: float


class LeaderElector:
    """Takes and renews the daemon lease; `token` is the fencing token while this host leads."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float],
        *,
        lease_seconds: float,
        owner: str | None = None,
        name: str = LEASE_NAME,
    ) -> None:
        self.owner = owner or new_owner_id()
        self.name = name
        self._engine = engine
        self._clock = clock
        self._ttl = lease_seconds
        self._token: int | None = None
        self._valid_until = 0.0
        self._lock = threading.Lock()
        self._on_gain: list[Callable[[], None]] = []

    def on_gain(self, callback: Callable[[], None]) -> None:
        """Called whenever this host becomes leader: loops drop caches another leader made stale."""
        self._on_gain.append(callback)

    def tick(self) -> bool:
        """Take or renew the lease; returns whether this host leads now."""
        now = self._clock()
        try:
            with self._engine.begin() as conn:
                token = leases.acquire_lease(conn, self.name, self.owner, now=now, ttl=self._ttl)
                holder = leases.get_lease(conn, self.name) if token is None else None
                if holder is not None and holder.owner and is_dead_neighbour(holder.owner):
                    log.info("the daemon lease is held by %s, which is no longer running: taking it over", holder.owner)
                    token = leases.take_over_lease(conn, self.name, self.owner, holder.owner, now=now, ttl=self._ttl)
        except sa.exc.DBAPIError:
            log.exception("could not renew the daemon lease; acting as follower until it works again")
            token = None
        with self._lock:
            gained = token is not None and token != self._token
            self._token = token
            self._valid_until = now + self._ttl if token is not None else 0.0
        if gained:
            log.info("this host (%s) leads the daemon, fencing token %s", self.owner, token)
            for callback in self._on_gain:
                callback()
        return token is not None

    @property
    def token(self) -> int | None:
        """The fencing token while the lease is ours and not expired by our own clock, else None."""
        with self._lock:
            if self._token is None or self._clock() >= self._valid_until:
                return None
            return self._token

    def is_leader(self) -> bool:
        return self.token is not None

    def check(self, conn: sa.Connection) -> None:
        """Raise LostLeadership unless this host still holds the lease with its token (inside a write)."""
        token = self.token
        if token is None or not leases.holds_lease(conn, self.name, self.owner, token, now=self._clock()):
            raise LostLeadership(f"host {self.owner} no longer holds the {self.name!r} lease")

    def release(self) -> None:
        """Give the lease up on a clean stop, so another host need not wait for it to expire."""
        with self._lock:
            held, self._token = self._token is not None, None
        if held:
            try:
                with self._engine.begin() as conn:
                    leases.release_lease(conn, self.name, self.owner)
            except sa.exc.DBAPIError:
                log.exception("could not release the daemon lease; it expires by itself")

    def status(self) -> LeaderStatus:
        with self._engine.connect() as conn:
            lease = leases.get_lease(conn, self.name)
        now = self._clock()
        holder = lease.owner if lease is not None and lease.owner and lease.expires_at > now else ""
        return LeaderStatus(
            is_leader=self.is_leader(),
            owner=self.owner,
            leader=holder or "",
            token=lease.token if lease is not None else 0,
            expires_in=max(0.0, lease.expires_at - now) if holder and lease else 0.0,
        )


def leader_only(elector: LeaderElector, tick: Callable[[], object]) -> Callable[[], object]:
    """A loop body that does nothing on a host that does not lead."""

    def gated() -> object:
        if not elector.is_leader():
            return None
        return tick()

    return gated
