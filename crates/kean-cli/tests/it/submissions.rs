//! Reporting with review (填报 → 审核, issue 16 item 1), over the JSON API
//! as the liaison and the bureau's reviewer use it, on both databases: a
//! liaison's new record, change, archive and import wait as submissions;
//! lists and statistics see only the approved state; a return carries its
//! reasons, a correction goes back to pending, an approval writes in the
//! deciding transaction; nobody outside the organization or the bureau sees
//! a submission; every step is in the audit log.

use crate::common::{Api, Server, basics, raw, user};
use kean_core::{Kind, Role};
use serde_json::json;

async fn platforms_total(api: &Api) -> i64 {
    let (st, d) = api
        .get("/api/v1/statistics/dashboard?from=2000-01-01&to=2030-12-31")
        .await;
    assert_eq!(st, 200, "{d}");
    d["platforms"]["total"].as_i64().unwrap()
}

async fn reported_and_reviewed(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    user(&s.app, "liaison_b", Role::Liaison, Some(b.org_b)).await;
    user(&s.app, "res_a", Role::Researcher, Some(b.org_a)).await;
    user(&s.app, "rev", Role::Reviewer, None).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let liaison = Api::login(&s.base, "liaison_a", &pw).await;
    let other = Api::login(&s.base, "liaison_b", &pw).await;
    let researcher = Api::login(&s.base, "res_a", &pw).await;
    let reviewer = Api::login(&s.base, "rev", &pw).await;
    let admin = Api::login(&s.base, "boss", &pw).await;
    let before = platforms_total(&reviewer).await;

    // A new platform: 202, a pending submission; nothing in the registry.
    let platform = json!({"name": "晋中甲新材料工程技术研究中心", "platform_type": "engineering_research_center",
        "level": "city", "host_org_id": b.org_a, "recognized_on": "2025-03-01"});
    let (st, v) = liaison.post("/api/v1/registry/platforms", platform.clone()).await;
    assert_eq!(st, 202, "{v}");
    let sub = &v["submission"];
    let id = sub["id"].as_i64().unwrap();
    assert_eq!(sub["status"], "pending");
    assert_eq!(sub["operation"], "create");
    assert_eq!(sub["org_id"], b.org_a);
    assert!(sub["changed"].as_array().unwrap().contains(&json!("name")));
    let (_, list) = reviewer.get("/api/v1/registry/platforms").await;
    assert_eq!(list["total"], 0, "nothing is registered before the review: {list}");
    assert_eq!(platforms_total(&reviewer).await, before);
    assert_eq!(platforms_total(&liaison).await, before);
    // A direct write around the review is refused at the gate.
    let direct = crate::common::access_as(&s.app, "liaison_direct", Role::Liaison, Some(b.org_a)).await;
    let refused = direct
        .create(
            Kind::Platform,
            &raw(&[
                ("name", "绕过审核的平台"),
                ("platform_type", "key_lab"),
                ("level", "city"),
                ("host_org_id", &b.org_a.to_string()),
            ]),
        )
        .await
        .unwrap_err();
    assert_eq!(refused.code, kean_core::ErrorCode::Forbidden, "{refused:?}");

    // Who sees it: the liaison's organization and the bureau.
    let (st, mine) = liaison.get("/api/v1/submissions").await;
    assert_eq!(st, 200, "{mine}");
    assert_eq!(mine["total"], 1);
    let (st, _) = other.get(&format!("/api/v1/submissions/{id}")).await;
    assert_eq!(st, 404, "another organization's liaison");
    let (_, theirs) = other.get("/api/v1/submissions").await;
    assert_eq!(theirs["total"], 0);
    let (st, _) = researcher.get("/api/v1/submissions").await;
    assert_eq!(st, 403, "researchers read the approved registry only");
    let (st, q) = reviewer.get("/api/v1/submissions/queue").await;
    assert_eq!(st, 200, "{q}");
    assert_eq!(q["items"][0]["org_id"], b.org_a);
    assert_eq!(q["items"][0]["kind"], "platforms");
    assert_eq!(q["items"][0]["pending"], 1);

    // The liaison cannot decide; the reviewer returns it with reasons.
    let (st, _) = liaison
        .post(&format!("/api/v1/submissions/{id}/approve"), json!({}))
        .await;
    assert_eq!(st, 403);
    let (st, e) = reviewer
        .post(&format!("/api/v1/submissions/{id}/return"), json!({"reasons": ""}))
        .await;
    assert_eq!(st, 422, "a return needs reasons: {e}");
    let (st, r) = reviewer
        .post(
            &format!("/api/v1/submissions/{id}/return"),
            json!({"reasons": "平台级别应为省级，请附认定文件"}),
        )
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "returned");
    let (st, _) = reviewer
        .post(&format!("/api/v1/submissions/{id}/approve"), json!({}))
        .await;
    assert_eq!(st, 409, "a returned submission waits for its correction");
    let (_, seen) = liaison.get(&format!("/api/v1/submissions/{id}")).await;
    assert_eq!(seen["reasons"], "平台级别应为省级，请附认定文件");

    // Corrected and resubmitted; then approved: now it is registered.
    let mut corrected = platform.clone();
    corrected["level"] = json!("provincial");
    let (st, r) = liaison.put(&format!("/api/v1/submissions/{id}"), corrected).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "pending");
    assert_eq!(r["round"], 2);
    assert_eq!(
        platforms_total(&reviewer).await,
        before,
        "still not before the approval"
    );
    let (st, r) = reviewer
        .post(&format!("/api/v1/submissions/{id}/approve"), json!({}))
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "approved");
    let pid = r["result_ids"][0].as_i64().unwrap();
    let (st, rec) = liaison.get(&format!("/api/v1/registry/platforms/{pid}")).await;
    assert_eq!(st, 200, "{rec}");
    assert_eq!(rec["fields"]["level"], "provincial");
    assert_eq!(platforms_total(&reviewer).await, before + 1);
    let (_, d) = reviewer.get(&format!("/api/v1/submissions/{id}")).await;
    let steps: Vec<&str> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["submit", "return", "resubmit", "approve"]);

    // A change of the organization's own record: only the changed field is
    // reported; a second change corrects the open submission.
    let (_, org) = liaison
        .get(&format!("/api/v1/registry/organizations/{}", b.org_a))
        .await;
    let mut fields = org["fields"].clone();
    fields["contact_phone"] = json!("0354-3012345");
    let (st, v) = liaison
        .put(&format!("/api/v1/registry/organizations/{}", b.org_a), fields.clone())
        .await;
    assert_eq!(st, 202, "{v}");
    let change = v["submission"]["id"].as_i64().unwrap();
    assert_eq!(v["submission"]["changed"], json!(["contact_phone"]));
    fields["address"] = json!("晋中市榆次区迎宾街1号");
    let (st, v) = liaison
        .put(&format!("/api/v1/registry/organizations/{}", b.org_a), fields.clone())
        .await;
    assert_eq!(st, 202, "{v}");
    assert_eq!(v["submission"]["id"], change, "one open submission per record");
    assert_eq!(v["submission"]["round"], 2);
    let (_, now) = reviewer
        .get(&format!("/api/v1/registry/organizations/{}", b.org_a))
        .await;
    assert!(
        now["fields"]["contact_phone"].is_null(),
        "unchanged until approved: {now}"
    );
    let (st, r) = reviewer
        .post(&format!("/api/v1/submissions/{change}/approve"), json!({}))
        .await;
    assert_eq!(st, 200, "{r}");
    let (_, now) = reviewer
        .get(&format!("/api/v1/registry/organizations/{}", b.org_a))
        .await;
    assert_eq!(now["fields"]["contact_phone"], "0354-3012345");
    assert_eq!(now["fields"]["address"], "晋中市榆次区迎宾街1号");

    // Stale: the bureau edits the record meanwhile; the approval is refused
    // and the submission stays pending, flagged.
    let (_, p) = liaison.get(&format!("/api/v1/registry/platforms/{pid}")).await;
    let mut pf = p["fields"].clone();
    pf["director"] = json!("王工");
    let (st, v) = liaison
        .put(&format!("/api/v1/registry/platforms/{pid}"), pf.clone())
        .await;
    assert_eq!(st, 202, "{v}");
    let stale = v["submission"]["id"].as_i64().unwrap();
    let mut bureau = p["fields"].clone();
    bureau["description"] = json!("科技局核定");
    let (st, _) = reviewer.put(&format!("/api/v1/registry/platforms/{pid}"), bureau).await;
    assert_eq!(st, 200, "the bureau writes directly");
    let (st, e) = reviewer
        .post(&format!("/api/v1/submissions/{stale}/approve"), json!({}))
        .await;
    assert_eq!(st, 409, "{e}");
    let (_, d) = reviewer.get(&format!("/api/v1/submissions/{stale}")).await;
    assert_eq!(d["status"], "pending");
    assert_eq!(d["stale"], true);
    let (st, _) = liaison
        .post(&format!("/api/v1/submissions/{stale}/withdraw"), json!({}))
        .await;
    assert_eq!(st, 200);
    let (st, _) = liaison
        .post(&format!("/api/v1/submissions/{stale}/withdraw"), json!({}))
        .await;
    assert_eq!(st, 409, "withdrawn once");

    // Archive through review; batch approval, one of them refused.
    let (st, v) = liaison
        .post(&format!("/api/v1/registry/platforms/{pid}/archive"), json!({}))
        .await;
    assert_eq!(st, 202, "{v}");
    let archive = v["submission"]["id"].as_i64().unwrap();
    let (_, rec) = liaison.get(&format!("/api/v1/registry/platforms/{pid}")).await;
    assert_eq!(rec["archived"], false);
    let (_, v) = liaison
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "晋中甲中试基地", "platform_type": "pilot_base", "level": "city", "host_org_id": b.org_a}),
        )
        .await;
    let second = v["submission"]["id"].as_i64().unwrap();
    let (_, v) = liaison
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "晋中甲技术创新中心", "platform_type": "tech_innovation_center", "level": "city", "host_org_id": b.org_a}),
        )
        .await;
    let third = v["submission"]["id"].as_i64().unwrap();
    reviewer
        .post(
            &format!("/api/v1/submissions/{third}/return"),
            json!({"reasons": "名称有误"}),
        )
        .await;
    let (st, out) = reviewer
        .post("/api/v1/submissions/approve", json!({"ids": [archive, second, third]}))
        .await;
    assert_eq!(st, 200, "{out}");
    assert_eq!(out["approved"], json!([archive, second]));
    assert_eq!(out["refused"][0]["id"], third);
    let (_, rec) = reviewer.get(&format!("/api/v1/registry/platforms/{pid}")).await;
    assert_eq!(rec["archived"], true);

    // Which kinds need review is the administrator's setting.
    let (st, _) = reviewer
        .put("/api/v1/settings/review", json!({"kinds": ["platforms"]}))
        .await;
    assert_eq!(st, 403);
    let (st, k) = admin
        .put("/api/v1/settings/review", json!({"kinds": ["platforms"]}))
        .await;
    assert_eq!(st, 200, "{k}");
    fields["contact_phone"] = json!("0354-3099999");
    let (st, v) = liaison
        .put(&format!("/api/v1/registry/organizations/{}", b.org_a), fields)
        .await;
    assert_eq!(st, 200, "organizations no longer need review: {v}");
    let (st, k) = admin.get("/api/v1/settings/review").await;
    assert_eq!((st, k["kinds"].clone()), (200, json!(["platforms"])));

    // Every step is in the audit log, with the submission and the record.
    let log = crate::common::audit_log(&s, 200).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "submission_submit",
        "submission_return",
        "submission_resubmit",
        "submission_approve",
        "submission_withdraw",
    ] {
        assert!(actions.contains(&a), "{a} audited: {actions:?}");
    }
    let approve = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "submission_approve" && e["after"]["submission"] == id)
        .expect("the first approval");
    assert_eq!(approve["target"], "platforms");
    assert_eq!(approve["actor"], "rev");
    let verified = s.app.system_access("test").verify_audit().await.unwrap();
    assert!(verified.is_ok(), "{verified:?}");
}
on_both!(reported_and_reviewed);

/// A liaison's import is one submission: nothing is written until it is
/// approved, then every row in one transaction.
async fn an_import_is_one_report(s: Server) {
    let b = basics(&s.app).await;
    let liaison = crate::common::access_as(&s.app, "imp_l", Role::Liaison, Some(b.org_a)).await;
    let reviewer = crate::common::access_as(&s.app, "imp_r", Role::Reviewer, None).await;
    let csv = "平台名称,平台类型,级别,依托单位\n甲重点实验室一,重点实验室,市级,晋中甲科技有限公司\n甲重点实验室二,重点实验室,市级,晋中甲科技有限公司\n";
    let out = liaison
        .import_file(Kind::Platform, csv.as_bytes(), "platforms.csv", false, false, None)
        .await
        .unwrap();
    let kean_app::FileImport::Submitted { submission } = out else {
        panic!("not submitted: {out:?}")
    };
    assert_eq!(submission.row_count, 2);
    assert_eq!(reviewer.count(Kind::Platform).await.unwrap(), 0);
    // The same file again is refused while its report exists.
    let again = liaison
        .import_file(Kind::Platform, csv.as_bytes(), "platforms.csv", false, false, None)
        .await
        .unwrap_err();
    assert_eq!(again.code, kean_core::ErrorCode::Conflict, "{again:?}");
    let view = reviewer.submission(submission.id).await.unwrap();
    assert_eq!(view.rows.len(), 2);
    let done = reviewer.approve_submission(submission.id, None).await.unwrap();
    assert_eq!(done.result_ids.len(), 2);
    assert_eq!(reviewer.count(Kind::Platform).await.unwrap(), 2);
    let listing = liaison
        .list(
            Kind::Platform,
            &kean_app::ListQuery {
                page: 1,
                page_size: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listing.page.total, 2);
}
on_both!(an_import_is_one_report);
