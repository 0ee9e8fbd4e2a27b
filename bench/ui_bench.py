"""Web UI benchmark (issue 15), on one location of N layered assets (bench/gen_workload.py; 5,000: 500
layers of 10, 49,900 edges, 50 groups), through a real `weir dev` and headless Chromium:

(a) `GET /api/assets`: every asset with its latest status (target <= 100 ms), and the graph's own
    endpoints (`/api/assets/graph`, `/api/assets/graph/status`); the first call and the median of N;
(b) `/assets/graph?expand=all` in headless Chromium: navigation until drawn, until a click on a box
    has opened the side panel (target <= 2 s), then Fit (every edge on screen) until drawn and a click
    answered, and that whole-graph frame's milliseconds;
(c) `/runs/<id>` of a run with 100,000 events: navigation until the header and the event log show
    (target <= 1 s; the run is made by a real asset calling context.log.info 100,000 times);
(d) Dagster's webserver (dagster-webserver, in bench/.venvs/dagster) on the same workload: the
    GraphQL queries its UI sends for the global asset graph (LocationWorkspaceAssetsQuery: every asset
    with its dependencies; AssetGraphLiveQuery: their statuses), medians, and the ratio to Weir's two
    graph endpoints. Dagster's UI then lays the graph out in the browser; Weir's answer already has it.

    .venv/bin/python bench/ui_bench.py [--n 5000] [--calls 20] [--skip-run] [--skip-dagster]
"""

from __future__ import annotations

import argparse
import gzip
import http.cookiejar
import json
import shutil
import statistics
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dagster_ui import (  # noqa: F401  (re-exported: this script's Dagster part lives there)
    ASSET_GRAPH_LIVE_QUERY,
    DAGSTER_WEBSERVER,
    LOCATION_ASSETS_QUERY,
    graphql,
    measure_dagster,
    prepare_dagster_webserver,
)
from bench.harness import REPO, WORK, BenchError, clean_env, first_and_median_ms, started, wait_for, workload

TARGETS = {"catalog_ms": 100.0, "graph_interactive_s": 2.0, "run_page_s": 1.0}
RUN_EVENTS = 100_000

# What Chromium runs to find the box nearest the middle of the view (at Fit zoom a box is under a pixel).
CLICK_CENTRE = """() => { const view = document.querySelector('.graph-view').graphView;
  const r = view.canvas.getBoundingClientRect(); const s = view.scene, c = view.camera;
  const x = c.x + r.width / 2 / c.scale, y = c.y + r.height / 2 / c.scale;
  let best = -1, d = Infinity;
  for (let i = 0; i < s.size; i++) { const dx = s.rx[i] + s.rw[i] / 2 - x, dy = s.ry[i] + s.rh[i] / 2 - y;
    if (dx * dx + dy * dy < d) { d = dx * dx + dy * dy; best = i; } }
  return view.screenPoint(best); }"""


def open_graph_and_click(page: Any, url: str) -> dict[str, float]:
    """Seconds from navigation to: the graph drawn (`drawn`); a click on a box answered by the side
    panel (`interactive`); then, from pressing Fit, the whole graph drawn and a click answered
    (`fit_and_click`); and the milliseconds of that whole-graph frame (`whole_frame_ms`)."""
    started_at = time.perf_counter()
    page.goto(url)
    page.locator(".graph-view[data-drawn]").wait_for(timeout=60000)
    drawn = time.perf_counter() - started_at
    page.locator(".gnode").first.click()
    page.locator(".graph-panel-key").wait_for(timeout=60000)
    interactive = time.perf_counter() - started_at
    page.click(".graph-panel-close")
    draws = int(page.get_attribute(".graph-view", "data-draws") or 0)
    fit_started = time.perf_counter()
    page.click("button:text-is('Fit')")
    page.wait_for_function(f"Number(document.querySelector('.graph-view').dataset.draws) > {draws}")
    point = page.evaluate(CLICK_CENTRE)
    page.mouse.click(point["x"], point["y"])
    page.locator(".graph-panel-key").wait_for(timeout=60000)
    whole = time.perf_counter() - fit_started
    frame_ms = page.evaluate("document.querySelector('.graph-view').graphView.lastDrawMs")
    return {
        "drawn": round(drawn, 3),
        "interactive": round(interactive, 3),
        "fit_and_click": round(whole, 3),
        "whole_frame_ms": round(frame_ms, 1),
    }


class UiSession:
    """HTTP calls to a Weir UI with a logged-in session cookie, as the browser makes them (gzip)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.opener.open(f"{url}/?token={token}", timeout=60).read()

    def get(self, path: str) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers={"Accept-Encoding": "gzip"})
        try:
            with self.opener.open(request, timeout=120) as response:
                body = response.read()
                if response.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                return response.status, body
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


timed = first_and_median_ms  # the first call's milliseconds and the median of the next `calls`


def weir_dev(work: Path, name: str, file: Path, *, weir: Path | None = None, logs: Path | None = None) -> Any:
    """`weir dev -f FILE --ui-port 0` from a fresh WEIR_HOME: (home, the context manager of its
    process, its log). `weir` defaults to this repo's .venv; the log goes to `logs` (default `work`)."""
    home = work / f"home-{name}-{time.monotonic_ns()}"
    env = clean_env(WEIR_HOME=str(home))
    binary = weir or REPO / ".venv" / "bin" / "weir"
    log = (logs or work) / f"weir-{name}.log"
    command = [str(binary), "dev", "-f", str(file), "--port", "0", "--ui-port", "0"]
    return home, started(command, cwd=work, env=env, log=log), log


def wait_weir(home: Path, proc: Any, log: Path, assets: int) -> tuple[Any, dict[str, Any]]:
    from host.cli.client import HostClient

    endpoint = home / "host.json"
    info = wait_for(
        "weir dev writing host.json",
        lambda: endpoint.exists() and json.loads(endpoint.read_text()),
        120,
        proc=proc,
        log=log,
    )
    client = HostClient(info["address"], info.get("token"))
    wait_for(
        f"{assets} assets loaded",
        lambda: any(loc.asset_count == assets for loc in client.locations()),
        300,
        interval=0.1,
        proc=proc,
        log=log,
    )
    return client, info


def chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise BenchError("Chromium is not installed (apt-get install chromium; pip install playwright)")
    return path


def measure_weir(
    work: Path,
    n: int,
    calls: int,
    repeats: int,
    *,
    browser: bool = True,
    weir: Path | None = None,
    logs: Path | None = None,
) -> dict[str, Any]:
    """(a) the HTTP endpoints, (b) the graph page in Chromium (a failure there is reported in its
    place, `graph_page: {"failed": ...}`, and the rest still counts), then the cold figures."""
    file = workload(work, n, "layered", "sdk")
    home, server, log = weir_dev(work, "graph", file, weir=weir, logs=logs)
    results: dict[str, Any] = {}
    with server as proc:
        _client, info = wait_weir(home, proc, log, n)
        session = UiSession(info["ui_url"], info["token"])
        for name, path in (
            ("catalog", "/api/assets"),
            ("graph_json", "/api/assets/graph"),
            ("graph_status", "/api/assets/graph/status"),
        ):
            status, body = session.get(path)
            if status == 404:
                results[name] = {"skipped": f"{path} is not served by this checkout"}
                continue
            if status != 200:
                raise BenchError(f"GET {path}: {status} {body[:300]!r}")
            results[name] = {**timed(lambda p=path: session.get(p), calls), "bytes": len(body)}
        if browser:
            results["graph_page"] = attempt("the graph page", lambda: graph_page(info, repeats))
    results["cold"] = cold_figures(home / "weir.db", n)
    return results


def graph_page(info: dict[str, Any], repeats: int) -> dict[str, Any]:
    """open_graph_and_click on /assets/graph?expand=all, each time in a fresh browser context; medians."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        runs = []
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            page = context.new_page()
            page.goto(f"{info['ui_url']}/?token={info['token']}")
            runs.append(open_graph_and_click(page, info["ui_url"] + "/assets/graph?expand=all"))
            context.close()
        browser.close()
    result: dict[str, Any] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    result["repeats"] = repeats
    return result


def cold_figures(database: Path, n: int) -> dict[str, float]:
    """What the host computes when the cache is cold, in process (milliseconds, median of 3): the graph
    with its layout, JSON and gzip (once per code change), and the statuses with their JSON (once per
    storage change) over the bench host's database. The HTTP figures above are mostly cache hits."""
    from bench.asset_graph_bench import layered_snapshot
    from host.domain.asset_catalog import catalog_definitions, catalog_status
    from host.domain.asset_graph import AssetGraphView, LoadedSnapshot, build_graph, version_of
    from host.domain.graph_status import overlay
    from host.storage.engine import open_engine

    loaded = [LoadedSnapshot("layered", "bench", layered_snapshot(n))]

    def structure() -> None:
        view = AssetGraphView(build_graph(loaded), version_of(loaded))
        gzip.compress(json.dumps(view.json, separators=(",", ":")).encode(), compresslevel=6)

    defs = catalog_definitions(loaded)
    engine = open_engine(f"sqlite:///{database}")
    try:

        def status() -> None:
            json.dumps(overlay(defs, catalog_status(engine, defs, time.time())), separators=(",", ":"))

        return {"structure_ms": _median_ms(structure, 3), "status_ms": _median_ms(status, 3)}
    finally:
        engine.dispose()


def _median_ms(call: Callable[[], Any], calls: int) -> float:
    times = []
    for _ in range(calls):
        started_at = time.perf_counter()
        call()
        times.append((time.perf_counter() - started_at) * 1000)
    return round(statistics.median(times), 1)


CHATTY = """\
import sdk as dg


@dg.asset
def chatty(context: dg.AssetExecutionContext) -> int:
    for i in range({events}):
        context.log.info(f"line {{i}} of a long run")
    return {events}


defs = dg.Definitions(assets=[chatty])
"""


def measure_run_page(
    work: Path,
    repeats: int,
    events: int = RUN_EVENTS,
    *,
    browser: bool = True,
    weir: Path | None = None,
    logs: Path | None = None,
) -> dict[str, Any]:
    """A run of `events` log events through weir dev, the page's one API call (which must count them
    all), then, with `browser`, the page opened in Chromium (`open_s`)."""
    file = work / f"chatty{events}.py"
    file.write_text(CHATTY.format(events=events))
    home, server, log = weir_dev(work, "run", file, weir=weir, logs=logs)
    with server as proc:
        client, info = wait_weir(home, proc, log, 1)
        session = UiSession(info["ui_url"], info["token"])
        status, body = session.get("/api/runs/none/view")
        if status == 404 and b"nothing at" in body:
            return {"skipped": "this checkout has no run page endpoint (/api/runs/<id>/view)"}
        from protos.weir.v1 import host_pb2

        started_at = time.perf_counter()
        location = client.locations()[0].name
        run_id = client.launch_run(host_pb2.LaunchRunRequest(location=location)).run_id
        ended = (host_pb2.SUCCESS, host_pb2.FAILURE, host_pb2.CANCELED)
        wait_for("the chatty run to end", lambda: client.get_run(run_id).status in ended, 1800, interval=0.1, proc=proc)
        ran = time.perf_counter() - started_at
        if client.get_run(run_id).status != host_pb2.SUCCESS:
            raise BenchError(f"the chatty run {run_id} did not succeed: {client.get_run(run_id)}")
        status, body = session.get(f"/api/runs/{run_id}/view")
        matched = json.loads(body).get("matched", 0) if status == 200 else 0
        if matched < events:
            raise BenchError(f"GET /api/runs/{run_id}/view: {status}, {matched} events of at least {events}")
        view = timed(lambda: session.get(f"/api/runs/{run_id}/view"), 5)
        found: dict[str, Any] = {"events": events, "run_seconds": round(ran, 1), "view_call": view}
        if not browser:
            return found
        from playwright.sync_api import sync_playwright

        opens = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
            for _ in range(repeats):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                errors: list[str] = []
                page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(f"{info['ui_url']}/?token={info['token']}")
                began = time.perf_counter()
                page.goto(f"{info['ui_url']}/runs/{run_id}")
                try:
                    page.locator(".run-title").wait_for(timeout=60000)
                    page.locator(".ev-message").first.wait_for(timeout=60000)
                except Exception as exc:
                    page.screenshot(path=str(work / "run-page-failed.png"))
                    raise BenchError(f"/runs/{run_id} did not open: {exc}; page errors: {errors}") from None
                opens.append(time.perf_counter() - began)
                context.close()
            browser.close()
    return {**found, "open_s": round(statistics.median(opens), 3)}


def attempt(what: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One part of the bench; a failure is reported in its place and the others still run."""
    try:
        return measure()
    except Exception as exc:
        print(f"{what} failed: {exc}", file=sys.stderr, flush=True)
        return {"failed": f"{type(exc).__name__}: {str(exc)[:800]}"}


def report(results: dict[str, Any]) -> str:
    lines = [f"UI bench, {results['n']} layered assets"]
    weir = results.get("weir", {})
    if "failed" in weir:
        lines.append(f"  graph and catalog: FAILED ({weir['failed']})")
    for name in ("catalog", "graph_json", "graph_status"):
        row = weir.get(name)
        if row is None:
            continue
        if "skipped" in row:
            lines.append(f"  GET {name}: skipped ({row['skipped']})")
            continue
        line = f"  GET {name}: first {row['first_ms']} ms, median {row['median_ms']} ms, {row['bytes']:,} bytes"
        if name == "catalog":
            line += f" (target <= {TARGETS['catalog_ms']:.0f} ms: {_verdict(row['median_ms'], 'catalog_ms')})"
        lines.append(line)
    cold = weir.get("cold")
    if cold:
        lines.append(
            f"  cold, in process: graph + layout + JSON + gzip {cold['structure_ms']:.0f} ms (once per code change),"
            f" statuses + JSON {cold['status_ms']:.0f} ms (once per storage change)"
        )
    page = weir.get("graph_page")
    if page is None:
        lines.append("  /assets/graph: not measured")
    elif "failed" in page:
        lines.append(f"  /assets/graph: FAILED ({page['failed']})")
    else:
        lines.append(
            f"  /assets/graph?expand=all (median of {page['repeats']}): drawn {page['drawn']:.2f} s, interactive"
            f" {page['interactive']:.2f} s (target <= {TARGETS['graph_interactive_s']:.0f} s:"
            f" {_verdict(page['interactive'], 'graph_interactive_s')}); Fit + click {page['fit_and_click']:.2f} s;"
            f" whole-graph frame {page['whole_frame_ms']:.0f} ms"
        )
    run = results.get("run_page")
    if run is None:
        lines.append("  /runs/<id>: not measured (--skip-run)")
    elif "skipped" in run or "failed" in run:
        lines.append(
            f"  /runs/<id>: {'skipped' if 'skipped' in run else 'FAILED'} ({run.get('skipped') or run['failed']})"
        )
    elif "open_s" not in run:
        lines.append(f"  /runs/<id>: its view call median {run['view_call']['median_ms']} ms (not opened in a browser)")
    else:
        opened = run["open_s"]
        lines.append(
            f"  /runs/<id> of {run['events']:,} events (the run took {run['run_seconds']} s): opens in {opened:.2f} s"
            f" (target <= {TARGETS['run_page_s']:.0f} s: {_verdict(opened, 'run_page_s')});"
            f" its view call median {run['view_call']['median_ms']} ms"
        )
    dagster = results.get("dagster")
    if dagster is None:
        lines.append("  Dagster: not measured (--skip-dagster)")
    elif "failed" in dagster:
        lines.append(f"  Dagster: FAILED ({dagster['failed']})")
    else:
        s, live = dagster["structure"], dagster["live"]
        lines.append(
            f"  Dagster webserver ({dagster['assets']} assets, {dagster['edges']} edges): LocationWorkspaceAssetsQuery"
            f" median {s['median_ms']} ms (first {s['first_ms']}), AssetGraphLiveQuery median {live['median_ms']} ms"
            f" (first {live['first_ms']})"
        )
        if "graph_json" not in weir or "graph_status" not in weir:
            return "\n".join(lines)
        structure, status = weir["graph_json"]["median_ms"], weir["graph_status"]["median_ms"]
        lines.append(
            f"  ratio, structure: Dagster {s['median_ms']:.0f} ms / Weir GET /api/assets/graph {structure:.1f} ms"
            f" = {s['median_ms'] / structure:.0f}x (Weir's answer includes the layout; Dagster's UI lays out after)"
        )
        lines.append(
            f"  ratio, statuses: Dagster {live['median_ms']:.0f} ms / Weir GET /api/assets/graph/status {status:.1f} ms"
            f" = {live['median_ms'] / status:.0f}x (Dagster's UI sends it in batches of 10 keys; here one request)"
        )
        if cold:
            lines.append(
                f"  ratio, Weir cold (nothing cached): structure {s['median_ms'] / cold['structure_ms']:.0f}x,"
                f" statuses {live['median_ms'] / cold['status_ms']:.0f}x"
            )
    return "\n".join(lines)


def _verdict(value: float, target: str) -> str:
    return "met" if value <= TARGETS[target] else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=5000, help="assets in the layered workload (default 5000)")
    parser.add_argument("--calls", type=int, default=20, help="HTTP calls per median (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="browser page loads per median (default 3)")
    parser.add_argument("--skip-run", action="store_true", help="leave out the 100,000-event run page")
    parser.add_argument("--run-events", type=int, default=RUN_EVENTS, help="events of the run page's run")
    parser.add_argument("--skip-graph", action="store_true", help="leave out (a) and (b)")
    parser.add_argument("--skip-dagster", action="store_true", help="leave out Dagster's webserver")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    work = WORK / "ui"
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"n": args.n}
    if not args.skip_graph:
        results["weir"] = attempt("the graph", lambda: measure_weir(work, args.n, args.calls, args.repeats))
    if not args.skip_run:
        results["run_page"] = attempt("the run page", lambda: measure_run_page(work, args.repeats, args.run_events))
    if not args.skip_dagster:
        results["dagster"] = attempt("Dagster", lambda: measure_dagster(work, args.n, max(3, args.calls // 4)))
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    print(textwrap.indent(json.dumps(results), "  "), file=sys.stderr)


if __name__ == "__main__":
    main()
