#!/usr/bin/env bash
# Set up .venv and run everything CI runs: ruff (lint and format), the import contracts, mypy, the tests.
# Extra arguments go to pytest (e.g. tests/run.sh -k storage -x).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .  # ruff format owns the layout
.venv/bin/lint-imports
.venv/bin/python -m mypy  # strict on host/, codeserver/, protos' hand-written modules; config in pyproject.toml
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
