//! Writes sample files to a directory, to look at in Excel or WPS:
//! every kind's import template (XLSX and CSV), an error report for a
//! small organization import with mistakes, and an export.
//!
//! `cargo run -p kean-exchange --example samples -- /tmp/kean-samples`
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use std::path::PathBuf;

use chrono::NaiveDate;
use kean_core::FieldError;
use kean_core::schema::Kind;
use kean_exchange::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "kean-samples".into()));
    std::fs::create_dir_all(&dir)?;
    for kind in Kind::ALL {
        std::fs::write(dir.join(format!("template-{}.xlsx", kind.slug())), template_xlsx(kind)?)?;
        std::fs::write(dir.join(format!("template-{}.csv", kind.slug())), template_csv(kind))?;
    }

    let upload = "\u{feff}*单位名称,*统一社会信用代码,*单位类型,*所属区县,成立日期,科技型中小企业\r\n\
                  甲公司,914403001922038216,企业,小店区,2015-06-30,是\r\n\
                  乙公司,91440300192203821A,银行,迎泽区,2027-01-01,否\r\n\
                  丙公司,914403001922038216,高校,火星区,1899-12-31,也许\r\n";
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).ok_or("date")?;
    let table = read_table(upload.as_bytes(), &ReadOptions::default())?;
    let map = map_headers(Kind::Organization, &table.headers).map_err(|p| format!("{p:?}"))?;
    let mut rows = map.map_rows(&table);
    let mut errors = Vec::new();
    for row in &mut rows {
        let mut ref_errors = Vec::new();
        for r in row.refs.clone() {
            match r.text.as_str() {
                "小店区" => row.resolve(r.field, 1),
                "迎泽区" => row.resolve(r.field, 2),
                other => ref_errors.push(FieldError::new(
                    r.field,
                    format!("所属区县：找不到“{other}”"),
                    format!("District: '{other}' not found"),
                )),
            }
        }
        errors.push(
            validate_row(Kind::Organization, row, ref_errors, today)
                .err()
                .unwrap_or_default(),
        );
    }
    let report = build_report(&map, &rows, &errors);
    std::fs::write(dir.join("error-report.xlsx"), report_xlsx(&table, &report)?)?;

    let headers: Vec<String> = [
        "登记编号",
        "合同名称",
        "成交额（元）",
        "签订日期",
        "科技型中小企业",
        "件数",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows = vec![
        vec![
            Cell::Text("2025140700000001".into()),
            Cell::Text("面向山西省重点产业链的智能制造关键技术开发合同".into()),
            Cell::Money(33_845_000_000),
            Cell::Date(NaiveDate::from_ymd_opt(2025, 3, 1).ok_or("date")?),
            Cell::Bool(true),
            Cell::Int(3),
        ],
        vec![
            Cell::Text("2025140700000002".into()),
            Cell::Text("=cmd|' /C calc'!A0".into()),
            Cell::Money(5),
            Cell::Empty,
            Cell::Bool(false),
            Cell::Int(0),
        ],
    ];
    let opts = ExportOptions::default();
    std::fs::write(
        dir.join("export.xlsx"),
        export_xlsx(Kind::TechContract, &headers, &rows, &opts)?,
    )?;
    std::fs::write(dir.join("export.csv"), export_csv(&headers, &rows, &opts))?;
    let wan = ExportOptions {
        money_unit: MoneyUnit::Wan,
        ..opts
    };
    std::fs::write(
        dir.join("export-wan.xlsx"),
        export_xlsx(Kind::TechContract, &headers, &rows, &wan)?,
    )?;
    println!("wrote samples to {}", dir.display());
    Ok(())
}
