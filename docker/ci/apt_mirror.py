"""Print the Debian mirror this machine's apt uses for SUITE (default: bookworm).

Read at run time from /etc/apt/sources.list and /etc/apt/sources.list.d/ (one-line and deb822
formats), so that no mirror host name is ever written into the repository.
"""

from __future__ import annotations

import glob
import re
import sys
from collections.abc import Iterator
from pathlib import Path


def _one_line_entries() -> Iterator[tuple[str, list[str]]]:
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            match = re.match(r"deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line.split("#", 1)[0].strip())
            if match:
                yield match.group(1), [match.group(2)]


def _deb822_entries() -> Iterator[tuple[str, list[str]]]:
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for stanza in re.split(r"\n\s*\n", Path(path).read_text()):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, value = line.split(":", 1)
                fields[key.strip().lower()] = value.strip()
            if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes").lower() != "no":
                for uri in fields.get("uris", "").split():
                    yield uri, fields.get("suites", "").split()


def main() -> None:
    suite = sys.argv[1] if len(sys.argv) > 1 else "bookworm"
    for uri, suites in [*_one_line_entries(), *_deb822_entries()]:
        if suite in suites:
            print(uri)
            return
    sys.exit(f"no apt source for {suite} in /etc/apt/sources.list or /etc/apt/sources.list.d/")


if __name__ == "__main__":
    main()
