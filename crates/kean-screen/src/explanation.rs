//! Why a match scored what it did: structured data (stored as JSON with each screening result)
//! and its rendering as one sentence in English or Chinese.
//!
//! The data comes from the lower layers: the token pairs and how each matched from
//! [`crate::alignment`], the score's components and the evidence beyond the name from
//! [`crate::scoring`]. This module only assembles and renders it.

pub use crate::alignment::{Method, TokenMatch};
use crate::alignment::{Script, script};
use crate::model::EntityType;
pub use crate::scoring::{Adjustment, CountryCheck, Evidence, IdentifierCheck, NameFactor, ScoreComponents, TypeCheck};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Language of a rendered explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// Why a match scored what it did.
///
/// `summary()` (= `render(Lang::En)`) is the one-line English sentence of earlier versions,
/// unchanged; `render(Lang::Zh)` says the same in Chinese. Serialize it with serde (e.g.
/// `serde_json::to_string(&m.explanation)`) to store it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Explanation {
    /// The entry's name or alias that matched best.
    pub matched_name: String,
    /// Whether `matched_name` is an alias (not the primary name).
    pub matched_alias: bool,
    /// The query's name as given.
    pub query_name: String,
    /// The query's name as compared: its tokens' keys (normalised, Chinese words as pinyin or
    /// their English key, legal forms as their key), space-separated.
    pub query_form: String,
    /// The matched name as compared, likewise.
    pub entry_form: String,
    /// How the names were found alike as a whole (see [`Explanation::overall_method`]).
    pub method: Method,
    /// Score of the name comparison alone.
    pub name_score: f64,
    /// The final score (name score and the evidence beyond the name); for
    /// `Index::explain_names` the name score.
    pub score: f64,
    /// Tokens that agreed (exactly or approximately), with how.
    pub agreed: Vec<TokenMatch>,
    /// Tokens of the query that found no partner.
    pub query_only: Vec<String>,
    /// Tokens of the matched name that found no partner.
    pub entry_only: Vec<String>,
    /// Legal forms: `Some(true)` agree, `Some(false)` differ, `None` not on both sides.
    pub legal_forms_agree: Option<bool>,
    /// Evidence beyond the name that changed the score (identifiers, country, entity type).
    pub adjustments: Vec<Adjustment>,
    /// The query's identifiers against the entry's (when the query has identifiers).
    pub identifiers: Option<IdentifierCheck>,
    /// The query's country against the entry's (when both have one).
    pub country: Option<CountryCheck>,
    /// The party types compared (matches only).
    pub entity_types: Option<TypeCheck>,
    /// How the name score was composed.
    pub components: ScoreComponents,
}

/// Order of the methods as evidence, weakest last: a name's overall method is its weakest
/// pair's.
fn strength(m: Method) -> u8 {
    match m {
        Method::Exact => 0,
        Method::Normalised => 1,
        Method::Translation => 2,
        Method::Lexicon => 2,
        Method::Pinyin => 3,
        Method::Transliteration => 4,
        Method::RomanisationVariant => 5,
        Method::Concatenation => 6,
        Method::Acronym => 7,
        Method::SameSound => 8,
        Method::ShortForm => 9,
        Method::Initial => 10,
        Method::Truncated => 10,
        Method::EditDistance => 11,
        Method::Phonetic => 12,
        Method::TokenAlignment => 13,
    }
}

impl Explanation {
    /// How two names were found alike as a whole: `Exact` when the texts are the same apart
    /// from letter case and surrounding space, `Normalised` when both are in the same script and
    /// their compared forms (the tokens' keys in order) are the same; `TokenAlignment` when tokens are left without partner, or all
    /// agree as written but reordered or with other legal forms or punctuation;
    /// `Transliteration` when one name is in a script other than Latin and Chinese (romanised
    /// before comparison); otherwise the method of the weakest agreeing pair
    /// (华为技术有限公司 ~ Huawei Technologies Co., Ltd. is `Pinyin`).
    pub fn overall_method(
        query: &str,
        matched: &str,
        forms: (&str, &str),
        agreed: &[TokenMatch],
        query_only: &[String],
        entry_only: &[String],
    ) -> Method {
        let (q, m) = (query.trim(), matched.trim());
        let same_case_folded = if q.is_ascii() && m.is_ascii() {
            q.eq_ignore_ascii_case(m)
        } else {
            q == m || q.to_lowercase() == m.to_lowercase()
        };
        if same_case_folded {
            return Method::Exact;
        }
        let (sq, se) = (script(query), script(matched));
        if sq == se && !forms.0.is_empty() && forms.0 == forms.1 {
            return Method::Normalised;
        }
        if agreed.is_empty() || !query_only.is_empty() || !entry_only.is_empty() {
            return Method::TokenAlignment;
        }
        // other scripts are romanised before tokens are compared: the pairs do not show it
        if sq != se && (sq == Script::Other || se == Script::Other) {
            return Method::Transliteration;
        }
        let weakest = agreed
            .iter()
            .map(|m| m.method)
            .max_by_key(|&m| strength(m))
            .unwrap_or(Method::TokenAlignment);
        if strength(weakest) <= strength(Method::Normalised) {
            Method::TokenAlignment
        } else {
            weakest
        }
    }

    /// One human-readable line in English (the sentence stored and shown by earlier versions).
    pub fn summary(&self) -> String {
        self.render(Lang::En)
    }

    /// One human-readable sentence in the given language.
    pub fn render(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.render_en(),
            Lang::Zh => self.render_zh(),
        }
    }

    fn render_en(&self) -> String {
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
                    if same_text(m) {
                        m.query.clone()
                    } else if matches!(m.method, Method::Translation | Method::Lexicon) {
                        let source = if m.method == Method::Translation {
                            "dictionary"
                        } else {
                            "CC-CEDICT"
                        };
                        if m.similarity >= 0.999 {
                            format!("{}~{}({source})", m.query, m.entry)
                        } else {
                            format!("{}~{}({source} {:.2})", m.query, m.entry, m.similarity)
                        }
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
            let _ = write!(s, "; {} {:+.2}", a.reason(), a.delta);
        }
        s
    }

    fn render_zh(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "命中{}「{}」，名称相似度 {:.2}",
            if self.matched_alias { "别名" } else { "名称" },
            self.matched_name,
            self.name_score
        );
        if !self.agreed.is_empty() {
            s.push_str("；一致：");
            let parts: Vec<String> = self
                .agreed
                .iter()
                .map(|m| {
                    if same_text(m) {
                        m.query.clone()
                    } else {
                        format!(
                            "{}≈{}（{}，{:.2}）",
                            m.query,
                            m.entry,
                            method_zh(m.method),
                            m.similarity
                        )
                    }
                })
                .collect();
            s.push_str(&parts.join("、"));
        }
        if !self.query_only.is_empty() {
            let _ = write!(s, "；仅主体有：{}", self.query_only.join("、"));
        }
        if !self.entry_only.is_empty() {
            let _ = write!(s, "；仅条目有：{}", self.entry_only.join("、"));
        }
        match self.legal_forms_agree {
            Some(true) => s.push_str("；组织形式一致"),
            Some(false) => s.push_str("；组织形式不同"),
            None => {}
        }
        for a in &self.adjustments {
            let _ = write!(s, "；{}（{:+.2}）", a.reason_zh(), a.delta);
        }
        s.push('。');
        s
    }
}

/// A pair shown as one word: the same text on both sides, full agreement.
fn same_text(m: &TokenMatch) -> bool {
    m.similarity >= 0.999 && m.query == m.entry
}

/// The method's name in Chinese.
pub fn method_zh(m: Method) -> &'static str {
    match m {
        Method::Exact => "完全相同",
        Method::Normalised => "规范化后相同",
        Method::Translation => "词典译名",
        Method::Lexicon => "CC-CEDICT 词典译名",
        Method::Pinyin => "拼音",
        Method::RomanisationVariant => "拼写变体",
        Method::Transliteration => "音译",
        Method::SameSound => "同音异字",
        Method::Phonetic => "读音相近",
        Method::EditDistance => "拼写相近",
        Method::Initial => "首字母",
        Method::ShortForm => "名字简称",
        Method::Truncated => "末词截断",
        Method::Concatenation => "连写",
        Method::Acronym => "首字母缩写",
        Method::TokenAlignment => "逐词对齐",
    }
}

fn entity_zh(t: EntityType) -> &'static str {
    match t {
        EntityType::Organization => "机构",
        EntityType::Person => "个人",
        EntityType::Vessel => "船舶",
        EntityType::Unknown => "未知",
    }
}

impl Adjustment {
    /// What the evidence was, in English (`identifier X agrees`, `type person vs
    /// organization`, `country CN agrees`, `country CN not in RU/BY`).
    pub fn reason(&self) -> String {
        match &self.evidence {
            Evidence::IdentifierAgrees { identifier } => format!("identifier {identifier} agrees"),
            Evidence::TypeDiffers { query, entry } => format!("type {query} vs {entry}"),
            Evidence::CountryAgrees { country } => format!("country {country} agrees"),
            Evidence::CountryDiffers {
                country,
                entry_countries,
            } => format!("country {country} not in {}", entry_countries.join("/")),
        }
    }

    /// What the evidence was, in Chinese.
    pub fn reason_zh(&self) -> String {
        match &self.evidence {
            Evidence::IdentifierAgrees { identifier } => format!("证件号 {identifier} 一致"),
            Evidence::TypeDiffers { query, entry } => {
                format!("类型不同（主体为{}，条目为{}）", entity_zh(*query), entity_zh(*entry))
            }
            Evidence::CountryAgrees { country } => format!("国别 {country} 一致"),
            Evidence::CountryDiffers {
                country,
                entry_countries,
            } => format!("国别 {country} 不在条目国别 {} 之列", entry_countries.join("/")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Index;
    use crate::model::Query;
    use crate::parse::detect_and_parse;

    fn index() -> Index {
        let csv = "id,name,aliases,type,country,identifiers\n\
                   W1,Huawei Technologies Co. Ltd.,华为技术有限公司,organization,CN,USCC:914403001922038216\n\
                   W2,Chen Weiming,,person,HK,\n\
                   W3,Dmitri Ivanov,,person,RU;BY,\n";
        Index::from_lists(vec![detect_and_parse(csv.as_bytes(), "watch.csv").unwrap()])
    }

    fn sample() -> Explanation {
        Explanation {
            matched_name: "DATA EAST".into(),
            matched_alias: true,
            name_score: 0.7125,
            agreed: vec![
                TokenMatch {
                    query: "DATA".into(),
                    entry: "DATA".into(),
                    similarity: 1.0,
                    method: Method::Exact,
                },
                TokenMatch {
                    query: "Eest".into(),
                    entry: "EAST".into(),
                    similarity: 0.75,
                    method: Method::EditDistance,
                },
            ],
            query_only: vec!["山西".into(), "科技".into()],
            legal_forms_agree: Some(false),
            adjustments: vec![
                Adjustment {
                    evidence: Evidence::IdentifierAgrees {
                        identifier: "91140700MA0K123456".into(),
                    },
                    delta: 0.2575,
                },
                Adjustment {
                    evidence: Evidence::TypeDiffers {
                        query: EntityType::Person,
                        entry: EntityType::Organization,
                    },
                    delta: -0.1455,
                },
                Adjustment {
                    evidence: Evidence::CountryDiffers {
                        country: "CN".into(),
                        entry_countries: vec!["RU".into(), "BY".into()],
                    },
                    delta: -0.066,
                },
            ],
            ..Explanation::default()
        }
    }

    #[test]
    fn renders_in_english_as_before() {
        assert_eq!(
            sample().render(Lang::En),
            "alias 'DATA EAST' name 0.71; agree: DATA Eest~EAST(0.75); query only: 山西 科技; \
             legal form differs; identifier 91140700MA0K123456 agrees +0.26; type person vs organization -0.15; \
             country CN not in RU/BY -0.07"
        );
        assert_eq!(sample().summary(), sample().render(Lang::En));
        let mut e = sample();
        e.matched_alias = false;
        e.agreed.clear();
        e.query_only.clear();
        e.entry_only = vec!["Ltd".into()];
        e.legal_forms_agree = Some(true);
        e.adjustments = vec![Adjustment {
            evidence: Evidence::CountryAgrees { country: "CN".into() },
            delta: 0.0125,
        }];
        assert_eq!(
            e.render(Lang::En),
            "name 'DATA EAST' name 0.71; entry only: Ltd; legal form agrees; country CN agrees +0.01"
        );
    }

    #[test]
    fn renders_in_chinese() {
        assert_eq!(
            sample().render(Lang::Zh),
            "命中别名「DATA EAST」，名称相似度 0.71；一致：DATA、Eest≈EAST（拼写相近，0.75）；仅主体有：山西、科技；\
             组织形式不同；证件号 91140700MA0K123456 一致（+0.26）；类型不同（主体为个人，条目为机构）（-0.15）；\
             国别 CN 不在条目国别 RU/BY 之列（-0.07）。"
        );
        let mut e = sample();
        e.matched_alias = false;
        e.agreed.truncate(0);
        e.query_only.clear();
        e.entry_only = vec!["Ltd".into()];
        e.legal_forms_agree = Some(true);
        e.adjustments = vec![Adjustment {
            evidence: Evidence::CountryAgrees { country: "CN".into() },
            delta: 0.0125,
        }];
        assert_eq!(
            e.render(Lang::Zh),
            "命中名称「DATA EAST」，名称相似度 0.71；仅条目有：Ltd；组织形式一致；国别 CN 一致（+0.01）。"
        );
    }

    #[test]
    fn a_match_says_how_it_matched() {
        let idx = index();
        let mut q = Query::new("華為技術有限公司");
        q.country = "中国".into();
        q.identifiers = vec!["91440300192203821X".into()];
        let h = &idx.screen(&q, 0.7)[0];
        let e = &h.explanation;
        assert_eq!(e.query_name, "華為技術有限公司");
        assert!(!e.query_form.is_empty() && !e.entry_form.is_empty());
        assert!((e.score - h.score).abs() < 1e-12);
        let how = |w: &str| e.agreed.iter().find(|m| m.query.contains(w)).map(|m| m.method);
        // the alias 华为技术有限公司 wins on a tie over the translation: Traditional → Simplified
        if e.matched_alias {
            assert_eq!(e.method, Method::Normalised, "{e:?}");
        } else {
            assert_eq!(how("华为"), Some(Method::Pinyin), "{e:?}");
            assert_eq!(how("技术"), Some(Method::Translation), "{e:?}");
        }
        let ids = e.identifiers.as_ref().unwrap();
        assert!(ids.agreed.is_empty() && ids.conflicting());
        assert!(e.country.as_ref().unwrap().agrees);
        assert!(e.entity_types.unwrap().agrees());
        assert!(e.components.total_weight > 0.0);
        assert!(e.render(Lang::Zh).contains("国别 CN 一致"));
        // stored as JSON and read back
        let json = serde_json::to_string(e).unwrap();
        assert!(json.contains("\"method\":"), "{json}");
        let back: Explanation = serde_json::from_str(&json).unwrap();
        assert_eq!(&back, e);
        assert_eq!(back.summary(), h.explanation.summary());
    }

    #[test]
    fn pair_methods() {
        let idx = index();
        let e = idx.explain_names(
            "华为技术有限公司",
            "Huawei Technologies Co., Ltd.",
            EntityType::Organization,
        );
        let how = |w: &str| e.agreed.iter().find(|m| m.query == w).map(|m| m.method);
        assert_eq!(how("华为"), Some(Method::Pinyin), "{e:?}");
        assert_eq!(how("技术"), Some(Method::Translation), "{e:?}");
        assert_eq!(e.method, Method::Pinyin);
        assert!(
            e.render(Lang::Zh).contains("华为≈huawei（拼音，1.00）"),
            "{}",
            e.render(Lang::Zh)
        );
        let e = idx.explain_names("陈伟明", "Chan Wai Ming", EntityType::Person);
        assert_eq!(
            e.agreed.iter().find(|m| m.query == "陈").map(|m| m.method),
            Some(Method::RomanisationVariant),
            "{e:?}"
        );
        let e = idx.explain_names("Дмитрий Иванов", "Dmitri Ivanov", EntityType::Person);
        assert_eq!(e.method, Method::Transliteration, "{e:?}");
        let e = idx.explain_names("Huawei Technologes", "Huawei Technologies", EntityType::Organization);
        assert_eq!(e.method, Method::EditDistance, "{e:?}");
        let e = idx.explain_names("HUAWEI TECHNOLOGIES", "Huawei Technologies", EntityType::Organization);
        assert_eq!(e.method, Method::Exact);
        let e = idx.explain_names("Technologies Huawei", "Huawei Technologies", EntityType::Organization);
        assert_eq!(e.method, Method::TokenAlignment);
        let e = idx.explain_names("Hua Wei", "Huawei", EntityType::Organization);
        assert_eq!(e.method, Method::Concatenation, "{e:?}");
    }
}
