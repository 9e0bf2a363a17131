//! Issue 12, items 6 and 8: the auditor's page and API — the audit log
//! searched by actor, action, record, time and outcome, exported with the
//! same withholding, the chain's status — and the three administrators
//! checking each other: the security auditor reads the other two's acts,
//! the security administrator reads the auditor's acts (searches, exports,
//! verifications) and nothing else, business roles read none of it.

use kean_core::{Kind, Role};
use serde_json::{Value, json};

use crate::common::{Api, Server, Web, basics, raw, user};

fn actions(log: &Value) -> Vec<(String, String)> {
    log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A 秘密 achievement of `org` titled `title` (the ceiling raised to 机密 first).
async fn secret_achievement(s: &Server, org: i64, title: &str) -> i64 {
    let sys = s.app.system_access("test");
    sys.set_ceiling("secret").await.expect("ceiling");
    sys.create(
        Kind::Achievement,
        &raw(&[
            ("title", title),
            ("achievement_type", "invention_patent"),
            ("holder_org_id", &org.to_string()),
            ("classification", "confidential"),
            ("classified_by", "定密责任人甲"),
            ("classification_basis", "保密事项范围第1条"),
        ]),
    )
    .await
    .expect("achievement")
    .id
}

async fn the_three_check_each_other(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    // A 秘密 achievement: its values stay withheld from an auditor not cleared.
    let secret = secret_achievement(&s, b.org_a, "审计不可见的秘密成果").await;
    let pw = user(&s.app, "aud", Role::Auditor, None).await;
    user(&s.app, "sec", Role::SecurityAdmin, None).await;
    user(&s.app, "adm", Role::Admin, None).await;
    user(&s.app, "res", Role::Researcher, Some(b.org_a)).await;
    user(&s.app, "rev", Role::Reviewer, None).await;
    let aud = Api::login(&s.base, "aud", &pw).await;
    let sec = Api::login(&s.base, "sec", &pw).await;

    // The security administrator changes a role: the auditor finds it by
    // actor and action, and by record.
    let rev_id = sys.user_named("rev").await.expect("rev").id;
    let (st, body) = sec
        .put(&format!("/api/v1/users/{rev_id}/role"), json!({ "role": "admin" }))
        .await;
    assert_eq!(st, 200, "{body}");
    let (st, log) = aud.get("/api/v1/audit?actor=sec&action=set_role").await;
    assert_eq!(st, 200, "{log}");
    assert_eq!(log["total"], 1, "{log}");
    let e = &log["items"][0];
    assert_eq!(
        (e["target"].as_str(), e["record_id"].as_i64()),
        (Some("users"), Some(rev_id)),
        "{e}"
    );
    assert_eq!(e["outcome"], "success");
    let (_, by_record) = aud.get(&format!("/api/v1/audit?kind=users&record={rev_id}")).await;
    assert!(
        actions(&by_record).contains(&("sec".into(), "set_role".into())),
        "{by_record}"
    );

    // Outcome: a refused login is found as refused, never as a success.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/token", s.base))
        .json(&json!({ "username": "res", "password": "wrong-password-1" }))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 401);
    let (_, refused) = aud.get("/api/v1/audit?outcome=refused").await;
    assert!(refused["total"].as_i64().unwrap() >= 1, "{refused}");
    assert!(
        refused["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["outcome"] == "refused")
    );
    let (_, done) = aud.get("/api/v1/audit?outcome=success&page_size=500").await;
    assert!(
        done["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["outcome"] == "success")
    );

    // Time range: today (China Standard Time) holds them, a past year none;
    // an unparseable date is an error at its field, so is an end before
    // the start.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let (_, in_range) = aud
        .get(&format!(
            "/api/v1/audit?actor=sec&action=set_role&from={today}&to={today}"
        ))
        .await;
    assert_eq!(in_range["total"], 1, "{in_range}");
    let (_, past) = aud.get("/api/v1/audit?actor=sec&from=2020-01-01&to=2020-12-31").await;
    assert_eq!(past["total"], 0, "{past}");
    let (st, bad) = aud.get("/api/v1/audit?from=2026-13-45").await;
    assert_eq!(st, 422, "{bad}");
    assert_eq!(bad["error"]["fields"][0]["field"], "from", "{bad}");
    let (st, bad) = aud.get("/api/v1/audit?from=2026-02-01&to=2026-01-01").await;
    assert_eq!(st, 422, "{bad}");
    assert_eq!(bad["error"]["fields"][0]["field"], "to", "{bad}");
    let web = Web::login(&s.base, "aud", &pw).await;
    let (st, html) = web.get("/system/audit?from=yesterday").await;
    assert_eq!(st, 422);
    assert!(html.contains("data-field=\"from\""), "the error stands at its field");

    // The export: what the search finds, the secret's values withheld as in
    // the search, and the export itself recorded.
    let (st, csv) = aud
        .get(&format!(
            "/api/v1/audit/export?kind=achievements&record={secret}&format=csv"
        ))
        .await;
    assert_eq!(st, 200, "{csv}");
    let csv = csv.as_str().expect("csv text").to_string();
    assert!(csv.contains("（涉密）"), "{csv}");
    assert!(!csv.contains("审计不可见的秘密成果"), "{csv}");
    let (st, body) = aud.get("/api/v1/audit/export?format=pdf").await;
    assert_eq!(st, 422, "{body}");
    let (st, page) = web.get("/system/audit/export.xlsx?actor=sec").await;
    assert_eq!(st, 200, "{page}");

    // Verifying from the API is the auditor's, recorded, and the status
    // shows it.
    let (st, v) = aud.post("/api/v1/audit/verify", json!({})).await;
    assert_eq!((st, &v["intact"]), (200, &json!(true)), "{v}");
    let (_, status) = aud.get("/api/v1/audit/status").await;
    assert_eq!(status["last_verify"]["after"]["intact"], true, "{status}");
    assert!(status["head_seq"].as_i64().unwrap() >= v["last_seq"].as_i64().unwrap());
    let (_, html) = web.get("/system/audit").await;
    assert!(html.contains("id=\"last-verify\"") && html.contains("完整"), "{html}");
    assert_eq!(sec.post("/api/v1/audit/verify", json!({})).await.0, 403);

    // The security administrator reviews the auditor: the searches, the
    // export and the verification — and not one business or other event.
    let (st, review) = sec.get("/api/v1/audit?page_size=500").await;
    assert_eq!(st, 200, "{review}");
    let seen = actions(&review);
    assert!(seen.iter().all(|(actor, _)| actor == "aud"), "{review}");
    for act in ["audit_search", "export", "audit_verify"] {
        assert!(seen.contains(&("aud".into(), act.into())), "{act}: {review}");
    }
    let (_, exported) = sec.get("/api/v1/audit?action=export&kind=audit-log").await;
    let e = &exported["items"][0];
    assert_eq!(e["after"]["format"], "xlsx", "{exported}");
    assert!(e["after"]["filter"].as_str().unwrap().contains("actor=sec"), "{e}");
    let (_, none) = sec.get("/api/v1/audit?kind=achievements").await;
    assert_eq!(none["total"], 0, "{none}");
    let (_, own) = sec.get("/api/v1/audit?actor=sec").await;
    assert_eq!(
        own["total"], 0,
        "the security administrator does not see its own acts: {own}"
    );
    let web_sec = Web::login(&s.base, "sec", &pw).await;
    let (st, html) = web_sec.get("/system/audit").await;
    assert_eq!(st, 200);
    assert!(
        !html.contains("id=\"audit-verify\""),
        "no verify button for the security administrator"
    );
    assert!(!html.contains(">set_role<") && !html.contains("指定角色"), "{html}");

    // The auditor's searches record who searched what, from where.
    let (_, searches) = aud
        .get("/api/v1/audit?actor=aud&action=audit_search&page_size=500")
        .await;
    assert!(
        searches["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["after"]["filter"] == "action=set_role&actor=sec"
                || e["after"]["filter"] == "actor=sec&action=set_role"),
        "{searches}"
    );
    assert_eq!(searches["items"][0]["after"]["role"], "auditor");

    // Business roles and the system administrator: 403 on page and API,
    // export and status alike.
    for name in ["adm", "res"] {
        let api = Api::login(&s.base, name, &pw).await;
        for path in [
            "/api/v1/audit",
            "/api/v1/audit/export",
            "/api/v1/audit/status",
            "/api/v1/audit?from=bad",
        ] {
            assert_eq!(api.get(path).await.0, 403, "{name} {path}");
        }
        assert_eq!(api.post("/api/v1/audit/verify", json!({})).await.0, 403, "{name}");
        let web = Web::login(&s.base, name, &pw).await;
        for path in ["/system/audit", "/system/audit/export.csv", "/system/audit?from=bad"] {
            assert_eq!(web.get(path).await.0, 403, "{name} {path}");
        }
    }

    // Nobody edits or deletes an event: there is no such route.
    for method in [reqwest::Method::DELETE, reqwest::Method::PUT, reqwest::Method::PATCH] {
        let r = aud
            .http
            .request(method.clone(), format!("{}/api/v1/audit", s.base))
            .bearer_auth(&aud.token)
            .send()
            .await
            .expect("request");
        assert!(
            !r.status().is_success(),
            "{method} /api/v1/audit answered {}",
            r.status()
        );
    }
    assert!(s.app.system_access("t").verify_audit().await.unwrap().is_ok());
}
crate::on_both!(the_three_check_each_other);

/// Concurrent reads of a classified record are recorded in groups (one
/// transaction for the reads waiting together): every read has its own
/// event, numbered without gaps, and the chain verifies.
async fn concurrent_audited_reads_are_each_recorded(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let secret = secret_achievement(&s, b.org_a, "并发读取的秘密成果").await;
    let pw = user(&s.app, "reader", Role::Reviewer, None).await;
    let id = sys.user_named("reader").await.expect("reader").id;
    sys.set_clearance(id, "confidential").await.expect("clearance");
    sys.set_need_to_know(Kind::Achievement, secret, "reader", true)
        .await
        .expect("need-to-know");
    let api = std::sync::Arc::new(Api::login(&s.base, "reader", &pw).await);
    let reads: Vec<_> = (0..40)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { api.get(&format!("/api/v1/registry/achievements/{secret}")).await.0 })
        })
        .collect();
    for r in reads {
        assert_eq!(r.await.unwrap(), 200);
    }
    let log = s.app.system_access("t").audit_page(1, 500).await.expect("log");
    let read_events: Vec<_> = log
        .items
        .iter()
        .filter(|e| e.draft.action == "read" && e.draft.record_id == Some(secret))
        .collect();
    assert_eq!(read_events.len(), 40);
    let seqs: Vec<i64> = log.items.iter().map(|e| e.seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] == w[1] + 1), "gap-free, newest first");
    assert!(s.app.system_access("t").verify_audit().await.unwrap().is_ok());
}
crate::on_both!(concurrent_audited_reads_are_each_recorded);
