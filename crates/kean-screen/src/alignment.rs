//! Token alignment between a query's and an entry's name: token similarity (exact keys,
//! edit ratio, phonetic skeletons, initials, short forms), links of adjacent tokens
//! (concatenations, acronyms) and the token preparation shared by the index and the queries.

use crate::distance::ratio;
use crate::text::{Token, TokenClass, skeleton};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How two tokens (or a name as a whole) were found alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The same text (apart from letter case).
    Exact,
    /// The same after normalisation: diacritics, full-width forms, Traditional → Simplified
    /// characters, stemming and synonyms (technologies ~ technology), number words.
    Normalised,
    /// A Chinese word and its English translation from the bilingual dictionary (技术 ~
    /// technology).
    Translation,
    /// A Chinese word or name and its English gloss in the CC-CEDICT lexicon (北京理工大学 ~
    /// Beijing Institute of Technology).
    Lexicon,
    /// Chinese characters and their pinyin (华为 ~ Huawei).
    Pinyin,
    /// A listed romanisation variant of a Chinese surname (陈 chen ~ Chan, 金 jin ~ Kim).
    RomanisationVariant,
    /// A word in another script romanised (Cyrillic, Greek, Hangul, Arabic) and its Latin
    /// spelling.
    Transliteration,
    /// Two Chinese words with the same pinyin but other characters (高石 ~ 高市).
    SameSound,
    /// The same phonetic skeleton (a transliteration: 托德 tuode ~ Todd).
    Phonetic,
    /// Spellings close by edit distance (a typo, a variant spelling).
    EditDistance,
    /// An initial and a word it starts (J ~ John).
    Initial,
    /// A given name's short form (Ben ~ Benjamin).
    ShortForm,
    /// The last word of a long name cut short, as a fixed-width field of 30–35 characters
    /// cuts it (… Belkassem DR ~ … Belkassem DRISSI).
    Truncated,
    /// Words written together or apart (Hua Wei ~ Huawei).
    Concatenation,
    /// An acronym and the initials of several words (PLA ~ People's Liberation Army).
    Acronym,
    /// For a whole name: its tokens aligned, some reordered, missing or matched in different
    /// ways.
    #[default]
    TokenAlignment,
}

/// One agreeing pair of tokens (or of adjacent token groups: a concatenation, an acronym).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenMatch {
    /// Query-side text: the word as normalised (lower case, Simplified characters, other
    /// scripts romanised), e.g. 华为 or huawei.
    pub query: String,
    /// Entry-side text, likewise.
    pub entry: String,
    /// Similarity of the pair in [0, 1] (1 = same key).
    pub similarity: f64,
    /// How the pair was found alike.
    pub method: Method,
}

/// Tokens of a name taken into account (longer names are cut).
pub(crate) const MAX_TOKENS: usize = 48;

/// A token with its weight and phonetic skeleton.
#[derive(Debug, Clone)]
pub(crate) struct WTok {
    pub(crate) tok: Token,
    pub(crate) w: f32,
    pub(crate) skel: String,
    /// vocabulary id of the key (indexed names), `NO_VID` otherwise
    pub(crate) vid: u32,
    /// set of the key's letters (bit per a–z, digits share one bit, others one bit)
    pub(crate) mask: u32,
}

/// Edit ratio on the unstemmed words (for transliteration checks: `qiongsi` vs `jones`).
pub(crate) fn r_plain(a: &Token, b: &Token) -> f64 {
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
pub(crate) fn skel_of(tok: &Token) -> String {
    if !tok.phonetic && tok.class == TokenClass::Word && tok.src.is_ascii() && !tok.src.contains(' ') {
        skeleton(&tok.src)
    } else {
        skeleton(&tok.key)
    }
}

pub(crate) fn letter_mask(key: &str) -> u32 {
    key.bytes().fold(0u32, |m, b| {
        m | match b {
            b'a'..=b'z' => 1 << (b - b'a'),
            b'0'..=b'9' => 1 << 26,
            _ => 1 << 27,
        }
    })
}

pub(crate) const NO_VID: u32 = u32::MAX;

/// Small, fast hasher for integer keys (multiplicative, FxHash-like).
#[derive(Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

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

pub(crate) type SimCache = HashMap<(u32, u32), f64, std::hash::BuildHasherDefault<IntHasher>>;
/// Hash map with the fast deterministic hasher (the index is built from trusted lists).
pub(crate) type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;

/// Similarity of two tokens in [0, 1].
#[inline]
pub(crate) fn token_sim(a: &WTok, b: &WTok, person: bool) -> f64 {
    token_match(a, b, person).0
}

/// Similarity of two tokens in [0, 1] and how they were found alike (the method is only
/// meaningful when the similarity is above 0).
pub(crate) fn token_match<'a>(a: &'a WTok, b: &'a WTok, person: bool) -> (f64, Method) {
    let (ta, tb) = (&a.tok, &b.tok);
    // two pinyin keys from Chinese characters: the same sound written with other characters
    // (高石 vs 高市) is likely another name
    if ta.phonetic && tb.phonetic && ta.src != tb.src {
        return if ta.key == tb.key {
            (0.85, Method::SameSound)
        } else {
            (0.0, Method::SameSound)
        };
    }
    if ta.keys().any(|x| tb.keys().any(|y| x == y)) {
        return (1.0, Method::Exact);
    }
    if ta.class == TokenClass::Number || tb.class == TokenClass::Number {
        return (0.0, Method::Exact);
    }
    let (ka, kb) = (ta.key.as_str(), tb.key.as_str());
    // a letter doubled or not (Jong-uun ~ Jong-un, Barackk ~ Barack): the same letters, and the
    // same word once runs of one letter are written once
    if a.mask == b.mask && ka.len() != kb.len() && !ta.phonetic && !tb.phonetic && same_squeezed(ka, kb) {
        return (0.9, Method::EditDistance);
    }
    let clen = |s: &str| {
        if s.is_ascii() { s.len() } else { s.chars().count() }
    };
    let (la, lb) = (clen(ka), clen(kb));
    // initials
    if (la == 1 && lb > 1 && kb.starts_with(ka)) || (lb == 1 && la > 1 && ka.starts_with(kb)) {
        return (0.6, Method::Initial);
    }
    // two pinyin keys from Chinese characters: same sound but different characters (高石 vs
    // 高市) is likely another name; different sounds are different
    if ta.phonetic && tb.phonetic {
        return if ka == kb {
            (0.85, Method::SameSound)
        } else {
            (0.0, Method::SameSound)
        };
    }
    let mut sim = 0.0;
    let mut how = Method::EditDistance;
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
        return (0.0, Method::EditDistance);
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
        return (0.0, Method::EditDistance);
    }
    let mut r = ratio(ka, kb);
    // a typo of a word the synonyms replaced (Mohamemd ~ Mohammed → muhammad): the spellings
    // as written are compared too
    if !phon && (0.5..0.75).contains(&r) && (respelt(ta) || respelt(tb)) {
        let plain = |t: &'a Token| -> &'a str { if respelt(t) { &t.src } else { &t.key } };
        r = r.max(ratio(plain(ta), plain(tb)));
    }
    if la.min(lb) >= 3 {
        if r >= 0.75 && (!phon || r >= 0.9) {
            sim = r;
        } else if r >= 0.66 && !phon {
            // one letter in three (Tom ~ Tim, CVC ~ CVS) or two in six (Rost ~ Troost): a weak
            // partner, not a conflict
            sim = r * 0.75;
        }
    }
    // given-name short forms: Ben ~ Benjamin; never a given name for a patronymic (Oleksandr is
    // not Oleksandrovych, the son of an Oleksandr)
    if person
        && !phon
        && la.min(lb) >= 3
        && la != lb
        && ta.qualifier == tb.qualifier
        && (ka.starts_with(kb) || kb.starts_with(ka))
        && 0.7 > sim
    {
        (sim, how) = (0.7, Method::ShortForm);
    }
    let min_skel = if cross { 2 } else { 3 };
    if a.skel.len() >= min_skel
        && a.skel == b.skel
        && la.min(lb) >= min_skel
        && (r >= 0.75 || (cross && r_plain(ta, tb) >= 0.4) || (person && !phon && r.max(r_plain(ta, tb)) >= 0.55))
    {
        let x = if cross { 0.75 } else { 0.8 };
        if x > sim {
            (sim, how) = (x, Method::Phonetic);
        }
    } else if cross && a.skel.len() >= 3 && b.skel.len() >= 3 && r >= 0.5 {
        let rs = ratio(&a.skel, &b.skel);
        if rs >= 0.74 && 0.6 * rs > sim {
            (sim, how) = (0.6 * rs, Method::Phonetic);
        }
    }
    (sim, how)
}

/// A Latin word whose key is not the word as written: a synonym's spelling (mohammed →
/// muhammad) or a stem (siemens → siemen).
fn respelt(t: &Token) -> bool {
    let (src, key) = (t.src.as_str(), t.key.as_str());
    src.len() > 2 && src != key && src.is_ascii() && !src.contains(' ')
}

/// The same word once each run of one letter is written once (`joonng` ~ `jong`)?
fn same_squeezed(a: &str, b: &str) -> bool {
    fn squeeze(s: &str) -> impl Iterator<Item = char> + '_ {
        let mut prev = None;
        s.chars().filter(move |&c| {
            let keep = prev != Some(c);
            prev = Some(c);
            keep
        })
    }
    squeeze(a).eq(squeeze(b))
}

/// Were tokens `i` (of a) and `j` (of b) linked to each other by the greedy alignment?
/// (Approximation: a single link between them exists and both are used.)
pub(crate) fn links_between(links: &[Link], used_a: &[bool], used_b: &[bool], i: usize, j: usize) -> bool {
    used_a[i]
        && used_b[j]
        && links
            .iter()
            .any(|l| l.na == 1 && l.nb == 1 && l.a[0] == i && l.b[0] == j && l.sim >= 0.8)
}

/// A link between 1–4 adjacent tokens of one name and 1–4 of the other.
pub(crate) struct Link<'t> {
    pub(crate) a: [usize; 4],
    pub(crate) na: usize,
    pub(crate) b: [usize; 4],
    pub(crate) nb: usize,
    pub(crate) sim: f64,
    pub(crate) w: f64,
    pub(crate) tie: (&'t str, &'t str),
    /// how the tokens were found alike
    pub(crate) how: Method,
}

/// `parts` (adjacent tokens) written together equal one of `target`'s keys?
pub(crate) fn concat_sim(parts: &[WTok], target: &Token) -> f64 {
    let len: usize = parts.iter().map(|p| p.tok.key.len()).sum();
    let mut best = 0.0f64;
    // `rest` spelled by the parts in order, each by its key or an alternative (tse tung ~ zedong)
    fn spelled(rest: &str, parts: &[WTok]) -> bool {
        match parts.split_first() {
            None => rest.is_empty(),
            Some((p, more)) => p
                .tok
                .keys()
                .any(|k| rest.strip_prefix(k).is_some_and(|r| spelled(r, more))),
        }
    }
    let with_alts = parts.iter().any(|p| !p.tok.alts.is_empty());
    for t in target.keys() {
        if (t.len() == len || with_alts) && spelled(t, parts) {
            return 1.0;
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
pub(crate) fn acronym_of(acr: &Token, parts: &[WTok]) -> bool {
    let k = acr.key.as_bytes();
    k.len() == parts.len()
        && k.len() >= 2
        && parts
            .iter()
            .zip(k)
            .all(|(p, c)| p.tok.key.len() > 1 && p.tok.key.as_bytes().first() == Some(c))
}

pub(crate) fn is_word(t: &WTok) -> bool {
    t.tok.class != TokenClass::Legal
}

pub(crate) fn multi_links<'t>(
    a: &'t [WTok],
    b: &'t [WTok],
    exact_a: &[bool],
    exact_b: &[bool],
    flip: bool,
    person: bool,
    links: &mut Vec<Link<'t>>,
) {
    let named_b = person && b.iter().filter(|x| is_word(x) && !x.tok.optional).count() > 1;
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
                let mut how = Method::Concatenation;
                // persons: a run of initials written together (JC, J.-C.) has no vowel, unlike
                // a two-letter name (Ri, Ko, Yu), beside other words (N.N. is no one's initials)
                let initials_run = |k: &str| k.bytes().all(|c| !b"aeiouy".contains(&c));
                if sim == 0.0
                    && t.tok.key.len() == n
                    && (!person || (n <= 3 && initials_run(&t.tok.key) && named_b))
                    && t.tok.class == TokenClass::Word
                    && acronym_of(&t.tok, parts)
                {
                    sim = if person { 0.7 } else { 0.8 };
                    how = Method::Acronym;
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
                            how,
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
                            how,
                        }
                    });
                }
            }
        }
    }
}

/// A name as compared: its tokens' keys, space-separated.
pub(crate) fn key_form(toks: &[WTok]) -> String {
    let mut s = String::with_capacity(toks.iter().map(|t| t.tok.key.len() + 1).sum());
    for t in toks {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&t.tok.key);
    }
    s
}

/// Drop repeated tokens (same class and key) within one name; keep at most [`MAX_TOKENS`].
pub(crate) fn dedup_toks(mut toks: Vec<WTok>) -> Vec<WTok> {
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

/// The greedy alignment of two names' tokens: every candidate link (pairs of tokens,
/// concatenations, acronyms), best first, taken while neither side's tokens are used yet.
pub(crate) struct Aligned<'t> {
    /// Every candidate link, best first.
    pub(crate) links: Vec<Link<'t>>,
    /// Indices into `links` of the links taken, in the order taken (`n_taken` of them).
    taken: [u16; MAX_TOKENS],
    n_taken: usize,
    /// Tokens of `a` / `b` that have a partner.
    pub(crate) used_a: [bool; MAX_TOKENS],
    pub(crate) used_b: [bool; MAX_TOKENS],
    /// Similarity each linked token was linked with (a surname must agree exactly).
    pub(crate) sim_a: [f64; MAX_TOKENS],
    pub(crate) sim_b: [f64; MAX_TOKENS],
    /// Σ similarity × weight over the links taken.
    pub(crate) matched: f64,
    /// Σ weight over the links taken.
    pub(crate) linked: f64,
}

/// Align the tokens of `a` (the query side) with those of `b`. With a cache, the similarity of
/// a query token to an indexed token is computed once per query.
///
/// The result is written into `al` (the caller's frame: no copy of its arrays on return), which
/// must be fresh from [`Aligned::new`].
pub(crate) fn align<'t>(
    a: &'t [WTok],
    b: &'t [WTok],
    person: bool,
    mut cache: Option<&mut SimCache>,
    al: &mut Aligned<'t>,
) {
    let mut links: Vec<Link> = Vec::with_capacity(a.len() * 2);
    for (i, x) in a.iter().enumerate().filter(|(_, t)| is_word(t)) {
        for (j, y) in b.iter().enumerate().filter(|(_, t)| is_word(t)) {
            // similarities of a query token to an indexed token are cached per query (the
            // method is then not known: the cache serves scoring, not explanations)
            let (sim, how) = match cache.as_deref_mut() {
                Some(c) if y.vid != NO_VID => {
                    let key = ((i as u32) << 1 | u32::from(person), y.vid);
                    (
                        *c.entry(key).or_insert_with(|| token_sim(x, y, person)),
                        Method::EditDistance,
                    )
                }
                _ => token_match(x, y, person),
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
                    how,
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
    for (li, l) in links.iter().enumerate() {
        let ia = &l.a[..l.na];
        let ib = &l.b[..l.nb];
        if ia.iter().any(|&i| al.used_a[i]) || ib.iter().any(|&j| al.used_b[j]) {
            continue;
        }
        for &i in ia {
            al.used_a[i] = true;
            al.sim_a[i] = l.sim;
        }
        for &j in ib {
            al.used_b[j] = true;
            al.sim_b[j] = l.sim;
        }
        al.matched += l.sim * l.w;
        al.linked += l.w;
        if al.n_taken < MAX_TOKENS {
            al.taken[al.n_taken] = li as u16;
            al.n_taken += 1;
        }
    }
    if person {
        truncated_last_word(a, b, &mut links, al);
    }
    al.links = links;
}

/// Names this long may have been cut by a fixed-width field (30, 35 characters).
const CUT_NAME_LEN: usize = 30;

/// A long person name's last word cut short (… Belkassem DR ~ … Belkassem DRISSI): the last
/// words of both names, left without partner, one the beginning (two letters or more) of the
/// other, in a name of more than [`CUT_NAME_LEN`] characters. Not for organizations, whose short
/// words are mostly whole words another one begins with (Bank ~ Banking, Bai ~ Baikal).
fn truncated_last_word<'t>(a: &'t [WTok], b: &'t [WTok], links: &mut Vec<Link<'t>>, al: &mut Aligned<'t>) {
    let last = |side: &[WTok]| {
        side.iter()
            .rposition(|t| !t.tok.optional && !t.tok.qualifier)
            .filter(|&k| side[k].tok.class == TokenClass::Word)
    };
    let (Some(i), Some(j)) = (last(a), last(b)) else {
        return;
    };
    if al.used_a[i] || al.used_b[j] || i >= MAX_TOKENS || j >= MAX_TOKENS {
        return;
    }
    let text_len = |side: &[WTok]| side.iter().map(|t| t.tok.src.chars().count() + 1).sum::<usize>();
    let cut = |short: &WTok, long: &WTok, side: &[WTok]| {
        let (ks, kl) = (short.tok.src.as_str(), long.tok.src.as_str());
        ks.len() >= 2 && ks.len() < kl.len() && ks.is_ascii() && kl.starts_with(ks) && text_len(side) > CUT_NAME_LEN
    };
    if !(cut(&a[i], &b[j], a) || cut(&b[j], &a[i], b)) {
        return;
    }
    let sim = 0.8;
    let w = f64::from(a[i].w + b[j].w);
    links.push(Link {
        a: [i, 0, 0, 0],
        na: 1,
        b: [j, 0, 0, 0],
        nb: 1,
        sim,
        w,
        tie: (a[i].tok.key.as_str(), b[j].tok.key.as_str()),
        how: Method::Truncated,
    });
    al.used_a[i] = true;
    al.used_b[j] = true;
    al.sim_a[i] = sim;
    al.sim_b[j] = sim;
    al.matched += sim * w;
    al.linked += w;
    if al.n_taken < MAX_TOKENS {
        al.taken[al.n_taken] = (links.len() - 1) as u16;
        al.n_taken += 1;
    }
}

impl Aligned<'_> {
    /// An empty alignment for [`align`] to fill.
    pub(crate) fn new() -> Self {
        Aligned {
            links: Vec::new(),
            taken: [0; MAX_TOKENS],
            n_taken: 0,
            used_a: [false; MAX_TOKENS],
            used_b: [false; MAX_TOKENS],
            sim_a: [0.0; MAX_TOKENS],
            sim_b: [0.0; MAX_TOKENS],
            matched: 0.0,
            linked: 0.0,
        }
    }

    /// The agreeing pairs in the order they were taken (repeated pairs once), with their texts
    /// as the names write them and how they were found alike.
    pub(crate) fn pairs(&self, a: &[WTok], b: &[WTok]) -> Vec<TokenMatch> {
        let mut agreed: Vec<TokenMatch> = Vec::new();
        for &li in &self.taken[..self.n_taken] {
            let l = &self.links[li as usize];
            let (ia, ib) = (&l.a[..l.na], &l.b[..l.nb]);
            let qa: Vec<&str> = ia.iter().map(|&i| a[i].tok.src.as_str()).collect();
            let qb: Vec<&str> = ib.iter().map(|&j| b[j].tok.src.as_str()).collect();
            let (qa, qb) = (qa.join(" "), qb.join(" "));
            if agreed.iter().any(|m| m.query == qa && m.entry == qb) {
                continue;
            }
            let method = if l.how == Method::Exact && l.na == 1 && l.nb == 1 {
                key_method(&a[ia[0]].tok, &b[ib[0]].tok)
            } else {
                l.how
            };
            agreed.push(TokenMatch {
                query: qa,
                entry: qb,
                similarity: l.sim,
                method,
            });
        }
        agreed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Latin,
    Han,
    Other,
}

/// The script of a token's source text: Han if it has a Chinese character, Other if it has a
/// letter of a non-Latin script, else Latin (digits and punctuation count as Latin).
pub(crate) fn script(s: &str) -> Script {
    let latin = |c: char| {
        c.is_ascii()
            || ('\u{00C0}'..='\u{024F}').contains(&c)
            || ('\u{1E00}'..='\u{1EFF}').contains(&c)
            || ('\u{FF00}'..='\u{FFEF}').contains(&c)
    };
    if s.is_ascii() {
        return Script::Latin;
    }
    let mut out = Script::Latin;
    for c in s.chars() {
        if crate::zh::is_han(c) {
            return Script::Han;
        }
        if c.is_alphabetic() && !latin(c) {
            out = Script::Other;
        }
    }
    out
}

/// How two tokens sharing a key came to share it.
fn key_method(ta: &Token, tb: &Token) -> Method {
    let primary = ta.key == tb.key;
    if ta.class == TokenClass::Number && tb.class == TokenClass::Number {
        // 第五十四 ~ 54th: the same number written otherwise
        return if ta.src == tb.src {
            Method::Exact
        } else {
            Method::Normalised
        };
    }
    if !primary && (ta.surname || tb.surname) {
        return Method::RomanisationVariant;
    }
    let (sa, sb) = (script(&ta.src), script(&tb.src));
    match (sa, sb) {
        (x, y) if x == y => {
            let same = ta.src == tb.src
                || if ta.src.is_ascii() && tb.src.is_ascii() {
                    ta.src.eq_ignore_ascii_case(&tb.src)
                } else {
                    ta.src.to_lowercase() == tb.src.to_lowercase()
                };
            if same { Method::Exact } else { Method::Normalised }
        }
        (Script::Han, Script::Latin) | (Script::Latin, Script::Han) => {
            let (han, latin) = if script(&ta.src) == Script::Han {
                (ta, tb)
            } else {
                (tb, ta)
            };
            if han.lexicon && !primary {
                Method::Lexicon
            } else if han.phonetic || han.surname || (primary && crate::zh::is_pinyin_word(&latin.key)) {
                Method::Pinyin
            } else if han.lexicon {
                Method::Lexicon
            } else {
                Method::Translation
            }
        }
        _ => Method::Transliteration,
    }
}
