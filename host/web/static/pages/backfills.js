// `/backfills`: backfills newest first with their target, partition count and progress as counts per
// status (?status=&location= filter them); live on backfill and run changes.

import { rpc } from "../lib/api.js";
import { append, badge, clear, h, link, table } from "../lib/dom.js";
import { ago, when } from "../lib/format.js";
import { legend, progressBar } from "../lib/progress.js";

const STATUSES = ["REQUESTED", "COMPLETED", "FAILED", "CANCELING", "CANCELED"];

export function backfillTarget(backfill) {
  if (backfill.job_name) return backfill.job_name;
  const keys = (backfill.asset_selection || []).map((k) => (k.path || []).join("/"));
  return keys.length <= 3 ? keys.join(", ") : `${keys.slice(0, 2).join(", ")} +${keys.length - 2} more`;
}

export function backfillBadge(status) {
  const cls = { REQUESTED: "STARTED", COMPLETED: "SUCCESS", FAILED: "FAILURE" }[status] || status;
  return badge(cls, (status || "").toLowerCase());
}

export async function render(root, ctx) {
  const filters = { status: ctx.query.get("status") || "", location: ctx.query.get("location") || "" };
  const body = h("div");
  const statusSelect = h(
    "select",
    {
      "aria-label": "Status",
      onchange: () => {
        filters.status = statusSelect.value;
        ctx.setQuery({ status: filters.status });
        draw();
      },
    },
    [["", "Any status"], ...STATUSES.map((s) => [s, s.toLowerCase()])].map(([value, text]) => h("option", { value, selected: value === filters.status }, text)),
  );
  root.append(
    h("div", { class: "row" }, h("h1", {}, "Backfills"), h("span", { class: "spacer" }), link("/launch", "Launch a backfill from the launch page →")),
    h("div", { class: "row filters" }, statusSelect),
    body,
  );
  const draw = async () => {
    const request = { limit: 100 };
    if (filters.status) request.statuses = [filters.status];
    if (filters.location) request.location = filters.location;
    const { backfills = [] } = await rpc("ListBackfills", request);
    append(clear(body), [
      table(
        ["Backfill", "Status", "Target", "Location", "Partitions", "Progress", "Runs", "Created"],
        backfills.map((b) =>
          h(
            "tr",
            { dataset: { backfill: b.backfill_id } },
            h("td", {}, link(`/backfills/${encodeURIComponent(b.backfill_id)}`, h("code", {}, b.backfill_id))),
            h("td", {}, backfillBadge(b.status)),
            h("td", {}, backfillTarget(b)),
            h("td", {}, link(`/locations/${encodeURIComponent(b.location)}`, b.location)),
            h("td", {}, String(b.partition_count || 0)),
            h("td", {}, progressBar(b.partitions_by_status || {}, b.partition_count), legend(b.partitions_by_status || {})),
            h("td", {}, `${b.submitted_runs || 0} / ${b.run_count || 0}`),
            h("td", { title: when(b.created_at) }, ago(b.created_at)),
          ),
        ),
        { empty: filters.status || filters.location ? "No backfill matches the filters." : "No backfill yet: choose a range of partitions on the launch page." },
      ),
      backfills.length === 100 ? h("div", { class: "muted small" }, "The newest 100 are shown.") : null,
    ]);
  };
  await draw();
  ctx.onChange(["backfills", "runs"], draw, 1000);
}
