//! Confidentiality rules (保密): classification levels, their terms, the
//! deployment's ceiling, and who may read a classified record — pure
//! functions the policy and the store build on (issue 12).
//!
//! What this module decides, and what it leaves to its callers:
//! * [`Classification`] is the 密级 of a record, ascending from 公开 to 绝密
//!   (the English of the state-secrets law); an account's clearance is a
//!   `Classification` too (the highest level it may see).
//! * [`may_read`] is the one rule for reading: clearance at least the level,
//!   and above 内部 the account must also be on the record's need-to-know list
//!   (知悉范围). The store is to apply the same rule in its SQL, so that lists,
//!   counts, searches and labels agree with detail pages; a test comparing
//!   the two over every combination keeps them one rule.
//! * [`Ceiling`] is the highest level a deployment is accredited to hold.
//!   Above it kean keeps only the control record (releasable title, level,
//!   term, classifier, basis, need-to-know list), never content:
//!   [`Ceiling::holds_content`].
//! * [`check_assignable`] says whether a classifier may assign a level: a city
//!   bureau assigns at most 机密, never 绝密 ([`BUREAU_MAX`]).
//! * [`derived_floor`]: a record derived from classified records (an
//!   achievement of a classified project, a transfer of a classified
//!   achievement, an attachment) is at least as classified as the highest of
//!   them, unless a downgrade was approved.
//! * [`term_end`]: a classification lasts its term (defaults 10 / 20 / 30
//!   years for 秘密 / 机密 / 绝密); its end raises a review, it never lifts the
//!   classification by itself.
//!
//! Wired: the policy's `Scope` carries the actor's clearance and id, the
//! classified kinds ([`crate::Kind::classified`]) carry the level and its
//! control fields ([`CONTROL_FIELDS`]), the store applies [`may_read`] in its
//! SQL over them and the need-to-know table, and [`check_record`] decides
//! what a record's input may hold under the deployment's [`Ceiling`]. Not
//! yet: the workflows that change a level (解密 / 变更密级).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A 密级, ascending. The derived order is the order of severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// 公开: anyone the role and organization rules let read the record.
    Public,
    /// 内部: internal to the bureau's system; not a state secret.
    Internal,
    /// 秘密.
    Confidential,
    /// 机密.
    Secret,
    /// 绝密.
    TopSecret,
}

impl Classification {
    pub const ALL: [Classification; 5] = [
        Classification::Public,
        Classification::Internal,
        Classification::Confidential,
        Classification::Secret,
        Classification::TopSecret,
    ];

    /// The stable code stored and used in the API.
    pub fn code(self) -> &'static str {
        match self {
            Classification::Public => "public",
            Classification::Internal => "internal",
            Classification::Confidential => "confidential",
            Classification::Secret => "secret",
            Classification::TopSecret => "top_secret",
        }
    }

    /// The rank stored in SQL (0 = 公开 … 4 = 绝密), so that the store can
    /// compare levels with `<=`.
    pub fn rank(self) -> i64 {
        self as i64
    }

    pub fn from_rank(rank: i64) -> Option<Classification> {
        Classification::ALL.into_iter().find(|c| c.rank() == rank)
    }

    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Classification::Public => ("公开", "Public"),
            Classification::Internal => ("内部", "Internal"),
            Classification::Confidential => ("秘密", "Confidential"),
            Classification::Secret => ("机密", "Secret"),
            Classification::TopSecret => ("绝密", "Top secret"),
        };
        if zh { z } else { e }
    }

    /// Reads a level as people and files write it: its code, its Chinese
    /// name (with or without a trailing 级), or its English name, ignoring
    /// case and surrounding spaces.
    pub fn parse(s: &str) -> Option<Classification> {
        let t = s.trim();
        let t = t.strip_suffix('级').unwrap_or(t);
        Classification::ALL.into_iter().find(|c| {
            c.code() == t || c.label(true) == t || c.label(false).eq_ignore_ascii_case(t) || {
                let spaced = c.code().replace('_', " ");
                spaced.eq_ignore_ascii_case(t)
            }
        })
    }

    /// Whether this level makes a record classified (涉密): 秘密 or above.
    pub fn is_classified(self) -> bool {
        self >= Classification::Confidential
    }

    /// The default term of a classification at this level, in years
    /// (none for levels that are not state secrets).
    pub fn default_term_years(self) -> Option<u32> {
        match self {
            Classification::Public | Classification::Internal => None,
            Classification::Confidential => Some(10),
            Classification::Secret => Some(20),
            Classification::TopSecret => Some(30),
        }
    }
}

/// The highest level a city bureau may assign (机密); 绝密 is for the
/// central and provincial authorities.
pub const BUREAU_MAX: Classification = Classification::Secret;

/// Why a level cannot be assigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason_zh: String,
    pub reason_en: String,
}

/// Whether a classifier of the bureau may assign `level` to a record that
/// derives from records classified `floor` (see [`derived_floor`]) without
/// an approved downgrade.
pub fn check_assignable(level: Classification, floor: Classification) -> Result<(), Refused> {
    if level > BUREAU_MAX {
        return Err(Refused {
            reason_zh: format!(
                "市级科技局最高只能定为{}，不能定为{}",
                BUREAU_MAX.label(true),
                level.label(true)
            ),
            reason_en: format!(
                "a city bureau may classify at most {}, not {}",
                BUREAU_MAX.label(false),
                level.label(false)
            ),
        });
    }
    if level < floor {
        return Err(Refused {
            reason_zh: format!(
                "派生自{}记录，密级不得低于{}（降低密级须经审批）",
                floor.label(true),
                floor.label(true)
            ),
            reason_en: format!(
                "derived from a record classified {}: it may not be classified lower without an approved downgrade",
                floor.label(false)
            ),
        });
    }
    Ok(())
}

/// The lowest level a record derived from records at `parents` may have:
/// the highest of theirs (公开 when it derives from nothing).
pub fn derived_floor(parents: &[Classification]) -> Classification {
    parents.iter().copied().max().unwrap_or(Classification::Public)
}

/// The day a classification decided on `from` reaches the end of its term
/// of `years` (the same day and month `years` later; 29 February ends on
/// 28 February in a common year).
pub fn term_end(from: NaiveDate, years: u32) -> NaiveDate {
    let year = from.year().saturating_add(i32::try_from(years).unwrap_or(i32::MAX));
    from.with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, from.month(), 28))
        .unwrap_or(NaiveDate::MAX)
}

/// Whether a classification whose term ends on `ends` is due for review on
/// `today` (never lifted silently: the review decides).
pub fn term_due(ends: NaiveDate, today: NaiveDate) -> bool {
    today >= ends
}

/// The highest level a deployment of kean is accredited to hold. Content of
/// records above it is never stored, only their control record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ceiling(Classification);

impl Default for Ceiling {
    /// 内部: kean is not an accredited classified system unless its security
    /// administrator says so.
    fn default() -> Self {
        Ceiling(Classification::Internal)
    }
}

impl Ceiling {
    /// A ceiling the bureau may declare: at most [`BUREAU_MAX`].
    pub fn new(level: Classification) -> Result<Ceiling, Refused> {
        check_assignable(level, Classification::Public)?;
        Ok(Ceiling(level))
    }

    pub fn level(self) -> Classification {
        self.0
    }

    /// Whether the content of a record at `level` may be held here.
    pub fn holds_content(self, level: Classification) -> bool {
        level <= self.0
    }
}

/// The one reading rule: an account cleared to `clearance` may read a
/// record classified `level` when its clearance reaches the level and, for
/// a record above 内部, it is on the record's need-to-know list.
pub fn may_read(clearance: Classification, level: Classification, on_need_to_know: bool) -> bool {
    clearance >= level && (level <= Classification::Internal || on_need_to_know)
}

/// The field holding a record's level (its [`Classification::code`]).
pub const LEVEL_FIELD: &str = "classification";
/// The fields of a classified kind that make up the control record besides
/// the title and the owner: the level, who classified it (定密责任人), on
/// what basis (定密依据), when (定密日期), and for how long (保密期限).
pub const CONTROL_FIELDS: [&str; 5] = [
    LEVEL_FIELD,
    "classified_by",
    "classification_basis",
    "classified_on",
    "secrecy_term",
];

/// The label shown for a referenced record the reader may not see because
/// of its classification (never its title).
pub const WITHHELD_LABEL: &str = "（涉密）";

/// The levels as schema choices (codes as stored, names as shown).
pub const LEVEL_CHOICES: &[crate::schema::Choice] = &[
    crate::schema::Choice {
        code: "public",
        zh: "公开",
        en: "Public",
    },
    crate::schema::Choice {
        code: "internal",
        zh: "内部",
        en: "Internal",
    },
    crate::schema::Choice {
        code: "confidential",
        zh: "秘密",
        en: "Confidential",
    },
    crate::schema::Choice {
        code: "secret",
        zh: "机密",
        en: "Secret",
    },
    crate::schema::Choice {
        code: "top_secret",
        zh: "绝密",
        en: "Top secret",
    },
];

/// The terms a classifier chooses from, in years (the law's longest are
/// 10 / 20 / 30 for 秘密 / 机密 / 绝密).
pub const TERM_CHOICES: &[crate::schema::Choice] = &[
    crate::schema::Choice {
        code: "1",
        zh: "1年",
        en: "1 year",
    },
    crate::schema::Choice {
        code: "2",
        zh: "2年",
        en: "2 years",
    },
    crate::schema::Choice {
        code: "3",
        zh: "3年",
        en: "3 years",
    },
    crate::schema::Choice {
        code: "5",
        zh: "5年",
        en: "5 years",
    },
    crate::schema::Choice {
        code: "10",
        zh: "10年",
        en: "10 years",
    },
    crate::schema::Choice {
        code: "15",
        zh: "15年",
        en: "15 years",
    },
    crate::schema::Choice {
        code: "20",
        zh: "20年",
        en: "20 years",
    },
    crate::schema::Choice {
        code: "30",
        zh: "30年",
        en: "30 years",
    },
];

/// The codes of the levels above `level`, ascending: what the store's SQL
/// compares the stored code with (`IN (…)`), so that the comparison is the
/// levels' order, not the codes' spelling.
pub fn codes_above(level: Classification) -> Vec<&'static str> {
    Classification::ALL
        .into_iter()
        .filter(|c| *c > level)
        .map(Classification::code)
        .collect()
}

/// A record input's classification problem: the field and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

/// What the control fields of one input say, once [`check_record`] passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    pub level: Classification,
    /// Whether the input may carry content (the level is within the ceiling).
    pub holds_content: bool,
}

/// The rules a classified kind's input obeys, given its level `level`
/// (None: left empty, i.e. 公开), the deployment's `ceiling`, whether each
/// field but the title and the owner holds a value (`filled`: the control
/// fields and the content), and the term chosen:
/// * at most 机密 ([`check_assignable`]);
/// * 秘密 and above name who classified it and on what basis; the term is at
///   most the level's longest; below 秘密 no control information is given;
/// * above the ceiling, no content at all — only the control record.
pub fn check_record(
    level: Option<Classification>,
    ceiling: Ceiling,
    filled: &[(&'static str, bool)],
    term_years: Option<u32>,
) -> Result<Control, Vec<ControlError>> {
    let level = level.unwrap_or(Classification::Public);
    let mut errors = Vec::new();
    let is_filled = |name: &str| filled.iter().any(|(n, f)| *n == name && *f);
    if let Err(r) = check_assignable(level, Classification::Public) {
        errors.push(ControlError {
            field: LEVEL_FIELD,
            zh: format!("密级：{}", r.reason_zh),
            en: format!("Classification: {}", r.reason_en),
        });
    }
    if level.is_classified() {
        for (name, zh, en) in [
            ("classified_by", "定密责任人", "Classified by"),
            ("classification_basis", "定密依据", "Classification basis"),
        ] {
            if !is_filled(name) {
                errors.push(ControlError {
                    field: name,
                    zh: format!("{zh}：{}级记录必填", level.label(true)),
                    en: format!("{en}: required for a record classified {}", level.label(false)),
                });
            }
        }
        if let (Some(t), Some(max)) = (term_years, level.default_term_years())
            && t > max
        {
            errors.push(ControlError {
                field: "secrecy_term",
                zh: format!("保密期限：{}级最长{}年", level.label(true), max),
                en: format!("Secrecy term: at most {max} years at {}", level.label(false)),
            });
        }
    } else {
        for name in &CONTROL_FIELDS[1..] {
            if is_filled(name) {
                errors.push(ControlError {
                    field: name,
                    zh: "定密信息：仅秘密及以上的记录填写（先选择密级）".into(),
                    en: "Classification details: only for records classified Confidential or above (choose the level first)".into(),
                });
            }
        }
    }
    let holds_content = ceiling.holds_content(level);
    if !holds_content {
        for (name, f) in filled {
            if *f && !CONTROL_FIELDS.contains(name) {
                errors.push(ControlError {
                    field: name,
                    zh: format!(
                        "本系统只能存储{}及以下的内容：{}级记录只登记标题、单位和定密信息，不能填写此项",
                        ceiling.level().label(true),
                        level.label(true)
                    ),
                    en: format!(
                        "this system may hold content up to {} only: a {} record keeps its title, organization and classification details, not this field",
                        ceiling.level().label(false),
                        level.label(false)
                    ),
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(Control { level, holds_content })
    } else {
        Err(errors)
    }
}

/// Whether a change of a record's level from `from` to `to` may be
/// proposed: another level, at most 机密.
pub fn check_change(from: Classification, to: Classification) -> Result<(), Refused> {
    if from == to {
        return Err(Refused {
            reason_zh: format!("记录已是{}，无需变更", to.label(true)),
            reason_en: format!("the record is {} already", to.label(false)),
        });
    }
    check_assignable(to, Classification::Public)
}

/// Whether `decider` may decide a change `proposer` proposed: never the
/// same account (one proposes, another approves).
pub fn check_decider(proposer: i64, decider: i64) -> Result<(), Refused> {
    if proposer == decider {
        return Err(Refused {
            reason_zh: "不能审批自己提出的密级变更申请".into(),
            reason_en: "a change of level cannot be approved by its proposer".into(),
        });
    }
    Ok(())
}

/// The control fields a record has once a change to `to` decided on
/// `today` is applied: below 秘密 none (declassified: 解密); otherwise the
/// new level classified today by `by` on `basis` for the level's longest
/// term (the classifier may shorten it by a further change).
pub fn control_after(
    to: Classification,
    today: NaiveDate,
    by: &str,
    basis: &str,
) -> [(&'static str, Option<String>); 5] {
    let classified = to.is_classified();
    let keep = |v: String| classified.then_some(v);
    [
        (LEVEL_FIELD, Some(to.code().to_string())),
        ("classified_by", keep(by.to_string())),
        ("classification_basis", keep(basis.to_string())),
        ("classified_on", keep(today.format("%Y-%m-%d").to_string())),
        ("secrecy_term", to.default_term_years().map(|y| y.to_string())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use Classification::*;

    #[test]
    fn levels_ascend_and_round_trip() {
        assert!(Public < Internal && Internal < Confidential && Confidential < Secret && Secret < TopSecret);
        for c in Classification::ALL {
            assert_eq!(Classification::from_rank(c.rank()), Some(c));
            assert_eq!(Classification::parse(c.code()), Some(c));
            assert_eq!(Classification::parse(c.label(true)), Some(c));
            assert_eq!(Classification::parse(&format!(" {}级 ", c.label(true))), Some(c));
            assert_eq!(Classification::parse(&c.label(false).to_uppercase()), Some(c));
        }
        assert_eq!(Classification::parse("top secret"), Some(TopSecret));
        assert_eq!(Classification::parse("保密"), None);
        assert_eq!(Classification::from_rank(5), None);
        assert!(!Internal.is_classified() && Confidential.is_classified());
    }

    #[test]
    fn reading_needs_clearance_and_above_internal_need_to_know() {
        for clearance in Classification::ALL {
            for level in Classification::ALL {
                for on_list in [false, true] {
                    let expected = clearance >= level && (level <= Internal || on_list);
                    assert_eq!(
                        may_read(clearance, level, on_list),
                        expected,
                        "{clearance:?} {level:?} {on_list}"
                    );
                }
            }
        }
        // The need-to-know list never stands in for a clearance.
        assert!(!may_read(Internal, Confidential, true));
        // Nor a clearance for the list.
        assert!(!may_read(Secret, Confidential, false));
    }

    #[test]
    fn a_bureau_assigns_at_most_secret_and_never_below_what_it_derives_from() {
        assert!(check_assignable(Secret, Public).is_ok());
        let e = check_assignable(TopSecret, Public).unwrap_err();
        assert!(e.reason_zh.contains("绝密"), "{e:?}");
        let e = check_assignable(Internal, Confidential).unwrap_err();
        assert!(e.reason_en.contains("approved downgrade"), "{e:?}");
        assert_eq!(derived_floor(&[]), Public);
        assert_eq!(derived_floor(&[Internal, Secret, Confidential]), Secret);
    }

    #[test]
    fn a_change_of_level_is_to_another_level_and_decided_by_another_account() {
        assert!(check_change(Confidential, Public).is_ok());
        assert!(check_change(Internal, Secret).is_ok());
        assert!(check_change(Secret, Secret).is_err());
        assert!(check_change(Secret, TopSecret).is_err());
        assert!(check_decider(3, 3).unwrap_err().reason_en.contains("proposer"));
        assert!(check_decider(3, 4).is_ok());
        let d = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let down = control_after(Public, d, "甲", "乙");
        assert_eq!(down[0].1.as_deref(), Some("public"));
        assert!(
            down[1..].iter().all(|(_, v)| v.is_none()),
            "declassified: no control details"
        );
        let up = control_after(Secret, d, "甲", "乙");
        assert_eq!(up[3].1.as_deref(), Some("2026-12-07"));
        assert_eq!(up[4].1.as_deref(), Some("20"));
    }

    #[test]
    fn the_ceiling_defaults_to_internal_and_bounds_content() {
        let c = Ceiling::default();
        assert_eq!(c.level(), Internal);
        assert!(c.holds_content(Internal) && !c.holds_content(Confidential));
        assert!(Ceiling::new(Secret).unwrap().holds_content(Secret));
        assert!(Ceiling::new(TopSecret).is_err());
    }

    #[test]
    fn terms_end_on_their_anniversary_and_raise_a_review_then() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(Confidential.default_term_years(), Some(10));
        assert_eq!(Secret.default_term_years(), Some(20));
        assert_eq!(TopSecret.default_term_years(), Some(30));
        assert_eq!(Internal.default_term_years(), None);
        assert_eq!(term_end(d(2026, 12, 7), 10), d(2036, 12, 7));
        assert_eq!(term_end(d(2024, 2, 29), 10), d(2034, 2, 28));
        assert!(!term_due(d(2036, 12, 7), d(2036, 12, 6)));
        assert!(term_due(d(2036, 12, 7), d(2036, 12, 7)));
    }
}
