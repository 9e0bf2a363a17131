#!/usr/bin/env bash
# Registry benchmark (issue: statistics and data exchange): seeds ORGS
# organizations and TECH_CONTRACTS technology contracts through the real import
# path, then measures the dashboard and the list requests people make, each
# separately, under load, on SQLite and (when BENCH_PG_URL is set)
# PostgreSQL. Prints a Markdown-ish summary.
#
#   bench/registry.sh [ORGS] [TECH_CONTRACTS]        (defaults 100000 1000000)
#   BENCH_PG_URL=postgres://postgres:kean@127.0.0.1:5432/postgres bench/registry.sh
#
# Environment:
#   BENCH_PG_URL       also measure PostgreSQL (a database is created and dropped)
#   BENCH_SKIP_SQLITE  do not measure SQLite
#   BENCH_DURATION     wrk duration per list request (default 20s)
#   BENCH_KEEP_SQLITE  a file to seed once and keep (re-used when it exists)
#   BENCH_KEEP_PG      a PostgreSQL database name to seed once and keep (re-used when it exists)
#   BENCH_PASSWORD     the `bench` account's password (default Kean-Load-2025, as bench_seed
#                      creates it; a database kept from before 2026-12-08 has Bench2025x)
#
# Needs: a release build (done here), wrk, curl, psql. Traffic goes to 127.0.0.1 only.
# Repeated requests find kept counts, keyword results, a filter's first ids
# and deep pages' anchors (valid until the next write); the "different …"
# rows measure requests nothing (or little) was kept for.
set -euo pipefail
cd "$(dirname "$0")/.."
ORGS=${1:-100000}
TECH_CONTRACTS=${2:-1000000}
PORT=${BENCH_PORT:-18999}
DURATION=${BENCH_DURATION:-20s}
BENCH_PASSWORD=${BENCH_PASSWORD:-Kean-Load-2025}
cargo build --release -p kean-cli --bins --examples >/dev/null
BIN=target/release/kean
SEED=target/release/examples/bench_seed
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Keyword searches that differ on every request (a random title or seller
# number), so that no process keeps their results: what a search costs.
cat >"$work/random_title.lua" <<'LUA'
math.randomseed(os.time())
request = function()
  return wrk.format(nil, "/api/v1/registry/tech-contracts?page_size=20&q=%E5%9F%BA%E5%87%86%E6%8A%80%E6%9C%AF%E5%90%88%E5%90%8C" .. math.random(0, TECH_CONTRACTS - 1))
end
LUA
cat >"$work/random_seller.lua" <<'LUA'
math.randomseed(os.time() + 1)
request = function()
  return wrk.format(nil, "/api/v1/registry/tech-contracts?page_size=20&q=%E6%99%8B%E4%B8%AD%E5%9F%BA%E5%87%86" .. math.random(0, ORGS - 1) .. "%E7%A7%91%E6%8A%80")
end
LUA
# A filter that differs on most requests: one of 5 types and a 30-day window
# starting on one of 1,400 days (7,000 combinations).
cat >"$work/random_filter.lua" <<'LUA'
math.randomseed(os.time() + 2)
local types = {"development", "transfer", "licensing", "consulting", "service"}
local base = os.time({year = 2022, month = 1, day = 1, hour = 12})
request = function()
  local from = base + math.random(0, 1399) * 86400
  return wrk.format(nil, "/api/v1/registry/tech-contracts?page_size=20&contract_type=" .. types[math.random(1, 5)]
    .. "&registered_on_from=" .. os.date("!%Y-%m-%d", from) .. "&registered_on_to=" .. os.date("!%Y-%m-%d", from + 29 * 86400))
end
LUA
sed -i "s/TECH_CONTRACTS - 1/$TECH_CONTRACTS - 1/; s/ORGS - 1/$ORGS - 1/" "$work/random_title.lua" "$work/random_seller.lua"

# The list requests people make, each measured on its own (URL-encoded).
# Keywords: 基准技术合同12345 (a contract's title), 晋中基准4242科技 (a seller's
# name: found through the owner), 合同 (two characters, in every title).
LISTS=(
  "first page of the default list|/api/v1/registry/tech-contracts?page_size=20"
  "filter: type + one month of registration|/api/v1/registry/tech-contracts?contract_type=licensing&registered_on_from=2025-03-01&registered_on_to=2025-03-31&page_size=20"
  "filter: a different type and 30-day window on most requests (7,000 combinations)|RANDOM_FILTER"
  "keyword: a title|/api/v1/registry/tech-contracts?q=%E5%9F%BA%E5%87%86%E6%8A%80%E6%9C%AF%E5%90%88%E5%90%8C12345&page_size=20"
  "keyword: a seller's name|/api/v1/registry/tech-contracts?q=%E6%99%8B%E4%B8%AD%E5%9F%BA%E5%87%864242%E7%A7%91%E6%8A%80&page_size=20"
  "keyword: two characters in every title|/api/v1/registry/tech-contracts?q=%E5%90%88%E5%90%8C&page_size=20"
  "keyword: a different title each request (never repeated, so nothing kept)|RANDOM_TITLE"
  "keyword: a different seller each request (never repeated, so nothing kept)|RANDOM_SELLER"
  "deep page 2,000 (OFFSET 39,980)|/api/v1/registry/tech-contracts?page=2000&page_size=20"
  "deep page through the cursor (after=)|/api/v1/registry/tech-contracts?after=AFTER&page_size=20"
)

run_one() {
  local name=$1 url=$2 seed=$3
  echo "## $name ($ORGS organizations, $TECH_CONTRACTS technology contracts; load before: $(cut -d' ' -f1-3 /proc/loadavg))"
  if [ "$seed" = 1 ]; then
    "$SEED" "$url" "$ORGS" "$TECH_CONTRACTS" | sed 's/^/    /'
  else
    echo "    (re-using the seeded database)"
  fi
  "$BIN" serve --listen "127.0.0.1:$PORT" --database-url "$url" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -sf -X POST "http://127.0.0.1:$PORT/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"bench\",\"password\":\"$BENCH_PASSWORD\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
  echo "    dashboard (GET /api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31), 10 sequential requests:"
  local times=()
  for _ in $(seq 1 10); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" \
      "http://127.0.0.1:$PORT/api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31")")
  done
  printf '      %s\n' "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "min %.0f ms, median %.0f ms, max %.0f ms", a[1]*1000, a[int((NR+1)/2)]*1000, a[NR]*1000}')"
  # The cursor of page 2,000: the last id of page 1,999.
  local after
  after=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT/api/v1/registry/tech-contracts?page=1999&page_size=20" \
    | grep -o '"next_after":[0-9]*' | cut -d: -f2 || true)
  for entry in "${LISTS[@]}"; do
    local label=${entry%%|*} path=${entry#*|}
    if [[ $path == *after=AFTER* ]]; then
      [ -n "$after" ] || { echo "    $label: no cursor offered, skipped"; continue; }
      path=${path/AFTER/$after}
    fi
    local script=()
    case $path in
      RANDOM_TITLE) script=(-s "$work/random_title.lua"); path="/api/v1/registry/tech-contracts?page_size=20&q=%E5%9F%BA%E5%87%86%E6%8A%80%E6%9C%AF%E5%90%88%E5%90%8C777777" ;;
      RANDOM_FILTER) script=(-s "$work/random_filter.lua"); path="/api/v1/registry/tech-contracts?page_size=20&contract_type=service&registered_on_from=2023-06-10&registered_on_to=2023-07-09" ;;
      RANDOM_SELLER) script=(-s "$work/random_seller.lua"); path="/api/v1/registry/tech-contracts?page_size=20&q=%E6%99%8B%E4%B8%AD%E5%9F%BA%E5%87%8677777%E7%A7%91%E6%8A%80" ;;
    esac
    local first
    first=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT$path")
    echo "    $label — $path (one request: HTTP ${first% *}, $(awk -v t="${first#* }" 'BEGIN{printf "%.0f", t*1000}') ms)"
    wrk -t2 -c32 -d"$DURATION" --latency "${script[@]}" -H "Authorization: Bearer $token" "http://127.0.0.1:$PORT$path" \
      | grep -E '^\s+(50|99)%|Requests/sec|Non-2xx|timeout' | sed 's/^ */      /' | paste -sd' ' | sed 's/^/      /'
  done
  echo "    load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  kill "$server"; wait "$server" 2>/dev/null || true
}

if [ -z "${BENCH_SKIP_SQLITE:-}" ]; then
  if [ -n "${BENCH_KEEP_SQLITE:-}" ]; then
    seed=1; [ -e "$BENCH_KEEP_SQLITE" ] && seed=0
    run_one "SQLite" "sqlite://$BENCH_KEEP_SQLITE" "$seed"
  else
    run_one "SQLite" "sqlite://$work/bench.db" 1
  fi
fi
if [ -n "${BENCH_PG_URL:-}" ]; then
  if [ -n "${BENCH_KEEP_PG:-}" ]; then
    db=$BENCH_KEEP_PG; seed=0
    if ! psql "$BENCH_PG_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
      psql "$BENCH_PG_URL" -qc "CREATE DATABASE $db" >/dev/null; seed=1
    fi
    run_one "PostgreSQL 15" "${BENCH_PG_URL%/*}/$db" "$seed"
  else
    db="kean_bench_$$"
    psql "$BENCH_PG_URL" -qc "CREATE DATABASE $db" >/dev/null
    run_one "PostgreSQL 15" "${BENCH_PG_URL%/*}/$db" 1
    psql "$BENCH_PG_URL" -qc "DROP DATABASE $db" >/dev/null
  fi
fi
