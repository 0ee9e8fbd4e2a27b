"""Container health check: ask the local Weir server's grpc.health.v1 service whether it is SERVING.

    python3 healthcheck.py WEIR_CODE_SERVER_PORT   # a code location's image
    python3 healthcheck.py WEIR_HOST_PORT          # the host's image

The argument names the environment variable that holds the port (the server's own setting). Health
needs no token. With WEIR_TLS_CERT set, the server's certificate is trusted as its own CA and the
name checked is WEIR_HEALTHCHECK_TLS_NAME (default: localhost). Exit 0 when SERVING, 1 otherwise.
"""

from __future__ import annotations

import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

DEFAULT_PORTS = {"WEIR_CODE_SERVER_PORT": "4266", "WEIR_HOST_PORT": "4200"}


def main() -> int:
    port_env = sys.argv[1] if len(sys.argv) > 1 else "WEIR_CODE_SERVER_PORT"
    address = f"127.0.0.1:{os.environ.get(port_env) or DEFAULT_PORTS.get(port_env, '4266')}"
    cert = os.environ.get("WEIR_TLS_CERT")
    if cert:
        with open(cert, "rb") as f:
            credentials = grpc.ssl_channel_credentials(f.read())
        name = os.environ.get("WEIR_HEALTHCHECK_TLS_NAME", "localhost")
        channel = grpc.secure_channel(address, credentials, options=[("grpc.ssl_target_name_override", name)])
    else:
        channel = grpc.insecure_channel(address)
    try:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=3)
    except grpc.RpcError as exc:
        print(f"{address}: {exc.code().name}: {exc.details()}", file=sys.stderr)
        return 1
    finally:
        channel.close()
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{address}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
