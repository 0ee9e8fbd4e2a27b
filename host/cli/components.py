"""`weir components list|check|schema` and `weir scaffold defs TYPE PATH`: component types are user
code, so each command runs `python -m codeserver.components` under the project's interpreter
([tool.weir] python in pyproject.toml, else the one running weir), in the project's root folder."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import click


def _project_root() -> Path:
    """The nearest folder, from here up, with a pyproject.toml."""
    here = Path.cwd()
    for folder in [here, *here.parents]:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise click.ClickException(
        f"no pyproject.toml in {here} or above: run this in a project folder (`weir init NAME` creates one)"
    )


def _interpreter(root: Path) -> str:
    try:
        python = tomllib.loads((root / "pyproject.toml").read_text()).get("tool", {}).get("weir", {}).get("python")
    except tomllib.TOMLDecodeError as exc:
        raise click.ClickException(f"{root / 'pyproject.toml'} is not valid TOML: {exc}") from None
    if not python:
        return sys.executable
    path = os.path.abspath(root / str(python))  # not resolved: a venv's python is a link to the base interpreter
    if not Path(path).exists():
        raise click.ClickException(
            f"the project's interpreter {path} ([tool.weir] python) does not exist: create that environment "
            "and install weir in it"
        )
    return path


def _run(*args: str) -> None:
    root = _project_root()
    done = subprocess.run([_interpreter(root), "-m", "codeserver.components", *args], cwd=root, check=False)
    sys.exit(done.returncode)


@click.group()
def components() -> None:
    """Component types of this project and the defs.yaml files that use them."""


@components.command("list")
@click.option("--json", "as_json", is_flag=True, help="types and their JSON Schemas as JSON")
def components_list(as_json: bool) -> None:
    """The component types available in this project, with their attributes."""
    _run("list", *(["--json"] if as_json else []))


@components.command("check")
def components_check() -> None:
    """Validate every defs.yaml against its type's schema; errors name file and line (exit 1)."""
    _run("check")


@components.command("schema")
def components_schema() -> None:
    """A JSON Schema of defs.yaml for every component type, for editor completion:
    `weir components schema > components.schema.json`, then begin a defs.yaml with
    `# yaml-language-server: $schema=<path to components.schema.json>`."""
    _run("schema")


@click.group()
def scaffold() -> None:
    """Create new definitions in this project's defs folder."""


@scaffold.command("defs")
@click.argument("type_")
@click.argument("path")
def scaffold_defs(type_: str, path: str) -> None:
    """A defs.yaml for component TYPE (e.g. weir.SqlComponent) in the folder PATH of the defs folder, or,
    with TYPE `asset`, a Python module PATH (e.g. assets/orders.py) holding one @asset."""
    _run("scaffold", type_, path)
