// `/schedules/<location>/<name>` and `/sensors/<location>/<name>`: one schedule or sensor: its
// definition and state (Start/Stop), a preview that evaluates it without launching, a sensor's cursor
// (shown, editable with confirmation), and its tick history a page at a time (?status= filters it).

import { readOnly, rpc } from "../lib/api.js";
import { append, badge, clear, errorBox, h, link, table, toast } from "../lib/dom.js";
import { ago, duration, when } from "../lib/format.js";
import {
  firstLine,
  folded,
  instigatorHref,
  lineCount,
  runLinks,
  stateBadge,
  target,
  tickStatus,
  timing,
  toggleButton,
} from "../lib/instigators.js";
import { codeError } from "../lib/status.js";
import { dumpYaml } from "../lib/yaml.js";

const PAGE = 25;
const STATUSES = ["SUCCESS", "SKIPPED", "FAILURE", "STARTED"];

export async function render(root, ctx) {
  const { location, name } = ctx.params;
  const kind = ctx.path.startsWith("/sensors") ? "SENSOR" : "SCHEDULE";
  const noun = kind === "SENSOR" ? "sensor" : "schedule";
  const find = async () => {
    const { instigators = [] } = await rpc("ListInstigators", { kind, location });
    return instigators.find((i) => i.name === name);
  };
  let instigator = await find();
  if (!instigator) {
    root.append(
      h("h1", {}, name),
      errorBox(`Location ${location} has no ${noun} named ${name}.`),
      h("p", {}, link(kind === "SENSOR" ? "/sensors" : "/schedules", `All ${noun}s`)),
    );
    return;
  }
  const head = h("div");
  const cards = h("div", { class: "instigator-grid" });
  const ticksBox = h("div");
  root.append(head, cards, ticksBox);

  const drawHead = () => {
    append(clear(head), [
      h(
        "div",
        { class: "row instigator-head" },
        h("h1", {}, instigator.name),
        stateBadge(instigator),
        toggleButton(instigator, async (updated) => {
          instigator = updated;
          drawHead();
          drawDefinition();
        }),
        h("span", { class: "spacer" }),
        link(kind === "SENSOR" ? "/sensors" : "/schedules", `All ${noun}s`),
      ),
      instigator.description ? h("p", { class: "muted" }, instigator.description) : null,
    ]);
  };

  const definition = h("div", { class: "card" });
  const cursorCard = kind === "SENSOR" ? h("div", { class: "card" }) : null;
  const previewCard = h("div", { class: "card" });
  append(cards, [definition, cursorCard, previewCard]);

  const drawDefinition = () => {
    const i = instigator;
    append(clear(definition), [
      h("h2", {}, "Definition"),
      h(
        "dl",
        { class: "kv" },
        h("dt", {}, "Location"),
        h("dd", {}, link(`/locations/${encodeURIComponent(i.location)}`, i.location)),
        h("dt", {}, kind === "SENSOR" ? "Interval" : "Schedule"),
        h("dd", {}, h("code", {}, timing(i) || "—")),
        h("dt", {}, "Target"),
        h("dd", {}, target(i)),
        h("dt", {}, "State"),
        h("dd", {}, stateBadge(i), " ", i.status_from_code ? "default from the code" : "set by a person (kept across reloads)"),
        kind === "SCHEDULE" ? [h("dt", {}, "Next tick"), h("dd", { title: when(i.next_tick_time) }, i.next_tick_time ? `${when(i.next_tick_time)} (${ago(i.next_tick_time)})` : "— (stopped)")] : null,
        h("dt", {}, "Last tick"),
        h("dd", {}, tickStatus(i.last_tick)),
        h("dt", {}, "Last success"),
        h("dd", { title: i.last_success ? when(i.last_success.timestamp) : "" }, i.last_success ? ago(i.last_success.timestamp) : "never"),
      ),
    ]);
  };

  const drawCursor = () => {
    if (!cursorCard) return;
    const current = instigator.cursor || "";
    const editor = h("textarea", { class: "cursor-editor", rows: 3, spellcheck: "false", "aria-label": "New cursor" });
    editor.value = current;
    const editBox = h("div", { hidden: true });
    const save = async (clearIt) => {
      const text = editor.value;
      const question = clearIt
        ? `Clear the cursor of sensor ${name}? Its next evaluation starts without one.`
        : `Set the cursor of sensor ${name} to:\n\n${text}\n\nIts next evaluation starts from there.`;
      if (!window.confirm(question)) return;
      try {
        instigator = await rpc("SetSensorCursor", { location, name, cursor: clearIt ? "" : text, clear: clearIt });
        toast(clearIt ? "Cursor cleared" : "Cursor set");
        drawCursor();
        await drawTicks();
      } catch (error) {
        toast(error.message, { bad: true });
      }
    };
    append(editBox, [
      editor,
      h("div", { class: "row" }, h("button", { class: "primary", onclick: () => save(false) }, "Save cursor"), h("button", { onclick: () => (editBox.hidden = true) }, "Cancel")),
    ]);
    append(clear(cursorCard), [
      h("h2", {}, "Cursor"),
      current ? h("div", { class: "cursor-value", id: "sensor-cursor" }, current) : h("div", { class: "muted", id: "sensor-cursor" }, "No cursor: the next evaluation starts without one."),
      readOnly
        ? null
        : h(
            "div",
            { class: "row", style: { marginTop: "8px" } },
            h("button", { onclick: () => ((editBox.hidden = false), editor.focus()) }, "Edit cursor"),
            current ? h("button", { class: "danger", onclick: () => save(true) }, "Clear cursor") : null,
          ),
      editBox,
      h("div", { class: "muted small", style: { marginTop: "6px" } }, "Each change is recorded as a tick below."),
    ]);
  };

  const drawPreview = () => {
    if (instigator.sensor_kind === "AUTOMATION") {
      append(clear(previewCard), [
        h("h2", {}, "Automation"),
        h("p", {}, "This sensor evaluates its assets' automation conditions on the host: each tick below says what it requested and why."),
        h("p", {}, link("/automation", "Conditions on the automation page")),
      ]);
      return;
    }
    const result = h("div", { class: "preview-result" });
    const cursorInput = h("textarea", { rows: 2, spellcheck: "false", placeholder: "the sensor's current cursor", "aria-label": "Cursor to evaluate from" });
    const atInput = h("input", { type: "datetime-local", step: 1, "aria-label": "Logical time to evaluate" });
    const run = async () => {
      clear(result).append(h("div", { class: "muted" }, "Evaluating…"));
      const request = { kind, location, name };
      if (kind === "SENSOR" && cursorInput.value !== "") Object.assign(request, { cursor: cursorInput.value, has_cursor: true });
      if (kind === "SCHEDULE" && atInput.value) request.at = new Date(atInput.value).getTime() / 1000;
      try {
        showPreview(result, await rpc("PreviewInstigator", request), kind);
      } catch (error) {
        clear(result).append(errorBox(error));
      }
    };
    append(clear(previewCard), [
      h("h2", {}, "Preview"),
      h("div", { class: "muted small" }, `Evaluate the ${noun} now: nothing is launched and nothing is stored.`),
      kind === "SENSOR"
        ? h("label", { class: "launch-field" }, h("span", {}, "From cursor (empty: its current cursor)"), cursorInput)
        : h("label", { class: "launch-field" }, h("span", {}, "At logical time (empty: the next tick)"), atInput),
      h("div", { class: "row" }, h("button", { class: "primary", id: "preview-button", onclick: run }, "Evaluate now")),
      result,
    ]);
  };

  const shownStatuses = () => (ctx.query.get("status") || "").split(",").filter((s) => STATUSES.includes(s));
  let shownCount = PAGE;
  const drawTicks = async () => {
    const statuses = shownStatuses();
    const reply = await rpc("ListTicks", { kind, location, name, limit: shownCount, statuses });
    const ticks = reply.ticks || [];
    const filter = h(
      "div",
      { class: "row" },
      h("h2", {}, "Ticks"),
      h("span", { class: "spacer" }),
      h("span", { class: "muted small" }, "Show:"),
      [["", "all"], ...STATUSES.map((s) => [s, s.toLowerCase()])].map(([value, label]) =>
        h(
          "a",
          {
            href: "#",
            class: (statuses.join(",") || "") === value ? "tag active-filter" : "tag",
            onclick: (event) => {
              event.preventDefault();
              ctx.setQuery({ status: value });
              ctx.query.set("status", value);
              shownCount = PAGE;
              drawTicks();
            },
          },
          label,
        ),
      ),
      h(
        "label",
        { class: "small" },
        h("input", {
          type: "checkbox",
          checked: statuses.length > 0 && !statuses.includes("SKIPPED"),
          onchange: (event) => {
            const value = event.target.checked ? STATUSES.filter((s) => s !== "SKIPPED").join(",") : "";
            ctx.setQuery({ status: value });
            ctx.query.set("status", value);
            drawTicks();
          },
        }),
        " hide skipped",
      ),
    );
    const headers = ["Evaluated", "Status", kind === "SCHEDULE" ? "For" : "Cursor after", "Reason or error", "Runs", "Output"];
    const more = reply.next_cursor
      ? h(
          "button",
          {
            onclick: () => {
              shownCount += PAGE;
              drawTicks();
            },
          },
          `Show ${PAGE} older`,
        )
      : null;
    append(clear(ticksBox), [
      filter,
      table(headers, ticks.map((t) => tickRow(t, kind)), { empty: statuses.length ? "No tick with that status." : `No tick yet: a ${noun} ticks once it is started.` }),
      more ? h("div", { class: "row", style: { marginTop: "8px" } }, more) : null,
    ]);
  };

  drawHead();
  drawDefinition();
  drawCursor();
  drawPreview();
  await drawTicks();
  ctx.onChange(["ticks", "instigators"], async () => {
    const found = await find();
    if (!found || !ctx.isCurrent()) return;
    const cursorChanged = found.cursor !== instigator.cursor;
    instigator = found;
    drawHead();
    drawDefinition();
    if (cursorChanged && !(cursorCard && cursorCard.querySelector("div:not([hidden]) > textarea"))) drawCursor();
    await drawTicks();
  });
}

function tickRow(tick, kind) {
  const output = tick.output || "";
  return h(
    "tr",
    { dataset: { tick: tick.tick_id } },
    h("td", { title: when(tick.timestamp), class: "nowrap" }, clock(tick.timestamp), h("span", { class: "muted small" }, ` ${ago(tick.timestamp)}`)),
    h("td", {}, badge(tick.status, tick.status)),
    kind === "SCHEDULE"
      ? h("td", {}, tick.logical_time ? when(tick.logical_time) : "")
      : h("td", {}, tick.cursor ? h("code", { class: "tick-reason" }, tick.cursor.length > 60 ? tick.cursor.slice(0, 57) + "..." : tick.cursor) : ""),
    h(
      "td",
      { class: "tick-reason" },
      tick.reason ? h("div", {}, tick.reason) : null,
      tick.error ? folded(firstLine(tick.error), tick.error) : null,
      !tick.reason && !tick.error && (tick.run_ids || []).length
        ? h("span", { class: "muted" }, `${tick.run_ids.length} run${tick.run_ids.length === 1 ? "" : "s"} requested`)
        : null,
    ),
    h("td", {}, runLinks(tick)),
    h("td", {}, output ? folded(`${lineCount(output)} line${lineCount(output) === 1 ? "" : "s"}`, output) : ""),
  );
}

function showPreview(box, preview, kind) {
  const requests = preview.run_requests || [];
  const parts = [];
  if (preview.timed_out) parts.push(errorBox("The evaluation timed out."));
  if (preview.error) parts.push(codeError(preview.error));
  if (preview.skip_reason) parts.push(h("div", {}, badge("SKIPPED", "SKIPPED"), " ", preview.skip_reason));
  if (!preview.error && !preview.skip_reason && !requests.length) parts.push(h("div", { class: "muted" }, "No run requested."));
  if (requests.length) parts.push(h("div", {}, badge("SUCCESS", `${requests.length} run request${requests.length === 1 ? "" : "s"}`)));
  for (const r of requests) {
    const keys = (r.asset_selection || []).map((k) => (k.path || []).join("/"));
    parts.push(
      h(
        "div",
        { class: "run-request" },
        h(
          "dl",
          { class: "kv" },
          r.job_name ? [h("dt", {}, "Job"), h("dd", {}, r.job_name)] : null,
          keys.length ? [h("dt", {}, "Assets"), h("dd", {}, keys.join(", "))] : null,
          r.run_key ? [h("dt", {}, "Run key"), h("dd", {}, h("code", {}, r.run_key))] : null,
          r.partition_key ? [h("dt", {}, "Partition"), h("dd", {}, r.partition_key)] : null,
          Object.keys(r.tags || {}).length ? [h("dt", {}, "Tags"), h("dd", {}, Object.entries(r.tags).map(([k, v]) => h("span", { class: "tag" }, `${k}=${v}`)))] : null,
        ),
        r.run_config_json && r.run_config_json !== "{}" ? folded("Run config", pretty(r.run_config_json)) : null,
      ),
    );
  }
  const facts = [];
  if (kind === "SCHEDULE" && preview.evaluated_at) facts.push(`for ${when(preview.evaluated_at)}`);
  if (kind === "SENSOR") facts.push(preview.has_cursor ? `cursor after: ${preview.cursor}` : "no cursor after");
  if (preview.duration_seconds) facts.push(`took ${duration(preview.duration_seconds)}`);
  parts.push(h("div", { class: "muted small" }, facts.join(" · ")));
  if (preview.output) parts.push(folded("Output", preview.output, { open: true }));
  append(clear(box), parts);
}

// The time of day, or the date and time when it is not today.
function clock(seconds) {
  const d = new Date(seconds * 1000);
  const today = d.toDateString() === new Date().toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

function pretty(text) {
  try {
    return dumpYaml(JSON.parse(text)); // as Dagster shows run config, and as the launchpad takes it
  } catch {
    return text;
  }
}
