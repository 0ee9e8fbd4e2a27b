"""Storage errors: each says what to do about it."""

from __future__ import annotations

import grpc

from host.errors import WeirError


class StorageError(WeirError):
    """Base of every error raised by host.storage."""


class SchemaOutdatedError(StorageError):
    """The database was created by an older Weir; the host refuses to run on it until it is migrated."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(
            f"The storage schema is at revision {current}, this Weir needs {head}. "
            "Run `weir storage migrate` to upgrade it (back up the database first)."
        )
        self.current = current
        self.head = head


class SchemaTooNewError(StorageError):
    """The database was migrated by a newer Weir than this one."""

    def __init__(self, current: str, head: str) -> None:
        super().__init__(
            f"The storage schema is at revision {current}, which this Weir does not know (its newest is "
            f"{head}). Upgrade Weir to the version that migrated this database."
        )
        self.current = current
        self.head = head


class UnknownDatabaseError(StorageError):
    """The database holds tables but no Weir schema revision."""


class AlreadyExistsError(StorageError):
    """A row with this key or identity is already stored; retrying an insert is safe and changes nothing."""

    status = grpc.StatusCode.ALREADY_EXISTS


class DuplicateRunError(AlreadyExistsError):
    """A run with this id, or this schedule / sensor / backfill identity, already exists (rule 6)."""


class DuplicateTickError(AlreadyExistsError):
    """A tick for this schedule and logical time already exists (rule 6)."""


class DuplicateBackfillError(AlreadyExistsError):
    """A backfill with this id already exists."""


class RunNotFoundError(StorageError, LookupError):
    """No run has this id."""

    status = grpc.StatusCode.NOT_FOUND


class NotFoundError(StorageError, LookupError):
    """No row has this key (tick, backfill)."""


class InvalidValueError(StorageError, ValueError):
    """A value storage will not hold (a NUL character, which PostgreSQL refuses and SQLite would keep),
    or a malformed page cursor or limit."""

    status = grpc.StatusCode.INVALID_ARGUMENT
