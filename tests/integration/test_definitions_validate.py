"""`weir definitions validate` as users' CI runs it: each location loads in a fresh process under its
own interpreter; exit 0 with a summary per location, or 1 with the failing location's error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import REPO

GOOD = """
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


defs = dg.Definitions(assets=[orders], jobs=[dg.define_asset_job("all_orders", selection=[orders])])
"""
BROKEN = """
import sdk as dg


@dg.asset
def orders() -> int:
    return 1


@dg.job
def calls_an_asset():
    orders()
"""


def _weir(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WEIR_HOME": str(cwd / ".weir"), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "host.cli", "definitions", "validate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_passes_good_code_and_fails_a_broken_location_with_its_error(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "broken.py").write_text(BROKEN)
    ok = _weir(tmp_path, "-f", "good.py")
    assert ok.returncode == 0, ok.stderr
    assert f"location 'good' (file {tmp_path / 'good.py'}): OK (1 assets, 1 jobs, 0 schedules, 0 sensors" in ok.stdout
    (tmp_path / "workspace.yaml").write_text(
        "load_from:\n  - python_file: {relative_path: good.py}\n  - python_file: {relative_path: broken.py}\n"
        "  - python_file: {relative_path: good.py, location_name: elsewhere, executable_path: nowhere/bin/python}\n"
        "  - grpc_server: {host: localhost, port: 4266, location_name: remote}\n"
    )
    both = _weir(tmp_path)
    assert both.returncode == 1
    assert "location 'good' (file" in both.stdout and "OK" in both.stdout
    assert "location 'broken' (file" in both.stderr and "FAILED" in both.stderr
    assert "define_asset_job" in both.stderr  # the sdk's own message says what to do instead
    assert "its interpreter" in both.stderr and "nowhere/bin/python does not exist" in both.stderr
    assert "location 'remote': skipped" in both.stdout
    assert "2 location(s) failed to load: broken, elsewhere" in both.stderr
    assert not (tmp_path / ".weir").exists()  # validating starts nothing and writes nothing
