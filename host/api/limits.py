"""What a Host API request may hold: sizes, counts, characters and enum values, checked before a method
runs (the server's RequestGuard calls `check_request`).

The limits keep every stored row far smaller than a reply (a run's config and tags travel in every run
listing), and keep out what the storage backends would treat differently: PostgreSQL refuses a NUL
character in text, SQLite stores it. docs/design.md ("Sizes and limits") lists them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

MAX_RUN_CONFIG_BYTES = 1024 * 1024
MAX_CONFIG_DEPTH = 100
MAX_TAGS = 100
MAX_TAG_KEY_CHARS = 256
MAX_TAG_VALUE_CHARS = 4096
MAX_CURSOR_CHARS = 1024 * 1024  # a sensor's cursor, or a listing's next_cursor handed back
MAX_KEY_CHARS = 1024  # a partition key
MAX_TEXT_CHARS = 1024  # every other string: names, ids, statuses, asset key parts
MAX_LIST_ITEMS = 100_000  # a repeated field: partition keys of a backfill, statuses, asset keys

# Listings: (default, most) rows per page; each page also stops at wire.MAX_PAGE_BYTES.
RUNS_PAGE = (50, 1000)
EVENTS_PAGE = (1000, 10_000)
TICKS_PAGE = (20, 1000)
LOGS_PAGE = (1000, 10_000)  # chunks of captured output, each at most 64 KB
ASSET_EVENTS_PAGE = (100, 1000)  # an asset's materializations and check evaluations

# Strings allowed to be longer than MAX_TEXT_CHARS, by field name (run_config_json counts UTF-8 bytes).
_FIELD_CHARS = {
    "run_config_json": MAX_RUN_CONFIG_BYTES,
    "cursor": MAX_CURSOR_CHARS,
    "partition_key": MAX_KEY_CHARS,
    "partition_keys": MAX_KEY_CHARS,
    "keys": MAX_KEY_CHARS,
    "range_start": MAX_KEY_CHARS,
    "range_end": MAX_KEY_CHARS,
}
_NON_NEGATIVE = {"limit", "offset"}


def page_size(limit: int, page: tuple[int, int]) -> int:
    """The rows to ask storage for: the default for 0, never more than the most a page holds."""
    default, most = page
    return min(limit or default, most)


def check_request(request: object) -> str | None:
    """What is wrong with a request, as a message naming the field and the limit; None when nothing."""
    if not isinstance(request, Message):
        return None
    return _check_message(request, "")


def _check_message(message: Message, prefix: str) -> str | None:
    for field, value in message.ListFields():
        name = prefix + field.name
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            problem = _check_map(name, value)
        elif field.is_repeated:
            problem = _check_repeated(field, name, value)
        else:
            problem = _check_value(field, name, value)
        if problem:
            return problem
    return None


def _check_map(name: str, mapping: Mapping[str, object]) -> str | None:
    items = dict(mapping)
    if len(items) > MAX_TAGS:
        return f"{name} holds {len(items)} entries; at most {MAX_TAGS} are allowed"
    for key, value in items.items():
        problem = _check_text(f"{name} key", key, MAX_TAG_KEY_CHARS) or (
            _check_text(f"{name}[{key[:40]!r}]", value, MAX_TAG_VALUE_CHARS) if isinstance(value, str) else None
        )
        if problem:
            return problem
    return None


def _check_repeated(field: FieldDescriptor, name: str, values: list[object]) -> str | None:
    if len(values) > MAX_LIST_ITEMS:
        return f"{name} holds {len(values)} items; at most {MAX_LIST_ITEMS} are allowed in one request"
    for index, value in enumerate(values):
        problem = _check_value(field, f"{name}[{index}]", value)
        if problem:
            return problem
    return None


def _check_value(field: FieldDescriptor, name: str, value: object) -> str | None:
    if isinstance(value, Message):
        return _check_message(value, name + ".")
    if field.enum_type is not None and value not in field.enum_type.values_by_number:
        known = ", ".join(v.name for v in field.enum_type.values if v.number)
        return f"{name} is {value}, which is not a {field.enum_type.name} (one of {known})"
    if field.name in _NON_NEGATIVE and isinstance(value, int) and value < 0:
        return f"{name} is {value}; it must be 0 (the default) or more"
    if isinstance(value, str):
        if field.name == "run_config_json":
            return _check_config(name, value)
        return _check_text(name, value, _FIELD_CHARS.get(field.name, MAX_TEXT_CHARS))
    return None


def _check_text(name: str, value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{name} is {len(value):,} characters long; at most {limit:,} are allowed"
    if "\0" in value:
        return f"{name} contains a NUL character (\\0), which Weir does not store"
    return None


def _check_config(name: str, text: str) -> str | None:
    """Size and nesting of a run config; whether it fits the job's schema is checked at launch."""
    size = len(text.encode())
    if size > MAX_RUN_CONFIG_BYTES:
        return (
            f"{name} is {size:,} bytes; at most {MAX_RUN_CONFIG_BYTES:,} are allowed (pass large "
            "inputs by reference, e.g. a path or URL, not inline)"
        )
    try:
        parsed = json.loads(text) if text else {}
    except RecursionError:
        return f"{name} is nested more than {MAX_CONFIG_DEPTH} levels deep"
    except ValueError:
        return None  # not JSON: launch says so, with the parser's position
    if _depth(parsed) > MAX_CONFIG_DEPTH:
        return f"{name} is nested more than {MAX_CONFIG_DEPTH} levels deep"
    return None


def _depth(value: object) -> int:
    """Nesting depth of parsed JSON, without recursion (the input may be deep enough to overflow it)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_CONFIG_DEPTH:
                return depth
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest
