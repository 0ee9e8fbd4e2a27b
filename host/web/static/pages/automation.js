// `/automation`: declarative automation. The assets that carry an automation condition (each as an
// expression, its tree folded below), the automation sensors that evaluate them, and whether this host
// evaluates them yet (an `automation` loop in the daemon); until it does, the page says so plainly and
// points to what launches runs on its own today: schedules and sensors. ?q= filters the assets.

import { get, rpc } from "../lib/api.js";
import { append, clear, h, link, table } from "../lib/dom.js";
import { keyPath } from "../lib/format.js";
import { conditionText, conditionTree } from "../lib/conditions.js";
import { instigatorHref, stateBadge, tickStatus, tickSummary, timing, toggleButton } from "../lib/instigators.js";

const ROWS = 200; // assets listed at once; the filter narrows the rest

export async function render(root, ctx) {
  let needle = ctx.query.get("q") || "";
  const head = h("div");
  const body = h("div");
  const search = h("input", {
    type: "search",
    placeholder: "Filter assets",
    value: needle,
    "aria-label": "Filter assets",
    oninput: () => {
      needle = search.value;
      ctx.setQuery({ q: needle });
      drawAssets();
    },
  });
  const assetsBox = h("div");
  root.append(h("h1", {}, "Automation"), head, body);

  let assets = [];
  const drawAssets = () => {
    const wanted = needle.trim().toLowerCase();
    const rows = assets.filter((a) => !wanted || a.key.toLowerCase().includes(wanted) || a.text.toLowerCase().includes(wanted));
    append(clear(assetsBox), [
      table(
        ["Asset", "Location", "Condition"],
        rows.slice(0, ROWS).map((a) =>
          h(
            "tr",
            { dataset: { key: a.key } },
            h("td", {}, link(keyPath(a.key), a.key)),
            h("td", {}, a.location),
            h(
              "td",
              {},
              h(
                "details",
                { class: "tick-details" },
                h("summary", {}, a.condition.label ? h("strong", {}, a.condition.label, ": ") : null, h("code", { class: "condition-text" }, a.text)),
                conditionTree(a.condition),
              ),
            ),
          ),
        ),
        { empty: assets.length ? "No asset matches the filter." : "No asset carries an automation condition (automation_condition= on @asset or AssetSpec)." },
      ),
      rows.length > ROWS ? h("div", { class: "muted small" }, `${rows.length - ROWS} more: narrow the filter`) : null,
    ]);
  };

  const draw = async () => {
    const [automation, instigators, daemon] = await Promise.all([get("/api/automation"), rpc("ListInstigators"), rpc("GetDaemonStatus")]);
    assets = (automation.assets || []).map((a) => ({ ...a, text: conditionText(a.condition) }));
    const all = instigators.instigators || [];
    const sensors = all.filter((i) => i.sensor_kind === "AUTOMATION");
    const loop = (daemon.loops || []).find((l) => l.name === "automation");
    append(clear(head), [loop ? null : notYet(assets.length)]);
    append(clear(body), [
      h("h2", {}, `Automation sensors (${sensors.length})`),
      table(
        ["Sensor", "Location", "State", "", "Interval", "Last tick", "Result"],
        sensors.map((i) =>
          h(
            "tr",
            { dataset: { name: i.name } },
            h("td", {}, link(instigatorHref(i), i.name)),
            h("td", {}, i.location),
            h("td", {}, stateBadge(i)),
            h("td", {}, toggleButton(i, () => draw())),
            h("td", {}, h("code", {}, timing(i))),
            h("td", {}, tickStatus(i.last_tick)),
            h("td", {}, tickSummary(i.last_tick)),
          ),
        ),
        { empty: "No automation sensor: a location gets default_automation_condition_sensor once one of its assets has a condition." },
      ),
      h("div", { class: "row" }, h("h2", {}, `Assets with an automation condition (${assets.length})`), h("span", { class: "spacer" }), assets.length ? search : null),
      assetsBox,
      loop ? null : running(all),
    ]);
    drawAssets();
  };
  await draw();
  ctx.onChange(["instigators", "ticks", "locations"], draw, 1000);
}

function notYet(count) {
  return h(
    "div",
    { class: "notice", id: "automation-not-evaluated" },
    h("strong", {}, "Declarative automation is not evaluated yet. "),
    count
      ? `${count} asset${count === 1 ? " carries" : "s carry"} an automation condition, but this host has no automation loop: no run is launched because of one. `
      : "This host has no automation loop. ",
    "Runs start on their own from ",
    link("/schedules", "schedules"),
    " and ",
    link("/sensors", "sensors"),
    ".",
  );
}

function running(all) {
  const on = all.filter((i) => i.status === "RUNNING" && i.sensor_kind !== "AUTOMATION");
  return [
    h("h2", {}, `Schedules and sensors running (${on.length} of ${all.length})`),
    table(
      ["Name", "Kind", "Location", "Last tick"],
      on.map((i) =>
        h(
          "tr",
          {},
          h("td", {}, link(instigatorHref(i), i.name)),
          h("td", {}, i.kind === "SENSOR" ? "sensor" : "schedule"),
          h("td", {}, i.location),
          h("td", {}, tickStatus(i.last_tick)),
        ),
      ),
      { empty: all.length ? "None is running: start one on the schedules or sensors page." : "No location defines a schedule or sensor." },
    ),
  ];
}
