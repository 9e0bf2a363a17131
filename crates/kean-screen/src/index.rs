//! The in-memory index, candidate retrieval and scoring.

use crate::model::{EntityType, Entry, ParsedList, Query, country_code, identifier_key};
use crate::text::{NameHint, Token, TokenClass, legal_family, skeleton, tokenize};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Default score threshold for a hit (scores are in [0, 1]).
pub const DEFAULT_THRESHOLD: f64 = 0.70;

/// Vocabulary words verified by edit distance per unknown query word.
const FUZZY_VERIFY: usize = 24;
/// Tokens of a name taken into account (longer names are cut).
const MAX_TOKENS: usize = 48;
/// Number of candidate names fully scored per query.
const MAX_CANDIDATES: usize = 16;
/// A candidate is scored only if its Dice estimate from the index reaches this share of the
/// threshold (conservative: the estimate ignores fuzzy and merged matches).
const CANDIDATE_EST_FACTOR: f64 = 0.62;
/// More candidates are scored when this many names tie with the best one (affiliates listed
/// under the same name).
const MAX_TIES: usize = 256;
/// Persons: weight factor of a name part only one name has (a dropped middle name).
const PERSON_OMISSION: f64 = 0.8;
/// Extra weight of a conflict (a token on each side without partner).
const CONFLICT_EXTRA: f64 = 4.0;
/// Weight factor of an unmatched place name.
const PLACE_UNMATCHED: f64 = 0.3;
/// Organizations: factor per distinctive word that only one name has.
const ORG_EXTRA: f64 = 0.9;
/// Factor when the query's and the entry's types differ (person vs organization).
const TYPE_MISMATCH: f64 = 0.85;
/// Share of the remaining distance to 1 added when the countries agree.
const COUNTRY_AGREE: f64 = 0.05;
/// Factor when the query's country is not among the entry's.
const COUNTRY_DIFFER: f64 = 0.92;
/// Organizations: extra-word count of an unmatched place name.
const PLACE_EXTRA: f64 = 0.5;
/// Organizations: factor when the legal forms differ.
const LEGAL_DIFFER: f64 = 0.92;
/// Persons: factor when the names after BIN/IBN differ.
const PATRONYM_DIFFER: f64 = 0.75;
/// Factor applied when a Chinese person's surname has no partner.
const SURNAME_MISMATCH: f64 = 0.7;
/// Similarity at which a surname counts as agreeing (same key or a listed romanization).
const SURNAME_EXACT: f64 = 0.99;
/// Factor applied when both names carry numbers that do not agree.
const NUMBER_MISMATCH: f64 = 0.95;
/// Weight cap of a number token (fund VII vs VIII, institute 14 vs 48: weak evidence).
const NUMBER_WEIGHT: f32 = 2.5;
/// Token weight = idf ^ IDF_POWER (rare tokens weigh much more than common ones).
const IDF_POWER: f32 = 2.0;
/// Weight of a legal-form token (weak evidence).
const LEGAL_WEIGHT: f32 = 2.0;

/// A token with its weight and phonetic skeleton.
#[derive(Debug, Clone)]
struct WTok {
    tok: Token,
    w: f32,
    skel: String,
    /// vocabulary id of the key (indexed names), `NO_VID` otherwise
    vid: u32,
    /// set of the key's letters (bit per a–z, digits share one bit, others one bit)
    mask: u32,
}

/// Edit ratio on the unstemmed words (for transliteration checks: `qiongsi` vs `jones`).
fn r_plain(a: &Token, b: &Token) -> f64 {
    let plain = |t: &Token| -> String {
        if !t.phonetic && t.src.is_ascii() && !t.src.contains(' ') {
            t.src.clone()
        } else {
            t.key.clone()
        }
    };
    ratio(&plain(a), &plain(b))
}

/// Phonetic skeleton of a token: from the unstemmed word for Latin words (`thomas`, not the
/// stem `thoma`), from the key otherwise.
fn skel_of(tok: &Token) -> String {
    if !tok.phonetic && tok.class == TokenClass::Word && tok.src.is_ascii() && !tok.src.contains(' ') {
        skeleton(&tok.src)
    } else {
        skeleton(&tok.key)
    }
}

fn letter_mask(key: &str) -> u32 {
    key.bytes().fold(0u32, |m, b| {
        m | match b {
            b'a'..=b'z' => 1 << (b - b'a'),
            b'0'..=b'9' => 1 << 26,
            _ => 1 << 27,
        }
    })
}

const NO_VID: u32 = u32::MAX;

/// Small, fast hasher for integer keys (multiplicative, FxHash-like).
#[derive(Default, Clone, Copy)]
struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

type SimCache = HashMap<(u32, u32), f64, std::hash::BuildHasherDefault<IntHasher>>;
/// Hash map with the fast deterministic hasher (the index is built from trusted lists).
type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

#[derive(Debug)]
struct IndexedName {
    entry: u32,
    text: String,
    is_alias: bool,
    toks: Vec<WTok>,
    /// total weight of the name's word tokens (for candidate ranking)
    tw: f32,
}

#[derive(Debug)]
struct IndexedEntry {
    list: u32,
    entry: Entry,
    /// identifier comparison keys
    id_keys: Vec<String>,
}

/// The screening index over one or more parsed lists.
#[derive(Debug)]
pub struct Index {
    lists: Vec<String>,
    entries: Vec<IndexedEntry>,
    names: Vec<IndexedName>,
    vocab: FastMap<String, u32>,
    vocab_keys: Vec<String>,
    idf: Vec<f32>,
    postings: Vec<Vec<u32>>,
    skel_map: FastMap<String, Vec<u32>>,
    tri_map: FastMap<[u8; 3], Vec<u32>>,
    ident_map: FastMap<String, Vec<u32>>,
    max_idf: f32,
    /// total word weight per name (dense copy of `IndexedName::tw` for the candidate loop)
    name_tw: Vec<f32>,
    /// weight (idf ^ IDF_POWER) per vocabulary id
    vw: Vec<f32>,
}

/// One agreeing pair of tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenMatch {
    /// Query-side text (the source word, e.g. 华为 or Huawei).
    pub query: String,
    /// Entry-side text.
    pub entry: String,
    /// Similarity of the pair in [0, 1] (1 = same key).
    pub similarity: f64,
}

/// Something that raised or lowered the score after the name comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjustment {
    pub reason: String,
    /// Score change (positive = raised).
    pub delta: f64,
}

/// Why a hit scored what it did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Explanation {
    /// The entry's name or alias that matched best.
    pub matched_name: String,
    /// Whether `matched_name` is an alias (not the primary name).
    pub matched_alias: bool,
    /// Score of the name comparison alone.
    pub name_score: f64,
    /// Tokens that agreed (exactly or approximately).
    pub agreed: Vec<TokenMatch>,
    /// Tokens of the query that found no partner.
    pub query_only: Vec<String>,
    /// Tokens of the matched name that found no partner.
    pub entry_only: Vec<String>,
    /// Legal forms: `Some(true)` agree, `Some(false)` differ, `None` not on both sides.
    pub legal_forms_agree: Option<bool>,
    /// Evidence beyond the name (identifiers, country, entity type).
    pub adjustments: Vec<Adjustment>,
}

impl Explanation {
    /// One human-readable line.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{} '{}' name {:.2}",
            if self.matched_alias { "alias" } else { "name" },
            self.matched_name,
            self.name_score
        );
        if !self.agreed.is_empty() {
            s.push_str("; agree: ");
            let parts: Vec<String> = self
                .agreed
                .iter()
                .map(|m| {
                    if m.similarity >= 0.999 && m.query == m.entry {
                        m.query.clone()
                    } else {
                        format!("{}~{}({:.2})", m.query, m.entry, m.similarity)
                    }
                })
                .collect();
            s.push_str(&parts.join(" "));
        }
        if !self.query_only.is_empty() {
            let _ = write!(s, "; query only: {}", self.query_only.join(" "));
        }
        if !self.entry_only.is_empty() {
            let _ = write!(s, "; entry only: {}", self.entry_only.join(" "));
        }
        match self.legal_forms_agree {
            Some(true) => s.push_str("; legal form agrees"),
            Some(false) => s.push_str("; legal form differs"),
            None => {}
        }
        for a in &self.adjustments {
            let _ = write!(s, "; {} {:+.2}", a.reason, a.delta);
        }
        s
    }
}

/// A screening hit.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Name of the list the entry comes from.
    pub list: String,
    pub entry_id: String,
    /// Primary name of the entry as the list has it.
    pub entry_name: String,
    /// The name or alias that matched.
    pub matched_name: String,
    pub score: f64,
    pub explanation: Explanation,
}

fn hint_of(t: EntityType) -> NameHint {
    match t {
        EntityType::Person => NameHint::Person,
        EntityType::Organization | EntityType::Vessel => NameHint::Organization,
        EntityType::Unknown => NameHint::Unknown,
    }
}

fn trigrams(key: &str) -> impl Iterator<Item = [u8; 3]> + '_ {
    key.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]])
}

/// Levenshtein distance (bytes for ASCII, chars otherwise), small strings.
fn levenshtein(a: &str, b: &str) -> usize {
    if a.is_ascii() && b.is_ascii() {
        return lev_slice(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    lev_slice(&a, &b)
}

/// Edit distance with adjacent transpositions (optimal string alignment): `setin` → `stein`
/// costs 1.
fn lev_slice<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let w = b.len() + 1;
    if w <= 64 && a.len() < 255 {
        // three rows of small counters on the stack
        let mut rows = [0u8; 3 * 64];
        osa(a, b, &mut rows[..3 * w]) as usize
    } else {
        let mut rows = vec![0usize; 3 * w];
        osa(a, b, &mut rows)
    }
}

fn osa<T: PartialEq, C: Copy + Ord + From<u8> + std::ops::Add<Output = C> + TryFrom<usize>>(
    a: &[T],
    b: &[T],
    rows: &mut [C],
) -> C {
    let w = b.len() + 1;
    let one = C::from(1u8);
    let num = |x: usize| C::try_from(x).unwrap_or(C::from(u8::MAX));
    let (mut pp, mut p, mut c) = (0usize, w, 2 * w);
    for j in 0..w {
        rows[p + j] = num(j);
    }
    for i in 0..a.len() {
        rows[c] = num(i + 1);
        for j in 0..b.len() {
            let cost = if a[i] == b[j] { C::from(0u8) } else { one };
            let mut v = (rows[p + j] + cost).min(rows[p + j + 1] + one).min(rows[c + j] + one);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                v = v.min(rows[pp + j - 1] + one);
            }
            rows[c + j + 1] = v;
        }
        (pp, p, c) = (p, c, pp);
    }
    rows[p + b.len()]
}

/// Similarity 1 − distance / longer length.
pub(crate) fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (a.len(), b.len());
    let n = la.max(lb);
    if n == 0 {
        return 1.0;
    }
    if a.is_ascii() && b.is_ascii() {
        // cheap upper bound: length difference alone
        if (la.abs_diff(lb) as f64) / (n as f64) > 0.6 {
            return 0.0;
        }
        return 1.0 - lev_slice(a.as_bytes(), b.as_bytes()) as f64 / n as f64;
    }
    let n = a.chars().count().max(b.chars().count());
    1.0 - levenshtein(a, b) as f64 / n as f64
}

/// Similarity of two tokens in [0, 1].
fn token_sim(a: &WTok, b: &WTok, person: bool) -> f64 {
    let (ta, tb) = (&a.tok, &b.tok);
    // two pinyin keys from Chinese characters: the same sound written with other characters
    // (高石 vs 高市) is likely another name
    if ta.phonetic && tb.phonetic && ta.src != tb.src {
        return if ta.key == tb.key { 0.85 } else { 0.0 };
    }
    if ta.keys().any(|x| tb.keys().any(|y| x == y)) {
        return 1.0;
    }
    if ta.class == TokenClass::Number || tb.class == TokenClass::Number {
        return 0.0;
    }
    let (ka, kb) = (ta.key.as_str(), tb.key.as_str());
    let clen = |s: &str| {
        if s.is_ascii() { s.len() } else { s.chars().count() }
    };
    let (la, lb) = (clen(ka), clen(kb));
    // initials
    if (la == 1 && lb > 1 && kb.starts_with(ka)) || (lb == 1 && la > 1 && ka.starts_with(kb)) {
        return 0.6;
    }
    // two pinyin keys from Chinese characters: same sound but different characters (高石 vs
    // 高市) is likely another name; different sounds are different
    if ta.phonetic && tb.phonetic {
        return if ka == kb { 0.85 } else { 0.0 };
    }
    let mut sim = 0.0;
    // a Chinese-derived token against a Latin word: loose (transliteration) comparison, unless
    // the Latin word is itself pinyin (a romanized Chinese name: chengxin ≠ qingxin)
    let cross = ta.phonetic != tb.phonetic && {
        let latin = if ta.phonetic { tb } else { ta };
        let plain = if latin.src.is_ascii() && !latin.src.contains(' ') {
            &latin.src
        } else {
            &latin.key
        };
        !crate::zh::is_pinyin_word(plain)
    };
    let phon = ta.phonetic || tb.phonetic;
    // length alone bounds the edit ratio: skip hopeless pairs cheaply
    let bound = 1.0 - la.abs_diff(lb) as f64 / la.max(lb).max(1) as f64;
    let prefix_possible = person && !phon && (ka.starts_with(kb) || kb.starts_with(ka));
    if !prefix_possible && ((cross && bound < 0.5) || (!cross && bound < 0.66)) {
        return 0.0;
    }
    // letters only one key has: each edit fixes at most two of them
    let min_edits = (a.mask ^ b.mask).count_ones().div_ceil(2) as usize;
    let r_floor = if cross {
        0.5
    } else if person {
        0.55
    } else {
        0.66
    };
    if !prefix_possible && (min_edits as f64) > (1.0 - r_floor) * la.max(lb) as f64 {
        return 0.0;
    }
    let r = ratio(ka, kb);
    if la.min(lb) >= 3 {
        if r >= 0.75 && (!phon || r >= 0.9) {
            sim = r;
        } else if r >= 0.66 && la.min(lb) >= 5 && !phon {
            sim = r * 0.75;
        }
    }
    // given-name short forms: Ben ~ Benjamin
    if person && !phon && la.min(lb) >= 3 && la != lb && (ka.starts_with(kb) || kb.starts_with(ka)) {
        sim = 0.7f64.max(sim);
    }
    let min_skel = if cross { 2 } else { 3 };
    if a.skel.len() >= min_skel
        && a.skel == b.skel
        && la.min(lb) >= min_skel
        && (r >= 0.75 || (cross && r_plain(ta, tb) >= 0.4) || (person && !phon && r.max(r_plain(ta, tb)) >= 0.55))
    {
        sim = sim.max(if cross { 0.75 } else { 0.8 });
    } else if cross && a.skel.len() >= 3 && b.skel.len() >= 3 && r >= 0.5 {
        let rs = ratio(&a.skel, &b.skel);
        if rs >= 0.74 {
            sim = sim.max(0.6 * rs);
        }
    }
    sim
}

/// Were tokens `i` (of a) and `j` (of b) linked to each other by the greedy alignment?
/// (Approximation: a single link between them exists and both are used.)
fn links_between(links: &[Link], used_a: &[bool], used_b: &[bool], i: usize, j: usize) -> bool {
    used_a[i]
        && used_b[j]
        && links
            .iter()
            .any(|l| l.na == 1 && l.nb == 1 && l.a[0] == i && l.b[0] == j && l.sim >= 0.8)
}

/// A link between 1–4 adjacent tokens of one name and 1–4 of the other.
struct Link<'t> {
    a: [usize; 4],
    na: usize,
    b: [usize; 4],
    nb: usize,
    sim: f64,
    w: f64,
    tie: (&'t str, &'t str),
}

/// Result of comparing two token lists.
struct Compared {
    score: f64,
    agreed: Vec<TokenMatch>,
    a_only: Vec<String>,
    b_only: Vec<String>,
    legal: Option<bool>,
}

/// `parts` (adjacent tokens) written together equal one of `target`'s keys?
fn concat_sim(parts: &[WTok], target: &Token) -> f64 {
    let len: usize = parts.iter().map(|p| p.tok.key.len()).sum();
    let mut best = 0.0f64;
    for t in target.keys() {
        if t.len() == len {
            let mut rest = t;
            let mut ok = true;
            for p in parts {
                match rest.strip_prefix(p.tok.key.as_str()) {
                    Some(r) => rest = r,
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                return 1.0;
            }
        }
        // fuzzy: FridrichBuchenberg ~ Friedrich Buchenberg
        if parts.len() == 2 && t.len() >= 8 && t.len().abs_diff(len) <= 2 {
            let joined: String = parts.iter().map(|p| p.tok.key.as_str()).collect();
            let r = ratio(&joined, t);
            if r >= 0.85 {
                best = best.max(r * 0.95);
            }
        }
    }
    best
}

/// `acr` (2–4 letters) is the initials of `parts`?
fn acronym_of(acr: &Token, parts: &[WTok]) -> bool {
    let k = acr.key.as_bytes();
    k.len() == parts.len()
        && k.len() >= 2
        && parts
            .iter()
            .zip(k)
            .all(|(p, c)| p.tok.key.len() > 1 && p.tok.key.as_bytes().first() == Some(c))
}

fn is_word(t: &WTok) -> bool {
    t.tok.class != TokenClass::Legal
}

fn legal_credit(x: &str, y: &str) -> f64 {
    if x == y {
        1.0
    } else if legal_family(x) == legal_family(y) {
        if x == "co" || y == "co" { 1.0 } else { 0.5 }
    } else {
        0.0
    }
}

fn multi_links<'t>(
    a: &'t [WTok],
    b: &'t [WTok],
    exact_a: &[bool],
    exact_b: &[bool],
    flip: bool,
    person: bool,
    links: &mut Vec<Link<'t>>,
) {
    for i in 0..a.len() {
        for n in 2..=4usize {
            if i + n > a.len() || !a[i..i + n].iter().all(is_word) || exact_a[i + n - 1] || exact_a[i] {
                break;
            }
            let parts = &a[i..i + n];
            for (j, t) in b.iter().enumerate() {
                if !is_word(t) || exact_b[j] {
                    continue;
                }
                let mut sim = concat_sim(parts, &t.tok);
                if sim == 0.0
                    && !person
                    && t.tok.key.len() == n
                    && t.tok.class == TokenClass::Word
                    && acronym_of(&t.tok, parts)
                {
                    sim = 0.8;
                }
                if sim > 0.0 {
                    let w = f64::from(parts.iter().map(|p| p.w).sum::<f32>() + t.w);
                    let mut ia = [0usize; 4];
                    for (k, slot) in ia.iter_mut().enumerate().take(n) {
                        *slot = i + k;
                    }
                    let tie = (parts[0].tok.key.as_str(), t.tok.key.as_str());
                    links.push(if flip {
                        Link {
                            a: [j, 0, 0, 0],
                            na: 1,
                            b: ia,
                            nb: n,
                            sim,
                            w,
                            tie,
                        }
                    } else {
                        Link {
                            a: ia,
                            na: n,
                            b: [j, 0, 0, 0],
                            nb: 1,
                            sim,
                            w,
                            tie,
                        }
                    });
                }
            }
        }
    }
}

fn compare_tokens(a: &[WTok], b: &[WTok], person: bool, explain: bool, mut cache: Option<&mut SimCache>) -> Compared {
    let mut links: Vec<Link> = Vec::with_capacity(a.len() * 2);
    for (i, x) in a.iter().enumerate().filter(|(_, t)| is_word(t)) {
        for (j, y) in b.iter().enumerate().filter(|(_, t)| is_word(t)) {
            // similarities of a query token to an indexed token are cached per query
            let sim = match cache.as_deref_mut() {
                Some(c) if y.vid != NO_VID => {
                    let key = ((i as u32) << 1 | u32::from(person), y.vid);
                    *c.entry(key).or_insert_with(|| token_sim(x, y, person))
                }
                _ => token_sim(x, y, person),
            };
            if sim > 0.0 {
                let (k1, k2) = (x.tok.key.as_str(), y.tok.key.as_str());
                links.push(Link {
                    a: [i, 0, 0, 0],
                    na: 1,
                    b: [j, 0, 0, 0],
                    nb: 1,
                    sim,
                    w: f64::from(x.w + y.w),
                    tie: if k1 <= k2 { (k1, k2) } else { (k2, k1) },
                });
            }
        }
    }
    // concatenations ("hua wei" ~ "huawei") and acronyms ("pla" ~ "people liberation army"),
    // unless every word already has an exact partner
    let mut exact_a = [false; MAX_TOKENS];
    let mut exact_b = [false; MAX_TOKENS];
    for l in &links {
        if l.sim >= 1.0 {
            exact_a[l.a[0]] = true;
            exact_b[l.b[0]] = true;
        }
    }
    let all_exact = a.iter().zip(&exact_a).all(|(t, &e)| e || !is_word(t) || t.tok.optional)
        && b.iter().zip(&exact_b).all(|(t, &e)| e || !is_word(t) || t.tok.optional);
    if !all_exact {
        multi_links(a, b, &exact_a, &exact_b, false, person, &mut links);
        multi_links(b, a, &exact_b, &exact_a, true, person, &mut links);
    }
    links.sort_by(|p, q| {
        q.sim
            .partial_cmp(&p.sim)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(q.w.partial_cmp(&p.w).unwrap_or(std::cmp::Ordering::Equal))
            .then_with(|| p.tie.cmp(&q.tie))
    });
    let mut used_a = [false; MAX_TOKENS];
    let mut used_b = [false; MAX_TOKENS];
    // similarity each linked token was linked with (a surname must agree exactly)
    let mut sim_a = [0.0f64; MAX_TOKENS];
    let mut sim_b = [0.0f64; MAX_TOKENS];
    let mut matched = 0.0f64;
    let mut linked = 0.0f64;
    let mut agreed = Vec::new();
    for l in &links {
        let ia = &l.a[..l.na];
        let ib = &l.b[..l.nb];
        if ia.iter().any(|&i| used_a[i]) || ib.iter().any(|&j| used_b[j]) {
            continue;
        }
        for &i in ia {
            used_a[i] = true;
            sim_a[i] = l.sim;
        }
        for &j in ib {
            used_b[j] = true;
            sim_b[j] = l.sim;
        }
        matched += l.sim * l.w;
        linked += l.w;
        if explain {
            let qa: Vec<&str> = ia.iter().map(|&i| a[i].tok.src.as_str()).collect();
            let qb: Vec<&str> = ib.iter().map(|&j| b[j].tok.src.as_str()).collect();
            let (qa, qb) = (qa.join(" "), qb.join(" "));
            if !agreed.iter().any(|m: &TokenMatch| m.query == qa && m.entry == qb) {
                agreed.push(TokenMatch {
                    query: qa,
                    entry: qb,
                    similarity: l.sim,
                });
            }
        }
    }
    let mut a_only = Vec::new();
    let mut b_only = Vec::new();
    let mut unmatched = [0.0f64; 2];
    let mut extra_count = 0.0f64;
    // a place or a qualifier only one name has is weak evidence; different places or
    // qualifiers on both sides (Bank of China (Hong Kong) vs (Australia)) are a conflict
    let place_left = |side: &[WTok], used: &[bool]| {
        side.iter().zip(used).any(|(t, &u)| {
            !u && ((t.tok.place && !t.tok.optional) || t.tok.qualifier) && t.tok.class == TokenClass::Word
        })
    };
    let place_conflict = place_left(a, &used_a) && place_left(b, &used_b);
    for (k, (side, used, only)) in [(a, &used_a, &mut a_only), (b, &used_b, &mut b_only)]
        .into_iter()
        .enumerate()
    {
        for (t, &u) in side.iter().zip(used.iter()) {
            if t.tok.class == TokenClass::Legal || u {
                continue;
            }
            if t.tok.qualifier {
                if !place_conflict {
                    continue;
                }
                unmatched[k] += f64::from(t.w);
                extra_count += 1.0;
            } else if t.tok.optional {
                continue;
            } else if t.tok.place && !place_conflict {
                unmatched[k] += f64::from(t.w) * PLACE_UNMATCHED;
                extra_count += PLACE_EXTRA;
            } else {
                unmatched[k] += f64::from(t.w);
                extra_count += 1.0;
            }
            if explain && !only.contains(&t.tok.src) {
                only.push(t.tok.src.clone());
            }
        }
    }
    // a token on each side without partner is a conflict (AL-RAWI vs AL-TIKRITI), heavier than
    // a token only one name has (a dropped middle name)
    let conflict = unmatched[0].min(unmatched[1]);
    let omit = if person { PERSON_OMISSION } else { 1.0 };
    let mut total = linked + (unmatched[0] + unmatched[1] - 2.0 * conflict) * omit + (2.0 + CONFLICT_EXTRA) * conflict;
    // legal forms: weak evidence, only when both sides have one
    let la = || {
        a.iter()
            .filter(|t| t.tok.class == TokenClass::Legal)
            .map(|t| t.tok.key.as_str())
    };
    let lb = || {
        b.iter()
            .filter(|t| t.tok.class == TokenClass::Legal)
            .map(|t| t.tok.key.as_str())
    };
    let mut legal = None;
    if la().next().is_some() && lb().next().is_some() {
        let credit = la()
            .flat_map(|x| lb().map(move |y| legal_credit(x, y)))
            .fold(0.0, f64::max);
        let lw = f64::from(LEGAL_WEIGHT) * 2.0;
        total += lw;
        matched += lw * credit;
        legal = Some(credit >= 0.75);
    }
    let mut score = if total > 0.0 {
        (matched / total).clamp(0.0, 1.0)
    } else {
        0.0
    };
    if linked == 0.0 {
        score = 0.0;
    }
    // differing numbers (14th vs 48th institute) are strong evidence of a different party
    let num_unmatched = |side: &[WTok], used: &[bool]| {
        side.iter()
            .zip(used)
            .any(|(t, &u)| t.tok.class == TokenClass::Number && !u)
    };
    if num_unmatched(a, &used_a) && num_unmatched(b, &used_b) {
        score *= NUMBER_MISMATCH;
    }
    // a Chinese person's surname must agree: exactly or as a known romanization (陈 chen|chan),
    // not by sound alone (王 wang ≠ kang)
    let surname_missing = |side: &[WTok], used: &[bool], sim: &[f64]| {
        side.iter()
            .zip(used.iter().zip(sim))
            .any(|(t, (&u, &s))| t.tok.surname && (!u || s < SURNAME_EXACT))
    };
    if person && (surname_missing(a, &used_a, &sim_a) || surname_missing(b, &used_b, &sim_b)) {
        score *= SURNAME_MISMATCH;
    }
    // organizations: every distinctive word only one name has lowers the score
    if !person && extra_count > 0.0 {
        score *= ORG_EXTRA.powf(extra_count);
    }
    // different legal forms of organizations (AG vs GmbH) lower the score a little
    if !person && let Some(false) = legal {
        score *= LEGAL_DIFFER;
    }
    // Arabic patronymics: the name after BIN/IBN must agree (Abdullah bin Omar ≠ Omar bin Abdullah)
    if person {
        let after_marker = |side: &[WTok]| {
            side.iter()
                .position(|t| matches!(t.tok.key.as_str(), "bin" | "ibn" | "ben" | "bint"))
                .and_then(|p| (p + 1 < side.len()).then_some(p + 1))
        };
        if let (Some(i), Some(j)) = (after_marker(a), after_marker(b))
            && !links_between(&links, &used_a, &used_b, i, j)
        {
            score *= PATRONYM_DIFFER;
        }
    }
    Compared {
        score,
        agreed,
        a_only,
        b_only,
        legal,
    }
}

/// Drop repeated tokens (same class and key) within one name; keep at most [`MAX_TOKENS`].
fn dedup_toks(mut toks: Vec<WTok>) -> Vec<WTok> {
    toks.truncate(MAX_TOKENS * 2);
    let mut i = 0;
    while i < toks.len() {
        // repeated words stay (ABDUL KABIR ABDUL JAN); repeated legal forms and optional
        // repeats of a word (Huawei … (Huawei)) go
        let droppable = toks[i].tok.class == TokenClass::Legal || toks[i].tok.optional;
        if droppable
            && toks[..i]
                .iter()
                .any(|t| t.tok.class == toks[i].tok.class && t.tok.key == toks[i].tok.key)
        {
            toks.remove(i);
        } else {
            i += 1;
        }
    }
    toks.truncate(MAX_TOKENS);
    toks
}

struct Scratch {
    acc: Vec<f32>,
    stamp: Vec<u32>,
    query_stamp: u32,
    touched: Vec<u32>,
    tri_count: Vec<u16>,
    tri_touched: Vec<u32>,
    sim_cache: Option<SimCache>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        acc: Vec::new(),
        stamp: Vec::new(),
        query_stamp: 0,
        touched: Vec::new(),
        tri_count: Vec::new(),
        tri_touched: Vec::new(),
        sim_cache: None,
    }) };
}

impl Index {
    /// Build the index from parsed lists.
    pub fn from_lists(lists: Vec<ParsedList>) -> Index {
        let mut idx = Index {
            lists: Vec::new(),
            entries: Vec::new(),
            names: Vec::new(),
            vocab: FastMap::default(),
            vocab_keys: Vec::new(),
            idf: Vec::new(),
            postings: Vec::new(),
            skel_map: FastMap::default(),
            tri_map: FastMap::default(),
            ident_map: FastMap::default(),
            max_idf: 1.0,
            name_tw: Vec::new(),
            vw: Vec::new(),
        };
        // tokenize every name on all cores; assemble in list order
        let mut flat: Vec<(u32, Entry)> = Vec::new();
        for list in lists {
            let li = idx.lists.len() as u32;
            idx.lists.push(list.name);
            flat.extend(list.entries.into_iter().map(|e| (li, e)));
        }
        let tokenized: Vec<Vec<(String, bool, Vec<WTok>)>> = flat
            .par_iter()
            .map(|(_, entry)| {
                let hint = hint_of(entry.entity_type);
                let mut texts: Vec<(String, bool)> = vec![(entry.name.clone(), false)];
                for a in &entry.aliases {
                    if !texts.iter().any(|(t, _)| t == a) {
                        texts.push((a.clone(), true));
                    }
                }
                texts
                    .into_iter()
                    .filter_map(|(text, is_alias)| {
                        let toks: Vec<WTok> = tokenize(&text, hint)
                            .into_iter()
                            .map(|tok| WTok {
                                mask: letter_mask(&tok.key),
                                skel: skel_of(&tok),
                                tok,
                                w: 0.0,
                                vid: NO_VID,
                            })
                            .collect();
                        (!toks.is_empty()).then(|| (text, is_alias, dedup_toks(toks)))
                    })
                    .collect()
            })
            .collect();
        for ((li, entry), names) in flat.into_iter().zip(tokenized) {
            let ei = idx.entries.len() as u32;
            for (text, is_alias, toks) in names {
                idx.names.push(IndexedName {
                    entry: ei,
                    text,
                    is_alias,
                    toks,
                    tw: 0.0,
                });
            }
            let id_keys: Vec<String> = entry
                .identifiers
                .iter()
                .map(|i| i.key())
                .filter(|k| k.len() >= 5)
                .collect();
            for k in &id_keys {
                idx.ident_map.entry(k.clone()).or_default().push(ei);
            }
            idx.entries.push(IndexedEntry {
                list: li,
                entry,
                id_keys,
            });
        }
        // vocabulary and postings
        for (ni, name) in idx.names.iter().enumerate() {
            for t in &name.toks {
                if t.tok.class == TokenClass::Legal {
                    continue;
                }
                for k in t.tok.keys() {
                    let next = idx.vocab_keys.len() as u32;
                    let vid = *idx.vocab.entry(k.to_string()).or_insert_with(|| {
                        idx.vocab_keys.push(k.to_string());
                        idx.postings.push(Vec::new());
                        next
                    });
                    let p = &mut idx.postings[vid as usize];
                    if p.last() != Some(&(ni as u32)) {
                        p.push(ni as u32);
                    }
                }
            }
        }
        let n = idx.names.len().max(1) as f32;
        idx.idf = idx
            .postings
            .iter()
            .map(|p| ((n + 1.0) / (p.len() as f32 + 1.0)).ln() + 1.0)
            .collect();
        idx.max_idf = ((n + 1.0) / 2.0).ln() + 1.0;
        idx.vw = idx.idf.iter().map(|i| i.powf(IDF_POWER)).collect();
        // phonetic skeletons of the indexed words (unstemmed) → vocabulary ids
        for name in &idx.names {
            for t in &name.toks {
                if t.tok.class == TokenClass::Legal || t.skel.len() < 3 {
                    continue;
                }
                if let Some(&vid) = idx.vocab.get(&t.tok.key) {
                    let v = idx.skel_map.entry(t.skel.clone()).or_default();
                    if !v.contains(&vid) {
                        v.push(vid);
                    }
                }
            }
        }
        for (vid, k) in idx.vocab_keys.iter().enumerate() {
            if k.len() >= 4 {
                for tri in trigrams(k) {
                    let v = idx.tri_map.entry(tri).or_default();
                    if v.last() != Some(&(vid as u32)) {
                        v.push(vid as u32);
                    }
                }
            }
        }
        // token weights
        let mut names = std::mem::take(&mut idx.names);
        for name in &mut names {
            let mut tw = 0.0;
            for t in &mut name.toks {
                t.w = idx.weight(&t.tok);
                if t.tok.class != TokenClass::Legal {
                    t.vid = idx.vocab.get(&t.tok.key).copied().unwrap_or(NO_VID);
                }
                if t.tok.class != TokenClass::Legal && !t.tok.optional {
                    tw += if t.tok.place { t.w * PLACE_UNMATCHED as f32 } else { t.w };
                }
            }
            name.tw = tw;
        }
        idx.name_tw = names.iter().map(|n| n.tw).collect();
        idx.names = names;
        idx
    }

    /// Number of entries indexed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the index has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of names (primary names and aliases) indexed.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    fn weight(&self, t: &Token) -> f32 {
        match t.class {
            TokenClass::Legal => LEGAL_WEIGHT,
            _ => {
                let mut w = f32::MAX;
                for k in t.keys() {
                    let x = self.vocab.get(k).map_or(self.max_idf, |&v| self.idf[v as usize]);
                    w = w.min(x);
                }
                if t.key.chars().count() == 1 {
                    w = w.min(2.0);
                }
                if t.class == TokenClass::Number {
                    return w.powf(IDF_POWER).min(NUMBER_WEIGHT * NUMBER_WEIGHT);
                }
                w.powf(IDF_POWER)
            }
        }
    }

    fn query_toks(&self, name: &str, hint: NameHint) -> Vec<WTok> {
        dedup_toks(
            tokenize(name, hint)
                .into_iter()
                .map(|tok| {
                    let skel = skel_of(&tok);
                    let w = self.weight(&tok);
                    WTok {
                        mask: letter_mask(&tok.key),
                        tok,
                        w,
                        skel,
                        vid: NO_VID,
                    }
                })
                .collect(),
        )
    }

    /// Candidate names for the query tokens: token postings (with alternatives), merged
    /// adjacent tokens, phonetic skeletons, syllable splits of Chinese brand pinyin and, for
    /// words not in the vocabulary, character trigrams over the vocabulary. Never a scan over
    /// all names. Each name is credited at most once per query token (its best way of matching).
    fn candidates(&self, q: &[WTok], min_est: f32, sc: &mut Scratch) -> Vec<u32> {
        if sc.acc.len() != self.names.len() {
            sc.acc = vec![0.0; self.names.len()];
            sc.stamp = vec![0; self.names.len()];
            sc.touched.clear();
        }
        // (query token, vocabulary id, similarity)
        let mut hits: Vec<(usize, u32, f32)> = Vec::new();
        let words: Vec<&WTok> = q.iter().filter(|t| t.tok.class != TokenClass::Legal).collect();
        for (i, t) in words.iter().enumerate() {
            let mut found = false;
            for k in t.tok.keys() {
                if let Some(&v) = self.vocab.get(k) {
                    hits.push((i, v, 1.0));
                    found = true;
                }
            }
            if t.skel.len() >= 3
                && let Some(vs) = self.skel_map.get(&t.skel)
                && vs.len() <= 64
            {
                hits.extend(vs.iter().map(|&v| (i, v, 0.8)));
            }
            if let Some(next) = words.get(i + 1) {
                let joined = format!("{}{}", t.tok.key, next.tok.key);
                if let Some(&v) = self.vocab.get(&joined) {
                    hits.push((i, v, 1.0));
                }
            }
            // a Chinese brand run written as two words on the list (华大九天 ~ Huada Jiutian)
            // (runs of three or more characters only: 余|茂春, 华大|九天; a 2-character brand is not
            // split into two syllables)
            let n_parts = t.tok.parts.len();
            for k in (1..n_parts).filter(|_| n_parts >= 3) {
                let left: String = t.tok.parts[..k].concat();
                let right: String = t.tok.parts[k..].concat();
                if let (Some(&l), Some(&r)) = (self.vocab.get(&left), self.vocab.get(&right)) {
                    hits.push((i, l, 1.0));
                    hits.push((i, r, 1.0));
                    found = true;
                }
            }
            if !found && t.tok.key.len() >= 4 && t.tok.class == TokenClass::Word {
                if sc.tri_count.len() != self.vocab_keys.len() {
                    sc.tri_count = vec![0; self.vocab_keys.len()];
                }
                let key = t.tok.key.as_str();
                let mut ntri = 0u16;
                for tri in trigrams(key) {
                    ntri += 1;
                    if let Some(vs) = self.tri_map.get(&tri) {
                        for &v in vs {
                            let c = &mut sc.tri_count[v as usize];
                            if *c == 0 {
                                sc.tri_touched.push(v);
                            }
                            *c = c.saturating_add(1);
                        }
                    }
                }
                let need = (ntri / 2).max(1);
                // the vocabulary words sharing most trigrams, at most FUZZY_VERIFY of them
                let mut shared: Vec<(u16, u32)> = Vec::new();
                for &v in &sc.tri_touched {
                    let c = sc.tri_count[v as usize];
                    sc.tri_count[v as usize] = 0;
                    if c >= need {
                        shared.push((c, v));
                    }
                }
                if shared.len() > FUZZY_VERIFY {
                    shared.select_nth_unstable_by(FUZZY_VERIFY - 1, |x, y| y.cmp(x));
                    shared.truncate(FUZZY_VERIFY);
                }
                let mut fz: Vec<(u32, f64)> = Vec::new();
                for &(_, v) in &shared {
                    let other = self.vocab_keys[v as usize].as_str();
                    if other.len().abs_diff(key.len()) * 10 > key.len().max(other.len()) * 3 {
                        continue;
                    }
                    let r = ratio(key, other);
                    if r >= if t.tok.phonetic { 0.85 } else { 0.7 } {
                        fz.push((v, r));
                    }
                }
                sc.tri_touched.clear();
                fz.sort_by(|a, b| {
                    b.1.partial_cmp(&a.1)
                        .unwrap_or(std::cmp::Ordering::Equal)
                        .then(a.0.cmp(&b.0))
                });
                fz.truncate(12);
                hits.extend(fz.into_iter().map(|(v, r)| (i, v, r as f32)));
            }
        }
        let big = (self.names.len() / 40).max(500);
        let has_rare = hits.iter().any(|(_, v, _)| self.postings[*v as usize].len() <= big);
        // best way first within each query token
        hits.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.2.partial_cmp(&a.2).unwrap_or(std::cmp::Ordering::Equal))
        });
        {
            let n_names = self.names.len();
            let stamps = &mut sc.stamp[..n_names];
            let accs = &mut sc.acc[..n_names];
            let touched = &mut sc.touched;
            for (ti, v, sim) in hits {
                let p = &self.postings[v as usize];
                if has_rare && p.len() > big {
                    continue;
                }
                let stamp = sc.query_stamp.wrapping_add(ti as u32 + 1);
                let w = (self.vw[v as usize] + words[ti].w) * sim;
                for &ni in p {
                    let n = ni as usize;
                    let (Some(s), Some(a)) = (stamps.get_mut(n), accs.get_mut(n)) else {
                        continue;
                    };
                    if *s == stamp {
                        continue;
                    }
                    *s = stamp;
                    if *a == 0.0 {
                        touched.push(ni);
                    }
                    *a += w;
                }
            }
        }
        sc.query_stamp = sc.query_stamp.wrapping_add(words.len() as u32 + 1);
        if sc.query_stamp > u32::MAX - 1024 {
            sc.query_stamp = 0;
            sc.stamp.iter_mut().for_each(|s| *s = u32::MAX);
        }
        // rank by agreeing weight minus half the weight the name has beyond it; drop names
        // whose Dice estimate cannot come near the threshold
        let qw: f32 = words
            .iter()
            .filter(|t| !t.tok.optional)
            .map(|t| if t.tok.place { t.w * PLACE_UNMATCHED as f32 } else { t.w })
            .sum();
        let mut cands: Vec<(u32, f32)> = sc
            .touched
            .iter()
            .filter_map(|&ni| {
                let acc = sc.acc[ni as usize];
                let tw = self.name_tw[ni as usize];
                // Dice estimate: agreeing weight of both sides over all weight
                let est = acc / (qw + tw).max(1e-6);
                (est >= min_est).then_some((ni, est))
            })
            .collect();
        for &ni in &sc.touched {
            sc.acc[ni as usize] = 0.0;
        }
        sc.touched.clear();
        let best = cands.iter().map(|c| c.1).fold(f32::MIN, f32::max);
        let ties = cands.iter().filter(|c| c.1 >= best - best.abs() * 0.001).count();
        let keep = MAX_CANDIDATES.max(ties.min(MAX_TIES));
        if cands.len() > keep {
            cands.select_nth_unstable_by(keep - 1, |a, b| {
                b.1.partial_cmp(&a.1)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(a.0.cmp(&b.0))
            });
            cands.truncate(keep);
        }
        cands.into_iter().map(|(n, _)| n).collect()
    }

    /// Screen one query; hits with score ≥ `threshold`, best first (ties by list order).
    pub fn screen(&self, query: &Query, threshold: f64) -> Vec<Hit> {
        // a bare Chinese name shaped like a person's (余茂春) is taken as a person
        let qtype = if query.entity_type == EntityType::Unknown && crate::text::looks_like_chinese_person(&query.name) {
            EntityType::Person
        } else {
            query.entity_type
        };
        let hint = hint_of(qtype);
        let q = self.query_toks(&query.name, hint);
        let qtype = if qtype == EntityType::Unknown && q.iter().any(|t| t.tok.class == TokenClass::Legal) {
            EntityType::Organization
        } else {
            qtype
        };
        let min_est = (threshold * CANDIDATE_EST_FACTOR) as f32;
        let mut cand_names = SCRATCH.with(|s| self.candidates(&q, min_est, &mut s.borrow_mut()));
        // identifiers retrieve their entries directly
        let qids: Vec<String> = query
            .identifiers
            .iter()
            .map(|i| identifier_key(i))
            .filter(|k| k.len() >= 5)
            .collect();
        for k in &qids {
            if let Some(es) = self.ident_map.get(k) {
                for &e in es {
                    if let Some(ni) = self.names.iter().position(|n| n.entry == e) {
                        cand_names.push(ni as u32);
                    }
                }
            }
        }
        let qcountry = if query.country.trim().is_empty() {
            String::new()
        } else {
            country_code(&query.country)
        };
        let mut cache = SCRATCH.with(|s| s.borrow_mut().sim_cache.take()).unwrap_or_default();
        cache.clear();
        // best name per entry
        let mut best: HashMap<u32, (f64, u32), std::hash::BuildHasherDefault<IntHasher>> = HashMap::default();
        for &ni in &cand_names {
            let name = &self.names[ni as usize];
            let person = qtype == EntityType::Person
                || self.entries[name.entry as usize].entry.entity_type == EntityType::Person;
            let c = compare_tokens(&q, &name.toks, person, false, Some(&mut cache));
            let e = best.entry(name.entry).or_insert((-1.0, ni));
            // on a tie the primary name wins over an alias (华为 shows as 华为, not as its translation)
            let primary_tie = (c.score - e.0).abs() < 1e-9 && !name.is_alias && self.names[e.1 as usize].is_alias;
            if c.score > e.0 + 1e-9 || primary_tie {
                *e = (c.score, ni);
            }
        }
        SCRATCH.with(|s| s.borrow_mut().sim_cache = Some(cache));
        let mut hits = Vec::new();
        for (ei, (name_score, ni)) in best {
            let entry = &self.entries[ei as usize];
            let name = &self.names[ni as usize];
            let (score, adj) = self.adjust(name_score, entry, qtype, &qcountry, &qids);
            if score < threshold {
                continue;
            }
            let person = qtype == EntityType::Person || entry.entry.entity_type == EntityType::Person;
            let c = compare_tokens(&q, &name.toks, person, true, None);
            hits.push(Hit {
                list: self.lists[entry.list as usize].clone(),
                entry_id: entry.entry.id.clone(),
                entry_name: entry.entry.name.clone(),
                matched_name: name.text.clone(),
                score,
                explanation: Explanation {
                    matched_name: name.text.clone(),
                    matched_alias: name.is_alias,
                    name_score: c.score,
                    agreed: c.agreed,
                    query_only: c.a_only,
                    entry_only: c.b_only,
                    legal_forms_agree: c.legal,
                    adjustments: adj,
                },
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.list.cmp(&b.list))
                .then_with(|| a.entry_id.cmp(&b.entry_id))
        });
        hits
    }

    /// Evidence beyond the name: identifiers, entity type, country.
    fn adjust(
        &self,
        name_score: f64,
        entry: &IndexedEntry,
        qtype: EntityType,
        qcountry: &str,
        qids: &[String],
    ) -> (f64, Vec<Adjustment>) {
        let mut score = name_score;
        let mut adj = Vec::new();
        if let Some(k) = qids.iter().find(|k| entry.id_keys.contains(k)) {
            let new = score.max(0.97);
            adj.push(Adjustment {
                reason: format!("identifier {k} agrees"),
                delta: new - score,
            });
            score = new;
        }
        let etype = entry.entry.entity_type;
        if qtype != EntityType::Unknown && etype != EntityType::Unknown && qtype != etype {
            let new = score * TYPE_MISMATCH;
            adj.push(Adjustment {
                reason: format!("type {qtype} vs {etype}"),
                delta: new - score,
            });
            score = new;
        }
        if !qcountry.is_empty() && !entry.entry.countries.is_empty() {
            let new = if entry.entry.countries.iter().any(|c| c == qcountry) {
                score + COUNTRY_AGREE * (1.0 - score)
            } else {
                score * COUNTRY_DIFFER
            };
            let reason = if new >= score {
                format!("country {qcountry} agrees")
            } else {
                format!("country {qcountry} not in {}", entry.entry.countries.join("/"))
            };
            adj.push(Adjustment {
                reason,
                delta: new - score,
            });
            score = new;
        }
        (score, adj)
    }

    /// Compare two names directly (token weights from this index). Symmetric:
    /// `compare_names(a, b, h) == compare_names(b, a, h)`.
    pub fn compare_names(&self, a: &str, b: &str, hint: EntityType) -> f64 {
        let h = hint_of(hint);
        let ta = self.query_toks(a, h);
        let tb = self.query_toks(b, h);
        compare_tokens(&ta, &tb, hint == EntityType::Person, false, None).score
    }

    /// Like [`Index::compare_names`], with the explanation.
    pub fn explain_names(&self, a: &str, b: &str, hint: EntityType) -> Explanation {
        let h = hint_of(hint);
        let ta = self.query_toks(a, h);
        let tb = self.query_toks(b, h);
        let c = compare_tokens(&ta, &tb, hint == EntityType::Person, true, None);
        Explanation {
            matched_name: b.to_string(),
            matched_alias: false,
            name_score: c.score,
            agreed: c.agreed,
            query_only: c.a_only,
            entry_only: c.b_only,
            legal_forms_agree: c.legal,
            adjustments: Vec::new(),
        }
    }
}
