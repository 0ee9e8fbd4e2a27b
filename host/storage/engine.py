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

from host.storage.errors import SchemaOutdatedError, SchemaTooNewError, UnknownDatabaseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
MIGRATION_LOCK_KEY = 0x5745_4952  # "WEIR": the PostgreSQL advisory lock taken while migrating


def default_url(weir_home: Path) -> str:
    """The embedded database: one SQLite file under $WEIR_HOME."""
    path = Path(weir_home).expanduser().resolve() / "weir.db"
    return sa.URL.create("sqlite", database=str(path)).render_as_string()


def open_engine(url: str) -> Engine:
    """An engine for a storage URL; `postgresql://` URLs are driven by psycopg 3.

    Args:
        url: `sqlite:///path/weir.db` or `postgresql+psycopg://user@host/db`.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        return _open_sqlite(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True)


def _open_sqlite(url: sa.URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
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
    """The database's schema revision; None for a database without Weir's schema."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


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
