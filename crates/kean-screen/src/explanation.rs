//! Why a hit scored what it did.

pub use crate::alignment::{Method, TokenMatch};
use std::fmt::Write as _;

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
