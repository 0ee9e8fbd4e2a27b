"""`weir workspace reload`: apply workspace.yaml as it is now, without restarting the host."""

from __future__ import annotations

import click

from host.cli import render
from host.cli.client import HostClient
from host.errors import friendly


@click.group()
def workspace() -> None:
    """The host's workspace (workspace.yaml)."""


@workspace.command("reload")
@friendly
def workspace_reload() -> None:
    """Read workspace.yaml again: added locations start, removed ones stop, changed ones restart."""
    reply = HostClient.discover().reload_workspace()
    for label, names in (("added", reply.added), ("removed", reply.removed), ("changed", reply.changed)):
        if names:
            click.echo(f"{label}: {', '.join(names)}")
    if not (reply.added or reply.removed or reply.changed):
        click.echo("no change: the workspace is as the host runs it")
    click.echo(render.locations(list(reply.locations)))
