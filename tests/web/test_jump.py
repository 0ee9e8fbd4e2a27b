"""Jump anywhere in a real browser: Ctrl-K (or "/") opens one search over the workspace's assets,
jobs, schedules, sensors, groups and locations and run ids by prefix; Enter opens the match."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from protos.weir.v1 import host_pb2
from tests.web.conftest import UiHost, UiPage


def test_ctrl_k_finds_an_asset_by_part_of_its_name_and_opens_it(ui: UiPage) -> None:
    page = ui.open("/runs")
    page.keyboard.press("Control+k")
    box = page.get_by_role("dialog", name="Jump to")
    box.get_by_role("searchbox").fill("revenu")
    first = box.locator(".jump-item").first
    first.locator(".jump-label", has_text="revenue").wait_for()
    assert first.locator(".jump-kind").inner_text().lower() == "asset"
    ui.shot("asset")
    page.keyboard.press("Enter")
    page.wait_for_url("**/assets/revenue")
    assert box.count() == 0  # the dialog closed


def test_slash_finds_jobs_schedules_and_locations_and_escape_closes(ui: UiPage) -> None:
    page = ui.open("/")
    page.keyboard.press("/")
    box = page.get_by_role("dialog", name="Jump to")
    search = box.get_by_role("searchbox")
    search.fill("every_min")
    box.locator(".jump-item.active .jump-kind", has_text="schedule").wait_for()
    search.fill("forecast")
    kinds = box.locator(".jump-item .jump-kind")
    kinds.first.wait_for()
    assert "location" in [k.lower() for k in kinds.all_inner_texts()]
    search.fill("sales_job")
    box.locator(".jump-item.active .jump-kind", has_text="job").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url("**/launch?location=sales&job=sales_job")
    page.keyboard.press("/")
    page.get_by_role("dialog", name="Jump to").wait_for()
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog", name="Jump to").count() == 0


def test_a_run_id_prefix_finds_the_run(ui: UiPage, ui_host: UiHost) -> None:
    run = ui_host.client.launch_run(host_pb2.LaunchRunRequest(location="sales", job_name="sales_job"))
    page = ui.open("/assets")
    page.keyboard.press("Control+k")
    box = page.get_by_role("dialog", name="Jump to")
    box.get_by_role("searchbox").fill(run.run_id[:6])
    box.locator(".jump-item.active .jump-label", has_text=run.run_id).wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/runs/{run.run_id}")


def test_the_index_lists_every_kind_and_answers_304_while_the_snapshots_are_unchanged(ui: UiPage) -> None:
    page = ui.open("/")
    answer = page.request.get(ui.host.url + "/api/jump")
    items = answer.json()["items"]
    kinds = {kind for kind, *_ in items}
    assert {"asset", "job", "schedule", "group", "location"} <= kinds
    assert ["asset", "revenue", "sales · sales", "/assets/revenue"] in items
    assert not any(label.startswith("__") for kind, label, *_ in items if kind == "job")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    request = urllib.request.Request(
        ui.host.url + "/api/jump", headers={"Cookie": cookie, "If-None-Match": answer.headers["etag"]}
    )
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("an unchanged index was sent again")
    except urllib.error.HTTPError as unchanged:
        assert unchanged.code == 304
    short = json.loads(page.request.get(ui.host.url + "/api/jump/runs?prefix=ab").text())
    assert short == {"runs": []}  # under three characters: no lookup
