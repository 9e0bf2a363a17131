//! Assessment frameworks (issue 14 items 5 and 6): the checklists of the
//! security gates and of innovation platforms' security assessments are
//! one mechanism — a framework of sections and requirements, each with an
//! answer type and a weight — held as data the bureau loads and versions,
//! so another standard (an industry's compliance conditions) needs no code.
//!
//! The file format is tab-separated text, one record per line, `#` starting
//! a comment:
//!
//! ```text
//! framework<TAB>CODE<TAB>TITLE<TAB>EDITION
//! section<TAB>ID<TAB>TITLE
//! item<TAB>ID<TAB>REQUIREMENT<TAB>yes_no|score|text<TAB>WEIGHT
//! ```
//!
//! `yes_no` is answered 是/否/不适用 (yes/no/na), `score` 0–5, `text` freely
//! (weight 0). A framework's score is the weighted share of the best
//! answers, in per cent; a `no` or a score under 3 is a finding.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerType {
    YesNo,
    Score,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub text: String,
    pub answer: AnswerType,
    pub weight: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub items: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    /// Which checklist it is (`approval_review`, `platform_security` …).
    pub code: String,
    pub title: String,
    pub edition: String,
    pub sections: Vec<Section>,
}

/// A line of a framework file that is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub zh: String,
    pub en: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.en)
    }
}

fn err(line: usize, zh: impl Into<String>, en: impl Into<String>) -> ParseError {
    ParseError {
        line,
        zh: format!("第{line}行：{}", zh.into()),
        en: en.into(),
    }
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 20
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
}

/// Reads a framework file; every problem names its line.
pub fn parse(text: &str) -> Result<Framework, ParseError> {
    let mut fw: Option<Framework> = None;
    let mut last_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        last_line = n;
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        match cols[0] {
            "framework" => {
                if fw.is_some() {
                    return Err(err(
                        n,
                        "一个文件只能有一个framework行",
                        "only one framework line per file",
                    ));
                }
                let [_, code, title, edition] = cols[..] else {
                    return Err(err(
                        n,
                        "framework行应为：framework、代码、名称、版本四列（制表符分隔）",
                        "a framework line has 4 tab-separated columns: framework, code, title, edition",
                    ));
                };
                if !is_id(code) || title.is_empty() || edition.is_empty() {
                    return Err(err(
                        n,
                        "框架代码应为字母数字，名称和版本必填",
                        "the code is letters and digits; title and edition are required",
                    ));
                }
                fw = Some(Framework {
                    code: code.into(),
                    title: title.into(),
                    edition: edition.into(),
                    sections: vec![],
                });
            }
            "section" => {
                let f = fw
                    .as_mut()
                    .ok_or_else(|| err(n, "section之前须有framework行", "a framework line must come first"))?;
                let [_, id, title] = cols[..] else {
                    return Err(err(
                        n,
                        "section行应为：section、编号、标题三列",
                        "a section line has 3 columns: section, id, title",
                    ));
                };
                if !is_id(id) || title.is_empty() {
                    return Err(err(
                        n,
                        format!("章节编号“{id}”无效或标题为空"),
                        format!("section id '{id}' is not valid or the title is empty"),
                    ));
                }
                if f.sections.iter().any(|s| s.id == id) {
                    return Err(err(
                        n,
                        format!("章节编号“{id}”重复"),
                        format!("section id '{id}' repeats"),
                    ));
                }
                f.sections.push(Section {
                    id: id.into(),
                    title: title.into(),
                    items: vec![],
                });
            }
            "item" => {
                let f = fw
                    .as_mut()
                    .ok_or_else(|| err(n, "item之前须有framework行", "a framework line must come first"))?;
                let [_, id, text, answer, weight] = cols[..] else {
                    return Err(err(
                        n,
                        "item行应为：item、编号、要求、答题类型、权重五列",
                        "an item line has 5 columns: item, id, requirement, answer type, weight",
                    ));
                };
                if !is_id(id) || text.is_empty() {
                    return Err(err(
                        n,
                        format!("条目编号“{id}”无效或要求为空"),
                        format!("item id '{id}' is not valid or the requirement is empty"),
                    ));
                }
                if f.sections.iter().flat_map(|s| &s.items).any(|r| r.id == id) {
                    return Err(err(n, format!("条目编号“{id}”重复"), format!("item id '{id}' repeats")));
                }
                let answer = match answer {
                    "yes_no" => AnswerType::YesNo,
                    "score" => AnswerType::Score,
                    "text" => AnswerType::Text,
                    other => {
                        return Err(err(
                            n,
                            format!("答题类型“{other}”应为 yes_no、score 或 text"),
                            format!("answer type '{other}' is not yes_no, score or text"),
                        ));
                    }
                };
                let weight: u32 = weight.parse().ok().filter(|w| *w <= 100).ok_or_else(|| {
                    err(
                        n,
                        format!("权重“{weight}”应为0到100的整数"),
                        format!("weight '{weight}' is not a whole number from 0 to 100"),
                    )
                })?;
                if answer == AnswerType::Text && weight != 0 {
                    return Err(err(
                        n,
                        "文字题不计分，权重应为0",
                        "a text item is not scored: its weight is 0",
                    ));
                }
                let section = f
                    .sections
                    .last_mut()
                    .ok_or_else(|| err(n, "item之前须有section行", "a section line must come before items"))?;
                section.items.push(Requirement {
                    id: id.into(),
                    text: text.into(),
                    answer,
                    weight,
                });
            }
            other => {
                return Err(err(
                    n,
                    format!("未知的行类型“{other}”（应为 framework、section 或 item）"),
                    format!("unknown record '{other}' (framework, section or item)"),
                ));
            }
        }
    }
    let f = fw.ok_or_else(|| {
        err(
            last_line.max(1),
            "文件中没有framework行",
            "the file has no framework line",
        )
    })?;
    if !f.sections.iter().any(|s| !s.items.is_empty()) {
        return Err(err(
            last_line.max(1),
            "框架中没有任何条目",
            "the framework has no items",
        ));
    }
    Ok(f)
}

/// The frameworks kean ships, one per gate (its code is the gate's), written
/// by kean as data (`data/checklists/*.tsv`); the bureau loads new versions.
pub const SHIPPED: [&str; 4] = [
    include_str!("../data/checklists/approval_review.tsv"),
    include_str!("../data/checklists/rnd_control.tsv"),
    include_str!("../data/checklists/transfer_audit.tsv"),
    include_str!("../data/checklists/platform_assessment.tsv"),
];

/// One answer as given (`yes`, `no`, `na`, `0`…`5`, or text).
pub type Answers = std::collections::BTreeMap<String, String>;

/// Answers meeting every requirement (是 / 5), text items left empty: what a
/// script or the demo sends for an item-by-item "met".
pub fn all_met(f: &Framework) -> Answers {
    f.sections
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(|r| match r.answer {
            AnswerType::YesNo => Some((r.id.clone(), "yes".to_string())),
            AnswerType::Score => Some((r.id.clone(), "5".to_string())),
            AnswerType::Text => None,
        })
        .collect()
}

/// A scored assessment: per cent of the weighted best, and the findings
/// (requirements answered `no` or scored under 3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    pub percent: f64,
    pub shortfalls: Vec<(String, String)>,
}

/// Checks answers against the framework (every scored requirement
/// answered, each in its type) and scores them.
pub fn score(f: &Framework, answers: &Answers) -> Result<Scored, Vec<(String, String, String)>> {
    let mut errors = Vec::new();
    let mut got = 0.0;
    let mut best = 0.0;
    let mut shortfalls = Vec::new();
    for r in f.sections.iter().flat_map(|s| &s.items) {
        let a = answers.get(&r.id).map(|s| s.trim()).unwrap_or("");
        match r.answer {
            AnswerType::Text => {
                if a.chars().count() > 2000 {
                    errors.push((
                        r.id.clone(),
                        format!("{}：至多2000字", r.id),
                        format!("{}: at most 2000 characters", r.id),
                    ));
                }
            }
            AnswerType::YesNo => match a {
                "yes" | "是" => {
                    got += r.weight as f64;
                    best += r.weight as f64;
                }
                "no" | "否" => {
                    best += r.weight as f64;
                    shortfalls.push((r.id.clone(), r.text.clone()));
                }
                "na" | "不适用" => {}
                "" => errors.push((
                    r.id.clone(),
                    format!("{} {}：未作答", r.id, r.text),
                    format!("{}: not answered", r.id),
                )),
                other => errors.push((
                    r.id.clone(),
                    format!("{}：“{other}”应为是、否或不适用", r.id),
                    format!("{}: '{other}' is not yes, no or na", r.id),
                )),
            },
            AnswerType::Score => match a.parse::<u8>() {
                Ok(v) if v <= 5 => {
                    got += r.weight as f64 * v as f64 / 5.0;
                    best += r.weight as f64;
                    if v < 3 {
                        shortfalls.push((r.id.clone(), r.text.clone()));
                    }
                }
                _ if a.is_empty() => errors.push((
                    r.id.clone(),
                    format!("{} {}：未评分", r.id, r.text),
                    format!("{}: not scored", r.id),
                )),
                _ => errors.push((
                    r.id.clone(),
                    format!("{}：“{a}”应为0到5的整数", r.id),
                    format!("{}: '{a}' is not a whole number from 0 to 5", r.id),
                )),
            },
        }
    }
    if let Some(k) = answers
        .keys()
        .find(|k| !f.sections.iter().flat_map(|s| &s.items).any(|r| &r.id == *k))
    {
        errors.push((
            k.clone(),
            format!("框架中没有条目“{k}”"),
            format!("the framework has no item '{k}'"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Scored {
        percent: if best > 0.0 {
            (got / best * 1000.0).round() / 10.0
        } else {
            100.0
        },
        shortfalls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &str = "# test\nframework\tplatform_security\t平台安全评估\t2026.1\nsection\tA\t数据\nitem\tA1\t研究数据分级\tyes_no\t3\nitem\tA2\t数据保护水平\tscore\t2\nsection\tB\t其他\nitem\tB1\t说明\ttext\t0\n";

    #[test]
    fn a_framework_parses_and_scores() {
        let f = parse(F).unwrap();
        assert_eq!((f.code.as_str(), f.sections.len()), ("platform_security", 2));
        let mut a = Answers::new();
        a.insert("A1".into(), "yes".into());
        a.insert("A2".into(), "5".into());
        assert_eq!(score(&f, &a).unwrap().percent, 100.0);
        a.insert("A1".into(), "否".into());
        a.insert("A2".into(), "2".into());
        let s = score(&f, &a).unwrap();
        assert_eq!(s.percent, 16.0, "{s:?}");
        assert_eq!(s.shortfalls.len(), 2);
        a.remove("A2");
        a.insert("Z9".into(), "yes".into());
        let e = score(&f, &a).unwrap_err();
        assert!(e.iter().any(|x| x.0 == "A2") && e.iter().any(|x| x.0 == "Z9"), "{e:?}");
    }

    #[test]
    fn the_shipped_frameworks_parse_one_per_gate() {
        for (text, gate) in SHIPPED.iter().zip(crate::lifecycle::Gate::ALL) {
            let f = parse(text).unwrap_or_else(|e| panic!("{gate:?}: {e}"));
            assert_eq!(f.code, gate.code());
        }
    }

    #[test]
    fn bad_files_name_their_line() {
        for (text, line) in [
            ("section\tA\tx\n", 1),
            ("framework\tx\tT\t1\nsection\tA\tS\nitem\tA1\treq\tmaybe\t1\n", 3),
            ("framework\tx\tT\t1\nsection\tA\tS\nitem\tA1\treq\tyes_no\tmany\n", 3),
            (
                "framework\tx\tT\t1\nsection\tA\tS\nitem\tA1\treq\tyes_no\t1\nitem\tA1\tagain\tyes_no\t1\n",
                4,
            ),
            ("framework\tx\tT\t1\nsection\tA\tS\nitem\tA1\treq\ttext\t3\n", 3),
            ("framework\tx\tT\t1\nwhatever\n", 2),
            ("framework\tx\tT\t1\nsection\tA\tS\n", 2),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e:?}");
            assert!(e.zh.starts_with(&format!("第{line}行")), "{e:?}");
        }
    }
}
