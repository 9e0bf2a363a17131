#!/usr/bin/env bash
# Registry benchmark (issue: statistics and data exchange): seeds ORGS
# organizations and CONTRACTS technology contracts through the real import
# path, then measures the dashboard and a list page under load, on SQLite
# and (when BENCH_PG_URL is set) PostgreSQL. Prints a Markdown summary.
#
#   bench/registry.sh [ORGS] [CONTRACTS]        (defaults 100000 1000000)
#   BENCH_PG_URL=postgres://postgres:kean@127.0.0.1:5432/postgres bench/registry.sh
#
# Needs: a release build (done here), wrk, curl. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS=${1:-100000}
CONTRACTS=${2:-1000000}
PORT=${BENCH_PORT:-18999}
DURATION=${BENCH_DURATION:-20s}
cargo build --release -p kean-cli --bins --examples >/dev/null
BIN=target/release/kean
SEED=target/release/examples/bench_seed
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

run_one() {
  local name=$1 url=$2
  echo "## $name ($ORGS organizations, $CONTRACTS contracts)"
  "$SEED" "$url" "$ORGS" "$CONTRACTS" | sed 's/^/    /'
  "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$url" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"username":"bench","password":"Bench2025x"}' | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
  echo "    dashboard (GET /api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31), 10 sequential requests:"
  local times=()
  for _ in $(seq 1 10); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$PORT/api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31")")
  done
  printf '      %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "min %.0f ms, median %.0f ms, max %.0f ms", a[1]*1000, a[int((NR+1)/2)]*1000, a[NR]*1000}')"
  for path in "/api/v1/registry/contracts?page=2000&page_size=20" \
              "/api/v1/registry/contracts?q=%E5%9F%BA%E5%87%86%E6%8A%80%E6%9C%AF%E5%90%88%E5%90%8C12345&page_size=20" \
              "/api/v1/registry/contracts?contract_type=licensing&registered_on_from=2025-03-01&registered_on_to=2025-03-31&page_size=20"; do
    echo "    wrk -t2 -c32 -d$DURATION $path"
    wrk -t2 -c32 -d"$DURATION" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT$path" \
      | grep -E '^\s+(50|90|99)%|Requests/sec|Non-2xx' | sed 's/^ */      /'
  done
  kill "$server"; wait "$server" 2>/dev/null || true
}

[ -n "${BENCH_SKIP_SQLITE:-}" ] || run_one "SQLite" "sqlite://$work/bench.db"
if [ -n "${BENCH_PG_URL:-}" ]; then
  db="kean_bench_$$"
  psql "$BENCH_PG_URL" -qc "CREATE DATABASE $db" >/dev/null
  run_one "PostgreSQL 15" "${BENCH_PG_URL%/*}/$db"
  psql "$BENCH_PG_URL" -qc "DROP DATABASE $db" >/dev/null
fi
