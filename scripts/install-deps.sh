#!/usr/bin/env bash
# install-deps.sh: install Tanaw's build and test dependencies from Debian.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --peers  also R with spdep and sf (goldens, benchmarks)
# Runs apt-get through sudo when not root. Safe to run again.
set -euo pipefail
pkgs=(build-essential cmake pkg-config libjansson-dev libcairo2-dev libfftw3-dev libsqlite3-dev libsodium-dev python3)
# the case store on PostgreSQL: libpq to build, a server (and psql) for the tests
pkgs+=(libpq-dev postgresql)
if [ "${1:-}" = "--peers" ]; then
  pkgs+=(r-base-core r-cran-spdep r-cran-sf r-cran-spatstat.explore time bc)
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
