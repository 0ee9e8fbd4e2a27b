"""The UI's assets endpoints: `GET /api/assets`, every asset with its latest status in one lean answer
(the catalog page filters it in the browser). The asset page itself reads through the Host API bridge.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from host.domain.asset_catalog import AssetCatalog
from host.web.http import Request, Response, Router

if TYPE_CHECKING:
    from host.web.context import WebApp

MAX_SELECTION_CHARS = 2000


def register(router: Router, web: WebApp) -> None:
    router.add("GET", "/api/assets", lambda r: assets(web.catalog, r))


def assets(catalog: AssetCatalog, request: Request) -> Response:
    """`{"fields": [...], "assets": [[...], ...]}`, one row per asset in `fields` order; `?selection=`
    keeps the assets a selection picks (`group:sales and status:failed`). The ETag names the snapshots
    and storage's change mark, so an unchanged catalog answers 304 without being computed."""
    selection = request.arg("selection")[:MAX_SELECTION_CHARS]
    headers = {"Cache-Control": "no-cache"}
    etag = catalog.etag(selection)
    if request.headers.get("if-none-match") == etag:
        return Response(304, b"", "application/json", {"ETag": etag, **headers})
    page = catalog.page(selection)
    return Response(200, page.body, "application/json", {"ETag": page.etag, **headers})
