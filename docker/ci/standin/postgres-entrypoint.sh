#!/bin/sh
# CI stand-in for the official postgres image's entrypoint: on first start, initdb with
# POSTGRES_USER / POSTGRES_PASSWORD and create POSTGRES_DB; then run the server in the foreground.
set -eu
if [ "${1:-}" != "postgres" ]; then
  exec "$@"
fi
shift
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  pwfile="$(mktemp)"
  printf '%s\n' "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" > "$pwfile"
  initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 -D "$PGDATA" > /dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  if [ "$db" != "postgres" ]; then
    sock="$(mktemp -d)"
    pg_ctl -D "$PGDATA" -w -s -o "-c listen_addresses='' -k $sock" start
    psql -q -h "$sock" -U "$user" -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\" OWNER \"$user\""
    pg_ctl -D "$PGDATA" -w -s -m fast stop
    rmdir "$sock"
  fi
  echo "stand-in postgres: initialised $PGDATA (user $user, database $db)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
