//! Formatted exports of registry lists, as XLSX and as CSV.

use chrono::{Datelike, NaiveDate};
use kean_core::Value;
use kean_core::schema::Kind;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook};

use crate::error::WriteError;
use crate::width::column_width;

/// One exported cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text, written as text (never as a formula).
    Text(String),
    /// An amount in fen (分); written as yuan (or 万元).
    Money(i64),
    /// A calendar date, written as an Excel date.
    Date(NaiveDate),
    /// Yes/no, written as 是/否 (or Yes/No).
    Bool(bool),
    /// A whole number, written as a number.
    Int(i64),
    /// Nothing.
    Empty,
}

impl Cell {
    /// A stored value as a cell. References become their id: replace them
    /// with the referenced record's label, and enum codes with their
    /// labels, before exporting for people.
    pub fn from_value(v: &Value) -> Cell {
        match v {
            Value::Null => Cell::Empty,
            Value::Text(s) => Cell::Text(s.clone()),
            Value::Money(f) => Cell::Money(f.0),
            Value::Date(d) => Cell::Date(*d),
            Value::Bool(b) => Cell::Bool(*b),
            Value::Ref(id) => Cell::Int(*id),
        }
    }
}

/// The unit money columns are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoneyUnit {
    /// 元, two decimals.
    #[default]
    Yuan,
    /// 万元, as bureau statistics state amounts.
    Wan,
}

/// Choices for an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// Chinese yes/no (是/否) and sheet name; English otherwise.
    pub zh: bool,
    /// 元 or 万元 for money columns.
    pub money_unit: MoneyUnit,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            zh: true,
            money_unit: MoneyUnit::Yuan,
        }
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// A money column's header with its unit: `成交额（元）`, `成交额（万元）`,
/// `Contract value (CNY)`, `Contract value (10k CNY)`. A unit already in
/// the label is replaced, never doubled.
pub fn money_header(label: &str, unit: MoneyUnit) -> String {
    let mut base = label.trim();
    for suffix in ["（元）", "(元)", "（万元）", "(万元)", "(CNY)", "(10k CNY)"] {
        if let Some(b) = base.strip_suffix(suffix) {
            base = b.trim_end();
        }
    }
    match (has_cjk(label), unit) {
        (true, MoneyUnit::Yuan) => format!("{}（元）", base),
        (true, MoneyUnit::Wan) => format!("{}（万元）", base),
        (false, MoneyUnit::Yuan) => format!("{} (CNY)", base),
        (false, MoneyUnit::Wan) => format!("{} (10k CNY)", base),
    }
}

/// A column is a money column when it holds money and nothing but money
/// (empty cells aside); a column mixing counts and amounts names its units
/// in its rows instead.
fn is_money_column(rows: &[Vec<Cell>], col: usize) -> bool {
    rows.iter().any(|r| matches!(r.get(col), Some(Cell::Money(_))))
        && rows
            .iter()
            .all(|r| matches!(r.get(col), Some(Cell::Money(_)) | Some(Cell::Empty) | None))
}

fn headers_with_units(headers: &[String], rows: &[Vec<Cell>], unit: MoneyUnit) -> Vec<String> {
    headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            if is_money_column(rows, c) {
                money_header(h, unit)
            } else {
                h.clone()
            }
        })
        .collect()
}

/// `1234567` fen → `12,345.67`.
fn grouped_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let int = (abs / 100).to_string();
    let mut out = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{}{}.{:02}", sign, out, abs % 100)
}

/// Money as CSV text: yuan with two decimals, or 万元 rounded to 0.01.
fn plain_money(fen: i64, unit: MoneyUnit) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    match unit {
        MoneyUnit::Yuan => format!("{}{}.{:02}", sign, abs / 100, abs % 100),
        MoneyUnit::Wan => {
            let hundredths = (abs + 5_000) / 10_000;
            format!("{}{}.{:02}", sign, hundredths / 100, hundredths % 100)
        }
    }
}

fn yes_no(b: bool, zh: bool) -> &'static str {
    match (b, zh) {
        (true, true) => "是",
        (false, true) => "否",
        (true, false) => "Yes",
        (false, false) => "No",
    }
}

/// One sheet of a workbook export (or one section of a sectioned CSV).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Sheet name (Excel allows 31 characters and no `[]:*?/\`; others are replaced).
    pub name: String,
    /// Column headers (money columns get their unit appended).
    pub headers: Vec<String>,
    /// The table's rows.
    pub rows: Vec<Vec<Cell>>,
}

/// A formatted workbook of one kind's records: bold header row frozen at
/// the top with an autofilter, columns as wide as their content (CJK
/// counted double), money as numbers formatted `#,##0.00` with the unit in
/// the header, dates as real Excel dates (`yyyy-mm-dd`), integers as
/// numbers, text always as text (never evaluated as a formula).
pub fn export_xlsx(
    kind: Kind,
    headers: &[String],
    rows: &[Vec<Cell>],
    opts: &ExportOptions,
) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    write_sheet(&mut wb, kind.label(opts.zh), headers, rows, opts)?;
    Ok(wb.save_to_buffer()?)
}

/// A workbook of several sheets, each formatted like [`export_xlsx`] (for
/// statistics tables).
pub fn export_workbook(sheets: &[Sheet], opts: &ExportOptions) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    let mut used: Vec<String> = Vec::new();
    for sh in sheets {
        let mut name: String = sh
            .name
            .chars()
            .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
            .take(28)
            .collect();
        if name.is_empty() || used.contains(&name) {
            name = format!("{}{}", name.chars().take(25).collect::<String>(), used.len() + 1);
        }
        used.push(name.clone());
        write_sheet(&mut wb, &name, &sh.headers, &sh.rows, opts)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// Several tables in one CSV (UTF-8 with BOM), as office report CSVs are:
/// each section is its title on a line of its own, its header row, its
/// rows, then an empty line. Cells are written as [`export_csv`] writes them.
pub fn export_csv_sections(sheets: &[Sheet], opts: &ExportOptions) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, sh) in sheets.iter().enumerate() {
        let bytes = export_csv(&sh.headers, &sh.rows, opts);
        let body = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
        if i == 0 {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let title = csv_bytes(std::slice::from_ref(&sh.name), &[]);
        out.extend_from_slice(title.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&title));
        out.extend_from_slice(body);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn write_sheet(
    wb: &mut Workbook,
    name: &str,
    headers: &[String],
    rows: &[Vec<Cell>],
    opts: &ExportOptions,
) -> Result<(), WriteError> {
    let headers = headers_with_units(headers, rows, opts.money_unit);
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let money = Format::new().set_num_format("#,##0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let int = Format::new().set_num_format("0");
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    let mut widths: Vec<usize> = headers.iter().map(|h| column_width(h)).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &head)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let xr = (r + 1) as u32;
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            let shown = match cell {
                Cell::Text(s) => {
                    ws.write_string(xr, col, s)?;
                    s.clone()
                }
                Cell::Money(fen) => {
                    let v = match opts.money_unit {
                        MoneyUnit::Yuan => *fen as f64 / 100.0,
                        MoneyUnit::Wan => *fen as f64 / 1_000_000.0,
                    };
                    ws.write_number_with_format(xr, col, v, &money)?;
                    match opts.money_unit {
                        MoneyUnit::Yuan => grouped_yuan(*fen),
                        MoneyUnit::Wan => grouped_yuan((*fen + 5_000) / 10_000),
                    }
                }
                Cell::Date(d) => {
                    let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8);
                    match dt {
                        Ok(dt) => {
                            ws.write_datetime_with_format(xr, col, &dt, &date)?;
                        }
                        // Outside Excel's range (before 1900): as text.
                        Err(_) => {
                            ws.write_string(xr, col, d.format("%Y-%m-%d").to_string())?;
                        }
                    }
                    d.format("%Y-%m-%d").to_string()
                }
                Cell::Bool(b) => {
                    ws.write_string(xr, col, yes_no(*b, opts.zh))?;
                    yes_no(*b, opts.zh).to_string()
                }
                Cell::Int(i) => {
                    ws.write_number_with_format(xr, col, *i as f64, &int)?;
                    i.to_string()
                }
                Cell::Empty => String::new(),
            };
            if c >= widths.len() {
                widths.resize(c + 1, 0);
            }
            widths[c] = widths[c].max(column_width(&shown));
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w).clamp(6, 60) as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    if !headers.is_empty() {
        let last_col = (headers.len().max(widths.len()) - 1) as u16;
        ws.autofilter(0, 0, rows.len() as u32, last_col)?;
    }
    Ok(())
}

/// Protects a text cell against formula injection: a spreadsheet would
/// evaluate a cell starting with `=`, `+`, `-` or `@` (or a tab / carriage
/// return before one), so such text gets a leading apostrophe.
pub fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{}", s)
    } else {
        s.to_string()
    }
}

/// CSV bytes: UTF-8 with BOM, CRLF line ends, every field quoted only when
/// needed.
pub(crate) fn csv_bytes(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(&mut out);
        // Writing to a Vec cannot fail.
        let _ = w.write_record(headers.iter().map(|h| defuse(h)));
        for r in rows {
            let _ = w.write_record(r);
        }
        let _ = w.flush();
    }
    out
}

/// The same export as CSV: UTF-8 with BOM (Excel then opens Chinese text
/// correctly), money as plain numbers in the chosen unit (with the unit in
/// the header), dates as YYYY-MM-DD, yes/no as 是/否, and text that a
/// spreadsheet would take for a formula prefixed with an apostrophe.
pub fn export_csv(headers: &[String], rows: &[Vec<Cell>], opts: &ExportOptions) -> Vec<u8> {
    let headers = headers_with_units(headers, rows, opts.money_unit);
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Cell::Text(s) => defuse(s),
                    Cell::Money(fen) => plain_money(*fen, opts.money_unit),
                    Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
                    Cell::Bool(b) => yes_no(*b, opts.zh).to_string(),
                    Cell::Int(i) => i.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect()
        })
        .collect();
    csv_bytes(&headers, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_sheets() {
        let sheets = vec![
            Sheet {
                name: "汇总".into(),
                headers: vec!["指标".into(), "本期".into()],
                rows: vec![vec![Cell::Text("技术合同".into()), Cell::Int(214)]],
            },
            Sheet {
                name: "合同（按月）".into(),
                headers: vec!["月份".into(), "成交额".into()],
                rows: vec![vec![Cell::Text("2025-01".into()), Cell::Money(1_234_500)]],
            },
        ];
        let opts = ExportOptions {
            zh: true,
            money_unit: MoneyUnit::Yuan,
        };
        let csv = String::from_utf8(export_csv_sections(&sheets, &opts)).unwrap();
        assert_eq!(
            csv,
            "\u{feff}汇总\r\n指标,本期\r\n技术合同,214\r\n\r\n合同（按月）\r\n月份,成交额（元）\r\n2025-01,12345.00\r\n\r\n"
        );
        let xlsx = export_workbook(&sheets, &opts).unwrap();
        let table = crate::read_table(&xlsx, &crate::ReadOptions::default()).unwrap();
        assert_eq!(table.headers, vec!["指标", "本期"]);
    }

    #[test]
    fn money_headers_and_text() {
        assert_eq!(money_header("成交额（元）", MoneyUnit::Yuan), "成交额（元）");
        assert_eq!(money_header("成交额（元）", MoneyUnit::Wan), "成交额（万元）");
        assert_eq!(money_header("金额", MoneyUnit::Yuan), "金额（元）");
        assert_eq!(
            money_header("Contract value (CNY)", MoneyUnit::Wan),
            "Contract value (10k CNY)"
        );
        assert_eq!(grouped_yuan(123_456_789), "1,234,567.89");
        assert_eq!(grouped_yuan(5), "0.05");
        assert_eq!(plain_money(123_456_789, MoneyUnit::Wan), "123.46");
        assert_eq!(plain_money(-150, MoneyUnit::Yuan), "-1.50");
    }

    #[test]
    fn formulas_are_defused() {
        for s in ["=1+1", "+86", "-2", "@SUM(A1)", "\t=x"] {
            assert!(defuse(s).starts_with('\''), "{s}");
        }
        assert_eq!(defuse("山西"), "山西");
    }
}
