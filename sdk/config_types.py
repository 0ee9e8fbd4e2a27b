"""Dagster's older config schema: Field, Shape, Permissive, Selector, Array, Noneable, Map, Enum and the
StringSource/IntSource/BoolSource env-var forms, plus the plain forms (`{"n": int}`, `[str]`, `int`).

Plain Python, no pydantic. A schema validates a value into plain dicts, lists and scalars with the defaults
filled in (what `context.op_config` and `context.resource_config` hold), reports every problem at once with
its config path, and describes itself as JSON Schema for the snapshot, so the host checks a launch too.
"""

from __future__ import annotations

import enum as _enum
import os
import typing
from collections.abc import Callable, Mapping
from typing import Any

from sdk.errors import DagsterInvalidConfigError, DagsterInvalidDefinitionError
from sdk.types import DagsterType


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


class _Walk:
    """One pass over a value: the problems found so far. post=False only checks (no env reads, no enum
    conversion): used for defaults at definition time, when the environment of a run is not known."""

    def __init__(self, post: bool = True) -> None:
        self.errors: list[str] = []
        self.post = post

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")


class ConfigType:
    """A node of a config schema."""

    description: str | None = None

    def describe(self) -> str:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        raise NotImplementedError

    def implicit_default(self) -> Any:
        """The value used when a field of this type is left out and has no default (NO_DEFAULT: required)."""
        return NO_DEFAULT

    def __repr__(self) -> str:
        return f"<config {self.describe()}>"


class _Scalar(ConfigType):
    def __init__(self, name: str, accepts: Callable[[Any], bool], json_type: str | None) -> None:
        self.name = name
        self.accepts = accepts
        self.json_type = json_type

    def describe(self) -> str:
        return self.name

    def json_schema(self) -> dict[str, Any]:
        return {"type": self.json_type} if self.json_type else {}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if not self.accepts(value):
            walk.fail(path, f"expected {self.name}, got {value!r}")
        return value


INT = _Scalar("int", lambda v: isinstance(v, int) and not isinstance(v, bool), "integer")
FLOAT = _Scalar("float", lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "number")
BOOL = _Scalar("bool", lambda v: isinstance(v, bool), "boolean")
STRING = _Scalar("str", lambda v: isinstance(v, str), "string")
ANY = _Scalar("any value", lambda v: True, None)


class Noneable(ConfigType):
    """A value of the inner type, or None; a field of this type is optional and defaults to None."""

    def __init__(self, inner_type: Any) -> None:
        self.inner_type = resolve_config_type(inner_type)

    def describe(self) -> str:
        return f"{self.inner_type.describe()} or None"

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self.inner_type.json_schema(), {"type": "null"}]}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        return None if value is None else self.inner_type.process(value, path, walk)

    def implicit_default(self) -> Any:
        return None


class Array(ConfigType):
    """A list whose items all have the inner type."""

    def __init__(self, inner_type: Any) -> None:
        self.inner_type = resolve_config_type(inner_type)

    def describe(self) -> str:
        return f"a list of {self.inner_type.describe()}"

    def json_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.inner_type.json_schema()}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if not isinstance(value, list):
            walk.fail(path, f"expected {self.describe()}, got {value!r}")
            return value
        return [self.inner_type.process(item, f"{path}[{i}]", walk) for i, item in enumerate(value)]


class ScalarUnion(ConfigType):
    """A scalar of one type, or a value of a non-scalar schema (e.g. a name, or {"name": ..., "size": ...})."""

    def __init__(self, scalar_type: Any, non_scalar_schema: Any, _key: str | None = None) -> None:
        self.scalar_type = resolve_config_type(scalar_type)
        self.non_scalar_type = resolve_config_type(non_scalar_schema)
        if not isinstance(self.scalar_type, (_Scalar, _Source)):
            raise DagsterInvalidDefinitionError(
                f"ScalarUnion(scalar_type=...) takes a scalar type (str, int, float, bool), got {scalar_type!r}."
            )

    def describe(self) -> str:
        return f"{self.scalar_type.describe()} or {self.non_scalar_type.describe()}"

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self.scalar_type.json_schema(), self.non_scalar_type.json_schema()]}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if isinstance(value, (Mapping, list)):
            return self.non_scalar_type.process(value, path, walk)
        return self.scalar_type.process(value, path, walk)


class Map(ConfigType):
    """A dict with keys of a scalar type and values of the inner type: Map(str, int) or {str: int}."""

    def __init__(self, key_type: Any, inner_type: Any, key_label_name: str | None = None) -> None:
        self.key_type = resolve_config_type(key_type)
        if not isinstance(self.key_type, _Scalar) or self.key_type is ANY:
            raise DagsterInvalidDefinitionError(f"Map keys must be int, float, bool or str, got {key_type!r}.")
        self.inner_type = resolve_config_type(inner_type)
        self.key_label_name = key_label_name

    def describe(self) -> str:
        return f"a dict of {self.key_type.describe()} to {self.inner_type.describe()}"

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.inner_type.json_schema()}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if not isinstance(value, Mapping):
            walk.fail(path, f"expected {self.describe()}, got {value!r}")
            return value
        out = {}
        for key, item in value.items():
            out[self.key_type.process(key, f"{path}[{key!r}]", walk)] = self.inner_type.process(
                item, f"{path}.{key}", walk
            )
        return out


class Shape(ConfigType):
    """A dict with named fields; keys it does not declare are errors."""

    permissive = False

    def __init__(
        self, fields: Mapping[str, Any], description: str | None = None, field_aliases: Mapping[str, str] | None = None
    ) -> None:
        self.fields = _expand_fields(fields)
        self.description = description
        self.field_aliases = dict(field_aliases or {})

    def describe(self) -> str:
        return "a dict"

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": {n: f.json_schema() for n, f in self.fields.items()}}
        if not self.permissive:
            schema["additionalProperties"] = False
        required = [n for n, f in self.fields.items() if f.is_required]
        if required:
            schema["required"] = required
        if self.description:
            schema["description"] = self.description
        return schema

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if value is None:  # `config:` left empty in YAML
            value = {}
        if not isinstance(value, Mapping):
            walk.fail(path, f"expected a dict, got {value!r}")
            return value
        aliases = {alias: name for name, alias in self.field_aliases.items()}
        given: dict[str, Any] = {aliases.get(str(k), str(k)): v for k, v in value.items()}
        out: dict[str, Any] = {}
        for name, field in self.fields.items():
            result = field.process_entry(name in given, given.get(name), f"{path}.{name}", name, walk)
            if result is not NO_DEFAULT:
                out[name] = result
        for key in given:
            if key in self.fields:
                continue
            if self.permissive:
                out[key] = given[key]
            else:
                allowed = ", ".join(self.fields) or "none"
                walk.fail(f"{path}.{key}", f'unexpected field "{key}"; the fields are: {allowed}')
        return out

    def implicit_default(self) -> Any:
        if any(f.is_required for f in self.fields.values()):
            return NO_DEFAULT
        return self.process({}, "", _Walk(post=False))


class Permissive(Shape):
    """A dict with some declared fields (checked) that also accepts keys it does not declare (passed through)."""

    permissive = True

    def __init__(self, fields: Mapping[str, Any] | None = None, description: str | None = None) -> None:
        super().__init__(fields or {}, description)


class Selector(ConfigType):
    """A dict with exactly one of its fields: the choice between several options."""

    def __init__(self, fields: Mapping[str, Any], description: str | None = None) -> None:
        self.fields = _expand_fields(fields)
        self.description = description

    def describe(self) -> str:
        return f"a dict with exactly one of: {', '.join(self.fields)}"

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {n: f.json_schema() for n, f in self.fields.items()},
            "additionalProperties": False,
            "maxProperties": 1,
        }
        if self.implicit_default() is NO_DEFAULT:
            schema["minProperties"] = 1
        if self.description:
            schema["description"] = self.description
        return schema

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            walk.fail(path, f"expected {self.describe()}, got {value!r}")
            return value
        if not value:
            default = self.implicit_default()
            if default is NO_DEFAULT:
                walk.fail(path, f"choose one of: {', '.join(self.fields)}; got none")
                return value
            value = default
        if len(value) > 1:
            walk.fail(path, f"choose exactly one of: {', '.join(self.fields)}; got {', '.join(map(str, value))}")
            return value
        name, inner = next(iter(value.items()))
        if name not in self.fields:
            walk.fail(f"{path}.{name}", f'unexpected field "{name}"; choose one of: {", ".join(self.fields)}')
            return value
        field = self.fields[name]
        if inner is None and isinstance(field.config_type, (Shape, Selector)):
            inner = {}
        return {name: field.config_type.process(inner, f"{path}.{name}", walk)}

    def implicit_default(self) -> Any:
        if len(self.fields) != 1:
            return NO_DEFAULT
        name, field = next(iter(self.fields.items()))
        return NO_DEFAULT if field.is_required else {name: field.default_value if field.default_provided else {}}


class EnumValue:
    """One allowed value of an Enum: the string written in config, and what the code receives."""

    def __init__(self, config_value: str, python_value: Any = None, description: str | None = None) -> None:
        self.config_value = config_value
        self.python_value = config_value if python_value is None else python_value
        self.description = description


class Enum(ConfigType):
    """One of a fixed set of strings; the code receives each one's python_value."""

    def __init__(self, name: str, enum_values: list[EnumValue]) -> None:
        self.name = name
        self.enum_values = list(enum_values)
        self._by_config = {v.config_value: v.python_value for v in self.enum_values}

    @classmethod
    def from_python_enum(cls, enum_type: type[_enum.Enum]) -> Enum:
        """Config values are the member names; the code receives the members."""
        return cls(enum_type.__name__, [EnumValue(m.name, m) for m in enum_type])

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self._by_config)

    def json_schema(self) -> dict[str, Any]:
        return {"title": self.name, "enum": list(self._by_config)}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if not isinstance(value, str) or value not in self._by_config:
            walk.fail(path, f"expected {self.describe()}, got {value!r}")
            return value
        return self._by_config[value] if walk.post else value


_ENV_FORM = {
    "type": "object",
    "properties": {"env": {"type": "string"}},
    "required": ["env"],
    "additionalProperties": False,
}


class _Source(ConfigType):
    """A scalar given in config, or {"env": "NAME"}: read from the run's environment when the run starts."""

    def __init__(self, scalar: _Scalar, convert: Callable[[str], Any]) -> None:
        self.scalar = scalar
        self.convert = convert

    def describe(self) -> str:
        return f"{self.scalar.describe()} or {{'env': NAME}}"

    def json_schema(self) -> dict[str, Any]:
        return {"anyOf": [self.scalar.json_schema(), _ENV_FORM]}

    def process(self, value: Any, path: str, walk: _Walk) -> Any:
        if not isinstance(value, Mapping):
            if not self.scalar.accepts(value):
                walk.fail(path, f"expected {self.describe()}, got {value!r}")
            return value
        if set(value) != {"env"} or not isinstance(value["env"], str):
            walk.fail(path, f"expected {self.describe()}, got {value!r}")
            return value
        name = value["env"]
        if not walk.post:
            return value
        raw = os.environ.get(name)
        if raw is None:
            walk.fail(
                path, f'Environment variable "{name}" is not set. Set it in the environment of the code location.'
            )
            return value
        try:
            return self.convert(raw)
        except ValueError:  # the value itself stays out of the message: it may be a secret
            walk.fail(path, f'the value of environment variable "{name}" is not a valid {self.scalar.describe()}')
            return value


StringSource = _Source(STRING, str)
IntSource = _Source(INT, int)
BoolSource = _Source(BOOL, lambda raw: raw.lower() not in {"false", "none", "0", ""})


class Field:
    """A config entry with a type and optionally a default, a description, or is_required=False."""

    def __init__(
        self,
        config: Any,
        default_value: Any = NO_DEFAULT,
        is_required: bool | None = None,
        description: str | None = None,
    ) -> None:
        self.config_type = resolve_config_type(config)
        self.description = description
        given = default_value is not NO_DEFAULT
        if given and is_required:
            raise DagsterInvalidDefinitionError(
                f"Field({self.config_type.describe()}) is required and has a default_value; drop one of them."
            )
        if given:
            check = _Walk(post=False)
            self.config_type.process(default_value, "default_value", check)
            if check.errors:
                raise DagsterInvalidDefinitionError(
                    f"Invalid default_value for Field({self.config_type.describe()}): " + "; ".join(check.errors)
                )
        if is_required is None:
            if not given:
                default_value = self.config_type.implicit_default()
            is_required = default_value is NO_DEFAULT
        self._default_value = default_value
        self._is_required = is_required

    @property
    def is_required(self) -> bool:
        return self._is_required

    @property
    def default_provided(self) -> bool:
        return self._default_value is not NO_DEFAULT

    @property
    def default_value(self) -> Any:
        if self._default_value is NO_DEFAULT:
            raise DagsterInvalidDefinitionError("This Field has no default value; check default_provided first.")
        return self._default_value

    def json_schema(self) -> dict[str, Any]:
        schema = dict(self.config_type.json_schema())
        if self.description:
            schema["description"] = self.description
        if self.default_provided:
            schema["default"] = self._default_value
        return schema

    def process_entry(self, present: bool, value: Any, path: str, name: str, walk: _Walk) -> Any:
        """The value of this field inside a dict: given, else its default, else NO_DEFAULT (left out)."""
        if present:
            return self.config_type.process(value, path, walk)
        if self.default_provided:
            return self.config_type.process(self._default_value, path, walk)
        if self.is_required:
            walk.fail(path, f'missing required field "{name}" (expected {self.config_type.describe()})')
        return NO_DEFAULT

    def process_config(self, value: Any, path: str, what: str = "run config", post: bool = True) -> Any:
        """The validated value of a whole config entry (None: not given); raises naming every bad path.
        post=False keeps {"env": NAME} and enum names as written."""
        walk = _Walk(post)
        result: Any = None
        if value is not None or isinstance(self.config_type, Noneable) or self.config_type is ANY:
            result = self.config_type.process(value, path, walk)
        elif self.default_provided:
            result = self.config_type.process(self._default_value, path, walk)
        elif not self.is_required:
            result = None
        elif isinstance(self.config_type, (Shape, Selector)):
            result = self.config_type.process({}, path, walk)  # names each missing field
        else:
            walk.fail(path, f"missing required config (expected {self.config_type.describe()})")
        if walk.errors:
            raise DagsterInvalidConfigError(f"Invalid {what}:\n  " + "\n  ".join(walk.errors))
        return result

    def __repr__(self) -> str:
        default = repr(self._default_value) if self.default_provided else "none"
        return f"Field({self.config_type.describe()}, default={default}, is_required={self.is_required})"


def _expand_fields(fields: Mapping[str, Any]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for name, value in fields.items():
        if value is None:
            raise DagsterInvalidDefinitionError(
                f'Config field "{name}" is None; give it a type, e.g. {{"{name}": str}}.'
            )
        out[str(name)] = value if isinstance(value, Field) else Field(resolve_config_type(value, f'field "{name}"'))
    return out


_BUILTINS: dict[Any, Callable[[], ConfigType]] = {
    int: lambda: INT,
    float: lambda: FLOAT,
    bool: lambda: BOOL,
    str: lambda: STRING,
    list: lambda: Array(ANY),
    dict: lambda: Permissive(),
    typing.Any: lambda: ANY,
}
_DAGSTER_TYPES = {"Int": INT, "Float": FLOAT, "Bool": BOOL, "String": STRING, "Any": ANY}


def resolve_config_type(obj: Any, where: str = "config_schema") -> ConfigType:
    """The config type a user's schema form stands for; raises naming the form when it is none."""
    if isinstance(obj, ConfigType):
        return obj
    if isinstance(obj, Mapping):
        if len(obj) == 1:
            key = next(iter(obj))
            if not isinstance(key, str):
                return Map(key, obj[key])
        return Shape(obj)
    if isinstance(obj, list):
        if len(obj) != 1:
            raise DagsterInvalidDefinitionError(
                f"{where}: a list schema holds exactly one type, e.g. [str]; got {obj!r}."
            )
        return Array(obj[0])
    if isinstance(obj, DagsterType) and obj.name in _DAGSTER_TYPES:
        return _DAGSTER_TYPES[obj.name]
    if isinstance(obj, type) and issubclass(obj, _enum.Enum):
        return Enum.from_python_enum(obj)
    try:
        builtin = _BUILTINS.get(obj)
    except TypeError:  # unhashable
        builtin = None
    if builtin is not None:
        return builtin()
    if typing.get_origin(obj) is typing.Union or type(obj).__name__ == "UnionType":
        raise DagsterInvalidDefinitionError(
            f"{where}: Optional[...] is not a config type. For an optional field use Field(<type>, is_required=False); "
            "for a required field that accepts None use Noneable(<type>)."
        )
    raise DagsterInvalidDefinitionError(
        f"{where}: {obj!r} is not a config type. Use int, float, bool, str, list, dict, a dict of fields, [type], "
        "Field(...), Shape, Permissive, Selector, Array, Noneable, Map, Enum, StringSource, IntSource, BoolSource, "
        "or a Config class."
    )


def convert_schema(schema: Any, owner: str) -> Field:
    """A definition's config_schema= as one top-level Field."""
    if isinstance(schema, Field):
        return schema
    return Field(resolve_config_type(schema, f'config_schema of "{owner}"'))
