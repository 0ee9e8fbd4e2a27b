"""The run launchers (host.domain.launcher.RunLauncher), chosen in weir.yaml as `run_launcher:`."""

from __future__ import annotations

from host.config import RunLauncherConfig
from host.daemon.launchers.default import CodeServerLauncher
from host.domain.launcher import RunLauncher
from host.locations.instance_link import InstanceHandler
from host.locations.workspace import WorkspaceManager


def build_launcher(
    config: RunLauncherConfig, workspace: WorkspaceManager, instance_handler: InstanceHandler | None = None
) -> RunLauncher:
    """The launcher weir.yaml names (its config was checked when weir.yaml was read); instance_handler
    answers context.instance of runs in containers (the default launcher's runs ask their code server)."""
    if config.module == "docker":
        from host.daemon.launchers.docker import DockerRunLauncher  # needs the `docker` package

        return DockerRunLauncher(config.docker, instance_handler=instance_handler)
    return CodeServerLauncher(workspace)
