//! Storage of restricted-party lists (with versions) and screening results.
//!
//! Mechanism only, like the rest of the store: the application decides who
//! may read or change these, what is screened and against which entries.

use kean_core::Kind;

/// One entry of a list version about to be stored. `hash` identifies its
/// content (name, aliases, type, countries, identifiers); `data` is the
/// entry as JSON, from which the screening index is rebuilt.
#[derive(Debug, Clone)]
pub struct NewListEntry {
    pub key: String,
    pub hash: String,
    pub name: String,
    pub data: String,
}

/// A list as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListInfo {
    pub id: i64,
    pub code: String,
    pub format: String,
    pub entry_count: i64,
    pub updated_at: String,
    pub current: Option<ListVersion>,
}

/// One imported version of a list and what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListVersion {
    pub id: i64,
    pub list_id: i64,
    pub list_code: String,
    pub version_no: i64,
    pub file_name: String,
    pub content_hash: String,
    pub entry_count: i64,
    pub added: i64,
    pub changed: i64,
    pub removed: i64,
    pub imported_at: String,
    pub imported_by: String,
    /// What the re-screening this version caused did, once it ran.
    pub rescreen: Option<RescreenFigures>,
}

/// Figures of a re-screening run kept with the list version that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RescreenFigures {
    pub parties: i64,
    pub opened: i64,
    pub lapsed: i64,
    pub millis: i64,
}

/// One line of a version's diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListChange {
    /// `added`, `changed` or `removed`.
    pub change: String,
    pub entry_key: String,
    pub name: String,
    pub old_entry_id: Option<i64>,
    pub new_entry_id: Option<i64>,
}

/// A stored entry version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub id: i64,
    pub list_id: i64,
    pub list_code: String,
    pub entry_key: String,
    pub entry_hash: String,
    pub name: String,
    pub data: String,
    pub added_version_id: i64,
    pub removed_version_id: Option<i64>,
}

/// A registered record's values that screening reads (as text), with its
/// owner and whether it is archived.
#[derive(Debug, Clone)]
pub struct PartyRow {
    pub id: i64,
    pub owner_org_id: Option<i64>,
    pub archived: bool,
    pub version: i64,
    pub values: Vec<Option<String>>,
}

/// What screening found for one party of one record: every match at or
/// above the threshold now. An empty `matches` clears what was found before.
#[derive(Debug, Clone)]
pub struct ScreenedParty {
    pub kind: Kind,
    pub id: i64,
    /// The field that names the party (`name`, `buyer_name` …).
    pub field: &'static str,
    pub name: String,
    /// Identifies the screened values (name, type, country, identifiers):
    /// a dismissal holds only while it is unchanged.
    pub hash: String,
    pub owner_org_id: Option<i64>,
    /// The record's version and archived flag as screened: if the record
    /// changed before the results are written, they are not (its own
    /// screening after that write takes over).
    pub record_version: i64,
    /// An archived record's live results lapse (`archived`); nothing opens.
    pub archived: bool,
    pub matches: Vec<PartyMatch>,
}

#[derive(Debug, Clone)]
pub struct PartyMatch {
    /// The entry version matched.
    pub entry_id: i64,
    pub list_id: i64,
    pub entry_key: String,
    pub entry_name: String,
    pub matched_name: String,
    /// Score in ten-thousandths.
    pub score_bp: i64,
    /// The engine's one-line explanation (English).
    pub explanation: String,
    /// The engine's structured explanation as JSON, rendered per language.
    pub explanation_detail: Option<String>,
}

/// State of a screening result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultStatus {
    /// 待核查 — waits for a reviewer.
    Open,
    /// 确认命中 — a reviewer confirmed the party is the listed one.
    Confirmed,
    /// 排除误报 — a reviewer found it a false positive.
    Dismissed,
    /// 已失效 — the entry or the party changed, or they no longer match.
    Lapsed,
}

impl ResultStatus {
    pub const ALL: [ResultStatus; 4] = [
        ResultStatus::Open,
        ResultStatus::Confirmed,
        ResultStatus::Dismissed,
        ResultStatus::Lapsed,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ResultStatus::Open => "open",
            ResultStatus::Confirmed => "confirmed",
            ResultStatus::Dismissed => "dismissed",
            ResultStatus::Lapsed => "lapsed",
        }
    }
    pub fn parse(s: &str) -> Option<ResultStatus> {
        ResultStatus::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            ResultStatus::Open => ("待核查", "Open"),
            ResultStatus::Confirmed => ("确认命中", "Confirmed"),
            ResultStatus::Dismissed => ("排除误报", "Dismissed"),
            ResultStatus::Lapsed => ("已失效", "Lapsed"),
        };
        if zh { z } else { e }
    }
}

/// Why a result lapsed.
pub mod lapse {
    pub const PARTY_CHANGED: &str = "party_changed";
    pub const ENTRY_CHANGED: &str = "entry_changed";
    pub const ENTRY_REMOVED: &str = "entry_removed";
    pub const NO_LONGER_MATCHES: &str = "no_longer_matches";
    pub const ARCHIVED: &str = "archived";
    /// Every reason a result can lapse with, for those who describe the
    /// values (the OpenAPI document): a new reason goes here too.
    pub const ALL: [&str; 5] = [PARTY_CHANGED, ENTRY_CHANGED, ENTRY_REMOVED, NO_LONGER_MATCHES, ARCHIVED];
}

/// A stored screening result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultRow {
    pub id: i64,
    pub party_kind: Kind,
    pub party_id: i64,
    pub party_field: String,
    pub party_name: String,
    pub party_hash: String,
    pub owner_org_id: Option<i64>,
    pub list_id: i64,
    pub list_code: String,
    pub entry_id: i64,
    pub entry_key: String,
    pub entry_name: String,
    pub matched_name: String,
    pub score_bp: i64,
    pub explanation: String,
    /// The structured explanation (JSON) of results opened since schema
    /// v12; `None` for older ones, which keep only the sentence.
    pub explanation_detail: Option<String>,
    pub status: ResultStatus,
    /// The reviewer's last decision (`confirmed` / `dismissed`), kept when
    /// the result later lapses.
    pub decision: Option<ResultStatus>,
    pub lapse_reason: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// Which results to list (newest first).
#[derive(Debug, Clone, Default)]
pub struct ResultFilter {
    pub status: Option<ResultStatus>,
    /// Part of the screened party's name.
    pub name: Option<String>,
    pub kind: Option<Kind>,
    pub party_id: Option<i64>,
    pub list_id: Option<i64>,
    pub page: u32,
    pub page_size: u32,
}

/// What a screening run changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScreeningSummary {
    /// Parties screened.
    pub parties: usize,
    /// Results opened by this run (ids).
    pub opened: Vec<i64>,
    /// Results that lapsed in this run.
    pub lapsed: usize,
    /// Results found again unchanged (open, confirmed or dismissed ones kept).
    pub unchanged: usize,
}

/// When a party was last screened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyState {
    pub field: String,
    /// The name screened (empty when the field was empty).
    pub name: String,
    pub hash: String,
    pub generation: i64,
    pub screened_at: String,
}

/// A reviewer's decision on an open (or earlier decided) result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultDecision {
    Confirm,
    Dismiss,
}

/// One entry of the bureau's own screening vocabulary as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyEntry {
    /// The Chinese word.
    pub word: String,
    /// Its English, in the notation of kean's vocabulary file.
    pub english: String,
    pub note: String,
    /// The version that made this state of the entry.
    pub added_version: i64,
}

/// What a change of the vocabulary does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VocabularyAction {
    Add,
    Edit,
    Remove,
}

impl VocabularyAction {
    pub const ALL: [VocabularyAction; 3] = [VocabularyAction::Add, VocabularyAction::Edit, VocabularyAction::Remove];
    pub fn code(self) -> &'static str {
        match self {
            VocabularyAction::Add => "add",
            VocabularyAction::Edit => "edit",
            VocabularyAction::Remove => "remove",
        }
    }
    pub fn parse(s: &str) -> Option<VocabularyAction> {
        VocabularyAction::ALL.into_iter().find(|a| a.code() == s)
    }
}

/// A change of the vocabulary about to be stored (`english` empty for a removal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyChange {
    pub action: VocabularyAction,
    pub word: String,
    pub english: String,
    pub note: String,
}

/// One version of the vocabulary: the change that made it, by whom, and
/// how many records it marked for screening again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VocabularyVersion {
    pub version_no: i64,
    pub action: String,
    pub word: String,
    /// The English after the change (none for a removal).
    pub english: Option<String>,
    /// The English before it (none for an addition).
    pub previous: Option<String>,
    pub note: String,
    pub rescreen_marked: i64,
    pub changed_at: String,
    pub changed_by: String,
}

/// One result of a decision on several: its id and the version the
/// reviewer read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionItem {
    pub id: i64,
    pub version: i64,
}

/// Why a decision on several results wrote nothing: the first result that
/// stood in its way, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkRefusal {
    /// No such result inside the scope.
    NotFound { id: i64 },
    /// The result is not open (decided or lapsed already).
    NotOpen { id: i64, status: ResultStatus },
    /// The result changed since the reviewer read it.
    Changed { id: i64, expected: i64, actual: i64 },
    /// The result is about another party than the first one.
    OtherParty { id: i64, first: i64 },
}

/// What a decision on several results did: every result decided, or
/// nothing written and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOutcome {
    Decided(Vec<ResultRow>),
    Refused(BulkRefusal),
}

#[cfg(test)]
mod tests {
    /// Every lapse reason the store writes is one of `lapse::ALL`, which the
    /// OpenAPI document lists as `lapse_reason`'s values: a reason added
    /// without it fails here.
    #[test]
    fn every_lapse_reason_written_is_listed() {
        let this = include_str!("screening.rs");
        let all = this
            .lines()
            .find(|l| l.contains("pub const ALL: [&str;"))
            .unwrap_or_default();
        let mut seen = 0;
        for src in [include_str!("decide.rs"), include_str!("sql/screening_results.rs")] {
            for part in src.split("lapse::").skip(1) {
                let name: String = part
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                if name.is_empty() || name == "ALL" {
                    continue;
                }
                seen += 1;
                assert!(all.contains(&name), "lapse::{name} is written but not in lapse::ALL");
            }
        }
        assert!(seen >= 5, "{seen}");
        assert!(super::lapse::ALL.contains(&super::lapse::ARCHIVED));
    }
}
