"""A project laid out as Dagster's create-dagster scaffolds it (src/<pkg>/definitions.py with
@definitions + load_from_defs_folder, a defs folder, the location named in pyproject.toml) loads in
Weir after changing only the imports: `weir definitions validate` in the folder loads it as `weir dev`
would (pyproject discovery, the loader, the defs folder), in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support import REPO

DEFINITIONS = """
from pathlib import Path

from sdk.components import definitions, load_from_defs_folder  # was: from dagster import ...


@definitions
def defs():
    return load_from_defs_folder(path_within_project=Path(__file__).parent)
"""

ASSETS = """
import sdk as dg  # was: import dagster as dg


@dg.asset
def customers() -> list[str]:
    return ["ada", "grace"]


@dg.asset
def customer_count(customers: list[str]) -> int:
    return len(customers)
"""


@pytest.mark.parametrize(
    "tool",
    [
        '[tool.dg]\ndirectory_type = "project"\n\n[tool.dg.project]\nroot_module = "jaffle"\nregistry_modules = []\n',
        '[tool.dagster]\nmodule_name = "jaffle.definitions"\ncode_location_name = "jaffle-shop"\n',
    ],
    ids=["tool.dg.project", "tool.dagster"],
)
def test_a_dagster_scaffolded_project_loads_after_changing_the_imports(tmp_path: Path, tool: str) -> None:
    package = tmp_path / "src" / "jaffle"
    (package / "defs").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "jaffle-shop"\n\n{tool}')
    (package / "__init__.py").write_text("")
    (package / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    (package / "defs" / "__init__.py").write_text("")
    (package / "defs" / "assets.py").write_text(textwrap.dedent(ASSETS))
    done = subprocess.run(
        [sys.executable, "-m", "host.cli", "definitions", "validate"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "jaffle-shop" in done.stdout and "2 assets" in done.stdout, done.stdout
