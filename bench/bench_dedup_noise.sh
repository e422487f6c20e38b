#!/usr/bin/env bash
# bench_dedup_noise.sh: how linking accuracy depends on the evidence the
# referrals carry (docs/dedup.md, "How much evidence the records carry").
# Simulates the Cebu metro barangays (4,000 incidents, 30 % referred more
# than once, seed 5, as tests/cli/test_dedup.sh) at several --id-noise
# scales (the miss rates of identifiers and references scaled; 1 is the
# documented default) and prints precision and recall of the linking core
# with the barangays' contiguity, identifiers only and with referral
# references (referred_from). Needs the data folder and bench_dedup built:
#   cmake --build BUILD --target tanaw_cli bench_dedup
#   bench/bench_dedup_noise.sh BUILD [SCALES...]
set -euo pipefail
B=$(cd "${1:?usage: bench_dedup_noise.sh BUILD [SCALES...]}" && pwd)
shift
SCALES=("$@")
[ ${#SCALES[@]} -gt 0 ] || SCALES=(0.25 0.5 0.75 1 1.5)
SRC=$(cd "$(dirname "$0")/.." && pwd)
D=${TANAW_DATA:-$SRC/../shared/data/ph}/cebu_metro
W=$(mktemp -d "${TMPDIR:-/tmp}/bench-dedup-noise-XXXXXX")
trap 'rm -rf "$W"' EXIT
printf '%-6s %-17s %-9s %-9s %-9s %s\n' noise evidence precision recall rec_link no_evidence
for s in "${SCALES[@]}"; do
  "$B/tanaw" simulate --areas "$D/barangays.geojson" --areas "$D/barangays.csv" --n 4000 \
    --seed 5 --agencies 6 --duplicates 0.3 --id-noise "$s" --truth "$W/t.csv" --out "$W/r.csv" \
    --quiet
  for ev in identifiers references; do
    extra=()
    [ "$ev" = identifiers ] && extra=(--no-references)
    "$B/bench_dedup" "$W/r.csv" "$W/t.csv" "$D/barangays.geojson" "$D/barangays.csv" queen \
      "${extra[@]}" > "$W/o.txt"
    awk -v s="$s" -v ev="$ev" '
      /^linkable_pairs/ { lk = $2; rl = $6 }
      /^pairs_true/ { pt = $2; p = $8; r = $10 }
      END { printf "%-6s %-17s %-9s %-9s %-9s %.3f\n", s, ev, p, r, rl, 1 - lk / pt }' "$W/o.txt"
  done
done
