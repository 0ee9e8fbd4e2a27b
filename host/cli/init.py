"""`weir init NAME`: a new project folder with one code location built on a defs folder — a Python
asset and a SQL component materializing a DuckDB table — a test, and the location declared in
pyproject.toml so that `weir dev` in the folder serves it. Writes files only; imports no user code."""

from __future__ import annotations

import re
from pathlib import Path

import click

PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["weir[duckdb]"]

[project.optional-dependencies]
dev = ["pytest"]

[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[tool.setuptools.packages.find]
where = ["src"]

# The code location `weir dev` serves in this folder (Dagster's [tool.dagster] is read too).
[tool.weir]
module_name = "{package}.definitions"
code_location_name = "{package}"
# python = ".venv/bin/python"  # the location's interpreter (default: the one running weir)

[tool.pytest.ini_options]
pythonpath = ["src"]
"""

DEFINITIONS = '''\
"""The code location: everything under defs/ (Python modules and defs.yaml components), merged."""

from pathlib import Path

from sdk.components import definitions, load_from_defs_folder


@definitions
def defs():
    return load_from_defs_folder(path_within_project=Path(__file__).parent)
'''

RESOURCES = '''\
"""Resources the assets of this project share: the DuckDB warehouse."""

import os
from pathlib import Path

import sdk as dg
from sdk.components import DuckDBResource, definitions

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@definitions
def resources() -> dg.Definitions:
    database = PROJECT_ROOT / os.environ.get("DUCKDB_DATABASE", "data/warehouse.duckdb")
    return dg.Definitions(resources={"duckdb": DuckDBResource(database=str(database))})
'''

ASSETS = '''\
"""A Python asset: loads raw orders into the warehouse."""

import sdk as dg
from sdk.components import DuckDBResource

ORDERS = [(1, "apple", 3), (2, "pear", 5), (3, "apple", 2)]


@dg.asset(kinds=["python", "duckdb"])
def raw_orders(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Orders as they arrive (here: a few rows written by hand)."""
    with duckdb.get_connection() as connection:
        connection.execute("create or replace table raw_orders (id integer, product varchar, quantity integer)")
        connection.executemany("insert into raw_orders values (?, ?, ?)", ORDERS)
    return dg.MaterializeResult(metadata={{"rows": len(ORDERS)}})
'''

SQL_YAML = """\
# A component instance: `weir components list` shows the types and their attributes,
# `weir components check` validates this file.
type: weir.SqlComponent

attributes:
  sql_path: orders_by_product.sql
  table: orders_by_product
  deps: [raw_orders]
"""

SQL = """\
select product, sum(quantity) as quantity
from raw_orders
group by product
order by product
"""

TEST = """\
from {package}.definitions import defs


def test_defs_load():
    loaded = defs()
    loaded.validate_loadable()
    keys = {{key.to_user_string() for asset in loaded.assets for key in asset.keys}}
    assert {{"raw_orders", "orders_by_product"}} <= keys
"""

ENV_EXAMPLE = """\
# Copy to .env (kept out of git): `weir dev` passes these to the code location.
# DUCKDB_DATABASE=data/warehouse.duckdb
"""

GITIGNORE = ".env\n.venv/\n.weir/\ndata/\n__pycache__/\n*.egg-info/\n"

README = """\
# {name}

A Weir project. In a virtual environment with Weir installed:

    pip install -e '.[dev]'
    weir dev                 # the host, this code location and the web UI
    weir materialize --location {package}
    pytest

`src/{package}/defs/` holds the definitions: Python modules (`assets.py`, `resources.py`) and
component instances (`orders_by_product/defs.yaml`). `weir components list` shows the component
types, `weir scaffold defs weir.SqlComponent PATH` adds one, `weir components check` validates them.
"""


@click.command("init")
@click.argument("name")
@click.option("--path", "parent", type=click.Path(path_type=Path), default=Path("."), help="where to create NAME/")
def init(name: str, parent: Path) -> None:
    """Create a project folder NAME: a code location from a defs folder (a Python asset and a SQL
    component on DuckDB), a test, and pyproject.toml declaring the location for `weir dev`."""
    package = re.sub(r"[^0-9a-zA-Z_]", "_", name).lower()
    if not package.isidentifier():
        raise click.BadParameter(f"{name!r} does not make a Python package name; use letters, digits and _")
    root = parent / name
    if root.exists() and any(root.iterdir()):
        raise click.ClickException(f"{root} already exists and is not empty; choose another name or remove it")
    source = root / "src" / package
    defs = source / "defs"
    files = {
        root / "pyproject.toml": PYPROJECT.format(name=name, package=package),
        root / "README.md": README.format(name=name, package=package),
        root / ".env.example": ENV_EXAMPLE,
        root / ".gitignore": GITIGNORE,
        source / "__init__.py": "",
        source / "definitions.py": DEFINITIONS,
        defs / "__init__.py": "",
        defs / "resources.py": RESOURCES,
        defs / "assets.py": ASSETS.format(),
        defs / "orders_by_product" / "defs.yaml": SQL_YAML,
        defs / "orders_by_product" / "orders_by_product.sql": SQL,
        root / "tests" / "test_defs.py": TEST.format(package=package),
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    click.echo(f"created {root}/ (code location {package!r})")
    click.echo(f"next:\n  cd {root}\n  pip install -e '.[dev]'   # in a virtual environment with weir\n  weir dev")
