"""The `weir` command: the groups, assembled in one place and imported only when used, so
`weir --help` imports click alone and `weir runs` the Host API client and protos alone.

Every command but four is a client of the Host API. `dev`, `host` and `storage` run server-side code
and `code-server` a code server: they hand the process over (exec, same pid and signals) to those
entry points (`python -m host.serve`, `python -m codeserver`), which this package never imports.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

# name -> (module:attribute, one-line help for `weir --help`, which lists commands without loading them)
COMMANDS: dict[str, tuple[str, str]] = {
    "dev": ("host.serve dev", "Run the host, a code server per location and the daemon (SQLite under $WEIR_HOME)."),
    "host": ("host.serve host", "The production host: `weir host start -w workspace.yaml [-c weir.yaml]`."),
    "code-server": ("codeserver", "Serve one code location: `weir code-server start -f FILE | -m MODULE`."),
    "init": ("host.cli.init:init", "`init NAME`: a new project (a defs folder, a Python asset, a SQL component)."),
    "components": ("host.cli.components:components", "Component types (`list`), `check` of defs.yaml, `schema`."),
    "scaffold": ("host.cli.components:scaffold", "`scaffold defs TYPE PATH`: a new component instance (defs.yaml)."),
    "workspace": (
        "host.cli.workspace:workspace",
        "`workspace reload`: apply an edited workspace.yaml without a restart.",
    ),
    "locations": ("host.cli.locations:locations", "Code locations with their status and load errors."),
    "assets": ("host.cli.assets:assets", "Assets across locations; `assets partitions KEY`."),
    "materialize": ("host.cli.runs:materialize", "Launch a run and follow its events."),
    "runs": ("host.cli.runs:runs", "Runs, newest first; `runs show|logs|cancel ID`."),
    "backfill": ("host.cli.partitions:backfill", "Launch a backfill over partitions; `backfill list|show|cancel`."),
    "partitions": ("host.cli.partitions:partitions", "Keys of dynamic partitions definitions."),
    "schedules": ("host.cli.instigators:schedules", "Schedules: list, start, stop, and their ticks."),
    "sensors": ("host.cli.instigators:sensors", "Sensors: list, start, stop, cursor, and their ticks."),
    "daemon": ("host.cli.instigators:daemon", "The daemon: leader lease and loops."),
    "automation": (
        "host.cli.automation:automation",
        "Declarative automation: `automation explain KEY [--tick ID]` (why it did or did not run), `automation ticks`.",
    ),
    "definitions": (
        "host.serve definitions",
        "`definitions validate [-w workspace.yaml | -f FILE | -m MODULE]`: "
        "load each location in a fresh process; exit 1 on a load error (for CI).",
    ),
    "celery": (
        "host.cli.celery:celery",
        "`celery worker --location L -f FILE | -m MODULE`: steps of celery_executor runs.",
    ),
    "ui": ("host.cli.ui:ui", "`ui url`: the web UI's address with a login token."),
    "storage": ("host.serve storage", "Storage maintenance: `storage migrate`, `storage prune --older-than 30d`."),
}
_HAND_OVER = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


class LazyGroup(click.Group):
    """Loads a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        target, summary = COMMANDS[name]
        if ":" not in target:
            return _hand_over(name, target, summary)
        module, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


def _hand_over(name: str, target: str, summary: str) -> click.Command:
    """`weir NAME ARGS` becomes `python -m MODULE [SUBCOMMAND] ARGS`: same process, same pid, same signals."""
    module, *prefix = target.split()

    @click.command(name, context_settings=_HAND_OVER, help=summary, add_help_option=False)
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        os.execv(sys.executable, [sys.executable, "-m", module, *prefix, *args])

    return command


@click.group(cls=LazyGroup)
def main(**_: Any) -> None:
    """Weir: a data orchestrator with isolated code locations."""
