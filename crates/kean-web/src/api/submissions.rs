//! Reporting with review over JSON (填报 → 审核): the same steps as the
//! pages, through the same gate. A liaison's create, replacement, archive
//! or restore of a registry record answers 202 with the submission made
//! (`accepted`); these routes list, read, correct, withdraw, approve and
//! return submissions, and read and set which registries need review.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kean_app::{AppError, Submission, SubmissionFilter};
use kean_core::submission::{SubmissionStatus, reviewable};
use kean_core::{ErrorCode, FieldError, Kind};
use serde_json::{Value as J, json};

use super::registry::{body_fields, record_json};
use crate::auth::ApiUser;
use crate::respond::{ApiError, ApiResult};

fn bad(name: &str, zh: String, en: String) -> ApiError {
    ApiError(AppError::field(ErrorCode::BadRequest, FieldError::new(name, zh, en)))
}

/// A submission as the API shows it.
pub(crate) fn submission_json(s: &Submission, org_name: Option<&str>) -> J {
    json!({
        "id": s.id,
        "kind": s.kind.slug(),
        "operation": s.operation.code(),
        "record_id": s.record_id,
        "base_version": s.base_version,
        "org_id": s.org_id,
        "org_name": org_name,
        "level": s.level.code(),
        "label": s.label,
        "status": s.status.code(),
        "round": s.round,
        "changed": s.changed,
        "fields": s.payload.get("fields").cloned().unwrap_or(J::Null),
        "before": s.before.clone().unwrap_or(J::Null),
        "file_name": s.file_name,
        "row_count": s.row_count,
        "submitter": s.submitter,
        "submitted_at": s.submitted_at,
        "decider": s.decider,
        "decided_at": s.decided_at,
        "reasons": s.reasons,
        "result_ids": s.result_ids,
        "version": s.version,
        "updated_at": s.updated_at,
    })
}

/// 202 Accepted: a write that became a submission waiting for review.
pub(crate) fn accepted(s: &Submission) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({ "submission": submission_json(s, None) })),
    )
        .into_response()
}

fn id_of(path: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let Path(text) = path.map_err(|e| bad("id", format!("路径无效：{e}"), format!("bad path: {e}")))?;
    text.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        bad(
            "id",
            format!("“{text}”不是有效的申报编号"),
            format!("'{text}' is not a submission id"),
        )
    })
}

/// An optional JSON object body (empty: `{}`).
fn object_body(bytes: &Bytes) -> Result<serde_json::Map<String, J>, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice::<J>(bytes) {
        Ok(J::Object(m)) => Ok(m),
        _ => Err(ApiError(AppError::new(
            ErrorCode::BadRequest,
            "请求体应为JSON对象",
            "the body must be a JSON object",
        ))),
    }
}

fn version_in(m: &serde_json::Map<String, J>, key: &str) -> Result<Option<i64>, ApiError> {
    match m.get(key) {
        None | Some(J::Null) => Ok(None),
        Some(v) => v.as_i64().filter(|v| *v >= 1).map(Some).ok_or_else(|| {
            ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    key,
                    format!("{key} 应为正整数"),
                    format!("{key} must be a positive integer"),
                ),
            ))
        }),
    }
}

/// GET /submissions?status=&kind=&org_id=&record_id=&page=&page_size=
pub async fn list(u: ApiUser, Query(pairs): Query<Vec<(String, String)>>) -> ApiResult {
    let mut f = SubmissionFilter {
        page: 1,
        page_size: 20,
        ..Default::default()
    };
    for (k, v) in &pairs {
        let v = v.trim();
        let positive = || v.parse::<i64>().ok().filter(|n| *n >= 1);
        match k.as_str() {
            "status" => {
                f.statuses = match v {
                    "" | "all" => vec![],
                    "open" => vec![SubmissionStatus::Pending, SubmissionStatus::Returned],
                    s => vec![SubmissionStatus::parse(s).ok_or_else(|| {
                        bad(
                            "status",
                            format!("状态“{s}”无效"),
                            format!("status: '{s}' is not pending, returned, approved, withdrawn, open or all"),
                        )
                    })?],
                }
            }
            "kind" => {
                f.kind = Some(Kind::from_slug(v).filter(|k| reviewable(*k)).ok_or_else(|| {
                    bad(
                        "kind",
                        format!("没有名为“{v}”的填报类别"),
                        format!("kind: no reported registry '{v}'"),
                    )
                })?)
            }
            "org_id" | "record_id" | "page" | "page_size" => {
                let n = positive()
                    .ok_or_else(|| bad(k, format!("{k} 应为正整数"), format!("{k} must be a positive integer")))?;
                match k.as_str() {
                    "org_id" => f.org_id = Some(n),
                    "record_id" => f.record_id = Some(n),
                    "page" => f.page = u32::try_from(n).unwrap_or(u32::MAX),
                    _ if n > 500 => {
                        return Err(bad(k, "page_size 最大为500".into(), "page_size is at most 500".into()));
                    }
                    _ => f.page_size = n as u32,
                }
            }
            _ => {
                return Err(bad(k, format!("未知的参数“{k}”"), format!("unknown parameter '{k}'")));
            }
        }
    }
    let l = u.access.submissions(&f).await?;
    Ok(Json(json!({
        "items": l.page.items.iter().map(|s| submission_json(s, l.org_names.get(&s.org_id).map(String::as_str))).collect::<Vec<_>>(),
        "total": l.page.total,
        "page": l.page.page,
        "page_size": l.page.page_size,
    }))
    .into_response())
}

/// GET /submissions/queue
pub async fn queue(u: ApiUser) -> ApiResult {
    let (counts, names) = u.access.review_queue().await?;
    Ok(Json(json!({ "items": counts.iter().map(|c| json!({
        "org_id": c.org_id, "org_name": names.get(&c.org_id), "kind": c.kind.slug(), "pending": c.pending,
    })).collect::<Vec<_>>() }))
    .into_response())
}

/// GET /submissions/{id}: the submission, the record now, the history.
pub async fn detail(u: ApiUser, path: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = id_of(path)?;
    let v = u.access.submission(id).await?;
    let mut out = submission_json(&v.submission, Some(&v.org_name));
    // Personal values as the reader may see them (the views are masked).
    if let Some(p) = &v.proposed {
        out["fields"] = p.to_json();
    }
    if let Some(b) = &v.before {
        out["before"] = b.to_json();
    }
    out["current"] = v.current.as_ref().map_or(J::Null, |r| record_json(r, &v.labels));
    out["rows"] = J::Array(v.rows.iter().map(|(_, f)| f.to_json()).collect());
    out["stale"] = json!(v.stale);
    out["events"] = J::Array(
        v.events
            .iter()
            .map(|e| json!({ "step": e.step, "actor": e.actor, "at": e.at, "note": e.note, "changed": e.changed }))
            .collect(),
    );
    Ok(Json(out).into_response())
}

/// PUT /submissions/{id}: the corrected fields (and `_version`), submitted again.
pub async fn resubmit(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<J>, JsonRejection>,
) -> ApiResult {
    let id = id_of(path)?;
    let Json(body) = body?;
    let raw = body_fields(&body)?;
    let version = match body.get("_version") {
        None | Some(J::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new("_version", "_version 应为整数", "_version must be an integer"),
            ))
        })?),
    };
    let s = u.access.resubmit(id, &raw, version).await?;
    Ok(Json(submission_json(&s, None)).into_response())
}

/// POST /submissions/{id}/withdraw {"version"?}
pub async fn withdraw(u: ApiUser, path: Result<Path<String>, PathRejection>, body: Bytes) -> ApiResult {
    let id = id_of(path)?;
    let m = object_body(&body)?;
    let s = u.access.withdraw_submission(id, version_in(&m, "version")?).await?;
    Ok(Json(submission_json(&s, None)).into_response())
}

/// POST /submissions/{id}/approve {"version"?}
pub async fn approve(u: ApiUser, path: Result<Path<String>, PathRejection>, body: Bytes) -> ApiResult {
    let id = id_of(path)?;
    let m = object_body(&body)?;
    let s = u.access.approve_submission(id, version_in(&m, "version")?).await?;
    Ok(Json(submission_json(&s, None)).into_response())
}

/// POST /submissions/{id}/return {"reasons", "version"?}
pub async fn return_submission(u: ApiUser, path: Result<Path<String>, PathRejection>, body: Bytes) -> ApiResult {
    let id = id_of(path)?;
    let m = object_body(&body)?;
    let reasons = match m.get("reasons") {
        Some(J::String(s)) => s.clone(),
        None | Some(J::Null) => String::new(),
        Some(_) => {
            return Err(ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new("reasons", "退回理由应为文字", "reasons must be a string"),
            )));
        }
    };
    let s = u
        .access
        .return_submission(id, version_in(&m, "version")?, &reasons)
        .await?;
    Ok(Json(submission_json(&s, None)).into_response())
}

/// POST /submissions/approve {"ids": [..]}: each approved in its own
/// transaction; those refused are listed with the error they met.
pub async fn approve_batch(u: ApiUser, body: Bytes) -> ApiResult {
    let m = object_body(&body)?;
    let ids: Vec<i64> = match m.get("ids") {
        Some(J::Array(a)) if !a.is_empty() && a.len() <= 500 => a
            .iter()
            .map(|v| v.as_i64().filter(|i| *i >= 1))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError(AppError::field(
                    ErrorCode::ValidationFailed,
                    FieldError::new("ids", "ids 应为申报编号（正整数）的数组", "ids must be submission ids"),
                ))
            })?,
        _ => {
            return Err(ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "ids",
                    "ids：请给出1至500个申报编号",
                    "ids: give 1 to 500 submission ids",
                ),
            )));
        }
    };
    let out = u.access.approve_submissions(&ids).await?;
    Ok(Json(json!({
        "approved": out.approved,
        "refused": out.refused.iter().map(|(id, e)| json!({
            "id": id, "code": e.code.as_str(), "message": e.message_en, "message_zh": e.message_zh,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

fn kinds_json(k: &kean_core::submission::ReviewKinds) -> J {
    json!({ "kinds": k.kinds().map(|k| k.slug()).collect::<Vec<_>>() })
}

/// GET /settings/review: the registries whose reports need review.
pub async fn review_settings(u: ApiUser) -> ApiResult {
    Ok(Json(kinds_json(&u.access.review_kinds().await?)).into_response())
}

/// PUT /settings/review {"kinds": [slug, …]} (the bureau administrator's).
pub async fn set_review_settings(u: ApiUser, body: Bytes) -> ApiResult {
    let m = object_body(&body)?;
    let slugs: Vec<String> = match m.get("kinds") {
        Some(J::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                ApiError(AppError::field(
                    ErrorCode::ValidationFailed,
                    FieldError::new("kinds", "kinds 应为登记类别名的数组", "kinds must be registry slugs"),
                ))
            })?,
        _ => {
            return Err(ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "kinds",
                    "kinds：请给出登记类别名的数组",
                    "kinds: give an array of registry slugs",
                ),
            )));
        }
    };
    Ok(Json(kinds_json(&u.access.set_review_kinds(&slugs).await?)).into_response())
}
