#!/usr/bin/env bash
# What auditing a read of a classified record costs (issue 12): the same
# reader asks, alternating round by round, for the detail of a public
# technology contract and of one classified 秘密 (whose every read appends an
# audit record in its own transaction), and for a list page holding it.
#
#   bench/audited-reads.sh KEAN DB DURATION ROUNDS
#
# DB is a database seeded by bench/registry.sh (an SQLite file or a
# postgres:// URL; it is changed: accounts `bench_sec` and `bench_reader`,
# one classified contract). Prints round|row|requests|req/s|p50|p99|kean µs
# per request (user + system)|of which user|of which system (the user part
# is the steadier one while other processes load the machine), and where perf
# is installed, context switches per request|perf's task-clock µs per request.
set -e
kean=$1; db=$2; dur=$3; rounds=$4
port=19014
case $db in postgres://*) url=$db;; *) url="sqlite://$db";; esac
$kean user create --username bench_sec --display-name 保密管理员 --role secadmin --password 'BenchSec2025x' --database-url "$url" >/dev/null 2>&1 || true
$kean user create --username bench_reader --display-name 审核员 --role reviewer --password 'BenchRead2025x' --database-url "$url" >/dev/null 2>&1 || true
# The security administrator sets the clearance over the API: no TOTP for a bench.
$kean serve --listen 127.0.0.1:$port --database-url "$url" --second-factor-optional >/tmp/audited-reads-srv.log 2>&1 &
srv=$!
trap 'kill $srv 2>/dev/null' EXIT
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
token() { curl -sf -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/'; }
sec=$(token bench_sec BenchSec2025x)
reader=$(token bench_reader BenchRead2025x)
api() { local t=$1 m=$2 p=$3; shift 3; curl -s -X "$m" -H "Authorization: Bearer $t" -H 'content-type: application/json' "http://127.0.0.1:$port/api/v1$p" "$@"; }
rid=$(api "$sec" GET /users | grep -o '"id":[0-9]*,[^}]*"username":"bench_reader"' | head -1 | sed 's/"id":\([0-9]*\).*/\1/')
api "$sec" PUT "/users/$rid/clearance" -d '{"level":"confidential"}' >/dev/null
public=$(api "$reader" GET '/registry/tech-contracts?page_size=1' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
seller=$(api "$reader" GET "/registry/tech-contracts/$public" | grep -o '"seller_org_id":[0-9]*' | head -1 | cut -d: -f2)
classified=$(api "$reader" GET '/registry/tech-contracts?classification=confidential&page_size=1' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
if [ -z "$classified" ]; then
  classified=$(api "$reader" POST /registry/tech-contracts -d "{\"contract_no\":\"BENCH-SECRET-1\",\"seller_org_id\":$seller,\"classification\":\"confidential\",\"classified_by\":\"bench\",\"classification_basis\":\"bench\"}" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
fi
[ -n "$public" ] && [ -n "$classified" ] || { echo "could not set up: public=$public classified=$classified" >&2; exit 1; }
for r in $(seq 1 "$rounds"); do
  for row in "public detail|/api/v1/registry/tech-contracts/$public" "classified detail (audited)|/api/v1/registry/tech-contracts/$classified"; do
    label=${row%%|*}; path=${row#*|}
    wrk -t2 -c8 -d1s -H "Authorization: Bearer $reader" "http://127.0.0.1:$port$path" >/dev/null
    read -r u0 s0 < <(awk '{print $14, $15}' /proc/$srv/stat)
    # Where perf is installed, the server's context switches and CPU clock
    # over the run too: counts of work that a loaded machine inflates less.
    stat=""
    if command -v perf >/dev/null; then
      perf stat -e context-switches,task-clock -p "$srv" -o /tmp/audited-reads-stat.txt &
      stat=$!
      sleep 0.1
    fi
    out=$(wrk -t2 -c8 -d"$dur" --latency -H "Authorization: Bearer $reader" "http://127.0.0.1:$port$path")
    read -r u1 s1 < <(awk '{print $14, $15}' /proc/$srv/stat)
    perfcols=""
    if [ -n "$stat" ]; then
      kill -INT "$stat"; wait "$stat" 2>/dev/null || true
      cs=$(awk '/context-switches/ {gsub(",", "", $1); print $1}' /tmp/audited-reads-stat.txt)
      tc=$(awk '/task-clock/ {gsub(",", "", $1); print $1}' /tmp/audited-reads-stat.txt)
    fi
    n=$(echo "$out" | grep -o '[0-9]* requests in' | cut -d' ' -f1)
    rps=$(echo "$out" | grep Requests/sec | awk '{print $2}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}'); p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    [ -n "$stat" ] && perfcols="|$(awk -v c="$cs" -v n="$n" 'BEGIN{printf "%.1f", c/n}')|$(awk -v t="$tc" -v n="$n" 'BEGIN{printf "%d", t*1000/n}')"
    echo "$r|$label|$n|$rps|$p50|$p99|$(( (u1-u0+s1-s0)*10000000/n/1000 ))|$(( (u1-u0)*10000000/n/1000 ))|$(( (s1-s0)*10000000/n/1000 ))$perfcols"
  done
done
