//! The home page: the statistics dashboard.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use kean_core::Kind;

use crate::auth::WebUser;
use crate::i18n::Lang;
use crate::params::stat_filter;
use crate::respond::{OrPage, PageResult, render};
use crate::views::{BucketNames, Chrome, FilterView, options_for, url_encode};

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
    /// Nothing to draw: the chart says 暂无数据.
    empty: bool,
}

/// One gate's row of figures; every number links to the reviews it counts.
pub struct GateRow {
    gate: String,
    total: bool,
    cells: Vec<(String, String)>,
    mean_days: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    gate_rows: Vec<GateRow>,
    show_blocked: bool,
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

pub async fn home(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    use serde_json::json;
    // The three administrators see no business figures: their home is
    // their own work.
    let duty = match u.access.actor().role() {
        kean_core::Role::SystemAdmin => Some("/system/users"),
        kean_core::Role::SecurityAdmin => Some("/system/confidentiality"),
        kean_core::Role::Auditor => Some("/system/audit"),
        _ => None,
    };
    if let Some(to) = duty {
        return Ok(axum::response::IntoResponse::into_response(
            axum::response::Redirect::to(to),
        ));
    }
    let zh = u.lang.zh();
    let (filter, notice) = stat_filter(&q, u.access.today(), u.lang);
    let d = u.access.dashboard(&filter).await.or_page(&u)?;
    let names = BucketNames::load(&u.access).await.or_page(&u)?;
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
    // 国家级 · 省级 · 市级: the schema's order, not the count's.
    let mut by_level: Vec<_> = d.platforms_by_level.iter().collect();
    by_level.sort_by_key(|b| {
        kean_core::schema::PLATFORM_LEVELS
            .iter()
            .position(|c| c.code == b.key)
            .unwrap_or(usize::MAX)
    });
    let levels: Vec<String> = by_level
        .iter()
        .map(|b| format!("{} {}", choice(level_field, &b.key), b.count))
        .collect();
    let sep = if zh { "" } else { " " };
    let (cv, cu) = amount_text(d.tech_contracts.amount(0), u.lang);
    let (tv, tu) = amount_text(d.tech_contracts.amount(1), u.lang);
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
            id: "tech_contracts",
            label: u.lang.t("stats.tech_contracts").into(),
            value: d.tech_contracts.count.to_string(),
            unit: u.lang.t("unit.tech_contract").into(),
            sub: growth_text(d.tech_contracts.count_growth(), u.lang),
            href: d.tech_contracts.link.clone(),
        },
        FigureCard {
            id: "contract_value",
            label: u.lang.t("stats.contract_value").into(),
            value: cv,
            unit: cu,
            sub: format!(
                "{} · {} {tv}{sep}{tu}",
                growth_text(d.tech_contracts.growth(0), u.lang),
                u.lang.t("stats.tech_value")
            ),
            href: d.tech_contracts.link.clone(),
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
        title: u.lang.t("chart.tech_contracts_month").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "legend": {"data": [u.lang.t("chart.count"), format!("{} ({unit_wan})", u.lang.t("stats.contract_value"))]},
            "grid": {"left": 50, "right": 60, "bottom": 30, "top": 40},
            "xAxis": {"type": "category", "data": d.tech_contracts_by_month.iter().map(|b| b.key.clone()).collect::<Vec<_>>()},
            "yAxis": [{"type": "value", "name": u.lang.t("chart.count"), "minInterval": 1}, {"type": "value", "name": unit_wan}],
            "series": [
                {"name": u.lang.t("chart.count"), "type": "bar", "data": d.tech_contracts_by_month.iter().map(|b| json!({"value": b.count, "link": b.link})).collect::<Vec<_>>()},
                {"name": format!("{} ({unit_wan})", u.lang.t("stats.contract_value")), "type": "line", "yAxisIndex": 1, "data": d.tech_contracts_by_month.iter().map(|b| json!({"value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}
            ]
        }).to_string(),
        empty: false,
    });
    charts.push(ChartView {
        title: u.lang.t("chart.tech_contracts_district").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 60, "right": 20, "bottom": 50, "top": 30},
            "xAxis": {"type": "category", "axisLabel": {"interval": 0, "rotate": 30}, "data": d.tech_contracts_by_district.iter().map(|b| id_name(districts, &b.key)).collect::<Vec<_>>()},
            "yAxis": {"type": "value", "name": unit_wan},
            "series": [{"type": "bar", "name": u.lang.t("stats.contract_value"), "data": d.tech_contracts_by_district.iter().map(|b| json!({"value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
        empty: false,
    });
    charts.push(ChartView {
        title: u.lang.t("chart.tech_contracts_chain").into(),
        option: json!({
            "tooltip": {"trigger": "item", "formatter": format!("{{b}}: {{c}} {unit_wan} ({{d}}%)")},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "data": d.tech_contracts_by_chain.iter().map(|b| json!({"name": id_name(chains, &b.key), "value": wan(b.amount), "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
        empty: false,
    });
    charts.push(ChartView {
        title: u.lang.t("chart.platforms").into(),
        option: json!({
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 40, "right": 20, "bottom": 60, "top": 30},
            "xAxis": {"type": "category", "axisLabel": {"interval": 0, "rotate": 20}, "data": d.platforms_by_type.iter().map(|b| choice(type_field, &b.key)).collect::<Vec<_>>()},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "bar", "name": u.lang.t("stats.platforms"), "data": d.platforms_by_type.iter().map(|b| json!({"value": b.count, "link": b.link})).collect::<Vec<_>>()}]
        }).to_string(),
        empty: false,
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
        empty: false,
    });

    // A chart with nothing to draw says so (暂无数据) instead of empty axes.
    let empty = [
        d.tech_contracts_by_month.iter().all(|b| b.count == 0 && b.amount == 0),
        d.tech_contracts_by_district.iter().all(|b| b.amount == 0),
        d.tech_contracts_by_chain.iter().all(|b| b.amount == 0),
        d.platforms_by_type.iter().all(|b| b.count == 0),
        d.transfers_by_month.iter().all(|b| b.count == 0 && b.amount == 0),
    ];
    for (chart, none) in charts.iter_mut().zip(empty) {
        chart.empty = none;
        if none && let Ok(mut option) = serde_json::from_str::<serde_json::Value>(&chart.option) {
            option["title"] = json!({"text": u.lang.t("table.empty"), "left": "center", "top": "middle",
                "textStyle": {"color": "#909399", "fontSize": 14, "fontWeight": "normal"}});
            chart.option = option.to_string();
        }
    }
    let mut cards = vec![];
    for k in Kind::ALL {
        let n = u.access.count(k).await.or_page(&u)?;
        cards.push(Card {
            label: k.label(zh).into(),
            count: n,
            href: format!("/registry/{}", k.slug()),
        });
    }
    let mut filters = vec![];
    for (name, kind_field) in [
        ("district_id", Kind::Organization.field("district_id")),
        ("industry_chain_id", Kind::Organization.field("industry_chain_id")),
        ("org_type", Kind::Organization.field("org_type")),
    ] {
        let Some(f) = kind_field else { continue };
        let current = q.get(name).cloned().unwrap_or_default();
        let options = options_for(&u.access, f, &current, u.lang).await.or_page(&u)?;
        filters.push(FilterView {
            name: f.name,
            label: f.label(zh).into(),
            options,
        });
    }
    // The gates' figures over the reviews opened in the period, as the
    // actor may see them (the bureau all; an applicant its own); none for
    // an account that sees no reviews.
    let show_blocked = u.access.may(kean_core::Action::ReviewGates, None);
    let gate_rows: Vec<GateRow> = match u.access.review_figures(d.from, d.to).await {
        Ok(figs) => figs
            .iter()
            .map(|g| {
                let base = format!(
                    "/reviews?opened_from={}&opened_to={}{}",
                    d.from,
                    d.to,
                    g.gate.map(|g| format!("&gate={}", g.code())).unwrap_or_default()
                );
                let mut cells = vec![
                    (g.opened.to_string(), format!("{base}&state=all")),
                    (g.open.to_string(), format!("{base}&state=open")),
                    (g.overdue.to_string(), format!("{base}&state=open&overdue=1")),
                    (
                        g.passed.to_string(),
                        format!("{base}&state=decided&decision=pass,conditional"),
                    ),
                    (g.returned.to_string(), format!("{base}&state=decided&decision=return")),
                    (g.rejected.to_string(), format!("{base}&state=decided&decision=reject")),
                ];
                if show_blocked {
                    cells.push((g.blocked.to_string(), format!("{base}&state=all&blocked=1")));
                }
                GateRow {
                    gate: match g.gate {
                        Some(g) => g.label(zh).to_string(),
                        None => if zh { "合计" } else { "All gates" }.to_string(),
                    },
                    total: g.gate.is_none(),
                    cells,
                    mean_days: g
                        .mean_days_to_decision
                        .map(|x| format!("{x:.1}"))
                        .unwrap_or_else(|| "—".into()),
                }
            })
            .collect(),
        _ => vec![],
    };
    let scope_note = if u.access.actor().role().needs_organization() {
        u.lang.t("home.scope_org")
    } else {
        u.lang.t("home.scope_all")
    };
    use chrono::Datelike;
    let this_year = u.access.today().year();
    let mut c = Chrome::new(&u.access, &u.csrf, u.lang, u.lang.t("menu.home"), "/");
    c.charts = true;
    let page = HomePage {
        gate_rows,
        show_blocked,
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
    Ok(render(&page, StatusCode::OK))
}
