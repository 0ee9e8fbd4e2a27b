"""Text the CLI prints: tables of locations, assets and runs, a run's events, user code errors."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from protos.weir.v1 import common_pb2, host_pb2

LOCATION_STATUS = {
    host_pb2.LOCATION_LOADING: "LOADING",
    host_pb2.LOCATION_LOADED: "LOADED",
    host_pb2.LOCATION_ERROR: "ERROR",
    host_pb2.LOCATION_UNAVAILABLE: "UNAVAILABLE",
}


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def when(ts: float) -> str:
    if not ts:
        return "-"
    return _second(int(ts))


@functools.lru_cache(maxsize=4096)
def _second(ts: int) -> str:
    """Cached: a run's events share few seconds, and `weir runs show` prints millions of them."""
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def user_error(error: common_pb2.UserCodeError, indent: str = "    ") -> str:
    """A user code error as a person reads it: type and message, then the traceback."""
    text = f"{error.type}: {error.message}"
    if error.traceback:
        text += "\n" + "\n".join(indent + line for line in error.traceback.rstrip().splitlines())
    return text


def locations(items: Sequence[host_pb2.Location]) -> str:
    rows = [
        [
            loc.name,
            LOCATION_STATUS.get(loc.status, "?"),
            str(loc.asset_count),
            str(loc.job_count),
            loc.endpoint,
            loc.snapshot_id[:12],
        ]
        for loc in items
    ]
    out = [table(["LOCATION", "STATUS", "ASSETS", "JOBS", "ENDPOINT", "SNAPSHOT"], rows)]
    for loc in items:
        if loc.HasField("load_error"):
            out.append(f"\nlocation {loc.name!r} failed to load:\n  {user_error(loc.load_error)}")
        elif loc.error_message:
            out.append(f"\nlocation {loc.name!r}: {loc.error_message}")
    return "\n".join(out)


def assets(entries: Sequence[host_pb2.AssetEntry]) -> str:
    rows = []
    fresh = any(e.freshness.state for e in entries)  # the column only where a policy exists
    for e in entries:
        mat = e.latest_materialization
        last = f"{when(mat.timestamp)} ({mat.run_id[:8]})" if mat.run_id else "never"
        rows.append(
            [e.location, "/".join(e.node.key.path), e.node.group_name or "default", last]
            + ([e.freshness.state or "-"] if fresh else [])
        )
    return table(["LOCATION", "ASSET", "GROUP", "LAST MATERIALIZED"] + (["FRESHNESS"] if fresh else []), rows)


def runs(items: Sequence[host_pb2.Run]) -> str:
    rows = [
        [r.run_id, r.location, r.job_name, host_pb2.RunStatus.Name(r.status), when(r.created_at), _duration(r)]
        for r in items
    ]
    return table(["RUN", "LOCATION", "JOB", "STATUS", "CREATED (UTC)", "DURATION"], rows)


def _duration(run: host_pb2.Run) -> str:
    if run.started_at and run.ended_at:
        return f"{run.ended_at - run.started_at:.2f}s"
    return "-"


def run_header(run: host_pb2.Run) -> str:
    lines = [
        f"run {run.run_id}",
        f"  location  {run.location}",
        f"  job       {run.job_name}",
        f"  status    {host_pb2.RunStatus.Name(run.status)}",
        f"  created   {when(run.created_at)}",
        f"  started   {when(run.started_at)}",
        f"  ended     {when(run.ended_at)}",
    ]
    if run.asset_selection:
        lines.append("  assets    " + ", ".join("/".join(k.path) for k in run.asset_selection))
    if run.failure_reason:
        lines.append(f"  reason    {run.failure_reason}")
    if run.parent_run_id:
        lines += [f"  parent    {run.parent_run_id}", f"  root      {run.root_run_id}"]
    retries = _tag(run, "dagster/max_retries", "weir/max_retries")
    if retries or "dagster/retry_number" in run.tags:
        lines.append(f"  retry     {run.tags.get('dagster/retry_number', '0')} (at most {retries or 'per weir.yaml'})")
    runtime = _tag(run, "weir/max_runtime", "dagster/max_runtime")
    if runtime:
        lines.append(f"  runtime   at most {runtime} s")
    return "\n".join(lines)


def _tag(run: host_pb2.Run, *keys: str) -> str:
    return next((run.tags[k] for k in keys if k in run.tags), "")


_EVENT_TYPES = {value.number: value.name for value in common_pb2.EventType.DESCRIPTOR.values}
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_RANK = {name: rank for rank, name in enumerate(LEVELS)}
_ERROR_TYPES = {common_pb2.RUN_FAILURE, common_pb2.STEP_FAILURE}
_WARNING_TYPES = {common_pb2.RUN_CANCELED, common_pb2.STEP_UP_FOR_RETRY}
SUMMARY_CHARS = 200  # of a metadata value in a listing
MESSAGE_CHARS = 2000  # of an event's message in a listing


def event_level(e: common_pb2.RunEvent) -> str:
    """The level a log line carries; other events by what they mean (failures ERROR, retries WARNING)."""
    if e.level in _RANK:
        return e.level
    if e.type in _ERROR_TYPES or e.HasField("error"):
        return "ERROR"
    if e.type in _WARNING_TYPES:
        return "WARNING"
    if e.type == common_pb2.ASSET_CHECK_EVALUATION and not e.check_passed:
        return "WARNING" if e.check_severity == "WARN" else "ERROR"
    return "INFO"


def at_least(e: common_pb2.RunEvent, level: str) -> bool:
    return _RANK[event_level(e)] >= _RANK[level]


def event(e: common_pb2.RunEvent) -> str:
    parts = [
        when(e.timestamp),
        f"{e.sequence:>4}",
        event_level(e).ljust(7),
        _EVENT_TYPES.get(e.type, str(e.type)).ljust(22),
    ]
    if e.step_key:
        parts.append(e.step_key)
    if e.asset_key.path:
        parts.append("/".join(e.asset_key.path))
    if e.type == common_pb2.ASSET_CHECK_EVALUATION:
        parts.append(f"{e.check_name}: {'passed' if e.check_passed else 'FAILED'}")
    if e.duration_seconds:
        parts.append(f"({e.duration_seconds * 1000:.1f} ms)")
    if e.message:
        parts.append(f"- {summarize(e.message, MESSAGE_CHARS)}")
    for entry in e.metadata:
        parts.append(f"[{entry.key}={_metadata_text(entry.value)}]")
    line = " ".join(parts)
    if e.HasField("error"):
        line += "\n    " + user_error(e.error, indent="      ")
    return line


def summarize(text: str, limit: int = SUMMARY_CHARS) -> str:
    """A long text as its beginning and its size, so a 47 KB plot does not fill the terminal."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text.encode()):,} bytes)"


def _metadata_text(value: common_pb2.MetadataValue) -> str:
    which = value.WhichOneof("value")
    if which is None:
        return ""
    text = str(getattr(value, which))
    return summarize(text).replace("\n", "\\n")  # one entry stays on its line
