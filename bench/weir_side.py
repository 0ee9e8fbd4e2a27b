"""The Weir side: Weir from this repo, under its dev venv (.venv) unless told otherwise.

The runner calls `WeirSide.measure(kind, params)` in its own process; every measurement runs in fresh
subprocesses (the `weir` CLI, `python -m codeserver`, or this module in probe mode:
`.venv/bin/python -m bench.weir_side probe NAME ARGS`). Module level uses the standard library only,
so the runner never imports grpc, sqlalchemy or sdk itself.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.harness import (
    MB,
    REPO,
    BenchError,
    clean_env,
    command_walls,
    median_latency,
    probe_load,
    probe_main,
    probe_materialize,
    rss_bytes,
    run_probe,
    settled_tree_rss,
    started,
    timed_command,
    tree_rss_bytes,
    wait_for,
    workload,
)
from bench.weir_runs import probe_events_logs, probe_reexecute, start_dev, wait_loaded
from bench.weir_ui import probe_ui_graph, probe_ui_run_page
from bench.workload_variants import failing_chain, logs_workload

PKG = "sdk"
NOT_YET = "n/a (not yet available)"


def default_python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


class WeirSide:
    """Measures one repetition of a figure on Weir; `work` holds workloads, homes and logs."""

    name = "Weir"

    def __init__(self, work: Path, logs: Path, python: str | None = None) -> None:
        self.work = work
        self.logs = logs
        self.python = python or default_python()
        self.version = ""

    def prepare(self) -> str:
        done = subprocess.run(
            [self.python, "-c", "import sdk, codeserver, host; print(sdk.__version__)"],
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BenchError(
                f"Weir is not importable with {self.python}: {done.stderr[-500:]} "
                "(run tests/run.sh once to build .venv)"
            )
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        tree = f"commit {commit.stdout.strip() or '?'}" + (" + uncommitted changes" if dirty else "")
        self.version = f"{done.stdout.strip()} ({tree}, {self.python})"
        return self.version

    def measure(self, kind: str, params: dict[str, Any]) -> dict[str, float]:
        return getattr(self, f"_{kind}")(params)  # type: ignore[no-any-return]

    def _home(self) -> Path:
        home = self.work / "weir_homes" / uuid.uuid4().hex[:12]
        home.mkdir(parents=True)
        return home

    def _probe(self, name: str, args: dict[str, Any], timeout: float) -> dict[str, Any]:
        home = self._home()
        return run_probe(
            self.python,
            "bench.weir_side",
            name,
            {**args, "home": str(home)},
            env=clean_env(WEIR_HOME=str(home)),
            timeout=timeout,
            log=self.logs / f"weir_{name}.log",
        )

    def _import(self, params: dict[str, Any]) -> dict[str, float]:
        wall, rss = timed_command(
            [self.python, "-c", "import sdk"], cwd=REPO, env=clean_env(), timeout=120, log=self.logs / "weir_import.log"
        )
        return {"import_wall": wall, "import_rss": rss / MB}

    def _cli(self, params: dict[str, Any]) -> dict[str, float]:
        """The `weir` console script users type, from a fresh WEIR_HOME (no host running)."""
        weir = str(Path(self.python).parent / "weir")
        home = self._home()
        commands = {row: [weir, *args] for row, args in params["commands"].items()}
        return command_walls(
            commands,
            cwd=home,
            env=clean_env(WEIR_HOME=str(home)),
            calls=params["calls"],
            warmup=params["warmup"],
            log=self.logs / "weir_cli.log",
        )

    def _load(self, params: dict[str, Any]) -> dict[str, float]:
        file = workload(self.work, params["n"], "layered", PKG)
        result = self._probe("load", {"pkg": PKG, "file": str(file)}, timeout=params.get("timeout", 600))
        return {params["row"]: result["load"]}

    def _materialize(self, params: dict[str, Any]) -> dict[str, float]:
        file = workload(self.work, params["n"], params["shape"], PKG)
        result = self._probe("materialize", {"pkg": PKG, "file": str(file)}, timeout=params.get("timeout", 600))
        return {params["row"]: result["materialize"]}

    def _server(self, params: dict[str, Any]) -> dict[str, float]:
        file = workload(self.work, params["n"], "layered", PKG)
        via = params.get("via", "module")
        args = {
            "file": str(file),
            "python": self.python,
            "evals": params.get("evals", 0),
            "via": via,
            "ready_only": params.get("ready_only", False),
            "timeout": params.get("timeout", 600),
            "log": str(self.logs / f"weir_codeserver_{via}_{params['n']}.log"),
        }
        result = self._probe("server", args, timeout=params.get("timeout", 600) + 120)
        return {
            f"{key}_{params['suffix']}" if key in ("ready", "rss", "snap_bytes", "snap_fetch") else key: value
            for key, value in result.items()
        }

    def _multiprocess(self, params: dict[str, Any]) -> dict[str, float]:
        file = workload(self.work, params["n"], params["shape"], PKG, executor="multiprocess_executor")
        args = {
            "file": str(file),
            "python": self.python,
            "timeout": params.get("timeout", 600),
            "log": str(self.logs / f"weir_dev_{file.stem}.log"),
        }
        result = self._probe("multiprocess", args, timeout=params.get("timeout", 600) + 120)
        return {params["row"]: result["run"]}

    def _memory(self, params: dict[str, Any]) -> dict[str, float]:
        file = workload(self.work, params["n"], "layered", PKG)
        args = {
            "file": str(file),
            "python": self.python,
            "timeout": params.get("timeout", 300),
            "log": str(self.logs / f"weir_dev_memory_{params['n']}.log"),
        }
        return self._probe("memory", args, timeout=params.get("timeout", 300) + 60)

    def _events_logs(self, params: dict[str, Any]) -> dict[str, float]:
        file = logs_workload(self.work, params["n_events"], params["n_lines"], PKG)
        return {params["row"]: self._run_probe("events_logs", file, params)["events_logs"]}

    def _reexecute(self, params: dict[str, Any]) -> dict[str, float]:
        file = failing_chain(self.work, params["n"], PKG)
        return {params["row"]: self._run_probe("reexecute", file, params)["reexecute"]}

    def _run_probe(self, name: str, file: Path, params: dict[str, Any]) -> dict[str, Any]:
        """A probe that starts `weir dev -f FILE` and runs something through it."""
        args = {**params, "file": str(file), "python": self.python, "log": str(self.logs / f"weir_dev_{file.stem}.log")}
        return self._probe(name, args, timeout=params["timeout"] + 120)

    def _storage(self, params: dict[str, Any]) -> dict[str, float]:
        return self._probe("storage", params, timeout=params.get("timeout", 600))

    def _ui_graph(self, params: dict[str, Any]) -> dict[str, float]:
        """bench/ui_bench.py through `weir dev` and headless Chromium; rows `<key>_<suffix>`."""
        result = self._probe("ui_graph", self._ui_args(params), timeout=params["timeout"])
        return _suffixed(result, params["suffix"])

    def _ui_run_page(self, params: dict[str, Any]) -> dict[str, float]:
        result = self._probe("ui_run_page", self._ui_args(params), timeout=params["timeout"])
        return {params["row"]: result["ui_run_page"]}

    def _ui_args(self, params: dict[str, Any]) -> dict[str, Any]:
        work = self.work / "ui"
        work.mkdir(parents=True, exist_ok=True)
        return {**params, "python": self.python, "work": str(work), "logs": str(self.logs)}

    def _list_runs(self, params: dict[str, Any]) -> dict[str, float]:
        return self._probe("list_runs", params, timeout=params.get("timeout", 900))

    def _scheduler(self, params: dict[str, Any]) -> dict[str, float]:
        return self._probe("scheduler", params, timeout=params.get("timeout", 600))

    def _sdk_extras(self, params: dict[str, Any]) -> dict[str, float]:
        return self._probe("sdk_extras", params, timeout=params.get("timeout", 600))


def _suffixed(result: dict[str, Any], suffix: str) -> dict[str, Any]:
    """A probe's keys (row errors' too) as row ids: `<key>_<suffix>`."""
    rows = {f"{key}_{suffix}": value for key, value in result.items() if key != "row_errors"}
    if "row_errors" in result:
        rows["row_errors"] = {f"{key}_{suffix}": value for key, value in result["row_errors"].items()}
    return rows


# probes (run under Weir's venv, cwd = the repo) ---------------------------------------------------


def _bench_module(name: str) -> Any:
    """A sibling bench module another engineer owns, or None while it does not exist yet."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return None
    return importlib.import_module(f"bench.{name}")


def _server_command(args: dict[str, Any], ready_file: Path) -> list[str]:
    """`python -m codeserver start ...`, or with via=cli the `weir code-server start ...` users type
    (the console script, which execs the former: its own start-up is part of the figure)."""
    start = ["start", "-f", args["file"], "--host", "127.0.0.1", "--port", "0", "--ready-file", str(ready_file)]
    if args.get("via") == "cli":
        return [str(Path(args["python"]).parent / "weir"), "code-server", *start]
    return [args["python"], "-m", "codeserver", *start]


def probe_server(args: dict[str, Any]) -> dict[str, Any]:
    """The code server (see _server_command) from spawn until the Handshake reports a snapshot id
    (loaded and serving it); unless ready_only: RSS of the server and its user processes, the
    GetSnapshot stream, EvaluateSchedule / EvaluateSensor latencies."""
    import grpc

    from codeserver.location import DEFAULT_POOL_SIZE
    from protos import wire
    from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc

    file, log = Path(args["file"]), Path(args["log"])
    ready_file = Path(args["home"]) / "ready.json"
    command = _server_command(args, ready_file)
    env = clean_env(WEIR_HOME=str(ready_file.parent))
    handshake = codeserver_pb2.HandshakeRequest(protocol_version=wire.PROTOCOL_VERSION, client_name="bench")
    stub: list[Any] = []

    def snapshot_id() -> str:
        if not stub:
            if not ready_file.exists():
                return ""
            port = json.loads(ready_file.read_text())["port"]
            stub.append(codeserver_pb2_grpc.CodeServerStub(wire.open_channel(f"127.0.0.1:{port}")))
        try:
            reply = stub[0].Handshake(handshake, timeout=10)
        except grpc.RpcError:
            return ""
        if reply.load_error.message:
            raise BenchError(f"the code server failed to load: {reply.load_error.message}")
        return str(reply.snapshot_id)

    began = time.perf_counter()
    with started(command, cwd=file.parent, env=env, log=log) as proc:
        wait_for("code server reporting a snapshot id", snapshot_id, args["timeout"], interval=0.01, proc=proc, log=log)
        result: dict[str, Any] = {"ready": time.perf_counter() - began}
        if args.get("ready_only"):
            return result
        result["rss"] = settled_tree_rss(proc.pid, min_processes=1 + DEFAULT_POOL_SIZE) / MB
        sizes: list[int] = []

        def fetch() -> None:
            sizes.append(
                sum(len(chunk.data) for chunk in stub[0].GetSnapshot(codeserver_pb2.GetSnapshotRequest(), timeout=120))
            )

        result["snap_fetch"] = median_latency(fetch, warmup=0, calls=3)
        result["snap_bytes"] = sizes[-1] / MB
        if args["evals"]:
            try:
                result.update(_evaluations(stub[0], int(args["evals"])))
            except BenchError as exc:
                result["row_errors"] = {"schedule_eval": str(exc), "sensor_eval": str(exc)}
    return result


def _evaluations(stub: Any, calls: int) -> dict[str, float]:
    """Median milliseconds of EvaluateSchedule and EvaluateSensor, after checking both succeed."""
    from protos.weir.v1 import codeserver_pb2

    schedule = codeserver_pb2.EvaluateScheduleRequest(
        schedule_name="all_job_schedule", scheduled_time=time.time(), timeout_seconds=30
    )
    sensor = codeserver_pb2.EvaluateSensorRequest(
        sensor_name="ping_sensor", timeout_seconds=30, evaluation_time=time.time()
    )
    for what, method, request in (
        ("schedule", stub.EvaluateSchedule, schedule),
        ("sensor", stub.EvaluateSensor, sensor),
    ):
        reply = method(request, timeout=30)
        if reply.error.message or reply.timed_out:
            raise BenchError(f"Weir {what} evaluation failed: {reply.error.message}")
    return {
        "schedule_eval": 1000
        * median_latency(lambda: stub.EvaluateSchedule(schedule, timeout=30), warmup=3, calls=calls),
        "sensor_eval": 1000 * median_latency(lambda: stub.EvaluateSensor(sensor, timeout=30), warmup=3, calls=calls),
    }


def probe_multiprocess(args: dict[str, Any]) -> dict[str, Any]:
    """`weir dev -f FILE` (host + code server), then `weir materialize --location L` of every asset,
    timed from the CLI's start to its exit (it follows the run to the end; non-zero unless SUCCESS)."""
    log = Path(args["log"])
    home = Path(args["home"])
    command, env = start_dev(args, home)
    with started(command, cwd=Path(args["file"]).parent, env=env, log=log) as proc:
        _, location = wait_loaded(home, proc, log, args["timeout"])
        weir = str(Path(args["python"]).parent / "weir")
        wall, _ = timed_command(
            [weir, "materialize", "--location", location],
            cwd=home,
            env=env,
            timeout=args["timeout"],
            log=log.with_suffix(".materialize.log"),
        )
    return {"run": wall}


def probe_memory(args: dict[str, Any]) -> dict[str, Any]:
    """RSS of the `weir dev` host process and, apart, of its code server with its user processes."""
    from codeserver.location import DEFAULT_POOL_SIZE

    log = Path(args["log"])
    home = Path(args["home"])
    command, env = start_dev(args, home)
    with started(command, cwd=Path(args["file"]).parent, env=env, log=log) as proc:
        wait_loaded(home, proc, log, args["timeout"])
        settled_tree_rss(proc.pid, min_processes=2 + DEFAULT_POOL_SIZE)
        servers = _children(proc.pid)
        if not servers:
            raise BenchError("weir dev runs no code server process")
        return {
            "mem_host": rss_bytes(proc.pid) / MB,
            "mem_codeserver": sum(tree_rss_bytes(pid) for pid in servers) / MB,
        }


def _children(pid: int) -> set[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return {int(p) for p in f.read().split()}
    except OSError:
        return set()


def _sqlite_url(home: str) -> str:
    return f"sqlite:///{Path(home) / 'bench.db'}"


def probe_storage(args: dict[str, Any]) -> dict[str, Any]:
    """bench/storage_bench.py's rates on a fresh SQLite database, plus reading a run's events back
    (the stored rows and every RunEvent parsed, as the host serves GetRunEvents)."""
    storage_bench = _bench_module("storage_bench")
    if storage_bench is None:
        raise BenchError(NOT_YET)
    from host.storage import events, runs
    from host.storage.engine import ensure_schema, open_engine
    from host.storage.records import RunRecord
    from protos.weir.v1 import common_pb2

    url = _sqlite_url(args["home"])
    result = {
        "runs_create": storage_bench.measure_run_creation_rate(url, n_runs=args["n_runs"]),
        "events_write": storage_bench.measure_event_write_rate(url, n_events=args["n_batched"]),
        "events_write_one": storage_bench.measure_event_write_rate(url, n_events=args["n_events"], batch_size=1),
    }
    engine = open_engine(url)
    ensure_schema(engine)
    run_id = f"bench-read-{uuid.uuid4().hex}"
    records = [
        events.event_record(
            common_pb2.RunEvent(
                run_id=run_id,
                sequence=i,
                timestamp=time.time(),
                step_key=f"step_{i % 50}",
                type=common_pb2.LOG,
                message="x" * 120,
                level="INFO",
            )
        )
        for i in range(args["n_read"])
    ]
    with engine.begin() as conn:
        runs.add_run(
            conn,
            RunRecord(
                run_id=run_id,
                location="bench",
                job_name="bench_job",
                status="STARTED",
                asset_selection=(),
                run_config_json="{}",
                tags={},
                snapshot_id="0" * 64,
                created_at=time.time(),
            ),
        )
        events.add_events(conn, records)
    began = time.perf_counter()
    with engine.connect() as conn:
        stored = events.get_events(conn, run_id)
    parsed = [common_pb2.RunEvent.FromString(record.body) for record in stored]
    result["events_read"] = time.perf_counter() - began
    engine.dispose()
    if len(parsed) != args["n_read"]:
        raise BenchError(f"read back {len(parsed)} events, wrote {args['n_read']}")
    return result


def probe_list_runs(args: dict[str, Any]) -> dict[str, Any]:
    storage_bench = _bench_module("storage_bench")
    if storage_bench is None:
        raise BenchError(NOT_YET)
    return {"list_runs": 1000 * storage_bench.measure_list_runs_latency(_sqlite_url(args["home"]), args["n_runs"])}


def probe_scheduler(args: dict[str, Any]) -> dict[str, Any]:
    scheduler_bench = _bench_module("scheduler_bench")
    if scheduler_bench is None or not hasattr(scheduler_bench, "measure_scheduler_pass"):
        raise BenchError(NOT_YET)
    return {"scheduler_pass": float(scheduler_bench.measure_scheduler_pass(args["n_schedules"]))}


def probe_sdk_extras(args: dict[str, Any]) -> dict[str, Any]:
    """bench/sdk_bench.py's own figures: the multiprocess executor without the host, snapshot build."""
    sdk_bench = _bench_module("sdk_bench")
    if sdk_bench is None:
        raise BenchError(NOT_YET)
    result = {"engine_mp_chain": float(sdk_bench.measure_multiprocess(args["n_chain"], "chain"))}
    imported, built, _ = sdk_bench.measure_snapshot(args["n_snapshot"])
    result["snapshot_build"] = float(imported + built)
    return result


PROBES = {
    "load": probe_load,
    "materialize": probe_materialize,
    "server": probe_server,
    "multiprocess": probe_multiprocess,
    "memory": probe_memory,
    "storage": probe_storage,
    "list_runs": probe_list_runs,
    "scheduler": probe_scheduler,
    "sdk_extras": probe_sdk_extras,
    "events_logs": probe_events_logs,
    "reexecute": probe_reexecute,
    "ui_graph": probe_ui_graph,
    "ui_run_page": probe_ui_run_page,
}

if __name__ == "__main__":
    probe_main(PROBES)
