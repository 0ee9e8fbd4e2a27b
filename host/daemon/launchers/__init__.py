"""The run launchers (host.domain.launcher.RunLauncher), chosen in weir.yaml as `run_launcher:`."""

from __future__ import annotations

from host.config import RunLauncherConfig
from host.daemon.launchers.default import CodeServerLauncher
from host.domain.launcher import RunLauncher
from host.errors import ConfigError
from host.locations.instance_link import InstanceHandler
from host.locations.workspace import WorkspaceManager


def build_launcher(
    config: RunLauncherConfig, workspace: WorkspaceManager, instance_handler: InstanceHandler | None = None
) -> RunLauncher:
    """The launcher weir.yaml names (its config was checked when weir.yaml was read); instance_handler
    answers context.instance of runs in containers (the default launcher's runs ask their code server)."""
    if config.module == "docker":
        try:
            from host.daemon.launchers.docker import DockerRunLauncher  # needs the `docker` package
        except ImportError as exc:
            raise ConfigError(
                f"run_launcher: docker needs the Docker SDK for Python in the host's environment ({exc}): "
                "pip install 'weir[docker]' (the host image has it)"
            ) from None
        return DockerRunLauncher(config.docker, instance_handler=instance_handler)
    return CodeServerLauncher(workspace)
