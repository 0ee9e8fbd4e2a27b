"""The defs folder: `load_from_defs_folder` merges every Python module's definitions and every
`defs.yaml` component instance under a project's `defs/` package; `@definitions` marks a function that
returns Definitions (found by the loader and by the folder walk); DefsFolderComponent is a folder as a
component (for post_processing over all it holds)."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from pydantic import Field, ValidationError

from sdk.components.core import (
    Component,
    ComponentError,
    ComponentLoadContext,
    PostProcessing,
    Requirements,
    TemplateError,
    post_process,
    render,
)
from sdk.components.registry import UnknownComponentType, resolve_type
from sdk.errors import DagsterInvalidDefinitionError


class LazyDefinitions:
    """A function marked @definitions: called (with the load context if it takes one) to get Definitions."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, context: ComponentLoadContext | None = None) -> Any:
        from sdk.definitions_class import Definitions

        result = self.fn(context) if inspect.signature(self.fn).parameters else self.fn()
        if not isinstance(result, Definitions):
            raise DagsterInvalidDefinitionError(
                f"@definitions function {self.fn.__module__}.{self.fn.__qualname__} returned "
                f"{type(result).__name__}, not a Definitions"
            )
        return result


def definitions(fn: Any) -> LazyDefinitions:
    """Mark a function returning Definitions: a code location module holding one (`defs`) loads it, and
    a module of a defs folder contributes its result."""
    return LazyDefinitions(fn)


def load_from_defs_folder(
    *, project_root: str | os.PathLike[str] | None = None, path_within_project: str | os.PathLike[str] | None = None
) -> Any:
    """Definitions of everything a project's defs folder holds, merged: each Python module's assets,
    checks, jobs, schedules, sensors, Definitions objects and @definitions functions, and each
    defs.yaml's component instances. Give `path_within_project` (usually `Path(__file__).parent`, as
    Dagster's scaffold does) or `project_root` (the folder with pyproject.toml)."""
    if project_root is None and path_within_project is None:
        caller = inspect.stack()[1].filename
        path_within_project = Path(caller).parent
    start = Path(path_within_project or project_root or ".").resolve()
    root = Path(project_root).resolve() if project_root is not None else _project_root(start)
    folder = find_defs_folder(root, start if path_within_project is not None else None)
    context = ComponentLoadContext(folder, root, folder, module_name(folder))
    return load_folder(folder, context)


def _project_root(start: Path) -> Path:
    for candidate in [start, *start.parents]:
        if (candidate / "pyproject.toml").is_file() or (candidate / "setup.py").is_file():
            return candidate
    return start


def find_defs_folder(root: Path, start: Path | None = None) -> Path:
    """`defs/` beside the given path, else the package pyproject.toml names (`[tool.dg.project]`
    defs_module / root_module, `[tool.weir]` or `[tool.dagster]` module_name) + `.defs`, else the one
    `src/*/defs` or `*/defs`."""
    if start is not None and (start / "defs").is_dir():
        return start / "defs"
    if start is not None and start.name == "defs" and start.is_dir():
        return start
    tried: list[str] = []
    for module in _declared_defs_modules(root):
        tried.append(module)
        for base in (root / "src", root):
            path = base.joinpath(*module.split("."))
            if path.is_dir():
                return path
    found = sorted({*root.glob("src/*/defs"), *root.glob("*/defs")})
    if len(found) == 1:
        return found[0]
    raise DagsterInvalidDefinitionError(
        f"no defs folder found under {root} (looked for {', '.join([*tried, 'src/*/defs', '*/defs'])}): "
        "create src/<package>/defs/, or call load_from_defs_folder(path_within_project=Path(__file__).parent) "
        "from the package that holds defs/"
    )


def _declared_defs_modules(root: Path) -> list[str]:
    try:
        tool = tomllib.loads((root / "pyproject.toml").read_text()).get("tool", {})
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return []
    project = tool.get("dg", {}).get("project", {})
    names = [project.get("defs_module"), project.get("root_module") and f"{project['root_module']}.defs"]
    for section in ("weir", "dagster"):
        module = tool.get(section, {}).get("module_name")
        if module:
            names.append(f"{module.split('.')[0]}.defs")
    return [n for n in names if n]


def module_name(folder: Path) -> str:
    """The dotted name the defs folder imports as (from sys.path): preferably under a package already
    imported from that place (the one holding definitions.py), else the shortest; the folder's parent
    joins sys.path when no entry holds it."""
    folder = folder.resolve()
    names = []
    for entry in sys.path:
        try:
            relative = folder.relative_to(Path(entry or ".").resolve())
        except (ValueError, OSError):
            continue
        if relative.parts and all(part.isidentifier() for part in relative.parts):
            names.append(".".join(relative.parts))
    for name in names:
        top = sys.modules.get(name.split(".")[0])
        paths = [Path(p).resolve() for p in getattr(top, "__path__", [])]
        if any(folder.is_relative_to(p) for p in paths):
            return name
    if names:
        return min(names, key=len)
    sys.path.insert(0, str(folder.parent))
    return folder.name


# the walk -------------------------------------------------------------------------------------------
def load_folder(folder: Path, context: ComponentLoadContext, *, skip_yaml: bool = False) -> Any:
    """A folder's definitions: its defs.yaml if it has one (the folder is then that component), else
    every Python module and subfolder in it, merged."""
    if not skip_yaml and (folder / "defs.yaml").is_file():
        return load_yaml_file(folder / "defs.yaml", context.for_path(folder))
    parts = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and not entry.name.startswith((".", "_")):
            parts.append(load_folder(entry, context.for_path(entry)))
        elif entry.suffix == ".py" and (entry.name == "__init__.py" or not entry.name.startswith((".", "_"))):
            module = importlib.import_module(context.module_name_for(entry))
            parts.append(definitions_of_module(module, context.for_path(entry)))
    return merge_unique(parts)


def _loose_types() -> tuple[type, ...]:
    from sdk.asset_specs import AssetSpec
    from sdk.assets import AssetsDefinition
    from sdk.automation import AutomationConditionSensorDefinition
    from sdk.checks import AssetChecksDefinition
    from sdk.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from sdk.schedules import ScheduleDefinition
    from sdk.sensors import SensorDefinition
    from sdk.source_assets import SourceAsset

    return (
        AssetsDefinition,
        SourceAsset,
        AssetSpec,
        AssetChecksDefinition,
        JobDefinition,
        UnresolvedAssetJobDefinition,
        ScheduleDefinition,
        SensorDefinition,
        AutomationConditionSensorDefinition,
    )


def definitions_of_module(module: ModuleType, context: ComponentLoadContext | None = None) -> Any:
    """A module's definitions: its Definitions objects, the results of its @definitions functions, and
    its module-level assets, checks, jobs, schedules and sensors."""
    from sdk.asset_specs import AssetSpec
    from sdk.assets import AssetsDefinition
    from sdk.checks import AssetChecksDefinition
    from sdk.definitions_class import Definitions
    from sdk.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from sdk.schedules import ScheduleDefinition
    from sdk.source_assets import SourceAsset

    parts: list[Any] = []
    loose: dict[str, Any] = {"assets": [], "asset_checks": [], "jobs": [], "schedules": [], "sensors": []}
    types = _loose_types()
    for value in list(vars(module).values()):
        if isinstance(value, Definitions):
            parts.append(value)
        elif isinstance(value, LazyDefinitions) and getattr(value.fn, "__module__", None) == module.__name__:
            parts.append(value(context))
        else:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if not isinstance(item, types):
                    continue
                if isinstance(item, (AssetsDefinition, SourceAsset, AssetSpec)):
                    loose["assets"].append(item)
                elif isinstance(item, AssetChecksDefinition):
                    loose["asset_checks"].append(item)
                elif isinstance(item, (JobDefinition, UnresolvedAssetJobDefinition)):
                    loose["jobs"].append(item)
                elif isinstance(item, ScheduleDefinition):
                    loose["schedules"].append(item)
                else:
                    loose["sensors"].append(item)
    parts.append(Definitions(**loose))
    return merge_unique(parts)


def merge_unique(parts: list[Any]) -> Any:
    """Definitions.merge, each object once (a module importing another's asset does not define it twice)."""
    from sdk.definitions_class import Definitions

    merged = Definitions.merge(*parts) if parts else Definitions()

    def unique(items: list[Any]) -> list[Any]:
        return list({id(item): item for item in items}.values())

    return Definitions(
        assets=unique(merged.assets),
        schedules=unique(merged.schedules),
        sensors=unique(merged.sensors),
        jobs=unique(merged.jobs),
        resources=merged.resources,
        executor=merged.executor,
        loggers=merged.loggers,
        asset_checks=unique(merged.asset_checks),
        metadata=merged.metadata,
    )


# defs.yaml ------------------------------------------------------------------------------------------
_TOP_LEVEL = ("type", "attributes", "requirements", "post_processing")


def documents(path: Path) -> list[tuple[Any, Any]]:
    """Each YAML document of a file with its node (for line numbers)."""
    text = path.read_text()
    loader = yaml.SafeLoader(text)
    out = []
    try:
        while loader.check_node():
            node = loader.get_node()
            out.append((node, loader.construct_document(node)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ComponentError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    finally:
        loader.dispose()
    return out


def node_at(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The deepest node along a path of mapping keys and sequence indexes."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [value for key, value in node.value if key.value == str(part)]
            if not match:
                return node
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _line(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}"


def load_defs(module: ModuleType, context: ComponentLoadContext | None = None) -> Any:
    """The Definitions of a Python module of the project (Dagster's context.load_defs)."""
    return definitions_of_module(module, context)


def load_yaml_file(path: Path, context: ComponentLoadContext) -> Any:
    """The Definitions of every component instance (YAML document) in a defs.yaml, merged."""
    return merge_unique([load_document(path, node, value, context) for node, value in documents(path)])


def instantiate(path: Path, node: yaml.Node, value: Any, context: ComponentLoadContext) -> tuple[Component, Any]:
    """The component a defs.yaml document declares, validated; returns it and its post_processing rules.
    Every error names the file and line and, for an attribute, what the schema expects."""
    if not isinstance(value, dict) or "type" not in value:
        raise ComponentError(f"{_line(path, node)}: a component needs `type:` (and usually `attributes:`)")
    unknown = sorted(set(value) - set(_TOP_LEVEL))
    if unknown:
        raise ComponentError(
            f"{_line(path, node_at(node, (unknown[0],)))}: unknown key {unknown[0]!r} (known: {', '.join(_TOP_LEVEL)})"
        )
    try:
        cls = resolve_type(str(value["type"]), context.module_name_for(context.path))
    except UnknownComponentType as exc:
        raise ComponentError(f"{_line(path, node_at(node, ('type',)))}: {exc}") from None
    requirements = _validate(Requirements, value.get("requirements") or {}, path, node, ("requirements",))
    for name in requirements.env:
        if name not in os.environ:
            raise ComponentError(
                f"{_line(path, node_at(node, ('requirements', 'env')))}: requires environment variable {name}, "
                "which is not set (set it, or add it to .env)"
            )
    scope = {"project_root": str(context.project_root), "component_path": str(context.path)}
    attributes = _render(value.get("attributes") or {}, scope, path, node, ("attributes",))
    component = _validate(cls, attributes, path, node, ("attributes",), load=context)
    processing = _render(value.get("post_processing") or {}, scope, path, node, ("post_processing",))
    rules = _validate(PostProcessing, processing, path, node, ("post_processing",))
    return component, rules


def load_document(path: Path, node: yaml.Node, value: Any, context: ComponentLoadContext) -> Any:
    from sdk.definitions_class import Definitions

    component, rules = instantiate(path, node, value, context)
    context.source = _line(path, node)
    defs = component.build_defs(context)
    if not isinstance(defs, Definitions):
        raise ComponentError(
            f"{_line(path, node)}: {type(component).__name__}.build_defs returned "
            f"{type(defs).__name__}, not Definitions"
        )
    return post_process(defs, rules) if rules.assets else defs


def _render(value: Any, scope: dict[str, Any], path: Path, node: yaml.Node, loc: tuple[Any, ...]) -> Any:
    """Templates rendered leaf by leaf, so an error names the line of the string that holds it."""
    if isinstance(value, dict):
        return {k: _render(v, scope, path, node, (*loc, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, scope, path, node, (*loc, i)) for i, v in enumerate(value)]
    try:
        return render(value, scope)
    except TemplateError as exc:
        raise ComponentError(f"{_line(path, node_at(node, loc))}: {'.'.join(map(str, loc))}: {exc}") from None


def _validate(
    cls: Any, data: Any, path: Path, node: yaml.Node, loc: tuple[Any, ...], load: ComponentLoadContext | None = None
) -> Any:
    try:
        return cls.load(data, load) if load is not None else cls.model_validate(data)
    except ValidationError as exc:
        schema = cls.model_json_schema()
        lines = []
        for error in exc.errors():
            where = (*loc, *error["loc"])
            at = node_at(node, where)
            name = ".".join(map(str, where))
            if error["type"] == "extra_forbidden":
                known = ", ".join(schema.get("properties", {})) or "none"
                lines.append(f"{_line(path, at)}: {name}: unknown attribute of {cls.__name__} (known: {known})")
                continue
            got = "" if error["type"] == "missing" else f" (got {error['input']!r})"
            expected = _expectation(schema, error["loc"])
            lines.append(
                f"{_line(path, at)}: {name}: {error['msg']}{got}{'; expected ' + expected if expected else ''}"
            )
        raise ComponentError("\n".join(lines)) from None


def _expectation(schema: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """What the schema says of the attribute at loc: its type and description."""
    current: dict[str, Any] | None = schema
    for part in loc:
        if current is None:
            return ""
        current = _deref(schema, current)
        current = current.get("items") if isinstance(part, int) else current.get("properties", {}).get(part)
    if current is None:
        return ""
    current = _deref(schema, current)
    kind = current.get("type") or " or ".join(
        str(_deref(schema, o).get("type", "object")) for o in current.get("anyOf", []) if o.get("type") != "null"
    )
    description = current.get("description")
    return f"{kind or 'a value'}{f' ({description})' if description else ''}"


def _deref(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return dict(schema.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {}))
    return node


class DefsFolderComponent(Component):
    """A folder as a component: everything in it (Python modules, subfolders, their defs.yaml), with the
    defs.yaml's post_processing applied to all of it."""

    path: str | None = Field(None, description="the folder, relative to this defs.yaml (default: its own folder)")

    def build_defs(self, context: ComponentLoadContext) -> Any:
        folder = context.resolve_path(self.path) if self.path else context.path
        if not folder.is_dir():
            raise ComponentError(f"{context.source}: path {self.path!r} is not a folder ({folder})")
        return load_folder(folder, context.for_path(folder), skip_yaml=folder == context.path)
