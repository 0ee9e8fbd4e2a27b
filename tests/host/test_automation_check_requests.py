"""Asset checks with their own automation condition, evaluated as targets ("asset:check"): a check whose
condition is true while its asset's is not is requested alone, in a run that executes only the check's
step (Dagster's check-only request); with its asset requested too, it runs in the asset's run."""

from __future__ import annotations

import sdk as dg
from host.daemon.automation import _run_selection, group_requests
from host.domain.automation_facts import CheckTarget
from host.domain.automation_world import AssetFacts, World
from tests.host.test_automation_evaluator import Sim, U, host_condition, requested

AC = dg.AutomationCondition
CHECK = "orders:row_count"
CHECKS = {CHECK: CheckTarget("orders", "row_count", "orders_row_count", ("orders", "raw"))}


def _sim(orders: dg.AutomationCondition | None = None) -> Sim:
    """raw -> orders; orders' check also reads raw, and updates whenever one of them does."""
    assets = {
        "raw": AssetFacts("raw", "loc"),
        "orders": AssetFacts("orders", "loc", deps=("raw",)),
        CHECK: AssetFacts(CHECK, "loc", deps=("orders", "raw"), check_of="orders"),
    }
    conditions = {CHECK: host_condition(AC.any_deps_updated().since_last_handled())}
    if orders is not None:
        conditions["orders"] = host_condition(orders)
    return Sim(conditions, assets)


def test_a_check_whose_condition_is_true_alone_is_requested_alone() -> None:
    sim = _sim()
    assert requested(sim.tick()) == {}
    sim.materialize("raw", run_id="r1")
    sim.run_assets["r1"] = frozenset({"raw"})
    results = sim.tick()
    assert requested(results) == {CHECK: U}  # orders has no condition: not requested
    requests = group_requests(list(results.values()), CHECKS)
    assert requests == [([CHECK], None)]
    assert _run_selection(requests[0][0], CHECKS) == (["orders"], ["orders_row_count"])
    tree = results[CHECK].result.to_text(World(sim.assets, sim.run_assets), CHECK)
    assert "any_deps_updated" in tree


def test_a_check_requested_with_its_asset_runs_in_the_assets_run() -> None:
    sim = _sim(orders=AC.eager())
    sim.tick()
    sim.materialize("raw", run_id="r1")
    sim.run_assets["r1"] = frozenset({"raw"})
    results = sim.tick()
    assert requested(results) == {"orders": U, CHECK: U}
    assert group_requests(list(results.values()), CHECKS) == [(["orders"], None)]  # its checks run with it


def test_an_update_by_a_run_of_the_checks_asset_does_not_request_the_check_again() -> None:
    sim = _sim()
    sim.tick()
    sim.materialize("orders", run_id="r2")  # a run of orders executed its checks too
    sim.run_assets["r2"] = frozenset({"orders"})
    assert requested(sim.tick()) == {}


def test_check_passed_and_check_failed_read_the_checks_latest_result() -> None:
    assets = {"orders": AssetFacts("orders", "loc"), CHECK: AssetFacts(CHECK, "loc", deps=("orders",))}
    sim = Sim({CHECK: host_condition(AC.check_failed())}, assets)
    assert requested(sim.tick()) == {}  # never evaluated: neither passed nor failed
    assets[CHECK].check_passed = False
    assert requested(sim.tick()) == {CHECK: U}
    assets[CHECK].check_passed = True
    assert requested(sim.tick()) == {}


def test_a_check_computed_in_its_assets_step_runs_its_asset() -> None:
    inline = {CHECK: CheckTarget("orders", "row_count", "", ("orders",))}
    assert _run_selection([CHECK], inline) == (["orders"], [])
