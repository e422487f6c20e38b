# test_scan.sh: `tanaw scan` end to end on the built-in synthetic geography:
# a planted cluster (relative risk 4, 5 municipalities) must be the most
# likely cluster with p <= 0.05 and contain the planted centre; the output
# files have their documented columns; results are identical for 1 and 2
# threads and change with the seed only in the p-values; Bernoulli with a
# controls file; usage errors. On the real geography (when present) the
# Cebu metro municipalities give the same most likely cluster again. Space-time:
# an outbreak in the last two months is found by the prospective
# permutation scan by month (p = 0.01, recurrence 100 months) and by the
# retrospective Poisson scan by quarter. Elliptic windows find a row of
# five towns that circles cannot isolate, with SaTScan's penalties. The
# power evaluation keeps its size under the null and finds a strong
# cluster, the same for any thread count. --by-source names the source
# that makes a cluster.
source "$(dirname "$0")/lib.sh"
G="$TMP/geo"
expect_exit 0 "synthetic geography" -- "$TANAW" geography --synthetic --out "$G" --quiet
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
expect_exit 0 "simulate with a planted cluster" -- "$TANAW" simulate "${M[@]}" --n 4000 --seed 21 \
  --cluster 9900112000:5:4 --out "$TMP/cases.csv" --quiet
run=(--cases "$TMP/cases.csv" --replicas 199 --seed 3 --quiet)
expect_exit 0 "scan" -- "$TANAW" scan "${M[@]}" "${run[@]}" --out "$TMP/cl1.csv" \
  --members "$TMP/mem.csv" --geojson "$TMP/s.geojson" --map "$TMP/s.png" --threads 1
cp "$TMP/out" "$TMP/summary.txt"
check "clusters header" test "$(head -1 "$TMP/cl1.csv" | cut -d, -f1-2)" = "rank,center_id"
for col in radius_km n_areas observed expected rr llr p; do
  check "clusters CSV has $col" grep -qE "(^|,)$col(,|$)" <(head -1 "$TMP/cl1.csv")
done
# rank 1: high, p <= 0.05 (199 replicas: p = 0.005 when no replica beats it)
p1=$(awk -F, 'NR==2 {print $14}' "$TMP/cl1.csv")
check "most likely cluster significant (p=$p1)" awk -v p="$p1" 'BEGIN {exit !(p <= 0.05)}'
check "most likely cluster is high" test "$(awk -F, 'NR==2 {print $16}' "$TMP/cl1.csv")" = "high"
check "planted centre is in cluster 1" grep -qE "^9900112000,[^,]*,1," "$TMP/mem.csv"
n1=$(awk -F, 'NR==2 {print $7}' "$TMP/cl1.csv")
check "members CSV lists cluster 1's $n1 areas" test "$(grep -cE '^[0-9]+,[^,]*,1,' "$TMP/mem.csv")" -eq "$n1"
check "members header" test "$(head -1 "$TMP/mem.csv")" = "area_id,area_name,cluster,cases,population"
check "no area in two clusters" test "$(tail -n +2 "$TMP/mem.csv" | cut -d, -f1 | sort | uniq -d | wc -l)" -eq 0
expect_grep "summary names the most likely cluster" "$TMP/summary.txt" "Most likely cluster 1"
expect_grep "summary has the LLR" "$TMP/summary.txt" "log likelihood ratio"
check "geojson written" grep -q '"cluster":1' "$TMP/s.geojson"
check "png written" test -s "$TMP/s.png"
expect_exit 0 "scan with 2 threads" -- "$TANAW" scan "${M[@]}" "${run[@]}" --out "$TMP/cl2.csv" --threads 2
check "identical for 1 and 2 threads" cmp -s "$TMP/cl1.csv" "$TMP/cl2.csv"
expect_exit 0 "scan with another seed" -- "$TANAW" scan "${M[@]}" --cases "$TMP/cases.csv" \
  --replicas 199 --seed 4 --quiet --out "$TMP/cl3.csv"
check "another seed: same clusters and LLRs" cmp -s <(cut -d, -f1-13 "$TMP/cl1.csv") <(cut -d, -f1-13 "$TMP/cl3.csv")
expect_exit 0 "max radius 1 km: single areas" -- "$TANAW" scan "${M[@]}" "${run[@]}" \
  --max-radius 1 --out "$TMP/cl4.csv"
check "every window is one area" test "$(tail -n +2 "$TMP/cl4.csv" | cut -d, -f7 | sort -u)" = "1"
expect_exit 0 "low rates" -- "$TANAW" scan "${M[@]}" --cases "$TMP/cases.csv" --tail low --replicas 0 \
  --quiet --out "$TMP/low.csv"
check "low-rate clusters only" test "$(tail -n +2 "$TMP/low.csv" | cut -d, -f16 | sort -u)" = "low"

# Elliptic windows: 40 cases in each of a north-south row of 5 towns
# (11.18 to 11.66 N along 121.18 E, 0.12 degrees apart), 10 elsewhere.
# Circles around Town 12 that reach the row's ends take its east-west
# neighbours too; SaTScan's ellipse of shape 3 at 80 degrees holds exactly
# the row (shape 3 comes before 4 and 5, which hold it too). Penalty
# medium: test statistic = LLR x sqrt(4*3/16); strong: x 3/4.
{ echo "psgc,count"; tail -n +2 "$G/municipalities.csv" | awk -F, '{c=10; if ($1=="9900110000"||$1=="9900111000"||$1=="9900112000"||$1=="9900213000"||$1=="9900214000") c=40; print $1 "," c}'; } > "$TMP/row.csv"
for pen in none medium strong; do
  expect_exit 0 "ellipse, penalty $pen" -- "$TANAW" scan "${M[@]}" --counts "$TMP/row.csv" --shape ellipse \
    --ellipse-penalty $pen --replicas 99 --seed 3 --out "$TMP/row_$pen.csv" --members "$TMP/rowm_$pen.csv" --quiet
  check "ellipse $pen: header ends with shape,angle_deg,test_stat" test "$(head -1 "$TMP/row_$pen.csv" | cut -d, -f17-)" = "shape,angle_deg,test_stat"
  check "ellipse $pen: shape 3 at 80 degrees, 5 areas" test "$(awk -F, 'NR==2 {print $17 "/" $18 "/" $7}' "$TMP/row_$pen.csv")" = "3/80/5"
  check "ellipse $pen: the row" test "$(awk -F, '$3==1 {print $1}' "$TMP/rowm_$pen.csv" | sort | tr '\n' ' ')" = "9900110000 9900111000 9900112000 9900213000 9900214000 "
done
check "ellipse: LLR 105.213981786 whatever the penalty" test "$(awk -F, 'FNR==2 {print $13}' "$TMP"/row_none.csv "$TMP"/row_medium.csv "$TMP"/row_strong.csv | sort -u)" = "105.213981786"
check "ellipse: test statistics 105.213981786, 91.117981060, 78.910486339" test "$(awk -F, 'FNR==2 {printf "%s ", $19}' "$TMP"/row_none.csv "$TMP"/row_medium.csv "$TMP"/row_strong.csv)" = "105.213981786 91.117981060 78.910486339 "
expect_grep "summary: the ellipse" "$TMP/out" "semi-major axis 29.71 km, angle 80 degrees, shape 3"
expect_exit 0 "circles on the row" -- "$TANAW" scan "${M[@]}" --counts "$TMP/row.csv" --replicas 99 --seed 3 --out "$TMP/row_c.csv" --quiet
check "circle: 12 areas, LLR 51.142158" test "$(awk -F, 'NR==2 {printf "%s/%.6f/%s", $7, $13, $17}' "$TMP/row_c.csv")" = "12/51.142158/1"
expect_exit 0 "ellipse with 2 threads" -- "$TANAW" scan "${M[@]}" --counts "$TMP/row.csv" --shape ellipse \
  --ellipse-penalty strong --replicas 99 --seed 3 --out "$TMP/row_t2.csv" --threads 2 --quiet
check "ellipse: identical for 1 and 2 threads" cmp -s "$TMP/row_strong.csv" "$TMP/row_t2.csv"
expect_exit 1 "ellipse with --time" -- "$TANAW" scan "${M[@]}" "${run[@]}" --shape ellipse --time month --from 2024-01-01 --to 2024-12-31
expect_exit 1 "unknown penalty" -- "$TANAW" scan "${M[@]}" "${run[@]}" --shape ellipse --ellipse-penalty big

# Power evaluation (SaTScan's): critical values from 999 null replicas of
# 400 cases, then data sets under the alternative. The null as the
# alternative (rr 1) gives the size; rr 6 in three towns gives power 1.
printf 'psgc,rr\n9900112000,1\n' > "$TMP/alt1.csv"
printf 'psgc,rr\n9900112000,6\n9900111000,6\n9900213000,6\n' > "$TMP/alt6.csv"
PW=("${M[@]}" --cases "$TMP/cases.csv" --replicas 999 --seed 5 --power-cases 400 --quiet)
expect_exit 0 "power, null as alternative" -- "$TANAW" scan "${PW[@]}" --power 400 --alt "$TMP/alt1.csv" --power-out "$TMP/pw1.csv"
expect_grep "power: critical values printed" "$TMP/out" "alpha 0.05 : critical value [0-9.]*, power"
check "power CSV header" test "$(head -1 "$TMP/pw1.csv")" = "alpha,critical_value,power,rejected,datasets,total_cases,replicas,sensitivity,ppv"
check "power CSV: three alphas" test "$(tail -n +2 "$TMP/pw1.csv" | cut -d, -f1 | tr '\n' ' ')" = "0.05 0.01 0.001 "
pw=$(awk -F, '$1==0.05 {print $3}' "$TMP/pw1.csv")
check "rr 1: power at 0.05 is about alpha ($pw)" awk -v p="$pw" 'BEGIN {exit !(p >= 0.02 && p <= 0.09)}'
pw=$(awk -F, '$1==0.01 {print $3}' "$TMP/pw1.csv")
check "rr 1: power at 0.01 below 0.03 ($pw)" awk -v p="$pw" 'BEGIN {exit !(p < 0.03)}'
expect_exit 0 "power, rr 6 in three towns" -- "$TANAW" scan "${PW[@]}" --power 100 --alt "$TMP/alt6.csv" --power-out "$TMP/pw6.csv" --threads 1
check "rr 6: power 1 at every alpha" test "$(tail -n +2 "$TMP/pw6.csv" | cut -d, -f3 | sort -u)" = "1"
se=$(awk -F, '$1==0.05 {print $8}' "$TMP/pw6.csv")
check "rr 6: planted towns found ($se)" awk -v p="$se" 'BEGIN {exit !(p > 0.9)}'
expect_exit 0 "power with 2 threads" -- "$TANAW" scan "${PW[@]}" --power 100 --alt "$TMP/alt6.csv" --power-out "$TMP/pw6b.csv" --threads 2
check "power: identical for 1 and 2 threads" cmp -s "$TMP/pw6.csv" "$TMP/pw6b.csv"
# --alt-cluster plants the alternative as simulate --cluster does: the centre
# and its nearest towns by point. Town 12's nearest are Towns 20 and 04 (north
# and south, 13.079 km), not Towns 11 and 13 (13.343 km): the same power as
# --alt with those three towns, byte for byte.
printf 'psgc,rr\n9900112000,6\n9900120000,6\n9900104000,6\n' > "$TMP/altns.csv"
expect_exit 0 "power, --alt with the three towns" -- "$TANAW" scan "${PW[@]}" --power 50 --alt "$TMP/altns.csv" --power-out "$TMP/pwa.csv"
expect_exit 0 "power, --alt-cluster 9900112000:3:6" -- "$TANAW" scan "${PW[@]}" --power 50 --alt-cluster 9900112000:3:6 --power-out "$TMP/pwc.csv"
check "--alt-cluster = --alt with simulate's members" cmp -s "$TMP/pwa.csv" "$TMP/pwc.csv"
expect_exit 0 "power, --alt-cluster with risk 1" -- "$TANAW" scan "${PW[@]}" --power 50 --alt-cluster 9900112000:3:1 --alt "$TMP/altns.csv" --power-out "$TMP/pwd.csv"
check "--alt-cluster multiplies --alt's risks (times 1: unchanged)" cmp -s "$TMP/pwa.csv" "$TMP/pwd.csv"
expect_exit 1 "--alt-cluster with an onset refused" -- "$TANAW" scan "${PW[@]}" --power 10 --alt-cluster 9900112000:3:6:2024-01-01
expect_exit 1 "--alt-cluster: unknown centre" -- "$TANAW" scan "${PW[@]}" --power 10 --alt-cluster 9999999000:3:6
expect_exit 1 "--alt-cluster without --power" -- "$TANAW" scan "${PW[@]}" --alt-cluster 9900112000:3:6
expect_exit 1 "power without --alt" -- "$TANAW" scan "${PW[@]}" --power 10
expect_exit 1 "--alt without --power" -- "$TANAW" scan "${PW[@]}" --alt "$TMP/alt6.csv"
expect_exit 1 "power with the permutation model" -- "$TANAW" scan "${PW[@]}" --power 10 --alt "$TMP/alt6.csv" --model stperm --time month --from 2024-01-01 --to 2024-12-31
printf 'psgc,rr\n123,2\n' > "$TMP/altbad.csv"
expect_exit 2 "power: unknown area in --alt" -- "$TANAW" scan "${PW[@]}" --power 10 --alt "$TMP/altbad.csv"

# --by-source: 150 hotline records added in 9900101000 make a cluster of
# their own; without them its LLR is 0 (not significant), and every LLR
# without a source is Kulldorff's formula on the same window (checked
# here in awk from the CSVs: c' = observed - part, C' = C - the source's
# total, E' = population x C' / N).
{ cat "$TMP/cases.csv"; for i in $(seq 1 150); do echo "X-$i,2022-05-01,hotline,,,9900101000,1,csam_production"; done; } > "$TMP/hot.csv"
expect_exit 0 "scan --by-source" -- "$TANAW" scan "${M[@]}" --cases "$TMP/hot.csv" --replicas 99 --seed 3 \
  --max-pop 0.05 --max-clusters 4 --by-source --by-source-out "$TMP/bs.csv" --out "$TMP/bs_cl.csv" --quiet
check "by-source table header" test "$(head -1 "$TMP/bs.csv")" = "rank,center_id,source,observed,cluster_observed,share,national_share,llr,llr_without"
check "the hotline cluster is reported" grep -q ",9900101000,hotline," "$TMP/bs.csv"
check "without hotline its LLR is 0" test "$(awk -F, '$2=="9900101000" && $3=="hotline" {print $9}' "$TMP/bs.csv")" = "0.000000000"
expect_grep "stdout: hotline drives it" "$TMP/out" "hotline .*LLR without: 0.000  <- not significant without it"
check "sources add up to each cluster's cases" test -z "$(awk -F, 'NR>1 {s[$1]+=$4; o[$1]=$5} END {for (k in s) if (s[k]!=o[k]) print k}' "$TMP/bs.csv")"
N=$(sed -n 's/.*population at risk \([0-9]*\);.*/\1/p' "$TMP/out")
bad=$(awk -F, -v N="$N" 'NR==FNR { if (FNR>1) pop[$1]=$10; next }
  FNR>1 { C=4150; Cs=C-int($7*C+0.5); c=$5-$4; E=pop[$1]*Cs/N;
          l = c>E ? c*log(c/E) + (Cs-c)*log((Cs-c)/(Cs-E)) : 0; d=l-$9; if (d<0) d=-d;
          if (d>1e-6) print $1 "/" $3 ": " $9 " vs " l }' "$TMP/bs_cl.csv" "$TMP/bs.csv")
check "LLR without each source = Kulldorff's formula (N=$N) ${bad:+($bad)}" test -n "$N" -a -z "$bad"
expect_exit 1 "--by-source with --public" -- "$TANAW" scan "${M[@]}" --cases "$TMP/hot.csv" --by-source --public
expect_exit 1 "--by-source with --time" -- "$TANAW" scan "${M[@]}" --cases "$TMP/hot.csv" --by-source --time month --from 2022-01-01 --to 2022-12-31
expect_exit 1 "--by-source-out without --by-source" -- "$TANAW" scan "${M[@]}" --cases "$TMP/hot.csv" --by-source-out "$TMP/x.csv"

# Bernoulli: controls everywhere, cases doubled in the planted area.
{ echo "psgc,count"; tail -n +2 "$G/municipalities.csv" | awk -F, '{print $1 ",40"}'; } > "$TMP/controls.csv"
{ echo "psgc,count"; tail -n +2 "$G/municipalities.csv" | awk -F, '{print $1 "," ($1=="9900112000" ? 40 : 10)}'; } > "$TMP/bcases.csv"
expect_exit 0 "bernoulli" -- "$TANAW" scan "${M[@]}" --counts "$TMP/bcases.csv" --model bernoulli \
  --controls "$TMP/controls.csv" --replicas 99 --out "$TMP/b.csv" --quiet
check "bernoulli finds the planted area" test "$(awk -F, 'NR==2 {print $2}' "$TMP/b.csv")" = "9900112000"
expect_exit 1 "bernoulli without controls" -- "$TANAW" scan "${M[@]}" --counts "$TMP/bcases.csv" --model bernoulli --quiet
expect_exit 1 "unknown model" -- "$TANAW" scan "${M[@]}" "${run[@]}" --model gamma
expect_grep "unknown model message" "$TMP/err" "expected poisson, bernoulli or stperm"
expect_exit 1 "max-pop above 0.5" -- "$TANAW" scan "${M[@]}" "${run[@]}" --max-pop 0.7
expect_exit 1 "space-time needs --from/--to" -- "$TANAW" scan "${M[@]}" "${run[@]}" --time month
expect_exit 1 "stperm needs --time" -- "$TANAW" scan "${M[@]}" "${run[@]}" --model stperm

# Space-time: 3 counts per municipality and month in 2024, plus an
# outbreak of 25 in 9900112000 in the last two months. Prospective
# permutation scan by month: the outbreak is alive at the end.
{ echo "psgc,count,report_date"
  for m in 01 02 03 04 05 06 07 08 09 10 11 12; do
    tail -n +2 "$G/municipalities.csv" | awk -F, -v m="$m" '{print $1 ",3,2024-" m "-15"}'
  done
  echo "9900112000,25,2024-11-20"; echo "9900112000,25,2024-12-05"; } > "$TMP/st.csv"
expect_exit 0 "prospective space-time permutation scan" -- "$TANAW" scan "${M[@]}" --counts "$TMP/st.csv" \
  --time month --from 2024-01-01 --to 2024-12-31 --model stperm --mode prospective --max-time 0.25 \
  --replicas 99 --seed 2 --out "$TMP/st_cl.csv" --quiet
check "space-time columns" grep -q "start_date,end_date,recurrence_units" "$TMP/st_cl.csv"
check "outbreak area centres cluster 1" test "$(awk -F, 'NR==2 {print $2}' "$TMP/st_cl.csv")" = "9900112000"
check "cluster 1 is alive at the end" test "$(awk -F, 'NR==2 {print $18}' "$TMP/st_cl.csv")" = "2024-12-31"
check "cluster 1 starts in November" test "$(awk -F, 'NR==2 {print $17}' "$TMP/st_cl.csv")" = "2024-11-01"
check "cluster 1 p = 0.01 and recurrence 100 months" test "$(awk -F, 'NR==2 {print $14 "/" $19}' "$TMP/st_cl.csv")" = "0.01/100"
expect_grep "summary: prospective" "$TMP/out" "Prospective space-time scan"
expect_exit 0 "retrospective space-time Poisson scan" -- "$TANAW" scan "${M[@]}" --counts "$TMP/st.csv" \
  --time quarter --from 2024-01-01 --to 2024-12-31 --replicas 19 --out "$TMP/st_p.csv" --quiet
check "Poisson by quarter: last quarter" test "$(awk -F, 'NR==2 {print $17 "/" $18}' "$TMP/st_p.csv")" = "2024-10-01/2024-12-31"
expect_exit 1 "no cases" -- "$TANAW" scan "${M[@]}" --quiet

# Space-time placement as cli_load_counts: by hand, 2 records in 9900112000
# and one under a 2023Q4 code the crosswalk recodes to it (January), one in
# 9900101000 (March), one known only at province 9900100000 (February).
printf 'case_id,report_date,source,psgc,psgc_version\na1,2024-01-05,NBI,9900112000,\na2,2024-01-06,NBI,9900112000,\na3,2024-01-07,NBI,9900199000,2023Q4\nb1,2024-03-06,NBI,9900101000,\np1,2024-02-01,NBI,9900100000,\n' > "$TMP/pl.csv"
printf 'from_version,to_version,old_code,new_code,kind,weight,scope,note\n2023Q4,2024Q2,9900199000,9900112000,recode,1,unit,\n' > "$TMP/cw.csv"
PL=(--cases "$TMP/pl.csv" --time month --from 2024-01-01 --to 2024-03-31 --replicas 9 --rejects "$TMP/rej.csv")
expect_exit 0 "space-time without crosswalk" -- "$TANAW" scan "${M[@]}" "${PL[@]}" --out "$TMP/pl0.csv"
expect_grep "without crosswalk: 3 cases in the cube" "$TMP/out" "^total cases 3,"
expect_grep "without crosswalk: 2 in the cluster" "$TMP/out" "observed cases \.*: 2$"
expect_exit 0 "space-time with crosswalk" -- "$TANAW" scan "${M[@]}" "${PL[@]}" --crosswalk "$TMP/cw.csv" \
  --to-version 2024Q2 --out "$TMP/pl1.csv"
expect_grep "crosswalk: 4 cases in the cube" "$TMP/out" "^total cases 4,"
expect_grep "crosswalk: 3 in the January cluster" "$TMP/out" "observed cases \.*: 3$"
expect_grep "crosswalk: recoded on stdout" "$TMP/out" "^PSGC versions: 1 records recoded onto 2024Q2"
expect_exit 0 "space-time --coarse level" -- "$TANAW" scan "${M[@]}" "${PL[@]}" --coarse level --out "$TMP/pl2.csv"
expect_grep "level: province areas" "$TMP/out" "^areas: 4 province areas"
# at province level a3 is placed by its digits (9900100000) without the crosswalk
expect_grep "level: all 5 records in the cube" "$TMP/out" "^total cases 5,"
expect_exit 1 "--coarse allocate is refused" -- "$TANAW" scan "${M[@]}" "${PL[@]}" --coarse allocate
expect_grep "allocate: says why" "$TMP/err" "scan needs whole numbers of cases"
check "no note that options are ignored" test -z "$(grep "not applied" "$TMP/out")"
# the space-time cube from a case store: the same clusters
KEY="$TMP/k.key"; DB="$TMP/s.db"
expect_exit 0 "key new" -- "$TANAW" key new --out "$KEY"
expect_exit 0 "db init" -- "$TANAW" db init --db "$DB"
expect_exit 0 "ingest" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/pl.csv" --key "$KEY"
expect_exit 0 "space-time from --db" -- "$TANAW" scan "${M[@]}" --db "$DB" --time month --from 2024-01-01 \
  --to 2024-03-31 --replicas 9 --crosswalk "$TMP/cw.csv" --to-version 2024Q2 --out "$TMP/pl1db.csv"
expect_grep "--db: 4 cases in the cube" "$TMP/out" "^total cases 4,"
check "--db clusters identical to --cases" cmp -s "$TMP/pl1.csv" "$TMP/pl1db.csv"

if [ -n "$DATA" ]; then
  C="$DATA/cebu_metro"
  expect_exit 0 "simulate on Cebu metro" -- "$TANAW" simulate --areas "$C/municipalities.csv" --n 3000 \
    --seed 5 --cluster 0731300000:4:3 --out "$TMP/cebu.csv" --quiet
  expect_exit 0 "scan Cebu metro" -- "$TANAW" scan --areas "$C/municipalities.geojson" \
    --areas "$C/municipalities.csv" --cases "$TMP/cebu.csv" \
    --replicas 99 --out "$TMP/cebu_cl.csv" --members "$TMP/cebu_m.csv" --quiet
  check "Cebu: Mandaue centres cluster 1" test "$(awk -F, 'NR==2 {print $2}' "$TMP/cebu_cl.csv")" = "0731300000"
  check "Cebu: the 4 planted areas" test "$(grep -c ',1,' "$TMP/cebu_m.csv")" -eq 4
fi
finish
