"""rule 1: the host never imports the sdk, the code server, nor user code."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import REPO


def test_importing_every_host_module_loads_neither_sdk_nor_codeserver():
    script = """
import json, pkgutil, importlib, sys
import host
for info in pkgutil.walk_packages(host.__path__, "host."):
    # alembic scripts run only under alembic; __main__ modules are entry points that run on import
    if not info.name.startswith("host.storage.migrations") and not info.name.endswith("__main__"):
        importlib.import_module(info.name)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("sdk", "codeserver"))))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []


def test_import_contracts_hold():
    lint = REPO / ".venv" / "bin" / "lint-imports"
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_cli_module_importing_storage_breaks_the_contracts(tmp_path):
    """The contracts are not decoration: the same tree plus one forbidden import fails lint-imports."""
    import shutil

    for name in ("host", "codeserver", "protos", "sdk"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.proto"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "host" / "cli" / "shortcut.py").write_text("from host.storage import runs  # noqa: F401\n")
    lint = REPO / ".venv" / "bin" / "lint-imports"
    command = [str(lint)] if lint.exists() else [sys.executable, "-m", "importlinter.cli"]
    out = subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)},
    )
    assert out.returncode != 0
    assert "host.cli is not allowed to import host.storage" in out.stdout
    assert "host.cli.shortcut -> host.storage.runs" in out.stdout


def test_a_user_process_loads_no_grpc():
    """A user process (codeserver/userprocess_child.py, one per pool slot) talks over a pipe, not gRPC:
    what it imports to load code, build snapshots and evaluate must not pull grpc in (about 11 MB of
    memory and 50 ms of start-up in every process; the instance facade's client imports it on first use)."""
    script = """
import json, sys
import codeserver.userprocess_child, codeserver.evaluation, codeserver.snapshot, codeserver.loader
import codeserver.instance_client, codeserver.convert
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "grpc")))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
