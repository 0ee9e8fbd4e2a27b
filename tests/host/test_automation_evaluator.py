"""The automation evaluator as a pure function: hand-built worlds, tick after tick, each tick reading the
memory the previous one stored (through its JSON form, as storage keeps it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sdk as dg
from codeserver.automation import condition_to_proto
from host.domain.automation import (
    AssetEvaluation,
    Condition,
    TickContext,
    condition_from_proto,
    evaluate_tick,
    evaluation_order,
    memory_from_json,
)
from host.domain.automation_world import (
    AssetFacts,
    PartitionSpace,
    Subset,
    World,
    decode_subset,
    encode_subset,
)
from protos.weir.v1 import common_pb2

AC = dg.AutomationCondition
U = frozenset({""})


def host_condition(condition: dg.AutomationCondition) -> Condition:
    """What the host gets: the sdk's tree through the snapshot message."""
    message = condition_to_proto(condition, None, lambda k: common_pb2.AssetKey(path=list(k.path)))
    return condition_from_proto(message)


@dataclass
class Sim:
    """Ticks over a world whose facts the test changes between ticks."""

    conditions: dict[str, Condition]
    assets: dict[str, AssetFacts]
    now: float = 1_700_000_000.0
    memory: dict[str, dict[str, object]] = field(default_factory=dict)
    previous_tick: float | None = None
    run_assets: dict[str, frozenset[str]] = field(default_factory=dict)
    run_tags: dict[str, dict[str, str]] = field(default_factory=dict)

    def tick(self, at: float | None = None) -> dict[str, AssetEvaluation]:
        self.now = at if at is not None else self.now + 30
        world = World(self.assets, self.run_assets, self.run_tags)
        previous = {
            key: memory_from_json(json.loads(json.dumps(data)), world, key) for key, data in self.memory.items()
        }
        ctx = TickContext(self.now, world, previous, self.previous_tick)
        results = {e.key: e for e in evaluate_tick(ctx, self.conditions)}
        self.memory = {k: e.memory_json for k, e in results.items()}
        self.previous_tick = self.now
        for facts in self.assets.values():
            facts.updated = {}  # consumed: the next tick sees only what happens after this one
        return results

    def materialize(self, key: str, *partitions: str, run_id: str = "r") -> None:
        facts = self.assets[key]
        parts = partitions or ("",)
        facts.materialized = facts.materialized | frozenset(parts)
        facts.updated = {**facts.updated, **{p: (self.now + 1, run_id) for p in parts}}


def requested(results: Mapping[str, AssetEvaluation]) -> dict[str, Subset]:
    return {k: e.requested for k, e in results.items() if e.requested}


def chain(**conditions: dg.AutomationCondition) -> Sim:
    """a -> b -> c ..., each with the given condition (by key)."""
    keys = ["a", "b", "c", "d"]
    assets = {k: AssetFacts(k, "loc", deps=(keys[i - 1],) if i else ()) for i, k in enumerate(keys)}
    return Sim({k: host_condition(c) for k, c in conditions.items()}, assets)


def test_eager_requests_once_after_its_dep_updates_and_waits_while_in_progress() -> None:
    sim = chain(b=AC.eager())
    assert requested(sim.tick()) == {}  # first tick: nothing has happened since it
    sim.materialize("a")
    assert requested(sim.tick()) == {"b": U}
    sim.assets["b"].in_progress = U  # the requested run is queued
    assert requested(sim.tick()) == {}
    sim.assets["b"].in_progress = frozenset()
    sim.materialize("b")
    assert requested(sim.tick()) == {}  # handled: it updated
    assert requested(sim.tick()) == {}
    sim.materialize("a")
    assert requested(sim.tick()) == {"b": U}


def test_eager_does_not_run_while_a_dep_is_missing_and_explains_why() -> None:
    sim = chain(c=AC.eager())
    sim.assets["c"].deps = ("a", "b")
    sim.tick()
    sim.materialize("a")
    result = sim.tick()["c"]
    assert not result.requested
    tree = result.result_json
    assert tree["label"] == "eager" and tree["true"] == []
    by_label = {c.get("label", c["name"]): c for c in tree["children"]}
    assert by_label["in_latest_time_window"]["true"] == [""]
    since = tree["children"][1]
    assert since["name"] == "SINCE" and since["true"] == [""]  # a updated: the trigger fired
    not_missing = tree["children"][2]
    any_missing = not_missing["children"][0]
    assert any_missing["label"] == "any_deps_missing" and any_missing["true"] == [""]
    assert [d["name"] for d in any_missing["children"]] == ["b"]  # the dep that decided it: b is missing
    assert any_missing["children"][0]["asset"] == "b"  # below it, nodes look at b (their parent's asset)
    assert any_missing["children"][0]["children"][0]["children"][0] == {"name": "missing", "true": [""]}
    assert tree["children"][3].get("skipped") and tree["children"][4].get("skipped")  # no candidates left
    sim.materialize("b")
    assert requested(sim.tick()) == {"c": U}  # SINCE remembered a's update; b arrived


def test_a_chain_of_eager_assets_is_requested_in_one_tick() -> None:
    sim = chain(b=AC.eager(), c=AC.eager())
    for key in ("a", "b", "c"):
        sim.materialize(key)
    sim.tick()
    sim.materialize("a")
    assert requested(sim.tick()) == {"b": U, "c": U}  # c: b will be requested in the same run


def test_on_cron_waits_for_every_dep_to_update_after_the_tick_then_runs_once() -> None:
    sim = chain(b=AC.on_cron("0 * * * *"))
    hour = datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp()
    sim.materialize("a")
    sim.materialize("b")
    sim.tick(at=hour - 60)
    result = sim.tick(at=hour + 30)  # the 10:00 tick passed; a has not updated since
    assert not result["b"].requested
    cron_node = result["b"].result_json["children"][1]["children"][0]
    assert cron_node["name"] == "cron_tick_passed(cron_schedule=0 * * * *, cron_timezone=UTC)"
    assert cron_node["true"] == [""]
    assert not requested(sim.tick(at=hour + 60))
    sim.materialize("a")
    assert requested(sim.tick(at=hour + 90)) == {"b": U}
    sim.materialize("a")
    assert requested(sim.tick(at=hour + 120)) == {}  # once per cron tick
    assert requested(sim.tick(at=hour + 3600 + 30)) == {}  # the next tick: waits for a again
    sim.materialize("a")
    assert requested(sim.tick(at=hour + 3600 + 60)) == {"b": U}


def test_on_cron_counts_a_dep_updated_after_the_cron_tick_within_one_interval() -> None:
    sim = chain(b=AC.on_cron("0 * * * *"))
    hour = datetime(2026, 1, 5, 10, tzinfo=UTC).timestamp()
    sim.materialize("a")
    sim.tick(at=hour - 60)
    sim.now = hour + 5  # a updates at 10:00:06, after the cron tick, before the next evaluation
    sim.materialize("a")
    assert requested(sim.tick(at=hour + 30)) == {"b": U}


def test_on_missing_requests_what_becomes_missing_once() -> None:
    sim = chain(b=AC.on_missing())
    sim.materialize("a")
    sim.materialize("b")
    assert requested(sim.tick()) == {}
    sim.assets["b"].materialized = frozenset()  # wiped
    assert requested(sim.tick()) == {"b": U}
    assert requested(sim.tick()) == {}  # requested once, even while still missing
    sim.materialize("b")
    assert requested(sim.tick()) == {}


def test_partitioned_eager_requests_only_the_partitions_whose_dep_changed() -> None:
    space = PartitionSpace(("eu", "us", "asia"), definition_id="regions")
    sim = chain(b=AC.eager())
    sim.assets["a"].space = space
    sim.assets["b"].space = space
    sim.materialize("a", "eu", "us", "asia")
    sim.materialize("b", "eu", "us", "asia")
    sim.tick()
    sim.materialize("a", "us")
    assert requested(sim.tick()) == {"b": frozenset({"us"})}
    assert requested(sim.tick()) == {}


def test_daily_asset_reads_hourly_dep_by_time_and_eager_takes_the_latest_window_only() -> None:
    day0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    days = PartitionSpace(("2026-01-01", "2026-01-02"), definition_id="daily", window_starts=(day0, day0 + 86400))
    hours = PartitionSpace(
        tuple(f"h{i}" for i in range(48)),
        definition_id="hourly",
        window_starts=tuple(day0 + 3600 * i for i in range(48)),
    )
    sim = chain(b=AC.eager())
    sim.assets["a"].space = hours
    sim.assets["b"].space = days
    sim.materialize("a", *hours.keys)
    sim.materialize("b", *days.keys)
    sim.tick()
    sim.materialize("a", "h3")  # yesterday's window: not the latest
    assert requested(sim.tick()) == {}
    sim.materialize("a", "h30")
    assert requested(sim.tick()) == {"b": frozenset({"2026-01-02"})}
    world = World(sim.assets)
    assert world.to_parent("b", "a", frozenset({"2026-01-01"})) == frozenset(f"h{i}" for i in range(24))
    assert world.to_child("a", "b", frozenset({"h25"})) == frozenset({"2026-01-02"})


def test_allow_and_ignore_choose_the_deps_that_count() -> None:
    sim = chain(c=AC.eager().ignore(dg.AssetSelection.keys("b")))
    sim.assets["c"].deps = ("a", "b")
    for key in "abc":
        sim.materialize(key)
    sim.tick()
    sim.materialize("b")
    assert requested(sim.tick()) == {}
    sim.materialize("a")
    assert requested(sim.tick()) == {"c": U}


def test_a_dep_update_by_a_run_that_also_ran_the_asset_does_not_count() -> None:
    sim = chain(b=AC.eager())
    sim.materialize("a")
    sim.materialize("b")
    sim.tick()
    sim.run_assets = {"both": frozenset({"a", "b"})}
    sim.materialize("a", run_id="both")
    sim.materialize("b", run_id="both")
    assert requested(sim.tick()) == {}


def test_code_version_changed_and_newly_true_remember_the_previous_tick() -> None:
    sim = chain(a=AC.code_version_changed(), b=AC.execution_failed().newly_true())
    sim.assets["a"].code_version = "1"
    sim.tick()
    assert requested(sim.tick()) == {}
    sim.assets["a"].code_version = "2"
    sim.assets["b"].failed = U
    assert requested(sim.tick()) == {"a": U, "b": U}
    assert requested(sim.tick()) == {}


def test_evaluation_order_puts_deps_first() -> None:
    world = World({k: AssetFacts(k, deps=d) for k, d in {"c": ("b",), "b": ("a",), "a": ()}.items()})
    assert evaluation_order(["c", "b", "a"], world) == ["a", "b", "c"]


def test_subsets_are_stored_as_runs_of_keys() -> None:
    space = PartitionSpace(tuple(f"k{i:02d}" for i in range(10)), definition_id="x")
    subset = frozenset({"k00", "k01", "k02", "k05", "k07", "k08"})
    encoded = encode_subset(space, subset)
    assert encoded == [["k00", "k02"], "k05", ["k07", "k08"]]
    assert decode_subset(space, encoded) == subset
    assert encode_subset(PartitionSpace(), U) == [""] and decode_subset(PartitionSpace(), []) == frozenset()


def test_the_tick_by_tick_example_of_docs_automation_md() -> None:
    day = datetime(2026, 3, 2, tzinfo=UTC).timestamp()

    def at(hh: int, mm: int, ss: int = 0) -> float:
        return day + hh * 3600 + mm * 60 + ss

    sim = Sim(
        {"clean": host_condition(AC.eager()), "report": host_condition(AC.on_cron("0 6 * * *"))},
        {
            "raw": AssetFacts("raw", "ingest"),
            "clean": AssetFacts("clean", "analytics", deps=("raw",)),
            "report": AssetFacts("report", "analytics", deps=("clean",)),
        },
    )
    for key in ("raw", "clean", "report"):
        sim.materialize(key)
    assert requested(sim.tick(at=at(5, 58))) == {}
    sim.now = at(5, 58, 39)
    sim.materialize("raw")
    assert requested(sim.tick(at=at(5, 59))) == {"clean": U}
    sim.assets["clean"].in_progress = U
    assert requested(sim.tick(at=at(5, 59, 30))) == {}
    sim.assets["clean"].in_progress = frozenset()
    sim.now = at(5, 59, 49)
    sim.materialize("clean")
    waiting = sim.tick(at=at(6, 0))
    assert requested(waiting) == {}
    deps_node = waiting["report"].result_json["children"][2]
    assert deps_node["label"] == "all_deps_updated_since_cron(0 6 * * *, UTC)"
    assert deps_node["true"] == [] and [d["name"] for d in deps_node["children"]] == ["clean"]
    sim.now = at(6, 5, 9)
    sim.materialize("raw")
    assert requested(sim.tick(at=at(6, 5, 30))) == {"clean": U, "report": U}
    sim.assets["clean"].in_progress = sim.assets["report"].in_progress = U
    assert requested(sim.tick(at=at(6, 6))) == {}
