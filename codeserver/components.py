"""`python -m codeserver.components list|check|schema|scaffold` in a project folder, under the project's
interpreter: the `weir components` and `weir scaffold defs` commands run this, because component types
are user code (the CLI itself never imports the sdk or a project)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

ASSET_TEMPLATE = '''\
import sdk as dg


@dg.asset
def {name}() -> None:
    """What this asset holds."""
'''


def _setup(root: Path) -> tuple[Any, list[str]]:
    """The defs folder's load context (the project's source folder on sys.path) and the top-level
    package names pyproject.toml declares."""
    from sdk.components.core import ComponentLoadContext
    from sdk.components.folder import find_defs_folder, module_name

    try:
        tool = tomllib.loads((root / "pyproject.toml").read_text()).get("tool", {})
    except FileNotFoundError:
        tool = {}
    packages: list[str] = []
    for section in ("weir", "dagster"):
        table = tool.get(section, {})
        if "module_name" in table:
            workdir = table.get("working_directory") or ("src" if (root / "src").is_dir() else ".")
            sys.path.insert(0, os.path.abspath(root / workdir))
            packages.append(table["module_name"].split(".")[0])
    if not packages and (root / "src").is_dir():
        sys.path.insert(0, str(root / "src"))
    folder = find_defs_folder(root)
    return ComponentLoadContext(folder, root, folder, module_name(folder)), packages


def _instances(context: Any) -> list[tuple[Path, Any, Any]]:
    from sdk.components.folder import documents

    return [
        (path, node, value)
        for path in sorted(context.defs_module_path.rglob("defs.yaml"))
        for node, value in documents(path)
    ]


def check(root: Path) -> int:
    """Validate every defs.yaml (type, attributes, requirements, post_processing) against its schema."""
    from sdk.components.core import ComponentError
    from sdk.components.folder import documents, instantiate

    context, _ = _setup(root)
    errors, count, files = [], 0, set()
    for path in sorted(context.defs_module_path.rglob("defs.yaml")):
        files.add(path)
        try:
            for node, value in documents(path):
                count += 1
                try:
                    instantiate(path, node, value, context.for_path(path.parent))
                except ComponentError as exc:
                    errors.append(str(exc))
        except ComponentError as exc:
            errors.append(str(exc))
        except Exception as exc:  # a custom type's module that fails to import: report, keep checking
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{len(errors)} of {count} component instance(s) are not valid", file=sys.stderr)
        return 1
    print(f"ok: {count} component instance(s) in {len(files)} defs.yaml file(s) under {context.defs_module_path}")
    return 0


def _types(root: Path) -> list[type]:
    """The built-ins, the types the project's defs.yaml files name, and the Component subclasses of the
    project's `components` package if it has one."""
    from sdk.components.registry import UnknownComponentType, known_types, resolve_type

    context, packages = _setup(root)
    for package in packages:
        try:
            importlib.import_module(f"{package}.components")
        except ModuleNotFoundError as exc:
            if exc.name not in (package, f"{package}.components"):
                raise
    for path, _, value in _instances(context):
        if isinstance(value, dict) and "type" in value:
            with contextlib.suppress(UnknownComponentType):  # `weir components check` reports it
                resolve_type(str(value["type"]), context.module_name_for(path.parent))
    return known_types()


def list_types(root: Path, as_json: bool) -> int:
    from sdk.components.registry import type_name

    types = _types(root)
    if as_json:
        print(json.dumps([{"type": type_name(t), "schema": t.model_json_schema()} for t in types], indent=2))  # type: ignore[attr-defined]
        return 0
    for cls in types:
        schema = cls.model_json_schema()  # type: ignore[attr-defined]
        summary = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        print(f"{type_name(cls)}\n  {summary}")
        required = set(schema.get("required", []))
        for name, field in schema.get("properties", {}).items():
            kind = field.get("type") or " | ".join(str(o.get("type", "object")) for o in field.get("anyOf", []))
            need = "required" if name in required else "optional"
            print(f"    {name}: {kind or 'any'} ({need}) {field.get('description', '')}".rstrip())
        print()
    return 0


def schema(root: Path) -> dict[str, Any]:
    """A JSON Schema of defs.yaml for every component type known in the project (for editor completion:
    `# yaml-language-server: $schema=components.schema.json` at the top of a defs.yaml)."""
    from sdk.components.core import PostProcessing, Requirements
    from sdk.components.registry import type_name

    defs: dict[str, Any] = {}

    def hoist(model_schema: dict[str, Any]) -> dict[str, Any]:
        defs.update(model_schema.pop("$defs", {}))
        return model_schema

    types = _types(root)
    names = [type_name(t) for t in types]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Weir defs.yaml",
        "type": "object",
        "required": ["type"],
        "additionalProperties": False,
        "properties": {
            "type": {"enum": names, "description": "the component type"},
            "attributes": {"type": "object", "description": "the component's attributes (its schema)"},
            "requirements": hoist(Requirements.model_json_schema()),
            "post_processing": hoist(PostProcessing.model_json_schema()),
        },
        "allOf": [
            {
                "if": {"properties": {"type": {"const": name}}},
                "then": {"properties": {"attributes": hoist(cls.model_json_schema())}},  # type: ignore[attr-defined]
            }
            for name, cls in zip(names, types, strict=True)
        ],
        "$defs": defs,
    }


def scaffold(root: Path, type_: str, where: str) -> int:
    """A new defs.yaml for TYPE in the folder PATH of the defs folder (or a Python asset module)."""
    from sdk.components.registry import UnknownComponentType, resolve_type, type_name

    context, _ = _setup(root)
    target = context.defs_module_path / where
    if type_ in ("asset", "weir.asset", "dagster.asset"):
        if target.suffix != ".py":
            print(f"{type_}: PATH must be a Python file such as assets/orders.py (got {where})", file=sys.stderr)
            return 2
        if target.exists():
            print(f"{target} already exists", file=sys.stderr)
            return 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ASSET_TEMPLATE.format(name=target.stem))
        print(f"created {target}")
        return 0
    try:
        cls: Any = resolve_type(type_, context.defs_module_name)
    except UnknownComponentType as exc:
        print(f"{exc} (`weir components list` shows the types)", file=sys.stderr)
        return 1
    if (target / "defs.yaml").exists():
        print(f"{target / 'defs.yaml'} already exists", file=sys.stderr)
        return 1
    target.mkdir(parents=True, exist_ok=True)
    text = f"type: {type_name(cls)}\n\n{cls.scaffold_attributes(target)}"
    (target / "defs.yaml").write_text(text)
    print(f"created {target / 'defs.yaml'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codeserver.components")
    parser.add_argument("--project-root", type=Path, default=Path.cwd())
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("--json", action="store_true")
    commands.add_parser("check")
    commands.add_parser("schema")
    new = commands.add_parser("scaffold")
    new.add_argument("type")
    new.add_argument("path")
    args = parser.parse_args(argv)
    root = args.project_root.resolve()
    from sdk.errors import DagsterInvalidDefinitionError

    try:
        if args.command == "list":
            return list_types(root, args.json)
        if args.command == "check":
            return check(root)
        if args.command == "schema":
            print(json.dumps(schema(root), indent=2))
            return 0
        return scaffold(root, args.type, args.path)
    except DagsterInvalidDefinitionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
