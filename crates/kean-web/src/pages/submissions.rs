//! Reporting with review (填报 → 审核): a liaison's reports (我的填报) and the
//! bureau's review queue (申报审核) — one list, narrowed by the gate to what
//! the reader reaches —, a report's page with what changed, its history
//! and the steps the reader may take, the form that corrects a report, and
//! the bureau administrator's setting of which registries need review.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use kean_app::{AppError, Submission, SubmissionFilter, SubmissionView};
use kean_core::policy::Action;
use kean_core::submission::{Operation, Step, SubmissionStatus, reviewable};
use kean_core::{ErrorCode, Fields, Kind};

use super::common::id_of;
use super::registry::{FormTarget, form_page};
use crate::auth::{WebForm, WebUser};
use crate::i18n::{Lang, fill};
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::views::{Chrome, Opt, Pager, display_value, url_encode};

pub struct Row {
    id: i64,
    org: String,
    kind: String,
    operation: String,
    label: String,
    changed: Vec<String>,
    submitter: String,
    submitted_at: String,
    round: i64,
    status: &'static str,
    status_code: &'static str,
    selectable: bool,
    reasons: String,
}

pub struct QueueRow {
    org: String,
    kind: String,
    pending: i64,
    href: String,
}

pub struct KindChoice {
    slug: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Template)]
#[template(path = "submissions.html")]
struct ListPage {
    c: Chrome,
    heading: String,
    reviewer: bool,
    status: String,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    orgs: Vec<Opt>,
    rows: Vec<Row>,
    queue: Vec<QueueRow>,
    pager: Pager,
    /// The bureau administrator's setting.
    settings: Option<Vec<KindChoice>>,
    errors: Vec<String>,
}

fn row_of(s: &Submission, org_names: &HashMap<i64, String>, lang: Lang, reviewer: bool) -> Row {
    let zh = lang.zh();
    Row {
        id: s.id,
        org: org_names
            .get(&s.org_id)
            .cloned()
            .unwrap_or_else(|| format!("#{}", s.org_id)),
        kind: s.kind.label(zh).to_string(),
        operation: s.operation.label(zh).to_string(),
        label: if s.operation == Operation::Import {
            format!("{}（{}）", s.label, s.row_count)
        } else {
            s.label.clone()
        },
        changed: s
            .changed
            .iter()
            .filter(|_| s.operation == Operation::Update)
            .filter_map(|n| s.kind.field(n))
            .map(|f| f.label(zh).to_string())
            .collect(),
        submitter: s.submitter.clone(),
        submitted_at: kean_core::display_time(&s.submitted_at),
        round: s.round,
        status: s.status.label(zh),
        status_code: s.status.code(),
        selectable: reviewer && s.status == SubmissionStatus::Pending,
        reasons: if s.status == SubmissionStatus::Returned {
            s.reasons.clone().unwrap_or_default()
        } else {
            String::new()
        },
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn list(u: WebUser, Query(pairs): Query<Vec<(String, String)>>) -> PageResult {
    list_page(u, pairs, vec![], StatusCode::OK).await
}

async fn list_page(u: WebUser, pairs: Vec<(String, String)>, errors: Vec<String>, code: StatusCode) -> PageResult {
    u.access.check(Action::ReadSubmissions, None).or_page(&u)?;
    let zh = u.lang.zh();
    let reviewer = u.access.may(Action::ReviewSubmissions, None);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    // The reviewer's queue opens on what waits; a liaison's list on what
    // is still open (pending or returned).
    let status = match get("status").as_str() {
        "" if reviewer => "pending".to_string(),
        "" => "open".to_string(),
        s => s.to_string(),
    };
    let statuses = match status.as_str() {
        "open" => vec![SubmissionStatus::Pending, SubmissionStatus::Returned],
        "all" => vec![],
        s => SubmissionStatus::parse(s).into_iter().collect(),
    };
    let kind = Kind::from_slug(&get("kind")).filter(|k| reviewable(*k));
    let org_id = get("org_id").parse::<i64>().ok().filter(|i| *i > 0);
    let page = get("page").parse::<u32>().ok().filter(|p| *p >= 1).unwrap_or(1);
    let page_size = get("page_size")
        .parse::<u32>()
        .ok()
        .filter(|p| (1..=100).contains(p))
        .unwrap_or(20);
    let filter = SubmissionFilter {
        statuses,
        org_id,
        kind,
        page,
        page_size,
        ..Default::default()
    };
    let listing = u.access.submissions(&filter).await.or_page(&u)?;
    let rows = listing
        .page
        .items
        .iter()
        .map(|s| row_of(s, &listing.org_names, u.lang, reviewer))
        .collect();
    let mut keep: Vec<(String, String)> = vec![("status".into(), status.clone())];
    if let Some(k) = kind {
        keep.push(("kind".into(), k.slug().into()));
    }
    if let Some(o) = org_id {
        keep.push(("org_id".into(), o.to_string()));
    }
    let href = |p: u32, size: u32| {
        let mut q = keep.clone();
        q.push(("page".into(), p.to_string()));
        q.push(("page_size".into(), size.to_string()));
        format!("/submissions?{}", query_string(&q))
    };
    let pager = Pager::new(
        u.lang,
        listing.page.total,
        true,
        listing.page.page,
        listing.page.pages(),
        false,
        listing.page.page_size,
        "/submissions",
        keep.clone(),
        href,
    );
    let mut status_opts = vec![("open".to_string(), u.lang.t("sub.status_open").to_string())];
    status_opts.extend(
        SubmissionStatus::ALL
            .iter()
            .map(|s| (s.code().to_string(), s.label(zh).to_string())),
    );
    status_opts.push(("all".into(), u.lang.t("search.all").into()));
    let statuses = status_opts
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == status,
            value,
            label,
        })
        .collect();
    let kinds = Kind::ALL
        .into_iter()
        .filter(|k| reviewable(*k))
        .map(|k| Opt {
            value: k.slug().into(),
            label: k.label(zh).into(),
            selected: Some(k) == kind,
        })
        .collect();
    let mut queue = vec![];
    let mut orgs = vec![];
    if reviewer {
        let (counts, names) = u.access.review_queue().await.or_page(&u)?;
        for c in &counts {
            let name = names
                .get(&c.org_id)
                .cloned()
                .unwrap_or_else(|| format!("#{}", c.org_id));
            queue.push(QueueRow {
                org: name.clone(),
                kind: c.kind.label(zh).into(),
                pending: c.pending,
                href: format!("/submissions?status=pending&org_id={}&kind={}", c.org_id, c.kind.slug()),
            });
            if !orgs.iter().any(|o: &Opt| o.value == c.org_id.to_string()) {
                orgs.push(Opt {
                    value: c.org_id.to_string(),
                    label: name,
                    selected: Some(c.org_id) == org_id,
                });
            }
        }
        // The organization asked for, even with nothing pending.
        if let Some(o) = org_id
            && !orgs.iter().any(|x| x.value == o.to_string())
        {
            let label = listing.org_names.get(&o).cloned().unwrap_or_else(|| format!("#{o}"));
            orgs.push(Opt {
                value: o.to_string(),
                label,
                selected: true,
            });
        }
    }
    let settings = if u.access.may(Action::ConfigureReview, None) {
        let current = u.access.review_kinds().await.or_page(&u)?;
        Some(
            Kind::ALL
                .into_iter()
                .filter(|k| reviewable(*k))
                .map(|k| KindChoice {
                    slug: k.slug(),
                    label: k.label(zh),
                    checked: current.contains(k),
                })
                .collect(),
        )
    } else {
        None
    };
    let heading = u
        .lang
        .t(if reviewer { "sub.title_review" } else { "sub.title_mine" })
        .to_string();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, &heading, "/submissions");
    if let Some(n) = pairs.iter().find(|(k, _)| k == "approved").map(|(_, v)| v.clone()) {
        c.flash = Some(fill(u.lang.t("sub.batch_done"), &[n]));
    }
    if pairs.iter().any(|(k, _)| k == "saved") {
        c.flash = Some(u.lang.t("sub.settings_saved").into());
    }
    for (key, text) in [("done", "sub.approved_flash"), ("returned", "sub.returned_flash")] {
        if pairs.iter().any(|(k, _)| k == key) {
            c.flash = Some(u.lang.t(text).into());
        }
    }
    let page = ListPage {
        c,
        heading,
        reviewer,
        status,
        statuses,
        kinds,
        orgs,
        rows,
        queue,
        pager,
        settings,
        errors,
    };
    Ok(render(&page, code))
}

// ---------------- one report ----------------

pub struct DiffRow {
    name: &'static str,
    label: String,
    before: String,
    after: String,
    changed: bool,
    /// Changed by the last correction (resubmission).
    corrected: bool,
}

pub struct EventRow {
    at: String,
    actor: String,
    step: String,
    note: String,
    changed: Vec<String>,
}

#[derive(Template)]
#[template(path = "submission.html")]
struct OnePage {
    c: Chrome,
    id: i64,
    version: i64,
    heading: String,
    status: &'static str,
    status_code: &'static str,
    facts: Vec<(String, String)>,
    record_href: Option<String>,
    reasons: Option<String>,
    stale: bool,
    /// Create and update: field by field.
    diff: Vec<DiffRow>,
    show_before: bool,
    /// An import: its rows.
    row_headers: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
    rows_more: Option<String>,
    events: Vec<EventRow>,
    may_decide: bool,
    may_correct: bool,
    may_withdraw: bool,
    error: Option<String>,
    reasons_input: String,
}

fn shown(kind: Kind, fields: Option<&Fields>, name: &str, labels: &HashMap<(Kind, i64), String>, lang: Lang) -> String {
    match (fields, kind.field(name)) {
        (Some(fs), Some(f)) => display_value(f, fs.get(name), labels, lang),
        _ => String::new(),
    }
}

async fn one_page(u: &WebUser, id: i64, flash: Option<String>, error: Option<AppError>, reasons: &str) -> PageResult {
    let v: SubmissionView = u.access.submission(id).await.or_page(u)?;
    let s = &v.submission;
    let zh = u.lang.zh();
    let kind = s.kind;
    let org = v.org_name.clone();
    let mut facts = vec![
        (u.lang.t("sub.kind").to_string(), kind.label(zh).to_string()),
        (u.lang.t("sub.operation").to_string(), s.operation.label(zh).to_string()),
        (u.lang.t("sub.org").to_string(), org),
        (u.lang.t("sub.level").to_string(), s.level.label(zh).to_string()),
        (u.lang.t("sub.submitter").to_string(), s.submitter.clone()),
        (
            u.lang.t("sub.submitted_at").to_string(),
            kean_core::display_time(&s.submitted_at),
        ),
        (u.lang.t("sub.round").to_string(), s.round.to_string()),
    ];
    if let Some(f) = &s.file_name {
        facts.push((u.lang.t("sub.file").to_string(), f.clone()));
        facts.push((u.lang.t("sub.row_count").to_string(), s.row_count.to_string()));
    }
    if let (Some(d), Some(at)) = (&s.decider, &s.decided_at) {
        facts.push((u.lang.t("sub.decided_by").to_string(), d.clone()));
        facts.push((u.lang.t("sub.decided_at").to_string(), kean_core::display_time(at)));
    }
    if s.status == SubmissionStatus::Approved && !s.result_ids.is_empty() && s.operation == Operation::Import {
        facts.push((u.lang.t("sub.result").to_string(), s.result_ids.len().to_string()));
    }
    let record_href = match (s.record_id, s.result_ids.as_slice()) {
        (Some(r), _) => Some(format!("/registry/{}/{r}", kind.slug())),
        (None, [one]) => Some(format!("/registry/{}/{one}", kind.slug())),
        _ => None,
    };
    let show_before = s.operation != Operation::Create;
    // The values before: when the report is about a record, as the record
    // was when reported.
    let before = v.before.as_ref().or(v.current.as_ref().map(|r| &r.fields));
    let changed: Vec<&str> = s.changed.iter().map(String::as_str).collect();
    let diff = match s.operation {
        Operation::Import => vec![],
        _ => kind
            .fields()
            .iter()
            .map(|f| {
                let b = shown(kind, before, f.name, &v.labels, u.lang);
                let a = match s.operation {
                    Operation::Archive | Operation::Restore => b.clone(),
                    _ => shown(kind, v.proposed.as_ref(), f.name, &v.labels, u.lang),
                };
                DiffRow {
                    name: f.name,
                    label: f.label(zh).to_string(),
                    before: b,
                    after: a,
                    changed: changed.contains(&f.name) && s.operation != Operation::Create,
                    corrected: v.corrected.iter().any(|c| c == f.name),
                }
            })
            .filter(|d| s.operation != Operation::Create || !d.after.is_empty() || d.changed)
            .collect(),
    };
    let row_fields: Vec<_> = kind.fields().iter().filter(|f| f.list || f.required).collect();
    let rows = v
        .rows
        .iter()
        .map(|(line, fs)| {
            (
                *line,
                row_fields
                    .iter()
                    .map(|f| display_value(f, fs.get(f.name), &v.labels, u.lang))
                    .collect(),
            )
        })
        .collect();
    let events = v
        .events
        .iter()
        .map(|e| EventRow {
            at: kean_core::display_time(&e.at),
            actor: e.actor.clone(),
            step: Step::parse(&e.step).map_or(e.step.clone(), |st| st.label(zh).to_string()),
            note: e.note.clone().unwrap_or_default(),
            changed: e
                .changed
                .iter()
                .filter_map(|n| kind.field(n))
                .map(|f| f.label(zh).to_string())
                .collect(),
        })
        .collect();
    let heading = format!(
        "{} · {}{}",
        s.operation.label(zh),
        kind.label(zh),
        if s.label.is_empty() {
            String::new()
        } else {
            format!("：{}", s.label)
        }
    );
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("sub.title_one"), "/submissions");
    c.flash = flash;
    let status = match &error {
        Some(e) => StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    let page = OnePage {
        c,
        id: s.id,
        version: s.version,
        heading,
        status: s.status.label(zh),
        status_code: s.status.code(),
        facts,
        record_href,
        reasons: s.reasons.clone().filter(|_| s.status == SubmissionStatus::Returned),
        stale: v.stale,
        diff,
        show_before,
        row_headers: row_fields.iter().map(|f| f.label(zh).to_string()).collect(),
        rows,
        rows_more: (s.row_count as usize > v.rows.len())
            .then(|| fill(u.lang.t("sub.rows_more"), &[v.rows.len().to_string()])),
        events,
        may_decide: v.may_decide,
        may_correct: v.may_correct,
        may_withdraw: v.may_withdraw,
        error: error.map(|e| super::common::messages(&e, zh).join("；")),
        reasons_input: reasons.to_string(),
    };
    Ok(render(&page, status))
}

pub async fn detail(u: WebUser, Path(id_text): Path<String>, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let id = id_of(&u, &id_text)?;
    let flash = if q.contains_key("submitted") {
        Some(fill(u.lang.t("sub.submitted_flash"), &[id.to_string()]))
    } else {
        [
            ("resubmitted", "sub.resubmitted_flash"),
            ("withdrawn", "sub.withdrawn_flash"),
            ("approved", "sub.approved_flash"),
            ("returned", "sub.returned_flash"),
        ]
        .into_iter()
        .find(|(k, _)| q.contains_key(*k))
        .map(|(_, t)| u.lang.t(t).to_string())
    };
    one_page(&u, id, flash, None, "").await
}

fn version_of(form: &BTreeMap<String, String>) -> Option<i64> {
    form.get("_version").and_then(|v| v.parse().ok())
}

/// 修改后重新提交: the registry's form, filled with the reported values.
pub async fn edit_form(u: WebUser, Path(id_text): Path<String>) -> PageResult {
    let id = id_of(&u, &id_text)?;
    let v = u.access.submission(id).await.or_page(&u)?;
    if !v.may_correct {
        return Err(PageError::page(
            &u,
            AppError::new(
                ErrorCode::Forbidden,
                "该申报不能修改（已审核、已撤回，或不是本单位的申报）",
                "this report cannot be corrected (decided, withdrawn, or not your organization's)",
            ),
        ));
    }
    let s = &v.submission;
    let values: BTreeMap<String, String> = s
        .payload
        .get("fields")
        .and_then(|f| f.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    form_page(
        &u,
        s.kind,
        s.record_id,
        Some(s.version),
        &values,
        None,
        Some(correct_target(&u, s)),
    )
    .await
}

fn correct_target(u: &WebUser, s: &Submission) -> FormTarget {
    FormTarget {
        action: format!("/submissions/{}/resubmit", s.id),
        cancel: format!("/submissions/{}", s.id),
        heading: format!(
            "{} · {}（{}）",
            u.lang.t("sub.correct_title"),
            s.kind.label(u.lang.zh()),
            fill("#{}", &[s.id.to_string()])
        ),
        note: s
            .reasons
            .clone()
            .filter(|_| s.status == SubmissionStatus::Returned)
            .map(|r| format!("{}{r}", u.lang.t("sub.returned_note"))),
    }
}

pub async fn resubmit(Path(id_text): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id_text)?;
    match u.access.resubmit(id, &f.form, version_of(&f.form)).await {
        Ok(s) => Ok(Redirect::to(&format!("/submissions/{}?resubmitted=1", s.id)).into_response()),
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) || !e.fields.is_empty() => {
            let v = u.access.submission(id).await.or_page(u)?;
            let s = &v.submission;
            form_page(
                u,
                s.kind,
                s.record_id,
                Some(s.version),
                &f.form,
                Some(e),
                Some(correct_target(u, s)),
            )
            .await
        }
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn withdraw(Path(id_text): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id_text)?;
    match u.access.withdraw_submission(id, version_of(&f.form)).await {
        Ok(_) => Ok(Redirect::to(&format!("/submissions/{id}?withdrawn=1")).into_response()),
        Err(e) if e.code == ErrorCode::Conflict => one_page(u, id, None, Some(e), "").await,
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn approve(Path(id_text): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id_text)?;
    match u.access.approve_submission(id, version_of(&f.form)).await {
        Ok(_) => Ok(Redirect::to(&format!("/submissions/{id}?approved=1")).into_response()),
        Err(e) if matches!(e.code, ErrorCode::Conflict | ErrorCode::ValidationFailed) || !e.fields.is_empty() => {
            one_page(u, id, None, Some(e), "").await
        }
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn return_submission(Path(id_text): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id_text)?;
    let reasons = f.form.get("reasons").cloned().unwrap_or_default();
    match u.access.return_submission(id, version_of(&f.form), &reasons).await {
        Ok(_) => Ok(Redirect::to(&format!("/submissions/{id}?returned=1")).into_response()),
        Err(e) if matches!(e.code, ErrorCode::Conflict | ErrorCode::ValidationFailed) || !e.fields.is_empty() => {
            one_page(u, id, None, Some(e), &reasons).await
        }
        Err(e) => Err(PageError::page(u, e)),
    }
}

/// 批量通过: the ticked reports (`id_<n>` boxes), each in its own
/// transaction; those refused are listed with their reasons.
pub async fn approve_batch(f: WebForm) -> PageResult {
    let u = f.user;
    let ids: Vec<i64> = f
        .form
        .iter()
        .filter(|(_, v)| v.as_str() == "on" || v.as_str() == "1" || v.as_str() == "true")
        .filter_map(|(k, _)| k.strip_prefix("id_")?.parse::<i64>().ok())
        .collect();
    let back: Vec<(String, String)> = ["status", "kind", "org_id"]
        .iter()
        .filter_map(|k| f.form.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    if ids.is_empty() {
        let msg = u.lang.t("sub.none_selected").to_string();
        return list_page(u, back, vec![msg], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let out = u.access.approve_submissions(&ids).await.or_page(&u)?;
    if out.refused.is_empty() {
        let mut q = back;
        q.push(("approved".into(), out.approved.len().to_string()));
        return Ok(Redirect::to(&format!("/submissions?{}", query_string(&q))).into_response());
    }
    let zh = u.lang.zh();
    let mut errors = vec![];
    if !out.approved.is_empty() {
        errors.push(fill(u.lang.t("sub.batch_done"), &[out.approved.len().to_string()]));
    }
    errors.push(u.lang.t("sub.batch_refused").to_string());
    for (id, e) in &out.refused {
        errors.push(format!("#{id}：{}", super::common::messages(e, zh).join("；")));
    }
    list_page(u, back, errors, StatusCode::CONFLICT).await
}

/// The bureau administrator's setting of which registries need review.
pub async fn settings(f: WebForm) -> PageResult {
    let u = f.user;
    let slugs: Vec<String> = f
        .form
        .iter()
        .filter(|(k, v)| k.starts_with("kind_") && v.as_str() == "true")
        .map(|(k, _)| k["kind_".len()..].to_string())
        .collect();
    u.access.set_review_kinds(&slugs).await.or_page(&u)?;
    Ok(Redirect::to("/submissions?saved=1").into_response())
}
