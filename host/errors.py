"""Weir's exceptions on the host side, and the one mapping between them and gRPC status codes."""

from __future__ import annotations

import functools
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
    details = error.details() if hasattr(error, "details") else str(error)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return WeirError(f"{what}: {details}")
    if code == grpc.StatusCode.UNAVAILABLE and details.startswith(STORAGE_UNAVAILABLE):
        return StorageUnavailable(f"{what}: {details}")
    if code == grpc.StatusCode.UNAVAILABLE:
        return LocationUnavailable(f"{what} is not reachable ({details})")
    return _BY_STATUS.get(code, WeirError)(f"{what}: {details}")


def grpc_errors(method: F) -> F:
    """Servicer methods raise Weir's exceptions; the client sees each as its gRPC status code.

    Storage failures and input too deeply nested for the parser map here too, each to a short message
    without internals (never an SQL statement); anything else is the server's RequestGuard's to report.
    """

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except WeirError as exc:
            context.abort(exc.status, str(exc))
        except RecursionError:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the request is nested too deeply to read")
        except Exception as exc:
            mapped = storage_failure(exc)
            if mapped is None:
                raise
            context.abort(mapped.status, str(mapped))

    return wrapper  # type: ignore[return-value]


def storage_failure(exc: BaseException) -> WeirError | None:
    """A SQLAlchemy error as a Weir error whose message names the database's complaint, not the SQL."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy import exc as sa_exc

    reason = _first_line(getattr(exc, "orig", None) or exc)
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError
                  | sa_exc.TimeoutError):
        return StorageUnavailable(f"{STORAGE_UNAVAILABLE}: {reason} (check the storage URL / database)")
    if isinstance(exc, sa_exc.DataError | sa_exc.IntegrityError):
        return StorageRefused(f"storage refused a value: {reason}")
    if isinstance(exc, sa_exc.SQLAlchemyError):
        return WeirError(f"storage error: {type(exc).__name__}: {reason}")
    return None


def _first_line(error: object) -> str:
    """The database's own words, first line only: later lines of psycopg messages repeat the statement."""
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    line = line.split("[SQL:", 1)[0].strip()
    return line[:300]
