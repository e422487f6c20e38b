# test_errors.sh: bad input gives a clear error naming file, line and field,
# and a non-zero exit; bad rows go to the rejects file and are counted.
source "$(dirname "$0")/lib.sh"
G="$TMP/geo"
"$TANAW" geography --synthetic --out "$G" --quiet
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
cat > "$TMP/good.csv" <<CSV
case_id,report_date,source,lon,lat,psgc,children,category
c1,2023-05-01,PNP-WCPC,,,9900101000,1,livestreaming
c2,2023-05-02,CyberTipline,121.05,11.05,,2,
CSV

printf 'case_id,report_date,source,psgc\nc1,2023-05-01,NBI,"9900101000\n' > "$TMP/trunc.csv"
expect_exit 2 "truncated quoted field" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/trunc.csv" --quiet
expect_grep "names file and line" "$TMP/err" "trunc.csv:2"

: > "$TMP/empty.csv"
expect_exit 2 "empty cases file" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/empty.csv" --quiet
expect_grep "names the empty file" "$TMP/err" "empty.csv"

expect_exit 2 "missing cases file" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/nope.csv" --quiet
expect_grep "names the missing file" "$TMP/err" "nope.csv"

printf 'case_id,report_date,source,psgc,victim_name\nc1,2023-05-01,NBI,9900101000,x\n' > "$TMP/pii.csv"
expect_exit 2 "personal data column refused" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/pii.csv" --quiet
expect_grep "says which column" "$TMP/err" "victim_name"

cat > "$TMP/mixed.csv" <<CSV
case_id,report_date,source,lon,lat,psgc
ok1,2023-05-01,NBI,,,9900101000
ok2,2023-05-01,NBI,,,9900102000
badlon,2023-05-01,NBI,nan,11.0,
farlat,2023-05-01,NBI,121.0,95.0,
baddate,2023-02-30,NBI,,,9900101000
nocode,2023-05-01,NBI,,,
unknown,2023-05-01,NBI,,,9900199000
CSV
expect_exit 0 "bad rows are rejected, good ones kept" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/mixed.csv" \
  --weights knn:4 --permutations 0 --rejects "$TMP/rej.csv" --out "$TMP/o.csv"
expect_grep "summary counts rejected rows" "$TMP/out" "7 read, 3 accepted, 4 rejected"
expect_grep "unknown code reported" "$TMP/out" "unknown PSGC codes \(not counted\): 1"
check "rejects file has the 4 rows" test "$(($(wc -l < "$TMP/rej.csv") - 1))" -eq 4
expect_grep "reject names the line and field of the NaN" "$TMP/rej.csv" "mixed.csv,4,lon"
expect_grep "reject names the out-of-range latitude" "$TMP/rej.csv" "mixed.csv,5,lat"
expect_grep "reject names the impossible date" "$TMP/rej.csv" "mixed.csv,6,report_date"

printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"psgc":"0100000001"},\n"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}' > "$TMP/broken.geojson"
expect_exit 2 "truncated GeoJSON" -- "$TANAW" gistar --areas "$TMP/broken.geojson" --cases "$TMP/good.csv" --quiet
expect_grep "GeoJSON error names the file" "$TMP/err" "broken.geojson"

printf '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"psgc":"0100000001"},"geometry":{"type":"Point","coordinates":[121,11]}}]}\n' > "$TMP/point.geojson"
expect_exit 2 "non-polygon GeoJSON" -- "$TANAW" gistar --areas "$TMP/point.geojson" --cases "$TMP/good.csv" --quiet
expect_grep "says polygon" "$TMP/err" "[Pp]olygon"

{ head -2 "$G/municipalities.csv"; sed -n 2p "$G/municipalities.csv"; } > "$TMP/dup.csv"
expect_exit 2 "duplicate area ids" -- "$TANAW" gistar --areas "$TMP/dup.csv" --cases "$TMP/good.csv" --rate count --quiet
expect_grep "says duplicate" "$TMP/err" "duplicate"

expect_exit 1 "bad weights spec" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/good.csv" --weights knn:zero --quiet
expect_exit 3 "unwritable output table" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/good.csv" --weights knn:4 \
  --permutations 0 --rejects "$TMP/rejects.csv" --out "$TMP/no/such/dir/o.csv" --quiet
expect_grep "names the output" "$TMP/err" "no/such/dir/o.csv"
expect_exit 3 "unwritable rejects file" -- "$TANAW" gistar "${M[@]}" --cases "$TMP/good.csv" --weights knn:4 \
  --permutations 0 --out "$TMP/no/such/dir/o.csv" --quiet
expect_grep "names the rejects file" "$TMP/err" "o.rejects.csv"
finish
