# test_kde.sh: `tanaw kde` on synthetic records with coordinates: the grid
# files (.asc header, .prj, CSV of cells), the mass on the grid, the
# reported difference from the exact sum (0 for --mode exact), a fixed
# grid size, bandwidth rules, population adjustment, a fixed extent equal
# to density.ppp end to end (golden), and usage errors.
source "$(dirname "$0")/lib.sh"
G="$TMP/geo"
expect_exit 0 "synthetic geography" -- "$TANAW" geography --synthetic --out "$G" --quiet
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
expect_exit 0 "records" -- "$TANAW" simulate "${M[@]}" --n 5000 --seed 3 --cluster 9900112000:4:5 \
  --out "$TMP/cases.csv" --quiet
npts=$(awk -F, 'NR > 1 && $4 != "" { n++ } END { print n }' "$TMP/cases.csv")
expect_exit 0 "kde, 4 km gaussian, 2 km cells" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 4 \
  --cell 2 --areas "$G/municipalities.geojson" --out "$TMP/d.asc" --cells "$TMP/d.csv" --map "$TMP/d.png"
expect_grep "stdout: points counted" "$TMP/out" "^kernel density: $npts points"
expect_grep "stdout: sigma" "$TMP/out" "sigma 4 km, spatstat mode"
# a margin of three bandwidths keeps all but ~0.3 % of the kernels' mass
check "stdout: mass on the grid is the number of points" awk -v n="$npts" \
  '/mass on the grid/ { m = $(NF-2) } END { exit !(m > 0.997 * n && m <= n * (1 + 1e-9)) }' "$TMP/out"
expect_grep "stdout: difference from the exact sum" "$TMP/out" "difference from the exact kernel sum at 2000 sampled cells"
check "asc header" grep -qE "^ncols [0-9]+$" "$TMP/d.asc"
check "asc cellsize 2000 m" grep -q "^cellsize 2000$" "$TMP/d.asc"
check "prj is UTM 51N" grep -q "WGS_1984_UTM_Zone_51N" "$TMP/d.prj"
check "asc rows = nrows" test "$(($(wc -l < "$TMP/d.asc") - 6))" -eq "$(awk '/^nrows/ { print $2 }' "$TMP/d.asc")"
check "cells csv header" test "$(head -1 "$TMP/d.csv")" = "col,row,x_m,y_m,lon,lat,value"
# the cells integrate to the points: sum(value per km^2) * 4 km^2
check "cells integrate to the points" awk -F, -v n="$npts" 'NR > 1 { s += $7 * 4 } END { exit !(s > n * 0.999 && s < n * 1.001) }' "$TMP/d.csv"
check "cell centres lie in the Philippines' longitudes" awk -F, 'NR > 1 && ($5 < 116 || $5 > 127) { bad = 1 } END { exit bad }' "$TMP/d.csv"
check "png written" test -s "$TMP/d.png"
expect_exit 0 "exact mode" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 4 --cell 2 --mode exact --check 300
expect_grep "exact mode differs by nothing" "$TMP/out" "at most [0-9.e-]+ % of the peak" 
check "exact mode is within 1e-9 %" awk '/difference from the exact/ { v = $(NF-4) } END { exit !(v < 1e-9) }' "$TMP/out"
expect_exit 0 "linear mode, quartic, fixed 120-cell grid" -- "$TANAW" kde --cases "$TMP/cases.csv" \
  --bandwidth silverman --kernel quartic --mode linear --grid 120 --out "$TMP/q.asc" --quiet
check "120 cells on the longer side" grep -qE "^(ncols|nrows) 120$" "$TMP/q.asc"
expect_exit 0 "scott bandwidth" -- "$TANAW" kde --cases "$TMP/cases.csv" --cell 3 --quiet
expect_grep "scott named" "$TMP/out" "\(scott\)"
expect_exit 0 "population-adjusted" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 6 --cell 3 \
  --population "$G/barangays.csv" --out "$TMP/p.asc" --quiet
expect_grep "per 100,000 people" "$TMP/out" "cases per 100,000 people"
check "nodata where nobody lives" grep -q -- "-9999" "$TMP/p.asc"
expect_exit 0 "date filter" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 4 --from 2024-01-01 --quiet
check "fewer points after the filter" awk -v n="$npts" '/^kernel density/ { exit !($3 < n) }' "$TMP/out"

# end to end against spatstat: PROJ's projection + density.ppp on a fixed
# extent (tests/golden/kde/make_cli_golden.R); the .asc keeps 10 digits
GK="$SRC/tests/golden/kde"
expect_exit 0 "kde on a fixed extent" -- "$TANAW" kde --cases "$GK/cli_cases.csv" --bandwidth 3 --cell 2 \
  --extent 560000,1110000,620000,1170000 --out "$TMP/g.asc" --rejects "$TMP/rej.csv" --quiet
expect_grep "30 x 30 grid at the extent's corner" "$TMP/out" "grid: 30 x 30 cells of 2 km, UTM zone 51N, lower-left \(560000.0, 1110000.0\)"
check "every cell equals density.ppp to 1e-6 relative" awk '
  NR == FNR { ref[NR - 1] = $1; if ($1 > pk) pk = $1; next }
  FNR > 6 { rows[++nr] = $0 }
  END {
    k = 0
    for (r = nr; r >= 1; r--) {
      n = split(rows[r], a, " ")
      for (j = 1; j <= n; j++) {
        d = a[j] - ref[k]; if (d < 0) d = -d
        b = ref[k] < 0 ? -ref[k] : ref[k]
        rel = d / (b + 1e-9 * pk); if (rel > w) w = rel; k++
      }
    }
    exit !(k == 900 && w < 1e-6)
  }' "$GK/cli_density.txt" "$TMP/g.asc"
expect_exit 1 "extent not in whole cells" -- "$TANAW" kde --cases "$GK/cli_cases.csv" --bandwidth 3 --cell 2 \
  --extent 560000,1110000,620500,1170000 --rejects "$TMP/rej.csv"
expect_exit 1 "extent malformed" -- "$TANAW" kde --cases "$GK/cli_cases.csv" --extent 1,2,3

# the same records from a case store (tanaw db): the same grid, with the filters
KEY="$TMP/k.key"; DB="$TMP/s.db"
expect_exit 0 "key new" -- "$TANAW" key new --out "$KEY"
expect_exit 0 "db init" -- "$TANAW" db init --db "$DB"
expect_exit 0 "ingest" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/cases.csv" --key "$KEY"
k=0
for f in "" "--source NBI --from 2022-01-01" "--category grooming --to 2023-06-30"; do
  k=$((k + 1)); tag=f$k
  # shellcheck disable=SC2086
  expect_exit 0 "kde from --cases $f" -- "$TANAW" kde --cases "$TMP/cases.csv" $f --bandwidth 4 --cell 2 \
    --out "$TMP/c$tag.asc" --cells "$TMP/c$tag.csv" --quiet
  # shellcheck disable=SC2086
  expect_exit 0 "kde from --db $f" -- "$TANAW" kde --db "$DB" $f --bandwidth 4 --cell 2 \
    --out "$TMP/d$tag.asc" --cells "$TMP/d$tag.csv" --quiet
  check "--db grid identical to --cases ($f)" cmp -s "$TMP/c$tag.asc" "$TMP/d$tag.asc"
  check "--db cells identical to --cases ($f)" cmp -s "$TMP/c$tag.csv" "$TMP/d$tag.csv"
done
check "a filter changes the grid" test -n "$(cmp "$TMP/cf1.asc" "$TMP/cf2.asc")"
expect_exit 2 "missing store" -- "$TANAW" kde --db "$TMP/none.db" --bandwidth 4
expect_exit 1 "no records" -- "$TANAW" kde --bandwidth 4
expect_grep "says --db" "$TMP/err" "give case records with --cases FILE or --db STORE$"

expect_exit 1 "unknown kernel" -- "$TANAW" kde --cases "$TMP/cases.csv" --kernel epanechnikov
expect_exit 1 "bad bandwidth" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth -2
expect_exit 1 "cell and grid together" -- "$TANAW" kde --cases "$TMP/cases.csv" --cell 2 --grid 100
expect_exit 1 "grid too large" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 4 --cell 0.01
expect_exit 2 "no points after the filter" -- "$TANAW" kde --cases "$TMP/cases.csv" --from 2030-01-01
expect_exit 3 "unwritable map" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 4 --map /nonexistent/m.png --quiet
finish
