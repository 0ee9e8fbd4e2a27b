// Jump anywhere: Ctrl-K (Cmd-K), or "/" outside a text field, opens a search over every asset, group,
// job, schedule, sensor and location (one list from GET /api/jump, revalidated by ETag, matched here
// as you type) and run ids by prefix (GET /api/jump/runs). Arrows move, Enter opens, Escape closes.

import { get } from "./api.js";
import { append, clear, h } from "./dom.js";

const KIND_ORDER = ["run", "asset", "job", "schedule", "sensor", "group", "location"];
const SHOWN = 50;
const RUN_ID = /^[0-9a-f-]{3,}$/i;

// How well `text` (lower case, trimmed) matches an item: lower is better, null is no match.
export function score(label, detail, text) {
  const l = label.toLowerCase();
  if (l === text) return 0;
  if (l.startsWith(text)) return 1;
  const at = l.indexOf(text);
  if (at >= 0) return /[/_.\-\s]/.test(l[at - 1] || "") ? 2 : 2.5; // at a word's start is better
  const words = text.split(/\s+/).filter(Boolean);
  const all = `${l} ${detail.toLowerCase()}`;
  if (words.length > 1 && words.every((w) => all.includes(w))) return 3;
  if (all.includes(text)) return 4;
  let from = 0; // the letters in order, gaps allowed: "slsord" finds sales/orders
  let gaps = 0;
  for (const ch of text) {
    const found = l.indexOf(ch, from);
    if (found < 0) return null;
    gaps += found - from;
    from = found + 1;
  }
  return 5 + Math.min(gaps, 99) / 100;
}

export function rank(items, text) {
  const scored = [];
  for (const [kind, label, detail, href] of items) {
    const s = score(label, detail, text);
    if (s !== null) scored.push({ kind, label, detail, href, s });
  }
  scored.sort(
    (a, b) =>
      a.s - b.s ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.label.length - b.label.length ||
      a.label.localeCompare(b.label),
  );
  return scored.slice(0, SHOWN);
}

// The label with the typed text set in bold where it occurs (text nodes only).
function marked(label, text) {
  const at = text ? label.toLowerCase().indexOf(text) : -1;
  if (at < 0) return label;
  return [label.slice(0, at), h("b", {}, label.slice(at, at + text.length)), label.slice(at + text.length)];
}

export function installJump(navigate) {
  let open = null; // the dialog while shown

  function close() {
    if (!open) return;
    open.backdrop.remove();
    open = null;
  }

  async function show() {
    if (open) {
      open.input.select();
      return;
    }
    const input = h("input", {
      type: "search",
      class: "jump-input",
      placeholder: "Jump to an asset, job, schedule, sensor, group, location or run id",
      "aria-label": "Jump to",
      autocomplete: "off",
      spellcheck: "false",
    });
    const list = h("ul", { class: "jump-results", role: "listbox" });
    const hint = h("div", { class: "jump-hint muted" }, "↑ ↓ to move · Enter to open · Esc to close");
    const dialog = h("div", { class: "jump", role: "dialog", "aria-modal": "true", "aria-label": "Jump to" }, input, list, hint);
    const backdrop = h("div", { class: "jump-backdrop", onmousedown: (e) => e.target === backdrop && close() }, dialog);
    document.body.append(backdrop);
    const state = { items: [], runs: [], results: [], active: 0, text: "", runsFor: "" };
    open = { backdrop, input };
    input.focus();

    const draw = () => {
      clear(list);
      if (!state.results.length) {
        list.append(h("li", { class: "jump-empty muted" }, state.text ? "Nothing matches." : "Type a name."));
        return;
      }
      state.results.forEach((item, i) => {
        const row = h(
          "li",
          {
            class: i === state.active ? "jump-item active" : "jump-item",
            role: "option",
            "aria-selected": i === state.active ? "true" : "false",
            onmousemove: () => {
              if (state.active !== i) {
                state.active = i;
                draw();
              }
            },
            onclick: () => go(item),
          },
          h("span", { class: `jump-kind kind-${item.kind}` }, item.kind),
          h("span", { class: "jump-label" }, marked(item.label, state.text)),
          h("span", { class: "jump-detail muted" }, item.detail),
        );
        list.append(row);
      });
      const current = list.children[state.active];
      if (current) current.scrollIntoView({ block: "nearest" });
    };

    const update = () => {
      state.text = input.value.trim().toLowerCase();
      const runs = state.runsFor === state.text ? state.runs : [];
      state.results = state.text ? [...runs, ...rank(state.items, state.text)].slice(0, SHOWN) : [];
      state.active = Math.min(state.active, Math.max(state.results.length - 1, 0));
      draw();
    };

    let runTimer = null;
    const lookUpRuns = () => {
      clearTimeout(runTimer);
      const text = input.value.trim().toLowerCase();
      if (!RUN_ID.test(text)) return;
      runTimer = setTimeout(async () => {
        try {
          const found = await get("/api/jump/runs", { prefix: text });
          if (!open || input.value.trim().toLowerCase() !== text) return;
          state.runs = found.runs.map((r) => ({ kind: "run", label: r.run_id, detail: `${r.status} · ${r.job || "assets"} · ${r.location}`, href: r.href, s: -1 }));
          state.runsFor = text;
          update();
        } catch (error) {
          console.warn("run lookup failed", error);
        }
      }, 120);
    };

    const go = (item) => {
      close();
      navigate(item.href);
    };

    input.addEventListener("input", () => {
      state.active = 0;
      update();
      lookUpRuns();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const n = state.results.length;
        if (n) state.active = (state.active + (event.key === "ArrowDown" ? 1 : n - 1)) % n;
        draw();
      } else if (event.key === "Enter") {
        event.preventDefault();
        const item = state.results[state.active];
        if (item) go(item);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    draw();
    try {
      state.items = (await get("/api/jump")).items;
      if (open && open.backdrop === backdrop) update();
    } catch (error) {
      if (open && open.backdrop === backdrop) append(clear(list), [h("li", { class: "jump-empty bad" }, error.message)]);
    }
  }

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if ((event.key === "k" || event.key === "K") && (event.ctrlKey || event.metaKey) && !event.altKey) {
      event.preventDefault();
      show();
    } else if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      show();
    }
  });
  const button = document.getElementById("jump");
  if (button) button.addEventListener("click", () => show());
}
