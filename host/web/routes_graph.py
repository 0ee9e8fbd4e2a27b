"""The UI's asset graph endpoints (the `/assets/graph` page):

- `GET /api/assets/graph`: every asset with its laid-out position, the edges and the groups (the JSON
  of host/domain/asset_graph.py), computed once per set of location snapshots and served from memory,
  compressed once; its ETag names the snapshots, so a reload is a 304. `?select=` answers the subgraph
  a selection induces, laid out afresh (the page's "isolate" view). `?dir=tb` lays it out top to
  bottom (the default, `lr`, left to right); each direction is computed once and kept.
- `GET /api/assets/graph/status`: a status code and the latest materialization time per node, aligned
  with the graph's node ids (host/domain/graph_status.py); the page lays it over the drawing and fetches
  it again when the change feed says runs or events moved.
- `GET /api/assets/graph/select?q=`: the node ids a selection picks (Dagster's syntax), or a 400 whose
  message names the column.

The change feed warms the graph when a location's snapshot changes, so the first page load after a code
change does not pay for the layout.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from host.domain.asset_graph import AssetGraphCache, AssetGraphView, graph_json
from host.domain.asset_selection import SelectionError, select
from host.domain.graph_status import GraphStatus
from host.web.http import Request, Response, Router

if TYPE_CHECKING:
    from host.web.context import WebApp

MAX_SELECTION_CHARS = 2000
ISOLATED_KEPT = 8  # isolate views kept compressed, by (graph version, selection, direction)
DIRECTIONS = ("lr", "tb")
_COLUMN = re.compile(r" at column (\d+):")


def register(router: Router, web: WebApp) -> None:
    graph = GraphEndpoints(web)
    router.add("GET", "/api/assets/graph", graph.graph)
    router.add("GET", "/api/assets/graph/status", graph.status)
    router.add("GET", "/api/assets/graph/select", graph.select)


class _Body:
    """A JSON body kept both plain and gzip-compressed (compressing 1-2 MB costs more than serving it)."""

    def __init__(self, value: object) -> None:
        self.plain = json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
        self.gzipped = gzip.compress(self.plain, compresslevel=6)

    def response(self, request: Request, etag: str) -> Response:
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            return Response(200, self.gzipped, "application/json", headers)
        return Response(200, self.plain, "application/json", headers)


class GraphEndpoints:
    def __init__(self, web: WebApp) -> None:
        self.web = web
        self.cache = AssetGraphCache()
        self.status_overlay = GraphStatus(web.services.engine, web.catalog, web.services.clock)
        self._lock = threading.Lock()
        self._whole: dict[bool, tuple[str, _Body]] = {}  # by vertical
        self._isolated: OrderedDict[tuple[str, str, bool], _Body] = OrderedDict()
        web.feed.warm("locations", self.warm)

    def view(self) -> AssetGraphView:
        return self.cache.get(self.web.services.workspace)

    def graph(self, request: Request) -> Response:
        direction = request.arg("dir").strip() or "lr"
        if direction not in DIRECTIONS:
            return Response.json({"error": f"unknown graph direction {direction!r}: use dir=lr or dir=tb"}, 400)
        vertical = direction == "tb"
        view = self.view()
        text = request.arg("select").strip()[:MAX_SELECTION_CHARS]
        mark = "t" if vertical else "g"
        etag = f'"{mark}{view.version}"' if not text else f'"i{_digest(view.version, text, direction)}"'
        if request.headers.get("if-none-match") == etag:
            return Response(304, b"", "application/json", {"ETag": etag, "Cache-Control": "no-cache"})
        body = self.whole(view, vertical) if not text else self.isolated(view, text, vertical)
        return body.response(request, etag)

    def whole(self, view: AssetGraphView, vertical: bool = False) -> _Body:
        with self._lock:
            found = self._whole.get(vertical)
            if found is None or found[0] != view.version:
                found = self._whole[vertical] = (view.version, _Body(view.json_of(vertical)))
            return found[1]

    def isolated(self, view: AssetGraphView, text: str, vertical: bool = False) -> _Body:
        key = (view.version, text, vertical)
        with self._lock:
            body = self._isolated.get(key)
            if body is not None:
                self._isolated.move_to_end(key)
                return body
        body = _Body(graph_json(view, only=self._select(view, text), vertical=vertical))
        with self._lock:
            self._isolated[key] = body
            while len(self._isolated) > ISOLATED_KEPT:
                self._isolated.popitem(last=False)
        return body

    def status(self, request: Request) -> Response:
        etag = self.status_overlay.etag()
        if request.headers.get("if-none-match") == etag:
            return Response(304, b"", "application/json", {"ETag": etag, "Cache-Control": "no-cache"})
        current = self.status_overlay.current()
        return Response(200, current.body, "application/json", {"ETag": current.etag, "Cache-Control": "no-cache"})

    def select(self, request: Request) -> Response:
        """`{"version", "ids": [...]}`: an empty selection picks nothing; an unknown key too (a search
        box is typed into letter by letter), but a malformed selection is a 400 naming its column."""
        view = self.view()
        text = request.arg("q").strip()[:MAX_SELECTION_CHARS]
        try:
            ids = sorted(self._select(view, text)) if text else []
        except SelectionError as exc:
            found = _COLUMN.search(str(exc))
            column = int(found.group(1)) if found else None
            return Response.json({"error": str(exc), "column": column}, 400)
        return Response.json({"version": view.version, "ids": ids})

    def _select(self, view: AssetGraphView, text: str) -> set[int]:
        filters = {"status": self.status_overlay.filter(view.version)}
        return select(view.graph, text, strict=False, filters=filters)

    def warm(self) -> None:
        """Compute the graph (and its compressed JSON) and the statuses when a snapshot arrives, rather
        than when the next page asks (the change feed calls it when locations change)."""
        self.whole(self.view())
        self.status_overlay.current()


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\0".join(parts).encode(), digest_size=12).hexdigest()
