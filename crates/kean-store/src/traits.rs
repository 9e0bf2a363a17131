//! The store's traits, one per capability; [`Store`] is all of them.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use kean_core::audit::{AuditDraft, AuditEntry, StoredRecord};
use kean_core::audit_seal::{ArchiveAnchor, Checkpoint};
use kean_core::{Fields, Kind, Record, Scope, Value};

use crate::error::Result;
use crate::screening::{
    BulkOutcome, DecisionItem, ListChange, ListInfo, ListVersion, NewListEntry, PartyRow, PartyState, RescreenFigures,
    ResultDecision, ResultFilter, ResultRow, ResultStatus, ScreenedParty, ScreeningSummary, StoredEntry,
    VocabularyChange, VocabularyEntry, VocabularyVersion,
};
use crate::types::{
    AggRow, AuditFilter, AuditSeals, AuditStatus, Backend, GroupBy, ImportRecord, KeyRow, ListQuery, NewImport,
    NewUser, Page, SessionRow, Taken, TotpState, UploadQuota, User, UserChange, WriteMeta,
};
use crate::types::{Attachment, ControlRow, DataExport, LevelChange, NeedToKnow, NewAttachment, WorkItem};
use crate::types::{
    DictionaryVersion, Disclosure, FrameworkVersion, GateReview, NewDictionaryVersion, NewDisclosure, NewLink,
    NewProjectParty, NewReview, ProjectEvent, ProjectParty, ReviewDecision, ReviewFilter, StageChange, TechLink,
};
use crate::types::{NewSubmission, QueueCount, Submission, SubmissionApply, SubmissionEvent, SubmissionFilter};

/// Everything the application uses: the registry, accounts, audit, and
/// screening lists and results.
#[async_trait]
pub trait Store:
    RegistryRead
    + RegistryWrite
    + AccountStore
    + AuditStore
    + ScreeningListStore
    + ScreeningResultStore
    + MaintenanceStore
    + ConfidentialityStore
    + DataStore
    + WorkStore
    + LifecycleStore
    + VocabularyStore
    + SubmissionStore
    + Send
    + Sync
{
    fn backend(&self) -> Backend;
}

/// Registry reads, always scoped.
#[async_trait]
pub trait RegistryRead: Send + Sync {
    async fn get(&self, kind: Kind, id: i64, scope: Scope) -> Result<Option<Record>>;
    async fn list(&self, kind: Kind, query: &ListQuery, scope: Scope) -> Result<Page<Record>>;
    /// Display labels of the given ids of each kind, each kind's ids read
    /// only inside its scope (one statement for all kinds).
    async fn labels(&self, wanted: &[(Kind, Vec<i64>, Scope)]) -> Result<HashMap<(Kind, i64), String>>;
    /// Up to `limit` active records as (id, label) for pickers, by label.
    async fn options(&self, kind: Kind, scope: Scope, limit: u32) -> Result<Vec<(i64, String)>>;
    /// The owning organization of a record inside `scope` and whether it
    /// is archived: `None` if there is no such record (owner `None` for
    /// reference data).
    async fn owner_of(&self, kind: Kind, id: i64, scope: Scope) -> Result<Option<(Option<i64>, bool)>>;
    async fn count(&self, kind: Kind, scope: Scope) -> Result<i64>;
    /// Counts and sums over the records a query selects (paging and sort
    /// ignored), grouped as asked, inside `scope`.
    async fn aggregate(
        &self,
        kind: Kind,
        query: &ListQuery,
        group: GroupBy,
        sums: &[&'static str],
        scope: Scope,
    ) -> Result<Vec<AggRow>>;

    /// The id and the given fields (as text) of every record of `kind`
    /// inside `scope`, archived ones included — for resolving references
    /// written as names or codes.
    /// Returns (id, owning organization, values).
    async fn keys(&self, kind: Kind, fields: &[&'static str], scope: Scope) -> Result<Vec<KeyRow>>;
    /// Which of `values` the unique field `field` already holds. Uniqueness
    /// is global, so every record counts, but the answer says which of them
    /// `scope` reads ([`Taken::visible`]) and which it does not
    /// ([`Taken::hidden`]): the caller tells the actor no more about the
    /// latter than that the value is taken.
    async fn existing_values(
        &self,
        kind: Kind,
        field: &'static str,
        values: &[Value],
        scope: Scope,
    ) -> Result<Taken<String>>;
    /// The value combinations of `fields` already stored, split like
    /// [`RegistryRead::existing_values`].
    async fn existing_combos(
        &self,
        kind: Kind,
        fields: &[&'static str],
        scope: Scope,
    ) -> Result<Taken<Vec<Option<String>>>>;
    /// The latest import of a file with this content, among the imports
    /// made by accounts inside `scope` (an organization-scoped actor learns
    /// nothing of other organizations' imports).
    async fn find_import(&self, kind: Kind, content_hash: &str, scope: Scope) -> Result<Option<ImportRecord>>;
}

/// Registry writes, each one transaction with its audit record.
#[async_trait]
pub trait RegistryWrite: Send + Sync {
    /// Inserts all rows in one transaction, each with its audit record, and
    /// records the import; all or nothing. `progress` hears how many rows
    /// are written so far.
    async fn insert_many(
        &self,
        kind: Kind,
        rows: &[(Fields, Option<i64>)],
        import: &NewImport,
        meta: &WriteMeta,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<i64>>;
    async fn insert(&self, fields: &Fields, owner_org_id: Option<i64>, meta: &WriteMeta) -> Result<Record>;
    /// Replaces the fields of a record inside `scope`, if it is still at
    /// `expected_version` (when given).
    async fn update(
        &self,
        id: i64,
        expected_version: Option<i64>,
        fields: &Fields,
        owner_org_id: Option<i64>,
        scope: Scope,
        meta: &WriteMeta,
    ) -> Result<Record>;
    async fn set_archived(&self, kind: Kind, id: i64, archived: bool, scope: Scope, meta: &WriteMeta)
    -> Result<Record>;
}

/// Users, sessions and staged uploads.
#[async_trait]
pub trait AccountStore: Send + Sync {
    async fn create_user(&self, user: &NewUser, meta: &WriteMeta) -> Result<User>;
    async fn user_by_username(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    async fn list_users(&self) -> Result<Vec<User>>;
    /// Records a failed login (and the lock, if one starts) with its audit entry.
    async fn record_login_failure(&self, user_id: i64, locked_until: Option<&str>, meta: &WriteMeta) -> Result<()>;
    /// Creates a session after a successful login, resets the failure count
    /// and audits the login, in one transaction.
    async fn create_session(&self, token_hash: &str, row: &SessionRow, meta: &WriteMeta) -> Result<()>;
    /// A session and its user, in one statement (every request asks).
    async fn session(&self, token_hash: &str) -> Result<Option<(SessionRow, User)>>;
    /// Notes a session's latest request (the idle timeout counts from it).
    async fn touch_session(&self, token_hash: &str, at: &str) -> Result<()>;
    /// A session's second factor was given, or its holder authenticated
    /// again: its stage becomes `full` and `authenticated_at` the time of
    /// `meta`, audited as `action`.
    async fn session_authenticated(&self, token_hash: &str, action: &str, meta: &WriteMeta) -> Result<()>;
    /// The account's current password hash and those of its history, newest first.
    async fn password_hashes(&self, user_id: i64) -> Result<(String, Vec<String>)>;
    async fn totp_state(&self, user_id: i64) -> Result<TotpState>;
    /// Keeps a new, not yet confirmed TOTP secret (replacing a pending one;
    /// an enabled one is left alone and `false` answered).
    async fn set_pending_totp(&self, user_id: i64, secret: &str) -> Result<bool>;
    /// Confirms the pending secret (accepting time step `step`) and stores
    /// the recovery codes' hashes, replacing any earlier ones; audited.
    async fn enable_totp(&self, user_id: i64, step: i64, code_hashes: &[String], meta: &WriteMeta) -> Result<()>;
    /// Accepts time step `step` if it is later than the last one accepted
    /// (a code is good once): whether it was.
    async fn accept_totp_step(&self, user_id: i64, step: i64) -> Result<bool>;
    /// The hashes of the account's unused recovery codes.
    async fn recovery_code_hashes(&self, user_id: i64) -> Result<Vec<String>>;
    /// Marks a recovery code used: whether it was still unused (audited).
    async fn use_recovery_code(&self, user_id: i64, code_hash: &str, meta: &WriteMeta) -> Result<bool>;
    /// The account's own logins, failed logins and logouts, newest first.
    async fn login_history(&self, user_id: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Keeps an uploaded file until its owner confirms the import (and
    /// drops uploads older than `expire_before`). It replaces the user's
    /// earlier upload for the same kind; if the user's staged uploads, or
    /// all users' together, would then hold more bytes than `quota` allows,
    /// nothing changes and the answer is [`crate::StoreError::QuotaExceeded`].
    #[allow(clippy::too_many_arguments)]
    async fn put_upload(
        &self,
        token_hash: &str,
        user_id: i64,
        kind: Kind,
        file_name: &str,
        content: &[u8],
        at: &str,
        expire_before: &str,
        quota: UploadQuota,
    ) -> Result<()>;
    /// An upload, only for the user who made it, and only if it was made
    /// at or after `not_before` (older ones have lapsed, whether or not a
    /// later upload has swept them away yet).
    async fn get_upload(
        &self,
        token_hash: &str,
        user_id: i64,
        not_before: &str,
    ) -> Result<Option<(Kind, String, Vec<u8>)>>;
    async fn delete_upload(&self, token_hash: &str) -> Result<()>;
    /// Changes an account (unlock, enable/disable, new password), audited;
    /// disabling or a new password also ends the user's sessions.
    async fn change_user(&self, user_id: i64, change: &UserChange, meta: &WriteMeta) -> Result<User>;
    async fn delete_session(&self, token_hash: &str, meta: &WriteMeta) -> Result<()>;
    /// The account's telephone and e-mail (个人中心).
    async fn contact(&self, user_id: i64) -> Result<(Option<String>, Option<String>)>;
    /// The holder's own display name, telephone and e-mail, audited
    /// `profile_update` with the values before and after.
    async fn update_profile(
        &self,
        user_id: i64,
        display_name: &str,
        phone: Option<&str>,
        email: Option<&str>,
        meta: &WriteMeta,
    ) -> Result<()>;
    /// The account's API tokens not yet expired at `now`, newest first.
    async fn api_tokens(&self, user_id: i64, now: &str) -> Result<Vec<crate::types::ApiToken>>;
    /// Revokes one of the account's API tokens (audited `token_revoke`):
    /// whether there was such a token of this account.
    async fn revoke_api_token(&self, user_id: i64, token_hash: &str, meta: &WriteMeta) -> Result<bool>;
}

/// The audit chain.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends an audit record that has no data change of its own
    /// (for example a refused login).
    async fn append_audit(&self, draft: AuditDraft) -> Result<AuditEntry>;
    /// Appends several such records in one transaction.
    async fn append_audits(&self, drafts: Vec<AuditDraft>) -> Result<()>;
    /// How many audit records of `action` the account `actor_id` has made at
    /// or after `since` (a stored timestamp).
    async fn count_actions(&self, actor_id: i64, action: &str, since: &str) -> Result<i64>;
    /// Newest first.
    async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>>;
    /// The records matching `filter` inside the scope's audit reach
    /// (`Scope::audit_reach`), newest first, a counted page.
    async fn audit_search(
        &self,
        filter: &AuditFilter,
        scope: Scope,
        page: u32,
        page_size: u32,
    ) -> Result<Page<AuditEntry>>;
    /// The same, uncounted: at most `limit` records, newest first, before
    /// `filter.before_seq` (for exports, read on by sequence number).
    async fn audit_find(&self, filter: &AuditFilter, scope: Scope, limit: u32) -> Result<Vec<AuditEntry>>;
    /// The chain head and the last signed checkpoint.
    async fn audit_status(&self) -> Result<AuditStatus>;
    /// In sequence order, from `after_seq` (exclusive), at most `limit`.
    async fn audit_range(&self, after_seq: i64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// Like [`AuditStore::audit_range`], `before` and `after` as their
    /// stored JSON text (for verification, which need not parse them).
    async fn audit_range_stored(&self, after_seq: i64, limit: u32) -> Result<Vec<StoredRecord>>;
    /// The chain head: the last record's sequence number and hash, as the
    /// write path keeps them (`audit_head`).
    async fn audit_head(&self) -> Result<(i64, String)>;
    /// The chain's seals: the public key, every signed checkpoint and
    /// archived segment's anchor; `None` on a database before migration 0016.
    async fn audit_seals(&self) -> Result<Option<AuditSeals>>;
    /// Signs a checkpoint at the chain head now (`kean audit checkpoint`);
    /// `None` when the log is empty or the database has no key.
    async fn audit_checkpoint(&self) -> Result<Option<Checkpoint>>;
    /// The first event at or after `from` and the last before `to` (stored
    /// timestamps), still in the log; `None` if there is none.
    async fn audit_seq_range(&self, from: &str, to: &str) -> Result<Option<(i64, i64)>>;
    /// A signed segment of events `first..=last` (`kean_core::audit_seal::write_segment`),
    /// `from` and `to` as asked: its text and anchor.
    async fn audit_segment(&self, first: i64, last: i64, from: &str, to: &str) -> Result<(String, ArchiveAnchor)>;
    /// Keeps an archived segment's anchor and removes its events from the
    /// log, with `draft` (the archiving's own audit record), in one
    /// transaction; refused unless the segment continues the archives
    /// before it and its last hash is the stored event's.
    async fn audit_forget(
        &self,
        anchor: &ArchiveAnchor,
        file_name: &str,
        file_sm3: &str,
        draft: AuditDraft,
    ) -> Result<()>;
}

/// What backups and restores ask of a database (the operator's, through
/// the system access).
#[async_trait]
pub trait MaintenanceStore: Send + Sync {
    /// The highest applied migration, or `None` when the database has no
    /// `schema_migrations` table (not a kean database, or an empty one).
    async fn schema_version(&self) -> Result<Option<i64>>;
    /// Every registry kind and how many records (active and archived) it holds.
    async fn kind_counts(&self) -> Result<Vec<(kean_core::Kind, i64)>>;
    /// How many tables the database has (0: empty).
    async fn table_count(&self) -> Result<i64>;
    /// SQLite: writes a consistent copy of the database to `path`
    /// (`VACUUM INTO`), while writers go on.
    async fn vacuum_into(&self, path: &str) -> Result<()>;
    /// PostgreSQL: the server's `server_version_num` (150018 for 15.18).
    async fn server_version_num(&self) -> Result<i64>;
    /// Closes the pool; on SQLite after checkpointing the WAL into the file.
    async fn close_checkpointed(&self);
}

/// Restricted-party lists and their versions.
#[async_trait]
pub trait ScreeningListStore: Send + Sync {
    /// Grows with every list version imported (0 before the first): the
    /// screening index is rebuilt when it changes.
    async fn list_generation(&self) -> Result<i64>;

    /// The current version of every entry of one list (or of every list).
    async fn current_entries(&self, list_id: Option<i64>) -> Result<Vec<StoredEntry>>;

    async fn entry(&self, id: i64) -> Result<Option<StoredEntry>>;

    /// Every version of one entry of a list, oldest first.
    async fn entry_versions(&self, list_id: i64, entry_key: &str) -> Result<Vec<StoredEntry>>;

    async fn restricted_lists(&self) -> Result<Vec<ListInfo>>;

    async fn list_versions(&self, list_id: i64) -> Result<Vec<ListVersion>>;

    async fn list_version(&self, version_id: i64) -> Result<Option<ListVersion>>;

    async fn list_changes(
        &self,
        version_id: i64,
        change: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ListChange>>;

    /// Stores a new version of the list `code` (created on first import):
    /// entries not in the current version are added, entries whose content
    /// differs become new entry versions, entries missing are removed. One
    /// transaction with its audit record.
    async fn import_list_version(
        &self,
        code: &str,
        format: &str,
        file_name: &str,
        content_hash: &str,
        entries: &[NewListEntry],
        meta: &WriteMeta,
    ) -> Result<ListVersion>;

    /// The entry versions a list version added (new or changed entries).
    async fn version_entry_ids(&self, version_id: i64) -> Result<HashSet<i64>>;

    /// Keeps what the re-screening after a list version did with the version.
    async fn record_version_rescreen(&self, version_id: i64, figures: RescreenFigures) -> Result<()>;
}

/// Screening results: what runs found and reviewers decided.
#[async_trait]
pub trait ScreeningResultStore: Send + Sync {
    /// The id, owner, archived flag and given fields (as text) of records of
    /// `kind` inside `scope` — all of them, or those in `ids`.
    async fn screening_parties(
        &self,
        kind: Kind,
        fields: &[&'static str],
        ids: Option<&[i64]>,
        scope: Scope,
    ) -> Result<Vec<PartyRow>>;

    /// Records what screening found for these parties against list
    /// `generation`: new matches open results, results no longer found lapse,
    /// results found again are kept with their decisions. One transaction,
    /// each opened or lapsed result audited.
    ///
    /// With `only_entries` (a list version's new entry versions) the run is
    /// about that version alone: only matches on those entries open results,
    /// and results on other entries are kept unless their entry ended or the
    /// party changed — so a new version of one list never moves results on
    /// entries it did not touch.
    async fn record_screening(
        &self,
        results: &[ScreenedParty],
        generation: i64,
        only_entries: Option<&HashSet<i64>>,
        meta: &WriteMeta,
    ) -> Result<ScreeningSummary>;

    /// Results inside `scope` (by the screened record's owner), newest first.
    async fn results(&self, filter: &ResultFilter, scope: Scope) -> Result<Page<ResultRow>>;

    /// A result, if it is inside `scope`.
    async fn result(&self, id: i64, scope: Scope) -> Result<Option<ResultRow>>;

    /// Count of results per status inside `scope`.
    async fn result_counts(&self, scope: Scope) -> Result<Vec<(ResultStatus, i64)>>;

    /// When a record's parties were screened; nothing when the record is
    /// not inside `scope`.
    async fn party_states(&self, kind: Kind, id: i64, scope: Scope) -> Result<Vec<PartyState>>;

    /// Confirms or dismisses a result that is not lapsed, if it is still at
    /// `expected_version` (when given); audited.
    async fn decide_result(
        &self,
        id: i64,
        expected_version: Option<i64>,
        decision: ResultDecision,
        reason: &str,
        meta: &WriteMeta,
    ) -> Result<ResultRow>;

    /// One decision with one reason for several open results of one party
    /// (the same record and field), all or nothing: every result must be
    /// inside `scope`, open and still at the version given, else nothing is
    /// written and the first one in the way is named. Each result is
    /// updated and audited on its own, in one transaction.
    async fn decide_results(
        &self,
        items: &[DecisionItem],
        decision: ResultDecision,
        reason: &str,
        scope: Scope,
        meta: &WriteMeta,
    ) -> Result<BulkOutcome>;
}

/// Screening lists and results together (the name the application knew).
pub trait ScreeningStore: ScreeningListStore + ScreeningResultStore {}

impl<T: ScreeningListStore + ScreeningResultStore + ?Sized> ScreeningStore for T {}

/// Need-to-know lists and settings (issue 12).
#[async_trait]
pub trait ConfidentialityStore: Send + Sync {
    /// The control records of `kind`'s records classified above 内部, newest
    /// first, archived ones included. Unscoped: only the security
    /// administrator's gate calls it.
    async fn control_records(&self, kind: Kind) -> Result<Vec<ControlRow>>;
    /// The accounts on the need-to-know list of a record of `kind`.
    async fn need_to_know(&self, kind: Kind, id: i64) -> Result<Vec<NeedToKnow>>;
    /// Puts an account on the list (`member`) or takes it off, audited
    /// (`need_to_know_add` / `need_to_know_remove`); false when nothing
    /// changed. `NotFound` when the record or the account does not exist.
    async fn set_need_to_know(&self, kind: Kind, id: i64, user_id: i64, member: bool, meta: &WriteMeta)
    -> Result<bool>;
    /// Records a proposed change of a record's level (audited
    /// `level_change_proposed`).
    async fn propose_level_change(
        &self,
        kind: Kind,
        id: i64,
        from: kean_core::confidentiality::Classification,
        to: kean_core::confidentiality::Classification,
        reasons: &str,
        meta: &WriteMeta,
    ) -> Result<LevelChange>;
    /// Changes of level, newest first: those in `state` (all when None).
    async fn level_changes(&self, state: Option<&str>) -> Result<Vec<LevelChange>>;
    async fn level_change(&self, id: i64) -> Result<Option<LevelChange>>;
    /// Approves (applying `control`, the record's new control fields, in
    /// the same transaction, audited as the record's `update`) or rejects
    /// a proposed change (audited `level_change_approved` /
    /// `level_change_rejected`). `VersionMismatch` when the change is no
    /// longer proposed or the record's level is no longer its `from`.
    async fn decide_level_change(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        control: &[(&'static str, Option<String>)],
        meta: &WriteMeta,
    ) -> Result<LevelChange>;
    async fn setting(&self, name: &str) -> Result<Option<String>>;
    /// Sets a setting, audited (`set_setting`, before and after).
    async fn set_setting(&self, name: &str, value: &str, meta: &WriteMeta) -> Result<()>;
}

/// Attachments of records and approvals of important data's export
/// (issue 12). Unscoped: the application's gate decides who reaches them.
#[async_trait]
pub trait DataStore: Send + Sync {
    /// Attaches a file to a record, audited (`attachment_add`); its content
    /// is stored once per hash. `NotFound` when the record does not exist.
    async fn add_attachment(&self, file: &NewAttachment, meta: &WriteMeta) -> Result<Attachment>;
    /// The attachments of a record not removed, oldest first.
    async fn attachments(&self, kind: Kind, record_id: i64) -> Result<Vec<Attachment>>;
    /// One attachment, removed or not.
    async fn attachment(&self, id: i64) -> Result<Option<Attachment>>;
    /// The content of an attachment.
    async fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>>;
    /// Removes an attachment from its record, audited
    /// (`attachment_remove`); the row and the content stay for the audit
    /// log. `NotFound` when it is gone already.
    async fn remove_attachment(&self, id: i64, meta: &WriteMeta) -> Result<Attachment>;
    /// Records a request to export a dataset's data (audited
    /// `data_export_requested`).
    async fn request_data_export(
        &self,
        dataset_id: i64,
        purpose: &str,
        recipient: &str,
        meta: &WriteMeta,
    ) -> Result<DataExport>;
    /// Requests, newest first: those in `state` (all when None), of one
    /// requester (all when None).
    async fn data_exports(&self, state: Option<&str>, requested_by: Option<i64>) -> Result<Vec<DataExport>>;
    async fn data_export(&self, id: i64) -> Result<Option<DataExport>>;
    /// Approves (usable until `valid_until`) or rejects a pending request,
    /// audited (`data_export_approved` / `data_export_rejected`).
    /// `VersionMismatch` when it is no longer pending.
    async fn decide_data_export(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        valid_until: &str,
        meta: &WriteMeta,
    ) -> Result<DataExport>;
}

/// The bureau's own screening vocabulary (issue 13), versioned.
#[async_trait]
pub trait VocabularyStore: Send + Sync {
    /// The bureau's own vocabulary: its current version number (0 before
    /// the first change) and current entries, by word.
    async fn vocabulary(&self) -> Result<(i64, Vec<VocabularyEntry>)>;

    /// The vocabulary's versions (its changes), newest first, at most `limit`.
    async fn vocabulary_versions(&self, limit: u32) -> Result<Vec<VocabularyVersion>>;

    /// Adds, edits or removes one entry: a new version, audited, in one
    /// transaction that also raises the list generation (every process
    /// rebuilds its indexes) and marks every active record of the followed
    /// kinds in the outbox (every party is screened again). An addition of
    /// a word already there is `Duplicate { field: "word" }`; an edit or
    /// removal of a word not there is `NotFound`; an edit changing nothing
    /// is `NoChange`.
    async fn change_vocabulary(&self, change: &VocabularyChange, meta: &WriteMeta) -> Result<VocabularyVersion>;
}

/// The outbox of follow-up work (issue 11): records written whose
/// follow-up (screening) is not known to be done.
#[async_trait]
pub trait WorkStore: Send + Sync {
    /// Claims up to `limit` records written before `written_before` whose
    /// work nobody holds (or whose holder's lease ended before `now`),
    /// oldest first, leasing them until `lease_until`.
    async fn claim_work(&self, now: &str, lease_until: &str, written_before: &str, limit: u32)
    -> Result<Vec<WorkItem>>;
    /// The work of these writes is done (a record written again since keeps
    /// its newer mark).
    async fn complete_work(&self, items: &[WorkItem]) -> Result<()>;
    /// The work failed: tried again after `retry_at`.
    async fn fail_work(&self, items: &[WorkItem], error: &str, retry_at: &str) -> Result<()>;
    async fn pending_work_count(&self) -> Result<i64>;
}

/// Projects' lifecycle, the three gates' reviews, the technology
/// dictionaries and the links of records to their items (issue 14). Every
/// change is audited in its transaction; reads are unscoped — the
/// application reaches them only through records its gate let it read.
#[async_trait]
pub trait LifecycleStore: Send + Sync {
    /// Moves a project (`project_transition`, with a `project_events` row)
    /// if it is still at `change.from`, and opens `open` (the R&D control
    /// started with it) in the same transaction. `VersionMismatch` when the
    /// project has moved, `NotFound` when there is none.
    async fn move_project(
        &self,
        change: &StageChange,
        open: Option<&NewReview>,
        meta: &WriteMeta,
    ) -> Result<ProjectEvent>;
    /// A project's transitions, oldest first.
    async fn project_events(&self, project_id: i64) -> Result<Vec<ProjectEvent>>;
    /// Adds a participant, foreign partner or team member (`project_party_add`).
    async fn add_project_party(&self, party: &NewProjectParty, meta: &WriteMeta) -> Result<ProjectParty>;
    /// Ends a party's part in a project (`project_party_remove`); the row stays.
    async fn remove_project_party(&self, id: i64, meta: &WriteMeta) -> Result<ProjectParty>;
    async fn project_party(&self, id: i64) -> Result<Option<ProjectParty>>;
    /// A project's parties, current ones only unless `with_past`.
    async fn project_parties(&self, project_id: i64, with_past: bool) -> Result<Vec<ProjectParty>>;
    /// Records a person's disclosure (`disclosure_add`).
    async fn add_disclosure(&self, d: &NewDisclosure, meta: &WriteMeta) -> Result<Disclosure>;
    /// The disclosures of these persons, newest first.
    async fn disclosures(&self, person_ids: &[i64]) -> Result<Vec<Disclosure>>;
    /// Opens a review at a gate (`gate_review_open`).
    async fn open_review(&self, review: &NewReview, meta: &WriteMeta) -> Result<GateReview>;
    async fn review(&self, id: i64) -> Result<Option<GateReview>>;
    /// Reviews, newest first.
    async fn reviews(&self, filter: &ReviewFilter) -> Result<Vec<GateReview>>;
    /// Records a decision (`gate_review_decide`; a first decision of a
    /// high-risk review `gate_review_first`) if the review is still in
    /// `expected_state`, with the project move it makes and the next review
    /// it opens, all in one transaction. `VersionMismatch` otherwise.
    async fn decide_review(
        &self,
        decision: &ReviewDecision,
        change: Option<&StageChange>,
        next: Option<&NewReview>,
        meta: &WriteMeta,
    ) -> Result<GateReview>;
    /// Records the export licence of a transfer's review and its refreshed
    /// findings (`gate_review_licence`).
    async fn record_licence(&self, id: i64, licence_no: &str, findings: &str, meta: &WriteMeta) -> Result<GateReview>;
    /// Adds a version of a dictionary, numbered after the last
    /// (`dictionary_version_add`).
    async fn add_dictionary_version(&self, v: &NewDictionaryVersion, meta: &WriteMeta) -> Result<DictionaryVersion>;
    /// A dictionary's versions, newest first (content included).
    async fn dictionary_versions(&self, dictionary: &str) -> Result<Vec<DictionaryVersion>>;
    /// The newest version of each dictionary.
    async fn latest_dictionaries(&self) -> Result<Vec<DictionaryVersion>>;
    /// Replaces a record's suggested links by these (confirmed and rejected
    /// ones stay as decided), audited (`tech_links_suggested`).
    async fn suggest_links(
        &self,
        kind: Kind,
        record_id: i64,
        links: &[NewLink],
        meta: &WriteMeta,
    ) -> Result<Vec<TechLink>>;
    /// Confirms or rejects a link (`tech_link_confirm` / `tech_link_reject`).
    async fn decide_link(&self, id: i64, confirm: bool, meta: &WriteMeta) -> Result<TechLink>;
    async fn link(&self, id: i64) -> Result<Option<TechLink>>;
    /// A record's links, best first.
    async fn links(&self, kind: Kind, record_id: i64) -> Result<Vec<TechLink>>;
    /// Which of these records an account registered (not kean itself at
    /// the machine: an import, the demo's history).
    async fn registered_by_accounts(&self, kind: Kind, ids: &[i64]) -> Result<Vec<i64>>;
    /// Every confirmed link to a dictionary's items (coverage).
    async fn confirmed_links(&self, dictionary: &str) -> Result<Vec<TechLink>>;
    /// Adds a version of an assessment framework, numbered after the last
    /// of its code (`framework_version_add`).
    async fn add_framework_version(
        &self,
        code: &str,
        title: &str,
        edition: &str,
        content: &str,
        meta: &WriteMeta,
    ) -> Result<FrameworkVersion>;
    /// The newest version of each framework.
    async fn latest_frameworks(&self) -> Result<Vec<FrameworkVersion>>;
    async fn framework_version(&self, id: i64) -> Result<Option<FrameworkVersion>>;
}

/// Reporting with review (填报 → 审核, issue 16): submissions and their
/// steps, each one transaction of the one write path with its audit record
/// (target the submission's registry, record id the record it changes; the
/// submission's id in `after`) and a row of its history. The state machine
/// is `kean_core::submission::next_status`, applied under the write lock;
/// a stale `expected_version` is `VersionMismatch`, a step the status does
/// not allow `Conflict`-like `VersionMismatch` too (the caller re-reads).
#[async_trait]
pub trait SubmissionStore: Send + Sync {
    /// Records a new submission (pending), audited `submission_submit`.
    /// `Duplicate { field: "record_id" }` when the record has an open one.
    async fn submit(&self, new: &NewSubmission, meta: &WriteMeta) -> Result<Submission>;
    /// Replaces an open submission's proposal and makes it pending again
    /// (round + 1), audited `submission_resubmit`.
    async fn resubmit(
        &self,
        id: i64,
        expected_version: Option<i64>,
        new: &NewSubmission,
        meta: &WriteMeta,
    ) -> Result<Submission>;
    /// Withdraws an open submission, audited `submission_withdraw`.
    async fn withdraw_submission(&self, id: i64, expected_version: Option<i64>, meta: &WriteMeta)
    -> Result<Submission>;
    /// Returns a pending submission with reasons, audited `submission_return`.
    async fn return_submission(
        &self,
        id: i64,
        expected_version: Option<i64>,
        reasons: &str,
        meta: &WriteMeta,
    ) -> Result<Submission>;
    /// Approves a pending submission and writes `apply` in the same
    /// transaction (the record's own audit records beside
    /// `submission_approve`). The submitter joins the need-to-know list of
    /// classified records it creates. A failed write (a value taken since,
    /// the record changed since) leaves the submission pending.
    async fn approve_submission(
        &self,
        id: i64,
        expected_version: Option<i64>,
        apply: &SubmissionApply,
        meta: &WriteMeta,
    ) -> Result<Submission>;
    /// Submissions matching `filter` inside `scope` (its organization; its
    /// reader's clearance and need-to-know lists), oldest pending first,
    /// decided ones newest first.
    async fn submissions(&self, filter: &SubmissionFilter, scope: Scope) -> Result<Page<Submission>>;
    /// One submission, if `scope` reaches it.
    async fn submission(&self, id: i64, scope: Scope) -> Result<Option<Submission>>;
    /// The open submission of a record, if any (and `scope` reaches it).
    async fn open_submission(&self, kind: Kind, record_id: i64, scope: Scope) -> Result<Option<Submission>>;
    /// A submission's history, oldest first.
    async fn submission_events(&self, id: i64) -> Result<Vec<SubmissionEvent>>;
    /// Pending submissions per organization and kind inside `scope`.
    async fn queue_counts(&self, scope: Scope) -> Result<Vec<QueueCount>>;
}
