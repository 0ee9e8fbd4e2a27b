"""The workspace: which code locations exist, their servers (spawned or remote), their state and
their snapshots. A location that fails is an error state, never an outage (rule 8)."""

from __future__ import annotations

import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from host.config import GrpcServer, PythonFile, PythonModule, Workspace
from host.errors import (
    ConfigError,
    IncompatibleProtocol,
    LocationLoadError,
    LocationNotFound,
    LocationUnavailable,
    WeirError,
)
from host.locations.client import GrpcLocationClient, LocationClient
from host.locations.instance_link import InstanceHandler
from host.locations.snapshots import SnapshotCache
from host.locations.spawn import CodeServerProcess, SpawnSpec
from protos import wire
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2

RETRY_MIN_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0


@dataclass
class LocationState:
    """What the host knows about one location right now."""

    name: str
    status: host_pb2.LocationStatus.ValueType = host_pb2.LOCATION_LOADING
    endpoint: str = ""
    snapshot_id: str = ""
    snapshot: snapshot_pb2.Snapshot | None = None
    load_error: common_pb2.UserCodeError | None = None
    error_message: str = ""
    sdk_version: str = ""
    protocol_version: str = ""
    executable: str = ""
    server_id: str = ""
    conflict: str = ""  # another location materializes one of its assets: an error until one of them changes
    updated_at: float = field(default_factory=time.time)

    def to_proto(self) -> host_pb2.Location:
        msg = host_pb2.Location(
            name=self.name,
            status=self.status,
            snapshot_id=self.snapshot_id,
            endpoint=self.endpoint,
            sdk_version=self.sdk_version,
            protocol_version=self.protocol_version,
            executable=self.executable,
            updated_at=self.updated_at,
            error_message=self.error_message,
            asset_count=len(self.snapshot.assets) if self.snapshot else 0,
            job_count=len(self.snapshot.jobs) if self.snapshot else 0,
        )
        if self.load_error is not None:
            msg.load_error.CopyFrom(self.load_error)
        return msg


@dataclass(frozen=True)
class WorkspaceChange:
    """What a workspace reload did, by location name."""

    added: list[str]
    removed: list[str]
    changed: list[str]


class LocationHandle:
    """One location: its client, its spawned process (if any) and its state, refreshed with back-off."""

    def __init__(
        self, name: str, connect: Callable[[], LocationClient], process: CodeServerProcess | None = None
    ) -> None:
        self.name = name
        self.state = LocationState(name)
        self.process = process
        self.source: object = None  # the workspace.yaml entry it was built from: a reload compares them
        self._connect = connect
        self._client: LocationClient | None = None
        self._lock = threading.Lock()
        self._next_attempt = 0.0
        self._backoff = RETRY_MIN_SECONDS
        self.instance_handler: InstanceHandler | None = None  # answers context.instance (see serve_instance)

    @property
    def client(self) -> LocationClient:
        if self._client is None:
            raise LocationUnavailable(f"location {self.name!r} is not connected: {self.state.error_message}")
        return self._client

    def loaded_snapshot(self) -> snapshot_pb2.Snapshot:
        """The snapshot to plan against; an error naming the location's problem when there is none."""
        snapshot = self.state.snapshot
        if self.state.conflict:
            raise LocationLoadError(f"location {self.name!r} cannot be used: {self.state.conflict}")
        if snapshot is None:
            if self.state.load_error is not None:
                raise LocationLoadError(
                    f"location {self.name!r} failed to load: {self.state.load_error.type}: "
                    f"{self.state.load_error.message}"
                )
            raise LocationUnavailable(
                f"location {self.name!r} is not loaded yet ({self.state.error_message or 'loading'})"
            )
        return snapshot

    def refresh(self, cache: SnapshotCache, *, force: bool = False) -> None:
        """Handshake, fetch the snapshot if its id changed, and update the state."""
        with self._lock:
            if not force and time.monotonic() < self._next_attempt:
                return
            try:
                self._refresh(cache)
                ok = self.state.status in (host_pb2.LOCATION_LOADED, host_pb2.LOCATION_LOADING)
            except WeirError as exc:  # a person must act on protocol and configuration errors
                self.state.status = (
                    host_pb2.LOCATION_ERROR
                    if isinstance(exc, (IncompatibleProtocol, ConfigError))
                    else host_pb2.LOCATION_UNAVAILABLE
                )
                self.state.error_message = str(exc)
                ok = False
            self.state.updated_at = time.time()
            self._backoff = RETRY_MIN_SECONDS if ok else min(self._backoff * 2, RETRY_MAX_SECONDS)
            self._next_attempt = time.monotonic() + (RETRY_MIN_SECONDS if ok else self._backoff)

    def _refresh(self, cache: SnapshotCache) -> None:
        if self.process is not None and not self.process.alive():
            self._respawn()
        if self._client is None:
            self._client = self._connect()
        reply = self._client.handshake()
        serves_instance = "instance" in reply.capabilities  # an older code server has no ServeInstance
        if self.instance_handler is not None and serves_instance and isinstance(self._client, GrpcLocationClient):
            self._client.serve_instance(self.instance_handler)  # once per client: again after a respawn
        if not wire.is_compatible(wire.PROTOCOL_VERSION, reply.protocol_version):
            raise IncompatibleProtocol(
                f"location {self.name!r} speaks protocol {reply.protocol_version}, the host speaks "
                f"{wire.PROTOCOL_VERSION}: upgrade weir in one of them so the major versions match"
            )
        state = self.state
        state.sdk_version, state.protocol_version = reply.sdk_version, reply.protocol_version
        state.executable, state.server_id, state.error_message = reply.executable, reply.server_id, ""
        state.load_error = reply.load_error if reply.HasField("load_error") else None
        if reply.snapshot_id and reply.snapshot_id != state.snapshot_id:
            snapshot = cache.get(reply.snapshot_id)
            if snapshot is None:
                snapshot = self._client.fetch_snapshot(reply.snapshot_id)
                cache[reply.snapshot_id] = snapshot
            state.snapshot, state.snapshot_id = snapshot, reply.snapshot_id
        if reply.snapshot_id:
            state.status = host_pb2.LOCATION_LOADED
        elif reply.loading or not reply.HasField("load_error"):  # the last snapshot stays readable meanwhile
            state.status = host_pb2.LOCATION_LOADING
        else:
            state.status = host_pb2.LOCATION_ERROR

    def _respawn(self) -> None:
        assert self.process is not None
        if self._client is not None:
            self._client.close()
            self._client = None
        self.state.status = host_pb2.LOCATION_LOADING
        self.process.start()
        port = self.process.wait_ready()
        self.state.endpoint = f"127.0.0.1:{port}"

    def reload(self, cache: SnapshotCache) -> None:
        """Ask the code server to load the code again, then pick up the new snapshot."""
        self.client.reload()
        self.refresh(cache, force=True)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self.process is not None:
            self.process.stop()


class WorkspaceManager:
    """All locations of a workspace, kept fresh by a background thread."""

    def __init__(self, handles: list[LocationHandle], snapshots: SnapshotCache | None = None) -> None:
        self._handles = {h.name: h for h in handles}
        self.snapshots = snapshots if snapshots is not None else SnapshotCache()
        self._retained: set[str] = set()
        self._conflicts_of: tuple[tuple[str, str], ...] = ()  # the (location, snapshot id)s _conflicts is of
        self._conflicts: dict[str, str] = {}  # location -> why it is in error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._instance_handler: InstanceHandler | None = None

    def serve_instance(self, handler: InstanceHandler) -> None:
        """Answer context.instance of every location's runs and evaluations with `handler`: each
        location's client opens its instance stream once connected (host/locations/instance_link.py)."""
        self._instance_handler = handler
        for handle in self._handles.values():
            handle.instance_handler = handler

    def get(self, name: str) -> LocationHandle:
        try:
            return self._handles[name]
        except KeyError:
            known = ", ".join(sorted(self._handles)) or "none"
            raise LocationNotFound(f"no code location named {name!r} (locations: {known})") from None

    def handles(self) -> list[LocationHandle]:
        return list(self._handles.values())

    def start(self) -> None:
        """Start spawned servers (all at once), then refresh every location in the background."""
        for handle in self._handles.values():
            if handle.process is not None:
                handle.process.start()
        for handle in self._handles.values():
            if handle.process is not None:
                try:
                    handle.state.endpoint = f"127.0.0.1:{handle.process.wait_ready()}"
                except WeirError as exc:
                    handle.state.status, handle.state.error_message = host_pb2.LOCATION_UNAVAILABLE, str(exc)
        self._thread = threading.Thread(target=self._loop, name="workspace-refresh", daemon=True)
        self._thread.start()

    def refresh_all(self, *, force: bool = False) -> None:
        for handle in self._handles.values():
            handle.refresh(self.snapshots, force=force)
        self._mark_conflicts()
        in_use = {h.state.snapshot_id for h in self._handles.values()}
        if "" not in in_use and in_use != self._retained:  # never drop what a loading location may use
            self.snapshots.retain(in_use)
            self._retained = in_use

    def _mark_conflicts(self) -> None:
        """One asset materializable in two locations is an error on both, each naming the other: runs of
        either would write the same asset. An AssetSpec of another location's asset (not executable) is fine.

        The clashes are computed again only when a snapshot changes (this runs ten times a second), and
        applied on every pass, since a refresh sets a location's status afresh."""
        loaded = tuple(sorted((h.name, h.state.snapshot_id) for h in self._handles.values()))
        if loaded != self._conflicts_of:
            self._conflicts_of, self._conflicts = loaded, _conflicts(self._handles.values())
        for handle in self._handles.values():
            state, conflict = handle.state, self._conflicts.get(handle.name, "")
            if conflict:
                state.conflict = conflict
                state.status, state.error_message = host_pb2.LOCATION_ERROR, conflict
            elif state.conflict:
                state.conflict = ""
                state.error_message = ""
                if state.snapshot_id:
                    state.status = host_pb2.LOCATION_LOADED

    def replace(self, handles: list[LocationHandle]) -> WorkspaceChange:
        """Take a newly read workspace: new locations join (their servers start on the next refresh),
        removed ones stop, changed ones are replaced, unchanged ones keep running untouched."""
        current = dict(self._handles)
        kept = {h.name: current[h.name] for h in handles if h.name in current and current[h.name].source == h.source}
        fresh = {h.name: h for h in handles if h.name not in kept}
        for handle in fresh.values():
            handle.instance_handler = self._instance_handler
        self._handles = {h.name: kept.get(h.name) or fresh[h.name] for h in handles}
        gone = [h for name, h in current.items() if name not in kept]
        for handle in gone:
            threading.Thread(target=handle.close, name=f"close-{handle.name}", daemon=True).start()
        return WorkspaceChange(
            added=sorted(n for n in fresh if n not in current),
            removed=sorted(n for n in current if n not in self._handles),
            changed=sorted(n for n in fresh if n in current),
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.refresh_all()
            self._stop.wait(0.1)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        threads = [threading.Thread(target=h.close) for h in self._handles.values()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def _conflicts(handles: Iterable[LocationHandle]) -> dict[str, str]:
    """For each location sharing a materializable asset key with another: the message naming them."""
    owners: dict[str, list[str]] = {}
    for handle in handles:
        snapshot = handle.state.snapshot
        for node in snapshot.assets if snapshot is not None else ():
            if node.is_executable:
                owners.setdefault("/".join(node.key.path), []).append(handle.name)
    clashes: dict[str, list[tuple[str, list[str]]]] = {}
    for key, names in sorted(owners.items()):
        for name in names if len(names) > 1 else ():
            clashes.setdefault(name, []).append((key, [o for o in names if o != name]))
    messages = {}
    for name, found in clashes.items():
        key, others = found[0]
        more = f" (and {len(found) - 1} more assets)" if len(found) > 1 else ""
        messages[name] = (
            f"asset {key!r}{more} is also materialized by location {', '.join(repr(o) for o in others)}; "
            "an asset key may be materializable in one location only: rename one, or declare it in the "
            "other as an AssetSpec"
        )
    return messages


def build_workspace(workspace: Workspace, base_dir: Path, weir_home: Path) -> WorkspaceManager:
    """Turn workspace.yaml entries into location handles (spawned servers get a random token)."""
    handles: list[LocationHandle] = []
    for entry in workspace.load_from:
        if entry.grpc_server is not None:
            handles.append(_remote_handle(entry.grpc_server))
        else:
            spawned = entry.python_file or entry.python_module
            assert spawned is not None
            handles.append(_spawned_handle(spawned, base_dir, weir_home))
        handles[-1].source = entry
    names = [h.name for h in handles]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"workspace: location names must be unique; repeated: {', '.join(duplicates)}. "
            "Set location_name on the entries."
        )
    return WorkspaceManager(handles, SnapshotCache(weir_home / "snapshots"))


def _remote_handle(cfg: GrpcServer) -> LocationHandle:
    name = cfg.name
    token = os.environ.get(cfg.token_env) if cfg.token_env else None
    tls_ca = Path(cfg.tls_ca).read_bytes() if cfg.tls_ca else None
    address = f"{cfg.host}:{cfg.port}"

    def connect() -> LocationClient:
        if cfg.token_env and not token:  # sending no token would only fail later as "unauthenticated"
            raise ConfigError(
                f"location {name!r}: workspace.yaml sets token_env: {cfg.token_env}, but "
                f"{cfg.token_env} is not set in the host's environment. Set it to the code "
                "server's token and restart the host."
            )
        return GrpcLocationClient(name, address, token=token, tls=cfg.ssl, tls_ca=tls_ca)

    handle = LocationHandle(name, connect)
    handle.state.endpoint = address
    return handle


def _spawned_handle(cfg: PythonFile | PythonModule, base_dir: Path, weir_home: Path) -> LocationHandle:
    if isinstance(cfg, PythonFile):
        path = (base_dir / cfg.relative_path).resolve()
        target: tuple[str, ...] = ("-f", str(path))
    else:
        target = ("-m", cfg.module_name)
    name = cfg.name
    if cfg.attribute:
        target += ("-a", cfg.attribute)
    workdir = (base_dir / cfg.working_directory).resolve() if cfg.working_directory else base_dir.resolve()
    target += ("-d", str(workdir))
    executable = str((base_dir / cfg.executable_path).absolute()) if cfg.executable_path else sys.executable
    token = secrets.token_urlsafe(24)
    spec = SpawnSpec(
        location_name=name,
        target_args=target,
        executable=executable,
        working_directory=str(workdir),
        runs_dir=(weir_home / "runs" / name).resolve(),
        log_path=(weir_home / "logs" / f"{name}.log").resolve(),
        token=token,
        storage_dir=(weir_home / "storage").resolve(),
    )
    process = CodeServerProcess(spec)

    def connect() -> LocationClient:
        if process.port is None:
            raise LocationUnavailable(f"location {name!r}: its code server has not started")
        return GrpcLocationClient(name, f"127.0.0.1:{process.port}", token=token)

    return LocationHandle(name, connect, process)
