"""Code servers the host starts itself, each under its location's own interpreter.

The host execs `<executable_path> -m codeserver start ...` and never imports codeserver, so a
location's environment needs only what its code server needs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from host.errors import ConfigError, LocationUnavailable

READY_TIMEOUT = 60.0


@dataclass(frozen=True)
class SpawnSpec:
    """How to start one location's code server."""

    location_name: str
    target_args: tuple[str, ...]  # -f FILE | -m MODULE, [-a ATTR], [-d DIR]
    executable: str
    working_directory: str
    runs_dir: Path
    log_path: Path
    token: str | None
    storage_dir: Path | None = None  # where the default IO manager writes outputs


class CodeServerProcess:
    """One spawned code server: start, wait until its port is bound, stop."""

    def __init__(self, spec: SpawnSpec) -> None:
        self.spec = spec
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready_file = spec.log_path.with_suffix(".ready")
        self.port: int | None = None

    def start(self) -> None:
        spec = self.spec
        if not Path(spec.executable).exists():
            raise ConfigError(
                f"location {spec.location_name!r}: executable_path {spec.executable} does not "
                "exist. Create that environment (python -m venv) and install weir in it."
            )
        self._ready_file.unlink(missing_ok=True)
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        for private in ("WEIR_TOKEN", "WEIR_TLS_CERT", "WEIR_TLS_KEY"):  # the host's own, not the location's
            env.pop(private, None)
        if spec.token:
            env["WEIR_TOKEN"] = spec.token
        if spec.storage_dir is not None:
            env.setdefault("WEIR_STORAGE_DIR", str(spec.storage_dir))
        args = [
            spec.executable,
            "-m",
            "codeserver",
            "start",
            *spec.target_args,
            "--location-name",
            spec.location_name,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--runs-dir",
            str(spec.runs_dir),
            "--ready-file",
            str(self._ready_file),
            "--exit-with-parent",
        ]
        with open(spec.log_path, "ab") as log:
            self._proc = subprocess.Popen(
                args,
                cwd=spec.working_directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> int:
        """Wait until the server has bound its port; returns the port."""
        assert self._proc is not None, "start() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._ready_file.exists():
                self.port = int(json.loads(self._ready_file.read_text())["port"])
                return self.port
            if self._proc.poll() is not None:
                raise LocationUnavailable(
                    f"the code server of location {self.spec.location_name!r} exited with code "
                    f"{self._proc.returncode} before serving (interpreter {self.spec.executable}):\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.01)
        raise LocationUnavailable(
            f"the code server of location {self.spec.location_name!r} did not bind "
            f"its port within {timeout:.0f} s; see {self.spec.log_path}"
        )

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.spec.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after timeout. Run workers live in their own sessions and go on."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
