// `/automation`: declarative automation. Until the host evaluates automation conditions (issue 17),
// the page says so plainly and points to what does launch runs on its own: schedules and sensors.
// When snapshots carry conditions, it lists the assets that have one.

import { get, rpc } from "../lib/api.js";
import { append, clear, h, link, table } from "../lib/dom.js";
import { keyPath } from "../lib/format.js";
import { instigatorHref, stateBadge, tickStatus } from "../lib/instigators.js";

export async function render(root, ctx) {
  const body = h("div");
  root.append(h("h1", {}, "Automation"), body);
  const draw = async () => {
    const [automation, instigators] = await Promise.all([get("/api/automation"), rpc("ListInstigators")]);
    const all = instigators.instigators || [];
    const running = all.filter((i) => i.status === "RUNNING");
    append(clear(body), [
      automation.evaluated ? conditions(automation.assets) : notYet(),
      h("h2", {}, `Schedules and sensors running (${running.length} of ${all.length})`),
      table(
        ["Name", "Kind", "Location", "State", "Last tick"],
        running.map((i) =>
          h(
            "tr",
            {},
            h("td", {}, link(instigatorHref(i), i.name)),
            h("td", {}, i.kind === "SENSOR" ? "sensor" : "schedule"),
            h("td", {}, i.location),
            h("td", {}, stateBadge(i)),
            h("td", {}, tickStatus(i.last_tick)),
          ),
        ),
        { empty: all.length ? "None is running: start one on the schedules or sensors page." : "No location defines a schedule or sensor." },
      ),
    ]);
  };
  await draw();
  ctx.onChange(["instigators", "ticks"], draw, 1000);
}

function notYet() {
  return h(
    "div",
    { class: "notice", id: "automation-not-evaluated" },
    h("strong", {}, "Declarative automation is not evaluated yet. "),
    "Weir reads assets' automation conditions only once the automation daemon lands; until then no asset is materialized because of one. ",
    "Runs start on their own from ",
    link("/schedules", "schedules"),
    " and ",
    link("/sensors", "sensors"),
    ".",
  );
}

function conditions(assets) {
  return [
    h("h2", {}, `Assets with an automation condition (${assets.length})`),
    table(
      ["Asset", "Location", "Condition"],
      assets.map((a) =>
        h(
          "tr",
          {},
          h("td", {}, link(keyPath(a.key), a.key)),
          h("td", {}, a.location),
          h("td", {}, h("code", {}, typeof a.condition === "string" ? a.condition : JSON.stringify(a.condition))),
        ),
      ),
      { empty: "No asset has an automation condition." },
    ),
  ];
}
