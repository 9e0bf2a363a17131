//! Seeds N correctly chained audit records fast, for `bench/audit.sh`: the
//! database is migrated (which makes its SM2 key), then the records are
//! sealed here and bulk-inserted (many rows to a statement, one transaction
//! per 100,000), with a signed checkpoint every 1000 records as the write
//! path signs them, and the chain head set to the last record. Not the
//! write path — a seeder for measuring `kean audit verify`.
//!
//! cargo run --release -p kean-cli --example audit_seed -- DATABASE_URL N
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use std::sync::Arc;
use std::time::Instant;

use kean_app::{App, SystemClock};
use kean_core::audit::{AuditDraft, GENESIS_HASH};
use kean_core::audit_seal::{CHECKPOINT_EVERY, SealKey};
use sqlx::Row;

const ROWS_PER_STATEMENT: usize = 2000;
const ROWS_PER_TX: i64 = 100_000;

fn draft(seq: i64) -> AuditDraft {
    let actions = ["create", "update", "archive", "login", "export"];
    let targets = ["organizations", "persons", "tech-contracts", "session", "achievements"];
    let i = (seq % 5) as usize;
    AuditDraft {
        at: format!(
            "2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            1 + (seq / 2_000_000) % 12,
            1 + (seq / 70_000) % 28,
            (seq / 3600) % 24,
            (seq / 60) % 60,
            seq % 60,
            seq % 1000
        ),
        actor_id: 1 + seq % 40,
        actor: format!("user{:02}", seq % 40),
        action: actions[i].into(),
        target: targets[i].into(),
        record_id: Some(seq / 3),
        before: (i == 1)
            .then(|| serde_json::json!({"name": format!("晋中市示范科技有限公司{}", seq % 997), "status": "active"})),
        after: Some(serde_json::json!({
            "name": format!("晋中市示范科技有限公司{}", seq % 991),
            "credit_code": format!("91140702MB{:07}X", seq % 9_999_999),
            "district": "榆次区",
            "amount_fen": seq * 37 % 100_000_000,
        })),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args.get(1).expect("DATABASE_URL N");
    let n: i64 = args.get(2).expect("DATABASE_URL N").parse().expect("N");
    let app = App::open(url, Arc::new(SystemClock)).await.expect("open");
    drop(app);
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .expect("connect");
    let sqlite = url.starts_with("sqlite");
    if sqlite {
        for p in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = OFF"] {
            sqlx::query(p).execute(&pool).await.unwrap();
        }
    }
    let secret: String = sqlx::query("SELECT secret_hex FROM audit_key WHERE id = 1")
        .fetch_one(&pool)
        .await
        .expect("the key made at first start")
        .get(0);
    let key = SealKey::from_secret_hex(&secret).unwrap();
    let (start, mut prev): (i64, String) = {
        let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert!(start == 0 || prev != GENESIS_HASH);
    let t = Instant::now();
    let mut seq = start;
    let end = start + n;
    while seq < end {
        let tx_end = (seq + ROWS_PER_TX).min(end);
        let mut tx = pool.begin().await.unwrap();
        while seq < tx_end {
            let stmt_end = (seq + ROWS_PER_STATEMENT as i64).min(tx_end);
            let mut sql = String::from(
                "INSERT INTO audit_log (seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash) VALUES ",
            );
            let mut cps = Vec::new();
            let mut rows = Vec::with_capacity(ROWS_PER_STATEMENT);
            for s in seq + 1..=stmt_end {
                let e = draft(s).seal(s, &prev);
                prev = e.hash.clone();
                if s % CHECKPOINT_EVERY == 0 {
                    cps.push(key.checkpoint(s, &e.hash, &e.draft.at));
                }
                rows.push(e);
            }
            for (i, _) in rows.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                if sqlite {
                    sql.push_str("(?,?,?,?,?,?,?,?,?,?,?)");
                } else {
                    let b = i * 11;
                    sql.push_str(&format!(
                        "(${},${},${},${},${},${},${},${},${},${},${})",
                        b + 1,
                        b + 2,
                        b + 3,
                        b + 4,
                        b + 5,
                        b + 6,
                        b + 7,
                        b + 8,
                        b + 9,
                        b + 10,
                        b + 11
                    ));
                }
            }
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for e in &rows {
                q = q
                    .bind(e.seq)
                    .bind(e.draft.at.clone())
                    .bind(e.draft.actor_id)
                    .bind(e.draft.actor.clone())
                    .bind(e.draft.action.clone())
                    .bind(e.draft.target.clone())
                    .bind(e.draft.record_id)
                    .bind(e.draft.before.as_ref().map(|v| v.to_string()))
                    .bind(e.draft.after.as_ref().map(|v| v.to_string()))
                    .bind(e.prev_hash.clone())
                    .bind(e.hash.clone());
            }
            q.execute(&mut *tx).await.unwrap();
            for cp in cps {
                sqlx::query("INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4)")
                    .bind(cp.seq)
                    .bind(cp.hash)
                    .bind(cp.at)
                    .bind(cp.signature)
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            seq = stmt_end;
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(prev.clone())
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        eprint!("\rseeded {} records", seq - start);
    }
    let secs = t.elapsed().as_secs_f64();
    eprintln!();
    if !sqlite {
        sqlx::query("ANALYZE audit_log").execute(&pool).await.unwrap();
    }
    println!(
        "seeded {n} audit records in {secs:.1} s ({:.0}/s); head {seq}",
        n as f64 / secs
    );
}
