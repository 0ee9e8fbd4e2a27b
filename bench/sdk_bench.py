"""SDK benchmark: prints figures (never asserts) for issue 3's and issue 5's targets.

usage: .venv/bin/python bench/sdk_bench.py
Each measure_* function returns seconds (or bytes) so a bench runner can call it.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
GEN = Path(os.environ.get("WEIR_GEN_WORKLOAD", REPO / "bench" / "gen_workload.py"))
sys.path.insert(0, str(REPO))


def _workload(n: int, shape: str, directory: str) -> Path:
    path = Path(directory) / f"wl_{shape}_{n}.py"
    source = subprocess.run(
        [sys.executable, str(GEN), str(n), shape, "sdk"], capture_output=True, text=True, check=True
    ).stdout
    path.write_text(source)
    return path


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_import_sdk(repeats: int = 5) -> float:
    """Median wall time of `python -c "import sdk"` (a fresh interpreter each time, startup included)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sdk"], cwd=REPO, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure_materialize(n: int = 100, shape: str = "layered") -> float:
    """In-process materialize() of the whole workload (after it is imported)."""
    import sdk

    with tempfile.TemporaryDirectory() as tmp:
        module = _load(_workload(n, shape, tmp))
        start = time.perf_counter()
        result = sdk.materialize(module.defs.assets, resources=module.defs.resources)
        elapsed = time.perf_counter() - start
    assert result.success
    return elapsed


def measure_multiprocess(n: int = 20, shape: str = "chain") -> float:
    """execute_run of the workload's asset job with the (default) multiprocess executor."""
    from sdk.execution import execute_run

    with tempfile.TemporaryDirectory() as tmp:
        module = _load(_workload(n, shape, tmp))
        os.environ["WEIR_STORAGE_DIR"] = str(Path(tmp) / "storage")
        events: list = []
        start = time.perf_counter()
        ok = execute_run(
            module.defs,
            run_id="bench",
            job_name="all_job",
            asset_selection=None,
            run_config={},
            tags={},
            partition_key=None,
            on_event=events.append,
        )
        elapsed = time.perf_counter() - start
        os.environ.pop("WEIR_STORAGE_DIR", None)
    assert ok, [e.message for e in events if e.type.endswith("FAILURE")]
    return elapsed


_SNAPSHOT_CODE = """
import sys, time
t0 = time.perf_counter()
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import importlib
module = importlib.import_module(sys.argv[3])
t1 = time.perf_counter()
from codeserver.snapshot import build_snapshot
blob = build_snapshot(module.defs, "bench")
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, len(blob.data))
"""


def measure_snapshot(n: int = 5000) -> tuple[float, float, int]:
    """(import seconds, build seconds, bytes) for the layered workload, in a fresh interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _workload(n, "layered", tmp)
        out = subprocess.run(
            [sys.executable, "-c", _SNAPSHOT_CODE, tmp, str(REPO), path.stem],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def measure_snapshot_seconds(n: int = 5000) -> float:
    """Import plus snapshot build, as one figure."""
    imp, build, _size = measure_snapshot(n)
    return imp + build


def main() -> None:
    print(f"import sdk (fresh interpreter, median)      {measure_import_sdk():.3f} s   target <= 0.1")
    print(f"materialize layered 100 (in-process)       {measure_materialize(100, 'layered'):.3f} s   target <= 0.2")
    print(f"materialize chain 100 (in-process)         {measure_materialize(100, 'chain'):.3f} s")
    print(f"multiprocess chain 20 (execute_run)        {measure_multiprocess(20, 'chain'):.3f} s   target <= 2")
    for n in (1000, 5000):
        imp, build, size = measure_snapshot(n)
        print(
            f"layered {n}: import {imp:.3f} s + snapshot {build:.3f} s = {imp + build:.3f} s, "
            f"{size / 1e6:.2f} MB   (5000: well under 1.5 s, < 5 MB)"
        )


if __name__ == "__main__":
    main()
