#!/usr/bin/env bash
# Walks one project through kean's three security gates over the JSON API,
# as the demo's users would: the liaison of 山西新泰钢铁有限公司 registers and
# submits a project with a foreign partner; the reviewer and the expert (a
# high-risk review needs two) approve it; R&D starts, its control check
# passes, the project completes; its achievement is licensed abroad, which
# opens the transfer security audit — blocked by the export-control
# catalogue until the export licence is recorded — and the two reviewers pass it.
#
#   scripts/gate-walk.sh http://127.0.0.1:8080     # a server started with --demo
#
# Needs curl and python3. Exits non-zero at the first unexpected answer.
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
run=$(date +%s)

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token() {
  curl -sf -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" | json 'd["token"]'
}
# call TOKEN METHOD PATH [BODY] EXPECTED-STATUS → prints the body
call() {
  local tok=$1 method=$2 path=$3 body=${4:-} want=$5 out status
  out=$(mktemp)
  if [ -n "$body" ]; then
    status=$(curl -s -o "$out" -w '%{http_code}' -X "$method" "$base$path" -H "authorization: Bearer $tok" \
      -H 'content-type: application/json' -d "$body")
  else
    status=$(curl -s -o "$out" -w '%{http_code}' -X "$method" "$base$path" -H "authorization: Bearer $tok")
  fi
  if [ "$status" != "$want" ]; then
    echo "FAILED: $method $path answered $status, expected $want:" >&2
    cat "$out" >&2; echo >&2; rm -f "$out"; exit 1
  fi
  cat "$out"; rm -f "$out"
}
step() { echo "== $*"; }
# register TOKEN PATH BODY → the new record's id: written at once (201), or
# reported for review (202, 填报 → 审核) and approved by the reviewer.
register() {
  local out status sub
  out=$(mktemp)
  status=$(curl -s -o "$out" -w '%{http_code}' -X POST "$base$2" -H "authorization: Bearer $1" \
    -H 'content-type: application/json' -d "$3")
  case $status in
    201) json 'd["id"]' <"$out" ;;
    202) sub=$(json 'd["submission"]["id"]' <"$out")
         echo "   (reported for review as submission #$sub; the reviewer approves it)" >&2
         call "$reviewer" POST "/api/v1/submissions/$sub/approve" '{}' 200 | json '(d["record_id"] or d["result_ids"][0])' ;;
    *) echo "FAILED: POST $2 answered $status:" >&2; cat "$out" >&2; echo >&2; rm -f "$out"; exit 1 ;;
  esac
  rm -f "$out"
}
# The review's checklist answered "met" throughout (what a pass needs), as JSON.
met() {
  call "$1" GET "/api/v1/reviews/$2" "" 200 | python3 -c '
import json, sys
d = json.load(sys.stdin)
a = {}
for sec in (d.get("checklist") or {}).get("sections", []):
    for it in sec["items"]:
        if it["answer"] == "yes_no": a[it["id"]] = "yes"
        elif it["answer"] == "score": a[it["id"]] = "5"
print(json.dumps(a))'
}
# pass TOKEN REVIEW DECISION REASONS [CONDITIONS] EXPECTED → the review's state
pass() {
  local answers
  answers=$(met "$1" "$2")
  call "$1" POST "/api/v1/reviews/$2/decision" \
    "{\"decision\": \"$3\", \"reasons\": \"$4\", \"conditions\": \"${5:-}\", \"answers\": $answers}" "${6:-200}"
}

liaison=$(token liaison Liaison2025)
reviewer=$(token reviewer Review2025)
expert=$(token expert Expert2025)
org=$(call "$liaison" GET /api/v1/me "" 200 | json 'd["org_id"]')

step "申报: the liaison registers a project (organization #$org)"
project=$(call "$liaison" POST /api/v1/registry/projects "{
  \"title\": \"无人机巡检飞控系统研制（演示 $run）\", \"project_no\": \"WALK-$run\", \"programme\": \"city_program\",
  \"lead_org_id\": $org, \"abstract\": \"研制高炉巡检多旋翼无人机的飞行控制系统，含自主导航与避障航迹规划算法。\",
  \"keywords\": \"无人机;飞控;避障\", \"data_grade\": \"important\", \"state_funded\": true}" 201 | json 'd["id"]')
echo "project #$project"
call "$liaison" POST "/api/v1/registry/projects/$project/parties" \
  '{"role": "foreign_partner", "name": "AeroInspect GmbH", "country": "DE", "duty": "flight tests"}' 201 >/dev/null
step "a gate's outcome cannot be asked for directly"
call "$liaison" POST "/api/v1/registry/projects/$project/transitions" '{"transition": "approve", "reason": "x"}' 409 |
  json 'd["error"]["message_zh"]'

step "立项安全审查: submitted"
call "$liaison" POST "/api/v1/registry/projects/$project/transitions" '{"transition": "submit", "reason": "材料齐备"}' 201 |
  json 'd["from_stage"] + " -> " + d["to_stage"]'
review=$(call "$reviewer" GET "/api/v1/reviews?gate=approval_review" "" 200 |
  json "[r['id'] for r in d['items'] if r['record_id'] == $project][0]")
call "$reviewer" GET "/api/v1/reviews/$review" "" 200 |
  json '"\n".join(f["severity"] + ": " + f["zh"] for f in d["findings"]) + "\nhigh risk: " + str(d["high_risk"])'
pass "$reviewer" "$review" pass 境外合作方已核实 | json 'd["state"] + ", checklist score " + str(d["score"])'
pass "$expert" "$review" pass 复核同意 | json 'd["state"] + ": " + d["decision"]'

step "研发: started; the R&D security control check passes; 结题"
call "$liaison" POST "/api/v1/registry/projects/$project/transitions" '{"transition": "start", "reason": "任务书已签订"}' 201 |
  json 'd["to_stage"]'
check=$(call "$reviewer" GET "/api/v1/reviews?gate=rnd_control" "" 200 |
  json "[r['id'] for r in d['items'] if r['record_id'] == $project][0]")
state=$(pass "$reviewer" "$check" pass 年度检查通过 | json 'd["state"]')
if [ "$state" = awaiting_second ]; then
  pass "$expert" "$check" pass 复核同意 >/dev/null
fi
call "$liaison" POST "/api/v1/registry/projects/$project/transitions" '{"transition": "complete", "reason": "通过验收"}' 201 |
  json 'd["to_stage"]'

step "转化安全审核: the achievement is licensed abroad"
achievement=$(register "$liaison" /api/v1/registry/achievements "{
  \"title\": \"高炉巡检无人机飞控与避障软件（演示 $run）\", \"achievement_type\": \"software\", \"holder_org_id\": $org,
  \"project_id\": $project, \"description\": \"无人机飞行控制系统：自主导航、航迹规划与避障算法。\"}")
transfer=$(register "$liaison" /api/v1/registry/transfers "{
  \"achievement_id\": $achievement, \"transfer_mode\": \"licensing\", \"counterparty_name\": \"AeroInspect GmbH\",
  \"counterparty_country\": \"DE\", \"amount\": \"800000\", \"transferred_on\": \"$(date +%F)\"}")
audit=$(call "$reviewer" GET "/api/v1/reviews?gate=transfer_audit" "" 200 |
  json "[r['id'] for r in d['items'] if r['record_id'] == $transfer][0]")
call "$reviewer" GET "/api/v1/reviews/$audit" "" 200 | json '"\n".join(f["severity"] + ": " + f["zh"] for f in d["findings"])'
pass "$reviewer" "$audit" pass 同意 "" 422 | json 'd["error"]["message_zh"]'
call "$reviewer" POST "/api/v1/reviews/$audit/licence" '{"licence_no": "2026-DEMO-0001"}' 200 >/dev/null
pass "$reviewer" "$audit" pass 许可证已核验 | json 'd["state"]'
pass "$expert" "$audit" conditional 同意 按许可证范围履行 | json 'd["state"] + ": " + d["decision"]'
step "done: project #$project completed, transfer #$transfer audited"
