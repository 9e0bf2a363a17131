//! Restricted-party screening over JSON.

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use kean_app::{AppError, ListVersion, Page, ResultDecision, ResultRow, ScreeningRun};
use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError, Kind};
use serde_json::{Value as J, json};

use crate::auth::ApiUser;
use crate::params::{parse_filter, parse_id};
use crate::respond::{ApiError, ApiResult};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/screening/results", get(api_results))
        .route("/screening/results/{id}", get(api_result))
        .route("/screening/results/{id}/decision", post(api_decide))
        .route("/screening/decisions", post(api_decide_many))
        .route("/screening/search", get(api_search))
        .route("/screening/vocabulary", get(api_vocabulary))
        .route("/screening/vocabulary/changes", post(api_vocabulary_change))
        .route("/screening/lists", get(api_lists))
        .route("/screening/lists/{id}/versions", get(api_versions))
        .route(
            "/screening/lists/import",
            post(api_import).layer(axum::extract::DefaultBodyLimit::max(
                kean_exchange::DEFAULT_MAX_BYTES as usize + 1_000_000,
            )),
        )
        .route("/screening/entries/{id}", get(api_entry))
        .route("/screening/versions/{id}/changes", get(api_changes))
        .route("/screening/rescreen", post(api_rescreen))
        .route("/screening/lists/{id}/retire", post(api_retire))
        .route("/screening/parties/{slug}/{id}", get(api_party))
}

fn result_json(h: &ResultRow) -> J {
    json!({
        "id": h.id,
        "party": { "kind": h.party_kind.slug(), "id": h.party_id, "field": h.party_field, "name": h.party_name },
        "list": h.list_code,
        "entry": { "id": h.entry_id, "key": h.entry_key, "name": h.entry_name },
        "matched_name": h.matched_name,
        "score": h.score_bp as f64 / 10_000.0,
        "explanation": h.explanation,
        "explanation_zh": kean_app::explanation_text(h, true),
        "explanation_detail": kean_app::explanation_detail(h),
        "status": h.status.code(),
        "decision": h.decision.map(|d| d.code()),
        "lapse_reason": h.lapse_reason,
        "reason": h.reason,
        "decided_by": h.decided_by,
        "decided_at": h.decided_at,
        "created_at": h.created_at,
        "updated_at": h.updated_at,
        "version": h.version,
    })
}

fn version_json(v: &ListVersion) -> J {
    json!({
        "id": v.id, "list_id": v.list_id, "list": v.list_code, "version_no": v.version_no,
        "file_name": v.file_name, "content_hash": v.content_hash, "entries": v.entry_count,
        "added": v.added, "changed": v.changed, "removed": v.removed,
        "imported_at": v.imported_at, "imported_by": v.imported_by,
    })
}

fn run_json(r: &ScreeningRun) -> J {
    json!({
        "parties": r.summary.parties,
        "opened": r.summary.opened,
        "lapsed": r.summary.lapsed,
        "unchanged": r.summary.unchanged,
        "list_generation": r.generation,
        "millis": r.millis as u64,
    })
}

fn page_json<T>(p: &Page<T>, f: impl Fn(&T) -> J) -> J {
    json!({
        "items": p.items.iter().map(f).collect::<Vec<_>>(),
        "total": p.total, "page": p.page, "page_size": p.page_size,
    })
}

async fn api_results(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let filter = parse_filter(&q, false)?;
    let p = u.access.screening_results(&filter).await?;
    Ok(Json(page_json(&p, result_json)).into_response())
}

async fn api_result(u: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id)?;
    let h = u.access.screening_result(id).await?;
    Ok(Json(result_json(&h)).into_response())
}

#[derive(serde::Deserialize)]
struct DecisionBody {
    decision: String,
    #[serde(default)]
    reason: String,
    /// The result's version as read: required, so that nobody overturns a
    /// decision they have not seen.
    version: i64,
}

async fn api_decide(u: ApiUser, Path(id): Path<String>, body: Result<Json<DecisionBody>, JsonRejection>) -> ApiResult {
    let id = parse_id(&id)?;
    let Json(b) = body.map_err(|e| bad_body(&e))?;
    let decision = decision_of(&b.decision)?;
    let h = u.access.decide_result(id, decision, &b.reason, Some(b.version)).await?;
    Ok(Json(result_json(&h)).into_response())
}

#[derive(serde::Deserialize)]
struct DecisionItemBody {
    id: i64,
    /// The result's version as read.
    version: i64,
}

#[derive(serde::Deserialize)]
struct DecisionsBody {
    results: Vec<DecisionItemBody>,
    decision: String,
    #[serde(default)]
    reason: String,
}

fn decision_of(d: &str) -> Result<ResultDecision, ApiError> {
    match d {
        "confirm" => Ok(ResultDecision::Confirm),
        "dismiss" => Ok(ResultDecision::Dismiss),
        other => Err(ApiError(AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "decision",
                format!("核查结论“{other}”无效，应为 confirm 或 dismiss"),
                format!("decision '{other}' is not one of confirm, dismiss"),
            ),
        ))),
    }
}

fn bad_body(e: &JsonRejection) -> ApiError {
    ApiError(AppError::new(
        ErrorCode::BadRequest,
        format!("请求体无效：{}", e.body_text()),
        format!("bad request body: {}", e.body_text()),
    ))
}

/// `POST /api/v1/screening/decisions`: one decision with one reason for
/// several open results of one party, all or nothing; each result is
/// decided and audited on its own.
async fn api_decide_many(u: ApiUser, body: Result<Json<DecisionsBody>, JsonRejection>) -> ApiResult {
    let Json(b) = body.map_err(|e| bad_body(&e))?;
    let decision = decision_of(&b.decision)?;
    let items: Vec<kean_app::DecisionItem> = b
        .results
        .iter()
        .map(|i| kean_app::DecisionItem {
            id: i.id,
            version: i.version,
        })
        .collect();
    let rows = u.access.decide_results(&items, decision, &b.reason).await?;
    Ok(Json(json!({ "items": rows.iter().map(result_json).collect::<Vec<_>>() })).into_response())
}

/// `GET /api/v1/screening/search?q=…[&type=…][&list_id=…][&min_score=…]`
/// (查询名单条目): entries of the loaded lists matching a name, with why.
async fn api_search(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let name = q.get("q").cloned().unwrap_or_default();
    let entity_type = crate::params::search_type(q.get("type").map(String::as_str))?;
    let list_id = match q.get("list_id").filter(|s| !s.is_empty()) {
        Some(l) => Some(parse_id(l)?),
        None => None,
    };
    let min_score = match q.get("min_score").filter(|s| !s.is_empty()) {
        Some(m) => Some(m.parse::<f64>().ok().filter(|m| m.is_finite()).ok_or_else(|| {
            ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new("min_score", "最低相似度应为数字", "min_score must be a number"),
            ))
        })?),
        None => None,
    };
    let hits = u.access.search_entries(&name, entity_type, list_id, min_score).await?;
    Ok(Json(json!({
        "items": hits.iter().map(|h| json!({
            "list_id": h.list_id, "list": h.list_code,
            "entry": { "id": h.entry_id, "key": h.entry_key, "name": h.entry_name },
            "matched_name": h.matched_name, "score": h.score, "reported": h.reported,
            "explanation": h.explanation.summary(),
            "explanation_zh": h.explanation.render(kean_screen::Lang::Zh),
            "explanation_detail": h.explanation,
        })).collect::<Vec<_>>(),
        "threshold": kean_app::THRESHOLD,
    }))
    .into_response())
}

fn vocabulary_version_json(v: &kean_app::VocabularyVersion) -> J {
    json!({
        "version_no": v.version_no, "action": v.action, "word": v.word, "english": v.english,
        "previous": v.previous, "note": v.note, "rescreen_marked": v.rescreen_marked,
        "changed_at": v.changed_at, "changed_by": v.changed_by,
    })
}

/// `GET /api/v1/screening/vocabulary`: the bureau's own vocabulary.
async fn api_vocabulary(u: ApiUser) -> ApiResult {
    let v = u.access.vocabulary().await?;
    Ok(Json(json!({
        "version": v.version,
        "builtin_entries": v.builtin_entries,
        "entries": v.entries.iter().map(|e| json!({
            "word": e.word, "english": e.english, "note": e.note, "since_version": e.added_version,
        })).collect::<Vec<_>>(),
        "versions": v.versions.iter().map(vocabulary_version_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(serde::Deserialize)]
struct VocabularyChangeBody {
    action: String,
    word: String,
    #[serde(default)]
    english: String,
    #[serde(default)]
    note: String,
}

/// `POST /api/v1/screening/vocabulary/changes`: add, edit or remove one
/// entry (the bureau administrator); a new version, audited, after which
/// every party is screened again.
async fn api_vocabulary_change(u: ApiUser, body: Result<Json<VocabularyChangeBody>, JsonRejection>) -> ApiResult {
    let Json(b) = body.map_err(|e| bad_body(&e))?;
    let Some(action) = kean_app::VocabularyAction::parse(&b.action) else {
        return Err(ApiError(AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "action",
                format!("修改类型“{}”无效，应为 add、edit 或 remove", b.action),
                format!("action '{}' is not one of add, edit, remove", b.action),
            ),
        )));
    };
    let v = u.access.change_vocabulary(action, &b.word, &b.english, &b.note).await?;
    Ok((StatusCode::CREATED, Json(vocabulary_version_json(&v))).into_response())
}

async fn api_lists(u: ApiUser) -> ApiResult {
    let ls = u.access.restricted_lists().await?;
    let coverage = u.access.list_coverage().await?;
    Ok(Json(json!({
        "items": ls.iter().map(|l| json!({
            "id": l.id, "code": l.code, "format": l.format, "entries": l.entry_count,
            "updated_at": l.updated_at, "current": l.current.as_ref().map(version_json),
            "coverage": coverage.get(&l.id).map(|c| json!({
                "entries": c.entries, "with_chinese_name": c.with_chinese_name,
                "through_translation": c.through_translation,
            })),
        })).collect::<Vec<_>>()
    }))
    .into_response())
}

async fn api_versions(u: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id)?;
    let v = u.access.list_versions(id).await?;
    if v.is_empty() {
        return Err(ApiError(AppError::not_found()));
    }
    Ok(Json(json!({ "items": v.iter().map(version_json).collect::<Vec<_>>() })).into_response())
}

async fn api_changes(u: ApiUser, Path(id): Path<String>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let id = parse_id(&id)?;
    u.access.list_version(id).await?;
    let page = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size = q.get("page_size").and_then(|p| p.parse().ok()).unwrap_or(100);
    let change = q.get("change").map(String::as_str).filter(|c| !c.is_empty());
    let p = u.access.list_changes(id, change, page, size).await?;
    Ok(Json(page_json(&p, |c| {
        json!({ "change": c.change, "entry_key": c.entry_key, "name": c.name,
                "old_entry_id": c.old_entry_id, "new_entry_id": c.new_entry_id })
    }))
    .into_response())
}

async fn api_entry(u: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id)?;
    let (st, parsed) = u.access.list_entry(id).await?;
    Ok(Json(json!({
        "id": st.id, "list_id": st.list_id, "list": st.list_code, "key": st.entry_key, "hash": st.entry_hash,
        "added_version_id": st.added_version_id, "removed_version_id": st.removed_version_id,
        "entry": parsed.map(|e| kean_app::entry_json(&e)),
    }))
    .into_response())
}

/// `POST /api/v1/screening/lists/import?file_name=…[&list_name=…]` with the
/// list file as the request body.
async fn api_import(u: ApiUser, Query(q): Query<HashMap<String, String>>, req: axum::extract::Request) -> ApiResult {
    // The permission first: only administrators may make the server read a large body.
    u.access.check(Action::ManageLists, None)?;
    let body = axum::body::to_bytes(req.into_body(), kean_exchange::DEFAULT_MAX_BYTES as usize + 1_000_000)
        .await
        .map_err(|e| {
            let mb = kean_exchange::DEFAULT_MAX_BYTES / 1_000_000;
            let limited = crate::respond::is_length_limit(&e);
            ApiError(AppError::field(
                if limited {
                    ErrorCode::PayloadTooLarge
                } else {
                    ErrorCode::BadRequest
                },
                FieldError::new(
                    "file",
                    format!("名单文件过大或上传中断（上限 {mb} MB）：{e}"),
                    format!("the list file is too large or the upload broke off (limit {mb} MB): {e}"),
                ),
            ))
        })?;
    let Some(file_name) = q.get("file_name").filter(|f| !f.trim().is_empty()) else {
        return Err(ApiError(AppError::field(
            ErrorCode::BadRequest,
            FieldError::new(
                "file_name",
                "请用查询参数 file_name 给出文件名",
                "give the file's name in the file_name query parameter",
            ),
        )));
    };
    if body.is_empty() {
        return Err(ApiError(AppError::field(
            ErrorCode::BadRequest,
            FieldError::new(
                "file",
                "请求体为空，应为名单文件内容",
                "the body is empty; send the list file",
            ),
        )));
    }
    let r = u
        .access
        .import_list(file_name, &body, q.get("list_name").map(String::as_str))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "version": version_json(&r.version), "rescreen": run_json(&r.rescreen) })),
    )
        .into_response())
}

async fn api_retire(u: ApiUser, Path(id): Path<String>) -> ApiResult {
    let id = parse_id(&id)?;
    let r = u.access.retire_list(id).await?;
    Ok(Json(json!({ "version": version_json(&r.version), "rescreen": run_json(&r.rescreen) })).into_response())
}

async fn api_rescreen(u: ApiUser) -> ApiResult {
    let r = u.access.rescreen_all().await?;
    Ok(Json(run_json(&r)).into_response())
}

async fn api_party(u: ApiUser, Path((slug, id)): Path<(String, String)>) -> ApiResult {
    let Some(kind) = Kind::from_slug(&slug) else {
        return Err(ApiError(AppError::not_found()));
    };
    let id = parse_id(&id)?;
    u.access.check(Action::ReadScreening, None)?;
    // The record itself must be readable (existence inside the scope).
    u.access.get(kind, id).await?;
    Ok(match u.access.party_screening(kind, id).await? {
        Some(s) => Json(json!({
            "screened": s.states.iter().map(|st| json!({
                "field": st.field, "screened_at": st.screened_at, "list_generation": st.generation,
            })).collect::<Vec<_>>(),
            "results": s.results.iter().map(result_json).collect::<Vec<_>>(),
        }))
        .into_response(),
        None => Json(json!({ "screened": [], "results": [] })).into_response(),
    })
}
