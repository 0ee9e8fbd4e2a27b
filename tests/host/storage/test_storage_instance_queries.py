"""What the instance facade reads of storage, on both backends: event records by type, asset, partition,
storage-id and time windows in either order, asset keys with history, and the host's answers to the
facade's calls (host/api/instance.py) with their scope checks and refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from host.api.instance import InstanceService
from host.storage import events, runs
from host.storage.records import RunRecord
from protos.weir.v1 import codeserver_pb2, common_pb2

MAT, OBS = common_pb2.ASSET_MATERIALIZATION, common_pb2.ASSET_OBSERVATION


def wire_event(run_id: str, sequence: int, type_: int, asset: str = "", partition: str = "") -> common_pb2.RunEvent:
    key = common_pb2.AssetKey(path=asset.split("/")) if asset else None
    return common_pb2.RunEvent(
        run_id=run_id, sequence=sequence, type=type_, timestamp=100.0 + sequence, asset_key=key, partition_key=partition
    )


def run_scope(run_id: str, location: str = "sales") -> codeserver_pb2.InstanceScope:
    return codeserver_pb2.InstanceScope(location_name=location, run_id=run_id)


class InstanceQueriesContract:
    backend: str

    @pytest.fixture(autouse=True)
    def _history(self, engine: Engine, make_run: Callable[..., RunRecord]) -> None:
        stored = [
            wire_event("r1", 0, common_pb2.RUN_START),
            wire_event("r1", 1, MAT, "shop/orders", "eu"),
            wire_event("r1", 2, MAT, "shop/orders", "us"),
            wire_event("r2", 0, MAT, "shop/orders", "eu"),
            wire_event("r2", 1, OBS, "regions"),
        ]
        with engine.begin() as conn:
            runs.add_runs(conn, [make_run("r1", job_name="daily"), make_run("r2", 2_000.0, job_name="hourly")])
            events.add_events(conn, [events.event_record(e) for e in stored])

    def ask(self, engine: Engine, method: str, scope: codeserver_pb2.InstanceScope, **arguments: object) -> object:
        request = codeserver_pb2.InstanceRequest(method=method, scope=scope, arguments_json=json.dumps(arguments))
        result = InstanceService(engine).answer("sales", request)
        return result.error or json.loads(result.result_json)

    def test_event_records_filter_and_order_by_storage_id(self, engine: Engine) -> None:
        with engine.connect() as conn:
            newest = events.event_records(conn, event_types=["ASSET_MATERIALIZATION"], asset_key="shop/orders")
            ids = [found_id for found_id, _, _ in newest]
            assert [(e.run_id, e.partition_key, job) for _, job, e in newest] == [
                ("r2", "eu", "hourly"),
                ("r1", "us", "daily"),
                ("r1", "eu", "daily"),
            ]
            assert ids == sorted(ids, reverse=True)
            oldest = events.event_records(conn, event_types=["ASSET_MATERIALIZATION"], ascending=True, limit=2)
            assert [i for i, _, _ in oldest] == ids[::-1][:2]
            after = events.event_records(conn, event_types=["ASSET_MATERIALIZATION"], after_id=ids[2], before_id=ids[0])
            assert [i for i, _, _ in after] == [ids[1]]
            eu = events.event_records(conn, event_types=["ASSET_MATERIALIZATION"], partitions=["eu"], ascending=True)
            assert [e.run_id for _, _, e in eu] == ["r1", "r2"]
            timed = events.event_records(conn, event_types=None, run_id="r1", after_timestamp=100.5)
            assert [e.sequence for _, _, e in timed] == [2, 1]
            assert [i for i, _, _ in events.event_records(conn, event_types=None, ids=[ids[1]])] == [ids[1]]
            assert events.asset_keys_with_history(conn, ["ASSET_MATERIALIZATION", "ASSET_OBSERVATION"]) == [
                "regions",
                "shop/orders",
            ]

    def test_the_host_answers_a_run_of_the_location_in_the_sdks_shapes(self, engine: Engine) -> None:
        answer = self.ask(engine, "event_records", run_scope("r1"), event_type="ASSET_MATERIALIZATION", limit=1)
        assert isinstance(answer, dict) and answer["more"] is False
        (record,) = answer["records"]
        body = common_pb2.RunEvent.FromString(base64.b64decode(record["event"]))
        assert (record["run_id"], record["job_name"], body.run_id, body.sequence) == ("r2", "hourly", "r2", 0)
        assert self.ask(engine, "asset_keys", run_scope("r1")) == {"keys": [["regions"], ["shop", "orders"]]}
        listed = self.ask(engine, "runs", run_scope("r1"), job_name="daily")
        assert isinstance(listed, dict) and [r["run_id"] for r in listed["runs"]] == ["r1"]
        one = self.ask(engine, "run", run_scope("r1"), run_id="r2")
        assert isinstance(one, dict) and (one["run"]["job_name"], one["run"]["status"]) == ("hourly", "QUEUED")
        assert self.ask(engine, "run", run_scope("r1"), run_id="nothing") == {"run": None}
        logs = self.ask(engine, "run_events", run_scope("r1"), run_id="r1")
        assert isinstance(logs, dict) and len(logs["records"]) == 3

    def test_dynamic_partitions_change_from_an_evaluation(self, engine: Engine) -> None:
        sensor = codeserver_pb2.InstanceScope(location_name="sales", instigator_kind="sensor", instigator_name="s")
        assert self.ask(engine, "add_dynamic_partitions", sensor, name="files", keys=["a", "b"]) == {"added": 2}
        assert self.ask(engine, "delete_dynamic_partition", sensor, name="files", key="a") == {"deleted": True}
        assert self.ask(engine, "dynamic_partitions", sensor, name="files") == {"keys": ["b"]}
        refused = self.ask(engine, "add_dynamic_partitions", sensor, name="files", keys=["bad\0key"])
        assert isinstance(refused, str) and "add_dynamic_partitions: dynamic partition key" in refused

    def test_other_methods_and_foreign_scopes_are_refused(self, engine: Engine) -> None:
        assert self.ask(engine, "wipe_assets", run_scope("r1")) == (
            "DagsterInstance call 'wipe_assets' is not served to run r1: under the Weir host user code reads the "
            "instance's runs, events and assets and changes only dynamic partitions"
        )
        assert self.ask(engine, "runs", run_scope("r9")) == "run r9 is not a run of location 'sales'"
        assert self.ask(engine, "runs", run_scope("r1", "other")) == (
            "location 'sales' asked for run r1 of location 'other'"
        )
        nobody = codeserver_pb2.InstanceScope(location_name="sales")
        assert "must come from a run or a schedule or sensor evaluation" in str(self.ask(engine, "runs", nobody))


class TestInstanceQueriesSqlite(InstanceQueriesContract):
    backend = "sqlite"


class TestInstanceQueriesPostgres(InstanceQueriesContract):
    backend = "postgres"
