// `/launch`: pick a location, then a job or assets; edit the run config, YAML or JSON, against the
// target's JSON Schema (checked as you type, errors naming their path or line); tags; a partition, or a
// range / all partitions as a backfill. The URL holds the choice (?location=&job=&assets=&partition=
// ...&config_format=json); ?from_run=<id> starts from a run's target, config, tags and partition.

import { get, readOnly, rpc } from "../lib/api.js";
import { configEditor } from "../lib/config_editor.js";
import { append, clear, errorBox, h } from "../lib/dom.js";

const ASSET_ROWS = 300; // assets listed at once; the filter narrows the rest
const KEY_WINDOW = 2000; // partition keys offered as suggestions (the latest ones)
const SYSTEM_TAGS = new Set([
  "dagster/backfill",
  "dagster/asset_partition_range_start",
  "dagster/asset_partition_range_end",
  "dagster/parent_run_id",
  "dagster/root_run_id",
  "dagster/retry_number",
]);

export async function render(root, ctx) {
  const q = ctx.query;
  const state = {
    location: q.get("location") || "",
    job: q.get("job") || "",
    assets: new Set((q.get("assets") || "").split(",").filter(Boolean)),
    tab: q.get("assets") || q.get("tab") === "assets" ? "assets" : "job",
    filter: q.get("q") || "",
    pmode: q.get("pmode") || "single",
    partition: q.get("partition") || "",
    from: q.get("from") || "",
    to: q.get("to") || "",
  };
  const config = configEditor({
    onChange: () => updateButton(),
    format: q.get("config_format") || "yaml",
    onFormat: (format) => ctx.setQuery({ config_format: format === "yaml" ? "" : format }),
  });
  ctx.onLeave(config.stop);
  let tagsText = "";
  let fromRunError = null;
  let run = null;
  if (q.get("from_run")) {
    try {
      run = await rpc("GetRun", { run_id: q.get("from_run") });
    } catch (error) {
      fromRunError = error;
    }
  }
  if (run) {
    const assetJob = !run.job_name || run.job_name === "__ASSET_JOB";
    Object.assign(state, {
      location: run.location,
      job: assetJob ? "" : run.job_name,
      assets: new Set(assetJob ? (run.asset_selection || []).map((k) => (k.path || []).join("/")) : []),
      tab: assetJob ? "assets" : "job",
      partition: run.partition_key || "",
      pmode: "single",
    });
    const stored = parseJson(run.run_config_json || "{}");
    if (stored === undefined) config.setText(run.run_config_json, targetKey());
    else config.setValue(stored, targetKey());
    tagsText = Object.entries(run.tags || {})
      .filter(([k]) => !SYSTEM_TAGS.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .join("\n");
  }

  const { locations = [] } = await rpc("ListLocations");
  if (!state.location && locations.length === 1) state.location = locations[0].name;

  const sync = () =>
    ctx.setQuery({
      location: state.location,
      job: state.tab === "job" ? state.job : "",
      assets: state.tab === "assets" ? [...state.assets].sort().join(",") : "",
      tab: state.tab === "assets" && !state.assets.size ? "assets" : "",
      q: state.tab === "assets" ? state.filter : "",
      pmode: state.pmode === "single" ? "" : state.pmode,
      partition: state.pmode === "single" ? state.partition : "",
      from: state.pmode === "range" ? state.from : "",
      to: state.pmode === "range" ? state.to : "",
    });

  const targetBox = h("div", { class: "card launch-target" });
  const partitionBox = h("div");
  const resultBox = h("div", { class: "launch-result" });
  const summaryEl = h("span", { class: "muted", id: "launch-summary" });
  const launchButton = h("button", { class: "primary", disabled: true, onclick: () => launch() }, "Launch run");
  const tagsArea = h("textarea", {
    class: "launch-tags",
    rows: 4,
    spellcheck: "false",
    placeholder: "team=finance\npriority=high",
    "aria-label": "Tags, one key=value per line",
    oninput: () => (tagsText = tagsArea.value),
  });
  tagsArea.value = tagsText;

  append(root, [
    h("h1", {}, "Launch"),
    readOnly ? h("div", { class: "notice" }, "This UI is read-only (--ui-read-only): launching is turned off.") : null,
    fromRunError ? errorBox(`Cannot start from run ${q.get("from_run")}: ${fromRunError.message}`) : null,
    h(
      "div",
      { class: "launch-grid" },
      h("div", {}, h("div", { class: "card" }, locationPicker()), targetBox, partitionBox),
      h(
        "div",
        {},
        config.element,
        h("div", { class: "card" }, h("h2", {}, "Tags"), h("div", { class: "muted small" }, "One key=value per line."), tagsArea),
        h("div", { class: "row launch-actions" }, launchButton, summaryEl),
        resultBox,
      ),
    ),
  ]);

  let definitions = null; // the location's jobs and assets
  let target = null; // what /api/launch/target says of the choice
  let partitionInfo = null; // {total, keys, computed_by} of the target's partitions

  function locationPicker() {
    const select = h(
      "select",
      {
        id: "launch-location",
        onchange: () => {
          Object.assign(state, { location: select.value, job: "", assets: new Set(), partition: "", from: "", to: "" });
          sync();
          loadLocation();
        },
      },
      h("option", { value: "" }, "Choose a location"),
      locations.map((loc) =>
        h(
          "option",
          { value: loc.name, selected: loc.name === state.location, disabled: loc.status !== "LOCATION_LOADED" && !loc.snapshot_id },
          loc.status === "LOCATION_LOADED" ? loc.name : `${loc.name} (${(loc.status || "").replace("LOCATION_", "").toLowerCase()})`,
        ),
      ),
    );
    return h("label", { class: "launch-field" }, h("span", {}, "Location"), select);
  }

  async function loadLocation() {
    definitions = null;
    target = null;
    clear(targetBox);
    clear(partitionBox);
    config.setTarget(null, null);
    if (!state.location) {
      targetBox.append(h("div", { class: "muted" }, "Choose a location to see its jobs and assets."));
      return;
    }
    try {
      definitions = await get(`/api/locations/${encodeURIComponent(state.location)}/definitions`);
    } catch (error) {
      targetBox.append(errorBox(error));
      return;
    }
    drawTarget();
    await loadTarget();
  }

  function drawTarget() {
    clear(targetBox);
    const tabs = h(
      "div",
      { class: "tabs" },
      ["job", "assets"].map((tab) =>
        h(
          "a",
          {
            href: "#",
            class: state.tab === tab ? "active" : "",
            onclick: (event) => {
              event.preventDefault();
              if (state.tab === tab) return;
              state.tab = tab;
              sync();
              drawTarget();
              loadTarget();
            },
          },
          tab === "job" ? `Job (${definitions.jobs.length})` : `Assets (${definitions.assets.length})`,
        ),
      ),
    );
    targetBox.append(tabs, state.tab === "job" ? jobPicker() : assetPicker());
  }

  function jobPicker() {
    if (!definitions.jobs.length) {
      return h("div", { class: "muted" }, `Location ${state.location} defines no jobs: launch assets instead.`);
    }
    const select = h(
      "select",
      {
        id: "launch-job",
        onchange: () => {
          state.job = select.value;
          sync();
          loadTarget();
        },
      },
      h("option", { value: "" }, "Choose a job"),
      definitions.jobs.map((job) => h("option", { value: job.name, selected: job.name === state.job }, job.name)),
    );
    const job = definitions.jobs.find((j) => j.name === state.job);
    return h(
      "div",
      {},
      h("label", { class: "launch-field" }, h("span", {}, "Job"), select),
      job && job.description ? h("p", { class: "muted" }, job.description) : null,
    );
  }

  function assetPicker() {
    const list = h("div", { class: "launch-assets" });
    const chosen = h("div", { class: "launch-chosen" });
    const input = h("input", {
      type: "search",
      placeholder: "Filter by key or group",
      value: state.filter,
      "aria-label": "Filter assets",
      oninput: () => {
        state.filter = input.value;
        sync();
        drawList();
      },
    });
    const shown = () => {
      const needle = state.filter.trim().toLowerCase();
      return definitions.assets.filter(
        (a) => !needle || a.key.toLowerCase().includes(needle) || (a.group || "").toLowerCase().includes(needle),
      );
    };
    const changed = () => {
      sync();
      drawChosen();
      loadTarget();
    };
    const drawChosen = () => {
      clear(chosen).append(
        state.assets.size
          ? h("span", {}, `${state.assets.size} selected: `, [...state.assets].sort().slice(0, 12).map((k) => h("span", { class: "tag" }, k)), state.assets.size > 12 ? ` +${state.assets.size - 12} more` : "")
          : h("span", { class: "muted" }, "No asset selected."),
      );
    };
    const drawList = () => {
      const matches = shown();
      append(clear(list), [
        matches.slice(0, ASSET_ROWS).map((asset) =>
          h(
            "label",
            { class: asset.executable ? "launch-asset" : "launch-asset muted", title: asset.executable ? "" : "an external asset: it cannot be materialized" },
            h("input", {
              type: "checkbox",
              value: asset.key,
              checked: state.assets.has(asset.key),
              disabled: !asset.executable,
              onchange: (event) => {
                if (event.target.checked) state.assets.add(asset.key);
                else state.assets.delete(asset.key);
                changed();
              },
            }),
            h("span", { class: "mono" }, asset.key),
            asset.group ? h("span", { class: "muted small" }, asset.group) : null,
            asset.partitions ? h("span", { class: "tag" }, "partitioned") : null,
            asset.has_config ? h("span", { class: "tag" }, "config") : null,
          ),
        ),
        matches.length > ASSET_ROWS ? h("div", { class: "muted small" }, `${matches.length - ASSET_ROWS} more: narrow the filter`) : null,
        matches.length ? null : h("div", { class: "muted small" }, "No asset matches the filter."),
      ]);
    };
    const selectShown = () => {
      for (const a of shown().slice(0, ASSET_ROWS)) if (a.executable) state.assets.add(a.key);
      drawList();
      changed();
    };
    const clearAll = () => {
      state.assets.clear();
      drawList();
      changed();
    };
    drawChosen();
    drawList();
    return h(
      "div",
      {},
      h("div", { class: "row" }, input, h("button", { onclick: selectShown }, "Select shown"), h("button", { onclick: clearAll }, "Clear")),
      chosen,
      list,
    );
  }

  async function loadTarget() {
    target = null;
    partitionInfo = null;
    clear(partitionBox);
    clear(resultBox);
    const chosen = state.tab === "job" ? state.job : state.assets.size;
    if (!state.location || !chosen) {
      config.setTarget(null, null);
      return;
    }
    const params = { location: state.location };
    if (state.tab === "job") params.job = state.job;
    else params.assets = [...state.assets].sort().join(",");
    const asked = JSON.stringify(params);
    let found;
    try {
      found = await get("/api/launch/target", params);
    } catch (error) {
      partitionBox.append(errorBox(error));
      config.setTarget(null, null);
      return;
    }
    if (asked !== JSON.stringify(currentParams())) return; // the choice changed meanwhile
    target = found;
    config.setTarget(target.config_schema, targetKey());
    await loadPartitions();
  }

  function targetKey() {
    return JSON.stringify(currentParams());
  }

  function currentParams() {
    const params = { location: state.location };
    if (state.tab === "job") params.job = state.job;
    else params.assets = [...state.assets].sort().join(",");
    return params;
  }

  async function loadPartitions() {
    const sources = target.partitions || [];
    if (!sources.length) {
      updateButton();
      return;
    }
    const box = h("div", { class: "card launch-partitions" }, h("h2", {}, "Partitions"));
    partitionBox.append(box);
    if (sources.length > 1) {
      box.append(
        errorBox(`The selected assets have ${sources.length} different partitions definitions (${sources.map((s) => s.asset_key).join(", ")}): launch them separately.`),
      );
      updateButton();
      return;
    }
    const source = sources[0];
    const request = { location: state.location };
    if (source.job_name) request.job_name = source.job_name;
    else request.asset_key = { path: source.asset_key.split("/") };
    try {
      const first = await rpc("ListPartitionKeys", { ...request, limit: 1 });
      const total = first.total || 0;
      const page = await rpc("ListPartitionKeys", { ...request, offset: Math.max(0, total - KEY_WINDOW), limit: KEY_WINDOW });
      partitionInfo = { total, keys: page.keys || [], computed_by: page.computed_by };
    } catch (error) {
      box.append(errorBox(error));
      updateButton();
      return;
    }
    drawPartitions(box);
  }

  function drawPartitions(box) {
    const { total, keys } = partitionInfo;
    const listId = "launch-partition-keys";
    const datalist = h("datalist", { id: listId }, keys.slice().reverse().map((k) => h("option", { value: k })));
    const keyInput = (name, label) =>
      h(
        "label",
        { class: "launch-field" },
        h("span", {}, label),
        h("input", {
          name,
          list: listId,
          value: state[name],
          placeholder: keys.length ? keys[keys.length - 1] : "",
          oninput: (event) => {
            state[name] = event.target.value.trim();
            sync();
            updateButton();
          },
        }),
      );
    const modes = [
      ["single", "One partition (a run)"],
      ["range", "A range (a backfill)"],
      ["all", `All ${total} (a backfill)`],
    ];
    const fieldsBox = h("div");
    const drawFields = () => {
      append(clear(fieldsBox), [
        state.pmode === "single" ? keyInput("partition", "Partition") : null,
        state.pmode === "range" ? h("div", { class: "row" }, keyInput("from", "From"), keyInput("to", "To (included)")) : null,
      ]);
      updateButton();
    };
    box.append(
      h(
        "div",
        { class: "muted small" },
        `${total} partition${total === 1 ? "" : "s"}` + (keys.length ? `, ${keys[0]} … ${keys[keys.length - 1]}` : "") + (keys.length < total ? ` (suggesting the latest ${keys.length})` : ""),
      ),
      h(
        "div",
        { class: "row launch-modes", role: "radiogroup" },
        modes.map(([value, label]) =>
          h(
            "label",
            {},
            h("input", {
              type: "radio",
              name: "pmode",
              value,
              checked: state.pmode === value,
              onchange: () => {
                state.pmode = value;
                sync();
                drawFields();
              },
            }),
            " ",
            label,
          ),
        ),
      ),
      fieldsBox,
      datalist,
    );
    drawFields();
  }

  function isBackfill() {
    return Boolean(partitionInfo) && (state.pmode === "range" || state.pmode === "all");
  }

  function updateButton() {
    let label = "Launch run";
    let note = "";
    if (isBackfill()) {
      label = "Launch backfill";
      if (state.pmode === "all") note = `${partitionInfo.total} partitions`;
      else {
        const a = partitionInfo.keys.indexOf(state.from);
        const b = partitionInfo.keys.indexOf(state.to);
        note = a >= 0 && b >= a ? `${b - a + 1} partitions` : "";
      }
    } else if (partitionInfo && state.partition) note = `partition ${state.partition}`;
    launchButton.textContent = label;
    launchButton.disabled = readOnly || !target;
    summaryEl.textContent = target ? [targetText(), note].filter(Boolean).join(" · ") : "Choose a job or assets.";
  }

  function targetText() {
    if (target.job_name) return `job ${target.job_name}` + (target.asset_keys.length ? ` (${plural(target.asset_keys.length, "asset")})` : "");
    return plural(target.asset_keys.length, "asset");
  }

  function parseTags() {
    const tags = {};
    const lines = tagsArea.value.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line || line.startsWith("#")) continue;
      const at = line.indexOf("=");
      if (at <= 0) throw new Error(`Tags, line ${i + 1}: expected key=value, got ${JSON.stringify(line)}`);
      tags[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return tags;
  }

  async function launch() {
    clear(resultBox);
    const { error, errors, value } = config.check();
    if (error || errors.length) {
      config.show();
      resultBox.append(errorBox(error ? `Not launched: fix the run config's ${config.format().toUpperCase()} first.` : `Not launched: the config has ${errors.length} problem(s) listed above.`));
      return;
    }
    let tags;
    try {
      tags = parseTags();
    } catch (problem) {
      resultBox.append(errorBox(problem));
      return;
    }
    const common = { location: state.location, run_config_json: JSON.stringify(value), tags };
    if (target.job_name) common.job_name = target.job_name;
    else common.asset_selection = target.asset_keys.map((k) => ({ path: k.split("/") }));
    launchButton.disabled = true;
    try {
      if (isBackfill()) {
        const request = { ...common };
        if (state.pmode === "all") request.all_partitions = true;
        else Object.assign(request, { range_start: state.from, range_end: state.to });
        const backfill = await rpc("LaunchBackfill", request);
        ctx.navigate(`/backfills/${encodeURIComponent(backfill.backfill_id)}`);
      } else {
        const run = await rpc("LaunchRun", { ...common, partition_key: partitionInfo ? state.partition : "" });
        ctx.navigate(`/runs/${encodeURIComponent(run.run_id)}`);
      }
    } catch (problem) {
      resultBox.append(h("div", { class: "error-box launch-server-error", role: "alert" }, h("strong", {}, "The host refused the launch:"), h("pre", {}, problem.message)));
      updateButton();
    }
  }

  if (run) sync(); // the URL names the run's target, so it can be changed from there
  await loadLocation();
}

// A stored run config's value, or undefined when it is not JSON (shown as it is).
function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
