//! Dictionary files: the two seed formats of `shared/data/catalogues` and
//! kean's own format, detected by their header. Every error names the line
//! (1 = the header) and, where there is one, the column.

use crate::model::{Dictionary, DictionaryFormat, DictionaryKind, ExportControl, Item, Term, TermKind};
use std::collections::HashSet;
use std::fmt;

/// The chokepoint seed's header (`chokepoint_35_kjrb2018.csv`).
pub const CHOKEPOINT_SEED_HEADER: &str =
    "seq,technology,kjrb_article_title,position_confidence,industry_chain_suggestion";
/// The catalogue seed's header (`export_tech_catalog_partial.csv`).
pub const CATALOGUE_SEED_HEADER: &str = "edition,part,seq,code,name,control_point_excerpt,verification,source";
/// kean's own dictionary header; `terms` and `related_terms` are `;`-separated.
pub const KEAN_HEADER: &str = "dictionary,code,name,group,edition,description,terms,related_terms,source";

/// Why a dictionary file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line of the file (1 = the header).
    pub line: u64,
    /// 1-based column and its header name, when one column is at fault.
    pub column: Option<(usize, String)>,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some((n, name)) => write!(f, "line {}, column {n} ({name}): {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

impl std::error::Error for ParseError {}

fn err(line: u64, column: Option<(usize, &str)>, reason: impl Into<String>) -> ParseError {
    ParseError {
        line,
        column: column.map(|(n, s)| (n, s.to_string())),
        reason: reason.into(),
    }
}

/// Reads a dictionary file, its format detected from the header.
pub fn parse_dictionary(bytes: &[u8]) -> Result<Dictionary, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        err(line, None, "not UTF-8 text")
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.trim().is_empty() {
        return Err(err(1, None, "empty file: no header"));
    }
    let header: Vec<String> = first.split(',').map(|s| s.trim().to_string()).collect();
    let joined = header.join(",");
    let (format, expected) = if joined == CHOKEPOINT_SEED_HEADER {
        (DictionaryFormat::ChokepointSeed, CHOKEPOINT_SEED_HEADER)
    } else if joined == CATALOGUE_SEED_HEADER {
        (DictionaryFormat::CatalogueSeed, CATALOGUE_SEED_HEADER)
    } else if joined == KEAN_HEADER {
        (DictionaryFormat::Kean, KEAN_HEADER)
    } else {
        return Err(err(
            1,
            None,
            format!(
                "unknown dictionary format: header '{first}' is none of '{CHOKEPOINT_SEED_HEADER}' (chokepoint list), '{CATALOGUE_SEED_HEADER}' (export-control catalogue), '{KEAN_HEADER}' (kean dictionary)"
            ),
        ));
    };
    let columns: Vec<&str> = expected.split(',').collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut items = vec![];
    let mut deleted = vec![];
    let mut keys = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            err(line, None, format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != columns.len() {
            let col = record.len().min(columns.len() - 1);
            return Err(err(
                line,
                Some((col + 1, columns[col])),
                format!("{} fields where the header has {}", record.len(), columns.len()),
            ));
        }
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let (item, is_deleted) = match format {
            DictionaryFormat::ChokepointSeed => (chokepoint_seed_row(line, &columns, &field)?, false),
            DictionaryFormat::CatalogueSeed => catalogue_seed_row(line, &columns, &field)?,
            DictionaryFormat::Kean => (kean_row(line, &columns, &field)?, false),
        };
        if is_deleted {
            deleted.push(item);
            continue;
        }
        if !keys.insert((item.dictionary, item.key())) {
            let (col, what) = if item.code.is_empty() {
                (name_col(format), "name")
            } else {
                (code_col(format), "code")
            };
            return Err(err(
                line,
                Some((col + 1, columns[col])),
                format!("{what} '{}' appears twice", item.key()),
            ));
        }
        items.push(item);
    }
    if items.is_empty() {
        return Err(err(1, None, "no items after the header"));
    }
    Ok(Dictionary { format, items, deleted })
}

fn name_col(format: DictionaryFormat) -> usize {
    match format {
        DictionaryFormat::ChokepointSeed => 1,
        DictionaryFormat::CatalogueSeed => 4,
        DictionaryFormat::Kean => 2,
    }
}

fn code_col(format: DictionaryFormat) -> usize {
    match format {
        DictionaryFormat::ChokepointSeed => 0,
        DictionaryFormat::CatalogueSeed => 3,
        DictionaryFormat::Kean => 1,
    }
}

fn required<'a>(line: u64, columns: &[&str], i: usize, value: &'a str) -> Result<&'a str, ParseError> {
    if value.is_empty() {
        Err(err(line, Some((i + 1, columns[i])), "empty"))
    } else {
        Ok(value)
    }
}

fn chokepoint_seed_row<'a>(line: u64, columns: &[&str], field: &dyn Fn(usize) -> &'a str) -> Result<Item, ParseError> {
    let seq = required(line, columns, 0, field(0))?;
    let n: u32 = seq.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
        err(
            line,
            Some((1, columns[0])),
            format!("'{seq}' is not a positive whole number"),
        )
    })?;
    let name = required(line, columns, 1, field(1))?;
    let confidence = required(line, columns, 3, field(3))?;
    if !["confirmed", "inferred", "order-consistent"]
        .iter()
        .any(|c| confidence.starts_with(c))
    {
        return Err(err(
            line,
            Some((4, columns[3])),
            format!("'{confidence}' is not confirmed, inferred or order-consistent"),
        ));
    }
    let chain = required(line, columns, 4, field(4))?;
    Ok(Item {
        dictionary: DictionaryKind::Chokepoint,
        code: format!("CP{n:02}"),
        name: name.to_string(),
        group: chain.to_string(),
        edition: "科技日报2018".to_string(),
        description: String::new(),
        terms: vec![core(name)],
        control: None,
        source: format!("科技日报 2018 亟待攻克的核心技术: {}", field(2)),
    })
}

fn catalogue_seed_row<'a>(
    line: u64,
    columns: &[&str],
    field: &dyn Fn(usize) -> &'a str,
) -> Result<(Item, bool), ParseError> {
    let edition = required(line, columns, 0, field(0))?;
    let year: String = edition.chars().take(4).collect();
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return Err(err(
            line,
            Some((1, columns[0])),
            format!("'{edition}' does not start with the edition's year"),
        ));
    }
    let part = required(line, columns, 1, field(1))?;
    let control = if part.starts_with("禁止出口") {
        ExportControl::Prohibited
    } else if part.starts_with("限制出口") {
        ExportControl::Restricted
    } else {
        return Err(err(
            line,
            Some((2, columns[1])),
            format!("'{part}' is neither 禁止出口 nor 限制出口"),
        ));
    };
    let deleted = part.contains("删除");
    let seq = field(2);
    if !seq.is_empty() && seq.parse::<u32>().is_err() {
        return Err(err(
            line,
            Some((3, columns[2])),
            format!("'{seq}' is not a whole number"),
        ));
    }
    let code = field(3);
    if !code.is_empty() {
        check_code(code, control).map_err(|r| err(line, Some((4, columns[3])), r))?;
    }
    let name = required(line, columns, 4, field(4))?;
    Ok((
        Item {
            dictionary: DictionaryKind::ExportControl,
            code: code.to_string(),
            name: name.to_string(),
            group: part.to_string(),
            edition: year,
            description: field(5).to_string(),
            terms: vec![core(name)],
            control: Some(control),
            source: format!("{edition}; {}", field(7)),
        },
        deleted,
    ))
}

/// A catalogue code: 6 digits then J (prohibited) or X (restricted),
/// agreeing with the part it is listed in.
fn check_code(code: &str, control: ExportControl) -> Result<(), String> {
    let b = code.as_bytes();
    if b.len() != 7 || !b[..6].iter().all(u8::is_ascii_digit) || !matches!(b[6], b'J' | b'X') {
        return Err(format!("'{code}' is not 6 digits followed by J or X"));
    }
    match (b[6], control) {
        (b'J', ExportControl::Restricted) => {
            Err(format!("'{code}' ends in J (prohibited) but is listed as restricted"))
        }
        (b'X', ExportControl::Prohibited) => {
            Err(format!("'{code}' ends in X (restricted) but is listed as prohibited"))
        }
        _ => Ok(()),
    }
}

fn kean_row<'a>(line: u64, columns: &[&str], field: &dyn Fn(usize) -> &'a str) -> Result<Item, ParseError> {
    let dictionary = DictionaryKind::parse(field(0)).ok_or_else(|| {
        err(
            line,
            Some((1, columns[0])),
            format!("'{}' is neither chokepoint nor export_control", field(0)),
        )
    })?;
    let code = field(1);
    let control = match dictionary {
        DictionaryKind::Chokepoint => {
            required(line, columns, 1, code)?;
            None
        }
        DictionaryKind::ExportControl => {
            let group = field(3);
            let control = if group.starts_with("禁止出口") {
                ExportControl::Prohibited
            } else if group.starts_with("限制出口") {
                ExportControl::Restricted
            } else {
                return Err(err(
                    line,
                    Some((4, columns[3])),
                    format!("'{group}' is neither 禁止出口 nor 限制出口"),
                ));
            };
            if !code.is_empty() {
                check_code(code, control).map_err(|r| err(line, Some((2, columns[1])), r))?;
            }
            Some(control)
        }
    };
    let name = required(line, columns, 2, field(2))?;
    let mut terms = vec![core(name)];
    for (col, kind) in [(6, TermKind::Core), (7, TermKind::Related)] {
        for t in field(col).split([';', '；']).map(str::trim).filter(|t| !t.is_empty()) {
            if t.chars().count() < 2 && t.is_ascii() {
                return Err(err(
                    line,
                    Some((col + 1, columns[col])),
                    format!("term '{t}' is too short to mean anything"),
                ));
            }
            if !terms.iter().any(|x: &Term| x.text.eq_ignore_ascii_case(t)) {
                terms.push(Term {
                    text: t.to_string(),
                    kind,
                });
            }
        }
    }
    Ok(Item {
        dictionary,
        code: code.to_string(),
        name: name.to_string(),
        group: field(3).to_string(),
        edition: field(4).to_string(),
        description: field(5).to_string(),
        terms,
        control,
        source: field(8).to_string(),
    })
}

fn core(text: &str) -> Term {
    Term {
        text: text.to_string(),
        kind: TermKind::Core,
    }
}

impl Dictionary {
    /// Adds to each item the terms (and, where it has none, the description)
    /// of the same item in `terms` — same dictionary and same code, or same
    /// name. This is how a seed file, which names its items only, gets the
    /// terms kean ships as data.
    pub fn with_terms_from(mut self, terms: &Dictionary) -> Dictionary {
        for item in &mut self.items {
            let Some(known) = terms.items.iter().find(|k| {
                k.dictionary == item.dictionary
                    && ((!item.code.is_empty() && k.code == item.code) || k.name == item.name)
            }) else {
                continue;
            };
            for t in &known.terms {
                if !item.terms.iter().any(|x| x.text.eq_ignore_ascii_case(&t.text)) {
                    item.terms.push(t.clone());
                }
            }
            if item.description.is_empty() {
                item.description = known.description.clone();
            }
        }
        self
    }

    /// Writes the dictionary in kean's own format (an edited list's export).
    pub fn to_kean_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(vec![]);
        let _ = w.write_record(KEAN_HEADER.split(','));
        for i in &self.items {
            let list = |k: TermKind| {
                i.terms
                    .iter()
                    .skip(1)
                    .filter(|t| t.kind == k)
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join(";")
            };
            let _ = w.write_record([
                i.dictionary.as_str(),
                &i.code,
                &i.name,
                &i.group,
                &i.edition,
                &i.description,
                &list(TermKind::Core),
                &list(TermKind::Related),
                &i.source,
            ]);
        }
        w.into_inner().unwrap_or_default()
    }
}
