"""Jobs as Dagster's docs describe them: tags that reach runs, op hooks and custom loggers that run,
op selection and input values. In process, plus one multiprocess run through the worker's entry point."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

import sdk as dg
from sdk.execution import execute_run


@dg.op
def one() -> int:
    return 1


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.op
def fails(x: int) -> int:
    raise ValueError(f"cannot take {x}")


# -- tags -------------------------------------------------------------------------------------------


def test_job_tags_are_the_runs_tags_unless_run_tags_are_given() -> None:
    @dg.op
    def read_tags(context: dg.OpExecutionContext) -> dict:
        return dict(context.run.tags)

    @dg.graph(tags={"graph": "g"})
    def tagged_graph() -> None:
        read_tags()

    @dg.job(tags={"team": "sales"})
    def tagged() -> None:
        read_tags()

    @dg.job(tags={"team": "sales"}, run_tags={"runs": "r"})
    def separate() -> None:
        read_tags()

    result = tagged.execute_in_process(tags={"extra": "x"})
    assert result.output_for_node("read_tags") == {"team": "sales", "extra": "x"}
    assert result.dagster_run.tags == {"team": "sales", "extra": "x"}
    assert separate.execute_in_process().output_for_node("read_tags") == {"runs": "r"}
    assert separate.tags == {"team": "sales"}
    job = tagged_graph.to_job(tags={"job": "j"})
    assert job.tags == {"graph": "g", "job": "j"}
    assert job.execute_in_process().output_for_node("read_tags") == {"graph": "g", "job": "j"}


# -- hooks ------------------------------------------------------------------------------------------


def test_success_and_failure_hooks_run_after_each_step_with_resources_outputs_and_exception() -> None:
    calls: list[tuple] = []

    @dg.success_hook(required_resource_keys={"sink"})
    def record_success(context: dg.HookContext) -> None:
        context.resources.sink.append(("success", context.op.name, context.op_output_values, context.job_name))

    @dg.failure_hook
    def record_failure(context: dg.HookContext) -> None:
        calls.append(("failure", context.op.name, repr(context.op_exception)))

    @dg.job(
        hooks={record_success, record_failure}, resource_defs={"sink": dg.ResourceDefinition.hardcoded_resource(calls)}
    )
    def pipeline() -> None:
        fails(add_one(one()))

    result = pipeline.execute_in_process(raise_on_error=False)
    assert not result.success
    assert calls == [
        ("success", "one", {"result": 1}, "pipeline"),
        ("success", "add_one", {"result": 2}, "pipeline"),
        ("failure", "fails", "ValueError('cannot take 2')"),
    ]
    finished = [e.message for e in result.all_events if "hook" in (e.message or "")]
    assert 'Finished the execution of hook "record_failure" triggered for "fails".' in finished


def test_hooks_on_one_op_a_hook_applied_as_decorator_and_a_failing_hook() -> None:
    calls: list[str] = []

    @dg.success_hook
    def note(context: dg.HookContext) -> None:
        calls.append(context.op.name)

    @dg.success_hook
    def broken(context: dg.HookContext) -> None:
        raise RuntimeError("hook bug")

    @dg.job
    def only_second() -> None:
        add_one.with_hooks({note})(one())

    assert only_second.execute_in_process().success
    assert calls == ["add_one"]

    @broken
    @dg.job
    def decorated() -> None:
        one()

    result = decorated.execute_in_process()
    assert result.success  # a hook never changes the step's outcome
    [error] = [e for e in result.all_events if e.message and e.message.startswith('Hook "broken"')]
    assert "RuntimeError: hook bug" in error.message


def test_asset_job_hooks_and_direct_invocation_with_build_hook_context() -> None:
    seen: list[str] = []

    @dg.success_hook(required_resource_keys={"sink"})
    def on_asset(context: dg.HookContext) -> None:
        context.resources.sink.append(context.op.name)

    @dg.asset
    def orders() -> int:
        return 3

    defs = dg.Definitions(
        assets=[orders],
        jobs=[dg.define_asset_job("nightly", [orders], hooks={on_asset})],
        resources={"sink": dg.ResourceDefinition.hardcoded_resource(seen)},
    )
    assert defs.resolve_job_def("nightly").execute_in_process().success
    assert seen == ["orders"]
    on_asset(dg.build_hook_context(resources={"sink": seen}, op=add_one))
    assert seen == ["orders", "add_one"]


def test_hooks_run_in_each_step_process_of_a_multiprocess_run(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marks = tmp_path / "marks"
    marks.mkdir()

    @dg.success_hook
    def mark(context: dg.HookContext) -> None:
        (marks / context.op.name).write_text(str(context.op_output_values["result"]))

    @dg.job(hooks={mark}, executor_def=dg.multiprocess_executor)
    def forked() -> None:
        add_one(one())

    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path / "storage"))
    events: list[dg.Event] = []
    ok = execute_run(
        dg.Definitions(jobs=[forked]),
        run_id="mp",
        job_name="forked",
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    assert ok, [e.message for e in events]
    assert {p.name: p.read_text() for p in marks.iterdir()} == {"one": "1", "add_one": "2"}


# -- loggers ----------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    def __init__(self, into: list) -> None:
        super().__init__()
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append((record.levelname, record.getMessage(), record.dagster_meta["step_key"]))  # type: ignore[attr-defined]


def test_a_custom_logger_gets_its_config_and_the_runs_log_records() -> None:
    records: list = []
    configs: list = []

    @dg.logger(config_schema={"name": dg.Field(str, default_value="mine")})
    def collecting(init_context: dg.InitLoggerContext) -> logging.Logger:
        configs.append(init_context.logger_config)
        made = logging.Logger(init_context.logger_config["name"], logging.DEBUG)
        made.addHandler(_Collect(records))
        return made

    @dg.op
    def talk(context: dg.OpExecutionContext) -> None:
        context.log.info("hello from talk")
        dg.get_dagster_logger().warning("from the dagster logger")

    @dg.job(logger_defs={"collecting": collecting})
    def chatty() -> None:
        talk()

    instance = dg.DagsterInstance.ephemeral()
    run_config = {"loggers": {"collecting": {"config": {"name": "custom"}}}}
    result = chatty.execute_in_process(run_config=run_config, instance=instance)
    assert configs == [{"name": "custom"}]
    assert ("INFO", f"chatty - {result.run_id} - talk - hello from talk", "talk") in records
    assert ("WARNING", f"chatty - {result.run_id} - talk - from the dagster logger", "talk") in records
    assert records[0][0] == "DEBUG" and "RUN_START" in records[0][1]
    assert "from the dagster logger" in [e.user_message for e in instance.all_logs(result.run_id)]

    with pytest.raises(dg.DagsterInvalidConfigError, match=r'loggers\.nope: job "chatty" has no logger "nope"'):
        chatty.execute_in_process(run_config={"loggers": {"nope": {}}})


def test_definitions_loggers_apply_to_jobs_without_their_own() -> None:
    records: list = []

    @dg.logger
    def collecting(init_context: dg.InitLoggerContext) -> logging.Logger:
        made = logging.Logger("c", logging.INFO)
        made.addHandler(_Collect(records))
        return made

    @dg.op
    def talk(context: dg.OpExecutionContext) -> None:
        context.log.info("hi")

    @dg.job
    def plain() -> None:
        talk()

    defs = dg.Definitions(jobs=[plain], loggers={"collecting": collecting})
    defs.resolve_job_def("plain").execute_in_process()
    assert [r[1].rsplit(" - ", 1)[-1] for r in records] == ["hi"]  # INFO and above only


# -- op selection and input values ---------------------------------------------------------------------


def test_op_selection_runs_the_selected_ops_and_refuses_an_input_left_without_source() -> None:
    @dg.op
    def times_ten(x: int) -> int:
        return x * 10

    @dg.job
    def chain() -> None:
        times_ten(add_one(one()))

    def executed(result: dg.ExecuteInProcessResult) -> list[str]:
        return sorted(e.step_key for e in result.all_events if e.is_step_success)

    assert executed(chain.execute_in_process(op_selection=["*add_one"])) == ["add_one", "one"]
    assert executed(chain.execute_in_process(op_selection=["one+"])) == ["add_one", "one"]
    assert executed(chain.execute_in_process(op_selection=["one*"])) == ["add_one", "one", "times_ten"]
    with pytest.raises(dg.DagsterInvalidSubsetError, match='input "x" of "times_ten" comes from "add_one"'):
        chain.execute_in_process(op_selection=["times_ten"])
    with pytest.raises(dg.DagsterInvalidSubsetError, match='has no op "nope"'):
        chain.get_subset(op_selection=["nope"])


def test_graph_inputs_take_input_values_in_process_and_on_to_job() -> None:
    @dg.graph
    def plus_one(number):  # type: ignore[no-untyped-def]
        return add_one(number)

    assert [d.name for d in plus_one.input_defs] == ["number"]
    assert plus_one.input_defs[0].dagster_type.name == "Int"
    assert plus_one.execute_in_process(input_values={"number": 4}).output_for_node("add_one") == 5
    job = plus_one.to_job(name="plus_one_job", input_values={"number": 7})
    assert job.execute_in_process().output_for_node("add_one") == 8
    assert job.execute_in_process(input_values={"number": 1}).output_for_node("add_one") == 2
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="not inputs of its graph"):
        plus_one.to_job(input_values={"other": 1})
