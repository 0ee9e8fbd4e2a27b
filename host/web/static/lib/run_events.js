// The run page's structured event log: a virtualized list over pages the host filters in SQL (level,
// type, step and its attempt, text), fetched by event sequence as the reader scrolls, with the selected event's
// details below. New events arrive from the run's stream while the list shows the tail.

import { get } from "./api.js";
import { append, badge, clear, h, link } from "./dom.js";
import { keyPath } from "./format.js";
import { metadataList } from "./metadata.js";
import { codeError } from "./status.js";
import { VirtualList } from "./virtual.js";

export const LEVELS = ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "EVENT"];
const ROW = 24;
// How an attempt ended, as the attempt picker words it.
export const OUTCOMES = { UP_FOR_RETRY: "failed, retried", SUCCESS: "succeeded", FAILURE: "failed", SKIPPED: "skipped", STARTED: "running" };
const MOST_ROWS = 5000; // rows kept while scrolling; the far end is dropped and fetched again if needed

export class EventLog {
  // filters: {levels: [], types: [], step: "", attempt: "", text: ""}; onFilter(changes) stores them in the URL.
  constructor({ runId, filters, onFilter, onSelect }) {
    this.runId = runId;
    this.filters = filters;
    this.onFilter = onFilter;
    this.onSelect = onSelect;
    this.hasBefore = false;
    this.hasAfter = false;
    this.loading = false;
    this.selected = null;
    this.summary = { by_level: {}, by_type: {}, total: 0, steps: [] };
    this.matched = 0;
    this.list = new VirtualList({
      rowHeight: ROW,
      className: "event-list",
      renderRow: (event) => this.row(event),
      onNearStart: () => this.more(true),
      onNearEnd: () => this.more(false),
    });
    this.bar = h("div", { class: "row event-filters" });
    this.count = h("span", { class: "muted event-count" });
    this.detail = h("div", { class: "event-detail" });
    this.empty = h("div", { class: "card empty", hidden: true }, "No event matches these filters.");
    this.body = h("div", { class: "event-body" }, h("div", { class: "event-main" }, this.empty, this.list.el, h("div", { class: "row event-foot" }, this.count)), this.detail);
    this.el = h("div", { class: "event-log" }, this.bar, this.body);
  }

  destroy() {
    this.list.destroy();
  }

  params(extra = {}) {
    const f = this.filters;
    return { level: f.levels.join(","), type: f.types.join(","), step: f.step, attempt: f.attempt || "", q: f.text, ...extra };
  }

  // The first page, as the view endpoint returned it (opened on its target: an error, a permalink, the tail).
  show(view) {
    this.summary = view.summary;
    this.matched = view.matched;
    this.hasBefore = view.has_before;
    this.hasAfter = view.has_after;
    const events = view.events || [];
    const at = view.target === null || view.target === undefined ? -1 : events.findIndex((e) => e.sequence >= view.target);
    if (at >= 0) this.list.set(events, { scrollToIndex: at });
    else this.list.set(events, { end: true });
    this.select(at >= 0 ? events[at] : null);
    this.drawBar();
  }

  async reload(extra = {}) {
    const view = await get(`/api/runs/${encodeURIComponent(this.runId)}/view`, this.params(extra));
    this.show(view);
    return view;
  }

  setSummary(summary) {
    this.summary = summary;
    this.drawBar();
  }

  // Events from the live stream (already filtered by the host): shown when the list is at the tail.
  live(events) {
    if (!events.length) return;
    this.matched += events.length;
    if (!this.hasAfter) {
      const follow = this.list.atEnd();
      this.list.append(events, { follow });
      if (this.list.trim(MOST_ROWS, true)) this.hasBefore = true;
    }
    this.drawCount();
  }

  lastSequence() {
    const items = this.list.items;
    return items.length ? items[items.length - 1].sequence : -1;
  }

  async more(earlier) {
    if (this.loading || (earlier ? !this.hasBefore : !this.hasAfter) || !this.list.items.length) return;
    this.loading = true;
    try {
      const items = this.list.items;
      const edge = earlier ? { before: items[0].sequence } : { after: items[items.length - 1].sequence };
      const page = await get(`/api/runs/${encodeURIComponent(this.runId)}/view`, this.params({ ...edge, only: "events" }));
      if (earlier) {
        this.hasBefore = page.has_before;
        this.list.prepend(page.events);
        if (this.list.trim(MOST_ROWS, false)) this.hasAfter = true;
      } else {
        this.hasAfter = page.has_after;
        this.list.append(page.events);
        if (this.list.trim(MOST_ROWS, true)) this.hasBefore = true;
      }
      this.drawCount();
    } finally {
      this.loading = false;
    }
  }

  row(event) {
    const level = event.level || "EVENT";
    const classes = ["event-row", `level-${level}`, this.selected === event.sequence ? "selected" : ""];
    return h(
      "div",
      { class: classes.join(" "), dataset: { seq: String(event.sequence) }, onclick: () => this.select(event, true) },
      h("span", { class: "ev-time mono" }, clock(event.timestamp)),
      h("span", { class: `ev-level level-${level}` }, level),
      h(
        "span",
        { class: "ev-step mono", title: (event.step_key || "") + (event.attempt ? `, attempt ${event.attempt}` : "") },
        event.step_key || "",
        event.attempt ? h("span", { class: "ev-attempt" }, ` #${event.attempt}`) : null,
      ),
      h("span", { class: "ev-type" }, typeName(event)),
      h("span", { class: "ev-message" }, firstLine(event)),
    );
  }

  select(event, byClick = false) {
    this.selected = event ? event.sequence : null;
    this.list.redraw();
    clear(this.detail);
    this.body.classList.toggle("has-detail", Boolean(event));
    if (event) append(this.detail, details(event, this.runId));
    if (byClick) this.onSelect(event ? event.sequence : null);
  }

  drawCount() {
    const shown = this.list.items.length;
    this.empty.hidden = shown > 0;
    const f = this.filters;
    this.empty.textContent = f.levels.length || f.types.length || f.step || f.attempt || f.text ? "No event matches these filters." : "No events yet.";
    const filtered = this.matched !== this.summary.total;
    clear(this.count).append(
      `${this.matched.toLocaleString()} ${filtered ? `of ${this.summary.total.toLocaleString()} events match` : "events"}` +
        (shown < this.matched ? ` · ${shown.toLocaleString()} loaded, more as you scroll` : ""),
    );
  }

  // The bar's parts are built once: the search box keeps its focus and caret while the list reloads.
  buildBar() {
    this.chips = h("div", { class: "level-chips", role: "group", "aria-label": "levels" });
    this.typeSelect = h("select", { "aria-label": "event type", onchange: (e) => this.onFilter({ types: e.target.value ? [e.target.value] : [] }) });
    this.stepSelect = h("select", { "aria-label": "step", onchange: (e) => this.onFilter({ step: e.target.value }) });
    this.attemptSelect = h("select", { "aria-label": "attempt", onchange: (e) => this.onFilter({ attempt: e.target.value }) });
    this.search = h("input", { type: "search", placeholder: "search messages…", "aria-label": "search the events" });
    let timer = null;
    this.search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.onFilter({ text: this.search.value.trim() }), 350);
    });
    this.clearSlot = h("span");
    this.jumps = h("div", { class: "row event-jumps" });
    append(this.bar, [this.chips, this.typeSelect, this.stepSelect, this.attemptSelect, this.search, this.clearSlot, h("span", { class: "spacer" }), this.jumps]);
  }

  drawBar() {
    if (!this.chips) this.buildBar();
    const f = this.filters;
    const byLevel = this.summary.by_level || {};
    const byType = this.summary.by_type || {};
    const toggleLevel = (level) => {
      const levels = f.levels.includes(level) ? f.levels.filter((l) => l !== level) : [...f.levels, level];
      this.onFilter({ levels });
    };
    append(
      clear(this.chips),
      LEVELS.filter((l) => byLevel[l] || f.levels.includes(l)).map((level) =>
        h(
          "button",
          { type: "button", class: `chip level-${level}${f.levels.includes(level) ? " on" : ""}`, "aria-pressed": f.levels.includes(level) ? "true" : "false", onclick: () => toggleLevel(level) },
          `${level.toLowerCase()} ${(byLevel[level] || 0).toLocaleString()}`,
        ),
      ),
    );
    const types = Object.keys(byType).sort();
    append(clear(this.typeSelect), [
      h("option", { value: "" }, "All types"),
      types.map((t) => h("option", { value: t, selected: f.types.includes(t) }, `${t.replaceAll("_", " ").toLowerCase()} (${byType[t].toLocaleString()})`)),
    ]);
    const steps = (this.summary.steps || []).map((s) => s.step_key);
    if (f.step && !steps.includes(f.step)) steps.push(f.step);
    append(clear(this.stepSelect), [h("option", { value: "" }, "All steps"), steps.map((s) => h("option", { value: s, selected: s === f.step }, s))]);
    // A step of several attempts (or an attempt asked for in the URL): pick one of them.
    const picked = (this.summary.steps || []).find((s) => s.step_key === f.step);
    const attempts = (picked && picked.attempt_list) || [];
    this.attemptSelect.hidden = attempts.length < 2 && !f.attempt;
    append(clear(this.attemptSelect), [
      h("option", { value: "" }, "All attempts"),
      attempts.map((a) => h("option", { value: String(a.number), selected: String(a.number) === f.attempt }, `Attempt ${a.number}: ${OUTCOMES[a.outcome] || a.outcome.toLowerCase()}`)),
      f.attempt && !attempts.some((a) => String(a.number) === f.attempt) ? h("option", { value: f.attempt, selected: true }, `Attempt ${f.attempt}`) : null,
    ]);
    if (document.activeElement !== this.search) this.search.value = f.text;
    const filtered = f.levels.length || f.types.length || f.step || f.attempt || f.text;
    append(clear(this.clearSlot), [filtered ? h("button", { type: "button", onclick: () => this.onFilter({ levels: [], types: [], step: "", attempt: "", text: "" }) }, "Clear filters") : null]);
    append(clear(this.jumps), [
      this.summary.first_error !== null && this.summary.first_error !== undefined
        ? h("button", { type: "button", onclick: () => this.jump({ seq: this.summary.first_error }) }, "First error")
        : null,
      h("button", { type: "button", onclick: () => this.jump({ after: -1 }) }, "Start"),
      h("button", { type: "button", onclick: () => this.jump({ before: Number.MAX_SAFE_INTEGER }) }, "End"),
    ]);
    this.drawCount();
  }

  async jump(where) {
    const view = await get(`/api/runs/${encodeURIComponent(this.runId)}/view`, this.params(where));
    if (where.after !== undefined) {
      view.target = view.events.length ? view.events[0].sequence : null;
      this.show(view);
      this.list.el.scrollTop = 0;
    } else this.show(view);
  }
}

function clock(seconds) {
  if (!seconds) return "";
  const d = new Date(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function typeName(event) {
  if (event.type === "COMPUTE_LOG") return event.stream || "output";
  return (event.type || "").replaceAll("_", " ").toLowerCase();
}

function firstLine(event) {
  let text = event.message || "";
  if (!text && event.error) text = `${event.error.type}: ${event.error.message}`;
  if (!text && event.asset_key) text = (event.asset_key.path || []).join("/");
  const line = text.split("\n").find((l) => l.trim()) || "";
  return line.length > 400 ? line.slice(0, 400) + "…" : line;
}

function details(event, runId) {
  const rows = [
    ["Event", `${typeName(event)} · #${event.sequence}`],
    ["Time", new Date(event.timestamp * 1000).toISOString()],
    event.step_key ? ["Step", event.step_key] : null,
    event.attempt ? ["Attempt", String(event.attempt)] : null,
    event.asset_key ? ["Asset", link(keyPath((event.asset_key.path || []).join("/")), (event.asset_key.path || []).join("/"))] : null,
    event.partition_key ? ["Partition", event.partition_key] : null,
    event.check_name ? ["Check", [event.check_name, " ", badge(event.check_passed ? "passed" : "failed", event.check_passed ? "passed" : "failed"), event.check_severity ? ` (${event.check_severity})` : ""]] : null,
    event.duration_seconds ? ["Duration", `${event.duration_seconds.toFixed(3)} s`] : null,
    event.output_name ? ["Output", event.output_name] : null,
  ].filter(Boolean);
  const permalink = `/runs/${encodeURIComponent(runId)}?event=${event.sequence}`;
  return [
    h("div", { class: "row" }, h("strong", {}, typeName(event)), h("span", { class: "spacer" }), link(permalink, "link to this event")),
    h("dl", { class: "kv" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    event.message ? h("pre", { class: "event-message" }, event.message) : null,
    event.message_chars ? h("p", { class: "muted" }, `Cut at ${event.message.length.toLocaleString()} of ${event.message_chars.toLocaleString()} characters: the compute logs tab has all of it.`) : null,
    event.error ? codeError(event.error) : null,
    (event.metadata || []).length ? metadataList(event.metadata) : null,
  ];
}
