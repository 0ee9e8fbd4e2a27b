"""The UI's shell and plumbing: the page every route loads, login, static files, the session, the
JSON bridge to the Host API and the change feed."""

from __future__ import annotations

import html
import json
import mimetypes
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from host.web import bridge
from host.web.http import HttpError, Request, Response, Router

if TYPE_CHECKING:
    from host.web.context import WebApp

STATIC = Path(__file__).parent / "static"
# Scripts, styles, images and connections only from this server; nothing may frame the UI.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
OPEN_PATHS = ("/login", "/static/", "/favicon.ico", "/api/health")
FEED_KEEPALIVE_SECONDS = 15.0


def register(router: Router, web: WebApp) -> None:
    router.add("GET", "/login", lambda r: login_page(web, r))
    router.add("POST", "/login", lambda r: login(web, r))
    router.add("GET", "/static/{path:path}", static_file)
    router.add("GET", "/favicon.ico", lambda r: static_file(_with_params(r, path="favicon.svg")))
    router.add("GET", "/api/health", lambda r: Response.json({"ok": True}))
    router.add("GET", "/api/session", lambda r: session(web, r))
    router.add("POST", "/api/rpc/{method}", lambda r: rpc(web, r))
    router.add("GET", "/api/feed", lambda r: feed(web, r))


def allowed(web: WebApp, request: Request) -> bool:
    return request.path.startswith(OPEN_PATHS) or web.auth.logged_in(request)


def login_required(web: WebApp, request: Request) -> Response:
    """A page with ?token=... logs in; other pages show the login form; the API answers 401."""
    if request.path.startswith("/api/"):
        return Response.error(401, "not logged in: open the URL `weir ui url` prints, or log in at /login")
    token = request.arg("token")
    if token and web.auth.token_matches(token):
        rest = {k: v for k, v in request.query.items() if k != "token"}
        location = request.path + ("?" + urlencode(rest, doseq=True) if rest else "")
        return Response(303, b"", "text/plain", {"Location": location, "Set-Cookie": _cookie(web, request)})
    return _login_form(request.path, bad=bool(token))


def not_found(web: WebApp, request: Request) -> Response:
    """Unknown API paths are 404; any other page is the UI's shell, whose router shows the page."""
    if request.path.startswith(("/api/", "/static/")) or request.method != "GET":
        return Response.error(404, f"nothing at {request.path}")
    if not allowed(web, request):
        return login_required(web, request)
    return shell(web)


def shell(web: WebApp) -> Response:
    page = (STATIC / "index.html").read_text()
    page = page.replace("{{csrf}}", web.auth.csrf).replace("{{read_only}}", "true" if web.read_only else "false")
    return Response(
        200, page.encode(), "text/html; charset=utf-8", {"Content-Security-Policy": CSP, "Cache-Control": "no-store"}
    )


def login_page(web: WebApp, request: Request) -> Response:
    return _login_form(request.arg("next", "/"), bad=False)


def login(web: WebApp, request: Request) -> Response:
    form = parse_qs(request.body.decode(errors="replace"))
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host", ""):
        raise HttpError(403, f"login from another origin ({origin}) refused")
    target = (form.get("next") or ["/"])[0]
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    if not web.auth.token_matches((form.get("token") or [""])[0]):
        return _login_form(target, bad=True)
    return Response(303, b"", "text/plain", {"Location": target, "Set-Cookie": _cookie(web, request)})


def static_file(request: Request) -> Response:
    path = (STATIC / request.params["path"]).resolve()
    if not path.is_relative_to(STATIC.resolve()) or not path.is_file():
        raise HttpError(404, f"no static file {request.params['path']!r}")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".js":
        kind = "text/javascript"
    return Response(
        200,
        path.read_bytes(),
        kind + ("; charset=utf-8" if kind.startswith("text/") else ""),
        {"Cache-Control": "no-cache"},
    )


def session(web: WebApp, request: Request) -> Response:
    return Response.json({"read_only": web.read_only, "auth": web.auth.required, "now": time.time()})


def rpc(web: WebApp, request: Request) -> Response:
    reply = bridge.call(web.servicer, request.params["method"], request.json(), read_only=web.read_only)
    if request.params["method"] not in bridge.READ_METHODS:
        web.feed.poke()
    return Response.json(reply)


def feed(web: WebApp, request: Request) -> Response:
    """Server-sent events: one `change` message naming the changed topics whenever something changes."""

    def stream() -> Iterator[bytes]:
        change = web.feed.current
        yield b"retry: 2000\n" + _sse("hello", {"version": change.version, "marks": change.marks})
        version = change.version
        while not web.feed.stopped:
            change = web.feed.wait(version, FEED_KEEPALIVE_SECONDS)
            if change.version == version:
                yield b": keepalive\n\n"
                continue
            version = change.version
            yield _sse("change", {"version": version, "changed": list(change.changed), "marks": change.marks})

    return Response(200, content_type="text/event-stream", stream=stream())


def _sse(event: str, data: object) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


def _cookie(web: WebApp, request: Request) -> str:
    return web.auth.session_cookie(secure=request.headers.get("x-forwarded-proto") == "https")


def _with_params(request: Request, **params: str) -> Request:
    request.params = params
    return request


def _login_form(target: str, *, bad: bool) -> Response:
    warning = '<p class="login-error">That token is not right.</p>' if bad else ""
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Weir: log in</title>
<link rel="stylesheet" href="/static/style.css"></head><body class="login">
<form method="post" action="/login" class="login-box"><h1>Weir</h1>
<p>Paste the host's token (<code>weir ui url</code> prints a link that logs in).</p>{warning}
<input type="hidden" name="next" value="{html.escape(target, quote=True)}">
<input type="password" name="token" autocomplete="current-password" placeholder="token" autofocus>
<button type="submit">Log in</button></form></body></html>"""
    return Response(401, page.encode(), "text/html; charset=utf-8", {"Content-Security-Policy": CSP})
