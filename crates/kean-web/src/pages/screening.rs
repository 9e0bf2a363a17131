//! Restricted-party screening pages: results a reviewer confirms or
//! dismisses, the lists and their versions, and the panel on a record's page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use kean_app::{
    AppError, ListChange, ListInfo, ListVersion, Page, ResultDecision, ResultRow, ResultStatus, ScreeningRun,
};
use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError, Kind, display_time};

use crate::auth::{WebForm, WebUpload, WebUser};
use crate::i18n::{Lang, fill};
use crate::params::{parse_filter, parse_id};
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::state::AppState;
use crate::views::{Chrome, Opt, display_value, url_encode};

// ---------------------------------------------------------------- helpers

fn status_label(s: ResultStatus, lang: Lang) -> &'static str {
    s.label(lang.zh())
}

fn field_label(kind: Kind, field: &str, lang: Lang) -> String {
    kind.field(field)
        .map(|f| f.label(lang.zh()).to_string())
        .unwrap_or_else(|| field.to_string())
}

/// "新增（3）" / "Added (3)".
fn counted(label: &str, n: i64, lang: Lang) -> String {
    if lang.zh() {
        format!("{label}（{n}）")
    } else {
        format!("{label} ({n})")
    }
}

fn entity_label(t: kean_screen::EntityType, lang: Lang) -> String {
    match lang.t(&format!("scr.type.{}", t.as_str())) {
        crate::i18n::MISSING => t.as_str().to_string(),
        s => s.to_string(),
    }
}

fn score_text(bp: i64) -> String {
    format!("{:.2}", bp as f64 / 10_000.0)
}

fn lapse_text(reason: &Option<String>, lang: Lang) -> String {
    match reason {
        Some(r) => match lang.t(&format!("scr.lapse.{r}")) {
            crate::i18n::MISSING => r.clone(),
            t => t.to_string(),
        },
        None => String::new(),
    }
}

// ---------------------------------------------------------------- results list

/// The page of one record's screening results, where several are decided at once.
fn party_results_href(kind: Kind, id: i64) -> String {
    format!("/screening/parties/{}/{}", kind.slug(), id)
}

pub struct ResultView {
    pub id: i64,
    /// The result's version (a decision carries the one the reviewer read).
    pub version: i64,
    pub party: String,
    pub party_href: String,
    /// The page of all the party's results (several decided at once).
    pub party_results_href: String,
    pub party_kind: String,
    pub field: String,
    pub list: String,
    pub entry_name: String,
    pub entry_key: String,
    pub matched_name: String,
    pub score: String,
    pub status: String,
    pub status_code: &'static str,
    /// Why a lapsed result lapsed (empty otherwise).
    pub lapse: String,
    pub found_at: String,
    pub explanation: String,
}

fn result_view(h: &ResultRow, lang: Lang) -> ResultView {
    ResultView {
        id: h.id,
        version: h.version,
        party: h.party_name.clone(),
        party_href: format!("/registry/{}/{}", h.party_kind.slug(), h.party_id),
        party_results_href: party_results_href(h.party_kind, h.party_id),
        party_kind: h.party_kind.label(lang.zh()).to_string(),
        field: field_label(h.party_kind, &h.party_field, lang),
        list: h.list_code.clone(),
        entry_name: h.entry_name.clone(),
        entry_key: h.entry_key.clone(),
        matched_name: h.matched_name.clone(),
        score: score_text(h.score_bp),
        status: status_label(h.status, lang).to_string(),
        status_code: h.status.code(),
        lapse: lapse_text(&h.lapse_reason, lang),
        found_at: display_time(&h.created_at),
        explanation: kean_app::explanation_text(h, lang.zh()),
    }
}

pub struct Tab {
    pub label: String,
    pub href: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "screening_results.html")]
struct ResultsPage {
    c: Chrome,
    tabs: Vec<Tab>,
    kinds: Vec<Opt>,
    lists: Vec<Opt>,
    keyword: String,
    status: String,
    results: Vec<ResultView>,
    total_text: String,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
    can_rescreen: bool,
}

pub async fn results_page(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let filter = parse_filter(&q, true).or_page(&u)?;
    let (page, counts) = match (
        u.access.screening_results(&filter).await,
        u.access.result_counts().await,
    ) {
        (Ok(p), Ok(c)) => (p, c),
        (Err(e), _) | (_, Err(e)) => return Err(PageError::page(&u, e)),
    };
    let lang = u.lang;
    let status_code = filter.status.map_or("all", |s| s.code());
    let kind_code = filter.kind.map_or("", |k| k.slug());
    let keyword = filter.name.clone().unwrap_or_default();
    let lists = u.access.restricted_lists().await.unwrap_or_default();
    let href = |status: &str, page: u32| {
        let mut s = format!("/screening?status={status}");
        if !kind_code.is_empty() {
            s.push_str(&format!("&kind={kind_code}"));
        }
        if let Some(l) = filter.list_id {
            s.push_str(&format!("&list_id={l}"));
        }
        if !keyword.is_empty() {
            s.push_str(&format!("&q={}", url_encode(&keyword)));
        }
        if page > 1 {
            s.push_str(&format!("&page={page}"));
        }
        s
    };
    let count_of = |s: ResultStatus| counts.iter().find(|(x, _)| *x == s).map_or(0, |(_, n)| *n);
    let mut tabs: Vec<Tab> = ResultStatus::ALL
        .into_iter()
        .map(|s| Tab {
            label: counted(status_label(s, lang), count_of(s), lang),
            href: href(s.code(), 1),
            active: filter.status == Some(s),
        })
        .collect();
    tabs.push(Tab {
        label: lang.t("scr.all_status").into(),
        href: href("all", 1),
        active: filter.status.is_none(),
    });
    let kinds = kean_app::PARTIES
        .iter()
        .map(|p| p.kind)
        .fold(Vec::<Kind>::new(), |mut v, k| {
            if !v.contains(&k) {
                v.push(k);
            }
            v
        })
        .into_iter()
        .map(|k| Opt {
            value: k.slug().into(),
            label: k.label(lang.zh()).into(),
            selected: k.slug() == kind_code,
        })
        .collect();
    let pages = page.pages();
    let list_opts = lists
        .iter()
        .map(|l| Opt {
            value: l.id.to_string(),
            label: l.code.clone(),
            selected: filter.list_id == Some(l.id),
        })
        .collect();
    let p = ResultsPage {
        c: Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.results_title"), "/screening"),
        tabs,
        kinds,
        lists: list_opts,
        keyword: keyword.clone(),
        status: status_code.into(),
        results: page.items.iter().map(|h| result_view(h, lang)).collect(),
        total_text: fill(lang.t("table.total"), &[page.total.to_string()]),
        page: page.page,
        pages,
        prev_href: (page.page > 1).then(|| href(status_code, page.page - 1)),
        next_href: (page.page < pages).then(|| href(status_code, page.page + 1)),
        can_rescreen: u.access.may(Action::DecideScreening, None),
    };
    let mut p = p;
    if q.contains_key("decided") {
        p.c.flash = Some(lang.t("scr.decided").into());
    } else if let Some(run) = q.get("rescreened").and_then(|r| run_numbers(r)) {
        p.c.flash = Some(fill(lang.t("scr.rescreen_done"), &run));
    }
    Ok(render(&p, StatusCode::OK))
}

/// A screening run's figures carried in a redirect (`parties.opened.lapsed.millis`):
/// numbers only, so no text of the caller's choosing is ever shown back.
fn run_param(r: &ScreeningRun) -> String {
    format!(
        "{}.{}.{}.{}",
        r.summary.parties,
        r.summary.opened.len(),
        r.summary.lapsed,
        r.millis
    )
}

fn run_numbers(p: &str) -> Option<Vec<String>> {
    let parts: Vec<String> = p.split('.').map(String::from).collect();
    let ok = parts.len() == 4
        && parts
            .iter()
            .all(|x| !x.is_empty() && x.len() < 12 && x.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(parts)
}

// ---------------------------------------------------------------- one result

pub struct EntryView {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub aliases: String,
    pub entity_type: String,
    pub countries: String,
    pub identifiers: String,
    pub version_note: String,
}

#[derive(Template)]
#[template(path = "screening_result.html")]
struct ResultPage {
    c: Chrome,
    h: ResultView,
    result_version: i64,
    lapsed: bool,
    lapse_reason: String,
    /// The decision a lapsed result had.
    earlier_decision: String,
    /// The screened party's values next to the entry's: (label, value).
    party_values: Vec<(String, String)>,
    reason: String,
    decided_by: String,
    decided_at: String,
    entry: Option<EntryView>,
    can_decide: bool,
    error: Option<String>,
    reason_input: String,
}

/// What was screened of the party, read from its record: the values the
/// reviewer compares with the entry's countries and identifiers.
async fn party_values(u: &WebUser, h: &ResultRow) -> Vec<(String, String)> {
    let Some(spec) = kean_app::PARTIES
        .iter()
        .find(|p| p.kind == h.party_kind && p.field == h.party_field)
    else {
        return vec![];
    };
    let Ok((rec, labels)) = u.access.get(h.party_kind, h.party_id).await else {
        return vec![];
    };
    let mut out = vec![];
    for name in [Some(spec.field), spec.country_field, spec.id_field]
        .into_iter()
        .flatten()
    {
        if let Some(f) = h.party_kind.field(name) {
            let v = display_value(f, rec.fields.get(name), &labels, u.lang);
            out.push((f.label(u.lang.zh()).to_string(), v));
        }
    }
    if let Some(c) = spec.fixed_country {
        let name = kean_core::country::country_name(c, u.lang.zh()).unwrap_or(c);
        out.push((u.lang.t("scr.countries").to_string(), name.to_string()));
    }
    if rec.archived {
        out.push((u.lang.t("search.status").into(), u.lang.t("status.archived").into()));
    }
    out
}

/// An entry version as people read it, with the list versions it spans.
async fn entry_view(
    u: &WebUser,
    stored: &kean_app::StoredEntry,
    parsed: Option<kean_screen::Entry>,
) -> Option<EntryView> {
    let lang = u.lang;
    let added = u.access.list_version(stored.added_version_id).await.ok();
    let removed = match stored.removed_version_id {
        Some(v) => u.access.list_version(v).await.ok(),
        None => None,
    };
    let mut note = fill(
        lang.t("scr.in_version"),
        &[added.map_or("?".into(), |v| v.version_no.to_string())],
    );
    note.push_str(if lang.zh() { "，" } else { ", " });
    match removed {
        Some(r) => note.push_str(&fill(lang.t("scr.removed_in"), &[r.version_no.to_string()])),
        None => note.push_str(lang.t("scr.current")),
    }
    let sep = if lang.zh() { "；" } else { "; " };
    parsed.map(|e| EntryView {
        id: stored.id,
        key: e.id.clone(),
        name: e.name.clone(),
        aliases: e.aliases.join(sep),
        entity_type: entity_label(e.entity_type, lang),
        countries: e
            .countries
            .iter()
            .map(|c| kean_core::country::country_name(c, lang.zh()).map_or(c.clone(), |n| format!("{n} ({c})")))
            .collect::<Vec<_>>()
            .join(sep),
        identifiers: e
            .identifiers
            .iter()
            .map(|i| {
                if i.kind.is_empty() {
                    i.value.clone()
                } else {
                    format!("{}: {}", i.kind, i.value)
                }
            })
            .collect::<Vec<_>>()
            .join(sep),
        version_note: note,
    })
}

#[derive(Template)]
#[template(path = "screening_entry.html")]
struct EntryPage {
    c: Chrome,
    list_id: i64,
    list_code: String,
    e: EntryView,
    others: Vec<(String, String)>,
}

pub async fn entry_page(u: WebUser, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id).or_page(&u)?;
    let (stored, parsed) = u.access.list_entry(id).await.or_page(&u)?;
    let Some(e) = entry_view(&u, &stored, parsed).await else {
        return Err(PageError::page(&u, AppError::not_found()));
    };
    let others = u
        .access
        .entry_versions(stored.list_id, &stored.entry_key)
        .await
        .or_page(&u)?
        .into_iter()
        .filter(|o| o.id != stored.id)
        .map(|o| (format!("/screening/entries/{}", o.id), o.name))
        .collect();
    let lang = u.lang;
    let p = EntryPage {
        c: Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.lists_title"), "/screening/lists"),
        list_id: stored.list_id,
        list_code: stored.list_code.clone(),
        e,
        others,
    };
    Ok(render(&p, StatusCode::OK))
}

async fn result_page(u: &WebUser, id: i64, error: Option<(AppError, String)>) -> PageResult {
    let h = u.access.screening_result(id).await.or_page(u)?;
    let lang = u.lang;
    let entry = match u.access.list_entry(h.entry_id).await {
        Ok((stored, parsed)) => entry_view(u, &stored, parsed).await,
        Err(_) => None,
    };
    let (status, error, reason_input) = match error {
        Some((e, input)) => (
            StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            Some(if lang.zh() { e.message_zh } else { e.message_en }),
            input,
        ),
        None => (StatusCode::OK, None, String::new()),
    };
    let party_values = party_values(u, &h).await;
    let p = ResultPage {
        c: Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.results_title"), "/screening"),
        earlier_decision: match (h.status, h.decision) {
            (ResultStatus::Lapsed, Some(d)) => status_label(d, lang).to_string(),
            _ => String::new(),
        },
        party_values,
        result_version: h.version,
        lapsed: h.status == ResultStatus::Lapsed,
        lapse_reason: lapse_text(&h.lapse_reason, lang),
        reason: h.reason.clone().unwrap_or_default(),
        decided_by: h.decided_by.clone().unwrap_or_default(),
        decided_at: h.decided_at.as_deref().map(display_time).unwrap_or_default(),
        h: result_view(&h, lang),
        entry,
        can_decide: u.access.may(Action::DecideScreening, None) && h.status != ResultStatus::Lapsed,
        error,
        reason_input,
    };
    Ok(render(&p, status))
}

pub async fn result(u: WebUser, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id).or_page(&u)?;
    result_page(&u, id, None).await
}

pub async fn decide(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = parse_id(&id).or_page(u)?;
    let reason = f.form.get("reason").cloned().unwrap_or_default();
    let decision = match f.form.get("decision").map(String::as_str) {
        Some("confirm") => ResultDecision::Confirm,
        Some("dismiss") => ResultDecision::Dismiss,
        other => {
            let e = AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "decision",
                    format!("核查结论“{}”无效，应为确认命中或排除误报", other.unwrap_or("")),
                    format!("decision '{}' is not one of confirm, dismiss", other.unwrap_or("")),
                ),
            );
            return result_page(u, id, Some((e, reason))).await;
        }
    };
    let Some(version) = f.form.get("_version").and_then(|v| v.parse::<i64>().ok()) else {
        return Err(PageError::page(
            u,
            AppError::new(
                ErrorCode::BadRequest,
                "表单缺少版本号，请刷新页面后重新核查",
                "the form lacks the result's version; reload the page and decide again",
            ),
        ));
    };
    match u.access.decide_result(id, decision, &reason, Some(version)).await {
        // Back to the party's results, not to the top of the list.
        Ok(h) => {
            Ok(Redirect::to(&format!("{}?decided=1", party_results_href(h.party_kind, h.party_id))).into_response())
        }
        Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::Forbidden => Err(PageError::page(u, e)),
        Err(e) => result_page(u, id, Some((e, reason))).await,
    }
}

// ---------------------------------------------------------------- lists

pub struct ListView {
    pub id: i64,
    pub code: String,
    pub format: String,
    pub entries: i64,
    pub version: String,
    pub version_id: i64,
    pub imported_at: String,
    pub imported_by: String,
    pub file: String,
    /// Entries with a Chinese name, and entries a Chinese name reaches
    /// through translation (empty when not known).
    pub with_chinese: String,
    pub translated: String,
}

fn list_view(l: &ListInfo) -> ListView {
    ListView {
        id: l.id,
        code: l.code.clone(),
        format: l.format.clone(),
        entries: l.entry_count,
        version: l.current.as_ref().map_or(String::new(), |v| v.version_no.to_string()),
        version_id: l.current.as_ref().map_or(0, |v| v.id),
        imported_at: l
            .current
            .as_ref()
            .map_or(String::new(), |v| display_time(&v.imported_at)),
        imported_by: l.current.as_ref().map_or(String::new(), |v| v.imported_by.clone()),
        file: l.current.as_ref().map_or(String::new(), |v| v.file_name.clone()),
        with_chinese: String::new(),
        translated: String::new(),
    }
}

#[derive(Template)]
#[template(path = "screening_lists.html")]
struct ListsPage {
    c: Chrome,
    lists: Vec<ListView>,
    can_manage: bool,
    can_rescreen: bool,
    error: Option<String>,
}

async fn lists_page_with(u: &WebUser, flash: Option<String>, error: Option<AppError>) -> PageResult {
    let lists = u.access.restricted_lists().await.or_page(u)?;
    let lang = u.lang;
    let mut c = Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.lists_title"), "/screening/lists");
    c.flash = flash;
    let status = error.as_ref().map_or(StatusCode::OK, |e| {
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
    });
    let error = error.map(|e| {
        let mut m = if lang.zh() { e.message_zh } else { e.message_en };
        for f in &e.fields {
            let fm = if lang.zh() { &f.message_zh } else { &f.message_en };
            if *fm != m {
                m.push_str(" — ");
                m.push_str(fm);
            }
        }
        m
    });
    // The coverage comes from the loaded index (the figures `kean screen` prints).
    let coverage = u.access.list_coverage().await.or_page(u)?;
    let p = ListsPage {
        c,
        lists: lists
            .iter()
            .map(|l| {
                let mut v = list_view(l);
                if let Some(c) = coverage.get(&l.id) {
                    v.with_chinese = c.with_chinese_name.to_string();
                    v.translated = c.through_translation.to_string();
                }
                v
            })
            .collect(),
        can_manage: u.access.may(Action::ManageLists, None),
        can_rescreen: u.access.may(Action::DecideScreening, None),
        error,
    };
    Ok(render(&p, status))
}

pub async fn lists_page(u: WebUser) -> PageResult {
    lists_page_with(&u, None, None).await
}

fn import_text(v: &ListVersion, run: &[String], lang: Lang) -> String {
    let mut args = vec![
        v.list_code.clone(),
        v.version_no.to_string(),
        v.added.to_string(),
        v.changed.to_string(),
        v.removed.to_string(),
    ];
    args.extend(run.iter().cloned());
    fill(lang.t("scr.import_done"), &args)
}

/// The permission is checked before the upload is read, so that only
/// administrators can make the server take in a large file.
pub async fn import_list(
    u: WebUser,
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> PageResult {
    u.access.check(Action::ManageLists, None).or_page(&u)?;
    // A rejected upload is already its answer (a plain error page).
    let up = match <WebUpload as axum::extract::FromRequest<AppState>>::from_request(req, &st).await {
        Ok(up) => up,
        Err(rejection) => return Ok(rejection),
    };
    let u = &up.user;
    let name = up.text.get("list_name").map(String::as_str);
    match u.access.import_list(&up.file_name, &up.bytes, name).await {
        Ok(r) => Ok(Redirect::to(&format!("/screening/versions/{}?imported=1", r.version.id)).into_response()),
        Err(e) if e.code == ErrorCode::Forbidden => Err(PageError::page(u, e)),
        Err(e) => lists_page_with(u, None, Some(e)).await,
    }
}

pub async fn rescreen(f: WebForm) -> PageResult {
    let u = &f.user;
    let r = u.access.rescreen_all().await.or_page(u)?;
    Ok(Redirect::to(&format!("/screening?status=open&rescreened={}", run_param(&r))).into_response())
}

pub struct VersionView {
    pub id: i64,
    pub version_no: i64,
    pub file_name: String,
    pub entry_count: i64,
    pub added: i64,
    pub changed: i64,
    pub removed: i64,
    pub imported_at: String,
    pub imported_by: String,
    pub content_hash: String,
}

fn version_view(v: &ListVersion) -> VersionView {
    VersionView {
        id: v.id,
        version_no: v.version_no,
        file_name: v.file_name.clone(),
        entry_count: v.entry_count,
        added: v.added,
        changed: v.changed,
        removed: v.removed,
        imported_at: display_time(&v.imported_at),
        imported_by: v.imported_by.clone(),
        content_hash: v.content_hash.chars().take(16).collect(),
    }
}

#[derive(Template)]
#[template(path = "screening_list.html")]
struct ListPage {
    c: Chrome,
    list_id: i64,
    code: String,
    active: bool,
    can_manage: bool,
    versions: Vec<VersionView>,
}

pub async fn list_page(u: WebUser, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id).or_page(&u)?;
    let versions = u.access.list_versions(id).await.or_page(&u)?;
    if versions.is_empty() {
        return Err(PageError::page(&u, AppError::not_found()));
    }
    let lang = u.lang;
    let p = ListPage {
        c: Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.lists_title"), "/screening/lists"),
        list_id: id,
        code: versions[0].list_code.clone(),
        active: versions[0].entry_count > 0,
        can_manage: u.access.may(Action::ManageLists, None),
        versions: versions.iter().map(version_view).collect(),
    };
    Ok(render(&p, StatusCode::OK))
}

pub async fn retire_list(Path(id): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = parse_id(&id).or_page(u)?;
    let r = u.access.retire_list(id).await.or_page(u)?;
    Ok(Redirect::to(&format!("/screening/versions/{}?imported=1", r.version.id)).into_response())
}

#[derive(Template)]
#[template(path = "screening_version.html")]
struct VersionPage {
    c: Chrome,
    list_id: i64,
    code: String,
    v: VersionView,
    tabs: Vec<Tab>,
    changes: Vec<(String, ListChange)>,
    total_text: String,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
}

pub async fn version_page(u: WebUser, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let id = parse_id(&id).or_page(&u)?;
    let version = u.access.list_version(id).await.or_page(&u)?;
    let change = q.get("change").map(String::as_str).filter(|c| !c.is_empty());
    let page_no = q.get("page").and_then(|p| p.parse::<u32>().ok()).unwrap_or(1).max(1);
    let changes: Page<ListChange> = u.access.list_changes(id, change, page_no, 50).await.or_page(&u)?;
    let lang = u.lang;
    let href = |c: Option<&str>, page: u32| {
        let mut s = format!("/screening/versions/{id}?change={}", c.unwrap_or(""));
        if page > 1 {
            s.push_str(&format!("&page={page}"));
        }
        s
    };
    let tabs = [
        (None, lang.t("scr.all_status").to_string()),
        (Some("added"), counted(lang.t("scr.added"), version.added, lang)),
        (Some("changed"), counted(lang.t("scr.changed"), version.changed, lang)),
        (Some("removed"), counted(lang.t("scr.removed"), version.removed, lang)),
    ]
    .into_iter()
    .map(|(c, label)| Tab {
        label,
        href: href(c, 1),
        active: c == change,
    })
    .collect();
    let pages = changes.pages();
    let mut c = Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.lists_title"), "/screening/lists");
    if q.contains_key("imported")
        && let Some(f) = version.rescreen
    {
        let run = [f.parties, f.opened, f.lapsed, f.millis].map(|x| x.to_string());
        c.flash = Some(import_text(&version, &run, lang));
    }
    let p = VersionPage {
        c,
        list_id: version.list_id,
        code: version.list_code.clone(),
        v: version_view(&version),
        tabs,
        changes: changes
            .items
            .iter()
            .map(|ch| (lang.t(&format!("scr.{}", ch.change)).to_string(), ch.clone()))
            .collect(),
        total_text: fill(lang.t("table.total"), &[changes.total.to_string()]),
        page: changes.page,
        pages,
        prev_href: (changes.page > 1).then(|| href(change, changes.page - 1)),
        next_href: (changes.page < pages).then(|| href(change, changes.page + 1)),
    };
    Ok(render(&p, StatusCode::OK))
}

// ---------------------------------------------------------------- the party's page

/// The screening panel on a record's page.
pub struct PartyPanel {
    /// The page of the record's results (several decided at once).
    pub party_href: String,
    pub screened: Vec<(String, String)>,
    pub results: Vec<ResultView>,
    pub open: usize,
    pub open_text: String,
}

pub async fn party_panel(u: &WebUser, kind: Kind, id: i64) -> Option<PartyPanel> {
    let s = u.access.party_screening(kind, id).await.ok().flatten()?;
    Some(PartyPanel {
        party_href: party_results_href(kind, id),
        screened: s
            .states
            .iter()
            .filter(|st| !st.name.is_empty())
            .map(|st| (field_label(kind, &st.field, u.lang), display_time(&st.screened_at)))
            .collect(),
        open: s.open_count(),
        open_text: fill(u.lang.t("scr.open_n"), &[s.open_count().to_string()]),
        results: s.results.iter().map(|h| result_view(h, u.lang)).collect(),
    })
}

// ---------------------------------------------------------------- one party's results

/// The results of one screened party (a record's field), several of which
/// a reviewer decides at once.
pub struct PartyGroup {
    pub field: String,
    pub field_label: String,
    /// The name screened.
    pub name: String,
    pub screened_at: String,
    pub results: Vec<ResultView>,
    pub open: usize,
    /// The error of this group's last decision, and what was ticked and typed.
    pub error: Option<String>,
    pub checked: Vec<i64>,
    pub reason_input: String,
}

impl PartyGroup {
    /// Whether the result was ticked in the form shown again.
    pub fn picked(&self, id: &i64) -> bool {
        self.checked.contains(id)
    }
}

#[derive(Template)]
#[template(path = "screening_party.html")]
struct PartyPage {
    c: Chrome,
    heading: String,
    kind_label: String,
    record_href: String,
    action: String,
    groups: Vec<PartyGroup>,
    can_decide: bool,
}

/// What a decision form sent back, to show again with its error.
struct Attempt {
    field: String,
    error: AppError,
    checked: Vec<i64>,
    reason: String,
}

fn party_path(slug: &str, id: &str, u: &WebUser) -> Result<(Kind, i64), PageError> {
    let Some(kind) = Kind::from_slug(slug).filter(|k| kean_app::screens(*k)) else {
        return Err(PageError::page(u, AppError::not_found()));
    };
    Ok((kind, parse_id(id).or_page(u)?))
}

async fn party_page_with(
    u: &WebUser,
    kind: Kind,
    id: i64,
    flash: Option<String>,
    attempt: Option<Attempt>,
) -> PageResult {
    let lang = u.lang;
    u.access.check(Action::ReadScreening, None).or_page(u)?;
    let (rec, _) = u.access.get(kind, id).await.or_page(u)?;
    let Some(s) = u.access.party_screening(kind, id).await.or_page(u)? else {
        return Err(PageError::page(u, AppError::not_found()));
    };
    let mut groups: Vec<PartyGroup> = kean_app::PARTIES
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| {
            let state = s.states.iter().find(|st| st.field == p.field);
            let results: Vec<ResultView> = s
                .results
                .iter()
                .filter(|h| h.party_field == p.field)
                .map(|h| result_view(h, lang))
                .collect();
            PartyGroup {
                field: p.field.to_string(),
                field_label: field_label(kind, p.field, lang),
                name: state.map(|st| st.name.clone()).unwrap_or_default(),
                screened_at: state.map(|st| display_time(&st.screened_at)).unwrap_or_default(),
                open: results.iter().filter(|r| r.status_code == "open").count(),
                results,
                error: None,
                checked: Vec::new(),
                reason_input: String::new(),
            }
        })
        .filter(|g| !g.name.is_empty() || !g.results.is_empty())
        .collect();
    let mut status = StatusCode::OK;
    if let Some(a) = attempt
        && let Some(g) = groups.iter_mut().find(|g| g.field == a.field)
    {
        status = StatusCode::from_u16(a.error.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        g.error = Some(if lang.zh() {
            a.error.message_zh
        } else {
            a.error.message_en
        });
        g.checked = a.checked;
        g.reason_input = a.reason;
    }
    let mut c = Chrome::new(&u.access, &u.csrf, lang, lang.t("scr.results_title"), "/screening");
    c.flash = flash;
    let p = PartyPage {
        c,
        heading: rec.fields.label(),
        kind_label: kind.label(lang.zh()).to_string(),
        record_href: format!("/registry/{}/{}", kind.slug(), id),
        action: format!("{}/decide", party_results_href(kind, id)),
        groups,
        can_decide: u.access.may(Action::DecideScreening, None),
    };
    Ok(render(&p, status))
}

/// `GET /screening/parties/{slug}/{id}`: a record's screening results by
/// party, with one decision form for each party's open results.
pub async fn party_page(
    u: WebUser,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (kind, id) = party_path(&slug, &id, &u)?;
    // The flash is built from a number, never from text in the address.
    let flash = q
        .get("decided")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| (1..=kean_app::MAX_BULK_DECISION).contains(n))
        .map(|n| fill(u.lang.t("scr.decided_n"), &[n.to_string()]));
    party_page_with(&u, kind, id, flash, None).await
}

fn decision_of(v: Option<&str>) -> Result<ResultDecision, AppError> {
    match v {
        Some("confirm") => Ok(ResultDecision::Confirm),
        Some("dismiss") => Ok(ResultDecision::Dismiss),
        other => Err(AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "decision",
                format!("核查结论“{}”无效，应为确认命中或排除误报", other.unwrap_or("")),
                format!("decision '{}' is not one of confirm, dismiss", other.unwrap_or("")),
            ),
        )),
    }
}

/// `POST /screening/parties/{slug}/{id}/decide`: one decision and reason
/// for the ticked results (`pick_{result id}` = the version read), then
/// back to the same party's results.
pub async fn party_decide(Path((slug, id)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = party_path(&slug, &id, u)?;
    u.access.check(Action::DecideScreening, None).or_page(u)?;
    let reason = f.form.get("reason").cloned().unwrap_or_default();
    let field = f.form.get("field").cloned().unwrap_or_default();
    let mut items = Vec::new();
    for (k, v) in &f.form {
        if let Some(rid) = k.strip_prefix("pick_") {
            match (rid.parse::<i64>(), v.parse::<i64>()) {
                (Ok(rid), Ok(version)) if rid > 0 => items.push(kean_app::DecisionItem { id: rid, version }),
                _ => {
                    return Err(PageError::page(
                        u,
                        AppError::new(ErrorCode::BadRequest, "表单内容无效", "the form is not valid"),
                    ));
                }
            }
        }
    }
    items.sort_by_key(|i| i.id);
    let checked: Vec<i64> = items.iter().map(|i| i.id).collect();
    let again = |error: AppError| Attempt {
        field: field.clone(),
        error,
        checked: checked.clone(),
        reason: reason.clone(),
    };
    let decision = match decision_of(f.form.get("decision").map(String::as_str)) {
        Ok(d) => d,
        Err(e) => return party_page_with(u, kind, id, None, Some(again(e))).await,
    };
    // Only this record's results, of the party the form is about: the
    // results of a record never move to another, so this holds at the write.
    let own = u.access.party_screening(kind, id).await.or_page(u)?.unwrap_or_default();
    if let Some(stray) = items
        .iter()
        .find(|i| !own.results.iter().any(|h| h.id == i.id && h.party_field == field))
    {
        let e = AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "results",
                format!("筛查结果 {} 不属于该被筛查主体，未保存任何结论", stray.id),
                format!("result {} is not one of this party's; nothing was decided", stray.id),
            ),
        );
        return party_page_with(u, kind, id, None, Some(again(e))).await;
    }
    match u.access.decide_results(&items, decision, &reason).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "{}?decided={}#party-{}",
            party_results_href(kind, id),
            done.len(),
            field
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::Forbidden => Err(PageError::page(u, e)),
        Err(e) => party_page_with(u, kind, id, None, Some(again(e))).await,
    }
}

// ---------------------------------------------------------------- list search

pub struct HitView {
    pub list: String,
    pub entry_href: String,
    pub entry_key: String,
    pub entry_name: String,
    pub matched_name: String,
    pub score: String,
    pub reported: bool,
    pub explanation: String,
}

#[derive(Template)]
#[template(path = "screening_search.html")]
struct SearchPage {
    c: Chrome,
    keyword: String,
    types: Vec<Opt>,
    lists: Vec<Opt>,
    searched: bool,
    hits: Vec<HitView>,
    error: Option<String>,
    summary: String,
    none_text: String,
}

/// `GET /screening/search?q=…&type=…&list_id=…` (查询名单条目): the loaded
/// lists' entries matching a name in either script, with why they match.
pub async fn search_page(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let lang = u.lang;
    let lists = u.access.restricted_lists().await.or_page(&u)?;
    let keyword = q.get("q").map(|s| s.trim().to_string()).unwrap_or_default();
    let type_code = q.get("type").cloned().unwrap_or_default();
    let list_id = match q.get("list_id").map(String::as_str).filter(|s| !s.is_empty()) {
        Some(l) => Some(parse_id(l).or_page(&u)?),
        None => None,
    };
    let mut error = None;
    let mut status = StatusCode::OK;
    let mut hits = Vec::new();
    let searched = !keyword.is_empty();
    if searched {
        let outcome = match crate::params::search_type(Some(&type_code)) {
            Ok(t) => u.access.search_entries(&keyword, t, list_id, None).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(h) => hits = h,
            Err(e) if e.code == ErrorCode::Forbidden => return Err(PageError::page(&u, e)),
            Err(e) => {
                status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                error = Some(if lang.zh() { e.message_zh } else { e.message_en });
            }
        }
    }
    let zh = lang.zh();
    let summary = if searched && error.is_none() {
        fill(
            lang.t("scr.search_summary"),
            &[
                hits.len().to_string(),
                format!("{:.2}", kean_app::SEARCH_THRESHOLD),
                hits.iter().filter(|h| h.reported).count().to_string(),
                format!("{:.2}", kean_app::THRESHOLD),
            ],
        )
    } else {
        String::new()
    };
    let p = SearchPage {
        c: Chrome::new(
            &u.access,
            &u.csrf,
            lang,
            lang.t("scr.search_title"),
            "/screening/search",
        ),
        keyword,
        types: ["organization", "person"]
            .into_iter()
            .map(|t| Opt {
                value: t.into(),
                label: lang.t(&format!("scr.type.{t}")).into(),
                selected: t == type_code,
            })
            .collect(),
        lists: lists
            .iter()
            .filter(|l| l.entry_count > 0)
            .map(|l| Opt {
                value: l.id.to_string(),
                label: l.code.clone(),
                selected: list_id == Some(l.id),
            })
            .collect(),
        searched,
        hits: hits
            .iter()
            .map(|h| HitView {
                list: h.list_code.clone(),
                entry_href: format!("/screening/entries/{}", h.entry_id),
                entry_key: h.entry_key.clone(),
                entry_name: h.entry_name.clone(),
                matched_name: h.matched_name.clone(),
                score: format!("{:.2}", h.score),
                reported: h.reported,
                explanation: h.explanation.render(if zh {
                    kean_screen::Lang::Zh
                } else {
                    kean_screen::Lang::En
                }),
            })
            .collect(),
        error,
        summary,
        none_text: fill(
            lang.t("scr.search_none"),
            &[format!("{:.2}", kean_app::SEARCH_THRESHOLD)],
        ),
    };
    Ok(render(&p, status))
}

// ---------------------------------------------------------------- the bureau's vocabulary

pub struct VocabRow {
    pub word: String,
    pub english: String,
    pub note: String,
    pub since: i64,
}

pub struct VocabVersionView {
    pub version_no: i64,
    pub action: String,
    pub word: String,
    pub english: String,
    pub previous: String,
    pub note: String,
    pub marked: i64,
    pub changed_at: String,
    pub changed_by: String,
}

#[derive(Template)]
#[template(path = "screening_vocabulary.html")]
struct VocabularyPage {
    c: Chrome,
    version: i64,
    builtin: usize,
    entries: Vec<VocabRow>,
    versions: Vec<VocabVersionView>,
    can_manage: bool,
    error: Option<String>,
    /// The add form's values, shown again with its error.
    word_input: String,
    english_input: String,
    note_input: String,
}

async fn vocabulary_page_with(
    u: &WebUser,
    flash: Option<String>,
    error: Option<(AppError, [String; 3])>,
) -> PageResult {
    let lang = u.lang;
    let v = u.access.vocabulary().await.or_page(u)?;
    let mut c = Chrome::new(
        &u.access,
        &u.csrf,
        lang,
        lang.t("scr.vocab_title"),
        "/screening/vocabulary",
    );
    c.flash = flash;
    let (status, error, inputs) = match error {
        Some((e, inputs)) => (
            StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            Some(if lang.zh() { e.message_zh } else { e.message_en }),
            inputs,
        ),
        None => (StatusCode::OK, None, Default::default()),
    };
    let [word_input, english_input, note_input] = inputs;
    let p = VocabularyPage {
        c,
        version: v.version,
        builtin: v.builtin_entries,
        entries: v
            .entries
            .iter()
            .map(|e| VocabRow {
                word: e.word.clone(),
                english: e.english.clone(),
                note: e.note.clone(),
                since: e.added_version,
            })
            .collect(),
        versions: v
            .versions
            .iter()
            .map(|x| VocabVersionView {
                version_no: x.version_no,
                action: lang.t(&format!("scr.vocab_action.{}", x.action)).to_string(),
                word: x.word.clone(),
                english: x.english.clone().unwrap_or_default(),
                previous: x.previous.clone().unwrap_or_default(),
                note: x.note.clone(),
                marked: x.rescreen_marked,
                changed_at: display_time(&x.changed_at),
                changed_by: x.changed_by.clone(),
            })
            .collect(),
        can_manage: u.access.may(Action::ManageVocabulary, None),
        error,
        word_input,
        english_input,
        note_input,
    };
    Ok(render(&p, status))
}

/// `GET /screening/vocabulary`: the bureau's own screening vocabulary.
pub async fn vocabulary_page(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    // The flash is built from the version number in the address, never its text.
    let flash = q
        .get("changed")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .map(|n| fill(u.lang.t("scr.vocab_changed"), &[n.to_string()]));
    vocabulary_page_with(&u, flash, None).await
}

/// `POST /screening/vocabulary`: add, edit or remove one entry (`action`).
pub async fn vocabulary_change(f: WebForm) -> PageResult {
    let u = &f.user;
    u.access.check(Action::ManageVocabulary, None).or_page(u)?;
    let get = |k: &str| f.form.get(k).cloned().unwrap_or_default();
    let (word, english, note) = (get("word"), get("english"), get("note"));
    let inputs = [word.clone(), english.clone(), note.clone()];
    let Some(action) = kean_app::VocabularyAction::parse(&get("action")) else {
        return Err(PageError::page(
            u,
            AppError::new(ErrorCode::BadRequest, "表单内容无效", "the form is not valid"),
        ));
    };
    match u.access.change_vocabulary(action, &word, &english, &note).await {
        Ok(v) => Ok(Redirect::to(&format!("/screening/vocabulary?changed={}", v.version_no)).into_response()),
        Err(e) if e.code == ErrorCode::Forbidden => Err(PageError::page(u, e)),
        Err(e) => {
            // The add form shows what was typed; an edit's or removal's error is enough.
            let inputs = if action == kean_app::VocabularyAction::Add {
                inputs
            } else {
                Default::default()
            };
            vocabulary_page_with(u, None, Some((e, inputs))).await
        }
    }
}
