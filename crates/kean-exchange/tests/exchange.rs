//! The behaviour staff and the importer rely on, exercised with real files
//! built in memory: XLSX written by rust_xlsxwriter and read back through
//! calamine, CSV in UTF-8, UTF-8 with BOM and GBK.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

mod common;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use common::{X, map_of, strings, today, xlsx, zip_entry, zip_names};
use kean_core::FieldError;
use kean_core::schema::{FieldType, Kind};
use kean_exchange::*;

fn opts() -> ReadOptions {
    ReadOptions::default()
}

/// A valid credit code starting with `prefix` (17 characters): the check
/// character is found by asking kean-core's validator.
fn uscc(prefix: &str) -> String {
    format!("{prefix}{}", kean_core::codes::uscc_check_char(prefix).unwrap())
}

/// A credit code with a wrong check character.
fn bad_uscc(prefix: &str) -> String {
    let good = uscc(prefix);
    let last = if good.ends_with('0') { '1' } else { '0' };
    format!("{prefix}{last}")
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<&[u8]>> {
    Xlsx::new(Cursor::new(bytes)).unwrap()
}

// ---------------------------------------------------------------- reading

#[test]
fn xlsx_with_chinese_headers_reads_numbers_dates_and_booleans_as_text() {
    let code = uscc("91140100MA0KXXXX0");
    let code: &'static str = Box::leak(code.into_boxed_str());
    let bytes = xlsx(&[
        vec![
            X::S(" *单位名称 "),
            X::S("统一社会信用代码"),
            X::S("单位类型"),
            X::S("所属区县"),
            X::S("成立日期"),
            X::S("科技型中小企业"),
            X::S("联系电话"),
        ],
        vec![
            X::S("  山西示例科技有限公司 "),
            X::S(code),
            X::S("企业"),
            X::S("小店区"),
            X::D(2015, 6, 30),
            X::B(true),
            X::N(3517000.0),
        ],
        vec![X::Blank],
        vec![
            X::S("太原理工大学"),
            X::S("12140000405200000X"),
            X::S("高校"),
            X::N(140105.0),
            X::Blank,
            X::B(false),
            X::N(1234.5),
        ],
    ]);
    let t = read_table(&bytes, &opts()).unwrap();
    assert_eq!(t.headers[0], "*单位名称");
    assert_eq!(t.format, SourceFormat::Xlsx { sheet: "Sheet1".into() });
    assert_eq!(t.rows.len(), 2, "the blank row is skipped");
    assert_eq!(t.rows[0].line, 2);
    assert_eq!(t.rows[1].line, 4, "lines are Excel row numbers");
    assert_eq!(
        t.rows[0].cells,
        strings(&[
            "山西示例科技有限公司",
            code,
            "企业",
            "小店区",
            "2015-06-30",
            "true",
            "3517000"
        ])
    );
    assert_eq!(t.rows[1].cells[3], "140105", "whole numbers have no .0");
    assert_eq!(t.rows[1].cells[4], "", "missing cells are empty");
    assert_eq!(t.rows[1].cells[5], "false");
    assert_eq!(t.rows[1].cells[6], "1234.5");
}

#[test]
fn xlsx_named_sheet_and_missing_sheet() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet()
        .set_name("说明")
        .unwrap()
        .write_string(0, 0, "请勿修改")
        .unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("数据").unwrap();
    ws.write_string(0, 1, "名称").unwrap();
    ws.write_string(1, 1, "小店区").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let t = read_table(
        &bytes,
        &ReadOptions {
            sheet: Some("数据".into()),
            ..opts()
        },
    )
    .unwrap();
    assert_eq!(
        t.headers,
        strings(&["名称"]),
        "a table starting in column B is read from B"
    );
    assert_eq!(t.rows[0].cells, strings(&["小店区"]));
    let e = read_table(
        &bytes,
        &ReadOptions {
            sheet: Some("Sheet9".into()),
            ..opts()
        },
    )
    .unwrap_err();
    assert!(matches!(&e, ReadError::SheetNotFound { available, .. } if available.len() == 2));
    assert!(e.message_zh().contains("Sheet9"));
}

const CSV_TEXT: &str = "单位名称,统一社会信用代码,地址\r\n\
\"山西示例科技有限公司\",914403001922038216,\"太原市小店区\n长治路1号\"\r\n\
\r\n\
\"甲, 乙联合体\" , 914403001922038216 ,\r\n";

#[test]
fn csv_in_utf8_with_bom_and_gbk_reads_the_same() {
    let utf8 = CSV_TEXT.as_bytes().to_vec();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(CSV_TEXT.as_bytes());
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(CSV_TEXT);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "the GBK bytes really are not UTF-8");
    let mut tables = Vec::new();
    for (bytes, enc) in [(utf8, "utf-8"), (bom, "utf-8"), (gbk.into_owned(), "gb18030")] {
        let t = read_table(&bytes, &opts()).unwrap();
        assert_eq!(
            t.format,
            SourceFormat::Csv {
                encoding: enc,
                delimiter: ','
            }
        );
        tables.push((t.headers, t.rows));
    }
    assert_eq!(tables[0], tables[1]);
    assert_eq!(tables[0], tables[2]);
    let (headers, rows) = &tables[0];
    assert_eq!(headers[0], "单位名称", "the BOM is not part of the first header");
    assert_eq!(rows[0].cells[2], "太原市小店区\n长治路1号", "quoted newline kept");
    assert_eq!(rows[0].line, 2);
    assert_eq!(
        rows[1].line, 5,
        "physical line of the record start, after a 2-line record and a blank line"
    );
    assert_eq!(rows[1].cells, strings(&["甲, 乙联合体", "914403001922038216", ""]));
}

#[test]
fn tab_separated_text_is_read() {
    let t = read_table("名称\t区划代码\n小店区\t140105\n".as_bytes(), &opts()).unwrap();
    assert_eq!(
        t.format,
        SourceFormat::Csv {
            encoding: "utf-8",
            delimiter: '\t'
        }
    );
    assert_eq!(t.rows[0].cells, strings(&["小店区", "140105"]));
}

#[test]
fn empty_and_header_only_files_are_refused() {
    for bytes in [&b""[..], b"\r\n\r\n", b"\xEF\xBB\xBF", b" , ,\n"] {
        assert_eq!(read_table(bytes, &opts()).unwrap_err(), ReadError::Empty, "{bytes:?}");
    }
    assert_eq!(
        read_table("单位名称,地址\r\n".as_bytes(), &opts()).unwrap_err(),
        ReadError::NoDataRows
    );
    assert_eq!(
        read_table(&xlsx(&[vec![X::S("单位名称")]]), &opts()).unwrap_err(),
        ReadError::NoDataRows
    );
    let empty_book = rust_xlsxwriter::Workbook::new().save_to_buffer().unwrap();
    assert_eq!(read_table(&empty_book, &opts()).unwrap_err(), ReadError::Empty);
    let e = ReadError::NoDataRows;
    assert!(e.message_zh().contains("没有数据行"));
    assert!(e.message_en().contains("no data rows"));
}

#[test]
fn truncated_xlsx_is_reported_as_damaged() {
    let bytes = xlsx(&[vec![X::S("名称")], vec![X::S("小店区")]]);
    for cut in [bytes.len() / 2, bytes.len() - 10, 30] {
        let e = read_table(&bytes[..cut], &opts()).unwrap_err();
        assert!(matches!(e, ReadError::CorruptXlsx { .. }), "cut at {cut}: {e:?}");
        assert!(e.message_zh().contains("损坏"));
    }
}

#[test]
fn a_workbook_with_damaged_xml_inside_is_reported_as_damaged() {
    let good = xlsx(&[vec![X::S("名称")], vec![X::S("小店区")]]);
    let mut src = zip::ZipArchive::new(Cursor::new(&good[..])).unwrap();
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..src.len() {
        let mut f = src.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut body).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            body = b"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=".to_vec();
        }
        w.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut w, &body).unwrap();
    }
    let bad = w.finish().unwrap().into_inner();
    let e = read_table(&bad, &opts()).unwrap_err();
    assert!(matches!(e, ReadError::CorruptXlsx { .. }), "{e:?}");
}

#[test]
fn binary_junk_and_legacy_xls_are_not_tables() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00";
    assert_eq!(read_table(png, &opts()).unwrap_err(), ReadError::NotATable);
    let elf: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
    assert_eq!(read_table(&elf, &opts()).unwrap_err(), ReadError::NotATable);
    // Other zip-based documents are not workbooks.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("word/document.xml", zip::write::SimpleFileOptions::default())
        .unwrap();
    std::io::Write::write_all(&mut w, b"<w:document/>").unwrap();
    let docx = w.finish().unwrap().into_inner();
    assert_eq!(
        read_table(&docx, &opts()).unwrap_err(),
        ReadError::NotASpreadsheet { is: Document::Word }
    );
    let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00";
    assert_eq!(read_table(ole, &opts()).unwrap_err(), ReadError::UnsupportedXls);
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let big = vec![b'a'; 200 * 1024 * 1024];
    let start = Instant::now();
    let e = read_table(&big, &opts()).unwrap_err();
    assert_eq!(
        e,
        ReadError::TooLarge {
            max_bytes: DEFAULT_MAX_BYTES
        }
    );
    assert!(start.elapsed() < Duration::from_millis(50), "{:?}", start.elapsed());
    assert!(e.message_zh().contains("50 MB"), "{}", e.message_zh());
    drop(big);
    // From a stream: never more than the limit (+1 byte) is read.
    let stream = std::io::Read::take(std::io::repeat(b'a'), 200 * 1024 * 1024);
    let start = Instant::now();
    assert_eq!(
        read_limited(stream, 1024 * 1024).unwrap_err(),
        ReadError::TooLarge { max_bytes: 1024 * 1024 }
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(read_limited(&b"a,b\n1,2\n"[..], 1024).unwrap().len(), 8);
    let small = ReadOptions {
        max_bytes: 10,
        ..opts()
    };
    assert!(matches!(
        read_table(b"name\nmore than ten bytes\n", &small),
        Err(ReadError::TooLarge { max_bytes: 10 })
    ));
}

#[test]
fn workbooks_that_unpack_too_large_are_refused_before_unpacking() {
    let rows: Vec<Vec<X>> = std::iter::once(vec![X::S("名称")])
        .chain((0..2000).map(|_| vec![X::S("一段重复的文字，压缩后很小，解压后很大")]))
        .collect();
    let bytes = xlsx(&rows);
    let limit = ReadOptions {
        max_unpacked_bytes: 64 * 1024,
        ..opts()
    };
    assert!(read_table(&bytes, &opts()).is_ok());
    let e = read_table(&bytes, &limit).unwrap_err();
    assert_eq!(e, ReadError::TooLargeUnpacked { max_bytes: 64 * 1024 });
    assert!(e.message_zh().contains("解压后"));
}

#[test]
fn row_limit_and_row_width_are_enforced() {
    let few = ReadOptions { max_rows: 2, ..opts() };
    assert!(read_table(b"a\n1\n2\n", &few).is_ok());
    assert_eq!(
        read_table(b"a\n1\n2\n3\n", &few).unwrap_err(),
        ReadError::TooManyRows { max_rows: 2 }
    );
    let rows: Vec<Vec<X>> = std::iter::once(vec![X::S("a")])
        .chain((0..5).map(|i| vec![X::N(i as f64)]))
        .collect();
    assert_eq!(
        read_table(&xlsx(&rows), &few).unwrap_err(),
        ReadError::TooManyRows { max_rows: 2 }
    );
    let e = read_table("名称,代码\n小店区,140105,多余\n".as_bytes(), &opts()).unwrap_err();
    assert_eq!(
        e,
        ReadError::TooManyCells {
            line: 2,
            cells: 3,
            headers: 2
        }
    );
    assert!(e.message_zh().contains("第 2 行"));
    // Trailing empty cells (a common CSV export artefact) are fine.
    assert!(read_table("名称,代码\n小店区,140105,,\n".as_bytes(), &opts()).is_ok());
    let wide = xlsx(&[
        vec![X::S("名称"), X::S("代码")],
        vec![X::S("小店区"), X::S("140105")],
        vec![X::S("迎泽区"), X::S("140106"), X::Blank, X::S("x")],
    ]);
    assert_eq!(
        read_table(&wide, &opts()).unwrap_err(),
        ReadError::TooManyCells {
            line: 3,
            cells: 4,
            headers: 2
        }
    );
}

#[test]
fn a_title_row_above_the_header_is_skipped() {
    let csv = "2025年技术合同登记表\n\n登记编号,合同名称\nA1,甲\n";
    let t = read_table(csv.as_bytes(), &opts()).unwrap();
    assert_eq!(t.title.as_deref(), Some("2025年技术合同登记表"));
    assert_eq!(t.headers, strings(&["登记编号", "合同名称"]));
    assert_eq!(t.rows[0].line, 4);
    let book = xlsx(&[
        vec![X::Blank, X::S("2025年区县名单")],
        vec![X::S("区划代码"), X::S("名称")],
        vec![X::N(140105.0), X::S("小店区")],
    ]);
    let t = read_table(&book, &opts()).unwrap();
    assert_eq!(t.title.as_deref(), Some("2025年区县名单"));
    assert_eq!(t.headers, strings(&["区划代码", "名称"]));
    assert_eq!(t.rows[0].cells, strings(&["140105", "小店区"]));
    // A one-column table is not mistaken for a title.
    let t = read_table("名称\n小店区\n".as_bytes(), &opts()).unwrap();
    assert_eq!((t.title, t.rows.len()), (None, 1));
}

#[test]
fn other_text_encodings_and_stray_control_characters() {
    let mut utf16 = b"\xFF\xFE".to_vec();
    for u in "名称,区划代码\r\n小店区,140105\r\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let t = read_table(&utf16, &opts()).unwrap();
    assert_eq!(
        t.format,
        SourceFormat::Csv {
            encoding: "utf-16le",
            delimiter: ','
        }
    );
    assert_eq!(t.rows[0].cells, strings(&["小店区", "140105"]));
    // An old tool's end-of-file mark and a stray control character do not
    // make a table unreadable (validate rejects control characters in text).
    let t = read_table("名称,地址\n小店区,长治路\u{b}1号\n\u{1a}".as_bytes(), &opts()).unwrap();
    assert_eq!(t.rows.len(), 1);
    // Latin-1 text is neither UTF-8 nor GBK.
    let e = read_table(b"name,city\nJos\xe9,\xc9vora\n", &opts()).unwrap_err();
    assert_eq!(e, ReadError::UnknownEncoding);
    assert!(e.message_zh().contains("UTF-8"));
}

// ---------------------------------------------------------------- headers

#[test]
fn headers_in_chinese_english_and_field_names_map_to_fields() {
    let zh = strings(&[
        "序号",
        "*单位名称",
        "统一社会信用代码 ",
        "单位类型*",
        "所属区县",
        "产业链",
    ]);
    let en = strings(&[
        "NAME",
        "unified  social credit code",
        "type",
        "District",
        "industry_chain_id",
    ]);
    for headers in [zh, en] {
        let m = map_headers(Kind::Organization, &headers).unwrap();
        assert_eq!(
            m.column_of("credit_code").map(|(_, h)| h),
            Some(headers[headers.len() - 4].as_str())
        );
        assert!(m.column_of("address").is_none());
    }
    let m = map_headers(
        Kind::TechContract,
        &strings(&[
            "登记编号",
            "合同名称",
            "合同类型",
            "卖方（技术方）",
            "买方名称",
            "买方国家/地区",
            "签订日期",
            "登记日期",
            "成交额",
            "技术交易额(元)",
        ]),
    )
    .unwrap();
    assert_eq!(m.field_at(8).map(|f| f.name), Some("contract_value"));
    assert_eq!(m.field_at(9).map(|f| f.name), Some("tech_value"));
}

#[test]
fn header_problems_name_the_header() {
    let headers = strings(&["单位名称", "信用代码", "单位名称", "", "单位类型"]);
    let problems = map_headers(Kind::Organization, &headers).unwrap_err();
    let zh: Vec<String> = problems.iter().map(HeaderProblem::message_zh).collect();
    assert!(problems.contains(&HeaderProblem::Unknown {
        column: 1,
        header: "信用代码".into()
    }));
    assert!(problems.iter().any(|p| matches!(
        p,
        HeaderProblem::Duplicate {
            field: "name",
            first_column: 0,
            column: 2,
            ..
        }
    )));
    assert!(problems.contains(&HeaderProblem::Empty { column: 3 }));
    let missing: Vec<&str> = problems
        .iter()
        .filter_map(|p| match p {
            HeaderProblem::MissingRequired { field, .. } => Some(*field),
            _ => None,
        })
        .collect();
    assert_eq!(missing, vec!["credit_code", "district_id"]);
    assert!(
        zh.iter().any(|m| m.contains("“信用代码”") && m.contains("B列")),
        "{zh:?}"
    );
    assert!(zh.iter().any(|m| m.contains("缺少必填列“统一社会信用代码”")), "{zh:?}");
    assert!(problems.iter().all(|p| !p.message_en().is_empty()));
    // A unit that differs from the schema's is not silently accepted.
    let p = map_headers(Kind::Transfer, &strings(&["金额（万元）"])).unwrap_err();
    assert!(
        p.iter()
            .any(|p| matches!(p, HeaderProblem::Unknown { header, .. } if header == "金额（万元）"))
    );
}

// ------------------------------------------------- the whole import flow

struct Flow {
    table: Table,
    map: HeaderMap,
    rows: Vec<MappedRow>,
    errors: Vec<Vec<FieldError>>,
}

/// What the server will do: read, map, resolve references (here from a
/// fixed list of districts), validate.
fn run_flow(bytes: &[u8]) -> Flow {
    let districts: BTreeMap<&str, i64> = [("小店区", 1), ("140105", 1), ("迎泽区", 2), ("140106", 2)].into();
    let table = read_table(bytes, &opts()).unwrap();
    let map = map_headers(Kind::Organization, &table.headers).unwrap();
    let mut rows = map.map_rows(&table);
    let mut errors = Vec::new();
    for row in &mut rows {
        let mut errs = Vec::new();
        for r in row.refs.clone() {
            assert_eq!(r.kind, Kind::District);
            match districts.get(r.text.as_str()) {
                Some(id) => row.resolve(r.field, *id),
                None => errs.push(FieldError::new(
                    r.field,
                    format!("所属区县：找不到“{}”", r.text),
                    format!("District: '{}' not found", r.text),
                )),
            }
        }
        errors.push(
            validate_row(Kind::Organization, row, errs, today())
                .err()
                .unwrap_or_default(),
        );
    }
    Flow {
        table,
        map,
        rows,
        errors,
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn org_workbook() -> (Vec<u8>, &'static str, &'static str) {
    let good = leak(uscc("91140100MA0KXXXX0"));
    let other = leak(uscc("91140105MA0LYYYY0"));
    let bad = leak(bad_uscc("91140100MA0KWWWW0"));
    let bytes = xlsx(&[
        vec![
            X::S("*单位名称"),
            X::S("*统一社会信用代码"),
            X::S("*单位类型"),
            X::S("*所属区县"),
            X::S("成立日期"),
            X::S("科技型中小企业"),
        ],
        // line 2: fine
        vec![
            X::S("甲公司"),
            X::S(good),
            X::S("企业"),
            X::S("小店区"),
            X::D(2015, 6, 30),
            X::S("是"),
        ],
        // line 3: bad check digit, unknown type, date in the future
        vec![
            X::S("乙公司"),
            X::S(bad),
            X::S("银行"),
            X::N(140106.0),
            X::S("2027-01-01"),
            X::S("否"),
        ],
        // line 4: same credit code as line 2, unknown district, date before 1900, bad bool
        vec![
            X::S("丙公司"),
            X::S(good),
            X::S("高校"),
            X::S("火星区"),
            X::S("1899-12-31"),
            X::S("也许"),
        ],
        // line 5: fine, English enum label, 1/0 bool
        vec![
            X::S("丁研究院"),
            X::S(other),
            X::S("Research institute"),
            X::S("迎泽区"),
            X::Blank,
            X::N(1.0),
        ],
    ]);
    (bytes, good, bad)
}

#[test]
fn import_flow_finds_every_problem_with_line_column_and_reason() {
    let (bytes, good, bad) = org_workbook();
    let f = run_flow(&bytes);
    assert_eq!(f.rows[0].values["district_id"], "1", "resolved to the id");
    assert_eq!(f.rows[1].values["district_id"], "2", "a district by its code");
    assert!(f.errors[0].is_empty(), "{:?}", f.errors[0]);
    assert!(f.errors[3].is_empty(), "{:?}", f.errors[3]);
    let report = build_report(&f.map, &f.rows, &f.errors);
    assert_eq!(report.total_rows, 4);
    assert_eq!(report.error_rows, 3, "line 2 gets the duplicate error too");
    assert!(!report.is_clean());
    let at = |line: usize, field: &str| {
        report
            .issues
            .iter()
            .find(|i| i.line == line && i.field == field)
            .unwrap_or_else(|| panic!("no {field} issue on line {line}: {:#?}", report.issues))
    };
    let cc = at(3, "credit_code");
    assert_eq!(
        (cc.column, cc.header.as_deref(), cc.value.as_str()),
        (Some(1), Some("*统一社会信用代码"), bad)
    );
    assert!(cc.reason_zh.contains("校验位"), "{}", cc.reason_zh);
    assert!(at(3, "org_type").reason_zh.contains("银行"));
    assert!(at(3, "established_on").reason_zh.contains("不能晚于今天"));
    assert!(at(4, "established_on").reason_zh.contains("1900"));
    assert!(at(4, "tech_sme").reason_zh.contains("也许"));
    assert_eq!(
        report.issues_at(4).filter(|i| i.field == "district_id").count(),
        1,
        "reported once"
    );
    let d = at(4, "district_id");
    assert_eq!((d.value.as_str(), d.column), ("火星区", Some(3)));
    // Within-file duplicate: both lines, each naming the other.
    let dup2 = at(2, "credit_code");
    assert!(dup2.reason_zh.contains("第4行"), "{}", dup2.reason_zh);
    assert_eq!(dup2.value, good);
    assert!(at(4, "credit_code").reason_zh.contains("第2行"));
    assert!(at(4, "credit_code").reason_en.contains("line 2"));
    // Sorted by line, then column.
    let order: Vec<(usize, Option<usize>)> = report.issues.iter().map(|i| (i.line, i.column)).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
}

#[test]
fn error_report_workbook_marks_bad_cells_and_can_be_uploaded_again() {
    let (bytes, _, bad) = org_workbook();
    let f = run_flow(&bytes);
    let report = build_report(&f.map, &f.rows, &f.errors);
    let out = report_xlsx(&f.table, &report).unwrap();
    let mut wb = open(&out);
    assert_eq!(wb.sheet_names(), strings(&["错误报告", "汇总"]));
    let data = wb.worksheet_range("错误报告").unwrap();
    assert_eq!(data.get_value((0, 6)), Some(&Data::String(ERROR_COLUMN_ZH.into())));
    assert_eq!(
        data.get_value((2, 1)),
        Some(&Data::String(bad.into())),
        "the uploaded value"
    );
    let reasons = data.get_value((2, 6)).unwrap().to_string();
    assert!(reasons.contains("[B列]") && reasons.contains("校验位"), "{reasons}");
    assert!(
        data.get_value((4, 6)).is_none_or(|v| v.to_string().is_empty()),
        "clean row has no reason"
    );
    // The bad cell is filled red; a good one is not.
    let styles = wb.worksheet_style("错误报告").unwrap();
    let fill = |r: u32, c: u32| {
        styles
            .get((r, c))
            .and_then(|s| s.fill.as_ref())
            .and_then(|f| f.get_color())
            .map(|c| (c.red, c.green, c.blue))
    };
    assert_eq!(fill(2, 1), Some((0xFF, 0xC7, 0xCE)));
    assert_eq!(fill(1, 0), None, "a good cell is not filled");
    // A note on the bad cell says why.
    let comments: String = zip_names(&out)
        .iter()
        .filter(|n| n.starts_with("xl/comments"))
        .map(|n| zip_entry(&out, n))
        .collect();
    assert!(comments.contains("校验位"), "{comments}");
    let sum = wb.worksheet_range("汇总").unwrap();
    let count = |label: &str| {
        (0..sum.height() as u32)
            .find(|r| sum.get_value((*r, 0)) == Some(&Data::String(label.into())))
            .and_then(|r| sum.get_value((r, 1)).cloned())
    };
    assert_eq!(count("数据行数"), Some(Data::Float(4.0)));
    assert_eq!(count("有错误的行"), Some(Data::Float(3.0)));
    assert_eq!(count("无错误的行"), Some(Data::Float(1.0)));
    // Staff fix the file and upload the report itself again: the error
    // column is ignored and the lines are the same.
    let again = read_table(&out, &opts()).unwrap();
    let m = map_headers(Kind::Organization, &again.headers).unwrap();
    let rows = m.map_rows(&again);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1].line, 3);
    assert_eq!(rows[1].values["credit_code"], bad);
}

#[test]
fn reporting_on_a_reuploaded_report_keeps_one_error_column() {
    let (bytes, _, _) = org_workbook();
    let f = run_flow(&bytes);
    let first = report_xlsx(&f.table, &build_report(&f.map, &f.rows, &f.errors)).unwrap();
    let g = run_flow(&first);
    assert_eq!(g.table.headers.last().map(String::as_str), Some(ERROR_COLUMN_ZH));
    let report = build_report(&g.map, &g.rows, &g.errors);
    assert_eq!(report.error_rows, 3);
    let second = report_xlsx(&g.table, &report).unwrap();
    let r = open(&second).worksheet_range("错误报告").unwrap();
    let headers: Vec<String> = (0..r.width() as u32)
        .filter_map(|c| r.get_value((0, c)).map(|v| v.to_string()))
        .collect();
    assert_eq!(
        headers.iter().filter(|h| *h == ERROR_COLUMN_ZH).count(),
        1,
        "{headers:?}"
    );
    assert_eq!(headers.len(), 7);
}

#[test]
fn full_width_input_and_invisible_characters_are_tolerated() {
    let code = uscc("91140100MA0KXXXX0");
    let full: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xfee0).unwrap())
        .collect();
    let csv = format!(
        "单位名称,统一社会信用代码,单位类型,所属区县,成立日期\n\u{200b}甲（集团）公司\u{feff},{full},企业,小店区,２０１５－０６－３０\n"
    );
    let f = run_flow(csv.as_bytes());
    assert_eq!(
        f.rows[0].values["name"], "甲（集团）公司",
        "names keep full-width brackets"
    );
    assert_eq!(f.rows[0].values["credit_code"], code);
    assert!(f.errors[0].is_empty(), "{:?}", f.errors[0]);
}

#[test]
fn error_report_names_the_original_line_when_rows_moved() {
    let csv = "区县名单\n区划代码,名称\n\n140105,小店区\n14010X,迎泽区\n";
    let table = read_table(csv.as_bytes(), &opts()).unwrap();
    let map = map_headers(Kind::District, &table.headers).unwrap();
    let rows = map.map_rows(&table);
    let errors: Vec<_> = rows
        .iter()
        .map(|r| {
            validate_row(Kind::District, r, vec![], today())
                .err()
                .unwrap_or_default()
        })
        .collect();
    let report = build_report(&map, &rows, &errors);
    assert_eq!(report.issues.len(), 1);
    assert_eq!((report.issues[0].line, report.issues[0].column), (5, Some(0)));
    let out = report_xlsx(&table, &report).unwrap();
    let r = open(&out).worksheet_range("错误报告").unwrap();
    let reason = r.get_value((2, 2)).unwrap().to_string();
    assert!(reason.starts_with("（原文件第5行）\n[A列] 区划代码"), "{reason}");
}

#[test]
fn clean_import_has_an_empty_report() {
    let code = leak(uscc("91140100MA0KXXXX0"));
    let csv = format!("Name,Unified social credit code,Type,District\n甲公司,{code},enterprise,140105\n");
    let f = run_flow(csv.as_bytes());
    let report = build_report(&f.map, &f.rows, &f.errors);
    assert!(report.is_clean(), "{:?}", report.issues);
    assert_eq!(report.total_rows, 1);
}

#[test]
fn duplicates_compare_credit_codes_case_insensitively() {
    let code = uscc("91140100MA0KXXXX0");
    let rows: Vec<MappedRow> = [(2, code.clone()), (7, code.to_ascii_lowercase()), (9, code.clone())]
        .into_iter()
        .map(|(line, c)| MappedRow {
            line,
            values: map_of(&[("credit_code", &c), ("name", &format!("单位{line}"))]),
            refs: vec![],
        })
        .collect();
    let d = find_duplicates(Kind::Organization, &rows);
    assert_eq!(d.len(), 3);
    assert!(d[0].1.message_zh.contains("第7、9行"), "{}", d[0].1.message_zh);
}

// ---------------------------------------------------------------- templates

#[test]
fn every_template_maps_back_and_has_dropdowns_and_notes() {
    for kind in Kind::ALL {
        let bytes = template_xlsx(kind).unwrap();
        let mut wb = open(&bytes);
        let first = wb.sheet_names()[0].clone();
        assert_eq!(first, kind.label(true));
        let range = wb.worksheet_range(&first).unwrap();
        // Fields kean keeps (a project's stage) are not asked for.
        let input: Vec<_> = kind.fields().iter().filter(|f| f.is_input()).collect();
        let headers: Vec<String> = (0..input.len() as u32)
            .map(|c| range.get_value((0, c)).map(|v| v.to_string()).unwrap_or_default())
            .collect();
        for (h, f) in headers.iter().zip(&input) {
            assert_eq!(h.starts_with('*'), f.required, "{kind:?} {h}");
        }
        let m = map_headers(kind, &headers).unwrap_or_else(|p| panic!("{kind:?}: {p:?}"));
        assert_eq!(m.headers().len(), input.len());

        let sheet_xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
        let comments: String = zip_names(&bytes)
            .iter()
            .filter(|n| n.starts_with("xl/comments"))
            .map(|n| zip_entry(&bytes, n))
            .collect();
        for (i, f) in input.iter().enumerate() {
            let col = column_letter(i);
            match f.ty {
                FieldType::Enum(choices) => {
                    let list = choices.iter().map(|c| c.zh).collect::<Vec<_>>().join(",");
                    let dv = format!("sqref=\"{col}2:{col}1048576\"><formula1>\"{list}\"</formula1>");
                    assert!(sheet_xml.contains(&dv), "{kind:?}.{}: {dv}", f.name);
                }
                FieldType::Bool => {
                    let dv = format!("sqref=\"{col}2:{col}1048576\"><formula1>\"是,否\"</formula1>");
                    assert!(sheet_xml.contains(&dv), "{kind:?}.{}: {dv}", f.name);
                }
                FieldType::Date => assert!(comments.contains("2025-03-01"), "{kind:?}"),
                FieldType::Money => assert!(comments.contains("单位：元，最多两位小数")),
                FieldType::CreditCode => assert!(comments.contains("18位统一社会信用代码")),
                _ => {}
            }
        }
        assert!(sheet_xml.contains("<pane ySplit=\"1\""), "header row frozen");
        assert!(sheet_xml.contains("<col "), "column widths set");
    }
}

#[test]
fn template_with_reference_lists_offers_them_as_dropdowns() {
    let districts: Vec<String> = (1..=60).map(|i| format!("示例区{i:02}")).collect();
    let chains = strings(&["新能源汽车", "半导体"]);
    let refs: BTreeMap<Kind, Vec<String>> = [(Kind::District, districts), (Kind::IndustryChain, chains)].into();
    let bytes = template_xlsx_with_refs(Kind::Organization, &refs).unwrap();
    let xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    // district_id is column D, industry_chain_id column E.
    assert!(
        xml.contains("sqref=\"D2:D1048576\"><formula1>'选项'!$A$1:$A$60</formula1>"),
        "{xml}"
    );
    assert!(xml.contains("sqref=\"E2:E1048576\"><formula1>\"新能源汽车,半导体\"</formula1>"));
    assert!(xml.contains("errorStyle=\"warning\""), "a code may still be typed");
    let mut wb = open(&bytes);
    assert_eq!(wb.sheet_names(), strings(&["单位", "选项", "填写说明"]));
    let lists = wb.worksheet_range("选项").unwrap();
    assert_eq!(lists.get_value((59, 0)), Some(&Data::String("示例区60".into())));
    let workbook_xml = zip_entry(&bytes, "xl/workbook.xml");
    assert!(workbook_xml.contains("state=\"hidden\""));
    // The data sheet still reads back as a template.
    let t = wb.worksheet_range("单位").unwrap();
    assert_eq!(t.get_value((0, 3)), Some(&Data::String("*所属区县".into())));
}

#[test]
fn csv_template_is_utf8_with_bom_and_maps_back() {
    for kind in Kind::ALL {
        let bytes = template_csv(kind);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let line = text.trim_end();
        let headers: Vec<String> = line.split(',').map(str::to_string).collect();
        assert_eq!(headers.len(), kind.fields().iter().filter(|f| f.is_input()).count());
        assert!(map_headers(kind, &headers).is_ok(), "{kind:?}: {line}");
    }
    let org = String::from_utf8(template_csv(Kind::Organization)).unwrap();
    assert!(org.starts_with("\u{feff}*单位名称,*统一社会信用代码"), "{org}");
}

// ---------------------------------------------------------------- exports

fn export_rows() -> (Vec<String>, Vec<Vec<Cell>>) {
    let headers = strings(&[
        "登记编号",
        "合同名称",
        "成交额（元）",
        "签订日期",
        "科技型中小企业",
        "件数",
    ]);
    let rows = vec![
        vec![
            Cell::Text("2025140700000001".into()),
            Cell::Text("=HYPERLINK(\"http://x\")".into()),
            Cell::Money(123_456_789),
            Cell::Date(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap()),
            Cell::Bool(true),
            Cell::Int(7),
        ],
        vec![
            Cell::Text("2025140700000002".into()),
            Cell::Text("面向山西省重点产业链的智能制造关键技术开发合同".into()),
            Cell::Money(5),
            Cell::Empty,
            Cell::Bool(false),
            Cell::Int(0),
        ],
    ];
    (headers, rows)
}

#[test]
fn xlsx_export_has_real_numbers_dates_and_a_formatted_header() {
    let (headers, rows) = export_rows();
    let bytes = export_xlsx(Kind::TechContract, &headers, &rows, &ExportOptions::default()).unwrap();
    let mut wb = open(&bytes);
    let r = wb.worksheet_range("技术合同").unwrap();
    assert_eq!(r.get_value((0, 2)), Some(&Data::String("成交额（元）".into())));
    assert_eq!(r.get_value((1, 2)), Some(&Data::Float(1_234_567.89)));
    assert_eq!(r.get_value((2, 2)), Some(&Data::Float(0.05)));
    assert!(matches!(r.get_value((1, 3)), Some(Data::DateTime(d)) if d.to_ymd_hms_milli().0 == 2025));
    assert_eq!(r.get_value((1, 5)), Some(&Data::Float(7.0)));
    assert_eq!(r.get_value((1, 4)), Some(&Data::String("是".into())));
    assert_eq!(
        r.get_value((1, 1)),
        Some(&Data::String("=HYPERLINK(\"http://x\")".into())),
        "text stays text, never a formula"
    );
    let xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(!xml.contains("<f>"), "no formulas in an export");
    assert!(xml.contains("<pane ySplit=\"1\""));
    let styles = zip_entry(&bytes, "xl/styles.xml");
    assert!(styles.contains("formatCode=\"#,##0.00\""));
    assert!(styles.contains("formatCode=\"yyyy\\-mm\\-dd\"") || styles.contains("formatCode=\"yyyy-mm-dd\""));
    let st = wb.worksheet_style("技术合同").unwrap();
    assert!(
        st.get((0, 0))
            .and_then(|s| s.font.as_ref())
            .is_some_and(|f| f.is_bold())
    );
    // The long CJK title gets a wide column: 22 CJK characters count 44.
    let widths: Vec<f64> = xml
        .split("<col ")
        .skip(1)
        .filter_map(|c| c.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
        .collect();
    assert!(widths.len() >= 6, "{widths:?}");
    assert!(widths[1] >= 46.0 && widths[1] > widths[0], "{widths:?}");

    let wan = export_xlsx(
        Kind::TechContract,
        &headers,
        &rows,
        &ExportOptions {
            zh: true,
            money_unit: MoneyUnit::Wan,
        },
    )
    .unwrap();
    let r = open(&wan).worksheet_range("技术合同").unwrap();
    assert_eq!(r.get_value((0, 2)), Some(&Data::String("成交额（万元）".into())));
    assert!(matches!(r.get_value((1, 2)), Some(Data::Float(v)) if (v - 123.456789).abs() < 1e-9));
}

#[test]
fn csv_export_has_bom_plain_numbers_and_defused_formulas() {
    let (headers, rows) = export_rows();
    let bytes = export_csv(&headers, &rows, &ExportOptions::default());
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(lines[0], "登记编号,合同名称,成交额（元）,签订日期,科技型中小企业,件数");
    assert_eq!(
        lines[1],
        "2025140700000001,\"'=HYPERLINK(\"\"http://x\"\")\",1234567.89,2025-03-01,是,7"
    );
    assert!(lines[2].ends_with(",0.05,,否,0"), "{}", lines[2]);
    // And it reads back through the importer.
    let t = read_table(&text.into_bytes(), &opts()).unwrap();
    assert_eq!(t.rows[0].cells[2], "1234567.89");
}

#[test]
fn an_exported_list_can_be_edited_and_imported_again() {
    let kind = Kind::TechContract;
    let headers: Vec<String> = kind.fields().iter().map(|f| f.zh.to_string()).collect();
    let d = |y, m, dd| Cell::Date(NaiveDate::from_ymd_opt(y, m, dd).unwrap());
    let row = vec![
        Cell::Text("2025140700000001".into()),
        Cell::Text("智能制造关键技术开发".into()),
        Cell::Text("技术开发".into()),
        Cell::Text("山西示例科技有限公司".into()),
        Cell::Text("某某汽车股份有限公司".into()),
        Cell::Text("中国".into()),
        Cell::Empty,
        d(2025, 3, 1),
        d(2025, 3, 15),
        Cell::Money(123_456_789),
        Cell::Money(100_000_000),
        Cell::Text("先进制造".into()),
        Cell::Empty,
        Cell::Empty,
    ];
    for bytes in [
        export_xlsx(kind, &headers, std::slice::from_ref(&row), &ExportOptions::default()).unwrap(),
        export_csv(&headers, std::slice::from_ref(&row), &ExportOptions::default()),
    ] {
        let t = read_table(&bytes, &opts()).unwrap();
        let m = map_headers(kind, &t.headers).unwrap();
        let mut rows = m.map_rows(&t);
        assert_eq!(rows[0].values["contract_value"], "1234567.89");
        assert_eq!(rows[0].values["signed_on"], "2025-03-01");
        assert_eq!(rows[0].refs.len(), 1);
        rows[0].resolve("seller_org_id", 9);
        let fields = validate_row(kind, &rows[0], vec![], today()).unwrap();
        assert_eq!(
            fields.get("contract_value").as_money(),
            Some(kean_core::Fen(123_456_789))
        );
        assert_eq!(fields.get("contract_type").as_text(), Some("development"));
        assert_eq!(fields.get("seller_org_id").as_ref_id(), Some(9));
    }
}

// ---------------------------------------------------------------- misc

#[test]
fn content_hash_is_sm3_hex_of_the_bytes() {
    let a = content_hash(b"abc");
    assert_eq!(a, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    assert_ne!(a, content_hash(b"abd"));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read_table(&bytes, &opts());
        }

        #[test]
        fn on_damaged_workbooks(cut in 0usize..4096, flip in 0usize..4096, byte in any::<u8>()) {
            let mut bytes = xlsx(&[vec![X::S("名称")], vec![X::S("小店区")]]);
            let n = bytes.len();
            bytes[flip % n] = byte;
            bytes.truncate(cut.min(n));
            let _ = read_table(&bytes, &opts());
        }

        #[test]
        fn csv_export_reads_back_cell_for_cell(
            rows in proptest::collection::vec(
                proptest::collection::vec("[a-z0-9中文，,\"'\n ]{0,10}", 2),
                1..6,
            )
        ) {
            // The reader trims cells and skips blank rows; export defuses
            // formula-like text. Keep to cells both leave as they are.
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|r| r.into_iter().map(|c| c.trim().to_string()).collect::<Vec<_>>())
                .filter(|r| r.iter().any(|c| !c.is_empty()))
                .collect();
            prop_assume!(!rows.is_empty());
            let cells: Vec<Vec<Cell>> = rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.clone())).collect()).collect();
            let bytes = export_csv(&strings(&["甲", "乙"]), &cells, &ExportOptions::default());
            let t = read_table(&bytes, &opts()).unwrap();
            let back: Vec<Vec<String>> = t.rows.into_iter().map(|r| r.cells).collect();
            prop_assert_eq!(back, rows);
        }

        #[test]
        fn header_mapping_never_panics(headers in proptest::collection::vec("\\PC{0,12}", 0..8)) {
            for kind in Kind::ALL {
                let _ = map_headers(kind, &headers);
            }
        }

        #[test]
        fn on_arbitrary_text(text in "\\PC{0,300}") {
            if let Ok(t) = read_table(text.as_bytes(), &opts()) {
                prop_assert!(t.rows.iter().all(|r| r.cells.len() == t.headers.len()));
            }
        }
    }
}

// ------------------------------------------------------------- zip bombs

mod bombs {
    use super::common::bomb::{Shape, xlsx_bomb, xlsx_declaring_shared_strings};
    use kean_exchange::*;

    /// A worksheet of one cell that unpacks to 200 MB (within the unpacked
    /// limit) from a few hundred kilobytes is refused at the first megabyte
    /// of it; at 300 MB it is over the limit before anything is unpacked.
    #[test]
    fn a_giant_cell_is_refused_as_it_unpacks() {
        let bomb = xlsx_bomb(Shape::GiantCell, 200 << 20, None);
        assert!(bomb.len() < 1 << 20, "the bomb is {} bytes", bomb.len());
        let e = read_table(&bomb, &ReadOptions::default()).unwrap_err();
        assert_eq!(
            e,
            ReadError::OversizedXml {
                max_bytes: MAX_XML_TEXT_BYTES
            }
        );
        assert!(e.message_en().contains("larger than 1 MB"), "{}", e.message_en());
        let bigger = xlsx_bomb(Shape::GiantCell, 300 << 20, None);
        assert_eq!(
            read_table(&bigger, &ReadOptions::default()).unwrap_err(),
            ReadError::TooLargeUnpacked {
                max_bytes: DEFAULT_MAX_UNPACKED_BYTES
            }
        );
    }

    /// The bytes that come out are counted: a workbook over the limit is
    /// refused, and one whose zip declares sizes smaller than what its parts
    /// unpack to is refused as damaged as soon as a part outgrows its
    /// declaration.
    #[test]
    fn unpacked_bytes_are_counted_and_lying_sizes_do_not_help() {
        let small = ReadOptions {
            max_unpacked_bytes: 4 << 20,
            ..ReadOptions::default()
        };
        for shape in [Shape::ManyRows, Shape::ManyCells] {
            let bomb = xlsx_bomb(shape, 16 << 20, None);
            let e = read_table(&bomb, &small).unwrap_err();
            assert_eq!(e, ReadError::TooLargeUnpacked { max_bytes: 4 << 20 }, "{shape:?}");
            assert!(e.message_en().contains("4 MB"), "{}", e.message_en());
            let liar = xlsx_bomb(shape, 300 << 20, Some(1000));
            let e = read_table(&liar, &small).unwrap_err();
            assert!(
                matches!(&e, ReadError::CorruptXlsx { detail } if detail.contains("declared")),
                "{e:?}"
            );
        }
    }

    /// Within the unpacked limit, the cells are bounded as they stream.
    #[test]
    fn rows_cells_and_text_are_bounded_as_they_stream() {
        let rows = xlsx_bomb(Shape::ManyRows, 8 << 20, None);
        let few_bytes = ReadOptions {
            max_text_bytes: 1 << 20,
            ..ReadOptions::default()
        };
        assert_eq!(
            read_table(&rows, &few_bytes).unwrap_err(),
            ReadError::TooMuchText { max_bytes: 1 << 20 }
        );
        let cells = xlsx_bomb(Shape::ManyCells, 8 << 20, None);
        let few_cells = ReadOptions {
            max_cells: 50_000,
            ..ReadOptions::default()
        };
        let e = read_table(&cells, &few_cells).unwrap_err();
        assert_eq!(e, ReadError::TooManyFilledCells { max_cells: 50_000 });
        assert!(e.message_zh().contains("50000"), "{}", e.message_zh());
    }

    /// calamine reserves memory for the shared strings a workbook declares
    /// before reading one: a declaration beyond the limit is refused.
    #[test]
    fn declared_shared_strings_are_bounded() {
        let e = read_table(&xlsx_declaring_shared_strings(u64::MAX / 2), &ReadOptions::default()).unwrap_err();
        assert_eq!(
            e,
            ReadError::TooManySharedStrings {
                max_strings: DEFAULT_MAX_SHARED_STRINGS
            }
        );
        // A truthful declaration reads.
        let t = read_table(&xlsx_declaring_shared_strings(1), &ReadOptions::default()).unwrap_err();
        assert_eq!(t, ReadError::NoDataRows);
    }

    /// A cell of Excel's maximum reads; one character more is refused,
    /// naming its line and column, in CSV and XLSX alike.
    #[test]
    fn cells_longer_than_excel_allows_are_refused() {
        let ok = format!("a,b\nx,{}\n", "字".repeat(DEFAULT_MAX_CELL_CHARS));
        assert!(read_table(ok.as_bytes(), &ReadOptions::default()).is_ok());
        let long = format!("a,b\nx,{}\n", "字".repeat(DEFAULT_MAX_CELL_CHARS + 1));
        let e = read_table(long.as_bytes(), &ReadOptions::default()).unwrap_err();
        assert_eq!(
            e,
            ReadError::CellTooLong {
                line: 2,
                column: "B".into(),
                max_chars: DEFAULT_MAX_CELL_CHARS
            }
        );
        assert!(e.message_en().contains("line 2, column B"), "{}", e.message_en());
    }

    /// A header thousands of columns wide cannot make every short row
    /// below it thousands of cells.
    #[test]
    fn padding_rows_to_a_wide_header_counts() {
        let header: Vec<String> = (0..5000).map(|i| format!("h{i}")).collect();
        let mut csv = header.join(",") + "\n";
        for _ in 0..1000 {
            csv.push_str("x\n");
        }
        let few = ReadOptions {
            max_cells: 1_000_000,
            ..ReadOptions::default()
        };
        assert_eq!(
            read_table(csv.as_bytes(), &few).unwrap_err(),
            ReadError::TooManyFilledCells { max_cells: 1_000_000 }
        );
    }
}

// ------------------------------------------- mutated real files (properties)

mod mutated_files {
    use super::common::mutate::{apply, mutation};
    use super::common::{X, xlsx};
    use kean_exchange::*;
    use proptest::prelude::*;
    use std::io::{Cursor, Read, Write};
    use std::sync::OnceLock;

    /// Workbooks as kean and Excel-like writers make them: every kind's
    /// import template, an export, an error report's kind of sheet (dates,
    /// numbers, booleans, shared strings).
    fn workbooks() -> &'static [Vec<u8>] {
        static W: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        W.get_or_init(|| {
            let mut w: Vec<Vec<u8>> = kean_core::schema::Kind::ALL
                .iter()
                .map(|k| template_xlsx(*k).unwrap())
                .collect();
            w.push(xlsx(&[
                vec![X::S("名称"), X::S("日期"), X::S("金额"), X::S("是否")],
                vec![X::S("小店区"), X::D(2025, 3, 1), X::N(1234.5), X::B(true)],
                vec![X::Blank, X::S("甲"), X::N(-3.0), X::B(false)],
            ]));
            w
        })
    }

    /// Real CSV files of shared/data (catalogues and a list), their first 32 KB.
    fn csv_files() -> &'static [Vec<u8>] {
        static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        C.get_or_init(|| {
            let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
            [
                "catalogues/chokepoint_35_kjrb2018.csv",
                "catalogues/export_tech_catalog_partial.csv",
                "lists/cn_lists_flat.csv",
            ]
            .iter()
            .filter_map(|f| std::fs::read(dir.join(f)).ok())
            .map(|mut b| {
                b.truncate(32 * 1024);
                b
            })
            .collect()
        })
    }

    /// The workbook with one part's (unpacked) bytes replaced, written back
    /// stored.
    fn with_part(bytes: &[u8], part: usize, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut zin = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let target = part % zin.len();
        let mut edit = Some(edit);
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            if i == target
                && let Some(edit) = edit.take()
            {
                edit(&mut data);
            }
            out.start_file(name, stored).unwrap();
            out.write_all(&data).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// A part's XML mutated (the zip stays sound, so calamine parses
        /// it): an error or rows, never a panic.
        #[test]
        fn mutated_workbook_parts_never_panic(
            which in any::<usize>(),
            part in any::<usize>(),
            mutations in proptest::collection::vec(mutation(), 1..6),
        ) {
            let books = workbooks();
            let book = &books[which % books.len()];
            let bytes = with_part(book, part, |data| {
                for m in &mutations {
                    apply(data, m);
                }
            });
            let _ = read_table(&bytes, &ReadOptions::default());
        }

        /// The container itself mutated.
        #[test]
        fn mutated_workbook_bytes_never_panic(
            which in any::<usize>(),
            mutations in proptest::collection::vec(mutation(), 1..4),
        ) {
            let books = workbooks();
            let mut bytes = books[which % books.len()].clone();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            let _ = read_table(&bytes, &ReadOptions::default());
        }

        /// Real CSV files mutated; what reads keeps to the limits.
        #[test]
        fn mutated_csv_never_panics(
            which in any::<usize>(),
            mutations in proptest::collection::vec(mutation(), 1..6),
        ) {
            let files = csv_files();
            prop_assume!(!files.is_empty());
            let mut bytes = files[which % files.len()].clone();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            let opts = ReadOptions::default();
            if let Ok(t) = read_table(&bytes, &opts) {
                prop_assert!(t.rows.len() <= opts.max_rows);
                prop_assert!(t.rows.iter().all(|r| r.cells.len() == t.headers.len()));
                prop_assert!(t.rows.iter().flat_map(|r| &r.cells).all(|c| c.chars().count() <= opts.max_cell_chars));
            }
        }
    }
}

/// A file that is not a spreadsheet says what it is, in both languages,
/// rather than being read as a table with a header and no rows.
#[test]
fn documents_are_named_not_read_as_a_header() {
    let zip_of = |names: &[&str]| {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for n in names {
            w.start_file(*n, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, b"<x/>").unwrap();
        }
        w.finish().unwrap().into_inner()
    };
    let cases: Vec<(Vec<u8>, Document)> = vec![
        (
            b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n".to_vec(),
            Document::Pdf,
        ),
        (
            b"<!DOCTYPE html>\n<html><body><p>\xe5\x8d\x95\xe4\xbd\x8d</p></body></html>\n".to_vec(),
            Document::Html,
        ),
        (
            b"<?xml version=\"1.0\"?>\n<orgs><org name=\"a\"/></orgs>\n".to_vec(),
            Document::Xml,
        ),
        (
            "{\"name\": \"山西农业大学\", \"org_type\": \"university\"}\n"
                .as_bytes()
                .to_vec(),
            Document::Json,
        ),
        (b"[{\"a\": 1}, {\"a\": 2}]".to_vec(), Document::Json),
        (b"{\\rtf1\\ansi hello}".to_vec(), Document::Rtf),
        ("请查收本单位的年度报告。\n".as_bytes().to_vec(), Document::PlainText),
        (zip_of(&["ppt/presentation.xml"]), Document::PowerPoint),
        (zip_of(&["mimetype", "content.xml"]), Document::OpenDocument),
        (zip_of(&["readme.txt"]), Document::Archive),
    ];
    for (bytes, is) in cases {
        let e = read_table(&bytes, &opts()).unwrap_err();
        assert_eq!(e, ReadError::NotASpreadsheet { is }, "{is:?}");
        assert!(
            e.message_zh().starts_with("文件不是电子表格，而是"),
            "{}",
            e.message_zh()
        );
        assert!(!e.message_zh().contains("表头"), "{}", e.message_zh());
        assert!(
            e.message_en().starts_with("not a spreadsheet but "),
            "{}",
            e.message_en()
        );
    }
    // A legacy Word document (OLE, like a legacy .xls) is named as Word.
    let mut doc = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    doc.extend(vec![0u8; 64]);
    doc.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(
        read_table(&doc, &opts()).unwrap_err(),
        ReadError::NotASpreadsheet { is: Document::Word }
    );
    // Tables stay tables: a CSV whose text looks like a document's start, a
    // header with columns and no rows, JSON-ish cells.
    let csv = "名称,说明\n<b>甲</b>,{\"a\": 1}\n";
    assert_eq!(read_table(csv.as_bytes(), &opts()).unwrap().rows.len(), 1);
    assert_eq!(
        read_table("单位名称,地址\n".as_bytes(), &opts()).unwrap_err(),
        ReadError::NoDataRows
    );
    assert_eq!(
        read_table("{\"名称\"},说明\n甲,乙\n".as_bytes(), &opts())
            .unwrap()
            .rows
            .len(),
        1
    );
}
