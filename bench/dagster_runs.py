"""Dagster probes of the run rows (run under Dagster's venv): jobs executed through a persistent
DagsterInstance on the default SQLite storage of the probe's empty DAGSTER_HOME, with its local
compute log manager, as `dagster job execute` would; the job's module is loaded before the clock starts.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from bench.harness import BenchError
from bench.workload_variants import EVENT_PREFIX, FAIL_FLAG_ENV, LINE_PREFIX, LOGS_JOB


def _job(file: str, name: str) -> Any:
    """The reconstructable job `name` of the file's `defs`, its definitions already loaded (untimed)."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    job = ReconstructableRepository.for_file(file, "defs", working_directory=str(Path(file).parent))
    reconstructable = job.get_reconstructable_job(name)
    reconstructable.get_definition()
    return reconstructable


def probe_events_logs(args: dict[str, Any]) -> dict[str, Any]:
    """execute_job of the logs job, timed until it returns (every event stored, the compute log
    file closed); then checks that storage holds every log event and every printed line."""
    from dagster import DagsterInstance, execute_job

    instance = DagsterInstance.get()
    job = _job(args["file"], LOGS_JOB)
    began = time.perf_counter()
    result = execute_job(job, instance)
    elapsed = time.perf_counter() - began
    if not result.success:
        raise BenchError(f"the Dagster run {result.run_id} did not succeed")
    logged = sum(1 for e in instance.all_logs(result.run_id) if e.user_message.startswith(EVENT_PREFIX))
    files = list((Path(os.environ["DAGSTER_HOME"]) / "storage" / result.run_id / "compute_logs").glob("*.out"))
    lines = sum(1 for f in files for line in f.read_text(errors="replace").splitlines() if line.startswith(LINE_PREFIX))
    if (logged, lines) != (args["n_events"], args["n_lines"]):
        raise BenchError(
            f"storage holds {logged} log events and {lines} stdout lines of {args['n_events']} and {args['n_lines']}"
        )
    return {"events_logs": elapsed}


def probe_reexecute(args: dict[str, Any]) -> dict[str, Any]:
    """A run of the chain that fails at its last asset (setup), then execute_job with
    ReexecutionOptions.from_failure, timed until it returns successful."""
    from dagster import DagsterInstance, ReexecutionOptions, execute_job

    flag = Path(os.environ["DAGSTER_HOME"]) / "fail.flag"
    flag.touch()
    os.environ[FAIL_FLAG_ENV] = str(flag)
    instance = DagsterInstance.get()
    job = _job(args["file"], "all_job")
    first = execute_job(job, instance)
    if first.success:
        raise BenchError("the first Dagster run of the failing chain succeeded")
    flag.unlink()
    began = time.perf_counter()
    again = execute_job(job, instance, reexecution_options=ReexecutionOptions.from_failure(first.run_id, instance))
    elapsed = time.perf_counter() - began
    if not again.success:
        raise BenchError(f"the Dagster re-execution {again.run_id} from failure did not succeed")
    return {"reexecute": elapsed}
