#!/usr/bin/env bash
# The container checks.
#   docker/ci/run.sh --prepare   what .ci/run calls before tests/run.sh:
#       1. setup.sh      Debian's docker.io, iptables, debootstrap; the PyPI tools (once per machine)
#       2. lint.sh       hadolint, docker compose config, kubernetes-validate (no engine needed)
#       3. the stand-in base images (python:3.11-slim, postgres:15; built once, then cached):
#          engine.sh start, standins.sh, engine.sh stop
#     tests/run.sh then runs tests/docker with the rest of the suite: its fixtures start that engine,
#     build the images, `docker compose up`, drive the deployment through the Host API, and always
#     `docker compose down -v` and stop the engine by its pid.
#   docker/ci/run.sh [PYTEST ARGS]   the same, then only tests/docker (for working on docker/).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE/../.."
started=$SECONDS
prepare_only=0
if [ "${1:-}" = "--prepare" ]; then
  prepare_only=1
  shift
fi

bash "$HERE/setup.sh"
bash "$HERE/lint.sh"
# The engine is used by one run at a time per machine (tests/docker takes the same lock);
# flock -o: the engine started inside does not inherit the lock.
# shellcheck source=env.sh
. "$HERE/env.sh"
mkdir -p "$WEIR_CI_CACHE"
status=0
flock -o -w 1200 "$WEIR_CI_CACHE/engine.lock" bash -c '
  ci="$1"
  started=0
  bash "$ci/engine.sh" status > /dev/null 2>&1 || started=1
  bash "$ci/engine.sh" start > /dev/null || exit
  status=0
  bash "$ci/standins.sh" || status=$?
  [ "$started" = 0 ] || bash "$ci/engine.sh" stop
  exit "$status"' _ "$HERE" || status=$?
echo "docker/ci: setup, lint and stand-in images in $((SECONDS - started)) s"
if [ "$status" != 0 ] || [ "$prepare_only" = 1 ]; then
  exit "$status"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
.venv/bin/python -m pytest -q -p no:cacheprovider -s tests/docker "$@"
