//! `kean backup` and `kean restore`: a backup taken while the server writes
//! restores into a fresh database whose audit chain verifies and whose
//! records are a consistent prefix of the writes; a tampered backup, a
//! non-empty target and a backup newer than the binary are refused; an
//! older backup is migrated.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kean_app::{App, TestClock};
use kean_core::Role;
use serde_json::json;
use sqlx::{AnyConnection, Connection, Row};

use crate::common::{self, Api, Backend, Server, basics, user, valid_code};

fn kean(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .output()
        .expect("run kean")
}

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn backend_of(s: &Server) -> Backend {
    if s.postgres.is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A new database URL to restore into: a file that does not exist yet, or
/// an empty PostgreSQL database (dropped by the returned value's owner).
async fn target(backend: Backend, dir: &Path, name: &str) -> (String, Option<common::FreshDatabase>) {
    match backend {
        Backend::Sqlite => (format!("sqlite://{}", dir.join(name).display()), None),
        Backend::Postgres => {
            let (url, _, fresh) = common::fresh_database(Backend::Postgres).await.expect("postgres");
            (url, fresh)
        }
    }
}

/// Whether the restore target exists (SQLite: the file; PostgreSQL: tables).
async fn holds_tables(url: &str) -> bool {
    if let Some(p) = url.strip_prefix("sqlite://") {
        return Path::new(p).exists();
    }
    let mut conn = AnyConnection::connect(url).await.expect("connect");
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count")
    .get(0);
    n > 0
}

fn pg_dump(url: &str, file: &Path) {
    let out = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-password", "--file"])
        .arg(file)
        .arg(format!("--dbname={url}"))
        .output()
        .expect("run pg_dump");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

async fn backup_during_writes_restores_a_consistent_prefix(s: Server) {
    let backend = backend_of(&s);
    let b = basics(&s.app).await;
    let pw = user(&s.app, "boss", Role::Admin, None).await;
    let api = Arc::new(Api::login(&s.base, "boss", &pw).await);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kean.backup");

    // Two writers, each creating organizations one after the other until
    // the backup has finished.
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..2 {
        let (api, done, stop, district) = (api.clone(), done.clone(), stop.clone(), b.district);
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..20_000 {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let code = valid_code(&format!("91140702MA{w}{i:06}"));
                let (st, v) = api
                    .post(
                        "/api/v1/registry/organizations",
                        json!({"name": format!("并发{w}号{i}公司"), "credit_code": code, "org_type": "enterprise", "district_id": district}),
                    )
                    .await;
                assert_eq!(st, 201, "{v}");
                ids.push(v["id"].as_i64().unwrap());
                done.fetch_add(1, Ordering::SeqCst);
            }
            ids
        }));
    }
    while done.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let before = done.load(Ordering::SeqCst);
    let (url, f) = (s.url.clone(), file.clone());
    let out = tokio::task::spawn_blocking(move || kean(&["backup", f.to_str().unwrap(), "--database-url", &url]))
        .await
        .unwrap();
    let after = done.load(Ordering::SeqCst);
    // A few more writes after the backup, then stop.
    while done.load(Ordering::SeqCst) < after + 4 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("backup written"), "{stdout}");
    assert!(stdout.contains("(chain verified)"), "{stdout}");
    let mut written = Vec::new();
    for w in writers {
        written.push(w.await.unwrap());
    }
    let total: usize = written.iter().map(Vec::len).sum();

    // The backup is audited in the live database, naming the file's hash.
    let hash = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("file SM3: "))
        .expect("hash printed")
        .to_string();
    assert_eq!(hash.len(), 64);
    let live = s.app.system_access("test");
    let page = live.audit_page(1, 500).await.unwrap();
    let rec = page
        .items
        .iter()
        .find(|e| e.draft.action == "backup")
        .expect("backup audited");
    assert_eq!(rec.draft.actor, "system:backup");
    assert_eq!(rec.draft.after.as_ref().unwrap()["sm3"], hash.as_str());

    // Restore into a fresh database.
    let (restored, fresh) = target(backend, dir.path(), "restored.db").await;
    let out = kean(&["restore", file.to_str().unwrap(), "--database-url", &restored]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("restored into"), "{stdout}");

    // Its chain verifies; every organization has its create record and
    // every create record its organization; each writer's organizations
    // are a prefix of what it wrote, and together at least what was done
    // before the backup started and at most what was done when it ended.
    let app = App::open(&restored, Arc::new(TestClock::default())).await.unwrap();
    let sys = app.system_access("test");
    assert!(sys.verify_audit().await.unwrap().is_ok());
    let mut conn = AnyConnection::connect(&restored).await.unwrap();
    let orgs: BTreeSet<i64> = sqlx::query("SELECT id FROM organizations")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let audited: BTreeSet<i64> =
        sqlx::query("SELECT record_id FROM audit_log WHERE action = 'create' AND target = 'organizations'")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<i64, _>(0))
            .collect();
    assert_eq!(orgs, audited, "every record has its audit record and vice versa");
    let mut concurrent = 0;
    for ids in &written {
        let n = ids.iter().take_while(|id| orgs.contains(id)).count();
        assert!(
            ids[n..].iter().all(|id| !orgs.contains(id)),
            "a writer's records are a prefix"
        );
        concurrent += n;
    }
    eprintln!("writes: {before} before the backup, {after} after it, {total} in all; {concurrent} in the backup");
    assert_eq!(
        orgs.len(),
        concurrent + 2,
        "the two basic organizations and the writers' prefixes"
    );
    assert!(
        (before..=after).contains(&concurrent) && concurrent < total,
        "{concurrent} records, {before} written before the backup began, {after} when it ended, {total} in all"
    );
    // The restore is the last audit record of the restored database.
    let last = sys.audit_page(1, 1).await.unwrap().items.remove(0);
    assert_eq!(
        (last.draft.action.as_str(), last.draft.actor.as_str()),
        ("restore", "system:restore")
    );
    assert_eq!(last.draft.after.as_ref().unwrap()["sm3"], hash.as_str());
    drop(conn);
    app.close().await;
    if let Some(f) = fresh {
        f.drop_database().await;
    }
}
on_both!(backup_during_writes_restores_a_consistent_prefix);

async fn a_tampered_backup_is_refused_naming_the_record(s: Server) {
    let backend = backend_of(&s);
    basics(&s.app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tampered.backup");
    match backend {
        Backend::Sqlite => {
            let out = kean(&["backup", file.to_str().unwrap(), "--database-url", &s.url]);
            assert!(out.status.success(), "{:?}", text(&out));
            let mut conn = AnyConnection::connect(&format!("sqlite://{}", file.display()))
                .await
                .unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
        }
        Backend::Postgres => {
            let mut conn = AnyConnection::connect(&s.url).await.unwrap();
            sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            pg_dump(&s.url, &file);
            // kean itself refuses to write a backup of a broken chain.
            let out = kean(&[
                "backup",
                dir.path().join("other").to_str().unwrap(),
                "--database-url",
                &s.url,
            ]);
            let (_, stderr) = text(&out);
            assert!(!out.status.success());
            assert!(stderr.contains("audit chain broken at record 3"), "{stderr}");
            assert!(!dir.path().join("other").exists());
        }
    }
    let (restored, fresh) = target(backend, dir.path(), "restored.db").await;
    let out = kean(&["restore", file.to_str().unwrap(), "--database-url", &restored]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert!(stderr.contains("audit chain broken at record 3"), "{stderr}");
    assert!(stderr.contains("mallory"), "the broken record is printed: {stderr}");
    assert!(!holds_tables(&restored).await, "nothing is left of a refused restore");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    if let Some(f) = fresh {
        f.drop_database().await;
    }
}
on_both!(a_tampered_backup_is_refused_naming_the_record);

async fn restore_refuses_a_database_unless_forced(s: Server) {
    let backend = backend_of(&s);
    basics(&s.app).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kean.backup");
    let f = file.to_str().unwrap();
    assert!(kean(&["backup", f, "--database-url", &s.url]).status.success());
    // An existing backup file is not overwritten without --force.
    let out = kean(&["backup", f, "--database-url", &s.url]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("already exists"), "{:?}", text(&out));
    assert!(
        kean(&["backup", f, "--force", "--database-url", &s.url])
            .status
            .success()
    );

    let (restored, fresh) = target(backend, dir.path(), "restored.db").await;
    assert!(kean(&["restore", f, "--database-url", &restored]).status.success());
    let out = kean(&["restore", f, "--database-url", &restored]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("--force"), "{stderr}");
    let out = kean(&["restore", f, "--force", "--database-url", &restored]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("warning: replacing the database"), "{stderr}");
    // Replaced, not added to: one restore record, the second one's.
    let app = App::open(&restored, Arc::new(TestClock::default())).await.unwrap();
    let sys = app.system_access("test");
    assert!(sys.verify_audit().await.unwrap().is_ok());
    let restores = sys
        .audit_page(1, 500)
        .await
        .unwrap()
        .items
        .iter()
        .filter(|e| e.draft.action == "restore")
        .count();
    assert_eq!(restores, 1);
    app.close().await;

    // Wrong kind of file, missing file.
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "id,name\n").unwrap();
    let out = kean(&["restore", junk.to_str().unwrap(), "--database-url", &restored]);
    assert!(text(&out).1.contains("is not a kean backup"), "{:?}", text(&out));
    let out = kean(&["restore", "/nonexistent/kean.backup", "--database-url", &restored]);
    assert!(text(&out).1.contains("does not exist"), "{:?}", text(&out));
    let other = match backend {
        Backend::Sqlite => "postgres://nobody@127.0.0.1:1/none".to_string(),
        Backend::Postgres => format!("sqlite://{}", dir.path().join("x.db").display()),
    };
    let out = kean(&["restore", f, "--database-url", &other]);
    assert!(
        text(&out).1.contains("backup, but --database-url names a"),
        "{:?}",
        text(&out)
    );
    if let Some(f) = fresh {
        f.drop_database().await;
    }
}
on_both!(restore_refuses_a_database_unless_forced);

async fn schema_versions_old_migrate_new_refused(s: Server) {
    let backend = backend_of(&s);
    let dir = tempfile::tempdir().unwrap();
    let latest = s.app.latest_schema_version();

    // A backup of a database as the release before the last left it.
    let old_file = dir.path().join("old.backup");
    let (old_url, old_fresh) = target(backend, dir.path(), "old.db").await;
    let store = kean_store::SqlStore::connect(&old_url).await.unwrap();
    store
        .migrate_up_to("2026-01-01T00:00:00.000Z", latest - 1)
        .await
        .unwrap();
    // The version before the latest (numbers may skip: migrations written in
    // parallel take their numbers ahead).
    let previous = kean_store::MaintenanceStore::schema_version(&store)
        .await
        .unwrap()
        .unwrap();
    assert!(previous < latest);
    store.close().await;
    // The release before: the highest version below the latest (versions
    // may have gaps while branches add their migrations in parallel).
    let previous: i64 = {
        let mut conn = AnyConnection::connect(&old_url).await.unwrap();
        let v = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        v
    };
    assert!(previous < latest);
    match backend {
        Backend::Sqlite => {
            std::fs::copy(old_url.strip_prefix("sqlite://").unwrap(), &old_file).unwrap();
        }
        Backend::Postgres => pg_dump(&old_url, &old_file),
    }
    let (restored, fresh) = target(backend, dir.path(), "restored.db").await;
    let out = kean(&["restore", old_file.to_str().unwrap(), "--database-url", &restored]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("migrated from schema version {previous} to {latest}")),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("schema version: {latest}")), "{stdout}");

    // A backup written by a newer kean.
    let mut conn = AnyConnection::connect(&s.url).await.unwrap();
    sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'future')")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let new_file = dir.path().join("new.backup");
    let out = kean(&["backup", new_file.to_str().unwrap(), "--database-url", &s.url]);
    assert!(out.status.success(), "{:?}", text(&out));
    let (target2, fresh2) = target(backend, dir.path(), "refused.db").await;
    let out = kean(&["restore", new_file.to_str().unwrap(), "--database-url", &target2]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("has schema version 999, newer than this kean's {latest}")),
        "{stderr}"
    );
    assert!(!holds_tables(&target2).await);
    for f in [old_fresh, fresh, fresh2].into_iter().flatten() {
        f.drop_database().await;
    }
}
on_both!(schema_versions_old_migrate_new_refused);

/// A missing PostgreSQL client program and an unreachable server are named.
#[test]
fn backup_names_a_missing_tool_and_an_unreachable_server() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.backup");
    let f = file.to_str().unwrap();
    let url = "postgres://nobody:secret@127.0.0.1:1/kean";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(["backup", f, "--database-url", url])
        .env("KEAN_PG_BIN", dir.path())
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("pg_dump is not in KEAN_PG_BIN"), "{stderr}");
    let out = kean(&["backup", f, "--database-url", url]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot reach the PostgreSQL database postgres://nobody:***@127.0.0.1:1/kean")
            || stderr.contains("was not found on PATH"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "the password is not printed: {stderr}");
    assert!(!file.exists());
}
