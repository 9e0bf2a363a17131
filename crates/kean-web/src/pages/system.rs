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

/// The auditor re-walks the chain from the page: the outcome shows above
/// the log.
pub async fn verify_audit(f: WebForm) -> PageResult {
    let u = &f.user;
    let outcome = u.access.verify_audit().await.or_page(u)?;
    let text = match outcome {
        Ok((last, _)) => u.lang.t("audit.intact").replace("{}", &last.to_string()),
        Err(b) => u.lang.t("audit.broken").replace("{}", &b.to_string()),
    };
    audit_page(u, &HashMap::new(), Some(text)).await
}

async fn audit_page(u: &WebUser, q: &HashMap<String, String>, flash: Option<String>) -> PageResult {
    let page_no = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1u32).max(1);
    let page = u.access.audit_page(page_no, 50).await.or_page(u)?;
    let entries = page
        .items
        .iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: kean_core::display_time(&e.draft.at),
            actor: e.draft.actor.clone(),
            action: term(u.lang, "act", &e.draft.action),
            target: Kind::from_slug(&e.draft.target)
                .map(|k| k.label(u.lang.zh()).to_string())
                .unwrap_or_else(|| term(u.lang, "target", &e.draft.target)),
            record: e.draft.record_id.map(|r| r.to_string()).unwrap_or_default(),
            changes: change_summary(&e.draft.before, &e.draft.after),
            hash: e.hash[..16.min(e.hash.len())].to_string(),
        })
        .collect();
    let pages = page.pages();
    let chain_note = if u.lang.zh() {
        "每条记录以 SM3 哈希与前一条链接，任何事后修改或删除都可被检测。".to_string()
    } else {
        "Each record is chained to the previous one by its SM3 hash, so any later edit or deletion is detectable."
            .to_string()
    };
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("audit.title"), "/system/audit");
    c.flash = flash;
    let view = AuditPage {
        c,
        entries,
        chain_note,
        total_text: u.lang.t("table.total").replace("{}", &page.total.to_string()),
        page: page.page,
        pages,
        prev_href: (page.page > 1).then(|| format!("/system/audit?page={}", page.page - 1)),
        next_href: (page.page < pages).then(|| format!("/system/audit?page={}", page.page + 1)),
    };
    Ok(render(&view, StatusCode::OK))
}
