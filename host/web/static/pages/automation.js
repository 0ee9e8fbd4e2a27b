// `/automation`: declarative automation. The assets that carry an automation condition (each as an
// expression, its tree folded below), the automation sensors that evaluate them, and whether this host
// evaluates them yet (an `automation` loop in the daemon); until it does, the page says so plainly and
// points to what launches runs on its own today: schedules and sensors. ?q= filters the assets.
// Why an asset did or did not run: the recent automation ticks (live), each asset's latest result, and
// ?asset=KEY (&tick=ID) shows that asset's condition tree as one tick evaluated it (lib/automation_tree.js).

import { get, rpc } from "../lib/api.js";
import { append, badge, clear, h, link, table } from "../lib/dom.js";
import { ago, keyPath, when } from "../lib/format.js";
import { evaluationTree } from "../lib/automation_tree.js";
import { conditionText, conditionTree } from "../lib/conditions.js";
import { instigatorHref, runLinks, stateBadge, tickStatus, tickSummary, timing, toggleButton } from "../lib/instigators.js";

const ROWS = 200; // assets listed at once; the filter narrows the rest
const TICKS = 20; // recent automation ticks shown
const HISTORY = 50; // an asset's evaluations offered in the tick picker

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
  const evalBox = h("div");
  const ticksBox = h("div");
  const chosen = ctx.query.get("asset") || "";
  const before = ctx.query.get("before") || ""; // the tick list's page: ticks older than this id
  root.append(h("h1", {}, "Automation"), head, evalBox, ticksBox, body);

  let assets = [];
  let latest = new Map(); // asset key -> its newest evaluation (latest_per_asset)
  let shownTick = null; // the tick whose result the tree shows, to redraw only when a newer one lands
  const drawAssets = () => {
    const wanted = needle.trim().toLowerCase();
    const rows = assets.filter((a) => !wanted || a.key.toLowerCase().includes(wanted) || a.text.toLowerCase().includes(wanted));
    append(clear(assetsBox), [
      table(
        ["Asset", "Location", "Latest result", "Condition"],
        rows.slice(0, ROWS).map((a) =>
          h(
            "tr",
            { dataset: { key: a.key } },
            h("td", {}, link(keyPath(a.asset || a.key), a.key)), // a check ("asset:check") links to its asset
            h("td", {}, a.location),
            h("td", {}, latestCell(a.key, latest.get(a.key))),
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
    const [automation, instigators, daemon, recent, newest] = await Promise.all([
      get("/api/automation"),
      rpc("ListInstigators"),
      rpc("GetDaemonStatus"),
      rpc("ListAutomationEvaluations", { limit: TICKS, before_tick_id: before || "0" }),
      rpc("ListAutomationEvaluations", { latest_per_asset: true }),
    ]);
    latest = new Map((newest.evaluations || []).map((e) => [e.asset_key, e]));
    drawTicks(ticksBox, recent.ticks || [], pager(ctx, before, recent.next_before_tick_id));
    if (chosen) await drawEvaluation();
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
  const drawEvaluation = async () => {
    const found = latest.get(chosen);
    const tick = ctx.query.get("tick") || "";
    const key = tick || (found ? found.tick_id : "none");
    if (shownTick === key) return; // unchanged: keep what the user folded
    shownTick = key;
    await evaluationPanel(evalBox, ctx, chosen, tick, Boolean(found));
  };
  await draw();
  ctx.onChange(["instigators", "ticks", "runs", "locations"], draw, 1000);
}

function latestCell(key, evaluation) {
  const href = `/automation?asset=${encodeURIComponent(key)}`;
  if (!evaluation) return link(href, h("span", { class: "muted" }, "not evaluated yet"));
  const result = evaluation.result || {};
  const requested = Number(evaluation.num_requested || 0);
  return link(
    href,
    h("span", { class: `auto-value ${result.value ? "true" : "false"}` }, result.value ? "true" : "false"),
    " ",
    requested ? `requested${requested > 1 ? ` ${requested}` : ""}` : "not requested",
    " ",
    h("span", { class: "muted small", title: when(evaluation.timestamp) }, ago(evaluation.timestamp)),
  );
}

// "Newest" / "Older" links for the tick list; the page's cursor is ?before=TICK_ID in the URL.
function pager(ctx, before, next) {
  const href = (value) => {
    const query = new URLSearchParams(ctx.query);
    if (value) query.set("before", value);
    else query.delete("before");
    const text = query.toString();
    return `/automation${text ? `?${text}` : ""}`;
  };
  const older = next && next !== "0" ? link(href(next), "Older ticks →") : null;
  const newest = before ? link(href(""), "← Newest ticks") : null;
  if (!older && !newest) return null;
  return h("div", { class: "row small", id: "automation-ticks-pager" }, newest, h("span", { class: "spacer" }), older);
}

function drawTicks(box, ticks, paging) {
  append(clear(box), [
    h("h2", {}, "Recent automation ticks"),
    table(
      ["Time", "Location", "Status", "Requested", "Runs", "Result"],
      ticks.map((t) =>
        h(
          "tr",
          { class: "auto-tick", dataset: { tick: t.tick_id, status: t.status } },
          h("td", { title: when(t.timestamp) }, ago(t.timestamp)),
          h("td", {}, t.location),
          h("td", {}, badge(t.status, t.status)),
          h(
            "td",
            { class: "auto-requested" },
            (t.requested_assets || []).map((key, i) => [i ? ", " : "", link(keyPath(key), key)]),
          ),
          h("td", {}, runLinks(t)),
          h("td", {}, tickSummary(t), t.evaluations_stored ? h("span", { class: "muted small" }, ` ${t.evaluations_stored} result${t.evaluations_stored === "1" ? "" : "s"} changed`) : null),
        ),
      ),
      { empty: "No automation tick yet." },
    ),
    paging,
  ]);
}

// One asset's condition tree for ?tick= (or its newest), with a picker over its stored evaluations.
async function evaluationPanel(box, ctx, key, tick, evaluated) {
  const close = link("/automation", "close");
  if (!evaluated && !tick) {
    append(clear(box), [
      h("div", { class: "notice", id: "automation-evaluation" }, h("strong", {}, key), ` has not been evaluated yet: no automation tick looked at it. `, close),
    ]);
    return;
  }
  const path = key.split("/");
  let evaluation;
  let history;
  try {
    [evaluation, history] = await Promise.all([
      rpc("GetAutomationEvaluation", { asset_key: { path }, tick_id: tick || "0" }),
      rpc("ListAutomationEvaluations", { asset_key: { path }, limit: HISTORY }),
    ]);
  } catch (error) {
    append(clear(box), [h("div", { class: "notice", id: "automation-evaluation" }, String(error.message || error), " ", close)]);
    return;
  }
  const picker = h(
    "select",
    { "aria-label": "Tick", onchange: () => ctx.setQuery({ tick: picker.value }, { push: true, rerender: true }) },
    (history.evaluations || []).map((e) =>
      h("option", { value: e.tick_id, selected: e.tick_id === evaluation.tick_id }, `tick ${e.tick_id} · ${when(e.timestamp)}${Number(e.num_requested || 0) ? " · requested" : ""}`),
    ),
  );
  const requested = Number(evaluation.num_requested || 0);
  append(clear(box), [
    h(
      "div",
      { class: "card auto-eval", id: "automation-evaluation" },
      h(
        "div",
        { class: "row" },
        h("h2", {}, "Why ", link(keyPath(key), key), requested ? " was requested" : " was not requested"),
        h("span", { class: "muted" }, `tick ${evaluation.tick_id}, ${evaluation.location} · ${evaluation.sensor_name}, `, h("span", { title: when(evaluation.timestamp) }, ago(evaluation.timestamp))),
        h("span", { class: "spacer" }),
        picker,
        close,
      ),
      requested ? h("div", { class: "small" }, `${requested} partition${requested === 1 ? "" : "s"} requested; runs: `, runLinks(evaluation)) : null,
      evaluation.result ? evaluationTree(evaluation.result, evaluation.asset_key) : h("div", { class: "muted" }, "No result stored."),
    ),
  ]);
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
