"""The `weir` command: thin click wrappers. `dev` and `host start` run the host; the rest are
clients of the Host API; `code-server` hands over to the code server's own entry point."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from host import render
from host.cli_errors import friendly
from host.client import HostClient
from host.runs import parse_asset_key
from protos.weir.v1 import host_pb2

SHOW_PAGE_EVENTS = 10_000  # `weir runs show` asks for big pages; the host still cuts them at its byte budget


def _weir_home() -> Path:
    return Path(os.environ.get("WEIR_HOME", ".weir"))



@click.group()
def main() -> None:
    """Weir: a data orchestrator with isolated code locations."""


@main.command()
@click.option("-w", "--workspace", "workspace_file", type=click.Path(path_type=Path),
              help="workspace.yaml (default: ./workspace.yaml)")
@click.option("-f", "--python-file", type=click.Path(path_type=Path), help="one location from a file")
@click.option("-m", "--module-name", help="one location from a module")
@click.option("--port", default=4200, show_default=True, help="Host API port (0 picks one)")
@friendly
def dev(workspace_file: Path | None, python_file: Path | None, module_name: str | None, port: int) -> None:
    """Run the host, a code server per location and the daemon, with SQLite under $WEIR_HOME."""
    from host.config import load_workspace, single_location
    from host.dev import dev_options, run_host

    if python_file or module_name:
        workspace, base = single_location(python_file, module_name), Path.cwd()
    else:
        path = workspace_file or Path("workspace.yaml")
        workspace, base = load_workspace(path), path.resolve().parent
    run_host(dev_options(workspace, base, _weir_home(), port))


@main.group()
def host() -> None:
    """The production host."""


@host.command("start")
@click.option("-w", "--workspace", "workspace_file", type=click.Path(path_type=Path), required=True)
@click.option("-c", "--config", "config_file", type=click.Path(path_type=Path), help="weir.yaml")
@click.option("--host", "bind", default=lambda: os.environ.get("WEIR_HOST_BIND", "127.0.0.1"))
@click.option("--port", default=lambda: int(os.environ.get("WEIR_HOST_PORT", "4200")))
@click.option("--tls-cert", type=click.Path(exists=True, path_type=Path), envvar="WEIR_TLS_CERT",
              help="PEM certificate: serve the Host API over TLS (with --tls-key)")
@click.option("--tls-key", type=click.Path(exists=True, path_type=Path), envvar="WEIR_TLS_KEY",
              help="PEM private key for --tls-cert")
@click.option("--insecure", is_flag=True, help="serve the Host API without a token (WEIR_TOKEN unset)")
@friendly
def host_start(workspace_file: Path, config_file: Path | None, bind: str, port: int, tls_cert: Path | None,
               tls_key: Path | None, insecure: bool) -> None:
    """Serve the Host API and run the daemon (storage from WEIR_STORAGE_URL or weir.yaml)."""
    from host.config import load_workspace
    from host.dev import HostOptions, host_token, run_host

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("TLS needs both --tls-cert and --tls-key (or WEIR_TLS_CERT and WEIR_TLS_KEY)")
    run_host(HostOptions(workspace=load_workspace(workspace_file), base_dir=workspace_file.resolve().parent,
                         weir_home=_weir_home(), host=bind, port=port, config_file=config_file,
                         token=host_token(os.environ.get("WEIR_TOKEN"), insecure=insecure),
                         tls_cert=tls_cert.read_bytes() if tls_cert else None,
                         tls_key=tls_key.read_bytes() if tls_key else None))


@main.command("code-server", context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                                "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def code_server(args: tuple[str, ...]) -> None:
    """Serve one code location: `weir code-server start -f FILE | -m MODULE [--port N]`."""
    os.execv(sys.executable, [sys.executable, "-m", "codeserver", *args])


@main.group(invoke_without_command=True)
@click.pass_context
@friendly
def locations(ctx: click.Context) -> None:
    """List code locations with their status and load errors."""
    if ctx.invoked_subcommand is None:
        click.echo(render.locations(HostClient.discover().locations()))


@locations.command("reload")
@click.argument("name")
@friendly
def locations_reload(name: str) -> None:
    """Load a location's code again (running runs go on)."""
    click.echo(render.locations([HostClient.discover().reload_location(name)]))


@main.command()
@click.option("--location", default="", help="only this location")
@friendly
def assets(location: str) -> None:
    """List assets across locations with their last materialization."""
    click.echo(render.assets(HostClient.discover().assets(location)))


def _parse_tags(tags: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep:
            raise click.BadParameter(f"tag {tag!r} should look like key=value")
        out[key] = value
    return out


def _read_config(config: str | None) -> str:
    if not config:
        return "{}"
    text = Path(config).read_text() if Path(config).is_file() else config
    if config.endswith((".yaml", ".yml")):
        import yaml

        return json.dumps(yaml.safe_load(text) or {})
    return text


@main.command()
@click.option("--location", required=True, help="the code location")
@click.option("--select", default="", help="comma-separated asset keys (a/b); default: all assets")
@click.option("--job", default="", help="run this job instead of an asset selection")
@click.option("--config", help="run config: JSON text, or a .json/.yaml file")
@click.option("--tag", "tags", multiple=True, help="key=value, repeatable")
@click.option("--partition", default="", help="partition key")
@click.option("--no-wait", is_flag=True, help="return once the run is queued")
@friendly
def materialize(location: str, select: str, job: str, config: str | None, tags: tuple[str, ...],
                partition: str, no_wait: bool) -> None:
    """Launch a run and follow its events; exits non-zero if it does not succeed."""
    client = HostClient.discover()
    request = host_pb2.LaunchRunRequest(
        location=location, job_name=job, run_config_json=_read_config(config), tags=_parse_tags(tags),
        asset_selection=[parse_asset_key(k) for k in select.split(",") if k.strip()], partition_key=partition)
    run = client.launch_run(request)
    click.echo(f"run {run.run_id} queued in {location}")
    if no_wait:
        return
    final = run
    for final, events in client.follow_run(run.run_id):  # noqa: B007 - the last one is the answer
        for event in events:
            click.echo(render.event(event))
    click.echo(f"run {final.run_id} {host_pb2.RunStatus.Name(final.status)}")
    if final.status != host_pb2.SUCCESS:
        if final.failure_reason:
            click.echo(f"reason: {final.failure_reason}", err=True)
        sys.exit(1)


@main.group(invoke_without_command=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(host_pb2.RunStatus.keys()[1:]))
@click.option("--location", default="")
@click.option("--job", default="")
@click.option("--tag", "tags", multiple=True, help="key=value; repeatable, every one must match")
@click.option("--limit", default=20, show_default=True)
@click.pass_context
@friendly
def runs(ctx: click.Context, statuses: tuple[str, ...], location: str, job: str, tags: tuple[str, ...],
         limit: int) -> None:
    """List runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    found = HostClient.discover().runs(statuses=[host_pb2.RunStatus.Value(s) for s in statuses],
                                       location=location, job_name=job, limit=limit, tags=_parse_tags(tags))
    click.echo(render.runs(list(found)))


@runs.command("show")
@click.argument("run_id")
@friendly
def runs_show(run_id: str) -> None:
    """A run's status and its events (a page at a time, so a run of any size prints)."""
    for number, page in enumerate(HostClient.discover().event_pages(run_id, page_size=SHOW_PAGE_EVENTS)):
        if number == 0:
            click.echo(render.run_header(page.run))
            click.echo("events:")
        if page.events:
            click.echo("\n".join("  " + render.event(event) for event in page.events))


@runs.command("cancel")
@click.argument("run_id")
@friendly
def runs_cancel(run_id: str) -> None:
    """Cancel a run: a queued one at once, a running one by stopping its worker."""
    client = HostClient.discover()
    run = client.cancel_run(run_id)
    if run.status not in (host_pb2.SUCCESS, host_pb2.FAILURE, host_pb2.CANCELED):
        run = client.wait_for_run(run_id, timeout=60)
    click.echo(f"run {run_id} {host_pb2.RunStatus.Name(run.status)}")


@main.group()
def storage() -> None:
    """Storage maintenance (works on the database directly; the host may be stopped)."""


def _storage_url() -> str:
    from host.config import load_host_config
    from host.storage.engine import default_url

    return (os.environ.get("WEIR_STORAGE_URL") or load_host_config(None).storage.url
            or default_url(_weir_home()))


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


from host.cli_instigators import daemon, schedules, sensors  # noqa: E402 - registered after main exists

main.add_command(schedules)
main.add_command(sensors)
main.add_command(daemon)

from host.cli_partitions import assets as assets_with_partitions  # noqa: E402 - replaces `assets`, adds `partitions KEY`
from host.cli_partitions import backfill, partitions  # noqa: E402

main.add_command(backfill)
main.add_command(partitions)
main.add_command(assets_with_partitions)


if __name__ == "__main__":
    main()
