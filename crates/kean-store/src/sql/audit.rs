//! The audit log read back, and audit records without a data change of
//! their own (appended through the write path, `write_tx`).

use async_trait::async_trait;
use kean_core::audit::{AuditDraft, AuditEntry};
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::traits::AuditStore;
use crate::types::Page;

use super::SqlStore;
use super::args::{AUDIT_COLS, Arg, decode_audit, q, qs};

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
