// A run-config editor (JSON) for a target's JSON Schema: scaffolded with what the target requires,
// checked as the person types (each problem named by its path), with scaffold / defaults / remove
// extra / format actions and a folded reference of the schema's fields. A person's edits survive a
// change of target; text the editor generated itself is replaced by the new target's scaffold.

import { append, clear, h } from "./dom.js";
import { fields, fillDefaults, pathText, removeExtra, scaffold, validate } from "./jsonschema.js";
import { attachCompletion } from "./config_complete.js";

export function configEditor({ onChange = () => {} } = {}) {
  let schema = null;
  let active = false; // a target is chosen: say when the config matches it
  let generated = null; // the text the editor last filled in itself
  let madeFor = null; // the target that text was made for
  let timer = null;
  const editor = h("textarea", {
    id: "launch-config",
    class: "launch-editor",
    spellcheck: "false",
    "aria-label": "Run config (JSON)",
    oninput: () => {
      fit();
      clearTimeout(timer);
      timer = setTimeout(show, 200);
    },
  });
  editor.value = "{}";
  const problems = h("div", { class: "launch-problems", "aria-live": "polite" });
  const reference = h("div");
  const actions = h("div", { class: "row" });
  // property names from the schema at the caret (Ctrl+Space, or typing `"` where a key goes)
  const completing = h("div", { class: "config-complete-wrap" }, editor, attachCompletion(editor, () => schema));
  const element = h("div", { class: "card launch-config" }, actions, completing, problems, reference);

  // As tall as its text (within bounds), so a short config does not sit in a large empty box.
  const fit = () => (editor.rows = Math.min(32, Math.max(6, editor.value.split("\n").length + 1)));

  const write = (value) => {
    editor.value = JSON.stringify(value, null, 2);
    fit();
  };

  const edit = (fn) => () => {
    const parsed = parse();
    if (!parsed.error) write(fn(parsed.value));
    show();
  };

  // The schema of the chosen target (null: none, or no config), and a key naming that target.
  function setTarget(newSchema, key) {
    schema = newSchema || null;
    active = key !== null;
    if (active && editor.value === generated && madeFor !== key) {
      write(schema ? scaffold({}, schema) : {});
      generated = editor.value;
      madeFor = key;
    }
    append(clear(actions), [
      h("h2", {}, "Run config"),
      h("span", { class: "muted small" }, "JSON"),
      h("span", { class: "spacer" }),
      h("button", { disabled: !schema, onclick: edit((v) => scaffold(v, schema)), title: "add the required fields that are missing" }, "Scaffold missing"),
      h("button", { disabled: !schema, onclick: edit((v) => fillDefaults(v, schema)), title: "add the fields that have defaults" }, "Fill defaults"),
      h("button", { disabled: !schema, onclick: edit((v) => removeExtra(v, schema)), title: "drop fields the schema does not take" }, "Remove extra"),
      h("button", { onclick: edit((v) => v) }, "Format"),
    ]);
    append(clear(reference), [schema ? schemaReference(schema) : null]);
    show();
  }

  // Start from this text (a run's config), made for the target `key`.
  function setText(text, key) {
    editor.value = generated = text;
    madeFor = key;
    fit();
  }

  function parse() {
    const text = editor.value.trim();
    if (!text) return { value: {} };
    try {
      const value = JSON.parse(text);
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        return { error: 'Run config must be a JSON object like {"ops": {...}, "resources": {...}}' };
      }
      return { value };
    } catch (error) {
      return { error: `Run config is not valid JSON: ${error.message}` };
    }
  }

  // {value} when the config can be launched, else {error} (not JSON) or {errors} (against the schema).
  function check() {
    const parsed = parse();
    if (parsed.error) return { error: parsed.error, errors: [] };
    return { value: parsed.value, errors: schema ? validate(parsed.value, schema) : [] };
  }

  function show() {
    const { error, errors } = check();
    clear(problems);
    if (error) problems.append(h("div", { class: "error-box launch-json-error" }, error));
    else if (errors.length) {
      problems.append(
        h(
          "div",
          { class: "error-box launch-schema-errors" },
          h("strong", {}, `${errors.length} problem${errors.length === 1 ? "" : "s"} with the config:`),
          h("ul", {}, errors.slice(0, 50).map((e) => h("li", {}, h("code", {}, pathText(e.path)), ": ", e.message))),
        ),
      );
    } else if (active) problems.append(h("div", { class: "launch-ok" }, "✓ Config matches the schema."));
    onChange();
  }

  generated = editor.value;
  fit();
  return { element, setTarget, setText, check, show, stop: () => clearTimeout(timer) };
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
