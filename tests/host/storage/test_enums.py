"""The status and kind enums storage holds spell exactly what the protocol spells, so they cannot drift.

RunStatus, InstigatorKind and InstigatorStatus mirror proto enums; tick and backfill statuses travel
as strings whose values host.proto lists in a comment on the field, which is what a client reads.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

import pytest
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from host.storage.records import (
    BACKFILL_STATUSES,
    INSTIGATOR_KINDS,
    INSTIGATOR_STATUSES,
    RUN_STATUSES,
    TICK_STATUSES,
    BackfillStatus,
    InstigatorKind,
    InstigatorStatus,
    RunStatus,
    TickStatus,
)
from protos.weir.v1 import host_pb2, snapshot_pb2

HOST_PROTO = Path(__file__).resolve().parents[3] / "protos" / "weir" / "v1" / "host.proto"


def _proto_names(enum: EnumTypeWrapper) -> list[str]:
    return [value.name for value in enum.DESCRIPTOR.values if not value.name.endswith("UNSPECIFIED")]


def _documented_values(message: str, field: str) -> list[str]:
    """The values host.proto lists in the comment of `message.field` ("// A | B | C")."""
    body = re.search(rf"^message {message} \{{(.*?)^\}}", HOST_PROTO.read_text(), re.M | re.S)
    assert body is not None, f"message {message} not found in {HOST_PROTO}"
    line = re.search(rf"^\s*string {field} = \d+;\s*//\s*([A-Z_]+(?:\s*\|\s*[A-Z_]+)+)", body.group(1), re.M)
    assert line is not None, f"{message}.{field} in host.proto has no '// A | B' comment listing its values"
    return [value.strip() for value in line.group(1).split("|")]


@pytest.mark.parametrize(
    ("enum", "proto"),
    [
        (RunStatus, host_pb2.RunStatus),
        (InstigatorKind, host_pb2.InstigatorKind),
        (InstigatorStatus, snapshot_pb2.DefaultStatus),
    ],
)
def test_enum_members_are_the_proto_enum_names(enum: type[StrEnum], proto: EnumTypeWrapper) -> None:
    assert sorted(member.name for member in enum) == sorted(_proto_names(proto))


@pytest.mark.parametrize(
    ("enum", "message", "field"),
    [
        (TickStatus, "Tick", "status"),
        (BackfillStatus, "Backfill", "status"),
        (InstigatorStatus, "Instigator", "status"),
        (InstigatorStatus, "SetInstigatorStatusRequest", "status"),
    ],
)
def test_string_statuses_are_the_values_host_proto_documents(enum: type[StrEnum], message: str, field: str) -> None:
    assert [member.value for member in enum] == _documented_values(message, field)


@pytest.mark.parametrize("enum", [RunStatus, InstigatorKind, InstigatorStatus, TickStatus, BackfillStatus])
def test_each_member_is_stored_as_its_name(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member.value == member.name
        assert member == member.name and str(member) == member.name  # what a column and an f-string get


def test_the_choices_storage_checks_are_the_enums() -> None:
    assert tuple(RunStatus) == RUN_STATUSES
    assert tuple(InstigatorKind) == INSTIGATOR_KINDS
    assert tuple(InstigatorStatus) == INSTIGATOR_STATUSES
    assert tuple(TickStatus) == TICK_STATUSES
    assert tuple(BackfillStatus) == BACKFILL_STATUSES
