//! The audit log read back, and audit records without a data change of
//! their own (appended through the write path, `write_tx`).

use async_trait::async_trait;
use kean_core::audit::{AuditDraft, AuditEntry};
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::traits::AuditStore;
use crate::types::Page;

use super::SqlStore;
use super::args::{AUDIT_COLS, Arg, counted_page, decode_audit, q};

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, d: AuditDraft) -> Result<AuditEntry> {
        let mut tx = self.write_tx().await?;
        tx.audit(d);
        tx.commit()
            .await?
            .pop()
            .ok_or_else(|| StoreError::other("the audit record was not appended"))
    }

    async fn append_audits(&self, drafts: Vec<AuditDraft>) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for d in drafts {
            tx.audit(d);
        }
        tx.commit().await?;
        Ok(())
    }

    async fn count_actions(&self, actor_id: i64, action: &str, since: &str) -> Result<i64> {
        Ok(q(
            "SELECT COUNT(*) AS n FROM audit_log WHERE actor_id = $1 AND action = $2 AND at >= $3".into(),
            vec![
                Arg::Int(Some(actor_id)),
                Arg::Text(Some(action.to_string())),
                Arg::Text(Some(since.to_string())),
            ],
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("n")?)
    }

    async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>> {
        counted_page(
            &self.pool,
            "SELECT COUNT(*) AS n FROM audit_log".into(),
            format!("SELECT {AUDIT_COLS} FROM audit_log ORDER BY seq DESC"),
            vec![],
            page,
            page_size,
            decode_audit,
        )
        .await
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

    async fn audit_head(&self) -> Result<(i64, String)> {
        let row = q("SELECT seq, hash FROM audit_head WHERE id = 1".into(), vec![])
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }
}
