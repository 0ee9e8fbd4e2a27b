"""A job's tags reach the runs the host launches (Dagster: a job's run_tags, else its tags), under
the tags the launch request gives; launched through the real launch function over a snapshot built
from real Definitions, stored in SQLite."""

from __future__ import annotations

from dataclasses import dataclass

import sdk as dg
from codeserver.snapshot import build_snapshot
from host.domain.runs import launch_run
from protos.weir.v1 import host_pb2, snapshot_pb2
from tests.host.daemon.support import InProcessLocation, sqlite_engine, workspace_of


@dg.op
def one() -> int:
    return 1


@dg.job(tags={"team": "sales", "dagster/max_retries": "2"})
def tagged() -> None:
    one()


@dg.job(tags={"team": "sales"}, run_tags={"runs": "only"})
def run_tagged() -> None:
    one()


@dg.asset
def orders() -> int:
    return 1


@dataclass
class DefinitionsLocation(InProcessLocation):
    defs: dg.Definitions | None = None

    def snapshot(self) -> snapshot_pb2.Snapshot:
        assert self.defs is not None
        return snapshot_pb2.Snapshot.FromString(build_snapshot(self.defs, self.name).data)


def test_job_tags_reach_host_runs_and_request_tags_win(tmp_path):  # type: ignore[no-untyped-def]
    defs = dg.Definitions(
        assets=[orders],
        jobs=[tagged, run_tagged, dg.define_asset_job("nightly", [orders], tags={"kind": "asset"})],
    )
    engine = sqlite_engine(tmp_path)
    workspace = workspace_of(DefinitionsLocation("shop", defs=defs))

    def launch(job: str, **tags: str) -> dict[str, str]:
        request = host_pb2.LaunchRunRequest(location="shop", job_name=job, tags=tags)
        return dict(launch_run(engine, workspace, request, now=1.0).tags)

    assert launch("tagged") == {"team": "sales", "dagster/max_retries": "2"}
    assert launch("tagged", team="ops", extra="x") == {"team": "ops", "dagster/max_retries": "2", "extra": "x"}
    assert launch("run_tagged") == {"runs": "only"}  # run_tags given: the job's own tags stay on the job
    assert launch("nightly") == {"kind": "asset"}
    snapshot_job = next(j for j in workspace.get("shop").loaded_snapshot().jobs if j.name == "run_tagged")
    assert dict(snapshot_job.tags) == {"team": "sales"} and dict(snapshot_job.run_tags) == {"runs": "only"}
