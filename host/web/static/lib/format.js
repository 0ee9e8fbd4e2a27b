// Times, durations and statuses as people read them.

export function ago(seconds) {
  if (!seconds) return "";
  const delta = Date.now() / 1000 - seconds;
  if (delta < 0) return "in " + duration(-delta);
  if (delta < 5) return "just now";
  return duration(delta) + " ago";
}

export function duration(seconds) {
  if (seconds === undefined || seconds === null || Number.isNaN(seconds)) return "";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${Math.floor(seconds % 60)}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${m % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

export function when(seconds) {
  if (!seconds) return "";
  const d = new Date(seconds * 1000);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function runDuration(run) {
  const start = run.started_at || run.created_at;
  const end = run.ended_at || (isActive(run.status) ? Date.now() / 1000 : start);
  return start ? duration(Math.max(0, end - start)) : "";
}

export function isActive(status) {
  return ["QUEUED", "STARTING", "STARTED", "CANCELING"].includes(status);
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : "";
}

export function keyPath(key) {
  return "/assets/" + String(key).split("/").map(encodeURIComponent).join("/");
}
