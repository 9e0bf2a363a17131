//! The gate holds on every path data leaves by: personal data masked by
//! policy on pages, the API, exports and the audit view; references decided
//! by one rule for forms, the API and imports; exports audited by the gate.

use crate::common::{Api, Server, Web, basics, raw, user};
use kean_app::{ImportOutcome, ImportRow, ImportSource};
use kean_core::{Kind, Role};
use serde_json::{Value, json};
use std::time::Duration;

const FULL: &str = "11010519491231002X";
const MASKED: &str = "1101**********002X";
const FULL_2: &str = "110105198001010016";

fn id_numbers(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["fields"]["id_number"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn bytes(w: &Web, path: &str) -> Vec<u8> {
    let r = w.http.get(format!("{}{path}", w.base)).send().await.expect("get");
    assert_eq!(r.status(), 200, "{path}");
    r.bytes().await.expect("body").to_vec()
}

/// Every cell of an exported CSV or XLSX file, as text.
fn cells(file: &[u8]) -> Vec<String> {
    let t = kean_exchange::read_table(file, &kean_exchange::ReadOptions::default()).expect("readable export");
    t.headers
        .into_iter()
        .chain(t.rows.into_iter().flat_map(|r| r.cells))
        .collect()
}

async fn personal_data_is_masked_on_every_path(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let org = b.org_a.to_string();
    let person = |name: &str, id: &str| {
        raw(&[
            ("name", name),
            ("id_type", "resident_id"),
            ("id_number", id),
            ("nationality", "CN"),
            ("org_id", &org),
        ])
    };
    let p1 = sys
        .create(Kind::Person, &person("王敏", FULL))
        .await
        .expect("person")
        .id;
    // A second, newer person whose number sorts after the first one's.
    sys.create(Kind::Person, &person("李强", FULL_2))
        .await
        .expect("person 2");

    let pw = user(&s.app, "res", Role::Researcher, Some(b.org_a)).await;
    user(&s.app, "aud", Role::Auditor, None).await;
    user(&s.app, "rev", Role::Reviewer, None).await;
    user(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;

    // The researcher, through the API: list, detail, and a sort by the
    // hidden value, which keeps the default order (newest first) instead.
    let researcher = Api::login(&s.base, "res", &pw).await;
    let (st, list) = researcher.get("/api/v1/registry/persons").await;
    assert_eq!(st, 200, "{list}");
    assert!(!list.to_string().contains(FULL), "{list}");
    assert!(id_numbers(&list).contains(&MASKED.to_string()), "{list}");
    let (st, detail) = researcher.get(&format!("/api/v1/registry/persons/{p1}")).await;
    assert_eq!(st, 200, "{detail}");
    assert_eq!(detail["fields"]["id_number"], MASKED, "{detail}");
    let (_, sorted) = researcher
        .get("/api/v1/registry/persons?sort=id_number&order=asc")
        .await;
    let names: Vec<&str> = sorted["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|r| r["fields"]["name"].as_str())
        .collect();
    assert_eq!(names, ["李强", "王敏"], "no order by a value the reader cannot see");

    // … through the pages and both export formats.
    let web = Web::login(&s.base, "res", &pw).await;
    for path in [format!("/registry/persons/{p1}"), "/registry/persons".to_string()] {
        let (st, html) = web.get(&path).await;
        assert_eq!(st, 200, "{path}");
        assert!(!html.contains(FULL), "{path} shows the full number");
        assert!(html.contains(MASKED), "{path} shows the masked number");
    }
    for path in ["/registry/persons/export.csv", "/registry/persons/export.xlsx"] {
        let cells = cells(&bytes(&web, path).await);
        assert!(!cells.iter().any(|c| c.contains(FULL)), "{path}: {cells:?}");
        assert!(cells.iter().any(|c| c == MASKED), "{path}: {cells:?}");
    }

    // The security auditor reads no records (三员分立), and sees the audit
    // log's record of the person's registration masked (page and API).
    let auditor = Api::login(&s.base, "aud", "Passw0rd2025").await;
    let (st, detail) = auditor.get(&format!("/api/v1/registry/persons/{p1}")).await;
    assert_eq!(st, 403, "{detail}");
    let (st, log) = auditor.get("/api/v1/audit?page_size=100").await;
    assert_eq!(st, 200, "{log}");
    assert!(!log.to_string().contains(FULL), "audit API: {log}");
    assert!(log.to_string().contains(MASKED), "audit API: {log}");
    let (_, html) = Web::login(&s.base, "aud", "Passw0rd2025")
        .await
        .get("/system/audit")
        .await;
    assert!(!html.contains(FULL), "audit page shows the full number");

    // Those who register people see the number in full.
    for who in ["rev", "lia"] {
        let api = Api::login(&s.base, who, "Passw0rd2025").await;
        let (_, detail) = api.get(&format!("/api/v1/registry/persons/{p1}")).await;
        assert_eq!(detail["fields"]["id_number"], FULL, "{who}: {detail}");
    }

    // The researcher's export is in the audit log, made by the gate.
    let (_, log) = auditor.get("/api/v1/audit?page_size=100").await;
    let exports: Vec<&Value> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "export" && e["actor"] == "res")
        .collect();
    assert_eq!(exports.len(), 2, "{log}");
    assert!(exports.iter().all(|e| e["target"] == "persons"), "{exports:?}");
    assert_eq!(exports[0]["after"]["rows"], json!(2), "{exports:?}");
}
on_both!(personal_data_is_masked_on_every_path);

/// A reference to an archived record is refused the same way whether it
/// comes from a form, the API or an import (the import path used to accept it).
async fn archived_references_are_refused_on_every_write_path(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    sys.set_archived(Kind::Organization, b.org_b, true)
        .await
        .expect("archive");
    let platform = |host: &str| {
        raw(&[
            ("name", "乙公司实验室"),
            ("platform_type", "重点实验室"),
            ("level", "市级"),
            ("host_org_id", host),
        ])
    };

    // API.
    let admin_pw = user(&s.app, "adm", Role::Admin, None).await;
    let admin = Api::login(&s.base, "adm", &admin_pw).await;
    let body: serde_json::Map<String, Value> = platform(&b.org_b.to_string())
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let (st, err) = admin.post("/api/v1/registry/platforms", Value::Object(body)).await;
    assert_eq!(st, 422, "{err}");
    assert_eq!(err["error"]["fields"][0]["field"], "host_org_id", "{err}");
    let why = err["error"]["fields"][0]["message_zh"].as_str().unwrap_or_default();
    assert!(why.contains("已归档"), "{err}");

    // Import, by the archived organization's name and by its credit code.
    let rows = vec![
        ImportRow {
            line: 2,
            values: platform("晋中乙材料有限公司"),
        },
        ImportRow {
            line: 3,
            values: platform(&format!("#{}", b.org_b)),
        },
    ];
    let source = ImportSource {
        file_name: "p.csv".into(),
        content_hash: "h-archived".into(),
        force: false,
        dry_run: false,
        progress: None,
    };
    let ImportOutcome::Rejected { errors } = sys.import(Kind::Platform, &rows, &source).await.expect("import") else {
        panic!("an import naming an archived organization must be refused")
    };
    assert_eq!(errors.len(), 2, "{errors:?}");
    for e in &errors {
        assert_eq!(e.field, "host_org_id", "{e:?}");
        assert!(e.message_zh.contains("已归档"), "{e:?}");
    }
    assert_eq!(sys.count(Kind::Platform).await.expect("count"), 0, "nothing written");

    // Restored, the same rows import.
    sys.set_archived(Kind::Organization, b.org_b, false)
        .await
        .expect("restore");
    let one = vec![rows[0].clone()];
    assert!(matches!(
        sys.import(Kind::Platform, &one, &source).await.expect("import"),
        ImportOutcome::Imported { .. }
    ));
}
on_both!(archived_references_are_refused_on_every_write_path);

/// What time decides, tested by moving the server's clock: a login's
/// backoff ends after its 2 seconds, a browser session after 8 hours, an
/// API token after 30 days — each one millisecond later than its limit,
/// not before.
async fn lockouts_sessions_and_tokens_end_on_time(s: Server) {
    let min = |m: u64| Duration::from_secs(60 * m);
    let pw = user(&s.app, "clerk", Role::Reviewer, None).await;
    let http = reqwest::Client::new();
    let token_status = |p: String| {
        let http = http.clone();
        let url = format!("{}/api/v1/auth/token", s.base);
        async move {
            http.post(url)
                .json(&json!({"username": "clerk", "password": p}))
                .send()
                .await
                .expect("token request")
                .status()
                .as_u16()
        }
    };
    for _ in 0..3 {
        assert_eq!(token_status("wrong-Passw0rd".into()).await, 401);
    }
    assert_eq!(token_status(pw.clone()).await, 429, "backing off");
    s.clock.advance(Duration::from_secs(1));
    assert_eq!(token_status(pw.clone()).await, 429, "still waiting after 1 second");
    s.clock.advance(Duration::from_secs(1));
    assert_eq!(token_status(pw.clone()).await, 201, "the wait ends after 2 seconds");

    // A browser session ends after 30 minutes without a request (its
    // 12-hour absolute end is tested in account.rs); an API token lasts 30 days.
    let web = Web::login(&s.base, "clerk", &pw).await;
    let api = Api::login(&s.base, "clerk", &pw).await;
    s.clock.advance(min(29));
    assert_eq!(web.get("/registry/organizations").await.0, 200, "the session holds");
    s.clock.advance(min(31));
    let (st, _) = web.get("/registry/organizations").await;
    assert_eq!(st, 303, "an expired session is sent to the login page");
    assert_eq!(api.get("/api/v1/me").await.0, 200, "the API token holds");
    s.clock.advance(min(30 * 24 * 60));
    let (st, e) = api.get("/api/v1/me").await;
    assert_eq!((st, e["error"]["code"].as_str()), (401, Some("unauthenticated")), "{e}");
}
on_both!(lockouts_sessions_and_tokens_end_on_time);

/// A staged upload waits 24 hours for its import to be confirmed; after
/// that it is gone, even if no later upload has swept it away.
async fn staged_uploads_lapse_after_a_day(s: Server) {
    basics(&s.app).await;
    let sys = s.app.system_access("test");
    let csv = "name,platform_type,level,host_org_id\n甲公司中试基地,中试基地,市级,晋中甲科技有限公司\n";
    let token = sys
        .stage_upload(Kind::Platform, "p.csv", csv.as_bytes())
        .await
        .expect("stage");
    let (_, _, checked) = sys.import_staged(&token, false, true).await.expect("a fresh upload");
    assert!(matches!(checked, kean_app::FileImport::Checked { rows: 1 }));
    s.clock.advance(Duration::from_secs(24 * 3600 + 60));
    let e = sys.import_staged(&token, false, false).await.expect_err("lapsed");
    assert_eq!(e.code, kean_core::ErrorCode::NotFound, "{e:?}");
    assert_eq!(sys.count(Kind::Platform).await.expect("count"), 0);
}
on_both!(staged_uploads_lapse_after_a_day);

/// A unique value held only by another organization's record is a probe
/// (issue 11, existence oracles): the answer names nothing of that record
/// (for an ID number: the person is registered elsewhere), the bureau sees
/// each probe in the audit log, and an account that has made
/// `PROBE_BUDGET` of them in a day may not create, change or import such
/// records — whatever the values — until the day has passed. Through the
/// API, as an attacker would ask.
async fn conflicts_with_unseen_records_are_audited_and_budgeted(s: Server) {
    let b = basics(&s.app).await;
    // Direct writes: the scope and the gate's refusals, not the review.
    crate::common::without_review(&s.app).await;
    let sys = s.app.system_access("test");
    let person = |name: &str, id: &str, org: i64| json!({"name": name, "id_type": "passport", "id_number": id, "nationality": "CN", "org_id": org});
    let held = sys
        .create(
            Kind::Person,
            &raw(&[
                ("name", "乙单位的人"),
                ("id_type", "passport"),
                ("id_number", "E2000001"),
                ("nationality", "CN"),
                ("org_id", &b.org_b.to_string()),
            ]),
        )
        .await
        .expect("a person of organization B");
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let liaison = Api::login(&s.base, "liaison_a", &pw).await;
    let probes = || async {
        let log = sys.audit_page(1, 200).await.expect("audit");
        log.items
            .iter()
            .filter(|e| e.draft.action == "conflict_probe" && e.draft.actor == "liaison_a")
            .count()
    };

    let (status, body) = liaison
        .post("/api/v1/registry/persons", person("甲单位新人", "E2000001", b.org_a))
        .await;
    assert_eq!(status, 409, "{body}");
    let text = body.to_string();
    assert!(text.contains("registered elsewhere"), "{text}");
    for hidden in ["乙单位的人", "晋中乙材料", &format!("\"id\":{}", held.id)] {
        assert!(!text.contains(hidden), "{hidden} leaked: {text}");
    }
    assert_eq!(probes().await, 1);
    // The probe's record names the value; an auditor reads it masked, like
    // every ID number in the audit view.
    let auditor = crate::common::access_as(&s.app, "auditor", Role::Auditor, None).await;
    let log = auditor.audit_page(1, 50).await.expect("the auditor reads the log");
    let probe = log
        .items
        .iter()
        .find(|e| e.draft.action == "conflict_probe")
        .expect("the probe is in the log");
    let seen = probe.draft.after.as_ref().expect("after").to_string();
    assert!(!seen.contains("E2000001") && seen.contains("id_number"), "{seen}");

    // A reviewer reads every person: a conflict tells them nothing new and
    // is not a probe.
    let rpw = user(&s.app, "officer", Role::Reviewer, None).await;
    let officer = Api::login(&s.base, "officer", &rpw).await;
    let (status, _) = officer
        .post("/api/v1/registry/persons", person("某人", "E2000001", b.org_a))
        .await;
    assert_eq!(status, 409);
    let log = sys.audit_page(1, 200).await.expect("audit");
    assert!(
        !log.items
            .iter()
            .any(|e| e.draft.action == "conflict_probe" && e.draft.actor == "officer")
    );

    // Spend the budget; then even a value nobody holds is refused.
    for _ in 1..kean_app::PROBE_BUDGET {
        let (status, _) = liaison
            .post("/api/v1/registry/persons", person("甲单位新人", "E2000001", b.org_a))
            .await;
        assert_eq!(status, 409);
    }
    assert_eq!(probes().await, kean_app::PROBE_BUDGET as usize);
    let (status, body) = liaison
        .post("/api/v1/registry/persons", person("甲单位另一人", "E2000999", b.org_a))
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "too_many_attempts", "{body}");

    // A day later the account may write again.
    s.clock.advance(Duration::from_secs(24 * 3600 + 60));
    let (status, body) = liaison
        .post("/api/v1/registry/persons", person("甲单位另一人", "E2000999", b.org_a))
        .await;
    assert_eq!(status, 201, "{body}");
}
on_both!(conflicts_with_unseen_records_are_audited_and_budgeted);

/// An import counts its values held only by other organizations' records
/// against the same budget before its report names any of them: a file with
/// more such values than the account has left is refused whole.
async fn an_import_over_the_probe_budget_is_refused_whole(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let n = kean_app::PROBE_BUDGET as usize + 1;
    for i in 0..n {
        sys.create(
            Kind::Person,
            &raw(&[
                ("name", &format!("乙{i}")),
                ("id_type", "passport"),
                ("id_number", &format!("E3{i:06}")),
                ("nationality", "CN"),
                ("org_id", &b.org_b.to_string()),
            ]),
        )
        .await
        .expect("a person of organization B");
    }
    let liaison = crate::common::access_as(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let rows: Vec<ImportRow> = (0..n)
        .map(|i| ImportRow {
            line: i + 2,
            values: [
                ("name", format!("甲{i}")),
                ("id_type", "passport".into()),
                ("id_number", format!("E3{i:06}")),
                ("nationality", "CN".into()),
                ("org_id", "晋中甲科技有限公司".into()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        })
        .collect();
    let source = ImportSource {
        file_name: "甲.xlsx".into(),
        content_hash: "probe-file".into(),
        force: false,
        dry_run: true,
        progress: None,
    };
    let e = liaison.import(Kind::Person, &rows, &source).await.unwrap_err();
    assert_eq!(e.code, kean_core::ErrorCode::TooManyAttempts, "{e:?}");
    // Within the budget the same rows are reported, each as registered
    // elsewhere, after the day has passed.
    s.clock.advance(Duration::from_secs(24 * 3600 + 60));
    let ImportOutcome::Rejected { errors } = liaison.import(Kind::Person, &rows[..3], &source).await.unwrap() else {
        panic!("values held elsewhere are refused")
    };
    assert_eq!(errors.len(), 3);
    assert!(
        errors.iter().all(|e| e.message_en.contains("registered elsewhere")),
        "{errors:?}"
    );
}
on_both!(an_import_over_the_probe_budget_is_refused_whole);
