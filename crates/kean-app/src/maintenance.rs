//! The operator's backup and restore: what they ask of a database, only
//! through the system access (`kean backup`, `kean restore`).

use std::sync::Arc;

use kean_core::policy::Action;
use kean_core::{Clock, ErrorCode, Kind};

use crate::App;
use crate::access::Access;
use crate::{AppError, Result};

/// What a database holds, as `kean backup` and `kean restore` print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseFacts {
    pub schema_version: i64,
    /// Every registry kind and its number of records (active and archived).
    pub counts: Vec<(Kind, i64)>,
    /// The number of audit records and the chain head's hash.
    pub audit_records: i64,
    pub chain_head: String,
}

impl App {
    /// Connects to a database without applying migrations: a backup is
    /// read as it was written (with `?mode=ro`, SQLite opens it read-only).
    pub async fn open_unmigrated(database_url: &str, clock: Arc<dyn Clock>) -> Result<App> {
        let store = kean_store::SqlStore::connect(database_url)
            .await
            .map_err(AppError::from_store)?;
        Ok(App::over(store, clock))
    }

    /// Closes the database (SQLite: its WAL checkpointed into the file).
    pub async fn close(&self) {
        self.store().close_checkpointed().await;
    }

    /// The newest schema version this build knows.
    pub fn latest_schema_version(&self) -> i64 {
        kean_store::latest_schema_version(self.backend())
    }
}

impl Access {
    /// Only the operator at the machine (a system access) copies or
    /// inspects a whole database.
    fn operator(&self) -> Result<()> {
        self.gate(Action::ManageUsers, None)?;
        if !self.actor().is_system() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "只有系统管理员在本机执行备份与恢复",
                "backups and restores are the operator's, at the machine",
            ));
        }
        Ok(())
    }

    /// The applied schema version; `None` when the database has no kean
    /// schema (empty, or not a kean database).
    pub async fn schema_version(&self) -> Result<Option<i64>> {
        self.operator()?;
        self.app.store().schema_version().await.map_err(AppError::from_store)
    }

    /// How many tables the database has (0: an empty database).
    pub async fn table_count(&self) -> Result<i64> {
        self.operator()?;
        self.app.store().table_count().await.map_err(AppError::from_store)
    }

    /// Schema version, record counts per kind, audit records and chain head.
    pub async fn database_facts(&self) -> Result<DatabaseFacts> {
        self.operator()?;
        let store = self.app.store();
        let schema_version = store.schema_version().await.map_err(AppError::from_store)?.unwrap_or(0);
        let counts = store.kind_counts().await.map_err(AppError::from_store)?;
        let (audit_records, chain_head) = store.audit_head().await.map_err(AppError::from_store)?;
        Ok(DatabaseFacts {
            schema_version,
            counts,
            audit_records,
            chain_head,
        })
    }

    /// SQLite: a consistent copy of the database written to `path`
    /// (`VACUUM INTO`) while the server goes on writing.
    pub async fn vacuum_into(&self, path: &str) -> Result<()> {
        self.operator()?;
        self.app.store().vacuum_into(path).await.map_err(AppError::from_store)
    }

    /// PostgreSQL: the server's major version (15 for 15.18).
    pub async fn server_major_version(&self) -> Result<i64> {
        self.operator()?;
        let n = self
            .app
            .store()
            .server_version_num()
            .await
            .map_err(AppError::from_store)?;
        Ok(n / 10000)
    }

    /// Appends the audit record of an operator's act on the whole
    /// database (`backup`, `restore`), naming what in `after`.
    pub async fn append_operator_audit(&self, action: &str, after: serde_json::Value) -> Result<()> {
        self.operator()?;
        self.app
            .store()
            .append_audit(self.event(action, "database", after))
            .await
            .map_err(AppError::from_store)?;
        Ok(())
    }
}
