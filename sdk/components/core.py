"""Components: a class whose fields (a pydantic model: the schema) are the attributes of a `defs.yaml`,
and whose build_defs(context) returns Definitions. This module holds the base class, the load context,
the templating of attribute values and the post-processing of the assets a component produces.

Components are resolved in the code location (user code); what they produce travels in the snapshot
like any definition, and the host never imports them."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sdk.errors import DagsterInvalidDefinitionError


class ComponentError(DagsterInvalidDefinitionError):
    """A component instance (a defs.yaml) that cannot be loaded; the message names the file and line."""


class Model(BaseModel):
    """A strict pydantic model: unknown attributes are errors (Dagster's dg.Model)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class Resolvable:
    """Marks a component whose attributes are its own fields (Dagster's dg.Resolvable); every
    Component here already is, so this is only for code written against Dagster."""


class Component(Model):
    """A reusable piece of a code location. Subclass it, declare the attributes as fields (they are the
    schema of the `attributes:` in a defs.yaml naming the class in `type:`) and implement build_defs."""

    def build_defs(self, context: ComponentLoadContext) -> Any:
        """The Definitions this instance produces."""
        raise NotImplementedError(f"{type(self).__name__} does not implement build_defs(context)")

    @classmethod
    def get_model_cls(cls) -> type[BaseModel]:
        """The pydantic model of the attributes (the class itself)."""
        return cls

    @classmethod
    def load(cls, attributes: Any, context: ComponentLoadContext) -> Component:
        """An instance from a defs.yaml's (already templated) attributes."""
        return cls.model_validate(attributes or {})

    @classmethod
    def scaffold_attributes(cls, path: Path) -> str:
        """The `attributes:` block `weir scaffold defs` writes for this type into the folder `path` (it
        may add files there, such as a .sql file)."""
        return "attributes: {}\n"


@dataclass
class ComponentLoadContext:
    """Where a component is loaded: its folder, the project root and the defs folder (module and path)."""

    path: Path
    project_root: Path
    defs_module_path: Path
    defs_module_name: str
    source: str | None = None  # "file:line" of the defs.yaml document, for errors
    loaded: list[Any] = field(default_factory=list)

    def for_path(self, path: Path) -> ComponentLoadContext:
        return ComponentLoadContext(path, self.project_root, self.defs_module_path, self.defs_module_name)

    def module_name_for(self, path: Path) -> str:
        """The dotted module name of a file or folder inside the defs folder."""
        relative = path.resolve().relative_to(self.defs_module_path.resolve())
        parts = [*relative.parts[:-1], Path(relative.parts[-1]).stem] if relative.parts else []
        return ".".join([self.defs_module_name, *parts]).removesuffix(".__init__")

    def resolve_path(self, value: str | os.PathLike[str]) -> Path:
        """A path written in a defs.yaml: relative to the component's folder."""
        return (self.path / value).resolve()


# templating -----------------------------------------------------------------------------------------
_TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
_CALL = re.compile(r"^(automation_condition|AutomationCondition)\.(\w+)\((.*)\)$", re.S)


class TemplateError(Exception):
    """A `{{ ... }}` that cannot be rendered; the caller adds the file and line."""


def render(value: Any, scope: Mapping[str, Any]) -> Any:
    """Attribute values with `{{ env.X }}`, `{{ env('X') }}`, `{{ project_root }}` (also
    `context.project_root`) and `{{ automation_condition.eager() }}`-style expressions rendered. A string
    that is one whole expression becomes its value; otherwise values are spliced in as text."""
    if isinstance(value, str):
        whole = _TEMPLATE.fullmatch(value.strip())
        if whole:
            return _evaluate(whole.group(1), scope)
        return _TEMPLATE.sub(lambda m: str(_evaluate(m.group(1), scope)), value)
    if isinstance(value, list):
        return [render(v, scope) for v in value]
    if isinstance(value, dict):
        return {k: render(v, scope) for k, v in value.items()}
    return value


def _evaluate(expression: str, scope: Mapping[str, Any]) -> Any:
    env = re.fullmatch(r"env\.(\w+)|env\(\s*['\"](\w+)['\"]\s*\)", expression)
    if env:
        name = env.group(1) or env.group(2)
        if name not in os.environ:
            raise TemplateError(f"environment variable {name} is not set (set it, or add it to .env)")
        return os.environ[name]
    if expression in scope:
        return scope[expression]
    if expression.startswith("context.") and expression.removeprefix("context.") in scope:
        return scope[expression.removeprefix("context.")]
    call = _CALL.fullmatch(expression)
    if call:
        from sdk.automation import AutomationCondition

        method = getattr(AutomationCondition, call.group(2), None)
        if method is None:
            raise TemplateError(f"AutomationCondition has no {call.group(2)!r}")
        try:
            args = ast.literal_eval(f"({call.group(3)},)") if call.group(3).strip() else ()
        except (ValueError, SyntaxError):
            raise TemplateError(f"{expression!r}: the arguments must be literals") from None
        return method(*args)
    known = ", ".join(["env.NAME", *sorted(scope), "automation_condition.eager() (and others)"])
    raise TemplateError(f"unknown template {{{{ {expression} }}}} (known: {known})")


# post-processing ------------------------------------------------------------------------------------
class AssetAttributes(Model):
    """Attributes post_processing sets on the assets a component produces."""

    group_name: str | None = Field(None, description="the assets' group")
    tags: dict[str, str] | None = Field(None, description="tags added to the assets' tags")
    kinds: list[str] | None = Field(None, description="kinds added to the assets' kinds")
    owners: list[str] | None = Field(None, description="owners added to the assets' owners")
    metadata: dict[str, Any] | None = Field(None, description="metadata added to the assets' metadata")
    description: str | None = Field(None, description="the assets' description")
    automation_condition: Any = Field(
        None, description="e.g. \"{{ automation_condition.on_cron('0 * * * *') }}\" or eager / on_missing"
    )


class AssetPostProcessor(Model):
    target: str = Field("*", description="asset selection ('*' for all, or Dagster's selection syntax)")
    operation: str = Field("merge", description="merge (add to what the asset has) or replace")
    attributes: AssetAttributes = Field(description="attributes to set")


class PostProcessing(Model):
    assets: list[AssetPostProcessor] = Field(default_factory=list, description="rules, applied in order")


class Requirements(Model):
    env: list[str] = Field(default_factory=list, description="environment variables the component needs")


def _condition(value: Any) -> Any:
    """`eager`, `on_missing` or `on_cron('...')` written without the template braces."""
    if value is None or not isinstance(value, str):
        return value
    return _evaluate(value if "(" in value else f"automation_condition.{value}()", {})


def post_process(defs: Any, rules: PostProcessing) -> Any:
    """Definitions with each rule's attributes set on the assets its target selects."""
    import copy

    from sdk.asset_graph import AssetGraph
    from sdk.asset_specs import AssetSpec
    from sdk.assets import AssetsDefinition, to_assets_definitions
    from sdk.definitions_class import Definitions
    from sdk.selection import AssetSelection

    assets = list(defs.assets)
    for rule in rules.assets:
        if rule.target.strip() == "*":
            selected = None
        else:
            graph = AssetGraph(to_assets_definitions(assets), [])  # resources are bound later, by the location
            selected = AssetSelection.from_string(rule.target).resolve(graph)
        changes = {k: getattr(rule.attributes, k) for k in type(rule.attributes).model_fields}
        changes = {k: v for k, v in changes.items() if v is not None}
        if "automation_condition" in changes:
            changes["automation_condition"] = _condition(changes["automation_condition"])

        def apply(
            spec: AssetSpec,
            changes: dict[str, Any] = changes,
            selected: Any = selected,
            operation: str = rule.operation,
        ) -> AssetSpec:
            if selected is not None and spec.key not in selected:
                return spec
            if operation == "replace":
                return spec.replace_attributes(**changes)
            merged = dict(changes)
            for name in ("tags", "metadata"):
                if name in merged:
                    merged[name] = {**getattr(spec, name), **merged[name]}
            for name in ("kinds", "owners"):
                if name in merged:
                    merged[name] = [*getattr(spec, name), *(v for v in merged[name] if v not in getattr(spec, name))]
            return spec.replace_attributes(**merged)

        out: list[Any] = []
        for item in assets:
            if isinstance(item, AssetsDefinition):
                new = copy.copy(item)
                new.specs_by_output = {o: apply(s) for o, s in item.specs_by_output.items()}
                out.append(new)
            elif isinstance(item, AssetSpec):
                out.append(apply(item))
            else:
                out.append(item)
        assets = out
    return Definitions(
        assets=assets,
        schedules=defs.schedules,
        sensors=defs.sensors,
        jobs=defs.jobs,
        resources=defs.resources,
        executor=defs.executor,
        loggers=defs.loggers,
        asset_checks=defs.asset_checks,
        metadata=defs.metadata,
    )
