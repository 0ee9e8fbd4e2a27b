// `/runs`: every run, newest first, a page at a time (ListRuns' keyset cursor). Status, location, job
// and tags filter it, all in the URL; the list follows the change feed; selected runs can be canceled
// or deleted together after a confirmation that names them.

import { readOnly, rpc } from "../lib/api.js";
import { append, badge, clear, h, table, toast } from "../lib/dom.js";
import { isActive, shortId } from "../lib/format.js";
import { confirmDialog } from "../lib/confirm.js";
import { RUN_HEADERS, runRow, runTarget } from "../lib/status.js";

const IN_PROGRESS = ["STARTING", "STARTED", "CANCELING"];
const TABS = [
  ["All", []],
  ["Queued", ["QUEUED"]],
  ["In progress", IN_PROGRESS],
  ["Failed", ["FAILURE"]],
  ["Succeeded", ["SUCCESS"]],
  ["Canceled", ["CANCELED"]],
];
const PAGE = 50;
const MOST = 1000; // ListRuns' largest page: what a live refresh re-reads at most

export async function render(root, ctx) {
  const query = ctx.query;
  const statuses = list(query.get("status"));
  const location = query.get("location") || "";
  const job = query.get("job") || "";
  const tags = query.getAll("tag").filter((t) => t.includes("="));
  const from = query.get("from") || ""; // created range, the browser's local time (datetime-local)
  const to = query.get("to") || "";
  const selected = new Set(list(query.get("selected")));
  const request = {
    statuses,
    location,
    job_name: job,
    tags: Object.fromEntries(tags.map(splitTag)),
    created_after: epoch(from),
    created_before: epoch(to),
  };

  let runs = [];
  let cursor = "";
  const actions = h("div", { class: "row runs-actions" });
  const body = h("div");
  const more = h("div", { class: "runs-more" });

  const filterUrl = (changes) => {
    const next = new URLSearchParams(query);
    next.delete("selected");
    for (const [k, v] of Object.entries(changes)) {
      next.delete(k);
      for (const value of [].concat(v)) if (value) next.append(k, value);
    }
    const qs = next.toString();
    return "/runs" + (qs ? "?" + qs : "");
  };
  const tabs = h(
    "nav",
    { class: "tabs runs-tabs" },
    TABS.map(([label, group]) =>
      h("a", { href: filterUrl({ status: group.join(",") }), class: sameSet(group, statuses) ? "active" : null }, label),
    ),
  );
  const { locations = [] } = await rpc("ListLocations");
  const filters = h(
    "form",
    {
      class: "row runs-filters",
      onsubmit: (event) => {
        event.preventDefault();
        const form = new FormData(event.target);
        const tag = String(form.get("tag") || "").trim();
        if (tag && !tag.includes("=")) {
          toast(`A tag filter is key=value, not ${JSON.stringify(tag)}`, { bad: true });
          return;
        }
        ctx.navigate(
          filterUrl({
            location: form.get("location"),
            job: String(form.get("job") || "").trim(),
            tag: tag ? [...tags, tag] : tags,
            from: form.get("from"),
            to: form.get("to"),
          }),
        );
      },
    },
    h(
      "select",
      { name: "location", "aria-label": "location", onchange: (e) => e.target.form.requestSubmit() },
      h("option", { value: "" }, "All locations"),
      locations.map((loc) => h("option", { value: loc.name, selected: loc.name === location }, loc.name)),
    ),
    h("input", { name: "job", placeholder: "job name", value: job, "aria-label": "job" }),
    h("input", { name: "tag", placeholder: "tag key=value", "aria-label": "tag" }),
    h("label", { class: "muted" }, "created from ", h("input", { type: "datetime-local", name: "from", value: from, "aria-label": "created from" })),
    h("label", { class: "muted" }, "to ", h("input", { type: "datetime-local", name: "to", value: to, "aria-label": "created before" })),
    h("button", { type: "submit" }, "Filter"),
    tags.map((tag) => h("a", { class: "tag runs-tag", href: filterUrl({ tag: tags.filter((t) => t !== tag) }), title: "remove this filter" }, tag, " ×")),
    location || job || tags.length || from || to
      ? h("a", { href: filterUrl({ location: "", job: "", tag: [], from: "", to: "" }) }, "clear filters")
      : null,
  );
  root.append(h("div", { class: "row" }, h("h1", {}, "Runs"), h("span", { class: "spacer" }), actions), tabs, filters, body, more);

  const setSelected = () => {
    for (const id of [...selected]) if (!runs.some((r) => r.run_id === id)) selected.delete(id);
    ctx.setQuery({ selected: [...selected].join(",") });
    drawActions();
  };
  const drawActions = () => {
    const chosen = runs.filter((r) => selected.has(r.run_id));
    const active = chosen.filter((r) => isActive(r.status) && r.status !== "CANCELING");
    const ended = chosen.filter((r) => !isActive(r.status));
    clear(actions);
    if (readOnly) return;
    append(actions, [
      chosen.length ? h("span", { class: "muted" }, `${chosen.length} selected`) : null,
      h("button", { disabled: !active.length, onclick: () => bulk("Cancel", active, (r) => rpc("CancelRun", { run_id: r.run_id })) }, `Cancel${active.length ? ` (${active.length})` : ""}`),
      h("button", { class: "danger", disabled: !ended.length, onclick: () => bulk("Delete", ended, (r) => rpc("DeleteRun", { run_id: r.run_id })) }, `Delete${ended.length ? ` (${ended.length})` : ""}`),
    ]);
  };
  const bulk = async (verb, targets, call) => {
    const ok = await confirmDialog({
      title: `${verb} ${targets.length} run${targets.length === 1 ? "" : "s"}?`,
      body: [
        verb === "Delete" ? h("p", {}, `${targets.length === 1 ? "Its" : "Their"} events and logs go too; assets keep what other runs recorded.`) : null,
        h("ul", { class: "runs-targets" }, targets.map((r) => h("li", {}, h("code", {}, shortId(r.run_id)), " ", badge(r.status, r.status), " ", runTarget(r), " · ", r.location))),
      ],
      confirm: `${verb} ${targets.length === 1 ? "it" : "them"}`,
      cancel: targets.length === 1 ? "Keep it" : "Keep them",
      danger: verb === "Delete",
    });
    if (!ok) return;
    const failures = [];
    for (const run of targets) {
      try {
        await call(run);
        selected.delete(run.run_id);
      } catch (error) {
        failures.push(`${shortId(run.run_id)}: ${error.message}`);
      }
    }
    if (failures.length) toast(`${verb} failed for ${failures.length}: ${failures.join("; ")}`, { bad: true });
    else toast(`${verb === "Cancel" ? "Cancel requested for" : "Deleted"} ${targets.length} run${targets.length === 1 ? "" : "s"}`);
    await refresh();
  };

  const draw = () => {
    const rows = runs.map((run) => {
      const row = runRow(run, [h("td", { class: "runs-tags" }, tagList(run))]);
      const box = h("input", {
        type: "checkbox",
        "aria-label": `select run ${shortId(run.run_id)}`,
        checked: selected.has(run.run_id),
        onchange: (e) => {
          if (e.target.checked) selected.add(run.run_id);
          else selected.delete(run.run_id);
          setSelected();
        },
      });
      row.prepend(h("td", { class: "runs-check" }, readOnly ? null : box));
      row.dataset.runId = run.run_id;
      return row;
    });
    const all = h("input", {
      type: "checkbox",
      "aria-label": "select every run shown",
      checked: runs.length > 0 && runs.every((r) => selected.has(r.run_id)),
      onchange: (e) => {
        for (const r of runs) e.target.checked ? selected.add(r.run_id) : selected.delete(r.run_id);
        setSelected();
        draw();
      },
    });
    const grid = table(["", ...RUN_HEADERS, "Tags"], rows, { empty: emptyText(statuses, location, job, tags, from || to) });
    const head = grid.querySelector("thead th");
    if (head && !readOnly) head.append(all);
    clear(body).append(grid);
    append(clear(more), [
      cursor ? h("button", { onclick: loadMore }, "Load more") : runs.length ? h("span", { class: "muted" }, `${runs.length} run${runs.length === 1 ? "" : "s"}, the end of the list`) : null,
    ]);
    drawActions();
  };
  const loadMore = async () => {
    const page = await rpc("ListRuns", { ...request, limit: PAGE, cursor });
    runs = runs.concat(page.runs || []);
    cursor = page.next_cursor || "";
    draw();
  };
  const refresh = async () => {
    const page = await rpc("ListRuns", { ...request, limit: Math.min(MOST, Math.max(PAGE, runs.length)) });
    runs = page.runs || [];
    cursor = page.next_cursor || "";
    draw();
  };
  await refresh();
  ctx.onChange(["runs"], refresh);
}

function list(value) {
  return (value || "").split(",").filter(Boolean);
}

// A datetime-local value ("2026-11-29T18:00") as Unix seconds in the browser's zone; 0 when empty.
function epoch(local) {
  const ms = local ? new Date(local).getTime() : NaN;
  return Number.isFinite(ms) ? ms / 1000 : 0;
}

function splitTag(tag) {
  const at = tag.indexOf("=");
  return [tag.slice(0, at), tag.slice(at + 1)];
}

function sameSet(a, b) {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function tagList(run) {
  const shown = Object.entries(run.tags || {}).filter(([k]) => !k.startsWith("dagster/"));
  return [shown.slice(0, 3).map(([k, v]) => h("span", { class: "tag", title: `${k}=${v}` }, `${k}=${v}`)), shown.length > 3 ? h("span", { class: "muted" }, ` +${shown.length - 3}`) : null];
}

function emptyText(statuses, location, job, tags, dated) {
  const parts = [];
  if (statuses.length) parts.push(statuses.join(" or ").toLowerCase());
  if (location) parts.push(`in ${location}`);
  if (job) parts.push(`of job ${job}`);
  if (tags.length) parts.push(`tagged ${tags.join(", ")}`);
  if (dated) parts.push("created in that range");
  return parts.length ? `No run ${parts.join(" ")}.` : "No runs yet: launch one from Launch, or let a schedule or sensor start one.";
}
