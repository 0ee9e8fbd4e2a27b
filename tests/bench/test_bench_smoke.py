"""The bench must not rot: its Weir-only smoke pass (`python -m bench.run --smoke`, tiny sizes) runs
end to end and its table has a line for every figure. Times are not judged here, nor is a figure that
reports an error: the bench's job is to show those, and CI's job is only to keep the harness working.
The exception are the figures that time the commands a user types (`weir --help`, `weir code-server
start`): an error there is the command itself failing, so those must come with a number.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.figures import all_rows

REPO = Path(__file__).resolve().parents[2]
USER_COMMANDS = ("cli_help", "cli_runs_help", "cli_locations_help", "ready_cli_1000")


def test_smoke_pass_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "smoke.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out), "--logs", str(tmp_path / "logs")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    table = out.read_text()
    assert "| figure |" in table
    lines = {line.split("`")[-2] for line in table.splitlines() if line.startswith("| ") and "`" in line}
    missing = [row.id for row in all_rows() if row.id not in lines]
    assert not missing, f"rows missing from the smoke table: {missing}\n{table}"
    weir_cells = {
        line.split("`")[-2]: line.split(" | ")[2]
        for line in table.splitlines()
        if line.startswith("| ") and "`" in line
    }
    unmeasured = {row: weir_cells[row] for row in USER_COMMANDS if not weir_cells[row][:1].isdigit()}
    assert not unmeasured, f"user-facing commands not measured: {unmeasured}\n{table}"
    progress = done.stderr.splitlines()
    assert not [line for line in progress if line.startswith("Dagster") or " Dagster " in line], (
        "the smoke pass measures Weir only"
    )
