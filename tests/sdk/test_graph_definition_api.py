"""Dagster's older graph API: GraphDefinition(node_defs=, dependencies=) and its dependency classes."""

from __future__ import annotations

import warnings

import pytest

import sdk as dg


@dg.op
def return_one() -> int:
    return 1


@dg.op
def add_one(number: int) -> int:
    return number + 1


@dg.op
def adder(nums: list[int]) -> int:
    return sum(nums)


def test_a_graph_from_node_defs_and_dependencies_runs_as_a_job() -> None:
    one_plus_one = dg.GraphDefinition(
        name="one_plus_one",
        node_defs=[return_one, add_one],
        dependencies={"add_one": {"number": dg.DependencyDefinition("return_one")}},
    )
    result = one_plus_one.to_job().execute_in_process()
    assert result.success
    assert result.output_for_node("add_one") == 2
    job = dg.JobDefinition(graph_def=one_plus_one)
    assert job.name == "one_plus_one"
    assert job.execute_in_process().output_for_node("add_one") == 2


def test_aliases_fan_in_and_tags() -> None:
    graph = dg.GraphDefinition(
        name="aliased",
        description="two adds and a sum",
        node_defs=[return_one, add_one, adder],
        dependencies={
            dg.NodeInvocation("add_one", alias="first"): {"number": dg.DependencyDefinition("return_one")},
            dg.NodeInvocation("add_one", alias="second", tags={"t": "v"}): {
                "number": dg.DependencyDefinition("first", "result")
            },
            "adder": {
                "nums": dg.MultiDependencyDefinition(
                    [dg.DependencyDefinition("first"), dg.DependencyDefinition("second")]
                )
            },
        },
    )
    assert sorted(graph.nodes) == ["adder", "first", "return_one", "second"]  # add_one only under its aliases
    assert graph.description == "two adds and a sum"
    assert graph.nodes["second"].tags == {"t": "v"}
    result = graph.execute_in_process()
    assert result.output_for_node("second") == 3
    assert result.output_for_node("adder") == 5


def test_input_and_output_mappings_nest_a_graph() -> None:
    inner = dg.GraphDefinition(
        name="inner",
        node_defs=[add_one],
        input_mappings=[dg.InputMapping("x", "add_one", "number")],
        output_mappings=[dg.OutputMapping("out", "add_one")],
    )
    assert inner.input_names == ["x"] and inner.output_names == ["out"]
    outer = dg.GraphDefinition(
        name="outer",
        node_defs=[return_one, inner],
        dependencies={"inner": {"x": dg.DependencyDefinition("return_one")}},
    )
    result = outer.execute_in_process()
    assert result.output_for_node("inner", "out") == 2


def test_graph_in_describes_an_input_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @dg.graph(ins={"n": dg.GraphIn(description="the number")})
        def plus(n: int) -> int:
            return add_one(n)

    assert plus.input_names == ["n"]


def test_bad_dependencies_are_definition_errors() -> None:
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='node "missing" in dependency dictionary not found'):
        dg.GraphDefinition(
            name="g", node_defs=[add_one], dependencies={"add_one": {"number": dg.DependencyDefinition("missing")}}
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='does not have input "nope"'):
        dg.GraphDefinition(
            name="g",
            node_defs=[return_one, add_one],
            dependencies={"add_one": {"nope": dg.DependencyDefinition("return_one")}},
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='does not have output "other"'):
        dg.GraphDefinition(
            name="g",
            node_defs=[return_one, add_one],
            dependencies={"add_one": {"number": dg.DependencyDefinition("return_one", "other")}},
        )
    with pytest.raises(dg.DagsterInvalidDefinitionError, match='"ghost" in dependency dictionary not found'):
        dg.GraphDefinition(name="g", node_defs=[add_one], dependencies={"ghost": {}})
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="takes DependencyDefinitions"):
        dg.MultiDependencyDefinition(["a"])  # type: ignore[list-item]
