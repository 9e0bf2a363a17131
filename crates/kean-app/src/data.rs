//! Attachments of records and research data's export approvals (issue 12),
//! through the gate: who may attach, list, download or remove a file is the
//! policy's answer for the record it belongs to, narrowed by the file's own
//! classification; every change and every download is audited.

use chrono::Duration;
use kean_core::attachment::{DATA_EXPORT_VALID_DAYS, check_file, is_important_data};
use kean_core::audit::sm3_hex;
use kean_core::confidentiality::Classification;
use kean_core::policy::Action;
use kean_core::{ErrorCode, FieldError, Kind, Record, Scope};
use kean_store::{Attachment, DataExport, NewAttachment};

use crate::{Access, AppError, Result};

/// A file as the user sent it.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub content: Vec<u8>,
    /// The attachment's 密级 code; empty: the record's.
    pub classification: &'a str,
    pub note: &'a str,
}

/// A pending or decided export request with the name and grade of its
/// dataset (the control record the approver reads).
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub request: DataExport,
    pub dataset_name: String,
    pub data_grade: String,
    pub classification: Classification,
}

fn invalid(field: &str, zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::field(ErrorCode::ValidationFailed, FieldError::new(field, zh, en))
}

impl Access {
    /// The record `id` of `kind` if the actor may do `action` on it and read
    /// it, with the scope that granted it.
    async fn record_for(&self, action: Action, kind: Kind, id: i64) -> Result<(Record, Scope)> {
        let scope = self.gate(action, Some(kind))?;
        let read = self.gate(Action::Read, Some(kind))?;
        let store = self.app.store();
        let rec = store
            .get(kind, id, read)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        // The action's own scope must reach it too (a liaison writes only
        // its organization's records).
        if !scope.permits_owner(rec.owner_org_id) {
            return Err(AppError::not_found());
        }
        Ok((rec, read))
    }

    /// Whether the actor may read a file at `level` attached to a record
    /// it reads: its clearance reaches the level, and above 内部 it is on
    /// the record's need-to-know list.
    async fn reads_level(&self, scope: Scope, kind: Kind, id: i64, level: Classification) -> Result<bool> {
        let on_list = level.is_classified() && self.on_need_to_know(kind, id).await?;
        Ok(scope.permits_level(level, on_list))
    }

    /// Whether the actor is on the record's need-to-know list.
    async fn on_need_to_know(&self, kind: Kind, id: i64) -> Result<bool> {
        let uid = self.actor().user_id();
        Ok(self
            .app
            .store()
            .need_to_know(kind, id)
            .await
            .map_err(AppError::from_store)?
            .iter()
            .any(|n| n.user_id == uid))
    }

    /// The files attached to a record the actor reads, those of a level it
    /// may not read left out (not even counted).
    pub async fn attachments(&self, kind: Kind, id: i64) -> Result<Vec<Attachment>> {
        let (_, scope) = self.record_for(Action::Read, kind, id).await?;
        let all = self
            .app
            .store()
            .attachments(kind, id)
            .await
            .map_err(AppError::from_store)?;
        // The list is read once, and only if a file is classified.
        let on_list = all.iter().any(|a| a.classification.is_classified()) && self.on_need_to_know(kind, id).await?;
        Ok(all
            .into_iter()
            .filter(|a| scope.permits_level(a.classification, on_list))
            .collect())
    }

    /// Attaches a file to a record the actor may change. The file's level
    /// is at least the record's and within the deployment's ceiling; its
    /// type is read from its content. Audited (`attachment_add`).
    pub async fn add_attachment(&self, kind: Kind, id: i64, upload: Upload<'_>) -> Result<Attachment> {
        let (rec, scope) = self.record_for(Action::Update, kind, id).await?;
        let ty = check_file(upload.file_name, &upload.content).map_err(|r| {
            invalid(
                "file",
                format!("附件：{}", r.message(true)),
                format!("file: {}", r.message(false)),
            )
        })?;
        let record_level = rec.fields.classification();
        let level = match upload.classification.trim() {
            "" => record_level,
            code => Classification::parse(code).ok_or_else(|| {
                invalid(
                    "classification",
                    format!("附件密级：“{code}”不是密级"),
                    format!("attachment classification: '{code}' is not a level"),
                )
            })?,
        };
        if level < record_level {
            return Err(invalid(
                "classification",
                format!("附件密级：不能低于所属记录的密级（{}）", record_level.label(true)),
                format!(
                    "attachment classification: not below the record's ({})",
                    record_level.label(false)
                ),
            ));
        }
        if !kind.classified() && level.is_classified() {
            return Err(invalid(
                "classification",
                format!("附件密级：{}的附件最高为内部", kind.label(true)),
                format!(
                    "attachment classification: files of {} are at most internal",
                    kind.label(false)
                ),
            ));
        }
        let ceiling = self.app.ceiling().await?;
        if !ceiling.holds_content(level) {
            return Err(invalid(
                "classification",
                format!(
                    "附件密级：本系统定密上限为{}，{}级附件不能上传，请在涉密信息系统中处理",
                    ceiling.level().label(true),
                    level.label(true)
                ),
                format!(
                    "attachment classification: this system holds content up to {} only; handle {} files on a classified system",
                    ceiling.level().label(false),
                    level.label(false)
                ),
            ));
        }
        if !self.reads_level(scope, kind, id, level).await? {
            return Err(invalid(
                "classification",
                "附件密级：高于您的涉密等级或您不在知悉范围内",
                "attachment classification: above your clearance, or you are not on the record's need-to-know list",
            ));
        }
        let note = upload.note.trim();
        if note.chars().count() > 200 || note.chars().any(char::is_control) {
            return Err(invalid("note", "说明：最多200个字符", "note: at most 200 characters"));
        }
        let file = NewAttachment {
            kind,
            record_id: id,
            file_name: upload.file_name.trim().to_string(),
            media_type: ty.media_type.to_string(),
            classification: level,
            note: (!note.is_empty()).then(|| note.to_string()),
            hash: sm3_hex(&upload.content),
            content: upload.content,
        };
        self.app
            .store()
            .add_attachment(&file, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// An attachment's content for download. Refused (and the refusal
    /// audited) when the actor may not read its record or its level, when
    /// its level is above the ceiling, or — for important and core data —
    /// without an approved export request of the actor's in force. Every
    /// download is audited (`attachment_download`).
    pub async fn download_attachment(&self, attachment_id: i64) -> Result<(Attachment, Vec<u8>)> {
        let store = self.app.store();
        let att = store
            .attachment(attachment_id)
            .await
            .map_err(AppError::from_store)?
            .filter(|a| a.removed_at.is_none())
            .ok_or_else(AppError::not_found)?;
        let (rec, scope) = match self.record_for(Action::Read, att.kind, att.record_id).await {
            Ok(found) => found,
            Err(e) => {
                if e.code == ErrorCode::NotFound {
                    self.append_download_event(&att, false, Some("record")).await?;
                }
                return Err(e);
            }
        };
        if !self
            .reads_level(scope, att.kind, att.record_id, att.classification)
            .await?
        {
            self.append_download_event(&att, false, Some("level")).await?;
            return Err(AppError::not_found());
        }
        let ceiling = self.app.ceiling().await?;
        if !ceiling.holds_content(att.classification) {
            self.append_download_event(&att, false, Some("ceiling")).await?;
            return Err(AppError::new(
                ErrorCode::Forbidden,
                format!(
                    "本系统定密上限为{}，不提供{}级附件",
                    ceiling.level().label(true),
                    att.classification.label(true)
                ),
                format!(
                    "this system holds content up to {} only; {} files are not served",
                    ceiling.level().label(false),
                    att.classification.label(false)
                ),
            ));
        }
        if is_important_data(att.kind, &rec.fields) && !self.exports_in_force().await?.contains(&att.record_id) {
            self.append_download_event(&att, false, Some("no_export_approval"))
                .await?;
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "该数据集为重要数据或核心数据：下载前须提交数据导出申请，经安全保密管理员批准",
                "this dataset is important or core data: request its export and have the security administrator approve it before downloading",
            ));
        }
        let content = store
            .attachment_content(attachment_id)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        self.append_download_event(&att, true, None).await?;
        Ok((att, content))
    }

    async fn append_download_event(&self, att: &Attachment, allowed: bool, reason: Option<&str>) -> Result<()> {
        if self.actor().is_system() {
            return Ok(());
        }
        let mut d = self.event(
            if allowed {
                "attachment_download"
            } else {
                "attachment_download_refused"
            },
            att.kind.slug(),
            serde_json::json!({
                "role": self.actor().role().code(),
                "source": self.source().map(|s| s.to_string()),
                "attachment": att.id,
                "classification": att.classification.code(),
                "reason": reason,
            }),
        );
        d.record_id = Some(att.record_id);
        self.app.store().append_audit(d).await.map_err(AppError::from_store)?;
        Ok(())
    }

    /// Removes an attachment from a record the actor may change (audited
    /// `attachment_remove`; the file stays for the audit log).
    pub async fn remove_attachment(&self, attachment_id: i64) -> Result<Attachment> {
        let store = self.app.store();
        let att = store
            .attachment(attachment_id)
            .await
            .map_err(AppError::from_store)?
            .filter(|a| a.removed_at.is_none())
            .ok_or_else(AppError::not_found)?;
        let (_, scope) = self.record_for(Action::Update, att.kind, att.record_id).await?;
        if !self
            .reads_level(scope, att.kind, att.record_id, att.classification)
            .await?
        {
            return Err(AppError::not_found());
        }
        store
            .remove_attachment(attachment_id, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Refuses an export holding important or core data the actor has no
    /// approved request in force for (the refusal is audited), naming how
    /// many and one of them, and how to export the rest.
    pub(crate) async fn check_important_data_export(&self, kind: Kind, records: &[Record]) -> Result<()> {
        if self.actor().is_system() {
            return Ok(());
        }
        let important: Vec<&Record> = records.iter().filter(|r| is_important_data(kind, &r.fields)).collect();
        if important.is_empty() {
            return Ok(());
        }
        let approved = self.exports_in_force().await?;
        let missing: Vec<&&Record> = important.iter().filter(|r| !approved.contains(&r.id)).collect();
        let Some(first) = missing.first() else {
            return Ok(());
        };
        let ids: Vec<i64> = missing.iter().map(|r| r.id).collect();
        let mut d = self.event(
            "export_refused",
            kind.slug(),
            serde_json::json!({
                "role": self.actor().role().code(),
                "source": self.source().map(|s| s.to_string()),
                "reason": "no_export_approval",
                "ids": ids,
            }),
        );
        if let [id] = ids.as_slice() {
            d.record_id = Some(*id);
        }
        self.app.store().append_audit(d).await.map_err(AppError::from_store)?;
        Err(AppError::new(
            ErrorCode::Forbidden,
            format!(
                "导出内容含 {} 条重要数据或核心数据（如“{}”），须逐条提交导出申请并经安全保密管理员批准；可按数据级别筛选“一般数据”后导出",
                missing.len(),
                first.fields.label()
            ),
            format!(
                "the export holds {} records of important or core data (e.g. '{}'), each needing an export approved by the security administrator; filter by data grade 'general' to export the rest",
                missing.len(),
                first.fields.label()
            ),
        ))
    }

    /// The datasets the actor holds an approved export request in force for
    /// today.
    async fn exports_in_force(&self) -> Result<std::collections::HashSet<i64>> {
        let today = self.today().format("%Y-%m-%d").to_string();
        Ok(self
            .app
            .store()
            .data_exports(Some("approved"), Some(self.actor().user_id()))
            .await
            .map_err(AppError::from_store)?
            .into_iter()
            .filter(|r| r.valid_until.as_deref().is_some_and(|v| v >= today.as_str()))
            .map(|r| r.dataset_id)
            .collect())
    }

    /// Requests the export of a dataset's important or core data, for a
    /// purpose and a recipient (audited `data_export_requested`).
    pub async fn request_data_export(&self, dataset_id: i64, purpose: &str, recipient: &str) -> Result<DataExport> {
        let (rec, _) = self.record_for(Action::Read, Kind::Dataset, dataset_id).await?;
        if !is_important_data(Kind::Dataset, &rec.fields) {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "一般数据的导出无需审批",
                "general data needs no export approval",
            ));
        }
        let purpose = purpose.trim();
        if purpose.chars().count() < 4 || purpose.chars().count() > 500 || purpose.chars().any(char::is_control) {
            return Err(invalid(
                "purpose",
                "导出用途：必填，4–500个字符",
                "purpose: required, 4–500 characters",
            ));
        }
        let recipient = recipient.trim();
        if recipient.is_empty() || recipient.chars().count() > 200 || recipient.chars().any(char::is_control) {
            return Err(invalid(
                "recipient",
                "接收方：必填，最多200个字符",
                "recipient: required, at most 200 characters",
            ));
        }
        self.app
            .store()
            .request_data_export(dataset_id, purpose, recipient, &self.meta())
            .await
            .map_err(AppError::from_store)
    }

    /// Export requests: all of them for the security administrator, one's
    /// own for everyone else; pending ones only when asked.
    pub async fn data_exports(&self, pending_only: bool) -> Result<Vec<ExportRequest>> {
        let approver = self.may(Action::ApproveDataExport, None);
        let requests = self
            .app
            .store()
            .data_exports(
                pending_only.then_some("pending"),
                (!approver).then(|| self.actor().user_id()),
            )
            .await
            .map_err(AppError::from_store)?;
        let mut out = Vec::with_capacity(requests.len());
        for request in requests {
            out.push(self.describe_export(request).await?);
        }
        Ok(out)
    }

    /// A request with the name, grade and level of its dataset as the actor
    /// may read them (the approver: the control record; withheld otherwise).
    pub async fn describe_export(&self, request: DataExport) -> Result<ExportRequest> {
        let scope = if self.may(Action::ApproveDataExport, None) {
            self.gate(Action::ApproveDataExport, Some(Kind::Dataset))?
        } else {
            self.gate(Action::Read, Some(Kind::Dataset))?
        };
        {
            let rec = self
                .app
                .store()
                .get(Kind::Dataset, request.dataset_id, scope)
                .await
                .map_err(AppError::from_store)?;
            let text = |r: &Record, f: &str| match r.fields.get(f) {
                kean_core::Value::Text(t) => t.clone(),
                _ => String::new(),
            };
            let (dataset_name, data_grade, classification) = match &rec {
                Some(r) => (text(r, "name"), text(r, "data_grade"), r.fields.classification()),
                None => (
                    kean_core::confidentiality::WITHHELD_LABEL.to_string(),
                    String::new(),
                    Classification::Public,
                ),
            };
            Ok(ExportRequest {
                request,
                dataset_name,
                data_grade,
                classification,
            })
        }
    }

    /// Approves (usable for [`DATA_EXPORT_VALID_DAYS`] days) or rejects a
    /// pending request: the security administrator, never the requester,
    /// after authenticating again.
    pub async fn decide_data_export(&self, request_id: i64, approve: bool, note: &str) -> Result<DataExport> {
        self.check(Action::ApproveDataExport, None)?;
        self.require_fresh_auth()?;
        let store = self.app.store();
        let request = store
            .data_export(request_id)
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(AppError::not_found)?;
        kean_core::confidentiality::check_decider(request.requested_by, self.actor().user_id())
            .map_err(|r| AppError::new(ErrorCode::Forbidden, r.reason_zh, r.reason_en))?;
        if request.state != "pending" {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "该申请已审批",
                "this request was decided already",
            ));
        }
        let note = note.trim();
        if note.chars().count() > 1000 || note.chars().any(char::is_control) {
            return Err(invalid(
                "note",
                "审批意见：最多1000个字符",
                "note: at most 1000 characters",
            ));
        }
        let until = (self.today() + Duration::days(DATA_EXPORT_VALID_DAYS - 1))
            .format("%Y-%m-%d")
            .to_string();
        store
            .decide_data_export(request_id, approve, note, &until, &self.meta())
            .await
            .map_err(|e| match e {
                kean_store::StoreError::VersionMismatch { .. } => {
                    AppError::new(ErrorCode::Conflict, "该申请已审批", "this request was decided already")
                }
                other => AppError::from_store(other),
            })
    }
}
