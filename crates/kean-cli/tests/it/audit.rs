//! Issue 12, item 8: the audit log that proves itself. The real `kean`
//! binary verifies the chain, the SM2-signed checkpoints and the archived
//! segments' anchors, and names the first broken record after the database
//! was tampered with (by the `sqlite3` tool, or by SQL as an attacker with
//! the database's password would); exported and archived segments verify
//! offline with the public key alone, and with OpenSSL 3.

use std::path::Path;

use kean_core::audit_seal::{SealKey, checkpoint_message, segment_message, unhex};

use crate::common::{Backend, Server, start};

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

/// `kean audit verify` must succeed; returns its output.
fn verify_ok(url: &str) -> String {
    let out = kean(&["audit", "verify", "--database-url", url]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    stdout
}

/// `kean audit verify` must fail; returns its error output.
fn verify_fails(url: &str) -> String {
    let out = kean(&["audit", "verify", "--database-url", url]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "verify passed a tampered log: {stdout}");
    stderr
}

/// Imports `n` districts (`n` + 1 audit records: one per row, one for the import).
async fn import_districts(s: &Server, first: usize, n: usize) {
    let rows: Vec<kean_app::ImportRow> = (first..first + n)
        .map(|i| kean_app::ImportRow {
            line: i + 2,
            values: [("code", format!("{:06}", 140000 + i)), ("name", format!("区{i}"))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        })
        .collect();
    let source = kean_app::ImportSource {
        file_name: "districts.csv".into(),
        content_hash: format!("{first:064x}"),
        force: false,
        dry_run: false,
        progress: None,
    };
    s.app
        .system_access("t")
        .import(kean_core::Kind::District, &rows, &source)
        .await
        .unwrap();
}

/// Runs `sql` (statements or dot-commands, on standard input) with the `sqlite3` tool.
fn sqlite3(db: &Path, sql: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sqlite3")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the sqlite3 tool (apt-get install sqlite3)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{sql}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "sqlite3 {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// One audit row changed, removed or moved with the `sqlite3` tool, a
/// checkpoint forged, the chain rewritten and re-hashed after a change, the
/// log cut after a checkpoint: each makes `kean audit verify` fail, naming
/// the record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_with_sqlite3_is_named_by_verify() {
    let Some(s) = start(Backend::Sqlite).await else {
        return;
    };
    import_districts(&s, 0, 1200).await;
    import_districts(&s, 1200, 5).await;
    let head = s.app.system_access("t").verify_audit().await.unwrap().unwrap().0;
    assert!(head > 1200, "{head}");
    let out = verify_ok(&s.url);
    assert!(
        out.contains("1 signed checkpoints verified"),
        "the import passed record 1000: {out}"
    );
    let out = kean(&["audit", "checkpoint", "--database-url", &s.url]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.contains(&format!("checkpoint signed at record {head}")),
        "{:?}",
        text(&out)
    );
    let out = verify_ok(&s.url);
    assert!(
        out.contains(&format!("audit chain intact: {head} records verified")),
        "{out}"
    );
    assert!(out.contains("2 signed checkpoints verified"), "{out}");

    let db = Path::new(s.url.strip_prefix("sqlite://").unwrap()).to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let first_cp: i64 = sqlite3(&db, "SELECT MIN(seq) FROM audit_checkpoints").parse().unwrap();
    assert!((1000..head).contains(&first_cp), "{first_cp}");
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        (
            "one row's content changed",
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = 500".into(),
            vec!["record 500".into(), "hash mismatch".into()],
        ),
        (
            "one row removed",
            "DELETE FROM audit_log WHERE seq = 700".into(),
            vec!["record 700".into(), "gap".into()],
        ),
        (
            "two rows swapped",
            "UPDATE audit_log SET seq = -seq WHERE seq IN (300, 301); \
             UPDATE audit_log SET seq = 301 WHERE seq = -300; UPDATE audit_log SET seq = 300 WHERE seq = -301"
                .into(),
            vec!["record 300".into()],
        ),
        (
            "a row inserted",
            "UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= 900; UPDATE audit_log SET seq = -seq WHERE seq < 0; \
             INSERT INTO audit_log SELECT 900, at, actor_id, 'mallory', action, target, record_id, before_json, \
             after_json, prev_hash, hash FROM audit_log WHERE seq = 901"
                .into(),
            vec!["record 900".into()],
        ),
        (
            "a checkpoint forged",
            format!(
                "UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 999) WHERE seq = {first_cp}"
            ),
            vec![format!("record {first_cp}"), "checkpoint signature".into()],
        ),
        (
            "the log cut after a checkpoint, the head moved back",
            "DELETE FROM audit_log WHERE seq > 1100; \
             UPDATE audit_head SET seq = 1100, hash = (SELECT hash FROM audit_log WHERE seq = 1100)"
                .into(),
            vec![
                "truncated".into(),
                "ends at record 1100".into(),
                format!("names record {first_cp}"),
            ],
        ),
    ];
    for (what, sql, named) in cases {
        let copy = dir.path().join("case.db");
        let _ = std::fs::remove_file(&copy);
        sqlite3(&db, &format!(".backup '{}'", copy.display()));
        let url = format!("sqlite://{}", copy.display());
        verify_ok(&url);
        sqlite3(&copy, &sql);
        let err = verify_fails(&url);
        for n in named {
            assert!(err.contains(&n), "{what}: '{n}' not named in: {err}");
        }
    }

    // The chain rewritten from record 500 on and re-hashed, as anyone with
    // the database but not the private key can: the first signed checkpoint
    // after it no longer matches.
    let copy = dir.path().join("rehashed.db");
    sqlite3(&db, &format!(".backup '{}'", copy.display()));
    let url = format!("sqlite://{}", copy.display());
    let store = kean_store::SqlStore::connect(&url).await.unwrap();
    use kean_store::AuditStore;
    let entries = store.audit_range(0, 100_000).await.unwrap();
    store.close().await;
    let mut prev = entries[498].hash.clone();
    let mut updates = String::from("BEGIN;");
    for e in &entries[499..] {
        let mut d = e.draft.clone();
        if e.seq == 500 {
            d.actor = "mallory".into();
        }
        let sealed = d.seal(e.seq, &prev);
        updates.push_str(&format!(
            "UPDATE audit_log SET actor = '{}', prev_hash = '{}', hash = '{}' WHERE seq = {};",
            sealed.draft.actor, sealed.prev_hash, sealed.hash, e.seq
        ));
        prev = sealed.hash;
    }
    updates.push_str(&format!("UPDATE audit_head SET hash = '{prev}'; COMMIT;"));
    sqlite3(&copy, &updates);
    let err = verify_fails(&url);
    assert!(
        err.contains(&format!(
            "the signed checkpoint at record {first_cp} names another hash"
        )),
        "{err}"
    );
}

/// A segment exported by `kean audit export` verifies offline with the
/// public key alone (`kean audit verify --segment --public-key`) and with
/// OpenSSL 3; a changed, shortened or re-signed segment does not. A
/// checkpoint's signature verifies with OpenSSL too, and a database whose
/// key is not the pinned one is refused.
async fn segments_verify_with_the_public_key_alone(s: Server) {
    import_districts(&s, 0, 30).await;
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("kean-audit.pem");
    let out = kean(&["audit", "public-key", pem.to_str().unwrap(), "--database-url", &s.url]);
    assert!(out.status.success(), "{:?}", text(&out));
    let printed = kean(&["audit", "public-key", "--database-url", &s.url]);
    assert_eq!(text(&printed).0, std::fs::read_to_string(&pem).unwrap());
    assert!(text(&printed).0.starts_with("-----BEGIN PUBLIC KEY-----"));

    let today = chrono::Utc::now().date_naive();
    let seg = dir.path().join("segment.jsonl");
    let out = kean(&[
        "audit",
        "export",
        "--from",
        &(today - chrono::Days::new(1)).to_string(),
        "--to",
        &today.to_string(),
        seg.to_str().unwrap(),
        "--database-url",
        &s.url,
    ]);
    assert!(out.status.success(), "{:?}", text(&out));
    let verify_segment = |file: &Path, key: &Path| {
        kean(&[
            "audit",
            "verify",
            "--segment",
            file.to_str().unwrap(),
            "--public-key",
            key.to_str().unwrap(),
        ])
    };
    let out = verify_segment(&seg, &pem);
    assert!(out.status.success(), "{:?}", text(&out));
    assert!(
        text(&out).0.contains("segment intact: records 1..31 (31 records"),
        "{:?}",
        text(&out)
    );

    let segment = std::fs::read_to_string(&seg).unwrap();
    let changed = dir.path().join("changed.jsonl");
    std::fs::write(&changed, segment.replacen("区7", "区X", 1)).unwrap();
    let out = verify_segment(&changed, &pem);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("an event was changed"), "{:?}", text(&out));
    let mut lines: Vec<&str> = segment.lines().collect();
    lines.remove(10);
    std::fs::write(&changed, lines.join("\n")).unwrap();
    let out = verify_segment(&changed, &pem);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("event 10 is missing"), "{:?}", text(&out));
    let other = dir.path().join("other.pem");
    let other_key = SealKey::from_secret_bytes(&[7; 32]).unwrap();
    std::fs::write(&other, other_key.public_key().to_pem()).unwrap();
    let out = verify_segment(&seg, &other);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("signature does not verify"), "{:?}", text(&out));
    // The database's key must be the pinned one.
    let out = kean(&[
        "audit",
        "verify",
        "--public-key",
        other.to_str().unwrap(),
        "--database-url",
        &s.url,
    ]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("not the given public key"), "{:?}", text(&out));
    let out = kean(&[
        "audit",
        "verify",
        "--public-key",
        pem.to_str().unwrap(),
        "--database-url",
        &s.url,
    ]);
    assert!(out.status.success(), "{:?}", text(&out));

    // OpenSSL 3 verifies the segment's and a checkpoint's SM2 signatures
    // (SM3 digest, distinguishing ID 1234567812345678).
    if std::process::Command::new("openssl").arg("version").output().is_err() {
        eprintln!("skipped the OpenSSL check: openssl is not installed");
        return;
    }
    let header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let trailer: serde_json::Value = serde_json::from_str(segment.lines().last().unwrap()).unwrap();
    let msg = segment_message(
        header["first_seq"].as_i64().unwrap(),
        header["last_seq"].as_i64().unwrap(),
        header["prev_hash"].as_str().unwrap(),
        trailer["last_hash"].as_str().unwrap(),
        header["from"].as_str().unwrap(),
        header["to"].as_str().unwrap(),
    );
    let openssl = |msg: &str, sig_hex: &str| {
        let (m, sg) = (dir.path().join("msg"), dir.path().join("sig"));
        std::fs::write(&m, msg).unwrap();
        std::fs::write(&sg, unhex(sig_hex).unwrap()).unwrap();
        let out = std::process::Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(&pem)
            .args(["-rawin", "-digest", "sm3", "-pkeyopt", "distid:1234567812345678", "-in"])
            .arg(&m)
            .arg("-sigfile")
            .arg(&sg)
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let sig = trailer["signature"].as_str().unwrap();
    let (ok, said) = openssl(&msg, sig);
    assert!(ok && said.contains("Signature Verified Successfully"), "{said}");
    assert!(!openssl(&msg.replace("last_seq=31", "last_seq=30"), sig).0);
    let cp = s.app.system_access("t").audit_checkpoint().await.unwrap().unwrap();
    let (ok, said) = openssl(&checkpoint_message(cp.seq, &cp.hash, &cp.at), &cp.signature);
    assert!(ok, "{said}");
    assert!(!openssl(&checkpoint_message(cp.seq - 1, &cp.hash, &cp.at), &cp.signature).0);
}
on_both!(segments_verify_with_the_public_key_alone);

/// Retention: events are archived only past 180 days (never fewer, however
/// configured), into signed segments written before the events leave the
/// database; `kean audit verify` continues across them from their kept
/// anchors, and each segment verifies on its own. A removed anchor is named.
async fn archived_segments_keep_the_chain_verifiable(s: Server) {
    import_districts(&s, 0, 45).await;
    let sys = s.app.system_access("t");
    let written = sys.verify_audit().await.unwrap().unwrap().0;
    let dir = tempfile::tempdir().unwrap();
    let tomorrow = kean_core::format_ts(chrono::Utc::now() + chrono::Duration::days(1));
    // Within the retention: refused, nothing archived.
    let err = sys.audit_archive(&tomorrow, 180, 20, dir.path()).await.unwrap_err();
    assert!(err.to_string().contains("retention"), "{err}");
    let err = sys.audit_archive(&tomorrow, 179, 20, dir.path()).await.unwrap_err();
    assert!(err.to_string().contains("180"), "{err}");
    let out = kean(&[
        "audit",
        "archive",
        "--before",
        "2020-01-01",
        "--retention-days",
        "90",
        dir.path().to_str().unwrap(),
        "--database-url",
        &s.url,
    ]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("may not be below 180 days"), "{:?}", text(&out));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);

    s.clock.advance(std::time::Duration::from_secs(200 * 86_400));
    let done = sys.audit_archive(&tomorrow, 180, 20, dir.path()).await.unwrap();
    let ranges: Vec<(i64, i64)> = done.iter().map(|(_, a)| (a.first_seq, a.last_seq)).collect();
    assert_eq!(ranges, vec![(1, 20), (21, 40), (41, written)], "{ranges:?}");
    import_districts(&s, 100, 5).await;
    let out = verify_ok(&s.url);
    assert!(
        out.contains(&format!("archived: {written} records in 3 signed segments")),
        "{out}"
    );
    assert!(
        out.contains(&format!("audit chain intact: {} records verified", written + 9)),
        "{out}"
    );
    // The archived records are gone from the database, the segments verify alone.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.url).await.unwrap();
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 9, "the archivings' three records and the new import's six");
    let pem = dir.path().join("key.pem");
    assert!(
        kean(&["audit", "public-key", pem.to_str().unwrap(), "--database-url", &s.url])
            .status
            .success()
    );
    for (path, a) in &done {
        let out = kean(&[
            "audit",
            "verify",
            "--segment",
            path.to_str().unwrap(),
            "--public-key",
            pem.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{:?}", text(&out));
        assert!(
            text(&out)
                .0
                .contains(&format!("records {}..{}", a.first_seq, a.last_seq))
        );
    }
    // An anchor removed or changed is named.
    sqlx::query("UPDATE audit_archives SET last_hash = prev_hash WHERE first_seq = 21")
        .execute(&pool)
        .await
        .unwrap();
    let err = verify_fails(&s.url);
    assert!(
        err.contains("record 21") && err.contains("archived segment 21..40"),
        "{err}"
    );
    sqlx::query("DELETE FROM audit_archives WHERE first_seq = 21")
        .execute(&pool)
        .await
        .unwrap();
    let err = verify_fails(&s.url);
    assert!(err.contains("archived segment 41.."), "{err}");
    pool.close().await;
}
on_both!(archived_segments_keep_the_chain_verifiable);

/// A read's audit record, as `append_audit` gets it from a request.
fn read_event(actor: &str, n: i64) -> kean_core::audit::AuditDraft {
    kean_core::audit::AuditDraft {
        at: kean_core::format_ts(chrono::Utc::now()),
        actor_id: 1,
        actor: actor.to_string(),
        action: "read".into(),
        target: "tech-contracts".into(),
        record_id: Some(n),
        before: None,
        after: Some(serde_json::json!({ "ids": [n], "role": "reviewer" })),
    }
}

/// Several stores (as several processes: each its own connections and its
/// own hint of the chain's head) appending reads' records at once keep one
/// chain: a store whose hint went stale because another appended is refused
/// by the database (`audit_append`), reads the head again and appends after
/// it; a group that reaches a checkpoint is appended the ordinary way. No
/// sequence number is used twice or skipped, and the chain and its signed
/// checkpoints verify.
async fn stores_appending_at_once_keep_one_chain(s: Server) {
    use kean_store::AuditStore;
    import_districts(&s, 0, 3).await;
    let stores = stores_on(&s.url, 3).await;
    for st in &stores {
        st.set_checkpoint_every(50);
    }
    // One after the other: each append makes the other store's hint stale.
    let mut last = 0;
    for round in 0..4 {
        for (i, st) in stores.iter().enumerate() {
            let e = st.append_audit(read_event(&format!("s{i}"), round)).await.unwrap();
            assert!(e.seq > last, "{} after {last}", e.seq);
            last = e.seq;
        }
    }
    // The database itself refuses a record that does not continue its head.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.url).await.unwrap();
    let (head, hash): (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(head, last);
    let prev: String = sqlx::query_scalar("SELECT prev_hash FROM audit_log WHERE seq = $1")
        .bind(head)
        .fetch_one(&pool)
        .await
        .unwrap();
    // Sealed after the head before the last (a stale hint), and numbered
    // after the head but chained to another hash.
    for stale in [
        read_event("mallory", 0).seal(head, &prev),
        read_event("mallory", 0).seal(head + 1, &prev),
    ] {
        let err = sqlx::query(
            "INSERT INTO audit_append (seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, 1, 'mallory', 'read', 'tech-contracts', NULL, NULL, $3, $4, $5)",
        )
        .bind(stale.seq)
        .bind(stale.draft.at.clone())
        .bind(stale.draft.after.as_ref().map(|v| v.to_string()))
        .bind(stale.prev_hash.clone())
        .bind(stale.hash.clone())
        .execute(&pool)
        .await
        .unwrap_err();
        assert!(err.to_string().contains("audit chain head moved"), "{err}");
    }
    let now: (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(now, (head, hash), "nothing written");
    // At once: eight tasks on each store, and the server's store importing.
    let mut tasks = tokio::task::JoinSet::new();
    for (i, st) in stores.iter().enumerate() {
        for t in 0..8 {
            let st = st.clone();
            tasks.spawn(async move {
                let mut seqs = Vec::new();
                for n in 0..25 {
                    seqs.push(st.append_audit(read_event(&format!("s{i}t{t}"), n)).await.unwrap().seq);
                }
                seqs
            });
        }
    }
    let importing = async {
        for i in 0..5 {
            import_districts(&s, 10 + 3 * i, 3).await;
        }
    };
    let (seqs, ()) = tokio::join!(tasks.join_all(), importing);
    let mut seqs: Vec<i64> = seqs.into_iter().flatten().collect();
    seqs.sort_unstable();
    seqs.dedup();
    let total = last + 24 * 25 + 5 * 4;
    assert_eq!(seqs.len(), 24 * 25, "every read's record its own number");
    let (count, max): (i64, i64) = sqlx::query_as("SELECT COUNT(*), MAX(seq) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((count, max), (total, total), "no number used twice or skipped");
    let checkpoints: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_checkpoints")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(
        checkpoints >= 5,
        "groups reaching a multiple of 50 signed checkpoints: {checkpoints}"
    );
    pool.close().await;
    let out = verify_ok(&s.url);
    assert!(
        out.contains(&format!("audit chain intact: {} records verified", total)),
        "{out}"
    );
    let (head, _) = s.app.system_access("t").verify_audit().await.unwrap().unwrap();
    assert_eq!(head, total);
}
on_both!(stores_appending_at_once_keep_one_chain);

/// `n` stores of their own on the database at `url`.
async fn stores_on(url: &str, n: usize) -> Vec<std::sync::Arc<kean_store::SqlStore>> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(std::sync::Arc::new(kean_store::SqlStore::connect(url).await.unwrap()));
    }
    out
}
