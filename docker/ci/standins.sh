#!/usr/bin/env bash
# Build, into the CI engine, the base images the shipped files name: python:3.11-slim and postgres:15.
# No image registry is reachable on the CI machine, so they are stand-ins built locally:
#   1. debootstrap a Debian bookworm minbase (python3, venv, pip, ca-certificates) from the apt mirror
#      this machine is configured with (read at run time), cached as $WEIR_CI_CACHE/bookworm-minbase.tar;
#   2. `docker import` it as weir-ci/debian:bookworm;
#   3. build standin/python.Dockerfile and standin/postgres.Dockerfile on it.
# Images carry a label with a hash of their inputs; images with the current hash are kept as they are.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=env.sh
. "$HERE/env.sh"
TARBALL="$WEIR_CI_CACHE/bookworm-minbase.tar"
BASE=weir-ci/debian:bookworm
LABEL=org.weir.ci.standin
CA=/etc/ssl/certs/ca-certificates.crt
export DOCKER_BUILDKIT=0  # the classic builder: no BuildKit frontend image to pull

key="$(cat "$HERE/standin/"* "$CA" | sha256sum | cut -c1-16)"
label_of() { docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
if [ "$(label_of python:3.11-slim)" = "$key" ] && [ "$(label_of postgres:15)" = "$key" ]; then
  echo "standins: python:3.11-slim and postgres:15 are up to date ($key)"
  exit 0
fi
start=$SECONDS

if [ ! -s "$TARBALL" ]; then
  command -v debootstrap > /dev/null || { echo "standins: debootstrap is not installed (docker/ci/setup.sh)" >&2; exit 1; }
  mirror="$(python3 "$HERE/apt_mirror.py" bookworm)"
  rootfs="$(mktemp -d "$WEIR_CI_CACHE/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  echo "standins: debootstrap bookworm minbase (about a minute)"
  debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates \
    bookworm "$rootfs" "$mirror" > "$WEIR_CI_CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$WEIR_CI_CACHE/debootstrap.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/tmp/*
  tar --numeric-owner -C "$rootfs" -cf "$TARBALL.tmp" .
  mv "$TARBALL.tmp" "$TARBALL"
  rm -rf "$rootfs"
  trap - EXIT
  echo "standins: debootstrap done in $((SECONDS - start)) s ($TARBALL)"
fi

if [ "$(label_of "$BASE")" != "$key" ]; then
  docker image rm -f "$BASE" > /dev/null 2>&1 || true
  docker import --change "LABEL $LABEL=$key" --change 'CMD ["bash"]' "$TARBALL" "$BASE" > /dev/null
fi

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp "$HERE"/standin/* "$context/"
cp "$CA" "$context/ca-certificates.crt"
build() {  # image dockerfile
  docker build -q --network host --label "$LABEL=$key" -t "$1" -f "$context/$2" "$context" > "$context/$2.log" 2>&1 \
    || { tail -30 "$context/$2.log" >&2; echo "standins: building $1 failed" >&2; return 1; }
}
build python:3.11-slim python.Dockerfile &
py=$!
build postgres:15 postgres.Dockerfile &
pg=$!
failed=0
wait "$py" || failed=1
wait "$pg" || failed=1
[ "$failed" = 0 ] || exit 1
echo "standins: built python:3.11-slim and postgres:15 ($key) in $((SECONDS - start)) s"
