"""A project made by `weir init` passes its own test; `weir components list|check|schema` and
`weir scaffold defs` in it, as a user runs them: each runs the project's interpreter (here the
test's), errors name file and line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.support import REPO


def _weir(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "host.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_scaffold_check_list_and_schema(tmp_path: Path) -> None:
    assert _weir(["init", "demo"], tmp_path).returncode == 0
    project = tmp_path / "demo"
    defs = project / "src" / "demo" / "defs"
    assert "DUCKDB_DATABASE" in (project / ".env.example").read_text()
    own_test = subprocess.run(  # the project's own test passes as scaffolded
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert own_test.returncode == 0 and "1 passed" in own_test.stdout, own_test.stdout + own_test.stderr

    created = _weir(["scaffold", "defs", "weir.SqlComponent", "daily"], project / "src")  # from a subfolder too
    assert created.returncode == 0, created.stderr
    assert (defs / "daily" / "daily.sql").is_file()
    assert _weir(["scaffold", "defs", "asset", "more/orders.py"], project).returncode == 0
    assert "def orders()" in (defs / "more" / "orders.py").read_text()
    again = _weir(["scaffold", "defs", "weir.SqlComponent", "daily"], project)
    assert again.returncode == 1 and "already exists" in again.stderr

    ok = _weir(["components", "check"], project)
    assert ok.returncode == 0 and "ok: 2 component instance(s) in 2 defs.yaml file(s)" in ok.stdout, ok.stderr

    listing = _weir(["components", "list"], project)
    assert "weir.SqlComponent" in listing.stdout and "    table: string (required)" in listing.stdout
    schema = json.loads(_weir(["components", "schema"], project).stdout)
    jsonschema.validate(yaml.safe_load((defs / "daily" / "defs.yaml").read_text()), schema)

    broken = defs / "daily" / "defs.yaml"
    broken.write_text("type: weir.SqlComponent\nattributes:\n  sql_path: daily.sql\n  table: [x]\n  colour: blue\n")
    failed = _weir(["components", "check"], project)
    assert failed.returncode == 1
    assert f"{broken}:4: attributes.table: Input should be a valid string (got ['x']); expected string" in failed.stderr
    assert f"{broken}:5: attributes.colour: unknown attribute of SqlComponent" in failed.stderr
    assert "1 of 2 component instance(s) are not valid" in failed.stderr
    with pytest.raises(jsonschema.ValidationError):  # the editor's schema refuses it too
        jsonschema.validate(yaml.safe_load(broken.read_text()), schema)
