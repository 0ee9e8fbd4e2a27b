"""Every RPC of both servers, fed seeded random input: undecodable bytes and messages whose fields
hold random values (empty, huge, negative, NUL, `../`, deep nesting). Whatever arrives, a client gets
a status it can act on (never UNKNOWN or INTERNAL), no reply leaks SQL, nothing is written outside
WEIR_HOME, and both servers still answer afterwards. Bounded to well under a minute."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from protos.weir.v1 import codeserver_pb2, host_pb2
from tests.support import RunningCodeServer, dev_host, kill_processes_mentioning, wait_for

SEED = 12
CALLS_PER_METHOD = 40
SECONDS_PER_SERVER = 25.0
CODE = """
import sdk as dg


@dg.asset(partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
def orders() -> int:
    return 1


@dg.sensor(target=[orders])
def watch(context):
    return dg.SkipReason("nothing new")


defs = dg.Definitions(assets=[orders], sensors=[watch])
"""
ACCEPTABLE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
}
NASTY_TEXT = [
    "",
    "../",
    "../../x/escape",
    "/etc/passwd",
    "a\x00b",
    ".",
    "..",
    "\u00e9\u4e2d",
    "x" * 5000,
    "orders",
    "a",
    "watch",
    "fuzz",
    "{}",
    '{"ops": {}}',
    "[" * 2000,
    "a=b",
    "*",
]


def _value(field: FieldDescriptor, rng: random.Random, depth: int) -> object:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return rng.choice(NASTY_TEXT) if rng.random() < 0.7 else "".join(chr(rng.randint(1, 0x2FF)) for _ in range(8))
    if kind == FieldDescriptor.TYPE_BYTES:
        return rng.randbytes(rng.choice([0, 1, 64]))
    if kind == FieldDescriptor.TYPE_BOOL:
        return rng.random() < 0.5
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return rng.choice([0.0, -1.0, 1e300, -1e300, float("nan"), float("inf"), rng.random() * 1e9])
    if kind == FieldDescriptor.TYPE_ENUM:
        return rng.choice([0, 1, 2, 99, -5])
    if kind in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32):
        return rng.choice([0, -1, 1, 2**31 - 1, -(2**31)])
    if kind in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return rng.choice([0, 1, 2**32 - 1])
    if kind in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return rng.choice([0, 1, 2**64 - 1])
    return rng.choice([0, -1, 1, 2**63 - 1, -(2**63)])


def random_message(cls: type[Message], rng: random.Random, depth: int = 0) -> Message:
    message = cls()
    for field in cls.DESCRIPTOR.fields:
        if rng.random() < 0.3:
            continue
        is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
        if is_map:
            target = getattr(message, field.name)
            entry = field.message_type.fields_by_name
            key_field, value_field = entry["key"], entry["value"]
            for _ in range(rng.randint(0, 3)):
                key = _value(key_field, rng, depth)
                if value_field.message_type is None:
                    target[key] = _value(value_field, rng, depth)
                else:
                    target[key].CopyFrom(random_message(value_field.message_type._concrete_class, rng, depth + 1))
        elif field.message_type is not None:
            if depth >= 3:
                continue
            child_class = field.message_type._concrete_class
            if field.is_repeated:
                for _ in range(rng.randint(0, 3)):
                    getattr(message, field.name).add().CopyFrom(random_message(child_class, rng, depth + 1))
            else:
                getattr(message, field.name).CopyFrom(random_message(child_class, rng, depth + 1))
        elif field.is_repeated:
            getattr(message, field.name).extend(_value(field, rng, depth) for _ in range(rng.randint(0, 4)))
        else:
            setattr(message, field.name, _value(field, rng, depth))
    return message


def _fuzz(channel: grpc.Channel, service, metadata, rng: random.Random) -> list[str]:  # type: ignore[no-untyped-def]
    """Call every method of `service` with random input; the problems found, as readable lines."""
    problems: list[str] = []
    deadline = time.monotonic() + SECONDS_PER_SERVER
    methods = list(service.methods)
    for round_ in range(CALLS_PER_METHOD):
        for method in methods:
            if time.monotonic() > deadline:
                return problems
            path = f"/{service.full_name}/{method.name}"
            request_class = method.input_type._concrete_class
            undecodable = round_ % 4 == 0
            body = (
                rng.randbytes(rng.randint(1, 200))
                if undecodable
                else random_message(request_class, rng).SerializeToString()
            )
            call = channel.unary_stream if method.server_streaming else channel.unary_unary
            stub = call(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)
            try:
                reply = stub(body, timeout=5, metadata=metadata)
                if method.server_streaming:
                    for _ in zip(range(3), reply, strict=False):
                        pass
                    reply.cancel()
            except grpc.RpcError as exc:
                code, details = exc.code(), exc.details() or ""
                if code == grpc.StatusCode.CANCELLED:
                    continue
                if code not in ACCEPTABLE or any(w in details for w in ("SELECT ", "INSERT ", "UPDATE ", "[SQL")):
                    sent = "bytes" if undecodable else "message"
                    problems.append(f"{method.name} ({sent}): {code.name} {details[:200]}")
    return problems


@pytest.fixture
def code_server(tmp_path: Path) -> Iterator[RunningCodeServer]:
    (tmp_path / "gate").mkdir()
    (tmp_path / "fuzzed.py").write_text(CODE)
    server = RunningCodeServer(tmp_path, tmp_path / "fuzzed.py", tmp_path / "runs", "fuzz-token")
    try:
        server.wait_loaded()
        yield server
    finally:
        server.stop()
        kill_processes_mentioning(str(tmp_path))


def _files_outside(root: Path, before: set[Path]) -> list[Path]:
    return sorted(p for p in root.parent.rglob("*") if p not in before and root not in p.parents and p != root)


def test_random_input_to_every_code_server_rpc_gets_a_clear_status(code_server, tmp_path):
    before = set(tmp_path.parent.rglob("*"))
    problems = _fuzz(
        code_server.channel,
        codeserver_pb2.DESCRIPTOR.services_by_name["CodeServer"],
        code_server.metadata,
        random.Random(SEED),
    )
    assert not problems, "\n".join(problems[:20])
    assert code_server.wait_loaded().snapshot_id  # still serving
    assert not _files_outside(tmp_path, before)


def test_random_input_to_every_host_rpc_gets_a_clear_status(tmp_path):
    (tmp_path / "fuzzed.py").write_text(CODE)
    before = set(tmp_path.parent.rglob("*"))
    with dev_host(tmp_path / "home", ["-f", str(tmp_path / "fuzzed.py")]) as host:
        client = host.client()
        wait_for(
            lambda: any(loc.status == host_pb2.LOCATION_LOADED for loc in client.locations()),
            30,
            what="the location to load",
        )
        problems = _fuzz(
            client._channel, host_pb2.DESCRIPTOR.services_by_name["Host"], client._metadata, random.Random(SEED)
        )
        assert not problems, "\n".join(problems[:20])
        assert client.locations()  # still serving
    assert not _files_outside(tmp_path, before)
