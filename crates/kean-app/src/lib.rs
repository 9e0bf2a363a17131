//! kean-app — the application layer between the web/CLI and storage.
//!
//! * [`App`] owns the store and the clock. It hands out an [`Access`] only
//!   from a verified session or token ([`App::authenticate`]) or as the
//!   operator's named, audited system access ([`App::system_access`]); the
//!   store itself is not reachable from outside this crate, so every read
//!   and write goes through `Access`.
//! * [`Access`] asks the policy ([`kean_core::policy::authorize`]) before
//!   each operation and passes the granted scope down into the query.
//! * All writes go through [`Access`] (or, for logins, through [`App`]) and
//!   the store appends the audit record in the same transaction.

mod access;
mod account;
mod audit_seal;
mod audit_search;
mod auth;
mod confidentiality;
mod data;
mod error;
mod import;
mod lifecycle;
mod maintenance;
mod password;
mod probes;
mod screening;
mod stats;
mod submission;
mod throttle;
mod vocabulary;

use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use kean_core::Clock;
use kean_store::Store;

pub use access::{Access, AuditBreak, EXPORT_ROW_CAP, Export, Listing, UserAction};
pub use account::{
    AccountView, Enrolment, LoginEvent, PASSWORD_HISTORY, PreviousLogin, RECOVERY_CODES, Stage, TokenView,
    requires_second_factor, totp_code,
};
pub use audit_seal::{AuditReport, MIN_AUDIT_RETENTION_DAYS, check_retention};
pub use audit_search::{
    AUDIT_EXPORT_CAP, AUDIT_SEARCH_ACTION, AUDIT_VERIFY_ACTION, AuditChainStatus, AuditQuery, audit_query,
};
pub use auth::{LoginOk, SessionKind, Settings};
pub use data::{ExportRequest, Upload};
pub use error::AppError;
pub use import::{FileImport, ImportOutcome, ImportProgress, ImportRow, ImportSource, ImportStage, RowError};
pub use kean_store::latest_schema_version;
pub use kean_store::{
    ArchivedFilter, Attachment, AuditFilter, Backend, ControlRow, DataExport, DecisionItem, DictionaryVersion,
    Disclosure, GateReview, LevelChange, ListChange, ListInfo, ListQuery, ListVersion, NeedToKnow, Page, PartyState,
    ProjectEvent, ProjectParty, QueueCount, ResultDecision, ResultFilter, ResultRow, ResultStatus, ReviewFilter,
    ScreeningSummary, StoredEntry, Submission, SubmissionEvent, SubmissionFilter, TechLink, User, VocabularyAction,
    VocabularyEntry, VocabularyVersion, screening::lapse,
};
pub use lifecycle::{
    CoverageRow, DISCLOSURE_VALID_DAYS, DictionaryImport, PARTY_ROLES, ProjectPanel, ReviewView, dictionary_label,
};
pub use maintenance::DatabaseFacts;
pub use password::random_token;
pub use probes::{PROBE_BUDGET, PROBE_WINDOW};
pub use screening::{
    EntryHit, ListImport, MAX_BULK_DECISION, PARTIES, PartyScreening, PartySpec, SEARCH_LIMIT, SEARCH_THRESHOLD,
    ScreeningRun, THRESHOLD, entry_from_json, entry_json, explanation_detail, explanation_text, followed_kinds,
    read_list, screens,
};
pub use stats::{Bucket, Dashboard, Figure, StatFilter};
pub use submission::{BatchOutcome, IMPORT_ROWS_SHOWN, Saved, SubmissionListing, SubmissionView};
pub use vocabulary::Vocabulary;

pub type Result<T> = std::result::Result<T, AppError>;

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Real time shifted by an offset that only moves forward when told: for
/// tests of what time decides (lockouts ending, sessions and tokens
/// expiring, uploads lapsing) without waiting, against the real server.
#[derive(Debug, Default)]
pub struct TestClock {
    offset_ms: std::sync::atomic::AtomicI64,
}

impl TestClock {
    /// Moves this clock's time forward by `by`.
    pub fn advance(&self, by: std::time::Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let offset = self.offset_ms.load(std::sync::atomic::Ordering::SeqCst);
        Utc::now() + chrono::Duration::milliseconds(offset)
    }
}

/// China Standard Time, UTC+8: the calendar of the bureau's records.
const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Settings,
    screening: Arc<screening::ScreeningCache>,
    login_guard: Arc<throttle::LoginGuard>,
    classifiers: Arc<lifecycle::ClassifierCache>,
}

impl App {
    /// Connects to the database, applies pending migrations and returns the
    /// application.
    pub async fn open(database_url: &str, clock: Arc<dyn Clock>) -> Result<App> {
        let store = kean_store::SqlStore::connect(database_url)
            .await
            .map_err(AppError::from_store)?;
        store
            .migrate(&kean_core::format_ts(clock.now()))
            .await
            .map_err(AppError::from_store)?;
        // The dummy hash an unknown username is verified against, made now:
        // made by the first such login, it would make that one slower.
        password::dummy_hash().await;
        Ok(App::over(store, clock))
    }

    /// The application over a connected store, with default settings.
    pub(crate) fn over(store: kean_store::SqlStore, clock: Arc<dyn Clock>) -> App {
        // Writes of the kinds whose parties are screened leave their
        // screening as follow-up work in the write's transaction.
        let store = store.with_followed(followed_kinds());
        App {
            store: Arc::new(store),
            clock,
            settings: Settings::default(),
            screening: Arc::default(),
            login_guard: Arc::default(),
            classifiers: Arc::default(),
        }
    }

    pub fn with_settings(mut self, settings: Settings) -> App {
        self.settings = settings;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn now_ts(&self) -> String {
        kean_core::format_ts(self.clock.now())
    }

    /// Today's date in China Standard Time (UTC+8), the calendar the
    /// bureau's records use.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&CST).date_naive()
    }

    /// The gate: everything an actor does goes through the returned value.
    /// Only [`App::authenticate`] and [`App::system_access`] call it.
    pub(crate) fn access(&self, actor: kean_core::Actor) -> Access {
        Access::new(self.clone(), actor)
    }

    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}
