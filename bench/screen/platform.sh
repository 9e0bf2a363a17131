#!/usr/bin/env bash
# Dynamic screening inside the platform (issue: restricted-party screening).
# Seeds the demo city with the real lists (kean serve --demo), then imports
# a new version of China's lists with one entry added and one removed, and
# times the re-screening of every registered party that the import causes,
# plus a plain `kean rescreen`. SQLite, and PostgreSQL when BENCH_PG_URL is set.
#
#   bench/screen/platform.sh
#   BENCH_PG_URL=postgres://postgres:kean@127.0.0.1:5432/postgres bench/screen/platform.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
LISTS=${KEAN_DEMO_LISTS:-../shared/data/lists}
PORT=${BENCH_PORT:-18998}
cargo build --release -p kean-cli >/dev/null
BIN=target/release/kean
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Version 2 of China's lists: the first entry removed, one entry added that
# names a demo counterparty (so exactly what changed produces new results).
{
  head -1 "$LISTS/cn_lists_flat.csv"
  tail -n +3 "$LISTS/cn_lists_flat.csv"
  echo 'local,bench,本局关注,2026-11-29,1,organization,山西东方数据科技有限公司,Shanxi Dongfang Data Technology Co.,2026-11-29,'
} >"$work/cn_lists_v2.csv"

run_one() {
  local name=$1 url=$2
  echo "## $name"
  KEAN_DEMO_LISTS="$LISTS" "$BIN" serve --demo --listen "127.0.0.1:$PORT" --database-url "$url" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  kill "$server"; wait "$server" 2>/dev/null || true
  grep -E '^list ' "$work/server.log" | sed 's/^/    seed: /'
  echo "    new version of CN (1 added, 1 removed), then re-screening of every registered party:"
  /usr/bin/time -f '      wall %e s, max RSS %M KB' "$BIN" lists import "$work/cn_lists_v2.csv" --database-url "$url" 2>&1 | sed 's/^/      /'
  echo "    kean rescreen (no list changed):"
  /usr/bin/time -f '      wall %e s, max RSS %M KB' "$BIN" rescreen --database-url "$url" 2>&1 | sed 's/^/      /'
  # Inside a running server, whose indexes are warm: a third CN version
  # through the API (only CN's index is rebuilt), then a re-screening.
  "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$url" >"$work/server2.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"Admin2025"}' | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/screening/rescreen" -H "Authorization: Bearer $token" >/dev/null
  echo "    in the running server (warm): POST /api/v1/screening/rescreen, then a third CN version via the API:"
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/screening/rescreen" -H "Authorization: Bearer $token" \
    | python3 -c "import json,sys; r=json.load(sys.stdin); print('      rescreen: %d ms, %d parties' % (r['millis'], r['parties']))"
  head -n -1 "$work/cn_lists_v2.csv" >"$work/cn_lists_v3.csv"
  curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/screening/lists/import?file_name=cn_lists_v3.csv" \
    -H "Authorization: Bearer $token" --data-binary @"$work/cn_lists_v3.csv" \
    | python3 -c "import json,sys; v=json.load(sys.stdin); r=v['rescreen']; print('      import of CN version %d (removed %d): re-screening %d ms; new results %d, lapsed %d' % (v['version']['version_no'], v['version']['removed'], r['millis'], len(r['opened']), r['lapsed']))"
  kill "$server"; wait "$server" 2>/dev/null || true
}

run_one "SQLite" "sqlite://$work/bench.db"
if [ -n "${BENCH_PG_URL:-}" ]; then
  db="kean_screen_bench_$$"
  psql "$BENCH_PG_URL" -qc "CREATE DATABASE $db" >/dev/null
  run_one "PostgreSQL 15" "${BENCH_PG_URL%/*}/$db"
  psql "$BENCH_PG_URL" -qc "DROP DATABASE $db" >/dev/null
fi
