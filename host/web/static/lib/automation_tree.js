// One asset's automation condition as evaluated in one tick (GetAutomationEvaluation's `result`): each
// node's label, whether it was true, for how many of its candidate partitions and which, its children
// nested and foldable. Strings (labels, keys, partition keys) go through h() only.

import { h } from "./dom.js";

const PARTITION_RANGES = 5; // ranges shown per node; the rest are counted

// `assetKey`: the evaluated asset; a node names its asset only when it looked at another (a dep).
export function evaluationTree(node, assetKey) {
  return h("div", { class: "auto-tree" }, treeNode(node, 0, assetKey));
}

function treeNode(node, depth, assetKey) {
  const children = node.children || [];
  const line = nodeLine(node, assetKey);
  if (!children.length) return h("div", { class: "auto-node leaf", dataset: nodeData(node) }, line);
  return h(
    "details",
    { class: "auto-node", open: depth < 4, dataset: nodeData(node) },
    h("summary", {}, line),
    h("div", { class: "auto-children" }, children.map((child) => treeNode(child, depth + 1, assetKey))),
  );
}

function nodeData(node) {
  return { label: node.label || node.name || "", value: node.skipped ? "skipped" : String(Boolean(node.value)) };
}

function nodeLine(node, assetKey) {
  const value = node.skipped ? "skipped" : node.value ? "true" : "false";
  const candidates = Number(node.candidate_count || 0);
  const trueCount = Number(node.true_count || 0);
  const ranges = node.true_partitions || [];
  return h(
    "span",
    { class: "auto-line" },
    h("span", { class: `auto-value ${value}` }, value),
    node.label ? h("strong", { class: "auto-label" }, node.label) : null,
    node.name && node.name !== node.label ? h("code", { class: "auto-name" }, node.name) : null,
    node.asset_key && node.asset_key !== assetKey ? h("span", { class: "muted small" }, "on ", h("code", {}, node.asset_key)) : null,
    node.skipped ? null : h("span", { class: "muted small", title: "partitions true / partitions evaluated" }, `${trueCount}/${candidates}`),
    ranges.length && candidates > 1 ? h("span", { class: "auto-parts small" }, partitionText(ranges)) : null,
  );
}

function partitionText(ranges) {
  const shown = ranges.slice(0, PARTITION_RANGES).map((r) => (r.first === r.last || !r.last ? r.first : `${r.first}…${r.last}`));
  const more = ranges.length - shown.length;
  return shown.join(", ") + (more > 0 ? ` and ${more} more range${more === 1 ? "" : "s"}` : "");
}
