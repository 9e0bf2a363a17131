//! Risk assessment, early warning and disposition (issue 15), pure: the
//! four warning levels, the likelihood × impact matrix that gives a risk
//! its level, the inherent, current and residual levels of a risk with its
//! treatments, and the two state machines — a warning's (发布 → 调整 → 解除)
//! and a case's (待分派 → 处置中 → 已处置 → 已核验 → 已关闭).
//!
//! Storage, rules and pages build on these; nothing here reads a clock or
//! a database. The matrix is data the bureau edits and versions: a risk
//! keeps the version it was scored on, so its trend stays reproducible
//! after the matrix changes.

use serde::{Deserialize, Serialize};

use crate::lifecycle::coded;
use crate::schema::Choice;

coded!(
    /// 预警级别: 一级 红 the most severe, 四级 蓝 the least.
    Level {
        /// 一级（红色）.
        Red = ("red", "一级（红色）", "Level I (red)"),
        /// 二级（橙色）.
        Orange = ("orange", "二级（橙色）", "Level II (orange)"),
        /// 三级（黄色）.
        Yellow = ("yellow", "三级（黄色）", "Level III (yellow)"),
        /// 四级（蓝色）.
        Blue = ("blue", "四级（蓝色）", "Level IV (blue)"),
    }
);

impl Level {
    /// 4 for red down to 1 for blue: higher is more severe.
    pub fn severity(self) -> u8 {
        match self {
            Level::Red => 4,
            Level::Orange => 3,
            Level::Yellow => 2,
            Level::Blue => 1,
        }
    }

    /// One level more severe (red stays red).
    pub fn escalated(self) -> Level {
        match self {
            Level::Blue => Level::Yellow,
            Level::Yellow => Level::Orange,
            Level::Orange | Level::Red => Level::Red,
        }
    }

    /// The short colour word the interface shows in a badge (红 / red).
    pub fn colour(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Level::Red, true) => "红",
            (Level::Orange, true) => "橙",
            (Level::Yellow, true) => "黄",
            (Level::Blue, true) => "蓝",
            (Level::Red, false) => "red",
            (Level::Orange, false) => "orange",
            (Level::Yellow, false) => "yellow",
            (Level::Blue, false) => "blue",
        }
    }

    /// Days between reviews of a risk at this level.
    pub fn review_interval_days(self) -> i64 {
        match self {
            Level::Red => 30,
            Level::Orange => 90,
            Level::Yellow => 180,
            Level::Blue => 365,
        }
    }

    /// Hours an issued warning may stay unhandled before it escalates.
    pub fn handling_deadline_hours(self) -> i64 {
        match self {
            Level::Red => 24,
            Level::Orange => 72,
            Level::Yellow => 7 * 24,
            Level::Blue => 15 * 24,
        }
    }
}

/// Why an input or an act was refused, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskError {
    pub field: &'static str,
    pub zh: String,
    pub en: String,
}

fn error(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> RiskError {
    RiskError {
        field,
        zh: zh.into(),
        en: en.into(),
    }
}

/// A likelihood and an impact, each from 1 to the matrix's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Score {
    likelihood: u8,
    impact: u8,
}

impl Score {
    pub fn likelihood(self) -> u8 {
        self.likelihood
    }
    pub fn impact(self) -> u8 {
        self.impact
    }
    /// Whether neither part is above `other`'s (a treatment cannot make a
    /// risk worse than it was).
    pub fn within(self, other: Score) -> bool {
        self.likelihood <= other.likelihood && self.impact <= other.impact
    }
}

/// The likelihood × impact matrix: the level of every cell. Row `l` is
/// likelihood `l`, column `i` impact `i`, both from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    size: u8,
    cells: Vec<Level>,
}

impl Matrix {
    /// The default 5 × 5: by the product of likelihood and impact, 15 and
    /// above red, 10 and above orange, 5 and above yellow, below blue.
    pub fn default_5x5() -> Matrix {
        let mut cells = Vec::with_capacity(25);
        for l in 1..=5u8 {
            for i in 1..=5u8 {
                cells.push(match l * i {
                    15.. => Level::Red,
                    10..=14 => Level::Orange,
                    5..=9 => Level::Yellow,
                    _ => Level::Blue,
                });
            }
        }
        Matrix { size: 5, cells }
    }

    pub fn size(&self) -> u8 {
        self.size
    }

    /// A score on this matrix, each part from 1 to its size.
    pub fn score(&self, likelihood: i64, impact: i64) -> Result<Score, RiskError> {
        let n = i64::from(self.size);
        if !(1..=n).contains(&likelihood) {
            return Err(error(
                "likelihood",
                format!("可能性：须为 1 至 {n} 的整数"),
                format!("likelihood: must be a whole number from 1 to {n}"),
            ));
        }
        if !(1..=n).contains(&impact) {
            return Err(error(
                "impact",
                format!("影响程度：须为 1 至 {n} 的整数"),
                format!("impact: must be a whole number from 1 to {n}"),
            ));
        }
        Ok(Score {
            likelihood: likelihood as u8,
            impact: impact as u8,
        })
    }

    /// The level of a score made on this matrix.
    pub fn level(&self, s: Score) -> Level {
        let n = usize::from(self.size);
        let (l, i) = (
            usize::from(s.likelihood.clamp(1, self.size)) - 1,
            usize::from(s.impact.clamp(1, self.size)) - 1,
        );
        self.cells[l * n + i]
    }

    /// A matrix as the bureau writes it: one line a likelihood (1 first),
    /// each the levels of impacts 1 … n (`blue yellow …` or `蓝 黄 …`,
    /// separated by spaces, tabs or commas); `#` starts a comment. It must
    /// be square, 3 × 3 to 10 × 10, and never less severe as likelihood or
    /// impact grows. Every fault is named with its line and column.
    pub fn parse(text: &str) -> Result<Matrix, Vec<RiskError>> {
        let mut rows: Vec<(usize, Vec<Level>)> = Vec::new();
        let mut errors = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut row = Vec::new();
            for (c, cell) in line
                .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '，')
                .filter(|c| !c.is_empty())
                .enumerate()
            {
                match parse_level(cell) {
                    Some(level) => row.push(level),
                    None => errors.push(error(
                        "matrix",
                        format!("第{}行第{}列：“{cell}”不是预警级别（红、橙、黄、蓝）", n + 1, c + 1),
                        format!(
                            "line {}, column {}: '{cell}' is not a level (red, orange, yellow, blue)",
                            n + 1,
                            c + 1
                        ),
                    )),
                }
            }
            rows.push((n + 1, row));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let size = rows.len();
        if !(3..=10).contains(&size) {
            return Err(vec![error(
                "matrix",
                format!("矩阵须为 3×3 至 10×10，此处为 {size} 行"),
                format!("the matrix must be 3 × 3 to 10 × 10; it has {size} rows"),
            )]);
        }
        for (line, row) in &rows {
            if row.len() != size {
                errors.push(error(
                    "matrix",
                    format!("第{line}行：应有 {size} 列，此处为 {} 列", row.len()),
                    format!("line {line}: {size} columns expected, {} found", row.len()),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        for (r, (line, row)) in rows.iter().enumerate() {
            for (c, level) in row.iter().enumerate() {
                let below = (r > 0).then(|| rows[r - 1].1[c]);
                let left = (c > 0).then(|| row[c - 1]);
                if below.is_some_and(|b| level.severity() < b.severity())
                    || left.is_some_and(|b| level.severity() < b.severity())
                {
                    errors.push(error(
                        "matrix",
                        format!("第{line}行第{}列：可能性或影响程度更高时级别不能更低", c + 1),
                        format!(
                            "line {line}, column {}: a higher likelihood or impact cannot have a lower level",
                            c + 1
                        ),
                    ));
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Matrix {
            size: size as u8,
            cells: rows.into_iter().flat_map(|(_, r)| r).collect(),
        })
    }

    /// The text `parse` reads back (the form kept with each version).
    pub fn to_text(&self) -> String {
        self.cells
            .chunks(usize::from(self.size))
            .map(|row| row.iter().map(|l| l.code()).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn parse_level(cell: &str) -> Option<Level> {
    Level::parse(cell).or_else(|| {
        Level::ALL
            .iter()
            .copied()
            .find(|l| l.colour(true) == cell || cell.eq_ignore_ascii_case(l.colour(false)))
    })
}

/// A treatment (处置措施) as the levels need it: the score it aims to
/// leave the risk at, and whether it is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Treatment {
    pub target: Score,
    pub done: bool,
}

/// A risk's three levels: inherent (as identified), current (after the
/// completed treatments) and residual (after all planned ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels {
    pub inherent: (Score, Level),
    pub current: (Score, Level),
    pub residual: (Score, Level),
}

/// A treatment's target may not be above the risk's inherent score.
pub fn check_treatment(inherent: Score, target: Score) -> Result<(), RiskError> {
    if target.within(inherent) {
        Ok(())
    } else {
        Err(error(
            "target",
            "处置后的可能性和影响程度不能高于固有风险",
            "a treatment's target likelihood and impact cannot exceed the inherent risk's",
        ))
    }
}

/// The levels of a risk scored `inherent` with these treatments, on `m`.
/// Of several treatments the one that leaves the least risk counts
/// (lowest level, then lowest likelihood × impact).
pub fn levels(m: &Matrix, inherent: Score, treatments: &[Treatment]) -> Levels {
    let rank = |s: Score| (m.level(s).severity(), u16::from(s.likelihood) * u16::from(s.impact));
    let best = |only_done: bool| {
        treatments
            .iter()
            .filter(|t| !only_done || t.done)
            .map(|t| t.target)
            .filter(|t| t.within(inherent))
            .chain([inherent])
            .min_by_key(|s| rank(*s))
            .unwrap_or(inherent)
    };
    let (current, residual) = (best(true), best(false));
    Levels {
        inherent: (inherent, m.level(inherent)),
        current: (current, m.level(current)),
        residual: (residual, m.level(residual)),
    }
}

// ---------------------------------------------------------------- warnings

coded!(
    /// Where an early warning is in its life.
    WarningState {
        /// 已发布.
        Issued = ("issued", "已发布", "Issued"),
        /// 已调整 (its level changed, up or down, with a reason).
        Adjusted = ("adjusted", "已调整", "Adjusted"),
        /// 已解除 (by a person with a reason, or because its cause is gone).
        Lifted = ("lifted", "已解除", "Lifted"),
    }
);

/// What may happen to a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningAct {
    /// A person sets another level, with a reason.
    Adjust(Level),
    /// Unhandled past its deadline: one level more severe.
    Escalate,
    /// A person lifts it, with a reason.
    Lift,
    /// Its cause is gone (the rule no longer holds for the record).
    LiftAutomatically,
}

/// The state and level a warning at `state`/`level` moves to, or why not.
pub fn next_warning(state: WarningState, level: Level, act: WarningAct) -> Result<(WarningState, Level), RiskError> {
    if state == WarningState::Lifted {
        return Err(error("state", "预警已解除", "the warning is lifted"));
    }
    match act {
        WarningAct::Adjust(to) if to == level => Err(error(
            "level",
            "调整后的级别与当前级别相同",
            "the new level is the current one",
        )),
        WarningAct::Adjust(to) => Ok((WarningState::Adjusted, to)),
        WarningAct::Escalate if level == Level::Red => Err(error(
            "level",
            "一级（红色）预警不能再升级",
            "a level I (red) warning cannot escalate",
        )),
        WarningAct::Escalate => Ok((WarningState::Adjusted, level.escalated())),
        WarningAct::Lift | WarningAct::LiftAutomatically => Ok((WarningState::Lifted, level)),
    }
}

/// What a rule raising `raised` on a record does, given the warning the
/// same rule already holds on it (deduplication: one warning per cause).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raise {
    /// No open warning of this cause: issue one.
    Issue,
    /// The open warning is raised to this level.
    RaiseTo(Level),
    /// The open warning already says as much (a person may have adjusted
    /// it; a rule does not undo that downwards).
    Unchanged,
}

pub fn on_raise(open: Option<(WarningState, Level)>, raised: Level) -> Raise {
    match open {
        Some((state, level)) if state != WarningState::Lifted => {
            if raised.severity() > level.severity() {
                Raise::RaiseTo(raised)
            } else {
                Raise::Unchanged
            }
        }
        _ => Raise::Issue,
    }
}

// ---------------------------------------------------------------- cases

coded!(
    /// Where a disposition case (处置) is.
    CaseState {
        /// 待分派.
        Unassigned = ("unassigned", "待分派", "To be assigned"),
        /// 处置中.
        Handling = ("handling", "处置中", "In handling"),
        /// 已处置 (measures taken, evidence attached).
        Handled = ("handled", "已处置", "Handled"),
        /// 已核验 (by a second person).
        Verified = ("verified", "已核验", "Verified"),
        /// 已关闭.
        Closed = ("closed", "已关闭", "Closed"),
    }
);

coded!(
    /// An act on a case.
    CaseAct {
        /// 分派 (or 改派 while in handling).
        Assign = ("assign", "分派", "Assign"),
        /// 处置完毕: measures and evidence recorded, by the assignee.
        Report = ("report", "报告处置结果", "Report handled"),
        /// 核验通过, by someone other than who handled it.
        Verify = ("verify", "核验通过", "Verify"),
        /// 核验不通过: back to handling.
        Reject = ("reject", "核验退回", "Send back"),
        /// 关闭.
        Close = ("close", "关闭", "Close"),
        /// 重新打开.
        Reopen = ("reopen", "重新打开", "Reopen"),
    }
);

/// Who acts on a case, and who handled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseActors {
    pub actor: i64,
    /// The account the case is assigned to.
    pub assignee: Option<i64>,
    /// The account that reported it handled.
    pub handler: Option<i64>,
}

/// The one state machine of a case: where `act` leads from `from`, or why not.
pub fn next_case(from: CaseState, act: CaseAct, who: CaseActors) -> Result<CaseState, RiskError> {
    use CaseAct as A;
    use CaseState as S;
    let not_now = || {
        error(
            "act",
            format!("“{}”时不能{}", from.label(true), act.label(true)),
            format!(
                "cannot {} a case that is {}",
                act.label(false).to_lowercase(),
                from.label(false).to_lowercase()
            ),
        )
    };
    match (from, act) {
        (S::Unassigned | S::Handling, A::Assign) => Ok(S::Handling),
        (S::Handling, A::Report) => {
            if who.assignee.is_some_and(|a| a != who.actor) {
                Err(error(
                    "actor",
                    "只有承办人可以报告处置结果",
                    "only the assignee reports the case handled",
                ))
            } else {
                Ok(S::Handled)
            }
        }
        (S::Handled, A::Verify | A::Reject) => {
            if who.handler == Some(who.actor) {
                Err(error(
                    "actor",
                    "核验须由处置人以外的人员进行",
                    "a case is verified by someone other than who handled it",
                ))
            } else if act == A::Verify {
                Ok(S::Verified)
            } else {
                Ok(S::Handling)
            }
        }
        (S::Verified, A::Close) => Ok(S::Closed),
        (S::Handled | S::Verified | S::Closed, A::Reopen) => Ok(S::Handling),
        _ => Err(not_now()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_is_monotone_and_reads_back() {
        let m = Matrix::default_5x5();
        assert_eq!(m.level(m.score(5, 5).unwrap()), Level::Red);
        assert_eq!(m.level(m.score(3, 5).unwrap()), Level::Red);
        assert_eq!(m.level(m.score(2, 5).unwrap()), Level::Orange);
        assert_eq!(m.level(m.score(1, 5).unwrap()), Level::Yellow);
        assert_eq!(m.level(m.score(1, 1).unwrap()), Level::Blue);
        assert_eq!(Matrix::parse(&m.to_text()).unwrap(), m);
        assert_eq!(m.score(0, 3).unwrap_err().field, "likelihood");
        assert_eq!(m.score(3, 6).unwrap_err().field, "impact");
    }

    #[test]
    fn a_matrix_the_bureau_writes_is_checked_cell_by_cell() {
        let m = Matrix::parse("# 3×3\n蓝 黄 橙\nyellow, orange, red\n橙，红，红\n").unwrap();
        assert_eq!(m.size(), 3);
        assert_eq!(m.level(m.score(2, 3).unwrap()), Level::Red);
        let e = Matrix::parse("blue yellow\nyellow purple\n").unwrap_err();
        assert!(e[0].zh.contains("第2行第2列") && e[0].en.contains("purple"), "{e:?}");
        let e = Matrix::parse("blue blue blue\nblue blue\nblue blue blue\n").unwrap_err();
        assert!(e[0].en.contains("line 2"), "{e:?}");
        let e = Matrix::parse("blue blue\nblue blue\n").unwrap_err();
        assert!(e[0].en.contains("3 × 3"), "{e:?}");
        // Less severe as impact grows: refused where it happens.
        let e = Matrix::parse("blue yellow blue\nyellow orange red\norange red red\n").unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].en.contains("line 1, column 3"), "{e:?}");
    }

    #[test]
    fn treatments_lower_the_current_and_residual_levels() {
        let m = Matrix::default_5x5();
        let inherent = m.score(4, 5).unwrap();
        let planned = Treatment {
            target: m.score(2, 3).unwrap(),
            done: false,
        };
        let done = Treatment {
            target: m.score(3, 3).unwrap(),
            done: true,
        };
        let l = levels(&m, inherent, &[planned, done]);
        assert_eq!(l.inherent.1, Level::Red);
        assert_eq!((l.current.0, l.current.1), (done.target, Level::Yellow));
        assert_eq!((l.residual.0, l.residual.1), (planned.target, Level::Yellow));
        assert!(l.residual.0.likelihood() * l.residual.0.impact() < l.current.0.likelihood() * l.current.0.impact());
        let none = levels(&m, inherent, &[]);
        assert_eq!((none.current.1, none.residual.1), (Level::Red, Level::Red));
        assert!(check_treatment(inherent, m.score(5, 1).unwrap()).is_err());
        assert!(check_treatment(inherent, m.score(4, 5).unwrap()).is_ok());
    }

    #[test]
    fn every_warning_act_from_every_state() {
        use WarningAct as A;
        use WarningState as S;
        for &state in WarningState::ALL {
            for &level in Level::ALL {
                for act in [
                    A::Adjust(Level::Blue),
                    A::Adjust(Level::Red),
                    A::Escalate,
                    A::Lift,
                    A::LiftAutomatically,
                ] {
                    let got = next_warning(state, level, act);
                    let want = match (state, act) {
                        (S::Lifted, _) => None,
                        (_, A::Adjust(to)) if to == level => None,
                        (_, A::Adjust(to)) => Some((S::Adjusted, to)),
                        (_, A::Escalate) if level == Level::Red => None,
                        (_, A::Escalate) => Some((S::Adjusted, level.escalated())),
                        (_, A::Lift | A::LiftAutomatically) => Some((S::Lifted, level)),
                    };
                    assert_eq!(got.ok(), want, "{act:?} on {state:?} {level:?}");
                }
            }
        }
        assert_eq!(Level::Blue.escalated().escalated().escalated(), Level::Red);
    }

    #[test]
    fn one_warning_per_cause() {
        use WarningState as S;
        assert_eq!(on_raise(None, Level::Yellow), Raise::Issue);
        assert_eq!(on_raise(Some((S::Lifted, Level::Red)), Level::Yellow), Raise::Issue);
        assert_eq!(
            on_raise(Some((S::Issued, Level::Yellow)), Level::Red),
            Raise::RaiseTo(Level::Red)
        );
        assert_eq!(
            on_raise(Some((S::Adjusted, Level::Orange)), Level::Yellow),
            Raise::Unchanged
        );
        assert_eq!(
            on_raise(Some((S::Issued, Level::Yellow)), Level::Yellow),
            Raise::Unchanged
        );
    }

    #[test]
    fn every_case_act_from_every_state() {
        use CaseAct as A;
        use CaseState as S;
        let allowed: &[(S, A, S)] = &[
            (S::Unassigned, A::Assign, S::Handling),
            (S::Handling, A::Assign, S::Handling),
            (S::Handling, A::Report, S::Handled),
            (S::Handled, A::Verify, S::Verified),
            (S::Handled, A::Reject, S::Handling),
            (S::Verified, A::Close, S::Closed),
            (S::Handled, A::Reopen, S::Handling),
            (S::Verified, A::Reopen, S::Handling),
            (S::Closed, A::Reopen, S::Handling),
        ];
        // The assignee reports; a second person verifies.
        let who = CaseActors {
            actor: 2,
            assignee: Some(2),
            handler: Some(1),
        };
        for &from in CaseState::ALL {
            for &act in CaseAct::ALL {
                let got = next_case(from, act, who);
                match allowed.iter().find(|(f, a, _)| *f == from && *a == act) {
                    Some((_, _, to)) => assert_eq!(got, Ok(*to), "{act:?} from {from:?}"),
                    None => assert!(got.is_err(), "{act:?} from {from:?} should be refused"),
                }
            }
        }
        let handler_verifies = CaseActors {
            actor: 1,
            assignee: Some(1),
            handler: Some(1),
        };
        assert_eq!(
            next_case(S::Handled, A::Verify, handler_verifies).unwrap_err().field,
            "actor"
        );
        assert_eq!(
            next_case(S::Handled, A::Reject, handler_verifies).unwrap_err().field,
            "actor"
        );
        let not_assignee = CaseActors {
            actor: 3,
            assignee: Some(2),
            handler: None,
        };
        assert_eq!(
            next_case(S::Handling, A::Report, not_assignee).unwrap_err().field,
            "actor"
        );
    }

    #[test]
    fn levels_are_ordered_and_read_in_either_language() {
        assert!(Level::Red.severity() > Level::Orange.severity());
        assert_eq!(Level::parse("一级（红色）"), Some(Level::Red));
        assert_eq!(parse_level("橙"), Some(Level::Orange));
        assert_eq!(parse_level("Blue"), Some(Level::Blue));
        assert!(Level::Red.review_interval_days() < Level::Blue.review_interval_days());
        assert!(Level::Red.handling_deadline_hours() < Level::Yellow.handling_deadline_hours());
    }
}
