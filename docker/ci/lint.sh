#!/usr/bin/env bash
# Lint the container files, no engine needed: hadolint on the shipped Dockerfiles, `docker compose
# config --quiet` on the compose files (with placeholder secrets), kubernetes-validate --strict on
# docker/k8s/. Needs the tools from docker/ci/setup.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"
cd "$HERE/../.."

echo "lint: hadolint $("$WEIR_CI_TOOLS/bin/hadolint" --version | awk '{print $NF}')"
"$WEIR_CI_TOOLS/bin/hadolint" --failure-threshold info docker/codeserver.Dockerfile docker/host.Dockerfile

echo "lint: docker compose config"
placeholders=(POSTGRES_PASSWORD=lint WEIR_TOKEN=lint SALES_TOKEN=lint FORECAST_TOKEN=lint)
ci_placeholders=(WEIR_CI_PG_PORT=1 WEIR_CI_HOST_PORT=2 WEIR_CI_SALES_PORT=3 WEIR_CI_FORECAST_PORT=4 WEIR_CI_UI_PORT=5
                 WEIR_CI_WORKSPACE=/dev/null)
env "${placeholders[@]}" docker compose -f docker/compose.yaml config --quiet
env "${placeholders[@]}" "${ci_placeholders[@]}" \
  docker compose -f docker/compose.yaml -f docker/compose.ci.yaml config --quiet
env "${placeholders[@]}" docker compose -f docker/compose.yaml -f docker/compose.run-containers.yaml config --quiet
# Without its secrets, compose.yaml must refuse to start rather than run with empty tokens.
if env -u POSTGRES_PASSWORD -u WEIR_TOKEN -u SALES_TOKEN -u FORECAST_TOKEN \
   docker compose -f docker/compose.yaml config --quiet 2> /dev/null; then
  echo "lint: docker/compose.yaml accepted missing secrets" >&2
  exit 1
fi

echo "lint: kubernetes-validate --strict docker/k8s"
"$WEIR_CI_TOOLS/bin/kubernetes-validate" --strict --quiet docker/k8s/*.yaml
echo "lint: ok"
