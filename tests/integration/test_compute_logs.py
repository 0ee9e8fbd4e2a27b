"""Compute logs and the structured event log through a real `weir dev` host, on SQLite and PostgreSQL:
`weir runs logs` prints what steps wrote (per stream and step, capped with a marker, followed live with
-f), and `weir runs show` filters by level and step, notes captured output per step instead of listing
it, and summarizes long metadata values."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from host.errors import ConfigError
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

CODE = """
import os, sys, time
from pathlib import Path
import sdk as dg

GATE = Path(os.environ["WEIR_TEST_GATE"])


@dg.asset
def talker(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    for i in range(3):
        print(f"talker line {i}")
    sys.stderr.write("talker complains\\n")
    context.log.debug("a debug note")
    context.log.info("an info note")
    context.log.warning("a warning note")
    context.log.error("an error note")
    plot = "data:image/png;base64," + "iVBORw0KGgo" * 4282  # 47,124 characters
    return dg.MaterializeResult(metadata={"plot": dg.MetadataValue.md(plot)})


@dg.asset
def other() -> None:
    print("other says hello")


@dg.asset
def loud() -> None:
    line = "y" * 1023 + "\\n"
    for _ in range(11 * 1024):  # 11 MB, past the 10 MB cap
        sys.stdout.write(line)


@dg.asset
def gated(context: dg.AssetExecutionContext) -> None:
    print("before the gate", flush=True)
    deadline = time.time() + 120
    while not (GATE / f"{context.run_id}.open").exists() and time.time() < deadline:
        time.sleep(0.05)
    print("after the gate", flush=True)


defs = dg.Definitions(assets=[talker, other, loud, gated])
"""


def _host(tmp: Path, backend):  # type: ignore[no-untyped-def]
    (tmp / "gate").mkdir()
    (tmp / "logs_code.py").write_text(CODE)
    env = {"WEIR_TEST_GATE": str(tmp / "gate"), **backend.env()}
    return dev_host(tmp / "home", ["-f", str(tmp / "logs_code.py")], env=env)


def _launch(client, *assets: str) -> str:  # type: ignore[no-untyped-def]
    wait_for(
        lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
        30,
        what="the location to load",
    )
    request = host_pb2.LaunchRunRequest(
        location="logs_code", asset_selection=[common_pb2.AssetKey(path=[a]) for a in assets]
    )
    return client.launch_run(request).run_id


def _weir(host, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=host.env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_runs_logs_prints_each_stream_per_step_and_runs_show_notes_them(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        run_id = _launch(client, "talker", "other")
        assert client.wait_for_run(run_id).status == host_pb2.SUCCESS

        talker_out = _weir(host, "runs", "logs", run_id, "--step", "talker")
        assert talker_out == "talker line 0\ntalker line 1\ntalker line 2\n"
        assert _weir(host, "runs", "logs", run_id, "--step", "talker", "--stderr") == "talker complains\n"
        everything = _weir(host, "runs", "logs", run_id)
        assert "==> talker <==\ntalker line 0\n" in everything
        assert "==> other <==\nother says hello\n" in everything
        assert "complains" not in everything
        batches = list(client.run_logs(run_id, stream="stderr"))
        assert [(c.step_key, c.stream, c.text) for b in batches for c in b.chunks] == [
            ("talker", "stderr", "talker complains\n")
        ]
        with pytest.raises(ConfigError, match="stream is 'both'"):
            list(client.run_logs(run_id, stream="both"))
        missing = subprocess.run(
            [sys.executable, "-m", "host.cli", "runs", "logs", "no-such-run"],
            env=host.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert missing.returncode == 1 and "no-such-run" in missing.stderr and "Traceback" not in missing.stderr

        shown = _weir(host, "runs", "show", run_id)
        assert "COMPUTE_LOG" not in shown and "talker line" not in shown
        assert (
            f"talker: 42 bytes of stdout, 17 bytes of stderr captured: `weir runs logs {run_id} --step talker "
            "[--stderr]`"
        ) in shown
        assert "INFO    ASSET_MATERIALIZATION" in shown
        assert "… (47,124 bytes)]" in shown and "iVBORw0KGgo" * 100 not in shown
        assert max(len(line) for line in shown.splitlines()) < 600

        warnings = _weir(host, "runs", "show", run_id, "--level", "warning", "--step", "talker")
        listed, notes = warnings.split("\nevents:\n")[1].split("compute logs:\n")
        logged = listed.splitlines()
        assert len(logged) == 2
        assert "WARNING LOG" in logged[0] and "a warning note" in logged[0]
        assert "ERROR   LOG" in logged[1] and "an error note" in logged[1]
        assert notes.splitlines() == [line for line in shown.splitlines() if line.startswith("  talker: ")]


def test_a_step_past_the_cap_is_stored_truncated_with_the_marker_and_succeeds(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        run_id = _launch(client, "loud")
        assert client.wait_for_run(run_id).status == host_pb2.SUCCESS
        out = _weir(host, "runs", "logs", run_id, "--step", "loud")
        body, marker = out[: 10 * 1024 * 1024], out[10 * 1024 * 1024 :]
        assert set(body) == {"y", "\n"}
        assert marker == (
            "[Weir dropped 1,048,576 bytes of stdout of step 'loud': each stream of a step keeps "
            "at most 10,485,760 bytes]\n"
        )
        shown = _weir(host, "runs", "show", run_id)
        assert (
            "loud: 10,485,760 bytes of stdout, 0 bytes of stderr captured (1,048,576 bytes past the cap "
            "dropped)" in shown
        )


def test_runs_logs_follow_prints_the_tail_while_the_step_runs_and_exits_when_the_run_ends(tmp_path, backend):
    with _host(tmp_path, backend) as host:
        client = host.client()
        run_id = _launch(client, "gated")
        follower = subprocess.Popen(
            [sys.executable, "-m", "host.cli", "runs", "logs", run_id, "-f"],
            env=host.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(follower.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            wait_for(lambda: "before the gate\n" in lines, 60, what="the first line, before the gate opens")
            assert follower.poll() is None and "after the gate\n" not in lines
            (tmp_path / "gate" / f"{run_id}.open").touch()
            assert follower.wait(60) == 0, follower.stderr.read()
        finally:
            if follower.poll() is None:
                follower.kill()
                follower.wait()
        reader.join(10)
        assert lines == ["==> gated <==\n", "before the gate\n", "after the gate\n"]
        assert client.get_run(run_id).status == host_pb2.SUCCESS
