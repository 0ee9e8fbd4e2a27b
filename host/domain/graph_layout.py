"""A layered layout of a directed graph, left to right or top to bottom, in time linear in its edges.

Dagre and ELK (what Dagster and Airflow use) rank and order with super-linear algorithms and split
long edges into chains of dummy nodes; at thousands of assets and a depth of hundreds they take
seconds to minutes (/work/shared/UI.md (e)). This layout trades some beauty for a bound:
- columns by longest path from the roots (a root sits just left of its first consumer);
- a fixed number of barycentre sweeps orders each column;
- each group gets a band: a frame over its columns that no other group's frame overlaps, packed
  like a skyline (groups over disjoint columns share a height), in the collapsed layout's order;
- y by isotonic regression towards the neighbours' mean, which keeps the order, the gaps and the band;
- long edges stay single edges (the browser draws them as curves);
- a group's part of a column taller than `max_rows` wraps into several columns side by side.
Cycles are tolerated: their back edges are ignored for ranking, and every loop is bounded.
Top to bottom (`vertical=True`) is the same layout with the axes swapped: columns become rows, and a
group's title strip stays at the top of its frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Adjacency = Sequence[Sequence[int]]


@dataclass(frozen=True)
class Box:
    """The size of every node's box and the space around it, in pixels."""

    width: int = 220
    height: int = 52
    h_gap: int = 96  # between layers (columns, or rows top to bottom): room for edges to curve
    v_gap: int = 16  # between nodes of one layer
    group_gap: int = 32  # between two groups' frames stacked in one layer
    max_rows: int = 50  # a group's part of a layer with more nodes than this wraps
    padding: int = 12  # a group's frame around its nodes
    title: int = 24  # above the nodes, inside the frame


NODE_BOX = Box()
GROUP_BOX = Box(width=260, height=72, h_gap=120, v_gap=24, max_rows=40)
# Top to bottom: rows of wide boxes; a row gap above 2 * padding + title keeps frames of groups over
# consecutive rows apart, and fewer boxes per row keeps a wide layer readable.
VERTICAL_NODE_BOX = Box(h_gap=72, v_gap=24, max_rows=24)
VERTICAL_GROUP_BOX = Box(width=260, height=72, h_gap=96, v_gap=32, max_rows=12)


@dataclass(frozen=True)
class Frame:
    """A group's rectangle; no two groups' frames overlap."""

    x: int
    y: int
    w: int
    h: int
    count: int


@dataclass(frozen=True)
class Layout:
    """Top-left corner of each node's box (by node number), each group's frame (by group number;
    none without groups), and the size of the whole drawing, everything at or right of/below 0."""

    x: list[int]
    y: list[int]
    width: int
    height: int
    rank: list[int]  # the layer (before wrapping) of each node
    frames: list[Frame]
    vertical: bool = False  # layers are rows, top to bottom


@dataclass(frozen=True)
class GroupGraph:
    """Groups as nodes (the collapsed view): edges with how many asset edges each stands for."""

    edges: list[tuple[int, int, int]]
    layout: Layout


def layered_layout(
    upstream: Adjacency,
    downstream: Adjacency,
    *,
    groups: Sequence[int] | None = None,
    group_order: Sequence[int] | None = None,
    box: Box | None = None,
    sweeps: int = 4,
    vertical: bool = False,
) -> Layout:
    """Positions for nodes 0..n-1 whose edges are given both ways (upstream[v] and downstream[v]).
    `groups[v]` numbers v's group (0..g-1); `group_order` lists the groups first to last across the
    layers (by default the order of the collapsed layout). `vertical`: layers are rows, top to bottom
    (the default box is then VERTICAL_NODE_BOX)."""
    if box is None:
        box = VERTICAL_NODE_BOX if vertical else NODE_BOX
    n = len(upstream)
    if n == 0:
        return Layout([], [], 0, 0, [], [], vertical)
    group = list(groups) if groups is not None else [0] * n
    group_count = max(group) + 1
    if group_order is None:
        collapsed = group_graph(upstream, group, group_count, vertical=vertical) if groups is not None else None
        group_order = collapsed_order(collapsed) if collapsed is not None else [0]
    listed = set(group_order)
    group_order = [*group_order, *(g for g in range(group_count) if g not in listed)]
    place = [0] * group_count
    for i, g in enumerate(group_order):
        place[g] = i
    rank = _ranks(upstream, downstream, group)
    layers: list[list[int]] = [[] for _ in range(max(rank) + 1)]
    for v in sorted(range(n), key=lambda v: (place[group[v]], v)):
        layers[rank[v]].append(v)
    _order(layers, upstream, downstream, [place[g] for g in group], sweeps)
    columns = _columns(layers, group, box.max_rows)
    framed = groups is not None
    pad, title = (box.padding, box.title) if framed else (0, 0)
    axes = _Axes.of(box, pad, title, vertical)
    bands = _bands(columns, group, group_order, group_count, axes, box.group_gap)
    across = _place(columns, upstream, downstream, group, bands, axes)
    along = [0] * n
    for c, cells in enumerate(columns):
        for cell in cells:
            for v in cell:
                along[v] = axes.lead_along + c * axes.layer_step
    frames = _frames(bands, axes) if framed else []
    length = axes.lead_along + pad + len(columns) * axes.layer_step - (axes.layer_step - axes.along)
    breadth = round(max(b.top + b.height for b in bands if b.count))
    rounded = [round(v) for v in across]
    if vertical:
        return Layout(x=rounded, y=along, width=breadth, height=length, rank=rank, frames=frames, vertical=True)
    return Layout(x=along, y=rounded, width=length, height=breadth, rank=rank, frames=frames)


def group_graph(
    upstream: Adjacency, groups: Sequence[int], group_count: int, box: Box | None = None, *, vertical: bool = False
) -> GroupGraph:
    """The collapsed view: one node per group, one edge per pair of groups that asset edges join."""
    if box is None:
        box = VERTICAL_GROUP_BOX if vertical else GROUP_BOX
    counts: dict[tuple[int, int], int] = {}
    for v, ups in enumerate(upstream):
        gv = groups[v]
        for u in ups:
            gu = groups[u]
            if gu != gv:
                counts[gu, gv] = counts.get((gu, gv), 0) + 1
    up: list[list[int]] = [[] for _ in range(group_count)]
    down: list[list[int]] = [[] for _ in range(group_count)]
    for gu, gv in counts:
        up[gv].append(gu)
        down[gu].append(gv)
    edges = [(gu, gv, c) for (gu, gv), c in sorted(counts.items())]
    return GroupGraph(edges=edges, layout=layered_layout(up, down, box=box, vertical=vertical))


def collapsed_order(collapsed: GroupGraph) -> list[int]:
    """Groups across the layers (top to bottom, or left to right when the layers are rows) as the
    collapsed layout has them: the expanded layout stacks them so."""
    layout = collapsed.layout
    if layout.vertical:
        return sorted(range(len(layout.x)), key=lambda g: (layout.x[g], layout.y[g], g))
    return sorted(range(len(layout.x)), key=lambda g: (layout.y[g], layout.x[g], g))


def _ranks(upstream: Adjacency, downstream: Adjacency, group: list[int]) -> list[int]:
    """Longest path from the roots (Kahn's order). A cycle is broken where it is met: its first node
    by number is taken as if ready. Then each root moves next to its nearest consumer, and a node
    with no edges at all into its group's first column."""
    n = len(upstream)
    waiting = [len(ups) for ups in upstream]
    rank = [0] * n
    done = [False] * n
    queue = [v for v in range(n) if not waiting[v]]
    head = scan = 0
    while head < n:
        if head == len(queue):  # only cycles are left
            while done[scan]:
                scan += 1
            queue.append(scan)
        v = queue[head]
        head += 1
        done[v] = True
        next_rank = rank[v] + 1
        for w in downstream[v]:
            if done[w]:
                continue  # a back edge
            if rank[w] < next_rank:
                rank[w] = next_rank
            waiting[w] -= 1
            if waiting[w] == 0:
                queue.append(w)
    first: dict[int, int] = {}
    for v in range(n):
        if not upstream[v] and downstream[v]:
            rank[v] = max(0, min(rank[w] for w in downstream[v]) - 1)
        if upstream[v] or downstream[v]:
            first[group[v]] = min(first.get(group[v], rank[v]), rank[v])
    for v in range(n):
        if not upstream[v] and not downstream[v]:
            rank[v] = first.get(group[v], 0)
    return rank


def _order(layers: list[list[int]], upstream: Adjacency, downstream: Adjacency, band: list[int], sweeps: int) -> None:
    """Barycentre sweeps, alternately left to right (by upstream) and back (by downstream), within
    each band (a group's part of the column)."""
    pos = [0.0] * len(upstream)
    for layer in layers:
        _positions(layer, pos)
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        neighbours = upstream if forward else downstream
        for layer in layers if forward else reversed(layers):
            bary: dict[int, float] = {}
            for v in layer:
                near = neighbours[v]
                bary[v] = sum(map(pos.__getitem__, near)) / len(near) if near else pos[v]
            layer.sort(key=lambda v: (band[v], bary[v], v))
            _positions(layer, pos)


def _positions(layer: list[int], pos: list[float]) -> None:
    """Centred rank within the column, so columns of different heights line up on their middles."""
    middle = (len(layer) - 1) / 2
    for i, v in enumerate(layer):
        pos[v] = i - middle


def _columns(layers: list[list[int]], group: list[int], max_rows: int) -> list[list[list[int]]]:
    """The drawn columns, each a list of cells (one group's nodes in order): a layer's cells taller
    than `max_rows` continue in the next columns."""
    columns: list[list[list[int]]] = []
    for layer in layers:
        cells: list[list[int]] = []
        for v in layer:
            if cells and group[cells[-1][0]] == group[v]:
                cells[-1].append(v)
            else:
                cells.append([v])
        wraps = max((len(cell) + max_rows - 1) // max_rows for cell in cells)
        for k in range(wraps):
            columns.append([cell[k * max_rows : (k + 1) * max_rows] for cell in cells if len(cell) > k * max_rows])
    return columns


@dataclass(frozen=True)
class _Axes:
    """A box seen along the layers (`along`: a node's extent from one layer to the next) and across
    them (`across`: within a layer), with the frame chrome before and after the nodes on each axis.
    Left to right, along is x and a group's title is across (above its nodes); top to bottom, along
    is y and the title is along (still above)."""

    along: int
    across: int
    layer_step: int  # from one layer's start to the next
    node_step: int  # from one node's start to the next in a layer
    lead_along: int
    lead_across: int
    chrome_along: int
    chrome_across: int
    vertical: bool

    @staticmethod
    def of(box: Box, pad: int, title: int, vertical: bool) -> _Axes:
        if vertical:
            return _Axes(
                box.height,
                box.width,
                box.height + box.h_gap,
                box.width + box.v_gap,
                pad + title,
                pad,
                2 * pad + title,
                2 * pad,
                True,
            )
        return _Axes(
            box.width,
            box.height,
            box.width + box.h_gap,
            box.height + box.v_gap,
            pad,
            pad + title,
            2 * pad,
            2 * pad + title,
            False,
        )


@dataclass
class _Band:
    """A group's rectangle: its columns, its rows (its tallest cell), and where it is stacked."""

    first: int = 2**62
    last: int = -1
    rows: int = 0
    count: int = 0
    top: float = 0.0
    height: float = 0.0


def _bands(
    columns: list[list[list[int]]], group: list[int], order: Sequence[int], group_count: int, axes: _Axes, gap: int
) -> list[_Band]:
    """Each group's band, stacked like a skyline: taking the groups in `order`, a band goes at the
    lowest height free over all its columns, so groups over disjoint columns share a height."""
    bands = [_Band() for _ in range(group_count)]
    for c, cells in enumerate(columns):
        for cell in cells:
            band = bands[group[cell[0]]]
            band.first, band.last = min(band.first, c), c
            band.rows = max(band.rows, len(cell))
            band.count += len(cell)
    skyline = [0.0] * len(columns)
    for g in order:
        band = bands[g]
        if not band.count:
            continue
        band.height = axes.chrome_across + (band.rows - 1) * axes.node_step + axes.across
        band.top = max(skyline[band.first : band.last + 1])
        below = band.top + band.height + gap
        skyline[band.first : band.last + 1] = [below] * (band.last + 1 - band.first)
    return bands


def _place(
    columns: list[list[list[int]]],
    upstream: Adjacency,
    downstream: Adjacency,
    group: list[int],
    bands: list[_Band],
    axes: _Axes,
) -> list[float]:
    """The position across the layers (y left to right) of each node, within its band: towards its
    upstream's mean, first layer to last; then towards all its neighbours' mean, last to first. Each
    cell keeps its order and spacing."""
    n = len(upstream)
    y = [0.0] * n
    placed = [False] * n
    step = axes.node_step
    inset = axes.lead_across
    for cells in columns:
        for cell in cells:
            band = bands[group[cell[0]]]
            low = band.top + inset
            desired: list[float | None] = []
            for v in cell:
                near = [y[u] for u in upstream[v] if placed[u]]
                desired.append(sum(near) / len(near) if near else None)
            start = low + (band.rows - len(cell)) * step / 2  # a cell with nothing placed upstream is centred
            wanted = _fill_gaps(desired, step, start)
            for v, value in zip(cell, _pack(wanted, step, low, low + (band.rows - 1) * step), strict=True):
                y[v], placed[v] = value, True
    for cells in reversed(columns):
        for cell in cells:
            band = bands[group[cell[0]]]
            low = band.top + inset
            wanted = []
            for v in cell:
                near = [*map(y.__getitem__, upstream[v]), *map(y.__getitem__, downstream[v])]
                wanted.append(sum(near) / len(near) if near else y[v])
            for v, value in zip(cell, _pack(wanted, step, low, low + (band.rows - 1) * step), strict=True):
                y[v] = value
    return y


def _fill_gaps(desired: list[float | None], step: float, start: float) -> list[float]:
    """Nodes with no placed upstream go just below the node before them (or above the first one
    that has a place; from `start` when none has)."""
    known = next((i for i, d in enumerate(desired) if d is not None), None)
    if known is None:
        return [start + i * step for i in range(len(desired))]
    out = [0.0] * len(desired)
    anchor = desired[known]
    assert anchor is not None
    for i in range(known, -1, -1):
        out[i] = anchor - (known - i) * step
    for i in range(known + 1, len(desired)):
        value = desired[i]
        out[i] = out[i - 1] + step if value is None else value
    return out


def _frames(bands: list[_Band], axes: _Axes) -> list[Frame]:
    frames = []
    for band in bands:
        if not band.count:
            frames.append(Frame(0, 0, 0, 0, 0))
            continue
        start = band.first * axes.layer_step
        length = (band.last - band.first) * axes.layer_step + axes.along + axes.chrome_along
        if axes.vertical:  # along is y
            frames.append(Frame(round(band.top), start, round(band.height), length, band.count))
        else:
            frames.append(Frame(start, round(band.top), length, round(band.height), band.count))
    return frames


def _pack(desired: Sequence[float], step: float, low: float, high: float) -> list[float]:
    """The positions closest (least squares) to `desired` that keep `step` between neighbours and lie
    in [low, high]: pool-adjacent-violators on the positions minus i * step, then clipped (which is
    still optimal for bounds that are the same for all), in linear time."""
    sums: list[float] = []
    counts: list[int] = []
    for i, d in enumerate(desired):
        s, c = d - i * step, 1
        while sums and sums[-1] * c > s * counts[-1]:  # the block before has a greater mean: merge
            s += sums.pop()
            c += counts.pop()
        sums.append(s)
        counts.append(c)
    top = high - (len(desired) - 1) * step
    out: list[float] = []
    for s, c in zip(sums, counts, strict=True):
        out.extend([min(max(s / c, low), top)] * c)
    return [z + i * step for i, z in enumerate(out)]
