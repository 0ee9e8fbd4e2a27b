"""Text as the wire takes it: protobuf strings must be valid UTF-8, and user code may hold strings
that are not (a lone surrogate from a bad decode). Free of the sdk, so the control plane may use it."""

from __future__ import annotations


def wire_text(value: str) -> str:
    """The text itself when UTF-8 can encode it, else with the offending characters backslash-escaped."""
    if value.isascii():
        return value
    try:
        value.encode()
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode()
    return value
