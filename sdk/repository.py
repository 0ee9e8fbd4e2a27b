"""@repository: Dagster's older way to gather a code location's definitions, as a function returning a
list of them (or a dict of jobs, schedules and sensors). It becomes a Definitions the code server loads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, overload

from sdk.definitions_class import Definitions
from sdk.errors import DagsterInvalidDefinitionError


class RepositoryDefinition:
    """A named set of definitions; `.definitions` is the Definitions a code location serves."""

    def __init__(
        self,
        name: str,
        definitions: Definitions,
        description: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.definitions = definitions
        self.description = description
        self.metadata = dict(metadata or {})

    def get_job(self, name: str) -> Any:
        return self.definitions.resolve_job_def(name)

    def has_job(self, name: str) -> bool:
        return name in self.definitions.job_names

    def get_all_jobs(self) -> list[Any]:
        return self.definitions.resolve_all_job_defs()

    @property
    def job_names(self) -> list[str]:
        return self.definitions.job_names

    @property
    def schedule_defs(self) -> list[Any]:
        return list(self.definitions.schedules)

    @property
    def sensor_defs(self) -> list[Any]:
        return list(self.definitions.sensors)

    def get_schedule_def(self, name: str) -> Any:
        return self.definitions.get_schedule_def(name)

    def get_sensor_def(self, name: str) -> Any:
        return self.definitions.get_sensor_def(name)

    def has_schedule_def(self, name: str) -> bool:
        return any(s.name == name for s in self.definitions.schedules)

    def has_sensor_def(self, name: str) -> bool:
        return any(s.name == name for s in self.definitions.sensors)

    @property
    def assets_defs_by_key(self) -> dict[Any, Any]:
        return dict(self.definitions.asset_graph.assets_def_by_key)

    def get_implicit_global_asset_job_def(self) -> Any:
        return self.definitions.get_implicit_global_asset_job_def()

    def load_all_definitions(self) -> None:
        self.definitions.validate_loadable()

    def __repr__(self) -> str:
        return f"<RepositoryDefinition {self.name}>"


def _flatten(items: Iterable[Any]) -> Iterable[Any]:
    for item in items:
        if isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            yield item


def _from_dict(contents: Mapping[str, Any], name: str) -> list[Any]:
    unknown = sorted(set(contents) - {"jobs", "schedules", "sensors"})
    if unknown:
        raise DagsterInvalidDefinitionError(
            f'@repository "{name}" returned a dict with {unknown}; its keys are "jobs", "schedules", "sensors".'
        )
    out: list[Any] = []
    for group in ("jobs", "schedules", "sensors"):
        for value in (contents.get(group) or {}).values():
            out.append(value() if callable(value) and not hasattr(value, "name") else value)
    return out


def definitions_from_contents(
    contents: Any,
    name: str,
    *,
    resources: Mapping[str, Any] | None = None,
    executor: Any = None,
    loggers: Mapping[str, Any] | None = None,
) -> Definitions:
    """Sort what a repository function returned into Definitions' arguments, by kind."""
    from sdk.asset_specs import AssetSpec
    from sdk.assets import AssetsDefinition
    from sdk.checks import AssetChecksDefinition
    from sdk.graphs import GraphDefinition
    from sdk.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from sdk.schedules import ScheduleDefinition
    from sdk.sensors import SensorDefinition
    from sdk.source_assets import SourceAsset

    items = _from_dict(contents, name) if isinstance(contents, Mapping) else list(_flatten(contents or []))
    assets, checks, jobs, schedules, sensors = [], [], [], [], []
    for item in items:
        if isinstance(item, (AssetsDefinition, SourceAsset, AssetSpec)):
            assets.append(item)
        elif isinstance(item, AssetChecksDefinition):
            checks.append(item)
        elif isinstance(item, (JobDefinition, UnresolvedAssetJobDefinition)):
            jobs.append(item)
        elif isinstance(item, GraphDefinition):
            jobs.append(item.to_job())
        elif isinstance(item, ScheduleDefinition):
            schedules.append(item)
        elif isinstance(item, SensorDefinition):
            sensors.append(item)
        else:
            raise DagsterInvalidDefinitionError(
                f'@repository "{name}" returned {item!r}; return assets, asset checks, jobs, graphs, schedules '
                "and sensors (or a dict of jobs, schedules and sensors)."
            )
    return Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs,
        schedules=schedules,
        sensors=sensors,
        resources=resources,
        executor=executor,
        loggers=loggers,
    )


@overload
def repository(definitions_fn: Callable[..., Any]) -> RepositoryDefinition: ...


@overload
def repository(
    definitions_fn: None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    default_executor_def: Any = None,
    default_logger_defs: Mapping[str, Any] | None = None,
    top_level_resources: Mapping[str, Any] | None = None,
) -> Callable[[Callable[..., Any]], RepositoryDefinition]: ...


def repository(
    definitions_fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    description: str | None = None,
    metadata: Mapping[str, Any] | None = None,
    default_executor_def: Any = None,
    default_logger_defs: Mapping[str, Any] | None = None,
    top_level_resources: Mapping[str, Any] | None = None,
) -> RepositoryDefinition | Callable[[Callable[..., Any]], RepositoryDefinition]:
    """Declare a repository: the function returns a list of definitions (or a dict of jobs, schedules
    and sensors); a code location file holding one loads like one holding a Definitions."""

    def build(fn: Callable[..., Any]) -> RepositoryDefinition:
        repo_name = name or fn.__name__
        defs = definitions_from_contents(
            fn(),
            repo_name,
            resources=top_level_resources,
            executor=default_executor_def,
            loggers=default_logger_defs,
        )
        return RepositoryDefinition(repo_name, defs, description or (fn.__doc__ or "").strip() or None, metadata)

    return build(definitions_fn) if definitions_fn is not None else build
