# lib.sh: helpers for the command-line tests. Source it with the tanaw
# binary as $1. Each check prints ok/FAIL; finish prints "N passed, N failed".
set -u
TANAW="$1"
PASS=0
FAILED=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tanaw-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
DATA="${TANAW_DATA:-${TANAW_DATA_DEFAULT:-}}"
[ -n "$DATA" ] && [ -f "$DATA/municipalities.csv" ] || DATA=""
SRC="${TANAW_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

ok() { PASS=$((PASS + 1)); echo "ok   $1" >&2; }
bad() { FAILED=$((FAILED + 1)); echo "FAIL $1" >&2; }

# expect_exit CODE NAME -- command...: runs it, keeps stdout/stderr in $TMP/out, $TMP/err
expect_exit() {
  local code="$1" name="$2"
  shift 3
  "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name"; else
    bad "$name (exit $rc, expected $code)"; sed 's/^/    /' "$TMP/err" | head -5 >&2; fi
}

# expect_grep NAME FILE PATTERN
expect_grep() {
  if grep -qE -- "$3" "$2"; then ok "$1"; else bad "$1 (no /$3/ in $2)"; sed 's/^/    /' "$2" | head -5 >&2; fi
}

check() { # check NAME CONDITION-COMMAND...
  local name="$1"; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}

finish() {
  echo "$PASS passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
