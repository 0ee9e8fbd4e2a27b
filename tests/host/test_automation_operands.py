"""The operands ported projects use beyond eager/on_cron/on_missing: run tags, data versions and
any_downstream_conditions, evaluated tick by tick (hand-built worlds), with their names in the tree."""

from __future__ import annotations

import sdk as dg
from codeserver.snapshot import build_snapshot
from host.domain.asset_graph import LoadedSnapshot
from host.domain.automation_facts import automation_graph
from host.domain.automation_world import AssetFacts, World
from protos.weir.v1 import snapshot_pb2
from tests.host.test_automation_evaluator import Sim, U, host_condition, requested

AC = dg.AutomationCondition


def _one(condition: dg.AutomationCondition) -> Sim:
    return Sim({"a": host_condition(condition)}, {"a": AssetFacts("a", "loc")})


def test_executed_with_tags_reads_the_run_of_the_latest_update() -> None:
    sim = _one(AC.executed_with_tags(tag_values={"dagster/from_automation_condition": "true"}))
    sim.run_tags = {"manual": {}, "auto": {"dagster/from_automation_condition": "true"}}
    assert requested(sim.tick()) == {}
    sim.materialize("a", run_id="manual")
    sim.assets["a"].latest_runs = {"": "manual"}
    assert requested(sim.tick()) == {}
    sim.assets["a"].latest_runs = {"": "auto"}
    results = sim.tick()
    assert requested(results) == {"a": U}
    assert results["a"].result.name == "executed_with_tags(dagster/from_automation_condition=true)"


def test_new_update_run_tag_operands_look_at_every_update_since_the_previous_tick() -> None:
    any_ = _one(AC.any_new_update_has_run_tags(tag_keys={"team"}))
    all_ = _one(AC.all_new_updates_have_run_tags(tag_keys={"team"}))
    for sim in (any_, all_):
        sim.run_tags = {"r1": {"team": "ops"}, "r2": {}}
        sim.tick()
        sim.assets["a"].update_runs = {"": ("r1", "r2")}
    assert requested(any_.tick()) == {"a": U}
    assert requested(all_.tick()) == {}
    all_.assets["a"].update_runs = {"": ("r1",)}
    assert requested(all_.tick()) == {"a": U}
    all_.assets["a"].update_runs = {}
    assert requested(all_.tick()) == {}  # no new update: not true


def test_data_version_changed_is_true_once_after_the_version_changes() -> None:
    sim = _one(AC.data_version_changed())
    sim.assets["a"].data_version = "v1"
    assert requested(sim.tick()) == {}  # first tick: nothing to compare with
    assert requested(sim.tick()) == {}
    sim.assets["a"].data_version = "v2"
    assert requested(sim.tick()) == {"a": U}
    assert requested(sim.tick()) == {}


def test_any_downstream_conditions_evaluates_the_downstream_assets_conditions_on_the_asset() -> None:
    @dg.asset(automation_condition=AC.any_downstream_conditions())
    def raw() -> None: ...

    @dg.asset(deps=[raw], automation_condition=AC.on_missing())
    def clean() -> None: ...

    @dg.asset(deps=[clean], automation_condition=AC.on_missing())
    def report() -> None: ...

    blob = build_snapshot(dg.Definitions(assets=[raw, clean, report]), "loc")
    graph = automation_graph([LoadedSnapshot("loc", blob.snapshot_id, snapshot_pb2.Snapshot.FromString(blob.data))])
    condition = graph.sensors[0].conditions["raw"]
    assert condition.name == "ANY_DOWNSTREAM_CONDITIONS"
    assert [c.label for c in condition.children] == ["on_missing"]  # one distinct condition, once
    sim = Sim({"raw": condition}, {"raw": AssetFacts("raw", "loc", materialized=U)})
    assert requested(sim.tick()) == {}
    sim.assets["raw"].materialized = frozenset()  # wiped: newly missing, as on_missing wants
    results = sim.tick()
    assert requested(results) == {"raw": U}
    text = results["raw"].result.to_text(World(sim.assets), "raw")
    assert "ANY_DOWNSTREAM_CONDITIONS" in text and "on_missing" in text
