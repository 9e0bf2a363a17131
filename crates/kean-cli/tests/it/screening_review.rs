//! Reviewing screening results (issue 13): one decision with one reason
//! for several results of the same party, all or nothing, each result
//! audited on its own, and the reviewer brought back to the party's results.

use crate::common::{Api, Server, Web, basics, csrf_of, raw, user, valid_code};
use crate::screening::{decide, import_list, party, with_status};
use kean_core::{Kind, Role};
use serde_json::{Value, json};

/// Four Entity-List-like entries of one company (the BIS list names
/// Huawei's affiliates alike, one entry per address) and one other party.
const HUAWEI_LIST: &str = "id,name,aliases,type,country,identifiers\n\
H1,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
H2,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
H3,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
H4,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
W1,Lockheed Martin Corporation,,organization,US,\n";

/// (id, version) of each open result of a party, by entry key.
fn open_results(p: &Value) -> Vec<(String, i64, i64)> {
    let mut v: Vec<(String, i64, i64)> = with_status(p, "open")
        .iter()
        .map(|h| {
            (
                h["entry"]["key"].as_str().unwrap().to_string(),
                h["id"].as_i64().unwrap(),
                h["version"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn items(rs: &[&(String, i64, i64)]) -> Value {
    json!(
        rs.iter()
            .map(|(_, id, v)| json!({"id": id, "version": v}))
            .collect::<Vec<_>>()
    )
}

struct Setup {
    huawei: i64,
    contract: i64,
    admin: Api,
    reviewer: Api,
    reviewer_pw: String,
}

async fn setup(s: &Server) -> Setup {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let admin = Api::login(&s.base, "sec_admin", &admin_pw).await;
    let reviewer = Api::login(&s.base, "rev", &reviewer_pw).await;
    let (st, v) = import_list(&admin, "watch.csv", HUAWEI_LIST).await;
    assert_eq!(st, 201, "{v}");
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
        .unwrap()
        .id;
    let contract = system
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
        .unwrap()
        .id;
    Setup {
        huawei,
        contract,
        admin,
        reviewer,
        reviewer_pw,
    }
}

/// The API: all or nothing, a clear error naming the result in the way,
/// each result audited, the same permission as one decision.
async fn one_decision_for_several_results(s: Server) {
    let t = setup(&s).await;
    let rev = &t.reviewer;
    let p = party(rev, "organizations", t.huawei).await;
    let open = open_results(&p);
    assert_eq!(
        open.iter().map(|(k, _, _)| k.as_str()).collect::<Vec<_>>(),
        ["H1", "H2", "H3", "H4"],
        "{p}"
    );
    let (h1, h2, h3, h4) = (&open[0], &open[1], &open[2], &open[3]);
    let lockheed = open_results(&party(rev, "tech-contracts", t.contract).await);
    assert_eq!(lockheed.len(), 1);
    let post = |body: Value| async move { rev.post("/api/v1/screening/decisions", body).await };
    let unchanged = || async {
        let now = open_results(&party(rev, "organizations", t.huawei).await);
        assert_eq!(now, open, "nothing may have been written");
    };

    // A result the reviewer cannot see (here: none such): nothing written, the id named.
    let mut with_missing = items(&[h2, h3]);
    with_missing
        .as_array_mut()
        .unwrap()
        .push(json!({"id": 987654, "version": 1}));
    let (st, v) = post(json!({"results": with_missing, "decision": "dismiss", "reason": "同名不同主体"})).await;
    assert_eq!(st, 404, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "results", "{v}");
    assert!(v["error"]["message_zh"].as_str().unwrap().contains("987654"), "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("nothing was decided"),
        "{v}"
    );
    unchanged().await;

    // One result already decided: nothing written, that result named.
    let (st, v) = decide(
        rev,
        h1.1,
        json!({"decision": "dismiss", "reason": "经核查为同名的本地企业", "version": h1.2}),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (st, v) =
        post(json!({"results": items(&[h2, h1, h3]), "decision": "confirm", "reason": "统一社会信用代码一致"})).await;
    assert_eq!(st, 409, "{v}");
    let msg = v["error"]["message_zh"].as_str().unwrap();
    assert!(
        msg.contains(&h1.1.to_string()) && msg.contains("排除误报") && msg.contains("未保存任何结论"),
        "{msg}"
    );
    let now = open_results(&party(rev, "organizations", t.huawei).await);
    assert_eq!(now, open[1..].to_vec(), "H2 (before H1 in the request) was not decided");

    // A stale version, another party, a result twice, none, no reason, a bad verdict.
    let stale = (h3.0.clone(), h3.1, h3.2 + 5);
    let (st, v) = post(json!({"results": items(&[h2, &stale]), "decision": "confirm", "reason": "理由充分"})).await;
    assert_eq!(st, 409, "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("result {}", h3.1)),
        "{v}"
    );
    let (st, v) =
        post(json!({"results": items(&[h2, &lockheed[0]]), "decision": "confirm", "reason": "理由充分"})).await;
    assert_eq!(st, 422, "{v}");
    assert!(
        v["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("不属于同一被筛查主体"),
        "{v}"
    );
    let (st, v) = post(json!({"results": items(&[h2, h2]), "decision": "confirm", "reason": "理由充分"})).await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = post(json!({"results": [], "decision": "confirm", "reason": "理由充分"})).await;
    assert_eq!(st, 422, "{v}");
    let (st, v) = post(json!({"results": items(&[h2, h3]), "decision": "confirm", "reason": " "})).await;
    assert_eq!(st, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "reason");
    let (st, _) = post(json!({"results": items(&[h2, h3]), "decision": "maybe", "reason": "理由充分"})).await;
    assert_eq!(st, 422);
    let (st, _) = post(json!({"results": "H2", "decision": "confirm"})).await;
    assert_eq!(st, 400);
    unchanged_after(rev, t.huawei, &open[1..]).await;

    // The same permission as one decision: the auditor and a liaison may not.
    let auditor_pw = user(&s.app, "aud", Role::Auditor, None).await;
    let auditor = Api::login(&s.base, "aud", &auditor_pw).await;
    let body =
        json!({"results": items(&[h2, h3, h4]), "decision": "confirm", "reason": "统一社会信用代码与清单所列主体一致"});
    let (st, _) = auditor.post("/api/v1/screening/decisions", body.clone()).await;
    assert_eq!(st, 403);

    // The decision: every ticked result confirmed with the one reason.
    let (st, v) = post(body).await;
    assert_eq!(st, 200, "{v}");
    let decided = v["items"].as_array().unwrap();
    assert_eq!(decided.len(), 3, "{v}");
    for h in decided {
        assert_eq!(h["status"], "confirmed", "{h}");
        assert_eq!(h["reason"], "统一社会信用代码与清单所列主体一致");
        assert_eq!(h["decided_by"], "rev");
    }
    let p = party(rev, "organizations", t.huawei).await;
    assert!(with_status(&p, "open").is_empty(), "{p}");
    assert_eq!(with_status(&p, "confirmed").len(), 3, "{p}");
    assert_eq!(with_status(&p, "dismissed").len(), 1, "{p}");

    // Each result audited on its own, naming the results decided together.
    let log = crate::common::audit_log(&s, 50).await;
    let confirms: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "confirm")
        .collect();
    let mut audited: Vec<i64> = confirms.iter().map(|e| e["record_id"].as_i64().unwrap()).collect();
    audited.sort();
    assert_eq!(audited, vec![h2.1, h3.1, h4.1], "{log}");
    for e in &confirms {
        assert_eq!(e["before"]["status"], "open", "{e}");
        assert_eq!(e["after"]["status"], "confirmed", "{e}");
        assert_eq!(e["after"]["decided_together"], json!([h2.1, h3.1, h4.1]), "{e}");
        assert_eq!(e["actor"], "rev", "{e}");
    }
    assert!(s.app.system_access("test").verify_audit().await.unwrap().is_ok());
    drop(t.admin);
}
on_both!(one_decision_for_several_results);

async fn unchanged_after(rev: &Api, huawei: i64, want: &[(String, i64, i64)]) {
    assert_eq!(open_results(&party(rev, "organizations", huawei).await), want);
}

/// A result on a record the reviewer may not read (classified above the
/// reviewer's clearance) cannot be decided along with visible ones: nothing
/// is written.
async fn a_result_out_of_sight_stops_the_decision(s: Server) {
    let t = setup(&s).await;
    let sys = s.app.system_access("test");
    sys.set_ceiling("secret").await.expect("ceiling");
    let secret = sys
        .create(
            Kind::TechContract,
            &raw(&[
                ("contract_no", "2025140700000077"),
                ("title", "涉密技术开发合同"),
                ("contract_type", "development"),
                ("seller_org_id", &t.huawei.to_string()),
                ("buyer_name", "Lockheed Martin Corporation"),
                ("buyer_country", "US"),
                ("signed_on", "2025-03-02"),
                ("registered_on", "2025-03-09"),
                ("contract_value", "100000"),
                ("tech_value", "80000"),
                ("classification", "confidential"),
                ("classified_by", "定密责任人甲"),
                ("classification_basis", "保密事项范围第1条"),
            ]),
        )
        .await
        .expect("classified contract")
        .id;
    let hidden = sys
        .screening_results(&kean_app::ResultFilter {
            kind: Some(Kind::TechContract),
            party_id: Some(secret),
            page: 1,
            page_size: 10,
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(hidden.len(), 1, "{hidden:?}");
    let hidden = &hidden[0];
    let rev = &t.reviewer;
    let (st, _) = rev.get(&format!("/api/v1/screening/results/{}", hidden.id)).await;
    assert_eq!(st, 404, "the reviewer does not see it");
    let visible = open_results(&party(rev, "tech-contracts", t.contract).await);
    let (st, v) = rev
        .post(
            "/api/v1/screening/decisions",
            json!({"results": [{"id": visible[0].1, "version": visible[0].2}, {"id": hidden.id, "version": hidden.version}],
                   "decision": "dismiss", "reason": "买方为同名公司"}),
        )
        .await;
    assert_eq!(st, 404, "{v}");
    assert!(
        v["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains(&hidden.id.to_string()),
        "{v}"
    );
    assert_eq!(
        open_results(&party(rev, "tech-contracts", t.contract).await),
        visible,
        "the visible one was not decided either"
    );
    let still = sys.screening_result(hidden.id).await.unwrap();
    assert_eq!(still.status, kean_app::ResultStatus::Open);
}
on_both!(a_result_out_of_sight_stops_the_decision);

/// The page: the party's results with checkboxes and one decision form;
/// after the decision the reviewer is back on the same party's results.
async fn the_party_page_decides_several_at_once(s: Server) {
    let t = setup(&s).await;
    let web = Web::login(&s.base, "rev", &t.reviewer_pw).await;
    let path = format!("/screening/parties/organizations/{}", t.huawei);
    // The results list and the record's page lead to it.
    let (_, html) = web.get("/screening?status=open").await;
    assert!(html.contains(&path), "{html}");
    let (_, html) = web.get(&format!("/registry/organizations/{}", t.huawei)).await;
    assert!(html.contains(&path), "{html}");
    let (st, html) = web.get(&path).await;
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("华为技术有限公司") && html.contains("data-check-all"),
        "{html}"
    );
    let open = open_results(&party(&t.reviewer, "organizations", t.huawei).await);
    for (_, id, _) in &open {
        assert!(html.contains(&format!("name=\"pick_{id}\"")), "{html}");
    }
    let csrf = csrf_of(&html);
    let pick = |r: &(String, i64, i64)| (format!("pick_{}", r.1), r.2.to_string());
    // Without a reason: the form comes back with the error and the ticks kept.
    let (p1, p2) = (pick(&open[0]), pick(&open[1]));
    let form = [
        ("_csrf", csrf.as_str()),
        ("field", "name"),
        (p1.0.as_str(), p1.1.as_str()),
        (p2.0.as_str(), p2.1.as_str()),
        ("decision", "dismiss"),
        ("reason", ""),
    ];
    let (st, body, _) = web.post(&format!("{path}/decide"), &form).await;
    assert_eq!(st, 422);
    assert!(body.contains("请填写核查理由"), "{body}");
    assert!(
        body.contains(&format!(
            "name=\"pick_{}\" value=\"{}\" aria-label=\"{}\" checked",
            open[0].1, open[0].2, open[0].1
        )),
        "{body}"
    );
    // Another party's result smuggled in: refused, nothing written.
    let other = open_results(&party(&t.reviewer, "tech-contracts", t.contract).await);
    let p3 = pick(&other[0]);
    let mut bad = form.to_vec();
    bad[5] = ("reason", "同名的本地企业");
    bad.push((p3.0.as_str(), p3.1.as_str()));
    let (st, body, _) = web.post(&format!("{path}/decide"), &bad).await;
    assert_eq!(st, 422, "{body}");
    assert!(body.contains("不属于该被筛查主体"), "{body}");
    assert_eq!(open_results(&party(&t.reviewer, "organizations", t.huawei).await), open);
    // The decision: back to this party's results, which show it.
    let mut good = form.to_vec();
    good[5] = ("reason", "经核查为同名的本地企业，证照不同");
    let (st, _, loc) = web.post(&format!("{path}/decide"), &good).await;
    assert_eq!(st, 303);
    let loc = loc.unwrap();
    assert_eq!(loc, format!("{path}?decided=2#party-name"));
    let (_, html) = web.get(&loc).await;
    assert!(html.contains("已保存核查结论（2 条结果）"), "{html}");
    assert!(
        html.contains("经核查为同名的本地企业") || html.contains("排除误报"),
        "{html}"
    );
    let p = party(&t.reviewer, "organizations", t.huawei).await;
    assert_eq!(with_status(&p, "dismissed").len(), 2, "{p}");
    assert_eq!(with_status(&p, "open").len(), 2, "{p}");
    // The flash is a number from the address, never its text.
    let (_, html) = web.get(&format!("{path}?decided=%E8%AF%B7%E6%8B%A8%E6%89%93")).await;
    assert!(!html.contains("请拨打") && !html.contains("已保存核查结论"), "{html}");
    // Without the CSRF token nothing happens; a liaison sees no such page.
    let (st, _, _) = web
        .post(
            &format!("{path}/decide"),
            &[("field", "name"), ("decision", "confirm"), ("reason", "理由")],
        )
        .await;
    assert_eq!(st, 403);
    let liaison_pw = user(&s.app, "lia", Role::Liaison, Some(t.huawei)).await;
    let liaison = Web::login(&s.base, "lia", &liaison_pw).await;
    let (st, _) = liaison.get(&path).await;
    assert_eq!(st, 403);
}
on_both!(the_party_page_decides_several_at_once);

/// A local list of translated institution names, a Chinese name, a foreign
/// brand and a person.
const INSTITUTIONS: &str = "id,name,aliases,type,country,identifiers\n\
B1,Beijing Institute of Technology,,organization,CN,\n\
B2,\"Huawei Technologies Co., Ltd.\",,organization,CN,\n\
C1,中国工程物理研究院,China Academy of Engineering Physics,organization,CN,\n\
K1,Kalashnikov Concern,,organization,RU,\n\
P1,Zhang Wei Ming,,person,CN,\n";

/// 查询名单条目: a reviewer finds entries by a name in either script, with
/// the same matching as screening and its explanation; the lists page and
/// API show each list's reach from Chinese, the figures `kean screen` prints.
async fn list_search_and_coverage(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let liaison_pw = user(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;
    let admin = Api::login(&s.base, "sec_admin", &admin_pw).await;
    let reviewer = Api::login(&s.base, "rev", &reviewer_pw).await;
    let liaison = Api::login(&s.base, "lia", &liaison_pw).await;
    // Before any list: nothing found, no error.
    let (st, v) = reviewer
        .get("/api/v1/screening/search?q=%E5%8C%97%E4%BA%AC%E7%90%86%E5%B7%A5%E5%A4%A7%E5%AD%A6")
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["items"], json!([]));
    let (st, v) = import_list(&admin, "institutions.csv", INSTITUTIONS).await;
    assert_eq!(st, 201, "{v}");
    let list_id = v["version"]["list_id"].as_i64().unwrap();

    let search = |q: &str| {
        let url = format!("/api/v1/screening/search?q={}", urlencode(q));
        let api = &reviewer;
        async move { api.get(&url).await }
    };
    // Chinese against an English-only entry: found through translation, explained.
    let (st, v) = search("北京理工大学").await;
    assert_eq!(st, 200, "{v}");
    let top = &v["items"][0];
    assert_eq!(top["entry"]["key"], "B1", "{v}");
    assert_eq!(top["list_id"], list_id);
    assert_eq!(top["reported"], true, "{v}");
    assert!(top["score"].as_f64().unwrap() >= 0.7, "{v}");
    let methods: Vec<&str> = top["explanation_detail"]["agreed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["method"].as_str().unwrap())
        .collect();
    assert!(
        methods.iter().any(|m| *m == "lexicon" || *m == "translation"),
        "{methods:?} {v}"
    );
    assert!(top["explanation_zh"].as_str().unwrap().contains("名称相似度"), "{v}");
    // The entry it names is the stored entry version.
    let (st, e) = reviewer
        .get(&format!("/api/v1/screening/entries/{}", top["entry"]["id"]))
        .await;
    assert_eq!(st, 200);
    assert_eq!(e["key"], "B1");
    // Traditional characters, English against the Chinese entry, pinyin brand.
    let (_, v) = search("中國工程物理研究院").await;
    assert_eq!(v["items"][0]["entry"]["key"], "C1", "{v}");
    let (_, v) = search("China Academy of Engineering Physics").await;
    assert_eq!(v["items"][0]["entry"]["key"], "C1", "{v}");
    let (_, v) = search("华为技术有限公司").await;
    assert_eq!(v["items"][0]["entry"]["key"], "B2", "{v}");
    // An unrelated name finds nothing; a person is searched as a person.
    let (_, v) = search("太原重型机械集团有限公司").await;
    assert!(
        v["items"].as_array().unwrap().iter().all(|h| h["reported"] == false),
        "{v}"
    );
    let (st, v) = reviewer
        .get(&format!(
            "/api/v1/screening/search?q={}&type=person",
            urlencode("张伟明")
        ))
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["items"][0]["entry"]["key"], "P1", "{v}");
    // Bad input is named; another list is not found; liaisons see nothing.
    for (q, field) in [
        ("q=", "q"),
        ("q=x&type=vessel2", "type"),
        ("q=x&min_score=2", "min_score"),
        ("q=x&min_score=abc", "min_score"),
    ] {
        let (st, v) = reviewer.get(&format!("/api/v1/screening/search?{q}")).await;
        assert_eq!(st, 422, "{q} {v}");
        assert_eq!(v["error"]["fields"][0]["field"], field, "{q} {v}");
    }
    let (st, _) = reviewer.get("/api/v1/screening/search?q=x&list_id=99999").await;
    assert_eq!(st, 404);
    let (st, _) = liaison.get("/api/v1/screening/search?q=x").await;
    assert_eq!(st, 403);

    // The page.
    let web = Web::login(&s.base, "rev", &reviewer_pw).await;
    let (st, html) = web.get("/screening/search").await;
    assert_eq!(st, 200);
    assert!(html.contains("查询名单条目") && html.contains("entry-search"), "{html}");
    let (st, html) = web
        .get(&format!(
            "/screening/search?q={}&list_id={list_id}",
            urlencode("北京理工大学")
        ))
        .await;
    assert_eq!(st, 200);
    assert!(
        html.contains("Beijing Institute of Technology") && html.contains("达到筛查阈值"),
        "{html}"
    );
    assert!(html.contains("词典译名") || html.contains("CC-CEDICT"), "{html}");
    let (st, html) = web.get("/screening/search?q=x&type=bad").await;
    assert_eq!(st, 422, "{html}");

    // Coverage: the figures kean screen prints, from the same function.
    let parsed = kean_app::read_list(INSTITUTIONS.as_bytes(), "institutions.csv").unwrap();
    let want = kean_screen::coverage(&parsed);
    assert_eq!((want.with_chinese_name, want.through_translation), (1, 2), "{want:?}");
    let (_, lists) = reviewer.get("/api/v1/screening/lists").await;
    let cov = &lists["items"][0]["coverage"];
    assert_eq!(cov["entries"], 5, "{lists}");
    assert_eq!(cov["with_chinese_name"], want.with_chinese_name, "{lists}");
    assert_eq!(cov["through_translation"], want.through_translation, "{lists}");
    let (_, html) = web.get("/screening/lists").await;
    assert!(html.contains("含中文名称") && html.contains("经翻译可达"), "{html}");
    assert!(
        html.contains("<td class=\"num cov-zh\">1</td><td class=\"num cov-tr\">2</td>"),
        "{html}"
    );
}
on_both!(list_search_and_coverage);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
