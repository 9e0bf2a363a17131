//! Mapping a table's headers to the fields of a registry kind, and its rows
//! to the text maps [`kean_core::record::validate`] takes.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use kean_core::FieldError;
use kean_core::record::{Fields, validate};
use kean_core::schema::{Field, FieldType, Kind};
use serde::Serialize;

use crate::read::{Row, Table};

/// Headers that are accepted and ignored: a running number, and the error
/// column of our own error report (so a corrected report can be uploaded
/// again as it is).
pub const IGNORED_HEADERS: &[&str] = &["序号", "no", "no.", "#", crate::report::ERROR_COLUMN_ZH];

/// A problem with the header row. Each names the header (or the field that
/// has no header) so staff can fix the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum HeaderProblem {
    /// The header names no field of the kind.
    Unknown {
        /// 0-based column.
        column: usize,
        /// The header as written.
        header: String,
    },
    /// An empty header cell above a column.
    Empty {
        /// 0-based column.
        column: usize,
    },
    /// Two columns name the same field.
    Duplicate {
        /// The field both name.
        field: &'static str,
        /// The second column's header as written.
        header: String,
        /// 0-based column of the first.
        first_column: usize,
        /// 0-based column of the second.
        column: usize,
    },
    /// A required field has no column.
    MissingRequired {
        /// The field's name.
        field: &'static str,
        /// Its Chinese label.
        zh: &'static str,
        /// Its English label.
        en: &'static str,
    },
}

impl HeaderProblem {
    /// The message for bureau staff, naming the column and header.
    pub fn message_zh(&self) -> String {
        match self {
            HeaderProblem::Unknown { column, header } => {
                format!("第{}列表头“{}”不是可导入的字段", column_letter(*column), header)
            }
            HeaderProblem::Empty { column } => format!("第{}列表头为空", column_letter(*column)),
            HeaderProblem::Duplicate {
                header,
                first_column,
                column,
                ..
            } => format!(
                "第{}列表头“{}”与第{}列重复",
                column_letter(*column),
                header,
                column_letter(*first_column)
            ),
            HeaderProblem::MissingRequired { zh, .. } => format!("缺少必填列“{}”", zh),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            HeaderProblem::Unknown { column, header } => {
                format!(
                    "column {}: '{}' is not an importable field",
                    column_letter(*column),
                    header
                )
            }
            HeaderProblem::Empty { column } => format!("column {}: empty header", column_letter(*column)),
            HeaderProblem::Duplicate {
                header,
                first_column,
                column,
                ..
            } => format!(
                "column {}: '{}' repeats column {}",
                column_letter(*column),
                header,
                column_letter(*first_column)
            ),
            HeaderProblem::MissingRequired { en, .. } => format!("required column '{}' is missing", en),
        }
    }
}

/// Spreadsheet column letter of a 0-based column index (0 → A, 26 → AA).
pub fn column_letter(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A reference cell: the human text naming another record, for the caller
/// to resolve to an id (an organization by name or credit code, a district
/// by name or 6-digit code, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefValue {
    /// The reference field (e.g. `district_id`).
    pub field: &'static str,
    /// The kind of record it names.
    pub kind: Kind,
    /// The cell's text (a name, a code, …).
    pub text: String,
}

/// One data row keyed by field name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappedRow {
    /// The row's line in the file (see [`Row::line`]).
    pub line: usize,
    /// Every mapped column's cell, keyed by field name (empty cells are
    /// empty strings). Reference fields hold the text until
    /// [`MappedRow::resolve`] replaces it with an id.
    pub values: BTreeMap<String, String>,
    /// The non-empty reference cells, in column order.
    pub refs: Vec<RefValue>,
}

impl MappedRow {
    /// Puts the id a reference resolved to in place of its text, ready for
    /// `validate`.
    pub fn resolve(&mut self, field: &str, id: i64) {
        if let Some(v) = self.values.get_mut(field) {
            *v = id.to_string();
        }
    }
}

/// Validates a mapped row after the caller resolved its references:
/// `ref_errors` are the reference cells that could not be resolved (or are
/// out of the caller's scope). Their fields still hold text, so
/// `validate`'s own "not a record id" complaint about them is dropped:
/// each problem is reported once.
pub fn validate_row(
    kind: Kind,
    row: &MappedRow,
    ref_errors: Vec<FieldError>,
    today: NaiveDate,
) -> Result<Fields, Vec<FieldError>> {
    let mut errors = ref_errors;
    match validate(kind, &row.values, today) {
        Ok(fields) if errors.is_empty() => return Ok(fields),
        Ok(_) => {}
        Err(found) => {
            let unresolved: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
            errors.extend(found.into_iter().filter(|e| !unresolved.contains(&e.field)));
        }
    }
    Err(errors)
}

/// Full-width letters, digits and punctuation (typed with a Chinese input
/// method left in full-width mode) become ASCII in fields that hold codes,
/// numbers, dates or yes/no: `９１４４…` is a credit code, `１，２３４．５０` an
/// amount. Names and other text, and references (which name records),
/// keep their characters.
fn normalize_cell(f: &Field, cell: &str) -> String {
    match f.ty {
        FieldType::Digits { .. } | FieldType::CreditCode | FieldType::Money | FieldType::Country => to_ascii(cell),
        // Ticks and crosses as staff mark yes/no columns.
        FieldType::Bool => match cell.trim() {
            "✓" | "✔" | "☑" => "是".to_string(),
            "×" | "✕" | "✗" | "✘" | "☐" => "否".to_string(),
            other => to_ascii(other),
        },
        FieldType::Date => {
            let ascii = to_ascii(cell);
            excel_serial_date(&ascii).unwrap_or(ascii)
        }
        _ => cell.to_string(),
    }
}

fn to_ascii(cell: &str) -> String {
    cell.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A date that reached us as Excel's day number (a date cell pasted as a
/// value, or formatted as General): five digits, 10000 (1927-05-18) to
/// 99999, in the 1900 date system. Eight digits stay `20250301`.
fn excel_serial_date(s: &str) -> Option<String> {
    if s.len() != 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let days: i64 = s.parse().ok()?;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let d = epoch.checked_add_signed(chrono::Duration::days(days))?;
    Some(d.format("%Y-%m-%d").to_string())
}

/// Which column holds which field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    kind: Kind,
    headers: Vec<String>,
    /// Per column, the field it holds (None for ignored columns).
    columns: Vec<Option<&'static Field>>,
}

/// Lower-cases, drops whitespace, turns full-width parentheses and the
/// full-width asterisk into ASCII, and removes required markers (`*`).
fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '＊' => '*',
            c => c,
        })
        .filter(|c| *c != '*')
        .flat_map(char::to_lowercase)
        .collect()
}

/// `成交额（元）` → `成交额`, `Contract value (CNY)` → `Contract value`.
fn without_suffix(label: &str) -> &str {
    for (open, close) in [('（', '）'), ('(', ')')] {
        if label.ends_with(close)
            && let Some(i) = label.rfind(open)
            && i > 0
        {
            return label[..i].trim_end();
        }
    }
    label
}

/// Every header text that names `f`, normalized.
fn keys(f: &Field) -> [String; 5] {
    [
        normalize(f.name),
        normalize(f.zh),
        normalize(f.en),
        normalize(without_suffix(f.zh)),
        normalize(without_suffix(f.en)),
    ]
}

/// The field a header names, if any.
pub fn field_for_header(kind: Kind, header: &str) -> Option<&'static Field> {
    let h = normalize(header);
    if h.is_empty() {
        return None;
    }
    kind.fields().iter().find(|f| keys(f).contains(&h))
}

/// Maps headers to fields. A header may be the field's name, its Chinese
/// or English label, with or without a unit suffix such as `（元）` or a
/// required marker `*`, in any case and spacing. All problems are reported
/// at once.
pub fn map_headers(kind: Kind, headers: &[String]) -> Result<HeaderMap, Vec<HeaderProblem>> {
    let mut problems = Vec::new();
    let mut columns = Vec::with_capacity(headers.len());
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        let norm = normalize(h);
        if norm.is_empty() {
            problems.push(HeaderProblem::Empty { column: i });
            columns.push(None);
            continue;
        }
        if IGNORED_HEADERS.iter().any(|x| normalize(x) == norm) {
            columns.push(None);
            continue;
        }
        match field_for_header(kind, h) {
            None => {
                problems.push(HeaderProblem::Unknown {
                    column: i,
                    header: h.clone(),
                });
                columns.push(None);
            }
            Some(f) => {
                if let Some(&first) = seen.get(f.name) {
                    problems.push(HeaderProblem::Duplicate {
                        field: f.name,
                        header: h.clone(),
                        first_column: first,
                        column: i,
                    });
                    columns.push(None);
                } else {
                    seen.insert(f.name, i);
                    columns.push(Some(f));
                }
            }
        }
    }
    for f in kind.fields() {
        if f.required && !seen.contains_key(f.name) {
            problems.push(HeaderProblem::MissingRequired {
                field: f.name,
                zh: f.zh,
                en: f.en,
            });
        }
    }
    if problems.is_empty() {
        Ok(HeaderMap {
            kind,
            headers: headers.to_vec(),
            columns,
        })
    } else {
        Err(problems)
    }
}

impl HeaderMap {
    /// The kind the headers were mapped to.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The headers as they were in the file.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The column (0-based) and header text holding `field`, if the file has it.
    pub fn column_of(&self, field: &str) -> Option<(usize, &str)> {
        self.columns
            .iter()
            .position(|f| f.is_some_and(|f| f.name == field))
            .map(|i| (i, self.headers[i].as_str()))
    }

    /// The field in column `col`, if it holds one.
    pub fn field_at(&self, col: usize) -> Option<&'static Field> {
        self.columns.get(col).copied().flatten()
    }

    /// One row keyed by field name; unmapped columns are left out. Code,
    /// number, date and yes/no cells are normalized (full-width characters,
    /// Excel day numbers, ticks and crosses); text is kept as it is.
    pub fn map_row(&self, row: &Row) -> MappedRow {
        let mut values = BTreeMap::new();
        let mut refs = Vec::new();
        for (f, cell) in self.columns.iter().zip(&row.cells) {
            let Some(f) = f else { continue };
            if let FieldType::Ref(kind) = f.ty
                && !cell.is_empty()
            {
                refs.push(RefValue {
                    field: f.name,
                    kind,
                    text: cell.clone(),
                });
            }
            values.insert(f.name.to_string(), normalize_cell(f, cell));
        }
        MappedRow {
            line: row.line,
            values,
            refs,
        }
    }

    /// [`HeaderMap::map_row`] for every row of the table.
    pub fn map_rows(&self, table: &Table) -> Vec<MappedRow> {
        table.rows.iter().map(|r| self.map_row(r)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_header_text_names_two_fields_of_a_kind() {
        for kind in Kind::ALL {
            let mut owner: BTreeMap<String, &str> = BTreeMap::new();
            for f in kind.fields() {
                for k in keys(f) {
                    if let Some(other) = owner.insert(k.clone(), f.name) {
                        assert_eq!(other, f.name, "{kind:?}: '{k}' names {other} and {}", f.name);
                    }
                }
            }
        }
    }

    #[test]
    fn excel_day_numbers_in_date_columns() {
        assert_eq!(excel_serial_date("45717").as_deref(), Some("2025-03-01"));
        assert_eq!(excel_serial_date("20250301"), None);
        assert_eq!(excel_serial_date("4571"), None);
        let f = Kind::Organization.field("established_on").unwrap();
        assert_eq!(normalize_cell(f, "４５７１７"), "2025-03-01");
        assert_eq!(normalize_cell(f, "2025/3/1"), "2025/3/1");
        let b = Kind::Organization.field("tech_sme").unwrap();
        assert_eq!(normalize_cell(b, "×"), "否");
        assert_eq!(normalize_cell(b, "✓"), "是");
        assert_eq!(normalize_cell(b, "１"), "1");
    }

    #[test]
    fn labels_with_marks_and_suffixes() {
        let k = Kind::TechContract;
        for h in [
            "成交额（元）",
            "成交额",
            "*成交额(元)",
            " contract VALUE (cny) ",
            "contract_value",
            "成交额 *",
        ] {
            assert_eq!(field_for_header(k, h).map(|f| f.name), Some("contract_value"), "{h}");
        }
        assert_eq!(field_for_header(k, "成交额（万元）"), None);
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
    }
}
