"""Launching and automation in a real browser: /launch (a job run on the example workspace, config
checked against the job's JSON Schema before anything is created, the host's own refusal shown as it
says it, a backfill over a range of partitions), schedules started and stopped, a sensor's ticks with
their output, its cursor edited and a preview, backfills, a location's definitions and the daemon.

The example workspace (shared `ui_host`) has a schedule but no sensor and no partitions, so a second,
small `weir dev` host serves `lab`: a sensor that ticks every second, a partitioned job and asset, a job
with required (and described) config for the editor's completion.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from host.cli.client import HostClient
from protos.weir.v1 import host_pb2
from tests import support
from tests.support import dev_host, wait_for
from tests.web.conftest import UiHost, UiPage, logged_in_page

LAB = """
from pydantic import Field

import sdk as dg


class ScaleConfig(dg.Config):
    factor: int = Field(description="How many times to scale the greeting.")
    label: str = "x"


daily = dg.DailyPartitionsDefinition(start_date="2024-01-01", end_date="2024-02-01")


@dg.asset(partitions_def=daily)
def daily_sales(context: dg.AssetExecutionContext) -> int:
    return 1


@dg.op
def hello(config: ScaleConfig) -> int:
    return config.factor


@dg.job
def config_job():
    hello()


daily_job = dg.define_asset_job("daily_job", selection=[daily_sales], partitions_def=daily)


@dg.sensor(job=config_job, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def lab_sensor(context: dg.SensorEvaluationContext):
    count = int(context.cursor or 0) + 1
    print(f"looked at cursor {context.cursor}")
    context.update_cursor(str(count))
    return dg.SkipReason(f"nothing new at count {count}")


@dg.asset(automation_condition=dg.AutomationCondition.eager())
def fresh() -> int:
    return 1


@dg.asset
def scaled(config: ScaleConfig) -> int:
    return config.factor


defs = dg.Definitions(assets=[daily_sales, fresh, scaled], jobs=[config_job, daily_job], sensors=[lab_sensor])
"""


@pytest.fixture(scope="module")
def lab_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiHost]:
    tmp = tmp_path_factory.mktemp("lab")
    code = tmp / "lab.py"
    code.write_text(LAB)
    (tmp / "home").mkdir()
    (tmp / "home" / "weir.yaml").write_text("automation: {interval_seconds: 1}\n")
    with dev_host(tmp / "home", ["-f", str(code), "--ui-port", "0"]) as host:
        client = host.client()
        wait_for(
            lambda: [loc.status for loc in client.locations()] == [host_pb2.LOCATION_LOADED], 60, what="lab to load"
        )
        wait_for(lambda: _automation_ticks(client), 30, what="the first automation tick (every second here)")
        info = support.host_json(tmp / "home")
        yield UiHost(info["ui_url"], info["token"], client, tmp / "home", code)


@pytest.fixture
def lab(chromium: Any, lab_host: UiHost, request: pytest.FixtureRequest) -> Iterator[UiPage]:
    with logged_in_page(chromium, lab_host, "lab-" + request.node.name.removeprefix("test_")) as page:
        yield page


def _automation_ticks(client: HostClient) -> list[host_pb2.AutomationTick]:
    return list(client.automation_evaluations(host_pb2.ListAutomationEvaluationsRequest(limit=20)).ticks)


def _runs(client: HostClient, location: str) -> list[str]:
    return [run.run_id for run in client.runs(limit=1000, location=location)]


def _sensor(client: HostClient) -> host_pb2.Instigator:
    return next(i for i in client.instigators(host_pb2.SENSOR) if i.name == "lab_sensor")


def _run_id(page: Any) -> str:
    page.wait_for_url(re.compile(r".*/runs/[0-9a-f]+$"))
    return str(page.url.rsplit("/", 1)[-1])


def test_launch_a_job_from_the_launch_page_and_land_on_its_run(ui: UiPage) -> None:
    page = ui.open("/launch")
    page.select_option("#launch-location", "sales")
    page.select_option("#launch-job", "sales_job")
    page.locator(".launch-ok").wait_for()  # sales_job takes no config: {} matches its schema
    assert "location=sales" in page.url and "job=sales_job" in page.url
    page.fill("textarea[aria-label^='Tags']", "team=ui\n\nnote = launched from the page")
    ui.shot("launch-sales-job")
    page.click("button:has-text('Launch run')")
    run = ui.host.client.wait_for_run(_run_id(page), timeout=60)
    assert (run.location, run.job_name, run.status) == ("sales", "sales_job", host_pb2.SUCCESS)
    assert (run.tags["team"], run.tags["note"]) == ("ui", "launched from the page")
    page = ui.open(f"/launch?from_run={run.run_id}")  # the launch page again, from that run
    page.locator(".launch-ok").wait_for()
    assert page.input_value("#launch-job") == "sales_job"
    assert "location=sales" in page.url


def test_invalid_config_json_shows_the_error_and_creates_no_run(ui: UiPage) -> None:
    before = _runs(ui.host.client, "sales")
    page = ui.open("/launch?location=sales&job=sales_job&config_format=json")
    page.fill("#launch-config", '{"ops": {')
    error = page.locator(".launch-json-error")
    error.wait_for()
    assert "not valid JSON" in error.inner_text()
    page.click("button:has-text('Launch run')")
    page.locator(".launch-result .error-box").wait_for()
    ui.shot("launch-invalid-json")
    assert "/launch" in page.url
    assert _runs(ui.host.client, "sales") == before


def test_schema_errors_name_the_path_and_the_host_refusal_is_shown_verbatim(lab: UiPage) -> None:
    client = lab.host.client
    page = lab.open("/launch?location=lab&job=config_job&config_format=json")
    assert '"factor": 0' in page.input_value("#launch-config")  # scaffolded: only what is required
    page.fill("#launch-config", '{"ops": {"hello": {"config": {"factor": "many", "colour": 1}}}}')
    errors = page.locator(".launch-schema-errors")
    errors.wait_for()
    text = errors.inner_text()
    assert "ops.hello.config.factor: expected integer" in text
    assert "ops.hello.config.colour: unknown field" in text
    lab.shot("launch-schema-errors")
    before = _runs(client, "lab")
    page.click("button:has-text('Launch run')")
    page.locator(".launch-result .error-box").wait_for()
    assert _runs(client, "lab") == before

    page = lab.open("/launch?location=lab&job=daily_job&partition=1999-01-01")
    page.click("button:has-text('Launch run')")
    refusal = page.locator(".launch-server-error")
    refusal.wait_for()
    assert "1999-01-01" in refusal.inner_text()  # the host's message, naming the unknown partition
    refused = [e for e in lab.errors if "status of 400" in e]
    assert len(refused) == 1  # Chromium logs the refusal's 400 response; nothing else may fail
    lab.errors.remove(refused[0])
    lab.shot("launch-host-refusal")
    assert _runs(client, "lab") == before


def test_assets_picked_through_the_filter_launch_an_asset_run(lab: UiPage) -> None:
    page = lab.open("/launch?location=lab&tab=assets")
    page.fill("input[aria-label='Filter assets']", "fre")
    assert page.locator(".launch-asset").count() == 1
    page.check("input[type=checkbox][value=fresh]")
    page.locator("#launch-summary", has_text="1 asset").wait_for()
    assert "assets=fresh" in page.url and "q=fre" in page.url
    page.click("button:has-text('Launch run')")
    run = lab.host.client.get_run(_run_id(page))
    assert [list(k.path) for k in run.asset_selection] == [["fresh"]]


def test_a_range_of_partitions_launches_a_backfill(lab: UiPage) -> None:
    page = lab.open("/launch?location=lab&job=daily_job")
    page.check("input[name=pmode][value=range]")
    page.fill("input[name=from]", "2024-01-02")
    page.fill("input[name=to]", "2024-01-04")
    page.locator("#launch-summary", has_text="3 partitions").wait_for()
    lab.shot("launch-backfill-range")
    page.click("button:has-text('Launch backfill')")
    page.wait_for_url(re.compile(r".*/backfills/[0-9a-f]+$"))
    backfill_id = page.url.rsplit("/", 1)[-1]
    backfill = lab.host.client.get_backfill(backfill_id)
    assert (backfill.job_name, backfill.partition_count) == ("daily_job", 3)
    page.locator(".legend", has_text="3 success").first.wait_for(timeout=60000)
    page.locator("#backfill-runs tbody tr", has_text="2024-01-04").wait_for()
    lab.shot("backfill-detail")
    page = lab.open("/backfills")
    page.locator(f"tr[data-backfill='{backfill_id}']", has_text="completed").wait_for()
    lab.shot("backfills")


def test_config_names_complete_from_the_schema_at_the_caret(lab: UiPage) -> None:
    page = lab.open("/launch?location=lab&job=config_job&config_format=json")
    page.fill("#launch-config", '{"ops": {\n  \n}}')
    page.locator(".launch-schema-errors", has_text="ops.hello: required field is missing").wait_for()
    caret = len('{"ops": {\n  ')
    page.eval_on_selector("#launch-config", "(e, at) => e.setSelectionRange(at, at)", caret)
    page.keyboard.press("Control+Space")
    options = page.locator(".config-complete li[role=option]")
    options.first.wait_for()
    assert [o.get_attribute("data-name") for o in options.all()] == ["hello"]
    assert "required" in options.first.inner_text()
    lab.shot("launch-config-completion")
    page.keyboard.press("Enter")  # "hello": {} with the caret inside the braces
    assert '"hello": {}' in page.input_value("#launch-config")
    page.locator(".launch-schema-errors", has_text="ops.hello.config: required field is missing").wait_for()
    page.keyboard.type('"')  # a quote where a key goes opens the list by itself
    page.locator(".config-complete li[data-name=config]").wait_for()
    page.keyboard.press("Tab")
    page.keyboard.press("Control+Space")
    names = page.locator(".config-complete li[role=option]")
    names.first.wait_for()
    assert [o.get_attribute("data-name") for o in names.all()] == ["factor", "label"]  # required first
    factor = names.first
    assert factor.get_attribute("title") == "How many times to scale the greeting."  # hover docs
    assert "integer" in factor.inner_text() and "required" in factor.inner_text()
    lab.shot("launch-config-completion-docs")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    assert page.locator(".config-complete").is_hidden()
    page.keyboard.press("Control+Space")
    page.keyboard.press("Enter")
    page.locator(".launch-ok").wait_for()  # the editor checked the completed config again
    assert page.input_value("#launch-config") == '{"ops": {\n  "hello": {"config": {"factor": 0}}\n}}'


def test_partitioned_asset_page_leads_to_a_backfill(lab: UiPage) -> None:
    page = lab.open("/assets/daily_sales")
    page.locator("a.backfill-button").wait_for()
    lab.shot("asset-backfill-button")
    page.click("a.backfill-button")
    page.wait_for_url(re.compile(r".*/launch\?.*pmode=range"))
    page.fill("input[name=from]", "2024-01-10")
    page.fill("input[name=to]", "2024-01-11")
    page.locator("#launch-summary", has_text="2 partitions").wait_for()
    lab.shot("asset-backfill-launch")
    page.click("button:has-text('Launch backfill')")
    page.wait_for_url(re.compile(r".*/backfills/[0-9a-f]+$"))
    backfill = lab.host.client.get_backfill(page.url.rsplit("/", 1)[-1])
    assert backfill.partition_count == 2
    assert [list(k.path) for k in backfill.asset_selection] == [["daily_sales"]]


def test_asset_materialize_panel_checks_config_with_the_launch_editor(lab: UiPage) -> None:
    client = lab.host.client
    page = lab.open("/assets/scaled?config_format=json")
    page.click("button:has-text('Materialize…')")
    page.locator(".launch-panel .launch-ok").wait_for()  # scaffolded with what the asset's config requires
    assert '"factor": 0' in page.input_value("#launch-config")
    page.fill("#launch-config", '{"ops": {"scaled": {"config": {"factor": "many"}}}}')
    page.locator(".launch-schema-errors", has_text="ops.scaled.config.factor: expected integer").wait_for()
    before = _runs(client, "lab")
    page.click(".launch-panel button:has-text('Launch run')")
    page.locator(".launch-panel .error-box", has_text="Not launched").wait_for()
    lab.shot("asset-materialize-config-errors")
    assert _runs(client, "lab") == before
    page.fill("#launch-config", '{"ops": {"scaled": {"config": {"factor": 3}}}}')
    page.locator(".launch-panel .launch-ok").wait_for()
    page.click(".launch-panel button:has-text('Launch run')")
    wait_for(lambda: len(_runs(client, "lab")) > len(before), 10, what="the asset's run")
    run = client.get_run(next(r for r in _runs(client, "lab") if r not in before))
    assert json.loads(run.run_config_json) == {"ops": {"scaled": {"config": {"factor": 3}}}}


def test_sensor_page_shows_ticks_edits_the_cursor_and_previews(lab: UiPage) -> None:
    client = lab.host.client
    page = lab.open("/sensors/lab/lab_sensor")
    row = page.locator("table.grid tbody tr", has_text="nothing new at count").first
    row.wait_for()

    # The tick's captured output; the sensor ticks every second and the table redraws live, so a row
    # opened just before a redraw comes back closed: open the newest again until its output shows.
    def output_shown() -> bool:
        row.locator("summary", has_text="1 line").click()
        return "looked at cursor" in row.inner_text()

    wait_for(output_shown, 15, interval=0.3, what="a tick's captured output")
    lab.shot("sensor-detail")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Edit cursor')")
    page.fill("textarea[aria-label='New cursor']", "1000")
    page.click("button:has-text('Save cursor')")
    wait_for(lambda: int(_sensor(client).cursor) >= 1000, 10, what="the cursor set from the page")
    page.locator("table.grid tbody tr", has_text="nothing new at count 100").first.wait_for()

    page.fill("textarea[aria-label='Cursor to evaluate from']", "41")
    page.click("#preview-button")
    result = page.locator(".preview-result")
    result.locator("text=nothing new at count 42").wait_for()
    assert "looked at cursor 41" in result.inner_text()
    lab.shot("sensor-preview")

    page = lab.open("/sensors")
    page.locator("tr[data-name=lab_sensor]", has_text="running").wait_for()
    lab.shot("sensors")


def test_schedule_is_stopped_and_started_from_the_schedules_page(ui: UiPage) -> None:
    client = ui.host.client

    def state() -> str:
        return next(i.status for i in client.instigators(host_pb2.SCHEDULE, "sales") if i.name == "every_minute")

    page = ui.open("/schedules")
    row = page.locator("tr[data-name=every_minute]")
    try:
        row.locator("button[data-action=start]").click()
        wait_for(lambda: state() == "RUNNING", 10, what="every_minute to run")
        row.locator("button[data-action=stop]").wait_for()
        ui.shot("schedules-running")
        row.locator("button[data-action=stop]").click()
        wait_for(lambda: state() == "STOPPED", 10, what="every_minute to stop")
        row.locator("button[data-action=start]").wait_for()
    finally:  # the shared host's schedule never keeps launching runs for other tests
        client.set_instigator_status(host_pb2.SCHEDULE, "every_minute", "STOPPED", location="sales")
    page = ui.open("/schedules/sales/every_minute")
    page.click("#preview-button")
    page.locator(".preview-result", has_text="sales_job").wait_for()
    ui.shot("schedule-detail")


def test_location_page_lists_its_jobs_and_schedules_or_its_load_error(ui: UiPage) -> None:
    page = ui.open("/locations/sales")
    page.locator("tr[data-job=sales_job]").wait_for()
    page.locator("tr[data-name=every_minute] a", has_text="every_minute").wait_for()
    assert "3 assets" in page.inner_text("main")
    ui.shot("location-sales")
    page = ui.open("/locations/broken")
    page.locator(".error-box", has_text="the warehouse password is not set").wait_for()
    assert "No snapshot yet" in page.inner_text("main")
    ui.shot("location-broken")


def test_daemon_page_shows_the_lease_and_every_loop(ui: UiPage) -> None:
    page = ui.open("/daemon")
    for loop in ("scheduler", "sensors", "run_queue", "run_monitor", "backfills"):
        page.locator(f"tr[data-loop={loop}]").wait_for()
    assert "this host" in page.inner_text("#daemon-lease")
    ui.shot("daemon")


def test_automation_page_lists_conditions_and_says_whether_they_are_evaluated(lab: UiPage) -> None:
    page = lab.open("/automation")
    row = page.locator("tr[data-key=fresh]")
    row.locator("summary", has_text="eager").click()
    assert "any_deps_updated" in row.inner_text()  # the condition's tree, unfolded
    page.locator("tr[data-name=default_automation_condition_sensor]").wait_for()
    if not any(loop.name == "automation" for loop in lab.host.client.daemon_status().loops):
        notice = page.locator("#automation-not-evaluated")
        assert "not evaluated yet" in notice.inner_text()
        assert notice.locator("a[href='/schedules']").count() == 1
    lab.shot("automation")


def test_automation_page_shows_ticks_and_why_the_eager_asset_did_not_run(lab: UiPage) -> None:
    page = lab.open("/automation")
    page.locator("tr.auto-tick").first.wait_for()  # the recent ticks, live
    page.locator("tr[data-key=fresh] a[href='/automation?asset=fresh']", has_text="requested").wait_for()
    lab.shot("automation-ticks")

    page = lab.open("/automation?asset=fresh")
    panel = page.locator("#automation-evaluation")
    root = panel.locator(".auto-node[data-label=eager]").first
    root.wait_for()
    assert root.get_attribute("data-value") in ("true", "false")
    assert "any_deps_updated" in panel.inner_text()  # a child node, nested
    assert panel.locator(".auto-value.false").count() >= 1  # `fresh` has no deps: nothing made it run
    newest = _automation_ticks(lab.host.client)[0].tick_id
    assert panel.locator("select[aria-label=Tick] option").count() >= 1
    lab.shot("automation-why")
    page = lab.open(f"/automation?asset=fresh&tick={newest}")  # a tick picked: the URL reproduces it
    page.locator("#automation-evaluation .auto-node[data-label=eager]").first.wait_for()
    assert page.locator("select[aria-label=Tick]").input_value() != ""

    page = lab.open("/assets/fresh")  # the asset page leads here
    page.click("a[href='/automation?asset=fresh']")
    page.locator("#automation-evaluation .auto-node[data-label=eager]").first.wait_for()
