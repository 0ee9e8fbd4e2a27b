// `/assets/graph`: the global lineage across locations. The host lays the graph out once per set of
// snapshots (GET /api/assets/graph, a 304 on reload); statuses are an overlay fetched apart and again
// when the feed says runs or events moved; a selection (Dagster's syntax) is evaluated on the host and
// dims what it does not pick. Big graphs open with groups collapsed. Every bit of view state is in the
// query string: ?select=, ?isolate=1, ?expand=all|none|loc:group,..., ?asset=, ?pick=, ?at=x,y,zoom,
// ?dir=tb (laid out top to bottom; the host computes that layout too), ?hide_outside=1 (with a
// selection, no edges to or from assets it does not pick).

import { get, readOnly } from "../lib/api.js";
import { clear, errorBox, h } from "../lib/dom.js";
import { GROUP, NODE, STATUS, STATUS_COLOR, STATUS_TEXT, buildScene, graphModel, groupName } from "../lib/graph_model.js";
import { assetPanel, forgetDescriptions, launchPlan, materialize } from "../lib/graph_panel.js";
import { GraphView } from "../lib/graph_view.js";

const COLLAPSE_ABOVE = 1000; // more assets than this open with their groups collapsed (UI.md (e) 5)

export function render(root, ctx) {
  const page = new GraphPage(root, ctx);
  page.load().catch((error) => page.fail(error));
  return () => page.destroy();
}

class GraphPage {
  constructor(root, ctx) {
    this.ctx = ctx;
    const q = ctx.query;
    this.selectText = q.get("select") || "";
    this.isolate = q.get("isolate") === "1";
    this.direction = q.get("dir") === "tb" ? "tb" : "lr";
    this.hideOutside = q.get("hide_outside") === "1";
    this.whole = null; // the whole graph's model
    this.model = null; // what is drawn: the whole graph, or the isolated selection
    this.status = null;
    this.mask = null; // per whole-graph id: 1 when the selection picks it (null: no selection)
    this.matches = 0;
    this.picked = new Set(); // whole-graph ids picked by shift-click
    this.panelId = -1;
    this.cameraTimer = 0;
    this.selectTimer = 0;
    this.selectSeq = 0;
    this.build(root);
  }

  build(root) {
    this.count = h("span", { class: "graph-count muted" }, "Loading the graph…");
    this.input = h("input", {
      class: "graph-select",
      type: "search",
      value: this.selectText,
      placeholder: 'Selection: group:sales, +key:"revenue", kind:dbt and not tag:tier=gold …',
      "aria-label": "asset selection",
      spellcheck: "false",
      autocomplete: "off",
      list: "graph-select-suggestions",
      oninput: () => this.typed(),
      onkeydown: (e) => e.key === "Enter" && this.applySelection(this.input.value, true),
    });
    this.suggestions = h("datalist", { id: "graph-select-suggestions" });
    this.error = h("div", { class: "graph-select-error", role: "alert", hidden: true });
    this.isolateButton = h("button", { class: "graph-isolate", title: "lay out only the selected assets", onclick: () => this.toggleIsolate() }, "Isolate");
    this.hideOutsideButton = h(
      "button",
      { class: "graph-hide-outside", title: "hide the edges to and from assets outside the selection", onclick: () => this.toggleHideOutside() },
      "Hide outside edges",
    );
    this.directionButton = h(
      "button",
      { class: "graph-direction", title: "lay the graph out top to bottom (press again for left to right)", onclick: () => this.toggleDirection() },
      "Vertical",
    );
    this.materializeButton = h("button", { class: "primary graph-materialize-selected", onclick: () => this.confirmMaterialize() }, "Materialize selected");
    this.confirm = h("div", { class: "graph-confirm notice", hidden: true });
    this.area = h("div", { class: "graph-area" });
    this.main = h("div", { class: "graph-main" }, this.area);
    const legend = h(
      "div",
      { class: "graph-legend" },
      STATUS.map((s, code) => h("span", { class: "graph-legend-item" }, h("i", { style: { background: STATUS_COLOR[code] } }), STATUS_TEXT[code])),
    );
    root.append(
      h("div", { class: "row graph-title" }, h("h1", {}, "Asset lineage"), this.count, h("span", { class: "spacer" }), legend),
      h(
        "div",
        { class: "row graph-toolbar" },
        this.input,
        this.isolateButton,
        this.hideOutsideButton,
        h("button", { title: "open the groups holding the selection and show them", onclick: () => this.showMatches() }, "Show matches"),
        h("span", { class: "graph-sep" }),
        h("button", { onclick: () => this.setExpanded("all") }, "Expand all"),
        h("button", { onclick: () => this.setExpanded("none") }, "Collapse all"),
        h("span", { class: "graph-sep" }),
        h("button", { title: "zoom out (-)", "aria-label": "zoom out", onclick: () => this.view.zoomBy(0.8) }, "−"),
        h("button", { title: "zoom in (+)", "aria-label": "zoom in", onclick: () => this.view.zoomBy(1.25) }, "+"),
        h("button", { title: "fit the graph (0)", onclick: () => this.view.fit() }, "Fit"),
        this.directionButton,
        readOnly ? null : [h("span", { class: "graph-sep" }), this.materializeButton],
      ),
      this.suggestions,
      this.error,
      this.confirm,
      this.main,
    );
    this.view = new GraphView(this.area, {
      label: (i) => this.label(i),
      element: (i) => this.element(i),
      groups: () => this.model.groups,
      onClick: (i, event, frame) => this.clicked(i, event, frame),
      onCamera: (camera) => this.cameraMoved(camera),
    });
    this.onKey = (event) => {
      if (event.key === "Escape" && this.panelId >= 0 && !event.target.closest("input")) this.closePanel();
    };
    document.addEventListener("keydown", this.onKey);
  }

  destroy() {
    this.view.destroy();
    clearTimeout(this.cameraTimer);
    clearTimeout(this.selectTimer);
    document.removeEventListener("keydown", this.onKey);
  }

  fail(error) {
    console.warn(error);
    clear(this.area).append(errorBox(error));
  }

  async load() {
    // Statuses are an overlay: the graph is drawn as soon as it is here, coloured when they arrive.
    let arrived = null;
    const statusLoaded = this.fetchStatus().then((status) => (arrived = status));
    const graph = await get("/api/assets/graph", this.layoutParams());
    if (!this.ctx.isCurrent()) return;
    this.whole = graphModel(graph);
    this.status = arrived;
    this.suggest();
    const q = this.ctx.query;
    for (const key of (q.get("pick") || "").split(",")) {
      const i = this.whole.byKey.get(key);
      if (i !== undefined) this.picked.add(this.whole.ids[i]);
    }
    if (this.selectText) await this.runSelection(this.selectText);
    await this.chooseModel(q.get("expand"), cameraFromUrl(q.get("at")));
    const asset = q.get("asset");
    if (asset && this.whole.byKey.has(asset)) this.openPanel(this.whole.ids[this.whole.byKey.get(asset)], false);
    if (!arrived) {
      const status = await statusLoaded;
      if (!this.ctx.isCurrent()) return;
      this.status = status;
      this.restyle();
      if (this.panelId >= 0) this.openPanel(this.panelId, false);
    }
    this.ctx.onChange(["runs", "events"], () => this.refreshStatus());
    this.ctx.onChange(["locations"], () => this.refreshGraph());
  }

  async fetchStatus() {
    try {
      return await get("/api/assets/graph/status");
    } catch (error) {
      console.warn("asset statuses unavailable", error);
      return null;
    }
  }

  // Completions for the selection box: the filters that pick something in this graph.
  suggest() {
    const found = new Set();
    for (const g of this.whole.groups) {
      if (g.name) found.add(`group:${g.name}`);
      if (g.location) found.add(`code_location:${g.location}`);
    }
    for (const node of this.whole.nodes) {
      if (found.size >= 300) break;
      for (const kind of node.kinds) found.add(`kind:${kind}`);
      for (const owner of node.owners) found.add(`owner:${owner}`);
      for (const tag of Object.keys(node.tags)) found.add(`tag:${tag}`);
    }
    for (const status of STATUS) found.add(`status:${status}`);
    clear(this.suggestions).append(...[...found].sort().map((value) => h("option", { value })));
  }

  // The model to draw (whole or isolated) and its groups' open state, then the drawing.
  async chooseModel(expand, camera) {
    let model = this.whole;
    if (this.isolate && this.selectText && this.mask) {
      model = graphModel(await get("/api/assets/graph", { ...this.layoutParams(), select: this.selectText }));
      if (!this.ctx.isCurrent()) return;
    }
    this.model = model;
    this.expanded = this.expandedFrom(expand);
    this.draw(camera);
  }

  expandedFrom(expand) {
    const groups = this.model.groups;
    const value = expand || (this.model.n > COLLAPSE_ABOVE ? "none" : "all");
    if (value === "all") return groups.map(() => 1);
    if (value === "none") return groups.map(() => 0);
    const names = new Set(value.split(","));
    return groups.map((g) => (names.has(groupName(g)) ? 1 : 0));
  }

  expandParam() {
    if (this.expanded.every((v) => v)) return "all";
    if (!this.expanded.some((v) => v)) return "none";
    return this.model.groups.filter((_, g) => this.expanded[g]).map(groupName).join(",");
  }

  draw(camera) {
    clearTimeout(this.cameraTimer);
    this.scene = buildScene(this.model, this.expanded);
    this.restyle(false);
    this.view.setScene(this.scene, camera || this.selectionBox());
    this.updateCount();
  }

  // The box around what the selection picks in the scene, to open on (null without a selection).
  selectionBox() {
    const { scene, style } = this;
    if (!this.mask || !this.matches || this.model !== this.whole) return null;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < scene.size; i++) {
      if (style.dim[i]) continue;
      x0 = Math.min(x0, scene.rx[i]);
      y0 = Math.min(y0, scene.ry[i]);
      x1 = Math.max(x1, scene.rx[i] + scene.rw[i]);
      y1 = Math.max(y1, scene.ry[i] + scene.rh[i]);
    }
    return x0 < x1 ? { box: [x0, y0, x1 - x0, y1 - y0] } : null;
  }

  // Status, selection and picks laid over the current scene (no layout, no new scene).
  restyle(redraw = true) {
    const { scene, model } = this;
    const size = scene.size;
    const codes = this.status && this.status.version === this.whole.version ? this.status.status : null;
    const style = {
      status: new Int8Array(size),
      dim: new Uint8Array(size),
      picked: new Uint8Array(size),
      counts: new Array(size),
      selected: new Int32Array(size),
      focus: -1,
      hideOutside: this.hideOutside && Boolean(this.mask),
    };
    for (let i = 0; i < size; i++) if (scene.kind[i] === GROUP) style.counts[i] = [0, 0, 0, 0, 0];
    for (let v = 0; v < model.n; v++) {
      const id = model.ids[v];
      const item = scene.itemOfNode[v];
      const code = codes ? codes[id] : 0;
      const chosen = !this.mask || this.mask[id];
      if (scene.kind[item] === GROUP) {
        style.counts[item][code]++;
        if (chosen) style.selected[item]++;
      } else {
        style.status[item] = code;
        style.dim[item] = chosen ? 0 : 1;
        style.picked[item] = this.picked.has(id) ? 1 : 0;
        if (id === this.panelId) style.focus = item;
      }
    }
    for (let i = 0; i < size; i++) if (scene.kind[i] === GROUP) style.dim[i] = style.selected[i] ? 0 : 1;
    this.style = style;
    if (redraw) this.view.setStyle(style);
    else this.view.style = style;
    this.updateMaterializeButton();
  }

  label(i) {
    const { scene, model } = this;
    if (scene.kind[i] === NODE) return model.nodes[scene.ref[i]].key;
    const g = model.groups[scene.ref[i]];
    return `${g.name || "(no group)"} · ${g.count} asset${g.count === 1 ? "" : "s"}`;
  }

  element(i) {
    const { scene, model, style } = this;
    if (scene.kind[i] === NODE) {
      const node = model.nodes[scene.ref[i]];
      const code = style.status[i];
      const cls = ["gnode", `s-${STATUS[code]}`, style.dim[i] ? "dim" : "", style.picked[i] ? "picked" : "", style.focus === i ? "focus" : ""];
      return h(
        "div",
        { class: cls.join(" "), dataset: { key: node.key }, title: `${node.key} (${STATUS_TEXT[code]})` },
        h("div", { class: "gnode-key" }, h("i", { class: "gnode-dot" }), h("span", {}, node.key)),
        h("div", { class: "gnode-sub" }, [node.group || "no group", node.location || "not defined"].join(" · ")),
      );
    }
    const g = model.groups[scene.ref[i]];
    const counts = style.counts[i];
    const selected = this.mask && style.selected[i] ? h("span", { class: "ggroup-selected" }, `${style.selected[i]} selected`) : null;
    return h(
      "div",
      { class: `ggroup${style.dim[i] ? " dim" : ""}`, dataset: { group: groupName(g) }, title: "click to expand" },
      h("div", { class: "ggroup-name" }, `▸ ${g.name || "(no group)"}`),
      h("div", { class: "ggroup-sub" }, `${g.location || "not defined"} · ${g.count} asset${g.count === 1 ? "" : "s"}`, selected ? " · " : "", selected),
      h(
        "div",
        { class: "ggroup-counts" },
        counts.map((n, code) => (n ? h("span", { class: `ggroup-count s-${STATUS[code]}` }, `${n} ${STATUS_TEXT[code]}`) : null)),
      ),
    );
  }

  updateCount() {
    const total = this.whole.n;
    const groups = this.whole.groups.length;
    let text = `${total} asset${total === 1 ? "" : "s"} in ${groups} group${groups === 1 ? "" : "s"}`;
    if (this.mask) text = `${this.matches} of ${total} assets match`;
    if (this.model !== this.whole) text += " (isolated)";
    if (this.picked.size) text += ` · ${this.picked.size} picked`;
    this.count.textContent = text;
    this.isolateButton.disabled = !this.mask;
    this.isolateButton.setAttribute("aria-pressed", String(this.model !== this.whole));
    this.hideOutsideButton.hidden = !this.mask;
    this.hideOutsideButton.setAttribute("aria-pressed", String(this.hideOutside));
    this.directionButton.setAttribute("aria-pressed", String(this.direction === "tb"));
  }

  clicked(i, event, frame) {
    const { scene, model } = this;
    if (i < 0) {
      if (frame >= 0) this.toggleGroup(frame, 0);
      return;
    }
    if (scene.kind[i] === GROUP) {
      this.toggleGroup(scene.ref[i], 1);
      return;
    }
    const id = model.ids[scene.ref[i]];
    if (event.shiftKey || event.metaKey || event.ctrlKey) {
      if (this.picked.has(id)) this.picked.delete(id);
      else this.picked.add(id);
      this.ctx.setQuery({ pick: this.pickParam() });
      this.restyle();
      this.updateCount();
      return;
    }
    this.openPanel(id, true);
  }

  pickParam() {
    return [...this.picked].map((id) => this.whole.nodes[this.whole.local.get(id)].key).join(",");
  }

  toggleGroup(g, open) {
    const wasCompact = this.scene.compact;
    this.expanded[g] = open;
    this.ctx.setQuery({ expand: this.expandParam(), at: null });
    const f = this.model.groups[g];
    this.scene = buildScene(this.model, this.expanded);
    this.restyle(false);
    // Opening a group from the compact view moves to the full layout: show the group opened.
    const camera = open && wasCompact ? this.view.cameraFor(f.x, f.y, f.w, f.h, 0.9) : { ...this.view.camera };
    this.view.setScene(this.scene, open && !wasCompact ? null : camera);
    if (open && !wasCompact) this.view.show(f.x, f.y, f.w, f.h, Math.max(this.view.camera.scale, 0.6));
  }

  setExpanded(value) {
    this.expanded = this.expandedFrom(value);
    this.ctx.setQuery({ expand: value, at: null });
    this.draw();
  }

  openPanel(id, push) {
    this.panelId = id;
    const i = this.whole.local.get(id);
    if (push) this.ctx.setQuery({ asset: this.whole.nodes[i].key });
    this.main.querySelector(".graph-panel")?.remove();
    this.main.append(
      assetPanel(this.whole, i, this.status, { onClose: () => this.closePanel(), onSelect: (text) => this.setSelection(text) }),
    );
    this.restyle();
  }

  closePanel() {
    this.panelId = -1;
    this.ctx.setQuery({ asset: null });
    this.main.querySelector(".graph-panel")?.remove();
    this.restyle();
  }

  typed() {
    clearTimeout(this.selectTimer);
    this.selectTimer = setTimeout(() => this.applySelection(this.input.value, false), 300);
  }

  setSelection(text) {
    this.input.value = text;
    this.applySelection(text, true);
  }

  async applySelection(text, now) {
    clearTimeout(this.selectTimer);
    text = text.trim();
    if (text === this.selectText && !now) return;
    this.selectText = text;
    this.ctx.setQuery({ select: text || null });
    const ok = await this.runSelection(text);
    if (!ok || !this.ctx.isCurrent()) return;
    if (this.isolate && this.model !== this.whole) await this.chooseModel(this.expandParam());
    else if (this.isolate && text) await this.chooseModel(null);
    else {
      this.restyle();
      this.updateCount();
    }
  }

  // Ask the host which nodes `text` picks; false when the answer is stale or an error.
  async runSelection(text) {
    const seq = ++this.selectSeq;
    if (!text) {
      this.mask = null;
      this.showError("");
      return true;
    }
    try {
      const answer = await get("/api/assets/graph/select", { q: text });
      if (seq !== this.selectSeq) return false;
      if (answer.version !== this.whole.version) await this.refreshGraph();
      this.mask = new Uint8Array(this.whole.n);
      for (const id of answer.ids) if (id < this.mask.length) this.mask[id] = 1;
      this.matches = answer.ids.length;
      this.showError("");
      return true;
    } catch (error) {
      if (seq !== this.selectSeq) return false;
      this.showError(error.message);
      return false;
    }
  }

  showError(message) {
    this.error.hidden = !message;
    this.error.textContent = message;
    this.input.classList.toggle("bad", Boolean(message));
  }

  // The host's layout in this page's direction: `dir=tb` for top to bottom, nothing for left to right.
  layoutParams() {
    return this.direction === "tb" ? { dir: "tb" } : {};
  }

  // Top to bottom or left to right: the host's other layout (ids, selection and picks stay).
  async toggleDirection() {
    this.direction = this.direction === "tb" ? "lr" : "tb";
    this.ctx.setQuery({ dir: this.direction === "tb" ? "tb" : null, at: null });
    const graph = await get("/api/assets/graph", this.layoutParams());
    if (!this.ctx.isCurrent()) return;
    const expand = this.expandParam();
    this.whole = graphModel(graph);
    await this.chooseModel(expand, null);
  }

  toggleHideOutside() {
    this.hideOutside = !this.hideOutside;
    this.ctx.setQuery({ hide_outside: this.hideOutside ? "1" : null });
    this.restyle();
    this.updateCount();
  }

  async toggleIsolate() {
    this.isolate = this.model === this.whole;
    this.ctx.setQuery({ isolate: this.isolate ? "1" : null, expand: null, at: null });
    await this.chooseModel(null);
  }

  // Open the groups holding selected assets and frame them.
  showMatches() {
    if (!this.mask || !this.matches) return;
    const { model } = this;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let v = 0; v < model.n; v++) {
      if (!this.mask[model.ids[v]]) continue;
      this.expanded[model.group[v]] = 1;
      x0 = Math.min(x0, model.x[v]);
      y0 = Math.min(y0, model.y[v]);
      x1 = Math.max(x1, model.x[v] + model.nodeWidth);
      y1 = Math.max(y1, model.y[v] + model.nodeHeight);
    }
    this.ctx.setQuery({ expand: this.expandParam(), at: null });
    this.draw();
    this.view.show(x0, y0, x1 - x0, y1 - y0, 1);
  }

  targets() {
    const ids = this.picked.size ? [...this.picked] : this.mask ? [...this.mask.keys()].filter((id) => this.mask[id]) : [];
    return ids.map((id) => this.whole.nodes[this.whole.local.get(id)]);
  }

  updateMaterializeButton() {
    const plan = launchPlan(this.targets());
    const count = [...plan.byLocation.values()].reduce((s, list) => s + list.length, 0);
    this.materializeButton.disabled = count === 0;
    this.materializeButton.textContent = count ? `Materialize selected (${count})` : "Materialize selected";
  }

  confirmMaterialize() {
    const nodes = this.targets();
    const { byLocation, skipped } = launchPlan(nodes);
    const lines = [...byLocation].map(([location, list]) => `${location}: ${list.length} asset${list.length === 1 ? "" : "s"}`);
    const launch = h("button", { class: "primary graph-confirm-launch" }, `Launch ${byLocation.size} run${byLocation.size === 1 ? "" : "s"}`);
    launch.addEventListener("click", async () => {
      await materialize(nodes, launch);
      this.confirm.hidden = true;
    });
    clear(this.confirm).append(
      h("span", {}, `Materialize ${lines.join("; ")}`, skipped ? ` (${skipped} not materializable left out)` : "", "? "),
      launch,
      " ",
      h("button", { onclick: () => (this.confirm.hidden = true) }, "Cancel"),
    );
    this.confirm.hidden = false;
  }

  cameraMoved(camera) {
    clearTimeout(this.cameraTimer);
    this.cameraTimer = setTimeout(() => {
      if (this.ctx.isCurrent()) this.ctx.setQuery({ at: `${Math.round(camera.x)},${Math.round(camera.y)},${camera.scale.toPrecision(4)}` });
    }, 400);
  }

  async refreshStatus() {
    const status = await this.fetchStatus();
    if (!status || !this.ctx.isCurrent()) return;
    this.status = status;
    if (status.version !== this.whole.version) return this.refreshGraph();
    // A selection by status picks other assets once their statuses change: ask the host again.
    if (/\bstatus:/i.test(this.selectText)) await this.runSelection(this.selectText);
    this.restyle();
    this.updateCount();
    const panel = this.panelId;
    if (panel >= 0 && this.main.querySelector(".graph-panel")) this.openPanel(panel, false);
  }

  async refreshGraph() {
    const graph = await get("/api/assets/graph", this.layoutParams());
    if (!this.ctx.isCurrent() || graph.version === this.whole.version) return;
    const keyOf = (id) => this.whole.nodes[this.whole.local.get(id)].key;
    const panelKey = this.panelId >= 0 ? keyOf(this.panelId) : null;
    const pickedKeys = [...this.picked].map(keyOf);
    forgetDescriptions();
    this.whole = graphModel(graph);
    this.status = await this.fetchStatus();
    this.picked = new Set(pickedKeys.filter((k) => this.whole.byKey.has(k)).map((k) => this.whole.ids[this.whole.byKey.get(k)]));
    if (this.selectText) await this.runSelection(this.selectText);
    await this.chooseModel(this.expandParamFor(), { ...this.view.camera });
    this.main.querySelector(".graph-panel")?.remove();
    this.panelId = -1;
    if (panelKey && this.whole.byKey.has(panelKey)) this.openPanel(this.whole.ids[this.whole.byKey.get(panelKey)], false);
  }

  expandParamFor() {
    return new URLSearchParams(location.search).get("expand");
  }
}

function cameraFromUrl(text) {
  const parts = (text || "").split(",").map(Number);
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v)) || parts[2] <= 0) return null;
  return { x: parts[0], y: parts[1], scale: parts[2] };
}
