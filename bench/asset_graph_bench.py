"""Asset graph benchmark: the global asset graph of the 5,000-asset layered workload (bench/gen_workload.py:
500 layers of 10, each asset depending on the whole layer above: 49,900 edges, 50 groups) joined, laid
out and queried on the host, in CPython (issue 15; targets: graph + layout <= 300 ms, a selection such as
`group:g7+` <= 20 ms).

The snapshot is built by the sdk and the code server's snapshot code from the generated module (--sdk),
or directly as protobuf messages of the same shape (the default: no user code, a second faster). Figures
are CPU seconds (time.process_time, best of several), the first ("cold") one included, since a shared
machine's wall clock mostly measures the other processes.

    .venv/bin/python bench/asset_graph_bench.py [--sdk]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from host.domain.asset_graph import AssetGraphView, LoadedSnapshot, build_graph, graph_json, version_of
from host.domain.asset_selection import select
from protos.weir.v1 import common_pb2, snapshot_pb2

REPO = Path(__file__).resolve().parent.parent
TARGET_GRAPH_SECONDS = 0.3
TARGET_SELECT_SECONDS = 0.02


def layered_snapshot(n: int = 5000, width: int = 10, location: str = "bench") -> snapshot_pb2.Snapshot:
    """gen_workload.py's "layered" shape as messages: asset a{i} in group g{i // 100} depends on every
    asset of the layer above; parsed from bytes, as the host holds a fetched snapshot."""
    assets = []
    for i in range(n):
        layer = i // width
        ups = range((layer - 1) * width, min(layer * width, n)) if layer else range(0)
        assets.append(
            snapshot_pb2.AssetNode(
                key=common_pb2.AssetKey(path=[f"a{i}"]),
                deps=[common_pb2.AssetKey(path=[f"a{u}"]) for u in ups],
                group_name=f"g{i // 100}",
                is_executable=True,
            )
        )
    snapshot = snapshot_pb2.Snapshot(location_name=location, assets=assets)
    return snapshot_pb2.Snapshot.FromString(snapshot.SerializeToString())


def sdk_snapshot(n: int = 5000) -> snapshot_pb2.Snapshot:
    """The real thing: gen_workload.py's module, loaded with the sdk, turned into a snapshot."""
    from codeserver.snapshot import build_snapshot

    source = subprocess.run(
        [sys.executable, str(REPO / "bench" / "gen_workload.py"), str(n), "layered", "sdk"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "layered_defs.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("layered_defs", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return snapshot_pb2.Snapshot.FromString(build_snapshot(module.defs, "bench").data)


def _cpu(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(first, best) CPU seconds of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.process_time()
        result = fn()
        times.append(time.process_time() - started)
    return times[0], min(times), result


def measure(snapshot: snapshot_pb2.Snapshot, repeat: int = 5) -> dict[str, float]:
    """Prints and returns the figures (seconds) for one snapshot."""
    loaded = [LoadedSnapshot("bench", "bench-id", snapshot)]
    version = version_of(loaded)
    cold, best, view = _cpu(lambda: AssetGraphView(build_graph(loaded), version), repeat)
    graph = view.graph
    _, build_best, _ = _cpu(lambda: build_graph(loaded), repeat)
    select_first, select_best, chosen = _cpu(lambda: select(graph, "group:g7+"), repeat * 4)
    _, json_best, data = _cpu(lambda: graph_json(view), repeat)
    text = json.dumps(data, separators=(",", ":"))
    figures = {
        "graph_and_layout_cold": cold,
        "graph_and_layout_best": best,
        "graph_best": build_best,
        "layout_best": best - build_best,
        "select_best": select_best,
        "select_first": select_first,
        "json_best": json_best,
    }
    print(
        f"{len(graph):,} assets, {graph.edge_count:,} edges, {len(graph.groups)} groups; "
        f"layout {view.layout.width:,} x {view.layout.height:,} px\n"
        f"graph + layout: first {cold * 1e3:.0f} ms, best {best * 1e3:.0f} ms "
        f"(graph {build_best * 1e3:.0f} ms, layout {(best - build_best) * 1e3:.0f} ms); "
        f"target <= {TARGET_GRAPH_SECONDS * 1e3:.0f} ms\n"
        f"select 'group:g7+': {len(chosen):,} assets, "
        f"first {select_first * 1e3:.1f} ms, best {select_best * 1e3:.1f} ms; "
        f"target <= {TARGET_SELECT_SECONDS * 1e3:.0f} ms\n"
        f"JSON form: {json_best * 1e3:.0f} ms to build, {len(text):,} bytes serialized"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdk", action="store_true", help="build the snapshot with the sdk from gen_workload.py")
    parser.add_argument("-n", type=int, default=5000, help="assets (default 5000)")
    args = parser.parse_args()
    snapshot = sdk_snapshot(args.n) if args.sdk else layered_snapshot(args.n)
    measure(snapshot)


if __name__ == "__main__":
    main()
