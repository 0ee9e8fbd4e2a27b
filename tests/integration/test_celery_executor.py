"""celery_executor on a real broker (Redis, RabbitMQ): a layered run across two `weir celery worker`
processes executes every step exactly once and journals each step's events through `weir dev`; a
worker killed (SIGKILL) mid-step fails the step naming the lost worker, or retries it by its
RetryPolicy on the other worker; cancel revokes the running and queued steps; a worker serving other
code refuses the step.

Needs Redis on 127.0.0.1:6379 and RabbitMQ on 127.0.0.1:5672 (guest/guest); each broker's tests are
skipped when it is down (`redis-server --daemonize yes --port 6379`, `rabbitmq-server -detached`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from host.errors import WeirError
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, DevHost, alive, dev_host, wait_for

LAYERS, WIDTH = 5, 10  # 50 steps; each step of a layer reads two of the layer before

CODE_HEAD = """
import os, time
from pathlib import Path
import sdk as dg

STEPS = Path(os.environ["WEIR_TEST_STEPS"])
GATE = Path(os.environ["WEIR_TEST_GATE"])
celery = dg.celery_executor.configured({
    "broker": os.environ["WEIR_TEST_BROKER"],
    "default_queue": os.environ["WEIR_TEST_QUEUE"],
    "heartbeat_timeout": 2,
})


def record(name):
    with open(STEPS, "a") as f:
        f.write(f"{name} {os.getpid()} {os.getppid()}\\n")


KILL_QUEUE = {"dagster-celery/queue": os.environ["WEIR_TEST_QUEUE"] + "-kill"}  # w1's alone at first


@dg.asset(op_tags=KILL_QUEUE)
def victim() -> int:
    record("victim")
    time.sleep(120)
    return 0


@dg.asset(retry_policy=dg.RetryPolicy(max_retries=1), op_tags=KILL_QUEUE)
def survivor() -> int:
    record("survivor")
    marker = GATE / "survivor.started"
    if not marker.exists():
        marker.touch()
        time.sleep(120)
    return 1


def blocker_asset(name):
    @dg.asset(name=name)
    def _blocker() -> int:
        record(name)
        time.sleep(120)
        return 0

    return _blocker


BLOCKERS = [blocker_asset(f"blocker{i}") for i in range(10)]


@dg.asset(deps=["blocker0"])
def after_blocker() -> int:
    record("after_blocker")
    return 0


@dg.asset(op_tags={"dagster-celery/queue": os.environ["WEIR_TEST_QUEUE"] + "-stale"})
def misrouted() -> int:
    record("misrouted")
    return 0
"""


def _code() -> str:
    lines = [CODE_HEAD]
    names = []
    for layer in range(LAYERS):
        for i in range(WIDTH):
            name = f"l{layer}_{i}"
            names.append(name)
            ups = [] if layer == 0 else [f"l{layer - 1}_{i}", f"l{layer - 1}_{(i + 1) % WIDTH}"]
            lines.append(f"@dg.asset\ndef {name}({', '.join(f'{u}: int' for u in ups)}) -> int:")
            lines.append(f"    record({name!r})\n    print('hello from {name}')")
            lines.append(f"    return {' + '.join(ups) or '0'} + 1\n")
    lines.append(f"layered = dg.define_asset_job('layered', selection={names!r})")
    lines.append("defs = dg.Definitions(")
    lines.append(f"    assets=[victim, survivor, *BLOCKERS, after_blocker, misrouted, {', '.join(names)}],")
    lines.append("    jobs=[layered],\n    executor=celery,\n)")
    return "\n".join(lines) + "\n"


def _reachable(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


BROKERS = {
    "redis": ("redis://127.0.0.1:6379/0", 6379, "start Redis: redis-server --daemonize yes --port 6379"),
    "rabbitmq": ("pyamqp://guest:guest@127.0.0.1:5672//", 5672, "start RabbitMQ: rabbitmq-server -detached"),
}


@dataclass
class Cluster:
    host: DevHost
    tmp: Path
    workers: dict[str, subprocess.Popen[bytes]]
    env: dict[str, str]

    def steps(self) -> list[tuple[str, int, int]]:
        path = self.tmp / "steps.txt"
        rows = path.read_text().split("\n") if path.exists() else []
        return [(n, int(p), int(pp)) for n, p, pp in (r.split() for r in rows if r)]

    def launch(self, *, job: str = "", assets: tuple[str, ...] = ()) -> str:
        client = self.host.client()
        request = host_pb2.LaunchRunRequest(
            location="celery_code", job_name=job, asset_selection=[common_pb2.AssetKey(path=[a]) for a in assets]
        )
        return client.launch_run(request).run_id

    def add_queue(self, worker: str, queue: str) -> None:
        """The running worker consumes `queue` too (Celery's add_consumer), once it has said so."""
        from celery import Celery

        app = Celery("weir-test", broker=self.env["WEIR_TEST_BROKER"])
        try:
            replies = app.control.add_consumer(queue, destination=[f"{worker}@{self.tmp.name}"], reply=True)
        finally:
            app.close()
        assert replies, f"{worker} did not answer add_consumer {queue}"

    def events(self, run_id: str) -> list[common_pb2.RunEvent]:
        return [e for page in self.host.client().event_pages(run_id) for e in page.events]

    def wait(self, run_id: str, timeout: float) -> host_pb2.Run:
        """The finished run; past the timeout, a failure that shows where the run stood."""
        client = self.host.client()
        try:
            return client.wait_for_run(run_id, timeout=timeout)
        except WeirError as exc:
            run = client.get_run(run_id)
            events = [
                f"{common_pb2.EventType.Name(e.type)} {e.step_key} {e.message[:120]}" for e in self.events(run_id)
            ]
            logs = {name: (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:] for name in self.workers}
            raise AssertionError(
                f"{exc}: status {host_pb2.RunStatus.Name(run.status)}, {len(self.steps())} steps executed\n"
                + "\n".join(events[-20:])
                + "".join(f"\n--- {name}.log\n{text}" for name, text in logs.items())
                + f"\n--- host\n{self.host.stderr()}"
            ) from None


def _start_worker(tmp: Path, env: dict[str, str], name: str, location: str, queue: str) -> subprocess.Popen[bytes]:
    log = open(tmp / f"{name}.log", "ab")  # noqa: SIM115 - the worker's log outlives this call
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "host.cli",
            "celery",
            "worker",
            "--location",
            location,
            "-f",
            str(tmp / "celery_code.py"),
            "--broker",
            env["WEIR_TEST_BROKER"],
            "-Q",
            queue,
            "-c",
            "4",
            "-n",
            f"{name}@{tmp.name}",
            "-l",
            "WARNING",
        ],
        env=env,
        cwd=tmp,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def _wait_for_workers(broker: str, names: list[str]) -> None:
    """Every worker answers a ping on the broker: the runs start with all of them consuming."""
    from celery import Celery

    app = Celery("weir-test", broker=broker)
    try:

        def all_answer() -> bool:
            replies = app.control.ping(destination=names, timeout=1.0) or []
            return {name for reply in replies for name in reply} >= set(names)

        wait_for(all_answer, 60, interval=0.2, what=f"Celery workers {names} to answer a ping")
    finally:
        app.close()


@pytest.fixture(scope="module", params=sorted(BROKERS))
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    url, port, how = BROKERS[request.param]
    if not _reachable(port):
        pytest.skip(f"{request.param} is not running on 127.0.0.1:{port}; {how}")
    tmp = tmp_path_factory.mktemp(f"celery-{request.param}")
    (tmp / "celery_code.py").write_text(_code())
    (tmp / "gate").mkdir()
    queue = f"weir-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "WEIR_TEST_STEPS": str(tmp / "steps.txt"),
        "WEIR_TEST_GATE": str(tmp / "gate"),
        "WEIR_TEST_BROKER": url,
        "WEIR_TEST_QUEUE": queue,
        "PYTHONPATH": str(REPO),
    }
    workers: dict[str, subprocess.Popen[bytes]] = {}
    with dev_host(tmp / "home", ["-f", str(tmp / "celery_code.py")], env=env) as host:
        try:
            workers["w1"] = _start_worker(tmp, env, "w1", "celery_code", f"{queue},{queue}-kill")
            workers["w2"] = _start_worker(tmp, env, "w2", "celery_code", queue)
            # same code, other location name: another snapshot id
            workers["stale"] = _start_worker(tmp, env, "stale", "elsewhere", queue + "-stale")
            client = host.client()
            wait_for(
                lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
                60,
                what="the location to load",
            )
            _wait_for_workers(url, [f"{name}@{tmp.name}" for name in workers])
            yield Cluster(host, tmp, workers, env)
        finally:
            for proc in workers.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _messages(events: list[common_pb2.RunEvent], step: str) -> list[str]:
    return [e.message for e in events if e.step_key == step]


def test_layered_run_executes_each_step_once_across_two_workers(cluster: Cluster) -> None:
    run_id = cluster.launch(job="layered")
    run = cluster.wait(run_id, 90)
    events = cluster.events(run_id)
    assert run.status == host_pb2.SUCCESS, [e.message for e in events if e.type == common_pb2.STEP_FAILURE]
    executed = [row for row in cluster.steps() if row[0].startswith("l")]
    counts = Counter(name for name, _pid, _ppid in executed)
    assert len(counts) == LAYERS * WIDTH and set(counts.values()) == {1}
    worker_pids = {cluster.workers["w1"].pid, cluster.workers["w2"].pid}
    assert {ppid for _n, _p, ppid in executed} == worker_pids  # both workers took steps, nothing else did
    by_type = Counter((e.type, e.step_key) for e in events)
    for name in counts:
        assert by_type[(common_pb2.STEP_START, name)] == 1 and by_type[(common_pb2.STEP_SUCCESS, name)] == 1
        assert by_type[(common_pb2.ASSET_MATERIALIZATION, name)] == 1
        assert any("executed by Celery worker w" in m for m in _messages(events, name))
    logs = [(c.step_key, c.stream, c.text) for b in cluster.host.client().run_logs(run_id) for c in b.chunks]
    assert ("l4_9", "stdout", "hello from l4_9\n") in logs  # captured on the worker, stored by the host
    sequences = [e.sequence for e in events]
    assert sequences == sorted(set(sequences))


def test_a_worker_on_other_code_refuses_the_step(cluster: Cluster) -> None:
    run_id = cluster.launch(assets=("misrouted",))
    assert cluster.wait(run_id, 60).status == host_pb2.FAILURE
    failure = [e for e in cluster.events(run_id) if e.type == common_pb2.STEP_FAILURE]
    assert len(failure) == 1 and 'of location "elsewhere" serves snapshot' in failure[0].message
    assert "restart the worker" in failure[0].message
    assert "misrouted" not in {row[0] for row in cluster.steps()}


def test_cancel_revokes_the_running_steps_and_the_queued_ones(cluster: Cluster) -> None:
    """Two workers of four threads take eight of the ten blockers; the other two wait in the queue."""
    blockers = tuple(f"blocker{i}" for i in range(10))
    run_id = cluster.launch(assets=(*blockers, "after_blocker"))

    def started() -> list[int]:
        return [pid for name, pid, _ppid in cluster.steps() if name.startswith("blocker")]

    running = wait_for(lambda: len(started()) == 8 and started(), 30, what="eight blockers to start")
    cluster.host.client().cancel_run(run_id)
    assert cluster.wait(run_id, 30).status == host_pb2.CANCELED
    wait_for(lambda: not any(alive(pid) for pid in running), 15, what="the revoked steps' processes to end")
    time.sleep(1)  # a queued step that was not revoked would start now, on a freed thread
    assert len(started()) == 8 and "after_blocker" not in {row[0] for row in cluster.steps()}


def test_a_worker_killed_mid_step_fails_its_step_or_has_it_retried(cluster: Cluster) -> None:
    """victim (no retries) and survivor (one retry) both start on w1, the only worker of their queue;
    kill -9 of w1 fails victim naming the lost worker, and survivor's second attempt runs on w2 once w2
    consumes that queue too. No event of either step is stored twice or lost."""
    victim_run, survivor_run = cluster.launch(assets=("victim",)), cluster.launch(assets=("survivor",))

    def started() -> dict[str, tuple[int, int]]:
        return {name: (pid, ppid) for name, pid, ppid in cluster.steps() if name in ("victim", "survivor")}

    running = wait_for(lambda: len(started()) == 2 and started(), 30, what="victim and survivor to start")
    w1 = cluster.workers["w1"].pid
    assert {ppid for _pid, ppid in running.values()} == {w1}
    os.kill(w1, signal.SIGKILL)
    cluster.add_queue("w2", cluster.env["WEIR_TEST_QUEUE"] + "-kill")

    assert cluster.wait(victim_run, 30).status == host_pb2.FAILURE
    failures = [e for e in cluster.events(victim_run) if e.type == common_pb2.STEP_FAILURE]
    assert len(failures) == 1 and failures[0].step_key == "victim"
    assert "Celery worker w1@" in failures[0].message and "was lost" in failures[0].message
    wait_for(lambda: not alive(running["victim"][0]), 15, what="the step's process to end with its worker")

    assert cluster.wait(survivor_run, 30).status == host_pb2.SUCCESS
    events = cluster.events(survivor_run)
    lost = [e.message for e in events if e.type == common_pb2.ENGINE_EVENT and "was lost" in e.message]
    assert len(lost) == 1 and "Celery worker w1@" in lost[0] and "Retrying (attempt 2 of 2)" in lost[0]
    counted = Counter(e.type for e in events if e.step_key == "survivor")
    assert counted[common_pb2.STEP_START] == 1 and counted[common_pb2.STEP_SUCCESS] == 1
    assert counted[common_pb2.STEP_FAILURE] == 0
    rows = cluster.steps()
    assert [r[0] for r in rows].count("victim") == 1
    assert [r[2] for r in rows if r[0] == "survivor"] == [w1, cluster.workers["w2"].pid]


def test_a_worker_whose_location_fails_to_load_says_so(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import no_such_module_here\n")
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", "celery", "worker", "--location", "broken", "-f", "broken.py"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert (
        "weir celery worker: location 'broken' (file broken.py) failed to load: ModuleNotFoundError: "
        "No module named 'no_such_module_here'"
    ) in result.stderr
