"""How the Host API answers a failure: each Weir error as its gRPC status code, storage failures as a
short message without internals (never an SQL statement). The one place errors become statuses."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import NoReturn, TypeVar

import grpc

from host.errors import STORAGE_UNAVAILABLE, StorageRefused, StorageUnavailable, WeirError

Servicer = TypeVar("Servicer")
Request = TypeVar("Request")
Reply = TypeVar("Reply")
# A servicer method as gRPC calls it: (self, request, context) -> reply (or an iterator of replies).
Method = Callable[[Servicer, Request, grpc.ServicerContext], Reply]


def grpc_errors(method: Method[Servicer, Request, Reply]) -> Method[Servicer, Request, Reply]:
    """Servicer methods raise Weir's exceptions; the client sees each as its gRPC status code.

    Storage failures and input too deeply nested for the parser map here too, each to a short message
    without internals (never an SQL statement); anything else is the server's RequestGuard's to report.
    """

    @functools.wraps(method)
    def wrapper(self: Servicer, request: Request, context: grpc.ServicerContext) -> Reply:
        try:
            return method(self, request, context)
        except Exception as exc:
            _abort(exc, context)

    return wrapper


def grpc_stream_errors(
    method: Method[Servicer, Request, Iterator[Reply]],
) -> Method[Servicer, Request, Iterator[Reply]]:
    """`grpc_errors` for a server-streaming method: its errors arise while the reply is iterated."""

    @functools.wraps(method)
    def wrapper(self: Servicer, request: Request, context: grpc.ServicerContext) -> Iterator[Reply]:
        try:
            yield from method(self, request, context)
        except Exception as exc:
            _abort(exc, context)

    return wrapper


def _abort(exc: Exception, context: grpc.ServicerContext) -> NoReturn:
    """End the call with the status of a Weir or storage error; re-raise anything else."""
    if isinstance(exc, WeirError):
        context.abort(exc.status, str(exc))
    if isinstance(exc, RecursionError):
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the request is nested too deeply to read")
    mapped = storage_failure(exc)
    if mapped is None:
        raise exc
    context.abort(mapped.status, str(mapped))


def storage_failure(exc: BaseException) -> WeirError | None:
    """A SQLAlchemy error as a Weir error whose message names the database's complaint, not the SQL."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    from sqlalchemy import exc as sa_exc

    reason = _first_line(getattr(exc, "orig", None) or exc)
    if isinstance(
        exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError | sa_exc.TimeoutError
    ):
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
