//! List parsers. Every parser takes bytes; none opens a file. The format is detected from the
//! content ([`detect_and_parse`]); a malformed record is an error naming the line (or record)
//! and the reason, never a panic.

use crate::model::{EntityType, Entry, Identifier, ListFormat, ParsedList, country_code, identifier_key};
use std::collections::HashSet;
use std::fmt;

/// A parse failure: where (line and/or record) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Format being parsed, if it was recognised.
    pub format: Option<ListFormat>,
    /// 1-based line number in the input, when known.
    pub line: Option<u64>,
    /// Record description (e.g. `record 12` or an entry id), when known.
    pub record: Option<String>,
    /// Why, in English.
    pub reason: String,
    /// Why, in Chinese (for the Chinese interface).
    pub reason_zh: String,
}

impl ParseError {
    /// Where and why, in Chinese: "第 3 行：编号重复".
    pub fn message_zh(&self) -> String {
        let mut out = String::new();
        if let Some(l) = self.line {
            out.push_str(&format!("第 {l} 行："));
        }
        if let Some(r) = &self.record {
            let r = match (r.strip_prefix("record "), r.strip_prefix("id ")) {
                (Some(n), _) => format!("第 {n} 条记录"),
                (_, Some(id)) => format!("编号 {id}"),
                _ => r.clone(),
            };
            out.push_str(&format!("{r}："));
        }
        out.push_str(&self.reason_zh);
        out
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(fmt_) = self.format {
            write!(f, "{fmt_:?}: ")?;
        }
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if let Some(r) = &self.record {
            write!(f, "{r}: ")?;
        }
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ParseError {}

fn err(
    format: ListFormat,
    line: Option<u64>,
    record: Option<String>,
    (zh, en): (impl Into<String>, impl Into<String>),
) -> ParseError {
    ParseError {
        format: Some(format),
        line,
        record,
        reason: en.into(),
        reason_zh: zh.into(),
    }
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Detect the list format from the content (the file name is only a hint for the list name of
/// a local watch list) and parse it.
pub fn detect_and_parse(bytes: &[u8], file_name_hint: &str) -> Result<ParsedList, ParseError> {
    let format = detect_format(bytes).ok_or_else(|| ParseError {
        format: None,
        line: Some(1),
        record: None,
        reason: "unrecognised list format (expected OFAC SDN.CSV, CSL/Entity List JSON, UN consolidated XML, China lists CSV or kean CSV with header id,name,…)".into(),
        reason_zh: "无法识别的名单格式（应为 OFAC SDN.CSV、CSL/实体清单 JSON、联合国综合名单 XML、中国名单 CSV，或表头为 id,name,… 的本局名单 CSV）".into(),
    })?;
    match format {
        ListFormat::OfacSdnCsv => parse_ofac_sdn(bytes),
        ListFormat::CslJson => parse_csl_json(bytes),
        ListFormat::UnXml => parse_un_xml(bytes),
        ListFormat::CnCsv => parse_cn_csv(bytes),
        ListFormat::KeanCsv => {
            let stem = file_name_hint
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .split('.')
                .next()
                .unwrap_or("");
            parse_kean_csv(bytes, if stem.is_empty() { "LOCAL" } else { stem })
        }
    }
}

/// Detect the format of a list from its first bytes.
pub fn detect_format(bytes: &[u8]) -> Option<ListFormat> {
    let b = strip_bom(bytes);
    let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let b = &b[start..];
    match b[0] {
        b'{' | b'[' => return Some(ListFormat::CslJson),
        b'<' => {
            let head = &b[..b.len().min(4096)];
            return head
                .windows(17)
                .any(|w| w == b"CONSOLIDATED_LIST")
                .then_some(ListFormat::UnXml);
        }
        _ => {}
    }
    let first_line_end = b.iter().position(|&c| c == b'\n').unwrap_or(b.len());
    let first = String::from_utf8_lossy(&b[..first_line_end]).to_ascii_lowercase();
    if first.contains("name_zh") {
        return Some(ListFormat::CnCsv);
    }
    let fields: Vec<&str> = first
        .trim_end()
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect();
    if fields.contains(&"id") && fields.contains(&"name") {
        return Some(ListFormat::KeanCsv);
    }
    if fields
        .first()
        .is_some_and(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()))
        && (first.contains("-0-") || fields.len() >= 12)
    {
        return Some(ListFormat::OfacSdnCsv);
    }
    None
}

fn csv_line(pos: Option<&csv::Position>) -> Option<u64> {
    pos.map(csv::Position::line)
}

fn csv_error(format: ListFormat, e: &csv::Error) -> ParseError {
    let line = e.position().map(csv::Position::line);
    let zh = match e.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("CSV 格式错误：本行有 {len} 列，应有 {expected_len} 列")
        }
        csv::ErrorKind::Utf8 { .. } => "不是有效的 UTF-8 文本".to_string(),
        _ => "CSV 格式错误".to_string(),
    };
    err(format, line, None, (zh, format!("malformed CSV: {e}")))
}

// ---------------------------------------------------------------- OFAC SDN.CSV

fn ofac_field(s: &str) -> &str {
    let t = s.trim();
    if t == "-0-" { "" } else { t }
}

/// Parse OFAC's legacy SDN.CSV (no header, Latin-1, `-0-` = empty). Aliases come from the
/// remarks (`a.k.a. 'X'; f.k.a. 'Y'`), identifiers and nationality too.
pub fn parse_ofac_sdn(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    const F: ListFormat = ListFormat::OfacSdnCsv;
    // Latin-1 → UTF-8; drop the DOS end-of-file marker.
    let text: String = bytes.iter().filter(|&&b| b != 0x1A).map(|&b| b as char).collect();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut entries = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(F, &e))?;
        let line = csv_line(rec.position());
        if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() != 12 {
            return Err(err(
                F,
                line,
                None,
                (
                    format!("应有 12 列，实有 {} 列", rec.len()),
                    format!("expected 12 fields, found {}", rec.len()),
                ),
            ));
        }
        let id = ofac_field(&rec[0]);
        if id.is_empty() || !id.bytes().all(|c| c.is_ascii_digit()) {
            return Err(err(
                F,
                line,
                None,
                (
                    format!("ent_num 不是数字：“{}”", &rec[0]),
                    format!("ent_num is not a number: {:?}", &rec[0]),
                ),
            ));
        }
        let name = ofac_field(&rec[1]);
        if name.is_empty() {
            return Err(err(F, line, Some(format!("ent_num {id}")), ("名称为空", "empty name")));
        }
        let entity_type = match ofac_field(&rec[2]).to_ascii_lowercase().as_str() {
            "individual" => EntityType::Person,
            "vessel" => EntityType::Vessel,
            "aircraft" => EntityType::Unknown,
            "" => EntityType::Organization,
            _ => EntityType::Unknown,
        };
        let remarks = ofac_field(&rec[11]);
        let mut countries = Vec::new();
        let vess_flag = ofac_field(&rec[9]);
        if !vess_flag.is_empty() {
            countries.push(country_code(vess_flag));
        }
        let (aliases, identifiers) = parse_ofac_remarks(remarks, &mut countries);
        dedup(&mut countries);
        entries.push(Entry {
            id: id.to_string(),
            name: name.to_string(),
            aliases,
            entity_type,
            countries,
            identifiers,
        });
    }
    Ok(ParsedList {
        name: "OFAC-SDN".into(),
        format: F,
        entries,
    })
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = HashSet::new();
    v.retain(|x| !x.is_empty() && seen.insert(x.clone()));
}

const ID_LABELS: &[&str] = &[
    "Unified Social Credit Code (USCC)",
    "Passport",
    "National ID No.",
    "Registration Number",
    "Registration ID",
    "Business Registration Number",
    "Tax ID No.",
    "Identification Number",
    "Cedula No.",
    "Company Number",
    "Commercial Registry Number",
    "Diplomatic Passport",
    "Personal ID Card",
    "Vessel Registration Identification",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Government Gazette Number",
    "C.R. No.",
];

fn parse_ofac_remarks(remarks: &str, countries: &mut Vec<String>) -> (Vec<String>, Vec<Identifier>) {
    let mut aliases = Vec::new();
    let mut ids = Vec::new();
    // aliases: a.k.a. 'X' / f.k.a. 'X' / n.k.a. 'X'
    let bytes = remarks.as_bytes();
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let w = &remarks[i..];
        let is_marker = w.starts_with("a.k.a. '") || w.starts_with("f.k.a. '") || w.starts_with("n.k.a. '");
        if is_marker {
            let start = i + 8;
            let mut end = bytes.len();
            let mut j = start;
            while j < bytes.len() {
                if bytes[j] == b'\'' {
                    let next = bytes.get(j + 1).copied();
                    let next2 = bytes.get(j + 2).copied();
                    if next.is_none()
                        || next == Some(b';')
                        || (next == Some(b'.') && (next2.is_none() || next2 == Some(b' ')))
                    {
                        end = j;
                        break;
                    }
                }
                j += 1;
            }
            let alias = remarks[start..end].trim();
            if !alias.is_empty() {
                aliases.push(alias.to_string());
            }
            i = end.max(start);
            continue;
        }
        // advance to next char boundary
        i += w.chars().next().map_or(1, char::len_utf8);
    }
    for seg in remarks.split(';') {
        let seg = seg.trim().trim_end_matches('.');
        let seg = seg.strip_prefix("alt. ").unwrap_or(seg);
        if let Some(c) = seg
            .strip_prefix("nationality ")
            .or_else(|| seg.strip_prefix("citizen "))
        {
            countries.push(country_code(c));
            continue;
        }
        for label in ID_LABELS {
            if let Some(rest) = seg.strip_prefix(label) {
                let rest = rest.trim();
                if let Some(value) = rest.split_whitespace().next().map(|v| v.trim_end_matches([',', '.']))
                    && value.bytes().any(|c| c.is_ascii_digit())
                {
                    ids.push(Identifier {
                        kind: (*label).to_string(),
                        value: value.to_string(),
                    });
                    if let (Some(a), Some(b)) = (rest.find('('), rest.find(')'))
                        && a < b
                    {
                        countries.push(country_code(&rest[a + 1..b]));
                    }
                }
                break;
            }
        }
    }
    (aliases, ids)
}

// ---------------------------------------------------------------- CSL / Entity List JSON

fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn json_str(v: &serde_json::Value) -> Option<&str> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// Parse the Consolidated Screening List / BIS Entity List JSON (`{"entities":[…]}`,
/// `{"results":[…]}` or a bare array). `alternateNames`/`alt_names` strings joined with "; " are
/// split; the country is the tail of each address. Entry ids: the record's `id` if present,
/// else `BIS-` + a hash of name and first address (stable across snapshots while those stay).
pub fn parse_csl_json(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    const F: ListFormat = ListFormat::CslJson;
    let v: serde_json::Value = serde_json::from_slice(strip_bom(bytes)).map_err(|e| {
        err(
            F,
            Some(e.line() as u64),
            None,
            (
                format!("JSON 格式错误（第 {} 列）", e.column()),
                format!("invalid JSON: {e}"),
            ),
        )
    })?;
    let arr = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => o
            .get("entities")
            .or_else(|| o.get("results"))
            .and_then(|x| x.as_array())
            .ok_or_else(|| {
                err(
                    F,
                    None,
                    None,
                    (
                        "没有 \"entities\" 或 \"results\" 数组",
                        "no \"entities\" or \"results\" array",
                    ),
                )
            })?,
        _ => {
            return Err(err(
                F,
                None,
                None,
                (
                    "顶层既不是对象也不是数组",
                    "top level is neither an object nor an array",
                ),
            ));
        }
    };
    let mut entries = Vec::with_capacity(arr.len());
    let mut seen_ids = HashSet::new();
    for (n, rec) in arr.iter().enumerate() {
        let record = || Some(format!("record {}", n + 1));
        let obj = rec
            .as_object()
            .ok_or_else(|| err(F, None, record(), ("记录不是 JSON 对象", "record is not an object")))?;
        let name = obj
            .get("name")
            .and_then(json_str)
            .ok_or_else(|| err(F, None, record(), ("缺少 \"name\" 或为空", "missing or empty \"name\"")))?;
        let mut aliases = Vec::new();
        for key in ["alternateNames", "alt_names"] {
            match obj.get(key) {
                Some(serde_json::Value::Array(a)) => {
                    // The re-packaged file sometimes split "X Co., Ltd.; Y" at ", " into array
                    // items: an item starting with a legal form continues the previous one.
                    let mut joined: Vec<String> = Vec::new();
                    for x in a {
                        let s = x.as_str().ok_or_else(|| {
                            err(
                                F,
                                None,
                                record(),
                                (format!("{key} 含有非字符串的值"), format!("{key} holds a non-string")),
                            )
                        })?;
                        let lower = s.trim_start().to_ascii_lowercase();
                        let continues = [
                            "ltd", "limited", "inc", "llc", "co.", "corp", "gmbh", "s.a", "plc", "jsc", "ltda",
                        ]
                        .iter()
                        .any(|p| lower.starts_with(p));
                        match joined.last_mut() {
                            Some(prev) if continues => {
                                prev.push_str(", ");
                                prev.push_str(s.trim_start());
                            }
                            _ => joined.push(s.to_string()),
                        }
                    }
                    for s in joined {
                        aliases.extend(s.split("; ").map(str::trim).filter(|s| !s.is_empty()).map(String::from));
                    }
                }
                Some(serde_json::Value::String(s)) => {
                    aliases.extend(s.split("; ").map(str::trim).filter(|s| !s.is_empty()).map(String::from));
                }
                Some(serde_json::Value::Null) | None => {}
                Some(_) => {
                    return Err(err(
                        F,
                        None,
                        record(),
                        (
                            format!("{key} 既不是列表也不是字符串"),
                            format!("{key} is neither a list nor a string"),
                        ),
                    ));
                }
            }
        }
        let mut countries = Vec::new();
        let mut first_addr = String::new();
        if let Some(serde_json::Value::Array(addrs)) = obj.get("addresses") {
            for a in addrs {
                let texts: Vec<String> = match a {
                    serde_json::Value::String(s) => s.split("; ").map(String::from).collect(),
                    serde_json::Value::Object(o) => o
                        .get("country")
                        .and_then(json_str)
                        .map(|c| vec![format!(", {c}")])
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                for t in texts {
                    if first_addr.is_empty() {
                        first_addr = t.clone();
                    }
                    let tail = t.rsplit(',').next().unwrap_or("").trim();
                    if !tail.is_empty() {
                        countries.push(country_code(tail));
                    }
                }
            }
        }
        if let Some(c) = obj.get("country").and_then(json_str)
            && !c.eq_ignore_ascii_case("unknown")
        {
            countries.push(country_code(c));
        }
        dedup(&mut countries);
        let entity_type = obj
            .get("entityType")
            .or_else(|| obj.get("type"))
            .and_then(json_str)
            .map(EntityType::parse)
            .unwrap_or(EntityType::Unknown);
        let mut id = match obj.get("id") {
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(serde_json::Value::Number(x)) => x.to_string(),
            _ => format!("BIS-{:012x}", fnv1a(&format!("{name}|{first_addr}")) & 0xffff_ffff_ffff),
        };
        if !seen_ids.insert(id.clone()) {
            let mut k = 2;
            while !seen_ids.insert(format!("{id}-{k}")) {
                k += 1;
            }
            id = format!("{id}-{k}");
        }
        let mut identifiers = Vec::new();
        if let Some(serde_json::Value::Array(ids)) = obj.get("ids") {
            for x in ids {
                if let Some(num) = x.get("number").and_then(json_str) {
                    identifiers.push(Identifier {
                        kind: x.get("type").and_then(json_str).unwrap_or("").to_string(),
                        value: num.to_string(),
                    });
                }
            }
        }
        entries.push(Entry {
            id,
            name: name.to_string(),
            aliases,
            entity_type,
            countries,
            identifiers,
        });
    }
    Ok(ParsedList {
        name: "US-BIS-EL".into(),
        format: F,
        entries,
    })
}

// ---------------------------------------------------------------- UN consolidated XML

#[derive(Default)]
struct UnRecord {
    dataid: String,
    reference: String,
    names: [String; 4],
    original_script: Vec<String>,
    aliases: Vec<String>,
    countries: Vec<String>,
    doc_type: String,
    doc_number: String,
    identifiers: Vec<Identifier>,
}

fn line_of(bytes: &[u8], pos: u64) -> u64 {
    let p = (pos as usize).min(bytes.len());
    bytes[..p].iter().filter(|&&c| c == b'\n').count() as u64 + 1
}

/// Parse the UN Security Council consolidated list XML. Primary name: FIRST_NAME SECOND_NAME
/// THIRD_NAME FOURTH_NAME joined by single spaces (entities: FIRST_NAME). Aliases: every
/// ALIAS_NAME (any QUALITY) and NAME_ORIGINAL_SCRIPT. Entry id: REFERENCE_NUMBER, else DATAID.
pub fn parse_un_xml(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    use quick_xml::events::Event;
    const F: ListFormat = ListFormat::UnXml;
    let mut reader = quick_xml::Reader::from_reader(strip_bom(bytes));
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut cur: Option<(EntityType, UnRecord, u64)> = None;
    let mut entries = Vec::new();
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event_into(&mut buf).map_err(|e| {
            err(
                F,
                Some(line_of(bytes, pos)),
                None,
                ("XML 格式错误".to_string(), format!("malformed XML: {e}")),
            )
        })?;
        match ev {
            Event::Start(s) => {
                let qn = s.name();
                let tag: String = AsRef::<str>::as_ref(&qn).to_string();
                text.clear();
                if tag == "INDIVIDUAL" || tag == "ENTITY" {
                    let t = if tag == "INDIVIDUAL" {
                        EntityType::Person
                    } else {
                        EntityType::Organization
                    };
                    cur = Some((t, UnRecord::default(), pos));
                } else if let Some((_, rec, _)) = cur.as_mut()
                    && tag == "INDIVIDUAL_DOCUMENT"
                {
                    rec.doc_type.clear();
                    rec.doc_number.clear();
                }
                path.push(tag);
            }
            Event::End(e) => {
                let qn = e.name();
                let tag: String = AsRef::<str>::as_ref(&qn).to_string();
                if path.last() != Some(&tag) {
                    return Err(err(
                        F,
                        Some(line_of(bytes, pos)),
                        None,
                        (
                            format!("意外的结束标签 </{tag}>"),
                            format!("unexpected closing tag </{tag}>"),
                        ),
                    ));
                }
                if let Some((_, rec, _)) = cur.as_mut() {
                    let value = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    text.clear();
                    let parent = path
                        .len()
                        .checked_sub(2)
                        .and_then(|i| path.get(i))
                        .map(String::as_str)
                        .unwrap_or("");
                    if !value.is_empty() {
                        match (parent, tag.as_str()) {
                            (_, "DATAID") => rec.dataid = value,
                            (_, "REFERENCE_NUMBER") => rec.reference = value,
                            ("INDIVIDUAL" | "ENTITY", "FIRST_NAME") => rec.names[0] = value,
                            ("INDIVIDUAL" | "ENTITY", "SECOND_NAME") => rec.names[1] = value,
                            ("INDIVIDUAL" | "ENTITY", "THIRD_NAME") => rec.names[2] = value,
                            ("INDIVIDUAL" | "ENTITY", "FOURTH_NAME") => rec.names[3] = value,
                            (_, "NAME_ORIGINAL_SCRIPT") => rec.original_script.push(value),
                            (_, "ALIAS_NAME") => rec.aliases.push(value),
                            ("NATIONALITY", "VALUE") => rec.countries.push(country_code(&value)),
                            ("INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS", "COUNTRY") => {
                                rec.countries.push(country_code(&value))
                            }
                            ("INDIVIDUAL_DOCUMENT", "TYPE_OF_DOCUMENT") => rec.doc_type = value,
                            ("INDIVIDUAL_DOCUMENT", "NUMBER") => rec.doc_number = value,
                            _ => {}
                        }
                    }
                }
                path.pop();
                if tag == "INDIVIDUAL_DOCUMENT"
                    && let Some((_, rec, _)) = cur.as_mut()
                    && !rec.doc_number.is_empty()
                {
                    let id = Identifier {
                        kind: std::mem::take(&mut rec.doc_type),
                        value: std::mem::take(&mut rec.doc_number),
                    };
                    rec.identifiers.push(id);
                }
                if (tag == "INDIVIDUAL" || tag == "ENTITY")
                    && let Some((t, rec, start_line)) = cur.take()
                {
                    let name = rec
                        .names
                        .iter()
                        .filter(|s| !s.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" ");
                    let id = if !rec.reference.is_empty() {
                        rec.reference
                    } else {
                        rec.dataid
                    };
                    if id.is_empty() {
                        return Err(err(
                            F,
                            Some(line_of(bytes, start_line)),
                            None,
                            (
                                format!("{tag} 缺少 DATAID 或 REFERENCE_NUMBER"),
                                format!("{tag} without DATAID or REFERENCE_NUMBER"),
                            ),
                        ));
                    }
                    if name.is_empty() {
                        return Err(err(
                            F,
                            Some(line_of(bytes, start_line)),
                            Some(id),
                            (format!("{tag} 缺少 FIRST_NAME"), format!("{tag} without FIRST_NAME")),
                        ));
                    }
                    let mut aliases = rec.original_script;
                    aliases.extend(rec.aliases);
                    aliases.retain(|a| a != &name);
                    dedup(&mut aliases);
                    let mut countries = rec.countries;
                    dedup(&mut countries);
                    entries.push(Entry {
                        id,
                        name,
                        aliases,
                        entity_type: t,
                        countries,
                        identifiers: rec.identifiers,
                    });
                }
            }
            Event::Text(t) if cur.is_some() => text.push_str(&t.xml10_content()),
            Event::CData(t) if cur.is_some() => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if cur.is_some() => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name: &str = r.as_ref();
                    text.push_str(match name {
                        "amp" => "&",
                        "apos" => "'",
                        "quot" => "\"",
                        "lt" => "<",
                        "gt" => ">",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if cur.is_some() || !path.is_empty() {
        return Err(err(
            F,
            Some(line_of(bytes, bytes.len() as u64)),
            None,
            ("文件意外结束（不完整）", "unexpected end of document"),
        ));
    }
    Ok(ParsedList {
        name: "UN-SC".into(),
        format: F,
        entries,
    })
}

// ---------------------------------------------------------------- China's lists CSV

/// Parse China's lists, flattened CSV (`…,type,name_zh,name_en,…`). Primary name = name_zh,
/// alias = name_en. Entry id: `list_dir:publish_date:name_zh` (`#n` appended to repeats).
pub fn parse_cn_csv(bytes: &[u8]) -> Result<ParsedList, ParseError> {
    const F: ListFormat = ListFormat::CnCsv;
    let text = std::str::from_utf8(strip_bom(bytes)).map_err(|e| {
        let line = line_of(bytes, e.valid_up_to() as u64);
        err(F, Some(line), None, ("不是有效的 UTF-8 文本", "not valid UTF-8"))
    })?;
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| csv_error(F, &e))?.clone();
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let zh_col =
        col("name_zh").ok_or_else(|| err(F, Some(1), None, ("表头缺少 name_zh 列", "header lacks name_zh")))?;
    let en_col = col("name_en");
    let type_col = col("type");
    let dir_col = col("list_dir");
    let date_col = col("publish_date");
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(F, &e))?;
        let line = csv_line(rec.position());
        let name = rec.get(zh_col).unwrap_or("").trim();
        let en = en_col.and_then(|c| rec.get(c)).unwrap_or("").trim();
        let (name, aliases) = match (name.is_empty(), en.is_empty()) {
            (false, false) => (name, vec![en.to_string()]),
            (false, true) => (name, vec![]),
            (true, false) => (en, vec![]),
            (true, true) => {
                return Err(err(
                    F,
                    line,
                    None,
                    ("name_zh 和 name_en 都为空", "both name_zh and name_en are empty"),
                ));
            }
        };
        let key = format!(
            "{}:{}:{}",
            dir_col.and_then(|c| rec.get(c)).unwrap_or("cn").trim(),
            date_col.and_then(|c| rec.get(c)).unwrap_or("").trim(),
            name
        );
        let mut id = key.clone();
        let mut k = 2;
        while !seen.insert(id.clone()) {
            id = format!("{key}#{k}");
            k += 1;
        }
        let entity_type = type_col
            .and_then(|c| rec.get(c))
            .map(EntityType::parse)
            .unwrap_or_default();
        entries.push(Entry {
            id,
            name: name.to_string(),
            aliases,
            entity_type,
            countries: Vec::new(),
            identifiers: Vec::new(),
        });
    }
    Ok(ParsedList {
        name: "CN".into(),
        format: F,
        entries,
    })
}

// ---------------------------------------------------------------- kean CSV

/// Parse kean's CSV for a bureau's local watch list. UTF-8 with or without BOM; header
/// `id,name[,aliases][,type][,country][,identifiers]` in any order (other columns ignored);
/// `aliases`, `country` and `identifiers` are `;`-separated; an identifier is `KIND:VALUE` or a
/// bare value; `type` is organization|person|vessel|unknown (empty = unknown).
pub fn parse_kean_csv(bytes: &[u8], list_name: &str) -> Result<ParsedList, ParseError> {
    const F: ListFormat = ListFormat::KeanCsv;
    let body = strip_bom(bytes);
    let text = std::str::from_utf8(body).map_err(|e| {
        err(
            F,
            Some(line_of(body, e.valid_up_to() as u64)),
            None,
            ("不是有效的 UTF-8 文本", "not valid UTF-8"),
        )
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| csv_error(F, &e))?.clone();
    let col = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
    let id_col = col("id").ok_or_else(|| err(F, Some(1), None, ("表头缺少 id 列", "header lacks column id")))?;
    let name_col =
        col("name").ok_or_else(|| err(F, Some(1), None, ("表头缺少 name 列", "header lacks column name")))?;
    let (alias_col, type_col, country_col, ids_col) = (col("aliases"), col("type"), col("country"), col("identifiers"));
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(F, &e))?;
        let line = csv_line(rec.position());
        let id = rec.get(id_col).unwrap_or("");
        let name = rec.get(name_col).unwrap_or("");
        if id.is_empty() {
            return Err(err(F, line, None, ("编号（id）为空", "empty id")));
        }
        if name.is_empty() {
            return Err(err(F, line, Some(format!("id {id}")), ("名称为空", "empty name")));
        }
        if !seen.insert(id.to_string()) {
            return Err(err(F, line, Some(format!("id {id}")), ("编号重复", "duplicate id")));
        }
        let split = |c: Option<usize>| -> Vec<String> {
            c.and_then(|c| rec.get(c))
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        let type_s = type_col.and_then(|c| rec.get(c)).unwrap_or("");
        let entity_type = EntityType::parse(type_s);
        if !type_s.is_empty() && entity_type == EntityType::Unknown && !type_s.eq_ignore_ascii_case("unknown") {
            return Err(err(
                F,
                line,
                Some(format!("id {id}")),
                (
                    format!("类型“{type_s}”无法识别（应为 organization、person、vessel 或 unknown）"),
                    format!("unknown type {type_s:?} (organization|person|vessel|unknown)"),
                ),
            ));
        }
        let identifiers = split(ids_col)
            .into_iter()
            .map(|s| match s.split_once(':') {
                Some((k, v)) if !identifier_key(v).is_empty() => Identifier {
                    kind: k.trim().to_string(),
                    value: v.trim().to_string(),
                },
                _ => Identifier {
                    kind: String::new(),
                    value: s,
                },
            })
            .collect();
        entries.push(Entry {
            id: id.to_string(),
            name: name.to_string(),
            aliases: split(alias_col),
            entity_type,
            countries: split(country_col).iter().map(|c| country_code(c)).collect(),
            identifiers,
        });
    }
    Ok(ParsedList {
        name: list_name.to_string(),
        format: F,
        entries,
    })
}
