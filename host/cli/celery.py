"""`weir celery worker ...`: hand over to `python -m codeserver.celery_worker` (exec, not import).

The CLI never imports celery nor the location's code: the worker runs under the location's own
interpreter (`--python`, default this one), where the location's code and celery are installed.
"""

from __future__ import annotations

import os
import sys

import click


@click.group("celery", help="Celery workers for celery_executor runs.")
def celery() -> None:
    pass


@celery.command(
    "worker",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    help=(
        "Start a Celery worker for one code location: `weir celery worker --location L -f defs.py "
        "[--broker URL] [-Q queues] [-c N]`; `--python PATH` (first) runs it under that interpreter "
        "(the location's environment). Every option after it goes to `python -m codeserver.celery_worker`."
    ),
)
@click.option("--python", "python", default=sys.executable, show_default=True, help="the location's interpreter")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def worker(python: str, args: tuple[str, ...]) -> None:
    os.execv(python, [python, "-m", "codeserver.celery_worker", *args])
