// `/assets/<key/path>`: one asset. Header with its status and Materialize (lib/materialize.js); tabs in
// the query string (?tab=overview|events|plots|partitions|checks|lineage, lib/asset_tabs.js). Everything
// comes from the Host API (GetAssetDetails, ListAssetEvents, GetPartitionStatus, ListPartitionKeys,
// LaunchRun) plus the catalog's status row; live through the feed.

import { get, readOnly, rpc } from "../lib/api.js";
import { append, badge, clear, errorBox, h, link } from "../lib/dom.js";
import { ago, keyPath, shortId, when } from "../lib/format.js";
import { STATUS_TEXT, checksTab, eventsTab, lineageTab, partitionsTab, partitionsText, plotsTab } from "../lib/asset_tabs.js";
import { markdown } from "../lib/markdown.js";
import { materializer } from "../lib/materialize.js";
import { metadataList } from "../lib/metadata.js";

const put = (el, ...children) => append(el, children);

const TABS = [
  ["overview", "Overview"],
  ["events", "Events"],
  ["plots", "Plots"],
  ["partitions", "Partitions"],
  ["checks", "Checks"],
  ["lineage", "Lineage"],
];

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
    tabs.remove();
    const history = h("div");
    put(body, h("p", { class: "muted" }, "No loaded location defines this asset. Its stored history, if any:"), history);
    await eventsTab(history, asset, ctx);
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
      node.is_executable && node.partitions && !readOnly ? backfillLink(asset) : null,
      link(`/assets/graph?selection=${encodeURIComponent(`key:"${asset.key}"`)}`, "View in graph"),
      node.automation_condition ? link(`/automation?asset=${encodeURIComponent(asset.key)}`, "Why (automation)") : null,
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

// A backfill of this asset: the launch page with the asset chosen and a range of partitions to fill in.
function backfillLink(asset) {
  const query = new URLSearchParams({ location: asset.details.location, assets: asset.key, pmode: "range" });
  return h("a", { class: "button backfill-button", href: `/launch?${query}`, title: "launch a backfill over a range of this asset's partitions" }, "Backfill…");
}

function fact(label, value) {
  return h("span", { class: "fact" }, h("span", { class: "muted" }, label + " "), value);
}

// ---- the overview tab ------------------------------------------------------------------------------

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

const TAB_RENDERERS = {
  overview: overviewTab,
  events: eventsTab,
  plots: plotsTab,
  partitions: partitionsTab,
  checks: checksTab,
  lineage: lineageTab,
};

