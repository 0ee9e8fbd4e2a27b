"""The UI's asset graph endpoints (filled in by the page that needs them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from host.web.http import Router

if TYPE_CHECKING:
    from host.web.context import WebApp


def register(router: Router, web: WebApp) -> None:
    """No endpoints of its own yet."""
