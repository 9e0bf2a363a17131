//! Import (upload → check → confirm), templates and spreadsheet exports.

use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kean_app::{AppError, FileImport};
use kean_core::policy::Action;
use kean_core::{ErrorCode, Kind, Value};
use kean_exchange::{Cell, ExportOptions, MoneyUnit, Sheet};
use std::collections::HashMap;

use super::common::kind_of;
use crate::auth::{WebForm, WebUpload, WebUser};
use crate::i18n::fill;
use crate::params::{parse_list_params, stat_filter};
use crate::respond::{OrPage, PageError, PageResult, render};
use crate::views::{BucketNames, Chrome, display_value, url_encode};

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    c: Chrome,
    base: String,
    heading: String,
    force: bool,
    error: Option<String>,
    error_items: Vec<String>,
    token: String,
    summary: String,
    /// (line, column, value, problem)
    issues: Vec<(usize, String, String, String)>,
    ready: bool,
    preview_headers: Vec<String>,
    preview_rows: Vec<(usize, Vec<String>)>,
}

fn page(u: &WebUser, kind: Kind) -> ImportPage {
    let base = format!("/registry/{}", kind.slug());
    let heading = format!("{} — {}", u.lang.t("import.title"), kind.label(u.lang.zh()));
    ImportPage {
        c: Chrome::new(&u.access, &u.csrf, u.lang, &heading, &base),
        base,
        heading,
        force: false,
        error: None,
        error_items: vec![],
        token: String::new(),
        summary: String::new(),
        issues: vec![],
        ready: false,
        preview_headers: vec![],
        preview_rows: vec![],
    }
}

pub async fn import_form(u: WebUser, Path(slug): Path<String>) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    u.access.check(Action::Create, Some(kind)).or_page(&u)?;
    Ok(render(&page(&u, kind), StatusCode::OK))
}

/// Shows the outcome of a check (dry run) of an upload.
fn checked(
    u: &WebUser,
    kind: Kind,
    token: String,
    force: bool,
    bytes: &[u8],
    outcome: Result<FileImport, AppError>,
) -> Response {
    let zh = u.lang.zh();
    let mut p = page(u, kind);
    p.force = force;
    p.token = token;
    match outcome {
        Ok(FileImport::Checked { rows }) => {
            p.ready = true;
            p.summary = fill(u.lang.t("import.ready"), &[rows.to_string()]);
            if let Ok(table) = kean_exchange::read_table(bytes, &kean_exchange::ReadOptions::default()) {
                p.preview_headers = table.headers.clone();
                p.preview_rows = table.rows.iter().take(20).map(|r| (r.line, r.cells.clone())).collect();
            }
            render(&p, StatusCode::OK)
        }
        Ok(FileImport::Rejected { report, .. }) => {
            p.summary = fill(
                u.lang.t("import.rejected"),
                &[report.total_rows.to_string(), report.error_rows.to_string()],
            );
            p.issues = report
                .issues
                .iter()
                .map(|i| {
                    (
                        i.line,
                        i.header.clone().unwrap_or_else(|| i.field.clone()),
                        i.value.clone(),
                        if zh { i.reason_zh.clone() } else { i.reason_en.clone() },
                    )
                })
                .collect();
            render(&p, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(FileImport::Imported { ids, new_results }) => Redirect::to(&format!(
            "/registry/{}?imported={}&flagged={new_results}",
            kind.slug(),
            ids.len()
        ))
        .into_response(),
        Ok(FileImport::Submitted { submission }) => {
            Redirect::to(&format!("/submissions/{}?submitted=1", submission.id)).into_response()
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            p.error = Some(if zh { e.message_zh.clone() } else { e.message_en.clone() });
            p.error_items = e
                .fields
                .iter()
                .map(|f| if zh { f.message_zh.clone() } else { f.message_en.clone() })
                .collect();
            render(&p, status)
        }
    }
}

pub async fn upload(Path(slug): Path<String>, up: WebUpload) -> PageResult {
    let u = &up.user;
    let kind = kind_of(u, &slug)?;
    let token = u.access.stage_upload(kind, &up.file_name, &up.bytes).await.or_page(u)?;
    let outcome = u.access.import_staged(&token, up.force, true).await.map(|(_, _, o)| o);
    Ok(checked(u, kind, token, up.force, &up.bytes, outcome))
}

pub async fn confirm(Path((slug, token)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let kind = kind_of(u, &slug)?;
    let force = f.form.get("force").is_some_and(|v| v == "true");
    Ok(match u.access.import_staged(&token, force, false).await {
        Ok((_, _, FileImport::Imported { ids, new_results })) => Redirect::to(&format!(
            "/registry/{}?imported={}&flagged={new_results}",
            kind.slug(),
            ids.len()
        ))
        .into_response(),
        Ok((_, _, FileImport::Submitted { submission })) => {
            Redirect::to(&format!("/submissions/{}?submitted=1", submission.id)).into_response()
        }
        // Something changed since the check (e.g. someone registered the
        // same code): show the new findings.
        Ok((_, _, other)) => checked(u, kind, token, force, &[], Ok(other)),
        Err(e) => checked(u, kind, token, force, &[], Err(e)),
    })
}

pub async fn report(u: WebUser, Path((slug, token)): Path<(String, String)>) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    match u.access.import_staged(&token, true, true).await.or_page(&u)? {
        (_, name, FileImport::Rejected { report_xlsx, .. }) => Ok(xlsx(
            report_xlsx,
            &format!("{}-errors", kind.slug()),
            &format!("错误报告-{name}"),
        )),
        _ => Err(PageError::page(
            &u,
            AppError::new(ErrorCode::NotFound, "该文件没有错误", "the file has no errors"),
        )),
    }
}

fn attachment(ascii: &str, utf8: &str, ext: &str) -> String {
    format!(
        "attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{}.{ext}",
        url_encode(utf8.trim_end_matches(&format!(".{ext}")))
    )
}

fn xlsx(bytes: Vec<u8>, ascii: &str, utf8: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (header::CONTENT_DISPOSITION, attachment(ascii, utf8, "xlsx")),
        ],
        bytes,
    )
        .into_response()
}

/// The audit log's search results as a download: a formatted workbook or
/// CSV (UTF-8 with BOM, formula-safe), named after the log in the viewer's
/// language.
pub(crate) fn audit_download(
    lang: crate::i18n::Lang,
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    as_xlsx: bool,
) -> Result<Response, AppError> {
    let opts = ExportOptions {
        zh: lang.zh(),
        money_unit: MoneyUnit::Yuan,
    };
    let title = lang.t("audit.title");
    if as_xlsx {
        let sheet = Sheet {
            name: title.to_string(),
            headers,
            rows,
        };
        let bytes = kean_exchange::export_workbook(std::slice::from_ref(&sheet), &opts)
            .map_err(|e| AppError::internal(format!("audit export: {e}")))?;
        return Ok(xlsx(bytes, "audit-log", title));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, attachment("audit-log", title, "csv")),
        ],
        kean_exchange::export_csv(&headers, &rows, &opts),
    )
        .into_response())
}

pub async fn template_xlsx(u: WebUser, Path(slug): Path<String>) -> PageResult {
    template(u, slug, "xlsx")
}

pub async fn template_csv(u: WebUser, Path(slug): Path<String>) -> PageResult {
    template(u, slug, "csv")
}

fn template(u: WebUser, slug: String, file: &str) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    let name = format!("{}导入模板", kind.label(true));
    match file {
        "xlsx" => match kean_exchange::template_xlsx(kind) {
            Ok(b) => Ok(xlsx(b, &format!("{}-template", kind.slug()), &name)),
            Err(e) => Err(PageError::page(&u, AppError::internal(format!("template: {e}")))),
        },
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    attachment(&format!("{}-template", kind.slug()), &name, "csv"),
                ),
            ],
            kean_exchange::template_csv(kind),
        )
            .into_response()),
        _ => Err(PageError::page(&u, AppError::not_found())),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    Xlsx,
}

/// The filtered list as CSV (UTF-8 with BOM, formula-safe) or a formatted
/// workbook (amounts as numbers, dates as dates), references and choices by
/// name. The records come from the gate's export (scope, masking, the row
/// cap and the audit record are kean-app's); this only formats them.
async fn export(u: WebUser, slug: String, pairs: Vec<(String, String)>, format: ExportFormat) -> PageResult {
    let kind = kind_of(&u, &slug)?;
    let params = parse_list_params(kind, &pairs, false).or_page(&u)?;
    let (format_name, ext) = match format {
        ExportFormat::Csv => ("csv", "csv"),
        ExportFormat::Xlsx => ("xlsx", "xlsx"),
    };
    let filter: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let export = u
        .access
        .export(kind, &params.query, format_name, &filter.join("&"))
        .await
        .or_page(&u)?;
    let zh = u.lang.zh();
    let mut headers = vec!["ID".to_string()];
    headers.extend(kind.fields().iter().map(|f| f.label(zh).to_string()));
    headers.push(u.lang.t("search.status").into());
    let rows: Vec<Vec<kean_exchange::Cell>> = export
        .records
        .iter()
        .map(|r| {
            let mut row = vec![kean_exchange::Cell::Int(r.id)];
            for f in kind.fields() {
                let v = r.fields.get(f.name);
                row.push(match v {
                    Value::Money(m) => kean_exchange::Cell::Money(m.0),
                    Value::Date(d) => kean_exchange::Cell::Date(*d),
                    Value::Null => kean_exchange::Cell::Empty,
                    _ => kean_exchange::Cell::Text(display_value(f, v, &export.labels, u.lang)),
                });
            }
            let status = if r.archived { "status.archived" } else { "status.active" };
            row.push(kean_exchange::Cell::Text(u.lang.t(status).into()));
            row
        })
        .collect();
    let opts = kean_exchange::ExportOptions {
        zh,
        money_unit: kean_exchange::MoneyUnit::Yuan,
    };
    match format {
        ExportFormat::Xlsx => match kean_exchange::export_xlsx(kind, &headers, &rows, &opts) {
            Ok(b) => Ok(xlsx(b, kind.slug(), kind.label(zh))),
            Err(e) => Err(PageError::page(&u, AppError::internal(format!("export: {e}")))),
        },
        ExportFormat::Csv => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    attachment(kind.slug(), kind.label(zh), ext),
                ),
            ],
            kean_exchange::export_csv(&headers, &rows, &opts),
        )
            .into_response()),
    }
}

pub async fn export_xlsx(
    u: WebUser,
    Path(slug): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    export(u, slug, pairs, ExportFormat::Xlsx).await
}

pub async fn export_csv(
    u: WebUser,
    Path(slug): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> PageResult {
    export(u, slug, pairs, ExportFormat::Csv).await
}

// ---------------- statistics tables ----------------

/// The dashboard's tables for the same filters as the page: a summary of
/// every figure (this period, the same period a year earlier, growth) and
/// each breakdown the charts draw.
async fn dashboard_sheets(
    u: &WebUser,
    q: &HashMap<String, String>,
    format_name: &str,
) -> Result<(Vec<Sheet>, String), AppError> {
    let lang = u.lang;
    let zh = lang.zh();
    let (filter, _) = stat_filter(q, u.access.today(), lang);
    let d = u.access.export_dashboard(&filter, format_name).await?;
    let names = BucketNames::load(&u.access).await?;
    let t = |k: &str| lang.t(k).to_string();
    let growth = |g: Option<f64>| match g {
        Some(g) => Cell::Text(format!("{:+.1}%", g * 100.0)),
        None => Cell::Empty,
    };
    let summary = Sheet {
        name: t("xs.summary"),
        headers: vec![t("xs.measure"), t("xs.this_period"), t("xs.last_year"), t("xs.growth")],
        rows: vec![
            vec![
                Cell::Text(t("stats.platforms")),
                Cell::Int(d.platforms_total),
                Cell::Empty,
                Cell::Empty,
            ],
            vec![
                Cell::Text(t("stats.high_tech")),
                Cell::Int(d.high_tech_valid),
                Cell::Empty,
                Cell::Empty,
            ],
            vec![
                Cell::Text(t("stats.tech_contracts")),
                Cell::Int(d.tech_contracts.count),
                Cell::Int(d.tech_contracts.prev_count),
                growth(d.tech_contracts.count_growth()),
            ],
            vec![
                Cell::Text(format!("{}（{}）", t("stats.contract_value"), t("xs.yuan"))),
                Cell::Money(d.tech_contracts.amount(0).0),
                Cell::Money(d.tech_contracts.prev_amounts.first().copied().unwrap_or(0)),
                growth(d.tech_contracts.growth(0)),
            ],
            vec![
                Cell::Text(format!("{}（{}）", t("stats.tech_value"), t("xs.yuan"))),
                Cell::Money(d.tech_contracts.amount(1).0),
                Cell::Money(d.tech_contracts.prev_amounts.get(1).copied().unwrap_or(0)),
                growth(d.tech_contracts.growth(1)),
            ],
            vec![
                Cell::Text(t("xs.tech_service_n")),
                Cell::Int(d.tech_service.count),
                Cell::Int(d.tech_service.prev_count),
                growth(d.tech_service.count_growth()),
            ],
            vec![
                Cell::Text(format!("{}（{}）", t("stats.tech_service"), t("xs.yuan"))),
                Cell::Money(d.tech_service.amount(0).0),
                Cell::Money(d.tech_service.prev_amounts.first().copied().unwrap_or(0)),
                growth(d.tech_service.growth(0)),
            ],
            vec![
                Cell::Text(t("stats.transfers")),
                Cell::Int(d.transfers.count),
                Cell::Int(d.transfers.prev_count),
                growth(d.transfers.count_growth()),
            ],
            vec![
                Cell::Text(format!("{}（{}）", t("xs.transfer_amount"), t("xs.yuan"))),
                Cell::Money(d.transfers.amount(0).0),
                Cell::Money(d.transfers.prev_amounts.first().copied().unwrap_or(0)),
                growth(d.transfers.growth(0)),
            ],
            vec![
                Cell::Text(t("xs.period")),
                Cell::Text(format!("{} — {}", d.from, d.to)),
                Cell::Empty,
                Cell::Empty,
            ],
        ],
    };
    debug_assert_eq!(summary.rows.len(), kean_app::Dashboard::SUMMARY_LINES);
    let choice = |kind: Kind, field: &str, key: &str| {
        kind.field(field)
            .and_then(|f| f.choice_label(key, zh))
            .unwrap_or(key)
            .to_string()
    };
    let table = |name: &str, group: &str, buckets: &[kean_app::Bucket], label: &dyn Fn(&str) -> String, money: bool| {
        let mut headers = vec![t(group), t("chart.count")];
        if money {
            headers.push(t("xs.amount"));
        }
        Sheet {
            name: t(name),
            headers,
            rows: buckets
                .iter()
                .map(|b| {
                    let mut r = vec![Cell::Text(label(&b.key)), Cell::Int(b.count)];
                    if money {
                        r.push(Cell::Money(b.amount));
                    }
                    r
                })
                .collect(),
        }
    };
    let as_is = |k: &str| k.to_string();
    let district = |k: &str| names.name(&names.districts, k, lang);
    let chain = |k: &str| names.name(&names.chains, k, lang);
    let level = |k: &str| choice(Kind::Platform, "level", k);
    let ptype = |k: &str| choice(Kind::Platform, "platform_type", k);
    let sheets = vec![
        summary,
        table("xs.platforms_level", "xs.level", &d.platforms_by_level, &level, false),
        table("chart.platforms", "xs.type", &d.platforms_by_type, &ptype, false),
        table(
            "chart.tech_contracts_month",
            "xs.month",
            &d.tech_contracts_by_month,
            &as_is,
            true,
        ),
        table(
            "chart.tech_contracts_district",
            "xs.district",
            &d.tech_contracts_by_district,
            &district,
            true,
        ),
        table(
            "chart.tech_contracts_chain",
            "xs.chain",
            &d.tech_contracts_by_chain,
            &chain,
            true,
        ),
        table("chart.transfers_month", "xs.month", &d.transfers_by_month, &as_is, true),
    ];
    let described = filter.describe();
    Ok((sheets, described))
}

async fn dashboard_export(u: WebUser, q: HashMap<String, String>, format: ExportFormat) -> PageResult {
    let format_name = match format {
        ExportFormat::Xlsx => "xlsx",
        ExportFormat::Csv => "csv",
    };
    let (sheets, described) = dashboard_sheets(&u, &q, format_name).await.or_page(&u)?;
    let opts = ExportOptions {
        zh: u.lang.zh(),
        money_unit: MoneyUnit::Yuan,
    };
    let bytes = match format {
        ExportFormat::Xlsx => kean_exchange::export_workbook(&sheets, &opts)
            .map_err(|e| AppError::internal(format!("statistics workbook: {e}")))
            .or_page(&u)?,
        ExportFormat::Csv => kean_exchange::export_csv_sections(&sheets, &opts),
    };
    let utf8 = format!(
        "{}_{}",
        u.lang.t("stats.title"),
        described.split(' ').next().unwrap_or("")
    );
    Ok(match format {
        ExportFormat::Xlsx => xlsx(bytes, "statistics", &utf8),
        ExportFormat::Csv => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, attachment("statistics", &utf8, "csv")),
            ],
            bytes,
        )
            .into_response(),
    })
}

pub async fn statistics_xlsx(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    dashboard_export(u, q, ExportFormat::Xlsx).await
}

pub async fn statistics_csv(u: WebUser, Query(q): Query<HashMap<String, String>>) -> PageResult {
    dashboard_export(u, q, ExportFormat::Csv).await
}
