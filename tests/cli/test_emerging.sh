# test_emerging.sh: `tanaw emerging` on the synthetic geography: a
# background over four years plus a cluster that starts in 2024-Q2; the
# outputs and their shapes, the cube summing to the records, the planted
# cluster found as an emerging hot spot, identical results for 1 and 2
# threads, trends per province, and usage errors. With the shipped data:
# Cebu's municipalities with queen contiguity.
source "$(dirname "$0")/lib.sh"
G="$TMP/geo"
expect_exit 0 "synthetic geography" -- "$TANAW" geography --synthetic --out "$G" --quiet
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
nmun=$(($(wc -l < "$G/municipalities.csv") - 1))
expect_exit 0 "background records" -- "$TANAW" simulate "${M[@]}" --n 6000 --seed 11 \
  --out "$TMP/bg.csv" --quiet
expect_exit 0 "late cluster records" -- "$TANAW" simulate "${M[@]}" --n 1500 --seed 12 \
  --from 2024-04-01 --to 2024-12-31 --cluster 9900112000:5:8 --out "$TMP/late.csv" --quiet
sed -i '2,$s/^/L/' "$TMP/late.csv" # distinct case ids
C=(--cases "$TMP/bg.csv" --cases "$TMP/late.csv" --from 2021-01-01 --to 2024-12-31)
expect_exit 0 "emerging by quarter" -- "$TANAW" emerging "${M[@]}" "${C[@]}" --step quarter \
  --weights knn:6 --out "$TMP/e1.csv" --cube "$TMP/cube.csv" --geojson "$TMP/e.geojson" \
  --map "$TMP/e.png" --trends "$TMP/tr.csv" --trend-level province --chart "$TMP/c.svg" --threads 1
expect_grep "stdout: 16 quarters" "$TMP/out" "x 16 quarters \(2021-Q1 \.\. 2024-Q4\)"
expect_grep "stdout: category counts" "$TMP/out" "no pattern detected +[0-9]+"
check "per-area header" test "$(head -1 "$TMP/e1.csv")" = \
  "id,name,category,category_code,count,trend_z,trend_p,trend_tau,hot_steps,cold_steps,last_z,count_tau,count_p,count_sen_slope"
check "one row per area" test "$(($(wc -l < "$TMP/e1.csv") - 1))" -eq "$nmun"
check "one cube row per area and step" test "$(($(wc -l < "$TMP/cube.csv") - 1))" -eq $((nmun * 16))
check "cube sums to the 7500 records" test "$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$TMP/cube.csv")" -eq 7500
check "per-area counts sum to 7500" test "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$TMP/e1.csv")" -eq 7500
check "planted centre is a new or consecutive hot spot" \
  grep -qE "^9900112000,[^,]*,(new|consecutive) hot spot," "$TMP/e1.csv"
check "its last 3 quarters are hot" grep -qE "^9900112000,Synthetic Town 12,[^,]*,[0-9],[0-9]+,[^,]*,[^,]*,[^,]*,3," "$TMP/e1.csv"
check "an early quarter is not a hot bin there" grep -qE "^9900112000,2021-Q1,2021-01-01,[0-9]+,[^,]*,[^,]*,[^,]*,(not significant|cold)" "$TMP/cube.csv"
check "geojson has category_code" grep -q '"category_code"' "$TMP/e.geojson"
check "png map written" test -s "$TMP/e.png"
check "svg chart written" grep -q "<svg" "$TMP/c.svg"
check "trends: one synthetic province per row" test "$(($(wc -l < "$TMP/tr.csv") - 1))" -ge 2
check "trends header" grep -q "^level,id,name,total,tau,p,sen_slope_per_step,2021-Q1," "$TMP/tr.csv"
expect_exit 0 "emerging with 2 threads" -- "$TANAW" emerging "${M[@]}" "${C[@]}" --step quarter \
  --weights knn:6 --out "$TMP/e2.csv" --threads 2 --quiet
check "identical for 1 and 2 threads" cmp -s "$TMP/e1.csv" "$TMP/e2.csv"
expect_exit 0 "monthly, no correction, 2 time neighbours" -- "$TANAW" emerging "${M[@]}" "${C[@]}" \
  --step month --time-neighbours 2 --correction none --weights knn:6 --out "$TMP/e3.csv" --quiet
expect_grep "stdout: 48 months" "$TMP/out" "x 48 months"

# aggregated counts with dates go into their steps; an undated row is left out once
printf 'psgc,count,report_date\n9900112000,5,2024-01-10\n9900112000,7,2024-04-10\n9900101000,2,2023-02-01\n9900101000,3,\n' > "$TMP/agg.csv"
expect_exit 0 "aggregated counts" -- "$TANAW" emerging "${M[@]}" --counts "$TMP/agg.csv" --from 2023-01-01 \
  --to 2024-12-31 --step quarter --cube "$TMP/agg_cube.csv" --rejects "$TMP/agg_rej.csv"
check "counts in their quarters" test "$(awk -F, 'NR > 1 && $4 > 0 { printf "%s %s %s;", $1, $2, $4 }' "$TMP/agg_cube.csv")" = \
  "9900101000 2023-Q1 2;9900112000 2024-Q1 5;9900112000 2024-Q2 7;"
check "one warning for the undated row" test "$(grep -c "without report_date" "$TMP/err")" -eq 1

# the same records from a case store (tanaw db): the same tables, with and
# without the filters; --db next to --cases adds to them
KEY="$TMP/k.key"; DB="$TMP/s.db"
expect_exit 0 "key new" -- "$TANAW" key new --out "$KEY"
expect_exit 0 "db init" -- "$TANAW" db init --db "$DB"
expect_exit 0 "ingest background" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/bg.csv" --key "$KEY"
expect_exit 0 "ingest late cluster" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/late.csv" --key "$KEY"
E=(--step quarter --weights knn:6 --quiet)
k=0
for f in "" "--source NBI" "--category grooming"; do
  k=$((k + 1)); tag=f$k
  # shellcheck disable=SC2086
  expect_exit 0 "emerging from --cases $f" -- "$TANAW" emerging "${M[@]}" "${C[@]}" $f "${E[@]}" \
    --out "$TMP/c$tag.csv" --cube "$TMP/cc$tag.csv"
  # shellcheck disable=SC2086
  expect_exit 0 "emerging from --db $f" -- "$TANAW" emerging "${M[@]}" --db "$DB" --from 2021-01-01 \
    --to 2024-12-31 $f "${E[@]}" --out "$TMP/d$tag.csv" --cube "$TMP/dc$tag.csv"
  check "--db table identical to --cases ($f)" cmp -s "$TMP/c$tag.csv" "$TMP/d$tag.csv"
  check "--db cube identical to --cases ($f)" cmp -s "$TMP/cc$tag.csv" "$TMP/dc$tag.csv"
done
check "a filter changes the counts" test "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$TMP/df2.csv")" -lt 7500
expect_exit 0 "emerging from --db and --cases" -- "$TANAW" emerging "${M[@]}" --db "$DB" --cases "$TMP/bg.csv" \
  --from 2021-01-01 --to 2024-12-31 --step quarter --weights knn:6 --out "$TMP/dboth.csv" --rejects "$TMP/rej.csv"
expect_grep "both sources read" "$TMP/out" "^records: 13500 read, 13500 accepted"
check "both sources counted" test "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$TMP/dboth.csv")" -eq 13500
expect_exit 2 "missing store" -- "$TANAW" emerging "${M[@]}" --db "$TMP/none.db" --from 2021-01-01 --to 2024-12-31
expect_exit 1 "no records at all" -- "$TANAW" emerging "${M[@]}" --from 2021-01-01 --to 2024-12-31
expect_grep "says --db" "$TMP/err" "give case records with --cases FILE or --db STORE"

expect_exit 1 "dates are required" -- "$TANAW" emerging "${M[@]}" --cases "$TMP/bg.csv"
expect_grep "says why" "$TMP/err" "--from DATE and --to DATE are required"
expect_exit 1 "unknown step" -- "$TANAW" emerging "${M[@]}" "${C[@]}" --step fortnight
expect_exit 1 "one step is not a trend" -- "$TANAW" emerging "${M[@]}" --cases "$TMP/bg.csv" \
  --from 2024-01-01 --to 2024-12-31 --step year
expect_grep "says how many" "$TMP/err" "gives 1 year step"
expect_exit 1 "bad correction" -- "$TANAW" emerging "${M[@]}" "${C[@]}" --correction holm
expect_exit 1 "bad date" -- "$TANAW" emerging "${M[@]}" --cases "$TMP/bg.csv" --from 2021-13-01 --to 2024-12-31
expect_exit 3 "unwritable output" -- "$TANAW" emerging "${M[@]}" "${C[@]}" --out /nonexistent/x.csv \
  --rejects "$TMP/rej.csv" --quiet
expect_grep "names the output" "$TMP/err" "/nonexistent/x.csv"
expect_exit 3 "unwritable rejects file" -- "$TANAW" emerging "${M[@]}" "${C[@]}" --out /nonexistent/x.csv --quiet

if [ -n "$DATA" ] && [ -f "$DATA/cebu_metro/municipalities.geojson" ]; then
  CM=(--areas "$DATA/cebu_metro/municipalities.geojson" --areas "$DATA/cebu_metro/municipalities.csv")
  expect_exit 0 "cebu records" -- "$TANAW" simulate "${CM[@]}" --n 8000 --seed 5 --out "$TMP/cebu.csv" --quiet
  expect_exit 0 "cebu emerging, queen" -- "$TANAW" emerging "${CM[@]}" --cases "$TMP/cebu.csv" \
    --from 2021-01-01 --to 2024-12-31 --step quarter --weights queen --out "$TMP/cebu_e.csv" --quiet
  check "53 cebu areas" test "$(($(wc -l < "$TMP/cebu_e.csv") - 1))" -eq 53
else
  echo "skip: shipped data not found" >&2
fi
finish
