"""Options several commands share, parsed one way everywhere: --tag key=value, --config."""

from __future__ import annotations

import json
from pathlib import Path

import click


def parse_tags(tags: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep:
            raise click.BadParameter(f"tag {tag!r} should look like key=value")
        out[key] = value
    return out


def read_config(config: str | None) -> str:
    if not config:
        return "{}"
    text = Path(config).read_text() if Path(config).is_file() else config
    if config.endswith((".yaml", ".yml")):
        import yaml

        return json.dumps(yaml.safe_load(text) or {})
    return text
