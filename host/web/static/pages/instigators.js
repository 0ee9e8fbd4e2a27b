// `/schedules` and `/sensors`: every schedule (or sensor) with its state, timing, next and last tick,
// target, and a Start/Stop button; filters in the URL (?q=&location=&state=); live on tick changes.

import { rpc } from "../lib/api.js";
import { append, clear, h, link, table } from "../lib/dom.js";
import { ago, when } from "../lib/format.js";
import { instigatorHref, stateBadge, target, tickStatus, tickSummary, timing, toggleButton } from "../lib/instigators.js";

export async function render(root, ctx) {
  const sensors = ctx.path.startsWith("/sensors");
  const kind = sensors ? "SENSOR" : "SCHEDULE";
  const noun = sensors ? "sensor" : "schedule";
  const filters = { q: ctx.query.get("q") || "", location: ctx.query.get("location") || "", state: ctx.query.get("state") || "" };
  const body = h("div");
  const search = h("input", {
    type: "search",
    placeholder: "Filter by name",
    value: filters.q,
    "aria-label": `Filter ${noun}s`,
    oninput: () => {
      filters.q = search.value;
      ctx.setQuery({ q: filters.q });
      draw();
    },
  });
  const stateSelect = h(
    "select",
    {
      "aria-label": "State",
      onchange: () => {
        filters.state = stateSelect.value;
        ctx.setQuery({ state: filters.state });
        draw();
      },
    },
    [["", "Any state"], ["RUNNING", "Running"], ["STOPPED", "Stopped"]].map(([value, label]) => h("option", { value, selected: value === filters.state }, label)),
  );
  const locationSelect = h("select", {
    "aria-label": "Location",
    onchange: () => {
      filters.location = locationSelect.value;
      ctx.setQuery({ location: filters.location });
      draw();
    },
  });
  root.append(
    h("h1", {}, sensors ? "Sensors" : "Schedules"),
    h("div", { class: "row filters" }, search, locationSelect, stateSelect, h("span", { class: "spacer" }), link(sensors ? "/schedules" : "/sensors", sensors ? "Schedules →" : "Sensors →")),
    body,
  );

  let all = [];
  const draw = async (refetch = false) => {
    if (refetch) all = (await rpc("ListInstigators", { kind })).instigators || [];
    const locations = [...new Set(all.map((i) => i.location))].sort();
    append(clear(locationSelect), [
      h("option", { value: "" }, "Every location"),
      locations.map((name) => h("option", { value: name, selected: name === filters.location }, name)),
    ]);
    const needle = filters.q.trim().toLowerCase();
    const shown = all.filter(
      (i) =>
        (!needle || i.name.toLowerCase().includes(needle)) &&
        (!filters.location || i.location === filters.location) &&
        (!filters.state || (i.status || "STOPPED") === filters.state),
    );
    const headers = sensors
      ? ["Name", "Location", "State", "", "Interval", "Last tick", "Result", "Target"]
      : ["Name", "Location", "State", "", "Schedule", "Next tick", "Last tick", "Result", "Target"];
    const empty = all.length ? `No ${noun} matches the filters.` : `No location defines a ${noun}.`;
    append(clear(body), [
      h("div", { class: "muted small" }, `${shown.length} of ${all.length} ${noun}${all.length === 1 ? "" : "s"}`),
      table(headers, shown.map((i) => row(i)), { empty }),
    ]);
  };
  const row = (i) =>
    h(
      "tr",
      { dataset: { name: i.name, location: i.location } },
      h("td", {}, link(instigatorHref(i), i.name)),
      h("td", {}, link(`/locations/${encodeURIComponent(i.location)}`, i.location)),
      h("td", {}, stateBadge(i), i.status_from_code ? null : h("span", { class: "muted small", title: "set by a person, kept across reloads" }, " (set)")),
      h("td", {}, toggleButton(i, () => draw(true))),
      h("td", { class: "schedule-text" }, h("code", {}, timing(i))),
      sensors ? null : h("td", { title: when(i.next_tick_time) }, i.next_tick_time ? ago(i.next_tick_time) : h("span", { class: "muted" }, "—")),
      h("td", {}, tickStatus(i.last_tick)),
      h("td", {}, tickSummary(i.last_tick)),
      h("td", {}, target(i)),
    );
  await draw(true);
  ctx.onChange(["ticks", "instigators"], () => draw(true));
}
