"""`context.instance` under a real `weir dev` host (rule 9): runs and sensor evaluations read the host's
history and change its dynamic partitions through their code server, which forwards each call, scoped
to the run or evaluation, on the stream the host opened; user code never opens the host's storage.

One host serves the module's tests (SQLite); each test uses assets and sensors of its own."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.json_format import MessageToDict

from host.cli.client import HostClient
from protos import wire
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, common_pb2, host_pb2
from tests.support import DevHost, dev_host, serving, wait_for, write_workspace

BIG = [f"big{i}" for i in range(6)]
CODE = """
import sdk as dg


@dg.asset
def upstream():
    return dg.MaterializeResult(metadata={"rows": 7})


@dg.asset(deps=[upstream])
def reader(context):
    event = context.instance.get_latest_materialization_event(dg.AssetKey("upstream"))
    me = dg.DagsterInstance.get().get_run_by_id(context.run_id)
    runs = context.instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS]))
    page = context.instance.fetch_materializations(dg.AssetKey("upstream"), limit=5)
    return dg.MaterializeResult(metadata={
        "rows": event.asset_materialization.metadata["rows"].value,
        "from_run": event.run_id,
        "key": event.dagster_event.asset_key.to_user_string(),
        "me": me.status.value,
        "finished_runs": len(runs),
        "page": [r.storage_id for r in page.records] == sorted((r.storage_id for r in page.records), reverse=True),
        "keys": ",".join(k.to_user_string() for k in context.instance.get_asset_keys()),
    })


@dg.asset
def made(context):
    for i in range(5000):  # events the host is still storing when the next step asks
        context.log.info(f"line {i}")
    return 1


@dg.asset(deps=[made])
def reads_own(context):
    event = context.instance.get_latest_materialization_event(dg.AssetKey("made"))
    return dg.MaterializeResult(metadata={"from_run": event.run_id if event is not None else "none"})


@dg.asset
def deleter(context):
    context.instance.delete_run(context.run_id)


@dg.asset
def a():
    return 1


@dg.asset
def b():
    return 2


@dg.asset(deps=[a, b])
def ab():
    return 3


ab_job = dg.define_asset_job("ab_job", selection=[ab])


@dg.sensor(minimum_interval_seconds=1)
def discover(context):
    if not context.instance.has_dynamic_partition("regions", "eu"):
        context.instance.add_dynamic_partitions("regions", ["eu", "us"])
        return dg.SkipReason("added eu and us")
    context.instance.delete_dynamic_partition("regions", "us")
    return dg.SkipReason("regions: " + ",".join(context.instance.get_dynamic_partitions("regions")))


@dg.multi_asset_sensor(monitored_assets=[dg.AssetKey("a"), dg.AssetKey("b")], job=ab_job, minimum_interval_seconds=1)
def both(context):
    records = context.latest_materialization_records_by_key()
    if not all(records.values()):
        return dg.SkipReason("waiting for " + ",".join(k.to_user_string() for k, r in records.items() if r is None))
    context.advance_all_cursors()
    return dg.RunRequest(run_key="-".join(str(r.storage_id) for r in records.values()))


BIG = [f"big{i}" for i in range(6)]


@dg.multi_asset(outs={name: dg.AssetOut() for name in BIG})
def bigs():
    for name in BIG:  # 6 x 900 KB of metadata: more than one answer of the host holds
        yield dg.Output(None, name, metadata={"blob": "x" * 900_000})


@dg.asset(deps=BIG)
def counter(context):
    records = context.instance.get_event_records(
        dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION), limit=1000
    )
    big = [r for r in records if r.event_log_entry.dagster_event.asset_key.path[0].startswith("big")]
    ids = [r.storage_id for r in records]
    blobs = {len(r.event_log_entry.asset_materialization.metadata["blob"].value) for r in big}
    return dg.MaterializeResult(metadata={"big": len(big), "ordered": ids == sorted(set(ids), reverse=True),
                                          "blobs": ",".join(map(str, blobs))})


@dg.schedule(cron_schedule="0 0 * * *", job=ab_job)
def nightly(context):
    plans = dg.DagsterInstance.get().get_dynamic_partitions("plans")
    return dg.SkipReason("plans: " + ",".join(plans) + f" ({context.instance!r})")


defs = dg.Definitions(
    assets=[upstream, reader, made, reads_own, deleter, a, b, ab, bigs, counter],
    jobs=[ab_job],
    sensors=[discover, both],
    schedules=[nightly],
)
"""


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    tmp = tmp_path_factory.mktemp("facade")
    (tmp / "defs.py").write_text(CODE)
    workspace = write_workspace(
        tmp / "workspace.yaml", [{"python_file": {"relative_path": "defs.py", "location_name": "shop"}}]
    )
    with dev_host(tmp / "home", ["-w", str(workspace)]) as running:
        client = running.client()
        wait_for(lambda: all(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()), 60, what="load")
        yield running


def _materialize(client: HostClient, *keys: str) -> host_pb2.Run:
    selection = [common_pb2.AssetKey(path=[k]) for k in keys]
    run = client.launch_run(host_pb2.LaunchRunRequest(location="shop", asset_selection=selection))
    return client.wait_for_run(run.run_id, timeout=60)


def _metadata(client: HostClient, run_id: str, asset: str) -> dict[str, object]:
    for event in (e for page in client.event_pages(run_id) for e in page.events):
        if event.type == common_pb2.ASSET_MATERIALIZATION and list(event.asset_key.path) == [asset]:
            return {m.key: MessageToDict(m.value, preserving_proto_field_name=True) for m in event.metadata}
    raise AssertionError(f"run {run_id} materialized no {asset}")


def _step_failure(client: HostClient, run_id: str) -> str:
    events = [e for page in client.event_pages(run_id) for e in page.events]
    return "\n".join(e.error.message for e in events if e.type == common_pb2.STEP_FAILURE)


def test_a_run_reads_the_latest_materialization_of_its_upstream(host: DevHost) -> None:
    client = host.client()
    first = _materialize(client, "upstream")
    assert first.status == host_pb2.SUCCESS
    run = _materialize(client, "reader")
    assert run.status == host_pb2.SUCCESS, _step_failure(client, run.run_id)
    values = _metadata(client, run.run_id, "reader")
    assert values["rows"] == {"int_value": "7"}  # the upstream's metadata, read from the host's storage
    assert values["from_run"] == {"text": first.run_id}
    assert values["key"] == values["keys"] == {"text": "upstream"}
    assert values["me"] == {"text": "STARTED"}  # DagsterInstance.get(): the run reads itself
    assert values["finished_runs"] == {"int_value": "1"} and values["page"] == {"bool_value": True}

    # a run reads its own writes: the host answers once it has stored what the run journaled before asking
    for _ in range(3):
        both = _materialize(client, "made", "reads_own")
        assert both.status == host_pb2.SUCCESS, _step_failure(client, both.run_id)
        assert _metadata(client, both.run_id, "reads_own")["from_run"] == {"text": both.run_id}


def test_a_large_answer_comes_in_pages(host: DevHost) -> None:
    client = host.client()
    assert _materialize(client, *BIG).status == host_pb2.SUCCESS
    run = _materialize(client, "counter")
    assert run.status == host_pb2.SUCCESS, _step_failure(client, run.run_id)
    values = _metadata(client, run.run_id, "counter")
    assert values == {"big": {"int_value": "6"}, "ordered": {"bool_value": True}, "blobs": {"text": "900000"}}


def test_a_sensor_reads_and_changes_the_hosts_dynamic_partitions(host: DevHost) -> None:
    client = host.client()
    client.set_instigator_status(host_pb2.SENSOR, "discover", "RUNNING", location="shop")
    try:
        wait_for(
            lambda: any(t.reason == "regions: eu" for t in client.ticks(host_pb2.SENSOR, "discover")),
            60,
            what="the sensor to add eu and us, then delete us",
        )
    finally:
        client.set_instigator_status(host_pb2.SENSOR, "discover", "STOPPED", location="shop")
    reasons = [t.reason for t in client.ticks(host_pb2.SENSOR, "discover", limit=100)][::-1]
    assert reasons[0] == "added eu and us"
    assert list(client.dynamic_partitions("regions").keys) == ["eu"]


def test_a_schedule_reads_the_instance_as_its_evaluation(host: DevHost) -> None:
    client = host.client()
    client.add_dynamic_partitions("plans", ["p1", "p2"])
    request = host_pb2.PreviewInstigatorRequest(kind=host_pb2.SCHEDULE, name="nightly", location="shop")
    preview = client.preview_instigator(request)
    assert preview.skip_reason == "plans: p1,p2 (<DagsterInstance of the Weir host, for schedule 'nightly'>)", (
        preview.error.message
    )


def test_a_multi_asset_sensor_fires_once_both_upstreams_materialized(host: DevHost) -> None:
    client = host.client()
    client.set_instigator_status(host_pb2.SENSOR, "both", "RUNNING", location="shop")
    try:
        wait_for(
            lambda: any(t.reason.startswith("waiting for a,b") for t in client.ticks(host_pb2.SENSOR, "both")),
            60,
            what="a tick before any materialization",
        )
        assert _materialize(client, "a").status == host_pb2.SUCCESS
        wait_for(
            lambda: client.ticks(host_pb2.SENSOR, "both", limit=1)[0].reason == "waiting for b",
            60,
            what="a tick after a's materialization",
        )
        assert _materialize(client, "b").status == host_pb2.SUCCESS
        fired = wait_for(
            lambda: [t for t in client.ticks(host_pb2.SENSOR, "both") if t.run_ids],
            60,
            what="the sensor to request a run",
        )
    finally:
        client.set_instigator_status(host_pb2.SENSOR, "both", "STOPPED", location="shop")
    assert client.wait_for_run(fired[0].run_ids[0], timeout=60).status == host_pb2.SUCCESS


def test_writes_other_than_dynamic_partitions_are_refused_and_calls_are_scoped(host: DevHost) -> None:
    client = host.client()
    run = _materialize(client, "deleter")
    assert run.status == host_pb2.FAILURE
    assert f"DagsterInstance.delete_run is not served to run {run.run_id}" in _step_failure(client, run.run_id)
    assert client.get_run(run.run_id).run_id == run.run_id  # still there

    # A call straight to the code server, as a run worker makes it: the host refuses methods it does not
    # serve, and the code server refuses a run or an evaluation it did not start.
    endpoint = json.loads((host.weir_home / "runs" / "shop" / "instance-endpoint.json").read_text())
    with grpc.insecure_channel(endpoint["address"]) as channel:
        stub = codeserver_pb2_grpc.CodeServerStub(channel)
        metadata = wire.call_metadata(endpoint["token"])

        def call(**fields: str) -> codeserver_pb2.InstanceResult:
            return stub.CallInstance(codeserver_pb2.InstanceCall(**fields), metadata=metadata, timeout=10)

        refused = call(run_id=run.run_id, method="wipe_assets", arguments_json="{}")
        assert refused.error_type == "refused"
        assert f"'wipe_assets' is not served to run {run.run_id}" in refused.error
        assert "run 'nope' was not started by location 'shop'" in call(run_id="nope", method="runs").error
        (host.weir_home / "runs" / "shop" / "stranger").mkdir()  # a directory, but no run the host knows
        assert "run stranger is not a run of location 'shop'" in call(run_id="stranger", method="runs").error
        assert "evaluation is over" in call(evaluation_id="x" * 32, method="runs", arguments_json="{}").error
        listed = call(run_id=run.run_id, method="run", arguments_json=json.dumps({"run_id": run.run_id}))
        assert json.loads(listed.result_json)["run"]["status"] == "FAILURE"
        with pytest.raises(grpc.RpcError) as denied:
            stub.CallInstance(codeserver_pb2.InstanceCall(run_id=run.run_id, method="runs"), timeout=10)
        assert denied.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_without_a_host_the_call_says_the_host_is_not_connected(tmp_path: Path) -> None:
    with serving(tmp_path, CODE, token="t0ken") as server:
        (tmp_path / "runs" / "r1").mkdir(parents=True)
        call = codeserver_pb2.InstanceCall(run_id="r1", method="runs", arguments_json="{}")
        result = server.stub.CallInstance(call, metadata=server.metadata, timeout=10)
        with pytest.raises(grpc.RpcError) as denied:  # only a holder of the token serves the instance
            next(server.stub.ServeInstance(iter([]), timeout=10))
        assert denied.value.code() == grpc.StatusCode.UNAUTHENTICATED
        raw = server.channel.stream_stream(
            "/weir.v1.CodeServer/ServeInstance", request_serializer=bytes, response_deserializer=bytes
        )
        with pytest.raises(grpc.RpcError) as garbled:  # a reply that does not decode ends the stream, clearly
            next(raw(iter([b"\xff\xff\xff"]), metadata=server.metadata, timeout=10))
        assert garbled.value.code() == grpc.StatusCode.INVALID_ARGUMENT, garbled.value.details()
    assert result.error_type == "unavailable"
    assert "the host is not connected to location" in result.error


def test_after_its_code_server_is_replaced_the_host_serves_the_instance_again(host: DevHost) -> None:
    """Last in the module: it kills the location's code server, which the host spawns again."""
    client = host.client()
    endpoint_file = host.weir_home / "runs" / "shop" / "instance-endpoint.json"
    endpoint = json.loads(endpoint_file.read_text())
    with grpc.insecure_channel(endpoint["address"]) as channel:
        request = codeserver_pb2.HandshakeRequest(protocol_version=wire.PROTOCOL_VERSION)
        metadata = wire.call_metadata(endpoint["token"])
        pid = codeserver_pb2_grpc.CodeServerStub(channel).Handshake(request, metadata=metadata, timeout=10).pid
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: json.loads(endpoint_file.read_text()) != endpoint, 60, what="a new code server")
    wait_for(lambda: all(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()), 60, what="it to load")
    run = _materialize(client, "reader")
    assert run.status == host_pb2.SUCCESS, _step_failure(client, run.run_id)
