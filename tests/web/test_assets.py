"""The asset catalog and the asset page in a real browser, on the example workspace: materialize `revenue`
from its page and watch the materialization appear in the events tab without a reload (and in storage);
catalog filters that narrow the rows and live in the URL; markdown metadata rendered as formatting only,
never as HTML; every tab renders. Prints the time /api/assets takes on the example."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from host.cli.client import HostClient
from protos.keys import parse_asset_key
from protos.weir.v1 import host_pb2
from tests.support import wait_for
from tests.web.conftest import UiHost, UiPage

HOSTILE = (
    '# Title\n\n<script>window.__pwned = "script"</script>\n\n<img src=x onerror="window.__pwned = \'img\'">\n\n'
    "[click](javascript:window.__pwned='link') and **bold** and `code`\n\n| a | b |\n|---|---|\n| <i>1</i> | 2 |"
)


def materialize(client: HostClient, location: str, *keys: str) -> str:
    request = host_pb2.LaunchRunRequest(location=location, asset_selection=[parse_asset_key(k) for k in keys])
    run = client.launch_run(request)
    assert client.wait_for_run(run.run_id, timeout=90).status == host_pb2.SUCCESS
    return run.run_id


@pytest.fixture(scope="module")
def sales_materialized(ui_host: UiHost) -> str:
    """The sales location's two first assets materialized once (revenue reads raw_orders' stored output)."""
    return materialize(ui_host.client, "sales", "raw_orders", "revenue")


def keys_shown(page: Any) -> list[str]:
    return sorted(page.locator("table.catalog tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)"))


def test_materialize_revenue_from_its_page_and_see_it_in_the_events_without_a_reload(
    ui: UiPage, sales_materialized: str
) -> None:
    page = ui.open("/assets/revenue?tab=events")
    page.locator(".event").first.wait_for()
    page.evaluate("window.__same_page = true")  # gone if the page reloads
    page.get_by_role("button", name="Materialize", exact=True).click()
    toast = page.locator(".toast", has_text="Launched run")
    toast.wait_for()
    run_id = urlsplit(toast.locator("a").get_attribute("href")).path.rsplit("/", 1)[-1]
    event = page.locator(f'.event[data-run="{run_id}"]')
    event.wait_for(timeout=60_000)
    assert page.evaluate("window.__same_page") is True
    stored = [e.run_id for e in ui.host.client.asset_events("revenue", limit=5)]
    assert run_id in stored
    # the markdown report: a heading and a table, and raw HTML shown as text
    report = event.locator(".markdown")
    assert report.locator("h3", has_text="Revenue").count() == 1
    assert report.locator("table td", has_text="242.50").count() == 1
    assert "<b>raw HTML</b> stays text" in report.inner_text()
    assert report.locator("b").count() == 0
    assert event.locator("dt", has_text="orders").count() == 1
    ui.shot("asset-events")
    page = ui.open("/assets/revenue?tab=plots")
    page.locator('.plot[data-key="total"] svg polyline').wait_for(state="attached")
    assert page.locator('.plot[data-key="orders"]').count() == 1
    ui.shot("asset-plots")


def test_catalog_filters_narrow_the_rows_and_the_url_reproduces_them(ui: UiPage, sales_materialized: str) -> None:
    page = ui.open("/assets")
    page.locator("table.catalog").wait_for()
    example = {"revenue", "raw_orders", "sales/tabulate_version", "history", "next_week", "forecast/tabulate_version"}
    assert example <= set(keys_shown(page))
    ui.shot("catalog")
    page.select_option('select[data-facet="location"]', "sales")
    wait_for(lambda: "forecast/tabulate_version" not in keys_shown(page), 10, what="the location filter")
    assert keys_shown(page) == ["raw_orders", "revenue", "sales/tabulate_version"]
    page.select_option('select[data-facet="status"]', "materialized")
    wait_for(lambda: "sales/tabulate_version" not in keys_shown(page) or _all_materialized(page), 10, what="status")
    rows = keys_shown(page)
    assert {"raw_orders", "revenue"} <= set(rows) and _all_materialized(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["location"] == ["sales"] and query["status"] == ["materialized"]
    assert page.locator(".chip", has_text="Location: sales").count() == 1
    ui.shot("catalog-filtered")
    again = ui.open(urlsplit(page.url).path + "?" + urlsplit(page.url).query)
    again.locator("table.catalog").wait_for()
    assert keys_shown(again) == rows
    # the selection syntax in the same box, applied by the host
    again.fill("input.asset-search", "group:forecast or 1+revenue")
    again.select_option('select[data-facet="location"]', "")
    again.select_option('select[data-facet="status"]', "")
    expected = ["forecast/tabulate_version", "history", "next_week", "raw_orders", "revenue"]
    wait_for(lambda: keys_shown(again) == expected, 10, what=f"the selection to show {expected}")
    assert parse_qs(urlsplit(again.url).query)["q"] == ["group:forecast or 1+revenue"]
    again.fill("input.asset-search", "group:(")
    again.locator(".search-error .error-box", has_text="column").wait_for()
    # the browser logs the refused request (400) itself; that one error is expected
    ui.errors[:] = [e for e in ui.errors if "status of 400" not in e]


def _all_materialized(page: Any) -> bool:
    texts = page.locator("table.catalog tbody td.status-col").all_inner_texts()
    return bool(texts) and all(t.strip() == "materialized" for t in texts)


def test_markdown_keeps_html_as_text_and_refuses_script_links(ui: UiPage) -> None:
    page = ui.open("/assets")
    found = page.evaluate(
        """async (text) => {
            const { markdown } = await import("/static/lib/markdown.js");
            const el = markdown(text);
            document.querySelector("main").append(el);
            await new Promise((r) => setTimeout(r, 300));
            return {
                pwned: window.__pwned || null,
                elements: [...el.querySelectorAll("*")].map((e) => e.tagName.toLowerCase()),
                hrefs: [...el.querySelectorAll("[href]")].map((a) => a.getAttribute("href")),
                text: el.textContent,
            };
        }""",
        HOSTILE,
    )
    assert found["pwned"] is None
    assert not {"script", "img", "i"} & set(found["elements"])
    assert {"h2", "strong", "code", "table"} <= set(found["elements"])
    assert found["hrefs"] == []
    assert "<script>" in found["text"] and "onerror" in found["text"] and "<i>1</i>" in found["text"]


def test_every_tab_of_the_asset_page_renders(ui: UiPage, sales_materialized: str) -> None:
    page = ui.open("/assets/revenue")
    page.locator(".asset-overview").wait_for()
    assert "Total revenue over all orders." in page.inner_text(".asset-overview")
    assert page.locator(".asset-overview a", has_text="raw_orders").count() == 1
    assert page.locator(".asset-facts .badge").first.inner_text() in ("materialized", "in progress")
    ui.shot("asset-overview")
    page.locator("nav.tabs a", has_text="Lineage").click()
    page.locator(".lineage-list a", has_text="raw_orders").wait_for()
    assert "tab=lineage" in page.url
    ui.shot("asset-lineage")
    for tab, text in (("partitions", "not partitioned"), ("checks", "No checks")):
        page = ui.open(f"/assets/revenue?tab={tab}")
        page.locator(".asset-tab .empty", has_text=text).wait_for()
    page = ui.open("/assets/sales/tabulate_version")
    assert page.locator("h1.asset-title").inner_text().replace("\n", "") == "sales / tabulate_version"
    page = ui.open("/assets/no/such/asset")
    page.locator(".error-box", has_text="no asset").wait_for()
    ui.errors[:] = [e for e in ui.errors if "status of 404" not in e]  # the browser logs the refused request


def test_the_catalog_json_on_the_example(ui: UiPage) -> None:
    """Prints how long /api/assets takes (first, again, and revalidated by its ETag: 304)."""
    ui.open("/")
    request = ui.page.request
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        reply = request.get(ui.host.url + "/api/assets")
        timings.append(time.perf_counter() - start)
        assert reply.status == 200
    etag = reply.headers["etag"]
    start = time.perf_counter()
    again = request.get(ui.host.url + "/api/assets", headers={"If-None-Match": etag})
    revalidated = time.perf_counter() - start
    assert again.status == 304
    count = len(reply.json()["assets"])
    print(
        f"\n/api/assets on the example ({count} assets): {', '.join(f'{t * 1000:.1f}' for t in timings)} ms, "
        f"304 revalidation {revalidated * 1000:.1f} ms"
    )
