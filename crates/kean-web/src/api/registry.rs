//! The registries over JSON: list, read, create, replace, archive, restore.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use kean_app::{AppError, ListQuery, Listing};
use kean_core::schema::FieldType;
use kean_core::{ErrorCode, Kind, Record};
use serde_json::{Value as J, json};

use crate::auth::ApiUser;
use crate::params::parse_list_params;
use crate::respond::{ApiError, ApiResult};

/// The registry and record id from the path, or a JSON error naming what
/// is wrong with them.
pub(super) fn record_path(path: Result<Path<(String, String)>, PathRejection>) -> Result<(Kind, i64), ApiError> {
    let Path((slug, id)) = path.map_err(|e| {
        ApiError(AppError::new(
            ErrorCode::BadRequest,
            format!("路径无效：{e}"),
            format!("bad path: {e}"),
        ))
    })?;
    parse_record(&slug, &id)
}

/// A registry slug and record id as the path wrote them.
pub(super) fn parse_record(slug: &str, id: &str) -> Result<(Kind, i64), ApiError> {
    let kind = kind_of(slug)?;
    let id = id.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        ApiError(AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new(
                "id",
                format!("“{id}”不是有效的记录编号"),
                format!("'{id}' is not a record id"),
            ),
        ))
    })?;
    Ok((kind, id))
}

fn kind_of(slug: &str) -> Result<Kind, ApiError> {
    Kind::from_slug(slug).ok_or_else(|| {
        ApiError(AppError::new(
            ErrorCode::NotFound,
            format!("没有名为“{slug}”的登记类别"),
            format!("no registry named '{slug}'"),
        ))
    })
}

pub(super) fn record_json(r: &Record, labels: &HashMap<(Kind, i64), String>) -> J {
    let mut v = r.to_json();
    let mut l = serde_json::Map::new();
    for (f, val) in r.fields.iter() {
        if let (FieldType::Ref(k), Some(id)) = (f.ty, val.as_ref_id())
            && let Some(name) = labels.get(&(k, id))
        {
            l.insert(f.name.to_string(), json!(name));
        }
    }
    v["labels"] = J::Object(l);
    v
}

/// A listing; in the default order a full page also carries `next_after`,
/// the cursor of the page after it (`?after=…`).
fn listing_json(l: &Listing, query: &ListQuery) -> J {
    let full = l.page.items.len() == l.page.page_size as usize;
    let next_after = match l.page.items.last() {
        Some(r) if full && query.is_default_order() => json!(r.id),
        _ => J::Null,
    };
    json!({
        "items": l.page.items.iter().map(|r| record_json(r, &l.labels)).collect::<Vec<_>>(),
        "total": l.page.total,
        "total_is_exact": l.page.total_is_exact,
        "page": l.page.page,
        "page_size": l.page.page_size,
        "next_after": next_after,
    })
}

/// Turns a JSON object of field values into the text form validation
/// takes. Strings, numbers, booleans and null are accepted; anything else
/// is an error naming the field.
pub(super) fn body_fields(body: &J) -> Result<BTreeMap<String, String>, AppError> {
    let J::Object(map) = body else {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            "请求体应为JSON对象",
            "the body must be a JSON object",
        ));
    };
    let mut out = BTreeMap::new();
    let mut errors = vec![];
    for (k, v) in map {
        let text = match v {
            J::Null => String::new(),
            J::String(s) => s.clone(),
            J::Bool(b) => b.to_string(),
            J::Number(n) => n.to_string(),
            _ => {
                errors.push(kean_core::FieldError::new(
                    k,
                    format!("“{k}”应为字符串、数字或布尔值"),
                    format!("'{k}' must be a string, number or boolean"),
                ));
                continue;
            }
        };
        out.insert(k.clone(), text);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::validation(errors))
    }
}

pub async fn list(u: ApiUser, Path(slug): Path<String>, Query(pairs): Query<Vec<(String, String)>>) -> ApiResult {
    let kind = kind_of(&slug)?;
    let p = parse_list_params(kind, &pairs, true)?;
    let l = u.access.list(kind, &p.query).await?;
    Ok(Json(listing_json(&l, &p.query)).into_response())
}

pub async fn detail(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let (r, labels) = u.access.get(kind, id).await?;
    Ok(Json(record_json(&r, &labels)).into_response())
}

pub async fn create(u: ApiUser, Path(slug): Path<String>, body: Result<Json<J>, JsonRejection>) -> ApiResult {
    let kind = kind_of(&slug)?;
    let Json(body) = body?;
    let raw = body_fields(&body)?;
    Ok(match u.access.save_new(kind, &raw).await? {
        kean_app::Saved::Record(r) => (StatusCode::CREATED, Json(record_json(&r, &HashMap::new()))).into_response(),
        kean_app::Saved::Submitted(s) => super::submissions::accepted(&s),
    })
}

/// PUT replaces all fields. `_version` (optional) must equal the record's
/// current version, or the update is refused with `conflict`.
pub async fn update(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<J>, JsonRejection>,
) -> ApiResult {
    let (kind, id) = record_path(path)?;
    let Json(body) = body?;
    let raw = body_fields(&body)?;
    let version = match raw.get("_version").map(|v| v.parse::<i64>()) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return Err(ApiError(AppError::field(
                ErrorCode::ValidationFailed,
                kean_core::FieldError::new("_version", "_version 应为整数", "_version must be an integer"),
            )));
        }
    };
    Ok(match u.access.save_changes(kind, id, &raw, version).await? {
        kean_app::Saved::Record(r) => Json(record_json(&r, &HashMap::new())).into_response(),
        kean_app::Saved::Submitted(s) => super::submissions::accepted(&s),
    })
}

async fn set_archived(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>, archived: bool) -> ApiResult {
    let (kind, id) = record_path(path)?;
    Ok(match u.access.save_archived(kind, id, archived).await? {
        kean_app::Saved::Record(r) => Json(record_json(&r, &HashMap::new())).into_response(),
        kean_app::Saved::Submitted(s) => super::submissions::accepted(&s),
    })
}

pub async fn archive(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    set_archived(u, path, true).await
}

pub async fn restore(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> ApiResult {
    set_archived(u, path, false).await
}
