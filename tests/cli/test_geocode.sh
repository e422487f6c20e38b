# test_geocode.sh: `tanaw geocode` on a small PSGC file in PSA's CSV export
# layout (header names with line breaks, blank columns) and, when the data
# folder is there, on the real PSGC 4Q 2023 datafile: outcomes, the added
# columns, and clear errors naming file, line and field with distinct exit
# codes for bad input.
source "$(dirname "$0")/lib.sh"
export LC_ALL=C # some inputs hold bytes that are not UTF-8 on purpose
P="$TMP/psgc.csv"
printf '%s\r\n' '10-digit PSGC,Name,Correspondence Code,Geographic Level,Old names,City Class,"Income' \
  'Classification","Urban / Rural' '(based on 2020 CPH)",2015 Population,,2020 Population,,Status' \
  '0700000000,Region VII (Central Visayas),070000000,Reg,,,,,,,,,' \
  '0702200000,Cebu,072200000,Prov,,,1st,,,,,,' \
  '0702220000,Cordova,072220000,Mun,,,1st,,,,,,' \
  '0702220012,Poblacion,072220012,Bgy,,,,U,1,,1,,Pob.' \
  '0731100000,City of Lapu-Lapu,072226000,City,Opon,HUC,1st,,,,,,' \
  '0731100024,Pusok,072226024,Bgy,,,,U,1,,1,,' \
  '0731100030,Pajo,072226030,Bgy,,,,U,1,,1,,' \
  '0731100031,Pajac,072226031,Bgy,,,,U,1,,1,,' > "$P"

cat > "$TMP/in.csv" <<'CSV'
case_id,address
c1,"Brgy. Pusok, Lapu-Lapu City"
c2,"Poblacion, Cordova, Cebu"
c3,"Pusak, Opon"
c4,"Lapu-Lapu City"
c5,"Paja, Lapu-Lapu City"
c6,"Atlantis"
CSV
expect_exit 0 "geocode a CSV" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" --out "$TMP/out.csv"
expect_grep "header gains the columns" "$TMP/out.csv" '^case_id,address,psgc,level,outcome,score,candidates,n_candidates$'
expect_grep "exact barangay" "$TMP/out.csv" '^c1,"Brgy. Pusok, Lapu-Lapu City",0731100024,barangay,exact,1.000,,0$'
expect_grep "exact in a municipality" "$TMP/out.csv" '^c2,.*,0702220012,barangay,exact,1.000,,0$'
expect_grep "typo and old city name" "$TMP/out.csv" '^c3,.*,0731100024,barangay,fuzzy,0\.800,,0$'
expect_grep "city only: coarser" "$TMP/out.csv" '^c4,.*,0731100000,municipality,coarser,1.000,,0$'
expect_grep "two barangays one edit away: ambiguous" "$TMP/out.csv" '^c5,.*,0731100000,municipality,ambiguous,0\.[0-9]+,0731100031;0731100030,2$'
expect_grep "not found" "$TMP/out.csv" '^c6,Atlantis,,,not_found,,,0$'
expect_grep "summary on stderr" "$TMP/err" "geocoded 6 records: 2 exact, 1 fuzzy, 1 ambiguous, 1 coarser, 1 not found"

expect_exit 0 "addresses on the command line" -- "$TANAW" geocode --psgc "$P" --address "pusok lapulapu"
expect_grep "printed with the name" "$TMP/out" $'^pusok lapulapu\texact\t0731100024\tbarangay\t'

expect_exit 0 "stdin to stdout" -- bash -c "\"$TANAW\" geocode --psgc \"$P\" --in - --out - < \"$TMP/in.csv\""
expect_grep "stdout has the records" "$TMP/out" '^c4,'

printf 'id,where\n1,"Pusok, Lapu-Lapu"\n' > "$TMP/col.csv"
expect_exit 0 "--column picks the address column" -- "$TANAW" geocode --psgc "$P" --in "$TMP/col.csv" --column where --out "$TMP/col_out.csv" --quiet
expect_grep "geocoded from 'where'" "$TMP/col_out.csv" '0731100024,barangay,exact'

# Bad input: exit 2 with file, line and field.
: > "$TMP/empty.csv"
expect_exit 2 "empty input" -- "$TANAW" geocode --psgc "$P" --in "$TMP/empty.csv" --out "$TMP/o.csv"
expect_grep "names the empty file" "$TMP/err" "empty.csv: file is empty"
check "no output left behind" test ! -e "$TMP/o.csv"
printf 'case_id,address\n' > "$TMP/header_only.csv"
expect_exit 2 "header without records" -- "$TANAW" geocode --psgc "$P" --in "$TMP/header_only.csv" --out "$TMP/o.csv"
expect_grep "says there are no records" "$TMP/err" "no records after the header"
expect_exit 2 "missing column" -- "$TANAW" geocode --psgc "$P" --in "$TMP/col.csv" --out "$TMP/o.csv"
expect_grep "names the column" "$TMP/err" "col.csv:1: field 'address': no column named 'address'"
printf 'case_id,address\nc1,"Pusok, Lapu-Lapu"\nc2,"Pus\xffok"\n' > "$TMP/latin.csv"
expect_exit 2 "non-UTF-8 address" -- "$TANAW" geocode --psgc "$P" --in "$TMP/latin.csv" --out "$TMP/o.csv"
expect_grep "names line and field" "$TMP/err" "latin.csv:3:2: field 'address': address is not UTF-8"
check "no half-written output" test ! -e "$TMP/o.csv"
{ printf 'case_id,address\nc1,"'; head -c 5000 /dev/zero | tr '\0' 'a'; printf '"\n'; } > "$TMP/long.csv"
expect_exit 2 "absurdly long address" -- "$TANAW" geocode --psgc "$P" --in "$TMP/long.csv" --out "$TMP/o.csv"
expect_grep "says how long" "$TMP/err" "long.csv:2:2: field 'address': address is 5000 bytes, longer than the 1024 allowed"
printf 'case_id,address\nc1,"Pusok, Lapu-Lapu"\nc2," , - "\nc3,\n' > "$TMP/blank.csv"
expect_exit 2 "empty address" -- "$TANAW" geocode --psgc "$P" --in "$TMP/blank.csv" --out "$TMP/o.csv"
expect_grep "names line and field of the empty address" "$TMP/err" "blank.csv:3:2: field 'address': address is empty"
check "no output after an empty address" test ! -e "$TMP/o.csv"
expect_exit 0 "--keep-going: empty addresses are invalid" -- "$TANAW" geocode --psgc "$P" --in "$TMP/blank.csv" --out "$TMP/o.csv" --keep-going
check "two invalid, one exact" test "$(grep -c ',,,invalid,,,0$' "$TMP/o.csv") $(grep -c ',barangay,exact,' "$TMP/o.csv")" = "2 1"
expect_exit 0 "--keep-going keeps bad rows" -- "$TANAW" geocode --psgc "$P" --in "$TMP/latin.csv" --out "$TMP/o.csv" --keep-going
expect_grep "bad row marked invalid" "$TMP/o.csv" '^c2,.*,,,invalid,,,0$'
expect_grep "warning names the line" "$TMP/err" "latin.csv:3: field 'address'"
printf 'case_id,address,psgc\nc1,Pusok,0731100024\n' > "$TMP/taken.csv"
expect_exit 2 "output column already in the input" -- "$TANAW" geocode --psgc "$P" --in "$TMP/taken.csv" --out "$TMP/o2.csv"
expect_grep "names the clashing column" "$TMP/err" "already has a column 'psgc'"
printf 'PK\003\004zip' > "$TMP/book.xlsx"
expect_exit 2 "xlsx refused with advice" -- "$TANAW" geocode --psgc "$TMP/book.xlsx" --address x
expect_grep "says save as CSV" "$TMP/err" "xlsx workbook: save its sheet PSGC as CSV"
printf '10-digit PSGC,Name,Geographic Level\n0700000000,Region VII,Region\n' > "$TMP/badlevel.csv"
expect_exit 2 "bad level in the PSGC file" -- "$TANAW" geocode --psgc "$TMP/badlevel.csv" --address x
expect_grep "names line and field of the PSGC file" "$TMP/err" "badlevel.csv:2:3: field 'Geographic Level': unknown geographic level"
expect_exit 1 "--psgc is required" -- "$TANAW" geocode --in "$TMP/in.csv" --out "$TMP/o.csv"
expect_exit 1 "--in without --out" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv"
expect_exit 3 "unwritable output" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" --out "$TMP/no/such/dir/o.csv"

# --records/--review on the small file: every row goes to exactly one of them.
expect_exit 0 "records and review files" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" \
  --records "$TMP/rec.csv" --review "$TMP/rev.csv" --psgc-version 2023Q4
check "records: the input's columns without the address, + psgc, precision, version" \
  test "$(cat "$TMP/rec.csv")" = "$(printf '%s\n' case_id,psgc,location_precision,psgc_version \
  c1,0731100024,barangay,2023Q4 c2,0702220012,barangay,2023Q4 c3,0731100024,barangay,2023Q4 \
  c4,0731100000,municipality,2023Q4)"
expect_grep "review: the ambiguous row with its candidates named" "$TMP/rev.csv" \
  '^c5,"Paja, Lapu-Lapu City",6,0731100000,municipality,ambiguous,0\.[0-9]+,0731100031;0731100030,2,"Pajac, City of Lapu-Lapu; Pajo, City of Lapu-Lapu",ambiguous: 2 units fit; choose one of the candidates$'
expect_grep "review: not found" "$TMP/rev.csv" '^c6,Atlantis,7,,,not_found,,,0,,not found in the PSGC$'
check "review: header and 2 rows" test "$(head -1 "$TMP/rev.csv"),$(wc -l < "$TMP/rev.csv")" = \
  "case_id,address,line,psgc,level,outcome,score,candidates,n_candidates,candidate_names,reason,3"
expect_grep "counted on stderr" "$TMP/err" 'records: 4 placed .* review: 2 for a person .*\(1 ambiguous, 1 not found, 0 invalid, 0 scoring below 0.8\)'
expect_exit 0 "--min-score 0.9 sends the 0.8 typo to review" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" \
  --records "$TMP/rec.csv" --review "$TMP/rev.csv" --min-score 0.9 --quiet
expect_grep "the typo is reviewed with its score" "$TMP/rev.csv" '^c3,"Pusak, Opon",4,0731100024,barangay,fuzzy,0.800,,0,,score 0.800 below 0.9$'
check "no version column without --psgc-version or a PSA file name" test "$(head -1 "$TMP/rec.csv")" = case_id,psgc,location_precision
expect_exit 0 "--review keeps bad addresses (invalid) without --keep-going" -- "$TANAW" geocode --psgc "$P" \
  --in "$TMP/blank.csv" --records "$TMP/rec.csv" --review "$TMP/rev.csv" --quiet
expect_grep "empty address reviewed with the reason" "$TMP/rev.csv" '^c2," , - ",3,,,invalid,,,0,,invalid address: address is empty$'
check "one record, two reviewed" test "$(wc -l < "$TMP/rec.csv") $(wc -l < "$TMP/rev.csv")" = "2 3"
expect_exit 1 "--records needs --review" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" --records "$TMP/r1.csv"
expect_grep "says why" "$TMP/err" "records and --review go together"
expect_exit 1 "--min-score needs --records" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" --out "$TMP/o.csv" --min-score 0.5
expect_exit 1 "--psgc-version is checked" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" --records "$TMP/r1.csv" --review "$TMP/r2.csv" --psgc-version "2023 Q4"
printf 'case_id,address,location_precision\nc1,Pusok,barangay\n' > "$TMP/taken2.csv"
expect_exit 2 "records column already in the input" -- "$TANAW" geocode --psgc "$P" --in "$TMP/taken2.csv" --records "$TMP/r1.csv" --review "$TMP/r2.csv"
expect_grep "names it" "$TMP/err" "already has a column 'location_precision'"
expect_exit 0 "an absurdly long address is reviewed" -- "$TANAW" geocode --psgc "$P" --in "$TMP/long.csv" --records "$TMP/r1.csv" --review "$TMP/r2.csv" --out "$TMP/o.csv"
check "with its reason" test "$(tail -1 "$TMP/r2.csv" | grep -c ',invalid,,,0,,"invalid address: address is 5000 bytes, longer than the 1024 allowed"$')" = 1
rm -f "$TMP/r1.csv"
expect_exit 3 "unwritable review file" -- "$TANAW" geocode --psgc "$P" --in "$TMP/in.csv" --records "$TMP/r1.csv" --review "$TMP/no/dir/r2.csv"
check "no records file left behind" test ! -e "$TMP/r1.csv"

# tanaw geo crosswalk with a crosswalk file.
cat > "$TMP/cw.csv" <<'CSV'
from_version,to_version,old_code,new_code,kind,weight,scope,note
2023Q4,2024Q2,0702200000,1802200000,recode,1,tree,a test move
2023Q4,2024Q2,0700000000,0700000000,split,0.25,unit,
2023Q4,2024Q2,0700000000,1800000000,split,0.75,unit,
CSV
expect_exit 0 "crosswalk a code" -- "$TANAW" geo crosswalk --from 2023Q4 --to 2024Q2 --crosswalk "$TMP/cw.csv" --code 0702220012 --code 0700000000
expect_grep "tree recode keeps the lower digits" "$TMP/out" $'^0702220012\t1802220012\t1$'
expect_grep "split with its weight" "$TMP/out" $'^0700000000\t1800000000\t0.75$'
printf 'psgc,cases\n0700000000,8\n0731100024,3\n' > "$TMP/counts.csv"
expect_exit 0 "crosswalk a CSV of counts" -- "$TANAW" geo crosswalk --from 2023Q4 --to 2024Q2 --crosswalk "$TMP/cw.csv" --in "$TMP/counts.csv" --count cases --out "$TMP/counts_new.csv"
expect_grep "counts shared by the split" "$TMP/counts_new.csv" '^0700000000,6,1800000000,0.75$'
expect_grep "unchanged code kept" "$TMP/counts_new.csv" '^0731100024,3,0731100024,1$'
printf 'from_version,to_version,old_code,new_code,kind,weight\n2023Q4,2024Q2,0700000000,0700000000,split,0.5\n2023Q4,2024Q2,0700000000,1800000000,split,0.4\n' > "$TMP/cw_bad.csv"
expect_exit 2 "split weights must sum to 1" -- "$TANAW" geo crosswalk --from 2023Q4 --to 2024Q2 --crosswalk "$TMP/cw_bad.csv" --code 0700000000
expect_grep "names line and field" "$TMP/err" "cw_bad.csv:2: field 'weight': the weights of split 0700000000 sum to 0.9, not 1"
expect_exit 1 "no steps backwards" -- "$TANAW" geo crosswalk --from 2024Q2 --to 2023Q4 --crosswalk "$TMP/cw.csv" --code 0700000000
expect_grep "says no steps lead there" "$TMP/err" "no crosswalk steps lead from version 2024Q2 to 2023Q4"
expect_exit 2 "built-in NIR needs the 4Q 2023 codes" -- "$TANAW" geo crosswalk --from 2023Q4 --to 2024Q2 --psgc "$P" --code 0700000000
expect_grep "names the missing province" "$TMP/err" "no 0604500000 Negros Occidental"
expect_exit 1 "geo needs a subcommand" -- "$TANAW" geo
expect_exit 1 "--from/--to required" -- "$TANAW" geo crosswalk --crosswalk "$TMP/cw.csv" --code 0700000000

# The real datafile, when the data folder is there.
REAL="${DATA:+$DATA/psgc/PSGC-4Q-2023-Publication-Datafile.csv}"
if [ -n "$REAL" ] && [ -f "$REAL" ]; then
  expect_exit 0 "real PSGC: the issue's examples" -- "$TANAW" geocode --psgc "$REAL" \
    --address "Brgy. Pusok, Lapu-Lapu City" --address "Poblacion, Cordova, Cebu" --address "San Isidro, Cebu"
  expect_grep "Pusok" "$TMP/out" $'^Brgy. Pusok, Lapu-Lapu City\texact\t0731100024\tbarangay\t1.000\tPusok$'
  expect_grep "Poblacion of Cordova" "$TMP/out" $'^Poblacion, Cordova, Cebu\texact\t0702220012\t'
  expect_grep "six San Isidro in Cebu province" "$TMP/out" $'^San Isidro, Cebu\tambiguous\t0702200000\tprovince\t.*0702206020 San Isidro.*0702250014 San Isidro$'
  expect_exit 0 "real PSGC: Negros Island Region crosswalk" -- "$TANAW" geo crosswalk --from 2023Q4 --to 2024Q2 \
    --psgc "$REAL" --code 0704610001 --code 0700000000 --write "$TMP/nir.csv"
  expect_grep "a Dumaguete barangay moves to region 18" "$TMP/out" $'^0704610001\t1804610001\t1$'
  expect_grep "Region VII shares 19 % with NIR" "$TMP/out" $'^0700000000\t1800000000\t0.190099886$'
  expect_grep "written crosswalk has the Siquijor row" "$TMP/nir.csv" '^2023Q4,2024Q2,0706100000,1806100000,recode,1,tree,'

  # The documented pipeline (docs/geocode.md): an agency's blotter with
  # written addresses -> geocode --records/--review -> db ingest -> gistar --db.
  cat > "$TMP/blotter.csv" <<'CSV'
case_id,report_date,source,address
r1,2024-01-05,PNP-WCPC,"Brgy. Pusok, Lapu-Lapu City"
r2,2024-01-06,hotline,"Poblacion, Cordova, Cebu"
r3,2024-01-07,PNP-WCPC,"Pusak, Lapu-Lapu City"
r4,2024-01-08,PNP-WCPC,"Pusak Lapulapu Cty"
r5,2024-01-09,hotline,"San Isidro, Cebu"
r6,2024-01-10,hotline,"Lapu-Lapu City"
r7,2024-01-11,hotline,"Xyzzy Plugh"
r8,2024-01-12,NBI,"  ,  "
r9,2024-01-13,NBI,"Pusok, Opon"
r10,2024-01-14,NBI,"Brgy. Pajo, Lapu-Lapu City"
CSV
  expect_exit 0 "real PSGC: geocode a blotter into records and review" -- "$TANAW" geocode --psgc "$REAL" \
    --in "$TMP/blotter.csv" --out "$TMP/placed.csv" --records "$TMP/records.csv" --review "$TMP/review.csv"
  expect_grep "6 placed, 4 for a person" "$TMP/err" 'records: 6 placed .* review: 4 for a person .*\(1 ambiguous, 1 not found, 1 invalid, 1 scoring below 0.8\)'
  check "records file: no address, codes, precision, the version from PSA's file name" \
    test "$(cat "$TMP/records.csv")" = "$(printf '%s\n' case_id,report_date,source,psgc,location_precision,psgc_version \
    r1,2024-01-05,PNP-WCPC,0731100024,barangay,2023Q4 r2,2024-01-06,hotline,0702220012,barangay,2023Q4 \
    r3,2024-01-07,PNP-WCPC,0731100024,barangay,2023Q4 r6,2024-01-10,hotline,0731100000,municipality,2023Q4 \
    r9,2024-01-13,NBI,0731100024,barangay,2023Q4 r10,2024-01-14,NBI,0731100019,barangay,2023Q4)"
  check "review file: the four rows, in input order" test "$(cut -d, -f1 "$TMP/review.csv" | tr '\n' ' ')" = "case_id r4 r5 r7 r8 "
  expect_grep "review: the typo without commas, score 0.68" "$TMP/review.csv" \
    '^r4,2024-01-08,PNP-WCPC,Pusak Lapulapu Cty,5,0731100024,barangay,fuzzy,0.680,,0,,score 0.680 below 0.8$'
  expect_grep "review: six San Isidro of Cebu, named with their municipality" "$TMP/review.csv" \
    '^r5,2024-01-09,hotline,"San Isidro, Cebu",6,0702200000,province,ambiguous,1.000,0702206020;0702236011;0702241016;0702242009;0702248021;0702250014,6,"San Isidro, Asturias; San Isidro, Pilar; San Isidro, San Fernando; San Isidro, San Francisco; San Isidro, Tabogon; San Isidro, City of Talisay",ambiguous: 6 units fit; choose one of the candidates$'
  expect_grep "review: not found" "$TMP/review.csv" '^r7,2024-01-11,hotline,Xyzzy Plugh,8,,,not_found,,,0,,not found in the PSGC$'
  expect_grep "review: empty address" "$TMP/review.csv" '^r8,2024-01-12,NBI,"  ,  ",9,,,invalid,,,0,,invalid address: address is empty$'
  expect_grep "--out unchanged: every row, address kept" "$TMP/placed.csv" '^r10,2024-01-14,NBI,"Brgy. Pajo, Lapu-Lapu City",0731100019,barangay,exact,1.000,,0$'
  expect_exit 2 "the --out file is refused by the analyses (an address column)" -- "$TANAW" gistar \
    --areas "$DATA/cebu_metro/municipalities.csv" --cases "$TMP/placed.csv"
  expect_grep "says why" "$TMP/err" "column 'address' looks like personal data"
  expect_exit 0 "key for the store" -- "$TANAW" key new --out "$TMP/k"
  expect_exit 0 "fresh store" -- "$TANAW" db init --db "$TMP/st.db"
  expect_exit 0 "the records file is ingested" -- "$TANAW" db ingest --db "$TMP/st.db" --agency PNP \
    --file "$TMP/records.csv" --key "$TMP/k"
  expect_grep "6 records added" "$TMP/out" "records.csv: batch 1: 6 rows, 6 added"
  check "no written address in the store" test "$(cat "$TMP"/st.db* | grep -ac -e Pusok -e Cordova)" = 0
  C="$DATA/cebu_metro"
  expect_exit 0 "gistar --db on Metro Cebu's municipalities" -- "$TANAW" gistar --areas "$C/municipalities.geojson" \
    --areas "$C/municipalities.csv" --db "$TMP/st.db" --rate count --out "$TMP/gm.csv" --quiet
  expect_grep "all 6 placed by code" "$TMP/out" "placed: 6 of 6 records \(6 by code"
  check "Lapu-Lapu 5 (3 Pusok, Pajo, the city), Cordova 1, nothing else" \
    test "$(awk -F, 'NR > 1 && $(NF - 11) != 0 { printf "%s=%s ", $1, $(NF - 11) }' "$TMP/gm.csv")" = "0702220000=1 0731100000=5 "
  expect_exit 0 "gistar --db on Metro Cebu's barangays" -- "$TANAW" gistar --areas "$C/barangays.geojson" \
    --areas "$C/barangays.csv" --db "$TMP/st.db" --rate count --out "$TMP/gb.csv" --quiet
  check "Pusok 3, Poblacion (Cordova) 1, Pajo 1" \
    test "$(awk -F, 'NR > 1 && $(NF - 11) != 0 { printf "%s=%s ", $1, $(NF - 11) }' "$TMP/gb.csv")" = "0702220012=1 0731100019=1 0731100024=3 "
  expect_grep "the city-only record is reported, not counted" "$TMP/out" "placed: 5 of 6 records .*"
  expect_grep "known only at a coarser level" "$TMP/out" "known only at a coarser level \(not counted\): 1 "
fi
finish
