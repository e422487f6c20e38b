# test_roles.sh: the roles of a national deployment on PostgreSQL
# (`tanaw db roles`, docs/store.md): the SQL is printed without a store and
# refused on SQLite; applied twice (idempotent) on a fresh database; then
# logins in each group do what their role allows and are refused the rest:
# a loader ingests but cannot purge or link; a linker runs dedup but cannot
# ingest; an analyst runs analyses, status and db incidents but cannot
# write, export or read identifier hashes. PostgreSQL only: without
# TANAW_TEST_PG_URL (scripts/test.sh starts a server) it exits 77, a skip.
source "$(dirname "$0")/lib.sh"
if [ -z "${TANAW_TEST_PG_URL:-}" ] || ! command -v psql >/dev/null; then
  echo "SKIP: test_roles.sh: TANAW_TEST_PG_URL is not set or psql is missing (scripts/test.sh starts a server with scripts/pg-test-server.sh)"
  exit 77
fi
G="$TMP/geo"
M=(--areas "$G/municipalities.geojson" --areas "$G/municipalities.csv")
"$TANAW" geography --synthetic --out "$G" --quiet
"$TANAW" simulate "${M[@]}" --n 800 --seed 3 --agencies 6 --duplicates 0.3 --id-noise 1 \
  --out "$TMP/r.csv" --quiet
KEY="$TMP/k.key"
"$TANAW" key new --out "$KEY" >/dev/null

# the SQL for the DBA needs no store; SQLite has no roles
expect_exit 0 "db roles prints the SQL" -- "$TANAW" db roles
expect_grep "the SQL creates the three roles" "$TMP/out" "ARRAY\['tanaw_load', 'tanaw_link', 'tanaw_analyst'\]"
expect_grep "analysts never see identifier hashes" "$TMP/out" '^GRANT SELECT \(record_id, kind\) ON identifier TO tanaw_analyst;$'
expect_exit 0 "SQLite store" -- "$TANAW" db init --db "$TMP/s.db"
expect_exit 1 "db roles --apply refuses SQLite" -- "$TANAW" db roles --db "$TMP/s.db" --apply
expect_grep "says why" "$TMP/err" "roles are PostgreSQL's"
expect_exit 1 "--apply goes with roles" -- "$TANAW" db status --db "$TMP/s.db" --apply

# a fresh database, owned by the server's superuser (the test's DBA)
ADMIN="$TANAW_TEST_PG_URL"
psql -qX "$ADMIN" -c "DROP DATABASE IF EXISTS tw_cli_roles WITH (FORCE)" -c "CREATE DATABASE tw_cli_roles" >/dev/null 2>&1
OWNER=$(echo "$ADMIN" | sed -E 's#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\1/tw_cli_roles#')
as_user() { echo "$OWNER" | sed -E "s/([?&])user=[^&]*/\1user=$1/"; }
expect_exit 0 "db init" -- "$TANAW" db init --db "$OWNER"
expect_exit 0 "db roles --apply" -- "$TANAW" db roles --db "$OWNER" --apply
expect_exit 0 "db roles --apply again (idempotent)" -- "$TANAW" db roles --db "$OWNER" --apply
for r in tw_loader:tanaw_load tw_linker:tanaw_link tw_analyst:tanaw_analyst; do
  psql -qX "$OWNER" -c "DROP ROLE IF EXISTS ${r%%:*}" -c "CREATE ROLE ${r%%:*} LOGIN IN ROLE ${r#*:}" >/dev/null 2>&1
done
LOADER=$(as_user tw_loader)
LINKER=$(as_user tw_linker)
ANALYST=$(as_user tw_analyst)

# loaders load; they do not delete, link or migrate
expect_exit 0 "loader ingests" -- "$TANAW" db ingest --db "$LOADER" --agency SIM --file "$TMP/r.csv" --key "$KEY" --max-date 2026-12-31
expect_exit 3 "loader cannot purge" -- "$TANAW" db purge --db "$LOADER" --before 2030-01-01
expect_grep "permission denied" "$TMP/err" "permission denied"
expect_exit 3 "loader cannot link" -- "$TANAW" dedup --db "$LOADER"
# linkers link; they do not load
expect_exit 0 "linker runs dedup" -- "$TANAW" dedup --db "$LINKER"
expect_grep "dedup ran" "$TMP/out" "dedup run 1: [0-9]+ records -> [0-9]+ incidents"
"$TANAW" simulate "${M[@]}" --n 50 --seed 4 --agencies 6 --id-noise 1 --out "$TMP/r2.csv" --quiet
expect_exit 3 "linker cannot ingest" -- "$TANAW" db ingest --db "$LINKER" --agency SIM --file "$TMP/r2.csv" --key "$KEY" --max-date 2026-12-31
# analysts read, count incidents, and see no identifier hash
expect_exit 0 "analyst: status" -- "$TANAW" db status --db "$ANALYST"
expect_exit 0 "analyst: gistar counts incidents" -- "$TANAW" gistar "${M[@]}" --db "$ANALYST" --out "$TMP/g.csv" --weights queen --quiet
expect_grep "analyst: incidents counted" "$TMP/out" "^counted: incidents"
expect_exit 0 "analyst: db incidents" -- "$TANAW" db incidents --db "$ANALYST" --out "$TMP/i.csv"
expect_exit 3 "analyst cannot export (identifier hashes)" -- "$TANAW" db export --db "$ANALYST" --out "$TMP/x.csv"
expect_exit 3 "analyst cannot ingest" -- "$TANAW" db ingest --db "$ANALYST" --agency SIM --file "$TMP/r2.csv" --key "$KEY" --max-date 2026-12-31
expect_exit 3 "analyst cannot link" -- "$TANAW" dedup --db "$ANALYST"
check "analyst cannot read identifier hashes" bash -c "! psql -qXAt '$ANALYST' -c 'SELECT hash FROM identifier LIMIT 1' >/dev/null 2>&1"
check "analyst can count identifiers by kind" bash -c "psql -qXAt '$ANALYST' -c 'SELECT count(*) FROM identifier' | grep -qE '^[1-9][0-9]*$'"
# the owner (DBA) purges
expect_exit 0 "owner purges" -- "$TANAW" db purge --db "$OWNER" --before 2000-01-01
psql -qX "$ADMIN" -c "DROP DATABASE IF EXISTS tw_cli_roles WITH (FORCE)" >/dev/null 2>&1
finish
