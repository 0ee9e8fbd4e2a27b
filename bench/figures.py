"""The figures: every row of ../shared/anchors/dagster-1.13.md plus Weir-only rows, grouped by the
measurement that produces them, with their sizes for a full run, --quick and --smoke.

A group is the unit of work (one repetition = one fresh measurement on each side); a row is one
number in the table. Row ids stay the same in every mode so `--only` and the smoke test can name
them; labels show the sizes actually used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FULL, QUICK, SMOKE = "full", "quick", "smoke"


@dataclass(frozen=True)
class Row:
    id: str
    label: str  # formatted with the group's params of the mode, e.g. "{n:,}"
    unit: str  # "s", "ms", "MB", "runs/s", "events/s"
    higher_is_better: bool = False


@dataclass(frozen=True)
class Group:
    id: str
    kind: str  # the side's measure method: DagsterSide._<kind> / WeirSide._<kind>
    rows: tuple[Row, ...]
    params: dict[str, Any]
    quick: dict[str, Any] = field(default_factory=dict)  # overrides for --quick
    smoke: dict[str, Any] = field(default_factory=dict)  # overrides for --smoke
    dagster: bool = True  # False: a Weir-only figure
    quick_skip_dagster: str = ""  # why Dagster sits out --quick
    reps: dict[str, int] = field(default_factory=dict)  # repetitions by mode, when not the default

    def params_for(self, mode: str) -> dict[str, Any]:
        return {**self.params, **(self.quick if mode == QUICK else self.smoke if mode == SMOKE else {})}


def _server_rows(n: int, with_evals: bool) -> tuple[Row, ...]:
    rows = (
        Row(f"ready_{n}", "code server start until it answers (serving its snapshot), layered {n:,}", "s"),
        Row(f"rss_{n}", "code server RSS after load (Weir: server + user processes), layered {n:,}", "MB"),
        Row(f"snap_bytes_{n}", "full definitions snapshot over gRPC: size, layered {n:,}", "MB"),
        Row(f"snap_fetch_{n}", "full definitions snapshot over gRPC: fetch time, layered {n:,}", "s"),
    )
    if with_evals:
        rows += (
            Row("schedule_eval", "schedule evaluation RPC (trivial schedule), median of {evals}", "ms"),
            Row("sensor_eval", "sensor evaluation RPC (sensor that skips), median of {evals}", "ms"),
        )
    return rows


def _server(n: int, smoke_n: int, *, evals: int = 0, quick_skip: str = "") -> Group:
    return Group(
        f"server{n}",
        "server",
        _server_rows(n, bool(evals)),
        {"n": n, "suffix": str(n), "evals": evals, "timeout": 600},
        quick={"evals": min(evals, 30)},
        smoke={"n": smoke_n, "evals": min(evals, 5), "timeout": 60},
        quick_skip_dagster=quick_skip,
    )


SLOW = "skipped in --quick (the slowest Dagster rows); see the anchors or a full run"

GROUPS: tuple[Group, ...] = (
    Group(
        "import",
        "import",
        (
            Row("import_wall", '`python -c "import PKG"` wall', "s"),
            Row("import_rss", '`python -c "import PKG"` peak RSS', "MB"),
        ),
        {},
    ),
    Group(
        "startup",
        "cli",
        (Row("cli_help", "`weir --help` vs `dagster --help`: whole process wall time, median of {calls}", "s"),),
        {"commands": {"cli_help": ["--help"]}, "calls": 5, "warmup": 1},
        smoke={"calls": 1, "warmup": 0},
    ),
    Group(
        "startup_weir",
        "cli",
        (
            Row("cli_runs_help", "Weir only: `weir runs --help`, whole process wall time, median of {calls}", "s"),
            Row(
                "cli_locations_help",
                "Weir only: `weir locations --help`, whole process wall time, median of {calls}",
                "s",
            ),
        ),
        {
            "commands": {"cli_runs_help": ["runs", "--help"], "cli_locations_help": ["locations", "--help"]},
            "calls": 5,
            "warmup": 1,
        },
        smoke={"calls": 1, "warmup": 0},
        dagster=False,
    ),
    Group(
        "load1000",
        "load",
        (Row("load_1000", "load module + resolve Definitions in-process, layered {n:,}", "s"),),
        {"n": 1000, "row": "load_1000"},
        smoke={"n": 50},
    ),
    Group(
        "load5000",
        "load",
        (Row("load_5000", "load module + resolve Definitions in-process, layered {n:,}", "s"),),
        {"n": 5000, "row": "load_5000"},
        smoke={"n": 100},
        quick_skip_dagster=SLOW,
    ),
    _server(100, 20, evals=50),
    _server(1000, 50),
    Group(
        "ready_cli1000",
        "server",
        (
            Row(
                "ready_cli_1000",
                "code server ready through the command users type (`weir code-server start` vs "
                "`dagster api grpc`), layered {n:,}",
                "s",
            ),
        ),
        {"n": 1000, "suffix": "cli_1000", "via": "cli", "ready_only": True, "timeout": 600},
        smoke={"n": 50, "timeout": 60},
    ),
    _server(5000, 100, quick_skip=SLOW),
    Group(
        "mat_chain100",
        "materialize",
        (Row("mat_chain_100", "`materialize()` in-process, chain of {n}", "s"),),
        {"n": 100, "shape": "chain", "row": "mat_chain_100"},
        smoke={"n": 10},
    ),
    Group(
        "mat_layered100",
        "materialize",
        (Row("mat_layered_100", "`materialize()` in-process, layered {n}", "s"),),
        {"n": 100, "shape": "layered", "row": "mat_layered_100"},
        smoke={"n": 20},
    ),
    Group(
        "mp_chain20",
        "multiprocess",
        (Row("mp_chain_20", "multiprocess run of every asset through the host/CLI, chain of {n}", "s"),),
        {"n": 20, "shape": "chain", "row": "mp_chain_20", "timeout": 900},
        smoke={"n": 3, "timeout": 60},
        quick_skip_dagster=SLOW,
    ),
    Group(
        "mp_layered100",
        "multiprocess",
        (Row("mp_layered_100", "multiprocess run of every asset through the host/CLI, layered {n}", "s"),),
        {"n": 100, "shape": "layered", "row": "mp_layered_100", "timeout": 1200},
        smoke={"n": 10, "timeout": 60},
        quick_skip_dagster=SLOW,
    ),
    Group(
        "events_logs",
        "events_logs",
        (
            Row(
                "events_logs_throughput",
                "events + compute log end to end: one run of one op making {n_events:,} `context.log.info` calls and "
                "printing {n_lines:,} lines, launch until SUCCESS with all stored (rates: counts / time)",
                "s",
            ),
        ),
        {"n_events": 20_000, "n_lines": 100_000, "row": "events_logs_throughput", "timeout": 900},
        quick={"n_events": 2000, "n_lines": 10_000},
        smoke={"n_events": 50, "n_lines": 200, "timeout": 60},
        reps={FULL: 3, QUICK: 1},  # Dagster stores under 200 log events a second: 2-3 minutes a repetition
    ),
    Group(
        "reexecute_chain100",
        "reexecute",
        (
            Row(
                "reexecute_from_failure_chain100",
                "re-execution from failure of a chain of {n} whose last asset failed (in-process executor), "
                "until SUCCESS",
                "s",
            ),
        ),
        {"n": 100, "row": "reexecute_from_failure_chain100", "timeout": 600},
        smoke={"n": 5, "timeout": 60},
    ),
    Group(
        "storage",
        "storage",
        (
            Row("runs_create", "run storage: create runs, one per transaction ({n_runs:,})", "runs/s", True),
            Row(
                "events_write",
                "run storage: write events (Dagster one by one, Weir batched: {n_batched:,})",
                "events/s",
                True,
            ),
            Row(
                "events_write_one",
                "run storage: write events one per transaction, both ({n_events:,})",
                "events/s",
                True,
            ),
            Row("events_read", "run storage: read back {n_read:,} events of one run", "s"),
        ),
        {"n_runs": 1000, "n_events": 1000, "n_batched": 50_000, "n_read": 10_000},
        quick={"n_runs": 200, "n_events": 200, "n_batched": 20_000},
        smoke={"n_runs": 50, "n_events": 50, "n_batched": 1000, "n_read": 1000},
    ),
    Group(
        "list_runs",
        "list_runs",
        (Row("list_runs", "Weir only: newest 50 runs with a status filter among {n_runs:,} runs", "ms"),),
        {"n_runs": 100_000},
        smoke={"n_runs": 1000},
        dagster=False,
        reps={QUICK: 1},
    ),
    Group(
        "scheduler",
        "scheduler",
        (Row("scheduler_pass", "Weir only: one scheduler pass over {n_schedules:,} schedules, all due", "s"),),
        {"n_schedules": 1000},
        smoke={"n_schedules": 20},
        dagster=False,
    ),
    Group(
        "memory",
        "memory",
        (
            Row("mem_host", "Weir only: memory of the `weir dev` host, one location layered {n:,}", "MB"),
            Row("mem_codeserver", "Weir only: memory of that location's code server + user processes", "MB"),
        ),
        {"n": 1000},
        smoke={"n": 20},
        dagster=False,
    ),
    Group(
        "sdk_extras",
        "sdk_extras",
        (
            Row(
                "engine_mp_chain",
                "Weir only (bench/sdk_bench.py): multiprocess executor, chain of {n_chain}, no host",
                "s",
            ),
            Row(
                "snapshot_build", "Weir only (bench/sdk_bench.py): import + build snapshot, layered {n_snapshot:,}", "s"
            ),
        ),
        {"n_chain": 20, "n_snapshot": 5000},
        smoke={"n_chain": 3, "n_snapshot": 50},
        dagster=False,
    ),
    Group(
        "ui_graph",
        "ui_graph",
        (
            Row(
                "ui_assets_api_5000",
                "web UI (target <= 100 ms): `GET /api/assets`, every asset with its latest status, median of {calls}; "
                "Dagster: the two GraphQL queries its UI sends for the same (LocationWorkspaceAssetsQuery + "
                "AssetGraphLiveQuery), layered {n:,}",
                "ms",
            ),
            Row(
                "ui_graph_api_5000",
                "web UI: the asset graph's structure, `GET /api/assets/graph` (laid out, cached per code version) vs "
                "Dagster's LocationWorkspaceAssetsQuery (no layout), layered {n:,}",
                "ms",
            ),
            Row(
                "ui_graph_status_5000",
                "web UI: the asset graph's statuses, `GET /api/assets/graph/status` vs Dagster's AssetGraphLiveQuery "
                "(every key in one request), layered {n:,}",
                "ms",
            ),
            Row(
                "ui_graph_cold_5000",
                "web UI: the asset graph's structure with nothing cached (Weir: graph + layout + JSON + gzip, in "
                "process, once per code change) vs Dagster's LocationWorkspaceAssetsQuery, layered {n:,}",
                "ms",
            ),
            Row(
                "ui_graph_page_5000",
                "web UI (target <= 2 s): `/assets/graph?expand=all` in headless Chromium, navigation until drawn and "
                "a click on a box answered, median of {repeats}; Dagster: its two graph queries alone, a lower bound "
                "(its layout and drawing come after), layered {n:,}",
                "s",
            ),
        ),
        {
            "n": 5000,
            "suffix": "5000",
            "calls": 20,
            "repeats": 3,
            "dagster_calls": 3,
            "dagster_live_calls": 1,
            "timeout": 1200,
        },
        quick={"calls": 10, "repeats": 1, "dagster_calls": 1, "dagster_live_calls": 1},
        smoke={"n": 20, "calls": 2, "repeats": 1, "browser": False, "timeout": 120},
        reps={FULL: 3, QUICK: 1},  # a Dagster repetition takes 3 minutes: loading 5,000 assets, 30 s a live query
    ),
    Group(
        "ui_run_page",
        "ui_run_page",
        (
            Row(
                "ui_run_page_100000",
                "Weir only, web UI (target <= 1 s): `/runs/<id>` of a run with {events:,} events in headless "
                "Chromium, navigation until its header and event log show, median of {repeats}",
                "s",
            ),
        ),
        {"events": 100_000, "repeats": 3, "row": "ui_run_page_100000", "timeout": 1800},
        smoke={"events": 100, "repeats": 1, "browser": False, "timeout": 120},
        dagster=False,
        reps={FULL: 3, QUICK: 1},  # each repetition first runs the 100,000-event run through the host
    ),
    Group(
        "celery",
        "celery",  # bench/celery_bench.py (bench.run calls it for both sides)
        (
            Row(
                "celery_layered_100",
                "steps on Celery: layered {n}, two workers of {concurrency} on one Redis, Weir `celery_executor` vs "
                "`dagster-celery`, whole `weir materialize` / `dagster asset materialize` process",
                "s",
            ),
            Row(
                "celery_forked_layered_100",
                "Weir only: the same job on the default executor (forked steps), whole `weir materialize` process",
                "s",
            ),
            Row(
                "celery_step_overhead",
                "Weir only: the Celery path's cost per step, (Celery run - forked run) / {n} steps",
                "ms",
            ),
        ),
        {"n": 100, "concurrency": 2, "timeout": 900},
        smoke={"skip": "n/a in --smoke (a host and two Celery workers take half a minute): --only celery"},
        reps={FULL: 3},
    ),
    Group(
        "automation",
        "automation",  # bench/automation_bench.py (bench.run calls it for both sides)
        tuple(
            Row(
                f"automation_tick_{tick}",
                f"declarative automation: one {tick} tick over layered {{n:,}} assets with eager() ({what}), "
                "CPU of the evaluating process: Weir's daemon plan step, Dagster's evaluate_automation_conditions",
                "s",
            )
            for tick, what in (
                ("first", "every asset's first evaluation"),
                ("second", "every result changes"),
                ("quiet", "nothing changed"),
                ("cascade", "the first layer materialized: every eager asset requested"),
            )
        ),
        {"n": 5000, "timeout": 1800},
        quick={"n": 1000},
        smoke={"n": 200, "timeout": 120},
        reps={FULL: 3},
    ),
)

DEFAULT_REPS = {FULL: 5, QUICK: 2, SMOKE: 1}


def all_rows() -> list[Row]:
    return [row for group in GROUPS for row in group.rows]


def select(only: str | None) -> tuple[list[Group], set[str]]:
    """The groups to run and the row ids to show for `--only` (exact id, else prefix, else substring;
    a group id selects all its rows)."""
    if not only:
        return list(GROUPS), {row.id for row in all_rows()}
    ids = [row.id for row in all_rows()]
    wanted = {only} if only in ids else {i for i in ids if i.startswith(only)} or {i for i in ids if only in i}
    for group in GROUPS:
        if group.id == only:
            wanted = {row.id for row in group.rows}
    if not wanted:
        raise SystemExit(f"--only {only!r} matches no figure; row ids: {', '.join(ids)}")
    return [g for g in GROUPS if any(r.id in wanted for r in g.rows)], wanted
