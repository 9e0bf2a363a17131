//! Existence probes: what an organization-scoped account learns when a
//! unique value it enters is already held by a record it may not read.
//!
//! Uniqueness is global (one credit code, one identity-card number in the
//! whole city), so a create, an update or an import that repeats another
//! organization's value must be refused, and the refusal tells that the
//! value is taken. It tells nothing else — the message is the same as for
//! a record the account does see, and for a personal field (an
//! identity-card number) it says only that the person is registered
//! elsewhere. Such a refusal is a *probe*: each is audited
//! (`conflict_probe`, naming the kind, field and value, masked for those
//! who may not see personal data), so the bureau sees who asks, and an
//! account may meet at most [`PROBE_BUDGET`] of them in [`PROBE_WINDOW`].
//! Past that, the account's creates, updates and imports of kinds with
//! unique fields are refused outright (429, `too_many_attempts`) until the
//! window has moved on — whether or not the value would clash, so that the
//! refusal itself reveals nothing. Accounts that read every record of the
//! kind learn nothing by a conflict and are not counted.
//!
//! The count is read from the audit log (by account, action and time), so
//! it holds across restarts and across several kean processes on one
//! database.

use kean_core::policy::Action;
use kean_core::{ErrorCode, Kind, Scope};

use crate::error::AppError;
use crate::{Access, Result};

/// The audit action of a probe.
pub(crate) const PROBE_ACTION: &str = "conflict_probe";
/// How many conflicts with unseen records an account may meet in
/// [`PROBE_WINDOW`].
pub const PROBE_BUDGET: i64 = 30;
/// The window the budget is counted over.
pub const PROBE_WINDOW: chrono::Duration = chrono::Duration::hours(24);

impl Access {
    /// The read scope of `kind` when it hides records from this account
    /// (an organization scope); `None` when the account reads them all and
    /// so cannot probe.
    pub(crate) fn probing_scope(&self, kind: Kind) -> Result<Option<Scope>> {
        if !kind.fields().iter().any(|f| f.unique) {
            return Ok(None);
        }
        let scope = self.gate(Action::Read, Some(kind))?;
        Ok(scope.for_kind(kind).organization().map(|_| scope))
    }

    /// How many more probes the account may make now.
    pub(crate) async fn probes_left(&self) -> Result<i64> {
        let since = kean_core::format_ts(self.app().now() - PROBE_WINDOW);
        let used = self
            .app()
            .store()
            .count_actions(self.actor().user_id(), PROBE_ACTION, &since)
            .await
            .map_err(AppError::from_store)?;
        Ok((PROBE_BUDGET - used).max(0))
    }

    /// Refuses a write that could probe when the budget is spent: called
    /// before anything about the values is looked at.
    pub(crate) async fn check_probe_budget(&self, kind: Kind) -> Result<()> {
        if self.probing_scope(kind)?.is_some() && self.probes_left().await? == 0 {
            return Err(probes_exhausted());
        }
        Ok(())
    }

    /// Audits probes: one record per value of `field` that only records
    /// outside the account's scope hold.
    pub(crate) async fn record_probes(&self, kind: Kind, field: &str, values: &[String]) -> Result<()> {
        if values.is_empty() {
            return Ok(());
        }
        let drafts = values
            .iter()
            .map(|v| {
                let after = serde_json::json!({ "field": field, "fields": { field: v } });
                self.event(PROBE_ACTION, kind.slug(), after)
            })
            .collect();
        self.app()
            .store()
            .append_audits(drafts)
            .await
            .map_err(AppError::from_store)
    }
}

/// The answer once an account's probes are spent.
pub(crate) fn probes_exhausted() -> AppError {
    AppError::new(
        ErrorCode::TooManyAttempts,
        "今日与其他单位已有记录冲突的次数已达上限，暂不能新增、修改或导入此类记录；请联系科技局",
        "this account has met too many values held by other organizations' records today; \
         it cannot add, change or import such records for now — contact the bureau",
    )
}
