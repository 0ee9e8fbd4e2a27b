// The asset graph's side panel (one asset: what it is, its status, links, Materialize) and the
// launching of runs for a set of assets: one LaunchRun per location, since a run belongs to one.

import { readOnly, rpc } from "./api.js";
import { badge, h, link, toast } from "./dom.js";
import { ago, keyPath, shortId, when } from "./format.js";
import { STATUS, STATUS_TEXT } from "./graph_model.js";

const descriptions = new Map(); // asset key -> description, so a status refresh does not refetch it

// New code: descriptions may have changed.
export function forgetDescriptions() {
  descriptions.clear();
}

// The panel of node `i` of `model`; `status` is the overlay (may be null while loading).
export function assetPanel(model, i, status, { onClose, onSelect }) {
  const node = model.nodes[i];
  const id = model.ids[i];
  const code = status ? status.status[id] : 0;
  const latest = status ? status.latest[id] : 0;
  const run = status && status.runs ? status.runs[String(id)] : "";
  const description = h("p", { class: "graph-panel-description muted" }, "…");
  const quoted = JSON.stringify(node.key);
  const panel = h(
    "aside",
    { class: "graph-panel", "aria-label": "asset details" },
    h(
      "div",
      { class: "graph-panel-head" },
      h("h2", { class: "graph-panel-key" }, node.key),
      h("button", { class: "graph-panel-close", title: "close (Esc)", "aria-label": "close", onclick: onClose }, "×"),
    ),
    description,
    h(
      "dl",
      { class: "kv" },
      h("dt", {}, "Status"),
      h("dd", {}, badge(STATUS[code], STATUS_TEXT[code]), run ? [" ", link(`/runs/${encodeURIComponent(run)}`, `run ${shortId(run)}`)] : null),
      h("dt", {}, "Location"),
      h("dd", {}, node.location ? link(`/locations/${encodeURIComponent(node.location)}`, node.location) : h("span", { class: "muted" }, "not defined in any location")),
      h("dt", {}, "Group"),
      h("dd", {}, node.group || "—"),
      h("dt", {}, "Kinds"),
      h("dd", {}, node.kinds.length ? node.kinds.map((k) => h("span", { class: "tag" }, k)) : "—"),
      node.owners.length ? [h("dt", {}, "Owners"), h("dd", {}, node.owners.join(", "))] : null,
      h("dt", {}, "Materialized"),
      h("dd", {}, latest ? h("span", { title: when(latest) }, ago(latest)) : h("span", { class: "muted" }, "never")),
      h("dt", {}, "Upstream"),
      h("dd", {}, `${model.upCount[i]} asset${model.upCount[i] === 1 ? "" : "s"}`),
      h("dt", {}, "Downstream"),
      h("dd", {}, `${model.downCount[i]} asset${model.downCount[i] === 1 ? "" : "s"}`),
      node.checks.length ? [h("dt", {}, "Checks"), h("dd", {}, node.checks.join(", "))] : null,
      node.declared_in && node.declared_in.length ? [h("dt", {}, "Declared in"), h("dd", {}, node.declared_in.join(", "))] : null,
    ),
    h(
      "div",
      { class: "graph-panel-actions" },
      link(keyPath(node.key), "Open asset"),
      h("button", { onclick: () => onSelect(`+key:${quoted}+`) }, "Select lineage"),
      node.executable && node.location && !readOnly
        ? h("button", { class: "primary graph-materialize", onclick: (e) => materialize([node], e.currentTarget) }, "Materialize")
        : null,
    ),
  );
  if (descriptions.has(node.key)) {
    description.textContent = descriptions.get(node.key);
  } else if (node.location) {
    rpc("GetAssetDetails", { asset_key: { path: keyParts(node.key) } })
      .then((details) => {
        const text = (details.node && details.node.description) || "No description.";
        if (descriptions.size > 500) descriptions.clear();
        descriptions.set(node.key, text);
        description.textContent = text;
      })
      .catch((error) => {
        description.textContent = `Details unavailable: ${error.message}`;
      });
  } else {
    description.textContent = "Named as a dependency; no loaded location declares it.";
  }
  return panel;
}

export function keyParts(key) {
  return String(key).split("/").filter(Boolean);
}

// Which of `nodes` can be launched, by location, and what cannot.
export function launchPlan(nodes) {
  const byLocation = new Map();
  let skipped = 0;
  for (const node of nodes) {
    if (!node.executable || !node.location) {
      skipped++;
      continue;
    }
    if (!byLocation.has(node.location)) byLocation.set(node.location, []);
    byLocation.get(node.location).push(node);
  }
  return { byLocation, skipped };
}

// One LaunchRun per location; a toast links every run launched and names every refusal.
export async function materialize(nodes, button) {
  const { byLocation, skipped } = launchPlan(nodes);
  if (button) button.disabled = true;
  const launched = [];
  const failed = [];
  for (const [location, members] of byLocation) {
    try {
      const run = await rpc("LaunchRun", { location, asset_selection: members.map((n) => ({ path: keyParts(n.key) })) });
      launched.push([location, run.run_id, members.length]);
    } catch (error) {
      failed.push(`${location}: ${error.message}`);
    }
  }
  if (button) button.disabled = false;
  const parts = launched.map(([location, runId, count]) =>
    h("div", {}, "Launched ", link(`/runs/${encodeURIComponent(runId)}`, `run ${shortId(runId)}`), ` in ${location} (${count} asset${count === 1 ? "" : "s"})`),
  );
  if (skipped) parts.push(h("div", {}, `${skipped} asset${skipped === 1 ? "" : "s"} not materializable here (external or undefined) left out`));
  for (const text of failed) parts.push(h("div", {}, text));
  toast(h("div", { class: "graph-toast" }, parts.length ? parts : "Nothing to materialize"), { bad: failed.length > 0 });
  return launched;
}
