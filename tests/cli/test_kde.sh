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
# points on a 4 km surface: coordinates, and an uncertainty radius of at most
# 4 km; the simulation gives no uncertainty_m, so its CyberTipline points are
# 50 km IP geolocations and left out
check "simulated columns" test "$(head -1 "$TMP/cases.csv" | cut -d, -f3,4,9)" = source,lon
npts=$(awk -F, 'NR > 1 && $4 != "" && ($9 == "" ? tolower($3) != "cybertipline" : $9 <= 4000) { n++ } END { print n }' "$TMP/cases.csv")
nunc=$(awk -F, 'NR > 1 && $4 != "" { n++ } END { print n - '"$npts"' }' "$TMP/cases.csv")
check "the simulation has imprecise points" test "$nunc" -gt 100
expect_exit 0 "kde, 4 km gaussian, 2 km cells" -- "$TANAW" kde --cases "$TMP/cases.csv" --bandwidth 4 \
  --cell 2 --areas "$G/municipalities.geojson" --out "$TMP/d.asc" --cells "$TMP/d.csv" --map "$TMP/d.png"
expect_grep "stdout: points counted" "$TMP/out" "^kernel density: $npts points \\([0-9]+ records without coordinates and $nunc points uncertain by more than sigma left out\\)"
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
# imprecise points, counted by hand (docs/kde.md, section 1): k5 is 3 km
# uncertain, k6 8 km, k7 and k8 CyberTipline IP geolocations (50 km by the
# rule), k9 a CyberTipline point 1.5 km uncertain, k10 has no point.
cat > "$TMP/unc.csv" <<'CSV'
case_id,report_date,source,lon,lat,psgc,uncertainty_m
k1,2024-03-01,NBI,123.90,10.30,,
k2,2024-03-02,NBI,124.10,10.45,,
k3,2024-03-03,NBI,123.70,10.10,,
k4,2024-03-04,NBI,124.00,10.60,,
k5,2024-03-05,NBI,123.80,10.50,,3000
k6,2024-03-06,NBI,124.05,10.20,,8000
k7,2024-03-07,CyberTipline,123.95,10.35,,
k8,2024-03-08,cybertipline,123.60,10.40,,
k9,2024-03-09,CyberTipline,123.85,10.25,,1500
k10,2024-03-10,PNP,,,0702220012,
CSV
grep -v -e '^k6,' -e '^k7,' -e '^k8,' -e '^k10,' "$TMP/unc.csv" > "$TMP/unc_kept.csv"
expect_exit 0 "sigma 5 km: k6, k7, k8 left out" -- "$TANAW" kde --cases "$TMP/unc.csv" --bandwidth 5 --cell 1 --out "$TMP/u5.asc" --quiet
expect_grep "6 points, 1 without coordinates, 3 uncertain" "$TMP/out" "^kernel density: 6 points \\(1 records without coordinates and 3 points uncertain by more than sigma left out\\)"
expect_grep "mass of the 6 points" "$TMP/out" "mass on the grid [0-9.]+ of 6$"
expect_exit 0 "the 6 kept records alone" -- "$TANAW" kde --cases "$TMP/unc_kept.csv" --bandwidth 5 --cell 1 --out "$TMP/k5.asc" --quiet
check "the same surface as the kept records alone" cmp -s "$TMP/u5.asc" "$TMP/k5.asc"
expect_exit 0 "sigma 10 km: the 8 km point comes in" -- "$TANAW" kde --cases "$TMP/unc.csv" --bandwidth 10 --cell 1 --quiet
expect_grep "7 points, 2 uncertain" "$TMP/out" "^kernel density: 7 points \\(1 records without coordinates and 2 points uncertain by more than sigma left out\\)"
expect_exit 0 "--exact-ip-points: the IP points are taken as given" -- "$TANAW" kde --cases "$TMP/unc.csv" --bandwidth 5 --exact-ip-points --cell 1 --quiet
expect_grep "8 points, only the 8 km one out" "$TMP/out" "^kernel density: 8 points \\(1 records without coordinates and 1 points uncertain by more than sigma left out\\)"
expect_exit 0 "scott: the rule from the points within 5 km" -- "$TANAW" kde --cases "$TMP/unc_kept.csv" --cell 1 --quiet
sig=$(sed -n 's/.*sigma \([0-9.]*\) km (scott).*/\1/p' "$TMP/out")
expect_exit 0 "scott on all records" -- "$TANAW" kde --cases "$TMP/unc.csv" --cell 1 --quiet
expect_grep "same sigma, then the 8 km point within it comes in" "$TMP/out" "^kernel density: 7 points \\(1 records without coordinates and 2 points uncertain by more than sigma left out\\), gaussian kernel, sigma $sig km \\(scott\\)"
check "scott's sigma is over 8 km" awk -v s="$sig" 'BEGIN { exit !(s > 8 && s < 50) }'

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
