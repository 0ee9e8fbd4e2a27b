"""The global asset graph: locations joined by key, Dagster's selection syntax over it, the layered layout
(edges left to right, no overlaps, deterministic, cycles survived), its JSON form, and the cache that
computes it once per snapshot set. Pure functions on hand-built snapshots; the bench-sized graph prints
its figures."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Iterable
from itertools import pairwise

import pytest

from bench.asset_graph_bench import layered_snapshot, measure
from host.domain.asset_graph import (
    AssetGraphCache,
    AssetGraphView,
    GlobalAssetGraph,
    LoadedSnapshot,
    build_graph,
    graph_json,
)
from host.domain.asset_selection import SelectionError, select
from host.domain.graph_layout import NODE_BOX, Layout, layered_layout
from host.errors import ConfigError
from host.locations.workspace import LocationHandle, WorkspaceManager
from protos import wire
from protos.keys import parse_asset_key
from protos.weir.v1 import codeserver_pb2, snapshot_pb2


def asset(
    key: str,
    *deps: str,
    group: str = "default",
    executable: bool = True,
    tags: dict[str, str] | None = None,
    kinds: Iterable[str] = (),
    owners: Iterable[str] = (),
    partitioned: bool = False,
    checks: Iterable[str] = (),
) -> snapshot_pb2.AssetNode:
    node = snapshot_pb2.AssetNode(
        key=parse_asset_key(key),
        deps=[parse_asset_key(d) for d in deps],
        group_name=group,
        is_executable=executable,
        tags=tags or {},
        kinds=list(kinds),
        owners=list(owners),
        check_specs=[snapshot_pb2.AssetCheck(name=c, asset_key=parse_asset_key(key)) for c in checks],
    )
    if partitioned:
        node.partitions.SetInParent()
    return node


def loaded(location: str, *assets: snapshot_pb2.AssetNode) -> LoadedSnapshot:
    snapshot = snapshot_pb2.Snapshot(location_name=location, assets=assets)
    snapshot_id = hashlib.sha256(snapshot.SerializeToString(deterministic=True)).hexdigest()
    return LoadedSnapshot(location, snapshot_id, snapshot)


SALES = loaded(
    "sales",
    asset("raw/orders", group="ingest", kinds=["python"], owners=["team:data"], tags={"tier": "gold"}),
    asset("raw/customers", group="ingest", tags={"pii": ""}),
    asset("orders_clean", "raw/orders", group="clean", kinds=["dbt"], checks=["not_empty"]),
    asset("customers_clean", "raw/customers", group="clean", kinds=["dbt"], tags={"pii": ""}),
    asset("orders_summary", "orders_clean", "customers_clean", group="marts", owners=["alice@x.com"], partitioned=True),
)
# finance sorts before sales: its declaration of orders_summary (an AssetSpec) comes first, yet sales owns it
FINANCE = loaded(
    "finance",
    asset("orders_summary", executable=False),
    asset("revenue", "orders_summary", group="finance", kinds=["python"], owners=["alice@x.com"]),
    asset("forecast", "revenue", "ext/fx", group="finance"),
)

# every declared asset (ext/fx is only named as a dep)
ALL = {"raw/orders", "raw/customers", "orders_clean", "customers_clean", "orders_summary", "revenue", "forecast"}


@pytest.fixture(scope="module")
def graph() -> GlobalAssetGraph:
    return build_graph([SALES, FINANCE])


def keys(graph: GlobalAssetGraph, ids: Iterable[int]) -> set[str]:
    return {graph.nodes[i].key for i in ids}


def edges_of(graph: GlobalAssetGraph) -> set[tuple[str, str]]:
    return {(graph.nodes[u].key, graph.nodes[v].key) for v, ups in enumerate(graph.upstream) for u in ups}


# ---- the join -----------------------------------------------------------------------------------------


def test_locations_join_by_key_and_an_asset_belongs_to_the_location_that_materializes_it(graph) -> None:
    assert sorted(n.key for n in graph.nodes) == sorted([*ALL, "ext/fx"])
    summary = graph.nodes[graph.index["orders_summary"]]
    assert (summary.location, summary.executable, summary.declared_in) == ("sales", True, ("finance",))
    assert (summary.group, summary.partitioned, summary.owners) == ("marts", True, ("alice@x.com",))
    assert graph.nodes[graph.index["orders_clean"]].checks == ("not_empty",)
    assert edges_of(graph) == {
        ("raw/orders", "orders_clean"),
        ("raw/customers", "customers_clean"),
        ("orders_clean", "orders_summary"),
        ("customers_clean", "orders_summary"),
        ("orders_summary", "revenue"),  # across locations
        ("revenue", "forecast"),
        ("ext/fx", "forecast"),
    }
    for v, ups in enumerate(graph.upstream):
        assert all(v in graph.downstream[u] for u in ups)


def test_a_dep_no_location_declares_is_a_node_of_no_location(graph) -> None:
    fx = graph.nodes[graph.index["ext/fx"]]
    assert (fx.location, fx.executable, fx.group) == ("", False, "")


def test_groups_are_per_location_and_the_order_does_not_depend_on_the_order_locations_come_in(graph) -> None:
    assert graph.groups[graph.group_of[graph.index["revenue"]]] == ("finance", "finance")
    assert graph.groups[graph.group_of[graph.index["orders_clean"]]] == ("sales", "clean")
    again = build_graph([FINANCE, SALES])
    assert [n.key for n in again.nodes] == [n.key for n in graph.nodes]
    assert again.upstream == graph.upstream


# ---- the selection syntax -----------------------------------------------------------------------------

ANCESTORS_OF_REVENUE = {"revenue", "orders_summary", "orders_clean", "customers_clean", "raw/orders", "raw/customers"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the plain list (Dagster's older syntax): keys, + per layer, * for all
        ("orders_clean", {"orders_clean"}),
        ("raw/orders, revenue", {"raw/orders", "revenue"}),
        ("+orders_summary", {"orders_summary", "orders_clean", "customers_clean"}),
        ("++orders_summary", {"orders_summary", "orders_clean", "customers_clean", "raw/orders", "raw/customers"}),
        ("orders_clean+", {"orders_clean", "orders_summary"}),
        ("*revenue", ANCESTORS_OF_REVENUE),
        ("orders_clean*", {"orders_clean", "orders_summary", "revenue", "forecast"}),
        ("*", ALL | {"ext/fx"}),
        # keys in expressions
        ('key:"raw/orders"', {"raw/orders"}),
        ("key:raw/*", {"raw/orders", "raw/customers"}),
        ('key:"*_clean"', {"orders_clean", "customers_clean"}),
        ("key:ext/fx", {"ext/fx"}),
        ("key:nothing_*", set()),
        # layers: + alone is every layer, a number bounds them
        ("+key:revenue", ANCESTORS_OF_REVENUE),
        ("1+key:revenue", {"revenue", "orders_summary"}),
        ("2+revenue", {"revenue", "orders_summary", "orders_clean", "customers_clean"}),
        ("revenue+1", {"revenue", "forecast"}),
        ("key:orders_clean+", {"orders_clean", "orders_summary", "revenue", "forecast"}),
        ("1+key:orders_summary+1", {"orders_summary", "orders_clean", "customers_clean", "revenue"}),
        ("+key:orders_summary+", ALL),
        ('key:"raw/orders"+ and +key:"orders_summary"', {"raw/orders", "orders_clean", "orders_summary"}),
        # attribute filters, bare and quoted
        ("group:clean", {"orders_clean", "customers_clean"}),
        ('group:"clean"', {"orders_clean", "customers_clean"}),
        ("group : clean", {"orders_clean", "customers_clean"}),
        ("tag:pii", {"raw/customers", "customers_clean"}),
        ("tag:tier=gold", {"raw/orders"}),
        ('tag:"tier"="gold"', {"raw/orders"}),
        ("tag:tier=silver", set()),
        ("kind:dbt", {"orders_clean", "customers_clean"}),
        ('owner:"alice@x.com"', {"orders_summary", "revenue"}),
        ("owner:alice@x.com", {"orders_summary", "revenue"}),
        ('owner:"team:data"', {"raw/orders"}),
        ("code_location:finance", {"revenue", "forecast"}),
        # operators: not over and over or; either case
        ("code_location:sales and group:ingest", {"raw/orders", "raw/customers"}),
        ("group:ingest OR group:finance", {"raw/orders", "raw/customers", "revenue", "forecast"}),
        ("kind:python and not group:finance", {"raw/orders"}),
        ("not code_location:sales", {"revenue", "forecast", "ext/fx"}),
        ("group:ingest or group:clean and tag:pii", {"raw/orders", "raw/customers", "customers_clean"}),
        ("(group:ingest or group:clean) and tag:pii", {"raw/customers", "customers_clean"}),
        ("not group:ingest and kind:python", {"revenue"}),
        ("* and not kind:python", (ALL | {"ext/fx"}) - {"raw/orders", "revenue"}),
        ("orders_clean or revenue", {"orders_clean", "revenue"}),
        # functions: the roots and sinks of the selection itself
        ("roots(*)", {"raw/orders", "raw/customers", "ext/fx"}),
        ("sinks(*)", {"forecast"}),
        ("roots(group:clean)", {"orders_clean", "customers_clean"}),
        ("sinks(key:*_clean+)", {"forecast"}),
        ("roots(group:finance)+1", {"revenue", "forecast"}),
        ("sinks ( 1+key:revenue )", {"revenue"}),
    ],
)
def test_selection_syntax(graph, text: str, expected: set[str]) -> None:
    assert keys(graph, select(graph, text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("group:", "selection 'group:' at column 7: expected a group name"),
        ("tag:pii=", "at column 9: expected a tag value"),
        ("key:", "at column 5: expected an asset key"),
        ("(group:clean", "at column 13: expected ')' to close the '(' at column 1"),
        ("roots(group:clean", "at column 18: expected ')' to close roots( at column 1"),
        ("group:clean or", "at column 15: expected an asset key, a filter (key:, group:"),
        ("group:clean group:x", "at column 13: expected 'and', 'or' or the end, found 'group:x'"),
        ("group:clean)", "at column 12: ')' has no '(' to close"),
        (
            "and group:x",
            "at column 1: expected an asset key, a filter (key:, group:, tag:, kind:, owner:, "
            "code_location:), *, ( or roots(/sinks( before 'and'",
        ),
        ("", "selection '' at column 1: expected an asset key"),
        ('key:"raw', 'at column 5: a quoted value has no closing "'),
        ("nope", "at column 1: no asset 'nope' in any loaded location (`weir assets` lists them)"),
        ("raw/orders, nope", "at column 13: no asset 'nope'"),
        ("key:nope or group:x", "at column 1: no asset 'nope'"),
        (
            "colour:red",
            "at column 1: unknown filter colour: (filters: key:, tag:, owner:, group:, kind:, code_location:, status:)",
        ),
        ("column:id", "at column 1: column: is a Dagster+ filter that Weir does not have"),
        ("status:MISSING", "at column 1: status: is applied by the web UI"),
        ("group:a, group:b", "at column 8: ',' separates keys only in a plain list (a, +b, c*); join expressions"),
        (
            "+revenue and group:x",
            "at column 1: '+' on a bare key means one layer in a plain list; in an expression "
            "write 1+revenue (one layer) or +key:revenue (all layers)",
        ),
        ("revenue+ or group:x", "write revenue+1 (one layer) or key:revenue+ (all layers)"),
        ("*revenue or group:x", "at column 1: '*' before a key means all upstream in a plain list"),
    ],
)
def test_selection_errors_say_where_and_what_was_expected(graph, text: str, message: str) -> None:
    with pytest.raises(SelectionError) as caught:
        select(graph, text)
    assert message in str(caught.value)
    assert isinstance(caught.value, ConfigError)  # INVALID_ARGUMENT on the wire


def test_a_search_box_selects_nothing_for_an_unknown_key_and_the_ui_supplies_status(graph) -> None:
    assert select(graph, "nope or group:clean", strict=False) == select(graph, "group:clean")
    missing = {graph.index["revenue"], graph.index["orders_clean"]}
    chosen = select(graph, 'status:"missing" and not group:finance', filters={"status": lambda value: missing})
    assert keys(graph, chosen) == {"orders_clean"}


# ---- the layout ---------------------------------------------------------------------------------------


def assert_layout_invariants(
    layout: Layout, upstream: list[list[int]], groups: list[int] | None = None, *, acyclic: bool = True
) -> None:
    n = len(upstream)
    assert len(layout.x) == len(layout.y) == n
    if acyclic:
        for v, ups in enumerate(upstream):
            for u in ups:
                assert layout.x[u] < layout.x[v], f"edge {u}->{v} does not go left to right"
    columns: dict[int, list[int]] = {}
    for v in range(n):
        columns.setdefault(layout.x[v], []).append(layout.y[v])
    for x, ys in columns.items():
        ys.sort()
        assert all(b - a >= NODE_BOX.height for a, b in pairwise(ys)), f"overlap in column x={x}"
    if groups is None:
        assert min(layout.x) == 0 and min(layout.y) == 0 and layout.frames == []
        assert max(layout.x) + NODE_BOX.width == layout.width
        assert max(layout.y) + NODE_BOX.height == layout.height
        return
    frames = layout.frames
    for v, g in enumerate(groups):  # nodes inside their group's frame, frames inside the drawing
        frame, x, y = frames[g], layout.x[v], layout.y[v]
        assert frame.x < x and x + NODE_BOX.width < frame.x + frame.w
        assert frame.y < y and y + NODE_BOX.height < frame.y + frame.h
    assert sum(f.count for f in frames) == len(groups)
    assert all(f.x >= 0 and f.y >= 0 and f.x + f.w <= layout.width and f.y + f.h <= layout.height for f in frames)
    assert max(f.x + f.w for f in frames) == layout.width and max(f.y + f.h for f in frames) == layout.height
    for i, a in enumerate(frames):  # no two frames overlap
        for b in frames[i + 1 :]:
            assert a.x + a.w <= b.x or b.x + b.w <= a.x or a.y + a.h <= b.y or b.y + b.h <= a.y, (a, b)


def test_layout_edges_go_left_to_right_nodes_do_not_overlap_and_groups_frame_their_nodes(graph) -> None:
    view = AssetGraphView(graph, "v")
    assert_layout_invariants(view.layout, graph.upstream, graph.group_of)


def test_the_bench_graph_layout_keeps_the_invariants_and_is_deterministic() -> None:
    bench = build_graph([LoadedSnapshot("bench", "id", layered_snapshot())])
    first = layered_layout(bench.upstream, bench.downstream, groups=bench.group_of)
    assert_layout_invariants(first, bench.upstream, bench.group_of)
    assert len(set(first.x)) == 500  # one column per layer of 10
    assert len({f.y for f in first.frames}) == 1  # groups over disjoint columns share a height
    again = layered_layout(bench.upstream, bench.downstream, groups=bench.group_of)
    assert (again.x, again.y, again.width, again.height) == (first.x, first.y, first.width, first.height)


def random_dag(seed: int, n: int = 150, group_count: int = 6) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """Groups that interleave (deps reach 25 nodes back, across groups) and some nodes with no edges."""
    rng = random.Random(seed)
    upstream = [
        sorted({rng.randrange(max(0, v - 25), v) for _ in range(rng.choice([0, 1, 2, 3]))}) if v else []
        for v in range(n)
    ]
    downstream: list[list[int]] = [[] for _ in range(n)]
    for v, ups in enumerate(upstream):
        for u in ups:
            downstream[u].append(v)
    return upstream, downstream, [v * group_count // n for v in range(n)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_interleaved_groups_get_frames_that_do_not_overlap(seed: int) -> None:
    upstream, downstream, groups = random_dag(seed)
    layout = layered_layout(upstream, downstream, groups=groups)
    assert_layout_invariants(layout, upstream, groups)
    lonely = [v for v in range(len(groups)) if not upstream[v] and not downstream[v]]
    for v in lonely:  # a node with no edges sits in its group's first column, not in the drawing's
        assert layout.rank[v] == min(layout.rank[w] for w in range(len(groups)) if groups[w] == groups[v])


def test_a_cycle_is_laid_out_without_looping_or_overlapping() -> None:
    # a -> b -> c -> a, d -> a, c -> e: never valid, but a bad snapshot must not hang the host
    upstream = [[2, 3], [0], [1], [], [2]]
    downstream: list[list[int]] = [[] for _ in upstream]
    for v, ups in enumerate(upstream):
        for u in ups:
            downstream[u].append(v)
    layout = layered_layout(upstream, downstream)
    assert_layout_invariants(layout, upstream, acyclic=False)
    assert layout.x[3] < layout.x[0] < layout.x[1] < layout.x[2] < layout.x[4]


def test_a_wide_layer_wraps_into_columns() -> None:
    upstream = [[]] + [[0] for _ in range(120)]
    downstream = [list(range(1, 121))] + [[] for _ in range(120)]
    layout = layered_layout(upstream, downstream)
    assert_layout_invariants(layout, upstream)
    assert len(set(layout.x)) == 1 + 3  # the root, then 120 leaves in columns of at most 50
    assert layout.height <= 50 * (NODE_BOX.height + NODE_BOX.v_gap)


# ---- the JSON form ------------------------------------------------------------------------------------


def test_the_json_form_is_plain_compact_and_numbers_the_nodes(graph) -> None:
    view = AssetGraphView(graph, "v1")
    data = json.loads(json.dumps(view.json))
    assert data["version"] == "v1" and data["width"] == view.layout.width
    by_key = {n["key"]: n for n in data["nodes"]}
    summary = by_key["orders_summary"]
    assert {k: summary[k] for k in ("location", "group", "executable", "partitioned", "owners")} == {
        "location": "sales",
        "group": "marts",
        "executable": True,
        "partitioned": True,
        "owners": ["alice@x.com"],
    }
    assert by_key["orders_clean"]["checks"] == ["not_empty"] and by_key["raw/orders"]["tags"] == {"tier": "gold"}
    assert [n["id"] for n in data["nodes"]] == list(range(len(graph)))
    names = [n["key"] for n in data["nodes"]]
    assert {(names[u], names[v]) for u, v in data["edges"]} == edges_of(graph)
    groups = {(g["location"], g["name"]): g for g in data["groups"]}
    assert groups["sales", "clean"]["count"] == 2
    collapsed = data["collapsed"]
    assert len(collapsed["positions"]) == len(data["groups"])
    ids = {(g["location"], g["name"]): g["id"] for g in data["groups"]}
    assert [ids["sales", "clean"], ids["sales", "marts"], 2] in collapsed["edges"]
    assert [ids["sales", "marts"], ids["finance", "finance"], 1] in collapsed["edges"]


def test_the_json_of_a_selection_is_its_own_small_layout_with_the_graphs_ids(graph) -> None:
    view = AssetGraphView(graph, "v1")
    chosen = select(graph, "1+key:revenue+1")
    data = graph_json(view, chosen)
    assert {n["id"] for n in data["nodes"]} == chosen
    assert {(u, v) for u, v in data["edges"]} == {
        (graph.index["orders_summary"], graph.index["revenue"]),
        (graph.index["revenue"], graph.index["forecast"]),
    }
    assert data["width"] < view.layout.width
    assert {g["name"] for g in data["groups"]} == {"marts", "finance"}


# ---- the cache ----------------------------------------------------------------------------------------


def test_the_cache_computes_a_view_once_per_snapshot_set(graph) -> None:
    cache = AssetGraphCache(size=2)
    first = cache.of([SALES, FINANCE])
    assert cache.of([FINANCE, SALES]) is first and cache.builds == 1
    changed = loaded("finance", asset("revenue", "orders_summary", group="finance"))
    second = cache.of([SALES, changed])
    assert second is not first and second.version != first.version and cache.builds == 2
    assert cache.of([SALES, FINANCE]) is first and cache.builds == 2
    cache.of([SALES])
    cache.of([FINANCE])  # the least recently used falls out
    assert cache.of([SALES, changed]) is not second and cache.builds == 5


def test_concurrent_requests_share_one_computation() -> None:
    cache = AssetGraphCache()
    snapshot = loaded("bench", *layered_snapshot(2000).assets)
    start = threading.Barrier(6)
    views: list[AssetGraphView] = []

    def request() -> None:
        start.wait()
        views.append(cache.of([snapshot]))

    threads = [threading.Thread(target=request) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(views) == 6 and all(v is views[0] for v in views) and cache.builds == 1


class _Location:
    """A location client serving a snapshot the test replaces (what a code server does on reload)."""

    def __init__(self, *assets: snapshot_pb2.AssetNode) -> None:
        self.snapshot = snapshot_pb2.Snapshot(location_name="sales", assets=assets)

    def handshake(self) -> codeserver_pb2.HandshakeReply:
        snapshot_id = hashlib.sha256(self.snapshot.SerializeToString(deterministic=True)).hexdigest()
        return codeserver_pb2.HandshakeReply(protocol_version=wire.PROTOCOL_VERSION, snapshot_id=snapshot_id)

    def fetch_snapshot(self, snapshot_id: str) -> snapshot_pb2.Snapshot:
        return self.snapshot

    def close(self) -> None:
        pass


def test_the_cache_follows_the_workspace_and_leaves_out_locations_without_a_snapshot() -> None:
    location = _Location(asset("orders"), asset("summary", "orders"))
    workspace = WorkspaceManager(
        [LocationHandle("sales", lambda: location), LocationHandle("broken", lambda: _Location())]
    )
    workspace.get("broken").state.snapshot_id = ""  # never loaded
    workspace.get("sales").refresh(workspace.snapshots, force=True)
    cache = AssetGraphCache()
    view = cache.get(workspace)
    assert [n.key for n in view.graph.nodes] == ["orders", "summary"]
    assert cache.get(workspace) is view and cache.builds == 1
    location.snapshot = snapshot_pb2.Snapshot(location_name="sales", assets=[asset("orders")])
    workspace.get("sales").refresh(workspace.snapshots, force=True)
    assert [n.key for n in cache.get(workspace).graph.nodes] == ["orders"] and cache.builds == 2


# ---- the bench workload -------------------------------------------------------------------------------


def test_bench_workload_figures(capsys) -> None:
    """5,000 assets, 49,900 edges, 50 groups: graph + layout and a selection, printed (CPU time, not
    asserted: the machine is shared). Targets: graph + layout <= 300 ms, `group:g7+` <= 20 ms."""
    with capsys.disabled():
        print()
        figures = measure(layered_snapshot(), repeat=1)
    assert set(figures) >= {"graph_and_layout_cold", "select_best"}
