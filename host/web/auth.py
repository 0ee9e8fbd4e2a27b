"""Who may use the UI, and proof that a change comes from the UI's own page.

The host's token logs a browser in once (`/?token=...`, as Jupyter does, or the login form); the
browser then holds an HttpOnly, SameSite=Strict session cookie derived from the token, so the token
itself never sits in a page or a script. Every change (POST) must also carry the CSRF value that only
the UI's own page knows (it is written into the page, which another site cannot read), and an Origin
header, when present, must name this server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from host.web.http import HttpError, Request

SESSION_COOKIE = "weir_session"
CSRF_HEADER = "x-weir-csrf"


class Auth:
    def __init__(self, token: str | None) -> None:
        self.token = token
        # Without a token (weir host start --insecure) there is no login, but changes still need the
        # page's CSRF value, which is then random per process.
        secret = (token or secrets.token_urlsafe(32)).encode()
        self._session = _derive(secret, b"weir-ui-session")
        self.csrf = _derive(secret, b"weir-ui-csrf")

    @property
    def required(self) -> bool:
        return self.token is not None

    def token_matches(self, candidate: str) -> bool:
        return self.token is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    def session_cookie(self, *, secure: bool) -> str:
        flags = "HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000"
        return f"{SESSION_COOKIE}={self._session}; {flags}" + ("; Secure" if secure else "")

    def logged_in(self, request: Request) -> bool:
        if not self.required:
            return True
        return hmac.compare_digest(request.cookies.get(SESSION_COOKIE, "").encode(), self._session.encode())

    def check_change(self, request: Request) -> None:
        """Refuse a POST that did not come from the UI's page."""
        if not hmac.compare_digest(request.headers.get(CSRF_HEADER, "").encode(), self.csrf.encode()):
            raise HttpError(403, "missing or wrong CSRF header: reload the page and try again")
        origin = request.headers.get("origin")
        host = request.headers.get("host", "")
        if origin and origin.split("://", 1)[-1] != host:
            raise HttpError(403, f"request from another origin ({origin}) refused")


def _derive(secret: bytes, purpose: bytes) -> str:
    return hmac.new(secret, purpose, hashlib.sha256).hexdigest()
