"""Paths relative to a module's own file, as Dagster's `file_relative_path` gives them."""

from __future__ import annotations

import os


def file_relative_path(dunderfile: str, relative_path: str) -> str:
    """`relative_path` joined to the folder of the file `dunderfile` names (pass `__file__`).

    Args:
        dunderfile: the calling module's `__file__`.
        relative_path: a path relative to that module's folder, e.g. `"data/orders.csv"`.
    """
    if not isinstance(dunderfile, str) or not isinstance(relative_path, str):
        raise TypeError(
            "file_relative_path(dunderfile, relative_path) takes two strings: pass the module's __file__ and a "
            f"relative path, got {type(dunderfile).__name__} and {type(relative_path).__name__}"
        )
    return os.path.join(os.path.dirname(dunderfile), relative_path)
