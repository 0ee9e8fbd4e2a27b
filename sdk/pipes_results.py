"""What an external process reported through Pipes, as the results an asset returns.

`report_asset_materialization` becomes a MaterializeResult (its data version in the
`dagster/data_version` metadata, as Dagster records it), `report_asset_check` an AssetCheckResult,
`report_custom_message` a payload kept for `get_custom_messages()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sdk.checks import AssetCheckResult, AssetCheckSeverity
from sdk.errors import DagsterInvariantViolationError
from sdk.keys import AssetKey
from sdk.metadata import MetadataValue, to_metadata_value
from sdk.outputs import MaterializeResult

DATA_VERSION_METADATA_KEY = "dagster/data_version"

_TYPED: dict[str, Callable[[Any], MetadataValue]] = {
    "text": MetadataValue.text,
    "url": MetadataValue.url,
    "path": MetadataValue.path,
    "notebook": MetadataValue.notebook,
    "json": MetadataValue.json,
    "md": MetadataValue.md,
    "float": MetadataValue.float,
    "int": MetadataValue.int,
    "bool": MetadataValue.bool,
    "dagster_run": MetadataValue.dagster_run,
    "asset": MetadataValue.asset,
    "timestamp": MetadataValue.timestamp,
    "table": MetadataValue.json,
    "table_schema": MetadataValue.json,
    "table_column_lineage": MetadataValue.json,
}


def metadata_from_pipes(raw: Mapping[str, Any] | None) -> dict[str, MetadataValue]:
    """Pipes metadata ({"raw_value": ..., "type": ...} per key) as typed MetadataValues."""
    out: dict[str, MetadataValue] = {}
    for key, entry in (raw or {}).items():
        kind, value = entry.get("type", "__infer__"), entry.get("raw_value")
        if kind == "null" or value is None:
            out[key] = MetadataValue.null()
        elif kind in _TYPED:
            out[key] = _TYPED[kind](value)
        else:
            out[key] = to_metadata_value(value)
    return out


def key_string(key: AssetKey) -> str:
    """An asset key as dagster-pipes spells it: parts joined by "/", a "/" inside a part escaped."""
    return "/".join(part.replace("\\", "\\\\").replace("/", "\\/") for part in key.path)


def key_from_string(value: str) -> AssetKey:
    parts: list[str] = []
    current, escaped = "", False
    for char in value:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == "/":
            parts, current = [*parts, current], ""
        else:
            current += char
    return AssetKey([*parts, current])


class PipesResults:
    """Results gathered from messages, in arrival order."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self.results: list[Any] = []
        self.custom_messages: list[Any] = []

    def handle(self, method: Any, params: Mapping[str, Any]) -> None:
        if method == "report_asset_materialization":
            metadata = metadata_from_pipes(params.get("metadata"))
            version = params.get("data_version")
            if version is not None:
                metadata[DATA_VERSION_METADATA_KEY] = MetadataValue.text(version)
            self.results.append(
                MaterializeResult(
                    asset_key=key_from_string(params["asset_key"]),
                    metadata=metadata,
                    data_version=_data_version(version),
                )
            )
        elif method == "report_asset_check":
            self.results.append(
                AssetCheckResult(
                    passed=bool(params["passed"]),
                    asset_key=key_from_string(params["asset_key"]),
                    check_name=params["check_name"],
                    metadata=metadata_from_pipes(params.get("metadata")),
                    severity=AssetCheckSeverity(params.get("severity") or "ERROR"),
                )
            )
        elif method == "report_custom_message":
            self.custom_messages.append(params.get("payload"))
        else:
            self._context.log.warning(f"Pipes: ignored a message with unknown method {method!r}.")

    def get_results(self) -> list[Any]:
        return list(self.results)


def _data_version(value: str | None) -> Any:
    if value is None:
        return None
    from sdk.observable import DataVersion

    return DataVersion(value)


class PipesClientCompletedInvocation:
    """What `PipesSubprocessClient.run` returns: the reported results, ready to return from an asset."""

    def __init__(self, results: list[Any], custom_messages: list[Any], metadata: Mapping[str, Any] | None = None):
        self._results = results
        self._custom_messages = custom_messages
        self.metadata = dict(metadata or {})

    def get_results(self) -> list[Any]:
        """Every MaterializeResult and AssetCheckResult reported (`yield from` them for several assets)."""
        return list(self._results)

    def get_materialize_result(self) -> MaterializeResult:
        """The one MaterializeResult, with the check results reported alongside it."""
        materializations = [r for r in self._results if isinstance(r, MaterializeResult)]
        checks = [r for r in self._results if isinstance(r, AssetCheckResult)]
        if len(materializations) != 1:
            raise DagsterInvariantViolationError(
                f"get_materialize_result() needs exactly one reported materialization, got "
                f"{len(materializations)}; call context.report_asset_materialization() once in the external "
                "process, or use get_results() for several assets."
            )
        result = materializations[0]
        return MaterializeResult(
            asset_key=result.asset_key,
            metadata={**result.metadata, **self.metadata},
            check_results=checks,
            data_version=result.data_version,
        )

    def get_asset_check_result(self) -> AssetCheckResult:
        """The one AssetCheckResult (for an @asset_check that runs external code)."""
        checks = [r for r in self._results if isinstance(r, AssetCheckResult)]
        if len(checks) != 1:
            raise DagsterInvariantViolationError(
                f"get_asset_check_result() needs exactly one reported check result, got {len(checks)}; call "
                "context.report_asset_check() once in the external process."
            )
        return checks[0]

    def get_custom_messages(self) -> list[Any]:
        return list(self._custom_messages)
