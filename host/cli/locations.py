"""`weir locations`: code locations with their status and load errors."""

from __future__ import annotations

import click

from host.cli import jsonout, render
from host.cli.client import HostClient
from host.errors import friendly


@click.group(invoke_without_command=True)
@jsonout.option
@click.pass_context
@friendly
def locations(ctx: click.Context, as_json: bool) -> None:
    """List code locations with their status and load errors."""
    if ctx.invoked_subcommand is None:
        found = HostClient.discover().locations()
        if as_json:
            jsonout.emit({"locations": found})
        else:
            click.echo(render.locations(found))


@locations.command("reload")
@click.argument("name")
@friendly
def locations_reload(name: str) -> None:
    """Load a location's code again (running runs go on)."""
    click.echo(render.locations([HostClient.discover().reload_location(name)]))
