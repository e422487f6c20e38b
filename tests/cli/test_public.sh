# test_public.sh: --public on gistar, lisa, moran, scan, emerging and kde
# (docs/publication.md).
# A hand-made geography of eight provinces in three regions with counts
# chosen by hand: the expected cells are withheld, an outside attacker
# (public_attack.py, which shares no code with the library) recovers nothing
# from the CSV, GeoJSON, totals and stdout, also by brute force over every
# integer assignment; two data sets that differ only inside withheld cells
# give byte-identical outputs (statistics come from the public view); noise
# is reproducible for a seed; misuse is refused. Then the smoke test on the
# real municipalities with simulated records and a planted cluster.
source "$(dirname "$0")/lib.sh"
ATTACK=(python3 "$SRC/tests/cli/public_attack.py")
cd "$TMP" || exit 1

cat > prov.csv <<'CSV'
psgc,name,lon,lat,population
0102800000,Ilocos Norte,120.7,18.2,100000
0102900000,Ilocos Sur,120.5,17.2,200000
0103300000,La Union,120.4,16.6,300000
0105500000,Pangasinan,120.3,16.0,400000
0200900000,Batanes,121.9,20.4,50000
0201500000,Cagayan,121.8,18.0,500000
0203100000,Isabela,121.9,16.9,600000
0300800000,Bataan,120.4,14.6,700000
CSV
cat > c1.csv <<'CSV'
psgc,count
0102800000,3
0102900000,25
0103300000,40
0105500000,60
0200900000,0
0201500000,30
0203100000,45
0300800000,12
CSV
# the same except inside the withheld pair (Ilocos Norte + Ilocos Sur = 28)
# square polygons around each point (the record locator needs polygons)
awk -F, 'NR > 1 { d = 0.2; printf "%s{\"type\":\"Feature\",\"properties\":{\"psgc\":\"%s\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}}", (NR > 2 ? ",\n" : ""), $1, $3-d, $4-d, $3+d, $4-d, $3+d, $4+d, $3-d, $4+d, $3-d, $4-d }
  BEGIN { printf "{\"type\":\"FeatureCollection\",\"features\":[\n" } END { print "]}" }' prov.csv > prov.geojson
sed -e 's/^0102800000,3$/0102800000,4/' -e 's/^0102900000,25$/0102900000,24/' c1.csv > c2.csv
P=(--areas prov.geojson --areas prov.csv --rate count --weights knn:3 --permutations 49 --seed 2 --quiet --public)
for k in 1 2; do
  expect_exit 0 "gistar --public, data set $k" -- "$TANAW" gistar "${P[@]}" --counts c$k.csv \
    --out g$k.csv --geojson g$k.geojson --totals t$k.csv --map g$k.svg
  cp "$TMP/out" out$k.txt
done
check "suppressed column" test "$(head -1 g1.csv | awk -F, '{print $NF}')" = suppressed
check "Ilocos Norte withheld: empty count and rate" grep -q '^0102800000,Ilocos Norte,,100000,,.*,1$' g1.csv
check "Ilocos Sur withheld as complement" grep -q '^0102900000,Ilocos Sur,,200000,,.*,1$' g1.csv
check "La Union shown" grep -q '^0103300000,La Union,40,300000,40,.*,0$' g1.csv
check "Bataan (12) shown" grep -q '^0300800000,Bataan,12,' g1.csv
check "two withheld areas" test "$(grep -c ',1$' g1.csv)" -eq 2
check "geojson null count" grep -q '"id":"0102800000","name":"Ilocos Norte","count":null' g1.geojson
check "totals: region I published" grep -q '^0100000000,region,PH,128,0$' t1.csv
expect_grep "stdout: national total" out1.txt "^national total: 215$"
check "stdout: no record diagnostics" bash -c "! grep -qE '^(records|placed):' out1.txt"
check "no rejects file next to public outputs" bash -c "! ls | grep -q rejects"
expect_exit 0 "attack fails (csv, geojson, totals, stdout, brute force)" -- "${ATTACK[@]}" \
  --csv g1.csv --geojson g1.geojson --totals t1.csv --stdout out1.txt --brute
expect_grep "brute force ran" "$TMP/out" "brute force over 2 withheld areas"
for f in g.csv g.geojson t.csv out.txt g.svg; do
  b="${f%.*}" e="${f##*.}"
  check "same release when only withheld cells differ: $f" cmp -s "${b}1.$e" "${b}2.$e"
done

# the attacker must notice a leak: show a withheld count in a copy of the totals
sed 's/^0102800000,province,0100000000,,1$/0102800000,province,0100000000,3,0/' t1.csv > leak.csv
expect_exit 1 "attack notices a shown small count" -- "${ATTACK[@]}" --totals leak.csv
sed 's/^0102900000,province,0100000000,,1$/0102900000,province,0100000000,25,0/' t1.csv > leak2.csv
expect_exit 1 "attack recovers a lone withheld cell" -- "${ATTACK[@]}" --totals leak2.csv
expect_grep "by subtraction" "$TMP/out" "subtraction recovers 1"

# small region: Bataan 5 alone in region III (counts kept small for the brute force)
printf 'psgc,count\n0102800000,3\n0102900000,12\n0201500000,10\n0203100000,12\n0300800000,5\n' > c3.csv
expect_exit 0 "gistar --public, a small region" -- "$TANAW" gistar "${P[@]}" --counts c3.csv \
  --out g3.csv --totals t3.csv
cp "$TMP/out" out3.txt
check "region III withheld" grep -q '^0300000000,region,PH,,1$' t3.csv
expect_exit 0 "attack fails (small region, brute force)" -- "${ATTACK[@]}" --csv g3.csv \
  --totals t3.csv --stdout out3.txt --brute

# lisa and moran
expect_exit 0 "lisa --public" -- "$TANAW" lisa "${P[@]}" --counts c1.csv --out l1.csv --totals tl.csv
check "lisa: same cells withheld" test "$(grep -c ',1$' l1.csv)" -eq 2
expect_exit 0 "moran --public" -- "$TANAW" moran "${P[@]}" --counts c1.csv --out m1.csv
cp "$TMP/out" mo1.txt
expect_exit 0 "moran --public, data set 2" -- "$TANAW" moran "${P[@]}" --counts c2.csv --out m2.csv
check "moran: same I when only withheld cells differ" cmp -s m1.csv m2.csv
expect_grep "moran stdout: national total" mo1.txt "^national total: 215$"

# noise
N=("${P[@]}" --epsilon 0.5 --noise-seed 77)
expect_exit 0 "noisy run" -- "$TANAW" gistar "${N[@]}" --counts c1.csv --out n1.csv --totals nt1.csv
expect_exit 0 "noisy run again" -- "$TANAW" gistar "${N[@]}" --counts c1.csv --out n2.csv --totals nt2.csv
check "same noise seed, same release" cmp -s n1.csv n2.csv
expect_exit 0 "noisy run, another seed" -- "$TANAW" gistar "${P[@]}" --epsilon 0.5 --noise-seed 78 \
  --counts c1.csv --out n3.csv --totals nt3.csv
check "another seed, another release" bash -c "! cmp -s nt1.csv nt3.csv"
expect_exit 0 "attack fails on the noisy release" -- "${ATTACK[@]}" --csv n1.csv --totals nt1.csv

# misuse
expect_exit 1 "--min-count without --public" -- "$TANAW" gistar --areas prov.geojson --areas prov.csv --counts c1.csv --min-count 5 --rejects /dev/null
expect_exit 1 "--min-count 2 refused" -- "$TANAW" gistar "${P[@]}" --counts c1.csv --min-count 2
expect_grep "says why" "$TMP/err" "would be 1"
expect_exit 1 "--noise-seed without --epsilon" -- "$TANAW" gistar "${P[@]}" --counts c1.csv --noise-seed 3

# scan --public: the scan runs on the whole-number public view, so its
# clusters, members, GeoJSON, map and stdout are functions of the
# published numbers; the attack adds "observed = sum of the members" for
# every shown cluster and is judged against the real counts
S=(--areas prov.geojson --areas prov.csv --replicas 99 --seed 2 --quiet --public)
for k in 1 2; do
  expect_exit 0 "scan --public, data set $k" -- "$TANAW" scan "${S[@]}" --counts c$k.csv \
    --out s$k.csv --members sm$k.csv --geojson s$k.geojson --totals st$k.csv --map s$k.svg
  cp "$TMP/out" sout$k.txt
done
for f in s.csv sm.csv s.geojson st.csv sout.txt s.svg; do
  b="${f%.*}" e="${f##*.}"
  check "scan: same release when only withheld cells differ: $f" cmp -s "${b}1.$e" "${b}2.$e"
done
check "scan members: a withheld area's count is empty" grep -q '^0102900000,Ilocos Sur,[0-9]*,,200000$' sm1.csv
check "scan geojson: suppressed flag" grep -q '"id":"0102900000","name":"Ilocos Sur","count":null.*"suppressed":1' s1.geojson
check "scan stdout: no record diagnostics" bash -c "! grep -qE '^(records|placed):' sout1.txt"
expect_grep "scan stdout: published national total" sout1.txt "^national total: 215$"
expect_grep "scan: most likely cluster holds Ilocos Sur" sm1.csv "^0102900000,Ilocos Sur,1,"
for k in 1 2; do
  expect_exit 0 "attack on the public scan fails (truth $k, subtraction and brute force)" -- \
    "${ATTACK[@]}" --totals st1.csv --clusters s1.csv --members sm1.csv --truth c$k.csv --brute
done
expect_grep "attack used the cluster sums" "$TMP/out" "cluster sums over member areas"
# broken on purpose: clusters from the real counts give the withheld cells away
TANAW_TEST_PUBLIC_SCAN_LEAK=1 expect_exit 0 "scan --public leaking (test flag)" -- "$TANAW" scan \
  "${S[@]}" --counts c1.csv --out sl.csv --members sml.csv --totals stl.csv
expect_exit 1 "attack recovers a withheld cell from a leaking scan's clusters" -- "${ATTACK[@]}" \
  --totals stl.csv --clusters sl.csv --members sml.csv --truth c1.csv --brute
expect_grep "says how" "$TMP/out" "true count .* is there"
expect_exit 1 "scan --public refuses the Bernoulli model" -- "$TANAW" scan "${S[@]}" --counts c1.csv \
  --model bernoulli --controls c1.csv

# emerging --public: cells, areas and totals are one publication (zeros
# withheld in the cube); two record sets that differ only inside withheld
# cells give the same release; the attack on the cube fails, and succeeds
# when complementary suppression is switched off (test flag)
cases_of() { # psgc:date:n ... -> a cases CSV
  echo "case_id,report_date,source,psgc"
  local i=0 spec
  for spec in "$@"; do
    IFS=: read -r code day n <<< "$spec"
    for ((j = 0; j < n; j++)); do i=$((i + 1)); echo "E$i,$day,ncmec,$code"; done
  done
}
BASE=(0102900000:2024-01-10:6 0102900000:2024-04-10:7 0102900000:2024-07-10:6 0102900000:2024-10-10:6
      0103300000:2024-01-10:10 0103300000:2024-04-10:10 0103300000:2024-07-10:10 0103300000:2024-10-10:10
      0105500000:2024-01-10:15 0105500000:2024-04-10:15 0105500000:2024-07-10:15 0105500000:2024-10-10:15
      0201500000:2024-01-10:5 0201500000:2024-04-10:8 0201500000:2024-07-10:9 0201500000:2024-10-10:8
      0203100000:2024-01-10:12 0203100000:2024-04-10:11 0203100000:2024-07-10:11 0203100000:2024-10-10:11
      0300800000:2024-01-10:3 0300800000:2024-04-10:3 0300800000:2024-07-10:3 0300800000:2024-10-10:3)
cases_of "${BASE[@]}" 0102800000:2024-01-10:2 0102800000:2024-04-10:1 > e1.csv
cases_of "${BASE[@]}" 0102800000:2024-01-10:1 0102800000:2024-04-10:2 > e2.csv
E=(--areas prov.geojson --areas prov.csv --from 2024-01-01 --to 2024-12-31 --step quarter
   --weights knn:3 --seed 2 --quiet --public)
for k in 1 2; do
  expect_exit 0 "emerging --public, data set $k" -- "$TANAW" emerging "${E[@]}" --cases e$k.csv \
    --out eo$k.csv --cube ec$k.csv --geojson eg$k.geojson --totals et$k.csv --map em$k.svg \
    --chart ech$k.svg --trends etr$k.csv --trend-level region
  cp "$TMP/out" eout$k.txt
done
for f in eo.csv ec.csv eg.geojson et.csv eout.txt em.svg ech.svg etr.csv; do
  b="${f%.*}" e="${f##*.}"
  check "emerging: same release when only withheld cells differ: $f" cmp -s "${b}1.$e" "${b}2.$e"
done
check "emerging cube: a small cell withheld" grep -q '^0102800000,2024-Q1,2024-01-01,,.*,1$' ec1.csv
check "emerging cube: a zero withheld in a non-zero area" grep -q '^0102800000,2024-Q3,2024-07-01,,.*,1$' ec1.csv
check "emerging cube: zeros of a zero area shown" grep -q '^0200900000,2024-Q1,2024-01-01,0,.*,0$' ec1.csv
check "emerging table: suppressed column" test "$(head -1 eo1.csv | awk -F, '{print $NF}')" = suppressed
expect_grep "emerging stdout: published national total" eout1.txt "^national total: 215$"
check "no rejects file next to public outputs" bash -c "! ls | grep -q rejects"
expect_exit 0 "attack on the public cube fails" -- "${ATTACK[@]}" --totals et1.csv --csv eo1.csv \
  --cube ec1.csv
# noise on the cells of the cube: reproducible for a seed, areas the sums of their noisy cells
for k in 1 2; do
  expect_exit 0 "emerging --public --epsilon, run $k" -- "$TANAW" emerging "${E[@]}" --cases e1.csv \
    --epsilon 0.5 --noise-seed 7 --cube en$k.csv --totals ent$k.csv
done
check "noisy cube: same seed, same release" cmp -s en1.csv en2.csv
check "noisy cube: shown areas are the sums of their shown cells" python3 -c "
import csv, collections
cells = collections.defaultdict(list)
for r in csv.DictReader(open('en1.csv')): cells[r['id']].append(r['count'])
for r in csv.DictReader(open('ent1.csv')):
    if r['level'] == 'province' and r['count'] and all(c != '' for c in cells[r['id']]):
        assert float(r['count']) == sum(float(c) for c in cells[r['id']]), r['id']
"
expect_exit 0 "attack fails on the noisy cube" -- "${ATTACK[@]}" --totals ent1.csv --cube en1.csv

# the space-time scan publishes the same cube (one pattern with the totals)
for k in 1 2; do
  expect_exit 0 "space-time scan --public, data set $k" -- "$TANAW" scan --areas prov.geojson \
    --areas prov.csv --replicas 99 --seed 2 --quiet --public --time quarter --from 2024-01-01 \
    --to 2024-12-31 --cases e$k.csv --out sts$k.csv --members stm$k.csv --totals stt$k.csv
  cp "$TMP/out" stout$k.txt
done
for f in sts.csv stm.csv stt.csv stout.txt; do
  b="${f%.*}" e="${f##*.}"
  check "space-time scan: same release when only withheld cells differ: $f" cmp -s "${b}1.$e" "${b}2.$e"
done
check "space-time scan: the totals are the cube's" cmp -s stt1.csv et1.csv
TANAW_TEST_PUBLIC_NO_COMPLEMENTS=1 expect_exit 0 "emerging --public without complements (test flag)" -- \
  "$TANAW" emerging "${E[@]}" --cases e1.csv --cube ecb.csv --totals etb.csv
expect_exit 1 "attack recovers cells when complements are off" -- "${ATTACK[@]}" --totals etb.csv \
  --cube ecb.csv

# kde --public: a numeric bandwidth of 5 km or more; cells where fewer than
# --min-count cases weigh in are nodata, the rest rounded to whole cases, so
# a lone case far from the others changes nothing that is published
{ echo "case_id,report_date,source,lon,lat"
  for i in $(seq 1 40); do echo "K$i,2024-03-01,ncmec,120.5$((i % 7)),16.0$((i % 5))"; done; } > k1.csv
{ cat k1.csv; echo "K99,2024-03-01,ncmec,121.9,20.4"; } > k2.csv
K=(--areas prov.csv --bandwidth 5 --cell 2 --quiet --public)
for k in 1 2; do
  expect_exit 0 "kde --public, points $k" -- "$TANAW" kde --cases k$k.csv "${K[@]}" --out k$k.asc \
    --cells kc$k.csv --map k$k.svg
  cp "$TMP/out" kout$k.txt
done
for f in k.asc kc.csv k.svg; do
  b="${f%.*}" e="${f##*.}"
  check "kde: a lone case changes nothing published: $f" cmp -s "${b}1.$e" "${b}2.$e"
done
check "kde: some cells published" test "$(wc -l < kc1.csv)" -gt 1
check "kde stdout: no number of points" bash -c "! grep -q points kout1.txt"
check "kde stdout: the same but for the timing" cmp -s <(grep -v "computed in" kout1.txt) <(grep -v "computed in" kout2.txt)
expect_exit 1 "kde --public needs a grid that does not follow the points" -- "$TANAW" kde \
  --cases k1.csv --bandwidth 5 --public --quiet
expect_exit 1 "kde --public refuses a bandwidth rule" -- "$TANAW" kde --cases k1.csv --areas prov.csv --public --quiet
expect_exit 1 "kde --public refuses a bandwidth below 5 km" -- "$TANAW" kde --cases k1.csv --public \
  --bandwidth 2 --quiet
expect_exit 1 "kde --public refuses --epsilon" -- "$TANAW" kde --cases k1.csv "${K[@]}" --epsilon 1
expect_exit 1 "kde: --min-count needs --public" -- "$TANAW" kde --cases k1.csv --bandwidth 5 --min-count 5
check "no rejects file after the public scan, emerging and kde runs" bash -c "! ls | grep -q rejects"

# the real geography: simulated records with a planted cluster
if [ -n "$DATA" ]; then
  M=(--areas "$DATA/municipalities.geojson" --areas "$DATA/municipalities.csv")
  expect_exit 0 "simulate over the municipalities" -- "$TANAW" simulate --areas "$DATA/municipalities.csv" \
    --n 8000 --seed 5 --cluster 0731300000:8:5 --out cases.csv --quiet
  expect_exit 0 "gistar --public on the municipalities" -- "$TANAW" gistar "${M[@]}" --cases cases.csv \
    --public --out r.csv --geojson r.geojson --map r.png --totals rt.csv --permutations 99 \
    --weights knn:6 --quiet
  cp "$TMP/out" rout.txt
  check "map written" test -s r.png
  expect_grep "planted cluster still found" rout.txt "City of Mandaue .* hot 99%"
  expect_grep "national total shown" rout.txt "^national total: 8000$"
  check "no rejects file" bash -c "! ls | grep -q rejects"
  expect_exit 0 "attack fails on the municipalities" -- "${ATTACK[@]}" --csv r.csv --geojson r.geojson \
    --totals rt.csv --stdout rout.txt
  expect_grep "attack checked the hotspot list" "$TMP/out" "10 top-hotspot rows"
  # scan, emerging and kde on the municipalities (records dated over 2023)
  expect_exit 0 "simulate dated records" -- "$TANAW" simulate --areas "$DATA/municipalities.geojson" \
    --areas "$DATA/municipalities.csv" --n 3000 --seed 5 --cluster 0731300000:8:5 --from 2023-01-01 \
    --to 2023-12-31 --out dated.csv --quiet
  expect_exit 0 "scan --public on the municipalities" -- "$TANAW" scan "${M[@]}" --cases dated.csv \
    --public --replicas 99 --out rs.csv --members rsm.csv --totals rst.csv --quiet
  expect_grep "scan: the planted cluster is the most likely one" rsm.csv "^0731300000,City of Mandaue,1,"
  # (the cluster sums are tried on the hand geography above, where they can be judged)
  expect_exit 0 "attack on the public scan fails (municipalities)" -- "${ATTACK[@]}" --totals rst.csv \
    --members rsm.csv
  expect_exit 0 "emerging --public on the municipalities" -- "$TANAW" emerging "${M[@]}" --cases dated.csv \
    --from 2023-01-01 --to 2023-12-31 --step quarter --public --out re.csv --cube rc.csv --totals ret.csv --quiet
  cp "$TMP/out" reout.txt
  expect_grep "emerging: the national total stays published" reout.txt "^national total: 3000$"
  expect_grep "emerging: Mandaue a hot spot" re.csv "^0731300000,City of Mandaue,[a-z]* hot spot,"
  expect_exit 0 "attack on the public cube fails (municipalities)" -- "${ATTACK[@]}" --totals ret.csv \
    --csv re.csv --cube rc.csv
  expect_exit 0 "kde --public on the municipalities" -- "$TANAW" kde --cases dated.csv --public \
    --bandwidth 10 --cell 5 --areas "$DATA/municipalities.csv" --out rk.asc --quiet
  check "kde: published cells around Cebu" test "$(grep -c '' rk.asc)" -gt 6
else
  echo "skip: no real geography" >&2
fi
finish
