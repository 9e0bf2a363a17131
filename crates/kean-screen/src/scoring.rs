//! Scoring: the name comparison's score from the aligned tokens (IDF² weights, conflicts,
//! legal forms, numbers, surnames, patronymics) and the constants of the score.

use crate::alignment::{Aligned, SimCache, TokenMatch, WTok, align, links_between};
use crate::model::{EntityType, Entry};
use crate::text::{TokenClass, legal_family};
use serde::{Deserialize, Serialize};

/// Default score threshold for a match (scores are in [0, 1]).
pub const DEFAULT_THRESHOLD: f64 = 0.70;

/// Persons: weight factor of a name part only one name has (a dropped middle name).
pub(crate) const PERSON_OMISSION: f64 = 0.8;
/// Extra weight of a conflict (a token on each side without partner).
pub(crate) const CONFLICT_EXTRA: f64 = 4.0;
/// Weight factor of an unmatched place name.
pub(crate) const PLACE_UNMATCHED: f64 = 0.3;
/// Organizations: factor per distinctive word that only one name has.
pub(crate) const ORG_EXTRA: f64 = 0.9;
/// Factor when the query's and the entry's types differ (person vs organization).
pub(crate) const TYPE_MISMATCH: f64 = 0.85;
/// Share of the remaining distance to 1 added when the countries agree.
pub(crate) const COUNTRY_AGREE: f64 = 0.05;
/// Factor when the query's country is not among the entry's.
pub(crate) const COUNTRY_DIFFER: f64 = 0.92;
/// Organizations: extra-word count of an unmatched place name.
pub(crate) const PLACE_EXTRA: f64 = 0.5;
/// Organizations: factor when the legal forms differ.
pub(crate) const LEGAL_DIFFER: f64 = 0.92;
/// Persons: factor when the names after BIN/IBN differ.
pub(crate) const PATRONYM_DIFFER: f64 = 0.75;
/// Persons: factor when one name's given name is the other's patronymic and back (Salman bin
/// Muhammad vs Muhammad bin Salman: a son and his father).
pub(crate) const PATRONYM_REVERSED: f64 = 0.5;
/// Persons: factor when an initial has no partner while the other name has a name part of
/// another letter left over (William G. Frost vs William W. Frost).
pub(crate) const INITIAL_DIFFERS: f64 = 0.7;
/// Organizations: factor when only one name carries a number (Bowne Global Solutions II vs
/// Bowne Global Solutions; a group's 14th institute vs the group): another member of the family.
pub(crate) const NUMBER_ONE_SIDED: f64 = 0.75;
/// Factor applied when a Chinese person's surname has no partner.
pub(crate) const SURNAME_MISMATCH: f64 = 0.7;
/// Similarity at which a surname counts as agreeing (same key or a listed romanization).
pub(crate) const SURNAME_EXACT: f64 = 0.99;
/// Factor applied when both names carry numbers that do not agree.
pub(crate) const NUMBER_MISMATCH: f64 = 0.95;
/// Factor when the differing numbers are those of institutes, academies or factories (the 54th
/// and the 45th research institute of one group are different parties).
pub(crate) const NUMBERED_UNIT_MISMATCH: f64 = 0.6;
/// Weight factor of the words naming a child unit's parent (中国科学院 in 中国科学院计算技术研究所).
pub(crate) const PARENT_WEIGHT: f32 = 0.3;
/// Factor when a parent–child name's unit (研究所) has no partner in the other name (CETC's
/// 49th institute vs "China 49 Group").
pub(crate) const CHILD_UNIT_MISSING: f64 = 0.7;
/// Weight cap of a number token (fund VII vs VIII, institute 14 vs 48: weak evidence).
pub(crate) const NUMBER_WEIGHT: f32 = 2.5;
/// Token weight = idf ^ IDF_POWER (rare tokens weigh much more than common ones).
pub(crate) const IDF_POWER: f32 = 2.0;
/// Weight of a legal-form token (weak evidence).
pub(crate) const LEGAL_WEIGHT: f32 = 2.0;

/// A factor the name comparison's weighted agreement was multiplied by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NameFactor {
    /// Both names carry numbers that do not agree (14th vs 48th institute).
    NumberMismatch { factor: f64 },
    /// The unit ending a parent–child name (研究所) has no partner in the other name.
    ChildUnitMissing { factor: f64 },
    /// A Chinese person's surname has no partner of the same key or a listed romanisation.
    SurnameMismatch { factor: f64 },
    /// Organizations: distinctive words only one name has (an unmatched place counts half).
    ExtraWords { count: f64, factor: f64 },
    /// Organizations: the legal forms differ (AG vs GmbH).
    LegalFormDiffers { factor: f64 },
    /// Persons: the names after BIN/IBN differ.
    PatronymDiffers { factor: f64 },
    /// Persons: the names after BIN/IBN are each other's given names (father and son).
    PatronymReversed { factor: f64 },
    /// Persons: an initial without partner where the other name has a name part of another
    /// letter left (William G. vs William W.).
    InitialDiffers { factor: f64 },
    /// Organizations: only one name carries a number (a fund's series, an institute's number).
    NumberOnlyOneSide { factor: f64 },
}

impl NameFactor {
    /// The factor applied.
    pub fn factor(&self) -> f64 {
        match *self {
            NameFactor::NumberMismatch { factor }
            | NameFactor::ChildUnitMissing { factor }
            | NameFactor::SurnameMismatch { factor }
            | NameFactor::ExtraWords { factor, .. }
            | NameFactor::LegalFormDiffers { factor }
            | NameFactor::PatronymDiffers { factor }
            | NameFactor::PatronymReversed { factor }
            | NameFactor::InitialDiffers { factor }
            | NameFactor::NumberOnlyOneSide { factor } => factor,
        }
    }
}

/// How the name score was composed: `min(1, matched_weight / total_weight)` times each factor
/// (0 when no token agreed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoreComponents {
    /// Σ similarity × weight of the agreeing tokens, plus the legal forms' credit.
    pub matched_weight: f64,
    /// Σ weight of everything compared: agreeing tokens, tokens only one side has (a conflict —
    /// a token on each side without partner — weighing 5×), legal forms.
    pub total_weight: f64,
    /// Factors applied after the ratio, in order.
    pub factors: Vec<NameFactor>,
}

/// Evidence beyond the name that changed the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// An identifier of the query is one of the entry's (comparison key: upper-case
    /// alphanumerics); the score is raised to at least 0.97.
    IdentifierAgrees { identifier: String },
    /// The query's and the entry's types differ (person vs organization).
    TypeDiffers { query: EntityType, entry: EntityType },
    /// The query's country is one of the entry's.
    CountryAgrees { country: String },
    /// The query's country is not among the entry's.
    CountryDiffers {
        country: String,
        entry_countries: Vec<String>,
    },
}

/// Something that raised or lowered the score after the name comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjustment {
    pub evidence: Evidence,
    /// Score change (positive = raised).
    pub delta: f64,
}

/// The query's identifiers against the entry's (present when the query has identifiers).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IdentifierCheck {
    /// Identifiers (comparison keys) of the query that the entry has.
    pub agreed: Vec<String>,
    /// Identifiers of the query the entry does not have.
    pub query_only: Vec<String>,
    /// Identifiers of the entry the query does not have.
    pub entry_only: Vec<String>,
}

impl IdentifierCheck {
    /// Both sides have identifiers and none agrees (not used in the score: a party may hold
    /// several registrations, so this is for the reviewer).
    pub fn conflicting(&self) -> bool {
        self.agreed.is_empty() && !self.query_only.is_empty() && !self.entry_only.is_empty()
    }
}

/// The query's country against the entry's (present when both have one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountryCheck {
    /// ISO alpha-2 where recognised.
    pub query: String,
    pub entry: Vec<String>,
    pub agrees: bool,
}

/// The party types compared (the query's as screened: a bare Chinese person-like name counts
/// as a person, a name with a legal form as an organization).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TypeCheck {
    pub query: EntityType,
    pub entry: EntityType,
}

impl TypeCheck {
    /// Same type, or one of them unknown.
    pub fn agrees(&self) -> bool {
        self.query == self.entry || self.query == EntityType::Unknown || self.entry == EntityType::Unknown
    }
}

/// Result of comparing two token lists.
pub(crate) struct Compared {
    pub(crate) score: f64,
    pub(crate) agreed: Vec<TokenMatch>,
    pub(crate) a_only: Vec<String>,
    pub(crate) b_only: Vec<String>,
    pub(crate) legal: Option<bool>,
    /// only filled when explaining
    pub(crate) components: ScoreComponents,
}

/// Evidence beyond the name: identifiers, entity type, country. Returns the score and what
/// changed it.
pub(crate) fn adjust(
    name_score: f64,
    entry: &Entry,
    id_keys: &[String],
    qtype: EntityType,
    qcountry: &str,
    qids: &[String],
) -> (f64, Vec<Adjustment>) {
    let mut score = name_score;
    let mut adj = Vec::new();
    if let Some(k) = qids.iter().find(|k| id_keys.contains(k)) {
        let new = score.max(0.97);
        adj.push(Adjustment {
            evidence: Evidence::IdentifierAgrees { identifier: k.clone() },
            delta: new - score,
        });
        score = new;
    }
    let etype = entry.entity_type;
    if qtype != EntityType::Unknown && etype != EntityType::Unknown && qtype != etype {
        let new = score * TYPE_MISMATCH;
        adj.push(Adjustment {
            evidence: Evidence::TypeDiffers {
                query: qtype,
                entry: etype,
            },
            delta: new - score,
        });
        score = new;
    }
    if !qcountry.is_empty() && !entry.countries.is_empty() {
        let agrees = entry.countries.iter().any(|c| c == qcountry);
        let (new, evidence) = if agrees {
            (
                score + COUNTRY_AGREE * (1.0 - score),
                Evidence::CountryAgrees {
                    country: qcountry.to_string(),
                },
            )
        } else {
            (
                score * COUNTRY_DIFFER,
                Evidence::CountryDiffers {
                    country: qcountry.to_string(),
                    entry_countries: entry.countries.clone(),
                },
            )
        };
        adj.push(Adjustment {
            evidence,
            delta: new - score,
        });
        score = new;
    }
    (score, adj)
}

/// What the query's identifiers, country and type are against the entry's (for the
/// explanation; the score's changes are [`adjust`]'s).
pub(crate) fn checks(
    entry: &Entry,
    id_keys: &[String],
    qtype: EntityType,
    qcountry: &str,
    qids: &[String],
) -> (Option<IdentifierCheck>, Option<CountryCheck>, TypeCheck) {
    let ids = (!qids.is_empty()).then(|| IdentifierCheck {
        agreed: qids.iter().filter(|k| id_keys.contains(k)).cloned().collect(),
        query_only: qids.iter().filter(|k| !id_keys.contains(k)).cloned().collect(),
        entry_only: id_keys.iter().filter(|k| !qids.contains(k)).cloned().collect(),
    });
    let country = (!qcountry.is_empty() && !entry.countries.is_empty()).then(|| CountryCheck {
        query: qcountry.to_string(),
        entry: entry.countries.clone(),
        agrees: entry.countries.iter().any(|c| c == qcountry),
    });
    let types = TypeCheck {
        query: qtype,
        entry: entry.entity_type,
    };
    (ids, country, types)
}

pub(crate) fn legal_credit(x: &str, y: &str) -> f64 {
    if x == y {
        1.0
    } else if legal_family(x) == legal_family(y) {
        if x == "co" || y == "co" { 1.0 } else { 0.5 }
    } else {
        0.0
    }
}

pub(crate) fn compare_tokens(
    a: &[WTok],
    b: &[WTok],
    person: bool,
    explain: bool,
    cache: Option<&mut SimCache>,
) -> Compared {
    // the cache serves scoring only: an explanation wants each pair's method
    let cache = if explain { None } else { cache };
    let mut al = Aligned::new();
    align(a, b, person, cache, &mut al);
    let (used_a, used_b): (&[bool], &[bool]) = (&al.used_a, &al.used_b);
    let (sim_a, sim_b): (&[f64], &[f64]) = (&al.sim_a, &al.sim_b);
    let mut matched = al.matched;
    let linked = al.linked;
    let agreed = if explain { al.pairs(a, b) } else { Vec::new() };
    let mut a_only = Vec::new();
    let mut b_only = Vec::new();
    let mut unmatched = [0.0f64; 2];
    // full name parts without partner, per side (a person's conflicts)
    let mut parts_left = [0usize; 2];
    let mut extra_count = 0.0f64;
    // a place or a qualifier only one name has is weak evidence; different places or
    // qualifiers on both sides (Bank of China (Hong Kong) vs (Australia)) are a conflict
    let place_left = |side: &[WTok], used: &[bool]| {
        side.iter().zip(used).any(|(t, &u)| {
            !u && ((t.tok.place && !t.tok.optional) || t.tok.qualifier) && t.tok.class == TokenClass::Word
        })
    };
    let place_conflict = place_left(a, used_a) && place_left(b, used_b);
    for (k, (side, used, only)) in [(a, used_a, &mut a_only), (b, used_b, &mut b_only)]
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
                parts_left[k] += 1;
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
    // persons: a rare name part's agreement tells more than a common one's, but two different
    // name parts (MOHAMED vs AHMED, the father's name) disagree however common each is: a
    // conflict weighs at least as much as the average name part that agreed
    let conflict_w = if person && conflict > 0.0 {
        let agreed_parts =
            used_a.iter().take(a.len()).filter(|&&u| u).count() + used_b.iter().take(b.len()).filter(|&&u| u).count();
        let mean = linked / agreed_parts.max(1) as f64;
        conflict.max(parts_left[0].min(parts_left[1]) as f64 * mean)
    } else {
        conflict
    };
    let mut total =
        linked + (unmatched[0] + unmatched[1] - 2.0 * conflict) * omit + (2.0 + CONFLICT_EXTRA) * conflict_w;
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
    // a lone I, V or X left over is a series numeral the tokenizer kept as an initial (Fund V)
    let num_or_roman = |side: &[WTok], used: &[bool]| {
        num_unmatched(side, used)
            || side
                .iter()
                .zip(used)
                .any(|(t, &u)| !u && t.tok.class == TokenClass::Word && matches!(t.tok.key.as_str(), "i" | "v" | "x"))
    };
    let mut factors = Vec::new();
    let mut apply = |score: &mut f64, f: NameFactor| {
        *score *= f.factor();
        if explain {
            factors.push(f);
        }
    };
    if num_unmatched(a, used_a) && num_unmatched(b, used_b) {
        let unit = |side: &[WTok]| side.iter().any(|t| crate::text::is_unit(&t.tok));
        let factor = if unit(a) && unit(b) {
            NUMBERED_UNIT_MISMATCH
        } else {
            NUMBER_MISMATCH
        };
        apply(&mut score, NameFactor::NumberMismatch { factor });
    } else if !person && (num_or_roman(a, used_a) != num_or_roman(b, used_b)) {
        // a series or unit number only one name has: another member of the family (Fund II,
        // the group's 14th institute)
        apply(
            &mut score,
            NameFactor::NumberOnlyOneSide {
                factor: NUMBER_ONE_SIDED,
            },
        );
    }
    // persons: an initial left over against a name part of another letter left over (William
    // G. Frost vs William W. Frost, Hans O. vs Hans Joachim): different middle names
    if person {
        let initials_left = |side: &[WTok], used: &[bool]| -> u32 {
            side.iter()
                .zip(used)
                .filter(|(t, u)| {
                    !**u && t.tok.class == TokenClass::Word && t.tok.key.len() == 1 && t.tok.src.is_ascii()
                })
                .fold(0u32, |m, (t, _)| m | crate::alignment::letter_mask(&t.tok.key))
        };
        let firsts_left = |side: &[WTok], used: &[bool]| -> u32 {
            side.iter()
                .zip(used)
                .filter(|(t, u)| !**u && t.tok.class == TokenClass::Word && !t.tok.optional && t.tok.key.is_ascii())
                .fold(0u32, |m, (t, _)| m | crate::alignment::letter_mask(&t.tok.key[..1]))
        };
        let differs = |ia: u32, fb: u32| ia != 0 && fb != 0 && ia & fb == 0;
        if differs(initials_left(a, used_a), firsts_left(b, used_b))
            || differs(initials_left(b, used_b), firsts_left(a, used_a))
        {
            apply(
                &mut score,
                NameFactor::InitialDiffers {
                    factor: INITIAL_DIFFERS,
                },
            );
        }
    }
    let child_missing = |side: &[WTok], used: &[bool]| side.iter().zip(used).any(|(t, &u)| t.tok.child_unit && !u);
    if child_missing(a, used_a) || child_missing(b, used_b) {
        apply(
            &mut score,
            NameFactor::ChildUnitMissing {
                factor: CHILD_UNIT_MISSING,
            },
        );
    }
    // a Chinese person's surname must agree: exactly or as a known romanization (陈 chen|chan),
    // not by sound alone (王 wang ≠ kang)
    let surname_missing = |side: &[WTok], used: &[bool], sim: &[f64]| {
        side.iter()
            .zip(used.iter().zip(sim))
            .any(|(t, (&u, &s))| t.tok.surname && (!u || s < SURNAME_EXACT))
    };
    if person && (surname_missing(a, used_a, sim_a) || surname_missing(b, used_b, sim_b)) {
        apply(
            &mut score,
            NameFactor::SurnameMismatch {
                factor: SURNAME_MISMATCH,
            },
        );
    }
    // organizations: every distinctive word only one name has lowers the score
    if !person && extra_count > 0.0 {
        apply(
            &mut score,
            NameFactor::ExtraWords {
                count: extra_count,
                factor: ORG_EXTRA.powf(extra_count),
            },
        );
    }
    // different legal forms of organizations (AG vs GmbH) lower the score a little
    if !person && let Some(false) = legal {
        apply(&mut score, NameFactor::LegalFormDiffers { factor: LEGAL_DIFFER });
    }
    // Arabic patronymics: the name after BIN/IBN must agree (Abdullah bin Omar ≠ Omar bin Abdullah)
    if person {
        let after_marker = |side: &[WTok]| {
            side.iter()
                .position(|t| matches!(t.tok.key.as_str(), "bin" | "ibn" | "ben" | "bint"))
                .and_then(|p| (p + 1 < side.len()).then_some(p + 1))
        };
        if let (Some(i), Some(j)) = (after_marker(a), after_marker(b))
            && !links_between(&al.links, used_a, used_b, i, j)
        {
            // the father's name of one is the other's own first name and back: father and son
            let reversed = i > 1
                && j > 1
                && links_between(&al.links, used_a, used_b, i, 0)
                && links_between(&al.links, used_a, used_b, 0, j);
            apply(
                &mut score,
                if reversed {
                    NameFactor::PatronymReversed {
                        factor: PATRONYM_REVERSED,
                    }
                } else {
                    NameFactor::PatronymDiffers {
                        factor: PATRONYM_DIFFER,
                    }
                },
            );
        }
    }
    let components = if explain {
        ScoreComponents {
            matched_weight: matched,
            total_weight: total,
            factors,
        }
    } else {
        ScoreComponents::default()
    };
    Compared {
        score,
        agreed,
        a_only,
        b_only,
        legal,
        components,
    }
}
