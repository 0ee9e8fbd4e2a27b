"""What the launch form learns of a target before launching: an asset selection's run config schema is
built from the selected assets only (in the shape the run worker reads), a job's comes from the
snapshot, and the partitions the launch must choose among are named."""

from __future__ import annotations

import json

import jsonschema
import pytest

from host.domain.launch_target import launch_target
from host.errors import DefinitionNotFound
from protos.weir.v1 import common_pb2, snapshot_pb2

SCALE = {
    "type": "object",
    "properties": {"factor": {"type": "integer"}, "unit": {"$ref": "#/$defs/Unit"}},
    "required": ["factor"],
    "additionalProperties": False,
    "$defs": {"Unit": {"enum": ["kg", "t"]}},
}
WAREHOUSE = {"type": "object", "properties": {"url": {"type": "string", "default": "sqlite://"}}}


def _key(path: str) -> common_pb2.AssetKey:
    return common_pb2.AssetKey(path=path.split("/"))


def _daily(start: str) -> snapshot_pb2.PartitionsDefinition:
    return snapshot_pb2.PartitionsDefinition(
        time_window=snapshot_pb2.TimeWindowPartitions(start=start, cron_schedule="0 0 * * *")
    )


def _snapshot() -> snapshot_pb2.Snapshot:
    def asset(key: str, **fields: object) -> snapshot_pb2.AssetNode:
        return snapshot_pb2.AssetNode(key=_key(key), op_name=key.replace("/", "__"), is_executable=True, **fields)

    return snapshot_pb2.Snapshot(
        location_name="shop",
        assets=[
            asset("scaled", config_schema=json.dumps(SCALE), required_resource_keys=["warehouse"]),
            asset("plain"),
            asset("daily/a", partitions=_daily("2024-01-01")),
            asset("daily/b", partitions=_daily("2024-01-01")),
            asset("other_daily", partitions=_daily("2023-01-01")),
        ],
        resources=[
            snapshot_pb2.Resource(key="warehouse", config_schema=json.dumps(WAREHOUSE)),
            snapshot_pb2.Resource(key="unused", config_schema=json.dumps(WAREHOUSE)),
        ],
        jobs=[
            snapshot_pb2.Job(name="nightly", config_schema='{"type": "object"}', partitions=_daily("2024-01-01")),
        ],
    )


def test_an_asset_selection_takes_the_config_of_its_own_assets_only() -> None:
    target = launch_target(_snapshot(), "shop", "", ["scaled", "plain"])
    schema = target.config_schema
    assert schema is not None
    assert set(schema["properties"]["ops"]["properties"]) == {"scaled"}
    assert set(schema["properties"]["resources"]["properties"]) == {"warehouse"}  # not "unused"
    validator = jsonschema.Draft202012Validator(schema)
    good = {"ops": {"scaled": {"config": {"factor": 2, "unit": "kg"}}}, "resources": {"warehouse": {"config": {}}}}
    assert list(validator.iter_errors(good)) == []
    assert {e.message for e in validator.iter_errors({"ops": {"scaled": {"config": {"unit": "g"}}}})} == {
        "'factor' is a required property",
        "'g' is not one of ['kg', 't']",  # the $ref moved to the root's $defs still resolves
    }
    assert [e.message for e in validator.iter_errors({})] == ["'ops' is a required property"]
    assert target.partitions == []


def test_assets_without_config_take_none_and_name_their_partitions() -> None:
    target = launch_target(_snapshot(), "shop", "", ["daily/a", "daily/b", "other_daily"])
    assert target.config_schema is None
    # one source per distinct partitions definition: the launch must pick among each
    assert [(p.asset_key, p.kind) for p in target.partitions] == [
        ("daily/a", "time_window"),
        ("other_daily", "time_window"),
    ]


def test_a_job_brings_its_own_schema_and_partitions_and_unknown_names_are_refused() -> None:
    target = launch_target(_snapshot(), "shop", "nightly", [])
    assert target.config_schema == {"type": "object"}
    assert [(p.job_name, p.kind) for p in target.partitions] == [("nightly", "time_window")]
    with pytest.raises(DefinitionNotFound, match="no job 'weekly' \\(jobs: nightly\\)"):
        launch_target(_snapshot(), "shop", "weekly", [])
    with pytest.raises(DefinitionNotFound, match="no materializable asset missing"):
        launch_target(_snapshot(), "shop", "", ["missing"])
