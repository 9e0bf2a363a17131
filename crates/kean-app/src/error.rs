use kean_core::policy::Denied;
use kean_core::{ErrorCode, FieldError};
use kean_store::StoreError;

/// An error as users and API clients see it: a stable code, a message in
/// both languages, the offending fields, and (never shown) an internal
/// detail for the log.
#[derive(Debug, Clone)]
pub struct AppError {
    pub code: ErrorCode,
    pub message_zh: String,
    pub message_en: String,
    pub fields: Vec<FieldError>,
    pub detail: Option<String>,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message_en)?;
        for fe in self.fields.iter().filter(|fe| fe.message_en != self.message_en) {
            write!(f, "; {}", fe.message_en)?;
        }
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl AppError {
    pub fn new(code: ErrorCode, zh: impl Into<String>, en: impl Into<String>) -> AppError {
        AppError {
            code,
            message_zh: zh.into(),
            message_en: en.into(),
            fields: vec![],
            detail: None,
        }
    }

    pub fn validation(fields: Vec<FieldError>) -> AppError {
        AppError {
            fields,
            ..AppError::new(
                ErrorCode::ValidationFailed,
                "提交的内容有误，请按提示修改",
                "some fields are invalid",
            )
        }
    }

    pub fn field(code: ErrorCode, field: FieldError) -> AppError {
        AppError {
            message_zh: field.message_zh.clone(),
            message_en: field.message_en.clone(),
            fields: vec![field],
            ..AppError::new(code, "", "")
        }
    }

    pub fn not_found() -> AppError {
        AppError::new(
            ErrorCode::NotFound,
            "记录不存在或无权访问",
            "record not found or not accessible",
        )
    }

    pub fn denied(d: Denied) -> AppError {
        AppError::new(
            ErrorCode::Forbidden,
            format!("无权操作：{}", d.reason_zh),
            format!("forbidden: {}", d.reason_en),
        )
    }

    pub fn internal(detail: impl Into<String>) -> AppError {
        AppError {
            detail: Some(detail.into()),
            ..AppError::new(ErrorCode::Internal, "系统内部错误，请联系管理员", "internal error")
        }
    }

    /// Like [`AppError::from_store`], naming the clashing field by its label.
    pub fn from_store_for(kind: kean_core::Kind, e: StoreError) -> AppError {
        match e {
            // A combination (a revenue report's organization and year):
            // every field of it is named.
            StoreError::Duplicate { field }
                if let Some(combo) = kind.unique_together().iter().find(|c| c.contains(&field.as_str())) =>
            {
                let label = |zh: bool| {
                    combo
                        .iter()
                        .map(|n| kind.field(n).map_or(*n, |f| if zh { f.zh } else { f.en }))
                        .collect::<Vec<_>>()
                        .join(if zh { "和" } else { " and " })
                };
                let (zh, en) = (
                    format!("{}：已有相同的记录", label(true)),
                    format!("{}: another record has the same", label(false)),
                );
                AppError {
                    fields: combo
                        .iter()
                        .map(|n| FieldError::new(n, zh.clone(), en.clone()))
                        .collect(),
                    ..AppError::new(ErrorCode::Conflict, zh.clone(), en.clone())
                }
            }
            StoreError::Duplicate { field } => {
                let (zh, en) = kind
                    .field(&field)
                    .map(|f| (f.zh, f.en))
                    .unwrap_or((field.as_str(), field.as_str()));
                let (zh, en) = (zh.to_string(), en.to_string());
                AppError::field(
                    ErrorCode::Conflict,
                    FieldError::new(
                        &field,
                        format!("{zh}：该值已被其他记录使用"),
                        format!("{en}: this value is already used by another record"),
                    ),
                )
            }
            other => AppError::from_store(other),
        }
    }

    pub fn from_store(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Duplicate { field } => AppError::field(
                ErrorCode::Conflict,
                FieldError::new(
                    &field,
                    "该值已被其他记录使用",
                    "this value is already used by another record",
                ),
            ),
            StoreError::VersionMismatch { .. } => AppError::new(
                ErrorCode::Conflict,
                "该记录已被他人修改，请刷新后重新编辑",
                "the record was changed by someone else; reload and edit again",
            ),
            StoreError::NoChange => AppError::new(
                ErrorCode::Conflict,
                "文件中的条目与当前版本完全相同，未产生新版本",
                "the file holds exactly the entries of the current version; no new version was made",
            ),
            StoreError::Refused { zh, en } => AppError::new(ErrorCode::Conflict, zh, en),
            StoreError::Stale => AppError::new(
                ErrorCode::Conflict,
                "限制名单在筛查期间发生了变化，请重试",
                "the restricted lists changed during the screening; try again",
            ),
            StoreError::QuotaExceeded { all_users, limit } => {
                let mb = limit / (1024 * 1024);
                if all_users {
                    AppError::new(
                        ErrorCode::QuotaExceeded,
                        format!("待确认的上传文件总量已达上限（{mb} MB），请稍后再试或联系管理员"),
                        format!(
                            "the staged uploads of all users have reached their limit ({mb} MB); try again later or ask an administrator"
                        ),
                    )
                } else {
                    AppError::new(
                        ErrorCode::QuotaExceeded,
                        format!(
                            "您待确认的上传文件已达上限（{mb} MB）：请先确认或放弃其他导入，24 小时后未确认的文件会自动删除"
                        ),
                        format!(
                            "your staged uploads have reached their limit ({mb} MB): confirm or abandon other imports first; unconfirmed uploads are deleted after 24 hours"
                        ),
                    )
                }
            }
            StoreError::Database {
                kind: kean_store::DbFailure::InvalidText,
                detail,
            } => AppError {
                detail: Some(detail),
                ..AppError::new(
                    ErrorCode::ValidationFailed,
                    "提交的文字含有无法保存的字符（如控制字符）",
                    "the text holds a character that cannot be stored (a control character)",
                )
            },
            StoreError::Database { detail, .. } => AppError::internal(detail),
        }
    }
}
