//! Attachments (附件): documents attached to a record — contract scans,
//! review reports, dataset descriptions. What a file is, is decided here
//! from its name and its first bytes, never from what the client says it
//! is; a file whose content does not agree with its name is refused.
//!
//! Pure: no I/O. The application stores what passes.

use serde::Serialize;

use crate::schema::Kind;

/// At most this many bytes in one attachment (20 MiB): a scanned contract or
/// a review report fits; data sets themselves stay at their storage
/// location, and the registry records where.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

/// At most this many characters in a file name.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// A type of document kean accepts: its extensions, media type, and how
/// its content begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DocumentType {
    pub extensions: &'static [&'static str],
    pub media_type: &'static str,
    pub zh: &'static str,
    magic: Magic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
enum Magic {
    Prefix(&'static [u8]),
    /// A ZIP container (Office Open XML, OFD).
    Zip,
    /// UTF-8 text without NUL or other control characters but tab and line ends.
    Text,
}

const ZIP: &[u8] = b"PK\x03\x04";
const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// The accepted types. Not accepted: executables, scripts, HTML and SVG
/// (they run in a browser), archives (they hide what they hold).
pub const DOCUMENT_TYPES: &[DocumentType] = &[
    DocumentType {
        extensions: &["pdf"],
        media_type: "application/pdf",
        zh: "PDF 文档",
        magic: Magic::Prefix(b"%PDF-"),
    },
    DocumentType {
        extensions: &["ofd"],
        media_type: "application/ofd",
        zh: "OFD 版式文档",
        magic: Magic::Zip,
    },
    DocumentType {
        extensions: &["docx"],
        media_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        zh: "Word 文档",
        magic: Magic::Zip,
    },
    DocumentType {
        extensions: &["xlsx"],
        media_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        zh: "Excel 工作簿",
        magic: Magic::Zip,
    },
    DocumentType {
        extensions: &["pptx"],
        media_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        zh: "PowerPoint 演示文稿",
        magic: Magic::Zip,
    },
    DocumentType {
        extensions: &["doc", "wps"],
        media_type: "application/msword",
        zh: "Word 97-2003 / WPS 文档",
        magic: Magic::Prefix(OLE),
    },
    DocumentType {
        extensions: &["xls", "et"],
        media_type: "application/vnd.ms-excel",
        zh: "Excel 97-2003 / WPS 表格",
        magic: Magic::Prefix(OLE),
    },
    DocumentType {
        extensions: &["png"],
        media_type: "image/png",
        zh: "PNG 图片",
        magic: Magic::Prefix(b"\x89PNG\r\n\x1a\n"),
    },
    DocumentType {
        extensions: &["jpg", "jpeg"],
        media_type: "image/jpeg",
        zh: "JPEG 图片",
        magic: Magic::Prefix(b"\xFF\xD8\xFF"),
    },
    DocumentType {
        extensions: &["txt"],
        media_type: "text/plain; charset=utf-8",
        zh: "文本文件",
        magic: Magic::Text,
    },
    DocumentType {
        extensions: &["csv"],
        media_type: "text/csv; charset=utf-8",
        zh: "CSV 文件",
        magic: Magic::Text,
    },
];

/// Every media type kean may answer a download with.
pub fn media_types() -> Vec<&'static str> {
    let mut v: Vec<&str> = DOCUMENT_TYPES.iter().map(|t| t.media_type).collect();
    v.dedup();
    v
}

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Empty,
    TooLarge { bytes: usize },
    BadName,
    NameTooLong,
    UnknownType { extension: String },
    ContentMismatch { expected: &'static str },
}

impl Refusal {
    /// The message for the user, in Chinese or English.
    pub fn message(&self, zh: bool) -> String {
        let mb = MAX_ATTACHMENT_BYTES / (1024 * 1024);
        let accepted = DOCUMENT_TYPES
            .iter()
            .flat_map(|t| t.extensions.iter())
            .copied()
            .collect::<Vec<_>>()
            .join(", ");
        match (self, zh) {
            (Refusal::Empty, true) => "文件为空".into(),
            (Refusal::Empty, false) => "the file is empty".into(),
            (Refusal::TooLarge { bytes }, true) => {
                format!("文件大小 {:.1} MB，超过附件上限 {mb} MB", *bytes as f64 / 1048576.0)
            }
            (Refusal::TooLarge { bytes }, false) => format!(
                "the file is {:.1} MB, over the attachment limit of {mb} MB",
                *bytes as f64 / 1048576.0
            ),
            (Refusal::BadName, true) => "文件名不能为空，也不能含路径分隔符或控制字符".into(),
            (Refusal::BadName, false) => {
                "the file name must not be empty or contain path separators or control characters".into()
            }
            (Refusal::NameTooLong, true) => format!("文件名超过 {MAX_FILE_NAME_CHARS} 个字符"),
            (Refusal::NameTooLong, false) => format!("the file name is longer than {MAX_FILE_NAME_CHARS} characters"),
            (Refusal::UnknownType { extension }, true) => {
                format!("不接受“.{extension}”类型的文件；可上传：{accepted}")
            }
            (Refusal::UnknownType { extension }, false) => {
                format!("files of type '.{extension}' are not accepted; accepted: {accepted}")
            }
            (Refusal::ContentMismatch { expected }, true) => {
                format!("文件内容不是{expected}，与扩展名不符")
            }
            (Refusal::ContentMismatch { expected }, false) => {
                format!("the file's content is not what its extension says ({expected})")
            }
        }
    }
}

/// Checks a file about to be attached: its name, size and type. Returns the
/// type it is.
pub fn check_file(file_name: &str, bytes: &[u8]) -> Result<&'static DocumentType, Refusal> {
    let name = file_name.trim();
    if name.is_empty() || name.chars().any(|c| c.is_control() || c == '/' || c == '\\') || name == "." || name == ".." {
        return Err(Refusal::BadName);
    }
    if name.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(Refusal::NameTooLong);
    }
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(Refusal::TooLarge { bytes: bytes.len() });
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_lowercase()).unwrap_or_default();
    let Some(ty) = DOCUMENT_TYPES
        .iter()
        .find(|t| t.extensions.contains(&extension.as_str()))
    else {
        return Err(Refusal::UnknownType { extension });
    };
    let agrees = match ty.magic {
        Magic::Prefix(p) => bytes.starts_with(p),
        Magic::Zip => bytes.starts_with(ZIP),
        Magic::Text => std::str::from_utf8(bytes)
            .is_ok_and(|t| !t.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))),
    };
    if !agrees {
        return Err(Refusal::ContentMismatch { expected: ty.zh });
    }
    Ok(ty)
}

/// Whether a record is important or core data (重要数据 / 核心数据): a
/// dataset graded so. Its reads are audited and its export or download
/// needs the security administrator's approval.
pub fn is_important_data(kind: Kind, fields: &crate::Fields) -> bool {
    kind == Kind::Dataset
        && matches!(
            fields.get("data_grade"),
            crate::Value::Text(g) if g == "important" || g == "core"
        )
}

/// How long an approved export of important data stays usable (days).
pub const DATA_EXPORT_VALID_DAYS: i64 = 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_agree_with_the_name() {
        assert_eq!(
            check_file("合同扫描件.pdf", b"%PDF-1.7\n...").unwrap().media_type,
            "application/pdf"
        );
        assert_eq!(
            check_file("评审报告.DOCX", b"PK\x03\x04rest").unwrap().extensions,
            &["docx"]
        );
        assert!(matches!(
            check_file("合同.pdf", b"MZ\x90\x00 windows executable"),
            Err(Refusal::ContentMismatch { .. })
        ));
        assert!(matches!(
            check_file("说明.txt", b"hello\x00world"),
            Err(Refusal::ContentMismatch { .. })
        ));
        assert_eq!(
            check_file("数据说明.txt", "字段说明\r\n\tA".as_bytes())
                .unwrap()
                .extensions,
            &["txt"]
        );
    }

    #[test]
    fn refused_types_names_and_sizes() {
        for name in ["a.exe", "a.html", "a.svg", "a.zip", "a.js", "noextension"] {
            assert!(
                matches!(check_file(name, b"PK\x03\x04"), Err(Refusal::UnknownType { .. })),
                "{name}"
            );
        }
        for name in ["", "  ", "../a.pdf", "a\\b.pdf", "a\nb.pdf"] {
            assert_eq!(check_file(name, b"%PDF-"), Err(Refusal::BadName), "{name:?}");
        }
        assert_eq!(check_file("a.pdf", b""), Err(Refusal::Empty));
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert!(matches!(check_file("a.pdf", &big), Err(Refusal::TooLarge { .. })));
        let at_limit = [b"%PDF-".as_slice(), &vec![b' '; MAX_ATTACHMENT_BYTES - 5]].concat();
        assert!(check_file("a.pdf", &at_limit).is_ok());
        assert!(
            Refusal::TooLarge { bytes: 21 * 1048576 }
                .message(true)
                .contains("20 MB")
        );
        assert!(
            Refusal::UnknownType {
                extension: "exe".into()
            }
            .message(true)
            .contains(".exe")
        );
    }
}
