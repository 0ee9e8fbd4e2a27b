"""Weir's probes of bench.run's web UI rows (python -m bench.weir_side probe ui_graph|ui_run_page ARGS,
under Weir's venv): bench/ui_bench.py's measurements, reported as the rows of bench/figures.py's
ui_graph and ui_run_page groups. Standard library only at module level, as bench/weir_side.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.harness import BenchError
from bench.ui_bench import measure_run_page, measure_weir

SMOKE_NOTE = "n/a (--smoke leaves the browser out; full and --quick runs take it)"


def probe_ui_graph(args: dict[str, Any]) -> dict[str, Any]:
    """The figures of bench.run's ui_graph group (keys without the size suffix; see bench/figures.py):
    the three HTTP medians and the cold structure in milliseconds, the graph page's seconds until a click
    is answered (left out when `browser` is false: --smoke)."""
    browser = args.get("browser", True)
    row_errors: dict[str, str] = {} if browser else {"ui_graph_page": SMOKE_NOTE}
    weir = Path(args["python"]).parent / "weir"
    found = measure_weir(
        Path(args["work"]),
        args["n"],
        args["calls"],
        args["repeats"],
        browser=browser,
        weir=weir,
        logs=Path(args["logs"]),
    )
    result: dict[str, Any] = {"ui_graph_cold": found["cold"]["structure_ms"]}
    for key, name in (
        ("ui_assets_api", "catalog"),
        ("ui_graph_api", "graph_json"),
        ("ui_graph_status", "graph_status"),
    ):
        if "skipped" in found[name]:
            row_errors[key] = f"n/a ({found[name]['skipped']})"
        else:
            result[key] = found[name]["median_ms"]
    page = found.get("graph_page")
    if page is not None and "failed" in page:
        row_errors["ui_graph_page"] = page["failed"]
    elif page is not None:
        result["ui_graph_page"] = page["interactive"]
    if row_errors:
        result["row_errors"] = row_errors
    return result


def probe_ui_run_page(args: dict[str, Any]) -> dict[str, Any]:
    """bench.run's run page row: seconds until /runs/<id> of a run with `events` events shows its header
    and log (median of `repeats` loads). Without `browser` (--smoke) the run and the page's API call
    are still made and checked, and the row says why it has no number."""
    browser = args.get("browser", True)
    weir = Path(args["python"]).parent / "weir"
    found = measure_run_page(
        Path(args["work"]), args["repeats"], args["events"], browser=browser, weir=weir, logs=Path(args["logs"])
    )
    if "skipped" in found:
        raise BenchError(f"n/a ({found['skipped']})")
    if not browser:
        raise BenchError(f"{SMOKE_NOTE[:-1]}; the run's view call answered in {found['view_call']['median_ms']} ms)")
    return {"ui_run_page": found["open_s"]}
