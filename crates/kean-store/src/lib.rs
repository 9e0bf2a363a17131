//! kean-store — where kean's data lives.
//!
//! [`Store`] is the storage trait the application layer talks to. Its one
//! implementation, [`SqlStore`], runs the same SQL on SQLite (the embedded
//! default) and PostgreSQL (for deployments at scale) through sqlx's `Any`
//! driver; the few real differences between the two (DDL, write locking)
//! live in [`Backend`] and the per-backend migration files, not in copies
//! of the queries.
//!
//! The store is mechanism, not policy: it never decides who may do what.
//! Every read takes the [`Scope`] the policy granted and applies it in the
//! query; every write runs in one transaction that also appends the audit
//! record, so a change and its audit entry are committed together or not
//! at all.

mod decide;
pub mod screening;
mod search;
mod sql;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use kean_core::audit::{AuditDraft, AuditEntry};
use kean_core::{Fields, Kind, Record, Role, Scope, Value};

pub use screening::{
    HitDecision, HitFilter, HitRow, HitStatus, ListChange, ListInfo, ListVersion, NewHit, NewListEntry,
    RescreenFigures, ScreeningStore, ScreeningSummary, StoredEntry, SubjectRow, SubjectScreening, SubjectState,
};
pub use sql::SqlStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug)]
pub enum StoreError {
    /// No such record inside the given scope.
    NotFound,
    /// A unique field already holds this value (the field is named). The
    /// database's unique index decides, so two writers racing for one value
    /// get one success and one `Duplicate`.
    Duplicate { field: String },
    /// The record was changed by someone else since `expected` was read.
    VersionMismatch { expected: i64, actual: i64 },
    /// A new list version would change nothing (same entries as the current one).
    NoChange,
    /// The restricted lists changed while a screening ran; screen again.
    Stale,
    /// The database failed or was unreachable, or held something the store
    /// could not read; `kind` tells failures apart, `detail` is for the log.
    Database { kind: DbFailure, detail: String },
}

/// What kind of database failure a [`StoreError::Database`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// A unique index refused a value and the store could not name the
    /// field (a named one is [`StoreError::Duplicate`]).
    UniqueViolation,
    /// A reference to a row that does not exist (or a row still referenced).
    ForeignKeyViolation,
    /// Another constraint (not null, check).
    ConstraintViolation,
    /// The database gave up the transaction to keep concurrent ones apart
    /// (PostgreSQL serialization failure or deadlock, SQLite busy or
    /// locked): running it again may succeed.
    Serialization,
    /// The database could not be reached (I/O, pool closed or timed out).
    Connection,
    /// Anything else, including data the store could not decode.
    Other,
}

impl StoreError {
    /// A failure of kind [`DbFailure::Other`] with its detail.
    pub fn other(detail: impl Into<String>) -> StoreError {
        StoreError::Database {
            kind: DbFailure::Other,
            detail: detail.into(),
        }
    }

    /// The kind of database failure, if this is one.
    pub fn db_failure(&self) -> Option<DbFailure> {
        match self {
            StoreError::Database { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound => write!(f, "record not found"),
            StoreError::Duplicate { field } => write!(f, "duplicate value for {field}"),
            StoreError::VersionMismatch { expected, actual } => {
                write!(f, "record changed meanwhile (edited version {expected}, now {actual})")
            }
            StoreError::NoChange => write!(f, "nothing changed"),
            StoreError::Stale => write!(f, "the restricted lists changed meanwhile"),
            StoreError::Database { detail, .. } => write!(f, "database error: {detail}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let kind = match &e {
            sqlx::Error::Database(db) => {
                let code = db.code();
                let code = code.as_deref().unwrap_or("");
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => {
                        if let Some(field) = unique_field(db.constraint(), db.message()) {
                            return StoreError::Duplicate { field };
                        }
                        DbFailure::UniqueViolation
                    }
                    sqlx::error::ErrorKind::ForeignKeyViolation => DbFailure::ForeignKeyViolation,
                    sqlx::error::ErrorKind::NotNullViolation
                    | sqlx::error::ErrorKind::CheckViolation
                    | sqlx::error::ErrorKind::ExclusionViolation => DbFailure::ConstraintViolation,
                    // PostgreSQL: serialization_failure, deadlock_detected;
                    // SQLite: BUSY, LOCKED and their extended codes.
                    _ if matches!(code, "40001" | "40P01" | "5" | "6" | "261" | "517" | "262") => {
                        DbFailure::Serialization
                    }
                    _ => DbFailure::Other,
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => DbFailure::Connection,
            _ => DbFailure::Other,
        };
        StoreError::Database {
            kind,
            detail: e.to_string(),
        }
    }
}

/// The field a unique violation is about: from the violated index's name on
/// PostgreSQL (`organizations_credit_code_key`), from the message on SQLite
/// (`UNIQUE constraint failed: organizations.credit_code`). An index over
/// several columns names the last of them, as
/// [`kean_core::Kind::unique_together`] reports a clash.
fn unique_field(constraint: Option<&str>, message: &str) -> Option<String> {
    if let Some(name) = constraint {
        return Some(index_field(name));
    }
    let columns = message.split("constraint failed: ").nth(1)?;
    let last = columns.split(',').next_back()?.trim();
    let column = last.rsplit('.').next()?.trim();
    (!column.is_empty()).then(|| column.to_string())
}

/// The field a unique index is on, from its name: the schema's unique
/// fields and combinations and the account tables by the names the
/// migrations give them (`{table}_{columns}_key`), anything else by its
/// name without the table and the suffix.
fn index_field(name: &str) -> String {
    for kind in Kind::ALL {
        let table = kind.table();
        for f in kind.fields().iter().filter(|f| f.unique) {
            if name == format!("{table}_{}_key", f.name) {
                return f.name.to_string();
            }
        }
        // A combination's index (revenue_reports_org_year_key): the kind's
        // one combination, reported on its last field.
        if let [combo] = kind.unique_together()
            && name.starts_with(&format!("{table}_"))
            && let Some(last) = combo.last()
        {
            return last.to_string();
        }
    }
    let bare = name
        .strip_suffix("_key")
        .or_else(|| name.strip_suffix("_idx"))
        .or_else(|| name.strip_suffix("_pkey"))
        .unwrap_or(name);
    for table in ["users", "sessions", "restricted_lists", "pending_uploads", "imports"] {
        if let Some(rest) = bare.strip_prefix(table).and_then(|r| r.strip_prefix('_')) {
            return rest.to_string();
        }
    }
    bare.to_string()
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    #[default]
    Active,
    Archived,
    All,
}

/// A list request: keyword, exact filters, sort and page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Matched (case-insensitively, as a substring) against the kind's
    /// searchable fields.
    pub keyword: Option<String>,
    /// Exact matches on schema fields.
    pub filters: Vec<(&'static str, Value)>,
    /// Inclusive date range on a date field: (field, from, to).
    pub date_range: Option<(&'static str, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)>,
    /// A schema field (or `id`, `updated_at`), and whether descending.
    pub sort: Option<(&'static str, bool)>,
    pub archived: ArchivedFilter,
    /// Exact matches on fields of the owning organization (district,
    /// type, chain), for records owned by an organization.
    pub owner_filters: Vec<(&'static str, Value)>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
    /// A cursor: list the records after this id in the default order
    /// (newest first) instead of skipping `(page - 1) * page_size` of them.
    /// Ignored under any other sort.
    pub after: Option<i64>,
}

impl ListQuery {
    /// Whether the list is in the default order, newest (largest id) first,
    /// in which the `after` cursor applies.
    pub fn is_default_order(&self) -> bool {
        matches!(self.sort, None | Some(("id", true)))
    }
}

/// How an aggregate groups its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row for everything.
    Nothing,
    /// By the value of a field (enum, reference, country, bool).
    Field(&'static str),
    /// By `YYYY-MM` of a date field.
    Month(&'static str),
    /// By `YYYY` of a date field.
    Year(&'static str),
    /// By a field of the owning organization (e.g. its district).
    OwnerField(&'static str),
    /// By day of a date field and, if given, a field (`key2`): the finest
    /// grid, from which the caller folds totals, months and the field's
    /// groups out of one pass over the records instead of one each.
    DayAnd(&'static str, Option<&'static str>),
}

/// One group of an aggregate: its key (as text; `None` for no value),
/// how many records, and the sums of the requested money fields in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggRow {
    pub key: Option<String>,
    /// The second key of [`GroupBy::DayAnd`]; `None` otherwise.
    pub key2: Option<String>,
    pub count: i64,
    pub sums: Vec<i64>,
}

/// Lists count matching records exactly up to this many; beyond it they
/// report "more than" (counting a million rows for every page view is what
/// makes admin lists slow, and nobody pages through ten thousand rows).
pub const COUNT_CAP: i64 = 10_000;

/// The same for keyword searches, whose frequent keywords match most
/// records (see `SqlStore::list`).
pub const KEYWORD_COUNT_CAP: i64 = 1_000;

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Matching records, at most [`COUNT_CAP`] ([`KEYWORD_COUNT_CAP`] for a
    /// keyword search; see `total_is_exact`).
    pub total: i64,
    /// False when more records match than were counted.
    pub total_is_exact: bool,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        if self.page_size == 0 {
            return 1;
        }
        (self.total.max(0) as u64).div_ceil(self.page_size as u64).max(1) as u32
    }
}

/// Who writes, and when: stamped on the row and on its audit record.
#[derive(Debug, Clone)]
pub struct WriteMeta {
    pub at: String,
    pub actor_id: i64,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Option<i64>,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Option<i64>,
    pub password_hash: String,
}

/// An administrator's change to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    Unlock,
    SetDisabled(bool),
    Password(String),
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: i64,
    pub kind: String,
    pub csrf_token: String,
    pub expires_at: String,
}

/// A record's id, owner and some of its values as text.
pub type KeyRow = (i64, Option<i64>, Vec<Option<String>>);

/// An import about to be committed.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub content_hash: String,
    pub file_name: String,
}

/// A committed import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub kind: String,
    pub content_hash: String,
    pub file_name: String,
    pub row_count: i64,
    pub actor: String,
    pub created_at: String,
}

/// Registry, users, sessions and audit; screening lists and results come
/// with it through [`ScreeningStore`].
#[async_trait]
pub trait Store: ScreeningStore + Send + Sync {
    fn backend(&self) -> Backend;

    // ---- registry reads (always scoped) ----
    async fn get(&self, kind: Kind, id: i64, scope: Scope) -> Result<Option<Record>>;
    async fn list(&self, kind: Kind, query: &ListQuery, scope: Scope) -> Result<Page<Record>>;
    /// Display labels of the given ids of each kind, each kind's ids read
    /// only inside its scope (one statement for all kinds).
    async fn labels(&self, wanted: &[(Kind, Vec<i64>, Scope)]) -> Result<HashMap<(Kind, i64), String>>;
    /// Up to `limit` active records as (id, label) for pickers, by label.
    async fn options(&self, kind: Kind, scope: Scope, limit: u32) -> Result<Vec<(i64, String)>>;
    /// The owning organization of a record inside `scope` and whether it
    /// is archived: `None` if there is no such record (owner `None` for
    /// reference data).
    async fn owner_of(&self, kind: Kind, id: i64, scope: Scope) -> Result<Option<(Option<i64>, bool)>>;
    async fn count(&self, kind: Kind, scope: Scope) -> Result<i64>;
    /// Counts and sums over the records a query selects (paging and sort
    /// ignored), grouped as asked, inside `scope`.
    async fn aggregate(
        &self,
        kind: Kind,
        query: &ListQuery,
        group: GroupBy,
        sums: &[&'static str],
        scope: Scope,
    ) -> Result<Vec<AggRow>>;

    /// The id and the given fields (as text) of every record of `kind`
    /// inside `scope`, archived ones included — for resolving references
    /// written as names or codes.
    /// Returns (id, owning organization, values).
    async fn keys(&self, kind: Kind, fields: &[&'static str], scope: Scope) -> Result<Vec<KeyRow>>;
    /// Which of `values` the unique field `field` already holds, in any
    /// record (uniqueness is global, whoever may see the other record).
    async fn existing_values(&self, kind: Kind, field: &'static str, values: &[Value]) -> Result<HashSet<String>>;
    /// The value combinations of `fields` already stored (global, like
    /// [`Store::existing_values`]).
    async fn existing_combos(&self, kind: Kind, fields: &[&'static str]) -> Result<HashSet<Vec<Option<String>>>>;
    async fn find_import(&self, kind: Kind, content_hash: &str) -> Result<Option<ImportRecord>>;

    // ---- registry writes (each one transaction with its audit record) ----
    /// Inserts all rows in one transaction, each with its audit record, and
    /// records the import; all or nothing. `progress` hears how many rows
    /// are written so far.
    async fn insert_many(
        &self,
        kind: Kind,
        rows: &[(Fields, Option<i64>)],
        import: &NewImport,
        meta: &WriteMeta,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<i64>>;
    async fn insert(&self, fields: &Fields, owner_org_id: Option<i64>, meta: &WriteMeta) -> Result<Record>;
    /// Replaces the fields of a record inside `scope`, if it is still at
    /// `expected_version` (when given).
    async fn update(
        &self,
        id: i64,
        expected_version: Option<i64>,
        fields: &Fields,
        owner_org_id: Option<i64>,
        scope: Scope,
        meta: &WriteMeta,
    ) -> Result<Record>;
    async fn set_archived(&self, kind: Kind, id: i64, archived: bool, scope: Scope, meta: &WriteMeta)
    -> Result<Record>;

    // ---- users and sessions ----
    async fn create_user(&self, user: &NewUser, meta: &WriteMeta) -> Result<User>;
    async fn user_by_username(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Records a failed login (and the lock, if one starts) with its audit entry.
    async fn record_login_failure(&self, user_id: i64, locked_until: Option<&str>, meta: &WriteMeta) -> Result<()>;
    /// Creates a session after a successful login, resets the failure count
    /// and audits the login, in one transaction.
    async fn create_session(&self, token_hash: &str, row: &SessionRow, meta: &WriteMeta) -> Result<()>;
    /// A session and its user, in one statement (every request asks).
    async fn session(&self, token_hash: &str) -> Result<Option<(SessionRow, User)>>;
    /// Keeps an uploaded file until its owner confirms the import (and
    /// drops uploads older than `expire_before`).
    #[allow(clippy::too_many_arguments)]
    async fn put_upload(
        &self,
        token_hash: &str,
        user_id: i64,
        kind: Kind,
        file_name: &str,
        content: &[u8],
        at: &str,
        expire_before: &str,
    ) -> Result<()>;
    /// An upload, only for the user who made it.
    async fn get_upload(&self, token_hash: &str, user_id: i64) -> Result<Option<(Kind, String, Vec<u8>)>>;
    async fn delete_upload(&self, token_hash: &str) -> Result<()>;
    /// Changes an account (unlock, enable/disable, new password), audited;
    /// disabling or a new password also ends the user's sessions.
    async fn change_user(&self, user_id: i64, change: &UserChange, meta: &WriteMeta) -> Result<User>;
    async fn delete_session(&self, token_hash: &str, meta: &WriteMeta) -> Result<()>;

    // ---- audit ----
    /// Appends an audit record that has no data change of its own
    /// (for example a refused login).
    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditEntry>;
    /// Newest first.
    async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>>;
    /// In sequence order, from `after_seq` (exclusive), at most `limit`.
    async fn audit_range(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unique field and combination of the schema, and the username,
    /// has a unique index on both databases, named as `index_field` reads
    /// it: uniqueness is the database's to enforce.
    #[test]
    fn every_unique_field_has_a_unique_index_on_both_databases() {
        for (db, all) in [
            ("sqlite", sql::migrations(Backend::Sqlite)),
            ("postgres", sql::migrations(Backend::Postgres)),
        ] {
            let text: String = all.iter().map(|(_, s)| *s).collect::<Vec<_>>().join("\n");
            let mut wanted = vec![("users (username)".to_string(), "username".to_string())];
            for kind in Kind::ALL {
                for f in kind.fields().iter().filter(|f| f.unique) {
                    wanted.push((format!("{} ({})", kind.table(), f.name), f.name.to_string()));
                }
                for combo in kind.unique_together() {
                    wanted.push((
                        format!("{} ({})", kind.table(), combo.join(", ")),
                        combo.last().unwrap().to_string(),
                    ));
                }
            }
            for (on, field) in wanted {
                let index = text
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("CREATE UNIQUE INDEX "))
                    .find_map(|l| l.trim_end_matches(';').strip_suffix(&format!(" ON {on}")))
                    .unwrap_or_else(|| panic!("{db}: no unique index on {on}"));
                assert_eq!(index_field(index), field, "{db}: {index}");
            }
        }
    }

    #[test]
    fn unique_violations_name_their_field() {
        assert_eq!(
            unique_field(Some("organizations_credit_code_key"), "duplicate key value").as_deref(),
            Some("credit_code")
        );
        assert_eq!(
            unique_field(None, "UNIQUE constraint failed: organizations.credit_code").as_deref(),
            Some("credit_code")
        );
        assert_eq!(
            unique_field(
                None,
                "UNIQUE constraint failed: revenue_reports.org_id, revenue_reports.year"
            )
            .as_deref(),
            Some("year")
        );
        assert_eq!(
            unique_field(Some("revenue_reports_org_year_key"), "").as_deref(),
            Some("year")
        );
        assert_eq!(
            unique_field(Some("users_username_key"), "").as_deref(),
            Some("username")
        );
        assert_eq!(
            unique_field(Some("restricted_lists_code_key"), "").as_deref(),
            Some("code")
        );
        assert_eq!(unique_field(None, "something else"), None);
    }
}
