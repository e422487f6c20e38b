#!/usr/bin/env bash
# bench_barangays.sh: the whole `tanaw gistar` and `tanaw lisa` commands on
# the real barangays (about 42,000 areas, k = 8 nearest neighbours, 999
# permutations) side by side with R spdep on the same rates, in one run.
# Prints wall times (median of RUNS), the ratio spdep / tanaw, peak memory,
# and checks that the analytic z values agree (max |difference|).
#   bench/bench_barangays.sh [RUNS]       (needs scripts/install-deps.sh --peers)
# tanaw's time includes reading the files and writing the output table;
# spdep's covers only knearneigh + the statistic, so the ratio is conservative.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs="${1:-3}"
data="${TANAW_DATA:-$root/../shared/data/ph}"
cd "$root"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target tanaw_cli >/dev/null
tanaw="$root/build-bench/tanaw"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
areas=(--areas "$data/barangays.csv")
"$tanaw" simulate "${areas[@]}" --n 200000 --seed 42 --codes-only --out "$tmp/cases.csv" --quiet

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() { # timed OUT -- cmd...: appends "seconds maxrss_kb" to OUT
  local out="$1"; shift 2
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; exit 1; }
  cat "$tmp/time" >> "$out"
}
for stat in gistar lisa; do
  : > "$tmp/t_$stat"
  for _ in $(seq "$runs"); do
    timed "$tmp/t_$stat" -- "$tanaw" "$stat" "${areas[@]}" --cases "$tmp/cases.csv" --weights knn:8 \
      --permutations 999 --seed 1 --rate per:100000 --out "$tmp/$stat.csv" --quiet
  done
done
cat > "$tmp/peer.R" <<'R'
suppressPackageStartupMessages(library(spdep))
a <- commandArgs(trailingOnly = TRUE)
g <- read.csv(a[1], colClasses = c(id = "character"))
b <- read.csv(a[2], colClasses = c(psgc = "character"))
b <- b[match(g$id, b$psgc), ]
x <- g$rate
coords <- cbind(b$lon, b$lat)
t_knn <- system.time(nb <- knn2nb(knearneigh(coords, k = 8, longlat = TRUE)))[["elapsed"]]
set.seed(1)
t_g <- system.time(G <- localG_perm(x, nb2listw(include.self(nb), style = "B"), nsim = 999))[["elapsed"]]
t_l <- system.time(L <- localmoran_perm(x, nb2listw(nb, style = "W"), nsim = 999))[["elapsed"]]
l <- read.csv(a[3], colClasses = c(id = "character"))
# localG_perm/localmoran_perm report z against the permutation moments; the
# analytic z (same method as tanaw's z column) comes from localG/localmoran.
dz_g <- max(abs(as.numeric(localG(x, nb2listw(include.self(nb), style = "B"))) - g$z))
dz_l <- max(abs(localmoran(x, nb2listw(nb, style = "W"))[, "Z.Ii"] - l$z))
cat(sprintf("%.3f %.3f %.3f %.3g %.3g\n", t_knn, t_g, t_l, dz_g, dz_l))
R
: > "$tmp/t_r"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o "$tmp/rtime" Rscript "$tmp/peer.R" "$tmp/gistar.csv" "$data/barangays.csv" "$tmp/lisa.csv" >> "$tmp/t_r"
  cat "$tmp/rtime" >> "$tmp/t_rmem"
done
n=$(($(wc -l < "$tmp/gistar.csv") - 1))
tg=$(cut -d' ' -f1 "$tmp/t_gistar" | median); mg=$(cut -d' ' -f2 "$tmp/t_gistar" | median)
tl=$(cut -d' ' -f1 "$tmp/t_lisa" | median); ml=$(cut -d' ' -f2 "$tmp/t_lisa" | median)
rk=$(cut -d' ' -f1 "$tmp/t_r" | median)
rg=$(cut -d' ' -f2 "$tmp/t_r" | median); rl=$(cut -d' ' -f3 "$tmp/t_r" | median)
rm_=$(cut -d' ' -f2 "$tmp/t_rmem" | median)
dzg=$(tail -1 "$tmp/t_r" | cut -d' ' -f4); dzl=$(tail -1 "$tmp/t_r" | cut -d' ' -f5)
echo "barangays: $n areas, knn:8, 999 permutations, median of $runs runs"
printf "%-44s %10s %10s %8s\n" "" "tanaw s" "spdep s" "ratio"
printf "%-44s %10.2f %10.2f %8.1f\n" "Gi*: weights + statistic" "$tg" "$(echo "$rk + $rg" | bc -l)" "$(echo "($rk + $rg) / $tg" | bc -l)"
printf "%-44s %10.2f %10.2f %8.1f\n" "local Moran: weights + statistic" "$tl" "$(echo "$rk + $rl" | bc -l)" "$(echo "($rk + $rl) / $tl" | bc -l)"
printf "%-44s %10.2f %10.2f %8.1f\n" "Gi*: statistic only on spdep's side" "$tg" "$rg" "$(echo "$rg / $tg" | bc -l)"
printf "%-44s %10.2f %10.2f %8.1f\n" "local Moran: statistic only on spdep's side" "$tl" "$rl" "$(echo "$rl / $tl" | bc -l)"
echo "(tanaw's times are the whole command, reading files and writing the table included)"
echo "peak memory: tanaw gistar $((mg / 1024)) MB, tanaw lisa $((ml / 1024)) MB, R session (both) $((rm_ / 1024)) MB"
echo "max |z tanaw - z spdep|: Gi* $dzg, local Moran $dzl"
