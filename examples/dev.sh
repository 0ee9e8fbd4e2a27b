#!/usr/bin/env bash
# Set up Weir and the example workspace, then run `weir dev` on it (Ctrl-C stops everything).
#   .venv/                 the host's environment (weir itself)
#   examples/sales/.venv   weir + tabulate 0.8.10
#   examples/forecast/.venv weir + tabulate 0.9.0
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q -e .
for location in sales forecast; do
  python3 -m venv "examples/$location/.venv"
  "examples/$location/.venv/bin/pip" install -q . -r "examples/$location/requirements.txt"
done
exec .venv/bin/weir dev -w examples/workspace.yaml "$@"
