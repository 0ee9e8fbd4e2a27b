"""Turning what a compute function returned or yielded into a list of Output / result objects."""

from __future__ import annotations

from typing import Any

from sdk.checks import AssetCheckResult
from sdk.outputs import AssetMaterialization, AssetObservation, ExpectationResult, MaterializeResult, Output

_RESULT_TYPES = (Output, MaterializeResult, AssetCheckResult, AssetMaterialization, AssetObservation, ExpectationResult)


def normalize_results(step: Any, result: Any) -> list[Any]:
    """Values become Output objects for the op's outputs; result objects pass through."""
    op = step.op
    if step.is_check:
        items = result if isinstance(result, (list, tuple)) else [result]
        return [i for i in items if i is not None]
    if op.signature.is_generator:
        return [i if isinstance(i, _RESULT_TYPES) else Output(i, _only_output(op)) for i in result]
    if isinstance(result, _RESULT_TYPES):
        return [result]
    outputs = _selected_outputs(step)
    if isinstance(result, tuple) and len(outputs) > 1:
        if all(isinstance(r, _RESULT_TYPES) for r in result):
            return list(result)
        return [r if isinstance(r, Output) else Output(r, name) for name, r in zip(outputs, result, strict=False)]
    if isinstance(result, (list, tuple)) and result and all(isinstance(r, _RESULT_TYPES) for r in result):
        return list(result)
    if not outputs:
        return []
    if result is None and op.output_defs[outputs[0]].dagster_type.is_nothing:
        # an op annotated `-> None` has a Nothing output: returning None yields it (downstream ops wait on it)
        return [Output(None, outputs[0])] if step.owner is None else [MaterializeResult()] if len(outputs) == 1 else []
    return [Output(result, outputs[0])]


def _only_output(op: Any) -> str:
    names = list(op.output_defs)
    return names[0] if len(names) == 1 else "result"


def _selected_outputs(step: Any) -> list[str]:
    owner = step.owner
    if owner is None or getattr(owner, "is_graph_leaf", False):  # an op inside a graph-backed asset
        return list(step.op.output_defs)
    selected = owner.selected_keys or frozenset(owner.keys)
    return [out for out, spec in owner.specs_by_output.items() if spec.key in selected]
