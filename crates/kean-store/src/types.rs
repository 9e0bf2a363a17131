//! The values the store's traits take and return.

use kean_core::Kind;
use kean_core::Role;
use kean_core::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArchivedFilter {
    #[default]
    Active,
    Archived,
    All,
}

/// A list request: keyword, exact filters, sort and page.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Matched (case-insensitively, as a substring) against the kind's
    /// searchable fields.
    pub keyword: Option<String>,
    /// Exact matches on schema fields.
    pub filters: Vec<(&'static str, Value)>,
    /// Inclusive date range on a date field: (field, from, to).
    pub date_range: Option<(&'static str, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)>,
    /// A schema field (or `id`, `updated_at`), and whether descending.
    pub sort: Option<(&'static str, bool)>,
    pub archived: ArchivedFilter,
    /// Exact matches on fields of the owning organization (district,
    /// type, chain), for records owned by an organization.
    pub owner_filters: Vec<(&'static str, Value)>,
    /// Only these records (the rows a user ticked), when not empty.
    pub ids: Vec<i64>,
    /// 1-based.
    pub page: u32,
    pub page_size: u32,
    /// A cursor: list the records after this id in the default order
    /// (newest first) instead of skipping `(page - 1) * page_size` of them.
    /// Ignored under any other sort.
    pub after: Option<i64>,
}

impl ListQuery {
    /// Whether the list is in the default order, newest (largest id) first,
    /// in which the `after` cursor applies.
    pub fn is_default_order(&self) -> bool {
        matches!(self.sort, None | Some(("id", true)))
    }
}

/// How an aggregate groups its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// One row for everything.
    Nothing,
    /// By the value of a field (enum, reference, country, bool).
    Field(&'static str),
    /// By `YYYY-MM` of a date field.
    Month(&'static str),
    /// By `YYYY` of a date field.
    Year(&'static str),
    /// By a field of the owning organization (e.g. its district).
    OwnerField(&'static str),
    /// By day of a date field and, if given, a field (`key2`): the finest
    /// grid, from which the caller folds totals, months and the field's
    /// groups out of one pass over the records instead of one each.
    DayAnd(&'static str, Option<&'static str>),
}

/// One group of an aggregate: its key (as text; `None` for no value),
/// how many records, and the sums of the requested money fields in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggRow {
    pub key: Option<String>,
    /// The second key of [`GroupBy::DayAnd`]; `None` otherwise.
    pub key2: Option<String>,
    pub count: i64,
    pub sums: Vec<i64>,
}

/// Lists count matching records exactly up to this many; beyond it they
/// report "more than" (counting a million rows for every page view is what
/// makes admin lists slow, and nobody pages through ten thousand rows).
pub const COUNT_CAP: i64 = 10_000;

/// The same for keyword searches, whose frequent keywords match most
/// records (see `SqlStore::list`).
pub const KEYWORD_COUNT_CAP: i64 = 1_000;

/// What an audit search asks for; every part optional, all given parts
/// must hold. Times are stored timestamps (`at >= from`, `at < to`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The actor's username as recorded (`system:NAME` for kean itself).
    pub actor: Option<String>,
    pub action: Option<String>,
    /// A target as named today (a kind's slug, `users`, `audit-log` …):
    /// records stored under an old name of it are found too.
    pub target: Option<String>,
    pub record_id: Option<i64>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub outcome: Option<kean_core::audit::Outcome>,
    /// Only records before this sequence number (reading on, newest first).
    pub before_seq: Option<i64>,
}

/// The audit chain's state for the auditor's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditStatus {
    /// The chain head: the last record's number and hash.
    pub head_seq: i64,
    pub head_hash: String,
    /// The last signed checkpoint: its record and when it was signed
    /// (`None`: none yet, or a database before migration 0016).
    pub last_checkpoint: Option<(i64, String)>,
}

/// The audit chain's seals as stored (migration 0016).
#[derive(Debug, Clone)]
pub struct AuditSeals {
    /// The public key, PEM (SubjectPublicKeyInfo).
    pub public_pem: String,
    /// By sequence number.
    pub checkpoints: Vec<kean_core::audit_seal::Checkpoint>,
    /// By first sequence number.
    pub anchors: Vec<kean_core::audit_seal::ArchiveAnchor>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Matching records, at most [`COUNT_CAP`] ([`KEYWORD_COUNT_CAP`] for a
    /// keyword search; see `total_is_exact`).
    pub total: i64,
    /// False when more records match than were counted.
    pub total_is_exact: bool,
    pub page: u32,
    pub page_size: u32,
}

impl<T> Page<T> {
    pub fn pages(&self) -> u32 {
        if self.page_size == 0 {
            return 1;
        }
        (self.total.max(0) as u64).div_ceil(self.page_size as u64).max(1) as u32
    }
}

/// The most bytes of staged uploads (`pending_uploads`) kept for one user,
/// and for all users together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadQuota {
    pub per_user: u64,
    pub total: u64,
}

/// Who writes, and when: stamped on the row and on its audit record.
#[derive(Debug, Clone)]
pub struct WriteMeta {
    pub at: String,
    pub actor_id: i64,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Option<i64>,
    /// The highest 密级 the account may read (with need-to-know above 内部).
    pub clearance: kean_core::confidentiality::Classification,
    pub disabled: bool,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
    pub created_at: String,
    /// When the password was last set (`None`: when the account was made).
    pub password_changed_at: Option<String>,
    /// A demo account's published password, which never expires.
    pub password_never_expires: bool,
    /// The password was set by an administrator: the holder replaces it at
    /// the next login.
    pub password_must_change: bool,
    /// A second factor (TOTP) is enrolled and confirmed.
    pub totp_enabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: Option<i64>,
    pub password_hash: String,
    /// A demo account's published password: exempt from expiry.
    pub password_never_expires: bool,
    /// Set by an administrator: to be changed by its holder at first login.
    pub password_must_change: bool,
}

/// An administrator's change to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserChange {
    Unlock,
    SetDisabled(bool),
    /// An administrator sets a password (its hash); with `must_change` the
    /// holder replaces it at the next login.
    Password {
        hash: String,
        must_change: bool,
    },
    /// The account's holder changes their own password (its hash); the
    /// previous one joins the history, of which the last `keep` are kept,
    /// and every other session of the account ends (the one whose token
    /// hash is `session` stays).
    OwnPassword {
        hash: String,
        keep: i64,
        session: Option<String>,
    },
    /// An administrator removes the account's second factor and recovery codes.
    ResetSecondFactor,
    /// A new clearance (audited `set_clearance`, before and after).
    Clearance(kean_core::confidentiality::Classification),
    /// A new role (audited `set_role`, before and after).
    Role(Role),
    /// Another organization, or none (audited `set_organization`, before and after).
    Organization(Option<i64>),
}

/// The control record of a classified record (密级 above 内部): what the
/// security administrator manages — never the record's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlRow {
    pub kind: kean_core::Kind,
    pub id: i64,
    /// The releasable title (the kind's label field).
    pub title: String,
    pub owner_org_id: Option<i64>,
    pub level: kean_core::confidentiality::Classification,
    pub classified_by: Option<String>,
    pub basis: Option<String>,
    pub classified_on: Option<String>,
    pub term_years: Option<u32>,
    pub archived: bool,
}

/// A proposed, approved or rejected change of a record's level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelChange {
    pub id: i64,
    pub kind: kean_core::Kind,
    pub record_id: i64,
    pub from: kean_core::confidentiality::Classification,
    pub to: kean_core::confidentiality::Classification,
    pub reasons: String,
    /// `proposed`, `approved` or `rejected`.
    pub state: String,
    pub proposed_by: i64,
    pub proposer: String,
    pub proposed_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
}

/// One account on a record's need-to-know list (知悉范围).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedToKnow {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub added_by: String,
    pub added_at: String,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user_id: i64,
    pub kind: String,
    pub csrf_token: String,
    /// The absolute end of the session.
    pub expires_at: String,
    pub created_at: String,
    /// The last request (the idle timeout counts from it; `None`: none since the login).
    pub last_seen_at: Option<String>,
    /// The last authentication with password (and second factor): the login
    /// or a re-authentication.
    pub authenticated_at: Option<String>,
    /// `full`, or `second_factor` while the login's second factor is due.
    pub stage: String,
    /// The account's login before this one (JSON: at, source, failed attempts since).
    pub previous_login: Option<String>,
    /// The client's address (recorded in the login's audit record only).
    pub source: Option<String>,
}

/// An account's second factor as stored.
#[derive(Debug, Clone, Default)]
pub struct TotpState {
    /// Base32; pending until `enabled`.
    pub secret: Option<String>,
    pub enabled: bool,
    /// The last time step accepted.
    pub last_step: Option<i64>,
}

/// A record's id, owner, whether it is archived, and some of its values as
/// text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub id: i64,
    pub owner_org_id: Option<i64>,
    pub archived: bool,
    pub values: Vec<Option<String>>,
}

/// Stored values of a unique field (or combination of fields) that some
/// new values repeat, split by whether the asking scope reads the record
/// holding them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken<T: Eq + std::hash::Hash> {
    /// Held by a record the scope reads.
    pub visible: std::collections::HashSet<T>,
    /// Held only by records outside the scope.
    pub hidden: std::collections::HashSet<T>,
}

impl<T: Eq + std::hash::Hash> Default for Taken<T> {
    fn default() -> Self {
        Taken {
            visible: Default::default(),
            hidden: Default::default(),
        }
    }
}

impl<T: Eq + std::hash::Hash> Taken<T> {
    /// Files `value` as visible or hidden: a value any visible record holds
    /// is visible, whatever else holds it.
    pub fn add(&mut self, value: T, visible: bool) {
        if visible {
            self.hidden.remove(&value);
            self.visible.insert(value);
        } else if !self.visible.contains(&value) {
            self.hidden.insert(value);
        }
    }
}

/// An import about to be committed.
#[derive(Debug, Clone)]
pub struct NewImport {
    pub content_hash: String,
    pub file_name: String,
}

/// A committed import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRecord {
    pub id: i64,
    pub kind: String,
    pub content_hash: String,
    pub file_name: String,
    pub row_count: i64,
    pub actor: String,
    pub created_at: String,
}

/// A file about to be attached to a record (checked by the application).
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub kind: kean_core::Kind,
    pub record_id: i64,
    pub file_name: String,
    pub media_type: String,
    pub classification: kean_core::confidentiality::Classification,
    pub note: Option<String>,
    /// SM3 of the content, lower-case hex.
    pub hash: String,
    pub content: Vec<u8>,
}

/// A file attached to a record (附件), without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub kind: kean_core::Kind,
    pub record_id: i64,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub hash: String,
    pub classification: kean_core::confidentiality::Classification,
    pub note: Option<String>,
    pub uploader: String,
    pub uploaded_at: String,
    pub removed_by: Option<String>,
    pub removed_at: Option<String>,
}

/// A request to export or download a dataset's important or core data
/// (数据导出审批).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataExport {
    pub id: i64,
    pub dataset_id: i64,
    pub purpose: String,
    pub recipient: String,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    pub requested_by: i64,
    pub requester: String,
    pub requested_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub note: Option<String>,
    /// The last day an approval may be used (inclusive), `YYYY-MM-DD`.
    pub valid_until: Option<String>,
}

/// A record written whose follow-up work is pending (`pending_work`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkItem {
    pub kind: kean_core::Kind,
    pub record_id: i64,
    /// The write it follows (a later write of the record is a new item).
    pub written_at: String,
}

// ---------------- projects and the security gates (issue 14) ----------------

/// A project's move from one stage to another, applied only if the project
/// is still at `from` (else `VersionMismatch`: someone moved it first).
#[derive(Debug, Clone)]
pub struct StageChange {
    pub project_id: i64,
    pub from: kean_core::lifecycle::Stage,
    pub to: kean_core::lifecycle::Stage,
    pub transition: kean_core::lifecycle::Transition,
    pub reason: String,
    /// The review whose decision made it.
    pub review_id: Option<i64>,
}

/// One transition as recorded (`project_events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEvent {
    pub id: i64,
    pub project_id: i64,
    pub transition: String,
    pub from_stage: String,
    pub to_stage: String,
    pub reason: String,
    pub review_id: Option<i64>,
    pub actor: String,
    pub at: String,
}

/// A participant, foreign partner or team member of a project.
#[derive(Debug, Clone)]
pub struct NewProjectParty {
    pub project_id: i64,
    /// `participant`, `foreign_partner` or `member`.
    pub role: String,
    pub org_id: Option<i64>,
    pub person_id: Option<i64>,
    pub name: String,
    /// ISO 3166 alpha-2.
    pub country: String,
    /// A member's duty on the team (负责人, 骨干 …).
    pub duty: Option<String>,
    pub since: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectParty {
    pub id: i64,
    pub project_id: i64,
    pub role: String,
    pub org_id: Option<i64>,
    pub person_id: Option<i64>,
    pub name: String,
    pub country: String,
    pub duty: Option<String>,
    pub since: String,
    pub until: Option<String>,
    pub added_by: String,
    pub removed_by: Option<String>,
}

/// A person's declaration of conflicts of interest and foreign roles,
/// dated (renewed yearly).
#[derive(Debug, Clone)]
pub struct NewDisclosure {
    pub person_id: i64,
    pub declared_on: String,
    pub conflicts: String,
    pub foreign_roles: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    pub id: i64,
    pub person_id: i64,
    pub declared_on: String,
    pub conflicts: String,
    pub foreign_roles: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A review to open at a gate.
#[derive(Debug, Clone)]
pub struct NewReview {
    pub gate: kean_core::lifecycle::Gate,
    pub kind: Kind,
    pub record_id: i64,
    pub applicant_org_id: Option<i64>,
    /// When an R&D control check is due.
    pub due_on: Option<String>,
    /// The findings when it opened (JSON array of `Finding`).
    pub findings: String,
}

/// A review at one of the three gates, open or decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateReview {
    pub id: i64,
    pub gate: kean_core::lifecycle::Gate,
    pub kind: Kind,
    pub record_id: i64,
    pub applicant_org_id: Option<i64>,
    /// `open`, `awaiting_second`, `decided`, or `closed` (an R&D check
    /// left when its project ended).
    pub state: String,
    pub opened_at: String,
    pub opened_by: String,
    pub due_on: Option<String>,
    pub findings: String,
    pub licence_no: Option<String>,
    pub first_decision: Option<String>,
    pub first_reasons: Option<String>,
    pub first_reviewer_id: Option<i64>,
    pub first_reviewer: Option<String>,
    pub decision: Option<String>,
    pub reasons: Option<String>,
    pub conditions: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    /// The checklist version the answers were given on, the answers (JSON
    /// object of requirement id → answer) and the score in per mille.
    pub framework_id: Option<i64>,
    pub answers: Option<String>,
    pub score_permille: Option<i64>,
}

impl GateReview {
    pub fn is_open(&self) -> bool {
        matches!(self.state.as_str(), "open" | "awaiting_second")
    }
}

/// Which reviews to list.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub gate: Option<kean_core::lifecycle::Gate>,
    /// `open` (open or awaiting a second reviewer), `decided`, or all.
    pub open: Option<bool>,
    pub record: Option<(Kind, i64)>,
    /// Only reviews of records of this organization.
    pub applicant_org_id: Option<i64>,
    /// Decided with one of these (none: any).
    pub decisions: Vec<String>,
    /// Opened on or after / on or before these days (`YYYY-MM-DD`).
    pub opened_from: Option<String>,
    pub opened_to: Option<String>,
    /// Open and due before this day (`YYYY-MM-DD`): overdue then.
    pub due_before: Option<String>,
    /// Only those with a blocking finding when last computed.
    pub blocked: bool,
    /// Only those the asking account may decide now (applied by the
    /// application, which knows the account).
    pub mine: bool,
    pub limit: u32,
}

/// A reviewer's decision as the store records it.
#[derive(Debug, Clone)]
pub struct ReviewDecision {
    pub id: i64,
    /// The state the review must still be in.
    pub expected_state: String,
    /// `false`: a high-risk review's first decision (awaiting a second).
    pub is_final: bool,
    pub decision: kean_core::lifecycle::Decision,
    pub reasons: String,
    pub conditions: String,
    pub note: String,
    /// The findings the reviewer saw (JSON).
    pub findings: String,
    /// The checklist answered: framework version, answers (JSON), score.
    pub checklist: Option<(i64, String, i64)>,
}

/// A version of an assessment framework (a gate's checklist, a platform's
/// security assessment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameworkVersion {
    pub id: i64,
    pub code: String,
    pub version_no: i64,
    pub title: String,
    pub edition: String,
    pub content: String,
    pub imported_by: String,
    pub imported_at: String,
}

/// A new version of a technology dictionary.
#[derive(Debug, Clone)]
pub struct NewDictionaryVersion {
    /// `chokepoint` or `export_control`.
    pub dictionary: String,
    pub label: String,
    pub source_name: String,
    /// The whole dictionary in kean's own CSV format.
    pub content: String,
    pub items: i64,
    /// Item keys added, changed and removed against the previous version (JSON arrays).
    pub added: String,
    pub changed: String,
    pub removed: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictionaryVersion {
    pub id: i64,
    pub dictionary: String,
    pub version_no: i64,
    pub label: String,
    pub source_name: String,
    pub content: String,
    pub items: i64,
    pub added: String,
    pub changed: String,
    pub removed: String,
    pub imported_by: String,
    pub imported_at: String,
}

/// A classifier's suggestion linking a record to a dictionary item.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub dictionary: String,
    pub item_code: String,
    pub item_name: String,
    pub score_milli: i64,
    pub matched_terms: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechLink {
    pub id: i64,
    pub kind: Kind,
    pub record_id: i64,
    pub dictionary: String,
    pub item_code: String,
    pub item_name: String,
    pub score_milli: i64,
    pub matched_terms: String,
    /// `suggested`, `confirmed` or `rejected`.
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// What a new submission proposes (填报), as the application decided it.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub kind: kean_core::Kind,
    pub operation: kean_core::submission::Operation,
    /// The record it changes (update, archive, restore).
    pub record_id: Option<i64>,
    /// That record's version when the submitter read it.
    pub base_version: Option<i64>,
    /// The organization it belongs to (the records' owner).
    pub org_id: i64,
    /// The highest level of what it holds.
    pub level: kean_core::confidentiality::Classification,
    /// The proposed values: `{"fields": {name: input text}}` for one record,
    /// `{"rows": [{…}, …], "lines": [n, …]}` for an import.
    pub payload: serde_json::Value,
    /// The record's values when the submitter read it (input texts).
    pub before: Option<serde_json::Value>,
    /// The fields the submission changes, in schema order.
    pub changed: Vec<String>,
    /// What people call it: the record's label, or the file's name.
    pub label: String,
    pub file_name: Option<String>,
    pub content_hash: Option<String>,
    pub row_count: i64,
}

/// A submission as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: i64,
    pub kind: kean_core::Kind,
    pub operation: kean_core::submission::Operation,
    pub record_id: Option<i64>,
    pub base_version: Option<i64>,
    pub org_id: i64,
    pub level: kean_core::confidentiality::Classification,
    pub payload: serde_json::Value,
    pub before: Option<serde_json::Value>,
    pub changed: Vec<String>,
    pub label: String,
    pub file_name: Option<String>,
    pub content_hash: Option<String>,
    pub row_count: i64,
    pub status: kean_core::submission::SubmissionStatus,
    /// How many times it was submitted (1, then 2 after a resubmission …).
    pub round: i64,
    pub submitted_by: i64,
    pub submitter: String,
    pub submitted_at: String,
    pub decided_by: Option<i64>,
    pub decider: Option<String>,
    pub decided_at: Option<String>,
    /// The reasons of the last return.
    pub reasons: Option<String>,
    /// The records an approval wrote.
    pub result_ids: Vec<i64>,
    pub version: i64,
    pub updated_at: String,
}

/// One step in a submission's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionEvent {
    pub step: String,
    pub actor_id: i64,
    pub actor: String,
    pub at: String,
    /// Reasons of a return.
    pub note: Option<String>,
    /// The fields a (re)submission changed.
    pub changed: Vec<String>,
}

/// Which submissions a list asks for (inside the reader's scope).
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    /// None: every status.
    pub statuses: Vec<kean_core::submission::SubmissionStatus>,
    pub org_id: Option<i64>,
    pub kind: Option<kean_core::Kind>,
    /// The submissions about one record.
    pub record_id: Option<i64>,
    /// The imports of one file (its SM3).
    pub content_hash: Option<String>,
    pub page: u32,
    pub page_size: u32,
}

/// What an approval writes, in the approving transaction.
#[derive(Debug, Clone)]
pub enum SubmissionApply {
    Insert {
        fields: kean_core::Fields,
        owner: Option<i64>,
    },
    Update {
        id: i64,
        version: i64,
        fields: kean_core::Fields,
        owner: Option<i64>,
    },
    Import {
        rows: Vec<(kean_core::Fields, Option<i64>)>,
        import: NewImport,
    },
    SetArchived {
        kind: kean_core::Kind,
        id: i64,
        archived: bool,
    },
}

/// Pending submissions of one organization and kind (the review queue's
/// summary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCount {
    pub org_id: i64,
    pub kind: kean_core::Kind,
    pub pending: i64,
}

/// One of an account's API tokens (its SM3 hash names it; the token itself
/// is never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub token_hash: String,
    pub created_at: String,
    /// The last request made with it (noted at most once a minute).
    pub last_used_at: Option<String>,
    pub expires_at: String,
}
