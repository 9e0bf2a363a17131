//! The audit chain: appending sealed records under the head-row lock, and
//! reading them back.

use async_trait::async_trait;
use kean_core::audit::{AuditDraft, AuditEntry};
use sqlx::{AnyConnection, Row};

use crate::error::Result;
use crate::types::{Page, WriteMeta};

use super::SqlStore;
use super::args::*;
use crate::traits::AuditStore;

/// Writes sealed audit entries, many to a statement (the caller holds the
/// head-row lock). `positional`: SQLite's `?` placeholders.
pub(crate) async fn insert_audit_entries(
    conn: &mut AnyConnection,
    entries: &[AuditEntry],
    positional: bool,
) -> Result<()> {
    for chunk in entries.chunks(500) {
        let mut args = Vec::with_capacity(chunk.len() * 11);
        let mut tuples = Vec::with_capacity(chunk.len());
        for e in chunk {
            let first = args.len() + 1;
            args.extend(audit_args(e));
            tuples.push(placeholders(positional, first, args.len()));
        }
        q(
            format!("INSERT INTO audit_log ({AUDIT_COLS}) VALUES {}", tuples.join(", ")),
            args,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(crate) fn audit_args(e: &AuditEntry) -> Vec<Arg> {
    vec![
        Arg::Int(Some(e.seq)),
        Arg::Text(Some(e.draft.at.clone())),
        Arg::Int(Some(e.draft.actor_id)),
        Arg::Text(Some(e.draft.actor.clone())),
        Arg::Text(Some(e.draft.action.clone())),
        Arg::Text(Some(e.draft.target.clone())),
        Arg::Int(e.draft.record_id),
        Arg::Text(e.draft.before.as_ref().map(|v| v.to_string())),
        Arg::Text(e.draft.after.as_ref().map(|v| v.to_string())),
        Arg::Text(Some(e.prev_hash.clone())),
        Arg::Text(Some(e.hash.clone())),
    ]
}

/// Writes one sealed audit entry (the caller holds the head-row lock).
pub(crate) async fn insert_audit_entry(conn: &mut AnyConnection, e: &AuditEntry) -> Result<()> {
    insert_audit_entries(conn, std::slice::from_ref(e), false).await
}

/// Appends an audit record inside the caller's transaction. Locking the
/// head row serialises writers, so sequence numbers have no gaps and the
/// chain follows commit order.
pub(crate) async fn append_in(conn: &mut AnyConnection, draft: AuditDraft) -> Result<AuditEntry> {
    let head = qs("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev: String = head.try_get("hash")?;
    let entry = draft.seal(seq, &prev);
    insert_audit_entry(conn, &entry).await?;
    q(
        "UPDATE audit_head SET hash = $1 WHERE id = 1".into(),
        vec![Arg::Text(Some(entry.hash.clone()))],
    )
    .execute(&mut *conn)
    .await?;
    Ok(entry)
}

pub(crate) fn draft(meta: &WriteMeta, action: &str, target: &str, record_id: Option<i64>) -> AuditDraft {
    AuditDraft {
        at: meta.at.clone(),
        actor_id: meta.actor_id,
        actor: meta.actor.clone(),
        action: action.to_string(),
        target: target.to_string(),
        record_id,
        before: None,
        after: None,
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, d: AuditDraft) -> Result<AuditEntry> {
        let _w = self.write_guard().await;
        let mut tx = self.pool.begin().await?;
        let e = append_in(&mut tx, d).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>> {
        let page = page.max(1);
        let page_size = page_size.clamp(1, 500);
        let total: i64 = qs("SELECT COUNT(*) AS n FROM audit_log")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let rows = q(
            format!("SELECT {AUDIT_COLS} FROM audit_log ORDER BY seq DESC LIMIT $1 OFFSET $2"),
            vec![
                Arg::Int(Some(page_size as i64)),
                Arg::Int(Some((page as i64 - 1) * page_size as i64)),
            ],
        )
        .fetch_all(&self.pool)
        .await?;
        let items = rows.iter().map(decode_audit).collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            total_is_exact: true,
            page,
            page_size,
        })
    }

    async fn audit_range(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        q(
            format!("SELECT {AUDIT_COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"),
            vec![Arg::Int(Some(after_seq)), Arg::Int(Some(limit as i64))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_audit)
        .collect()
    }
}
