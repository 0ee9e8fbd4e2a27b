"""Jump anywhere (the UI's Ctrl-K): the names a person types to get somewhere, and where each leads.

`GET /api/jump` lists every asset, asset group, job, schedule, sensor and location of the loaded
snapshots, each with the page it opens; the browser matches what is typed against it, so a keystroke
costs no request. The list changes only with the snapshots, so its ETag names them and a page that
has it already gets 304. Runs are too many to list: `GET /api/jump/runs?prefix=` finds them by id.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from host.domain.asset_graph import loaded_snapshots, version_of
from host.storage.runs import runs_with_id_prefix
from host.web.http import Request, Response, Router
from protos.keys import asset_key_str

if TYPE_CHECKING:
    from host.locations.workspace import WorkspaceManager
    from host.web.context import WebApp

MAX_RUNS = 8
HIDDEN_JOB_PREFIX = "__"  # the implicit asset jobs: launched through their assets, never by name


def register(router: Router, web: WebApp) -> None:
    router.add("GET", "/api/jump", lambda r: jump_index(web.services.workspace, r))
    router.add("GET", "/api/jump/runs", lambda r: jump_runs(web, r))


def jump_index(workspace: WorkspaceManager, request: Request) -> Response:
    """`{"items": [[kind, label, detail, href], ...]}` in the order kinds are listed here."""
    loaded = loaded_snapshots(workspace)
    names = sorted(handle.name for handle in workspace.handles())
    etag = '"' + hashlib.sha256(f"{version_of(loaded)}\n{names}".encode()).hexdigest()[:20] + '"'
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(304, b"", "application/json", headers)
    items: list[list[str]] = []
    groups: dict[tuple[str, str], None] = {}
    for item in sorted(loaded, key=lambda s: s.location):
        where, snapshot = item.location, item.snapshot
        for node in snapshot.assets:
            if not node.is_executable:
                continue  # a declaration of another location's asset: that location lists it
            key = asset_key_str(node.key)
            group = node.group_name or "default"
            groups[(where, group)] = None
            items.append(["asset", key, f"{group} · {where}", "/assets/" + quote(key, safe="/")])
        for job in snapshot.jobs:
            if not job.name.startswith(HIDDEN_JOB_PREFIX):
                items.append(["job", job.name, where, "/launch?" + urlencode({"location": where, "job": job.name})])
        for schedule in snapshot.schedules:
            items.append(["schedule", schedule.name, where, f"/schedules/{quote(where)}/{quote(schedule.name)}"])
        for sensor in snapshot.sensors:
            items.append(["sensor", sensor.name, where, f"/sensors/{quote(where)}/{quote(sensor.name)}"])
    for where, group in groups:
        items.append(["group", group, where, "/assets?" + urlencode({"group": group, "location": where})])
    for name in names:
        items.append(["location", name, "code location", f"/locations/{quote(name)}"])
    return Response(200, json.dumps({"items": items}).encode(), "application/json", headers)


def jump_runs(web: WebApp, request: Request) -> Response:
    """The newest runs whose id starts with `prefix` (at least 3 characters), with where each leads."""
    prefix = request.arg("prefix").strip().lower()
    if len(prefix) < 3:
        return Response.json({"runs": []})
    with web.services.engine.connect() as conn:
        found = runs_with_id_prefix(conn, prefix, limit=MAX_RUNS)
    return Response.json(
        {
            "runs": [
                {
                    "run_id": run.run_id,
                    "status": run.status,
                    "job": run.job_name,
                    "location": run.location,
                    "href": f"/runs/{quote(run.run_id)}",
                }
                for run in found
            ]
        }
    )
