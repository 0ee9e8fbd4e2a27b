"""Dynamic outputs as Dagster documents them: an op yields DynamicOutputs, `.map()` runs downstream ops
once per value (steps "op[key]"), `.collect()` fans them back in, in yield order; in process and in a
multiprocess run through the worker's entry point (values through the filesystem IO manager)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdk as dg
from sdk.execution import execute_run


class Factor(dg.Config):
    factor: int = 1


@dg.op(out=dg.DynamicOut())
def files():  # type: ignore[no-untyped-def]
    for name in ["b", "a", "c"]:
        yield dg.DynamicOutput(name.upper(), mapping_key=name)


@dg.op
def lower(context: dg.OpExecutionContext, text: str) -> str:
    if text == "A" and context.run.tags.get("fail_a"):
        raise ValueError("cannot read a")
    return f"{context.get_mapping_key()}:{text.lower()}"


@dg.op
def repeat(config: Factor, text: str) -> str:
    return text * config.factor


@dg.op
def join(context: dg.OpExecutionContext, texts: list) -> str:
    context.log.info("joined " + ",".join(texts))
    return ",".join(texts)


@dg.job
def fan_out() -> None:
    join(files().map(lower).map(repeat).collect())


def _successes(result: dg.ExecuteInProcessResult) -> list[str]:
    return sorted(e.step_key for e in result.all_events if e.is_step_success)


def test_map_and_collect_run_one_step_per_value_in_yield_order() -> None:
    result = fan_out.execute_in_process(run_config={"ops": {"repeat": {"config": {"factor": 2}}}})
    assert result.output_for_node("join") == "b:bb:b,a:aa:a,c:cc:c"
    assert result.output_for_node("files") == {"b": "B", "a": "A", "c": "C"}
    assert result.output_for_node("lower") == {"b": "b:b", "a": "a:a", "c": "c:c"}
    assert _successes(result) == [
        "files",
        "join",
        "lower[a]",
        "lower[b]",
        "lower[c]",
        "repeat[a]",
        "repeat[b]",
        "repeat[c]",
    ]


def test_a_failed_value_skips_its_chain_and_the_collect_the_others_run() -> None:
    result = fan_out.execute_in_process(tags={"fail_a": "1"}, raise_on_error=False)
    assert not result.success
    assert result.get_failed_step_keys() == {"lower[a]"}
    skipped = sorted(e.step_key for e in result.all_events if e.is_step_skipped)
    assert skipped == ["join", "repeat[a]"]
    assert sorted(result.output_for_node("repeat")) == ["b", "c"]


def test_no_values_collect_to_an_empty_list_and_other_outputs_join_mapped_calls() -> None:
    @dg.op(out=dg.DynamicOut())
    def nothing():  # type: ignore[no-untyped-def]
        return
        yield

    @dg.op(out={"items": dg.DynamicOut(), "offset": dg.Out()})
    def mixed():  # type: ignore[no-untyped-def]
        yield dg.Output(10, "offset")
        for i in range(3):
            yield dg.DynamicOutput(i, mapping_key=f"n{i}", output_name="items")

    @dg.op
    def add(value: int, offset: int) -> int:
        return value + offset

    @dg.op
    def total(values: list) -> int:
        return sum(values)

    @dg.job
    def empty() -> None:
        total(nothing().map(add.alias("never")).collect())

    @dg.job
    def offsets() -> None:
        items, offset = mixed()
        total(items.map(lambda item: add(item, offset)).collect())

    assert empty.execute_in_process().output_for_node("total") == 0
    assert offsets.execute_in_process().output_for_node("total") == 33


def test_misused_dynamic_outputs_are_definition_errors() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"use \.map\(fn\) to run it per value"):

        @dg.job
        def direct() -> None:
            join(files())

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="mapping_key 'a-b' must be letters"):
        dg.DynamicOutput(1, mapping_key="a-b")

    @dg.op
    def yields_dynamic():  # type: ignore[no-untyped-def]
        yield dg.DynamicOutput(1, mapping_key="x")

    @dg.job
    def undeclared() -> None:
        yields_dynamic()

    result = undeclared.execute_in_process(raise_on_error=False)
    assert "which is not a DynamicOut" in result.get_step_failure_events()[0].step_failure_data.error.message


def test_dynamic_steps_run_in_forked_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))
    job = fan_out.graph.to_job(name="forked", executor_def=dg.multiprocess_executor)
    events: list[dg.Event] = []
    ok = execute_run(
        dg.Definitions(jobs=[job]),
        run_id="dyn",
        job_name="forked",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    assert ok, [e.message for e in events if e.error]
    assert "joined b:b,a:a,c:c" in [e.message for e in events if e.type == "LOG"]
    assert sorted((tmp_path / "dyn" / "files" / "result").iterdir()) == [
        tmp_path / "dyn" / "files" / "result" / k for k in "abc"
    ]
