"""What the Host API's servicers need of the host: its storage, workspace, configuration and clock.

A protocol rather than the host object itself (host/serve/app.py), so the API sits below the process
that assembles it and can be served over any host that provides these (rule 9: one service layer,
several faces).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine

from host.config import HostConfig
from host.locations.workspace import WorkspaceManager


class HostServices(Protocol):
    engine: Engine
    workspace: WorkspaceManager
    config: HostConfig
    clock: Callable[[], float]

    def wake_queue(self) -> None:
        """Start just-launched runs now rather than at the next queue pass."""
