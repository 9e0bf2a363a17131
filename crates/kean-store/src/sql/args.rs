//! The bottom layer: bound arguments, statement builders, placeholders,
//! schema-derived columns and the codecs of rows (records, users, audit
//! entries). Imports nothing else of `sql`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kean_core::audit::{AuditDraft, AuditEntry};
use kean_core::confidentiality::{Classification, codes_above};
use kean_core::policy::Reader;
use kean_core::schema::FieldType;
use kean_core::{Fen, Fields, Kind, Record, Role, Scope, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::error::{Result, StoreError};
use crate::types::{Page, User};

/// A bound parameter.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bytes(Vec<u8>),
}

pub(crate) type AnyQuery = sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>;

pub(crate) fn q(sql: String, args: Vec<Arg>) -> AnyQuery {
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for a in args {
        query = match a {
            Arg::Int(v) => query.bind(v),
            Arg::Text(v) => query.bind(v),
            Arg::Bytes(v) => query.bind(v),
        };
    }
    query
}

pub(crate) fn qs(sql: &'static str) -> AnyQuery {
    sqlx::query(sql)
}

// ---------- schema-derived SQL pieces ----------

pub(crate) fn columns(kind: Kind) -> String {
    let mut cols = vec!["id".to_string()];
    cols.extend(kind.fields().iter().map(|f| f.name.to_string()));
    cols.extend(["owner_org_id", "archived", "version", "created_at", "updated_at"].map(String::from));
    cols.join(", ")
}

pub(crate) fn value_arg(ty: FieldType, v: &Value) -> Arg {
    match ty {
        FieldType::Money | FieldType::Ref(_) | FieldType::Bool => Arg::Int(match v {
            Value::Money(m) => Some(m.0),
            Value::Ref(id) => Some(*id),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }),
        _ => Arg::Text(match v {
            Value::Null => None,
            other => Some(other.to_input()),
        }),
    }
}

pub(crate) fn decode_record(kind: Kind, row: &AnyRow) -> Result<Record> {
    let mut values = BTreeMap::new();
    for f in kind.fields() {
        let v = match f.ty {
            FieldType::Money => row.try_get::<Option<i64>, _>(f.name)?.map(|x| Value::Money(Fen(x))),
            FieldType::Ref(_) => row.try_get::<Option<i64>, _>(f.name)?.map(Value::Ref),
            FieldType::Bool => Some(Value::Bool(row.try_get::<Option<i64>, _>(f.name)?.unwrap_or(0) != 0)),
            FieldType::Date => match row.try_get::<Option<String>, _>(f.name)? {
                Some(s) => Some(Value::Date(NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|e| {
                    StoreError::other(format!("{}.{} holds '{s}', not a date: {e}", kind.table(), f.name))
                })?)),
                None => None,
            },
            _ => row.try_get::<Option<String>, _>(f.name)?.map(Value::Text),
        };
        values.insert(f.name, v.unwrap_or(Value::Null));
    }
    Ok(Record {
        id: row.try_get("id")?,
        fields: Fields::from_stored(kind, values),
        owner_org_id: row.try_get("owner_org_id")?,
        archived: row.try_get::<i64, _>("archived")? != 0,
        version: row.try_get("version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(crate) fn decode_user(row: &AnyRow) -> Result<User> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::other(format!("unknown role '{role}' in users")))?,
        org_id: row.try_get("org_id")?,
        clearance: {
            let c: String = row.try_get("clearance")?;
            Classification::parse(&c).ok_or_else(|| StoreError::other(format!("unknown clearance '{c}' in users")))?
        },
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        failed_logins: row.try_get("failed_logins")?,
        locked_until: row.try_get("locked_until")?,
        created_at: row.try_get("created_at")?,
        password_changed_at: row.try_get("password_changed_at")?,
        password_never_expires: row.try_get::<i64, _>("password_never_expires")? != 0,
        password_must_change: row.try_get::<i64, _>("password_must_change")? != 0,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
    })
}

pub(crate) const USER_COLS: &str = "id, username, display_name, role, org_id, clearance, disabled, failed_logins, locked_until, \
     created_at, password_changed_at, password_never_expires, password_must_change, totp_enabled";

pub(crate) fn decode_audit(row: &AnyRow) -> Result<AuditEntry> {
    let parse = |s: Option<String>| -> Result<Option<serde_json::Value>> {
        s.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::other(format!("audit JSON: {e}"))))
            .transpose()
    };
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        draft: AuditDraft {
            at: row.try_get("at")?,
            actor_id: row.try_get("actor_id")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            target: row.try_get("target")?,
            record_id: row.try_get("record_id")?,
            before: parse(row.try_get("before_json")?)?,
            after: parse(row.try_get("after_json")?)?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

pub(crate) const AUDIT_COLS: &str =
    "seq, at, actor_id, actor, action, target, record_id, before_json, after_json, prev_hash, hash";

/// Placeholders for a statement with many parameters, in order. SQLite
/// looks numbered parameters up by name in a list, which makes binding
/// thousands of `$n` quadratic; anonymous `?` bind by position.
pub(crate) fn placeholders(positional: bool, first: usize, last: usize) -> String {
    let ph: Vec<String> = (first..=last)
        .map(|n| if positional { "?".to_string() } else { format!("${n}") })
        .collect();
    format!("({})", ph.join(", "))
}

// ---------- who may read what ----------

/// The ids of `kind`'s records the scope's reader may not read for their
/// classification, as a subquery (its arguments appended to `args`): those
/// above the reader's clearance, and those above 内部 whose need-to-know
/// list lacks the reader — the store's form of
/// [`kean_core::confidentiality::may_read`]. None when nothing is withheld
/// (an unrestricted reader, a kind without levels). Uncorrelated, so both
/// databases evaluate it once per statement, from the level index.
pub(crate) fn withheld_ids(kind: Kind, scope: Scope, args: &mut Vec<Arg>) -> Option<String> {
    let Reader::Account { user_id, clearance } = scope.for_kind(kind).reader() else {
        return None;
    };
    let list = |codes: Vec<&str>| codes.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
    // Below the lower of the clearance and 内部 everything is readable.
    let candidates = list(codes_above(clearance.min(Classification::Internal)));
    let above_clearance = codes_above(clearance);
    args.push(Arg::Int(Some(user_id)));
    let user = args.len();
    let table = kind.table();
    let not_listed = format!(
        "NOT EXISTS (SELECT 1 FROM need_to_know n WHERE n.kind = '{table}' AND n.record_id = c.id AND n.user_id = ${user})"
    );
    let hidden = if above_clearance.is_empty() {
        not_listed
    } else {
        format!("c.classification IN ({}) OR {not_listed}", list(above_clearance))
    };
    Some(format!(
        "SELECT c.id FROM {table} c WHERE c.classification IN ({candidates}) AND ({hidden})"
    ))
}

/// The conditions a read of `kind` under `scope` adds for rows aliased
/// `alias`: the owning organization, and no withheld id
/// ([`withheld_ids`]). The one place the store turns a `Scope` into SQL.
pub(crate) fn scope_conditions(kind: Kind, scope: Scope, alias: &str, args: &mut Vec<Arg>) -> Vec<String> {
    let scope = scope.for_kind(kind);
    let mut conds = Vec::new();
    if let Some(o) = scope.organization() {
        args.push(Arg::Int(Some(o)));
        conds.push(format!("{alias}.owner_org_id = ${}", args.len()));
    }
    if let Some(withheld) = withheld_ids(kind, scope, args) {
        conds.push(format!("{alias}.id NOT IN ({withheld})"));
    }
    conds
}

/// `" AND …"` of [`scope_conditions`], or nothing.
pub(crate) fn and_scope(kind: Kind, scope: Scope, alias: &str, args: &mut Vec<Arg>) -> String {
    scope_conditions(kind, scope, alias, args)
        .into_iter()
        .map(|c| format!(" AND {c}"))
        .collect()
}

/// `" AND …"` for screening results (aliased `alias`) under `scope`: the
/// screened record's organization (kept on the result) and, per classified
/// kind, none whose screened record is withheld from the reader.
pub(crate) fn and_results_scope(scope: Scope, alias: &str, args: &mut Vec<Arg>) -> String {
    let mut out = String::new();
    if let Some(o) = scope.organization() {
        args.push(Arg::Int(Some(o)));
        out.push_str(&format!(" AND {alias}.owner_org_id = ${}", args.len()));
    }
    for kind in Kind::ALL.into_iter().filter(|k| k.classified()) {
        if let Some(sub) = withheld_ids(kind, scope, args) {
            out.push_str(&format!(
                " AND NOT ({alias}.party_kind = '{}' AND {alias}.party_id IN ({sub}))",
                kind.slug()
            ));
        }
    }
    out
}

/// One record inside `scope` (None: the write path's own reads, which
/// have checked the scope already).
pub(crate) async fn fetch(
    conn: &mut AnyConnection,
    kind: Kind,
    id: i64,
    scope: Option<Scope>,
) -> Result<Option<Record>> {
    let mut sql = format!("SELECT {} FROM {} t WHERE t.id = $1", columns(kind), kind.table());
    let mut args = vec![Arg::Int(Some(id))];
    if let Some(scope) = scope {
        sql.push_str(&and_scope(kind, scope, "t", &mut args));
    }
    match q(sql, args).fetch_optional(&mut *conn).await? {
        Some(row) => Ok(Some(decode_record(kind, &row)?)),
        None => Ok(None),
    }
}

pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    // Lower-cased a character at a time, as the keyword index and the
    // databases' LOWER() do (`str::to_lowercase` would make a word-final
    // Σ a ς, which neither of them does).
    for c in s.chars().flat_map(char::to_lowercase) {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Rows per multi-row INSERT (SQLite binds at most 32,766 parameters).
pub(crate) const CHUNK: usize = 400;

pub(crate) fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A numbered page of a plain list (screening results, list changes, the
/// audit log): `count` (a `SELECT COUNT(*) AS n …`) and `select` (ending in
/// its `ORDER BY`) take the same `args`; the page's `LIMIT`/`OFFSET` are
/// appended as the next two placeholders. Counts are exact.
pub(crate) async fn counted_page<T>(
    pool: &sqlx::AnyPool,
    count: String,
    select: String,
    mut args: Vec<Arg>,
    page: u32,
    page_size: u32,
    decode: impl Fn(&AnyRow) -> Result<T>,
) -> Result<Page<T>> {
    let page = page.max(1);
    let page_size = page_size.clamp(1, 500);
    let total: i64 = q(count, args.clone()).fetch_one(pool).await?.try_get("n")?;
    let n = args.len();
    args.push(Arg::Int(Some(page_size as i64)));
    args.push(Arg::Int(Some((page as i64 - 1) * page_size as i64)));
    let items = q(format!("{select} LIMIT ${} OFFSET ${}", n + 1, n + 2), args)
        .fetch_all(pool)
        .await?
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>>>()?;
    Ok(Page {
        items,
        total,
        total_is_exact: true,
        page,
        page_size,
    })
}
