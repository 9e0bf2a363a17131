//! Reporting with review (填报 → 审核): what an institution's liaison
//! enters for its organization — a new record, a change to one, an import,
//! an archive or a restore — becomes a *submission* (待审核) that a bureau
//! reviewer approves (生效, the change is made) or returns with reasons
//! (退回); the liaison corrects a returned or pending submission and submits
//! it again, or withdraws it. Until it is approved nothing of it is in the
//! registry, so lists, statistics, exports and screening read the approved
//! state only.
//!
//! Pure rules, no storage: the states and the steps between them
//! ([`next_status`]), who may decide ([`check_decider`]), which kinds need
//! review ([`ReviewKinds`], a setting), what changed ([`changed_fields`]) and
//! what reasons are ([`check_reasons`]). Everything is described by the
//! registry schema, so a kind added later (projects) is reviewed like the
//! others without a line here.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::FieldError;
use crate::policy::Role;
use crate::schema::Kind;

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubmissionStatus {
    /// 待审核: waiting for a reviewer.
    Pending,
    /// 已退回: a reviewer sent it back with reasons; the submitter corrects
    /// and submits again, or withdraws it.
    Returned,
    /// 已生效: approved; the change is in the registry.
    Approved,
    /// 已撤回: withdrawn by its organization before a decision.
    Withdrawn,
}

impl SubmissionStatus {
    pub const ALL: [SubmissionStatus; 4] = [
        SubmissionStatus::Pending,
        SubmissionStatus::Returned,
        SubmissionStatus::Approved,
        SubmissionStatus::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            SubmissionStatus::Pending => "pending",
            SubmissionStatus::Returned => "returned",
            SubmissionStatus::Approved => "approved",
            SubmissionStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn parse(s: &str) -> Option<SubmissionStatus> {
        SubmissionStatus::ALL.into_iter().find(|x| x.code() == s.trim())
    }
    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            SubmissionStatus::Pending => ("待审核", "Pending review"),
            SubmissionStatus::Returned => ("已退回", "Returned"),
            SubmissionStatus::Approved => ("已生效", "Approved"),
            SubmissionStatus::Withdrawn => ("已撤回", "Withdrawn"),
        };
        if zh { z } else { e }
    }
    /// Still open: its organization may correct or withdraw it.
    pub fn is_open(self) -> bool {
        matches!(self, SubmissionStatus::Pending | SubmissionStatus::Returned)
    }
}

/// What a submission would do to the registry when approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// A new record (新增).
    Create,
    /// A change of a record's fields (变更).
    Update,
    /// The rows of an imported file, all or none (批量导入).
    Import,
    /// Archiving a record (归档).
    Archive,
    /// Restoring an archived record (恢复).
    Restore,
}

impl Operation {
    pub const ALL: [Operation; 5] = [
        Operation::Create,
        Operation::Update,
        Operation::Import,
        Operation::Archive,
        Operation::Restore,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Import => "import",
            Operation::Archive => "archive",
            Operation::Restore => "restore",
        }
    }
    pub fn parse(s: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|x| x.code() == s.trim())
    }
    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Operation::Create => ("新增", "New record"),
            Operation::Update => ("变更", "Change"),
            Operation::Import => ("批量导入", "Import"),
            Operation::Archive => ("归档", "Archive"),
            Operation::Restore => ("恢复", "Restore"),
        };
        if zh { z } else { e }
    }
    /// Whether the submission is about one existing record.
    pub fn has_record(self) -> bool {
        matches!(self, Operation::Update | Operation::Archive | Operation::Restore)
    }
    /// Whether the submitter can correct the proposed values (a file's rows
    /// and an archive are submitted again as a new file or withdrawn).
    pub fn is_correctable(self) -> bool {
        matches!(self, Operation::Create | Operation::Update)
    }
}

/// A step of the review (each is an audit record `submission_<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Submit,
    Resubmit,
    Withdraw,
    Return,
    Approve,
}

impl Step {
    pub fn code(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Resubmit => "resubmit",
            Step::Withdraw => "withdraw",
            Step::Return => "return",
            Step::Approve => "approve",
        }
    }
    /// The audit action of the step.
    pub fn audit_action(self) -> &'static str {
        match self {
            Step::Submit => "submission_submit",
            Step::Resubmit => "submission_resubmit",
            Step::Withdraw => "submission_withdraw",
            Step::Return => "submission_return",
            Step::Approve => "submission_approve",
        }
    }
    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Step::Submit => ("提交", "Submitted"),
            Step::Resubmit => ("修改后重新提交", "Corrected and resubmitted"),
            Step::Withdraw => ("撤回", "Withdrawn"),
            Step::Return => ("退回", "Returned"),
            Step::Approve => ("审核通过", "Approved"),
        };
        if zh { z } else { e }
    }
    pub fn parse(code: &str) -> Option<Step> {
        [
            Step::Submit,
            Step::Resubmit,
            Step::Withdraw,
            Step::Return,
            Step::Approve,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// Why a step is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason_zh: &'static str,
    pub reason_en: &'static str,
}

const fn refuse(zh: &'static str, en: &'static str) -> Refusal {
    Refusal {
        reason_zh: zh,
        reason_en: en,
    }
}

/// The state machine: the status after `step` from `current`, or why the
/// step is not possible from there. A decided or withdrawn submission is
/// closed for good; a pending one may be corrected before a decision.
pub fn next_status(current: SubmissionStatus, step: Step) -> Result<SubmissionStatus, Refusal> {
    use SubmissionStatus::*;
    match (current, step) {
        (_, Step::Submit) => Err(refuse("该申报已提交", "the submission was submitted already")),
        (Pending | Returned, Step::Resubmit) => Ok(Pending),
        (Pending | Returned, Step::Withdraw) => Ok(Withdrawn),
        (Pending, Step::Return) => Ok(Returned),
        (Pending, Step::Approve) => Ok(Approved),
        (Returned, Step::Return | Step::Approve) => Err(refuse(
            "该申报已退回，等待单位修改后重新提交",
            "the submission was returned and waits for its organization to resubmit it",
        )),
        (Approved, _) => Err(refuse("该申报已审核通过", "the submission was approved already")),
        (Withdrawn, _) => Err(refuse("该申报已撤回", "the submission was withdrawn")),
    }
}

/// Who may decide a submission: never the account that submitted it, and
/// never an account of the organization it comes from (bureau accounts
/// belong to none today; the rule holds should one ever belong to one).
pub fn check_decider(
    decider_id: i64,
    decider_org: Option<i64>,
    submitted_by: i64,
    submission_org: i64,
) -> Result<(), Refusal> {
    if decider_id == submitted_by {
        return Err(refuse(
            "不能审核自己提交的申报",
            "you cannot decide a submission you submitted",
        ));
    }
    if decider_org == Some(submission_org) {
        return Err(refuse(
            "不能审核本单位的申报",
            "you cannot decide a submission of your own organization",
        ));
    }
    Ok(())
}

/// Whether an account of `role` reports through review (填报) rather than
/// writing the registry directly: the institution's liaison. Bureau roles
/// write directly; the others write nothing.
pub fn submits_for_review(role: Role) -> bool {
    role == Role::Liaison
}

/// Whether records of `kind` can be reported by an institution at all:
/// every kind an organization owns (reference data is the bureau's). The
/// policy's test checks this is exactly what a liaison may write.
pub fn reviewable(kind: Kind) -> bool {
    !kind.is_reference_data()
}

/// The kinds whose reports need review: a setting (`review_kinds`) the
/// bureau administrator keeps. Absent, it is every kind a liaison can
/// write ([`reviewable`]) but projects; stored as the kinds' slugs, comma-separated
/// (empty: none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewKinds(BTreeSet<Kind>);

/// The name of the setting.
pub const REVIEW_KINDS_SETTING: &str = "review_kinds";

impl Default for ReviewKinds {
    /// Every kind a liaison can write but projects: a project's application
    /// is reviewed by its lifecycle (the approval security review), so a
    /// second review of the same entry is not asked for by default (the
    /// bureau may still switch it on).
    fn default() -> Self {
        ReviewKinds(
            Kind::ALL
                .into_iter()
                .filter(|k| reviewable(*k) && *k != Kind::Project)
                .collect(),
        )
    }
}

impl ReviewKinds {
    /// Reads the setting's stored text; a slug kean no longer knows is
    /// ignored, one of a kind that cannot be reported is refused.
    pub fn parse(text: &str) -> Result<ReviewKinds, FieldError> {
        let mut set = BTreeSet::new();
        for slug in text
            .split([',', '，', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            match Kind::from_slug(slug) {
                Some(k) if reviewable(k) => {
                    set.insert(k);
                }
                Some(k) => {
                    return Err(FieldError::new(
                        "kinds",
                        format!("需审核的类别：{}由局管理员维护，无需审核", k.label(true)),
                        format!(
                            "kinds: {} is the bureau's reference data, never reported",
                            k.label(false)
                        ),
                    ));
                }
                None => {
                    return Err(FieldError::new(
                        "kinds",
                        format!("需审核的类别：没有名为“{slug}”的登记类别"),
                        format!("kinds: no registry named '{slug}'"),
                    ));
                }
            }
        }
        Ok(ReviewKinds(set))
    }
    pub fn from_kinds(kinds: impl IntoIterator<Item = Kind>) -> Result<ReviewKinds, FieldError> {
        let text = kinds.into_iter().map(|k| k.slug()).collect::<Vec<_>>().join(",");
        ReviewKinds::parse(&text)
    }
    /// The setting's stored text.
    pub fn to_setting(&self) -> String {
        self.0.iter().map(|k| k.slug()).collect::<Vec<_>>().join(",")
    }
    pub fn contains(&self, kind: Kind) -> bool {
        self.0.contains(&kind)
    }
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.0.iter().copied()
    }
}

/// The fields whose proposed input differs from `before` (both as the
/// input texts a validated record gives, [`crate::Value::to_input`]), in
/// schema order. A new record (`before` empty) changes every field given.
pub fn changed_fields(
    kind: Kind,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
) -> Vec<&'static str> {
    let get = |m: &BTreeMap<String, String>, n: &str| m.get(n).map(|s| s.trim().to_string()).unwrap_or_default();
    kind.fields()
        .iter()
        .filter(|f| get(before, f.name) != get(after, f.name))
        .map(|f| f.name)
        .collect()
}

/// A reviewer's reasons for returning a submission: 2 to 1000 characters,
/// no control characters but line breaks.
pub fn check_reasons(text: &str) -> Result<String, FieldError> {
    let t = text.trim();
    let n = t.chars().count();
    if n < 2 {
        return Err(FieldError::new(
            "reasons",
            "退回理由：请写明需要修改的内容（至少2个字）",
            "reasons: say what must be corrected (at least 2 characters)",
        ));
    }
    if n > 1000 {
        return Err(FieldError::new(
            "reasons",
            "退回理由：最多1000个字",
            "reasons: at most 1000 characters",
        ));
    }
    crate::record::check_text("reasons", t, 1000, true)?;
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_state_machine() {
        use SubmissionStatus::*;
        assert_eq!(next_status(Pending, Step::Approve), Ok(Approved));
        assert_eq!(next_status(Pending, Step::Return), Ok(Returned));
        assert_eq!(next_status(Returned, Step::Resubmit), Ok(Pending));
        assert_eq!(next_status(Pending, Step::Resubmit), Ok(Pending));
        assert_eq!(next_status(Returned, Step::Withdraw), Ok(Withdrawn));
        assert_eq!(next_status(Pending, Step::Withdraw), Ok(Withdrawn));
        for closed in [Approved, Withdrawn] {
            for step in [
                Step::Submit,
                Step::Resubmit,
                Step::Withdraw,
                Step::Return,
                Step::Approve,
            ] {
                assert!(next_status(closed, step).is_err(), "{closed:?} {step:?}");
            }
        }
        assert!(next_status(Returned, Step::Approve).is_err());
        assert!(next_status(Returned, Step::Return).is_err());
        for s in SubmissionStatus::ALL {
            assert_eq!(SubmissionStatus::parse(s.code()), Some(s));
            assert_eq!(s.is_open(), matches!(s, Pending | Returned));
        }
        for o in Operation::ALL {
            assert_eq!(Operation::parse(o.code()), Some(o));
        }
    }

    #[test]
    fn nobody_decides_their_own_or_their_organizations_submission() {
        assert!(check_decider(2, None, 1, 7).is_ok());
        assert!(check_decider(1, None, 1, 7).is_err(), "the submitter");
        assert!(check_decider(2, Some(7), 1, 7).is_err(), "its organization");
        assert!(check_decider(2, Some(8), 1, 7).is_ok());
    }

    #[test]
    fn review_kinds_default_to_everything_an_organization_reports_but_projects() {
        let d = ReviewKinds::default();
        for k in Kind::ALL {
            assert_eq!(d.contains(k), !k.is_reference_data() && k != Kind::Project, "{k:?}");
        }
        // The bureau may switch projects' reports on.
        assert!(ReviewKinds::parse("projects").unwrap().contains(Kind::Project));
        assert_eq!(ReviewKinds::parse(&d.to_setting()), Ok(d));
        let some = ReviewKinds::parse("tech-contracts, organizations").unwrap();
        assert!(some.contains(Kind::Organization) && some.contains(Kind::TechContract));
        assert!(!some.contains(Kind::Platform));
        assert_eq!(some.to_setting(), "organizations,tech-contracts");
        assert_eq!(ReviewKinds::parse("").unwrap().kinds().count(), 0);
        assert!(ReviewKinds::parse("districts").is_err());
        assert!(ReviewKinds::parse("nonsense").is_err());
    }

    #[test]
    fn changed_fields_follow_the_schema() {
        let m = |p: &[(&str, &str)]| {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let before = m(&[("name", "甲"), ("contact_phone", "0354-1"), ("address", "")]);
        let after = m(&[("name", "甲"), ("contact_phone", "0354-2"), ("address", " ")]);
        assert_eq!(
            changed_fields(Kind::Organization, &before, &after),
            vec!["contact_phone"]
        );
        let new = changed_fields(Kind::Organization, &BTreeMap::new(), &after);
        assert_eq!(new, vec!["name", "contact_phone"]);
        assert!(check_reasons(" 请补充").is_ok());
        assert!(check_reasons("差").is_err());
        assert!(check_reasons("a\u{7}b").is_err());
    }
}
