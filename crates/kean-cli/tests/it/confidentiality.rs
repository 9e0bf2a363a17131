//! Confidentiality on every path (issue 12): the access matrix — role ×
//! clearance × need-to-know × level × path — on both databases, the
//! security administrator's acts and their refusals, and the ceiling.

use std::collections::{BTreeSet, HashMap};

use kean_core::confidentiality::{Classification, may_read};
use kean_core::{Kind, Role};
use serde_json::{Value, json};

use crate::common::{Api, Server, basics, user};

const LEVELS: [Classification; 4] = [
    Classification::Public,
    Classification::Internal,
    Classification::Confidential,
    Classification::Secret,
];

/// The word every test title carries, so that one keyword finds them all.
const MARK: &str = "标记";

fn title(level: Classification) -> String {
    format!("{MARK}成果{}号", level.code())
}

fn control(level: Classification) -> Vec<(&'static str, String)> {
    let mut v = vec![("classification", level.code().to_string())];
    if level.is_classified() {
        v.push(("classified_by", "定密责任人甲".into()));
        v.push(("classification_basis", "保密事项范围第1条".into()));
    }
    v
}

fn pairs(p: &[(&'static str, String)]) -> std::collections::BTreeMap<String, String> {
    p.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// Ids found in a listing.
fn ids(list: &Value) -> BTreeSet<i64> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a listing: {list}"))
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect()
}

/// One account of the matrix.
struct Account {
    name: String,
    role: Role,
    org: Option<i64>,
    clearance: Classification,
    on_list: bool,
    api: Api,
    access: kean_app::Access,
}

async fn account(
    s: &Server,
    name: &str,
    role: Role,
    org: Option<i64>,
    clearance: Classification,
    on_list: bool,
) -> Account {
    let pw = user(&s.app, name, role, org).await;
    let sys = s.app.system_access("test");
    let id = sys.user_named(name).await.expect("user").id;
    sys.set_clearance(id, clearance.code()).await.expect("clearance");
    let ok = s
        .app
        .login(
            name,
            &pw,
            kean_app::SessionKind::Api,
            std::net::Ipv4Addr::LOCALHOST.into(),
        )
        .await
        .expect("login");
    let access = s
        .app
        .authenticate(&ok.token, kean_app::SessionKind::Api)
        .await
        .expect("authenticate")
        .0;
    Account {
        name: name.into(),
        role,
        org,
        clearance,
        on_list,
        api: Api {
            base: s.base.clone(),
            token: ok.token,
            http: reqwest::Client::new(),
        },
        access,
    }
}

async fn access_matrix(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    // Content up to 机密 may be held here, so every level has content.
    sys.set_ceiling("secret").await.expect("ceiling");
    let org = b.org_a.to_string();

    // A restricted list whose one entry every transfer below is made with.
    let lists = sys
        .import_list(
            "watch.csv",
            b"id,name,aliases,type,country,identifiers\nW4,Acme Drone Systems Inc.,,organization,US,\n",
            Some("watch"),
        )
        .await;
    assert!(lists.is_ok(), "{:?}", lists.err());

    // Per level: an achievement, a contract (its value 10^i yuan, so a sum
    // tells which were counted) and a transfer of the achievement.
    let mut records: Vec<(Kind, i64, Classification)> = Vec::new();
    let mut contract_no = HashMap::new();
    for (i, level) in LEVELS.into_iter().enumerate() {
        let mut a = vec![
            ("title", title(level)),
            ("achievement_type", "invention_patent".into()),
            ("holder_org_id", org.clone()),
        ];
        a.extend(control(level));
        let ach = sys.create(Kind::Achievement, &pairs(&a)).await.expect("achievement").id;
        records.push((Kind::Achievement, ach, level));
        let no = format!("2025140700{i:06}");
        let mut c = vec![
            ("contract_no", no.clone()),
            ("title", format!("{MARK}合同{}号", level.code())),
            ("contract_type", "development".into()),
            ("seller_org_id", org.clone()),
            ("buyer_name", "太原某公司".into()),
            ("buyer_country", "CN".into()),
            ("signed_on", "2025-03-01".into()),
            ("registered_on", "2025-03-05".into()),
            ("contract_value", 10i64.pow(i as u32).to_string()),
            ("tech_value", "1".into()),
            ("achievement_id", ach.to_string()),
        ];
        c.extend(control(level));
        let con = sys.create(Kind::TechContract, &pairs(&c)).await.expect("contract").id;
        records.push((Kind::TechContract, con, level));
        contract_no.insert(con, no);
        let mut t = vec![
            ("achievement_id", ach.to_string()),
            ("transfer_mode", "licensing".into()),
            ("counterparty_name", "Acme Drone Systems Inc.".into()),
            ("counterparty_country", "US".into()),
            ("amount", "100".into()),
            ("transferred_on", "2025-04-01".into()),
        ];
        t.extend(control(level));
        let tr = sys.create(Kind::Transfer, &pairs(&t)).await.expect("transfer").id;
        records.push((Kind::Transfer, tr, level));
    }

    // The matrix's accounts: roles that read all organizations or one,
    // every clearance, on every need-to-know list or on none; and one
    // liaison of another organization.
    let mut accounts = Vec::new();
    // The security auditors read only the audit log (三员分立); they are
    // checked on it below.
    for (role, org) in [
        (Role::Reviewer, None),
        (Role::Liaison, Some(b.org_a)),
        (Role::Admin, None),
        (Role::Auditor, None),
    ] {
        for clearance in LEVELS {
            for on_list in [false, true] {
                let name = format!("{}_{}_{}", role.code(), clearance.code(), on_list as u8);
                accounts.push(account(&s, &name, role, org, clearance, on_list).await);
            }
        }
    }
    accounts.push(
        account(
            &s,
            "liaison_b",
            Role::Liaison,
            Some(b.org_b),
            Classification::Secret,
            true,
        )
        .await,
    );
    for a in accounts.iter().filter(|a| a.on_list) {
        for (kind, id, level) in &records {
            if *level > Classification::Internal && a.clearance >= *level {
                assert!(
                    sys.set_need_to_know(*kind, *id, &a.name, true)
                        .await
                        .expect("need-to-know"),
                    "{} on {kind:?} {id}",
                    a.name
                );
            }
        }
    }

    for a in accounts.iter().filter(|a| a.role != Role::Auditor) {
        let in_org = a.org.is_none_or(|o| o == b.org_a);
        let sees = |level: Classification| in_org && may_read(a.clearance, level, a.on_list);
        let who = format!("{} ({:?} {:?} list={})", a.name, a.role, a.clearance, a.on_list);
        for kind in [Kind::Achievement, Kind::TechContract, Kind::Transfer] {
            let slug = kind.slug();
            let expected: BTreeSet<i64> = records
                .iter()
                .filter(|(k, _, l)| *k == kind && sees(*l))
                .map(|(_, id, _)| *id)
                .collect();
            // List, count, keyword search, filter, sort.
            let (st, list) = a.api.get(&format!("/api/v1/registry/{slug}?page_size=100")).await;
            assert_eq!(st, 200, "{who} {list}");
            assert_eq!(ids(&list), expected, "{who}: list of {slug}");
            assert_eq!(list["total"], expected.len(), "{who}: count of {slug}");
            if kind != Kind::Transfer {
                let (_, found) = a.api.get(&format!("/api/v1/registry/{slug}?q={MARK}")).await;
                assert_eq!(ids(&found), expected, "{who}: keyword search in {slug}");
            }
            for level in LEVELS {
                let (st, filtered) = a
                    .api
                    .get(&format!("/api/v1/registry/{slug}?classification={}", level.code()))
                    .await;
                assert_eq!(st, 200, "{who} {filtered}");
                let want: BTreeSet<i64> = records
                    .iter()
                    .filter(|(k, _, l)| *k == kind && *l == level && sees(*l))
                    .map(|(_, id, _)| *id)
                    .collect();
                assert_eq!(ids(&filtered), want, "{who}: {slug} filtered by {level:?}");
                assert_eq!(filtered["total"], want.len(), "{who}: filtered count");
            }
            let (_, sorted) = a
                .api
                .get(&format!(
                    "/api/v1/registry/{slug}?sort={}&order=asc",
                    kind.label_field()
                ))
                .await;
            assert_eq!(ids(&sorted), expected, "{who}: {slug} sorted");
            // Detail, one by one: found or not found alike for any reason.
            for (k, id, level) in records.iter().filter(|(k, _, _)| *k == kind) {
                let (st, body) = a.api.get(&format!("/api/v1/registry/{slug}/{id}")).await;
                if sees(*level) {
                    assert_eq!(st, 200, "{who}: {k:?} {id} at {level:?}: {body}");
                } else {
                    assert_eq!(st, 404, "{who}: {k:?} {id} at {level:?}: {body}");
                    assert!(!body.to_string().contains(MARK), "{who}: {body}");
                }
            }
            // Pickers and exports go through the same gate.
            let options: BTreeSet<i64> = a
                .access
                .options(kind, 100)
                .await
                .expect("options")
                .into_iter()
                .map(|(id, _)| id)
                .collect();
            assert_eq!(options, expected, "{who}: options of {slug}");
            {
                let export = a
                    .access
                    .export(kind, &kean_app::ListQuery::default(), "csv", "")
                    .await
                    .expect("export");
                let exported: BTreeSet<i64> = export.records.iter().map(|r| r.id).collect();
                assert_eq!(exported, expected, "{who}: export of {slug}");
            }
        }
        // Labels: a visible transfer names its achievement; nothing names a
        // withheld one but "（涉密）".
        let (_, transfers) = a.api.get("/api/v1/registry/transfers?page_size=100").await;
        for t in transfers["items"].as_array().unwrap() {
            let label = t["labels"]["achievement_id"].as_str().unwrap_or_default();
            assert!(
                label.starts_with(MARK),
                "{who}: a transfer's own achievement is visible: {t}"
            );
        }
        // Aggregates: the dashboard's contract value sums what is visible.
        let (st, d) = a
            .api
            .get("/api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31")
            .await;
        assert_eq!(st, 200, "{who} {d}");
        let want: i64 = records
            .iter()
            .filter(|(k, _, l)| *k == Kind::TechContract && sees(*l))
            .map(|(_, _, l)| 10i64.pow(LEVELS.iter().position(|x| x == l).unwrap() as u32))
            .sum();
        assert_eq!(
            d["tech_contracts"]["contract_value"],
            format!("{want}.00"),
            "{who}: dashboard contract value"
        );
        assert_eq!(
            d["tech_contracts"]["count"],
            records
                .iter()
                .filter(|(k, _, l)| *k == Kind::TechContract && sees(*l))
                .count(),
            "{who}: dashboard contract count"
        );
        // Screening results name parties of visible records only.
        if a.role != Role::Liaison {
            let (st, results) = a.api.get("/api/v1/screening/results?kind=transfers&status=all").await;
            assert_eq!(st, 200, "{who} {results}");
            let parties: BTreeSet<i64> = results["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["party"]["id"].as_i64().expect("party id"))
                .collect();
            let want: BTreeSet<i64> = records
                .iter()
                .filter(|(k, _, l)| *k == Kind::Transfer && sees(*l))
                .map(|(_, id, _)| *id)
                .collect();
            assert_eq!(parties, want, "{who}: screening results");
            assert_eq!(results["total"], want.len(), "{who}: screening result count");
        }
        // A unique value held by a withheld record: taken, and nothing of it told.
        {
            for (k, id, level) in records.iter().filter(|(k, _, _)| *k == Kind::TechContract) {
                if sees(*level) || a.org.is_some_and(|o| o != b.org_a) {
                    continue;
                }
                let (st, body) = a
                    .api
                    .post(
                        "/api/v1/registry/tech-contracts",
                        json!({ "contract_no": contract_no[id], "title": "新合同", "contract_type": "service",
                            "seller_org_id": org, "buyer_name": "某公司", "buyer_country": "CN",
                            "signed_on": "2025-05-01", "registered_on": "2025-05-02",
                            "contract_value": "5", "tech_value": "1" }),
                    )
                    .await;
                assert_eq!(st, 409, "{who}: {k:?} {id}: {body}");
                let text = body.to_string();
                assert!(!text.contains(MARK) && !text.contains(&id.to_string()), "{who}: {text}");
            }
        }
    }

    // The audit view: an auditor sees that events on withheld records
    // happened, not their values.
    for a in accounts.iter().filter(|a| a.role == Role::Auditor) {
        let (st, _) = a.api.get("/api/v1/registry/achievements").await;
        assert_eq!(st, 403, "the security auditor reads no business records");
        let (st, log) = a.api.get("/api/v1/audit?page_size=1000").await;
        assert_eq!(st, 200, "{log}");
        for e in log["items"].as_array().unwrap() {
            let Some(id) = e["record_id"].as_i64() else { continue };
            let Some(kind) = Kind::from_slug(e["target"].as_str().unwrap_or_default()) else {
                continue;
            };
            let Some((_, _, level)) = records.iter().find(|(k, i, _)| *k == kind && *i == id) else {
                continue;
            };
            let shown = e["after"].to_string() + &e["before"].to_string();
            // Who read or was listed is shown whole: it holds no values.
            let metadata = ["read", "read_refused", "need_to_know_add", "need_to_know_remove"]
                .contains(&e["action"].as_str().unwrap_or_default());
            if metadata {
                assert!(!shown.contains(MARK) && !shown.contains("withheld"), "{}: {e}", a.name);
            } else if may_read(a.clearance, *level, a.on_list) {
                assert!(!shown.contains("withheld"), "{}: {e}", a.name);
            } else {
                assert!(!shown.contains(MARK), "{}: {e}", a.name);
                assert!(shown.contains("withheld"), "{}: {e}", a.name);
            }
        }
    }
}
crate::on_both!(access_matrix);

/// A visible record pointing at one the reader may not see names it
/// "（涉密）", links nothing, and sorting by it shows nothing of its title.
async fn a_withheld_reference_is_named_classified(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    sys.set_ceiling("secret").await.expect("ceiling");
    let org = b.org_a.to_string();
    let mut achievements = Vec::new();
    for t in ["甲秘密成果", "乙秘密成果"] {
        let mut a = vec![
            ("title", t.to_string()),
            ("achievement_type", "invention_patent".into()),
            ("holder_org_id", org.clone()),
        ];
        a.extend(control(Classification::Confidential));
        achievements.push(sys.create(Kind::Achievement, &pairs(&a)).await.expect("achievement").id);
    }
    let pw = user(&s.app, "reader", Role::Reviewer, None).await;
    let reader_id = sys.user_named("reader").await.expect("user").id;
    sys.set_clearance(reader_id, "confidential").await.expect("clearance");
    let mut transfers = Vec::new();
    for (i, ach) in achievements.iter().enumerate() {
        let mut t = vec![
            ("achievement_id", ach.to_string()),
            ("transfer_mode", "licensing".into()),
            ("counterparty_name", format!("受让方{i}")),
            ("counterparty_country", "CN".into()),
            ("amount", "100".into()),
            ("transferred_on", "2025-04-01".into()),
        ];
        t.extend(control(Classification::Confidential));
        let id = sys.create(Kind::Transfer, &pairs(&t)).await.expect("transfer").id;
        // The reader knows the transfers, not the achievements.
        sys.set_need_to_know(Kind::Transfer, id, "reader", true)
            .await
            .expect("need-to-know");
        transfers.push(id);
    }
    let api = Api::login(&s.base, "reader", &pw).await;
    let (_, list) = api
        .get("/api/v1/registry/transfers?sort=achievement_id&order=desc")
        .await;
    assert_eq!(ids(&list), transfers.iter().copied().collect(), "{list}");
    for t in list["items"].as_array().unwrap() {
        assert_eq!(t["labels"]["achievement_id"], "（涉密）", "{t}");
    }
    // Sorted by the withheld titles both ways, the order is the same
    // (the default's): the titles do not show through.
    let (_, asc) = api
        .get("/api/v1/registry/transfers?sort=achievement_id&order=asc")
        .await;
    let order = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        order(&asc),
        order(&list),
        "sorting by a withheld title must not order by it"
    );
    let web = crate::common::Web::login(&s.base, "reader", &pw).await;
    let (st, html) = web.get(&format!("/registry/transfers/{}", transfers[0])).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("（涉密）"),
        "the detail page names the reference as classified"
    );
    assert!(!html.contains("甲秘密成果") && !html.contains(&format!("/registry/achievements/{}\"", achievements[0])));
}
crate::on_both!(a_withheld_reference_is_named_classified);

/// The security administrator's acts, and what is refused with a clear
/// error and nothing written.
async fn clearances_need_to_know_and_the_ceiling_are_the_security_administrators(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec", Role::SecurityAdmin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let researcher_pw = user(&s.app, "res", Role::Researcher, Some(b.org_a)).await;
    let admin = Api::login(&s.base, "sec", &admin_pw).await;
    let reviewer = Api::login(&s.base, "rev", &reviewer_pw).await;
    let org = b.org_a.to_string();

    // Default ceiling 内部: a 秘密 record holds its control record only.
    let (st, c) = reviewer.get("/api/v1/settings/ceiling").await;
    assert_eq!((st, c["level"].as_str()), (200, Some("internal")));
    let (st, e) = reviewer
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "秘密成果", "holder_org_id": org, "achievement_type": "invention_patent",
                "description": "核心参数", "classification": "confidential",
                "classified_by": "甲", "classification_basis": "乙" }),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    let fields: BTreeSet<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, BTreeSet::from(["achievement_type", "description"]), "{e}");
    // Without content it is accepted, dated today, with the level's term,
    // and its creator is on its need-to-know list.
    let (st, r) = reviewer
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "秘密成果", "holder_org_id": org, "classification": "秘密",
                "classified_by": "甲", "classification_basis": "乙" }),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["fields"]["secrecy_term"], "10");
    assert_eq!(r["fields"]["classification"], "confidential");
    // The creator is on the list but cleared only to 内部: not shown.
    let (st, _) = reviewer.get(&format!("/api/v1/registry/achievements/{id}")).await;
    assert_eq!(st, 404, "the list never stands in for a clearance");
    // 绝密, a term past the level's longest, details without a level: refused.
    for (body, field) in [
        (
            json!({ "title": "X", "holder_org_id": org, "classification": "top_secret", "classified_by": "甲", "classification_basis": "乙" }),
            "classification",
        ),
        (
            json!({ "title": "Y", "holder_org_id": org, "classification": "confidential", "classified_by": "甲", "classification_basis": "乙", "secrecy_term": "20" }),
            "secrecy_term",
        ),
        (
            json!({ "title": "Z", "holder_org_id": org, "classification": "confidential" }),
            "classified_by",
        ),
        (
            json!({ "title": "W", "holder_org_id": org, "achievement_type": "software", "classification_basis": "乙" }),
            "classification_basis",
        ),
    ] {
        let (st, e) = reviewer.post("/api/v1/registry/achievements", body.clone()).await;
        assert_eq!(st, 422, "{body} {e}");
        assert!(
            e["error"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == field),
            "{body}: {e}"
        );
    }
    // An edit cannot change the level.
    let (_, public) = reviewer
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "公开成果", "holder_org_id": org, "achievement_type": "software" }),
        )
        .await;
    let pid = public["id"].as_i64().unwrap();
    let (st, e) = reviewer
        .put(
            &format!("/api/v1/registry/achievements/{pid}"),
            json!({ "title": "公开成果", "holder_org_id": org, "achievement_type": "software", "classification": "internal" }),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "classification");

    // Clearance and need-to-know: the security administrator's, not the reviewer's.
    let res_id = s.app.system_access("t").user_named("res").await.unwrap().id;
    let (st, _) = reviewer
        .put(
            &format!("/api/v1/users/{res_id}/clearance"),
            json!({ "level": "secret" }),
        )
        .await;
    assert_eq!(st, 403);
    let (st, _) = reviewer
        .post(
            &format!("/api/v1/registry/achievements/{id}/need-to-know"),
            json!({ "username": "res" }),
        )
        .await;
    assert_eq!(st, 403);
    let (st, _) = reviewer
        .put("/api/v1/settings/ceiling", json!({ "level": "secret" }))
        .await;
    assert_eq!(st, 403);
    // Below the record's level the list is refused, naming why.
    let (st, e) = admin
        .post(
            &format!("/api/v1/registry/achievements/{id}/need-to-know"),
            json!({ "username": "res" }),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("涉密等级"), "{e}");
    let (st, e) = admin
        .put(
            &format!("/api/v1/users/{res_id}/clearance"),
            json!({ "level": "very secret" }),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    let (st, u) = admin
        .put(
            &format!("/api/v1/users/{res_id}/clearance"),
            json!({ "level": "confidential" }),
        )
        .await;
    assert_eq!((st, u["clearance"].as_str()), (200, Some("confidential")), "{u}");
    let researcher = Api::login(&s.base, "res", &researcher_pw).await;
    let (st, _) = researcher.get(&format!("/api/v1/registry/achievements/{id}")).await;
    assert_eq!(st, 404, "cleared but not on the list");
    let (st, l) = admin
        .post(
            &format!("/api/v1/registry/achievements/{id}/need-to-know"),
            json!({ "username": "res" }),
        )
        .await;
    assert_eq!(st, 201, "{l}");
    let (st, seen) = researcher.get(&format!("/api/v1/registry/achievements/{id}")).await;
    assert_eq!((st, seen["fields"]["title"].as_str()), (200, Some("秘密成果")));
    let st = admin
        .http
        .delete(format!("{}/api/v1/registry/achievements/{id}/need-to-know/res", s.base))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("delete")
        .status()
        .as_u16();
    assert_eq!(st, 200);
    let (st, _) = researcher.get(&format!("/api/v1/registry/achievements/{id}")).await;
    assert_eq!(st, 404, "off the list again");
    // The ceiling: at most 机密; raised, content is accepted at that level.
    let (st, e) = admin
        .put("/api/v1/settings/ceiling", json!({ "level": "top_secret" }))
        .await;
    assert_eq!(st, 422, "{e}");
    let (st, _) = admin
        .put("/api/v1/settings/ceiling", json!({ "level": "confidential" }))
        .await;
    assert_eq!(st, 200);
    let (st, r) = reviewer
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "秘密成果二", "holder_org_id": org, "achievement_type": "invention_patent",
                "description": "核心参数", "classification": "confidential",
                "classified_by": "甲", "classification_basis": "乙" }),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    // Every act is in the audit log.
    let log = crate::common::audit_log(&s, 500).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "set_clearance",
        "need_to_know_add",
        "need_to_know_remove",
        "set_setting",
    ] {
        assert!(actions.contains(&a), "{a} audited: {actions:?}");
    }
    // Reads of the 秘密 record are audited — allowed and refused alike —
    // with the reader's role and address; reads of public records are not.
    let reads: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "res" && e["action"].as_str().is_some_and(|a| a.starts_with("read")))
        .collect();
    let of = |action: &str| reads.iter().filter(|e| e["action"] == action).count();
    // Refused before it was on the list and after it left; read between.
    assert_eq!((of("read"), of("read_refused")), (1, 2), "{reads:?}");
    for e in &reads {
        assert_eq!(e["record_id"], id, "{e}");
        assert_eq!(e["after"]["role"], "researcher", "{e}");
        assert_eq!(e["after"]["source"], "127.0.0.1", "{e}");
    }
    assert!(
        !log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "read" && e["record_id"] == pid),
        "a public record's read is not audited"
    );
}
crate::on_both!(clearances_need_to_know_and_the_ceiling_are_the_security_administrators);

/// 变更密级 / 解密: proposed with reasons, approved by the security
/// administrator and never by the proposer, applied at once and audited;
/// refused where it would put content above the ceiling.
async fn a_change_of_level_is_proposed_then_approved_by_another(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let org = b.org_a.to_string();
    let rev_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let rev_id = sys.user_named("rev").await.unwrap().id;
    sys.set_clearance(rev_id, "secret").await.unwrap();
    let sec_pw = user(&s.app, "sec", Role::SecurityAdmin, None).await;
    let reviewer = Api::login(&s.base, "rev", &rev_pw).await;
    let sec = Api::login(&s.base, "sec", &sec_pw).await;

    // A 秘密 control record the reviewer registered (and so knows).
    let (st, r) = reviewer
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "待解密成果", "holder_org_id": org, "classification": "confidential",
                "classified_by": "甲", "classification_basis": "乙" }),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let id = r["id"].as_i64().unwrap();
    let path = format!("/api/v1/registry/achievements/{id}/level-changes");
    // Bad proposals: the same level, 绝密, no reasons.
    for (body, field) in [
        (json!({ "to": "confidential", "reasons": "保密期限届满" }), "to"),
        (json!({ "to": "top_secret", "reasons": "保密期限届满" }), "to"),
        (json!({ "to": "public", "reasons": "" }), "reasons"),
    ] {
        let (st, e) = reviewer.post(&path, body.clone()).await;
        assert_eq!(st, 422, "{body}: {e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
    }
    // Only who may change the record proposes.
    let (st, _) = sec
        .post(
            &path,
            json!({ "to": "public", "reasons": "保密期限届满，经评估可以公开" }),
        )
        .await;
    assert_eq!(st, 403);
    let (st, c) = reviewer
        .post(
            &path,
            json!({ "to": "public", "reasons": "保密期限届满，经评估可以公开" }),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let change = c["id"].as_i64().unwrap();
    assert_eq!(
        (c["from"].as_str(), c["to"].as_str(), c["state"].as_str()),
        (Some("confidential"), Some("public"), Some("proposed"))
    );
    // Nothing changed yet; the proposer cannot decide (nor may a reviewer).
    let (_, rec) = reviewer.get(&format!("/api/v1/registry/achievements/{id}")).await;
    assert_eq!(rec["fields"]["classification"], "confidential");
    let (st, _) = reviewer
        .post(
            &format!("/api/v1/level-changes/{change}/decision"),
            json!({ "approve": true }),
        )
        .await;
    assert_eq!(st, 403);
    let (_, pending) = sec.get("/api/v1/level-changes").await;
    assert_eq!(ids(&pending), BTreeSet::from([change]), "{pending}");
    let (st, d) = sec
        .post(
            &format!("/api/v1/level-changes/{change}/decision"),
            json!({ "approve": true, "note": "同意解密" }),
        )
        .await;
    assert_eq!((st, d["state"].as_str()), (200, Some("approved")), "{d}");
    // Applied: public, without control details, visible to anyone in scope.
    let (_, rec) = reviewer.get(&format!("/api/v1/registry/achievements/{id}")).await;
    assert_eq!(rec["fields"]["classification"], "public", "{rec}");
    for f in ["classified_by", "classification_basis", "classified_on", "secrecy_term"] {
        assert!(rec["fields"][f].is_null(), "{f}: {rec}");
    }
    let (st, again) = sec
        .post(
            &format!("/api/v1/level-changes/{change}/decision"),
            json!({ "approve": false }),
        )
        .await;
    assert_eq!(st, 409, "decided once: {again}");
    // Raising a record with content above the ceiling is refused; the
    // record stays as it was.
    let (_, with_content) = reviewer
        .post(
            "/api/v1/registry/achievements",
            json!({ "title": "有内容的成果", "holder_org_id": org, "achievement_type": "software", "description": "细节" }),
        )
        .await;
    let cid = with_content["id"].as_i64().unwrap();
    let (_, up) = reviewer
        .post(
            &format!("/api/v1/registry/achievements/{cid}/level-changes"),
            json!({ "to": "secret", "reasons": "涉及国防应用，应当定密" }),
        )
        .await;
    let (st, e) = sec
        .post(
            &format!("/api/v1/level-changes/{}/decision", up["id"]),
            json!({ "approve": true }),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert!(e["error"]["message_zh"].as_str().unwrap().contains("定密上限"), "{e}");
    let (_, still) = reviewer.get(&format!("/api/v1/registry/achievements/{cid}")).await;
    assert_eq!(still["fields"]["classification"], "public");
    // The history is in the audit log.
    let log = crate::common::audit_log(&s, 200).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["record_id"] == id)
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in ["create", "level_change_proposed", "update", "level_change_approved"] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
}
crate::on_both!(a_change_of_level_is_proposed_then_approved_by_another);

/// An import applies the rules of a form: a transfer of an internal
/// achievement is internal when the file leaves its level empty, and a
/// lower level is refused, naming the row — nothing written.
async fn an_import_is_classified_at_least_as_what_it_refers_to(s: Server) {
    use kean_app::{ImportOutcome, ImportRow, ImportSource};
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let org = b.org_a.to_string();
    let ach = sys
        .create(
            Kind::Achievement,
            &pairs(&[
                ("title", "内部成果".into()),
                ("achievement_type", "software".into()),
                ("holder_org_id", org.clone()),
                ("classification", "internal".into()),
            ]),
        )
        .await
        .unwrap()
        .id;
    let row = |line: usize, level: &str| ImportRow {
        line,
        values: [
            ("achievement_id", format!("#{ach}")),
            ("transfer_mode", "licensing".into()),
            ("counterparty_name", format!("受让方{line}")),
            ("counterparty_country", "CN".into()),
            ("amount", "100".into()),
            ("transferred_on", "2025-04-01".into()),
            ("classification", level.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
    };
    let source = |hash: &str| ImportSource {
        file_name: "t.csv".into(),
        content_hash: hash.into(),
        force: false,
        dry_run: false,
        progress: None,
    };
    match sys
        .import(Kind::Transfer, &[row(2, ""), row(3, "public")], &source("a"))
        .await
        .unwrap()
    {
        ImportOutcome::Rejected { errors } => {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "classification"));
            assert!(errors[0].message_zh.contains("不得低于"), "{errors:?}");
        }
        other => panic!("{other:?}"),
    }
    let listed = sys.list(Kind::Transfer, &kean_app::ListQuery::default()).await.unwrap();
    assert_eq!(listed.page.total, 0, "nothing written");
    match sys.import(Kind::Transfer, &[row(2, "")], &source("b")).await.unwrap() {
        ImportOutcome::Imported { ids, .. } => {
            let (rec, _) = sys.get(Kind::Transfer, ids[0]).await.unwrap();
            assert_eq!(rec.fields.classification(), Classification::Internal);
        }
        other => panic!("{other:?}"),
    }
}
crate::on_both!(an_import_is_classified_at_least_as_what_it_refers_to);
