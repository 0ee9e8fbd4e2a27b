// Shared pieces for statuses: location states, run rows, a code error with its traceback.

import { badge, h, link } from "./dom.js";
import { ago, runDuration, shortId } from "./format.js";

export const LOCATION_STATE = {
  LOCATION_LOADING: ["LOADING", "loading"],
  LOCATION_LOADED: ["LOADED", "loaded"],
  LOCATION_ERROR: ["ERROR", "error"],
  LOCATION_UNAVAILABLE: ["ERROR", "unavailable"],
};

export function locationBadge(location) {
  const [cls, text] = LOCATION_STATE[location.status] || ["", "unknown"];
  return badge(cls, text);
}

export function runTarget(run) {
  if (run.job_name && run.job_name !== "__ASSET_JOB") return run.job_name;
  const keys = (run.asset_selection || []).map((k) => (k.path || []).join("/"));
  if (!keys.length) return run.job_name || "";
  return keys.length <= 3 ? keys.join(", ") : `${keys.slice(0, 2).join(", ")} +${keys.length - 2} more`;
}

export function launchedBy(run) {
  if (run.schedule_name) return `schedule ${run.schedule_name}`;
  if (run.sensor_name) return `sensor ${run.sensor_name}`;
  if (run.backfill_id) return `backfill ${shortId(run.backfill_id)}`;
  if (run.parent_run_id) return `re-execution of ${shortId(run.parent_run_id)}`;
  return "user";
}

export function runRow(run, extra = []) {
  return h(
    "tr",
    {},
    h("td", {}, link(`/runs/${encodeURIComponent(run.run_id)}`, h("code", {}, shortId(run.run_id)))),
    h("td", {}, badge(run.status, run.status)),
    h("td", {}, runTarget(run)),
    h("td", {}, run.location),
    h("td", {}, launchedBy(run)),
    h("td", { title: new Date((run.created_at || 0) * 1000).toISOString() }, ago(run.created_at)),
    h("td", {}, runDuration(run)),
    extra,
  );
}

export const RUN_HEADERS = ["Run", "Status", "Target", "Location", "Launched by", "Created", "Duration"];

export function codeError(error) {
  if (!error) return null;
  const parts = [];
  for (let e = error; e; e = e.cause) {
    parts.push(h("div", {}, h("strong", {}, `${e.type || "Error"}: `), e.message || ""));
    if (e.traceback) parts.push(h("pre", { class: "traceback" }, e.traceback));
  }
  return h("div", { class: "error-box" }, parts);
}
