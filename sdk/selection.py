"""AssetSelection: a small algebra over asset keys, resolved against a location's asset graph."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sdk.asset_specs import to_dep_key
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetKey, to_asset_key


class AssetSelection:
    """A set of assets, described rather than listed; resolve(graph) gives the keys."""

    def resolve(self, graph: Any) -> set[AssetKey]:
        raise NotImplementedError

    # constructors ---------------------------------------------------------------------------
    @staticmethod
    def all(include_sources: bool = False) -> AssetSelection:
        return _All(include_sources)

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
    def groups(*group_names: str) -> AssetSelection:
        return _Groups(frozenset(group_names))

    @staticmethod
    def key_prefixes(*prefixes: Any) -> AssetSelection:
        return _Prefixes(tuple(tuple([p] if isinstance(p, str) else p) for p in prefixes))

    @staticmethod
    def from_coercible(value: Any) -> AssetSelection:
        """What define_asset_job accepts: a selection, "*", a key string, or a list of keys/assets."""
        if isinstance(value, AssetSelection):
            return value
        if value == "*":
            return _All(False)
        if isinstance(value, str):
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

    def __or__(self, other: AssetSelection) -> AssetSelection:
        return _Op(self, other, "|")

    def __and__(self, other: AssetSelection) -> AssetSelection:
        return _Op(self, other, "&")

    def __sub__(self, other: AssetSelection) -> AssetSelection:
        return _Op(self, other, "-")

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


class _Groups(AssetSelection):
    def __init__(self, names: frozenset[str]) -> None:
        self.names = names

    def resolve(self, graph: Any) -> set[AssetKey]:
        return {k for k in graph.executable_keys if graph.group_of(k) in self.names}


class _Prefixes(AssetSelection):
    def __init__(self, prefixes: tuple[tuple[str, ...], ...]) -> None:
        self.prefixes = prefixes

    def resolve(self, graph: Any) -> set[AssetKey]:
        return {k for k in graph.executable_keys if any(k.path[: len(p)] == p for p in self.prefixes)}


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
        a, b = self.left.resolve(graph), self.right.resolve(graph)
        return a | b if self.op == "|" else a & b if self.op == "&" else a - b
