#!/usr/bin/env bash
# demo.sh: the main job on the embedded default. Builds Tanaw and runs the
# whole path an analyst follows, on synthetic referrals over the real
# Philippine geography ($TANAW_DATA or ../shared/data/ph):
#   simulate several agencies' referrals of the same incidents (messy
#   identifiers, mixed location precision, planted clusters) ->
#   case store (SQLite; identifiers pseudonymised with a key) ->
#   cross-agency deduplication (incidents, not records) ->
#   Getis-Ord Gi* hot spots, Kulldorff scan, emerging hot spots ->
#   a public version of the hot spot table and map (small counts withheld).
# Outputs go to out/demo/. Without the real geography it falls back to the
# built-in synthetic geography and a plain Gi* run.
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

if ! [ -f "$data/municipalities.geojson" ] || ! [ -f "$data/municipalities.csv" ]; then
  echo "geography: $data not found; using the built-in synthetic geography"
  geo="$out/geo"
  "$tanaw" geography --synthetic --out "$geo" --quiet
  areas=(--areas "$geo/municipalities.geojson" --areas "$geo/municipalities.csv")
  "$tanaw" simulate "${areas[@]}" --n 2000 --seed 2024 --cluster 9900112000:5:3 \
    --from 2021-01-01 --to 2024-12-31 --out "$out/cases.csv" --quiet
  "$tanaw" gistar "${areas[@]}" --cases "$out/cases.csv" --weights knn:8 --permutations 999 \
    --seed 1 --rate eb --correction fdr --out "$out/gistar.csv" --geojson "$out/gistar.geojson" \
    --map "$out/gistar.png" --title "Synthetic OSEC referrals: hot and cold spots" --quiet
  echo "demo outputs in out/demo/: cases.csv (synthetic), gistar.csv, gistar.geojson, gistar.png"
  exit 0
fi

echo "geography: $data (PSGC 4Q 2023, 2020 census)"
areas=(--areas "$data/municipalities.geojson" --areas "$data/municipalities.csv")
# Points moved off the coast by IP geolocation are placed on the nearest
# municipality within 20 km; EB rates steady the small municipalities.
common=(--db "$out/store.sqlite" --level municipality --snap 20 --seed 1 --quiet)

echo
echo "== 1. simulate: 20,000 synthetic incidents referred by up to 6 agencies (synthetic!)"
# Planted clusters: Lapu-Lapu City and its neighbours in Metro Cebu throughout
# (relative risk 3), and Taguig and its neighbours from 2023 (an emerging one).
"$tanaw" simulate "${areas[@]}" --n 20000 --seed 2024 \
  --cluster 0731100000:6:3 --cluster 1381500000:5:3:2023-01-01 \
  --from 2021-01-01 --to 2024-12-31 --agencies 6 --duplicates 0.3 --id-noise 1 \
  --truth "$out/truth.csv" --out "$out/referrals.csv" --quiet
echo "$(($(wc -l < "$out/referrals.csv") - 1)) referrals in out/demo/referrals.csv (truth: out/demo/truth.csv)"

echo
echo "== 2. case store: ingest with pseudonymised identifiers, then link duplicates"
rm -f "$out/store.sqlite" "$out/store.sqlite-wal" "$out/store.sqlite-shm"
# A demo keeps its key next to the data; a deployment keeps it elsewhere (docs/store.md).
[ -f "$out/demo.key" ] || "$tanaw" key new --out "$out/demo.key" >/dev/null
"$tanaw" db init --db "$out/store.sqlite" --quiet
"$tanaw" db ingest --db "$out/store.sqlite" --agency demo --file "$out/referrals.csv" \
  --key "$out/demo.key" --quiet
"$tanaw" dedup --db "$out/store.sqlite" "${areas[@]}"
"$tanaw" db incidents --db "$out/store.sqlite" --out "$out/incidents.csv" --quiet

echo
echo "== 3. Getis-Ord Gi* hot spots of incidents per 100,000 people (EB rates, knn:8, FDR)"
"$tanaw" gistar "${areas[@]}" "${common[@]}" --weights knn:8 --permutations 999 \
  --rate eb --correction fdr --out "$out/gistar.csv" --geojson "$out/gistar.geojson" \
  --map "$out/gistar.png" --title "Synthetic OSEC incidents: hot and cold spots by city/municipality" \
  | sed -n '/^significant/,$p'

echo
echo "== 4. Kulldorff scan (Poisson, 999 replicas): the most likely cluster"
"$tanaw" scan "${areas[@]}" "${common[@]}" --replicas 999 --out "$out/clusters.csv" \
  --members "$out/members.csv" --map "$out/clusters.png" \
  | sed -n '/^Most likely cluster/,/^ *p-value/p'

echo
echo "== 5. emerging hot spots by quarter, 2021-2024"
"$tanaw" emerging "${areas[@]}" "${common[@]}" --step quarter --from 2021-01-01 \
  --to 2024-12-31 --out "$out/emerging.csv" --map "$out/emerging.png" \
  | sed -n '/^categories/,/^areas with/p' | sed '$d'
grep -E '^(0731100000|1381500000),' "$out/emerging.csv" | cut -d, -f2,3 | sed 's/^/  /'

echo
echo "== 6. public version: counts under 10 and their complements withheld"
"$tanaw" gistar "${areas[@]}" "${common[@]}" --weights knn:8 --permutations 999 \
  --rate eb --correction fdr --public --out "$out/public_gistar.csv" \
  --map "$out/public_gistar.png" --title "Synthetic OSEC incidents (public version)" \
  | grep -E '^(public output|national total|audit)'

echo
echo "demo outputs in out/demo/: referrals.csv and truth.csv (synthetic), store.sqlite,"
echo "incidents.csv, gistar.{csv,geojson,png}, clusters.csv, members.csv, clusters.png,"
echo "emerging.{csv,png}, public_gistar.{csv,png}"
