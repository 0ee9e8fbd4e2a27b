"""`weir schedules`, `weir sensors` and `weir daemon`: thin click wrappers over the Host API."""

from __future__ import annotations

from collections.abc import Sequence

import click

from host.cli import jsonout
from host.cli.client import HostClient
from host.cli.render import table, when
from host.errors import WeirError, friendly
from protos.weir.v1 import host_pb2


def _target(item: host_pb2.Instigator) -> str:
    names = list(item.job_names) + ["/".join(k.path) for k in item.asset_selection]
    return ",".join(names) or "-"


def _tick_cell(tick: host_pb2.Tick) -> str:
    return f"{tick.status} {when(tick.timestamp)}" if tick.tick_id else "-"


def schedules_table(items: Sequence[host_pb2.Instigator]) -> str:
    rows = [
        [
            i.location,
            i.name,
            i.status + ("" if i.status_from_code else "*"),
            " | ".join(i.cron_schedules),
            i.execution_timezone or "UTC",
            _target(i),
            when(i.next_tick_time),
            _tick_cell(i.last_tick),
            when(i.last_success.timestamp) if i.last_success.tick_id else "-",
        ]
        for i in items
    ]
    headers = [
        "LOCATION",
        "SCHEDULE",
        "STATUS",
        "CRON",
        "TIMEZONE",
        "TARGET",
        "NEXT TICK (UTC)",
        "LAST TICK",
        "LAST SUCCESS",
    ]
    return table(headers, rows) + "\n(* set with start/stop; otherwise the default_status in code applies)"


def sensors_table(items: Sequence[host_pb2.Instigator]) -> str:
    rows = [
        [
            i.location,
            i.name,
            i.status + ("" if i.status_from_code else "*"),
            i.sensor_kind,
            f"{i.minimum_interval_seconds}s",
            _target(i),
            _tick_cell(i.last_tick),
            when(i.last_success.timestamp) if i.last_success.tick_id else "-",
            i.cursor[:30] or "-",
        ]
        for i in items
    ]
    headers = ["LOCATION", "SENSOR", "STATUS", "KIND", "INTERVAL", "TARGET", "LAST TICK", "LAST SUCCESS", "CURSOR"]
    return table(headers, rows) + "\n(* set with start/stop; otherwise the default_status in code applies)"


def ticks_table(ticks: Sequence[host_pb2.Tick]) -> str:
    rows = [
        [
            str(t.tick_id),
            when(t.timestamp),
            when(t.logical_time) if t.logical_time else "-",
            t.status,
            ",".join(t.run_ids) or "-",
            _lines(t.output),
            (t.reason or t.error.splitlines()[0] if (t.reason or t.error) else ""),
        ]
        for t in ticks
    ]
    headers = ["TICK", "EVALUATED (UTC)", "LOGICAL TIME (UTC)", "STATUS", "RUNS", "OUTPUT", "REASON"]
    return table(headers, rows)


def _lines(text: str) -> str:
    if not text:
        return "-"
    count = text.count("\n") + (not text.endswith("\n"))
    return f"{count} line{'s' if count != 1 else ''}"


def ticks_output_text(ticks: Sequence[host_pb2.Tick]) -> str:
    """Each tick that printed something, its output indented under a line naming the tick."""
    blocks = [
        f"tick {t.tick_id} at {when(t.timestamp)} UTC ({t.status}) printed:\n{_indented(t.output)}"
        for t in ticks
        if t.output
    ]
    return "\n\n".join(blocks) or "(none of these ticks printed anything)"


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _echo_ticks(found: Sequence[host_pb2.Tick], as_json: bool, output: bool) -> None:
    if as_json:
        jsonout.emit({"ticks": found})
        return
    click.echo(ticks_table(found))
    if output:
        click.echo("\n" + ticks_output_text(found))


_output = click.option(
    "--output", "output", is_flag=True, help="also print what each tick's evaluation wrote to stdout and stderr"
)


def daemon_text(status: host_pb2.DaemonStatus) -> str:
    role = "leader" if status.is_leader else f"follower (leader: {status.leader or 'none'})"
    lines = [
        f"host {status.host_id}: {role}, fencing token {status.fencing_token}, "
        f"lease expires in {status.lease_expires_in:.1f}s"
    ]
    rows = [
        [
            loop.name,
            "yes" if loop.active else "idle (not leader)",
            f"{loop.heartbeat_age_seconds:.1f}s" if loop.heartbeat_age_seconds >= 0 else "never",
            f"{loop.interval_seconds:g}s",
            loop.last_error or "-",
        ]
        for loop in status.loops
    ]
    lines.append(table(["LOOP", "ACTIVE", "HEARTBEAT AGE", "INTERVAL", "LAST ERROR"], rows))
    rows = [
        [
            i.location,
            host_pb2.InstigatorKind.Name(i.kind).lower(),
            i.name,
            i.status,
            when(i.last_success.timestamp) if i.last_success.tick_id else "never",
            _tick_cell(i.last_tick),
        ]
        for i in status.instigators
    ]
    if rows:
        lines.append("")
        lines.append(table(["LOCATION", "KIND", "NAME", "STATUS", "LAST SUCCESSFUL TICK", "LAST TICK"], rows))
    return "\n".join(lines)


_location = click.option("--location", default="", help="the code location (needed when the name is not unique)")


@click.group()
def schedules() -> None:
    """Schedules: list, start, stop, and their ticks."""


@schedules.command("list")
@_location
@jsonout.option
@friendly
def schedules_list(location: str, as_json: bool) -> None:
    """Every schedule with its status, next tick and last successful tick."""
    found = HostClient.discover().instigators(host_pb2.SCHEDULE, location)
    if as_json:
        jsonout.emit({"schedules": found})
    else:
        click.echo(schedules_table(found))


@schedules.command("start")
@click.argument("name")
@_location
@friendly
def schedules_start(name: str, location: str) -> None:
    """Start a schedule (kept across reloads; overrides default_status)."""
    item = HostClient.discover().set_instigator_status(host_pb2.SCHEDULE, name, "RUNNING", location)
    click.echo(f"schedule {item.name} in {item.location} is RUNNING; next tick {when(item.next_tick_time)} UTC")


@schedules.command("preview")
@click.argument("name")
@click.option(
    "--at",
    "at",
    default="",
    help="the tick's time: ISO 8601 (UTC unless it has an offset) or epoch seconds; default: the next tick",
)
@_location
@jsonout.option
@friendly
def schedules_preview(name: str, at: str, location: str, as_json: bool) -> None:
    """Evaluate a schedule for one tick without launching anything; shows what it printed."""
    request = host_pb2.PreviewInstigatorRequest(
        kind=host_pb2.SCHEDULE, name=name, location=location, at=parse_instant(at) if at else 0.0
    )
    _echo_preview("schedule", HostClient.discover().preview_instigator(request), as_json)


@schedules.command("stop")
@click.argument("name")
@_location
@friendly
def schedules_stop(name: str, location: str) -> None:
    """Stop a schedule (kept across reloads; overrides default_status)."""
    item = HostClient.discover().set_instigator_status(host_pb2.SCHEDULE, name, "STOPPED", location)
    click.echo(f"schedule {item.name} in {item.location} is STOPPED")


@schedules.command("ticks")
@click.argument("name")
@_location
@click.option("--limit", default=20, show_default=True)
@click.option("--status", "statuses", multiple=True, type=click.Choice(["STARTED", "SUCCESS", "SKIPPED", "FAILURE"]))
@_output
@jsonout.option
@friendly
def schedules_ticks(
    name: str, location: str, limit: int, statuses: tuple[str, ...], output: bool, as_json: bool
) -> None:
    """A schedule's ticks, newest first: status, reason, runs (--output: what each printed)."""
    found = HostClient.discover().ticks(host_pb2.SCHEDULE, name, location, limit, list(statuses))
    _echo_ticks(found, as_json, output)


@click.group()
def sensors() -> None:
    """Sensors: list, start, stop, cursor, and their ticks."""


@sensors.command("list")
@_location
@jsonout.option
@friendly
def sensors_list(location: str, as_json: bool) -> None:
    """Every sensor with its status, last successful tick and cursor."""
    found = HostClient.discover().instigators(host_pb2.SENSOR, location)
    if as_json:
        jsonout.emit({"sensors": found})
    else:
        click.echo(sensors_table(found))


@sensors.command("start")
@click.argument("name")
@_location
@friendly
def sensors_start(name: str, location: str) -> None:
    """Start a sensor (kept across reloads; overrides default_status)."""
    item = HostClient.discover().set_instigator_status(host_pb2.SENSOR, name, "RUNNING", location)
    click.echo(f"sensor {item.name} in {item.location} is RUNNING")


@sensors.command("preview")
@click.argument("name")
@click.option("--cursor", default=None, help="evaluate from this cursor (default: the sensor's current one)")
@_location
@jsonout.option
@friendly
def sensors_preview(name: str, cursor: str | None, location: str, as_json: bool) -> None:
    """Evaluate a sensor now without launching anything or moving its cursor; shows what it printed."""
    request = host_pb2.PreviewInstigatorRequest(
        kind=host_pb2.SENSOR, name=name, location=location, cursor=cursor or "", has_cursor=cursor is not None
    )
    _echo_preview("sensor", HostClient.discover().preview_instigator(request), as_json)


@sensors.command("stop")
@click.argument("name")
@_location
@friendly
def sensors_stop(name: str, location: str) -> None:
    """Stop a sensor (kept across reloads; overrides default_status)."""
    item = HostClient.discover().set_instigator_status(host_pb2.SENSOR, name, "STOPPED", location)
    click.echo(f"sensor {item.name} in {item.location} is STOPPED")


@sensors.command("cursor")
@click.argument("name")
@_location
@click.option("--set", "value", help="the new cursor")
@click.option("--delete", is_flag=True, help="clear the cursor: the sensor starts over")
@friendly
def sensors_cursor(name: str, location: str, value: str | None, delete: bool) -> None:
    """Show a sensor's cursor, or set or clear it."""
    client = HostClient.discover()
    if value is not None and delete:
        raise click.UsageError("pass --set VALUE or --delete, not both")
    if value is not None or delete:
        item = client.set_sensor_cursor(name, None if delete else value, location)
    else:
        matches = [i for i in client.instigators(host_pb2.SENSOR, location) if i.name == name]
        if not matches:
            raise WeirError(f"no sensor named {name!r}: `weir sensors list` shows them")
        item = matches[0]
    click.echo(f"sensor {item.name} in {item.location}: cursor {item.cursor or '(none)'}")


@sensors.command("ticks")
@click.argument("name")
@_location
@click.option("--limit", default=20, show_default=True)
@_output
@jsonout.option
@friendly
def sensors_ticks(name: str, location: str, limit: int, output: bool, as_json: bool) -> None:
    """A sensor's ticks, newest first (--output: what each printed)."""
    found = HostClient.discover().ticks(host_pb2.SENSOR, name, location, limit)
    _echo_ticks(found, as_json, output)


@click.group()
def daemon() -> None:
    """The daemon: leader lease and loops."""


@daemon.command("status")
@friendly
def daemon_status() -> None:
    """Each loop's heartbeat age, the leader lease, each schedule's and sensor's last successful tick."""
    click.echo(daemon_text(HostClient.discover().daemon_status()))


def parse_instant(text: str) -> float:
    """ISO 8601 (UTC unless it carries an offset) or epoch seconds."""
    import datetime

    try:
        return float(text)
    except ValueError:
        pass
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r}: use ISO 8601 like 2026-11-29T06:00 or epoch seconds", param_hint="--at"
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)).timestamp()


def _echo_preview(what: str, preview: host_pb2.InstigatorPreview, as_json: bool) -> None:
    failed = preview.HasField("error") or preview.timed_out
    if as_json:
        jsonout.emit({"preview": preview})
        if failed:
            raise SystemExit(1)
        return
    head = f"{what} {preview.name} in {preview.location}"
    if what == "schedule":
        head += f", tick at {when(preview.evaluated_at)} UTC"
    click.echo(head + " (preview: nothing launched, nothing stored)")
    if failed:
        _echo_preview_output(preview.output)
        click.echo(f"FAILED: {preview.error.type}: {preview.error.message}", err=True)
        if preview.error.traceback:
            click.echo(preview.error.traceback.rstrip(), err=True)
        raise SystemExit(1)
    for request in preview.run_requests:
        target = request.job_name or ",".join("/".join(k.path) for k in request.asset_selection) or "(default)"
        extra = "".join(
            f"  {label}={value}"
            for label, value in (("run_key", request.run_key), ("partition", request.partition_key))
            if value
        )
        click.echo(f"  would launch {target}{extra}  config={request.run_config_json or '{}'}")
        if request.tags:
            click.echo("    tags: " + ", ".join(f"{k}={v}" for k, v in sorted(request.tags.items())))
    if not preview.run_requests:
        click.echo(f"  skipped: {preview.skip_reason or 'no run requested'}")
    if preview.has_cursor:
        click.echo(f"  cursor would become: {preview.cursor or '(empty)'}")
    _echo_preview_output(preview.output)


def _echo_preview_output(output: str) -> None:
    if output:
        click.echo("  output (stdout and stderr):\n" + _indented(output))
