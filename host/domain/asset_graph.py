"""The global asset graph: every loaded location's assets joined by key, numbered, laid out, cached.

A key may appear in several locations: materialized (an executable asset) in one, declared (an
external AssetSpec) in others so they can depend on it. The graph has one node per key, owned by
the location that materializes it, with the deps of every declaration; a dep on a key no location
declares becomes a node of no location, so lineage never loses an edge.

Nodes are numbered 0..n-1 with adjacency lists of ints, which the selection syntax
(host/domain/asset_selection.py) and the layout (host/domain/graph_layout.py) work on. Snapshots are
content-addressed, so the graph and its layout are computed once per set of (location, snapshot id)
and shared by every request: `AssetGraphCache`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from host.domain import graph_layout
from host.locations.workspace import WorkspaceManager
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2

LAYOUT_VERSION = "1"  # part of every version string: a new layout algorithm must not be served from a browser cache


@dataclass(frozen=True)
class LoadedSnapshot:
    location: str
    snapshot_id: str
    snapshot: snapshot_pb2.Snapshot


@dataclass(frozen=True)
class AssetInfo:
    """What the graph keeps of one asset: the owning declaration's attributes."""

    key: str
    location: str  # "" for a key that no loaded location declares (only named as a dep)
    group: str
    kinds: tuple[str, ...]
    tags: Mapping[str, str]
    owners: tuple[str, ...]
    executable: bool
    partitioned: bool
    checks: tuple[str, ...]
    declared_in: tuple[str, ...]  # the other locations that declare it as an external asset


@dataclass(frozen=True)
class GlobalAssetGraph:
    """Assets by number; `upstream[i]` and `downstream[i]` are the numbers of i's deps and dependents.
    `group_of[i]` numbers i's group in `groups`, a list of (location, group name)."""

    nodes: list[AssetInfo]
    upstream: list[list[int]]
    downstream: list[list[int]]
    groups: list[tuple[str, str]]
    group_of: list[int]
    index: dict[str, int] = field(repr=False)
    # declarations[i]: every (location, node) that defines or declares asset i, by location name; () for a
    # key only named as a dep. What describing one asset needs (its definition, check specs, who declares it).
    declarations: list[tuple[tuple[str, snapshot_pb2.AssetNode], ...]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.nodes)

    def declared(self, key: str) -> tuple[tuple[str, snapshot_pb2.AssetNode], ...]:
        """The (location, node) pairs that define or declare the key; () when no location does."""
        i = self.index.get(key)
        return () if i is None else self.declarations[i]

    @property
    def edge_count(self) -> int:
        return sum(map(len, self.upstream))


def build_graph(loaded: Iterable[LoadedSnapshot]) -> GlobalAssetGraph:
    """Join the snapshots by asset key (locations in name order, assets in snapshot order)."""
    declarations: dict[str, list[tuple[str, snapshot_pb2.AssetNode]]] = {}
    by_bytes: dict[bytes, str] = {}  # a key's message bytes -> its text: a dep costs a dict hit, not a join
    for item in sorted(loaded, key=lambda s: s.location):
        for node in item.snapshot.assets:
            key = asset_key_str(node.key)
            declarations.setdefault(key, []).append((item.location, node))
            by_bytes[node.key.SerializeToString()] = key
    index = {key: i for i, key in enumerate(declarations)}
    nodes = [_info(key, found) for key, found in declarations.items()]
    upstream: list[list[int]] = []
    for i, found in enumerate(declarations.values()):
        deps: dict[int, None] = {}
        for _, node in found:
            for dep in node.deps:
                raw = dep.SerializeToString()
                key = by_bytes.get(raw) or by_bytes.setdefault(raw, asset_key_str(dep))
                j = index.get(key)
                if j is None:  # named, never declared: a node of no location
                    j = index[key] = len(nodes)
                    nodes.append(AssetInfo(key, "", "", (), {}, (), False, False, (), ()))
                deps[j] = None
        deps.pop(i, None)
        upstream.append(list(deps))
    upstream += [[] for _ in range(len(nodes) - len(upstream))]
    downstream: list[list[int]] = [[] for _ in nodes]
    for i, ups in enumerate(upstream):
        for j in ups:
            downstream[j].append(i)
    group_ids: dict[tuple[str, str], int] = {}
    group_of = [group_ids.setdefault((n.location, n.group), len(group_ids)) for n in nodes]
    found_by_node = [tuple(found) for found in declarations.values()]
    found_by_node += [() for _ in range(len(nodes) - len(found_by_node))]
    return GlobalAssetGraph(nodes, upstream, downstream, list(group_ids), group_of, index, found_by_node)


def _info(key: str, found: list[tuple[str, snapshot_pb2.AssetNode]]) -> AssetInfo:
    """The executable declaration speaks for the asset (the first by location name if, wrongly,
    two locations materialize it: the workspace marks both in error); else the first declaration."""
    location, node = next(((loc, n) for loc, n in found if n.is_executable), found[0])
    return AssetInfo(
        key=key,
        location=location,
        group=node.group_name,
        kinds=tuple(node.kinds),
        tags=dict(node.tags),
        owners=tuple(node.owners),
        executable=node.is_executable,
        partitioned=node.HasField("partitions"),
        checks=tuple(spec.name for spec in node.check_specs),
        declared_in=tuple(loc for loc, _ in found if loc != location),
    )


class AssetGraphView:
    """A graph with its layouts (expanded and by group), for one set of snapshots. The left-to-right
    layouts are computed with the view; the top-to-bottom ones the first time they are asked for,
    then kept with it."""

    def __init__(self, graph: GlobalAssetGraph, version: str) -> None:
        self.graph = graph
        self.version = version
        self.group_graph, self.layout = _layouts(graph, vertical=False)
        self._lock = threading.Lock()
        self._vertical: tuple[graph_layout.GroupGraph, graph_layout.Layout] | None = None
        self._vertical_json: dict[str, Any] | None = None

    def layouts(self, vertical: bool) -> tuple[graph_layout.GroupGraph, graph_layout.Layout]:
        """The collapsed and the expanded layout, left to right or top to bottom (computed once)."""
        if not vertical:
            return self.group_graph, self.layout
        with self._lock:
            if self._vertical is None:
                self._vertical = _layouts(self.graph, vertical=True)
            return self._vertical

    @cached_property
    def json(self) -> dict[str, Any]:
        """The whole graph as plain lists and dicts (computed once; treat it as read-only)."""
        return graph_json(self)

    def json_of(self, vertical: bool) -> dict[str, Any]:
        """`json`, or the same laid out top to bottom (computed once; read-only)."""
        if not vertical:
            return self.json
        found = self._vertical_json
        if found is None:
            found = self._vertical_json = graph_json(self, vertical=True)
        return found


def _layouts(graph: GlobalAssetGraph, *, vertical: bool) -> tuple[graph_layout.GroupGraph, graph_layout.Layout]:
    collapsed = graph_layout.group_graph(graph.upstream, graph.group_of, len(graph.groups), vertical=vertical)
    layout = graph_layout.layered_layout(
        graph.upstream,
        graph.downstream,
        groups=graph.group_of,
        group_order=graph_layout.collapsed_order(collapsed),
        vertical=vertical,
    )
    return collapsed, layout


def graph_json(view: AssetGraphView, only: Collection[int] | None = None, *, vertical: bool = False) -> dict[str, Any]:
    """The graph and its layout as JSON-ready values. Node ids are the graph's numbers, and edges
    `[from, to]` pairs of them. With `only` (a selection), the subgraph those nodes induce, laid out
    afresh (the "isolate" view); ids stay the whole graph's, so status maps and masks still apply.
    `vertical`: laid out top to bottom (`"direction": "tb"`), else left to right (`"lr"`)."""
    graph = view.graph
    if only is None:
        ids: Sequence[int] = list(range(len(graph)))
        collapsed, layout = view.layouts(vertical)
        groups = list(range(len(graph.groups)))
    else:
        ids = sorted(only)
        layout, groups, collapsed = _sub_layout(graph, ids, vertical)
    frames = layout.frames
    if vertical:
        box, gbox = graph_layout.VERTICAL_NODE_BOX, graph_layout.VERTICAL_GROUP_BOX
    else:
        box, gbox = graph_layout.NODE_BOX, graph_layout.GROUP_BOX
    local = {v: i for i, v in enumerate(ids)}
    nodes = []
    for i, v in enumerate(ids):
        info = graph.nodes[v]
        nodes.append(
            {
                "id": v,
                "key": info.key,
                "location": info.location,
                "group": info.group,
                "group_id": graph.group_of[v],
                "kinds": list(info.kinds),
                "tags": dict(info.tags),
                "owners": list(info.owners),
                "executable": info.executable,
                "partitioned": info.partitioned,
                "checks": list(info.checks),
                "x": layout.x[i],
                "y": layout.y[i],
            }
        )
    edges = [[u, v] for v in ids for u in graph.upstream[v] if u in local]
    group_ids = list(groups)
    return {
        "version": view.version,
        "direction": "tb" if vertical else "lr",
        "width": layout.width,
        "height": layout.height,
        "node_width": box.width,
        "node_height": box.height,
        "nodes": nodes,
        "edges": edges,
        "groups": [
            {
                "id": g,
                "name": graph.groups[g][1],
                "location": graph.groups[g][0],
                "x": frames[i].x,
                "y": frames[i].y,
                "w": frames[i].w,
                "h": frames[i].h,
                "count": frames[i].count,
            }
            for i, g in enumerate(group_ids)
        ],
        "collapsed": {
            "width": collapsed.layout.width,
            "height": collapsed.layout.height,
            "node_width": gbox.width,
            "node_height": gbox.height,
            "positions": [[x, y] for x, y in zip(collapsed.layout.x, collapsed.layout.y, strict=True)],
            "edges": [[group_ids[a], group_ids[b], count] for a, b, count in collapsed.edges],
        },
    }


def _sub_layout(
    graph: GlobalAssetGraph, ids: Sequence[int], vertical: bool = False
) -> tuple[graph_layout.Layout, list[int], graph_layout.GroupGraph]:
    """The layouts of the subgraph the nodes `ids` induce; groups renumbered to those present."""
    local = {v: i for i, v in enumerate(ids)}
    up = [[local[u] for u in graph.upstream[v] if u in local] for v in ids]
    down = [[local[w] for w in graph.downstream[v] if w in local] for v in ids]
    present = sorted({graph.group_of[v] for v in ids})
    renumber = {g: i for i, g in enumerate(present)}
    groups = [renumber[graph.group_of[v]] for v in ids]
    collapsed = graph_layout.group_graph(up, groups, len(present), vertical=vertical)
    order = graph_layout.collapsed_order(collapsed)
    layout = graph_layout.layered_layout(up, down, groups=groups, group_order=order, vertical=vertical)
    return layout, present, collapsed


def loaded_snapshots(workspace: WorkspaceManager) -> list[LoadedSnapshot]:
    """Each location's current snapshot with its id. The snapshot is looked up by id in the
    content-addressed cache, so the pair always matches even while a refresh replaces them."""
    found = []
    for handle in workspace.handles():
        snapshot_id = handle.state.snapshot_id
        if not snapshot_id:
            continue
        snapshot = workspace.snapshots.get(snapshot_id) or handle.state.snapshot
        if snapshot is not None:
            found.append(LoadedSnapshot(handle.name, snapshot_id, snapshot))
    return found


def version_of(loaded: Iterable[LoadedSnapshot]) -> str:
    """A short name for a set of snapshots (and the layout algorithm): an ETag that never goes stale."""
    text = "\n".join([LAYOUT_VERSION, *sorted(f"{s.location}\t{s.snapshot_id}" for s in loaded)])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


class _Entry:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.view: AssetGraphView | None = None
        self.error: BaseException | None = None


class AssetGraphCache:
    """The last few graph views by snapshot set. A view is computed at most once: concurrent
    requests for the same snapshot set wait for the one computing it."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[tuple[str, str], ...], _Entry] = OrderedDict()
        self.builds = 0  # how many views were computed (tests and logs read it)

    def get(self, workspace: WorkspaceManager) -> AssetGraphView:
        """The view of the workspace's loaded snapshots (locations without one are left out)."""
        return self.of(loaded_snapshots(workspace))

    def of(self, loaded: Sequence[LoadedSnapshot]) -> AssetGraphView:
        key = tuple(sorted((s.location, s.snapshot_id) for s in loaded))
        with self._lock:
            entry = self._entries.get(key)
            owner = entry is None
            if entry is None:
                entry = self._entries[key] = _Entry()
                self.builds += 1
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
        if owner:
            try:
                entry.view = AssetGraphView(build_graph(loaded), version_of(loaded))
            except BaseException as exc:
                entry.error = exc
                with self._lock:
                    if self._entries.get(key) is entry:
                        del self._entries[key]  # the next request tries again
                raise
            finally:
                entry.done.set()
        entry.done.wait()
        if entry.view is None:
            raise entry.error or RuntimeError("asset graph computation failed")
        return entry.view
