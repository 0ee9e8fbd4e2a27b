"""Typed metadata values (MetadataValue.*) and the normalisation of raw metadata dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Kinds match weir.v1.MetadataValue's oneof; codeserver/convert.py maps them one to one.
KINDS = ("int", "float", "text", "json", "url", "path", "md", "bool", "table", "null")


@dataclass(frozen=True)
class TableColumnConstraints:
    """Constraints on one column: nullable, unique, and others in words."""

    nullable: bool = True
    unique: bool = False
    other: Sequence[str] = ()


@dataclass(frozen=True)
class TableConstraints:
    """Constraints on a whole table, in words (e.g. "quantity * price = total")."""

    other: Sequence[str] = ()


@dataclass(frozen=True)
class TableColumn:
    """One column of a TableSchema."""

    name: str
    type: str = "string"
    description: str | None = None
    constraints: TableColumnConstraints | None = None
    tags: Mapping[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type}
        if self.description:
            out["description"] = self.description
        if self.constraints is not None:
            c = self.constraints
            out["constraints"] = {"nullable": c.nullable, "unique": c.unique, "other": list(c.other)}
        if self.tags:
            out["tags"] = dict(self.tags)
        return out


@dataclass(frozen=True)
class TableSchema:
    """The columns of a table, for MetadataValue.table_schema and MetadataValue.table."""

    columns: Sequence[TableColumn] = ()
    constraints: TableConstraints | None = None

    @staticmethod
    def from_name_type_dict(name_type_dict: Mapping[str, str]) -> TableSchema:
        """`TableSchema.from_name_type_dict({"id": "int", "name": "string"})`."""
        return TableSchema(columns=[TableColumn(name, type_) for name, type_ in name_type_dict.items()])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": [c.to_json() for c in self.columns]}
        if self.constraints is not None:
            out["constraints"] = {"other": list(self.constraints.other)}
        return out


@dataclass(frozen=True)
class TableColumnDep:
    """One upstream column a column is computed from: its asset and column name."""

    asset_key: Any
    column_name: str

    def __post_init__(self) -> None:
        from sdk.keys import to_asset_key

        object.__setattr__(self, "asset_key", to_asset_key(self.asset_key))


@dataclass(frozen=True)
class TableColumnLineage:
    """Each column of a table and the upstream columns it is computed from."""

    deps_by_column: Mapping[str, Sequence[TableColumnDep]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "deps_by_column": {
                column: [{"asset_key": d.asset_key.to_user_string(), "column_name": d.column_name} for d in deps]
                for column, deps in self.deps_by_column.items()
            }
        }


@dataclass(frozen=True)
class TableRecord:
    """One row of a MetadataValue.table."""

    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetadataValue:
    """One typed metadata value; build it with the static constructors (MetadataValue.int(3), ...)."""

    kind: str
    value: Any

    def __new__(cls, *args: Any, **kwargs: Any) -> MetadataValue:
        """MetadataValue(kind, value) is the typed class of its kind (TextMetadataValue, ...)."""
        if cls is MetadataValue:
            kind = args[0] if args else kwargs.get("kind")
            cls = _BY_KIND.get(kind, cls) if isinstance(kind, str) else cls
        return object.__new__(cls)

    def __eq__(self, other: object) -> bool:  # a TextMetadataValue equals MetadataValue("text", same value)
        if not isinstance(other, MetadataValue):
            return NotImplemented
        return (self.kind, self.value) == (other.kind, other.value)

    def __hash__(self) -> int:
        return hash((self.kind, json.dumps(self.value, sort_keys=True, default=str)))

    @staticmethod
    def int(value: int) -> MetadataValue:
        return MetadataValue("int", int(value))

    @staticmethod
    def float(value: float) -> MetadataValue:
        return MetadataValue("float", float(value))

    @staticmethod
    def text(value: str) -> MetadataValue:
        return MetadataValue("text", str(value))

    @staticmethod
    def json(value: Any) -> MetadataValue:
        return MetadataValue("json", value)

    @staticmethod
    def url(value: str) -> MetadataValue:
        return MetadataValue("url", str(value))

    @staticmethod
    def path(value: Any) -> MetadataValue:
        return MetadataValue("path", str(value))

    @staticmethod
    def md(value: str) -> MetadataValue:
        return MetadataValue("md", str(value))

    @staticmethod
    def bool(value: bool) -> MetadataValue:
        return MetadataValue("bool", bool(value))

    @staticmethod
    def null() -> MetadataValue:
        return MetadataValue("null", None)

    @staticmethod
    def table(records: Sequence[TableRecord | Mapping[str, Any]], schema: TableSchema | None = None) -> MetadataValue:
        return TableMetadataValue(records, schema)

    @staticmethod
    def table_schema(schema: TableSchema) -> MetadataValue:
        return TableSchemaMetadataValue(schema)

    @staticmethod
    def column_lineage(lineage: TableColumnLineage) -> MetadataValue:
        """Which upstream columns each column comes from (shown as JSON)."""
        return TableColumnLineageMetadataValue(lineage)

    @staticmethod
    def timestamp(value: Any) -> MetadataValue:
        """A point in time: a datetime with a time zone, or seconds since the epoch (the value is seconds)."""
        import datetime as _dt

        if isinstance(value, _dt.datetime):
            if value.tzinfo is None:
                raise ValueError(
                    "MetadataValue.timestamp needs a datetime with a time zone (e.g. datetime.now(timezone.utc)); "
                    f"got the naive {value.isoformat()}."
                )
            value = value.timestamp()
        return TimestampMetadataValue(float(value))

    @staticmethod
    def notebook(path: Any) -> MetadataValue:
        """The path of a notebook file."""
        return NotebookMetadataValue(path)

    @staticmethod
    def job(job_name: str, location_name: str | None = None, repository_name: str | None = None) -> MetadataValue:
        """A job, by name (shown as text: "job" or "job @ location")."""
        return DagsterJobMetadataValue(job_name, location_name, repository_name)

    @staticmethod
    def dagster_run(run_id: str) -> MetadataValue:
        """A run, by id (shown as text)."""
        return DagsterRunMetadataValue(run_id)

    @staticmethod
    def python_artifact(python_artifact: Any) -> MetadataValue:
        """A Python class or function, by module and name (shown as JSON)."""
        module = getattr(python_artifact, "__module__", None)
        name = getattr(python_artifact, "__qualname__", None) or getattr(python_artifact, "__name__", None)
        if module is None or name is None:
            raise TypeError(f"MetadataValue.python_artifact takes a class or function, got {python_artifact!r}.")
        return PythonArtifactMetadataValue(module, name)

    @staticmethod
    def asset(key: Any) -> MetadataValue:
        return DagsterAssetMetadataValue(key)

    @property
    def text_value(self) -> str:
        """The value as text, as the wire carries json and table kinds."""
        if self.kind in ("json", "table"):
            return json.dumps(self.value, sort_keys=True, default=str)
        return "" if self.value is None else str(self.value)


class _Typed(MetadataValue):
    """A MetadataValue of one kind, built Dagster's way (TextMetadataValue("x")) or as MetadataValue(kind, value)."""

    _kind = "null"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) == 2 and not kwargs and args[0] == self._kind:  # MetadataValue(kind, value)
            value = args[1]
        elif not args and set(kwargs) == {"kind", "value"}:
            value = kwargs["value"]
        else:
            value = self._make(*args, **kwargs)
        object.__setattr__(self, "kind", self._kind)
        object.__setattr__(self, "value", value)

    @staticmethod
    def _make(*args: Any, **kwargs: Any) -> Any:
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class IntMetadataValue(_Typed):
    _kind = "int"

    @staticmethod
    def _make(value: Any) -> Any:
        return None if value is None else int(value)


class FloatMetadataValue(_Typed):
    _kind = "float"

    @staticmethod
    def _make(value: Any) -> Any:
        return None if value is None else float(value)


class BoolMetadataValue(_Typed):
    _kind = "bool"

    @staticmethod
    def _make(value: Any) -> Any:
        return None if value is None else bool(value)


class TextMetadataValue(_Typed):
    _kind = "text"

    @staticmethod
    def _make(text: Any) -> Any:
        return "" if text is None else str(text)

    @property
    def text(self) -> str:  # type: ignore[override]
        return self.value


class UrlMetadataValue(_Typed):
    _kind = "url"

    @staticmethod
    def _make(url: Any) -> Any:
        return "" if url is None else str(url)

    @property
    def url(self) -> str:  # type: ignore[override]
        return self.value


class PathMetadataValue(_Typed):
    _kind = "path"

    @staticmethod
    def _make(path: Any) -> Any:
        return "" if path is None else str(path)

    @property
    def path(self) -> str:  # type: ignore[override]
        return self.value


class NotebookMetadataValue(PathMetadataValue):
    """A notebook's path (a PathMetadataValue once stored)."""


class MarkdownMetadataValue(_Typed):
    _kind = "md"

    @staticmethod
    def _make(md_str: Any) -> Any:
        return "" if md_str is None else str(md_str)

    @property
    def md_str(self) -> str:
        return self.value


class JsonMetadataValue(_Typed):
    _kind = "json"

    @staticmethod
    def _make(data: Any) -> Any:
        return data

    @property
    def data(self) -> Any:
        return self.value


class NullMetadataValue(_Typed):
    _kind = "null"


class TableMetadataValue(_Typed):
    _kind = "table"

    @staticmethod
    def _make(records: Sequence[Any], schema: TableSchema | None = None) -> Any:
        rows = [dict(r.data) if isinstance(r, TableRecord) else dict(r) for r in records]
        return {"columns": [c.to_json() for c in schema.columns] if schema else [], "records": rows}

    @property
    def records(self) -> list[TableRecord]:
        return [TableRecord(dict(r)) for r in self.value.get("records", [])]

    @property
    def schema(self) -> TableSchema:
        columns = [
            TableColumn(c["name"], c.get("type", "string"), c.get("description")) for c in self.value.get("columns", [])
        ]
        return TableSchema(columns=columns)


class TableSchemaMetadataValue(JsonMetadataValue):
    """A table's columns (stored as JSON)."""

    @staticmethod
    def _make(schema: TableSchema) -> Any:
        if not isinstance(schema, TableSchema):
            raise TypeError(f"TableSchemaMetadataValue takes a TableSchema, got {type(schema).__name__}.")
        return schema.to_json()

    @property
    def schema(self) -> TableSchema:
        columns = [
            TableColumn(c["name"], c.get("type", "string"), c.get("description")) for c in self.value.get("columns", [])
        ]
        return TableSchema(columns=columns)


class TableColumnLineageMetadataValue(JsonMetadataValue):
    """Which upstream columns each column comes from (stored as JSON)."""

    @staticmethod
    def _make(column_lineage: TableColumnLineage) -> Any:
        return column_lineage.to_json()


class PythonArtifactMetadataValue(JsonMetadataValue):
    """A Python class or function by module and name (stored as JSON)."""

    @staticmethod
    def _make(module: str, name: str) -> Any:  # type: ignore[override]
        return {"module": module, "name": name}

    @property
    def module(self) -> str:
        return self.value["module"]

    @property
    def name(self) -> str:
        return self.value["name"]


class TimestampMetadataValue(_Typed):
    """Seconds since the epoch (stored as a float)."""

    _kind = "float"

    @staticmethod
    def _make(value: Any) -> Any:
        return float(value)


class DagsterRunMetadataValue(TextMetadataValue):
    """A run, by id (stored as text)."""

    @staticmethod
    def _make(run_id: Any) -> Any:
        return str(run_id)

    @property
    def run_id(self) -> str:
        return self.value


class DagsterJobMetadataValue(TextMetadataValue):
    """A job, by name (stored as text: "job" or "job @ location")."""

    @staticmethod
    def _make(job_name: str, location_name: str | None = None, repository_name: str | None = None) -> Any:
        return job_name if location_name is None else f"{job_name} @ {location_name}"

    @property
    def job_name(self) -> str:
        return self.value.split(" @ ", 1)[0]


class DagsterAssetMetadataValue(TextMetadataValue):
    """An asset, by key (stored as text)."""

    @staticmethod
    def _make(asset_key: Any) -> Any:
        from sdk.keys import to_asset_key

        return to_asset_key(asset_key).to_user_string()

    @property
    def asset_key(self) -> Any:
        from sdk.keys import AssetKey

        return AssetKey.from_user_string(self.value)


_BY_KIND: dict[str, type[MetadataValue]] = {
    "int": IntMetadataValue,
    "float": FloatMetadataValue,
    "bool": BoolMetadataValue,
    "text": TextMetadataValue,
    "url": UrlMetadataValue,
    "path": PathMetadataValue,
    "md": MarkdownMetadataValue,
    "json": JsonMetadataValue,
    "table": TableMetadataValue,
    "null": NullMetadataValue,
}


def to_metadata_value(value: Any) -> MetadataValue:
    """Infer a MetadataValue for a raw Python value, as Dagster does for metadata={...}."""
    if isinstance(value, MetadataValue):
        return value
    if value is None:
        return MetadataValue.null()
    if isinstance(value, bool):
        return MetadataValue.bool(value)
    if isinstance(value, int):
        return MetadataValue.int(value)
    if isinstance(value, float):
        return MetadataValue.float(value)
    if isinstance(value, str):
        return MetadataValue.text(value)
    if isinstance(value, (dict, list, tuple)):
        return MetadataValue.json(value)
    if isinstance(value, TableSchema):
        return MetadataValue.table_schema(value)
    if isinstance(value, TableColumnLineage):
        return MetadataValue.column_lineage(value)
    if hasattr(value, "__fspath__"):
        return MetadataValue.path(value)
    return MetadataValue.text(str(value))


def normalize_metadata(metadata: Mapping[str, Any] | None) -> dict[str, MetadataValue]:
    """Metadata with every value typed; keys must be strings."""
    if not metadata:
        return {}
    out: dict[str, MetadataValue] = {}
    for key, value in metadata.items():
        if not isinstance(key, str):
            raise TypeError(f"Metadata keys must be strings, got {key!r}.")
        out[key] = to_metadata_value(value)
    return out
