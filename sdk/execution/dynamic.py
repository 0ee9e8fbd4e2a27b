"""Dynamic outputs at run time: the plan holds a template for each step mapped over a dynamic output;
once the step that yields the values has run, a template expands into one step per mapping key
("op[key]"), and a collecting step reads the list of their outputs. Both executors (in process and
multiprocess) call these functions between steps, in the run's parent process."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sdk.execution.plan import CollectSource, MappedSource, Step, StepOutputSource


def is_template(step: Step) -> bool:
    return step.mapped_root is not None


def _keys_of(outcome: Any, output_name: str) -> list[str]:
    return list(getattr(outcome, "mapping_keys", {}).get(output_name, []))


def expand(state: Any, template_key: str, outcomes: dict[str, Any]) -> list[str]:
    """The template's steps, one per value its root yielded (none when the root did not succeed)."""
    plan = state.plan
    template = plan.steps[template_key]
    assert template.mapped_root is not None
    root_step, root_output = template.mapped_root
    root = outcomes.get(root_step)
    keys = _keys_of(root, root_output) if getattr(root, "success", False) else []
    expanded = []
    for mapping_key in keys:
        step_key = f"{template_key}[{mapping_key}]"
        inputs = [replace(i, sources=[_concrete(plan, s, mapping_key) for s in i.sources]) for i in template.inputs]
        upstream = {f"{u}[{mapping_key}]" if is_template(plan.steps[u]) else u for u in template.upstream}
        plan.steps[step_key] = replace(
            template, key=step_key, inputs=inputs, upstream=upstream, mapped_root=None, mapping_key=mapping_key
        )
        state.op_configs[step_key] = state.op_configs.get(template_key)
        expanded.append(step_key)
    state.expansions[template_key] = expanded
    return expanded


def _concrete(plan: Any, source: Any, mapping_key: str) -> Any:
    if not isinstance(source, MappedSource):
        return source
    if is_template(plan.steps[source.step_key]):  # chained .map(): the same key's step upstream
        return StepOutputSource(f"{source.step_key}[{mapping_key}]", source.output_name)
    return StepOutputSource(source.step_key, source.output_name, mapping_key)


def settle(state: Any, outcomes: dict[str, Any]) -> None:
    """A template whose steps have all ended gets their combined outcome (what collecting steps wait on)."""
    from sdk.execution.step import StepOutcome

    for template_key, expanded in state.expansions.items():
        if template_key in outcomes or not all(k in outcomes for k in expanded):
            continue
        done = [outcomes[k] for k in expanded]
        ok = all(isinstance(o, StepOutcome) and o.success for o in done)
        failed = next((o for o in done if isinstance(o, StepOutcome) and not o.success), None)
        outputs = set(state.plan.steps[template_key].op.output_defs)  # zero values: collected as []
        outcomes[template_key] = StepOutcome(ok, outputs if ok else set(), failed.error if failed else None)


def skip_template(state: Any, template_key: str, outcomes: dict[str, Any]) -> str | None:
    """Why a template expands to nothing: its root failed or was skipped."""
    root_step, _output = state.plan.steps[template_key].mapped_root
    root = outcomes.get(root_step)
    if getattr(root, "success", False):
        return None
    return f'Skipped "{template_key}": upstream step "{root_step}" did not succeed.'


def resolve_collects(state: Any, step: Step, outcomes: dict[str, Any]) -> Step:
    """A collecting step with its inputs pointing at every value, in yield order."""
    if not any(isinstance(s, CollectSource) for i in step.inputs for s in i.sources):
        return step
    inputs = []
    for inp in step.inputs:
        sources: list[Any] = []
        for source in inp.sources:
            if not isinstance(source, CollectSource):
                sources.append(source)
            elif is_template(state.plan.steps[source.step_key]):
                produced = state.expansions.get(source.step_key, [])
                sources.extend(StepOutputSource(k, source.output_name) for k in produced)
            else:
                keys = _keys_of(outcomes.get(source.step_key), source.output_name)
                sources.extend(StepOutputSource(source.step_key, source.output_name, k) for k in keys)
        inputs.append(replace(inp, sources=sources, is_list=True))
    resolved = replace(step, inputs=inputs)
    state.plan.steps[step.key] = resolved
    return resolved
