"""The public surface of sdk is pinned, and importing it does nothing but define names."""

from __future__ import annotations

import subprocess
import sys

import sdk

EXPECTED = [
    "Any",
    "AssetCheckEvaluation",
    "AssetCheckExecutionContext",
    "AssetCheckKey",
    "AssetCheckResult",
    "AssetCheckSeverity",
    "AssetCheckSpec",
    "AssetChecksDefinition",
    "AssetDep",
    "AssetExecutionContext",
    "AssetIn",
    "AssetKey",
    "AssetMaterialization",
    "AssetObservation",
    "AssetOut",
    "AssetSelection",
    "AssetSensorDefinition",
    "AssetSpec",
    "AssetsDefinition",
    "AutomationCondition",
    "AutomationConditionSensorDefinition",
    "Backoff",
    "Bool",
    "Config",
    "ConfigurableIOManager",
    "ConfigurableIOManagerFactory",
    "ConfigurableResource",
    "DagsterError",
    "DagsterExecutionStepExecutionError",
    "DagsterInvalidConfigError",
    "DagsterInvalidDefinitionError",
    "DagsterInvalidInvocationError",
    "DagsterInvariantViolationError",
    "DagsterResourceFunctionError",
    "DagsterRunStatus",
    "DagsterType",
    "DagsterTypeCheckDidNotPass",
    "DagsterUnknownResourceError",
    "DailyPartitionsDefinition",
    "DefaultScheduleStatus",
    "DefaultSensorStatus",
    "Definitions",
    "DynamicPartitionsDefinition",
    "EnvVar",
    "ErrorInfo",
    "Event",
    "ExecuteInProcessResult",
    "ExecutorDefinition",
    "Failure",
    "FilesystemIOManager",
    "Float",
    "GraphDefinition",
    "HourlyPartitionsDefinition",
    "IOManager",
    "IOManagerDefinition",
    "In",
    "InMemoryIOManager",
    "InitResourceContext",
    "InputContext",
    "Int",
    "Jitter",
    "JobDefinition",
    "MaterializeResult",
    "MetadataValue",
    "MonthlyPartitionsDefinition",
    "MultiPartitionsDefinition",
    "Nothing",
    "OpDefinition",
    "OpExecutionContext",
    "Out",
    "Output",
    "OutputContext",
    "PartitionsDefinition",
    "PermissiveConfig",
    "ResourceDefinition",
    "ResourceParam",
    "RetryPolicy",
    "RetryRequested",
    "RunConfig",
    "RunRequest",
    "RunStatusSensorDefinition",
    "ScheduleDefinition",
    "ScheduleEvaluationContext",
    "SensorDefinition",
    "SensorEvaluationContext",
    "SensorResult",
    "SkipReason",
    "StaticPartitionsDefinition",
    "String",
    "TableColumn",
    "TableRecord",
    "TableSchema",
    "TimeWindowPartitionsDefinition",
    "TypeCheck",
    "UnresolvedAssetJobDefinition",
    "WeeklyPartitionsDefinition",
    "WeirError",
    "WeirUnsupportedArgumentWarning",
    "asset",
    "asset_check",
    "asset_sensor",
    "build_asset_context",
    "build_op_context",
    "build_schedule_context",
    "build_sensor_context",
    "define_asset_job",
    "fs_io_manager",
    "graph",
    "in_process_executor",
    "io_manager",
    "job",
    "materialize",
    "materialize_to_memory",
    "mem_io_manager",
    "multi_asset",
    "multiprocess_executor",
    "op",
    "resource",
    "run_failure_sensor",
    "run_status_sensor",
    "schedule",
    "sensor",
    # partitions and backfills
    "AddDynamicPartitionsRequest",
    "AllPartitionMapping",
    "BackfillPolicy",
    "DeleteDynamicPartitionsRequest",
    "IdentityPartitionMapping",
    "LastPartitionMapping",
    "PartitionKeyRange",
    "PartitionMapping",
    "StaticPartitionMapping",
    "TimeWindow",
    "TimeWindowPartitionMapping",
    "build_schedule_from_partitioned_job",
    # older-style config and resources
    "Array",
    "BoolSource",
    "ConfigMapping",
    "ConfigurableLegacyIOManagerAdapter",
    "ConfigurableLegacyResourceAdapter",
    "Enum",
    "EnumValue",
    "Field",
    "IntSource",
    "Map",
    "Noneable",
    "Permissive",
    "ResourceDependency",
    "Selector",
    "Shape",
    "StringSource",
    "build_init_resource_context",
    "config_mapping",
    "configured",
]


def test_all_is_pinned_and_every_name_resolves() -> None:
    assert sdk.__all__ == sorted(EXPECTED)
    for name in sdk.__all__:
        assert getattr(sdk, name) is not None, name
    assert isinstance(sdk.__version__, str)
    assert isinstance(sdk.Any, sdk.DagsterType)  # the sdk's Any, not typing.Any


def test_import_sdk_loads_neither_pydantic_nor_grpc_nor_threads() -> None:
    code = (
        "import sys, threading; import sdk; "
        "print(sorted(m for m in ('pydantic', 'grpc', 'protos', 'codeserver', 'host') if m in sys.modules), "
        "threading.active_count())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] 1"


def test_reference_page_mentions_every_public_name() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "sdk.md").read_text()
    assert [n for n in sdk.__all__ if f"`{n}`" not in page and f" {n}`" not in page and f"`{n} " not in page] == []
