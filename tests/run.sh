#!/usr/bin/env bash
# Set up .venv and run everything CI runs: ruff (lint and format), the import contracts, mypy, the tests.
# Extra arguments go to pytest (e.g. tests/run.sh -k storage -x). The tests run on two pytest-xdist
# workers (tests/conftest.py hands out the work); WEIR_TEST_WORKERS=N changes that, and
# WEIR_TEST_WORKERS=0 runs them in one process (for --pdb, -s and the like).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# uv installs in seconds what pip takes half a minute for; pip brings uv, and is the fallback.
if ! { [ -x .venv/bin/uv ] || .venv/bin/pip install -q --disable-pip-version-check 'uv>=0.5'; } \
  || ! .venv/bin/uv pip install -q --python .venv/bin/python -e '.[dev]'; then
  echo "tests/run.sh: uv could not install the dev environment; pip does" >&2
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .  # ruff format owns the layout
.venv/bin/lint-imports
.venv/bin/python -m mypy  # strict on host/, codeserver/, protos' hand-written modules; config in pyproject.toml
workers=${WEIR_TEST_WORKERS:-2}
xdist=()
if [ "$workers" != 0 ]; then
  xdist=(-n "$workers")
fi
.venv/bin/python -m pytest -q -p no:cacheprovider "${xdist[@]}" "$@"
