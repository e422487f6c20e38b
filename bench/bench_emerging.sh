#!/usr/bin/env bash
# bench_emerging.sh: emerging hot spots for the real barangays (about
# 42,000) x 48 months: the library on a synthetic cube of that size
# (bench/bench_emerging.c), then the whole `tanaw emerging` command on
# 200,000 simulated records over 2021-2024 (reading, placing every record
# by code or point in polygon, the cube, knn:8 weights, Gi*, trends,
# categories and the per-area and cube CSVs), with wall time and peak
# memory. No R counterpart is timed: sfdep is not in Debian, and spdep's
# localG on a 2-million-bin space-time neighbour list is what the unit
# golden checks on a small cube.
#   bench/bench_emerging.sh [THREADS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
threads="${1:-0}"
data="${TANAW_DATA:-$root/../shared/data/ph}"
cd "$root"
# warnings stay warnings here: a Release build may warn where the default build does not
cmake -S . -B build-bench-st -DCMAKE_BUILD_TYPE=Release -DTANAW_WERROR=OFF >/dev/null
cmake --build build-bench-st -j"$(nproc)" --target bench_emerging tanaw_cli >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build-bench-st/bench_emerging 42000 48 1 "$threads"
build-bench-st/bench_emerging 42000 48 2 "$threads"
areas=(--areas "$data/barangays.csv")
build-bench-st/tanaw simulate "${areas[@]}" --n 200000 --seed 42 --codes-only --out "$tmp/cases.csv" --quiet
/usr/bin/time -f "tanaw emerging (barangays x 48 months, 200,000 records): wall %e s, user %U s, sys %S s, max rss %M kB" \
  build-bench-st/tanaw emerging "${areas[@]}" --cases "$tmp/cases.csv" --from 2021-01-01 --to 2024-12-31 \
  --step month --weights knn:8 --threads "$threads" --out "$tmp/e.csv" --cube "$tmp/cube.csv" --quiet \
  > "$tmp/stdout"
sed -n '1,/^areas with/p' "$tmp/stdout" | head -30
