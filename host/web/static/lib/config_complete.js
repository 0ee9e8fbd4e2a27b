// Completion of property names in a run-config textarea, JSON or YAML, from the target's JSON Schema:
// a tolerant scan of the text around the caret finds the path of the mapping being edited (it works
// on unfinished text: braces in JSON, indentation and `- ` items in YAML), the schema at that path
// gives the names not yet present, each with its type, whether it is required and its description.
// Ctrl+Space opens the list, so does typing `"` where a key goes in JSON; arrows move, Enter/Tab
// insert (JSON: `"name": ` and a value scaffold of its type; YAML: `name: `, and for an object or a
// list a new line indented under it), Escape closes.

import { append, clear, h } from "./dom.js";
import { resolve } from "./jsonschema.js";

const ITEM = Symbol("item"); // a path step into an array's items
const SCAFFOLD = { object: "{}", array: "[]", string: '""', integer: "0", number: "0", boolean: "false" };
const MAX_ITEMS = 200;

// Where the caret is: {path, keyPosition, prefix, replaceFrom, objectStart} — keyPosition is true
// when a property name may be typed there (inside an object, not after a `:`), prefix the part of a
// name already typed in an open string, replaceFrom where that string starts.
export function caretContext(text, caret) {
  const stack = []; // {kind: "object"|"array", key, start, expectKey}
  let inString = false;
  let stringStart = -1;
  let lastString = null;
  let pendingKey = null;
  for (let i = 0; i < caret; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') {
        inString = false;
        lastString = text.slice(stringStart + 1, i);
      }
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === '"') {
      inString = true;
      stringStart = i;
    } else if (c === ":" && top && top.kind === "object") {
      pendingKey = lastString;
      top.expectKey = false;
    } else if (c === ",") {
      if (top && top.kind === "object") top.expectKey = true;
      pendingKey = null;
    } else if (c === "{" || c === "[") {
      const key = top ? (top.kind === "object" ? pendingKey : ITEM) : null;
      stack.push({ kind: c === "{" ? "object" : "array", key, start: i, expectKey: c === "{" });
      pendingKey = null;
    } else if (c === "}" || c === "]") {
      stack.pop();
      pendingKey = null;
      if (stack.length && stack[stack.length - 1].kind === "object") stack[stack.length - 1].expectKey = false;
    }
  }
  const top = stack[stack.length - 1];
  const keyPosition = Boolean(top && top.kind === "object" && top.expectKey);
  return {
    path: stack.slice(1).map((f) => f.key),
    keyPosition,
    prefix: inString ? text.slice(stringStart + 1, caret) : "",
    replaceFrom: inString ? stringStart : caret,
    inString,
    objectStart: top ? top.start : -1,
  };
}

// The names of the object that opens at `start` (its direct keys), skipping the string at `skip`.
export function presentKeys(text, start, skip = -1) {
  const keys = new Set();
  let depth = 0;
  let stringStart = -1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      stringStart = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      if (depth === 1 && stringStart !== skip && /^\s*:/.test(text.slice(i + 1, i + 40))) keys.add(text.slice(stringStart + 1, i));
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) break;
    }
  }
  return keys;
}

// The pieces of a YAML line that give structure: `- ` dashes and a `key:`, each with its column.
function yamlTokens(line) {
  let i = 0;
  while (line[i] === " ") i++;
  if (i >= line.length || line[i] === "#") return null;
  const tokens = [];
  while (line[i] === "-" && (line[i + 1] === " " || i + 1 === line.length)) {
    tokens.push({ col: i, dash: true });
    i++;
    while (line[i] === " ") i++;
  }
  const key = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{},][^#]*?)[ \t]*:(?:\s|$)/.exec(line.slice(i));
  if (key) tokens.push({ col: i, key: unquote(key[1]) });
  else if (i < line.length && line[i] !== "#") tokens.push({ col: i, scalar: true });
  return tokens;
}

// A YAML key as written ('single', "double" or plain) → its name.
function unquote(key) {
  if (key[0] === "'") return key.slice(1, -1).replace(/''/g, "'");
  if (key[0] === '"') {
    try {
      return JSON.parse(key);
    } catch {
      return key.slice(1, -1);
    }
  }
  return key;
}

// Where the caret is in YAML: {path, keyPosition, prefix, replaceFrom, replaceTo, present, indent,
// colon}. A key may be typed where the line holds only indentation and `- ` dashes before the caret
// (and perhaps the start of the name); the mapping's path comes from the lines above: a `key:` less
// indented is its parent, a `- ` less indented makes it an item of a list.
export function yamlCaretContext(text, caret) {
  const lineStart = text.lastIndexOf("\n", caret - 1) + 1;
  const lineEnd = text.indexOf("\n", caret) < 0 ? text.length : text.indexOf("\n", caret);
  const before = text.slice(lineStart, caret);
  const none = { path: [], keyPosition: false, prefix: "", replaceFrom: caret, replaceTo: caret, present: new Set(), indent: 0, colon: false };
  const m = /^((?: *- +)*)( *)([^\s:#'"[\]{},-][^\s:#]*|)$/.exec(before);
  if (!m) return none;
  const word = m[3];
  const rest = text.slice(caret, lineEnd);
  const tail = /^[^\s:#]*/.exec(rest)[0];
  const after = rest.slice(tail.length);
  if (after.trim() && !after.startsWith(":") && !after.trimStart().startsWith("#")) return none;
  const indent = m[1].length + m[2].length;
  let target = indent;
  let kind = "map";
  let moved = false;
  const path = [];
  const present = new Set();
  const apply = (tokens) => {
    for (let k = tokens.length - 1; k >= 0; k--) {
      const t = tokens[k];
      if (t.col > target || t.scalar) continue;
      if (t.col === target) {
        if (kind === "map" && t.key !== undefined && !moved) present.add(t.key);
        else if (kind === "seq" && t.key !== undefined) {
          path.unshift(t.key); // `key:` with its `- ` items at its own indentation
          kind = "map";
        }
        continue;
      }
      path.unshift(t.dash ? ITEM : t.key);
      target = t.col;
      kind = t.dash ? "seq" : "map";
      moved = true;
    }
  };
  const lines = text.split("\n");
  const caretLine = text.slice(0, lineStart).split("\n").length - 1;
  apply(yamlTokens(m[1]) || []);
  for (let n = caretLine - 1; n >= 0; n--) {
    const tokens = yamlTokens(lines[n]);
    if (tokens) apply(tokens);
  }
  // the keys below the caret in the same mapping are present too
  for (let n = caretLine + 1; n < lines.length; n++) {
    const tokens = yamlTokens(lines[n]);
    if (!tokens) continue;
    if (tokens[0].col < indent) break;
    const key = tokens.find((t) => t.col === indent && t.key !== undefined);
    if (key) present.add(key.key);
  }
  return { path, keyPosition: true, prefix: word, replaceFrom: caret - word.length, replaceTo: caret + tail.length, present, indent, colon: after.startsWith(":") };
}

// The object schema for a value (resolving $ref, picking the object branch of anyOf/oneOf, merging allOf).
function objectSchema(schema, root) {
  let s = resolve(schema, root);
  const branches = s.anyOf || s.oneOf;
  if (branches) {
    const object = branches.map((b) => resolve(b, root)).find((b) => b.properties || b.additionalProperties || b.type === "object");
    if (object) s = object;
  }
  if (s.allOf) {
    const parts = [s, ...s.allOf.map((p) => objectSchema(p, root))];
    return {
      properties: Object.assign({}, ...parts.map((p) => p.properties || {})),
      required: parts.flatMap((p) => p.required || []),
      additionalProperties: s.additionalProperties,
    };
  }
  return s;
}

// The schema at `path` below root, or null where the schema says nothing.
export function schemaAt(root, path) {
  let s = objectSchema(root, root);
  for (const step of path) {
    let next;
    if (step === ITEM) next = s.items && typeof s.items === "object" ? s.items : null;
    else if (step !== null && s.properties && step in s.properties) next = s.properties[step];
    else if (s.additionalProperties && typeof s.additionalProperties === "object") next = s.additionalProperties;
    if (!next) return null;
    s = objectSchema(next, root);
  }
  return s;
}

function typeName(schema, root) {
  const s = resolve(schema, root);
  if (s.enum) return "enum";
  if (s.type) return Array.isArray(s.type) ? s.type.join(" | ") : s.type;
  const branches = s.anyOf || s.oneOf;
  if (branches) return branches.map((b) => typeName(b, root)).join(" | ");
  if (s.properties) return "object";
  return "any";
}

// The suggestions at the caret: [{name, type, required, description, scaffold}] (required first).
export function suggestions(schema, text, caret, format = "json") {
  const where = format === "yaml" ? yamlCaretContext(text, caret) : caretContext(text, caret);
  if (!schema || !where.keyPosition) return { where, items: [] };
  const s = schemaAt(schema, where.path);
  if (!s || !s.properties) return { where, items: [] };
  const present = format === "yaml" ? where.present : presentKeys(text, where.objectStart, where.inString ? where.replaceFrom : -1);
  const required = new Set(s.required || []);
  const prefix = where.prefix.toLowerCase();
  const items = Object.entries(s.properties)
    .filter(([name]) => !present.has(name) && name.toLowerCase().startsWith(prefix))
    .map(([name, item]) => {
      const resolved = objectSchema(item, schema);
      const type = typeName(item, schema);
      const main = Array.isArray(resolved.type) ? resolved.type.find((t) => t !== "null") : resolved.type || (resolved.properties ? "object" : "");
      return { name, type, main, required: required.has(name), description: resolved.description || resolve(item, schema).description || "", scaffold: SCAFFOLD[main] ?? "null" };
    })
    .sort((a, b) => Number(b.required) - Number(a.required));
  return { where, items: items.slice(0, MAX_ITEMS) };
}

// The field whose key is on the caret's line: {path, name, type, required, description}, or null
// (no key there, or the schema does not know it). The editor shows it under the text as docs.
export function fieldAt(schema, text, caret, format = "json") {
  if (!schema) return null;
  const lineStart = text.lastIndexOf("\n", caret - 1) + 1;
  const lineEnd = text.indexOf("\n", caret) < 0 ? text.length : text.indexOf("\n", caret);
  const line = text.slice(lineStart, lineEnd);
  let where;
  let name;
  if (format === "yaml") {
    const key = (yamlTokens(line) || []).find((t) => t.key !== undefined);
    if (!key) return null;
    where = yamlCaretContext(text, lineStart + key.col);
    name = key.key;
  } else {
    const key = /"((?:[^"\\]|\\.)*)"\s*:/.exec(line);
    if (!key) return null;
    where = caretContext(text, lineStart + key.index);
    name = unquote(`"${key[1]}"`);
  }
  if (!where.keyPosition && format === "yaml") return null;
  const s = schemaAt(schema, where.path);
  if (!s || !s.properties || !(name in s.properties)) return null;
  const item = s.properties[name];
  const resolved = objectSchema(item, schema);
  return {
    path: [...where.path, name].map((step) => (step === ITEM ? "[]" : step)),
    name,
    type: typeName(item, schema),
    required: (s.required || []).includes(name),
    description: resolved.description || resolve(item, schema).description || "",
  };
}

// Completion for `editor` (a textarea); `schema()` gives the current schema, `format()` "json" or
// "yaml". Returns the list element to place after the editor inside a positioned wrapper.
export function attachCompletion(editor, schema, format = () => "json") {
  const list = h("ul", { class: "config-complete", role: "listbox", "aria-label": "Config suggestions", hidden: true });
  let items = [];
  let where = null;
  let selected = 0;

  const close = () => {
    list.hidden = true;
    items = [];
  };

  const draw = () => {
    append(
      clear(list),
      items.map((item, i) =>
        h(
          "li",
          {
            role: "option",
            class: i === selected ? "selected" : "",
            "aria-selected": i === selected ? "true" : "false",
            title: item.description || `${item.name} (${item.type})`,
            dataset: { name: item.name },
            onmousedown: (event) => {
              event.preventDefault(); // keep the caret in the editor
              selected = i;
              accept();
            },
          },
          h("code", { class: "config-complete-name" }, item.name),
          h("span", { class: "config-complete-type" }, item.type),
          item.required ? h("span", { class: "config-complete-required" }, "required") : null,
          item.description ? h("span", { class: "config-complete-doc" }, item.description) : null,
        ),
      ),
    );
    const current = list.children[selected];
    if (current) current.scrollIntoView({ block: "nearest" });
  };

  // Below the caret's line, measured from the editor's font (a monospace textarea).
  const place = () => {
    const style = getComputedStyle(editor);
    const before = editor.value.slice(0, editor.selectionStart).split("\n");
    const line = before.length;
    const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.4;
    const context = document.createElement("canvas").getContext("2d");
    context.font = style.font;
    const column = context.measureText(before[before.length - 1]).width;
    const top = editor.offsetTop + parseFloat(style.paddingTop) + line * lineHeight - editor.scrollTop + 2;
    list.style.top = `${Math.min(top, editor.offsetTop + editor.offsetHeight)}px`;
    list.style.left = `${editor.offsetLeft + Math.min(parseFloat(style.paddingLeft) + column, Math.max(0, editor.clientWidth - 320))}px`;
  };

  const open = ({ quiet = false } = {}) => {
    const found = suggestions(schema(), editor.value, editor.selectionStart, format());
    where = found.where;
    items = found.items;
    selected = 0;
    if (!items.length) {
      if (quiet || !where.keyPosition) close();
      else {
        list.hidden = false;
        append(clear(list), [h("li", { class: "config-complete-none muted" }, "No more fields here.")]);
        place();
      }
      return;
    }
    list.hidden = false;
    draw();
    place();
  };

  // YAML: `name: ` for a value, `name:` and a new line indented under it for an object or a list.
  const acceptYaml = (item) => {
    const text = editor.value;
    const pad = " ".repeat(where.indent + 2);
    let inserted = item.name;
    if (!/^[A-Za-z_$][\w$.-]*$/.test(inserted)) inserted = JSON.stringify(inserted);
    if (!where.colon) inserted += item.main === "object" ? `:\n${pad}` : item.main === "array" ? `:\n${pad}- ` : ": ";
    editor.value = text.slice(0, where.replaceFrom) + inserted + text.slice(where.replaceTo);
    const caret = where.replaceFrom + inserted.length + (where.colon ? 1 : 0);
    editor.setSelectionRange(Math.min(caret, editor.value.length), Math.min(caret, editor.value.length));
    close();
    editor.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const accept = () => {
    const item = items[selected];
    if (!item) return close();
    if (format() === "yaml") return acceptYaml(item);
    const text = editor.value;
    let end = editor.selectionStart;
    if (where.inString) {
      while (end < text.length && /[\w$-]/.test(text[end])) end++; // the rest of the word being replaced
      if (text[end] === '"') end++;
      if (/^\s*:/.test(text.slice(end))) end = end + text.slice(end).indexOf(":") + 1;
    }
    const before = text.slice(0, where.replaceFrom);
    const after = text.slice(end);
    const comma = /[}\]"\w]\s*$/.test(before) ? ", " : "";
    const trailing = /^\s*"/.test(after) ? ", " : "";
    const inserted = `${comma}"${item.name}": ${item.scaffold}`;
    editor.value = before + inserted + trailing + after;
    // the caret goes inside an empty object, array or string, else after the value
    const inside = ["{}", "[]", '""'].includes(item.scaffold) ? 1 : 0;
    const caret = before.length + inserted.length - inside;
    editor.setSelectionRange(caret, caret);
    close();
    editor.dispatchEvent(new Event("input", { bubbles: true }));
  };

  editor.addEventListener("keydown", (event) => {
    if (event.ctrlKey && (event.key === " " || event.code === "Space")) {
      event.preventDefault();
      open();
      return;
    }
    if (list.hidden || !items.length) {
      if (event.key === "Escape" && !list.hidden) close();
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      selected = (selected + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      draw();
    } else if (event.key === "Enter" || event.key === "Tab") {
      event.preventDefault();
      accept();
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  editor.addEventListener("input", (event) => {
    if (event.inputType === "insertText" && event.data === '"' && format() === "json") open({ quiet: true });
    else if (!list.hidden) open({ quiet: true }); // narrow the list as the name is typed
  });
  editor.addEventListener("blur", close);
  editor.addEventListener("click", close);
  return list;
}
