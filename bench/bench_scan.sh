#!/usr/bin/env bash
# bench_scan.sh: the Poisson spatial scan (tw_scan_run) on the real
# geography with 999 replicas, as issue 3 asks: municipalities (about
# 1,640 areas, max 50 % of the population) and barangays (about 41,000
# areas with a point, max 10 %), each on THREADS threads (default 2), with
# circles and with SaTScan's elliptic windows (--ellipse).
# Prints windows on the data, wall and CPU time, windows x (R + 1) per
# second, peak memory, and for municipalities the time of a brute-force
# scan of the data (every window's sums recomputed, one full sort per
# centre) and its ratio to the fast scan's time per data set.
#   bench/bench_scan.sh [THREADS] [--skip-barangays]
# Cases are synthetic (multinomial by population, no cluster). Timings need
# an otherwise idle machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
threads="${1:-2}"
data="${TANAW_DATA:-$root/../shared/data/ph}"
cd "$root"
build="${TANAW_BENCH_BUILD:-build-bench}" # a Release build folder
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target bench_scan >/dev/null
b="$(cd "$build" && pwd)/bench_scan"
echo "== municipalities, 999 replicas, max 50 %, $threads threads"
/usr/bin/time -f "cpu %U s user, wall %e s, peak %M KB" \
  "$b" "$data/municipalities.csv" --cases 20000 --replicas 999 --max-pop 0.5 --threads "$threads"
echo "== municipalities, elliptic windows (circle + 46 ellipses, medium penalty), 999 replicas"
/usr/bin/time -f "cpu %U s user, wall %e s, peak %M KB" \
  "$b" "$data/municipalities.csv" --cases 20000 --replicas 999 --max-pop 0.5 --threads "$threads" --ellipse
if [ "${2:-}" != "--skip-barangays" ]; then
  echo "== barangays, 999 replicas, max 10 %, $threads threads"
  /usr/bin/time -f "cpu %U s user, wall %e s, peak %M KB" \
    "$b" "$data/barangays.csv" --cases 50000 --replicas 999 --max-pop 0.1 --threads "$threads" --no-brute
  # 47 window shapes: 19 replicas keep the run under an hour of CPU; the
  # rate of windows x (R + 1) per second is what to compare
  echo "== barangays, elliptic windows, 19 replicas, max 10 %, $threads threads"
  /usr/bin/time -f "cpu %U s user, wall %e s, peak %M KB" \
    "$b" "$data/barangays.csv" --cases 50000 --replicas 19 --max-pop 0.1 --threads "$threads" --no-brute --ellipse
fi
