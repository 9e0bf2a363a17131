//! Technology classification of Chinese text (`kean-classify`): a project's
//! or achievement's title, abstract and keywords, or a contract's subject,
//! matched against the chokepoint technology list (卡脖子技术清单) and the
//! export-controlled technology catalogue (禁止出口限制出口技术目录), giving
//! ranked suggestions with the terms that matched.
//!
//! A pure library like `kean-screen`: it never opens a file and never
//! prints; the CLI and the server read files and hand over bytes. The terms
//! kean ships for the seed items are data (`data/*.csv`, kean's dictionary
//! format), compiled in. See docs/classification.md.

pub mod batch;
pub mod engine;
pub mod model;
pub mod parse;

pub use batch::{INPUT_COLUMNS, InputError, OUTPUT_HEADER, Query, Summary, read_queries, results_csv};
pub use engine::{Classifier, DEFAULT_THRESHOLD, Document, Field, MatchedTerm, Suggestion};
pub use model::{Dictionary, DictionaryFormat, DictionaryKind, ExportControl, Item, Term, TermKind};
pub use parse::{CATALOGUE_SEED_HEADER, CHOKEPOINT_SEED_HEADER, KEAN_HEADER, ParseError, parse_dictionary};

/// The description and terms kean ships for the 35 chokepoint items
/// (`data/chokepoint_terms.csv`).
pub const CHOKEPOINT_TERMS: &str = include_str!("../data/chokepoint_terms.csv");
/// The terms kean ships for the catalogue items of the seed
/// (`data/export_control_terms.csv`).
pub const EXPORT_CONTROL_TERMS: &str = include_str!("../data/export_control_terms.csv");

/// Both shipped term files as one dictionary (kean format).
pub fn shipped_terms() -> Result<Dictionary, ParseError> {
    let mut a = parse_dictionary(CHOKEPOINT_TERMS.as_bytes())?;
    let b = parse_dictionary(EXPORT_CONTROL_TERMS.as_bytes())?;
    a.items.extend(b.items);
    Ok(a)
}

/// Reads a dictionary file as the CLI does: its format detected from the
/// header; a seed file's items get the shipped terms of the same items.
pub fn load_dictionary(bytes: &[u8]) -> Result<Dictionary, ParseError> {
    let d = parse_dictionary(bytes)?;
    if d.format == DictionaryFormat::Kean {
        return Ok(d);
    }
    Ok(d.with_terms_from(&shipped_terms()?))
}
