"""AssetSelection: a small algebra over asset keys, resolved against a location's asset graph."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sdk.asset_specs import to_dep_key
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetCheckKey, AssetKey, to_asset_key


class AssetSelection:
    """A set of assets, described rather than listed; resolve(graph) gives the keys."""

    def resolve(self, graph: Any) -> set[AssetKey]:
        raise NotImplementedError

    def resolve_checks(self, graph: Any) -> set[AssetCheckKey]:
        """The asset checks selected: by default those of the selected assets (as Dagster)."""
        return set(graph.checks_for(self.resolve(graph)))

    # constructors ---------------------------------------------------------------------------
    @staticmethod
    def all(include_sources: bool = False) -> AssetSelection:
        return _All(include_sources)

    @staticmethod
    def all_asset_checks() -> AssetSelection:
        return _Checks(None, ())

    @staticmethod
    def checks_for_assets(*assets: Any) -> AssetSelection:
        return _Checks(AssetSelection.assets(*assets), ())

    @staticmethod
    def checks(*assets_or_check_keys: Any) -> AssetSelection:
        """Checks by key, or every check of the given assets (asset check definitions give their keys)."""
        check_keys = [c for a in assets_or_check_keys for c in _check_keys_of(a)]
        assets = [a for a in assets_or_check_keys if not _check_keys_of(a)]
        return _Checks(AssetSelection.assets(*assets) if assets else _Keys(()), tuple(check_keys))

    @staticmethod
    def key_substring(key_substring: str, include_sources: bool = False) -> AssetSelection:
        return _KeyPattern(f"*{key_substring}*", include_sources)

    @staticmethod
    def tag(key: str, value: str, include_sources: bool = False) -> AssetSelection:
        return _Attribute("tag", key, value, include_sources)

    @staticmethod
    def tag_string(string: str, include_sources: bool = False) -> AssetSelection:
        """ "key=value" or "key" (a tag with an empty value), as Dagster's tag_string."""
        key, _, value = string.partition("=")
        return _Attribute("tag", key, value, include_sources)

    @staticmethod
    def owner(owner: str) -> AssetSelection:
        return _Attribute("owner", owner, None, False)

    @staticmethod
    def kind(kind: str | None, include_sources: bool = False) -> AssetSelection:
        return _Attribute("kind", kind or "", None, include_sources)

    @staticmethod
    def from_string(string: str) -> AssetSelection:
        """Dagster's selection syntax: "tag:x", "group:g", "kind:k", "owner:o", "key:a*", "+key:a", "a*",
        "a, +b", "not ...", "... and ...", "... or ...", "roots(...)", "sinks(...)"."""
        from sdk.selection_syntax import parse

        return parse(string)

    @staticmethod
    def assets(*assets: Any) -> AssetSelection:
        keys: list[AssetKey] = []
        for value in assets:
            inner = getattr(value, "keys", None)
            keys.extend(list(inner) if inner is not None and not isinstance(value, dict) else [to_dep_key(value)])
        return _Keys(tuple(keys))

    @staticmethod
    def keys(*keys: Any) -> AssetSelection:
        return _Keys(tuple(to_asset_key(k) for k in keys))

    @staticmethod
    def groups(*group_names: str, include_sources: bool = False) -> AssetSelection:
        return _Groups(frozenset(group_names), include_sources)

    @staticmethod
    def key_prefixes(*prefixes: Any, include_sources: bool = False) -> AssetSelection:
        return _Prefixes(tuple(tuple([p] if isinstance(p, str) else p) for p in prefixes), include_sources)

    @staticmethod
    def from_coercible(value: Any) -> AssetSelection:
        """What define_asset_job accepts: a selection, "*", a key string, or a list of keys/assets."""
        if isinstance(value, AssetSelection):
            return value
        if value == "*":
            return _All(False)
        if isinstance(value, str):
            if any(c in value for c in ":*+ ()"):
                return AssetSelection.from_string(value)
            return _Keys((to_asset_key(value),))
        if isinstance(value, Iterable):
            return AssetSelection.assets(*value)
        return AssetSelection.assets(value)

    # derived selections ---------------------------------------------------------------------
    def upstream(self, depth: int | None = None, include_self: bool = True) -> AssetSelection:
        return _Walk(self, "up", depth, include_self)

    def downstream(self, depth: int | None = None, include_self: bool = True) -> AssetSelection:
        return _Walk(self, "down", depth, include_self)

    def roots(self) -> AssetSelection:
        return _Ends(self, "roots")

    def sinks(self) -> AssetSelection:
        return _Ends(self, "sinks")

    def required_multi_asset_neighbors(self) -> AssetSelection:
        return _Neighbors(self)

    def sources(self) -> AssetSelection:
        """Dagster's older name for roots()."""
        return self.roots()

    def materializable(self) -> AssetSelection:
        return _Materializable(self)

    def upstream_source_assets(self) -> AssetSelection:
        """The external (source) assets the selection depends on directly."""
        return _UpstreamSources(self)

    def without_checks(self) -> AssetSelection:
        return _WithoutChecks(self)

    def __or__(self, other: AssetSelection) -> AssetSelection:
        return _Op(self, other, "|")

    def __and__(self, other: AssetSelection) -> AssetSelection:
        return _Op(self, other, "&")

    def __sub__(self, other: AssetSelection) -> AssetSelection:
        return _Op(self, other, "-")

    def __invert__(self) -> AssetSelection:
        return _Op(_All(False), self, "-")

    def resolve_keys(self, graph: Any) -> list[AssetKey]:
        return sorted(self.resolve(graph))


class _All(AssetSelection):
    def __init__(self, include_sources: bool) -> None:
        self.include_sources = include_sources

    def resolve(self, graph: Any) -> set[AssetKey]:
        return graph.all_keys if self.include_sources else graph.executable_keys

    def __repr__(self) -> str:
        return "AssetSelection.all()"


class _Keys(AssetSelection):
    def __init__(self, keys: tuple[AssetKey, ...]) -> None:
        self.selected = keys

    def resolve(self, graph: Any) -> set[AssetKey]:
        missing = [k.to_user_string() for k in self.selected if k not in graph.assets_def_by_key]
        if missing:
            raise DagsterInvalidDefinitionError(
                f"AssetSelection names assets that Definitions does not have: {sorted(missing)}. "
                "Add them to Definitions(assets=...) or fix the keys."
            )
        return set(self.selected)

    def __repr__(self) -> str:
        return f"AssetSelection.keys({', '.join(k.to_user_string() for k in self.selected)})"


def _pool(graph: Any, include_sources: bool) -> set[AssetKey]:
    return graph.all_keys if include_sources else graph.executable_keys


class _Groups(AssetSelection):
    def __init__(self, names: frozenset[str], include_sources: bool = False) -> None:
        self.names, self.include_sources = names, include_sources

    def resolve(self, graph: Any) -> set[AssetKey]:
        return {k for k in _pool(graph, self.include_sources) if graph.group_of(k) in self.names}


class _Prefixes(AssetSelection):
    def __init__(self, prefixes: tuple[tuple[str, ...], ...], include_sources: bool = False) -> None:
        self.prefixes, self.include_sources = prefixes, include_sources

    def resolve(self, graph: Any) -> set[AssetKey]:
        return {k for k in _pool(graph, self.include_sources) if any(k.path[: len(p)] == p for p in self.prefixes)}


class _KeyPattern(AssetSelection):
    """Keys whose user string matches a pattern with * wildcards."""

    def __init__(self, pattern: str, include_sources: bool = False) -> None:
        self.pattern, self.include_sources = pattern, include_sources

    def resolve(self, graph: Any) -> set[AssetKey]:
        regex = re.compile(".*".join(map(re.escape, self.pattern.split("*"))))
        return {k for k in _pool(graph, self.include_sources) if regex.fullmatch(k.to_user_string())}


class _Attribute(AssetSelection):
    """Assets whose spec has a tag (with a value, or any value when None), an owner or a kind."""

    def __init__(self, name: str, value: str, tag_value: str | None, include_sources: bool) -> None:
        self.name, self.value, self.tag_value, self.include_sources = name, value, tag_value, include_sources

    def resolve(self, graph: Any) -> set[AssetKey]:
        out = set()
        for key in _pool(graph, self.include_sources):
            spec = graph.assets_def_by_key[key].spec_for(key)
            if self.name == "tag":
                found = self.value in spec.tags and (self.tag_value is None or spec.tags[self.value] == self.tag_value)
            elif self.name == "owner":
                found = self.value in spec.owners
            elif self.name == "kind":
                found = self.value in spec.kinds
            else:
                found = (spec.group_name or "default") == self.value
            if found:
                out.add(key)
        return out


class _Checks(AssetSelection):
    """Asset checks only: every check (assets None), the checks of some assets, or checks by key."""

    def __init__(self, assets: AssetSelection | None, check_keys: tuple[AssetCheckKey, ...]) -> None:
        self.of_assets, self.check_keys = assets, check_keys

    def resolve(self, graph: Any) -> set[AssetKey]:
        return set()

    def resolve_checks(self, graph: Any) -> set[AssetCheckKey]:
        if self.of_assets is None:
            return set(graph.check_specs)
        missing = [k.to_user_string() for k in self.check_keys if k not in graph.check_specs]
        if missing:
            raise DagsterInvalidDefinitionError(
                f"AssetSelection names asset checks that Definitions does not have: {sorted(missing)}."
            )
        return set(graph.checks_for(self.of_assets.resolve(graph))) | set(self.check_keys)


class _WithoutChecks(AssetSelection):
    def __init__(self, child: AssetSelection) -> None:
        self.child = child

    def resolve(self, graph: Any) -> set[AssetKey]:
        return self.child.resolve(graph)

    def resolve_checks(self, graph: Any) -> set[AssetCheckKey]:
        return set()


class _Materializable(AssetSelection):
    def __init__(self, child: AssetSelection) -> None:
        self.child = child

    def resolve(self, graph: Any) -> set[AssetKey]:
        return self.child.resolve(graph) & graph.executable_keys


class _UpstreamSources(AssetSelection):
    def __init__(self, child: AssetSelection) -> None:
        self.child = child

    def resolve(self, graph: Any) -> set[AssetKey]:
        keys = self.child.resolve(graph)
        parents = {p for k in keys for p in graph.parents.get(k, ())}
        return {p for p in parents if p in graph.assets_def_by_key and p not in graph.executable_keys}


def _check_keys_of(value: Any) -> list[AssetCheckKey]:
    if isinstance(value, AssetCheckKey):
        return [value]
    if hasattr(value, "check_keys") and not hasattr(value, "specs_by_output"):
        return list(value.check_keys)  # an AssetChecksDefinition
    return []


class _Walk(AssetSelection):
    def __init__(self, child: AssetSelection, direction: str, depth: int | None, include_self: bool) -> None:
        self.child, self.direction, self.depth, self.include_self = child, direction, depth, include_self

    def resolve(self, graph: Any) -> set[AssetKey]:
        base = self.child.resolve(graph)
        walk = graph.upstream if self.direction == "up" else graph.downstream
        found = walk(base, self.depth)
        if not self.include_self:
            found -= base
        return found & graph.executable_keys if self.direction == "up" else found


class _Ends(AssetSelection):
    def __init__(self, child: AssetSelection, which: str) -> None:
        self.child, self.which = child, which

    def resolve(self, graph: Any) -> set[AssetKey]:
        keys = self.child.resolve(graph)
        edges = graph.parents if self.which == "roots" else graph.children
        return {k for k in keys if not any(o in keys for o in edges.get(k, ()))}


class _Neighbors(AssetSelection):
    def __init__(self, child: AssetSelection) -> None:
        self.child = child

    def resolve(self, graph: Any) -> set[AssetKey]:
        keys = self.child.resolve(graph)
        out = set(keys)
        for key in keys:
            adef = graph.assets_def_by_key[key]
            if not adef.can_subset:
                out.update(adef.keys)
        return out


class _Op(AssetSelection):
    def __init__(self, left: AssetSelection, right: AssetSelection, op: str) -> None:
        self.left, self.right, self.op = left, right, op

    def resolve(self, graph: Any) -> set[AssetKey]:
        return self._combine(self.left.resolve(graph), self.right.resolve(graph))

    def resolve_checks(self, graph: Any) -> set[AssetCheckKey]:
        return self._combine(self.left.resolve_checks(graph), self.right.resolve_checks(graph))

    def _combine(self, a: set[Any], b: set[Any]) -> set[Any]:
        return a | b if self.op == "|" else a & b if self.op == "&" else a - b
