"""Reading a user's compute function: which parameters are context, config, resources and inputs.

Config and resource classes are recognised by subclass checks only when their modules are loaded,
so that reading a function never imports pydantic.
"""

from __future__ import annotations

import inspect
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CONTEXT_NAMES = frozenset({"context", "_context", "ctx", "_ctx", "_"})
NO_DEFAULT = inspect.Parameter.empty


@dataclass
class ComputeSignature:
    """What a compute function asks for, by parameter name."""

    context_param: str | None = None
    config_param: str | None = None
    config_type: Any = None
    resource_params: dict[str, Any] = field(default_factory=dict)  # param -> annotated resource class
    input_names: list[str] = field(default_factory=list)
    input_hints: dict[str, Any] = field(default_factory=dict)
    input_defaults: dict[str, Any] = field(default_factory=dict)
    return_hint: Any = None
    is_generator: bool = False


def _hints(fn: Callable) -> dict[str, Any]:
    """Annotations as objects; strings (from __future__ import annotations) are evaluated only then."""
    raw = getattr(fn, "__annotations__", None) or {}
    if not any(type(v) is str for v in raw.values()):
        return raw
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except Exception:
        return {k: v for k, v in raw.items() if type(v) is not str}


def _parameters(fn: Callable) -> list[tuple[str, Any]]:
    """(name, default) of the named parameters, read from the code object (inspect.signature is slow)."""
    code = getattr(fn, "__code__", None)
    if code is None or hasattr(fn, "__wrapped__"):
        return [
            (p.name, p.default)
            for p in inspect.signature(fn).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    positional = names[: code.co_argcount]
    defaults = fn.__defaults__ or ()
    out: list[tuple[str, Any]] = []
    first_default = len(positional) - len(defaults)
    for i, name in enumerate(positional):
        out.append((name, defaults[i - first_default] if i >= first_default else NO_DEFAULT))
    kwdefaults = fn.__kwdefaults__ or {}
    for name in names[code.co_argcount :]:
        out.append((name, kwdefaults.get(name, NO_DEFAULT)))
    return out


def is_config_class(value: Any) -> bool:
    mod = sys.modules.get("sdk.config")
    return mod is not None and isinstance(value, type) and issubclass(value, mod.Config)


def is_resource_class(value: Any) -> bool:
    mod = sys.modules.get("sdk.resources")
    if mod is None:
        return False
    if typing.get_origin(value) is typing.Annotated:
        return any(a is mod.RESOURCE_PARAM_MARKER for a in typing.get_args(value)[1:])
    return isinstance(value, type) and issubclass(value, mod.ConfigurableResource)


def _is_context_type(value: Any) -> bool:
    mod = sys.modules.get("sdk.context")
    return mod is not None and isinstance(value, type) and issubclass(value, mod.OpExecutionContext)


def read_signature(fn: Callable, *, allow_context: bool = True) -> ComputeSignature:
    """Classify the parameters of fn; raise if they cannot be satisfied."""
    code = getattr(fn, "__code__", None)
    sig = ComputeSignature(is_generator=bool(code is not None and code.co_flags & 0x20))
    hints = _hints(fn)
    sig.return_hint = hints.get("return")
    for index, (name, default) in enumerate(_parameters(fn)):
        hint = hints.get(name)
        if index == 0 and allow_context and (name in CONTEXT_NAMES or _is_context_type(hint)):
            sig.context_param = name
        elif hint is None:
            if name == "config":
                sig.config_param = name
            else:
                _add_input(sig, name, hint, default)
        elif type(hint) is type and hint in _PLAIN:
            _add_input(sig, name, hint, default)
        elif is_config_class(hint):
            sig.config_param, sig.config_type = name, hint
        elif is_resource_class(hint):
            sig.resource_params[name] = hint
        else:
            _add_input(sig, name, hint, default)
    return sig


_PLAIN = frozenset({int, str, float, bool, list, dict, tuple, set, bytes})


def _add_input(sig: ComputeSignature, name: str, hint: Any, default: Any) -> None:
    sig.input_names.append(name)
    sig.input_hints[name] = hint
    if default is not NO_DEFAULT:
        sig.input_defaults[name] = default
