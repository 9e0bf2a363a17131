//! Why a hit scored what it did: structured data (stored as JSON with each screening result)
//! and its rendering as one sentence in English or Chinese.
//!
//! The data comes from the lower layers: the token pairs and how each matched from
//! [`crate::alignment`], the score's components and the evidence beyond the name from
//! [`crate::scoring`]. This module only assembles and renders it.

pub use crate::alignment::{Method, TokenMatch};
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

/// Why a hit scored what it did.
///
/// `summary()` (= `render(Lang::En)`) is the one-line English sentence of earlier versions,
/// unchanged; `render(Lang::Zh)` says the same in Chinese. Serialize it with serde (e.g.
/// `serde_json::to_string(&hit.explanation)`) to store it.
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
    /// The party types compared (hits only).
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
        Method::Pinyin => 3,
        Method::Transliteration => 4,
        Method::RomanisationVariant => 5,
        Method::Concatenation => 6,
        Method::Acronym => 7,
        Method::SameSound => 8,
        Method::ShortForm => 9,
        Method::Initial => 10,
        Method::EditDistance => 11,
        Method::Phonetic => 12,
        Method::TokenAlignment => 13,
    }
}

impl Explanation {
    /// How two names were found alike as a whole: `Exact` when the texts are the same apart
    /// from letter case and surrounding space, `Normalised` when the normalised texts are;
    /// `TokenAlignment` when tokens are left without partner, or all agree as written but
    /// reordered or with other punctuation; otherwise the method of the weakest agreeing pair
    /// (华为技术有限公司 ~ Huawei Technologies Co., Ltd. is `Pinyin`).
    pub fn overall_method(
        query: &str,
        matched: &str,
        agreed: &[TokenMatch],
        query_only: &[String],
        entry_only: &[String],
    ) -> Method {
        if query.trim().to_lowercase() == matched.trim().to_lowercase() {
            return Method::Exact;
        }
        if crate::text::normalize(query) == crate::text::normalize(matched) {
            return Method::Normalised;
        }
        if agreed.is_empty() || !query_only.is_empty() || !entry_only.is_empty() {
            return Method::TokenAlignment;
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
        Method::Pinyin => "拼音",
        Method::RomanisationVariant => "拼写变体",
        Method::Transliteration => "音译",
        Method::SameSound => "同音异字",
        Method::Phonetic => "读音相近",
        Method::EditDistance => "拼写相近",
        Method::Initial => "首字母",
        Method::ShortForm => "名字简称",
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
