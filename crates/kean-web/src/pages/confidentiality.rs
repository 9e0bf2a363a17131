//! 保密管理: the security administrator's page — the deployment's ceiling
//! and the register of classified records' control records with their
//! need-to-know lists. Content of the records never appears here.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use kean_app::AppError;
use kean_core::confidentiality::Classification;

use crate::auth::{WebForm, WebUser};
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::views::{Chrome, Opt};

pub struct Member {
    username: String,
    display_name: String,
    added: String,
}

pub struct ControlItem {
    slug: String,
    id: i64,
    kind: String,
    title: String,
    org: String,
    level: String,
    marking: String,
    classified_by: String,
    basis: String,
    classified_on: String,
    /// The end of its term, and whether it has come (a review is due).
    term_ends: String,
    due: bool,
    archived: bool,
    members: Vec<Member>,
}

pub struct Pending {
    id: i64,
    kind: String,
    href_record: String,
    title: String,
    change: String,
    reasons: String,
    proposer: String,
    proposed_at: String,
}

/// A request to export important or core data, waiting for a decision.
pub struct ExportItem {
    id: i64,
    dataset_id: i64,
    dataset: String,
    grade: String,
    purpose: String,
    recipient: String,
    requester: String,
    requested_at: String,
}

#[derive(Template)]
#[template(path = "confidentiality.html")]
struct ConfidentialityPage {
    c: Chrome,
    ceiling: String,
    levels: Vec<Opt>,
    items: Vec<ControlItem>,
    pending: Vec<Pending>,
    exports: Vec<ExportItem>,
    due_note: Option<String>,
    errors: Vec<String>,
}

async fn page(u: &WebUser, err: Option<AppError>, flash: Option<String>) -> PageResult {
    let zh = u.lang.zh();
    let register = u.access.control_register().await.or_page(u)?;
    let ceiling = u.access.ceiling().await.or_page(u)?.level();
    let levels = Classification::ALL
        .into_iter()
        .filter(|l| *l <= kean_core::confidentiality::BUREAU_MAX)
        .map(|l| Opt {
            value: l.code().into(),
            label: l.label(zh).into(),
            selected: l == ceiling,
        })
        .collect();
    let today = u.access.today();
    let titles: std::collections::HashMap<(kean_core::Kind, i64), String> = register
        .iter()
        .map(|(r, _, _)| ((r.kind, r.id), r.title.clone()))
        .collect();
    let pending = u
        .access
        .level_changes(true)
        .await
        .or_page(u)?
        .into_iter()
        .map(|c| Pending {
            id: c.id,
            kind: c.kind.label(zh).into(),
            href_record: format!("{}/{}", c.kind.slug(), c.record_id),
            title: titles
                .get(&(c.kind, c.record_id))
                .cloned()
                .unwrap_or_else(|| format!("#{}", c.record_id)),
            change: format!("{} → {}", c.from.label(zh), c.to.label(zh)),
            reasons: c.reasons,
            proposer: c.proposer,
            proposed_at: kean_core::display_time(&c.proposed_at),
        })
        .collect();
    let grade_field = kean_core::Kind::Dataset.field("data_grade");
    let exports = u
        .access
        .data_exports(true)
        .await
        .or_page(u)?
        .into_iter()
        .map(|x| ExportItem {
            id: x.request.id,
            dataset_id: x.request.dataset_id,
            dataset: x.dataset_name,
            grade: grade_field
                .and_then(|f| f.choice_label(&x.data_grade, zh))
                .unwrap_or_default()
                .to_string(),
            purpose: x.request.purpose,
            recipient: x.request.recipient,
            requester: x.request.requester,
            requested_at: kean_core::display_time(&x.request.requested_at),
        })
        .collect();
    let items: Vec<ControlItem> = register
        .into_iter()
        .map(|(r, org, members)| {
            let ends = r
                .classified_on
                .as_deref()
                .and_then(kean_core::record::parse_date)
                .zip(r.term_years)
                .map(|(on, years)| kean_core::confidentiality::term_end(on, years));
            ControlItem {
                term_ends: ends.map(|d| d.to_string()).unwrap_or_default(),
                due: ends.is_some_and(|d| kean_core::confidentiality::term_due(d, today)),
                slug: r.kind.slug().into(),
                id: r.id,
                kind: r.kind.label(zh).into(),
                title: r.title,
                org,
                level: r.level.label(zh).into(),
                // The marking of GB/T 7156 style: 秘密★10年.
                marking: match r.term_years {
                    Some(t) if zh => format!("{}★{t}年", r.level.label(true)),
                    Some(t) => format!("{} ★ {t} years", r.level.label(false)),
                    None => r.level.label(zh).into(),
                },
                classified_by: r.classified_by.unwrap_or_default(),
                basis: r.basis.unwrap_or_default(),
                classified_on: r.classified_on.unwrap_or_default(),
                archived: r.archived,
                members: members
                    .into_iter()
                    .map(|m| Member {
                        username: m.username,
                        display_name: m.display_name,
                        added: format!("{} {}", m.added_by, kean_core::display_time(&m.added_at)),
                    })
                    .collect(),
            }
        })
        .collect();
    let due = items.iter().filter(|i| i.due && !i.archived).count();
    let due_note = (due > 0).then(|| u.lang.t("conf.due_count").replace("{}", &due.to_string()));
    let errors = err.as_ref().map(|e| super::common::messages(e, zh)).unwrap_or_default();
    let mut c = Chrome::new(
        &u.access,
        &u.csrf,
        u.lang,
        u.lang.t("conf.title"),
        "/system/confidentiality",
    );
    c.flash = flash;
    let status = err
        .map(|e| StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(StatusCode::OK);
    Ok(render(
        &ConfidentialityPage {
            c,
            ceiling: ceiling.label(zh).into(),
            levels,
            items,
            pending,
            exports,
            due_note,
            errors,
        },
        status,
    ))
}

pub async fn show(u: WebUser) -> PageResult {
    page(&u, None, None).await
}

/// After a change: the page again, with the outcome.
async fn after(u: &WebUser, done: Result<(), AppError>) -> PageResult {
    match done {
        Ok(()) => page(u, None, Some(u.lang.t("users.changed_ok").into())).await,
        Err(e) if matches!(e.code, kean_core::ErrorCode::Forbidden) => Err(PageError::page(u, e)),
        Err(e) => page(u, Some(e), None).await,
    }
}

pub async fn set_ceiling(f: WebForm) -> PageResult {
    let u = &f.user;
    let level = f.form.get("level").cloned().unwrap_or_default();
    after(u, u.access.set_ceiling(&level).await.map(|_| ())).await
}

pub async fn need_to_know(Path((slug, id_text, action)): Path<(String, String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = super::common::record_of(u, &slug, &id_text)?;
    let username = f.form.get("username").cloned().unwrap_or_default();
    let member = match action.as_str() {
        "add" => true,
        "remove" => false,
        _ => return Err(PageError::page(u, AppError::not_found())),
    };
    after(
        u,
        u.access.set_need_to_know(kind, id, &username, member).await.map(|_| ()),
    )
    .await
}

pub async fn decide(Path((id_text, action)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = super::common::id_of(u, &id_text)?;
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(PageError::page(u, AppError::not_found())),
    };
    let note = f.form.get("note").cloned().unwrap_or_default();
    after(u, u.access.decide_level_change(id, approve, &note).await.map(|_| ())).await
}

/// Approves or rejects a request to export important or core data.
pub async fn decide_export(Path((id_text, action)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = super::common::id_of(u, &id_text)?;
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(PageError::page(u, AppError::not_found())),
    };
    let note = f.form.get("note").cloned().unwrap_or_default();
    after(u, u.access.decide_data_export(id, approve, &note).await.map(|_| ())).await
}
