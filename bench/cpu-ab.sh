#!/usr/bin/env bash
# Compares builds of kean (or one build under different settings) on ONE
# seeded database, rows of bench/registry.sh each, the builds alternating
# round by round: for every row the requests per second under wrk (-t2 -c32)
# and the CPU time per request of the kean process (and, on PostgreSQL, of
# the postgres processes). CPU per request moves much less than throughput
# when the machine is busy, and one database rules out differences of
# physical layout between two seeded files.
#
#   bench/cpu-ab.sh DB DURATION ROUNDS NAME=KEAN[:SLUG][@DB2] ...
#
# DB is an SQLite file seeded by bench/registry.sh (BENCH_KEEP_SQLITE) or a
# postgres:// URL (BENCH_KEEP_PG). KEAN is a kean binary or a wrapper script
# that execs one (e.g. to set an environment variable); SLUG is the
# technology contracts' route segment of that build (default tech-contracts;
# builds before the renames of issue 10 use contracts); DB2, when given, is
# that build's own database instead of DB (a build that migrates the schema
# on a copy of the file the other build reads unmigrated). Prints one line per
# round, build and row: round|name|row|HTTP status|requests|req/s|kean µs per
# request|postgres µs per request.
# BENCH_PASSWORD: the `bench` account's password (default Kean-Load-2025, as
# bench_seed creates it; a database seeded before 2026-12-08 has Bench2025x).
set -e
BENCH_PASSWORD=${BENCH_PASSWORD:-Kean-Load-2025}
db=$1; dur=$2; rounds=$3; shift 3
port=19013; work=$(mktemp -d)
case $db in postgres://*) dburl=$db;; *) dburl="sqlite://$db";; esac
pgticks() { local t=0; for p in $(pgrep -u postgres); do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
cat >"$work/t.lua" <<'LUA'
math.randomseed(os.time())
request = function() return wrk.format(nil, "/api/v1/registry/SLUG?page_size=20&q=%E5%9F%BA%E5%87%86%E6%8A%80%E6%9C%AF%E5%90%88%E5%90%8C" .. math.random(0, 999999)) end
LUA
cat >"$work/s.lua" <<'LUA'
math.randomseed(os.time() + 1)
request = function() return wrk.format(nil, "/api/v1/registry/SLUG?page_size=20&q=%E6%99%8B%E4%B8%AD%E5%9F%BA%E5%87%86" .. math.random(0, 99999) .. "%E7%A7%91%E6%8A%80") end
LUA
cat >"$work/f.lua" <<'LUA'
math.randomseed(os.time() + 2)
local types = {"development", "transfer", "licensing", "consulting", "service"}
local base = os.time({year = 2022, month = 1, day = 1, hour = 12})
request = function()
  local from = base + math.random(0, 1399) * 86400
  return wrk.format(nil, "/api/v1/registry/SLUG?page_size=20&contract_type=" .. types[math.random(1, 5)] .. "&registered_on_from=" .. os.date("!%Y-%m-%d", from) .. "&registered_on_to=" .. os.date("!%Y-%m-%d", from + 29 * 86400))
end
LUA
ROWS=(
 "first page|/api/v1/registry/SLUG?page_size=20|"
 "filter repeated|/api/v1/registry/SLUG?contract_type=licensing&registered_on_from=2025-03-01&registered_on_to=2025-03-31&page_size=20|"
 "filter different|/api/v1/registry/SLUG?page_size=20|f.lua"
 "kw title repeated|/api/v1/registry/SLUG?q=%E5%9F%BA%E5%87%86%E6%8A%80%E6%9C%AF%E5%90%88%E5%90%8C12345&page_size=20|"
 "kw seller repeated|/api/v1/registry/SLUG?q=%E6%99%8B%E4%B8%AD%E5%9F%BA%E5%87%864242%E7%A7%91%E6%8A%80&page_size=20|"
 "kw 合同 repeated|/api/v1/registry/SLUG?q=%E5%90%88%E5%90%8C&page_size=20|"
 "kw title different|/api/v1/registry/SLUG?page_size=20|t.lua"
 "kw seller different|/api/v1/registry/SLUG?page_size=20|s.lua"
 "page 2000|/api/v1/registry/SLUG?page=2000&page_size=20|"
 "cursor|/api/v1/registry/SLUG?after=AFTER&page_size=20|"
 "dashboard|/api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31|"
)
for r in $(seq 1 $rounds); do
for spec in "$@"; do
  b=${spec%%=*}; rest=${spec#*=}; bdb=$dburl
  if [[ $rest == *@* ]]; then bdb=${rest#*@}; rest=${rest%%@*}; case $bdb in postgres://*) ;; *) bdb="sqlite://$bdb";; esac; fi
  bin=${rest%%:*}; slug=tech-contracts; [[ $rest == *:* ]] && slug=${rest#*:}
  for l in t s f; do sed "s/SLUG/$slug/" "$work/$l.lua" > "$work/$l-$b.lua"; done
  $bin serve --listen 127.0.0.1:$port --database-url "$bdb" >"$work/srv.log" 2>&1 &
  srv=$!
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
  tok=$(curl -sf -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' -d "{\"username\":\"bench\",\"password\":\"$BENCH_PASSWORD\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/')
  after=$(curl -sf -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/v1/registry/$slug?page=1999&page_size=20" | grep -o '"next_after":[0-9]*' | cut -d: -f2)
  for row in "${ROWS[@]}"; do
    IFS='|' read -r label path lua <<<"$row"
    path=${path//SLUG/$slug}; path=${path/AFTER/$after}
    s=(); [ -n "$lua" ] && s=(-s "$work/${lua%.lua}-$b.lua")
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path")
    if [ "$label" = dashboard ]; then
      t0=$(awk '{print $14+$15}' /proc/$srv/stat)
      for _ in $(seq 1 10); do curl -s -o /dev/null -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path"; done
      t1=$(awk '{print $14+$15}' /proc/$srv/stat)
      echo "$r|$b|$label|$code|10|-|$(( (t1-t0)*10000/10 ))"
      continue
    fi
    wrk -t2 -c32 -d1s "${s[@]}" -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path" >/dev/null
    t0=$(awk '{print $14+$15}' /proc/$srv/stat); p0=$(pgticks)
    out=$(wrk -t2 -c32 -d$dur "${s[@]}" -H "Authorization: Bearer $tok" "http://127.0.0.1:$port$path")
    t1=$(awk '{print $14+$15}' /proc/$srv/stat); p1=$(pgticks)
    n=$(echo "$out" | grep -o '[0-9]* requests in' | cut -d' ' -f1)
    rps=$(echo "$out" | grep Requests/sec | awk '{print $2}')
    echo "$r|$b|$label|$code|$n|$rps|$(( (t1-t0)*10000000/n/1000 ))|$(( (p1-p0)*10000000/n/1000 ))"
  done
  kill $srv; wait $srv 2>/dev/null || true
done
done
rm -rf "$work"
