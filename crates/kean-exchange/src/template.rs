//! Import templates, generated from the schema so they always match what
//! the importer accepts.

use std::collections::BTreeMap;

use kean_core::schema::{Field, FieldType, Kind};
use rust_xlsxwriter::{Color, DataValidation, DataValidationErrorStyle, Format, Formula, Note, Workbook};

use crate::error::WriteError;
use crate::width::column_width;

/// Last 0-based worksheet row a dropdown covers (Excel's last row).
const LAST_ROW: u32 = 1_048_575;
/// The hidden sheet holding choice lists too long for an inline list.
const CHOICES_SHEET: &str = "选项";

/// The template header of a field: its Chinese label, with `*` in front
/// when the field is required (the importer strips the `*`).
pub fn template_header(f: &Field) -> String {
    if f.required {
        format!("*{}", f.zh)
    } else {
        f.zh.to_string()
    }
}

/// What to type into a field, in Chinese and English (template notes and
/// the instructions sheet).
pub fn format_hint(f: &Field) -> (String, String) {
    let (zh, en) = match f.ty {
        FieldType::Text { max } => (
            format!("文本，不超过{}个字符", max),
            format!("text, at most {} characters", max),
        ),
        FieldType::LongText { max } => (
            format!("文本，不超过{}个字符，可换行", max),
            format!("text, at most {} characters, line breaks allowed", max),
        ),
        FieldType::Digits { len } => (format!("{}位数字", len), format!("{} digits", len)),
        FieldType::CreditCode => (
            "18位统一社会信用代码（数字和大写字母，末位为校验位）".to_string(),
            "18-character unified social credit code (digits and capitals, last one a check character)".to_string(),
        ),
        FieldType::Date => (
            "日期，格式 2025-03-01（也可写 2025/3/1、2025年3月1日），不晚于今天、不早于1900年".to_string(),
            "date as 2025-03-01 (2025/3/1 also accepted), not after today nor before 1900".to_string(),
        ),
        FieldType::Money => (
            "金额，单位：元，最多两位小数，如 1234567.89".to_string(),
            "amount in yuan (CNY), at most two decimals, e.g. 1234567.89".to_string(),
        ),
        FieldType::Bool => (
            "从下拉列表选择：是 / 否".to_string(),
            "choose 是 (yes) or 否 (no)".to_string(),
        ),
        FieldType::Enum(choices) => (
            format!(
                "从下拉列表选择：{}",
                choices.iter().map(|c| c.zh).collect::<Vec<_>>().join("、")
            ),
            format!(
                "one of: {}",
                choices.iter().map(|c| c.en).collect::<Vec<_>>().join(", ")
            ),
        ),
        FieldType::Ref(kind) => ref_hint(kind),
        FieldType::Country => (
            "国家/地区：两位代码（如 CN、US）或中文名称（如 中国、美国）".to_string(),
            "country: two-letter code (CN, US) or its name".to_string(),
        ),
    };
    let (req_zh, req_en) = if f.required {
        ("必填。", "Required. ")
    } else {
        ("选填。", "Optional. ")
    };
    let (uniq_zh, uniq_en) = if f.unique {
        ("不能与已有记录或本文件其他行重复。", " Must be unique.")
    } else {
        ("", "")
    };
    (
        format!("{}{}。{}", req_zh, zh, uniq_zh),
        format!("{}{}.{}", req_en, capitalize(&en), uniq_en),
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn ref_hint(kind: Kind) -> (String, String) {
    let (zh, en) = match kind {
        Kind::Organization => (
            "单位名称或统一社会信用代码（须已在系统中登记）",
            "organization name or credit code (already registered)",
        ),
        Kind::District => ("区县名称或6位区划代码", "district name or 6-digit division code"),
        Kind::IndustryChain => ("产业链名称或编码", "industry chain name or code"),
        Kind::Achievement => (
            "科技成果名称（须已在系统中登记）",
            "achievement title (already registered)",
        ),
        Kind::TechContract => ("技术合同登记编号", "contract registration number"),
        Kind::Platform => ("平台名称", "platform name"),
        Kind::Person => ("人员证件号码", "researcher ID number"),
        Kind::Transfer => ("受让方名称", "counterparty name"),
        Kind::RevenueReport => ("营收填报年度", "revenue report year"),
        Kind::Dataset => ("数据集名称", "dataset name"),
        Kind::Project => ("项目编号或项目名称", "project number or title"),
    };
    (zh.to_string(), en.to_string())
}

fn default_width(f: &Field) -> usize {
    match f.ty {
        FieldType::Text { max } => (max / 5).clamp(12, 40),
        FieldType::LongText { .. } => 40,
        FieldType::Digits { len } => len + 4,
        FieldType::CreditCode => 22,
        FieldType::Date => 12,
        FieldType::Money => 16,
        FieldType::Bool => 8,
        FieldType::Enum(cs) => cs.iter().map(|c| column_width(c.zh)).max().unwrap_or(8) + 2,
        FieldType::Ref(_) => 30,
        FieldType::Country => 12,
    }
}

/// The XLSX import template of a kind: one header row of Chinese labels
/// (required ones marked `*` and in red), a note on each header saying what
/// to type, dropdowns for choice and yes/no columns, text-formatted columns
/// for codes (so Excel keeps leading zeros and all 18 digits), and an
/// instructions sheet after the data sheet.
pub fn template_xlsx(kind: Kind) -> Result<Vec<u8>, WriteError> {
    template_xlsx_with_refs(kind, &BTreeMap::new())
}

/// [`template_xlsx`] with dropdowns on reference columns too: `refs` gives,
/// per referenced kind, the labels to offer (e.g. the district names, the
/// industry chains, the organizations a liaison may import for). Those
/// dropdowns only warn on other input, so a credit code or a division code
/// can still be typed instead.
pub fn template_xlsx_with_refs(kind: Kind, refs: &BTreeMap<Kind, Vec<String>>) -> Result<Vec<u8>, WriteError> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let required = header.clone().set_font_color(Color::RGB(0xC00000));
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("#,##0.00");
    // Lists too long for Excel's 255-character inline limit (or holding a
    // comma) live on a hidden sheet and are referenced by range.
    let mut long_lists: Vec<Vec<String>> = Vec::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(kind.label(true))?;
        for (i, f) in kind.fields().iter().filter(|f| f.is_input()).enumerate() {
            let col = i as u16;
            let label = template_header(f);
            ws.write_string_with_format(0, col, &label, if f.required { &required } else { &header })?;
            let (zh, en) = format_hint(f);
            let note = Note::new(format!("{}\n{}", zh, en))
                .add_author_prefix(false)
                .set_width(320)
                .set_height(140);
            ws.insert_note(0, col, &note)?;
            ws.set_column_width(col, column_width(&label).max(default_width(f)) as f64)?;
            let (format, dropdown, strict) = match f.ty {
                FieldType::Date => (&date, None, true),
                FieldType::Money => (&money, None, true),
                FieldType::Bool => (&text, Some(vec!["是".to_string(), "否".to_string()]), true),
                FieldType::Enum(choices) => (&text, Some(choices.iter().map(|c| c.zh.to_string()).collect()), true),
                FieldType::Ref(k) => (&text, refs.get(&k).filter(|l| !l.is_empty()).cloned(), false),
                _ => (&text, None, true),
            };
            ws.set_column_format(col, format)?;
            let Some(items) = dropdown else { continue };
            let inline = items.join(",").chars().count() <= 250 && items.iter().all(|l| !l.contains(['，', ',', '"']));
            let dv = if inline {
                DataValidation::new().allow_list_strings(&items)?
            } else {
                let letter = crate::map::column_letter(long_lists.len());
                let range = format!("='{}'!${}$1:${}${}", CHOICES_SHEET, letter, letter, items.len());
                long_lists.push(items);
                DataValidation::new().allow_list_formula(Formula::new(range))
            };
            let dv = if strict {
                dv.set_error_title("输入有误")?
                    .set_error_message("请从下拉列表中选择")?
                    .set_error_style(DataValidationErrorStyle::Stop)
            } else {
                dv.set_error_title("不在列表中")?
                    .set_error_message("列表中没有这一项：也可以填写编码或统一社会信用代码，导入时核对")?
                    .set_error_style(DataValidationErrorStyle::Warning)
            };
            ws.add_data_validation(1, col, LAST_ROW, col, &dv)?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    if !long_lists.is_empty() {
        let ws = wb.add_worksheet();
        ws.set_name(CHOICES_SHEET)?;
        for (c, items) in long_lists.iter().enumerate() {
            for (r, l) in items.iter().enumerate() {
                ws.write_string(r as u32, c as u16, l)?;
            }
        }
        ws.set_hidden(true);
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("填写说明")?;
        let bold = Format::new().set_bold();
        let wrap = Format::new().set_text_wrap();
        for (c, h) in ["列名", "必填", "填写要求", "Column", "How to fill in"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        for (i, f) in kind.fields().iter().filter(|f| f.is_input()).enumerate() {
            let r = (i + 1) as u32;
            let (zh, en) = format_hint(f);
            ws.write_string(r, 0, f.zh)?;
            ws.write_string(r, 1, if f.required { "是" } else { "否" })?;
            ws.write_string_with_format(r, 2, zh, &wrap)?;
            ws.write_string(r, 3, f.en)?;
            ws.write_string_with_format(r, 4, en, &wrap)?;
        }
        ws.set_column_width(0, 24)?;
        ws.set_column_width(1, 6)?;
        ws.set_column_width(2, 60)?;
        ws.set_column_width(3, 28)?;
        ws.set_column_width(4, 60)?;
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(wb.save_to_buffer()?)
}

/// The CSV import template of a kind: UTF-8 with BOM (so Excel opens it
/// in the right encoding) and one line of Chinese headers, required ones
/// marked `*`.
pub fn template_csv(kind: Kind) -> Vec<u8> {
    let headers: Vec<String> = kind
        .fields()
        .iter()
        .filter(|f| f.is_input())
        .map(template_header)
        .collect();
    crate::export::csv_bytes(&headers, &[])
}
