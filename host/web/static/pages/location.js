// `/locations/<name>`: one code location: its state, snapshot, interpreter, load error with the
// traceback, Reload; its jobs (with a Launch link), assets count, schedules and sensors with their
// state, and resources (with the assets that use them).

import { get, readOnly, rpc } from "../lib/api.js";
import { append, clear, errorBox, h, link, table, toast } from "../lib/dom.js";
import { ago, when } from "../lib/format.js";
import { instigatorHref, stateBadge, tickStatus, timing, toggleButton } from "../lib/instigators.js";
import { codeError, locationBadge } from "../lib/status.js";

export async function render(root, ctx) {
  const name = ctx.params.name;
  const body = h("div");
  const reload = readOnly
    ? null
    : h(
        "button",
        {
          onclick: async () => {
            reload.disabled = true;
            try {
              await rpc("ReloadLocation", { name });
              toast(`${name} reloaded`);
              await draw();
            } catch (error) {
              toast(error.message, { bad: true });
            } finally {
              reload.disabled = false;
            }
          },
        },
        "Reload",
      );
  append(root, [h("div", { class: "row" }, h("h1", {}, name), h("span", { class: "spacer" }), link("/locations", "All locations"), reload), body]);

  const draw = async () => {
    const [defs, instigators] = await Promise.all([
      get(`/api/locations/${encodeURIComponent(name)}/definitions`),
      rpc("ListInstigators", { location: name }),
    ]);
    const loc = defs.location;
    const all = instigators.instigators || [];
    const failing = loc.status !== "LOCATION_LOADED" && loc.status !== "LOCATION_LOADING";
    append(clear(body), [
      summary(loc, defs),
      loc.error_message ? h("div", { class: "error-box" }, loc.error_message) : null,
      loc.load_error ? [h("h2", {}, "Load error"), codeError(loc.load_error)] : null,
      failing && loc.snapshot_id
        ? h("div", { class: "notice", style: { marginTop: "10px" } }, "Serving the last snapshot that loaded, while the code fails to load: the definitions below are from it.")
        : null,
      loc.snapshot_id ? definitions(defs, all) : h("div", { class: "notice", style: { marginTop: "10px" } }, "No snapshot yet: the definitions are unknown until the code loads. Fix the error above, then Reload."),
    ]);
  };

  const definitions = (defs, all) => [
    h("h2", {}, `Jobs (${defs.jobs.length})`),
    table(
      ["Job", "Kind", "Assets", "Ops", "Partitions", "Executor", ""],
      defs.jobs.map((job) =>
        h(
          "tr",
          { dataset: { job: job.name } },
          h("td", {}, h("strong", {}, job.name), job.description ? h("div", { class: "muted small" }, job.description) : null),
          h("td", {}, job.is_asset_job ? "asset job" : "op job"),
          h("td", {}, job.asset_count || ""),
          h("td", {}, job.op_count || ""),
          h("td", {}, job.partitions ? job.partitions.replace("_", " ") : ""),
          h("td", {}, job.executor || ""),
          h("td", {}, link(`/launch?location=${encodeURIComponent(name)}&job=${encodeURIComponent(job.name)}`, "Launch"), " · ", link(`/runs?location=${encodeURIComponent(name)}&job=${encodeURIComponent(job.name)}`, "Runs")),
        ),
      ),
      { empty: "This location defines no jobs." },
    ),
    instigatorTable("Schedules", all.filter((i) => i.kind === "SCHEDULE"), "This location defines no schedules."),
    instigatorTable("Sensors", all.filter((i) => i.kind === "SENSOR"), "This location defines no sensors."),
    h("h2", {}, `Resources (${defs.resources.length})`),
    table(
      ["Key", "Type", "Config", "Used by"],
      defs.resources.map((r) =>
        h(
          "tr",
          {},
          h("td", {}, h("code", {}, r.key), r.is_io_manager ? h("span", { class: "tag" }, "IO manager") : null),
          h("td", {}, r.type_name, r.description ? h("div", { class: "muted small" }, r.description) : null),
          h("td", {}, configFields(r.config_schema)),
          h("td", {}, r.used_by_count ? [r.used_by.join(", "), r.used_by_count > r.used_by.length ? ` +${r.used_by_count - r.used_by.length} more` : ""] : h("span", { class: "muted" }, "—")),
        ),
      ),
      { empty: "This location lists no resources." },
    ),
  ];

  const instigatorTable = (title, items, empty) => [
    h("h2", {}, `${title} (${items.length})`),
    table(
      ["Name", "State", "", title === "Sensors" ? "Interval" : "Schedule", "Last tick"],
      items.map((i) =>
        h(
          "tr",
          { dataset: { name: i.name } },
          h("td", {}, link(instigatorHref(i), i.name)),
          h("td", {}, stateBadge(i)),
          h("td", {}, toggleButton(i, () => draw())),
          h("td", {}, h("code", {}, timing(i))),
          h("td", {}, tickStatus(i.last_tick)),
        ),
      ),
      { empty },
    ),
  ];

  const { locations = [] } = await rpc("ListLocations");
  if (!locations.some((loc) => loc.name === name)) {
    const known = locations.map((loc) => loc.name).join(", ") || "none";
    append(body, [errorBox(`No code location named ${name} (locations: ${known}).`), h("p", {}, link("/locations", "All locations"))]);
    return;
  }
  try {
    await draw();
  } catch (error) {
    append(clear(body), [errorBox(error), h("p", {}, link("/locations", "All locations"))]);
    return;
  }
  ctx.onChange(["locations", "instigators", "ticks"], draw, 1000);
}

function summary(loc, defs) {
  const rows = [
    ["State", locationBadge(loc)],
    ["Snapshot", loc.snapshot_id ? h("code", { title: loc.snapshot_id }, loc.snapshot_id.slice(0, 16)) : "—"],
    ["Updated", h("span", { title: when(loc.updated_at) }, ago(loc.updated_at))],
    ["Assets", link(`/assets?location=${encodeURIComponent(loc.name)}`, `${defs.assets.length} asset${defs.assets.length === 1 ? "" : "s"}`)],
    ["SDK / protocol", `${loc.sdk_version || "?"} / ${loc.protocol_version || "?"}`],
    ["Interpreter", h("code", {}, loc.executable || "—")],
    ["Endpoint", h("code", {}, loc.endpoint || "—")],
  ];
  return h("div", { class: "card" }, h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
}

// A resource's config fields with their defaults, from its JSON Schema: `url = "sqlite://"`.
function configFields(raw) {
  if (!raw) return h("span", { class: "muted" }, "—");
  let schema;
  try {
    schema = JSON.parse(raw);
  } catch {
    return h("code", {}, raw.slice(0, 80));
  }
  const props = Object.entries(schema.properties || {});
  if (!props.length) return h("span", { class: "muted" }, "none");
  const required = new Set(schema.required || []);
  return props.map(([key, field]) =>
    h("div", { class: "mono small" }, key, required.has(key) ? " (required)" : field.default !== undefined ? ` = ${JSON.stringify(field.default)}` : ""),
  );
}
