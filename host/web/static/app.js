// The UI's router: each route names a page module (pages/<name>.js) exporting
// `render(root, ctx)`, which draws into root and may return a cleanup function. All view state lives
// in the URL, so every screen is a link that can be pasted.

import { clear, errorBox, h } from "./lib/dom.js";
import { onChange } from "./lib/feed.js";
import { installJump } from "./lib/jump.js";

const ROUTES = [
  [/^\/$/, "overview", "overview"],
  [/^\/assets\/?$/, "assets", "assets"],
  [/^\/assets\/graph\/?$/, "graph", "graph"],
  [/^\/assets\/(?<key>.+)$/, "asset", "assets"],
  [/^\/runs\/?$/, "runs", "runs"],
  [/^\/runs\/(?<id>[^/]+)\/?$/, "run", "runs"],
  [/^\/launch\/?$/, "launch", "launch"],
  [/^\/schedules\/?$/, "instigators", "schedules"],
  [/^\/schedules\/(?<location>[^/]+)\/(?<name>[^/]+)\/?$/, "instigator", "schedules"],
  [/^\/sensors\/?$/, "instigators", "sensors"],
  [/^\/sensors\/(?<location>[^/]+)\/(?<name>[^/]+)\/?$/, "instigator", "sensors"],
  [/^\/automation\/?$/, "automation", "automation"],
  [/^\/backfills\/?$/, "backfills", "backfills"],
  [/^\/backfills\/(?<id>[^/]+)\/?$/, "backfill", "backfills"],
  [/^\/locations\/?$/, "locations", "locations"],
  [/^\/locations\/(?<name>[^/]+)\/?$/, "location", "locations"],
  [/^\/daemon\/?$/, "daemon", "daemon"],
];

const root = document.getElementById("app");
let cleanups = [];
let renderId = 0;

function match(path) {
  for (const [pattern, page, nav] of ROUTES) {
    const found = pattern.exec(path);
    if (found) {
      const params = {};
      for (const [k, v] of Object.entries(found.groups || {})) params[k] = decodeURIComponent(v);
      return { page, nav, params };
    }
  }
  return { page: "not_found", nav: "", params: {} };
}

async function render() {
  const id = ++renderId;
  for (const fn of cleanups) fn();
  cleanups = [];
  const { page, nav, params } = match(location.pathname);
  for (const a of document.querySelectorAll("#nav a[data-nav]")) a.classList.toggle("active", a.dataset.nav === nav);
  const ctx = {
    params,
    query: new URLSearchParams(location.search),
    path: location.pathname,
    navigate,
    setQuery,
    // Re-render part of the page when topics change; dropped when the user leaves the page.
    onChange: (topics, fn, wait) => cleanups.push(onChange(topics, fn, wait)),
    onLeave: (fn) => cleanups.push(fn),
    isCurrent: () => id === renderId,
  };
  try {
    const module = await import(`./pages/${page}.js`);
    if (id !== renderId) return;
    const view = h("div", { class: `page page-${page}` });
    const cleanup = await module.render(view, ctx);
    if (id !== renderId) return;
    if (typeof cleanup === "function") cleanups.push(cleanup);
    clear(root).append(view);
  } catch (error) {
    if (id !== renderId) return;
    console.warn(error);
    clear(root).append(h("h1", {}, "Something went wrong"), errorBox(error));
  }
}

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

// Change query parameters in place (filters, tabs) without a new history entry per keystroke.
export function setQuery(changes, { push = false, rerender = false } = {}) {
  const query = new URLSearchParams(location.search);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === "") query.delete(k);
    else query.set(k, v);
  }
  const qs = query.toString();
  const url = location.pathname + (qs ? "?" + qs : "");
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  if (rerender) render();
}

document.addEventListener("click", (event) => {
  const a = event.target.closest("a[href]");
  if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  if (a.target || a.hasAttribute("download")) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/static/")) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener("popstate", render);
installJump(navigate);
render();
