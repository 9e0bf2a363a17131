//! Restricted-party screening inside the platform: list versions and their
//! diffs, screening on every write of a party, reviewers' decisions that
//! hold per entry version, dynamic re-screening, and who may see what.

use crate::common::{Api, Server, Web, access_as, basics, csrf_of, raw, user, valid_code};
use kean_core::{Kind, Role};
use serde_json::{Value, json};

const LIST_V1: &str = "id,name,aliases,type,country,identifiers\n\
W1,Lockheed Martin Corporation,,organization,US,\n\
W2,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
W3,Zhang Wei Ming,,person,CN,\n";

/// W1 gains an alias (changed), W2 is as before, W3 is removed, W4 is new.
const LIST_V2: &str = "id,name,aliases,type,country,identifiers\n\
W1,Lockheed Martin Corporation,Lockheed Martin Corp.,organization,US,\n\
W2,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
W4,Acme Drone Systems Inc.,,organization,US,\n";

pub(crate) async fn import_list(api: &Api, file: &str, body: &str) -> (u16, Value) {
    let r = api
        .http
        .post(format!(
            "{}/api/v1/screening/lists/import?file_name={file}&list_name=%E6%9C%AC%E5%B1%80%E5%85%B3%E6%B3%A8%E5%90%8D%E5%8D%95",
            api.base
        ))
        .bearer_auth(&api.token)
        .body(body.to_string())
        .send()
        .await
        .expect("import request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// A decision on a result through the API.
pub(crate) async fn decide(api: &Api, result: i64, body: Value) -> (u16, Value) {
    api.post(&format!("/api/v1/screening/results/{result}/decision"), body)
        .await
}

/// The results of one party, as the API shows them on its record.
pub(crate) async fn party(api: &Api, slug: &str, id: i64) -> Value {
    let (st, v) = api.get(&format!("/api/v1/screening/parties/{slug}/{id}")).await;
    assert_eq!(st, 200, "{v}");
    v
}

pub(crate) fn with_status<'a>(v: &'a Value, status: &str) -> Vec<&'a Value> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == status)
        .collect()
}

async fn lists_decisions_and_dynamic_screening(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let liaison_pw = user(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;
    let auditor_pw = user(&s.app, "aud", Role::Auditor, None).await;
    let admin = Api::login(&s.base, "sec_admin", &admin_pw).await;
    let reviewer = Api::login(&s.base, "rev", &reviewer_pw).await;
    let liaison = Api::login(&s.base, "lia", &liaison_pw).await;
    let auditor = Api::login(&s.base, "aud", &auditor_pw).await;
    let system = s.app.system_access("test");

    // A contract with a listed buyer, registered before any list exists.
    let tech_contract = |no: &str, buyer: &str, country: &str| {
        raw(&[
            ("contract_no", no),
            ("title", "高强钢技术开发合同"),
            ("contract_type", "development"),
            ("seller_org_id", &b.org_a.to_string()),
            ("buyer_name", buyer),
            ("buyer_country", country),
            ("signed_on", "2025-03-02"),
            ("registered_on", "2025-03-09"),
            ("contract_value", "100000"),
            ("tech_value", "80000"),
        ])
    };
    let lockheed = system
        .create(
            Kind::TechContract,
            &tech_contract("2025140700000001", "Lockheed Martin Corporation", "US"),
        )
        .await
        .unwrap();
    let p = party(&reviewer, "tech-contracts", lockheed.id).await;
    assert!(p["screened"].as_array().unwrap().is_empty(), "no list yet: {p}");

    // Reviewers do not maintain lists; administrators do.
    let (st, _) = import_list(&reviewer, "watch.csv", LIST_V1).await;
    assert_eq!(st, 403);
    let (st, v1) = import_list(&admin, "watch.csv", LIST_V1).await;
    assert_eq!(st, 201, "{v1}");
    assert_eq!(v1["version"]["version_no"], 1);
    assert_eq!(v1["version"]["list"], "本局关注名单");
    assert_eq!(
        (
            &v1["version"]["added"],
            &v1["version"]["changed"],
            &v1["version"]["removed"]
        ),
        (&json!(3), &json!(0), &json!(0))
    );
    // The new list re-screened the contract registered before it.
    assert_eq!(v1["rescreen"]["opened"].as_array().unwrap().len(), 1, "{v1}");
    let p = party(&reviewer, "tech-contracts", lockheed.id).await;
    let open = with_status(&p, "open");
    assert_eq!(open.len(), 1, "{p}");
    assert_eq!(open[0]["entry"]["key"], "W1");
    assert_eq!(open[0]["party"]["field"], "buyer_name");
    let lockheed_result = open[0]["id"].as_i64().unwrap();

    // A party registered now is screened at once — in Chinese against the English entry.
    let huawei = system
        .create(
            Kind::Organization,
            &raw(&[
                ("name", "华为技术有限公司"),
                ("credit_code", &valid_code("91440300MA5F00001")),
                ("org_type", "enterprise"),
                ("district_id", &b.district.to_string()),
            ]),
        )
        .await
        .unwrap();
    let p = party(&reviewer, "organizations", huawei.id).await;
    let open = with_status(&p, "open");
    assert_eq!(open.len(), 1, "{p}");
    assert_eq!(open[0]["entry"]["key"], "W2");
    assert!(open[0]["explanation"].as_str().unwrap().contains("huawei"), "{p}");
    // The explanation is kept structured and read in either language.
    let zh = open[0]["explanation_zh"].as_str().unwrap();
    assert!(
        zh.contains("名称相似度") && zh.contains("华为") && zh.contains("拼音"),
        "{zh}"
    );
    let detail = &open[0]["explanation_detail"];
    assert!(detail["method"].as_str().is_some(), "{detail}");
    assert!(
        detail["agreed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["query"] == "华为" && t["entry"] == "huawei"),
        "{detail}"
    );
    let huawei_result = open[0]["id"].as_i64().unwrap();
    // An unrelated organization has been screened and found clear.
    let p = party(&reviewer, "organizations", b.org_b).await;
    assert_eq!(p["screened"].as_array().unwrap().len(), 1, "{p}");
    assert!(p["results"].as_array().unwrap().is_empty(), "{p}");

    // Who may see and decide.
    let (st, _) = liaison.get("/api/v1/screening/results").await;
    assert_eq!(st, 403, "liaisons do not see screening results");
    let (st, _) = liaison
        .get(&format!("/api/v1/screening/parties/tech-contracts/{}", lockheed.id))
        .await;
    assert_eq!(st, 403);
    let (st, v) = reviewer.get("/api/v1/screening/results?status=open").await;
    assert_eq!(st, 200);
    assert_eq!(v["total"], 2, "{v}");
    // The security auditor reads the audit log, not screening results.
    let (st, _) = auditor.get("/api/v1/screening/results?status=open").await;
    assert_eq!(st, 403, "三员分立");
    let (st, _) = decide(
        &auditor,
        lockheed_result,
        json!({"decision": "dismiss", "reason": "审计员不能核查", "version": 1}),
    )
    .await;
    assert_eq!(st, 403);

    // A decision needs a reason and a known verdict.
    let (st, v) = decide(
        &reviewer,
        lockheed_result,
        json!({"decision": "dismiss", "reason": " ", "version": 1}),
    )
    .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "reason");
    let (st, v) = decide(
        &reviewer,
        lockheed_result,
        json!({"decision": "ignore", "reason": "whatever", "version": 1}),
    )
    .await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "decision");
    let (st, v) = decide(
        &reviewer,
        lockheed_result,
        json!({"decision": "dismiss", "reason": "买方为同名的本地贸易公司，注册地与证照均不同", "version": 1}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["status"], "dismissed");
    assert_eq!(v["decided_by"], "rev");
    // A stale form (old version) is refused.
    let (st, _) = decide(
        &reviewer,
        lockheed_result,
        json!({"decision": "confirm", "reason": "重新确认", "version": 1}),
    )
    .await;
    assert_eq!(st, 409);
    let (st, v) = decide(
        &reviewer,
        huawei_result,
        json!({"decision": "confirm", "reason": "统一社会信用代码与实体清单所列主体一致", "version": 1}),
    )
    .await;
    assert_eq!(st, 200, "{v}");

    // A spreadsheet import screens its parties too.
    let csv = "contract_no,title,contract_type,seller_org_id,buyer_name,buyer_country,signed_on,registered_on,contract_value,tech_value\n\
               2025140700000002,检测技术服务合同,service,晋中甲科技有限公司,Lockheed Martin Corporation,US,2025-04-01,2025-04-03,5000,5000\n\
               2025140700000003,检测技术咨询合同,consulting,晋中甲科技有限公司,太原理工大学,CN,2025-04-01,2025-04-03,6000,6000\n";
    match system
        .import_file(
            Kind::TechContract,
            csv.as_bytes(),
            "tech-contracts.csv",
            false,
            false,
            None,
        )
        .await
        .unwrap()
    {
        kean_app::FileImport::Imported { ids, new_results } => assert_eq!((ids.len(), new_results), (2, 1)),
        other => panic!("{other:?}"),
    }

    // Re-screening finds the same: the dismissal holds, nothing new opens.
    let (st, run) = reviewer.post("/api/v1/screening/rescreen", json!({})).await;
    assert_eq!(st, 200, "{run}");
    assert_eq!(run["opened"], json!([]), "{run}");
    assert_eq!(run["lapsed"], 0, "{run}");
    // An edit that leaves the party as it was keeps the dismissal too.
    let mut edit = tech_contract("2025140700000001", "Lockheed Martin Corporation", "US");
    edit.insert("title".into(), "高强钢技术开发合同（补充）".into());
    system
        .update(Kind::TechContract, lockheed.id, &edit, None)
        .await
        .unwrap();
    let p = party(&reviewer, "tech-contracts", lockheed.id).await;
    assert_eq!(with_status(&p, "dismissed").len(), 1, "{p}");
    assert!(with_status(&p, "open").is_empty(), "{p}");

    // Version 2 of the list: its diff, and what it did to earlier results.
    let (st, v2) = import_list(&admin, "watch.csv", LIST_V2).await;
    assert_eq!(st, 201, "{v2}");
    assert_eq!(v2["version"]["version_no"], 2);
    assert_eq!(
        (
            &v2["version"]["added"],
            &v2["version"]["changed"],
            &v2["version"]["removed"]
        ),
        (&json!(1), &json!(1), &json!(1))
    );
    let vid = v2["version"]["id"].as_i64().unwrap();
    let (st, changes) = reviewer.get(&format!("/api/v1/screening/versions/{vid}/changes")).await;
    assert_eq!(st, 200, "{changes}");
    let mut diff: Vec<(String, String)> = changes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["change"].as_str().unwrap().into(),
                c["entry_key"].as_str().unwrap().into(),
            )
        })
        .collect();
    diff.sort();
    assert_eq!(
        diff,
        vec![
            ("added".to_string(), "W4".to_string()),
            ("changed".into(), "W1".into()),
            ("removed".into(), "W3".into())
        ]
    );
    // The entry the dismissal was about changed: the dismissal lapses and a
    // new result opens for the new entry version.
    let p = party(&reviewer, "tech-contracts", lockheed.id).await;
    let lapsed = with_status(&p, "lapsed");
    assert_eq!(lapsed.len(), 1, "{p}");
    assert_eq!(lapsed[0]["id"], lockheed_result);
    assert_eq!(lapsed[0]["lapse_reason"], "entry_changed");
    let open = with_status(&p, "open");
    assert_eq!(open.len(), 1, "{p}");
    assert_ne!(open[0]["entry"]["id"], lapsed[0]["entry"]["id"]);
    // The unchanged entry's confirmation stands.
    let p = party(&reviewer, "organizations", huawei.id).await;
    assert_eq!(with_status(&p, "confirmed").len(), 1, "{p}");
    assert!(with_status(&p, "open").is_empty(), "{p}");

    // The same file again is refused, naming the version it repeats.
    let (st, v) = import_list(&admin, "watch-again.csv", LIST_V2).await;
    assert_eq!(st, 409, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("version 2"), "{v}");
    // The same entries in another order make no new version.
    let mut lines: Vec<&str> = LIST_V2.lines().collect();
    lines[1..].reverse();
    let (st, v) = import_list(&admin, "watch-reordered.csv", &(lines.join("\n") + "\n")).await;
    assert_eq!(st, 409, "{v}");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("完全相同"), "{v}");
    // A file that is not a list names the problem and imports nothing.
    let (st, v) = import_list(&admin, "junk.csv", "just some words\n").await;
    assert_eq!(st, 422, "{v}");
    // A local list may not take an official list's name, and its countries are checked.
    let r = admin
        .http
        .post(format!(
            "{}/api/v1/screening/lists/import?file_name=w.csv&list_name=CN",
            admin.base
        ))
        .bearer_auth(&admin.token)
        .body(LIST_V1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"][0]["field"], "list_name", "{v}");
    let (st, v) = import_list(
        &admin,
        "mars.csv",
        "id,name,aliases,type,country,identifiers\nM1,Ares Dynamics,,organization,ZZZZ 火星,\n",
    )
    .await;
    assert_eq!(st, 422, "{v}");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("ZZZZ"), "{v}");
    // A local list saved by Excel in GBK is read like registry files are.
    let (gbk, _, _) =
        encoding_rs::GBK.encode("id,name,aliases,type,country,identifiers\nG1,晋中示例关注公司,,organization,CN,\n");
    let r = admin
        .http
        .post(format!(
            "{}/api/v1/screening/lists/import?file_name=gbk.csv&list_name=%E7%A4%BA%E4%BE%8B",
            admin.base
        ))
        .bearer_auth(&admin.token)
        .body(gbk.into_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    // … and one kept as an Excel workbook.
    let sheet = kean_exchange::Sheet {
        name: "关注名单".into(),
        headers: ["id", "name", "aliases", "type", "country", "identifiers"]
            .map(String::from)
            .to_vec(),
        rows: vec![
            ["X1", "晋中示例关注研究院", "", "organization", "CN", ""]
                .map(|c| kean_exchange::Cell::Text(c.into()))
                .to_vec(),
        ],
    };
    let xlsx = kean_exchange::export_workbook(
        &[sheet],
        &kean_exchange::ExportOptions {
            zh: true,
            money_unit: kean_exchange::MoneyUnit::Yuan,
        },
    )
    .unwrap();
    let r = admin
        .http
        .post(format!(
            "{}/api/v1/screening/lists/import?file_name=watch.xlsx&list_name=%E7%A4%BA%E4%BE%8B2",
            admin.base
        ))
        .bearer_auth(&admin.token)
        .body(xlsx)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let (_, lists) = reviewer.get("/api/v1/screening/lists").await;
    assert_eq!(lists["items"].as_array().unwrap().len(), 3, "{lists}");
    let lists = json!({"items": lists["items"].as_array().unwrap().iter().filter(|l| l["code"] == "本局关注名单").cloned().collect::<Vec<_>>()});
    assert_eq!(lists["items"][0]["current"]["version_no"], 2);

    // The party changes: its open result lapses and nothing new matches.
    system
        .update(
            Kind::TechContract,
            lockheed.id,
            &tech_contract("2025140700000001", "太原重型机械集团有限公司", "CN"),
            None,
        )
        .await
        .unwrap();
    let p = party(&reviewer, "tech-contracts", lockheed.id).await;
    assert!(with_status(&p, "open").is_empty(), "{p}");
    assert!(
        p["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["lapse_reason"] == "party_changed"),
        "{p}"
    );
    // Deciding a lapsed result is refused.
    let (st, _) = decide(
        &reviewer,
        lockheed_result,
        json!({"decision": "confirm", "reason": "已失效的结果", "version": 3}),
    )
    .await;
    assert_eq!(st, 409);

    // Retiring the list removes its entries: the confirmed result on it lapses, versions stay.
    let list_id = lists["items"][0]["id"].as_i64().unwrap();
    let (st, _) = reviewer
        .post(&format!("/api/v1/screening/lists/{list_id}/retire"), json!({}))
        .await;
    assert_eq!(st, 403, "reviewers do not retire lists");
    let (st, r) = admin
        .post(&format!("/api/v1/screening/lists/{list_id}/retire"), json!({}))
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["version"]["entries"], 0);
    assert_eq!(r["version"]["removed"], 3);
    let p = party(&reviewer, "organizations", huawei.id).await;
    assert!(with_status(&p, "confirmed").is_empty(), "{p}");
    let lapsed = with_status(&p, "lapsed");
    assert_eq!(lapsed.len(), 1, "{p}");
    assert_eq!(lapsed[0]["lapse_reason"], "entry_removed");
    assert_eq!(lapsed[0]["decision"], "confirmed", "the decision it had stays visible");
    let (st, _) = admin
        .post(&format!("/api/v1/screening/lists/{list_id}/retire"), json!({}))
        .await;
    assert_eq!(st, 409);
    let (_, versions) = reviewer
        .get(&format!("/api/v1/screening/lists/{list_id}/versions"))
        .await;
    assert_eq!(versions["items"].as_array().unwrap().len(), 3, "{versions}");

    // Every step is in the audit chain, which still verifies.
    let (st, audit) = auditor.get("/api/v1/audit?page_size=200").await;
    assert_eq!(st, 200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["import", "open", "dismiss", "confirm", "lapse"] {
        assert!(actions.contains(&a), "audit lacks {a}: {actions:?}");
    }
    assert!(system.verify_audit().await.unwrap().is_ok());
}
on_both!(lists_decisions_and_dynamic_screening);

/// The pages: the list upload form, the diff, the results table, the
/// review form (CSRF-protected) and the panel on the party's page.
async fn screening_pages(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let liaison_pw = user(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;
    let admin = Web::login(&s.base, "sec_admin", &admin_pw).await;
    let (st, html) = admin.get("/screening/lists").await;
    assert_eq!(st, 200);
    assert!(html.contains("尚未导入任何限制名单"), "{html}");
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf_of(&html))
        .text("list_name", "本局关注名单")
        .part(
            "file",
            reqwest::multipart::Part::bytes(LIST_V1.as_bytes().to_vec()).file_name("watch.csv"),
        );
    let r = admin
        .http
        .post(format!("{}/screening/lists/import", s.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/screening/versions/"), "{loc}");
    let (st, html) = admin.get(&loc).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("Lockheed Martin Corporation") && html.contains("新增（3）"),
        "{html}"
    );
    assert!(html.contains("已导入 本局关注名单 第 1 版"), "{html}");
    // The banner comes from the stored version, not from the address.
    let (_, html) = admin.get(&loc.replace("imported=1", "rescreened=9.9.9.9")).await;
    assert!(!html.contains("已导入"), "{html}");

    // A listed buyer registered through the form is screened on save.
    let system = s.app.system_access("test");
    let c = system
        .create(
            Kind::TechContract,
            &raw(&[
                ("contract_no", "2025140700000009"),
                ("title", "无人机技术许可合同"),
                ("contract_type", "licensing"),
                ("seller_org_id", &b.org_a.to_string()),
                ("buyer_name", "洛克希德马丁公司"),
                ("buyer_country", "US"),
                ("signed_on", "2025-05-02"),
                ("registered_on", "2025-05-09"),
                ("contract_value", "500000"),
                ("tech_value", "400000"),
            ]),
        )
        .await
        .unwrap();
    let reviewer = Web::login(&s.base, "rev", &reviewer_pw).await;
    let (st, html) = reviewer.get(&format!("/registry/tech-contracts/{}", c.id)).await;
    assert_eq!(st, 200);
    assert!(html.contains("限制名单筛查") && html.contains("1 条待核查"), "{html}");
    let (st, html) = reviewer.get("/screening").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("洛克希德马丁公司") && html.contains("待核查（1）"),
        "{html}"
    );
    let i = html.find("/screening/results/").unwrap() + "/screening/results/".len();
    let result_id: String = html[i..].chars().take_while(char::is_ascii_digit).collect();
    let (st, html) = reviewer.get(&format!("/screening/results/{result_id}")).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("btn-dismiss") && html.contains("Lockheed Martin Corporation"),
        "{html}"
    );
    // Without the CSRF token the decision is refused.
    let (st, _, _) = reviewer
        .post(
            &format!("/screening/results/{result_id}/decide"),
            &[("decision", "dismiss"), ("reason", "测试")],
        )
        .await;
    assert_eq!(st, 403);
    // Without a reason the form comes back with the error.
    let csrf = csrf_of(&html);
    let (st, body, _) = reviewer
        .post(
            &format!("/screening/results/{result_id}/decide"),
            &[
                ("_csrf", &csrf),
                ("_version", "1"),
                ("decision", "confirm"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(st, 422);
    assert!(body.contains("请填写核查理由"), "{body}");
    let (st, _, loc) = reviewer
        .post(
            &format!("/screening/results/{result_id}/decide"),
            &[
                ("_csrf", &csrf),
                ("_version", "1"),
                ("decision", "confirm"),
                ("reason", "买方即清单所列洛克希德·马丁公司"),
            ],
        )
        .await;
    assert_eq!(st, 303);
    let loc = loc.unwrap();
    // Back to the party's results, not to the top of the list.
    assert_eq!(loc, format!("/screening/parties/tech-contracts/{}?decided=1", c.id));
    let (_, html) = reviewer.get(&loc).await;
    assert!(html.contains("已保存核查结论"), "{html}");
    // Flash lines are built from numbers, never from text in the address.
    let (_, html) = reviewer
        .get("/screening?rescreened=%E8%AF%B7%E6%8B%A8%E6%89%93&flash=%E8%AF%B7%E6%8B%A8%E6%89%93")
        .await;
    assert!(!html.contains("请拨打"), "{html}");
    let (_, html) = reviewer.get(&format!("/registry/tech-contracts/{}", c.id)).await;
    assert!(html.contains("确认命中"), "{html}");
    // Reviewers see no upload form; liaisons see no screening at all.
    let (_, html) = reviewer.get("/screening/lists").await;
    assert!(!html.contains("list-import"), "{html}");
    let liaison = Web::login(&s.base, "lia", &liaison_pw).await;
    let (st, _) = liaison.get("/screening").await;
    assert_eq!(st, 403);
    let (st, html) = liaison.get(&format!("/registry/tech-contracts/{}", c.id)).await;
    assert_eq!(st, 200);
    assert!(!html.contains("限制名单筛查"), "{html}");
}
on_both!(screening_pages);

/// The demo city against the real lists: the planted parties are found
/// across scripts, and importing the same lists again changes nothing.
async fn real_lists_screen_the_demo_city(s: Server) {
    let Some(dir) = kean_demo::lists_dir() else {
        panic!("the shared list data is missing (../shared/data/lists)");
    };
    kean_demo::seed(&s.app).await.unwrap();
    let lines = kean_demo::seed_lists(&s.app, &dir).await.unwrap();
    assert_eq!(lines.len(), 4, "{lines:?}");
    let api = Api::login(&s.base, "reviewer", "Review2025").await;
    let (_, lists) = api.get("/api/v1/screening/lists").await;
    let mut codes: Vec<(String, i64)> = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["code"].as_str().unwrap().to_string(), l["entries"].as_i64().unwrap()))
        .collect();
    codes.sort();
    assert_eq!(codes.len(), 4, "{codes:?}");
    assert!(codes.iter().any(|(c, n)| c == "OFAC-SDN" && *n == 14_965), "{codes:?}");
    // Each list's coverage from Chinese is what `kean screen` prints for its
    // file: the same function over the same entries.
    for l in lists["items"].as_array().unwrap() {
        let file = l["current"]["file_name"].as_str().unwrap();
        let parsed = kean_app::read_list(&std::fs::read(dir.join(file)).unwrap(), file).unwrap();
        let want = kean_screen::coverage(&parsed);
        assert_eq!(l["coverage"]["entries"], want.entries, "{l}");
        assert_eq!(l["coverage"]["with_chinese_name"], want.with_chinese_name, "{l}");
        assert_eq!(l["coverage"]["through_translation"], want.through_translation, "{l}");
    }
    let (_, results) = api.get("/api/v1/screening/results?status=open&page_size=200").await;
    let items = results["items"].as_array().unwrap();
    let found = |name: &str, list: &str| items.iter().any(|h| h["party"]["name"] == name && h["list"] == list);
    assert!(found("Lockheed Martin Corporation", "CN"), "{results}");
    assert!(found("华为技术有限公司", "US-BIS-EL"), "{results}");
    let before = results["total"].as_i64().unwrap();
    // The largest official file goes through the API too (same content: refused as a repeat).
    let admin = Api::login(&s.base, "admin", "Admin2025").await;
    let ofac = std::fs::read(dir.join("ofac_sdn_2024-05-03.csv")).unwrap();
    let r = admin
        .http
        .post(format!("{}/api/v1/screening/lists/import?file_name=ofac.csv", s.base))
        .bearer_auth(&admin.token)
        .body(ofac)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409, "{}", r.text().await.unwrap());
    // Re-screening with the same lists opens nothing new.
    let (_, run) = api.post("/api/v1/screening/rescreen", json!({})).await;
    assert_eq!(run["opened"], json!([]), "{run}");
    assert!(run["parties"].as_u64().unwrap() > 1500, "{run}");
    let (_, results) = api.get("/api/v1/screening/results?status=open").await;
    assert_eq!(results["total"].as_i64().unwrap(), before);
    // A new version of one list opens results only for its own new entries
    // and leaves every other list's results as they were.
    let cn = std::fs::read_to_string(dir.join("cn_lists_flat.csv")).unwrap();
    let mut lines: Vec<&str> = cn.lines().collect();
    lines.remove(1);
    let v2 = lines.join("\n") + "\n";
    let r = admin
        .http
        .post(format!("{}/api/v1/screening/lists/import?file_name=cn_v2.csv", s.base))
        .bearer_auth(&admin.token)
        .body(v2)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["version"]["removed"], 1, "{v}");
    assert_eq!(v["rescreen"]["opened"], json!([]), "{v}");
    let (_, after) = api.get("/api/v1/screening/results?status=open&page_size=200").await;
    assert_eq!(after["total"].as_i64().unwrap(), before, "{after}");
}
on_both!(real_lists_screen_the_demo_city);

/// Archiving a party lapses its results; restoring it screens it again.
/// A liaison's import screens the parties but tells the liaison nothing.
async fn archive_restore_and_liaison_imports(s: Server) {
    let b = basics(&s.app).await;
    // Direct writes: screening follows every write, not the review.
    crate::common::without_review(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let admin = Api::login(&s.base, "sec_admin", &admin_pw).await;
    let (st, _) = import_list(&admin, "watch.csv", LIST_V1).await;
    assert_eq!(st, 201);
    let system = s.app.system_access("test");
    let huawei = system
        .create(
            Kind::Organization,
            &raw(&[
                ("name", "华为技术有限公司"),
                ("credit_code", &valid_code("91440300MA5F00001")),
                ("org_type", "enterprise"),
                ("district_id", &b.district.to_string()),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(
        with_status(&party(&admin, "organizations", huawei.id).await, "open").len(),
        1
    );
    system.set_archived(Kind::Organization, huawei.id, true).await.unwrap();
    let p = party(&admin, "organizations", huawei.id).await;
    assert!(with_status(&p, "open").is_empty(), "{p}");
    assert_eq!(with_status(&p, "lapsed")[0]["lapse_reason"], "archived", "{p}");
    // A full re-screening leaves the archived party alone.
    let (_, run) = admin.post("/api/v1/screening/rescreen", json!({})).await;
    assert_eq!(run["opened"], json!([]), "{run}");
    system.set_archived(Kind::Organization, huawei.id, false).await.unwrap();
    assert_eq!(
        with_status(&party(&admin, "organizations", huawei.id).await, "open").len(),
        1
    );

    // The liaison of organization A imports a contract whose buyer is listed.
    let liaison = access_as(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;
    let csv = "contract_no,title,contract_type,seller_org_id,buyer_name,buyer_country,signed_on,registered_on,contract_value,tech_value\n\
               2025140700000005,检测技术服务合同,service,晋中甲科技有限公司,Lockheed Martin Corporation,US,2025-04-01,2025-04-03,5000,5000\n";
    match liaison
        .import_file(Kind::TechContract, csv.as_bytes(), "c.csv", false, false, None)
        .await
        .unwrap()
    {
        kean_app::FileImport::Imported { ids, new_results } => {
            assert_eq!(new_results, 0, "a liaison is not told about screening results");
            // … but the party was screened, and the audit names kean's screening.
            let p = party(&admin, "tech-contracts", ids[0]).await;
            assert_eq!(with_status(&p, "open").len(), 1, "{p}");
        }
        other => panic!("{other:?}"),
    }
    let audit = crate::common::audit_log(&s, 20).await;
    let opened: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "open")
        .collect();
    let by_import = opened
        .iter()
        .find(|e| e["after"]["field"] == "buyer_name")
        .expect("the import's result is audited");
    assert_eq!(by_import["actor"], "system:screening (lia)", "{by_import}");
}
on_both!(archive_restore_and_liaison_imports);

/// The store applies a scope to screening reads like to registry reads:
/// results, counts and a party's states of records outside it are not found.
#[allow(clippy::disallowed_methods)] // the store is tested directly, with scopes the policy grants
async fn screening_reads_apply_the_scope(s: Server) {
    use kean_core::Actor;
    use kean_core::policy::{Action, authorize};
    use kean_store::{ResultFilter, ScreeningResultStore, SqlStore};

    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let admin = Api::login(&s.base, "sec_admin", &admin_pw).await;
    let (st, v1) = import_list(&admin, "watch.csv", LIST_V1).await;
    assert_eq!(st, 201, "{v1}");
    let contract = s
        .app
        .system_access("test")
        .create(
            Kind::TechContract,
            &raw(&[
                ("contract_no", "2025140700000001"),
                ("title", "高强钢技术开发合同"),
                ("contract_type", "development"),
                ("seller_org_id", &b.org_a.to_string()),
                ("buyer_name", "Lockheed Martin Corporation"),
                ("buyer_country", "US"),
                ("signed_on", "2025-03-02"),
                ("registered_on", "2025-03-09"),
                ("contract_value", "100000"),
                ("tech_value", "80000"),
            ]),
        )
        .await
        .expect("contract");
    let store = SqlStore::connect(&s.url).await.expect("store");
    let all = authorize(&Actor::system("t"), Action::ReadScreening, None).expect("scope");
    let of = |org: i64| {
        let actor = Actor::authenticated(
            9,
            "l".into(),
            "l".into(),
            Role::Liaison,
            Some(org),
            kean_core::confidentiality::Classification::Internal,
        );
        authorize(&actor, Action::Read, Some(Kind::TechContract)).expect("scope")
    };
    let filter = ResultFilter {
        page: 1,
        page_size: 50,
        ..ResultFilter::default()
    };
    let found = store.results(&filter, all).await.expect("results");
    assert_eq!(found.total, 1, "{found:?}");
    let id = found.items[0].id;
    assert_eq!(store.results(&filter, of(b.org_a)).await.expect("results").total, 1);
    assert_eq!(store.results(&filter, of(b.org_b)).await.expect("results").total, 0);
    assert!(store.result(id, of(b.org_a)).await.expect("result").is_some());
    assert!(store.result(id, of(b.org_b)).await.expect("result").is_none());
    let counted = |c: Vec<(kean_store::ResultStatus, i64)>| c.iter().map(|(_, n)| n).sum::<i64>();
    assert_eq!(counted(store.result_counts(all).await.expect("counts")), 1);
    assert_eq!(counted(store.result_counts(of(b.org_b)).await.expect("counts")), 0);
    let states = |scope| store.party_states(Kind::TechContract, contract.id, scope);
    assert!(!states(of(b.org_a)).await.expect("states").is_empty());
    assert!(states(of(b.org_b)).await.expect("states").is_empty());
    let parties = store
        .screening_parties(Kind::TechContract, &["buyer_name"], None, of(b.org_b))
        .await
        .expect("parties");
    assert!(parties.is_empty());
    store.close().await;
}
on_both!(screening_reads_apply_the_scope);

/// A list file that cannot be imported is explained wholly in the
/// interface's language: in Chinese, where and why (no English reason left
/// inside the Chinese sentence); in English, the same in English.
async fn list_import_errors_speak_the_interface_language(s: Server) {
    let admin_pw = user(&s.app, "list_admin", Role::Admin, None).await;
    let admin = Web::login(&s.base, "list_admin", &admin_pw).await;
    let upload = |name: &'static str, bytes: Vec<u8>| {
        let admin = &admin;
        async move {
            let (_, html) = admin.get("/screening/lists").await;
            let form = reqwest::multipart::Form::new()
                .text("_csrf", csrf_of(&html))
                .text("list_name", "本局关注名单")
                .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
            let r = admin
                .http
                .post(format!("{}/screening/lists/import", admin.base))
                .multipart(form)
                .send()
                .await
                .unwrap();
            let html = r.text().await.unwrap();
            let Some(at) = html.find("id=\"form-error\">") else {
                panic!("{name}: no error at the form: {html}");
            };
            let at = at + "id=\"form-error\">".len();
            html[at..at + html[at..].find('<').unwrap()].to_string()
        }
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dup.csv",
            b"id,name\nA1,Acme Ltd\nA1,Acme Two Ltd\n".to_vec(),
            "编号重复",
        ),
        ("noid.csv", b"id,name\n,Acme Ltd\n".to_vec(), "编号（id）为空"),
        (
            "type.csv",
            b"id,name,type\nA1,Acme Ltd,robot\n".to_vec(),
            "类型“robot”无法识别",
        ),
        (
            "report.pdf",
            b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\n%%EOF\n".to_vec(),
            "无法识别的名单格式",
        ),
        (
            "list.json",
            br#"{"entities": [{"id": "1"}]}"#.to_vec(),
            "第 1 条记录：缺少",
        ),
    ];
    for (name, bytes, expected) in cases {
        let message = upload(name, bytes).await;
        assert!(message.contains(expected), "{name}: {message}");
        let english: Vec<&str> = message
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 1)
            .filter(|w| {
                ![
                    "id",
                    "name",
                    "type",
                    "robot",
                    "organization",
                    "person",
                    "vessel",
                    "unknown",
                    "csv",
                    "pdf",
                    "json",
                    "entities",
                    "results",
                    "kean",
                    "OFAC",
                    "SDN",
                    "CSL",
                    "XML",
                    "CSV",
                    "JSON",
                ]
                .contains(w)
            })
            .filter(|w| !name.contains(*w))
            .collect();
        assert!(english.is_empty(), "{name}: English words {english:?} in {message}");
    }
    // The English interface says it in English.
    admin.get("/lang/en").await;
    let message = upload("dup.csv", b"id,name\nA1,Acme Ltd\nA1,Acme Two Ltd\n".to_vec()).await;
    assert!(message.contains("duplicate id"), "{message}");
}
on_both!(list_import_errors_speak_the_interface_language);
