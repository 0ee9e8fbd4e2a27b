"""`weir assets`: assets across locations, and an asset's partitions."""

from __future__ import annotations

import click

from host.cli import render
from host.cli.client import HostClient
from host.cli.partitions import status_text
from host.errors import WeirError, friendly


@click.group("assets", invoke_without_command=True)
@click.option("--location", default="", help="only this location")
@click.pass_context
@friendly
def assets(ctx: click.Context, location: str) -> None:
    """List assets across locations with their last materialization; `assets partitions KEY` per partition."""
    if ctx.invoked_subcommand is None:
        click.echo(render.assets(HostClient.discover().assets(location)))


@assets.command("partitions")
@click.argument("asset_key")
@click.option("--location", default="", help="the asset's location (found when omitted)")
@friendly
def assets_partitions(asset_key: str, location: str) -> None:
    """Materialized, failed, in-progress and missing partitions of an asset, as counts and ranges."""
    client = HostClient.discover()
    if not location:
        owners = [e.location for e in client.assets() if "/".join(e.node.key.path) == asset_key]
        if not owners:
            raise WeirError(f"no asset {asset_key!r} in any location: `weir assets` lists them")
        location = owners[0]
    click.echo(status_text(client.partition_status(location, asset_key)))
