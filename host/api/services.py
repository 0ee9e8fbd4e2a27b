"""What the Host API's servicers need of the host: its storage, workspace, configuration, clock and daemon.

A protocol rather than the host object itself (host/serve/app.py), so the API sits below the process
that assembles it and can be served over any host that provides these (rule 9: one service layer,
several faces).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine

from host.config import HostConfig
from host.daemon.leader import LeaderElector
from host.daemon.runner import Daemon
from host.domain.launcher import RunLauncher
from host.locations.workspace import WorkspaceChange, WorkspaceManager


class HostServices(Protocol):
    """Read-only members: the API uses the host's parts, it never replaces them."""

    @property
    def engine(self) -> Engine: ...
    @property
    def workspace(self) -> WorkspaceManager: ...
    @property
    def config(self) -> HostConfig: ...
    @property
    def clock(self) -> Callable[[], float]: ...
    @property
    def launcher(self) -> RunLauncher:
        """Where runs execute (weir.yaml run_launcher): cancel goes through it."""

    @property
    def leader(self) -> LeaderElector:
        """The daemon's leader lease (GetDaemonStatus reports it)."""

    @property
    def daemon(self) -> Daemon:
        """The daemon's loops (GetDaemonStatus reports their heartbeats)."""

    def reload_workspace(self) -> WorkspaceChange:
        """Apply workspace.yaml as it is now."""

    def wake_queue(self) -> None:
        """Start just-launched runs now rather than at the next queue pass."""
