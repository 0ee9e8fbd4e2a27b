"""Helpers for tests that start real processes: a host under `weir dev`, location environments.

Every process a test starts lives in its own session and is stopped (with its whole group) when the
test ends, pass or fail. Nothing is ever killed by name: processes are found by their own pids or by
a path unique to the test in their command line.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from host.cli.client import HostClient
from protos import wire
from protos.weir.v1 import codeserver_pb2, codeserver_pb2_grpc, snapshot_pb2

REPO = Path(__file__).resolve().parents[1]
VENV_CACHE = Path(os.environ.get("WEIR_TEST_VENV_CACHE", REPO / ".ci" / ".cache" / "venvs"))


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"):  # type: ignore[no-untyped-def]
    """Poll until predicate() is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:
            last_error = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last error: {last_error})")


def processes_mentioning(text: str) -> list[int]:
    """Pids of live (non-zombie) processes whose command line contains text."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if text in cmdline and state != "Z" and int(entry.name) != os.getpid():
            pids.append(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def kill_processes_mentioning(text: str) -> None:
    """Clean-up of last resort for a test's own processes (identified by the test's unique path)."""
    for pid in processes_mentioning(text):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class DevHost:
    """`weir dev` in a subprocess, with its own WEIR_HOME."""

    def __init__(
        self,
        weir_home: Path,
        args: list[str],
        env: dict[str, str] | None = None,
        stderr_path: Path | None = None,
        cwd: Path | None = None,  # a project folder: `weir dev` there finds its location in pyproject.toml
        python: Path | None = None,  # run `weir dev` under another environment's interpreter
    ) -> None:
        self.weir_home = weir_home
        self.env = {**os.environ, "WEIR_HOME": str(weir_home), **(env or {})}
        self.env.pop("WEIR_HOST_ADDRESS", None)
        self.stderr_path = stderr_path or weir_home / "host.stderr"
        weir_home.mkdir(parents=True, exist_ok=True)
        (weir_home / "host.json").unlink(missing_ok=True)  # left behind by a host that was killed
        with open(self.stderr_path, "ab") as err:
            self.proc = subprocess.Popen(
                [str(python or sys.executable), "-m", "host.cli", "dev", "--port", "0", *args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
                cwd=cwd or REPO,
            )

    def client(self, timeout: float = 30.0) -> HostClient:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"weir dev exited with {self.proc.returncode}:\n{self.stderr()}")
            return (self.weir_home / "host.json").exists()

        wait_for(ready, timeout, what="weir dev to write host.json")
        return HostClient.discover(self.weir_home)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-5000:]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> None:
        """kill -9 the host process alone (its code servers notice and exit by themselves)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


@contextlib.contextmanager
def dev_host(weir_home: Path, args: list[str], **kwargs) -> Iterator[DevHost]:  # type: ignore[no-untyped-def]
    host = DevHost(weir_home, args, **kwargs)
    try:
        yield host
    finally:
        host.stop()
        kill_processes_mentioning(str(weir_home))


def location_venv(requirements: list[str]) -> Path:
    """A virtualenv with weir (this checkout, editable) and the given requirements; returns its python.

    Cached by the requirements and pyproject.toml, so the suite builds each environment once; a lock
    keeps two pytest-xdist workers from building the same one at once. Built with uv when the test
    environment has it (the dev extras bring it: seconds instead of half a minute), else venv and pip.
    """
    digest = hashlib.sha256("\n".join(requirements).encode() + (REPO / "pyproject.toml").read_bytes())
    venv = VENV_CACHE / digest.hexdigest()[:16]
    python = venv / "bin" / "python"
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    with open(VENV_CACHE / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes (or this process dies)
        if python.exists() and (venv / ".complete").exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        if uv:
            subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
            install = [uv, "pip", "install", "-q", "--python", str(python)]
        else:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            install = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*install, "-e", str(REPO), *requirements], check=True)
        (venv / ".complete").touch()
    return python


class RunningCodeServer:
    """A code server process on a free port, with a token."""

    def __init__(self, tmp: Path, code_file: Path, runs_dir: Path, token: str) -> None:
        self.tmp = tmp
        ready = tmp / f"ready-{time.monotonic_ns()}.json"
        env = {**os.environ, "WEIR_TOKEN": token, "WEIR_TEST_GATE": str(tmp / "gate")}
        self.log = open(tmp / "server.log", "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "codeserver",
                "start",
                "-f",
                str(code_file),
                "--port",
                "0",
                "--ready-file",
                str(ready),
                "--runs-dir",
                str(runs_dir),
                "--location-name",
                "shop",
            ],
            env=env,
            cwd=REPO,
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )
        info = wait_for(lambda: ready.exists() and json.loads(ready.read_text()), 30, what="the server to bind")
        self.address = f"127.0.0.1:{info['port']}"
        self.channel = wire.open_channel(self.address)
        self.stub = codeserver_pb2_grpc.CodeServerStub(self.channel)
        self.metadata = wire.call_metadata(token)

    def handshake(self) -> codeserver_pb2.HandshakeReply:
        return self.stub.Handshake(
            codeserver_pb2.HandshakeRequest(protocol_version=wire.PROTOCOL_VERSION), metadata=self.metadata, timeout=5
        )

    def wait_loaded(self) -> codeserver_pb2.HandshakeReply:
        return wait_for(lambda: (reply := self.handshake()).snapshot_id and reply, 30, what="the code to load")

    def snapshot(self) -> snapshot_pb2.Snapshot:
        chunks = list(self.stub.GetSnapshot(codeserver_pb2.GetSnapshotRequest(), metadata=self.metadata, timeout=10))
        return snapshot_pb2.Snapshot.FromString(b"".join(c.data for c in chunks))

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


def write_workspace(path: Path, entries: list[dict]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"load_from": entries}))
    return path


def host_json(weir_home: Path) -> dict:
    return json.loads((weir_home / "host.json").read_text())


@contextlib.contextmanager
def serving(tmp: Path, code: str, token: str) -> Iterator[RunningCodeServer]:
    """A loaded code server for `code` (written to tmp/shop.py, runs under tmp/runs, tmp/gate made for
    the code's gate files), stopped with every process of the test's folder at the end."""
    (tmp / "gate").mkdir(exist_ok=True)
    (tmp / "shop.py").write_text(code)
    running = RunningCodeServer(tmp, tmp / "shop.py", tmp / "runs", token)
    try:
        running.wait_loaded()
        yield running
    finally:
        running.stop()
        kill_processes_mentioning(str(tmp))


def chromium_path() -> str:
    """Debian's Chromium for the browser tests: waits for .ci/run's background install
    (WEIR_BROWSER_PREPARED), fails when CI requires it (WEIR_REQUIRE_BROWSER=1), else skips."""
    import pytest

    prepared = os.environ.get("WEIR_BROWSER_PREPARED")
    failed = ""
    if prepared:
        status = Path(prepared)
        wait_for(status.exists, 600, interval=1, what=f"the background Chromium install ({status})")
        if status.read_text().strip() != "0":
            log = status.with_suffix(".log")
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
            failed = f"; .ci/run's install failed with status {status.read_text().strip()}:\n{tail}"
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if Path(path).exists():
        return path
    message = (
        "Chromium is not installed: apt-get install chromium (then pip install playwright) to run the web UI tests"
        + failed
    )
    if os.environ.get("WEIR_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


EXAMPLES = REPO / "examples"


def example_pythons() -> dict[str, Path]:
    """The example workspace's two environments, with conflicting versions of the same package."""
    return {"sales": location_venv(["tabulate==0.8.10"]), "forecast": location_venv(["tabulate==0.9.0"])}


def example_entry(name: str, python: str | Path) -> dict[str, Any]:
    """A workspace.yaml entry for examples/NAME run by `python` (see example_pythons)."""
    return {
        "python_file": {
            "relative_path": str(EXAMPLES / name / "definitions.py"),
            "location_name": name,
            "working_directory": str(EXAMPLES / name),
            "executable_path": str(python),
        }
    }
