"""The Dagster side: Dagster 1.13 in its own venv (bench/.venvs/dagster), never a Weir dependency.

The runner calls `DagsterSide.measure(kind, params)` in its own process; each measurement runs in
fresh subprocesses of the Dagster venv (the CLI, `dagster api grpc`, or this module in probe mode:
`bench/.venvs/dagster/bin/python -m bench.dagster_side probe NAME ARGS`), so nothing Dagster imports
leaks into the runner or into the Weir side. Module level uses the standard library only.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.dagster_runs import probe_events_logs, probe_reexecute
from bench.dagster_ui import measure_dagster
from bench.harness import (
    BENCH,
    MB,
    BenchError,
    clean_env,
    command_walls,
    free_port,
    median_latency,
    probe_load,
    probe_main,
    probe_materialize,
    run_probe,
    settled_tree_rss,
    started,
    timed_command,
    wait_for,
    workload,
)
from bench.workload_variants import failing_chain, logs_workload

VENV = BENCH / ".venvs" / "dagster"
REQUIREMENT = "dagster==1.13.*"
PKG = "dagster"


class DagsterSide:
    """Measures one repetition of a figure on Dagster; `work` holds workloads, homes and logs."""

    name = "Dagster"

    def __init__(self, work: Path, logs: Path, python: str | None = None) -> None:
        self.work = work
        self.logs = logs
        self.python = python or str(VENV / "bin" / "python")
        self.bin = Path(self.python).parent
        self.version = ""

    def prepare(self) -> str:
        """Install Dagster 1.13 into the bench's own venv when it is not there yet; its version."""
        if not self._installed_version().startswith("1.13."):
            print(f"installing {REQUIREMENT} into {VENV} (once) ...", file=sys.stderr, flush=True)
            if not Path(self.python).exists():
                subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            subprocess.run(
                [self.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REQUIREMENT],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self.version = self._installed_version()
        if not self.version.startswith("1.13."):
            raise BenchError(f"Dagster 1.13 is not importable from {self.python} (found {self.version!r})")
        return self.version

    def _installed_version(self) -> str:
        if not Path(self.python).exists():
            return ""
        done = subprocess.run(
            [self.python, "-c", "from importlib.metadata import version; print(version('dagster'))"],
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    # one repetition of each kind of figure ------------------------------------------------------
    def measure(self, kind: str, params: dict[str, Any]) -> dict[str, float]:
        return getattr(self, f"_{kind}")(params)  # type: ignore[no-any-return]

    def _home(self) -> Path:
        """An empty DAGSTER_HOME (default SQLite storage), fresh for every repetition."""
        home = self.work / "dagster_homes" / uuid.uuid4().hex[:12]
        home.mkdir(parents=True)
        return home

    def _env(self) -> dict[str, str]:
        return clean_env(DAGSTER_HOME=str(self._home()))

    def _probe(self, name: str, args: dict[str, Any], timeout: float) -> dict[str, Any]:
        return run_probe(
            self.python,
            "bench.dagster_side",
            name,
            args,
            env=self._env(),
            timeout=timeout,
            log=self.logs / f"dagster_{name}.log",
        )

    def _import(self, params: dict[str, Any]) -> dict[str, float]:
        wall, rss = timed_command(
            [self.python, "-c", "import dagster"],
            cwd=self.work,
            env=self._env(),
            timeout=120,
            log=self.logs / "dagster_import.log",
        )
        return {"import_wall": wall, "import_rss": rss / MB}

    def _cli(self, params: dict[str, Any]) -> dict[str, float]:
        """The `dagster` console script of the venv, from an empty DAGSTER_HOME."""
        commands = {row: [str(self.bin / "dagster"), *args] for row, args in params["commands"].items()}
        return command_walls(
            commands,
            cwd=self.work,
            env=self._env(),
            calls=params["calls"],
            warmup=params["warmup"],
            log=self.logs / "dagster_cli.log",
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
        args = {
            "file": str(file),
            "bin": str(self.bin),
            "evals": params.get("evals", 0),
            "ready_only": params.get("ready_only", False),
            "timeout": params.get("timeout", 600),
            "log": str(self.logs / f"dagster_grpc_{params['suffix']}.log"),
        }
        result = self._probe("server", args, timeout=params.get("timeout", 600) + 120)
        return {
            f"{key}_{params['suffix']}" if key in ("ready", "rss", "snap_bytes", "snap_fetch") else key: value
            for key, value in result.items()
        }

    def _multiprocess(self, params: dict[str, Any]) -> dict[str, float]:
        """`dagster asset materialize --select '*' -f FILE`: the default (multiprocess) executor."""
        file = workload(self.work, params["n"], params["shape"], PKG)
        wall, _ = timed_command(
            [str(self.bin / "dagster"), "asset", "materialize", "--select", "*", "-f", str(file)],
            cwd=file.parent,
            env=self._env(),
            timeout=params.get("timeout", 1200),
            log=self.logs / f"dagster_materialize_{file.stem}.log",
        )
        return {params["row"]: wall}

    def _storage(self, params: dict[str, Any]) -> dict[str, float]:
        return self._probe("storage", params, timeout=params.get("timeout", 600))

    def _events_logs(self, params: dict[str, Any]) -> dict[str, float]:
        file = logs_workload(self.work, params["n_events"], params["n_lines"], PKG)
        args = {**params, "file": str(file)}
        return {params["row"]: self._probe("events_logs", args, timeout=params["timeout"])["events_logs"]}

    def _reexecute(self, params: dict[str, Any]) -> dict[str, float]:
        file = failing_chain(self.work, params["n"], PKG)
        args = {**params, "file": str(file)}
        return {params["row"]: self._probe("reexecute", args, timeout=params["timeout"])["reexecute"]}

    def _ui_graph(self, params: dict[str, Any]) -> dict[str, float]:
        """dagster-webserver on the same layered file and the GraphQL its UI sends for the global asset
        graph (bench/dagster_ui.py): the structure query, the live-status query, and their sum where a
        Weir row answers both at once (the catalog with statuses; the graph page, as a lower bound)."""
        work = self.work / "ui"
        work.mkdir(parents=True, exist_ok=True)
        try:
            found = measure_dagster(
                work,
                params["n"],
                params["dagster_calls"],
                live_calls=params["dagster_live_calls"],
                python=Path(self.python),
                log=self.logs / "dagster_webserver.log",
                timeout=params["timeout"],
            )
        except (OSError, subprocess.CalledProcessError, KeyError, TypeError) as exc:
            raise BenchError(f"Dagster's webserver: {type(exc).__name__}: {exc}") from None
        structure, live = found["structure"]["median_ms"], found["live"]["median_ms"]
        suffix = params["suffix"]
        return {
            f"ui_assets_api_{suffix}": structure + live,
            f"ui_graph_api_{suffix}": structure,
            f"ui_graph_status_{suffix}": live,
            f"ui_graph_page_{suffix}": (structure + live) / 1000,
            f"ui_graph_cold_{suffix}": structure,
        }


# probes (run under Dagster's venv) ---------------------------------------------------------------


def probe_server(args: dict[str, Any]) -> dict[str, Any]:
    """`dagster api grpc -f FILE` from spawn until ping answers; unless ready_only: its RSS, the full
    repository snapshot (ListRepositories + ExternalRepository, as a host fetches it), evaluation latencies."""
    from dagster._core.remote_origin import GrpcServerCodeLocationOrigin, RemoteRepositoryOrigin
    from dagster._grpc.client import DagsterGrpcClient
    from dagster._grpc.types import ListRepositoriesResponse
    from dagster._serdes import deserialize_value

    file, log = Path(args["file"]), Path(args["log"])
    port = free_port()
    client = DagsterGrpcClient(port=port, host="127.0.0.1")

    def answers() -> bool:
        try:
            client.ping("bench")
        except Exception:
            return False
        return True

    command = [str(Path(args["bin"]) / "dagster"), "api", "grpc", "-f", str(file), "-h", "127.0.0.1", "-p", str(port)]
    began = time.perf_counter()
    with started(command, cwd=file.parent, env=clean_env(DAGSTER_HOME=_home_of_probe()), log=log) as proc:
        wait_for("dagster api grpc answering ping", answers, args["timeout"], interval=0.02, proc=proc, log=log)
        result: dict[str, Any] = {"ready": time.perf_counter() - began}
        if args.get("ready_only"):
            return result
        result["rss"] = settled_tree_rss(proc.pid) / MB
        listing = deserialize_value(client.list_repositories(), ListRepositoriesResponse)
        repository = listing.repository_symbols[0].repository_name
        location = GrpcServerCodeLocationOrigin(host="127.0.0.1", port=port, location_name=file.stem)
        origin = RemoteRepositoryOrigin(location, repository)
        sizes: list[int] = []

        def fetch() -> None:
            sizes.append(len(client.external_repository(origin, defer_snapshots=False).encode()))

        result["snap_fetch"] = median_latency(fetch, warmup=0, calls=3)
        result["snap_bytes"] = sizes[-1] / MB
        if args["evals"]:
            try:
                result.update(_evaluations(client, origin, int(args["evals"])))
            except BenchError as exc:
                result["row_errors"] = {"schedule_eval": str(exc), "sensor_eval": str(exc)}
    return result


def _evaluations(client: Any, origin: Any, calls: int) -> dict[str, float]:
    """Median milliseconds of the schedule and sensor evaluation RPCs, after checking both succeed.

    No instance ref, as the anchors measured: with one, every call loads the instance (about 40 ms).
    """
    from dagster._grpc.types import ExternalScheduleExecutionArgs, SensorExecutionArgs
    from dagster._serdes import deserialize_value

    schedule = ExternalScheduleExecutionArgs(
        repository_origin=origin,
        instance_ref=None,
        schedule_name="all_job_schedule",
        scheduled_execution_timestamp=time.time(),
        scheduled_execution_timezone="UTC",
    )
    sensor = SensorExecutionArgs(repository_origin=origin, instance_ref=None, sensor_name="ping_sensor", timeout=60)
    _check_evaluation(deserialize_value(client.external_schedule_execution(schedule)), "schedule")
    _check_evaluation(deserialize_value(client.external_sensor_execution(sensor)), "sensor")
    return {
        "schedule_eval": 1000
        * median_latency(lambda: client.external_schedule_execution(schedule), warmup=3, calls=calls),
        "sensor_eval": 1000 * median_latency(lambda: client.external_sensor_execution(sensor), warmup=3, calls=calls),
    }


def _home_of_probe() -> str:
    import os

    return os.environ["DAGSTER_HOME"]


def _check_evaluation(value: Any, what: str) -> None:
    if "Error" in type(value).__name__:
        raise BenchError(f"Dagster {what} evaluation failed: {getattr(value, 'error', value)}")


def probe_storage(args: dict[str, Any]) -> dict[str, Any]:
    """Run storage through the instance API on the default SQLite storage of an empty DAGSTER_HOME:
    runs created one by one, engine events stored one by one, a run's events read back."""
    import logging

    from dagster import DagsterEvent, DagsterEventType, DagsterInstance, EventLogEntry
    from dagster._core.events import EngineEventData
    from dagster._core.storage.dagster_run import DagsterRun
    from dagster._core.utils import make_new_run_id

    instance = DagsterInstance.get()
    job = "bench_job"

    def entries(run_id: str, count: int) -> list[EventLogEntry]:
        return [
            EventLogEntry(
                error_info=None,
                level=logging.INFO,
                user_message="x" * 120,
                run_id=run_id,
                timestamp=time.time(),
                step_key=f"step_{i % 50}",
                job_name=job,
                dagster_event=DagsterEvent(
                    event_type_value=DagsterEventType.ENGINE_EVENT.value,
                    job_name=job,
                    message="x" * 120,
                    event_specific_data=EngineEventData(),
                    step_key=f"step_{i % 50}",
                ),
            )
            for i in range(count)
        ]

    runs = [DagsterRun(job_name=job, run_id=make_new_run_id()) for _ in range(args["n_runs"])]
    began = time.perf_counter()
    for run in runs:
        instance.add_run(run)
    result = {"runs_create": len(runs) / (time.perf_counter() - began)}

    run_id = instance.add_run(DagsterRun(job_name=job, run_id=make_new_run_id())).run_id
    batch = entries(run_id, args["n_events"])
    began = time.perf_counter()
    for entry in batch:
        instance.store_event(entry)
    result["events_write"] = result["events_write_one"] = len(batch) / (time.perf_counter() - began)

    read_id = instance.add_run(DagsterRun(job_name=job, run_id=make_new_run_id())).run_id
    _insert_at_once(instance.event_log_storage, read_id, entries(read_id, args["n_read"]))
    began = time.perf_counter()
    logs = instance.all_logs(read_id)
    result["events_read"] = time.perf_counter() - began
    if len(logs) != args["n_read"]:
        raise BenchError(f"read back {len(logs)} events, wrote {args['n_read']}")
    return result


def _insert_at_once(storage: Any, run_id: str, events: list[Any]) -> None:
    """Setup for the read-back figure, not measured: the rows `store_event` would write, inserted in
    one transaction (storing 10,000 events one by one would take the better part of a minute)."""
    from dagster._core.storage.event_log.schema import SqlEventLogStorageTable

    with storage.run_connection(run_id) as conn:
        conn.execute(SqlEventLogStorageTable.insert(), [storage._event_to_row(event) for event in events])


PROBES = {
    "load": probe_load,
    "materialize": probe_materialize,
    "server": probe_server,
    "storage": probe_storage,
    "events_logs": probe_events_logs,
    "reexecute": probe_reexecute,
}

if __name__ == "__main__":
    probe_main(PROBES)
