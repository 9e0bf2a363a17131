//! The outbox of follow-up work: what must follow a committed write,
//! recorded in the write's transaction (`mark`), claimed by whichever
//! process runs it (`claim_work`), removed when done (`complete_work`) or
//! put back with a delay when it failed (`fail_work`).

use async_trait::async_trait;
use kean_core::Kind;
use sqlx::Row;

use super::SqlStore;
use super::args::{Arg, q};
use super::write_tx::WriteTx;
use crate::error::{Result, StoreError};
use crate::traits::WorkStore;
use crate::types::WorkItem;

/// Marks records of `kind` as written at `at`, needing their follow-up,
/// in the caller's transaction (a later write of the same record marks it
/// again). Rows go in slices, so that an import of 100,000 records is a few
/// hundred statements.
pub(crate) async fn mark(store: &SqlStore, tx: &mut WriteTx<'_>, kind: Kind, ids: &[i64], at: &str) -> Result<()> {
    if !store.follows(kind) || ids.is_empty() {
        return Ok(());
    }
    for slice in ids.chunks(300) {
        let mut args = vec![
            Arg::Text(Some(kind.table().to_string())),
            Arg::Text(Some(at.to_string())),
        ];
        let values: Vec<String> = slice
            .iter()
            .map(|id| {
                args.push(Arg::Int(Some(*id)));
                format!("($1, ${}, $2, NULL, 0)", args.len())
            })
            .collect();
        q(
            format!(
                "INSERT INTO pending_work (kind, record_id, written_at, claimed_until, attempts) VALUES {} \
                 ON CONFLICT (kind, record_id) DO UPDATE SET written_at = excluded.written_at, \
                 claimed_until = NULL, attempts = 0, last_error = NULL",
                values.join(", ")
            ),
            args,
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Marks every active record of every followed kind as written at `at`
/// (a change every party's screening depends on: the bureau's vocabulary),
/// in the caller's transaction, one statement per kind. Returns how many.
pub(crate) async fn mark_all(store: &SqlStore, tx: &mut WriteTx<'_>, at: &str) -> Result<i64> {
    let mut kinds: Vec<Kind> = Kind::ALL.into_iter().filter(|k| store.follows(*k)).collect();
    kinds.sort_by_key(|k| k.table());
    let mut marked = 0;
    for kind in kinds {
        // (SQLite reads ON CONFLICT after a SELECT only when the SELECT has a WHERE.)
        marked += q(
            format!(
                "INSERT INTO pending_work (kind, record_id, written_at, claimed_until, attempts) \
                 SELECT $1, id, $2, NULL, 0 FROM {} WHERE archived = 0 \
                 ON CONFLICT (kind, record_id) DO UPDATE SET written_at = excluded.written_at, \
                 claimed_until = NULL, attempts = 0, last_error = NULL",
                kind.table()
            ),
            vec![
                Arg::Text(Some(kind.table().to_string())),
                Arg::Text(Some(at.to_string())),
            ],
        )
        .execute(&mut **tx)
        .await?
        .rows_affected() as i64;
    }
    Ok(marked)
}

fn kind_of(table: &str) -> Result<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.table() == table)
        .ok_or_else(|| StoreError::other(format!("unknown kind '{table}' in pending_work")))
}

#[async_trait]
impl WorkStore for SqlStore {
    async fn claim_work(
        &self,
        now: &str,
        lease_until: &str,
        written_before: &str,
        limit: u32,
    ) -> Result<Vec<WorkItem>> {
        let mut tx = self.write_tx().await?;
        let rows = q(
            "SELECT kind, record_id, written_at FROM pending_work \
             WHERE (claimed_until IS NULL OR claimed_until < $1) AND written_at < $2 \
             ORDER BY written_at, kind, record_id LIMIT $3"
                .into(),
            vec![
                Arg::Text(Some(now.to_string())),
                Arg::Text(Some(written_before.to_string())),
                Arg::Int(Some(limit as i64)),
            ],
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::with_capacity(rows.len());
        for r in rows {
            let table: String = r.try_get("kind")?;
            let item = WorkItem {
                kind: kind_of(&table)?,
                record_id: r.try_get("record_id")?,
                written_at: r.try_get("written_at")?,
            };
            // Another process may have claimed it meanwhile (PostgreSQL
            // re-checks the condition after waiting for its row lock).
            let n = q(
                "UPDATE pending_work SET claimed_until = $1 WHERE kind = $2 AND record_id = $3 \
                 AND written_at = $4 AND (claimed_until IS NULL OR claimed_until < $5)"
                    .into(),
                vec![
                    Arg::Text(Some(lease_until.to_string())),
                    Arg::Text(Some(table)),
                    Arg::Int(Some(item.record_id)),
                    Arg::Text(Some(item.written_at.clone())),
                    Arg::Text(Some(now.to_string())),
                ],
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                claimed.push(item);
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    async fn complete_work(&self, items: &[WorkItem]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        // Done for the write each followed; a later write's mark stays. By
        // write and in slices: an import's 100,000 records are a few hundred
        // statements.
        let mut by_write: std::collections::BTreeMap<(Kind, &str), Vec<i64>> = Default::default();
        for item in items {
            by_write
                .entry((item.kind, item.written_at.as_str()))
                .or_default()
                .push(item.record_id);
        }
        let mut tx = self.write_tx().await?;
        for ((kind, at), ids) in by_write {
            for slice in ids.chunks(500) {
                let mut args = vec![
                    Arg::Text(Some(kind.table().to_string())),
                    Arg::Text(Some(at.to_string())),
                ];
                let marks: Vec<String> = slice
                    .iter()
                    .map(|id| {
                        args.push(Arg::Int(Some(*id)));
                        format!("${}", args.len())
                    })
                    .collect();
                q(
                    format!(
                        "DELETE FROM pending_work WHERE kind = $1 AND written_at = $2 AND record_id IN ({})",
                        marks.join(", ")
                    ),
                    args,
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn fail_work(&self, items: &[WorkItem], error: &str, retry_at: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for item in items {
            q(
                "UPDATE pending_work SET attempts = attempts + 1, last_error = $1, claimed_until = $2 \
                 WHERE kind = $3 AND record_id = $4 AND written_at = $5"
                    .into(),
                vec![
                    Arg::Text(Some(error.chars().take(500).collect())),
                    Arg::Text(Some(retry_at.to_string())),
                    Arg::Text(Some(item.kind.table().to_string())),
                    Arg::Int(Some(item.record_id)),
                    Arg::Text(Some(item.written_at.clone())),
                ],
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn pending_work_count(&self) -> Result<i64> {
        Ok(q("SELECT COUNT(*) AS n FROM pending_work".into(), vec![])
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?)
    }
}
