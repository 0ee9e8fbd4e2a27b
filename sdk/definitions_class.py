"""Definitions: everything one code location exposes. Resolution (asset graph, jobs) is lazy and cached."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

from sdk.asset_graph import AssetGraph
from sdk.assets import to_assets_definitions
from sdk.checks import to_check_definitions
from sdk.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError
from sdk.jobs import IMPLICIT_ASSET_JOB_NAME, JobDefinition, UnresolvedAssetJobDefinition, build_asset_job
from sdk.keys import AssetKey
from sdk.selection import AssetSelection


class Definitions:
    """The assets, checks, jobs, schedules, sensors and resources of a code location."""

    def __init__(
        self,
        assets: Iterable[Any] | None = None,
        schedules: Iterable[Any] | None = None,
        sensors: Iterable[Any] | None = None,
        jobs: Iterable[Any] | None = None,
        resources: Mapping[str, Any] | None = None,
        executor: Any = None,
        loggers: Mapping[str, Any] | None = None,
        asset_checks: Iterable[Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.assets = list(assets or [])
        self.schedules = list(schedules or [])
        self.sensors = list(sensors or [])
        self.jobs = list(jobs or [])
        self.resources = _with_definition_resources(dict(resources or {}), [*self.assets, *(asset_checks or [])])
        self.executor = executor
        self.loggers = dict(loggers or {})
        self.asset_checks = list(asset_checks or [])
        self.metadata = dict(metadata or {})
        _check_kinds(self.jobs, self.schedules, self.sensors)

    # resolution --------------------------------------------------------------------------------
    @cached_property
    def asset_graph(self) -> AssetGraph:
        checks = to_check_definitions(self.asset_checks)
        graph = AssetGraph(to_assets_definitions(self.assets), checks)
        _check_resources(
            [(f"Asset {_keys_of(d)}", d) for d in graph.assets_defs if d.is_executable]
            + [(f"Asset check {_checks_of(c)}", c) for c in graph.checks_defs],
            self.resources,
        )
        return graph

    @cached_property
    def _jobs_by_name(self) -> dict[str, Any]:
        """Jobs given directly, plus those that schedules and sensors target."""
        found: dict[str, Any] = {}
        targets = [*self.jobs]
        for item in [*self.schedules, *self.sensors]:
            targets.extend(getattr(item, "target_jobs", []))
        for job in targets:
            other = found.get(job.name)
            if other is not None and other is not job:
                raise DagsterInvalidDefinitionError(
                    f'Two different jobs are named "{job.name}"; job names must be unique in a code location.'
                )
            found[job.name] = job
        for item in [*self.schedules, *self.sensors]:
            for name in getattr(item, "job_names", []):
                if name not in found and name != IMPLICIT_ASSET_JOB_NAME:
                    raise DagsterInvalidDefinitionError(
                        f'"{item.name}" targets job "{name}", which this code location does not define; the jobs '
                        f"are {sorted(found)}. Add the job to Definitions(jobs=[...]) or fix the name."
                    )
        return found

    @cached_property
    def _resolved_jobs(self) -> dict[str, JobDefinition]:
        return {}

    def resolve_job_def(self, name: str) -> JobDefinition:
        """The executable job named `name`, with the location's resources and executor."""
        if name in self._resolved_jobs:
            return self._resolved_jobs[name]
        if name == IMPLICIT_ASSET_JOB_NAME:
            return self.implicit_job(None)
        job = self._jobs_by_name.get(name)
        if job is None:
            raise DagsterInvariantViolationError(
                f'No job named "{name}" in this code location; the jobs are {sorted(self._jobs_by_name)}.'
            )
        if isinstance(job, UnresolvedAssetJobDefinition):
            resolved = job.resolve(self.asset_graph, self.resources, self.executor)
        else:
            resolved = job
        if (
            self.resources
            or (self.executor and job.executor_def is None)
            or (self.loggers and not resolved.logger_defs)
        ):
            resolved = _with_defaults(resolved, self.resources, self.executor, self.loggers)
        ops = [] if resolved.is_asset_job else _op_nodes(resolved.graph)
        _check_resources(
            [(f'Op "{n.name}" of job "{name}"', n.definition) for n in ops],
            resolved.resource_defs,
            hooks=[(f'A hook of job "{name}"', h) for h in resolved.hook_defs],
        )
        self._resolved_jobs[name] = resolved
        return resolved

    get_job_def = resolve_job_def

    def resolve_all_job_defs(self) -> list[JobDefinition]:
        return [self.resolve_job_def(n) for n in sorted(self._jobs_by_name)]

    def get_all_job_defs(self) -> list[JobDefinition]:
        return self.resolve_all_job_defs()

    @property
    def job_names(self) -> list[str]:
        return sorted(self._jobs_by_name)

    def implicit_job(self, selection: Any = None) -> JobDefinition:
        """A hidden job over a selection (default: every executable asset), for ad-hoc materializations."""
        graph = self.asset_graph
        chosen = AssetSelection.all() if selection is None else AssetSelection.from_coercible(selection)
        keys = chosen.resolve(graph)
        return build_asset_job(
            IMPLICIT_ASSET_JOB_NAME,
            graph,
            keys,
            check_keys=chosen.resolve_checks(graph),
            resource_defs=self.resources,
            executor_def=self.executor,
            logger_defs=self.loggers,
        )

    def resolve_implicit_global_asset_job_def(self) -> JobDefinition:
        return self.implicit_job(None)

    get_implicit_global_asset_job_def = resolve_implicit_global_asset_job_def

    def subset_job(self, job: JobDefinition, keys: Sequence[AssetKey]) -> JobDefinition:
        """An asset job restricted to some of its assets (a run of a job with an asset selection)."""
        if not job.is_asset_job:
            raise DagsterInvariantViolationError(f'Job "{job.name}" is not an asset job; it cannot be subset by asset.')
        outside = sorted(k.to_user_string() for k in keys if k not in job.asset_keys)
        if outside:
            raise DagsterInvariantViolationError(f'Job "{job.name}" does not materialize {outside}.')
        return build_asset_job(
            job.name,
            self.asset_graph,
            set(keys),
            resource_defs=job.resource_defs,
            executor_def=job.executor_def,
            config=job.config,
            tags=job.tags,
            run_tags=job.run_tags,
            description=job.description,
            partitions_def=job.partitions_def,
            hook_defs=job.hook_defs,
            logger_defs=job.logger_defs,
        )

    def resolve_asset_graph(self) -> AssetGraph:
        return self.asset_graph

    def resolve_all_asset_specs(self) -> list[Any]:
        return [s for d in self.asset_graph.assets_defs for s in d.specs]

    def get_assets_def(self, key: Any) -> Any:
        from sdk.keys import to_asset_key

        return self.asset_graph.assets_def_by_key[to_asset_key(key)]

    def get_asset_value_loader(self, instance: Any = None) -> Any:
        """An AssetValueLoader over these Definitions' resources: `with defs.get_asset_value_loader() as l:`."""
        from sdk.asset_values import AssetValueLoader

        return AssetValueLoader(self, instance)

    def load_asset_value(
        self,
        asset_key: Any,
        *,
        python_type: type | None = None,
        instance: Any = None,
        partition_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        resource_config: Any = None,
    ) -> Any:
        """The stored value of an asset, loaded by its IO manager (see AssetValueLoader.load_asset_value)."""
        with self.get_asset_value_loader(instance) as loader:
            return loader.load_asset_value(
                asset_key,
                python_type=python_type,
                partition_key=partition_key,
                input_definition_metadata=metadata,
                resource_config=resource_config,
            )

    def get_schedule_def(self, name: str) -> Any:
        return _by_name(self.schedules, name, "schedule")

    def get_sensor_def(self, name: str) -> Any:
        return _by_name(self.sensors, name, "sensor")

    # combination -------------------------------------------------------------------------------
    @staticmethod
    def merge(*defs: Definitions) -> Definitions:
        """One Definitions with everything of each; a resource key bound to two different values is an error."""
        resources: dict[str, Any] = {}
        executor = None
        for d in defs:
            for key, value in d.resources.items():
                if key in resources and resources[key] is not value:
                    raise DagsterInvalidDefinitionError(
                        f'Definitions.merge: resource "{key}" is given twice with different values; keep one.'
                    )
                resources[key] = value
            if d.executor is not None:
                if executor is not None and executor is not d.executor:
                    raise DagsterInvalidDefinitionError("Definitions.merge: two different executors; keep one.")
                executor = d.executor
        return Definitions(
            assets=[a for d in defs for a in d.assets],
            schedules=[s for d in defs for s in d.schedules],
            sensors=[s for d in defs for s in d.sensors],
            jobs=[j for d in defs for j in d.jobs],
            resources=resources,
            executor=executor,
            asset_checks=[c for d in defs for c in d.asset_checks],
            loggers={k: v for d in defs for k, v in d.loggers.items()},
            metadata={k: v for d in defs for k, v in d.metadata.items()},
        )

    def _replaced(self, **changes: Any) -> Definitions:
        fields = {
            "assets": self.assets,
            "schedules": self.schedules,
            "sensors": self.sensors,
            "jobs": self.jobs,
            "resources": self.resources,
            "executor": self.executor,
            "loggers": self.loggers,
            "asset_checks": self.asset_checks,
            "metadata": self.metadata,
        }
        return Definitions(**{**fields, **changes})

    def map_asset_specs(self, *, func: Callable[[Any], Any], selection: Any = None) -> Definitions:
        """A copy whose asset specs (of AssetSpecs and assets definitions; the selected ones only, when
        `selection` is given) are replaced by func(spec); keys must stay."""
        from sdk.assets import map_asset_specs
        from sdk.selection import AssetSelection

        if selection is None:
            return self._replaced(assets=map_asset_specs(func, self.assets))
        keys = AssetSelection.from_coercible(selection).resolve(self.asset_graph)

        def chosen(spec: Any) -> Any:
            return func(spec) if spec.key in keys else spec

        return self._replaced(assets=map_asset_specs(chosen, self.assets))

    def map_resolved_asset_specs(self, *, func: Callable[[Any], Any], selection: Any = None) -> Definitions:
        """As map_asset_specs (Weir's assets are resolved when defined)."""
        return self.map_asset_specs(func=func, selection=selection)

    def with_resources(self, resources: Mapping[str, Any] | None) -> Definitions:
        """A copy with these resources added (a key given here replaces the one it had)."""
        return self._replaced(resources={**self.resources, **(resources or {})})

    def validate_loadable(self) -> None:
        """Resolve everything now so that mistakes show at load time, not at the first run."""
        _ = self.asset_graph
        self.resolve_all_job_defs()
        for item in [*self.schedules, *self.sensors]:
            for name in getattr(item, "job_names", []):
                self.resolve_job_def(name)

    @staticmethod
    def validate_loadable_static(defs: Definitions) -> None:
        defs.validate_loadable()


def _with_definition_resources(resources: dict[str, Any], definitions: list[Any]) -> dict[str, Any]:
    """Definitions' resources plus those assets and checks bring (resource_defs=); one key, two values is
    an error, as in Dagster."""
    for definition in definitions:
        for key, value in (getattr(definition, "resource_defs", None) or {}).items():
            other = resources.setdefault(key, value)
            if other is not value:
                raise DagsterInvalidDefinitionError(
                    f'Resource "{key}" is given twice with different values: by {definition!r} (resource_defs=) and '
                    "by Definitions(resources=) or another asset. Keep one."
                )
    return resources


def _check_kinds(jobs: list[Any], schedules: list[Any], sensors: list[Any]) -> None:
    """Each list holds what it says, and schedule and sensor names are unique (as Dagster checks)."""
    from sdk.automation import AutomationConditionSensorDefinition
    from sdk.freshness_checks import FreshnessCheckSensorDefinition
    from sdk.jobs import JobDefinition, UnresolvedAssetJobDefinition
    from sdk.schedules import ScheduleDefinition
    from sdk.sensors import SensorDefinition

    for items, kinds, what in (
        (jobs, (JobDefinition, UnresolvedAssetJobDefinition), "jobs= takes @job and define_asset_job jobs"),
        (schedules, (ScheduleDefinition,), "schedules= takes schedules"),
        (
            sensors,
            (SensorDefinition, AutomationConditionSensorDefinition, FreshnessCheckSensorDefinition),
            "sensors= takes sensors",
        ),
    ):
        for item in items:
            if not isinstance(item, kinds):
                raise DagsterInvalidDefinitionError(f"Definitions({what}; got {item!r}.")
    for items, what in ((schedules, "schedule"), (sensors, "sensor")):
        seen: dict[str, Any] = {}
        for item in items:
            if seen.setdefault(item.name, item) is not item:
                raise DagsterInvalidDefinitionError(
                    f'Duplicate definition found for {what} "{item.name}": two different {what}s have that name.'
                )


def _check_resources(
    owners: list[tuple[str, Any]], resources: Mapping[str, Any], hooks: list[tuple[str, Any]] | None = None
) -> None:
    """Every resource and IO manager a definition needs is provided ("io_manager" always is)."""
    provided = set(resources) | {"io_manager"}
    for what, hook in hooks or []:
        missing = sorted(set(hook.required_resource_keys) - provided)
        if missing:
            raise DagsterInvalidDefinitionError(
                f'{what} ("{hook.name}") needs resource "{missing[0]}", which is not provided; the resources are '
                f'{sorted(provided)}. Add it: Definitions(resources={{"{missing[0]}": ...}}).'
            )
    for what, owner in owners:
        op = getattr(owner, "op", owner)
        needed = set(op.required_resource_keys)
        needed |= {owner.io_manager_key_for(k) for k in owner.keys} if hasattr(owner, "specs_by_output") else set()
        needed |= {o.io_manager_key for o in op.output_defs.values()} if not hasattr(owner, "op") else set()
        inputs = op.input_dict if hasattr(op, "input_dict") else op.input_defs  # a graph-backed asset: its graph
        needed |= {i.input_manager_key for i in inputs.values() if i.input_manager_key}
        missing = sorted(needed - provided)
        if missing:
            raise DagsterInvalidDefinitionError(
                f'{what} needs resource "{missing[0]}", which is not provided; the resources are '
                f'{sorted(provided)}. Add it: Definitions(resources={{"{missing[0]}": ...}}).'
            )


def _op_nodes(graph: Any) -> list[Any]:
    """The op invocations of a graph, nested graphs flattened."""
    from sdk.graphs import GraphDefinition

    out = []
    for node in graph.nodes.values():
        out.extend(_op_nodes(node.definition) if isinstance(node.definition, GraphDefinition) else [node])
    return out


def _keys_of(adef: Any) -> str:
    return ", ".join(f'"{k.to_user_string()}"' for k in adef.keys)


def _checks_of(check: Any) -> str:
    return ", ".join(f'"{k.to_user_string()}"' for k in check.check_keys)


def _by_name(items: list[Any], name: str, what: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise DagsterInvariantViolationError(f'No {what} named "{name}"; they are {sorted(i.name for i in items)}.')


def _with_defaults(
    job: JobDefinition, resources: Mapping[str, Any], executor: Any, loggers: Mapping[str, Any]
) -> JobDefinition:
    import copy

    new = copy.copy(job)
    new.resource_defs = {**resources, **job.resource_defs}
    new.executor_def = job.executor_def or executor
    new.logger_defs = dict(job.logger_defs or loggers)  # Definitions' loggers for jobs without their own
    return new
