//! Reading an uploaded file into a [`Table`]: the format is told from the
//! content (never from the file name), text is decoded as UTF-8 (with or
//! without BOM), UTF-16 (with BOM) or GB18030/GBK, and workbooks are read
//! cell by cell so that a sheet claiming a million rows is refused at the
//! row limit instead of being loaded whole.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, ExcelDateTime, Reader, Xlsx, XlsxError};
use serde::Serialize;

use crate::error::{Document, ReadError};

/// Default size limit: 50 MB.
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Default limit of what a workbook may unpack to, all its parts together,
/// counted while unpacking (the sizes a zip declares are not trusted): 256 MB.
pub const DEFAULT_MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Default limit of data rows per import.
pub const DEFAULT_MAX_ROWS: usize = 100_000;
/// Default limit of the characters in one cell: Excel's own (32,767).
pub const DEFAULT_MAX_CELL_CHARS: usize = 32_767;
/// Default limit of the non-empty cells of a file (header included).
pub const DEFAULT_MAX_CELLS: usize = 2_000_000;
/// Default limit of the text of all cells together: 64 MB.
pub const DEFAULT_MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;
/// Default limit of a workbook's shared strings (the distinct texts of its
/// cells), counted while unpacking and as the workbook declares them.
pub const DEFAULT_MAX_SHARED_STRINGS: u64 = 2_000_000;
/// The longest text between two XML tags of a workbook part: a cell of
/// 32,767 characters, each escaped, stays well below it.
pub const MAX_XML_TEXT_BYTES: u64 = 1024 * 1024;
/// The longest XML tag (name and attributes) of a workbook part.
pub const MAX_XML_TAG_BYTES: u64 = 64 * 1024;
/// The most parts (files) a workbook may hold.
pub const MAX_ZIP_PARTS: u64 = 10_000;

/// Limits and choices for [`read_table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// Larger inputs are refused before any parsing.
    pub max_bytes: u64,
    /// A workbook whose parts add up to more than this when unpacked is
    /// refused (a "zip bomb"): the parts are unpacked through a counting
    /// reader, whatever sizes the zip declares, before calamine opens it.
    pub max_unpacked_bytes: u64,
    /// More data rows than this (not counting the header or blank rows) are refused.
    pub max_rows: usize,
    /// A cell longer than this (in characters) is refused.
    pub max_cell_chars: usize,
    /// More non-empty cells than this (header included) are refused, as
    /// they are read.
    pub max_cells: usize,
    /// More text than this (bytes of all cells together) is refused, as it
    /// is read.
    pub max_text_bytes: usize,
    /// A workbook with more shared strings than this is refused before
    /// calamine loads them.
    pub max_shared_strings: u64,
    /// The worksheet to read from a workbook; `None` reads the first one.
    pub sheet: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_bytes: DEFAULT_MAX_BYTES,
            max_unpacked_bytes: DEFAULT_MAX_UNPACKED_BYTES,
            max_rows: DEFAULT_MAX_ROWS,
            max_cell_chars: DEFAULT_MAX_CELL_CHARS,
            max_cells: DEFAULT_MAX_CELLS,
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
            max_shared_strings: DEFAULT_MAX_SHARED_STRINGS,
            sheet: None,
        }
    }
}

/// What the file turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "format")]
pub enum SourceFormat {
    /// Delimited text.
    Csv {
        /// `utf-8`, `utf-16le`, `utf-16be` or `gb18030` (which covers GBK).
        encoding: &'static str,
        /// `,` or tab.
        delimiter: char,
    },
    /// An Excel workbook.
    Xlsx {
        /// The worksheet that was read.
        sheet: String,
    },
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Where the row is in the file, 1-based: the physical line on which a
    /// CSV record starts, or the Excel row number. The header is line 1 in
    /// a file without leading blank lines.
    pub line: usize,
    /// Trimmed cells, exactly one per header (missing cells are empty).
    pub cells: Vec<String>,
}

/// A table as read from a file: trimmed headers and the non-blank data rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// A title line above the header row (a single cell, followed by a
    /// row of several headers), skipped when reading.
    pub title: Option<String>,
    /// The header row, trimmed, up to its last non-empty cell.
    pub headers: Vec<String>,
    /// The non-blank rows below the header.
    pub rows: Vec<Row>,
    /// What the file turned out to be.
    pub format: SourceFormat,
}

/// Reads a table from the bytes of an uploaded file.
///
/// The size limit is checked first, so an oversized upload costs nothing.
/// Blank rows are skipped; the first non-blank row is the header.
pub fn read_table(bytes: &[u8], opts: &ReadOptions) -> Result<Table, ReadError> {
    if bytes.len() as u64 > opts.max_bytes {
        return Err(ReadError::TooLarge {
            max_bytes: opts.max_bytes,
        });
    }
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return read_xlsx(bytes, opts);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An OLE compound file: a legacy .xls, or Word's or PowerPoint's
        // (their main stream's name is in the directory, in UTF-16).
        let holds = |name: &str| {
            let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
            bytes.windows(utf16.len()).any(|w| w == utf16.as_slice())
        };
        if holds("WordDocument") {
            return Err(ReadError::NotASpreadsheet { is: Document::Word });
        }
        if holds("PowerPoint Document") {
            return Err(ReadError::NotASpreadsheet {
                is: Document::PowerPoint,
            });
        }
        return Err(ReadError::UnsupportedXls);
    }
    if bytes.starts_with(b"%PDF-") {
        return Err(ReadError::NotASpreadsheet { is: Document::Pdf });
    }
    read_text(bytes, opts)
}

/// Reads a whole upload from `reader`, but never more than `max_bytes`
/// (+1 byte to tell an oversized stream): an oversized body is refused
/// without being buffered. Hash the result with [`crate::content_hash`] and
/// parse it with [`read_table`].
pub fn read_limited(reader: impl Read, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| ReadError::Interrupted { detail: e.to_string() })?;
    if buf.len() as u64 > max_bytes {
        return Err(ReadError::TooLarge { max_bytes });
    }
    Ok(buf)
}

/// Collects non-blank rows, enforcing the limits of rows, cells and text
/// as the cells arrive (a limit is hit before what exceeds it is kept).
struct Builder<'a> {
    opts: &'a ReadOptions,
    title: Option<String>,
    headers: Option<Vec<String>>,
    rows: Vec<Row>,
    /// Non-empty cells taken so far, and their bytes.
    filled: usize,
    text_bytes: usize,
    /// Cells kept so far, the empty ones that pad a row to the header's
    /// width included.
    kept: usize,
}

/// A column's letters as Excel shows them: 0 → A, 26 → AA.
pub(crate) fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Builder<'_> {
    fn new(opts: &ReadOptions) -> Builder<'_> {
        Builder {
            opts,
            title: None,
            headers: None,
            rows: Vec::new(),
            filled: 0,
            text_bytes: 0,
            kept: 0,
        }
    }

    /// Counts one non-empty cell as it is read (`col` 0-based from the
    /// file's first column): refuses a cell that is too long, and more cells
    /// or text than the limits allow.
    fn take_cell(&mut self, line: usize, col: usize, text: &str) -> Result<(), ReadError> {
        // Characters are at most 4 bytes: only a long text needs counting.
        if text.len() > self.opts.max_cell_chars && text.chars().count() > self.opts.max_cell_chars {
            return Err(ReadError::CellTooLong {
                line,
                column: column_letters(col),
                max_chars: self.opts.max_cell_chars,
            });
        }
        self.filled += 1;
        if self.filled > self.opts.max_cells {
            return Err(ReadError::TooManyFilledCells {
                max_cells: self.opts.max_cells,
            });
        }
        self.text_bytes += text.len();
        if self.text_bytes > self.opts.max_text_bytes {
            return Err(ReadError::TooMuchText {
                max_bytes: self.opts.max_text_bytes,
            });
        }
        Ok(())
    }

    /// Counts the cells a row keeps (padded to the header's width).
    fn keep(&mut self, cells: usize) -> Result<(), ReadError> {
        self.kept += cells;
        if self.kept > self.opts.max_cells {
            return Err(ReadError::TooManyFilledCells {
                max_cells: self.opts.max_cells,
            });
        }
        Ok(())
    }

    /// Whether a row with `filled` non-empty cells shows that the single
    /// cell taken as the header was really a title above the table (as in
    /// "2025年技术合同登记表" over the header row).
    fn replaces_title(&self, filled: usize) -> bool {
        self.title.is_none()
            && self.rows.is_empty()
            && filled >= 2
            && self.headers.as_ref().is_some_and(|h| h.len() == 1)
    }

    /// `cells` are trimmed already. Returns an error once a limit is exceeded.
    fn push(&mut self, line: usize, mut cells: Vec<String>) -> Result<(), ReadError> {
        let Some(last) = cells.iter().rposition(|c| !c.is_empty()) else {
            return Ok(());
        };
        cells.truncate(last + 1);
        if self.replaces_title(cells.iter().filter(|c| !c.is_empty()).count()) {
            self.title = self.headers.take().and_then(|h| h.into_iter().next());
        }
        match &self.headers {
            None => {
                self.keep(cells.len())?;
                self.headers = Some(cells);
            }
            Some(h) => {
                if cells.len() > h.len() {
                    return Err(ReadError::TooManyCells {
                        line,
                        cells: cells.len(),
                        headers: h.len(),
                    });
                }
                if self.rows.len() >= self.opts.max_rows {
                    return Err(ReadError::TooManyRows {
                        max_rows: self.opts.max_rows,
                    });
                }
                let width = h.len();
                self.keep(width)?;
                cells.resize(width, String::new());
                self.rows.push(Row { line, cells });
            }
        }
        Ok(())
    }

    fn finish(self, format: SourceFormat) -> Result<Table, ReadError> {
        let headers = self.headers.ok_or(ReadError::Empty)?;
        if self.rows.is_empty() {
            return Err(ReadError::NoDataRows);
        }
        Ok(Table {
            title: self.title,
            headers,
            rows: self.rows,
            format,
        })
    }
}

fn read_text(bytes: &[u8], opts: &ReadOptions) -> Result<Table, ReadError> {
    if looks_binary(bytes) {
        return Err(ReadError::NotATable);
    }
    let (text, encoding) = decode(bytes)?;
    // A DOS end-of-file mark is not content.
    let text = text.trim_end_matches('\u{1a}');
    let strays = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\u{c}'))
        .count();
    if strays > 8.max(text.len() / 100) {
        return Err(ReadError::NotATable);
    }
    if let Some(is) = text_document(text) {
        return Err(ReadError::NotASpreadsheet { is });
    }
    let head: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(5).collect();
    let count = |sep: char| head.iter().map(|l| l.matches(sep).count()).sum::<usize>();
    let delimiter = if count('\t') > count(',') { '\t' } else { ',' };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter as u8)
        .from_reader(text.as_bytes());
    let mut b = Builder::new(opts);
    let mut record = csv::StringRecord::new();
    // The csv reader's own line count lags behind after CRLF line ends,
    // so lines are counted here from the byte offset of each record: the
    // record starts at the first byte after any line terminators there.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0usize, 1usize);
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            // The input is a decoded `str` and an in-memory reader, so the
            // csv reader cannot fail; treat it as unreadable all the same.
            Err(_) => return Err(ReadError::NotATable),
        }
        let mut start = record
            .position()
            .map_or(counted_to, |p| p.byte() as usize)
            .max(counted_to);
        while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        line += bytes[counted_to..start].iter().filter(|b| **b == b'\n').count();
        counted_to = start;
        let cells: Vec<String> = record.iter().map(clean).collect();
        for (col, cell) in cells.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
            b.take_cell(line, col, cell)?;
        }
        b.push(line, cells)?;
    }
    let table = b.finish(SourceFormat::Csv { encoding, delimiter });
    if table == Err(ReadError::NoDataRows) && !text.contains([',', '\t', ';']) {
        // One line and no column: a line of text, not a header row.
        return Err(ReadError::NotASpreadsheet {
            is: Document::PlainText,
        });
    }
    table
}

/// Text that is a document of a known kind rather than a table: a web page,
/// XML, JSON, RTF, a PDF. Judged by how the text starts (and, for JSON, by
/// parsing it whole), so a CSV is never taken for one.
fn text_document(text: &str) -> Option<Document> {
    let t = text.trim_start_matches('\u{feff}').trim();
    let start: String = t.chars().take(300).collect::<String>().to_ascii_lowercase();
    if start.starts_with("%pdf-") {
        return Some(Document::Pdf);
    }
    if start.starts_with("{\\rtf") {
        return Some(Document::Rtf);
    }
    if start.starts_with('<') {
        if start.starts_with("<!doctype html") || start.contains("<html") {
            return Some(Document::Html);
        }
        if start.starts_with("<?xml") || start.starts_with("<!--") || t.ends_with('>') {
            return Some(Document::Xml);
        }
    }
    if (t.starts_with('{') && t.ends_with('}') || t.starts_with('[') && t.ends_with(']')) && json_like(t) {
        return Some(Document::Json);
    }
    None
}

/// Whether the text is one JSON object or array: brackets balanced outside
/// strings, closing exactly at the end (no JSON parser needed).
fn json_like(t: &str) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0i64, false, false);
    for (i, c) in t.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth -= 1;
                if depth == 0 && i + c.len_utf8() != t.len() {
                    return false;
                }
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_string
}

/// NUL bytes (outside UTF-16 text) or many control bytes: an image, an
/// archive, an executable, not a text table.
fn looks_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return false;
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let controls = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\t' | b'\r' | b'\n' | 0x0c | 0x1a))
        .count();
    sample.contains(&0) || controls > 8.max(sample.len() / 100)
}

/// Strict UTF-8 first (a BOM is dropped), then UTF-16 if it has a BOM, then
/// GB18030 (a superset of GBK and GB2312). Bytes valid in none of them are
/// not text.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), ReadError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok((s.to_string(), "utf-8"));
    }
    for (bom, enc, name) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE, "utf-16le"),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE, "utf-16be"),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return enc
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|s| (s.into_owned(), name))
                .ok_or(ReadError::NotATable);
        }
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| (s.into_owned(), "gb18030"))
        .ok_or(ReadError::UnknownEncoding)
}

/// Checks a workbook before calamine opens it: a zip that cannot even be
/// listed is damaged, one without a workbook part is some other document (a
/// .docx, an .ods, a plain archive). Then every part is unpacked through a
/// counting reader into nothing — the sizes a zip declares can lie, the
/// bytes that come out cannot —, refusing the workbook once its parts add up
/// to more than `max_unpacked_bytes`, and its XML parts are scanned so that
/// no text or tag calamine will hold at once is longer than
/// [`MAX_XML_TEXT_BYTES`] / [`MAX_XML_TAG_BYTES`] and the shared strings it
/// loads whole are no more than `max_shared_strings`. Memory stays that of
/// one buffer, whatever the file.
fn check_zip(bytes: &[u8], opts: &ReadOptions) -> Result<(), ReadError> {
    let damaged = |e: zip::result::ZipError| ReadError::CorruptXlsx { detail: e.to_string() };
    if declared_parts(bytes).is_some_and(|n| n > MAX_ZIP_PARTS) {
        return Err(ReadError::TooManyParts {
            max_parts: MAX_ZIP_PARTS,
        });
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(damaged)?;
    if zip.len() as u64 > MAX_ZIP_PARTS {
        return Err(ReadError::TooManyParts {
            max_parts: MAX_ZIP_PARTS,
        });
    }
    let has_workbook = zip
        .file_names()
        .any(|n| n.is_ok_and(|n| n.eq_ignore_ascii_case("xl/workbook.xml")));
    if !has_workbook {
        let has = |prefix: &str| zip.file_names().any(|n| n.is_ok_and(|n| n.starts_with(prefix)));
        let is = if has("word/") {
            Document::Word
        } else if has("ppt/") {
            Document::PowerPoint
        } else if has("content.xml") && has("mimetype") {
            Document::OpenDocument
        } else {
            Document::Archive
        };
        return Err(ReadError::NotASpreadsheet { is });
    }
    let too_large = || ReadError::TooLargeUnpacked {
        max_bytes: opts.max_unpacked_bytes,
    };
    // The sizes the directory declares: refused at once when already too
    // large (nothing is unpacked), and not trusted otherwise.
    let mut declared = 0u128;
    for i in 0..zip.len() {
        declared += u128::from(zip.by_index_raw(i).map_err(damaged)?.size());
    }
    if declared > u128::from(opts.max_unpacked_bytes) {
        return Err(too_large());
    }
    let mut budget = opts.max_unpacked_bytes;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(damaged)?;
        let name = part.name().map_err(damaged)?.to_ascii_lowercase();
        let mut scan = (name.ends_with(".xml") || name.ends_with(".rels"))
            .then(|| XmlScan::new(name.ends_with("sharedstrings.xml"), opts.max_shared_strings));
        loop {
            let n = match part.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::CorruptXlsx { detail: e.to_string() }),
            };
            budget = budget.checked_sub(n as u64).ok_or_else(too_large)?;
            if let Some(scan) = scan.as_mut() {
                scan.feed(&buf[..n])?;
            }
        }
    }
    Ok(())
}

/// The number of parts the zip's end-of-directory record declares, read
/// before the directory is (a directory of a million empty parts costs
/// memory to list). `None` when there is no such record (the zip is damaged,
/// which opening it will tell) or it defers to a ZIP64 record.
fn declared_parts(bytes: &[u8]) -> Option<u64> {
    const EOCD: &[u8] = b"PK\x05\x06";
    let tail_from = bytes.len().saturating_sub(22 + 65_535);
    let tail = &bytes[tail_from..];
    let at = memchr::memmem::rfind(tail, EOCD)?;
    let rec = tail.get(at..at + 22)?;
    let total = u16::from_le_bytes([rec[10], rec[11]]);
    (total != u16::MAX).then_some(u64::from(total))
}

/// Scans an XML part as it is unpacked: the longest text between tags, the
/// longest tag, and in the shared strings part the number of strings
/// (`<si>` elements) and the number the part declares (`uniqueCount`, for
/// which calamine reserves memory up front).
struct XmlScan {
    shared_strings: bool,
    max_strings: u64,
    in_tag: bool,
    /// Bytes since the last `<` or `>`.
    run: u64,
    /// The start of the current tag (its name, and for `sst` its attributes).
    tag: Vec<u8>,
    strings: u64,
}

impl XmlScan {
    fn new(shared_strings: bool, max_strings: u64) -> XmlScan {
        XmlScan {
            shared_strings,
            max_strings,
            in_tag: false,
            run: 0,
            tag: Vec::new(),
            strings: 0,
        }
    }

    fn feed(&mut self, mut data: &[u8]) -> Result<(), ReadError> {
        while !data.is_empty() {
            let next = memchr::memchr2(b'<', b'>', data);
            let segment = &data[..next.unwrap_or(data.len())];
            self.run += segment.len() as u64;
            if self.in_tag {
                if self.run > MAX_XML_TAG_BYTES {
                    return Err(ReadError::OversizedXml {
                        max_bytes: MAX_XML_TAG_BYTES,
                    });
                }
                // The tag's name and attributes (an `sst` tag's declare the
                // count), at most MAX_XML_TAG_BYTES as just checked.
                self.tag.extend_from_slice(segment);
            } else if self.run > MAX_XML_TEXT_BYTES {
                return Err(ReadError::OversizedXml {
                    max_bytes: MAX_XML_TEXT_BYTES,
                });
            }
            let Some(i) = next else { break };
            if data[i] == b'<' {
                self.in_tag = true;
                self.tag.clear();
            } else if self.in_tag {
                self.in_tag = false;
                self.end_tag()?;
            }
            self.run = 0;
            data = &data[i + 1..];
        }
        Ok(())
    }

    /// Whether the current tag's name is `name` (with or without a prefix).
    fn is_tag(&self, name: &[u8]) -> bool {
        let end = self
            .tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .unwrap_or(self.tag.len());
        let full = &self.tag[..end];
        let local = full.rsplit(|b| *b == b':').next().unwrap_or(full);
        local == name
    }

    fn end_tag(&mut self) -> Result<(), ReadError> {
        if !self.shared_strings {
            return Ok(());
        }
        let too_many = || ReadError::TooManySharedStrings {
            max_strings: self.max_strings,
        };
        if self.is_tag(b"si") {
            self.strings += 1;
            if self.strings > self.max_strings {
                return Err(too_many());
            }
        } else if self.is_tag(b"sst") {
            let attr = b"uniqueCount=";
            if let Some(at) = memchr::memmem::find(&self.tag, attr) {
                let value = &self.tag[at + attr.len()..];
                let digits: Vec<u8> = value
                    .iter()
                    .skip(1)
                    .take_while(|b| b.is_ascii_digit())
                    .copied()
                    .collect();
                let declared = std::str::from_utf8(&digits)
                    .ok()
                    .and_then(|d| d.parse::<u64>().ok())
                    .unwrap_or(u64::MAX);
                if !digits.is_empty() && declared > self.max_strings {
                    return Err(too_many());
                }
            }
        }
        Ok(())
    }
}

fn read_xlsx(bytes: &[u8], opts: &ReadOptions) -> Result<Table, ReadError> {
    check_zip(bytes, opts)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(open_error)?;
    let names = wb.sheet_names();
    let sheet = match &opts.sheet {
        Some(want) => names
            .iter()
            .find(|n| *n == want)
            .cloned()
            .ok_or_else(|| ReadError::SheetNotFound {
                name: want.clone(),
                available: names.clone(),
            })?,
        None => names.first().cloned().ok_or(ReadError::Empty)?,
    };
    let mut cells = wb.worksheet_cells_reader(&sheet).map_err(open_error)?;
    let mut b = Builder::new(opts);
    // Rows are collected one at a time (cells arrive in sheet order); a
    // row is complete when a cell of a later row arrives. Rows stored out
    // of order are sorted in `pending` and flushed at the end.
    let mut pending: BTreeMap<u32, Vec<(u32, String)>> = BTreeMap::new();
    // Column of the first header cell: a table placed from column B on
    // is read from column B.
    let mut first_col: Option<u32> = None;
    loop {
        let cell = match cells.next_cell() {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => return Err(corrupt(e)),
        };
        let (r, c) = cell.get_position();
        let text = render(cell.get_value());
        if text.is_empty() {
            continue;
        }
        b.take_cell(r as usize + 1, c as usize, &text)?;
        while let Some((&done, _)) = pending.first_key_value() {
            if done >= r {
                break;
            }
            let (done, row_cells) = pending.pop_first().unwrap_or_default();
            flush(&mut b, &mut first_col, done, row_cells)?;
        }
        pending.entry(r).or_default().push((c, text));
    }
    while let Some((r, row_cells)) = pending.pop_first() {
        flush(&mut b, &mut first_col, r, row_cells)?;
    }
    b.finish(SourceFormat::Xlsx { sheet })
}

fn flush(b: &mut Builder<'_>, first_col: &mut Option<u32>, r: u32, cells: Vec<(u32, String)>) -> Result<(), ReadError> {
    let line = r as usize + 1;
    let min = cells.iter().map(|(c, _)| *c).min().unwrap_or(0);
    let replacing_title = b.replaces_title(cells.len());
    if replacing_title {
        *first_col = Some(min);
    }
    let start = *first_col.get_or_insert(min);
    if min < start {
        // A value left of the table: counts as a cell the header lacks.
        let width = b.headers.as_ref().map_or(0, Vec::len);
        return Err(ReadError::TooManyCells {
            line,
            cells: width + (start - min) as usize,
            headers: width,
        });
    }
    let max = cells.iter().map(|(c, _)| *c).max().unwrap_or(0);
    let width = (max - start) as usize + 1;
    if let Some(h) = &b.headers
        && !replacing_title
        && width > h.len()
    {
        return Err(ReadError::TooManyCells {
            line,
            cells: width,
            headers: h.len(),
        });
    }
    let mut row = vec![String::new(); width];
    for (c, text) in cells {
        row[(c - start) as usize] = text;
    }
    b.push(line, row)
}

fn open_error(e: XlsxError) -> ReadError {
    match e {
        XlsxError::Password => ReadError::UnsupportedXls,
        e => corrupt(e),
    }
}

fn corrupt(e: XlsxError) -> ReadError {
    ReadError::CorruptXlsx { detail: e.to_string() }
}

/// A workbook cell as text: whole numbers without ".0", other numbers with
/// at most 15 significant digits (as Excel shows them), dates as
/// YYYY-MM-DD, booleans as true/false, error values as Excel writes them.
fn render(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => render_float(*f),
        DataRef::String(s) => clean(s),
        DataRef::SharedString(s) => clean(s),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => render_datetime(d),
        DataRef::DateTimeIso(s) => clean(s.strip_suffix("T00:00:00").unwrap_or(s)),
        DataRef::DurationIso(s) => clean(s),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// A cell trimmed of whitespace (including the ideographic space and
/// no-break space) and of the invisible characters copied in from web pages
/// and editors: zero-width spaces and stray byte-order marks.
fn clean(s: &str) -> String {
    s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{feff}'))
        .to_string()
}

pub(crate) fn render_float(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    // Round to 15 significant digits, then drop trailing zeros.
    let magnitude = if f == 0.0 { 0 } else { f.abs().log10().floor() as i32 };
    let decimals = (14 - magnitude).clamp(0, 20) as usize;
    let s = format!("{:.*}", decimals, f);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn render_datetime(d: &ExcelDateTime) -> String {
    if d.is_duration() {
        return render_float(d.as_f64());
    }
    let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
    if d.as_f64() < 1.0 {
        // A time of day without a date.
        return format!("{:02}:{:02}:{:02}", h, mi, s);
    }
    if (h, mi, s) == (0, 0, 0) {
        format!("{:04}-{:02}-{:02}", y, mo, da)
    } else {
        format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", y, mo, da, h, mi, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_render_as_excel_shows_them() {
        assert_eq!(render_float(42.0), "42");
        assert_eq!(render_float(-3.0), "-3");
        assert_eq!(render_float(1234.5), "1234.5");
        assert_eq!(render_float(0.1 + 0.2), "0.3");
        assert_eq!(render_float(338_450_000.12), "338450000.12");
        assert_eq!(render_float(0.0), "0");
    }

    #[test]
    fn gbk_is_decoded_when_not_utf8() {
        let (bytes, _, _) = encoding_rs::GBK.encode("单位名称,地址\n甲,乙\n");
        let (s, enc) = decode(&bytes).unwrap();
        assert_eq!(enc, "gb18030");
        assert!(s.starts_with("单位名称"));
    }
}
