"""The container deployment for real: docker/compose.yaml (PostgreSQL, a migration one-shot, the host,
two code locations in their own images with conflicting tabulate versions) built and brought up on a
Docker engine of the CI's own, then driven through the Host API."""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import grpc
import psycopg
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from host.cli.client import HostClient
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, common_pb2, host_pb2
from tests.docker.compose_support import Deployment
from tests.support import wait_for

pytestmark = [pytest.mark.docker, pytest.mark.timeout(1500)]

LOCATIONS = ("sales", "forecast")
RUN_CONTAINERS = "docker/compose.run-containers.yaml"


def _statuses(client: HostClient) -> dict[str, str]:
    return {loc.name: host_pb2.LocationStatus.Name(loc.status) for loc in client.locations()}


def _wait_status(client: HostClient, dep: Deployment, want: dict[str, str], timeout: float) -> None:
    try:
        wait_for(
            lambda: all(_statuses(client).get(n) == s for n, s in want.items()),
            timeout,
            interval=0.5,
            what=f"locations {want}",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nlocations now: {client.locations()}\n{dep.logs()}") from None


def _materialize(client: HostClient, location: str, key: str) -> host_pb2.Run:
    run = client.launch_run(
        host_pb2.LaunchRunRequest(location=location, asset_selection=[common_pb2.AssetKey(path=key.split("/"))])
    )
    return client.wait_for_run(run.run_id, timeout=120)


def _assert_success(client: HostClient, dep: Deployment, run: host_pb2.Run) -> list[str]:
    events = client.run_events(run.run_id).events
    messages = [e.message for e in events if e.type == common_pb2.LOG]
    assert host_pb2.RunStatus.Name(run.status) == "SUCCESS", (
        f"run {run.run_id} in {run.location}: {host_pb2.RunStatus.Name(run.status)} {run.failure_reason}\n"
        f"{[(common_pb2.EventType.Name(e.type), e.message) for e in events]}\n{dep.logs()}"
    )
    return messages


def _code_server_call(port: int, token: str | None) -> grpc.StatusCode:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        try:
            codeserver_pb2_grpc.CodeServerStub(channel).Handshake(
                codeserver_pb2.HandshakeRequest(protocol_version="1.0", client_name="test"),
                timeout=10,
                metadata=metadata,
            )
        except grpc.RpcError as exc:
            return exc.code()
        return grpc.StatusCode.OK


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def _health(port: int) -> str:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
        return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


def test_compose_deployment_runs_each_location_in_its_own_image(deployment: Deployment) -> None:
    dep = deployment
    client = HostClient(dep.host_address, dep.tokens["host"])
    started = time.monotonic()
    wait_for(lambda: _statuses(client), 120, interval=0.5, what="the host to answer")
    _wait_status(client, dep, {n: "LOCATION_LOADED" for n in LOCATIONS}, 120)
    print(f"[docker] both locations LOADED {time.monotonic() - started:.1f} s after compose up")

    keys = {(a.location, "/".join(a.node.key.path)) for a in client.assets()}
    assert {
        ("sales", "sales/tabulate_version"),
        ("forecast", "forecast/tabulate_version"),
        ("sales", "revenue"),
        ("forecast", "next_week"),
    } <= keys, keys

    # A token on every channel: the Host API, and each code server (health alone is open, for probes).
    with pytest.raises(Exception, match="token"):
        HostClient(dep.host_address, "not-the-token").locations()
    for name in LOCATIONS:
        assert _code_server_call(dep.ports[name], None) == grpc.StatusCode.UNAUTHENTICATED
        assert _code_server_call(dep.ports[name], dep.tokens[name]) == grpc.StatusCode.OK
        assert _health(dep.ports[name]) == "SERVING"
    assert _health(dep.ports["host"]) == "SERVING"

    # The web UI is served from the host's container, behind the same token.
    ui = f"http://127.0.0.1:{dep.ports['ui']}"
    assert urllib.request.urlopen(f"{ui}/api/health", timeout=10).read() == b'{"ok":true}'
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{ui}/api/session", timeout=10)
    assert refused.value.code == 401
    login = urllib.request.Request(f"{ui}/login", data=f"token={dep.tokens['host']}".encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as redirected:  # 303 to the UI with the session cookie
        urllib.request.build_opener(_NoRedirect).open(login, timeout=10)
    assert redirected.value.code == 303 and "weir_session=" in redirected.value.headers["Set-Cookie"]

    # Each location runs in its own image, with its own version of tabulate.
    sales = _materialize(client, "sales", "sales/tabulate_version")
    forecast = _materialize(client, "forecast", "forecast/tabulate_version")
    assert "sales sees tabulate 0.8.10" in _assert_success(client, dep, sales)
    assert "forecast sees tabulate 0.9.0" in _assert_success(client, dep, forecast)

    # The runs are in PostgreSQL (the host's storage; the code servers have no database credentials).
    with psycopg.connect(dep.storage_url, connect_timeout=10) as db:
        rows = dict(db.execute("SELECT run_id, status FROM runs").fetchall())
        assert rows.get(sales.run_id) == "SUCCESS" and rows.get(forecast.run_id) == "SUCCESS", rows
        count = db.execute("SELECT count(*) FROM events WHERE run_id = %s", (sales.run_id,)).fetchone()
        assert count is not None and count[0] > 3

    # The images' HEALTHCHECKs (gRPC health) report healthy.
    wait_for(
        lambda: all(dep.container_state(s).get("health") == "healthy" for s in ("host", *LOCATIONS)),
        60,
        interval=1,
        what="host and locations to be healthy",
    )

    # Kill one location's container: the host marks it unavailable, the other keeps working.
    dep.compose("kill", "sales")
    _wait_status(client, dep, {"sales": "LOCATION_UNAVAILABLE", "forecast": "LOCATION_LOADED"}, 60)
    during = _materialize(client, "forecast", "forecast/tabulate_version")
    assert "forecast sees tabulate 0.9.0" in _assert_success(client, dep, during)

    # Start it again: LOADED again, and it runs again.
    dep.compose("start", "sales")
    _wait_status(client, dep, {"sales": "LOCATION_LOADED", "forecast": "LOCATION_LOADED"}, 90)
    again = _materialize(client, "sales", "sales/tabulate_version")
    assert "sales sees tabulate 0.8.10" in _assert_success(client, dep, again)

    # `docker stop` is quick: the servers stop on SIGTERM, well before the 10 s grace period.
    for service in ("forecast", "host"):
        started = time.monotonic()
        dep.compose("stop", "--timeout", "10", service)
        elapsed = time.monotonic() - started
        print(f"[docker] docker compose stop {service}: {elapsed:.1f} s")
        assert elapsed < 8, f"stopping {service} took {elapsed:.1f} s: SIGTERM is not handled"
    client.close()


def _run_launcher_config(path: Path) -> Path:
    """The docker run launcher on the CI's host network; forecast's run containers are given a broken
    environment, so that each of them dies at start (its server cannot parse WEIR_CODE_SERVER_PORT)."""
    path.write_text(
        "run_launcher:\n"
        "  module: docker\n"
        "  config:\n"
        "    network: host\n"
        "    locations:\n"
        "      sales: {image: weir-sales:latest}\n"
        "      forecast: {image: weir-forecast:latest, env_vars: [WEIR_CODE_SERVER_PORT=broken]}\n"
    )
    path.chmod(0o644)
    return path


def test_compose_run_containers_start_each_run_in_a_container_of_its_own(
    deployment: Deployment, tmp_path: Path
) -> None:
    dep = deployment
    socket_path = dep.engine.env["DOCKER_HOST"].removeprefix("unix://")
    overlay_env = {
        "DOCKER_SOCKET": socket_path,
        "DOCKER_GID": str(os.stat(socket_path).st_gid),
        "WEIR_RUN_LAUNCHER_CONFIG": str(_run_launcher_config(tmp_path / "weir.yaml")),
    }
    started = time.monotonic()
    dep.compose("up", "-d", "--no-build", "host", overlay=RUN_CONTAINERS, env=overlay_env, timeout=300)
    client = HostClient(dep.host_address, dep.tokens["host"])
    wait_for(lambda: _statuses(client), 120, interval=0.5, what="the host to answer")
    _wait_status(client, dep, {n: "LOCATION_LOADED" for n in LOCATIONS}, 120)
    print(f"[docker] host with run_launcher: docker up in {time.monotonic() - started:.1f} s")

    # A run of sales starts in a container of sales' image, labelled with its run id, gone once it is done.
    started = time.monotonic()
    run = client.launch_run(
        host_pb2.LaunchRunRequest(
            location="sales", asset_selection=[common_pb2.AssetKey(path=["sales", "tabulate_version"])]
        )
    )
    seen = wait_for(lambda: dep.run_containers(run.run_id), 60, interval=0.1, what=f"a container for run {run.run_id}")
    assert seen == [f"weir-run-{run.run_id}"], seen
    done = client.wait_for_run(run.run_id, timeout=120)
    assert "sales sees tabulate 0.8.10" in _assert_success(client, dep, done)
    wait_for(lambda: not dep.run_containers(run.run_id), 60, interval=0.5, what="the run's container to be removed")
    print(f"[docker] run in its own container: launched, succeeded, removed in {time.monotonic() - started:.1f} s")
    with psycopg.connect(dep.storage_url, connect_timeout=10) as db:
        status = db.execute("SELECT status FROM runs WHERE run_id = %s", (run.run_id,)).fetchone()
        types = [t for (t,) in db.execute("SELECT event_type FROM events WHERE run_id = %s", (run.run_id,))]
        assert status == ("SUCCESS",), status
        assert {"RUN_START", "STEP_SUCCESS", "ASSET_MATERIALIZATION", "RUN_SUCCESS"} <= set(types), types

    # The host restarts while a run's container is frozen (docker pause) before the run ends: the new host
    # finds the container again by its label, collects the run's events and removes it.
    frozen = client.launch_run(
        host_pb2.LaunchRunRequest(
            location="sales", asset_selection=[common_pb2.AssetKey(path=["sales", "tabulate_version"])]
        )
    )
    (name,) = wait_for(lambda: dep.run_containers(frozen.run_id), 60, interval=0.05, what="the run's container")
    paused = dep.engine.run("docker", "pause", name, check=False).returncode == 0
    with psycopg.connect(dep.storage_url, connect_timeout=10) as db:
        status_then = db.execute("SELECT status FROM runs WHERE run_id = %s", (frozen.run_id,)).fetchone()
    print(f"[docker] run container paused: {paused}, run then {status_then}")
    dep.compose("restart", "--timeout", "10", "host", overlay=RUN_CONTAINERS, env=overlay_env)
    if paused:
        dep.engine.run("docker", "unpause", name)
    client.close()
    client = HostClient(dep.host_address, dep.tokens["host"])
    wait_for(lambda: _statuses(client), 120, interval=0.5, what="the restarted host to answer")
    done = client.wait_for_run(frozen.run_id, timeout=120)
    assert "sales sees tabulate 0.8.10" in _assert_success(client, dep, done)
    wait_for(lambda: not dep.run_containers(frozen.run_id), 60, interval=0.5, what="the run's container to be removed")

    # Cancel right after launch, whether the container's server answers yet or not: the run ends CANCELED
    # and its container goes away.
    canceled = client.launch_run(
        host_pb2.LaunchRunRequest(
            location="sales", asset_selection=[common_pb2.AssetKey(path=["sales", "tabulate_version"])]
        )
    )
    wait_for(lambda: dep.run_containers(canceled.run_id), 60, interval=0.05, what="the run's container")
    client.cancel_run(canceled.run_id)
    ended = client.wait_for_run(canceled.run_id, timeout=120)
    print(f"[docker] canceled at start: {host_pb2.RunStatus.Name(ended.status)} ({ended.failure_reason[:200]!r})")
    assert host_pb2.RunStatus.Name(ended.status) == "CANCELED", ended
    wait_for(lambda: not dep.run_containers(canceled.run_id), 60, interval=0.5, what="the canceled run's container")

    # A run whose container dies is failed with the container's exit code and its last log lines.
    broken = client.launch_run(
        host_pb2.LaunchRunRequest(
            location="forecast", asset_selection=[common_pb2.AssetKey(path=["forecast", "tabulate_version"])]
        )
    )
    failed = client.wait_for_run(broken.run_id, timeout=120)
    assert host_pb2.RunStatus.Name(failed.status) == "FAILURE", failed
    assert f"the run's container weir-run-{broken.run_id} exited with code 1" in failed.failure_reason, failed
    assert "WEIR_CODE_SERVER_PORT" in failed.failure_reason or "broken" in failed.failure_reason, failed
    print(f"[docker] a dead run container fails its run: {failed.failure_reason[-300:]!r}")
    wait_for(lambda: not dep.run_containers(broken.run_id), 60, interval=0.5, what="the dead container's removal")
    client.close()
