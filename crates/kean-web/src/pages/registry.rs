//! The registries: lists, a record's page, the forms that create and
//! edit, archive and restore, and the reference picker's options.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect};
use kean_app::AppError;
use kean_core::policy::Action;
use kean_core::record::high_tech_valid_until;
use kean_core::schema::FieldType;
use kean_core::{ErrorCode, Kind, Record, Value};

use super::common::{kind_of, record_of};
use super::screening::{PartyPanel, party_panel};
use crate::auth::{WebForm, WebUser};
use crate::i18n::fill;
use crate::params::parse_list_params;
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::views::{Chrome, FilterView, Opt, display_value, html_escape, options_for, url_encode};

// ---------------- list ----------------

pub struct Column {
    label: String,
    sort_href: String,
    sort_mark: &'static str,
}

pub struct Row {
    id: i64,
    cells: Vec<Cell>,
    archived: bool,
}

pub struct Cell {
    text: String,
    /// CSS class: `num` for amounts, `nowrap` for dates and codes.
    class: &'static str,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    c: Chrome,
    base: String,
    keyword: String,
    /// The kind's period field: (name, label, from, to), as given.
    period: Option<(&'static str, String, String, String)>,
    /// Filters on the owning organization that came with the link, shown
    /// so the user sees why the list is narrowed.
    owner_note: String,
    owner_hidden: Vec<(String, String)>,
    filters: Vec<FilterView>,
    archived: &'static str,
    columns: Vec<Column>,
    rows: Vec<Row>,
    page_size: u32,
    pager: crate::views::Pager,
    /// A date of the search form that could not be read: (from, to) errors.
    period_errors: (Option<String>, Option<String>),
    export_href: String,
    export_xlsx_href: String,
    can_create: bool,
    can_update: bool,
    can_archive: bool,
    /// For an institution's liaison: its new records, changes and imports
    /// here go to review (填报 → 审核).
    review_note: Option<&'static str>,
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn list(u: WebUser, Path(slug): Path<String>, Query(pairs): Query<Vec<(String, String)>>) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    let params = parse_list_params(kind, &pairs, false).or_page(&u)?;
    let listing = u.access.list(kind, &params.query).await.or_page(&u)?;
    let zh = u.lang.zh();
    let base = format!("/registry/{}", kind.slug());
    // The parameters every link keeps.
    let mut keep: Vec<(String, String)> = vec![("q".into(), params.keyword.clone())];
    keep.extend(params.filters.iter().map(|(k, v)| (k.to_string(), v.clone())));
    keep.extend(params.carry.iter().cloned());
    if params.archived != "active" {
        keep.push(("archived".into(), params.archived.into()));
    }
    let with = |extra: &[(&str, String)]| {
        let mut p = keep.clone();
        for (k, v) in extra {
            p.push((k.to_string(), v.clone()));
        }
        format!("{base}?{}", query_string(&p))
    };
    let page_size = listing.page.page_size;
    let sort_pairs = |page: u32| -> Vec<(&str, String)> {
        let mut v = vec![("page", page.to_string()), ("page_size", page_size.to_string())];
        if let Some((f, desc)) = params.sort {
            v.push(("sort", f.to_string()));
            v.push(("order", if desc { "desc" } else { "asc" }.to_string()));
        }
        v
    };
    let fields: Vec<_> = kind.fields().iter().filter(|f| f.list).collect();
    let columns = fields
        .iter()
        .map(|f| {
            let (mark, next_desc) = match params.sort {
                Some((s, false)) if s == f.name => ("▲", true),
                Some((s, true)) if s == f.name => ("▼", false),
                _ => ("", false),
            };
            Column {
                label: f.label(zh).into(),
                sort_href: with(&[
                    ("sort", f.name.to_string()),
                    ("order", if next_desc { "desc" } else { "asc" }.to_string()),
                    ("page_size", page_size.to_string()),
                ]),
                sort_mark: mark,
            }
        })
        .collect();
    let rows = listing
        .page
        .items
        .iter()
        .map(|r| Row {
            id: r.id,
            archived: r.archived,
            cells: fields
                .iter()
                .map(|f| {
                    let v = r.fields.get(f.name);
                    let s = display_value(f, v, &listing.labels, u.lang);
                    // Personal values are masked in every list, for every
                    // role: in full (if the policy allows) only on the
                    // record's own page.
                    let text = if f.personal {
                        kean_core::policy::mask_personal(&s)
                    } else {
                        s
                    };
                    let class = match f.ty {
                        FieldType::Money => "num",
                        FieldType::Date | FieldType::CreditCode | FieldType::Digits { .. } => "nowrap",
                        _ => "",
                    };
                    Cell { text, class }
                })
                .collect(),
        })
        .collect();
    let mut filters = vec![];
    for f in kind.fields().iter().filter(|f| f.filter) {
        let current = params
            .filters
            .iter()
            .find(|(n, _)| *n == f.name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        let options = options_for(&u.access, f, current, u.lang).await.or_page(&u)?;
        filters.push(FilterView {
            name: f.name,
            label: f.label(zh).into(),
            options,
        });
    }
    let page = listing.page.page;
    // Past the count cap the number of pages is unknown: the pager shows
    // "N+" and goes on while pages come back full.
    let exact = listing.page.total_is_exact;
    let more = !exact && listing.page.items.len() as u32 >= listing.page.page_size;
    // A page past the end (an old link, a typed number) is the last page.
    if exact && page > listing.page.pages() {
        return Ok(Redirect::to(&with(&sort_pairs(listing.page.pages()))).into_response());
    }
    let pages_n = listing.page.pages().max(page);
    let mut keep_sorted = keep.clone();
    if let Some((f, desc)) = params.sort {
        keep_sorted.push(("sort".into(), f.into()));
        keep_sorted.push(("order".into(), if desc { "desc" } else { "asc" }.into()));
    }
    let pager = crate::views::Pager::new(
        u.lang,
        listing.page.total,
        exact,
        page,
        pages_n,
        more,
        page_size,
        &base,
        keep_sorted,
        |p, size| {
            let mut v = vec![("page", p.to_string()), ("page_size", size.to_string())];
            if let Some((f, desc)) = params.sort {
                v.push(("sort", f.to_string()));
                v.push(("order", if desc { "desc" } else { "asc" }.to_string()));
            }
            with(&v)
        },
    );
    let date_error = |suffix: &str| {
        params
            .date_errors
            .iter()
            .find(|(k, _, _)| k.ends_with(suffix))
            .map(|(_, _, e)| if zh { e.message_zh.clone() } else { e.message_en.clone() })
    };
    let period_errors = (date_error("_from"), date_error("_to"));
    let mut export_pairs = keep.clone();
    if let Some((f, desc)) = params.sort {
        export_pairs.push(("sort".into(), f.into()));
        export_pairs.push(("order".into(), if desc { "desc" } else { "asc" }.into()));
    }
    let period = kind.period_field().and_then(|n| kind.field(n)).map(|f| {
        let get = |suffix: &str| {
            let name = format!("{}_{suffix}", f.name);
            params
                .carry
                .iter()
                .map(|(k, v)| (k, v))
                .chain(params.date_errors.iter().map(|(k, v, _)| (k, v)))
                .find(|(k, _)| **k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        (f.name, f.label(zh).to_string(), get("from"), get("to"))
    });
    let mut owner_note = vec![];
    for (k, v) in params.carry.iter().filter(|(k, _)| k.starts_with("owner_")) {
        let Some(f) = Kind::Organization.field(&k["owner_".len()..]) else {
            continue;
        };
        let shown = match f.ty {
            FieldType::Ref(rk) => match v.parse::<i64>() {
                Ok(id) => u
                    .access
                    .get(rk, id)
                    .await
                    .map(|(r, _)| r.fields.label())
                    .unwrap_or_else(|_| v.clone()),
                Err(_) => v.clone(),
            },
            _ => f.choice_label(v, zh).unwrap_or(v).to_string(),
        };
        owner_note.push(format!("{}{} = {shown}", u.lang.t("list.owner_prefix"), f.label(zh)));
    }
    let page_view = ListPage {
        c: {
            let mut c = Chrome::new(&u.access, &u.csrf, u.lang, kind.label(zh), &base);
            let param = |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
            };
            if pairs.iter().any(|(k, _)| k == "archived_one") {
                c.flash = Some(u.lang.t("flash.archived").into());
            }
            // After 批量归档: what became of the ticked records.
            if pairs.iter().any(|(k, _)| k == "archived_n") {
                let mut parts = vec![];
                for (key, text) in [
                    ("archived_n", "flash.archived_n"),
                    ("submitted_n", "flash.archive_submitted_n"),
                    ("failed_n", "flash.archive_failed_n"),
                ] {
                    if let Some(n) = param(key).filter(|n| *n > 0) {
                        parts.push(fill(u.lang.t(text), &[n.to_string()]));
                    }
                }
                if parts.is_empty() {
                    parts.push(fill(u.lang.t("flash.archived_n"), &["0".to_string()]));
                }
                c.flash = Some(parts.join(if zh { "；" } else { "; " }));
            }
            if let Some(n) = param("imported") {
                let mut text = fill(u.lang.t("import.done"), &[n.to_string()]);
                if let Some(m) = param("flagged").filter(|m| *m > 0) {
                    text.push_str(&fill(u.lang.t("scr.imported_results"), &[m.to_string()]));
                }
                c.flash = Some(text);
            }
            c
        },
        keyword: params.keyword.clone(),
        period,
        owner_note: owner_note.join("；"),
        owner_hidden: params
            .carry
            .iter()
            .filter(|(k, _)| k.starts_with("owner_"))
            .cloned()
            .collect(),
        filters,
        archived: params.archived,
        columns,
        rows,
        page_size,
        pager,
        period_errors,
        export_href: format!("{base}/export.csv?{}", query_string(&export_pairs)),
        export_xlsx_href: format!("{base}/export.xlsx?{}", query_string(&export_pairs)),
        can_create: u.access.may(Action::Create, Some(kind)),
        can_update: u.access.may(Action::Update, Some(kind)),
        can_archive: u.access.may(Action::Archive, Some(kind)),
        review_note: u
            .access
            .needs_review(kind)
            .await
            .or_page(&u)?
            .then(|| u.lang.t("sub.review_note")),
        base,
    };
    Ok(render(&page_view, StatusCode::OK))
}

// ---------------- forms ----------------

pub struct FormField {
    /// For references: the registry to search in the picker.
    ref_slug: Option<&'static str>,
    name: &'static str,
    label: String,
    required: bool,
    widget: &'static str,
    value: String,
    options: Vec<Opt>,
    error: Option<String>,
    placeholder: Option<&'static str>,
    wide: bool,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    c: Chrome,
    heading: String,
    action: String,
    cancel_href: String,
    version: Option<i64>,
    fields: Vec<FormField>,
    errors: Vec<String>,
    /// The save button's text: 保存, or 提交审核 when the save is a report.
    save_label: &'static str,
    /// Shown above the form (a report's reasons for return …).
    note: Option<String>,
}

/// Where a form posts other than the registry's own routes (correcting a
/// report), and what it says.
pub(super) struct FormTarget {
    pub action: String,
    pub cancel: String,
    pub heading: String,
    pub note: Option<String>,
}

pub(super) async fn form_page(
    u: &WebUser,
    kind: Kind,
    id: Option<i64>,
    version: Option<i64>,
    values: &BTreeMap<String, String>,
    err: Option<AppError>,
    target: Option<FormTarget>,
) -> PageResult {
    let zh = u.lang.zh();
    let fe = err.as_ref().map(|e| e.fields.clone()).unwrap_or_default();
    let mut fields = vec![];
    for f in kind.fields() {
        let value = values.get(f.name).cloned().unwrap_or_default();
        let widget = match f.ty {
            FieldType::LongText { .. } => "textarea",
            FieldType::Enum(_) | FieldType::Ref(_) | FieldType::Country => "select",
            FieldType::Bool => "checkbox",
            FieldType::Date => "date",
            FieldType::Money => "money",
            _ => "text",
        };
        let options = if widget == "select" {
            options_for(&u.access, f, &value, u.lang).await.or_page(u)?
        } else {
            vec![]
        };
        let error = fe
            .iter()
            .find(|e| e.field == f.name)
            .map(|e| if zh { e.message_zh.clone() } else { e.message_en.clone() });
        let placeholder = match f.ty {
            FieldType::CreditCode => Some("18位，如 91140700MA0K0XXXXX"),
            FieldType::Money => Some("0.00"),
            FieldType::Date => Some("2025-03-01"),
            _ if f.name == "high_tech_cert_no" => Some("GR202314000123"),
            _ => None,
        };
        fields.push(FormField {
            ref_slug: match f.ty {
                FieldType::Ref(k) => Some(k.slug()),
                _ => None,
            },
            name: f.name,
            label: f.label(zh).into(),
            required: f.required,
            widget,
            value,
            options,
            error,
            placeholder,
            wide: widget == "textarea",
        });
    }
    let mut errors: Vec<String> = fe
        .iter()
        .map(|e| if zh { e.message_zh.clone() } else { e.message_en.clone() })
        .collect();
    if let Some(e) = &err
        && e.fields.is_empty()
    {
        errors.push(if zh { e.message_zh.clone() } else { e.message_en.clone() });
    }
    let base = format!("/registry/{}", kind.slug());
    let heading = format!(
        "{}{}",
        u.lang.t(if id.is_some() {
            "form.edit_title"
        } else {
            "form.new_title"
        }),
        if zh {
            kind.label(true).to_string()
        } else {
            format!(" — {}", kind.label(false))
        }
    );
    let status = match &err {
        Some(e) => StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    let review = u.access.needs_review(kind).await.or_page(u)?;
    let (action, cancel_href, heading, note) = match target {
        Some(t) => (t.action, t.cancel, t.heading, t.note),
        None => {
            let to = match id {
                Some(i) => format!("{base}/{i}"),
                None => base.clone(),
            };
            (
                to.clone(),
                to,
                heading,
                review.then(|| u.lang.t("sub.review_note").to_string()),
            )
        }
    };
    let page = FormPage {
        c: Chrome::new(&u.access, &u.csrf, u.lang, &heading, &base),
        heading,
        action,
        cancel_href,
        version,
        fields,
        errors,
        save_label: if review { "sub.submit_button" } else { "tool.save" },
        note,
    };
    Ok(render(&page, status))
}

fn record_inputs(r: &Record) -> BTreeMap<String, String> {
    r.fields
        .iter()
        .map(|(f, v)| (f.name.to_string(), v.to_input()))
        .collect()
}

pub async fn new_form(u: WebUser, Path(slug): Path<String>) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    u.access.check(Action::Create, Some(kind)).or_page(&u)?;
    let mut defaults = BTreeMap::new();
    for f in kind.fields() {
        if f.ty == FieldType::Country && f.required {
            defaults.insert(f.name.to_string(), "CN".to_string());
        }
        // A liaison registers for its own organization.
        if let (FieldType::Ref(Kind::Organization), Some(org), true) = (
            f.ty,
            u.access.actor().org_id(),
            u.access.actor().role().needs_organization(),
        ) {
            defaults.insert(f.name.to_string(), org.to_string());
        }
    }
    form_page(&u, kind, None, None, &defaults, None, None).await
}

pub async fn create(Path(slug): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let kind = kind_of(u, &slug)?;
    match u.access.save_new(kind, &f.form).await {
        Ok(saved) => Ok(saved_redirect(kind, &saved)),
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) || !e.fields.is_empty() => {
            form_page(u, kind, None, None, &f.form, Some(e), None).await
        }
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn edit_form(u: WebUser, Path((slug, id_text)): Path<(String, String)>) -> PageResult {
    let (kind, id) = record_of(&u, &slug, &id_text)?;
    u.access.check(Action::Update, Some(kind)).or_page(&u)?;
    // A record whose change waits for review is corrected in its report.
    if let Some(open) = u.access.open_submission_of(kind, id).await.or_page(&u)?
        && open.operation.is_correctable()
        && u.access.actor().org_id() == Some(open.org_id)
    {
        return Ok(Redirect::to(&format!("/submissions/{}/edit", open.id)).into_response());
    }
    let (r, _) = u.access.get(kind, id).await.or_page(&u)?;
    form_page(&u, kind, Some(id), Some(r.version), &record_inputs(&r), None, None).await
}

/// Where a save leads: the record, or the report waiting for review.
pub(super) fn saved_redirect(kind: Kind, saved: &kean_app::Saved) -> axum::response::Response {
    match saved {
        kean_app::Saved::Record(r) => {
            Redirect::to(&format!("/registry/{}/{}?saved=1", kind.slug(), r.id)).into_response()
        }
        kean_app::Saved::Submitted(s) => Redirect::to(&format!("/submissions/{}?submitted=1", s.id)).into_response(),
    }
}

pub async fn update(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id_text)?;
    let version = f.form.get("_version").and_then(|v| v.parse().ok());
    match u.access.save_changes(kind, id, &f.form, version).await {
        Ok(saved) => Ok(saved_redirect(kind, &saved)),
        // Someone else saved first: keep this user's input, say so, and let
        // a second save (now based on the current version) overwrite.
        Err(e) if e.code == ErrorCode::Conflict && e.fields.is_empty() => {
            let current = u.access.get(kind, id).await.map(|(r, _)| r.version).ok().or(version);
            let e = AppError {
                message_zh: format!("{}。您的修改仍保留在下方；再次保存将覆盖对方的修改。", e.message_zh),
                message_en: format!(
                    "{}. Your changes are kept below; saving again overwrites the other edit.",
                    e.message_en
                ),
                ..e
            };
            form_page(u, kind, Some(id), current, &f.form, Some(e), None).await
        }
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) || !e.fields.is_empty() => {
            form_page(u, kind, Some(id), version, &f.form, Some(e), None).await
        }
        Err(e) => Err(PageError::page(u, e)),
    }
}

async fn set_archived(slug: String, id_text: String, f: WebForm, archived: bool) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id_text)?;
    let saved = u.access.save_archived(kind, id, archived).await.or_page(u)?;
    Ok(match saved {
        kean_app::Saved::Submitted(_) => saved_redirect(kind, &saved),
        kean_app::Saved::Record(_) if archived => {
            Redirect::to(&format!("/registry/{}?archived_one=1", kind.slug())).into_response()
        }
        kean_app::Saved::Record(_) => {
            Redirect::to(&format!("/registry/{}/{id}?restored=1", kind.slug())).into_response()
        }
    })
}

/// 批量归档: the ticked records (`ids`, separated by commas), each archived
/// on its own as the single archive does it (a liaison's each becomes a
/// report); the list then says how many were archived, submitted, refused.
pub async fn archive_selected(Path(slug): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let kind = kind_of(u, &slug)?;
    let ids: Vec<i64> = f
        .form
        .get("ids")
        .map(String::as_str)
        .unwrap_or("")
        .split(',')
        .filter_map(|x| x.trim().parse::<i64>().ok().filter(|i| *i > 0))
        .take(crate::params::MAX_IDS)
        .collect();
    if ids.is_empty() {
        return Err(PageError::page(
            u,
            AppError::new(
                ErrorCode::BadRequest,
                u.lang.t("tool.select_some"),
                "tick the records first",
            ),
        ));
    }
    let (mut archived, mut submitted, mut failed) = (0, 0, 0);
    for id in ids {
        match u.access.save_archived(kind, id, true).await {
            Ok(kean_app::Saved::Record(_)) => archived += 1,
            Ok(kean_app::Saved::Submitted(_)) => submitted += 1,
            // Refused, gone or changed meanwhile: the others go on.
            Err(_) => failed += 1,
        }
    }
    Ok(Redirect::to(&format!(
        "/registry/{}?archived_n={archived}&submitted_n={submitted}&failed_n={failed}",
        kind.slug()
    ))
    .into_response())
}

pub async fn archive(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> PageResult {
    set_archived(slug, id_text, f, true).await
}

pub async fn restore(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> PageResult {
    set_archived(slug, id_text, f, false).await
}

// ---------------- detail ----------------

pub struct DetailItem {
    label: String,
    value: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    c: Chrome,
    base: String,
    heading: String,
    id: i64,
    version: i64,
    created_at: String,
    updated_at: String,
    archived: bool,
    items: Vec<DetailItem>,
    can_update: bool,
    can_archive: bool,
    screening: Option<PartyPanel>,
    /// The levels a change may be proposed to, when the viewer may propose
    /// one (a classified kind the viewer may change).
    level_change: Option<Vec<crate::views::Opt>>,
    /// The record's marking (秘密★10年), when it is classified.
    marking: Option<String>,
    attachments: Option<super::data::AttachmentPanel>,
    export: Option<super::data::ExportPanel>,
    /// The lifecycle and security reviews (issue 14), rendered.
    gates: Option<String>,
    /// A report about this record waiting for review or correction: its
    /// number and what the banner says.
    open_submission: Option<(i64, String)>,
}

pub async fn detail(
    u: WebUser,
    Path((slug, id_text)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (kind, id) = record_of(&u, &slug, &id_text)?;
    let (r, labels) = u.access.get(kind, id).await.or_page(&u)?;
    let zh = u.lang.zh();
    let mut items = vec![];
    for (f, v) in r.fields.iter() {
        let href = match (f.ty, v) {
            // A record withheld for its classification is named, not linked.
            (FieldType::Ref(k), Value::Ref(rid))
                if labels
                    .get(&(k, *rid))
                    .is_some_and(|l| l != kean_core::confidentiality::WITHHELD_LABEL) =>
            {
                Some(format!("/registry/{}/{rid}", k.slug()))
            }
            _ => None,
        };
        // Personal values arrive masked from the gate for roles the policy
        // does not show them to.
        let value = display_value(f, v, &labels, u.lang);
        items.push(DetailItem {
            label: f.label(zh).into(),
            value,
            href,
        });
    }
    if kind == Kind::Organization
        && let Some(d) = r.fields.get("high_tech_issued_on").as_date()
    {
        let until = high_tech_valid_until(d);
        let state = u.lang.t(if until >= u.access.today() {
            "detail.valid"
        } else {
            "detail.expired"
        });
        items.push(DetailItem {
            label: u.lang.t("detail.valid_until").into(),
            value: format!("{until}（{state}）"),
            href: None,
        });
    }
    let base = format!("/registry/{}", kind.slug());
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, kind.label(zh), &base);
    if q.contains_key("saved") {
        c.flash = Some(u.lang.t("saved").into());
    }
    if q.contains_key("proposed") {
        c.flash = Some(u.lang.t("conf.proposed").into());
    }
    for (key, text) in [
        ("restored", "flash.restored"),
        ("attached", "att.added"),
        ("detached", "att.removed"),
        ("export_requested", "data.requested"),
        ("moved", "gate.moved"),
        ("party_added", "gate.party_added"),
        ("party_removed", "gate.party_removed"),
        ("disclosed", "gate.disclosed"),
        ("classified", "gate.classified"),
        ("link_decided", "gate.link_decided"),
    ] {
        if q.contains_key(key) {
            c.flash = Some(u.lang.t(text).into());
        }
    }
    let attachments =
        super::data::attachment_panel(&u.access, u.lang, kind, r.id, r.fields.classification(), r.archived).await;
    let export = super::data::export_panel(&u.access, u.lang, kind, &r).await;
    let gates = super::lifecycle::gates_panel(&u.access, u.lang, &u.csrf, kind, r.id).await;
    let open_submission = u.access.open_submission_of(kind, r.id).await.or_page(&u)?.map(|s| {
        (
            s.id,
            fill(
                u.lang.t("sub.open_on_record"),
                &[s.status.label(zh).to_string(), s.id.to_string()],
            ),
        )
    });
    let page = DetailPage {
        open_submission,
        c,
        heading: r.fields.label(),
        base,
        id: r.id,
        version: r.version,
        created_at: kean_core::display_time(&r.created_at),
        updated_at: kean_core::display_time(&r.updated_at),
        archived: r.archived,
        items,
        can_update: u.access.may(Action::Update, Some(kind)),
        can_archive: u.access.may(Action::Archive, Some(kind)),
        screening: party_panel(&u, kind, r.id).await,
        level_change: (kind.classified() && u.access.may(Action::Update, Some(kind))).then(|| {
            let current = r.fields.classification();
            kean_core::confidentiality::Classification::ALL
                .into_iter()
                .filter(|l| *l <= kean_core::confidentiality::BUREAU_MAX && *l != current)
                .map(|l| crate::views::Opt {
                    value: l.code().into(),
                    label: l.label(zh).into(),
                    selected: false,
                })
                .collect()
        }),
        marking: {
            let level = r.fields.classification();
            level
                .is_classified()
                .then(|| match r.fields.get("secrecy_term").as_text() {
                    Some(t) if zh => format!("{}★{t}年", level.label(true)),
                    Some(t) => format!("{} ★ {t} years", level.label(false)),
                    None => level.label(zh).to_string(),
                })
        },
        attachments,
        export,
        gates,
    };
    Ok(render(&page, StatusCode::OK))
}

/// Options for a reference picker: records of the registry matching `q`
/// (the same keyword search as the list, inside the user's scope), as
/// `<option>` elements for htmx to put into the select.
pub async fn options(u: WebUser, Path(slug): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    let keyword = q
        .get("q")
        .map(|s| s.trim().chars().take(100).collect::<String>())
        .filter(|s| !s.is_empty());
    let query = kean_app::ListQuery {
        keyword,
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    let listing = u.access.list(kind, &query).await.or_page(&u)?;
    let mut html = format!("<option value=\"\">{}</option>", html_escape(u.lang.t("form.choose")));
    for r in &listing.page.items {
        html.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            r.id,
            html_escape(&r.fields.label())
        ));
    }
    if listing.page.items.is_empty() {
        html.push_str(&format!(
            "<option value=\"\" disabled>{}</option>",
            html_escape(u.lang.t("table.empty"))
        ));
    }
    Ok(Html(html).into_response())
}

/// 申请变更密级 / 解密 from the record's page.
pub async fn propose_level_change(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id_text)?;
    let to = f.form.get("to").cloned().unwrap_or_default();
    let reasons = f.form.get("reasons").cloned().unwrap_or_default();
    match u.access.propose_level_change(kind, id, &to, &reasons).await {
        Ok(_) => Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(&format!("/registry/{slug}/{id}?proposed=1")),
        )),
        Err(e) => Err(PageError::page(u, e)),
    }
}
