//! The dashboard's figures over JSON.

use std::collections::HashMap;

use axum::Json;
use axum::extract::Query;
use axum::response::IntoResponse;
use kean_app::{AppError, Bucket};
use kean_core::ErrorCode;
use serde_json::json;

use crate::auth::ApiUser;
use crate::i18n::Lang;
use crate::params::stat_filter;
use crate::respond::{ApiError, ApiResult};

/// The dashboard's figures. Parameters: `from`, `to` (dates, default the
/// last full calendar year), `district_id`, `industry_chain_id`, `org_type`.
pub async fn dashboard(u: ApiUser, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    for (k, v) in &q {
        let ok = match k.as_str() {
            "from" | "to" => kean_core::record::parse_date(v).is_some(),
            "district_id" | "industry_chain_id" => v.parse::<i64>().is_ok_and(|n| n > 0),
            "org_type" => kean_core::schema::ORG_TYPES.iter().any(|c| c.code == v),
            _ => {
                return Err(ApiError(AppError::field(
                    ErrorCode::BadRequest,
                    kean_core::FieldError::new(k, format!("未知参数“{k}”"), format!("unknown parameter '{k}'")),
                )));
            }
        };
        if !ok {
            return Err(ApiError(AppError::field(
                ErrorCode::BadRequest,
                kean_core::FieldError::new(k, format!("“{v}”不是有效的{k}"), format!("'{v}' is not a valid {k}")),
            )));
        }
    }
    let (filter, _) = stat_filter(&q, u.access.today(), Lang::En);
    let date = |k: &str| q.get(k).and_then(|v| kean_core::record::parse_date(v));
    if let (Some(from), Some(to)) = (date("from"), date("to"))
        && from > to
    {
        return Err(ApiError(AppError::field(
            ErrorCode::BadRequest,
            kean_core::FieldError::new("from", "开始日期不能晚于截止日期", "from must not be after to"),
        )));
    }
    let d = u.access.dashboard(&filter).await?;
    Ok(Json(json!({
        "from": d.from, "to": d.to,
        "platforms": { "total": d.platforms_total, "by_level": counts(&d.platforms_by_level), "by_type": counts(&d.platforms_by_type) },
        "high_tech_valid": { "count": d.high_tech_valid, "link": d.high_tech_link },
        "tech_contracts": {
            "count": d.tech_contracts.count, "contract_value": yuan(d.tech_contracts.amounts[0]), "tech_value": yuan(d.tech_contracts.amounts[1]),
            "prev_count": d.tech_contracts.prev_count, "prev_contract_value": yuan(d.tech_contracts.prev_amounts[0]),
            "yoy_contract_value": d.tech_contracts.growth(0), "yoy_count": d.tech_contracts.count_growth(), "link": d.tech_contracts.link,
            "by_month": amounts(&d.tech_contracts_by_month), "by_district": amounts(&d.tech_contracts_by_district), "by_chain": amounts(&d.tech_contracts_by_chain),
        },
        "tech_service": {
            "enterprises": d.tech_service.count, "revenue": yuan(d.tech_service.amounts[0]),
            "prev_revenue": yuan(d.tech_service.prev_amounts[0]), "yoy_revenue": d.tech_service.growth(0), "link": d.tech_service.link,
        },
        "transfers": {
            "count": d.transfers.count, "amount": yuan(d.transfers.amounts[0]), "prev_amount": yuan(d.transfers.prev_amounts[0]),
            "yoy_amount": d.transfers.growth(0), "link": d.transfers.link, "by_month": amounts(&d.transfers_by_month),
        },
    }))
    .into_response())
}

/// Money as every amount of the API states it: 元, a decimal string.
fn yuan(fen: i64) -> String {
    kean_core::Fen(fen).yuan_string()
}

/// Groups of records counted (platforms: no amount).
fn counts(buckets: &[Bucket]) -> Vec<serde_json::Value> {
    buckets
        .iter()
        .map(|b| json!({ "key": b.key, "count": b.count, "link": b.link }))
        .collect()
}

/// Groups of records counted and summed (the sum in 元, as every amount).
fn amounts(buckets: &[Bucket]) -> Vec<serde_json::Value> {
    buckets
        .iter()
        .map(|b| json!({ "key": b.key, "count": b.count, "amount": yuan(b.amount), "link": b.link }))
        .collect()
}
