"""Tags Weir acts on, by Weir's name and Dagster's, and the checks that their values are usable."""

from __future__ import annotations

from collections.abc import Mapping

from host.errors import ConfigError

MAX_RUNTIME_TAG = "weir/max_runtime"  # seconds a run may take from its start
MAX_RUNTIME_TAGS = (MAX_RUNTIME_TAG, "dagster/max_runtime")  # Dagster's name is accepted too
MAX_RETRIES_TAGS = ("dagster/max_retries", "weir/max_retries")  # a failed run is retried this many times at most
MAX_RETRIES = 100
# A run the host records itself (freshness checks it evaluates, no step of user code ran): nothing to re-execute.
HOST_EVALUATED_TAG = "weir/freshness_checks"


def tag_value(tags: Mapping[str, str], names: tuple[str, ...]) -> tuple[str, str] | None:
    """(name, value) of the first of a tag's names that the run carries."""
    return next(((name, tags[name]) for name in names if name in tags), None)


def check_limit_tags(tags: Mapping[str, str]) -> None:
    """Max runtime and max retries must hold values the host can use."""
    found = tag_value(tags, MAX_RUNTIME_TAGS)
    if found is not None:
        try:
            seconds = float(found[1])
        except ValueError:
            seconds = -1.0
        if not seconds >= 0 or seconds == float("inf"):
            raise ConfigError(f"tag {found[0]}={found[1]!r} must be a number of seconds, like 3600 (0: no limit)")
    found = tag_value(tags, MAX_RETRIES_TAGS)
    if found is not None and not (found[1].isdigit() and int(found[1]) <= MAX_RETRIES):
        raise ConfigError(f"tag {found[0]}={found[1]!r} must be a number of retries from 0 to {MAX_RETRIES}")
