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

/// Checks a new password (等保 2.0 level 3): 10 to 128 characters, of at
/// least three of the four classes (upper case, lower case, digits,
/// symbols), not containing the username. The refusal names every rule
/// the password breaks.
pub(crate) fn check_password_policy(pw: &str, username: &str) -> std::result::Result<(), FieldError> {
    let n = pw.chars().count();
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if n < 10 {
        zh.push(format!("至少10位（现为{n}位）"));
        en.push(format!("at least 10 characters (it has {n})"));
    }
    if n > 128 {
        zh.push(format!("最多128位（现为{n}位）"));
        en.push(format!("at most 128 characters (it has {n})"));
    }
    let classes = [
        pw.chars().any(|c| c.is_uppercase()),
        pw.chars().any(|c| c.is_lowercase()),
        pw.chars().any(|c| c.is_ascii_digit()),
        pw.chars().any(|c| !c.is_alphanumeric()),
    ];
    let have = classes.iter().filter(|c| **c).count();
    if have < 3 {
        zh.push(format!(
            "须包含大写字母、小写字母、数字、符号中的至少3类（现有{have}类）"
        ));
        en.push(format!(
            "must mix at least 3 of upper case, lower case, digits and symbols (it has {have})"
        ));
    }
    let name = username.trim().to_lowercase();
    if !name.is_empty() && pw.to_lowercase().contains(&name) {
        zh.push("不能包含用户名".to_string());
        en.push("must not contain the username".to_string());
    }
    if zh.is_empty() {
        return Ok(());
    }
    Err(FieldError::new(
        "password",
        format!("密码：{}", zh.join("；")),
        format!("password: {}", en.join("; ")),
    ))
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
        let e = check_password_policy("Short1!", "clerk").unwrap_err();
        assert!(e.message_en.contains("at least 10 characters (it has 7)"), "{e:?}");
        let e = check_password_policy("onlylettersandmore", "clerk").unwrap_err();
        assert!(e.message_zh.contains("至少3类（现有1类）"), "{e:?}");
        let e = check_password_policy("Clerk-2025-secret", "clerk").unwrap_err();
        assert_eq!(e.message_en, "password: must not contain the username");
        assert!(check_password_policy("1234567890", "x").is_err());
        assert!(check_password_policy("Kean2025demo", "clerk").is_ok());
        assert!(check_password_policy("kean-2025-demo", "clerk").is_ok());
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
