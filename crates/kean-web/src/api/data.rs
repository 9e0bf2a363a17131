//! Attachments and important data's export approvals over JSON: the same
//! acts as the record's page and the security administrator's page, through
//! the same gate.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, Multipart, Path, Query, Request};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kean_app::{AppError, Upload};
use kean_core::ErrorCode;
use serde_json::json;

use super::registry::record_path;
use crate::auth::ApiUser;
use crate::respond::{ApiError, ApiResult};

pub fn attachment_json(a: &kean_app::Attachment) -> serde_json::Value {
    json!({
        "id": a.id,
        "kind": a.kind.slug(),
        "record_id": a.record_id,
        "file_name": a.file_name,
        "media_type": a.media_type,
        "size": a.size,
        "sm3": a.hash,
        "classification": a.classification.code(),
        "note": a.note,
        "uploader": a.uploader,
        "uploaded_at": a.uploaded_at,
    })
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

/// GET /registry/{slug}/{id}/attachments
pub async fn list(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let items = u.access.attachments(kind, id).await?;
    Ok(Json(json!({ "items": items.iter().map(attachment_json).collect::<Vec<_>>() })).into_response())
}

/// POST /registry/{slug}/{id}/attachments (multipart: file, classification, note)
pub async fn upload(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>, req: Request) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let too_large = || {
        ApiError(crate::respond::too_large(Some(
            kean_core::attachment::MAX_ATTACHMENT_BYTES as u64 + 1_000_000,
        )))
    };
    let mut mp = Multipart::from_request(req, &()).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        bad(
            format!("请求体应为 multipart/form-data：{e}"),
            format!("the body must be multipart/form-data: {e}"),
        )
    })?;
    let (mut file, mut classification, mut note) = (None, String::new(), String::new());
    while let Some(field) = mp.next_field().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        bad(format!("上传中断：{e}"), format!("upload interrupted: {e}"))
    })? {
        match field.name().unwrap_or("") {
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                        return too_large();
                    }
                    bad(format!("上传中断：{e}"), format!("upload interrupted: {e}"))
                })?;
                file = Some((name, bytes.to_vec()));
            }
            "classification" => classification = field.text().await.unwrap_or_default(),
            "note" => note = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let Some((file_name, content)) = file else {
        return Err(ApiError(AppError::field(
            ErrorCode::ValidationFailed,
            kean_core::FieldError::new(
                "file",
                "附件：请选择文件（字段 file）",
                "file: send a file in the field 'file'",
            ),
        )));
    };
    let a = u
        .access
        .add_attachment(
            kind,
            id,
            Upload {
                file_name: &file_name,
                content,
                classification: &classification,
                note: &note,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(attachment_json(&a))).into_response())
}

/// GET /attachments/{id}: the file itself.
pub async fn download(u: ApiUser, path: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = id_path(path)?;
    let (a, bytes) = u.access.download_attachment(id).await?;
    Ok(crate::pages::file_response(&a.file_name, &a.media_type, bytes))
}

/// DELETE /attachments/{id}
pub async fn remove(u: ApiUser, path: Result<Path<String>, PathRejection>) -> ApiResult {
    let id = id_path(path)?;
    u.access.remove_attachment(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub fn export_json(x: &kean_app::ExportRequest) -> serde_json::Value {
    let r = &x.request;
    json!({
        "id": r.id,
        "dataset_id": r.dataset_id,
        "dataset_name": x.dataset_name,
        "data_grade": x.data_grade,
        "purpose": r.purpose,
        "recipient": r.recipient,
        "state": r.state,
        "requester": r.requester,
        "requested_at": r.requested_at,
        "decided_by": r.decided_by,
        "decided_at": r.decided_at,
        "note": r.note,
        "valid_until": r.valid_until,
    })
}

#[derive(serde::Deserialize)]
pub struct ExportBody {
    purpose: String,
    recipient: String,
}

/// POST /registry/datasets/{id}/export-requests {"purpose", "recipient"}
pub async fn request_export(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<ExportBody>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    if kind != kean_core::Kind::Dataset {
        return Err(ApiError::no_endpoint());
    }
    let Json(b) = body?;
    let r = u.access.request_data_export(id, &b.purpose, &b.recipient).await?;
    let x = u.access.describe_export(r).await?;
    Ok((StatusCode::CREATED, Json(export_json(&x))).into_response())
}

/// GET /data-exports?state=pending|all
pub async fn exports(u: ApiUser, Query(q): Query<std::collections::HashMap<String, String>>) -> ApiResult {
    let pending = super::confidentiality::pending_only(&q, "pending")?;
    let list = u.access.data_exports(pending).await?;
    Ok(Json(json!({ "items": list.iter().map(export_json).collect::<Vec<_>>() })).into_response())
}

#[derive(serde::Deserialize)]
pub struct DecisionBody {
    approve: bool,
    #[serde(default)]
    note: String,
}

/// POST /data-exports/{id}/decision {"approve", "note"}
pub async fn decide(
    u: ApiUser,
    path: Result<Path<String>, PathRejection>,
    body: Result<Json<DecisionBody>, JsonRejection>,
) -> ApiResult {
    let id = id_path(path)?;
    let Json(b) = body?;
    let r = u.access.decide_data_export(id, b.approve, &b.note).await?;
    let x = u.access.describe_export(r).await?;
    Ok(Json(export_json(&x)).into_response())
}
