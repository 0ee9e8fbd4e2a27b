"""What both ends of a Weir gRPC channel agree on: protocol version, auth token, channel options.

Hand-written (unlike the generated modules beside it) because the host and the code server both need
it and neither may import the other.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Any

import grpc

PROTOCOL_VERSION = "1.0"
AUTH_HEADER = "authorization"
# Health and reflection stay open so probes (docker HEALTHCHECK, kubernetes) need no token.
OPEN_METHOD_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/",
                        "/grpc.reflection.v1.ServerReflection/")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# A batch of run events stays far below MAX_MESSAGE_BYTES however the journal grows; one event larger
# than MAX_EVENT_BYTES is truncated by the worker that writes it (with a marker saying so).
MAX_EVENT_BATCH_BYTES = 8 * 1024 * 1024
MAX_EVENT_BYTES = 1024 * 1024
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
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong token: pass "
                          "'authorization: Bearer <token>' (WEIR_TOKEN / the workspace's token)")

        self._deny_unary = grpc.unary_unary_rpc_method_handler(deny)
        self._deny_stream = grpc.unary_stream_rpc_method_handler(deny)

    def intercept_service(self, continuation: Callable[..., Any], handler_call_details: Any) -> Any:
        method = handler_call_details.method
        if method.startswith(OPEN_METHOD_PREFIXES):
            return continuation(handler_call_details)
        sent = dict(handler_call_details.invocation_metadata or ()).get(AUTH_HEADER, "")
        if hmac.compare_digest(sent.encode(), self._expected):
            return continuation(handler_call_details)
        handler = continuation(handler_call_details)
        if handler is not None and handler.response_streaming:
            return self._deny_stream
        return self._deny_unary


def call_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    """The metadata a client attaches to every call."""
    return ((AUTH_HEADER, f"Bearer {token}"),) if token else ()


def open_channel(address: str, *, tls_ca: bytes | None = None) -> grpc.Channel:
    """A channel to a Weir server with the agreed options; TLS when a CA certificate is given."""
    if tls_ca is not None:
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(tls_ca), options=CHANNEL_OPTIONS)
    return grpc.insecure_channel(address, options=CHANNEL_OPTIONS)


def add_port(server: grpc.Server, address: str, *, tls_cert: bytes | None = None,
             tls_key: bytes | None = None) -> int:
    """Bind the server; TLS when a certificate and key are given. Returns the bound port."""
    if tls_cert is not None and tls_key is not None:
        creds = grpc.ssl_server_credentials([(tls_key, tls_cert)])
        return server.add_secure_port(address, creds)
    return server.add_insecure_port(address)
