#!/usr/bin/env bash
# Soak benchmark (issue 11): DURATION (default 30m) at 32 connections of mixed
# reads and writes against `kean serve --demo` (SQLite), with hostile uploads in
# between (an XLSX that unpacks to 300 MB, a body over the limit, a CSV cell of
# 40,000 characters). Reports errors, 5xx and the server's resident memory —
# after warm-up and at the end (flat: within 20%).
#
#   bench/soak.sh [KEAN_BINARY] [DURATION]     e.g. bench/soak.sh target/release/kean 30m
#
# Needs wrk, curl, python3. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
KEAN=${1:-target/release/kean}
DURATION=${2:-30m}
DIR=$(mktemp -d /tmp/kean-soak.XXXXXX)
PORT=$((20000 + RANDOM % 10000))
BASE="http://127.0.0.1:$PORT"
trap 'kill ${SERVER:-0} ${HOSTILE:-0} 2>/dev/null || true' EXIT

"$KEAN" serve --demo --second-factor-optional --database-url "sqlite://$DIR/kean.db" \
  --listen "127.0.0.1:$PORT" >"$DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 900); do curl -fs "$BASE/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
TOKEN=$(curl -fs -X POST "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"Admin2025"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }

# The hostile files, made once.
python3 - "$DIR" <<'PY'
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(f"{d}/bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    with z.open("xl/worksheets/sheet1.xml", "w") as f:
        f.write(b'<worksheet><sheetData><row><c t="inlineStr"><is><t>')
        chunk = b"A" * (1 << 20)
        for _ in range(300):
            f.write(chunk)
        f.write(b"</t></is></c></row></sheetData></worksheet>")
open(f"{d}/big.bin", "wb").write(b"0" * (60 * 1024 * 1024))
open(f"{d}/cell.csv", "w").write("id,name,aliases,type,country,identifiers\nX1," + "名" * 40000 + ",,organization,CN,\n")
PY

# Hostile uploads every 20 seconds while the load runs; each answer's status.
(
  while true; do
    for f in bomb.xlsx big.bin cell.csv; do
      curl -s -o /dev/null -w "%{http_code} $f\n" -X POST \
        "$BASE/api/v1/screening/lists/import?file_name=$f&list_name=soak" \
        -H "authorization: Bearer $TOKEN" --data-binary "@$DIR/$f" >>"$DIR/hostile.log" || echo "000 $f" >>"$DIR/hostile.log"
    done
    sleep 20
  done
) &
HOSTILE=$!

cat >"$DIR/mix.lua" <<LUA
local n = 0
local id = 0
local token = "$TOKEN"
function setup(thread) id = id + 1; thread:set("tid", id) end
function init(args) tid = tonumber(tid) or 0; run = args[1] or "0" end
request = function()
  n = n + 1
  local h = { ["authorization"] = "Bearer " .. token, ["content-type"] = "application/json" }
  local r = n % 10
  if r < 5 then
    return wrk.format("GET", "/api/v1/registry/tech-contracts?page=" .. (n % 15 + 1), h)
  elseif r < 7 then
    return wrk.format("GET", "/api/v1/registry/tech-contracts/" .. (n % 300 + 1), h)
  elseif r < 8 then
    return wrk.format("GET", "/api/v1/registry/organizations?q=%E5%B1%B1%E8%A5%BF", h)
  elseif r < 9 then
    return wrk.format("GET", "/api/v1/statistics/dashboard", h)
  else
    local body = string.format('{"contract_no":"SOAK%s%02d%09d","title":"浸泡测试合同","contract_type":"development","seller_org_id":1,"buyer_name":"晋中浸泡买方%d","buyer_country":"CN","signed_on":"2025-03-02","registered_on":"2025-03-09","contract_value":"1000","tech_value":"800"}', run, tid, n, n % 97)
    return wrk.format("POST", "/api/v1/registry/tech-contracts", h, body)
  end
end
LUA

# Each run numbers its new contracts apart (a number taken is a 409).
wrk -t2 -c32 -d60s -s "$DIR/mix.lua" "$BASE" -- W >"$DIR/warmup.txt" 2>&1
WARM=$(rss)
echo "warm-up done: RSS $WARM kB"
wrk -t2 -c32 -d"$DURATION" --timeout 30s -s "$DIR/mix.lua" "$BASE" -- R >"$DIR/run.txt" 2>&1
# The end's memory with no hostile upload in flight (one raises the server by
# up to ~100 MB while it is refused).
kill "$HOSTILE" 2>/dev/null || true
sleep 5
END=$(rss)
cat "$DIR/run.txt"
errors=$(grep -E "Socket errors|Non-2xx" "$DIR/run.txt" || true)
server_5xx=$(grep -c "internal error" "$DIR/server.log" || true)
echo "hostile uploads (status file):"; sort "$DIR/hostile.log" | uniq -c
echo "RSS after warm-up: $WARM kB; at the end: $END kB ($(python3 -c "print(f'{($END/$WARM-1)*100:+.1f}%')"))"
echo "wrk errors / non-2xx: ${errors:-none}"
echo "server 5xx logged: $server_5xx"
echo "files in $DIR"
