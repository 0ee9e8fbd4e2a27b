"""Schema contract: migrations are the schema, an old database is refused until migrated, then kept."""

from __future__ import annotations

import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from host.storage import runs
from host.storage.engine import (
    alembic_config,
    current_revision,
    default_url,
    ensure_schema,
    head_revision,
    migrate,
    open_engine,
)
from host.storage.errors import SchemaOutdatedError, SchemaTooNewError, UnknownDatabaseError
from host.storage.schema import metadata

OLD_DATABASE = Path(__file__).parent / "fixtures" / "weir_rev0001.sqlite"
INSERT_OLD_RUN = sa.text(
    "INSERT INTO runs (run_id, location, job_name, status, asset_selection, run_config_json, tags,"
    " snapshot_id, run_key, created_at) VALUES ('old', 'sales', 'daily', 'SUCCESS', '[]', '{}',"
    " '{\"team\": \"ops\"}', 'snap', '', 5.0)"
)


class SchemaContract:
    backend: str

    def test_head_migration_and_table_declarations_agree(self, engine: Engine) -> None:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            assert compare_metadata(context, metadata) == []

    def test_an_empty_database_is_created_at_head_and_then_left_alone(self, empty_engine: Engine) -> None:
        assert current_revision(empty_engine) is None
        ensure_schema(empty_engine)
        assert current_revision(empty_engine) == head_revision()
        ensure_schema(empty_engine)
        assert current_revision(empty_engine) == head_revision()

    def test_an_older_schema_is_refused_until_migrated_and_its_runs_survive(self, empty_engine: Engine) -> None:
        assert migrate(empty_engine, "0001") == "0001"
        with empty_engine.begin() as conn:
            conn.execute(INSERT_OLD_RUN)
        with pytest.raises(SchemaOutdatedError, match="weir storage migrate"):
            ensure_schema(empty_engine)
        assert migrate(empty_engine) == head_revision()
        ensure_schema(empty_engine)
        with empty_engine.connect() as conn:
            old = runs.get_run(conn, "old")
            assert old is not None and old.tags == {"team": "ops"}
            assert runs.count_runs_by_tag(conn, ["SUCCESS"], "team") == {"ops": 1}

    def test_a_schema_from_a_newer_weir_is_refused(self, empty_engine: Engine) -> None:
        migrate(empty_engine)
        with empty_engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaTooNewError, match="Upgrade Weir"):
            ensure_schema(empty_engine)

    def test_a_schema_from_a_newer_weir_is_not_migrated_either(self, empty_engine: Engine) -> None:
        migrate(empty_engine)
        with empty_engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaTooNewError):
            migrate(empty_engine)

    def test_a_database_of_someone_else_is_refused(self, empty_engine: Engine) -> None:
        with empty_engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
        with pytest.raises(UnknownDatabaseError, match="empty database"):
            ensure_schema(empty_engine)
        with pytest.raises(UnknownDatabaseError):
            migrate(empty_engine)

    def test_hosts_starting_together_on_an_empty_database_both_start(self, empty_engine: Engine) -> None:
        url = empty_engine.url.render_as_string(hide_password=False)
        engines = [open_engine(url) for _ in range(3)]
        barrier = threading.Barrier(len(engines))

        def start(engine: Engine) -> str | None:
            barrier.wait()
            ensure_schema(engine)
            return current_revision(engine)

        try:
            with ThreadPoolExecutor(len(engines)) as pool:
                assert list(pool.map(start, engines)) == [head_revision()] * len(engines)
        finally:
            for engine in engines:
                engine.dispose()

    def test_migrations_go_down_to_nothing_and_up_again(self, empty_engine: Engine) -> None:
        migrate(empty_engine)
        with empty_engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert set(sa.inspect(empty_engine).get_table_names()) <= {"alembic_version"}
        assert migrate(empty_engine) == head_revision()


class TestSchemaSqlite(SchemaContract):
    backend = "sqlite"

    def test_the_kept_old_database_is_refused_then_migrated_with_its_runs(self, tmp_path: Path) -> None:
        path = tmp_path / "weir.db"
        shutil.copy(OLD_DATABASE, path)
        engine = open_engine(f"sqlite:///{path}")
        try:
            with pytest.raises(SchemaOutdatedError, match="weir storage migrate") as refused:
                ensure_schema(engine)
            assert (refused.value.current, refused.value.head) == ("0001", head_revision())
            assert migrate(engine) == head_revision()
            ensure_schema(engine)
            with engine.connect() as conn:
                old = runs.list_runs(conn)[0]
                assert [run.run_id for run in old] == ["old-3", "old-2", "old-1"]
                assert old[1].tags == {"team": "ops", "weir/priority": "1"}
                assert runs.count_runs_by_tag(conn, ["SUCCESS", "FAILURE"], "team") == {"ops": 2}
                assert (old[0].parent_run_id, old[0].root_run_id, old[0].step_selection) == (None, None, ())
        finally:
            engine.dispose()

    def test_sqlite_connections_use_wal_busy_timeout_normal_sync_and_foreign_keys(self, engine: Engine) -> None:
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys")
            }
        assert pragma == {"journal_mode": "wal", "busy_timeout": 30_000, "synchronous": 1, "foreign_keys": 1}

    def test_default_url_is_a_file_under_weir_home_created_on_open(self, tmp_path: Path) -> None:
        url = default_url(tmp_path / "home")
        assert url == f"sqlite:///{tmp_path / 'home' / 'weir.db'}"
        engine = open_engine(url)
        try:
            ensure_schema(engine)
            assert (tmp_path / "home" / "weir.db").exists()
        finally:
            engine.dispose()

    def test_plain_postgresql_urls_are_driven_by_psycopg(self) -> None:
        engine = open_engine("postgresql://weir@db.invalid:5432/weir")
        assert engine.url.drivername == "postgresql+psycopg"
        engine.dispose()


@pytest.mark.postgres
class TestSchemaPostgres(SchemaContract):
    backend = "postgres"
