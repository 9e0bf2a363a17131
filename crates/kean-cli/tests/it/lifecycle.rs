//! Projects' lifecycle and the three security gates (issue 14), through
//! the API as users drive them: transitions allowed and refused, the
//! approval review's checks and its decision rules (reasons, no reviewer of
//! the applicant's organization, a second reviewer for high-risk items),
//! R&D control, the transfer audit blocked by the export-control catalogue
//! and by a restricted counterparty from a real list, and the dictionaries
//! versioned — on both databases.

use kean_core::Role;
use serde_json::{Value, json};

use crate::common::{Api, Server, audit_log, basics, user, without_review};

async fn login(s: &Server, name: &str, role: Role, org: Option<i64>) -> Api {
    let pw = user(&s.app, name, role, org).await;
    Api::login(&s.base, name, &pw).await
}

fn field(e: &Value) -> Option<&str> {
    e["error"]["fields"][0]["field"].as_str()
}

async fn stage(api: &Api, id: i64) -> String {
    let (st, p) = api.get(&format!("/api/v1/registry/projects/{id}/lifecycle")).await;
    assert_eq!(st, 200, "{p}");
    p["stage"].as_str().unwrap().to_string()
}

async fn move_project(api: &Api, id: i64, t: &str, reason: &str) -> (u16, Value) {
    api.post(
        &format!("/api/v1/registry/projects/{id}/transitions"),
        json!({ "transition": t, "reason": reason }),
    )
    .await
}

async fn open_review(api: &Api, gate: &str, kind: &str, id: i64) -> Value {
    let (st, list) = api.get(&format!("/api/v1/reviews?gate={gate}&state=open")).await;
    assert_eq!(st, 200, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind && r["record_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no open {gate} of {kind} {id}: {list}"))
}

/// The review's checklist answered "met" throughout (what a pass needs).
async fn met(api: &Api, review: i64) -> Value {
    let (_, v) = api.get(&format!("/api/v1/reviews/{review}")).await;
    let mut answers = serde_json::Map::new();
    for sec in v["checklist"]["sections"].as_array().into_iter().flatten() {
        for it in sec["items"].as_array().unwrap() {
            match it["answer"].as_str().unwrap() {
                "yes_no" => answers.insert(it["id"].as_str().unwrap().into(), json!("yes")),
                "score" => answers.insert(it["id"].as_str().unwrap().into(), json!("5")),
                _ => None,
            };
        }
    }
    Value::Object(answers)
}

/// A decision through the API; a pass answers the checklist as met.
async fn decide(api: &Api, review: i64, decision: &str, reasons: &str) -> (u16, Value) {
    let answers = if matches!(decision, "pass" | "conditional") {
        met(api, review).await
    } else {
        json!({})
    };
    api.post(
        &format!("/api/v1/reviews/{review}/decision"),
        json!({ "decision": decision, "reasons": reasons, "conditions": "", "note": "内部意见", "answers": answers }),
    )
    .await
}

fn codes(review: &Value) -> Vec<String> {
    review["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{review}"))
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

async fn a_project_passes_its_gates_only_as_the_lifecycle_allows(s: Server) {
    let b = basics(&s.app).await;
    let liaison = login(&s, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let outsider = login(&s, "liaison_b", Role::Liaison, Some(b.org_b)).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let second = login(&s, "reviewer2", Role::Reviewer, None).await;
    let own = login(&s, "reviewer_a", Role::Reviewer, Some(b.org_a)).await;

    // The applicant registers a project; the stage is kean's, whatever is sent.
    let (st, p) = liaison
        .post(
            "/api/v1/registry/projects",
            json!({
                "title": "极紫外光刻光源关键部件研制",
                "project_no": "2026JZ-001",
                "programme": "provincial_key_rd",
                "lead_org_id": b.org_a,
                "abstract": "研制用于EUV光刻机的激光等离子体光源及收集镜，突破投影物镜与双工件台配套。",
                "keywords": "极紫外;光刻光源;投影物镜",
                "stage": "approved",
                "state_funded": true,
                "data_grade": "general",
                "ends_on": "2029-12-31",
            }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["fields"]["stage"], "application", "{p}");
    // An edit keeps the stage too.
    let mut edit = p["fields"].clone();
    edit["stage"] = json!("completed");
    edit["budget"] = json!("1200000");
    let (st, e) = liaison.put(&format!("/api/v1/registry/projects/{id}"), edit).await;
    assert_eq!((st, e["fields"]["stage"].as_str()), (200, Some("application")), "{e}");

    // Refused transitions: a gate's outcome asked for directly, a stage
    // that does not allow it, no reason, an unknown one, another
    // organization's project, a bureau act by the applicant.
    let (st, e) = move_project(&liaison, id, "approve", "自行立项").await;
    assert_eq!((st, field(&e)), (409, Some("transition")), "{e}");
    assert!(
        e["error"]["message_zh"].as_str().unwrap().contains("立项安全审查"),
        "{e}"
    );
    let (st, e) = move_project(&liaison, id, "start", "开始").await;
    assert_eq!(st, 409, "{e}");
    let (st, e) = move_project(&liaison, id, "submit", " ").await;
    assert_eq!((st, field(&e)), (422, Some("reason")), "{e}");
    let (st, e) = move_project(&liaison, id, "launch", "x").await;
    assert_eq!((st, field(&e)), (422, Some("transition")), "{e}");
    let (st, _) = move_project(&outsider, id, "submit", "代为提交").await;
    assert_eq!(st, 404);
    let (st, e) = move_project(&liaison, id, "suspend", "暂停").await;
    assert_eq!(st, 403, "{e}");
    assert_eq!(stage(&liaison, id).await, "application");

    // A foreign partner and a team member without a disclosure.
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/projects/{id}/parties"),
            json!({ "role": "foreign_partner", "name": "Acme Optics GmbH", "country": "中国" }),
        )
        .await;
    assert_eq!((st, field(&e)), (422, Some("country")), "{e}");
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/projects/{id}/parties"),
            json!({ "role": "foreign_partner", "name": "Acme Optics GmbH", "country": "DE" }),
        )
        .await;
    assert_eq!(st, 201, "{e}");

    // Submitted: the approval review opens with its checks.
    let (st, ev) = move_project(&liaison, id, "submit", "申报材料已齐备").await;
    assert_eq!((st, ev["to_stage"].as_str()), (201, Some("approval_review")), "{ev}");
    let r = open_review(&reviewer, "approval_review", "projects", id).await;
    let rid = r["id"].as_i64().unwrap();
    let (_, view) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    let c = codes(&view);
    assert!(c.contains(&"foreign_partner".to_string()), "{view}");
    assert!(
        c.contains(&"chokepoint".to_string()),
        "the classifier names the chokepoint item: {view}"
    );
    assert!(c.contains(&"data_grade_low".to_string()), "{view}");
    assert_eq!(view["high_risk"], true, "{view}");
    let (_, links) = reviewer
        .get(&format!("/api/v1/registry/projects/{id}/technology-links"))
        .await;
    assert!(
        links["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["item_name"] == "光刻机"),
        "{links}"
    );
    // Under review, the application is frozen for the applicant.
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/projects/{id}/parties"),
            json!({ "role": "foreign_partner", "name": "Other Optics Ltd", "country": "GB" }),
        )
        .await;
    assert_eq!(st, 409, "{e}");
    let (_, cur) = liaison.get(&format!("/api/v1/registry/projects/{id}")).await;
    let (st, e) = liaison
        .put(&format!("/api/v1/registry/projects/{id}"), cur["fields"].clone())
        .await;
    assert_eq!(st, 409, "{e}");
    // The applicant sees the review, not its checks; cannot decide it.
    let (_, mine) = liaison.get("/api/v1/reviews?state=all").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{mine}");
    let (_, v) = liaison.get(&format!("/api/v1/reviews/{rid}")).await;
    assert_eq!(v["findings"], json!([]), "{v}");
    assert!(v["note"].is_null(), "{v}");
    let (st, _) = outsider.get(&format!("/api/v1/reviews/{rid}")).await;
    assert_eq!(st, 404);
    let (st, _) = decide(&liaison, rid, "pass", "同意").await;
    assert_eq!(st, 403);

    // Decision rules.
    let (st, e) = decide(&own, rid, "pass", "同意立项").await;
    assert_eq!((st, field(&e)), (403, Some("reviewer")), "own organization: {e}");
    let (st, e) = decide(&reviewer, rid, "pass", "").await;
    assert_eq!((st, field(&e)), (422, Some("reasons")), "{e}");
    let (st, e) = decide(&reviewer, rid, "conditional", "基本符合").await;
    assert_eq!((st, field(&e)), (422, Some("conditions")), "{e}");
    let (st, e) = decide(&reviewer, rid, "maybe", "嗯").await;
    assert_eq!((st, field(&e)), (422, Some("decision")), "{e}");
    assert_eq!(stage(&liaison, id).await, "approval_review", "nothing changed");
    // High risk: the first decision waits for a second, different reviewer.
    let (st, v) = decide(&reviewer, rid, "pass", "境外合作方已核实").await;
    assert_eq!((st, v["state"].as_str()), (200, Some("awaiting_second")), "{v}");
    assert_eq!(stage(&liaison, id).await, "approval_review");
    let (st, e) = decide(&reviewer, rid, "pass", "再次同意").await;
    assert_eq!((st, field(&e)), (403, Some("reviewer")), "{e}");
    let (st, v) = decide(&second, rid, "return", "境外合作协议未附，请补充").await;
    assert_eq!((st, v["state"].as_str()), (200, Some("decided")), "{v}");
    assert_eq!(stage(&liaison, id).await, "returned");
    let (_, v) = liaison.get(&format!("/api/v1/reviews/{rid}")).await;
    assert_eq!(
        v["reasons"], "境外合作协议未附，请补充",
        "the applicant reads the reasons: {v}"
    );
    let (st, _) = decide(&second, rid, "pass", "改判").await;
    assert_eq!(st, 409, "decided already");

    // Resubmitted and approved by two reviewers.
    let (st, _) = move_project(&liaison, id, "submit", "已补充合作协议").await;
    assert_eq!(st, 201);
    let rid2 = open_review(&reviewer, "approval_review", "projects", id).await["id"]
        .as_i64()
        .unwrap();
    assert_ne!(rid, rid2);
    decide(&reviewer, rid2, "pass", "材料齐全").await;
    let (st, v) = decide(&second, rid2, "pass", "同意立项").await;
    assert_eq!((st, v["decision"].as_str()), (200, Some("pass")), "{v}");
    assert_eq!(stage(&liaison, id).await, "approved");

    // R&D: the first check is scheduled by the project's risk; completion
    // needs a passed check.
    let (st, _) = move_project(&liaison, id, "start", "合同已签订").await;
    assert_eq!(st, 201);
    let rnd = open_review(&reviewer, "rnd_control", "projects", id).await;
    let due = rnd["due_on"].as_str().unwrap().to_string();
    assert!(*due > kean_core::format_ts(chrono::Utc::now())[..10], "{rnd}");
    let (st, e) = move_project(&liaison, id, "complete", "研究完成").await;
    assert_eq!(st, 409, "{e}");
    assert!(
        e["error"]["message_zh"].as_str().unwrap().contains("研发安全管控"),
        "{e}"
    );
    // A change of the team reopens a check due today.
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/projects/{id}/parties"),
            json!({ "role": "participant", "org_id": b.org_b }),
        )
        .await;
    assert_eq!(st, 201, "{e}");
    let (_, open) = reviewer.get("/api/v1/reviews?gate=rnd_control&state=open").await;
    assert_eq!(open["items"].as_array().unwrap().len(), 2, "{open}");
    let today_check = open["items"].as_array().unwrap()[0]["id"].as_i64().unwrap();
    decide(&reviewer, today_check, "pass", "变更已核实").await;
    let (st, v) = decide(&second, today_check, "pass", "同意").await;
    assert_eq!(st, 200, "{v}");
    let (st, ev) = move_project(&liaison, id, "complete", "研究完成").await;
    assert_eq!((st, ev["to_stage"].as_str()), (201, Some("completed")), "{ev}");
    let (st, _) = move_project(&reviewer, id, "terminate", "终止").await;
    assert_eq!(st, 409, "completed is final");
    let (_, open) = reviewer.get("/api/v1/reviews?gate=rnd_control&state=open").await;
    assert_eq!(
        open["items"],
        json!([]),
        "a completed project leaves no check waiting: {open}"
    );

    // Every transition is an event with who, when and why, and audited.
    let (_, panel) = liaison.get(&format!("/api/v1/registry/projects/{id}/lifecycle")).await;
    let events: Vec<&str> = panel["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["transition"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["submit", "return", "submit", "approve", "start", "complete"],
        "{panel}"
    );
    assert_eq!(panel["links"], json!([]), "links are the bureau's: {panel}");
    let log = audit_log(&s, 200).await;
    let transitions = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "project_transition" && e["record_id"] == id)
        .count();
    assert_eq!(transitions, 6, "{log}");
}
crate::on_both!(a_project_passes_its_gates_only_as_the_lifecycle_allows);

async fn import_list(api: &Api, file: &str, body: Vec<u8>) -> (u16, Value) {
    let r = api
        .http
        .post(format!("{}/api/v1/screening/lists/import?file_name={file}", api.base))
        .bearer_auth(&api.token)
        .body(body)
        .send()
        .await
        .expect("import");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn transfer_audits_block_by_catalogue_and_by_restricted_counterparty(s: Server) {
    let Some(dir) = kean_demo::lists_dir() else {
        panic!("the shared list data is missing (../shared/data/lists)");
    };
    let b = basics(&s.app).await;
    // The liaison's registrations take effect at once here (reporting with
    // review has its own tests; an approved report opens the audit the same way).
    without_review(&s.app).await;
    let admin = login(&s, "admin1", Role::Admin, None).await;
    let liaison = login(&s, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let second = login(&s, "reviewer2", Role::Reviewer, None).await;
    let cn = std::fs::read(dir.join("cn_lists_flat.csv")).unwrap();
    let (st, v) = import_list(&admin, "cn_lists_flat.csv", cn).await;
    assert_eq!(st, 201, "{v}");

    let (st, a) = liaison
        .post(
            "/api/v1/registry/achievements",
            json!({
                "title": "多旋翼无人机飞行控制系统与自主避障航迹规划算法",
                "achievement_type": "software",
                "holder_org_id": b.org_a,
                "description": "无人机飞控软件，含自主导航与避障规划。",
            }),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let ach = a["id"].as_i64().unwrap();
    let transfer = |name: &str, country: &str| {
        json!({
            "achievement_id": ach, "transfer_mode": "licensing", "counterparty_name": name,
            "counterparty_country": country, "amount": "500000", "transferred_on": "2026-11-01",
        })
    };
    // Abroad, a restricted technology: blocked until a licence is recorded.
    let (st, t) = liaison
        .post("/api/v1/registry/transfers", transfer("Acme Drone GmbH", "DE"))
        .await;
    assert_eq!(st, 201, "{t}");
    let tid = t["id"].as_i64().unwrap();
    let r = open_review(&reviewer, "transfer_audit", "transfers", tid).await;
    let rid = r["id"].as_i64().unwrap();
    let (_, view) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(codes(&view).contains(&"export_licence_missing".to_string()), "{view}");
    let (st, e) = decide(&reviewer, rid, "pass", "同意转化").await;
    assert_eq!((st, field(&e)), (422, Some("decision")), "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("203912X"), "{e}");
    let (st, e) = reviewer
        .post(&format!("/api/v1/reviews/{rid}/licence"), json!({ "licence_no": "" }))
        .await;
    assert_eq!((st, field(&e)), (422, Some("licence_no")), "{e}");
    let (st, v) = reviewer
        .post(
            &format!("/api/v1/reviews/{rid}/licence"),
            json!({ "licence_no": "2026-JX-000123" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert!(!codes(&v).contains(&"export_licence_missing".to_string()), "{v}");
    assert!(codes(&v).contains(&"export_licensed".to_string()), "{v}");
    let (st, v) = decide(&reviewer, rid, "pass", "许可证已核验").await;
    assert_eq!((st, v["state"].as_str()), (200, Some("awaiting_second")), "{v}");
    let (st, v) = decide(&second, rid, "conditional", "同意").await;
    assert_eq!((st, field(&v)), (422, Some("conditions")), "{v}");
    let (st, v) = second
        .post(
            &format!("/api/v1/reviews/{rid}/decision"),
            json!({ "decision": "conditional", "reasons": "同意", "conditions": "按许可证范围履行",
                    "answers": met(&second, rid).await }),
        )
        .await;
    assert_eq!((st, v["decision"].as_str()), (200, Some("conditional")), "{v}");

    // A listed counterparty (China's anti-sanction list, in Chinese).
    let (st, t) = liaison
        .post("/api/v1/registry/transfers", transfer("洛克希德·马丁航空公司", "US"))
        .await;
    assert_eq!(st, 201, "{t}");
    let tid = t["id"].as_i64().unwrap();
    let rid = open_review(&reviewer, "transfer_audit", "transfers", tid).await["id"]
        .as_i64()
        .unwrap();
    let (_, view) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(codes(&view).contains(&"screening_open".to_string()), "{view}");
    let (st, e) = decide(&reviewer, rid, "pass", "同意").await;
    assert_eq!(st, 422, "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("洛克希德"), "{e}");
    // Rejected by two reviewers: recorded with the findings decided on.
    decide(&reviewer, rid, "reject", "受让方在反制裁清单上").await;
    let (st, v) = decide(&second, rid, "reject", "同意不予通过").await;
    assert_eq!((st, v["decision"].as_str()), (200, Some("reject")), "{v}");
    assert!(codes(&v).contains(&"screening_open".to_string()), "{v}");

    // A domestic transfer of the same technology: informational only.
    let (st, t) = liaison
        .post("/api/v1/registry/transfers", transfer("太原某无人机公司", "CN"))
        .await;
    assert_eq!(st, 201, "{t}");
    let rid = open_review(&reviewer, "transfer_audit", "transfers", t["id"].as_i64().unwrap()).await["id"]
        .as_i64()
        .unwrap();
    let (_, view) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(
        view["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "block"),
        "{view}"
    );
    assert_eq!(view["high_risk"], false, "{view}");

    // Work lists: my pending reviews are those I may decide — not those of
    // my own organization (a reviewer affiliated with the applicant).
    let ids_of = |l: &Value| -> Vec<i64> {
        l["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    let (st, l) = reviewer.get("/api/v1/reviews?state=open&mine=1").await;
    assert_eq!(st, 200, "{l}");
    assert_eq!(ids_of(&l), vec![rid], "{l}");
    let affiliated = login(&s, "reviewer_a", Role::Reviewer, Some(b.org_a)).await;
    let (st, l) = affiliated.get("/api/v1/reviews?state=open&mine=1").await;
    assert_eq!((st, ids_of(&l)), (200, vec![]), "own organization's: {l}");
    let (st, l) = liaison.get("/api/v1/reviews?state=open&mine=1").await;
    assert_eq!((st, ids_of(&l)), (200, vec![]), "an applicant decides nothing: {l}");

    let (st, v) = decide(&reviewer, rid, "pass", "境内转化，符合要求").await;
    assert_eq!((st, v["state"].as_str()), (200, Some("decided")), "one reviewer: {v}");

    // The gate figures and the lists they drill down to: three audits,
    // two passed (one with conditions), one rejected on a blocking check.
    let (st, f) = reviewer.get("/api/v1/reviews/figures").await;
    assert_eq!(st, 200, "{f}");
    let gate = |f: &Value, g: &str| {
        f["gates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["gate"] == g)
            .cloned()
            .unwrap()
    };
    let t = gate(&f, "transfer_audit");
    assert_eq!(
        (&t["opened"], &t["open"], &t["passed"], &t["rejected"], &t["blocked"]),
        (&json!(3), &json!(0), &json!(2), &json!(1), &json!(1)),
        "{f}"
    );
    assert_eq!(
        t["mean_days_to_decision"],
        json!(0.0),
        "decided the day they opened: {f}"
    );
    let (st, l) = reviewer
        .get("/api/v1/reviews?gate=transfer_audit&state=decided&decision=pass,conditional")
        .await;
    assert_eq!((st, ids_of(&l).len()), (200, 2), "{l}");
    let (st, l) = reviewer
        .get("/api/v1/reviews?gate=transfer_audit&state=all&blocked=1")
        .await;
    assert_eq!(st, 200, "{l}");
    assert_eq!(l["items"][0]["decision"], "reject", "{l}");
    assert_eq!(ids_of(&l).len(), 1, "{l}");
    let today = chrono::Utc::now().date_naive();
    let (st, l) = reviewer
        .get(&format!(
            "/api/v1/reviews?state=all&opened_from={}",
            today + chrono::Duration::days(2)
        ))
        .await;
    assert_eq!(
        (st, ids_of(&l).len()),
        (200, 0),
        "none opened after the day after tomorrow: {l}"
    );
    // The applicant: its own organization's figures, never the checks' count.
    let (st, f) = liaison.get("/api/v1/reviews/figures").await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(
        (
            &gate(&f, "transfer_audit")["opened"],
            &gate(&f, "transfer_audit")["blocked"]
        ),
        (&json!(3), &json!(0)),
        "{f}"
    );
    let (st, e) = liaison.get("/api/v1/reviews?state=all&blocked=1").await;
    assert_eq!(st, 403, "{e}");
    // Filters that do not parse are named.
    let (st, e) = reviewer.get("/api/v1/reviews?opened_from=2026-13-01").await;
    assert_eq!((st, field(&e)), (400, Some("opened_from")), "{e}");
    let (st, e) = reviewer.get("/api/v1/reviews?overdue=maybe").await;
    assert_eq!((st, field(&e)), (400, Some("overdue")), "{e}");
    let (st, e) = reviewer
        .get("/api/v1/reviews/figures?from=2026-12-31&to=2026-01-01")
        .await;
    assert_eq!((st, field(&e)), (400, Some("from")), "{e}");

    // The dashboard shows the figures, each number a link to its list.
    let pw = user(&s.app, "reviewer_web", Role::Reviewer, None).await;
    let web = crate::common::Web::login(&s.base, "reviewer_web", &pw).await;
    let (st, html) = web
        .get(&format!(
            "/?from={}&to={}",
            today - chrono::Duration::days(1),
            today + chrono::Duration::days(1)
        ))
        .await;
    assert_eq!(st, 200);
    assert!(html.contains(r#"id="gate-figures""#), "{html}");
    assert!(
        html.contains("gate=transfer_audit&#38;state=all&#38;blocked=1"),
        "{html}"
    );
    let (st, html) = web.get("/reviews?state=all&blocked=1").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("存在阻断项") && html.contains(r#"data-review=""#),
        "{html}"
    );
}
crate::on_both!(transfer_audits_block_by_catalogue_and_by_restricted_counterparty);

async fn upload_dictionary(api: &Api, dictionary: &str, name: &str, bytes: Vec<u8>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
        )
        .text("label", "测试版本");
    let r = api
        .http
        .post(format!("{}/api/v1/dictionaries/{dictionary}", api.base))
        .bearer_auth(&api.token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn dictionaries_are_versioned_and_bad_files_refused(s: Server) {
    let admin = login(&s, "admin1", Role::Admin, None).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let (st, d) = reviewer.get("/api/v1/dictionaries/chokepoint").await;
    assert_eq!(st, 200, "{d}");
    let items = d["items"].as_array().unwrap();
    assert_eq!(items.len(), 35, "the 35 chokepoint items: {d}");
    assert!(items.iter().all(|i| i["status"] == "not covered"), "{d}");
    assert_eq!(d["versions"].as_array().unwrap().len(), 1);

    // The real seed of the catalogue: its items with kean's terms, as the
    // shipped version already holds them: no new version.
    let seed = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/catalogues/export_tech_catalog_partial.csv"),
    )
    .expect("the shared catalogue seed");
    let (st, v) = upload_dictionary(&admin, "export_control", "export_tech_catalog_partial.csv", seed).await;
    assert!(st == 200 || st == 201, "{v}");
    // An edited export: one item changed, one removed, one added.
    let (_, cat) = reviewer.get("/api/v1/dictionaries/export_control").await;
    let n = cat["items"].as_array().unwrap().len();
    let mut csv = String::from(kean_classify::KEAN_HEADER);
    csv.push('\n');
    for (i, it) in cat["items"].as_array().unwrap().iter().enumerate() {
        if i == 1 {
            continue; // removed
        }
        let desc = if i == 0 {
            "控制要点已修订"
        } else {
            it["description"].as_str().unwrap()
        };
        csv.push_str(&format!(
            "export_control,{},{},{},2025,\"{}\",{},,kean test\n",
            it["code"].as_str().unwrap(),
            it["name"].as_str().unwrap(),
            it["group"].as_str().unwrap(),
            desc.replace('"', "\"\""),
            it["terms"]
                .as_array()
                .unwrap()
                .iter()
                .skip(1)
                .map(|t| t.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(";"),
        ));
    }
    csv.push_str("export_control,999901X,测试新增技术,限制出口,2025,新增条目,测试术语,,kean test\n");
    let (st, v) = upload_dictionary(&admin, "export_control", "catalogue.csv", csv.clone().into_bytes()).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!(v["added"], json!(["999901X"]), "{v}");
    assert_eq!(v["removed"].as_array().unwrap().len(), 1, "{v}");
    assert!(!v["changed"].as_array().unwrap().is_empty(), "{v}");
    let (_, cat) = reviewer.get("/api/v1/dictionaries/export_control").await;
    assert_eq!(cat["items"].as_array().unwrap().len(), n, "{cat}");
    let versions = cat["versions"].as_array().unwrap();
    assert!(versions.len() >= 2, "{cat}");
    assert!(
        versions.last().unwrap()["items"].as_i64().unwrap() == n as i64,
        "the first version keeps the removed item: {cat}"
    );

    // Refused, naming what is wrong; nothing added.
    let before = versions.len();
    let (st, e) = upload_dictionary(&admin, "export_control", "bad.csv", b"foo,bar\n1,2\n".to_vec()).await;
    assert_eq!((st, field(&e)), (422, Some("file")), "{e}");
    let bad_line = format!("{}\nexport_control,1X,\n", kean_classify::KEAN_HEADER);
    let (st, e) = upload_dictionary(&admin, "export_control", "short.csv", bad_line.into_bytes()).await;
    assert_eq!(st, 422, "{e}");
    assert!(
        e["error"]["message_zh"].as_str().unwrap().contains('2'),
        "names the line: {e}"
    );
    let (st, e) = upload_dictionary(&admin, "chokepoint", "catalogue.csv", csv.into_bytes()).await;
    assert_eq!((st, field(&e)), (422, Some("file")), "the wrong dictionary: {e}");
    let (st, _) = upload_dictionary(&reviewer, "chokepoint", "x.csv", b"x".to_vec()).await;
    assert_eq!(st, 403, "the bureau administrator's");
    let (_, cat) = reviewer.get("/api/v1/dictionaries/export_control").await;
    assert_eq!(cat["versions"].as_array().unwrap().len(), before);

    // Coverage: an enterprise depending on an item, a project aimed at it.
    let b = basics(&s.app).await;
    let (st, l) = reviewer
        .post(
            &format!("/api/v1/registry/organizations/{}/dependences", b.org_b),
            json!({ "item": "光刻机" }),
        )
        .await;
    assert_eq!((st, l["state"].as_str()), (201, Some("confirmed")), "{l}");
    let (st, e) = reviewer
        .post(
            &format!("/api/v1/registry/organizations/{}/dependences", b.org_b),
            json!({ "item": "永动机" }),
        )
        .await;
    assert_eq!((st, field(&e)), (422, Some("item")), "{e}");
    let (_, d) = reviewer.get("/api/v1/dictionaries/chokepoint").await;
    let litho = d["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "光刻机")
        .unwrap()
        .clone();
    assert_eq!(litho["dependents"][0]["id"], b.org_b, "{litho}");
    assert_eq!(litho["status"], "not covered", "{litho}");
}
crate::on_both!(dictionaries_are_versioned_and_bad_files_refused);

async fn checklists_are_answered_scored_and_versioned(s: Server) {
    let b = basics(&s.app).await;
    let admin = login(&s, "admin1", Role::Admin, None).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let liaison = login(&s, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let (st, p) = admin
        .post(
            "/api/v1/registry/platforms",
            json!({ "name": "晋中新材料中试基地", "platform_type": "pilot_base", "level": "city", "host_org_id": b.org_a }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let (st, e) = liaison
        .post(&format!("/api/v1/registry/platforms/{pid}/assessment"), json!({}))
        .await;
    assert_eq!(st, 403, "{e}");
    let (st, r) = reviewer
        .post(&format!("/api/v1/registry/platforms/{pid}/assessment"), json!({}))
        .await;
    assert_eq!((st, r["gate"].as_str()), (201, Some("platform_assessment")), "{r}");
    let rid = r["id"].as_i64().unwrap();
    assert_eq!(r["checklist"]["code"], "platform_assessment", "{r}");
    // A pass with the checklist unanswered or answered out of type: each item named.
    let (st, e) = reviewer
        .post(
            &format!("/api/v1/reviews/{rid}/decision"),
            json!({ "decision": "pass", "reasons": "评估通过" }),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert!(
        e["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "checklist.A1"),
        "{e}"
    );
    let mut answers = met(&reviewer, rid).await;
    answers["B1"] = json!("maybe");
    let (st, e) = reviewer
        .post(
            &format!("/api/v1/reviews/{rid}/decision"),
            json!({ "decision": "pass", "reasons": "评估通过", "answers": answers }),
        )
        .await;
    assert_eq!((st, field(&e)), (422, Some("checklist.B1")), "{e}");
    // Answered: scored, shortfalls become findings, kept with the decision.
    answers["B1"] = json!("no");
    answers["E1"] = json!("2");
    let (st, v) = reviewer
        .post(
            &format!("/api/v1/reviews/{rid}/decision"),
            json!({ "decision": "conditional", "reasons": "基本符合", "conditions": "三个月内完成涉密信息专人管理与设备替代预案", "answers": answers }),
        )
        .await;
    assert_eq!((st, v["state"].as_str()), (200, Some("decided")), "{v}");
    let score = v["score"].as_f64().unwrap();
    assert!(score > 50.0 && score < 100.0, "{v}");
    let shortfalls: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "checklist_shortfall")
        .collect();
    assert_eq!(shortfalls.len(), 2, "{v}");
    assert_eq!(v["answers"]["B1"], "no", "{v}");

    // A new checklist version; a bad one refused naming its line; the decided
    // review keeps the version it was answered on.
    let framework = "framework\tplatform_assessment\t创新平台安全评估表\t2027.1\nsection\tA\t数据\nitem\tA1\t科研数据分级\tyes_no\t1\n";
    let post = |body: &'static str, name: &'static str| {
        let admin = &admin;
        async move {
            let r = admin
                .http
                .post(format!("{}/api/v1/frameworks?file_name={name}", admin.base))
                .bearer_auth(&admin.token)
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (st, e) = post(
        "framework\tplatform_assessment\tT\t1\nsection\tA\tS\nitem\tA1\treq\tmaybe\t1\n",
        "bad.tsv",
    )
    .await;
    assert_eq!((st, field(&e)), (422, Some("file")), "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("第3行"), "{e}");
    let (st, e) = post(
        "framework\tnot_a_gate\tT\t1\nsection\tA\tS\nitem\tA1\treq\tyes_no\t1\n",
        "x.tsv",
    )
    .await;
    assert_eq!(st, 422, "{e}");
    let (st, e) = reviewer.post("/api/v1/frameworks", json!({})).await;
    assert_eq!(st, 403, "{e}");
    let (st, v) = post(framework, "platform-2027.tsv").await;
    assert_eq!((st, v["version"].as_i64()), (201, Some(2)), "{v}");
    let (st, v) = post(framework, "platform-2027.tsv").await;
    assert_eq!((st, v["unchanged"].as_bool()), (200, Some(true)), "{v}");
    let (_, old) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert_eq!(old["checklist"]["edition"], "2026.1", "{old}");
    let (_, r2) = reviewer
        .post(&format!("/api/v1/registry/platforms/{pid}/assessment"), json!({}))
        .await;
    assert_eq!(r2["checklist"]["edition"], "2027.1", "{r2}");
}
crate::on_both!(checklists_are_answered_scored_and_versioned);

/// The rest of the automatic checks, each from the data a user enters: a
/// team member's foreign affiliation and missing disclosure (gone once the
/// disclosure is recorded), a state-funded source project, a chokepoint
/// technology leaving for abroad, and a counterparty the reviewer confirmed
/// as listed (from the real Chinese lists).
async fn the_checks_follow_what_users_record(s: Server) {
    let Some(dir) = kean_demo::lists_dir() else {
        panic!("the shared list data is missing (../shared/data/lists)");
    };
    let b = basics(&s.app).await;
    without_review(&s.app).await;
    let admin = login(&s, "admin1", Role::Admin, None).await;
    let liaison = login(&s, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let (st, _) = import_list(
        &admin,
        "cn_lists_flat.csv",
        std::fs::read(dir.join("cn_lists_flat.csv")).unwrap(),
    )
    .await;
    assert_eq!(st, 201);
    let (st, person) = liaison
        .post(
            "/api/v1/registry/persons",
            json!({ "name": "王海", "id_type": "passport", "id_number": "E98765432", "nationality": "CN",
                    "org_id": b.org_a, "foreign_affiliation": "University of Tokyo", "foreign_affiliation_country": "JP" }),
        )
        .await;
    assert_eq!(st, 201, "{person}");
    let pid = person["id"].as_i64().unwrap();
    let (st, p) = liaison
        .post(
            "/api/v1/registry/projects",
            json!({ "title": "极紫外光刻机投影物镜研制", "project_no": "JZ-C-001", "programme": "provincial_key_rd",
                    "lead_org_id": b.org_a, "abstract": "研制EUV光刻机投影物镜与双工件台。", "keywords": "光刻机;投影物镜",
                    "state_funded": true, "data_grade": "important" }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/projects/{id}/parties"),
            json!({ "role": "member", "person_id": pid, "duty": "负责人" }),
        )
        .await;
    assert_eq!(st, 201, "{e}");
    move_project(&liaison, id, "submit", "申报").await;
    let rid = open_review(&reviewer, "approval_review", "projects", id).await["id"]
        .as_i64()
        .unwrap();
    let (_, v) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    let c = codes(&v);
    assert!(
        c.contains(&"foreign_affiliation".to_string()) && c.contains(&"disclosure_missing".to_string()),
        "{v}"
    );
    // A disclosure older than a year does not count; a current one does.
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/persons/{pid}/disclosures"),
            json!({ "declared_on": "2024-01-05", "conflicts": "无", "foreign_roles": "东京大学客座研究员" }),
        )
        .await;
    assert_eq!(st, 201, "{e}");
    let (_, v) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(codes(&v).contains(&"disclosure_missing".to_string()), "{v}");
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/persons/{pid}/disclosures"),
            json!({ "declared_on": "2099-01-01", "conflicts": "无", "foreign_roles": "x" }),
        )
        .await;
    assert_eq!((st, field(&e)), (422, Some("declared_on")), "{e}");
    let today = kean_core::format_ts(chrono::Utc::now())[..10].to_string();
    let (st, _) = liaison
        .post(
            &format!("/api/v1/registry/persons/{pid}/disclosures"),
            json!({ "declared_on": today, "conflicts": "无", "foreign_roles": "东京大学客座研究员（2026年起）" }),
        )
        .await;
    assert_eq!(st, 201);
    let (_, v) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(!codes(&v).contains(&"disclosure_missing".to_string()), "{v}");
    let (_, list) = liaison
        .get(&format!("/api/v1/registry/persons/{pid}/disclosures"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");

    // Its achievement goes abroad: state funding and the chokepoint item leave.
    let (st, a) = liaison
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "EUV光刻机投影物镜装调技术", "achievement_type": "technique", "holder_org_id": b.org_a,
                    "project_id": id, "description": "光刻机投影物镜的装调与检测。" }),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let (st, t) = liaison
        .post(
            "/api/v1/registry/transfers",
            json!({ "achievement_id": a["id"], "transfer_mode": "assignment", "counterparty_name": "洛克希德·马丁导弹与火控公司",
                    "counterparty_country": "US", "amount": "1000000", "transferred_on": "2026-11-01" }),
        )
        .await;
    assert_eq!(st, 201, "{t}");
    let tid = t["id"].as_i64().unwrap();
    let rid = open_review(&reviewer, "transfer_audit", "transfers", tid).await["id"]
        .as_i64()
        .unwrap();
    let (_, v) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    let c = codes(&v);
    for want in [
        "state_funded",
        "chokepoint_leaving",
        "foreign_counterparty",
        "screening_open",
    ] {
        assert!(c.contains(&want.to_string()), "{want}: {v}");
    }
    // The reviewer confirms the list result: the check names the listed party.
    let (_, results) = reviewer
        .get(&format!(
            "/api/v1/screening/results?kind=transfers&party_id={tid}&status=open"
        ))
        .await;
    for r in results["items"].as_array().unwrap() {
        let (st, e) = reviewer
            .post(
                &format!("/api/v1/screening/results/{}/decision", r["id"]),
                json!({ "decision": "confirm", "reason": "与反制裁清单主体一致", "version": r["version"] }),
            )
            .await;
        assert_eq!(st, 200, "{e}");
    }
    let (_, v) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    let c = codes(&v);
    assert!(
        c.contains(&"restricted_party".to_string()) && !c.contains(&"screening_open".to_string()),
        "{v}"
    );
}
crate::on_both!(the_checks_follow_what_users_record);

/// A transfer an account registered opens its transfer audit even if the
/// process that committed it died at once: the audit is follow-up work in
/// the outbox, done by the next process that catches up. A transfer loaded
/// at the machine (an import, kean itself) is audited on demand only.
async fn a_registered_transfer_is_audited_even_if_its_process_died(s: Server) {
    use kean_store::{RegistryWrite, WorkStore};
    let b = basics(&s.app).await;
    without_review(&s.app).await;
    let liaison = login(&s, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let (st, me) = liaison.get("/api/v1/me").await;
    assert_eq!(st, 200, "{me}");
    let (st, a) = liaison
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "高纯碳化硅单晶衬底生长工艺", "achievement_type": "invention_patent",
                    "holder_org_id": b.org_a, "description": "碳化硅衬底" }),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let ach = a["id"].as_i64().unwrap();

    // The dead process: it committed two transfers, then nothing — one
    // registered by the liaison's account, one by kean at the machine.
    let store = kean_store::SqlStore::connect(&s.url)
        .await
        .unwrap()
        .with_followed(kean_app::followed_kinds());
    let today = chrono::Utc::now().date_naive();
    let fields = |name: &str| {
        let raw = crate::common::raw(&[
            ("achievement_id", &ach.to_string()),
            ("transfer_mode", "licensing"),
            ("counterparty_name", name),
            ("counterparty_country", "DE"),
            ("amount", "500000"),
            ("transferred_on", "2026-11-01"),
        ]);
        kean_core::record::validate(kean_core::Kind::Transfer, &raw, today).expect("valid transfer")
    };
    let at = kean_core::format_ts(chrono::Utc::now());
    let by_account = kean_store::WriteMeta {
        at: at.clone(),
        actor_id: me["id"].as_i64().unwrap(),
        actor: "liaison_a".into(),
    };
    let by_machine = kean_store::WriteMeta {
        at,
        actor_id: 0,
        actor: "system:import".into(),
    };
    let registered = store
        .insert(&fields("Halbleiter Werk GmbH"), Some(b.org_a), &by_account)
        .await
        .unwrap();
    let loaded = store
        .insert(&fields("Kristall Technik AG"), Some(b.org_a), &by_machine)
        .await
        .unwrap();
    assert_eq!(store.pending_work_count().await.unwrap(), 2);
    let audits_of = |id: i64| {
        let reviewer = &reviewer;
        async move {
            let (st, l) = reviewer.get("/api/v1/reviews?gate=transfer_audit&state=all").await;
            assert_eq!(st, 200, "{l}");
            l["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["kind"] == "transfers" && r["record_id"] == id)
                .count()
        }
    };
    assert_eq!(audits_of(registered.id).await, 0, "nothing opened yet");

    // The next process catches up: the account's transfer is screened and
    // audited, once, however often the work runs; the machine's is not.
    for _ in 0..2 {
        s.app
            .run_pending_work(&kean_core::format_ts(chrono::Utc::now()))
            .await
            .unwrap();
    }
    assert_eq!(store.pending_work_count().await.unwrap(), 0, "the outbox is empty");
    assert_eq!(audits_of(registered.id).await, 1, "audited once");
    assert_eq!(audits_of(loaded.id).await, 0, "loaded at the machine: on demand");
    let r = open_review(&reviewer, "transfer_audit", "transfers", registered.id).await;
    assert_eq!(r["opened_by"], "system:follow-up", "{r}");
    store.close().await;
}
crate::on_both!(a_registered_transfer_is_audited_even_if_its_process_died);

/// `kean` at the command line, as the people themselves.
struct Cli {
    base: String,
    token: String,
}

impl Cli {
    /// `kean login` with the password on standard input.
    async fn login(base: &str, username: &str, password: &str) -> Cli {
        let (code, out, err) = run_kean(base, "", &["login", "--username", username], password, "C").await;
        assert_eq!(code, 0, "kean login: {err}");
        Cli {
            base: base.to_string(),
            token: out.trim().to_string(),
        }
    }
    async fn run(&self, args: &[&str]) -> (i32, String, String) {
        run_kean(&self.base, &self.token, args, "", "C").await
    }
    async fn run_zh(&self, args: &[&str]) -> (i32, String, String) {
        run_kean(&self.base, &self.token, args, "", "zh_CN.UTF-8").await
    }
    async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let (code, out, err) = self.run(&all).await;
        assert_eq!(code, 0, "kean {args:?}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("kean {args:?} printed no JSON ({e}): {out}"))
    }
}

async fn run_kean(base: &str, token: &str, args: &[&str], stdin: &str, lang: &str) -> (i32, String, String) {
    let (base, token, lang, stdin) = (base.to_string(), token.to_string(), lang.to_string(), stdin.to_string());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
            .args(&args)
            .env("KEAN_SERVER", &base)
            .env("KEAN_TOKEN", &token)
            .env("LANG", &lang)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run kean");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{stdin}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

/// The command line drives a project from application to completion
/// through its gates, as the applicant and two reviewers, with the same
/// rules as the API: a gate's outcome cannot be asked for, a high-risk
/// review needs two reviewers, and refusals name what is wrong.
async fn the_command_line_drives_a_project_through_its_gates(s: Server) {
    let b = basics(&s.app).await;
    without_review(&s.app).await;
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let applicant = login(&s, "liaison_api", Role::Liaison, Some(b.org_a)).await;
    let liaison = Cli::login(&s.base, "liaison_a", &pw).await;
    let pw = user(&s.app, "reviewer1", Role::Reviewer, None).await;
    let reviewer = Cli::login(&s.base, "reviewer1", &pw).await;
    let pw = user(&s.app, "reviewer2", Role::Reviewer, None).await;
    let second = Cli::login(&s.base, "reviewer2", &pw).await;
    let (code, _, err) = run_kean(
        &s.base,
        "",
        &["login", "--username", "reviewer2"],
        "wrong-password",
        "C",
    )
    .await;
    assert!(code != 0 && !err.trim().is_empty(), "a wrong password: {err}");

    // Registered through the API (a registry record like any other).
    let (st, p) = applicant
        .post(
            "/api/v1/registry/projects",
            json!({ "title": "大尺寸碳化硅单晶衬底制备技术研究", "project_no": "2026JZ-CLI",
                    "programme": "provincial_key_rd", "lead_org_id": b.org_a,
                    "abstract": "研究8英寸碳化硅单晶生长与衬底加工。", "keywords": "碳化硅;单晶衬底",
                    "state_funded": false, "data_grade": "general", "ends_on": "2028-12-31" }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let id = p["id"].as_i64().unwrap().to_string();

    let (code, out, err) = liaison
        .run(&[
            "project",
            "add-party",
            &id,
            "--role",
            "foreign_partner",
            "--name",
            "Kristall Technik AG",
            "--country",
            "DE",
        ])
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Kristall Technik AG"), "{out}");
    // A gate's outcome cannot be asked for: refused, in the locale's language.
    let (code, _, err) = liaison
        .run_zh(&["project", "move", &id, "approve", "--reason", "自行立项"])
        .await;
    assert_ne!(code, 0);
    assert!(err.contains("立项安全审查") && err.contains("transition"), "{err}");
    let (code, out, err) = liaison
        .run(&["project", "move", &id, "submit", "--reason", "申报材料已齐备"])
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Approval security review"), "{out}");

    // The approval review: the foreign partner makes it high risk.
    let mine = reviewer
        .json(&["review", "list", "--mine", "--gate", "approval_review"])
        .await;
    let review = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record_id"].as_i64().map(|x| x.to_string()).as_deref() == Some(id.as_str()))
        .unwrap_or_else(|| panic!("no approval review of {id}: {mine}"))["id"]
        .to_string();
    let (code, _, err) = reviewer
        .run(&[
            "review",
            "decide",
            &review,
            "--decision",
            "pass",
            "--reasons",
            "同意立项",
        ])
        .await;
    assert_ne!(code, 0, "the checklist is unanswered");
    assert!(err.contains("checklist"), "{err}");
    let v = reviewer
        .json(&[
            "review",
            "decide",
            &review,
            "--decision",
            "pass",
            "--reasons",
            "同意立项",
            "--all-met",
        ])
        .await;
    assert_eq!(v["state"], "awaiting_second", "{v}");
    let (code, _, err) = reviewer
        .run(&[
            "review",
            "decide",
            &review,
            "--decision",
            "pass",
            "--reasons",
            "复核同意",
            "--all-met",
        ])
        .await;
    assert_ne!(code, 0, "the first reviewer cannot be the second");
    assert!(err.contains("reviewer"), "{err}");
    let v = second
        .json(&[
            "review",
            "decide",
            &review,
            "--decision",
            "conditional",
            "--reasons",
            "复核同意",
            "--conditions",
            "外方不接触原始数据",
            "--all-met",
        ])
        .await;
    assert_eq!(
        (v["state"].as_str(), v["decision"].as_str()),
        (Some("decided"), Some("conditional")),
        "{v}"
    );
    assert_eq!(liaison.json(&["project", "show", &id]).await["stage"], "approved");

    // R&D, its control check, completion.
    let (code, _, err) = liaison
        .run(&["project", "move", &id, "start", "--reason", "任务书已签订"])
        .await;
    assert_eq!(code, 0, "{err}");
    let checks = reviewer.json(&["review", "list", "--gate", "rnd_control"]).await;
    let check = checks["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record_id"].as_i64().map(|x| x.to_string()).as_deref() == Some(id.as_str()))
        .unwrap_or_else(|| panic!("no R&D check of {id}: {checks}"))["id"]
        .to_string();
    let (code, out, err) = reviewer
        .run(&[
            "review",
            "decide",
            &check,
            "--decision",
            "pass",
            "--reasons",
            "检查合格",
            "--all-met",
        ])
        .await;
    assert_eq!(code, 0, "{err}");
    let (code, out2, err2) = if out.contains("second reviewer") {
        second
            .run(&[
                "review",
                "decide",
                &check,
                "--decision",
                "pass",
                "--reasons",
                "复核合格",
                "--all-met",
            ])
            .await
    } else {
        (code, out, err)
    };
    assert_eq!(code, 0, "{err2}: {out2}");
    let (code, out, err) = liaison
        .run(&["project", "move", &id, "complete", "--reason", "通过验收"])
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Completed"), "{out}");
    assert_eq!(stage(&applicant, id.parse().unwrap()).await, "completed");

    // A team member's yearly disclosure; a date in the future is named.
    let (st, person) = applicant
        .post(
            "/api/v1/registry/persons",
            json!({ "name": "赵敏", "id_type": "passport", "id_number": "E55554444", "nationality": "CN", "org_id": b.org_a }),
        )
        .await;
    assert_eq!(st, 201, "{person}");
    let pid = person["id"].to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    let (code, out, err) = liaison
        .run(&[
            "disclosure",
            "add",
            &pid,
            "--declared-on",
            &today,
            "--conflicts",
            "无",
            "--foreign-roles",
            "无",
        ])
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&today), "{out}");
    let (code, _, err) = liaison
        .run_zh(&[
            "disclosure",
            "add",
            &pid,
            "--declared-on",
            "2999-01-01",
            "--conflicts",
            "无",
            "--foreign-roles",
            "无",
        ])
        .await;
    assert_ne!(code, 0);
    assert!(err.contains("申报日期"), "{err}");
    let list = liaison.json(&["disclosure", "list", &pid]).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");

    // The figures, and no token: a sentence saying what to do.
    let (code, out, err) = reviewer.run_zh(&["review", "figures"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("立项安全审查") && out.contains("合计"), "{out}");
    let (code, _, err) = run_kean(&s.base, "", &["review", "list"], "", "C").await;
    assert_ne!(code, 0);
    assert!(err.contains("kean login"), "{err}");
}
crate::on_both!(the_command_line_drives_a_project_through_its_gates);

/// A researcher's yearly disclosure is recorded on their page by their
/// organization's liaison; a lapsed one is marked and the page says a new
/// one is due; another organization's liaison sees nothing of it.
async fn disclosures_are_recorded_on_the_researchers_page(s: Server) {
    let b = basics(&s.app).await;
    without_review(&s.app).await;
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let web = crate::common::Web::login(&s.base, "liaison_a", &pw).await;
    let api = Api::login(&s.base, "liaison_a", &pw).await;
    let pw_b = user(&s.app, "liaison_b", Role::Liaison, Some(b.org_b)).await;
    let outsider = crate::common::Web::login(&s.base, "liaison_b", &pw_b).await;
    let (st, person) = api
        .post(
            "/api/v1/registry/persons",
            json!({ "name": "李清", "id_type": "passport", "id_number": "E12345678", "nationality": "CN", "org_id": b.org_a }),
        )
        .await;
    assert_eq!(st, 201, "{person}");
    let pid = person["id"].as_i64().unwrap();
    let page = format!("/registry/persons/{pid}");
    let (st, html) = web.get(&page).await;
    assert_eq!(st, 200);
    assert!(
        html.contains(r#"id="disclosure-due""#) && html.contains(r#"id="disclosure-form""#),
        "{html}"
    );
    let csrf = crate::common::csrf_of(&html);

    // Two years ago: recorded, but lapsed — still due.
    let old = (chrono::Utc::now().date_naive() - chrono::Duration::days(800)).to_string();
    let form = |on: &str, roles: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("declared_on", on.to_string()),
            ("conflicts", "无".to_string()),
            ("foreign_roles", roles.to_string()),
        ]
    };
    let to_pairs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let f = to_pairs(&form(&old, "东京大学客座研究员（2019–2021）"));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, loc) = web.post(&format!("{page}/disclosures"), &pairs).await;
    assert_eq!(
        (st, loc.as_deref()),
        (303, Some(format!("{page}?disclosed=1#disclosures").as_str()))
    );
    let (_, html) = web.get(&page).await;
    assert!(html.contains("东京大学客座研究员") && html.contains("已过期"), "{html}");
    assert!(
        html.contains(r#"id="disclosure-due""#),
        "a lapsed one does not count: {html}"
    );

    // A date in the future is refused at the field; nothing is added.
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();
    let f = to_pairs(&form(&tomorrow, "无"));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, body, _) = web.post(&format!("{page}/disclosures"), &pairs).await;
    assert_eq!(st, 422, "{body}");
    assert!(body.contains("申报日期"), "{body}");
    let (_, list) = api.get(&format!("/api/v1/registry/persons/{pid}/disclosures")).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");

    // Today's: current, nothing due.
    let today = chrono::Utc::now().date_naive().to_string();
    let f = to_pairs(&form(&today, "无"));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, _) = web.post(&format!("{page}/disclosures"), &pairs).await;
    assert_eq!(st, 303);
    let (_, html) = web.get(&page).await;
    assert!(
        !html.contains(r#"id="disclosure-due""#) && html.contains("有效"),
        "{html}"
    );

    // Another organization: neither the page nor the form.
    let (st, _) = outsider.get(&page).await;
    assert_eq!(st, 404);
    let (_, html) = outsider.get("/").await;
    let csrf_b = crate::common::csrf_of(&html);
    let (st, _, _) = outsider
        .post(
            &format!("{page}/disclosures"),
            &[("_csrf", csrf_b.as_str()), ("declared_on", today.as_str())],
        )
        .await;
    assert_eq!(st, 404);
    let (_, list) = api.get(&format!("/api/v1/registry/persons/{pid}/disclosures")).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
}
crate::on_both!(disclosures_are_recorded_on_the_researchers_page);

/// An achievement of a classified project cannot pass its transfer audit
/// until the project is declassified — through the security
/// administrator's own act, on which the check follows at once.
async fn a_transfer_from_a_classified_project_waits_for_declassification(s: Server) {
    use kean_core::Kind;
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    sys.set_ceiling("secret").await.expect("ceiling");
    let raw = crate::common::raw;
    let project = sys
        .create(
            Kind::Project,
            &raw(&[
                ("title", "某型高功率激光器关键器件研制"),
                ("project_no", "2026JZ-S01"),
                ("programme", "provincial_key_rd"),
                ("lead_org_id", &b.org_a.to_string()),
                ("classification", "confidential"),
                ("classified_by", "定密责任人甲"),
                ("classification_basis", "保密事项范围第3条"),
            ]),
        )
        .await
        .expect("classified project")
        .id;
    let achievement = sys
        .create(
            Kind::Achievement,
            &raw(&[
                ("title", "高功率激光器泵浦模块"),
                ("achievement_type", "technique"),
                ("holder_org_id", &b.org_a.to_string()),
                ("project_id", &project.to_string()),
                ("classification", "confidential"),
                ("classified_by", "定密责任人甲"),
                ("classification_basis", "保密事项范围第3条"),
            ]),
        )
        .await
        .expect("achievement of the project")
        .id;
    let transfer = sys
        .create(
            Kind::Transfer,
            &raw(&[
                ("achievement_id", &achievement.to_string()),
                ("transfer_mode", "assignment"),
                ("counterparty_name", "太原某光电有限公司"),
                ("counterparty_country", "CN"),
                ("amount", "300000"),
                ("transferred_on", "2026-11-20"),
                ("classification", "confidential"),
                ("classified_by", "定密责任人甲"),
                ("classification_basis", "保密事项范围第3条"),
            ]),
        )
        .await
        .expect("transfer")
        .id;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let sec = login(&s, "sec1", Role::SecurityAdmin, None).await;
    // The security administrator clears the reviewer and puts them on the
    // transfer's need-to-know list: a classified record is reviewed only so.
    let reviewer_id = s
        .app
        .system_access("test")
        .user_named("reviewer1")
        .await
        .expect("reviewer")
        .id;
    let (st, v) = sec
        .put(
            &format!("/api/v1/users/{reviewer_id}/clearance"),
            json!({ "level": "confidential" }),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) = sec
        .post(
            &format!("/api/v1/registry/transfers/{transfer}/need-to-know"),
            json!({ "username": "reviewer1" }),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    // Loaded at the machine: audited on demand.
    let (st, r) = reviewer
        .post(
            &format!("/api/v1/registry/transfers/{transfer}/transfer-audit"),
            json!({}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let rid = r["id"].as_i64().unwrap();
    let (_, view) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(codes(&view).contains(&"classified_source".to_string()), "{view}");
    let (st, e) = decide(&reviewer, rid, "pass", "同意转让").await;
    assert_eq!((st, field(&e)), (422, Some("decision")), "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("解密"), "{e}");

    // Declassified (proposed, approved by the security administrator).
    let change = sys
        .propose_level_change(Kind::Project, project, "public", "保密期限届满，经审核予以解密")
        .await
        .expect("proposal");
    let (st, d) = sec
        .post(
            &format!("/api/v1/level-changes/{}/decision", change.id),
            json!({ "approve": true, "note": "同意解密" }),
        )
        .await;
    assert_eq!((st, d["state"].as_str()), (200, Some("approved")), "{d}");
    let (_, view) = reviewer.get(&format!("/api/v1/reviews/{rid}")).await;
    assert!(!codes(&view).contains(&"classified_source".to_string()), "{view}");
    let (st, v) = decide(&reviewer, rid, "pass", "项目已解密，同意转让").await;
    assert_eq!((st, v["decision"].as_str()), (200, Some("pass")), "{v}");
}
crate::on_both!(a_transfer_from_a_classified_project_waits_for_declassification);

/// Every transition from every stage through the API, on both databases:
/// at each stage a project reaches, every transition the state machine
/// refuses is refused (and the stage stays), and the allowed ones move it
/// — the gate-made ones only through a review's decision.
async fn every_transition_from_every_stage_is_allowed_or_refused_as_the_state_machine_says(s: Server) {
    use kean_core::lifecycle::{GateState, Stage, Transition, next_stage};
    let b = basics(&s.app).await;
    let liaison = login(&s, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let reviewer = login(&s, "reviewer1", Role::Reviewer, None).await;
    let new_project = |no: &str| {
        let no = no.to_string();
        let liaison = &liaison;
        async move {
            let (st, p) = liaison
                .post(
                    "/api/v1/registry/projects",
                    json!({ "title": "城市园林绿化养护信息管理系统研发", "project_no": no, "programme": "city_program",
                            "lead_org_id": b.org_a, "abstract": "园林养护作业的排班与巡查记录管理。",
                            "keywords": "园林;养护", "state_funded": false, "data_grade": "general" }),
                )
                .await;
            assert_eq!(st, 201, "{p}");
            p["id"].as_i64().unwrap()
        }
    };
    // Tries every transition the machine refuses at `at` (asked by the
    // bureau, who may ask for any that is not a gate's); none moves it.
    let refusals = |id: i64, at: Stage, check_passed: bool| {
        let reviewer = &reviewer;
        async move {
            for &t in Transition::ALL {
                if next_stage(
                    at,
                    t,
                    false,
                    GateState {
                        rnd_check_passed: check_passed,
                    },
                )
                .is_ok()
                {
                    continue;
                }
                let (st, e) = move_project(reviewer, id, t.code(), "试探").await;
                assert!(matches!(st, 409 | 422), "{t:?} from {at:?}: {st} {e}");
                assert_eq!(stage(reviewer, id).await, at.code(), "{t:?} from {at:?} moved it");
            }
        }
    };
    let step = |id: i64, t: Transition, to: Stage| {
        let reviewer = &reviewer;
        async move {
            let (st, e) = move_project(reviewer, id, t.code(), "按程序办理").await;
            assert_eq!((st, e["to_stage"].as_str()), (201, Some(to.code())), "{t:?}: {e}");
        }
    };
    let review_of = |gate: &'static str, id: i64| {
        let reviewer = &reviewer;
        async move {
            open_review(reviewer, gate, "projects", id).await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let decided = |review: i64, decision: &'static str, to: Stage, id: i64| {
        let reviewer = &reviewer;
        async move {
            let (st, v) = decide(reviewer, review, decision, "审查意见").await;
            assert_eq!((st, v["state"].as_str()), (200, Some("decided")), "{v}");
            assert_eq!(stage(reviewer, id).await, to.code());
        }
    };

    // application → review → returned → review → approved → R&D ⇄
    // suspended → completed.
    let p = new_project("2026JZ-T01").await;
    refusals(p, Stage::Application, true).await;
    step(p, Transition::Submit, Stage::ApprovalReview).await;
    refusals(p, Stage::ApprovalReview, true).await;
    decided(review_of("approval_review", p).await, "return", Stage::Returned, p).await;
    refusals(p, Stage::Returned, true).await;
    step(p, Transition::Submit, Stage::ApprovalReview).await;
    decided(review_of("approval_review", p).await, "pass", Stage::Approved, p).await;
    refusals(p, Stage::Approved, true).await;
    step(p, Transition::Start, Stage::Rnd).await;
    refusals(p, Stage::Rnd, false).await;
    step(p, Transition::Suspend, Stage::Suspended).await;
    refusals(p, Stage::Suspended, true).await;
    step(p, Transition::Resume, Stage::Rnd).await;
    let check = review_of("rnd_control", p).await;
    decided(check, "pass", Stage::Rnd, p).await;
    step(p, Transition::Complete, Stage::Completed).await;
    refusals(p, Stage::Completed, true).await;

    // application → review → rejected; and terminated from each stage
    // that allows it.
    let p = new_project("2026JZ-T02").await;
    step(p, Transition::Submit, Stage::ApprovalReview).await;
    decided(review_of("approval_review", p).await, "reject", Stage::Rejected, p).await;
    refusals(p, Stage::Rejected, true).await;
    for (no, path) in [
        ("2026JZ-T03", vec![]),
        ("2026JZ-T04", vec!["return"]),
        ("2026JZ-T05", vec!["pass"]),
        ("2026JZ-T06", vec!["pass", "start"]),
        ("2026JZ-T07", vec!["pass", "start", "suspend"]),
    ] {
        let p = new_project(no).await;
        for act in path {
            match act {
                "return" | "pass" => {
                    step(p, Transition::Submit, Stage::ApprovalReview).await;
                    let to = if act == "pass" {
                        Stage::Approved
                    } else {
                        Stage::Returned
                    };
                    decided(review_of("approval_review", p).await, act, to, p).await;
                }
                "start" => step(p, Transition::Start, Stage::Rnd).await,
                _ => step(p, Transition::Suspend, Stage::Suspended).await,
            }
        }
        step(p, Transition::Terminate, Stage::Terminated).await;
        refusals(p, Stage::Terminated, true).await;
    }
}
crate::on_both!(every_transition_from_every_stage_is_allowed_or_refused_as_the_state_machine_says);
