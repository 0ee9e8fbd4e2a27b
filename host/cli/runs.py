"""`weir materialize` and `weir runs`: launch a run and follow it, list, show, re-execute, cancel and delete runs."""

from __future__ import annotations

import itertools
import json
import sys

import click

from host.cli import jsonout, render
from host.cli.client import HostClient
from host.cli.logs import LogPrinter, size_notes
from host.cli.options import confirm, parse_tags, read_config
from host.errors import friendly
from protos.keys import parse_asset_key
from protos.weir.v1 import common_pb2, host_pb2

SHOW_PAGE_EVENTS = 10_000  # `weir runs show` asks for big pages; the host still cuts them at its byte budget


@click.command()
@click.option("--location", required=True, help="the code location")
@click.option("--select", default="", help="comma-separated asset keys (a/b); default: all assets")
@click.option("--job", default="", help="run this job instead of an asset selection")
@click.option("--config", help="run config: JSON text, or a .json/.yaml file")
@click.option("--tag", "tags", multiple=True, help="key=value, repeatable")
@click.option("--partition", default="", help="partition key")
@click.option("--no-wait", is_flag=True, help="return once the run is queued")
@friendly
def materialize(
    location: str, select: str, job: str, config: str | None, tags: tuple[str, ...], partition: str, no_wait: bool
) -> None:
    """Launch a run and follow its events; exits non-zero if it does not succeed."""
    client = HostClient.discover()
    request = host_pb2.LaunchRunRequest(
        location=location,
        job_name=job,
        run_config_json=read_config(config),
        tags=parse_tags(tags),
        asset_selection=[parse_asset_key(k) for k in select.split(",") if k.strip()],
        partition_key=partition,
    )
    run = client.launch_run(request)
    click.echo(f"run {run.run_id} queued in {location}")
    if not no_wait:
        _follow_to_end(client, run)


def _follow_to_end(client: HostClient, run: host_pb2.Run) -> None:
    """Print the run's events until it ends; exit non-zero unless it succeeded."""
    final = run
    for final, events in client.follow_run(run.run_id):  # noqa: B007 - the last one is the answer
        for event in events:
            click.echo(render.event(event))
    click.echo(f"run {final.run_id} {host_pb2.RunStatus.Name(final.status)}")
    if final.status != host_pb2.SUCCESS:
        if final.failure_reason:
            click.echo(f"reason: {final.failure_reason}", err=True)
        sys.exit(1)


@click.group(invoke_without_command=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(host_pb2.RunStatus.keys()[1:]))
@click.option("--location", default="")
@click.option("--job", default="")
@click.option("--tag", "tags", multiple=True, help="key=value; repeatable, every one must match")
@click.option("--limit", default=20, show_default=True)
@jsonout.option
@click.pass_context
@friendly
def runs(
    ctx: click.Context,
    statuses: tuple[str, ...],
    location: str,
    job: str,
    tags: tuple[str, ...],
    limit: int,
    as_json: bool,
) -> None:
    """List runs, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    found = HostClient.discover().runs(
        statuses=[host_pb2.RunStatus.Value(s) for s in statuses],
        location=location,
        job_name=job,
        limit=limit,
        tags=parse_tags(tags),
    )
    if as_json:
        jsonout.emit({"runs": found})
    else:
        click.echo(render.runs(list(found)))


@runs.command("show")
@click.argument("run_id")
@click.option(
    "--level",
    type=click.Choice(render.LEVELS, case_sensitive=False),
    help="only events of this level or above (logs by their level, failures ERROR)",
)
@click.option("--step", "step_key", help="only this step's events")
@jsonout.option
@friendly
def runs_show(run_id: str, level: str | None, step_key: str | None, as_json: bool) -> None:
    """A run's status and its events (a page at a time, so a run of any size prints); captured stdout and
    stderr as one note per step with its size, which the host keeps as it stores the output (`weir runs
    logs` prints it)."""
    if as_json:
        _show_json(run_id, level, step_key)
        return
    client = HostClient.discover()
    pages = client.event_pages(run_id, page_size=SHOW_PAGE_EVENTS, exclude_types=[common_pb2.COMPUTE_LOG])
    for number, page in enumerate(pages):
        if number == 0:
            click.echo(render.run_header(page.run))
            click.echo("events:")
        lines = [
            "  " + render.event(event)
            for event in page.events
            if (step_key is None or event.step_key == step_key)
            and (level is None or render.at_least(event, level.upper()))
        ]
        if lines:
            click.echo("\n".join(lines))
    notes = size_notes(run_id, client.run_log_sizes(run_id), step_key)
    if notes:
        click.echo("compute logs:")
        click.echo("\n".join("  " + note for note in notes))


def _show_json(run_id: str, level: str | None, step_key: str | None) -> None:
    """`runs show --json`: {"run": ..., "events": [...]}, the events written a page at a time."""
    out = sys.stdout  # click.get_text_stream is deprecated (removed in Click 9)
    pages = HostClient.discover().event_pages(run_id, page_size=SHOW_PAGE_EVENTS)
    first = next(pages)
    out.write('{"run": ' + json.dumps(jsonout.to_dict(first.run)) + ', "events": ')
    with jsonout.ArrayWriter(out) as events:
        for page in itertools.chain([first], pages):
            for event in page.events:
                if (step_key is None or event.step_key == step_key) and (
                    level is None or render.at_least(event, level.upper())
                ):
                    events.add(event)
    out.write("}\n")


@runs.command("logs")
@click.argument("run_id")
@click.option("--step", "step_key", default="", help="one step's output (default: every step's)")
@click.option("--stderr", is_flag=True, help="print stderr instead of stdout")
@click.option("-f", "--follow", is_flag=True, help="keep printing new output until the run ends")
@friendly
def runs_logs(run_id: str, step_key: str, stderr: bool, follow: bool) -> None:
    """What a run's steps wrote to stdout (or stderr), as captured; -f follows a running run."""
    printer = LogPrinter(sys.stdout, headers=not step_key)
    batches = HostClient.discover().run_logs(
        run_id, step_key=step_key, stream="stderr" if stderr else "stdout", follow=follow
    )
    try:
        for batch in batches:
            for chunk in batch.chunks:
                printer.write(chunk)
            printer.flush()
    except KeyboardInterrupt:
        sys.exit(130)


@runs.command("reexecute")
@click.argument("run_id")
@click.option(
    "--from-failure",
    is_flag=True,
    help="only the steps that failed or did not run; the others' outputs are loaded through their IO managers",
)
@click.option(
    "--select",
    default="",
    help="comma-separated asset keys (a/b) of an asset run, or step keys of an op job; default: everything the run ran",
)
@click.option("--no-wait", is_flag=True, help="return once the run is queued")
@friendly
def runs_reexecute(run_id: str, from_failure: bool, select: str, no_wait: bool) -> None:
    """A new run of RUN_ID's job or assets with its config and tags, linked to it (parent and root run ids)."""
    client = HostClient.discover()
    run = client.reexecute_run(
        run_id, from_failure=from_failure, selection=[k.strip() for k in select.split(",") if k.strip()]
    )
    what = ", ".join("/".join(k.path) for k in run.asset_selection) or run.job_name
    click.echo(f"run {run.run_id} queued in {run.location}, re-executing {run_id} ({what})")
    if not no_wait:
        _follow_to_end(client, run)


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


@runs.command("delete")
@click.argument("run_id")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@friendly
def runs_delete(run_id: str, yes: bool) -> None:
    """Delete a finished run with its events and tags; the assets' last materializations move to the runs
    that remain. A run in progress must be canceled first."""
    client = HostClient.discover()
    run = client.get_run(run_id)
    confirm(f"Delete run {run_id} ({run.job_name}, {host_pb2.RunStatus.Name(run.status)}) and its events?", yes)
    client.delete_run(run_id)
    click.echo(f"run {run_id} deleted")
