"""Dagster types: named runtime checks for inputs and outputs, built from DagsterType or type hints."""

from __future__ import annotations

import contextlib
import types as _pytypes
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True)
class TypeCheck:
    """The result of a type check function that wants to explain itself."""

    success: bool
    description: str | None = None
    metadata: dict = field(default_factory=dict)


class TypeCheckContext:
    """What a type check function gets as its first argument: the run id, a log and resources (empty
    outside a run)."""

    def __init__(self, run_id: str = "", log: Any = None, resources: Any = None) -> None:
        import logging
        from types import SimpleNamespace

        self.run_id = run_id
        self.log = log if log is not None else logging.getLogger("dagster.builtin")  # get_dagster_logger()
        self.resources = resources if resources is not None else SimpleNamespace()


_DEFAULT_CONTEXT: list[TypeCheckContext] = []


def _default_context() -> TypeCheckContext:
    """The one TypeCheckContext of checks made outside a step's resources (made on first use)."""
    if not _DEFAULT_CONTEXT:
        _DEFAULT_CONTEXT.append(TypeCheckContext())
    return _DEFAULT_CONTEXT[0]


class DagsterType:
    """A named check a value must pass; type_check_fn(context, value) returns bool or TypeCheck."""

    def __init__(
        self,
        type_check_fn: Callable[[Any, Any], bool | TypeCheck],
        name: str | None = None,
        description: str | None = None,
        typing_type: Any = Any,
        is_nothing: bool = False,
        loader: Any = None,
    ) -> None:
        self.loader = loader  # a DagsterTypeLoader: builds a value of an unconnected input from run config
        self.type_check_fn = type_check_fn
        self.name: str = name or getattr(type_check_fn, "__name__", None) or "Unnamed"
        self.description = description
        self.typing_type = typing_type
        self.is_nothing = is_nothing

    @property
    def display_name(self) -> str:
        return self.name

    def type_check(self, context: Any, value: Any) -> TypeCheck:
        result = self.type_check_fn(context, value)
        if isinstance(result, TypeCheck):
            return result
        if not isinstance(result, bool):
            raise TypeError(
                f"The type check function of DagsterType {self.name!r} returned {result!r}; "
                "return a bool or a TypeCheck."
            )
        return TypeCheck(success=result)

    def __repr__(self) -> str:
        return f"DagsterType({self.name!r})"


class PythonObjectDagsterType(DagsterType):
    """A DagsterType whose check is isinstance against a Python type (or a tuple of types).

    Args:
        python_type: the class (or tuple of classes) values must be instances of.
        name: the type's name (the class's name by default).
        description: what the type means.
    """

    def __init__(
        self,
        python_type: type | tuple[type, ...],
        name: str | None = None,
        description: str | None = None,
        loader: Any = None,
    ):
        types = python_type if isinstance(python_type, tuple) else (python_type,)
        if not types or not all(isinstance(t, type) for t in types):
            raise TypeError(f"PythonObjectDagsterType takes a class or a tuple of classes, got {python_type!r}.")
        shown = " or ".join(t.__name__ for t in types)

        def check(_context: Any, value: Any) -> TypeCheck:
            if isinstance(value, types):
                return TypeCheck(success=True)
            return TypeCheck(
                success=False,
                description=f"Value of type {type(value)} failed type check for Dagster type {self.name}, expected "
                f"value to be of Python type {shown}.",
            )

        super().__init__(
            check, name=name or types[0].__name__, description=description, typing_type=python_type, loader=loader
        )
        self.python_type = python_type


def check_dagster_type(dagster_type: Any, value: Any) -> TypeCheck:
    """The TypeCheck a value gets from a DagsterType (or a Python type, resolved as an annotation is), for
    testing a custom type: `assert dg.check_dagster_type(Even, 2).success`.

    Args:
        dagster_type: a DagsterType, or a Python type used as an annotation.
        value: the value to check.
    """
    return resolve_dagster_type(dagster_type).type_check(_default_context(), value)


def _isinstance_type(py_type: type, name: str) -> DagsterType:
    return DagsterType(lambda _c, v: isinstance(v, py_type), name=name, typing_type=py_type)


Any_ = DagsterType(lambda _c, _v: True, name="Any")
Nothing = DagsterType(lambda _c, v: v is None, name="Nothing", typing_type=type(None), is_nothing=True)
Int = DagsterType(lambda _c, v: isinstance(v, int) and not isinstance(v, bool), name="Int", typing_type=int)
Float = DagsterType(
    lambda _c, v: isinstance(v, (int, float)) and not isinstance(v, bool), name="Float", typing_type=float
)
String = _isinstance_type(str, "String")
Bool = _isinstance_type(bool, "Bool")

_BUILTINS: dict[Any, DagsterType] = {
    int: Int,
    float: Float,
    str: String,
    bool: Bool,
    Any: Any_,
    type(None): Nothing,
    None: Nothing,
}
_CACHE: dict[Any, DagsterType] = {}


_REGISTERED: dict[Any, DagsterType] = {}  # Python class -> the DagsterType its annotations stand for


def make_python_type_usable_as_dagster_type(python_type: type, dagster_type: DagsterType) -> None:
    """Annotations of `python_type` (op inputs and outputs, asset returns) stand for `dagster_type`.

    Args:
        python_type: the class used in annotations.
        dagster_type: the DagsterType checking its values.
    """
    if not isinstance(dagster_type, DagsterType):
        raise TypeError(f"make_python_type_usable_as_dagster_type takes a DagsterType, got {dagster_type!r}.")
    known = _REGISTERED.get(python_type)
    if known is not None and known is not dagster_type:
        raise DagsterInvalidDefinitionError(
            f"{python_type.__name__} already stands for DagsterType {known.name!r}; a class maps to one type."
        )
    _REGISTERED[python_type] = dagster_type
    _CACHE.pop(python_type, None)


def usable_as_dagster_type(name: Any = None, description: str | None = None) -> Any:
    """Class decorator: annotations of the class stand for a DagsterType checking isinstance (named like the
    class, or `name=`): `@dg.usable_as_dagster_type class Order: ...` or `@dg.usable_as_dagster_type(name="O")`."""

    def wrap(cls: type) -> type:
        make_python_type_usable_as_dagster_type(
            cls, PythonObjectDagsterType(cls, name=name if isinstance(name, str) else None, description=description)
        )
        return cls

    return wrap(name) if isinstance(name, type) else wrap


def resolve_dagster_type(hint: Any) -> DagsterType:
    """The DagsterType for a user's type annotation, DagsterType, or None (no annotation: Any)."""
    if isinstance(hint, DagsterType):
        return hint
    registered = _REGISTERED.get(hint) if isinstance(hint, type) else None
    if registered is not None:
        return registered
    if hint is None or hint is Any or hint is typing.Any:
        return Any_
    try:
        cached = _CACHE.get(hint)
    except TypeError:
        cached = None
    if cached is not None:
        return cached
    built = _build(hint)
    with contextlib.suppress(TypeError):
        _CACHE[hint] = built
    return built


def _build(hint: Any) -> DagsterType:
    if hint in _BUILTINS:
        return _BUILTINS[hint]
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return resolve_dagster_type(typing.get_args(hint)[0])
    if origin in (typing.Union, _pytypes.UnionType):
        members = [resolve_dagster_type(a) for a in typing.get_args(hint)]
        optional = [m for m in members if m is not Nothing]
        name = (
            f"Optional[{optional[0].name}]"
            if len(optional) == 1 and len(members) == 2
            else "Union[" + ", ".join(m.name for m in members) + "]"
        )
        return DagsterType(lambda c, v: any(m.type_check(c, v).success for m in members), name=name, typing_type=hint)
    if origin is not None and isinstance(origin, type):
        args = ", ".join(getattr(a, "__name__", str(a)) for a in typing.get_args(hint))
        return DagsterType(
            lambda _c, v: isinstance(v, origin), name=f"{origin.__name__.capitalize()}[{args}]", typing_type=hint
        )
    if isinstance(hint, type):
        return _isinstance_type(hint, hint.__name__)
    return Any_


def check_value(dagster_type: DagsterType, value: Any, what: str) -> str | None:
    """None when the value passes; otherwise a message naming the value and the type."""
    result = dagster_type.type_check(_default_context(), value)
    if result.success:
        return None
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    detail = f" {result.description}" if result.description else ""
    return (
        f"Type check failed for {what}: the value {shown} (of Python type {type(value).__name__}) "
        f'is not a "{dagster_type.name}".{detail}'
    )
