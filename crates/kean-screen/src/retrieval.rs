//! Candidate retrieval: the index structures over the listed names (vocabulary, token
//! postings, phonetic skeletons, character trigrams, IDF weights) and the candidate names of a
//! query. Never a scan of the list.

use crate::alignment::{FastMap, NO_VID, WTok, dedup_toks, letter_mask, skel_of};
use crate::distance::ratio;
use crate::scoring::{IDF_POWER, LEGAL_WEIGHT, NUMBER_WEIGHT, PLACE_UNMATCHED};
use crate::text::{NameHint, Token, TokenClass, tokenize_in};
use std::cell::RefCell;

/// Vocabulary words verified by edit distance per unknown query word.
pub(crate) const FUZZY_VERIFY: usize = 24;
/// Number of candidate names fully scored per query.
const MAX_CANDIDATES: usize = 16;
/// A candidate is scored only if its Dice estimate from the index reaches this share of the
/// threshold (conservative: the estimate ignores fuzzy and merged matches).
const CANDIDATE_EST_FACTOR: f64 = 0.62;
/// More candidates are scored when this many names tie with the best one (affiliates listed
/// under the same name).
const MAX_TIES: usize = 256;

#[derive(Debug)]
pub(crate) struct IndexedName {
    pub(crate) entry: u32,
    pub(crate) text: String,
    pub(crate) is_alias: bool,
    pub(crate) toks: Vec<WTok>,
    /// total weight of the name's word tokens (for candidate ranking)
    pub(crate) tw: f32,
}

/// The retrieval structures over the indexed names (primary names and aliases).
#[derive(Debug)]
pub(crate) struct NameIndex {
    pub(crate) names: Vec<IndexedName>,
    vocab: FastMap<String, u32>,
    vocab_keys: Vec<String>,
    idf: Vec<f32>,
    postings: Vec<Vec<u32>>,
    skel_map: FastMap<String, Vec<u32>>,
    tri_map: FastMap<[u8; 3], Vec<u32>>,
    max_idf: f32,
    /// total word weight per name (dense copy of `IndexedName::tw` for the candidate loop)
    name_tw: Vec<f32>,
    /// weight (idf ^ IDF_POWER) per vocabulary id
    vw: Vec<f32>,
}

fn trigrams(key: &str) -> impl Iterator<Item = [u8; 3]> + '_ {
    key.as_bytes().windows(3).map(|w| [w[0], w[1], w[2]])
}

struct Scratch {
    acc: Vec<f32>,
    stamp: Vec<u32>,
    query_stamp: u32,
    touched: Vec<u32>,
    tri_count: Vec<u16>,
    tri_touched: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch {
        acc: Vec::new(),
        stamp: Vec::new(),
        query_stamp: 0,
        touched: Vec::new(),
        tri_count: Vec::new(),
        tri_touched: Vec::new(),
    }) };
}

/// The tokens of a listed name, before weighting (weights come from the whole index).
pub(crate) fn name_toks(text: &str, hint: NameHint, d: &crate::zh::Dict) -> Vec<WTok> {
    let toks: Vec<WTok> = tokenize_in(text, hint, d)
        .into_iter()
        .map(|tok| WTok {
            mask: letter_mask(&tok.key),
            skel: skel_of(&tok),
            tok,
            w: 0.0,
            vid: NO_VID,
        })
        .collect();
    if toks.is_empty() { toks } else { dedup_toks(toks) }
}

impl NameIndex {
    /// Build the retrieval structures and the token weights over the tokenized names.
    pub(crate) fn build(names: Vec<IndexedName>) -> NameIndex {
        let mut idx = NameIndex {
            names,
            vocab: FastMap::default(),
            vocab_keys: Vec::new(),
            idf: Vec::new(),
            postings: Vec::new(),
            skel_map: FastMap::default(),
            tri_map: FastMap::default(),
            max_idf: 1.0,
            name_tw: Vec::new(),
            vw: Vec::new(),
        };
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

    pub(crate) fn weight(&self, t: &Token) -> f32 {
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
                if t.parent {
                    return w.powf(IDF_POWER) * crate::scoring::PARENT_WEIGHT;
                }
                w.powf(IDF_POWER)
            }
        }
    }

    pub(crate) fn query_toks(&self, name: &str, hint: NameHint, d: &crate::zh::Dict) -> Vec<WTok> {
        dedup_toks(
            tokenize_in(name, hint, d)
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
    ///
    /// Names whose estimate cannot come near `threshold` are not returned.
    pub(crate) fn candidates(&self, q: &[WTok], threshold: f64) -> Vec<u32> {
        let min_est = (threshold * CANDIDATE_EST_FACTOR) as f32;
        SCRATCH.with(|s| self.candidates_with(q, min_est, &mut s.borrow_mut()))
    }

    fn candidates_with(&self, q: &[WTok], min_est: f32, sc: &mut Scratch) -> Vec<u32> {
        if sc.acc.len() != self.names.len() {
            sc.acc = vec![0.0; self.names.len()];
            sc.stamp = vec![0; self.names.len()];
            sc.touched.clear();
        }
        // (query token, vocabulary id, similarity)
        let mut token_matches: Vec<(usize, u32, f32)> = Vec::new();
        let words: Vec<&WTok> = q.iter().filter(|t| t.tok.class != TokenClass::Legal).collect();
        // a dictionary word beside the pinyin (实验室, 研究所): an organization's name
        let org_context = words
            .iter()
            .any(|t| t.tok.class == TokenClass::Word && !t.tok.phonetic && !t.tok.surname);
        for (i, t) in words.iter().enumerate() {
            let mut found = false;
            for k in t.tok.keys() {
                if let Some(&v) = self.vocab.get(k) {
                    token_matches.push((i, v, 1.0));
                    found = true;
                }
            }
            if t.skel.len() >= 3
                && let Some(vs) = self.skel_map.get(&t.skel)
                && vs.len() <= 64
            {
                token_matches.extend(vs.iter().map(|&v| (i, v, 0.8)));
            }
            if let Some(next) = words.get(i + 1) {
                let joined = format!("{}{}", t.tok.key, next.tok.key);
                if let Some(&v) = self.vocab.get(&joined) {
                    token_matches.push((i, v, 1.0));
                }
            }
            // a Chinese brand run written as two words on the list (华大九天 ~ Huada Jiutian)
            // (runs of three or more characters: 余|茂春, 华大|九天; a 2-character run only in an
            // organization's name — 季华 ~ Ji Hua beside 实验室 —, never a person's given name)
            let n_parts = t.tok.parts.len();
            let split = n_parts >= 3 || (n_parts == 2 && org_context);
            for k in (1..n_parts).filter(|_| split) {
                let left: String = t.tok.parts[..k].concat();
                let right: String = t.tok.parts[k..].concat();
                if let (Some(&l), Some(&r)) = (self.vocab.get(&left), self.vocab.get(&right)) {
                    token_matches.push((i, l, 1.0));
                    token_matches.push((i, r, 1.0));
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
                token_matches.extend(fz.into_iter().map(|(v, r)| (i, v, r as f32)));
            }
        }
        let big = (self.names.len() / 40).max(500);
        let has_rare = token_matches
            .iter()
            .any(|(_, v, _)| self.postings[*v as usize].len() <= big);
        // best way first within each query token
        token_matches.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.2.partial_cmp(&a.2).unwrap_or(std::cmp::Ordering::Equal))
        });
        {
            let n_names = self.names.len();
            let stamps = &mut sc.stamp[..n_names];
            let accs = &mut sc.acc[..n_names];
            let touched = &mut sc.touched;
            for (ti, v, sim) in token_matches {
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
}
