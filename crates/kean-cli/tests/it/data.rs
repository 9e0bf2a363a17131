//! Research data and attachments (issue 12, items 2 and 3): a file follows
//! its record's access and its own level, refused types and sizes leave
//! nothing behind, every download is audited, and important data leaves
//! only with the security administrator's approval — through the API, the
//! path an attacker uses.

use kean_core::Role;
use serde_json::{Value, json};

use crate::common::{Api, Server, Web, audit_log, basics, raw, user};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn upload(api: &Api, path: &str, name: &str, bytes: Vec<u8>, level: &str) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    if !level.is_empty() {
        form = form.text("classification", level.to_string());
    }
    let r = api
        .http
        .post(format!("{}{path}", api.base))
        .bearer_auth(&api.token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let status = r.status().as_u16();
    let text = r.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Status, headers and body of a download.
async fn download(api: &Api, id: i64) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = api
        .http
        .get(format!("{}/api/v1/attachments/{id}", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .expect("download");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.expect("bytes").to_vec())
}

fn count(list: &Value) -> usize {
    list["items"].as_array().unwrap_or_else(|| panic!("{list}")).len()
}

/// The newest audit events of `action`, as the auditor reads them.
fn events<'a>(log: &'a Value, action: &str) -> Vec<&'a Value> {
    log["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .filter(|e| e["action"] == action)
        .collect()
}

async fn attachments_follow_their_record_their_level_and_the_approval_of_important_data(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let dataset = |name: &str, grade: &str, level: &str| {
        raw(&[
            ("name", name),
            ("org_id", &b.org_a.to_string()),
            ("data_grade", grade),
            ("classification", level),
            ("storage_location", "数据中心 A-01"),
        ])
    };
    let general = sys
        .create(kean_core::Kind::Dataset, &dataset("一般数据集", "general", "public"))
        .await
        .unwrap()
        .id;
    let important = sys
        .create(
            kean_core::Kind::Dataset,
            &dataset("重要数据集", "important", "internal"),
        )
        .await
        .unwrap()
        .id;
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let liaison = Api::login(&s.base, "liaison_a", &pw).await;
    let pw = user(&s.app, "liaison_b", Role::Liaison, Some(b.org_b)).await;
    let outsider = Api::login(&s.base, "liaison_b", &pw).await;
    let pw = user(&s.app, "researcher_a", Role::Researcher, Some(b.org_a)).await;
    let researcher = Api::login(&s.base, "researcher_a", &pw).await;
    let pw = user(&s.app, "secadmin", Role::SecurityAdmin, None).await;
    let secadmin = Api::login(&s.base, "secadmin", &pw).await;

    let g_path = format!("/api/v1/registry/datasets/{general}/attachments");
    let i_path = format!("/api/v1/registry/datasets/{important}/attachments");

    // Refused files: a clear error naming the field, nothing written.
    let (st, e) = upload(&liaison, &g_path, "程序.exe", PDF.to_vec(), "").await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("file")),
        "{e}"
    );
    assert!(e["error"]["message_zh"].as_str().unwrap().contains(".exe"), "{e}");
    let (st, e) = upload(&liaison, &g_path, "合同.pdf", b"MZ\x90\x00 not a pdf".to_vec(), "").await;
    assert_eq!(st, 422, "{e}");
    assert!(
        e["error"]["message_zh"].as_str().unwrap().contains("与扩展名不符"),
        "{e}"
    );
    let big = [PDF, &vec![b' '; kean_core::attachment::MAX_ATTACHMENT_BYTES]].concat();
    let (st, e) = upload(&liaison, &g_path, "大文件.pdf", big, "").await;
    assert_eq!(st, 422, "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("20 MB"), "{e}");
    let (st, e) = upload(&liaison, &i_path, "说明.pdf", PDF.to_vec(), "public").await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("classification")),
        "{e}"
    );
    let (st, e) = upload(&liaison, &i_path, "说明.pdf", PDF.to_vec(), "confidential").await;
    assert_eq!(st, 422, "above the ceiling: {e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("定密上限"), "{e}");
    let (st, e) = upload(&researcher, &g_path, "说明.pdf", PDF.to_vec(), "").await;
    assert_eq!(st, 403, "researchers are read-only: {e}");
    let (st, e) = upload(&outsider, &g_path, "说明.pdf", PDF.to_vec(), "").await;
    assert_eq!(st, 404, "another organization's record: {e}");
    let (_, list) = liaison.get(&g_path).await;
    assert_eq!(count(&list), 0, "nothing written: {list}");

    // Accepted: the record's level by default, the type from the content.
    let (st, a) = upload(&liaison, &g_path, "评审报告.pdf", PDF.to_vec(), "").await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(
        (a["classification"].as_str(), a["media_type"].as_str()),
        (Some("public"), Some("application/pdf"))
    );
    assert_eq!(a["sm3"].as_str().unwrap(), kean_core::audit::sm3_hex(PDF));
    let att = a["id"].as_i64().unwrap();

    // Readers of the record read the file, byte for byte, as a download.
    let (st, headers, bytes) = download(&researcher, att).await;
    assert_eq!(st, 200);
    assert_eq!(bytes, PDF);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(headers["content-security-policy"].to_str().unwrap().contains("sandbox"));
    // Another organization's liaison: not found, on every path, and audited.
    let (st, _) = outsider.get(&g_path).await;
    assert_eq!(st, 404);
    let (st, _, body) = download(&outsider, att).await;
    assert_eq!(st, 404);
    assert!(
        !String::from_utf8_lossy(&body).contains("评审报告"),
        "the refusal names nothing"
    );

    // Important data: the file is listed, its download waits for approval.
    let csv = "字段,说明\n编号,观测点\n".as_bytes().to_vec();
    let (st, a) = upload(&liaison, &i_path, "数据字典.csv", csv.clone(), "").await;
    assert_eq!((st, a["classification"].as_str()), (201, Some("internal")), "{a}");
    let data_att = a["id"].as_i64().unwrap();
    let (st, e) = researcher.get(&format!("/api/v1/registry/datasets/{important}")).await;
    assert_eq!(st, 200, "{e}");
    let (st, _, body) = download(&researcher, data_att).await;
    assert_eq!(st, 403);
    assert!(String::from_utf8_lossy(&body).contains("安全保密管理员"));
    // The page's download path answers the same.
    let web_r = Web::login(&s.base, "researcher_a", "Passw0rd2025").await;
    let (st, page) = web_r.get(&format!("/attachments/{data_att}")).await;
    assert_eq!(st, 403);
    assert!(page.contains("安全保密管理员"), "{page}");
    let web_b = Web::login(&s.base, "liaison_b", "Passw0rd2025").await;
    let (st, page) = web_b.get(&format!("/attachments/{att}")).await;
    assert_eq!(st, 404, "another organization's file on the page path");
    assert!(!page.contains("评审报告"));
    // The registry's export is refused whole while it holds important data
    // without approval, and says how to export the rest.
    let web = Web::login(&s.base, "researcher_a", "Passw0rd2025").await;
    let (st, page) = web.get("/registry/datasets/export.csv").await;
    assert_eq!(st, 403);
    assert!(page.contains("1 条重要数据或核心数据"), "{page}");
    let (st, general_only) = web.get("/registry/datasets/export.csv?data_grade=general").await;
    assert_eq!(st, 200);
    assert!(
        general_only.contains("一般数据集") && !general_only.contains("重要数据集"),
        "{general_only}"
    );
    let (st, e) = researcher
        .post(
            &format!("/api/v1/registry/datasets/{general}/export-requests"),
            json!({ "purpose": "联合研究使用", "recipient": "合作单位" }),
        )
        .await;
    assert_eq!(st, 422, "general data needs no approval: {e}");
    let (st, e) = researcher
        .post(
            &format!("/api/v1/registry/datasets/{important}/export-requests"),
            json!({ "purpose": "", "recipient": "合作单位" }),
        )
        .await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("purpose")),
        "{e}"
    );
    let (st, req) = researcher
        .post(
            &format!("/api/v1/registry/datasets/{important}/export-requests"),
            json!({ "purpose": "与合作单位联合验证模型", "recipient": "某大学资源环境学院" }),
        )
        .await;
    assert_eq!((st, req["state"].as_str()), (201, Some("pending")), "{req}");
    let req_id = req["id"].as_i64().unwrap();
    let decision = format!("/api/v1/data-exports/{req_id}/decision");
    let (st, _) = researcher.post(&decision, json!({ "approve": true })).await;
    assert_eq!(st, 403, "the requester does not approve");
    let (st, _) = liaison.post(&decision, json!({ "approve": true })).await;
    assert_eq!(st, 403, "nor does a liaison");
    let (st, mine) = researcher.get("/api/v1/data-exports").await;
    assert_eq!((st, count(&mine)), (200, 1), "{mine}");
    let (_, theirs) = liaison.get("/api/v1/data-exports").await;
    assert_eq!(count(&theirs), 0, "one's own requests only: {theirs}");
    let (st, pending) = secadmin.get("/api/v1/data-exports").await;
    assert_eq!((st, count(&pending)), (200, 1), "{pending}");
    assert_eq!(pending["items"][0]["dataset_name"], "重要数据集");
    let (st, done) = secadmin
        .post(&decision, json!({ "approve": true, "note": "限合作使用" }))
        .await;
    assert_eq!((st, done["state"].as_str()), (200, Some("approved")), "{done}");
    assert!(done["valid_until"].as_str().is_some());
    let (st, _) = secadmin.post(&decision, json!({ "approve": false })).await;
    assert_eq!(st, 409, "decided once");
    let (st, _, bytes) = download(&researcher, data_att).await;
    assert_eq!((st, bytes), (200, csv));
    let (st, all) = web.get("/registry/datasets/export.csv").await;
    assert_eq!(st, 200, "approved: {all}");
    assert!(all.contains("重要数据集"));
    // Approved for the requester, not for everyone else of the organization.
    let (st, _, _) = download(&liaison, data_att).await;
    assert_eq!(st, 403);

    // Removal: audited, and the file is gone from the record.
    let r = liaison
        .http
        .delete(format!("{}/api/v1/attachments/{att}", s.base))
        .bearer_auth(&liaison.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, list) = researcher.get(&g_path).await;
    assert_eq!(count(&list), 0);
    let (st, _, _) = download(&researcher, att).await;
    assert_eq!(st, 404);

    // The auditor sees every step.
    let log = audit_log(&s, 200).await;
    assert_eq!(events(&log, "attachment_add").len(), 2);
    assert_eq!(events(&log, "attachment_remove").len(), 1);
    let downloads = events(&log, "attachment_download");
    assert_eq!(downloads.len(), 2, "{log}");
    assert!(downloads.iter().all(|e| e["actor"] == "researcher_a"));
    let refused: Vec<String> = events(&log, "attachment_download_refused")
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["actor"].as_str().unwrap(),
                e["after"]["reason"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "liaison_b:record",
        "researcher_a:no_export_approval",
        "liaison_a:no_export_approval",
    ] {
        assert!(refused.iter().any(|r| r == want), "{want} in {refused:?}");
    }
    assert_eq!(events(&log, "data_export_requested").len(), 1);
    assert_eq!(events(&log, "export_refused").len(), 1);
    assert_eq!(events(&log, "data_export_approved").len(), 1);
    // Reading important data is audited like reading classified records.
    assert!(
        events(&log, "read")
            .iter()
            .any(|e| e["actor"] == "researcher_a" && e["record_id"] == important),
        "{log}"
    );
}
crate::on_both!(attachments_follow_their_record_their_level_and_the_approval_of_important_data);

/// A file classified above its record is for those cleared and on the
/// record's need-to-know list; a classified file is refused for a kind that
/// carries no level.
async fn a_classified_attachment_needs_clearance_and_need_to_know(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    sys.set_ceiling("secret").await.expect("ceiling");
    let ach = sys
        .create(
            kean_core::Kind::Achievement,
            &raw(&[
                ("title", "内部成果"),
                ("achievement_type", "software"),
                ("holder_org_id", &b.org_a.to_string()),
                ("classification", "internal"),
            ]),
        )
        .await
        .unwrap()
        .id;
    let pw = user(&s.app, "reviewer_x", Role::Reviewer, None).await;
    let reviewer = Api::login(&s.base, "reviewer_x", &pw).await;
    let rid = sys.user_named("reviewer_x").await.unwrap().id;
    sys.set_clearance(rid, "secret").await.unwrap();
    let pw = user(&s.app, "reader", Role::Reviewer, None).await;
    let reader = Api::login(&s.base, "reader", &pw).await;
    let uid = sys.user_named("reader").await.unwrap().id;
    sys.set_clearance(uid, "confidential").await.unwrap();
    sys.set_need_to_know(kean_core::Kind::Achievement, ach, "reviewer_x", true)
        .await
        .unwrap();

    let path = format!("/api/v1/registry/achievements/{ach}/attachments");
    let (st, a) = upload(&reviewer, &path, "技术秘密说明.pdf", PDF.to_vec(), "confidential").await;
    assert_eq!((st, a["classification"].as_str()), (201, Some("confidential")), "{a}");
    let att = a["id"].as_i64().unwrap();
    // Cleared, but not on the list: the record is readable, the file is not
    // even listed, and its download is not found (and audited).
    let (st, list) = reader.get(&path).await;
    assert_eq!((st, count(&list)), (200, 0), "{list}");
    let (st, _, _) = download(&reader, att).await;
    assert_eq!(st, 404);
    sys.set_need_to_know(kean_core::Kind::Achievement, ach, "reader", true)
        .await
        .unwrap();
    let (_, list) = reader.get(&path).await;
    assert_eq!(count(&list), 1);
    let (st, _, bytes) = download(&reader, att).await;
    assert_eq!((st, bytes.as_slice()), (200, PDF));
    // An organization carries no level: its files are at most internal.
    let (st, e) = upload(
        &reviewer,
        &format!("/api/v1/registry/organizations/{}/attachments", b.org_a),
        "章程.pdf",
        PDF.to_vec(),
        "confidential",
    )
    .await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("classification")),
        "{e}"
    );
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("最高为内部"), "{e}");
    let log = audit_log(&s, 100).await;
    assert!(
        events(&log, "attachment_download_refused")
            .iter()
            .any(|e| e["actor"] == "reader" && e["after"]["reason"] == "level"),
        "{log}"
    );
}
crate::on_both!(a_classified_attachment_needs_clearance_and_need_to_know);
