//! Restricted-party screening inside the platform.
//!
//! * Lists are imported as versions ([`Access::import_list`]); the store
//!   keeps every entry version and the diff of each import.
//! * Every party a record names — an organization, a researcher and their
//!   foreign affiliation, a contract's buyer, a transfer's counterparty — is
//!   screened when the record is created, changed, restored or imported, and
//!   all of them again when a list version arrives (动态排查).
//! * The index is a cache rebuilt from the database whenever the list
//!   generation there moved on, so several kean processes stay consistent.
//! * A result a reviewer dismissed stays dismissed while the entry version
//!   and the party's screened values are unchanged (see the store's
//!   `record_screening`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError, Kind, Scope};
use kean_screen::{EntityType, Entry, Identifier, Index, ListFormat, ParsedList, Query};
use kean_store::{
    BulkOutcome, BulkRefusal, DecisionItem, ListChange, ListInfo, ListVersion, NewListEntry, Page, PartyMatch,
    PartyState, ResultDecision, ResultFilter, ResultRow, ResultStatus, ScreenedParty, ScreeningSummary, StoredEntry,
    VocabularyEntry, WorkItem, WriteMeta,
};

use crate::{Access, App, AppError, Result};

/// The score at or above which a party is reported (the engine's default,
/// chosen on the evaluation sets; see docs/screening.md).
pub const THRESHOLD: f64 = kean_screen::DEFAULT_THRESHOLD;

/// A party named by a record, and how to screen it.
#[derive(Debug, Clone, Copy)]
pub struct PartySpec {
    pub kind: Kind,
    /// The field holding the party's name.
    pub field: &'static str,
    pub entity_type: EntityType,
    /// The field holding its country, if any.
    pub country_field: Option<&'static str>,
    /// The country when no field holds one (registered organizations are Chinese).
    pub fixed_country: Option<&'static str>,
    /// The field holding an identifier (credit code, ID number).
    pub id_field: Option<&'static str>,
}

const fn party(kind: Kind, field: &'static str, entity_type: EntityType) -> PartySpec {
    PartySpec {
        kind,
        field,
        entity_type,
        country_field: None,
        fixed_country: None,
        id_field: None,
    }
}

/// Every party kean screens.
pub const PARTIES: &[PartySpec] = &[
    PartySpec {
        fixed_country: Some("CN"),
        id_field: Some("credit_code"),
        ..party(Kind::Organization, "name", EntityType::Organization)
    },
    PartySpec {
        country_field: Some("nationality"),
        id_field: Some("id_number"),
        ..party(Kind::Person, "name", EntityType::Person)
    },
    PartySpec {
        country_field: Some("foreign_affiliation_country"),
        ..party(Kind::Person, "foreign_affiliation", EntityType::Organization)
    },
    PartySpec {
        country_field: Some("buyer_country"),
        ..party(Kind::TechContract, "buyer_name", EntityType::Unknown)
    },
    PartySpec {
        country_field: Some("counterparty_country"),
        ..party(Kind::Transfer, "counterparty_name", EntityType::Unknown)
    },
];

/// Whether records of `kind` name parties that are screened.
pub fn screens(kind: Kind) -> bool {
    PARTIES.iter().any(|p| p.kind == kind)
}

/// The kinds whose writes leave follow-up work: those with screened parties.
pub fn followed_kinds() -> Vec<Kind> {
    Kind::ALL.into_iter().filter(|k| screens(*k)).collect()
}

/// The loaded indexes, one per list, and the list generation they reflect.
pub(crate) struct Loaded {
    generation: i64,
    lists: Vec<Arc<ListIndex>>,
    /// The bureau's vocabulary version the indexes were built with, and the
    /// dictionary it makes (kean's own words and the bureau's).
    vocabulary_version: i64,
    dict: Arc<kean_screen::Dict>,
}

/// The cache of the screening index, shared by an [`App`]'s clones.
#[derive(Default)]
pub(crate) struct ScreeningCache {
    loaded: tokio::sync::Mutex<Option<Arc<Loaded>>>,
}

/// An entry as stored (JSON): what the index is rebuilt from.
pub fn entry_json(e: &Entry) -> serde_json::Value {
    serde_json::json!({
        "name": e.name,
        "aliases": e.aliases,
        "type": e.entity_type.as_str(),
        "countries": e.countries,
        "identifiers": e.identifiers.iter().map(|i| serde_json::json!({"kind": i.kind, "value": i.value})).collect::<Vec<_>>(),
    })
}

/// Reads back a stored entry.
pub fn entry_from_json(key: &str, data: &str) -> Option<Entry> {
    let v: serde_json::Value = serde_json::from_str(data).ok()?;
    let strings = |k: &str| -> Vec<String> {
        v[k].as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    Some(Entry {
        id: key.to_string(),
        name: v["name"].as_str()?.to_string(),
        aliases: strings("aliases"),
        entity_type: EntityType::parse(v["type"].as_str().unwrap_or("")),
        countries: strings("countries"),
        identifiers: v["identifiers"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| Identifier {
                        kind: i["kind"].as_str().unwrap_or("").to_string(),
                        value: i["value"].as_str().unwrap_or("").to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn format_code(f: ListFormat) -> &'static str {
    match f {
        ListFormat::OfacSdnCsv => "ofac_sdn_csv",
        ListFormat::CslJson => "csl_json",
        ListFormat::UnXml => "un_xml",
        ListFormat::CnCsv => "cn_csv",
        ListFormat::KeanCsv => "kean_csv",
    }
}

/// One list's index: each list is scored on its own, so that a new
/// version of one list cannot move the scores (and results) of another.
pub(crate) struct ListIndex {
    list_id: i64,
    /// The list version the index was built from.
    version_id: i64,
    index: Index,
    /// How far the list is reached from Chinese: the figures `kean screen`
    /// prints, by the same function ([`kean_screen::coverage`]).
    coverage: kean_screen::Coverage,
    /// entry key → entry version id
    entries: HashMap<String, i64>,
}

fn build_list(list_id: i64, version_id: i64, stored: Vec<StoredEntry>, dict: Arc<kean_screen::Dict>) -> ListIndex {
    let mut entries = HashMap::with_capacity(stored.len());
    let mut parsed = Vec::with_capacity(stored.len());
    let mut code = String::new();
    for s in stored {
        let Some(entry) = entry_from_json(&s.entry_key, &s.data) else {
            continue;
        };
        code = s.list_code;
        entries.insert(s.entry_key, s.id);
        parsed.push(entry);
    }
    let list = ParsedList {
        name: code,
        format: ListFormat::KeanCsv,
        entries: parsed,
    };
    let coverage = kean_screen::coverage_in(&list, &dict);
    ListIndex {
        list_id,
        version_id,
        index: Index::from_lists_with(vec![list], dict),
        coverage,
        entries,
    }
}

/// kean's dictionary with the bureau's own entries (each checked when it
/// was stored; checked again here, so a bad one never reaches the engine).
fn bureau_dictionary(entries: &[VocabularyEntry]) -> Result<Arc<kean_screen::Dict>> {
    if entries.is_empty() {
        return Ok(kean_screen::zh::shared_dict());
    }
    let text: String = entries.iter().map(|e| format!("{}\t{}\n", e.word, e.english)).collect();
    kean_screen::zh::dict()
        .extended(&text)
        .map(Arc::new)
        .map_err(|e| AppError::internal(format!("the bureau's vocabulary as stored is refused: {e}")))
}

/// The screened values of one party of one record.
struct PartyValues {
    spec: PartySpec,
    id: i64,
    owner: Option<i64>,
    version: i64,
    archived: bool,
    name: String,
    country: String,
    identifier: String,
}

/// How a kind is named in a party's hash: frozen as the kinds' slugs were
/// when the first hashes were stored (schema v7 to v12). A stored hash is
/// compared with the one computed now, and a difference lapses the party's
/// results as `party_changed` (a reviewer's dismissal with them), so these
/// never change, whatever the slugs become (migration 0013 renamed two).
fn hash_kind(kind: Kind) -> &'static str {
    match kind {
        Kind::District => "districts",
        Kind::IndustryChain => "industry-chains",
        Kind::Organization => "organizations",
        Kind::Platform => "platforms",
        Kind::Person => "researchers",
        Kind::TechContract => "contracts",
        Kind::Achievement => "achievements",
        Kind::Transfer => "transfers",
        Kind::RevenueReport => "revenue-reports",
        Kind::Dataset => "datasets",
        Kind::Project => "projects",
    }
}

impl PartyValues {
    fn hash(&self) -> String {
        kean_core::audit::sm3_hex(
            format!(
                "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                hash_kind(self.spec.kind),
                self.spec.field,
                self.spec.entity_type.as_str(),
                self.name,
                self.country,
                self.identifier
            )
            .as_bytes(),
        )
    }

    fn screen(&self, loaded: &Loaded) -> ScreenedParty {
        let matches = if self.name.is_empty() || self.archived {
            Vec::new()
        } else {
            let query = Query {
                id: self.id.to_string(),
                name: self.name.clone(),
                entity_type: self.spec.entity_type,
                country: self.country.clone(),
                identifiers: if self.identifier.is_empty() {
                    vec![]
                } else {
                    vec![self.identifier.clone()]
                },
            };
            let mut matches: Vec<PartyMatch> = loaded
                .lists
                .iter()
                .flat_map(|l| {
                    l.index.screen(&query, THRESHOLD).into_iter().filter_map(|m| {
                        let entry_id = *l.entries.get(&m.entry_id)?;
                        Some(PartyMatch {
                            entry_id,
                            list_id: l.list_id,
                            entry_key: m.entry_id,
                            entry_name: m.entry_name,
                            matched_name: m.matched_name,
                            score_bp: (m.score * 10_000.0).round() as i64,
                            explanation: m.explanation.summary(),
                            explanation_detail: serde_json::to_string(&m.explanation).ok(),
                        })
                    })
                })
                .collect();
            matches.sort_by_key(|m| -m.score_bp);
            matches
        };
        ScreenedParty {
            kind: self.spec.kind,
            id: self.id,
            field: self.spec.field,
            name: self.name.clone(),
            hash: self.hash(),
            owner_org_id: self.owner,
            record_version: self.version,
            archived: self.archived,
            matches,
        }
    }
}

/// How long a screening run took and what it changed.
#[derive(Debug, Clone, Default)]
pub struct ScreeningRun {
    pub summary: ScreeningSummary,
    /// The list generation screened against (0: no lists yet, nothing screened).
    pub generation: i64,
    pub millis: u128,
    /// Of `millis`: (re)building the index from the database (0 when cached),
    /// matching the parties, reading them and recording the results.
    pub index_millis: u128,
    pub match_millis: u128,
    pub store_millis: u128,
}

impl ScreeningRun {
    fn add(&mut self, other: ScreeningRun) {
        self.generation = other.generation;
        self.summary.parties += other.summary.parties;
        self.summary.opened.extend(other.summary.opened);
        self.summary.lapsed += other.summary.lapsed;
        self.summary.unchanged += other.summary.unchanged;
        self.index_millis += other.index_millis;
        self.match_millis += other.match_millis;
        self.store_millis += other.store_millis;
    }
}

impl App {
    /// Names that are not registry records (a project's foreign partner)
    /// screened against the loaded lists, as the gates' checks need them:
    /// for each name, its matches at or above the threshold, best first
    /// (listed name, score in basis points, explanation).
    pub(crate) async fn screen_names(
        &self,
        names: &[(String, kean_screen::EntityType, String)],
    ) -> Result<Vec<Vec<(String, i64, String)>>> {
        let Some(loaded) = self.screening_index().await? else {
            return Ok(names.iter().map(|_| Vec::new()).collect());
        };
        Ok(names
            .iter()
            .enumerate()
            .map(|(i, (name, ty, country))| {
                let query = Query {
                    id: i.to_string(),
                    name: name.clone(),
                    entity_type: *ty,
                    country: country.clone(),
                    identifiers: vec![],
                };
                let mut found: Vec<(String, i64, String)> = loaded
                    .lists
                    .iter()
                    .flat_map(|l| l.index.screen(&query, THRESHOLD))
                    .map(|m| {
                        (
                            m.entry_name,
                            (m.score * 10_000.0).round() as i64,
                            m.explanation.summary(),
                        )
                    })
                    .collect();
                found.sort_by_key(|m| -m.1);
                found
            })
            .collect())
    }

    /// The current index, rebuilt when lists changed since it was built;
    /// `None` while no list has been imported.
    pub(crate) async fn screening_index(&self) -> Result<Option<Arc<Loaded>>> {
        let generation = self.store().list_generation().await.map_err(AppError::from_store)?;
        if generation == 0 {
            return Ok(None);
        }
        let mut guard = self.screening.loaded.lock().await;
        if let Some(l) = guard.as_ref()
            && l.generation == generation
        {
            return Ok(Some(l.clone()));
        }
        // The bureau's vocabulary: a new version rebuilds every list with it.
        let (vocabulary_version, dict) = match guard.as_ref() {
            Some(l) => (l.vocabulary_version, l.dict.clone()),
            None => (-1, kean_screen::zh::shared_dict()),
        };
        let (version_now, entries) = self.store().vocabulary().await.map_err(AppError::from_store)?;
        let (vocabulary_version, dict) = if version_now == vocabulary_version {
            (vocabulary_version, dict)
        } else {
            let built = tokio::task::spawn_blocking(move || bureau_dictionary(&entries))
                .await
                .map_err(|e| AppError::internal(format!("building the dictionary: {e}")))??;
            (version_now, built)
        };
        // Rebuild only the lists whose current version changed.
        let infos = self.store().restricted_lists().await.map_err(AppError::from_store)?;
        let mut lists = Vec::with_capacity(infos.len());
        for info in infos {
            let Some(version_id) = info.current.as_ref().map(|v| v.id) else {
                continue;
            };
            let cached = guard
                .as_ref()
                .filter(|l| l.vocabulary_version == vocabulary_version)
                .and_then(|l| {
                    l.lists
                        .iter()
                        .find(|x| x.list_id == info.id && x.version_id == version_id)
                })
                .cloned();
            let li = match cached {
                Some(li) => li,
                None => {
                    let stored = self
                        .store()
                        .current_entries(Some(info.id))
                        .await
                        .map_err(AppError::from_store)?;
                    let list_id = info.id;
                    let dict = dict.clone();
                    let built = tokio::task::spawn_blocking(move || build_list(list_id, version_id, stored, dict))
                        .await
                        .map_err(|e| AppError::internal(format!("building the screening index: {e}")))?;
                    Arc::new(built)
                }
            };
            lists.push(li);
        }
        let loaded = Arc::new(Loaded {
            generation,
            lists,
            vocabulary_version,
            dict,
        });
        *guard = Some(loaded.clone());
        Ok(Some(loaded))
    }

    /// Screens the parties of records of `kind` (`ids`, or all active ones)
    /// and records what changed. Nothing happens while no list is loaded.
    /// If the lists change while it runs, it runs again on the new ones.
    /// The audit names kean's screening, and who set it off.
    pub(crate) async fn screen_records(
        &self,
        kind: Kind,
        ids: Option<&[i64]>,
        only_entries: Option<&HashSet<i64>>,
        meta: &WriteMeta,
    ) -> Result<ScreeningRun> {
        let meta = WriteMeta {
            at: meta.at.clone(),
            actor_id: meta.actor_id,
            actor: if meta.actor.starts_with("system:") {
                meta.actor.clone()
            } else {
                format!("system:screening ({})", meta.actor)
            },
        };
        let mut attempts = 0;
        loop {
            match self.screen_once(kind, ids, only_entries, &meta).await {
                Err(e) if e.code == ErrorCode::Conflict && e.detail.as_deref() == Some("stale") && attempts < 3 => {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }

    async fn screen_once(
        &self,
        kind: Kind,
        ids: Option<&[i64]>,
        only_entries: Option<&HashSet<i64>>,
        meta: &WriteMeta,
    ) -> Result<ScreeningRun> {
        let started = Instant::now();
        let Some(loaded) = self.screening_index().await? else {
            return Ok(ScreeningRun::default());
        };
        let index_millis = started.elapsed().as_millis();
        let mut store_millis = 0;
        let t = Instant::now();
        let mut parties = Vec::new();
        // Screening is the system's own work: every record, whoever set it off.
        let everything = self.system_access("screening").gate(Action::Read, Some(kind))?;
        for spec in PARTIES.iter().filter(|p| p.kind == kind) {
            let mut fields = vec![spec.field];
            fields.extend(spec.country_field);
            fields.extend(spec.id_field);
            let rows = self
                .store()
                .screening_parties(kind, &fields, ids, everything)
                .await
                .map_err(AppError::from_store)?;
            // A full run skips archived records; a record just archived is
            // passed on so that its results lapse.
            for r in rows.into_iter().filter(|r| ids.is_some() || !r.archived) {
                let mut vals = r.values.into_iter();
                let name = vals.next().flatten().unwrap_or_default().trim().to_string();
                let country = match spec.country_field {
                    Some(_) => vals.next().flatten().unwrap_or_default(),
                    None => spec.fixed_country.unwrap_or("").to_string(),
                };
                let identifier = if spec.id_field.is_some() {
                    vals.next().flatten().unwrap_or_default()
                } else {
                    String::new()
                };
                parties.push(PartyValues {
                    spec: *spec,
                    id: r.id,
                    owner: r.owner_org_id,
                    version: r.version,
                    archived: r.archived,
                    name,
                    country,
                    identifier,
                });
            }
        }
        store_millis += t.elapsed().as_millis();
        let t = Instant::now();
        let index = loaded.clone();
        let results = tokio::task::spawn_blocking(move || {
            use rayon::prelude::*;
            parties.par_iter().map(|p| p.screen(&index)).collect::<Vec<_>>()
        })
        .await
        .map_err(|e| AppError::internal(format!("screening: {e}")))?;
        let match_millis = t.elapsed().as_millis();
        let t = Instant::now();
        let summary = self
            .store()
            .record_screening(&results, loaded.generation, only_entries, meta)
            .await
            .map_err(|e| match e {
                kean_store::StoreError::Stale => AppError {
                    detail: Some("stale".into()),
                    ..AppError::from_store(kean_store::StoreError::Stale)
                },
                other => AppError::from_store(other),
            })?;
        store_millis += t.elapsed().as_millis();
        Ok(ScreeningRun {
            summary,
            generation: loaded.generation,
            millis: started.elapsed().as_millis(),
            index_millis,
            match_millis,
            store_millis,
        })
    }

    /// The follow-up of records just written, the work their write left in
    /// the outbox: screens their parties (or lapses the results of a record
    /// just archived) and, for a transfer or contract an account
    /// registered, opens its transfer security audit. Only when both are
    /// done does the write's mark go; a failure is logged, never undoes the
    /// committed write, and leaves the mark for the outbox worker (which
    /// does the same work, so that a process dying after the commit loses
    /// neither the screening nor the audit).
    pub(crate) async fn follow_up(&self, kind: Kind, ids: &[i64], meta: &WriteMeta) -> Option<ScreeningRun> {
        if ids.is_empty() {
            return None;
        }
        let run = if screens(kind) {
            match self.screen_records(kind, Some(ids), None, meta).await {
                Ok(run) => Some(run),
                Err(e) => {
                    eprintln!("kean: screening after a write of {} failed: {e}", kind.slug());
                    return None;
                }
            }
        } else {
            None
        };
        if let Err(e) = self.audit_registered_transfers(kind, ids, meta).await {
            eprintln!("kean: opening the transfer audit of {} failed: {e}", kind.slug());
            return run;
        }
        // Done: the write's mark in the outbox goes (a later write's
        // stays). Should this fail, the worker does it again, which
        // changes nothing.
        let items: Vec<WorkItem> = ids
            .iter()
            .map(|id| WorkItem {
                kind,
                record_id: *id,
                written_at: meta.at.clone(),
            })
            .collect();
        if let Err(e) = self.store().complete_work(&items).await {
            eprintln!("kean: marking the follow-up of {} done failed: {e}", kind.slug());
        }
        run
    }

    /// Opens the transfer security audit of each of these transfers or
    /// contracts that an account registered and that has none. Records
    /// loaded at the machine (the demo's history, `kean import`) are
    /// audited on demand instead.
    async fn audit_registered_transfers(&self, kind: Kind, ids: &[i64], meta: &WriteMeta) -> Result<()> {
        if !matches!(kind, Kind::Transfer | Kind::TechContract) {
            return Ok(());
        }
        let by_accounts = self
            .store()
            .registered_by_accounts(kind, ids)
            .await
            .map_err(AppError::from_store)?;
        self.ensure_transfer_audits(kind, &by_accounts, meta).await
    }

    /// Does the follow-up work committed writes left (the outbox): claims
    /// records written before `written_before` that nobody is screening,
    /// screens them, and marks them done — or, on failure, to be tried
    /// again in a minute. Any process may run it, at any time, as often as
    /// it likes: screening a party again changes nothing. Returns how many
    /// records it did.
    pub async fn run_pending_work(&self, written_before: &str) -> Result<usize> {
        let meta = WriteMeta {
            at: self.now_ts(),
            actor_id: 0,
            actor: "system:follow-up".into(),
        };
        let mut done = 0;
        loop {
            let now = self.now();
            let items = self
                .store()
                .claim_work(
                    &kean_core::format_ts(now),
                    // A process killed mid-batch holds its batch this long.
                    &kean_core::format_ts(now + chrono::Duration::minutes(2)),
                    written_before,
                    500,
                )
                .await
                .map_err(AppError::from_store)?;
            if items.is_empty() {
                return Ok(done);
            }
            let mut by_kind: std::collections::BTreeMap<Kind, Vec<WorkItem>> = Default::default();
            for item in items {
                by_kind.entry(item.kind).or_default().push(item);
            }
            for (kind, items) in by_kind {
                let ids: Vec<i64> = items.iter().map(|i| i.record_id).collect();
                let outcome = async {
                    if screens(kind) {
                        self.screen_records(kind, Some(&ids), None, &meta).await?;
                    }
                    self.audit_registered_transfers(kind, &ids, &meta).await
                }
                .await;
                match outcome {
                    Ok(()) => {
                        self.store().complete_work(&items).await.map_err(AppError::from_store)?;
                        done += items.len();
                    }
                    Err(e) => {
                        let retry = kean_core::format_ts(self.now() + chrono::Duration::minutes(1));
                        self.store()
                            .fail_work(&items, &e.to_string(), &retry)
                            .await
                            .map_err(AppError::from_store)?;
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Re-screens every registered party (动态排查); with `only_entries`,
    /// for one list version (see `Store::record_screening`).
    pub(crate) async fn rescreen_all(
        &self,
        only_entries: Option<&HashSet<i64>>,
        meta: &WriteMeta,
    ) -> Result<ScreeningRun> {
        let started = Instant::now();
        let mut total = ScreeningRun::default();
        for kind in Kind::ALL.into_iter().filter(|k| screens(*k)) {
            total.add(self.screen_records(kind, None, only_entries, meta).await?);
        }
        total.millis = started.elapsed().as_millis();
        Ok(total)
    }
}

/// What importing a list version did.
#[derive(Debug, Clone)]
pub struct ListImport {
    pub version: ListVersion,
    /// The re-screening of every registered party that followed.
    pub rescreen: ScreeningRun,
    pub parse_millis: u128,
}

/// A party's screening on its record's page.
#[derive(Debug, Clone, Default)]
pub struct PartyScreening {
    pub states: Vec<PartyState>,
    pub results: Vec<ResultRow>,
}

impl PartyScreening {
    pub fn open_count(&self) -> usize {
        self.results.iter().filter(|h| h.status == ResultStatus::Open).count()
    }
}

impl Access {
    /// The scope the policy grants for a screening action (the store
    /// applies it to results by the screened record's owner).
    fn screening_gate(&self, action: Action) -> Result<Scope> {
        self.gate(action, None)
    }

    pub async fn restricted_lists(&self) -> Result<Vec<ListInfo>> {
        self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .restricted_lists()
            .await
            .map_err(AppError::from_store)
    }

    /// Per loaded list, how many entries carry a Chinese name and how many
    /// more a Chinese name reaches through translation (the figures `kean
    /// screen` prints, computed by the same function on the same entries).
    pub async fn list_coverage(&self) -> Result<HashMap<i64, kean_screen::Coverage>> {
        self.screening_gate(Action::ReadScreening)?;
        Ok(match self.app().screening_index().await? {
            Some(loaded) => loaded.lists.iter().map(|l| (l.list_id, l.coverage.clone())).collect(),
            None => HashMap::new(),
        })
    }

    pub async fn list_versions(&self, list_id: i64) -> Result<Vec<ListVersion>> {
        self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .list_versions(list_id)
            .await
            .map_err(AppError::from_store)
    }

    pub async fn list_version(&self, version_id: i64) -> Result<ListVersion> {
        self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .list_version(version_id)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)
    }

    pub async fn list_changes(
        &self,
        version_id: i64,
        change: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ListChange>> {
        self.screening_gate(Action::ReadScreening)?;
        if let Some(c) = change
            && !["added", "changed", "removed"].contains(&c)
        {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "change",
                    format!("变更类型“{c}”无效，应为 added、changed 或 removed"),
                    format!("change '{c}' is not one of added, changed, removed"),
                ),
            ));
        }
        self.app()
            .store()
            .list_changes(version_id, change, page, page_size)
            .await
            .map_err(AppError::from_store)
    }

    pub async fn list_entry(&self, entry_id: i64) -> Result<(StoredEntry, Option<Entry>)> {
        self.screening_gate(Action::ReadScreening)?;
        let e = self
            .app()
            .store()
            .entry(entry_id)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        let parsed = entry_from_json(&e.entry_key, &e.data);
        Ok((e, parsed))
    }

    /// Every version of one list entry, oldest first.
    pub async fn entry_versions(&self, list_id: i64, entry_key: &str) -> Result<Vec<StoredEntry>> {
        self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .entry_versions(list_id, entry_key)
            .await
            .map_err(AppError::from_store)
    }

    /// Imports a new version of a restricted-party list (format detected
    /// from the content; `list_name` names a local watch list in kean's CSV
    /// format), records its diff, then re-screens every registered party.
    pub async fn import_list(&self, file_name: &str, bytes: &[u8], list_name: Option<&str>) -> Result<ListImport> {
        self.screening_gate(Action::ManageLists)?;
        let started = Instant::now();
        let parsed = parse_list(file_name, bytes).await?;
        let code = match list_name.map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) if parsed.format == ListFormat::KeanCsv => {
                if n.chars().count() > 40 || n.chars().any(|c| c.is_control()) {
                    return Err(list_error(
                        "list_name",
                        "名单名称不超过 40 个字符".into(),
                        "the list name must be at most 40 characters".into(),
                    ));
                }
                n.to_string()
            }
            _ => parsed.name.clone(),
        };
        let store = self.app().store();
        let lists = store.restricted_lists().await.map_err(AppError::from_store)?;
        let format = format_code(parsed.format);
        let norm = kean_screen::text::normalize;
        if parsed.format == ListFormat::KeanCsv && OFFICIAL_LISTS.iter().any(|o| norm(o) == norm(&code)) {
            return Err(list_error(
                "list_name",
                format!("“{code}”是官方名单的名称，本局自建名单请另取名称"),
                format!("'{code}' names an official list; give the local list a name of its own"),
            ));
        }
        if let Some(l) = lists.iter().find(|l| l.code == code && l.format != format) {
            return Err(list_error(
                "file",
                format!(
                    "名单 {code} 现为 {} 格式，此文件为 {format} 格式，不能作为它的新版本",
                    l.format
                ),
                format!(
                    "list {code} is in the {} format and this file is {format}; it cannot be a new version of it",
                    l.format
                ),
            ));
        }
        if parsed.format == ListFormat::KeanCsv {
            check_local_entries(&parsed)?;
        }
        let content_hash = kean_core::audit::sm3_hex(bytes);
        if let Some(cur) = lists
            .iter()
            .find(|l| l.code == code)
            .and_then(|l| l.current.as_ref())
            .filter(|v| v.content_hash == content_hash)
        {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "该文件与名单 {code} 的当前版本（第 {} 版，{}）内容相同，未导入",
                    cur.version_no,
                    kean_core::display_time(&cur.imported_at)
                ),
                format!(
                    "this file is the same as the current version {} of list {code} ({}); nothing imported",
                    cur.version_no,
                    kean_core::display_time(&cur.imported_at)
                ),
            ));
        }
        let entries: Vec<NewListEntry> = parsed
            .entries
            .iter()
            .map(|e| {
                let data = entry_json(e).to_string();
                NewListEntry {
                    key: e.id.clone(),
                    hash: kean_core::audit::sm3_hex(data.as_bytes()),
                    name: e.name.clone(),
                    data,
                }
            })
            .collect();
        let parse_millis = started.elapsed().as_millis();
        let meta = self.write_meta();
        let mut version = store
            .import_list_version(&code, format, file_name, &content_hash, &entries, &meta)
            .await
            .map_err(|e| match e {
                kean_store::StoreError::Duplicate { field } => list_error(
                    "file",
                    format!("名单文件中条目编号重复：{field}"),
                    format!("the list file repeats an entry id: {field}"),
                ),
                other => AppError::from_store(other),
            })?;
        // Only this version's new entry versions may open results.
        let new_entries = store
            .version_entry_ids(version.id)
            .await
            .map_err(AppError::from_store)?;
        let rescreen = self.app().rescreen_all(Some(&new_entries), &meta).await?;
        let figures = kean_store::RescreenFigures {
            parties: rescreen.summary.parties as i64,
            opened: rescreen.summary.opened.len() as i64,
            lapsed: rescreen.summary.lapsed as i64,
            millis: rescreen.millis as i64,
        };
        store
            .record_version_rescreen(version.id, figures)
            .await
            .map_err(AppError::from_store)?;
        version.rescreen = Some(figures);
        Ok(ListImport {
            version,
            rescreen,
            parse_millis,
        })
    }

    /// Retires a list: a new version without entries, so every entry is
    /// removed (and the results on them lapse); its versions stay on record.
    pub async fn retire_list(&self, list_id: i64) -> Result<ListImport> {
        self.screening_gate(Action::ManageLists)?;
        let store = self.app().store();
        let lists = store.restricted_lists().await.map_err(AppError::from_store)?;
        let list = lists
            .into_iter()
            .find(|l| l.id == list_id)
            .ok_or_else(AppError::not_found)?;
        if list.entry_count == 0 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!("名单 {} 已停用（没有条目）", list.code),
                format!("list {} is already retired (it has no entries)", list.code),
            ));
        }
        let meta = self.write_meta();
        let stamp = format!("retired {}", meta.at);
        let mut version = store
            .import_list_version(
                &list.code,
                &list.format,
                "（停用 retired）",
                &kean_core::audit::sm3_hex(stamp.as_bytes()),
                &[],
                &meta,
            )
            .await
            .map_err(AppError::from_store)?;
        let rescreen = self.app().rescreen_all(Some(&HashSet::new()), &meta).await?;
        let figures = kean_store::RescreenFigures {
            parties: rescreen.summary.parties as i64,
            opened: 0,
            lapsed: rescreen.summary.lapsed as i64,
            millis: rescreen.millis as i64,
        };
        store
            .record_version_rescreen(version.id, figures)
            .await
            .map_err(AppError::from_store)?;
        version.rescreen = Some(figures);
        Ok(ListImport {
            version,
            rescreen,
            parse_millis: 0,
        })
    }

    /// Re-screens every registered party now (动态排查).
    pub async fn rescreen_all(&self) -> Result<ScreeningRun> {
        self.screening_gate(Action::DecideScreening)?;
        self.app().rescreen_all(None, &self.write_meta()).await
    }

    pub async fn screening_results(&self, filter: &ResultFilter) -> Result<Page<ResultRow>> {
        let scope = self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .results(filter, scope)
            .await
            .map_err(AppError::from_store)
    }

    pub async fn screening_result(&self, id: i64) -> Result<ResultRow> {
        let scope = self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .result(id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)
    }

    pub async fn result_counts(&self) -> Result<Vec<(ResultStatus, i64)>> {
        let scope = self.screening_gate(Action::ReadScreening)?;
        self.app()
            .store()
            .result_counts(scope)
            .await
            .map_err(AppError::from_store)
    }

    /// The screening of a record's parties, for its page; `None` when the
    /// actor may not see screening results (the record itself is checked
    /// by the caller's read).
    pub async fn party_screening(&self, kind: Kind, id: i64) -> Result<Option<PartyScreening>> {
        if !screens(kind) || !self.may(Action::ReadScreening, None) {
            return Ok(None);
        }
        let scope = self.screening_gate(Action::ReadScreening)?;
        let store = self.app().store();
        // The record itself must be readable by the actor.
        let read = self.gate(Action::Read, Some(kind))?;
        if store
            .owner_of(kind, id, read)
            .await
            .map_err(AppError::from_store)?
            .is_none()
        {
            return Err(AppError::not_found());
        }
        let states = store
            .party_states(kind, id, scope)
            .await
            .map_err(AppError::from_store)?;
        let results = store
            .results(
                &ResultFilter {
                    kind: Some(kind),
                    party_id: Some(id),
                    page: 1,
                    page_size: 200,
                    ..ResultFilter::default()
                },
                scope,
            )
            .await
            .map_err(AppError::from_store)?
            .items;
        let mut results = results;
        // Open first, then decided, lapsed last; the strongest match first within each.
        let rank = |s: ResultStatus| match s {
            ResultStatus::Open => 0,
            ResultStatus::Confirmed => 1,
            ResultStatus::Dismissed => 2,
            ResultStatus::Lapsed => 3,
        };
        results.sort_by_key(|h| (rank(h.status), -h.score_bp, -h.id));
        Ok(Some(PartyScreening { states, results }))
    }

    /// A reviewer confirms a result or dismisses it as a false positive,
    /// giving the reason.
    pub async fn decide_result(
        &self,
        id: i64,
        decision: ResultDecision,
        reason: &str,
        expected_version: Option<i64>,
    ) -> Result<ResultRow> {
        self.screening_gate(Action::DecideScreening)?;
        let reason = check_reason(reason)?;
        let current = self.screening_result(id).await?;
        if current.status == ResultStatus::Lapsed {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "该筛查结果已失效（名单条目或主体信息已变化），无需处理",
                "this result has lapsed (the list entry or the party changed); there is nothing to decide",
            ));
        }
        self.app()
            .store()
            .decide_result(id, expected_version, decision, reason, &self.write_meta())
            .await
            .map_err(AppError::from_store)
    }
}

/// The lowest score a list search shows by default: below the screening
/// threshold, so that near misses are seen with why they fall short.
pub const SEARCH_THRESHOLD: f64 = 0.5;

/// At most this many entries are shown by a list search.
pub const SEARCH_LIMIT: usize = 50;

/// An entry of a loaded list found by a name (查询名单条目), with why it matches.
#[derive(Debug, Clone)]
pub struct EntryHit {
    pub list_id: i64,
    pub list_code: String,
    /// The stored entry version (`/screening/entries/{id}`).
    pub entry_id: i64,
    pub entry_key: String,
    pub entry_name: String,
    pub matched_name: String,
    pub score: f64,
    /// Whether screening would report it (score at or above [`THRESHOLD`]).
    pub reported: bool,
    pub explanation: kean_screen::Explanation,
}

impl Access {
    /// 查询名单条目: the entries of the loaded lists (or of one) whose names
    /// match `name`, in either script, scored and explained by the same
    /// engine that screens the registry; best first, at most
    /// [`SEARCH_LIMIT`], down to `min_score` (default [`SEARCH_THRESHOLD`]).
    /// The same permission as viewing the lists.
    pub async fn search_entries(
        &self,
        name: &str,
        entity_type: EntityType,
        list_id: Option<i64>,
        min_score: Option<f64>,
    ) -> Result<Vec<EntryHit>> {
        self.screening_gate(Action::ReadScreening)?;
        let name = name.trim();
        kean_core::record::check_text("q", name, 200, true)
            .map_err(|e| AppError::field(ErrorCode::ValidationFailed, e))?;
        if name.is_empty() {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new("q", "请输入要查询的名称", "give a name to search for"),
            ));
        }
        let min = min_score.unwrap_or(SEARCH_THRESHOLD);
        if !(0.3..=1.0).contains(&min) {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "min_score",
                    "最低相似度应在 0.3 至 1 之间",
                    "min_score must be between 0.3 and 1",
                ),
            ));
        }
        let Some(loaded) = self.app().screening_index().await? else {
            return Ok(Vec::new());
        };
        if let Some(l) = list_id
            && !loaded.lists.iter().any(|x| x.list_id == l)
        {
            return Err(AppError::not_found());
        }
        let query = Query {
            entity_type,
            ..Query::new(name)
        };
        let lists: Vec<Arc<ListIndex>> = loaded
            .lists
            .iter()
            .filter(|l| list_id.is_none_or(|id| l.list_id == id))
            .cloned()
            .collect();
        let mut hits = tokio::task::spawn_blocking(move || {
            let mut hits = Vec::new();
            for l in &lists {
                for m in l.index.screen(&query, min) {
                    let Some(&entry_id) = l.entries.get(&m.entry_id) else {
                        continue;
                    };
                    hits.push(EntryHit {
                        list_id: l.list_id,
                        list_code: m.list,
                        entry_id,
                        entry_key: m.entry_id,
                        entry_name: m.entry_name,
                        matched_name: m.matched_name,
                        score: m.score,
                        reported: m.score >= THRESHOLD,
                        explanation: m.explanation,
                    });
                }
            }
            hits
        })
        .await
        .map_err(|e| AppError::internal(format!("searching the lists: {e}")))?;
        hits.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.list_code.cmp(&b.list_code))
                .then_with(|| a.entry_key.cmp(&b.entry_key))
        });
        hits.truncate(SEARCH_LIMIT);
        Ok(hits)
    }
}

/// At most this many results are decided together.
pub const MAX_BULK_DECISION: usize = 200;

impl Access {
    /// One decision with one reason for several open results of one party
    /// (华为技术有限公司 with its eleven Entity List entries): all or nothing —
    /// should one of them not be visible to the reviewer, not open, changed
    /// since it was read (`version`) or about another party, nothing is
    /// written and the error names it. Each result is decided and audited on
    /// its own, in one transaction. The same permission as one decision.
    pub async fn decide_results(
        &self,
        items: &[DecisionItem],
        decision: ResultDecision,
        reason: &str,
    ) -> Result<Vec<ResultRow>> {
        self.screening_gate(Action::DecideScreening)?;
        let scope = self.screening_gate(Action::ReadScreening)?;
        let reason = check_reason(reason)?;
        let results_error =
            |zh: String, en: String| AppError::field(ErrorCode::ValidationFailed, FieldError::new("results", zh, en));
        if items.is_empty() {
            return Err(results_error(
                "请至少选择一条待核查的筛查结果".into(),
                "choose at least one open result".into(),
            ));
        }
        if items.len() > MAX_BULK_DECISION {
            return Err(results_error(
                format!("一次至多核查 {MAX_BULK_DECISION} 条筛查结果"),
                format!("at most {MAX_BULK_DECISION} results can be decided together"),
            ));
        }
        let mut seen = HashSet::new();
        if let Some(dup) = items.iter().find(|i| !seen.insert(i.id)) {
            return Err(results_error(
                format!("筛查结果 {} 被重复选择", dup.id),
                format!("result {} is given twice", dup.id),
            ));
        }
        let outcome = self
            .app()
            .store()
            .decide_results(items, decision, reason, scope, &self.write_meta())
            .await
            .map_err(AppError::from_store)?;
        match outcome {
            BulkOutcome::Decided(rows) => Ok(rows),
            BulkOutcome::Refused(why) => Err(bulk_refusal(why)),
        }
    }
}

/// A decision's reason, checked: 2 to 500 characters of text.
fn check_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    kean_core::record::check_text("reason", reason, 500, true)
        .map_err(|e| AppError::field(ErrorCode::ValidationFailed, e))?;
    if reason.chars().count() < 2 || reason.chars().count() > 500 {
        return Err(AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "reason",
                "请填写核查理由（2 至 500 个字符）",
                "give the reason for the decision (2 to 500 characters)",
            ),
        ));
    }
    Ok(reason)
}

/// Why a decision on several results wrote nothing, naming the result.
fn bulk_refusal(why: BulkRefusal) -> AppError {
    let none = ("，未保存任何结论", "; nothing was decided");
    match why {
        BulkRefusal::NotFound { id } => AppError::field(
            ErrorCode::NotFound,
            FieldError::new(
                "results",
                format!("筛查结果 {id} 不存在或无权查看{}", none.0),
                format!("result {id} does not exist or is not yours to see{}", none.1),
            ),
        ),
        BulkRefusal::NotOpen { id, status } => AppError::field(
            ErrorCode::Conflict,
            FieldError::new(
                "results",
                format!("筛查结果 {id} 不是待核查状态（现为{}）{}", status.label(true), none.0),
                format!(
                    "result {id} is not open (it is {}){}",
                    status.label(false).to_lowercase(),
                    none.1
                ),
            ),
        ),
        BulkRefusal::Changed { id, .. } => AppError::field(
            ErrorCode::Conflict,
            FieldError::new(
                "results",
                format!("筛查结果 {id} 在您查看后已有变化，请刷新后重新核查{}", none.0),
                format!(
                    "result {id} changed since you read it; reload and decide again{}",
                    none.1
                ),
            ),
        ),
        BulkRefusal::OtherParty { id, first } => AppError::field(
            ErrorCode::ValidationFailed,
            FieldError::new(
                "results",
                format!("筛查结果 {id} 与 {first} 不属于同一被筛查主体{}", none.0),
                format!("result {id} is about another party than result {first}{}", none.1),
            ),
        ),
    }
}

/// The names of the official lists, which a local list may not take.
const OFFICIAL_LISTS: [&str; 4] = ["OFAC-SDN", "US-BIS-EL", "UN-SC", "CN"];

fn list_error(field: &str, zh: String, en: String) -> AppError {
    AppError::field(ErrorCode::ValidationFailed, FieldError::new(field, zh, en))
}

/// Reads a list file: the formats the engine detects, and a local list in
/// kean's columns also as XLSX or as GBK text (converted to UTF-8 CSV).
async fn parse_list(file_name: &str, bytes: &[u8]) -> Result<kean_screen::ParsedList> {
    let file = file_name.to_string();
    let data = bytes.to_vec();
    let parsed = tokio::task::spawn_blocking(move || read_list(&data, &file))
        .await
        .map_err(|e| AppError::internal(format!("reading the list: {e}")))?;
    let parsed = parsed.map_err(|e| {
        let en = match (e.line, &e.record) {
            (Some(l), _) => format!("line {l}: "),
            (None, Some(r)) => format!("{r}: "),
            _ => String::new(),
        };
        list_error(
            "file",
            format!("无法读取名单文件 {file_name}：{}", e.message_zh()),
            format!("cannot read the list file {file_name}: {en}{}", e.reason),
        )
    })?;
    if parsed.entries.is_empty() {
        return Err(list_error(
            "file",
            format!("名单文件 {file_name} 中没有条目"),
            format!("the list file {file_name} has no entries"),
        ));
    }
    if let Some(e) = parsed.entries.iter().find(|e| e.name.chars().count() > 1000) {
        return Err(list_error(
            "file",
            format!("条目 {} 的名称超过 1000 个字符", e.id),
            format!("entry {} has a name longer than 1,000 characters", e.id),
        ));
    }
    Ok(parsed)
}

/// Reads a list file: the formats the engine detects from the content, and
/// a local list in kean's columns also as XLSX or GBK text.
pub fn read_list(
    bytes: &[u8],
    file_name: &str,
) -> std::result::Result<kean_screen::ParsedList, kean_screen::ParseError> {
    match kean_screen::detect_and_parse(bytes, file_name) {
        Ok(list) => Ok(list),
        Err(e) => match as_utf8_csv(bytes) {
            Some(csv) => kean_screen::detect_and_parse(&csv, file_name),
            None => Err(e),
        },
    }
}

/// An XLSX workbook or non-UTF-8 (GBK) text holding a table with `id` and
/// `name` columns, as UTF-8 CSV; `None` for anything else.
fn as_utf8_csv(bytes: &[u8]) -> Option<Vec<u8>> {
    let is_xlsx = bytes.starts_with(b"PK");
    if !is_xlsx && std::str::from_utf8(bytes).is_ok() {
        return None;
    }
    let table = kean_exchange::read_table(bytes, &kean_exchange::ReadOptions::default()).ok()?;
    let lower: Vec<String> = table.headers.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    if !(lower.iter().any(|h| h == "id") && lower.iter().any(|h| h == "name")) {
        return None;
    }
    let mut out = String::new();
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(&lower));
    out.push('\n');
    for r in &table.rows {
        out.push_str(&line(&r.cells));
        out.push('\n');
    }
    Some(out.into_bytes())
}

/// A local list is typed by the bureau's staff: its names, aliases,
/// countries and identifiers are checked like registry input.
fn check_local_entries(list: &kean_screen::ParsedList) -> Result<()> {
    for e in &list.entries {
        let bad = |zh: String, en: String| Err(list_error("file", zh, en));
        if e.name.chars().count() > 300 {
            return bad(
                format!("条目 {} 的名称超过 300 个字符", e.id),
                format!("entry {}: the name is longer than 300 characters", e.id),
            );
        }
        if e.aliases.len() > 100 || e.aliases.iter().any(|a| a.chars().count() > 300) {
            return bad(
                format!("条目 {} 的别名过多（至多 100 个）或过长（每个至多 300 个字符）", e.id),
                format!("entry {}: at most 100 aliases of at most 300 characters each", e.id),
            );
        }
        if let Some(c) = e
            .countries
            .iter()
            .find(|c| kean_core::country::country_name(c, true).is_none())
        {
            return bad(
                format!(
                    "条目 {} 的国家/地区“{c}”无法识别，请使用两位字母代码（如 CN、US）",
                    e.id
                ),
                format!(
                    "entry {}: country '{c}' is not recognised; use a two-letter code such as CN or US",
                    e.id
                ),
            );
        }
        if e.identifiers.len() > 20 || e.identifiers.iter().any(|i| i.value.chars().count() > 100) {
            return bad(
                format!(
                    "条目 {} 的证件/编号过多（至多 20 个）或过长（每个至多 100 个字符）",
                    e.id
                ),
                format!("entry {}: at most 20 identifiers of at most 100 characters each", e.id),
            );
        }
    }
    Ok(())
}

/// A result's explanation in the reader's language: rendered from the
/// structured explanation the engine gave when the result opened; results
/// opened before kean kept it (schema v12) have only the English sentence.
pub fn explanation_text(r: &ResultRow, zh: bool) -> String {
    let lang = if zh {
        kean_screen::Lang::Zh
    } else {
        kean_screen::Lang::En
    };
    r.explanation_detail
        .as_deref()
        .and_then(|json| serde_json::from_str::<kean_screen::Explanation>(json).ok())
        .map(|e| e.render(lang))
        .unwrap_or_else(|| r.explanation.clone())
}

/// A result's structured explanation, as stored (for the API).
pub fn explanation_detail(r: &ResultRow) -> Option<serde_json::Value> {
    r.explanation_detail
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A party's hash is what kean stored before the slugs were renamed
    /// (these are the fixture's hashes, tests/it/fixtures/schema_v12.json):
    /// a renamed slug must not lapse every result as `party_changed`.
    #[test]
    fn party_hashes_are_the_ones_stored_before_the_renames() {
        let values = |kind: Kind, field: &str, name: &str, country: &str| PartyValues {
            spec: *PARTIES
                .iter()
                .find(|p| p.kind == kind && p.field == field)
                .expect("a party"),
            id: 1,
            owner: Some(1),
            version: 1,
            archived: false,
            name: name.into(),
            country: country.into(),
            identifier: String::new(),
        };
        assert_eq!(
            values(Kind::TechContract, "buyer_name", "Lockheed Martin Corporation", "US").hash(),
            "ce8b322bd7a9221aa7940b3c6ba6d664d40d20ce57e305fb6e6c25fe39144884"
        );
        assert_eq!(
            values(Kind::Person, "foreign_affiliation", "Acme Drone Systems Inc.", "US").hash(),
            "fd63029d7fc993916cd4945e80c64396252db76d51ed86f7800981562342c9af"
        );
        assert_eq!(
            values(Kind::Transfer, "counterparty_name", "Acme Drone Systems Inc.", "US").hash(),
            "c79f7d4855e9d67205b45a83d874f43754bab901701c48949aa8652739cd60af"
        );
    }
}
