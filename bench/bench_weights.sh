#!/usr/bin/env bash
# bench_weights.sh: tw_weights_build on the real barangays beside R spdep on
# the same files, in one run. Prints each build's time (tanaw: median of
# RUNS builds; spdep: one run, timed inside R around the call only), the
# ratio spdep / tanaw, the links both found (they must agree), and the
# peak memory of each whole process (/usr/bin/time -v).
#   bench/bench_weights.sh [RUNS]          (default 5; BENCH_WEIGHTS=path
#                                           skips building bench_weights)
# Neither side's time includes reading the files. spdep: poly2nb(queen =
# TRUE) on barangays.geojson through sf with sf_use_s2(FALSE), and
# knearneigh(k = 8, longlat = TRUE) + knn2nb on barangays.csv's points.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs="${1:-5}"
data="${TANAW_DATA:-$root/../shared/data/ph}"
cd "$root"
bw="${BENCH_WEIGHTS:-}"   # a prebuilt bench_weights, else build one
if [ -z "$bw" ]; then
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-bench -j"$(nproc)" --target bench_weights >/dev/null
  bw="$root/build-bench/bench_weights"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

/usr/bin/time -v -o "$tmp/time_tanaw" "$bw" \
  --geojson "$data/barangays.geojson" --csv "$data/barangays.csv" --reps "$runs" \
  --specs queen,queen:50m,knn:8 > "$tmp/tanaw.txt"

cat > "$tmp/spdep.R" <<'REOF'
suppressMessages({library(sf); library(spdep)})
sf_use_s2(FALSE)
args <- commandArgs(trailingOnly = TRUE)
bg <- st_read(file.path(args[1], "barangays.geojson"), quiet = TRUE)
t_q <- system.time(nb <- suppressWarnings(poly2nb(bg, queen = TRUE)))
cat(sprintf("spdep queen  %.4f s wall, cpu %.4f s, %d links\n", t_q[["elapsed"]],
            t_q[["user.self"]] + t_q[["sys.self"]], sum(card(nb))))
bc <- read.csv(file.path(args[1], "barangays.csv"), colClasses = c(psgc = "character"))
bc <- bc[!is.na(bc$lon) & !is.na(bc$lat), ]
x <- cbind(bc$lon, bc$lat)
t_k <- system.time(nk <- knn2nb(knearneigh(x, k = 8, longlat = TRUE)))
cat(sprintf("spdep knn:8  %.4f s wall, cpu %.4f s, %d links\n", t_k[["elapsed"]],
            t_k[["user.self"]] + t_k[["sys.self"]], sum(card(nk))))
REOF
/usr/bin/time -v -o "$tmp/time_spdep" Rscript "$tmp/spdep.R" "$data" > "$tmp/spdep.txt" 2>"$tmp/spdep.err" \
  || { cat "$tmp/spdep.err" >&2; exit 1; }

cat "$tmp/tanaw.txt" "$tmp/spdep.txt"
# field after a keyword on the line of one spec: val FILE SPEC WORD OFFSET
val() { awk -v s="$2" -v w="$3" -v o="$4" '$2 == s {for (i = 1; i <= NF; i++) if ($i == w) print $(i + o)}' "$1"; }
for spec in queen knn:8; do
  tw=$(val "$tmp/tanaw.txt" "$spec" median 1); tc=$(val "$tmp/tanaw.txt" "$spec" cpu 1)
  tl=$(val "$tmp/tanaw.txt" "$spec" links -1)
  sw=$(val "$tmp/spdep.txt" "$spec" s -1); sc=$(val "$tmp/spdep.txt" "$spec" cpu 1)
  sl=$(val "$tmp/spdep.txt" "$spec" links -1)
  printf "%-6s tanaw %.3f s wall / %.3f s cpu; spdep %.2f s wall / %.2f s cpu; ratio %.0fx wall, %.0fx cpu; links %s vs %s (%s)\n" \
    "$spec" "$tw" "$tc" "$sw" "$sc" "$(echo "$sw / $tw" | bc -l)" "$(echo "$sc / $tc" | bc -l)" \
    "$tl" "$sl" "$([ "$tl" = "$sl" ] && echo same || echo DIFFERENT)"
done
printf "peak memory (whole process, reading included): tanaw %s MB, R %s MB\n" \
  "$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$tmp/time_tanaw")" \
  "$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$tmp/time_spdep")"
printf "machine: %s cores, load average %s\n" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
