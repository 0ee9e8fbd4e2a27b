// The asset graph as the page computes on it: the host's JSON (nodes with positions, edges as id
// pairs, groups with frames, the collapsed group layout) turned into flat arrays, and a "scene": what
// is drawn for a given set of expanded groups — assets of expanded groups, one box per collapsed
// group, and the edges between those, aggregated with counts. No layout happens here: positions come
// from the host (host/domain/graph_layout.py), so expanding a group never moves anything. The host
// lays out left to right (`direction: "lr"`) or top to bottom (`"tb"`); a scene says which (`vertical`).

// Status codes of /api/assets/graph/status (host/domain/graph_status.py).
export const STATUS = ["missing", "materialized", "stale", "failed", "in_progress"];
export const STATUS_TEXT = ["missing", "materialized", "stale", "failed", "in progress"];
export const STATUS_COLOR = ["#8a94a6", "#1a7f37", "#b26a00", "#c62828", "#1565c0"];

export const NODE = 0;
export const GROUP = 1;

// Flat arrays over the graph JSON. `ids[i]` is node i's id in the whole graph (status arrays and
// selections are indexed by those ids); in an isolated subgraph they differ from i.
export function graphModel(json) {
  const nodes = json.nodes;
  const n = nodes.length;
  const groups = json.groups;
  const groupIndex = new Map(groups.map((g, i) => [g.id, i]));
  const ids = new Int32Array(n);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const group = new Int32Array(n);
  const byKey = new Map();
  const local = new Map();
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    ids[i] = node.id;
    x[i] = node.x;
    y[i] = node.y;
    group[i] = groupIndex.get(node.group_id) ?? 0;
    byKey.set(node.key, i);
    local.set(node.id, i);
  }
  const m = json.edges.length;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const upCount = new Int32Array(n);
  const downCount = new Int32Array(n);
  const whole = n === 0 || ids[n - 1] === n - 1; // ids are 0..n-1: no lookup needed
  for (let e = 0; e < m; e++) {
    const pair = json.edges[e];
    const u = whole ? pair[0] : local.get(pair[0]);
    const v = whole ? pair[1] : local.get(pair[1]);
    from[e] = u;
    to[e] = v;
    downCount[u]++;
    upCount[v]++;
  }
  const collapsedEdges = json.collapsed.edges.map(([a, b, count]) => [groupIndex.get(a), groupIndex.get(b), count]);
  return {
    version: json.version,
    direction: json.direction === "tb" ? "tb" : "lr",
    n,
    nodes,
    ids,
    x,
    y,
    group,
    byKey,
    local,
    from,
    to,
    upCount,
    downCount,
    groups,
    nodeWidth: json.node_width,
    nodeHeight: json.node_height,
    width: json.width,
    height: json.height,
    collapsed: { ...json.collapsed, edges: collapsedEdges },
  };
}

// "location:group", how the URL names a group (?expand=sales:sales,forecast:forecast).
export function groupName(group) {
  return `${group.location}:${group.name}`;
}

// What to draw when the groups flagged in `expanded` (one byte per group) are open. With none open,
// the compact group-level layout; else the full layout, where a closed group is a box over its frame.
export function buildScene(model, expanded) {
  const G = model.groups.length;
  const anyOpen = expanded.some((v) => v);
  if (!anyOpen && G > 0) return compactScene(model);
  const allOpen = expanded.every((v) => v);
  const kind = [];
  const ref = [];
  const rx = [];
  const ry = [];
  const rw = [];
  const rh = [];
  const add = (k, r, x, y, w, h) => {
    kind.push(k);
    ref.push(r);
    rx.push(x);
    ry.push(y);
    rw.push(w);
    rh.push(h);
    return kind.length - 1;
  };
  const groupItem = new Int32Array(G).fill(-1);
  for (let g = 0; g < G; g++) {
    const f = model.groups[g];
    if (!expanded[g]) groupItem[g] = add(GROUP, g, f.x, f.y, f.w, f.h);
  }
  const itemOfNode = new Int32Array(model.n);
  for (let i = 0; i < model.n; i++) {
    const g = model.group[i];
    itemOfNode[i] = expanded[g] ? add(NODE, i, model.x[i], model.y[i], model.nodeWidth, model.nodeHeight) : groupItem[g];
  }
  const frames = [];
  for (let g = 0; g < G; g++) if (expanded[g]) frames.push(g);
  const edges = allOpen ? directEdges(model, itemOfNode) : aggregateEdges(model, itemOfNode);
  const vertical = model.direction === "tb";
  return finish({ kind, ref, rx, ry, rw, rh, edges, frames, itemOfNode, compact: false, vertical, width: model.width, height: model.height });
}

function compactScene(model) {
  const c = model.collapsed;
  const G = model.groups.length;
  const kind = new Array(G).fill(GROUP);
  const ref = [...Array(G).keys()];
  const rx = c.positions.map((p) => p[0]);
  const ry = c.positions.map((p) => p[1]);
  const rw = new Array(G).fill(c.node_width);
  const rh = new Array(G).fill(c.node_height);
  const m = c.edges.length;
  const edges = { a: new Int32Array(m), b: new Int32Array(m), count: new Int32Array(m) };
  c.edges.forEach(([a, b, count], e) => {
    edges.a[e] = a;
    edges.b[e] = b;
    edges.count[e] = count;
  });
  const itemOfNode = Int32Array.from(model.group);
  const vertical = model.direction === "tb";
  return finish({ kind, ref, rx, ry, rw, rh, edges, frames: [], itemOfNode, compact: true, vertical, width: c.width, height: c.height });
}

function directEdges(model, itemOfNode) {
  const m = model.from.length;
  const edges = { a: new Int32Array(m), b: new Int32Array(m), count: new Int32Array(m).fill(1) };
  for (let e = 0; e < m; e++) {
    edges.a[e] = itemOfNode[model.from[e]];
    edges.b[e] = itemOfNode[model.to[e]];
  }
  return edges;
}

function aggregateEdges(model, itemOfNode) {
  const counts = new Map();
  const stride = itemOfNode.length + model.groups.length + 1;
  for (let e = 0; e < model.from.length; e++) {
    const a = itemOfNode[model.from[e]];
    const b = itemOfNode[model.to[e]];
    if (a === b) continue;
    const key = a * stride + b;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const m = counts.size;
  const edges = { a: new Int32Array(m), b: new Int32Array(m), count: new Int32Array(m) };
  let e = 0;
  for (const [key, count] of counts) {
    edges.a[e] = Math.floor(key / stride);
    edges.b[e] = key % stride;
    edges.count[e] = count;
    e++;
  }
  return edges;
}

function finish(scene) {
  const k = scene.kind.length;
  scene.size = k;
  scene.kind = Uint8Array.from(scene.kind);
  scene.ref = Int32Array.from(scene.ref);
  for (const name of ["rx", "ry", "rw", "rh"]) scene[name] = Float64Array.from(scene[name]);
  scene.grid = new SpatialGrid(scene);
  return scene;
}

// Which item lies under a point: items bucketed by the cells their boxes cover, so a hit test reads
// one cell instead of every item (and never one listener per element).
export class SpatialGrid {
  constructor(scene) {
    this.scene = scene;
    const span = Math.max(scene.width, scene.height, 1);
    this.cell = Math.max(256, Math.ceil(span / 1024));
    this.cols = Math.max(1, Math.ceil((scene.width + 1) / this.cell));
    this.rows = Math.max(1, Math.ceil((scene.height + 1) / this.cell));
    this.cells = new Map();
    for (let i = 0; i < scene.kind.length; i++) {
      const [c0, r0] = this.at(scene.rx[i], scene.ry[i]);
      const [c1, r1] = this.at(scene.rx[i] + scene.rw[i], scene.ry[i] + scene.rh[i]);
      for (let c = c0; c <= c1; c++) {
        for (let r = r0; r <= r1; r++) {
          const key = r * this.cols + c;
          let list = this.cells.get(key);
          if (!list) this.cells.set(key, (list = []));
          list.push(i);
        }
      }
    }
  }

  at(x, y) {
    const c = Math.min(this.cols - 1, Math.max(0, Math.floor(x / this.cell)));
    const r = Math.min(this.rows - 1, Math.max(0, Math.floor(y / this.cell)));
    return [c, r];
  }

  // The item containing (x, y), else the nearest within `slack` (world units), else -1.
  hit(x, y, slack = 0) {
    const s = this.scene;
    let best = -1;
    let bestDistance = Infinity;
    const [c0, r0] = this.at(x - slack, y - slack);
    const [c1, r1] = this.at(x + slack, y + slack);
    for (let c = c0; c <= c1; c++) {
      for (let r = r0; r <= r1; r++) {
        for (const i of this.cells.get(r * this.cols + c) || []) {
          const dx = Math.max(s.rx[i] - x, 0, x - s.rx[i] - s.rw[i]);
          const dy = Math.max(s.ry[i] - y, 0, y - s.ry[i] - s.rh[i]);
          const d = dx * dx + dy * dy;
          if (d < bestDistance || (d === bestDistance && s.kind[i] === NODE)) {
            best = i;
            bestDistance = d;
          }
        }
      }
    }
    return bestDistance <= slack * slack ? best : -1;
  }
}
