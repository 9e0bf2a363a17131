//! The audit log read back, and audit records without a data change of
//! their own (appended through the write path, `write_tx`).

use async_trait::async_trait;
use kean_core::audit::{AuditDraft, AuditEntry, StoredRecord};
use kean_core::audit_seal::{ArchiveAnchor, Checkpoint, write_segment};
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::traits::AuditStore;
use crate::types::{AuditFilter, AuditSeals, AuditStatus, Page};
use kean_core::Scope;
use kean_core::audit::{Outcome, REFUSED_ACTIONS, stored_names};
use kean_core::policy::AuditReach;

use super::SqlStore;
use super::args::{AUDIT_COLS, Arg, counted_page, decode_audit, q, qs};
use super::seal::insert_checkpoint;
use super::write_tx::{insert_audit_entry, insert_audit_rows};

#[async_trait]
impl AuditStore for SqlStore {
    async fn append_audit(&self, d: AuditDraft) -> Result<AuditEntry> {
        self.audit_group.append(self, d).await
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

    async fn audit_search(
        &self,
        filter: &AuditFilter,
        scope: Scope,
        page: u32,
        page_size: u32,
    ) -> Result<Page<AuditEntry>> {
        let (cond, args) = audit_conditions(filter, scope);
        counted_page(
            &self.pool,
            format!("SELECT COUNT(*) AS n FROM audit_log WHERE {cond}"),
            format!("SELECT {AUDIT_COLS} FROM audit_log WHERE {cond} ORDER BY seq DESC"),
            args,
            page,
            page_size,
            decode_audit,
        )
        .await
    }

    async fn audit_find(&self, filter: &AuditFilter, scope: Scope, limit: u32) -> Result<Vec<AuditEntry>> {
        let (cond, mut args) = audit_conditions(filter, scope);
        args.push(Arg::Int(Some(i64::from(limit))));
        q(
            format!(
                "SELECT {AUDIT_COLS} FROM audit_log WHERE {cond} ORDER BY seq DESC LIMIT ${}",
                args.len()
            ),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_audit)
        .collect()
    }

    async fn audit_status(&self) -> Result<AuditStatus> {
        let (head_seq, head_hash) = self.audit_head().await?;
        let last_checkpoint = if self.has_seals().await? {
            qs("SELECT seq, at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await?
                .map(|r| Ok::<_, StoreError>((r.try_get("seq")?, r.try_get("at")?)))
                .transpose()?
        } else {
            None
        };
        Ok(AuditStatus {
            head_seq,
            head_hash,
            last_checkpoint,
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

    async fn audit_seals(&self) -> Result<Option<AuditSeals>> {
        if !self.has_seals().await? {
            return Ok(None);
        }
        let Some(public_pem) = self.read_public_pem().await? else {
            return Ok(None);
        };
        Ok(Some(AuditSeals {
            public_pem,
            checkpoints: self.read_checkpoints().await?,
            anchors: self.read_anchors().await?,
        }))
    }

    async fn audit_checkpoint(&self) -> Result<Option<Checkpoint>> {
        let Some(sealer) = self.sealer().await? else {
            return Ok(None);
        };
        let mut tx = self.write_tx().await?;
        let (seq, hash) = tx.lock_chain().await?;
        if seq == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let at: String = q(
            "SELECT at FROM audit_log WHERE seq = $1".into(),
            vec![Arg::Int(Some(seq))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("at"))
        .transpose()?
        .ok_or_else(|| StoreError::other(format!("the chain head names event {seq}, which is not in the log")))?;
        let cp = insert_checkpoint(&mut tx, &sealer, seq, &hash, &at).await?;
        tx.commit().await?;
        Ok(Some(cp))
    }

    async fn audit_seq_range(&self, from: &str, to: &str) -> Result<Option<(i64, i64)>> {
        let row = q(
            "SELECT MIN(seq) AS first, MAX(seq) AS last FROM audit_log WHERE at >= $1 AND at < $2".into(),
            vec![Arg::Text(Some(from.to_string())), Arg::Text(Some(to.to_string()))],
        )
        .fetch_one(&self.pool)
        .await?;
        let first: Option<i64> = row.try_get("first")?;
        let last: Option<i64> = row.try_get("last")?;
        Ok(first.zip(last))
    }

    async fn audit_segment(&self, first: i64, last: i64, from: &str, to: &str) -> Result<(String, ArchiveAnchor)> {
        let key = self
            .seal_key()
            .await?
            .ok_or_else(|| StoreError::other("the database has no audit signing key (migrate it first)"))?;
        let mut entries = Vec::with_capacity((last - first + 1).clamp(0, 1_000_000) as usize);
        let mut after = first - 1;
        while after < last {
            let batch = self.audit_range(after, 10_000).await?;
            let Some(end) = batch.last().map(|e| e.seq) else { break };
            entries.extend(batch.into_iter().filter(|e| e.seq <= last));
            after = end;
        }
        write_segment(&key, &entries, from, to).map_err(|e| StoreError::other(e.to_string()))
    }

    async fn audit_forget(
        &self,
        anchor: &ArchiveAnchor,
        file_name: &str,
        file_sm3: &str,
        draft: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        // The head first: no event is appended meanwhile.
        tx.lock_chain().await?;
        let archived: Option<i64> = qs("SELECT MAX(last_seq) AS last FROM audit_archives")
            .fetch_one(&mut *tx)
            .await?
            .try_get("last")?;
        let first_live: Option<i64> = qs("SELECT MIN(seq) AS first FROM audit_log")
            .fetch_one(&mut *tx)
            .await?
            .try_get("first")?;
        if anchor.first_seq != archived.unwrap_or(0) + 1 || first_live != Some(anchor.first_seq) {
            tx.rollback().await?;
            return Err(StoreError::other(format!(
                "the segment {}..{} does not continue the archive (archived up to {}, the log starts at {})",
                anchor.first_seq,
                anchor.last_seq,
                archived.unwrap_or(0),
                first_live.map_or("nothing".to_string(), |s| s.to_string())
            )));
        }
        let stored: Option<String> = q(
            "SELECT hash FROM audit_log WHERE seq = $1".into(),
            vec![Arg::Int(Some(anchor.last_seq))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("hash"))
        .transpose()?;
        if stored.as_deref() != Some(anchor.last_hash.as_str()) {
            tx.rollback().await?;
            return Err(StoreError::other(format!(
                "event {} has changed since the segment was written: nothing archived",
                anchor.last_seq
            )));
        }
        q(
            "INSERT INTO audit_archives (first_seq, last_seq, prev_hash, last_hash, from_at, to_at, signature, \
             file_name, file_sm3, archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
                .into(),
            vec![
                Arg::Int(Some(anchor.first_seq)),
                Arg::Int(Some(anchor.last_seq)),
                Arg::Text(Some(anchor.prev_hash.clone())),
                Arg::Text(Some(anchor.last_hash.clone())),
                Arg::Text(Some(anchor.from.clone())),
                Arg::Text(Some(anchor.to.clone())),
                Arg::Text(Some(anchor.signature.clone())),
                Arg::Text(Some(file_name.to_string())),
                Arg::Text(Some(file_sm3.to_string())),
                Arg::Text(Some(draft.at.clone())),
            ],
        )
        .execute(&mut *tx)
        .await?;
        q(
            "DELETE FROM audit_log WHERE seq >= $1 AND seq <= $2".into(),
            vec![Arg::Int(Some(anchor.first_seq)), Arg::Int(Some(anchor.last_seq))],
        )
        .execute(&mut *tx)
        .await?;
        let (seq, hash) = {
            let head = qs("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&mut *tx)
                .await?;
            (head.try_get::<i64, _>("seq")?, head.try_get::<String, _>("hash")?)
        };
        // The archiving's own record, sealed after the head.
        let entry = draft.seal(seq + 1, &hash);
        insert_audit_entry(&mut tx, &entry).await?;
        tx.set_chain_head(entry.seq, &entry.hash).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_range_stored(&self, after_seq: i64, limit: u32) -> Result<Vec<StoredRecord>> {
        // One row per page, the page's records as one JSON array built by
        // the database: reading ten million records row by row through the
        // driver cost more than hashing them.
        // On PostgreSQL, building that JSON (50–90 ms a page of 10,000) cost
        // the server more than sending the rows: it sends rows.
        if self.backend == crate::types::Backend::Postgres {
            return self.audit_rows_stored(after_seq, limit).await;
        }
        let sql = format!(
            "SELECT json_group_array(json_array({AUDIT_COLS})) AS page FROM \
             (SELECT {AUDIT_COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2)"
        );
        let page: Option<String> = q(sql, vec![Arg::Int(Some(after_seq)), Arg::Int(Some(limit as i64))])
            .fetch_one(&self.pool)
            .await?
            .try_get("page")?;
        type Row = (
            i64,
            String,
            i64,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
            String,
            String,
        );
        let rows: Vec<Row> = match page {
            None => Vec::new(),
            Some(p) => serde_json::from_str(&p).map_err(|e| StoreError::other(format!("audit page: {e}")))?,
        };
        let mut records: Vec<StoredRecord> = rows
            .into_iter()
            .map(
                |(seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash)| {
                    StoredRecord {
                        seq,
                        draft: AuditDraft {
                            at,
                            actor_id,
                            actor,
                            action,
                            target,
                            record_id,
                            before: None,
                            after: None,
                        },
                        before_json,
                        after_json,
                        prev_hash,
                        hash,
                    }
                },
            )
            .collect();
        records.sort_by_key(|r| r.seq);
        Ok(records)
    }

    async fn audit_head(&self) -> Result<(i64, String)> {
        let row = q("SELECT seq, hash FROM audit_head WHERE id = 1".into(), vec![])
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }
}

/// A pending record of [`AuditGroup`] and where its appended entry goes.
type Pending = (AuditDraft, tokio::sync::oneshot::Sender<Result<AuditEntry>>);

/// Group commit of audit records that change no data of their own (reads of
/// classified records above all: every detail view of a 秘密 record appends
/// one). Each caller queues its record and then waits for the leader lock;
/// whoever holds it takes every record queued so far and appends them
/// ([`SqlStore::append_group`]: one statement on the group's own connection
/// when the process's hint of the chain head is right), then answers each
/// caller (who may be waiting for its answer or for the lock, whichever
/// comes first). A caller is answered only after the statement or
/// transaction holding its record committed, so a page is never served
/// before its read is durably recorded; concurrent reads share one commit
/// instead of one each. A caller whose record a leader already took finds
/// its answer when it gets the lock.
#[derive(Default)]
pub(crate) struct AuditGroup {
    queue: std::sync::Mutex<Vec<Pending>>,
    /// The leader lock, and the connection the leader appends through.
    leader: tokio::sync::Mutex<Appender>,
}

/// The connection groups are appended through: out of the pool (taking a
/// pooled connection costs a round trip to it, giving it back another), kept
/// while it answers.
#[derive(Default)]
pub(crate) enum Appender {
    #[default]
    None,
    Ready(sqlx::AnyConnection),
    /// The database has no `audit_append` (before migration 0023): looked
    /// for again after a while.
    Unavailable(std::time::Instant),
}

impl AuditGroup {
    async fn append(&self, store: &SqlStore, d: AuditDraft) -> Result<AuditEntry> {
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).push((d, tx));
        // Answered by a leader that took our record, or the lead ourselves:
        // whichever comes first (an answered caller leaves the lock's queue,
        // so the callers of one group are woken at once, not one by one).
        let mut lead = tokio::select! {
            biased;
            done = &mut rx => {
                return done.unwrap_or_else(|_| Err(StoreError::other("the audit record was not appended")));
            }
            lead = self.leader.lock() => lead,
        };
        // Appended by the leader before us (it answers before it lets go).
        if let Ok(done) = rx.try_recv() {
            return done;
        }
        let batch: Vec<Pending> = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|p| p.into_inner()));
        let (drafts, waiting): (Vec<AuditDraft>, Vec<_>) = batch.into_iter().unzip();
        let appended = store.append_group(&mut lead, drafts).await;
        match appended {
            Ok(entries) if entries.len() == waiting.len() => {
                for (entry, w) in entries.into_iter().zip(waiting) {
                    let _ = w.send(Ok(entry));
                }
            }
            Ok(_) => {
                for w in waiting {
                    let _ = w.send(Err(StoreError::other("the audit records were not all appended")));
                }
            }
            Err(e) => {
                let text = e.to_string();
                for w in waiting {
                    let _ = w.send(Err(StoreError::other(format!(
                        "appending the audit record failed: {text}"
                    ))));
                }
            }
        }
        rx.await
            .unwrap_or_else(|_| Err(StoreError::other("the audit record was not appended")))
    }
}

/// What SQLite or PostgreSQL says when `audit_append` refuses a record that
/// does not continue the stored head (migration 0023).
const HEAD_MOVED: &str = "audit chain head moved";

/// How long a database without `audit_append` is not asked again.
const UNAVAILABLE_FOR: std::time::Duration = std::time::Duration::from_secs(30);

impl SqlStore {
    /// Appends a group of records that change no data of their own and
    /// commits them. Sealed after the process's hint of the chain head, they
    /// go to the database in one statement on the group's own connection
    /// (`audit_append`: each row must continue the head as stored, and moves
    /// it on; the statement is its own transaction) — one round trip where a
    /// transaction takes five, plus two for a pooled connection. When the
    /// hint is stale (another process appended), the head is read and the
    /// group sealed again, at most twice; when a checkpoint is due, the
    /// database lacks the view or anything fails, the records are appended
    /// the ordinary way ([`WriteTx`](super::write_tx::WriteTx): the head
    /// locked and read in the transaction).
    async fn append_group(&self, appender: &mut Appender, drafts: Vec<AuditDraft>) -> Result<Vec<AuditEntry>> {
        let drafts = match self.append_fast(appender, drafts).await {
            Ok(entries) => return Ok(entries),
            Err(drafts) => drafts,
        };
        let mut wtx = self.write_tx().await?;
        for d in drafts {
            wtx.audit(d);
        }
        wtx.commit().await
    }

    /// [`SqlStore::append_group`]'s one statement; the drafts back when it
    /// could not append them.
    async fn append_fast(
        &self,
        appender: &mut Appender,
        mut drafts: Vec<AuditDraft>,
    ) -> std::result::Result<Vec<AuditEntry>, Vec<AuditDraft>> {
        let Ok(sealer) = self.sealer().await else {
            return Err(drafts);
        };
        let _w = self.write_guard().await;
        let mut conn = match std::mem::take(appender) {
            Appender::Ready(conn) => conn,
            Appender::Unavailable(since) if since.elapsed() < UNAVAILABLE_FOR => {
                *appender = Appender::Unavailable(since);
                return Err(drafts);
            }
            Appender::None | Appender::Unavailable(_) => match self.appender_connection().await {
                Ok(Some(conn)) => conn,
                Ok(None) => {
                    *appender = Appender::Unavailable(std::time::Instant::now());
                    return Err(drafts);
                }
                Err(_) => return Err(drafts),
            },
        };
        for _ in 0..3 {
            let (seq, hash) = match self.head_hint.get() {
                Some(head) => head,
                None => match read_head(&mut conn).await {
                    Ok((seq, hash)) => {
                        self.head_hint.set(seq, hash.clone());
                        (seq, hash)
                    }
                    Err(_) => return Err(drafts),
                },
            };
            let last = seq + drafts.len() as i64;
            if sealer.as_ref().is_some_and(|s| s.due(seq, last)) {
                // A checkpoint is signed in the records' transaction.
                *appender = Appender::Ready(conn);
                return Err(drafts);
            }
            let mut prev = hash;
            let entries: Vec<AuditEntry> = drafts
                .into_iter()
                .zip(seq + 1..)
                .map(|(d, seq)| {
                    let e = d.seal(seq, &prev);
                    prev.clone_from(&e.hash);
                    e
                })
                .collect();
            match insert_audit_rows(&mut conn, "audit_append", &entries, self.positional()).await {
                Ok(()) => {
                    self.head_hint.saw(last, prev);
                    *appender = Appender::Ready(conn);
                    return Ok(entries);
                }
                Err(sqlx::Error::Database(e)) if e.message().contains(HEAD_MOVED) => {
                    // Another process appended since: read the head again.
                    drafts = entries.into_iter().map(|e| e.draft).collect();
                    match read_head(&mut conn).await {
                        Ok((seq, hash)) => self.head_hint.set(seq, hash),
                        Err(_) => return Err(drafts),
                    }
                }
                // The connection is dropped: whatever went wrong, the next
                // group starts on a fresh one.
                Err(_) => return Err(entries.into_iter().map(|e| e.draft).collect()),
            }
        }
        *appender = Appender::Ready(conn);
        Err(drafts)
    }

    /// A connection of the group's own, or `None` when the database has no
    /// `audit_append` (migration 0023).
    async fn appender_connection(&self) -> Result<Option<sqlx::AnyConnection>> {
        let mut conn = self.pool.acquire().await?.detach();
        let exists = match self.backend {
            crate::types::Backend::Sqlite => {
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'view' AND name = 'audit_append'"
            }
            crate::types::Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.views WHERE table_schema = current_schema() AND table_name = 'audit_append'"
            }
        };
        let n: i64 = qs(exists).fetch_one(&mut conn).await?.try_get("n")?;
        Ok((n > 0).then_some(conn))
    }
}

/// The chain's head as stored.
async fn read_head(conn: &mut sqlx::AnyConnection) -> Result<(i64, String)> {
    let row = qs("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok((row.try_get("seq")?, row.try_get("hash")?))
}

/// The WHERE clause of an audit search and its bound arguments (`$1`…):
/// the filter's parts, and the scope's audit reach — no event for a scope
/// that reaches none, only events by accounts holding a role for a reach
/// limited to that role's actors.
fn audit_conditions(f: &AuditFilter, scope: Scope) -> (String, Vec<Arg>) {
    let mut cond: Vec<String> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let bind = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        format!("${}", args.len())
    };
    match scope.audit_reach() {
        AuditReach::Whole => {}
        AuditReach::Nothing => cond.push("1 = 0".into()),
        AuditReach::ActorsInRole(role) => {
            let p = bind(&mut args, Arg::Text(Some(role.code().to_string())));
            cond.push(format!("actor_id IN (SELECT id FROM users WHERE role = {p})"));
        }
    }
    if let Some(actor) = &f.actor {
        let p = bind(&mut args, Arg::Text(Some(actor.clone())));
        cond.push(format!("actor = {p}"));
    }
    if let Some(action) = &f.action {
        let p = bind(&mut args, Arg::Text(Some(action.clone())));
        cond.push(format!("action = {p}"));
    }
    if let Some(target) = &f.target {
        let names: Vec<String> = stored_names(target)
            .into_iter()
            .map(|n| bind(&mut args, Arg::Text(Some(n.to_string()))))
            .collect();
        cond.push(format!("target IN ({})", names.join(", ")));
    }
    if let Some(id) = f.record_id {
        let p = bind(&mut args, Arg::Int(Some(id)));
        cond.push(format!("record_id = {p}"));
    }
    if let Some(from) = &f.from {
        let p = bind(&mut args, Arg::Text(Some(from.clone())));
        cond.push(format!("at >= {p}"));
    }
    if let Some(to) = &f.to {
        let p = bind(&mut args, Arg::Text(Some(to.clone())));
        cond.push(format!("at < {p}"));
    }
    if let Some(outcome) = f.outcome {
        let refused: Vec<String> = REFUSED_ACTIONS
            .iter()
            .map(|a| bind(&mut args, Arg::Text(Some(a.to_string()))))
            .collect();
        let not = if outcome == Outcome::Refused { "" } else { "NOT " };
        cond.push(format!("action {not}IN ({})", refused.join(", ")));
    }
    if let Some(seq) = f.before_seq {
        let p = bind(&mut args, Arg::Int(Some(seq)));
        cond.push(format!("seq < {p}"));
    }
    if cond.is_empty() {
        cond.push("1 = 1".into());
    }
    (cond.join(" AND "), args)
}

impl SqlStore {
    /// [`AuditStore::audit_range_stored`] row by row.
    async fn audit_rows_stored(&self, after_seq: i64, limit: u32) -> Result<Vec<StoredRecord>> {
        q(
            format!("SELECT {AUDIT_COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"),
            vec![Arg::Int(Some(after_seq)), Arg::Int(Some(limit as i64))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(StoredRecord {
                seq: row.try_get("seq")?,
                draft: AuditDraft {
                    at: row.try_get("at")?,
                    actor_id: row.try_get("actor_id")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    target: row.try_get("target")?,
                    record_id: row.try_get("record_id")?,
                    before: None,
                    after: None,
                },
                before_json: row.try_get("before_json")?,
                after_json: row.try_get("after_json")?,
                prev_hash: row.try_get("prev_hash")?,
                hash: row.try_get("hash")?,
            })
        })
        .collect()
    }
}
