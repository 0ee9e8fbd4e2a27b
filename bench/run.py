"""The one benchmark command: Weir against Dagster 1.13 on the same generated workloads.

    python -m bench.run                 # every figure, 5 repetitions each (about 50 minutes)
    python -m bench.run --quick         # fewer repetitions, the slowest Dagster rows skipped (about 7 min)
    python -m bench.run --only ready_1000
    python -m bench.run --smoke         # Weir only, tiny sizes (< 1 min): CI keeps the bench from rotting

Repetitions alternate the two systems (Dagster then Weir, then Weir then Dagster, ...) so that a
noisy neighbour on the shared machine hurts both alike; the table reports medians with min-max and
the ratio, which is the figure to read. A full or --quick run writes bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import automation_bench, celery_bench
from bench.dagster_side import DagsterSide
from bench.figures import DEFAULT_REPS, FULL, QUICK, SMOKE, Group, Row, all_rows, select
from bench.harness import REPO, WORK, BenchError
from bench.weir_side import WeirSide

RESULTS = REPO / "bench" / "results" / "latest.md"


@dataclass
class Cell:
    """One side's repetitions of one row."""

    values: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str = ""

    def summary(self) -> tuple[float, float, float] | None:
        if not self.values:
            return None
        return statistics.median(self.values), min(self.values), max(self.values)


@dataclass
class Results:
    mode: str
    reps: dict[str, int]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)  # (row id, side name) -> cell
    labels: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0
    unfinished: str = ""  # set when the run stopped early: the report says so

    def cell(self, row: str, side: str) -> Cell:
        return self.cells.setdefault((row, side), Cell())


def run_groups(
    results: Results,
    groups: list[Group],
    sides: list[Any],
    reps_override: int | None,
    after_group: Callable[[Results], None],
) -> None:
    """Every repetition of every group, alternating which side goes first; `after_group` gets the
    results so far after each group, so a long run interrupted late still leaves its table."""
    mode = results.mode
    began = time.monotonic()
    for index, group in enumerate(groups):
        results.unfinished = f"stopped before {', '.join(g.id for g in groups[index:])}"
        params = group.params_for(mode)
        for row in group.rows:
            results.labels[row.id] = row.label.format(**params)
        reps = reps_override or group.reps.get(mode, DEFAULT_REPS[mode])
        results.reps[group.id] = reps
        active = []
        for side in sides:
            if side.name == "Dagster" and not group.dagster:
                continue
            if side.name == "Dagster" and mode == QUICK and group.quick_skip_dagster:
                for row in group.rows:
                    results.cell(row.id, side.name).skipped = group.quick_skip_dagster
                continue
            active.append(side)
        for rep in range(reps):
            order = active if rep % 2 == 0 else list(reversed(active))
            for side in order:
                started = time.monotonic()
                try:
                    if group.kind == automation_bench.KIND:  # bench/automation_bench.py, both sides
                        measured = automation_bench.measure(side, dict(params))
                    elif group.kind == celery_bench.KIND:  # its own probes, in its own Dagster venv
                        measured = celery_bench.measure(side, dict(params))
                    else:
                        measured = side.measure(group.kind, dict(params))
                except BenchError as exc:
                    for row in group.rows:
                        results.cell(row.id, side.name).errors.append(str(exc))
                    status = f"error: {str(exc)[:160]}"
                else:
                    row_errors = measured.pop("row_errors", None) or {}
                    for row in group.rows:
                        if row.id in row_errors:
                            results.cell(row.id, side.name).errors.append(str(row_errors[row.id]))
                        elif row.id in measured:
                            results.cell(row.id, side.name).values.append(float(measured[row.id]))
                        else:
                            results.cell(row.id, side.name).errors.append("not measured")
                    status = ", ".join(f"{k}={_num(v)}" for k, v in measured.items() if k in results.labels)
                    status += "".join(f"; {k}: {str(v)[:120]}" for k, v in row_errors.items())
                print(
                    f"[{time.monotonic() - began:6.0f}s] {group.id} rep {rep + 1}/{reps} {side.name:7} "
                    f"({time.monotonic() - started:.1f}s): {status}",
                    file=sys.stderr,
                    flush=True,
                )
        results.elapsed = time.monotonic() - began
        if index == len(groups) - 1:
            results.unfinished = ""
        after_group(results)


# the table ----------------------------------------------------------------------------------------


def _num(value: float) -> str:
    """Three significant digits, thousands separated."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    digits = max(0, 2 - int(f"{abs(value):e}".split("e")[1]))
    return f"{value:.{digits}f}"


def _cell_text(cell: Cell, row: Row, notes: list[str]) -> str:
    if cell.skipped:
        return _note(notes, cell.skipped)
    summary = cell.summary()
    if summary is None:
        if not cell.errors:
            return "—"
        if all(e.startswith("n/a") for e in cell.errors):
            return cell.errors[0]
        return "error " + _note(notes, cell.errors[0])
    median, low, high = summary
    text = f"{_num(median)} {row.unit}"
    if len(cell.values) > 1:
        text += f" ({_num(low)}-{_num(high)})"
    if cell.errors:
        text += " " + _note(
            notes, f"{len(cell.errors)} of {len(cell.values) + len(cell.errors)} repetitions failed: {cell.errors[0]}"
        )
    return text


def _note(notes: list[str], text: str) -> str:
    text = " ".join(text.split())[:700]
    if text not in notes:
        notes.append(text)
    return f"[{notes.index(text) + 1}]"


def ratio(row: Row, dagster: Cell, weir: Cell) -> str:
    """Dagster/Weir for times and sizes, Weir/Dagster for rates: higher is always better for Weir."""
    d, w = dagster.summary(), weir.summary()
    if d is None or w is None or d[0] <= 0 or w[0] <= 0:
        return "—"
    value = w[0] / d[0] if row.higher_is_better else d[0] / w[0]
    return f"{value:,.1f}x" if value >= 10 else f"{value:.2f}x"


def table(results: Results, shown: set[str]) -> tuple[str, list[str]]:
    notes: list[str] = []
    lines = [
        "| figure | Dagster median (min-max) | Weir median (min-max) | ratio (Dagster/Weir, higher is "
        "better for Weir) |",
        "|---|---|---|---|",
    ]
    for row in all_rows():
        if row.id not in shown or row.id not in results.labels:
            continue
        dagster, weir = results.cell(row.id, "Dagster"), results.cell(row.id, "Weir")
        d_text = _cell_text(dagster, row, notes) if (row.id, "Dagster") in results.cells else "—"
        lines.append(
            f"| {results.labels[row.id]} `{row.id}` | {d_text} | {_cell_text(weir, row, notes)} | "
            f"{ratio(row, dagster, weir)} |"
        )
    return "\n".join(lines), notes


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = (
            next(
                int(line.split()[1])
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")
            )
            / 1024
            / 1024
        )
    except (OSError, StopIteration):
        memory = 0.0
    return f"{os.cpu_count()} CPUs ({model}), {memory:.1f} GiB memory, {platform.system()} {platform.release()}"


def report(results: Results, shown: set[str], sides: list[Any], argv: list[str]) -> str:
    body, notes = table(results, shown)
    reps = sorted(set(results.reps.values()))
    versions = "; ".join(f"{side.name} {side.version}" for side in sides)
    lines = [
        "# Weir vs Dagster 1.13: benchmark results",
        "",
        f"- command: `{' '.join(['python -m bench.run', *argv])}`",
        f"- mode: {results.mode}; repetitions per figure: {', '.join(map(str, reps))} "
        "(the two systems alternate, repetition by repetition)",
        *([f"- **incomplete run**: {results.unfinished}"] if results.unfinished else []),
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; took {results.elapsed / 60:.1f} min",
        f"- machine: {machine()}; shared with other work, so read the ratios, not the absolute times",
        f"- Python {platform.python_version()}; {versions}",
        "",
        body,
        "",
    ]
    if notes:
        lines += [f"[{i}] {text}" for i, text in enumerate(notes, 1)] + [""]
    lines += [
        "How each figure is taken (bench/dagster_side.py, bench/weir_side.py, bench/harness.py):",
        "- workloads: bench/gen_workload.py (a copy of ../shared/bench/gen_workload.py), the same file for "
        "`import dagster as dg` and `import sdk as dg`; Weir's multiprocess workloads add "
        "`executor=dg.multiprocess_executor` (Dagster's default executor is already multiprocess);",
        "- every measurement runs in fresh processes of the system's own venv (Dagster: bench/.venvs/dagster, "
        "an empty DAGSTER_HOME each time; Weir: .venv from this repo, an empty WEIR_HOME each time);",
        "- CLI start-up: each venv's console script (`weir`, `dagster`) with `--help`, spawn to exit, an empty "
        "home and no host running; per repetition the median of the calls after one unmeasured call;",
        "- load: the framework is imported first (untimed), then the module import plus "
        "resolve_asset_graph / resolve_all_job_defs / resolve_implicit_global_asset_job_def is timed;",
        "- code server: Dagster `dagster api grpc -f FILE -p PORT` until ping answers; Weir `python -m "
        "codeserver start -f FILE --port 0 --ready-file F` until its Handshake reports a snapshot id. RSS is "
        "summed over the server's process tree once it has settled (Weir: server + its pool of user processes); "
        "`ready_cli_1000` starts Weir's the way users do, `weir code-server start ...` (the console script, which "
        "execs the code server), until the same Handshake, against the same `dagster api grpc` until ping;",
        "- snapshot: Dagster ListRepositories + ExternalRepository(defer_snapshots=False), the serialized "
        "repository's bytes; Weir the GetSnapshot stream's bytes; fetch time is the median of 3 fetches;",
        "- evaluations: Dagster SyncExternalSchedule/SensorExecution without an instance ref (as the anchors; "
        "with one every call loads the instance, about 40 ms); Weir EvaluateSchedule / EvaluateSensor on the "
        "code server (a pooled user process); median of the calls after 3 warm-ups;",
        "- multiprocess: Dagster `dagster asset materialize --select '*' -f FILE`, wall time of the command; "
        "Weir `weir dev -f FILE` running, then the wall time of `weir materialize --location L` (launch, "
        "follow, exit on SUCCESS);",
        "- run rows (bench/workload_variants.py, on the in-process executor on both sides): Dagster `execute_job` "
        "on a DagsterInstance over the SQLite storage and local compute logs of an empty DAGSTER_HOME, the job "
        "loaded before the clock starts; Weir `weir dev -f FILE` running, then the Host API call (LaunchRun, or "
        "ReexecuteRun from failure as `weir runs reexecute ID --from-failure` sends it) until GetRun reports "
        "SUCCESS (the host stores a run's end with its status, after all its events: stored by then), so Weir's "
        "figure includes starting the run worker. Afterwards both check that storage holds every log event and "
        "every printed line; the re-execution row's failing first run is setup, untimed;",
        "- web UI rows (bench/ui_bench.py, bench/weir_ui.py, bench/dagster_ui.py): Weir `weir dev -f FILE "
        "--ui-port 0`, HTTP calls with the browser's session cookie and gzip, the median of the calls after a "
        "first one; the graph page in headless Chromium (Playwright) from navigation until drawn and a click on a "
        "box has opened the side panel; the run page after a run of `context.log.info` events through the host, "
        "from navigation until its header and event log show; `ui_graph_cold` computes the host's graph answer "
        "in process with nothing cached. Dagster: `dagster-webserver -f FILE` (installed beside Dagster on first "
        "use) until its location is LOADED, then the GraphQL its UI sends for the global asset graph, the median "
        "of the calls after a first one; its UI lays the graph out in the browser afterwards, so its page figure "
        "is a lower bound. --smoke leaves the browser out;",
        "- Celery (bench/celery_bench.py): the layered workload with each side's Celery executor in its "
        "Definitions, two workers of `-c 2` on the same Redis (a queue of their own, results in Redis), the clock "
        "starting once both answer a ping: Weir `weir celery worker` and `weir materialize --job all_job` (then "
        "`--job forked_job`, the same assets on the default executor, for the per-step cost); Dagster "
        "`dagster-celery worker start` (bench/.venvs/dagster-celery) and `dagster asset materialize --select '*'`, "
        "whole processes;",
        "- declarative automation (bench/automation_bench.py): gen_workload.py's layered graph, every asset but "
        "the first layer with `AutomationCondition.eager()`; four ticks in a row (first, second, quiet, and a "
        "cascade after the first layer materialized), each timed in CPU seconds of the evaluating process: Weir's "
        "automation daemon plan step (read storage, evaluate, store tick, evaluations and requests) on SQLite, "
        "Dagster's `evaluate_automation_conditions` (what its automation daemon runs each tick) on a SQLite instance;",
        "- storage: Dagster's instance API on SQLite (add_run, store_event, all_logs); Weir's "
        "bench/storage_bench.py functions on SQLite, and get_events with every RunEvent parsed; rates are "
        "higher-is-better, so their ratio is Weir/Dagster.",
        "",
    ]
    return "\n".join(lines)


def _shown(path: Path) -> Path:
    path = path.resolve()
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer repetitions, slowest Dagster rows skipped")
    mode.add_argument("--smoke", action="store_true", help="Weir only, tiny sizes (CI)")
    parser.add_argument("--only", metavar="FIGURE", help="one figure by row id (or a prefix / group id)")
    parser.add_argument("--reps", type=int, help="repetitions per figure (default: 5, --quick 2, --smoke 1)")
    parser.add_argument(
        "--out",
        type=Path,
        help="where to write the table (default: bench/results/latest.md "
        "for a full or --quick run of every figure, else bench/.work/<mode>.md)",
    )
    parser.add_argument("--logs", type=Path, help="where probes and servers log (default: bench/.work/logs/<mode>)")
    parser.add_argument("--dagster-python", help="python of an existing Dagster 1.13 venv")
    parser.add_argument("--weir-python", help="python with Weir installed (default: .venv/bin/python)")
    parser.add_argument("--no-dagster", action="store_true", help="measure Weir only")
    args = parser.parse_args(argv)
    mode_name = SMOKE if args.smoke else QUICK if args.quick else FULL
    groups, shown = select(args.only)
    out = args.out or (
        RESULTS if mode_name != SMOKE and not args.only and not args.no_dagster else WORK / f"{mode_name}.md"
    )

    logs = args.logs or WORK / "logs" / (f"{mode_name}-only" if args.only else mode_name)
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="weir-bench-"))
    try:
        sides: list[Any] = []
        if mode_name != SMOKE and not args.no_dagster:
            sides.append(DagsterSide(work, logs, args.dagster_python))
        sides.append(WeirSide(work, logs, args.weir_python))
        for side in sides:
            print(f"{side.name}: {side.prepare()}", file=sys.stderr, flush=True)
        results = Results(mode_name, {})
        command = argv if argv is not None else sys.argv[1:]

        def write(results: Results) -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_suffix(".tmp")
            tmp.write_text(report(results, shown, sides, command))
            tmp.replace(out)

        try:
            run_groups(results, groups, sides, args.reps, write)
        except KeyboardInterrupt:
            print(f"interrupted; the table so far is in {_shown(out)}", file=sys.stderr)
            return 130
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(out.read_text())
    print(f"written to {_shown(out)}; logs in {_shown(logs)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
