//! Projects' transitions, their parties and disclosures, the gates' reviews,
//! the technology dictionaries and the records' links to their items
//! (issue 14), each change through the one write path and audited in its
//! transaction.

use async_trait::async_trait;
use kean_core::Kind;
use kean_core::lifecycle::Gate;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::args::{Arg, q};
use super::write_tx::{WriteTx, draft};
use crate::error::{Result, StoreError};
use crate::traits::LifecycleStore;
use crate::types::{
    DictionaryVersion, Disclosure, FrameworkVersion, GateReview, NewDictionaryVersion, NewDisclosure, NewLink,
    NewProjectParty, NewReview, ProjectEvent, ProjectParty, ReviewDecision, ReviewFilter, StageChange, TechLink,
    WriteMeta,
};

fn text(s: &str) -> Arg {
    Arg::Text(Some(s.to_string()))
}
fn opt_text(s: Option<&str>) -> Arg {
    Arg::Text(s.map(str::to_string))
}
fn int(i: i64) -> Arg {
    Arg::Int(Some(i))
}

fn kind_of_table(table: &str) -> Result<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.table() == table)
        .ok_or_else(|| StoreError::other(format!("unknown kind '{table}'")))
}

const EVENT_COLS: &str = "id, project_id, transition, from_stage, to_stage, reason, review_id, actor, at";

fn decode_event(r: &AnyRow) -> Result<ProjectEvent> {
    Ok(ProjectEvent {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        transition: r.try_get("transition")?,
        from_stage: r.try_get("from_stage")?,
        to_stage: r.try_get("to_stage")?,
        reason: r.try_get("reason")?,
        review_id: r.try_get("review_id")?,
        actor: r.try_get("actor")?,
        at: r.try_get("at")?,
    })
}

const PARTY_COLS: &str =
    "id, project_id, role, org_id, person_id, name, country, duty, since, until, added_by, removed_by";

fn decode_party(r: &AnyRow) -> Result<ProjectParty> {
    Ok(ProjectParty {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        role: r.try_get("role")?,
        org_id: r.try_get("org_id")?,
        person_id: r.try_get("person_id")?,
        name: r.try_get("name")?,
        country: r.try_get("country")?,
        duty: r.try_get("duty")?,
        since: r.try_get("since")?,
        until: r.try_get("until")?,
        added_by: r.try_get("added_by")?,
        removed_by: r.try_get("removed_by")?,
    })
}

const DISCLOSURE_COLS: &str = "id, person_id, declared_on, conflicts, foreign_roles, recorded_by, recorded_at";

fn decode_disclosure(r: &AnyRow) -> Result<Disclosure> {
    Ok(Disclosure {
        id: r.try_get("id")?,
        person_id: r.try_get("person_id")?,
        declared_on: r.try_get("declared_on")?,
        conflicts: r.try_get("conflicts")?,
        foreign_roles: r.try_get("foreign_roles")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

const REVIEW_COLS: &str = "id, gate, kind, record_id, applicant_org_id, state, opened_at, opened_by, due_on, \
     findings, licence_no, first_decision, first_reasons, first_reviewer_id, first_reviewer, decision, reasons, \
     conditions, note, decided_by, decided_at, framework_id, answers, score_permille";

fn decode_review(r: &AnyRow) -> Result<GateReview> {
    let gate: String = r.try_get("gate")?;
    Ok(GateReview {
        id: r.try_get("id")?,
        gate: Gate::parse(&gate).ok_or_else(|| StoreError::other(format!("unknown gate '{gate}'")))?,
        kind: kind_of_table(&r.try_get::<String, _>("kind")?)?,
        record_id: r.try_get("record_id")?,
        applicant_org_id: r.try_get("applicant_org_id")?,
        state: r.try_get("state")?,
        opened_at: r.try_get("opened_at")?,
        opened_by: r.try_get("opened_by")?,
        due_on: r.try_get("due_on")?,
        findings: r.try_get("findings")?,
        licence_no: r.try_get("licence_no")?,
        first_decision: r.try_get("first_decision")?,
        first_reasons: r.try_get("first_reasons")?,
        first_reviewer_id: r.try_get("first_reviewer_id")?,
        first_reviewer: r.try_get("first_reviewer")?,
        decision: r.try_get("decision")?,
        reasons: r.try_get("reasons")?,
        conditions: r.try_get("conditions")?,
        note: r.try_get("note")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        framework_id: r.try_get("framework_id")?,
        answers: r.try_get("answers")?,
        score_permille: r.try_get("score_permille")?,
    })
}

const FRAMEWORK_COLS: &str = "id, code, version_no, title, edition, content, imported_by, imported_at";

fn decode_framework(r: &AnyRow) -> Result<FrameworkVersion> {
    Ok(FrameworkVersion {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        version_no: r.try_get("version_no")?,
        title: r.try_get("title")?,
        edition: r.try_get("edition")?,
        content: r.try_get("content")?,
        imported_by: r.try_get("imported_by")?,
        imported_at: r.try_get("imported_at")?,
    })
}

const VERSION_COLS: &str = "id, dictionary, version_no, label, source_name, content, items, added, changed, removed, \
     imported_by, imported_at";

fn decode_version(r: &AnyRow) -> Result<DictionaryVersion> {
    Ok(DictionaryVersion {
        id: r.try_get("id")?,
        dictionary: r.try_get("dictionary")?,
        version_no: r.try_get("version_no")?,
        label: r.try_get("label")?,
        source_name: r.try_get("source_name")?,
        content: r.try_get("content")?,
        items: r.try_get("items")?,
        added: r.try_get("added")?,
        changed: r.try_get("changed")?,
        removed: r.try_get("removed")?,
        imported_by: r.try_get("imported_by")?,
        imported_at: r.try_get("imported_at")?,
    })
}

const LINK_COLS: &str =
    "id, kind, record_id, dictionary, item_code, item_name, score_milli, matched_terms, state, decided_by, decided_at";

fn decode_link(r: &AnyRow) -> Result<TechLink> {
    Ok(TechLink {
        id: r.try_get("id")?,
        kind: kind_of_table(&r.try_get::<String, _>("kind")?)?,
        record_id: r.try_get("record_id")?,
        dictionary: r.try_get("dictionary")?,
        item_code: r.try_get("item_code")?,
        item_name: r.try_get("item_name")?,
        score_milli: r.try_get("score_milli")?,
        matched_terms: r.try_get("matched_terms")?,
        state: r.try_get("state")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
    })
}

async fn one_review(tx: &mut WriteTx<'_>, id: i64) -> Result<GateReview> {
    let row = q(
        format!("SELECT {REVIEW_COLS} FROM gate_reviews WHERE id = $1"),
        vec![int(id)],
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    decode_review(&row)
}

async fn insert_review(tx: &mut WriteTx<'_>, r: &NewReview, meta: &WriteMeta) -> Result<GateReview> {
    let id: i64 = q(
        "INSERT INTO gate_reviews (gate, kind, record_id, applicant_org_id, state, opened_at, opened_by, due_on, \
         findings) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8) RETURNING id"
            .into(),
        vec![
            text(r.gate.code()),
            text(r.kind.table()),
            int(r.record_id),
            Arg::Int(r.applicant_org_id),
            text(&meta.at),
            text(&meta.actor),
            opt_text(r.due_on.as_deref()),
            text(&r.findings),
        ],
    )
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let review = one_review(tx, id).await?;
    let mut d = draft(meta, "gate_review_open", r.kind.slug(), Some(r.record_id));
    d.after = Some(serde_json::json!({
        "review": id,
        "gate": r.gate.code(),
        "due_on": r.due_on,
        "findings": serde_json::from_str::<serde_json::Value>(&r.findings).unwrap_or_default(),
    }));
    tx.audit(d);
    Ok(review)
}

async fn apply_stage_change(
    store: &SqlStore,
    tx: &mut WriteTx<'_>,
    c: &StageChange,
    meta: &WriteMeta,
) -> Result<ProjectEvent> {
    let changed = q(
        "UPDATE projects SET stage = $1, version = version + 1, updated_at = $2, updated_by = $3 \
         WHERE id = $4 AND stage = $5"
            .into(),
        vec![
            text(c.to.code()),
            text(&meta.at),
            int(meta.actor_id),
            int(c.project_id),
            text(c.from.code()),
        ],
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        let now: Option<String> = q(
            "SELECT stage FROM projects WHERE id = $1".into(),
            vec![int(c.project_id)],
        )
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| r.try_get("stage"))
        .transpose()?;
        return match now {
            None => Err(StoreError::NotFound),
            Some(_) => Err(StoreError::VersionMismatch { expected: 0, actual: 1 }),
        };
    }
    let id: i64 = q(
        "INSERT INTO project_events (project_id, transition, from_stage, to_stage, reason, review_id, actor_id, \
         actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
            .into(),
        vec![
            int(c.project_id),
            text(c.transition.code()),
            text(c.from.code()),
            text(c.to.code()),
            text(&c.reason),
            Arg::Int(c.review_id),
            int(meta.actor_id),
            text(&meta.actor),
            text(&meta.at),
        ],
    )
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    // A project that ends leaves no R&D check waiting.
    if c.to.is_final() {
        q(
            "UPDATE gate_reviews SET state = 'closed' WHERE kind = $1 AND record_id = $2 AND gate = $3 \
             AND state IN ('open', 'awaiting_second')"
                .into(),
            vec![
                text(Kind::Project.table()),
                int(c.project_id),
                text(Gate::RndControl.code()),
            ],
        )
        .execute(&mut **tx)
        .await?;
    }
    let mut d = draft(meta, "project_transition", Kind::Project.slug(), Some(c.project_id));
    d.before = Some(serde_json::json!({ "stage": c.from.code() }));
    d.after = Some(serde_json::json!({
        "stage": c.to.code(),
        "transition": c.transition.code(),
        "reason": c.reason,
        "review": c.review_id,
    }));
    tx.audit(d);
    // Lists filtered by stage, and what follows a write (rules), see it.
    tx.written(Kind::Project, 0, 0);
    super::work::mark(store, tx, Kind::Project, &[c.project_id], &meta.at).await?;
    let row = q(
        format!("SELECT {EVENT_COLS} FROM project_events WHERE id = $1"),
        vec![int(id)],
    )
    .fetch_one(&mut **tx)
    .await?;
    decode_event(&row)
}

#[async_trait]
impl LifecycleStore for SqlStore {
    async fn move_project(
        &self,
        change: &StageChange,
        open: Option<&NewReview>,
        meta: &WriteMeta,
    ) -> Result<ProjectEvent> {
        let mut tx = self.write_tx().await?;
        let event = apply_stage_change(self, &mut tx, change, meta).await?;
        if let Some(r) = open {
            insert_review(&mut tx, r, meta).await?;
        }
        tx.commit().await?;
        Ok(event)
    }

    async fn project_events(&self, project_id: i64) -> Result<Vec<ProjectEvent>> {
        q(
            format!("SELECT {EVENT_COLS} FROM project_events WHERE project_id = $1 ORDER BY id"),
            vec![int(project_id)],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_event)
        .collect()
    }

    async fn add_project_party(&self, p: &NewProjectParty, meta: &WriteMeta) -> Result<ProjectParty> {
        let mut tx = self.write_tx().await?;
        let id: i64 = q(
            "INSERT INTO project_parties (project_id, role, org_id, person_id, name, country, duty, since, added_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id"
                .into(),
            vec![
                int(p.project_id),
                text(&p.role),
                Arg::Int(p.org_id),
                Arg::Int(p.person_id),
                text(&p.name),
                text(&p.country),
                opt_text(p.duty.as_deref()),
                text(&p.since),
                text(&meta.actor),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let row = q(
            format!("SELECT {PARTY_COLS} FROM project_parties WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_one(&mut *tx)
        .await?;
        let party = decode_party(&row)?;
        let mut d = draft(meta, "project_party_add", Kind::Project.slug(), Some(p.project_id));
        d.after = Some(serde_json::json!({
            "party": id, "role": p.role, "name": p.name, "country": p.country,
            "org_id": p.org_id, "person_id": p.person_id, "duty": p.duty,
        }));
        tx.audit(d);
        super::work::mark(self, &mut tx, Kind::Project, &[p.project_id], &meta.at).await?;
        tx.commit().await?;
        Ok(party)
    }

    async fn remove_project_party(&self, id: i64, meta: &WriteMeta) -> Result<ProjectParty> {
        let mut tx = self.write_tx().await?;
        let changed = q(
            "UPDATE project_parties SET until = $1, removed_by = $2 WHERE id = $3 AND until IS NULL".into(),
            vec![text(&meta.at[..10.min(meta.at.len())]), text(&meta.actor), int(id)],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let row = q(
            format!("SELECT {PARTY_COLS} FROM project_parties WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_one(&mut *tx)
        .await?;
        let party = decode_party(&row)?;
        let mut d = draft(
            meta,
            "project_party_remove",
            Kind::Project.slug(),
            Some(party.project_id),
        );
        d.before = Some(serde_json::json!({ "party": id, "role": party.role, "name": party.name }));
        tx.audit(d);
        super::work::mark(self, &mut tx, Kind::Project, &[party.project_id], &meta.at).await?;
        tx.commit().await?;
        Ok(party)
    }

    async fn project_party(&self, id: i64) -> Result<Option<ProjectParty>> {
        q(
            format!("SELECT {PARTY_COLS} FROM project_parties WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_party(&r))
        .transpose()
    }

    async fn project_parties(&self, project_id: i64, with_past: bool) -> Result<Vec<ProjectParty>> {
        let cond = if with_past { "" } else { " AND until IS NULL" };
        q(
            format!("SELECT {PARTY_COLS} FROM project_parties WHERE project_id = $1{cond} ORDER BY id"),
            vec![int(project_id)],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_party)
        .collect()
    }

    async fn add_disclosure(&self, dcl: &NewDisclosure, meta: &WriteMeta) -> Result<Disclosure> {
        let mut tx = self.write_tx().await?;
        let id: i64 = q(
            "INSERT INTO disclosures (person_id, declared_on, conflicts, foreign_roles, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
                .into(),
            vec![
                int(dcl.person_id),
                text(&dcl.declared_on),
                text(&dcl.conflicts),
                text(&dcl.foreign_roles),
                text(&meta.actor),
                text(&meta.at),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let row = q(
            format!("SELECT {DISCLOSURE_COLS} FROM disclosures WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_one(&mut *tx)
        .await?;
        let mut d = draft(meta, "disclosure_add", Kind::Person.slug(), Some(dcl.person_id));
        d.after = Some(serde_json::json!({
            "disclosure": id, "declared_on": dcl.declared_on,
            "conflicts": dcl.conflicts, "foreign_roles": dcl.foreign_roles,
        }));
        tx.audit(d);
        tx.commit().await?;
        decode_disclosure(&row)
    }

    async fn disclosures(&self, person_ids: &[i64]) -> Result<Vec<Disclosure>> {
        let mut out = Vec::new();
        for chunk in person_ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let rows = q(
                format!(
                    "SELECT {DISCLOSURE_COLS} FROM disclosures WHERE person_id IN ({}) \
                     ORDER BY declared_on DESC, id DESC",
                    marks.join(", ")
                ),
                chunk.iter().map(|&i| int(i)).collect(),
            )
            .fetch_all(&self.pool)
            .await?;
            for r in &rows {
                out.push(decode_disclosure(r)?);
            }
        }
        Ok(out)
    }

    async fn open_review(&self, review: &NewReview, meta: &WriteMeta) -> Result<GateReview> {
        let mut tx = self.write_tx().await?;
        let r = insert_review(&mut tx, review, meta).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn review(&self, id: i64) -> Result<Option<GateReview>> {
        q(
            format!("SELECT {REVIEW_COLS} FROM gate_reviews WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_review(&r))
        .transpose()
    }

    async fn reviews(&self, f: &ReviewFilter) -> Result<Vec<GateReview>> {
        let mut conds = Vec::new();
        let mut args = Vec::new();
        if let Some(g) = f.gate {
            args.push(text(g.code()));
            conds.push(format!("gate = ${}", args.len()));
        }
        match f.open {
            Some(true) => conds.push("state IN ('open', 'awaiting_second')".into()),
            Some(false) => conds.push("state = 'decided'".into()),
            None => {}
        }
        if let Some((k, id)) = f.record {
            args.push(text(k.table()));
            conds.push(format!("kind = ${}", args.len()));
            args.push(int(id));
            conds.push(format!("record_id = ${}", args.len()));
        }
        if let Some(o) = f.applicant_org_id {
            args.push(int(o));
            conds.push(format!("applicant_org_id = ${}", args.len()));
        }
        if !f.decisions.is_empty() {
            let mut marks = Vec::new();
            for d in &f.decisions {
                args.push(text(d));
                marks.push(format!("${}", args.len()));
            }
            conds.push(format!("decision IN ({})", marks.join(", ")));
        }
        // Stored timestamps are ISO 8601 in UTC; a day's bounds compare as text.
        if let Some(d) = &f.opened_from {
            args.push(text(d));
            conds.push(format!("opened_at >= ${}", args.len()));
        }
        if let Some(d) = &f.opened_to {
            args.push(text(&format!("{d}T99")));
            conds.push(format!("opened_at < ${}", args.len()));
        }
        if let Some(d) = &f.due_before {
            args.push(text(d));
            conds.push(format!(
                "state IN ('open', 'awaiting_second') AND due_on IS NOT NULL AND due_on < ${}",
                args.len()
            ));
        }
        if f.blocked {
            // The findings are kean's own JSON (serde's compact form of
            // `Vec<Finding>`), so a blocking one reads exactly so.
            conds.push("findings LIKE '%\"severity\":\"block\"%'".into());
        }
        let cond = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let limit = if f.limit == 0 { 500 } else { f.limit.min(5000) };
        q(
            format!("SELECT {REVIEW_COLS} FROM gate_reviews{cond} ORDER BY id DESC LIMIT {limit}"),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_review)
        .collect()
    }

    async fn decide_review(
        &self,
        dec: &ReviewDecision,
        change: Option<&StageChange>,
        next: Option<&NewReview>,
        meta: &WriteMeta,
    ) -> Result<GateReview> {
        let mut tx = self.write_tx().await?;
        let changed = if dec.is_final {
            q(
                "UPDATE gate_reviews SET state = 'decided', decision = $1, reasons = $2, conditions = $3, note = $4, \
                 findings = $5, decided_by_id = $6, decided_by = $7, decided_at = $8 WHERE id = $9 AND state = $10"
                    .into(),
                vec![
                    text(dec.decision.code()),
                    text(&dec.reasons),
                    text(&dec.conditions),
                    text(&dec.note),
                    text(&dec.findings),
                    int(meta.actor_id),
                    text(&meta.actor),
                    text(&meta.at),
                    int(dec.id),
                    text(&dec.expected_state),
                ],
            )
        } else {
            q(
                "UPDATE gate_reviews SET state = 'awaiting_second', first_decision = $1, first_reasons = $2, \
                 findings = $3, first_reviewer_id = $4, first_reviewer = $5, first_at = $6 WHERE id = $7 AND state = $8"
                    .into(),
                vec![
                    text(dec.decision.code()),
                    text(&dec.reasons),
                    text(&dec.findings),
                    int(meta.actor_id),
                    text(&meta.actor),
                    text(&meta.at),
                    int(dec.id),
                    text(&dec.expected_state),
                ],
            )
        }
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0
            && let Some((framework, answers, score)) = &dec.checklist
        {
            q(
                "UPDATE gate_reviews SET framework_id = $1, answers = $2, score_permille = $3 WHERE id = $4".into(),
                vec![int(*framework), text(answers), int(*score), int(dec.id)],
            )
            .execute(&mut *tx)
            .await?;
        }
        let review = one_review(&mut tx, dec.id).await?;
        if changed == 0 {
            return Err(StoreError::VersionMismatch { expected: 0, actual: 1 });
        }
        let action = if dec.is_final {
            "gate_review_decide"
        } else {
            "gate_review_first"
        };
        let mut d = draft(meta, action, review.kind.slug(), Some(review.record_id));
        d.after = Some(serde_json::json!({
            "review": review.id,
            "gate": review.gate.code(),
            "decision": dec.decision.code(),
            "reasons": dec.reasons,
            "conditions": dec.conditions,
            "findings": serde_json::from_str::<serde_json::Value>(&dec.findings).unwrap_or_default(),
            "checklist": dec.checklist.as_ref().map(|(f, a, s)| serde_json::json!({
                "framework": f,
                "answers": serde_json::from_str::<serde_json::Value>(a).unwrap_or_default(),
                "score_permille": s,
            })),
        }));
        tx.audit(d);
        if let Some(c) = change {
            apply_stage_change(self, &mut tx, c, meta).await?;
        }
        if let Some(n) = next {
            insert_review(&mut tx, n, meta).await?;
        }
        tx.commit().await?;
        Ok(review)
    }

    async fn record_licence(&self, id: i64, licence_no: &str, findings: &str, meta: &WriteMeta) -> Result<GateReview> {
        let mut tx = self.write_tx().await?;
        let changed = q(
            "UPDATE gate_reviews SET licence_no = $1, findings = $2 WHERE id = $3 \
             AND state IN ('open', 'awaiting_second')"
                .into(),
            vec![text(licence_no), text(findings), int(id)],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let review = one_review(&mut tx, id).await?;
        if changed == 0 {
            return Err(StoreError::VersionMismatch { expected: 0, actual: 1 });
        }
        let mut d = draft(meta, "gate_review_licence", review.kind.slug(), Some(review.record_id));
        d.after = Some(serde_json::json!({ "review": id, "licence_no": licence_no }));
        tx.audit(d);
        tx.commit().await?;
        Ok(review)
    }

    async fn add_dictionary_version(&self, v: &NewDictionaryVersion, meta: &WriteMeta) -> Result<DictionaryVersion> {
        let mut tx = self.write_tx().await?;
        let last: Option<i64> = q(
            "SELECT MAX(version_no) AS n FROM tech_dictionary_versions WHERE dictionary = $1".into(),
            vec![text(&v.dictionary)],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let no = last.unwrap_or(0) + 1;
        let id: i64 = q(
            "INSERT INTO tech_dictionary_versions (dictionary, version_no, label, source_name, content, items, added, \
             changed, removed, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             RETURNING id"
                .into(),
            vec![
                text(&v.dictionary),
                int(no),
                text(&v.label),
                text(&v.source_name),
                text(&v.content),
                int(v.items),
                text(&v.added),
                text(&v.changed),
                text(&v.removed),
                text(&meta.actor),
                text(&meta.at),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let mut d = draft(meta, "dictionary_version_add", &v.dictionary, Some(id));
        d.after = Some(serde_json::json!({
            "version": no,
            "label": v.label,
            "source": v.source_name,
            "items": v.items,
            "sm3": kean_core::audit::sm3_hex(v.content.as_bytes()),
            "added": serde_json::from_str::<serde_json::Value>(&v.added).unwrap_or_default(),
            "changed": serde_json::from_str::<serde_json::Value>(&v.changed).unwrap_or_default(),
            "removed": serde_json::from_str::<serde_json::Value>(&v.removed).unwrap_or_default(),
        }));
        tx.audit(d);
        let row = q(
            format!("SELECT {VERSION_COLS} FROM tech_dictionary_versions WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        decode_version(&row)
    }

    async fn dictionary_versions(&self, dictionary: &str) -> Result<Vec<DictionaryVersion>> {
        q(
            format!(
                "SELECT {VERSION_COLS} FROM tech_dictionary_versions WHERE dictionary = $1 ORDER BY version_no DESC"
            ),
            vec![text(dictionary)],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_version)
        .collect()
    }

    async fn latest_dictionaries(&self) -> Result<Vec<DictionaryVersion>> {
        q(
            format!(
                "SELECT {VERSION_COLS} FROM tech_dictionary_versions v WHERE version_no = \
                 (SELECT MAX(w.version_no) FROM tech_dictionary_versions w WHERE w.dictionary = v.dictionary) \
                 ORDER BY dictionary"
            ),
            vec![],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_version)
        .collect()
    }

    async fn suggest_links(
        &self,
        kind: Kind,
        record_id: i64,
        links: &[NewLink],
        meta: &WriteMeta,
    ) -> Result<Vec<TechLink>> {
        let mut tx = self.write_tx().await?;
        // Suggestions the classifier no longer makes go; decided ones stay.
        q(
            "DELETE FROM tech_links WHERE kind = $1 AND record_id = $2 AND state = 'suggested'".into(),
            vec![text(kind.table()), int(record_id)],
        )
        .execute(&mut *tx)
        .await?;
        for l in links {
            q(
                "INSERT INTO tech_links (kind, record_id, dictionary, item_code, item_name, score_milli, \
                 matched_terms, state, suggested_at) SELECT $1, $2, $3, $4, $5, $6, $7, 'suggested', $8 \
                 WHERE NOT EXISTS (SELECT 1 FROM tech_links WHERE kind = $1 AND record_id = $2 AND dictionary = $3 \
                 AND item_code = $4)"
                    .into(),
                vec![
                    text(kind.table()),
                    int(record_id),
                    text(&l.dictionary),
                    text(&l.item_code),
                    text(&l.item_name),
                    int(l.score_milli),
                    text(&l.matched_terms),
                    text(&meta.at),
                ],
            )
            .execute(&mut *tx)
            .await?;
        }
        let mut d = draft(meta, "tech_links_suggested", kind.slug(), Some(record_id));
        d.after = Some(serde_json::json!(
            links
                .iter()
                .map(|l| serde_json::json!({ "dictionary": l.dictionary, "item": l.item_code, "score": l.score_milli }))
                .collect::<Vec<_>>()
        ));
        tx.audit(d);
        let rows = q(
            format!(
                "SELECT {LINK_COLS} FROM tech_links WHERE kind = $1 AND record_id = $2 \
                 ORDER BY score_milli DESC, id"
            ),
            vec![text(kind.table()), int(record_id)],
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.iter().map(decode_link).collect()
    }

    async fn decide_link(&self, id: i64, confirm: bool, meta: &WriteMeta) -> Result<TechLink> {
        let mut tx = self.write_tx().await?;
        let state = if confirm { "confirmed" } else { "rejected" };
        let changed = q(
            "UPDATE tech_links SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4".into(),
            vec![text(state), text(&meta.actor), text(&meta.at), int(id)],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let row = q(
            format!("SELECT {LINK_COLS} FROM tech_links WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_one(&mut *tx)
        .await?;
        let link = decode_link(&row)?;
        let action = if confirm {
            "tech_link_confirm"
        } else {
            "tech_link_reject"
        };
        let mut d = draft(meta, action, link.kind.slug(), Some(link.record_id));
        d.after = Some(serde_json::json!({
            "link": id, "dictionary": link.dictionary, "item": link.item_code, "name": link.item_name,
        }));
        tx.audit(d);
        super::work::mark(self, &mut tx, link.kind, &[link.record_id], &meta.at).await?;
        tx.commit().await?;
        Ok(link)
    }

    async fn link(&self, id: i64) -> Result<Option<TechLink>> {
        q(
            format!("SELECT {LINK_COLS} FROM tech_links WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_link(&r))
        .transpose()
    }

    async fn links(&self, kind: Kind, record_id: i64) -> Result<Vec<TechLink>> {
        q(
            format!(
                "SELECT {LINK_COLS} FROM tech_links WHERE kind = $1 AND record_id = $2 \
                 ORDER BY score_milli DESC, id"
            ),
            vec![text(kind.table()), int(record_id)],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_link)
        .collect()
    }

    async fn registered_by_accounts(&self, kind: Kind, ids: &[i64]) -> Result<Vec<i64>> {
        let mut out = Vec::new();
        for slice in ids.chunks(500) {
            let args: Vec<_> = slice.iter().map(|id| int(*id)).collect();
            let marks: Vec<String> = (1..=slice.len()).map(|i| format!("${i}")).collect();
            let rows = q(
                format!(
                    "SELECT id FROM {} WHERE created_by <> 0 AND id IN ({}) ORDER BY id",
                    kind.table(),
                    marks.join(", ")
                ),
                args,
            )
            .fetch_all(&self.pool)
            .await?;
            for r in rows {
                out.push(r.try_get::<i64, _>("id")?);
            }
        }
        Ok(out)
    }

    async fn confirmed_links(&self, dictionary: &str) -> Result<Vec<TechLink>> {
        q(
            format!(
                "SELECT {LINK_COLS} FROM tech_links WHERE dictionary = $1 AND state = 'confirmed' \
                 ORDER BY item_code, id"
            ),
            vec![text(dictionary)],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_link)
        .collect()
    }

    async fn add_framework_version(
        &self,
        code: &str,
        title: &str,
        edition: &str,
        content: &str,
        meta: &WriteMeta,
    ) -> Result<FrameworkVersion> {
        let mut tx = self.write_tx().await?;
        let last: Option<i64> = q(
            "SELECT MAX(version_no) AS n FROM assessment_frameworks WHERE code = $1".into(),
            vec![text(code)],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let no = last.unwrap_or(0) + 1;
        let id: i64 = q(
            "INSERT INTO assessment_frameworks (code, version_no, title, edition, content, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
                .into(),
            vec![
                text(code),
                int(no),
                text(title),
                text(edition),
                text(content),
                text(&meta.actor),
                text(&meta.at),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let mut d = draft(meta, "framework_version_add", "assessment-frameworks", Some(id));
        d.after = Some(serde_json::json!({
            "code": code, "version": no, "title": title, "edition": edition,
            "sm3": kean_core::audit::sm3_hex(content.as_bytes()),
        }));
        tx.audit(d);
        let row = q(
            format!("SELECT {FRAMEWORK_COLS} FROM assessment_frameworks WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        decode_framework(&row)
    }

    async fn latest_frameworks(&self) -> Result<Vec<FrameworkVersion>> {
        q(
            format!(
                "SELECT {FRAMEWORK_COLS} FROM assessment_frameworks f WHERE version_no = \
                 (SELECT MAX(g.version_no) FROM assessment_frameworks g WHERE g.code = f.code) ORDER BY code"
            ),
            vec![],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_framework)
        .collect()
    }

    async fn framework_version(&self, id: i64) -> Result<Option<FrameworkVersion>> {
        q(
            format!("SELECT {FRAMEWORK_COLS} FROM assessment_frameworks WHERE id = $1"),
            vec![int(id)],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_framework(&r))
        .transpose()
    }
}
