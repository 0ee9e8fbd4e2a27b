"""Storage backends for the integration suites: each test gets a fresh database, SQLite under its
WEIR_HOME or a PostgreSQL database of its own (created and dropped around the test)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

POSTGRES_URL_ENV = "WEIR_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Backend:
    name: str
    url: str | None  # None: the default SQLite file under WEIR_HOME

    def env(self) -> dict[str, str]:
        return {"WEIR_STORAGE_URL": self.url} if self.url else {}


def _postgres_admin() -> sa.Engine:
    server = sa.make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL is unreachable at {server.render_as_string()} ({error.orig}). Start it "
                    f"(127.0.0.1:5432, database `test`) or set {POSTGRES_URL_ENV} to enable these tests.")
    return admin


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", None)
        return
    admin = _postgres_admin()
    name = f"weir_it_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield Backend("postgres", admin.url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
