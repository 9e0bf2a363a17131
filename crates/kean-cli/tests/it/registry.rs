//! The registry as users reach it: JSON API and pages, on SQLite and PostgreSQL.

use crate::common::{Api, Server, Web, basics, user, valid_code};
use kean_core::{Kind, Role};
use serde_json::{Value, json};

async fn registry_round_trip(s: Server) {
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let api = Api::login(&s.base, "boss", "Passw0rd2025").await;

    let code = valid_code("91140703MA0K00003");
    let (st, org) = api
        .post(
            "/api/v1/registry/organizations",
            json!({"name": "山西太谷种业科技有限公司", "credit_code": code, "org_type": "企业", "district_id": b.district,
                   "high_tech_cert_no": "GR202314000123", "high_tech_issued_on": "2023-12-08", "tech_sme": true}),
        )
        .await;
    assert_eq!(st, 201, "{org}");
    let org_id = org["id"].as_i64().unwrap();
    assert_eq!(org["fields"]["org_type"], "enterprise");

    let (st, plat) = api
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "山西省种业技术创新中心", "platform_type": "tech_innovation_center", "level": "provincial", "host_org_id": org_id, "industry_chain_id": b.chain}),
        )
        .await;
    assert_eq!(st, 201, "{plat}");
    let (st, contract) = api
        .post(
            "/api/v1/registry/tech-contracts",
            json!({"contract_no": "2025140700009999", "title": "谷子新品种技术许可合同", "contract_type": "licensing", "seller_org_id": org_id,
                   "buyer_name": "内蒙古丰源农业有限公司", "buyer_country": "CN", "signed_on": "2025-06-01", "registered_on": "2025-06-10",
                   "contract_value": "1,200,000", "tech_value": 1000000.5}),
        )
        .await;
    assert_eq!(st, 201, "{contract}");
    assert_eq!(contract["fields"]["contract_value"], "1200000.00");
    assert_eq!(contract["fields"]["tech_value"], "1000000.50");

    // Found again by a Chinese keyword, with references named.
    let (st, list) = api.get("/api/v1/registry/platforms?q=%E7%A7%8D%E4%B8%9A").await;
    assert_eq!(st, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["labels"]["host_org_id"], "山西太谷种业科技有限公司");
    // A contract is found by its seller's name too.
    let (_, by_seller) = api
        .get("/api/v1/registry/tech-contracts?q=%E5%A4%AA%E8%B0%B7%E7%A7%8D%E4%B8%9A")
        .await;
    assert_eq!(by_seller["total"], 1, "{by_seller}");
    let (_, list) = api
        .get(
            "/api/v1/registry/tech-contracts?contract_type=licensing&signed_on_from=2025-01-01&signed_on_to=2025-12-31",
        )
        .await;
    assert_eq!(list["total"], 1);

    // Edit with the version read; a stale version is refused.
    let cid = contract["id"].as_i64().unwrap();
    let mut fields = contract["fields"].clone();
    fields["title"] = json!("谷子新品种技术许可合同（补充）");
    fields["_version"] = json!(1);
    let (st, updated) = api
        .put(&format!("/api/v1/registry/tech-contracts/{cid}"), fields.clone())
        .await;
    assert_eq!(st, 200, "{updated}");
    assert_eq!(updated["version"], 2);
    let (st, err) = api.put(&format!("/api/v1/registry/tech-contracts/{cid}"), fields).await;
    assert_eq!(st, 409);
    assert_eq!(err["error"]["code"], "conflict");

    // Archive: gone from the default list, kept and restorable.
    let (st, _) = api
        .post(&format!("/api/v1/registry/tech-contracts/{cid}/archive"), json!({}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(api.get("/api/v1/registry/tech-contracts").await.1["total"], 0);
    assert_eq!(
        api.get("/api/v1/registry/tech-contracts?archived=archived").await.1["total"],
        1
    );
    assert_eq!(
        api.get(&format!("/api/v1/registry/tech-contracts/{cid}")).await.1["archived"],
        true
    );
    let (st, _) = api
        .post(&format!("/api/v1/registry/tech-contracts/{cid}/restore"), json!({}))
        .await;
    assert_eq!(st, 200);

    // Every write is in the audit log, chained (read by the security auditor).
    let audit = crate::common::audit_log(&s, 100).await;
    let actions: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("create", "platforms"),
        ("update", "tech-contracts"),
        ("archive", "tech-contracts"),
        ("restore", "tech-contracts"),
        ("login", "sessions"),
    ] {
        assert!(
            actions.contains(&(want.0.into(), want.1.into())),
            "{want:?} not audited: {actions:?}"
        );
    }
    let update = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "update")
        .unwrap();
    assert_eq!(update["before"]["fields"]["title"], "谷子新品种技术许可合同");
    assert_eq!(update["after"]["fields"]["title"], "谷子新品种技术许可合同（补充）");
    let verified = s.app.system_access("test").verify_audit().await.unwrap();
    assert!(matches!(verified, Ok((n, _)) if n >= 10), "{verified:?}");
}
on_both!(registry_round_trip);

async fn bad_input_is_named_and_nothing_is_written(s: Server) {
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let api = Api::login(&s.base, "boss", "Passw0rd2025").await;
    let count = || async {
        api.get("/api/v1/registry/organizations?archived=all").await.1["total"]
            .as_i64()
            .unwrap()
    };
    let before = count().await;

    let (st, e) = api
        .post("/api/v1/registry/organizations", json!({"name": "坏代码公司", "credit_code": "91140702MA0K00001A", "org_type": "enterprise", "district_id": b.district, "colour": "red"}))
        .await;
    assert_eq!(st, 422);
    assert_eq!(e["error"]["code"], "validation_failed");
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"credit_code") && fields.contains(&"colour"),
        "{fields:?}"
    );
    assert!(e["error"]["fields"][0]["message_zh"].as_str().unwrap().len() > 3);

    // Duplicate credit code: conflict naming the field.
    let (_, a) = api.get(&format!("/api/v1/registry/organizations/{}", b.org_a)).await;
    let (st, e) = api
        .post("/api/v1/registry/organizations", json!({"name": "另一家公司", "credit_code": a["fields"]["credit_code"], "org_type": "enterprise", "district_id": b.district}))
        .await;
    assert_eq!(st, 409);
    assert_eq!(e["error"]["fields"][0]["field"], "credit_code");

    // A reference to nothing, and a broken cross-field rule.
    let (st, e) = api
        .post(
            "/api/v1/registry/tech-contracts",
            json!({"contract_no": "X1", "title": "t", "contract_type": "service", "seller_org_id": 99999, "buyer_name": "b", "buyer_country": "CN",
                   "signed_on": "2025-01-02", "registered_on": "2025-01-03", "contract_value": "10", "tech_value": "11"}),
        )
        .await;
    assert_eq!(st, 422);
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["tech_value"], "cross-field rule reported first");
    let (st, e) = api
        .post(
            "/api/v1/registry/tech-contracts",
            json!({"contract_no": "X1", "title": "t", "contract_type": "service", "seller_org_id": 99999, "buyer_name": "b", "buyer_country": "CN",
                   "signed_on": "2025-01-02", "registered_on": "2025-01-03", "contract_value": "10", "tech_value": "9"}),
        )
        .await;
    assert_eq!(st, 422);
    assert_eq!(e["error"]["fields"][0]["field"], "seller_org_id");

    // Malformed bodies and parameters.
    let r = api
        .http
        .post(format!("{}/api/v1/registry/organizations", s.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (st, e) = api
        .post("/api/v1/registry/organizations", json!({"name": {"nested": 1}}))
        .await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (422, Some("name")));
    let (st, e) = api.get("/api/v1/registry/organizations?org_type=bank").await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (400, Some("org_type")));
    let (st, e) = api.get("/api/v1/registry/nonsense").await;
    assert_eq!((st, e["error"]["code"].as_str()), (404, Some("not_found")));

    assert_eq!(count().await, before, "no failed request wrote anything");
}
on_both!(bad_input_is_named_and_nothing_is_written);

async fn liaison_sees_and_changes_only_its_own_organization(s: Server) {
    let b = basics(&s.app).await;
    // Direct writes: the scope and the gate's refusals, not the review.
    crate::common::without_review(&s.app).await;
    let sys = s.app.system_access("test");
    let raw = crate::common::raw;
    let plat_b = sys
        .create(
            Kind::Platform,
            &raw(&[
                ("name", "乙公司工程技术研究中心"),
                ("platform_type", "engineering_research_center"),
                ("level", "city"),
                ("host_org_id", &b.org_b.to_string()),
            ]),
        )
        .await
        .unwrap()
        .id;
    sys.create(
        Kind::Platform,
        &raw(&[
            ("name", "甲公司企业技术中心"),
            ("platform_type", "enterprise_tech_center"),
            ("level", "city"),
            ("host_org_id", &b.org_a.to_string()),
        ]),
    )
    .await
    .unwrap();
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let api = Api::login(&s.base, "liaison_a", &pw).await;

    let (st, list) = api.get("/api/v1/registry/platforms").await;
    assert_eq!(st, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["fields"]["name"], "甲公司企业技术中心");
    let (_, orgs) = api.get("/api/v1/registry/organizations?archived=all").await;
    assert_eq!(orgs["total"], 1);
    assert_eq!(orgs["items"][0]["id"], b.org_a);
    // Reference data stays visible.
    assert_eq!(api.get("/api/v1/registry/districts").await.1["total"], 1);

    // Another organization's records: not found, whatever the verb.
    assert_eq!(api.get(&format!("/api/v1/registry/platforms/{plat_b}")).await.0, 404);
    assert_eq!(
        api.get(&format!("/api/v1/registry/organizations/{}", b.org_b)).await.0,
        404
    );
    let body = json!({"name": "改名", "platform_type": "key_lab", "level": "city", "host_org_id": b.org_a});
    assert_eq!(
        api.put(&format!("/api/v1/registry/platforms/{plat_b}"), body).await.0,
        404
    );
    assert_eq!(
        api.post(&format!("/api/v1/registry/platforms/{plat_b}/archive"), json!({}))
            .await
            .0,
        404
    );
    // Nor can it register for, or move a record to, another organization.
    let (st, e) = api
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "冒名平台", "platform_type": "key_lab", "level": "city", "host_org_id": b.org_b}),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "host_org_id");
    let (st, _) = api
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "甲公司重点实验室", "platform_type": "key_lab", "level": "city", "host_org_id": b.org_a}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = api
        .post("/api/v1/registry/organizations", json!({"name": "新公司", "credit_code": valid_code("91140702MA0K00009"), "org_type": "enterprise", "district_id": b.district}))
        .await;
    assert_eq!(st, 403);
    assert_eq!(api.get("/api/v1/users").await.0, 403);
    assert_eq!(api.get("/api/v1/audit").await.0, 403);
    let (_, b_after) = Api::login(
        &s.base,
        &{
            user(&s.app, "boss", Role::Admin, None).await;
            "boss".to_string()
        },
        "Passw0rd2025",
    )
    .await
    .get(&format!("/api/v1/registry/platforms/{plat_b}"))
    .await;
    assert_eq!(
        b_after["fields"]["name"], "乙公司工程技术研究中心",
        "B's platform untouched"
    );
    assert_eq!(b_after["archived"], false);

    // The pages obey the same scope.
    let web = Web::login(&s.base, "liaison_a", &pw).await;
    let (st, html) = web.get("/registry/platforms").await;
    assert_eq!(st, 200);
    assert!(html.contains("甲公司企业技术中心") && !html.contains("乙公司工程技术研究中心"));
    let (st, _) = web.get(&format!("/registry/platforms/{plat_b}")).await;
    assert_eq!(st, 404);
    let (st, _) = web.get(&format!("/registry/platforms/{plat_b}/edit")).await;
    assert_eq!(st, 404);
    let (st, csv) = web.get("/registry/platforms/export.csv").await;
    assert_eq!(st, 200);
    assert!(!csv.contains("乙公司"));
    // Data leaving kean is audited too.
    let log = s.app.system_access("t").audit_page(1, 5).await.unwrap();
    let export = log
        .items
        .iter()
        .find(|e| e.draft.action == "export")
        .expect("export audited");
    assert_eq!(export.draft.actor, "liaison_a");
    assert_eq!(export.draft.after.as_ref().unwrap()["rows"], 2, "its own two platforms");
    let (st, _) = web.get("/system/users").await;
    assert_eq!(st, 403);
    // The reference picker searches inside the same scope.
    let (st, opts) = web.get("/registry/organizations/options?q=%E6%99%8B%E4%B8%AD").await;
    assert_eq!(st, 200);
    assert!(
        opts.contains("晋中甲科技有限公司") && !opts.contains("晋中乙材料有限公司"),
        "{opts}"
    );

    // Read-only roles.
    let rpw = user(&s.app, "researcher_a", Role::Researcher, Some(b.org_a)).await;
    let r = Api::login(&s.base, "researcher_a", &rpw).await;
    assert_eq!(r.get("/api/v1/registry/platforms").await.1["total"], 2);
    assert_eq!(
        r.post(
            "/api/v1/registry/platforms",
            json!({"name": "x", "platform_type": "key_lab", "level": "city", "host_org_id": b.org_a})
        )
        .await
        .0,
        403
    );
}
on_both!(liaison_sees_and_changes_only_its_own_organization);

async fn forms_check_csrf_and_name_fields(s: Server) {
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let web = Web::login(&s.base, "boss", "Passw0rd2025").await;
    let (_, page) = web.get("/registry/organizations/new").await;
    for k in kean_core::Kind::ALL {
        assert!(
            page.contains(&format!("href=\"/registry/{}\"", k.slug())),
            "the menu offers {}",
            k.slug()
        );
    }
    let csrf = crate::common::csrf_of(&page);
    let d = b.district.to_string();
    let code = valid_code("91140727MA0K00004");
    let form = |csrf: &str| {
        vec![
            ("_csrf", csrf.to_string()),
            ("name", "祁县晋通食品有限公司".to_string()),
            ("credit_code", code.clone()),
            ("org_type", "enterprise".into()),
            ("district_id", d.clone()),
            ("tech_sme", "false".into()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let without: Vec<(&str, String)> = as_refs(&form("wrong-token"));
    let without: Vec<(&str, &str)> = without.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, _) = web.post("/registry/organizations", &without).await;
    assert_eq!(st, 403, "a forged form is refused");
    assert_eq!(
        s.app.system_access("t").count(Kind::Organization).await.unwrap(),
        2,
        "and writes nothing"
    );

    let bad = as_refs(&form(&csrf));
    let mut bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let wrong_check = format!("{}{}", &code[..17], if code.ends_with('0') { '1' } else { '0' });
    bad[2].1 = &wrong_check;
    let (st, html, _) = web.post("/registry/organizations", &bad).await;
    assert_eq!(st, 422);
    assert!(html.contains("data-field=\"credit_code\""), "error shown at the field");
    assert!(html.contains("校验位"), "the reason is given");
    assert!(html.contains("祁县晋通食品有限公司"), "input kept");

    let good = as_refs(&form(&csrf));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (st, _, loc) = web.post("/registry/organizations", &good).await;
    assert_eq!(st, 303);
    let loc = loc.unwrap();
    let (st, html) = web.get(&loc).await;
    assert_eq!(st, 200);
    assert!(html.contains("祁县晋通食品有限公司") && html.contains("已保存"));
    let (_, html) = web.get("/registry/organizations?q=%E6%99%8B%E9%80%9A").await;
    assert!(html.contains("祁县晋通食品有限公司"));
    let (_, html) = web.get("/registry/organizations?q=%E4%B8%8D%E5%AD%98%E5%9C%A8").await;
    assert!(!html.contains("祁县晋通食品有限公司"));

    // Logout ends the session.
    let (st, _, _) = web.post("/logout", &[("_csrf", &csrf)]).await;
    assert_eq!(st, 303);
    let (st, _) = web.get("/registry/organizations").await;
    assert_eq!(st, 303, "back to the login page");
}
on_both!(forms_check_csrf_and_name_fields);

async fn repeated_failures_back_off(s: Server) {
    let pw = user(&s.app, "clerk", Role::Reviewer, None).await;
    let http = reqwest::Client::new();
    let try_login = |p: &'static str| {
        let http = http.clone();
        let url = format!("{}/api/v1/auth/token", s.base);
        async move {
            let r = http
                .post(url)
                .json(&json!({"username": "clerk", "password": p}))
                .send()
                .await
                .unwrap();
            let st = r.status().as_u16();
            (st, r.json::<Value>().await.unwrap())
        }
    };
    for _ in 0..3 {
        let (st, e) = try_login("wrong-Passw0rd").await;
        assert_eq!((st, e["error"]["code"].as_str()), (401, Some("unauthenticated")));
    }
    let r = http
        .post(format!("{}/api/v1/auth/token", s.base))
        .json(&json!({"username": "clerk", "password": pw}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "backing off even with the right password");
    let page = s.app.system_access("t").audit_page(1, 50).await.unwrap();
    let actions: Vec<&str> = page.items.iter().map(|e| e.draft.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "login_failed").count(),
        1,
        "the first failure of the address's window; the rest are summed up when it ends"
    );
    // Unknown users are refused the same way, and audited.
    let r = http
        .post(format!("{}/api/v1/auth/token", s.base))
        .json(&json!({"username": "nobody", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Without a token the API answers in JSON.
    let r = http
        .get(format!("{}/api/v1/registry/organizations", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "unauthenticated");
    let doc: Value = http
        .get(format!("{}/api/openapi.json", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/v1/registry/tech-contracts"]["get"].is_object());
}
on_both!(repeated_failures_back_off);

async fn derived_owners_follow_and_archived_records_are_not_referenced(s: Server) {
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let api = Api::login(&s.base, "boss", "Passw0rd2025").await;
    let pa = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let pb = user(&s.app, "liaison_b", Role::Liaison, Some(b.org_b)).await;
    let (_, ach) = api
        .post(
            "/api/v1/registry/achievements",
            json!({"title": "高强韧特钢制备方法", "achievement_type": "invention_patent", "holder_org_id": b.org_a}),
        )
        .await;
    let (st, tr) = api
        .post(
            "/api/v1/registry/transfers",
            json!({"achievement_id": ach["id"], "transfer_mode": "licensing", "counterparty_name": "某公司", "counterparty_country": "CN", "amount": "100", "transferred_on": "2025-05-05"}),
        )
        .await;
    assert_eq!(st, 201, "{tr}");
    let tid = tr["id"].as_i64().unwrap();
    let la = Api::login(&s.base, "liaison_a", &pa).await;
    let lb = Api::login(&s.base, "liaison_b", &pb).await;
    assert_eq!(la.get(&format!("/api/v1/registry/transfers/{tid}")).await.0, 200);
    assert_eq!(lb.get(&format!("/api/v1/registry/transfers/{tid}")).await.0, 404);
    // The achievement changes hands: its transfer goes with it.
    let mut fields = ach["fields"].clone();
    fields["holder_org_id"] = json!(b.org_b);
    assert_eq!(
        api.put(&format!("/api/v1/registry/achievements/{}", ach["id"]), fields)
            .await
            .0,
        200
    );
    assert_eq!(la.get(&format!("/api/v1/registry/transfers/{tid}")).await.0, 404);
    assert_eq!(lb.get(&format!("/api/v1/registry/transfers/{tid}")).await.0, 200);

    // A new reference to an archived organization is refused; an existing one is kept on edit.
    let (_, plat) = api
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "乙平台", "platform_type": "key_lab", "level": "city", "host_org_id": b.org_b}),
        )
        .await;
    assert_eq!(
        api.post(
            &format!("/api/v1/registry/organizations/{}/archive", b.org_b),
            json!({})
        )
        .await
        .0,
        200
    );
    let (st, e) = api
        .post(
            "/api/v1/registry/platforms",
            json!({"name": "新平台", "platform_type": "key_lab", "level": "city", "host_org_id": b.org_b}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("host_org_id")),
        "{e}"
    );
    let mut pf = plat["fields"].clone();
    pf["director"] = json!("张三");
    assert_eq!(
        api.put(&format!("/api/v1/registry/platforms/{}", plat["id"]), pf)
            .await
            .0,
        200
    );

    // Paths that are not ids answer in JSON; a misspelt bookkeeping key is named.
    let (st, e) = api.get("/api/v1/registry/tech-contracts/abc").await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (400, Some("id")));
    let mut pf = plat["fields"].clone();
    pf["_verison"] = json!(1);
    let (st, e) = api.put(&format!("/api/v1/registry/platforms/{}", plat["id"]), pf).await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (422, Some("_verison")));
}
on_both!(derived_owners_follow_and_archived_records_are_not_referenced);

async fn administrators_unlock_disable_and_reset_accounts(s: Server) {
    user(&s.app, "boss", Role::SystemAdmin, None).await;
    let pw = user(&s.app, "clerk", Role::Reviewer, None).await;
    let admin = Api::login(&s.base, "boss", "Passw0rd2025").await;
    let http = reqwest::Client::new();
    let login = |p: String| {
        let (http, url) = (http.clone(), format!("{}/api/v1/auth/token", s.base));
        async move {
            http.post(url)
                .json(&json!({"username": "clerk", "password": p}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for _ in 0..3 {
        assert_eq!(login("nope-0000".into()).await, 401);
    }
    assert_eq!(login(pw.clone()).await, 429, "backing off");
    let (_, users) = admin.get("/api/v1/users").await;
    let clerk = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "clerk")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        admin.post(&format!("/api/v1/users/{clerk}/unlock"), json!({})).await.0,
        200
    );
    assert_eq!(login(pw.clone()).await, 201, "unlocked");
    let clerk_api = Api::login(&s.base, "clerk", &pw).await;
    assert_eq!(
        admin.post(&format!("/api/v1/users/{clerk}/disable"), json!({})).await.0,
        200
    );
    assert_eq!(clerk_api.get("/api/v1/me").await.0, 401, "disabling ends sessions");
    assert_eq!(login(pw.clone()).await, 401);
    assert_eq!(
        admin.post(&format!("/api/v1/users/{clerk}/enable"), json!({})).await.0,
        200
    );
    let (st, e) = admin
        .post(&format!("/api/v1/users/{clerk}/password"), json!({"password": "short"}))
        .await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (422, Some("password")));
    assert_eq!(
        admin
            .post(
                &format!("/api/v1/users/{clerk}/password"),
                json!({"password": "NewPassw0rd9"})
            )
            .await
            .0,
        200
    );
    assert_eq!(login(pw).await, 401);
    // The new password is right, but the holder must replace it first (403
    // password_expired: tests/it/account.rs follows the change through).
    assert_eq!(login("NewPassw0rd9".into()).await, 403);
    // Nobody else may, and an administrator cannot disable itself.
    assert_eq!(
        clerk_api
            .post(&format!("/api/v1/users/{clerk}/unlock"), json!({}))
            .await
            .0,
        401
    );
    let (_, me) = admin.get("/api/v1/me").await;
    assert_eq!(
        admin
            .post(&format!("/api/v1/users/{}/disable", me["id"]), json!({}))
            .await
            .0,
        403
    );
    let log = crate::common::audit_log(&s, 100).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["login_failed", "unlock", "disable", "enable", "password_reset"] {
        assert!(actions.contains(&a), "{a} audited");
    }
}
on_both!(administrators_unlock_disable_and_reset_accounts);

/// Sorting by a reference sorts by the referenced record's name, not its id
/// (SQLite: binary order of the names; PostgreSQL follows its collation).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sorting_by_a_reference_sorts_by_its_name() {
    let s = crate::common::start(crate::common::Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let api = Api::login(&s.base, "boss", "Passw0rd2025").await;
    // org_a (晋中甲…) has the smaller id but the larger name in binary order (甲 U+7532 > 乙 U+4E59).
    for (name, host) in [("平台一", b.org_a), ("平台二", b.org_b)] {
        let (st, _) = api
            .post(
                "/api/v1/registry/platforms",
                json!({"name": name, "platform_type": "key_lab", "level": "city", "host_org_id": host}),
            )
            .await;
        assert_eq!(st, 201);
    }
    let hosts = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["labels"]["host_org_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, asc) = api.get("/api/v1/registry/platforms?sort=host_org_id&order=asc").await;
    assert_eq!(hosts(asc), vec!["晋中乙材料有限公司", "晋中甲科技有限公司"]);
    let (_, desc) = api.get("/api/v1/registry/platforms?sort=host_org_id&order=desc").await;
    assert_eq!(hosts(desc), vec!["晋中甲科技有限公司", "晋中乙材料有限公司"]);
}

/// Two people registering one credit code at the same moment: the database's
/// unique index decides, the one who lost gets a conflict naming the field
/// (never an internal error), and nothing else is written.
async fn concurrent_registrations_of_one_credit_code_conflict(s: Server) {
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let api = std::sync::Arc::new(Api::login(&s.base, "boss", "Passw0rd2025").await);
    // Rounds of eight requests let go at once, each round one credit code.
    const ROUNDS: usize = 4;
    const RACERS: usize = 8;
    for round in 0..ROUNDS {
        let code = valid_code(&format!("91140703MA0K0007{round}"));
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(RACERS));
        let mut tasks = Vec::new();
        for i in 0..RACERS {
            let (api, code, start) = (api.clone(), code.clone(), start.clone());
            let district = b.district;
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                api.post(
                    "/api/v1/registry/organizations",
                    json!({"name": format!("同码竞争公司{round}-{i}"), "credit_code": code, "org_type": "enterprise", "district_id": district}),
                )
                .await
            }));
        }
        let mut created = 0;
        for t in tasks {
            let (st, body) = t.await.expect("task");
            match st {
                201 => created += 1,
                409 => {
                    assert_eq!(body["error"]["code"], "conflict", "{body}");
                    assert_eq!(body["error"]["fields"][0]["field"], "credit_code", "{body}");
                }
                other => panic!("round {round}: status {other}: {body}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
    }
    let (_, list) = api
        .get("/api/v1/registry/organizations?q=%E5%90%8C%E7%A0%81%E7%AB%9E%E4%BA%89")
        .await;
    assert_eq!(list["total"], ROUNDS, "{list}");
    // The audit chain holds the one creation and stays whole.
    let system = s.app.system_access("test");
    let log = system.audit_page(1, 50).await.expect("audit");
    let creations = log
        .items
        .iter()
        .filter(|e| e.draft.action == "create" && e.draft.target == "organizations")
        .count();
    assert_eq!(creations, 2 + ROUNDS, "two from basics, one a round");
    assert!(system.verify_audit().await.expect("verify").is_ok());
}
on_both!(concurrent_registrations_of_one_credit_code_conflict);

/// Pages bookmarked under a name renamed by migration 0013 answer with a
/// permanent redirect to the new URL (a form posted there keeps its method
/// and body); the JSON API has no aliases, and its document only new paths.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_page_urls_redirect_and_the_api_has_one_name() {
    let s = crate::common::start(crate::common::Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    user(&s.app, "boss", Role::Admin, None).await;
    let web = Web::login(&s.base, "boss", "Passw0rd2025").await;
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    for (old, new) in [
        ("/registry/contracts", "/registry/tech-contracts"),
        (
            "/registry/contracts?page=2&q=%E5%90%88%E5%90%8C",
            "/registry/tech-contracts?page=2&q=%E5%90%88%E5%90%8C",
        ),
        ("/registry/researchers/new", "/registry/persons/new"),
        ("/registry/researchers/export.csv", "/registry/persons/export.csv"),
        ("/screening/hits/1", "/screening/results/1"),
        (
            "/screening?status=all&kind=contracts",
            "/screening?status=all&kind=tech-contracts",
        ),
    ] {
        let r = web.http.get(format!("{}{old}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 308, "{old}");
        assert_eq!(location(&r), new, "{old}");
    }
    // A form posted to an old URL is redirected keeping its method.
    let r = web
        .http
        .post(format!("{}/registry/researchers/1/archive", s.base))
        .form(&[("_csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (308, "/registry/persons/1/archive".into())
    );
    // Followed, the new pages answer.
    for new in [
        "/registry/tech-contracts",
        "/registry/persons",
        "/screening?status=all&kind=tech-contracts",
    ] {
        assert_eq!(web.get(new).await.0, 200, "{new}");
    }
    // The API: one name, no aliases.
    let api = Api::login(&s.base, "boss", "Passw0rd2025").await;
    for old in [
        "/api/v1/registry/contracts",
        "/api/v1/registry/researchers",
        "/api/v1/screening/hits",
        &format!("/api/v1/screening/parties/contracts/{}", b.org_a),
    ] {
        let (st, v) = api.get(old).await;
        assert_eq!(st, 404, "{old}: {v}");
    }
    assert_eq!(api.get("/api/v1/registry/tech-contracts").await.0, 200);
    assert_eq!(api.get("/api/v1/registry/persons").await.0, 200);
    assert_eq!(api.get("/api/v1/screening/results").await.0, 200);
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", s.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().any(|p| p.as_str() == "/api/v1/registry/tech-contracts"));
    assert!(paths.iter().any(|p| p.as_str() == "/api/v1/screening/results"));
    let text = doc.to_string();
    for old in ["/contracts", "/researchers", "/hits", "subject"] {
        assert!(!text.contains(old), "the OpenAPI document names {old}");
    }
}

/// Issue 16 item 4: the pager (首页 / 上一页 / 下一页 / 尾页 / 跳至, page
/// size), a page past the end is the last page, and a date the search
/// cannot read is named at its field instead of being ignored.
async fn the_pager_and_the_date_fields_say_what_they_do(s: Server) {
    let b = basics(&s.app).await;
    let pw = crate::common::user(&s.app, "clerk", Role::Reviewer, None).await;
    let sys = s.app.system_access("test");
    for i in 0..12 {
        sys.create(
            Kind::Organization,
            &crate::common::raw(&[
                ("name", &format!("晋中第{i}号科技有限公司")),
                (
                    "credit_code",
                    &crate::common::valid_code(&format!("91140702MA0K1{i:04}")),
                ),
                ("org_type", "enterprise"),
                ("district_id", &b.district.to_string()),
            ]),
        )
        .await
        .unwrap();
    }
    let web = crate::common::Web::login(&s.base, "clerk", &pw).await;
    let (st, page) = web.get("/registry/organizations?page=2&page_size=10").await;
    assert_eq!(st, 200);
    for word in ["首页", "上一页", "下一页", "尾页", "跳至", "共 14 条", "2 / 2"] {
        assert!(page.contains(word), "{word} in the pager");
    }
    assert!(
        !page.contains("id=\"pager-last\""),
        "on the last page there is no 尾页 link"
    );
    let (st, page) = web.get("/registry/organizations?page=1&page_size=10").await;
    assert_eq!(st, 200);
    assert!(page.contains("id=\"pager-last\""), "{page}");
    // Past the end: the last page, not "99 / 2" over nothing.
    let r = web
        .http
        .get(format!("{}/registry/organizations?page=99&page_size=10", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.contains("page=2") && to.contains("page_size=10"), "{to}");
    // A date that cannot be read is an error at its field.
    let (st, page) = web.get("/registry/organizations?established_on_from=2025-13-45").await;
    assert_eq!(st, 200);
    assert!(page.contains("data-field=\"established_on_from\""), "{page}");
    assert!(page.contains("不是有效日期"), "{page}");
    let (_, page) = web
        .get("/registry/organizations?established_on_from=2025-06-01&established_on_to=2025-01-01")
        .await;
    assert!(page.contains("截止日期早于开始日期"), "{page}");
    // The API still refuses such a date outright.
    let api = Api::login(&s.base, "clerk", &pw).await;
    let (st, _) = api
        .get("/api/v1/registry/organizations?established_on_from=2025-13-45")
        .await;
    assert_eq!(st, 400);
}
on_both!(the_pager_and_the_date_fields_say_what_they_do);

/// Issue 16 item 5: empty charts say 暂无数据, count axes are whole
/// numbers, platform levels read 国家级 · 省级 · 市级, and a growth with no
/// base is "—".
async fn the_dashboard_reads_plainly(s: Server) {
    let b = basics(&s.app).await;
    let pw = crate::common::user(&s.app, "viewer", Role::Reviewer, None).await;
    let web = crate::common::Web::login(&s.base, "viewer", &pw).await;
    let (st, page) = web.get("/?from=2025-01-01&to=2025-12-31").await;
    assert_eq!(st, 200);
    assert_eq!(page.matches("chart-panel empty").count(), 5, "every chart is empty");
    assert!(page.contains("暂无数据"));
    let sys = s.app.system_access("test");
    for (name, level) in [
        ("市级甲平台", "city"),
        ("国家级乙平台", "national"),
        ("省级丙平台", "provincial"),
    ] {
        sys.create(
            Kind::Platform,
            &crate::common::raw(&[
                ("name", name),
                ("platform_type", "key_lab"),
                ("level", level),
                ("host_org_id", &b.org_a.to_string()),
            ]),
        )
        .await
        .unwrap();
    }
    let (_, page) = web.get("/?from=2025-01-01&to=2025-12-31").await;
    assert!(page.contains("国家级 1 · 省级 1 · 市级 1"), "levels in their order");
    assert_eq!(
        page.matches("chart-panel empty").count(),
        4,
        "the platforms chart draws"
    );
    assert!(page.contains("minInterval"), "count axes in whole numbers");
    assert!(
        page.contains("同比—") || page.contains("同比 —"),
        "no base, no growth rate"
    );
    assert!(!page.contains("-100.0%"));
}
on_both!(the_dashboard_reads_plainly);

/// 批量归档 and 导出选中: the ticked records of a list are archived each on
/// its own (a liaison's become reports; what cannot be archived is counted,
/// the rest goes on), the list says what happened, and an export of the
/// ticked ids holds exactly those records.
async fn ticked_records_archive_and_export_together(s: Server) {
    let b = basics(&s.app).await;
    let system = s.app.system_access("t");
    let third = system
        .create(
            Kind::Organization,
            &crate::common::raw(&[
                ("name", "晋中第三测试有限公司"),
                ("credit_code", &valid_code("91140702MA0K00003")),
                ("org_type", "enterprise"),
                ("district_id", &b.district.to_string()),
            ]),
        )
        .await
        .unwrap()
        .id;
    let admin_pw = user(&s.app, "batch_admin", Role::Admin, None).await;
    let liaison_pw = user(&s.app, "batch_lia", Role::Liaison, Some(b.org_a)).await;
    let web = Web::login(&s.base, "batch_admin", &admin_pw).await;
    let (st, html) = web.get("/registry/organizations").await;
    assert_eq!(st, 200);
    assert!(html.contains("批量归档") && html.contains("导出选中"), "{html}");
    assert!(
        html.contains(&format!(
            "type=\"checkbox\" class=\"sel\" name=\"sel\" value=\"{third}\""
        )),
        "{html}"
    );
    let csrf = crate::common::csrf_of(&html);

    // Export the ticked: exactly those rows.
    let (st, csv) = web
        .get(&format!(
            "/registry/organizations/export.csv?archived=all&ids={},{third}",
            b.org_b
        ))
        .await;
    assert_eq!(st, 200);
    let lines: Vec<&str> = csv.trim().lines().collect();
    assert_eq!(lines.len(), 3, "a header and the two ticked: {csv}");
    assert!(csv.contains("晋中第三测试有限公司"), "{csv}");
    let (st, _) = web.get("/registry/organizations/export.csv?ids=1,x").await;
    assert_eq!(st, 400, "a bad id list is refused, not ignored");

    // Archive the ticked: two archived, one that does not exist counted.
    let ids = format!("{},{third},999999", b.org_b);
    let (st, _, loc) = web
        .post(
            "/registry/organizations/archive-selected",
            &[("_csrf", &csrf), ("ids", &ids)],
        )
        .await;
    assert_eq!(st, 303);
    let loc = loc.unwrap();
    let (_, html) = web.get(&loc).await;
    assert!(
        html.contains("已归档 2 条记录") && html.contains("1 条未能归档"),
        "{html}"
    );
    for id in [b.org_b, third] {
        assert!(system.get(Kind::Organization, id).await.unwrap().0.archived);
    }
    assert!(!system.get(Kind::Organization, b.org_a).await.unwrap().0.archived);

    // A liaison's batch archive is a report for review.
    let platform = system
        .create(
            Kind::Platform,
            &crate::common::raw(&[
                ("name", "晋中市测试重点实验室"),
                ("platform_type", "key_lab"),
                ("level", "city"),
                ("host_org_id", &b.org_a.to_string()),
                ("industry_chain_id", &b.chain.to_string()),
            ]),
        )
        .await
        .unwrap()
        .id;
    let lia = Web::login(&s.base, "batch_lia", &liaison_pw).await;
    let (_, html) = lia.get("/registry/platforms").await;
    assert!(html.contains("批量归档"), "{html}");
    let csrf = crate::common::csrf_of(&html);
    let (st, _, loc) = lia
        .post(
            "/registry/platforms/archive-selected",
            &[("_csrf", &csrf), ("ids", &platform.to_string())],
        )
        .await;
    assert_eq!(st, 303);
    let (_, html) = lia.get(&loc.unwrap()).await;
    assert!(
        html.contains("1 条归档已提交审核") && !html.contains("已归档 0"),
        "{html}"
    );
    assert!(!system.get(Kind::Platform, platform).await.unwrap().0.archived);
}
on_both!(ticked_records_archive_and_export_together);
