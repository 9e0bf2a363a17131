//! Confidentiality through the gate (issue 12): the deployment's ceiling,
//! accounts' clearances and records' need-to-know lists — each change asked
//! of the policy (`ManageConfidentiality`, the security administrator's)
//! and written, audited, through the store's one write path. Who may read a
//! classified record is not decided here: the policy's `Scope` carries the
//! reader, and the store applies it to every read.

use kean_core::confidentiality::{
    Ceiling, Classification, check_assignable, check_change, check_decider, control_after,
};
use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError, Kind, Role};
use kean_store::{ControlRow, LevelChange, NeedToKnow, User, UserChange};

use crate::{Access, App, AppError, Result};

/// The settings name of the deployment's ceiling.
const CEILING: &str = "ceiling";

impl App {
    /// The highest level this deployment holds content of (default 内部),
    /// read from the settings every time (another process may have changed
    /// it).
    pub async fn ceiling(&self) -> Result<Ceiling> {
        match self.store().setting(CEILING).await.map_err(AppError::from_store)? {
            None => Ok(Ceiling::default()),
            Some(code) => Classification::parse(&code)
                .and_then(|c| Ceiling::new(c).ok())
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Internal,
                        format!("设置中的定密上限“{code}”无效"),
                        format!("the ceiling setting '{code}' is not a level a bureau may declare"),
                    )
                }),
        }
    }
}

impl Access {
    /// The deployment's ceiling (anyone signed in may know it).
    pub async fn ceiling(&self) -> Result<Ceiling> {
        self.app.ceiling().await
    }

    /// Declares the highest level this deployment is accredited to hold
    /// (audited `set_setting`). At most 机密.
    pub async fn set_ceiling(&self, level: &str) -> Result<Ceiling> {
        self.check(Action::ManageConfidentiality, None)?;
        self.require_fresh_auth()?;
        let parsed = Classification::parse(level).ok_or_else(|| {
            invalid(
                "ceiling",
                format!("定密上限：“{level}”不是密级（公开、内部、秘密、机密）"),
                format!("ceiling: '{level}' is not a level (public, internal, confidential, secret)"),
            )
        })?;
        let ceiling = Ceiling::new(parsed).map_err(|r| {
            invalid(
                "ceiling",
                format!("定密上限：{}", r.reason_zh),
                format!("ceiling: {}", r.reason_en),
            )
        })?;
        self.app
            .store()
            .set_setting(CEILING, parsed.code(), &self.meta())
            .await
            .map_err(AppError::from_store)?;
        Ok(ceiling)
    }

    /// Gives an account its role (audited `set_role`). The three
    /// administrators' roles are never changed into another (三员 do not
    /// hold two of the duties, even one after the other: a new account is
    /// made instead); a liaison or researcher needs an organization; nobody
    /// changes their own role.
    pub async fn set_role(&self, user_id: i64, role: &str) -> Result<User> {
        self.check(Action::AssignRoles, None)?;
        self.require_fresh_auth()?;
        let bad = |zh: String, en: String| invalid("role", zh, en);
        let codes: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
        let Some(new) = Role::parse(role) else {
            return Err(bad(
                format!(
                    "角色：“{}”不是角色（一个账号只担任一种角色：{}）",
                    role.trim(),
                    codes.join("、")
                ),
                format!(
                    "role: '{}' is not a role (an account holds exactly one of: {})",
                    role.trim(),
                    codes.join(", ")
                ),
            ));
        };
        if user_id == self.actor().user_id() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "不能变更自己的角色",
                "you cannot change your own role",
            ));
        }
        let user = self.account(user_id).await?;
        if user.role == new {
            return Ok(user);
        }
        if user.role.is_one_of_three() {
            return Err(bad(
                format!(
                    "角色：{}账号不能改任其他角色（三员分立），请另建账号",
                    user.role.label(true)
                ),
                format!(
                    "role: a {} account cannot take another role (separation of duties); make a new account",
                    user.role.label(false)
                ),
            ));
        }
        if (new.needs_organization() && user.org_id.is_none())
            || (user.org_id.is_some() && !new.may_name_organization())
        {
            return Err(bad(
                "角色：单位联络员和科研人员须关联单位，局内角色不关联单位".into(),
                "role: liaisons and researchers belong to an organization, bureau roles to none".into(),
            ));
        }
        self.app
            .store()
            .change_user(user_id, &UserChange::Role(new), &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Sets an account's clearance (audited `set_clearance`); not one's own.
    pub async fn set_clearance(&self, user_id: i64, level: &str) -> Result<User> {
        self.check(Action::ManageConfidentiality, None)?;
        self.require_fresh_auth()?;
        if user_id == self.actor().user_id() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "不能调整自己的涉密等级",
                "you cannot change your own clearance",
            ));
        }
        let parsed = Classification::parse(level).ok_or_else(|| {
            invalid(
                "clearance",
                format!("涉密等级：“{level}”不是密级（公开、内部、秘密、机密、绝密）"),
                format!("clearance: '{level}' is not a level (public, internal, confidential, secret, top_secret)"),
            )
        })?;
        self.app
            .store()
            .change_user(user_id, &UserChange::Clearance(parsed), &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Every classified record's control record (above 内部), with its
    /// need-to-know list and its organization's name: the security
    /// administrator's register (保密事项台账). No content leaves here.
    pub async fn control_register(&self) -> Result<Vec<(ControlRow, String, Vec<NeedToKnow>)>> {
        self.check(Action::ManageConfidentiality, None)?;
        let store = self.app.store();
        let mut rows = Vec::new();
        for kind in Kind::ALL.into_iter().filter(|k| k.classified()) {
            rows.extend(store.control_records(kind).await.map_err(AppError::from_store)?);
        }
        let scope = self.gate(Action::ManageConfidentiality, Some(Kind::Organization))?;
        let mut orgs: Vec<i64> = rows.iter().filter_map(|r| r.owner_org_id).collect();
        orgs.sort_unstable();
        orgs.dedup();
        let names = store
            .labels(&[(Kind::Organization, orgs, scope)])
            .await
            .map_err(AppError::from_store)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let members = store.need_to_know(r.kind, r.id).await.map_err(AppError::from_store)?;
            let org = r
                .owner_org_id
                .and_then(|o| names.get(&(Kind::Organization, o)).cloned())
                .unwrap_or_default();
            out.push((r, org, members));
        }
        Ok(out)
    }

    /// The need-to-know list of a classified record.
    pub async fn need_to_know(&self, kind: Kind, id: i64) -> Result<Vec<NeedToKnow>> {
        self.check(Action::ManageConfidentiality, None)?;
        classified_kind(kind)?;
        self.app
            .store()
            .need_to_know(kind, id)
            .await
            .map_err(AppError::from_store)
    }

    /// Puts an account on a record's need-to-know list (`member`) or takes
    /// it off (audited). Refused for an account whose clearance is below
    /// the record's level: the list never stands in for a clearance.
    pub async fn set_need_to_know(&self, kind: Kind, id: i64, username: &str, member: bool) -> Result<bool> {
        classified_kind(kind)?;
        self.check(Action::ManageConfidentiality, Some(kind))?;
        self.require_fresh_auth()?;
        let user = self
            .app
            .store()
            .user_by_username(username.trim())
            .await
            .map_err(AppError::from_store)?
            .map(|(u, _)| u)
            .ok_or_else(|| {
                invalid(
                    "username",
                    format!("知悉范围：没有用户名为“{}”的账号", username.trim()),
                    format!("need-to-know: no account named '{}'", username.trim()),
                )
            })?;
        if member {
            let level = self.control_level(kind, id).await?;
            if user.clearance < level {
                return Err(invalid(
                    "username",
                    format!(
                        "知悉范围：“{}”的涉密等级为{}，低于记录密级{}，不能列入（请先调整其涉密等级）",
                        user.username,
                        user.clearance.label(true),
                        level.label(true)
                    ),
                    format!(
                        "need-to-know: '{}' is cleared to {}, below the record's {}; change the clearance first",
                        user.username,
                        user.clearance.label(false),
                        level.label(false)
                    ),
                ));
            }
        }
        self.app
            .store()
            .set_need_to_know(kind, id, user.id, member, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// A classified record's level, read through the manager's scope of
    /// control records (only the level leaves this function).
    async fn control_level(&self, kind: Kind, id: i64) -> Result<Classification> {
        let scope = self.gate(Action::ManageConfidentiality, Some(kind))?;
        let rec = self
            .app
            .store()
            .get(kind, id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        Ok(rec.fields.classification())
    }

    /// Proposes a change of a record's level (变更密级) or its
    /// declassification (解密, to 内部 or 公开), with the reasons: anyone who
    /// may change the record and sees it. Decided by the security
    /// administrator ([`Access::decide_level_change`]).
    pub async fn propose_level_change(&self, kind: Kind, id: i64, to: &str, reasons: &str) -> Result<LevelChange> {
        classified_kind(kind)?;
        let scope = self.gate(Action::Update, Some(kind))?;
        let rec = self
            .app
            .store()
            .get(kind, id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        let Some(to) = Classification::parse(to) else {
            return Err(invalid(
                "to",
                format!("变更后密级：“{}”不是密级", to.trim()),
                format!("new level: '{}' is not a level", to.trim()),
            ));
        };
        let reasons = reasons.trim();
        if reasons.chars().count() < 4 || reasons.chars().count() > 1000 || reasons.chars().any(char::is_control) {
            return Err(invalid(
                "reasons",
                "理由：必填，4–1000个字符",
                "reasons: required, 4–1000 characters",
            ));
        }
        let from = rec.fields.classification();
        check_change(from, to).map_err(|r| {
            invalid(
                "to",
                format!("变更后密级：{}", r.reason_zh),
                format!("new level: {}", r.reason_en),
            )
        })?;
        self.app
            .store()
            .propose_level_change(kind, id, from, to, reasons, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// The changes of level waiting for a decision (or all, newest first).
    pub async fn level_changes(&self, pending_only: bool) -> Result<Vec<LevelChange>> {
        self.check(Action::ManageConfidentiality, None)?;
        self.app
            .store()
            .level_changes(pending_only.then_some("proposed"))
            .await
            .map_err(AppError::from_store)
    }

    /// Approves or rejects a proposed change: the security administrator,
    /// never the proposer. Approved, it applies at once — the record's level
    /// and control details (declassified: none), audited as the record's
    /// update. A record with content is not raised above the ceiling.
    pub async fn decide_level_change(&self, change_id: i64, approve: bool, note: &str) -> Result<LevelChange> {
        self.check(Action::ManageConfidentiality, None)?;
        self.require_fresh_auth()?;
        let store = self.app.store();
        let change = store
            .level_change(change_id)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        check_decider(change.proposed_by, self.actor().user_id())
            .map_err(|r| AppError::new(ErrorCode::Forbidden, r.reason_zh, r.reason_en))?;
        if change.state != "proposed" {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "该申请已审批",
                "this change was decided already",
            ));
        }
        let scope = self.gate(Action::ManageConfidentiality, Some(change.kind))?;
        let rec = store
            .get(change.kind, change.record_id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        let ceiling = self.app.ceiling().await?;
        if approve && !ceiling.holds_content(change.to) {
            let content: Vec<&str> = rec
                .fields
                .iter()
                .filter(|(f, v)| {
                    !v.is_null()
                        && **v != kean_core::Value::Bool(false)
                        && f.name != change.kind.label_field()
                        && Some(f.name) != change.kind.owner_field()
                        && !kean_core::confidentiality::CONTROL_FIELDS.contains(&f.name)
                })
                .map(|(f, _)| f.zh)
                .collect();
            if !content.is_empty() {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    format!(
                        "本系统定密上限为{}，{}级记录不能保存内容：请先移出{}，或在涉密信息系统中处理",
                        ceiling.level().label(true),
                        change.to.label(true),
                        content.join("、")
                    ),
                    format!(
                        "this system holds content up to {} only: remove the record's content first, or handle it on a classified system",
                        ceiling.level().label(false)
                    ),
                ));
            }
        }
        let note = note.trim();
        if note.chars().count() > 1000 || note.chars().any(char::is_control) {
            return Err(invalid(
                "note",
                "审批意见：最多1000个字符",
                "note: at most 1000 characters",
            ));
        }
        let control = control_after(
            change.to,
            self.app.today(),
            self.actor().display_name(),
            &change.reasons,
        );
        store
            .decide_level_change(change_id, approve, note, &control, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Refuses a level this actor may not give a record of `kind`: above
    /// 机密, or below what its references are classified (`floor`).
    pub(crate) fn check_level(&self, level: Classification, floor: Classification) -> Result<()> {
        check_assignable(level, floor).map_err(|r| {
            invalid(
                kean_core::confidentiality::LEVEL_FIELD,
                format!("密级：{}", r.reason_zh),
                format!("Classification: {}", r.reason_en),
            )
        })
    }
}

fn classified_kind(kind: Kind) -> Result<()> {
    if kind.classified() {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::ValidationFailed,
            format!("{}不设密级", kind.label(true)),
            format!("{} carry no classification", kind.label(false)),
        ))
    }
}

/// A refusal of one field's value.
fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::field(ErrorCode::ValidationFailed, FieldError::new(field, zh, en))
}
