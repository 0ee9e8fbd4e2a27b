"""`weir dev` and `weir host start`: run the host (storage, workspace, daemon, Host API) until
Ctrl-C or SIGTERM, then stop every code server it spawned.

The host writes its address and token to $WEIR_HOME/host.json so CLI commands find it with no flags.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from host.config import Workspace, load_host_config
from host.errors import ConfigError
from host.locations.workspace import build_workspace
from host.serve.app import HostApp, open_storage
from host.serve.server import create_server
from host.web.server import WebServer, create_web_server


@dataclass(frozen=True)
class UiOptions:
    """Where and how the web UI is served."""

    host: str = "127.0.0.1"
    port: int | None = 3000  # None: no web UI
    port_fixed: bool = False  # given by the user: a taken port is an error, not a fallback
    read_only: bool = False
    max_streams: int = 256  # live views (event streams) open at once; each holds a thread


@dataclass(frozen=True)
class HostOptions:
    workspace: Workspace
    base_dir: Path  # relative paths of the workspace resolve against this
    weir_home: Path
    host: str = "127.0.0.1"
    port: int = 4200
    config_file: Path | None = None
    storage_url: str | None = None
    token: str | None = None
    tls_cert: bytes | None = None
    tls_key: bytes | None = None
    workspace_file: Path | None = None  # for `weir workspace reload`; None when started with -f/-m
    ui: UiOptions = field(default_factory=lambda: UiOptions())


def run_host(options: HostOptions, ready: threading.Event | None = None) -> None:
    """Start everything, serve until a signal, stop everything (spawned servers included)."""
    config = load_host_config(options.config_file)
    options.weir_home.mkdir(parents=True, exist_ok=True)
    engine = open_storage(config, options.weir_home, options.storage_url)
    workspace = build_workspace(options.workspace, options.base_dir, options.weir_home)
    app = HostApp(engine, workspace, config, workspace_file=options.workspace_file, weir_home=options.weir_home)
    server, port = create_server(
        app, f"{options.host}:{options.port}", token=options.token, tls_cert=options.tls_cert, tls_key=options.tls_key
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    web = _web_server(app, options)
    server.start()
    endpoint_file = options.weir_home / "host.json"
    try:
        ui_url = ""
        if web is not None:
            web.start()
            ui_url = f"http://{_url_host(_client_host(options.ui.host))}:{web.port}"
        _write_endpoint(endpoint_file, f"{_client_host(options.host)}:{port}", options.token, ui_url)
        print(
            f"weir host listening on {options.host}:{port} (storage: "
            f"{engine.url.render_as_string(hide_password=True)})",
            file=sys.stderr,
            flush=True,
        )
        if not options.token:
            print(
                "  WITHOUT authentication (--insecure): anyone who reaches this port can launch runs",
                file=sys.stderr,
                flush=True,
            )
        if web is not None:
            login = f"/?token={options.token}" if options.token else ""
            mode = " (read-only)" if options.ui.read_only else ""
            print(f"  web UI{mode}: {ui_url}{login}", file=sys.stderr, flush=True)
        app.start()
        for handle in workspace.handles():
            print(
                f"  location {handle.name!r} at {handle.state.endpoint or '(not started)'}", file=sys.stderr, flush=True
            )
        if ready is not None:
            ready.set()
        while not stop.wait(0.5):
            pass
        print("stopping weir host ...", file=sys.stderr, flush=True)
    finally:
        if web is not None:
            web.stop()
        server.stop(grace=1)
        app.stop()
        endpoint_file.unlink(missing_ok=True)


def _client_host(bind_host: str) -> str:
    return "127.0.0.1" if bind_host in ("0.0.0.0", "::", "") else bind_host


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _web_server(app: HostApp, options: HostOptions) -> WebServer | None:
    """The UI server, bound now so that a taken port fails the start (or, for the default port of
    `weir dev`, moves to a free one and says so)."""
    ui = options.ui
    if ui.port is None:
        return None

    def bind(port: int) -> WebServer:
        return create_web_server(
            app, ui.host, port, token=options.token, read_only=ui.read_only, max_streams=ui.max_streams
        )

    try:
        return bind(ui.port)
    except OSError as exc:
        if options.ui.port_fixed or options.ui.port == 0:
            raise ConfigError(
                f"the web UI cannot listen on {options.ui.host}:{options.ui.port} ({exc.strerror}); "
                "pass another --ui-port (0 picks a free one)"
            ) from None
    print(f"  port {options.ui.port} is taken: the web UI takes a free port", file=sys.stderr, flush=True)
    return bind(0)


def _write_endpoint(path: Path, address: str, token: str | None, ui_url: str = "") -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"address": address, "token": token, "pid": os.getpid(), "ui_url": ui_url}, f)
    tmp.replace(path)


def host_token(token: str | None, *, insecure: bool) -> str | None:
    """The Host API token of `weir host start`; without one it refuses to serve unless told to."""
    if token:
        return token
    if insecure:
        return None
    raise ConfigError(
        "WEIR_TOKEN is not set, so the Host API would serve without authentication. Set it "
        "(export WEIR_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')) and "
        "give clients the same value, or pass --insecure to serve without a token."
    )


def dev_options(workspace: Workspace, base_dir: Path, weir_home: Path, port: int) -> HostOptions:
    """`weir dev`: local host, SQLite under $WEIR_HOME, a random token for the Host API."""
    return HostOptions(
        workspace=workspace, base_dir=base_dir, weir_home=weir_home, port=port, token=secrets.token_urlsafe(24)
    )
