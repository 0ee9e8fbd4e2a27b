// Run config against the snapshot's JSON Schema, in the browser: the errors a person can fix before
// launching (missing required fields, wrong types, unknown keys), each naming its path; and the
// editor's helpers (scaffold what is required, fill defaults, remove what the schema does not take).
// A subset of JSON Schema: what Weir's config schemas use (type, properties, required,
// additionalProperties, items, enum, const, anyOf/oneOf/allOf, $ref to #/$defs, bounds). The host
// validates again on launch with a full validator; its message is shown verbatim.

const TYPE_PLACEHOLDER = { string: "", integer: 0, number: 0, boolean: false, array: [], object: {}, null: null };

export function resolve(schema, root) {
  let s = schema;
  for (let hops = 0; s && typeof s === "object" && s.$ref && hops < 32; hops++) {
    const ref = String(s.$ref);
    if (!ref.startsWith("#/")) return {};
    s = ref
      .slice(2)
      .split("/")
      .reduce((node, part) => (node ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), root);
  }
  return s && typeof s === "object" ? s : {};
}

function typeOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value, type) {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

function describe(schema, root) {
  const s = resolve(schema, root);
  if (s.enum) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  if (s.type) return Array.isArray(s.type) ? s.type.join(" or ") : s.type;
  const branches = s.anyOf || s.oneOf;
  if (branches) return branches.map((b) => describe(b, root)).join(" or ");
  return "a value";
}

export function pathText(path) {
  return path.length ? path.join(".") : "(top level)";
}

// Every error of value against schema: [{path: ["ops", "hello", ...], message}], sorted by path.
export function validate(value, schema, root = schema, path = []) {
  const errors = [];
  check(value, schema, root, path, errors);
  return errors.sort((a, b) => pathText(a.path).localeCompare(pathText(b.path)));
}

function check(value, schema, root, path, errors) {
  const s = resolve(schema, root);
  if (s.allOf) for (const part of s.allOf) check(value, part, root, path, errors);
  const branches = s.anyOf || s.oneOf;
  if (branches) {
    const results = branches.map((b) => validate(value, b, root, path));
    if (!results.some((r) => r.length === 0)) {
      // the branch of the value's type explains the problem best (Optional[X] is anyOf [X, null])
      const i = branches.findIndex((b) => {
        const type = resolve(b, root).type;
        return type && (Array.isArray(type) ? type : [type]).some((t) => typeMatches(value, t));
      });
      if (i >= 0) errors.push(...results[i]);
      else errors.push({ path, message: `expected ${describe(s, root)}, got ${typeOf(value)} ${short(value)}` });
    }
  }
  if (s.const !== undefined && JSON.stringify(value) !== JSON.stringify(s.const)) {
    errors.push({ path, message: `must be ${JSON.stringify(s.const)}` });
  }
  if (s.enum && !s.enum.some((v) => JSON.stringify(v) === JSON.stringify(value))) {
    errors.push({ path, message: `must be one of ${s.enum.map((v) => JSON.stringify(v)).join(", ")}, got ${short(value)}` });
    return;
  }
  if (s.type) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((t) => typeMatches(value, t))) {
      errors.push({ path, message: `expected ${types.join(" or ")}, got ${typeOf(value)} ${short(value)}` });
      return;
    }
  }
  const kind = typeOf(value);
  if (kind === "object") checkObject(value, s, root, path, errors);
  if (kind === "array" && s.items && typeof s.items === "object") {
    value.forEach((item, i) => check(item, s.items, root, [...path, i], errors));
  }
  if ((kind === "integer" || kind === "number") && s.minimum !== undefined && value < s.minimum) {
    errors.push({ path, message: `must be at least ${s.minimum}` });
  }
  if ((kind === "integer" || kind === "number") && s.maximum !== undefined && value > s.maximum) {
    errors.push({ path, message: `must be at most ${s.maximum}` });
  }
}

function checkObject(value, s, root, path, errors) {
  const props = s.properties || {};
  for (const name of s.required || []) {
    if (!(name in value)) {
      errors.push({ path: [...path, name], message: `required field is missing (${describe(props[name] || {}, root)})` });
    }
  }
  for (const [name, item] of Object.entries(value)) {
    if (name in props) check(item, props[name], root, [...path, name], errors);
    else if (s.additionalProperties === false) {
      const known = Object.keys(props);
      errors.push({ path: [...path, name], message: `unknown field${known.length ? ` (expected: ${known.join(", ")})` : " (none expected here)"}` });
    } else if (s.additionalProperties && typeof s.additionalProperties === "object") {
      check(item, s.additionalProperties, root, [...path, name], errors);
    }
  }
}

function short(value) {
  const text = JSON.stringify(value);
  return text === undefined ? "" : text.length > 40 ? text.slice(0, 37) + "..." : text;
}

// The branch of anyOf/oneOf that a scaffold uses: the first that is not null.
function concrete(schema, root) {
  const s = resolve(schema, root);
  const branches = s.anyOf || s.oneOf;
  if (branches) return concrete(branches.find((b) => resolve(b, root).type !== "null") || branches[0], root);
  return s;
}

function placeholder(schema, root) {
  const s = concrete(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.enum && s.enum.length) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  if (type === "object" || (!type && s.properties)) return scaffold({}, s, root);
  return structuredClone(TYPE_PLACEHOLDER[type] ?? null);
}

// value with every required field that is missing added (recursively), placeholders by type.
export function scaffold(value, schema, root = schema) {
  const s = concrete(schema, root);
  const out = value && typeOf(value) === "object" ? { ...value } : {};
  const props = s.properties || {};
  for (const name of s.required || []) {
    if (!(name in out)) out[name] = placeholder(props[name] || {}, root);
  }
  for (const [name, item] of Object.entries(out)) {
    if (name in props && typeOf(item) === "object") out[name] = scaffold(item, props[name], root);
  }
  return out;
}

// value with every field that has a default and is missing added, inside the objects present.
export function fillDefaults(value, schema, root = schema) {
  const s = concrete(schema, root);
  const out = value && typeOf(value) === "object" ? { ...value } : {};
  for (const [name, item] of Object.entries(s.properties || {})) {
    const resolved = concrete(item, root);
    if (!(name in out) && resolved.default !== undefined) out[name] = structuredClone(resolved.default);
    else if (typeOf(out[name]) === "object") out[name] = fillDefaults(out[name], item, root);
  }
  return out;
}

// value without the fields the schema does not take (where it says additionalProperties: false).
export function removeExtra(value, schema, root = schema) {
  const s = concrete(schema, root);
  if (typeOf(value) !== "object") return value;
  const props = s.properties || {};
  const out = {};
  for (const [name, item] of Object.entries(value)) {
    if (name in props) out[name] = removeExtra(item, props[name], root);
    else if (s.additionalProperties !== false) out[name] = item;
  }
  return out;
}

// The schema's fields as rows for a reference list: {path, type, required, default, description}.
export function fields(schema, root = schema, path = [], out = [], depth = 0) {
  const s = concrete(schema, root);
  if (depth > 12 || out.length > 500) return out;
  const required = new Set(s.required || []);
  for (const [name, item] of Object.entries(s.properties || {})) {
    const resolved = concrete(item, root);
    out.push({
      path: [...path, name],
      type: describe(item, root),
      required: required.has(name),
      default: resolved.default,
      description: resolved.description || "",
    });
    fields(item, root, [...path, name], out, depth + 1);
  }
  return out;
}
