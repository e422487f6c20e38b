#!/usr/bin/env bash
# bench_store.sh: the case store's ingest throughput, size and analysis
# start-up on SQLite and PostgreSQL in one run (bench_store.c): starts a
# throwaway PostgreSQL server (scripts/pg-test-server.sh, fsync on, to
# compare with SQLite's synchronous=FULL), builds bench_store in BUILD_DIR
# and runs it with N records, median of RUNS. Numbers go to docs/store.md
# and bench/README.md.
#   bench/bench_store.sh [BUILD_DIR] [N] [RUNS]   (defaults build-rel, 1000000, 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-rel}
n=${2:-1000000}
runs=${3:-3}
data="${TANAW_DATA:-$root/../shared/data/ph}"
cmake --build "$build" -j2 --target bench_store >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/tanaw-bench-store-XXXXXX")
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/tanaw-bench-pg-XXXXXX") # its own: the server user enters it
trap '"$root/scripts/pg-test-server.sh" stop "$pgdir"; rm -rf "$work"' EXIT
url=""
if url=$(TANAW_PG_FSYNC=on "$root/scripts/pg-test-server.sh" start "$pgdir"); then
  psql -qX "$url" -c "CREATE DATABASE bench" >/dev/null
  url=$(echo "$url" | sed -E 's#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\1/bench#')
else
  echo "bench_store.sh: no PostgreSQL server: SQLite only" >&2
  url=""
fi
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench_store" "$data" "$n" "$work" "$runs" $url
