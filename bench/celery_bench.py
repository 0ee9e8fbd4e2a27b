"""Steps on Celery (issue 19): a 100-step layered run with two Celery workers on the same Redis broker,
Weir's `celery_executor` against Dagster's `dagster-celery`, and what the Celery path costs a step
next to Weir's forked steps (the default executor) on the same job.

- Weir (`.venv`): `weir dev -f FILE`, two `weir celery worker --location L -f FILE -c 2` processes,
  then `weir materialize --location L --job all_job` (the Definitions' executor: celery_executor),
  whole process from spawn to exit (it follows the run until SUCCESS); then `--job forked_job`, the
  same assets on the default multiprocess executor (each step a forked process of the run worker).
- Dagster (bench/.venvs/dagster-celery: dagster 1.13 + dagster-celery + celery[redis], installed on
  first use, never into .venv): two `dagster-celery worker start -A dagster_celery.app -y CONFIG -q Q
  -- -c 2` workers on an empty DAGSTER_HOME (SQLite, the default fs IO manager), then `dagster asset
  materialize --select '*' -f FILE` with `executor=celery_executor.configured(...)` in the same
  Definitions, whole process.

Both sides: the workload of bench/gen_workload.py (layered, 10 wide, each asset reading all ten of the
layer above), a queue of their own on redis://127.0.0.1:6379/0 for each repetition (results in Redis
too), the clock starting once every worker answers a ping. Each side's measurement runs as a probe
in its own venv: `python -m bench.celery_bench probe weir|dagster ARGS_JSON`. Standard library only
at module level (the Dagster venv imports this module).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.harness import BENCH, BenchError, clean_env, probe_main, run_probe, started, timed_command, workload

KIND = "celery"
BROKER = "redis://127.0.0.1:6379/0"
VENV = BENCH / ".venvs" / "dagster-celery"
REQUIREMENTS = ("dagster==1.13.*", "dagster-celery==0.29.*", "celery[redis]>=5.4")
ROWS = ("celery_layered_100", "celery_forked_layered_100", "celery_step_overhead")
WEIR_ONLY = "n/a (Weir only)"
CLOSING = "resources={'store': Store()})"


def measure(side: Any, params: dict[str, Any]) -> dict[str, Any]:
    """One repetition on `side` (bench.run's WeirSide or DagsterSide); row ids as in ROWS."""
    if params.get("skip"):
        raise BenchError(params["skip"])
    if not _redis_answers():
        raise BenchError("n/a (Redis is not running on 127.0.0.1:6379: redis-server --daemonize yes --port 6379)")
    timeout = float(params.get("timeout", 900))
    if side.name == "Weir":
        file = _weir_workload(side.work, params["n"])
        home = side.work / "weir_homes" / uuid.uuid4().hex[:12]
        home.mkdir(parents=True)
        args = {**params, "file": str(file), "home": str(home), "python": side.python, "logs": str(side.logs)}
        result = run_probe(
            side.python,
            "bench.celery_bench",
            "weir",
            args,
            env=clean_env(WEIR_HOME=str(home)),
            timeout=timeout + 120,
            log=side.logs / "weir_celery.log",
        )
        result["celery_step_overhead"] = 1000 * (result["celery"] - result["forked"]) / params["n"]
        return {
            "celery_layered_100": result["celery"],
            "celery_forked_layered_100": result["forked"],
            "celery_step_overhead": result["celery_step_overhead"],
        }
    python = _dagster_python()
    file = _dagster_workload(side.work, params["n"])
    home = side.work / "dagster_homes" / uuid.uuid4().hex[:12]
    home.mkdir(parents=True)
    args = {**params, "file": str(file), "home": str(home), "python": python, "logs": str(side.logs)}
    result = run_probe(
        python,
        "bench.celery_bench",
        "dagster",
        args,
        env=clean_env(DAGSTER_HOME=str(home)),
        timeout=timeout + 120,
        log=side.logs / "dagster_celery.log",
    )
    return {
        "celery_layered_100": result["celery"],
        "row_errors": {"celery_forked_layered_100": WEIR_ONLY, "celery_step_overhead": WEIR_ONLY},
    }


def _redis_answers() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


def _dagster_python() -> str:
    """bench/.venvs/dagster-celery's python, installing dagster + dagster-celery there once."""
    python = VENV / "bin" / "python"
    check = [str(python), "-c", "import dagster, dagster_celery, redis"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    print(f"installing {', '.join(REQUIREMENTS)} into {VENV} (once) ...", file=sys.stderr, flush=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return str(python)


def _weir_workload(directory: Path, n: int) -> Path:
    base = workload(directory, n, "layered", "sdk")
    target = base.with_name(f"{base.stem}_celery.py")
    if target.exists():
        return target
    executor = "dg.celery_executor.configured({'broker': os.environ['BENCH_CELERY_BROKER'], " + (
        "'default_queue': os.environ['BENCH_CELERY_QUEUE']})"
    )
    text = base.read_text()
    if CLOSING not in text or "jobs=[all_job]" not in text or "\nnightly =" not in text:
        raise BenchError("gen_workload.py changed: cannot set the Definitions' executor")
    forked = "forked_job = dg.define_asset_job('forked_job', selection=dg.AssetSelection.all(), " + (
        "executor_def=dg.multiprocess_executor)\n"
    )
    text = text.replace(CLOSING, f"resources={{'store': Store()}}, executor={executor})")
    text = text.replace("jobs=[all_job]", "jobs=[all_job, forked_job]").replace("\nnightly =", f"\n{forked}\nnightly =")
    target.write_text("import os\n" + text)
    return target


def _dagster_workload(directory: Path, n: int) -> Path:
    base = workload(directory, n, "layered", "dagster")
    target = base.with_name(f"{base.stem}_celery.py")
    if target.exists():
        return target
    text = base.read_text()
    if CLOSING not in text:
        raise BenchError("gen_workload.py changed: cannot set the Definitions' executor")
    text = text.replace(CLOSING, "resources={'store': Store()}, executor=celery_executor.configured(CELERY))")
    head = (
        "import os\n"
        "from dagster_celery import celery_executor\n"
        "CELERY = {'broker': os.environ['BENCH_CELERY_BROKER'], 'backend': os.environ['BENCH_CELERY_BROKER'],\n"
        "          'config_source': {'task_default_queue': os.environ['BENCH_CELERY_QUEUE']}}\n"
    )
    target.write_text(head + text)
    return target


# probes (each in its own side's venv, cwd = the repo) ----------------------------------------------


def _wait_for_workers(names: list[str], procs: list[subprocess.Popen[bytes]], logs: list[Path], timeout: float) -> None:
    """Every worker answers a ping on the broker (so the clock starts with all of them consuming)."""
    from celery import Celery  # type: ignore[import-untyped]

    app = Celery("weir-bench", broker=BROKER)
    deadline = time.monotonic() + timeout
    try:
        while True:
            replies = app.control.ping(timeout=0.5) or []
            if {name for reply in replies for name in reply} >= set(names):
                return
            for proc, log in zip(procs, logs, strict=True):
                if proc.poll() is not None:
                    raise BenchError(f"a Celery worker exited with {proc.returncode}: {log.read_text()[-1500:]}")
            if time.monotonic() > deadline:
                raise BenchError(f"Celery workers {names} did not answer a ping within {timeout:.0f} s")
    finally:
        app.close()


@contextlib.contextmanager
def _workers(
    commands: list[list[str]], names: list[str], *, cwd: Path, env: dict[str, str], logs: Path, timeout: float
) -> Iterator[None]:
    with contextlib.ExitStack() as stack:
        paths = [logs / f"celery_worker_{i}.log" for i in range(len(commands))]
        procs = [stack.enter_context(started(c, cwd=cwd, env=env, log=p)) for c, p in zip(commands, paths, strict=True)]
        _wait_for_workers(names, procs, paths, timeout)
        yield


def probe_weir(args: dict[str, Any]) -> dict[str, Any]:
    from bench.weir_runs import start_dev, wait_loaded

    file, home, logs = Path(args["file"]), Path(args["home"]), Path(args["logs"])
    queue = f"weir-bench-{uuid.uuid4().hex[:12]}"
    extra = {"BENCH_CELERY_BROKER": BROKER, "BENCH_CELERY_QUEUE": queue}
    command, env = start_dev(args, home, **extra)
    log = logs / "weir_dev_celery.log"
    weir = str(Path(args["python"]).parent / "weir")
    with started(command, cwd=file.parent, env=env, log=log) as proc:
        _, location = wait_loaded(home, proc, log, args["timeout"])
        names = [f"bench{i}-{queue}@{socket.gethostname()}" for i in (1, 2)]
        start = [weir, "celery", "worker", "--location", location, "-f", str(file), "--broker", BROKER, "-Q", queue]
        workers = [[*start, "-c", str(args["concurrency"]), "-n", name, "-l", "WARNING"] for name in names]
        with _workers(workers, names, cwd=file.parent, env=env, logs=logs / "weir", timeout=args["timeout"]):
            walls = {}
            for row, job in (("celery", "all_job"), ("forked", "forked_job")):
                walls[row], _ = timed_command(
                    [weir, "materialize", "--location", location, "--job", job],
                    cwd=home,
                    env=env,
                    timeout=args["timeout"],
                    log=logs / f"weir_materialize_{row}.log",
                )
    return walls


def probe_dagster(args: dict[str, Any]) -> dict[str, Any]:
    file, home, logs = Path(args["file"]), Path(args["home"]), Path(args["logs"])
    bin_dir = Path(args["python"]).parent
    queue = f"dagster-bench-{uuid.uuid4().hex[:12]}"
    config = home / "celery.yaml"
    config.write_text(
        "execution:\n  config:\n"
        f"    broker: '{BROKER}'\n    backend: '{BROKER}'\n"
        f"    config_source:\n      task_default_queue: '{queue}'\n"
    )
    env = {
        **clean_env(DAGSTER_HOME=str(home), BENCH_CELERY_BROKER=BROKER, BENCH_CELERY_QUEUE=queue),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",  # dagster-celery runs `celery`
    }
    short = [f"bench{i}-{queue}" for i in (1, 2)]
    start = [str(bin_dir / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(config)]
    workers = [
        [*start, "-q", queue, "-n", name, "-l", "WARNING", "--", "-c", str(args["concurrency"])] for name in short
    ]
    names = [f"{name}@{socket.gethostname()}" for name in short]
    _create_dagster_instance()
    with _workers(workers, names, cwd=file.parent, env=env, logs=logs / "dagster", timeout=args["timeout"]):
        wall, _ = timed_command(
            [str(bin_dir / "dagster"), "asset", "materialize", "--select", "*", "-f", str(file)],
            cwd=file.parent,
            env=env,
            timeout=args["timeout"],
            log=logs / "dagster_materialize_celery.log",
        )
    return {"celery": wall}


def _create_dagster_instance() -> None:
    """The SQLite storage of the empty DAGSTER_HOME, created once before the workers start (each
    worker's start opens the instance: two creating its schema at once broke alembic's version table)."""
    from dagster import DagsterInstance  # type: ignore[import-not-found]

    with DagsterInstance.get() as instance:  # its storages (runs, events, schedules) are created here
        instance.get_runs(limit=1)


PROBES = {"weir": probe_weir, "dagster": probe_dagster}

if __name__ == "__main__":
    probe_main(PROBES)
