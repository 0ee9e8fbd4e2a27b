// Drawing a laid-out graph that may hold thousands of assets and tens of thousands of edges:
// - edges on one canvas (bezier curves left to right, or top to bottom in a vertical scene; straight,
//   de-duplicated pixel lines when zoomed far out), culled to the viewport; with `style.hideOutside`,
//   none to or from a dimmed item (one outside the selection);
// - boxes on the same canvas as coloured rectangles when zoomed out; at a readable zoom the page's
//   DOM elements (text only through h()) for the boxes in the viewport, and nothing else;
// - pan by dragging, zoom with the wheel or the buttons; clicks found by the scene's spatial grid;
// - a minimap in the corner while part of the scene is out of view: the scene drawn once at tiny scale
//   (again only when the scene or its style changes), and a rectangle for the viewport that each frame
//   moves; a click or drag on it moves the camera there.
// Status and selection are a style laid over the scene: changing them redraws, never re-lays out.

import { h } from "./dom.js";
import { GROUP, NODE, STATUS_COLOR } from "./graph_model.js";

const MIN_SCALE = 0.002;
const MAX_SCALE = 2.5;
const DOM_SCALE = 0.55; // assets become DOM elements from this zoom on
const TEXT_SCALE = 0.28; // canvas labels from this zoom on
const CURVE_SCALE = 0.15; // below it, edges are straight lines
const CLICK_SLOP = 4; // pixels a press may move and still be a click
const OVERVIEW_SCALE = 0.08; // a whole-graph view smaller than this opens at its full height instead
const FRAME_TITLE = 30; // world height of a group frame's title strip (graph_layout.Box padding + title)
const MAP_LONG = 200; // the minimap's longer side, in pixels
const MAP_SHORT = 36; // its shorter side at least (a deep graph is a long strip: its map is stretched)
const MAP_SHORT_MOST = 140;

export class GraphView {
  // options: label(i) -> text, element(i) -> DOM element for item i, onClick(i, event), onCamera(camera)
  constructor(container, options) {
    this.options = options;
    this.root = h("div", { class: "graph-view", tabindex: "0" });
    this.canvas = h("canvas", { class: "graph-canvas" });
    this.layer = h("div", { class: "graph-dom" });
    this.mapCanvas = h("canvas", { class: "graph-minimap-canvas" });
    this.mapView = h("div", { class: "graph-minimap-view" });
    this.map = h("div", { class: "graph-minimap", hidden: true, title: "overview: click or drag to move the view" }, this.mapCanvas, this.mapView);
    this.mapDirty = true;
    this.mapScale = { x: 1, y: 1 };
    this.root.append(this.canvas, this.layer, this.map);
    container.append(this.root);
    this.root.graphView = this; // tests and the bench find items' screen positions through it
    this.scene = null;
    this.style = null;
    this.camera = { x: 0, y: 0, scale: 1 }; // world point at the canvas' top-left, and zoom
    this.doms = new Map(); // item -> element, for the items shown as DOM
    this.hover = -1;
    this.pending = null;
    this.frame = 0;
    this.width = 0;
    this.height = 0;
    this.listen();
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.root);
  }

  destroy() {
    this.resizer.disconnect();
    cancelAnimationFrame(this.frame);
  }

  // `camera`: {x, y, scale}, or {box: [x, y, w, h]} to frame, or null for the opening view.
  setScene(scene, camera) {
    this.scene = scene;
    this.mapDirty = true;
    this.root.dataset.direction = scene.vertical ? "tb" : "lr";
    this.clearDom();
    this.hover = -1;
    this.resize(false);
    this.pending = !camera ? "open" : camera.box ? camera : clampCamera(camera);
    if (this.width > 1) this.applyPending();
    this.redraw();
  }

  // A camera asked for before the view had a size (the page is built off-screen, then attached).
  applyPending() {
    const pending = this.pending;
    this.pending = null;
    if (pending === "open") this.camera = this.opening();
    else if (pending && pending.box) this.camera = this.cameraFor(...pending.box, 1);
    else if (pending) this.camera = pending;
  }

  setStyle(style) {
    this.style = style;
    this.mapDirty = true;
    this.clearDom();
    this.redraw();
  }

  // The camera that shows the box (world units) whole, centred, zoomed in no further than `most`.
  cameraFor(x, y, w, h, most = 1) {
    const pad = 24;
    const scale = Math.max(
      MIN_SCALE,
      Math.min(most, (this.width - 2 * pad) / Math.max(w, 1), (this.height - 2 * pad) / Math.max(h, 1)),
    );
    return { x: x + w / 2 - this.width / 2 / scale, y: y + h / 2 - this.height / 2 / scale, scale };
  }

  fit() {
    if (!this.scene) return;
    this.camera = this.cameraFor(0, 0, this.scene.width, this.scene.height);
    this.moved();
  }

  // Where a scene opens: all of it, unless that is too small to read (a deep graph is a long strip),
  // then its whole height from its left end (the roots), or top to bottom its whole width from its top;
  // Fit still shows everything.
  opening() {
    const { width, height, vertical } = this.scene;
    const all = this.cameraFor(0, 0, width, height);
    if (vertical) {
      const scale = Math.min(1, (this.width - 48) / Math.max(width, 1));
      if (all.scale >= OVERVIEW_SCALE || scale <= all.scale * 1.5) return all;
      return { x: width / 2 - this.width / 2 / scale, y: -24 / scale, scale };
    }
    const scale = Math.min(1, (this.height - 48) / Math.max(height, 1));
    if (all.scale >= OVERVIEW_SCALE || scale <= all.scale * 1.5) return all;
    return { x: -24 / scale, y: height / 2 - this.height / 2 / scale, scale };
  }

  show(x, y, w, h, most = 1) {
    this.camera = this.cameraFor(x, y, w, h, most);
    this.moved();
  }

  zoomBy(factor, sx = this.width / 2, sy = this.height / 2) {
    const c = this.camera;
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, c.scale * factor));
    const wx = c.x + sx / c.scale;
    const wy = c.y + sy / c.scale;
    this.camera = { x: wx - sx / scale, y: wy - sy / scale, scale };
    this.moved();
  }

  // The centre of item i on screen (page coordinates), or null when it is not drawn.
  screenPoint(i) {
    const s = this.scene;
    if (!s || i < 0 || i >= s.size) return null;
    const rect = this.canvas.getBoundingClientRect();
    const c = this.camera;
    return {
      x: rect.left + (s.rx[i] + s.rw[i] / 2 - c.x) * c.scale,
      y: rect.top + (s.ry[i] + s.rh[i] / 2 - c.y) * c.scale,
    };
  }

  // The person moved the view (drag, wheel, buttons): the page records it in the URL.
  moved() {
    this.redraw();
    if (this.options.onCamera) this.options.onCamera(this.camera);
  }

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  resize(draw = true) {
    const rect = this.root.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    this.width = Math.max(1, rect.width);
    this.height = Math.max(1, rect.height);
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    if (this.pending && this.width > 1) this.applyPending();
    if (draw) this.redraw();
  }

  draw() {
    const started = performance.now();
    const ctx = this.canvas.getContext("2d");
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, this.width, this.height);
    if (!this.scene || !this.style || this.pending) return;
    const c = this.camera;
    const view = { x0: c.x, y0: c.y, x1: c.x + this.width / c.scale, y1: c.y + this.height / c.scale };
    this.drawFrames(ctx, view);
    this.drawEdges(ctx, view);
    this.drawBoxes(ctx, view);
    this.placeDom(view);
    this.placeMinimap(view);
    this.lastDrawMs = performance.now() - started;
    this.root.dataset.draws = String(Number(this.root.dataset.draws || 0) + 1);
    if (!this.root.dataset.drawn) {
      this.root.dataset.drawn = "1";
      performance.mark("weir-graph-drawn");
    }
  }

  drawFrames(ctx, view) {
    const { scene, camera: c } = this;
    const groups = this.options.groups();
    ctx.lineWidth = 1;
    for (const g of scene.frames) {
      const f = groups[g];
      if (f.x > view.x1 || f.y > view.y1 || f.x + f.w < view.x0 || f.y + f.h < view.y0) continue;
      const x = (f.x - c.x) * c.scale;
      const y = (f.y - c.y) * c.scale;
      ctx.fillStyle = "rgba(31, 78, 121, 0.045)";
      ctx.strokeStyle = "#c9d3df";
      ctx.fillRect(x, y, f.w * c.scale, f.h * c.scale);
      ctx.strokeRect(x + 0.5, y + 0.5, f.w * c.scale, f.h * c.scale);
      if (FRAME_TITLE * c.scale >= 15) {
        ctx.fillStyle = "#4a5a70";
        ctx.font = "600 12px system-ui, sans-serif";
        ctx.textBaseline = "middle";
        const title = `▾ ${f.name || "(no group)"}  ·  ${f.location || "not defined"}`;
        ctx.fillText(title, x + 8, y + Math.min(16, (FRAME_TITLE * c.scale) / 2), f.w * c.scale - 16);
      }
    }
  }

  drawEdges(ctx, view) {
    const { scene, style, camera: c } = this;
    const { a, b, count } = scene.edges;
    const { rx, ry, rw, rh } = scene;
    const dim = style.dim;
    const curved = c.scale >= CURVE_SCALE;
    const seen = curved ? null : [new Set(), new Set(), new Set()];
    const paths = [new Path2D(), new Path2D(), new Path2D()]; // dimmed, normal, highlighted
    const heavy = new Path2D(); // aggregated edges standing for several
    const focus = this.hover >= 0 ? this.hover : style.focus;
    const vertical = scene.vertical;
    const hideOutside = Boolean(style.hideOutside);
    let drawn = 0;
    for (let e = 0; e < a.length; e++) {
      const u = a[e];
      const v = b[e];
      if (hideOutside && (dim[u] || dim[v])) continue;
      // Out of the right side into the left, or out of the bottom into the top.
      const x1 = vertical ? rx[u] + rw[u] / 2 : rx[u] + rw[u];
      const y1 = vertical ? ry[u] + rh[u] : ry[u] + rh[u] / 2;
      const x2 = vertical ? rx[v] + rw[v] / 2 : rx[v];
      const y2 = vertical ? ry[v] : ry[v] + rh[v] / 2;
      if (Math.max(x1, x2) < view.x0 || Math.min(x1, x2) > view.x1) continue;
      if (Math.max(y1, y2) < view.y0 || Math.min(y1, y2) > view.y1) continue;
      const sx1 = (x1 - c.x) * c.scale;
      const sy1 = (y1 - c.y) * c.scale;
      const sx2 = (x2 - c.x) * c.scale;
      const sy2 = (y2 - c.y) * c.scale;
      const kind = u === focus || v === focus ? 2 : dim[u] || dim[v] ? 0 : 1;
      const path = kind === 1 && count[e] > 1 ? heavy : paths[kind];
      drawn++;
      if (!curved) {
        const key = pixelKey(sx1, sy1, sx2, sy2);
        if (seen[kind].has(key)) continue;
        seen[kind].add(key);
        path.moveTo(sx1, sy1);
        path.lineTo(sx2, sy2);
        continue;
      }
      path.moveTo(sx1, sy1);
      if (vertical) {
        const bend = Math.max(24 * c.scale, Math.abs(sy2 - sy1) / 2);
        path.bezierCurveTo(sx1, sy1 + bend, sx2, sy2 - bend, sx2, sy2);
      } else {
        const bend = Math.max(24 * c.scale, Math.abs(sx2 - sx1) / 2);
        path.bezierCurveTo(sx1 + bend, sy1, sx2 - bend, sy2, sx2, sy2);
      }
    }
    this.root.dataset.edges = String(drawn); // edges in view (tests read it)
    const width = Math.min(1.5, Math.max(0.6, c.scale * 2));
    ctx.lineWidth = width;
    ctx.strokeStyle = "rgba(120, 132, 150, 0.16)";
    ctx.stroke(paths[0]);
    ctx.strokeStyle = "rgba(88, 102, 122, 0.62)";
    ctx.stroke(paths[1]);
    ctx.lineWidth = width * 2.2;
    ctx.stroke(heavy);
    ctx.strokeStyle = "#1f6fc5";
    ctx.lineWidth = Math.max(1.6, width * 1.6);
    ctx.stroke(paths[2]);
  }

  drawBoxes(ctx, view) {
    const { scene, style, camera: c } = this;
    const { rx, ry, rw, rh, kind } = scene;
    const text = c.scale >= TEXT_SCALE;
    const domNodes = c.scale >= DOM_SCALE;
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (let i = 0; i < scene.size; i++) {
      if (rx[i] > view.x1 || ry[i] > view.y1 || rx[i] + rw[i] < view.x0 || ry[i] + rh[i] < view.y0) continue;
      const x = (rx[i] - c.x) * c.scale;
      const y = (ry[i] - c.y) * c.scale;
      const w = Math.max(1.5, rw[i] * c.scale);
      const hgt = Math.max(1.5, rh[i] * c.scale);
      ctx.globalAlpha = style.dim[i] ? 0.25 : 1;
      if (kind[i] === GROUP) {
        if (this.groupAsDom(i)) continue;
        this.drawGroup(ctx, i, x, y, w, hgt, text);
      } else if (domNodes) {
        continue;
      } else if (text) {
        ctx.fillStyle = "#fff";
        ctx.fillRect(x, y, w, hgt);
        ctx.fillStyle = STATUS_COLOR[style.status[i]] || STATUS_COLOR[0];
        ctx.fillRect(x, y, Math.max(3, 5 * c.scale), hgt);
        ctx.strokeStyle = "#b8c2cf";
        ctx.lineWidth = 1;
        ctx.strokeRect(x + 0.5, y + 0.5, w, hgt);
        ctx.fillStyle = "#1d2430";
        ctx.fillText(this.options.label(i), x + 8, y + hgt / 2, w - 12);
      } else {
        ctx.fillStyle = STATUS_COLOR[style.status[i]] || STATUS_COLOR[0];
        ctx.fillRect(x, y, w, hgt);
      }
      if (style.picked[i] || style.focus === i) {
        ctx.strokeStyle = "#1f4e79";
        ctx.lineWidth = 2.5;
        ctx.strokeRect(x - 2, y - 2, w + 4, hgt + 4);
      }
    }
    ctx.globalAlpha = 1;
  }

  drawGroup(ctx, i, x, y, w, hgt, text) {
    const counts = this.style.counts[i];
    const total = counts.reduce((s, v) => s + v, 0) || 1;
    ctx.fillStyle = "#eef2f7";
    ctx.fillRect(x, y, w, hgt);
    ctx.strokeStyle = "#9aa8ba";
    ctx.lineWidth = 1;
    ctx.strokeRect(x + 0.5, y + 0.5, w, hgt);
    let left = x;
    const bar = Math.max(1.5, Math.min(6, hgt / 4));
    for (let s = 0; s < counts.length; s++) {
      if (!counts[s]) continue;
      const part = (w * counts[s]) / total;
      ctx.fillStyle = STATUS_COLOR[s];
      ctx.fillRect(left, y + hgt - bar, part, bar);
      left += part;
    }
    if (text && hgt > 16) {
      ctx.fillStyle = "#1d2430";
      ctx.fillText(this.options.label(i), x + 8, y + (hgt - bar) / 2, w - 12);
    }
  }

  groupAsDom(i) {
    const c = this.camera;
    return this.scene.rw[i] * c.scale >= 150 && this.scene.rh[i] * c.scale >= 44;
  }

  // DOM elements for the items that are legible and in view; the others' elements are removed.
  placeDom(view) {
    const { scene, camera: c } = this;
    const { rx, ry, rw, rh, kind } = scene;
    const wanted = new Set();
    const domNodes = c.scale >= DOM_SCALE;
    const limit = 600; // a guard: never thousands of elements, whatever the zoom
    for (let i = 0; i < scene.size && wanted.size < limit; i++) {
      if (kind[i] === NODE ? !domNodes : !this.groupAsDom(i)) continue;
      if (rx[i] > view.x1 || ry[i] > view.y1 || rx[i] + rw[i] < view.x0 || ry[i] + rh[i] < view.y0) continue;
      wanted.add(i);
      let el = this.doms.get(i);
      if (!el) {
        el = this.options.element(i);
        this.doms.set(i, el);
        this.layer.append(el);
      }
      el.style.transform = `translate(${(rx[i] - c.x) * c.scale}px, ${(ry[i] - c.y) * c.scale}px)`;
      el.style.width = `${rw[i] * c.scale}px`;
      el.style.height = `${rh[i] * c.scale}px`;
      el.classList.toggle("compact", rh[i] * c.scale < 40);
    }
    for (const [i, el] of this.doms) {
      if (!wanted.has(i)) {
        el.remove();
        this.doms.delete(i);
      }
    }
  }

  // The minimap shows while part of the scene is out of view; its picture is redrawn only when the
  // scene or the style changed, the viewport rectangle on every frame.
  placeMinimap(view) {
    const { scene } = this;
    const whole = view.x0 <= 0 && view.y0 <= 0 && view.x1 >= scene.width && view.y1 >= scene.height;
    this.map.hidden = whole || scene.size === 0;
    if (this.map.hidden) return;
    if (this.mapDirty) this.drawMinimap();
    const { x: sx, y: sy } = this.mapScale;
    const left = Math.max(0, view.x0 * sx);
    const top = Math.max(0, view.y0 * sy);
    const right = Math.min(this.mapWidth, view.x1 * sx);
    const bottom = Math.min(this.mapHeight, view.y1 * sy);
    const style = this.mapView.style;
    style.transform = `translate(${left}px, ${top}px)`;
    style.width = `${Math.max(2, right - left)}px`;
    style.height = `${Math.max(2, bottom - top)}px`;
  }

  drawMinimap() {
    this.mapDirty = false;
    const { scene, style } = this;
    const w = Math.max(scene.width, 1);
    const hgt = Math.max(scene.height, 1);
    let mw = MAP_LONG;
    let mh = MAP_LONG;
    if (w >= hgt) mh = Math.min(MAP_SHORT_MOST, Math.max(MAP_SHORT, (MAP_LONG * hgt) / w));
    else mw = Math.min(MAP_SHORT_MOST, Math.max(MAP_SHORT, (MAP_LONG * w) / hgt));
    mw = Math.round(mw);
    mh = Math.round(mh);
    this.mapWidth = mw;
    this.mapHeight = mh;
    this.mapScale = { x: mw / w, y: mh / hgt };
    const ratio = window.devicePixelRatio || 1;
    const canvas = this.mapCanvas;
    canvas.width = Math.round(mw * ratio);
    canvas.height = Math.round(mh * ratio);
    canvas.style.width = `${mw}px`;
    canvas.style.height = `${mh}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, mw, mh);
    const { x: sx, y: sy } = this.mapScale;
    const groups = this.options.groups();
    ctx.fillStyle = "rgba(31, 78, 121, 0.08)";
    for (const g of scene.frames) {
      const f = groups[g];
      ctx.fillRect(f.x * sx, f.y * sy, f.w * sx, f.h * sy);
    }
    const { rx, ry, rw, rh, kind } = scene;
    for (let i = 0; i < scene.size; i++) {
      ctx.globalAlpha = style && style.dim[i] ? 0.3 : 1;
      ctx.fillStyle = kind[i] === GROUP ? "#9aa8ba" : STATUS_COLOR[style ? style.status[i] : 0] || STATUS_COLOR[0];
      ctx.fillRect(rx[i] * sx, ry[i] * sy, Math.max(1, rw[i] * sx), Math.max(1, rh[i] * sy));
    }
    ctx.globalAlpha = 1;
  }

  // Centre the camera on the world point under (clientX, clientY) on the minimap.
  moveToMapPoint(clientX, clientY) {
    const rect = this.mapCanvas.getBoundingClientRect();
    const x = (clientX - rect.left) / this.mapScale.x;
    const y = (clientY - rect.top) / this.mapScale.y;
    const s = this.camera.scale;
    this.camera = { x: x - this.width / 2 / s, y: y - this.height / 2 / s, scale: s };
    this.moved();
  }

  clearDom() {
    for (const el of this.doms.values()) el.remove();
    this.doms.clear();
  }

  itemAt(clientX, clientY) {
    if (!this.scene) return -1;
    const rect = this.canvas.getBoundingClientRect();
    const c = this.camera;
    const x = c.x + (clientX - rect.left) / c.scale;
    const y = c.y + (clientY - rect.top) / c.scale;
    return this.scene.grid.hit(x, y, 6 / c.scale);
  }

  // The expanded group whose title strip is at this point (clicking it collapses the group).
  frameTitleAt(clientX, clientY) {
    if (!this.scene) return -1;
    const rect = this.canvas.getBoundingClientRect();
    const c = this.camera;
    const x = c.x + (clientX - rect.left) / c.scale;
    const y = c.y + (clientY - rect.top) / c.scale;
    const groups = this.options.groups();
    for (const g of this.scene.frames) {
      const f = groups[g];
      if (x >= f.x && x <= f.x + f.w && y >= f.y && y <= f.y + FRAME_TITLE) return g;
    }
    return -1;
  }

  listen() {
    const root = this.root;
    let press = null;
    let mapPress = -1;
    this.map.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      event.stopPropagation();
      mapPress = event.pointerId;
      this.map.setPointerCapture(event.pointerId);
      this.moveToMapPoint(event.clientX, event.clientY);
    });
    this.map.addEventListener("pointermove", (event) => {
      event.stopPropagation();
      if (event.pointerId === mapPress) this.moveToMapPoint(event.clientX, event.clientY);
    });
    const mapRelease = (event) => {
      event.stopPropagation();
      if (event.pointerId === mapPress) mapPress = -1;
    };
    this.map.addEventListener("pointerup", mapRelease);
    this.map.addEventListener("pointercancel", mapRelease);
    root.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || event.target.closest("a, button")) return;
      press = { x: event.clientX, y: event.clientY, camera: { ...this.camera }, moved: false, id: event.pointerId };
    });
    root.addEventListener("pointermove", (event) => {
      if (press && event.pointerId === press.id) {
        const dx = event.clientX - press.x;
        const dy = event.clientY - press.y;
        if (!press.moved && Math.hypot(dx, dy) < CLICK_SLOP) return;
        if (!press.moved) root.setPointerCapture(event.pointerId);
        press.moved = true;
        root.classList.add("panning");
        const s = press.camera.scale;
        this.camera = { x: press.camera.x - dx / s, y: press.camera.y - dy / s, scale: s };
        this.moved();
        return;
      }
      const item = this.itemAt(event.clientX, event.clientY);
      if (item !== this.hover) {
        this.hover = item;
        root.classList.toggle("pointing", item >= 0);
        this.redraw();
      }
    });
    const release = (event) => {
      if (!press || event.pointerId !== press.id) return;
      const wasClick = !press.moved && event.type === "pointerup";
      press = null;
      root.classList.remove("panning");
      if (!wasClick) return;
      const item = this.itemAt(event.clientX, event.clientY);
      const frame = item < 0 ? this.frameTitleAt(event.clientX, event.clientY) : -1;
      this.options.onClick(item, event, frame);
    };
    root.addEventListener("pointerup", release);
    root.addEventListener("pointercancel", release);
    root.addEventListener("pointerleave", () => {
      if (this.hover >= 0 && !press) {
        this.hover = -1;
        this.redraw();
      }
    });
    root.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        const rect = this.canvas.getBoundingClientRect();
        const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
        this.zoomBy(Math.exp(-delta * 0.0015), event.clientX - rect.left, event.clientY - rect.top);
      },
      { passive: false },
    );
    root.addEventListener("keydown", (event) => {
      if (event.key === "+" || event.key === "=") this.zoomBy(1.25);
      else if (event.key === "-") this.zoomBy(0.8);
      else if (event.key === "0") this.fit();
    });
  }
}

function clampCamera(camera) {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, Number(camera.scale) || 1));
  return { x: Number(camera.x) || 0, y: Number(camera.y) || 0, scale };
}

// Integer pixel end points packed into one number, to draw each distinct pixel line once.
function pixelKey(x1, y1, x2, y2) {
  const q = (v) => Math.min(8191, Math.max(0, Math.round(v) + 2048));
  return ((q(x1) * 8192 + q(y1)) * 8192 + q(x2)) * 8192 + q(y2);
}
