"""`weir assets`: assets across locations, one asset's definition, lineage and history, its partitions, wiping it."""

from __future__ import annotations

import click

from host.cli import jsonout, render, render_assets
from host.cli.client import HostClient
from host.cli.options import confirm
from host.cli.partitions import status_text
from host.errors import WeirError, friendly
from protos.weir.v1 import common_pb2, host_pb2


@click.group("assets", invoke_without_command=True)
@click.option("--location", default="", help="only this location")
@jsonout.option
@click.pass_context
@friendly
def assets(ctx: click.Context, location: str, as_json: bool) -> None:
    """List assets across locations with their last materialization; `assets show KEY` for one asset's history,
    `assets partitions KEY` per partition."""
    if ctx.invoked_subcommand is None:
        entries = HostClient.discover().assets(location)
        if as_json:
            jsonout.emit({"assets": entries})
        else:
            click.echo(render.assets(entries))


@assets.command("show")
@click.argument("asset_key")
@click.option("--location", default="", help="describe this location's definition (default: the one materializing it)")
@click.option(
    "--limit", default=10, show_default=True, help="materializations, observations, and evaluations per check, to show"
)
@jsonout.option
@friendly
def assets_show(asset_key: str, location: str, limit: int, as_json: bool) -> None:
    """An asset's definition, upstream and downstream assets in every location, its latest materializations and
    observations with their metadata, each check's evaluations, and the partition status of a partitioned asset."""
    client = HostClient.discover()
    details = client.asset_details(asset_key, location)
    materializations = list(client.asset_events(asset_key, limit=limit, types=[common_pb2.ASSET_MATERIALIZATION]))
    observations = list(client.asset_events(asset_key, limit=limit, types=[common_pb2.ASSET_OBSERVATION]))
    history = {
        state.check.name: list(
            client.asset_events(
                asset_key, limit=limit, check_name=state.check.name, types=[common_pb2.ASSET_CHECK_EVALUATION]
            )
        )
        for state in details.checks
    }
    status = (
        client.partition_status(details.location, asset_key)
        if details.node.HasField("partitions") and details.node.is_executable
        else None
    )
    if as_json:
        jsonout.emit(
            {
                "details": details,
                "materializations": materializations,
                "observations": observations,
                "check_evaluations": history,
                "partition_status": status,
            }
        )
        return
    parts = [
        render_assets.definition(details),
        render_assets.lineage("upstream", details.upstream),
        render_assets.lineage("downstream", details.downstream),
        render_assets.materializations(materializations, limit),
        render_assets.observations(observations, limit),
        render_assets.checks(details.checks, history),
    ]
    if status is not None:
        parts.append("partitions:\n" + "\n".join("  " + line for line in status_text(status).splitlines()))
    click.echo("\n".join(parts))


@assets.command("partitions")
@click.argument("asset_key")
@click.option("--location", default="", help="the asset's location (found when omitted)")
@jsonout.option
@friendly
def assets_partitions(asset_key: str, location: str, as_json: bool) -> None:
    """Materialized, failed, in-progress and missing partitions of an asset, as counts and ranges."""
    client = HostClient.discover()
    if not location:
        owners = [e.location for e in client.assets() if "/".join(e.node.key.path) == asset_key]
        if not owners:
            raise WeirError(f"no asset {asset_key!r} in any location: `weir assets` lists them")
        location = owners[0]
    status: host_pb2.PartitionStatus = client.partition_status(location, asset_key)
    if as_json:
        jsonout.emit(status)
    else:
        click.echo(status_text(status))


@assets.command("wipe")
@click.argument("asset_keys", nargs=-1, required=True)
@click.option("--partition", "partitions", multiple=True, help="only this partition's history; repeatable")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
@friendly
def assets_wipe(asset_keys: tuple[str, ...], partitions: tuple[str, ...], yes: bool) -> None:
    """Forget assets' materialization and check history (of some partitions only, with --partition): they show
    as never materialized. Runs and their event logs stay."""
    scope = f" (partitions {', '.join(partitions)})" if partitions else ""
    confirm(f"Wipe the history of {', '.join(asset_keys)}{scope}?", yes)
    wiped = HostClient.discover().wipe_assets(list(asset_keys), list(partitions))
    click.echo(f"wiped {', '.join(asset_keys)}{scope}: {wiped} events forgotten")
