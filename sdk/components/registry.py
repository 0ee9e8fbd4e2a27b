"""Component types: the built-ins' short names and resolving a defs.yaml's `type:` to a class."""

from __future__ import annotations

import importlib
from typing import Any

# `type:` short names -> module.Class. Dagster's names are accepted for the types Weir ships too.
BUILTIN_NAMES: dict[str, str] = {
    "weir.DefsFolderComponent": "sdk.components.folder.DefsFolderComponent",
    "weir.FunctionComponent": "sdk.components.function.FunctionComponent",
    "weir.SqlComponent": "sdk.components.sql.SqlComponent",
}
ALIASES: dict[str, str] = {
    "dagster.DefsFolderComponent": "weir.DefsFolderComponent",
    "dagster.FunctionComponent": "weir.FunctionComponent",
}


class UnknownComponentType(Exception):
    """A `type:` that names no component class; the caller adds the file and line."""


def resolve_type(name: str, folder_module: str) -> type:
    """The class a `type:` names: a built-in short name, `package.module.Class`, or `.module.Class`
    relative to the package of the defs.yaml's folder."""
    from sdk.components.core import Component

    name = ALIASES.get(name, name)
    target = BUILTIN_NAMES.get(name, name)
    if target.startswith("."):
        target = folder_module + target
    module_name, _, attribute = target.rpartition(".")
    if not module_name:
        raise UnknownComponentType(f"type {name!r} is not module.Class (built-ins: {', '.join(BUILTIN_NAMES)})")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UnknownComponentType(
            f"type {name!r}: module {module_name!r} cannot be imported ({exc}); built-ins: {', '.join(BUILTIN_NAMES)}"
        ) from None
    cls: Any = getattr(module, attribute, None)
    if not (isinstance(cls, type) and issubclass(cls, Component)):
        raise UnknownComponentType(f"type {name!r}: {module_name} has no Component subclass {attribute!r}")
    return cls


def type_name(cls: type) -> str:
    """The `type:` string that names a component class: a built-in's short name, else module.Class."""
    for name, target in BUILTIN_NAMES.items():
        if target == f"{cls.__module__}.{cls.__qualname__}":
            return name
    return f"{cls.__module__}.{cls.__qualname__}"


def builtin_types() -> list[type]:
    return [resolve_type(name, "") for name in BUILTIN_NAMES]


def known_types() -> list[type]:
    """The built-ins and every Component subclass imported so far (after loading a project: its own)."""
    from sdk.components.core import Component

    found: dict[str, type] = {}
    for cls in builtin_types():
        found.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
    pending = list(Component.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__name__.startswith("_"):
            found.setdefault(f"{cls.__module__}.{cls.__qualname__}", cls)
    return sorted(
        found.values(),
        key=lambda c: (c.__module__ != "sdk.components" and not c.__module__.startswith("sdk."), c.__qualname__),
    )
