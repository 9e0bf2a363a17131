#!/usr/bin/env bash
# What auditing a read of a classified record costs (issue 12): the same
# reader asks, alternating round by round, for the detail of a public
# technology contract and of one classified 秘密 (whose every read appends an
# audit record, committed before the answer), over the API and as the HTML
# page, at each number of connections in CONNS.
#
#   bench/audited-reads.sh KEAN[,KEAN2…] DB DURATION ROUNDS
#
# KEAN: one or more builds (comma-separated), alternated within each round
# on the same database. DB is a database seeded by bench/registry.sh (an
# SQLite file or a postgres:// URL; it is changed: accounts `bench_sec` and
# `bench_reader`, one classified contract, and the reads' audit records).
# Environment: CONNS (default "1 8"), PORT (default 19014), KINDS (default
# "api page": the JSON API's detail and the HTML detail page).
#
# Prints round|build|connections|row|requests|req/s|p50|p99|kean CPU µs per
# request (user + system, from /proc)|of which user|of which system|on
# PostgreSQL, the CPU µs per request of the server processes serving this
# database (its backends in pg_stat_activity, from /proc; the WAL writer and
# checkpointer, shared with other databases, are not counted), else -|and,
# where perf is installed, context switches per request|perf's task-clock µs
# per request|page faults per request. Under a load from other processes, CPU
# time per request is inflated by contention; the context switches and page
# faults are the steadier counts of the work (each round trip to a database
# connection's thread is two switches or more; an SQLite connection re-faults
# its mapped pages after another connection committed).
set -e
IFS=, read -ra bins <<<"$1"
db=$2; dur=$3; rounds=$4
port=${PORT:-19014}
conns=${CONNS:-1 8}
kinds=${KINDS:-api page}
case $db in postgres://*) url=$db;; *) url="sqlite://$db";; esac
# The CPU ticks of each PostgreSQL backend connected to this database, as
# "pid ticks" lines; pgdelta sums what the backends present at the end used
# since the start (a backend started meanwhile counts whole; one that ended
# meanwhile is missed: the pool keeps its connections while it is busy).
pgticks() {
  case $url in postgres://*) ;; *) return;; esac
  local name=${url##*/} p
  name=${name%%\?*}
  for p in $(psql "$url" -tAc "SELECT pid FROM pg_stat_activity WHERE datname = '$name' AND pid <> pg_backend_pid()"); do
    echo "$p $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0)"
  done
}
pgdelta() { awk 'NR==FNR {t0[$1]=$2; next} {d += $2 - ($1 in t0 ? t0[$1] : 0)} END {print d+0}' <(echo "$1") <(echo "$2"); }
stat_file=$(mktemp)
srv=""
trap 'rm -f "$stat_file"; [ -n "$srv" ] && kill "$srv" 2>/dev/null' EXIT

serve() {
  "$1" serve --listen 127.0.0.1:$port --database-url "$url" --second-factor-optional >/tmp/audited-reads-srv.log 2>&1 &
  srv=$!
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && return; sleep 0.2; done
  echo "the server did not start" >&2; exit 1
}
stop() { kill "$srv"; wait "$srv" 2>/dev/null || true; srv=""; }
token() { curl -sf -X POST http://127.0.0.1:$port/api/v1/auth/token -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed 's/.*"token":"\([0-9a-f]*\)".*/\1/'; }
# A web session: the login form's check of its own cookie, then the session cookie.
web_session() {
  curl -s -o /dev/null -D - -X POST http://127.0.0.1:$port/login -b 'kean_pre=benchbenchbench' \
    --data-urlencode '_csrf=benchbenchbench' --data-urlencode "username=$1" --data-urlencode "password=$2" \
    | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: kean_session=\([^;]*\).*/\1/p' | head -1
}
api() { local t=$1 m=$2 p=$3; shift 3; curl -s -X "$m" -H "Authorization: Bearer $t" -H 'content-type: application/json' "http://127.0.0.1:$port/api/v1$p" "$@"; }

# Set up with the first build: the accounts, the reader's clearance, the contracts.
"${bins[0]}" user create --username bench_sec --display-name 保密管理员 --role secadmin --password 'BenchSec2025x' --database-url "$url" >/dev/null 2>&1 || true
"${bins[0]}" user create --username bench_reader --display-name 审核员 --role reviewer --password 'BenchRead2025x' --database-url "$url" >/dev/null 2>&1 || true
serve "${bins[0]}"
# The security administrator sets the clearance over the API: no TOTP for a bench.
sec=$(token bench_sec BenchSec2025x)
reader=$(token bench_reader BenchRead2025x)
rid=$(api "$sec" GET /users | grep -o '"id":[0-9]*,[^}]*"username":"bench_reader"' | head -1 | sed 's/"id":\([0-9]*\).*/\1/')
api "$sec" PUT "/users/$rid/clearance" -d '{"level":"confidential"}' >/dev/null
public=$(api "$reader" GET '/registry/tech-contracts?classification=public&page_size=1' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
seller=$(api "$reader" GET "/registry/tech-contracts/$public" | grep -o '"seller_org_id":[0-9]*' | head -1 | cut -d: -f2)
classified=$(api "$reader" GET '/registry/tech-contracts?classification=confidential&page_size=1' | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
if [ -z "$classified" ]; then
  classified=$(api "$reader" POST /registry/tech-contracts -d "{\"contract_no\":\"BENCH-SECRET-1\",\"seller_org_id\":$seller,\"classification\":\"confidential\",\"classified_by\":\"bench\",\"classification_basis\":\"bench\"}" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
fi
[ -n "$public" ] && [ -n "$classified" ] || { echo "could not set up: public=$public classified=$classified" >&2; exit 1; }
stop
echo "# public contract $public, 秘密 contract $classified; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() { # round build conns label path header
  local r=$1 b=$2 c=$3 label=$4 path=$5 hdr=$6 t
  t=$(( c < 2 ? 1 : 2 ))
  wrk -t$t -c"$c" -d1s -H "$hdr" "http://127.0.0.1:$port$path" >/dev/null
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$hdr" "http://127.0.0.1:$port$path")
  [ "$code" = 200 ] || { echo "$label: HTTP $code" >&2; exit 1; }
  read -r u0 s0 < <(awk '{print $14, $15}' /proc/$srv/stat)
  local g0 g1
  g0=$(pgticks)
  local stat=""
  if command -v perf >/dev/null; then
    perf stat -e context-switches,task-clock,page-faults -p "$srv" -o "$stat_file" &
    stat=$!
    sleep 0.1
  fi
  local out
  out=$(wrk -t$t -c"$c" -d"$dur" --latency -H "$hdr" "http://127.0.0.1:$port$path")
  read -r u1 s1 < <(awk '{print $14, $15}' /proc/$srv/stat)
  g1=$(pgticks)
  local perfcols="" n rps p50 p99 cs tc pf
  if [ -n "$stat" ]; then
    kill -INT "$stat"; wait "$stat" 2>/dev/null || true
    cs=$(awk '/context-switches/ {gsub(",", "", $1); print $1}' "$stat_file")
    tc=$(awk '/task-clock/ {gsub(",", "", $1); print $1}' "$stat_file")
    pf=$(awk '/page-faults/ {gsub(",", "", $1); print $1}' "$stat_file")
  fi
  n=$(echo "$out" | grep -o '[0-9]* requests in' | cut -d' ' -f1)
  rps=$(echo "$out" | grep Requests/sec | awk '{print $2}')
  p50=$(echo "$out" | awk '$1=="50%"{print $2}'); p99=$(echo "$out" | awk '$1=="99%"{print $2}')
  [ -n "$stat" ] && perfcols="|$(awk -v c="$cs" -v n="$n" 'BEGIN{printf "%.2f", c/n}')|$(awk -v t="$tc" -v n="$n" 'BEGIN{printf "%d", t*1000/n}')|$(awk -v f="$pf" -v n="$n" 'BEGIN{printf "%.1f", f/n}')"
  echo "$r|$b|$c|$label|$n|$rps|$p50|$p99|$(( (u1-u0+s1-s0)*10000000/n/1000 ))|$(( (u1-u0)*10000000/n/1000 ))|$(( (s1-s0)*10000000/n/1000 ))|$(case $url in postgres://*) echo $(( $(pgdelta "$g0" "$g1")*10000000/n/1000 ));; *) echo -;; esac)$perfcols"
}

for r in $(seq 1 "$rounds"); do
  for b in "${bins[@]}"; do
    serve "$b"
    reader=$(token bench_reader BenchRead2025x)
    cookie=$(web_session bench_reader BenchRead2025x)
    [ -n "$reader" ] && [ -n "$cookie" ] || { echo "no session: token=$reader cookie=$cookie" >&2; exit 1; }
    for c in $conns; do
      for row in "api public|/api/v1/registry/tech-contracts/$public|Authorization: Bearer $reader" \
                 "api 秘密 (audited)|/api/v1/registry/tech-contracts/$classified|Authorization: Bearer $reader" \
                 "page public|/registry/tech-contracts/$public|Cookie: kean_session=$cookie" \
                 "page 秘密 (audited)|/registry/tech-contracts/$classified|Cookie: kean_session=$cookie"; do
        IFS='|' read -r label path hdr <<<"$row"
        [[ " $kinds " == *" ${label%% *} "* ]] || continue
        measure "$r" "$(basename "$b")" "$c" "$label" "$path" "$hdr"
      done
    done
    stop
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
