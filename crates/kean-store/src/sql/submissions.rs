//! Reporting with review (填报 → 审核, migration 0030): submissions, their
//! history, and the approval that writes the registry in the deciding
//! transaction. Every step is one [`WriteTx`]: the submission row is read
//! (and on PostgreSQL locked) first, the state machine
//! (`kean_core::submission::next_status`) decides, then the registry write
//! of an approval (record_counts, then the audit head, as every write), the
//! submission row, its history row and the step's audit record.

use async_trait::async_trait;
use kean_core::confidentiality::Classification;
use kean_core::policy::Reader;
use kean_core::submission::{Operation, Step, SubmissionStatus, next_status};
use kean_core::{Kind, Scope};
use sqlx::Row;

use super::SqlStore;
use super::args::{Arg, q};
use super::write_tx::{WriteTx, draft};
use crate::error::{Result, StoreError};
use crate::traits::SubmissionStore;
use crate::types::{
    Backend, NewSubmission, Page, QueueCount, Submission, SubmissionApply, SubmissionEvent, SubmissionFilter, WriteMeta,
};

const COLS: &str = "id, kind, operation, record_id, base_version, org_id, classification, payload, before_values, \
     changed, label, file_name, content_hash, row_count, status, round, submitted_by, submitter, submitted_at, \
     decided_by, decider, decided_at, reasons, result_ids, version, updated_at";

fn kind_of_table(table: &str) -> Result<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.table() == table)
        .ok_or_else(|| StoreError::other(format!("unknown kind '{table}' in submissions")))
}

fn json_of(text: Option<String>, what: &str) -> Result<Option<serde_json::Value>> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| StoreError::other(format!("submissions.{what}: {e}"))))
        .transpose()
}

fn decode(r: &sqlx::any::AnyRow) -> Result<Submission> {
    let op: String = r.try_get("operation")?;
    let status: String = r.try_get("status")?;
    let level: String = r.try_get("classification")?;
    let changed: Vec<String> = json_of(Some(r.try_get("changed")?), "changed")?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let result_ids: Vec<i64> = json_of(r.try_get("result_ids")?, "result_ids")?
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    Ok(Submission {
        id: r.try_get("id")?,
        kind: kind_of_table(&r.try_get::<String, _>("kind")?)?,
        operation: Operation::parse(&op).ok_or_else(|| StoreError::other(format!("unknown operation '{op}'")))?,
        record_id: r.try_get("record_id")?,
        base_version: r.try_get("base_version")?,
        org_id: r.try_get("org_id")?,
        level: Classification::parse(&level).ok_or_else(|| StoreError::other(format!("unknown level '{level}'")))?,
        payload: json_of(Some(r.try_get("payload")?), "payload")?.unwrap_or_default(),
        before: json_of(r.try_get("before_values")?, "before_values")?,
        changed,
        label: r.try_get("label")?,
        file_name: r.try_get("file_name")?,
        content_hash: r.try_get("content_hash")?,
        row_count: r.try_get("row_count")?,
        status: SubmissionStatus::parse(&status)
            .ok_or_else(|| StoreError::other(format!("unknown submission status '{status}'")))?,
        round: r.try_get("round")?,
        submitted_by: r.try_get("submitted_by")?,
        submitter: r.try_get("submitter")?,
        submitted_at: r.try_get("submitted_at")?,
        decided_by: r.try_get("decided_by")?,
        decider: r.try_get("decider")?,
        decided_at: r.try_get("decided_at")?,
        reasons: r.try_get("reasons")?,
        result_ids,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// The conditions `scope` puts on submissions aliased `s`: its
/// organization, and for an account the levels it may read — a
/// submission holding content above 内部 only with the clearance, and, for
/// a change of an existing record, the reader on that record's
/// need-to-know list (as the record itself is read).
fn scope_conditions(scope: Scope, args: &mut Vec<Arg>) -> Vec<String> {
    let mut conds = Vec::new();
    if let Some(o) = scope.organization() {
        args.push(Arg::Int(Some(o)));
        conds.push(format!("s.org_id = ${}", args.len()));
    }
    if let Reader::Account { user_id, clearance } = scope.reader() {
        let list = |max: Classification| {
            Classification::ALL
                .iter()
                .filter(|c| **c <= max)
                .map(|c| format!("'{}'", c.code()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        args.push(Arg::Int(Some(user_id)));
        conds.push(format!(
            "s.classification IN ({}) AND (s.classification IN ({}) OR s.record_id IS NULL OR EXISTS \
             (SELECT 1 FROM need_to_know n WHERE n.kind = s.kind AND n.record_id = s.record_id AND n.user_id = ${}))",
            list(clearance),
            list(Classification::Internal.min(clearance)),
            args.len()
        ));
    }
    conds
}

fn where_of(conds: &[String]) -> String {
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

/// The submission's audit record of `step`: target its registry, record id
/// the record it changes (what the record's own events are found by).
fn step_draft(meta: &WriteMeta, step: Step, sub: &Submission, note: Option<&str>) -> kean_core::audit::AuditDraft {
    let mut d = draft(meta, step.audit_action(), sub.kind.slug(), sub.record_id);
    let mut after = serde_json::json!({
        "submission": sub.id,
        "operation": sub.operation.code(),
        "org_id": sub.org_id,
        "level": sub.level.code(),
        "round": sub.round,
        "status": sub.status.code(),
    });
    if matches!(step, Step::Submit | Step::Resubmit) {
        after["changed"] = serde_json::json!(sub.changed);
        match sub.operation {
            Operation::Import => {
                after["file_name"] = serde_json::json!(sub.file_name);
                after["content_hash"] = serde_json::json!(sub.content_hash);
                after["rows"] = serde_json::json!(sub.row_count);
            }
            _ => {
                if let Some(fields) = sub.payload.get("fields") {
                    after["fields"] = fields.clone();
                }
            }
        }
    }
    if let Some(n) = note {
        after["reasons"] = serde_json::json!(n);
    }
    if !sub.result_ids.is_empty() {
        after["result_ids"] = serde_json::json!(sub.result_ids);
    }
    d.after = Some(after);
    d
}

impl SqlStore {
    /// Reads a submission inside the write, locked on PostgreSQL (SQLite's
    /// writer holds the database).
    async fn locked(&self, tx: &mut WriteTx<'_>, id: i64) -> Result<Submission> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = q(
            format!("SELECT {COLS} FROM submissions WHERE id = $1{lock}"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        decode(&row)
    }

    async fn reread(&self, tx: &mut WriteTx<'_>, id: i64) -> Result<Submission> {
        let row = q(
            format!("SELECT {COLS} FROM submissions WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_one(&mut **tx)
        .await?;
        decode(&row)
    }

    /// The step's checks: the version read, and the state machine.
    fn step_allowed(sub: &Submission, expected_version: Option<i64>, step: Step) -> Result<SubmissionStatus> {
        if let Some(v) = expected_version
            && v != sub.version
        {
            return Err(StoreError::VersionMismatch {
                expected: v,
                actual: sub.version,
            });
        }
        next_status(sub.status, step).map_err(|r| StoreError::Refused {
            zh: r.reason_zh,
            en: r.reason_en,
        })
    }

    async fn add_event(
        &self,
        tx: &mut WriteTx<'_>,
        id: i64,
        step: Step,
        meta: &WriteMeta,
        note: Option<&str>,
        changed: Option<&[String]>,
    ) -> Result<()> {
        q(
            "INSERT INTO submission_events (submission_id, step, actor_id, actor, at, note, changed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
                .into(),
            vec![
                Arg::Int(Some(id)),
                Arg::Text(Some(step.code().to_string())),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Text(note.map(str::to_string)),
                Arg::Text(changed.map(|c| serde_json::json!(c).to_string())),
            ],
        )
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Moves a submission to `status` after a decision or withdrawal.
    #[allow(clippy::too_many_arguments)]
    async fn set_status(
        &self,
        tx: &mut WriteTx<'_>,
        id: i64,
        status: SubmissionStatus,
        decided: bool,
        reasons: Option<&str>,
        result_ids: Option<&[i64]>,
        meta: &WriteMeta,
    ) -> Result<()> {
        let mut sets = vec!["status = $1".to_string(), "updated_at = $2".to_string()];
        let mut args = vec![
            Arg::Text(Some(status.code().to_string())),
            Arg::Text(Some(meta.at.clone())),
        ];
        if decided {
            for (col, a) in [
                ("decided_by", Arg::Int(Some(meta.actor_id))),
                ("decider", Arg::Text(Some(meta.actor.clone()))),
                ("decided_at", Arg::Text(Some(meta.at.clone()))),
            ] {
                args.push(a);
                sets.push(format!("{col} = ${}", args.len()));
            }
        }
        if let Some(r) = reasons {
            args.push(Arg::Text(Some(r.to_string())));
            sets.push(format!("reasons = ${}", args.len()));
        }
        if let Some(ids) = result_ids {
            args.push(Arg::Text(Some(serde_json::json!(ids).to_string())));
            sets.push(format!("result_ids = ${}", args.len()));
        }
        args.push(Arg::Int(Some(id)));
        q(
            format!(
                "UPDATE submissions SET {}, version = version + 1 WHERE id = ${}",
                sets.join(", "),
                args.len()
            ),
            args,
        )
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Whether the record already has an open submission other than `except`.
    async fn open_exists(&self, tx: &mut WriteTx<'_>, kind: Kind, record_id: i64, except: Option<i64>) -> Result<bool> {
        let row = q(
            "SELECT COUNT(*) AS n FROM submissions WHERE kind = $1 AND record_id = $2 \
             AND status IN ('pending', 'returned') AND id <> $3"
                .into(),
            vec![
                Arg::Text(Some(kind.table().to_string())),
                Arg::Int(Some(record_id)),
                Arg::Int(Some(except.unwrap_or(0))),
            ],
        )
        .fetch_one(&mut **tx)
        .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

fn text_json(v: &serde_json::Value) -> Arg {
    Arg::Text(Some(v.to_string()))
}

#[async_trait]
impl SubmissionStore for SqlStore {
    async fn submit(&self, new: &NewSubmission, meta: &WriteMeta) -> Result<Submission> {
        let mut tx = self.write_tx().await?;
        if let Some(rid) = new.record_id
            && self.open_exists(&mut tx, new.kind, rid, None).await?
        {
            return Err(StoreError::Duplicate {
                field: "record_id".into(),
            });
        }
        let id: i64 = q(
            "INSERT INTO submissions (kind, operation, record_id, base_version, org_id, classification, payload, \
             before_values, changed, label, file_name, content_hash, row_count, status, round, submitted_by, \
             submitter, submitted_at, version, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'pending', 1, $14, $15, $16, 1, $16) \
             RETURNING id"
                .into(),
            vec![
                Arg::Text(Some(new.kind.table().to_string())),
                Arg::Text(Some(new.operation.code().to_string())),
                Arg::Int(new.record_id),
                Arg::Int(new.base_version),
                Arg::Int(Some(new.org_id)),
                Arg::Text(Some(new.level.code().to_string())),
                text_json(&new.payload),
                Arg::Text(new.before.as_ref().map(|b| b.to_string())),
                text_json(&serde_json::json!(new.changed)),
                Arg::Text(Some(new.label.clone())),
                Arg::Text(new.file_name.clone()),
                Arg::Text(new.content_hash.clone()),
                Arg::Int(Some(new.row_count)),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        self.add_event(&mut tx, id, Step::Submit, meta, None, Some(&new.changed))
            .await?;
        let sub = self.reread(&mut tx, id).await?;
        tx.audit(step_draft(meta, Step::Submit, &sub, None));
        tx.commit().await?;
        Ok(sub)
    }

    async fn resubmit(
        &self,
        id: i64,
        expected_version: Option<i64>,
        new: &NewSubmission,
        meta: &WriteMeta,
    ) -> Result<Submission> {
        let mut tx = self.write_tx().await?;
        let sub = self.locked(&mut tx, id).await?;
        let status = Self::step_allowed(&sub, expected_version, Step::Resubmit)?;
        if sub.kind != new.kind || sub.operation != new.operation || sub.record_id != new.record_id {
            return Err(StoreError::other(
                "a resubmission must be about what its submission was",
            ));
        }
        q(
            "UPDATE submissions SET status = $1, payload = $2, before_values = $3, changed = $4, label = $5, \
             classification = $6, base_version = $7, org_id = $8, round = round + 1, submitted_by = $9, \
             submitter = $10, submitted_at = $11, updated_at = $11, version = version + 1 WHERE id = $12"
                .into(),
            vec![
                Arg::Text(Some(status.code().to_string())),
                text_json(&new.payload),
                Arg::Text(new.before.as_ref().map(|b| b.to_string())),
                text_json(&serde_json::json!(new.changed)),
                Arg::Text(Some(new.label.clone())),
                Arg::Text(Some(new.level.code().to_string())),
                Arg::Int(new.base_version),
                Arg::Int(Some(new.org_id)),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(id)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        // The history says what this correction changed from the round before.
        let as_map = |v: Option<&serde_json::Value>| -> std::collections::BTreeMap<String, String> {
            v.and_then(|v| v.as_object())
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let corrected: Vec<String> = kean_core::submission::changed_fields(
            sub.kind,
            &as_map(sub.payload.get("fields")),
            &as_map(new.payload.get("fields")),
        )
        .into_iter()
        .map(String::from)
        .collect();
        self.add_event(&mut tx, id, Step::Resubmit, meta, None, Some(&corrected))
            .await?;
        let sub = self.reread(&mut tx, id).await?;
        tx.audit(step_draft(meta, Step::Resubmit, &sub, None));
        tx.commit().await?;
        Ok(sub)
    }

    async fn withdraw_submission(
        &self,
        id: i64,
        expected_version: Option<i64>,
        meta: &WriteMeta,
    ) -> Result<Submission> {
        let mut tx = self.write_tx().await?;
        let sub = self.locked(&mut tx, id).await?;
        let status = Self::step_allowed(&sub, expected_version, Step::Withdraw)?;
        self.set_status(&mut tx, id, status, false, None, None, meta).await?;
        self.add_event(&mut tx, id, Step::Withdraw, meta, None, None).await?;
        let sub = self.reread(&mut tx, id).await?;
        tx.audit(step_draft(meta, Step::Withdraw, &sub, None));
        tx.commit().await?;
        Ok(sub)
    }

    async fn return_submission(
        &self,
        id: i64,
        expected_version: Option<i64>,
        reasons: &str,
        meta: &WriteMeta,
    ) -> Result<Submission> {
        let mut tx = self.write_tx().await?;
        let sub = self.locked(&mut tx, id).await?;
        let status = Self::step_allowed(&sub, expected_version, Step::Return)?;
        self.set_status(&mut tx, id, status, true, Some(reasons), None, meta)
            .await?;
        self.add_event(&mut tx, id, Step::Return, meta, Some(reasons), None)
            .await?;
        let sub = self.reread(&mut tx, id).await?;
        tx.audit(step_draft(meta, Step::Return, &sub, Some(reasons)));
        tx.commit().await?;
        Ok(sub)
    }

    async fn approve_submission(
        &self,
        id: i64,
        expected_version: Option<i64>,
        apply: &SubmissionApply,
        meta: &WriteMeta,
    ) -> Result<Submission> {
        let mut tx = self.write_tx().await?;
        let sub = self.locked(&mut tx, id).await?;
        let status = Self::step_allowed(&sub, expected_version, Step::Approve)?;
        let kind = sub.kind;
        // The submitter registered what it creates: on the need-to-know
        // list of what is classified, as if it had written it itself.
        let submitter = WriteMeta {
            at: meta.at.clone(),
            actor_id: sub.submitted_by,
            actor: sub.submitter.clone(),
        };
        let above = |f: &kean_core::Fields| f.classification() > Classification::Internal;
        let (ids, imported) = match apply {
            SubmissionApply::Insert { fields, owner } => {
                let rec = self.insert_in(&mut tx, fields, *owner, meta).await?;
                if above(fields) {
                    super::confidentiality::add_creator(&mut tx, kind, &[rec.id], &submitter).await?;
                }
                (vec![rec.id], false)
            }
            SubmissionApply::Update {
                id: rid,
                version,
                fields,
                owner,
            } => {
                self.update_in(&mut tx, *rid, Some(*version), fields, *owner, None, meta)
                    .await?;
                (vec![*rid], false)
            }
            SubmissionApply::Import { rows, import } => {
                let ids = self.insert_many_in(&mut tx, kind, rows, import, meta, &|_| {}).await?;
                let classified: Vec<i64> = rows
                    .iter()
                    .zip(&ids)
                    .filter(|((f, _), _)| above(f))
                    .map(|(_, id)| *id)
                    .collect();
                super::confidentiality::add_creator(&mut tx, kind, &classified, &submitter).await?;
                (ids, true)
            }
            SubmissionApply::SetArchived {
                kind: k,
                id: rid,
                archived,
            } => {
                self.set_archived_in(&mut tx, *k, *rid, *archived, None, meta).await?;
                (vec![*rid], false)
            }
        };
        self.set_status(&mut tx, id, status, true, None, Some(&ids), meta)
            .await?;
        self.add_event(&mut tx, id, Step::Approve, meta, None, None).await?;
        let sub = self.reread(&mut tx, id).await?;
        tx.audit(step_draft(meta, Step::Approve, &sub, None));
        tx.commit().await?;
        if imported {
            self.analyze_after_import(kind).await?;
        }
        Ok(sub)
    }

    async fn submissions(&self, filter: &SubmissionFilter, scope: Scope) -> Result<Page<Submission>> {
        let mut args = Vec::new();
        let mut conds = scope_conditions(scope, &mut args);
        if !filter.statuses.is_empty() {
            conds.push(format!(
                "s.status IN ({})",
                filter
                    .statuses
                    .iter()
                    .map(|s| format!("'{}'", s.code()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(o) = filter.org_id {
            args.push(Arg::Int(Some(o)));
            conds.push(format!("s.org_id = ${}", args.len()));
        }
        if let Some(k) = filter.kind {
            args.push(Arg::Text(Some(k.table().to_string())));
            conds.push(format!("s.kind = ${}", args.len()));
        }
        if let Some(r) = filter.record_id {
            args.push(Arg::Int(Some(r)));
            conds.push(format!("s.record_id = ${}", args.len()));
        }
        if let Some(h) = &filter.content_hash {
            args.push(Arg::Text(Some(h.clone())));
            conds.push(format!("s.content_hash = ${}", args.len()));
        }
        let w = where_of(&conds);
        let total: i64 = q(format!("SELECT COUNT(*) AS n FROM submissions s{w}"), args.clone())
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        let page_size = filter.page_size.clamp(1, 500);
        // A page past the end is the last page.
        let pages = (total.max(0) as u64).div_ceil(page_size as u64).max(1) as u32;
        let page = filter.page.clamp(1, pages);
        // The queue (only open ones asked) by organization and kind, oldest
        // first; everything else newest first.
        let queue = !filter.statuses.is_empty() && filter.statuses.iter().all(|s| s.is_open());
        let order = if queue {
            "s.org_id, s.kind, s.id"
        } else {
            "s.updated_at DESC, s.id DESC"
        };
        let offset = (page as i64 - 1) * page_size as i64;
        let rows = q(
            format!(
                "SELECT {} FROM submissions s{w} ORDER BY {order} LIMIT {page_size} OFFSET {offset}",
                COLS.split(", ")
                    .map(|c| format!("s.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            args,
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items: rows.iter().map(decode).collect::<Result<_>>()?,
            total,
            total_is_exact: true,
            page,
            page_size,
        })
    }

    async fn submission(&self, id: i64, scope: Scope) -> Result<Option<Submission>> {
        let mut args = vec![Arg::Int(Some(id))];
        let mut conds = scope_conditions(scope, &mut args);
        conds.insert(0, "s.id = $1".into());
        q(
            format!(
                "SELECT {} FROM submissions s{}",
                COLS.split(", ")
                    .map(|c| format!("s.{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                where_of(&conds)
            ),
            args,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode(&r))
        .transpose()
    }

    async fn open_submission(&self, kind: Kind, record_id: i64, scope: Scope) -> Result<Option<Submission>> {
        let mut args = vec![Arg::Text(Some(kind.table().to_string())), Arg::Int(Some(record_id))];
        let mut conds = scope_conditions(scope, &mut args);
        conds.insert(
            0,
            "s.kind = $1 AND s.record_id = $2 AND s.status IN ('pending', 'returned')".into(),
        );
        q(
            format!(
                "SELECT {} FROM submissions s{}",
                COLS.split(", ")
                    .map(|c| format!("s.{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                where_of(&conds)
            ),
            args,
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode(&r))
        .transpose()
    }

    async fn submission_events(&self, id: i64) -> Result<Vec<SubmissionEvent>> {
        q(
            "SELECT step, actor_id, actor, at, note, changed FROM submission_events WHERE submission_id = $1 ORDER BY id"
                .into(),
            vec![Arg::Int(Some(id))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SubmissionEvent {
                step: r.try_get("step")?,
                actor_id: r.try_get("actor_id")?,
                actor: r.try_get("actor")?,
                at: r.try_get("at")?,
                note: r.try_get("note")?,
                changed: json_of(r.try_get("changed")?, "changed")?
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default(),
            })
        })
        .collect()
    }

    async fn queue_counts(&self, scope: Scope) -> Result<Vec<QueueCount>> {
        let mut args = Vec::new();
        let mut conds = scope_conditions(scope, &mut args);
        conds.push("s.status = 'pending'".into());
        q(
            format!(
                "SELECT s.org_id, s.kind, COUNT(*) AS n FROM submissions s{} GROUP BY s.org_id, s.kind ORDER BY s.org_id, s.kind",
                where_of(&conds)
            ),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(QueueCount {
                org_id: r.try_get("org_id")?,
                kind: kind_of_table(&r.try_get::<String, _>("kind")?)?,
                pending: r.try_get("n")?,
            })
        })
        .collect()
    }
}
