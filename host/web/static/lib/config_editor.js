// A run-config editor, YAML (the default, as in Dagster) or JSON, for a target's JSON Schema:
// scaffolded with what the target requires, checked as the person types (each problem named by its
// path, a link to its line; a syntax error by its line), with scaffold / defaults / remove extra /
// format actions in the current format, completion of keys, the docs of the field at the caret and a
// folded reference of the schema's fields. The YAML | JSON switch converts the text; either way
// check() gives the JSON value that is launched. A person's edits survive a change of target; text
// the editor generated itself is replaced by the new target's scaffold.

import { append, clear, h } from "./dom.js";
import { fields, fillDefaults, pathText, removeExtra, scaffold, validate } from "./jsonschema.js";
import { attachCompletion, fieldAt } from "./config_complete.js";
import { dumpYaml, parseYaml, parseYamlLines } from "./yaml.js";

const FORMATS = ["yaml", "json"];
const LABEL = { yaml: "YAML", json: "JSON" };

// `format`: "yaml" or "json" to start in (anything else: YAML); `onFormat(format)` when the person
// switches, so the page can keep it in the URL.
export function configEditor({ onChange = () => {}, format: initial = "yaml", onFormat = () => {} } = {}) {
  let format = FORMATS.includes(initial) ? initial : "yaml";
  let schema = null;
  let active = false; // a target is chosen: say when the config matches it
  let generated = null; // the text the editor last filled in itself
  let madeFor = null; // the target that text was made for
  let switchProblem = null; // why the last switch of format did not happen
  let timer = null;
  const editor = h("textarea", {
    id: "launch-config",
    class: "launch-editor",
    spellcheck: "false",
    "aria-label": `Run config (${LABEL[format]})`,
    placeholder: "Empty: no config. Ctrl+Space where a key goes lists the fields.",
    dataset: { format },
    oninput: () => {
      fit();
      switchProblem = null;
      clearTimeout(timer);
      timer = setTimeout(show, 200);
    },
  });
  const problems = h("div", { class: "launch-problems", "aria-live": "polite" });
  const doc = h("div", { class: "config-doc muted small", "aria-live": "polite" });
  const reference = h("div");
  const actions = h("div", { class: "row" });
  // property names from the schema at the caret (Ctrl+Space, or typing `"` where a key goes in JSON)
  const completing = h("div", { class: "config-complete-wrap" }, editor, attachCompletion(editor, () => schema, () => format));
  const element = h("div", { class: "card launch-config" }, actions, completing, doc, problems, reference);

  // The docs of the field on the caret's line: its path, type, whether required, description.
  const describe = () => {
    const field = editor === document.activeElement ? fieldAt(schema, editor.value, editor.selectionStart, format) : null;
    append(clear(doc), [
      field
        ? [
            h("code", {}, field.path.join(".").replace(/\.\[\]/g, "[]")),
            ` ${field.type}`,
            field.required ? " · required" : "",
            field.description ? ` — ${field.description}` : "",
          ]
        : null,
    ]);
  };
  for (const name of ["keyup", "click", "focus", "blur"]) editor.addEventListener(name, describe);

  // As tall as its text (within bounds), so a short config does not sit in a large empty box.
  const fit = () => (editor.rows = Math.min(32, Math.max(6, editor.value.split("\n").length + 1)));

  // No config is an empty YAML document (ready to type into), `{}` in JSON.
  const render = (value, as = format) => {
    if (as === "json") return JSON.stringify(value, null, 2);
    return Object.keys(value).length ? dumpYaml(value) : "";
  };

  const write = (value) => {
    editor.value = render(value);
    fit();
  };

  const edit = (fn) => () => {
    const parsed = parse();
    if (!parsed.error) write(fn(parsed.value));
    show();
  };

  // YAML: Enter keeps the line's indentation, one level deeper after `key:` or inside a `- ` item.
  editor.addEventListener("keydown", (event) => {
    if (format !== "yaml" || event.key !== "Enter" || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    const text = editor.value;
    const at = editor.selectionStart;
    const line = text.slice(text.lastIndexOf("\n", at - 1) + 1, at);
    const lead = /^[ ]*(?:- +)*/.exec(line)[0].replace(/-/g, " ");
    const pad = lead + (/:\s*$/.test(line) ? "  " : "");
    if (!pad) return;
    event.preventDefault();
    if (!document.execCommand("insertText", false, `\n${pad}`)) {
      editor.setRangeText(`\n${pad}`, at, editor.selectionEnd, "end");
      editor.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  function drawActions() {
    append(clear(actions), [
      h("h2", {}, "Run config"),
      h(
        "div",
        { class: "config-format", role: "group", "aria-label": "Config format" },
        FORMATS.map((f) =>
          h("button", { type: "button", class: f === format ? "active" : "", "aria-pressed": f === format ? "true" : "false", dataset: { format: f }, onclick: () => setFormat(f) }, LABEL[f]),
        ),
      ),
      h("span", { class: "spacer" }),
      h("button", { disabled: !schema, onclick: edit((v) => scaffold(v, schema)), title: "add the required fields that are missing" }, "Scaffold missing"),
      h("button", { disabled: !schema, onclick: edit((v) => fillDefaults(v, schema)), title: "add the fields that have defaults" }, "Fill defaults"),
      h("button", { disabled: !schema, onclick: edit((v) => removeExtra(v, schema)), title: "drop fields the schema does not take" }, "Remove extra"),
      h("button", { onclick: edit((v) => v), title: `rewrite the config as tidy ${LABEL[format]}` }, "Format"),
    ]);
  }

  // Switch the text to the other format; text that does not parse stays as it is, with the reason.
  function setFormat(next) {
    if (next === format || !FORMATS.includes(next)) return;
    const parsed = parse();
    if (parsed.error) {
      switchProblem = `Not switched to ${LABEL[next]}: ${parsed.error}`;
      show();
      return;
    }
    const wasGenerated = editor.value === generated;
    format = next;
    editor.setAttribute("aria-label", `Run config (${LABEL[format]})`);
    editor.dataset.format = format;
    write(parsed.value);
    if (wasGenerated) generated = editor.value;
    switchProblem = null;
    drawActions();
    show();
    onFormat(format);
  }

  // The schema of the chosen target (null: none, or no config), and a key naming that target.
  function setTarget(newSchema, key) {
    schema = newSchema || null;
    active = key !== null;
    if (active && editor.value === generated && madeFor !== key) {
      write(schema ? scaffold({}, schema) : {});
      generated = editor.value;
      madeFor = key;
    }
    drawActions();
    append(clear(reference), [schema ? schemaReference(schema) : null]);
    show();
  }

  // Start from this text as it is (in the current format), made for the target `key`.
  function setText(text, key) {
    editor.value = generated = text;
    madeFor = key;
    fit();
  }

  // Start from this value (a run's config), written in the current format, made for the target `key`.
  function setValue(value, key) {
    setText(render(value), key);
  }

  // {value} when the text parses to a mapping, else {error, line}.
  function parse() {
    const text = editor.value;
    if (!text.trim()) return { value: {} };
    if (format === "json") {
      try {
        const value = JSON.parse(text);
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          return { error: 'Run config must be a JSON object like {"ops": {...}, "resources": {...}}' };
        }
        return { value };
      } catch (error) {
        const line = /\(line (\d+) column \d+\)/.exec(error.message);
        return { error: `Run config is not valid JSON: ${error.message}`, line: line ? Number(line[1]) : undefined };
      }
    }
    let value;
    try {
      value = parseYaml(text);
    } catch (error) {
      if (error.line === undefined) throw error;
      return { error: `Run config is not valid YAML: ${error.message}`, line: error.line };
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      const hint = typeof value === "string" && /:\S/.test(value) ? " (is a space missing after a `:`?)" : "";
      return { error: `Run config must be a YAML mapping of keys like \`ops:\` and \`resources:\`, not ${Array.isArray(value) ? "a list" : "a single value"}${hint}` };
    }
    return { value };
  }

  // {value} when the config can be launched, else {error} (does not parse) or {errors} (against the schema).
  function check() {
    const parsed = parse();
    if (parsed.error) return { error: parsed.error, line: parsed.line, errors: [] };
    return { value: parsed.value, errors: schema ? validate(parsed.value, schema) : [] };
  }

  // Select a line of the text (the one a syntax error names).
  function goToLine(line) {
    const lines = editor.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    editor.focus();
    editor.setSelectionRange(start, start + (lines[line - 1] || "").length);
  }

  // (path) → the line of that path in the text (JSON is YAML too), or null when the text does not say.
  function locator() {
    try {
      return parseYamlLines(editor.value).lineOf;
    } catch {
      return () => null;
    }
  }

  function show() {
    const { error, line, errors } = check();
    clear(problems);
    if (switchProblem) problems.append(h("div", { class: "error-box launch-format-error" }, switchProblem));
    else if (error) {
      problems.append(
        h(
          "div",
          { class: "error-box launch-json-error launch-syntax-error", dataset: line ? { line: String(line) } : {} },
          error,
          line ? [" ", h("button", { type: "button", class: "link-button", onclick: () => goToLine(line) }, `Show line ${line}`)] : null,
        ),
      );
    } else if (errors.length) {
      const lineOf = locator();
      problems.append(
        h(
          "div",
          { class: "error-box launch-schema-errors" },
          h("strong", {}, `${errors.length} problem${errors.length === 1 ? "" : "s"} with the config:`),
          h(
            "ul",
            {},
            errors.slice(0, 50).map((e) => {
              const at = lineOf(e.path);
              const path = h("code", {}, pathText(e.path));
              const where = at ? h("button", { type: "button", class: "link-button config-path", title: `Show line ${at}`, dataset: { line: String(at) }, onclick: () => goToLine(at) }, path) : path;
              return h("li", {}, where, ": ", e.message);
            }),
          ),
        ),
      );
    } else if (active) problems.append(h("div", { class: "launch-ok" }, "✓ Config matches the schema."));
    onChange();
  }

  editor.value = render({});
  generated = editor.value;
  fit();
  drawActions();
  return { element, setTarget, setText, setValue, check, show, format: () => format, stop: () => clearTimeout(timer) };
}

function schemaReference(schema) {
  const rows = fields(schema).filter((f) => !["execution", "loggers"].includes(f.path[0]));
  if (!rows.length) return h("div", { class: "muted small" }, "This target takes no config.");
  return h(
    "details",
    { class: "launch-reference" },
    h("summary", {}, `Config fields (${rows.length})`),
    h(
      "table",
      { class: "grid" },
      h("thead", {}, h("tr", {}, ["Path", "Type", "Required", "Default", "Description"].map((x) => h("th", {}, x)))),
      h(
        "tbody",
        {},
        rows.map((f) =>
          h(
            "tr",
            { title: f.description || null },
            h("td", {}, h("code", {}, pathText(f.path))),
            h("td", {}, f.type),
            h("td", {}, f.required ? "yes" : ""),
            h("td", {}, f.default === undefined ? "" : h("code", {}, JSON.stringify(f.default))),
            h("td", {}, f.description),
          ),
        ),
      ),
    ),
  );
}
