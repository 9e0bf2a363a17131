//! # kean-screen — restricted-party screening for kean (科安)
//!
//! A pure library: no file or network I/O, no printing. The CLI and the server read the files
//! and pass bytes / readers in.
//!
//! * [`parse::detect_and_parse`] reads a list (OFAC legacy SDN.CSV, the Consolidated Screening
//!   List / BIS Entity List JSON, the UN Security Council consolidated XML, China's lists CSV,
//!   or kean's own CSV for a local watch list), detecting the format from the content.
//! * [`Index::from_lists`] builds the in-memory index (token postings, phonetic skeletons,
//!   character trigrams of the vocabulary, identifiers).
//! * [`Index::screen`] screens one [`Query`]; [`batch::screen_batch`] screens a CSV of queries
//!   on all cores and writes the matches CSV.
//! * Every [`Match`] carries an [`Explanation`]: structured data (serde) — which name matched, how
//!   (per token pair and overall), the score's components, the evidence beyond the name — with
//!   [`Explanation::summary`] (the English one-liner) and [`Explanation::render`] (English or
//!   Chinese).
//!
//! Modules, each using only those before it: [`distance`] → [`text`]/[`zh`] → alignment →
//! scoring → [`explanation`] and retrieval → [`index`].
//!
//! Names in Chinese meet their English entries: 华为技术有限公司 and "Huawei Technologies Co.,
//! Ltd." share the keys `huawei technology` + legal form; see [`text`] for normalization and
//! tokenization, [`zh`] for the bilingual tables.
//!
//! ```
//! use kean_screen::{Index, Query, DEFAULT_THRESHOLD, parse::detect_and_parse};
//! let csv = "id,name,aliases,type,country,identifiers\n\
//!            W1,Huawei Technologies Co. Ltd.,,organization,CN,\n";
//! let list = detect_and_parse(csv.as_bytes(), "local_watch.csv").unwrap();
//! let index = Index::from_lists(vec![list]);
//! let matches = index.screen(&Query::new("华为技术有限公司"), DEFAULT_THRESHOLD);
//! assert_eq!(matches[0].entry_id, "W1");
//! println!("{}", matches[0].explanation.summary());
//! ```

mod alignment;
pub mod batch;
pub mod coverage;
pub mod distance;
pub mod explanation;
pub mod index;
pub mod model;
pub mod parse;
mod retrieval;
mod scoring;
pub mod text;
pub mod zh;

pub use batch::{BatchError, BatchSummary, MATCHES_HEADER, screen_batch};
pub use coverage::{Coverage, coverage, coverage_in};
pub use explanation::{
    CountryCheck, Evidence, IdentifierCheck, Lang, Method, NameFactor, ScoreComponents, TypeCheck, method_zh,
};
pub use index::{Adjustment, DEFAULT_THRESHOLD, Explanation, Index, Match, TokenMatch};
pub use model::{EntityType, Entry, Identifier, ListFormat, ParsedList, Query};
pub use parse::{ParseError, detect_and_parse};
pub use zh::{Dict, VocabularyError};
