//! The one write path. Every write of the store — registry, accounts,
//! screening — runs in a [`WriteTx`]: it takes the write lock (SQLite: this
//! process's writer mutex; PostgreSQL: the rows it locks), advances the
//! record_counts generation (and counts) of the kinds written, appends the
//! audit records and commits, in that order, so none of these can be
//! forgotten and the locks are always taken in the same order: the
//! record_counts rows (by kind, in one order) before the audit chain's head
//! row — an import and a save of the same kind once deadlocked when they
//! took them the other way round.

use std::collections::BTreeMap;

use kean_core::Kind;
use kean_core::audit::{AuditDraft, AuditEntry};
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};
use crate::types::{Backend, WriteMeta};

use super::SqlStore;
use super::args::{AUDIT_COLS, Arg, placeholders, q, qs};
use super::seal::{Sealer, checkpoint_if_due, insert_checkpoint};

/// A write transaction (see the module). Dereferences to its connection
/// for the write's own statements; dropped without [`WriteTx::commit`], it
/// rolls back.
pub(crate) struct WriteTx<'s> {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _guard: Option<tokio::sync::MutexGuard<'s, ()>>,
    /// Changes of record_counts not yet applied, by kind: (active, archived).
    counts: BTreeMap<&'static str, (i64, i64)>,
    /// Audit records to append at commit, in order.
    drafts: Vec<AuditDraft>,
    /// Whether this transaction holds the audit head (no more record_counts
    /// rows may be locked after it).
    chain_locked: bool,
    /// The head's sequence number when [`WriteTx::lock_chain`] took it.
    chain_from: Option<i64>,
    /// What checkpoints are signed with (`None` before migration 0016).
    sealer: Option<Sealer>,
    /// The chain's head once this transaction moved it (noted as the
    /// process's hint of the head when it commits).
    head_after: Option<(i64, String)>,
    /// Where the process keeps that hint.
    hint: &'s HeadHint,
}

impl SqlStore {
    /// Starts a write: the write lock, then the transaction.
    pub(crate) async fn write_tx(&self) -> Result<WriteTx<'_>> {
        let sealer = self.sealer().await?;
        let guard = self.write_guard().await;
        // SQLite: take the write lock at BEGIN, where the busy timeout waits
        // for another process's writer (an import, a second server), instead
        // of upgrading a read transaction later, which fails at once.
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(WriteTx {
            tx,
            _guard: guard,
            counts: BTreeMap::new(),
            drafts: Vec::new(),
            chain_locked: false,
            chain_from: None,
            sealer,
            head_after: None,
            hint: &self.head_hint,
        })
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl WriteTx<'_> {
    /// Records of `kind` were written: `active` and `archived` change its
    /// counts, and its generation advances (whatever a process kept about a
    /// list of `kind` is then stale). Applied before the audit records.
    pub(crate) fn written(&mut self, kind: Kind, active: i64, archived: i64) {
        let c = self.counts.entry(kind.table()).or_insert((0, 0));
        c.0 += active;
        c.1 += archived;
    }

    /// Like [`WriteTx::written`], applied now: the kind's record_counts row
    /// is locked from here on (an import takes it before anything else).
    pub(crate) async fn written_now(&mut self, kind: Kind, active: i64, archived: i64) -> Result<()> {
        self.written(kind, active, archived);
        self.apply_counts().await
    }

    /// An audit record to append at commit.
    pub(crate) fn audit(&mut self, draft: AuditDraft) {
        self.drafts.push(draft);
    }

    async fn apply_counts(&mut self) -> Result<()> {
        if self.counts.is_empty() {
            return Ok(());
        }
        if self.chain_locked {
            return Err(StoreError::other(
                "record_counts after the audit head: the write path's lock order is broken",
            ));
        }
        for (table, (active, archived)) in std::mem::take(&mut self.counts) {
            q(
                "UPDATE record_counts SET active = active + $1, archived = archived + $2, \
                 generation = generation + 1 WHERE kind = $3"
                    .into(),
                vec![
                    Arg::Int(Some(active)),
                    Arg::Int(Some(archived)),
                    Arg::Text(Some(table.to_string())),
                ],
            )
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Locks the audit chain's head for a write that seals its own records
    /// (an import, many to a statement) and returns its sequence number and
    /// hash; [`WriteTx::set_chain_head`] moves it on. Counts are applied first.
    pub(crate) async fn lock_chain(&mut self) -> Result<(i64, String)> {
        self.apply_counts().await?;
        let head = qs("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *self.tx)
            .await?;
        self.chain_locked = true;
        let seq: i64 = head.try_get("seq")?;
        self.chain_from = Some(seq);
        Ok((seq, head.try_get("hash")?))
    }

    /// Moves the head on to the last record a write sealed itself, and
    /// signs a checkpoint there if its records reached a multiple.
    pub(crate) async fn set_chain_head(&mut self, seq: i64, hash: &str) -> Result<()> {
        self.head_after = Some((seq, hash.to_string()));
        q(
            "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1".into(),
            vec![Arg::Int(Some(seq)), Arg::Text(Some(hash.to_string()))],
        )
        .execute(&mut *self.tx)
        .await?;
        if let (Some(s), Some(from)) = (&self.sealer, self.chain_from)
            && s.due(from, seq)
        {
            let at: String = q(
                "SELECT at FROM audit_log WHERE seq = $1".into(),
                vec![Arg::Int(Some(seq))],
            )
            .fetch_one(&mut *self.tx)
            .await?
            .try_get("at")?;
            insert_checkpoint(&mut self.tx, s, seq, hash, &at).await?;
        }
        Ok(())
    }

    /// Applies the counts, appends the audit records and commits; returns
    /// the audit entries appended.
    pub(crate) async fn commit(mut self) -> Result<Vec<AuditEntry>> {
        self.apply_counts().await?;
        let drafts = std::mem::take(&mut self.drafts);
        let entries = append_in(&mut self.tx, drafts).await?;
        checkpoint_if_due(&mut self.tx, self.sealer.as_ref(), &entries).await?;
        self.tx.commit().await?;
        if let Some(last) = entries.last() {
            self.head_after = Some((last.seq, last.hash.clone()));
        }
        if let Some((seq, hash)) = self.head_after.take() {
            self.hint.saw(seq, hash);
        }
        Ok(entries)
    }

    /// Gives up the write (nothing of it stays).
    pub(crate) async fn rollback(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// Writes sealed audit entries, many to a statement (the caller holds the
/// head-row lock). `positional`: SQLite's `?` placeholders.
pub(crate) async fn insert_audit_entries(
    conn: &mut AnyConnection,
    entries: &[AuditEntry],
    positional: bool,
) -> Result<()> {
    Ok(insert_audit_rows(conn, "audit_log", entries, positional).await?)
}

/// Inserts sealed audit entries into `table` (`audit_log`, or the view
/// `audit_append`, which checks and moves the head itself), many to a
/// statement.
pub(crate) async fn insert_audit_rows(
    conn: &mut AnyConnection,
    table: &str,
    entries: &[AuditEntry],
    positional: bool,
) -> std::result::Result<(), sqlx::Error> {
    for chunk in entries.chunks(500) {
        let mut args = Vec::with_capacity(chunk.len() * 11);
        let mut tuples = Vec::with_capacity(chunk.len());
        for e in chunk {
            let first = args.len() + 1;
            args.extend(audit_args(e));
            tuples.push(placeholders(positional, first, args.len()));
        }
        q(
            format!("INSERT INTO {table} ({AUDIT_COLS}) VALUES {}", tuples.join(", ")),
            args,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The audit chain's head as this process last saw it commit: a hint for
/// appending without reading the head first (`audit_append`, which refuses
/// a stale one), never trusted for what is written.
#[derive(Default)]
pub(crate) struct HeadHint(std::sync::Mutex<Option<(i64, String)>>);

impl HeadHint {
    /// The head (seq, hash) last seen, if any.
    pub(crate) fn get(&self) -> Option<(i64, String)> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A commit moved the head to `seq`: kept unless a later one was seen
    /// (commits of one process may report out of order).
    pub(crate) fn saw(&self, seq: i64, hash: String) {
        let mut h = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if h.as_ref().is_none_or(|(s, _)| *s <= seq) {
            *h = Some((seq, hash));
        }
    }

    /// The head read from the database: taken as it is (an archive or a
    /// restore may have put it anywhere).
    pub(crate) fn set(&self, seq: i64, hash: String) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((seq, hash));
    }
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

/// Appends audit records inside the caller's transaction, in order: the
/// head row is locked and read once, the records sealed after it, written
/// many to a statement, and the head moved on — three statements however
/// many records a transaction (or a group of reads that could not be
/// appended in one statement, `SqlStore::append_group`) carries. Locking the head row serialises writers, so sequence numbers
/// have no gaps and the chain follows commit order.
async fn append_in(conn: &mut AnyConnection, drafts: Vec<AuditDraft>) -> Result<Vec<AuditEntry>> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let head = qs("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let mut seq: i64 = head.try_get("seq")?;
    let mut prev: String = head.try_get("hash")?;
    let mut entries = Vec::with_capacity(drafts.len());
    for d in drafts {
        seq += 1;
        let e = d.seal(seq, &prev);
        prev.clone_from(&e.hash);
        entries.push(e);
    }
    insert_audit_entries(conn, &entries, false).await?;
    q(
        "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1".into(),
        vec![Arg::Int(Some(seq)), Arg::Text(Some(prev))],
    )
    .execute(&mut *conn)
    .await?;
    Ok(entries)
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
