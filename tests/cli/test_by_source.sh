# test_by_source.sh: source effects (gistar/lisa --by-source, --source on
# every analysis). On the synthetic geography (a grid of towns 0.12 degrees
# apart; band:14 km links each town to the 2-4 towns beside it) every town
# has 1 PNP and 1 DSWD record; Town 10 gets 90 CyberTipline records (a
# cluster of one channel) and Town 38 60 PNP and 60 DSWD (a cluster of two).
# By hand, national total 66*2 + 90 + 120 = 342: PNP 126/342 = 0.368421,
# CyberTipline 90/342 = 0.263158. Town 10 and its 4 neighbours hold 100
# records, 90 CyberTipline (share 0.9), 5 PNP, 5 DSWD; Town 38 and its 4
# neighbours 130, 65 PNP (0.5), 65 DSWD, no CyberTipline.
source "$(dirname "$0")/lib.sh"
cd "$TMP" || exit 1
"$TANAW" geography --synthetic --out geo --quiet || { echo "no synthetic geography"; exit 1; }
{
  echo "psgc,count,source"
  awk -F, 'NR > 1 { print $1 ",1,PNP"; print $1 ",1,DSWD" }' geo/municipalities.csv
  echo "9900110000,90,CyberTipline"
  echo "9900238000,60,PNP"
  echo "9900238000,60,DSWD"
} > counts.csv
# the same as records with dates and coordinates (scan, emerging, kde)
awk -F, 'NR == FNR { if (FNR > 1) { lon[$1] = $8; lat[$1] = $9 } next }
  FNR == 1 { print "case_id,report_date,source,psgc,lon,lat"; next }
  { for (k = 0; k < $2; k++) printf "r%d,2024-0%d-15,%s,%s,%s,%s\n", ++n, 1 + n % 6, $3, $1, lon[$1], lat[$1] }' \
  geo/municipalities.csv counts.csv > records.csv
COMMON=(--areas geo/municipalities.csv --counts counts.csv --rate count --weights band:14
        --permutations 0 --correction none --quiet)

expect_exit 0 "gistar --by-source runs" -- "$TANAW" gistar "${COMMON[@]}" --by-source \
  --out areas.csv --by-source-out src.csv
cp "$TMP/out" gistar.txt
expect_grep "per-source count columns" areas.csv '^id,.*,count_PNP,count_DSWD,count_CyberTipline$'
expect_grep "Town 38 per-source counts" areas.csv '^9900238000,Synthetic Town 38,122,.*,61,61,0$'
expect_grep "Town 10 per-source counts" areas.csv '^9900110000,Synthetic Town 10,92,.*,1,1,90$'
expect_grep "by-source table header" src.csv \
  '^id,name,z,class,source,count,neighbourhood_count,share,national_share,z_without,class_without$'
# one channel: CyberTipline is 90% of Town 10's neighbourhood (26.3% nationally) and the hotspot goes without it
expect_grep "one-source cluster: share and class without" src.csv \
  '^9900110000,Synthetic Town 10,[0-9.]+,hot 9[059]%,CyberTipline,90,100,0\.900000,0\.263158,[-0-9.e]+,not significant$'
expect_grep "one-source cluster: still hot without PNP" src.csv \
  '^9900110000,Synthetic Town 10,[0-9.]+,hot 9[059]%,PNP,5,100,0\.050000,0\.368421,[0-9.]+,hot 9[059]%$'
# two channels: each is half of Town 38's neighbourhood; without either it stays hot
for s in PNP DSWD; do
  expect_grep "two-source cluster: still hot without $s" src.csv \
    "^9900238000,Synthetic Town 38,[0-9.]+,hot 9[059]%,$s,65,130,0\\.500000,0\\.368421,[0-9.]+,hot 9[059]%\$"
done
expect_grep "two-source cluster: no CyberTipline" src.csv \
  '^9900238000,Synthetic Town 38,[0-9.]+,hot 9[059]%,CyberTipline,0,130,0\.000000,0\.263158,[0-9.]+,hot 9[059]%$'
expect_grep "stdout names the source a hotspot depends on" gistar.txt 'CyberTipline +90 +90\.0% \(national +26\.3%\).*not significant +<- not hot without it'

# the usual analysis is unchanged by --by-source
expect_exit 0 "gistar without --by-source" -- "$TANAW" gistar "${COMMON[@]}" --out plain.csv
check "same statistics with and without --by-source" \
  cmp <(cut -d, -f1-13 areas.csv) <(cut -d, -f1-13 plain.csv)

expect_exit 0 "lisa --by-source runs" -- "$TANAW" lisa "${COMMON[@]}" --p-source analytic --by-source --out lareas.csv
expect_grep "lisa per-source count columns" lareas.csv ',count_PNP,count_DSWD,count_CyberTipline$'
expect_grep "lisa reports the sources" "$TMP/out" '^sources of the hotspots'

# --public: per-source counts would bypass suppression
expect_exit 1 "--by-source with --public refused" -- "$TANAW" gistar "${COMMON[@]}" --by-source --public
expect_grep "--public refusal says why" "$TMP/err" 'by-source cannot be used with --public'
expect_exit 1 "--by-source-out needs --by-source" -- "$TANAW" gistar "${COMMON[@]}" --by-source-out x.csv

# --source restricts every analysis to one source
expect_exit 0 "gistar --source" -- "$TANAW" gistar "${COMMON[@]}" --source cybertipline --out one.csv
check "gistar --source counts only that source" \
  test "$(awk -F, 'NR > 1 { s += $3 } END { print s }' one.csv)" = 90
expect_exit 0 "gistar --source --by-source" -- "$TANAW" gistar "${COMMON[@]}" --source PNP --by-source --out onep.csv
expect_grep "--source with --by-source: only that source's column" onep.csv '^id,.*,p_perm,neighbours,count_PNP$'
expect_grep "without the only source nothing is hot" "$TMP/out" 'PNP .*without: z +nan +not significant'
expect_exit 0 "lisa --source" -- "$TANAW" lisa "${COMMON[@]}" --p-source analytic --source PNP
expect_exit 0 "moran --source" -- "$TANAW" moran --areas geo/municipalities.csv --counts counts.csv \
  --rate count --weights band:14 --source PNP --quiet
expect_exit 0 "scan --source" -- "$TANAW" scan --areas geo/municipalities.csv --cases records.csv \
  --source CyberTipline --quiet
expect_grep "scan --source finds the CyberTipline cluster" "$TMP/out" '9900110000'
expect_exit 0 "emerging --source" -- "$TANAW" emerging --areas geo/municipalities.csv --cases records.csv \
  --from 2024-01-01 --to 2024-06-30 --source DSWD --quiet
# kde takes CyberTipline points without uncertainty_m as 50 km IP geolocations
# and leaves them out (docs/kde.md); these synthetic ones are placed exactly.
expect_exit 0 "kde --source" -- "$TANAW" kde --cases records.csv --source CyberTipline --exact-ip-points --out k.asc --quiet

# moran --by-source: I of each source alone and of all records without it.
# Without CyberTipline the counts are PNP + DSWD = twice PNP's, and Moran's I
# does not change when the variable is scaled: I, z, p and the permutation
# p (same seed) equal PNP's alone. PNP and DSWD have the same counts.
expect_exit 0 "moran --by-source" -- "$TANAW" moran --areas geo/municipalities.csv --counts counts.csv \
  --rate count --weights band:14 --by-source --by-source-out msrc.csv --quiet
cp "$TMP/out" moran_by_source.txt
expect_grep "moran by-source header" msrc.csv \
  '^source,count,share,I,z,p,p_perm,I_without,z_without,p_without,p_perm_without$'
check "moran: PNP and DSWD alone agree" \
  test "$(grep '^PNP,' msrc.csv | cut -d, -f2-)" = "$(grep '^DSWD,' msrc.csv | cut -d, -f2-)"
check "moran: without CyberTipline = PNP alone (scale invariance)" \
  test "$(grep '^CyberTipline,' msrc.csv | cut -d, -f8-11)" = "$(grep '^PNP,' msrc.csv | cut -d, -f4-7)"
expect_grep "moran: CyberTipline 90 records, share 0.263158" msrc.csv '^CyberTipline,90,0\.263158,'
expect_exit 0 "moran without --by-source" -- "$TANAW" moran --areas geo/municipalities.csv --counts counts.csv \
  --rate count --weights band:14 --out mall.csv --quiet
check "moran: the all-records I is unchanged by --by-source" \
  grep -q "all records: I = $(awk -F, 'NR == 2 { printf "%.4f", $1 }' mall.csv)," moran_by_source.txt
expect_exit 1 "moran --by-source with --public refused" -- "$TANAW" moran --areas geo/municipalities.csv \
  --counts counts.csv --by-source --public

# kde --by-source: the density is a sum over records, so the sources' shares
# at a peak add up to 1. The highest peak is Town 38 (61 PNP and 61 DSWD
# records at one point, 1+1 at each neighbour): exactly half each. The
# second is Town 10, made by its 90 CyberTipline records.
expect_exit 0 "kde --by-source" -- "$TANAW" kde --cases records.csv --bandwidth 5 --exact-ip-points --by-source \
  --by-source-out ksrc.csv --peaks 3 --out k3.asc --quiet
cp "$TMP/out" kde_by_source.txt
expect_grep "kde by-source header" ksrc.csv \
  '^peak,lon,lat,easting,northing,density,source,density_source,share,national_share$'
check "kde: shares at each peak add up to 1" \
  awk -F, 'NR > 1 { s[$1] += $9 } END { for (k in s) if (s[k] < 0.999999 || s[k] > 1.000001) exit 1 }' ksrc.csv
expect_grep "kde: peak 1 is half PNP" ksrc.csv '^1,.*,PNP,[0-9.e-]+,0\.500000,0\.368421$'
expect_grep "kde: peak 1 has no CyberTipline" ksrc.csv '^1,.*,CyberTipline,0,0\.000000,0\.263158$'
expect_grep "kde: CyberTipline drives peak 2" kde_by_source.txt 'CyberTipline +9[0-9]\.[0-9]% \(national +26\.3%\) +<- drives this peak'
expect_exit 0 "kde without --by-source" -- "$TANAW" kde --cases records.csv --bandwidth 5 --exact-ip-points --out k3b.asc --quiet
check "kde: the surface is unchanged by --by-source" cmp k3.asc k3b.asc
expect_exit 1 "kde --peaks without --by-source refused" -- "$TANAW" kde --cases records.csv --peaks 3

# emerging --by-source: each hot spot's records split by source (shares add
# up to 1; Town 38 is half PNP, half DSWD), and its category without a
# source is the category of a run on the other sources only (--source).
EM=(--areas geo/municipalities.csv --cases records.csv --from 2024-01-01 --to 2024-06-30 --weights band:14 --quiet)
expect_exit 0 "emerging --by-source" -- "$TANAW" emerging "${EM[@]}" --by-source --by-source-out esrc.csv --out eall.csv
expect_grep "emerging by-source header" esrc.csv \
  '^id,name,category,source,count,area_count,share,national_share,category_without$'
expect_grep "emerging: Town 38 is half PNP" esrc.csv '^9900238000,Synthetic Town 38,[a-z ]+,PNP,61,122,0\.500000,0\.368421,'
check "emerging: shares add up to 1 in every hot spot" \
  awk -F, 'NR > 1 { s[$1] += $7 } END { n = 0; for (k in s) { n++; if (s[k] < 0.999999 || s[k] > 1.000001) exit 1 } exit n == 0 }' esrc.csv
check "emerging: the hot spots are the areas with a hot category" \
  test "$(cut -d, -f1 esrc.csv | sed 1d | sort -u)" = "$(awk -F, 'NR > 1 && $4 > 0 { print $1 }' eall.csv | sort)"
for pair in "PNP DSWD,CyberTipline" "DSWD PNP,CyberTipline" "CyberTipline PNP,DSWD"; do
  set -- $pair
  expect_exit 0 "emerging on $2 only" -- "$TANAW" emerging "${EM[@]}" --source "$2" --out "eo_$1.csv"
  check "emerging: category without $1 = category of $2 alone" \
    test -z "$(awk -F, -v s="$1" 'NR == FNR { if (FNR > 1) c[$1] = $3; next }
      FNR > 1 && $4 == s && c[$1] != $9 { print $1 }' "eo_$1.csv" esrc.csv)"
done
expect_exit 0 "emerging: --by-source leaves the analysis as it was" -- "$TANAW" emerging "${EM[@]}" --out eplain.csv
check "emerging: same table with and without --by-source" cmp eall.csv eplain.csv
expect_exit 1 "emerging --by-source with --public refused" -- "$TANAW" emerging "${EM[@]}" --by-source --public

# several sources: repeated --source, or a comma-separated list (any of them)
expect_exit 0 "gistar --source twice" -- "$TANAW" gistar "${COMMON[@]}" --source PNP --source dswd --out two.csv
check "two sources: 126 PNP + 126 DSWD records" \
  test "$(awk -F, 'NR > 1 { s += $3 } END { print s }' two.csv)" = 252
expect_exit 0 "gistar --source as a list" -- "$TANAW" gistar "${COMMON[@]}" --source ' pnp , DSWD' --out list.csv
check "a list gives the same table as repeated --source" cmp two.csv list.csv
expect_exit 0 "gistar --source list --by-source" -- "$TANAW" gistar "${COMMON[@]}" \
  --source CyberTipline,PNP --by-source --out twob.csv
expect_grep "--by-source keeps the listed sources only" twob.csv '^id,.*,p_perm,neighbours,count_PNP,count_CyberTipline$'
expect_exit 1 "--source with a bad separator refused" -- "$TANAW" gistar "${COMMON[@]}" --source 'PNP;DSWD'
expect_grep "--source refusal names the option" "$TMP/err" '^tanaw: --source: expected source names'
expect_exit 0 "kde --source list" -- "$TANAW" kde --cases records.csv --source CyberTipline --source PNP \
  --exact-ip-points --out k2.asc --quiet
check "kde: a list holds more points than one source" test "$(md5sum < k2.asc)" != "$(md5sum < k.asc)"
finish
