//! The auditor's page (issue 12, items 6 and 8): the audit log searched by
//! actor, action, record, time and outcome, exported, its chain's status
//! and verification — each an audited act of its own, so that the security
//! administrator can review the auditor ([`kean_core::policy::AuditReach`]).
//! What a search reaches is the policy's; the store applies it in SQL.

use std::collections::HashMap;

use kean_core::FieldError;
use kean_core::audit::{AUDIT_LOG_TARGET, AuditEntry, Outcome};
use kean_core::policy::Action;
use kean_store::{AuditFilter, Page};

use crate::access::{Access, AuditBreak};
use crate::{AppError, Result};

/// At most this many records leave kean in one export of the audit log.
pub const AUDIT_EXPORT_CAP: usize = 100_000;

/// The action recorded for an audit search (a page of the log viewed).
pub const AUDIT_SEARCH_ACTION: &str = "audit_search";
/// The action recorded for a verification of the chain from a page or the API.
pub const AUDIT_VERIFY_ACTION: &str = "audit_verify";

/// An audit search as asked (the query's fields, validated): the store's
/// filter, and the same as text for the audit record of the act.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub filter: AuditFilter,
    /// The fields given, `name=value&…`, as asked.
    pub described: String,
}

/// The query fields of an audit search: `actor`, `action`, `kind` (a target:
/// a registry slug, `users`, `audit-log` …), `record`, `from`, `to` (days in
/// China Standard Time, UTC+8, as the page shows times; both included) and
/// `outcome` (`success` / `refused`). Empty fields are ignored; each bad one
/// is named at its field.
pub fn audit_query(q: &HashMap<String, String>) -> Result<AuditQuery> {
    let mut errors = Vec::new();
    let mut described = Vec::new();
    let mut text = |name: &str, max: usize, ok: fn(char) -> bool, errors: &mut Vec<FieldError>| {
        let v = q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())?;
        if v.chars().count() > max || !v.chars().all(ok) {
            errors.push(FieldError::new(
                name,
                format!("“{v}”不是有效的查询条件"),
                format!("'{v}' is not a valid search term"),
            ));
            return None;
        }
        described.push(format!("{name}={v}"));
        Some(v.to_string())
    };
    let actor = text("actor", 100, |c| !c.is_control(), &mut errors);
    let action = text("action", 64, |c| c.is_ascii_lowercase() || c == '_', &mut errors);
    let target = text("kind", 64, |c| c.is_ascii_lowercase() || c == '-', &mut errors);
    let record = text("record", 19, |c| c.is_ascii_digit(), &mut errors);
    let record_id = match record.map(|r| r.parse::<i64>()) {
        None => None,
        Some(Ok(id)) if id > 0 => Some(id),
        Some(_) => {
            errors.push(FieldError::new(
                "record",
                "记录号应为正整数",
                "record: a positive number",
            ));
            None
        }
    };
    // Days in China Standard Time: a day starts at 16:00 UTC the day before.
    let day = |name: &str, errors: &mut Vec<FieldError>| {
        let v = q.get(name).map(|s| s.trim()).filter(|s| !s.is_empty())?;
        match kean_core::record::parse_date(v) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    name,
                    format!("“{v}”不是有效日期（如 2026-12-07）"),
                    format!("'{v}' is not a date (e.g. 2026-12-07)"),
                ));
                None
            }
        }
    };
    let from_day = day("from", &mut errors);
    let to_day = day("to", &mut errors);
    if let (Some(f), Some(t)) = (from_day, to_day)
        && t < f
    {
        errors.push(FieldError::new(
            "to",
            "截止日期早于起始日期",
            "to: the end is before the start",
        ));
    }
    let start_of = |d: chrono::NaiveDate| {
        let utc = d.and_hms_opt(0, 0, 0).map(|t| t - chrono::Duration::hours(8));
        utc.map(|t| kean_core::format_ts(t.and_utc()))
    };
    for (name, d) in [("from", from_day), ("to", to_day)] {
        if let Some(d) = d {
            described.push(format!("{name}={d}"));
        }
    }
    let outcome = match q.get("outcome").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => None,
        Some(v) => match Outcome::parse(v) {
            Some(o) => {
                described.push(format!("outcome={}", o.code()));
                Some(o)
            }
            None => {
                errors.push(FieldError::new(
                    "outcome",
                    "结果应为 success（成功）或 refused（被拒）",
                    "outcome: success or refused",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    Ok(AuditQuery {
        filter: AuditFilter {
            actor,
            action,
            target,
            record_id,
            from: from_day.and_then(start_of),
            to: to_day.and_then(|d| d.succ_opt()).and_then(start_of),
            outcome,
            before_seq: None,
        },
        described: described.join("&"),
    })
}

/// The audit chain's state as the auditor's page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChainStatus {
    pub head_seq: i64,
    pub head_hash: String,
    /// The last signed checkpoint's record and time.
    pub last_checkpoint: Option<(i64, String)>,
    /// The last verification recorded from a page or the API (its event).
    pub last_verify: Option<AuditEntry>,
}

impl Access {
    /// A page of the audit log matching `query`, newest first, as far as the
    /// policy lets the actor reach ([`kean_core::policy::AuditReach`]), values
    /// withheld and masked as [`Access::audit_page`]'s. The search is itself
    /// recorded (`audit_search`: the query, the page, how many matched).
    pub async fn audit_search(&self, query: &AuditQuery, page: u32, page_size: u32) -> Result<Page<AuditEntry>> {
        let found = self.audit_search_unrecorded(&query.filter, page, page_size).await?;
        self.record_audit_act(
            AUDIT_SEARCH_ACTION,
            serde_json::json!({ "filter": query.described, "page": found.page, "found": found.total }),
        )
        .await?;
        Ok(found)
    }

    pub(crate) async fn audit_search_unrecorded(
        &self,
        filter: &AuditFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<AuditEntry>> {
        let scope = self.gate(Action::ReadAudit, None)?;
        let mut found = self
            .app()
            .store()
            .audit_search(filter, scope, page, page_size)
            .await
            .map_err(AppError::from_store)?;
        found.items = self.disclose_audit_entries(std::mem::take(&mut found.items)).await?;
        Ok(found)
    }

    /// Every record matching `query` (at most [`AUDIT_EXPORT_CAP`], newest
    /// first) for an export, read and withheld like a search, and recorded
    /// as data leaving kean (`export` of `audit-log`: format, rows, query).
    /// Returns the records and whether more matched than the cap.
    pub async fn audit_export_records(&self, query: &AuditQuery, format: &str) -> Result<(Vec<AuditEntry>, bool)> {
        let scope = self.gate(Action::ReadAudit, None)?;
        let mut filter = query.filter.clone();
        let mut out: Vec<AuditEntry> = Vec::new();
        let truncated = loop {
            let batch = self
                .app()
                .store()
                .audit_find(&filter, scope, 2_000)
                .await
                .map_err(AppError::from_store)?;
            let full = batch.len() == 2_000;
            filter.before_seq = batch.last().map(|e| e.seq);
            out.extend(self.disclose_audit_entries(batch).await?);
            if out.len() >= AUDIT_EXPORT_CAP {
                let more = out.len() > AUDIT_EXPORT_CAP || full;
                out.truncate(AUDIT_EXPORT_CAP);
                break more;
            }
            if !full {
                break false;
            }
        };
        self.append_export_audit(AUDIT_LOG_TARGET, format, out.len(), &query.described)
            .await?;
        Ok((out, truncated))
    }

    /// The chain head, the last signed checkpoint and the last verification
    /// recorded (among the events the actor reaches).
    pub async fn audit_chain_status(&self) -> Result<AuditChainStatus> {
        let scope = self.gate(Action::ReadAudit, None)?;
        let store = self.app().store();
        let st = store.audit_status().await.map_err(AppError::from_store)?;
        let last = AuditFilter {
            action: Some(AUDIT_VERIFY_ACTION.into()),
            target: Some(AUDIT_LOG_TARGET.into()),
            ..AuditFilter::default()
        };
        let last_verify = store
            .audit_find(&last, scope, 1)
            .await
            .map_err(AppError::from_store)?
            .pop();
        Ok(AuditChainStatus {
            head_seq: st.head_seq,
            head_hash: st.head_hash,
            last_checkpoint: st.last_checkpoint,
            last_verify,
        })
    }

    /// Re-walks the whole chain ([`Access::verify_audit_report`]) for the
    /// security auditor and records the outcome (`audit_verify`): the
    /// page's "verified or not" is the last such record.
    pub async fn verify_audit_recorded(&self) -> Result<std::result::Result<(i64, String), AuditBreak>> {
        self.gate(Action::VerifyAudit, None)?;
        let outcome = self.verify_audit_report().await?;
        let after = match &outcome {
            Ok(r) => serde_json::json!({ "intact": true, "last_seq": r.last_seq, "events": r.events,
                "checkpoints": r.checkpoints, "archived_segments": r.archived_segments }),
            Err(b) => serde_json::json!({ "intact": false, "fault": b.to_string() }),
        };
        self.record_audit_act(AUDIT_VERIFY_ACTION, after).await?;
        Ok(outcome.map(|r| (r.last_seq, r.last_hash)))
    }

    /// Appends the record of an act on the audit log itself, with the
    /// actor's role and address (the security administrator reviews them).
    async fn record_audit_act(&self, action: &str, mut after: serde_json::Value) -> Result<()> {
        if self.actor().is_system() {
            return Ok(());
        }
        if let serde_json::Value::Object(m) = &mut after {
            m.insert("role".into(), self.actor().role().code().into());
            m.insert("source".into(), self.source().map(|s| s.to_string()).into());
        }
        self.app()
            .store()
            .append_audit(self.event(action, AUDIT_LOG_TARGET, after))
            .await
            .map_err(AppError::from_store)?;
        Ok(())
    }
}
