"""The server-side commands behind `weir dev`, `weir host start` and `weir storage ...`: the `weir`
CLI execs `python -m host.serve ...` for them, so the client commands never import storage or the
servers. They also run as `python -m host.serve` directly."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from host.errors import friendly

if TYPE_CHECKING:
    from host.serve.dev import UiOptions


def weir_home() -> Path:
    return Path(os.environ.get("WEIR_HOME", ".weir"))


@click.group()
def main() -> None:
    """The Weir host's server-side commands."""


@main.command()
@click.option(
    "-w",
    "--workspace",
    "workspace_file",
    type=click.Path(path_type=Path),
    help="workspace.yaml (default: ./workspace.yaml)",
)
@click.option("-f", "--python-file", type=click.Path(path_type=Path), help="one location from a file")
@click.option("-m", "--module-name", help="one location from a module")
@click.option("--port", default=4200, show_default=True, help="Host API port (0 picks one)")
@click.option("--ui-port", type=int, default=None, help="web UI port (default 3000; 0 picks one)")
@click.option("--ui-host", default="127.0.0.1", show_default=True, help="web UI bind address")
@click.option("--ui-read-only", is_flag=True, help="web UI without launch, cancel, start/stop or reload")
@click.option("--no-ui", is_flag=True, help="do not serve the web UI")
@friendly
def dev(
    workspace_file: Path | None,
    python_file: Path | None,
    module_name: str | None,
    port: int,
    ui_port: int | None,
    ui_host: str,
    ui_read_only: bool,
    no_ui: bool,
) -> None:
    """Run the host, a code server per location and the daemon, with SQLite under $WEIR_HOME.

    Without workspace.yaml, the location is the one ./pyproject.toml declares ([tool.weir] or
    [tool.dagster]: module_name, code_location_name). Variables in `.env` (in this folder, then in the
    workspace file's) reach the host and every code server, unless already set."""
    from host.config import find_workspace, single_location
    from host.serve.dev import dev_options, run_host
    from host.serve.dotenv import load_dotenv

    source: Path | None = None
    if python_file or module_name:
        load_dotenv(Path.cwd())
        workspace, base = single_location(python_file, module_name), Path.cwd()
    else:
        workspace, base, source = find_workspace(workspace_file)
        load_dotenv(Path.cwd(), base)
    options = dev_options(workspace, base, weir_home(), port)
    run_host(dataclasses.replace(options, workspace_file=source, ui=ui_options(ui_port, ui_host, ui_read_only, no_ui)))


def ui_options(ui_port: int | None, ui_host: str, read_only: bool, no_ui: bool) -> UiOptions:
    """The web UI's settings from the command line."""
    from host.serve.dev import UiOptions

    max_streams = _env_int("WEIR_UI_MAX_STREAMS")
    if max_streams is not None and max_streams < 1:
        raise click.UsageError(f"WEIR_UI_MAX_STREAMS must be at least 1 (live views open at once), got {max_streams}")
    return UiOptions(
        host=ui_host,
        port=None if no_ui else (3000 if ui_port is None else ui_port),
        port_fixed=ui_port is not None,
        read_only=read_only,
        max_streams=UiOptions.max_streams if max_streams is None else max_streams,
    )


@main.group()
def host() -> None:
    """The production host."""


@host.command("start")
@click.option("-w", "--workspace", "workspace_file", type=click.Path(path_type=Path), required=True)
@click.option("-c", "--config", "config_file", type=click.Path(path_type=Path), help="weir.yaml")
@click.option("--host", "bind", default=lambda: os.environ.get("WEIR_HOST_BIND", "127.0.0.1"))
@click.option("--port", default=lambda: int(os.environ.get("WEIR_HOST_PORT", "4200")))
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, path_type=Path),
    envvar="WEIR_TLS_CERT",
    help="PEM certificate: serve the Host API over TLS (with --tls-key)",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, path_type=Path),
    envvar="WEIR_TLS_KEY",
    help="PEM private key for --tls-cert",
)
@click.option("--insecure", is_flag=True, help="serve the Host API without a token (WEIR_TOKEN unset)")
@click.option(
    "--ui-port", type=int, default=lambda: _env_int("WEIR_UI_PORT"), help="web UI port (default 3000; 0 picks one)"
)
@click.option(
    "--ui-host",
    default=lambda: os.environ.get("WEIR_UI_HOST", "127.0.0.1"),
    help="web UI bind address (default 127.0.0.1)",
)
@click.option("--ui-read-only", is_flag=True, help="web UI without launch, cancel, start/stop or reload")
@click.option("--no-ui", is_flag=True, help="do not serve the web UI")
@friendly
def host_start(
    workspace_file: Path,
    config_file: Path | None,
    bind: str,
    port: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    insecure: bool,
    ui_port: int | None,
    ui_host: str,
    ui_read_only: bool,
    no_ui: bool,
) -> None:
    """Serve the Host API and run the daemon (storage from WEIR_STORAGE_URL or weir.yaml)."""
    from host.config import load_workspace
    from host.serve.dev import HostOptions, host_token, run_host

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("TLS needs both --tls-cert and --tls-key (or WEIR_TLS_CERT and WEIR_TLS_KEY)")
    run_host(
        HostOptions(
            workspace=load_workspace(workspace_file),
            workspace_file=workspace_file.resolve(),
            base_dir=workspace_file.resolve().parent,
            weir_home=weir_home(),
            host=bind,
            port=port,
            config_file=config_file,
            token=host_token(os.environ.get("WEIR_TOKEN"), insecure=insecure),
            tls_cert=tls_cert.read_bytes() if tls_cert else None,
            tls_key=tls_key.read_bytes() if tls_key else None,
            ui=ui_options(ui_port, ui_host, ui_read_only, no_ui),
        )
    )


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise click.UsageError(f"{name} must be a whole number, got {value!r}") from None


@main.group()
def storage() -> None:
    """Storage maintenance (works on the database directly; the host may be stopped)."""


def _storage_url() -> str:
    from host.config import load_host_config
    from host.storage.engine import default_url

    return os.environ.get("WEIR_STORAGE_URL") or load_host_config(None).storage.url or default_url(weir_home())


@storage.command("migrate")
@friendly
def storage_migrate() -> None:
    """Upgrade the storage schema to this version of weir."""
    from host.storage.engine import migrate, open_engine

    url = _storage_url()
    engine = open_engine(url)
    revision = migrate(engine)
    click.echo(f"storage at {engine.url.render_as_string(hide_password=True)} is at revision {revision}")


@storage.command("prune")
@click.option("--older-than", required=True, help="age like 30d, 12h, 90m")
@friendly
def storage_prune(older_than: str) -> None:
    """Delete finished runs (and their events) older than the given age."""
    import time

    from host.storage.engine import ensure_schema, open_engine
    from host.storage.maintenance import prune

    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    try:
        seconds = float(older_than[:-1]) * units[older_than[-1]]
    except (KeyError, ValueError):
        raise click.BadParameter(f"{older_than!r}: use a number and a unit, like 30d, 12h, 90m") from None
    engine = open_engine(_storage_url())
    ensure_schema(engine)
    with engine.begin() as conn:
        count = prune(conn, older_than_seconds=seconds, now=time.time())
    click.echo(f"pruned {count} runs older than {older_than}")


@main.group()
def definitions() -> None:
    """Definitions of code locations."""


@definitions.command("validate")
@click.option(
    "-w",
    "--workspace",
    "workspace_file",
    type=click.Path(path_type=Path),
    help="every location of a workspace.yaml (default: ./workspace.yaml)",
)
@click.option("-f", "--python-file", type=click.Path(path_type=Path), help="one location from a file")
@click.option("-m", "--module-name", help="one location from a module")
@friendly
def definitions_validate(workspace_file: Path | None, python_file: Path | None, module_name: str | None) -> None:
    """Load each location in a fresh process under its own interpreter, as its code server would; exit 1
    if any fails, printing its error (for CI)."""
    import subprocess
    import sys
    import tempfile

    from host.config import find_workspace, single_location
    from host.locations.workspace import build_workspace

    if python_file or module_name:
        workspace, base = single_location(python_file, module_name), Path.cwd()
    else:
        workspace, base, _ = find_workspace(workspace_file)
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        for handle in build_workspace(workspace, base, Path(scratch)).handles():
            if handle.process is None:
                click.echo(f"location {handle.name!r}: skipped (a running code server; it is checked when it loads)")
                continue
            spec = handle.process.spec
            if not Path(spec.executable).exists():
                click.echo(
                    f"location {handle.name!r}: FAILED: its interpreter {spec.executable} does not exist "
                    "(create that environment and install weir in it)",
                    err=True,
                )
                failed.append(handle.name)
                continue
            done = subprocess.run(
                [spec.executable, "-m", "codeserver.validate", *spec.target_args, "--location-name", handle.name],
                cwd=spec.working_directory,
                check=False,
            )
            if done.returncode != 0:
                failed.append(handle.name)
    if failed:
        click.echo(f"{len(failed)} location(s) failed to load: {', '.join(failed)}", err=True)
        sys.exit(1)
