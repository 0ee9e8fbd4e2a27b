// Materialize one asset from the UI: at once when it needs nothing, else a panel with the launchpad's
// run-config editor (lib/config_editor.js: YAML or JSON, scaffold, checks as you type, completion;
// the format in the URL's config_format as on /launch) for the asset's
// config schema and a partition picker (ListPartitionKeys); the host's refusals (a partitioned asset
// without a partition, bad config) are shown in the panel.

import { append, clear, errorBox, h, link, toast } from "./dom.js";
import { rpc } from "./api.js";
import { configEditor } from "./config_editor.js";
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
      ? configEditor({
          format: new URLSearchParams(location.search).get("config_format") || "yaml",
          onFormat: (format) => ctx.setQuery({ config_format: format === "yaml" ? "" : format }),
        })
      : null;
    if (config) config.setTarget(runConfigSchema(node()), asset.key);
    partitionInput = node().partitions ? h("input", { type: "text", class: "partition-input", list: "partition-keys", placeholder: "partition key", "aria-label": "partition key" }) : null;
    const keys = h("datalist", { id: "partition-keys" });
    const go = h("button", { class: "primary" }, "Launch run");
    go.addEventListener("click", async () => {
      const request = base();
      if (partitionInput && partitionInput.value.trim()) request.partition_key = partitionInput.value.trim();
      if (config) {
        const { error, errors, value } = config.check();
        if (error || errors.length) {
          config.show();
          put(clear(errorSlot), errorBox(error ? `Not launched: fix the run config's ${config.format().toUpperCase()} first.` : `Not launched: the config has ${errors.length} problem(s) listed above.`));
          return;
        }
        request.run_config_json = JSON.stringify(value);
      }
      go.disabled = true;
      await launch(request, errorSlot);
      go.disabled = false;
    });
    put(clear(panel), 
      h("h2", {}, `Materialize ${asset.key}`),
      partitionInput ? h("label", { class: "field" }, h("span", {}, "Partition"), partitionInput, keys, h("span", { class: "muted partition-total" })) : null,
      config ? config.element : null,
      errorSlot,
      h("div", { class: "row" }, go, h("button", { onclick: () => (panel.hidden = true) }, "Cancel")),
    );
    panel.hidden = false;
    if (partitionInput) {
      if (partition) partitionInput.value = partition;
      fillPartitionKeys(asset, keys, partitionInput, panel.querySelector(".partition-total"), errorSlot, Boolean(partition));
    }
    (partitionInput || panel.querySelector("textarea")).focus();
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

// The run config schema of a run of this asset alone: {"ops": {<op>: {"config": <its schema>}}}, the
// config schema's $defs moved to the top so its references resolve. The host checks the whole run
// config again on launch (resources included).
export function runConfigSchema(node) {
  let config = {};
  try {
    config = JSON.parse(node.config_schema);
  } catch {
    return null;
  }
  const { $defs, definitions, ...own } = config;
  const op = node.op_name || node.key.path.join("__");
  const opSchema = { type: "object", properties: { config: own }, required: ["config"], additionalProperties: false };
  const schema = {
    type: "object",
    properties: { ops: { type: "object", properties: { [op]: opSchema }, required: [op], additionalProperties: false }, resources: { type: "object" } },
    required: ["ops"],
  };
  if ($defs) schema.$defs = $defs;
  if (definitions) schema.definitions = definitions;
  return schema;
}
