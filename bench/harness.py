"""What both sides of the benchmark share: workloads, processes, memory, probes. Standard library only.

This module is imported by the runner and, in probe mode, by the Dagster side under Dagster's own
venv, where nothing of Weir is installed; so it must never import grpc, sqlalchemy, sdk or dagster.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
WORK = BENCH / ".work"
GEN_WORKLOAD = BENCH / "gen_workload.py"
MB = 1_000_000  # decimal megabytes, as the anchors use
RESULT_PREFIX = "BENCH-RESULT "


class BenchError(Exception):
    """A measurement could not be taken; the message says why (it ends up in the table)."""


# workloads -----------------------------------------------------------------------------------------


def workload(directory: Path, n: int, shape: str, pkg: str, *, executor: str | None = None) -> Path:
    """Write (once) the generated code location `shape` with `n` assets for `pkg`, return its path.

    `executor` appends `executor=dg.<executor>` to the Definitions, for Weir's multiprocess runs
    (Dagster's default executor is already multiprocess, so its file stays as generated).
    """
    suffix = f"_{executor}" if executor else ""
    path = directory / f"{shape}{n}_{pkg}{suffix}.py"
    if path.exists():
        return path
    text = subprocess.run(
        [sys.executable, str(GEN_WORKLOAD), str(n), shape, pkg], check=True, capture_output=True, text=True
    ).stdout
    if executor:
        closing = "resources={'store': Store()})"
        if closing not in text:
            raise BenchError("gen_workload.py changed: cannot add an executor to its Definitions")
        text = text.replace(closing, f"resources={{'store': Store()}}, executor=dg.{executor})")
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def import_file(path: Path, name: str | None = None) -> Any:
    """Import a workload file as a module (in probes, so the import is the measured work)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name or path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# processes -----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (by parent links, so across sessions too)."""
    children = _children_map()
    found: list[int] = []
    stack = list(children.get(pid, []))
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children.get(child, []))
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss_bytes(pid: int, *, exclude: Sequence[int] = ()) -> int:
    """Resident memory of a process and all its descendants, minus the subtrees rooted at `exclude`."""
    skip: set[int] = set()
    for root in exclude:
        skip.add(root)
        skip.update(descendants(root))
    return sum(rss_bytes(p) for p in [pid, *descendants(pid)] if p not in skip)


def settled_tree_rss(
    pid: int, *, min_processes: int = 1, timeout: float = 30.0, exclude: Callable[[], Sequence[int]] = tuple
) -> int:
    """Tree RSS once the tree has `min_processes` processes and its memory stops moving (within 2%
    over half a second): pools fill and imports finish in the background after a server answers."""
    deadline = time.monotonic() + timeout
    last = -1
    while True:
        count = 1 + len(descendants(pid))
        now = tree_rss_bytes(pid, exclude=exclude())
        if count >= min_processes and last > 0 and abs(now - last) <= 0.02 * last:
            return now
        if time.monotonic() > deadline:
            return now
        last = now if count >= min_processes else -1
        time.sleep(0.5)


def stop_process(proc: subprocess.Popen[Any], *, grace: float = 10.0) -> None:
    """SIGTERM a process we started, give it `grace` seconds, then SIGKILL it and every descendant
    it left behind, each by pid (never by name)."""
    if proc.poll() is None:
        family = descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()
    else:
        family = []
    kill_pids(family)


def kill_pids(pids: Sequence[int]) -> None:
    """SIGKILL leftovers by pid; processes already gone are fine."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def started(args: Sequence[str], *, cwd: Path, env: Mapping[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process for the duration of a block, stopped (with its descendants) on the way out."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
    try:
        yield proc
    finally:
        stop_process(proc)


def tail(path: Path, n: int = 1500) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def wait_for(
    what: str,
    check: Callable[[], Any],
    timeout: float,
    *,
    interval: float = 0.01,
    proc: subprocess.Popen[Any] | None = None,
    log: Path | None = None,
) -> Any:
    """Poll `check` until it returns something truthy; fail early if `proc` exits."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise BenchError(f"{what}: the process exited with {proc.returncode}: {tail(log) if log else ''}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not within {timeout:.0f} s. {tail(log) if log else ''}")
        time.sleep(interval)


def timed_command(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float, log: Path
) -> tuple[float, int]:
    """(wall seconds, peak RSS bytes) of a command that must exit 0; killed with its tree on timeout."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        began = time.perf_counter()
        proc = subprocess.Popen(
            list(args), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                elapsed = time.perf_counter() - began
                proc.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                stop_process(proc, grace=2)
                raise BenchError(f"{' '.join(args[:4])}: still running after {timeout:.0f} s")
            time.sleep(0.005)
    kill_pids(descendants(proc.pid))
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(args[:4])} exited {proc.returncode}: {tail(log)}")
    return elapsed, usage.ru_maxrss * 1024


def command_walls(
    commands: Mapping[str, Sequence[str]],
    *,
    cwd: Path,
    env: Mapping[str, str],
    calls: int,
    warmup: int,
    log: Path,
    timeout: float = 120,
) -> dict[str, float]:
    """Median whole-process wall seconds of each command (key: its row id), over `calls` runs after
    `warmup` unmeasured ones (a warm page cache, as for a user typing it twice). The commands take
    turns call by call, so a noisy neighbour hurts them alike."""
    import statistics

    walls: dict[str, list[float]] = {row: [] for row in commands}
    for call in range(warmup + calls):
        for row, args in commands.items():
            wall, _ = timed_command(args, cwd=cwd, env=env, timeout=timeout, log=log)
            if call >= warmup:
                walls[row].append(wall)
    return {row: statistics.median(values) for row, values in walls.items()}


# probes: one measurement in a fresh interpreter of the side's venv -------------------------------


def run_probe(
    python: str, module: str, name: str, args: Mapping[str, Any], *, env: Mapping[str, str], timeout: float, log: Path
) -> dict[str, Any]:
    """Run `python -m module probe NAME ARGS_JSON` and return the dict it reports.

    The probe runs in its own session; on timeout it is stopped with everything it started.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [python, "-m", module, "probe", name, json.dumps(args)],
            cwd=REPO,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
            text=True,
        )
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(proc, grace=15)
            raise BenchError(f"probe {name}: still running after {timeout:.0f} s. {tail(log, 600)}") from None
        except BaseException:  # Ctrl-C of the runner: the probe is in its own session, stop it too
            stop_process(proc, grace=15)
            raise
    for line in reversed(out.splitlines()):
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX) :])
            if "error" in result:
                raise BenchError(result["error"])
            return result
    raise BenchError(f"probe {name} exited {proc.returncode} without a result: {tail(log, 800)}")


def probe_main(probes: Mapping[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> None:
    """Entry point of a side module run as `-m ... probe NAME ARGS_JSON`: print one result line."""
    if len(sys.argv) != 4 or sys.argv[1] != "probe":
        raise SystemExit(f"usage: python -m {__package__}.<side> probe NAME ARGS_JSON ({sorted(probes)})")
    name, args = sys.argv[2], json.loads(sys.argv[3])
    # SIGTERM from the runner becomes SystemExit, so `started` blocks stop their servers on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        result = probes[name](args)
    except BenchError as exc:
        result = {"error": str(exc)}
    except Exception as exc:  # the row shows the reason; the traceback goes to the probe log
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"[:400]}
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for measured processes: ours minus anything that would redirect them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEIR_", "DAGSTER_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


# probes both sides run with the same code, so the two numbers measure the same thing --------------


def probe_load(args: dict[str, Any]) -> dict[str, Any]:
    """Import the workload module (decorators, Definitions) and resolve the asset graph and jobs.

    The framework is imported first and not timed: its import is the `import` row.
    """
    import importlib

    importlib.import_module(args["pkg"])
    began = time.perf_counter()
    defs = import_file(Path(args["file"])).defs
    defs.resolve_asset_graph()
    defs.resolve_all_job_defs()
    defs.resolve_implicit_global_asset_job_def()
    return {"load": time.perf_counter() - began}


def probe_materialize(args: dict[str, Any]) -> dict[str, Any]:
    """One in-process `materialize()` of every asset of the workload, in a fresh interpreter."""
    import importlib

    dg = importlib.import_module(args["pkg"])
    module = import_file(Path(args["file"]))
    assets = list(module.defs.assets)
    began = time.perf_counter()
    result = dg.materialize(assets, resources={"store": module.Store()})
    elapsed = time.perf_counter() - began
    if not result.success:
        raise BenchError("materialize() did not succeed")
    return {"materialize": elapsed}


def median_latency(call: Callable[[], Any], *, warmup: int, calls: int) -> float:
    """Median seconds of `calls` sequential calls after `warmup` unmeasured ones."""
    import statistics

    for _ in range(warmup):
        call()
    timings = []
    for _ in range(calls):
        began = time.perf_counter()
        call()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def first_and_median_ms(call: Callable[[], Any], calls: int) -> dict[str, float]:
    """Milliseconds of the first call (caches cold) and the median of the next `calls` (at least one)."""
    import statistics

    began = time.perf_counter()
    call()
    first = (time.perf_counter() - began) * 1000
    times = []
    for _ in range(max(1, calls)):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return {"first_ms": round(first, 1), "median_ms": round(statistics.median(times), 1)}
