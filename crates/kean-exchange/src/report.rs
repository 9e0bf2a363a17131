//! The import error report: every problem with its line, column, value and
//! reason, as a structure for the web page and as a workbook staff can fix
//! and upload again.

use std::collections::BTreeMap;

use kean_core::FieldError;
use kean_core::schema::{FieldType, Kind};
use rust_xlsxwriter::{Color, Format, FormatBorder, Note, Workbook};
use serde::Serialize;

use crate::error::WriteError;
use crate::map::{HeaderMap, MappedRow, column_letter};
use crate::read::Table;
use crate::width::column_width;

/// Header of the extra column the error workbook adds; the header mapper
/// ignores it, so a corrected report can be uploaded again.
pub const ERROR_COLUMN_ZH: &str = "错误说明";

/// One problem in one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The row's line in the file.
    pub line: usize,
    /// The 0-based column holding the field, when the file has one.
    pub column: Option<usize>,
    /// That column's header as written in the file.
    pub header: Option<String>,
    /// Field name (or another key the caller used).
    pub field: String,
    /// The cell's text as uploaded.
    pub value: String,
    /// Why, for bureau staff (starts with the field's label).
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: String,
}

/// The outcome of checking every row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The kind being imported.
    pub kind: Kind,
    /// Data rows in the file.
    pub total_rows: usize,
    /// Rows with at least one issue.
    pub error_rows: usize,
    /// Sorted by line, then column.
    pub issues: Vec<Issue>,
}

impl ImportReport {
    /// True when every row can be inserted.
    pub fn is_clean(&self) -> bool {
        self.issues.is_empty()
    }

    /// The issues of one line.
    pub fn issues_at(&self, line: usize) -> impl Iterator<Item = &Issue> {
        self.issues.iter().filter(move |i| i.line == line)
    }
}

/// Within-file duplicates of the kind's unique fields (e.g. the same
/// credit code twice). Every line involved gets an error naming the other
/// lines. Returned as `(index into rows, error)`.
pub fn find_duplicates(kind: Kind, rows: &[MappedRow]) -> Vec<(usize, FieldError)> {
    let mut out = Vec::new();
    for f in kind.fields().iter().filter(|f| f.unique) {
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let v = original_value(r, f.name);
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let key = if f.ty == FieldType::CreditCode {
                v.to_ascii_uppercase()
            } else {
                v.to_string()
            };
            groups.entry(key).or_default().push(i);
        }
        for idxs in groups.values().filter(|g| g.len() > 1) {
            for &i in idxs {
                let others: Vec<String> = idxs
                    .iter()
                    .filter(|&&j| j != i)
                    .map(|&j| rows[j].line.to_string())
                    .collect();
                out.push((
                    i,
                    FieldError::new(
                        f.name,
                        format!("{}：文件中重复（另见第{}行）", f.zh, others.join("、")),
                        format!("{}: duplicated in the file (see line {})", f.en, others.join(", ")),
                    ),
                ));
            }
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out
}

/// The text a row had for `field` in the file, even after
/// [`MappedRow::resolve`] replaced a reference with an id.
fn original_value(row: &MappedRow, field: &str) -> String {
    row.refs
        .iter()
        .find(|r| r.field == field)
        .map(|r| r.text.clone())
        .or_else(|| row.values.get(field).cloned())
        .unwrap_or_default()
}

/// Builds the report from the mapped rows and, per row (same order), the
/// errors the caller found: `validate`, reference resolution and
/// duplicates against stored records. Within-file duplicates of unique
/// fields are found here and added; do not add them again. A missing
/// entry in `errors` means the row had none.
pub fn build_report(map: &HeaderMap, rows: &[MappedRow], errors: &[Vec<FieldError>]) -> ImportReport {
    let mut per_row: Vec<Vec<FieldError>> = rows
        .iter()
        .enumerate()
        .map(|(i, _)| errors.get(i).cloned().unwrap_or_default())
        .collect();
    for (i, e) in find_duplicates(map.kind(), rows) {
        if !per_row[i].contains(&e) {
            per_row[i].push(e);
        }
    }
    let mut issues = Vec::new();
    let mut error_rows = 0;
    for (row, errs) in rows.iter().zip(per_row) {
        if !errs.is_empty() {
            error_rows += 1;
        }
        for e in errs {
            let col = map.column_of(&e.field);
            issues.push(Issue {
                line: row.line,
                column: col.map(|(c, _)| c),
                header: col.map(|(_, h)| h.to_string()),
                value: original_value(row, &e.field),
                field: e.field,
                reason_zh: e.message_zh,
                reason_en: e.message_en,
            });
        }
    }
    issues.sort_by_key(|i| (i.line, i.column.unwrap_or(usize::MAX)));
    ImportReport {
        kind: map.kind(),
        total_rows: rows.len(),
        error_rows,
        issues,
    }
}

/// The error workbook: the uploaded rows as they were (all of them, as
/// text), each bad cell filled red with a note giving the reason, an extra
/// last column 错误说明 listing the row's reasons, and a summary sheet.
/// The data sheet comes first, so the corrected file can be uploaded again.
pub fn report_xlsx(table: &Table, report: &ImportReport) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    let header_fmt = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xD9D9D9))
        .set_border(FormatBorder::Thin);
    let text_fmt = Format::new().set_num_format("@");
    let bad_fmt = Format::new()
        .set_num_format("@")
        .set_background_color(Color::RGB(0xFFC7CE))
        .set_font_color(Color::RGB(0x9C0006));
    let reason_fmt = Format::new().set_text_wrap().set_font_color(Color::RGB(0xC00000));

    let by_line: BTreeMap<usize, Vec<&Issue>> = report.issues.iter().fold(BTreeMap::new(), |mut m, i| {
        m.entry(i.line).or_insert_with(Vec::new).push(i);
        m
    });
    // The uploaded columns, less an error column from an earlier report
    // (a corrected report uploaded again gets a fresh one).
    let kept: Vec<usize> = (0..table.headers.len())
        .filter(|&c| table.headers[c].trim() != ERROR_COLUMN_ZH)
        .collect();
    let out_col = |c: usize| kept.iter().position(|&k| k == c);
    let err_col = kept.len() as u16;
    let mut widths: Vec<usize> = kept.iter().map(|&c| column_width(&table.headers[c])).collect();

    let ws = wb.add_worksheet();
    ws.set_name("错误报告")?;
    for (o, &c) in kept.iter().enumerate() {
        ws.write_string_with_format(0, o as u16, &table.headers[c], &header_fmt)?;
    }
    ws.write_string_with_format(0, err_col, ERROR_COLUMN_ZH, &header_fmt)?;
    for (r, row) in table.rows.iter().enumerate() {
        let xr = (r + 1) as u32;
        let issues = by_line.get(&row.line).map(Vec::as_slice).unwrap_or(&[]);
        for (o, &c) in kept.iter().enumerate() {
            let cell = row.cells.get(c).map_or("", String::as_str);
            widths[o] = widths[o].max(column_width(cell));
            let here: Vec<&&Issue> = issues.iter().filter(|i| i.column == Some(c)).collect();
            if here.is_empty() {
                ws.write_string_with_format(xr, o as u16, cell, &text_fmt)?;
            } else {
                ws.write_string_with_format(xr, o as u16, cell, &bad_fmt)?;
                let text: Vec<&str> = here.iter().map(|i| i.reason_zh.as_str()).collect();
                let note = Note::new(text.join("\n")).add_author_prefix(false).set_width(300);
                ws.insert_note(xr, o as u16, &note)?;
            }
        }
        if !issues.is_empty() {
            // Where blank rows or a title were dropped, the row number here
            // differs from the uploaded file's: name the original line.
            let origin = (row.line != xr as usize + 1).then(|| format!("（原文件第{}行）", row.line));
            let text: Vec<String> = origin
                .into_iter()
                .chain(issues.iter().map(|i| match i.column.and_then(out_col) {
                    Some(o) => format!("[{}列] {}", column_letter(o), i.reason_zh),
                    None => i.reason_zh.clone(),
                }))
                .collect();
            ws.write_string_with_format(xr, err_col, text.join("\n"), &reason_fmt)?;
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(6, 40) as f64)?;
    }
    ws.set_column_width(err_col, 60)?;
    ws.set_freeze_panes(1, 0)?;
    if !table.rows.is_empty() {
        ws.autofilter(0, 0, table.rows.len() as u32, err_col)?;
    }

    let sum = wb.add_worksheet();
    sum.set_name("汇总")?;
    let bold = Format::new().set_bold();
    sum.write_string_with_format(0, 0, "项目", &bold)?;
    sum.write_string_with_format(0, 1, "数量", &bold)?;
    sum.write_string_with_format(0, 2, "Item", &bold)?;
    let counts = [
        ("数据行数", "Data rows", report.total_rows),
        ("有错误的行", "Rows with errors", report.error_rows),
        (
            "无错误的行",
            "Rows without errors",
            report.total_rows - report.error_rows,
        ),
        ("错误数", "Errors", report.issues.len()),
    ];
    for (i, (zh, en, n)) in counts.iter().enumerate() {
        let r = (i + 1) as u32;
        sum.write_string(r, 0, *zh)?;
        sum.write_number(r, 1, *n as f64)?;
        sum.write_string(r, 2, *en)?;
    }
    let mut per_column: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for i in &report.issues {
        let key = match (&i.column, &i.header) {
            (Some(c), Some(h)) => (*c, format!("{}列 {}", column_letter(out_col(*c).unwrap_or(*c)), h)),
            _ => (usize::MAX, format!("（不在文件中的字段）{}", i.field)),
        };
        *per_column.entry(key).or_default() += 1;
    }
    let start = counts.len() as u32 + 2;
    sum.write_string_with_format(start, 0, "按列统计", &bold)?;
    sum.write_string_with_format(start, 1, "错误数", &bold)?;
    sum.write_string_with_format(start, 2, "Errors by column", &bold)?;
    for (i, ((_, label), n)) in per_column.iter().enumerate() {
        let r = start + 1 + i as u32;
        sum.write_string(r, 0, label)?;
        sum.write_number(r, 1, *n as f64)?;
    }
    sum.set_column_width(0, 36)?;
    sum.set_column_width(1, 10)?;
    sum.set_column_width(2, 24)?;
    Ok(wb.save_to_buffer()?)
}
