"""Config: pydantic v2 models for op/asset config, RunConfig, EnvVar, and JSON Schemas for the snapshot.

This module imports pydantic; `sdk` loads it only when a config name is first used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError

from sdk.config_types import Field, convert_schema
from sdk.errors import DagsterInvalidConfigError


class _RemembersEnvVars(BaseModel):
    """Keeps the EnvVars it was built with: pydantic turns them into plain strings (their names)."""

    _weir_state: dict = PrivateAttr(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        super().__init__(**data)
        env = {k: v for k, v in data.items() if _holds_env(v)}
        if env:
            self._weir_state["env"] = env


class Config(_RemembersEnvVars):
    """Base class for the config of an asset or op: fields with types and defaults, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class PermissiveConfig(Config):
    """Config that also accepts keys it does not declare."""

    model_config = ConfigDict(extra="allow", frozen=True, arbitrary_types_allowed=True)


class EnvVar(str):
    """A value read from the environment when the run starts, not when the code is loaded."""

    @property
    def env_var_name(self) -> str:
        return str.__str__(self)

    def get_value(self, default: str | None = None) -> str | None:
        return os.environ.get(self.env_var_name, default)

    @classmethod
    def int(cls, name: str) -> EnvVar:
        return _IntEnvVar(name)

    def __repr__(self) -> str:
        return f"EnvVar({self.env_var_name!r})"


class _IntEnvVar(EnvVar):
    pass


def _holds_env(value: Any) -> bool:
    if isinstance(value, EnvVar):
        return True
    if isinstance(value, Mapping):
        return any(_holds_env(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_env(v) for v in value)
    if isinstance(value, BaseModel):
        return any(_holds_env(v) for v in given_fields(value).values())
    return False


def given_fields(model: BaseModel) -> dict[str, Any]:
    """A Config's or resource's field values as given, EnvVars included (not yet read)."""
    env = model._weir_state.get("env", {}) if isinstance(model, _RemembersEnvVars) else {}
    # getattr with a default: a configure_at_launch() stand-in (model_construct) lacks its unset fields
    return {name: env.get(name, getattr(model, name, None)) for name in type(model).model_fields}


def resolve_env(value: Any, where: str) -> Any:
    """The environment's value for an EnvVar (or {"env": NAME}), at any depth: in dicts, lists, and the
    fields of nested Config and resources. Raises naming the variable when unset."""
    name = None
    if isinstance(value, EnvVar):
        name = value.env_var_name
    elif isinstance(value, Mapping) and set(value) == {"env"}:
        name = str(value["env"])
    if name is None:
        if isinstance(value, Mapping):
            return {k: resolve_env(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(resolve_env(v, f"{where}[{i}]") for i, v in enumerate(value))
        if isinstance(value, BaseModel) and _holds_env(value):
            # a copy of the same class (a subclass stays itself), built from the resolved fields
            return validate_config(type(value), resolve_env(given_fields(value), where), where)
        return value
    if name not in os.environ:
        raise DagsterInvalidConfigError(
            f'Environment variable "{name}" is not set (needed by {where}). Set it in the environment of the '
            "code location."
        )
    raw = os.environ[name]
    return int(raw) if isinstance(value, _IntEnvVar) else raw


class RunConfig:
    """Typed run config: ops={name: Config()}, resources={key: resource or dict}."""

    def __init__(
        self,
        ops: Mapping[str, Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        loggers: Mapping[str, Any] | None = None,
        execution: Mapping[str, Any] | None = None,
    ) -> None:
        self.ops = dict(ops or {})
        self.resources = dict(resources or {})
        self.loggers = dict(loggers or {})
        self.execution = dict(execution or {})

    def to_config_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.ops:
            out["ops"] = {k: _op_entry(v) for k, v in self.ops.items()}
        if self.resources:
            out["resources"] = {k: _resource_entry(v) for k, v in self.resources.items()}
        if self.execution:
            out["execution"] = self.execution
        if self.loggers:
            out["loggers"] = self.loggers
        return out


def _op_entry(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {"config": _dump_keeping_env(value)}
    if isinstance(value, RunConfig):
        return {"ops": value.to_config_dict().get("ops", {})}
    return value


def _dump_keeping_env(model: BaseModel) -> dict[str, Any]:
    """model_dump, except that EnvVars stay {"env": NAME}, to be read when the run starts."""
    dumped = model.model_dump()
    for name, value in given_fields(model).items():
        if _holds_env(value):
            dumped[name] = _env_form(value)
    return dumped


def _env_form(value: Any) -> Any:
    if isinstance(value, EnvVar):
        return {"env": value.env_var_name}
    if isinstance(value, Mapping):
        return {k: _env_form(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_env_form(v) for v in value]
    if isinstance(value, BaseModel):
        return _dump_keeping_env(value)
    return value


def _resource_entry(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {"config": value.model_dump(exclude_unset=True)}
    return value


def to_run_config_dict(run_config: Any) -> dict[str, Any]:
    if run_config is None:
        return {}
    if isinstance(run_config, RunConfig):
        return run_config.to_config_dict()
    if isinstance(run_config, Mapping):
        return {k: (_ops_dict(v) if k == "ops" else v) for k, v in run_config.items()}
    raise DagsterInvalidConfigError(f"run_config must be a dict or a RunConfig, got {type(run_config).__name__}.")


def _ops_dict(ops: Any) -> Any:
    return {k: _op_entry(v) for k, v in ops.items()} if isinstance(ops, Mapping) else ops


def config_class_from_schema(owner: str, schema: Any) -> Any:
    """The config type of a definition given config_schema=: a Config class as is, any older form (a dict of
    fields, a type, Field, Shape, ...) as a top-level sdk.config_types.Field."""
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return schema
    return convert_schema(schema, owner)


def is_config_class_hint(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, BaseModel)


def config_is_required(config_type: Any) -> bool:
    """Whether a launch must give this config (a required field without default somewhere at its top)."""
    if isinstance(config_type, Field):
        return config_type.is_required
    return bool(json.loads(json_schema(config_type)).get("required"))


def validate_config(cls: Any, value: Any, path: str) -> Any:
    """An instance of cls from a config dict (or, for an older-style schema, the plain value with defaults
    filled); the error names the field and the expected type."""
    if isinstance(cls, Field):
        return cls.process_config(value, path)
    if isinstance(value, cls):
        return value
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise DagsterInvalidConfigError(f"Invalid run config at {path}: expected a dict, got {value!r}.")
    try:
        return cls.model_validate(resolve_env(value, path))
    except ValidationError as exc:
        raise DagsterInvalidConfigError(format_validation_error(cls, exc, path)) from None


def format_validation_error(cls: type[BaseModel], exc: ValidationError, path: str) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        field = cls.model_fields.get(str(err["loc"][0])) if err["loc"] else None
        expected = _type_name(field.annotation) if field is not None else "no such field"
        if err["type"] == "missing":
            lines.append(f'{path}.{loc}: missing required field "{loc}" (expected {expected})')
        elif err["type"] == "extra_forbidden":
            allowed = ", ".join(cls.model_fields) or "none"
            lines.append(f'{path}.{loc}: unexpected field "{loc}"; the fields are: {allowed}')
        else:
            lines.append(f"{path}.{loc}: expected {expected}, got {err.get('input')!r} ({err['msg']})")
    return "Invalid run config:\n  " + "\n  ".join(lines)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__name__", None) or str(annotation).replace("typing.", "")


@cache
def json_schema(cls: Any) -> str:
    """The JSON Schema of a config or resource class (or an older-style schema), serialized deterministically."""
    schema = cls.json_schema() if isinstance(cls, Field) else cls.model_json_schema()
    return json.dumps(schema, sort_keys=True, separators=(",", ":"), default=str)
