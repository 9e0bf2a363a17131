//! The permission policy: one pure function decides what an actor may do.
//!
//! Every read and write in kean asks [`authorize`] first and carries the
//! [`Scope`] it returns into the query, so an organization-scoped user can
//! never read or change another organization's records, whichever page or
//! API call they use. A `Scope` can only be obtained from this module.
//!
//! Later inputs (clearance, classification, need-to-know) extend
//! [`Actor`] and the target description here, and nowhere else.

use serde::{Deserialize, Serialize};

use crate::confidentiality::Classification;
use crate::schema::{Kind, Owner};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 局管理员: the bureau's business administrator — reference data, the
    /// registry, restricted-party lists. No accounts, clearances or audit
    /// log (三员分立).
    Admin,
    /// 局审核人员: reads everything, maintains registry records.
    Reviewer,
    /// 单位联络员: reads and maintains its own organization's records only.
    Liaison,
    /// 科研人员: reads its own organization's records.
    Researcher,
    /// 系统管理员: accounts (create, disable, unlock, reset) and the
    /// system's operation. No business data, clearances or audit log.
    SystemAdmin,
    /// 安全保密管理员: roles, clearances, need-to-know lists, the ceiling,
    /// approvals of (de)classification. No accounts' creation, no business
    /// content, no audit log.
    SecurityAdmin,
    /// 安全审计员: reads, searches, exports and verifies the audit log —
    /// the other two administrators' acts included — and nothing else.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Reviewer,
        Role::Liaison,
        Role::Researcher,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Liaison => "liaison",
            Role::Researcher => "researcher",
            Role::SystemAdmin => "sysadmin",
            Role::SecurityAdmin => "secadmin",
            Role::Auditor => "auditor",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim())
    }
    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Role::Admin => ("局管理员", "Bureau administrator"),
            Role::Reviewer => ("局审核员", "Bureau reviewer"),
            Role::Liaison => ("单位联络员", "Institution liaison"),
            Role::Researcher => ("科研人员", "Researcher"),
            Role::SystemAdmin => ("系统管理员", "System administrator"),
            Role::SecurityAdmin => ("安全保密管理员", "Security administrator"),
            Role::Auditor => ("安全审计员", "Security auditor"),
        };
        if zh { z } else { e }
    }
    /// Roles that act for one organization and must name it.
    pub fn needs_organization(self) -> bool {
        matches!(self, Role::Liaison | Role::Researcher)
    }
    /// Whether an account of this role may name an organization: those
    /// that act for one must; a reviewer may name its affiliation (an
    /// expert from a university), which only decides what it may not
    /// review (its own organization's applications), never what it reads.
    pub fn may_name_organization(self) -> bool {
        self.needs_organization() || self == Role::Reviewer
    }
    /// One of the three administrators of 三员分立 (等保 2.0): each holds
    /// that role alone, never with another of them or a business role.
    pub fn is_one_of_three(self) -> bool {
        matches!(self, Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor)
    }
}

/// Who is acting. Its fields are private: an `Actor` comes only from
/// kean-app's login ([`Actor::authenticated`]) or, for an operator at the
/// machine, from its named system access ([`Actor::system`]). Both
/// constructors are listed in the workspace's `clippy.toml` as disallowed
/// methods, allowed only at those two places, so no other code can make
/// itself an actor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    user_id: i64,
    username: String,
    display_name: String,
    role: Role,
    org_id: Option<i64>,
    clearance: Classification,
}

impl Actor {
    /// A user whose session or token was verified, cleared to `clearance`.
    pub fn authenticated(
        user_id: i64,
        username: String,
        display_name: String,
        role: Role,
        org_id: Option<i64>,
        clearance: Classification,
    ) -> Actor {
        Actor {
            user_id,
            username,
            display_name,
            role,
            org_id,
            clearance,
        }
    }

    /// kean itself, for seeding and maintenance commands run by an operator
    /// at the machine. Audited as `system:NAME`.
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: 0,
            username: format!("system:{name}"),
            display_name: format!("系统（{name}）"),
            role: Role::Admin,
            org_id: None,
            clearance: Classification::TopSecret,
        }
    }

    pub fn user_id(&self) -> i64 {
        self.user_id
    }
    pub fn username(&self) -> &str {
        &self.username
    }
    pub fn display_name(&self) -> &str {
        &self.display_name
    }
    pub fn role(&self) -> Role {
        self.role
    }
    pub fn org_id(&self) -> Option<i64> {
        self.org_id
    }
    /// The highest 密级 this account may read (with need-to-know above 内部).
    pub fn clearance(&self) -> Classification {
        self.clearance
    }
    /// Whether this is kean's own system access rather than a person.
    pub fn is_system(&self) -> bool {
        self.user_id == 0 && self.username.starts_with("system:")
    }
}

/// Whether `actor` sees personal data (fields marked
/// [`crate::schema::Field::personal`], e.g. identity-card numbers) in full.
/// Those who register and maintain people's records do: bureau
/// administrators and reviewers, and an institution's liaison for its own
/// people (the read scope already confines them). Researchers read their
/// colleagues' records, and auditors check what was done, not whom it
/// identifies: both see such values masked ([`mask_personal`]), on every
/// path — pages, API, exports, import reports, screening results and the
/// audit log view.
pub fn reveals_personal_data(actor: &Actor) -> bool {
    match actor.role {
        Role::Admin | Role::Reviewer | Role::Liaison => true,
        Role::Researcher | Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor => false,
    }
}

/// The masked form of a personal value: the first four and last four
/// characters kept (enough to tell two people apart), the rest `*`;
/// values of eight characters or fewer wholly masked.
pub fn mask_personal(s: &str) -> String {
    let n = s.chars().count();
    if n <= 8 {
        return "*".repeat(n);
    }
    s.chars()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 4 { c } else { '*' })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    Archive,
    /// Create, disable, enable and unlock accounts, reset passwords.
    ManageUsers,
    /// See the accounts (user management and role assignment).
    ReadUsers,
    /// Give an account its role (the security administrator's).
    AssignRoles,
    /// Read, search and export the audit log — as much of it as the scope's
    /// [`AuditReach`] says.
    ReadAudit,
    /// Re-walk the audit chain and record the outcome (the security auditor's).
    VerifyAudit,
    /// See restricted lists and screening results.
    ReadScreening,
    /// Confirm or dismiss screening results; start a re-screening.
    DecideScreening,
    /// Import new versions of restricted-party lists.
    ManageLists,
    /// Add, edit and remove the bureau's own screening vocabulary (the
    /// translations screening reads Chinese names with).
    ManageVocabulary,
    /// Set accounts' clearances, records' need-to-know lists and the
    /// deployment's ceiling (安全保密管理).
    ManageConfidentiality,
    /// Approve or reject the export of important or core data (重要数据 /
    /// 核心数据导出审批), the security administrator's.
    ApproveDataExport,
    /// Decide the security gates' reviews, confirm or reject technology
    /// links, suspend, resume or terminate projects (the bureau's reviewers
    /// and administrator).
    ReviewGates,
    /// Import new versions of the chokepoint list and the export-control
    /// catalogue (the bureau administrator's).
    ManageDictionaries,
    /// See reports under review (填报): a liaison its organization's, the
    /// bureau every organization's.
    ReadSubmissions,
    /// Approve or return reports (审核), the bureau's reviewers and
    /// administrators.
    ReviewSubmissions,
    /// Say which registries' reports need review (the bureau administrator's).
    ConfigureReview,
}

/// Which records an authorized action may touch: an organization's (or
/// all), and of those, the ones the reader's clearance and need-to-know
/// admit ([`crate::confidentiality::may_read`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    owner: ScopeInner,
    reader: Reader,
    audit: AuditReach,
}

/// Which events of the audit log a scope reaches (三员互相制约: the security
/// auditor checks everyone, the security administrator checks the auditor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditReach {
    /// No event (a scope granted for anything but reading the log).
    Nothing,
    /// Every event.
    Whole,
    /// The events whose actor's account holds this role.
    ActorsInRole(Role),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeInner {
    All,
    Organization(i64),
}

/// Who reads, as far as classification goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// kean itself at the machine (seeding, maintenance, re-screening):
    /// every record, whatever its level.
    Unrestricted,
    /// An account: its id (for need-to-know lists) and clearance.
    Account { user_id: i64, clearance: Classification },
}

impl Scope {
    /// `None` means every record; `Some(id)` only records owned by that
    /// organization (and, for reference data, everything).
    pub fn organization(&self) -> Option<i64> {
        match self.owner {
            ScopeInner::All => None,
            ScopeInner::Organization(id) => Some(id),
        }
    }
    /// Who reads: the classification rule the store applies besides the owner.
    pub fn reader(&self) -> Reader {
        self.reader
    }
    /// Which audit events the scope reaches (the store applies it to every
    /// read of the log).
    pub fn audit_reach(&self) -> AuditReach {
        self.audit
    }
    /// Whether a record owned by `owner` (None = reference data) is inside
    /// the organization part of the scope (classification aside).
    pub fn permits_owner(&self, owner: Option<i64>) -> bool {
        match (self.owner, owner) {
            (ScopeInner::All, _) => true,
            (ScopeInner::Organization(_), None) => true,
            (ScopeInner::Organization(me), Some(o)) => me == o,
        }
    }
    /// Whether a record at `level`, with the reader on its need-to-know
    /// list or not, is readable by the reader.
    pub fn permits_level(&self, level: Classification, on_need_to_know: bool) -> bool {
        match self.reader {
            Reader::Unrestricted => true,
            Reader::Account { clearance, .. } => crate::confidentiality::may_read(clearance, level, on_need_to_know),
        }
    }
    /// The scope a query on `kind` must apply: reference data is shared,
    /// and only classified kinds carry a level.
    pub fn for_kind(&self, kind: Kind) -> Scope {
        Scope {
            owner: if kind.owner() == Owner::None {
                ScopeInner::All
            } else {
                self.owner
            },
            reader: if kind.classified() {
                self.reader
            } else {
                Reader::Unrestricted
            },
            audit: self.audit,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied {
    pub reason_zh: &'static str,
    pub reason_en: &'static str,
}

fn deny(zh: &'static str, en: &'static str) -> Result<Scope, Denied> {
    Err(Denied {
        reason_zh: zh,
        reason_en: en,
    })
}

/// Decides whether `actor` may perform `action` on records of `kind`
/// (`kind` is `None` for actions not about a registry), and within which
/// scope. The only constructor of [`Scope`].
pub fn authorize(actor: &Actor, action: Action, kind: Option<Kind>) -> Result<Scope, Denied> {
    use Action::*;
    let everything = Scope {
        owner: ScopeInner::All,
        reader: Reader::Unrestricted,
        audit: AuditReach::Whole,
    };
    // kean itself at the machine: seeding, maintenance, the first accounts.
    if actor.is_system() {
        return Ok(everything);
    }
    let reader = Reader::Account {
        user_id: actor.user_id,
        clearance: actor.clearance,
    };
    let all = Ok(Scope {
        owner: ScopeInner::All,
        reader,
        audit: AuditReach::Nothing,
    });
    let audit = |reach| {
        Ok(Scope {
            owner: ScopeInner::All,
            reader,
            audit: reach,
        })
    };
    let reference = kind.is_some_and(|k| k.is_reference_data());
    // The directory (organizations, districts, chains) is public: the three
    // administrators read it to manage accounts; nothing else of the registry.
    let directory = reference || kind == Some(Kind::Organization);
    match (actor.role, action) {
        // 三员分立: each of the three does its own and nothing else.
        (Role::SystemAdmin, ManageUsers | ReadUsers) => all,
        // The control records (level, need-to-know) of every record, whatever
        // the manager's own clearance: the application reads only those
        // fields through this scope, never content.
        (Role::SecurityAdmin, ManageConfidentiality) => Ok(everything),
        (Role::SecurityAdmin, AssignRoles | ReadUsers) => all,
        // Approving an export reads the dataset's control record (its name,
        // grade, level and owner), never its content.
        (Role::SecurityAdmin, ApproveDataExport) => Ok(everything),
        // The auditor reads the whole log, the other two administrators'
        // acts included, and alone verifies it.
        (Role::Auditor, ReadAudit) => audit(AuditReach::Whole),
        (Role::Auditor, VerifyAudit) => all,
        // Who checks the auditor: the security administrator reads the
        // auditor's own acts (searches, exports, verifications — every
        // event whose actor holds the auditor role), and no other event.
        (Role::SecurityAdmin, ReadAudit) => audit(AuditReach::ActorsInRole(Role::Auditor)),
        (Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor, Read) if directory => all,
        (Role::Admin | Role::Reviewer, ReadSubmissions | ReviewSubmissions) => all,
        (Role::Admin, ConfigureReview) => all,
        (_, ConfigureReview) => deny(
            "哪些类别需要审核由局管理员设置",
            "which registries need review is the bureau administrator's setting",
        ),
        (
            Role::Liaison | Role::Researcher | Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor,
            ReviewSubmissions,
        ) => deny("申报由局审核人员审核", "reports are reviewed by the bureau's reviewers"),
        (Role::Researcher | Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor, ReadSubmissions) => deny(
            "填报与审核仅限单位联络员和局审核人员",
            "reports under review are for liaisons and the bureau's reviewers",
        ),
        (_, ManageUsers) => deny(
            "账号由系统管理员管理",
            "accounts are managed by the system administrator",
        ),
        (_, ReadUsers) => deny(
            "账号列表仅限系统管理员和安全保密管理员查看",
            "the accounts are for the system and security administrators",
        ),
        (_, AssignRoles | ManageConfidentiality) => deny(
            "角色、涉密等级、知悉范围和定密上限由安全保密管理员负责",
            "roles, clearances, need-to-know lists and the ceiling are the security administrator's",
        ),
        (_, ApproveDataExport) => deny(
            "重要数据和核心数据的导出由安全保密管理员审批",
            "exports of important and core data are approved by the security administrator",
        ),
        (_, ReadAudit) => deny(
            "审计日志仅限安全审计员查看（安全保密管理员查看审计员的操作）",
            "the audit log is for the security auditor (and the auditor's own acts for the security administrator)",
        ),
        (_, VerifyAudit) => deny(
            "审计链校验由安全审计员负责",
            "verifying the audit chain is the security auditor's",
        ),
        (Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor, _) => deny(
            "三员分立：系统管理员、安全保密管理员和安全审计员不接触业务数据",
            "separation of duties: the system administrator, security administrator and security auditor have no access to business data",
        ),
        (Role::Admin, _) => all,
        (Role::Liaison | Role::Researcher, ReviewGates | ManageDictionaries) => deny(
            "安全审查和技术清单由局审核人员和局管理员负责",
            "security reviews and the technology dictionaries are the bureau's reviewers' and administrator's",
        ),
        (Role::Reviewer, ManageDictionaries) => deny(
            "“卡脖子”技术清单和出口管制目录由局管理员维护",
            "the chokepoint list and the export-control catalogue are maintained by the bureau administrator",
        ),
        (Role::Liaison | Role::Researcher, ReadScreening | DecideScreening | ManageLists | ManageVocabulary) => deny(
            "限制名单筛查结果仅限局审核人员和局管理员查看",
            "screening results are for bureau reviewers and administrators only",
        ),
        (Role::Reviewer, ManageLists) => deny(
            "限制名单由局管理员维护",
            "restricted-party lists are maintained by the bureau administrator",
        ),
        (Role::Reviewer, ManageVocabulary) => deny(
            "筛查词表由局管理员维护",
            "the screening vocabulary is maintained by the bureau administrator",
        ),
        (Role::Reviewer, Read | ReadScreening | DecideScreening) => all,
        (Role::Reviewer, _) if reference => deny(
            "基础数据由局管理员维护",
            "reference data is maintained by the bureau administrator",
        ),
        (Role::Reviewer, _) => all,
        (Role::Liaison | Role::Researcher, _) => {
            let Some(org) = actor.org_id else {
                return deny("账号未关联单位", "the account is not linked to an organization");
            };
            let scoped = Ok(Scope {
                owner: ScopeInner::Organization(org),
                reader,
                audit: AuditReach::Nothing,
            });
            match (actor.role, action) {
                (_, Read) => scoped,
                (Role::Researcher, _) => deny("科研人员为只读角色", "researchers are read-only"),
                (_, _) if reference => deny(
                    "基础数据由局管理员维护",
                    "reference data is maintained by the bureau administrator",
                ),
                (_, Create | Archive) if kind == Some(Kind::Organization) => deny(
                    "单位联络员不能新增或归档单位",
                    "liaisons cannot create or archive organizations",
                ),
                _ => scoped,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the policy's own tests build actors and ask it
mod tests {
    use super::*;

    fn actor(role: Role, org: Option<i64>) -> Actor {
        Actor::authenticated(1, "u".into(), "u".into(), role, org, Classification::Internal)
    }

    #[test]
    fn personal_data_is_masked_for_readers_who_need_not_identify() {
        assert!(reveals_personal_data(&actor(Role::Admin, None)));
        assert!(reveals_personal_data(&actor(Role::Reviewer, None)));
        assert!(reveals_personal_data(&actor(Role::Liaison, Some(1))));
        assert!(!reveals_personal_data(&actor(Role::Researcher, Some(1))));
        assert!(!reveals_personal_data(&actor(Role::Auditor, None)));
        assert_eq!(mask_personal("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_personal("E1234567"), "********");
        assert_eq!(mask_personal("护照号码一二三四五"), "护照号码*二三四五");
    }

    #[test]
    fn liaison_is_confined_to_its_organization() {
        let a = actor(Role::Liaison, Some(7));
        let s = authorize(&a, Action::Read, Some(Kind::TechContract)).unwrap();
        assert_eq!(s.organization(), Some(7));
        assert!(s.permits_owner(Some(7)));
        assert!(!s.permits_owner(Some(8)));
        assert!(authorize(&a, Action::Update, Some(Kind::Organization)).is_ok());
        assert!(authorize(&a, Action::Create, Some(Kind::Organization)).is_err());
        assert!(authorize(&a, Action::Create, Some(Kind::District)).is_err());
        assert_eq!(
            authorize(&a, Action::Read, Some(Kind::District))
                .unwrap()
                .for_kind(Kind::District)
                .organization(),
            None
        );
        assert!(authorize(&a, Action::ReadAudit, None).is_err());
        assert!(authorize(&actor(Role::Liaison, None), Action::Read, Some(Kind::Platform)).is_err());
    }

    #[test]
    fn read_only_roles_cannot_write() {
        for role in [Role::Auditor, Role::Researcher] {
            let a = actor(role, Some(1));
            for action in [Action::Create, Action::Update, Action::Archive, Action::ManageUsers] {
                for k in Kind::ALL {
                    assert!(authorize(&a, action, Some(k)).is_err(), "{role:?} {action:?} {k:?}");
                }
            }
        }
        assert!(authorize(&actor(Role::Auditor, None), Action::ReadAudit, None).is_ok());
    }

    #[test]
    fn reviewers_and_admins() {
        let r = actor(Role::Reviewer, None);
        assert_eq!(
            authorize(&r, Action::Update, Some(Kind::TechContract))
                .unwrap()
                .organization(),
            None
        );
        assert!(authorize(&r, Action::Create, Some(Kind::IndustryChain)).is_err());
        assert!(authorize(&r, Action::ManageUsers, None).is_err());
        let a = actor(Role::Admin, None);
        assert!(authorize(&a, Action::ManageUsers, None).is_err(), "三员分立");
        assert!(authorize(&a, Action::ReadAudit, None).is_err(), "三员分立");
        assert!(authorize(&a, Action::ManageConfidentiality, None).is_err(), "三员分立");
        assert!(authorize(&a, Action::Create, Some(Kind::District)).is_ok());
    }

    #[test]
    fn the_three_administrators_each_do_their_own_and_nothing_else() {
        let duties = [
            (Role::SystemAdmin, vec![Action::ManageUsers, Action::ReadUsers]),
            (
                Role::SecurityAdmin,
                vec![
                    Action::AssignRoles,
                    Action::ManageConfidentiality,
                    Action::ApproveDataExport,
                    Action::ReadUsers,
                    Action::ReadAudit,
                ],
            ),
            (Role::Auditor, vec![Action::ReadAudit, Action::VerifyAudit]),
        ];
        let every = [
            Action::Read,
            Action::Create,
            Action::Update,
            Action::Archive,
            Action::ManageUsers,
            Action::ReadUsers,
            Action::AssignRoles,
            Action::ReadAudit,
            Action::VerifyAudit,
            Action::ReadScreening,
            Action::DecideScreening,
            Action::ManageLists,
            Action::ManageVocabulary,
            Action::ManageConfidentiality,
            Action::ApproveDataExport,
            Action::ReadSubmissions,
            Action::ReviewSubmissions,
            Action::ConfigureReview,
        ];
        for (role, own) in &duties {
            assert!(role.is_one_of_three());
            let a = actor(*role, None);
            for action in every {
                let allowed = authorize(&a, action, None).is_ok();
                assert_eq!(allowed, own.contains(&action), "{role:?} {action:?}");
                // Business records, never; the directory, to manage accounts.
                for k in [
                    Kind::Platform,
                    Kind::Person,
                    Kind::TechContract,
                    Kind::Achievement,
                    Kind::Transfer,
                    Kind::Dataset,
                ] {
                    if !own.contains(&action) {
                        assert!(authorize(&a, action, Some(k)).is_err(), "{role:?} {action:?} {k:?}");
                    }
                }
            }
            assert!(authorize(&a, Action::Read, Some(Kind::Organization)).is_ok());
            assert!(authorize(&a, Action::Update, Some(Kind::Organization)).is_err());
        }
        // No business role holds any of their duties.
        for role in [Role::Admin, Role::Reviewer, Role::Liaison, Role::Researcher] {
            assert!(!role.is_one_of_three());
            let a = actor(role, Some(1));
            for (_, own) in &duties {
                for action in own {
                    assert!(authorize(&a, *action, None).is_err(), "{role:?} {action:?}");
                }
            }
        }
        // kean itself at the machine does everything.
        let system = Actor::system("test");
        for action in every {
            assert!(authorize(&system, action, Some(Kind::Achievement)).is_ok());
        }
    }

    /// 三员互相制约: the auditor reaches every event, the security
    /// administrator only the auditor's acts; nobody else reads the log, and
    /// a scope granted for anything else reaches no event.
    #[test]
    fn the_audit_log_reach_of_each_role() {
        let reach = |role: Role| authorize(&actor(role, Some(1)), Action::ReadAudit, None).map(|s| s.audit_reach());
        assert_eq!(reach(Role::Auditor), Ok(AuditReach::Whole));
        assert_eq!(reach(Role::SecurityAdmin), Ok(AuditReach::ActorsInRole(Role::Auditor)));
        for role in [
            Role::Admin,
            Role::Reviewer,
            Role::Liaison,
            Role::Researcher,
            Role::SystemAdmin,
        ] {
            assert!(reach(role).is_err(), "{role:?}");
        }
        assert!(authorize(&actor(Role::SecurityAdmin, None), Action::VerifyAudit, None).is_err());
        assert!(authorize(&actor(Role::Auditor, None), Action::VerifyAudit, None).is_ok());
        let other = authorize(&actor(Role::Admin, None), Action::Read, Some(Kind::TechContract)).unwrap();
        assert_eq!(other.audit_reach(), AuditReach::Nothing);
        assert_eq!(
            authorize(&Actor::system("t"), Action::ReadAudit, None)
                .unwrap()
                .audit_reach(),
            AuditReach::Whole
        );
    }

    /// 填报 → 审核: liaisons see their organization's reports, the bureau's
    /// reviewers and administrators see and decide every organization's,
    /// the administrator alone says which registries need review; and the
    /// registries that can be reported are exactly those a liaison writes.
    #[test]
    fn reports_are_reviewed_by_the_bureau() {
        let liaison = actor(Role::Liaison, Some(7));
        let s = authorize(&liaison, Action::ReadSubmissions, None).unwrap();
        assert_eq!(s.organization(), Some(7));
        assert!(authorize(&liaison, Action::ReviewSubmissions, None).is_err());
        assert!(authorize(&liaison, Action::ConfigureReview, None).is_err());
        for role in [Role::Reviewer, Role::Admin] {
            let a = actor(role, None);
            assert_eq!(
                authorize(&a, Action::ReviewSubmissions, None).unwrap().organization(),
                None
            );
            assert!(authorize(&a, Action::ReadSubmissions, None).is_ok());
        }
        assert!(authorize(&actor(Role::Admin, None), Action::ConfigureReview, None).is_ok());
        assert!(authorize(&actor(Role::Reviewer, None), Action::ConfigureReview, None).is_err());
        for role in [Role::Researcher, Role::SystemAdmin, Role::SecurityAdmin, Role::Auditor] {
            let a = actor(role, Some(7));
            for action in [
                Action::ReadSubmissions,
                Action::ReviewSubmissions,
                Action::ConfigureReview,
            ] {
                assert!(authorize(&a, action, None).is_err(), "{role:?} {action:?}");
            }
        }
        for k in Kind::ALL {
            assert_eq!(
                crate::submission::reviewable(k),
                authorize(&liaison, Action::Update, Some(k)).is_ok(),
                "{k:?}"
            );
        }
    }

    #[test]
    fn screening_is_for_the_bureau() {
        let reviewer = actor(Role::Reviewer, None);
        assert!(authorize(&reviewer, Action::ReadScreening, None).is_ok());
        assert!(authorize(&reviewer, Action::DecideScreening, None).is_ok());
        assert!(authorize(&reviewer, Action::ManageLists, None).is_err());
        let auditor = actor(Role::Auditor, None);
        assert!(authorize(&auditor, Action::ReadScreening, None).is_err());
        assert!(authorize(&auditor, Action::DecideScreening, None).is_err());
        assert!(authorize(&actor(Role::Admin, None), Action::ManageLists, None).is_ok());
        assert!(authorize(&actor(Role::Admin, None), Action::ManageVocabulary, None).is_ok());
        assert!(authorize(&reviewer, Action::ManageVocabulary, None).is_err());
        assert!(authorize(&auditor, Action::ManageVocabulary, None).is_err());
        for role in [Role::Liaison, Role::Researcher] {
            for action in [
                Action::ReadScreening,
                Action::DecideScreening,
                Action::ManageLists,
                Action::ManageVocabulary,
            ] {
                assert!(
                    authorize(&actor(role, Some(3)), action, None).is_err(),
                    "{role:?} {action:?}"
                );
            }
        }
    }
}
