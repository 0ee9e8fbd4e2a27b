"""`/assets/graph` laid out top to bottom, its minimap and "hide outside edges", in a real browser on
the example workspace: the Vertical toggle turns an edge from left-to-right into top-to-bottom and the
URL (and a reload) keeps it, the host answering `?dir=tb` with its own layout; zoomed in, the minimap
shows and a click on it moves the view, and it hides again once the whole graph is in view; with a
selection, hiding the edges to assets outside it leaves fewer edges drawn, and the URL keeps that too."""

from __future__ import annotations

from typing import Any

from tests.support import wait_for
from tests.web.conftest import UiPage
from tests.web.test_graph import drawn, query


def box(page: Any, key: str) -> dict[str, float]:
    element = page.locator(f'.gnode[data-key="{key}"]')
    element.wait_for()
    found = element.bounding_box()
    assert found is not None, f"{key} is not drawn"
    return found


def test_vertical_turns_the_layout_and_the_url_keeps_it(ui: UiPage) -> None:
    page = drawn(ui, "/assets/graph")
    up, down = box(page, "raw_orders"), box(page, "revenue")
    assert down["x"] >= up["x"] + up["width"] and "dir" not in query(page)  # left to right

    page.click(".graph-direction")
    page.locator('.graph-view[data-direction="tb"]').wait_for()
    up, down = box(page, "raw_orders"), box(page, "revenue")
    assert down["y"] >= up["y"] + up["height"], (up, down)  # top to bottom
    assert query(page)["dir"] == "tb"
    assert page.get_attribute(".graph-direction", "aria-pressed") == "true"
    ui.shot("vertical")

    # Each direction is its own cached answer (its own ETag); an unknown one is refused with the fix.
    across = page.request.get(ui.host.url + "/api/assets/graph")
    down = page.request.get(ui.host.url + "/api/assets/graph?dir=tb")
    assert (across.json()["direction"], down.json()["direction"]) == ("lr", "tb")
    assert across.headers["etag"] != down.headers["etag"]
    wrong = page.request.get(ui.host.url + "/api/assets/graph?dir=sideways")
    assert wrong.status == 400 and "use dir=lr or dir=tb" in wrong.json()["error"]

    page.reload()
    page.locator('.graph-view[data-drawn][data-direction="tb"]').wait_for()
    up, down = box(page, "raw_orders"), box(page, "revenue")
    assert down["y"] >= up["y"] + up["height"]

    # The isolate view is laid out top to bottom too.
    page = drawn(ui, "/assets/graph?dir=tb&select=%2Bkey%3A%22revenue%22&isolate=1")
    page.locator(".graph-count", has_text="(isolated)").wait_for()
    up, down = box(page, "raw_orders"), box(page, "revenue")
    assert down["y"] >= up["y"] + up["height"]

    page.click(".graph-direction")
    page.locator('.graph-view[data-direction="lr"]').wait_for()
    up, down = box(page, "raw_orders"), box(page, "revenue")
    assert down["x"] >= up["x"] + up["width"] and "dir" not in query(page)


def test_the_minimap_shows_when_zoomed_in_and_a_click_moves_the_view(ui: UiPage) -> None:
    page = drawn(ui, "/assets/graph?at=0,0,2.5")
    minimap = page.locator(".graph-minimap")
    minimap.wait_for(state="visible")
    camera = "document.querySelector('.graph-view').graphView.camera"
    before = page.evaluate(camera)
    area = minimap.bounding_box()
    assert area is not None and area["width"] > 20 and area["height"] > 20
    ui.shot("minimap")
    minimap.click(position={"x": area["width"] - 4, "y": area["height"] - 4})  # the bottom-right corner
    after = page.evaluate(camera)
    assert after["scale"] == before["scale"] and after["x"] > before["x"] and after["y"] > before["y"]
    at = "new URLSearchParams(location.search).get('at') || ''"  # page.url is only updated between Playwright calls
    wait_for(lambda: float(page.evaluate(at).split(",")[0] or 0) > before["x"], 10, what="the moved camera in the URL")
    assert page.locator(".graph-panel").count() == 0  # a click on the map is not a click on the graph

    page.click("button:text-is('Fit')")  # the whole graph in view: no minimap
    minimap.wait_for(state="hidden")


def test_hiding_edges_to_assets_outside_the_selection(ui: UiPage) -> None:
    page = drawn(ui, "/assets/graph")
    assert page.locator(".graph-hide-outside").is_hidden()  # nothing selected: nothing to hide

    page.fill(".graph-select", "group:sales")
    page.locator(".graph-count", has_text="3 of").wait_for()
    hide = page.locator(".graph-hide-outside")
    hide.wait_for(state="visible")
    edges = "Number(document.querySelector('.graph-view').dataset.edges)"
    every = page.evaluate(edges)
    hide.click()
    wait_for(lambda: page.evaluate(edges) < every, 10, what="fewer edges drawn")
    inside = page.evaluate(edges)
    assert 0 < inside < every
    assert query(page)["hide_outside"] == "1" and hide.get_attribute("aria-pressed") == "true"
    ui.shot("hide-outside")

    page.reload()
    page.locator(".graph-view[data-drawn]").wait_for()
    wait_for(lambda: page.evaluate(edges) == inside, 10, what="the same edges hidden after a reload")
    page.click(".graph-hide-outside")
    wait_for(lambda: page.evaluate(edges) == every, 10, what="every edge drawn again")
    assert "hide_outside" not in query(page)
