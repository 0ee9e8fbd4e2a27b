// An automation condition (the snapshot's AutomationCondition tree) as people write it:
// `missing() & ~in_progress()`, named sub-conditions shown by their label, and as a nested list.

import { h } from "./dom.js";

const INFIX = { and: " & ", or: " | " };

function wrap(text, child) {
  return child && INFIX[child.kind] && !child.label ? `(${text})` : text;
}

function args(c) {
  const out = [];
  if (c.cron_schedule) out.push(JSON.stringify(c.cron_schedule));
  if (c.cron_timezone && c.cron_timezone !== "UTC") out.push(JSON.stringify(c.cron_timezone));
  if (c.lookback_seconds) out.push(`lookback=${c.lookback_seconds}s`);
  if (c.blocking_only) out.push("blocking_only=True");
  return out;
}

function keys(list) {
  return (list || []).map((k) => (k.path || []).join("/")).join(", ");
}

// The condition as an expression; below the top, a labelled part is shown by its label.
export function conditionText(c, top = true) {
  if (!c) return "";
  if (c.label && !top) return c.label;
  const kids = c.children || [];
  const texts = kids.map((k) => conditionText(k, false));
  let text;
  if (INFIX[c.kind]) text = texts.map((t, i) => wrap(t, kids[i])).join(INFIX[c.kind]);
  else if (c.kind === "not") text = `~${wrap(texts[0] || "", kids[0])}`;
  else if (c.kind === "since") text = `${wrap(texts[0] || "", kids[0])}.since(${texts[1] || ""})`;
  else if (c.kind === "newly_true") text = `${wrap(texts[0] || "", kids[0])}.newly_true()`;
  else text = `${c.kind}(${[...texts, ...args(c)].join(", ")})`;
  if (c.has_allow) text += `.allow(${keys(c.allow)})`;
  if ((c.ignore || []).length) text += `.ignore(${keys(c.ignore)})`;
  return text;
}

// The whole tree, each node with its label (if any) and what it checks.
export function conditionTree(c) {
  if (!c) return null;
  const own = [c.kind, ...args(c)].join(" ");
  return h(
    "ul",
    { class: "condition-tree" },
    h(
      "li",
      {},
      c.label ? h("strong", {}, c.label, ": ") : null,
      h("code", {}, own),
      c.has_allow ? h("span", { class: "muted small" }, ` allow ${keys(c.allow) || "none"}`) : null,
      (c.ignore || []).length ? h("span", { class: "muted small" }, ` ignore ${keys(c.ignore)}`) : null,
      (c.children || []).map((k) => conditionTree(k)),
    ),
  );
}
