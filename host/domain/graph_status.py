"""The asset graph's status overlay: one small int per node (by the graph's node numbers) and its latest
materialization time, laid over a graph that never moves when statuses do (UI.md (e) 3).

The statuses themselves come from the asset catalog (host/domain/asset_catalog.py: one source of truth
for materialized / failed / missing / in progress); the overlay adds `stale`, a materialized asset
with an upstream asset materialized after it, which needs the graph's edges.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from host.domain.asset_catalog import AssetCatalog, CatalogDefinitions, CatalogStatus, catalog_status
from host.domain.asset_selection import SelectionError

# The wire codes (static/lib/graph_model.js has the same table).
CODES = {"missing": 0, "materialized": 1, "stale": 2, "failed": 3, "in_progress": 4}
NAMES = {code: name for name, code in CODES.items()}


@dataclass(frozen=True)
class StatusOverlay:
    """One answer: the graph version it is aligned with, a code per node, and the JSON body."""

    etag: str
    version: str
    codes: list[int]
    body: bytes


def overlay(defs: CatalogDefinitions, status: CatalogStatus) -> dict[str, Any]:
    """`{"version", "status": [code...], "latest": [seconds or 0...], "runs": {"id": run}}`: `runs` names
    the run that makes a node failed or in progress."""
    upstream = defs.graph.upstream
    times = [row[0] if row else 0.0 for row in status.latest]
    codes = [CODES[s] for s in status.status]
    for i, code in enumerate(codes):
        if code == CODES["materialized"] and any(times[u] > times[i] for u in upstream[i]):
            codes[i] = CODES["stale"]
    runs = {str(i): run for i, run in enumerate(status.status_run) if run}
    return {"version": defs.version, "status": codes, "latest": [round(t, 3) for t in times], "runs": runs}


class GraphStatus:
    """The overlay of the current snapshots and storage, recomputed only when the catalog's change mark
    moves (its ETag is checked with one small query)."""

    def __init__(self, engine: Engine, catalog: AssetCatalog, clock: Callable[[], float]) -> None:
        self._engine = engine
        self._catalog = catalog
        self._clock = clock
        self._lock = threading.Lock()
        self._last: StatusOverlay | None = None

    def etag(self) -> str:
        return '"s' + self._catalog.etag().strip('"') + '"'

    def current(self) -> StatusOverlay:
        etag = self.etag()
        with self._lock:
            last = self._last
            if last is not None and last.etag == etag:
                return last
            defs = self._catalog.definitions()
            value = overlay(defs, catalog_status(self._engine, defs, self._clock()))
            body = json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
            self._last = StatusOverlay(etag, defs.version, value["status"], body)
            return self._last

    def filter(self, version: str) -> Callable[[str], list[int]]:
        """The `status:` filter of the selection syntax over nodes of the graph `version`."""

        def by_status(value: str) -> list[int]:
            wanted = CODES.get(value.replace(" ", "_").lower())
            if wanted is None:
                raise SelectionError(f"status:{value} is not a status: pick from {', '.join(CODES)}")
            current = self.current()
            if current.version != version:
                raise SelectionError("the code locations changed while selecting by status: try again")
            return [i for i, code in enumerate(current.codes) if code == wanted]

        return by_status
