"""Which instance a run sees as context.instance: in-process, the given or a new ephemeral
DagsterInstance with the run recorded in it; under the Weir host, the host's (sdk/host_instance.py,
given by the run worker), or where none is served (steps on Celery workers) a stand-in that names the
limitation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sdk.errors import DagsterInvariantViolationError
from sdk.instance import DagsterInstance
from sdk.run_records import DagsterRun, DagsterRunStatus

PARTITION_TAG = "dagster/partition"


def instance_for_run(
    instance: Any,
    job_name: str,
    run_id: str,
    tags: Mapping[str, str],
    run_config: Any,
    partition_key: str | None,
    parent_run_id: str | None = None,
    root_run_id: str | None = None,
) -> DagsterInstance:
    """The instance an in-process run records into (a new ephemeral one when none is given), with the
    run added as STARTING; its events then move it to STARTED and SUCCESS / FAILURE / CANCELED."""
    if instance is None:
        instance = DagsterInstance.ephemeral()
    elif not isinstance(instance, DagsterInstance):
        raise DagsterInvariantViolationError(
            f"instance= takes a DagsterInstance, got {type(instance).__name__}; use dg.DagsterInstance.ephemeral() "
            "or `with dg.instance_for_test() as instance:`."
        )
    run_tags = {**tags, PARTITION_TAG: partition_key} if partition_key else dict(tags)
    config = run_config.to_config_dict() if hasattr(run_config, "to_config_dict") else dict(run_config or {})
    run = DagsterRun(job_name, run_id, DagsterRunStatus.STARTING, run_tags, config, None, parent_run_id, root_run_id)
    instance._record_run(run)
    return instance


class HostInstanceUnavailable:
    """`context.instance` where the host's instance is not served: steps executed on Celery workers
    (the run worker's own steps get sdk/host_instance.py). Every use says so and names the way around."""

    def __init__(self, where: str = "a run launched by the Weir host") -> None:
        self._where = where

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # pickling, copying and our own fields: plain attribute lookups
            raise AttributeError(name)
        raise DagsterInvariantViolationError(
            f"DagsterInstance.{name} is not available in {self._where}: the instance's runs, events and dynamic "
            "partitions live in the host's storage, which user code does not open, and Weir serves them only "
            "to the run worker's steps and to evaluations. Read what a step needs through its inputs (or an IO "
            "manager), change dynamic partitions from a sensor with SensorResult(dynamic_partitions_requests=[...]), "
            "and in tests pass instance=dg.DagsterInstance.ephemeral() to materialize()/execute_in_process()."
        )

    def __repr__(self) -> str:
        return f"<DagsterInstance unavailable in {self._where}>"
