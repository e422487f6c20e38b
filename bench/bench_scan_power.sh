#!/usr/bin/env bash
# bench_scan_power.sh: detection power of `tanaw scan` on the real
# municipalities, as issue 3 asks: RUNS data sets from `tanaw simulate`
# (N records, a cluster of relative risk 3 in a centre municipality and its
# 3 nearest), each scanned with 99 replicas. Prints the share of runs whose
# most likely cluster has p < 0.05 and overlaps the planted areas, and the
# mean sensitivity (planted areas inside the most likely cluster / 4) and
# positive predictive value (its areas that were planted / its size).
#   bench/bench_scan_power.sh [RUNS] [N] [CENTRE_PSGC]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs="${1:-20}"; n="${2:-3000}"; centre="${3:-0402105000}"
data="${TANAW_DATA:-$root/../shared/data/ph}"
cd "$root"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j"$(nproc)" --target tanaw_cli >/dev/null
t="$root/build-bench/tanaw"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
A=(--areas "$data/municipalities.geojson" --areas "$data/municipalities.csv")
# planted areas: the centre and its 3 nearest by great-circle distance (as simulate)
awk -F, -v c="$centre" 'NR==1 {for (i=1;i<=NF;i++) h[$i]=i; next}
  {id[NR]=$h["psgc"]; lo[NR]=$h["lon"]; la[NR]=$h["lat"]; if ($h["psgc"]==c) k=NR}
  END {pi=3.141592653589793; for (i in id) {
    dl=(la[i]-la[k])*pi/180; do_=(lo[i]-lo[k])*pi/180
    a=sin(dl/2)^2+cos(la[k]*pi/180)*cos(la[i]*pi/180)*sin(do_/2)^2
    print 2*atan2(sqrt(a),sqrt(1-a)) "," id[i]}}' "$data/municipalities.csv" |
  sort -t, -g -k1 | awk -F, 'NR <= 4 {print $2}' > "$tmp/planted"
det=0; sens=0; ppv=0
for s in $(seq 1 "$runs"); do
  "$t" simulate "${A[@]}" --n "$n" --seed "$s" --cluster "$centre:4:3" --codes-only --out "$tmp/c.csv" --quiet
  "$t" scan "${A[@]}" --cases "$tmp/c.csv" --replicas 99 --seed "$s" --max-clusters 1 \
    --out "$tmp/cl.csv" --members "$tmp/m.csv" --quiet >/dev/null
  p=$(awk -F, 'NR==2 {print $14}' "$tmp/cl.csv")
  tail -n +2 "$tmp/m.csv" | cut -d, -f1 | sort > "$tmp/found"
  hit=$(comm -12 "$tmp/found" <(sort "$tmp/planted") | wc -l)
  size=$(wc -l < "$tmp/found")
  if awk -v p="$p" -v h="$hit" 'BEGIN {exit !(p < 0.05 && h > 0)}'; then det=$((det + 1)); fi
  sens=$(echo "$sens + $hit / 4" | bc -l)
  [ "$size" -gt 0 ] && ppv=$(echo "$ppv + $hit / $size" | bc -l)
done
printf "planted: %s (RR 3, 4 municipalities), %s records, %s runs\n" "$(paste -sd' ' "$tmp/planted")" "$n" "$runs"
printf "detected (p < 0.05, overlapping): %d of %d = %.2f; sensitivity %.2f; PPV %.2f\n" \
  "$det" "$runs" "$(echo "$det / $runs" | bc -l)" "$(echo "$sens / $runs" | bc -l)" "$(echo "$ppv / $runs" | bc -l)"
