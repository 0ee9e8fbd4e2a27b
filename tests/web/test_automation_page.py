"""/automation and the sensors table in a real browser, on a host of its own whose automation sensor ticks
every half second (weir.yaml): the sensor's interval is the configured one, and the tick list pages back
to older ticks with the cursor in the URL. The run the host records for a freshness-check sensor's tick
opens like any run, with the check's evaluation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from protos.weir.v1 import host_pb2
from tests import support
from tests.support import dev_host, wait_for
from tests.web.conftest import UiHost, UiPage, logged_in_page

CODE = """
from datetime import timedelta

import sdk as dg


@dg.asset(automation_condition=dg.AutomationCondition.eager())
def fresh() -> int:
    return 1


@dg.asset_check(asset=fresh, automation_condition=dg.AutomationCondition.on_missing())
def positive() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


checks = dg.build_last_update_freshness_checks(assets=[fresh], lower_bound_delta=timedelta(hours=1))
sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=checks, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING
)
defs = dg.Definitions(assets=[fresh], asset_checks=[*checks, positive], sensors=[sensor])
"""
PAGE = 20  # ticks on a page of /automation


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiHost]:
    tmp = tmp_path_factory.mktemp("automation_page")
    (tmp / "defs.py").write_text(CODE)
    (tmp / "home").mkdir()
    (tmp / "home" / "weir.yaml").write_text("automation: {interval_seconds: 0.5}\n")
    with dev_host(tmp / "home", ["-f", str(tmp / "defs.py"), "--ui-port", "0"]) as dev:
        client = dev.client()
        request = host_pb2.ListAutomationEvaluationsRequest(limit=PAGE + 5)
        wait_for(lambda: len(client.automation_evaluations(request).ticks) > PAGE + 2, 60, what="a page of ticks")
        info = support.host_json(tmp / "home")
        yield UiHost(info["ui_url"], info["token"], client, tmp / "home", tmp / "defs.py")


@pytest.fixture
def ui(chromium: Any, host: UiHost, request: pytest.FixtureRequest) -> Iterator[UiPage]:
    with logged_in_page(chromium, host, "automation-page-" + request.node.name.removeprefix("test_")) as page:
        yield page


def test_the_automation_sensor_shows_the_configured_interval(ui: UiPage) -> None:
    page = ui.open("/automation")
    row = page.locator("tr[data-name=default_automation_condition_sensor]")
    row.locator("code", has_text="every 0.5 s").wait_for()
    check = page.locator("tr[data-key='fresh:positive']")  # a check with a condition is listed too
    check.locator("a[href='/assets/fresh']").wait_for()
    page = ui.open("/sensors")
    page.locator("code, td", has_text="every 0.5 s").first.wait_for()
    ui.shot("sensors")


def test_the_tick_list_pages_to_older_ticks_with_the_cursor_in_the_url(ui: UiPage) -> None:
    page = ui.open("/automation")
    rows = page.locator("tr.auto-tick")
    rows.nth(PAGE - 1).wait_for()
    newest_ids = [int(t) for t in rows.evaluate_all("rows => rows.map(r => r.dataset.tick)")]
    assert len(newest_ids) == PAGE
    page.locator("#automation-ticks-pager a", has_text="Older").click()
    page.wait_for_url(re.compile(r"before=\d+"))
    before = int(re.search(r"before=(\d+)", page.url).group(1))  # type: ignore[union-attr]
    assert before >= min(newest_ids)  # the page may have redrawn with newer ticks before the click
    # Tick ids are shared with the other sensors' and schedules' ticks, so the older page's ids are not
    # consecutive: wait until the list holds only ticks older than the cursor.
    page.wait_for_function(
        "before => { const ids = [...document.querySelectorAll('tr.auto-tick')].map(r => +r.dataset.tick);"
        " return ids.length > 0 && Math.max(...ids) < before; }",
        arg=before,
    )
    ui.shot("older-ticks")
    page.locator("#automation-ticks-pager a", has_text="Newest").click()
    page.wait_for_url(re.compile(r"/automation$"))
    page.locator(f"tr.auto-tick[data-tick='{max(newest_ids)}']").wait_for()


def test_a_freshness_check_sensors_run_opens_with_its_check_evaluation(ui: UiPage, host: UiHost) -> None:
    def run() -> host_pb2.Run | None:
        return next((r for r in host.client.runs(limit=200) if r.sensor_name == "freshness_checks_sensor"), None)

    found = wait_for(run, 30, what="the freshness sensor's run")
    page = ui.open(f"/runs/{found.run_id}")
    page.get_by_text("freshness_check").first.wait_for()
    page.get_by_text("SUCCESS").first.wait_for()
    ui.shot("freshness-run")
