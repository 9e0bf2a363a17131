//! The life of a project and its three security gates (issue 14), pure.
//!
//! A project moves through [`Stage`]s only by explicit [`Transition`]s;
//! [`next_stage`] is the one state machine. Three transitions are not acts
//! of their own but the outcome of a decision at the approval security
//! review ([`Gate::ApprovalReview`]): approving, returning and rejecting a
//! project happen only when a reviewer decides its review. Completing a
//! project needs its latest R&D control check passed. Who decides a gate,
//! and with what, is [`check_decision`]'s: reasons always, conditions for a
//! conditional pass, never a reviewer of the applicant's own organization,
//! never a pass over a blocking check, and a second, different reviewer for
//! high-risk reviews.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::schema::Choice;

macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = ($code:literal, $zh:literal, $en:literal)),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            /// The values as a schema field's choices (code, 中文, English).
            pub const CHOICES: &'static [Choice] = &[$(Choice { code: $code, zh: $zh, en: $en }),*];
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),* } }
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                $name::ALL.iter().copied().find(|v| v.code() == s || v.label(true) == s)
            }
            pub fn label(self, zh: bool) -> &'static str {
                match self { $($name::$v => if zh { $zh } else { $en }),* }
            }
        }
    };
}
pub(crate) use coded;

coded!(
    /// Where a project is in its life.
    Stage {
        /// 申报: entered by the applicant, not yet submitted.
        Application = ("application", "申报", "Application"),
        /// 立项安全审查: submitted, under the approval security review.
        ApprovalReview = ("approval_review", "立项安全审查", "Approval security review"),
        /// 立项: approved, R&D not started.
        Approved = ("approved", "立项", "Approved"),
        /// 研发: in R&D, under R&D security control.
        Rnd = ("rnd", "研发", "In R&D"),
        /// 结题: completed.
        Completed = ("completed", "结题", "Completed"),
        /// 退回: returned by the review for correction; may be resubmitted.
        Returned = ("returned", "退回", "Returned"),
        /// 不予立项: rejected by the review.
        Rejected = ("rejected", "不予立项", "Rejected"),
        /// 中止: R&D suspended.
        Suspended = ("suspended", "中止", "Suspended"),
        /// 终止: ended before completion.
        Terminated = ("terminated", "终止", "Terminated"),
    }
);

/// The stage field's choices (the schema's `stage`, in lifecycle order).
pub const STAGE_CHOICES: &[Choice] = Stage::CHOICES;

impl Stage {
    /// The stage a new project starts in.
    pub const INITIAL: Stage = Stage::Application;

    /// Whether nothing follows (completed, rejected, terminated).
    pub fn is_final(self) -> bool {
        matches!(self, Stage::Completed | Stage::Rejected | Stage::Terminated)
    }
    /// Whether the applicant may still edit the project's content.
    pub fn editable_by_applicant(self) -> bool {
        matches!(self, Stage::Application | Stage::Returned)
    }
}

coded!(
    /// An explicit move of a project from one stage to another.
    Transition {
        /// 提交审查: application (or returned) → approval security review.
        Submit = ("submit", "提交立项安全审查", "Submit for approval review"),
        /// 准予立项 (a review's pass).
        Approve = ("approve", "准予立项", "Approve"),
        /// 退回修改 (a review's return).
        Return = ("return", "退回修改", "Return for correction"),
        /// 不予立项 (a review's rejection).
        Reject = ("reject", "不予立项", "Reject"),
        /// 启动研发: approved → R&D (opens the R&D security control).
        Start = ("start", "启动研发", "Start R&D"),
        /// 结题: R&D → completed (the latest R&D control check passed).
        Complete = ("complete", "结题", "Complete"),
        /// 中止: R&D → suspended.
        Suspend = ("suspend", "中止", "Suspend"),
        /// 恢复: suspended → R&D (opens an R&D control check).
        Resume = ("resume", "恢复研发", "Resume"),
        /// 终止: any stage before completion → terminated.
        Terminate = ("terminate", "终止", "Terminate"),
    }
);

coded!(
    /// The three security gates.
    Gate {
        /// 立项安全审查.
        ApprovalReview = ("approval_review", "立项安全审查", "Approval security review"),
        /// 研发安全管控 (a periodic or triggered check).
        RndControl = ("rnd_control", "研发安全管控", "R&D security control"),
        /// 转化安全审核.
        TransferAudit = ("transfer_audit", "转化安全审核", "Transfer security audit"),
        /// 创新平台安全评估 (recognition and annual evaluation of a platform).
        PlatformAssessment = ("platform_assessment", "创新平台安全评估", "Platform security assessment"),
    }
);

coded!(
    /// A reviewer's decision at a gate.
    Decision {
        /// 通过.
        Pass = ("pass", "通过", "Pass"),
        /// 附条件通过.
        Conditional = ("conditional", "附条件通过", "Pass with conditions"),
        /// 退回修改.
        Return = ("return", "退回修改", "Return for correction"),
        /// 不予通过.
        Reject = ("reject", "不予通过", "Reject"),
    }
);

impl Decision {
    pub fn passes(self) -> bool {
        matches!(self, Decision::Pass | Decision::Conditional)
    }
}

/// Who may ask for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    /// The applicant (the lead organization's liaison) or the bureau.
    ApplicantOrBureau,
    /// The bureau (reviewers and administrators) only.
    Bureau,
    /// No one directly: only a decision at this gate makes it.
    GateDecision(Gate),
}

impl Transition {
    /// Who may make this transition happen.
    pub fn mover(self) -> Mover {
        match self {
            Transition::Submit | Transition::Start | Transition::Complete => Mover::ApplicantOrBureau,
            Transition::Approve | Transition::Return | Transition::Reject => Mover::GateDecision(Gate::ApprovalReview),
            Transition::Suspend | Transition::Resume | Transition::Terminate => Mover::Bureau,
        }
    }

    /// The transition an approval review's decision makes.
    pub fn of_approval_decision(d: Decision) -> Transition {
        match d {
            Decision::Pass | Decision::Conditional => Transition::Approve,
            Decision::Return => Transition::Return,
            Decision::Reject => Transition::Reject,
        }
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

fn refused(zh: impl Into<String>, en: impl Into<String>) -> Refused {
    Refused {
        zh: zh.into(),
        en: en.into(),
    }
}

/// What a gate's state says about a transition that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateState {
    /// The latest R&D control check passed and none is open.
    pub rnd_check_passed: bool,
}

/// The one state machine: the stage `t` leads to from `from`, or why not.
/// `by_gate` says whether the transition comes from a decision at a gate
/// (approve, return and reject come from nothing else).
pub fn next_stage(from: Stage, t: Transition, by_gate: bool, gates: GateState) -> Result<Stage, Refused> {
    use Stage as S;
    use Transition as T;
    if let Mover::GateDecision(g) = t.mover()
        && !by_gate
    {
        return Err(refused(
            format!("“{}”只能由{}的决定作出", t.label(true), g.label(true)),
            format!(
                "'{}' is made only by a decision of the {}",
                t.label(false),
                g.label(false)
            ),
        ));
    }
    let to = match (t, from) {
        (T::Submit, S::Application | S::Returned) => S::ApprovalReview,
        (T::Approve, S::ApprovalReview) => S::Approved,
        (T::Return, S::ApprovalReview) => S::Returned,
        (T::Reject, S::ApprovalReview) => S::Rejected,
        (T::Start, S::Approved) => S::Rnd,
        (T::Complete, S::Rnd) => {
            if !gates.rnd_check_passed {
                return Err(refused(
                    "结题前须通过最近一次研发安全管控检查（且没有未完成的检查）",
                    "completion needs the latest R&D security control check passed (and none open)",
                ));
            }
            S::Completed
        }
        (T::Suspend, S::Rnd) => S::Suspended,
        (T::Resume, S::Suspended) => S::Rnd,
        (T::Terminate, S::Application | S::Returned | S::Approved | S::Rnd | S::Suspended) => S::Terminated,
        (T::Terminate, S::ApprovalReview) => {
            return Err(refused(
                "立项安全审查中的项目不能终止：请先由审查作出决定",
                "a project under approval review cannot be terminated: let the review decide first",
            ));
        }
        _ => {
            return Err(refused(
                format!("处于“{}”阶段的项目不能“{}”", from.label(true), t.label(true)),
                format!("a project at stage '{}' cannot '{}'", from.label(false), t.label(false)),
            ));
        }
    };
    Ok(to)
}

/// The transitions a user might ask for at `from` (those the state machine
/// allows there, gate decisions aside), in the order pages offer them.
pub fn offered(from: Stage) -> Vec<Transition> {
    Transition::ALL
        .iter()
        .copied()
        .filter(|t| !matches!(t.mover(), Mover::GateDecision(_)))
        .filter(|&t| next_stage(from, t, false, GateState { rnd_check_passed: true }).is_ok())
        .collect()
}

// ---------------- automatic checks ----------------

/// How much an automatic check weighs on the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// The reviewer must look at it (and say so in the reasons).
    Flag,
    /// No pass while it stands.
    Block,
}

impl Severity {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Severity::Info, true) => "提示",
            (Severity::Info, false) => "Info",
            (Severity::Flag, true) => "关注",
            (Severity::Flag, false) => "Flag",
            (Severity::Block, true) => "阻断",
            (Severity::Block, false) => "Block",
        }
    }
}

/// One automatic check's finding, as the reviewer sees it before deciding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code (`restricted_party`, `foreign_partner`, `export_prohibited` …).
    pub code: String,
    pub severity: Severity,
    pub zh: String,
    pub en: String,
}

fn finding(code: &str, severity: Severity, zh: String, en: String) -> Finding {
    Finding {
        code: code.to_string(),
        severity,
        zh,
        en,
    }
}

/// A party of a project or transfer as screened.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScreenedParty {
    pub name: String,
    /// The role (牵头单位, 参与单位, 境外合作方, 项目成员, 受让方 …).
    pub role: String,
    /// ISO 3166 alpha-2; empty when unknown.
    pub country: String,
    /// Results still open (to be reviewed) against restricted lists.
    pub open_results: u32,
    /// Results a reviewer confirmed as the listed party.
    pub confirmed_results: u32,
    /// The best open or confirmed listed name, for the message.
    pub listed_as: Option<String>,
    /// A person's declared foreign affiliation.
    pub foreign_affiliation: Option<String>,
    /// For a party named only by text (a foreign partner, not a registered
    /// record, so without results a reviewer can decide): the listed name
    /// its name resembles, with the score.
    pub possible: Option<String>,
}

impl ScreenedParty {
    pub fn is_foreign(&self) -> bool {
        !self.country.is_empty() && !matches!(self.country.as_str(), "CN")
    }
}

/// A dictionary item linked to a project, achievement or contract (a
/// suggestion or a reviewer's confirmation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedItem {
    /// `chokepoint` or `export_control`.
    pub dictionary: String,
    pub code: String,
    pub name: String,
    /// Catalogue items: prohibited (J) rather than restricted (X).
    pub prohibited: bool,
    /// Confirmed by a reviewer (else only suggested by the classifier).
    pub confirmed: bool,
}

/// What the approval security review is told about a project.
#[derive(Debug, Clone, Default)]
pub struct ApprovalFacts {
    pub parties: Vec<ScreenedParty>,
    /// Team members without a current (within a year) disclosure of
    /// conflicts of interest and foreign affiliations.
    pub members_without_disclosure: Vec<String>,
    pub items: Vec<LinkedItem>,
    /// The planned 密级 (the record's level) is 公开.
    pub planned_public: bool,
    /// The planned data grade is 一般 (general) or not given.
    pub planned_general_data: bool,
}

fn screening_findings(parties: &[ScreenedParty], out: &mut Vec<Finding>) {
    for p in parties {
        if let Some(like) = &p.possible {
            out.push(finding(
                "possible_restricted",
                Severity::Flag,
                format!("{}“{}”与限制名单主体相似：{}，请核实", p.role, p.name, like),
                format!("{} '{}' resembles a restricted party: {}; verify", p.role, p.name, like),
            ));
        }
        if p.confirmed_results > 0 {
            let listed = p.listed_as.clone().unwrap_or_default();
            out.push(finding(
                "restricted_party",
                Severity::Block,
                format!("{}“{}”已被确认为限制名单主体（{}）", p.role, p.name, listed),
                format!(
                    "{} '{}' is confirmed as a restricted party ({})",
                    p.role, p.name, listed
                ),
            ));
        } else if p.open_results > 0 {
            let listed = p.listed_as.clone().unwrap_or_default();
            out.push(finding(
                "screening_open",
                Severity::Block,
                format!(
                    "{}“{}”有{}条未处理的名单筛查结果（疑似：{}），须先研判",
                    p.role, p.name, p.open_results, listed
                ),
                format!(
                    "{} '{}' has {} open screening result(s) (possibly: {}); review them first",
                    p.role, p.name, p.open_results, listed
                ),
            ));
        }
    }
}

fn item_findings(items: &[LinkedItem], out: &mut Vec<Finding>) {
    for i in items {
        let how_zh = if i.confirmed { "已确认" } else { "系统建议" };
        let how_en = if i.confirmed { "confirmed" } else { "suggested" };
        let (code, zh_kind, en_kind) = match (i.dictionary.as_str(), i.prohibited) {
            ("export_control", true) => (
                "export_prohibited",
                "禁止出口技术",
                "a technology prohibited for export",
            ),
            ("export_control", false) => (
                "export_restricted",
                "限制出口技术",
                "a technology restricted for export",
            ),
            _ => ("chokepoint", "“卡脖子”技术", "a chokepoint technology"),
        };
        out.push(finding(
            code,
            Severity::Flag,
            format!("涉及{}：{} {}（{}）", zh_kind, i.code, i.name, how_zh),
            format!("concerns {}: {} {} ({})", en_kind, i.code, i.name, how_en),
        ));
    }
}

/// The approval security review's automatic checks.
pub fn approval_findings(f: &ApprovalFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    screening_findings(&f.parties, &mut out);
    for p in f.parties.iter().filter(|p| p.is_foreign()) {
        out.push(finding(
            "foreign_partner",
            Severity::Flag,
            format!("境外参与方：{}“{}”（{}）", p.role, p.name, p.country),
            format!("foreign participant: {} '{}' ({})", p.role, p.name, p.country),
        ));
    }
    for p in &f.parties {
        if let Some(a) = p.foreign_affiliation.as_deref().filter(|a| !a.trim().is_empty()) {
            out.push(finding(
                "foreign_affiliation",
                Severity::Flag,
                format!("{}“{}”有境外任职/兼职：{}", p.role, p.name, a),
                format!("{} '{}' holds a foreign affiliation: {}", p.role, p.name, a),
            ));
        }
    }
    for m in &f.members_without_disclosure {
        out.push(finding(
            "disclosure_missing",
            Severity::Flag,
            format!("项目成员“{m}”一年内未申报利益冲突和境外任职情况"),
            format!(
                "team member '{m}' has no disclosure of conflicts of interest and foreign affiliations within a year"
            ),
        ));
    }
    item_findings(&f.items, &mut out);
    let sensitive = f.items.iter().any(|i| i.dictionary == "export_control");
    if sensitive && f.planned_public {
        out.push(finding(
            "classification_low",
            Severity::Flag,
            "涉及出口管制技术，但拟定密级为公开：请核实定密".into(),
            "concerns an export-controlled technology but is planned as public: check its classification".into(),
        ));
    }
    if !f.items.is_empty() && f.planned_general_data {
        out.push(finding(
            "data_grade_low",
            Severity::Flag,
            "涉及“卡脖子”或出口管制技术，但拟定数据级别为一般数据：请核实数据分级".into(),
            "concerns a chokepoint or export-controlled technology but its data is planned as general: check its grade"
                .into(),
        ));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// What the transfer security audit is told about a transfer or a
/// technology contract.
#[derive(Debug, Clone, Default)]
pub struct TransferFacts {
    pub counterparty: ScreenedParty,
    /// Export-control and chokepoint items the technology concerns.
    pub items: Vec<LinkedItem>,
    /// The export licence number recorded for this transfer, if any.
    pub licence_no: Option<String>,
    /// The 密级 of the achievement's source project, if classified (秘密+).
    pub classified_project: Option<String>,
    /// The achievement came from a state-funded project.
    pub state_funded: bool,
    /// The counterparty is outside the city (its region or country).
    pub leaves_city: bool,
}

/// The transfer security audit's automatic checks: screening of the
/// counterparty, export control (a foreign counterparty and a catalogued
/// technology: blocked until a licence number is recorded; prohibited:
/// blocked), a classified source project (blocked until declassified),
/// state-funded achievements, chokepoint technology leaving the city.
pub fn transfer_findings(f: &TransferFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    screening_findings(std::slice::from_ref(&f.counterparty), &mut out);
    let foreign = f.counterparty.is_foreign();
    let licensed = f.licence_no.as_deref().is_some_and(|l| !l.trim().is_empty());
    for i in f.items.iter().filter(|i| i.dictionary == "export_control") {
        if !foreign {
            out.push(finding(
                "export_controlled_domestic",
                Severity::Info,
                format!("涉及出口管制技术 {} {}，受让方在境内", i.code, i.name),
                format!(
                    "concerns export-controlled {} {}; the counterparty is domestic",
                    i.code, i.name
                ),
            ));
        } else if i.prohibited {
            out.push(finding(
                "export_prohibited",
                Severity::Block,
                format!(
                    "向境外（{}）转让禁止出口技术 {} {}：不得转让",
                    f.counterparty.country, i.code, i.name
                ),
                format!(
                    "transfer abroad ({}) of {} {}, prohibited for export: not allowed",
                    f.counterparty.country, i.code, i.name
                ),
            ));
        } else if !licensed {
            out.push(finding(
                "export_licence_missing",
                Severity::Block,
                format!(
                    "向境外（{}）转让限制出口技术 {} {}：须先登记技术出口许可证编号",
                    f.counterparty.country, i.code, i.name
                ),
                format!(
                    "transfer abroad ({}) of {} {}, restricted for export: record the export licence number first",
                    f.counterparty.country, i.code, i.name
                ),
            ));
        } else {
            out.push(finding(
                "export_licensed",
                Severity::Info,
                format!(
                    "限制出口技术 {} {} 已登记出口许可证：{}",
                    i.code,
                    i.name,
                    f.licence_no.as_deref().unwrap_or_default()
                ),
                format!(
                    "{} {} is restricted; export licence recorded: {}",
                    i.code,
                    i.name,
                    f.licence_no.as_deref().unwrap_or_default()
                ),
            ));
        }
    }
    if let Some(level) = &f.classified_project {
        out.push(finding(
            "classified_source",
            Severity::Block,
            format!("成果来源于涉密项目（{level}）：解密前不得转化"),
            format!("the achievement comes from a classified project ({level}): no transfer before declassification"),
        ));
    }
    if f.state_funded {
        out.push(finding(
            "state_funded",
            Severity::Flag,
            "成果来源于财政资金资助项目：按国有资产管理规定办理".into(),
            "the achievement comes from a state-funded project: state-asset rules apply".into(),
        ));
    }
    if f.leaves_city {
        for i in f.items.iter().filter(|i| i.dictionary == "chokepoint") {
            out.push(finding(
                "chokepoint_leaving",
                Severity::Flag,
                format!("“卡脖子”技术 {} {} 转出本市产业链", i.code, i.name),
                format!("chokepoint technology {} {} leaves the city's chain", i.code, i.name),
            ));
        }
    }
    if foreign {
        out.push(finding(
            "foreign_counterparty",
            Severity::Flag,
            format!("境外受让方：{}（{}）", f.counterparty.name, f.counterparty.country),
            format!(
                "foreign counterparty: {} ({})",
                f.counterparty.name, f.counterparty.country
            ),
        ));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// A review is high-risk (two reviewers) when any finding blocks or a
/// restricted party, a foreign participant or an export-controlled
/// technology is involved.
pub fn is_high_risk(findings: &[Finding]) -> bool {
    findings.iter().any(|f| {
        f.severity == Severity::Block
            || matches!(
                f.code.as_str(),
                "restricted_party"
                    | "foreign_partner"
                    | "foreign_counterparty"
                    | "export_prohibited"
                    | "export_restricted"
            )
    })
}

/// Days between R&D control checks for a project whose approval review
/// found `findings`: 90 for a high-risk project, 180 when it concerns a
/// listed technology, else 365.
pub fn rnd_check_interval_days(findings: &[Finding]) -> i64 {
    if is_high_risk(findings) {
        90
    } else if findings.iter().any(|f| f.severity >= Severity::Flag) {
        180
    } else {
        365
    }
}

// ---------------- decisions ----------------

/// A decision as a reviewer gives it, with what kean knows of the review.
#[derive(Debug, Clone)]
pub struct DecisionInput<'a> {
    pub decision: Decision,
    /// Reasons meant for the applicant.
    pub reasons: &'a str,
    /// Conditions of a conditional pass.
    pub conditions: &'a str,
    /// The reviewer's account and organization.
    pub reviewer_id: i64,
    pub reviewer_org: Option<i64>,
    /// The organization whose project, achievement or contract it is.
    pub applicant_org: Option<i64>,
    /// The review's current findings.
    pub findings: &'a [Finding],
    /// The first reviewer's account, when a high-risk review has one.
    pub first_reviewer: Option<i64>,
}

/// What a valid decision does to the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionEffect {
    /// The review is decided.
    Final,
    /// A high-risk review's first decision: recorded, awaiting a second,
    /// different reviewer.
    AwaitSecond,
}

/// Why a decision was refused, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// The rules of a decision at any gate.
pub fn check_decision(d: &DecisionInput<'_>) -> Result<DecisionEffect, DecisionError> {
    let err = |field, zh: &str, en: &str| DecisionError {
        field,
        zh: zh.to_string(),
        en: en.to_string(),
    };
    if d.reasons.trim().chars().count() < 2 {
        return Err(err(
            "reasons",
            "决定理由：必填（写明审查意见）",
            "reasons: required (state the review's findings)",
        ));
    }
    if d.decision == Decision::Conditional && d.conditions.trim().is_empty() {
        return Err(err(
            "conditions",
            "附加条件：附条件通过须写明条件",
            "conditions: a pass with conditions must state them",
        ));
    }
    if d.applicant_org.is_some() && d.reviewer_org == d.applicant_org {
        return Err(err(
            "reviewer",
            "审查人员不能审查本单位的申请（回避）",
            "a reviewer may not decide an application of their own organization",
        ));
    }
    if d.first_reviewer == Some(d.reviewer_id) {
        return Err(err(
            "reviewer",
            "高风险事项须由另一名审查人员复核，不能由初审人复核",
            "a high-risk review needs a second, different reviewer",
        ));
    }
    let blocking: Vec<&Finding> = d.findings.iter().filter(|f| f.severity == Severity::Block).collect();
    if d.decision.passes() && !blocking.is_empty() {
        let zh = blocking.iter().map(|f| f.zh.as_str()).collect::<Vec<_>>().join("；");
        let en = blocking.iter().map(|f| f.en.as_str()).collect::<Vec<_>>().join("; ");
        return Err(DecisionError {
            field: "decision",
            zh: format!("存在阻断项，不能通过：{zh}"),
            en: format!("blocked, cannot pass: {en}"),
        });
    }
    if is_high_risk(d.findings) && d.first_reviewer.is_none() {
        return Ok(DecisionEffect::AwaitSecond);
    }
    Ok(DecisionEffect::Final)
}

/// Whether an account may decide a review now: it is open, the account is
/// not of the applicant's organization (回避), and it is not the first
/// reviewer of a high-risk review awaiting its second.
pub fn may_decide(
    open: bool,
    applicant_org: Option<i64>,
    first_reviewer: Option<i64>,
    reviewer_id: i64,
    reviewer_org: Option<i64>,
) -> bool {
    open && applicant_org.is_none_or(|o| reviewer_org != Some(o)) && first_reviewer != Some(reviewer_id)
}

// ---------------- gate figures ----------------

/// What the gate figures need of one review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFacts {
    pub gate: Gate,
    pub open: bool,
    /// The final decision, once decided.
    pub decision: Option<Decision>,
    /// A blocking finding when last computed (open: now; decided: as decided on).
    pub blocked: bool,
    /// Open and past its due date.
    pub overdue: bool,
    pub opened_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
}

/// A gate's figures over the reviews opened in a period (the dashboard's).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GateFigures {
    /// `None`: all gates together.
    pub gate: Option<Gate>,
    pub opened: i64,
    pub open: i64,
    pub overdue: i64,
    /// 通过 and 附条件通过.
    pub passed: i64,
    pub returned: i64,
    pub rejected: i64,
    /// With a blocking finding: open and blocked, or decided on a block.
    pub blocked: i64,
    /// Mean calendar days from opening to the final decision; `None` when
    /// none was decided.
    pub mean_days_to_decision: Option<f64>,
}

/// Each gate's figures, in gate order, then all gates together.
pub fn gate_figures(reviews: &[ReviewFacts]) -> Vec<GateFigures> {
    let one = |gate: Option<Gate>| {
        let mut f = GateFigures {
            gate,
            ..GateFigures::default()
        };
        let (mut days, mut decided) = (0i64, 0i64);
        for r in reviews.iter().filter(|r| gate.is_none_or(|g| r.gate == g)) {
            f.opened += 1;
            f.open += i64::from(r.open);
            f.overdue += i64::from(r.overdue);
            f.blocked += i64::from(r.blocked);
            match r.decision {
                Some(d) if d.passes() => f.passed += 1,
                Some(Decision::Return) => f.returned += 1,
                Some(Decision::Reject) => f.rejected += 1,
                _ => {}
            }
            if let (Some(_), Some(on)) = (r.decision, r.decided_on) {
                days += (on - r.opened_on).num_days().max(0);
                decided += 1;
            }
        }
        f.mean_days_to_decision = (decided > 0).then(|| days as f64 / decided as f64);
        f
    };
    let mut out: Vec<GateFigures> = Gate::ALL.iter().map(|g| one(Some(*g))).collect();
    out.push(one(None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSED: GateState = GateState { rnd_check_passed: true };

    #[test]
    fn gate_figures_count_outcomes_and_mean_days() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let r = |gate, decision: Option<Decision>, blocked, overdue, opened: &str, decided: Option<&str>| ReviewFacts {
            gate,
            open: decision.is_none(),
            decision,
            blocked,
            overdue,
            opened_on: d(opened),
            decided_on: decided.map(d),
        };
        let reviews = [
            r(
                Gate::ApprovalReview,
                Some(Decision::Pass),
                false,
                false,
                "2026-01-01",
                Some("2026-01-05"),
            ),
            r(
                Gate::ApprovalReview,
                Some(Decision::Conditional),
                false,
                false,
                "2026-01-01",
                Some("2026-01-03"),
            ),
            r(Gate::ApprovalReview, None, false, true, "2026-02-01", None),
            r(
                Gate::TransferAudit,
                Some(Decision::Reject),
                true,
                false,
                "2026-03-01",
                Some("2026-03-10"),
            ),
            r(Gate::TransferAudit, None, true, false, "2026-03-02", None),
        ];
        let f = gate_figures(&reviews);
        assert_eq!(f.len(), Gate::ALL.len() + 1);
        let approval = &f[0];
        assert_eq!(
            (approval.opened, approval.open, approval.overdue, approval.passed),
            (3, 1, 1, 2)
        );
        assert_eq!(approval.mean_days_to_decision, Some(3.0));
        let transfer = f.iter().find(|x| x.gate == Some(Gate::TransferAudit)).unwrap();
        assert_eq!((transfer.rejected, transfer.blocked, transfer.passed), (1, 2, 0));
        assert_eq!(transfer.mean_days_to_decision, Some(9.0));
        let rnd = f.iter().find(|x| x.gate == Some(Gate::RndControl)).unwrap();
        assert_eq!((rnd.opened, rnd.mean_days_to_decision), (0, None));
        let all = f.last().unwrap();
        assert_eq!((all.gate, all.opened, all.passed, all.blocked), (None, 5, 2, 2));
        assert_eq!(all.mean_days_to_decision, Some(5.0));
    }

    #[test]
    fn a_reviewer_may_not_decide_for_their_own_organization_or_twice() {
        assert!(may_decide(true, Some(7), None, 1, None));
        assert!(!may_decide(false, Some(7), None, 1, None), "decided");
        assert!(!may_decide(true, Some(7), None, 1, Some(7)), "own organization");
        assert!(!may_decide(true, Some(7), Some(1), 1, None), "first reviewer again");
        assert!(may_decide(true, None, Some(2), 1, Some(7)));
    }

    /// Every (stage, transition) pair: allowed exactly where the lifecycle
    /// says, refused everywhere else, gate-made transitions only by a gate.
    #[test]
    fn every_transition_allowed_and_refused() {
        use Stage as S;
        use Transition as T;
        let allowed: &[(T, S, S)] = &[
            (T::Submit, S::Application, S::ApprovalReview),
            (T::Submit, S::Returned, S::ApprovalReview),
            (T::Approve, S::ApprovalReview, S::Approved),
            (T::Return, S::ApprovalReview, S::Returned),
            (T::Reject, S::ApprovalReview, S::Rejected),
            (T::Start, S::Approved, S::Rnd),
            (T::Complete, S::Rnd, S::Completed),
            (T::Suspend, S::Rnd, S::Suspended),
            (T::Resume, S::Suspended, S::Rnd),
            (T::Terminate, S::Application, S::Terminated),
            (T::Terminate, S::Returned, S::Terminated),
            (T::Terminate, S::Approved, S::Terminated),
            (T::Terminate, S::Rnd, S::Terminated),
            (T::Terminate, S::Suspended, S::Terminated),
        ];
        for &t in Transition::ALL {
            for &s in Stage::ALL {
                let by_gate = matches!(t.mover(), Mover::GateDecision(_));
                let got = next_stage(s, t, by_gate, PASSED);
                match allowed.iter().find(|(at, af, _)| *at == t && *af == s) {
                    Some((_, _, to)) => assert_eq!(got, Ok(*to), "{t:?} from {s:?}"),
                    None => assert!(got.is_err(), "{t:?} from {s:?} should be refused"),
                }
                if by_gate {
                    assert!(next_stage(s, t, false, PASSED).is_err(), "{t:?} needs its gate");
                }
            }
        }
        for s in Stage::ALL.iter().filter(|s| s.is_final()) {
            assert!(offered(*s).is_empty(), "{s:?} is final");
        }
    }

    #[test]
    fn completion_needs_the_rnd_check() {
        let e = next_stage(Stage::Rnd, Transition::Complete, false, GateState::default()).unwrap_err();
        assert!(e.zh.contains("研发安全管控"), "{e:?}");
        let e = next_stage(Stage::Application, Transition::Approve, false, PASSED).unwrap_err();
        assert!(e.zh.contains("立项安全审查"), "{e:?}");
    }

    #[test]
    fn codes_and_labels_parse_back() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.code()), Some(*s));
            assert_eq!(Stage::parse(s.label(true)), Some(*s));
            assert!(
                STAGE_CHOICES
                    .iter()
                    .any(|c| c.code == s.code() && c.zh == s.label(true))
            );
        }
        assert_eq!(STAGE_CHOICES.len(), Stage::ALL.len());
        assert_eq!(Decision::parse("附条件通过"), Some(Decision::Conditional));
        assert_eq!(Gate::parse("transfer_audit"), Some(Gate::TransferAudit));
        assert_eq!(Transition::parse("nonsense"), None);
    }

    fn party(name: &str, country: &str) -> ScreenedParty {
        ScreenedParty {
            name: name.into(),
            role: "参与单位".into(),
            country: country.into(),
            ..ScreenedParty::default()
        }
    }

    fn item(dict: &str, prohibited: bool) -> LinkedItem {
        LinkedItem {
            dictionary: dict.into(),
            code: if dict == "export_control" {
                "203912X".into()
            } else {
                "CP01".into()
            },
            name: "无人机技术".into(),
            prohibited,
            confirmed: true,
        }
    }

    fn codes(fs: &[Finding]) -> Vec<&str> {
        fs.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn approval_flags_foreign_partners_hits_disclosures_and_levels() {
        let mut hit = party("北京理工大学", "CN");
        hit.open_results = 2;
        hit.listed_as = Some("Beijing Institute of Technology".into());
        let mut member = party("张三", "CN");
        member.role = "项目成员".into();
        member.foreign_affiliation = Some("University of Tokyo".into());
        let f = ApprovalFacts {
            parties: vec![party("Acme GmbH", "DE"), hit, member],
            members_without_disclosure: vec!["张三".into()],
            items: vec![item("export_control", false)],
            planned_public: true,
            planned_general_data: true,
        };
        let got = approval_findings(&f);
        let c = codes(&got);
        for want in [
            "screening_open",
            "foreign_partner",
            "foreign_affiliation",
            "disclosure_missing",
            "export_restricted",
            "classification_low",
            "data_grade_low",
        ] {
            assert!(c.contains(&want), "{want} missing from {c:?}");
        }
        assert_eq!(got[0].severity, Severity::Block, "blocking first");
        assert!(is_high_risk(&got));
        assert_eq!(rnd_check_interval_days(&got), 90);
        // A clean domestic project: nothing, a yearly check.
        let clean = approval_findings(&ApprovalFacts {
            parties: vec![party("山西农业大学", "CN")],
            ..ApprovalFacts::default()
        });
        assert!(clean.is_empty(), "{clean:?}");
        assert_eq!(rnd_check_interval_days(&clean), 365);
    }

    #[test]
    fn transfer_blocks_by_catalogue_licence_classification_and_list() {
        let foreign = TransferFacts {
            counterparty: party("Acme GmbH", "DE"),
            items: vec![item("export_control", false)],
            ..TransferFacts::default()
        };
        let got = transfer_findings(&foreign);
        assert!(codes(&got).contains(&"export_licence_missing"), "{got:?}");
        assert!(got.iter().any(|f| f.severity == Severity::Block));
        // With a licence: no block.
        let licensed = transfer_findings(&TransferFacts {
            licence_no: Some("2026-JC-0001".into()),
            ..foreign.clone()
        });
        assert!(licensed.iter().all(|f| f.severity != Severity::Block), "{licensed:?}");
        // Prohibited: blocked whatever the licence.
        let prohibited = transfer_findings(&TransferFacts {
            items: vec![item("export_control", true)],
            licence_no: Some("x".into()),
            ..foreign.clone()
        });
        assert!(codes(&prohibited).contains(&"export_prohibited"));
        // Domestic counterparty: informational only.
        let domestic = transfer_findings(&TransferFacts {
            counterparty: party("太原重工", "CN"),
            items: vec![item("export_control", true)],
            ..TransferFacts::default()
        });
        assert!(domestic.iter().all(|f| f.severity == Severity::Info), "{domestic:?}");
        // Classified source, state funding, chokepoint leaving, listed party.
        let mut listed = party("Rostec", "RU");
        listed.confirmed_results = 1;
        listed.listed_as = Some("Rostec".into());
        let all = transfer_findings(&TransferFacts {
            counterparty: listed,
            items: vec![item("chokepoint", false)],
            classified_project: Some("秘密".into()),
            state_funded: true,
            leaves_city: true,
            ..TransferFacts::default()
        });
        let c = codes(&all);
        for want in [
            "restricted_party",
            "classified_source",
            "state_funded",
            "chokepoint_leaving",
            "foreign_counterparty",
        ] {
            assert!(c.contains(&want), "{want} missing from {c:?}");
        }
    }

    fn input<'a>(decision: Decision, reasons: &'a str, findings: &'a [Finding]) -> DecisionInput<'a> {
        DecisionInput {
            decision,
            reasons,
            conditions: "",
            reviewer_id: 7,
            reviewer_org: None,
            applicant_org: Some(3),
            findings,
            first_reviewer: None,
        }
    }

    #[test]
    fn decisions_need_reasons_independence_and_no_blocks() {
        assert_eq!(
            check_decision(&input(Decision::Pass, "符合要求", &[])),
            Ok(DecisionEffect::Final)
        );
        assert_eq!(
            check_decision(&input(Decision::Pass, " ", &[])).unwrap_err().field,
            "reasons"
        );
        assert_eq!(
            check_decision(&input(Decision::Conditional, "基本符合", &[]))
                .unwrap_err()
                .field,
            "conditions"
        );
        let mut own = input(Decision::Reject, "不符合", &[]);
        own.reviewer_org = Some(3);
        assert_eq!(check_decision(&own).unwrap_err().field, "reviewer");
        let block = [finding("export_prohibited", Severity::Block, "禁".into(), "no".into())];
        let e = check_decision(&input(Decision::Pass, "符合要求", &block)).unwrap_err();
        assert!(e.zh.contains("阻断") && e.zh.contains("禁"), "{e:?}");
        // A rejection over a block is fine, but high-risk: a second reviewer.
        assert_eq!(
            check_decision(&input(Decision::Reject, "不予通过", &block)),
            Ok(DecisionEffect::AwaitSecond)
        );
        let mut second = input(Decision::Reject, "复核同意", &block);
        second.first_reviewer = Some(7);
        assert_eq!(check_decision(&second).unwrap_err().field, "reviewer");
        second.reviewer_id = 8;
        assert_eq!(check_decision(&second), Ok(DecisionEffect::Final));
    }
}
