// `/backfills/<id>`: one backfill: status, target, counts per status, a partition strip drawn from
// ranges of consecutive partitions sharing a status (computed on the host), its runs a page at a time,
// and Cancel.

import { get, readOnly, rpc } from "../lib/api.js";
import { append, clear, errorBox, h, link, table, toast } from "../lib/dom.js";
import { ago, when } from "../lib/format.js";
import { RUN_HEADERS, runRow } from "../lib/status.js";
import { label, legend, progressBar } from "../lib/progress.js";
import { backfillBadge, backfillTarget } from "./backfills.js";

const RUN_PAGE = 50;
const RANGE_ROWS = 200;

export async function render(root, ctx) {
  const id = ctx.params.id;
  const head = h("div");
  const stripBox = h("div");
  const runsBox = h("div", { id: "backfill-runs" });
  root.append(head, stripBox, runsBox);
  let runLimit = RUN_PAGE;

  const drawHead = async () => {
    const b = await rpc("GetBackfill", { backfill_id: id });
    const cancel =
      readOnly || b.status !== "REQUESTED"
        ? null
        : h(
            "button",
            {
              class: "danger",
              onclick: async () => {
                if (!window.confirm(`Cancel backfill ${id}? No more runs are submitted; queued runs are canceled and running ones asked to stop.`)) return;
                try {
                  await rpc("CancelBackfill", { backfill_id: id });
                  toast(`Backfill ${id} is being canceled`);
                  await drawAll();
                } catch (error) {
                  toast(error.message, { bad: true });
                }
              },
            },
            "Cancel backfill",
          );
    const keys = (b.asset_selection || []).map((k) => (k.path || []).join("/"));
    append(clear(head), [
      h("div", { class: "row" }, h("h1", {}, `Backfill ${id}`), backfillBadge(b.status), h("span", { class: "spacer" }), link("/backfills", "All backfills"), cancel),
      b.error ? h("div", { class: "error-box" }, h("pre", {}, b.error)) : null,
      h(
        "div",
        { class: "card" },
        h(
          "dl",
          { class: "kv" },
          h("dt", {}, "Target"),
          h("dd", {}, b.job_name ? `job ${b.job_name}` : backfillTarget(b)),
          keys.length && b.job_name ? [h("dt", {}, "Assets"), h("dd", {}, keys.join(", "))] : null,
          h("dt", {}, "Location"),
          h("dd", {}, link(`/locations/${encodeURIComponent(b.location)}`, b.location)),
          h("dt", {}, "Created"),
          h("dd", {}, `${when(b.created_at)} (${ago(b.created_at)})`),
          h("dt", {}, "Partitions"),
          h("dd", {}, String(b.partition_count || 0)),
          h("dt", {}, "Runs"),
          h("dd", {}, `${b.submitted_runs || 0} of ${b.run_count || 0} submitted`, b.partitions_per_run > 1 ? ` (up to ${b.partitions_per_run} partitions per run)` : b.partitions_per_run === 0 ? " (one run for all partitions)" : ""),
          h("dt", {}, "Progress"),
          h("dd", {}, progressBar(b.partitions_by_status || {}, b.partition_count), legend(b.partitions_by_status || {})),
        ),
      ),
    ]);
  };

  const drawStrip = async () => {
    const { ranges = [], total, not_shown: notShown } = await get(`/api/backfills/${encodeURIComponent(id)}/ranges`);
    const sum = total || 1;
    append(clear(stripBox), [
      h("h2", {}, "Partitions"),
      h(
        "div",
        { class: "progress strip", id: "backfill-strip" },
        ranges.map((r) => h("span", { class: r.status, style: { width: `${(100 * r.count) / sum}%` }, title: `${rangeText(r)}: ${label(r.status)}` })),
      ),
      h(
        "details",
        { class: "tick-details" },
        h("summary", {}, `${ranges.length} range${ranges.length === 1 ? "" : "s"} of one status`),
        table(
          ["Partitions", "Count", "Status"],
          ranges.slice(0, RANGE_ROWS).map((r) => h("tr", {}, h("td", {}, h("code", {}, rangeText(r))), h("td", {}, String(r.count)), h("td", {}, label(r.status)))),
        ),
        ranges.length > RANGE_ROWS || notShown ? h("div", { class: "muted small" }, `${ranges.length > RANGE_ROWS ? `${ranges.length - RANGE_ROWS} more ranges` : ""}${notShown ? ` (${notShown} partitions past the last range shown)` : ""}`) : null,
      ),
    ]);
  };

  const drawRuns = async () => {
    const { runs = [], next_cursor: next } = await rpc("ListRuns", { tags: { "dagster/backfill": id }, limit: runLimit });
    const more = next
      ? h(
          "button",
          {
            onclick: () => {
              runLimit += RUN_PAGE;
              drawRuns();
            },
          },
          `Show ${RUN_PAGE} more`,
        )
      : null;
    append(clear(runsBox), [
      h("h2", {}, "Runs"),
      table([...RUN_HEADERS, "Partition"], runs.map((r) => runRow(r, [h("td", {}, r.partition_key || rangeTags(r))])), { empty: "No run submitted yet." }),
      more ? h("div", { class: "row", style: { marginTop: "8px" } }, more) : null,
    ]);
  };

  const drawAll = () => Promise.all([drawHead(), drawStrip(), drawRuns()]);
  try {
    await drawAll();
  } catch (error) {
    append(clear(head), [h("h1", {}, `Backfill ${id}`), errorBox(error), h("p", {}, link("/backfills", "All backfills"))]);
    return;
  }
  ctx.onChange(["backfills", "runs"], drawAll, 1000);
}

function rangeText(r) {
  return r.count === 1 ? r.start : `${r.start} … ${r.end}`;
}

function rangeTags(run) {
  const tags = run.tags || {};
  const start = tags["dagster/asset_partition_range_start"];
  const end = tags["dagster/asset_partition_range_end"];
  return start ? `${start} … ${end}` : "";
}
