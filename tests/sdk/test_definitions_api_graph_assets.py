"""Assets computed by graphs of ops (Dagster's @graph_asset, @graph_multi_asset, GraphOut): in process,
in a multiprocess run through the worker's entry point, and in the snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

import sdk as dg
from codeserver.snapshot import build_snapshot
from protos.weir.v1 import snapshot_pb2
from sdk.execution import execute_run


@dg.asset
def raw() -> list:
    return [3, 1, 2]


@dg.op
def sort(values: list) -> list:
    return sorted(values)


@dg.op
def head(values: list) -> int:
    return values[0]


@dg.op(out={"lo": dg.Out(), "hi": dg.Out()})
def bounds(values: list):  # type: ignore[no-untyped-def]
    return values[0], values[-1]


@dg.graph_asset(group_name="stats", description="the smallest value")
def smallest(raw):  # type: ignore[no-untyped-def]
    return head(sort(raw))


@dg.graph_multi_asset(outs={"low": dg.AssetOut(), "high": dg.AssetOut(key_prefix="top")})
def extremes(raw):  # type: ignore[no-untyped-def]
    lo, hi = bounds(sort(raw))
    return {"low": lo, "high": hi}


@dg.asset(ins={"high": dg.AssetIn(["top", "high"])})
def spread(smallest: int, high: int) -> int:
    return high - smallest


ASSETS = [raw, smallest, extremes, spread]


def test_graph_assets_materialize_with_their_ops_as_steps() -> None:
    result = dg.materialize(ASSETS)
    assert [result.asset_value(k) for k in ("smallest", "low", ["top", "high"], "spread")] == [1, 1, 3, 2]
    assert sorted(e.step_key for e in result.all_events if e.is_step_success) == [
        "extremes.bounds",
        "extremes.sort",
        "raw",
        "smallest.head",
        "smallest.sort",
        "spread",
    ]
    assert sorted(e.asset_key.to_user_string() for e in result.get_asset_materialization_events()) == [
        "low",
        "raw",
        "smallest",
        "spread",
        "top/high",
    ]
    assert smallest.keys_by_input_name == {"raw": dg.AssetKey("raw")}
    assert smallest.group_names_by_key[smallest.key] == "stats"
    with pytest.raises(dg.DagsterInvalidDefinitionError, match="computed by a graph of ops"):
        smallest([1])


def test_graph_assets_run_in_forked_steps_and_reach_the_snapshot(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WEIR_STORAGE_DIR", str(tmp_path))
    defs = dg.Definitions(assets=ASSETS, executor=dg.multiprocess_executor)
    events: list[dg.Event] = []
    ok = execute_run(
        defs,
        run_id="graphs",
        job_name=None,
        asset_selection=None,
        run_config={},
        tags={},
        partition_key=None,
        on_event=events.append,
    )
    assert ok, [e.message for e in events if e.error]
    assert (tmp_path / "spread").exists()  # each asset stored under its key by the filesystem IO manager
    snapshot = snapshot_pb2.Snapshot.FromString(build_snapshot(defs, "loc").data)
    nodes = {"/".join(a.key.path): (a.op_name, sorted("/".join(d.path) for d in a.deps)) for a in snapshot.assets}
    assert nodes["smallest"] == ("smallest", ["raw"])
    assert nodes["top/high"] == ("extremes", ["raw"])


def test_a_graph_with_several_outputs_declared_with_graph_out() -> None:
    @dg.graph(out={"one": dg.GraphOut(), "two": dg.GraphOut()})
    def split(values):  # type: ignore[no-untyped-def]
        lo, hi = bounds(values)
        return {"one": lo, "two": hi}

    assert split.output_names == ["one", "two"]
    result = split.execute_in_process(input_values={"values": [1, 5]})
    assert (result.output_for_node("bounds", "lo"), result.output_for_node("bounds", "hi")) == (1, 5)
