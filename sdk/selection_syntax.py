"""AssetSelection.from_string: Dagster's selection syntax parsed into AssetSelection objects.

Two forms, tried in Dagster's order:
- the plain list: comma-separated keys, each with `*` (every layer) or `+`s (that many layers) before
  (upstream) or after (downstream): `a/b, +c, d*, *e+`;
- the expression grammar: `key:"a/b"`, `key:prefix_*`, `tag:t` (the tag t with an empty value, as
  Dagster evaluates it), `tag:t=v`, `owner:o`, `group:g`,
  `kind:k` (values bare or "quoted"); `+x` / `x+` every layer upstream / downstream, `2+x` / `x+3` that
  many; `*` for every asset; `and`, `or`, `not`, parentheses; `roots(x)`, `sinks(x)`. A bare key is an
  operand too (`a/b and group:g`).
The host's web UI evaluates the same grammar over the global graph (host/domain/asset_selection.py;
the host never imports sdk, so each side has its own parser).
"""

from __future__ import annotations

import re

from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetKey
from sdk.selection import AssetSelection, _Attribute, _Groups, _KeyPattern, _Keys, _Walk

_PLAIN_CLAUSE = re.compile(r"(\*|\+*)([\w./\-\[\]]+?)(\*|\+*)")
_WORD = re.compile(r"[A-Za-z_]\w*")
_BARE_KEY = re.compile(r"[\w./\-]+")
_VALUE = re.compile(r"\w[\w./@\-]*")
_KEY_VALUE = re.compile(r"[\w*][\w./@\-*]*")
_DIGITS = re.compile(r"\d+")
_ATTRIBUTES = ("key", "tag", "owner", "group", "kind")
_OPERAND = "an asset key, a filter (key:, group:, tag:, kind:, owner:), *, ( or roots(/sinks("


def parse(text: str) -> AssetSelection:
    plain = _plain_list(text)
    return plain if plain is not None else _Parser(text).parse()


def _error(text: str, at: int, message: str) -> DagsterInvalidDefinitionError:
    return DagsterInvalidDefinitionError(f"Asset selection {text!r} at column {at + 1}: {message}")


def _walked(selection: AssetSelection, up: int | None, down: int | None) -> AssetSelection:
    """selection with `up` layers upstream and `down` downstream (None: every layer; 0: none)."""
    out = selection
    if up != 0:
        out = _Walk(out, "up", up, True)
    if down != 0:
        out = out | _Walk(selection, "down", down, True)
    return out


def _key(text: str) -> AssetSelection:
    return _Keys((AssetKey(text.split("/")),))


def _plain_list(text: str) -> AssetSelection | None:
    clauses: list[AssetSelection] = []
    for part in text.split(","):
        match = _PLAIN_CLAUSE.fullmatch(part.strip())
        if match is None:
            return None
        up, key, down = match.groups()
        if not key or key == "*":
            return None
        clauses.append(_walked(_key(key), _depth(up), _depth(down)))
    out = clauses[0]
    for clause in clauses[1:]:
        out = out | clause
    return out


def _depth(marks: str) -> int | None:
    return None if marks == "*" else len(marks)


class _Parser:
    """Recursive descent over the text: not binds tighter than and, and than or."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.bare = False  # whether the last operand was a bare key (no key: filter)

    def error(self, message: str, at: int | None = None) -> DagsterInvalidDefinitionError:
        return _error(self.text, self.at if at is None else at, message)

    def parse(self) -> AssetSelection:
        expr = self.or_expr()
        self.skip()
        if self.at < len(self.text):
            raise self.error(f"expected 'and', 'or' or the end, found {self.text[self.at :]!r}")
        return expr

    def skip(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def take(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.at):
            self.at += len(token)
            return True
        return False

    def keyword(self, word: str) -> bool:
        self.skip()
        match = _WORD.match(self.text, self.at)
        if match and match.group().lower() == word:
            self.at = match.end()
            return True
        return False

    def or_expr(self) -> AssetSelection:
        left = self.and_expr()
        while self.keyword("or"):
            left = left | self.and_expr()
        return left

    def and_expr(self) -> AssetSelection:
        left = self.not_expr()
        while self.keyword("and"):
            left = left & self.not_expr()
        return left

    def not_expr(self) -> AssetSelection:
        if self.keyword("not"):
            return AssetSelection.all() - self.not_expr()
        return self.walk()

    def walk(self) -> AssetSelection:
        self.skip()
        start = self.at
        if self.take("*"):
            return AssetSelection.all()
        up = self.up_marks()
        self.bare = False
        operand = self.operand()
        down = self.down_marks()
        if self.bare and None in (up, down):
            raise self.error(
                "'+' on a bare key means one layer in a plain list; in an expression write 1+key or +key:name",
                start,
            )
        return _walked(operand, up, down)

    def up_marks(self) -> int | None:
        digits = _DIGITS.match(self.text, self.at)
        if digits and self.text.startswith("+", digits.end()):
            self.at = digits.end() + 1
            return int(digits.group())
        return None if self.take("+") else 0

    def down_marks(self) -> int | None:
        if not self.take("+"):
            return 0
        digits = _DIGITS.match(self.text, self.at)
        if digits:
            self.at = digits.end()
            return int(digits.group())
        return None

    def operand(self) -> AssetSelection:
        self.skip()
        start = self.at
        if self.take("("):
            inner = self.or_expr()
            if not self.take(")"):
                raise self.error(f"expected ')' to close the '(' at column {start + 1}")
            return inner
        word = _WORD.match(self.text, self.at)
        if word:
            name, rest = word.group(), self.text[word.end() :].lstrip()
            if rest.startswith(":"):
                self.at = self.text.index(":", word.end()) + 1
                return self.attribute(start, name)
            if name in ("roots", "sinks") and rest.startswith("("):
                self.at = self.text.index("(", word.end()) + 1
                inner = self.or_expr()
                if not self.take(")"):
                    raise self.error(f"expected ')' to close {name}( at column {start + 1}")
                return inner.roots() if name == "roots" else inner.sinks()
        key = _BARE_KEY.match(self.text, self.at)
        if key and not key.group().isdigit():
            self.at = key.end()
            self.bare = True
            return _key(key.group())
        raise self.error(f"expected {_OPERAND}")

    def attribute(self, start: int, name: str) -> AssetSelection:
        if name not in _ATTRIBUTES:
            raise self.error(f"unknown filter {name}: (filters: {', '.join(a + ':' for a in _ATTRIBUTES)})", start)
        value = self.value(key=name == "key")
        if name == "key":
            return _KeyPattern(value) if "*" in value else _key(value)
        if name == "group":
            return _Groups(frozenset([value]))
        tag_value = None if name != "tag" else ""  # as Dagster: "tag:t" is the tag t with an empty value
        if name == "tag" and self.text.startswith("=", self.at):
            self.at += 1
            tag_value = self.value(key=False)
        return _Attribute(name, value, tag_value, False)

    def value(self, *, key: bool) -> str:
        self.skip()
        if self.text.startswith('"', self.at):
            end = self.text.find('"', self.at + 1)
            if end < 0:
                raise self.error('a quoted value has no closing "')
            value = self.text[self.at + 1 : end]
            self.at = end + 1
            return value
        match = (_KEY_VALUE if key else _VALUE).match(self.text, self.at)
        if not match:
            raise self.error("expected a value")
        self.at = match.end()
        return match.group()
