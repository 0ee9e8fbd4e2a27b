"""Opening the database and keeping its schema at the revision this code expects.

SQLite is the zero-configuration default (one writer: the host, rule 7); PostgreSQL comes by URL.
The alembic migrations ship inside this package and run programmatically, so a user needs no
alembic.ini: `weir storage migrate` calls `migrate`, the host calls `ensure_schema` at start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine, make_url

from host.errors import ConfigError
from host.storage.errors import SchemaOutdatedError, SchemaTooNewError, UnknownDatabaseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATION_LOCK_KEY = 0x5745_4952  # "WEIR": the PostgreSQL advisory lock taken while migrating
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10  # a server that does not answer is an error at start-up, not a hang


def default_url(weir_home: Path) -> str:
    """The embedded database: one SQLite file under $WEIR_HOME."""
    path = Path(weir_home).expanduser().resolve() / "weir.db"
    return sa.URL.create("sqlite", database=str(path)).render_as_string()


def open_engine(url: str) -> Engine:
    """An engine for a storage URL; `postgresql://` URLs are driven by psycopg 3.

    Args:
        url: `sqlite:///path/weir.db` or `postgresql+psycopg://user@host/db`.

    Raises:
        ConfigError: the URL is malformed, names a database Weir does not drive, or a SQLite file
            whose directory cannot be created. Nothing is connected yet.
    """
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(
            "the storage URL is not a database URL; write it like "
            "postgresql://user:password@host:5432/database or sqlite:////path/to/weir.db"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        if parsed.get_backend_name() == "sqlite":
            return _open_sqlite(parsed)
        connect_args = (
            {} if "connect_timeout" in parsed.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
        )
        return sa.create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise ConfigError(
            f"the storage URL names {parsed.drivername!r}, which Weir cannot drive ({exc}); "
            "use sqlite:///... or postgresql://..."
        ) from None


def _open_sqlite(url: sa.URL) -> Engine:
    if url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"the SQLite database's directory {folder} cannot be created ({exc.strerror}); choose a writable place"
            ) from None
    engine = sa.create_engine(url)
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers run beside the writer; NORMAL sync is durable across process crashes in WAL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """The alembic configuration, built in code: the migrations are package data."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The schema revision this code reads and writes."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision; None for a database without Weir's schema.

    Raises:
        ConfigError: the database cannot be reached; the message says why and what to check.
    """
    try:
        conn = engine.connect()
    except sa.exc.DBAPIError as exc:
        raise ConfigError(connection_problem(engine, exc)) from None
    with conn:
        return MigrationContext.configure(conn).get_current_revision()


def connection_problem(engine: Engine, exc: sa.exc.DBAPIError) -> str:
    """One line saying which database could not be reached, the driver's reason, and what to check."""
    reason = " ".join(str(exc.orig).split()).rstrip(".?!") or type(exc.orig).__name__
    where = engine.url.render_as_string(hide_password=True)
    lowered = reason.lower()
    if "does not exist" in lowered and "database" in lowered:
        hint = f"create it (createdb {engine.url.database}) or point the URL at an existing database"
    elif "password" in lowered or "authentication" in lowered or "role" in lowered:
        hint = "check the user name and password in the URL"
    elif engine.dialect.name == "sqlite":
        hint = "check that the file's directory exists and is writable"
    else:
        hint = "check that the server runs and that the host and port in the URL are right"
    return f"cannot connect to the database at {where}: {reason}. {hint[0].upper()}{hint[1:]}."


def migrate(engine: Engine, revision: str = "head") -> str:
    """Upgrade the schema (from nothing, or from an older revision); returns the revision reached.

    Raises:
        UnknownDatabaseError: the database holds tables that Weir did not create.
        SchemaTooNewError: a newer Weir migrated this database.
    """
    _refuse_unknown(engine, current_revision(engine))
    with engine.begin() as conn:
        _lock_for_migration(conn)
        command.upgrade(alembic_config(conn), revision)
    reached = current_revision(engine)
    assert reached is not None
    return reached


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on another revision than head.

    An older schema is never upgraded implicitly: migrating is a deliberate step, taken with
    `weir storage migrate` after a backup.

    Raises:
        SchemaOutdatedError: the database is at an older revision; the message names the command.
        SchemaTooNewError, UnknownDatabaseError: see `migrate`.
    """
    head = head_revision()
    current = current_revision(engine)
    if current == head:
        return
    _refuse_unknown(engine, current)
    if current is None:
        migrate(engine)
        return
    raise SchemaOutdatedError(current, head)


def _refuse_unknown(engine: Engine, current: str | None) -> None:
    if current is None:
        if set(sa.inspect(engine).get_table_names()) - {"alembic_version"}:
            raise UnknownDatabaseError(
                f"The database at {engine.url.render_as_string(hide_password=True)} holds tables but no "
                "Weir schema. Point WEIR_STORAGE_URL at an empty database or one Weir created."
            )
        return
    known = {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if current not in known:
        raise SchemaTooNewError(current, head_revision())


def _lock_for_migration(conn: sa.Connection) -> None:
    """Hosts starting together on one database migrate one after the other; the later one finds head.

    On SQLite, BEGIN IMMEDIATE also makes the migration one transaction (pysqlite would otherwise run
    the DDL outside any transaction).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    elif conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
