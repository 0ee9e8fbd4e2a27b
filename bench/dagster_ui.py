"""Dagster's webserver on the UI bench's workload (issue 15): dagster-webserver from the bench's Dagster
venv serving gen_workload.py's layered file, and the GraphQL its UI sends for the global asset graph:
LocationWorkspaceAssetsQuery (every asset with its dependencies) and AssetGraphLiveQuery (their
statuses, all keys in one request; the UI sends batches of 10). Dagster's UI lays the graph out in the
browser after these answer. Standard library only: bench.run calls it in its own process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.harness import BENCH, BenchError, clean_env, first_and_median_ms, free_port, started, wait_for, workload

DAGSTER_PYTHON = BENCH / ".venvs" / "dagster" / "bin" / "python"
DAGSTER_WEBSERVER = "dagster-webserver==1.13.28"  # the newest published; dagster-graphql stays 1.13.29

LOCATION_ASSETS_QUERY = """
query LocationWorkspaceAssetsQuery($name: String!) {
  workspaceLocationEntryOrError(name: $name) {
    ... on WorkspaceLocationEntry {
      id name loadStatus updatedTimestamp versionKey
      locationOrLoadError {
        ... on RepositoryLocation {
          id name
          repositories {
            id name
            assetNodes {
              id changedReasons groupName opNames isMaterializable isObservable isExecutable isPartitioned
              isAutoCreatedStub hasAssetChecks computeKind hasMaterializePermission hasWipePermission
              hasReportRunlessAssetEventPermission
              assetKey { path }
              internalFreshnessPolicy {
                ... on TimeWindowFreshnessPolicy { failWindowSeconds warnWindowSeconds }
                ... on CronFreshnessPolicy { deadlineCron lowerBoundDeltaSeconds timezone }
              }
              partitionDefinition { dimensionTypes { type dynamicPartitionsDefinitionName } }
              automationCondition { __typename }
              description(characterLimit: 240)
              owners { ... on UserAssetOwner { email } ... on TeamAssetOwner { team } }
              tags { key value }
              storageAddress { storageKind tableName }
              jobNames kinds graphName
              dependencyKeys { path }
            }
            assetGroups { id groupName }
          }
        }
        ... on PythonError { message stack }
      }
    }
    ... on PythonError { message stack }
  }
}
"""

ASSET_GRAPH_LIVE_QUERY = """
query AssetGraphLiveQuery($assetKeys: [AssetKeyInput!]!) {
  assetNodes(assetKeys: $assetKeys, loadMaterializations: true) {
    id opNames
    repository { id }
    assetKey { path }
    assetMaterializations(limit: 1) { timestamp runId stepKey }
    assetObservations(limit: 1) { timestamp runId stepKey }
    assetChecksOrError { ... on AssetChecks { checks { name canExecuteIndividually
      executionForLatestMaterialization { id runId status timestamp stepKey evaluation { severity } } } } }
    partitionStats { numMaterialized numMaterializing numPartitions numFailed }
  }
  assetsLatestInfo(assetKeys: $assetKeys) {
    id
    assetKey { path }
    unstartedRunIds inProgressRunIds
    latestRun { id status startTime endTime }
  }
}
"""


def prepare_dagster_webserver(python: Path = DAGSTER_PYTHON) -> Path:
    """The venv's dagster-webserver, installed (once) beside its Dagster when missing."""
    python = Path(python)
    if not python.exists():
        raise BenchError(f"no Dagster venv at {python.parent.parent}: run bench/run.py once (it installs Dagster 1.13)")
    binary = python.parent / "dagster-webserver"
    if not binary.exists():
        print(f"installing {DAGSTER_WEBSERVER} beside {python} (once) ...", file=sys.stderr, flush=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        version = subprocess.run(
            [str(python), "-c", "from importlib.metadata import version; print(version('dagster'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        # dagster-webserver pins its own dagster; keep the venv's and bring only what the server needs.
        subprocess.run([*pip, f"dagster-graphql=={version}", "uvicorn[standard]", "starlette"], check=True)
        subprocess.run([*pip, "--no-deps", DAGSTER_WEBSERVER], check=True)
    return binary


def graphql(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise BenchError(f"GraphQL errors: {json.dumps(answer['errors'])[:600]}")
    return answer["data"]  # type: ignore[no-any-return]


def measure_dagster(
    work: Path,
    n: int,
    calls: int,
    *,
    live_calls: int | None = None,
    python: Path = DAGSTER_PYTHON,
    log: Path | None = None,
    timeout: float = 600,
) -> dict[str, Any]:
    """dagster-webserver -f FILE from an empty DAGSTER_HOME until its location is LOADED, then each
    query's first call and the median of the next `calls` (`live_calls` for the slower live query,
    default min(calls, 3)), in milliseconds."""
    binary = prepare_dagster_webserver(python)
    file = workload(work, n, "layered", "dagster")
    home = work / f"dagster-home-{time.monotonic_ns()}"
    home.mkdir(parents=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = log or work / "dagster-webserver.log"
    command = [str(binary), "-f", str(file), "-h", "127.0.0.1", "-p", str(port)]
    with started(command, cwd=file.parent, env=clean_env(DAGSTER_HOME=str(home)), log=log) as proc:

        def location_loaded() -> str:
            try:
                data = graphql(
                    url, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }", {}
                )
            except (OSError, BenchError):
                return ""
            entries = data["workspaceOrError"].get("locationEntries") or []
            return next((e["name"] for e in entries if e["loadStatus"] == "LOADED"), "")

        name = wait_for(
            "dagster-webserver loading the location", location_loaded, timeout, interval=0.5, proc=proc, log=log
        )
        structure = graphql(url, LOCATION_ASSETS_QUERY, {"name": name})
        entry = structure["workspaceLocationEntryOrError"]["locationOrLoadError"]
        nodes = [node for repo in entry["repositories"] for node in repo["assetNodes"]]
        if len(nodes) != n:
            raise BenchError(f"Dagster's webserver lists {len(nodes)} assets, not {n}")
        keys = [{"path": node["assetKey"]["path"]} for node in nodes]
        live = min(calls, 3) if live_calls is None else live_calls
        return {
            "assets": len(nodes),
            "edges": sum(len(node["dependencyKeys"]) for node in nodes),
            "structure": first_and_median_ms(lambda: graphql(url, LOCATION_ASSETS_QUERY, {"name": name}), calls),
            "live": first_and_median_ms(lambda: graphql(url, ASSET_GRAPH_LIVE_QUERY, {"assetKeys": keys}), live),
        }
