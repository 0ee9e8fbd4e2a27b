"""The UI's shell in a real browser: login, every route renders without a console error, the
overview and locations pages show the workspace, a failed location's traceback, reload."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.web.conftest import UiHost, UiPage

ROUTES = [
    "/",
    "/assets",
    "/assets/graph",
    "/assets/revenue",
    "/runs",
    "/launch",
    "/schedules",
    "/sensors",
    "/automation",
    "/backfills",
    "/locations",
    "/locations/sales",
    "/daemon",
    "/no/such/page",
]


def test_a_browser_without_the_token_gets_the_login_page_and_the_api_refuses_it(ui_host: UiHost) -> None:
    for path, status in (("/runs", 401), ("/api/session", 401)):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(ui_host.url + path, timeout=10)
        assert refused.value.code == status
    body = urllib.request.urlopen(ui_host.url + "/api/health", timeout=10).read()
    assert body == b'{"ok":true}'


def test_the_login_form_takes_the_token(chromium, ui_host: UiHost) -> None:  # type: ignore[no-untyped-def]
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(ui_host.url + "/locations")
        page.fill("input[name=token]", "wrong")
        page.click("button[type=submit]")
        page.locator(".login-error").wait_for()
        page.fill("input[name=token]", ui_host.token)
        page.click("button[type=submit]")
        page.wait_for_url("**/locations")
        page.locator("h1", has_text="Code locations").wait_for()
    finally:
        context.close()


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_renders_without_console_errors(ui: UiPage, path: str) -> None:
    page = ui.open(path)
    page.locator("main h1").first.wait_for()
    assert "Something went wrong" not in page.inner_text("main")
    ui.shot("route" + path.replace("/", "_"))


def test_overview_shows_the_locations_and_the_failed_one(ui: UiPage) -> None:
    page = ui.open("/")
    table = page.locator("table", has=page.locator("text=Location"))
    for name in ("sales", "forecast", "broken"):
        table.locator("a", has_text=name).first.wait_for()
    assert "error" in page.locator("tr", has=page.locator("a", has_text="broken")).inner_text()
    ui.shot("overview")


def test_locations_page_shows_the_load_error_with_its_traceback_and_reloads(ui: UiPage) -> None:
    page = ui.open("/locations")
    error = page.locator("#error-broken")
    error.wait_for()
    assert "the warehouse password is not set" in error.inner_text()
    assert "Traceback" in error.inner_text() or "broken.py" in error.inner_text()
    ui.shot("locations")
    before = ui.host.client.reload_location("sales").updated_at
    page.locator("tr", has=page.locator("a", has_text="sales")).locator("button", has_text="Reload").click()
    page.locator(".toast", has_text="sales reloaded").wait_for()
    after = next(loc for loc in ui.host.client.locations() if loc.name == "sales")
    assert after.updated_at > before


def test_weir_ui_url_prints_a_link_that_logs_a_fresh_browser_in(chromium, ui_host: UiHost) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "WEIR_HOME": str(ui_host.home)}
    env.pop("WEIR_HOST_ADDRESS", None)
    done = subprocess.run(
        [sys.executable, "-m", "host.cli", "ui", "url"], env=env, capture_output=True, text=True, check=True
    )
    link = done.stdout.strip()
    assert link == f"{ui_host.url}/?token={ui_host.token}"
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(link)
        page.locator("main h1", has_text="Overview").wait_for()
        assert "token=" not in page.url  # the token leaves the address bar once the cookie is set
    finally:
        context.close()
