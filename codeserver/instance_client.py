"""The callers' end of the instance facade, in run workers and user processes: InstanceClient is the
transport sdk.host_instance.HostInstance is built on, one CallInstance on the code server per call
(codeserver/instance.py forwards it to the host).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codeserver.instance import DEFAULT_CALL_SECONDS
from protos.weir.v1 import codeserver_pb2

if TYPE_CHECKING:
    import grpc


class InstanceClient:
    """The transport of a HostInstance: one CallInstance per method call, on this process's own channel.

    A run worker's client reads the endpoint file at each call, so it follows its code server across a
    restart; an evaluation's client is given the endpoint. The channel is made in the process that
    calls (a forked step process makes its own)."""

    def __init__(
        self,
        *,
        run_id: str = "",
        evaluation_id: str = "",
        endpoint: Mapping[str, str] | None = None,
        endpoint_file: Path | None = None,
        timeout: float = DEFAULT_CALL_SECONDS,
    ) -> None:
        self._call = codeserver_pb2.InstanceCall(run_id=run_id, evaluation_id=evaluation_id)
        self._endpoint = dict(endpoint) if endpoint is not None else None
        self._endpoint_file = endpoint_file
        self._timeout = timeout
        self._channel: tuple[int, dict[str, str], grpc.Channel] | None = None

    def __call__(self, method: str, arguments: Mapping[str, Any]) -> Any:
        import grpc  # here, not at import: a user process that never asks the instance never loads grpc

        from protos import wire
        from protos.weir.v1 import codeserver_pb2_grpc
        from sdk.host_instance import HostInstanceError

        found = self._current_endpoint()
        call = codeserver_pb2.InstanceCall()
        call.CopyFrom(self._call)
        call.method, call.arguments_json = method, json.dumps(dict(arguments))
        stub = codeserver_pb2_grpc.CodeServerStub(self._open(found))
        try:
            result = stub.CallInstance(call, timeout=self._timeout, metadata=wire.call_metadata(found["token"]))
        except grpc.RpcError as exc:
            raise HostInstanceError(
                f"context.instance could not reach its code server at {found['address']} "
                f"({exc.code().name}: {exc.details()}); it serves the instance while it runs"
            ) from None
        if result.error:
            raise HostInstanceError(result.error)
        return json.loads(result.result_json or "null")

    def _current_endpoint(self) -> dict[str, str]:
        from sdk.host_instance import HostInstanceError

        if self._endpoint is not None:
            return self._endpoint
        assert self._endpoint_file is not None
        try:
            return dict(json.loads(self._endpoint_file.read_text()))
        except (OSError, ValueError) as exc:
            raise HostInstanceError(
                f"context.instance cannot find its code server ({self._endpoint_file}: {exc}); the code "
                "server that started this run writes it when it starts"
            ) from None

    def _open(self, found: dict[str, str]) -> grpc.Channel:
        if self._channel is not None:
            pid, used, channel = self._channel
            if pid == os.getpid() and used == found:
                return channel
            if pid == os.getpid():
                channel.close()
        from protos import wire

        tls_ca = Path(found["tls_ca"]).read_bytes() if found.get("tls_ca") else None
        channel = wire.open_channel(found["address"], tls_ca=tls_ca)
        self._channel = (os.getpid(), found, channel)
        return channel


def host_instance(client: InstanceClient, where: str) -> Any:
    """The sdk's HostInstance over a client: what context.instance is in a run or an evaluation."""
    from codeserver.convert import event_from_proto
    from protos.weir.v1 import common_pb2
    from sdk.host_instance import HostInstance

    def decode(body: bytes) -> Any:
        return event_from_proto(common_pb2.RunEvent.FromString(body))

    return HostInstance(client, decode, where)


# The evaluation now running in this user process (codeserver/userprocess_child.py sets it per call).
_evaluation: dict[str, Any] = {}


@contextlib.contextmanager
def evaluation_endpoint(found: Mapping[str, Any] | None) -> Iterator[None]:
    """For the length of one call in a user process: where and as what its evaluation calls the instance."""
    _evaluation.clear()
    if found:
        _evaluation.update(found)
    try:
        yield
    finally:
        _evaluation.clear()


def evaluation_instance(kind: str, name: str) -> Any:
    """The HostInstance of the evaluation now running, or None when the code server gave none."""
    found = dict(_evaluation)
    if not found.get("evaluation_id"):
        return None
    evaluation_id = found.pop("evaluation_id")
    return host_instance(InstanceClient(evaluation_id=evaluation_id, endpoint=found), f"{kind} {name!r}")
