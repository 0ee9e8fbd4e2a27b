// The YAML that run config is written in, read into JSON values and written back: block mappings and
// sequences (any consistent indentation), `- ` items holding mappings, plain / 'single' / "double"
// quoted scalars typed by the YAML 1.2 core schema (null ~ true false, ints, floats; a quoted value is
// a string), flow `[a, b]` / `{a: 1}` collections over several lines (so JSON is read too), `#`
// comments, `|` and `>` block scalars; an empty document is {}. What it does not read (anchors,
// aliases, tags, several documents, `? ` keys) is an error naming the line, never a wrong value.
//
// parseYaml(text) → value (throws YamlError: "line 4: expected `key: value`"); dumpYaml(value) → text
// that parses back to the same value here and in a YAML 1.1 reader (PyYAML, so Dagster): every string
// either could take for something else is quoted ("yes", "on", "1_000", "0x1F", ""), and a number in
// exponent form has a dot (1.0e+21).

export class YamlError extends Error {
  constructor(line, message) {
    super(`line ${line}: ${message}`);
    this.name = "YamlError";
    this.line = line;
  }
}

const NULL = /^(?:null|Null|NULL|~|)$/;
const TRUE = /^(?:true|True|TRUE)$/;
const FALSE = /^(?:false|False|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const INF = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN = /^\.(?:nan|NaN|NAN)$/;
const ESCAPES = { 0: "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\x85", _: "\xa0", L: "\u2028", P: "\u2029" };

// The value of a plain scalar under the YAML 1.2 core schema.
function typed(text, line) {
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  let number = null;
  if (INT.test(text)) number = Number(text);
  else if (OCT.test(text)) number = parseInt(text.slice(2), 8);
  else if (HEX.test(text)) number = parseInt(text.slice(2), 16);
  if (number !== null) {
    const exact = INT.test(text) && String(number) === text.replace(/^\+/, "").replace(/^(-?)0+(?=[0-9])/, "$1");
    if (!Number.isSafeInteger(number) && !exact) throw new YamlError(line, `the integer ${text} is too large to keep exactly; quote it to send a string`);
    return number;
  }
  if (FLOAT.test(text)) return Number(text);
  if (INF.test(text) || NAN.test(text)) throw new YamlError(line, `${text} cannot be sent as JSON run config; quote it to send a string`);
  return text;
}

export function parseYaml(source) {
  return new Parser(String(source)).document();
}

// The value and where its parts are: lineOf(path) is the line of the deepest key or item of `path`
// (["ops", "hello", "config", 0]) the text has, 1 when it has none. Throws as parseYaml does.
export function parseYamlLines(source) {
  const parser = new Parser(String(source));
  const value = parser.document();
  const lineOf = (path) => {
    let node = value;
    let line = 1;
    for (const step of path) {
      const lines = node !== null && typeof node === "object" ? parser.lines.get(node) : null;
      if (!lines || !(String(step) in lines)) break;
      line = lines[String(step)];
      node = node[step];
    }
    return line;
  };
  return { value, lineOf };
}

class Parser {
  constructor(text) {
    this.text = text.replace(/\r\n?/g, "\n").replace(/^\ufeff/, "");
    this.pos = 0;
    this.lines = new WeakMap(); // collection → {key or index: its line}
    this.lineStarts = [0];
    for (let i = 0; i < this.text.length; i++) if (this.text[i] === "\n") this.lineStarts.push(i + 1);
  }

  // 1-based line of a position.
  line(pos = this.pos) {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  column(pos) {
    return pos - this.lineStarts[this.line(pos) - 1];
  }

  // Remember the line of a collection's key or item.
  note(collection, key, pos) {
    if (!this.lines.has(collection)) this.lines.set(collection, {});
    this.lines.get(collection)[String(key)] = this.line(pos);
  }

  fail(message, pos = this.pos) {
    throw new YamlError(this.line(pos), message);
  }

  // The next line holding something (not blank, not only a comment), from the start of a line:
  // {pos: its first character, indent} or null at the end. Leaves this.pos there.
  nextContent() {
    const { text } = this;
    while (this.pos < text.length) {
      let i = this.pos;
      while (text[i] === " ") i++;
      if (text[i] === "\t") {
        let j = i;
        while (text[j] === " " || text[j] === "\t") j++;
        if (j < text.length && text[j] !== "\n" && text[j] !== "#") this.fail("a tab in the indentation: indent with spaces");
        i = j;
      }
      if (i >= text.length) {
        this.pos = text.length;
        return null;
      }
      if (text[i] === "\n" || text[i] === "#") {
        const end = text.indexOf("\n", i);
        this.pos = end < 0 ? text.length : end + 1;
        continue;
      }
      const start = this.lineStarts[this.line(i) - 1];
      this.pos = i;
      return { pos: i, indent: i - start };
    }
    return null;
  }

  // Past the end of the current line, which may hold only spaces and a comment from `pos`.
  endLine(pos, what) {
    const { text } = this;
    let i = pos;
    while (text[i] === " " || text[i] === "\t") i++;
    if (i < text.length && text[i] !== "\n" && text[i] !== "#") {
      this.fail(`unexpected ${JSON.stringify(text.slice(i, i + 20).split("\n")[0])} after ${what}`, i);
    }
    const end = text.indexOf("\n", i);
    this.pos = end < 0 ? text.length : end + 1;
  }

  document() {
    let first = this.nextContent();
    if (!first) return {};
    if (this.text[first.pos] === "%") this.fail("directives (`%YAML`, `%TAG`) are not supported");
    if (first.indent === 0 && this.marker(first.pos, "---")) {
      const after = first.pos + 3;
      let i = after;
      while (this.text[i] === " ") i++;
      if (i < this.text.length && this.text[i] !== "\n" && this.text[i] !== "#") {
        this.fail("put the document on the lines after `---`", i);
      }
      this.endLine(after, "`---`");
      first = this.nextContent();
      if (!first) return {};
    }
    const value = this.node(first.pos, -1);
    const rest = this.nextContent();
    if (rest) {
      if (rest.indent === 0 && this.marker(rest.pos, "---")) this.fail("several documents (`---`) are not supported: run config is one document");
      if (rest.indent === 0 && this.marker(rest.pos, "...")) {
        this.endLine(rest.pos + 3, "`...`");
        if (this.nextContent()) this.fail("several documents are not supported: run config is one document");
        return value;
      }
      this.fail(rest.indent > 0 ? "unexpected indentation" : "expected the end of the document: is this line indented right?");
    }
    return value;
  }

  marker(pos, mark) {
    const after = this.text[pos + 3];
    return this.text.startsWith(mark, pos) && (after === undefined || after === " " || after === "\n" || after === "\t");
  }

  isDash(pos) {
    const next = this.text[pos + 1];
    return this.text[pos] === "-" && (next === undefined || next === " " || next === "\n" || next === "\t");
  }

  // A block node starting at `pos` (its first character), inside a parent indented `parent`.
  node(pos, parent) {
    const column = this.column(pos);
    if (this.isDash(pos)) return this.sequence(pos, column);
    if (this.key(pos)) return this.mapping(pos, column);
    return this.inline(pos, parent);
  }

  // A value that starts on this line: a flow collection, a quoted or plain scalar, a block scalar.
  inline(pos, parent) {
    const c = this.text[pos];
    if (c === "|" || c === ">") return this.blockScalar(pos, parent);
    if (c === "[" || c === "{") {
      const value = this.flow(pos);
      this.endLine(this.pos, c === "[" ? "`]`" : "`}`");
      return value;
    }
    if (c === '"' || c === "'") {
      const value = this.quoted(pos);
      this.endLine(this.pos, "the quoted string");
      return value;
    }
    this.unsupported(pos);
    const { text } = this;
    let end = pos;
    while (end < text.length && text[end] !== "\n") {
      if (text[end] === "#" && (text[end - 1] === " " || text[end - 1] === "\t")) break;
      if (text[end] === ":" && [" ", "\t", "\n", undefined].includes(text[end + 1])) {
        this.fail("`: ` inside a value (is a key on the wrong line, or a value needing quotes?)", end);
      }
      end++;
    }
    const raw = text.slice(pos, end).replace(/[ \t]+$/, "");
    const line = this.line(pos);
    this.endLine(end, "the value");
    this.noContinuation(parent, line);
    return typed(raw, line);
  }

  // A plain scalar's next line more indented than its parent would continue it: not supported.
  noContinuation(parent, line) {
    const save = this.pos;
    const next = this.nextContent();
    this.pos = save;
    if (next && next.indent > parent && !this.isDash(next.pos) && !this.key(next.pos)) {
      this.fail(`a value continued from line ${line} (quote it, or use \`|\` for several lines)`, next.pos);
    }
  }

  unsupported(pos) {
    const c = this.text[pos];
    if (c === "&") this.fail("anchors (`&name`) are not supported: write the value out", pos);
    if (c === "*") this.fail("aliases (`*name`) are not supported: write the value out", pos);
    if (c === "!") this.fail("tags (`!tag`) are not supported: write the value without one", pos);
    if (",]}".includes(c)) this.fail(`\`${c}\` cannot start a value: quote the value`, pos);
    if (c === "|" || c === ">") this.fail(`\`${c}\` (a block scalar) cannot be used here: quote the value`, pos);
    if (c === "#") this.fail("a comment needs a space before `#`; quote a value that starts with `#`", pos);
    if (c === "@" || c === "`") this.fail(`\`${c}\` cannot start a value: quote the value`, pos);
    if (c === "?" && [" ", "\t", "\n", undefined].includes(this.text[pos + 1])) this.fail("complex keys (`? `) are not supported", pos);
    if (c === "%" && this.column(pos) === 0) this.fail("directives (`%YAML`, `%TAG`) are not supported", pos);
    if (this.isDash(pos)) this.fail("a `- ` item cannot be a value here: start the list on the next line", pos);
  }

  // If a `key:` starts at pos: {key, after: the position after the colon}, else null.
  key(pos) {
    const { text } = this;
    const c = text[pos];
    const colonAt = (i) => text[i] === ":" && [" ", "\t", "\n", undefined].includes(text[i + 1]);
    if (c === '"' || c === "'") {
      const save = this.pos;
      let key;
      try {
        key = this.quoted(pos, true);
      } catch {
        this.pos = save;
        return null;
      }
      let i = this.pos;
      this.pos = save;
      while (text[i] === " " || text[i] === "\t") i++;
      return colonAt(i) ? { key, after: i + 1 } : null;
    }
    if ("[{&*!|>@`%#,]}".includes(c) || (c === "?" && [" ", "\t", "\n", undefined].includes(text[pos + 1])) || this.isDash(pos)) return null;
    for (let i = pos; i < text.length && text[i] !== "\n"; i++) {
      if (text[i] === "#" && (text[i - 1] === " " || text[i - 1] === "\t")) return null;
      if (colonAt(i) && i === pos) return null; // `: value` without a key
      if (colonAt(i)) return { key: text.slice(pos, i).replace(/[ \t]+$/, ""), after: i + 1 };
    }
    return null;
  }

  // A block mapping whose first key starts at pos, its keys at `indent`.
  mapping(pos, indent) {
    const result = {};
    const seen = new Map();
    let at = pos;
    for (;;) {
      const found = this.key(at);
      if (!found) {
        if (indent === 0 && (this.marker(at, "---") || this.marker(at, "..."))) {
          this.fail("several documents (`---`) are not supported: run config is one document", at);
        }
        const line = this.text.slice(at, this.text.indexOf("\n", at) < 0 ? undefined : this.text.indexOf("\n", at));
        const hint = /:[^\s]/.test(line) && !/: /.test(line) ? " (a space goes after the `:`)" : "";
        if (this.isDash(at)) this.fail(`expected \`key: value\`, found a \`- \` item${hint}`, at);
        this.fail(`expected \`key: value\`${hint}`, at);
      }
      const { key } = found;
      if (seen.has(key)) this.fail(`the key ${JSON.stringify(key)} is given twice (first on line ${seen.get(key)})`, at);
      seen.set(key, this.line(at));
      this.note(result, key, at);
      result[key] = this.value(found.after, indent);
      const next = this.nextContent();
      if (!next || next.indent < indent) break;
      if (next.indent > indent) this.fail("unexpected indentation", next.pos);
      if (this.isDash(next.pos)) {
        this.fail("a `- ` item where a key of the mapping goes", next.pos);
      }
      at = next.pos;
    }
    return result;
  }

  // The value after `key:` (or after `- `) in a block collection indented `indent`.
  value(after, indent, inSequence = false) {
    const { text } = this;
    let i = after;
    while (text[i] === " " || text[i] === "\t") i++;
    if (i >= text.length || text[i] === "\n" || text[i] === "#") {
      this.endLine(i, "the key");
      const save = this.pos;
      const next = this.nextContent();
      if (next && next.indent > indent) return this.node(next.pos, indent);
      // `key:` followed by `- ` items at the key's own indentation, as YAML allows
      if (next && !inSequence && next.indent === indent && this.isDash(next.pos)) return this.sequence(next.pos, indent);
      this.pos = save;
      return null;
    }
    if (inSequence) {
      if (this.isDash(i)) return this.sequence(i, this.column(i));
      if (this.key(i)) return this.mapping(i, this.column(i));
    } else if (this.key(i) && text[i] !== '"' && text[i] !== "'") {
      this.fail("a mapping cannot start on the line of its key: put it on the next line, indented", i);
    }
    return this.inline(i, indent);
  }

  // A block sequence whose first `-` is at pos, at column `indent`.
  sequence(pos, indent) {
    const result = [];
    let at = pos;
    for (;;) {
      this.note(result, result.length, at);
      result.push(this.value(at + 1, indent, true));
      const next = this.nextContent();
      if (!next || next.indent < indent) break;
      if (next.indent > indent) this.fail("unexpected indentation", next.pos);
      if (!this.isDash(next.pos)) break; // a key after `key:\n- items` at the key's indentation
      at = next.pos;
    }
    return result;
  }

  // `|` or `>` with optional chomping (+ -) and indentation (1-9) indicators.
  blockScalar(pos, parent) {
    const { text } = this;
    const folded = text[pos] === ">";
    let i = pos + 1;
    let chomp = "clip";
    let explicit = 0;
    for (let k = 0; k < 2; k++) {
      if ((text[i] === "+" || text[i] === "-") && chomp === "clip") chomp = text[i++] === "+" ? "keep" : "strip";
      else if (/[1-9]/.test(text[i] || "") && !explicit) explicit = Number(text[i++]);
    }
    if (i < text.length && !" \t\n".includes(text[i])) this.fail(`expected \`+\`, \`-\` or an indentation digit after \`${text[pos]}\`, then a new line`, i);
    this.endLine(i, `\`${text.slice(pos, i)}\``);
    const base = Math.max(parent, -1) + 1;
    let indent = explicit ? Math.max(parent, 0) + explicit : 0;
    const lines = [];
    while (this.pos < text.length) {
      const end = text.indexOf("\n", this.pos) < 0 ? text.length : text.indexOf("\n", this.pos);
      const line = text.slice(this.pos, end);
      const spaces = line.length - line.replace(/^ +/, "").length;
      if (line.trim() === "") {
        lines.push("");
      } else {
        if (!indent) {
          if (spaces < base) break;
          indent = spaces;
        }
        if (spaces < indent) break;
        lines.push(line.slice(indent));
      }
      this.pos = end < text.length ? end + 1 : text.length;
    }
    // blank lines after the block belong to the chomping, the next content to whoever comes next
    let trailing = 0;
    while (lines.length && lines[lines.length - 1] === "") {
      lines.pop();
      trailing++;
    }
    let body;
    if (!folded) body = lines.join("\n");
    else {
      // folded: a line break between two ordinary lines is a space, empty lines are line breaks,
      // and more-indented lines keep theirs
      body = "";
      let empties = 0;
      let previous = null; // whether the previous line was more indented, null before the first
      for (const line of lines) {
        if (line === "") {
          empties++;
          continue;
        }
        const more = line[0] === " " || line[0] === "\t";
        if (previous === null) body += "\n".repeat(empties);
        else if (!more && !previous) body += empties ? "\n".repeat(empties) : " ";
        else body += "\n".repeat(empties + 1);
        body += line;
        previous = more;
        empties = 0;
      }
    }
    if (!lines.length) return chomp === "keep" ? "\n".repeat(trailing) : "";
    if (chomp === "strip") return body;
    if (chomp === "keep") return body + "\n".repeat(trailing + 1);
    return body + "\n";
  }

  // A quoted scalar at pos (over several lines when it must); leaves this.pos after the closing quote.
  quoted(pos, oneLine = false) {
    const { text } = this;
    const quote = text[pos];
    let out = "";
    let i = pos + 1;
    for (;;) {
      if (i >= text.length || (oneLine && text[i] === "\n")) this.fail(`a ${quote === '"' ? "double" : "single"}-quoted string is not closed`, pos);
      const c = text[i];
      if (quote === "'" && c === "'") {
        if (text[i + 1] === "'") {
          out += "'";
          i += 2;
          continue;
        }
        break;
      }
      if (quote === '"' && c === '"') break;
      if (quote === '"' && c === "\\") {
        const e = text[i + 1];
        if (e === "\n") {
          // an escaped line break: the next line continues without a space
          i += 2;
          while (text[i] === " " || text[i] === "\t") i++;
          continue;
        }
        const width = { x: 2, u: 4, U: 8 }[e];
        if (width) {
          const hex = text.slice(i + 2, i + 2 + width);
          if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(hex)) this.fail(`\\${e} needs ${width} hex digits`, i);
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + width;
          continue;
        }
        if (!(e in ESCAPES)) this.fail(`unknown escape \\${e === undefined ? "" : e} in a double-quoted string`, i);
        out += ESCAPES[e];
        i += 2;
        continue;
      }
      if (c === "\n") {
        // a line break folds into a space, empty lines into line breaks; lines are trimmed
        out = out.replace(/[ \t]+$/, "");
        let empties = 0;
        i++;
        for (;;) {
          let j = i;
          while (text[j] === " " || text[j] === "\t") j++;
          if (text[j] === "\n") {
            empties++;
            i = j + 1;
          } else {
            i = j;
            break;
          }
        }
        out += empties ? "\n".repeat(empties) : " ";
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i + 1;
    return out;
  }

  skipFlowSpace() {
    const { text } = this;
    for (;;) {
      const c = text[this.pos];
      if (c === " " || c === "\t" || c === "\n") this.pos++;
      else if (c === "#" && [" ", "\t", "\n", undefined].includes(text[this.pos - 1])) {
        const end = text.indexOf("\n", this.pos);
        this.pos = end < 0 ? text.length : end;
      } else return;
    }
  }

  // A flow collection or scalar at pos; leaves this.pos after it.
  flow(pos) {
    const { text } = this;
    this.pos = pos;
    const c = text[pos];
    if (c === "[" || c === "{") {
      const close = c === "[" ? "]" : "}";
      const result = c === "[" ? [] : {};
      const seen = new Set();
      this.pos++;
      for (;;) {
        this.skipFlowSpace();
        if (this.pos >= text.length) this.fail(`\`${c}\` is not closed`, pos);
        if (text[this.pos] === close) {
          this.pos++;
          return result;
        }
        const at = this.pos;
        if (c === "[") {
          this.note(result, result.length, at);
          result.push(this.flow(this.pos));
          this.skipFlowSpace();
          if (text[this.pos] === ":") this.fail("`key: value` pairs inside `[...]` are not supported: use `{key: value}`", this.pos);
        } else {
          const key = this.flowKey();
          if (seen.has(key)) this.fail(`the key ${JSON.stringify(key)} is given twice`, at);
          seen.add(key);
          this.note(result, key, at);
          const keyLine = this.line(this.pos);
          this.skipFlowSpace();
          if (text[this.pos] === ":" && this.line(this.pos) !== keyLine) this.fail("a key and its `:` must be on one line", this.pos);
          if (text[this.pos] === ":") {
            this.pos++;
            this.skipFlowSpace();
            result[key] = text[this.pos] === "," || text[this.pos] === "}" ? null : this.flow(this.pos);
          } else result[key] = null;
        }
        this.skipFlowSpace();
        if (text[this.pos] === ",") this.pos++;
        else if (text[this.pos] !== close) {
          if (this.pos >= text.length) this.fail(`\`${c}\` is not closed`, pos);
          const hint = this.line(this.pos) !== this.line(at) ? " (a value continued on a new line must be quoted)" : "";
          this.fail(`expected \`,\` or \`${close}\`${hint}`, this.pos);
        }
      }
    }
    if (c === '"' || c === "'") return this.quoted(pos);
    if (c === "]" || c === "}" || c === ",") this.fail(`unexpected \`${c}\``, pos);
    if (c === "|" || c === ">") this.fail("block scalars (`|`, `>`) cannot be inside `[...]` or `{...}`", pos);
    if (c === ":") this.fail("`:` cannot start a value inside `[...]` or `{...}`: quote the value", pos);
    this.unsupported(pos);
    const end = this.flowPlainEnd(pos);
    this.pos = end;
    return typed(text.slice(pos, end).replace(/[ \t]+$/, ""), this.line(pos));
  }

  // Where a plain scalar inside `[...]` / `{...}` ends: at `,` `[` `]` `{` `}`, a line end, `: ` or ` #`.
  flowPlainEnd(start) {
    const { text } = this;
    let end = start;
    while (end < text.length && !",[]{}\n".includes(text[end])) {
      if (text[end] === ":" && " \t\n,[]{}".includes(text[end + 1] || "\n")) break;
      if (text[end] === "#" && (text[end - 1] === " " || text[end - 1] === "\t")) break;
      end++;
    }
    return end;
  }

  // A key inside `{...}`: quoted, or plain up to the `:` (JSON's `"a":1` too).
  flowKey() {
    const { text } = this;
    const c = text[this.pos];
    if (c === '"' || c === "'") return this.quoted(this.pos);
    if (c === "[" || c === "{") this.fail("a collection cannot be a key", this.pos);
    if (c === ":") this.fail("`:` cannot start a key inside `{...}`: quote the key", this.pos);
    this.unsupported(this.pos);
    const start = this.pos;
    const end = this.flowPlainEnd(start);
    if (end === start) this.fail("expected a key", start);
    this.pos = end;
    return text.slice(start, end).replace(/[ \t]+$/, "");
  }
}

// ---- writing ----

// Words and numbers some YAML reader (1.1 or 1.2) would not take as the string they are.
const SPECIAL = /^(?:~|null|true|false|yes|no|on|off|y|n|\.inf|[-+]\.inf|\.nan|<<|=)$/i;
const NUMBERISH = /^[-+]?(?:[0-9]|\.[0-9])|^[-+]?0[xob]|^[-+]?\.(?:inf|nan)$/i;
const INDICATOR = /^[-?:,[\]{}#&*!|>'"%@`\s]/;

function plainOk(s) {
  if (s === "" || SPECIAL.test(s) || NUMBERISH.test(s) || INDICATOR.test(s)) return false;
  if (/\s$/.test(s) || /:$/.test(s) || /: |:\t| #|\t#/.test(s)) return false;
  if (/^(?:---|\.\.\.)/.test(s)) return false;
  // no control characters or other line breaks, no lone surrogates (write those escaped)
  return !/[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "x"));
}

function quote(s) {
  return JSON.stringify(s).replace(/[\x7f-\x9f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function scalar(s) {
  return plainOk(s) ? s : quote(s);
}

// A multi-line string as a literal block `|` when that writes it exactly.
function literal(s, indent) {
  if (!s.includes("\n") || /^[ \t\n]|[ \t]\n|[ \t]$/.test(s)) return null;
  if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "x"))) return null;
  const body = s.replace(/\n+$/, "");
  const trailing = s.length - body.length;
  const header = trailing === 0 ? "|-" : trailing === 1 ? "|" : "|+";
  const pad = " ".repeat(indent);
  const lines = (trailing > 1 ? s.slice(0, -1) : body).split("\n").map((l) => (l ? pad + l : ""));
  return `${header}\n${lines.join("\n")}`;
}

export function dumpYaml(value) {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && !Object.keys(value).length) return "{}\n";
  return `${block(value, 0)}\n`;
}

function isCollection(value) {
  return value !== null && typeof value === "object" && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);
}

// A value after `key:` or `- ` at nesting `indent` (the column of its key or dash).
function inlineValue(value, indent) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${value} cannot be written as run config`);
    // 1e+21 → 1.0e+21: with a dot, a YAML 1.1 reader (PyYAML) takes it for a number too
    return Object.is(value, -0) ? "0" : String(value).replace(/^(-?\d+)e/, "$1.0e");
  }
  if (typeof value === "string") return literal(value, indent + 2) || scalar(value);
  if (Array.isArray(value)) return "[]";
  return "{}";
}

function block(value, indent) {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (isCollection(item)) return `${pad}- ${block(item, indent + 2).slice(indent + 2)}`;
        return `${pad}- ${inlineValue(item, indent)}`;
      })
      .join("\n");
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value)
      .map(([key, item]) => {
        const name = `${pad}${scalar(key)}:`;
        if (isCollection(item)) return `${name}\n${block(item, indent + 2)}`;
        return `${name} ${inlineValue(item, indent)}`;
      })
      .join("\n");
  }
  return inlineValue(value, -2);
}
