//! The command line's language: Chinese when the locale is Chinese
//! (`LC_ALL`, else `LC_MESSAGES`, else `LANG`, as POSIX orders them:
//! `zh_CN.UTF-8`, `zh_TW`, `zh`), English otherwise. Outcomes and errors are
//! sentences in that language; the values a user types (roles, registries)
//! are accepted in Chinese as well as by their codes.

use std::fmt::Display;
use std::sync::OnceLock;

use kean_app::AppError;
use kean_core::{Kind, Role};

/// Whether a locale, read through `var`, is Chinese.
pub fn locale_is_chinese(var: impl Fn(&str) -> Option<String>) -> bool {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| var(k).filter(|v| !v.trim().is_empty()))
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("zh"))
}

/// Whether this process speaks Chinese.
pub fn zh() -> bool {
    static ZH: OnceLock<bool> = OnceLock::new();
    *ZH.get_or_init(|| locale_is_chinese(|k| std::env::var(k).ok()))
}

/// The text in this process's language.
pub fn t(zh_text: impl Display, en_text: impl Display) -> String {
    if zh() { zh_text.to_string() } else { en_text.to_string() }
}

/// An application error as a sentence in this process's language: the
/// message and what it says of each field (no error code, no debug form).
pub fn app_error(e: &AppError) -> String {
    let zh = zh();
    let main = if zh { &e.message_zh } else { &e.message_en };
    let mut out = main.clone();
    for f in &e.fields {
        let m = if zh { &f.message_zh } else { &f.message_en };
        if m != main && !m.is_empty() {
            out.push_str(if zh { "；" } else { "; " });
            out.push_str(m);
        }
    }
    // What went wrong inside (a database's own words): kept, as written.
    if let Some(d) = &e.detail {
        out.push_str(&if zh { format!("（{d}）") } else { format!(" ({d})") });
    }
    out
}

/// A role as a user types it: its code (`liaison`), its Chinese name
/// (单位联络员, also without the 局/单位 prefix: 联络员) or its English name.
pub fn parse_role(s: &str) -> Option<Role> {
    let s = s.trim();
    Role::parse(s).or_else(|| {
        Role::ALL.into_iter().find(|r| {
            let zh = r.label(true);
            zh == s
                || zh.strip_prefix('局').or_else(|| zh.strip_prefix("单位")) == Some(s)
                || r.label(false).eq_ignore_ascii_case(s)
        })
    })
}

/// The roles as a user may type them, for a refusal.
pub fn roles() -> String {
    Role::ALL
        .iter()
        .map(|r| {
            if zh() {
                format!("{}（{}）", r.label(true), r.code())
            } else {
                r.code().to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(if zh() { "、" } else { ", " })
}

/// A registry as a user types it: its slug (`organizations`) or its
/// Chinese name (单位, 技术合同, 科研人员 …).
pub fn parse_kind(s: &str) -> Option<Kind> {
    let s = s.trim();
    Kind::from_slug(s).or_else(|| Kind::ALL.into_iter().find(|k| k.label(true) == s))
}

/// The registries as a user may type them, for a refusal.
pub fn kinds() -> String {
    Kind::ALL
        .iter()
        .map(|k| {
            if zh() {
                format!("{}（{}）", k.label(true), k.slug())
            } else {
                k.slug().to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(if zh() { "、" } else { ", " })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_decides_in_posix_order() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert!(locale_is_chinese(env(&[("LANG", "zh_CN.UTF-8")])));
        assert!(locale_is_chinese(env(&[
            ("LANG", "en_US.UTF-8"),
            ("LC_MESSAGES", "zh_CN.GB18030")
        ])));
        assert!(locale_is_chinese(env(&[("LC_ALL", "zh_TW.UTF-8"), ("LANG", "C")])));
        assert!(!locale_is_chinese(env(&[
            ("LC_ALL", "C.UTF-8"),
            ("LANG", "zh_CN.UTF-8")
        ])));
        assert!(!locale_is_chinese(env(&[("LANG", "en_GB.UTF-8")])));
        assert!(!locale_is_chinese(env(&[("LC_ALL", ""), ("LANG", "")])));
        assert!(locale_is_chinese(env(&[("LC_ALL", ""), ("LANG", "zh_CN.UTF-8")])));
        assert!(!locale_is_chinese(env(&[])));
    }

    #[test]
    fn roles_and_registries_in_chinese() {
        assert_eq!(parse_role("单位联络员"), Some(Role::Liaison));
        assert_eq!(parse_role("联络员"), Some(Role::Liaison));
        assert_eq!(parse_role("审核员"), Some(Role::Reviewer));
        assert_eq!(parse_role("局管理员"), Some(Role::Admin));
        assert_eq!(parse_role("安全审计员"), Some(Role::Auditor));
        assert_eq!(parse_role("科研人员"), Some(Role::Researcher));
        assert_eq!(parse_role("Institution liaison"), Some(Role::Liaison));
        assert_eq!(parse_role("liaison"), Some(Role::Liaison));
        assert_eq!(parse_role("联络"), None);
        assert_eq!(parse_kind("单位"), Some(Kind::Organization));
        assert_eq!(parse_kind("技术合同"), Some(Kind::TechContract));
        assert_eq!(parse_kind("tech-contracts"), Some(Kind::TechContract));
        assert_eq!(parse_kind("合同"), None);
    }
}
