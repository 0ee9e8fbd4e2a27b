"""The UI's HTTP API as another program sees it: the Host API bridge answers like gRPC does, changes
need the page's CSRF value and a matching origin, a read-only UI refuses changes, caching works."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import dev_host, host_json
from tests.web.conftest import UiHost


class Session:
    """A logged-in HTTP client: the session cookie from the token link, the CSRF value from the page."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{url}/?token={token}", timeout=10)
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 303
            self.cookie = redirect.headers["Set-Cookie"].split(";")[0]
        page = self.get("/").decode()
        found = re.search(r'name="weir-csrf" content="([0-9a-f]+)"', page)
        assert found
        self.csrf = found.group(1)

    def get(self, path: str, **headers: str) -> bytes:
        request = urllib.request.Request(self.url + path, headers={"Cookie": self.cookie, **headers})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.read()  # type: ignore[no-any-return]

    def rpc(self, method: str, body: dict[str, Any], **headers: str) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.url}/api/rpc/{method}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Cookie": self.cookie, "X-Weir-CSRF": self.csrf, "Content-Type": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def session(ui_host: UiHost) -> Session:
    return Session(ui_host.url, ui_host.token)


def test_the_bridge_answers_as_the_host_api_does(session: Session, ui_host: UiHost) -> None:
    status, reply = session.rpc("ListLocations", {})
    assert status == 200
    assert {loc["name"] for loc in reply["locations"]} == {loc.name for loc in ui_host.client.locations()}
    assert session.rpc("GetRun", {"run_id": "no-such-run"}) == (
        404,
        {"error": "no run 'no-such-run': `weir runs` lists the runs"},
    )
    status, reply = session.rpc("ListRuns", {"limit": "many"})
    assert status == 400 and "limit" in reply["error"]
    status, reply = session.rpc("NoSuchMethod", {})
    assert status == 404 and "NoSuchMethod" in reply["error"]


def test_changes_need_the_csrf_value_and_this_origin(session: Session) -> None:
    status, reply = session.rpc("ReloadLocation", {"name": "forecast"}, **{"X-Weir-CSRF": "forged"})
    assert status == 403 and "CSRF" in reply["error"]
    status, reply = session.rpc("ReloadLocation", {"name": "forecast"}, Origin="http://evil.example")
    assert status == 403 and "another origin" in reply["error"]


def test_static_files_are_cached_compressed_and_stay_inside_their_folder(session: Session) -> None:
    request = urllib.request.Request(session.url + "/static/style.css", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        etag = reply.headers["ETag"]
        assert reply.headers["Content-Encoding"] == "gzip"
        assert b"--accent" in gzip.decompress(reply.read())
    with pytest.raises(urllib.error.HTTPError) as cached:
        urllib.request.urlopen(
            urllib.request.Request(session.url + "/static/style.css", headers={"If-None-Match": etag})
        )
    assert cached.value.code == 304
    for sneaky in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(session.url + sneaky, timeout=10)
        assert refused.value.code == 404


@pytest.fixture(scope="module")
def read_only_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    tmp: Path = tmp_path_factory.mktemp("readonly")
    (tmp / "defs.py").write_text(
        "import sdk as dg\n\n\n@dg.asset\ndef a() -> int:\n    return 1\n\n\ndefs = dg.Definitions(assets=[a])\n"
    )
    args = ["-f", str(tmp / "defs.py"), "--ui-port", "0", "--ui-read-only"]
    with dev_host(tmp / "home", args, env={"WEIR_UI_MAX_STREAMS": "2"}) as host:
        host.client()
        info = host_json(tmp / "home")
        yield Session(info["ui_url"], info["token"])


def test_a_read_only_ui_reads_but_refuses_every_change(read_only_ui: Session) -> None:
    assert read_only_ui.rpc("ListRuns", {})[0] == 200
    status, reply = read_only_ui.rpc("LaunchRun", {"location": "defs", "asset_selection": [{"path": ["a"]}]})
    assert status == 403 and "read-only" in reply["error"]
    assert read_only_ui.rpc("ListRuns", {})[1].get("runs", []) == []
    assert json.loads(read_only_ui.get("/api/session"))["read_only"] is True


def test_live_views_past_the_cap_are_told_to_retry_and_a_closed_one_frees_its_place(read_only_ui: Session) -> None:
    """Each open event stream holds a server thread: the host started with WEIR_UI_MAX_STREAMS=2 serves
    two, answers a third with 503 and Retry-After (EventSource retries), and serves again once one closes."""
    url = urllib.parse.urlsplit(read_only_ui.url)

    def open_feed() -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
        connection.request("GET", "/api/feed", headers={"Cookie": read_only_ui.cookie})
        return connection.getresponse()

    first, second = open_feed(), open_feed()
    assert (first.status, second.status) == (200, 200)
    assert first.readline().startswith(b"retry:")
    third = open_feed()
    assert third.status == 503 and third.headers["Retry-After"] == "5"
    assert "2 live views are open" in json.loads(third.read())["error"]
    first.close()  # the server notices at its next write (a keepalive at the latest) and frees the place
    deadline = time.monotonic() + 30
    while (again := open_feed()).status != 200:
        again.close()
        assert time.monotonic() < deadline, "a closed live view never gave its place back"
        time.sleep(0.5)
    again.close()
    second.close()
