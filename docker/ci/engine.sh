#!/usr/bin/env bash
# A Docker engine of our own for the container checks: `engine.sh start | stop | status | env`.
#   start   starts dockerd in the background (its own data-root, exec-root, pidfile and unix socket;
#           overlay2; no bridge, no iptables rules: containers use the host network on loopback
#           ports), waits until it answers, prints its environment (DOCKER_HOST=..., DOCKER_CONFIG=...).
#           An engine already running from the same pidfile is reused.
#   stop    stops that dockerd by the pid in its pidfile (TERM, then KILL after 30 s).
# Exit code 3 from start: no engine can run here (the reason is printed); callers skip on it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"
PIDFILE="$WEIR_CI_RUN/dockerd.pid"
LOG="$WEIR_CI_RUN/dockerd.log"

print_env() {
  echo "DOCKER_HOST=$DOCKER_HOST"
  echo "DOCKER_CONFIG=$DOCKER_CONFIG"
  echo "WEIR_CI_CACHE=$WEIR_CI_CACHE"
  echo "WEIR_CI_RUN=$WEIR_CI_RUN"
}

running_pid() {
  local pid
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q dockerd "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
  fi
}

answers() { docker version --format '{{.Server.Version}}' > /dev/null 2>&1; }

cannot() { echo "engine: $*" >&2; exit 3; }

# Mounts a stopped dockerd leaves under its exec-root (the host network's netns file), deepest first.
unmount_leftovers() {
  local mnt
  awk -v root="$WEIR_CI_RUN/exec/" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r | while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  done
}

start() {
  command -v dockerd > /dev/null || cannot "dockerd is not installed (docker/ci/setup.sh installs Debian's docker.io)"
  command -v docker > /dev/null || cannot "no docker client on PATH"
  [ "$(id -u)" = 0 ] || cannot "dockerd needs root here (no rootless setup)"
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
  grep -qw overlay /proc/filesystems || cannot "the kernel has no overlay filesystem (overlay2 is required; vfs is far too slow)"
  mkdir -p "$WEIR_CI_RUN" "$WEIR_CI_CACHE/docker"
  local pid
  pid="$(running_pid)"
  if [ -n "$pid" ] && answers; then
    echo "engine: reusing dockerd (pid $pid)" >&2
    print_env
    return
  fi
  [ -z "$pid" ] || cannot "a dockerd (pid $pid) holds $PIDFILE but does not answer; stop it first (engine.sh stop)"
  unmount_leftovers
  # setsid: the engine lives in its own session, apart from the caller's process group.
  setsid dockerd \
    --data-root "$WEIR_CI_CACHE/docker" \
    --exec-root "$WEIR_CI_RUN/exec" \
    --pidfile "$PIDFILE" \
    -H "$DOCKER_HOST" \
    --storage-driver overlay2 \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --userland-proxy=false \
    > "$LOG" 2>&1 < /dev/null &
  local spawned=$! i
  for i in $(seq 1 300); do
    if answers; then
      echo "engine: dockerd $(docker version --format '{{.Server.Version}}') ready (pid $(running_pid || echo "$spawned")) in $((i / 10)).$((i % 10)) s" >&2
      print_env
      return
    fi
    if ! kill -0 "$spawned" 2>/dev/null; then
      tail -20 "$LOG" >&2
      cannot "dockerd exited at start (log above, full log in $LOG)"
    fi
    sleep 0.1
  done
  tail -20 "$LOG" >&2
  kill "$spawned" 2>/dev/null || true
  cannot "dockerd did not answer within 30 s (log above)"
}

stop() {
  local pid i
  pid="$(running_pid)"
  if [ -z "$pid" ]; then
    unmount_leftovers
    echo "engine: not running" >&2
    return
  fi
  # dockerd's own children (its managed containerd) must be gone too before another engine starts.
  local children
  children="$(cat "/proc/$pid/task/"*/children 2>/dev/null | tr '\n' ' ' || true)"
  kill -TERM "$pid"
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "engine: dockerd (pid $pid) still running after 30 s, sending KILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  for child in $children; do
    for i in $(seq 1 100); do
      kill -0 "$child" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$child" 2>/dev/null; then
      echo "engine: dockerd's child $child still running after 10 s, sending KILL" >&2
      kill -KILL "$child" 2>/dev/null || true
    fi
  done
  unmount_leftovers
  echo "engine: dockerd (pid $pid) stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) pid="$(running_pid)"; if [ -n "$pid" ]; then echo "running (pid $pid)"; else echo "stopped"; exit 1; fi ;;
  env) print_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
