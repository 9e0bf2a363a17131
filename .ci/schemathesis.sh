#!/usr/bin/env bash
# A bounded schemathesis pass over the JSON API: starts `kean serve --demo`
# (a debug build) on a fresh database, takes API tokens for the demo
# administrator and liaison, and runs schemathesis against
# /api/openapi.json once per token. Fails on any 5xx, any response that does
# not match the document (schema, status code, content type), and before all
# that on a document openapi-spec-validator refuses.
#
#   .ci/schemathesis.sh                  # a temporary SQLite file
#   .ci/schemathesis.sh postgres://…/db  # a fresh (empty) PostgreSQL database
#
# KEAN_ST_EXAMPLES (default 20) bounds the generated examples per operation
# and phase; each pass takes about two minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."

db_url=${1:-}
examples=${KEAN_ST_EXAMPLES:-20}

# schemathesis and openapi-spec-validator (installed if missing).
. .ci/python-tools.sh

# KEAN_BIN: another kean binary to probe (default: this tree's debug build).
kean=${KEAN_BIN:-}
if [ -z "$kean" ]; then
  cargo build -q -p kean-cli
  kean=$PWD/target/debug/kean
fi

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$db_url" ]; then
  db_url="sqlite://$work/kean.db"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

echo "schemathesis: kean serve --demo on ${db_url%%\?*} ($base)"
started=$(date +%s)
"$kean" serve --demo --second-factor-optional --listen "127.0.0.1:$port" --database-url "$db_url" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 600); do
  curl -sf "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "kean serve exited"; exit 1; }
  sleep 0.5
done
curl -sf "$base/healthz" >/dev/null || { cat "$work/server.log"; echo "kean serve did not become ready"; exit 1; }
echo "demo ready in $(($(date +%s) - started)) s"

# Issue 16: the document the server serves is a valid OpenAPI document
# (openapi-spec-validator: the 3.1 schema and its rules, every $ref resolved).
curl -sf "$base/api/openapi.json" -o "$work/openapi.json"
openapi-spec-validator "$work/openapi.json" || { echo "/api/openapi.json is not a valid OpenAPI document"; exit 1; }

# Issue 14: one project walked through the three security gates over the API
# (before schemathesis changes the demo's data at random).
scripts/gate-walk.sh "$base"

token() {
  curl -sf -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}
# Both tokens before any fuzzing: the token endpoint is fuzzed too, and its
# failures back off logins from this address (never the tokens already held).
admin=$(token admin Admin2025)
liaison=$(token liaison Liaison2025)

status=0
run() {
  local who=$1 tok=$2
  shift 2
  local t0
  t0=$(date +%s)
  echo "== schemathesis as $who"
  # Not fuzzed: revoking the token (DELETE /auth/token) ends the run's own
  # session; the administrator's user changes could disable or re-password
  # the accounts the run uses (the liaison's pass covers that operation: it
  # is refused to liaisons).
  # From the temporary directory: schemathesis keeps its cache beside it.
  if ! (cd "$work" && schemathesis --no-color run "$base/api/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $tok" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "$examples" \
    --exclude-method DELETE \
    "$@" \
    --seed 1 \
    --workers 2 \
    --generation-database none \
    --request-timeout 30 \
    --suppress-health-check all \
    --report junit --report-dir "$work/report-$who") >"$work/st-$who.log" 2>&1; then
    status=1
    cat "$work/st-$who.log"
    echo "== schemathesis as $who FAILED ($(($(date +%s) - t0)) s)"
  else
    tail -n 15 "$work/st-$who.log"
    echo "== schemathesis as $who passed ($(($(date +%s) - t0)) s)"
  fi
}
run admin "$admin" --exclude-path '/api/v1/users/{id}/{action}'
run liaison "$liaison"

if grep -qE 'panicked|ERROR' "$work/server.log"; then
  echo "the server logged errors:"
  grep -E 'panicked|ERROR' "$work/server.log" | head -n 40
  status=1
fi
exit $status
