# test_golden_gistar.sh: end to end against R spdep (tests/golden/cli/make_golden.R):
# counts per LGU of the real cebu_metro subset, rate per 100,000, knn:8,
# Gi* z = localG(include.self, B), local Moran = localmoran(W), global Moran
# = moran.test (two-sided), all to 1e-9.
source "$(dirname "$0")/lib.sh"
if [ -z "$DATA" ]; then echo "no geography data: skipped"; echo "0 passed, 0 failed"; exit 0; fi
G="$SRC/tests/golden/cli"
areas=(--areas "$DATA/cebu_metro/municipalities.geojson" --areas "$DATA/cebu_metro/municipalities.csv")
common=("${areas[@]}" --counts "$G/cebu_counts.csv" --rate per:100000 --weights knn:8 --quiet)
expect_exit 0 "gistar on cebu counts" -- "$TANAW" gistar "${common[@]}" --permutations 99 --out "$TMP/g.csv"
check "gistar z, count, rate equal spdep localG" python3 "$SRC/tests/cli/compare_golden.py" \
  "$TMP/g.csv" "$G/cebu_local_golden.csv" id:id 1e-9 z=gistar_z count=count rate=rate
expect_exit 0 "lisa on cebu counts" -- "$TANAW" lisa "${common[@]}" --permutations 99 --out "$TMP/l.csv"
check "lisa Ii, E.Ii, Var.Ii, Z.Ii equal spdep localmoran" python3 "$SRC/tests/cli/compare_golden.py" \
  "$TMP/l.csv" "$G/cebu_local_golden.csv" id:id 1e-9 statistic=Ii expected=E.Ii variance=Var.Ii z=Z.Ii
expect_exit 0 "moran on cebu counts" -- "$TANAW" moran "${common[@]}" --permutations 99 --out "$TMP/m.csv"
sed -i '1s/^/row,/; 2s/^/1,/' "$TMP/m.csv"
awk 'NR==1{print "row," $0} NR==2{print "1," $0}' "$G/cebu_moran_golden.csv" > "$TMP/mg.csv"
check "moran I, E, Var, z, p equal moran.test" python3 "$SRC/tests/cli/compare_golden.py" \
  "$TMP/m.csv" "$TMP/mg.csv" row:row 1e-9 I=I expected=expected variance=variance z=z p=p \
  variance_normality=variance_normality z_normality=z_normality p_normality=p_normality
finish
