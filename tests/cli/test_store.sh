# test_store.sh: `tanaw db` and `tanaw key` end to end, on SQLite, or on
# PostgreSQL with TANAW_TEST_BACKEND=pg (then the stores are databases on
# the server of TANAW_TEST_PG_URL, scripts/pg-test-server.sh; without that
# URL the script exits 77, a skip): init and
# migrations, ingest with provenance, a file loaded twice and the same
# records in another file adding nothing, exit codes (1 usage, 2 input
# rejected with nothing stored, 3 store error), identifiers never in clear
# (store file and export searched), verify, purge, analyses from --db
# (gistar with filters, moran, lisa, scan, emerging, kde) giving the same
# tables as from --cases, 4 concurrent
# loaders, and crash safety: `db ingest` killed with SIGKILL at 30 moments
# spread over its run, after which the store must hold each batch whole or
# not at all and still verify.
source "$(dirname "$0")/lib.sh"
PG=0
if [ "${TANAW_TEST_BACKEND:-}" = pg ]; then
  if [ -z "${TANAW_TEST_PG_URL:-}" ] || ! command -v psql >/dev/null; then
    echo "SKIP: test_store.sh on PostgreSQL: TANAW_TEST_PG_URL is not set or psql is missing (scripts/test.sh starts a server with scripts/pg-test-server.sh)"
    exit 77
  fi
  PG=1
fi
# newdb NAME [FROM]: where a fresh store goes (a file, or an empty database
# tw_cli_NAME), as a copy of store FROM when given
pgurl() { echo "$TANAW_TEST_PG_URL" | sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\1/tw_cli_$1#"; }
newdb() {
  if [ $PG -eq 1 ]; then
    PGOPTIONS="-c client_min_messages=warning" psql -qX "$TANAW_TEST_PG_URL" -c "DROP DATABASE IF EXISTS tw_cli_$1 WITH (FORCE)" \
      -c "CREATE DATABASE tw_cli_$1 ${2:+TEMPLATE tw_cli_$2}" >/dev/null
    pgurl "$1"
  else
    rm -f "$TMP/$1.db" "$TMP/$1.db-wal" "$TMP/$1.db-shm"
    [ -n "${2:-}" ] && cp "$TMP/$2.db" "$TMP/$1.db"
    echo "$TMP/$1.db"
  fi
}
# store_text DB: every byte the store keeps (SQLite: the file and its WAL;
# PostgreSQL: the text of every row of every table)
store_text() {
  if [ $PG -eq 1 ]; then
    for t in batch record identifier meta schema_migrations; do
      psql -qXAt "$1" -c "SELECT x::text FROM $t x"
    done
  else
    cat "$1" "$1-wal" 2>/dev/null
  fi
}
G="$TMP/geo"
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
"$TANAW" geography --synthetic --out "$G" --quiet
sim() { "$TANAW" simulate "${M[@]}" --n "$1" --seed "$2" --out "$3" --quiet; }
sim 6000 11 "$TMP/a.csv"
sim 3000 12 "$TMP/b.csv"
KEY="$TMP/k.key"
DB=$(newdb s)
rows() { echo $(($(wc -l < "$1") - 1)); }

expect_exit 0 "key new" -- "$TANAW" key new --out "$KEY"
check "key file is 0600" test "$(stat -c %a "$KEY")" = 600
expect_exit 2 "key new never overwrites" -- "$TANAW" key new --out "$KEY"
expect_exit 0 "db init" -- "$TANAW" db init --db "$DB"
expect_grep "init migrates from 0" "$TMP/out" "from version 0 to [0-9]+"
expect_exit 0 "db init again" -- "$TANAW" db init --db "$DB"
expect_grep "init again is up to date" "$TMP/out" "up to date"

expect_exit 1 "ingest without --db" -- "$TANAW" db ingest --agency X --file "$TMP/a.csv" --key "$KEY"
expect_exit 1 "ingest without a key" -- env -u TANAW_KEY "$TANAW" db ingest --db "$DB" --agency X --file "$TMP/a.csv"
expect_exit 1 "unknown db subcommand" -- "$TANAW" db frobnicate --db "$DB"
chmod 644 "$KEY"
expect_exit 1 "key readable by others is refused" -- "$TANAW" db ingest --db "$DB" --agency X --file "$TMP/a.csv" --key "$KEY"
chmod 600 "$KEY"

expect_exit 0 "ingest a" -- "$TANAW" db ingest --db "$DB" --agency DOJ-OOC --loaded-by tester --file "$TMP/a.csv" --key "$KEY"
expect_grep "ingest says what it added" "$TMP/out" "batch 1: 6000 rows, 6000 added, 0 already"
expect_exit 0 "ingest a again" -- "$TANAW" db ingest --db "$DB" --agency DOJ-OOC --file "$TMP/a.csv" --key "$KEY"
expect_grep "same file adds nothing" "$TMP/out" "already loaded as batch 1.*nothing added"
# the same records inside another file (header + first 100 rows of a)
head -101 "$TMP/a.csv" > "$TMP/a_part.csv"
expect_exit 0 "ingest known records in another file" -- "$TANAW" db ingest --db "$DB" --agency PNP --file "$TMP/a_part.csv" --key "$KEY"
expect_grep "known records add nothing" "$TMP/out" "100 rows, all already in the store: nothing added"
# key from the environment
expect_exit 0 "ingest b with TANAW_KEY" -- env TANAW_KEY="$(cat "$KEY")" "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/b.csv"
expect_grep "b added" "$TMP/out" "batch 2: 3000 rows, 3000 added"
"$TANAW" key new --out "$TMP/other.key" >/dev/null
sim 50 13 "$TMP/c.csv"
expect_exit 1 "another key is refused" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/c.csv" --key "$TMP/other.key"

# a batch with one bad row stores nothing (exit 2)
{ cat "$TMP/c.csv"; echo "BAD-1,2023-02-30,NBI,,,9900112000,1,other"; } > "$TMP/bad.csv"
expect_exit 2 "batch with a bad row is rejected" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/bad.csv" --key "$KEY"
expect_grep "says nothing stored" "$TMP/err" "1 of 51 rows rejected: nothing stored"
check "rejects file names the row" grep -q "bad.csv,52,report_date" "$TMP/bad.rejects.csv"
printf 'case_id,report_date,source,psgc,victim_notes\nX,2023-01-01,NBI,9900112000,x\n' > "$TMP/notes.csv"
expect_exit 2 "free-text column refuses the file" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/notes.csv" --key "$KEY"
printf 'case_id;report_date;source;psgc\nX;2023-01-01;NBI;9900112000\n' > "$TMP/semi.csv"
expect_exit 2 "a file separated by ';' is refused" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/semi.csv" --key "$KEY"
expect_grep "saying so, as the plain reader does" "$TMP/err" "semi.csv:1:1: the header is one column separated by ';'"
expect_exit 2 "missing input file" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/none.csv" --key "$KEY"
echo "this is not a database, just text long enough to fill a page header....." > "$TMP/junk.db"
expect_exit 3 "store error on a file that is not a store" -- "$TANAW" db status --db "$TMP/junk.db"
expect_exit 3 "status of a missing store" -- "$TANAW" db status --db "$TMP/typo.db"
check "status does not create a store" test ! -e "$TMP/typo.db"
if [ $PG -eq 1 ]; then
  expect_exit 3 "status of a database nobody created" -- "$TANAW" db status --db "$(pgurl nosuch)"
  expect_grep "says which database" "$TMP/err" "tw_cli_nosuch"
fi
# a PostgreSQL server nobody runs: a store error, and the password never shown
expect_exit 3 "unreachable postgresql store" -- "$TANAW" db status --db "postgresql://ana:s3cret@127.0.0.1:1/tanaw?connect_timeout=2"
check "no password in the message" bash -c "! grep -q s3cret '$TMP/err' '$TMP/out'"
expect_grep "masked URL in the message" "$TMP/err" "ana:\*\*\*@127.0.0.1:1"

expect_exit 0 "status" -- "$TANAW" db status --db "$DB"
expect_grep "status counts" "$TMP/out" "2 batches, 9000 records"
expect_grep "status provenance" "$TMP/out" "^1,DOJ-OOC,tester,[0-9T:-]+Z,a.csv,[0-9a-f]{64},6000,6000,0,0$"
expect_exit 0 "verify" -- "$TANAW" db verify --db "$DB"
expect_grep "verify ok" "$TMP/out" "ok \\(0 problems\\)"
expect_exit 0 "verify an archived original" -- "$TANAW" db verify --db "$DB" --original "$TMP/a.csv"
expect_grep "original is batch 1" "$TMP/out" "a.csv: sha256 [0-9a-f]{64} is batch 1"
expect_exit 3 "verify a file that was never loaded" -- "$TANAW" db verify --db "$DB" --original "$TMP/c.csv"
expect_grep "never loaded: no batch" "$TMP/out" "matches no batch"

# identifiers: hashed in the store and in the export
printf 'case_id,report_date,source,psgc,phone_numbers,emails,ip_addrs\nI-1,2023-05-01,hotline,9900112000,0917 555 0101,Tipster.Secret@example.com,198.51.100.23\n' > "$TMP/ids.csv"
printf 'case_id,report_date,source,psgc,phone_numbers\nI-2,2023-05-02,NBI,9900112000,+639175550101\n' > "$TMP/ids2.csv"
expect_exit 0 "ingest identifiers" -- "$TANAW" db ingest --db "$DB" --agency hotline --file "$TMP/ids.csv" --key "$KEY"
expect_exit 0 "ingest the same phone written another way" -- "$TANAW" db ingest --db "$DB" --agency NBI --file "$TMP/ids2.csv" --key "$KEY"
expect_exit 0 "export" -- "$TANAW" db export --db "$DB" --out "$TMP/export.csv"
check "export has every record" test "$(rows "$TMP/export.csv")" -eq 9002
# coordinates as loaded (6 decimals), not as %.17g shows the nearest double
check "export writes coordinates in their shortest exact form" bash -c "! grep -qE '[0-9]\.[0-9]{12,}' '$TMP/export.csv'"
check "export has coordinates" grep -qE ',1[0-9]{2}\.[0-9]{1,6},[0-9]{1,2}\.[0-9]{1,6},' "$TMP/export.csv"
store_text "$DB" > "$TMP/store.txt"
check "the store text holds what is kept in clear (control)" grep -qa -- DOJ-OOC "$TMP/store.txt"
for secret in 9175550101 Tipster.Secret example.com 198.51.100.23 SIM-00000001; do
  check "no '$secret' in the store" bash -c "! grep -qa -- '$secret' '$TMP/store.txt'"
  check "no '$secret' in the export" bash -c "! grep -qa -- '$secret' '$TMP/export.csv'"
done
phone_hashes=$(grep -o 'phone:[0-9a-f]*' "$TMP/export.csv" | sort -u | wc -l)
check "one phone, two records, one hash" test "$(grep -c 'phone:' "$TMP/export.csv")" -eq 2 -a "$phone_hashes" -eq 1

# analyses from the store give the same tables as from the CSV
AB=$(newdb ab)
"$TANAW" db init --db "$AB" >/dev/null
"$TANAW" db ingest --db "$AB" --agency A --file "$TMP/a.csv" --key "$KEY" --quiet >/dev/null
"$TANAW" db ingest --db "$AB" --agency B --file "$TMP/b.csv" --key "$KEY" --quiet >/dev/null
i=0
for filt in "" "--from 2022-01-01 --to 2023-06-30" "--source cybertipline" "--category grooming --children"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  "$TANAW" gistar "${M[@]}" --cases "$TMP/a.csv" --cases "$TMP/b.csv" $filt --permutations 99 --out "$TMP/g$i.csv" --quiet >/dev/null
  # shellcheck disable=SC2086
  expect_exit 0 "gistar --db $filt" -- "$TANAW" gistar "${M[@]}" --db "$AB" $filt --permutations 99 --out "$TMP/d$i.csv" --quiet
  check "gistar from --db equals --cases ($filt)" cmp -s "$TMP/g$i.csv" "$TMP/d$i.csv"
done
"$TANAW" moran "${M[@]}" --cases "$TMP/a.csv" --cases "$TMP/b.csv" --out "$TMP/m1.csv" --quiet >/dev/null
"$TANAW" moran "${M[@]}" --db "$AB" --out "$TMP/m2.csv" --quiet >/dev/null
check "moran from --db equals --cases" cmp -s "$TMP/m1.csv" "$TMP/m2.csv"
"$TANAW" lisa "${M[@]}" --cases "$TMP/a.csv" --cases "$TMP/b.csv" --permutations 99 --out "$TMP/l1.csv" --quiet >/dev/null
"$TANAW" lisa "${M[@]}" --db "$AB" --permutations 99 --out "$TMP/l2.csv" --quiet >/dev/null
check "lisa from --db equals --cases" cmp -s "$TMP/l1.csv" "$TMP/l2.csv"
"$TANAW" scan "${M[@]}" --cases "$TMP/a.csv" --cases "$TMP/b.csv" --replicas 99 --out "$TMP/s1.csv" --quiet >/dev/null 2>&1
"$TANAW" scan "${M[@]}" --db "$AB" --replicas 99 --out "$TMP/s2.csv" --quiet >/dev/null 2>&1
check "scan from --db equals --cases" test -s "$TMP/s1.csv" -a -s "$TMP/s2.csv"
check "scan tables are the same" cmp -s "$TMP/s1.csv" "$TMP/s2.csv"
E=(--from 2021-01-01 --to 2024-12-31 --step quarter --weights knn:6 --quiet)
"$TANAW" emerging "${M[@]}" --cases "$TMP/a.csv" --cases "$TMP/b.csv" "${E[@]}" --out "$TMP/e1.csv" --cube "$TMP/ec1.csv" >/dev/null 2>&1
expect_exit 0 "emerging from --db" -- "$TANAW" emerging "${M[@]}" --db "$AB" "${E[@]}" --out "$TMP/e2.csv" --cube "$TMP/ec2.csv"
check "emerging from --db equals --cases (table and cube)" cmp -s "$TMP/e1.csv" "$TMP/e2.csv"
check "emerging cube from --db equals --cases" cmp -s "$TMP/ec1.csv" "$TMP/ec2.csv"
"$TANAW" kde --cases "$TMP/a.csv" --cases "$TMP/b.csv" --bandwidth 20 --cell 10 --out "$TMP/k1.asc" --cells "$TMP/k1.csv" --quiet >/dev/null 2>&1
expect_exit 0 "kde from --db" -- "$TANAW" kde --db "$AB" --bandwidth 20 --cell 10 --out "$TMP/k2.asc" --cells "$TMP/k2.csv" --quiet
check "kde grid from --db equals --cases" cmp -s "$TMP/k1.asc" "$TMP/k2.asc"
check "kde cells from --db equal --cases" cmp -s "$TMP/k1.csv" "$TMP/k2.csv"
check "the kde grid is not empty" test -s "$TMP/k1.asc"
expect_exit 2 "analysis from a missing store" -- "$TANAW" gistar "${M[@]}" --db "$TMP/none.db" --out "$TMP/x.csv"
check "a missing store is not created by reading" test ! -e "$TMP/none.db"
if [ $PG -eq 1 ]; then
  expect_exit 2 "analysis from a database nobody created" -- "$TANAW" gistar "${M[@]}" --db "$(pgurl nosuch)" --out "$TMP/x.csv"
fi

# purge
expect_exit 1 "purge with an impossible date" -- "$TANAW" db purge --db "$DB" --before 2023-02-30
expect_grep "says the date is not real" "$TMP/err" "'2023-02-30' is not a real date"
expect_exit 0 "purge" -- "$TANAW" db purge --db "$DB" --before 2022-01-01
deleted=$(grep -o '[0-9]* records reported before' "$TMP/out" | cut -d' ' -f1)
check "purge deleted the 2021 records" test "$deleted" -eq "$(awk -F, 'NR>1 && $2 < "2022-01-01"' "$TMP/a.csv" "$TMP/b.csv" | wc -l)"
expect_exit 0 "verify after purge" -- "$TANAW" db verify --db "$DB"
expect_exit 1 "purge without a date" -- "$TANAW" db purge --db "$DB"

# 4 concurrent loaders: all batches whole, nothing lost
CONC=$(newdb conc)
"$TANAW" db init --db "$CONC" >/dev/null
for k in 1 2 3 4; do sim 2000 $((20 + k)) "$TMP/p$k.csv"; done
pids=()
for k in 1 2 3 4; do
  "$TANAW" db ingest --db "$CONC" --agency "agency$k" --file "$TMP/p$k.csv" --key "$KEY" --quiet >"$TMP/conc$k.out" 2>&1 &
  pids+=($!)
done
conc_ok=1
for p in "${pids[@]}"; do wait "$p" || conc_ok=0; done
check "4 concurrent loaders all succeed" test "$conc_ok" -eq 1
"$TANAW" db status --db "$CONC" >"$TMP/conc.status"
# simulated files share case_ids (SIM-...) but differ in content: none is a duplicate
check "4 concurrent loaders: 8000 records in 4 batches" grep -q "4 batches, 8000 records" "$TMP/conc.status"
expect_exit 0 "verify after concurrent loads" -- "$TANAW" db verify --db "$CONC"

# crash safety: SIGKILL at moments spread over an ingest
sim 40000 31 "$TMP/big.csv"
BASE=$(newdb base)
"$TANAW" db init --db "$BASE" >/dev/null
"$TANAW" db ingest --db "$BASE" --agency base --file "$TMP/b.csv" --key "$KEY" --quiet >/dev/null
TIMING=$(newdb timing base)
t0=$(date +%s%N)
"$TANAW" db ingest --db "$TIMING" --agency big --file "$TMP/big.csv" --key "$KEY" --quiet >/dev/null
t_full=$((($(date +%s%N) - t0) / 1000)) # microseconds
none=0 whole=0 broken=0
for run in $(seq 0 29); do
  CRASH=$(newdb crash base)
  # spread over 0..1.2 of a full run, with jitter: most kills land mid-batch
  delay_us=$((t_full * run / 25 + RANDOM % (t_full / 25 + 1)))
  "$TANAW" db ingest --db "$CRASH" --agency big --file "$TMP/big.csv" --key "$KEY" --quiet >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%06d' $((delay_us / 1000000)) $((delay_us % 1000000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  "$TANAW" db status --db "$CRASH" >"$TMP/crash.status" 2>&1
  if grep -q "1 batches, 3000 records" "$TMP/crash.status"; then none=$((none + 1))
  elif grep -q "2 batches, 43000 records" "$TMP/crash.status"; then whole=$((whole + 1))
  else broken=$((broken + 1)); sed 's/^/    /' "$TMP/crash.status" | head -3 >&2; fi
  "$TANAW" db verify --db "$CRASH" >"$TMP/crash.verify" 2>&1 || broken=$((broken + 1))
  if [ $((run % 6)) -eq 0 ]; then
    # the store recovers: the same ingest then completes (or adds nothing)
    "$TANAW" db ingest --db "$CRASH" --agency big --file "$TMP/big.csv" --key "$KEY" --quiet >/dev/null 2>&1 || broken=$((broken + 1))
    "$TANAW" db status --db "$CRASH" | grep -q "2 batches, 43000 records" || broken=$((broken + 1))
  fi
done
echo "crash runs: $none killed before commit, $whole after, $broken broken (full ingest ${t_full} us)" >&2
check "30 SIGKILLs: every batch whole or absent, store verifies" test "$broken" -eq 0
check "some kills landed mid-batch" test "$none" -ge 5
finish
