// Markdown from user code (metadata, descriptions) rendered as DOM built from a safe subset: headings,
// paragraphs, emphasis, inline and fenced code, lists, block quotes, rules, tables and links (through
// safeHref). Nothing is ever parsed as HTML: raw tags such as <script> or <img onerror=...> stay text.

import { h, safeHref } from "./dom.js";

const MAX_CHARS = 200_000; // longer text is cut, with a note, so one value cannot freeze the page

export function markdown(source) {
  let text = String(source ?? "");
  const cut = text.length > MAX_CHARS;
  if (cut) text = text.slice(0, MAX_CHARS);
  const root = h("div", { class: "markdown" }, blocks(text.replace(/\r\n?/g, "\n").split("\n")));
  if (cut) root.append(h("p", { class: "muted" }, `… cut at ${MAX_CHARS.toLocaleString()} characters`));
  return root;
}

function blocks(lines) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (!line.trim()) {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)(.*)$/.exec(line);
    if (fence) {
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      out.push(h("pre", { class: "md-code" }, h("code", {}, body.join("\n"))));
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push(h(`h${Math.min(6, heading[1].length + 1)}`, { class: "md-heading" }, inline(heading[2])));
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push(h("hr"));
      i++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ""));
      out.push(h("blockquote", {}, blocks(quoted)));
      continue;
    }
    if (isTableStart(lines, i)) {
      const [node, next] = table(lines, i);
      out.push(node);
      i = next;
      continue;
    }
    const item = listItem(line);
    if (item) {
      const [node, next] = list(lines, i, item.ordered);
      out.push(node);
      i = next;
      continue;
    }
    const para = [];
    while (i < lines.length && lines[i].trim() && !startsBlock(lines, i)) para.push(lines[i++].trim());
    if (!para.length) para.push(lines[i++].trim()); // a line that looked like a block but was not one
    out.push(h("p", {}, inline(para.join(" "))));
  }
  return out;
}

function startsBlock(lines, i) {
  const line = lines[i];
  return /^(#{1,6}\s|\s*(```|~~~)|\s*>)/.test(line) || listItem(line) !== null || isTableStart(lines, i);
}

function listItem(line) {
  const m = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(line);
  return m ? { indent: m[1].length, ordered: /\d/.test(m[2]), text: m[3] } : null;
}

function list(lines, i, ordered) {
  const items = [];
  const first = listItem(lines[i]);
  while (i < lines.length) {
    const item = listItem(lines[i]);
    if (!item || item.ordered !== ordered || item.indent > first.indent + 1) {
      // a deeper item belongs to the last one; anything else ends the list
      if (item && item.indent > first.indent && items.length) {
        const [nested, next] = list(lines, i, item.ordered);
        items[items.length - 1].append(nested);
        i = next;
        continue;
      }
      if (!item && lines[i].trim() && /^\s{2,}/.test(lines[i]) && items.length) {
        items[items.length - 1].append(" ", ...inline(lines[i++].trim()));
        continue;
      }
      break;
    }
    if (item.indent < first.indent) break;
    items.push(h("li", {}, inline(item.text)));
    i++;
  }
  return [h(ordered ? "ol" : "ul", {}, items), i];
}

function cells(line) {
  let text = line.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  return text.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
}

function isTableStart(lines, i) {
  if (i + 1 >= lines.length || !lines[i].includes("|")) return false;
  return /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/.test(lines[i + 1]);
}

function table(lines, i) {
  const head = cells(lines[i]);
  const align = cells(lines[i + 1]).map((c) => (c.endsWith(":") ? (c.startsWith(":") ? "center" : "right") : null));
  i += 2;
  const rows = [];
  while (i < lines.length && lines[i].trim() && lines[i].includes("|")) rows.push(cells(lines[i++]));
  const cell = (tag, text, k) => h(tag, { style: align[k] ? { textAlign: align[k] } : null }, inline(text));
  return [
    h(
      "table",
      { class: "md-table" },
      h("thead", {}, h("tr", {}, head.map((c, k) => cell("th", c, k)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, head.map((_, k) => cell("td", r[k] ?? "", k))))),
    ),
    i,
  ];
}

// Inline: `code`, **strong**, *em* / _em_, ~~strike~~, [text](url), <http://autolink>, backslash escapes.
const INLINE = /(\\[\\`*_{}[\]()#+\-.!~|<>])|(`+)([\s\S]*?[^`])\2(?!`)|(\*\*|__)(?=\S)([\s\S]*?\S)\4|(\*|_)(?=\S)([\s\S]*?\S)\6|~~(?=\S)([\s\S]*?\S)~~|!?\[([^\]]*)\]\(\s*([^\s)]+)(?:\s+"([^"]*)")?\s*\)|<(https?:\/\/[^\s>]+)>/;

export function inline(text) {
  const out = [];
  let rest = String(text);
  let guard = 0;
  while (rest && guard++ < 10_000) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index) out.push(rest.slice(0, m.index));
    rest = rest.slice(m.index + m[0].length);
    if (m[1]) out.push(m[1].slice(1));
    else if (m[2]) out.push(h("code", {}, m[3].trim()));
    else if (m[4]) out.push(h("strong", {}, inline(m[5])));
    else if (m[6]) out.push(h("em", {}, inline(m[7])));
    else if (m[8] !== undefined) out.push(h("del", {}, inline(m[8])));
    else if (m[10] !== undefined) out.push(mdLink(m[10], m[9] || m[10], m[11], m[0].startsWith("!")));
    else if (m[12]) out.push(mdLink(m[12], m[12]));
  }
  return out;
}

function mdLink(url, label, title, image = false) {
  const href = safeHref(url);
  // Images are not loaded (CSP allows this origin only, and a remote image is a tracking pixel): link them.
  const text = image ? `image: ${label || url}` : inline(label);
  if (href === "#") return h("span", { class: "md-bad-link", title: `link not followed: ${url}` }, text);
  const external = !href.startsWith("/");
  return h("a", { href, title: title || null, target: external ? "_blank" : null, rel: external ? "noopener noreferrer" : null }, text);
}
