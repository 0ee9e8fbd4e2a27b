// The asset page's data tabs: events (paged materializations and observations with rendered metadata), plots (numeric
// metadata over time), partitions (a status strip of ranges), checks (latest and history) and lineage
// (n hops through the catalog's selection syntax).

import { get, readOnly, rpc } from "./api.js";
import { append, badge, clear, errorBox, h, link, table } from "./dom.js";
import { ago, keyPath, shortId, when } from "./format.js";
import { lineChart, rangeStrip } from "./charts.js";
import { metadataList, numericValue } from "./metadata.js";

const put = (el, ...children) => append(el, children);
export const STATUS_TEXT = { materialized: "materialized", failed: "failed", missing: "missing", in_progress: "in progress" };
const EVENTS_PAGE = 25;
const PLOT_EVENTS = 500; // the newest materializations plotted
const EXACT_STRIP_KEYS = 5000; // up to this many partitions, ranges are placed by the exact key order

export function partitionsText(p) {
  if (!p) return "";
  if (p.static) return `static: ${(p.static.keys || []).length} keys`;
  if (p.time_window) {
    const w = p.time_window;
    return `time window from ${w.start}${w.end ? ` to ${w.end}` : ""}, cron ${w.cron_schedule} (${w.timezone || "UTC"})`;
  }
  if (p.dynamic) return `dynamic: ${p.dynamic.name}`;
  if (p.multi) return "multi: " + (p.multi.dimensions || []).map((d) => `${d.name} (${partitionsText(d.partitions)})`).join(" × ");
  if (p.code) return `${p.code.type_name} (keys computed by the location)`;
  return "";
}
export async function eventsTab(body, asset, ctx) {
  const partition = ctx.query.get("partition") || "";
  const list = h("div", { class: "events" });
  const more = h("div", { class: "row" });
  const filter = h("input", { type: "search", placeholder: "partition key", value: partition, "aria-label": "only this partition" });
  filter.addEventListener("change", () => ctx.setQuery({ partition: filter.value.trim() }, { rerender: true }));
  put(clear(body), h("div", { class: "row" }, h("h2", {}, "Materializations and observations"), h("span", { class: "spacer" }), filter), list, more);
  const page = async (cursor) => {
    const reply = await rpc("ListAssetEvents", {
      asset_key: asset.assetKey,
      types: ["ASSET_MATERIALIZATION", "ASSET_OBSERVATION"],
      limit: EVENTS_PAGE,
      cursor: cursor || "",
      partition_key: partition,
    });
    const events = reply.events || [];
    if (!cursor && !events.length) put(list, h("div", { class: "card empty" }, partition ? `No materialization or observation of partition ${partition}.` : "Never materialized or observed."));
    put(list, events.map(eventCard));
    clear(more);
    if (reply.next_cursor) put(more, h("button", { onclick: () => page(reply.next_cursor) }, "Load older"));
  };
  await page("");
}

function eventCard(e) {
  return h(
    "div",
    { class: "card event", dataset: { run: e.run_id, sequence: e.sequence, type: e.type } },
    h(
      "div",
      { class: "row event-head" },
      h("strong", { title: when(e.timestamp) }, when(e.timestamp)),
      h("span", { class: "muted" }, ago(e.timestamp)),
      h("span", {}, "run ", link(`/runs/${encodeURIComponent(e.run_id)}`, shortId(e.run_id))),
      e.step_key ? h("span", { class: "muted" }, `step ${e.step_key}`) : null,
      e.partition_key ? h("span", { class: "tag" }, `partition ${e.partition_key}`) : null,
      e.type === "ASSET_OBSERVATION" ? badge("observation") : null,
    ),
    metadataList(e.metadata),
  );
}

export async function plotsTab(body, asset) {
  put(clear(body), h("p", { class: "muted" }, "Loading…"));
  const events = [];
  let cursor = "";
  do {
    const reply = await rpc("ListAssetEvents", { asset_key: asset.assetKey, types: ["ASSET_MATERIALIZATION"], limit: 100, cursor });
    events.push(...(reply.events || []));
    cursor = reply.next_cursor;
  } while (cursor && events.length < PLOT_EVENTS);
  const series = new Map();
  for (const e of events) {
    for (const m of e.metadata || []) {
      const v = numericValue(m.value);
      if (v === null || !Number.isFinite(v)) continue;
      if (!series.has(m.key)) series.set(m.key, []);
      series.get(m.key).push({ t: e.timestamp, v, label: `${m.key} = ${v.toLocaleString()} · ${when(e.timestamp)}${e.partition_key ? ` · ${e.partition_key}` : ""} · run ${shortId(e.run_id)}` });
    }
  }
  clear(body);
  if (!series.size) {
    put(body, h("div", { class: "card empty" }, events.length ? "No numeric metadata on the materializations." : "Never materialized."));
    return;
  }
  put(body, 
    h("p", { class: "muted" }, `Every numeric metadata key over the newest ${events.length} materializations.`),
    h(
      "div",
      { class: "plots" },
      [...series.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, points]) => {
          points.sort((a, b) => a.t - b.t);
          const last = points[points.length - 1];
          return h("div", { class: "card plot", dataset: { key: name } }, h("div", { class: "row" }, h("strong", {}, name), h("span", { class: "spacer" }), h("span", { class: "muted" }, `latest ${last.v.toLocaleString()} · ${points.length} point${points.length === 1 ? "" : "s"}`)), lineChart(points));
        }),
    ),
  );
}

export async function partitionsTab(body, asset, ctx, launcher) {
  const node = asset.details.node;
  if (!node.partitions) {
    put(clear(body), h("div", { class: "card empty" }, "This asset is not partitioned."));
    return;
  }
  const request = { location: asset.details.location, asset_key: asset.assetKey };
  let status;
  try {
    status = await rpc("GetPartitionStatus", request);
  } catch (error) {
    put(clear(body), errorBox(error));
    return;
  }
  const total = status.total || 0;
  const groups = ["materialized", "failed", "in_progress", "missing"];
  const ranges = groups.flatMap((s) => (status[s] || []).map((r) => ({ ...r, status: s, count: r.count || 1 })));
  let order;
  if (total <= EXACT_STRIP_KEYS) {
    const keys = (await rpc("ListPartitionKeys", request)).keys || [];
    const index = new Map(keys.map((k, i) => [k, i]));
    order = (r) => index.get(r.start) ?? 0;
  }
  // Beyond that, ranges are placed in key order (time-window keys sort as their time does).
  ranges.sort(order ? (a, b) => order(a) - order(b) : (a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let at = 0;
  const segments = ranges.map((r) => {
    const from = order ? order(r) : at;
    at += r.count;
    const span = r.count > 1 ? `${r.start} … ${r.end} (${r.count})` : r.start;
    return { ...r, from, label: `${STATUS_TEXT[r.status]}: ${span}` };
  });
  const counts = {
    materialized: status.materialized_count || 0,
    failed: status.failed_count || 0,
    in_progress: status.in_progress_count || 0,
    missing: status.missing_count || 0,
  };
  const pick = (s) => (readOnly || !node.is_executable ? null : launcher.open(s.status === "materialized" ? s.end : s.start));
  put(clear(body), 
    h("div", { class: "row" }, h("h2", {}, `${total.toLocaleString()} partitions`), h("span", { class: "muted" }, partitionsText(node.partitions))),
    h("div", { class: "legend row" }, groups.map((g) => h("span", { class: "legend-item" }, h("span", { class: `swatch ${g}` }), `${STATUS_TEXT[g]} ${counts[g].toLocaleString()}`))),
    rangeStrip(segments, total, { onclick: pick }),
    segments.length
      ? h("div", { class: "row strip-ends muted" }, h("code", {}, segments[0].start), h("span", { class: "spacer" }), h("code", {}, segments[segments.length - 1].end))
      : null,
    h("p", { class: "muted" }, "Click a range to materialize its first partition (its last when materialized)."),
    ["failed", "in_progress", "missing"].map((g) => {
      const list = segments.filter((s) => s.status === g);
      if (!list.length) return null;
      return [
        h("h2", {}, `${STATUS_TEXT[g]} (${counts[g].toLocaleString()})`),
        table(
          ["First", "Last", "Partitions", ""],
          list.slice(0, 50).map((s) =>
            h(
              "tr",
              {},
              h("td", {}, h("code", {}, s.start)),
              h("td", {}, h("code", {}, s.end)),
              h("td", {}, s.count.toLocaleString()),
              h("td", {}, readOnly || !node.is_executable ? null : h("button", { onclick: () => launcher.open(s.start) }, `Materialize ${s.start}…`)),
            ),
          ),
        ),
        list.length > 50 ? h("p", { class: "muted" }, `… and ${list.length - 50} more ranges`) : null,
      ];
    }),
  );
}

export async function checksTab(body, asset) {
  const checks = asset.details.checks || [];
  if (!checks.length) {
    put(clear(body), h("div", { class: "card empty" }, "No checks are defined on this asset."));
    return;
  }
  const histories = await Promise.all(
    checks.map((c) => rpc("ListAssetEvents", { asset_key: asset.assetKey, types: ["ASSET_CHECK_EVALUATION"], check_name: c.check.name, limit: 20 })),
  );
  put(clear(body), 
    checks.map((c, i) => {
      const latest = c.latest_evaluation;
      const events = histories[i].events || [];
      return h(
        "div",
        { class: "card check", dataset: { check: c.check.name } },
        h(
          "div",
          { class: "row" },
          h("strong", {}, c.check.name),
          c.check.blocking ? h("span", { class: "tag" }, "blocking") : null,
          latest ? verdict(latest) : badge("missing", "never evaluated"),
          latest ? h("span", { class: "muted", title: when(latest.timestamp) }, ago(latest.timestamp)) : null,
        ),
        c.check.description ? h("div", { class: "muted" }, c.check.description) : null,
        latest ? metadataList(latest.metadata, { empty: "" }) : null,
        events.length
          ? table(
              ["When", "Result", "Run", "Partition"],
              events.map((e) =>
                h(
                  "tr",
                  {},
                  h("td", { title: when(e.timestamp) }, ago(e.timestamp)),
                  h("td", {}, verdict(e)),
                  h("td", {}, link(`/runs/${encodeURIComponent(e.run_id)}`, shortId(e.run_id))),
                  h("td", {}, e.partition_key || ""),
                ),
              ),
            )
          : null,
      );
    }),
  );
}

function verdict(e) {
  return e.check_passed ? badge("passed", "passed") : badge(e.check_severity === "WARN" ? "warn" : "failed", `failed${e.check_severity ? ` (${e.check_severity})` : ""}`);
}

export async function lineageTab(body, asset, ctx) {
  const depth = Math.min(6, Math.max(1, Number(ctx.query.get("depth")) || 2));
  const key = asset.key;
  const depthPicker = h("select", { "aria-label": "hops" }, [1, 2, 3, 4, 5, 6].map((d) => h("option", { value: d }, `${d} hop${d > 1 ? "s" : ""}`)));
  depthPicker.value = String(depth);
  depthPicker.addEventListener("change", () => ctx.setQuery({ depth: depthPicker.value }, { rerender: true }));
  const ask = (selection) => get("/api/assets", { selection }).then((a) => a.assets.map((r) => Object.fromEntries(a.fields.map((f, i) => [f, r[i]]))));
  const levels = [];
  for (let d = 1; d <= depth; d++) levels.push(d);
  const [ups, downs] = await Promise.all([
    Promise.all(levels.map((d) => ask(`${d}+key:"${key}"`))),
    Promise.all(levels.map((d) => ask(`key:"${key}"+${d}`))),
  ]);
  const byHop = (results) => {
    const seen = new Set([key]);
    return results.map((rows) => {
      const fresh = rows.filter((r) => !seen.has(r.key));
      fresh.forEach((r) => seen.add(r.key));
      return fresh.sort((a, b) => a.key.localeCompare(b.key));
    });
  };
  const column = (title, hops) =>
    h(
      "div",
      { class: "card" },
      h("h2", {}, title),
      hops.every((x) => !x.length)
        ? h("span", { class: "muted" }, "none")
        : hops.map((rows, i) =>
            rows.length
              ? [
                  h("div", { class: "muted hop" }, `${i + 1} hop${i ? "s" : ""}`),
                  h("ul", { class: "lineage-list" }, rows.map((r) => h("li", {}, badge(r.status, STATUS_TEXT[r.status]), " ", link(keyPath(r.key), r.key), h("span", { class: "muted" }, ` · ${r.location}`)))),
                ]
              : null,
          ),
    );
  put(clear(body), 
    h("div", { class: "row" }, h("span", {}, "Show"), depthPicker, h("span", { class: "spacer" }), link(`/assets/graph?selection=${encodeURIComponent(`${depth}+key:"${key}"+${depth}`)}`, "Open this neighbourhood in the graph")),
    h("div", { class: "asset-overview" }, column("Upstream", byHop(ups)), column("Downstream", byHop(downs))),
  );
}

