"""More of Dagster's public names: typed metadata values, the error hierarchy, dynamic_partitioned_config,
custom_path_fs_io_manager, and RunRequest(stale_assets_only=) refused."""

from __future__ import annotations

import datetime
import pickle
from pathlib import Path

import pytest

import sdk as dg


def test_metadata_value_constructors_return_the_typed_classes() -> None:
    cases = [
        (dg.MetadataValue.text("t"), dg.TextMetadataValue, "text", "t"),
        (dg.MetadataValue.url("http://x"), dg.UrlMetadataValue, "url", "http://x"),
        (dg.MetadataValue.path("/a/b"), dg.PathMetadataValue, "path", "/a/b"),
        (dg.MetadataValue.json({"a": [1]}), dg.JsonMetadataValue, "data", {"a": [1]}),
        (dg.MetadataValue.md("# h"), dg.MarkdownMetadataValue, "md_str", "# h"),
        (dg.MetadataValue.int(3), dg.IntMetadataValue, "value", 3),
        (dg.MetadataValue.float(1.5), dg.FloatMetadataValue, "value", 1.5),
        (dg.MetadataValue.bool(True), dg.BoolMetadataValue, "value", True),
        (dg.MetadataValue.dagster_run("r1"), dg.DagsterRunMetadataValue, "run_id", "r1"),
        (dg.MetadataValue.job("j"), dg.DagsterJobMetadataValue, "job_name", "j"),
        (dg.MetadataValue.asset("a/b"), dg.DagsterAssetMetadataValue, "asset_key", dg.AssetKey(["a", "b"])),
        (dg.MetadataValue.notebook("n.ipynb"), dg.NotebookMetadataValue, "path", "n.ipynb"),
    ]
    for value, cls, attr, expected in cases:
        assert isinstance(value, cls) and isinstance(value, dg.MetadataValue), cls
        assert getattr(value, attr) == expected, cls
    assert isinstance(dg.MetadataValue.null(), dg.NullMetadataValue)
    assert dg.TextMetadataValue("t") == dg.MetadataValue.text("t")
    assert dg.IntMetadataValue(3) != dg.MetadataValue.int(4)
    stamp = dg.MetadataValue.timestamp(datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    assert isinstance(stamp, dg.TimestampMetadataValue) and stamp.value == 1704067200.0
    schema = dg.TableSchema(columns=[dg.TableColumn("id", "int"), dg.TableColumn("name")])
    table = dg.MetadataValue.table([dg.TableRecord({"id": 1, "name": "a"})], schema=schema)
    assert isinstance(table, dg.TableMetadataValue)
    assert table.records == [dg.TableRecord({"id": 1, "name": "a"})]
    assert [c.name for c in table.schema.columns] == ["id", "name"]
    typed_schema = dg.MetadataValue.table_schema(schema)
    assert isinstance(typed_schema, dg.TableSchemaMetadataValue) and typed_schema.schema.columns[0].type == "int"
    artifact = dg.MetadataValue.python_artifact(dg.asset)
    assert isinstance(artifact, dg.PythonArtifactMetadataValue) and artifact.name == "asset"
    assert pickle.loads(pickle.dumps(table)) == table


def test_typed_metadata_survives_a_run_and_the_instance() -> None:
    @dg.asset
    def orders() -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata={"rows": 3, "preview": dg.MetadataValue.md("| a |"), "owner": "x"})

    with dg.instance_for_test() as instance:
        dg.materialize([orders], instance=instance)
        entry = instance.get_latest_materialization_event(orders.key)
        metadata = entry.asset_materialization.metadata
        assert isinstance(metadata["rows"], dg.IntMetadataValue) and metadata["rows"].value == 3
        assert isinstance(metadata["preview"], dg.MarkdownMetadataValue) and metadata["preview"].md_str == "| a |"
        assert isinstance(metadata["owner"], dg.TextMetadataValue)


def test_errors_follow_dagsters_hierarchy() -> None:
    user_code = [dg.DagsterExecutionStepExecutionError, dg.DagsterResourceFunctionError]
    user_code += [dg.DagsterConfigMappingFunctionError, dg.DagsterTypeCheckError]
    for cls in user_code:
        assert issubclass(cls, dg.DagsterUserCodeExecutionError) and issubclass(cls, dg.DagsterError)
    others = [
        dg.DagsterInvalidConfigDefinitionError,
        dg.DagsterRunNotFoundError,
        dg.DagsterStepOutputNotFoundError,
        dg.DagsterSubprocessError,
        dg.DagsterUnknownPartitionError,
        dg.DagsterUnmetExecutorRequirementsError,
        dg.DagsterEventLogInvalidForRun,
        dg.DagsterExecutionStepNotFoundError,
    ]
    for cls in others:
        assert issubclass(cls, dg.DagsterError) and not issubclass(cls, dg.DagsterUserCodeExecutionError)
    assert not issubclass(dg.DagsterExecutionInterruptedError, Exception)  # a BaseException, as in Dagster
    assert dg.DagsterRunNotFoundError("gone", invalid_run_id="r").invalid_run_id == "r"
    assert "run id r" in str(dg.DagsterEventLogInvalidForRun("r"))


def test_dynamic_partitioned_config_makes_a_partitioned_job() -> None:
    @dg.dynamic_partitioned_config(partition_fn=lambda _current_time: ["eu", "us"])
    def region_config(partition_key: str) -> dict:
        return {"ops": {"say": {"config": {"region": partition_key}}}}

    @dg.op(config_schema={"region": str})
    def say(context: dg.OpExecutionContext) -> str:
        return context.op_config["region"]

    @dg.job(config=region_config)
    def regional() -> None:
        say()

    assert regional.partitions_def.get_partition_keys() == ["eu", "us"]
    result = regional.execute_in_process(partition_key="us")
    assert result.output_for_node("say") == "us"
    assert region_config("eu") == {"ops": {"say": {"config": {"region": "eu"}}}}
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="partition_fn"):
        dg.dynamic_partitioned_config(partition_fn=["eu"])  # type: ignore[arg-type]


def test_custom_path_fs_io_manager_stores_at_the_outputs_path(tmp_path: Path) -> None:
    @dg.op(out=dg.Out(metadata={"path": "out/sample"}))
    def produce() -> list[int]:
        return [1, 2]

    @dg.op
    def consume(values: list[int]) -> int:
        return sum(values)

    @dg.job(resource_defs={"io_manager": dg.custom_path_fs_io_manager.configured({"base_dir": str(tmp_path)})})
    def pipeline() -> None:
        consume(produce())

    with pytest.raises(Exception, match='needs a "path"'):
        pipeline.execute_in_process()  # consume's output has no path
    assert pickle.loads((tmp_path / "out" / "sample").read_bytes()) == [1, 2]


def test_run_request_stale_assets_only_is_refused() -> None:
    assert dg.RunRequest(asset_selection=["a"]).stale_assets_only is False
    with pytest.raises(dg.DagsterInvalidDefinitionError, match=r"stale_assets_only=True\) is not supported"):
        dg.RunRequest(stale_assets_only=True)
