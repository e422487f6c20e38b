#!/usr/bin/env bash
# bench_dedup.sh: precision, recall and time of cross-agency dedup on
# 100,000 simulated incidents over all barangays (docs/dedup.md, "Accuracy
# on simulated referrals"). Needs the data folder and a build folder with
# the tanaw and bench_dedup targets built:
#   cmake --build BUILD --target tanaw_cli bench_dedup
#   bench/bench_dedup.sh BUILD [N]
# Prints bench_dedup's lines (core only: PSGC rule, then barangay
# contiguity) and the wall time of `tanaw dedup` end to end on a SQLite
# store, three runs each (quote the median).
set -euo pipefail
B=$(cd "${1:?usage: bench_dedup.sh BUILD [N]}" && pwd)
N=${2:-100000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
D=${TANAW_DATA:-$SRC/../shared/data/ph}
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-dedup-XXXXXX")
trap 'rm -rf "$W"' EXIT
A=(--areas "$D/barangays.geojson" --areas "$D/barangays.csv")
"$B/tanaw" simulate "${A[@]}" --n "$N" --seed 7 --agencies 6 --duplicates 0.3 --id-noise 1 \
  --truth "$W/t.csv" --out "$W/r.csv" --quiet
echo "== linking core, PSGC hierarchy"
"$B/bench_dedup" "$W/r.csv" "$W/t.csv"
echo "== linking core, barangay contiguity (queen)"
"$B/bench_dedup" "$W/r.csv" "$W/t.csv" "$D/barangays.geojson" "$D/barangays.csv" queen
echo "== linking core, barangay contiguity, identifiers only (referred_from ignored)"
"$B/bench_dedup" "$W/r.csv" "$W/t.csv" "$D/barangays.geojson" "$D/barangays.csv" queen \
  --no-references
"$B/tanaw" key new --out "$W/k.key" >/dev/null
"$B/tanaw" db init --db "$W/s.db" >/dev/null
/usr/bin/time -f "ingest: %e s, %M KB" "$B/tanaw" db ingest --db "$W/s.db" --agency SIM \
  --file "$W/r.csv" --key "$W/k.key" --max-date 2026-12-31 >/dev/null
for i in 1 2 3; do
  /usr/bin/time -f "tanaw dedup (PSGC): %e s, %M KB" "$B/tanaw" dedup --db "$W/s.db" >/dev/null
done
for i in 1 2 3; do
  /usr/bin/time -f "tanaw dedup (barangay contiguity): %e s, %M KB" "$B/tanaw" dedup \
    --db "$W/s.db" "${A[@]}" --weights queen --quiet >/dev/null
done
/usr/bin/time -f "tanaw db incidents --links: %e s, %M KB" "$B/tanaw" db incidents \
  --db "$W/s.db" --out "$W/i.csv" --links "$W/l.csv" >/dev/null
