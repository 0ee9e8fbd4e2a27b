"""Dagster's load_definitions_from_* (a Definitions of what modules define), map_asset_specs, and run config
from YAML (config_from_files / config_from_yaml_strings / config_from_pkg_resources)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import sdk as dg

ASSETS = """
import sdk as dg

@dg.asset
def orders() -> int:
    return 3

raw = dg.AssetSpec("raw_events", group_name="external")

@dg.asset_check(asset=orders)
def positive(orders: int) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=orders > 0)
"""

JOBS = """
import sdk as dg

nightly = dg.define_asset_job("nightly", selection="orders")
every_day = dg.ScheduleDefinition(job=nightly, cron_schedule="0 0 * * *")

@dg.sensor(job=nightly)
def watch(context):
    return None
"""

CURRENT = """
import sdk as dg

@dg.asset
def alone() -> int:
    return 1

defs = dg.load_definitions_from_current_module()
"""


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "shop_defs"
    root.mkdir()
    (root / "__init__.py").write_text("")
    (root / "assets.py").write_text(textwrap.dedent(ASSETS))
    (root / "jobs.py").write_text(textwrap.dedent(JOBS))
    (root / "current.py").write_text(textwrap.dedent(CURRENT))
    sys.path.insert(0, str(tmp_path))
    try:
        yield "shop_defs"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == "shop_defs" or m.startswith("shop_defs.")]:
            del sys.modules[name]


def test_load_definitions_from_a_package_finds_every_kind_of_definition(package: str) -> None:
    defs = dg.load_definitions_from_package_name(package, resources={"token": "t"})
    assert sorted(k.to_user_string() for k in defs.asset_graph.assets_def_by_key) == ["alone", "orders", "raw_events"]
    assert [c.check_keys[0].name for c in defs.asset_checks] == ["positive"]
    assert [j.name for j in defs.jobs] == ["nightly"] and [s.name for s in defs.schedules] == ["nightly_schedule"]
    assert [s.name for s in defs.sensors] == ["watch"] and defs.resources["token"] == "t"
    result = defs.resolve_job_def("nightly").execute_in_process()
    assert result.success and result.get_asset_check_evaluations()[0].passed


def test_load_definitions_from_one_module_and_from_the_current_module(package: str) -> None:
    import importlib

    jobs = importlib.import_module(f"{package}.jobs")
    assets = importlib.import_module(f"{package}.assets")
    defs = dg.load_definitions_from_modules([assets, jobs])
    assert [j.name for j in defs.jobs] == ["nightly"] and len(defs.assets) == 2
    assert [s.name for s in dg.load_definitions_from_module(jobs).schedules] == ["nightly_schedule"]
    current = importlib.import_module(f"{package}.current")
    assert [a.key.to_user_string() for a in current.defs.assets] == ["alone"]


def test_map_asset_specs_changes_specs_and_assets_but_not_their_keys() -> None:
    @dg.asset
    def orders() -> int:
        return 3

    mapped = dg.map_asset_specs(
        lambda spec: spec.replace_attributes(group_name="sales", owners=["team:sales"]),
        [orders, dg.AssetSpec("raw"), "left alone"],
    )
    mapped_asset, mapped_spec, other = mapped
    assert (mapped_asset.specs[0].group_name, list(mapped_asset.specs[0].owners)) == ("sales", ["team:sales"])
    assert mapped_spec.group_name == "sales" and other == "left alone"
    assert orders.specs[0].group_name in (None, "default")  # the original is unchanged
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="cannot change the keys"):
        dg.map_asset_specs(lambda spec: spec.replace_attributes(key="renamed"), [orders])


def test_run_config_from_yaml_files_strings_and_package_resources(tmp_path: Path, package: str) -> None:
    (tmp_path / "base.yaml").write_text("ops:\n  a:\n    config: {n: 1, m: 2}\nresources:\n  db: {config: {url: x}}\n")
    (tmp_path / "prod.yaml").write_text("ops:\n  a:\n    config: {n: 5}\n")
    assert dg.config_from_files([str(tmp_path / "base.yaml"), str(tmp_path / "prod.yaml")]) == {
        "ops": {"a": {"config": {"n": 5, "m": 2}}},
        "resources": {"db": {"config": {"url": "x"}}},
    }
    assert dg.config_from_files([str(tmp_path / "*.yaml")])["ops"]["a"]["config"]["n"] == 5
    assert dg.config_from_yaml_strings(["a: {b: 1}", "a: {c: 2}"]) == {"a": {"b": 1, "c": 2}}
    (tmp_path / package / "run.yaml").write_text("execution: {config: {max_concurrent: 2}}\n")
    assert dg.config_from_pkg_resources([(package, "run.yaml")]) == {"execution": {"config": {"max_concurrent": 2}}}
    with pytest.raises(dg.DagsterInvariantViolationError, match="No run config file matches"):
        dg.config_from_files([str(tmp_path / "missing.yaml")])
    with pytest.raises(dg.DagsterInvariantViolationError, match="must be a mapping"):
        dg.config_from_yaml_strings(["- 1"])
