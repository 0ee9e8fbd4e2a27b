// Building the page from data without ever parsing it as HTML: every string becomes a text node, so
// asset keys, metadata and log lines (untrusted) cannot inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "href") el.setAttribute("href", safeHref(value));
    else if (name === "value") el.value = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// Links from data (metadata URLs) may only be http(s), mailto or this site's own paths.
export function safeHref(href) {
  const text = String(href);
  if (text.startsWith("/") && !text.startsWith("//")) return text;
  try {
    const url = new URL(text, location.origin);
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : "#";
  } catch {
    return "#";
  }
}

export function link(href, ...children) {
  return h("a", { href }, ...children);
}

export function badge(status, text) {
  return h("span", { class: `badge ${status || ""}` }, text ?? status ?? "");
}

export function table(headers, rows, { empty = "Nothing here yet." } = {}) {
  if (!rows.length) return h("div", { class: "card empty" }, empty);
  return h(
    "table",
    { class: "grid" },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))),
    h("tbody", {}, rows),
  );
}

export function errorBox(error) {
  const detail = error && error.detail ? h("pre", {}, error.detail) : null;
  return h("div", { class: "error-box", role: "alert" }, String(error && error.message ? error.message : error), detail);
}

let toastTimer = null;
export function toast(message, { bad = false } = {}) {
  document.querySelectorAll(".toast").forEach((t) => t.remove());
  const el = h("div", { class: bad ? "toast bad" : "toast", role: "status" }, message);
  document.body.append(el);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.remove(), bad ? 8000 : 4000);
}
