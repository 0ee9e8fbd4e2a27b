"""`weir dev` in a project folder as a person uses it: variables from `.env` reach the code (without
overriding what is already set), and the CLI finds the host from any subfolder of the project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from host.errors import ConfigError
from host.serve.dotenv import parse_dotenv
from protos.weir.v1 import common_pb2, host_pb2
from tests.support import REPO, dev_host, wait_for

CODE = """
import os
import sdk as dg


@dg.asset
def greeting(context: dg.AssetExecutionContext) -> str:
    context.log.info(f"{os.environ['GREETING']} from {os.environ['WAREHOUSE']}, {os.environ['ALREADY_SET']}")
    return "ok"


defs = dg.Definitions(assets=[greeting])
"""


def test_dotenv_reaches_the_code_and_the_cli_works_from_a_subfolder(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "pipelines" / "deep").mkdir(parents=True)
    (project / "pipelines" / "shop.py").write_text(CODE)
    (project / "workspace.yaml").write_text("load_from:\n  - python_file: {relative_path: pipelines/shop.py}\n")
    (project / ".env").write_text(
        '# secrets stay out of git\nGREETING="hello there"\nexport WAREHOUSE=duckdb  # local\nALREADY_SET=from-dotenv\n'
    )
    env = {"ALREADY_SET": "from-the-shell"}
    with dev_host(project / ".weir", ["-w", str(project / "workspace.yaml")], env=env) as host:
        client = host.client()
        wait_for(lambda: client.locations()[0].status == host_pb2.LOCATION_LOADED, 30, what="the location to load")
        cli_env = {k: v for k, v in host.env.items() if k not in ("WEIR_HOME", "WEIR_HOST_ADDRESS", "WEIR_TOKEN")}
        out = subprocess.run(
            [sys.executable, "-m", "host.cli", "materialize", "--location", "shop"],
            cwd=project / "pipelines" / "deep",
            env={**cli_env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "hello there from duckdb, from-the-shell" in out.stdout
        run_id = next(iter(client.runs(limit=1))).run_id
        logs = [e.message for page in client.event_pages(run_id) for e in page.events if e.type == common_pb2.LOG]
        assert "hello there from duckdb, from-the-shell" in logs


def test_a_malformed_dotenv_line_is_an_error_naming_file_and_line() -> None:
    assert parse_dotenv("A=1\n\n# c\nexport B='two words'\nC=\"x\\ny\"\n", ".env") == {
        "A": "1",
        "B": "two words",
        "C": "x\ny",
    }
    with pytest.raises(ConfigError, match=r"\.env, line 2: expected KEY=VALUE, found 'not a pair'"):
        parse_dotenv("A=1\nnot a pair\n", ".env")
    assert os.environ.get("GREETING") is None
