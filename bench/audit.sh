#!/usr/bin/env bash
# Audit-log benchmark (issue 12, item 8): seeds N correctly chained audit
# records with a signed checkpoint every 1000 (examples/audit_seed.rs: a
# direct bulk insert, not the write path), then times `kean audit verify`
# (every record's SM3 hash, every checkpoint's SM2 signature, the chain head)
# on SQLite and, when BENCH_PG_URL is set, PostgreSQL. The target is
# 10,000,000 records in under 60 s.
#
#   bench/audit.sh [N]                          (default 1000000)
#   BENCH_PG_URL=postgres://postgres:kean@127.0.0.1:5432/postgres bench/audit.sh 10000000
#
# Environment:
#   BENCH_PG_URL       also measure PostgreSQL (a database is created and dropped)
#   BENCH_SKIP_SQLITE  do not measure SQLite
#   BENCH_KEEP_SQLITE  a file to seed once and keep (re-used when it exists)
#   BENCH_KEEP_PG      a PostgreSQL database name to seed once and keep (re-used when it exists)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
cargo build --release -p kean-cli --bins --examples >/dev/null
BIN=target/release/kean
SEED=target/release/examples/audit_seed
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

measure() { # URL LABEL
  local url=$1 label=$2
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/rss" "$BIN" audit verify --database-url "$url" >"$work/out" 2>"$work/err" || {
    cat "$work/err"; exit 1; }
  end=$(date +%s.%N)
  printf '%s: kean audit verify over %s records: %.1f s, peak RSS %s MB\n' "$label" "$N" \
    "$(echo "$end - $start" | bc)" "$(( $(tail -1 "$work/rss") / 1024 ))"
  sed 's/^/    /' "$work/out"
}

if [ -z "${BENCH_SKIP_SQLITE:-}" ]; then
  db=${BENCH_KEEP_SQLITE:-$work/audit.db}
  if [ ! -e "$db" ]; then
    "$SEED" "sqlite://$db" "$N"
  fi
  echo "SQLite file: $(du -h "$db" | cut -f1)"
  measure "sqlite://$db" SQLite
fi

if [ -n "${BENCH_PG_URL:-}" ]; then
  name=${BENCH_KEEP_PG:-kean_bench_audit_$$}
  head=${BENCH_PG_URL%/*}
  exists=$(psql -Atq "$BENCH_PG_URL" -c "SELECT 1 FROM pg_database WHERE datname = '$name'")
  if [ -z "$exists" ]; then
    psql -q "$BENCH_PG_URL" -c "CREATE DATABASE $name"
    "$SEED" "$head/$name" "$N"
  fi
  measure "$head/$name" PostgreSQL
  if [ -z "${BENCH_KEEP_PG:-}" ]; then
    psql -q "$BENCH_PG_URL" -c "DROP DATABASE $name WITH (FORCE)"
  fi
fi
