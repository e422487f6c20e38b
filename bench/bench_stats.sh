#!/usr/bin/env bash
# bench_stats.sh: Gi* and local Moran with 999 conditional permutations on
# the real barangays (about 42,000 areas, k = 8 nearest neighbours),
# tanaw's library (bench/bench_stats.c) against R spdep on the same
# weights and the same x, in one run. spdep builds the weights
# (knearneigh(longlat = TRUE) on barangays.csv lon/lat, knn2nb) and writes
# them as a GAL file that tanaw reads, so both use identical neighbours.
# Prints the time of each statistic, the ratio spdep / tanaw, the peak
# memory of each process, and the largest difference of the analytic z
# (which must be ~1e-12: same method).
#   bench/bench_stats.sh [THREADS]        (default: all cores)
# spdep runs single-threaded (its default); tanaw uses THREADS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
threads="${1:-0}"
data="${TANAW_DATA:-$root/../shared/data/ph}"
build="$root/build-bench-stats"
# Warnings are not errors here: a benchmark should not stop on a new warning.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTANAW_WERROR=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target bench_stats >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/peer.R" <<'R'
suppressPackageStartupMessages(library(spdep))
a <- commandArgs(trailingOnly = TRUE)
b <- read.csv(a[1], colClasses = c(psgc = "character"))
# barangays without coordinates cannot have distance neighbours: both
# programs use the areas that have them (written to a[5]).
b <- b[!is.na(b$lon) & !is.na(b$lat), ]
write.csv(b[, c("psgc", "name", "lon", "lat", "pop2020")], a[5], row.names = FALSE)
tk <- system.time(nb <- knn2nb(knearneigh(cbind(b$lon, b$lat), k = 8, longlat = TRUE),
                               row.names = b$psgc))[["elapsed"]]
write.nb.gal(nb, a[2], oldstyle = FALSE, shpfile = "barangays", ind = "psgc")
# x: simulated counts (Poisson, population-proportional, with two clusters)
# as a rate per 100,000; zero where the population is 0.
set.seed(1)
pop <- ifelse(is.na(b$pop2020), 0, b$pop2020)
rr <- ifelse(substr(b$psgc, 1, 4) %in% c("0722", "1380"), 3, 1)
cnt <- rpois(nrow(b), pop * 5e-5 * rr)
x <- ifelse(pop > 0, cnt / pmax(pop, 1) * 1e5, 0)
write.csv(data.frame(id = b$psgc, x = sprintf("%.17g", x)), a[3], row.names = FALSE, quote = FALSE)
lwB <- nb2listw(include.self(nb), style = "B")
lwW <- nb2listw(nb, style = "W")
t1 <- system.time(G <- localG(x, lwB))[["elapsed"]]
set.seed(2)
t2 <- system.time(GP <- localG_perm(x, lwB, nsim = 999))[["elapsed"]]
t3 <- system.time(L <- localmoran(x, lwW))[["elapsed"]]
set.seed(3)
t4 <- system.time(LP <- localmoran_perm(x, lwW, nsim = 999))[["elapsed"]]
write.csv(data.frame(id = b$psgc, gz = sprintf("%.17g", as.numeric(G)),
                     lz = sprintf("%.17g", L[, "Z.Ii"])), a[4], row.names = FALSE, quote = FALSE)
cat(sprintf("spdep knearneigh+knn2nb %.2f s\n", tk))
cat(sprintf("spdep localG %.3f s, localG_perm(999) %.2f s, localmoran %.3f s, localmoran_perm(999) %.2f s\n",
            t1, t2, t3, t4))
cat(sprintf("SPDEP_PERM_SECONDS %.3f %.3f\n", t2, t4))
R

echo "== spdep (R $(Rscript -e 'cat(R.version$major, R.version$minor, sep=".")'), spdep $(Rscript -e 'cat(format(packageVersion("spdep")))'))"
/usr/bin/time -f "%e %M" -o "$tmp/time_r" Rscript "$tmp/peer.R" "$data/barangays.csv" \
    "$tmp/knn8.gal" "$tmp/x.csv" "$tmp/r_z.csv" "$tmp/areas.csv" | tee "$tmp/r_out"
echo "== tanaw (threads: ${threads/#0/all})"
/usr/bin/time -f "%e %M" -o "$tmp/time_t" "$build/bench_stats" --areas "$tmp/areas.csv" \
    --gal "$tmp/knn8.gal" --x "$tmp/x.csv" --perm 999 --threads "$threads" --out "$tmp/t_z.csv" \
    | tee "$tmp/t_out"

read -r _ rg rl < <(grep SPDEP_PERM_SECONDS "$tmp/r_out")
tg=$(sed -n 's/.*gistar \([0-9.]*\) s.*/\1/p' "$tmp/t_out")
tl=$(sed -n 's/.*lisa \([0-9.]*\) s.*/\1/p' "$tmp/t_out")
read -r _ rmem < "$tmp/time_r"
read -r _ tmem < "$tmp/time_t"
echo "== summary (999 permutations)"
awk -v rg="$rg" -v rl="$rl" -v tg="$tg" -v tl="$tl" -v rm="$rmem" -v tm="$tmem" 'BEGIN {
  printf "Gi*:         spdep localG_perm %8.2f s   tanaw %7.3f s   ratio %6.1fx\n", rg, tg, rg / tg
  printf "local Moran: spdep localmoran_perm %6.2f s   tanaw %7.3f s   ratio %6.1fx\n", rl, tl, rl / tl
  printf "peak memory: R process %.0f MB (incl. knn), tanaw process %.0f MB\n", rm / 1024, tm / 1024
}'
# analytic z must agree (same formulas); compare by id
awk -F, 'NR == FNR { if (FNR > 1) { g[$1] = $2; l[$1] = $3 } next }
  FNR > 1 && ($1 in g) {
    if (g[$1] != "NA" && $2 != "nan") { d = g[$1] - $2; if (d < 0) d = -d; if (d > mg) mg = d }
    if (l[$1] != "NA" && $4 != "nan") { d = l[$1] - $4; if (d < 0) d = -d; if (d > ml) ml = d }
    n++ }
  END { printf "max |z difference| over %d areas: Gi* %.3g, local Moran %.3g\n", n, mg, ml }' \
  "$tmp/r_z.csv" "$tmp/t_z.csv"
