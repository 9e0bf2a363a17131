//! kean-store — where kean's data lives.
//!
//! [`Store`] is the storage trait the application layer talks to. Its one
//! implementation, [`SqlStore`], runs the same SQL on SQLite (the embedded
//! default) and PostgreSQL (for deployments at scale) through sqlx's `Any`
//! driver; the few real differences between the two (DDL, write locking)
//! live in [`Backend`] and the per-backend migration files, not in copies
//! of the queries.
//!
//! The store is mechanism, not policy: it never decides who may do what.
//! Every read takes the [`Scope`] the policy granted and applies it in the
//! query; every write runs in one transaction that also appends the audit
//! record, so a change and its audit entry are committed together or not
//! at all.

mod decide;
mod error;
pub mod screening;
mod search;
mod sql;
mod traits;
mod types;

pub use error::{DbFailure, Result, StoreError};
pub use screening::{
    BulkOutcome, BulkRefusal, DecisionItem, ListChange, ListInfo, ListVersion, NewListEntry, PartyMatch, PartyRow,
    PartyState, RescreenFigures, ResultDecision, ResultFilter, ResultRow, ResultStatus, ScreenedParty,
    ScreeningSummary, StoredEntry, VocabularyAction, VocabularyChange, VocabularyEntry, VocabularyVersion,
};
pub use sql::{SqlStore, latest_schema_version};
pub use traits::{
    AccountStore, AuditStore, ConfidentialityStore, DataStore, LifecycleStore, MaintenanceStore, RegistryRead,
    RegistryWrite, ScreeningListStore, ScreeningResultStore, ScreeningStore, Store, SubmissionStore, VocabularyStore,
    WorkStore,
};
pub use types::{
    AggRow, ApiToken, ArchivedFilter, Attachment, AuditFilter, AuditSeals, AuditStatus, Backend, COUNT_CAP, ControlRow,
    DataExport, GroupBy, ImportRecord, KEYWORD_COUNT_CAP, KeyRow, LevelChange, ListQuery, NeedToKnow, NewAttachment,
    NewImport, NewSubmission, NewUser, Page, QueueCount, SessionRow, Submission, SubmissionApply, SubmissionEvent,
    SubmissionFilter, Taken, TotpState, UploadQuota, User, UserChange, WorkItem, WriteMeta,
};
pub use types::{
    DictionaryVersion, Disclosure, FrameworkVersion, GateReview, NewDictionaryVersion, NewDisclosure, NewLink,
    NewProjectParty, NewReview, ProjectEvent, ProjectParty, ReviewDecision, ReviewFilter, StageChange, TechLink,
};
