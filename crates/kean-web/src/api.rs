//! The JSON API: the same operations as the pages, through the same gate.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::Router;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kean_app::{AppError, ListQuery, Listing, SessionKind};
use kean_core::schema::FieldType;
use kean_core::{ErrorCode, Kind, Record, Role};
use serde_json::{Value as J, json};

use crate::AppState;
use crate::auth::ApiUser;
use crate::views::parse_list_params;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(token).delete(revoke))
        .route("/me", get(me))
        .route("/users", get(users).post(create_user))
        .route("/users/{id}/{action}", post(change_user))
        .route("/audit", get(audit))
        .route("/statistics/dashboard", get(dashboard))
        .route("/registry/{slug}", get(list).post(create))
        .route("/registry/{slug}/{id}", get(detail).put(update))
        .route("/registry/{slug}/{id}/archive", post(archive))
        .route("/registry/{slug}/{id}/restore", post(restore))
        .merge(crate::screening::api_routes())
        .fallback(|| async { not_found_json() })
}

/// Every API error has this shape: a stable code, messages, and the
/// offending fields.
pub fn error_json(e: AppError) -> Response {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let fields: Vec<J> = e
        .fields
        .iter()
        .map(|f| json!({ "field": f.field, "message": f.message_en, "message_zh": f.message_zh }))
        .collect();
    let body = json!({ "error": { "code": e.code.as_str(), "message": e.message_en, "message_zh": e.message_zh, "fields": fields } });
    (status, Json(body)).into_response()
}

pub fn not_found_json() -> Response {
    error_json(AppError::new(ErrorCode::NotFound, "接口不存在", "no such API endpoint"))
}

fn bad_json(e: JsonRejection) -> Response {
    error_json(AppError::new(
        ErrorCode::BadRequest,
        format!("请求体不是有效的JSON：{}", e.body_text()),
        format!("the body is not valid JSON: {}", e.body_text()),
    ))
}

/// The registry and record id from the path, or a JSON error naming what
/// is wrong with them.
fn record_path(path: Result<Path<(String, String)>, PathRejection>) -> Result<(Kind, i64), Response> {
    let Path((slug, id)) = path.map_err(|e| {
        error_json(AppError::new(
            ErrorCode::BadRequest,
            format!("路径无效：{e}"),
            format!("bad path: {e}"),
        ))
    })?;
    let kind = kind_of(&slug)?;
    let id = id.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        error_json(AppError::field(
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

fn kind_of(slug: &str) -> Result<Kind, Response> {
    Kind::from_slug(slug).ok_or_else(|| {
        error_json(AppError::new(
            ErrorCode::NotFound,
            format!("没有名为“{slug}”的登记类别"),
            format!("no registry named '{slug}'"),
        ))
    })
}

fn record_json(r: &Record, labels: &HashMap<(Kind, i64), String>) -> J {
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
fn body_fields(body: &J) -> Result<BTreeMap<String, String>, AppError> {
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

#[derive(serde::Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

async fn token(State(st): State<AppState>, body: Result<Json<Credentials>, JsonRejection>) -> Response {
    let Json(c) = match body {
        Ok(b) => b,
        Err(e) => return bad_json(e),
    };
    match st.app.login(&c.username, &c.password, SessionKind::Api).await {
        Ok(ok) => (
            StatusCode::CREATED,
            Json(json!({
                "token": ok.token,
                "expires_at": ok.expires_at,
                "user": { "id": ok.user.id, "username": ok.user.username, "role": ok.user.role.code(), "org_id": ok.user.org_id },
            })),
        )
            .into_response(),
        Err(e) => error_json(e),
    }
}

async fn revoke(State(st): State<AppState>, headers: axum::http::HeaderMap, u: ApiUser) -> Response {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim()
        .to_string();
    match st.app.logout(&token, &u.access).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => error_json(e),
    }
}

async fn me(u: ApiUser) -> Response {
    let a = u.access.actor();
    Json(json!({ "id": a.user_id(), "username": a.username(), "display_name": a.display_name(), "role": a.role().code(), "org_id": a.org_id() })).into_response()
}

async fn list(u: ApiUser, Path(slug): Path<String>, Query(pairs): Query<Vec<(String, String)>>) -> Response {
    let kind = match kind_of(&slug) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let p = match parse_list_params(kind, &pairs, true) {
        Ok(p) => p,
        Err(e) => return error_json(e),
    };
    match u.access.list(kind, &p.query).await {
        Ok(l) => Json(listing_json(&l, &p.query)).into_response(),
        Err(e) => error_json(e),
    }
}

async fn detail(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> Response {
    let (kind, id) = match record_path(path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match u.access.get(kind, id).await {
        Ok((r, labels)) => Json(record_json(&r, &labels)).into_response(),
        Err(e) => error_json(e),
    }
}

async fn create(u: ApiUser, Path(slug): Path<String>, body: Result<Json<J>, JsonRejection>) -> Response {
    let kind = match kind_of(&slug) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return bad_json(e),
    };
    let raw = match body_fields(&body) {
        Ok(r) => r,
        Err(e) => return error_json(e),
    };
    match u.access.create(kind, &raw).await {
        Ok(r) => (StatusCode::CREATED, Json(record_json(&r, &HashMap::new()))).into_response(),
        Err(e) => error_json(e),
    }
}

/// PUT replaces all fields. `_version` (optional) must equal the record's
/// current version, or the update is refused with `conflict`.
async fn update(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<J>, JsonRejection>,
) -> Response {
    let (kind, id) = match record_path(path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return bad_json(e),
    };
    let raw = match body_fields(&body) {
        Ok(r) => r,
        Err(e) => return error_json(e),
    };
    let version = match raw.get("_version").map(|v| v.parse::<i64>()) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return error_json(AppError::field(
                ErrorCode::ValidationFailed,
                kean_core::FieldError::new("_version", "_version 应为整数", "_version must be an integer"),
            ));
        }
    };
    match u.access.update(kind, id, &raw, version).await {
        Ok(r) => Json(record_json(&r, &HashMap::new())).into_response(),
        Err(e) => error_json(e),
    }
}

async fn set_archived(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>, archived: bool) -> Response {
    let (kind, id) = match record_path(path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match u.access.set_archived(kind, id, archived).await {
        Ok(r) => Json(record_json(&r, &HashMap::new())).into_response(),
        Err(e) => error_json(e),
    }
}

async fn archive(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> Response {
    set_archived(u, path, true).await
}

async fn restore(u: ApiUser, path: Result<Path<(String, String)>, PathRejection>) -> Response {
    set_archived(u, path, false).await
}

fn user_json(x: &kean_app::User) -> J {
    json!({ "id": x.id, "username": x.username, "display_name": x.display_name, "role": x.role.code(),
            "org_id": x.org_id, "disabled": x.disabled, "locked_until": x.locked_until, "created_at": x.created_at })
}

async fn users(u: ApiUser) -> Response {
    match u.access.users().await {
        Ok(list) => Json(json!({ "items": list.iter().map(user_json).collect::<Vec<_>>() })).into_response(),
        Err(e) => error_json(e),
    }
}

#[derive(serde::Deserialize)]
pub struct NewUserBody {
    username: String,
    display_name: String,
    role: String,
    org_id: Option<i64>,
    password: String,
}

async fn create_user(u: ApiUser, body: Result<Json<NewUserBody>, JsonRejection>) -> Response {
    let Json(b) = match body {
        Ok(b) => b,
        Err(e) => return bad_json(e),
    };
    let Some(role) = Role::parse(&b.role) else {
        return error_json(AppError::validation(vec![kean_core::FieldError::new(
            "role",
            "角色应为 admin、reviewer、liaison、researcher 或 auditor",
            "role must be admin, reviewer, liaison, researcher or auditor",
        )]));
    };
    match u
        .access
        .create_user(&b.username, &b.display_name, role, b.org_id, &b.password)
        .await
    {
        Ok(x) => (StatusCode::CREATED, Json(user_json(&x))).into_response(),
        Err(e) => error_json(e),
    }
}

/// POST /users/{id}/unlock | disable | enable | password (body {"password"}).
async fn change_user(
    u: ApiUser,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<J>, JsonRejection>,
) -> Response {
    let Ok(Path((id, action))) = path else {
        return not_found_json();
    };
    let Some(id) = id.parse::<i64>().ok() else {
        return error_json(AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new(
                "id",
                format!("“{id}”不是有效的用户编号"),
                format!("'{id}' is not a user id"),
            ),
        ));
    };
    let change = match action.as_str() {
        "unlock" => kean_app::UserAction::Unlock,
        "disable" => kean_app::UserAction::SetDisabled(true),
        "enable" => kean_app::UserAction::SetDisabled(false),
        "password" => {
            let pw = body
                .ok()
                .and_then(|Json(b)| b.get("password").and_then(|p| p.as_str()).map(String::from));
            kean_app::UserAction::Password(pw.unwrap_or_default())
        }
        _ => return not_found_json(),
    };
    match u.access.change_user(id, change).await {
        Ok(x) => Json(user_json(&x)).into_response(),
        Err(e) => error_json(e),
    }
}

async fn audit(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> Response {
    let page = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let size = q.get("page_size").and_then(|p| p.parse().ok()).unwrap_or(50);
    match u.access.audit_page(page, size).await {
        Ok(p) => Json(json!({ "items": p.items, "total": p.total, "page": p.page, "page_size": p.page_size }))
            .into_response(),
        Err(e) => error_json(e),
    }
}

/// The dashboard's figures. Parameters: `from`, `to` (dates, default the
/// last full calendar year), `district_id`, `industry_chain_id`, `org_type`.
async fn dashboard(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> Response {
    for (k, v) in &q {
        let ok = match k.as_str() {
            "from" | "to" => kean_core::record::parse_date(v).is_some(),
            "district_id" | "industry_chain_id" => v.parse::<i64>().is_ok_and(|n| n > 0),
            "org_type" => kean_core::schema::ORG_TYPES.iter().any(|c| c.code == v),
            _ => {
                return error_json(AppError::field(
                    ErrorCode::BadRequest,
                    kean_core::FieldError::new(k, format!("未知参数“{k}”"), format!("unknown parameter '{k}'")),
                ));
            }
        };
        if !ok {
            return error_json(AppError::field(
                ErrorCode::BadRequest,
                kean_core::FieldError::new(k, format!("“{v}”不是有效的{k}"), format!("'{v}' is not a valid {k}")),
            ));
        }
    }
    let (filter, _) = crate::pages::stat_filter(&q, u.access.today(), crate::Lang::En);
    let date = |k: &str| q.get(k).and_then(|v| kean_core::record::parse_date(v));
    if let (Some(from), Some(to)) = (date("from"), date("to"))
        && from > to
    {
        return error_json(AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new("from", "开始日期不能晚于截止日期", "from must not be after to"),
        ));
    }
    match u.access.dashboard(&filter).await {
        Ok(d) => Json(json!({
            "from": d.from, "to": d.to,
            "platforms": { "total": d.platforms_total, "by_level": d.platforms_by_level, "by_type": d.platforms_by_type },
            "high_tech_valid": { "count": d.high_tech_valid, "link": d.high_tech_link },
            "contracts": {
                "count": d.contracts.count, "contract_value": fen(d.contracts.amounts[0]), "tech_value": fen(d.contracts.amounts[1]),
                "prev_count": d.contracts.prev_count, "prev_contract_value": fen(d.contracts.prev_amounts[0]),
                "yoy_contract_value": d.contracts.growth(0), "yoy_count": d.contracts.count_growth(), "link": d.contracts.link,
                "by_month": d.contracts_by_month, "by_district": d.contracts_by_district, "by_chain": d.contracts_by_chain,
            },
            "tech_service": {
                "enterprises": d.tech_service.count, "revenue": fen(d.tech_service.amounts[0]),
                "prev_revenue": fen(d.tech_service.prev_amounts[0]), "yoy_revenue": d.tech_service.growth(0), "link": d.tech_service.link,
            },
            "transfers": {
                "count": d.transfers.count, "amount": fen(d.transfers.amounts[0]), "prev_amount": fen(d.transfers.prev_amounts[0]),
                "yoy_amount": d.transfers.growth(0), "link": d.transfers.link, "by_month": d.transfers_by_month,
            },
            "note": "amounts are yuan as decimal strings; bucket amounts (by_*) are in fen",
        }))
        .into_response(),
        Err(e) => error_json(e),
    }
}

fn fen(v: i64) -> String {
    kean_core::Fen(v).yuan_string()
}
