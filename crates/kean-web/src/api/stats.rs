//! The dashboard's figures over JSON.

use std::collections::HashMap;

use axum::Json;
use axum::extract::Query;
use axum::response::IntoResponse;
use kean_app::AppError;
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
        "platforms": { "total": d.platforms_total, "by_level": d.platforms_by_level, "by_type": d.platforms_by_type },
        "high_tech_valid": { "count": d.high_tech_valid, "link": d.high_tech_link },
        "tech_contracts": {
            "count": d.tech_contracts.count, "contract_value": fen(d.tech_contracts.amounts[0]), "tech_value": fen(d.tech_contracts.amounts[1]),
            "prev_count": d.tech_contracts.prev_count, "prev_contract_value": fen(d.tech_contracts.prev_amounts[0]),
            "yoy_contract_value": d.tech_contracts.growth(0), "yoy_count": d.tech_contracts.count_growth(), "link": d.tech_contracts.link,
            "by_month": d.tech_contracts_by_month, "by_district": d.tech_contracts_by_district, "by_chain": d.tech_contracts_by_chain,
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
    .into_response())
}

fn fen(v: i64) -> String {
    kean_core::Fen(v).yuan_string()
}
