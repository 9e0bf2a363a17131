//! The one table of error codes. Codes are stable: API clients match on
//! them, so a code is never renamed or reused.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// One or more fields are invalid; `fields` names them.
    ValidationFailed,
    /// Not logged in, or the session / token expired.
    Unauthenticated,
    /// Logged in, but the role or organization scope does not allow this.
    Forbidden,
    /// The record does not exist or is outside the caller's scope.
    NotFound,
    /// A unique value is taken, or the record changed since it was read.
    Conflict,
    /// Too many failed logins; the account is locked for a while.
    AccountLocked,
    /// The form's CSRF token is missing or wrong.
    CsrfRejected,
    /// The request body or query string could not be parsed at all.
    BadRequest,
    /// Something failed inside kean; details are in the server log.
    Internal,
    /// The request body is larger than kean accepts.
    PayloadTooLarge,
    /// The user's staged uploads (or all users' together) would exceed
    /// their quota: confirm or abandon earlier ones, or wait until they lapse.
    QuotaExceeded,
    /// Too many failed logins for this account or from this address: wait
    /// the time the message names.
    TooManyAttempts,
    /// A sensitive act needs a recent authentication: give the password
    /// (and the second factor) again (`/account/reauth`, `POST /api/v1/auth/reauth`).
    ReauthenticationRequired,
    /// The account's second factor is missing or wrong, or the account must
    /// enrol one before it may do anything.
    SecondFactorRequired,
    /// The password has expired: it must be changed before anything else.
    PasswordExpired,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::ValidationFailed,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::AccountLocked,
        ErrorCode::CsrfRejected,
        ErrorCode::BadRequest,
        ErrorCode::Internal,
        ErrorCode::PayloadTooLarge,
        ErrorCode::QuotaExceeded,
        ErrorCode::TooManyAttempts,
        ErrorCode::ReauthenticationRequired,
        ErrorCode::SecondFactorRequired,
        ErrorCode::PasswordExpired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::AccountLocked => "account_locked",
            ErrorCode::CsrfRejected => "csrf_rejected",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Internal => "internal",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::ReauthenticationRequired => "reauthentication_required",
            ErrorCode::SecondFactorRequired => "second_factor_required",
            ErrorCode::PasswordExpired => "password_expired",
        }
    }

    /// The HTTP status the web layer answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::ValidationFailed => 422,
            ErrorCode::Unauthenticated => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::AccountLocked => 423,
            ErrorCode::CsrfRejected => 403,
            ErrorCode::BadRequest => 400,
            ErrorCode::Internal => 500,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::QuotaExceeded => 413,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::ReauthenticationRequired => 403,
            ErrorCode::SecondFactorRequired => 401,
            ErrorCode::PasswordExpired => 403,
        }
    }
}

/// A problem with one named field, in both interface languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message_zh: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }
}
