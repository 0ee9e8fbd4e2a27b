"""ScalarUnion config and the older type factories (List, Dict, Set, Tuple, Optional)."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.op(config_schema={"source": dg.ScalarUnion(scalar_type=str, non_scalar_schema={"name": str, "size": int})})
def read_source(context: dg.OpExecutionContext) -> object:
    return context.op_config["source"]


@dg.job
def reader() -> None:
    read_source()


def _config(source: object) -> dict:
    return {"ops": {"read_source": {"config": {"source": source}}}}


def test_scalar_union_takes_the_scalar_or_the_schema() -> None:
    assert reader.execute_in_process(run_config=_config("orders")).output_for_node("read_source") == "orders"
    value = {"name": "orders", "size": 3}
    assert reader.execute_in_process(run_config=_config(value)).output_for_node("read_source") == value
    with pytest.raises(dg.DagsterInvalidConfigError):
        reader.execute_in_process(run_config=_config({"name": "orders", "size": "big"}))
    with pytest.raises(dg.DagsterInvalidConfigError):
        reader.execute_in_process(run_config=_config(3))
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="takes a scalar type"):
        dg.ScalarUnion(scalar_type={"a": str}, non_scalar_schema=[str])


def test_type_factories_type_inputs_and_outputs() -> None:
    @dg.op(out=dg.Out(dg.List[int]))
    def numbers() -> list:
        return [1, 2]

    @dg.op(ins={"values": dg.In(dg.List[int])}, out=dg.Out(dg.Optional[int]))
    def biggest(values: list) -> int | None:
        return max(values) if values else None

    @dg.op(out=dg.Out(dg.Dict[str, int]))
    def wrong() -> object:
        return ["not", "a", "dict"]

    @dg.job
    def numbers_job() -> None:
        biggest(numbers())

    assert numbers_job.execute_in_process().output_for_node("biggest") == 2
    assert dg.check_dagster_type(dg.Optional[int], None).success
    assert not dg.check_dagster_type(dg.Set[int], [1]).success
    assert dg.check_dagster_type(dg.Tuple[int, str], (1, "a")).success

    @dg.job
    def wrong_job() -> None:
        wrong()

    result = wrong_job.execute_in_process(raise_on_error=False)
    assert not result.success
    assert "DagsterTypeCheckDidNotPass" in {
        e.step_failure_data.error.cls_name for e in result.get_step_failure_events()
    }
