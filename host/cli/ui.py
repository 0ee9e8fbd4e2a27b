"""`weir ui url`: the web UI's address with a login token, for a browser (as `jupyter server list`)."""

from __future__ import annotations

import click

from host.cli.client import host_file
from host.errors import friendly


@click.group()
def ui() -> None:
    """The web UI served by the host."""


@ui.command("url")
@click.option("--no-token", is_flag=True, help="the address alone, without the login token")
@friendly
def url(no_token: bool) -> None:
    """Print the web UI's URL; opening it logs the browser in."""
    info = host_file()
    address = info.get("ui_url") or ""
    if not address:
        raise click.ClickException("the running host serves no web UI (it was started with --no-ui)")
    token = info.get("token")
    click.echo(f"{address}/?token={token}" if token and not no_token else address)
