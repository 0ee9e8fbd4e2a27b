"""Dagster's asset selection syntax, evaluated as set operations over the global asset graph.

Two forms, tried as Dagster tries them (AssetSelection.from_string):
- the plain list: comma-separated keys, each optionally with `*` (all upstream / downstream) or
  `+`s (that many layers): `a/b, +c, d*, *e+`;
- the expression grammar (docs.dagster.io "Asset selection syntax reference", AssetSelection.g4):
  `key:"a/b"`, `key:prefix_*`, `tag:t`, `tag:t=v`, `owner:o`, `group:g`, `kind:k`, `code_location:l`
  (values bare or "quoted"); `+x` / `x+` all upstream / downstream and `2+x` / `x+3` that many layers;
  `*` for every asset; `and`, `or`, `not`, parentheses; `roots(x)`, `sinks(x)` (the selection's own
  roots and sinks). Weir also takes a bare key as an operand (`a/b and group:g`), with a layer count
  when traversed (`1+a/b`): a bare `+a/b` is the plain list's one layer, so inside an expression it
  is refused rather than silently meaning all layers.
`status:` is applied by a caller that knows statuses (the web UI), through `filters`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from host.domain.asset_graph import GlobalAssetGraph
from host.errors import ConfigError

ATTRIBUTES = ("key", "tag", "owner", "group", "kind", "code_location")
CALLER_ATTRIBUTES = ("status",)  # evaluated by the caller's `filters`
DAGSTER_PLUS_ONLY = ("column", "table_name", "column_tag", "changed_in_branch")
WHAT = {
    "key": "an asset key",
    "tag": "a tag name",
    "owner": "an owner",
    "group": "a group name",
    "kind": "a kind",
    "code_location": "a code location name",
    "status": "a status",
}
OPERAND = "an asset key, a filter (key:, group:, tag:, kind:, owner:, code_location:), *, ( or roots(/sinks("

_PLAIN_CLAUSE = re.compile(r"(\*|\+*)([\w./\-\[\]]+?)(\*|\+*)")
_WORD = re.compile(r"[A-Za-z_][\w]*")
_BARE_KEY = re.compile(r"[\w./\-]+")
_VALUE = re.compile(r"[\w][\w./@\-]*")
_KEY_VALUE = re.compile(r"[\w*][\w./@\-*]*")
_DIGITS = re.compile(r"\d+")
_WORD_CHAR = re.compile(r"[\w:/.\-]")
_PEEK = re.compile(r"[^\s()]+|.")

Filters = Mapping[str, Callable[[str], Iterable[int]]]


class SelectionError(ConfigError):
    """An asset selection that does not parse, or names what does not exist."""


def select(graph: GlobalAssetGraph, text: str, *, strict: bool = True, filters: Filters | None = None) -> set[int]:
    """The numbers of the nodes `text` selects. With `strict`, an exact key that names no asset is an
    error (what a command wants); without, it selects nothing (what a search box wants)."""
    return parse_selection(text).evaluate(_Context(graph, text, strict, filters or {}))


def parse_selection(text: str) -> Expr:
    """The expression tree of `text` (a SelectionError says where and what was expected)."""
    plain = _plain_list(text)
    return plain if plain is not None else _Parser(text).parse()


# ---- the expression tree ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    graph: GlobalAssetGraph
    text: str
    strict: bool
    filters: Filters

    def error(self, at: int, message: str) -> SelectionError:
        return _error(self.text, at, message)


class Expr:
    at: int  # where it starts in the text (0-based), for messages

    def evaluate(self, ctx: _Context) -> set[int]:
        raise NotImplementedError


@dataclass(frozen=True)
class All(Expr):
    at: int

    def evaluate(self, ctx: _Context) -> set[int]:
        return set(range(len(ctx.graph)))


@dataclass(frozen=True)
class Attribute(Expr):
    at: int
    name: str
    value: str
    tag_value: str | None = None

    def evaluate(self, ctx: _Context) -> set[int]:
        nodes, name, value = ctx.graph.nodes, self.name, self.value
        if name == "key":
            return _keys(ctx, self.at, value, wildcard=True)
        if name == "group":
            return {i for i, n in enumerate(nodes) if n.group == value}
        if name == "code_location":
            return {i for i, n in enumerate(nodes) if n.location == value}
        if name == "kind":
            return {i for i, n in enumerate(nodes) if value in n.kinds}
        if name == "owner":
            return {i for i, n in enumerate(nodes) if value in n.owners}
        if name == "tag":
            # As Dagster (and sdk.AssetSelection.from_string): `tag:t` is the tag t with an empty value.
            wanted = self.tag_value or ""
            return {i for i, n in enumerate(nodes) if n.tags.get(value) == wanted}
        resolve = ctx.filters.get(name)
        if resolve is None:
            raise ctx.error(
                self.at, f"{name}: is applied by the web UI, which knows statuses; it is not available here"
            )
        return set(resolve(value))


@dataclass(frozen=True)
class BareKey(Expr):
    at: int
    key: str

    def evaluate(self, ctx: _Context) -> set[int]:
        return _keys(ctx, self.at, self.key, wildcard=False)


@dataclass(frozen=True)
class Walk(Expr):
    """The operand with `up` layers of its upstream and `down` of its downstream (None: all; 0: none)."""

    at: int
    operand: Expr
    up: int | None = 0
    down: int | None = 0

    def evaluate(self, ctx: _Context) -> set[int]:
        start = self.operand.evaluate(ctx)
        found = set(start)
        if self.up != 0:
            found |= _walk(ctx.graph.upstream, start, self.up)
        if self.down != 0:
            found |= _walk(ctx.graph.downstream, start, self.down)
        return found


@dataclass(frozen=True)
class Ends(Expr):
    """roots(x): the nodes of x with no upstream in x; sinks(x): with no downstream in x."""

    at: int
    function: str
    operand: Expr

    def evaluate(self, ctx: _Context) -> set[int]:
        found = self.operand.evaluate(ctx)
        edges = ctx.graph.upstream if self.function == "roots" else ctx.graph.downstream
        return {v for v in found if found.isdisjoint(edges[v])}


@dataclass(frozen=True)
class Not(Expr):
    at: int
    operand: Expr

    def evaluate(self, ctx: _Context) -> set[int]:
        return set(range(len(ctx.graph))) - self.operand.evaluate(ctx)


@dataclass(frozen=True)
class Binary(Expr):
    at: int
    op: str  # "and" | "or"
    left: Expr
    right: Expr

    def evaluate(self, ctx: _Context) -> set[int]:
        left, right = self.left.evaluate(ctx), self.right.evaluate(ctx)
        return left & right if self.op == "and" else left | right


@dataclass(frozen=True)
class Union(Expr):
    """The plain list: the union of its clauses."""

    at: int
    clauses: tuple[Expr, ...]

    def evaluate(self, ctx: _Context) -> set[int]:
        found: set[int] = set()
        for clause in self.clauses:
            found |= clause.evaluate(ctx)
        return found


def _keys(ctx: _Context, at: int, pattern: str, *, wildcard: bool) -> set[int]:
    if wildcard and "*" in pattern:
        regex = re.compile(".*".join(map(re.escape, pattern.split("*"))))
        return {i for i, n in enumerate(ctx.graph.nodes) if regex.fullmatch(n.key)}
    i = ctx.graph.index.get(pattern)
    if i is not None:
        return {i}
    if ctx.strict:
        raise ctx.error(at, f"no asset {pattern!r} in any loaded location (`weir assets` lists them)")
    return set()


def _walk(edges: list[list[int]], start: set[int], depth: int | None) -> set[int]:
    """Breadth-first from `start` along `edges`, at most `depth` layers (None: all)."""
    seen = set(start)
    frontier = list(start)
    layer = 0
    while frontier and (depth is None or layer < depth):
        found = []
        for v in frontier:
            for w in edges[v]:
                if w not in seen:
                    seen.add(w)
                    found.append(w)
        frontier = found
        layer += 1
    return seen


# ---- parsing ------------------------------------------------------------------------------------------


def _error(text: str, at: int, message: str) -> SelectionError:
    return SelectionError(f"selection {text!r} at column {at + 1}: {message}")


def _plain_list(text: str) -> Expr | None:
    """The plain list form (`a, +b, c*`), or None when `text` is not in that form."""
    clauses: list[Expr] = []
    at = 0
    for part in text.split(","):
        start = at + len(part) - len(part.lstrip())
        at += len(part) + 1
        match = _PLAIN_CLAUSE.fullmatch(part.strip())
        if match is None:
            return None
        up, key, down = match.groups()
        if key == "*" or not key:
            return None
        key_at = start + len(up)
        clauses.append(Walk(start, BareKey(key_at, key), _plain_depth(up), _plain_depth(down)))
    return clauses[0] if len(clauses) == 1 else Union(0, tuple(clauses))


def _plain_depth(marks: str) -> int | None:
    return None if marks == "*" else len(marks)


class _Parser:
    """Recursive descent straight over the text: not binds tighter than and, and than or."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def parse(self) -> Expr:
        expr = self.or_expr()
        self.skip()
        if self.at < len(self.text):
            found = self.text[self.at]
            if found == ",":
                raise self.error("',' separates keys only in a plain list (a, +b, c*); join expressions with 'or'")
            if found == ")":
                raise self.error("')' has no '(' to close")
            raise self.error(f"expected 'and', 'or' or the end, found {self.peek_text()!r}")
        return expr

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while (at := self.keyword("or")) is not None:
            left = Binary(at, "or", left, self.and_expr())
        return left

    def and_expr(self) -> Expr:
        left = self.not_expr()
        while (at := self.keyword("and")) is not None:
            left = Binary(at, "and", left, self.not_expr())
        return left

    def not_expr(self) -> Expr:
        at = self.keyword("not")
        if at is not None:
            return Not(at, self.not_expr())
        return self.walk()

    def walk(self) -> Expr:
        self.skip()
        start = self.at
        if self.take("*"):
            if self.word_follows():
                raise _error(
                    self.text,
                    start,
                    "'*' before a key means all upstream in a plain list; in an expression write +key:...",
                )
            return All(start)
        up = self.up_marks()
        operand = self.operand()
        down = self.down_marks()
        if (up, down) == (0, 0):
            return operand
        if isinstance(operand, BareKey) and None in (up, down):
            key = operand.key
            one, all_ = (f"1+{key}", f"+key:{key}") if up is None else (f"{key}+1", f"key:{key}+")
            raise _error(
                self.text,
                start,
                f"'+' on a bare key means one layer in a plain list; in an expression write {one} "
                f"(one layer) or {all_} (all layers)",
            )
        return Walk(start, operand, up, down)

    def up_marks(self) -> int | None:
        """`+` (all) or `N+` before an operand; 0 when there is none."""
        digits = _DIGITS.match(self.text, self.at)
        if digits and self.text.startswith("+", digits.end()):
            self.at = digits.end() + 1
            return int(digits.group())
        return None if self.take("+") else 0

    def down_marks(self) -> int | None:
        self.skip()
        if not self.take("+"):
            return 0
        self.skip()
        digits = _DIGITS.match(self.text, self.at)
        if digits:
            self.at = digits.end()
            return int(digits.group())
        return None

    def operand(self) -> Expr:
        self.skip()
        start = self.at
        if self.take("("):
            inner = self.or_expr()
            self.expect(")", f"expected ')' to close the '(' at column {start + 1}")
            return inner
        word = _WORD.match(self.text, self.at)
        if word:
            name = word.group()
            after = word.end()
            rest = self.text[after:].lstrip()
            if rest.startswith(":"):
                self.at = self.text.index(":", after) + 1
                return self.attribute(start, name)
            if name in ("roots", "sinks") and rest.startswith("("):
                self.at = self.text.index("(", after) + 1
                inner = self.or_expr()
                self.expect(")", f"expected ')' to close {name}( at column {start + 1}")
                return Ends(start, name, inner)
            if name.lower() in ("and", "or", "not"):
                raise self.error(f"expected {OPERAND} before {name!r}")
        key = _BARE_KEY.match(self.text, self.at)
        if key and not key.group().isdigit():
            self.at = key.end()
            return BareKey(start, key.group())
        if self.at >= len(self.text):
            raise self.error(f"expected {OPERAND}")
        raise self.error(f"expected {OPERAND}, found {self.peek_text()!r}")

    def attribute(self, start: int, name: str) -> Expr:
        if name in DAGSTER_PLUS_ONLY:
            raise _error(self.text, start, f"{name}: is a Dagster+ filter that Weir does not have")
        if name not in ATTRIBUTES and name not in CALLER_ATTRIBUTES:
            known = ", ".join(f"{a}:" for a in (*ATTRIBUTES, *CALLER_ATTRIBUTES))
            raise _error(self.text, start, f"unknown filter {name}: (filters: {known})")
        value = self.value(WHAT[name], key=name == "key")
        if name != "tag" or not self.text.startswith("=", self.at):
            return Attribute(start, name, value)
        self.at += 1
        return Attribute(start, name, value, self.value("a tag value", key=False))

    def value(self, what: str, *, key: bool) -> str:
        """A "quoted" value, or a bare one (keys may hold * wildcards)."""
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
            found = f", found {self.peek_text()!r}" if self.at < len(self.text) else ""
            raise self.error(f"expected {what}{found}")
        self.at = match.end()
        return match.group()

    # ---- scanning ----

    def skip(self) -> None:
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def take(self, char: str) -> bool:
        if self.text.startswith(char, self.at):
            self.at += len(char)
            return True
        return False

    def expect(self, char: str, message: str) -> None:
        self.skip()
        if not self.take(char):
            raise self.error(message)

    def keyword(self, word: str) -> int | None:
        """Take `word` (any case) when it stands alone here; its position, else None."""
        self.skip()
        end = self.at + len(word)
        if self.text[self.at : end].lower() == word and not _WORD_CHAR.match(self.text, end):
            at, self.at = self.at, end
            return at
        return None

    def word_follows(self) -> bool:
        return bool(_BARE_KEY.match(self.text, self.at))

    def peek_text(self) -> str:
        match = _PEEK.match(self.text, self.at)
        return match.group() if match else ""

    def error(self, message: str) -> SelectionError:
        return _error(self.text, self.at, message)
