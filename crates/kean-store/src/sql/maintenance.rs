//! What an operator's backup and restore ask of a database: its schema
//! version, how many records it holds, whether it is empty, a consistent
//! copy of a SQLite file (`VACUUM INTO`) and the PostgreSQL server's version.

use async_trait::async_trait;
use kean_core::Kind;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::traits::MaintenanceStore;
use crate::types::Backend;

use super::SqlStore;
use super::args::{Arg, q, qs};
use super::migrate::migrations;

/// The newest schema version this build's migrations create.
pub fn latest_schema_version(backend: Backend) -> i64 {
    migrations(backend).iter().map(|(v, _)| *v).max().unwrap_or(0)
}

#[async_trait]
impl MaintenanceStore for SqlStore {
    async fn schema_version(&self) -> Result<Option<i64>> {
        let exists = match self.backend {
            Backend::Sqlite => {
                qs("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
                    .fetch_one(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                qs("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migrations'")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        if exists.try_get::<i64, _>(0)? == 0 {
            return Ok(None);
        }
        let row = qs("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<Option<i64>, _>(0)?)
    }

    async fn kind_counts(&self) -> Result<Vec<(Kind, i64)>> {
        // A database of an older schema (a backup being restored, before it
        // is migrated) lacks the tables of kinds added since: those are left
        // out, not counted as errors.
        let tables_sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables WHERE table_schema = current_schema()"
            }
        };
        let existing: std::collections::HashSet<String> = qs(tables_sql)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        let mut out = Vec::new();
        for kind in Kind::ALL.into_iter().filter(|k| existing.contains(k.table())) {
            let row = q(format!("SELECT COUNT(*) FROM {}", kind.table()), vec![])
                .fetch_one(&self.pool)
                .await?;
            out.push((kind, row.try_get::<i64, _>(0)?));
        }
        Ok(out)
    }

    async fn table_count(&self) -> Result<i64> {
        let row = match self.backend {
            Backend::Sqlite => {
                qs("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                    .fetch_one(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                qs("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
                    .fetch_one(&self.pool)
                    .await?
            }
        };
        Ok(row.try_get::<i64, _>(0)?)
    }

    async fn vacuum_into(&self, path: &str) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::other(
                "VACUUM INTO is SQLite's; PostgreSQL is backed up with pg_dump",
            ));
        }
        // One statement, one read transaction: the copy is the database as
        // of its start, whatever writers commit meanwhile (WAL lets them).
        q("VACUUM INTO $1".into(), vec![Arg::Text(Some(path.to_string()))])
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn server_version_num(&self) -> Result<i64> {
        if self.backend != Backend::Postgres {
            return Err(StoreError::other("only PostgreSQL has a server version"));
        }
        let row = qs("SELECT current_setting('server_version_num')")
            .fetch_one(&self.pool)
            .await?;
        let s: String = row.try_get(0)?;
        s.trim()
            .parse()
            .map_err(|_| StoreError::other(format!("unexpected server_version_num '{s}'")))
    }

    async fn close_checkpointed(&self) {
        if self.backend == Backend::Sqlite {
            // Moves the WAL into the file, so the file alone is the database.
            let _ = qs("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await;
        }
        self.pool.close().await;
    }
}
