"""What the container tests share: the Docker engine they use and the compose deployment under test."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CI = REPO / "docker" / "ci"
PROJECT = "weir-ci"


@dataclass
class Engine:
    env: dict[str, str]
    started_here: bool

    def run(
        self,
        *args: str,
        timeout: float = 600,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            list(args),
            env={**self.env, **(env or {})},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result


@dataclass
class Deployment:
    engine: Engine
    env: dict[str, str]
    ports: dict[str, int]
    tokens: dict[str, str]
    postgres_password: str
    timings: dict[str, float] = field(default_factory=dict)

    def compose(
        self,
        *args: str,
        timeout: float = 600,
        check: bool = True,
        overlay: str | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """docker compose on compose.yaml + compose.ci.yaml (+ an overlay such as compose.run-containers.yaml)."""
        files = ["docker/compose.yaml", "docker/compose.ci.yaml", *([overlay] if overlay else [])]
        return self.engine.run(
            "docker",
            "compose",
            "-p",
            PROJECT,
            *(arg for f in files for arg in ("-f", f)),
            *args,
            timeout=timeout,
            check=check,
            env={**self.env, **(env or {})},
        )

    def container_state(self, service: str) -> dict[str, str]:
        container = self.compose("ps", "-a", "-q", service).stdout.strip()
        if not container:
            return {}
        fmt = "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"
        status, health = self.engine.run("docker", "inspect", "-f", fmt, container).stdout.split()
        return {"status": status, "health": health}

    def run_containers(self, run_id: str = "") -> list[str]:
        """Names of the containers the docker run launcher started (for one run, or all)."""
        label = f"weir.run_id={run_id}" if run_id else "weir.run_id"
        found = self.engine.run("docker", "ps", "-a", "--filter", f"label={label}", "--format", "{{.Names}}")
        return found.stdout.split()

    def remove_run_containers(self) -> None:
        names = self.run_containers()
        if names:
            self.engine.run("docker", "rm", "-f", *names, check=False)

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--timestamps", "--tail", "200", check=False).stdout

    @property
    def host_address(self) -> str:
        return f"127.0.0.1:{self.ports['host']}"

    @property
    def storage_url(self) -> str:
        return f"postgresql://weir:{self.postgres_password}@127.0.0.1:{self.ports['postgres']}/weir"
