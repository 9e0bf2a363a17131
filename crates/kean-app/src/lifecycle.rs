//! Projects' lifecycle and the three security gates (issue 14), through the
//! gate: who may move a project, decide a review or confirm a technology
//! link is the policy's answer; what a move or a decision may do is
//! `kean_core::lifecycle`'s; every change is one audited transaction.
//!
//! The automatic checks are computed afresh whenever a review is shown or
//! decided (screening results change, links get confirmed, a licence is
//! recorded), and the findings a reviewer decided on are stored with the
//! decision.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;
use kean_classify::{Classifier, DEFAULT_THRESHOLD, Dictionary, DictionaryKind, Document, ExportControl};
use kean_core::checklist::{Answers, Framework};
use kean_core::confidentiality::Classification;
use kean_core::lifecycle::{
    ApprovalFacts, Decision, DecisionEffect, DecisionInput, Finding, Gate, GateState, LinkedItem, Mover, ScreenedParty,
    Stage, TransferFacts, Transition, approval_findings, check_decision, next_stage, rnd_check_interval_days,
    transfer_findings,
};
use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError, Kind, Record, Value};
use kean_screen::EntityType;
use kean_store::{
    DictionaryVersion, Disclosure, FrameworkVersion, GateReview, NewDictionaryVersion, NewDisclosure, NewLink,
    NewProjectParty, NewReview, ProjectEvent, ProjectParty, ResultFilter, ResultStatus, ReviewDecision, ReviewFilter,
    StageChange, TechLink, WriteMeta,
};

use crate::{Access, App, AppError, Result};

/// The classifier over the dictionaries' newest versions, and which
/// versions it was built from.
#[derive(Default)]
pub(crate) struct ClassifierCache {
    built: tokio::sync::Mutex<Option<(Vec<i64>, Arc<Classifier>)>>,
}

/// A disclosure older than this is no longer current (renewed yearly).
pub const DISCLOSURE_VALID_DAYS: i64 = 365;

/// Roles of a project's parties.
pub const PARTY_ROLES: &[(&str, &str, &str)] = &[
    ("participant", "参与单位", "Participating organization"),
    ("foreign_partner", "境外合作方", "Foreign partner"),
    ("member", "项目成员", "Team member"),
];

fn role_label(role: &str, zh: bool) -> &'static str {
    PARTY_ROLES
        .iter()
        .find(|r| r.0 == role)
        .map_or("", |r| if zh { r.1 } else { r.2 })
}

fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::field(ErrorCode::ValidationFailed, FieldError::new(field, zh, en))
}

fn conflict(zh: &str, en: &str) -> AppError {
    AppError::new(ErrorCode::Conflict, zh, en)
}

/// A review as a user sees it: the findings computed now (for an open
/// review) or as decided on, and what the viewer may see and do.
#[derive(Debug, Clone)]
pub struct ReviewView {
    pub review: GateReview,
    /// Empty for the applicant: the checks are the bureau's.
    pub findings: Vec<Finding>,
    /// The record under review, as its label.
    pub record_label: String,
    /// The viewer is the bureau (sees findings, internal note, first decision).
    pub bureau: bool,
    /// The viewer may decide it now.
    pub may_decide: bool,
    /// The review needs two reviewers.
    pub high_risk: bool,
    /// Its checklist: the version answered on (decided) or to answer (open).
    pub checklist: Option<(i64, Framework)>,
    /// The answers given, and their score in per cent.
    pub answers: Answers,
    pub score: Option<f64>,
}

/// A project's page: its stage's history, parties, reviews and links.
#[derive(Debug, Clone, Default)]
pub struct ProjectPanel {
    pub stage: Option<Stage>,
    pub events: Vec<ProjectEvent>,
    pub parties: Vec<ProjectParty>,
    pub reviews: Vec<GateReview>,
    pub links: Vec<TechLink>,
    /// Transitions the viewer may ask for now.
    pub offered: Vec<Transition>,
    /// The viewer may decide reviews and links.
    pub bureau: bool,
    /// The viewer may change the project's parties.
    pub may_edit: bool,
}

/// A dictionary import's outcome.
#[derive(Debug, Clone)]
pub struct DictionaryImport {
    pub version: DictionaryVersion,
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

/// One item of a dictionary with what the city does about it (the
/// chokepoint coverage view).
#[derive(Debug, Clone)]
pub struct CoverageRow {
    /// The item's key: its code, or its name where the dictionary gives no code.
    pub key: String,
    /// The code as the dictionary gives it (may be empty).
    pub code: String,
    pub name: String,
    pub group: String,
    pub description: String,
    pub terms: Vec<String>,
    /// Projects aimed at it (confirmed links): id, title, stage code.
    pub projects: Vec<(i64, String, String)>,
    /// Organizations depending on it (confirmed links): id, name.
    pub dependents: Vec<(i64, String)>,
    pub control: Option<ExportControl>,
}

impl CoverageRow {
    /// 攻关中 / 已攻克 / 未覆盖.
    pub fn status(&self, zh: bool) -> &'static str {
        let done = self.projects.iter().any(|p| p.2 == Stage::Completed.code());
        let active = self.projects.iter().any(|p| {
            Stage::parse(&p.2).is_some_and(|s| matches!(s, Stage::Approved | Stage::Rnd | Stage::ApprovalReview))
        });
        match (done, active, zh) {
            (true, _, true) => "已有结题项目",
            (true, _, false) => "completed project",
            (false, true, true) => "攻关中",
            (false, true, false) => "being tackled",
            (false, false, true) => "未覆盖",
            (false, false, false) => "not covered",
        }
    }
    pub fn covered(&self) -> bool {
        !self.projects.is_empty()
    }
}

/// Diff of two dictionaries by item key: added, changed, removed.
fn diff(old: &[kean_classify::Item], new: &[kean_classify::Item]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for n in new {
        match old.iter().find(|o| o.key() == n.key()) {
            None => added.push(n.key()),
            Some(o) if o != n => changed.push(n.key()),
            Some(_) => {}
        }
    }
    let removed = old
        .iter()
        .filter(|o| !new.iter().any(|n| n.key() == o.key()))
        .map(|o| o.key())
        .collect();
    (added, changed, removed)
}

fn parse_stored(v: &DictionaryVersion) -> Result<Dictionary> {
    kean_classify::parse_dictionary(v.content.as_bytes())
        .map_err(|e| AppError::internal(format!("stored dictionary {} v{}: {e}", v.dictionary, v.version_no)))
}

fn store_err(e: kean_store::StoreError) -> AppError {
    AppError::from_store(e)
}

impl App {
    fn system_meta(&self, name: &str) -> WriteMeta {
        WriteMeta {
            at: self.now_ts(),
            actor_id: 0,
            actor: format!("system:{name}"),
        }
    }

    /// Adds a version of one dictionary (all items of one kind), with what
    /// changed against the newest; `Ok(None)` when nothing changed.
    async fn add_dictionary(
        &self,
        dictionary: DictionaryKind,
        items: Vec<kean_classify::Item>,
        label: &str,
        source: &str,
        meta: &WriteMeta,
    ) -> Result<Option<DictionaryImport>> {
        let previous = self
            .store()
            .dictionary_versions(dictionary.as_str())
            .await
            .map_err(store_err)?;
        let old = match previous.first() {
            Some(v) => parse_stored(v)?.items,
            None => Vec::new(),
        };
        let (added, changed, removed) = diff(&old, &items);
        if !previous.is_empty() && added.is_empty() && changed.is_empty() && removed.is_empty() {
            return Ok(None);
        }
        let n = items.len() as i64;
        let content = Dictionary {
            format: kean_classify::DictionaryFormat::Kean,
            items,
            deleted: vec![],
        }
        .to_kean_csv();
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let version = self
            .store()
            .add_dictionary_version(
                &NewDictionaryVersion {
                    dictionary: dictionary.as_str().to_string(),
                    label: label.to_string(),
                    source_name: source.to_string(),
                    content: String::from_utf8_lossy(&content).into_owned(),
                    items: n,
                    added: json(&added),
                    changed: json(&changed),
                    removed: json(&removed),
                },
                meta,
            )
            .await
            .map_err(store_err)?;
        Ok(Some(DictionaryImport {
            version,
            added,
            changed,
            removed,
        }))
    }

    /// The newest version of each dictionary; the shipped ones (the 35
    /// chokepoint items and the catalogue's seed, with kean's terms) are
    /// stored as version 1 the first time they are asked for.
    pub(crate) async fn dictionaries(&self) -> Result<Vec<DictionaryVersion>> {
        let latest = self.store().latest_dictionaries().await.map_err(store_err)?;
        if !latest.is_empty() {
            return Ok(latest);
        }
        let meta = self.system_meta("seed");
        for (kind, text, label) in [
            (
                DictionaryKind::Chokepoint,
                kean_classify::CHOKEPOINT_TERMS,
                "科技日报2018《亟待攻克的核心技术》35项（kean 描述与术语）",
            ),
            (
                DictionaryKind::ExportControl,
                kean_classify::EXPORT_CONTROL_TERMS,
                "禁止出口限制出口技术目录（2023，2025修订）种子条目",
            ),
        ] {
            let d = kean_classify::parse_dictionary(text.as_bytes())
                .map_err(|e| AppError::internal(format!("shipped dictionary: {e}")))?;
            match self.add_dictionary(kind, d.items, label, "kean (shipped)", &meta).await {
                Ok(_) => {}
                // Another process seeded it at the same moment.
                Err(e) if e.code == ErrorCode::Conflict => {}
                Err(e) => return Err(e),
            }
        }
        self.store().latest_dictionaries().await.map_err(store_err)
    }

    /// The newest version of each assessment framework; the shipped ones
    /// (one per gate) are stored as version 1 the first time they are asked for.
    pub(crate) async fn frameworks(&self) -> Result<Vec<FrameworkVersion>> {
        let latest = self.store().latest_frameworks().await.map_err(store_err)?;
        if !latest.is_empty() {
            return Ok(latest);
        }
        let meta = self.system_meta("seed");
        for text in kean_core::checklist::SHIPPED {
            let f =
                kean_core::checklist::parse(text).map_err(|e| AppError::internal(format!("shipped checklist: {e}")))?;
            match self
                .store()
                .add_framework_version(&f.code, &f.title, &f.edition, text, &meta)
                .await
            {
                Ok(_) | Err(kean_store::StoreError::Duplicate { .. }) => {}
                Err(e) => return Err(store_err(e)),
            }
        }
        self.store().latest_frameworks().await.map_err(store_err)
    }

    /// The checklist a gate's reviews answer now.
    pub(crate) async fn framework_for(&self, gate: Gate) -> Result<Option<(i64, Framework)>> {
        let all = self.frameworks().await?;
        let Some(v) = all.into_iter().find(|v| v.code == gate.code()) else {
            return Ok(None);
        };
        let f = kean_core::checklist::parse(&v.content)
            .map_err(|e| AppError::internal(format!("stored checklist {} v{}: {e}", v.code, v.version_no)))?;
        Ok(Some((v.id, f)))
    }

    /// The classifier over the newest dictionaries (built once per set of versions).
    pub(crate) async fn classifier(&self) -> Result<Arc<Classifier>> {
        let latest = self.dictionaries().await?;
        let ids: Vec<i64> = latest.iter().map(|v| v.id).collect();
        let mut guard = self.classifiers.built.lock().await;
        if let Some((built, c)) = guard.as_ref()
            && *built == ids
        {
            return Ok(c.clone());
        }
        let mut items = Vec::new();
        for v in &latest {
            items.extend(parse_stored(v)?.items);
        }
        let c = tokio::task::spawn_blocking(move || Arc::new(Classifier::new(items)))
            .await
            .map_err(|e| AppError::internal(format!("building the classifier: {e}")))?;
        *guard = Some((ids, c.clone()));
        Ok(c)
    }

    /// The text of a record the classifier reads.
    fn document(rec: &Record) -> Option<Document> {
        let t = |n: &str| rec.fields.get(n).as_text().unwrap_or("").to_string();
        match rec.fields.kind() {
            Kind::Project => Some(Document {
                title: t("title"),
                abstract_text: t("abstract"),
                keywords: t("keywords"),
            }),
            Kind::Achievement => Some(Document {
                title: t("title"),
                abstract_text: t("description"),
                keywords: String::new(),
            }),
            Kind::TechContract => Some(Document {
                title: t("title"),
                ..Document::default()
            }),
            Kind::Organization => Some(Document {
                title: t("name"),
                ..Document::default()
            }),
            _ => None,
        }
    }

    /// Classifies a record's text and stores the suggestions (decided links
    /// stay as decided).
    pub(crate) async fn classify_record(&self, rec: &Record, meta: &WriteMeta) -> Result<Vec<TechLink>> {
        let Some(doc) = App::document(rec) else {
            return Ok(Vec::new());
        };
        let classifier = self.classifier().await?;
        let suggestions = classifier.classify(&doc, DEFAULT_THRESHOLD);
        let links: Vec<NewLink> = suggestions
            .iter()
            .take(5)
            .map(|s| NewLink {
                dictionary: s.dictionary.as_str().to_string(),
                item_code: s.item_code.clone(),
                item_name: s.item_name.clone(),
                score_milli: (s.score * 1000.0).round() as i64,
                matched_terms: s.matched_terms(),
            })
            .collect();
        self.store()
            .suggest_links(rec.fields.kind(), rec.id, &links, meta)
            .await
            .map_err(store_err)
    }

    /// Items a record's links name (rejected ones left out), with whether
    /// catalogue items are prohibited.
    async fn linked_items(&self, kind: Kind, id: i64) -> Result<Vec<LinkedItem>> {
        let links = self.store().links(kind, id).await.map_err(store_err)?;
        let classifier = self.classifier().await?;
        Ok(links
            .into_iter()
            .filter(|l| l.state != "rejected")
            .map(|l| {
                let prohibited = classifier.items().iter().any(|i| {
                    i.dictionary.as_str() == l.dictionary
                        && i.key() == l.item_code
                        && i.control == Some(ExportControl::Prohibited)
                });
                LinkedItem {
                    dictionary: l.dictionary,
                    code: l.item_code,
                    name: l.item_name,
                    prohibited,
                    confirmed: l.state == "confirmed",
                }
            })
            .collect())
    }

    /// A registered party's screening: open and confirmed results of the
    /// record's screened fields, and the best listed name.
    async fn registered_party(
        &self,
        kind: Kind,
        id: i64,
        name: &str,
        role: &str,
        country: &str,
    ) -> Result<ScreenedParty> {
        let results = self
            .store()
            .results(
                &ResultFilter {
                    kind: Some(kind),
                    party_id: Some(id),
                    page: 1,
                    page_size: 200,
                    ..ResultFilter::default()
                },
                self.checks_scope()?,
            )
            .await
            .map_err(store_err)?
            .items;
        let open = results.iter().filter(|r| r.status == ResultStatus::Open).count() as u32;
        let confirmed = results.iter().filter(|r| r.status == ResultStatus::Confirmed).count() as u32;
        let listed_as = results
            .iter()
            .filter(|r| matches!(r.status, ResultStatus::Open | ResultStatus::Confirmed))
            .max_by_key(|r| r.score_bp)
            .map(|r| r.entry_name.clone());
        Ok(ScreenedParty {
            name: name.to_string(),
            role: role.to_string(),
            country: country.to_string(),
            open_results: open,
            confirmed_results: confirmed,
            listed_as,
            ..ScreenedParty::default()
        })
    }

    /// The approval review's facts about a project, as of now.
    pub(crate) async fn approval_facts(&self, project: &Record) -> Result<ApprovalFacts> {
        let store = self.store();
        let all = self.checks_scope()?;
        let mut parties = Vec::new();
        if let Some(lead) = project.fields.get("lead_org_id").as_ref_id()
            && let Some(org) = store.get(Kind::Organization, lead, all).await.map_err(store_err)?
        {
            let name = org.fields.get("name").as_text().unwrap_or("").to_string();
            parties.push(
                self.registered_party(Kind::Organization, lead, &name, "牵头单位", "CN")
                    .await?,
            );
        }
        let linked = store.project_parties(project.id, false).await.map_err(store_err)?;
        let mut text_only = Vec::new();
        let mut members = Vec::new();
        for p in &linked {
            let role = role_label(&p.role, true);
            if let Some(org) = p.org_id {
                parties.push(
                    self.registered_party(Kind::Organization, org, &p.name, role, &p.country)
                        .await?,
                );
            } else if let Some(person) = p.person_id {
                let mut sp = self
                    .registered_party(Kind::Person, person, &p.name, role, &p.country)
                    .await?;
                if let Some(rec) = store.get(Kind::Person, person, all).await.map_err(store_err)? {
                    sp.foreign_affiliation = rec.fields.get("foreign_affiliation").as_text().map(str::to_string);
                    if let Some(c) = rec.fields.get("nationality").as_text() {
                        sp.country = c.to_string();
                    }
                }
                members.push((person, p.name.clone()));
                parties.push(sp);
            } else {
                text_only.push(parties.len());
                parties.push(ScreenedParty {
                    name: p.name.clone(),
                    role: role.to_string(),
                    country: p.country.clone(),
                    ..ScreenedParty::default()
                });
            }
        }
        // Names that are not records are screened here, against the lists
        // as loaded now.
        let names: Vec<(String, EntityType, String)> = text_only
            .iter()
            .map(|&i| {
                (
                    parties[i].name.clone(),
                    EntityType::Organization,
                    parties[i].country.clone(),
                )
            })
            .collect();
        let found = self.screen_names(&names).await?;
        for (&i, matches) in text_only.iter().zip(found) {
            if let Some((listed, score, _)) = matches.first() {
                parties[i].possible = Some(format!("{listed}（{:.0}%）", *score as f64 / 100.0));
            }
        }
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        let disclosures = store.disclosures(&ids).await.map_err(store_err)?;
        let since = (self.today() - Duration::days(DISCLOSURE_VALID_DAYS))
            .format("%Y-%m-%d")
            .to_string();
        let members_without_disclosure = members
            .iter()
            .filter(|(id, _)| !disclosures.iter().any(|d| d.person_id == *id && d.declared_on >= since))
            .map(|(_, n)| n.clone())
            .collect();
        let grade = project.fields.get("data_grade").as_text().unwrap_or("general");
        Ok(ApprovalFacts {
            parties,
            members_without_disclosure,
            items: self.linked_items(Kind::Project, project.id).await?,
            planned_public: project.fields.classification() == Classification::Public,
            planned_general_data: grade == "general",
        })
    }

    /// The transfer audit's facts about a transfer or a technology contract.
    pub(crate) async fn transfer_facts(&self, rec: &Record, licence_no: Option<&str>) -> Result<TransferFacts> {
        let store = self.store();
        let all = self.checks_scope()?;
        let kind = rec.fields.kind();
        let (name_field, country_field, region) = match kind {
            Kind::Transfer => ("counterparty_name", "counterparty_country", None),
            _ => ("buyer_name", "buyer_country", rec.fields.get("buyer_region").as_text()),
        };
        let name = rec.fields.get(name_field).as_text().unwrap_or("").to_string();
        let country = rec.fields.get(country_field).as_text().unwrap_or("").to_string();
        let counterparty = self
            .registered_party(
                kind,
                rec.id,
                &name,
                if kind == Kind::Transfer { "受让方" } else { "买方" },
                &country,
            )
            .await?;
        // The technology: the record's own links, and its achievement's.
        let mut items = self.linked_items(kind, rec.id).await?;
        let mut classified_project = None;
        let mut state_funded = false;
        if let Some(ach) = rec.fields.get("achievement_id").as_ref_id() {
            for i in self.linked_items(Kind::Achievement, ach).await? {
                if !items.iter().any(|x| x.dictionary == i.dictionary && x.code == i.code) {
                    items.push(i);
                }
            }
            if let Some(a) = store.get(Kind::Achievement, ach, all).await.map_err(store_err)?
                && let Some(pid) = a.fields.get("project_id").as_ref_id()
                && let Some(p) = store.get(Kind::Project, pid, all).await.map_err(store_err)?
            {
                let level = p.fields.classification();
                if level.is_classified() {
                    classified_project = Some(level.label(true).to_string());
                }
                state_funded = p.fields.get("state_funded") == &Value::Bool(true);
            }
        }
        let city = self.settings().city.as_str();
        let leaves_city = counterparty.is_foreign()
            || region.is_some_and(|r| !r.trim().is_empty() && !city.is_empty() && !r.contains(city));
        Ok(TransferFacts {
            counterparty,
            items,
            licence_no: licence_no.map(str::to_string),
            classified_project,
            state_funded,
            leaves_city,
        })
    }

    /// The findings of a review as of now.
    /// The reviews of record `id` of `kind` at `gate`, newest first: open
    /// ones (`Some(true)`), decided ones (`Some(false)`) or all.
    pub(crate) async fn record_reviews(
        &self,
        gate: Gate,
        kind: Kind,
        id: i64,
        open: Option<bool>,
        limit: u32,
    ) -> Result<Vec<GateReview>> {
        self.store()
            .reviews(&ReviewFilter {
                gate: Some(gate),
                record: Some((kind, id)),
                open,
                limit,
                ..ReviewFilter::default()
            })
            .await
            .map_err(store_err)
    }

    /// The findings of a review at `gate` of record `id` of `kind`, as of
    /// now (`licence`: the export licence recorded for a transfer audit).
    async fn findings_now(&self, gate: Gate, kind: Kind, id: i64, licence: Option<&str>) -> Result<Vec<Finding>> {
        let Some(rec) = self
            .store()
            .get(kind, id, self.checks_scope()?)
            .await
            .map_err(store_err)?
        else {
            return Ok(Vec::new());
        };
        match gate {
            Gate::ApprovalReview | Gate::RndControl => Ok(approval_findings(&self.approval_facts(&rec).await?)),
            Gate::TransferAudit => Ok(transfer_findings(&self.transfer_facts(&rec, licence).await?)),
            // The platform's host, screened; the rest is the checklist's.
            Gate::PlatformAssessment => {
                let mut parties = Vec::new();
                if let Some(host) = rec.fields.get("host_org_id").as_ref_id()
                    && let Some(org) = self
                        .store()
                        .get(Kind::Organization, host, self.checks_scope()?)
                        .await
                        .map_err(store_err)?
                {
                    let name = org.fields.get("name").as_text().unwrap_or("").to_string();
                    parties.push(
                        self.registered_party(Kind::Organization, host, &name, "依托单位", "CN")
                            .await?,
                    );
                }
                Ok(approval_findings(&ApprovalFacts {
                    parties,
                    ..ApprovalFacts::default()
                }))
            }
        }
    }

    /// Opens a transfer audit for each of these transfers or contracts that
    /// has none (kept idempotent: the outbox may ask twice).
    pub(crate) async fn ensure_transfer_audits(&self, kind: Kind, ids: &[i64], meta: &WriteMeta) -> Result<()> {
        if !matches!(kind, Kind::Transfer | Kind::TechContract) {
            return Ok(());
        }
        for &id in ids {
            let existing = self.record_reviews(Gate::TransferAudit, kind, id, None, 1).await?;
            if !existing.is_empty() {
                continue;
            }
            let Some(rec) = self
                .store()
                .get(kind, id, self.checks_scope()?)
                .await
                .map_err(store_err)?
            else {
                continue;
            };
            if rec.archived {
                continue;
            }
            self.classify_record(&rec, meta).await?;
            if let Some(ach) = rec.fields.get("achievement_id").as_ref_id()
                && let Some(a) = self
                    .store()
                    .get(Kind::Achievement, ach, self.checks_scope()?)
                    .await
                    .map_err(store_err)?
                && self
                    .store()
                    .links(Kind::Achievement, ach)
                    .await
                    .map_err(store_err)?
                    .is_empty()
            {
                self.classify_record(&a, meta).await?;
            }
            let findings = transfer_findings(&self.transfer_facts(&rec, None).await?);
            self.store()
                .open_review(
                    &NewReview {
                        gate: Gate::TransferAudit,
                        kind,
                        record_id: id,
                        applicant_org_id: rec.owner_org_id,
                        due_on: None,
                        findings: serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
                    },
                    meta,
                )
                .await
                .map_err(store_err)?;
        }
        Ok(())
    }
}

impl App {
    /// The store's reads for the checks are kean's own (the facts a
    /// reviewer needs, whatever their own clearance): the application shows
    /// them only to those its gate lets decide the review.
    fn checks_scope(&self) -> Result<kean_core::Scope> {
        self.system_access("gate-checks").gate(Action::Read, None)
    }
}

impl Access {
    /// A project the actor may read, with the action's scope reaching it.
    async fn project_for(&self, action: Action, id: i64) -> Result<Record> {
        let rec = self.readable(Kind::Project, id).await?;
        if action != Action::Read {
            let scope = self.gate(action, Some(Kind::Project))?;
            if !scope.permits_owner(rec.owner_org_id) {
                return Err(AppError::not_found());
            }
        }
        Ok(rec)
    }

    /// Record `id` of `kind` if the actor reads it; else "not found".
    async fn readable(&self, kind: Kind, id: i64) -> Result<Record> {
        let read = self.gate(Action::Read, Some(kind))?;
        self.app
            .store()
            .get(kind, id, read)
            .await
            .map_err(store_err)?
            .ok_or_else(AppError::not_found)
    }

    fn stage_of(rec: &Record) -> Result<Stage> {
        let code = rec.fields.get("stage").as_text().unwrap_or("");
        Stage::parse(code).ok_or_else(|| AppError::internal(format!("project {} has stage '{code}'", rec.id)))
    }

    fn is_bureau(&self) -> bool {
        self.may(Action::ReviewGates, None)
    }

    /// Under the approval security review the application is what is
    /// reviewed: the applicant changes neither its content nor its parties
    /// until the review decides (returned, it may correct and resubmit).
    pub(crate) fn check_applicant_may_change(&self, rec: &Record) -> Result<()> {
        if rec.fields.kind() == Kind::Project
            && !self.is_bureau()
            && Access::stage_of(rec).is_ok_and(|s| s == Stage::ApprovalReview || s.is_final())
        {
            return Err(conflict(
                "项目处于立项安全审查中或已结束，申报单位不能修改；如需修改，请待审查退回后再改",
                "the project is under approval review or has ended: the applicant cannot change it (a returned project can be corrected)",
            ));
        }
        Ok(())
    }

    /// Whether the latest R&D control check of a project passed and none is open.
    async fn rnd_state(&self, project_id: i64) -> Result<GateState> {
        let reviews = self
            .app
            .record_reviews(Gate::RndControl, Kind::Project, project_id, None, 50)
            .await?;
        let open = reviews
            .iter()
            .any(|r| r.is_open() && r.due_on.as_deref() <= Some(&self.today_text()));
        let last_decided = reviews.iter().find(|r| !r.is_open());
        Ok(GateState {
            rnd_check_passed: !open
                && last_decided.is_some_and(|r| {
                    r.decision
                        .as_deref()
                        .and_then(Decision::parse)
                        .is_some_and(Decision::passes)
                }),
        })
    }

    fn today_text(&self) -> String {
        self.today().format("%Y-%m-%d").to_string()
    }

    /// The findings of the project's approval review (its interval of R&D checks).
    async fn approval_decided_findings(&self, project_id: i64) -> Result<Vec<Finding>> {
        let reviews = self
            .app
            .record_reviews(Gate::ApprovalReview, Kind::Project, project_id, Some(false), 1)
            .await?;
        Ok(reviews
            .first()
            .and_then(|r| serde_json::from_str(&r.findings).ok())
            .unwrap_or_default())
    }

    /// An R&D control check of `rec`, due on `due`.
    async fn rnd_check(&self, rec: &Record, due: chrono::NaiveDate) -> Result<NewReview> {
        let findings = approval_findings(&self.app.approval_facts(rec).await?);
        Ok(NewReview {
            gate: Gate::RndControl,
            kind: Kind::Project,
            record_id: rec.id,
            applicant_org_id: rec.owner_org_id,
            due_on: Some(due.format("%Y-%m-%d").to_string()),
            findings: serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
        })
    }

    /// Moves a project by an explicit transition with a reason. Submitting
    /// opens its approval security review (the text classified, the parties
    /// screened); starting R&D opens its first R&D control check; resuming
    /// opens one due today. Approve, return and reject are refused here:
    /// only a review's decision makes them.
    pub async fn transition_project(&self, id: i64, transition: Transition, reason: &str) -> Result<ProjectEvent> {
        let rec = self.project_for(Action::Read, id).await?;
        match transition.mover() {
            Mover::ApplicantOrBureau => {
                let scope = self.gate(Action::Update, Some(Kind::Project))?;
                if !scope.permits_owner(rec.owner_org_id) {
                    return Err(AppError::not_found());
                }
            }
            Mover::Bureau => {
                self.gate(Action::ReviewGates, None)?;
            }
            // Refused by the state machine below, whoever asks.
            Mover::GateDecision(_) => {}
        }
        if reason.trim().is_empty() {
            return Err(invalid("reason", "变更理由：必填", "reason: required"));
        }
        let from = Access::stage_of(&rec)?;
        let gates = if transition == Transition::Complete {
            self.rnd_state(id).await?
        } else {
            GateState::default()
        };
        let to = next_stage(from, transition, false, gates)
            .map_err(|r| AppError::field(ErrorCode::Conflict, FieldError::new("transition", r.zh, r.en)))?;
        let meta = self.meta();
        let open = match transition {
            Transition::Submit => {
                self.app.classify_record(&rec, &meta).await?;
                let findings = approval_findings(&self.app.approval_facts(&rec).await?);
                Some(NewReview {
                    gate: Gate::ApprovalReview,
                    kind: Kind::Project,
                    record_id: id,
                    applicant_org_id: rec.owner_org_id,
                    due_on: None,
                    findings: serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
                })
            }
            Transition::Start => {
                let interval = rnd_check_interval_days(&self.approval_decided_findings(id).await?);
                Some(self.rnd_check(&rec, self.today() + Duration::days(interval)).await?)
            }
            Transition::Resume => Some(self.rnd_check(&rec, self.today()).await?),
            _ => None,
        };
        self.app
            .store()
            .move_project(
                &StageChange {
                    project_id: id,
                    from,
                    to,
                    transition,
                    reason: reason.trim().to_string(),
                    review_id: None,
                },
                open.as_ref(),
                &meta,
            )
            .await
            .map_err(|e| match e {
                kean_store::StoreError::VersionMismatch { .. } => conflict(
                    "项目阶段已被他人变更，请刷新后重试",
                    "the project moved meanwhile; reload and try again",
                ),
                e => store_err(e),
            })
    }

    /// A project's page panel.
    pub async fn project_panel(&self, id: i64) -> Result<ProjectPanel> {
        let rec = self.project_for(Action::Read, id).await?;
        let store = self.app.store();
        let bureau = self.is_bureau();
        let may_edit = self
            .gate(Action::Update, Some(Kind::Project))
            .is_ok_and(|s| s.permits_owner(rec.owner_org_id));
        let stage = Access::stage_of(&rec).ok();
        let offered = stage
            .map(kean_core::lifecycle::offered)
            .unwrap_or_default()
            .into_iter()
            .filter(|t| match t.mover() {
                Mover::ApplicantOrBureau => may_edit || bureau,
                Mover::Bureau => bureau,
                Mover::GateDecision(_) => false,
            })
            .collect();
        let mut reviews = store
            .reviews(&ReviewFilter {
                record: Some((Kind::Project, id)),
                limit: 100,
                ..ReviewFilter::default()
            })
            .await
            .map_err(store_err)?;
        if !bureau {
            for r in &mut reviews {
                redact_for_applicant(r);
            }
        }
        Ok(ProjectPanel {
            stage,
            events: store.project_events(id).await.map_err(store_err)?,
            parties: store.project_parties(id, true).await.map_err(store_err)?,
            reviews,
            // Technology links are the bureau's assessment.
            links: if bureau {
                store.links(Kind::Project, id).await.map_err(store_err)?
            } else {
                Vec::new()
            },
            offered,
            bureau,
            may_edit,
        })
    }

    /// Adds a participant (a registered organization), a foreign partner (a
    /// name and a country) or a team member (a registered researcher). In
    /// R&D, a change of team or partners opens an R&D control check due
    /// today, unless one is open.
    pub async fn add_project_party(
        &self,
        project_id: i64,
        role: &str,
        reference: Option<i64>,
        name: &str,
        country: &str,
        duty: &str,
    ) -> Result<ProjectParty> {
        let rec = self.project_for(Action::Update, project_id).await?;
        self.check_applicant_may_change(&rec)?;
        let stage = Access::stage_of(&rec)?;
        if stage.is_final() {
            return Err(AppError::field(
                ErrorCode::Conflict,
                FieldError::new(
                    "role",
                    format!("项目已{}，不能再变更参与方", stage.label(true)),
                    format!("the project is {}; its parties no longer change", stage.label(false)),
                ),
            ));
        }
        let read = |k| self.gate(Action::Read, Some(k));
        let store = self.app.store();
        let (org_id, person_id, name, country) = match role {
            "participant" => {
                let org = reference
                    .ok_or_else(|| invalid("org_id", "参与单位：必选", "participating organization: required"))?;
                // The directory of organizations is public (a liaison names
                // partners outside its own organization): read as kean.
                let o = store
                    .get(Kind::Organization, org, self.app.checks_scope()?)
                    .await
                    .map_err(store_err)?
                    .ok_or_else(|| {
                        invalid(
                            "org_id",
                            "参与单位：不存在",
                            "participating organization: no such organization",
                        )
                    })?;
                (
                    Some(org),
                    None,
                    o.fields.get("name").as_text().unwrap_or("").to_string(),
                    "CN".to_string(),
                )
            }
            "member" => {
                let person =
                    reference.ok_or_else(|| invalid("person_id", "项目成员：必选", "team member: required"))?;
                let p = store
                    .get(Kind::Person, person, read(Kind::Person)?)
                    .await
                    .map_err(store_err)?
                    .ok_or_else(|| {
                        invalid(
                            "person_id",
                            "项目成员：不存在或无权查看",
                            "team member: no such researcher",
                        )
                    })?;
                let nat = p.fields.get("nationality").as_text().unwrap_or("CN").to_string();
                (
                    None,
                    Some(person),
                    p.fields.get("name").as_text().unwrap_or("").to_string(),
                    nat,
                )
            }
            "foreign_partner" => {
                let name = name.trim();
                if name.is_empty() || name.chars().count() > 200 {
                    return Err(invalid(
                        "name",
                        "境外合作方名称：必填，至多200字",
                        "foreign partner: a name of at most 200 characters",
                    ));
                }
                let country = kean_core::country::parse_country(country.trim()).ok_or_else(|| {
                    invalid(
                        "country",
                        format!("国家/地区：“{}”不是ISO 3166国家代码或名称", country.trim()),
                        format!("country: '{}' is not an ISO 3166 code or name", country.trim()),
                    )
                })?;
                if country == "CN" {
                    return Err(invalid(
                        "country",
                        "境外合作方的国家/地区不能是中国",
                        "a foreign partner's country cannot be China",
                    ));
                }
                (None, None, name.to_string(), country.to_string())
            }
            other => {
                return Err(invalid(
                    "role",
                    format!("角色：“{other}”不是参与单位、境外合作方或项目成员"),
                    format!("role: '{other}' is not participant, foreign_partner or member"),
                ));
            }
        };
        if duty.chars().count() > 50 {
            return Err(invalid("duty", "分工：至多50字", "duty: at most 50 characters"));
        }
        let meta = self.meta();
        let party = store
            .add_project_party(
                &NewProjectParty {
                    project_id,
                    role: role.to_string(),
                    org_id,
                    person_id,
                    name,
                    country,
                    duty: Some(duty.trim().to_string()).filter(|d| !d.is_empty()),
                    since: self.today_text(),
                },
                &meta,
            )
            .await
            .map_err(store_err)?;
        self.reopen_rnd_check(&rec, stage).await?;
        Ok(party)
    }

    /// Ends a party's part in a project.
    pub async fn remove_project_party(&self, party_id: i64) -> Result<ProjectParty> {
        let party = self
            .app
            .store()
            .project_party(party_id)
            .await
            .map_err(store_err)?
            .ok_or_else(AppError::not_found)?;
        let rec = self.project_for(Action::Update, party.project_id).await?;
        self.check_applicant_may_change(&rec)?;
        let stage = Access::stage_of(&rec)?;
        let meta = self.meta();
        let removed = self
            .app
            .store()
            .remove_project_party(party_id, &meta)
            .await
            .map_err(store_err)?;
        self.reopen_rnd_check(&rec, stage).await?;
        Ok(removed)
    }

    async fn reopen_rnd_check(&self, rec: &Record, stage: Stage) -> Result<()> {
        if !matches!(stage, Stage::Rnd | Stage::Suspended) {
            return Ok(());
        }
        let open = self
            .app
            .record_reviews(Gate::RndControl, Kind::Project, rec.id, Some(true), 50)
            .await?;
        let today = self.today_text();
        if open.iter().any(|r| r.due_on.as_deref() <= Some(today.as_str())) {
            return Ok(());
        }
        let check = self.rnd_check(rec, self.today()).await?;
        self.app
            .store()
            .open_review(&check, &self.meta())
            .await
            .map_err(store_err)?;
        Ok(())
    }

    /// Records a researcher's disclosure of conflicts of interest and
    /// foreign roles (by its organization's liaison or the bureau).
    pub async fn add_disclosure(
        &self,
        person_id: i64,
        declared_on: &str,
        conflicts: &str,
        foreign_roles: &str,
    ) -> Result<Disclosure> {
        let scope = self.gate(Action::Update, Some(Kind::Person))?;
        let p = self.readable(Kind::Person, person_id).await?;
        if !scope.permits_owner(p.owner_org_id) {
            return Err(AppError::not_found());
        }
        let date = kean_core::record::parse_date(declared_on.trim()).ok_or_else(|| {
            invalid(
                "declared_on",
                format!("申报日期：“{}”不是有效日期", declared_on.trim()),
                format!("declared on: '{}' is not a date", declared_on.trim()),
            )
        })?;
        if date > self.today() {
            return Err(invalid(
                "declared_on",
                "申报日期：不能晚于今天",
                "declared on: must not be after today",
            ));
        }
        for (field, v, zh) in [
            ("conflicts", conflicts, "利益冲突情况"),
            ("foreign_roles", foreign_roles, "境外任职/兼职情况"),
        ] {
            if v.trim().is_empty() || v.chars().count() > 2000 {
                return Err(invalid(
                    field,
                    format!("{zh}：必填（没有请写“无”），至多2000字"),
                    format!("{field}: required (write 'none' if none), at most 2000 characters"),
                ));
            }
        }
        self.app
            .store()
            .add_disclosure(
                &NewDisclosure {
                    person_id,
                    declared_on: date.format("%Y-%m-%d").to_string(),
                    conflicts: conflicts.trim().to_string(),
                    foreign_roles: foreign_roles.trim().to_string(),
                },
                &self.meta(),
            )
            .await
            .map_err(store_err)
    }

    /// A person's disclosures, newest first.
    pub async fn disclosures(&self, person_id: i64) -> Result<Vec<Disclosure>> {
        self.readable(Kind::Person, person_id).await?;
        self.app.store().disclosures(&[person_id]).await.map_err(store_err)
    }

    /// Whether the actor reads the record a review is about.
    async fn reads_reviewed(&self, r: &GateReview) -> Result<Option<Record>> {
        let Ok(read) = self.gate(Action::Read, Some(r.kind)) else {
            return Ok(None);
        };
        self.app.store().get(r.kind, r.record_id, read).await.map_err(store_err)
    }

    /// One review: the bureau sees its findings (computed now while it is
    /// open); the applicant's organization sees its state and the decision
    /// with the reasons meant for them. Anyone else: not found.
    pub async fn review(&self, id: i64) -> Result<ReviewView> {
        let review = self
            .app
            .store()
            .review(id)
            .await
            .map_err(store_err)?
            .ok_or_else(AppError::not_found)?;
        let rec = self.reads_reviewed(&review).await?.ok_or_else(AppError::not_found)?;
        let bureau = self.is_bureau();
        let label = rec.fields.get(review.kind.label_field()).to_input();
        if !bureau {
            let mut review = review;
            redact_for_applicant(&mut review);
            return Ok(ReviewView {
                review,
                findings: Vec::new(),
                record_label: label,
                bureau,
                may_decide: false,
                high_risk: false,
                checklist: None,
                answers: Answers::new(),
                score: None,
            });
        }
        let findings = if review.is_open() {
            self.app
                .findings_now(review.gate, review.kind, review.record_id, review.licence_no.as_deref())
                .await?
        } else {
            serde_json::from_str(&review.findings).unwrap_or_default()
        };
        let high_risk = kean_core::lifecycle::is_high_risk(&findings);
        let may_decide = self.may_decide(&review);
        let checklist = match review.framework_id {
            Some(fid) => match self.app.store().framework_version(fid).await.map_err(store_err)? {
                Some(v) => kean_core::checklist::parse(&v.content).ok().map(|f| (v.id, f)),
                None => None,
            },
            None => self.app.framework_for(review.gate).await?,
        };
        let answers: Answers = review
            .answers
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        let score = review.score_permille.map(|p| p as f64 / 10.0);
        Ok(ReviewView {
            review,
            findings,
            record_label: label,
            bureau,
            may_decide,
            high_risk,
            checklist,
            answers,
            score,
        })
    }

    /// Whether this account may decide the review now (see
    /// [`kean_core::lifecycle::may_decide`]).
    fn may_decide(&self, r: &GateReview) -> bool {
        kean_core::lifecycle::may_decide(
            r.is_open(),
            r.applicant_org_id,
            r.first_reviewer_id,
            self.actor().user_id(),
            self.actor().org_id(),
        )
    }

    /// The gates' figures over the reviews opened from `from` to `to`
    /// (inclusive) that the actor may see — the bureau all, an applicant
    /// its own organization's — each gate, then all together.
    pub async fn review_figures(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<kean_core::lifecycle::GateFigures>> {
        let today = self.today();
        let filter = ReviewFilter {
            opened_from: Some(from.to_string()),
            opened_to: Some(to.to_string()),
            limit: 5000,
            ..ReviewFilter::default()
        };
        let day = |ts: &str| chrono::NaiveDate::parse_from_str(ts.get(..10).unwrap_or(""), "%Y-%m-%d").ok();
        let facts: Vec<kean_core::lifecycle::ReviewFacts> = self
            .reviews(&filter)
            .await?
            .into_iter()
            .filter_map(|(r, _)| {
                let findings: Vec<kean_core::lifecycle::Finding> =
                    serde_json::from_str(&r.findings).unwrap_or_default();
                Some(kean_core::lifecycle::ReviewFacts {
                    gate: r.gate,
                    open: r.is_open(),
                    decision: if r.state == "decided" {
                        r.decision.as_deref().and_then(kean_core::lifecycle::Decision::parse)
                    } else {
                        None
                    },
                    blocked: findings
                        .iter()
                        .any(|f| f.severity == kean_core::lifecycle::Severity::Block),
                    overdue: r.is_open() && r.due_on.as_deref().and_then(day).is_some_and(|d| d < today),
                    opened_on: day(&r.opened_at)?,
                    decided_on: r.decided_at.as_deref().and_then(day),
                })
            })
            .collect();
        Ok(kean_core::lifecycle::gate_figures(&facts))
    }

    /// Reviews for work lists: the bureau sees all (filtered); an applicant
    /// sees its own organization's, redacted; `mine`: those the account
    /// may decide now.
    pub async fn reviews(&self, filter: &ReviewFilter) -> Result<Vec<(GateReview, String)>> {
        let bureau = self.is_bureau();
        let mut f = filter.clone();
        if !bureau {
            let scope = self.gate(Action::Read, Some(Kind::Project))?;
            match scope.organization() {
                Some(org) => f.applicant_org_id = Some(org),
                None => {
                    return Err(AppError::denied(kean_core::policy::Denied {
                        reason_zh: "安全审查由局审核人员负责",
                        reason_en: "security reviews are the bureau reviewers'",
                    }));
                }
            }
        }
        if !bureau && f.blocked {
            // The checks' findings are the bureau's, and so is their count.
            return Err(AppError::denied(kean_core::policy::Denied {
                reason_zh: "审查发现仅供局审核人员查看",
                reason_en: "a review's findings are the bureau reviewers'",
            }));
        }
        if f.mine && !self.may(Action::ReviewGates, None) {
            return Ok(Vec::new());
        }
        let reviews = self.app.store().reviews(&f).await.map_err(store_err)?;
        let mut out = Vec::with_capacity(reviews.len());
        for mut r in reviews {
            if f.mine && !self.may_decide(&r) {
                continue;
            }
            // Reviews of records the actor cannot read are not listed.
            let Some(rec) = self.reads_reviewed(&r).await? else {
                continue;
            };
            if !bureau {
                redact_for_applicant(&mut r);
            }
            let label = rec.fields.get(r.kind.label_field()).to_input();
            out.push((r, label));
        }
        Ok(out)
    }

    /// Decides a review. The rules are `check_decision`'s (reasons,
    /// conditions, no reviewer of the applicant's organization, no pass
    /// over a block, a second reviewer for high-risk reviews); the findings
    /// are computed again at this moment. A final approval decision moves
    /// the project; a passed R&D check schedules the next; a rejected one
    /// suspends the project.
    pub async fn decide_review(
        &self,
        id: i64,
        decision: &str,
        reasons: &str,
        conditions: &str,
        note: &str,
        answers: &Answers,
    ) -> Result<GateReview> {
        self.gate(Action::ReviewGates, None)?;
        let review = self
            .app
            .store()
            .review(id)
            .await
            .map_err(store_err)?
            .ok_or_else(AppError::not_found)?;
        let rec = self.reads_reviewed(&review).await?.ok_or_else(AppError::not_found)?;
        let decision = Decision::parse(decision).ok_or_else(|| {
            invalid(
                "decision",
                format!(
                    "审查结论：“{}”不是通过、附条件通过、退回修改或不予通过",
                    decision.trim()
                ),
                format!(
                    "decision: '{}' is not pass, conditional, return or reject",
                    decision.trim()
                ),
            )
        })?;
        if !review.is_open() {
            return Err(conflict("该审查已作出决定", "this review is decided already"));
        }
        for (field, v, max) in [
            ("reasons", reasons, 2000),
            ("conditions", conditions, 2000),
            ("note", note, 2000),
        ] {
            if v.chars().count() > max {
                return Err(invalid(
                    field,
                    format!("{field}：至多{max}字"),
                    format!("{field}: at most {max} characters"),
                ));
            }
        }
        let mut findings = self
            .app
            .findings_now(review.gate, review.kind, review.record_id, review.licence_no.as_deref())
            .await?;
        // The checklist: complete for a pass (every requirement answered in
        // its type), kept when complete otherwise; each shortfall a finding.
        let mut checklist = None;
        if let Some((fid, framework)) = self.app.framework_for(review.gate).await? {
            match kean_core::checklist::score(&framework, answers) {
                Ok(scored) => {
                    for (id, text) in &scored.shortfalls {
                        findings.push(Finding {
                            code: "checklist_shortfall".into(),
                            severity: kean_core::lifecycle::Severity::Flag,
                            zh: format!("核查表 {id}：{text} — 未达到要求"),
                            en: format!("checklist {id}: {text} — not met"),
                        });
                    }
                    checklist = Some((
                        fid,
                        serde_json::to_string(answers).unwrap_or_else(|_| "{}".into()),
                        (scored.percent * 10.0).round() as i64,
                    ));
                }
                Err(errors) if decision.passes() => {
                    return Err(AppError::validation(
                        errors
                            .into_iter()
                            .map(|(id, zh, en)| {
                                FieldError::new(
                                    &format!("checklist.{id}"),
                                    format!("核查表：{zh}"),
                                    format!("checklist: {en}"),
                                )
                            })
                            .collect(),
                    ));
                }
                Err(_) => {}
            }
        }
        let effect = check_decision(&DecisionInput {
            decision,
            reasons,
            conditions,
            reviewer_id: self.actor().user_id(),
            reviewer_org: self.actor().org_id(),
            applicant_org: review.applicant_org_id,
            findings: &findings,
            first_reviewer: review.first_reviewer_id,
        })
        .map_err(|e| {
            let code = if e.field == "reviewer" {
                ErrorCode::Forbidden
            } else {
                ErrorCode::ValidationFailed
            };
            AppError::field(code, FieldError::new(e.field, e.zh, e.en))
        })?;
        let is_final = effect == DecisionEffect::Final;
        let mut change = None;
        let mut next = None;
        if is_final && review.kind == Kind::Project {
            let from = Access::stage_of(&rec)?;
            match review.gate {
                Gate::ApprovalReview => {
                    let t = Transition::of_approval_decision(decision);
                    let to = next_stage(from, t, true, GateState::default())
                        .map_err(|r| AppError::field(ErrorCode::Conflict, FieldError::new("decision", r.zh, r.en)))?;
                    change = Some(StageChange {
                        project_id: rec.id,
                        from,
                        to,
                        transition: t,
                        reason: reasons.trim().to_string(),
                        review_id: Some(id),
                    });
                }
                Gate::RndControl => {
                    if decision.passes() {
                        let interval = rnd_check_interval_days(&findings);
                        next = Some(self.rnd_check(&rec, self.today() + Duration::days(interval)).await?);
                    } else if decision == Decision::Reject && from == Stage::Rnd {
                        change = Some(StageChange {
                            project_id: rec.id,
                            from,
                            to: Stage::Suspended,
                            transition: Transition::Suspend,
                            reason: reasons.trim().to_string(),
                            review_id: Some(id),
                        });
                    }
                }
                Gate::TransferAudit | Gate::PlatformAssessment => {}
            }
        }
        self.app
            .store()
            .decide_review(
                &ReviewDecision {
                    id,
                    expected_state: review.state.clone(),
                    is_final,
                    decision,
                    reasons: reasons.trim().to_string(),
                    conditions: conditions.trim().to_string(),
                    note: note.trim().to_string(),
                    findings: serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
                    checklist,
                },
                change.as_ref(),
                next.as_ref(),
                &self.meta(),
            )
            .await
            .map_err(|e| match e {
                kean_store::StoreError::VersionMismatch { .. } => conflict(
                    "该审查已被他人处理，请刷新后重试",
                    "someone decided this review meanwhile; reload",
                ),
                e => store_err(e),
            })
    }

    /// Records the export licence number of an open transfer audit.
    pub async fn record_licence(&self, id: i64, licence_no: &str) -> Result<GateReview> {
        self.gate(Action::ReviewGates, None)?;
        let review = self
            .app
            .store()
            .review(id)
            .await
            .map_err(store_err)?
            .ok_or_else(AppError::not_found)?;
        self.reads_reviewed(&review).await?.ok_or_else(AppError::not_found)?;
        let licence = licence_no.trim();
        if review.gate != Gate::TransferAudit {
            return Err(invalid(
                "licence_no",
                "只有转化安全审核登记出口许可证",
                "only a transfer audit records an export licence",
            ));
        }
        if licence.is_empty() || licence.chars().count() > 60 || licence.chars().any(char::is_control) {
            return Err(invalid(
                "licence_no",
                "技术出口许可证编号：必填，至多60字",
                "export licence number: required, at most 60 characters",
            ));
        }
        let findings = self
            .app
            .findings_now(review.gate, review.kind, review.record_id, Some(licence))
            .await?;
        self.app
            .store()
            .record_licence(
                id,
                licence,
                &serde_json::to_string(&findings).unwrap_or_default(),
                &self.meta(),
            )
            .await
            .map_err(|e| match e {
                kean_store::StoreError::VersionMismatch { .. } => {
                    conflict("该审查已作出决定", "this review is decided already")
                }
                e => store_err(e),
            })
    }

    /// Opens a transfer audit of a transfer or contract on demand (records
    /// registered before the gate existed, or loaded at the machine).
    pub async fn open_transfer_audit(&self, kind: Kind, id: i64) -> Result<GateReview> {
        self.gate(Action::ReviewGates, None)?;
        if !matches!(kind, Kind::Transfer | Kind::TechContract) {
            return Err(invalid(
                "kind",
                "转化安全审核针对成果转化和技术合同",
                "a transfer audit is of a transfer or a technology contract",
            ));
        }
        self.readable(kind, id).await?;
        self.app.ensure_transfer_audits(kind, &[id], &self.meta()).await?;
        let r = self.app.record_reviews(Gate::TransferAudit, kind, id, None, 1).await?;
        r.into_iter()
            .next()
            .ok_or_else(|| AppError::internal("transfer audit not opened"))
    }

    /// Opens a security assessment of an innovation platform (at its
    /// recognition or annual evaluation), answered on the platform checklist.
    pub async fn open_platform_assessment(&self, id: i64) -> Result<GateReview> {
        self.gate(Action::ReviewGates, None)?;
        let rec = self.readable(Kind::Platform, id).await?;
        let open = self
            .app
            .record_reviews(Gate::PlatformAssessment, Kind::Platform, id, Some(true), 1)
            .await?;
        if let Some(r) = open.into_iter().next() {
            return Ok(r);
        }
        let findings = self
            .app
            .findings_now(Gate::PlatformAssessment, Kind::Platform, id, None)
            .await?;
        self.app
            .store()
            .open_review(
                &NewReview {
                    gate: Gate::PlatformAssessment,
                    kind: Kind::Platform,
                    record_id: id,
                    applicant_org_id: rec.owner_org_id,
                    due_on: None,
                    findings: serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
                },
                &self.meta(),
            )
            .await
            .map_err(store_err)
    }

    /// The newest checklist of each gate (anyone of the bureau reads them).
    pub async fn frameworks(&self) -> Result<Vec<(FrameworkVersion, Framework)>> {
        self.gate(Action::Read, Some(Kind::IndustryChain))?;
        Ok(self
            .app
            .frameworks()
            .await?
            .into_iter()
            .filter_map(|v| kean_core::checklist::parse(&v.content).ok().map(|f| (v, f)))
            .collect())
    }

    /// Loads a new version of a checklist (the bureau administrator's): the
    /// file names which gate's checklist it is; one that does not parse is
    /// refused naming its line; an unchanged one adds nothing.
    pub async fn import_framework(&self, file_name: &str, bytes: &[u8]) -> Result<Option<FrameworkVersion>> {
        self.gate(Action::ManageDictionaries, None)?;
        let text = std::str::from_utf8(bytes).map_err(|_| {
            invalid(
                "file",
                format!("{file_name}：应为UTF-8文本"),
                format!("{file_name}: not UTF-8 text"),
            )
        })?;
        let f = kean_core::checklist::parse(text)
            .map_err(|e| invalid("file", format!("{file_name}：{}", e.zh), format!("{file_name}: {e}")))?;
        if Gate::parse(&f.code).is_none() {
            return Err(invalid(
                "file",
                format!(
                    "{file_name}：框架代码“{}”不是审查环节（approval_review、rnd_control、transfer_audit、platform_assessment）",
                    f.code
                ),
                format!(
                    "{file_name}: '{}' is not a gate (approval_review, rnd_control, transfer_audit, platform_assessment)",
                    f.code
                ),
            ));
        }
        let current = self.app.frameworks().await?;
        if current.iter().any(|v| v.code == f.code && v.content == text) {
            return Ok(None);
        }
        self.app
            .store()
            .add_framework_version(&f.code, &f.title, &f.edition, text, &self.meta())
            .await
            .map(Some)
            .map_err(store_err)
    }

    /// Runs the classifier on a record again (the bureau's), storing its suggestions.
    pub async fn classify(&self, kind: Kind, id: i64) -> Result<Vec<TechLink>> {
        self.gate(Action::ReviewGates, None)?;
        let rec = self.readable(kind, id).await?;
        if App::document(&rec).is_none() {
            return Err(invalid(
                "kind",
                "该类记录不做技术分类",
                "records of this kind are not classified",
            ));
        }
        self.app.classify_record(&rec, &self.meta()).await
    }

    /// A record's technology links (the bureau's).
    pub async fn links(&self, kind: Kind, id: i64) -> Result<Vec<TechLink>> {
        self.gate(Action::ReviewGates, None)?;
        self.readable(kind, id).await?;
        self.app.store().links(kind, id).await.map_err(store_err)
    }

    /// Confirms or rejects a suggested (or decided) link.
    pub async fn decide_link(&self, link_id: i64, confirm: bool) -> Result<TechLink> {
        self.gate(Action::ReviewGates, None)?;
        let link = self
            .app
            .store()
            .link(link_id)
            .await
            .map_err(store_err)?
            .ok_or_else(AppError::not_found)?;
        self.readable(link.kind, link.record_id).await?;
        self.app
            .store()
            .decide_link(link_id, confirm, &self.meta())
            .await
            .map_err(store_err)
    }

    /// Links an organization to a chokepoint item it depends on (confirmed at once).
    pub async fn add_dependence(&self, org_id: i64, item_code: &str) -> Result<TechLink> {
        self.gate(Action::ReviewGates, None)?;
        self.readable(Kind::Organization, org_id).await?;
        let classifier = self.app.classifier().await?;
        let item = classifier
            .items()
            .iter()
            .find(|i| {
                i.dictionary == DictionaryKind::Chokepoint
                    && (i.key() == item_code.trim() || i.name == item_code.trim())
            })
            .ok_or_else(|| {
                invalid(
                    "item",
                    format!("“卡脖子”技术清单中没有“{}”", item_code.trim()),
                    format!("the chokepoint list has no item '{}'", item_code.trim()),
                )
            })?
            .clone();
        let meta = self.meta();
        // The organization's other suggestions stay; its decided links too.
        let mut links: Vec<NewLink> = self
            .app
            .store()
            .links(Kind::Organization, org_id)
            .await
            .map_err(store_err)?
            .into_iter()
            .filter(|l| l.state == "suggested")
            .map(|l| NewLink {
                dictionary: l.dictionary,
                item_code: l.item_code,
                item_name: l.item_name,
                score_milli: l.score_milli,
                matched_terms: l.matched_terms,
            })
            .collect();
        links.push(NewLink {
            dictionary: item.dictionary.as_str().to_string(),
            item_code: item.key(),
            item_name: item.name.clone(),
            score_milli: 1000,
            matched_terms: "人工关联".into(),
        });
        let stored = self
            .app
            .store()
            .suggest_links(Kind::Organization, org_id, &links, &meta)
            .await
            .map_err(store_err)?;
        let link = stored
            .into_iter()
            .find(|l| l.dictionary == item.dictionary.as_str() && l.item_code == item.key())
            .ok_or_else(|| AppError::internal("dependence link not stored"))?;
        if link.state == "confirmed" {
            return Ok(link);
        }
        self.app
            .store()
            .decide_link(link.id, true, &meta)
            .await
            .map_err(store_err)
    }

    /// Imports a new version of a dictionary (CSV in either seed format or
    /// kean's own; XLSX read as its first sheet by the caller). A file of
    /// both dictionaries, or one that does not parse, is refused naming the
    /// line; an unchanged file adds no version.
    pub async fn import_dictionary(
        &self,
        expected: Option<DictionaryKind>,
        file_name: &str,
        bytes: &[u8],
        label: &str,
    ) -> Result<Option<DictionaryImport>> {
        self.gate(Action::ManageDictionaries, None)?;
        let bytes = dictionary_csv(file_name, bytes)?;
        let d = kean_classify::load_dictionary(&bytes)
            .map_err(|e| invalid("file", format!("{file_name}：{e}"), format!("{file_name}: {e}")))?;
        let kinds: BTreeSet<DictionaryKind> = d.items.iter().map(|i| i.dictionary).collect();
        let kind = match kinds.len() {
            1 => *kinds.iter().next().unwrap_or(&DictionaryKind::Chokepoint),
            0 => {
                return Err(invalid(
                    "file",
                    format!("{file_name}：没有条目"),
                    format!("{file_name}: no items"),
                ));
            }
            _ => {
                return Err(invalid(
                    "file",
                    format!("{file_name}：一个文件只能是一种清单（“卡脖子”技术清单或出口管制目录）"),
                    format!("{file_name}: one file holds one dictionary (chokepoint or export control)"),
                ));
            }
        };
        if expected.is_some_and(|x| x != kind) {
            return Err(invalid(
                "file",
                format!("{file_name}：文件中是{}，不是所选的清单", dictionary_label(kind, true)),
                format!(
                    "{file_name}: the file holds the {}, not the dictionary chosen",
                    dictionary_label(kind, false)
                ),
            ));
        }
        self.app.dictionaries().await?;
        let label = if label.trim().is_empty() {
            file_name
        } else {
            label.trim()
        };
        self.app
            .add_dictionary(kind, d.items, label, file_name, &self.meta())
            .await
    }

    /// A dictionary's versions, newest first (anyone of the bureau reads them).
    pub async fn dictionary_versions(&self, dictionary: DictionaryKind) -> Result<Vec<DictionaryVersion>> {
        self.gate(Action::Read, Some(Kind::IndustryChain))?;
        self.app.dictionaries().await?;
        self.app
            .store()
            .dictionary_versions(dictionary.as_str())
            .await
            .map_err(store_err)
    }

    /// The items of a dictionary's newest version with their coverage:
    /// projects aimed at each (confirmed links of projects the actor reads)
    /// and the organizations depending on it.
    pub async fn coverage(&self, dictionary: DictionaryKind) -> Result<Vec<CoverageRow>> {
        self.gate(Action::Read, Some(Kind::IndustryChain))?;
        let latest = self.app.dictionaries().await?;
        let Some(v) = latest.iter().find(|v| v.dictionary == dictionary.as_str()) else {
            return Ok(Vec::new());
        };
        let items = parse_stored(v)?.items;
        let links = self
            .app
            .store()
            .confirmed_links(dictionary.as_str())
            .await
            .map_err(store_err)?;
        let project_read = self.gate(Action::Read, Some(Kind::Project)).ok();
        let org_read = self.gate(Action::Read, Some(Kind::Organization)).ok();
        let mut rows = Vec::with_capacity(items.len());
        for i in items {
            let mut projects = Vec::new();
            let mut dependents = Vec::new();
            for l in links.iter().filter(|l| l.item_code == i.key()) {
                match (l.kind, project_read, org_read) {
                    (Kind::Project, Some(scope), _) => {
                        if let Some(p) = self
                            .app
                            .store()
                            .get(Kind::Project, l.record_id, scope)
                            .await
                            .map_err(store_err)?
                        {
                            projects.push((p.id, p.fields.get("title").to_input(), p.fields.get("stage").to_input()));
                        }
                    }
                    (Kind::Organization, _, Some(scope)) => {
                        if let Some(o) = self
                            .app
                            .store()
                            .get(Kind::Organization, l.record_id, scope)
                            .await
                            .map_err(store_err)?
                        {
                            dependents.push((o.id, o.fields.get("name").to_input()));
                        }
                    }
                    _ => {}
                }
            }
            rows.push(CoverageRow {
                key: i.key(),
                code: i.code.clone(),
                name: i.name.clone(),
                group: i.group.clone(),
                description: i.description.clone(),
                terms: i.terms.iter().map(|t| t.text.clone()).collect(),
                projects,
                dependents,
                control: i.control,
            });
        }
        Ok(rows)
    }
}

/// The dictionary's name.
pub fn dictionary_label(d: DictionaryKind, zh: bool) -> &'static str {
    match (d, zh) {
        (DictionaryKind::Chokepoint, true) => "“卡脖子”技术清单",
        (DictionaryKind::Chokepoint, false) => "chokepoint technology list",
        (DictionaryKind::ExportControl, true) => "禁止出口限制出口技术目录",
        (DictionaryKind::ExportControl, false) => "export-controlled technology catalogue",
    }
}

/// A dictionary file as CSV: a workbook's first sheet written out as CSV
/// (header and rows as read), a CSV file as it is.
fn dictionary_csv(file_name: &str, bytes: &[u8]) -> Result<Vec<u8>> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(bytes.to_vec());
    }
    let table = kean_exchange::read_table(bytes, &kean_exchange::ReadOptions::default()).map_err(|e| {
        invalid(
            "file",
            format!("{file_name}：{}", e.message_zh()),
            format!("{file_name}: {}", e.message_en()),
        )
    })?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>, cells: &[String]| {
        w.write_record(cells)
            .map_err(|e| AppError::internal(format!("writing CSV: {e}")))
    };
    write(&mut w, &table.headers)?;
    for row in &table.rows {
        write(&mut w, &row.cells)?;
    }
    w.into_inner()
        .map_err(|e| AppError::internal(format!("writing CSV: {e}")))
}

/// What an applicant does not see of a review: the checks, the internal
/// note, the first reviewer's decision.
fn redact_for_applicant(r: &mut GateReview) {
    r.findings = "[]".into();
    r.note = None;
    r.first_decision = None;
    r.first_reasons = None;
    r.first_reviewer = None;
    r.first_reviewer_id = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, name: &str, desc: &str) -> kean_classify::Item {
        kean_classify::Item {
            dictionary: DictionaryKind::ExportControl,
            code: code.into(),
            name: name.into(),
            group: "限制出口".into(),
            edition: "2023".into(),
            description: desc.into(),
            terms: vec![],
            control: Some(ExportControl::Restricted),
            source: String::new(),
        }
    }

    #[test]
    fn a_new_version_names_what_it_added_changed_and_removed() {
        let old = vec![item("1X", "a", "x"), item("2X", "b", "y"), item("3X", "c", "z")];
        let new = vec![item("1X", "a", "x"), item("2X", "b", "changed"), item("4X", "d", "w")];
        let (a, c, r) = diff(&old, &new);
        assert_eq!(a, vec!["4X"]);
        assert_eq!(c, vec!["2X"]);
        assert_eq!(r, vec!["3X"]);
    }
}
