//! Batch screening of a CSV of queries, streaming in chunks over all cores.

use crate::index::{Index, Match};
use crate::model::{EntityType, Query};
use rayon::prelude::*;
use std::fmt;
use std::io::{Read, Write};

/// Queries screened in parallel per chunk (bounds memory: one chunk of queries and matches).
pub const CHUNK_SIZE: usize = 8192;

/// Header of the matches CSV, exactly.
pub const MATCHES_HEADER: [&str; 7] = [
    "query_id",
    "entry_id",
    "entry_name",
    "list",
    "matched_name",
    "score",
    "explanation",
];

/// Totals of a batch run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchSummary {
    /// Queries read.
    pub queries: u64,
    /// Match rows written.
    pub matches: u64,
    /// Queries with at least one match.
    pub queries_with_matches: u64,
}

/// A batch failure: the input line (1-based, header = line 1) when known, and the reason.
#[derive(Debug)]
pub struct BatchError {
    pub line: Option<u64>,
    pub reason: String,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "queries line {l}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for BatchError {}

fn berr(line: Option<u64>, reason: impl Into<String>) -> BatchError {
    BatchError {
        line,
        reason: reason.into(),
    }
}

/// Screen every query of a CSV (`id,name[,type][,country][,identifiers]`, UTF-8, BOM allowed;
/// `type` organization|person or empty; `identifiers` `;`-separated) and write one row per match
/// with score ≥ `threshold` to `out` (header [`MATCHES_HEADER`]), in input order, each query's
/// matches by score descending. `progress` is called after each chunk with the number of queries
/// done so far. Uses all rayon threads; memory stays bounded by [`CHUNK_SIZE`].
pub fn screen_batch<R: Read, W: Write>(
    index: &Index,
    queries: R,
    out: W,
    threshold: f64,
    progress: &mut dyn FnMut(u64),
) -> Result<BatchSummary, BatchError> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(BomSkip::new(queries));
    let headers = rdr
        .headers()
        .map_err(|e| berr(Some(1), format!("cannot read header: {e}")))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(n));
    let id_col = col("id").ok_or_else(|| berr(Some(1), "header lacks column id"))?;
    let name_col = col("name").ok_or_else(|| berr(Some(1), "header lacks column name"))?;
    let (type_col, country_col, ids_col) = (col("type"), col("country"), col("identifiers"));
    let mut w = csv::Writer::from_writer(out);
    w.write_record(MATCHES_HEADER)
        .map_err(|e| berr(None, format!("cannot write matches: {e}")))?;
    let mut summary = BatchSummary::default();
    let mut chunk: Vec<Query> = Vec::with_capacity(CHUNK_SIZE);
    let mut rec = csv::StringRecord::new();
    loop {
        chunk.clear();
        while chunk.len() < CHUNK_SIZE {
            let more = rdr.read_record(&mut rec).map_err(|e| {
                let line = e.position().map(csv::Position::line);
                berr(line, format!("malformed CSV: {e}"))
            })?;
            if !more {
                break;
            }
            let line = rec.position().map(csv::Position::line);
            let id = rec.get(id_col).unwrap_or("");
            let name = rec.get(name_col).unwrap_or("");
            if id.is_empty() {
                return Err(berr(line, "empty id"));
            }
            if name.is_empty() {
                return Err(berr(line, format!("query {id}: empty name")));
            }
            let type_s = type_col.and_then(|c| rec.get(c)).unwrap_or("");
            let entity_type = EntityType::parse(type_s);
            if !type_s.is_empty() && entity_type == EntityType::Unknown && !type_s.eq_ignore_ascii_case("unknown") {
                return Err(berr(
                    line,
                    format!("query {id}: unknown type {type_s:?} (organization|person)"),
                ));
            }
            chunk.push(Query {
                id: id.to_string(),
                name: name.to_string(),
                entity_type,
                country: country_col.and_then(|c| rec.get(c)).unwrap_or("").to_string(),
                identifiers: ids_col
                    .and_then(|c| rec.get(c))
                    .unwrap_or("")
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            });
        }
        if chunk.is_empty() {
            break;
        }
        let found: Vec<Vec<Match>> = chunk.par_iter().map(|q| index.screen(q, threshold)).collect();
        for (q, matches) in chunk.iter().zip(&found) {
            if !matches.is_empty() {
                summary.queries_with_matches += 1;
            }
            for h in matches {
                let score = format!("{:.4}", h.score);
                w.write_record([
                    q.id.as_str(),
                    h.entry_id.as_str(),
                    h.entry_name.as_str(),
                    h.list.as_str(),
                    h.matched_name.as_str(),
                    score.as_str(),
                    h.explanation.summary().as_str(),
                ])
                .map_err(|e| berr(None, format!("cannot write matches: {e}")))?;
                summary.matches += 1;
            }
        }
        summary.queries += chunk.len() as u64;
        progress(summary.queries);
    }
    w.flush()
        .map_err(|e| berr(None, format!("cannot write matches: {e}")))?;
    Ok(summary)
}

/// Reader that drops a leading UTF-8 byte order mark.
struct BomSkip<R> {
    inner: R,
    checked: bool,
    pending: Vec<u8>,
}

impl<R: Read> BomSkip<R> {
    fn new(inner: R) -> Self {
        BomSkip {
            inner,
            checked: false,
            pending: Vec::new(),
        }
    }
}

impl<R: Read> Read for BomSkip<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let mut head = [0u8; 3];
            let mut n = 0;
            while n < 3 {
                let k = self.inner.read(&mut head[n..])?;
                if k == 0 {
                    break;
                }
                n += k;
            }
            if !(n == 3 && head == [0xEF, 0xBB, 0xBF]) {
                self.pending.extend_from_slice(&head[..n]);
            }
        }
        if !self.pending.is_empty() {
            let k = self.pending.len().min(buf.len());
            buf[..k].copy_from_slice(&self.pending[..k]);
            self.pending.drain(..k);
            return Ok(k);
        }
        self.inner.read(buf)
    }
}
