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
t_q <- system.time(nb <- suppressWarnings(poly2nb(bg, queen = TRUE)))[["elapsed"]]
cat(sprintf("spdep queen  %.4f s, %d links\n", t_q, sum(card(nb))))
bc <- read.csv(file.path(args[1], "barangays.csv"), colClasses = c(psgc = "character"))
bc <- bc[!is.na(bc$lon) & !is.na(bc$lat), ]
x <- cbind(bc$lon, bc$lat)
t_k <- system.time(nk <- knn2nb(knearneigh(x, k = 8, longlat = TRUE)))[["elapsed"]]
cat(sprintf("spdep knn:8  %.4f s, %d links\n", t_k, sum(card(nk))))
REOF
/usr/bin/time -v -o "$tmp/time_spdep" Rscript "$tmp/spdep.R" "$data" > "$tmp/spdep.txt" 2>"$tmp/spdep.err" \
  || { cat "$tmp/spdep.err" >&2; exit 1; }

cat "$tmp/tanaw.txt" "$tmp/spdep.txt"
tq=$(awk '$2 == "queen" {print $4}' "$tmp/tanaw.txt")
tk=$(awk '$2 == "knn:8" {print $4}' "$tmp/tanaw.txt")
sq=$(awk '$2 == "queen" {print $3}' "$tmp/spdep.txt")
sk=$(awk '$2 == "knn:8" {print $3}' "$tmp/spdep.txt")
lq=$(awk '$2 == "queen" {for (i = 1; i <= NF; i++) if ($i == "links") print $(i-1)}' "$tmp/tanaw.txt")
lk=$(awk '$2 == "knn:8" {for (i = 1; i <= NF; i++) if ($i == "links") print $(i-1)}' "$tmp/tanaw.txt")
rq=$(awk '$2 == "queen" {print $5}' "$tmp/spdep.txt")
rk=$(awk '$2 == "knn:8" {print $5}' "$tmp/spdep.txt")
echo
printf "queen exact: tanaw %.4f s, spdep poly2nb %.2f s, ratio %.0fx; links %s vs %s (%s)\n" \
  "$tq" "$sq" "$(echo "$sq / $tq" | bc -l)" "$lq" "$rq" "$([ "$lq" = "$rq" ] && echo same || echo DIFFERENT)"
printf "knn:8:       tanaw %.4f s, spdep knearneigh %.2f s, ratio %.0fx; links %s vs %s (%s)\n" \
  "$tk" "$sk" "$(echo "$sk / $tk" | bc -l)" "$lk" "$rk" "$([ "$lk" = "$rk" ] && echo same || echo DIFFERENT)"
printf "peak memory (whole process, reading included): tanaw %s MB, R %s MB\n" \
  "$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$tmp/time_tanaw")" \
  "$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$tmp/time_spdep")"
printf "machine: %s cores, load average %s\n" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
