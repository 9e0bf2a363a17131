#!/usr/bin/env bash
# Crash test (issue 11): kill -9 at random moments of a `kean import` and of
# a server taking concurrent API writes, then check, after a restart, that
#   - each import is all or nothing (0 or every row of the file),
#   - the audit chain verifies (`kean audit verify`),
#   - the outbox is empty and every committed contract with a listed buyer
#     has its screening result (nothing committed and forgotten).
#
# Usage: bench/crash.sh [KEAN_BINARY] [ROUNDS]   (SQLite; needs sqlite3, curl, python3)
# Not part of CI: it takes a few minutes and kills processes.
set -euo pipefail
KEAN=${1:-target/release/kean}
ROUNDS=${2:-5}
DIR=$(mktemp -d /tmp/kean-crash.XXXXXX)
DB="$DIR/kean.db"
URL="sqlite://$DB"
PORT=$((20000 + RANDOM % 10000))
BASE="http://127.0.0.1:$PORT"
ROWS=5000
BUYER="Acme Drone Systems Inc."
trap 'kill -9 ${SERVER:-0} ${IMPORT:-0} 2>/dev/null || true' EXIT

start_server() {
  "$KEAN" serve --demo --second-factor-optional --database-url "$URL" --listen "127.0.0.1:$PORT" >>"$DIR/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 600); do
    curl -fs "$BASE/healthz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not start"; tail "$DIR/server.log"; exit 1
}

token() {
  curl -fs -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"Admin2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# One import file per round: ROWS contracts, every tenth with a listed buyer.
make_file() { # $1 round
  python3 - "$1" "$ROWS" "$BUYER" >"$DIR/import-$1.csv" <<'PY'
import sys
r, n, buyer = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print("登记编号,合同名称,合同类型,卖方（技术方）,买方名称,买方国家/地区,签订日期,登记日期,成交额（元）,技术交易额（元）")
for i in range(n):
    b = buyer if i % 10 == 0 else f"晋中买方{r}-{i}有限公司"
    c = "US" if i % 10 == 0 else "CN"
    print(f"CR{r:02d}{i:08d},碰撞测试合同{r}-{i},技术开发,山西东方新材料有限公司,{b},{c},2025-03-02,2025-03-09,100000,80000")
PY
}

start_server
TOKEN=$(token)
# A local watch list naming the buyer (the demo's real lists are loaded too).
curl -fs -X POST "$BASE/api/v1/screening/lists/import?file_name=watch.csv&list_name=crash" \
  -H "authorization: Bearer $TOKEN" --data-binary $'id,name,aliases,type,country,identifiers\nC1,'"$BUYER"$',,organization,US,\n' >/dev/null

for round in $(seq 1 "$ROUNDS"); do
  make_file "$round"
  # Concurrent API writes against the server.
  (
    for i in $(seq 1 400); do
      curl -s -o /dev/null -X POST "$BASE/api/v1/registry/tech-contracts" -H "authorization: Bearer $TOKEN" \
        -H 'content-type: application/json' \
        -d "{\"contract_no\":\"API$round$(printf %06d "$i")\",\"title\":\"接口写入\",\"contract_type\":\"development\",\"seller_org_id\":1,\"buyer_name\":\"$BUYER\",\"buyer_country\":\"US\",\"signed_on\":\"2025-03-02\",\"registered_on\":\"2025-03-09\",\"contract_value\":\"1000\",\"tech_value\":\"800\"}" || true
    done
  ) &
  WRITER=$!
  "$KEAN" import tech-contracts "$DIR/import-$round.csv" --database-url "$URL" >>"$DIR/import.log" 2>&1 &
  IMPORT=$!
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 15.0), 2))')"
  kill -9 "$IMPORT" 2>/dev/null || true
  sleep "$(python3 -c 'import random; print(round(random.uniform(0.0, 1.0), 2))')"
  kill -9 "$SERVER" 2>/dev/null || true
  wait "$WRITER" 2>/dev/null || true
  wait "$IMPORT" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  start_server
  TOKEN=$(token)
  n=$(sqlite3 "$DB" "SELECT COUNT(*) FROM tech_contracts WHERE contract_no LIKE 'CR$(printf %02d "$round")%'")
  if [ "$n" != 0 ] && [ "$n" != "$ROWS" ]; then
    echo "round $round: FAILED — the import left $n of $ROWS rows"; exit 1
  fi
  echo "round $round: import left $n of $ROWS rows (all or nothing)"
done

# Let the restarted server catch up (a batch a killed server had claimed
# waits for its lease, two minutes), then check.
for _ in $(seq 1 1000); do
  [ "$(sqlite3 "$DB" 'SELECT COUNT(*) FROM pending_work')" = 0 ] && break
  sleep 0.2
done
pending=$(sqlite3 "$DB" 'SELECT COUNT(*) FROM pending_work')
unscreened=$(sqlite3 "$DB" "SELECT COUNT(*) FROM tech_contracts t WHERE t.buyer_name = '$BUYER' AND t.archived = 0 AND NOT EXISTS (SELECT 1 FROM screening_results r WHERE r.party_kind = 'tech-contracts' AND r.party_id = t.id)" 2>/dev/null || echo "?")
kill -9 "$SERVER" 2>/dev/null || true
wait "$SERVER" 2>/dev/null || true
verify=$("$KEAN" audit verify --database-url "$URL" 2>&1 | tail -1)
echo "outbox left: $pending; contracts with the listed buyer and no result: $unscreened"
echo "audit: $verify"
if [ "$pending" != 0 ] || [ "$unscreened" != 0 ] || ! "$KEAN" audit verify --database-url "$URL" >/dev/null 2>&1; then
  echo "FAILED (files kept in $DIR)"; exit 1
fi
echo "PASSED (files in $DIR)"
