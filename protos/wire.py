"""What both ends of a Weir gRPC channel agree on: protocol version, auth token, channel options.

Hand-written (unlike the generated modules beside it) because the host and the code server both need
it and neither may import the other.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from typing import Any

import grpc

PROTOCOL_VERSION = "1.0"
AUTH_HEADER = "authorization"
# Health and reflection stay open so probes (docker HEALTHCHECK, kubernetes) need no token.
OPEN_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1alpha.ServerReflection/",
    "/grpc.reflection.v1.ServerReflection/",
)
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# A batch of run events stays far below MAX_MESSAGE_BYTES however the journal grows; one event larger
# than MAX_EVENT_BYTES is truncated by the worker that writes it (with a marker saying so).
MAX_EVENT_BATCH_BYTES = 8 * 1024 * 1024
MAX_EVENT_BYTES = 1024 * 1024
# A page of a listing (runs, run events, ticks) stops before its rows pass this many bytes, and hands
# back a cursor: a reply stays far below MAX_MESSAGE_BYTES whatever the stored rows hold.
MAX_PAGE_BYTES = 4 * 1024 * 1024
CHANNEL_OPTIONS: Sequence[tuple[str, Any]] = (
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
)


def parse_version(version: str) -> tuple[int, int]:
    """'1.2' -> (1, 2); a malformed version reads as (0, 0), which no one is compatible with."""
    try:
        major, minor = version.split(".", 1)
        return int(major), int(minor.split(".")[0])
    except ValueError:
        return 0, 0


def is_compatible(ours: str, theirs: str) -> bool:
    """Same major version; any minor (an older minor lacks only optional capabilities)."""
    return parse_version(ours)[0] == parse_version(theirs)[0] != 0


class TokenAuthInterceptor(grpc.ServerInterceptor):
    """Rejects calls without `authorization: Bearer <token>` (health and reflection excepted)."""

    def __init__(self, token: str) -> None:
        self._expected = f"Bearer {token}".encode()

        def deny(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "missing or wrong token: pass 'authorization: Bearer <token>' (WEIR_TOKEN / the workspace's token)",
            )

        self._deny_unary: grpc.RpcMethodHandler[Any, Any] = grpc.unary_unary_rpc_method_handler(deny)
        self._deny_stream: grpc.RpcMethodHandler[Any, Any] = grpc.unary_stream_rpc_method_handler(deny)
        # a stream of requests (CodeServer.ServeInstance) is denied by a handler that takes a stream
        self._deny_bidi: grpc.RpcMethodHandler[Any, Any] = grpc.stream_stream_rpc_method_handler(deny)

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: Any) -> Any:
        method = handler_call_details.method
        if method.startswith(OPEN_METHOD_PREFIXES):
            return continuation(handler_call_details)
        sent = dict(handler_call_details.invocation_metadata or ()).get(AUTH_HEADER, "")
        if hmac.compare_digest(sent.encode(), self._expected):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is not None and handler.request_streaming:
            return self._deny_bidi
        if handler is not None and handler.response_streaming:
            return self._deny_stream
        return self._deny_unary


def call_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    """The metadata a client attaches to every call."""
    return ((AUTH_HEADER, f"Bearer {token}"),) if token else ()


def open_channel(address: str, *, tls: bool = False, tls_ca: bytes | None = None) -> grpc.Channel:
    """A channel to a Weir server with the agreed options. TLS when asked for or when a CA certificate is
    given; without one, the server's certificate is checked against the system's roots."""
    if tls or tls_ca is not None:
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(tls_ca), options=CHANNEL_OPTIONS)
    return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)


def add_port(server: grpc.Server, address: str, *, tls_cert: bytes | None = None, tls_key: bytes | None = None) -> int:
    """Bind the server; TLS when a certificate and key are given. Returns the bound port."""
    if tls_cert is not None and tls_key is not None:
        creds = grpc.ssl_server_credentials([(tls_key, tls_cert)])
        return server.add_secure_port(address, creds)
    return server.add_insecure_port(address)


class _Undecodable:
    """What a request that is not a valid message decodes to, so the guard can answer for it."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class RequestGuard(grpc.ServerInterceptor):
    """Every call to a Weir server ends with a status a client can act on, never UNKNOWN.

    A request that does not decode is INVALID_ARGUMENT (gRPC itself would answer INTERNAL); `check` may
    refuse a decoded request by returning a message (INVALID_ARGUMENT); an exception that escapes a
    method is INTERNAL naming only its type: its text may carry internals (SQL, paths), so it goes to
    the server's log. Methods still choose their own status with `context.abort`.
    """

    def __init__(self, check: Callable[[Any], str | None] | None = None) -> None:
        self._check = check

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: Any) -> Any:
        handler = continuation(handler_call_details)
        if handler is None or (handler.request_streaming and not handler.response_streaming):
            return handler
        method = handler_call_details.method.rsplit("/", 1)[-1]
        decode = _lenient(handler.request_deserializer)
        if handler.request_streaming:
            return grpc.stream_stream_rpc_method_handler(
                self._bidi(handler.stream_stream, method),
                request_deserializer=decode,
                response_serializer=handler.response_serializer,
            )
        if handler.response_streaming:
            return grpc.unary_stream_rpc_method_handler(
                self._streaming(handler.unary_stream, method),
                request_deserializer=decode,
                response_serializer=handler.response_serializer,
            )
        return grpc.unary_unary_rpc_method_handler(
            self._unary(handler.unary_unary, method),
            request_deserializer=decode,
            response_serializer=handler.response_serializer,
        )

    def _unary(self, behaviour: Callable[..., Any], method: str) -> Callable[..., Any]:
        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                self._admit(request, context, method)
                return behaviour(request, context)
            except Exception as exc:
                _fail(exc, context, method)

        return guarded

    def _streaming(self, behaviour: Callable[..., Any], method: str) -> Callable[..., Any]:
        def guarded(request: Any, context: grpc.ServicerContext) -> Any:
            try:
                self._admit(request, context, method)
                yield from behaviour(request, context)
            except Exception as exc:
                _fail(exc, context, method)

        return guarded

    def _bidi(self, behaviour: Callable[..., Any], method: str) -> Callable[..., Any]:
        """A stream of requests (CodeServer.ServeInstance) ends at the first one that does not decode, with
        INVALID_ARGUMENT set (the method may consume its requests on a thread of its own, where an abort
        could not end the call)."""

        def decoded(requests: Any, context: grpc.ServicerContext) -> Any:
            for request in requests:
                if isinstance(request, _Undecodable):
                    context.set_code(grpc.StatusCode.INVALID_ARGUMENT)
                    context.set_details(
                        f"{method}: a request is not a valid message ({request.error or 'undecodable'})"
                    )
                    return
                yield request

        def guarded(requests: Any, context: grpc.ServicerContext) -> Any:
            try:
                yield from behaviour(decoded(requests, context), context)
            except Exception as exc:
                _fail(exc, context, method)

        return guarded

    def _admit(self, request: Any, context: grpc.ServicerContext, method: str) -> None:
        if isinstance(request, _Undecodable):
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT,
                f"{method}: the request is not a valid message ({request.error or 'undecodable'})",
            )
        problem = self._check(request) if self._check is not None else None
        if problem:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"{method}: {problem}")


def _lenient(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    def decode(data: bytes) -> Any:
        if deserialize is None:
            return data
        try:
            return deserialize(data)
        except Exception as exc:  # DecodeError, or anything a malformed body raises inside protobuf
            return _Undecodable(exc)

    return decode


def _fail(exc: Exception, context: grpc.ServicerContext, method: str) -> None:
    """An exception escaped a method: re-raise an abort, turn anything else into a short INTERNAL."""
    # ServicerContext.code() exists since grpcio 1.38; types-grpcio does not declare it.
    if context.code() is not None:  # type: ignore[attr-defined]  # the method aborted (or set its status)
        raise exc
    logging.getLogger("weir").error("%s failed", method, exc_info=exc)
    context.abort(
        grpc.StatusCode.INTERNAL,
        f"{method} failed with an internal error ({type(exc).__name__}); the server's log has details",
    )
