"""Which names may become one component of a file path: location names and run ids.

Hand-written (like wire.py) because the host (location names, which name runs and log directories)
and the code server (run ids, which name a run's directory) both check them and neither may import
the other. A name that passes cannot leave the directory it is joined to.
"""

from __future__ import annotations

MAX_NAME_CHARS = 200  # well below the 255 bytes most file systems allow for one component


def path_component_problem(name: str) -> str | None:
    """Why `name` cannot be used as one path component, or None when it can."""
    if not name:
        return "is empty"
    if name in (".", ".."):
        return f"is {name!r}, which names a directory above or at its place"
    if "/" in name or "\\" in name:
        return "contains a path separator ('/' or '\\')"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "contains a control character (NUL, newline, ...)"
    if len(name) > MAX_NAME_CHARS:
        return f"is {len(name)} characters long (at most {MAX_NAME_CHARS})"
    return None
