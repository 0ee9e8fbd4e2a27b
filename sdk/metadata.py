"""Typed metadata values (MetadataValue.*) and the normalisation of raw metadata dicts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Kinds match weir.v1.MetadataValue's oneof; codeserver/convert.py maps them one to one.
KINDS = ("int", "float", "text", "json", "url", "path", "md", "bool", "table", "null")


@dataclass(frozen=True)
class TableColumn:
    """One column of a TableSchema."""

    name: str
    type: str = "string"
    description: str | None = None


@dataclass(frozen=True)
class TableSchema:
    """The columns of a table, for MetadataValue.table_schema and MetadataValue.table."""

    columns: Sequence[TableColumn] = ()


@dataclass(frozen=True)
class TableRecord:
    """One row of a MetadataValue.table."""

    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetadataValue:
    """One typed metadata value; build it with the static constructors (MetadataValue.int(3), ...)."""

    kind: str
    value: Any

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
        rows = [dict(r.data) if isinstance(r, TableRecord) else dict(r) for r in records]
        columns = [{"name": c.name, "type": c.type} for c in schema.columns] if schema else []
        return MetadataValue("table", {"columns": columns, "records": rows})

    @staticmethod
    def table_schema(schema: TableSchema) -> MetadataValue:
        return MetadataValue("json", {"columns": [{"name": c.name, "type": c.type} for c in schema.columns]})

    @staticmethod
    def asset(key: Any) -> MetadataValue:
        from sdk.keys import to_asset_key

        return MetadataValue("text", to_asset_key(key).to_user_string())

    @property
    def text_value(self) -> str:
        """The value as text, as the wire carries json and table kinds."""
        if self.kind in ("json", "table"):
            return json.dumps(self.value, sort_keys=True, default=str)
        return "" if self.value is None else str(self.value)


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
