"""The storage benchmark keeps running, and on SQLite meets the targets that have a wide margin.

Run creation (target 2,000 runs/s, measured about 3,500) is only smoke-tested here: on a shared
two-core machine its margin is too thin for a test; `bench/storage_bench.py` reports it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "storage_bench.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("storage_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_batched_event_writes_beat_twenty_thousand_a_second(bench: ModuleType, tmp_path: Path) -> None:
    assert bench.measure_event_write_rate(f"sqlite:///{tmp_path / 'b.db'}", n_events=10_000) >= 20_000


def test_newest_fifty_of_a_hundred_thousand_runs_within_fifty_ms(bench: ModuleType, tmp_path: Path) -> None:
    assert bench.measure_list_runs_latency(f"sqlite:///{tmp_path / 'b.db'}", 100_000) <= 0.050


def test_run_creation_rate_is_measured(bench: ModuleType, tmp_path: Path) -> None:
    assert bench.measure_run_creation_rate(f"sqlite:///{tmp_path / 'b.db'}", n_runs=200) > 0
