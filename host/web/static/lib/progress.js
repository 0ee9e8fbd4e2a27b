// Progress as counts per status, drawn as one bar of a few segments: never one element per
// partition, so a 180,000-partition backfill draws as fast as a 10-partition one.

import { h } from "./dom.js";

export const ORDER = ["SUCCESS", "FAILURE", "CANCELED", "STARTED", "STARTING", "CANCELING", "QUEUED", "NOT_SUBMITTED"];
const LABEL = { NOT_SUBMITTED: "not submitted" };

export function label(status) {
  return LABEL[status] || status.toLowerCase();
}

function sorted(counts) {
  const known = ORDER.filter((s) => counts[s]);
  const other = Object.keys(counts).filter((s) => !ORDER.includes(s) && counts[s]);
  return [...known, ...other.sort()];
}

export function progressBar(counts, total) {
  const sum = total || Object.values(counts).reduce((a, b) => a + b, 0) || 1;
  const title = sorted(counts).map((s) => `${counts[s]} ${label(s)}`).join(", ");
  return h(
    "div",
    { class: "progress", title, role: "img", "aria-label": title },
    sorted(counts).map((s) => h("span", { class: s, style: { width: `${(100 * counts[s]) / sum}%` } })),
  );
}

export function legend(counts) {
  return h(
    "div",
    { class: "legend" },
    sorted(counts).map((s) => h("span", { dataset: { status: s } }, h("i", { class: `swatch ${s}` }), `${counts[s]} ${label(s)}`)),
  );
}
