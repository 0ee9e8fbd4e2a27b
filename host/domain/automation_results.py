"""The results of evaluating automation conditions: each node's outcome (`NodeResult`, with the JSON
text storage keeps), an asset's evaluation, and what the next tick reads back (`PreviousEvaluation`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from host.domain.automation_world import EMPTY, PartitionSpace, Subset, World, decode_subset, encode_subset

_UNPARTITIONED = PartitionSpace()


class NodeResult:
    """One node's outcome on one asset: the partitions it is true for, out of how many candidates.
    Shared between assets where the evaluation is (a dep's branch), so treat it as read-only."""

    __slots__ = ("_text", "asset", "candidates", "children", "label", "name", "skipped", "timing", "true")

    def __init__(
        self,
        name: str,
        label: str,
        asset: str,
        true: Subset,
        candidates: int,
        children: list[NodeResult] | None = None,
        skipped: bool = False,
        timing: dict[str, float] | None = None,
    ) -> None:
        self.name, self.label, self.asset, self.true, self.candidates = name, label, asset, true, candidates
        self.children = children or []
        self.skipped = skipped  # no candidates were left: not evaluated
        self.timing = timing  # per partition: when what made it true happened
        self._text: str | None = None

    def to_text(self, world: World, parent_asset: str = "") -> str:
        """The JSON text kept in storage (computed once per node; a shared subtree once per tick):
        {"name", "asset" (only where it differs from the parent's: below a dep operator), "label",
        "true": the true partitions as runs of keys (`encode_subset`; `[""]` or `[]` unpartitioned),
        "true_count" and "candidates" (partitioned assets only), "skipped", "children"}."""
        if self._text is None:
            facts = world.assets.get(self.asset or parent_asset)
            space = facts.space if facts is not None else _UNPARTITIONED
            parts = ['{"name":', _quoted(self.name)]
            if self.asset and self.asset != parent_asset:
                parts += [',"asset":', _quoted(self.asset)]
            if self.label:
                parts += [',"label":', _quoted(self.label)]
            if space.partitioned:
                encoded = json.dumps(encode_subset(space, self.true), separators=(",", ":"))
                parts += [',"true":', encoded, f',"true_count":{len(self.true)},"candidates":{self.candidates}']
            else:
                parts.append(',"true":[""]' if self.true else ',"true":[]')
            if self.skipped:
                parts.append(',"skipped":true')
            if self.children:
                inner = self.asset or parent_asset
                parts += [',"children":[', ",".join(c.to_text(world, inner) for c in self.children), "]"]
            parts.append("}")
            self._text = "".join(parts)
        return self._text


@lru_cache(maxsize=65536)
def _quoted(text: str) -> str:
    return json.dumps(text)


@dataclass(frozen=True)
class PreviousEvaluation:
    """What an asset's previous evaluation left for this one."""

    state: Mapping[str, Subset] = field(default_factory=dict)  # node id -> true subset (since, newly_true)
    versions: Mapping[str, str] = field(default_factory=dict)  # node id -> code version seen
    requested: Subset = EMPTY
    partitions_id: str = ""


@dataclass
class AssetEvaluation:
    key: str
    result: NodeResult
    requested: Subset
    result_text: str  # NodeResult.to_text: what storage keeps and the Host API serves
    memory_json: dict[str, Any]  # what the next tick reads back as a PreviousEvaluation
    _texts: tuple[str, str] | None = None

    @property
    def result_json(self) -> dict[str, Any]:
        return dict(json.loads(self.result_text))

    def texts(self) -> tuple[str, str, str]:
        """(value hash, result JSON, memory JSON): the hash is equal for two evaluations with the same
        results, requests and memory, so an unchanged asset need not be stored again."""
        if self._texts is None:
            memory = json.dumps(self.memory_json, separators=(",", ":"), sort_keys=True)
            digest = hashlib.sha1(f"{self.result_text}\n{memory}".encode()).hexdigest()[:16]
            self._texts = (digest, memory)
        return self._texts[0], self.result_text, self._texts[1]

    def value_hash(self) -> str:
        return self.texts()[0]


def memory_from_json(data: Mapping[str, Any], world: World, key: str) -> PreviousEvaluation:
    """The PreviousEvaluation an evaluation's stored memory and requests stand for."""
    space = world.get(key).space

    def subset(value: Any) -> Subset:
        asset, encoded = value
        return decode_subset(world.get(asset).space, encoded)

    return PreviousEvaluation(
        state={node: subset(value) for node, value in data.get("state", {}).items()},
        versions=dict(data.get("versions", {})),
        requested=decode_subset(space, data.get("requested", [])),
        partitions_id=data.get("partitions_id", ""),
    )
