//! The audit log that proves itself, as the operator uses it (`kean audit
//! verify | checkpoint | public-key | export | archive`): the walk of the
//! whole log (anchors, events in pages, checkpoints — the pure
//! `kean_core::audit_seal::ChainWalk`), signed checkpoints on demand,
//! signed segments, and the archiving of events past retention.

use kean_core::ErrorCode;
use kean_core::audit::StoredRecord;
use kean_core::audit_seal::{ArchiveAnchor, ChainWalk, Checkpoint, PublicKey};
use kean_core::policy::Action;

use crate::access::{Access, AuditBreak};
use crate::{AppError, Result};

/// How long audit events stay in the database at least, in days (and the
/// default): events are archived only when older than this.
pub const MIN_AUDIT_RETENTION_DAYS: i64 = 180;

/// Events read per page by the walk; pages are hashed on a blocking thread
/// while the next two are read.
const VERIFY_PAGE: u32 = 10_000;

/// What a whole walk of the log found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The last event and its hash.
    pub last_seq: i64,
    pub last_hash: String,
    /// Events walked in the database (archived ones not counted).
    pub events: i64,
    /// Signed checkpoints verified.
    pub checkpoints: usize,
    /// Archived segments whose signed anchors the walk continued from.
    pub archived_segments: usize,
    pub archived_events: i64,
    /// SM3 of the public key the seals verified with; `None` on a database
    /// before migration 0016 (the chain alone was walked).
    pub key_fingerprint: Option<String>,
}

/// A retention period in days: at least [`MIN_AUDIT_RETENTION_DAYS`].
pub fn check_retention(days: i64) -> Result<i64> {
    if days < MIN_AUDIT_RETENTION_DAYS {
        return Err(AppError::new(
            ErrorCode::ValidationFailed,
            format!("审计日志保留期不得少于 {MIN_AUDIT_RETENTION_DAYS} 天（给出的是 {days} 天）"),
            format!("the audit retention may not be below {MIN_AUDIT_RETENTION_DAYS} days (given: {days})"),
        ));
    }
    Ok(days)
}

impl Access {
    /// Only the operator at the machine signs, exports or archives the log
    /// (a segment holds every event unmasked, as the chain hashes it).
    fn audit_operator(&self) -> Result<()> {
        self.gate(Action::ReadAudit, None)?;
        if !self.actor().is_system() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "只有系统管理员在本机导出、签署或归档审计日志",
                "exporting, signing and archiving the audit log are the operator's, at the machine",
            ));
        }
        Ok(())
    }

    /// The public key that verifies the log's seals, PEM; `None` on a
    /// database before migration 0016.
    pub async fn audit_public_key(&self) -> Result<Option<String>> {
        self.gate(Action::ReadAudit, None)?;
        Ok(self
            .app
            .store()
            .audit_seals()
            .await
            .map_err(AppError::from_store)?
            .map(|s| s.public_pem))
    }

    /// Signs a checkpoint at the chain head now; `None` when the log is empty.
    pub async fn audit_checkpoint(&self) -> Result<Option<Checkpoint>> {
        self.audit_operator()?;
        self.app.store().audit_checkpoint().await.map_err(AppError::from_store)
    }

    /// A signed segment of the events stored at or after `from` and before
    /// `to` (stored timestamps): its text and anchor; `None` when there is
    /// no event in that time.
    pub async fn audit_export(&self, from: &str, to: &str) -> Result<Option<(String, ArchiveAnchor)>> {
        self.audit_operator()?;
        let store = self.app.store();
        let Some((first, last)) = store.audit_seq_range(from, to).await.map_err(AppError::from_store)? else {
            return Ok(None);
        };
        store
            .audit_segment(first, last, from, to)
            .await
            .map(Some)
            .map_err(AppError::from_store)
    }

    /// The next segment to archive: the oldest events still in the log,
    /// stored before `before`, at most `max_events` of them; `None` when
    /// there is none. `before` must lie `retention_days` (at least
    /// [`MIN_AUDIT_RETENTION_DAYS`]) before now.
    async fn audit_archive_next(
        &self,
        before: &str,
        retention_days: i64,
        max_events: i64,
    ) -> Result<Option<(String, ArchiveAnchor)>> {
        self.audit_operator()?;
        let days = check_retention(retention_days)?;
        let limit = kean_core::format_ts(self.app.clock.now() - chrono::Duration::days(days));
        if before > limit.as_str() {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                format!("只能归档保留期（{days} 天）以前的审计事件：{before} 晚于 {limit}"),
                format!("only events older than the retention ({days} days) are archived: {before} is after {limit}"),
            ));
        }
        let store = self.app.store();
        let Some((first, last)) = store.audit_seq_range("", before).await.map_err(AppError::from_store)? else {
            return Ok(None);
        };
        // From the oldest event on (an archive continues the one before),
        // up to the last one before `before` — never a later event.
        let oldest = store.audit_range(0, 1).await.map_err(AppError::from_store)?;
        let Some(start) = oldest.first().map(|e| e.seq) else {
            return Ok(None);
        };
        if start > first {
            return Ok(None);
        }
        let end = last.min(start + max_events.max(1) - 1);
        let from = oldest.first().map(|e| e.draft.at.clone()).unwrap_or_default();
        store
            .audit_segment(start, end, &from, before)
            .await
            .map(Some)
            .map_err(AppError::from_store)
    }

    /// Keeps the archived segment's anchor and removes its events from the
    /// log (after the segment file was written), with its own audit record.
    async fn audit_forget(&self, anchor: &ArchiveAnchor, file_name: &str, file_sm3: &str) -> Result<()> {
        self.audit_operator()?;
        let draft = self.event(
            "archive",
            "audit-log",
            serde_json::json!({
                "first_seq": anchor.first_seq,
                "last_seq": anchor.last_seq,
                "last_hash": anchor.last_hash,
                "file": file_name,
                "file_sm3": file_sm3,
            }),
        );
        self.app
            .store()
            .audit_forget(anchor, file_name, file_sm3, draft)
            .await
            .map_err(AppError::from_store)
    }

    /// Archives the events stored before `before`, oldest first, into
    /// signed segment files in `dir` (at most `segment_size` events each,
    /// named `audit-FIRST-LAST.seg`): each file is written and synced to
    /// disk, and only then are its events removed from the log, its signed
    /// anchor kept ([`Access::audit_forget`]). Refused for a `before` within
    /// the retention. Returns the files written and their anchors.
    pub async fn audit_archive(
        &self,
        before: &str,
        retention_days: i64,
        segment_size: i64,
        dir: &std::path::Path,
    ) -> Result<Vec<(std::path::PathBuf, ArchiveAnchor)>> {
        self.audit_operator()?;
        check_retention(retention_days)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::internal(format!("cannot create {}: {e}", dir.display())))?;
        let mut done = Vec::new();
        while let Some((text, anchor)) = self.audit_archive_next(before, retention_days, segment_size).await? {
            let name = format!("audit-{:012}-{:012}.seg", anchor.first_seq, anchor.last_seq);
            let path = dir.join(&name);
            write_synced(&path, &text)
                .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))?;
            self.audit_forget(&anchor, &name, &kean_core::audit::sm3_hex(text.as_bytes()))
                .await?;
            done.push((path, anchor));
        }
        Ok(done)
    }

    /// Walks the whole log: the archived segments' signed anchors, every
    /// event in sequence order (read in pages, hashed on a blocking thread
    /// while the next page is read), every checkpoint's signature and hash,
    /// and the end against the chain head (read before the walk). Returns
    /// what it found, or the first fault.
    pub async fn verify_audit_report(&self) -> Result<std::result::Result<AuditReport, AuditBreak>> {
        self.gate(Action::ReadAudit, None)?;
        let store = self.app.store();
        let (head_seq, head_hash) = store.audit_head().await.map_err(AppError::from_store)?;
        let seals = store.audit_seals().await.map_err(AppError::from_store)?;
        let (key, anchors, checkpoints) = match seals {
            Some(s) => {
                let key = PublicKey::from_pem(&s.public_pem)
                    .map_err(|e| AppError::internal(format!("the stored audit public key: {e}")))?;
                (Some(key), s.anchors, s.checkpoints)
            }
            None => (None, Vec::new(), Vec::new()),
        };
        let key_fingerprint = key.as_ref().map(PublicKey::fingerprint);
        let walk = match ChainWalk::start(key, &anchors, checkpoints) {
            Ok(w) => w,
            Err(b) => return Ok(Err(AuditBreak::Broken(b))),
        };
        let mut last = walk.next_seq() - 1;
        let at_start = (head_seq == last).then(|| walk.prev_hash().to_string());
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<StoredRecord>>(4);
        let worker = tokio::task::spawn_blocking(move || {
            let mut walk = walk;
            let mut at_head = at_start;
            while let Some(batch) = rx.blocking_recv() {
                walk.feed(&batch)?;
                if let Some(e) = batch.iter().find(|e| e.seq == head_seq) {
                    at_head = Some(e.hash.clone());
                }
            }
            Ok((walk, at_head))
        });
        // Two pages in flight (the database builds both at once, on two
        // connections): the one after `last`, and the one after it as an
        // unbroken log would have it. The second is used only if the first
        // was exactly the next PAGE records — then it is what reading on
        // from the first would have returned; otherwise reading goes on from
        // the first's end (and the walk names whatever broke it).
        let page = i64::from(VERIFY_PAGE);
        loop {
            let (first, second) = tokio::join!(
                store.audit_range_stored(last, VERIFY_PAGE),
                store.audit_range_stored(last + page, VERIFY_PAGE)
            );
            let (first, second) = (
                first.map_err(AppError::from_store)?,
                second.map_err(AppError::from_store)?,
            );
            let Some(end) = first.last().map(|e| e.seq) else {
                break;
            };
            let unbroken = first.len() as i64 == page && end == last + page;
            last = end;
            if tx.send(first).await.is_err() {
                break; // the walk stopped at a fault
            }
            if unbroken {
                let Some(end) = second.last().map(|e| e.seq) else {
                    break;
                };
                last = end;
                if tx.send(second).await.is_err() {
                    break;
                }
            }
        }
        drop(tx);
        let (walk, at_head) = match worker.await {
            Ok(Ok(x)) => x,
            Ok(Err(b)) => return Ok(Err(AuditBreak::Broken(b))),
            Err(e) => return Err(AppError::internal(format!("the audit walk failed: {e}"))),
        };
        let walked_to = walk.next_seq() - 1;
        match at_head {
            None => {
                return Ok(Err(AuditBreak::Truncated {
                    last: walked_to,
                    head: head_seq,
                }));
            }
            Some(h) if h != head_hash => return Ok(Err(AuditBreak::HeadMismatch { seq: head_seq })),
            Some(_) => {}
        }
        match walk.finish() {
            Ok(end) => Ok(Ok(AuditReport {
                last_seq: end.last_seq,
                last_hash: end.last_hash,
                events: end.events,
                checkpoints: end.checkpoints,
                archived_segments: end.archived_segments,
                archived_events: end.archived_events,
                key_fingerprint,
            })),
            Err(b) => Ok(Err(AuditBreak::Broken(b))),
        }
    }
}

/// Writes `text` to `path` and syncs it to disk: a segment is on disk before
/// its events leave the database.
fn write_synced(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}
