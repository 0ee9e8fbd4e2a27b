"""User code never blocks the code server's control plane (rule 3): a sensor stuck in an
endless loop times out with a clear reason while ping, health and snapshot calls keep answering."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc

from protos.weir.v1 import codeserver_pb2
from tests.support import RunningCodeServer, kill_processes_mentioning, processes_mentioning, wait_for

CODE = """
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


job = dg.define_asset_job("orders_job", selection=dg.AssetSelection.all())


@dg.sensor(job=job)
def stuck(context):
    while True:
        pass


@dg.sensor(job=job)
def quiet(context):
    return dg.SkipReason("nothing new")


defs = dg.Definitions(assets=[orders], jobs=[job], sensors=[stuck, quiet])
"""


def _user_processes(code: Path) -> list[int]:
    return [
        pid
        for pid in processes_mentioning(str(code))
        if b"codeserver.userprocess" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def _evaluate(server: RunningCodeServer, name: str, timeout: float) -> codeserver_pb2.EvaluationReply:
    request = codeserver_pb2.EvaluateSensorRequest(sensor_name=name, timeout_seconds=timeout)
    return server.stub.EvaluateSensor(request, metadata=server.metadata, timeout=timeout + 10)


def test_sensor_stuck_in_a_loop_times_out_while_the_control_plane_answers(tmp_path: Path):
    code = tmp_path / "stuck_location.py"
    code.write_text(CODE)
    server = RunningCodeServer(tmp_path, code, tmp_path / "runs", "token")
    try:
        server.wait_loaded()
        wait_for(lambda: len(_user_processes(code)) == 2, 30, what="the warm pool of two")
        before = set(_user_processes(code))
        stuck_reply: list[codeserver_pb2.EvaluationReply] = []
        thread = threading.Thread(target=lambda: stuck_reply.append(_evaluate(server, "stuck", 3.0)))
        thread.start()
        time.sleep(0.5)  # the stuck sensor now spins in one of the pool's processes
        health = health_pb2_grpc.HealthStub(server.channel)
        slowest = 0.0
        while thread.is_alive():
            for call in (
                server.handshake,
                server.snapshot,
                lambda: health.Check(health_pb2.HealthCheckRequest(), timeout=5),
            ):
                started = time.perf_counter()
                call()
                slowest = max(slowest, time.perf_counter() - started)
            time.sleep(0.05)
        assert slowest < 0.05, f"a control-plane call took {slowest * 1000:.0f} ms while the sensor was stuck"
        reply = stuck_reply[0]
        assert reply.timed_out
        assert "sensor 'stuck' did not finish within" in reply.error.message
        assert "replaced" in reply.error.message
        quiet = _evaluate(server, "quiet", 10.0)
        assert quiet.skip_reason == "nothing new" and not quiet.HasField("error")
        wait_for(lambda: len(_user_processes(code)) == 2, 30, what="the pool to replace the stuck process")
        assert len(before & set(_user_processes(code))) == 1  # the stuck one is gone, a new one took its place
    finally:
        server.stop()
        kill_processes_mentioning(str(tmp_path))
