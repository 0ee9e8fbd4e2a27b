"""`--json`: one JSON document per command, for scripts; replies as protobuf's JSON mapping.

Field names stay as in the .proto (snake_case), enums print by name, 64-bit integers as strings (the
protobuf JSON mapping), and unset fields are left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any, TypeVar

import click
from google.protobuf import json_format
from google.protobuf.message import Message

F = TypeVar("F", bound=Callable[..., Any])


def option(command: F) -> F:
    """The `--json` flag, the same on every listing command."""
    return click.option("--json", "as_json", is_flag=True, help="print JSON (one document) for scripts")(command)


def to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def emit(value: Message | Iterable[Message] | Mapping[str, Any]) -> None:
    """Print a reply, a list of replies, or a mapping whose values may hold replies, as one JSON document."""
    click.echo(json.dumps(_plain(value), indent=2))


def _plain(value: Any) -> Any:
    if isinstance(value, Message):
        return to_dict(value)
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple) or (isinstance(value, Iterable) and not isinstance(value, str)):
        return [_plain(item) for item in value]
    return value


class ArrayWriter:
    """A JSON array written an item at a time, so a run of any size prints in little memory."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._count = 0

    def __enter__(self) -> ArrayWriter:
        self._out.write("[")
        return self

    def add(self, message: Message) -> None:
        self._out.write(("," if self._count else "") + "\n  " + json.dumps(to_dict(message)))
        self._count += 1

    def __exit__(self, *exc: object) -> None:
        self._out.write("\n]" if self._count else "]")
