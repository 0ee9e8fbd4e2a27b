"""Weir's user-facing API, with Dagster's names: `import sdk as dg`.

Importing this package only defines names: each one loads its module on first use (PEP 562), so
`import sdk` costs almost nothing and pydantic loads only when a Config or resource name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING
from typing import Any as _Any  # not `Any`: that name is the sdk's own DagsterType

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    "AssetCheckEvaluation": "sdk.checks",
    "AssetCheckExecutionContext": "sdk.context",
    "AssetCheckKey": "sdk.keys",
    "AssetCheckResult": "sdk.checks",
    "AssetCheckSeverity": "sdk.checks",
    "AssetCheckSpec": "sdk.checks",
    "AssetChecksDefinition": "sdk.checks",
    "AssetDep": "sdk.asset_specs",
    "AssetExecutionContext": "sdk.context",
    "AssetIn": "sdk.asset_specs",
    "AssetKey": "sdk.keys",
    "AssetMaterialization": "sdk.outputs",
    "AssetObservation": "sdk.outputs",
    "AssetOut": "sdk.asset_specs",
    "AssetSelection": "sdk.selection",
    "AssetSensorDefinition": "sdk.sensors",
    "AssetSpec": "sdk.asset_specs",
    "Component": "sdk.components",
    "ComponentLoadContext": "sdk.components",
    "DefsFolderComponent": "sdk.components",
    "FunctionComponent": "sdk.components",
    "Model": "sdk.components",
    "Resolvable": "sdk.components",
    "definitions": "sdk.components",
    "load_from_defs_folder": "sdk.components",
    "AutomationCondition": "sdk.automation",
    "AutomationConditionSensorDefinition": "sdk.automation",
    "FreshnessPolicy": "sdk.freshness",
    "build_last_update_freshness_checks": "sdk.freshness_checks",
    "build_sensor_for_freshness_checks": "sdk.freshness_checks",
    "AssetsDefinition": "sdk.assets",
    "Backoff": "sdk.retries",
    "Bool": "sdk.types",
    "DagsterError": "sdk.errors",
    "DagsterExecutionStepExecutionError": "sdk.errors",
    "DagsterInvalidConfigError": "sdk.errors",
    "DagsterInvalidDefinitionError": "sdk.errors",
    "DagsterInvalidInvocationError": "sdk.errors",
    "DagsterInvariantViolationError": "sdk.errors",
    "DagsterResourceFunctionError": "sdk.errors",
    "DagsterRunStatus": "sdk.sensors",
    "DagsterType": "sdk.types",
    "DagsterTypeCheckDidNotPass": "sdk.errors",
    "DagsterUnknownResourceError": "sdk.errors",
    "DailyPartitionsDefinition": "sdk.partitions",
    "DefaultScheduleStatus": "sdk.schedules",
    "DefaultSensorStatus": "sdk.sensors",
    "Definitions": "sdk.definitions_class",
    "DynamicPartitionsDefinition": "sdk.partitions",
    "ErrorInfo": "sdk.events",
    "Event": "sdk.events",
    "ExecutorDefinition": "sdk.executors",
    "Failure": "sdk.errors",
    "Float": "sdk.types",
    "GraphDefinition": "sdk.graphs",
    "HourlyPartitionsDefinition": "sdk.partitions",
    "IOManager": "sdk.io_managers",
    "IOManagerDefinition": "sdk.io_managers",
    "In": "sdk.ops",
    "InMemoryIOManager": "sdk.io_managers",
    "InputContext": "sdk.io_managers",
    "Int": "sdk.types",
    "Jitter": "sdk.retries",
    "JobDefinition": "sdk.jobs",
    "MaterializeResult": "sdk.outputs",
    "MetadataValue": "sdk.metadata",
    "MonthlyPartitionsDefinition": "sdk.partitions",
    "MultiPartitionsDefinition": "sdk.partitions",
    "Nothing": "sdk.types",
    "OpDefinition": "sdk.ops",
    "OpExecutionContext": "sdk.context",
    "Out": "sdk.ops",
    "Output": "sdk.outputs",
    "OutputContext": "sdk.io_managers",
    "PartitionsDefinition": "sdk.partitions",
    "RetryPolicy": "sdk.retries",
    "RetryRequested": "sdk.errors",
    "RunRequest": "sdk.run_requests",
    "RunStatusSensorDefinition": "sdk.sensors",
    "ScheduleDefinition": "sdk.schedules",
    "ScheduleEvaluationContext": "sdk.schedules",
    "SensorDefinition": "sdk.sensors",
    "SensorEvaluationContext": "sdk.sensors",
    "SensorResult": "sdk.run_requests",
    "SkipReason": "sdk.run_requests",
    "StaticPartitionsDefinition": "sdk.partitions",
    "String": "sdk.types",
    "TableColumn": "sdk.metadata",
    "TableRecord": "sdk.metadata",
    "TableSchema": "sdk.metadata",
    "TimeWindowPartitionsDefinition": "sdk.partitions",
    "TypeCheck": "sdk.types",
    "UnresolvedAssetJobDefinition": "sdk.jobs",
    "WeeklyPartitionsDefinition": "sdk.partitions",
    "WeirError": "sdk.errors",
    "WeirUnsupportedArgumentWarning": "sdk.errors",
    "asset": "sdk.assets",
    "asset_check": "sdk.checks",
    "asset_sensor": "sdk.sensors",
    "build_asset_context": "sdk.context",
    "build_op_context": "sdk.context",
    "build_schedule_context": "sdk.schedules",
    "build_sensor_context": "sdk.sensors",
    "celery_executor": "sdk.executors",
    "define_asset_job": "sdk.jobs",
    "graph": "sdk.graphs",
    "in_process_executor": "sdk.executors",
    "io_manager": "sdk.io_managers",
    "job": "sdk.jobs",
    "mem_io_manager": "sdk.io_managers",
    "multi_asset": "sdk.assets",
    "multiprocess_executor": "sdk.executors",
    "op": "sdk.ops",
    "run_failure_sensor": "sdk.sensors",
    "run_status_sensor": "sdk.sensors",
    "schedule": "sdk.schedules",
    "sensor": "sdk.sensors",
    "Config": "sdk.config",
    "PermissiveConfig": "sdk.config",
    "RunConfig": "sdk.config",
    "EnvVar": "sdk.config",
    "ConfigurableResource": "sdk.resources",
    "ConfigurableIOManager": "sdk.resources",
    "ConfigurableIOManagerFactory": "sdk.resources",
    "FilesystemIOManager": "sdk.resources",
    "ResourceParam": "sdk.resources",
    "ResourceDefinition": "sdk.resources",
    "resource": "sdk.resources",
    "InitResourceContext": "sdk.legacy_resources",
    "fs_io_manager": "sdk.resources",
    "materialize": "sdk.execution.in_process",
    "materialize_to_memory": "sdk.execution.in_process",
    "ExecuteInProcessResult": "sdk.execution.result",
    "Any": "sdk.types",
    "AddDynamicPartitionsRequest": "sdk.partitions",
    "DeleteDynamicPartitionsRequest": "sdk.partitions",
    "PartitionKeyRange": "sdk.partitions",
    "TimeWindow": "sdk.partitions",
    "PartitionMapping": "sdk.partition_mappings",
    "IdentityPartitionMapping": "sdk.partition_mappings",
    "TimeWindowPartitionMapping": "sdk.partition_mappings",
    "AllPartitionMapping": "sdk.partition_mappings",
    "LastPartitionMapping": "sdk.partition_mappings",
    "StaticPartitionMapping": "sdk.partition_mappings",
    "BackfillPolicy": "sdk.backfill_policy",
    "build_schedule_from_partitioned_job": "sdk.partitioned_schedules",
    # older-style config and resources
    "Field": "sdk.config_types",
    "Shape": "sdk.config_types",
    "Permissive": "sdk.config_types",
    "Selector": "sdk.config_types",
    "Array": "sdk.config_types",
    "Noneable": "sdk.config_types",
    "Map": "sdk.config_types",
    "Enum": "sdk.config_types",
    "EnumValue": "sdk.config_types",
    "StringSource": "sdk.config_types",
    "IntSource": "sdk.config_types",
    "BoolSource": "sdk.config_types",
    "ConfigMapping": "sdk.config_mappings",
    "config_mapping": "sdk.config_mappings",
    "ResourceDependency": "sdk.resources",
    "ConfigurableLegacyIOManagerAdapter": "sdk.resources",
    "ConfigurableLegacyResourceAdapter": "sdk.resources",
    "build_init_resource_context": "sdk.legacy_resources",
    "configured": "sdk.legacy_resources",
    # testing API: instances, runs and events
    "DagsterInstance": "sdk.instance",
    "instance_for_test": "sdk.instance",
    "DagsterRun": "sdk.run_records",
    "RunRecord": "sdk.run_records",
    "RunsFilter": "sdk.run_records",
    "DagsterEvent": "sdk.event_log",
    "DagsterEventType": "sdk.event_log",
    "EventLogEntry": "sdk.event_log",
    "EventLogRecord": "sdk.event_records",
    "EventRecordsFilter": "sdk.event_records",
    "EventRecordsResult": "sdk.event_records",
    "AssetRecordsFilter": "sdk.event_records",
    # definitions API (issue 16)
    "HookContext": "sdk.hooks",
    "HookDefinition": "sdk.hooks",
    "build_hook_context": "sdk.hooks",
    "success_hook": "sdk.hooks",
    "failure_hook": "sdk.hooks",
    "logger": "sdk.loggers",
    "LoggerDefinition": "sdk.loggers",
    "InitLoggerContext": "sdk.loggers",
    "build_init_logger_context": "sdk.loggers",
    "colored_console_logger": "sdk.loggers",
    "json_console_logger": "sdk.loggers",
    "get_dagster_logger": "sdk.loggers",
    "DagsterInvalidSubsetError": "sdk.errors",
    "SourceAsset": "sdk.source_assets",
    "observable_source_asset": "sdk.observable",
    "observe": "sdk.observable",
    "DataVersion": "sdk.observable",
    "ObserveResult": "sdk.observable",
    "PipesSubprocessClient": "sdk.pipes_subprocess",
    "PipesClientCompletedInvocation": "sdk.pipes_results",
    "PipesEnvContextInjector": "sdk.pipes",
    "PipesTempFileContextInjector": "sdk.pipes",
    "PipesFileMessageReader": "sdk.pipes",
    "PipesTempFileMessageReader": "sdk.pipes",
    "PipesSession": "sdk.pipes",
    "open_pipes_session": "sdk.pipes",
    "DagsterPipesExecutionError": "sdk.pipes",
    "repository": "sdk.repository",
    "RepositoryDefinition": "sdk.repository",
    "load_assets_from_modules": "sdk.load_assets",
    "load_assets_from_current_module": "sdk.load_assets",
    "load_assets_from_package_module": "sdk.load_assets",
    "load_assets_from_package_name": "sdk.load_assets",
    "load_asset_checks_from_modules": "sdk.load_assets",
    "load_asset_checks_from_current_module": "sdk.load_assets",
    "load_asset_checks_from_package_module": "sdk.load_assets",
    "load_asset_checks_from_package_name": "sdk.load_assets",
    "multi_asset_check": "sdk.checks",
    "multi_asset_sensor": "sdk.multi_asset_sensors",
    "MultiAssetSensorDefinition": "sdk.sensors",
    "MultiAssetSensorEvaluationContext": "sdk.multi_asset_sensors",
    "build_multi_asset_sensor_context": "sdk.multi_asset_sensors",
    "RunStatusSensorContext": "sdk.run_status_sensors",
    "RunFailureSensorContext": "sdk.run_status_sensors",
    "build_run_status_sensor_context": "sdk.run_status_sensors",
    "MultiPartitionKey": "sdk.partitions",
    "graph_asset": "sdk.graph_assets",
    "graph_multi_asset": "sdk.graph_assets",
    "GraphOut": "sdk.graph_assets",
    "DynamicOut": "sdk.dynamic",
    "DynamicOutput": "sdk.dynamic",
    "file_relative_path": "sdk.paths",
    "ExpectationResult": "sdk.outputs",
    "make_values_resource": "sdk.resource_helpers",
    "with_resources": "sdk.resource_helpers",
    "build_resources": "sdk.resource_helpers",
    "validate_run_config": "sdk.run_config_check",
    "build_input_context": "sdk.io_managers",
    "build_output_context": "sdk.io_managers",
    "build_asset_check_context": "sdk.context",
    "MultiToSingleDimensionPartitionMapping": "sdk.partition_mappings",
    "MultiPartitionMapping": "sdk.partition_mappings",
    "DimensionPartitionMapping": "sdk.partition_mappings",
    "SpecificPartitionsPartitionMapping": "sdk.partition_mappings",
    "PythonObjectDagsterType": "sdk.types",
    "check_dagster_type": "sdk.types",
    "TableColumnConstraints": "sdk.metadata",
    "TableConstraints": "sdk.metadata",
    "TableColumnLineage": "sdk.metadata",
    "TableColumnDep": "sdk.metadata",
    "PreviewWarning": "sdk.errors",
    "BetaWarning": "sdk.errors",
    "SupersessionWarning": "sdk.errors",
    "ConfigArgumentWarning": "sdk.errors",
    "AutoMaterializePolicy": "sdk.auto_materialize",
    "AutoMaterializeRule": "sdk.auto_materialize",
    "load_definitions_from_modules": "sdk.load_definitions",
    "load_definitions_from_module": "sdk.load_definitions",
    "load_definitions_from_current_module": "sdk.load_definitions",
    "load_definitions_from_package_module": "sdk.load_definitions",
    "load_definitions_from_package_name": "sdk.load_definitions",
    "map_asset_specs": "sdk.assets",
    "config_from_files": "sdk.config_files",
    "config_from_yaml_strings": "sdk.config_files",
    "config_from_pkg_resources": "sdk.config_files",
    "input_manager": "sdk.input_managers",
    "InputManager": "sdk.input_managers",
    "InputManagerDefinition": "sdk.input_managers",
    "PartitionedConfig": "sdk.partitioned_config",
    "partitioned_config": "sdk.partitioned_config",
    "static_partitioned_config": "sdk.partitioned_config",
    "daily_partitioned_config": "sdk.partitioned_config",
    "hourly_partitioned_config": "sdk.partitioned_config",
    "weekly_partitioned_config": "sdk.partitioned_config",
    "monthly_partitioned_config": "sdk.partitioned_config",
    "AssetValueLoader": "sdk.asset_values",
    "usable_as_dagster_type": "sdk.types",
    "make_python_type_usable_as_dagster_type": "sdk.types",
    "multi_or_in_process_executor": "sdk.executors",
    "DagsterLogManager": "sdk.context",
    # execute_job and re-execution (issue 16, H10)
    "JobExecutionResult": "sdk.execution.execute_job",
    "ReexecutionOptions": "sdk.execution.execute_job",
    "execute_job": "sdk.execution.execute_job",
    "reconstructable": "sdk.execution.execute_job",
    # the older graph API (issue 16, H10)
    "DependencyDefinition": "sdk.dependencies",
    "GraphIn": "sdk.dependencies",
    "InputMapping": "sdk.dependencies",
    "MultiDependencyDefinition": "sdk.dependencies",
    "NodeInvocation": "sdk.dependencies",
    "OutputMapping": "sdk.dependencies",
    # typed metadata values, more errors, config and IO managers (issue 16, H10)
    "IntMetadataValue": "sdk.metadata",
    "FloatMetadataValue": "sdk.metadata",
    "BoolMetadataValue": "sdk.metadata",
    "TextMetadataValue": "sdk.metadata",
    "UrlMetadataValue": "sdk.metadata",
    "PathMetadataValue": "sdk.metadata",
    "NotebookMetadataValue": "sdk.metadata",
    "MarkdownMetadataValue": "sdk.metadata",
    "JsonMetadataValue": "sdk.metadata",
    "NullMetadataValue": "sdk.metadata",
    "TableMetadataValue": "sdk.metadata",
    "TableSchemaMetadataValue": "sdk.metadata",
    "TableColumnLineageMetadataValue": "sdk.metadata",
    "PythonArtifactMetadataValue": "sdk.metadata",
    "TimestampMetadataValue": "sdk.metadata",
    "DagsterRunMetadataValue": "sdk.metadata",
    "DagsterJobMetadataValue": "sdk.metadata",
    "DagsterAssetMetadataValue": "sdk.metadata",
    "DagsterUserCodeExecutionError": "sdk.errors",
    "DagsterConfigMappingFunctionError": "sdk.errors",
    "DagsterTypeCheckError": "sdk.errors",
    "DagsterInvalidConfigDefinitionError": "sdk.errors",
    "DagsterRunNotFoundError": "sdk.errors",
    "DagsterStepOutputNotFoundError": "sdk.errors",
    "DagsterSubprocessError": "sdk.errors",
    "DagsterUnknownPartitionError": "sdk.errors",
    "DagsterUnmetExecutorRequirementsError": "sdk.errors",
    "DagsterEventLogInvalidForRun": "sdk.errors",
    "DagsterExecutionInterruptedError": "sdk.errors",
    "DagsterExecutionStepNotFoundError": "sdk.errors",
    "custom_path_fs_io_manager": "sdk.io_managers",
    "dynamic_partitioned_config": "sdk.partitioned_config",
    # code references, reconstructable jobs from factories, run status filters, default loggers (H10)
    "build_reconstructable_job": "sdk.execution.execute_job",
    "RunStatusChangeRecordsFilter": "sdk.event_records",
    "default_loggers": "sdk.loggers",
    "default_system_loggers": "sdk.loggers",
    "AnchorBasedFilePathMapping": "sdk.code_references",
    "CodeReferencesMetadataValue": "sdk.code_references",
    "FilePathMapping": "sdk.code_references",
    "LocalFileCodeReference": "sdk.code_references",
    "UrlCodeReference": "sdk.code_references",
    "link_code_references_to_git": "sdk.code_references",
    "with_source_code_references": "sdk.code_references",
    # asset check factories over metadata (H10)
    "build_metadata_bounds_checks": "sdk.check_factories",
    "build_column_schema_change_checks": "sdk.check_factories",
    # ScalarUnion and the older type factories (H10)
    "ScalarUnion": "sdk.config_types",
    "Dict": "sdk.type_factories",
    "List": "sdk.type_factories",
    "Optional": "sdk.type_factories",
    "Set": "sdk.type_factories",
    "Tuple": "sdk.type_factories",
    # selectors for run status sensors, TypeCheckContext (H10)
    "CodeLocationSelector": "sdk.selectors",
    "JobSelector": "sdk.selectors",
    "RepositorySelector": "sdk.selectors",
    "TypeCheckContext": "sdk.types",
    # UPathIOManager (H10)
    "UPathIOManager": "sdk.upath_io_manager",
    # inputs from run config (H10)
    "DagsterTypeLoader": "sdk.type_loaders",
    "DagsterTypeLoaderContext": "sdk.type_loaders",
    "dagster_type_loader": "sdk.type_loaders",
}

if TYPE_CHECKING:  # static analysers see the real names
    from sdk.asset_specs import AssetDep as AssetDep
    from sdk.asset_specs import AssetIn as AssetIn
    from sdk.asset_specs import AssetOut as AssetOut
    from sdk.asset_specs import AssetSpec as AssetSpec
    from sdk.asset_values import AssetValueLoader as AssetValueLoader
    from sdk.assets import AssetsDefinition as AssetsDefinition
    from sdk.assets import asset as asset
    from sdk.assets import map_asset_specs as map_asset_specs
    from sdk.assets import multi_asset as multi_asset
    from sdk.auto_materialize import AutoMaterializePolicy as AutoMaterializePolicy
    from sdk.auto_materialize import AutoMaterializeRule as AutoMaterializeRule
    from sdk.automation import AutomationCondition as AutomationCondition
    from sdk.automation import AutomationConditionSensorDefinition as AutomationConditionSensorDefinition
    from sdk.backfill_policy import BackfillPolicy as BackfillPolicy
    from sdk.check_factories import build_column_schema_change_checks as build_column_schema_change_checks
    from sdk.check_factories import build_metadata_bounds_checks as build_metadata_bounds_checks
    from sdk.checks import AssetCheckEvaluation as AssetCheckEvaluation
    from sdk.checks import AssetCheckResult as AssetCheckResult
    from sdk.checks import AssetChecksDefinition as AssetChecksDefinition
    from sdk.checks import AssetCheckSeverity as AssetCheckSeverity
    from sdk.checks import AssetCheckSpec as AssetCheckSpec
    from sdk.checks import asset_check as asset_check
    from sdk.checks import multi_asset_check as multi_asset_check
    from sdk.code_references import AnchorBasedFilePathMapping as AnchorBasedFilePathMapping
    from sdk.code_references import CodeReferencesMetadataValue as CodeReferencesMetadataValue
    from sdk.code_references import FilePathMapping as FilePathMapping
    from sdk.code_references import LocalFileCodeReference as LocalFileCodeReference
    from sdk.code_references import UrlCodeReference as UrlCodeReference
    from sdk.code_references import link_code_references_to_git as link_code_references_to_git
    from sdk.code_references import with_source_code_references as with_source_code_references
    from sdk.components import Component as Component
    from sdk.components import ComponentLoadContext as ComponentLoadContext
    from sdk.components import DefsFolderComponent as DefsFolderComponent
    from sdk.components import FunctionComponent as FunctionComponent
    from sdk.components import Model as Model
    from sdk.components import Resolvable as Resolvable
    from sdk.components import definitions as definitions
    from sdk.components import load_from_defs_folder as load_from_defs_folder
    from sdk.config import Config as Config
    from sdk.config import EnvVar as EnvVar
    from sdk.config import PermissiveConfig as PermissiveConfig
    from sdk.config import RunConfig as RunConfig
    from sdk.config_files import config_from_files as config_from_files
    from sdk.config_files import config_from_pkg_resources as config_from_pkg_resources
    from sdk.config_files import config_from_yaml_strings as config_from_yaml_strings
    from sdk.config_mappings import ConfigMapping as ConfigMapping
    from sdk.config_mappings import config_mapping as config_mapping
    from sdk.config_types import Array as Array
    from sdk.config_types import BoolSource as BoolSource
    from sdk.config_types import Enum as Enum
    from sdk.config_types import EnumValue as EnumValue
    from sdk.config_types import Field as Field
    from sdk.config_types import IntSource as IntSource
    from sdk.config_types import Map as Map
    from sdk.config_types import Noneable as Noneable
    from sdk.config_types import Permissive as Permissive
    from sdk.config_types import ScalarUnion as ScalarUnion
    from sdk.config_types import Selector as Selector
    from sdk.config_types import Shape as Shape
    from sdk.config_types import StringSource as StringSource
    from sdk.context import AssetCheckExecutionContext as AssetCheckExecutionContext
    from sdk.context import AssetExecutionContext as AssetExecutionContext
    from sdk.context import DagsterLogManager as DagsterLogManager
    from sdk.context import OpExecutionContext as OpExecutionContext
    from sdk.context import build_asset_check_context as build_asset_check_context
    from sdk.context import build_asset_context as build_asset_context
    from sdk.context import build_op_context as build_op_context
    from sdk.definitions_class import Definitions as Definitions
    from sdk.dependencies import DependencyDefinition as DependencyDefinition
    from sdk.dependencies import GraphIn as GraphIn
    from sdk.dependencies import InputMapping as InputMapping
    from sdk.dependencies import MultiDependencyDefinition as MultiDependencyDefinition
    from sdk.dependencies import NodeInvocation as NodeInvocation
    from sdk.dependencies import OutputMapping as OutputMapping
    from sdk.dynamic import DynamicOut as DynamicOut
    from sdk.dynamic import DynamicOutput as DynamicOutput
    from sdk.errors import BetaWarning as BetaWarning
    from sdk.errors import ConfigArgumentWarning as ConfigArgumentWarning
    from sdk.errors import DagsterConfigMappingFunctionError as DagsterConfigMappingFunctionError
    from sdk.errors import DagsterError as DagsterError
    from sdk.errors import DagsterEventLogInvalidForRun as DagsterEventLogInvalidForRun
    from sdk.errors import DagsterExecutionInterruptedError as DagsterExecutionInterruptedError
    from sdk.errors import DagsterExecutionStepExecutionError as DagsterExecutionStepExecutionError
    from sdk.errors import DagsterExecutionStepNotFoundError as DagsterExecutionStepNotFoundError
    from sdk.errors import DagsterInvalidConfigDefinitionError as DagsterInvalidConfigDefinitionError
    from sdk.errors import DagsterInvalidConfigError as DagsterInvalidConfigError
    from sdk.errors import DagsterInvalidDefinitionError as DagsterInvalidDefinitionError
    from sdk.errors import DagsterInvalidInvocationError as DagsterInvalidInvocationError
    from sdk.errors import DagsterInvalidSubsetError as DagsterInvalidSubsetError
    from sdk.errors import DagsterInvariantViolationError as DagsterInvariantViolationError
    from sdk.errors import DagsterResourceFunctionError as DagsterResourceFunctionError
    from sdk.errors import DagsterRunNotFoundError as DagsterRunNotFoundError
    from sdk.errors import DagsterStepOutputNotFoundError as DagsterStepOutputNotFoundError
    from sdk.errors import DagsterSubprocessError as DagsterSubprocessError
    from sdk.errors import DagsterTypeCheckDidNotPass as DagsterTypeCheckDidNotPass
    from sdk.errors import DagsterTypeCheckError as DagsterTypeCheckError
    from sdk.errors import DagsterUnknownPartitionError as DagsterUnknownPartitionError
    from sdk.errors import DagsterUnknownResourceError as DagsterUnknownResourceError
    from sdk.errors import DagsterUnmetExecutorRequirementsError as DagsterUnmetExecutorRequirementsError
    from sdk.errors import DagsterUserCodeExecutionError as DagsterUserCodeExecutionError
    from sdk.errors import Failure as Failure
    from sdk.errors import PreviewWarning as PreviewWarning
    from sdk.errors import RetryRequested as RetryRequested
    from sdk.errors import SupersessionWarning as SupersessionWarning
    from sdk.errors import WeirError as WeirError
    from sdk.errors import WeirUnsupportedArgumentWarning as WeirUnsupportedArgumentWarning
    from sdk.event_log import DagsterEvent as DagsterEvent
    from sdk.event_log import DagsterEventType as DagsterEventType
    from sdk.event_log import EventLogEntry as EventLogEntry
    from sdk.event_records import AssetRecordsFilter as AssetRecordsFilter
    from sdk.event_records import EventLogRecord as EventLogRecord
    from sdk.event_records import EventRecordsFilter as EventRecordsFilter
    from sdk.event_records import EventRecordsResult as EventRecordsResult
    from sdk.event_records import RunStatusChangeRecordsFilter as RunStatusChangeRecordsFilter
    from sdk.events import ErrorInfo as ErrorInfo
    from sdk.events import Event as Event
    from sdk.execution.execute_job import JobExecutionResult as JobExecutionResult
    from sdk.execution.execute_job import ReexecutionOptions as ReexecutionOptions
    from sdk.execution.execute_job import build_reconstructable_job as build_reconstructable_job
    from sdk.execution.execute_job import execute_job as execute_job
    from sdk.execution.execute_job import reconstructable as reconstructable
    from sdk.execution.in_process import materialize as materialize
    from sdk.execution.in_process import materialize_to_memory as materialize_to_memory
    from sdk.execution.result import ExecuteInProcessResult as ExecuteInProcessResult
    from sdk.executors import ExecutorDefinition as ExecutorDefinition
    from sdk.executors import celery_executor as celery_executor
    from sdk.executors import in_process_executor as in_process_executor
    from sdk.executors import multi_or_in_process_executor as multi_or_in_process_executor
    from sdk.executors import multiprocess_executor as multiprocess_executor
    from sdk.freshness import FreshnessPolicy as FreshnessPolicy
    from sdk.freshness_checks import build_last_update_freshness_checks as build_last_update_freshness_checks
    from sdk.freshness_checks import build_sensor_for_freshness_checks as build_sensor_for_freshness_checks
    from sdk.graph_assets import GraphOut as GraphOut
    from sdk.graph_assets import graph_asset as graph_asset
    from sdk.graph_assets import graph_multi_asset as graph_multi_asset
    from sdk.graphs import GraphDefinition as GraphDefinition
    from sdk.graphs import graph as graph
    from sdk.hooks import HookContext as HookContext
    from sdk.hooks import HookDefinition as HookDefinition
    from sdk.hooks import build_hook_context as build_hook_context
    from sdk.hooks import failure_hook as failure_hook
    from sdk.hooks import success_hook as success_hook
    from sdk.input_managers import InputManager as InputManager
    from sdk.input_managers import InputManagerDefinition as InputManagerDefinition
    from sdk.input_managers import input_manager as input_manager
    from sdk.instance import DagsterInstance as DagsterInstance
    from sdk.instance import instance_for_test as instance_for_test
    from sdk.io_managers import InMemoryIOManager as InMemoryIOManager
    from sdk.io_managers import InputContext as InputContext
    from sdk.io_managers import IOManager as IOManager
    from sdk.io_managers import IOManagerDefinition as IOManagerDefinition
    from sdk.io_managers import OutputContext as OutputContext
    from sdk.io_managers import build_input_context as build_input_context
    from sdk.io_managers import build_output_context as build_output_context
    from sdk.io_managers import custom_path_fs_io_manager as custom_path_fs_io_manager
    from sdk.io_managers import io_manager as io_manager
    from sdk.io_managers import mem_io_manager as mem_io_manager
    from sdk.jobs import JobDefinition as JobDefinition
    from sdk.jobs import UnresolvedAssetJobDefinition as UnresolvedAssetJobDefinition
    from sdk.jobs import define_asset_job as define_asset_job
    from sdk.jobs import job as job
    from sdk.keys import AssetCheckKey as AssetCheckKey
    from sdk.keys import AssetKey as AssetKey
    from sdk.legacy_resources import InitResourceContext as InitResourceContext
    from sdk.legacy_resources import build_init_resource_context as build_init_resource_context
    from sdk.legacy_resources import configured as configured
    from sdk.load_assets import load_asset_checks_from_current_module as load_asset_checks_from_current_module
    from sdk.load_assets import load_asset_checks_from_modules as load_asset_checks_from_modules
    from sdk.load_assets import load_asset_checks_from_package_module as load_asset_checks_from_package_module
    from sdk.load_assets import load_asset_checks_from_package_name as load_asset_checks_from_package_name
    from sdk.load_assets import load_assets_from_current_module as load_assets_from_current_module
    from sdk.load_assets import load_assets_from_modules as load_assets_from_modules
    from sdk.load_assets import load_assets_from_package_module as load_assets_from_package_module
    from sdk.load_assets import load_assets_from_package_name as load_assets_from_package_name
    from sdk.load_definitions import load_definitions_from_current_module as load_definitions_from_current_module
    from sdk.load_definitions import load_definitions_from_module as load_definitions_from_module
    from sdk.load_definitions import load_definitions_from_modules as load_definitions_from_modules
    from sdk.load_definitions import load_definitions_from_package_module as load_definitions_from_package_module
    from sdk.load_definitions import load_definitions_from_package_name as load_definitions_from_package_name
    from sdk.loggers import InitLoggerContext as InitLoggerContext
    from sdk.loggers import LoggerDefinition as LoggerDefinition
    from sdk.loggers import build_init_logger_context as build_init_logger_context
    from sdk.loggers import colored_console_logger as colored_console_logger
    from sdk.loggers import default_loggers as default_loggers
    from sdk.loggers import default_system_loggers as default_system_loggers
    from sdk.loggers import get_dagster_logger as get_dagster_logger
    from sdk.loggers import json_console_logger as json_console_logger
    from sdk.loggers import logger as logger
    from sdk.metadata import BoolMetadataValue as BoolMetadataValue
    from sdk.metadata import DagsterAssetMetadataValue as DagsterAssetMetadataValue
    from sdk.metadata import DagsterJobMetadataValue as DagsterJobMetadataValue
    from sdk.metadata import DagsterRunMetadataValue as DagsterRunMetadataValue
    from sdk.metadata import FloatMetadataValue as FloatMetadataValue
    from sdk.metadata import IntMetadataValue as IntMetadataValue
    from sdk.metadata import JsonMetadataValue as JsonMetadataValue
    from sdk.metadata import MarkdownMetadataValue as MarkdownMetadataValue
    from sdk.metadata import MetadataValue as MetadataValue
    from sdk.metadata import NotebookMetadataValue as NotebookMetadataValue
    from sdk.metadata import NullMetadataValue as NullMetadataValue
    from sdk.metadata import PathMetadataValue as PathMetadataValue
    from sdk.metadata import PythonArtifactMetadataValue as PythonArtifactMetadataValue
    from sdk.metadata import TableColumn as TableColumn
    from sdk.metadata import TableColumnConstraints as TableColumnConstraints
    from sdk.metadata import TableColumnDep as TableColumnDep
    from sdk.metadata import TableColumnLineage as TableColumnLineage
    from sdk.metadata import TableColumnLineageMetadataValue as TableColumnLineageMetadataValue
    from sdk.metadata import TableConstraints as TableConstraints
    from sdk.metadata import TableMetadataValue as TableMetadataValue
    from sdk.metadata import TableRecord as TableRecord
    from sdk.metadata import TableSchema as TableSchema
    from sdk.metadata import TableSchemaMetadataValue as TableSchemaMetadataValue
    from sdk.metadata import TextMetadataValue as TextMetadataValue
    from sdk.metadata import TimestampMetadataValue as TimestampMetadataValue
    from sdk.metadata import UrlMetadataValue as UrlMetadataValue
    from sdk.multi_asset_sensors import MultiAssetSensorEvaluationContext as MultiAssetSensorEvaluationContext
    from sdk.multi_asset_sensors import build_multi_asset_sensor_context as build_multi_asset_sensor_context
    from sdk.multi_asset_sensors import multi_asset_sensor as multi_asset_sensor
    from sdk.observable import DataVersion as DataVersion
    from sdk.observable import ObserveResult as ObserveResult
    from sdk.observable import observable_source_asset as observable_source_asset
    from sdk.observable import observe as observe
    from sdk.ops import In as In
    from sdk.ops import OpDefinition as OpDefinition
    from sdk.ops import Out as Out
    from sdk.ops import op as op
    from sdk.outputs import AssetMaterialization as AssetMaterialization
    from sdk.outputs import AssetObservation as AssetObservation
    from sdk.outputs import ExpectationResult as ExpectationResult
    from sdk.outputs import MaterializeResult as MaterializeResult
    from sdk.outputs import Output as Output
    from sdk.partition_mappings import AllPartitionMapping as AllPartitionMapping
    from sdk.partition_mappings import DimensionPartitionMapping as DimensionPartitionMapping
    from sdk.partition_mappings import IdentityPartitionMapping as IdentityPartitionMapping
    from sdk.partition_mappings import LastPartitionMapping as LastPartitionMapping
    from sdk.partition_mappings import MultiPartitionMapping as MultiPartitionMapping
    from sdk.partition_mappings import MultiToSingleDimensionPartitionMapping as MultiToSingleDimensionPartitionMapping
    from sdk.partition_mappings import PartitionMapping as PartitionMapping
    from sdk.partition_mappings import SpecificPartitionsPartitionMapping as SpecificPartitionsPartitionMapping
    from sdk.partition_mappings import StaticPartitionMapping as StaticPartitionMapping
    from sdk.partition_mappings import TimeWindowPartitionMapping as TimeWindowPartitionMapping
    from sdk.partitioned_config import PartitionedConfig as PartitionedConfig
    from sdk.partitioned_config import daily_partitioned_config as daily_partitioned_config
    from sdk.partitioned_config import dynamic_partitioned_config as dynamic_partitioned_config
    from sdk.partitioned_config import hourly_partitioned_config as hourly_partitioned_config
    from sdk.partitioned_config import monthly_partitioned_config as monthly_partitioned_config
    from sdk.partitioned_config import partitioned_config as partitioned_config
    from sdk.partitioned_config import static_partitioned_config as static_partitioned_config
    from sdk.partitioned_config import weekly_partitioned_config as weekly_partitioned_config
    from sdk.partitioned_schedules import build_schedule_from_partitioned_job as build_schedule_from_partitioned_job
    from sdk.partitions import AddDynamicPartitionsRequest as AddDynamicPartitionsRequest
    from sdk.partitions import DailyPartitionsDefinition as DailyPartitionsDefinition
    from sdk.partitions import DeleteDynamicPartitionsRequest as DeleteDynamicPartitionsRequest
    from sdk.partitions import DynamicPartitionsDefinition as DynamicPartitionsDefinition
    from sdk.partitions import HourlyPartitionsDefinition as HourlyPartitionsDefinition
    from sdk.partitions import MonthlyPartitionsDefinition as MonthlyPartitionsDefinition
    from sdk.partitions import MultiPartitionKey as MultiPartitionKey
    from sdk.partitions import MultiPartitionsDefinition as MultiPartitionsDefinition
    from sdk.partitions import PartitionKeyRange as PartitionKeyRange
    from sdk.partitions import PartitionsDefinition as PartitionsDefinition
    from sdk.partitions import StaticPartitionsDefinition as StaticPartitionsDefinition
    from sdk.partitions import TimeWindow as TimeWindow
    from sdk.partitions import TimeWindowPartitionsDefinition as TimeWindowPartitionsDefinition
    from sdk.partitions import WeeklyPartitionsDefinition as WeeklyPartitionsDefinition
    from sdk.paths import file_relative_path as file_relative_path
    from sdk.pipes import DagsterPipesExecutionError as DagsterPipesExecutionError
    from sdk.pipes import PipesEnvContextInjector as PipesEnvContextInjector
    from sdk.pipes import PipesFileMessageReader as PipesFileMessageReader
    from sdk.pipes import PipesSession as PipesSession
    from sdk.pipes import PipesTempFileContextInjector as PipesTempFileContextInjector
    from sdk.pipes import PipesTempFileMessageReader as PipesTempFileMessageReader
    from sdk.pipes import open_pipes_session as open_pipes_session
    from sdk.pipes_results import PipesClientCompletedInvocation as PipesClientCompletedInvocation
    from sdk.pipes_subprocess import PipesSubprocessClient as PipesSubprocessClient
    from sdk.repository import RepositoryDefinition as RepositoryDefinition
    from sdk.repository import repository as repository
    from sdk.resource_helpers import build_resources as build_resources
    from sdk.resource_helpers import make_values_resource as make_values_resource
    from sdk.resource_helpers import with_resources as with_resources
    from sdk.resources import ConfigurableIOManager as ConfigurableIOManager
    from sdk.resources import ConfigurableIOManagerFactory as ConfigurableIOManagerFactory
    from sdk.resources import ConfigurableLegacyIOManagerAdapter as ConfigurableLegacyIOManagerAdapter
    from sdk.resources import ConfigurableLegacyResourceAdapter as ConfigurableLegacyResourceAdapter
    from sdk.resources import ConfigurableResource as ConfigurableResource
    from sdk.resources import FilesystemIOManager as FilesystemIOManager
    from sdk.resources import ResourceDefinition as ResourceDefinition
    from sdk.resources import ResourceDependency as ResourceDependency
    from sdk.resources import ResourceParam as ResourceParam
    from sdk.resources import fs_io_manager as fs_io_manager
    from sdk.resources import resource as resource
    from sdk.retries import Backoff as Backoff
    from sdk.retries import Jitter as Jitter
    from sdk.retries import RetryPolicy as RetryPolicy
    from sdk.run_config_check import validate_run_config as validate_run_config
    from sdk.run_records import DagsterRun as DagsterRun
    from sdk.run_records import RunRecord as RunRecord
    from sdk.run_records import RunsFilter as RunsFilter
    from sdk.run_requests import RunRequest as RunRequest
    from sdk.run_requests import SensorResult as SensorResult
    from sdk.run_requests import SkipReason as SkipReason
    from sdk.run_status_sensors import RunFailureSensorContext as RunFailureSensorContext
    from sdk.run_status_sensors import RunStatusSensorContext as RunStatusSensorContext
    from sdk.run_status_sensors import build_run_status_sensor_context as build_run_status_sensor_context
    from sdk.schedules import DefaultScheduleStatus as DefaultScheduleStatus
    from sdk.schedules import ScheduleDefinition as ScheduleDefinition
    from sdk.schedules import ScheduleEvaluationContext as ScheduleEvaluationContext
    from sdk.schedules import build_schedule_context as build_schedule_context
    from sdk.schedules import schedule as schedule
    from sdk.selection import AssetSelection as AssetSelection
    from sdk.selectors import CodeLocationSelector as CodeLocationSelector
    from sdk.selectors import JobSelector as JobSelector
    from sdk.selectors import RepositorySelector as RepositorySelector
    from sdk.sensors import AssetSensorDefinition as AssetSensorDefinition
    from sdk.sensors import DagsterRunStatus as DagsterRunStatus
    from sdk.sensors import DefaultSensorStatus as DefaultSensorStatus
    from sdk.sensors import MultiAssetSensorDefinition as MultiAssetSensorDefinition
    from sdk.sensors import RunStatusSensorDefinition as RunStatusSensorDefinition
    from sdk.sensors import SensorDefinition as SensorDefinition
    from sdk.sensors import SensorEvaluationContext as SensorEvaluationContext
    from sdk.sensors import asset_sensor as asset_sensor
    from sdk.sensors import build_sensor_context as build_sensor_context
    from sdk.sensors import run_failure_sensor as run_failure_sensor
    from sdk.sensors import run_status_sensor as run_status_sensor
    from sdk.sensors import sensor as sensor
    from sdk.source_assets import SourceAsset as SourceAsset
    from sdk.type_factories import Dict as Dict
    from sdk.type_factories import List as List
    from sdk.type_factories import Optional as Optional
    from sdk.type_factories import Set as Set
    from sdk.type_factories import Tuple as Tuple
    from sdk.type_loaders import DagsterTypeLoader as DagsterTypeLoader
    from sdk.type_loaders import DagsterTypeLoaderContext as DagsterTypeLoaderContext
    from sdk.type_loaders import dagster_type_loader as dagster_type_loader
    from sdk.types import Any_ as Any  # noqa: F401  (re-exported: Dagster spells it Any)
    from sdk.types import Bool as Bool
    from sdk.types import DagsterType as DagsterType
    from sdk.types import Float as Float
    from sdk.types import Int as Int
    from sdk.types import Nothing as Nothing
    from sdk.types import PythonObjectDagsterType as PythonObjectDagsterType
    from sdk.types import String as String
    from sdk.types import TypeCheck as TypeCheck
    from sdk.types import TypeCheckContext as TypeCheckContext
    from sdk.types import check_dagster_type as check_dagster_type
    from sdk.types import make_python_type_usable_as_dagster_type as make_python_type_usable_as_dagster_type
    from sdk.types import usable_as_dagster_type as usable_as_dagster_type
    from sdk.upath_io_manager import UPathIOManager as UPathIOManager


def __getattr__(name: str) -> _Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sdk' has no attribute {name!r}")
    imported = importlib.import_module(module)
    value = getattr(imported, "Any_" if name == "Any" else name)
    globals()[name] = value
    # Importing sdk.repository binds the package attribute "repository" to that module; the public name
    # of that spelling is the decorator, so bind it back (dg.RepositoryDefinition, then @dg.repository).
    short = module.rpartition(".")[2]
    if globals().get(short) is imported and short in _EXPORTS:
        globals()[short] = getattr(imported, short)
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = sorted(_EXPORTS)
