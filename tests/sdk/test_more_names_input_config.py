"""Unconnected inputs given in run config (ops.<op>.inputs), and dagster_type_loader."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.op
def add_one(x: int) -> int:
    return x + 1


@dg.job
def adds() -> None:
    add_one()


class Table:
    def __init__(self, name: str, rows: int) -> None:
        self.name, self.rows = name, rows


@dg.dagster_type_loader(config_schema={"name": str, "rows": dg.Field(int, default_value=0)})
def load_table(context: dg.DagsterTypeLoaderContext, config: dict) -> Table:
    return Table(config["name"], config["rows"])


TableType = dg.PythonObjectDagsterType(Table, loader=load_table)


@dg.op(ins={"table": dg.In(TableType)})
def describe(table: Table) -> str:
    return f"{table.name}:{table.rows}"


@dg.job
def describes() -> None:
    describe()


def test_a_builtin_input_takes_its_value_from_config() -> None:
    for given in (5, {"value": 5}):
        result = adds.execute_in_process(run_config={"ops": {"add_one": {"inputs": {"x": given}}}})
        assert result.output_for_node("add_one") == 6
    bad = adds.execute_in_process(run_config={"ops": {"add_one": {"inputs": {"x": "five"}}}}, raise_on_error=False)
    assert not bad.success
    [failure] = bad.get_step_failure_events()
    assert failure.step_failure_data.error.cls_name == "DagsterTypeCheckDidNotPass"
    with pytest.raises(dg.DagsterInvalidConfigError, match='has no input "y"'):
        adds.execute_in_process(run_config={"ops": {"add_one": {"inputs": {"y": 1}}}})


def test_a_type_loader_builds_the_input_from_its_config() -> None:
    result = describes.execute_in_process(run_config={"ops": {"describe": {"inputs": {"table": {"name": "orders"}}}}})
    assert result.output_for_node("describe") == "orders:0"
    assert isinstance(load_table, dg.DagsterTypeLoader)
    with pytest.raises(dg.DagsterInvalidConfigError, match="rows"):
        describes.execute_in_process(
            run_config={"ops": {"describe": {"inputs": {"table": {"name": "orders", "rows": "many"}}}}}
        )


def test_an_input_fed_by_an_upstream_output_takes_no_config() -> None:
    @dg.op
    def one() -> int:
        return 1

    @dg.job
    def wired() -> None:
        add_one(one())

    with pytest.raises(dg.DagsterInvalidConfigError, match="fed by an upstream output"):
        wired.execute_in_process(run_config={"ops": {"add_one": {"inputs": {"x": 1}}}})
