# test_pipeline.sh: the whole chain on the built-in synthetic geography:
# geography -> simulate (planted cluster) -> gistar/lisa/moran/weights, the
# output columns, determinism across thread counts and seeds, GAL round
# trip, and dissolving barangays to municipalities.
source "$(dirname "$0")/lib.sh"
G="$TMP/geo"
expect_exit 0 "synthetic geography" -- "$TANAW" geography --synthetic --out "$G" --quiet
for f in municipalities.geojson municipalities.csv barangays.geojson barangays.csv; do
  check "wrote $f" test -s "$G/$f"
done
nmun=$(($(wc -l < "$G/municipalities.csv") - 1))
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
B=(--areas "$G/barangays.geojson" --areas "$G/barangays.csv")
expect_exit 0 "simulate with a planted cluster" -- "$TANAW" simulate "${M[@]}" --n 6000 --seed 11 \
  --cluster 9900112000:5:4 --out "$TMP/cases.csv" --quiet
check "simulate wrote 6000 records" test "$(($(wc -l < "$TMP/cases.csv") - 1))" -eq 6000
expect_exit 0 "simulate is deterministic" -- "$TANAW" simulate "${M[@]}" --n 6000 --seed 11 \
  --cluster 9900112000:5:4 --out "$TMP/cases2.csv" --quiet
check "same seed, same file" cmp -s "$TMP/cases.csv" "$TMP/cases2.csv"

base=(--cases "$TMP/cases.csv" --permutations 199 --seed 3 --quiet)
run=("${base[@]}" --weights knn:6)
expect_exit 0 "gistar" -- "$TANAW" gistar "${M[@]}" "${run[@]}" --out "$TMP/g1.csv" \
  --geojson "$TMP/g.geojson" --map "$TMP/g.png" --threads 1
check "gistar header" test "$(head -1 "$TMP/g1.csv" | cut -d, -f1-10)" = \
  "id,name,count,population,rate,statistic,z,p,p_adjusted,class"
check "one row per municipality" test "$(($(wc -l < "$TMP/g1.csv") - 1))" -eq "$nmun"
check "gistar ends with the neighbours column" test "$(head -1 "$TMP/g1.csv" | cut -d, -f11-)" = \
  "expected,variance,p_perm,neighbours"
check "knn:6: six neighbours each" test "$(awk -F, 'NR > 1 && $NF != 6' "$TMP/g1.csv" | wc -l)" -eq 0
check "planted centre is a hot spot" grep -qE "^9900112000,[^,]*,.*,hot (99|95|90)%" "$TMP/g1.csv"
expect_grep "stdout lists top hotspots" "$TMP/out" "top hotspots"
check "geojson written" grep -q '"FeatureCollection"' "$TMP/g.geojson"
check "png written" test -s "$TMP/g.png"
expect_exit 0 "gistar with 2 threads" -- "$TANAW" gistar "${M[@]}" "${run[@]}" --out "$TMP/g2.csv" --threads 2
check "identical for 1 and 2 threads" cmp -s "$TMP/g1.csv" "$TMP/g2.csv"

expect_exit 0 "lisa" -- "$TANAW" lisa "${M[@]}" "${run[@]}" --out "$TMP/l.csv" --map "$TMP/l.svg"
check "lisa has quadrant_code" grep -q "quadrant_code" "$TMP/l.csv"
expect_exit 0 "gistar with queen" -- "$TANAW" gistar "${M[@]}" "${base[@]}" --weights queen --out "$TMP/gq.csv"
expect_exit 0 "queen weights as GAL" -- "$TANAW" weights "${M[@]}" --weights queen --out "$TMP/q.gal" --quiet
check "neighbours column = the GAL's neighbour counts" python3 -c "
import csv, sys
g = open('$TMP/q.gal').read().split('\n')[1:]
gal = {g[k].split()[0]: g[k].split()[1] for k in range(0, len(g) - 1, 2)}
rows = list(csv.DictReader(open('$TMP/gq.csv')))
sys.exit(0 if rows and all(gal[r['id']] == r['neighbours'] for r in rows) else 1)"
check "svg map written" grep -q "<svg" "$TMP/l.svg"
expect_exit 0 "moran" -- "$TANAW" moran "${M[@]}" "${run[@]}" --out "$TMP/m.csv"
check "moran columns" grep -q "^I,expected,variance,z,p,p_perm" "$TMP/m.csv"

expect_exit 0 "weights queen to GAL" -- "$TANAW" weights "${M[@]}" --weights queen --out "$TMP/q.gal"
expect_grep "weights summary: components" "$TMP/out" "connected components: [0-9]+"
expect_grep "weights summary: islands" "$TMP/out" "areas without neighbours: [0-9]+"
expect_exit 0 "gistar with queen" -- "$TANAW" gistar "${M[@]}" "${base[@]}" --weights queen --out "$TMP/q1.csv"
expect_exit 0 "gistar with the GAL file" -- "$TANAW" gistar "${M[@]}" "${base[@]}" --weights "gal:$TMP/q.gal" --out "$TMP/q2.csv"
check "GAL round trip gives the same Gi*" cmp -s "$TMP/q1.csv" "$TMP/q2.csv"

# Barangay records counted on barangays dissolved to municipalities equal the
# counts on the municipality polygons.
expect_exit 0 "simulate over barangays" -- "$TANAW" simulate "${B[@]}" --n 3000 --seed 5 --out "$TMP/bc.csv" --quiet
expect_exit 0 "gistar on municipalities" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/bc.csv" --weights knn:4 --permutations 0 --out "$TMP/a.csv" --quiet
expect_exit 0 "gistar on dissolved barangays" -- "$TANAW" gistar "${B[@]}" --level municipality --cases "$TMP/bc.csv" --weights knn:4 --permutations 0 --out "$TMP/b.csv" --quiet
check "same counts either way" test "$(cut -d, -f1,3 "$TMP/a.csv" | sort | md5sum)" = "$(cut -d, -f1,3 "$TMP/b.csv" | sort | md5sum)"
expect_exit 1 "level finer than the areas" -- "$TANAW" gistar "${M[@]}" --level barangay --cases "$TMP/bc.csv"
finish
