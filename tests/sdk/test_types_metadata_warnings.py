"""Dagster's PythonObjectDagsterType and check_dagster_type, the table metadata classes and the further
MetadataValue constructors, and the warning classes user code filters on."""

from __future__ import annotations

import datetime
import warnings

import pytest

import sdk as dg
from codeserver.convert import metadata_to_proto


class Order:
    def __init__(self, total: float) -> None:
        self.total = total


OrderType = dg.PythonObjectDagsterType(Order, description="an order of the shop")


def test_python_object_dagster_type_checks_instances_and_names_itself() -> None:
    assert OrderType.name == "Order" and OrderType.python_type is Order
    assert dg.check_dagster_type(OrderType, Order(1.0)).success
    failed = dg.check_dagster_type(OrderType, "x")
    assert not failed.success and "expected value to be of Python type Order" in failed.description
    number = dg.PythonObjectDagsterType((int, float), name="Number")
    assert dg.check_dagster_type(number, 2.5).success and not dg.check_dagster_type(number, "2").success
    assert dg.check_dagster_type(int, 3).success and not dg.check_dagster_type(int, "3").success
    with pytest.raises(TypeError, match="a class or a tuple of classes"):
        dg.PythonObjectDagsterType("Order")  # type: ignore[arg-type]


def test_a_python_object_type_fails_the_step_that_returns_something_else() -> None:
    @dg.op(out=dg.Out(OrderType))
    def make() -> Order:
        return "not an order"  # type: ignore[return-value]

    @dg.op(ins={"order": dg.In(OrderType)})
    def total(order: Order) -> float:
        return order.total

    @dg.job
    def orders() -> None:
        total(make())

    result = orders.execute_in_process(raise_on_error=False)
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == "make" and '"Order"' in failure.step_failure_data.error.message


def test_table_schema_constraints_lineage_and_more_metadata_values() -> None:
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn("id", "int", constraints=dg.TableColumnConstraints(nullable=False, unique=True)),
            dg.TableColumn("name", description="customer name", tags={"pii": "yes"}),
        ],
        constraints=dg.TableConstraints(other=["id > 0"]),
    )
    value = dg.MetadataValue.table_schema(schema).value
    assert value["columns"][0] == {
        "name": "id",
        "type": "int",
        "constraints": {"nullable": False, "unique": True, "other": []},
    }
    assert value["columns"][1]["description"] == "customer name" and value["constraints"] == {"other": ["id > 0"]}
    assert dg.TableSchema.from_name_type_dict({"a": "int"}).columns == [dg.TableColumn("a", "int")]
    lineage = dg.TableColumnLineage({"total": [dg.TableColumnDep(asset_key="orders", column_name="price")]})
    assert dg.MetadataValue.column_lineage(lineage).value == {
        "deps_by_column": {"total": [{"asset_key": "orders", "column_name": "price"}]}
    }
    when = datetime.datetime(2026, 1, 2, tzinfo=datetime.UTC)
    assert dg.MetadataValue.timestamp(when).value == when.timestamp()
    with pytest.raises(ValueError, match="time zone"):
        dg.MetadataValue.timestamp(datetime.datetime(2026, 1, 2))
    assert dg.MetadataValue.python_artifact(Order).value == {"module": __name__, "name": "Order"}
    assert dg.MetadataValue.job("nightly", "sales").value == "nightly @ sales"
    assert dg.MetadataValue.dagster_run("r1").value == "r1"
    assert dg.MetadataValue.notebook("a.ipynb").value == "a.ipynb"
    # each travels to the host as one of the wire kinds
    wire = metadata_to_proto(
        {
            "lineage": lineage,
            "at": dg.MetadataValue.timestamp(when),
            "schema": schema,
            "fn": dg.MetadataValue.python_artifact(Order),
        }
    )
    assert {e.key: e.value.WhichOneof("value") for e in wire} == {
        "lineage": "json",
        "at": "float_value",
        "schema": "json",
        "fn": "json",
    }


def test_dagster_warning_classes_can_be_filtered() -> None:
    for cls in (dg.PreviewWarning, dg.BetaWarning, dg.SupersessionWarning, dg.ConfigArgumentWarning):
        assert issubclass(cls, Warning)
        with warnings.catch_warnings():
            warnings.filterwarnings("error", category=cls)
            with pytest.raises(cls):
                warnings.warn(cls("x"), stacklevel=1)
