//! What a request's query and path say, read into the application's
//! types: list parameters, the dashboard's filter, screening filters and
//! ids. Shared by pages and the API (which reads them strictly).

use std::collections::HashMap;

use kean_app::{AppError, ArchivedFilter, ListQuery, ResultFilter, ResultStatus};
use kean_core::record::parse_date;
use kean_core::schema::{Field, FieldType};
use kean_core::{ErrorCode, FieldError, Kind, Value};

use crate::i18n::Lang;

/// Parsed list parameters plus the pairs to carry into links.
pub struct ListParams {
    pub query: ListQuery,
    pub keyword: String,
    pub filters: Vec<(&'static str, String)>,
    pub sort: Option<(&'static str, bool)>,
    pub archived: &'static str,
    /// Parameters that are not select filters but must survive paging and
    /// sorting: date ranges and `owner_<field>` filters, as given.
    pub carry: Vec<(String, String)>,
    /// Pages only (the API refuses them): date parameters that could not be
    /// read, or a range that ends before it starts — by parameter name, the
    /// text as given and what is wrong; such a date is not applied.
    pub date_errors: Vec<(String, String, FieldError)>,
}

fn bad_param(name: &str, zh: String, en: String) -> AppError {
    AppError::field(ErrorCode::BadRequest, FieldError::new(name, zh, en))
}

/// Reads `q`, `page`, `page_size`, `sort`, `order`, `archived`,
/// `<date field>_from` / `_to` and exact filters on the kind's fields. With
/// `strict` (the API) an unknown or malformed parameter is an error naming
/// it; pages ignore what they cannot use.
/// How many ticked rows one request may name.
pub const MAX_IDS: usize = 500;

pub fn parse_list_params(kind: Kind, pairs: &[(String, String)], strict: bool) -> Result<ListParams, AppError> {
    let mut p = ListParams {
        query: ListQuery {
            page: 1,
            page_size: 20,
            ..Default::default()
        },
        keyword: String::new(),
        filters: vec![],
        sort: None,
        archived: "active",
        carry: vec![],
        date_errors: vec![],
    };
    let mut order_desc = None;
    let mut sort_field: Option<&'static str> = None;
    for (k, v) in pairs {
        let v = v.trim();
        // A NUL cannot reach PostgreSQL, nor a control character a search.
        if let Err(e) = kean_core::record::check_text(k, v, usize::MAX, false) {
            return Err(bad_param(k, e.message_zh, e.message_en));
        }
        match k.as_str() {
            "q" => {
                p.keyword = v.chars().take(100).collect();
                if !p.keyword.is_empty() {
                    p.query.keyword = Some(p.keyword.clone());
                }
            }
            "page" | "page_size" => {
                let n = v.parse::<u32>().ok().filter(|n| *n >= 1 && (k == "page" || *n <= 500));
                match (n, k.as_str()) {
                    (Some(n), "page") => p.query.page = n,
                    (Some(n), _) => p.query.page_size = n,
                    (None, _) if strict => {
                        return Err(bad_param(
                            k,
                            format!("{k} 应为正整数"),
                            format!("{k} must be a positive integer (page_size at most 500)"),
                        ));
                    }
                    _ => {}
                }
            }
            "sort" if v.is_empty() => {}
            "sort" => match kind
                .field(v)
                .map(|f| f.name)
                .or(["id", "updated_at", "created_at"].into_iter().find(|c| *c == v))
            {
                Some(name) => sort_field = Some(name),
                None if strict => {
                    return Err(bad_param(
                        "sort",
                        format!("无法按“{v}”排序"),
                        format!("cannot sort by '{v}'"),
                    ));
                }
                None => {}
            },
            "order" => match v {
                "asc" => order_desc = Some(false),
                "desc" => order_desc = Some(true),
                _ if strict => {
                    return Err(bad_param(
                        "order",
                        "order 应为 asc 或 desc".into(),
                        "order must be asc or desc".into(),
                    ));
                }
                _ => {}
            },
            "archived" => match v {
                "active" | "" => {}
                "archived" => {
                    p.archived = "archived";
                    p.query.archived = ArchivedFilter::Archived;
                }
                "all" => {
                    p.archived = "all";
                    p.query.archived = ArchivedFilter::All;
                }
                _ if strict => {
                    return Err(bad_param(
                        "archived",
                        "archived 应为 active、archived 或 all".into(),
                        "archived must be active, archived or all".into(),
                    ));
                }
                _ => {}
            },
            "ids" if v.is_empty() => {}
            // The rows a user ticked (导出选中): ids separated by commas.
            "ids" => {
                let ids: Option<Vec<i64>> = v
                    .split(',')
                    .map(|x| x.trim().parse::<i64>().ok().filter(|i| *i > 0))
                    .collect();
                match ids {
                    Some(ids) if ids.len() <= MAX_IDS => p.query.ids = ids,
                    _ => {
                        return Err(bad_param(
                            "ids",
                            format!("ids 应为以逗号分隔的记录编号（至多 {MAX_IDS} 个）"),
                            format!("ids must be record ids separated by commas (at most {MAX_IDS})"),
                        ));
                    }
                }
            }
            "after" if v.is_empty() => {}
            "after" => match v.parse::<i64>() {
                Ok(id) => p.query.after = Some(id),
                Err(_) if strict => {
                    return Err(bad_param(
                        "after",
                        "after 应为记录编号".into(),
                        "after must be a record id".into(),
                    ));
                }
                Err(_) => {}
            },
            "_" | "saved" => {}
            other if other.starts_with("owner_") && kind.owner() != kean_core::schema::Owner::None => {
                let name = &other["owner_".len()..];
                let field = Kind::Organization.field(name).filter(|f| f.filter);
                match field.map(|f| (f, filter_value(f, v))) {
                    _ if v.is_empty() => {}
                    Some((f, Some(val))) => {
                        p.query.owner_filters.push((f.name, val));
                        p.carry.push((other.to_string(), v.to_string()));
                    }
                    _ if strict => {
                        return Err(bad_param(
                            other,
                            format!("“{other}”不是有效的单位筛选条件"),
                            format!("'{other}' is not a valid owner filter"),
                        ));
                    }
                    _ => {}
                }
            }
            other => {
                let (base, suffix) = match other.rsplit_once('_') {
                    Some((b, s @ ("from" | "to"))) => (b, Some(s)),
                    _ => (other, None),
                };
                let field = kind.field(base);
                match (field, suffix) {
                    (Some(f), Some(s)) if f.ty == FieldType::Date => {
                        if v.is_empty() {
                            continue;
                        }
                        let Some(d) = parse_date(v) else {
                            let (zh, en) = (
                                format!("{}：“{v}”不是有效日期（如 2025-03-01）", f.zh),
                                format!("{}: '{v}' is not a date (like 2025-03-01)", f.en),
                            );
                            if strict {
                                return Err(bad_param(other, zh, en));
                            }
                            p.date_errors
                                .push((other.to_string(), v.to_string(), FieldError::new(other, zh, en)));
                            continue;
                        };
                        let entry = p.query.date_range.get_or_insert((f.name, None, None));
                        if entry.0 == f.name {
                            if s == "from" {
                                entry.1 = Some(d)
                            } else {
                                entry.2 = Some(d)
                            }
                        }
                        p.carry.push((other.to_string(), v.to_string()));
                    }
                    (Some(f), None) => {
                        if v.is_empty() {
                            continue;
                        }
                        match filter_value(f, v) {
                            Some(val) => {
                                p.query.filters.push((f.name, val));
                                p.filters.push((f.name, v.to_string()));
                            }
                            None if strict => {
                                return Err(bad_param(
                                    f.name,
                                    format!("{}：“{v}”不是有效的筛选值", f.zh),
                                    format!("{}: '{v}' is not a valid filter value", f.en),
                                ));
                            }
                            None => {}
                        }
                    }
                    _ if strict => {
                        return Err(bad_param(
                            other,
                            format!("未知参数“{other}”"),
                            format!("unknown parameter '{other}'"),
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
    if let Some(f) = sort_field {
        let desc = order_desc.unwrap_or(false);
        p.sort = Some((f, desc));
        p.query.sort = Some((f, desc));
    }
    if strict && p.query.after.is_some() && !p.query.is_default_order() {
        return Err(bad_param(
            "after",
            "after 只适用于默认排序（最新在前）".into(),
            "after works only in the default order (newest first)".into(),
        ));
    }
    // A range that ends before it starts finds nothing: say so at its end
    // (a page) and search without it.
    if !strict
        && let Some((name, Some(from), Some(to))) = p.query.date_range
        && from > to
    {
        let to_param = format!("{name}_to");
        let given = p
            .carry
            .iter()
            .find(|(k, _)| *k == to_param)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let f = kind.field(name);
        p.date_errors.push((
            to_param.clone(),
            given,
            FieldError::new(
                &to_param,
                format!("{}：截止日期早于开始日期", f.map_or(name, |f| f.zh)),
                format!("{}: the end is before the start", f.map_or(name, |f| f.en)),
            ),
        ));
        p.query.date_range = None;
    }
    Ok(p)
}

fn filter_value(f: &Field, v: &str) -> Option<Value> {
    match f.ty {
        FieldType::Enum(cs) => cs.iter().find(|c| c.code == v).map(|c| Value::Text(c.code.into())),
        FieldType::Ref(_) => v.parse::<i64>().ok().map(Value::Ref),
        FieldType::Bool => match v {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        FieldType::Country => kean_core::country::parse_country(v).map(|c| Value::Text(c.into())),
        FieldType::Money => kean_core::Fen::parse_yuan(v).ok().map(Value::Money),
        FieldType::Date => parse_date(v).map(Value::Date),
        _ => Some(Value::Text(v.to_string())),
    }
}

/// Parses the dashboard filter from the query; an unusable value falls
/// back to the default and is reported in `notice`.
pub fn stat_filter(
    q: &HashMap<String, String>,
    today: chrono::NaiveDate,
    lang: Lang,
) -> (kean_app::StatFilter, Vec<String>) {
    use chrono::Datelike;
    let mut notice = vec![];
    // 本年至今: the year to date, as bureau dashboards open.
    let mut f = kean_app::StatFilter::year(today.year());
    f.to = today;
    let date = |k: &str, notice: &mut Vec<String>| -> Option<chrono::NaiveDate> {
        let v = q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())?;
        let d = kean_core::record::parse_date(v);
        if d.is_none() {
            notice.push(format!(
                "{}：“{v}”{}",
                lang.t(if k == "from" { "stats.from" } else { "stats.to" }),
                lang.t("stats.bad_date")
            ));
        }
        d
    };
    // One side alone means "from X" (until today) or "until Y" (from the
    // beginning of the records); neither, the year to date.
    match (date("from", &mut notice), date("to", &mut notice)) {
        (Some(from), Some(to)) => (f.from, f.to) = (from, to),
        (Some(from), None) => (f.from, f.to) = (from, today.max(from)),
        (None, Some(to)) => (f.from, f.to) = (kean_core::record::min_date(), to),
        (None, None) => {}
    }
    if f.from > f.to {
        notice.push(lang.t("stats.bad_range").to_string());
        std::mem::swap(&mut f.from, &mut f.to);
    }
    let id = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok()).filter(|v| *v > 0);
    f.district_id = id("district_id");
    f.industry_chain_id = id("industry_chain_id");
    f.org_type = q
        .get("org_type")
        .filter(|v| kean_core::schema::ORG_TYPES.iter().any(|c| c.code == v.as_str()))
        .cloned();
    (f, notice)
}

pub fn parse_id(text: &str) -> Result<i64, AppError> {
    text.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        AppError::field(
            ErrorCode::BadRequest,
            FieldError::new(
                "id",
                format!("“{text}”不是有效的编号"),
                format!("'{text}' is not an id"),
            ),
        )
    })
}

/// Parses the result filters (`status`, `kind`, `party_id`, `list_id`,
/// `page`, `page_size`); `status` defaults to open results on pages.
pub fn parse_filter(q: &HashMap<String, String>, default_open: bool) -> Result<ResultFilter, AppError> {
    let bad = |name: &str, v: &str| {
        AppError::field(
            ErrorCode::BadRequest,
            FieldError::new(
                name,
                format!("参数 {name} 的值“{v}”无效"),
                format!("parameter {name} has an invalid value '{v}'"),
            ),
        )
    };
    let mut f = ResultFilter {
        page: 1,
        page_size: 20,
        status: if default_open { Some(ResultStatus::Open) } else { None },
        ..ResultFilter::default()
    };
    for (k, v) in q {
        let v = v.trim();
        if kean_core::record::check_text(k, v, usize::MAX, false).is_err() {
            return Err(bad(k, v));
        }
        match k.as_str() {
            "status" if v.is_empty() || v == "all" => f.status = None,
            "status" => f.status = Some(ResultStatus::parse(v).ok_or_else(|| bad("status", v))?),
            "kind" if v.is_empty() => {}
            "kind" => f.kind = Some(Kind::from_slug(v).ok_or_else(|| bad("kind", v))?),
            "party_id" => f.party_id = Some(v.parse().map_err(|_| bad("party_id", v))?),
            "list_id" if v.is_empty() => {}
            "list_id" => f.list_id = Some(v.parse().map_err(|_| bad("list_id", v))?),
            "q" if v.chars().count() > 100 => return Err(bad("q", v)),
            "q" => f.name = Some(v.to_string()).filter(|n| !n.is_empty()),
            "page" => f.page = v.parse().ok().filter(|p| *p >= 1).ok_or_else(|| bad("page", v))?,
            "page_size" => {
                f.page_size = v
                    .parse()
                    .ok()
                    .filter(|p| (1..=200).contains(p))
                    .ok_or_else(|| bad("page_size", v))?
            }
            _ => {}
        }
    }
    Ok(f)
}

/// The entity types a list search may name (the query's type hint).
pub fn search_type(v: Option<&str>) -> Result<kean_screen::EntityType, AppError> {
    use kean_screen::EntityType as T;
    match v.map(str::trim).unwrap_or("") {
        "" | "unknown" => Ok(T::Unknown),
        "organization" => Ok(T::Organization),
        "person" => Ok(T::Person),
        other => Err(AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "type",
                format!("类型“{other}”无效，应为 organization、person 或留空"),
                format!("type '{other}' is not one of organization, person or empty"),
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn the_dashboard_opens_on_the_year_to_date() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (f, notice) = stat_filter(&HashMap::new(), today, Lang::Zh);
        assert_eq!((f.from, f.to), (day("2026-01-01"), today));
        assert!(notice.is_empty());
        let q: HashMap<String, String> = [
            ("from".to_string(), "2025-01-01".to_string()),
            ("to".to_string(), "2025-12-31".to_string()),
        ]
        .into();
        let (f, _) = stat_filter(&q, today, Lang::Zh);
        assert_eq!((f.from, f.to), (day("2025-01-01"), day("2025-12-31")));
        let q: HashMap<String, String> = [("from".to_string(), "2025-13-01".to_string())].into();
        let (f, notice) = stat_filter(&q, today, Lang::Zh);
        assert_eq!(
            (f.from, notice.len()),
            (day("2026-01-01"), 1),
            "an unusable day is reported, the default kept"
        );
    }

    #[test]
    fn list_params_strict_names_the_bad_parameter() {
        let e = parse_list_params(Kind::TechContract, &pairs(&[("colour", "red")]), true)
            .err()
            .unwrap();
        assert_eq!(e.fields[0].field, "colour");
        let e = parse_list_params(Kind::TechContract, &pairs(&[("contract_type", "bribe")]), true)
            .err()
            .unwrap();
        assert_eq!(e.fields[0].field, "contract_type");
        let e = parse_list_params(Kind::TechContract, &pairs(&[("page_size", "100000")]), true)
            .err()
            .unwrap();
        assert_eq!(e.fields[0].field, "page_size");
        assert!(parse_list_params(Kind::TechContract, &pairs(&[("colour", "red")]), false).is_ok());
    }

    #[test]
    fn list_params_read_filters_dates_and_sort() {
        let p = parse_list_params(
            Kind::TechContract,
            &pairs(&[
                ("q", "晋中"),
                ("contract_type", "licensing"),
                ("signed_on_from", "2025-01-01"),
                ("sort", "signed_on"),
                ("order", "desc"),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(p.query.keyword.as_deref(), Some("晋中"));
        assert_eq!(
            p.query.filters,
            vec![("contract_type", Value::Text("licensing".into()))]
        );
        assert_eq!(p.query.sort, Some(("signed_on", true)));
        assert_eq!(p.query.date_range.map(|d| d.0), Some("signed_on"));
        // Links keep the range as a range, not as an exact date.
        assert_eq!(p.filters, vec![("contract_type", "licensing".to_string())]);
        assert_eq!(p.carry, vec![("signed_on_from".to_string(), "2025-01-01".to_string())]);
    }
}
