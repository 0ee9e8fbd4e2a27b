"""One asset seen across the workspace: its definition, its lineage over every location, its history.

An asset key is global: a location may depend on another location's asset by declaring it (an
AssetSpec, not materializable there). So lineage joins every loaded snapshot by key, and the history
(materializations, check evaluations) is keyed by the asset alone, whichever location wrote it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import Engine

from host.domain.asset_graph import GlobalAssetGraph, build_graph, loaded_snapshots
from host.domain.freshness import freshness_to_proto
from host.errors import ConfigError, DefinitionNotFound
from host.locations.workspace import WorkspaceManager
from host.storage import assets as asset_store
from host.storage.events import CHECK_EVALUATION, MATERIALIZATION, OBSERVATION
from protos.keys import asset_key_str, parse_asset_key
from protos.weir.v1 import common_pb2, host_pb2, snapshot_pb2

# The event types an asset's history holds.
HISTORY_TYPES: dict[common_pb2.EventType.ValueType, str] = {
    common_pb2.ASSET_MATERIALIZATION: MATERIALIZATION,
    common_pb2.ASSET_OBSERVATION: OBSERVATION,
    common_pb2.ASSET_CHECK_EVALUATION: CHECK_EVALUATION,
}


def _ref(graph: GlobalAssetGraph, key: str) -> host_pb2.AssetRef:
    """Where an asset is materialized and where it is only declared."""
    found = graph.declared(key)
    owners = [location for location, node in found if node.is_executable]
    return host_pb2.AssetRef(
        asset_key=parse_asset_key(key),
        location=owners[0] if owners else "",
        declared_in=[location for location, node in found if not node.is_executable],
    )


def _definition(graph: GlobalAssetGraph, key: str, location: str) -> tuple[str, snapshot_pb2.AssetNode]:
    """The node to describe: the given location's, else the materializable one, else the first declaration."""
    found = graph.declared(key)
    if not found:
        raise DefinitionNotFound(f"no asset {key!r} in any loaded location: `weir assets` lists them")
    if location:
        for name, node in found:
            if name == location:
                return name, node
        where = ", ".join(sorted({name for name, _ in found}))
        raise DefinitionNotFound(f"location {location!r} has no asset {key!r}; it is in: {where}")
    return next(((name, node) for name, node in found if node.is_executable), found[0])


def workspace_graph(workspace: WorkspaceManager) -> GlobalAssetGraph:
    """Every loaded location's assets joined by key (the last good snapshot while a reload fails, rule 8)."""
    return build_graph(loaded_snapshots(workspace))


def asset_details(
    engine: Engine, workspace: WorkspaceManager, asset_key: str, location: str = "", now: float | None = None
) -> host_pb2.AssetDetails:
    """The asset's definition, lineage across locations, latest materialization and checks."""
    if not asset_key:
        raise ConfigError("name an asset (asset_key), e.g. `weir assets show sales/orders`")
    graph = workspace_graph(workspace)
    where, node = _definition(graph, asset_key, location)
    i = graph.index[asset_key]
    details = host_pb2.AssetDetails(
        location=where,
        node=node,
        self=_ref(graph, asset_key),
        upstream=[_ref(graph, graph.nodes[j].key) for j in graph.upstream[i]],
        downstream=[_ref(graph, k) for k in sorted(graph.nodes[j].key for j in graph.downstream[i])],
    )
    with engine.connect() as conn:
        latest = asset_store.latest_materializations(conn, [asset_key]).get(asset_key)
        evaluations = asset_store.latest_check_events(conn, asset_key)
    if latest is not None:
        details.latest_materialization.CopyFrom(
            host_pb2.Materialization(
                run_id=latest.run_id, timestamp=latest.timestamp, partition_key=latest.partition_key or ""
            )
        )
    details.checks.extend(_checks(graph, asset_key, evaluations))
    now = time.time() if now is None else now
    fresh = freshness_to_proto(node, latest.timestamp if latest is not None else None, now)
    if fresh is not None:
        details.freshness.CopyFrom(fresh)
    return details


def _checks(graph: GlobalAssetGraph, asset_key: str, evaluations: dict[str, bytes]) -> list[host_pb2.AssetCheckState]:
    """The checks defined on the asset in any location, then checks only storage knows (since removed)."""
    specs: dict[str, snapshot_pb2.AssetCheck] = {}
    for _, node in graph.declared(asset_key):
        for spec in node.check_specs:
            specs.setdefault(spec.name, spec)
    for name in sorted(set(evaluations) - set(specs)):
        specs[name] = snapshot_pb2.AssetCheck(name=name, asset_key=parse_asset_key(asset_key))
    states = []
    for name, spec in specs.items():
        state = host_pb2.AssetCheckState(check=spec)
        if name in evaluations:
            state.latest_evaluation.MergeFromString(evaluations[name])
        states.append(state)
    return states


def asset_events(
    engine: Engine, request: host_pb2.ListAssetEventsRequest, *, limit: int, max_bytes: int
) -> host_pb2.ListAssetEventsReply:
    """A page of the asset's history, newest first, whether or not any location defines it now."""
    key = asset_key_str(request.asset_key)
    if not key:
        raise ConfigError("name an asset (asset_key)")
    with engine.connect() as conn:
        bodies, cursor = asset_store.asset_events(
            conn,
            key,
            event_types=_types(request.types),
            check_name=request.check_name or None,
            partition_key=request.partition_key or None,
            cursor=request.cursor or None,
            limit=limit,
            max_bytes=max_bytes,
        )
    reply = host_pb2.ListAssetEventsReply(next_cursor=cursor or "")
    for body in bodies:
        reply.events.add().MergeFromString(body)
    return reply


def _types(types: Iterable[common_pb2.EventType.ValueType]) -> list[str]:
    chosen = list(dict.fromkeys(types)) or list(HISTORY_TYPES)
    unknown = [common_pb2.EventType.Name(t) for t in chosen if t not in HISTORY_TYPES]
    if unknown:
        known = ", ".join(common_pb2.EventType.Name(t) for t in HISTORY_TYPES)
        raise ConfigError(f"types {', '.join(unknown)} are not part of an asset's history: pick from {known}")
    return [HISTORY_TYPES[t] for t in chosen]
