"""Weir probes that run jobs through a `weir dev` host (run under Weir's venv, cwd = the repo):
starting the host and waiting for its location, and the run rows (events and compute-log throughput,
re-execution from failure). Module level uses the standard library only, as bench/weir_side.py.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.harness import BenchError, clean_env, started, wait_for
from bench.workload_variants import EVENT_PREFIX, FAIL_FLAG_ENV, LINE_PREFIX, LOGS_JOB

RUN_POLL_SECONDS = 0.02  # GetRun while a run goes: fine enough for runs of a second, light on the host


def start_dev(args: dict[str, Any], home: Path, **env: str) -> tuple[list[str], dict[str, str]]:
    """The `weir dev -f FILE` command and its environment (WEIR_HOME = `home`, plus `env`)."""
    weir = str(Path(args["python"]).parent / "weir")
    return [weir, "dev", "-f", args["file"], "--port", "0"], clean_env(WEIR_HOME=str(home), **env)


def wait_loaded(home: Path, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> tuple[Any, str]:
    """The Host API client once the (only) location is LOADED, and that location's name."""
    from host.cli.client import HostClient
    from protos.weir.v1 import host_pb2

    endpoint = home / "host.json"
    info = wait_for(
        "weir dev writing host.json",
        lambda: endpoint.exists() and json.loads(endpoint.read_text()),
        timeout,
        proc=proc,
        log=log,
    )
    client = HostClient(info["address"], info.get("token"))

    def loaded() -> str:
        for location in client.locations():
            if location.status == host_pb2.LOCATION_ERROR:
                raise BenchError(f"location {location.name} failed to load: {location.load_error.message}")
            if location.status == host_pb2.LOCATION_LOADED:
                return str(location.name)
        return ""

    return client, wait_for("weir dev loading the location", loaded, timeout, interval=0.05, proc=proc, log=log)


def _ended(client: Any, run_id: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> Any:
    """The run once it has ended. The host stores a run's end event and its status in one transaction,
    after every event before it: an ended status means everything the run emitted is in storage."""
    from protos.weir.v1 import host_pb2

    ended = (host_pb2.SUCCESS, host_pb2.FAILURE, host_pb2.CANCELED)

    def run() -> Any:
        found = client.get_run(run_id)
        return found if found.status in ended else None

    return wait_for(f"run {run_id} ending", run, timeout, interval=RUN_POLL_SECONDS, proc=proc, log=log)


def _check_success(run: Any, what: str) -> None:
    from protos.weir.v1 import host_pb2

    if run.status != host_pb2.SUCCESS:
        raise BenchError(
            f"the Weir {what} {run.run_id} ended {host_pb2.RunStatus.Name(run.status)}: {run.failure_reason[:300]}"
        )


def probe_events_logs(args: dict[str, Any]) -> dict[str, Any]:
    """`weir dev -f FILE`, then the logs job launched through the Host API, timed from LaunchRun until
    the host reports SUCCESS (every event, compute-log chunks included, stored by then); then checks
    that storage holds every log event and every printed line."""
    from protos.weir.v1 import common_pb2, host_pb2

    log, home = Path(args["log"]), Path(args["home"])
    command, env = start_dev(args, home)
    with started(command, cwd=Path(args["file"]).parent, env=env, log=log) as proc:
        client, location = wait_loaded(home, proc, log, args["timeout"])
        began = time.perf_counter()
        launched = client.launch_run(host_pb2.LaunchRunRequest(location=location, job_name=LOGS_JOB))
        run = _ended(client, launched.run_id, proc, log, args["timeout"])
        elapsed = time.perf_counter() - began
        _check_success(run, "run")
        logged, stdout = 0, []
        for page in client.event_pages(run.run_id):
            for event in page.events:
                if event.type == common_pb2.LOG and event.message.startswith(EVENT_PREFIX):
                    logged += 1
                elif event.type == common_pb2.COMPUTE_LOG and event.stream == "stdout":
                    stdout.append(event.message)
    lines = sum(1 for line in "".join(stdout).splitlines() if line.startswith(LINE_PREFIX))
    if (logged, lines) != (args["n_events"], args["n_lines"]):
        raise BenchError(
            f"storage holds {logged} log events and {lines} stdout lines of {args['n_events']} and {args['n_lines']}"
        )
    return {"events_logs": elapsed}


def probe_reexecute(args: dict[str, Any]) -> dict[str, Any]:
    """`weir dev -f FILE`, a run of every asset of the chain that fails at its last asset (setup), then
    ReexecuteRun from failure (what `weir runs reexecute ID --from-failure` sends), timed until SUCCESS."""
    from protos.weir.v1 import host_pb2

    log, home = Path(args["log"]), Path(args["home"])
    flag = home / "fail.flag"
    flag.touch()
    command, env = start_dev(args, home, **{FAIL_FLAG_ENV: str(flag)})
    with started(command, cwd=Path(args["file"]).parent, env=env, log=log) as proc:
        client, location = wait_loaded(home, proc, log, args["timeout"])
        first = client.launch_run(host_pb2.LaunchRunRequest(location=location, job_name="all_job"))
        first = _ended(client, first.run_id, proc, log, args["timeout"])
        if first.status != host_pb2.FAILURE:
            raise BenchError(f"the first Weir run of the failing chain ended {host_pb2.RunStatus.Name(first.status)}")
        flag.unlink()
        began = time.perf_counter()
        again = client.reexecute_run(first.run_id, from_failure=True)
        again = _ended(client, again.run_id, proc, log, args["timeout"])
        elapsed = time.perf_counter() - began
        _check_success(again, "re-execution from failure")
    return {"reexecute": elapsed}
