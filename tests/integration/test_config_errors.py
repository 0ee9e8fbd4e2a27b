"""Start-up errors of the real `weir` CLI: one line naming the setting and the fix, exit status 1, no
traceback; `weir host start` refuses to serve without a token unless --insecure is given; a
location whose token_env is unset is an error state naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from host.config import Workspace
from host.locations.workspace import build_workspace
from protos.weir.v1 import host_pb2
from tests.postgres import _admin
from tests.support import REPO, host_json, kill_processes_mentioning, wait_for, write_workspace


def _host_start(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, token: str | None = "secret"
) -> subprocess.CompletedProcess[str]:
    workspace = write_workspace(tmp_path / "workspace.yaml", [])
    full_env = {k: v for k, v in os.environ.items() if k not in ("WEIR_TOKEN", "WEIR_STORAGE_URL")}
    full_env.update({"WEIR_HOME": str(tmp_path / "home"), **(env or {})})
    if token:
        full_env["WEIR_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "host.cli", "host", "start", "-w", str(workspace), "--port", "0", *args],
        env=full_env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    return lines[0]


def test_host_start_without_a_token_refuses_and_says_how_to_set_one(tmp_path):
    line = _one_line_error(_host_start(tmp_path, token=None))
    assert "WEIR_TOKEN is not set" in line and "export WEIR_TOKEN=" in line and "--insecure" in line
    assert not (tmp_path / "home" / "host.json").exists()


def test_host_start_insecure_serves_without_a_token_and_says_so(tmp_path):
    workspace = write_workspace(tmp_path / "workspace.yaml", [])
    env = {**os.environ, "WEIR_HOME": str(tmp_path / "home")}
    env.pop("WEIR_TOKEN", None)
    env.pop("WEIR_STORAGE_URL", None)
    with open(tmp_path / "host.stderr", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "host.cli", "host", "start", "-w", str(workspace), "--port", "0", "--insecure"],
            env=env,
            cwd=REPO,
            stdout=err,
            stderr=err,
            start_new_session=True,
        )
    try:
        wait_for(lambda: (tmp_path / "home" / "host.json").exists(), 30, what="the host to serve")
        assert host_json(tmp_path / "home")["token"] is None
        wait_for(lambda: "WITHOUT authentication" in (tmp_path / "host.stderr").read_text(), 10, what="the warning")
    finally:
        proc.terminate()
        proc.wait(15)
        kill_processes_mentioning(str(tmp_path))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "storage (WEIR_STORAGE_URL): the storage URL is not a database URL"),
        ("mysql://user@127.0.0.1/weir", "storage (WEIR_STORAGE_URL): the storage URL names 'mysql'"),
        ("postgresql://nobody:hunter2@127.0.0.1:1/weir", "Check that the server runs"),
    ],
)
def test_a_bad_storage_url_is_one_line_naming_the_setting(tmp_path, url, expected):
    line = _one_line_error(_host_start(tmp_path, env={"WEIR_STORAGE_URL": url}))
    assert expected in line and "WEIR_STORAGE_URL" in line
    assert "hunter2" not in line


def test_a_storage_url_in_weir_yaml_is_named_as_such(tmp_path):
    config = tmp_path / "weir.yaml"
    config.write_text(yaml.safe_dump({"storage": {"url": "::nonsense::"}}))
    line = _one_line_error(_host_start(tmp_path, "-c", str(config)))
    assert "storage (storage.url in weir.yaml): the storage URL is not a database URL" in line


def test_a_missing_postgres_database_says_how_to_create_it(tmp_path):
    admin = _admin()  # skips, saying how to enable it, when PostgreSQL is not running
    name = f"weir_missing_{uuid.uuid4().hex[:8]}"
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    line = _one_line_error(_host_start(tmp_path, env={"WEIR_STORAGE_URL": url}))
    assert f'database "{name}" does not exist' in line and f"createdb {name}" in line


def test_an_unset_token_env_puts_its_location_in_error_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("WEIR_TEST_UNSET_TOKEN", raising=False)
    workspace = Workspace.model_validate(
        {
            "load_from": [
                {
                    "grpc_server": {
                        "host": "127.0.0.1",
                        "port": 1,
                        "location_name": "remote",
                        "token_env": "WEIR_TEST_UNSET_TOKEN",
                    }
                }
            ]
        }
    )
    manager = build_workspace(workspace, tmp_path, tmp_path / "home")
    manager.refresh_all(force=True)
    state = manager.get("remote").state
    assert state.status == host_pb2.LOCATION_ERROR
    assert "token_env: WEIR_TEST_UNSET_TOKEN" in state.error_message
    assert "WEIR_TEST_UNSET_TOKEN is not set" in state.error_message
    manager.stop()
