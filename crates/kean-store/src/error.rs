//! The store's errors, and how database failures are told apart.

use kean_core::Kind;

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
    /// Staging an upload would exceed a quota of staged bytes: the user's
    /// own (`all_users` false) or everyone's together; `limit` in bytes.
    QuotaExceeded { all_users: bool, limit: u64 },
    /// A step the state of what it acts on does not allow (a submission
    /// decided already, returned and not yet corrected …), in both
    /// languages.
    Refused { zh: &'static str, en: &'static str },
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
    /// The database cannot store a text it was given (PostgreSQL: a NUL
    /// character, 22021, or one outside its encoding, 22P05). Validation
    /// refuses such text first; this is the backstop.
    InvalidText,
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
            StoreError::QuotaExceeded { all_users, limit } => write!(
                f,
                "staged uploads would exceed {} quota of {limit} bytes",
                if *all_users { "the global" } else { "the user's" }
            ),
            StoreError::Refused { en, .. } => write!(f, "{en}"),
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
                    _ if matches!(code, "22021" | "22P05") => DbFailure::InvalidText,
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
pub(crate) fn unique_field(constraint: Option<&str>, message: &str) -> Option<String> {
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
pub(crate) fn index_field(name: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
