"""The UI's endpoints for launching, locations, backfills and automation: shapes the Host API does not
give in one call. Each reads the location's snapshot (host.locations) or calls a domain function;
none holds logic of its own beyond choosing what a page shows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from google.protobuf import json_format

from host.domain.backfills import get_backfill, partition_statuses
from host.domain.launch_target import launch_target
from host.errors import WeirError
from host.web.bridge import to_json
from host.web.http import HttpError, Request, Response, Router
from protos.keys import asset_key_str
from protos.weir.v1 import snapshot_pb2

if TYPE_CHECKING:
    from host.web.context import WebApp

T = TypeVar("T")
MAX_RANGES = 2000  # a backfill strip shows at most this many runs of one status; the rest is counted


def register(router: Router, web: WebApp) -> None:
    router.add("GET", "/api/locations/{name}/definitions", lambda r: definitions(web, r))
    router.add("GET", "/api/launch/target", lambda r: target(web, r))
    router.add("GET", "/api/backfills/{backfill_id}/ranges", lambda r: backfill_ranges(web, r))
    router.add("GET", "/api/automation", lambda r: automation(web, r))


def definitions(web: WebApp, request: Request) -> Response:
    """One location: its state and a lean listing of its jobs, assets, schedules, sensors and resources
    (no metadata, no config schemas but the resources'), for the location and launch pages."""
    handle = _found(lambda: web.services.workspace.get(request.params["name"]))
    snapshot = handle.state.snapshot
    body: dict[str, Any] = {"location": to_json(handle.state.to_proto())}
    if snapshot is None:
        return Response.json({**body, "jobs": [], "assets": [], "schedules": [], "sensors": [], "resources": []})
    users: dict[str, list[str]] = {}
    for node in snapshot.assets:
        for key in node.required_resource_keys:
            users.setdefault(key, []).append(asset_key_str(node.key))
    body.update(
        jobs=[_job(job) for job in snapshot.jobs],
        assets=[_asset(node) for node in snapshot.assets],
        schedules=[
            {"name": s.name, "job_name": s.job_name, "cron_schedules": list(s.cron_schedules)}
            for s in snapshot.schedules
        ],
        sensors=[{"name": s.name, "job_names": list(s.job_names)} for s in snapshot.sensors],
        resources=[_resource(r, users.get(r.key, [])) for r in snapshot.resources],
    )
    return Response.json(body)


def _job(job: snapshot_pb2.Job) -> dict[str, Any]:
    return {
        "name": job.name,
        "description": job.description,
        "is_asset_job": job.is_asset_job,
        "asset_count": len(job.asset_selection),
        "op_count": len(job.nodes),
        "partitions": job.partitions.WhichOneof("kind") if job.HasField("partitions") else "",
        "executor": job.executor,
        "tags": dict(job.tags),
    }


def _asset(node: snapshot_pb2.AssetNode) -> dict[str, Any]:
    return {
        "key": asset_key_str(node.key),
        "group": node.group_name,
        "executable": node.is_executable,
        "partitions": node.partitions.WhichOneof("kind") if node.HasField("partitions") else "",
        "has_config": bool(node.config_schema),
    }


def _resource(resource: snapshot_pb2.Resource, used_by: list[str]) -> dict[str, Any]:
    return {
        "key": resource.key,
        "type_name": resource.type_name,
        "description": resource.description,
        "is_io_manager": resource.is_io_manager,
        "config_schema": resource.config_schema,
        "used_by": used_by[:20],
        "used_by_count": len(used_by),
    }


def target(web: WebApp, request: Request) -> Response:
    """What the launch form needs of a job or an asset selection: assets, config schema, partitions."""
    location = request.arg("location")
    if not location:
        raise HttpError(400, "choose a location (?location=NAME)")
    selection = [k for k in request.arg("assets").split(",") if k]
    handle = _found(lambda: web.services.workspace.get(location))
    found = _found(lambda: launch_target(handle.loaded_snapshot(), location, request.arg("job"), selection))
    return Response.json(
        {
            "location": found.location,
            "job_name": found.job_name,
            "asset_keys": found.asset_keys,
            "config_schema": found.config_schema,
            "partitions": [
                {"job_name": p.job_name, "asset_key": p.asset_key, "kind": p.kind} for p in found.partitions
            ],
        }
    )


def backfill_ranges(web: WebApp, request: Request) -> Response:
    """A backfill's partitions as runs of consecutive keys sharing a status, in key order: a strip the
    page draws without one element per partition (180k-partition backfills stay small)."""
    backfill = _found(lambda: get_backfill(web.services.engine, request.params["backfill_id"]))
    statuses = partition_statuses(web.services.engine, backfill)
    ranges: list[dict[str, Any]] = []
    for key, status, _ in statuses:
        last = ranges[-1] if ranges else None
        if last is not None and last["status"] == status:
            last["end"] = key
            last["count"] += 1
            continue
        if len(ranges) == MAX_RANGES:
            break
        ranges.append({"status": status, "start": key, "end": key, "count": 1})
    shown = sum(r["count"] for r in ranges)
    return Response.json(
        {
            "total": len(statuses),
            "counts": dict(Counter(status for _, status, _ in statuses)),
            "ranges": ranges,
            "not_shown": len(statuses) - shown,
        }
    )


def automation(web: WebApp, request: Request) -> Response:
    """Every asset (and asset check, as "asset:check") that carries an automation condition (declarative
    automation), with the condition's tree as the snapshot has it; the page says whether the host
    evaluates them yet."""
    assets: list[dict[str, Any]] = []
    for handle in web.services.workspace.handles():
        snapshot = handle.state.snapshot
        for node in snapshot.assets if snapshot is not None else []:
            if node.HasField("automation_condition"):
                condition = json_format.MessageToDict(node.automation_condition, preserving_proto_field_name=True)
                assets.append({"location": handle.name, "key": asset_key_str(node.key), "condition": condition})
        for check in snapshot.asset_checks if snapshot is not None else []:
            if check.HasField("automation_condition"):  # evaluated as the target "asset:check"
                condition = json_format.MessageToDict(check.automation_condition, preserving_proto_field_name=True)
                asset = asset_key_str(check.asset_key)
                key = f"{asset}:{check.name}"
                assets.append({"location": handle.name, "key": key, "asset": asset, "condition": condition})
    return Response.json({"assets": assets})


def _found(load: Callable[[], T]) -> T:
    """Run a lookup; an unknown name becomes 404 with the host's message (which lists what exists)."""
    try:
        return load()
    except WeirError as exc:
        if exc.status == grpc.StatusCode.NOT_FOUND:
            raise HttpError(404, str(exc)) from None
        raise
