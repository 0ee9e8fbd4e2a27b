// Shared pieces of the schedule and sensor pages: links, how each one is timed, its target, the
// start/stop button, a tick's status, runs, error and output.

import { readOnly, rpc } from "./api.js";
import { badge, h, link, toast } from "./dom.js";
import { ago, duration, keyPath, shortId, when } from "./format.js";

export function isSensor(instigator) {
  return instigator.kind === "SENSOR";
}

export function instigatorHref(instigator) {
  const base = isSensor(instigator) ? "/sensors" : "/schedules";
  return `${base}/${encodeURIComponent(instigator.location)}/${encodeURIComponent(instigator.name)}`;
}

// "* * * * * (UTC)" for a schedule; "every 30 s" (and its kind) for a sensor: the interval the host ticks
// it at (an automation sensor's comes from weir.yaml), else its minimum_interval_seconds.
export function timing(instigator) {
  if (isSensor(instigator)) {
    const seconds = Number(instigator.interval_seconds || instigator.minimum_interval_seconds || 0);
    const every = seconds ? `every ${seconds < 60 ? `${seconds} s` : duration(seconds)}` : "";
    const kind = instigator.sensor_kind && instigator.sensor_kind !== "STANDARD" ? instigator.sensor_kind.toLowerCase().replace("_", " ") + " sensor" : "";
    return [every, kind].filter(Boolean).join(", ");
  }
  const crons = (instigator.cron_schedules || []).join(" | ");
  return `${crons} (${instigator.execution_timezone || "UTC"})`;
}

export function target(instigator) {
  const jobs = (instigator.job_names || []).map((name) =>
    link(`/launch?location=${encodeURIComponent(instigator.location)}&job=${encodeURIComponent(name)}`, name),
  );
  const keys = (instigator.asset_selection || []).map((k) => (k.path || []).join("/"));
  const assets = keys.slice(0, 5).map((key) => link(keyPath(key), key));
  const more = keys.length > 5 ? ` +${keys.length - 5} more` : "";
  const parts = [...jobs, ...assets];
  if (!parts.length) return h("span", { class: "muted" }, "—");
  return h("span", {}, parts.flatMap((p, i) => (i ? [", ", p] : [p])), more);
}

export function stateBadge(instigator) {
  return badge(instigator.status || "STOPPED", (instigator.status || "STOPPED").toLowerCase());
}

// Start or Stop, then call done(updated instigator).
export function toggleButton(instigator, done) {
  if (readOnly) return null;
  const running = instigator.status === "RUNNING";
  const button = h(
    "button",
    {
      class: running ? "danger" : "",
      "data-action": running ? "stop" : "start",
      onclick: async () => {
        button.disabled = true;
        try {
          const updated = await rpc("SetInstigatorStatus", {
            kind: instigator.kind,
            location: instigator.location,
            name: instigator.name,
            status: running ? "STOPPED" : "RUNNING",
          });
          toast(`${instigator.name} ${running ? "stopped" : "started"}`);
          if (done) await done(updated);
        } catch (error) {
          toast(error.message, { bad: true });
        } finally {
          button.disabled = false;
        }
      },
    },
    running ? "Stop" : "Start",
  );
  return button;
}

export function tickStatus(tick) {
  if (!tick) return h("span", { class: "muted" }, "no tick yet");
  return h("span", {}, badge(tick.status, tick.status), " ", h("span", { class: "muted", title: when(tick.timestamp) }, ago(tick.timestamp)));
}

export function tickSummary(tick) {
  if (!tick) return "";
  if (tick.error) return h("code", { class: "tick-reason" }, firstLine(tick.error));
  if (tick.reason) return h("span", { class: "tick-reason" }, tick.reason);
  const runs = tick.run_ids || [];
  return runs.length ? `${runs.length} run${runs.length === 1 ? "" : "s"} requested` : "";
}

export function runLinks(tick) {
  const runs = tick.run_ids || [];
  return runs.map((id, i) => [i ? " " : "", link(`/runs/${encodeURIComponent(id)}`, h("code", {}, shortId(id)))]);
}

// A traceback or an output, folded under a one-line summary.
export function folded(label, text, { open = false } = {}) {
  if (!text) return null;
  return h("details", { class: "tick-details", open }, h("summary", {}, label), h("pre", {}, text));
}

export function firstLine(text) {
  const lines = String(text || "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  // a Python traceback ends with the exception line, which says most
  const pick = lines.length && lines[0].startsWith("Traceback") ? lines[lines.length - 1] : lines[0] || "";
  return pick.length > 200 ? pick.slice(0, 197) + "..." : pick;
}

export function lineCount(text) {
  if (!text) return 0;
  return text.replace(/\n$/, "").split("\n").length;
}
