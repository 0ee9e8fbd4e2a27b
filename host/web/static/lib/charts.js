// Small SVG charts built with DOM APIs (no library, no innerHTML): a line chart of values over time, and
// a strip of ranges (partition status) drawn as one rectangle per range, never one per partition.

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  for (const child of children) if (child) el.append(child);
  return el;
}

function title(text) {
  const t = document.createElementNS(SVG, "title");
  t.textContent = text;
  return t;
}

function compact(v) {
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + "G";
  if (a >= 1e6) return (v / 1e6).toFixed(1) + "M";
  if (a >= 1e4) return (v / 1e3).toFixed(1) + "k";
  return Number.isInteger(v) ? String(v) : v.toPrecision(4).replace(/\.?0+$/, "");
}

// points: [{t: seconds, v: number, label: string, onclick?}] sorted by t; returns an <svg>.
export function lineChart(points, { width = 520, height = 150, pad = { l: 48, r: 12, t: 10, b: 22 } } = {}) {
  const ts = points.map((p) => p.t);
  const vs = points.map((p) => p.v);
  let [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  let [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  if (t0 === t1) [t0, t1] = [t0 - 1, t1 + 1];
  if (v0 === v1) [v0, v1] = [v0 - Math.abs(v0 || 1) * 0.5, v1 + Math.abs(v1 || 1) * 0.5];
  const w = width - pad.l - pad.r;
  const hgt = height - pad.t - pad.b;
  const x = (t) => pad.l + ((t - t0) / (t1 - t0)) * w;
  const y = (v) => pad.t + (1 - (v - v0) / (v1 - v0)) * hgt;
  const root = svg("svg", { class: "line-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  for (const v of [v0, (v0 + v1) / 2, v1]) {
    root.append(svg("line", { x1: pad.l, x2: width - pad.r, y1: y(v), y2: y(v), class: "grid-line" }));
    const label = svg("text", { x: pad.l - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" });
    label.textContent = compact(v);
    root.append(label);
  }
  const [first, last] = [Math.min(...ts), Math.max(...ts)];
  const stamps = first === last ? [[first, "middle"]] : [[first, "start"], [last, "end"]];
  for (const [t, anchor] of stamps) {
    const label = svg("text", { x: x(t), y: height - 6, "text-anchor": anchor, class: "axis" });
    const d = new Date(t * 1000);
    label.textContent = `${d.toLocaleDateString(undefined, { month: "short", day: "numeric" })} ${d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}`;
    root.append(label);
  }
  root.append(svg("polyline", { points: points.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "), class: "series" }));
  if (points.length <= 400) {
    for (const p of points) {
      const dot = svg("circle", { cx: x(p.t).toFixed(1), cy: y(p.v).toFixed(1), r: 3, class: "point" }, title(p.label));
      if (p.onclick) dot.addEventListener("click", p.onclick);
      root.append(dot);
    }
  }
  return root;
}

// segments: [{from: index, count, status, label}] over `total` slots; colours come from CSS classes.
export function rangeStrip(segments, total, { width = 900, height = 28, onclick } = {}) {
  const root = svg("svg", { class: "range-strip", width: "100%", height, viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img" });
  const scale = total ? width / total : 0;
  for (const s of segments) {
    // at least a pixel, so a single failed partition among 100,000 stays visible
    const rect = svg("rect", { x: (s.from * scale).toFixed(2), y: 0, width: Math.max(1, s.count * scale).toFixed(2), height, class: `seg ${s.status}` }, title(s.label));
    if (onclick) rect.addEventListener("click", () => onclick(s));
    root.append(rect);
  }
  return root;
}
