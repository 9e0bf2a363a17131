//! The SQL implementation of [`Store`] for SQLite and PostgreSQL.
//!
//! All statements are written once, with `$n` placeholders (which both
//! databases accept) and only schema-derived identifiers interpolated;
//! every value is a bound parameter.

mod accounts;
pub(crate) mod args;
mod audit;
mod confidentiality;
mod data;
mod grams;
mod lifecycle;
mod list_cache;
mod maintenance;
mod migrate;
mod registry_read;
mod registry_write;
mod screening_lists;
mod screening_results;
mod seal;
mod submissions;
mod vocabulary;
mod work;
mod write_tx;

use std::collections::HashMap;
use std::str::FromStr;

use async_trait::async_trait;
use kean_core::Kind;
use sqlx::AnyPool;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

use crate::error::{Result, StoreError};
use crate::types::Backend;

use crate::traits::Store;
use list_cache::ListCache;
pub use maintenance::latest_schema_version;

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer; taking this lock before a write
    /// transaction keeps this process's writers from upgrading read locks
    /// into SQLITE_BUSY. PostgreSQL relies on its row locks instead.
    write_lock: tokio::sync::Mutex<()>,
    /// How many records hold each keyword bigram (estimated), per kind: a
    /// hint for choosing which bigrams to ask the index for, never for
    /// what is found, so a stale value costs time, not correctness.
    gram_freq: std::sync::Mutex<HashMap<(Kind, String), (i64, std::time::Instant)>>,
    /// PostgreSQL: the share of records holding each of the kind's most
    /// common bigrams, from ANALYZE's statistics of the keyword index, with
    /// the smallest share listed (an unlisted bigram is rarer).
    gram_stats: std::sync::Mutex<HashMap<Kind, (std::sync::Arc<GramStats>, std::time::Instant)>>,
    /// How many records each kind has, as the same kind of hint.
    kind_sizes: std::sync::Mutex<HashMap<Kind, (i64, std::time::Instant)>>,
    /// What lists keep between requests, valid while the generations of
    /// the kinds they read stand, whichever process wrote since.
    lists: ListCache,
    /// The audit chain's SM2 signing key and how many events apart the
    /// write path signs checkpoints (`audit_seal`), read once.
    seal: seal::SealCache,
    /// The kinds whose writes leave follow-up work (`pending_work`), as the
    /// application declares them ([`SqlStore::with_followed`]).
    followed: std::collections::HashSet<Kind>,
    /// Records without a data change of their own, appended in groups.
    audit_group: audit::AuditGroup,
    /// The audit chain's head as this process last saw it (a hint).
    head_hint: write_tx::HeadHint,
}

#[derive(Default)]
pub(crate) struct GramStats {
    shares: HashMap<String, f64>,
    least: f64,
}

impl SqlStore {
    /// Connects to `sqlite://PATH` (the file and its folder are created
    /// when missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<SqlStore> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let file = path.split('?').next().unwrap_or(path);
            if let Some(parent) = std::path::Path::new(file).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::other(format!("cannot create the folder {}: {e}", parent.display())))?;
            }
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = if path.contains("mode=") {
                format!("sqlite://{path}")
            } else {
                format!("sqlite://{path}{sep}mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(StoreError::other(format!(
                "unsupported database URL '{url}': use sqlite://PATH or postgres://USER@HOST/DB"
            )));
        };
        // A read-only SQLite file (a backup being checked) keeps its
        // journal mode: switching it to WAL would be a write.
        let read_only = backend == Backend::Sqlite && url.contains("mode=ro");
        let opts =
            AnyConnectOptions::from_str(&url).map_err(|e| StoreError::other(format!("bad database URL: {e}")))?;
        let pool_opts = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Postgres {
                        // Short OLTP queries: compiling them (JIT, from a
                        // plan cost of 100,000, which a dashboard aggregate
                        // over a year of contracts reaches) costs more than
                        // it saves.
                        sqlx::query("SET jit = off").execute(&mut *conn).await?;
                        // The dashboard runs its aggregates side by side on
                        // the pool's connections, and list requests are many
                        // and small: parallel workers on top of that only
                        // compete for the same cores (measured: the
                        // dashboard's slowest aggregate 315 -> 160-260 ms
                        // over a million contracts on 2 cores).
                        sqlx::query("SET max_parallel_workers_per_gather = 0")
                            .execute(&mut *conn)
                            .await?;
                    }
                    if backend == Backend::Sqlite && !read_only {
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    }
                    if backend == Backend::Sqlite {
                        for pragma in [
                            "PRAGMA synchronous = NORMAL",
                            "PRAGMA busy_timeout = 10000",
                            "PRAGMA foreign_keys = ON",
                            // Reads through the operating system's page
                            // cache, shared by the pool's connections,
                            // instead of copying pages into each
                            // connection's own cache (2 MB by default).
                            "PRAGMA mmap_size = 4294967296",
                            "PRAGMA cache_size = -32768",
                        ] {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            });
        let pool = pool_opts.connect_with(opts).await?;
        Ok(SqlStore {
            pool,
            backend,
            write_lock: tokio::sync::Mutex::new(()),
            gram_freq: std::sync::Mutex::new(HashMap::new()),
            gram_stats: std::sync::Mutex::new(HashMap::new()),
            kind_sizes: std::sync::Mutex::new(HashMap::new()),
            lists: ListCache::new(),
            seal: seal::SealCache::default(),
            followed: Default::default(),
            audit_group: audit::AuditGroup::default(),
            head_hint: write_tx::HeadHint::default(),
        })
    }

    /// The same store, recording follow-up work (`pending_work`) in the
    /// transaction of every write of these kinds.
    pub fn with_followed(mut self, kinds: impl IntoIterator<Item = Kind>) -> SqlStore {
        self.followed = kinds.into_iter().collect();
        self
    }

    /// Whether writes of `kind` leave follow-up work.
    pub(crate) fn follows(&self, kind: Kind) -> bool {
        self.followed.contains(&kind)
    }

    async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().await),
            Backend::Postgres => None,
        }
    }

    pub(crate) fn positional(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// Turns the list caches off (every count and id list computed afresh)
    /// or on: for comparing their answers with uncached ones.
    pub fn set_list_cache(&mut self, enabled: bool) {
        self.lists.set_enabled(enabled);
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }
}
