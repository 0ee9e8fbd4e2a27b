"""`python -m codeserver.celery_worker --location L -f defs.py | -m module`: a Celery worker for
celery_executor runs of one code location (`weir celery worker` execs it under the location's
interpreter).

It loads the location's code once and computes its snapshot id as the code server does; a task from a
run planned against another snapshot is refused with an error naming both ids. Each task executes one
step in a forked child (sdk/execution/celery.py) and returns its events; the worker never touches
Weir's storage. The threads pool is the default: its consumer stays free to receive revokes (cancel),
and the steps run in child processes anyway.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import traceback
from functools import partial
from typing import Any

from codeserver.cli import _add_target_args, _target


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="weir celery worker", description="Execute celery_executor steps of one code location."
    )
    _add_target_args(parser)
    parser.add_argument("--location", required=True, help="the location's name in the workspace")
    parser.add_argument("--broker", default=env("WEIR_CELERY_BROKER", "pyamqp://guest@localhost//"), help="broker URL")
    parser.add_argument("--backend", default=env("WEIR_CELERY_BACKEND"), help="result backend (default: by broker)")
    parser.add_argument("-Q", "--queues", default="weir", help="comma-separated queues to consume")
    parser.add_argument("-c", "--concurrency", type=int, default=os.cpu_count() or 1, help="steps at once")
    parser.add_argument("-P", "--pool", default="threads", choices=["threads", "solo", "prefork"])
    parser.add_argument("-n", "--hostname", help="the worker's node name (default: weir-L@host-pid)")
    parser.add_argument(
        "--storage-dir", default=env("WEIR_STORAGE_DIR"), help="IO manager base dir (default: the run worker's)"
    )
    parser.add_argument(
        "--code-server",
        default=env("WEIR_CODE_SERVER_ADDRESS"),
        metavar="HOST:PORT",
        help="the location's code server, which serves context.instance to the steps (its token in "
        "WEIR_CODE_SERVER_TOKEN, a TLS CA file in WEIR_CODE_SERVER_TLS_CA); without it context.instance is an error",
    )
    parser.add_argument("-l", "--loglevel", default="INFO")
    return parser


def instance_endpoint(address: str | None) -> dict[str, str] | None:
    """Where the steps' context.instance calls go: the location's code server, which checks each call
    against the runs it started and forwards it to the host (the worker holds no storage credentials)."""
    if not address:
        return None
    token = os.environ.get("WEIR_CODE_SERVER_TOKEN", "")
    if not token:
        sys.exit(
            f"weir celery worker: --code-server {address} needs that server's token in WEIR_CODE_SERVER_TOKEN "
            "(the code server's WEIR_TOKEN)"
        )
    found = {"address": address, "token": token}
    if os.environ.get("WEIR_CODE_SERVER_TLS_CA"):
        found["tls_ca"] = os.environ["WEIR_CODE_SERVER_TLS_CA"]
    return found


def main(argv: list[str] | None = None) -> None:
    from codeserver.loader import load_definitions
    from codeserver.snapshot import build_snapshot
    from sdk.execution.celery import CeleryRunError, make_app

    ns = build_parser().parse_args(argv)
    target, _ = _target(ns)
    endpoint = instance_endpoint(ns.code_server)
    try:
        defs = load_definitions(target)
        snapshot_id = build_snapshot(defs, ns.location).snapshot_id
    except Exception as exc:
        traceback.print_exc()
        sys.exit(
            f"weir celery worker: location {ns.location!r} ({target.describe()}) failed to load: "
            f"{type(exc).__name__}: {exc} (interpreter {sys.executable})"
        )
    hostname = ns.hostname or f"weir-{ns.location}@{socket.gethostname()}-{os.getpid()}"
    try:
        app = make_app(ns.broker, ns.backend)
    except CeleryRunError as exc:
        sys.exit(f"weir celery worker: {exc}")
    register_task(app, defs, ns.location, snapshot_id, ns.storage_dir, endpoint)
    add_wakeup(app)
    print(f"weir celery worker: location {ns.location!r} at snapshot {snapshot_id[:12]}", flush=True)
    app.worker_main(
        [
            "worker",
            "-Q",
            ns.queues,
            "-P",
            ns.pool,
            "-c",
            str(ns.concurrency),
            "-n",
            hostname,
            "-l",
            ns.loglevel,
            "--without-gossip",
            "--without-mingle",
        ]
    )


def add_wakeup(app: Any, seconds: float = 0.1) -> None:
    """The consumer's event loop wakes every `seconds` (else only once a second without other timers).

    On Redis the worker fetches a message only for a free slot (worker_disable_prefetch), and it asks
    again only when its event loop comes round: a slot freed by a finished step waited up to a second
    for the next one, about one second per wave of a layered run."""
    from celery import bootsteps  # type: ignore[import-untyped]

    class Wakeup(bootsteps.StartStopStep):  # type: ignore[misc]
        requires = {"celery.worker.consumer.tasks:Tasks"}

        def start(self, consumer: Any) -> None:
            hub = getattr(consumer, "hub", None)
            if hub is not None:
                hub.call_repeatedly(seconds, _noop)

    app.steps["consumer"].add(Wakeup)


def _noop() -> None:
    pass


def register_task(
    app: Any,
    defs: Any,
    location: str,
    snapshot_id: str,
    storage_dir: str | None,
    endpoint: dict[str, str] | None = None,
) -> None:
    """The one task: refuse a run of other code, else execute its step and return the events."""
    from celery.exceptions import Ignore  # type: ignore[import-untyped]
    from celery.worker import state as worker_state  # type: ignore[import-untyped]

    from sdk.execution.celery import TASK_NAME, execute_step_task

    @app.task(name=TASK_NAME, bind=True)  # type: ignore[untyped-decorator]
    def execute_step(self: Any, payload: dict[str, Any]) -> dict[str, Any]:
        wanted = str(payload.get("snapshot_id") or "")
        if wanted != snapshot_id:
            raise RuntimeError(
                f'Celery worker {self.request.hostname} of location "{location}" serves snapshot '
                f"{snapshot_id[:12]}, but run {payload.get('run_id')} executes snapshot {wanted[:12]}: "
                f"restart the worker on the location's current code (weir celery worker --location {location} ...)"
            )
        task_id = self.request.id
        if task_id in worker_state.revoked:  # revoked while it waited for a free thread of this worker
            raise Ignore()
        beats = iter(range(1 << 62))
        request, backend, hostname = self.request, self.backend, self.request.hostname

        def beat() -> None:  # from the task's heartbeat thread: the task's request is this thread's
            meta = {"hostname": hostname, "pid": os.getpid(), "beat": next(beats)}
            backend.store_result(task_id, meta, "RUNNING", request=request)

        # RUNNING before anything else (a worker that dies from here on is seen as lost), then beats
        result = execute_step_task(
            defs,
            payload,
            storage_dir or str(payload["storage_dir"]),
            beat,
            lambda: task_id in worker_state.revoked,
            None if endpoint is None else partial(_run_instance, endpoint, hostname),
        )
        result["hostname"] = self.request.hostname
        return result


def _run_instance(endpoint: dict[str, str], hostname: str, run_id: str) -> Any:
    """context.instance of a step of `run_id`: the facade over the location's code server."""
    from codeserver.instance_client import InstanceClient, host_instance

    return host_instance(InstanceClient(run_id=run_id, endpoint=endpoint), f"run {run_id} on Celery worker {hostname}")


if __name__ == "__main__":
    main()
