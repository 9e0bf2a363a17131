//! The screening index: the listed entries, their identifiers and the retrieval structures over
//! their names; screening a query (retrieve, score, add the evidence beyond the name, explain).

use crate::alignment::{FastMap, IntHasher, SimCache, WTok, key_form};
use crate::model::{EntityType, Entry, ParsedList, Query, country_code, identifier_key};
use crate::retrieval::{IndexedName, NameIndex, name_toks};
use crate::scoring::{adjust, checks, compare_tokens};
use crate::text::{NameHint, TokenClass};
use crate::zh::Dict;
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

pub use crate::explanation::{Adjustment, Explanation, TokenMatch};
pub use crate::scoring::DEFAULT_THRESHOLD;

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
    ident_map: FastMap<String, Vec<u32>>,
    /// retrieval structures over the entries' names
    ix: NameIndex,
    /// The dictionary names were tokenized with (queries are tokenized with it too).
    dict: Arc<Dict>,
}

/// A screening match. `explanation` is the structured explanation; its `summary()` the English
/// one-liner, `render(Lang::Zh)` the Chinese.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Match {
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

thread_local! {
    /// Per-thread cache of token similarities (query token × vocabulary word) of one query.
    static SIM_CACHE: RefCell<Option<SimCache>> = const { RefCell::new(None) };
}

impl Index {
    /// Build the index from parsed lists (the default dictionary, [`crate::zh::dict`]).
    pub fn from_lists(lists: Vec<ParsedList>) -> Index {
        Index::from_lists_with(lists, crate::zh::shared_dict())
    }

    /// Build the index from parsed lists, tokenizing names (the entries' now, the queries'
    /// later) with dictionary `dict` — the default with a bureau's own vocabulary added
    /// ([`Dict::extended`]). Indexes with different dictionaries live side by side.
    pub fn from_lists_with(lists: Vec<ParsedList>, dict: Arc<Dict>) -> Index {
        let mut list_names = Vec::new();
        let mut entries = Vec::new();
        let mut names = Vec::new();
        let mut ident_map: FastMap<String, Vec<u32>> = FastMap::default();
        // tokenize every name on all cores; assemble in list order
        let mut flat: Vec<(u32, Entry)> = Vec::new();
        for list in lists {
            let li = list_names.len() as u32;
            list_names.push(list.name);
            flat.extend(list.entries.into_iter().map(|e| (li, e)));
        }
        let tokenized: Vec<Vec<(String, bool, Vec<crate::alignment::WTok>)>> = flat
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
                        let toks = name_toks(&text, hint, &dict);
                        (!toks.is_empty()).then_some((text, is_alias, toks))
                    })
                    .collect()
            })
            .collect();
        for ((li, entry), tokenized_names) in flat.into_iter().zip(tokenized) {
            let ei = entries.len() as u32;
            for (text, is_alias, toks) in tokenized_names {
                names.push(IndexedName {
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
                ident_map.entry(k.clone()).or_default().push(ei);
            }
            entries.push(IndexedEntry {
                list: li,
                entry,
                id_keys,
            });
        }
        Index {
            lists: list_names,
            entries,
            ident_map,
            ix: NameIndex::build(names),
            dict,
        }
    }

    /// The dictionary the index tokenizes names with.
    pub fn dict(&self) -> &Dict {
        &self.dict
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
        self.ix.names.len()
    }

    /// Screen one query; matches with score ≥ `threshold`, best first (ties by list order).
    pub fn screen(&self, query: &Query, threshold: f64) -> Vec<Match> {
        // a bare Chinese name shaped like a person's (余茂春) is taken as a person
        let qtype = if query.entity_type == EntityType::Unknown
            && crate::text::looks_like_chinese_person_in(&query.name, &self.dict)
        {
            EntityType::Person
        } else {
            query.entity_type
        };
        let hint = hint_of(qtype);
        let q = self.ix.query_toks(&query.name, hint, &self.dict);
        // a legal form, or a Chinese institution unit (大学, 研究所 …), makes it an organization
        let org = |t: &WTok| {
            t.tok.class == TokenClass::Legal
                || (crate::text::is_unit(&t.tok) && t.tok.src.chars().any(crate::zh::is_han))
        };
        let qtype = if qtype == EntityType::Unknown && q.iter().any(org) {
            EntityType::Organization
        } else {
            qtype
        };
        let mut cand_names = self.ix.candidates(&q, threshold);
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
                    if let Some(ni) = self.ix.names.iter().position(|n| n.entry == e) {
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
        let mut cache = SIM_CACHE.with(|c| c.borrow_mut().take()).unwrap_or_default();
        cache.clear();
        // best name per entry
        let mut best: HashMap<u32, (f64, u32), std::hash::BuildHasherDefault<IntHasher>> = HashMap::default();
        for &ni in &cand_names {
            let name = &self.ix.names[ni as usize];
            let person = qtype == EntityType::Person
                || self.entries[name.entry as usize].entry.entity_type == EntityType::Person;
            let c = compare_tokens(&q, &name.toks, person, false, Some(&mut cache));
            let e = best.entry(name.entry).or_insert((-1.0, ni));
            // on a tie the primary name wins over an alias (华为 shows as 华为, not as its translation)
            let primary_tie = (c.score - e.0).abs() < 1e-9 && !name.is_alias && self.ix.names[e.1 as usize].is_alias;
            if c.score > e.0 + 1e-9 || primary_tie {
                *e = (c.score, ni);
            }
        }
        SIM_CACHE.with(|c| *c.borrow_mut() = Some(cache));
        let mut matches = Vec::new();
        let mut query_form: Option<String> = None;
        for (ei, (name_score, ni)) in best {
            let entry = &self.entries[ei as usize];
            let name = &self.ix.names[ni as usize];
            let (score, adj) = adjust(name_score, &entry.entry, &entry.id_keys, qtype, &qcountry, &qids);
            if score < threshold {
                continue;
            }
            let person = qtype == EntityType::Person || entry.entry.entity_type == EntityType::Person;
            let c = compare_tokens(&q, &name.toks, person, true, None);
            let (identifiers, country, types) = checks(&entry.entry, &entry.id_keys, qtype, &qcountry, &qids);
            let query_form = query_form.get_or_insert_with(|| key_form(&q)).clone();
            let entry_form = key_form(&name.toks);
            matches.push(Match {
                list: self.lists[entry.list as usize].clone(),
                entry_id: entry.entry.id.clone(),
                entry_name: entry.entry.name.clone(),
                matched_name: name.text.clone(),
                score,
                explanation: Explanation {
                    matched_name: name.text.clone(),
                    matched_alias: name.is_alias,
                    query_name: query.name.clone(),
                    method: Explanation::overall_method(
                        &query.name,
                        &name.text,
                        (&query_form, &entry_form),
                        &c.agreed,
                        &c.a_only,
                        &c.b_only,
                    ),
                    query_form,
                    entry_form,
                    name_score: c.score,
                    score,
                    agreed: c.agreed,
                    query_only: c.a_only,
                    entry_only: c.b_only,
                    legal_forms_agree: c.legal,
                    adjustments: adj,
                    identifiers,
                    country,
                    entity_types: Some(types),
                    components: c.components,
                },
            });
        }
        matches.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.list.cmp(&b.list))
                .then_with(|| a.entry_id.cmp(&b.entry_id))
        });
        matches
    }

    /// Compare two names directly (token weights from this index). Symmetric:
    /// `compare_names(a, b, h) == compare_names(b, a, h)`.
    pub fn compare_names(&self, a: &str, b: &str, hint: EntityType) -> f64 {
        let h = hint_of(hint);
        let ta = self.ix.query_toks(a, h, &self.dict);
        let tb = self.ix.query_toks(b, h, &self.dict);
        compare_tokens(&ta, &tb, hint == EntityType::Person, false, None).score
    }

    /// Like [`Index::compare_names`], with the explanation.
    pub fn explain_names(&self, a: &str, b: &str, hint: EntityType) -> Explanation {
        let h = hint_of(hint);
        let ta = self.ix.query_toks(a, h, &self.dict);
        let tb = self.ix.query_toks(b, h, &self.dict);
        let c = compare_tokens(&ta, &tb, hint == EntityType::Person, true, None);
        Explanation {
            matched_name: b.to_string(),
            matched_alias: false,
            query_name: a.to_string(),
            method: Explanation::overall_method(
                a,
                b,
                (&key_form(&ta), &key_form(&tb)),
                &c.agreed,
                &c.a_only,
                &c.b_only,
            ),
            query_form: key_form(&ta),
            entry_form: key_form(&tb),
            name_score: c.score,
            score: c.score,
            agreed: c.agreed,
            query_only: c.a_only,
            entry_only: c.b_only,
            legal_forms_agree: c.legal,
            adjustments: Vec::new(),
            identifiers: None,
            country: None,
            entity_types: None,
            components: c.components,
        }
    }
}
