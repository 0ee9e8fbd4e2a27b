"""Input managers as Dagster documents them: `@input_manager` (the load function, with resource config) and
`InputManager` subclasses, named by `In(input_manager_key=...)`; they load a root input (no upstream op) and
replace the upstream output's IO manager for the input that names them."""

from __future__ import annotations

import pytest

import sdk as dg


@dg.input_manager(config_schema={"table": str})
def table_loader(context: dg.InputContext) -> str:
    return f"rows of {context.resource_config['table']} for input {context.name}"


class Tracing(dg.InputManager):
    """Says which upstream output it was asked to load, instead of loading it."""

    def load_input(self, context: dg.InputContext) -> str:
        up = context.upstream_output
        return f"instead of {up.step_key}.{up.name}" if up is not None else "no upstream"


@dg.op(ins={"rows": dg.In(input_manager_key="loader")})
def read_rows(rows: str) -> str:
    return rows


@dg.op
def seven() -> int:
    return 7


@dg.op(ins={"x": dg.In(input_manager_key="tracing")})
def loaded(x: str) -> str:
    return x


def test_an_input_manager_loads_a_root_input_with_its_config() -> None:
    @dg.job(resource_defs={"loader": table_loader})
    def job() -> None:
        read_rows()

    result = job.execute_in_process(run_config={"resources": {"loader": {"config": {"table": "orders"}}}})
    assert result.output_for_node("read_rows") == "rows of orders for input rows"
    assert isinstance(table_loader, dg.InputManagerDefinition)


def test_an_input_manager_replaces_the_upstream_io_manager_for_its_input() -> None:
    @dg.job(resource_defs={"tracing": Tracing()})
    def job() -> None:
        loaded(seven())

    assert job.execute_in_process().output_for_node("loaded") == "instead of seven.result"


def test_a_missing_input_manager_is_named() -> None:
    @dg.job
    def job() -> None:
        read_rows()

    with pytest.raises(dg.DagsterInvalidDefinitionError, match="loader"):
        dg.Definitions(jobs=[job]).resolve_job_def("job")
