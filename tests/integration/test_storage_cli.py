"""`weir storage migrate` and `weir storage prune` as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from host.storage import runs as run_store
from host.storage.engine import default_url, ensure_schema, open_engine
from host.storage.records import RunRecord
from tests.support import REPO


def _weir(home, *args: str) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    env = {**os.environ, "WEIR_HOME": str(home)}
    env.pop("WEIR_STORAGE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )


def _run(run_id: str, created_at: float, status: str) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        location="sales",
        job_name="daily",
        status=status,
        asset_selection=(),
        run_config_json="{}",
        tags={},
        snapshot_id="s",
        created_at=created_at,
        ended_at=created_at + 1 if status != "STARTED" else None,
    )


def test_migrate_then_prune_deletes_only_old_finished_runs(tmp_path):
    home = tmp_path / "home"
    migrated = _weir(home, "storage", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "is at revision" in migrated.stdout
    engine = open_engine(default_url(home))
    ensure_schema(engine)  # the CLI left the schema at head
    now = time.time()
    with engine.begin() as conn:
        run_store.add_run(conn, _run("old-finished", now - 40 * 86400, "SUCCESS"))
        run_store.add_run(conn, _run("old-running", now - 40 * 86400, "STARTED"))
        run_store.add_run(conn, _run("recent", now - 86400, "FAILURE"))
    pruned = _weir(home, "storage", "prune", "--older-than", "30d")
    assert pruned.returncode == 0, pruned.stderr
    assert "pruned 1 runs older than 30d" in pruned.stdout
    with engine.connect() as conn:
        assert run_store.get_run(conn, "old-finished") is None
        assert run_store.get_run(conn, "old-running") is not None
        assert run_store.get_run(conn, "recent") is not None
    engine.dispose()


def test_prune_with_a_malformed_age_says_how_to_write_it(tmp_path):
    out = _weir(tmp_path / "home", "storage", "prune", "--older-than", "a month")
    assert out.returncode == 2
    assert "use a number and a unit, like 30d, 12h, 90m" in out.stderr
