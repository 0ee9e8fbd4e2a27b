"""Dagster's rule for the names of ops, graphs, jobs, assets, schedules and sensors, checked when they are
declared: letters, digits and underscores, and not a Python keyword."""

from __future__ import annotations

import keyword
import re

from sdk.errors import DagsterInvalidDefinitionError

_VALID = re.compile(r"[A-Za-z0-9_]+")


def check_valid_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _VALID.fullmatch(name) or keyword.iskeyword(name):
        raise DagsterInvalidDefinitionError(
            f'{what} name "{name}" is not a valid name in Dagster: names must match ^[A-Za-z0-9_]+$ and not be '
            "a Python keyword. Rename it, e.g. with underscores instead of dashes or spaces."
        )
    return name
