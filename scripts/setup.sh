#!/usr/bin/env bash
# Prepares a Debian machine to run the test suites, then installs the workspace:
#   - Debian packages for the installed PostgreSQL major version: pgTAP, plpgsql_check
#     (branch coverage), pg_cron, pg_prove; Chromium for browser tests; Valgrind (the
#     instruction counts of bench:db, and their test);
#   - pnpm 12.4.2 (corepack's signature check fails on some Node builds, so npm installs it);
#   - the workspace's dependencies from the lockfile.
# Safe to run again: it installs only what is missing. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -d /usr/lib/postgresql ]; then
  echo "setup: installing the PostgreSQL server" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
pg_major=$(ls /usr/lib/postgresql | sort -n | tail -1)

wanted=(
  "postgresql-${pg_major}-pgtap"
  "postgresql-${pg_major}-plpgsql-check"
  "postgresql-${pg_major}-cron"
  libtap-parser-sourcehandler-pgtap-perl
  chromium
  chromium-driver
  valgrind
)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} (PostgreSQL ${pg_major})" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "12.4.2" ]; then
  echo "setup: installing pnpm 12.4.2" >&2
  npm install --global --silent pnpm@12.4.2
fi

pnpm install --frozen-lockfile
