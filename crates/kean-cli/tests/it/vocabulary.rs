//! The bureau's own screening vocabulary (issue 13, item 1): versioned in
//! the database, changed by the bureau administrator from the page or the
//! API, audited, merged with kean's by the engine, and followed by the
//! screening of every party again.

use crate::common::{Api, Server, Web, basics, csrf_of, raw, user, valid_code};
use crate::screening::{import_list, party, with_status};
use kean_core::{Kind, Role};
use serde_json::{Value, json};

/// A brand whose English is a translation the shipped vocabulary lacks
/// (蓝鳍 is read as "lanqi" until the bureau says it is "bluefin").
const LIST: &str = "id,name,aliases,type,country,identifiers\n\
B1,Bluefin Aviation Technology Co. Ltd.,,organization,CN,\n";

/// Screens what the vocabulary change left in the outbox, as the worker
/// started by the change (or any process's follow-up worker) does.
/// The change's own background run may hold part of the work: wait until
/// the outbox is empty.
async fn follow_up(s: &Server) {
    use kean_store::WorkStore;
    let before = kean_core::format_ts(s.app.now() + chrono::Duration::seconds(2));
    s.app.run_pending_work(&before).await.expect("follow-up work");
    let store = kean_store::SqlStore::connect(&s.url).await.expect("store");
    for _ in 0..300 {
        if store.pending_work_count().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(store.pending_work_count().await.unwrap(), 0, "the outbox is empty");
    store.close().await;
}

async fn change(api: &Api, body: Value) -> (u16, Value) {
    api.post("/api/v1/screening/vocabulary/changes", body).await
}

async fn vocabulary_changed_from_the_api(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let liaison_pw = user(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;
    let admin = Api::login(&s.base, "sec_admin", &admin_pw).await;
    let reviewer = Api::login(&s.base, "rev", &reviewer_pw).await;
    let liaison = Api::login(&s.base, "lia", &liaison_pw).await;
    let (st, v) = import_list(&admin, "watch.csv", LIST).await;
    assert_eq!(st, 201, "{v}");
    let org = s
        .app
        .system_access("test")
        .create(
            Kind::Organization,
            &raw(&[
                ("name", "蓝鳍航空科技有限公司"),
                ("credit_code", &valid_code("91140702MA0K00077")),
                ("org_type", "enterprise"),
                ("district_id", &b.district.to_string()),
            ]),
        )
        .await
        .unwrap()
        .id;
    let p = party(&reviewer, "organizations", org).await;
    assert!(p["results"].as_array().unwrap().is_empty(), "not found yet: {p}");
    let (_, lists) = reviewer.get("/api/v1/screening/lists").await;
    assert_eq!(lists["items"][0]["coverage"]["through_translation"], 0, "{lists}");

    // Only the bureau administrator changes it; bad entries are refused, naming what is wrong.
    let add = json!({"action": "add", "word": "蓝鳍", "english": "bluefin", "note": "品牌意译"});
    let (st, _) = change(&reviewer, add.clone()).await;
    assert_eq!(st, 403);
    let (st, _) = change(&liaison, add.clone()).await;
    assert_eq!(st, 403);
    for (body, field, says) in [
        (
            json!({"action": "add", "word": "蓝鳍", "english": "Bluefin"}),
            "english",
            "bluefin",
        ),
        (
            json!({"action": "add", "word": "Blue鳍", "english": "bluefin"}),
            "word",
            "B",
        ),
        (
            json!({"action": "add", "word": "", "english": "bluefin"}),
            "word",
            "中文词语",
        ),
        (
            json!({"action": "add", "word": "蓝鳍", "english": ""}),
            "english",
            "英文",
        ),
        (
            json!({"action": "add", "word": "蓝鳍", "english": "@inc"}),
            "english",
            "@inc",
        ),
        (
            json!({"action": "add", "word": "蓝鳍", "english": "blue-fin"}),
            "english",
            "blue-fin",
        ),
        (
            json!({"action": "rename", "word": "蓝鳍", "english": "bluefin"}),
            "action",
            "rename",
        ),
    ] {
        let (st, v) = change(&admin, body.clone()).await;
        assert_eq!(st, 422, "{body} {v}");
        assert_eq!(v["error"]["fields"][0]["field"], field, "{body} {v}");
        assert!(v["error"]["message_zh"].as_str().unwrap().contains(says), "{body} {v}");
    }
    let (_, voc) = reviewer.get("/api/v1/screening/vocabulary").await;
    assert_eq!(voc["version"], 0, "nothing written: {voc}");
    assert!(voc["builtin_entries"].as_u64().unwrap() > 5000, "{voc}");

    // The entry: version 1, every registered party marked to be screened again.
    let (st, v1) = change(&admin, add.clone()).await;
    assert_eq!(st, 201, "{v1}");
    assert_eq!(v1["version_no"], 1);
    assert_eq!(v1["changed_by"], "sec_admin");
    assert!(v1["rescreen_marked"].as_i64().unwrap() >= 3, "{v1}");
    follow_up(&s).await;
    let p = party(&reviewer, "organizations", org).await;
    let open = with_status(&p, "open");
    assert_eq!(open.len(), 1, "{p}");
    assert_eq!(open[0]["entry"]["key"], "B1");
    assert!(
        open[0]["explanation_detail"]["agreed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["query"] == "蓝鳍" && t["entry"] == "bluefin" && t["method"] == "translation"),
        "{p}"
    );
    assert!(
        open[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("蓝鳍~bluefin(dictionary)"),
        "{p}"
    );
    // The list search and the coverage read the same dictionary.
    let (_, hits) = reviewer
        .get("/api/v1/screening/search?q=%E8%93%9D%E9%B3%8D%E8%88%AA%E7%A9%BA%E7%A7%91%E6%8A%80")
        .await;
    assert_eq!(hits["items"][0]["entry"]["key"], "B1", "{hits}");
    let (_, lists) = reviewer.get("/api/v1/screening/lists").await;
    assert_eq!(lists["items"][0]["coverage"]["through_translation"], 1, "{lists}");

    // A word twice, an edit or removal of a word not there, an edit changing nothing.
    let (st, v) = change(&admin, add.clone()).await;
    assert_eq!(st, 409, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "word");
    let (st, _) = change(&admin, json!({"action": "edit", "word": "白鲸", "english": "beluga"})).await;
    assert_eq!(st, 404);
    let (st, _) = change(&admin, json!({"action": "remove", "word": "白鲸"})).await;
    assert_eq!(st, 404);
    let (st, _) = change(
        &admin,
        add.clone()
            .as_object()
            .cloned()
            .map(|mut o| {
                o.insert("action".into(), json!("edit"));
                Value::Object(o)
            })
            .unwrap(),
    )
    .await;
    assert_eq!(st, 409);

    // An edit and a removal: versions 2 and 3; the match lapses once the word is gone.
    let (st, v2) = change(
        &admin,
        json!({"action": "edit", "word": "蓝鳍", "english": "bluefin|blue", "note": "品牌意译，亦作 Blue"}),
    )
    .await;
    assert_eq!(st, 201, "{v2}");
    assert_eq!((&v2["version_no"], &v2["previous"]), (&json!(2), &json!("bluefin")));
    let (st, v3) = change(&admin, json!({"action": "remove", "word": "蓝鳍", "note": "误加"})).await;
    assert_eq!(st, 201, "{v3}");
    assert_eq!((&v3["version_no"], &v3["english"]), (&json!(3), &Value::Null));
    follow_up(&s).await;
    let p = party(&reviewer, "organizations", org).await;
    assert!(with_status(&p, "open").is_empty(), "{p}");
    assert_eq!(with_status(&p, "lapsed")[0]["lapse_reason"], "no_longer_matches", "{p}");

    // The record of it: versions newest first, and the audit log.
    let (st, voc) = reviewer.get("/api/v1/screening/vocabulary").await;
    assert_eq!(st, 200);
    assert_eq!(voc["version"], 3);
    assert_eq!(voc["entries"], json!([]));
    let actions: Vec<&str> = voc["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["remove", "edit", "add"]);
    let (st, _) = liaison.get("/api/v1/screening/vocabulary").await;
    assert_eq!(st, 403);
    let log = crate::common::audit_log(&s, 100).await;
    let ours: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == "screening-vocabulary")
        .collect();
    let mut acts: Vec<&str> = ours.iter().map(|e| e["action"].as_str().unwrap()).collect();
    acts.sort();
    assert_eq!(
        acts,
        ["vocabulary_add", "vocabulary_edit", "vocabulary_remove"],
        "{log}"
    );
    let added = ours.iter().find(|e| e["action"] == "vocabulary_add").unwrap();
    assert_eq!(added["after"]["word"], "蓝鳍", "{added}");
    assert_eq!(added["after"]["english"], "bluefin", "{added}");
    assert_eq!(added["actor"], "sec_admin");
    assert!(s.app.system_access("test").verify_audit().await.unwrap().is_ok());
}
on_both!(vocabulary_changed_from_the_api);

async fn vocabulary_page(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "sec_admin", Role::Admin, None).await;
    let reviewer_pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let liaison_pw = user(&s.app, "lia", Role::Liaison, Some(b.org_a)).await;
    let admin = Web::login(&s.base, "sec_admin", &admin_pw).await;
    let (st, html) = admin.get("/screening/vocabulary").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("本局筛查词表") && html.contains("id=\"vocab-add\""),
        "{html}"
    );
    assert!(html.contains("本局尚未补充词语"), "{html}");
    let csrf = csrf_of(&html);
    // A bad entry: the page again, the error naming it, what was typed kept.
    let (st, body, _) = admin
        .post(
            "/screening/vocabulary",
            &[
                ("_csrf", &csrf),
                ("action", "add"),
                ("word", "蓝鳍"),
                ("english", "Bluefin"),
                ("note", "品牌"),
            ],
        )
        .await;
    assert_eq!(st, 422, "{body}");
    assert!(
        body.contains("英文译名请用小写字母") && body.contains("value=\"Bluefin\""),
        "{body}"
    );
    let (st, _, loc) = admin
        .post(
            "/screening/vocabulary",
            &[
                ("_csrf", &csrf),
                ("action", "add"),
                ("word", "蓝鳍"),
                ("english", "bluefin"),
                ("note", "品牌意译"),
            ],
        )
        .await;
    assert_eq!(st, 303);
    let loc = loc.unwrap();
    assert_eq!(loc, "/screening/vocabulary?changed=1");
    let (_, html) = admin.get(&loc).await;
    assert!(html.contains("已保存为词表第 1 版"), "{html}");
    assert!(
        html.contains("value=\"bluefin\"") && html.contains("品牌意译"),
        "{html}"
    );
    // Edit and remove from the page.
    let (st, _, loc) = admin
        .post(
            "/screening/vocabulary",
            &[
                ("_csrf", &csrf),
                ("action", "edit"),
                ("word", "蓝鳍"),
                ("english", "bluefin|blue"),
                ("note", "品牌意译"),
            ],
        )
        .await;
    assert_eq!((st, loc.as_deref()), (303, Some("/screening/vocabulary?changed=2")));
    // The reviewer reads it without forms, and cannot post; a liaison sees nothing.
    let reviewer = Web::login(&s.base, "rev", &reviewer_pw).await;
    let (st, html) = reviewer.get("/screening/vocabulary").await;
    assert_eq!(st, 200);
    assert!(html.contains("bluefin|blue") && !html.contains("vocab-add"), "{html}");
    let rcsrf = csrf_of(&html);
    let (st, _, _) = reviewer
        .post(
            "/screening/vocabulary",
            &[("_csrf", &rcsrf), ("action", "remove"), ("word", "蓝鳍")],
        )
        .await;
    assert_eq!(st, 403);
    let liaison = Web::login(&s.base, "lia", &liaison_pw).await;
    let (st, _) = liaison.get("/screening/vocabulary").await;
    assert_eq!(st, 403);
    let (st, _, loc) = admin
        .post(
            "/screening/vocabulary",
            &[("_csrf", &csrf), ("action", "remove"), ("word", "蓝鳍"), ("note", "")],
        )
        .await;
    assert_eq!((st, loc.as_deref()), (303, Some("/screening/vocabulary?changed=3")));
    let (_, html) = admin.get("/screening/vocabulary").await;
    assert!(html.contains("本局尚未补充词语") && html.contains("删除"), "{html}");
    // The flash reads a number from the address, never its text.
    let (_, html) = admin.get("/screening/vocabulary?changed=%E8%AF%B7").await;
    assert!(!html.contains("已保存为词表"), "{html}");
}
on_both!(vocabulary_page);
