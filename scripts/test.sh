#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it (.ci/run calls this).
# Installs missing build dependencies, builds a release and a sanitizer
# (ASan + UBSan) build, and runs every test in both with ctest (the store
# tests against SQLite and against a throwaway PostgreSQL server). The real
# geography is read from $TANAW_DATA or ../shared/data/ph.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
export TANAW_DATA="${TANAW_DATA:-$root/../shared/data/ph}"
status=0
# The store tests run on PostgreSQL too: one throwaway server for the whole
# run, stopped at the end even on failure; without it they are skipped.
pgdir=$(mktemp -d "${TMPDIR:-/tmp}/tanaw-pg-XXXXXX")
trap 'scripts/pg-test-server.sh stop "$pgdir"' EXIT
if url=$(scripts/pg-test-server.sh start "$pgdir"); then
  export TANAW_TEST_PG_URL="$url"
else
  echo "== no PostgreSQL server: the *_pg store tests are skipped" >&2
fi
for type in RelWithDebInfo Sanitize; do
  dir="build-test-$type"
  echo "== $type build ($dir)"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" >/dev/null
  cmake --build "$dir" -j"$jobs" >/dev/null
  # Sanitizer runs: stop at the first error, report leaks.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" \
    ctest --test-dir "$dir" -j"$jobs" --output-on-failure --timeout 900 || status=1
done
exit $status
