//! kean-exchange — the spreadsheets bureau staff exchange with kean:
//! import files, import error reports, import templates and exports.
//!
//! No I/O of its own: bytes in, bytes or structures out. The server and the
//! CLI import a file in this order:
//!
//! 1. **Read** — [`read_limited`] takes the upload without ever buffering
//!    more than the size limit; [`content_hash`] names the bytes (to spot a
//!    file imported before); [`read_table`] tells XLSX from CSV by content,
//!    decodes UTF-8 / UTF-8 with BOM / GBK (GB18030) text, and returns a
//!    [`Table`] of trimmed cells with each row's line, or a [`ReadError`]
//!    with a Chinese and an English message.
//! 2. **Map headers** — [`map_headers`] matches each header to a field of
//!    the registry kind (field name, Chinese or English label, with or
//!    without `*` and unit suffix) and reports unknown, duplicate, empty
//!    and missing required columns as [`HeaderProblem`]s; then
//!    [`HeaderMap::map_rows`] gives one [`MappedRow`] per data row, keyed
//!    by field name, with its reference cells listed in
//!    [`MappedRow::refs`].
//! 3. **Resolve and validate (caller)** — the caller looks each reference
//!    up (an organization by name or credit code, a district by name or
//!    code, …), puts the id in with [`MappedRow::resolve`], runs
//!    [`validate_row`] (kean-core's `validate`, reporting an unresolved
//!    reference once), and checks unique fields against the stored
//!    records; it collects each row's `FieldError`s.
//! 4. **Report or insert (caller)** — [`build_report`] turns those errors,
//!    plus duplicates within the file that it finds itself, into an
//!    [`ImportReport`] for the page and [`report_xlsx`] into a workbook
//!    with the bad cells marked red. If the report is clean the caller
//!    inserts all rows in one transaction; otherwise nothing is inserted.
//!
//! Staff files import even with: a title line above the header, blank rows,
//! a running-number column (序号), `*` on required headers, unit suffixes
//! such as `（元）`, full-width digits in codes, amounts and dates, dates as
//! Excel day numbers, tab-separated or UTF-16 text, and the 错误说明 column
//! of our own error report (so a corrected report can be uploaded again).
//! Everything else that is wrong is refused with a message in both
//! languages: see [`ReadError`], [`HeaderProblem`] and [`Issue`].
//!
//! ```
//! use kean_core::schema::Kind;
//! use kean_exchange::*;
//!
//! let upload = "*区划代码,*名称\n140105,小店区\n140106,迎泽区\n140105,重复区\n";
//! let bytes = read_limited(upload.as_bytes(), DEFAULT_MAX_BYTES).unwrap();
//! let table = read_table(&bytes, &ReadOptions::default()).unwrap();
//! let map = map_headers(Kind::District, &table.headers).unwrap();
//! let rows = map.map_rows(&table);
//! let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
//! let errors: Vec<_> = rows
//!     .iter()
//!     .map(|row| {
//!         // Resolve `row.refs` here (districts have none), then validate.
//!         validate_row(Kind::District, row, Vec::new(), today).err().unwrap_or_default()
//!     })
//!     .collect();
//! let report = build_report(&map, &rows, &errors);
//! assert_eq!((report.total_rows, report.error_rows), (3, 2)); // 140105 twice
//! assert_eq!(report.issues[0].line, 2);
//! assert!(report.issues[0].reason_zh.contains("第4行"));
//! let workbook = report_xlsx(&table, &report).unwrap(); // bytes to send back
//! assert!(workbook.starts_with(b"PK"));
//! ```
//!
//! Templates ([`template_xlsx`], [`template_csv`]) and exports
//! ([`export_xlsx`], [`export_csv`]) are generated from the same schema.

#![warn(missing_docs)]

mod error;
mod export;
mod map;
mod read;
mod report;
mod template;
mod width;

pub use error::{Document, ReadError, WriteError};
pub use export::{
    Cell, ExportOptions, MoneyUnit, Sheet, defuse, export_csv, export_csv_sections, export_workbook, export_xlsx,
    money_header,
};
pub use map::{
    HeaderMap, HeaderProblem, IGNORED_HEADERS, MappedRow, RefValue, column_letter, field_for_header, map_headers,
    validate_row,
};
pub use read::{
    DEFAULT_MAX_BYTES, DEFAULT_MAX_CELL_CHARS, DEFAULT_MAX_CELLS, DEFAULT_MAX_ROWS, DEFAULT_MAX_SHARED_STRINGS,
    DEFAULT_MAX_TEXT_BYTES, DEFAULT_MAX_UNPACKED_BYTES, MAX_XML_TAG_BYTES, MAX_XML_TEXT_BYTES, MAX_ZIP_PARTS,
    ReadOptions, Row, SourceFormat, Table, read_limited, read_table,
};
pub use report::{ERROR_COLUMN_ZH, ImportReport, Issue, build_report, find_duplicates, report_xlsx};
pub use template::{format_hint, template_csv, template_header, template_xlsx, template_xlsx_with_refs};
pub use width::display_width;

/// SM3 of the raw upload, lower-case hex: equal files have equal hashes,
/// so a re-import of the same file can be recognised.
pub fn content_hash(bytes: &[u8]) -> String {
    kean_core::audit::sm3_hex(bytes)
}
