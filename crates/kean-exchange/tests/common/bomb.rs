//! Zip bombs for the tests, built in memory in milliseconds: a workbook
//! whose worksheet unpacks to hundreds of megabytes from a few hundred
//! kilobytes. One chunk of XML is compressed once, ending on a full flush
//! (byte-aligned, no reference behind it), and that block is repeated; the
//! CRC of the repeated chunk is combined rather than computed over the
//! unpacked bytes. Shared by kean-exchange's tests and the server's
//! (`#[path]`), so that no large file is committed.

#![allow(dead_code)]

use flate2::{Compress, Compression, Crc, FlushCompress, Status};

/// What the worksheet holds, repeated until `unpacked` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One cell whose text is the whole worksheet.
    GiantCell,
    /// Rows of one 1,000-character cell each.
    ManyRows,
    /// Rows of ten short cells.
    ManyCells,
}

/// A workbook whose worksheet unpacks to about `unpacked` bytes; with
/// `declared` its zip directory (and local header) claims that size instead.
pub fn xlsx_bomb(shape: Shape, unpacked: usize, declared: Option<u32>) -> Vec<u8> {
    let (head, chunk, tail): (String, String, String) = match shape {
        Shape::GiantCell => (
            format!(
                "{SHEET_HEAD}<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>名称</t></is></c></row><row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>"
            ),
            "A".repeat(64 * 1024),
            format!("</t></is></c></row>{SHEET_TAIL}"),
        ),
        Shape::ManyRows => (
            format!("{SHEET_HEAD}<row><c t=\"inlineStr\"><is><t>名称</t></is></c></row>"),
            format!("<row><c t=\"inlineStr\"><is><t>{}</t></is></c></row>", "B".repeat(1000)).repeat(64),
            SHEET_TAIL.to_string(),
        ),
        Shape::ManyCells => (
            format!(
                "{SHEET_HEAD}<row>{}</row>",
                (0..10)
                    .map(|i| format!("<c t=\"inlineStr\"><is><t>h{i}</t></is></c>"))
                    .collect::<String>()
            ),
            format!("<row>{}</row>", "<c t=\"inlineStr\"><is><t>x</t></is></c>".repeat(10)).repeat(256),
            SHEET_TAIL.to_string(),
        ),
    };
    let repeats = unpacked.div_ceil(chunk.len()).max(1);
    let mut data = deflate(head.as_bytes(), FlushCompress::Full);
    let block = deflate(chunk.as_bytes(), FlushCompress::Full);
    for _ in 0..repeats {
        data.extend_from_slice(&block);
    }
    data.extend_from_slice(&deflate(tail.as_bytes(), FlushCompress::Finish));
    let mut crc = Crc::new();
    crc.update(head.as_bytes());
    let mut one = Crc::new();
    one.update(chunk.as_bytes());
    for _ in 0..repeats {
        crc.combine(&one);
    }
    let mut end = Crc::new();
    end.update(tail.as_bytes());
    crc.combine(&end);
    let size = (head.len() + chunk.len() * repeats + tail.len()) as u32;
    let sheet = Part {
        name: "xl/worksheets/sheet1.xml",
        method: 8,
        crc: crc.sum(),
        size: declared.unwrap_or(size),
        data,
    };
    zip(vec![
        stored("[Content_Types].xml", CONTENT_TYPES),
        stored("_rels/.rels", ROOT_RELS),
        stored("xl/workbook.xml", WORKBOOK),
        stored("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        sheet,
    ])
}

/// A workbook with a shared-strings part declaring `unique_count` strings
/// (calamine reserves memory for that many before reading one).
pub fn xlsx_declaring_shared_strings(unique_count: u64) -> Vec<u8> {
    let sst = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"{unique_count}\"><si><t>名称</t></si></sst>"
    );
    let sheet = format!("{SHEET_HEAD}<row><c t=\"s\"><v>0</v></c></row>{SHEET_TAIL}");
    zip(vec![
        stored("[Content_Types].xml", CONTENT_TYPES),
        stored("_rels/.rels", ROOT_RELS),
        stored("xl/workbook.xml", WORKBOOK),
        stored("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        stored("xl/sharedStrings.xml", &sst),
        stored("xl/worksheets/sheet1.xml", &sheet),
    ])
}

const SHEET_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>";
const SHEET_TAIL: &str = "</sheetData></worksheet>";
const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>";
const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>";
const WORKBOOK: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
const WORKBOOK_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>";

struct Part {
    name: &'static str,
    /// 0 stored, 8 deflated.
    method: u16,
    crc: u32,
    /// The unpacked size the zip declares.
    size: u32,
    data: Vec<u8>,
}

fn stored(name: &'static str, text: &str) -> Part {
    let mut crc = Crc::new();
    crc.update(text.as_bytes());
    Part {
        name,
        method: 0,
        crc: crc.sum(),
        size: text.len() as u32,
        data: text.as_bytes().to_vec(),
    }
}

/// Raw deflate of `data`, ending with `flush`.
fn deflate(data: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut c = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() + 1024);
    loop {
        let before = c.total_in() as usize;
        let status = c.compress_vec(&data[before..], &mut out, flush).expect("deflate");
        let done = c.total_in() as usize == data.len();
        match (status, flush) {
            (Status::StreamEnd, _) => break,
            (_, FlushCompress::Full) if done && out.len() < out.capacity() => break,
            _ => out.reserve(out.capacity()),
        }
    }
    out
}

fn zip(parts: Vec<Part>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for p in &parts {
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        le16(&mut out, 20);
        le16(&mut out, 0);
        le16(&mut out, p.method);
        le16(&mut out, 0);
        le16(&mut out, 0x21);
        le32(&mut out, p.crc);
        le32(&mut out, p.data.len() as u32);
        le32(&mut out, p.size);
        le16(&mut out, p.name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(p.name.as_bytes());
        out.extend_from_slice(&p.data);

        le32(&mut central, 0x0201_4b50);
        le16(&mut central, 20);
        le16(&mut central, 20);
        le16(&mut central, 0);
        le16(&mut central, p.method);
        le16(&mut central, 0);
        le16(&mut central, 0x21);
        le32(&mut central, p.crc);
        le32(&mut central, p.data.len() as u32);
        le32(&mut central, p.size);
        le16(&mut central, p.name.len() as u16);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le16(&mut central, 0);
        le32(&mut central, 0);
        le32(&mut central, offset);
        central.extend_from_slice(p.name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    le16(&mut out, 0);
    le16(&mut out, 0);
    le16(&mut out, parts.len() as u16);
    le16(&mut out, parts.len() as u16);
    le32(&mut out, cd_size);
    le32(&mut out, cd_offset);
    le16(&mut out, 0);
    out
}
