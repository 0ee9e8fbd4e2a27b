// `/assets`: the catalog. One request (GET /api/assets: every asset with its status, revalidated by ETag)
// filtered in the browser by a search box (substring of the key, or Dagster's selection syntax, applied
// by the host) and facets; paged, so the DOM never holds more than one page of rows. Every filter, the
// sort, the page and the selection live in the query string.

import { get, readOnly, rpc } from "../lib/api.js";
import { append, badge, clear, errorBox, h, link, toast } from "../lib/dom.js";
import { ago, keyPath, shortId, when } from "../lib/format.js";

const put = (el, ...children) => append(el, children);

const PAGE = 100;
const FACETS = [
  ["location", "Location"],
  ["group", "Group"],
  ["kind", "Kind"],
  ["tag", "Tag"],
  ["owner", "Owner"],
  ["status", "Status"],
  ["checks", "Checks"],
];
const STATUS_TEXT = { materialized: "materialized", failed: "failed", missing: "missing", in_progress: "in progress" };
const SORTS = {
  key: (a, b) => a.key.localeCompare(b.key),
  group: (a, b) => a.group.localeCompare(b.group) || a.key.localeCompare(b.key),
  location: (a, b) => a.location.localeCompare(b.location) || a.key.localeCompare(b.key),
  latest: (a, b) => (a.latest ? a.latest[0] : 0) - (b.latest ? b.latest[0] : 0) || a.key.localeCompare(b.key),
  status: (a, b) => a.status.localeCompare(b.status) || a.key.localeCompare(b.key),
};

// A search that uses the selection grammar (group:x, +key, a or b, ...) rather than a plain substring.
export function looksLikeSelection(text) {
  return /[:*+(),"]|(^|\s)(and|or|not)(\s|$)/.test(text);
}

function toRows(answer) {
  const fields = answer.fields;
  return answer.assets.map((row) => {
    const asset = {};
    fields.forEach((f, i) => (asset[f] = row[i]));
    const [passed, failed, defined] = asset.checks;
    asset.checkState = failed ? "failed" : passed ? "passed" : defined ? "not_run" : "none";
    asset.tagTexts = Object.entries(asset.tags).map(([k, v]) => (v ? `${k}=${v}` : k));
    return asset;
  });
}

function facetValues(asset, facet) {
  switch (facet) {
    case "location":
      return [asset.location];
    case "group":
      return [asset.group];
    case "kind":
      return asset.kinds;
    case "tag":
      return asset.tagTexts;
    case "owner":
      return asset.owners;
    case "status":
      return [asset.status];
    case "checks":
      return [asset.checkState];
    default:
      return [];
  }
}

function facetLabel(facet, value) {
  if (facet === "status") return STATUS_TEXT[value] || value;
  if (facet === "checks") return { failed: "a check failed", passed: "all passed", not_run: "not evaluated", none: "no checks" }[value];
  return value;
}

export async function render(root, ctx) {
  const q = ctx.query;
  const state = {
    text: q.get("q") || "",
    filters: Object.fromEntries(FACETS.map(([f]) => [f, q.get(f) || ""])),
    sort: q.get("sort") || "key",
    page: Math.max(1, Number(q.get("page")) || 1),
    selected: new Set((q.get("selected") || "").split(",").filter(Boolean)),
  };
  let all = [];
  let serverSelection = null; // rows the host's selection picked (a Set of keys), or null
  let selectionError = null;

  const count = h("span", { class: "muted" });
  const search = h("input", {
    type: "search",
    class: "asset-search",
    placeholder: "Filter by key, or a selection: group:sales and status:failed, +revenue, kind:python",
    value: state.text,
    "aria-label": "Filter assets",
  });
  const facetBar = h("div", { class: "facets" });
  const chips = h("div", { class: "chips" });
  const searchError = h("div", { class: "search-error" });
  const actions = h("div", { class: "bulk" });
  const body = h("div", { class: "catalog-body" });
  root.append(
    h("div", { class: "row" }, h("h1", {}, "Assets"), count, h("span", { class: "spacer" }), link("/assets/graph", "Lineage graph")),
    h("div", { class: "catalog-tools" }, search, searchError, facetBar, chips, actions),
    body,
  );

  const saveQuery = (push = false) =>
    ctx.setQuery(
      {
        q: state.text,
        ...state.filters,
        sort: state.sort === "key" ? "" : state.sort,
        page: state.page > 1 ? state.page : "",
        selected: [...state.selected].join(","),
      },
      { push },
    );

  const load = async () => {
    const selection = looksLikeSelection(state.text.trim()) ? state.text.trim() : "";
    const answer = await get("/api/assets");
    all = toRows(answer);
    serverSelection = null;
    selectionError = null;
    if (selection) {
      try {
        const picked = await get("/api/assets", { selection });
        serverSelection = new Set(picked.assets.map((row) => row[0]));
      } catch (error) {
        selectionError = error;
      }
    }
  };

  const filtered = () => {
    const needle = looksLikeSelection(state.text.trim()) ? "" : state.text.trim().toLowerCase();
    return all.filter((a) => {
      if (serverSelection && !serverSelection.has(a.key)) return false;
      if (needle && !a.key.toLowerCase().includes(needle)) return false;
      for (const [facet, wanted] of Object.entries(state.filters)) {
        if (wanted && !facetValues(a, facet).includes(wanted)) return false;
      }
      return true;
    });
  };

  const drawFacets = () => {
    clear(facetBar);
    for (const [facet, title] of FACETS) {
      const counts = new Map();
      for (const a of all) for (const v of new Set(facetValues(a, facet))) counts.set(v, (counts.get(v) || 0) + 1);
      if (state.filters[facet] && !counts.has(state.filters[facet])) counts.set(state.filters[facet], 0);
      const values = [...counts.keys()].sort();
      const select = h(
        "select",
        { "aria-label": title, class: state.filters[facet] ? "active" : "", dataset: { facet } },
        h("option", { value: "" }, `${title}: any`),
        values.map((v) => h("option", { value: v }, `${facetLabel(facet, v)} (${counts.get(v)})`)),
      );
      select.value = state.filters[facet];
      select.addEventListener("change", () => {
        state.filters[facet] = select.value;
        state.page = 1;
        saveQuery(true);
        drawFacets();
        drawTable();
      });
      put(facetBar, select);
    }
    clear(chips);
    const active = FACETS.filter(([f]) => state.filters[f]);
    for (const [facet, title] of active) {
      put(chips, 
        h(
          "span",
          { class: "chip" },
          `${title}: ${facetLabel(facet, state.filters[facet])}`,
          h("button", { class: "chip-x", title: `remove ${title} filter`, "aria-label": `remove ${title} filter`, onclick: () => setFilter(facet, "") }, "×"),
        ),
      );
    }
    if (active.length > 1 || (active.length && state.text)) {
      put(chips, h("button", { class: "link-button", onclick: clearAll }, "Clear all"));
    }
  };

  const setFilter = (facet, value) => {
    state.filters[facet] = value;
    state.page = 1;
    saveQuery(true);
    drawFacets();
    drawTable();
  };

  const clearAll = () => {
    for (const [f] of FACETS) state.filters[f] = "";
    state.text = "";
    search.value = "";
    state.page = 1;
    serverSelection = null;
    selectionError = null;
    saveQuery(true);
    drawFacets();
    drawTable();
  };

  const drawActions = (rows) => {
    clear(actions);
    if (!state.selected.size) return;
    const chosen = all.filter((a) => state.selected.has(a.key));
    put(actions, 
      h("span", {}, `${state.selected.size} selected`),
      readOnly ? null : h("button", { class: "primary", onclick: () => materialize(chosen) }, "Materialize selected"),
      h("button", { onclick: () => { state.selected.clear(); saveQuery(); drawTable(); } }, "Clear selection"),
      rows.length > state.selected.size
        ? h("button", { class: "link-button", onclick: () => { rows.forEach((a) => state.selected.add(a.key)); saveQuery(); drawTable(); } }, `Select all ${rows.length} matching`)
        : null,
    );
  };

  // Columns no asset fills (no kinds, checks or partitions anywhere) are left out.
  const show = { kinds: false, checks: false, partitions: false };
  const drawTable = () => {
    show.kinds = all.some((a) => a.kinds.length);
    show.checks = all.some((a) => a.checks[2] || a.checks[0] || a.checks[1]);
    show.partitions = all.some((a) => a.partitions);
    const rows = filtered().sort(SORTS[state.sort.replace(/^-/, "")] || SORTS.key);
    if (state.sort.startsWith("-")) rows.reverse();
    count.textContent = rows.length === all.length ? `${all.length} assets` : `${rows.length} of ${all.length} assets`;
    clear(searchError);
    if (selectionError) put(searchError, errorBox(selectionError));
    drawActions(rows);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (state.page > pages) state.page = pages;
    const start = (state.page - 1) * PAGE;
    const shown = rows.slice(start, start + PAGE);
    clear(body);
    if (!all.length) {
      put(body, h("div", { class: "card empty" }, "No assets: no loaded code location defines any. See ", link("/locations", "Locations"), "."));
      return;
    }
    if (!rows.length) {
      put(body, h("div", { class: "card empty" }, "No asset matches these filters. ", h("button", { class: "link-button", onclick: clearAll }, "Clear filters")));
      return;
    }
    const pageAll = h("input", { type: "checkbox", "aria-label": "select this page" });
    pageAll.checked = shown.every((a) => state.selected.has(a.key));
    pageAll.addEventListener("change", () => {
      for (const a of shown) pageAll.checked ? state.selected.add(a.key) : state.selected.delete(a.key);
      saveQuery();
      drawTable();
    });
    const header = (label, sort) => {
      if (!sort) return h("th", {}, label);
      const current = state.sort.replace(/^-/, "") === sort;
      const arrow = current ? (state.sort.startsWith("-") ? " ▼" : " ▲") : "";
      return h(
        "th",
        { class: "sortable", onclick: () => { state.sort = current && !state.sort.startsWith("-") ? `-${sort}` : sort; saveQuery(); drawTable(); } },
        label + arrow,
      );
    };
    put(body, 
      h(
        "table",
        { class: "grid catalog" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { class: "check-col" }, pageAll),
            header("Asset", "key"),
            header("Group", "group"),
            header("Location", "location"),
            show.kinds ? header("Kinds") : null,
            header("Latest materialization", "latest"),
            header("Status", "status"),
            show.checks ? header("Checks") : null,
            show.partitions ? header("Partitions") : null,
          ),
        ),
        h("tbody", {}, shown.map((a) => assetRow(a))),
      ),
      pager(rows.length, pages),
    );
  };

  const assetRow = (a) => {
    const box = h("input", { type: "checkbox", "aria-label": `select ${a.key}` });
    box.checked = state.selected.has(a.key);
    box.addEventListener("change", () => {
      box.checked ? state.selected.add(a.key) : state.selected.delete(a.key);
      saveQuery();
      drawActions(filtered());
    });
    return h(
      "tr",
      { dataset: { key: a.key } },
      h("td", { class: "check-col" }, box),
      h(
        "td",
        { class: "asset-key" },
        link(keyPath(a.key), a.key),
        a.executable ? null : h("span", { class: "tag", title: "declared here, materialized elsewhere or outside Weir" }, "external"),
        a.description ? h("div", { class: "muted desc" }, a.description) : null,
      ),
      h("td", {}, a.group),
      h("td", {}, a.location),
      show.kinds ? h("td", {}, a.kinds.map((k) => h("span", { class: "tag" }, k))) : null,
      h("td", {}, latestCell(a.latest)),
      h("td", { class: "status-col" }, statusCell(a)),
      show.checks ? h("td", {}, checksCell(a.checks)) : null,
      show.partitions ? h("td", {}, partitionsCell(a.partitions)) : null,
    );
  };

  const pager = (total, pages) => {
    const start = (state.page - 1) * PAGE;
    const go = (page) => {
      state.page = page;
      saveQuery(true);
      drawTable();
      root.scrollIntoView({ block: "start" });
    };
    return h(
      "div",
      { class: "pager row" },
      h("span", { class: "muted" }, `${start + 1}–${Math.min(total, start + PAGE)} of ${total}`),
      h("button", { disabled: state.page <= 1, onclick: () => go(state.page - 1) }, "‹ Previous"),
      h("span", {}, `page ${state.page} of ${pages}`),
      h("button", { disabled: state.page >= pages, onclick: () => go(state.page + 1) }, "Next ›"),
    );
  };

  const materialize = async (chosen) => {
    const byLocation = new Map();
    const skipped = [];
    for (const a of chosen) {
      if (!a.executable || !a.location) skipped.push(a.key);
      else byLocation.set(a.location, [...(byLocation.get(a.location) || []), a.key]);
    }
    const launched = [];
    const failures = [];
    for (const [location, keys] of byLocation) {
      try {
        const run = await rpc("LaunchRun", { location, asset_selection: keys.map((k) => ({ path: k.split("/") })) });
        launched.push([location, run.run_id]);
      } catch (error) {
        failures.push(`${location}: ${error.message}`);
      }
    }
    const parts = launched.map(([location, id]) => h("div", {}, `${location}: run `, link(`/runs/${encodeURIComponent(id)}`, shortId(id))));
    if (skipped.length) parts.push(h("div", {}, `not materializable here: ${skipped.join(", ")}`));
    failures.forEach((f) => parts.push(h("div", {}, f)));
    toast(h("div", {}, launched.length ? "Launched" : "Nothing launched", parts), { bad: failures.length > 0 || !launched.length });
  };

  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(async () => {
      state.text = search.value;
      state.page = 1;
      saveQuery();
      await load();
      if (!ctx.isCurrent()) return;
      drawFacets();
      drawTable();
    }, 250);
  });

  await load();
  drawFacets();
  drawTable();
  ctx.onChange(["events", "runs", "locations"], async () => {
    await load();
    if (!ctx.isCurrent()) return;
    drawFacets();
    drawTable();
  });
}

function latestCell(latest) {
  if (!latest) return h("span", { class: "muted" }, "never");
  const [at, runId, partition] = latest;
  return h(
    "span",
    { title: when(at) },
    link(`/runs/${encodeURIComponent(runId)}`, ago(at)),
    partition ? h("span", { class: "muted" }, ` · ${partition}`) : null,
  );
}

function statusCell(a) {
  const shown = badge(a.status, STATUS_TEXT[a.status] || a.status);
  if (!a.status_run) return shown;
  const why = a.status === "failed" ? "the run that failed" : "the run in progress";
  return h("a", { href: `/runs/${encodeURIComponent(a.status_run)}`, title: why }, shown);
}

function checksCell([passed, failed, defined]) {
  if (!defined && !passed && !failed) return "";
  const parts = [];
  if (passed) parts.push(badge("passed", `${passed} passed`));
  if (failed) parts.push(badge("failed", `${failed} failed`));
  const pending = defined - passed - failed;
  if (pending > 0) parts.push(h("span", { class: "muted" }, ` ${pending} not run`));
  return h("span", { class: "checks" }, parts);
}

function partitionsCell(partitions) {
  if (!partitions) return "";
  const [done, total] = partitions;
  if (total === null || total === undefined) return h("span", { title: "keys computed by the location" }, `${done} materialized`);
  const share = total ? done / total : 0;
  return h(
    "span",
    { class: "ratio", title: `${done} of ${total} partitions materialized` },
    h("span", { class: "ratio-bar" }, h("span", { style: { width: `${Math.round(share * 100)}%` } })),
    ` ${done}/${total}`,
  );
}
