# test_public.sh: --public on gistar, lisa and moran (docs/publication.md).
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
else
  echo "skip: no real geography" >&2
fi
finish
