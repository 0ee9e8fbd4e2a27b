"""A sensor that adds dynamic partitions and requests runs for them in one tick (the Dagster pattern):
the keys are stored before the runs launch, and a key storage refuses fails the tick with the reason
instead of vanishing."""

from __future__ import annotations

import sdk as dg
from codeserver.snapshot import _partitions
from host.config import SensorDaemonConfig
from host.daemon.sensors import SensorDaemon
from host.storage import instigators as tick_store
from host.storage import partitions as partition_store
from host.storage import runs as run_store
from protos.weir.v1 import codeserver_pb2, common_pb2, snapshot_pb2
from tests.host.daemon.support import FakeClock, InProcessLocation, sensor, sqlite_engine, workspace_of

T0 = 1_780_000_000.0
FILES = common_pb2.AssetKey(path=["file_rows"])


class FileLocation(InProcessLocation):
    def snapshot(self) -> snapshot_pb2.Snapshot:
        files = _partitions(dg.DynamicPartitionsDefinition(name="files"))
        return snapshot_pb2.Snapshot(
            location_name=self.name,
            sensors=self.sensors,
            assets=[snapshot_pb2.AssetNode(key=FILES, is_executable=True, partitions=files)],
        )


def _reply(*keys: str) -> codeserver_pb2.EvaluationReply:
    return codeserver_pb2.EvaluationReply(
        dynamic_partitions_requests=[
            codeserver_pb2.DynamicPartitionsRequest(partitions_def_name="files", add_keys=list(keys))
        ],
        run_requests=[common_pb2.RunRequest(run_key=k, partition_key=k, asset_selection=[FILES]) for k in keys],
    )


def _tick(tmp_path, reply: codeserver_pb2.EvaluationReply):  # type: ignore[no-untyped-def]
    location = FileLocation("files", sensors=[sensor("new_files", jobs=())], sensor_fns={"new_files": lambda r: reply})
    engine = sqlite_engine(tmp_path)
    daemon = SensorDaemon(engine, workspace_of(location), SensorDaemonConfig(), FakeClock(T0))
    daemon.tick()
    assert daemon.wait(10), "the evaluation did not end"
    with engine.connect() as conn:
        (tick,) = tick_store.list_ticks(conn, "files", "new_files", "SENSOR", limit=5)
        runs, _ = run_store.list_runs(conn, limit=10)
        return tick, runs, partition_store.list_dynamic_partitions(conn, "files")


def test_runs_for_keys_the_same_tick_adds_are_launched(tmp_path):
    tick, runs, keys = _tick(tmp_path, _reply("a.csv", "b.csv"))
    assert (tick.status, tick.reason) == ("SUCCESS", None)
    assert sorted(r.partition_key for r in runs) == ["a.csv", "b.csv"]
    assert keys == ["a.csv", "b.csv"]


def test_a_key_storage_refuses_fails_the_tick_naming_it(tmp_path):
    tick, runs, keys = _tick(tmp_path, _reply("fine.csv", "../escape"))
    assert tick.status == "FAILURE"
    assert "'../escape'" in tick.reason and "path separator" in tick.reason
    assert (runs, keys) == ([], [])
