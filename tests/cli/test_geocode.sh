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
fi
finish
