//! Screening results: the parties screened, what a run found (the rules
//! in `crate::decide`, applied here), reads and reviewers' decisions.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use kean_core::{Kind, Scope};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::SqlStore;
use super::args::{Arg, CHUNK, and_results_scope, and_scope, counted_page, escape_like, in_list, placeholders, q};
use super::write_tx::draft;
use crate::decide::{Party, decide, entries_to_check};
use crate::error::{Result, StoreError};
use crate::screening::{
    BulkOutcome, BulkRefusal, DecisionItem, PartyRow, PartyState, ResultDecision, ResultFilter, ResultRow,
    ResultStatus, ScreenedParty, ScreeningSummary, lapse,
};
use crate::traits::ScreeningResultStore;
use crate::types::{Backend, Page, WriteMeta};

pub(crate) const RESULT_COLS: &str = "sr.id, sr.party_kind, sr.party_id, sr.party_field, sr.party_name, sr.party_hash, \
     sr.owner_org_id, sr.list_id, l.code AS list_code, sr.entry_id, sr.entry_key, sr.entry_name, sr.matched_name, \
     sr.score_bp, sr.explanation, sr.explanation_detail, sr.status, sr.decision, sr.lapse_reason, sr.reason, sr.decided_by, sr.decided_at, sr.created_at, \
     sr.updated_at, sr.version";

pub(crate) fn decode_result(r: &AnyRow) -> Result<ResultRow> {
    let kind: String = r.try_get("party_kind")?;
    let status: String = r.try_get("status")?;
    Ok(ResultRow {
        id: r.try_get("id")?,
        party_kind: Kind::from_slug(&kind)
            .ok_or_else(|| StoreError::other(format!("unknown kind '{kind}' in screening_results")))?,
        party_id: r.try_get("party_id")?,
        party_field: r.try_get("party_field")?,
        party_name: r.try_get("party_name")?,
        party_hash: r.try_get("party_hash")?,
        owner_org_id: r.try_get("owner_org_id")?,
        list_id: r.try_get("list_id")?,
        list_code: r.try_get("list_code")?,
        entry_id: r.try_get("entry_id")?,
        entry_key: r.try_get("entry_key")?,
        entry_name: r.try_get("entry_name")?,
        matched_name: r.try_get("matched_name")?,
        score_bp: r.try_get("score_bp")?,
        explanation: r.try_get("explanation")?,
        explanation_detail: r.try_get("explanation_detail")?,
        status: ResultStatus::parse(&status)
            .ok_or_else(|| StoreError::other(format!("unknown status '{status}' in screening_results")))?,
        decision: r
            .try_get::<Option<String>, _>("decision")?
            .and_then(|d| ResultStatus::parse(&d)),
        lapse_reason: r.try_get("lapse_reason")?,
        reason: r.try_get("reason")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

/// The audit form of a result.
pub(crate) fn result_json(h: &ResultRow) -> serde_json::Value {
    serde_json::json!({
        "party": format!("{}/{}", h.party_kind.slug(), h.party_id),
        "field": h.party_field,
        "name": h.party_name,
        "list": h.list_code,
        "entry_id": h.entry_id,
        "entry_key": h.entry_key,
        "entry_name": h.entry_name,
        "matched_name": h.matched_name,
        "score_bp": h.score_bp,
        "status": h.status.code(),
        "decision": h.decision.map(|d| d.code()),
        "lapse_reason": h.lapse_reason,
        "reason": h.reason,
        "version": h.version,
    })
}

/// A result, optionally only if the record screened is owned by `org`.
pub(crate) async fn fetch_result(conn: &mut AnyConnection, id: i64, scope: Option<Scope>) -> Result<Option<ResultRow>> {
    let mut sql = format!(
        "SELECT {RESULT_COLS} FROM screening_results sr JOIN restricted_lists l ON l.id = sr.list_id WHERE sr.id = $1"
    );
    let mut args = vec![Arg::Int(Some(id))];
    if let Some(scope) = scope {
        sql.push_str(&and_results_scope(scope, "sr", &mut args));
    }
    q(sql, args)
        .fetch_optional(&mut *conn)
        .await?
        .map(|r| decode_result(&r))
        .transpose()
}

#[async_trait]
impl ScreeningResultStore for SqlStore {
    async fn screening_parties(
        &self,
        kind: Kind,
        fields: &[&'static str],
        ids: Option<&[i64]>,
        scope: Scope,
    ) -> Result<Vec<PartyRow>> {
        let mut cols = vec![
            "id".to_string(),
            "owner_org_id".into(),
            "archived".into(),
            "version".into(),
        ];
        for (i, f) in fields.iter().enumerate() {
            if kind.field(f).is_none() {
                return Err(StoreError::other(format!("{} has no field {f}", kind.table())));
            }
            cols.push(format!("CAST({f} AS TEXT) AS k{i}"));
        }
        // Inside the scope: its arguments come last.
        let base = format!("SELECT {} FROM {} t", cols.join(", "), kind.table());
        let owned = |args: &mut Vec<Arg>| and_scope(kind, scope, "t", args);
        let mut rows = Vec::new();
        let decode = |r: &AnyRow| -> Result<PartyRow> {
            Ok(PartyRow {
                id: r.try_get("id")?,
                owner_org_id: r.try_get("owner_org_id")?,
                archived: r.try_get::<i64, _>("archived")? != 0,
                version: r.try_get("version")?,
                values: (0..fields.len())
                    .map(|i| r.try_get::<Option<String>, _>(format!("k{i}").as_str()))
                    .collect::<std::result::Result<Vec<_>, _>>()?,
            })
        };
        match ids {
            None => {
                let mut args = vec![];
                let cond = owned(&mut args);
                for r in q(format!("{base} WHERE 1 = 1{cond} ORDER BY id"), args)
                    .fetch_all(&self.pool)
                    .await?
                {
                    rows.push(decode(&r)?);
                }
            }
            Some(ids) => {
                for chunk in ids.chunks(CHUNK) {
                    let mut args = chunk.iter().map(|id| Arg::Int(Some(*id))).collect();
                    let cond = owned(&mut args);
                    for r in q(
                        format!("{base} WHERE id IN ({}){cond} ORDER BY id", in_list(1, chunk.len())),
                        args,
                    )
                    .fetch_all(&self.pool)
                    .await?
                    {
                        rows.push(decode(&r)?);
                    }
                }
            }
        }
        Ok(rows)
    }

    async fn record_screening(
        &self,
        results: &[ScreenedParty],
        generation: i64,
        only_entries: Option<&HashSet<i64>>,
        meta: &WriteMeta,
    ) -> Result<ScreeningSummary> {
        // One result per party (the last wins if a caller repeated one).
        let mut seen = HashSet::new();
        let mut results: Vec<&ScreenedParty> = results
            .iter()
            .rev()
            .filter(|s| seen.insert((s.kind, s.id, s.field)))
            .collect();
        results.reverse();
        let mut summary = ScreeningSummary::default();
        if results.is_empty() {
            return Ok(summary);
        }
        let pos = self.positional();
        let mut tx = self.write_tx().await?;
        // Hold the screening lock (PostgreSQL; SQLite has its write guard) and
        // check that the lists screened against are still the current ones.
        let lock = match self.backend {
            Backend::Postgres => "SELECT generation FROM list_generation WHERE id = 1 FOR UPDATE",
            Backend::Sqlite => "SELECT generation FROM list_generation WHERE id = 1",
        };
        let current: i64 = q(lock.into(), vec![])
            .fetch_one(&mut *tx)
            .await?
            .try_get("generation")?;
        if current != generation {
            tx.rollback().await?;
            return Err(StoreError::Stale);
        }
        // Records written since they were read are left to their own screening.
        let mut by_kind: HashMap<Kind, Vec<i64>> = HashMap::new();
        for s in &results {
            by_kind.entry(s.kind).or_default().push(s.id);
        }
        let mut now: HashMap<(Kind, i64), (i64, bool)> = HashMap::new();
        for (kind, ids) in &by_kind {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(CHUNK) {
                let args = chunk.iter().map(|id| Arg::Int(Some(*id))).collect();
                for r in q(
                    format!(
                        "SELECT id, version, archived FROM {} WHERE id IN ({})",
                        kind.table(),
                        in_list(1, chunk.len())
                    ),
                    args,
                )
                .fetch_all(&mut *tx)
                .await?
                {
                    now.insert(
                        (*kind, r.try_get("id")?),
                        (r.try_get("version")?, r.try_get::<i64, _>("archived")? != 0),
                    );
                }
            }
        }
        results.retain(|s| now.get(&(s.kind, s.id)) == Some(&(s.record_version, s.archived)));
        summary.parties = results.len();

        // The live (not lapsed) results of these parties, and their last screened values.
        let wanted: HashSet<(Kind, i64)> = results.iter().map(|s| (s.kind, s.id)).collect();
        let mut live: Vec<ResultRow> = Vec::new();
        let mut screened: HashMap<(Kind, i64, String), String> = HashMap::new();
        let few = wanted.len() <= 32;
        let pairs: Vec<(Kind, i64)> = if few { wanted.iter().copied().collect() } else { vec![] };
        let result_sql = format!(
            "SELECT {RESULT_COLS} FROM screening_results sr JOIN restricted_lists l ON l.id = sr.list_id \
             WHERE sr.status <> 'lapsed'"
        );
        let party_sql = "SELECT party_kind, party_id, party_field, party_hash FROM screening_parties";
        let mut result_rows = Vec::new();
        let mut party_rows = Vec::new();
        if few {
            for (kind, id) in &pairs {
                let args = vec![Arg::Text(Some(kind.slug().to_string())), Arg::Int(Some(*id))];
                result_rows.extend(
                    q(
                        format!("{result_sql} AND sr.party_kind = $1 AND sr.party_id = $2"),
                        args.clone(),
                    )
                    .fetch_all(&mut *tx)
                    .await?,
                );
                party_rows.extend(
                    q(format!("{party_sql} WHERE party_kind = $1 AND party_id = $2"), args)
                        .fetch_all(&mut *tx)
                        .await?,
                );
            }
        } else {
            result_rows = q(result_sql, vec![]).fetch_all(&mut *tx).await?;
            party_rows = q(party_sql.into(), vec![]).fetch_all(&mut *tx).await?;
        }
        for r in &result_rows {
            let h = decode_result(r)?;
            if wanted.contains(&(h.party_kind, h.party_id)) {
                live.push(h);
            }
        }
        for r in &party_rows {
            let kind: String = r.try_get("party_kind")?;
            if let Some(k) = Kind::from_slug(&kind) {
                let id: i64 = r.try_get("party_id")?;
                if wanted.contains(&(k, id)) {
                    screened.insert((k, id, r.try_get("party_field")?), r.try_get("party_hash")?);
                }
            }
        }
        let mut live_by: HashMap<(Kind, i64, &str), Vec<&ResultRow>> = HashMap::new();
        for h in &live {
            live_by
                .entry((h.party_kind, h.party_id, h.party_field.as_str()))
                .or_default()
                .push(h);
        }
        let parties: Vec<Party<'_>> = results
            .iter()
            .map(|&s| Party {
                screening: s,
                live: live_by.get(&(s.kind, s.id, s.field)).cloned().unwrap_or_default(),
                last_hash: screened.get(&(s.kind, s.id, s.field.to_string())).map(String::as_str),
            })
            .collect();
        // Which entries ended (changed or left their list): their results
        // lapse saying so, and they are never matched again.
        let mut entry_state: HashMap<i64, &'static str> = HashMap::new();
        for chunk in entries_to_check(&parties).chunks(CHUNK) {
            let args = chunk.iter().map(|id| Arg::Int(Some(*id))).collect();
            for r in q(
                format!(
                    "SELECT e.id, e.removed_version_id, (SELECT COUNT(*) FROM restricted_entries c \
                     WHERE c.list_id = e.list_id AND c.entry_key = e.entry_key AND c.removed_version_id IS NULL) \
                     AS successors FROM restricted_entries e WHERE e.id IN ({})",
                    in_list(1, chunk.len())
                ),
                args,
            )
            .fetch_all(&mut *tx)
            .await?
            {
                let removed: Option<i64> = r.try_get("removed_version_id")?;
                let successors: i64 = r.try_get("successors")?;
                if removed.is_some() {
                    entry_state.insert(
                        r.try_get("id")?,
                        if successors > 0 {
                            lapse::ENTRY_CHANGED
                        } else {
                            lapse::ENTRY_REMOVED
                        },
                    );
                }
            }
        }
        // The rules decide (crate::decide); what follows only applies them.
        let decisions = decide(&parties, only_entries, &entry_state);
        summary.unchanged += decisions.unchanged;
        for (h, reason) in decisions.lapse {
            let done = q(
                "UPDATE screening_results SET status = 'lapsed', lapse_reason = $1, updated_at = $2, \
                 version = version + 1 WHERE id = $3 AND version = $4 AND status <> 'lapsed'"
                    .into(),
                vec![
                    Arg::Text(Some(reason.to_string())),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Int(Some(h.id)),
                    Arg::Int(Some(h.version)),
                ],
            )
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                // Decided meanwhile: the next screening sees it as it is now.
                continue;
            }
            let after = fetch_result(&mut tx, h.id, None).await?.ok_or(StoreError::NotFound)?;
            let mut d = draft(meta, "lapse", "screening-results", Some(h.id));
            d.before = Some(result_json(h));
            d.after = Some(result_json(&after));
            tx.audit(d);
            summary.lapsed += 1;
        }
        for (s, i) in decisions.open {
            let n = &s.matches[i];
            let id: i64 = q(
                "INSERT INTO screening_results (party_kind, party_id, party_field, party_name, party_hash, \
                 owner_org_id, list_id, entry_id, entry_key, entry_name, matched_name, score_bp, explanation, \
                 explanation_detail, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open', $15, $15) RETURNING id"
                    .into(),
                vec![
                    Arg::Text(Some(s.kind.slug().to_string())),
                    Arg::Int(Some(s.id)),
                    Arg::Text(Some(s.field.to_string())),
                    Arg::Text(Some(s.name.clone())),
                    Arg::Text(Some(s.hash.clone())),
                    Arg::Int(s.owner_org_id),
                    Arg::Int(Some(n.list_id)),
                    Arg::Int(Some(n.entry_id)),
                    Arg::Text(Some(n.entry_key.clone())),
                    Arg::Text(Some(n.entry_name.clone())),
                    Arg::Text(Some(n.matched_name.clone())),
                    Arg::Int(Some(n.score_bp)),
                    Arg::Text(Some(n.explanation.clone())),
                    Arg::Text(n.explanation_detail.clone()),
                    Arg::Text(Some(meta.at.clone())),
                ],
            )
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?;
            let row = fetch_result(&mut tx, id, None).await?.ok_or(StoreError::NotFound)?;
            let mut d = draft(meta, "open", "screening-results", Some(id));
            d.after = Some(result_json(&row));
            tx.audit(d);
            summary.opened.push(id);
        }

        // When and against which lists each party was screened.
        let states: Vec<&ScreenedParty> = results.iter().copied().filter(|s| !s.archived).collect();
        for chunk in states.chunks(CHUNK) {
            let mut args = Vec::with_capacity(chunk.len() * 7);
            let mut tuples = Vec::with_capacity(chunk.len());
            for s in chunk {
                let first = args.len() + 1;
                args.extend([
                    Arg::Text(Some(s.kind.slug().to_string())),
                    Arg::Int(Some(s.id)),
                    Arg::Text(Some(s.field.to_string())),
                    Arg::Text(Some(s.name.clone())),
                    Arg::Text(Some(s.hash.clone())),
                    Arg::Int(Some(generation)),
                    Arg::Text(Some(meta.at.clone())),
                ]);
                tuples.push(placeholders(pos, first, args.len()));
            }
            q(
                format!(
                    "INSERT INTO screening_parties (party_kind, party_id, party_field, party_name, \
                     party_hash, generation, screened_at) VALUES {} ON CONFLICT (party_kind, party_id, \
                     party_field) DO UPDATE SET party_name = excluded.party_name, \
                     party_hash = excluded.party_hash, generation = excluded.generation, \
                     screened_at = excluded.screened_at",
                    tuples.join(", ")
                ),
                args,
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(summary)
    }

    async fn results(&self, filter: &ResultFilter, scope: Scope) -> Result<Page<ResultRow>> {
        let mut args = Vec::new();
        let mut conds = vec![format!("1 = 1{}", and_results_scope(scope, "sr", &mut args))];
        if let Some(s) = filter.status {
            args.push(Arg::Text(Some(s.code().to_string())));
            conds.push(format!("sr.status = ${}", args.len()));
        }
        if let Some(k) = filter.kind {
            args.push(Arg::Text(Some(k.slug().to_string())));
            conds.push(format!("sr.party_kind = ${}", args.len()));
        }
        if let Some(id) = filter.party_id {
            args.push(Arg::Int(Some(id)));
            conds.push(format!("sr.party_id = ${}", args.len()));
        }
        if let Some(l) = filter.list_id {
            args.push(Arg::Int(Some(l)));
            conds.push(format!("sr.list_id = ${}", args.len()));
        }
        if let Some(n) = filter.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            args.push(Arg::Text(Some(escape_like(n))));
            conds.push(format!("LOWER(sr.party_name) LIKE ${} ESCAPE '\\'", args.len()));
        }
        let cond = conds.join(" AND ");
        counted_page(
            &self.pool,
            format!("SELECT COUNT(*) AS n FROM screening_results sr WHERE {cond}"),
            format!(
                "SELECT {RESULT_COLS} FROM screening_results sr JOIN restricted_lists l ON l.id = sr.list_id \
                 WHERE {cond} ORDER BY sr.id DESC"
            ),
            args,
            filter.page,
            filter.page_size,
            decode_result,
        )
        .await
    }

    async fn result(&self, id: i64, scope: Scope) -> Result<Option<ResultRow>> {
        let mut conn = self.pool.acquire().await?;
        fetch_result(&mut conn, id, Some(scope)).await
    }

    async fn result_counts(&self, scope: Scope) -> Result<Vec<(ResultStatus, i64)>> {
        let mut out = Vec::new();
        let mut args = vec![];
        let cond = and_results_scope(scope, "sr", &mut args);
        for r in q(
            format!("SELECT sr.status AS status, COUNT(*) AS n FROM screening_results sr WHERE 1 = 1{cond} GROUP BY sr.status"),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        {
            let s: String = r.try_get("status")?;
            if let Some(st) = ResultStatus::parse(&s) {
                out.push((st, r.try_get("n")?));
            }
        }
        Ok(out)
    }

    async fn party_states(&self, kind: Kind, id: i64, scope: Scope) -> Result<Vec<PartyState>> {
        let mut args = vec![Arg::Text(Some(kind.slug().to_string())), Arg::Int(Some(id))];
        // The states carry no owner: the record screened has it.
        let within = and_scope(kind, scope, "r", &mut args);
        let owned = if within.is_empty() {
            String::new()
        } else {
            format!(
                " AND EXISTS (SELECT 1 FROM {} r WHERE r.id = screening_parties.party_id{within})",
                kind.table()
            )
        };
        q(
            format!(
                "SELECT party_field, party_name, party_hash, generation, screened_at FROM screening_parties \
                 WHERE party_kind = $1 AND party_id = $2{owned} ORDER BY party_field"
            ),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PartyState {
                field: r.try_get(0)?,
                name: r.try_get(1)?,
                hash: r.try_get(2)?,
                generation: r.try_get(3)?,
                screened_at: r.try_get(4)?,
            })
        })
        .collect()
    }

    async fn decide_result(
        &self,
        id: i64,
        expected_version: Option<i64>,
        decision: ResultDecision,
        reason: &str,
        meta: &WriteMeta,
    ) -> Result<ResultRow> {
        let mut tx = self.write_tx().await?;
        let before = fetch_result(&mut tx, id, None).await?.ok_or(StoreError::NotFound)?;
        if let Some(v) = expected_version
            && v != before.version
        {
            return Err(StoreError::VersionMismatch {
                expected: v,
                actual: before.version,
            });
        }
        if before.status == ResultStatus::Lapsed {
            return Err(StoreError::VersionMismatch {
                expected: expected_version.unwrap_or(before.version),
                actual: before.version,
            });
        }
        let status = match decision {
            ResultDecision::Confirm => ResultStatus::Confirmed,
            ResultDecision::Dismiss => ResultStatus::Dismissed,
        };
        let done = q(
            "UPDATE screening_results SET status = $1, decision = $1, reason = $2, decided_by = $3, decided_at = $4, \
             updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status <> 'lapsed'"
                .into(),
            vec![
                Arg::Text(Some(status.code().to_string())),
                Arg::Text(Some(reason.to_string())),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(id)),
                Arg::Int(Some(before.version)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::VersionMismatch {
                expected: before.version,
                actual: before.version + 1,
            });
        }
        let after = fetch_result(&mut tx, id, None).await?.ok_or(StoreError::NotFound)?;
        let mut d = draft(
            meta,
            match decision {
                ResultDecision::Confirm => "confirm",
                ResultDecision::Dismiss => "dismiss",
            },
            "screening-results",
            Some(id),
        );
        d.before = Some(result_json(&before));
        d.after = Some(result_json(&after));
        tx.audit(d);
        tx.commit().await?;
        Ok(after)
    }

    async fn decide_results(
        &self,
        items: &[DecisionItem],
        decision: ResultDecision,
        reason: &str,
        scope: Scope,
        meta: &WriteMeta,
    ) -> Result<BulkOutcome> {
        let mut tx = self.write_tx().await?;
        let status = match decision {
            ResultDecision::Confirm => ResultStatus::Confirmed,
            ResultDecision::Dismiss => ResultStatus::Dismissed,
        };
        let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
        let mut first: Option<ResultRow> = None;
        let mut decided = Vec::with_capacity(items.len());
        for item in items {
            let refused = |why: BulkRefusal| Ok(BulkOutcome::Refused(why));
            // Read inside the scope: a result the reviewer may not see is
            // "not found", like on its own.
            let Some(before) = fetch_result(&mut tx, item.id, Some(scope)).await? else {
                tx.rollback().await?;
                return refused(BulkRefusal::NotFound { id: item.id });
            };
            if let Some(f) = &first
                && (f.party_kind, f.party_id, &f.party_field)
                    != (before.party_kind, before.party_id, &before.party_field)
            {
                tx.rollback().await?;
                return refused(BulkRefusal::OtherParty {
                    id: item.id,
                    first: f.id,
                });
            }
            if before.status != ResultStatus::Open {
                tx.rollback().await?;
                return refused(BulkRefusal::NotOpen {
                    id: item.id,
                    status: before.status,
                });
            }
            if before.version != item.version {
                tx.rollback().await?;
                return refused(BulkRefusal::Changed {
                    id: item.id,
                    expected: item.version,
                    actual: before.version,
                });
            }
            let done = q(
                "UPDATE screening_results SET status = $1, decision = $1, reason = $2, decided_by = $3, decided_at = $4, \
                 updated_at = $4, version = version + 1 WHERE id = $5 AND version = $6 AND status = 'open'"
                    .into(),
                vec![
                    Arg::Text(Some(status.code().to_string())),
                    Arg::Text(Some(reason.to_string())),
                    Arg::Text(Some(meta.actor.clone())),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Int(Some(item.id)),
                    Arg::Int(Some(before.version)),
                ],
            )
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                // Changed between the read and the write (another process).
                tx.rollback().await?;
                return refused(BulkRefusal::Changed {
                    id: item.id,
                    expected: item.version,
                    actual: before.version + 1,
                });
            }
            let after = fetch_result(&mut tx, item.id, None)
                .await?
                .ok_or(StoreError::NotFound)?;
            // Each result is audited on its own; the record names the
            // results decided together.
            let mut d = draft(
                meta,
                match decision {
                    ResultDecision::Confirm => "confirm",
                    ResultDecision::Dismiss => "dismiss",
                },
                "screening-results",
                Some(item.id),
            );
            let mut after_json = result_json(&after);
            after_json["decided_together"] = serde_json::json!(ids);
            d.before = Some(result_json(&before));
            d.after = Some(after_json);
            tx.audit(d);
            if first.is_none() {
                first = Some(before);
            }
            decided.push(after);
        }
        tx.commit().await?;
        Ok(BulkOutcome::Decided(decided))
    }
}
