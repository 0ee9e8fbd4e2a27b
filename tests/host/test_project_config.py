"""`weir dev` in a project folder: the location comes from pyproject.toml ([tool.weir] or [tool.dagster])."""

from __future__ import annotations

from pathlib import Path

import pytest

from host.config import find_workspace, load_workspace
from host.errors import ConfigError


def _project(folder: Path, table: str) -> Path:
    (folder / "src" / "demo").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "demo"\n\n{table}\n')
    return folder


def test_tool_weir_names_module_location_and_interpreter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(
        tmp_path,
        '[tool.weir]\nmodule_name = "demo.definitions"\ncode_location_name = "demo"\npython = ".venv/bin/python"',
    )
    monkeypatch.chdir(tmp_path)
    workspace, base, source = find_workspace(None)
    location = workspace.load_from[0].location
    assert (location.name, base, source) == ("demo", tmp_path, None)
    assert location.model_dump() == {
        "module_name": "demo.definitions",
        "location_name": "demo",
        "attribute": None,
        "working_directory": str(tmp_path / "src"),
        "executable_path": str(tmp_path / ".venv/bin/python"),
    }


def test_a_dagster_project_runs_as_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, '[tool.dagster]\nmodule_name = "demo.definitions"\ncode_location_name = "shop"')
    monkeypatch.chdir(tmp_path)
    location = find_workspace(None)[0].load_from[0].location
    assert (location.name, location.module_name) == ("shop", "demo.definitions")


def test_neither_workspace_nor_project_names_both_fixes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"(?s)workspace.yaml does not exist.*\[tool.weir\].*\[tool.dagster\]"):
        find_workspace(None)


def test_workspace_entry_names_a_project_folder(tmp_path: Path) -> None:
    _project(tmp_path / "sales", '[tool.weir]\nmodule_name = "demo.definitions"\ncode_location_name = "sales"')
    (tmp_path / "workspace.yaml").write_text("load_from:\n  - project: sales\n")
    location = load_workspace(tmp_path / "workspace.yaml").load_from[0].location
    assert (location.name, location.working_directory) == ("sales", "sales/src")
    (tmp_path / "workspace.yaml").write_text("load_from:\n  - project: nowhere\n")
    with pytest.raises(ConfigError, match=r"project 'nowhere' has no pyproject\.toml"):
        load_workspace(tmp_path / "workspace.yaml")


def test_a_create_dagster_project_names_its_definitions_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, '[tool.dg.project]\nroot_module = "demo"')
    monkeypatch.chdir(tmp_path)
    location = find_workspace(None)[0].load_from[0].location
    assert (location.name, location.module_name) == ("demo", "demo.definitions")
