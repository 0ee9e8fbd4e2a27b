// Materialize one asset from the UI: at once when it needs nothing, else a panel with a JSON run config
// scaffolded from the asset's config schema and a partition picker (ListPartitionKeys); the host's
// refusals (a partitioned asset without a partition, bad config) are shown in the panel.

import { append, clear, errorBox, h, link, toast } from "./dom.js";
import { rpc } from "./api.js";
import { shortId } from "./format.js";

const put = (el, ...children) => append(el, children);
const SUGGESTED_KEYS = 500;

export function materializer(panel, asset, ctx) {
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
    const page = await rpc("ListPartitionKeys", { ...request, offset: Math.max(0, count - SUGGESTED_KEYS), limit: SUGGESTED_KEYS });
    put(clear(datalist), (page.keys || []).map((k) => h("option", { value: k })));
    total.textContent = `${count.toLocaleString()} partitions${count > SUGGESTED_KEYS ? ` (the newest ${SUGGESTED_KEYS} suggested; type any key)` : ""}`;
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

