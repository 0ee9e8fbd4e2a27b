"""Declarative automation benchmark: one evaluation tick over gen_workload.py's 5,000-asset layered graph
(500 layers of 10, each asset depending on the whole layer above), every asset but the first layer with
`AutomationCondition.eager()`, on Weir's host (issue 17; target: a tick <= 1 s) and, side by side,
Dagster 1.13's evaluation of the same conditions (`evaluate_automation_conditions`, the evaluator its
automation daemon runs on each tick of the AutomationConditionSensorDefinition) against a SQLite
instance, in its own venv (bench/.venvs/dagster).

Four ticks each: the first (every asset evaluated for the first time), the second (nothing happened,
but every asset's result changes: it is no longer its first evaluation), a quiet one (nothing changed:
Weir stores nothing), and a cascade (the first layer was materialized: all 4,990 eager assets are
requested in that one tick, each layer because the one above will be). Weir's figure is its daemon's
plan step: load the facts from storage, evaluate, store the tick, the changed evaluations and the run
requests (launching the one run is left out on both sides). Figures are one tick each, in CPU seconds
of the process (time.process_time), since a shared machine's wall clock mostly measures the other
processes.

    .venv/bin/python bench/automation_bench.py [-n 5000] [--no-dagster]
    .venv/bin/python -m bench.run --only automation     # the same figures as rows of the bench table
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DAGSTER_PYTHON = REPO / "bench" / ".venvs" / "dagster" / "bin" / "python"
TARGET_SECONDS = 1.0
WIDTH = 10
TICKS = ("first", "second", "quiet", "cascade")

DAGSTER_PROBE = r"""
import json, sys, tempfile, time, warnings, logging
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import dagster as dg

n, width = int(sys.argv[1]), int(sys.argv[2])
AC = dg.AutomationCondition
def make(i):
    layer = i // width
    deps = [f"a{u}" for u in range((layer - 1) * width, layer * width)] if layer else []

    @dg.asset(name=f"a{i}", deps=deps, automation_condition=AC.eager() if layer else None)
    def materializable():
        return None

    return materializable


defs = dg.Definitions(assets=[make(i) for i in range(n)])
with tempfile.TemporaryDirectory() as home:
    instance = dg.DagsterInstance.local_temp(home)
    out, cursor = {}, None
    for name in ("first", "second", "quiet", "cascade"):
        if name == "cascade":
            for i in range(width):
                instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=f"a{i}"))
        started = time.process_time()
        result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
        out[name] = time.process_time() - started
        out[name + "_requested"] = result.total_requested
        cursor = result.cursor
print(json.dumps(out))
"""


def weir_ticks(n: int) -> dict[str, float]:
    """Weir's daemon plan step on a SQLite file, three ticks."""
    import sdk as dg
    from codeserver.automation import condition_to_proto
    from host.config import AutomationConfig
    from host.daemon.automation import AutomationDaemon
    from host.domain.asset_graph import LoadedSnapshot
    from host.domain.automation_facts import automation_graph
    from host.storage import automation as store
    from host.storage import events as event_store
    from host.storage import runs as run_store
    from host.storage.engine import ensure_schema, open_engine
    from host.storage.records import RunRecord, RunStatus
    from protos.weir.v1 import common_pb2, snapshot_pb2

    eager = condition_to_proto(dg.AutomationCondition.eager(), None, lambda k: common_pb2.AssetKey(path=list(k.path)))
    assets = []
    for i in range(n):
        layer = i // WIDTH
        node = snapshot_pb2.AssetNode(
            key=common_pb2.AssetKey(path=[f"a{i}"]),
            deps=[common_pb2.AssetKey(path=[f"a{u}"]) for u in range((layer - 1) * WIDTH, layer * WIDTH)]
            if layer
            else [],
            group_name=f"g{i // 100}",
            is_executable=True,
        )
        if layer:
            node.automation_condition.CopyFrom(eager)
        assets.append(node)
    sensor = snapshot_pb2.Sensor(
        name="default_automation_condition_sensor",
        kind=snapshot_pb2.AUTOMATION,
        default_status=snapshot_pb2.RUNNING,
        asset_selection=[a.key for a in assets if a.HasField("automation_condition")],
    )
    snapshot = snapshot_pb2.Snapshot(location_name="bench", assets=assets, sensors=[sensor])
    snapshot = snapshot_pb2.Snapshot.FromString(snapshot.SerializeToString())
    graph = automation_graph([LoadedSnapshot("bench", "bench-id", snapshot)])
    (automation_sensor,) = graph.sensors
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as work:
        engine = open_engine(f"sqlite:///{Path(work) / 'weir.db'}")
        ensure_schema(engine)
        daemon = AutomationDaemon(engine, None, AutomationConfig())  # type: ignore[arg-type]  # no launches here
        now = time.time()
        for name in TICKS:
            if name == "cascade":
                _materialize_first_layer(engine, run_store, event_store, RunRecord, RunStatus, common_pb2, now)
            with engine.connect() as conn:
                _, previous = store.latest_ticks(conn, "bench", automation_sensor.name)
            now += 30
            started = time.process_time()
            tick = daemon.plan(automation_sensor, graph, now, previous)
            out[name] = time.process_time() - started
            with engine.connect() as conn:
                out[name + "_requested"] = sum(len(r.asset_keys) for r in store.run_requests(conn, tick.tick_id))
            with engine.begin() as conn:  # what finish() would do after launching
                from host.storage import instigators

                instigators.update_tick(conn, tick.tick_id, status="SKIPPED")
        engine.dispose()
    return out


def _materialize_first_layer(engine, run_store, event_store, RunRecord, RunStatus, common_pb2, now):  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        run_store.add_run(
            conn,
            RunRecord("first-layer", "bench", "__ASSET_JOB", RunStatus.SUCCESS, (), "{}", {}, "s", created_at=now),
        )
        events = [
            common_pb2.RunEvent(
                run_id="first-layer",
                sequence=i + 1,
                type=common_pb2.ASSET_MATERIALIZATION,
                timestamp=now,
                step_key=f"a{i}",
                asset_key=common_pb2.AssetKey(path=[f"a{i}"]),
            )
            for i in range(WIDTH)
        ]
        event_store.add_events(conn, [event_store.event_record(e) for e in events])


def dagster_ticks(n: int) -> dict[str, float] | None:
    if not DAGSTER_PYTHON.exists():
        print(f"Dagster's venv is missing ({DAGSTER_PYTHON}); bench/run.py creates it", file=sys.stderr)
        return None
    result = subprocess.run(
        [str(DAGSTER_PYTHON), "-c", DAGSTER_PROBE, str(n), str(WIDTH)],
        capture_output=True,
        text=True,
        timeout=3600,
        cwd="/tmp",
    )
    if result.returncode != 0:
        print(result.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


KIND = "automation"  # bench/figures.py's group kind; bench.run calls measure() for both sides
ROWS = {name: f"automation_tick_{name}" for name in TICKS}


def measure(side: Any, params: dict[str, Any]) -> dict[str, Any]:
    """One repetition on `side` (bench.run's WeirSide or DagsterSide): each tick's CPU seconds by row id,
    each side in a fresh process of its own venv."""
    from bench.harness import BenchError, clean_env, run_probe

    n, timeout = int(params["n"]), float(params.get("timeout", 900))
    if side.name == "Weir":
        result = run_probe(
            side.python,
            "bench.automation_bench",
            "weir",
            {"n": n},
            env=clean_env(),
            timeout=timeout,
            log=side.logs / "weir_automation.log",
        )
    else:
        done = subprocess.run(
            [side.python, "-c", DAGSTER_PROBE, str(n), str(WIDTH)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd="/tmp",
        )
        if done.returncode != 0:
            raise BenchError(f"Dagster's automation evaluation failed: {done.stderr[-600:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
    if result.get("cascade_requested") != n - WIDTH:
        raise BenchError(f"the cascade tick requested {result.get('cascade_requested')} assets, not {n - WIDTH}")
    return {row: result[name] for name, row in ROWS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="assets (default 5000)")
    parser.add_argument("--no-dagster", action="store_true", help="measure Weir only")
    args = parser.parse_args()
    weir = weir_ticks(args.n)
    dagster = None if args.no_dagster else dagster_ticks(args.n)
    print(f"{args.n:,} layered assets, {args.n - WIDTH:,} with eager(); one tick each (CPU seconds)")
    print(f"{'tick':<10}{'Weir':>10}{'Dagster':>10}{'ratio':>8}  requested (Weir / Dagster)")
    for name in TICKS:
        w = weir[name]
        d = dagster[name] if dagster else None
        ratio = f"{d / w:.1f}x" if d else "-"
        requested = f"{int(weir[name + '_requested'])} / {int(dagster[name + '_requested']) if dagster else '-'}"
        print(f"{name:<10}{w:>10.3f}{(f'{d:.3f}' if d else '-'):>10}{ratio:>8}  {requested}")
    worst = max(weir[n] for n in TICKS)
    print(f"Weir's slowest tick: {worst:.3f} s; target <= {TARGET_SECONDS:.1f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["probe"]:  # bench.run's measure(): python -m bench.automation_bench probe weir ARGS
        from bench.harness import probe_main

        probe_main({"weir": lambda args: weir_ticks(int(args["n"]))})
    else:
        main()
