"""Suite-wide order and, under pytest-xdist (tests/run.sh: two workers), which tests share a worker.

The units of work, handed out in this order:
- "timed": the tests that assert on elapsed time and the CPU-heavy drills, one after another on one
  worker, so a drill never shares the machine with a timed assertion (the other worker runs ordinary
  tests meanwhile). The longest unit, so it starts first.
- "web": tests/web, which shares one host and one browser (session fixtures).
- every other test module, one unit each, so a module-scoped fixture is set up once.
- "solo": the assertions with the thinnest margins (milliseconds), alone on the machine.
- "docker": the container tests, last, so .ci/run can prepare their engine and images in the
  background while everything else runs.
"solo" and "docker" are handed out only once every other worker is down to the one test it holds back
(a worker runs its last test when told there is no more work), and those workers are then told so.
The grouping is the scheduler's own (pytest_xdist_make_scheduler), not xdist_group marks: pytest 9.2
made node ids read-only, and loadgroup's renaming of them no longer takes effect.
"""

from __future__ import annotations

from typing import Any

import pytest

SOLO = (
    "tests/codeserver/test_isolation.py",  # control-plane calls < 50 ms while a sensor spins
    "tests/host/storage/test_storage_bench.py",  # <= 50 ms, >= 20,000 events/s
    "tests/host/test_partitions_bench.py",  # <= 0.2 s
    "tests/integration/test_skeleton.py::test_weir_dev_answers_within_5_seconds",
)
TIMED = (
    "tests/integration/test_run_guarantees.py",  # 200 runs at once, 100 MB of events; kill within 5 s
    "tests/host/test_api_limits.py::test_weir_runs_show_pages_through_a_million_events",
    "tests/bench/test_bench_smoke.py",
    "tests/codeserver/test_hostile_code.py",
    "tests/codeserver/test_run_workers.py",
    "tests/integration/test_skeleton.py",
    "tests/integration/test_daemon_failover.py",  # takeover within the lease
    "tests/integration/test_daemon_two_hosts.py",
    "tests/integration/test_daemon_hanging_sensor.py",  # a healthy sensor ticks every second
    "tests/host/daemon/test_sensors.py::test_a_hanging_sensor_delays_only_itself",  # a tick within 3 s
    "tests/host/test_automation_bench.py",  # 5,000 assets' ticks: CPU-heavy
)
ORDER = ("timed", "web", "", "solo", "docker")  # "": a module of its own
ALONE = ("solo", "docker")


def _unit(nodeid: str) -> str:
    if nodeid.startswith(SOLO):
        return "solo"
    if nodeid.startswith(TIMED):
        return "timed"
    if nodeid.startswith("tests/web/"):
        return "web"
    if nodeid.startswith("tests/docker/"):
        return "docker"
    return nodeid.split("::")[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        unit = _unit(item.nodeid)
        return ORDER.index(unit if unit in ORDER else "")

    items.sort(key=rank)  # stable: within a rank, collection order


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest-xdist (a dev extra) missing: the suite runs in one process all the same
    pass
else:

    class SuiteScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """xdist's scope scheduling (units in collection order) over the units above."""

        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

        def _assign_work_unit(self, node: Any) -> None:
            if next(iter(self.workqueue)) in ALONE:
                others = [n for n in self.assigned_work if n is not node]
                if self._pending_of(self.assigned_work[node]) > 2 or any(
                    self._pending_of(self.assigned_work[n]) > 1 for n in others
                ):
                    return  # asked again when one of them finishes a test
                super()._assign_work_unit(node)
                for other in others:
                    if not other.shutting_down:
                        other.shutdown()
                return
            super()._assign_work_unit(node)

    @pytest.hookimpl(optionalhook=True)  # known only while the xdist plugin is loaded (not under -p no:xdist)
    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") == "each":
            return None
        config.option.loadscopereorder = False  # the order above, not largest unit first
        return SuiteScheduling(config, log)
