//! Reporting with review (填报 → 审核, issue 16): an institution's liaison
//! reports, a bureau reviewer approves or returns.
//!
//! When the actor reports through review (`kean_core::submission::
//! submits_for_review`) and the kind is one the setting names
//! ([`ReviewKinds`]), [`Access::save_new`], [`Access::save_changes`],
//! [`Access::save_archived`] and an import make a submission instead of
//! writing: the input is validated, its references and owner decided and
//! its unique values checked exactly as a direct write would, and what
//! would be written is kept as input texts. The direct writes
//! ([`Access::create`], [`Access::update`], [`Access::set_archived`])
//! refuse such an actor, so no page or API call can go around the review.
//!
//! An approval validates the kept input again as the reviewer (the world
//! may have moved: a reference archived, a value taken, the record edited)
//! and writes it in the deciding transaction; a failure leaves the
//! submission pending, with the reason. Nothing here knows a kind by name:
//! a registry added to the schema is reported and reviewed like the others.

use std::collections::{BTreeMap, HashMap};

use kean_core::policy::Action;
use kean_core::record::validate_under;
use kean_core::schema::FieldType;
use kean_core::submission::{
    Operation, REVIEW_KINDS_SETTING, ReviewKinds, SubmissionStatus, changed_fields, check_decider, check_reasons,
    submits_for_review,
};
use kean_core::{ErrorCode, FieldError, Fields, Kind, Record};
use kean_store::{
    NewImport, NewSubmission, Page, QueueCount, Submission, SubmissionApply, SubmissionEvent, SubmissionFilter,
};

use crate::import::{ImportRow, ImportSource};
use crate::{Access, App, AppError, Result};

/// What a save did: wrote the record (bureau accounts), or made a
/// submission that waits for review (an institution's liaison).
#[derive(Debug, Clone)]
pub enum Saved {
    Record(Record),
    Submitted(Box<Submission>),
}

/// A submission as a reader sees it: the proposal and the values before
/// it, as validated fields where they still validate (shown as people read
/// them), the record as it is now, the labels of what they refer to, and
/// the history.
#[derive(Debug, Clone)]
pub struct SubmissionView {
    pub submission: Submission,
    /// The name of the organization it comes from.
    pub org_name: String,
    /// The proposed values (create, update).
    pub proposed: Option<Fields>,
    /// The values the submitter changed from.
    pub before: Option<Fields>,
    /// The record now, when it still exists and the reader may read it.
    pub current: Option<Record>,
    /// The proposed rows of an import (at most [`IMPORT_ROWS_SHOWN`]).
    pub rows: Vec<(usize, Fields)>,
    pub labels: HashMap<(Kind, i64), String>,
    pub events: Vec<SubmissionEvent>,
    /// Whether the record changed since it was submitted (an approval would
    /// then be refused).
    pub stale: bool,
    /// The fields the last correction changed (a resubmitted report
    /// waiting for review): what the reviewer looks at again.
    pub corrected: Vec<String>,
    /// What the reader may do with it now.
    pub may_decide: bool,
    pub may_correct: bool,
    pub may_withdraw: bool,
}

/// How many rows of an import's submission its page shows.
pub const IMPORT_ROWS_SHOWN: usize = 200;

/// A page of submissions with the names of their organizations.
#[derive(Debug, Clone)]
pub struct SubmissionListing {
    pub page: Page<Submission>,
    pub org_names: HashMap<i64, String>,
}

/// What a batch approval did with each submission asked.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    pub approved: Vec<i64>,
    /// Submissions not approved, with the reason.
    pub refused: Vec<(i64, AppError)>,
}

impl App {
    /// The kinds whose reports need review (the setting; every kind an
    /// organization reports when it was never set).
    pub async fn review_kinds(&self) -> Result<ReviewKinds> {
        match self
            .store()
            .setting(REVIEW_KINDS_SETTING)
            .await
            .map_err(AppError::from_store)?
        {
            None => Ok(ReviewKinds::default()),
            Some(text) => ReviewKinds::parse(&text).map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("设置中的需审核类别无效：{}", e.message_zh),
                    format!("the review_kinds setting is invalid: {}", e.message_en),
                )
            }),
        }
    }
}

fn review_required() -> AppError {
    AppError::new(
        ErrorCode::Forbidden,
        "单位联络员填报的内容须经科技局审核后生效，请通过填报提交",
        "an institution's reports take effect after the bureau's review; submit them for review",
    )
}

fn open_elsewhere(sub_id: i64) -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        format!("该记录已有待审核或已退回的申报（第{sub_id}号），请在“我的填报”中修改或撤回后再提交"),
        format!("the record already has an open submission (#{sub_id}); correct or withdraw it first"),
    )
}

/// The input texts of validated fields (what a form would hold).
fn inputs(fields: &Fields) -> BTreeMap<String, String> {
    fields.iter().map(|(f, v)| (f.name.to_string(), v.to_input())).collect()
}

/// The same for an import's row: references written `#id`, which the
/// import's resolver reads as that record whatever names or codes say.
fn row_inputs(fields: &Fields) -> BTreeMap<String, String> {
    fields
        .iter()
        .map(|(f, v)| {
            let text = match (f.ty, v.as_ref_id()) {
                (FieldType::Ref(_), Some(id)) => format!("#{id}"),
                _ => v.to_input(),
            };
            (f.name.to_string(), text)
        })
        .collect()
}

fn map_of(v: Option<&serde_json::Value>) -> BTreeMap<String, String> {
    v.and_then(|v| v.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

impl Access {
    /// Whether this actor's writes of `kind` go through review.
    pub async fn needs_review(&self, kind: Kind) -> Result<bool> {
        if !submits_for_review(self.actor().role()) || self.actor().is_system() {
            return Ok(false);
        }
        Ok(self.app().review_kinds().await?.contains(kind))
    }

    /// The kinds that need review (anyone signed in may know).
    pub async fn review_kinds(&self) -> Result<ReviewKinds> {
        self.app().review_kinds().await
    }

    /// Sets which kinds need review (the bureau administrator's; audited
    /// `set_setting`). Open submissions of a kind taken out stay to be
    /// decided.
    pub async fn set_review_kinds(&self, slugs: &[String]) -> Result<ReviewKinds> {
        self.check(Action::ConfigureReview, None)?;
        let kinds = ReviewKinds::parse(&slugs.join(",")).map_err(|e| AppError::validation(vec![e]))?;
        self.app()
            .store()
            .set_setting(REVIEW_KINDS_SETTING, &kinds.to_setting(), &self.meta())
            .await
            .map_err(AppError::from_store)?;
        Ok(kinds)
    }

    /// The guard of the direct writes.
    pub(crate) async fn refuse_if_reviewed(&self, kind: Kind) -> Result<()> {
        if self.needs_review(kind).await? {
            return Err(review_required());
        }
        Ok(())
    }

    // ---------------- reporting ----------------

    /// Registers a record, or reports it for review.
    pub async fn save_new(&self, kind: Kind, raw: &BTreeMap<String, String>) -> Result<Saved> {
        if !self.needs_review(kind).await? {
            return Ok(Saved::Record(self.create(kind, raw).await?));
        }
        let scope = self.gate(Action::Create, Some(kind))?;
        self.check_probe_budget(kind).await?;
        let (fields, owner) = self.prepare(kind, raw, None, scope).await?;
        self.check_unique(kind, &fields, None).await?;
        let new = self.proposal(kind, Operation::Create, &fields, owner, None)?;
        self.submit(new).await.map(|s| Saved::Submitted(Box::new(s)))
    }

    /// Replaces a record's fields, or reports the change for review. A
    /// record with an open submission is reported by correcting that one.
    pub async fn save_changes(
        &self,
        kind: Kind,
        id: i64,
        raw: &BTreeMap<String, String>,
        expected_version: Option<i64>,
    ) -> Result<Saved> {
        if !self.needs_review(kind).await? {
            return Ok(Saved::Record(self.update(kind, id, raw, expected_version).await?));
        }
        let scope = self.gate(Action::Update, Some(kind))?;
        self.check_probe_budget(kind).await?;
        let previous = self
            .app()
            .store()
            .get(kind, id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        if let Some(v) = expected_version
            && v != previous.version
        {
            return Err(AppError::from_store(kean_store::StoreError::VersionMismatch {
                expected: v,
                actual: previous.version,
            }));
        }
        let (fields, owner) = self.prepare(kind, raw, Some(&previous), scope).await?;
        self.check_unique(kind, &fields, Some(id)).await?;
        let new = self.proposal(kind, Operation::Update, &fields, owner, Some(&previous))?;
        if new.changed.is_empty() {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "没有修改任何内容，无需提交审核",
                "nothing was changed; there is nothing to submit",
            ));
        }
        let read = self.gate(Action::ReadSubmissions, None)?;
        match self
            .app()
            .store()
            .open_submission(kind, id, read)
            .await
            .map_err(AppError::from_store)?
        {
            Some(open) if open.operation == Operation::Update => self.store_resubmit(&open, None, new).await,
            Some(open) => Err(open_elsewhere(open.id)),
            None => self.submit(new).await,
        }
        .map(|s| Saved::Submitted(Box::new(s)))
    }

    /// Archives or restores a record, or reports that for review.
    pub async fn save_archived(&self, kind: Kind, id: i64, archived: bool) -> Result<Saved> {
        if !self.needs_review(kind).await? {
            return Ok(Saved::Record(self.set_archived(kind, id, archived).await?));
        }
        let scope = self.gate(Action::Archive, Some(kind))?;
        let previous = self
            .app()
            .store()
            .get(kind, id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        if previous.archived == archived {
            return Ok(Saved::Record(self.disclose(previous)));
        }
        let org = previous.owner_org_id.ok_or_else(review_required)?;
        let operation = if archived {
            Operation::Archive
        } else {
            Operation::Restore
        };
        let new = NewSubmission {
            kind,
            operation,
            record_id: Some(id),
            base_version: Some(previous.version),
            org_id: org,
            level: previous.fields.classification(),
            payload: serde_json::json!({}),
            before: Some(serde_json::json!(inputs(&previous.fields))),
            changed: vec![],
            label: previous.fields.label(),
            file_name: None,
            content_hash: None,
            row_count: 1,
        };
        self.submit(new).await.map(|s| Saved::Submitted(Box::new(s)))
    }

    /// An import's checked rows as one submission.
    pub(crate) async fn submit_import(
        &self,
        kind: Kind,
        good: &[(usize, Fields, Option<i64>)],
        source: &ImportSource,
    ) -> Result<Submission> {
        let org = self.actor().org_id().ok_or_else(review_required)?;
        if good.iter().any(|(_, _, o)| *o != Some(org)) {
            return Err(review_required());
        }
        if !source.force {
            let read = self.gate(Action::ReadSubmissions, None)?;
            let earlier = self
                .app()
                .store()
                .submissions(
                    &SubmissionFilter {
                        content_hash: Some(source.content_hash.clone()),
                        statuses: vec![
                            SubmissionStatus::Pending,
                            SubmissionStatus::Returned,
                            SubmissionStatus::Approved,
                        ],
                        page: 1,
                        page_size: 1,
                        ..Default::default()
                    },
                    read,
                )
                .await
                .map_err(AppError::from_store)?;
            if let Some(prev) = earlier.items.first() {
                return Err(AppError::new(
                    ErrorCode::Conflict,
                    format!(
                        "同一文件已于 {} 由 {} 提交（第{}号申报，{}）；如确需重复提交，请选择“强制导入”",
                        kean_core::display_time(&prev.submitted_at),
                        prev.submitter,
                        prev.id,
                        prev.status.label(true)
                    ),
                    format!(
                        "the same file was submitted at {} by {} (submission #{}, {}); force the import to repeat it",
                        prev.submitted_at,
                        prev.submitter,
                        prev.id,
                        prev.status.label(false)
                    ),
                ));
            }
        }
        let level = good
            .iter()
            .map(|(_, f, _)| f.classification())
            .max()
            .unwrap_or(kean_core::confidentiality::Classification::Public);
        let new = NewSubmission {
            kind,
            operation: Operation::Import,
            record_id: None,
            base_version: None,
            org_id: org,
            level,
            payload: serde_json::json!({
                "rows": good.iter().map(|(_, f, _)| row_inputs(f)).collect::<Vec<_>>(),
                "lines": good.iter().map(|(l, _, _)| l).collect::<Vec<_>>(),
            }),
            before: None,
            changed: vec![],
            label: source.file_name.clone(),
            file_name: Some(source.file_name.clone()),
            content_hash: Some(source.content_hash.clone()),
            row_count: good.len() as i64,
        };
        self.submit(new).await
    }

    /// The submission a create or update would make.
    fn proposal(
        &self,
        kind: Kind,
        operation: Operation,
        fields: &Fields,
        owner: Option<i64>,
        previous: Option<&Record>,
    ) -> Result<NewSubmission> {
        let org = owner.ok_or_else(review_required)?;
        let after = inputs(fields);
        let before = previous.map(|p| inputs(&p.fields)).unwrap_or_default();
        Ok(NewSubmission {
            kind,
            operation,
            record_id: previous.map(|p| p.id),
            base_version: previous.map(|p| p.version),
            org_id: org,
            level: fields.classification(),
            changed: changed_fields(kind, &before, &after)
                .into_iter()
                .map(String::from)
                .collect(),
            payload: serde_json::json!({ "fields": after }),
            before: previous.map(|_| serde_json::json!(before)),
            label: fields.label(),
            file_name: None,
            content_hash: None,
            row_count: 1,
        })
    }

    /// Refuses, as a direct write would, a unique value (or combination)
    /// already held by another record — a probe when the actor may not read
    /// that record. (Uniqueness is global: what the read scope does not see
    /// is counted as hidden.)
    async fn check_unique(&self, kind: Kind, fields: &Fields, own_id: Option<i64>) -> Result<()> {
        let read = self.gate(Action::Read, Some(kind))?;
        let own = match own_id {
            Some(id) => self
                .app()
                .store()
                .get(kind, id, read)
                .await
                .map_err(AppError::from_store)?,
            None => None,
        };
        for f in kind.fields().iter().filter(|f| f.unique) {
            let v = fields.get(f.name);
            // An edit keeping the record's own value is no clash.
            if v.is_null() || own.as_ref().is_some_and(|o| o.fields.get(f.name) == v) {
                continue;
            }
            let taken = self
                .app()
                .store()
                .existing_values(kind, f.name, std::slice::from_ref(v), read)
                .await
                .map_err(AppError::from_store)?;
            if taken.visible.is_empty() && taken.hidden.is_empty() {
                continue;
            }
            let dup = kean_store::StoreError::Duplicate {
                field: f.name.to_string(),
            };
            return Err(self.write_refused(kind, fields, dup).await);
        }
        for combo in kind.unique_together() {
            let key_of =
                |fs: &Fields| -> Vec<Option<String>> { combo.iter().map(|n| Some(fs.get(n).to_input())).collect() };
            let key = key_of(fields);
            if own.as_ref().is_some_and(|o| key_of(&o.fields) == key) {
                continue;
            }
            let stored = self
                .app()
                .store()
                .existing_combos(kind, combo, read)
                .await
                .map_err(AppError::from_store)?;
            if stored.visible.contains(&key) || stored.hidden.contains(&key) {
                let last = combo.last().copied().unwrap_or("id");
                return Err(AppError::from_store_for(
                    kind,
                    kean_store::StoreError::Duplicate {
                        field: last.to_string(),
                    },
                ));
            }
        }
        Ok(())
    }

    async fn submit(&self, new: NewSubmission) -> Result<Submission> {
        let (kind, record) = (new.kind, new.record_id);
        match self.app().store().submit(&new, &self.meta()).await {
            Ok(s) => Ok(s),
            // Another open submission of the record (one at a time).
            Err(kean_store::StoreError::Duplicate { .. }) if record.is_some() => {
                let open = match record {
                    Some(rid) => self.open_submission_of(kind, rid).await?.map_or(0, |s| s.id),
                    None => 0,
                };
                Err(open_elsewhere(open))
            }
            Err(e) => Err(AppError::from_store(e)),
        }
    }

    async fn store_resubmit(
        &self,
        open: &Submission,
        expected_version: Option<i64>,
        new: NewSubmission,
    ) -> Result<Submission> {
        self.app()
            .store()
            .resubmit(open.id, expected_version, &new, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    // ---------------- reading ----------------

    /// Submissions inside the actor's reach: a liaison's organization's, the
    /// bureau's every organization's.
    pub async fn submissions(&self, filter: &SubmissionFilter) -> Result<SubmissionListing> {
        let scope = self.gate(Action::ReadSubmissions, None)?;
        let page = self
            .app()
            .store()
            .submissions(filter, scope)
            .await
            .map_err(AppError::from_store)?;
        let org_names = self.org_names(page.items.iter().map(|s| s.org_id)).await?;
        Ok(SubmissionListing { page, org_names })
    }

    /// Pending submissions per organization and kind, with the
    /// organizations' names.
    pub async fn review_queue(&self) -> Result<(Vec<QueueCount>, HashMap<i64, String>)> {
        let scope = self.gate(Action::ReadSubmissions, None)?;
        let counts = self
            .app()
            .store()
            .queue_counts(scope)
            .await
            .map_err(AppError::from_store)?;
        let names = self.org_names(counts.iter().map(|c| c.org_id)).await?;
        Ok((counts, names))
    }

    /// Names of organizations (the directory is public to whoever reads submissions).
    async fn org_names(&self, ids: impl Iterator<Item = i64>) -> Result<HashMap<i64, String>> {
        let mut ids: Vec<i64> = ids.collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let scope = self.gate(Action::Read, Some(Kind::Organization))?;
        let labels = self
            .app()
            .store()
            .labels(&[(Kind::Organization, ids, scope)])
            .await
            .map_err(AppError::from_store)?;
        Ok(labels.into_iter().map(|((_, id), l)| (id, l)).collect())
    }

    /// The open submission of a record, when the actor reads submissions.
    pub async fn open_submission_of(&self, kind: Kind, id: i64) -> Result<Option<Submission>> {
        let Ok(scope) = self.gate(Action::ReadSubmissions, None) else {
            return Ok(None);
        };
        self.app()
            .store()
            .open_submission(kind, id, scope)
            .await
            .map_err(AppError::from_store)
    }

    async fn submission_in_reach(&self, id: i64) -> Result<Submission> {
        let scope = self.gate(Action::ReadSubmissions, None)?;
        self.app()
            .store()
            .submission(id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)
    }

    /// One submission as the reader sees it.
    pub async fn submission(&self, id: i64) -> Result<SubmissionView> {
        let sub = self.submission_in_reach(id).await?;
        let kind = sub.kind;
        if sub.level.is_classified() {
            let mut d = self.event(
                "read",
                kind.slug(),
                serde_json::json!({
                    "role": self.actor().role().code(),
                    "source": self.source().map(|s| s.to_string()),
                    "submission": sub.id,
                }),
            );
            d.record_id = sub.record_id;
            self.app().store().append_audit(d).await.map_err(AppError::from_store)?;
        }
        let today = self.today();
        let ceiling = self.app().ceiling().await?;
        let as_fields = |m: &BTreeMap<String, String>| -> Option<Fields> {
            let mut f = validate_under(kind, m, today, ceiling).ok()?;
            if !self.reveals_personal_data() {
                f.mask_personal();
            }
            Some(f)
        };
        let proposed = sub
            .payload
            .get("fields")
            .map(|v| map_of(Some(v)))
            .and_then(|m| as_fields(&m));
        let before = sub.before.as_ref().map(|v| map_of(Some(v))).and_then(|m| as_fields(&m));
        let mut rows = Vec::new();
        if let (Some(serde_json::Value::Array(all)), lines) = (sub.payload.get("rows"), sub.payload.get("lines")) {
            let lines: Vec<usize> = lines
                .and_then(|l| serde_json::from_value(l.clone()).ok())
                .unwrap_or_default();
            for (i, row) in all.iter().take(IMPORT_ROWS_SHOWN).enumerate() {
                let m: BTreeMap<String, String> = map_of(Some(row))
                    .into_iter()
                    .map(|(k, v)| (k, v.strip_prefix('#').map(str::to_string).unwrap_or(v)))
                    .collect();
                if let Some(f) = as_fields(&m) {
                    rows.push((lines.get(i).copied().unwrap_or(i + 2), f));
                }
            }
        }
        let current = match sub.record_id {
            Some(rid) => {
                let scope = self.gate(Action::Read, Some(kind))?;
                self.app()
                    .store()
                    .get(kind, rid, scope)
                    .await
                    .map_err(AppError::from_store)?
                    .map(|r| self.disclose(r))
            }
            None => None,
        };
        let stale = match (&current, sub.base_version) {
            (Some(c), Some(v)) => sub.status.is_open() && sub.operation == Operation::Update && c.version != v,
            _ => false,
        };
        let labels = self
            .labels_of(
                proposed
                    .iter()
                    .chain(before.iter())
                    .chain(rows.iter().map(|(_, f)| f))
                    .chain(current.iter().map(|r| &r.fields)),
            )
            .await?;
        let events = self
            .app()
            .store()
            .submission_events(sub.id)
            .await
            .map_err(AppError::from_store)?;
        let corrected = match events.last() {
            Some(e) if sub.status == SubmissionStatus::Pending && e.step == "resubmit" => e.changed.clone(),
            _ => vec![],
        };
        let may_decide = sub.status == SubmissionStatus::Pending && self.decider_check(&sub).is_ok();
        let org_name = self
            .org_names(std::iter::once(sub.org_id))
            .await?
            .remove(&sub.org_id)
            .unwrap_or_else(|| format!("#{}", sub.org_id));
        let own = submits_for_review(self.actor().role()) && self.actor().org_id() == Some(sub.org_id);
        Ok(SubmissionView {
            may_correct: own && sub.status.is_open() && sub.operation.is_correctable(),
            may_withdraw: own && sub.status.is_open(),
            may_decide,
            org_name,
            submission: sub,
            proposed,
            before,
            current,
            rows,
            labels,
            events,
            stale,
            corrected,
        })
    }

    // ---------------- the submitter's steps ----------------

    /// The submitting organization's own access to an open submission.
    async fn own_open(&self, id: i64) -> Result<Submission> {
        let sub = self.submission_in_reach(id).await?;
        if !submits_for_review(self.actor().role()) || self.actor().org_id() != Some(sub.org_id) {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "只有提交单位可以修改或撤回申报",
                "only the submitting organization may correct or withdraw a submission",
            ));
        }
        Ok(sub)
    }

    /// Corrects a submission (new or changed record) and submits it again.
    pub async fn resubmit(
        &self,
        id: i64,
        raw: &BTreeMap<String, String>,
        expected_version: Option<i64>,
    ) -> Result<Submission> {
        let sub = self.own_open(id).await?;
        let kind = sub.kind;
        if !sub.operation.is_correctable() {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "批量导入和归档的申报不能修改，请撤回后重新提交",
                "an import or archive cannot be corrected; withdraw it and submit again",
            ));
        }
        let (action, previous) = match sub.record_id {
            Some(rid) => {
                let scope = self.gate(Action::Update, Some(kind))?;
                let prev = self
                    .app()
                    .store()
                    .get(kind, rid, scope)
                    .await
                    .map_err(AppError::from_store)?
                    .ok_or_else(AppError::not_found)?;
                (Action::Update, Some(prev))
            }
            None => (Action::Create, None),
        };
        let scope = self.gate(action, Some(kind))?;
        self.check_probe_budget(kind).await?;
        let (fields, owner) = self.prepare(kind, raw, previous.as_ref(), scope).await?;
        self.check_unique(kind, &fields, sub.record_id).await?;
        let new = self.proposal(kind, sub.operation, &fields, owner, previous.as_ref())?;
        if sub.operation == Operation::Update && new.changed.is_empty() {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "与现有记录相比没有任何修改；如不再需要，请撤回申报",
                "nothing differs from the record; withdraw the submission if it is no longer wanted",
            ));
        }
        self.store_resubmit(&sub, expected_version, new).await
    }

    /// Withdraws an open submission of the actor's organization.
    pub async fn withdraw_submission(&self, id: i64, expected_version: Option<i64>) -> Result<Submission> {
        self.own_open(id).await?;
        self.app()
            .store()
            .withdraw_submission(id, expected_version, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    // ---------------- the reviewer's steps ----------------

    fn decider_check(&self, sub: &Submission) -> Result<()> {
        self.gate(Action::ReviewSubmissions, None)?;
        check_decider(
            self.actor().user_id(),
            self.actor().org_id(),
            sub.submitted_by,
            sub.org_id,
        )
        .map_err(|r| AppError::new(ErrorCode::Forbidden, r.reason_zh, r.reason_en))
    }

    /// Returns a pending submission with reasons (退回).
    pub async fn return_submission(&self, id: i64, expected_version: Option<i64>, reasons: &str) -> Result<Submission> {
        self.gate(Action::ReviewSubmissions, None)?;
        let sub = self.submission_in_reach(id).await?;
        self.decider_check(&sub)?;
        let reasons = check_reasons(reasons).map_err(|e| AppError::validation(vec![e]))?;
        self.app()
            .store()
            .return_submission(id, expected_version, &reasons, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Approves a pending submission (生效): its input is validated again as
    /// the reviewer and written in the deciding transaction; then the
    /// written records' parties are screened.
    pub async fn approve_submission(&self, id: i64, expected_version: Option<i64>) -> Result<Submission> {
        self.gate(Action::ReviewSubmissions, None)?;
        let sub = self.submission_in_reach(id).await?;
        self.decider_check(&sub)?;
        if sub.status != SubmissionStatus::Pending {
            // The store says which step it is not ready for.
            kean_core::submission::next_status(sub.status, kean_core::submission::Step::Approve)
                .map_err(|r| AppError::new(ErrorCode::Conflict, r.reason_zh, r.reason_en))?;
        }
        let apply = self.approval_write(&sub).await?;
        let meta = self.meta();
        let done = self
            .app()
            .store()
            .approve_submission(id, expected_version, &apply, &meta)
            .await
            .map_err(|e| match e {
                kean_store::StoreError::VersionMismatch { .. } if matches!(apply, SubmissionApply::Update { .. }) => {
                    stale_record()
                }
                e => AppError::from_store_for(sub.kind, e),
            })?;
        self.app().follow_up(sub.kind, &done.result_ids, &meta).await;
        Ok(done)
    }

    /// Approves each of `ids` in its own transaction; those that cannot be
    /// approved are reported with the reason and stay as they were.
    pub async fn approve_submissions(&self, ids: &[i64]) -> Result<BatchOutcome> {
        self.gate(Action::ReviewSubmissions, None)?;
        let mut out = BatchOutcome {
            approved: vec![],
            refused: vec![],
        };
        for id in ids {
            match self.approve_submission(*id, None).await {
                Ok(s) => out.approved.push(s.id),
                Err(e) => out.refused.push((*id, e)),
            }
        }
        Ok(out)
    }

    /// What approving `sub` writes, validated as the reviewer now.
    async fn approval_write(&self, sub: &Submission) -> Result<SubmissionApply> {
        let kind = sub.kind;
        let belongs = |owner: Option<i64>| -> Result<()> {
            if owner == Some(sub.org_id) {
                Ok(())
            } else {
                Err(AppError::new(
                    ErrorCode::Conflict,
                    "申报的记录已不属于提交单位（所引用的记录已变更），请退回",
                    "the reported record would no longer belong to the submitting organization; return it",
                ))
            }
        };
        let current = |rid: i64, scope| async move {
            self.app()
                .store()
                .get(kind, rid, scope)
                .await
                .map_err(AppError::from_store)?
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Conflict,
                        "申报所涉记录已不存在或无权访问，请退回",
                        "the record the submission is about no longer exists or is not accessible; return it",
                    )
                })
        };
        match sub.operation {
            Operation::Create => {
                let scope = self.gate(Action::Create, Some(kind))?;
                let raw = map_of(sub.payload.get("fields"));
                let (fields, owner) = self.prepare(kind, &raw, None, scope).await?;
                belongs(owner)?;
                Ok(SubmissionApply::Insert { fields, owner })
            }
            Operation::Update => {
                let scope = self.gate(Action::Update, Some(kind))?;
                let rid = sub
                    .record_id
                    .ok_or_else(|| AppError::internal("an update without its record"))?;
                let previous = current(rid, scope).await?;
                let version = sub.base_version.unwrap_or(previous.version);
                if previous.version != version {
                    return Err(stale_record());
                }
                let raw = map_of(sub.payload.get("fields"));
                let (fields, owner) = self.prepare(kind, &raw, Some(&previous), scope).await?;
                belongs(owner)?;
                Ok(SubmissionApply::Update {
                    id: rid,
                    version,
                    fields,
                    owner,
                })
            }
            Operation::Archive | Operation::Restore => {
                let scope = self.gate(Action::Archive, Some(kind))?;
                let rid = sub
                    .record_id
                    .ok_or_else(|| AppError::internal("an archive without its record"))?;
                current(rid, scope).await?;
                Ok(SubmissionApply::SetArchived {
                    kind,
                    id: rid,
                    archived: sub.operation == Operation::Archive,
                })
            }
            Operation::Import => {
                let scope = self.gate(Action::Create, Some(kind))?;
                let read_scope = self.gate(Action::Read, Some(kind))?;
                let rows: Vec<ImportRow> = match sub.payload.get("rows") {
                    Some(serde_json::Value::Array(all)) => {
                        let lines: Vec<usize> = sub
                            .payload
                            .get("lines")
                            .and_then(|l| serde_json::from_value(l.clone()).ok())
                            .unwrap_or_default();
                        all.iter()
                            .enumerate()
                            .map(|(i, r)| ImportRow {
                                line: lines.get(i).copied().unwrap_or(i + 2),
                                values: map_of(Some(r)),
                            })
                            .collect()
                    }
                    _ => vec![],
                };
                let good = match self.check_rows(kind, &rows, scope, read_scope, None).await? {
                    Ok(good) => good,
                    Err(errors) => {
                        let shown: Vec<FieldError> = errors
                            .into_iter()
                            .take(20)
                            .map(|e| {
                                FieldError::new(
                                    &e.field,
                                    format!("第{}行：{}", e.line, e.message_zh),
                                    format!("line {}: {}", e.line, e.message_en),
                                )
                            })
                            .collect();
                        return Err(AppError {
                            fields: shown,
                            ..AppError::new(
                                ErrorCode::Conflict,
                                "导入的数据已不能通过校验（如数据已被占用），请退回",
                                "the imported rows no longer pass the checks (a value taken since …); return it",
                            )
                        });
                    }
                };
                let mut out = Vec::with_capacity(good.len());
                for (_, fields, owner) in good {
                    belongs(owner)?;
                    out.push((fields, owner));
                }
                Ok(SubmissionApply::Import {
                    rows: out,
                    import: NewImport {
                        content_hash: sub.content_hash.clone().unwrap_or_default(),
                        file_name: sub.file_name.clone().unwrap_or_default(),
                    },
                })
            }
        }
    }
}

fn stale_record() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "记录在提交后已被修改，不能按原申报生效；请退回，由单位在现有记录基础上重新提交",
        "the record was changed after the submission; return it so that the organization resubmits on the current record",
    )
}
