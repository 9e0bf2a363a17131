//! Passwords and random secrets: the password policy, argon2id hashing
//! and verification (off the async threads), and the random tokens of
//! sessions and uploads. Below both the login (`auth`) and the gate's
//! account management (`access`).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use kean_core::FieldError;

use crate::{AppError, Result};

/// 32 random bytes, hex.
pub fn random_token() -> Result<String> {
    let mut buf = [0u8; 32];
    getrandom::fill(&mut buf).map_err(|e| AppError::internal(format!("random source failed: {e}")))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks a new password: at least 8 characters, with letters and digits.
pub(crate) fn check_password_policy(pw: &str) -> std::result::Result<(), FieldError> {
    let n = pw.chars().count();
    if !(8..=128).contains(&n) || !pw.chars().any(|c| c.is_alphabetic()) || !pw.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldError::new(
            "password",
            "密码：至少8位，且须同时包含字母和数字",
            "password: at least 8 characters, with both letters and digits",
        ));
    }
    Ok(())
}

pub(crate) async fn hash_password(pw: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| AppError::internal(format!("hashing task: {e}")))?
}

pub(crate) async fn verify_password(pw: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&hash) {
        Ok(parsed) => Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    })
    .await
    .unwrap_or(false)
}

/// A hash of no one's password, verified against when the username is
/// unknown so that both cases take the same time.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

pub(crate) async fn dummy_hash() -> String {
    if let Some(h) = DUMMY_HASH.get() {
        return h.clone();
    }
    let h = hash_password(random_token().unwrap_or_default())
        .await
        .unwrap_or_default();
    DUMMY_HASH.get_or_init(|| h).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(check_password_policy("short1").is_err());
        assert!(check_password_policy("onlyletters").is_err());
        assert!(check_password_policy("12345678").is_err());
        assert!(check_password_policy("Kean2025demo").is_ok());
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash_password("Kean2025demo".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Kean2025demo".into(), h.clone()).await);
        assert!(!verify_password("Kean2025dem0".into(), h).await);
        assert!(PasswordHash::new(&dummy_hash().await).is_ok());
    }
}
