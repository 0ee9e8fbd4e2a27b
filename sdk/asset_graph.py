"""The resolved graph of a location's assets and checks: keys, dependencies, groups, checks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sdk.assets import AssetsDefinition
from sdk.checks import AssetChecksDefinition, AssetCheckSpec
from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import AssetCheckKey, AssetKey


class AssetGraph:
    """Indexes over Definitions' assets; upstream keys written without a prefix resolve to prefixed ones."""

    def __init__(self, assets: Sequence[AssetsDefinition], checks: Sequence[AssetChecksDefinition]) -> None:
        by_key = _index_by_key(assets)
        self.assets_defs = self._resolve_prefixed_deps(list(dict.fromkeys(by_key.values())), set(by_key))
        self.assets_def_by_key = {k: d for d in self.assets_defs for k in d.keys}
        self.checks_defs = _unique_checks(checks)
        self.parents: dict[AssetKey, tuple[AssetKey, ...]] = {}
        self.children: dict[AssetKey, list[AssetKey]] = {k: [] for k in self.assets_def_by_key}
        for adef in self.assets_defs:
            for key in adef.keys:
                deps = adef.deps_of(key)
                self.parents[key] = deps
                for dep in deps:
                    self.children.setdefault(dep, []).append(key)
        self.check_specs: dict[AssetCheckKey, tuple[AssetCheckSpec, Any]] = {}
        owners: list[AssetsDefinition | AssetChecksDefinition] = [*self.assets_defs, *self.checks_defs]
        for owner in owners:
            for spec in owner.check_specs:
                other = self.check_specs.get(spec.key)
                if other is not None and other[1] is not owner:
                    raise DagsterInvalidDefinitionError(
                        f'Asset check "{spec.key.to_user_string()}" is defined twice in this code location: by '
                        f"{describe(other[1])} and by {describe(owner)}; give one of them another name=."
                    )
                self.check_specs[spec.key] = (spec, owner)

    @staticmethod
    def _resolve_prefixed_deps(defs: list[AssetsDefinition], known: set[AssetKey]) -> list[AssetsDefinition]:
        out = []
        for adef in defs:
            mapping: dict[AssetKey, AssetKey] = {}
            own_prefix = adef.keys[0].path[:-1] if adef.keys else ()
            for dep in {d for k in adef.keys for d in adef.deps_of(k)} | set(adef.keys_by_input.values()):
                if dep not in known and own_prefix:
                    candidate = AssetKey((*own_prefix, *dep.path))
                    if candidate in known:
                        mapping[dep] = candidate
            out.append(adef.with_remapped_deps(mapping) if mapping else adef)
        return out

    @property
    def all_keys(self) -> set[AssetKey]:
        return set(self.assets_def_by_key)

    @property
    def executable_keys(self) -> set[AssetKey]:
        return {k for k, d in self.assets_def_by_key.items() if d.is_executable}

    def group_of(self, key: AssetKey) -> str:
        return self.assets_def_by_key[key].spec_for(key).group_name or "default"

    def upstream(self, keys: Iterable[AssetKey], depth: int | None = None) -> set[AssetKey]:
        return self._walk(keys, self.parents, depth)

    def downstream(self, keys: Iterable[AssetKey], depth: int | None = None) -> set[AssetKey]:
        return self._walk(keys, self.children, depth)

    @staticmethod
    def _walk(keys: Iterable[AssetKey], edges: dict, depth: int | None) -> set[AssetKey]:
        seen = set(keys)
        frontier = list(seen)
        level = 0
        while frontier and (depth is None or level < depth):
            nxt = []
            for key in frontier:
                for other in edges.get(key, ()):
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
            frontier = nxt
            level += 1
        return seen

    def toposort(self, keys: set[AssetKey]) -> list[AssetKey]:
        """Keys in dependency order, deterministic (sorted within each level)."""
        indegree = {k: sum(1 for p in self.parents.get(k, ()) if p in keys) for k in keys}
        ready = sorted(k for k, n in indegree.items() if n == 0)
        order: list[AssetKey] = []
        while ready:
            order.extend(ready)
            nxt = []
            for key in ready:
                for child in self.children.get(key, ()):
                    if child in indegree:
                        indegree[child] -= 1
                        if indegree[child] == 0:
                            nxt.append(child)
            ready = sorted(nxt)
        if len(order) != len(keys):
            cycle = sorted(k.to_user_string() for k, n in indegree.items() if n > 0)
            raise DagsterInvalidDefinitionError(f"Assets depend on each other in a cycle: {cycle[:10]}.")
        return order

    def checks_for(self, keys: set[AssetKey]) -> list[AssetCheckKey]:
        return sorted(k for k in self.check_specs if k.asset_key in keys)


def describe(definition: Any) -> str:
    """Where a definition comes from, for errors: its function and line, or "an AssetSpec"."""
    op = getattr(definition, "op", None)
    if op is None:
        return "an AssetSpec"
    code = getattr(op.compute_fn, "__code__", None)
    where = f" ({code.co_filename}:{code.co_firstlineno})" if code is not None else ""
    return f"function {getattr(op.compute_fn, '__qualname__', op.name)}{where}"


def _index_by_key(assets: Sequence[AssetsDefinition]) -> dict[AssetKey, AssetsDefinition]:
    """Each key to its one definition. The same object twice is fine, and so are equal AssetSpecs."""
    by_key: dict[AssetKey, AssetsDefinition] = {}
    by_node: dict[str, AssetsDefinition] = {}
    for adef in assets:
        for key in adef.keys:
            other = by_key.get(key)
            if (
                other is not None
                and other is not adef
                and (other.is_executable or adef.is_executable or other.spec_for(key) != adef.spec_for(key))
            ):
                both = (
                    "by two different AssetSpecs"
                    if not (other.is_executable or adef.is_executable)
                    else f"by {describe(other)} and by {describe(adef)}"
                )
                raise DagsterInvalidDefinitionError(
                    f'Asset "{key.to_user_string()}" is defined twice in this code location: {both}. Keep one, '
                    "or give one of them another name= or key_prefix=."
                )
            by_key[key] = adef
        if adef.is_executable:
            clash = by_node.setdefault(adef.node_name, adef)
            if clash is not adef:
                raise DagsterInvalidDefinitionError(
                    f'Assets {_keys(clash)} and {_keys(adef)} both run as the step "{adef.node_name}" (keys map to '
                    "step names with / as __); rename one of them."
                )
    return by_key


def _keys(adef: AssetsDefinition) -> str:
    return ", ".join(k.to_user_string() for k in adef.keys)


def _unique_checks(checks: Sequence[AssetChecksDefinition]) -> list[AssetChecksDefinition]:
    return list(dict.fromkeys(checks))
