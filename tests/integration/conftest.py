"""Storage backends for the integration suites: each test gets a fresh database, SQLite under its
WEIR_HOME or a PostgreSQL database of its own (created and dropped around the test)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.postgres import fresh_database


@dataclass(frozen=True)
class Backend:
    name: str
    url: str | None  # None: the default SQLite file under WEIR_HOME

    def env(self) -> dict[str, str]:
        return {"WEIR_STORAGE_URL": self.url} if self.url else {}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", None)
        return
    with fresh_database("weir_it") as url:
        yield Backend("postgres", url)
