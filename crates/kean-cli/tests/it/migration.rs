//! Migration 0013 renamed what the database calls screening results
//! (screening_hits → screening_results), parties (screening_subjects →
//! screening_parties, subject_* → party_*), the list generation
//! (screening_state → list_generation) and the kind slugs rows store
//! (contracts → tech-contracts, researchers → persons). A database written
//! before it — the fixture, rows written by the code of commit 308f509 —
//! migrates on both databases, and everything is found under the new names:
//! the same results with their decisions (which a re-screening keeps), the
//! parties' states, the import that refuses the same file again, the staged
//! upload. The audit chain written before is never rewritten: it verifies
//! (also through `kean audit verify`) and reads in today's names.

use std::collections::BTreeMap;

use kean_app::{ResultFilter, ResultStatus};
use kean_core::{ErrorCode, Kind, Role};
use serde_json::{Value, json};
use sqlx::{AnyConnection, Connection, Row};

use crate::common::{self, Api, Backend, Server, access_as, raw, user};

const FIXTURE: &str = include_str!("fixtures/schema_v12.json");

/// The file the fixture's contract import read (its SM3 is in `imports`).
const IMPORTED_CSV: &str = "contract_no,title,contract_type,seller_org_id,buyer_name,buyer_country,signed_on,registered_on,contract_value,tech_value\n\
               2025140700000002,检测技术服务合同,service,晋中甲科技有限公司,Lockheed Martin Corporation,US,2025-04-01,2025-04-03,5000,5000\n";

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("fixture JSON")
}

/// The kind slugs as migration 0013 rewrote them.
fn renamed_slug(slug: &str) -> &str {
    match slug {
        "contracts" => "tech-contracts",
        "researchers" => "persons",
        other => other,
    }
}

/// Writes the fixture's rows into a database migrated up to 0012, as the
/// code before the renames left them.
async fn load_fixture(url: &str, backend: Backend) {
    let store = kean_store::SqlStore::connect(url).await.expect("connect");
    store
        .migrate_up_to("2026-01-01T00:00:00.000Z", 12)
        .await
        .expect("migrations 0001-0012");
    store.close().await;
    sqlx::any::install_default_drivers();
    let mut conn = AnyConnection::connect(url).await.expect("connect");
    let fx = fixture();
    for table in fx["_order"].as_array().expect("_order") {
        let table = table.as_str().expect("table name");
        let rows = fx[table].as_array().expect("rows");
        // Rows the migrations wrote (the audit head, the counts, the list
        // generation) are the fixture's.
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut conn)
            .await
            .expect("delete");
        for row in rows {
            let row = row.as_object().expect("row");
            let cols: Vec<&String> = row.keys().filter(|c| !row[*c].is_null()).collect();
            let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                cols.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
                marks.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for c in &cols {
                query = match &row[*c] {
                    Value::Number(n) => query.bind(n.as_i64().expect("integer")),
                    Value::String(s) => query.bind(s.clone()),
                    Value::Object(o) => {
                        let hex = o["hex"].as_str().expect("a blob as hex");
                        let bytes: Vec<u8> = (0..hex.len())
                            .step_by(2)
                            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                            .collect();
                        query.bind(bytes)
                    }
                    other => panic!("{table}.{c}: {other}"),
                };
            }
            query
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{table}: {e}"));
        }
        // The identity sequences continue after the rows written (SQLite's
        // AUTOINCREMENT does so by itself).
        if backend == Backend::Postgres && rows.first().is_some_and(|r| r.get("id").is_some()) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            )))
            .execute(&mut conn)
            .await
            .expect("setval");
        }
    }
    conn.close().await.expect("close");
}

/// Every row `sql` selects, each column as a JSON integer, string or null.
async fn rows(conn: &mut AnyConnection, sql: &str) -> Vec<Value> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            use sqlx::Column;
            let mut o = serde_json::Map::new();
            for (i, c) in r.columns().iter().enumerate() {
                let v = match r.try_get::<Option<i64>, _>(i) {
                    Ok(v) => v.map_or(Value::Null, Value::from),
                    Err(_) => r
                        .try_get::<Option<String>, _>(i)
                        .expect("integer or text")
                        .map_or(Value::Null, Value::from),
                };
                o.insert(c.name().to_string(), v);
            }
            Value::Object(o)
        })
        .collect()
}

/// The fixture's rows of `table`, each with only `cols`, renamed by `rename`
/// (old column → new column) and kind slugs as migration 0013 rewrote them.
fn fixture_rows(table: &str, cols: &[(&str, &str)], slug_cols: &[&str]) -> Vec<Value> {
    let fx = fixture();
    let mut out: Vec<Value> = fx[table]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (old, new) in cols {
                let mut v = r[*old].clone();
                if slug_cols.contains(old)
                    && let Some(s) = v.as_str()
                {
                    v = renamed_slug(s).into();
                }
                o.insert(new.to_string(), v);
            }
            Value::Object(o)
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

fn sorted(mut v: Vec<Value>) -> Vec<Value> {
    v.sort_by_key(|v| v.to_string());
    v
}

async fn a_database_written_before_the_renames_migrates(backend: Backend) {
    let Some((url, dir, postgres)) = common::fresh_database(backend).await else {
        return;
    };
    load_fixture(&url, backend).await;
    // Opening it applies migration 0013.
    let s: Server = common::serve(url.clone(), dir, postgres.clone()).await;
    let fx = fixture();
    let notes = &fx["_notes"];
    let head_hash = fx["audit_head"][0]["hash"].as_str().unwrap().to_string();

    // The chain written before the migration is intact, as stored.
    let system = s.app.system_access("test");
    assert_eq!(system.verify_audit().await.unwrap(), Ok((26, head_hash.clone())));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(["audit", "verify", "--database-url", &url])
        .output()
        .expect("run kean");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("audit chain intact: 26 records verified"), "{stdout}");
    assert!(stdout.contains(&format!("anchor: 26:{head_hash}")), "{stdout}");

    // The same rows under the new names.
    let mut conn = AnyConnection::connect(&url).await.expect("connect");
    let result_cols = [
        ("id", "id"),
        ("subject_kind", "party_kind"),
        ("subject_id", "party_id"),
        ("subject_field", "party_field"),
        ("subject_name", "party_name"),
        ("subject_hash", "party_hash"),
        ("owner_org_id", "owner_org_id"),
        ("entry_id", "entry_id"),
        ("score_bp", "score_bp"),
        ("explanation_detail", "explanation_detail"),
        ("status", "status"),
        ("decision", "decision"),
        ("reason", "reason"),
        ("decided_by", "decided_by"),
        ("version", "version"),
    ];
    let select = |cols: &[(&str, &str)], table: &str| {
        format!(
            "SELECT {} FROM {table}",
            cols.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        )
    };
    assert_eq!(
        sorted(rows(&mut conn, &select(&result_cols, "screening_results")).await),
        fixture_rows("screening_hits", &result_cols, &["subject_kind"])
    );
    let party_cols = [
        ("subject_kind", "party_kind"),
        ("subject_id", "party_id"),
        ("subject_field", "party_field"),
        ("subject_name", "party_name"),
        ("subject_hash", "party_hash"),
        ("generation", "generation"),
        ("screened_at", "screened_at"),
    ];
    assert_eq!(
        sorted(rows(&mut conn, &select(&party_cols, "screening_parties")).await),
        fixture_rows("screening_subjects", &party_cols, &["subject_kind"])
    );
    let version_cols = [
        ("id", "id"),
        ("rescreen_subjects", "rescreen_parties"),
        ("rescreen_opened", "rescreen_opened"),
    ];
    assert_eq!(
        sorted(rows(&mut conn, &select(&version_cols, "restricted_list_versions")).await),
        fixture_rows("restricted_list_versions", &version_cols, &[])
    );
    let generation_cols = [("id", "id"), ("generation", "generation")];
    assert_eq!(
        rows(&mut conn, &select(&generation_cols, "list_generation")).await,
        fixture_rows("screening_state", &generation_cols, &[])
    );
    let kind_cols = [("id", "id"), ("kind", "kind"), ("content_hash", "content_hash")];
    assert_eq!(
        sorted(rows(&mut conn, &select(&kind_cols, "imports")).await),
        fixture_rows("imports", &kind_cols, &["kind"])
    );
    let upload_cols = [("token_hash", "token_hash"), ("kind", "kind")];
    assert_eq!(
        rows(&mut conn, &select(&upload_cols, "pending_uploads")).await,
        fixture_rows("pending_uploads", &upload_cols, &["kind"])
    );
    assert_eq!(
        rows(
            &mut conn,
            "SELECT DISTINCT party_kind FROM screening_results ORDER BY party_kind"
        )
        .await,
        [
            json!({"party_kind": "organizations"}),
            json!({"party_kind": "persons"}),
            json!({"party_kind": "tech-contracts"}),
            json!({"party_kind": "transfers"})
        ]
    );
    // No table, column, index, constraint or sequence keeps an old name.
    let old_names = match backend {
        Backend::Sqlite => {
            "SELECT type || ' ' || name AS what FROM sqlite_master WHERE name LIKE '%hits%' OR name LIKE '%subject%' \
             OR name LIKE 'screening_state%' OR sql LIKE '%subject%' OR sql LIKE '%screening_hits%' \
             UNION ALL SELECT 'sequence ' || name FROM sqlite_sequence WHERE name LIKE '%hits%'"
        }
        Backend::Postgres => {
            "SELECT CAST(relname AS TEXT) AS what FROM pg_class WHERE relnamespace = CAST(current_schema() AS regnamespace) \
             AND (relname LIKE '%hits%' OR relname LIKE '%subject%' OR relname LIKE 'screening_state%') \
             UNION ALL SELECT CAST(conname AS TEXT) FROM pg_constraint WHERE conname LIKE '%hits%' OR conname LIKE '%subject%' \
             OR conname LIKE 'screening_state%' \
             UNION ALL SELECT CAST(table_name || '.' || column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name LIKE '%subject%'"
        }
    };
    assert_eq!(rows(&mut conn, old_names).await, Vec::<Value>::new());
    conn.close().await.expect("close");

    // Through the application: the results, their decisions, the parties' states.
    let reviewer = access_as(&s.app, "reviewer_13", Role::Reviewer, None).await;
    let all = ResultFilter {
        page: 1,
        page_size: 50,
        ..ResultFilter::default()
    };
    let results = reviewer.screening_results(&all).await.unwrap();
    assert_eq!(results.total, 5);
    let contract = notes["contracts"][0].as_i64().unwrap();
    let dismissed: Vec<_> = results
        .items
        .iter()
        .filter(|r| r.status == ResultStatus::Dismissed)
        .collect();
    assert_eq!(dismissed.len(), 1);
    assert_eq!(
        (
            dismissed[0].party_kind,
            dismissed[0].party_id,
            dismissed[0].party_field.as_str()
        ),
        (Kind::TechContract, contract, "buyer_name")
    );
    let on_contract = reviewer
        .party_screening(Kind::TechContract, contract)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_contract.states.len(), 1);
    assert_eq!(on_contract.results.len(), 1);
    let person = notes["person"].as_i64().unwrap();
    let on_person = reviewer.party_screening(Kind::Person, person).await.unwrap().unwrap();
    assert_eq!(on_person.states.len(), 2, "the name and the foreign affiliation");
    assert_eq!(on_person.results[0].status, ResultStatus::Confirmed);
    let counts: BTreeMap<&str, i64> = reviewer
        .result_counts()
        .await
        .unwrap()
        .into_iter()
        .map(|(st, n)| (st.code(), n))
        .collect();
    assert_eq!(
        counts,
        BTreeMap::from([("confirmed", 2), ("dismissed", 1), ("open", 2)])
    );

    // A re-screening finds the parties as they were: their stored hashes
    // still match, so nothing lapses and the dismissal holds.
    let run = system.rescreen_all().await.unwrap();
    assert_eq!(
        (run.summary.opened.len(), run.summary.lapsed),
        (0, 0),
        "{:?}",
        run.summary
    );
    assert_eq!(run.summary.unchanged, 5);
    let again = reviewer.screening_result(dismissed[0].id).await.unwrap();
    assert_eq!(again.status, ResultStatus::Dismissed);

    // A new party opens a result of its own, numbered after the old ones.
    let org_a = notes["org_a"].as_i64().unwrap().to_string();
    let new = system
        .create(
            Kind::TechContract,
            &raw(&[
                ("contract_no", "2025140700000013"),
                ("title", "迁移后登记的技术合同"),
                ("contract_type", "development"),
                ("seller_org_id", &org_a),
                ("buyer_name", "Lockheed Martin Corporation"),
                ("buyer_country", "US"),
                ("signed_on", "2025-03-02"),
                ("registered_on", "2025-03-09"),
                ("contract_value", "100000"),
                ("tech_value", "80000"),
            ]),
        )
        .await
        .unwrap();
    let on_new = reviewer
        .party_screening(Kind::TechContract, new.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(on_new.results.len(), 1);
    assert_eq!(on_new.results[0].id, 6);
    assert_eq!(on_new.results[0].status, ResultStatus::Open);

    // The contract import is known under the new slug: the same file again is refused.
    let again = system
        .import_file(
            Kind::TechContract,
            IMPORTED_CSV.as_bytes(),
            "again.csv",
            false,
            false,
            None,
        )
        .await
        .expect_err("the same file");
    assert_eq!(again.code, ErrorCode::Conflict);
    assert!(
        again.message_en.contains("the same file was imported"),
        "{}",
        again.message_en
    );

    // The staged upload of researchers is one of persons.
    let store = kean_store::SqlStore::connect(&url).await.expect("connect");
    let token_hash = kean_core::audit::sm3_hex(notes["pending_upload_token"].as_str().unwrap().as_bytes());
    let uploader: i64 = fx["pending_uploads"][0]["user_id"].as_i64().unwrap();
    let staged = kean_store::AccountStore::get_upload(&store, &token_hash, uploader, "0000")
        .await
        .expect("read the upload")
        .expect("the upload");
    assert_eq!((staged.0, staged.1.as_str()), (Kind::Person, "researchers.csv"));
    store.close().await;

    // The audit log, read: today's names for the records written before,
    // and an auditor sees the researcher's ID number masked in them as in
    // any other record of persons.
    let auditor = access_as(&s.app, "auditor_13", Role::Auditor, None).await;
    let log = auditor.audit_page(1, 100).await.unwrap();
    let by_seq: BTreeMap<i64, &kean_core::audit::AuditEntry> = log.items.iter().map(|e| (e.seq, e)).collect();
    let target = |seq: i64| by_seq[&seq].draft.target.as_str();
    assert_eq!(target(10), "persons", "the researcher's registration");
    assert_eq!(target(11), "tech-contracts", "the contract's registration");
    assert_eq!(
        (target(20), target(21)),
        ("tech-contracts", "tech-contracts"),
        "the import"
    );
    assert_eq!(target(26), "persons", "the export");
    for seq in [16, 17, 18, 19, 22, 23, 24, 25] {
        let e = by_seq[&seq];
        assert_eq!(e.draft.target, "screening-results", "{seq}");
        let after = e.draft.after.as_ref().unwrap();
        assert!(after.get("subject").is_none(), "{seq}: {after}");
        let party = after["party"].as_str().unwrap();
        assert!(
            !party.starts_with("contracts/") && !party.starts_with("researchers/"),
            "{seq}: {party}"
        );
    }
    assert_eq!(
        by_seq[&23].draft.after.as_ref().unwrap()["party"],
        format!("tech-contracts/{contract}")
    );
    let page = serde_json::to_string(&log.items).unwrap();
    assert!(!page.contains("11010519491231002X"), "the ID number in full");
    assert!(page.contains("1101**********002X"), "the ID number masked");
    for old in ["\"contracts\"", "\"researchers\"", "\"screening-hits\""] {
        assert!(!page.contains(old), "{old} in {page}");
    }
    // … the same over the API and on the audit page.
    user(&s.app, "auditor_web", Role::Auditor, None).await;
    let api = Api::login(&s.base, "auditor_web", "Passw0rd2025").await;
    let (st, v) = api.get("/api/v1/audit?page_size=200").await;
    assert_eq!(st, 200, "{v}");
    let old: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| ["contracts", "researchers", "screening-hits"].contains(&e["target"].as_str().unwrap()))
        .collect();
    assert!(old.is_empty(), "{old:?}");
    assert!(!v.to_string().contains("11010519491231002X"));

    // And the chain, old records and new, still verifies.
    let (last, _) = system.verify_audit().await.unwrap().expect("intact");
    assert!(last > 26);
    if let Some(fresh) = postgres {
        drop(s);
        fresh.drop_database().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_written_before_the_renames_migrates_sqlite() {
    a_database_written_before_the_renames_migrates(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_written_before_the_renames_migrates_postgres() {
    a_database_written_before_the_renames_migrates(Backend::Postgres).await;
}
