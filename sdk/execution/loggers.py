"""A run's loggers: built from the job's logger definitions when the run starts, then fed every log
record of the run (context.log messages at their level, events at DEBUG, failures at ERROR), in the
process that collects the run's events. Also routes get_dagster_logger() records into the step's log."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any

from sdk.errors import DagsterInvalidConfigError, WeirError
from sdk.events import Event

_ERROR_EVENTS = frozenset({"STEP_FAILURE", "RUN_FAILURE"})
_SILENT = frozenset({"COMPUTE_LOG"})  # a step's stdout and stderr are not log records


def with_run_loggers(emit: Callable[[Event], None], job: Any, run_config: Any, run_id: str) -> Callable[[Event], None]:
    """emit, also handing each event to the job's loggers as a logging record."""
    loggers = build_run_loggers(job, run_config, run_id)

    def emit_and_log(event: Event) -> None:
        emit(event)
        if event.type in _SILENT:
            return
        level = _event_level(event)
        step = f"{event.step_key} - " if event.step_key else ""
        kind = "" if event.type == "LOG" else f"{event.type} - "
        meta = {
            "run_id": run_id,
            "job_name": job.name,
            "step_key": event.step_key or None,
            "orig_message": event.message,
            "dagster_event_type": None if event.type == "LOG" else event.type,
        }
        for made in loggers:
            made.log(level, f"{job.name} - {run_id} - {step}{kind}{event.message}", extra={"dagster_meta": meta})

    return emit_and_log


def _event_level(event: Event) -> int:
    if event.type == "LOG":
        level = logging.getLevelName(str(event.level or "INFO").upper())
        return level if isinstance(level, int) else logging.INFO
    return logging.ERROR if event.type in _ERROR_EVENTS else logging.DEBUG


def build_run_loggers(job: Any, run_config: Any, run_id: str) -> list[logging.Logger]:
    from sdk.config_mappings import job_run_config
    from sdk.loggers import InitLoggerContext

    config = job_run_config(job.config, run_config, job.graph).get("loggers") or {}
    if not isinstance(config, dict):
        raise DagsterInvalidConfigError("Invalid run config at loggers: expected a dict of logger names.")
    unknown = sorted(set(config) - set(job.logger_defs) - {"console"})
    if unknown:
        raise DagsterInvalidConfigError(
            f'Invalid run config at loggers.{unknown[0]}: job "{job.name}" has no logger "{unknown[0]}"; its '
            f"loggers are {sorted(job.logger_defs)}."
        )
    made = []
    for name, definition in sorted(job.logger_defs.items()):
        entry = config.get(name) or {}
        logger_config = definition.process_config(entry.get("config"), f"loggers.{name}.config")
        try:
            made.append(definition.logger_fn(InitLoggerContext(logger_config, definition, job, run_id)))
        except Exception as exc:
            raise WeirError(f'Logger "{name}" failed to start: {type(exc).__name__}: {exc}') from exc
    return made


class _ToStepLog(logging.Handler):
    def __init__(self, log: Any) -> None:
        super().__init__(logging.DEBUG)
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        method = getattr(self._log, record.levelname.lower(), self._log.info)
        method(record.getMessage())


@contextlib.contextmanager
def dagster_logger_to(log: Any) -> Iterator[None]:
    """While a step computes, records of get_dagster_logger() loggers become the step's LOG events."""
    target = logging.getLogger("dagster.builtin")
    handler = _ToStepLog(log)
    previous = target.level
    target.addHandler(handler)
    if target.level == logging.NOTSET or target.level > logging.DEBUG:
        target.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)
