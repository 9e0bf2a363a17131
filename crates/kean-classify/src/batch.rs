//! The CLI's batch: projects in CSV (`id,title,abstract,keywords`), results
//! in CSV (`query_id,dictionary,item_code,item_name,score,matched_terms`).

use crate::engine::{Classifier, Document, Suggestion};
use std::collections::HashSet;
use std::fmt;

/// The results' header, exactly.
pub const OUTPUT_HEADER: &str = "query_id,dictionary,item_code,item_name,score,matched_terms";
/// The columns the input must have (in any order; others are ignored).
pub const INPUT_COLUMNS: [&str; 4] = ["id", "title", "abstract", "keywords"];

/// Why an input file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// 1-based line (1 = the header).
    pub line: u64,
    pub reason: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl std::error::Error for InputError {}

/// A text to classify with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    pub id: String,
    pub document: Document,
}

/// Reads the projects file; every row is checked before any is classified.
pub fn read_queries(bytes: &[u8]) -> Result<Vec<Query>, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| InputError {
        line: bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1,
        reason: "not UTF-8 text".into(),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| InputError {
            line: 1,
            reason: format!("not valid CSV: {e}"),
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut at = [0usize; 4];
    let mut missing = vec![];
    for (k, c) in INPUT_COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == c) {
            Some(p) => at[k] = p,
            None => missing.push(*c),
        }
    }
    if !missing.is_empty() {
        return Err(InputError {
            line: 1,
            reason: format!(
                "the header '{}' lacks {} (expected id,title,abstract,keywords)",
                header.join(","),
                missing.join(", ")
            ),
        });
    }
    let mut ids = HashSet::new();
    let mut out = vec![];
    for record in reader.records() {
        let record = record.map_err(|e| InputError {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            reason: format!("not valid CSV: {e}"),
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != header.len() {
            return Err(InputError {
                line,
                reason: format!("{} fields where the header has {}", record.len(), header.len()),
            });
        }
        let get = |k: usize| record.get(at[k]).unwrap_or("").trim().to_string();
        let id = get(0);
        if id.is_empty() {
            return Err(InputError {
                line,
                reason: "empty id".into(),
            });
        }
        if !ids.insert(id.clone()) {
            return Err(InputError {
                line,
                reason: format!("id '{id}' appears twice"),
            });
        }
        out.push(Query {
            id,
            document: Document {
                title: get(1),
                abstract_text: get(2),
                keywords: get(3),
            },
        });
    }
    Ok(out)
}

/// Classifies the queries and writes the results' CSV: queries in input
/// order, each one's suggestions best first.
pub fn results_csv(classifier: &Classifier, queries: &[Query], threshold: f64) -> (Vec<u8>, Summary) {
    let docs: Vec<Document> = queries.iter().map(|q| q.document.clone()).collect();
    let results = classifier.classify_all(&docs, threshold);
    let mut w = csv::Writer::from_writer(vec![]);
    let _ = w.write_record(OUTPUT_HEADER.split(','));
    let mut summary = Summary {
        queries: queries.len(),
        ..Summary::default()
    };
    for (q, suggestions) in queries.iter().zip(&results) {
        if !suggestions.is_empty() {
            summary.queries_with_suggestions += 1;
        }
        for s in suggestions {
            summary.suggestions += 1;
            let _ = w.write_record(row(&q.id, s));
        }
    }
    (w.into_inner().unwrap_or_default(), summary)
}

fn row(id: &str, s: &Suggestion) -> [String; 6] {
    [
        id.to_string(),
        s.dictionary.as_str().to_string(),
        s.item_code.clone(),
        s.item_name.clone(),
        format!("{:.4}", s.score),
        s.matched_terms(),
    ]
}

/// What a batch found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub queries: usize,
    pub queries_with_suggestions: usize,
    pub suggestions: usize,
}
