"""What schedules and sensors return: RunRequest, SkipReason, SensorResult."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sdk.errors import DagsterInvalidDefinitionError
from sdk.keys import to_asset_key


@dataclass(frozen=True)
class RunRequest:
    """Ask for one run; run_key makes repeated requests idempotent."""

    run_key: str | None = None
    run_config: Any = None
    tags: Mapping[str, str] = field(default_factory=dict)
    job_name: str | None = None
    asset_selection: Sequence[Any] | None = None
    partition_key: str | None = None
    asset_check_keys: Sequence[Any] | None = None
    stale_assets_only: bool = False

    def __post_init__(self) -> None:
        if self.stale_assets_only:
            raise DagsterInvalidDefinitionError(
                "RunRequest(stale_assets_only=True) is not supported by Weir: it has no staleness (code and data "
                "versions) to choose assets by. Request the assets to run with asset_selection=[...], or use "
                "AutomationCondition.eager() / .on_missing() on the assets."
            )
        if self.asset_selection is not None:
            object.__setattr__(self, "asset_selection", [to_asset_key(k) for k in self.asset_selection])

    def run_config_dict(self) -> dict[str, Any]:
        from sdk.config import to_run_config_dict

        return to_run_config_dict(self.run_config)


@dataclass(frozen=True)
class SkipReason:
    """A tick that requests nothing, with the reason shown on the tick."""

    skip_message: str | None = None


@dataclass(frozen=True)
class SensorResult:
    """A sensor's full answer: run requests or a skip reason, a new cursor, dynamic partition requests."""

    run_requests: Sequence[RunRequest] | None = None
    skip_reason: SkipReason | str | None = None
    cursor: str | None = None
    dynamic_partitions_requests: Sequence[Any] | None = None
    asset_events: Sequence[Any] | None = None
