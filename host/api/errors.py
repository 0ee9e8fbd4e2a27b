"""How the Host API answers a failure: each Weir error as its gRPC status code, storage failures as a
short message without internals (never an SQL statement). The one place errors become statuses."""

from __future__ import annotations

import functools
from typing import Any, TypeVar

import grpc

from host.errors import STORAGE_UNAVAILABLE, StorageRefused, StorageUnavailable, WeirError

F = TypeVar("F")


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
