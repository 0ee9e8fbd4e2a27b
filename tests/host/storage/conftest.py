"""Storage backends for the contract tests: SQLite in a tmp dir, PostgreSQL in a database of its own.

A contract class is written once and subclassed per backend; the subclass sets `backend = "sqlite"` or
`backend = "postgres"`, and the `engine` fixture gives it a database at the head revision. PostgreSQL
tests run in a database created for the session (random name, dropped at the end) on the server named
by WEIR_TEST_POSTGRES_URL, and skip, saying how to enable them, when that server is unreachable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from host.storage.engine import ensure_schema, open_engine
from host.storage.records import RunRecord
from host.storage.schema import metadata
from tests.postgres import fresh_database


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh database, created on the test server for this session and dropped after it."""
    with fresh_database("weir_test") as url:
        yield url


@pytest.fixture
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database at the head revision, empty, for the test class's backend."""
    engine = _open_backend(request, tmp_path)
    ensure_schema(engine)
    try:
        yield engine
    finally:
        if engine.dialect.name == "postgresql":
            _truncate_all(engine)
        engine.dispose()


@pytest.fixture
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database without any schema, for migration tests."""
    engine = _open_backend(request, tmp_path)
    _drop_everything(engine)
    try:
        yield engine
    finally:
        _drop_everything(engine)
        engine.dispose()


@pytest.fixture
def make_run() -> Callable[..., RunRecord]:
    """Builds a RunRecord with defaults for every field the test does not care about."""

    def make(run_id: str, created_at: float = 1_000.0, **fields: Any) -> RunRecord:
        values: dict[str, Any] = {
            "location": "sales",
            "job_name": "daily",
            "status": "QUEUED",
            "asset_selection": ("sales/orders",),
            "run_config_json": "{}",
            "tags": {},
            "snapshot_id": "snap-1",
        }
        values.update(fields)
        return RunRecord(run_id=run_id, created_at=created_at, **values)

    return make


def _open_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    backend = getattr(request.cls, "backend", "sqlite")
    if backend == "postgres":
        return open_engine(request.getfixturevalue("postgres_url"))
    if backend == "sqlite":
        return open_engine(f"sqlite:///{tmp_path / 'weir.db'}")
    raise ValueError(f"Unknown storage backend {backend!r} on {request.cls}.")


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _drop_everything(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    else:
        reflected = sa.MetaData()
        reflected.reflect(engine)
        reflected.drop_all(engine)
