"""One change feed for every browser: a single thread notices what changed in storage and in the
workspace (a few indexed max/count queries a pass) and wakes the event streams of all open pages,
which then fetch what they show. Pages never poll storage themselves (UI.md: dagster#23500)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from host.locations.workspace import WorkspaceManager
from host.storage import schema

log = logging.getLogger(__name__)

ACTIVE = ("QUEUED", "STARTING", "STARTED", "CANCELING")
RECENT_TICKS = 1000  # the ticks whose finishing the feed notices (older ones finish unannounced)
TOPICS = ("runs", "events", "ticks", "instigators", "backfills", "locations")


@dataclass(frozen=True)
class Change:
    version: int
    marks: dict[str, Any]  # topic -> its latest mark (comparable between versions)
    changed: tuple[str, ...]


class ChangeFeed:
    def __init__(self, engine: Engine, workspace: WorkspaceManager, interval: float = 0.25) -> None:
        self._engine = engine
        self._workspace = workspace
        self._interval = interval
        self._cond = threading.Condition()
        self._change = Change(0, {}, ())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warmers: list[tuple[str, Callable[[], object]]] = []

    def warm(self, topic: str, compute: Callable[[], object]) -> None:
        """Call `compute` in the feed's thread whenever `topic` changes (and once at start), so that
        caches keyed by snapshots are filled when a snapshot arrives, not on the next page load."""
        self._warmers.append((topic, compute))

    def start(self) -> None:
        self._change = Change(0, self._marks(), ())
        self._thread = threading.Thread(target=self._loop, name="weir-ui-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(5)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def current(self) -> Change:
        return self._change

    def wait(self, after_version: int, timeout: float) -> Change:
        """The first change after `after_version`, or the current state after `timeout` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._change.version > after_version or self._stop.is_set(), timeout)
            return self._change

    def poke(self) -> None:
        """Look now rather than at the next pass (after a change made through the UI)."""
        self._publish()

    def _loop(self) -> None:
        self._run_warmers(TOPICS)
        while not self._stop.wait(self._interval):
            with contextlib.suppress(Exception):  # a storage hiccup: try again next pass
                self._publish()

    def _run_warmers(self, changed: tuple[str, ...]) -> None:
        for topic, compute in self._warmers:
            if topic in changed:
                try:
                    compute()
                except Exception:  # the page load computes it again and reports the error
                    log.debug("warming the %s cache failed", topic, exc_info=True)

    def _publish(self) -> None:
        marks = self._marks()
        with self._cond:
            old = self._change.marks
            changed = tuple(t for t in TOPICS if marks.get(t) != old.get(t))
            if changed:
                self._change = Change(self._change.version + 1, marks, changed)
                self._cond.notify_all()
        if changed:
            self._run_warmers(changed)

    def _marks(self) -> dict[str, Any]:
        runs, events, ticks = schema.runs, schema.events, schema.ticks
        states, fills = schema.instigator_state, schema.backfills
        with self._engine.connect() as conn:
            # Every query below reads an index or a primary-key range, never a whole table: this
            # runs four times a second however long the history is.
            run_mark = conn.execute(sa.select(sa.func.max(runs.c.id), sa.func.max(runs.c.ended_at))).one()
            active = conn.execute(
                sa.select(runs.c.status, sa.func.count())
                .where(runs.c.status.in_(ACTIVE))
                .group_by(runs.c.status)
                .order_by(runs.c.status)
            ).all()
            event_mark = conn.execute(sa.select(sa.func.max(events.c.id))).scalar()
            last_tick = conn.execute(sa.select(sa.func.max(ticks.c.id))).scalar() or 0
            # A tick is stored STARTED and finished in place; watch the newest ones for that change.
            started = conn.execute(
                sa.select(sa.func.count()).where(ticks.c.id > last_tick - RECENT_TICKS, ticks.c.status == "STARTED")
            ).scalar()
            state_mark = conn.execute(sa.select(sa.func.max(states.c.updated_at), sa.func.count())).one()
            fill_mark = conn.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.sum(fills.c.submitted),
                    sa.func.count().filter(fills.c.status != "COMPLETED"),
                )
            ).one()
        return {
            "runs": [*run_mark, [list(row) for row in active]],
            "events": event_mark or 0,
            "ticks": [last_tick, started],
            "instigators": list(state_mark),
            "backfills": list(fill_mark),
            "locations": _location_mark(self._workspace),
        }


def _location_mark(workspace: WorkspaceManager) -> list[Any]:
    return [
        [h.name, int(h.state.status), h.state.snapshot_id, h.state.conflict, h.state.error_message[:64]]
        for h in workspace.handles()
    ]
