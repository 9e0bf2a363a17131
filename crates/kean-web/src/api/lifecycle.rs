//! Projects' lifecycle, the three security gates, technology links and the
//! dictionaries over JSON (issue 14): the same acts as the pages, through
//! the same gate.

use std::collections::HashMap;

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, Multipart, Path, Query, Request};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use kean_app::{AppError, CoverageRow, GateReview, ReviewFilter, ReviewView};
use kean_classify::DictionaryKind;
use kean_core::lifecycle::{Gate, Transition};
use kean_core::{ErrorCode, Kind};
use serde_json::json;

use super::registry::record_path;
use crate::auth::ApiUser;
use crate::respond::{ApiError, ApiResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registry/{slug}/{id}/lifecycle", get(panel))
        .route("/registry/{slug}/{id}/transitions", post(transition))
        .route("/registry/{slug}/{id}/parties", post(add_party))
        .route("/project-parties/{id}", delete(remove_party))
        .route(
            "/registry/{slug}/{id}/disclosures",
            get(disclosures).post(add_disclosure),
        )
        .route("/registry/{slug}/{id}/transfer-audit", post(open_transfer_audit))
        .route("/registry/{slug}/{id}/technology-links", get(links).post(classify))
        .route("/registry/{slug}/{id}/dependences", post(add_dependence))
        .route("/technology-links/{id}/decision", post(decide_link))
        .route("/reviews", get(reviews))
        .route("/reviews/figures", get(figures))
        .route("/reviews/{id}", get(review))
        .route("/reviews/{id}/decision", post(decide))
        .route("/reviews/{id}/licence", post(licence))
        .route("/dictionaries/{dictionary}", get(dictionary).post(import_dictionary))
        .route("/registry/{slug}/{id}/assessment", post(open_assessment))
        .route("/frameworks", get(frameworks).post(import_framework))
}

fn bad(zh: String, en: String) -> ApiError {
    ApiError(AppError::new(ErrorCode::BadRequest, zh, en))
}

fn id_path(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(text) = path.map_err(|e| bad(format!("路径无效：{e}"), format!("bad path: {e}")))?;
    text.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        ApiError(AppError::new(
            ErrorCode::NotFound,
            format!("“{text}”不是有效的编号"),
            format!("'{text}' is not an id"),
        ))
    })
}

fn only(kind: Kind, wanted: &[Kind]) -> Result<(), ApiError> {
    if wanted.contains(&kind) {
        Ok(())
    } else {
        Err(ApiError::no_endpoint())
    }
}

fn json_or_null(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or(serde_json::Value::Null)
}

pub fn review_json(r: &GateReview, label: &str) -> serde_json::Value {
    json!({
        "id": r.id,
        "gate": r.gate.code(),
        "kind": r.kind.slug(),
        "record_id": r.record_id,
        "record_label": label,
        "applicant_org_id": r.applicant_org_id,
        "state": r.state,
        "opened_at": r.opened_at,
        "opened_by": r.opened_by,
        "due_on": r.due_on,
        "licence_no": r.licence_no,
        "first_decision": r.first_decision,
        "first_reasons": r.first_reasons,
        "first_reviewer": r.first_reviewer,
        "decision": r.decision,
        "reasons": r.reasons,
        "conditions": r.conditions,
        "note": r.note,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
    })
}

fn view_json(v: &ReviewView) -> serde_json::Value {
    let mut j = review_json(&v.review, &v.record_label);
    j["findings"] = json!(v.findings);
    j["high_risk"] = json!(v.high_risk);
    j["may_decide"] = json!(v.may_decide);
    j["checklist"] = match &v.checklist {
        Some((id, f)) => {
            json!({ "framework_id": id, "code": f.code, "title": f.title, "edition": f.edition, "sections": f.sections })
        }
        None => serde_json::Value::Null,
    };
    j["answers"] = json!(v.answers);
    j["score"] = json!(v.score);
    j
}

fn link_json(l: &kean_app::TechLink) -> serde_json::Value {
    json!({
        "id": l.id,
        "kind": l.kind.slug(),
        "record_id": l.record_id,
        "dictionary": l.dictionary,
        "item_code": l.item_code,
        "item_name": l.item_name,
        "score": l.score_milli as f64 / 1000.0,
        "matched_terms": l.matched_terms,
        "state": l.state,
        "decided_by": l.decided_by,
        "decided_at": l.decided_at,
    })
}

fn party_json(p: &kean_app::ProjectParty) -> serde_json::Value {
    json!({
        "id": p.id,
        "project_id": p.project_id,
        "role": p.role,
        "org_id": p.org_id,
        "person_id": p.person_id,
        "name": p.name,
        "country": p.country,
        "duty": p.duty,
        "since": p.since,
        "until": p.until,
    })
}

fn event_json(e: &kean_app::ProjectEvent) -> serde_json::Value {
    json!({
        "id": e.id,
        "transition": e.transition,
        "from_stage": e.from_stage,
        "to_stage": e.to_stage,
        "reason": e.reason,
        "review_id": e.review_id,
        "actor": e.actor,
        "at": e.at,
    })
}

/// GET /registry/projects/{id}/lifecycle
async fn panel(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Project])?;
    let p = u.access.project_panel(id).await?;
    Ok(Json(json!({
        "stage": p.stage.map(|s| s.code()),
        "offered": p.offered.iter().map(|t| t.code()).collect::<Vec<_>>(),
        "events": p.events.iter().map(event_json).collect::<Vec<_>>(),
        "parties": p.parties.iter().map(party_json).collect::<Vec<_>>(),
        "reviews": p.reviews.iter().map(|r| review_json(r, "")).collect::<Vec<_>>(),
        "links": p.links.iter().map(link_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(serde::Deserialize)]
struct TransitionBody {
    transition: String,
    #[serde(default)]
    reason: String,
}

/// POST /registry/projects/{id}/transitions {"transition", "reason"}
async fn transition(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<TransitionBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Project])?;
    let Json(b) = body?;
    let t = Transition::parse(&b.transition).ok_or_else(|| {
        ApiError(AppError::field(
            ErrorCode::ValidationFailed,
            kean_core::FieldError::new(
                "transition",
                format!("“{}”不是项目阶段变更", b.transition),
                format!("'{}' is not a transition", b.transition),
            ),
        ))
    })?;
    let e = u.access.transition_project(id, t, &b.reason).await?;
    Ok((StatusCode::CREATED, Json(event_json(&e))).into_response())
}

#[derive(serde::Deserialize)]
struct PartyBody {
    role: String,
    org_id: Option<i64>,
    person_id: Option<i64>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    duty: String,
}

/// POST /registry/projects/{id}/parties
async fn add_party(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<PartyBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Project])?;
    let Json(b) = body?;
    let reference = if b.role == "member" { b.person_id } else { b.org_id };
    let p = u
        .access
        .add_project_party(id, &b.role, reference, &b.name, &b.country, &b.duty)
        .await?;
    Ok((StatusCode::CREATED, Json(party_json(&p))).into_response())
}

/// DELETE /project-parties/{id}
async fn remove_party(u: ApiUser, path: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = id_path(path)?;
    let p = u.access.remove_project_party(id).await?;
    Ok(Json(party_json(&p)).into_response())
}

fn disclosure_json(d: &kean_app::Disclosure) -> serde_json::Value {
    json!({
        "id": d.id, "person_id": d.person_id, "declared_on": d.declared_on,
        "conflicts": d.conflicts, "foreign_roles": d.foreign_roles,
        "recorded_by": d.recorded_by, "recorded_at": d.recorded_at,
    })
}

/// GET /registry/persons/{id}/disclosures
async fn disclosures(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Person])?;
    let list = u.access.disclosures(id).await?;
    Ok(Json(json!({ "items": list.iter().map(disclosure_json).collect::<Vec<_>>() })).into_response())
}

#[derive(serde::Deserialize)]
struct DisclosureBody {
    declared_on: String,
    conflicts: String,
    foreign_roles: String,
}

/// POST /registry/persons/{id}/disclosures
async fn add_disclosure(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<DisclosureBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Person])?;
    let Json(b) = body?;
    let d = u
        .access
        .add_disclosure(id, &b.declared_on, &b.conflicts, &b.foreign_roles)
        .await?;
    Ok((StatusCode::CREATED, Json(disclosure_json(&d))).into_response())
}

/// POST /registry/{transfers|tech-contracts}/{id}/transfer-audit
async fn open_transfer_audit(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Transfer, Kind::TechContract])?;
    let r = u.access.open_transfer_audit(kind, id).await?;
    let v = u.access.review(r.id).await?;
    Ok((StatusCode::CREATED, Json(view_json(&v))).into_response())
}

const CLASSIFIED_KINDS: &[Kind] = &[Kind::Project, Kind::Achievement, Kind::TechContract, Kind::Organization];

/// GET /registry/{slug}/{id}/technology-links
async fn links(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, CLASSIFIED_KINDS)?;
    let list = u.access.links(kind, id).await?;
    Ok(Json(json!({ "items": list.iter().map(link_json).collect::<Vec<_>>() })).into_response())
}

/// POST /registry/{slug}/{id}/technology-links: classify again.
async fn classify(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, CLASSIFIED_KINDS)?;
    let list = u.access.classify(kind, id).await?;
    Ok(Json(json!({ "items": list.iter().map(link_json).collect::<Vec<_>>() })).into_response())
}

#[derive(serde::Deserialize)]
struct DependenceBody {
    item: String,
}

/// POST /registry/organizations/{id}/dependences {"item"}
async fn add_dependence(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<DependenceBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Organization])?;
    let Json(b) = body?;
    let l = u.access.add_dependence(id, &b.item).await?;
    Ok((StatusCode::CREATED, Json(link_json(&l))).into_response())
}

#[derive(serde::Deserialize)]
struct LinkDecisionBody {
    confirm: bool,
}

/// POST /technology-links/{id}/decision {"confirm"}
async fn decide_link(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<LinkDecisionBody>, JsonRejection>,
) -> ApiResult {
    let id = id_path(path)?;
    let Json(b) = body?;
    let l = u.access.decide_link(id, b.confirm).await?;
    Ok(Json(link_json(&l)).into_response())
}

/// The filter of a work list, from the query string; a bad value is an error naming it.
pub fn review_filter(q: &HashMap<String, String>, today: chrono::NaiveDate) -> Result<ReviewFilter, AppError> {
    let bad = |field: &str, v: &str| {
        AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new(
                field,
                format!("{field}：“{v}”无效"),
                format!("{field}: '{v}' is not valid"),
            ),
        )
    };
    let mut f = ReviewFilter {
        limit: 500,
        ..ReviewFilter::default()
    };
    if let Some(g) = q.get("gate").filter(|v| !v.is_empty()) {
        f.gate = Some(Gate::parse(g).ok_or_else(|| bad("gate", g))?);
    }
    match q.get("state").map(String::as_str).unwrap_or("open") {
        "open" | "" => f.open = Some(true),
        "decided" => f.open = Some(false),
        "all" => f.open = None,
        other => return Err(bad("state", other)),
    }
    // One decision, or several separated by commas (the dashboard's
    // "passed" is pass and conditional).
    if let Some(v) = q.get("decision").filter(|v| !v.is_empty()) {
        for d in v.split(',') {
            let d = kean_core::lifecycle::Decision::parse(d.trim()).ok_or_else(|| bad("decision", d))?;
            f.decisions.push(d.code().to_string());
        }
    }
    let day = |field: &str| -> Result<Option<String>, AppError> {
        match q.get(field).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| Some(d.to_string()))
                .map_err(|_| bad(field, v)),
        }
    };
    f.opened_from = day("opened_from")?;
    f.opened_to = day("opened_to")?;
    let flag = |field: &str| -> Result<bool, AppError> {
        match q.get(field).map(String::as_str).unwrap_or("") {
            "" | "0" | "false" => Ok(false),
            "1" | "true" => Ok(true),
            other => Err(bad(field, other)),
        }
    };
    if flag("overdue")? {
        f.due_before = Some(today.to_string());
    }
    f.blocked = flag("blocked")?;
    f.mine = flag("mine")?;
    Ok(f)
}

/// GET /reviews/figures?from=&to= — each gate's figures over the reviews
/// opened in the period (default: this year to date).
async fn figures(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let (from, to) = figure_period(&q, u.access.today())?;
    let figures = u.access.review_figures(from, to).await?;
    Ok(Json(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "gates": figures.iter().map(|g| json!({
            "gate": g.gate.map(|g| g.code()),
            "opened": g.opened, "open": g.open, "overdue": g.overdue,
            "passed": g.passed, "returned": g.returned, "rejected": g.rejected,
            "blocked": g.blocked, "mean_days_to_decision": g.mean_days_to_decision,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// The period of the gate figures: `from`/`to` (`YYYY-MM-DD`), by default
/// the year to date; a day that does not parse, or a `from` after `to`, is
/// an error naming it.
pub fn figure_period(
    q: &HashMap<String, String>,
    today: chrono::NaiveDate,
) -> Result<(chrono::NaiveDate, chrono::NaiveDate), AppError> {
    use chrono::Datelike;
    let bad = |field: &str, v: &str| {
        AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new(
                field,
                format!("{field}：“{v}”不是日期（YYYY-MM-DD）"),
                format!("{field}: '{v}' is not a date (YYYY-MM-DD)"),
            ),
        )
    };
    let day = |field: &str, default: chrono::NaiveDate| match q.get(field).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| bad(field, v)),
    };
    let from = day(
        "from",
        chrono::NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
    )?;
    let to = day("to", today)?;
    if from > to {
        return Err(bad("from", &from.to_string()));
    }
    Ok((from, to))
}

/// GET /reviews?gate=&state=open|decided|all&decision=
async fn reviews(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let f = review_filter(&q, u.access.today())?;
    let list = u.access.reviews(&f).await?;
    Ok(Json(json!({ "items": list.iter().map(|(r, l)| review_json(r, l)).collect::<Vec<_>>() })).into_response())
}

/// GET /reviews/{id}
async fn review(u: ApiUser, path: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = id_path(path)?;
    let v = u.access.review(id).await?;
    Ok(Json(view_json(&v)).into_response())
}

#[derive(serde::Deserialize)]
struct DecideBody {
    decision: String,
    #[serde(default)]
    reasons: String,
    #[serde(default)]
    conditions: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    answers: kean_core::checklist::Answers,
}

/// POST /reviews/{id}/decision
async fn decide(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<DecideBody>, JsonRejection>,
) -> ApiResult {
    let id = id_path(path)?;
    let Json(b) = body?;
    u.access
        .decide_review(id, &b.decision, &b.reasons, &b.conditions, &b.note, &b.answers)
        .await?;
    let v = u.access.review(id).await?;
    Ok(Json(view_json(&v)).into_response())
}

#[derive(serde::Deserialize)]
struct LicenceBody {
    licence_no: String,
}

/// POST /reviews/{id}/licence {"licence_no"}
async fn licence(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<LicenceBody>, JsonRejection>,
) -> ApiResult {
    let id = id_path(path)?;
    let Json(b) = body?;
    u.access.record_licence(id, &b.licence_no).await?;
    let v = u.access.review(id).await?;
    Ok(Json(view_json(&v)).into_response())
}

fn dictionary_path(path: Result<Path<String>, PathRejection>) -> Result<DictionaryKind, ApiError> {
    let Path(text) = path.map_err(|e| bad(format!("路径无效：{e}"), format!("bad path: {e}")))?;
    DictionaryKind::parse(&text).ok_or_else(ApiError::no_endpoint)
}

pub fn coverage_json(r: &CoverageRow) -> serde_json::Value {
    json!({
        "key": r.key,
        "code": r.code,
        "name": r.name,
        "group": r.group,
        "description": r.description,
        "terms": r.terms,
        "control": r.control.map(|c| match c {
            kean_classify::ExportControl::Prohibited => "prohibited",
            kean_classify::ExportControl::Restricted => "restricted",
        }),
        "status": r.status(false),
        "projects": r.projects.iter().map(|(id, t, s)| json!({ "id": id, "title": t, "stage": s })).collect::<Vec<_>>(),
        "dependents": r.dependents.iter().map(|(id, n)| json!({ "id": id, "name": n })).collect::<Vec<_>>(),
    })
}

/// GET /dictionaries/{chokepoint|export_control}: the newest version's
/// items with their coverage, and the versions with what each changed.
async fn dictionary(u: ApiUser, path: Result<Path<String>, PathRejection>) -> ApiResult {
    let d = dictionary_path(path)?;
    let items = u.access.coverage(d).await?;
    let versions = u.access.dictionary_versions(d).await?;
    Ok(Json(json!({
        "dictionary": d.as_str(),
        "items": items.iter().map(coverage_json).collect::<Vec<_>>(),
        "versions": versions.iter().map(|v| json!({
            "version": v.version_no, "label": v.label, "source": v.source_name, "items": v.items,
            "added": json_or_null(&v.added), "changed": json_or_null(&v.changed), "removed": json_or_null(&v.removed),
            "imported_by": v.imported_by, "imported_at": v.imported_at,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// POST /dictionaries/{dictionary} (multipart: file, label): a new version.
async fn import_dictionary(u: ApiUser, path: Result<Path<String>, PathRejection>, req: Request) -> ApiResult {
    let d = dictionary_path(path)?;
    let mut mp = Multipart::from_request(req, &()).await.map_err(|e| {
        bad(
            format!("请求体应为 multipart/form-data：{e}"),
            format!("the body must be multipart/form-data: {e}"),
        )
    })?;
    let (mut file, mut label) = (None, String::new());
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| bad(format!("上传中断：{e}"), format!("upload interrupted: {e}")))?
    {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("dictionary.csv").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| bad(format!("上传中断：{e}"), format!("upload interrupted: {e}")))?;
                file = Some((name, bytes.to_vec()));
            }
            "label" => label = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let Some((name, bytes)) = file else {
        return Err(ApiError(AppError::field(
            ErrorCode::ValidationFailed,
            kean_core::FieldError::new(
                "file",
                "文件：请选择文件（字段 file）",
                "file: send a file in the field 'file'",
            ),
        )));
    };
    let outcome = u.access.import_dictionary(Some(d), &name, &bytes, &label).await?;
    let Some(o) = outcome else {
        return Ok(Json(json!({ "dictionary": d.as_str(), "unchanged": true })).into_response());
    };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "dictionary": d.as_str(), "unchanged": false, "version": o.version.version_no, "items": o.version.items,
            "added": o.added, "changed": o.changed, "removed": o.removed,
        })),
    )
        .into_response())
}

/// POST /registry/platforms/{id}/assessment: open a platform's security assessment.
async fn open_assessment(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    only(kind, &[Kind::Platform])?;
    let r = u.access.open_platform_assessment(id).await?;
    let v = u.access.review(r.id).await?;
    Ok((StatusCode::CREATED, Json(view_json(&v))).into_response())
}

/// GET /frameworks: the newest checklist of each gate.
async fn frameworks(u: ApiUser) -> ApiResult {
    let list = u.access.frameworks().await?;
    Ok(Json(json!({ "items": list.iter().map(|(v, f)| json!({
        "framework_id": v.id, "code": f.code, "version": v.version_no, "title": f.title, "edition": f.edition,
        "sections": f.sections, "imported_by": v.imported_by, "imported_at": v.imported_at,
    })).collect::<Vec<_>>() }))
    .into_response())
}

/// POST /frameworks (the checklist file as the body; ?file_name=)
async fn import_framework(u: ApiUser, Query(q): Query<HashMap<String, String>>, body: axum::body::Bytes) -> ApiResult {
    let name = q.get("file_name").map_or("checklist.tsv", String::as_str);
    match u.access.import_framework(name, &body).await? {
        Some(v) => Ok((
            StatusCode::CREATED,
            Json(json!({ "unchanged": false, "framework_id": v.id, "code": v.code, "version": v.version_no })),
        )
            .into_response()),
        None => Ok(Json(json!({ "unchanged": true })).into_response()),
    }
}
