"""The one place that assembles the Host API gRPC server: servicer, health, reflection, auth, request
limits, port."""

from __future__ import annotations

from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from host.api import limits
from host.api.servicer import HostServicer
from host.serve.app import HostApp
from protos import wire
from protos.weir.v1 import host_pb2, host_pb2_grpc


def create_server(
    app: HostApp, address: str, *, token: str | None = None, tls_cert: bytes | None = None, tls_key: bytes | None = None
) -> tuple[grpc.Server, int]:
    """A Host API server bound to address (port 0 picks one), not yet started."""
    auth = [wire.TokenAuthInterceptor(token)] if token else []
    interceptors = [*auth, wire.RequestGuard(check=limits.check_request)]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32), interceptors=interceptors, options=wire.CHANNEL_OPTIONS
    )
    host_pb2_grpc.add_HostServicer_to_server(HostServicer(app), server)
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    services = (
        host_pb2.DESCRIPTOR.services_by_name["Host"].full_name,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(services, server)
    port = wire.add_port(server, address, tls_cert=tls_cert, tls_key=tls_key)
    return server, port
