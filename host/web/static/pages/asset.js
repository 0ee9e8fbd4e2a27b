// `/assets/<key/path>`: one asset. Header with its status and Materialize (a config editor and a partition
// picker when the asset needs them); tabs in the query string (?tab=overview|events|plots|partitions|
// checks|lineage). Everything comes from the Host API (GetAssetDetails, ListAssetEvents,
// GetPartitionStatus, ListPartitionKeys, LaunchRun) plus the catalog's status row; live through the feed.

import { get, readOnly, rpc } from "../lib/api.js";
import { append, badge, clear, errorBox, h, link, table, toast } from "../lib/dom.js";
import { ago, keyPath, shortId, when } from "../lib/format.js";
import { lineChart, rangeStrip } from "../lib/charts.js";
import { markdown } from "../lib/markdown.js";
import { metadataList, numericValue } from "../lib/metadata.js";

const put = (el, ...children) => append(el, children);

const TABS = [
  ["overview", "Overview"],
  ["events", "Events"],
  ["plots", "Plots"],
  ["partitions", "Partitions"],
  ["checks", "Checks"],
  ["lineage", "Lineage"],
];
const STATUS_TEXT = { materialized: "materialized", failed: "failed", missing: "missing", in_progress: "in progress" };
const EVENTS_PAGE = 25;
const PLOT_EVENTS = 500; // the newest materializations plotted
const EXACT_STRIP_KEYS = 5000; // up to this many partitions, ranges are placed by the exact key order

export async function render(root, ctx) {
  const key = ctx.params.key.replace(/\/+$/, "");
  const assetKey = { path: key.split("/") };
  const tab = TABS.some(([t]) => t === ctx.query.get("tab")) ? ctx.query.get("tab") : "overview";
  const asset = { key, assetKey, details: null, row: null, location: ctx.query.get("location") || "" };

  const header = h("div", { class: "asset-header" });
  const panel = h("div", { class: "launch-panel", hidden: true });
  const body = h("div", { class: "asset-tab" });
  const tabs = h(
    "nav",
    { class: "tabs" },
    TABS.map(([t, label]) => {
      const query = new URLSearchParams(ctx.query);
      query.set("tab", t);
      for (const k of ["cursor", "partition", "depth"]) if (t !== tab) query.delete(k);
      return h("a", { href: `${ctx.path}?${query}`, class: t === tab ? "active" : "" }, label);
    }),
  );
  root.append(header, panel, tabs, body);

  try {
    asset.details = await rpc("GetAssetDetails", { asset_key: assetKey, location: asset.location });
  } catch (error) {
    put(header, h("h1", { class: "asset-title" }, keyTitle(key)), errorBox(error));
    if (error.status !== 404) return;
    // Defined nowhere now; its history may still be stored.
    put(body, h("p", { class: "muted" }, "No loaded location defines this asset. Stored materializations, if any:"));
    await eventsTab(body, asset, ctx);
    return;
  }

  const launcher = materializer(panel, asset, ctx);
  const draw = async () => {
    const [details, row] = await Promise.all([
      rpc("GetAssetDetails", { asset_key: assetKey, location: asset.location }),
      statusRow(key),
    ]);
    asset.details = details;
    asset.row = row;
    if (!ctx.isCurrent()) return;
    drawHeader(header, asset, launcher);
    await TAB_RENDERERS[tab](body, asset, ctx, launcher);
  };
  asset.row = await statusRow(key);
  drawHeader(header, asset, launcher);
  await TAB_RENDERERS[tab](body, asset, ctx, launcher);
  ctx.onChange(["events", "runs", "locations"], draw);
}

async function statusRow(key) {
  if (key.includes('"')) return null;
  try {
    const answer = await get("/api/assets", { selection: `key:"${key}"` });
    const row = answer.assets.find((r) => r[0] === key);
    return row ? Object.fromEntries(answer.fields.map((f, i) => [f, row[i]])) : null;
  } catch {
    return null;
  }
}

function keyTitle(key) {
  const parts = key.split("/");
  return parts.map((p, i) => [i ? h("span", { class: "key-sep" }, " / ") : null, h("span", {}, p)]);
}

function drawHeader(header, asset, launcher) {
  const { details, row } = asset;
  const node = details.node;
  const latest = details.latest_materialization;
  const status = row ? row.status : latest ? "materialized" : "missing";
  put(clear(header), 
    h(
      "div",
      { class: "row" },
      h("h1", { class: "asset-title" }, keyTitle(asset.key)),
      h("span", { class: "spacer" }),
      node.is_executable && !readOnly
        ? h("button", { class: "primary", onclick: () => launcher.open() }, launcher.needsInput() ? "Materialize…" : "Materialize")
        : null,
      link(`/assets/graph?selection=${encodeURIComponent(`key:"${asset.key}"`)}`, "View in graph"),
    ),
    h(
      "div",
      { class: "row asset-facts" },
      row && row.status_run
        ? h("a", { href: `/runs/${encodeURIComponent(row.status_run)}`, title: "the run behind this status" }, badge(status, STATUS_TEXT[status]))
        : badge(status, STATUS_TEXT[status] || status),
      fact("location", link(`/locations/${encodeURIComponent(details.location)}`, details.location)),
      fact("group", link(`/assets?group=${encodeURIComponent(node.group_name || "default")}`, node.group_name || "default")),
      node.is_executable ? null : h("span", { class: "tag" }, "external: declared here, not materialized by this location"),
      fact(
        "latest",
        latest && latest.run_id
          ? h("span", { title: when(latest.timestamp) }, link(`/runs/${encodeURIComponent(latest.run_id)}`, ago(latest.timestamp)), latest.partition_key ? ` · ${latest.partition_key}` : "")
          : h("span", { class: "muted" }, "never materialized"),
      ),
      row && row.partitions ? fact("partitions", `${row.partitions[0]}/${row.partitions[1] ?? "?"} materialized`) : null,
    ),
  );
}

function fact(label, value) {
  return h("span", { class: "fact" }, h("span", { class: "muted" }, label + " "), value);
}

// ---- Materialize: launches at once, or opens the panel when config or a partition is needed -----------

function materializer(panel, asset, ctx) {
  const node = () => asset.details.node;
  const needsInput = () => Boolean(node().config_schema) || Boolean(node().partitions);
  let partitionInput = null;

  const launch = async (request, errorSlot) => {
    try {
      const run = await rpc("LaunchRun", request);
      const href = `/runs/${encodeURIComponent(run.run_id)}`;
      toast(h("span", {}, "Launched run ", link(href, shortId(run.run_id)), request.partition_key ? ` for partition ${request.partition_key}` : ""));
      panel.hidden = true;
      return run;
    } catch (error) {
      if (errorSlot) put(clear(errorSlot), errorBox(error));
      else toast(`Could not launch: ${error.message}`, { bad: true });
      return null;
    }
  };

  const base = () => ({ location: asset.details.self?.location || asset.details.location, asset_selection: [asset.assetKey] });

  const open = async (partition) => {
    if (!needsInput()) {
      await launch(base(), null);
      return;
    }
    const errorSlot = h("div");
    const config = node().config_schema
      ? h("textarea", { class: "config-editor", spellcheck: "false", "aria-label": "run config (JSON)" }, scaffoldRunConfig(node()))
      : null;
    partitionInput = node().partitions ? h("input", { type: "text", class: "partition-input", list: "partition-keys", placeholder: "partition key", "aria-label": "partition key" }) : null;
    const keys = h("datalist", { id: "partition-keys" });
    const go = h("button", { class: "primary" }, "Launch run");
    go.addEventListener("click", async () => {
      const request = base();
      if (config) request.run_config_json = config.value;
      if (partitionInput && partitionInput.value.trim()) request.partition_key = partitionInput.value.trim();
      if (config) {
        try {
          JSON.parse(config.value || "{}");
        } catch (error) {
          put(clear(errorSlot), errorBox(`The run config is not valid JSON: ${error.message}`));
          return;
        }
      }
      go.disabled = true;
      await launch(request, errorSlot);
      go.disabled = false;
    });
    put(clear(panel), 
      h("h2", {}, `Materialize ${asset.key}`),
      partitionInput ? h("label", { class: "field" }, h("span", {}, "Partition"), partitionInput, keys, h("span", { class: "muted partition-total" })) : null,
      config ? h("label", { class: "field" }, h("span", {}, "Run config (JSON)"), config) : null,
      errorSlot,
      h("div", { class: "row" }, go, h("button", { onclick: () => (panel.hidden = true) }, "Cancel")),
    );
    panel.hidden = false;
    if (partitionInput) {
      if (partition) partitionInput.value = partition;
      fillPartitionKeys(asset, keys, partitionInput, panel.querySelector(".partition-total"), errorSlot, Boolean(partition));
    }
    (partitionInput || config).focus();
  };
  return { open, needsInput };
}

async function fillPartitionKeys(asset, datalist, input, total, errorSlot, keep) {
  const request = { location: asset.details.location, asset_key: asset.assetKey };
  try {
    const first = await rpc("ListPartitionKeys", { ...request, limit: 1 });
    const count = first.total || 0;
    const page = await rpc("ListPartitionKeys", { ...request, offset: Math.max(0, count - 500), limit: 500 });
    put(clear(datalist), (page.keys || []).map((k) => h("option", { value: k })));
    total.textContent = `${count.toLocaleString()} partitions${count > 500 ? " (the newest 500 suggested; type any key)" : ""}`;
    if (!keep && page.keys && page.keys.length) input.value = page.keys[page.keys.length - 1];
  } catch (error) {
    put(clear(errorSlot), errorBox(`Could not list the partitions: ${error.message}`));
  }
}

// {"ops": {<op>: {"config": {...}}}} with each property's default, or an empty value of its type.
export function scaffoldRunConfig(node) {
  let schema = {};
  try {
    schema = JSON.parse(node.config_schema);
  } catch {
    return "{}";
  }
  const defs = schema.$defs || schema.definitions || {};
  const value = (s, depth = 0) => {
    if (!s || depth > 8) return null;
    if (s.$ref) return value(defs[s.$ref.split("/").pop()], depth + 1);
    if (s.default !== undefined) return s.default;
    if (s.enum) return s.enum[0];
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
    if (s.anyOf || s.oneOf) return value((s.anyOf || s.oneOf).find((x) => x.type !== "null"), depth + 1);
    if (type === "object" || s.properties) {
      const out = {};
      for (const [k, p] of Object.entries(s.properties || {})) out[k] = value(p, depth + 1);
      return out;
    }
    return { string: "", integer: 0, number: 0, boolean: false, array: [] }[type] ?? null;
  };
  return JSON.stringify({ ops: { [node.op_name || node.key.path.join("__")]: { config: value(schema) } } }, null, 2);
}

// ---- tabs ----------------------------------------------------------------------------------------------

async function overviewTab(body, asset) {
  const { details } = asset;
  const node = details.node;
  const refs = (list) =>
    list && list.length
      ? h("ul", { class: "lineage-list" }, list.map((r) => h("li", {}, refLink(r))))
      : h("span", { class: "muted" }, "none");
  const latest = details.latest_materialization;
  put(clear(body), 
    h(
      "div",
      { class: "asset-overview" },
      h(
        "div",
        { class: "card" },
        h("h2", {}, "Description"),
        node.description ? markdown(node.description) : h("span", { class: "muted" }, "No description."),
        h("h2", {}, "Definition"),
        h(
          "dl",
          { class: "kv" },
          kv("Location", details.location),
          kv("Declared in", (details.self.declared_in || []).filter((l) => l !== details.location).join(", ")),
          kv("Group", node.group_name),
          kv("Kinds", tags(node.kinds)),
          kv("Owners", tags(node.owners)),
          kv("Tags", tags(Object.entries(node.tags || {}).map(([k, v]) => (v ? `${k}=${v}` : k)))),
          kv("Code version", node.code_version ? h("code", {}, node.code_version) : ""),
          kv("Partitions", partitionsText(node.partitions)),
          kv("Jobs", tags(node.job_names)),
          kv("Resources", tags(node.required_resource_keys)),
          kv("IO manager", node.io_manager_key),
          kv("Op", node.op_name),
          kv("Config", node.config_schema ? "takes config (Materialize opens an editor)" : ""),
          kv("Checks", tags((details.checks || []).map((c) => c.check.name))),
          kv(
            "Latest materialization",
            latest && latest.run_id ? h("span", {}, when(latest.timestamp), " · run ", link(`/runs/${encodeURIComponent(latest.run_id)}`, shortId(latest.run_id))) : "never",
          ),
        ),
        h("h2", {}, "Definition metadata"),
        metadataList(node.metadata, { empty: "None." }),
      ),
      h("div", { class: "card" }, h("h2", {}, "Upstream"), refs(details.upstream), h("h2", {}, "Downstream"), refs(details.downstream)),
    ),
  );
}

function kv(label, value) {
  if (value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length)) return null;
  return [h("dt", {}, label), h("dd", {}, value)];
}

function tags(list) {
  return list && list.length ? list.map((t) => h("span", { class: "tag" }, t)) : "";
}

function refLink(ref) {
  const key = ref.asset_key.path.join("/");
  const where = ref.location || "not materialized by any location";
  return h("span", {}, link(keyPath(key), key), h("span", { class: "muted" }, ` · ${where}`));
}

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

async function eventsTab(body, asset, ctx) {
  const partition = ctx.query.get("partition") || "";
  const list = h("div", { class: "events" });
  const more = h("div", { class: "row" });
  const filter = h("input", { type: "search", placeholder: "partition key", value: partition, "aria-label": "only this partition" });
  filter.addEventListener("change", () => ctx.setQuery({ partition: filter.value.trim() }, { rerender: true }));
  put(clear(body), h("div", { class: "row" }, h("h2", {}, "Materializations"), h("span", { class: "spacer" }), filter), list, more);
  const page = async (cursor) => {
    const reply = await rpc("ListAssetEvents", {
      asset_key: asset.assetKey,
      types: ["ASSET_MATERIALIZATION"],
      limit: EVENTS_PAGE,
      cursor: cursor || "",
      partition_key: partition,
    });
    const events = reply.events || [];
    if (!cursor && !events.length) put(list, h("div", { class: "card empty" }, partition ? `No materialization of partition ${partition}.` : "Never materialized."));
    put(list, events.map(eventCard));
    clear(more);
    if (reply.next_cursor) put(more, h("button", { onclick: () => page(reply.next_cursor) }, "Load older"));
  };
  await page("");
}

function eventCard(e) {
  return h(
    "div",
    { class: "card event", dataset: { run: e.run_id, sequence: e.sequence } },
    h(
      "div",
      { class: "row event-head" },
      h("strong", { title: when(e.timestamp) }, when(e.timestamp)),
      h("span", { class: "muted" }, ago(e.timestamp)),
      h("span", {}, "run ", link(`/runs/${encodeURIComponent(e.run_id)}`, shortId(e.run_id))),
      e.step_key ? h("span", { class: "muted" }, `step ${e.step_key}`) : null,
      e.partition_key ? h("span", { class: "tag" }, `partition ${e.partition_key}`) : null,
    ),
    metadataList(e.metadata),
  );
}

async function plotsTab(body, asset) {
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

async function partitionsTab(body, asset, ctx, launcher) {
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

async function checksTab(body, asset) {
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

async function lineageTab(body, asset, ctx) {
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

const TAB_RENDERERS = {
  overview: overviewTab,
  events: eventsTab,
  plots: plotsTab,
  partitions: partitionsTab,
  checks: checksTab,
  lineage: lineageTab,
};
