#!/usr/bin/env bash
# demo.sh: the main job on the embedded default. Builds Tanaw, simulates
# synthetic case records over the real Philippine geography ($TANAW_DATA or
# ../shared/data/ph; the built-in synthetic geography when it is absent),
# runs Getis-Ord Gi* at city/municipality level and writes the table,
# GeoJSON and map to out/demo/, printing the top hotspots by name.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" --target tanaw_cli >/dev/null
tanaw="$root/build/tanaw"
out="$root/out/demo"
mkdir -p "$out"
data="${TANAW_DATA:-$root/../shared/data/ph}"
if [ -f "$data/municipalities.geojson" ] && [ -f "$data/municipalities.csv" ]; then
  echo "geography: $data (PSGC 4Q 2023, 2020 census)"
  # Planted clusters (synthetic!): Lapu-Lapu City and its neighbours in Metro Cebu,
  # and Taguig in Metro Manila, each with relative risk 3.
  clusters=(--cluster 0731100000:6:3 --cluster 1381500000:5:3)
  n=20000
else
  echo "geography: $data not found; using the built-in synthetic geography"
  data="$out/geo"
  "$tanaw" geography --synthetic --out "$data" --quiet
  clusters=(--cluster 9900112000:5:3)
  n=2000
fi
areas=(--areas "$data/municipalities.geojson" --areas "$data/municipalities.csv")
"$tanaw" simulate "${areas[@]}" --n "$n" --seed 2024 "${clusters[@]}" \
  --from 2021-01-01 --to 2024-12-31 --out "$out/cases.csv"
"$tanaw" gistar "${areas[@]}" --cases "$out/cases.csv" --level municipality \
  --weights knn:8 --permutations 999 --seed 1 --rate per:100000 --correction fdr \
  --out "$out/gistar.csv" --geojson "$out/gistar.geojson" --map "$out/gistar.png" \
  --title "Synthetic OSEC referrals: hot and cold spots by city/municipality"
echo "demo outputs in out/demo/: cases.csv (synthetic), gistar.csv, gistar.geojson, gistar.png"
