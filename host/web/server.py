"""The UI server: the host's HTTP face on its own port (`weir dev` prints its address).

Each connection gets a thread (ThreadingHTTPServer); requests are routed to the modules that own a
part of the UI (host/web/routes_*.py), all of which read through one `WebApp` (host/web/context.py).
A live view (an event stream) holds its thread while the page is open, so their number is capped
(`WEIR_UI_MAX_STREAMS`): past it a page gets 503 with Retry-After and its EventSource tries again.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from host.api.services import HostServices
from host.web import routes_assets, routes_automation, routes_core, routes_graph, routes_jump, routes_runs
from host.web.auth import Auth
from host.web.context import WebApp
from host.web.http import MAX_BODY_BYTES, HttpError, Request, Response, Router, finish, parse_cookies, parse_query

log = logging.getLogger(__name__)

ROUTE_MODULES = (routes_core, routes_assets, routes_graph, routes_runs, routes_automation, routes_jump)


class Site:
    """The router over every route module, and the one place a failure becomes an HTTP answer."""

    def __init__(self, web: WebApp) -> None:
        self.web = web
        self.router = Router()
        for module in ROUTE_MODULES:
            module.register(self.router, web)

    def handle(self, request: Request) -> Response:
        try:
            match = self.router.match(request.method, request.path)
            if match is None:
                return routes_core.not_found(self.web, request)
            handler, request.params = match
            if not routes_core.allowed(self.web, request):
                return routes_core.login_required(self.web, request)
            if request.method == "POST" and request.path != "/login":
                self.web.auth.check_change(request)
            return handler(request)
        except HttpError as exc:
            return Response.error(exc.status, exc.message)
        except Exception as exc:  # the browser gets a message, the log the traceback
            from host.api.errors import storage_failure
            from host.errors import WeirError

            if isinstance(exc, WeirError):
                return Response.error(400, str(exc))
            mapped = storage_failure(exc)
            if mapped is not None:
                return Response.error(503, str(mapped))
            log.exception("UI request %s %s failed", request.method, request.path)
            return Response.error(500, f"internal error ({type(exc).__name__}); the host's log has the details")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("ui %s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(Response.error(413, f"request body of {length} bytes is over {MAX_BODY_BYTES}"), head=False)
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_query(parts.query),
            headers=headers,
            body=self.rfile.read(length) if length else b"",
            cookies=parse_cookies(headers.get("cookie", "")),
        )
        response = finish(self.server.site.handle(request), request)
        self._send(response, head=self.command == "HEAD")

    def _send(self, response: Response, *, head: bool) -> None:
        if response.stream is not None and not self.server.stream_slots.acquire(blocking=False):
            response = self._busy(response)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "same-origin")  # no-referrer would make Origin "null"
        self.send_header("X-Frame-Options", "DENY")
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if not head:
                self.wfile.write(response.body)
            return
        try:
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            with contextlib.suppress(OSError):  # the browser went away
                for chunk in response.stream:
                    self.wfile.write(chunk)
                    self.wfile.flush()
        finally:
            self.server.stream_slots.release()

    def _busy(self, response: Response) -> Response:
        """The answer to a live view past the cap, in place of its stream (which never started)."""
        close = getattr(response.stream, "close", None)
        if close is not None:
            close()
        busy = Response.error(
            503,
            f"{self.server.max_streams} live views are open on this host (WEIR_UI_MAX_STREAMS): "
            "close some browser tabs; this one retries by itself",
        )
        busy.headers["Retry-After"] = "5"
        return busy


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], site: Site, max_streams: int) -> None:
        self.site = site
        self.max_streams = max_streams
        self.stream_slots = threading.BoundedSemaphore(max_streams)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)


class WebServer:
    """The UI server bound to its port; start() serves in a thread, stop() ends every stream."""

    def __init__(self, web: WebApp, host: str, port: int, max_streams: int = 256) -> None:
        self.web = web
        self._server = _Server((host, port), Site(web), max_streams)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="weir-ui", daemon=True)

    def start(self) -> None:
        self.web.feed.start()
        self._thread.start()

    def stop(self) -> None:
        self.web.feed.stop()  # ends the event streams
        self._server.shutdown()
        self._server.server_close()


def create_web_server(
    services: HostServices,
    host: str,
    port: int,
    *,
    token: str | None,
    read_only: bool = False,
    max_streams: int = 256,
) -> WebServer:
    """The UI server bound to host:port (0 picks one), not yet started."""
    return WebServer(WebApp(services, Auth(token), read_only=read_only), host, port, max_streams)
