"""Loggers: @logger definitions a job (or Definitions) attaches to its runs. Each is built when a run
starts, from run config `loggers.<name>.config`, and receives the run's log records: the messages of
`context.log` and the run's events, as Dagster sends them."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from functools import cached_property
from typing import Any, overload

from sdk.errors import DagsterInvalidDefinitionError


class LoggerDefinition:
    """A function that makes a logging.Logger for a run from its config."""

    def __init__(
        self, logger_fn: Callable[..., logging.Logger], config_schema: Any = None, description: str | None = None
    ) -> None:
        if not callable(logger_fn):
            raise DagsterInvalidDefinitionError(f"@logger decorates a function; got {logger_fn!r}.")
        self.logger_fn = logger_fn
        self.config_schema = config_schema
        self.description = description or (getattr(logger_fn, "__doc__", None) or "").strip() or None

    @cached_property
    def config_type(self) -> Any:
        """The schema as a config type, made on first use (so defining a logger never imports pydantic)."""
        if self.config_schema is None:
            return None
        from sdk.config import config_class_from_schema

        return config_class_from_schema(getattr(self.logger_fn, "__name__", "logger"), self.config_schema)

    def process_config(self, value: Any, path: str) -> Any:
        """Plain config for the logger function: checked against the schema, defaults filled."""
        if self.config_type is None:
            return value if value is not None else {}
        from sdk.config import validate_config

        config = validate_config(self.config_type, value, path)
        return config.model_dump() if hasattr(config, "model_dump") else config

    def __call__(self, init_context: InitLoggerContext) -> logging.Logger:
        return self.logger_fn(init_context)

    def __repr__(self) -> str:
        return f"<LoggerDefinition {getattr(self.logger_fn, '__name__', '?')}>"


class InitLoggerContext:
    """What a logger function receives: its config, its definition, the job and the run id."""

    def __init__(
        self,
        logger_config: Any = None,
        logger_def: LoggerDefinition | None = None,
        job_def: Any = None,
        run_id: str = "",
    ) -> None:
        self.logger_config = logger_config if logger_config is not None else {}
        self.logger_def = logger_def
        self.job_def = job_def
        self.run_id = run_id


def build_init_logger_context(logger_config: Any = None, job_def: Any = None) -> InitLoggerContext:
    """A context for calling a logger function in a unit test."""
    return InitLoggerContext(logger_config, None, job_def, "")


@overload
def logger(config_schema: Callable[..., logging.Logger]) -> LoggerDefinition: ...


@overload
def logger(
    config_schema: Any = None, description: str | None = None
) -> Callable[[Callable[..., logging.Logger]], LoggerDefinition]: ...


def logger(config_schema: Any = None, description: str | None = None) -> Any:
    """Declare a logger: `@logger` or `@logger(config_schema={...})` over `def fn(init_context) -> Logger`."""
    if callable(config_schema) and not isinstance(config_schema, type) and not hasattr(config_schema, "fields"):
        return LoggerDefinition(config_schema)

    def build(fn: Callable[..., logging.Logger]) -> LoggerDefinition:
        return LoggerDefinition(fn, config_schema, description)

    return build


def _level(value: Any) -> int:
    if isinstance(value, int):
        return value
    level = logging.getLevelName(str(value).upper())
    return level if isinstance(level, int) else logging.INFO


def _console_logger(init_context: InitLoggerContext, formatter: logging.Formatter) -> logging.Logger:
    config = init_context.logger_config or {}
    made = logging.Logger(str(config.get("name") or "dagster"), _level(config.get("log_level") or "DEBUG"))
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    made.addHandler(handler)
    return made


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {"level": record.levelname, "msg": record.getMessage(), **getattr(record, "dagster_meta", {})}
        )


def _colored(init_context: InitLoggerContext) -> logging.Logger:
    return _console_logger(init_context, logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))


def _json(init_context: InitLoggerContext) -> logging.Logger:
    return _console_logger(init_context, _JsonFormatter())


def _optional_fields() -> Any:
    from sdk.config_types import Field

    return {
        "log_level": Field(str, is_required=False, default_value="INFO"),
        "name": Field(str, is_required=False, default_value="dagster"),
    }


class _BuiltinLogger(LoggerDefinition):
    """A built-in console logger; its schema is made on first use."""

    @cached_property
    def config_type(self) -> Any:
        from sdk.config import config_class_from_schema

        return config_class_from_schema("console_logger", _optional_fields())


colored_console_logger = _BuiltinLogger(_colored, description="The console logger, as text on stderr.")
json_console_logger = _BuiltinLogger(_json, description="The console logger, one JSON object per line on stderr.")


def get_dagster_logger(name: str | None = None) -> logging.Logger:
    """A logger whose records a running step also reports as its LOG events (outside a run: plain logging)."""
    return logging.getLogger("dagster.builtin" + (f".{name}" if name else ""))


def default_loggers() -> dict[str, LoggerDefinition]:
    """The loggers a job has when it declares none: {"console": colored_console_logger}."""
    return {"console": colored_console_logger}


def default_system_loggers(instance: Any = None) -> list[tuple[LoggerDefinition, dict[str, Any]]]:
    """The system loggers of a run and their config: the console logger at DEBUG."""
    return [(colored_console_logger, {"name": "dagster", "log_level": "DEBUG"})]
