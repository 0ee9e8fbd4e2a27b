"""Options several commands share, parsed one way everywhere: --tag key=value, --config, --yes."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

import click


def parse_tags(tags: tuple[str, ...]) -> dict[str, str]:
    """`--tag key=value` (repeatable) as a mapping; anything else is a usage error naming the tag."""
    out = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"tag {tag!r} should look like key=value", param_hint="--tag")
        out[key] = value
    return out


def read_config(config: str | None) -> str:
    """`--config` as JSON text for the Host API. It may be JSON or YAML text, or a .json/.yaml/.yml file;
    YAML dates and times become ISO strings (JSON has no date type)."""
    if not config:
        return "{}"
    path = Path(config)
    is_file = len(config) < 4096 and "\n" not in config and path.is_file()
    text = path.read_text() if is_file else config
    try:
        return json.dumps(json.loads(text))
    except json.JSONDecodeError:
        pass
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = f"file {config}" if is_file else "text"
        raise click.BadParameter(f"the {where} is neither JSON nor YAML ({exc})", param_hint="--config") from None
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise click.BadParameter(
            "run config must be a mapping like {ops: {...}, resources: {...}}", param_hint="--config"
        )
    return json.dumps(value, default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def confirm(question: str, yes: bool) -> None:
    """Go on if --yes was given or a person at a terminal agrees; exit otherwise, saying how to go on."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(f"{question} Nobody can answer here (no terminal): pass --yes to go on.")
    click.confirm(question, abort=True)
