"""What a sensor writes to stdout and stderr comes back in its evaluation's reply from a real code server:
print, stderr, logging and subprocesses alike; capped with a marker; kept for an evaluation that
times out; never carried into the next evaluation; and never in the code server's own log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from codeserver.output import OUTPUT_KEPT_BYTES, OutputTail
from protos.weir.v1 import codeserver_pb2
from tests.support import RunningCodeServer, serving

CODE = """
import logging, os, subprocess, sys, time
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


job = dg.define_asset_job("orders_job", selection=dg.AssetSelection.all())


@dg.sensor(job=job)
def chatty(context):
    print("from-print")
    sys.stderr.write("from-stderr\\n")
    logging.getLogger("shop").warning("from-logging")
    os.system("echo from-shell")
    os.write(1, b"binary \\xff\\xfe\\x00 end\\n")
    print("no newline at the end", end="")
    return dg.SkipReason("nothing new")


@dg.sensor(job=job)
def flood(context):
    sys.stdout.write("first-line\\n" + "x" * (1 << 20) + "\\nlast-line\\n")
    return dg.RunRequest(run_key="flood")


@dg.sensor(job=job)
def hangs(context):
    print("before-the-hang", flush=True)
    time.sleep(1000)


@dg.sensor(job=job)
def leaves_a_writer(context):
    subprocess.Popen("sleep 0.3; echo late-from-background; echo late-err >&2", shell=True)
    return dg.SkipReason("done")


@dg.sensor(job=job)
def quiet_and_slow(context):
    time.sleep(1.0)
    return dg.SkipReason("quiet")


@dg.sensor(job=job)
def closes_stdio(context):
    print("closing", flush=True)
    os.close(1)
    os.close(2)
    return dg.SkipReason("closed")


defs = dg.Definitions(
    assets=[orders], jobs=[job], sensors=[chatty, flood, hangs, leaves_a_writer, quiet_and_slow, closes_stdio]
)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCodeServer]:
    folder = tmp_path_factory.mktemp("output")
    (folder / "tmp").mkdir()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("WEIR_USER_PROCESSES", "1")  # one process: each evaluation follows the one before it
        env.setenv("TMPDIR", str(folder / "tmp"))  # where the code server makes each call's FIFO
        with serving(folder, CODE, "token") as running:
            yield running


def _evaluate(server: RunningCodeServer, name: str, timeout: float = 10) -> codeserver_pb2.EvaluationReply:
    request = codeserver_pb2.EvaluateSensorRequest(sensor_name=name, timeout_seconds=timeout)
    return server.stub.EvaluateSensor(request, metadata=server.metadata, timeout=timeout + 30)


def test_prints_stderr_logging_and_subprocess_output_come_back_with_the_reply(server: RunningCodeServer) -> None:
    reply = _evaluate(server, "chatty")
    assert reply.skip_reason == "nothing new" and not reply.HasField("error")
    lines = reply.output.splitlines()
    for expected in ("from-print", "from-stderr", "from-logging", "from-shell"):
        assert any(expected in line for line in lines), reply.output
    assert "binary \ufffd\ufffd\ufffd end" in reply.output  # invalid UTF-8 and NUL replaced
    assert reply.output.endswith("no newline at the end")
    assert "from-shell" not in (server.tmp / "server.log").read_text(errors="replace")


def test_a_megabyte_keeps_its_head_and_tail_around_a_marker(server: RunningCodeServer) -> None:
    reply = _evaluate(server, "flood")
    assert not reply.HasField("error") and [r.run_key for r in reply.run_requests] == ["flood"]
    assert reply.output.startswith("first-line\n") and reply.output.endswith("last-line\n")
    dropped = len("first-line\n" + "x" * (1 << 20) + "\nlast-line\n") - OUTPUT_KEPT_BYTES
    assert f"[... {dropped:,} bytes truncated ...]" in reply.output
    assert len(reply.output) < OUTPUT_KEPT_BYTES + 100


def test_a_timed_out_evaluation_keeps_its_output_and_the_next_one_starts_clean(server: RunningCodeServer) -> None:
    reply = _evaluate(server, "hangs", timeout=1.5)
    assert reply.timed_out and reply.output == "before-the-hang\n"
    after = _evaluate(server, "chatty")
    assert "before-the-hang" not in after.output and "from-print" in after.output


def test_a_subprocess_left_running_never_writes_into_the_next_evaluation(server: RunningCodeServer) -> None:
    assert _evaluate(server, "leaves_a_writer").output == ""
    reply = _evaluate(server, "quiet_and_slow")  # the leftover writes while this one runs
    assert reply.skip_reason == "quiet" and reply.output == ""


def test_user_code_closing_stdout_and_stderr_does_not_break_the_next_evaluations(server: RunningCodeServer) -> None:
    assert _evaluate(server, "closes_stdio").output == "closing\n"
    for _ in range(2):
        reply = _evaluate(server, "chatty")
        assert reply.skip_reason == "nothing new" and "from-shell" in reply.output


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"a" * 8], "a" * 8),
        ([b"h" * 6, b"m" * 5, b"t" * 3], "hhhh\n[... 6 bytes truncated ...]\nmttt"),
        ([b"\xe2\x82", b"\xac ok"], "\u20ac ok"),  # a character split between reads stays whole
    ],
)
def test_output_tail_keeps_head_and_tail(chunks: list[bytes], expected: str) -> None:
    tail = OutputTail(kept=8)
    for chunk in chunks:
        tail.feed(chunk)
    assert tail.text() == expected


def test_each_calls_fifo_is_removed_after_it(server: RunningCodeServer) -> None:
    _evaluate(server, "chatty")
    assert not list((server.tmp / "tmp").iterdir())
