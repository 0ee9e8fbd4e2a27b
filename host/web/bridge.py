"""The browser's way into the Host API: `POST /api/rpc/<Method>` with the request message as JSON,
answered by the very servicer the gRPC server runs (rule 9: one service layer, several faces).

Requests pass the same checks as over gRPC (host/api/limits.py), errors keep their meaning (gRPC
status -> HTTP status) and messages; replies are the proto3 JSON mapping with the proto's own field
names, so the UI reads the same shapes as docs/design.md describes for the Host API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, NoReturn

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from host.api import limits
from host.api.servicer import HostServicer
from host.web.http import HttpError
from protos.weir.v1 import host_pb2

log = logging.getLogger(__name__)

_SERVICE = host_pb2.DESCRIPTOR.services_by_name["Host"]

# Methods that change nothing: the only ones a read-only UI may call.
READ_METHODS = frozenset(
    name for name in _SERVICE.methods_by_name if name.startswith(("List", "Get", "Preview")) or name == "WatchRunLogs"
)

HTTP_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 413,
    grpc.StatusCode.UNIMPLEMENTED: 501,
}


class _Aborted(Exception):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        super().__init__(details)
        self.code = code
        self.details = details


class _Context:
    """The part of grpc.ServicerContext the servicer methods use: abort, and liveness for streams."""

    def abort(self, code: grpc.StatusCode, details: str) -> NoReturn:
        raise _Aborted(code, details)

    def is_active(self) -> bool:
        return True

    def invocation_metadata(self) -> tuple[()]:
        return ()


def unary_methods() -> list[str]:
    return [m.name for m in _SERVICE.methods if not m.server_streaming and not m.client_streaming]


def call(servicer: HostServicer, method: str, body: Any, *, read_only: bool) -> dict[str, Any]:
    """Run one unary Host API method on a JSON body and return the reply as JSON."""
    descriptor = _SERVICE.methods_by_name.get(method)
    if descriptor is None or descriptor.server_streaming:
        raise HttpError(404, f"no Host API method {method!r}")
    if read_only and method not in READ_METHODS:
        raise HttpError(403, f"{method} changes the host, and this UI is read-only (--ui-read-only)")
    request = _parse(descriptor.input_type, body, method)
    problem = limits.check_request(request)
    if problem:
        raise HttpError(400, problem)
    function: Callable[[Message, Any], Message] = getattr(servicer, method)
    try:
        reply = function(request, _Context())
    except _Aborted as exc:
        raise HttpError(HTTP_STATUS.get(exc.code, 500), exc.details) from None
    return to_json(reply)


def to_json(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _parse(descriptor: Any, body: Any, method: str) -> Message:
    if not isinstance(body, dict):
        raise HttpError(400, f"{method} takes a JSON object ({descriptor.name})")
    from google.protobuf import message_factory

    request = message_factory.GetMessageClass(descriptor)()
    try:
        json_format.ParseDict(body, request)
    except json_format.ParseError as exc:
        raise HttpError(400, f"{method}: {exc}") from None
    return request
