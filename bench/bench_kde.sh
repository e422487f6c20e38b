#!/usr/bin/env bash
# bench_kde.sh: tanaw's kernel density against spatstat's density.ppp on
# 100,000 and 1,000,000 clustered points, Gaussian sigma 10 km, a 500 x 500
# grid of 2 km cells, no edge correction, in one run: median times, the
# ratio, and the largest relative difference of the two surfaces (must be
# ~1e-12: same method). Also the whole `tanaw kde` command on 100,000 case
# records with coordinates (reading and validating the CSV included).
#   bench/bench_kde.sh [RUNS] [THREADS]     (needs scripts/install-deps.sh --peers)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs="${1:-5}"
threads="${2:-0}"
cd "$root"
# warnings stay warnings here: a Release build may warn where the default build does not
cmake -S . -B build-bench-st -DCMAKE_BUILD_TYPE=Release -DTANAW_WERROR=OFF >/dev/null
cmake --build build-bench-st -j"$(nproc)" --target bench_kde tanaw_cli >/dev/null 2>&1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 100000 1000000; do
  echo "== $n points =="
  Rscript bench/bench_kde.R "$n" "$tmp/p$n.csv" 1 >/dev/null # writes the points
  build-bench-st/bench_kde "$tmp/p$n.csv" 500 500 0 0 2 10 "$runs" "$tmp/s$n.txt" "$threads" | tee "$tmp/t$n"
  Rscript bench/bench_kde.R "$n" "$tmp/p$n.csv" "$runs" "$tmp/s$n.txt" | tee "$tmp/r$n"
  tt=$(awk '/tanaw spatstat/ { for (i = 1; i <= NF; i++) if ($i == "median") print $(i+1) }' "$tmp/t$n")
  rt=$(awk '/density.ppp/ { for (i = 1; i <= NF; i++) if ($i == "median") print $(i+1) }' "$tmp/r$n")
  awk -v a="$rt" -v b="$tt" 'BEGIN { printf "ratio density.ppp / tanaw: %.1f x\n", a / b }'
done
echo "== tanaw kde command, 100,000 records with coordinates (national grid, 2 km cells) =="
data="${TANAW_DATA:-$root/../shared/data/ph}"
if [ -f "$data/municipalities.csv" ]; then
  build-bench-st/tanaw simulate --areas "$data/municipalities.geojson" --areas "$data/municipalities.csv" \
    --n 200000 --seed 7 --out "$tmp/cases.csv" --quiet
  /usr/bin/time -f "tanaw kde wall %e s, user %U s, sys %S s, max rss %M kB" build-bench-st/tanaw kde --cases "$tmp/cases.csv" \
    --bandwidth 5 --cell 2 --out "$tmp/k.asc" --quiet
fi
