//! Several `kean serve` processes on one database (the roadmap's
//! deployment): a write through one is seen through the other on every path
//! a process keeps something for — lists and their counts, keyword search,
//! the screening index, sessions. The first server runs in the test, the
//! second is the real binary in its own process.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kean_core::Role;
use serde_json::{Value, json};

use crate::common::{Api, Server, basics, user};

/// A `kean serve` child process, killed when dropped.
struct Process {
    child: Child,
    base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn second_process(url: &str) -> Process {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(["serve", "--database-url", url, "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kean serve");
    let p = Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http
            .get(format!("{}/healthz", p.base))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the second kean serve did not come up");
}

/// The same client (token) aimed at another server.
fn at(api: &Api, base: &str) -> Api {
    Api {
        base: base.to_string(),
        token: api.token.clone(),
        http: api.http.clone(),
    }
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

async fn two_processes_on_one_database_see_each_others_writes(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "boss", Role::Admin, None).await;
    let admin_a = Api::login(&s.base, "boss", &pw).await;
    let pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let reviewer_a = Api::login(&s.base, "rev", &pw).await;
    let other = second_process(&s.url).await;
    let admin_b = at(&admin_a, &other.base);
    let reviewer_b = at(&reviewer_a, &other.base);

    // Sessions: a token from one process is good at the other, and a
    // logout at one ends it at both.
    let (st, me) = reviewer_b.get("/api/v1/me").await;
    assert_eq!((st, me["username"].as_str()), (200, Some("rev")), "{me}");

    // Lists, counts and keyword search, each read once at B before the
    // write at A (so that B has something kept to go stale).
    let list = "/api/v1/registry/achievements";
    let search = "/api/v1/registry/achievements?q=%E8%B6%85%E5%AF%BC";
    let (_, before) = reviewer_b.get(list).await;
    assert_eq!(before["total"], 0, "{before}");
    let (_, found) = reviewer_b.get(search).await;
    assert_eq!(found["total"], 0);
    let (st, rec) = reviewer_a
        .post(
            list,
            json!({ "title": "超导带材连续制备工艺", "achievement_type": "technique", "holder_org_id": b.org_a }),
        )
        .await;
    assert_eq!(st, 201, "{rec}");
    let id = rec["id"].as_i64().unwrap();
    let (_, after) = reviewer_b.get(list).await;
    assert_eq!((after["total"].as_i64(), ids(&after)), (Some(1), vec![id]), "{after}");
    let (_, found) = reviewer_b.get(search).await;
    assert_eq!(ids(&found), vec![id], "keyword search at B: {found}");
    // An edit at A: B searches the new words, not the old.
    let (st, e) = reviewer_a
        .put(
            &format!("{list}/{id}"),
            json!({ "title": "高温合金单晶叶片铸造工艺", "achievement_type": "technique", "holder_org_id": b.org_a, "_version": 1 }),
        )
        .await;
    assert_eq!(st, 200, "{e}");
    let (_, found) = reviewer_b.get(search).await;
    assert_eq!(found["total"], 0, "the old title is gone at B: {found}");
    let (_, found) = reviewer_b
        .get("/api/v1/registry/achievements?q=%E5%8D%95%E6%99%B6%E5%8F%B6%E7%89%87")
        .await;
    assert_eq!(ids(&found), vec![id], "{found}");
    // Archived at A: gone from B's list and count.
    let (st, _) = reviewer_a.post(&format!("{list}/{id}/archive"), json!({})).await;
    assert_eq!(st, 200);
    let (_, after) = reviewer_b.get(list).await;
    assert_eq!(after["total"], 0, "{after}");

    // The screening index: B screens a party before any list, A imports a
    // list, then B screens a new party against it.
    let contract = |no: &str| {
        json!({ "contract_no": no, "title": "无人机技术开发", "contract_type": "development",
            "seller_org_id": b.org_a, "buyer_name": "Acme Drone Systems Inc.", "buyer_country": "US",
            "signed_on": "2025-03-02", "registered_on": "2025-03-09",
            "contract_value": "100000", "tech_value": "80000" })
    };
    let (st, c1) = admin_b
        .post("/api/v1/registry/tech-contracts", contract("2025140700000101"))
        .await;
    assert_eq!(st, 201, "{c1}");
    let r = admin_a
        .http
        .post(format!(
            "{}/api/v1/screening/lists/import?file_name=watch.csv&list_name=%E5%85%B3%E6%B3%A8",
            s.base
        ))
        .bearer_auth(&admin_a.token)
        .body("id,name,aliases,type,country,identifiers\nA1,Acme Drone Systems Inc.,,organization,US,\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (st, c2) = admin_b
        .post("/api/v1/registry/tech-contracts", contract("2025140700000102"))
        .await;
    assert_eq!(st, 201, "{c2}");
    let c2 = c2["id"].as_i64().unwrap();
    let (st, p) = reviewer_b
        .get(&format!("/api/v1/screening/parties/tech-contracts/{c2}"))
        .await;
    assert_eq!(st, 200, "{p}");
    let open: Vec<&Value> = p["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "open")
        .collect();
    assert_eq!(open.len(), 1, "B screened against the list A imported: {p}");
    assert_eq!(open[0]["entry"]["key"], "A1");

    // Logout at A ends the session at B.
    let r = reviewer_a
        .http
        .delete(format!("{}/api/v1/auth/token", s.base))
        .bearer_auth(&reviewer_a.token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let (st, _) = reviewer_b.get("/api/v1/me").await;
    assert_eq!(st, 401, "logged out at A: refused at B");
}
crate::on_both!(two_processes_on_one_database_see_each_others_writes);

/// What must follow a commit is recorded with it: an import whose process
/// died after committing (here: written straight through the store, as
/// `kean import` writes, and never screened) leaves its parties in the
/// outbox, and the next server to start screens every one of them; two
/// processes catching up at once screen each party once in effect.
async fn parties_committed_and_forgotten_are_screened_by_the_next_process(s: Server) {
    use kean_store::{RegistryWrite, WorkStore};
    let b = basics(&s.app).await;
    let pw = user(&s.app, "boss", Role::Admin, None).await;
    let admin = Api::login(&s.base, "boss", &pw).await;
    let r = admin
        .http
        .post(format!(
            "{}/api/v1/screening/lists/import?file_name=watch.csv&list_name=%E5%85%B3%E6%B3%A8",
            s.base
        ))
        .bearer_auth(&admin.token)
        .body("id,name,aliases,type,country,identifiers\nA1,Acme Drone Systems Inc.,,organization,US,\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // The dead process: its import committed 40 contracts with a listed
    // buyer, then nothing.
    let store = kean_store::SqlStore::connect(&s.url)
        .await
        .unwrap()
        .with_followed(kean_app::followed_kinds());
    let today = chrono::Utc::now().date_naive();
    let rows: Vec<(kean_core::Fields, Option<i64>)> = (0..40)
        .map(|i| {
            let raw = crate::common::raw(&[
                ("contract_no", &format!("20251407000{i:05}")),
                ("title", "无人机技术开发"),
                ("contract_type", "development"),
                ("seller_org_id", &b.org_a.to_string()),
                ("buyer_name", "Acme Drone Systems Inc."),
                ("buyer_country", "US"),
                ("signed_on", "2025-03-02"),
                ("registered_on", "2025-03-09"),
                ("contract_value", "100000"),
                ("tech_value", "80000"),
            ]);
            let fields = kean_core::record::validate(kean_core::Kind::TechContract, &raw, today).expect("valid row");
            (fields, Some(b.org_a))
        })
        .collect();
    let meta = kean_store::WriteMeta {
        at: kean_core::format_ts(chrono::Utc::now()),
        actor_id: 0,
        actor: "system:import".into(),
    };
    let ids = store
        .insert_many(
            kean_core::Kind::TechContract,
            &rows,
            &kean_store::NewImport {
                content_hash: "dead".into(),
                file_name: "contracts.xlsx".into(),
            },
            &meta,
            &|_| {},
        )
        .await
        .unwrap();
    assert_eq!(store.pending_work_count().await.unwrap(), 40);
    let open_of = |p: &Value| {
        p["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["status"] == "open")
            .count()
    };
    let (_, p) = admin
        .get(&format!("/api/v1/screening/parties/tech-contracts/{}", ids[0]))
        .await;
    assert_eq!(open_of(&p), 0, "not screened yet: {p}");

    // Two processes start and catch up at once (the real binary, and a
    // pass of this test's server).
    let other = second_process(&s.url).await;
    let caught = s
        .app
        .run_pending_work(&kean_core::format_ts(chrono::Utc::now()))
        .await
        .unwrap();
    for _ in 0..100 {
        if store.pending_work_count().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(store.pending_work_count().await.unwrap(), 0, "the outbox is empty");
    assert!(caught <= 40);
    let at_b = at(&admin, &other.base);
    for id in &ids {
        let (_, p) = at_b
            .get(&format!("/api/v1/screening/parties/tech-contracts/{id}"))
            .await;
        assert_eq!(open_of(&p), 1, "contract {id} screened once: {p}");
    }
    store.close().await;
}
crate::on_both!(parties_committed_and_forgotten_are_screened_by_the_next_process);
