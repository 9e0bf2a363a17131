//! Errors, each with a Chinese message for bureau staff and an English one
//! for logs and the English UI.

use std::fmt;

/// Why an uploaded file could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The file has no bytes, or only blank lines / empty cells.
    Empty,
    /// The file is larger than the caller's limit (checked before parsing).
    TooLarge {
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// A workbook that would unpack to more than the caller's limit.
    TooLargeUnpacked {
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// A workbook part holds a text or a tag longer than the limit: no
    /// cell needs that much (Excel holds 32,767 characters in a cell).
    OversizedXml {
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// A workbook with more shared strings (distinct cell texts) than allowed.
    TooManySharedStrings {
        /// The limit.
        max_strings: u64,
    },
    /// A zip of more parts than any workbook has.
    TooManyParts {
        /// The limit.
        max_parts: u64,
    },
    /// A cell longer than the limit.
    CellTooLong {
        /// Line (CSV) or row number (XLSX), 1-based.
        line: usize,
        /// The column's letters, as Excel shows them (A, B, … AA).
        column: String,
        /// The limit in characters.
        max_chars: usize,
    },
    /// More non-empty cells (or cells kept, rows padded to the header's
    /// width) than allowed.
    TooManyFilledCells {
        /// The limit.
        max_cells: usize,
    },
    /// More text in all cells together than allowed.
    TooMuchText {
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// The upload stream failed before its end (see [`crate::read_limited`]).
    Interrupted {
        /// The I/O error (English, for logs).
        detail: String,
    },
    /// Binary content that is neither an XLSX workbook nor text.
    NotATable,
    /// A file recognized as something other than a spreadsheet (a PDF, a
    /// Word document, a web page …).
    NotASpreadsheet {
        /// What the file is.
        is: Document,
    },
    /// Text in an encoding that is neither UTF-8 nor GBK/GB18030.
    UnknownEncoding,
    /// A legacy `.xls` workbook or a password-protected (encrypted) XLSX.
    UnsupportedXls,
    /// Looks like an XLSX (zip) but cannot be opened: truncated or damaged.
    CorruptXlsx {
        /// What the zip/XML layer reported (English, for logs).
        detail: String,
    },
    /// The named worksheet does not exist.
    SheetNotFound {
        /// The sheet asked for.
        name: String,
        /// The sheets the workbook does have.
        available: Vec<String>,
    },
    /// A header row but no data rows below it.
    NoDataRows,
    /// More data rows than the caller allows.
    TooManyRows {
        /// The limit.
        max_rows: usize,
    },
    /// A row has non-empty cells to the right of the last header.
    TooManyCells {
        /// Line (CSV) or row number (XLSX) of the offending row, 1-based.
        line: usize,
        /// How many cells the row has, counting to its last non-empty one.
        cells: usize,
        /// How many columns the header has.
        headers: usize,
    },
}

impl ReadError {
    /// The message for bureau staff.
    pub fn message_zh(&self) -> String {
        match self {
            ReadError::Empty => "文件为空，没有任何内容".into(),
            ReadError::TooLarge { max_bytes } => {
                format!("文件过大：不能超过 {}", human_size(*max_bytes, true))
            }
            ReadError::TooLargeUnpacked { max_bytes } => format!(
                "Excel 文件解压后超过 {}：请删除无关的工作表、图片或空白格式后重试，或分批导入",
                human_size(*max_bytes, true)
            ),
            ReadError::OversizedXml { max_bytes } => format!(
                "Excel 文件中有超过 {} 的文字或元素（一个单元格最多 32767 个字符）：文件已损坏或被构造，无法导入",
                human_size(*max_bytes, true)
            ),
            ReadError::TooManySharedStrings { max_strings } => format!(
                "Excel 文件中不同的文字超过 {} 个：请删除无关的工作表或分批导入",
                max_strings
            ),
            ReadError::TooManyParts { max_parts } => {
                format!(
                    "Excel 文件包含的部件超过 {} 个：文件已损坏或被构造，无法导入",
                    max_parts
                )
            }
            ReadError::CellTooLong {
                line,
                column,
                max_chars,
            } => format!("第 {} 行 {} 列的单元格超过 {} 个字符", line, column, max_chars),
            ReadError::TooManyFilledCells { max_cells } => {
                format!("单元格过多：一次最多导入 {} 个单元格，请分批导入", max_cells)
            }
            ReadError::TooMuchText { max_bytes } => format!(
                "文字内容过多：一次最多导入 {} 的文字，请分批导入",
                human_size(*max_bytes as u64, true)
            ),
            ReadError::Interrupted { .. } => "文件上传不完整，请重新上传".into(),
            ReadError::NotATable => "文件不是电子表格：请上传 Excel（.xlsx）或 CSV 文件".into(),
            ReadError::NotASpreadsheet { is } => {
                format!("文件不是电子表格，而是{}：请上传 Excel（.xlsx）或 CSV 文件", is.zh())
            }
            ReadError::UnknownEncoding => {
                "无法识别文件的文字编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后上传".into()
            }
            ReadError::UnsupportedXls => {
                "不支持旧版 Excel（.xls）或加密的工作簿：请在 Excel 中另存为 .xlsx（不设密码）后上传".into()
            }
            ReadError::CorruptXlsx { .. } => "Excel 文件已损坏或不完整，无法打开：请重新保存后上传".into(),
            ReadError::SheetNotFound { name, available } => {
                format!("找不到工作表“{}”（现有：{}）", name, available.join("、"))
            }
            ReadError::NoDataRows => "文件只有表头，没有数据行".into(),
            ReadError::TooManyRows { max_rows } => {
                format!("数据行过多：一次最多导入 {} 行，请分批导入", max_rows)
            }
            ReadError::TooManyCells { line, cells, headers } => format!(
                "第 {} 行有 {} 列数据，多于表头的 {} 列：请检查是否有多余的单元格或未加引号的逗号",
                line, cells, headers
            ),
        }
    }

    /// The message in English.
    pub fn message_en(&self) -> String {
        match self {
            ReadError::Empty => "the file is empty".into(),
            ReadError::TooLarge { max_bytes } => {
                format!("the file is too large: at most {}", human_size(*max_bytes, false))
            }
            ReadError::TooLargeUnpacked { max_bytes } => format!(
                "the workbook unpacks to more than {}: remove unrelated sheets, pictures or formatting, or split it",
                human_size(*max_bytes, false)
            ),
            ReadError::OversizedXml { max_bytes } => format!(
                "the workbook holds a text or element larger than {} (a cell holds at most 32,767 characters): damaged or crafted, it cannot be imported",
                human_size(*max_bytes, false)
            ),
            ReadError::TooManySharedStrings { max_strings } => format!(
                "the workbook holds more than {} distinct texts: remove unrelated sheets or split it",
                max_strings
            ),
            ReadError::TooManyParts { max_parts } => format!(
                "the workbook holds more than {} parts: damaged or crafted, it cannot be imported",
                max_parts
            ),
            ReadError::CellTooLong {
                line,
                column,
                max_chars,
            } => format!(
                "the cell in line {}, column {} is longer than {} characters",
                line, column, max_chars
            ),
            ReadError::TooManyFilledCells { max_cells } => {
                format!("too many cells: at most {} per import, split the file", max_cells)
            }
            ReadError::TooMuchText { max_bytes } => format!(
                "too much text: at most {} per import, split the file",
                human_size(*max_bytes as u64, false)
            ),
            ReadError::Interrupted { detail } => format!("the upload was interrupted ({})", detail),
            ReadError::NotATable => "not a spreadsheet: upload an Excel (.xlsx) or CSV file".into(),
            ReadError::NotASpreadsheet { is } => {
                format!("not a spreadsheet but {}: upload an Excel (.xlsx) or CSV file", is.en())
            }
            ReadError::UnknownEncoding => "the text is neither UTF-8 nor GBK: save it as \"CSV UTF-8\" or .xlsx".into(),
            ReadError::UnsupportedXls => {
                "legacy .xls and password-protected workbooks are not supported: save as .xlsx without a password"
                    .into()
            }
            ReadError::CorruptXlsx { detail } => format!("the Excel file is damaged or incomplete ({})", detail),
            ReadError::SheetNotFound { name, available } => {
                format!(
                    "no worksheet named '{}' (the workbook has: {})",
                    name,
                    available.join(", ")
                )
            }
            ReadError::NoDataRows => "the file has a header row but no data rows".into(),
            ReadError::TooManyRows { max_rows } => {
                format!("too many rows: at most {} per import, split the file", max_rows)
            }
            ReadError::TooManyCells { line, cells, headers } => format!(
                "line {} has {} cells but the header has only {} columns (extra cells or an unquoted comma?)",
                line, cells, headers
            ),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for ReadError {}

/// What a file that is not a spreadsheet turned out to be (by its content).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    /// A PDF file.
    Pdf,
    /// A Word document (.docx, or a legacy .doc).
    Word,
    /// A PowerPoint presentation (.pptx or .ppt).
    PowerPoint,
    /// An OpenDocument file (.ods, .odt …): LibreOffice / WPS.
    OpenDocument,
    /// An RTF document.
    Rtf,
    /// A web page.
    Html,
    /// XML other than a web page.
    Xml,
    /// One JSON object or array.
    Json,
    /// A zip archive holding no workbook.
    Archive,
    /// Lines of text without a column separated by a comma or a tab.
    PlainText,
}

impl Document {
    fn zh(self) -> &'static str {
        match self {
            Document::Pdf => "PDF 文件",
            Document::Word => "Word 文档",
            Document::PowerPoint => "PowerPoint 演示文稿",
            Document::OpenDocument => "OpenDocument 文件（.ods/.odt）",
            Document::Rtf => "RTF 文档",
            Document::Html => "网页（HTML）",
            Document::Xml => "XML 文件",
            Document::Json => "JSON 数据",
            Document::Archive => "压缩包",
            Document::PlainText => "纯文本（没有以逗号或制表符分隔的列）",
        }
    }
    fn en(self) -> &'static str {
        match self {
            Document::Pdf => "a PDF file",
            Document::Word => "a Word document",
            Document::PowerPoint => "a PowerPoint presentation",
            Document::OpenDocument => "an OpenDocument file (.ods/.odt)",
            Document::Rtf => "an RTF document",
            Document::Html => "a web page (HTML)",
            Document::Xml => "an XML file",
            Document::Json => "JSON data",
            Document::Archive => "a zip archive",
            Document::PlainText => "plain text (no columns separated by commas or tabs)",
        }
    }
}

/// Writing a workbook failed. With the inputs this crate builds this does not
/// happen in practice; it is reported rather than panicking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError(pub String);

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "writing the workbook failed: {}", self.0)
    }
}

impl std::error::Error for WriteError {}

impl From<rust_xlsxwriter::XlsxError> for WriteError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        WriteError(e.to_string())
    }
}

fn human_size(bytes: u64, zh: bool) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= 1024 {
        format!("{:.1} {}", bytes as f64 / 1024.0, if zh { "KB" } else { "KiB" })
    } else {
        format!("{} {}", bytes, if zh { "字节" } else { "bytes" })
    }
}
