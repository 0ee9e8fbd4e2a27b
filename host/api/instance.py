"""The instance facade's host side: what `context.instance` in a run or an evaluation asks, answered from
storage (rule 9: served by the host through the code server, scoped, never a database connection).

Each call arrives from a location's code server (host/locations/instance_link.py) with the scope the
code server stamped on it: one of its runs, or one schedule or sensor evaluation. A run's scope must be a
run of that location. Reads cover runs, run events, materializations and observations, and asset keys;
the one write served is dynamic partitions, which Dagster's sensors change through the instance. Every
other method is refused with a message saying so. Arguments and results are JSON in the shapes
sdk/host_instance.py builds Dagster's objects from; events travel as their stored wire bytes.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine

from host.domain.partitions import change_dynamic_partitions, check_definition_name
from host.errors import ConfigError, WeirError
from host.storage import events as event_store
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from host.storage.records import RunRecord, RunStatus
from protos import wire
from protos.weir.v1 import codeserver_pb2

log = logging.getLogger("weir.instance")
READ_YOUR_WRITES_SECONDS = 10.0  # how long a run's call waits for its own events to be stored
MAX_RECORDS = 10_000  # one answer's events or runs: a facade call is not a bulk export
HISTORY_TYPES = ("ASSET_MATERIALIZATION", "ASSET_OBSERVATION")


class Refused(WeirError):
    """A method the facade does not serve, or a scope that may not ask."""


Method = Callable[[Engine, codeserver_pb2.InstanceScope, Mapping[str, Any]], Any]


class InstanceService:
    """Answers the facade's calls for every location of one host."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def answer(self, location: str, request: codeserver_pb2.InstanceRequest) -> codeserver_pb2.InstanceResult:
        """One call, as data: the JSON result, or the error the user sees (never an exception)."""
        scope = request.scope
        who = _who(scope)
        log.debug("instance call %s from %s of location %r", request.method, who, location)
        try:
            if scope.location_name != location:
                raise Refused(f"location {location!r} asked for {who} of location {scope.location_name!r}")
            method = METHODS.get(request.method)
            if method is None:
                raise Refused(
                    f"DagsterInstance call {request.method!r} is not served to {who}: under the Weir host user "
                    "code reads the instance's runs, events and assets and changes only dynamic partitions"
                )
            _check_scope(self.engine, scope)
            if scope.run_id:
                self._stored_up_to(scope.run_id, scope.journal_sequence)
            arguments = json.loads(request.arguments_json or "{}")
            if not isinstance(arguments, dict):
                raise ConfigError(f"the arguments of {request.method!r} must be a JSON object")
            result = method(self.engine, scope, arguments)
        except Refused as exc:
            return codeserver_pb2.InstanceResult(error=str(exc), error_type="refused")
        except (WeirError, ValueError, TypeError, KeyError) as exc:
            return codeserver_pb2.InstanceResult(error=f"{request.method}: {exc}", error_type="invalid")
        except Exception as exc:  # storage down, a bug: the caller learns it failed, the log has why
            log.exception("instance call %s from %s failed", request.method, who)
            return codeserver_pb2.InstanceResult(
                error=f"{request.method} failed on the host ({type(exc).__name__}); the host's log has details",
                error_type="internal",
            )
        return codeserver_pb2.InstanceResult(result_json=json.dumps(result))

    def _stored_up_to(self, run_id: str, sequence: int) -> None:
        """Wait (a little) until storage holds the run's events up to `sequence`, the last it had journaled
        when it asked: a run reads its own writes, e.g. a check step the materialization its run just made.
        Past READ_YOUR_WRITES_SECONDS the call is answered from what is stored (the run's collection lags)."""
        if sequence < 0:
            return
        deadline = time.monotonic() + READ_YOUR_WRITES_SECONDS
        while True:
            with self.engine.connect() as conn:
                if event_store.last_sequence(conn, run_id) >= sequence:
                    return
            if time.monotonic() >= deadline:
                log.warning("instance call of run %s answered before its events up to %d were stored", run_id, sequence)
                return
            time.sleep(0.02)


def _who(scope: codeserver_pb2.InstanceScope) -> str:
    if scope.run_id:
        return f"run {scope.run_id}"
    return f"{scope.instigator_kind or 'evaluation'} {scope.instigator_name!r}"


def _check_scope(engine: Engine, scope: codeserver_pb2.InstanceScope) -> None:
    """A run asks as itself only if it is a run of the location asking."""
    if not scope.run_id:
        if scope.instigator_kind not in ("schedule", "sensor"):
            raise Refused("an instance call must come from a run or a schedule or sensor evaluation")
        return
    with engine.connect() as conn:
        run = run_store.get_run(conn, scope.run_id)
    if run is None or run.location != scope.location_name:
        raise Refused(f"run {scope.run_id} is not a run of location {scope.location_name!r}")


def _event_records(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    asset_key = args.get("asset_key")
    with engine.connect() as conn:
        found = event_store.event_records(
            conn,
            event_types=[str(args["event_type"])],
            asset_key="/".join(map(str, asset_key)) if asset_key is not None else None,
            partitions=_strings(args.get("partitions")),
            after_id=_integer(args.get("after_id")),
            before_id=_integer(args.get("before_id")),
            after_timestamp=_number(args.get("after_timestamp")),
            before_timestamp=_number(args.get("before_timestamp")),
            ids=[int(i) for i in args["storage_ids"]] if args.get("storage_ids") is not None else None,
            limit=_limit(args.get("limit")),
            ascending=bool(args.get("ascending")),
        )
    return _fitted(found)


def _fitted(found: list[tuple[int, str, Any]]) -> dict[str, Any]:
    """The records that fit in one answer (at least one); `more` tells the caller to ask again after the
    last one (sdk/host_instance.py does)."""
    records: list[dict[str, Any]] = []
    size = 0
    for found_id, job, event in found:
        size += len(event.body) * 4 // 3 + 200
        if records and size > wire.MAX_PAGE_BYTES:
            return {"records": records, "more": True}
        records.append(_record(found_id, job, event))
    return {"records": records, "more": False}


def _run_events(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    with engine.connect() as conn:
        found = event_store.event_records(
            conn,
            event_types=_strings(args.get("event_types")),
            run_id=str(args["run_id"]),
            after_id=_integer(args.get("after_id")),
            limit=MAX_RECORDS,
            ascending=True,
        )
    return _fitted(found)


def _record(storage_id: int, job_name: str, event: Any) -> dict[str, Any]:
    return {
        "storage_id": storage_id,
        "run_id": event.run_id,
        "job_name": job_name,
        "event": base64.b64encode(event.body).decode(),
    }


def _asset_keys(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    with engine.connect() as conn:
        keys = event_store.asset_keys_with_history(conn, HISTORY_TYPES)
    return {"keys": [key.split("/") for key in keys]}


def _run(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    with engine.connect() as conn:
        run = run_store.get_run(conn, str(args["run_id"]))
    return {"run": _run_json(run) if run is not None else None}


def _runs(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    statuses = [RunStatus(s).value for s in args.get("statuses") or ()]
    run_ids = _strings(args.get("run_ids"))
    tags = args.get("tags") or {}
    with engine.connect() as conn:
        if run_ids is not None:
            found = [r for r in (run_store.get_run(conn, i) for i in run_ids[:MAX_RECORDS]) if r is not None]
        else:
            found, cursor = run_store.list_runs(
                conn,
                statuses=statuses,
                job_name=args.get("job_name"),
                tags={str(k): str(v) for k, v in tags.items()},
                limit=MAX_RECORDS,
                cursor=args.get("cursor"),
                max_bytes=wire.MAX_PAGE_BYTES,
                created=(_number(args.get("created_after")), _number(args.get("created_before"))),
            )
            return {"runs": [_run_json(r) for r in found], "cursor": cursor}
    return {"runs": [_run_json(r) for r in found], "cursor": None}


def _run_json(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "job_name": run.job_name,
        "status": run.status,
        "tags": dict(run.tags),
        "run_config": json.loads(run.run_config_json or "{}"),
        "partition_key": run.partition_key,
        "asset_selection": [key.split("/") for key in run.asset_selection],
        "parent_run_id": run.parent_run_id,
        "root_run_id": run.root_run_id,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
    }


def _dynamic_partitions(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    name = check_definition_name(str(args["name"]))
    with engine.connect() as conn:
        return {"keys": partition_store.list_dynamic_partitions(conn, name)}


def _add_dynamic_partitions(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    keys = _strings(args.get("keys")) or []
    added, _ = change_dynamic_partitions(engine, str(args["name"]), keys, delete=False)
    log.info("%s added %d keys to dynamic partitions %r", _who(scope), added, args["name"])
    return {"added": added}


def _delete_dynamic_partition(engine: Engine, scope: codeserver_pb2.InstanceScope, args: Mapping[str, Any]) -> Any:
    deleted, _ = change_dynamic_partitions(engine, str(args["name"]), [str(args["key"])], delete=True)
    log.info("%s deleted key %r of dynamic partitions %r", _who(scope), args["key"], args["name"])
    return {"deleted": bool(deleted)}


def _strings(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, list):
        raise ConfigError(f"expected a list of strings, got {value!r}")
    return [str(v) for v in value]


def _integer(value: Any) -> int | None:
    return None if value is None else int(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _limit(value: Any) -> int:
    return MAX_RECORDS if value is None else max(0, min(int(value), MAX_RECORDS))


METHODS: dict[str, Method] = {
    "event_records": _event_records,
    "run_events": _run_events,
    "asset_keys": _asset_keys,
    "run": _run,
    "runs": _runs,
    "dynamic_partitions": _dynamic_partitions,
    "add_dynamic_partitions": _add_dynamic_partitions,
    "delete_dynamic_partition": _delete_dynamic_partition,
}
