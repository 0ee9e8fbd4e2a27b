"""The top-to-bottom layout (`vertical=True`): edges go downward, boxes and group frames never overlap,
a frame's title strip stays above its nodes, and the view computes it once, on first request, for the
whole graph, the isolate view and the collapsed groups. Pure functions on generated graphs."""

from __future__ import annotations

from itertools import pairwise

import pytest

from bench.asset_graph_bench import layered_snapshot
from host.domain.asset_graph import AssetGraphView, LoadedSnapshot, build_graph, graph_json
from host.domain.graph_layout import VERTICAL_NODE_BOX, Layout, group_graph, layered_layout
from tests.host.test_asset_graph import random_dag

BOX = VERTICAL_NODE_BOX
TITLE = BOX.padding + BOX.title  # a frame's top edge to its first row of nodes


def assert_vertical_invariants(layout: Layout, upstream: list[list[int]], groups: list[int] | None = None) -> None:
    n = len(upstream)
    assert layout.vertical and len(layout.x) == len(layout.y) == n
    for v, ups in enumerate(upstream):
        for u in ups:
            assert layout.y[u] + BOX.height < layout.y[v], f"edge {u}->{v} does not go downward"
    rows: dict[int, list[int]] = {}
    for v in range(n):
        rows.setdefault(layout.y[v], []).append(layout.x[v])
    for y, xs in rows.items():
        xs.sort()
        assert all(b - a >= BOX.width for a, b in pairwise(xs)), f"overlap in row y={y}"
    assert max(layout.x) + BOX.width <= layout.width and max(layout.y) + BOX.height <= layout.height
    if groups is None:
        assert min(layout.x) == 0 and min(layout.y) == 0 and layout.frames == []
        return
    frames = layout.frames
    for v, g in enumerate(groups):  # nodes inside their frame, below its title strip
        frame, x, y = frames[g], layout.x[v], layout.y[v]
        assert frame.x < x and x + BOX.width < frame.x + frame.w
        assert frame.y + TITLE <= y and y + BOX.height < frame.y + frame.h
    assert sum(f.count for f in frames) == len(groups)
    assert max(f.x + f.w for f in frames) == layout.width and max(f.y + f.h for f in frames) == layout.height
    for i, a in enumerate(frames):  # no two frames overlap
        for b in frames[i + 1 :]:
            assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y, (a, b)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_top_to_bottom_edges_go_down_and_nothing_overlaps(seed: int) -> None:
    upstream, downstream, groups = random_dag(seed)
    assert_vertical_invariants(layered_layout(upstream, downstream, groups=groups, vertical=True), upstream, groups)
    assert_vertical_invariants(layered_layout(upstream, downstream, vertical=True), upstream)


def test_top_to_bottom_is_the_left_to_right_layout_turned() -> None:
    """Same ranks and order: each row top to bottom holds a column's nodes, in that column's order."""
    upstream, downstream, groups = random_dag(4)
    across = layered_layout(upstream, downstream, groups=groups)
    down = layered_layout(upstream, downstream, groups=groups, vertical=True)
    assert down.rank == across.rank

    def lines(main: list[int], cross: list[int]) -> list[list[int]]:
        found: dict[int, list[int]] = {}
        for v in sorted(range(len(main)), key=lambda v: (main[v], cross[v])):
            found.setdefault(main[v], []).append(v)
        return [found[k] for k in sorted(found)]

    assert lines(down.y, down.x) == lines(across.x, across.y)


def test_a_wide_layer_wraps_into_rows() -> None:
    upstream = [[]] + [[0] for _ in range(60)]
    downstream = [list(range(1, 61))] + [[] for _ in range(60)]
    layout = layered_layout(upstream, downstream, vertical=True)
    assert_vertical_invariants(layout, upstream)
    assert len(set(layout.y)) == 1 + 3  # the root, then 60 leaves in rows of at most 24
    assert layout.width <= BOX.max_rows * (BOX.width + BOX.v_gap)


def test_collapsed_groups_are_laid_out_top_to_bottom_too() -> None:
    upstream, _, groups = random_dag(5)
    collapsed = group_graph(upstream, groups, max(groups) + 1, vertical=True)
    layout = collapsed.layout
    assert layout.vertical
    for a, b, _count in collapsed.edges:
        if layout.rank[a] < layout.rank[b]:
            assert layout.y[a] < layout.y[b]


def test_the_view_computes_the_vertical_layout_once_for_the_whole_graph_and_isolates() -> None:
    graph = build_graph([LoadedSnapshot("bench", "id", layered_snapshot(400))])
    view = AssetGraphView(graph, "v")
    first = view.json_of(vertical=True)
    assert view.json_of(vertical=True) is first and view.json_of(vertical=False) is view.json
    assert (first["direction"], view.json["direction"]) == ("tb", "lr")
    assert (first["width"], first["height"]) != (view.json["width"], view.json["height"])
    xy = {n["id"]: (n["x"], n["y"]) for n in first["nodes"]}
    for u, v in first["edges"]:
        assert xy[u][1] < xy[v][1]
    _, layout = view.layouts(vertical=True)
    assert_vertical_invariants(layout, graph.upstream, graph.group_of)
    chosen = set(range(0, len(graph), 3))
    isolated = graph_json(view, only=chosen, vertical=True)
    assert isolated["direction"] == "tb" and {n["id"] for n in isolated["nodes"]} == chosen
    xy = {n["id"]: (n["x"], n["y"]) for n in isolated["nodes"]}
    for u, v in isolated["edges"]:
        assert xy[u][1] < xy[v][1]
