"""The Host API under bad and oversized input, on SQLite and PostgreSQL: every refusal is INVALID_ARGUMENT
(or UNAVAILABLE for a storage outage) with a message naming the field and the limit, never UNKNOWN and
never an SQL statement; listings page by bytes, so large stored rows never break them.

A real Host API server on a free port, over a HostApp with an in-process location (no daemon)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import Engine

from host.cli.client import HostClient
from host.config import HostConfig
from host.errors import ConfigError, StorageUnavailable
from host.serve.app import HostApp
from host.serve.server import create_server
from host.storage import instigators as tick_store
from host.storage import runs as run_store
from host.storage.engine import ensure_schema, open_engine
from host.storage.records import RunRecord
from protos import wire
from protos.weir.v1 import host_pb2, host_pb2_grpc
from tests.host.daemon.support import InProcessLocation, sensor, workspace_of
from tests.postgres import fresh_database
from tests.support import REPO

TOKEN = "limits-token"


@dataclass
class Api:
    engine: Engine
    client: HostClient
    stub: host_pb2_grpc.HostStub
    address: str

    def call(self, method: Callable[..., Any], request: object) -> object:
        return method(request, metadata=wire.call_metadata(TOKEN), timeout=30)


def _serve(url: str) -> Iterator[Api]:
    engine = open_engine(url)
    location = InProcessLocation("shop", sensors=[sensor("watch")])
    app = HostApp(engine, workspace_of(location), HostConfig())
    server, port = create_server(app, "127.0.0.1:0", token=TOKEN)
    server.start()
    address = f"127.0.0.1:{port}"
    channel = wire.open_channel(address)
    client = HostClient(address, TOKEN)
    try:
        yield Api(engine, client, host_pb2_grpc.HostStub(channel), address)
    finally:
        client.close()
        channel.close()
        server.stop(None)
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'weir.db'}"
        return
    with fresh_database("weir_limits") as url:
        yield url


@pytest.fixture
def api(storage_url: str) -> Iterator[Api]:
    ensure_schema(open_engine(storage_url))
    yield from _serve(storage_url)


def _refused(api: Api, method: Callable[..., Any], request: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        api.call(method, request)
    return caught.value


def _store_run(engine: Engine, run_id: str, created_at: float, config_bytes: int = 2) -> None:
    config = json.dumps({"blob": "x" * max(0, config_bytes - 13)})
    run = RunRecord(
        run_id=run_id,
        location="shop",
        job_name="sales_job",
        status="SUCCESS",
        asset_selection=(),
        run_config_json=config,
        tags={},
        snapshot_id="s",
        created_at=created_at,
    )
    with engine.begin() as conn:
        run_store.add_run(conn, run)


def test_list_runs_refuses_bad_limit_cursor_and_status(api: Api) -> None:
    cases = [
        (host_pb2.ListRunsRequest(limit=-1), "limit is -1; it must be 0 (the default) or more"),
        (host_pb2.ListRunsRequest(cursor="not a cursor"), "Invalid cursor 'not a cursor'"),
        (host_pb2.ListRunsRequest(cursor=base64.urlsafe_b64encode(b"[1e400, 1]").decode()), "Invalid cursor"),
        (
            host_pb2.ListRunsRequest(cursor=base64.urlsafe_b64encode(b"[1.0, 99999999999999999999]").decode()),
            "Invalid cursor",
        ),
        (host_pb2.ListRunsRequest(statuses=[99]), "statuses[0] is 99, which is not a RunStatus (one of QUEUED"),
    ]
    for request, message in cases:
        error = _refused(api, api.stub.ListRuns, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (request, error.details())
        assert message in error.details()


def test_launch_refuses_oversized_deep_or_nul_input_alike_on_both_backends(api: Api) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    cases = [
        (dict(run_config_json=json.dumps({"x": "y" * (1 << 20)})), "run_config_json is 1,048,", "at most 1,048,576"),
        (dict(run_config_json=deep), "run_config_json is nested more than 100 levels deep", ""),
        (dict(run_config_json="[" * 150 + "]" * 150), "run_config_json is nested more than 100 levels deep", ""),
        (dict(tags={f"k{i}": "v" for i in range(101)}), "tags holds 101 entries; at most 100", ""),
        (dict(tags={"k" * 257: "v"}), "tags key is 257 characters long; at most 256", ""),
        (dict(tags={"team": "v" * 4097}), "tags['team'] is 4,097 characters long; at most 4,096", ""),
        (dict(tags={"team": "a\0b"}), "tags['team'] contains a NUL character", ""),
        (dict(partition_key="2024\0"), "partition_key contains a NUL character", ""),
        (dict(location="shop\0"), "location contains a NUL character", ""),
    ]
    for fields, message, more in cases:
        request = host_pb2.LaunchRunRequest(**{"location": "shop", "job_name": "sales_job", **fields})
        error = _refused(api, api.stub.LaunchRun, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (fields.keys(), error.details()[:300])
        assert error.details().startswith("LaunchRun: ") and message in error.details() and more in error.details()
    with api.engine.connect() as conn:
        assert run_store.list_runs(conn)[0] == []
    ok = api.client.launch_run(
        host_pb2.LaunchRunRequest(
            location="shop",
            job_name="sales_job",
            run_config_json=json.dumps({"x": "y" * 1_000_000}),
            tags={"team": "sales"},
        )
    )
    assert ok.status == host_pb2.QUEUED


def test_lookups_with_nul_are_invalid_argument_not_sql(api: Api) -> None:
    for method, request in [
        (api.stub.GetRun, host_pb2.GetRunRequest(run_id="a\0b")),
        (api.stub.GetRunEvents, host_pb2.GetRunEventsRequest(run_id="a\0b")),
        (api.stub.ListRuns, host_pb2.ListRunsRequest(tags={"a\0": "b"})),
    ]:
        error = _refused(api, method, request)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "NUL character" in error.details() and "SELECT" not in error.details()


def test_undecodable_request_is_invalid_argument(api: Api) -> None:
    channel = wire.open_channel(api.address)
    raw = channel.unary_unary("/weir.v1.Host/ListRuns")  # bytes in, bytes out
    try:
        with pytest.raises(grpc.RpcError) as caught:
            raw(b"\xff\xff\xff\xff garbage", metadata=wire.call_metadata(TOKEN), timeout=10)
    finally:
        channel.close()
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ListRuns: the request is not a valid message" in caught.value.details()


def test_weir_runs_lists_runs_whose_configs_outweigh_one_message(api: Api) -> None:
    for _ in range(10):  # ten 1 MB configs launched through the API, the most it accepts ...
        api.client.launch_run(
            host_pb2.LaunchRunRequest(
                location="shop", job_name="sales_job", run_config_json=json.dumps({"x": "y" * 1_000_000})
            )
        )
    for i in range(6):  # ... and six 10 MB ones stored before there was a limit: 70 MB in all
        _store_run(api.engine, f"legacy-{i}", created_at=100.0 + i, config_bytes=10 * 1024 * 1024)
    first = api.client.list_runs(limit=50)
    assert 0 < len(first.runs) < 16 and first.next_cursor
    listed = _weir(api, "runs", "--limit", "50").splitlines()
    assert len(listed) == 1 + 16 and sum("legacy-" in line for line in listed) == 6


def _weir(api: Api, *args: str) -> str:
    """The real `weir` command against this server; its output."""
    env = {**os.environ, "WEIR_HOST_ADDRESS": api.address, "WEIR_TOKEN": TOKEN}
    done = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=env, capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_run_events_limit_zero_is_a_default_page(api: Api) -> None:
    _store_run(api.engine, "r1", 1.0)
    _store_events(api.engine, "r1", 2500)
    first = api.client.run_events("r1")
    assert [e.sequence for e in first.events] == list(range(1000)) and first.has_more
    pages = list(api.client.event_pages("r1"))
    assert sum(len(p.events) for p in pages) == 2500 and not pages[-1].has_more


def test_run_events_page_stops_at_the_byte_budget(api: Api) -> None:
    _store_run(api.engine, "big", 1.0)
    _store_events(api.engine, "big", 40, message_bytes=500_000)  # 20 MB in all, 0.5 MB each
    first = api.client.run_events("big", limit=10_000)
    assert 1 <= len(first.events) <= wire.MAX_PAGE_BYTES // 500_000 and first.has_more
    assert [e.sequence for p in api.client.event_pages("big") for e in p.events] == list(range(40))


def test_ticks_page_by_bytes_with_a_cursor(api: Api) -> None:
    with api.engine.begin() as conn:
        for i in range(12):
            tick_store.add_tick(
                conn,
                location="shop",
                name="watch",
                kind="SENSOR",
                status="FAILURE",
                timestamp=float(i),
                error="trace\n" * 100_000,
            )  # 600 KB each
    first = api.call(api.stub.ListTicks, host_pb2.ListTicksRequest(kind=host_pb2.SENSOR, name="watch", limit=100))
    assert 1 <= len(first.ticks) < 12 and first.next_cursor
    ticks = api.client.ticks(host_pb2.SENSOR, "watch", limit=100)
    assert [t.timestamp for t in ticks] == [float(i) for i in reversed(range(12))]
    error = _refused(api, api.stub.ListTicks, host_pb2.ListTicksRequest(kind=host_pb2.SENSOR, name="watch", cursor="x"))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "Invalid cursor" in error.details()


def test_client_maps_refusals_to_weir_errors(api: Api) -> None:
    with pytest.raises(ConfigError, match="limit is -1"):
        api.client.list_runs(limit=-1)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///{tmp}",  # a directory: SQLite cannot open it
        "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
    ],
)
def test_storage_outage_is_unavailable_without_sql(url: str, tmp_path: Path) -> None:
    for api in _serve(url.format(tmp=tmp_path)):
        error = _refused(api, api.stub.ListRuns, host_pb2.ListRunsRequest())
        assert error.code() == grpc.StatusCode.UNAVAILABLE
        assert error.details().startswith("storage unavailable: ")
        assert "(check the storage URL / database)" in error.details()
        assert "SELECT" not in error.details() and "[SQL" not in error.details()
        with pytest.raises(StorageUnavailable, match=r"host: storage unavailable: .+ \(check the storage URL"):
            api.client.get_run("x")


def test_weir_runs_show_pages_through_a_million_events(tmp_path: Path) -> None:
    """SQLite only: the pages are the same on PostgreSQL (tested above), and this insert is quick here."""
    url = f"sqlite:///{tmp_path / 'weir.db'}"
    ensure_schema(open_engine(url))
    for api in _serve(url):
        _store_run(api.engine, "huge", 1.0)
        _store_many_events(api.engine, "huge", 1_000_000)
        out = tmp_path / "show.txt"
        env = {**os.environ, "WEIR_HOST_ADDRESS": api.address, "WEIR_TOKEN": TOKEN}
        with open(out, "w") as stdout:
            done = subprocess.run(
                [sys.executable, "-m", "host.cli", "runs", "show", "huge"],
                env=env,
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                timeout=300,
                cwd=REPO,
            )
        assert done.returncode == 0, done.stderr[-2000:]
        with open(out) as lines:
            events = [line for line in lines if " LOG " in line]
        assert len(events) == 1_000_000
        assert events[0].split()[2] == "0" and events[-1].split()[2] == "999999"


def _store_many_events(engine: Engine, run_id: str, count: int) -> None:
    """Events straight into the events table, 100,000 rows a statement: each body is one serialized LOG
    event with its sequence appended (protobuf keeps the last value of a field; three-byte varints)."""
    from protos.weir.v1 import common_pb2

    head = common_pb2.RunEvent(
        run_id=run_id, type=common_pb2.LOG, timestamp=1.0, message=f"a log line of sixty-four characters, {'.' * 26}"
    ).SerializeToString()
    assert count < 1 << 21  # 1,000,000 of them weigh 90 MB, more than one message may carry
    insert = (
        "INSERT INTO events (run_id, sequence, event_type, timestamp, step_key, body) VALUES (?, ?, 'LOG', 1.0, '', ?)"
    )
    for start in range(0, count, 100_000):
        rows = [
            (run_id, i, head + bytes((0x10, (i & 0x7F) | 0x80, ((i >> 7) & 0x7F) | 0x80, i >> 14)))
            for i in range(start, min(count, start + 100_000))
        ]
        with engine.begin() as conn:
            conn.exec_driver_sql(insert, rows)


def _store_events(engine: Engine, run_id: str, count: int, message_bytes: int = 20) -> None:
    from host.storage import events as event_store
    from protos.weir.v1 import common_pb2

    batch = []
    for sequence in range(count):
        event = common_pb2.RunEvent(
            run_id=run_id, sequence=sequence, type=common_pb2.LOG, timestamp=1.0, message="m" * message_bytes
        )
        batch.append(event_store.event_record(event))
        if len(batch) == 5000 or sequence == count - 1:
            with engine.begin() as conn:
                event_store.add_events(conn, batch)
            batch = []
