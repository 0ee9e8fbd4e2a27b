"""Weir's exceptions on the host side, and the one mapping between them and gRPC status codes."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import grpc

F = TypeVar("F", bound=Callable[..., Any])


class WeirError(Exception):
    """Base of every error Weir reports to a person; the message says what to do."""

    status = grpc.StatusCode.INTERNAL


class ConfigError(WeirError):
    """Bad configuration: workspace.yaml, weir.yaml, or a run's config."""

    status = grpc.StatusCode.INVALID_ARGUMENT


class LocationNotFound(WeirError):
    status = grpc.StatusCode.NOT_FOUND


class LocationUnavailable(WeirError):
    """The location's code server cannot be reached or has no loaded code."""

    status = grpc.StatusCode.UNAVAILABLE


class LocationLoadError(WeirError):
    status = grpc.StatusCode.FAILED_PRECONDITION


class IncompatibleProtocol(WeirError):
    status = grpc.StatusCode.FAILED_PRECONDITION


class RunNotFound(WeirError):
    status = grpc.StatusCode.NOT_FOUND


class DefinitionNotFound(WeirError):
    """A job, asset, schedule or sensor that the location's snapshot does not have."""

    status = grpc.StatusCode.NOT_FOUND


class RunStateError(WeirError):
    """The run's status does not allow what was asked (re-executing from failure a run that succeeded)."""

    status = grpc.StatusCode.FAILED_PRECONDITION


class HostNotFound(WeirError):
    """The CLI found no running host."""

    status = grpc.StatusCode.UNAVAILABLE


STORAGE_UNAVAILABLE = "storage unavailable"


class StorageUnavailable(WeirError):
    """The database cannot be reached or is locked; trying again later may work."""

    status = grpc.StatusCode.UNAVAILABLE


class StorageRefused(WeirError):
    """The database refused a value or a change (a bug elsewhere let it through)."""

    status = grpc.StatusCode.INVALID_ARGUMENT


_BY_STATUS: dict[grpc.StatusCode, type[WeirError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: ConfigError,
    grpc.StatusCode.NOT_FOUND: DefinitionNotFound,
    grpc.StatusCode.UNAVAILABLE: LocationUnavailable,
    grpc.StatusCode.FAILED_PRECONDITION: LocationLoadError,
}


def from_rpc_error(error: grpc.RpcError, *, what: str) -> WeirError:
    """A gRPC failure as the Weir error a person can act on; `what` names the thing called."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = (error.details() if hasattr(error, "details") else str(error)) or code.name
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return WeirError(f"{what}: {details}")
    if code == grpc.StatusCode.UNAVAILABLE and details.startswith(STORAGE_UNAVAILABLE):
        return StorageUnavailable(f"{what}: {details}")
    if code == grpc.StatusCode.UNAVAILABLE:
        return LocationUnavailable(f"{what} is not reachable ({details})")
    return _BY_STATUS.get(code, WeirError)(f"{what}: {details}")


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """How every `weir` command reports a Weir error: one clear line and exit status 1, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except WeirError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            sys.exit(1)

    return wrapper
