# test_coarse.sh: mixed precision and PSGC versions on the analyses (issue 6
# part 2, docs/cases.md): --coarse drop|level|allocate, uncertainty_m and
# the CyberTipline rule (--exact-ip-points), --crosswalk/--to-version with
# the Negros Island Region crosswalk. Numbers worked out by hand in the
# comments (same records as tests/unit/test_cases_aggregate.c).
source "$(dirname "$0")/lib.sh"
sq() { # id name x y pop
  printf '{"type":"Feature","properties":{"psgc":"%s","name":"%s","pop":%s},"geometry":{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}' \
    "$1" "$2" "$5" "$3" "$4" "$(echo "$3+0.1" | bc)" "$4" "$(echo "$3+0.1" | bc)" "$(echo "$4+0.1" | bc)" \
    "$3" "$(echo "$4+0.1" | bc)" "$3" "$4"
}
# Barangays 201001 (pop 100), 201002 (300) in municipality 0702201000;
# 202001 (200), 202002 (200) in 0702202000.
{ echo '{"type":"FeatureCollection","features":['
  sq 0702201001 B1 123.0 10.0 100; echo ,
  sq 0702201002 B2 123.1 10.0 300; echo ,
  sq 0702202001 B3 123.0 10.1 200; echo ,
  sq 0702202002 B4 123.1 10.1 200; echo ']}'; } > "$TMP/bgy.geojson"
cat > "$TMP/rec.csv" <<'CSV'
case_id,report_date,source,lon,lat,uncertainty_m,psgc
b1,2023-01-01,CyberTipline,123.05,10.05,,
b2,2023-01-01,cybertipline,123.05,10.05,3000,
b3,2023-01-01,NBI,123.15,10.15,8000,
b4,2023-01-01,NBI,,,,0702201000
b5,2023-01-01,NBI,,,,0702200000
b6,2023-01-01,NBI,123.15,10.15,8000,0702201000
b7,2023-01-01,NBI,123.05,10.15,8000,0700000000
b8,2023-01-01,NBI,,,,0702202002
b9,2023-01-01,NBI,123.15,10.05,200000,
CSV
B0=(--areas "$TMP/bgy.geojson" --pop-field pop --cases "$TMP/rec.csv" --rate count --permutations 0 --rejects "$TMP/rej.csv")
B=("${B0[@]}" --weights knn:2)
col() { # file id column-name
  awk -F, -v id="$2" -v c="$3" 'NR==1{for(i=1;i<=NF;i++) if($i==c) k=i; next} $1==id{print $k}' "$1"
}

# drop (default): b2 by point, b8 by code; 7 known only above barangay level
expect_exit 0 "gistar, drop" -- "$TANAW" gistar "${B[@]}" --out "$TMP/d.csv"
check "drop: counts 1 0 0 1" test "$(cut -d, -f3 "$TMP/d.csv" | tail -n +2 | tr '\n' ' ')" = "1 0 0 1 "
check "drop: no allocated column" test -z "$(head -1 "$TMP/d.csv" | grep allocated)"
expect_grep "drop: coarser by level" "$TMP/out" "^known only at a coarser level \(not counted\): 1 region 1 province \(or HUC, NCR district, SGA\) 5 municipality$"
expect_grep "drop: uncertain coordinates" "$TMP/out" "too uncertain for barangay level .*: 5 records$"

# allocate: municipality 201 (400) gets b1 b4 b6 -> .75 2.25; 202 (400) b3 b7
# -> 1 1; province and region (800) one each -> .125 .375 .25 .25
expect_exit 0 "gistar, allocate" -- "$TANAW" gistar "${B[@]}" --coarse allocate --out "$TMP/a.csv" --geojson "$TMP/a.geojson"
check "allocate: counts 2 3 1.5 2.5" test "$(cut -d, -f3 "$TMP/a.csv" | tail -n +2 | tr '\n' ' ')" = "2 3 1.5 2.5 "
check "allocate: share column 0.5 1 1 0.6" test "$(col "$TMP/a.csv" 0702201001 allocated) $(col "$TMP/a.csv" 0702201002 allocated) $(col "$TMP/a.csv" 0702202001 allocated) $(col "$TMP/a.csv" 0702202002 allocated)" = "0.5 1 1 0.6"
check "allocate: allocated_count 1.5 at 202002" test "$(col "$TMP/a.csv" 0702202002 allocated_count)" = "1.5"
check "allocate: flagged in the GeoJSON" grep -q '"allocated":0.6' "$TMP/a.geojson"
expect_grep "allocate: stdout flag" "$TMP/out" "^ALLOCATED: 7 records \(count 7.00 of 9.00\)"
expect_exit 0 "moran, allocate" -- "$TANAW" moran "${B[@]}" --coarse allocate
expect_grep "moran: stdout flag" "$TMP/out" "^ALLOCATED: 7 records"

# the CyberTipline rule off: b1 placed on its point
expect_exit 0 "gistar, exact IP points" -- "$TANAW" gistar "${B[@]}" --exact-ip-points --out "$TMP/e.csv"
check "exact IP points: counts 2 0 0 1" test "$(cut -d, -f3 "$TMP/e.csv" | tail -n +2 | tr '\n' ' ')" = "2 0 0 1 "

# level: CyberTipline only (b1 municipality, b2 barangay) -> municipalities
expect_exit 0 "gistar, level" -- "$TANAW" gistar "${B0[@]}" --weights knn:1 --coarse level --source CyberTipline --out "$TMP/l.csv"
check "level: two municipalities, 2 and 0" test "$(cut -d, -f1,3 "$TMP/l.csv" | tail -n +2 | tr '\n' ' ')" = "0702201000,2 0702202000,0 "
expect_grep "level: said on stdout" "$TMP/out" "^analysed at municipality level \(--coarse level\): barangay was asked for"
expect_exit 0 "gistar, level with nothing coarser" -- "$TANAW" gistar "${B[@]}" --coarse level --source CyberTipline --exact-ip-points --out "$TMP/l2.csv"
check "level: stays on barangays" test "$(($(wc -l < "$TMP/l2.csv") - 1))" -eq 4

expect_exit 1 "bad --coarse" -- "$TANAW" gistar "${B[@]}" --coarse spread
expect_grep "bad --coarse: message" "$TMP/err" "expected drop, level or allocate, got 'spread'"

# PSGC versions with the Negros Island Region crosswalk (docs/geocode.md)
{ echo '{"type":"FeatureCollection","features":['
  sq 1804610000 Dumaguete 123.3 9.3 1000; echo ,
  sq 1804611000 NegOr 123.2 9.4 3000; echo ,
  sq 0702201000 Cebu 123.8 10.3 2000; echo ']}'; } > "$TMP/mun.geojson"
cat > "$TMP/nir.csv" <<'CSV'
from_version,to_version,old_code,new_code,kind,weight,scope,note
2023Q4,2024Q2,0604500000,1804500000,recode,1,tree,
2023Q4,2024Q2,0630200000,1830200000,recode,1,tree,
2023Q4,2024Q2,0704600000,1804600000,recode,1,tree,
2023Q4,2024Q2,0706100000,1806100000,recode,1,tree,
2023Q4,2024Q2,0600000000,0600000000,split,0.594711846,unit,
2023Q4,2024Q2,0600000000,1800000000,split,0.405288154,unit,
2023Q4,2024Q2,0700000000,0700000000,split,0.809900114,unit,
2023Q4,2024Q2,0700000000,1800000000,split,0.190099886,unit,
CSV
cat > "$TMP/nrec.csv" <<'CSV'
case_id,report_date,source,psgc,psgc_version
c1,2023-01-01,NBI,0704610001,2023Q4
c2,2024-08-01,NBI,1804610001,2024Q2
c3,2023-01-01,NBI,0704610001,
c4,2023-01-01,NBI,0702201005,2023Q4
c5,2023-01-01,NBI,0700000000,2023Q4
c6,2023-01-01,NBI,0704600000,2023Q4
CSV
N=(--areas "$TMP/mun.geojson" --pop-field pop --cases "$TMP/nrec.csv" --rate count --weights knn:1 --permutations 0 --rejects "$TMP/rej.csv")
expect_exit 0 "gistar without crosswalk" -- "$TANAW" gistar "${N[@]}" --out "$TMP/n0.csv"
check "without crosswalk: Dumaguete 1 (c2 only)" test "$(col "$TMP/n0.csv" 1804610000 count)" = "1"
expect_exit 0 "gistar with the NIR crosswalk" -- "$TANAW" gistar "${N[@]}" --crosswalk "$TMP/nir.csv" --to-version 2024Q2 --out "$TMP/n1.csv"
check "crosswalk: counts 2 0 1" test "$(cut -d, -f3 "$TMP/n1.csv" | tail -n +2 | tr '\n' ' ')" = "2 0 1 "
expect_grep "crosswalk: recoded on stdout" "$TMP/out" "^PSGC versions: 3 records recoded onto 2024Q2 by the crosswalk, 1 of them split"
check "crosswalk: split column" grep -q "crosswalk_split" "$TMP/n1.csv"
# allocate: c5 0.809900114 to Cebu, 0.190099886 to NIR (1:3); c6 (Negros
# Oriental, now 1804600000) 1:3
expect_exit 0 "crosswalk and allocate" -- "$TANAW" gistar "${N[@]}" --crosswalk "$TMP/nir.csv" --to-version 2024Q2 --coarse allocate --out "$TMP/n2.csv"
check "crosswalk + allocate: Dumaguete 2.2975249715" test "$(col "$TMP/n2.csv" 1804610000 count)" = "2.2975249715"
check "crosswalk + allocate: NegOr 0.8925749145" test "$(col "$TMP/n2.csv" 1804611000 count)" = "0.8925749145"
check "crosswalk + allocate: Cebu 1.809900114" test "$(col "$TMP/n2.csv" 0702201000 count)" = "1.809900114"
expect_exit 1 "--crosswalk without --to-version" -- "$TANAW" gistar "${N[@]}" --crosswalk "$TMP/nir.csv"
expect_exit 1 "no steps to the version" -- "$TANAW" gistar "${N[@]}" --crosswalk "$TMP/nir.csv" --to-version 2025Q1
expect_grep "no steps: message" "$TMP/err" "psgc version 2023Q4 cannot be brought to 2025Q1"
expect_exit 2 "crosswalk file missing" -- "$TANAW" gistar "${N[@]}" --crosswalk "$TMP/none.csv" --to-version 2024Q2
# emerging applies them as gistar does: the same per-area totals as n2
# (c2 in 2024, the rest in 2023: Dumaguete 1.2975249715 + 1)
expect_exit 0 "emerging: crosswalk and allocate" -- "$TANAW" emerging --areas "$TMP/mun.geojson" --pop-field pop --cases "$TMP/nrec.csv" --weights knn:1 --from 2023-01-01 --to 2024-12-31 --step year --crosswalk "$TMP/nir.csv" --to-version 2024Q2 --coarse allocate --rejects "$TMP/rej.csv" --out "$TMP/ne.csv" --cube "$TMP/nc.csv" --geojson "$TMP/ne.geojson" --trends "$TMP/nt.csv"
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; exit !(d < 1e-6 && d > -1e-6) }'; }
check "emerging: Dumaguete 2.2975249715" near "$(col "$TMP/ne.csv" 1804610000 count)" 2.2975249715
check "emerging: NegOr 0.8925749145" near "$(col "$TMP/ne.csv" 1804611000 count)" 0.8925749145
check "emerging: Cebu 1.809900114" near "$(col "$TMP/ne.csv" 0702201000 count)" 1.809900114
check "emerging: Dumaguete 2023 in the cube 1.2975249715" near "$(awk -F, '$1 == "1804610000" && $2 == "2023" { print $4 }' "$TMP/nc.csv")" 1.2975249715
expect_grep "emerging: allocated on stdout" "$TMP/out" "^ALLOCATED: 2 records"
# ... and in every file: Dumaguete 0.25 (c6, 1:3) + 0.0475249715 (c5's NIR
# part, 1:3) of 2.2975249715 spread; NegOr all 0.8925749145; Cebu 0.809900114
check "emerging: allocated_count in --out" near "$(col "$TMP/ne.csv" 1804610000 allocated_count)" 0.2975249715
check "emerging: allocated share in --out" near "$(col "$TMP/ne.csv" 1804611000 allocated)" 1
check "emerging: allocated_count per bin in --cube" test "$(awk -F, '$1 == "0702201000" { printf "%s ", $9 }' "$TMP/nc.csv")" = "0.809900114 0 "
check "emerging: GeoJSON flags it" grep -q '"allocated":1' "$TMP/ne.geojson"
check "emerging: --trends flags it" test "$(head -1 "$TMP/nt.csv" | awk -F, '{ print $NF }')" = "allocated_count"
check "emerging: cube header flags it" grep -q '^id,step,start,count,z,p,p_adjusted,class,allocated_count$' "$TMP/nc.csv"
expect_grep "emerging: recoded on stdout" "$TMP/out" "^PSGC versions: 3 records recoded onto 2024Q2 by the crosswalk, 1 of them split"
check "emerging: no note that options are ignored" test -z "$(grep "not applied" "$TMP/out")"

# emerging --coarse level: e4 and e6 are known only at municipality level in
# the period (e7, a province record of 2025, is filtered out and must not
# move the analysis to provinces), so the cube is built on the 2
# municipalities: 0702201000 has e1 e2 in 2023 and e4 in 2024 (2, 1);
# 0702202000 has e3 e5 e6 in 2024 (0, 3).
cat > "$TMP/erec.csv" <<'CSV'
case_id,report_date,source,psgc
e1,2023-03-01,NBI,0702201001
e2,2023-05-01,NBI,0702201002
e3,2024-02-01,NBI,0702202001
e4,2024-03-01,NBI,0702201000
e5,2024-04-01,NBI,0702202002
e6,2024-06-01,NBI,0702202000
e7,2025-01-01,NBI,0702200000
CSV
E0=(--areas "$TMP/bgy.geojson" --pop-field pop --cases "$TMP/erec.csv" --weights knn:1 --rejects "$TMP/rej.csv")
E=("${E0[@]}" --from 2023-01-01 --to 2024-12-31 --step year)
expect_exit 0 "emerging, drop" -- "$TANAW" emerging "${E[@]}" --out "$TMP/ed.csv" --cube "$TMP/edc.csv"
check "emerging drop: 4 barangays, counts 1 1 1 1" test "$(cut -d, -f5 "$TMP/ed.csv" | tail -n +2 | tr '\n' ' ')" = "1 1 1 1 "
expect_grep "emerging drop: coarser on stdout" "$TMP/out" "^known only at a coarser level \(not counted\): 2 municipality$"
expect_exit 0 "emerging, level" -- "$TANAW" emerging "${E[@]}" --coarse level --out "$TMP/el.csv" --cube "$TMP/elc.csv"
check "emerging level: 2 municipalities, 3 and 3" test "$(cut -d, -f1,5 "$TMP/el.csv" | tail -n +2 | tr '\n' ' ')" = "0702201000,3 0702202000,3 "
check "emerging level: cube 2 1 0 3" test "$(awk -F, 'NR > 1 { printf "%s,%s,%s ", $1, $2, $4 }' "$TMP/elc.csv")" = "0702201000,2023,2 0702201000,2024,1 0702202000,2023,0 0702202000,2024,3 "
expect_grep "emerging level: said on stdout" "$TMP/out" "^analysed at municipality level \(--coarse level\): barangay was asked for"
expect_grep "emerging level: 2 municipality areas" "$TMP/out" "^emerging hot spots: 2 areas x 2 years"
expect_grep "emerging level: said on stderr" "$TMP/err" "2 records are known only at municipality level: analysing 2 municipality areas instead of 4 barangay areas"
# the same as asking for municipalities: identical cube (counts, z, p, classes)
expect_exit 0 "emerging, --level municipality" -- "$TANAW" emerging "${E[@]}" --level municipality --cube "$TMP/emc.csv"
check "emerging level = --level municipality" cmp -s "$TMP/elc.csv" "$TMP/emc.csv"
expect_exit 0 "emerging, level with nothing coarser" -- "$TANAW" emerging "${E0[@]}" --from 2023-01-01 --to 2023-12-31 --step quarter --coarse level --out "$TMP/el2.csv"
check "emerging level: stays on barangays" test "$(($(wc -l < "$TMP/el2.csv") - 1))" -eq 4
# kde has no analysis level: --coarse is refused with the reason
expect_exit 1 "kde refuses --coarse" -- "$TANAW" kde --cases "$TMP/rec.csv" --coarse level
expect_grep "kde: --coarse message" "$TMP/err" "kde: --coarse is not offered: the density is smoothed from points"
finish
