"""A tick keeps what its evaluation printed, set when recorded or when finished, on both backends; a
page of ticks counts the output in its size."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from host.storage import instigators

SENSOR = {"location": "sales", "name": "files", "kind": "SENSOR"}
OUTPUT = "from-print\nfrom-stderr ünïcode\n[... 1,000 bytes truncated ...]\nfrom-shell\n"


class TickOutputContract:
    backend: str

    def test_output_is_kept_when_recorded_and_when_finished(self, engine: Engine) -> None:
        with engine.begin() as conn:
            sensor = instigators.add_tick(conn, status="SKIPPED", timestamp=1.0, output=OUTPUT, **SENSOR)
            quiet = instigators.add_tick(conn, status="SKIPPED", timestamp=2.0, **SENSOR)
            slot = {"location": "sales", "name": "nightly", "kind": "SCHEDULE", "logical_time": 60.0}
            started = instigators.add_tick(conn, status="STARTED", timestamp=3.0, **slot)
            instigators.update_tick(conn, started.tick_id, status="SUCCESS", output="scheduled\n")
        with engine.connect() as conn:
            stored = [instigators.get_tick(conn, t.tick_id) for t in (sensor, quiet, started)]
        assert [t.output if t else "missing" for t in stored] == [OUTPUT, None, "scheduled\n"]

    def test_a_page_of_ticks_counts_their_output(self, engine: Engine) -> None:
        with engine.begin() as conn:
            for second in range(3):
                instigators.add_tick(conn, status="SKIPPED", timestamp=float(second), output="x" * 40_000, **SENSOR)
            page, cursor = instigators.list_ticks_page(conn, "sales", "files", "SENSOR", limit=10, max_bytes=100_000)
        assert len(page) == 2 and cursor is not None


class TestTickOutputSqlite(TickOutputContract):
    backend = "sqlite"


@pytest.mark.postgres
class TestTickOutputPostgres(TickOutputContract):
    backend = "postgres"
