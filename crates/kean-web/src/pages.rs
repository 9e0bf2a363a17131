//! Server-rendered pages.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use kean_app::{AppError, SessionKind};
use kean_core::policy::Action;
use kean_core::record::high_tech_valid_until;
use kean_core::schema::FieldType;
use kean_core::{ErrorCode, Kind, Record, Role, Value};

use crate::AppState;
use crate::auth::{LANG_COOKIE, PRE_COOKIE, WebForm, WebUser, cookie, lang_of, same_secret, session_cookie};
use crate::i18n::Lang;
use crate::views::{Chrome, Opt, display_value, options_for, parse_list_params, url_encode};

pub(crate) fn render(t: &impl Template, status: StatusCode) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("template: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    message: String,
}

/// An error page for a logged-in user.
pub(crate) fn error_page(u: &WebUser, e: AppError) -> Response {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
    let mut message = if u.lang.zh() {
        e.message_zh.clone()
    } else {
        e.message_en.clone()
    };
    for f in &e.fields {
        if (if u.lang.zh() { &f.message_zh } else { &f.message_en }) != &message {
            message.push_str(" — ");
            message.push_str(if u.lang.zh() { &f.message_zh } else { &f.message_en });
        }
    }
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("error.title"), "");
    render(
        &ErrorPage {
            c,
            status: status.as_u16(),
            message,
        },
        status,
    )
}

/// An error before we know who is asking (plain page, no menu).
pub fn error_page_bare(lang: Lang, e: AppError) -> Response {
    if e.code == ErrorCode::Internal {
        tracing::error!("internal error: {}", e.detail.as_deref().unwrap_or(""));
    }
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let msg = if lang.zh() { e.message_zh } else { e.message_en };
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"/static/app.css\"><title>{}</title></head><body><div class=\"content\"><div class=\"panel error-page\"><h2>{} ({})</h2><p id=\"error-message\">{}</p><p><a class=\"btn\" href=\"/\">{}</a></p></div></div></body></html>",
        lang.t("error.title"),
        lang.t("error.title"),
        status.as_u16(),
        html_escape(&msg),
        lang.t("error.home")
    );
    (status, Html(body)).into_response()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The registry and record id from the path, or an error page.
fn record_of(u: &WebUser, slug: &str, id_text: &str) -> Result<(Kind, i64), Response> {
    Ok((kind_of(u, slug)?, id_of(u, id_text)?))
}

/// The record id from the path, or an error page saying it is not one.
fn id_of(u: &WebUser, text: &str) -> Result<i64, Response> {
    text.parse::<i64>().ok().filter(|i| *i > 0).ok_or_else(|| {
        error_page(
            u,
            AppError::new(
                ErrorCode::BadRequest,
                format!("“{text}”不是有效的记录编号"),
                format!("'{text}' is not a record id"),
            ),
        )
    })
}

pub(crate) fn kind_of(u: &WebUser, slug: &str) -> Result<Kind, Response> {
    Kind::from_slug(slug).ok_or_else(|| error_page(u, AppError::not_found()))
}

// ---------------- login ----------------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

/// The login form carries a pre-session CSRF token that must equal a
/// cookie set with it (double submit), so another site cannot log a
/// browser into an account of its choosing.
fn login_form(lang: Lang, next: String, username: String, error: Option<String>, status: StatusCode) -> Response {
    // An empty token (random source failed) matches no submitted form: login fails safe.
    let csrf = kean_app::random_token().unwrap_or_default();
    let page = LoginPage {
        lang,
        csrf: csrf.clone(),
        next,
        username,
        error,
    };
    let mut res = render(&page, status);
    if let Ok(v) = format!("{PRE_COOKIE}={csrf}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600").parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn safe_next(next: &str) -> String {
    // Only local paths: never redirect to another site after login.
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

pub async fn login_page(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let next = safe_next(q.get("next").map(String::as_str).unwrap_or("/"));
    login_form(lang_of(&headers), next, String::new(), None, StatusCode::OK)
}

pub async fn login_submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    axum::extract::Form(form): axum::extract::Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers);
    let username = form.get("username").cloned().unwrap_or_default();
    let next = safe_next(form.get("next").map(String::as_str).unwrap_or("/"));
    let sent = form.get("_csrf").map(String::as_str).unwrap_or("");
    let expected = cookie(&headers, PRE_COOKIE).unwrap_or("");
    if expected.is_empty() || !same_secret(sent, expected) {
        let msg = lang.t("error.title").to_string()
            + "："
            + if lang.zh() {
                "页面已过期，请重新登录"
            } else {
                "the page expired; please sign in again"
            };
        return login_form(lang, next, username, Some(msg), StatusCode::FORBIDDEN);
    }
    let password = form.get("password").cloned().unwrap_or_default();
    match st.app.login(&username, &password, SessionKind::Web).await {
        Ok(ok) => {
            let mut res = Redirect::to(&next).into_response();
            let max_age = 8 * 3600;
            if let Ok(v) = session_cookie(&ok.token, max_age, st.app.settings().secure_cookies).parse() {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            res
        }
        Err(e) => {
            if e.code == ErrorCode::Internal {
                tracing::error!("login: {}", e.detail.as_deref().unwrap_or(""));
            }
            let msg = if lang.zh() { e.message_zh } else { e.message_en };
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
            login_form(lang, next, username, Some(msg), status)
        }
    }
}

pub async fn logout(State(st): State<AppState>, f: WebForm) -> Response {
    if let Err(e) = st.app.logout(&f.user.token, &f.user.access).await {
        return error_page(&f.user, e);
    }
    let mut res = Redirect::to("/login").into_response();
    if let Ok(v) = session_cookie("", 0, st.app.settings().secure_cookies).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub async fn set_lang(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let code = if lang == "en" { "en" } else { "zh" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .map(|p| safe_next(&p))
        .unwrap_or_else(|| "/".into());
    let mut res = Redirect::to(&back).into_response();
    if let Ok(v) = format!("{LANG_COOKIE}={code}; Path=/; SameSite=Lax; Max-Age=31536000").parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

// ---------------- home: the statistics dashboard ----------------

pub struct Card {
    label: String,
    count: i64,
    href: String,
}

pub struct FigureCard {
    id: &'static str,
    label: String,
    value: String,
    unit: String,
    sub: String,
    href: String,
}

pub struct ChartView {
    title: String,
    /// ECharts option as JSON (escaped by the template into an attribute).
    option: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    from: String,
    to: String,
    filters: Vec<FilterView>,
    years: Vec<i32>,
    notice: String,
    scope_note: String,
    figures: Vec<FigureCard>,
    charts: Vec<ChartView>,
    cards: Vec<Card>,
    export_query: String,
}

/// An amount the way bureau reports state it: 亿元 from one hundred
/// million up, else 万元.
pub fn amount_text(f: kean_core::Fen, lang: Lang) -> (String, String) {
    let yuan = f.0 as f64 / 100.0;
    if lang.zh() {
        if yuan >= 1e8 {
            let s = format!("{:.4}", yuan / 1e8);
            let s = s.trim_end_matches('0').trim_end_matches('.').to_string();
            (s, "亿元".into())
        } else {
            (f.display_wan(), "万元".into())
        }
    } else if yuan >= 1e6 {
        (format!("{:.2}", yuan / 1e6), "million CNY".into())
    } else {
        (f.display_yuan(), "CNY".into())
    }
}

fn growth_text(g: Option<f64>, lang: Lang) -> String {
    match g {
        Some(x) => format!("{}{:+.1}%", lang.t("stats.yoy"), x * 100.0),
        None => format!("{}—", lang.t("stats.yoy")),
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
    let mut f = kean_app::StatFilter::year(today.year() - 1);
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
    if let Some(d) = date("from", &mut notice) {
        f.from = d;
    }
    if let Some(d) = date("to", &mut notice) {
        f.to = d;
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

/// Names of the districts and industry chains the dashboard groups by.
pub(crate) struct BucketNames {
    pub districts: HashMap<i64, String>,
    pub chains: HashMap<i64, String>,
}

impl BucketNames {
    pub async fn load(access: &kean_app::Access) -> Result<BucketNames, AppError> {
        let map = |v: Vec<(i64, String)>| v.into_iter().collect::<HashMap<i64, String>>();
        Ok(BucketNames {
            districts: map(access.options(Kind::District, 500).await?),
            chains: map(access.options(Kind::IndustryChain, 500).await?),
        })
    }

    /// The name for a bucket key (an id as text); "none" for an empty key.
    pub fn name(&self, m: &HashMap<i64, String>, key: &str, lang: Lang) -> String {
        key.parse::<i64>()
            .ok()
            .and_then(|i| m.get(&i).cloned())
            .unwrap_or_else(|| {
                if key.is_empty() {
                    lang.t("stats.none").into()
                } else {
                    key.into()
                }
            })
    }
}

pub async fn home(u: WebUser, Query(q): Query<HashMap<String, String>>) -> Response {
    use serde_json::json;
    let zh = u.lang.zh();
    let (filter, notice) = stat_filter(&q, u.access.today(), u.lang);
    let d = match u.access.dashboard(&filter).await {
        Ok(d) => d,
        Err(e) => return error_page(&u, e),
    };
    let names = match BucketNames::load(&u.access).await {
        Ok(n) => n,
        Err(e) => return error_page(&u, e),
    };
    let (districts, chains) = (&names.districts, &names.chains);
    let id_name = |m: &HashMap<i64, String>, key: &str| names.name(m, key, u.lang);
    let level_field = Kind::Platform.field("level");
    let type_field = Kind::Platform.field("platform_type");
    let choice = |f: Option<&'static kean_core::Field>, key: &str| {
        f.and_then(|f| f.choice_label(key, zh)).unwrap_or(key).to_string()
    };

    // The platform card lists all platforms under the same organization filters.
    let platforms_href = {
        let mut p: Vec<String> = vec![];
        if let Some(x) = filter.district_id {
            p.push(format!("owner_district_id={x}"));
        }
        if let Some(x) = &filter.org_type {
            p.push(format!("owner_org_type={x}"));
        }
        if let Some(x) = filter.industry_chain_id {
            p.push(format!("industry_chain_id={x}"));
        }
        format!("/registry/platforms?{}", p.join("&"))
    };
    let levels: Vec<String> = d
        .platforms_by_level
        .iter()
        .map(|b| format!("{} {}", choice(level_field, &b.key), b.count))
        .collect();
    let sep = if zh { "" } else { " " };
    let (cv, cu) = amount_text(d.contracts.amount(0), u.lang);
    let (tv, tu) = amount_text(d.contracts.amount(1), u.lang);
    let (rv, ru) = amount_text(d.tech_service.amount(0), u.lang);
    let (xv, xu) = amount_text(d.transfers.amount(0), u.lang);
    let figures = vec![
        FigureCard {
            id: "platforms",
            label: u.lang.t("stats.platforms").into(),
            value: d.platforms_total.to_string(),
            unit: u.lang.t("unit.platform").into(),
            sub: levels.join(" · "),
            href: platforms_href,
        },
        FigureCard {
            id: "high_tech",
            label: u.lang.t("stats.high_tech").into(),
            value: d.high_tech_valid.to_string(),
            unit: u.lang.t("unit.enterprise").into(),
            sub: format!("{} {}", u.lang.t("stats.valid_on"), d.to),
            href: d.high_tech_link.clone(),
        },
        FigureCard {
            id: "contracts",
            label: u.lang.t("stats.contracts").into(),
            value: d.contracts.count.to_string(),
            unit: u.lang.t("unit.contract").into(),
            sub: growth_text(d.contracts.count_growth(), u.lang),
            href: d.contracts.link.clone(),
        },
        FigureCard {
            id: "contract_value",
            label: u.lang.t("stats.contract_value").into(),
            value: cv,
            unit: cu,
            sub: format!(
                "{} · {} {tv}{sep}{tu}",
                growth_text(d.contracts.growth(0), u.lang),
                u.lang.t("stats.tech_value")
            ),
            href: d.contracts.link.clone(),
        },
        FigureCard {
            id: "tech_service",
            label: u.lang.t("stats.tech_service").into(),
            value: rv,
            unit: ru,
            sub: format!(
                "{} {} · {}",
                d.tech_service.count,
                u.lang.t("stats.reporting"),
                growth_text(d.tech_service.growth(0), u.lang)
            ),
            href: d.tech_service.link.clone(),
        },
        FigureCard {
            id: "transfers",
            label: u.lang.t("stats.transfers").into(),
            value: d.transfers.count.to_string(),
            unit: u.lang.t("unit.item").into(),
            sub: format!(
                "{} {xv}{sep}{xu} · {}",
                u.lang.t("stats.amount"),
                growth_text(d.transfers.growth(0), u.lang)
            ),
            href: d.transfers.link.clone(),
        },
    ];
    let wan = |fen: i64| (fen as f64 / 1_000_000.0 * 100.0).round() / 100.0;
    let unit_wan = if zh { "万元" } else { "10k CNY" };
    let mut charts = vec![];
    charts.push(ChartView {
        title: u.lang.t("chart.contracts_month").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [u.lang.t("chart.count"), format!("{} ({unit_wan})", u.lang.t("stats.contract_value"))]},
            "grid": {"left": 50, "right": 60, "bottom": 30, "top": 40},
            "xAxis": {"type": "category", "data": d.contracts_by_month.iter().map(|b| b.key.clone()).collect::<Vec<_>>()},
            "yAxis": [{"type": "value", "name": u.lang.t("chart.count")}, {"type": "value", "name": unit_wan}],
            "series": [
                {"name": u.lang.t("chart.count"), "type": "bar", "data": d.contracts_by_month.iter().map(|b| json!({"value": b.count, "link": b.link})).collect::<Vec<_>>()},
                {"name": format!("{} ({unit_wan})", u.lang.t("stats.contract_value")), "type": "line", "yAxisIndex": 1, "data": d.contracts_by_month.iter().map(|b| json!({"value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}
            ]
        }).to_string(),
    });
    charts.push(ChartView {
        title: u.lang.t("chart.contracts_district").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 60, "right": 20, "bottom": 50, "top": 30},
            "xAxis": {"type": "category", "axisLabel": {"interval": 0, "rotate": 30}, "data": d.contracts_by_district.iter().map(|b| id_name(districts, &b.key)).collect::<Vec<_>>()},
            "yAxis": {"type": "value", "name": unit_wan},
            "series": [{"type": "bar", "name": u.lang.t("stats.contract_value"), "data": d.contracts_by_district.iter().map(|b| json!({"value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
    });
    charts.push(ChartView {
        title: u.lang.t("chart.contracts_chain").into(),
        option: json!({
            "tooltip": {"trigger": "item", "formatter": format!("{{b}}: {{c}} {unit_wan} ({{d}}%)")},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "data": d.contracts_by_chain.iter().map(|b| json!({"name": id_name(chains, &b.key), "value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
    });
    charts.push(ChartView {
        title: u.lang.t("chart.platforms").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 40, "right": 20, "bottom": 60, "top": 30},
            "xAxis": {"type": "category", "axisLabel": {"interval": 0, "rotate": 20}, "data": d.platforms_by_type.iter().map(|b| choice(type_field, &b.key)).collect::<Vec<_>>()},
            "yAxis": {"type": "value"},
            "series": [{"type": "bar", "name": u.lang.t("stats.platforms"), "data": d.platforms_by_type.iter().map(|b| json!({"value": b.count, "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
    });
    charts.push(ChartView {
        title: u.lang.t("chart.transfers_month").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 60, "right": 20, "bottom": 30, "top": 30},
            "xAxis": {"type": "category", "data": d.transfers_by_month.iter().map(|b| b.key.clone()).collect::<Vec<_>>()},
            "yAxis": {"type": "value", "name": unit_wan},
            "series": [{"type": "bar", "name": u.lang.t("stats.amount"), "data": d.transfers_by_month.iter().map(|b| json!({"value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
    });

    let mut cards = vec![];
    for k in Kind::ALL {
        match u.access.count(k).await {
            Ok(n) => cards.push(Card {
                label: k.label(zh).into(),
                count: n,
                href: format!("/registry/{}", k.slug()),
            }),
            Err(e) => return error_page(&u, e),
        }
    }
    let mut filters = vec![];
    for (name, kind_field) in [
        ("district_id", Kind::Organization.field("district_id")),
        ("industry_chain_id", Kind::Organization.field("industry_chain_id")),
        ("org_type", Kind::Organization.field("org_type")),
    ] {
        let Some(f) = kind_field else { continue };
        let current = q.get(name).cloned().unwrap_or_default();
        match options_for(&u.access, f, &current, u.lang).await {
            Ok(options) => filters.push(FilterView {
                name: f.name,
                label: f.label(zh).into(),
                options,
            }),
            Err(e) => return error_page(&u, e),
        }
    }
    let scope_note = if u.access.actor().org_id().is_some() {
        u.lang.t("home.scope_org")
    } else {
        u.lang.t("home.scope_all")
    };
    use chrono::Datelike;
    let this_year = u.access.today().year();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("menu.home"), "/");
    c.charts = true;
    let page = HomePage {
        c,
        from: d.from.to_string(),
        to: d.to.to_string(),
        filters,
        years: (this_year - 3..=this_year).rev().collect(),
        notice: notice.join("；"),
        scope_note: scope_note.into(),
        figures,
        charts,
        cards,
        export_query: {
            let mut p = vec![format!("from={}", d.from), format!("to={}", d.to)];
            if let Some(x) = filter.district_id {
                p.push(format!("district_id={x}"));
            }
            if let Some(x) = filter.industry_chain_id {
                p.push(format!("industry_chain_id={x}"));
            }
            if let Some(x) = &filter.org_type {
                p.push(format!("org_type={}", url_encode(x)));
            }
            p.join("&")
        },
    };
    render(&page, StatusCode::OK)
}

// ---------------- list ----------------

pub struct Column {
    label: String,
    sort_href: String,
    sort_mark: &'static str,
}

pub struct Row {
    id: i64,
    cells: Vec<Cell>,
    archived: bool,
}

pub struct Cell {
    text: String,
    /// CSS class: `num` for amounts, `nowrap` for dates and codes.
    class: &'static str,
}

pub struct FilterView {
    name: &'static str,
    label: String,
    options: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    c: Chrome,
    base: String,
    keyword: String,
    /// The kind's period field: (name, label, from, to).
    period: Option<(&'static str, String, String, String)>,
    /// Filters on the owning organization that came with the link, shown
    /// so the user sees why the list is narrowed.
    owner_note: String,
    owner_hidden: Vec<(String, String)>,
    filters: Vec<FilterView>,
    archived: &'static str,
    columns: Vec<Column>,
    rows: Vec<Row>,
    total_text: String,
    page: u32,
    pages: String,
    page_size: u32,
    page_sizes: Vec<Opt>,
    prev_href: Option<String>,
    next_href: Option<String>,
    export_href: String,
    export_xlsx_href: String,
    can_create: bool,
    can_update: bool,
    can_archive: bool,
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn list(u: WebUser, Path(slug): Path<String>, Query(pairs): Query<Vec<(String, String)>>) -> Response {
    let kind = match kind_of(&u, &slug) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let params = match parse_list_params(kind, &pairs, false) {
        Ok(p) => p,
        Err(e) => return error_page(&u, e),
    };
    let listing = match u.access.list(kind, &params.query).await {
        Ok(l) => l,
        Err(e) => return error_page(&u, e),
    };
    let zh = u.lang.zh();
    let base = format!("/registry/{}", kind.slug());
    // The parameters every link keeps.
    let mut keep: Vec<(String, String)> = vec![("q".into(), params.keyword.clone())];
    keep.extend(params.filters.iter().map(|(k, v)| (k.to_string(), v.clone())));
    keep.extend(params.carry.iter().cloned());
    if params.archived != "active" {
        keep.push(("archived".into(), params.archived.into()));
    }
    let with = |extra: &[(&str, String)]| {
        let mut p = keep.clone();
        for (k, v) in extra {
            p.push((k.to_string(), v.clone()));
        }
        format!("{base}?{}", query_string(&p))
    };
    let page_size = listing.page.page_size;
    let sort_pairs = |page: u32| -> Vec<(&str, String)> {
        let mut v = vec![("page", page.to_string()), ("page_size", page_size.to_string())];
        if let Some((f, desc)) = params.sort {
            v.push(("sort", f.to_string()));
            v.push(("order", if desc { "desc" } else { "asc" }.to_string()));
        }
        v
    };
    let fields: Vec<_> = kind.fields().iter().filter(|f| f.list).collect();
    let columns = fields
        .iter()
        .map(|f| {
            let (mark, next_desc) = match params.sort {
                Some((s, false)) if s == f.name => ("▲", true),
                Some((s, true)) if s == f.name => ("▼", false),
                _ => ("", false),
            };
            Column {
                label: f.label(zh).into(),
                sort_href: with(&[
                    ("sort", f.name.to_string()),
                    ("order", if next_desc { "desc" } else { "asc" }.to_string()),
                    ("page_size", page_size.to_string()),
                ]),
                sort_mark: mark,
            }
        })
        .collect();
    let rows = listing
        .page
        .items
        .iter()
        .map(|r| Row {
            id: r.id,
            archived: r.archived,
            cells: fields
                .iter()
                .map(|f| {
                    let v = r.fields.get(f.name);
                    let s = display_value(f, v, &listing.labels, u.lang);
                    // Personal values are masked in every list, for every
                    // role: in full (if the policy allows) only on the
                    // record's own page.
                    let text = if f.personal {
                        kean_core::policy::mask_personal(&s)
                    } else {
                        s
                    };
                    let class = match f.ty {
                        FieldType::Money => "num",
                        FieldType::Date | FieldType::CreditCode | FieldType::Digits { .. } => "nowrap",
                        _ => "",
                    };
                    Cell { text, class }
                })
                .collect(),
        })
        .collect();
    let mut filters = vec![];
    for f in kind.fields().iter().filter(|f| f.filter) {
        let current = params
            .filters
            .iter()
            .find(|(n, _)| *n == f.name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        match options_for(&u.access, f, current, u.lang).await {
            Ok(options) => filters.push(FilterView {
                name: f.name,
                label: f.label(zh).into(),
                options,
            }),
            Err(e) => return error_page(&u, e),
        }
    }
    let page = listing.page.page;
    // Past the count cap the number of pages is unknown: the pager shows
    // "N+" and goes on while pages come back full.
    let exact = listing.page.total_is_exact;
    let more = !exact && listing.page.items.len() as u32 >= listing.page.page_size;
    let pages_n = listing.page.pages().max(page);
    let pages = if exact {
        pages_n.to_string()
    } else {
        format!("{pages_n}+")
    };
    let page_sizes = [10u32, 20, 50, 100]
        .iter()
        .map(|s| Opt {
            value: with(&[("page_size", s.to_string())]),
            label: s.to_string(),
            selected: *s == page_size,
        })
        .collect();
    let mut export_pairs = keep.clone();
    if let Some((f, desc)) = params.sort {
        export_pairs.push(("sort".into(), f.into()));
        export_pairs.push(("order".into(), if desc { "desc" } else { "asc" }.into()));
    }
    let period = kind.period_field().and_then(|n| kind.field(n)).map(|f| {
        let get = |suffix: &str| {
            params
                .carry
                .iter()
                .find(|(k, _)| *k == format!("{}_{suffix}", f.name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        (f.name, f.label(zh).to_string(), get("from"), get("to"))
    });
    let mut owner_note = vec![];
    for (k, v) in params.carry.iter().filter(|(k, _)| k.starts_with("owner_")) {
        let Some(f) = Kind::Organization.field(&k["owner_".len()..]) else {
            continue;
        };
        let shown = match f.ty {
            FieldType::Ref(rk) => match v.parse::<i64>() {
                Ok(id) => u
                    .access
                    .get(rk, id)
                    .await
                    .map(|(r, _)| r.fields.label())
                    .unwrap_or_else(|_| v.clone()),
                Err(_) => v.clone(),
            },
            _ => f.choice_label(v, zh).unwrap_or(v).to_string(),
        };
        owner_note.push(format!("{}{} = {shown}", u.lang.t("list.owner_prefix"), f.label(zh)));
    }
    let page_view = ListPage {
        c: {
            let mut c = Chrome::new(&u.access, &u.csrf, u.lang, kind.label(zh), &base);
            let param = |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse::<usize>().ok())
            };
            if let Some(n) = param("imported") {
                let mut text = crate::exchange::fill(u.lang.t("import.done"), &[n.to_string()]);
                if let Some(m) = param("flagged").filter(|m| *m > 0) {
                    text.push_str(&crate::exchange::fill(u.lang.t("scr.imported_hits"), &[m.to_string()]));
                }
                c.flash = Some(text);
            }
            c
        },
        keyword: params.keyword.clone(),
        period,
        owner_note: owner_note.join("；"),
        owner_hidden: params
            .carry
            .iter()
            .filter(|(k, _)| k.starts_with("owner_"))
            .cloned()
            .collect(),
        filters,
        archived: params.archived,
        columns,
        rows,
        total_text: u.lang.t("table.total").replace(
            "{}",
            &if listing.page.total_is_exact {
                listing.page.total.to_string()
            } else {
                format!("{}+", listing.page.total)
            },
        ),
        page,
        pages,
        page_size,
        page_sizes,
        prev_href: (page > 1).then(|| with(&sort_pairs(page - 1))),
        next_href: (page < pages_n || more).then(|| with(&sort_pairs(page + 1))),
        export_href: format!("{base}/export.csv?{}", query_string(&export_pairs)),
        export_xlsx_href: format!("{base}/export.xlsx?{}", query_string(&export_pairs)),
        can_create: u.access.may(Action::Create, Some(kind)),
        can_update: u.access.may(Action::Update, Some(kind)),
        can_archive: u.access.may(Action::Archive, Some(kind)),
        base,
    };
    render(&page_view, StatusCode::OK)
}

// ---------------- forms ----------------

pub struct FormField {
    /// For references: the registry to search in the picker.
    ref_slug: Option<&'static str>,
    name: &'static str,
    label: String,
    required: bool,
    widget: &'static str,
    value: String,
    options: Vec<Opt>,
    error: Option<String>,
    placeholder: Option<&'static str>,
    wide: bool,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    c: Chrome,
    heading: String,
    action: String,
    cancel_href: String,
    version: Option<i64>,
    fields: Vec<FormField>,
    errors: Vec<String>,
}

async fn form_page(
    u: &WebUser,
    kind: Kind,
    id: Option<i64>,
    version: Option<i64>,
    values: &BTreeMap<String, String>,
    err: Option<AppError>,
) -> Response {
    let zh = u.lang.zh();
    let fe = err.as_ref().map(|e| e.fields.clone()).unwrap_or_default();
    let mut fields = vec![];
    for f in kind.fields() {
        let value = values.get(f.name).cloned().unwrap_or_default();
        let widget = match f.ty {
            FieldType::LongText { .. } => "textarea",
            FieldType::Enum(_) | FieldType::Ref(_) | FieldType::Country => "select",
            FieldType::Bool => "checkbox",
            FieldType::Date => "date",
            FieldType::Money => "money",
            _ => "text",
        };
        let options = if widget == "select" {
            match options_for(&u.access, f, &value, u.lang).await {
                Ok(o) => o,
                Err(e) => return error_page(u, e),
            }
        } else {
            vec![]
        };
        let error = fe
            .iter()
            .find(|e| e.field == f.name)
            .map(|e| if zh { e.message_zh.clone() } else { e.message_en.clone() });
        let placeholder = match f.ty {
            FieldType::CreditCode => Some("18位，如 91140700MA0K0XXXXX"),
            FieldType::Money => Some("0.00"),
            FieldType::Date => Some("2025-03-01"),
            _ if f.name == "high_tech_cert_no" => Some("GR202314000123"),
            _ => None,
        };
        fields.push(FormField {
            ref_slug: match f.ty {
                FieldType::Ref(k) => Some(k.slug()),
                _ => None,
            },
            name: f.name,
            label: f.label(zh).into(),
            required: f.required,
            widget,
            value,
            options,
            error,
            placeholder,
            wide: widget == "textarea",
        });
    }
    let mut errors: Vec<String> = fe
        .iter()
        .map(|e| if zh { e.message_zh.clone() } else { e.message_en.clone() })
        .collect();
    if let Some(e) = &err
        && e.fields.is_empty()
    {
        errors.push(if zh { e.message_zh.clone() } else { e.message_en.clone() });
    }
    let base = format!("/registry/{}", kind.slug());
    let heading = format!(
        "{}{}",
        u.lang.t(if id.is_some() {
            "form.edit_title"
        } else {
            "form.new_title"
        }),
        if zh {
            kind.label(true).to_string()
        } else {
            format!(" — {}", kind.label(false))
        }
    );
    let status = match &err {
        Some(e) => StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        None => StatusCode::OK,
    };
    let page = FormPage {
        c: Chrome::new(&u.access, &u.csrf, u.lang, &heading, &base),
        heading: heading.clone(),
        action: match id {
            Some(i) => format!("{base}/{i}"),
            None => base.clone(),
        },
        cancel_href: match id {
            Some(i) => format!("{base}/{i}"),
            None => base.clone(),
        },
        version,
        fields,
        errors,
    };
    render(&page, status)
}

fn record_inputs(r: &Record) -> BTreeMap<String, String> {
    r.fields
        .iter()
        .map(|(f, v)| (f.name.to_string(), v.to_input()))
        .collect()
}

pub async fn new_form(u: WebUser, Path(slug): Path<String>) -> Response {
    let kind = match kind_of(&u, &slug) {
        Ok(k) => k,
        Err(r) => return r,
    };
    if let Err(e) = u.access.check(Action::Create, Some(kind)) {
        return error_page(&u, e);
    }
    let mut defaults = BTreeMap::new();
    for f in kind.fields() {
        if f.ty == FieldType::Country && f.required {
            defaults.insert(f.name.to_string(), "CN".to_string());
        }
        // A liaison registers for its own organization.
        if let (FieldType::Ref(Kind::Organization), Some(org)) = (f.ty, u.access.actor().org_id()) {
            defaults.insert(f.name.to_string(), org.to_string());
        }
    }
    form_page(&u, kind, None, None, &defaults, None).await
}

pub async fn create(Path(slug): Path<String>, f: WebForm) -> Response {
    let u = &f.user;
    let kind = match kind_of(u, &slug) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match u.access.create(kind, &f.form).await {
        Ok(r) => Redirect::to(&format!("/registry/{}/{}?saved=1", kind.slug(), r.id)).into_response(),
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) || !e.fields.is_empty() => {
            form_page(u, kind, None, None, &f.form, Some(e)).await
        }
        Err(e) => error_page(u, e),
    }
}

pub async fn edit_form(u: WebUser, Path((slug, id_text)): Path<(String, String)>) -> Response {
    let (kind, id) = match record_of(&u, &slug, &id_text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = u.access.check(Action::Update, Some(kind)) {
        return error_page(&u, e);
    }
    match u.access.get(kind, id).await {
        Ok((r, _)) => form_page(&u, kind, Some(id), Some(r.version), &record_inputs(&r), None).await,
        Err(e) => error_page(&u, e),
    }
}

pub async fn update(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> Response {
    let u = &f.user;
    let (kind, id) = match record_of(u, &slug, &id_text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let version = f.form.get("_version").and_then(|v| v.parse().ok());
    match u.access.update(kind, id, &f.form, version).await {
        Ok(r) => Redirect::to(&format!("/registry/{}/{}?saved=1", kind.slug(), r.id)).into_response(),
        // Someone else saved first: keep this user's input, say so, and let
        // a second save (now based on the current version) overwrite.
        Err(e) if e.code == ErrorCode::Conflict && e.fields.is_empty() => {
            let current = u.access.get(kind, id).await.map(|(r, _)| r.version).ok().or(version);
            let e = AppError {
                message_zh: format!("{}。您的修改仍保留在下方；再次保存将覆盖对方的修改。", e.message_zh),
                message_en: format!(
                    "{}. Your changes are kept below; saving again overwrites the other edit.",
                    e.message_en
                ),
                ..e
            };
            form_page(u, kind, Some(id), current, &f.form, Some(e)).await
        }
        Err(e) if matches!(e.code, ErrorCode::ValidationFailed | ErrorCode::Conflict) || !e.fields.is_empty() => {
            form_page(u, kind, Some(id), version, &f.form, Some(e)).await
        }
        Err(e) => error_page(u, e),
    }
}

async fn set_archived(slug: String, id_text: String, f: WebForm, archived: bool) -> Response {
    let u = &f.user;
    let (kind, id) = match record_of(u, &slug, &id_text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match u.access.set_archived(kind, id, archived).await {
        Ok(_) if archived => Redirect::to(&format!("/registry/{}", kind.slug())).into_response(),
        Ok(_) => Redirect::to(&format!("/registry/{}/{id}", kind.slug())).into_response(),
        Err(e) => error_page(u, e),
    }
}

pub async fn archive(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> Response {
    set_archived(slug, id_text, f, true).await
}

pub async fn restore(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> Response {
    set_archived(slug, id_text, f, false).await
}

// ---------------- detail ----------------

pub struct DetailItem {
    label: String,
    value: String,
    href: Option<String>,
}

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    c: Chrome,
    base: String,
    heading: String,
    id: i64,
    version: i64,
    created_at: String,
    updated_at: String,
    archived: bool,
    items: Vec<DetailItem>,
    can_update: bool,
    can_archive: bool,
    screening: Option<crate::screening::PartyPanel>,
}

pub async fn detail(
    u: WebUser,
    Path((slug, id_text)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let (kind, id) = match record_of(&u, &slug, &id_text) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (r, labels) = match u.access.get(kind, id).await {
        Ok(x) => x,
        Err(e) => return error_page(&u, e),
    };
    let zh = u.lang.zh();
    let mut items = vec![];
    for (f, v) in r.fields.iter() {
        let href = match (f.ty, v) {
            (FieldType::Ref(k), Value::Ref(rid)) if labels.contains_key(&(k, *rid)) => {
                Some(format!("/registry/{}/{rid}", k.slug()))
            }
            _ => None,
        };
        // Personal values arrive masked from the gate for roles the policy
        // does not show them to.
        let value = display_value(f, v, &labels, u.lang);
        items.push(DetailItem {
            label: f.label(zh).into(),
            value,
            href,
        });
    }
    if kind == Kind::Organization
        && let Some(d) = r.fields.get("high_tech_issued_on").as_date()
    {
        let until = high_tech_valid_until(d);
        let state = u.lang.t(if until >= u.access.today() {
            "detail.valid"
        } else {
            "detail.expired"
        });
        items.push(DetailItem {
            label: u.lang.t("detail.valid_until").into(),
            value: format!("{until}（{state}）"),
            href: None,
        });
    }
    let base = format!("/registry/{}", kind.slug());
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, kind.label(zh), &base);
    if q.contains_key("saved") {
        c.flash = Some(u.lang.t("saved").into());
    }
    let page = DetailPage {
        c,
        heading: r.fields.label(),
        base,
        id: r.id,
        version: r.version,
        created_at: kean_core::display_time(&r.created_at),
        updated_at: kean_core::display_time(&r.updated_at),
        archived: r.archived,
        items,
        can_update: u.access.may(Action::Update, Some(kind)),
        can_archive: u.access.may(Action::Archive, Some(kind)),
        screening: crate::screening::party_panel(&u, kind, r.id).await,
    };
    render(&page, StatusCode::OK)
}

// ---------------- users ----------------

pub struct UserRow {
    id: i64,
    locked: bool,
    disabled: bool,
    username: String,
    display_name: String,
    role: String,
    org: String,
    status: String,
    created_at: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: Chrome,
    users: Vec<UserRow>,
    roles: Vec<Opt>,
    orgs: Vec<Opt>,
    errors: Vec<String>,
    form_username: String,
    form_display: String,
}

async fn users_page(
    u: &WebUser,
    form: &BTreeMap<String, String>,
    err: Option<AppError>,
    flash: Option<String>,
) -> Response {
    let users = match u.access.users().await {
        Ok(x) => x,
        Err(e) => return error_page(u, e),
    };
    let zh = u.lang.zh();
    let org_opts = match u.access.options(Kind::Organization, 5000).await {
        Ok(o) => o,
        Err(e) => return error_page(u, e),
    };
    let org_names: HashMap<i64, String> = org_opts.iter().cloned().collect();
    let now = u.access.now_ts();
    let rows = users
        .iter()
        .map(|x| UserRow {
            id: x.id,
            locked: x.locked_until.as_deref().is_some_and(|t| t > now.as_str()),
            disabled: x.disabled,
            username: x.username.clone(),
            display_name: x.display_name.clone(),
            role: x.role.label(zh).into(),
            org: x
                .org_id
                .map(|o| org_names.get(&o).cloned().unwrap_or_else(|| format!("#{o}")))
                .unwrap_or_default(),
            status: if x.disabled {
                u.lang.t("users.disabled").into()
            } else if x.locked_until.as_deref().is_some_and(|t| t > now.as_str()) {
                u.lang.t("users.locked").into()
            } else {
                u.lang.t("status.active").into()
            },
            created_at: kean_core::display_time(&x.created_at),
        })
        .collect();
    let cur_role = form.get("role").cloned().unwrap_or_else(|| "liaison".into());
    let cur_org = form.get("org_id").cloned().unwrap_or_default();
    let roles = Role::ALL
        .iter()
        .map(|r| Opt {
            value: r.code().into(),
            label: r.label(zh).into(),
            selected: r.code() == cur_role,
        })
        .collect();
    let orgs = org_opts
        .into_iter()
        .map(|(id, l)| Opt {
            selected: id.to_string() == cur_org,
            value: id.to_string(),
            label: l,
        })
        .collect();
    let errors = err
        .as_ref()
        .map(|e| {
            if e.fields.is_empty() {
                vec![if zh { e.message_zh.clone() } else { e.message_en.clone() }]
            } else {
                e.fields
                    .iter()
                    .map(|f| if zh { f.message_zh.clone() } else { f.message_en.clone() })
                    .collect()
            }
        })
        .unwrap_or_default();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("users.title"), "/system/users");
    c.flash = flash;
    let status = err
        .map(|e| StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(StatusCode::OK);
    let page = UsersPage {
        c,
        users: rows,
        roles,
        orgs,
        errors,
        form_username: form.get("username").cloned().unwrap_or_default(),
        form_display: form.get("display_name").cloned().unwrap_or_default(),
    };
    render(&page, status)
}

pub async fn users(u: WebUser) -> Response {
    users_page(&u, &BTreeMap::new(), None, None).await
}

pub async fn change_user(Path((id_text, action)): Path<(String, String)>, f: WebForm) -> Response {
    let u = &f.user;
    let id = match id_of(u, &id_text) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let change = match action.as_str() {
        "unlock" => kean_app::UserAction::Unlock,
        "disable" => kean_app::UserAction::SetDisabled(true),
        "enable" => kean_app::UserAction::SetDisabled(false),
        "password" => kean_app::UserAction::Password(f.form.get("password").cloned().unwrap_or_default()),
        _ => return error_page(u, AppError::not_found()),
    };
    match u.access.change_user(id, change).await {
        Ok(_) => users_page(u, &BTreeMap::new(), None, Some(u.lang.t("users.changed_ok").into())).await,
        Err(e) if e.code == ErrorCode::ValidationFailed => users_page(u, &BTreeMap::new(), Some(e), None).await,
        Err(e) => error_page(u, e),
    }
}

pub async fn create_user(f: WebForm) -> Response {
    let u = &f.user;
    let g = |k: &str| f.form.get(k).map(String::as_str).unwrap_or("");
    let Some(role) = Role::parse(g("role")) else {
        let e = AppError::validation(vec![kean_core::FieldError::new(
            "role",
            "角色：请选择",
            "role: choose one",
        )]);
        return users_page(u, &f.form, Some(e), None).await;
    };
    let org = g("org_id").parse::<i64>().ok();
    match u
        .access
        .create_user(g("username"), g("display_name"), role, org, g("password"))
        .await
    {
        Ok(_) => users_page(u, &BTreeMap::new(), None, Some(u.lang.t("users.created_ok").into())).await,
        Err(e) if e.code == ErrorCode::ValidationFailed || e.code == ErrorCode::Conflict => {
            users_page(u, &f.form, Some(e), None).await
        }
        Err(e) => error_page(u, e),
    }
}

// ---------------- audit ----------------

pub struct AuditRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    target: String,
    record: String,
    changes: String,
    hash: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    entries: Vec<AuditRow>,
    chain_note: String,
    total_text: String,
    page: u32,
    pages: u32,
    prev_href: Option<String>,
    next_href: Option<String>,
}

/// A compact "field: old → new" summary of an audited change.
fn change_summary(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    let fields = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|x| x.get("fields").cloned().or_else(|| Some(x.clone())))
    };
    match (fields(before), fields(after)) {
        (Some(serde_json::Value::Object(b)), Some(serde_json::Value::Object(a))) => {
            let mut parts = vec![];
            for (k, av) in &a {
                let bv = b.get(k).cloned().unwrap_or(serde_json::Value::Null);
                if &bv != av {
                    parts.push(format!("{k}: {bv} → {av}"));
                }
            }
            if let (Some(x), Some(y)) = (
                before.as_ref().and_then(|v| v.get("archived")),
                after.as_ref().and_then(|v| v.get("archived")),
            ) && x != y
            {
                parts.push(format!("archived: {x} → {y}"));
            }
            parts.join("; ")
        }
        (None, Some(serde_json::Value::Object(a))) => {
            // A new record or an event: its values as "key: value", nulls left out.
            let s = a
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    serde_json::Value::String(t) => format!("{k}: {t}"),
                    other => format!("{k}: {other}"),
                })
                .collect::<Vec<_>>()
                .join("; ");
            if s.chars().count() > 300 {
                s.chars().take(300).collect::<String>() + "…"
            } else {
                s
            }
        }
        (None, Some(a)) => {
            let s = a.to_string();
            if s.chars().count() > 300 {
                s.chars().take(300).collect::<String>() + "…"
            } else {
                s
            }
        }
        _ => String::new(),
    }
}

/// A translated audit term, or the stored code when there is none.
fn term(lang: Lang, prefix: &str, code: &str) -> String {
    match lang.t(&format!("{prefix}.{code}")) {
        crate::i18n::MISSING => code.to_string(),
        t => t.to_string(),
    }
}

pub async fn audit(u: WebUser, Query(q): Query<HashMap<String, String>>) -> Response {
    let page_no = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1u32).max(1);
    let page = match u.access.audit_page(page_no, 50).await {
        Ok(p) => p,
        Err(e) => return error_page(&u, e),
    };
    let entries = page
        .items
        .iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: kean_core::display_time(&e.draft.at),
            actor: e.draft.actor.clone(),
            action: term(u.lang, "act", &e.draft.action),
            target: Kind::from_slug(&e.draft.target)
                .map(|k| k.label(u.lang.zh()).to_string())
                .unwrap_or_else(|| term(u.lang, "target", &e.draft.target)),
            record: e.draft.record_id.map(|r| r.to_string()).unwrap_or_default(),
            changes: change_summary(&e.draft.before, &e.draft.after),
            hash: e.hash[..16.min(e.hash.len())].to_string(),
        })
        .collect();
    let pages = page.pages();
    let chain_note = if u.lang.zh() {
        "每条记录以 SM3 哈希与前一条链接，任何事后修改或删除都可被检测。".to_string()
    } else {
        "Each record is chained to the previous one by its SM3 hash, so any later edit or deletion is detectable."
            .to_string()
    };
    let view = AuditPage {
        c: Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("audit.title"), "/system/audit"),
        entries,
        chain_note,
        total_text: u.lang.t("table.total").replace("{}", &page.total.to_string()),
        page: page.page,
        pages,
        prev_href: (page.page > 1).then(|| format!("/system/audit?page={}", page.page - 1)),
        next_href: (page.page < pages).then(|| format!("/system/audit?page={}", page.page + 1)),
    };
    render(&view, StatusCode::OK)
}

/// Options for a reference picker: records of the registry matching `q`
/// (the same keyword search as the list, inside the user's scope), as
/// `<option>` elements for htmx to put into the select.
pub async fn options(u: WebUser, Path(slug): Path<String>, Query(q): Query<HashMap<String, String>>) -> Response {
    let kind = match kind_of(&u, &slug) {
        Ok(k) => k,
        Err(r) => return r,
    };
    let keyword = q
        .get("q")
        .map(|s| s.trim().chars().take(100).collect::<String>())
        .filter(|s| !s.is_empty());
    let query = kean_app::ListQuery {
        keyword,
        page: 1,
        page_size: 50,
        ..Default::default()
    };
    let listing = match u.access.list(kind, &query).await {
        Ok(l) => l,
        Err(e) => return error_page(&u, e),
    };
    let mut html = format!("<option value=\"\">{}</option>", html_escape(u.lang.t("form.choose")));
    for r in &listing.page.items {
        html.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            r.id,
            html_escape(&r.fields.label())
        ));
    }
    if listing.page.items.is_empty() {
        html.push_str(&format!(
            "<option value=\"\" disabled>{}</option>",
            html_escape(u.lang.t("table.empty"))
        ));
    }
    Html(html).into_response()
}
