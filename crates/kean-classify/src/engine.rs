//! Segmentation and scoring: the text is cut into words by jieba (every
//! item's terms added to its dictionary so that a term comes out as one
//! word), the words are looked up among the terms, and each item that has
//! terms in the text is scored from which terms, where and how often.

use crate::model::{DictionaryKind, Item, TermKind};
use jieba_rs::Jieba;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Suggestions below this score are not reported (scores are in [0, 1]).
pub const DEFAULT_THRESHOLD: f64 = 0.45;

/// Weight of a term by where it was found: the title says what a project is
/// about, keywords are chosen by the applicant, the abstract also mentions
/// tools, backgrounds and applications.
pub const TITLE_WEIGHT: f64 = 2.5;
pub const KEYWORDS_WEIGHT: f64 = 2.0;
pub const ABSTRACT_WEIGHT: f64 = 1.0;
/// Each further field a term is found in adds this much of a field.
pub const FURTHER_FIELD: f64 = 0.3;
/// Weight of a related term against a core term (1.0).
pub const RELATED_WEIGHT: f64 = 0.4;
/// A repeated occurrence adds this share, for at most three repeats.
pub const REPEAT_BONUS: f64 = 0.15;
/// A phrase (a term of several words, or of four characters or more) is more
/// specific than a single short word.
pub const PHRASE_BONUS: f64 = 1.2;
/// The score is `1 - exp(-raw / SCALE)`: one core term in the title gives
/// 0.71, one in the abstract alone 0.39, two in the abstract 0.63.
pub const SCALE: f64 = 2.0;
/// The frequency a term is given in jieba's dictionary: high enough that
/// the term is cut as one word wherever it stands.
const TERM_FREQ: usize = 200_000;

/// The parts of a text that are classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    Keywords,
    Abstract,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Keywords => "keywords",
            Field::Abstract => "abstract",
        }
    }

    pub fn weight(self) -> f64 {
        match self {
            Field::Title => TITLE_WEIGHT,
            Field::Keywords => KEYWORDS_WEIGHT,
            Field::Abstract => ABSTRACT_WEIGHT,
        }
    }
}

/// A text to classify: a project's or achievement's title, abstract and
/// keywords, or a contract's subject (as the title, the others empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub title: String,
    pub abstract_text: String,
    pub keywords: String,
}

/// A term of an item found in the text: the explanation of a suggestion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchedTerm {
    /// The term as in the dictionary.
    pub term: String,
    pub kind: TermKind,
    /// Where it was found, title first.
    pub fields: Vec<Field>,
    pub occurrences: u32,
    /// How specific the term is among all items' terms, in (0, 1].
    pub specificity: f64,
    /// Its share of the raw score.
    pub contribution: f64,
}

/// A dictionary item suggested for a text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub dictionary: DictionaryKind,
    pub item_code: String,
    pub item_name: String,
    pub score: f64,
    /// Best contribution first.
    pub matched: Vec<MatchedTerm>,
}

impl Suggestion {
    /// `光刻设备[title,keywords];EUV[abstract]`: the terms that matched, best
    /// first, each with the fields it was found in.
    pub fn matched_terms(&self) -> String {
        self.matched
            .iter()
            .map(|m| {
                let fields: Vec<&str> = m.fields.iter().map(|f| f.as_str()).collect();
                format!("{}[{}]", m.term, fields.join(","))
            })
            .collect::<Vec<_>>()
            .join(";")
    }
}

struct TermEntry {
    item: usize,
    text: String,
    kind: TermKind,
    tokens: Vec<String>,
    specificity: f64,
    phrase: bool,
}

/// The engine: the items of any number of dictionaries and the segmenter
/// that knows their terms. Build once, classify many texts (`Sync`).
pub struct Classifier {
    jieba: Jieba,
    items: Vec<Item>,
    terms: Vec<TermEntry>,
    by_first_token: HashMap<String, Vec<usize>>,
}

fn normalise(token: &str) -> String {
    token.to_lowercase()
}

/// Lower case without allocating for the words that are already.
fn normalise_cow(token: &str) -> Cow<'_, str> {
    if token.chars().any(char::is_uppercase) {
        Cow::Owned(token.to_lowercase())
    } else {
        Cow::Borrowed(token)
    }
}

fn is_skipped(token: &str) -> bool {
    token.chars().all(char::is_whitespace)
}

impl Classifier {
    /// Builds the classifier over the items (of one or several dictionaries).
    pub fn new(items: Vec<Item>) -> Classifier {
        let mut jieba = Jieba::new();
        for item in &items {
            for t in &item.terms {
                jieba.add_word(&t.text, Some(TERM_FREQ), None);
            }
        }
        // How many items list each term: a term several items share says less.
        let mut df: HashMap<String, usize> = HashMap::default();
        for item in &items {
            let mut seen: Vec<String> = item.terms.iter().map(|t| normalise(&t.text)).collect();
            seen.sort();
            seen.dedup();
            for t in seen {
                *df.entry(t).or_default() += 1;
            }
        }
        let n = items.len().max(1) as f64;
        let mut terms = vec![];
        let mut by_first_token: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, item) in items.iter().enumerate() {
            for t in &item.terms {
                let tokens: Vec<String> = jieba
                    .cut(&t.text, false)
                    .iter()
                    .map(|w| w.word)
                    .filter(|w| !is_skipped(w))
                    .map(normalise)
                    .collect();
                let Some(first) = tokens.first() else { continue };
                let d = df.get(&normalise(&t.text)).copied().unwrap_or(1) as f64;
                let specificity = ((1.0 + n / d).ln() / (1.0 + n).ln()).clamp(0.05, 1.0);
                by_first_token.entry(first.clone()).or_default().push(terms.len());
                terms.push(TermEntry {
                    item: i,
                    text: t.text.clone(),
                    kind: t.kind,
                    phrase: tokens.len() > 1 || t.text.chars().count() >= 4,
                    tokens,
                    specificity,
                });
            }
        }
        Classifier {
            jieba,
            items,
            terms,
            by_first_token,
        }
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The words jieba cuts a text into (as matched: lower case, no blanks).
    pub fn segment(&self, text: &str) -> Vec<String> {
        self.words(text).into_iter().map(Cow::into_owned).collect()
    }

    fn words<'a>(&self, text: &'a str) -> Vec<Cow<'a, str>> {
        self.jieba
            .cut(text, false)
            .into_iter()
            .map(|w| w.word)
            .filter(|w| !is_skipped(w))
            .map(normalise_cow)
            .collect()
    }

    /// Every item scoring at least `threshold`, best first (ties by code).
    pub fn classify(&self, doc: &Document, threshold: f64) -> Vec<Suggestion> {
        // term index -> (fields found in, occurrences)
        let mut found: HashMap<usize, (Vec<Field>, u32)> = HashMap::default();
        for (field, text) in [
            (Field::Title, &doc.title),
            (Field::Keywords, &doc.keywords),
            (Field::Abstract, &doc.abstract_text),
        ] {
            if text.trim().is_empty() {
                continue;
            }
            let tokens = self.segment(text);
            for i in 0..tokens.len() {
                let Some(candidates) = self.by_first_token.get(&tokens[i]) else {
                    continue;
                };
                for &t in candidates {
                    let term = &self.terms[t];
                    if tokens.len() - i >= term.tokens.len()
                        && tokens[i..i + term.tokens.len()]
                            .iter()
                            .zip(&term.tokens)
                            .all(|(a, b)| **a == **b)
                    {
                        let e = found.entry(t).or_default();
                        if !e.0.contains(&field) {
                            e.0.push(field);
                        }
                        e.1 += 1;
                    }
                }
            }
        }
        let mut per_item: HashMap<usize, Vec<MatchedTerm>> = HashMap::default();
        for (t, (mut fields, occurrences)) in found {
            let term = &self.terms[t];
            fields.sort();
            let best = fields.first().map(|f| f.weight()).unwrap_or(0.0);
            let place = best + FURTHER_FIELD * (fields.len() as f64 - 1.0);
            let kind = match term.kind {
                TermKind::Core => 1.0,
                TermKind::Related => RELATED_WEIGHT,
            };
            let repeats = (occurrences as f64 - fields.len() as f64).clamp(0.0, 3.0);
            let phrase = if term.phrase { PHRASE_BONUS } else { 1.0 };
            let contribution = kind * term.specificity * place * (1.0 + REPEAT_BONUS * repeats) * phrase;
            per_item.entry(term.item).or_default().push(MatchedTerm {
                term: term.text.clone(),
                kind: term.kind,
                fields,
                occurrences,
                specificity: term.specificity,
                contribution,
            });
        }
        let mut out: Vec<Suggestion> = per_item
            .into_iter()
            .filter_map(|(i, mut matched)| {
                matched.sort_by(|a, b| {
                    b.contribution
                        .total_cmp(&a.contribution)
                        .then_with(|| a.term.cmp(&b.term))
                });
                // Related terms describe a field, not the item: they add to
                // an item a core term has found, never suggest it alone.
                if !matched.iter().any(|m| m.kind == TermKind::Core) {
                    return None;
                }
                let raw: f64 = matched.iter().map(|m| m.contribution).sum();
                let score = 1.0 - (-raw / SCALE).exp();
                (score >= threshold).then(|| {
                    let item = &self.items[i];
                    Suggestion {
                        dictionary: item.dictionary,
                        item_code: item.code.clone(),
                        item_name: item.name.clone(),
                        score,
                        matched,
                    }
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.dictionary.cmp(&b.dictionary))
                .then_with(|| a.item_code.cmp(&b.item_code))
                .then_with(|| a.item_name.cmp(&b.item_name))
        });
        out
    }

    /// Classifies many texts on every core; results in input order.
    pub fn classify_all(&self, docs: &[Document], threshold: f64) -> Vec<Vec<Suggestion>> {
        docs.par_iter().map(|d| self.classify(d, threshold)).collect()
    }
}
