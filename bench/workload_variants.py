"""Workloads of the run rows, the same text for `import dagster as dg` and `import sdk as dg`:
a job of one op that logs and prints (events and compute-log throughput), and gen_workload.py's
chain whose last asset fails while a flag file exists (re-execution from failure). Standard library
only: both sides' probes and the runner import it.
"""

from __future__ import annotations

from pathlib import Path

from bench.harness import BenchError, workload

FAIL_FLAG_ENV = "BENCH_FAIL_FLAG"  # the path of a file; while it exists the chain's last asset raises
LOGS_JOB = "logs_job"
EVENT_PREFIX = "bench event "
LINE_PREFIX = "bench line "

_LOGS = """import {pkg} as dg


@dg.op
def emit(context: dg.OpExecutionContext) -> None:
    for i in range({n_events}):
        context.log.info(f"{event_prefix}{{i}}")
    for i in range({n_lines}):
        print(f"{line_prefix}{{i}} of the step's standard output")


@dg.job(executor_def=dg.in_process_executor)
def {job}():
    emit()


defs = dg.Definitions(jobs=[{job}])
"""


def logs_workload(directory: Path, n_events: int, n_lines: int, pkg: str) -> Path:
    """A job `logs_job` whose one op makes `n_events` context.log.info calls, then prints `n_lines` lines."""
    text = _LOGS.format(
        pkg=pkg, n_events=n_events, n_lines=n_lines, event_prefix=EVENT_PREFIX, line_prefix=LINE_PREFIX, job=LOGS_JOB
    )
    return _write(directory / f"logs{n_events}_{n_lines}_{pkg}.py", text)


def failing_chain(directory: Path, n: int, pkg: str) -> Path:
    """gen_workload.py's chain of `n` assets on the in-process executor (the same on both sides: the
    figure is the re-execution, not process start-up), its last asset raising while $BENCH_FAIL_FLAG
    names a file that exists. Its job is `all_job`."""
    base = workload(directory, n, "chain", pkg, executor="in_process_executor")
    text = base.read_text()
    last, before = f"a{n - 1}", f"a{n - 2}"
    body = f"def {last}({before}) -> int:\n    return {before}"
    if n < 2 or body not in text:
        raise BenchError(f"gen_workload.py changed: cannot find the last asset of the chain of {n}")
    failing = (
        f"def {last}({before}) -> int:\n"
        f"    if os.path.exists(os.environ.get({FAIL_FLAG_ENV!r}, '')):\n"
        f"        raise Exception('the bench set the failure flag')\n"
        f"    return {before}"
    )
    return _write(base.with_name(f"{base.stem}_failing.py"), "import os\n" + text.replace(body, failing))


def _write(path: Path, text: str) -> Path:
    if path.exists() and path.read_text() == text:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path
