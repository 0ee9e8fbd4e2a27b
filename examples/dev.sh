#!/usr/bin/env bash
# Set up Weir and the example workspace, then run `weir dev` on it (Ctrl-C stops everything).
#   .venv/                 the host's environment (weir itself)
#   examples/sales/.venv   weir + tabulate 0.8.10
#   examples/forecast/.venv weir + tabulate 0.9.0
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
# uv installs in seconds what pip takes half a minute for; pip brings uv, and is the fallback.
install() {  # install VENV ARGS...: into that venv, with uv when it can, else pip
  local venv=$1
  shift
  if [ -x .venv/bin/uv ] || .venv/bin/pip install -q --disable-pip-version-check 'uv>=0.5' 2> /dev/null; then
    .venv/bin/uv pip install -q --python "$venv/bin/python" "$@" && return
    echo "examples/dev.sh: uv could not install into $venv; pip does" >&2
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "$@"
}
install .venv -e .
for location in sales forecast; do
  [ -x "examples/$location/.venv/bin/python" ] || python3 -m venv "examples/$location/.venv"
  install "examples/$location/.venv" . -r "examples/$location/requirements.txt"
done
exec .venv/bin/weir dev -w examples/workspace.yaml "$@"
