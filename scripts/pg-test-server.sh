#!/usr/bin/env bash
# pg-test-server.sh: a throwaway PostgreSQL server for the store tests and
# the store bench, from Debian's postgresql package.
#   scripts/pg-test-server.sh start DIR   initdb + start; prints the URL
#                                         (also written to DIR/url)
#   scripts/pg-test-server.sh stop DIR    stop it and remove DIR
# The server listens only on a unix socket inside DIR (no TCP port, so it
# clashes with nothing), trusts local connections, and runs as the
# postgres user when started by root (initdb refuses root). fsync is off
# unless TANAW_PG_FSYNC=on (the bench sets it, to compare with SQLite's
# synchronous=FULL; a killed client loses nothing either way).
# Exit 3 when no PostgreSQL server binaries are installed.
set -euo pipefail
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 1
fi
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
      echo "pg-test-server: no PostgreSQL server installed (apt-get install postgresql)" >&2
      exit 3
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 3; }
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -k $dir -p 5432 -c fsync=${TANAW_PG_FSYNC:-off} -c max_connections=40" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 3; }
    url="postgresql:///postgres?host=$dir&port=5432&user=postgres"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
  stop)
    if [ -d "$dir/data" ] && [ -n "$bindir" ]; then
      as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 1
    ;;
esac
