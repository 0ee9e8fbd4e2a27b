"""User code that writes to fd 1, starts subprocesses that print, or never finishes importing cannot
corrupt or stall the code server's channel to its user processes (issue 12, item 6)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from codeserver.location import LocationCode
from codeserver.target import LoadTarget
from protos.weir.v1 import codeserver_pb2, host_pb2
from tests.support import RunningCodeServer, dev_host, kill_processes_mentioning, wait_for

PRINTING_SENSOR = """
import os
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


job = dg.define_asset_job("orders_job", selection=dg.AssetSelection.all())


@dg.sensor(job=job)
def chatty(context):
    os.system("echo hi-from-a-subprocess")
    os.write(1, b"raw bytes on fd 1\\n")
    print("a print")
    return dg.SkipReason("nothing new")


defs = dg.Definitions(assets=[orders], jobs=[job], sensors=[chatty])
"""

PRINTING_IMPORT = """
import os
import sys
import sdk as dg

print("hello from the module body")
os.write(1, b"\\x00\\x00\\x00\\x05garbage on fd 1")
sys.stdout.flush()


@dg.asset
def orders() -> int:
    return 1


defs = dg.Definitions(assets=[orders])
"""

HANGING_IMPORT = """
import time

time.sleep(3600)
"""


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:
    servers: list[RunningCodeServer] = []

    def start(code: str) -> RunningCodeServer:
        code_file = tmp_path / "shop.py"
        code_file.write_text(code)
        server = RunningCodeServer(tmp_path, code_file, tmp_path / "runs", "token")
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    kill_processes_mentioning(str(tmp_path))


def _evaluate(server: RunningCodeServer, name: str) -> codeserver_pb2.EvaluationReply:
    request = codeserver_pb2.EvaluateSensorRequest(sensor_name=name, timeout_seconds=5)
    return server.stub.EvaluateSensor(request, metadata=server.metadata, timeout=15)


def test_a_sensor_whose_subprocess_prints_evaluates_every_tick(start_server, tmp_path: Path):
    server = start_server(PRINTING_SENSOR)
    server.wait_loaded()
    for _ in range(4):
        reply = _evaluate(server, "chatty")
        assert not reply.HasField("error"), reply.error.message
        assert reply.skip_reason == "nothing new" and reply.duration_seconds < 4
        assert "hi-from-a-subprocess" in reply.output and "raw bytes on fd 1" in reply.output  # the tick's output


def test_what_user_code_prints_goes_to_the_servers_stderr_never_its_stdout(tmp_path: Path, capfd):
    code_file = tmp_path / "shop.py"
    code_file.write_text(PRINTING_SENSOR)
    code = LocationCode(LoadTarget(python_file=str(code_file)), "shop", pool_size=1)
    try:
        code.load()
        assert code.load_error is None and code.loaded is not None
        request = codeserver_pb2.EvaluateSensorRequest(sensor_name="chatty")
        for _ in range(2):
            reply = codeserver_pb2.EvaluationReply.FromString(
                code.call("evaluate_sensor", request.SerializeToString(), 5)
            )
            assert reply.skip_reason == "nothing new"
    finally:
        code.close()
    out, err = capfd.readouterr()
    assert "hi-from-a-subprocess" not in out and "raw bytes" not in out and "a print" not in out
    assert err.count("hi-from-a-subprocess") == 2 and err.count("raw bytes on fd 1") == 2
    assert err.count("a print") == 2


def test_a_module_that_writes_to_fd_1_at_import_loads(start_server, tmp_path: Path):
    server = start_server(PRINTING_IMPORT)
    reply = server.wait_loaded()
    assert not reply.HasField("load_error")
    assert [list(a.key.path) for a in server.snapshot().assets] == [["orders"]]
    log = (tmp_path / "server.log").read_text(errors="replace")
    assert "hello from the module body" in log and "garbage on fd 1" in log


def test_an_import_that_hangs_puts_the_location_in_error_naming_the_timeout(start_server, monkeypatch):
    monkeypatch.setenv("WEIR_IMPORT_TIMEOUT", "2")
    started = time.monotonic()
    server = start_server(HANGING_IMPORT)
    health = health_pb2_grpc.HealthStub(server.channel)
    assert server.handshake().loading
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    reply = wait_for(lambda: (r := server.handshake()).HasField("load_error") and r, 15, what="the import to time out")
    assert time.monotonic() - started < 10
    assert not reply.loading and not reply.snapshot_id
    assert reply.load_error.type == "ImportTimeout"
    message = reply.load_error.message
    assert "'shop'" in message and "2 s" in message
    assert "--import-timeout" in message and "WEIR_IMPORT_TIMEOUT" in message
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
    wait_for(lambda: not _user_processes_of(server), 5, what="the importing process to be killed")


def _user_processes_of(server: RunningCodeServer) -> list[int]:
    from tests.support import processes_mentioning

    return [
        pid
        for pid in processes_mentioning(str(server.tmp / "shop.py"))
        if b"codeserver.userprocess" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def test_the_host_shows_an_import_timeout_as_a_location_error(tmp_path: Path):
    code = tmp_path / "shop.py"
    code.write_text(HANGING_IMPORT)
    with dev_host(tmp_path / "home", ["-f", str(code)], env={"WEIR_IMPORT_TIMEOUT": "1"}) as host:
        client = host.client()
        location = wait_for(
            lambda: (loc := client.locations()[0]).status == host_pb2.LOCATION_ERROR and loc,
            20,
            what="the location to show the error",
        )
        assert location.load_error.type == "ImportTimeout"
        assert "did not finish importing" in location.load_error.message
