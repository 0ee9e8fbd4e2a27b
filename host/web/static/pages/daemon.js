// `/daemon`: who holds the leader lease, and each daemon loop's heartbeat, interval and last error
// (GetDaemonStatus). Refreshed when runs, ticks or backfills change, and by the Refresh button.

import { rpc } from "../lib/api.js";
import { append, badge, clear, h, link, table } from "../lib/dom.js";
import { duration } from "../lib/format.js";

const LOOPS = {
  leader: "Renews the leader lease, so two hosts on one database never both run the loops.",
  run_queue: "Starts queued runs within the concurrency limits.",
  run_monitor: "Fails or resumes runs whose worker stopped heartbeating; enforces max runtime.",
  scheduler: "Evaluates running schedules at their cron slots.",
  sensors: "Evaluates running sensors at their intervals.",
  backfills: "Submits backfill runs in chunks through the run queue.",
  run_retries: "Re-executes failed runs that carry max_retries.",
};

// A loop is late when its last pass is older than five intervals (30 s at least).
export function isLate(loop) {
  return loop.active && loop.heartbeat_age_seconds > Math.max(30, 5 * (loop.interval_seconds || 1));
}

export async function render(root, ctx) {
  const body = h("div");
  const refresh = h("button", { onclick: () => draw() }, "Refresh");
  root.append(h("div", { class: "row" }, h("h1", {}, "Daemon"), h("span", { class: "spacer" }), refresh), body);
  const draw = async () => {
    const [status, queued] = await Promise.all([rpc("GetDaemonStatus"), rpc("ListRuns", { statuses: ["QUEUED"], limit: 100 })]);
    const loops = status.loops || [];
    const late = loops.filter(isLate);
    const errors = loops.filter((l) => l.last_error);
    const queueDepth = (queued.runs || []).length;
    append(clear(body), [
      h(
        "div",
        { class: "cards" },
        h(
          "div",
          { class: "card", id: "daemon-lease" },
          h("h2", {}, "Leader lease"),
          h(
            "dl",
            { class: "kv" },
            h("dt", {}, "This host"),
            h("dd", {}, h("code", {}, status.host_id || "")),
            h("dt", {}, "Leader"),
            h("dd", {}, status.leader ? h("code", {}, status.leader) : h("span", { class: "muted" }, "none"), " ", status.is_leader ? badge("SUCCESS", "this host") : status.leader ? badge("", "another host") : null),
            h("dt", {}, "Fencing token"),
            h("dd", {}, String(status.fencing_token || 0)),
            h("dt", {}, "Expires in"),
            h("dd", {}, status.lease_expires_in ? duration(status.lease_expires_in) : "—"),
          ),
        ),
        h(
          "div",
          { class: "card" },
          h("h2", {}, "Health"),
          late.length ? badge("FAILURE", `${late.length} loop${late.length === 1 ? "" : "s"} late`) : badge("SUCCESS", "every loop on time"),
          " ",
          errors.length ? badge("warn", `${errors.length} with an error`) : null,
          h("p", {}, link("/runs?status=QUEUED", `${queueDepth === 100 ? "100+" : queueDepth} run${queueDepth === 1 ? "" : "s"} queued`)),
          status.is_leader ? null : h("p", { class: "muted small" }, "This host does not lead: its loops idle until it takes the lease."),
        ),
      ),
      h("h2", {}, "Loops"),
      table(
        ["Loop", "State", "Last pass", "Interval", "Last error", "What it does"],
        loops.map((loop) =>
          h(
            "tr",
            { dataset: { loop: loop.name } },
            h("td", {}, h("code", {}, loop.name)),
            h("td", {}, !loop.active ? badge("", "idle") : isLate(loop) ? badge("FAILURE", "late") : badge("SUCCESS", "ok")),
            h("td", {}, loop.heartbeat_age_seconds < 0 ? "not yet" : `${duration(loop.heartbeat_age_seconds)} ago`),
            h("td", {}, duration(loop.interval_seconds)),
            h("td", {}, loop.last_error ? h("pre", { class: "loop-error" }, loop.last_error) : h("span", { class: "muted" }, "—")),
            h("td", { class: "muted small" }, LOOPS[loop.name] || ""),
          ),
        ),
        { empty: "The daemon reports no loops (is it running in this host?)." },
      ),
    ]);
  };
  await draw();
  ctx.onChange(["runs", "ticks", "backfills"], draw, 2000);
}
