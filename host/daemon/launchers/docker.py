"""The docker run launcher: each run starts in a new container of its location's image.

The container runs `weir code-server run-worker --run-id ID ...` (codeserver/run_worker_server.py):
a server for that one run, serving the CodeServer API's run methods over the same run worker code as
a code server, so the host collects the journal exactly as it does from a location. The host reaches
it on the configured network with a token made for that run; the token sits in the container's
environment and the run id in its labels, so a restarted host finds both again. The container is
removed once the run's events are stored. A container that dies fails its run with its exit code and
its last log lines (RunWorkerGone).

Starting is two steps, both safe to repeat: launch() creates and starts the container; once its
server answers, the run watcher finds the run not started there (WORKER_NOT_FOUND) and launches
again, which now sends StartRun. So the run queue never waits for a container to boot.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import docker
import docker.errors
import requests
from docker.models.containers import Container

from host.config import DockerRunLauncherConfig
from host.domain.launcher import RunWorkerGone
from host.domain.runs import start_request
from host.errors import ConfigError, LocationUnavailable, WeirError
from host.locations.client import GrpcLocationClient
from host.locations.instance_link import InstanceHandler
from host.storage.records import RunRecord
from protos.weir.v1 import codeserver_pb2

log = logging.getLogger("weir.runs")

LABEL_RUN = "weir.run_id"
LABEL_LOCATION = "weir.location"
LABEL_PORT = "weir.port"
LOG_LINES = 20
ALIVE = ("created", "running", "paused", "restarting")  # states a container comes back from by itself or by hand


class DockerRunLauncher:
    """One container per run, found by its labels."""

    name = "docker"

    def __init__(
        self,
        config: DockerRunLauncherConfig,
        client: docker.DockerClient | None = None,
        instance_handler: InstanceHandler | None = None,
    ) -> None:
        self._config = config
        self._docker_client = client
        self._instance_handler = instance_handler
        self._clients: dict[str, GrpcLocationClient] = {}
        self._code_args: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    @property
    def _docker(self) -> docker.DockerClient:
        """Connected on first use, so a host starts (and reports the error per run) while the engine is down."""
        if self._docker_client is None:
            with _engine_errors("connect"):
                self._docker_client = docker.from_env()
        return self._docker_client

    def launch(self, run: RunRecord) -> None:
        container = self._find(run.run_id)
        if container is None:
            self._create(run)
            return
        if container.status == "created":  # a host that died between create and start
            with _engine_errors(f"start container {container.name}"):
                container.start()
            return
        if container.status not in ALIVE:
            raise RunWorkerGone(self._ended(container))
        self._client(container).start_run(start_request(run))

    def watch(self, run: RunRecord, after_sequence: int) -> Iterator[codeserver_pb2.RunEventBatch]:
        container = self._find(run.run_id)
        if container is None:
            worker = codeserver_pb2.RunWorker(run_id=run.run_id, state=codeserver_pb2.WORKER_NOT_FOUND)
            yield codeserver_pb2.RunEventBatch(worker=worker)
            return
        try:
            yield from self._client(container).watch_run_events(run.run_id, after_sequence)
        except WeirError:
            with _engine_errors(f"inspect container {container.name}"):
                container.reload()
            if container.status not in ALIVE:
                raise RunWorkerGone(self._ended(container)) from None
            if not self._booting(container):
                raise
            # its server is still starting: no news yet; the watcher asks again shortly, on a fresh
            # channel (a channel that failed to connect waits ever longer before it tries again)
            self._forget(run.run_id)

    def cancel(self, run: RunRecord, *, grace_seconds: float = 0.0, terminate: bool = False) -> bool:
        container = self._find(run.run_id)
        if container is None:
            return False
        if container.status not in ALIVE:
            return True  # it ended already: the watcher fails the run with how
        try:
            return self._client(container).cancel_run(run.run_id, grace_seconds=grace_seconds, terminate=terminate)
        except WeirError as exc:  # its server does not answer: stop the container itself
            log.warning("run %s: its container does not answer (%s); stopping it", run.run_id, exc)
            with _engine_errors(f"stop container {container.name}"):
                container.stop(timeout=int(grace_seconds))
            return True

    def release(self, run_id: str) -> None:
        self._forget(run_id)
        try:
            container = self._find(run_id)
            if container is not None:
                with _engine_errors(f"remove container {container.name}"):
                    container.remove(force=True)
        except WeirError as exc:
            log.warning("run %s is finished, but its container could not be removed: %s", run_id, exc)

    def held(self) -> list[str]:
        with _engine_errors("list run containers"):
            containers = self._docker.containers.list(all=True, filters={"label": LABEL_RUN})
        return [c.labels[LABEL_RUN] for c in containers]

    def _find(self, run_id: str) -> Container | None:
        with _engine_errors(f"look for the container of run {run_id}"):
            found = self._docker.containers.list(all=True, filters={"label": f"{LABEL_RUN}={run_id}"})
        return found[0] if found else None

    def _create(self, run: RunRecord) -> None:
        settings = self._config.location(run.location)
        image = settings.image
        if not image:
            raise ConfigError(
                f"the docker run launcher has no image for location {run.location!r}: add it to weir.yaml "
                f"under run_launcher.config.locations ({run.location}: {{image: IMAGE}}), "
                "or set run_launcher.config.image"
            )
        host_network = self._config.network == "host"
        port = _free_port() if host_network else self._config.port
        command = [
            "run-worker",
            *("--run-id", run.run_id, "--host", "127.0.0.1" if host_network else "0.0.0.0", "--port", str(port)),
            *("--location-name", run.location),
            *self._image_code_args(image),
        ]
        network: dict[str, Any] = {"network_mode": "host"} if host_network else {"network": self._config.network}
        name = f"weir-run-{run.run_id}"
        with _engine_errors(f"start container {name} of image {image}"):
            try:
                container = self._docker.containers.create(
                    image,
                    command=command,
                    entrypoint=["weir", "code-server"],
                    name=name,
                    labels={LABEL_RUN: run.run_id, LABEL_LOCATION: run.location, LABEL_PORT: str(port)},
                    environment={**_environment(settings.env_vars), "WEIR_TOKEN": secrets.token_hex(16)},
                    volumes=settings.volumes or None,
                    init=True,
                    **{k: v for k, v in network.items() if v is not None},
                )
            except docker.errors.APIError as exc:
                if exc.status_code == 409:  # created by another launch of this run: it is started below
                    found = self._find(run.run_id)
                    if found is None:
                        raise
                    container = found
                else:
                    raise
            if container.status == "created":
                container.start()

    def _image_code_args(self, image: str) -> list[str]:
        """Which code the image serves: its CMD (`-f definitions.py` in docker/codeserver.Dockerfile)."""
        if image not in self._code_args:
            with _engine_errors(f"find image {image}"):
                try:
                    found = self._docker.images.get(image)
                except docker.errors.ImageNotFound:
                    found = self._docker.images.pull(image)
            args = list(found.attrs.get("Config", {}).get("Cmd") or [])
            if not args:
                raise ConfigError(
                    f"image {image} has no CMD naming its code (such as -f definitions.py or -m my_module): "
                    "build it from docker/codeserver.Dockerfile, or give it a CMD"
                )
            self._code_args[image] = args
        return self._code_args[image]

    def _client(self, container: Container) -> GrpcLocationClient:
        run_id = container.labels[LABEL_RUN]
        with self._lock:
            client = self._clients.get(run_id)
            if client is None:
                client = GrpcLocationClient(  # named as its location: the host checks instance calls by it
                    container.labels[LABEL_LOCATION],
                    self._address(container),
                    token=_env_of(container).get("WEIR_TOKEN"),
                )
                if self._instance_handler is not None:  # context.instance of the run, through its server
                    client.serve_instance(self._instance_handler)
                self._clients[run_id] = client
            return client

    def _forget(self, run_id: str) -> None:
        with self._lock:
            client = self._clients.pop(run_id, None)
        if client is not None:
            client.close()

    def _address(self, container: Container) -> str:
        if self._config.network == "host":
            return f"127.0.0.1:{container.labels[LABEL_PORT]}"
        networks: dict[str, dict[str, Any]] = container.attrs.get("NetworkSettings", {}).get("Networks") or {}
        settings = networks.get(self._config.network or "bridge") or next(iter(networks.values()), {})
        address = settings.get("IPAddress")
        if not address:
            raise LocationUnavailable(
                f"container {container.name} has no address on network {self._config.network!r} yet"
            )
        return f"{address}:{container.labels[LABEL_PORT]}"

    def _booting(self, container: Container) -> bool:
        if container.status == "created":
            return True
        started = container.attrs.get("State", {}).get("StartedAt", "")
        try:
            since = datetime.fromisoformat(started[:26].rstrip("Z") + "+00:00").timestamp()
        except ValueError:
            return True  # not started yet
        return time.time() - since < self._config.start_timeout_seconds

    def _ended(self, container: Container) -> str:
        state = container.attrs.get("State", {})
        how = f"exited with code {state.get('ExitCode')}" + (" (out of memory)" if state.get("OOMKilled") else "")
        with contextlib.suppress(docker.errors.DockerException, requests.RequestException):
            lines = container.logs(tail=LOG_LINES).decode(errors="replace").strip()
            if lines:
                how += f"; its last log lines:\n{lines}"
        return f"the run's container {container.name} {how}"


def _environment(env_vars: list[str]) -> dict[str, str]:
    """NAME=value as given; NAME with the host's value (left out when the host has none)."""
    env: dict[str, str] = {}
    for item in env_vars:
        name, sep, value = item.partition("=")
        if sep:
            env[name] = value
        elif name in os.environ:
            env[name] = os.environ[name]
    return env


def _env_of(container: Container) -> dict[str, str]:
    items = container.attrs.get("Config", {}).get("Env") or []
    return dict(item.split("=", 1) for item in items if "=" in item)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _engine_errors(what: str) -> Iterator[None]:
    """Docker's errors as Weir's, naming the engine and what was being done."""
    try:
        yield
    except (docker.errors.DockerException, requests.RequestException) as exc:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise LocationUnavailable(f"the Docker engine at {where} could not {what}: {exc}") from None
