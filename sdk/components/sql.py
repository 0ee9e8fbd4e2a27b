"""SqlComponent: a table materialized from a `.sql` file (or inline SQL) through a DuckDB resource, and
DuckDBResource itself. DuckDB is imported only when a run uses the resource: install it with
`pip install 'weir[duckdb]'`; neither the host nor `import sdk` needs it."""

from __future__ import annotations

import contextlib
import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from sdk.components.core import Component, ComponentError, ComponentLoadContext
from sdk.resources import ConfigurableResource


class DuckDBResource(ConfigurableResource):
    """A DuckDB database file (Dagster's dagster_duckdb.DuckDBResource): `with duckdb.get_connection() as conn`."""

    database: str = Field(description="the database file (created if missing), or :memory:")
    connection_config: dict[str, Any] = Field(default_factory=dict, description="duckdb.connect(config=...)")

    @contextlib.contextmanager
    def get_connection(self) -> Iterator[Any]:
        try:
            duckdb = importlib.import_module("duckdb")  # optional: weir[duckdb]
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "DuckDBResource needs the duckdb package in the code location's environment: "
                "pip install 'weir[duckdb]' (or pip install duckdb)"
            ) from None
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(self.database, config=self.connection_config)
        try:
            yield connection
        finally:
            connection.close()


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


class SqlComponent(Component):
    """One asset: `CREATE OR REPLACE TABLE <table> AS <the query>` in DuckDB, through the resource at
    `resource_key`; its materialization records the row count."""

    sql_path: str | None = Field(None, description="a .sql file holding one SELECT, relative to this defs.yaml")
    sql: str | None = Field(None, description="the SELECT itself (instead of sql_path)")
    table: str = Field(description="the table to create or replace (also the asset's name), e.g. orders_summary")
    deps: list[str] = Field(default_factory=list, description="assets the query reads, as keys a/b/c")
    resource_key: str = Field("duckdb", description="the resource key of a DuckDBResource")
    group_name: str | None = Field(None, description="the asset's group")
    description: str | None = Field(None, description="the asset's description")

    @model_validator(mode="after")
    def _one_source(self) -> SqlComponent:
        if (self.sql is None) == (self.sql_path is None):
            raise ValueError("give exactly one of sql_path (a .sql file) and sql (the query itself)")
        if not _NAME.match(self.table):
            raise ValueError(f"table {self.table!r} is not a plain name such as orders or main.orders")
        return self

    @classmethod
    def scaffold_attributes(cls, path: Path) -> str:
        name = path.name if path.name.isidentifier() else "my_table"
        (path / f"{name}.sql").write_text("select 1 as id\n")
        return f"attributes:\n  sql_path: {name}.sql\n  table: {name}\n  deps: []\n"

    def build_defs(self, context: ComponentLoadContext) -> Any:
        from sdk.assets import asset
        from sdk.definitions_class import Definitions
        from sdk.keys import AssetKey
        from sdk.outputs import MaterializeResult

        if self.sql_path is not None:
            path = context.resolve_path(self.sql_path)
            if not path.is_file():
                raise ComponentError(f"{context.source}: sql_path {self.sql_path!r}: {path} does not exist")
            query = path.read_text()
        else:
            query = str(self.sql)
        query = query.strip().rstrip(";")
        table, key = self.table, self.resource_key

        def materialize(context: Any) -> MaterializeResult:
            with getattr(context.resources, key).get_connection() as connection:
                connection.execute(f"create or replace table {table} as {query}")
                rows = connection.execute(f"select count(*) from {table}").fetchone()[0]
            return MaterializeResult(metadata={"rows": int(rows), "table": table})

        materialize.__name__ = table.replace(".", "__")
        definition = asset(
            name=table.split(".")[-1],
            deps=[AssetKey(d.split("/")) for d in self.deps],
            group_name=self.group_name,
            description=self.description or f"table {table} from {self.sql_path or 'inline SQL'}",
            kinds=["duckdb", "sql"],
            required_resource_keys={key},
            metadata={"sql": query},
        )(materialize)
        return Definitions(assets=[definition])
