//! Token alignment between a query's and an entry's name: token similarity (exact keys,
//! edit ratio, phonetic skeletons, initials, short forms), links of adjacent tokens
//! (concatenations, acronyms) and the token preparation shared by the index and the queries.

use crate::distance::ratio;
use crate::text::{Token, TokenClass, skeleton};
use std::collections::HashMap;

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
pub(crate) fn token_sim(a: &WTok, b: &WTok, person: bool) -> f64 {
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
}

/// `parts` (adjacent tokens) written together equal one of `target`'s keys?
pub(crate) fn concat_sim(parts: &[WTok], target: &Token) -> f64 {
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
