"""HTTP plumbing for the UI server: requests, responses, routing, compression and caching.

The standard library's threading HTTP server is enough here: one thread per connection suits the
host's synchronous service layer and a few long-lived event streams, and it adds no dependency.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

# Bodies smaller than this are not worth compressing; larger JSON shrinks 5-10x.
GZIP_MIN_BYTES = 1024
MAX_BODY_BYTES = 4 * 1024 * 1024


class HttpError(Exception):
    """An error the browser sees as {"error": message} with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)  # from the route pattern
    cookies: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[-1] if values else default

    def int_arg(self, name: str, default: int, *, low: int = 0, high: int = 1 << 62) -> int:
        raw = self.arg(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise HttpError(400, f"query parameter {name}={raw!r} is not a whole number") from None
        if not low <= value <= high:
            raise HttpError(400, f"query parameter {name}={value} is out of range {low}..{high}")
        return value

    def json(self) -> Any:
        if not self.body:
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise HttpError(400, f"the request body is not JSON: {exc}") from None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None  # server-sent events: chunks written as they come

    @classmethod
    def json(cls, value: Any, status: int = 200, **headers: str) -> Response:
        body = json.dumps(value, separators=(",", ":"), allow_nan=False, default=str).encode()
        return cls(status, body, "application/json", dict(headers))

    @classmethod
    def error(cls, status: int, message: str) -> Response:
        return cls.json({"error": message}, status)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Routes by method and a path pattern whose `{name}` segments become params (`{name:path}` takes
    the rest of the path, slashes included)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", template)
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
        self.routes.append(Route(method, re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        allowed = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.method != method and not (method == "HEAD" and route.method == "GET"):
                allowed = True
                continue
            return route.handler, {k: unquote(v) for k, v in found.groupdict().items()}
        if allowed:
            raise HttpError(405, f"{method} is not allowed on {path}")
        return None


def parse_query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)


def parse_cookies(header: str) -> dict[str, str]:
    cookies = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            cookies[name] = value
    return cookies


def finish(response: Response, request: Request) -> Response:
    """ETag (strong, from the body) with 304 on a match, then gzip when the client takes it."""
    if response.stream is not None or response.status != 200:
        return response
    etag = response.headers.get("ETag") or '"' + hashlib.blake2b(response.body, digest_size=12).hexdigest() + '"'
    response.headers["ETag"] = etag
    if request.headers.get("if-none-match") == etag:
        return Response(304, b"", response.content_type, {"ETag": etag})
    if "Content-Encoding" in response.headers:  # compressed by its route (once, for a body it caches)
        return response
    if len(response.body) >= GZIP_MIN_BYTES and "gzip" in request.headers.get("accept-encoding", ""):
        response.body = gzip.compress(response.body, compresslevel=5)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
    return response
