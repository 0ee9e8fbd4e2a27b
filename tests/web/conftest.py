"""The web UI as a person uses it: headless Chromium (Debian's, driven by Playwright) against a real
`weir dev` host on the example workspace (two locations in their own environments) plus one location
that fails to load. One host serves the whole web suite; each test opens a fresh browser context.

Every page a test visits is checked for console errors, and a screenshot of it is saved under
WEIR_UI_SCREENSHOTS (default .ci/.cache/ui-screenshots) as the test's artifact.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from host.cli.client import HostClient
from tests import support
from tests.support import REPO, dev_host, example_entry, example_pythons, wait_for, write_workspace

SCREENSHOTS = Path(os.environ.get("WEIR_UI_SCREENSHOTS", REPO / ".ci" / ".cache" / "ui-screenshots"))
BROKEN = 'import sdk as dg\n\nraise RuntimeError("the warehouse password is not set")\n'


@dataclass
class UiHost:
    url: str
    token: str
    client: HostClient
    home: Path
    workspace: Path


@pytest.fixture(scope="session")
def ui_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiHost]:
    tmp = tmp_path_factory.mktemp("ui")
    (tmp / "broken.py").write_text(BROKEN)
    entries = [example_entry(name, python) for name, python in example_pythons().items()]
    entries.append({"python_file": {"relative_path": str(tmp / "broken.py"), "location_name": "broken"}})
    workspace = write_workspace(tmp / "workspace.yaml", entries)
    with dev_host(tmp / "home", ["-w", str(workspace), "--ui-port", "0"]) as host:
        client = host.client()

        def settled() -> bool:
            states = {loc.name: loc.status for loc in client.locations()}
            return len(states) == 3 and all(s not in (0, 1) for s in states.values())  # none LOADING

        wait_for(settled, 90, what="the three locations to load or fail")
        info = support.host_json(tmp / "home")
        yield UiHost(info["ui_url"], info["token"], client, tmp / "home", workspace)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    path = support.chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (tests/run.sh does)")
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
    finally:
        playwright.stop()


class UiPage:
    """A browser tab logged in to the UI; fails the test on any console error or uncaught exception."""

    def __init__(self, page: Any, host: UiHost, name: str) -> None:
        self.page = page
        self.host = host
        self.name = name
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def open(self, path: str) -> Any:
        self.page.goto(self.host.url + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def shot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", f"{self.name}-{label}.png")
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_no_errors(self) -> None:
        assert not self.errors, "the page logged errors:\n" + "\n".join(self.errors)


@contextlib.contextmanager
def logged_in_page(chromium: Any, host: UiHost, name: str) -> Iterator[UiPage]:
    """A fresh browser context logged in to `host` (a test module may start a host of its own)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{host.url}/?token={host.token}")  # logs in: the session cookie is set
    ui_page = UiPage(page, host, name)
    try:
        yield ui_page
        ui_page.check_no_errors()
    finally:
        with contextlib.suppress(Exception):
            context.close()


@pytest.fixture
def ui(chromium: Any, ui_host: UiHost, request: pytest.FixtureRequest) -> Iterator[UiPage]:
    with logged_in_page(chromium, ui_host, request.node.name.removeprefix("test_")) as ui_page:
        yield ui_page
