"""workspace.yaml and weir.yaml: valid files load, bad ones fail with messages that name the fix."""

from __future__ import annotations

import pytest

from host.config import load_host_config, load_workspace
from host.errors import ConfigError


def test_workspace_accepts_dagster_forms(tmp_path):
    path = tmp_path / "workspace.yaml"
    path.write_text("""
load_from:
  - python_file: defs.py
  - python_module: {module_name: pkg.defs, executable_path: venv/bin/python}
  - grpc_server: {host: localhost, port: 4266, location_name: remote}
""")
    workspace = load_workspace(path)
    first, second, third = workspace.load_from
    assert first.python_file.relative_path == "defs.py"
    assert second.python_module.executable_path == "venv/bin/python"
    assert third.grpc_server.port == 4266


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("load_from: [{python_file: {relative_path: a.py, locaton_name: x}}]", "locaton_name: Extra inputs"),
        ("load_from: [{grpc_server: {host: h}}]", "load_from.0.grpc_server.port: Field required"),
        ("load_from: [{}]", "exactly one of python_file, python_module, grpc_server"),
        ("load_from: [\n  - python_file: a.py\n bad", "is not valid YAML"),
    ],
)
def test_malformed_workspace_names_the_entry_and_the_problem(tmp_path, text, expected):
    path = tmp_path / "workspace.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_workspace(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_missing_workspace_file_says_so(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_workspace(tmp_path / "nope.yaml")


def test_host_config_defaults_and_limits(tmp_path):
    assert load_host_config(None).run_queue.max_concurrent_runs == 10
    path = tmp_path / "weir.yaml"
    path.write_text("run_queue: {max_concurrent_runs: 2, tag_concurrency_limits: [{key: db, limit: 1}]}")
    config = load_host_config(path)
    assert config.run_queue.max_concurrent_runs == 2
    assert config.run_queue.tag_concurrency_limits[0].key == "db"
    path.write_text("run_queue: {max_concurent_runs: 2}")
    with pytest.raises(ConfigError, match="max_concurent_runs"):
        load_host_config(path)
