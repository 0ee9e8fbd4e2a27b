"""Sensors: functions the host evaluates on an interval (standard, asset, run status)."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

from sdk._unsupported import warn_unsupported
from sdk.errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError
from sdk.keys import AssetKey, to_asset_key
from sdk.run_records import DagsterRunStatus
from sdk.schedules import resolve_target


class DefaultSensorStatus(enum.Enum):
    """Whether a sensor runs as soon as it is loaded."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class SensorEvaluationContext:
    """What a sensor function receives: cursor, last run key, resources."""

    def __init__(
        self,
        cursor: str | None = None,
        last_tick_time: float | None = None,
        last_run_key: str | None = None,
        resources: Any = None,
        instance: Any = None,
    ) -> None:
        self.cursor = cursor
        self.last_tick_time = last_tick_time
        self.last_run_key = last_run_key
        self.resources = resources
        self._instance = instance
        self.log = None

    @property
    def instance(self) -> Any:
        """The DagsterInstance given to build_sensor_context(instance=...); an error says how to give one."""
        if self._instance is None:
            from sdk.instance import missing_instance_error

            raise missing_instance_error("sensor")
        return self._instance

    def update_cursor(self, cursor: str | None) -> None:
        self.cursor = cursor


def build_sensor_context(
    cursor: str | None = None, resources: Any = None, instance: Any = None, last_run_key: str | None = None
) -> SensorEvaluationContext:
    return SensorEvaluationContext(cursor=cursor, resources=resources, instance=instance, last_run_key=last_run_key)


class SensorDefinition:
    """A function evaluated every minimum_interval_seconds that may request runs."""

    kind = "STANDARD"

    def __init__(
        self,
        name: str | None = None,
        *,
        evaluation_fn: Callable[..., Any] | None = None,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        job: Any = None,
        jobs: Sequence[Any] | None = None,
        job_name: str | None = None,
        asset_selection: Any = None,
        target: Any = None,
        default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
        required_resource_keys: set[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.name = name or (evaluation_fn.__name__ if evaluation_fn else "sensor")
        self._raw_fn = evaluation_fn
        # what the code server calls: fn(context, *event) cut to the parameters the user's function has
        self.evaluation_fn = self._adapted(evaluation_fn) if evaluation_fn is not None else None
        self.minimum_interval_seconds = 30 if minimum_interval_seconds is None else int(minimum_interval_seconds)
        self.description = description
        self.target_jobs, self.job_names, self.asset_selection = resolve_target(
            job, job_name, target, jobs, asset_selection
        )
        self.default_status = default_status
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.metadata = dict(metadata or {})
        self.monitored_assets: list[AssetKey] = []
        self.monitored_run_statuses: list[str] = []
        self.monitored_jobs: list[str] = []

    @property
    def job_name(self) -> str | None:
        return self.job_names[0] if self.job_names else None

    def _adapted(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        from sdk._invocation import call_with_context

        what = f'sensor "{self.name}"'

        def evaluate(context: Any, *event: Any) -> Any:
            return call_with_context(fn, what, context, *event)

        return evaluate

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Direct invocation (unit tests): `my_sensor(build_sensor_context(...))`, or `my_sensor()` when the
        function takes no context; resource parameters come from the context's resources."""
        from sdk._invocation import call_with_context

        if self._raw_fn is None:
            raise DagsterInvalidInvocationError(f'Sensor "{self.name}" has no function to call.')
        context = args[0] if args else kwargs.pop("context", None)
        return call_with_context(self._raw_fn, f'sensor "{self.name}"', context, *args[1:], *kwargs.values())


class AssetSensorDefinition(SensorDefinition):
    """A sensor called with each new materialization of one asset: fn(context, asset_event), or with
    fewer parameters (Dagster takes the first two non-resource parameters, in that order)."""

    kind = "ASSET"

    @property
    def asset_key(self) -> AssetKey:
        return self.monitored_assets[0]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """`my_sensor(context, event)`; without an event, the latest materialization of the asset in the
        context's instance (build_sensor_context(instance=...)), and no call when there is none. As in
        Dagster, the answer is a list of what the function returned or yielded."""
        if len(args) < 2 and not kwargs.get("asset_event") and args and getattr(args[0], "_instance", None):
            entry = args[0].instance.get_latest_materialization_event(self.asset_key)
            if entry is None:
                return []
            args = (args[0], entry)
        result = super().__call__(*args, **kwargs)
        if result is None:
            return []
        return list(result) if isinstance(result, (list, tuple)) or inspect.isgenerator(result) else [result]


class RunStatusSensorDefinition(SensorDefinition):
    """A sensor called for each run that reached a status."""

    kind = "RUN_STATUS"


class MultiAssetSensorDefinition(SensorDefinition):
    """A sensor watching several assets."""

    kind = "MULTI_ASSET"


def sensor(
    job: Any = None,
    *,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    jobs: Sequence[Any] | None = None,
    job_name: str | None = None,
    asset_selection: Any = None,
    target: Any = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    required_resource_keys: set[str] | None = None,
    metadata: dict[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
    owners: Sequence[str] | None = None,
) -> Callable[[Callable[..., Any]], SensorDefinition]:
    """Declare a sensor: the function returns RunRequests, a SkipReason or a SensorResult."""

    def build(fn: Callable[..., Any]) -> SensorDefinition:
        warn_unsupported(f"sensor '{name or fn.__name__}'", tags=tags or None, owners=owners or None)
        return SensorDefinition(
            name or fn.__name__,
            evaluation_fn=fn,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description or fn.__doc__,
            job=job,
            jobs=jobs,
            job_name=job_name,
            asset_selection=asset_selection,
            target=target,
            default_status=default_status,
            required_resource_keys=required_resource_keys,
            metadata=metadata,
        )

    return build


def asset_sensor(
    asset_key: Any,
    *,
    job: Any = None,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    jobs: Sequence[Any] | None = None,
    job_name: str | None = None,
    target: Any = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
    required_resource_keys: set[str] | None = None,
) -> Callable[[Callable[..., Any]], AssetSensorDefinition]:
    """Declare a sensor called as fn(context, asset_event) for each new materialization of asset_key."""

    def build(fn: Callable[..., Any]) -> AssetSensorDefinition:
        definition = AssetSensorDefinition(
            name or fn.__name__,
            evaluation_fn=fn,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description or fn.__doc__,
            job=job,
            jobs=jobs,
            job_name=job_name,
            target=target,
            default_status=default_status,
            required_resource_keys=required_resource_keys,
        )
        definition.monitored_assets = [to_asset_key(asset_key)]
        return definition

    return build


def run_status_sensor(
    run_status: DagsterRunStatus,
    *,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    monitored_jobs: Sequence[Any] | None = None,
    monitor_all_code_locations: bool = False,
    request_job: Any = None,
    request_jobs: Sequence[Any] | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> Callable[[Callable[..., Any]], RunStatusSensorDefinition]:
    """Declare a sensor called for each run that reaches run_status (of monitored_jobs, or any job)."""

    def build(fn: Callable[..., Any]) -> RunStatusSensorDefinition:
        warn_unsupported(f"sensor '{name or fn.__name__}'", monitor_all_code_locations=monitor_all_code_locations)
        definition = RunStatusSensorDefinition(
            name or fn.__name__,
            evaluation_fn=fn,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description or fn.__doc__,
            job=request_job,
            jobs=request_jobs,
            default_status=default_status,
        )
        definition.monitored_run_statuses = [run_status.value]
        definition.monitored_jobs = _monitored_job_names(definition.name, monitored_jobs or [])
        return definition

    return build


@overload
def run_failure_sensor(fn: Callable[..., Any]) -> RunStatusSensorDefinition: ...


@overload
def run_failure_sensor(
    fn: None = None,
    *,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    monitored_jobs: Sequence[Any] | None = None,
    request_job: Any = None,
    request_jobs: Sequence[Any] | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> Callable[[Callable[..., Any]], RunStatusSensorDefinition]: ...


def run_failure_sensor(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    monitored_jobs: Sequence[Any] | None = None,
    request_job: Any = None,
    request_jobs: Sequence[Any] | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.STOPPED,
) -> RunStatusSensorDefinition | Callable[[Callable[..., Any]], RunStatusSensorDefinition]:
    """Declare a sensor called for each failed run."""
    decorator = run_status_sensor(
        DagsterRunStatus.FAILURE,
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        description=description,
        monitored_jobs=monitored_jobs,
        request_job=request_job,
        request_jobs=request_jobs,
        default_status=default_status,
    )
    return decorator(fn) if fn is not None else decorator


def _monitored_job_names(sensor: str, monitored: Sequence[Any]) -> list[str]:
    """The job names a run status sensor watches (jobs, or JobSelectors, of its own code location)."""
    from sdk.selectors import CodeLocationSelector, JobSelector, RepositorySelector

    names = []
    for item in monitored:
        if isinstance(item, (CodeLocationSelector, RepositorySelector)):
            raise DagsterInvalidDefinitionError(
                f"sensor '{sensor}': monitored_jobs= got {item!r}, but a Weir run status sensor watches runs of its "
                "own code location only; list its jobs (or JobSelector(job_name=...)) instead."
            )
        if isinstance(item, JobSelector) and item.location_name is not None:
            warn_unsupported(f"JobSelector of sensor '{sensor}'", stacklevel=4, location_name=item.location_name)
        names.append(getattr(item, "name", str(item)))
    return sorted(names)
