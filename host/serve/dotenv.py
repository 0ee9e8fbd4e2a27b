"""`.env` files for `weir dev`: KEY=VALUE lines put into the environment the host and its code servers
inherit, as Dagster's `dagster dev` does. A variable already set is never overridden."""

from __future__ import annotations

import os
from pathlib import Path

from host.errors import ConfigError


def parse_dotenv(text: str, source: str) -> dict[str, str]:
    """`KEY=VALUE` per line; `#` comments, blank lines and an `export ` prefix allowed; values may be
    quoted with ' or " (double quotes understand \\n and \\")."""
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.replace("_", "").isalnum() or key[0].isdigit():
            raise ConfigError(f"{source}, line {number}: expected KEY=VALUE, found {raw.strip()[:80]!r}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            quote, value = value[0], value[1:-1]
            if quote == '"':
                value = value.replace("\\n", "\n").replace('\\"', '"')
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key] = value
    return values


def load_dotenv(*folders: Path) -> list[str]:
    """Load `.env` from each folder (first wins); returns the names of the variables set."""
    loaded: list[str] = []
    for folder in dict.fromkeys(f.resolve() for f in folders):
        path = folder / ".env"
        if not path.is_file():
            continue
        for key, value in parse_dotenv(path.read_text(), str(path)).items():
            if key not in os.environ:
                os.environ[key] = value
                loaded.append(key)
    return loaded
