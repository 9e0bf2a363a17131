//! The audit chain's seals (migration 0016): the SM2 key pair made at first
//! start, signed checkpoints, archived segments' anchors. What is signed and
//! how it is verified is `kean_core::audit_seal`'s; this is where they live.

use std::sync::Arc;

use kean_core::audit::AuditEntry;
use kean_core::audit_seal::{ArchiveAnchor, CHECKPOINT_EVERY, Checkpoint, SealKey};
use sqlx::{AnyConnection, Row};

use crate::error::{Result, StoreError};

use super::SqlStore;
use super::args::{Arg, q, qs};

/// The signing key, read once per process (`None`: a database before
/// migration 0016, whose writes sign nothing), and how many events apart
/// the write path signs checkpoints.
pub(crate) struct SealCache {
    key: tokio::sync::OnceCell<Option<Arc<SealKey>>>,
    every: std::sync::atomic::AtomicI64,
}

impl Default for SealCache {
    fn default() -> SealCache {
        SealCache {
            key: tokio::sync::OnceCell::new(),
            every: std::sync::atomic::AtomicI64::new(CHECKPOINT_EVERY),
        }
    }
}

/// What a write transaction signs its checkpoints with.
#[derive(Clone)]
pub(crate) struct Sealer {
    pub key: Arc<SealKey>,
    pub every: i64,
}

impl Sealer {
    /// Whether events after `before` up to `last` reach a multiple of `every`.
    pub fn due(&self, before: i64, last: i64) -> bool {
        last > before && last / self.every > before / self.every
    }
}

impl SqlStore {
    /// Signs checkpoints every `n` events from now on in this process (the
    /// default is [`CHECKPOINT_EVERY`]; tests use fewer).
    pub fn set_checkpoint_every(&self, n: i64) {
        self.seal.every.store(n.max(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether migration 0016 is applied (the seals' tables exist).
    pub(crate) async fn has_seals(&self) -> Result<bool> {
        let exists = match self.backend {
            crate::types::Backend::Sqlite => {
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'audit_key'"
            }
            crate::types::Backend::Postgres => {
                "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'audit_key'"
            }
        };
        let n: i64 = qs(exists).fetch_one(&self.pool).await?.try_get("n")?;
        Ok(n > 0)
    }

    /// Makes the key pair if the database has none (first start): 32 bytes
    /// from the operating system's random source, drawn again in the
    /// negligible case that they are not a valid SM2 scalar. Two processes
    /// starting at once: the first insert wins, both read it.
    pub(crate) async fn ensure_seal_key(&self, now: &str) -> Result<()> {
        let existing = qs("SELECT COUNT(*) AS n FROM audit_key WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get::<i64, _>("n")?;
        if existing == 0 {
            let key = loop {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|e| StoreError::other(format!("random source failed: {e}")))?;
                if let Ok(k) = SealKey::from_secret_bytes(&bytes) {
                    break k;
                }
            };
            q(
                "INSERT INTO audit_key (id, secret_hex, public_pem, created_at) VALUES (1, $1, $2, $3) \
                 ON CONFLICT (id) DO NOTHING"
                    .into(),
                vec![
                    Arg::Text(Some(key.secret_hex())),
                    Arg::Text(Some(key.public_key().to_pem())),
                    Arg::Text(Some(now.to_string())),
                ],
            )
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// The signing key (`None` before migration 0016), read once.
    pub(crate) async fn seal_key(&self) -> Result<Option<Arc<SealKey>>> {
        self.seal
            .key
            .get_or_try_init(|| async {
                if !self.has_seals().await? {
                    return Ok(None);
                }
                let row = qs("SELECT secret_hex FROM audit_key WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await?;
                match row {
                    None => Ok(None),
                    Some(r) => {
                        let hex: String = r.try_get("secret_hex")?;
                        SealKey::from_secret_hex(&hex)
                            .map(|k| Some(Arc::new(k)))
                            .map_err(|e| StoreError::other(format!("audit_key: {e}")))
                    }
                }
            })
            .await
            .cloned()
    }

    /// What the write path signs with (`None`: nothing to sign with).
    pub(crate) async fn sealer(&self) -> Result<Option<Sealer>> {
        Ok(self.seal_key().await?.map(|key| Sealer {
            key,
            every: self.seal.every.load(std::sync::atomic::Ordering::Relaxed),
        }))
    }

    pub(crate) async fn read_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        qs("SELECT seq, hash, at, signature FROM audit_checkpoints ORDER BY seq")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(Checkpoint {
                    seq: r.try_get("seq")?,
                    hash: r.try_get("hash")?,
                    at: r.try_get("at")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }

    pub(crate) async fn read_anchors(&self) -> Result<Vec<ArchiveAnchor>> {
        qs("SELECT first_seq, last_seq, prev_hash, last_hash, from_at, to_at, signature FROM audit_archives ORDER BY first_seq")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(ArchiveAnchor {
                    first_seq: r.try_get("first_seq")?,
                    last_seq: r.try_get("last_seq")?,
                    prev_hash: r.try_get("prev_hash")?,
                    last_hash: r.try_get("last_hash")?,
                    from: r.try_get("from_at")?,
                    to: r.try_get("to_at")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }

    pub(crate) async fn read_public_pem(&self) -> Result<Option<String>> {
        Ok(qs("SELECT public_pem FROM audit_key WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get("public_pem"))
            .transpose()?)
    }
}

/// Signs and writes a checkpoint at `entry` inside the caller's transaction
/// (which holds the chain head); one already there stays.
pub(crate) async fn insert_checkpoint(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    seq: i64,
    hash: &str,
    at: &str,
) -> Result<Checkpoint> {
    let cp = sealer.key.checkpoint(seq, hash, at);
    q(
        "INSERT INTO audit_checkpoints (seq, hash, at, signature) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING"
            .into(),
        vec![
            Arg::Int(Some(cp.seq)),
            Arg::Text(Some(cp.hash.clone())),
            Arg::Text(Some(cp.at.clone())),
            Arg::Text(Some(cp.signature.clone())),
        ],
    )
    .execute(&mut *conn)
    .await?;
    Ok(cp)
}

/// Checkpoint of the last of `entries` if they reach a multiple (the
/// ordinary write path).
pub(crate) async fn checkpoint_if_due(
    conn: &mut AnyConnection,
    sealer: Option<&Sealer>,
    entries: &[AuditEntry],
) -> Result<()> {
    if let (Some(s), Some(first), Some(last)) = (sealer, entries.first(), entries.last())
        && s.due(first.seq - 1, last.seq)
    {
        insert_checkpoint(conn, s, last.seq, &last.hash, &last.draft.at).await?;
    }
    Ok(())
}
