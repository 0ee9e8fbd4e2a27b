"""Executor definitions: how a run's steps are scheduled (the engine lives in sdk/execution/)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExecutorDefinition:
    """Which executor a job uses, with its config (max_concurrent for multiprocess)."""

    name: str
    config: dict[str, Any] = field(default_factory=dict)

    def configured(self, config: dict[str, Any]) -> ExecutorDefinition:
        return ExecutorDefinition(self.name, {**self.config, **config})

    @property
    def max_concurrent(self) -> int:
        value = self.config.get("max_concurrent") or 0
        return int(value) if value else (os.cpu_count() or 1)


in_process_executor = ExecutorDefinition("in_process")
multiprocess_executor = ExecutorDefinition("multiprocess")
# Steps as Celery tasks on `weir celery worker` processes (sdk/execution/celery.py); configure with
# .configured({"broker": ..., "backend": ..., "default_queue": ..., "default_priority": ...,
# "heartbeat_timeout": ..., "config_source": {...}}). celery is imported only when a run uses it.
celery_executor = ExecutorDefinition("celery")
