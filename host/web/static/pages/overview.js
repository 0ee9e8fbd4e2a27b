// `/`: what needs attention now: locations, runs in progress, recent failures, failing automation.

import { rpc } from "../lib/api.js";
import { badge, clear, h, link, table } from "../lib/dom.js";
import { ago } from "../lib/format.js";
import { RUN_HEADERS, locationBadge, runRow } from "../lib/status.js";

const ACTIVE = ["QUEUED", "STARTING", "STARTED", "CANCELING"];
const DAY = 24 * 3600;

export async function render(root, ctx) {
  root.append(h("h1", {}, "Overview"));
  const body = h("div");
  root.append(body);
  const draw = async () => {
    const [locations, active, failed, instigators, daemon] = await Promise.all([
      rpc("ListLocations"),
      rpc("ListRuns", { statuses: ACTIVE, limit: 50 }),
      rpc("ListRuns", { statuses: ["FAILURE"], limit: 50 }),
      rpc("ListInstigators"),
      rpc("GetDaemonStatus"),
    ]);
    const recentFailures = (failed.runs || []).filter((r) => (r.created_at || 0) > Date.now() / 1000 - DAY);
    const failing = (instigators.instigators || []).filter((i) => i.last_tick && i.last_tick.status === "FAILURE");
    const loops = daemon.loops || [];
    const stale = loops.filter((l) => l.active && l.heartbeat_age_seconds > Math.max(30, 5 * (l.interval_seconds || 1)));
    clear(body).append(
      h(
        "div",
        { class: "cards" },
        stat("Locations", (locations.locations || []).length, "/locations"),
        stat("Runs in progress", (active.runs || []).length, "/runs?status=STARTED"),
        stat("Failures, last 24 h", recentFailures.length, "/runs?status=FAILURE"),
        h(
          "div",
          { class: "card" },
          h("h2", {}, "Daemon"),
          stale.length ? badge("FAILURE", `${stale.length} loop(s) late`) : badge("SUCCESS", "healthy"),
          " ",
          link("/daemon", daemon.is_leader ? "leader: this host" : `leader: ${daemon.leader || "none"}`),
        ),
      ),
      h("h2", {}, "Code locations"),
      table(
        ["Location", "State", "Assets", "Jobs", "Updated"],
        (locations.locations || []).map((loc) =>
          h(
            "tr",
            {},
            h("td", {}, link(`/locations/${encodeURIComponent(loc.name)}`, loc.name)),
            h("td", {}, locationBadge(loc), loc.load_error || loc.error_message ? h("a", { href: `/locations#error-${loc.name}` }, " see error") : null),
            h("td", {}, loc.asset_count || 0),
            h("td", {}, loc.job_count || 0),
            h("td", {}, ago(loc.updated_at)),
          ),
        ),
        { empty: "No code locations in the workspace." },
      ),
      h("h2", {}, "In progress"),
      table(RUN_HEADERS, (active.runs || []).map((r) => runRow(r)), { empty: "No run is queued or running." }),
      h("h2", {}, "Failed in the last 24 hours"),
      table(RUN_HEADERS, recentFailures.map((r) => runRow(r)), { empty: "No failures in the last 24 hours." }),
      h("h2", {}, "Schedules and sensors failing"),
      table(
        ["Name", "Kind", "Location", "Last tick", "Error"],
        failing.map((i) =>
          h(
            "tr",
            {},
            h("td", {}, link(`/${i.kind === "SENSOR" ? "sensors" : "schedules"}/${encodeURIComponent(i.location)}/${encodeURIComponent(i.name)}`, i.name)),
            h("td", {}, i.kind === "SENSOR" ? "sensor" : "schedule"),
            h("td", {}, i.location),
            h("td", {}, ago(i.last_tick.timestamp)),
            h("td", {}, h("code", {}, (i.last_tick.error || "").split("\n")[0].slice(0, 200))),
          ),
        ),
        { empty: "Every schedule and sensor's last tick succeeded or skipped." },
      ),
    );
  };
  await draw();
  ctx.onChange(["runs", "locations", "ticks", "instigators"], draw);
}

function stat(label, value, href) {
  return h("a", { class: "card", href }, h("div", { class: "muted" }, label), h("div", { class: "stat" }, String(value)));
}
