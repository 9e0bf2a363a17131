//! System pages: user management and the audit log.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kean_app::AppError;
use kean_core::policy::Action;
use kean_core::{ErrorCode, Kind, Role};

use super::common::id_of;
use crate::auth::{WebForm, WebUser};
use crate::i18n::Lang;
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::views::{Chrome, Opt};

// ---------------- users ----------------

pub struct UserRow {
    id: i64,
    locked: bool,
    disabled: bool,
    second_factor: bool,
    username: String,
    display_name: String,
    role: String,
    role_code: String,
    org: String,
    clearance: String,
    clearance_code: String,
    status: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<UserRow>,
    /// The levels a clearance may be set to, when the viewer may set them.
    clearances: Option<Vec<Opt>>,
    /// Every role, when the viewer gives roles (the security administrator).
    all_roles: Option<Vec<Opt>>,
    /// Whether the viewer manages accounts (the system administrator).
    can_manage: bool,
    roles: Vec<Opt>,
    orgs: Vec<Opt>,
    errors: Vec<String>,
    form_username: String,
    form_display: String,
}

async fn users_page(
    u: &WebUser,
    form: &BTreeMap<String, String>,
    err: Option<AppError>,
    flash: Option<String>,
) -> PageResult {
    let users = u.access.users().await.or_page(u)?;
    let zh = u.lang.zh();
    let org_opts = u.access.options(Kind::Organization, 5000).await.or_page(u)?;
    let org_names: HashMap<i64, String> = org_opts.iter().cloned().collect();
    let now = u.access.now_ts();
    let rows = users
        .iter()
        .map(|x| UserRow {
            id: x.id,
            locked: x.locked_until.as_deref().is_some_and(|t| t > now.as_str()),
            disabled: x.disabled,
            second_factor: x.totp_enabled,
            username: x.username.clone(),
            display_name: x.display_name.clone(),
            role: x.role.label(zh).into(),
            role_code: x.role.code().into(),
            clearance: x.clearance.label(zh).into(),
            clearance_code: x.clearance.code().into(),
            org: x
                .org_id
                .map(|o| org_names.get(&o).cloned().unwrap_or_else(|| format!("#{o}")))
                .unwrap_or_default(),
            status: if x.disabled {
                u.lang.t("users.disabled").into()
            } else if x.locked_until.as_deref().is_some_and(|t| t > now.as_str()) {
                u.lang.t("users.locked").into()
            } else {
                u.lang.t("status.active").into()
            },
            created_at: kean_core::display_time(&x.created_at),
        })
        .collect();
    let cur_role = form.get("role").cloned().unwrap_or_else(|| "liaison".into());
    let cur_org = form.get("org_id").cloned().unwrap_or_default();
    // The system administrator creates business accounts; the three
    // administrators' roles are given by the security administrator.
    let roles = Role::ALL
        .iter()
        .filter(|r| !r.is_one_of_three())
        .map(|r| Opt {
            value: r.code().into(),
            label: r.label(zh).into(),
            selected: r.code() == cur_role,
        })
        .collect();
    let orgs = org_opts
        .into_iter()
        .map(|(id, l)| Opt {
            selected: id.to_string() == cur_org,
            value: id.to_string(),
            label: l,
        })
        .collect();
    let errors = err.as_ref().map(|e| super::common::messages(e, zh)).unwrap_or_default();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("users.title"), "/system/users");
    c.flash = flash;
    let status = err
        .map(|e| StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(StatusCode::OK);
    let clearances = u.access.may(Action::ManageConfidentiality, None).then(|| {
        kean_core::confidentiality::Classification::ALL
            .into_iter()
            .map(|l| Opt {
                value: l.code().into(),
                label: l.label(zh).into(),
                selected: false,
            })
            .collect()
    });
    let all_roles = u.access.may(Action::AssignRoles, None).then(|| {
        Role::ALL
            .iter()
            .map(|r| Opt {
                value: r.code().into(),
                label: r.label(zh).into(),
                selected: false,
            })
            .collect()
    });
    let page = UsersPage {
        c,
        users: rows,
        clearances,
        all_roles,
        can_manage: u.access.may(Action::ManageUsers, None),
        roles,
        orgs,
        errors,
        form_username: form.get("username").cloned().unwrap_or_default(),
        form_display: form.get("display_name").cloned().unwrap_or_default(),
    };
    Ok(render(&page, status))
}

pub async fn users(u: WebUser) -> PageResult {
    users_page(&u, &BTreeMap::new(), None, None).await
}

pub async fn change_user(Path((id_text, action)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id_text)?;
    let change = match action.as_str() {
        "unlock" => kean_app::UserAction::Unlock,
        "disable" => kean_app::UserAction::SetDisabled(true),
        "enable" => kean_app::UserAction::SetDisabled(false),
        "password" => kean_app::UserAction::Password(f.form.get("password").cloned().unwrap_or_default()),
        "reset-2fa" => kean_app::UserAction::ResetSecondFactor,
        "clearance" | "role" => {
            let value = f.form.get(action.as_str()).cloned().unwrap_or_default();
            let done = if action == "role" {
                u.access.set_role(id, &value).await
            } else {
                u.access.set_clearance(id, &value).await
            };
            return match done {
                Ok(_) => users_page(u, &BTreeMap::new(), None, Some(u.lang.t("users.changed_ok").into())).await,
                Err(e) if e.code == ErrorCode::Forbidden => Err(PageError::page(u, e)),
                Err(e) => users_page(u, &BTreeMap::new(), Some(e), None).await,
            };
        }
        _ => return Err(PageError::page(u, AppError::not_found())),
    };
    match u.access.change_user(id, change).await {
        // A sensitive act: the password again, then back to the users.
        Err(e) if e.code == ErrorCode::ReauthenticationRequired => {
            Ok(axum::response::Redirect::to("/account/reauth?next=%2Fsystem%2Fusers").into_response())
        }
        Ok(_) => users_page(u, &BTreeMap::new(), None, Some(u.lang.t("users.changed_ok").into())).await,
        Err(e) if e.code == ErrorCode::ValidationFailed => users_page(u, &BTreeMap::new(), Some(e), None).await,
        Err(e) => Err(PageError::page(u, e)),
    }
}

/// POST /system/users/organization (user_id, org_id — empty for none)
pub async fn move_user(f: WebForm) -> PageResult {
    let u = &f.user;
    let get = |k: &str| f.form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let user_id = id_of(u, &get("user_id"))?;
    let org = get("org_id");
    let org_id = if org.is_empty() {
        None
    } else {
        Some(org.parse::<i64>().map_err(|_| {
            PageError::page(
                u,
                AppError::validation(vec![kean_core::FieldError::new(
                    "org_id",
                    format!("所属单位：“{org}”不是单位编号"),
                    format!("organization: '{org}' is not an organization id"),
                )]),
            )
        })?)
    };
    match u.access.set_organization(user_id, org_id).await {
        Err(e) if e.code == ErrorCode::ReauthenticationRequired => {
            Ok(axum::response::Redirect::to("/account/reauth?next=%2Fsystem%2Fusers").into_response())
        }
        Ok(_) => users_page(u, &BTreeMap::new(), None, Some(u.lang.t("users.changed_ok").into())).await,
        Err(e) if e.code == ErrorCode::ValidationFailed => users_page(u, &BTreeMap::new(), Some(e), None).await,
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn create_user(f: WebForm) -> PageResult {
    let u = &f.user;
    let g = |k: &str| f.form.get(k).map(String::as_str).unwrap_or("");
    let Some(role) = Role::parse(g("role")) else {
        let e = AppError::validation(vec![kean_core::FieldError::new(
            "role",
            "角色：请选择",
            "role: choose one",
        )]);
        return users_page(u, &f.form, Some(e), None).await;
    };
    let org = g("org_id").parse::<i64>().ok();
    match u
        .access
        .create_user(g("username"), g("display_name"), role, org, g("password"))
        .await
    {
        Ok(_) => users_page(u, &BTreeMap::new(), None, Some(u.lang.t("users.created_ok").into())).await,
        Err(e) if e.code == ErrorCode::ReauthenticationRequired => {
            Ok(axum::response::Redirect::to("/account/reauth?next=%2Fsystem%2Fusers").into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed || e.code == ErrorCode::Conflict => {
            users_page(u, &f.form, Some(e), None).await
        }
        Err(e) => Err(PageError::page(u, e)),
    }
}

// ---------------- audit ----------------

pub struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    record: String,
    changes: String,
    hash: String,
}

/// One search field of the audit page: its value as typed and its error.
pub struct AuditField {
    name: &'static str,
    label: &'static str,
    value: String,
    error: Option<String>,
    placeholder: &'static str,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    entries: Vec<AuditRow>,
    chain_note: String,
    total_text: String,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// Text fields of the search (actor, action, record, from, to).
    fields: Vec<AuditField>,
    kinds: Vec<Opt>,
    outcomes: Vec<Opt>,
    errors: Vec<String>,
    /// The chain's state: head, last checkpoint, last verification.
    status: Vec<(String, String)>,
    /// Whether the last recorded verification found the chain intact
    /// (`None`: never verified from a page or the API).
    verified: Option<bool>,
    can_verify: bool,
    /// Only the auditor's acts (the security administrator's view).
    auditors_only: bool,
    export_csv_href: String,
    export_xlsx_href: String,
}

/// A compact "field: old → new" summary of an audited change.
fn change_summary(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    let fields = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|x| x.get("fields").cloned().or_else(|| Some(x.clone())))
    };
    match (fields(before), fields(after)) {
        (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) => {
            let mut parts = vec![];
            for (k, av) in &a {
                let bv = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
                if &bv != av {
                    parts.push(format!("{k}: {bv} → {av}"));
                }
            }
            if let (Some(x), Some(y)) = (
                before.as_ref().and_then(|v| v.get("archived")),
                after.as_ref().and_then(|v| v.get("archived")),
            ) && x != y
            {
                parts.push(format!("archived: {x} → {y}"));
            }
            parts.join("; ")
        }
        (None, Some(serde_json::Value::Object(a))) => {
            // A new record or an event: its values as "key: value", nulls left out.
            let s = a
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    serde_json::Value::String(t) => format!("{k}: {t}"),
                    other => format!("{k}: {other}"),
                })
                .collect::<Vec<_>>()
                .join("; ");
            if s.chars().count() > 300 {
                s.chars().take(300).collect::<String>() + "…"
            } else {
                s
            }
        }
        (None, Some(a)) => {
            let s = a.to_string();
            if s.chars().count() > 300 {
                s.chars().take(300).collect::<String>() + "…"
            } else {
                s
            }
        }
        _ => String::new(),
    }
}

/// A translated audit term, or the stored code when there is none.
fn term(lang: Lang, prefix: &str, code: &str) -> String {
    match lang.t(&format!("{prefix}.{code}")) {
        crate::i18n::MISSING => code.to_string(),
        t => t.to_string(),
    }
}

pub async fn audit(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    audit_page(&u, &q, None).await
}

/// The auditor re-walks the chain from the page (an audited act): the
/// outcome shows above the log.
pub async fn verify_audit(f: WebForm) -> PageResult {
    let u = &f.user;
    let outcome = u.access.verify_audit_recorded().await.or_page(u)?;
    let text = match outcome {
        Ok((last, _)) => u.lang.t("audit.intact").replace("{}", &last.to_string()),
        Err(b) => u.lang.t("audit.broken").replace("{}", &b.to_string()),
    };
    audit_page(u, &HashMap::new(), Some(text)).await
}

/// The search fields as the page shows them back: the values typed, each
/// error at its field.
fn audit_fields(lang: Lang, q: &HashMap<String, String>, err: Option<&AppError>) -> Vec<AuditField> {
    let zh = lang.zh();
    [
        ("actor", "audit.actor", "audit.actor_hint"),
        ("action", "audit.action", "audit.action_hint"),
        ("record", "audit.record", ""),
        ("from", "audit.from", "audit.date_hint"),
        ("to", "audit.to", "audit.date_hint"),
    ]
    .into_iter()
    .map(|(name, label, hint)| AuditField {
        name,
        label: lang.t(label),
        value: q.get(name).cloned().unwrap_or_default(),
        error: err.and_then(|e| {
            e.fields
                .iter()
                .find(|f| f.field == name)
                .map(|f| if zh { f.message_zh.clone() } else { f.message_en.clone() })
        }),
        placeholder: if hint.is_empty() { "" } else { lang.t(hint) },
    })
    .collect()
}

/// The query string of the search fields given (for paging and exports).
fn audit_query_string(q: &HashMap<String, String>) -> String {
    let mut parts: Vec<String> = ["actor", "action", "kind", "record", "from", "to", "outcome"]
        .iter()
        .filter_map(|k| {
            q.get(*k)
                .filter(|v| !v.trim().is_empty())
                .map(|v| format!("{k}={}", crate::views::url_encode(v.trim())))
        })
        .collect();
    parts.sort();
    parts.join("&")
}

async fn audit_page(u: &WebUser, q: &HashMap<String, String>, flash: Option<String>) -> PageResult {
    let page_no = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1u32).max(1);
    let zh = u.lang.zh();
    let (page, err) = match kean_app::audit_query(q) {
        Ok(query) => (Some(u.access.audit_search(&query, page_no, 50).await.or_page(u)?), None),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            // Still the policy's answer first: a refused viewer gets 403.
            u.access.check(Action::ReadAudit, None).or_page(u)?;
            (None, Some(e))
        }
        Err(e) => return Err(PageError::page(u, e)),
    };
    let status_now = u.access.audit_chain_status().await.or_page(u)?;
    let entries = page
        .iter()
        .flat_map(|p| p.items.iter())
        .map(|e| AuditRow {
            seq: e.seq,
            at: kean_core::display_time(&e.draft.at),
            actor: e.draft.actor.clone(),
            action: term(u.lang, "act", &e.draft.action),
            target: Kind::from_slug(&e.draft.target)
                .map(|k| k.label(zh).to_string())
                .unwrap_or_else(|| term(u.lang, "target", &e.draft.target)),
            record: e.draft.record_id.map(|r| r.to_string()).unwrap_or_default(),
            changes: change_summary(&e.draft.before, &e.draft.after),
            hash: e.hash[..16.min(e.hash.len())].to_string(),
        })
        .collect();
    let (total, page_at, pages) = page.as_ref().map_or((0, 1, 1), |p| (p.total, p.page, p.pages()));
    let chain_note = u.lang.t("audit.chain_note").to_string();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("audit.title"), "/system/audit");
    c.flash = flash;
    let qs = audit_query_string(q);
    let href = |n: u32| {
        if qs.is_empty() {
            format!("/system/audit?page={n}")
        } else {
            format!("/system/audit?{qs}&page={n}")
        }
    };
    let cur_kind = q.get("kind").map(|s| s.trim()).unwrap_or("");
    let mut kinds: Vec<Opt> = Kind::ALL
        .iter()
        .map(|k| Opt {
            value: k.slug().into(),
            label: k.label(zh).into(),
            selected: k.slug() == cur_kind,
        })
        .collect();
    for t in [
        "users",
        "sessions",
        "audit-log",
        "database",
        "settings",
        "screening-results",
        "restricted-lists",
        "screening-vocabulary",
    ] {
        kinds.push(Opt {
            value: t.into(),
            label: term(u.lang, "target", t),
            selected: t == cur_kind,
        });
    }
    let cur_outcome = q.get("outcome").map(|s| s.trim()).unwrap_or("");
    let outcomes = kean_core::audit::Outcome::ALL
        .iter()
        .map(|o| Opt {
            value: o.code().into(),
            label: u.lang.t(&format!("audit.outcome.{}", o.code())).into(),
            selected: o.code() == cur_outcome,
        })
        .collect();
    let mut status = vec![(
        u.lang.t("audit.head").to_string(),
        format!(
            "{} · {}",
            status_now.head_seq,
            &status_now.head_hash[..16.min(status_now.head_hash.len())]
        ),
    )];
    status.push((
        u.lang.t("audit.last_checkpoint").to_string(),
        match &status_now.last_checkpoint {
            Some((seq, at)) => format!("{seq} · {}", kean_core::display_time(at)),
            None => u.lang.t("audit.none").to_string(),
        },
    ));
    let verified = status_now.last_verify.as_ref().map(|e| {
        e.draft
            .after
            .as_ref()
            .and_then(|a| a.get("intact"))
            .and_then(|v| v.as_bool())
            == Some(true)
    });
    status.push((
        u.lang.t("audit.last_verify").to_string(),
        match &status_now.last_verify {
            Some(e) => {
                let verdict = if verified == Some(true) {
                    u.lang.t("audit.verified_ok")
                } else {
                    u.lang.t("audit.verified_broken")
                };
                format!(
                    "{verdict} · {} · {}",
                    kean_core::display_time(&e.draft.at),
                    e.draft.actor
                )
            }
            None => u.lang.t("audit.never_verified").to_string(),
        },
    ));
    let auditors_only = u.access.actor().role() != Role::Auditor;
    let export = |ext: &str| {
        if qs.is_empty() {
            format!("/system/audit/export.{ext}")
        } else {
            format!("/system/audit/export.{ext}?{qs}")
        }
    };
    let view = AuditPage {
        c,
        entries,
        chain_note,
        total_text: u.lang.t("table.total").replace("{}", &total.to_string()),
        page: page_at,
        pages,
        prev_href: (page_at > 1).then(|| href(page_at - 1)),
        next_href: (page_at < pages).then(|| href(page_at + 1)),
        fields: audit_fields(u.lang, q, err.as_ref()),
        kinds,
        outcomes,
        errors: err.as_ref().map(|e| super::common::messages(e, zh)).unwrap_or_default(),
        status,
        verified,
        can_verify: u.access.may(Action::VerifyAudit, None),
        auditors_only,
        export_csv_href: export("csv"),
        export_xlsx_href: export("xlsx"),
    };
    let code = if err.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(render(&view, code))
}

/// What the search found, as a table for people: one row an event, in the
/// viewer's language, values withheld as on the page.
pub fn audit_table(
    lang: Lang,
    entries: &[kean_core::audit::AuditEntry],
) -> (Vec<String>, Vec<Vec<kean_exchange::Cell>>) {
    use kean_exchange::Cell;
    let zh = lang.zh();
    let headers = [
        "audit.seq",
        "audit.at",
        "audit.actor",
        "audit.action",
        "audit.outcome",
        "audit.target",
        "audit.record",
        "audit.changes",
        "audit.hash",
    ]
    .iter()
    .map(|k| lang.t(k).to_string())
    .collect();
    let rows = entries
        .iter()
        .map(|e| {
            let outcome = kean_core::audit::Outcome::of(&e.draft.action);
            vec![
                Cell::Int(e.seq),
                Cell::Text(kean_core::display_time(&e.draft.at)),
                Cell::Text(e.draft.actor.clone()),
                Cell::Text(term(lang, "act", &e.draft.action)),
                Cell::Text(lang.t(&format!("audit.outcome.{}", outcome.code())).to_string()),
                Cell::Text(
                    Kind::from_slug(&e.draft.target)
                        .map(|k| k.label(zh).to_string())
                        .unwrap_or_else(|| term(lang, "target", &e.draft.target)),
                ),
                e.draft.record_id.map_or(Cell::Empty, Cell::Int),
                Cell::Text(change_summary(&e.draft.before, &e.draft.after)),
                Cell::Text(e.hash.clone()),
            ]
        })
        .collect();
    (headers, rows)
}

/// The search's records as CSV or XLSX (the export is recorded by kean-app).
async fn audit_export(u: WebUser, q: HashMap<String, String>, xlsx: bool) -> PageResult {
    let query = kean_app::audit_query(&q).or_page(&u)?;
    let format = if xlsx { "xlsx" } else { "csv" };
    let (entries, _truncated) = u.access.audit_export_records(&query, format).await.or_page(&u)?;
    let (headers, rows) = audit_table(u.lang, &entries);
    super::exchange::audit_download(u.lang, headers, rows, xlsx).or_page(&u)
}

pub async fn audit_export_csv(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    audit_export(u, q, false).await
}

pub async fn audit_export_xlsx(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    audit_export(u, q, true).await
}
