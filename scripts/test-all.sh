#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Rust: installs what the tests need when it is
# missing, starts a throwaway PostgreSQL cluster on a free loopback port, then runs formatting, lints
# and every test against both backends. With CI=true nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need_apt=()
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$pgbin" ] || need_apt+=(postgresql)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
command -v npm >/dev/null || need_apt+=(npm)
# The PDF tests: poppler (pdftotext, pdfinfo, pdftoppm, pdfsig), NSS tools (certutil, so pdfsig
# trusts the test CA) and venv (pyHanko, from PyPI, as a second independent signature check).
command -v pdfsig >/dev/null || need_apt+=(poppler-utils)
command -v certutil >/dev/null || need_apt+=(libnss3-tools)
python3 -c 'import ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing: ${need_apt[*]}"
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root="sudo"
  $as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# A throwaway PostgreSQL cluster. initdb and pg_ctl refuse to run as root: use the postgres user,
# in a folder it owns.
pgdir=$(mktemp -d /tmp/motcua-pg.XXXXXX)
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -ne 0 ] || chown postgres "$pgdir"
stop_postgres() {
  as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap stop_postgres EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
export MOTCUA_TEST_PG="postgres://postgres@127.0.0.1:$port/postgres"
echo "== PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked

# The browser suite: real Chromium through WebDriver, axe-core (from npm) on the key pages.
if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  echo "== installing axe-core"
  npm install --no-save --silent --prefix tests/browser axe-core@4 >/dev/null
fi
echo "== browser suite"
python3 tests/browser/walk.py target/debug/motcua tests/browser/node_modules/axe-core/axe.min.js

# Schema-based fuzzing of the whole OpenAPI document (schemathesis from PyPI, in a venv under
# target/), on SQLite and on the throwaway PostgreSQL, as the public, a desk officer and a unit
# administrator: any 5xx or panic fails.
echo "== fuzz run"
python3 tests/fuzz/fuzz.py target/debug/motcua 20
