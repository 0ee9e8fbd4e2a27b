// A step's captured stdout or stderr: the last 64 KB first, earlier output on request, a live tail
// while the run goes on; a step retried has an attempt picker (each attempt's output on its own, the
// latest by default). ANSI colours become classes, carriage-return progress lines keep their last
// state, and very long lines are cut with a way to see them whole. Text only ever enters as text nodes.

import { get } from "./api.js";
import { append, clear, h } from "./dom.js";
import { OUTCOMES } from "./run_events.js";

const LINE_CHARS = 2000;
const MOST_CHARS = 4 * 1024 * 1024; // loaded text kept in the page at most
const ANSI = /\x1b\[([0-9;?]*)([A-Za-z])/g;

export class ComputeLogs {
  // attempt: "" (the latest) or a number; attemptsOf(step): the step's attempts from the run summary.
  constructor({ runId, step, stream, attempt = "", attemptsOf = () => [], steps, onChoose }) {
    this.runId = runId;
    this.step = step;
    this.stream = stream;
    this.attempt = attempt;
    this.attemptsOf = attemptsOf;
    this.steps = steps;
    this.onChoose = onChoose;
    this.chunks = [];
    this.hasEarlier = false;
    this.bar = h("div", { class: "row log-controls" });
    this.view = h("pre", { class: "log-view", tabindex: "0" });
    this.note = h("div", { class: "muted log-note" });
    this.el = h("div", { class: "compute-logs" }, this.bar, this.note, this.view);
  }

  url() {
    return `/api/runs/${encodeURIComponent(this.runId)}/logs`;
  }

  // The attempt shown: the one picked, else the step's latest ("" for a step of one attempt).
  shownAttempt() {
    const attempts = this.attemptsOf(this.step);
    if (attempts.length < 2) return this.attempt;
    return this.attempt || String(attempts[attempts.length - 1].number);
  }

  params(extra = {}) {
    const attempt = this.shownAttempt();
    return { step: this.step, stream: this.stream, ...(attempt ? { attempt } : {}), ...extra };
  }

  async load() {
    this.drawBar();
    this.loaded = this.shownAttempt();
    const page = await get(this.url(), this.params());
    this.chunks = page.chunks;
    this.hasEarlier = page.has_earlier;
    this.draw({ end: true });
  }

  async earlier() {
    if (!this.chunks.length) return;
    const page = await get(this.url(), this.params({ before: this.chunks[0].sequence }));
    const height = this.view.scrollHeight;
    this.chunks = page.chunks.concat(this.chunks);
    this.hasEarlier = page.has_earlier;
    this.draw({});
    this.view.scrollTop += this.view.scrollHeight - height;
  }

  // Called on the change feed while the run is active: what the step wrote since.
  async follow() {
    if (this.loaded !== this.shownAttempt()) return this.load(); // the step retried: its new attempt
    let more = true;
    let added = false;
    while (more) {
      const after = this.chunks.length ? this.chunks[this.chunks.length - 1].sequence : -1;
      const page = await get(this.url(), this.params({ after }));
      this.chunks = this.chunks.concat(page.chunks);
      added = added || page.chunks.length > 0;
      more = page.has_more && page.chunks.length > 0;
    }
    if (added) {
      const atEnd = this.view.scrollTop + this.view.clientHeight >= this.view.scrollHeight - 20;
      this.draw({ end: atEnd });
    }
  }

  drawBar() {
    const download = `${this.url()}?${new URLSearchParams(this.params({ download: "1" }))}`;
    const attempts = this.attemptsOf(this.step);
    const shown = this.shownAttempt();
    append(clear(this.bar), [
      h(
        "select",
        { "aria-label": "step", onchange: (e) => this.onChoose({ step: e.target.value }) },
        this.steps.map((s) => h("option", { value: s, selected: s === this.step }, s || "(outside any step)")),
      ),
      attempts.length > 1
        ? h(
            "select",
            { "aria-label": "attempt", class: "log-attempt", onchange: (e) => this.onChoose({ attempt: e.target.value }) },
            attempts.map((a) => h("option", { value: String(a.number), selected: String(a.number) === shown }, `Attempt ${a.number} of ${attempts.length}: ${OUTCOMES[a.outcome] || a.outcome.toLowerCase()}`)),
          )
        : null,
      h(
        "div",
        { class: "seg", role: "group", "aria-label": "stream" },
        ["stdout", "stderr"].map((s) =>
          h("button", { type: "button", class: s === this.stream ? "on" : "", "aria-pressed": s === this.stream ? "true" : "false", onclick: () => this.onChoose({ stream: s }) }, s),
        ),
      ),
      h("span", { class: "spacer" }),
      h("a", { href: download, download: "", class: "button" }, "Download"),
    ]);
  }

  draw({ end = false }) {
    let total = 0;
    let keep = this.chunks.length;
    while (keep > 1 && total < MOST_CHARS) total += this.chunks[--keep].text.length;
    if (keep > 0 && total >= MOST_CHARS) {
      this.chunks = this.chunks.slice(keep);
      this.hasEarlier = true;
    }
    const text = this.chunks.map((c) => c.text).join("");
    clear(this.note);
    if (this.hasEarlier) append(this.note, [h("button", { type: "button", onclick: () => this.earlier() }, "Load earlier output"), " "]);
    const dropped = this.chunks.filter((c) => c.dropped_bytes > 0);
    if (dropped.length) append(this.note, [h("span", {}, `The worker stopped capturing after its cap: ${dropped[0].text.trim()}`)]);
    clear(this.view);
    if (!text) {
      const attempt = this.attemptsOf(this.step).length > 1 ? ` in attempt ${this.shownAttempt()}` : "";
      this.view.append(h("span", { class: "muted" }, `Nothing on ${this.stream}${this.step ? ` from ${this.step}` : ""}${attempt} yet.`));
      return;
    }
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    for (const raw of lines) this.view.append(line(raw), "\n");
    if (end) this.view.scrollTop = this.view.scrollHeight;
  }
}

// One line: the state a terminal would show after its carriage returns, coloured, cut when very long.
function line(raw) {
  let text = raw;
  if (text.includes("\r")) {
    const parts = text.split("\r").filter((p) => p !== "");
    text = parts.length ? parts[parts.length - 1] : "";
  }
  const el = h("span", { class: "log-line" });
  const long = text.length > LINE_CHARS;
  const shown = long ? text.slice(0, LINE_CHARS) : text;
  append(el, colour(shown));
  if (long) {
    const more = h("button", { type: "button", class: "link-button" }, ` … show full line (${text.length.toLocaleString()} characters)`);
    more.addEventListener("click", () => clear(el).append(...colour(text)));
    el.append(more);
  }
  return el;
}

function colour(text) {
  const out = [];
  let classes = [];
  let at = 0;
  ANSI.lastIndex = 0;
  for (let m = ANSI.exec(text); m; m = ANSI.exec(text)) {
    if (m.index > at) out.push(span(text.slice(at, m.index), classes));
    at = ANSI.lastIndex;
    if (m[2] !== "m") continue; // cursor movement and the like: dropped
    for (const code of (m[1] || "0").split(";").map(Number)) {
      if (code === 0) classes = [];
      else if (code === 1) classes = [...classes, "ansi-bold"];
      else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) classes = [...classes.filter((c) => !c.startsWith("ansi-fg")), `ansi-fg${code}`];
      else if (code === 39) classes = classes.filter((c) => !c.startsWith("ansi-fg"));
    }
  }
  if (at < text.length) out.push(span(text.slice(at), classes));
  return out;
}

function span(text, classes) {
  return classes.length ? h("span", { class: classes.join(" ") }, text) : text;
}
