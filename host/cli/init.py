"""`weir init NAME`: a new project folder with one code location built on a defs folder — a Python
asset and a SQL component materializing a DuckDB table — a test, and the location declared in
pyproject.toml so that `weir dev` in the folder serves it. Writes files only; imports no user code."""

from __future__ import annotations

import re
from pathlib import Path

import click

# The project's files: the tree under project_template/, each file's `.tmpl` dropped, `__package__` in a
# path and `{name}` / `{package}` in a text replaced.
TEMPLATE = Path(__file__).parent / "project_template"


def render(name: str, package: str, root: Path) -> dict[Path, str]:
    """Each file of the new project, by its path under root."""
    files = {}
    for template in sorted(TEMPLATE.rglob("*.tmpl")):
        relative = str(template.relative_to(TEMPLATE)).removesuffix(".tmpl").replace("__package__", package)
        text = template.read_text().replace("{name}", name).replace("{package}", package)
        files[root / relative] = text
    return files


@click.command("init")
@click.argument("name")
@click.option("--path", "parent", type=click.Path(path_type=Path), default=Path("."), help="where to create NAME/")
def init(name: str, parent: Path) -> None:
    """Create a project folder NAME: a code location from a defs folder (a Python asset and a SQL
    component on DuckDB), a test, and pyproject.toml declaring the location for `weir dev`."""
    package = re.sub(r"[^0-9a-zA-Z_]", "_", name).lower()
    if not package.isidentifier():
        raise click.BadParameter(f"{name!r} does not make a Python package name; use letters, digits and _")
    root = parent / name
    if root.exists() and any(root.iterdir()):
        raise click.ClickException(f"{root} already exists and is not empty; choose another name or remove it")
    files = render(name, package, root)
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    click.echo(f"created {root}/ (code location {package!r})")
    click.echo(f"next:\n  cd {root}\n  pip install -e '.[dev]'   # in a virtual environment with weir\n  weir dev")
