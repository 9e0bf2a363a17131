//! View helpers shared by pages, exports and the API: how values read,
//! how list parameters parse, and the page chrome (menu, user, language).

use std::collections::HashMap;

use kean_app::{Access, AppError, ArchivedFilter, ListQuery};
use kean_core::country::{COUNTRIES, country_name};
use kean_core::policy::Action;
use kean_core::record::parse_date;
use kean_core::schema::{Field, FieldType};
use kean_core::{ErrorCode, FieldError, Kind, Value};

use crate::i18n::Lang;

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// An option of a select box.
#[derive(Debug, Clone)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A value as people read it: choice labels, reference names, grouped
/// amounts, country names.
pub fn display_value(f: &Field, v: &Value, labels: &HashMap<(Kind, i64), String>, lang: Lang) -> String {
    match (f.ty, v) {
        (_, Value::Null) => String::new(),
        (FieldType::Enum(_), Value::Text(code)) => f.choice_label(code, lang.zh()).unwrap_or(code).to_string(),
        (FieldType::Country, Value::Text(code)) => country_name(code, lang.zh()).unwrap_or(code).to_string(),
        (FieldType::Ref(k), Value::Ref(id)) => labels.get(&(k, *id)).cloned().unwrap_or_else(|| format!("#{id}")),
        (_, Value::Money(m)) => m.display_yuan(),
        (_, Value::Bool(b)) => lang.t(if *b { "form.yes" } else { "form.no" }).to_string(),
        (_, other) => other.to_input(),
    }
}

/// Choices offered for filtering or picking a value of `f`.
pub async fn options_for(access: &Access, f: &Field, current: &str, lang: Lang) -> Result<Vec<Opt>, AppError> {
    let opt = |value: String, label: String| Opt {
        selected: value == current,
        value,
        label,
    };
    Ok(match f.ty {
        FieldType::Enum(cs) => cs
            .iter()
            .map(|c| opt(c.code.into(), if lang.zh() { c.zh } else { c.en }.into()))
            .collect(),
        FieldType::Country => COUNTRIES
            .iter()
            .map(|(c, zh, en)| opt(c.to_string(), format!("{} {}", c, if lang.zh() { zh } else { en })))
            .collect(),
        FieldType::Bool => vec![
            opt("true".into(), lang.t("form.yes").into()),
            opt("false".into(), lang.t("form.no").into()),
        ],
        FieldType::Ref(k) => {
            let mut v: Vec<Opt> = access
                .options(k, 2000)
                .await?
                .into_iter()
                .map(|(id, l)| opt(id.to_string(), l))
                .collect();
            if !current.is_empty()
                && !v.iter().any(|o| o.selected)
                && let Ok(id) = current.parse::<i64>()
                && let Ok((r, _)) = access.get(k, id).await
            {
                v.insert(
                    0,
                    Opt {
                        value: current.into(),
                        label: r.fields.label(),
                        selected: true,
                    },
                );
            }
            v
        }
        _ => vec![],
    })
}

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
}

fn bad_param(name: &str, zh: String, en: String) -> AppError {
    AppError::field(ErrorCode::BadRequest, FieldError::new(name, zh, en))
}

/// Reads `q`, `page`, `page_size`, `sort`, `order`, `archived`,
/// `<date field>_from` / `_to` and exact filters on the kind's fields. With
/// `strict` (the API) an unknown or malformed parameter is an error naming
/// it; pages ignore what they cannot use.
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
    };
    let mut order_desc = None;
    let mut sort_field: Option<&'static str> = None;
    for (k, v) in pairs {
        let v = v.trim();
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
                            if strict {
                                return Err(bad_param(
                                    other,
                                    format!("“{v}”不是有效日期"),
                                    format!("'{v}' is not a date"),
                                ));
                            }
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

// ---------------- page chrome ----------------

pub struct MenuItem {
    pub label: String,
    pub href: String,
    pub active: bool,
}

pub struct MenuGroup {
    pub title: String,
    pub items: Vec<MenuItem>,
}

/// What every page around its content shows.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user_name: String,
    pub role_label: String,
    pub csrf: String,
    pub menu: Vec<MenuGroup>,
    pub flash: Option<String>,
    /// Whether the page draws charts (loads ECharts).
    pub charts: bool,
}

impl Chrome {
    pub fn new(access: &Access, csrf: &str, lang: Lang, title: &str, active: &str) -> Chrome {
        let item = |label: &str, href: String| MenuItem {
            active: href == active,
            label: label.to_string(),
            href,
        };
        let kind_item = |k: Kind| item(k.label(lang.zh()), format!("/registry/{}", k.slug()));
        let mut menu = vec![
            MenuGroup {
                title: String::new(),
                items: vec![item(lang.t("menu.home"), "/".into())],
            },
            MenuGroup {
                title: lang.t("menu.registry").into(),
                items: [
                    Kind::Organization,
                    Kind::Platform,
                    Kind::Person,
                    Kind::Contract,
                    Kind::Achievement,
                    Kind::Transfer,
                    Kind::RevenueReport,
                ]
                .into_iter()
                .map(kind_item)
                .collect(),
            },
            MenuGroup {
                title: lang.t("menu.reference").into(),
                items: [Kind::District, Kind::IndustryChain]
                    .into_iter()
                    .map(kind_item)
                    .collect(),
            },
        ];
        if access.may(Action::ReadScreening, None) {
            menu.push(MenuGroup {
                title: lang.t("menu.screening").into(),
                items: vec![
                    item(lang.t("menu.hits"), "/screening".into()),
                    item(lang.t("menu.lists"), "/screening/lists".into()),
                ],
            });
        }
        let mut system = vec![];
        if access.may(Action::ManageUsers, None) {
            system.push(item(lang.t("menu.users"), "/system/users".into()));
        }
        if access.may(Action::ReadAudit, None) {
            system.push(item(lang.t("menu.audit"), "/system/audit".into()));
        }
        if !system.is_empty() {
            menu.push(MenuGroup {
                title: lang.t("menu.system").into(),
                items: system,
            });
        }
        let a = access.actor();
        Chrome {
            lang,
            title: title.to_string(),
            user_name: a.display_name().to_string(),
            role_label: a.role().label(lang.zh()).to_string(),
            csrf: csrf.to_string(),
            menu,
            flash: None,
            charts: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn list_params_strict_names_the_bad_parameter() {
        let e = parse_list_params(Kind::Contract, &pairs(&[("colour", "red")]), true)
            .err()
            .unwrap();
        assert_eq!(e.fields[0].field, "colour");
        let e = parse_list_params(Kind::Contract, &pairs(&[("contract_type", "bribe")]), true)
            .err()
            .unwrap();
        assert_eq!(e.fields[0].field, "contract_type");
        let e = parse_list_params(Kind::Contract, &pairs(&[("page_size", "100000")]), true)
            .err()
            .unwrap();
        assert_eq!(e.fields[0].field, "page_size");
        assert!(parse_list_params(Kind::Contract, &pairs(&[("colour", "red")]), false).is_ok());
    }

    #[test]
    fn list_params_read_filters_dates_and_sort() {
        let p = parse_list_params(
            Kind::Contract,
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
