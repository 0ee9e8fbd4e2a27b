// Metadata entries (the Host API's MetadataEntry as JSON: {key, value: {int_value | float_value | text |
// json | url | path | md | bool_value | table_json | null_value}}) rendered by kind, all from text nodes:
// markdown through lib/markdown.js, JSON pretty-printed, tables as tables, links through safeHref.

import { badge, h, safeHref } from "./dom.js";
import { markdown } from "./markdown.js";

const LONG_TEXT = 600; // longer text is folded behind "show all"
const TABLE_ROWS = 200;

export function kindOf(value) {
  return Object.keys(value || {})[0] || "null_value";
}

// The number a value holds (int64 arrives as a string in proto JSON), or null.
export function numericValue(value) {
  if (!value) return null;
  if (value.int_value !== undefined) return Number(value.int_value);
  if (value.float_value !== undefined) {
    const v = value.float_value;
    return typeof v === "number" ? v : Number.isFinite(Number(v)) ? Number(v) : null;
  }
  return null;
}

export function metadataList(entries, { empty = "No metadata." } = {}) {
  if (!entries || !entries.length) return h("div", { class: "muted" }, empty);
  return h(
    "dl",
    { class: "kv metadata" },
    entries.map((e) => [h("dt", {}, e.key, " ", h("span", { class: "md-kind" }, label(kindOf(e.value)))), h("dd", {}, metadataValue(e.value))]),
  );
}

function label(kind) {
  return { int_value: "int", float_value: "float", bool_value: "bool", table_json: "table", null_value: "null" }[kind] || kind;
}

export function metadataValue(value) {
  const kind = kindOf(value);
  const v = value ? value[kind] : null;
  switch (kind) {
    case "int_value":
      return h("span", { class: "md-number" }, Number(v).toLocaleString());
    case "float_value":
      return h("span", { class: "md-number" }, formatFloat(v));
    case "bool_value":
      return badge(v ? "passed" : "missing", String(Boolean(v)));
    case "null_value":
      return h("span", { class: "muted" }, "null");
    case "url":
      return externalLink(v);
    case "path":
      return h("code", { class: "md-path", title: "path" }, v);
    case "md":
      return markdown(v);
    case "json":
      return jsonValue(v);
    case "table_json":
      return tableValue(v);
    default:
      return longText(String(v ?? ""));
  }
}

function formatFloat(v) {
  if (typeof v === "string") return v; // NaN / Infinity come as strings in proto JSON
  return Math.abs(v) >= 1e15 || (v !== 0 && Math.abs(v) < 1e-4) ? v.toExponential(4) : v.toLocaleString(undefined, { maximumFractionDigits: 6 });
}

function externalLink(url) {
  const href = safeHref(url);
  if (href === "#") return h("code", { title: "not a web link" }, url);
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, url);
}

function longText(text) {
  if (text.length <= LONG_TEXT && !text.includes("\n")) return h("span", { class: "md-text" }, text);
  if (text.length <= LONG_TEXT) return h("pre", { class: "md-text" }, text);
  const body = h("pre", { class: "md-text" }, text.slice(0, LONG_TEXT) + "…");
  const more = h("button", { class: "link-button", onclick: () => { body.textContent = text; more.remove(); } }, `show all ${text.length.toLocaleString()} characters`);
  return h("div", {}, body, more);
}

function jsonValue(text) {
  try {
    return foldable(JSON.stringify(JSON.parse(text), null, 2));
  } catch {
    return longText(text);
  }
}

function foldable(text) {
  const lines = text.split("\n");
  if (lines.length <= 30) return h("pre", { class: "md-json" }, text);
  const body = h("pre", { class: "md-json" }, lines.slice(0, 30).join("\n") + "\n…");
  const more = h("button", { class: "link-button", onclick: () => { body.textContent = text; more.remove(); } }, `show all ${lines.length} lines`);
  return h("div", {}, body, more);
}

function tableValue(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return longText(text);
  }
  const records = Array.isArray(data.records) ? data.records : [];
  let columns = (data.columns || []).map((c) => (typeof c === "string" ? { name: c } : c));
  if (!columns.length) columns = [...new Set(records.flatMap((r) => Object.keys(r || {})))].map((name) => ({ name }));
  const shown = records.slice(0, TABLE_ROWS);
  return h(
    "div",
    { class: "md-table-wrap" },
    h(
      "table",
      { class: "md-table" },
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { title: c.type || null }, c.name)))),
      h("tbody", {}, shown.map((r) => h("tr", {}, columns.map((c) => h("td", {}, cell(r ? r[c.name] : null)))))),
    ),
    records.length > shown.length ? h("div", { class: "muted" }, `${shown.length} of ${records.length} rows`) : null,
  );
}

function cell(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
