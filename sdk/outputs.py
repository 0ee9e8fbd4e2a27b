"""What compute functions return or yield: Output, MaterializeResult, AssetMaterialization, ExpectationResult."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sdk.keys import AssetKey, to_asset_key
from sdk.metadata import MetadataValue, normalize_metadata


class Output:
    """A value for one named output, with metadata that reaches the materialization event."""

    def __init__(
        self,
        value: Any,
        output_name: str = "result",
        metadata: dict[str, Any] | None = None,
        data_version: Any = None,
        tags: dict[str, str] | None = None,
    ) -> None:
        self.value = value
        self.output_name = output_name
        self.metadata = normalize_metadata(metadata)
        self.data_version = data_version
        self.tags = dict(tags or {})

    def __repr__(self) -> str:
        return f"Output(value={self.value!r}, output_name={self.output_name!r})"


class MaterializeResult:
    """An asset materialized by the function itself: metadata and check results, no value to store."""

    def __init__(
        self,
        *,
        asset_key: Any = None,
        metadata: dict[str, Any] | None = None,
        check_results: list[Any] | None = None,
        data_version: Any = None,
        tags: dict[str, str] | None = None,
        value: Any = None,
    ) -> None:
        self.asset_key = to_asset_key(asset_key) if asset_key is not None else None
        self.metadata = normalize_metadata(metadata)
        self.check_results = list(check_results or [])
        self.data_version = data_version
        self.tags = dict(tags or {})
        self.value = value


@dataclass(frozen=True)
class AssetMaterialization:
    """A record that an asset was materialized: yielded by ops, returned by results."""

    asset_key: Any
    description: str | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    partition: str | None = None
    tags: dict[str, str] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_key", to_asset_key(self.asset_key))
        object.__setattr__(self, "metadata", normalize_metadata(self.metadata))

    @property
    def key(self) -> AssetKey:
        return self.asset_key


@dataclass(frozen=True)
class AssetObservation:
    """A record about an asset that was looked at, not changed."""

    asset_key: Any
    description: str | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    partition: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asset_key", to_asset_key(self.asset_key))
        object.__setattr__(self, "metadata", normalize_metadata(self.metadata))


@dataclass(frozen=True)
class ExpectationResult:
    """The outcome of a data quality expectation an op checked: `context.log_event(...)` it or yield it.

    Args:
        success: whether the expectation held.
        label: a short name for the expectation.
        description: what was checked, in words.
        metadata: details, as for materializations.
    """

    success: bool
    label: str | None = None
    description: str | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.success, bool):
            raise TypeError(f"ExpectationResult(success=...) takes a bool, got {type(self.success).__name__}")
        object.__setattr__(self, "metadata", normalize_metadata(self.metadata))

    def default_message(self) -> str:
        """The event's message when there is no description (Dagster's words)."""
        label = f" {self.label}" if self.label else ""
        return f"Expectation{label} {'passed' if self.success else 'failed'}"
