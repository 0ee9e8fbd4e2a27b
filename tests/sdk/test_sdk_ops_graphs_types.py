"""Ops, graphs and jobs (In/Out, aliases, nesting, to_job), types, retries."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.op
def one() -> int:
    return 1


@dg.op(ins={"x": dg.In(int)}, out=dg.Out(int))
def add_one(x):
    return x + 1


@dg.op(out={"low": dg.Out(int), "high": dg.Out(int)})
def split(x: int):
    return x - 1, x + 1


@dg.graph
def twice(x):
    return add_one.alias("second")(add_one.alias("first")(x))


@dg.job
def pipeline():
    low, high = split(twice(one()))
    add_one.alias("from_low")(low)
    add_one.alias("from_high")(high)


def test_job_with_aliases_nested_graph_and_multiple_outputs() -> None:
    result = pipeline.execute_in_process()
    assert result.success
    assert result.output_for_node("twice.second") == 3
    assert result.output_for_node("split", "high") == 4
    assert result.output_for_node("from_low") == 3 and result.output_for_node("from_high") == 5


class AddConfig(dg.Config):
    amount: int


def test_graph_to_job_with_config_and_tags() -> None:
    @dg.op
    def add(config: AddConfig, x: int) -> int:
        return x + config.amount

    @dg.graph
    def g():
        return add(one())

    job = g.to_job(name="g_job", tags={"team": "x"}, config={"ops": {"add": {"config": {"amount": 5}}}})
    assert job.name == "g_job" and job.tags == {"team": "x"}
    assert job.execute_in_process().output_for_node("add") == 6
    override = job.execute_in_process(run_config={"ops": {"add": {"config": {"amount": 7}}}})
    assert override.output_for_node("add") == 8


def test_nested_graph_config_path() -> None:
    @dg.op(config_schema={"n": int})
    def configured(context) -> int:
        return context.op_config["n"]

    @dg.graph
    def inner():
        return configured()

    @dg.job
    def outer():
        inner()

    result = outer.execute_in_process(run_config={"ops": {"inner": {"ops": {"configured": {"config": {"n": 9}}}}}})
    assert result.output_for_node("inner.configured") == 9


def test_output_type_hint_check_fails_with_value_and_type() -> None:
    @dg.op
    def lies() -> int:
        return "seven"  # type: ignore[return-value]

    @dg.job
    def j():
        lies()

    result = j.execute_in_process(raise_on_error=False)
    failure = next(e for e in result.all_events if e.type == "STEP_FAILURE")
    assert "the value 'seven' (of Python type str) is not a \"Int\"" in failure.message
    assert 'output "result" of step "lies"' in failure.message


def test_dagster_type_checks_inputs() -> None:
    Even = dg.DagsterType(lambda _ctx, v: isinstance(v, int) and v % 2 == 0, name="Even")

    @dg.op(ins={"x": dg.In(Even)})
    def wants_even(x) -> int:
        return x

    @dg.job
    def j():
        wants_even(one())

    result = j.execute_in_process(raise_on_error=False)
    failure = next(e for e in result.all_events if e.type == "STEP_FAILURE")
    assert 'input "x" of step "wants_even"' in failure.message and '"Even"' in failure.message


def test_retry_policy_retries_then_succeeds() -> None:
    attempts: list[int] = []

    @dg.op(retry_policy=dg.RetryPolicy(max_retries=2, delay=0.01, backoff=dg.Backoff.EXPONENTIAL))
    def flaky(context) -> int:
        attempts.append(context.retry_number)
        if len(attempts) < 3:
            raise ConnectionError("try again")
        return len(attempts)

    @dg.job
    def j():
        flaky()

    result = j.execute_in_process()
    assert result.output_for_node("flaky") == 3 and attempts == [0, 1, 2]
    assert [e.type for e in result.all_events].count("STEP_UP_FOR_RETRY") == 2


def test_retry_policy_gives_up() -> None:
    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=1))
    def never() -> int:
        raise ConnectionError("down")

    result = dg.materialize([never], raise_on_error=False)
    types = [e.type for e in result.all_events]
    assert types.count("STEP_UP_FOR_RETRY") == 1 and types.count("STEP_FAILURE") == 1


def test_backoff_delays() -> None:
    policy = dg.RetryPolicy(max_retries=3, delay=1.0, backoff=dg.Backoff.EXPONENTIAL)
    assert [policy.delay_for_attempt(n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]


def test_graph_body_rejects_constants() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="inside a graph body"):

        @dg.graph
        def bad():
            add_one(3)


def test_direct_op_invocation() -> None:
    assert add_one(4) == 5
