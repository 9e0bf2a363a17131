//! The gate. An [`Access`] is an actor bound to the application; each of
//! its methods asks the policy first and carries the granted scope into
//! the store, so that no page or API handler can reach data around it.

use std::collections::{BTreeMap, HashMap};

use kean_core::audit::AuditEntry;
use kean_core::confidentiality::{Classification, LEVEL_FIELD, WITHHELD_LABEL};
use kean_core::policy::{Action, authorize, mask_personal, reveals_personal_data};
use kean_core::record::validate_under;
use kean_core::schema::{FieldType, Owner};
use kean_core::{Actor, ErrorCode, FieldError, Fields, Kind, Record, Role, Scope};
use kean_store::{ListQuery, NewUser, Page, User, WriteMeta};

use crate::password::{check_password_policy, hash_password};
use crate::{App, AppError, Result};

/// What an administrator does to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    Unlock,
    SetDisabled(bool),
    Password(String),
    /// Removes the account's second factor and recovery codes (it enrols
    /// again at its next login if its role requires one).
    ResetSecondFactor,
}

pub struct Access {
    pub(crate) app: App,
    actor: Actor,
    /// The client's address, when the request came over the network
    /// (audited with reads of classified records).
    source: Option<std::net::IpAddr>,
    /// The session a person's access came from (`None`: system access).
    pub(crate) session: Option<crate::account::SessionInfo>,
}

/// At most this many records leave kean in one export.
pub const EXPORT_ROW_CAP: usize = 200_000;

/// The records of an export and the labels of what they reference.
#[derive(Debug, Clone)]
pub struct Export {
    pub records: Vec<Record>,
    pub labels: HashMap<(Kind, i64), String>,
    /// More records matched than [`EXPORT_ROW_CAP`].
    pub truncated: bool,
}

/// A page of records with the display labels of everything they reference.
#[derive(Debug, Clone)]
pub struct Listing {
    pub page: Page<Record>,
    pub labels: HashMap<(Kind, i64), String>,
}

impl Listing {
    pub fn label(&self, kind: Kind, id: i64) -> Option<&str> {
        self.labels.get(&(kind, id)).map(String::as_str)
    }
}

impl Access {
    pub(crate) fn new(app: App, actor: Actor) -> Access {
        Access {
            app,
            actor,
            source: None,
            session: None,
        }
    }

    /// The same access, for a request from `source`.
    pub fn from_source(mut self, source: std::net::IpAddr) -> Access {
        self.source = Some(source);
        self
    }

    /// Audits a read of classified records (秘密 and above) or of important
    /// and core data of `kind`: who,
    /// in which role, from where, which records, and whether it was
    /// allowed (`read`) or refused (`read_refused`). Reads of less are not
    /// audited (exports are, whatever they hold).
    pub(crate) async fn audit_read(&self, kind: Kind, ids: &[i64], allowed: bool) -> Result<()> {
        if ids.is_empty() || self.actor.is_system() {
            return Ok(());
        }
        let mut d = self.event(
            if allowed { "read" } else { "read_refused" },
            kind.slug(),
            serde_json::json!({
                "role": self.actor.role().code(),
                "source": self.source.map(|s| s.to_string()),
                "ids": ids,
            }),
        );
        if let [id] = ids {
            d.record_id = Some(*id);
        }
        self.app.store().append_audit(d).await.map_err(AppError::from_store)?;
        Ok(())
    }

    /// Whether a record the actor was told is not found exists withheld
    /// for its classification (the refusal is then audited; the answer
    /// stays "not found").
    async fn withheld_exists(&self, kind: Kind, id: i64) -> Result<bool> {
        if !kind.classified() || self.actor.is_system() {
            return Ok(false);
        }
        let unrestricted = self.app.system_access("read audit").gate(Action::Read, Some(kind))?;
        Ok(self
            .app
            .store()
            .get(kind, id, unrestricted)
            .await
            .map_err(AppError::from_store)?
            .is_some_and(|r| r.fields.classification().is_classified()))
    }

    pub(crate) fn app(&self) -> &App {
        &self.app
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The client's address, when the request came over the network.
    pub fn source(&self) -> Option<std::net::IpAddr> {
        self.source
    }

    pub fn now_ts(&self) -> String {
        self.app.now_ts()
    }

    pub fn today(&self) -> chrono::NaiveDate {
        self.app.today()
    }

    /// Whether the actor may perform `action` on `kind` at all (for showing
    /// or hiding buttons; the operations check again).
    pub fn may(&self, action: Action, kind: Option<Kind>) -> bool {
        self.gate(action, kind).is_ok()
    }

    /// Like [`Access::may`], with the policy's reason when the answer is no
    /// (for refusing a page before showing its form).
    pub fn check(&self, action: Action, kind: Option<Kind>) -> Result<()> {
        self.gate(action, kind).map(|_| ())
    }

    /// The one call of the policy in kean: every operation of every module
    /// of this crate asks here, and the scope it returns is the only way to
    /// a store read of owned data.
    pub(crate) fn gate(&self, action: Action, kind: Option<Kind>) -> Result<Scope> {
        #[allow(clippy::disallowed_methods)] // the gate itself
        let decided = authorize(&self.actor, action, kind);
        decided.map_err(AppError::denied)
    }

    /// Whether personal data (identity-card numbers …) is shown to this
    /// actor in full; otherwise [`Access::disclose`] masks it.
    pub fn reveals_personal_data(&self) -> bool {
        reveals_personal_data(&self.actor)
    }

    /// What of a record's values the actor may see: personal fields are
    /// masked for those the policy does not let see them in full. Applied
    /// to every record that leaves the gate (list, detail, export, API).
    pub(crate) fn disclose(&self, mut rec: Record) -> Record {
        if !self.reveals_personal_data() {
            rec.fields.mask_personal();
        }
        rec
    }

    /// The same for the before/after values of an audit record of `kind`'s
    /// records (the audit log view).
    /// Events about records in `withheld` keep everything but their values.
    fn disclose_audit(&self, mut e: AuditEntry, withheld: &std::collections::HashSet<(Kind, i64)>) -> AuditEntry {
        let Some(kind) = Kind::from_slug(&e.draft.target) else {
            return e;
        };
        // Events that carry no values of the record (who read it, who was
        // put on its list) are shown whole: an auditor must see them.
        const WITHOUT_VALUES: [&str; 4] = ["read", "read_refused", "need_to_know_add", "need_to_know_remove"];
        // A submission of a new record classified above what the reader may
        // read without being on a list (there is no list before it exists).
        let submitted_above = e.draft.record_id.is_none()
            && e.draft.action.starts_with("submission_")
            && e.draft
                .after
                .as_ref()
                .and_then(|a| a.get("level"))
                .and_then(|l| l.as_str())
                .and_then(Classification::parse)
                .is_some_and(|level| {
                    self.gate(Action::ReadAudit, Some(kind))
                        .map_or(true, |s| !s.permits_level(level, false))
                });
        if (submitted_above || e.draft.record_id.is_some_and(|id| withheld.contains(&(kind, id))))
            && !WITHOUT_VALUES.contains(&e.draft.action.as_str())
        {
            for v in [&mut e.draft.before, &mut e.draft.after].into_iter().flatten() {
                *v = serde_json::json!({ "withheld": WITHHELD_LABEL });
            }
            return e;
        }
        if self.reveals_personal_data() {
            return e;
        }
        // A record's values sit under `fields` (create, update, import) or
        // at the top (older or partial records): mask them wherever they are.
        fn mask_in(v: &mut serde_json::Value, kind: Kind) {
            let serde_json::Value::Object(map) = v else {
                return;
            };
            for f in kind.fields().iter().filter(|f| f.personal) {
                if let Some(serde_json::Value::String(s)) = map.get_mut(f.name) {
                    *s = mask_personal(s);
                }
            }
            if let Some(inner) = map.get_mut("fields") {
                mask_in(inner, kind);
            }
        }
        for v in [&mut e.draft.before, &mut e.draft.after].into_iter().flatten() {
            mask_in(v, kind);
        }
        e
    }

    /// A text value of a field as the actor may see it (import reports
    /// echo what a file held).
    pub(crate) fn disclose_text(&self, kind: Kind, field: &str, text: String) -> String {
        if !self.reveals_personal_data() && kind.field(field).is_some_and(|f| f.personal) {
            mask_personal(&text)
        } else {
            text
        }
    }

    pub(crate) fn write_meta(&self) -> WriteMeta {
        self.meta()
    }

    /// The audit record of an act of this actor that changes no record of
    /// its own (an export, a backup, a probe), describing it in `after`.
    pub(crate) fn event(&self, action: &str, target: &str, after: serde_json::Value) -> kean_core::audit::AuditDraft {
        let m = self.meta();
        kean_core::audit::AuditDraft {
            at: m.at,
            actor_id: m.actor_id,
            actor: m.actor,
            action: action.into(),
            target: target.into(),
            record_id: None,
            before: None,
            after: Some(after),
        }
    }

    pub(crate) fn meta(&self) -> WriteMeta {
        WriteMeta {
            at: self.app.now_ts(),
            actor_id: self.actor.user_id(),
            actor: self.actor.username().to_string(),
        }
    }

    // ---------------- reads ----------------

    pub async fn list(&self, kind: Kind, query: &ListQuery) -> Result<Listing> {
        let scope = self.gate(Action::Read, Some(kind))?;
        let mut query = std::borrow::Cow::Borrowed(query);
        // Sorting by a value one may only see masked would order by what is
        // hidden: such a list keeps its default order.
        if let Some((field, _)) = query.sort
            && !self.reveals_personal_data()
            && kind.field(field).is_some_and(|f| f.personal)
        {
            query.to_mut().sort = None;
        }
        let mut page = self
            .app
            .store()
            .list(kind, &query, scope)
            .await
            .map_err(AppError::from_store)?;
        page.items = std::mem::take(&mut page.items)
            .into_iter()
            .map(|r| self.disclose(r))
            .collect();
        let classified: Vec<i64> = page
            .items
            .iter()
            .filter(|r| audited_read(kind, r))
            .map(|r| r.id)
            .collect();
        self.audit_read(kind, &classified, true).await?;
        let labels = self.labels_for(&page.items).await?;
        Ok(Listing { page, labels })
    }

    pub async fn get(&self, kind: Kind, id: i64) -> Result<(Record, HashMap<(Kind, i64), String>)> {
        let scope = self.gate(Action::Read, Some(kind))?;
        let Some(rec) = self
            .app
            .store()
            .get(kind, id, scope)
            .await
            .map_err(AppError::from_store)?
        else {
            if self.withheld_exists(kind, id).await? {
                self.audit_read(kind, &[id], false).await?;
            }
            return Err(AppError::not_found());
        };
        if audited_read(kind, &rec) {
            self.audit_read(kind, &[id], true).await?;
        }
        let rec = self.disclose(rec);
        let labels = self.labels_for(std::slice::from_ref(&rec)).await?;
        Ok((rec, labels))
    }

    pub async fn count(&self, kind: Kind) -> Result<i64> {
        let scope = self.gate(Action::Read, Some(kind))?;
        self.app.store().count(kind, scope).await.map_err(AppError::from_store)
    }

    /// Records of `kind` the actor may reference, for pickers.
    pub async fn options(&self, kind: Kind, limit: u32) -> Result<Vec<(i64, String)>> {
        let scope = self.gate(Action::Read, Some(kind))?;
        self.app
            .store()
            .options(kind, scope, limit)
            .await
            .map_err(AppError::from_store)
    }

    /// Labels of referenced records, each resolved under the actor's own
    /// read scope for the referenced kind (nothing outside it is named).
    pub(crate) async fn labels_for(&self, records: &[Record]) -> Result<HashMap<(Kind, i64), String>> {
        self.labels_of(records.iter().map(|r| &r.fields)).await
    }

    /// Labels of everything the given fields refer to (as [`Access::labels_for`]).
    pub(crate) async fn labels_of<'a>(
        &self,
        all: impl Iterator<Item = &'a Fields>,
    ) -> Result<HashMap<(Kind, i64), String>> {
        let mut wanted: BTreeMap<Kind, Vec<i64>> = BTreeMap::new();
        for fields in all {
            for (f, v) in fields.iter() {
                if let (FieldType::Ref(k), Some(id)) = (f.ty, v.as_ref_id()) {
                    wanted.entry(k).or_default().push(id);
                }
            }
        }
        let mut asked = Vec::with_capacity(wanted.len());
        for (k, mut ids) in wanted {
            ids.sort_unstable();
            ids.dedup();
            let Ok(scope) = self.gate(Action::Read, Some(k)) else {
                continue;
            };
            asked.push((k, ids, scope));
        }
        if asked.is_empty() {
            return Ok(HashMap::new());
        }
        self.app.store().labels(&asked).await.map_err(AppError::from_store)
    }

    // ---------------- writes ----------------

    /// What the store knows, inside the actor's read scope, of every record
    /// `fields` refers to (absent: no such record, or not visible).
    async fn reference_targets(&self, fields: &Fields) -> Result<HashMap<(Kind, i64), RefTarget>> {
        let mut found = HashMap::new();
        for (f, v) in fields.iter() {
            if let (FieldType::Ref(k), Some(id)) = (f.ty, v.as_ref_id()) {
                let scope = self.gate(Action::Read, Some(k))?;
                if let Some((owner, archived)) = self
                    .app
                    .store()
                    .owner_of(k, id, scope)
                    .await
                    .map_err(AppError::from_store)?
                {
                    found.insert((k, id), RefTarget { owner, archived });
                }
            }
        }
        Ok(found)
    }

    /// The lowest level `fields` may have: the highest of the classified
    /// records it refers to (a transfer of a classified achievement …) that
    /// the actor can see (one it cannot see is refused as a reference).
    async fn derived_floor(&self, fields: &Fields, scope: Scope) -> Result<Classification> {
        let mut levels = Vec::new();
        for (f, v) in fields.iter() {
            if let (FieldType::Ref(k), Some(id)) = (f.ty, v.as_ref_id())
                && k.classified()
                && let Some(rec) = self.app.store().get(k, id, scope).await.map_err(AppError::from_store)?
            {
                levels.push(rec.fields.classification());
            }
        }
        Ok(kean_core::confidentiality::derived_floor(&levels))
    }

    /// Validates input, then decides its references and owner
    /// ([`decide_references`]) for a create (`previous` None) or an update.
    pub(crate) async fn prepare(
        &self,
        kind: Kind,
        raw: &BTreeMap<String, String>,
        previous: Option<&Record>,
        scope: Scope,
    ) -> Result<(Fields, Option<i64>)> {
        let ceiling = self.app.ceiling().await?;
        let mut fields = validate_under(kind, raw, self.app.today(), ceiling).map_err(AppError::validation)?;
        if kind.classified() {
            // Left empty, the level is what the record derives from (a
            // transfer of an internal achievement is internal).
            let given = raw.get(LEVEL_FIELD).is_some_and(|v| !v.trim().is_empty());
            let floor = self.derived_floor(&fields, scope).await?;
            // Left empty in an edit, it stays what it was.
            let default = previous.map_or(floor, |p| p.fields.classification().max(floor));
            if !given && default > fields.classification() {
                let mut with_level = raw.clone();
                with_level.insert(LEVEL_FIELD.to_string(), default.code().to_string());
                fields = validate_under(kind, &with_level, self.app.today(), ceiling).map_err(AppError::validation)?;
            }
            // A level is given when the record is registered; changing it
            // is the 变更密级 workflow's, not an edit's.
            if let Some(prev) = previous
                && prev.fields.classification() != fields.classification()
            {
                return Err(AppError::field(
                    ErrorCode::ValidationFailed,
                    FieldError::new(
                        LEVEL_FIELD,
                        "密级：不能在编辑中变更，变更密级或解密须经审批",
                        "Classification: cannot be changed by an edit; a change of level or declassification needs an approval",
                    ),
                ));
            }
            self.check_level(fields.classification(), floor)?;
        }
        let targets = self.reference_targets(&fields).await?;
        match decide_references(&fields, previous, scope, |k, id| targets.get(&(k, id)).copied()) {
            Ok(owner) => Ok((fields, owner)),
            Err(Refusal::Invalid(errors)) => Err(AppError::validation(errors)),
            Err(Refusal::OutsideScope(field)) => Err(AppError::field(
                ErrorCode::Forbidden,
                FieldError::new(
                    field,
                    "只能登记或修改本单位的记录",
                    "you may only register or change your own organization's records",
                ),
            )),
        }
    }

    /// Writes a new record at once (the bureau's accounts, kean itself). An
    /// actor whose reports need review is refused: it calls
    /// [`Access::save_new`], which submits.
    pub async fn create(&self, kind: Kind, raw: &BTreeMap<String, String>) -> Result<Record> {
        let scope = self.gate(Action::Create, Some(kind))?;
        self.refuse_if_reviewed(kind).await?;
        self.check_probe_budget(kind).await?;
        let (fields, owner) = self.prepare(kind, raw, None, scope).await?;
        let meta = self.meta();
        let rec = match self.app.store().insert(&fields, owner, &meta).await {
            Ok(rec) => rec,
            Err(e) => return Err(self.write_refused(kind, &fields, e).await),
        };
        self.app.follow_up(kind, &[rec.id], &meta).await;
        Ok(rec)
    }

    /// Replaces a record's fields. `expected_version` (from the form or the
    /// API request) guards against overwriting someone else's edit.
    pub async fn update(
        &self,
        kind: Kind,
        id: i64,
        raw: &BTreeMap<String, String>,
        expected_version: Option<i64>,
    ) -> Result<Record> {
        let scope = self.gate(Action::Update, Some(kind))?;
        self.refuse_if_reviewed(kind).await?;
        self.check_probe_budget(kind).await?;
        // Existence inside the scope first, so that an out-of-scope id is
        // "not found" rather than a validation report about it.
        let previous = self
            .app
            .store()
            .get(kind, id, scope)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        self.check_applicant_may_change(&previous)?;
        let (fields, owner) = self.prepare(kind, raw, Some(&previous), scope).await?;
        let meta = self.meta();
        let rec = match self
            .app
            .store()
            .update(id, expected_version, &fields, owner, scope, &meta)
            .await
        {
            Ok(rec) => rec,
            Err(e) => return Err(self.write_refused(kind, &fields, e).await),
        };
        self.app.follow_up(kind, &[rec.id], &meta).await;
        Ok(rec)
    }

    /// The answer to a refused create or update. A unique value held only
    /// by a record outside the actor's read scope is a probe
    /// ([`crate::probes`]): audited, and answered with nothing of that
    /// record — for a personal field, that the person is registered
    /// elsewhere.
    pub(crate) async fn write_refused(&self, kind: Kind, fields: &Fields, e: kean_store::StoreError) -> AppError {
        let kean_store::StoreError::Duplicate { field } = &e else {
            return AppError::from_store_for(kind, e);
        };
        let Some(f) = kind.field(field).filter(|f| f.unique) else {
            return AppError::from_store_for(kind, e);
        };
        let scope = match self.probing_scope(kind) {
            Ok(Some(scope)) => scope,
            Ok(None) => return AppError::from_store_for(kind, e),
            Err(denied) => return denied,
        };
        let value = fields.get(f.name);
        let taken = match self
            .app
            .store()
            .existing_values(kind, f.name, std::slice::from_ref(value), scope)
            .await
        {
            Ok(taken) => taken,
            Err(err) => return AppError::from_store(err),
        };
        let text = value.to_input();
        if !taken.hidden.contains(&text) {
            return AppError::from_store_for(kind, e);
        }
        if let Err(err) = self.record_probes(kind, f.name, std::slice::from_ref(&text)).await {
            return err;
        }
        if f.personal {
            let (zh, en) = crate::import::person_registered_elsewhere(f);
            AppError::field(ErrorCode::Conflict, FieldError::new(f.name, zh, en))
        } else {
            AppError::from_store_for(kind, e)
        }
    }

    pub async fn set_archived(&self, kind: Kind, id: i64, archived: bool) -> Result<Record> {
        let scope = self.gate(Action::Archive, Some(kind))?;
        self.refuse_if_reviewed(kind).await?;
        let meta = self.meta();
        let rec = self
            .app
            .store()
            .set_archived(kind, id, archived, scope, &meta)
            .await
            .map_err(AppError::from_store)?;
        // Restored: screened again; archived: its open results lapse.
        self.app.follow_up(kind, &[rec.id], &meta).await;
        Ok(rec)
    }

    // ---------------- users ----------------

    pub async fn users(&self) -> Result<Vec<User>> {
        self.gate(Action::ReadUsers, None)?;
        self.app.store().list_users().await.map_err(AppError::from_store)
    }

    pub async fn create_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        org_id: Option<i64>,
        password: &str,
    ) -> Result<User> {
        self.create_account(username, display_name, role, org_id, password, false)
            .await
    }

    /// The demo's accounts (kean-demo): their passwords are published in the
    /// README, so they are exempt from the password policy and never expire.
    /// Only the operator's system access may make them.
    pub async fn create_demo_user(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        org_id: Option<i64>,
        password: &str,
    ) -> Result<User> {
        if self.session.is_some() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "演示账号只能由系统创建",
                "demo accounts are made by the system only",
            ));
        }
        self.create_account(username, display_name, role, org_id, password, true)
            .await
    }

    async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        org_id: Option<i64>,
        password: &str,
        demo: bool,
    ) -> Result<User> {
        self.gate(Action::ManageUsers, None)?;
        self.require_fresh_auth()?;
        // The three administrators are made at the machine (`kean user
        // create`) or given their role by the security administrator; the
        // system administrator creates business accounts only.
        if role.is_one_of_three() && !self.actor.is_system() {
            return Err(AppError::field(
                ErrorCode::ValidationFailed,
                FieldError::new(
                    "role",
                    format!(
                        "角色：{}由安全保密管理员指定，或在服务器上用 kean user create 创建（三员分立）",
                        role.label(true)
                    ),
                    format!(
                        "role: a {} is appointed by the security administrator or created at the machine with `kean user create` (separation of duties)",
                        role.label(false)
                    ),
                ),
            ));
        }
        let mut errors = Vec::new();
        let username = username.trim();
        let ok_name = (3..=32).contains(&username.len())
            && username
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !ok_name {
            errors.push(FieldError::new(
                "username",
                "用户名：3–32位，仅限小写字母、数字和 . _ -",
                "username: 3–32 characters of a–z, 0–9, '.', '_' or '-'",
            ));
        }
        let display_name = display_name.trim();
        if display_name.is_empty()
            || display_name.chars().count() > 50
            || kean_core::record::check_text("display_name", display_name, 50, false).is_err()
        {
            errors.push(FieldError::new(
                "display_name",
                "姓名：必填，最多50个字符，不含控制字符",
                "display name: required, at most 50 characters, no control characters",
            ));
        }
        if demo {
            if password.chars().count() < 8 {
                errors.push(FieldError::new(
                    "password",
                    "密码：至少8位",
                    "password: at least 8 characters",
                ));
            }
        } else if let Err(e) = check_password_policy(password, username) {
            errors.push(e);
        }
        if let Some(e) = self.organization_problem(role, org_id).await? {
            errors.push(e);
        }
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
        let password_hash = hash_password(password.to_string()).await?;
        let new = NewUser {
            username: username.to_string(),
            display_name: display_name.to_string(),
            role,
            org_id,
            password_hash,
            password_never_expires: demo,
            password_must_change: !demo && !self.actor.is_system(),
        };
        self.app
            .store()
            .create_user(&new, &self.meta())
            .await
            .map_err(|e| match e {
                kean_store::StoreError::Duplicate { .. } => AppError::field(
                    ErrorCode::Conflict,
                    FieldError::new("username", "用户名：该用户名已存在", "username: already taken"),
                ),
                other => AppError::from_store(other),
            })
    }

    /// What is wrong with linking an account of `role` to `org_id`, if
    /// anything: liaisons and researchers need an organization that
    /// exists; bureau roles have none (a reviewer may name its affiliation).
    async fn organization_problem(&self, role: Role, org_id: Option<i64>) -> Result<Option<FieldError>> {
        Ok(match (role.needs_organization(), org_id) {
            (true, None) => Some(FieldError::new(
                "org_id",
                "所属单位：单位联络员和科研人员必须关联单位",
                "organization: required for liaisons and researchers",
            )),
            (false, Some(_)) if !role.may_name_organization() => Some(FieldError::new(
                "org_id",
                "所属单位：局内角色（审核人员除外）不关联单位",
                "organization: bureau roles (but reviewers) are not linked to an organization",
            )),
            (_, Some(id)) => {
                // The directory of organizations is public: read as kean.
                let scope = self
                    .app
                    .system_access("accounts")
                    .gate(Action::Read, Some(Kind::Organization))?;
                let exists = self
                    .app
                    .store()
                    .owner_of(Kind::Organization, id, scope)
                    .await
                    .map_err(AppError::from_store)?
                    .is_some();
                (!exists).then(|| {
                    FieldError::new(
                        "org_id",
                        format!("所属单位：编号{id}的单位不存在"),
                        format!("organization: #{id} does not exist"),
                    )
                })
            }
            (false, None) => None,
        })
    }

    /// The account an administrator acts on (not found: "用户不存在").
    pub(crate) async fn account(&self, user_id: i64) -> Result<User> {
        self.app
            .store()
            .user_by_id(user_id)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(|| AppError::new(ErrorCode::NotFound, "用户不存在", "no such user"))
    }

    /// Moves an account to another organization, or out of one (audited
    /// `set_organization`, with the one before): the account manager's act,
    /// never on one's own account. What the account reads follows at its
    /// next request.
    pub async fn set_organization(&self, user_id: i64, org_id: Option<i64>) -> Result<User> {
        self.gate(Action::ManageUsers, None)?;
        self.require_fresh_auth()?;
        if user_id == self.actor.user_id() {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "不能变更自己的所属单位",
                "you cannot change your own organization",
            ));
        }
        let user = self.account(user_id).await?;
        if let Some(e) = self.organization_problem(user.role, org_id).await? {
            return Err(AppError::validation(vec![e]));
        }
        if user.org_id == org_id {
            return Ok(user);
        }
        self.app
            .store()
            .change_user(user_id, &kean_store::UserChange::Organization(org_id), &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Unlocks, disables/enables an account or sets a new password.
    pub async fn change_user(&self, user_id: i64, change: UserAction) -> Result<User> {
        self.gate(Action::ManageUsers, None)?;
        self.require_fresh_auth()?;
        let change = match change {
            UserAction::Unlock => kean_store::UserChange::Unlock,
            UserAction::SetDisabled(true) if user_id == self.actor.user_id() => {
                return Err(AppError::new(
                    ErrorCode::Forbidden,
                    "不能停用自己的账号",
                    "you cannot disable your own account",
                ));
            }
            UserAction::SetDisabled(d) => kean_store::UserChange::SetDisabled(d),
            UserAction::Password(pw) => {
                let target = self.account(user_id).await?;
                check_password_policy(&pw, &target.username).map_err(|e| AppError::validation(vec![e]))?;
                // A password an administrator gives is the holder's to replace
                // at the next login; one set at the machine is not.
                kean_store::UserChange::Password {
                    hash: hash_password(pw).await?,
                    must_change: !self.actor.is_system(),
                }
            }
            UserAction::ResetSecondFactor => kean_store::UserChange::ResetSecondFactor,
        };
        let unlock = matches!(
            change,
            kean_store::UserChange::Unlock | kean_store::UserChange::Password { .. }
        );
        let user = self
            .app
            .store()
            .change_user(user_id, &change, &self.meta())
            .await
            .map_err(|e| match e {
                kean_store::StoreError::NotFound => AppError::new(ErrorCode::NotFound, "用户不存在", "no such user"),
                other => AppError::from_store(other),
            })?;
        if unlock {
            self.app.forget_login_failures(&user.username);
        }
        Ok(user)
    }

    /// Finds a user by name (for the command line).
    pub async fn user_named(&self, username: &str) -> Result<User> {
        self.gate(Action::ReadUsers, None)?;
        match self
            .app
            .store()
            .user_by_username(username)
            .await
            .map_err(AppError::from_store)?
        {
            Some((u, _)) => Ok(u),
            None => Err(AppError::new(
                ErrorCode::NotFound,
                format!("用户“{username}”不存在"),
                format!("no user '{username}'"),
            )),
        }
    }

    /// The records of a filtered list for an export, at most
    /// [`EXPORT_ROW_CAP`], read through the same gate as the list (scope,
    /// masking) and audited as leaving kean: the audit record names the
    /// format, the number of rows and the filter. Formatting the rows (CSV,
    /// XLSX, in the user's language) is the caller's.
    pub async fn export(&self, kind: Kind, query: &ListQuery, format: &str, filter: &str) -> Result<Export> {
        // Every page is read through `list`, which asks the gate.
        let mut q = query.clone();
        q.page = 1;
        q.page_size = 500;
        q.after = None;
        let mut records = Vec::new();
        let mut labels = HashMap::new();
        let truncated = loop {
            let listing = self.list(kind, &q).await?;
            let full = listing.page.items.len() == q.page_size as usize;
            records.extend(listing.page.items);
            labels.extend(listing.labels);
            if records.len() >= EXPORT_ROW_CAP {
                records.truncate(EXPORT_ROW_CAP);
                break full;
            }
            if !full {
                break false;
            }
            q.page += 1;
        };
        self.check_important_data_export(kind, &records).await?;
        self.append_export_audit(kind.slug(), format, records.len(), filter)
            .await?;
        Ok(Export {
            records,
            labels,
            truncated,
        })
    }

    /// Appends the audit record of data leaving kean (an export).
    pub(crate) async fn append_export_audit(
        &self,
        target: &str,
        format: &str,
        rows: usize,
        filter: &str,
    ) -> Result<()> {
        let after = serde_json::json!({ "format": format, "rows": rows, "filter": filter });
        self.app
            .store()
            .append_audit(self.event("export", target, after))
            .await
            .map_err(AppError::from_store)?;
        Ok(())
    }

    // ---------------- audit ----------------

    /// A page of the audit log, newest first, as the actor may see it
    /// (unrecorded: the pages and the API search through
    /// [`Access::audit_search`], which records the search).
    pub async fn audit_page(&self, page: u32, page_size: u32) -> Result<Page<AuditEntry>> {
        self.audit_search_unrecorded(&kean_store::AuditFilter::default(), page, page_size)
            .await
    }

    /// Audit records as the actor may see them, in today's names: records
    /// written before a rename read with the current target
    /// ([`AuditEntry::in_current_names`]), which is also what
    /// `disclose_audit` needs to know a record's kind; values of records the
    /// actor may not read withheld, personal values masked.
    pub(crate) async fn disclose_audit_entries(&self, entries: Vec<AuditEntry>) -> Result<Vec<AuditEntry>> {
        let items: Vec<AuditEntry> = entries.into_iter().map(AuditEntry::in_current_names).collect();
        let withheld = self.withheld_in_audit(&items).await?;
        Ok(items.into_iter().map(|e| self.disclose_audit(e, &withheld)).collect())
    }

    /// Which records named by `entries` the actor may not read for their
    /// classification: their events show that something happened, not the
    /// values before and after.
    async fn withheld_in_audit(&self, entries: &[AuditEntry]) -> Result<std::collections::HashSet<(Kind, i64)>> {
        let mut wanted: BTreeMap<Kind, Vec<i64>> = BTreeMap::new();
        for e in entries {
            if let (Some(kind), Some(id)) = (Kind::from_slug(&e.draft.target), e.draft.record_id)
                && kind.classified()
            {
                wanted.entry(kind).or_default().push(id);
            }
        }
        let mut asked = Vec::new();
        for (kind, mut ids) in wanted {
            ids.sort_unstable();
            ids.dedup();
            // The audit reader's own scope: all organizations, and the
            // classification rule with the reader's clearance and lists.
            asked.push((kind, ids, self.gate(Action::ReadAudit, Some(kind))?));
        }
        if asked.is_empty() {
            return Ok(Default::default());
        }
        let labels = self.app.store().labels(&asked).await.map_err(AppError::from_store)?;
        Ok(asked
            .iter()
            .flat_map(|(k, ids, _)| ids.iter().map(move |id| (*k, *id)))
            // Named as withheld, or not found at all inside the scope.
            .filter(|key| labels.get(key).is_none_or(|l| l == WITHHELD_LABEL))
            .collect())
    }

    /// One audit record by its sequence number, read like `audit_page`'s
    /// (its hash is the stored one), if the actor reaches it.
    pub async fn audit_entry(&self, seq: i64) -> Result<Option<AuditEntry>> {
        let scope = self.gate(Action::ReadAudit, None)?;
        let filter = kean_store::AuditFilter {
            before_seq: Some(seq.saturating_add(1)),
            ..Default::default()
        };
        let found = self
            .app
            .store()
            .audit_find(&filter, scope, 1)
            .await
            .map_err(AppError::from_store)?;
        let found: Vec<AuditEntry> = found.into_iter().filter(|e| e.seq == seq).collect();
        Ok(self.disclose_audit_entries(found).await?.pop())
    }

    /// Walks the whole audit log (chain, checkpoints, archived segments'
    /// anchors) and compares its end with the chain head
    /// ([`Access::verify_audit_report`]). Returns the last verified
    /// record's sequence number and hash, or what is wrong.
    pub async fn verify_audit(&self) -> Result<std::result::Result<(i64, String), AuditBreak>> {
        Ok(self.verify_audit_report().await?.map(|r| (r.last_seq, r.last_hash)))
    }
}

/// Why the audit chain does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditBreak {
    /// The first fault of the walk: a record that does not follow from the
    /// one before (changed, inserted or missing in the middle), a forged
    /// checkpoint or one naming another hash, an archived segment's anchor.
    Broken(kean_core::audit_seal::Break),
    /// The log ends at `last`, but the chain head names record `head`:
    /// records were removed from the end.
    Truncated { last: i64, head: i64 },
    /// The record the chain head names has another hash than the head.
    HeadMismatch { seq: i64 },
}

impl std::fmt::Display for AuditBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditBreak::Broken(b) => write!(f, "{b}"),
            AuditBreak::Truncated { last, head } => write!(
                f,
                "audit log truncated: records after {last} are missing, the chain head names record {head}"
            ),
            AuditBreak::HeadMismatch { seq } => write!(
                f,
                "audit chain does not match its chain head: record {seq} has another hash than the head"
            ),
        }
    }
}

/// What the gate knows of a record a value refers to, read inside the
/// actor's read scope of its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RefTarget {
    pub owner: Option<i64>,
    pub archived: bool,
}

/// Why [`decide_references`] refuses a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// References that do not exist (or are not visible) or are archived,
    /// each named at its field.
    Invalid(Vec<FieldError>),
    /// The record would belong to an organization outside the write scope;
    /// the field that decides its owner.
    OutsideScope(&'static str),
}

/// The one decision on a record's references and owning organization, for
/// create, update and import alike. Every reference must name a record the
/// actor can read (`target` answers from the actor's read scope); a *new*
/// reference to an archived record is refused, one the record already had
/// (`previous`) is kept. The owner follows the kind's owner rule (an
/// organization is its own owner; `Via` takes the referenced record's
/// owner) and must lie inside `write_scope`.
pub(crate) fn decide_references(
    fields: &Fields,
    previous: Option<&Record>,
    write_scope: Scope,
    target: impl Fn(Kind, i64) -> Option<RefTarget>,
) -> std::result::Result<Option<i64>, Refusal> {
    let kind = fields.kind();
    let mut errors = Vec::new();
    let mut owners: HashMap<&str, Option<i64>> = HashMap::new();
    for (f, v) in fields.iter() {
        let (FieldType::Ref(k), Some(id)) = (f.ty, v.as_ref_id()) else {
            continue;
        };
        match target(k, id) {
            Some(t) if t.archived && previous.is_none_or(|p| p.fields.get(f.name) != v) => {
                errors.push(FieldError::new(
                    f.name,
                    format!("{}：所选{}（编号{}）已归档，不能再引用", f.zh, k.label(true), id),
                    format!(
                        "{}: {} #{} is archived and cannot be referenced",
                        f.en,
                        k.label(false),
                        id
                    ),
                ))
            }
            Some(t) => {
                owners.insert(f.name, t.owner);
            }
            None => errors.push(FieldError::new(
                f.name,
                format!("{}：所选{}（编号{}）不存在或无权访问", f.zh, k.label(true), id),
                format!(
                    "{}: {} #{} does not exist or is not accessible",
                    f.en,
                    k.label(false),
                    id
                ),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors));
    }
    let (owner, field) = match kind.owner() {
        Owner::None => return Ok(None),
        Owner::SelfId => (previous.map(|p| p.id), None),
        Owner::Field(name) => (fields.get(name).as_ref_id(), Some(name)),
        Owner::Via(name, _) => (owners.get(name).copied().flatten(), Some(name)),
    };
    match field {
        Some(field) if !write_scope.permits_owner(owner) => Err(Refusal::OutsideScope(field)),
        _ => Ok(owner),
    }
}

/// Whether reading `rec` is audited: a record classified 秘密 or above, or
/// important or core data (item 7 of issue 12).
fn audited_read(kind: Kind, rec: &Record) -> bool {
    rec.fields.classification().is_classified() || kean_core::attachment::is_important_data(kind, &rec.fields)
}
