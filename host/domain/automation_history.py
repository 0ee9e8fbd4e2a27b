"""Why did an asset (not) run: automation ticks and evaluations as the Host API serves them.

An asset's evaluation is stored when it changes, so the evaluation "at tick T" is its newest stored one
at or before T. Plain functions over storage and the snapshots; host/api/automation.py is a thin face.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from host.errors import DefinitionNotFound
from host.locations.workspace import WorkspaceManager
from host.storage import automation as store
from host.storage import instigators as tick_store
from host.storage.records import TickRecord
from protos.weir.v1 import host_pb2, snapshot_pb2

DEFAULT_PAGE = 20
MAX_PAGE = 500


def automation_sensors(workspace: WorkspaceManager, location: str = "") -> list[tuple[str, str]]:
    """(location, sensor name) of every automation sensor of the loaded locations."""
    handles = [workspace.get(location)] if location else workspace.handles()
    found = []
    for handle in handles:
        snapshot = handle.state.snapshot
        for sensor in snapshot.sensors if snapshot is not None else ():
            if sensor.kind == snapshot_pb2.AUTOMATION:
                found.append((handle.name, sensor.name))
    return found


def get_evaluation(
    engine: Engine, asset_key: str, *, tick_id: int = 0, location: str = ""
) -> host_pb2.AutomationEvaluation:
    """The asset's evaluation in force at the tick (default: the newest)."""
    with engine.connect() as conn:
        record = store.get_evaluation(conn, asset_key, tick_id=tick_id or None, location=location or None)
        if record is None:
            when = f" at or before tick {tick_id}" if tick_id else ""
            raise DefinitionNotFound(
                f"asset {asset_key!r} has no automation evaluation{when}: give it an automation_condition= and "
                "keep its location's default_automation_condition_sensor running (`weir sensors list`); "
                "`weir automation ticks` lists the ticks"
            )
        requests = store.run_requests(conn, record.tick_id)
    return evaluation_to_proto(record, [r.run_id for r in requests if r.run_id and asset_key in r.asset_keys])


def list_evaluations(
    engine: Engine, workspace: WorkspaceManager, request: host_pb2.ListAutomationEvaluationsRequest
) -> host_pb2.ListAutomationEvaluationsReply:
    limit = min(request.limit or DEFAULT_PAGE, MAX_PAGE)
    asset_key = "/".join(request.asset_key.path)
    location = request.location or None
    before = request.before_tick_id or None
    reply = host_pb2.ListAutomationEvaluationsReply()
    with engine.connect() as conn:
        if request.latest_per_asset:
            records = store.newest_evaluations(conn, location)
            requests = store.requests_of_ticks(conn, [r.tick_id for r in records if r.num_requested])
            reply.evaluations.extend(evaluation_to_proto(r, _runs_of(requests, r)) for r in records)
            return reply
        if asset_key:
            records = store.list_evaluations(
                conn, asset_key=asset_key, location=location, before_tick=before, limit=limit
            )
            ticks = [t for t in (tick_store.get_tick(conn, r.tick_id) for r in records) if t is not None]
        elif request.tick_id:
            records = store.list_evaluations(conn, tick_id=request.tick_id, limit=100_000)
            tick = tick_store.get_tick(conn, request.tick_id)
            if tick is None:
                raise DefinitionNotFound(f"no tick {request.tick_id}: `weir automation ticks` lists them")
            ticks = [tick]
        else:
            records = []
            ticks = store.automation_ticks(
                conn, automation_sensors(workspace, request.location), before_id=before, limit=limit
            )
        tick_ids = [t.tick_id for t in ticks]
        requests = store.requests_of_ticks(conn, tick_ids)
        stored = store.evaluations_stored(conn, tick_ids)
    reply.ticks.extend(tick_to_proto(t, requests.get(t.tick_id, []), stored.get(t.tick_id, 0)) for t in ticks)
    reply.evaluations.extend(evaluation_to_proto(r, _runs_of(requests, r)) for r in records)
    if not request.tick_id and len(records if asset_key else ticks) == limit:
        reply.next_before_tick_id = records[-1].tick_id if asset_key else ticks[-1].tick_id
    return reply


def _runs_of(requests: dict[int, list[store.RunRequestRecord]], record: store.EvaluationRecord) -> list[str]:
    return [r.run_id for r in requests.get(record.tick_id, []) if r.run_id and record.asset_key in r.asset_keys]


def tick_to_proto(tick: TickRecord, requests: Sequence[store.RunRequestRecord], stored: int) -> host_pb2.AutomationTick:
    return host_pb2.AutomationTick(
        tick_id=tick.tick_id,
        location=tick.location,
        sensor_name=tick.name,
        status=tick.status,
        timestamp=tick.timestamp,
        reason=tick.reason or "",
        error=tick.error or "",
        run_ids=list(tick.run_ids),
        requested_assets=sorted({k for r in requests for k in r.asset_keys}),
        evaluations_stored=stored,
    )


def evaluation_to_proto(record: store.EvaluationRecord, run_ids: Sequence[str]) -> host_pb2.AutomationEvaluation:
    return host_pb2.AutomationEvaluation(
        tick_id=record.tick_id,
        location=record.location,
        sensor_name=record.sensor_name,
        asset_key=record.asset_key,
        timestamp=record.timestamp,
        num_requested=record.num_requested,
        result=node_to_proto(record.result, record.asset_key),
        run_ids=list(run_ids),
    )


def node_to_proto(node: dict[str, Any], parent_asset: str = "") -> host_pb2.AutomationNode:
    """A stored result node (host/domain/automation.py NodeResult.to_text) as its message; a node
    without "asset" looked at its parent's."""
    asset = node.get("asset") or parent_asset
    ranges = [
        host_pb2.PartitionKeyRange(first=item, last=item)
        if isinstance(item, str)
        else host_pb2.PartitionKeyRange(first=item[0], last=item[1])
        for item in node.get("true", [])
    ]
    return host_pb2.AutomationNode(
        name=node.get("name", ""),
        label=node.get("label", ""),
        asset_key=asset,
        value=bool(node.get("true")),
        true_count=int(node.get("true_count", len(ranges))),  # unpartitioned: 1 or 0
        candidate_count=int(node.get("candidates", 0 if node.get("skipped") else 1)),
        true_partitions=ranges,
        skipped=bool(node.get("skipped", False)),
        children=[node_to_proto(c, asset) for c in node.get("children", [])],
    )
