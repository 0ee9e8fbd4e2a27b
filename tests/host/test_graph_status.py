"""The asset graph's status overlay (host/domain/graph_status.py) on real SQLite storage: one code per
node of the graph, in the graph's numbering, `stale` where an upstream asset was materialized later,
kept until storage changes, and `status:` in a selection."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from host.domain.asset_catalog import AssetCatalog
from host.domain.asset_graph import AssetGraphCache
from host.domain.asset_selection import SelectionError, select
from host.domain.graph_status import CODES, GraphStatus
from host.storage import events, runs
from tests.host.test_asset_catalog import NOW, asset, engine, materialized, run, workspace

__all__ = ["engine"]  # the fixture, shared with the catalog's tests

SALES = [asset("raw"), asset("clean", "raw"), asset("report", "clean"), asset("other")]


def test_codes_follow_the_graph_numbering_and_a_newer_upstream_makes_stale(engine: Engine) -> None:
    with engine.begin() as conn:
        runs.add_runs(conn, [run("r1", 100.0, "SUCCESS", "raw", "clean"), run("r2", 300.0, "FAILURE", "report")])
        events.add_events(conn, [materialized("r1", 1, "clean", 110.0), materialized("r1", 2, "raw", 200.0)])
    space = workspace(sales=SALES)
    overlay = GraphStatus(engine, AssetCatalog(engine, space, lambda: NOW), lambda: NOW)
    view = AssetGraphCache().get(space)
    current = overlay.current()
    assert current.version == view.version
    by_key = {node.key: current.codes[i] for i, node in enumerate(view.graph.nodes)}
    assert by_key == {
        "raw": CODES["materialized"],
        "clean": CODES["stale"],  # raw was materialized after it
        "report": CODES["failed"],
        "other": CODES["missing"],
    }
    assert overlay.current() is current  # nothing changed: the same answer, not recomputed

    with engine.begin() as conn:
        events.add_events(conn, [materialized("r1", 3, "clean", 250.0)])
    assert overlay.etag() != current.etag
    fresh = overlay.current()
    assert fresh.codes[view.graph.index["clean"]] == CODES["materialized"]

    filters = {"status": overlay.filter(view.version)}
    picked = select(view.graph, "status:materialized", filters=filters)
    assert {view.graph.nodes[i].key for i in picked} == {"raw", "clean"}
    with pytest.raises(SelectionError, match="pick from missing, materialized, stale"):
        select(view.graph, "status:green", filters=filters)
