# test_basics.sh: help, version, usage errors of every subcommand.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "tanaw --help" -- "$TANAW" --help
expect_grep "help lists gistar" "$TMP/out" "gistar"
expect_exit 1 "no command" -- "$TANAW"
expect_exit 1 "unknown command" -- "$TANAW" frobnicate
expect_grep "unknown command named" "$TMP/err" "frobnicate"
expect_exit 0 "--version" -- "$TANAW" --version
expect_grep "version text" "$TMP/out" "^tanaw [0-9]+\.[0-9]+\.[0-9]+"
for c in gistar lisa moran weights simulate geography scan emerging kde dedup; do
  expect_exit 0 "$c --help" -- "$TANAW" $c --help
  expect_grep "$c help has usage" "$TMP/out" "^usage: tanaw $c"
  expect_grep "$c help has exit codes" "$TMP/out" "[Ee]xit codes"
  expect_exit 1 "$c unknown option" -- "$TANAW" $c --no-such-option
  expect_grep "$c names the bad option" "$TMP/err" "no-such-option"
done
# two-word subcommands and geocode: help with usage and exit codes too
for c in "geocode" "geo crosswalk" "db init" "db ingest" "db status" "db export" "db verify" \
         "db purge" "db incidents" "key new"; do
  expect_exit 0 "$c --help" -- "$TANAW" $c --help
  expect_grep "$c help has usage" "$TMP/out" "^usage: tanaw $c"
  expect_grep "$c help has exit codes" "$TMP/out" "[Ee]xit codes"
done
expect_exit 1 "gistar without areas" -- "$TANAW" gistar --cases x.csv
expect_grep "says --areas is required" "$TMP/err" "--areas"
expect_exit 1 "bad permutations" -- "$TANAW" gistar --areas a.geojson --cases c.csv --permutations -5
expect_exit 1 "bad correction" -- "$TANAW" gistar --areas a.geojson --cases c.csv --correction holm
expect_exit 1 "option twice" -- "$TANAW" gistar --seed 1 --seed 2
expect_exit 1 "simulate needs --out" -- "$TANAW" simulate --areas a.geojson
finish
