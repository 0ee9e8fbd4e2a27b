"""Ops: the unit of computation. Assets and asset checks compile to ops too."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from sdk import _composition
from sdk._compute import ComputeSignature, read_signature
from sdk.errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from sdk.retries import RetryPolicy
from sdk.types import DagsterType, Nothing, resolve_dagster_type


class _NoValue:
    def __repr__(self) -> str:
        return "NoValue"


NoValue = _NoValue()


@dataclass
class In:
    """An op input: its type, default and metadata."""

    dagster_type: Any = None
    description: str | None = None
    default_value: Any = NoValue
    metadata: dict[str, Any] | None = None
    asset_key: Any = None
    input_manager_key: str | None = None


@dataclass
class Out:
    """An op output: its type, whether it must be produced, and the IO manager that stores it."""

    dagster_type: Any = None
    description: str | None = None
    is_required: bool = True
    io_manager_key: str | None = None
    metadata: dict[str, Any] | None = None
    code_version: str | None = None


@dataclass
class InputDef:
    """An input as the engine sees it: resolved type, default, IO details."""

    name: str
    dagster_type: DagsterType
    default_value: Any = NoValue
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    asset_key: Any = None
    input_manager_key: str | None = None

    @property
    def is_nothing(self) -> bool:
        return self.dagster_type.is_nothing


@dataclass
class OutputDef:
    """An output as the engine sees it."""

    name: str
    dagster_type: DagsterType
    is_required: bool = True
    io_manager_key: str = "io_manager"
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    code_version: str | None = None
    is_dynamic: bool = False  # a DynamicOut: any number of values, each with a mapping key


_DEFAULT_IN = In()
_NO_METADATA: dict[str, Any] = {}  # shared and never mutated: most inputs have no metadata


class OpDefinition:
    """A compute function with typed inputs and outputs, config, resources and a retry policy."""

    def __init__(
        self,
        compute_fn: Callable,
        name: str | None = None,
        ins: Mapping[str, In] | None = None,
        outs: Out | Mapping[str, Out] | None = None,
        description: str | None = None,
        config_schema: Any = None,
        required_resource_keys: set[str] | None = None,
        tags: Mapping[str, Any] | None = None,
        retry_policy: RetryPolicy | None = None,
        code_version: str | None = None,
        signature: ComputeSignature | None = None,
        extra_input_defs: list[InputDef] | None = None,
    ) -> None:
        self.compute_fn = compute_fn
        self.name = name or compute_fn.__name__
        self.description = description or (compute_fn.__doc__ or "").strip() or None
        self.signature = signature or read_signature(compute_fn)
        self.config_type = self.signature.config_type
        if self.config_type is None and config_schema is not None:
            from sdk.config import config_class_from_schema

            self.config_type = config_class_from_schema(self.name, config_schema)
        self.has_config_param = self.signature.config_param is not None
        self.tags = {str(k): str(v) for k, v in (tags or {}).items()}
        self.retry_policy = retry_policy
        self.code_version = code_version
        self.input_defs = self._build_inputs(dict(ins or {}), extra_input_defs or [])
        self.output_defs = self._build_outputs(outs)
        self.required_resource_keys = frozenset(required_resource_keys or ()) | frozenset(
            self.signature.resource_params
        )

    def _build_inputs(self, ins: dict[str, In], extra: list[InputDef]) -> dict[str, InputDef]:
        sig = self.signature
        unknown = set(ins) - set(sig.input_names)
        defs: dict[str, InputDef] = {}
        for name in sig.input_names:
            spec = ins.get(name) or _DEFAULT_IN
            hint = spec.dagster_type if spec.dagster_type is not None else sig.input_hints.get(name)
            default = spec.default_value
            if default is NoValue and name in sig.input_defaults:
                default = sig.input_defaults[name]
            defs[name] = InputDef(
                name,
                resolve_dagster_type(hint),
                default,
                spec.description,
                dict(spec.metadata) if spec.metadata else _NO_METADATA,
                spec.asset_key,
                spec.input_manager_key,
            )
        for name in sorted(unknown):
            spec = ins[name]
            dtype = resolve_dagster_type(spec.dagster_type)
            if not dtype.is_nothing:
                raise DagsterInvalidDefinitionError(
                    f'"{self.name}" declares input "{name}" in ins= but its function has no parameter '
                    f'"{name}". Add the parameter, or make the input In(Nothing) for an ordering-only dependency.'
                )
            defs[name] = InputDef(name, dtype, description=spec.description, asset_key=spec.asset_key)
        for extra_def in extra:
            defs.setdefault(extra_def.name, extra_def)
        return defs

    def _build_outputs(self, outs: Any) -> dict[str, OutputDef]:
        if outs is None:
            outs = {"result": Out()}
        elif isinstance(outs, Out):
            outs = {"result": outs}
        defs: dict[str, OutputDef] = {}
        single = len(outs) == 1
        for name, spec in outs.items():
            hint = spec.dagster_type
            if hint is None and single and not self.signature.is_generator:
                hint = _value_hint(self.signature.return_hint)
            defs[name] = OutputDef(
                name,
                resolve_dagster_type(hint),
                spec.is_required,
                spec.io_manager_key or "io_manager",
                spec.description,
                dict(spec.metadata or {}),
                spec.code_version,
                getattr(spec, "is_dynamic", False),
            )
        return defs

    @property
    def input_names(self) -> list[str]:
        return list(self.input_defs)

    @property
    def output_names(self) -> list[str]:
        return list(self.output_defs)

    @property
    def ins(self) -> dict[str, InputDef]:
        return self.input_defs

    @property
    def outs(self) -> dict[str, OutputDef]:
        return self.output_defs

    def alias(self, name: str) -> _PendingInvocation:
        return _PendingInvocation(self, alias=name)

    def tag(self, tags: Mapping[str, str]) -> _PendingInvocation:
        return _PendingInvocation(self, tags=dict(tags))

    def with_retry_policy(self, retry_policy: RetryPolicy) -> _PendingInvocation:
        return _PendingInvocation(self, retry_policy=retry_policy)

    def with_hooks(self, hook_defs: Any) -> _PendingInvocation:
        """This op called with hooks (inside a graph or job body): `my_op.with_hooks({on_failure})()`."""
        return _PendingInvocation(self, hooks=tuple(hook_defs))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _composition.current() is not None:
            return _composition.invoke(self, None, {}, None, args, kwargs)
        return direct_invoke(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<OpDefinition {self.name}>"


@dataclass
class _PendingInvocation:
    """An op or graph with an alias, tags or retry policy, waiting to be called inside a graph body."""

    definition: Any
    alias: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    retry_policy: Any = None
    hooks: tuple[Any, ...] = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _composition.current() is None:
            raise DagsterInvalidInvocationError(
                f'"{self.definition.name}" with an alias, tags, hooks or retry policy can only be called inside '
                "a @graph or @job body."
            )
        return _composition.invoke(self.definition, self.alias, self.tags, self.retry_policy, args, kwargs, self.hooks)

    @property
    def name(self) -> str:
        return self.alias or self.definition.name

    def aliased(self, name: str) -> _PendingInvocation:
        return dataclasses.replace(self, alias=name)

    def tag(self, tags: Mapping[str, str]) -> _PendingInvocation:
        return dataclasses.replace(self, tags={**self.tags, **tags})

    def with_hooks(self, hook_defs: Any) -> _PendingInvocation:
        return dataclasses.replace(self, hooks=(*self.hooks, *hook_defs))

    def with_retry_policy(self, retry_policy: Any) -> _PendingInvocation:
        return dataclasses.replace(self, retry_policy=retry_policy)


def _value_hint(hint: Any) -> Any:
    """The return annotation as a value type; result objects (Output, MaterializeResult, ...) say nothing."""
    import typing

    origin = typing.get_origin(hint) or hint
    if isinstance(origin, type) and origin.__module__ in ("sdk.outputs", "sdk.checks"):
        if origin.__name__ == "Output" and typing.get_args(hint):
            return typing.get_args(hint)[0]
        return None
    if origin in (tuple,) and any(
        getattr(a, "__module__", "") in ("sdk.outputs", "sdk.checks") for a in typing.get_args(hint)
    ):
        return None
    return hint


def direct_invoke(op_def: OpDefinition, args: tuple, kwargs: dict) -> Any:
    """Call an op's function directly (unit tests), passing a context first when it takes one; a config
    parameter and resource parameters left out come from the context (op_config, resources)."""
    sig = op_def.signature
    context = kwargs.get(sig.context_param) if sig.context_param else None
    if sig.context_param is not None and context is None:
        if args and _looks_like_context(args[0]):
            context = args[0]
        else:
            from sdk.context import build_op_context

            context = build_op_context()
            args = (context, *args)
    if context is not None and (sig.config_param or sig.resource_params):
        kwargs = {**kwargs, **_from_context(op_def, context, args, kwargs)}
    result = op_def.compute_fn(*args, **kwargs)
    if sig.is_generator:
        return list(result)
    return result


def _from_context(op_def: OpDefinition, context: Any, args: tuple, kwargs: dict) -> dict[str, Any]:
    """Config and resource parameters not given positionally or by name, read from the context."""
    from sdk._compute import _parameters

    given = {name for name, _ in _parameters(op_def.compute_fn)[: len(args)]} | set(kwargs)
    out: dict[str, Any] = {}
    config_param = op_def.signature.config_param
    if config_param and config_param not in given:
        from sdk.config import validate_config

        raw = context.op_config
        config_type = op_def.config_type
        out[config_param] = validate_config(config_type, raw, "config") if config_type is not None else raw
    for name in op_def.signature.resource_params:
        if name not in given and hasattr(context.resources, name):
            out[name] = getattr(context.resources, name)
    return out


def _looks_like_context(value: Any) -> bool:
    from sdk.context import OpExecutionContext

    return isinstance(value, OpExecutionContext)


@overload
def op(compute_fn: Callable[..., Any]) -> OpDefinition: ...


@overload
def op(
    compute_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Out | Mapping[str, Out] | None = None,
    config_schema: Any = None,
    required_resource_keys: set[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    version: str | None = None,
    pool: str | None = None,
) -> Callable[[Callable[..., Any]], OpDefinition]: ...


def op(
    compute_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    ins: Mapping[str, In] | None = None,
    out: Out | Mapping[str, Out] | None = None,
    config_schema: Any = None,
    required_resource_keys: set[str] | None = None,
    tags: Mapping[str, Any] | None = None,
    retry_policy: RetryPolicy | None = None,
    code_version: str | None = None,
    version: str | None = None,
    pool: str | None = None,
) -> OpDefinition | Callable[[Callable[..., Any]], OpDefinition]:
    """Declare an op from a function: @op or @op(name=..., ins=..., out=...); `version=` is Dagster's
    older spelling of code_version."""

    def build(fn: Callable[..., Any]) -> OpDefinition:
        from sdk._names import check_valid_name
        from sdk._unsupported import warn_unsupported

        op_name = check_valid_name(name, "Op") if name is not None else fn.__name__
        warn_unsupported(f"op '{op_name}'", pool=pool)
        if version is not None and code_version is not None and version != code_version:
            raise DagsterInvalidDefinitionError(
                f'op "{op_name}" got version={version!r} and code_version={code_version!r}; give code_version only.'
            )
        for input_name in ins or {}:
            check_valid_name(input_name, f'Input of op "{op_name}": the')
        for output_name in out if isinstance(out, Mapping) else ():
            check_valid_name(output_name, f'Output of op "{op_name}": the')
        return OpDefinition(
            fn,
            name=name,
            ins=ins,
            outs=out,
            description=description,
            config_schema=config_schema,
            required_resource_keys=required_resource_keys,
            tags=tags,
            retry_policy=retry_policy,
            code_version=code_version or version,
        )

    return build(compute_fn) if compute_fn is not None else build


__all__ = ["In", "NoValue", "Nothing", "OpDefinition", "Out", "op"]
