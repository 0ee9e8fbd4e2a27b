// The run's steps on a time line, drawn on a canvas from the step summary the host computes: one row
// per step, only the visible rows drawn, so a run of thousands of steps scrolls as fast as one of ten.
// A step retried has one bar per attempt (a failed attempt in the failure colour, the retry's wait a
// gap between bars). A click on a row picks the step (the page filters its log), on an attempt's bar
// that attempt; a click on its box marks the step for re-execution.

import { h } from "./dom.js";
import { duration } from "./format.js";

const ROW = 22;
const AXIS = 22;
const LABEL = 230;
const BOX = 16;
const MAX_HEIGHT = 320;
export const STEP_COLORS = {
  SUCCESS: "#1a7f37",
  FAILURE: "#c62828",
  STARTED: "#1565c0",
  RETRYING: "#b26a00",
  SKIPPED: "#8a94a6",
  PENDING: "#c5ccd6",
  UNFINISHED: "#8a94a6",
};
// An attempt's colour by how it ended: one that failed and was retried is a failure.
const ATTEMPT_COLORS = { UP_FOR_RETRY: STEP_COLORS.FAILURE, SUCCESS: STEP_COLORS.SUCCESS, FAILURE: STEP_COLORS.FAILURE, SKIPPED: STEP_COLORS.SKIPPED };
const OUTCOME_WORDS = { UP_FOR_RETRY: "failed, retried", SUCCESS: "succeeded", FAILURE: "failed", SKIPPED: "skipped", STARTED: "running", UNFINISHED: "did not finish" };

export class Gantt {
  constructor({ onStep, onToggle }) {
    this.onStep = onStep;
    this.onToggle = onToggle;
    this.steps = [];
    this.canvas = h("canvas", { class: "gantt-canvas", role: "img" });
    this.filler = h("div");
    this.el = h("div", { class: "gantt" }, this.canvas, this.filler);
    this.el.addEventListener("scroll", () => this.draw());
    this.canvas.addEventListener("click", (e) => this.click(e));
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(this.el);
  }

  destroy() {
    this.resize.disconnect();
  }

  update({ steps, start, end, active, picked = "", pickedAttempt = 0, chosen = new Set() }) {
    Object.assign(this, { steps, start, end, active, picked, pickedAttempt, chosen });
    const total = AXIS + steps.length * ROW + 4;
    this.viewHeight = Math.min(total, MAX_HEIGHT);
    this.filler.style.height = `${total - this.viewHeight}px`;
    const described = (s) => `${s.step_key} ${s.status}${s.attempts > 1 ? ` in ${s.attempts} attempts` : ""}`;
    this.canvas.setAttribute("aria-label", `${steps.length} steps: ` + steps.map(described).join(", ").slice(0, 500));
    this.draw();
  }

  span() {
    const now = Date.now() / 1000;
    const starts = this.steps.map((s) => s.start).filter(Boolean);
    let lo = Math.min(this.start || Infinity, ...starts);
    if (!Number.isFinite(lo)) lo = now;
    const ends = this.steps.flatMap((s) => [s.end || 0, ...(s.attempt_list || []).map((a) => a.end || 0)]);
    const hi = Math.max(this.end || (this.active ? now : 0), ...ends, lo + 0.01);
    return [lo, hi];
  }

  draw() {
    const width = this.el.clientWidth;
    if (!width) return;
    const ratio = window.devicePixelRatio || 1;
    const height = this.viewHeight || AXIS;
    this.canvas.width = width * ratio;
    this.canvas.height = height * ratio;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const g = this.canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.font = "12px system-ui, sans-serif";
    g.textBaseline = "middle";
    const [lo, hi] = this.span();
    const plot = Math.max(40, width - LABEL - 12);
    const x = (t) => LABEL + ((t - lo) / (hi - lo)) * plot;
    const scroll = this.el.scrollTop;
    const first = Math.max(0, Math.floor(scroll / ROW));
    const last = Math.min(this.steps.length, first + Math.ceil(height / ROW) + 1);
    const now = Date.now() / 1000;
    this.x = x;
    const bars = [];
    for (let i = first; i < last; i++) {
      const step = this.steps[i];
      const y = AXIS + i * ROW - scroll;
      if (step.step_key === this.picked) {
        g.fillStyle = "#e8f0fb";
        g.fillRect(0, y, width, ROW);
      }
      this.box(g, 6, y + (ROW - 12) / 2, this.chosen.has(step.step_key));
      g.fillStyle = "#1d2430";
      g.fillText(fit(g, step.step_key, LABEL - BOX - 20), BOX + 10, y + ROW / 2);
      if (!step.start) continue;
      const status = step.status === "STARTED" && !this.active ? "UNFINISHED" : step.status;
      const stop = step.end || (this.active ? now : this.end || step.start);
      let left = x(step.start);
      let barWidth = Math.max(3, x(stop) - left);
      const attempts = this.attempts(step, now);
      if (attempts.length > 1) {
        for (const a of attempts) {
          const from = x(a.start);
          const width = Math.max(3, x(a.stop) - from - 1); // a pixel apart: back-to-back attempts stay two bars
          g.fillStyle = a.color;
          g.fillRect(from, y + 4, width, ROW - 8);
          if (step.step_key === this.picked && a.number === this.pickedAttempt) {
            g.strokeStyle = "#1d2430";
            g.lineWidth = 2;
            g.strokeRect(from - 1, y + 3, width + 2, ROW - 6);
            g.lineWidth = 1;
          }
          bars.push(`${step.step_key}|${a.number}|${Math.round(from)}|${Math.round(from + width)}|${Math.round(y + ROW / 2)}`);
        }
        const lastBar = attempts[attempts.length - 1];
        left = x(lastBar.start);
        barWidth = Math.max(3, x(lastBar.stop) - left);
      } else {
        g.fillStyle = STEP_COLORS[status] || "#8a94a6";
        g.fillRect(left, y + 4, barWidth, ROW - 8);
      }
      const label = `${duration(stop - step.start)}${step.attempts > 1 ? ` · ${step.attempts} attempts` : ""}`;
      const textWidth = g.measureText(label).width;
      if (textWidth + 8 < barWidth) {
        g.fillStyle = "#fff";
        g.fillText(label, left + 4, y + ROW / 2);
      } else if (left + barWidth + textWidth + 6 < width) {
        g.fillStyle = "#667085";
        g.fillText(label, left + barWidth + 4, y + ROW / 2);
      } else if (x(step.start) - textWidth - 6 > LABEL) {
        g.fillStyle = "#667085"; // no room after the last bar: before the first
        g.fillText(label, x(step.start) - textWidth - 4, y + ROW / 2);
      }
    }
    this.axis(g, width, lo, hi, x);
    // Where each visible attempt's bar is (step|attempt|left|right|middle, in CSS pixels): what a
    // test or a tool clicks, since a canvas has no elements.
    this.canvas.dataset.bars = bars.join(";");
  }

  // A step's attempts as bars: each from its start to its end (one not ended: to the next attempt's
  // start, or now while the run goes on), coloured by how it ended.
  attempts(step, now) {
    const list = step.attempt_list || [];
    return list.map((a, i) => {
      const next = list[i + 1];
      let outcome = a.outcome;
      if (outcome === "STARTED" && (next || !this.active)) outcome = "UNFINISHED";
      const stop = a.end || (next ? next.start : this.active ? now : this.end || a.start);
      const color = ATTEMPT_COLORS[outcome] || (outcome === "STARTED" ? STEP_COLORS.STARTED : STEP_COLORS.UNFINISHED);
      return { ...a, outcome, stop, color };
    });
  }

  // The attempt whose bar is under x on a step's row (null: the row, not a bar).
  attemptAt(step, px) {
    if (!this.x || (step.attempt_list || []).length < 2) return null;
    const now = Date.now() / 1000;
    return this.attempts(step, now).find((a) => px >= this.x(a.start) - 2 && px <= Math.max(this.x(a.stop), this.x(a.start) + 3) + 2) || null;
  }

  axis(g, width, lo, hi, x) {
    g.fillStyle = "#fafbfc";
    g.fillRect(0, 0, width, AXIS);
    g.strokeStyle = "#e3e6eb";
    g.beginPath();
    g.moveTo(0, AXIS - 0.5);
    g.lineTo(width, AXIS - 0.5);
    g.stroke();
    g.fillStyle = "#667085";
    g.fillText(`${this.steps.length} step${this.steps.length === 1 ? "" : "s"}`, 6, AXIS / 2);
    const span = hi - lo;
    const step = niceStep(span / 6);
    for (let t = 0; t <= span + 1e-9 && Number.isFinite(step); t += step) {
      const px = x(lo + t);
      g.fillRect(px, AXIS - 5, 1, 5);
      const text = t ? "+" + duration(t).replace(".0 s", " s") : "0";
      if (px + g.measureText(text).width < width) g.fillText(text, px + 3, AXIS / 2 - 1);
    }
  }

  box(g, x, y, on) {
    g.strokeStyle = on ? "#1f4e79" : "#98a2b3";
    g.fillStyle = on ? "#1f4e79" : "#fff";
    g.fillRect(x, y, 12, 12);
    g.strokeRect(x + 0.5, y + 0.5, 11, 11);
    if (on) {
      g.strokeStyle = "#fff";
      g.beginPath();
      g.moveTo(x + 3, y + 6);
      g.lineTo(x + 5.5, y + 8.5);
      g.lineTo(x + 9.5, y + 3.5);
      g.stroke();
    }
  }

  rowAt(event) {
    const rect = this.canvas.getBoundingClientRect();
    const y = event.clientY - rect.top;
    if (y < AXIS) return null;
    const index = Math.floor((y - AXIS + this.el.scrollTop) / ROW);
    return { step: this.steps[index], x: event.clientX - rect.left };
  }

  click(event) {
    const hit = this.rowAt(event);
    if (!hit || !hit.step) return;
    if (hit.x < BOX + 8) this.onToggle(hit.step.step_key);
    else {
      const attempt = this.attemptAt(hit.step, hit.x);
      this.onStep(hit.step.step_key, attempt ? attempt.number : 0);
    }
  }

  hover(event) {
    const hit = this.rowAt(event);
    const step = hit && hit.step;
    this.canvas.style.cursor = step ? "pointer" : "default";
    const attempt = step && hit.x >= BOX + 8 ? this.attemptAt(step, hit.x) : null;
    if (attempt) {
      const took = attempt.end ? `, ${duration(attempt.end - attempt.start)}` : "";
      this.canvas.title = `${step.step_key}: attempt ${attempt.number} of ${step.attempt_list.length}, ${OUTCOME_WORDS[attempt.outcome] || attempt.outcome.toLowerCase()}${took} (click to show its events)`;
      return;
    }
    this.canvas.title = step
      ? `${step.step_key}: ${step.status.toLowerCase()}` +
        (step.start && step.end ? `, ${duration(step.end - step.start)}` : "") +
        (step.attempts > 1 ? `, ${step.attempts} attempts` : "") +
        `, ${step.events} events` +
        (hit.x < BOX + 8 ? " (click the box to mark it for re-execution)" : " (click to show its events)")
      : "";
  }
}

function fit(g, text, width) {
  if (g.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (g.measureText(text.slice(0, mid) + "…").width <= width) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo) + "…";
}

function niceStep(raw) {
  const steps = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  return steps.find((s) => s >= raw) || Math.ceil(raw / 86400) * 86400;
}
