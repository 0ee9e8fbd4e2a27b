"""build_metadata_bounds_checks and build_column_schema_change_checks, as Dagster's docs use them."""

from __future__ import annotations

import pytest

import sdk as dg

ROWS = {"n": 5}
COLUMNS = {"cols": [("id", "int"), ("name", "string")]}


@dg.asset
def people() -> dg.MaterializeResult:
    schema = dg.TableSchema(columns=[dg.TableColumn(n, t) for n, t in COLUMNS["cols"]])
    return dg.MaterializeResult(metadata={"row_count": ROWS["n"], "dagster/column_schema": schema})


def _results(result: dg.ExecuteInProcessResult) -> dict[str, tuple[bool, str]]:
    return {e.check_name: (e.passed, e.description) for e in result.get_asset_check_evaluations()}


def test_metadata_bounds_checks() -> None:
    [checks] = dg.build_metadata_bounds_checks(assets=[people], metadata_key="row_count", min_value=1, max_value=10)
    [spec] = checks.check_specs
    assert spec.name == "row_count_bounds_check" and spec.asset_key == people.key
    assert spec.description == (
        "Checks that the latest materialization has metadata value `row_count` greater than or equal to 1 "
        "and less than or equal to 10"
    )
    with dg.instance_for_test() as instance:
        ROWS["n"] = 5
        assert _results(dg.materialize([people, checks], instance=instance)) == {
            "row_count_bounds_check": (True, "Value `5` is within range")
        }
        ROWS["n"] = 10
        [exclusive] = dg.build_metadata_bounds_checks(
            assets=[people], metadata_key="row_count", max_value=10, exclusive_max=True
        )
        result = dg.materialize([people, exclusive], instance=instance)
        assert _results(result) == {"row_count_bounds_check": (False, "Value `10` is greater than or equal to 10")}
        [missing] = dg.build_metadata_bounds_checks(assets=[people.key], metadata_key="other", min_value=0)
        result = dg.materialize([people, missing], instance=instance)
        assert _results(result) == {"other_bounds_check": (False, "Metadata key `other` not found")}
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="At least one of `min_value` or `max_value`"):
        dg.build_metadata_bounds_checks(assets=[people], metadata_key="row_count")
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="may not be greater"):
        dg.build_metadata_bounds_checks(assets=[people], metadata_key="row_count", min_value=3, max_value=1)


def test_column_schema_change_checks() -> None:
    [checks] = dg.build_column_schema_change_checks(assets=[people], severity=dg.AssetCheckSeverity.ERROR)
    with dg.instance_for_test() as instance:
        COLUMNS["cols"] = [("id", "int"), ("name", "string")]
        first = _results(dg.materialize([people, checks], instance=instance))
        assert first == {"column_schema_change": (True, "The asset has been materialized fewer than 2 times")}
        same = _results(dg.materialize([people, checks], instance=instance))
        assert same["column_schema_change"][0] is True
        COLUMNS["cols"] = [("id", "string"), ("email", "string")]
        result = dg.materialize([people, checks], instance=instance, raise_on_error=False)
        passed, description = _results(result)["column_schema_change"]
        assert not passed
        assert description == (
            "Column schema changed between previous and latest materialization.\n\nAdded columns: email"
            "\n\nRemoved columns: name\n\nColumn type changes:\n- id: int -> string"
        )
