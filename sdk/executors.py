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
        if self.name == "multiprocess" and isinstance(config, dict) and {"in_process", "multiprocess"} & set(config):
            # Dagster's multi_or_in_process_executor form: {"multiprocess": {...}} or {"in_process": {}}
            chosen = "in_process" if "in_process" in config else "multiprocess"
            inner = config[chosen] or {}
            inner = inner.get("config", inner) if isinstance(inner, dict) else {}
            return ExecutorDefinition(chosen, {**self.config, **inner} if chosen == "multiprocess" else dict(inner))
        return ExecutorDefinition(self.name, {**self.config, **config})

    @property
    def max_concurrent(self) -> int:
        value = self.config.get("max_concurrent") or 0
        return int(value) if value else (os.cpu_count() or 1)


in_process_executor = ExecutorDefinition("in_process")
multiprocess_executor = ExecutorDefinition("multiprocess")
# Dagster's default executor: multiprocess unless configured (or a run's config says) {"in_process": {}}
multi_or_in_process_executor = ExecutorDefinition("multiprocess")
# Steps as Celery tasks on `weir celery worker` processes (sdk/execution/celery.py); configure with
# .configured({"broker": ..., "backend": ..., "default_queue": ..., "default_priority": ...,
# "heartbeat_timeout": ..., "config_source": {...}}). celery is imported only when a run uses it.
celery_executor = ExecutorDefinition("celery")
