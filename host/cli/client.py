"""A client of the Host API, for the CLI and for tests: finds the running host with no flags."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import grpc

from host.errors import HostNotFound, WeirError, from_rpc_error
from protos import wire
from protos.keys import parse_asset_key
from protos.weir.v1 import common_pb2, host_pb2, host_pb2_grpc

Req = TypeVar("Req")
Reply = TypeVar("Reply")
TERMINAL = {host_pb2.SUCCESS, host_pb2.FAILURE, host_pb2.CANCELED}


def find_host(weir_home: Path | None = None) -> tuple[str, str | None]:
    """(address, token): from WEIR_HOST_ADDRESS / WEIR_TOKEN, else from $WEIR_HOME/host.json."""
    address = os.environ.get("WEIR_HOST_ADDRESS")
    if address:
        return address, os.environ.get("WEIR_TOKEN")
    info = host_file(weir_home)
    return info["address"], info.get("token")


def host_file(weir_home: Path | None = None) -> dict[str, Any]:
    """What the running host wrote to $WEIR_HOME/host.json: address, token, pid, ui_url."""
    home = weir_home or (Path(os.environ["WEIR_HOME"]) if os.environ.get("WEIR_HOME") else _nearest_weir_home())
    try:
        info = json.loads((home / "host.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        raise HostNotFound(
            f"no running weir host found ({home / 'host.json'} is missing): start one with "
            "`weir dev`, or set WEIR_HOST_ADDRESS (and WEIR_TOKEN)"
        ) from None
    pid = info.get("pid")
    if pid and not Path(f"/proc/{pid}").exists():
        raise HostNotFound(
            f"the weir host recorded in {home / 'host.json'} (pid {pid}) is not running: start it again with `weir dev`"
        )
    return dict(info)


def _nearest_weir_home(start: Path | None = None) -> Path:
    """`.weir` in this folder or the nearest parent that has one (as git finds `.git`), so the CLI
    reaches the `weir dev` started in a project's root from any of its subfolders."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".weir" / "host.json").is_file():
            return folder / ".weir"
    return here / ".weir"


class HostClient:
    def __init__(
        self, address: str, token: str | None = None, timeout: float = 30.0, tls_ca: bytes | None = None
    ) -> None:
        self.address = address
        if tls_ca is None and os.environ.get("WEIR_TLS_CA"):
            tls_ca = Path(os.environ["WEIR_TLS_CA"]).read_bytes()
        self._channel = wire.open_channel(address, tls_ca=tls_ca)
        self._stub = host_pb2_grpc.HostStub(self._channel)
        self._metadata = wire.call_metadata(token)
        self._timeout = timeout

    @classmethod
    def discover(cls, weir_home: Path | None = None) -> HostClient:
        return cls(*find_host(weir_home))

    def _call(self, method: grpc.UnaryUnaryMultiCallable[Req, Reply], request: Req) -> Reply:
        try:
            return method(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as exc:
            raise self._error(exc) from None

    def _error(self, exc: grpc.RpcError) -> WeirError:
        # gRPC's own words when nothing listens; a host that answers UNAVAILABLE (storage down) does.
        if exc.code() == grpc.StatusCode.UNAVAILABLE and "failed to connect" in (exc.details() or "").lower():
            return HostNotFound(f"the weir host at {self.address} does not answer: is it running?")
        return from_rpc_error(exc, what="host")

    def locations(self) -> list[host_pb2.Location]:
        return list(self._call(self._stub.ListLocations, host_pb2.ListLocationsRequest()).locations)

    def reload_workspace(self) -> host_pb2.ReloadWorkspaceReply:
        return self._call(self._stub.ReloadWorkspace, host_pb2.ReloadWorkspaceRequest())

    def reload_location(self, name: str) -> host_pb2.Location:
        return self._call(self._stub.ReloadLocation, host_pb2.ReloadLocationRequest(name=name))

    def assets(self, location: str = "") -> list[host_pb2.AssetEntry]:
        return list(self._call(self._stub.ListAssets, host_pb2.ListAssetsRequest(location=location)).assets)

    def asset_details(self, asset_key: str, location: str = "") -> host_pb2.AssetDetails:
        """An asset ("a/b"): definition, lineage across locations, latest materialization, checks."""
        request = host_pb2.GetAssetDetailsRequest(asset_key=parse_asset_key(asset_key), location=location)
        return self._call(self._stub.GetAssetDetails, request)

    def asset_events(
        self,
        asset_key: str,
        *,
        limit: int,
        types: list[common_pb2.EventType.ValueType] | None = None,
        check_name: str = "",
        partition_key: str = "",
        page_size: int = 0,
    ) -> Iterator[common_pb2.RunEvent]:
        """Up to `limit` events of an asset's history, newest first, fetched page by page (page_size 0: the
        host's default page; a page also stops at the host's byte budget)."""
        request = host_pb2.ListAssetEventsRequest(
            asset_key=parse_asset_key(asset_key), types=types or [], check_name=check_name, partition_key=partition_key
        )
        count = 0
        while count < limit:
            request.limit = min(page_size or limit - count, limit - count)
            reply: host_pb2.ListAssetEventsReply = self._call(self._stub.ListAssetEvents, request)
            yield from reply.events[: limit - count]
            count += len(reply.events)
            request.cursor = reply.next_cursor
            if not request.cursor:
                return

    def automation_evaluation(
        self, asset_key: str, tick_id: int = 0, location: str = ""
    ) -> host_pb2.AutomationEvaluation:
        """Why an asset was (not) requested: its condition tree as evaluated at a tick (0: the newest)."""
        request = host_pb2.GetAutomationEvaluationRequest(
            asset_key=parse_asset_key(asset_key), tick_id=tick_id, location=location
        )
        return self._call(self._stub.GetAutomationEvaluation, request)

    def automation_evaluations(
        self, request: host_pb2.ListAutomationEvaluationsRequest
    ) -> host_pb2.ListAutomationEvaluationsReply:
        return self._call(self._stub.ListAutomationEvaluations, request)

    def launch_run(self, request: host_pb2.LaunchRunRequest) -> host_pb2.Run:
        return self._call(self._stub.LaunchRun, request)

    def get_run(self, run_id: str) -> host_pb2.Run:
        return self._call(self._stub.GetRun, host_pb2.GetRunRequest(run_id=run_id))

    def list_runs(
        self,
        *,
        statuses: list[host_pb2.RunStatus.ValueType] | None = None,
        location: str = "",
        job_name: str = "",
        limit: int = 50,
        cursor: str = "",
        tags: dict[str, str] | None = None,
    ) -> host_pb2.ListRunsReply:
        request = host_pb2.ListRunsRequest(
            statuses=statuses or [], location=location, job_name=job_name, limit=limit, cursor=cursor, tags=tags or {}
        )
        return self._call(self._stub.ListRuns, request)

    def runs(
        self,
        *,
        limit: int,
        statuses: list[host_pb2.RunStatus.ValueType] | None = None,
        location: str = "",
        job_name: str = "",
        tags: dict[str, str] | None = None,
    ) -> Iterator[host_pb2.Run]:
        """Up to `limit` runs, newest first, fetched page by page (a page stops at the host's byte budget)."""
        cursor, count = "", 0
        while count < limit:
            reply = self.list_runs(
                statuses=statuses, location=location, job_name=job_name, limit=limit - count, cursor=cursor, tags=tags
            )
            yield from reply.runs[: limit - count]
            count += len(reply.runs)
            cursor = reply.next_cursor
            if not cursor:
                return

    def run_events(
        self,
        run_id: str,
        after_sequence: int = -1,
        limit: int = 0,
        exclude_types: Sequence[common_pb2.EventType.ValueType] = (),
    ) -> host_pb2.GetRunEventsReply:
        """One page of a run's events (limit 0: the host's default page), but those of `exclude_types`;
        `has_more` says whether to go on."""
        request = host_pb2.GetRunEventsRequest(
            run_id=run_id, after_sequence=after_sequence, limit=limit, exclude_types=exclude_types
        )
        return self._call(self._stub.GetRunEvents, request)

    def event_pages(
        self, run_id: str, page_size: int = 0, exclude_types: Sequence[common_pb2.EventType.ValueType] = ()
    ) -> Iterator[host_pb2.GetRunEventsReply]:
        """Every stored event of a run (but those of `exclude_types`), one page (with the run) at a time:
        a run of any size, little memory."""
        after = -1
        while True:
            reply = self.run_events(run_id, after, page_size, exclude_types)
            yield reply
            if not reply.has_more or not reply.events:
                return
            after = reply.events[-1].sequence

    def run_logs(
        self, run_id: str, *, step_key: str = "", stream: str = "", follow: bool = False, after_sequence: int = -1
    ) -> Iterator[host_pb2.RunLogsBatch]:
        """Batches of a run's captured stdout/stderr (step "" and stream "": all); with follow, new output
        as the run goes, until it has ended. Closing the iterator cancels the call."""
        request = host_pb2.WatchRunLogsRequest(
            run_id=run_id, step_key=step_key, stream=stream, follow=follow, after_sequence=after_sequence
        )
        call = self._stub.WatchRunLogs(request, metadata=self._metadata)  # no deadline: output of any size
        try:
            yield from call
        except grpc.RpcError as exc:
            raise self._error(exc) from None
        finally:
            call.cancel()

    def run_log_sizes(self, run_id: str) -> host_pb2.RunLogSizes:
        """How many bytes of stdout and stderr each step of the run wrote."""
        return self._call(self._stub.GetRunLogSizes, host_pb2.GetRunLogSizesRequest(run_id=run_id))

    def reexecute_run(
        self, run_id: str, *, from_failure: bool = False, selection: list[str] | None = None
    ) -> host_pb2.Run:
        request = host_pb2.ReexecuteRunRequest(run_id=run_id, from_failure=from_failure, selection=selection or [])
        return self._call(self._stub.ReexecuteRun, request)

    def cancel_run(self, run_id: str) -> host_pb2.Run:
        return self._call(self._stub.CancelRun, common_pb2.CancelRunRequest(run_id=run_id))

    def delete_run(self, run_id: str) -> None:
        self._call(self._stub.DeleteRun, host_pb2.DeleteRunRequest(run_id=run_id))

    def wipe_assets(self, asset_keys: list[str], partitions: list[str] | None = None) -> int:
        request = host_pb2.WipeAssetsRequest(
            asset_keys=[parse_asset_key(k) for k in asset_keys], partition_keys=partitions or []
        )
        reply: host_pb2.WipeAssetsReply = self._call(self._stub.WipeAssets, request)
        return reply.wiped

    def follow_run(
        self, run_id: str, poll: float = 0.1, timeout: float | None = None
    ) -> Iterator[tuple[host_pb2.Run, list[common_pb2.RunEvent]]]:
        """(run, new events) until the run has finished and all its events are read."""
        after = -1
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            reply = self.run_events(run_id, after)
            events = list(reply.events)
            if events:
                after = events[-1].sequence
            yield reply.run, events
            if reply.run.status in TERMINAL and not events:
                return
            if deadline is not None and time.monotonic() > deadline:
                raise WeirError(f"run {run_id} did not finish within {timeout} s")
            if not events:
                time.sleep(poll)

    def wait_for_run(self, run_id: str, timeout: float = 120.0) -> host_pb2.Run:
        last = None
        for last, _ in self.follow_run(run_id, timeout=timeout):  # noqa: B007 - the last one is the answer
            pass
        assert last is not None
        return last

    def instigators(
        self, kind: host_pb2.InstigatorKind.ValueType = host_pb2.INSTIGATOR_KIND_UNSPECIFIED, location: str = ""
    ) -> list[host_pb2.Instigator]:
        """Schedules (kind SCHEDULE), sensors (SENSOR) or both (0), with state and latest ticks."""
        request = host_pb2.ListInstigatorsRequest(kind=kind, location=location)
        return list(self._call(self._stub.ListInstigators, request).instigators)

    def set_instigator_status(
        self, kind: host_pb2.InstigatorKind.ValueType, name: str, status: str, location: str = ""
    ) -> host_pb2.Instigator:
        request = host_pb2.SetInstigatorStatusRequest(kind=kind, name=name, status=status, location=location)
        return self._call(self._stub.SetInstigatorStatus, request)

    def set_sensor_cursor(self, name: str, cursor: str | None, location: str = "") -> host_pb2.Instigator:
        """Set the sensor's cursor, or clear it with None."""
        request = host_pb2.SetSensorCursorRequest(
            name=name, location=location, cursor=cursor or "", clear=cursor is None
        )
        return self._call(self._stub.SetSensorCursor, request)

    def ticks(
        self,
        kind: host_pb2.InstigatorKind.ValueType,
        name: str,
        location: str = "",
        limit: int = 20,
        statuses: list[str] | None = None,
    ) -> list[host_pb2.Tick]:
        """Up to `limit` ticks, newest first, fetched page by page."""
        request = host_pb2.ListTicksRequest(kind=kind, name=name, location=location, statuses=statuses or [])
        ticks: list[host_pb2.Tick] = []
        while len(ticks) < limit:
            request.limit = limit - len(ticks)
            reply: host_pb2.ListTicksReply = self._call(self._stub.ListTicks, request)
            ticks.extend(reply.ticks[: limit - len(ticks)])
            request.cursor = reply.next_cursor
            if not request.cursor:
                break
        return ticks

    def preview_instigator(self, request: host_pb2.PreviewInstigatorRequest) -> host_pb2.InstigatorPreview:
        """What a schedule's or sensor's tick would do now, launching nothing."""
        return self._call(self._stub.PreviewInstigator, request)

    def daemon_status(self) -> host_pb2.DaemonStatus:
        return self._call(self._stub.GetDaemonStatus, host_pb2.GetDaemonStatusRequest())

    def partition_keys(
        self, location: str, asset_key: str = "", job_name: str = "", page_size: int = 0
    ) -> host_pb2.ListPartitionKeysReply:
        """All partition keys of an asset ("a/b") or job; page_size > 0 fetches them page by page."""
        request = host_pb2.ListPartitionKeysRequest(location=location, job_name=job_name, limit=page_size)
        if asset_key:
            request.asset_key.path.extend(asset_key.split("/"))
        reply: host_pb2.ListPartitionKeysReply = self._call(self._stub.ListPartitionKeys, request)
        while page_size and len(reply.keys) < reply.total:
            request.offset = len(reply.keys)
            page: host_pb2.ListPartitionKeysReply = self._call(self._stub.ListPartitionKeys, request)
            if not page.keys:
                break
            reply.keys.extend(page.keys)
        return reply

    def partition_status(self, location: str, asset_key: str) -> host_pb2.PartitionStatus:
        request = host_pb2.GetPartitionStatusRequest(location=location)
        request.asset_key.path.extend(asset_key.split("/"))
        return self._call(self._stub.GetPartitionStatus, request)

    def add_dynamic_partitions(self, name: str, keys: list[str]) -> host_pb2.DynamicPartitionKeys:
        request = host_pb2.DynamicPartitionsChange(partitions_def_name=name, keys=keys)
        return self._call(self._stub.AddDynamicPartitions, request)

    def delete_dynamic_partitions(self, name: str, keys: list[str]) -> host_pb2.DynamicPartitionKeys:
        request = host_pb2.DynamicPartitionsChange(partitions_def_name=name, keys=keys)
        return self._call(self._stub.DeleteDynamicPartitions, request)

    def dynamic_partitions(self, name: str) -> host_pb2.DynamicPartitionKeys:
        request = host_pb2.ListDynamicPartitionsRequest(partitions_def_name=name)
        return self._call(self._stub.ListDynamicPartitions, request)

    def launch_backfill(self, request: host_pb2.LaunchBackfillRequest) -> host_pb2.Backfill:
        return self._call(self._stub.LaunchBackfill, request)

    def get_backfill(self, backfill_id: str, with_partitions: bool = False) -> host_pb2.Backfill:
        request = host_pb2.GetBackfillRequest(backfill_id=backfill_id, with_partitions=with_partitions)
        return self._call(self._stub.GetBackfill, request)

    def backfills(
        self, statuses: list[str] | None = None, location: str = "", limit: int = 50
    ) -> list[host_pb2.Backfill]:
        request = host_pb2.ListBackfillsRequest(statuses=statuses or [], location=location, limit=limit)
        return list(self._call(self._stub.ListBackfills, request).backfills)

    def cancel_backfill(self, backfill_id: str) -> host_pb2.Backfill:
        return self._call(self._stub.CancelBackfill, host_pb2.CancelBackfillRequest(backfill_id=backfill_id))

    def close(self) -> None:
        self._channel.close()
