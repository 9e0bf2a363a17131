//! Evaluation and throughput measurement.
//!
//! `cargo run --release -p kean-screen --example eval [-- --n 1000000] [--write-eval] [--skip-bench]`
//!
//! Prints: list loading and index build times; precision/recall/F1 on the nomenklatura name
//! bench at the default threshold (and a threshold sweep); recall and false-positive rate on the
//! generated Chinese↔Latin set (`eval/cn_latin_eval.csv` with `--write-eval`); single-query
//! latency p50/p99; batch throughput over N generated party names end to end (lists read from
//! disk, parsed, indexed, queries streamed from a CSV, matches written to a CSV).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use kean_screen::batch::screen_batch;
use kean_screen::index::{DEFAULT_THRESHOLD, Index};
use kean_screen::model::{EntityType, ParsedList, Query};
use kean_screen::parse::detect_and_parse;
use kean_screen::text::normalize;
use std::collections::{HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const LIST_FILES: [&str; 4] = [
    "ofac_sdn_2024-05-03.csv",
    "us_bis_entity_list_2025-11-08.json",
    "un_consolidated_2025-11-20.xml",
    "cn_lists_flat.csv",
];

fn load_lists(dir: &Path) -> Vec<ParsedList> {
    LIST_FILES
        .iter()
        .map(|f| {
            let b = std::fs::read(dir.join("lists").join(f)).expect("read list");
            detect_and_parse(&b, f).expect("parse list")
        })
        .collect()
}

/// Deterministic pseudo-random numbers (64-bit LCG / xorshift mix).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut x = self.0;
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51afd7ed558ccd);
        x ^ (x >> 33)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

#[derive(Default)]
struct Counts {
    tp: u64,
    fp: u64,
    tn: u64,
    fn_: u64,
}
impl Counts {
    fn add(&mut self, truth: bool, pred: bool) {
        match (truth, pred) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
            (true, false) => self.fn_ += 1,
        }
    }
    fn p(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }
    fn r(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.p(), self.r());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn fpr(&self) -> f64 {
        self.fp as f64 / (self.fp + self.tn).max(1) as f64
    }
}

fn schema_type(s: &str) -> EntityType {
    match s {
        "Person" => EntityType::Person,
        "Vessel" => EntityType::Vessel,
        "Company" | "Organization" | "LegalEntity" => EntityType::Organization,
        _ => EntityType::Unknown,
    }
}

/// (schema, name1, name2, is_match)
type Row = (String, String, String, bool);

fn nomenklatura(idx: &Index, dir: &Path, verbose: bool) {
    let path = dir.join("eval/nomenklatura_name_bench_cases.csv");
    let mut rdr = csv::Reader::from_path(&path).expect("nomenklatura cases");
    let mut rows = Vec::new();
    for r in rdr.records() {
        let r = r.expect("row");
        rows.push((r[1].to_string(), r[2].to_string(), r[3].to_string(), &r[4] == "true"));
    }
    let t = Instant::now();
    let scored: Vec<(f64, bool, &Row)> = rows
        .iter()
        .map(|row| (idx.compare_names(&row.1, &row.2, schema_type(&row.0)), row.3, row))
        .collect();
    let per_pair = t.elapsed().as_secs_f64() / rows.len() as f64;
    let mut c = Counts::default();
    for (s, truth, _) in &scored {
        c.add(*truth, *s >= DEFAULT_THRESHOLD);
    }
    println!(
        "nomenklatura name bench ({} pairs) at default threshold {DEFAULT_THRESHOLD}: F1 {:.3}  P {:.3}  R {:.3}  FPR {:.3}  ({:.1} µs/pair)",
        rows.len(),
        c.f1(),
        c.p(),
        c.r(),
        c.fpr(),
        per_pair * 1e6
    );
    let mut sweep = String::new();
    for t in [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85] {
        let mut c = Counts::default();
        for (s, truth, _) in &scored {
            c.add(*truth, *s >= t);
        }
        sweep.push_str(&format!(" {t:.2}:{:.3}", c.f1()));
    }
    println!("  F1 by threshold:{sweep}");
    if verbose {
        for (s, truth, row) in &scored {
            if (*s >= DEFAULT_THRESHOLD) != *truth {
                let e = idx.explain_names(&row.1, &row.2, schema_type(&row.0));
                println!(
                    "  {} {:.3} [{}] {} | {}\n      {} (weights {:.1}/{:.1}, factors {:?})",
                    if *truth { "FN" } else { "FP" },
                    s,
                    row.0,
                    row.1,
                    row.2,
                    e.summary(),
                    e.components.matched_weight,
                    e.components.total_weight,
                    e.components.factors.iter().map(|f| f.factor()).collect::<Vec<_>>()
                );
            }
        }
    }
}

/// moov-io/watchman's cross-script pairs (Arabic, Cyrillic, Chinese, Hangul, Japanese → Latin).
fn watchman(idx: &Index, dir: &Path, verbose: bool) {
    let text = std::fs::read_to_string(dir.join("eval/watchman_cross_script_pairs.csv")).unwrap_or_default();
    let mut by_script: Vec<(String, usize, usize)> = Vec::new();
    let mut script = String::from("?");
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("# ") {
            if let Some((s, _)) = h.split_once(" to Latin") {
                script = s.to_string();
            }
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 2 || line.starts_with('#') {
            continue;
        }
        let score = idx.compare_names(f[0], f[1], EntityType::Person);
        let ok = score >= DEFAULT_THRESHOLD;
        if verbose && !ok {
            let e = idx.explain_names(f[0], f[1], EntityType::Person);
            println!("  WATCHMAN MISS {} | {} {score:.3} || {}", f[0], f[1], e.summary());
        }
        match by_script.iter_mut().find(|e| e.0 == script) {
            Some(e) => {
                e.1 += usize::from(ok);
                e.2 += 1;
            }
            None => by_script.push((script.clone(), usize::from(ok), 1)),
        }
    }
    let parts: Vec<String> = by_script.iter().map(|(s, ok, n)| format!("{s} {ok}/{n}")).collect();
    println!(
        "watchman cross-script pairs matched at the default threshold: {}",
        parts.join(", ")
    );
}

/// yente's fixtures: UN-listed persons as listed and "treated" (typos, reordering) → recall
/// against the UN entry; synthetic unlisted persons → rate of any match.
fn yente(idx: &Index, dir: &Path, verbose: bool) {
    let fx = dir.join("eval/yente_candidate_fixtures");
    let read = |f: &str| -> Vec<String> {
        csv::Reader::from_path(fx.join(f))
            .map(|mut r| r.records().filter_map(Result::ok).map(|r| r[0].to_string()).collect())
            .unwrap_or_default()
    };
    let (untreated, treated, negatives) = (
        read("positives_un_untreated.csv"),
        read("positives_un_treated.csv"),
        read("negatives_global_small.csv"),
    );
    if untreated.is_empty() {
        return;
    }
    let person = |name: &str| Query {
        name: name.to_string(),
        entity_type: EntityType::Person,
        ..Query::default()
    };
    let mut found = [0usize; 2];
    let mut total = 0usize;
    for (u, t) in untreated.iter().zip(&treated) {
        // the entry the untreated name designates: its best UN match
        let Some(target) = idx
            .screen(&person(u), DEFAULT_THRESHOLD)
            .into_iter()
            .find(|h| h.list == "UN-SC")
        else {
            continue;
        };
        total += 1;
        for (k, q) in [u, t].into_iter().enumerate() {
            let hit = idx
                .screen(&person(q), DEFAULT_THRESHOLD)
                .iter()
                .any(|h| h.entry_id == target.entry_id);
            found[k] += usize::from(hit);
            if verbose && !hit {
                let e = idx.explain_names(q, &target.matched_name, EntityType::Person);
                println!("  YENTE MISS {q} -> {} || {}", target.matched_name, e.summary());
            }
        }
    }
    let fp = negatives
        .iter()
        .filter(|n| !idx.screen(&person(n), DEFAULT_THRESHOLD).is_empty())
        .count();
    println!(
        "yente fixtures: UN persons found as listed {}/{} and with typos/reordering {}/{} (recall {:.3}); synthetic unlisted persons with any match {}/{} ({:.3})",
        found[0],
        total,
        found[1],
        total,
        found[1] as f64 / total.max(1) as f64,
        fp,
        negatives.len(),
        fp as f64 / negatives.len().max(1) as f64
    );
}

// ------------------------------------------------------------------ Chinese ↔ Latin set

/// (Chinese name, English name as listed on a US list) — facts about listed Chinese parties.
const ZH_EN_LISTED: &[(&str, &str)] = &[
    ("华为技术有限公司", "Huawei Technologies Co., Ltd."),
    ("浙江大华技术股份有限公司", "Zhejiang Dahua Technology Co., Ltd."),
    (
        "杭州海康威视数字技术股份有限公司",
        "Hangzhou Hikvision Digital Technology Co., Ltd.",
    ),
    ("曙光信息产业股份有限公司", "Sugon"),
    ("长江存储科技有限责任公司", "Yangtze Memory Technologies Co., Ltd."),
    ("北方华创科技集团股份有限公司", "Naura Technology Group Co., Ltd."),
    (
        "中国电子科技集团公司第三十六研究所",
        "China Electronics Technology Group Corporation 36th Research Institute",
    ),
    (
        "中国电子科技集团公司第十四研究所",
        "China Electronics Technology Group Corporation 14th Research Institute (CETC 14)",
    ),
    (
        "上海微电子装备集团股份有限公司",
        "Shanghai Micro Electronics Equipment (Group) Co., Ltd.",
    ),
    (
        "北京航空航天大学",
        "Beijing University of Aeronautics and Astronautics (BUAA)",
    ),
    ("哈尔滨工业大学", "Harbin Institute of Technology"),
    ("哈尔滨工程大学", "Harbin Engineering University"),
    ("西北工业大学", "Northwestern Polytechnical University"),
    ("国防科技大学", "National University of Defense Technology"),
    ("中国工程物理研究院", "China Academy of Engineering Physics"),
    ("四川大学", "Sichuan University"),
    ("南京航空航天大学", "Nanjing University of Aeronautics and Astronautics"),
    ("南京理工大学", "Nanjing University of Science and Technology"),
    (
        "电子科技大学",
        "University of Electronic Science and Technology of China",
    ),
    ("中国科学技术大学", "University of Science and Technology of China"),
    ("天津大学", "Tianjin University"),
    ("合肥凯世通半导体有限公司", "Hefei Kaishitong Semiconductor Co., Ltd."),
    ("新疆生产建设兵团", "Xinjiang Production and Construction Corps (XPCC)"),
    ("北京瑞达康科技有限公司", "Beijing Ruidakang Technology Co., Ltd."),
    (
        "济南鑫银博电子设备有限公司",
        "Jinan Xin Yin Bo Electronic Equipment Co., Ltd.",
    ),
    (
        "上海精卓信息技术有限公司",
        "Shanghai Jingzhuo Information Technology Co., Ltd.",
    ),
    ("深圳智谱未来科技有限公司", "Shenzhen Zhipu Future Technology Co., Ltd."),
    ("西安华大九天科技有限公司", "Xi'an Huada Jiutian Technology Co., Ltd."),
    ("江苏雷电科技公司", "Jiangsu Leidian Technology Company (JLTC)"),
    ("奇虎360科技有限公司", "Qihoo 360 Technology Company"),
    (
        "北京智谱灵航科技有限公司",
        "Beijing Zhipu Linghang Technology Co., Ltd.",
    ),
    (
        "上海索为信息技术有限公司",
        "Shanghai Suowei Information Technology Co., Ltd.",
    ),
    ("浪潮软件股份有限公司", "Inspur Software Co., Ltd."),
    ("算力（福建）科技有限公司", "Suanli (Fujian) Technology Co., Ltd."),
    ("哈密市公安局", "Hami Municipality Public Security Bureau"),
    ("五家渠市公安局", "Wujiaqu Municipality Public Security Bureau"),
    (
        "中国航天科工集团第三研究院",
        "China Aerospace Science and Industry Corporation (CASIC) 3rd Academy",
    ),
];

/// Real organizations not on any of the lists (Shanxi / Jinzhong and well-known others), both
/// scripts, plus near-misses that share a brand or place word with a listed party.
const NEGATIVES: &[(&str, &str)] = &[
    ("unlisted", "山西新泰钢铁有限公司"),
    ("unlisted", "山西农业大学"),
    ("unlisted", "晋中学院"),
    ("unlisted", "太原理工大学"),
    ("unlisted", "山西大学"),
    ("unlisted", "太原科技大学"),
    ("unlisted", "山西医科大学"),
    ("unlisted", "晋中信息学院"),
    ("unlisted", "山西杏花村汾酒厂股份有限公司"),
    ("unlisted", "太原钢铁（集团）有限公司"),
    ("unlisted", "山西潞安矿业（集团）有限责任公司"),
    ("unlisted", "山西焦煤集团有限责任公司"),
    ("unlisted", "晋能控股集团有限公司"),
    ("unlisted", "山西建设投资集团有限公司"),
    ("unlisted", "榆次液压有限公司"),
    ("unlisted", "平遥牛肉集团有限公司"),
    ("unlisted", "山西太谷农村商业银行股份有限公司"),
    ("unlisted", "晋中市榆次区人民医院"),
    ("unlisted", "山西师范大学"),
    ("unlisted", "太原师范学院"),
    ("unlisted", "浙江大学"),
    ("unlisted", "复旦大学"),
    ("unlisted", "武汉大学"),
    ("unlisted", "南开大学"),
    ("unlisted", "厦门大学"),
    ("unlisted", "比亚迪股份有限公司"),
    ("unlisted", "小米科技有限责任公司"),
    ("unlisted", "腾讯科技（深圳）有限公司"),
    ("unlisted", "阿里巴巴集团控股有限公司"),
    ("unlisted", "珠海格力电器股份有限公司"),
    ("unlisted", "美的集团股份有限公司"),
    ("unlisted", "青岛啤酒股份有限公司"),
    ("unlisted", "贵州茅台酒股份有限公司"),
    ("unlisted", "海尔集团公司"),
    ("unlisted", "Shanxi Agricultural University"),
    ("unlisted", "Taiyuan University of Technology"),
    ("unlisted", "Shanxi University"),
    ("unlisted", "Jinzhong University"),
    ("unlisted", "Shanxi Xintai Iron and Steel Co., Ltd."),
    ("unlisted", "Taiyuan Iron and Steel (Group) Co., Ltd."),
    ("unlisted", "Shanxi Fenjiu Group"),
    ("unlisted", "Zhejiang University"),
    ("unlisted", "Fudan University"),
    ("unlisted", "BYD Company Limited"),
    ("unlisted", "Xiaomi Corporation"),
    ("unlisted", "Tencent Technology (Shenzhen) Co., Ltd."),
    ("unlisted", "Alibaba Group Holding Limited"),
    ("unlisted", "Gree Electric Appliances Inc. of Zhuhai"),
    ("unlisted", "Midea Group Co., Ltd."),
    ("unlisted", "Tsingtao Brewery Co., Ltd."),
    ("unlisted", "Kweichow Moutai Co., Ltd."),
    ("near-miss", "华为酒店管理有限公司"),
    ("near-miss", "浙江大华建设集团有限公司"),
    ("near-miss", "大华酒店"),
    ("near-miss", "杭州海康旅游有限公司"),
    ("near-miss", "中国电子科技集团公司第九十九研究所"),
    ("near-miss", "四川农业大学"),
    ("near-miss", "天津师范大学"),
    ("near-miss", "哈尔滨医科大学"),
    ("near-miss", "南京大学"),
    ("near-miss", "北京工业大学"),
    ("near-miss", "西北大学"),
    ("near-miss", "长江电力股份有限公司"),
    ("near-miss", "浪潮酒业有限公司"),
    ("near-miss", "深圳未来餐饮管理有限公司"),
    ("near-miss", "余茂林"),
    ("near-miss", "Huawei Hotel Management Co., Ltd."),
    ("near-miss", "Zhejiang Dahua Construction Group Co., Ltd."),
    ("near-miss", "Sichuan Agricultural University"),
    ("near-miss", "Tianjin Normal University"),
    ("near-miss", "Harbin Medical University"),
    ("near-miss", "Nanjing University"),
    ("near-miss", "Beijing University of Technology"),
    ("near-miss", "Yangtze Power Co., Ltd."),
    ("near-miss", "Inspur Winery Co., Ltd."),
    ("near-miss", "Lockheed Hotel Management Company"),
    ("near-miss", "Raytheon Dental Clinic"),
    ("near-miss", "Dahua Catering Services Co., Ltd."),
];

/// Simplified → Traditional, inverting the library's own table by probing it (test input only).
fn to_traditional(s: &str) -> String {
    static INV: std::sync::OnceLock<HashMap<char, char>> = std::sync::OnceLock::new();
    let inv = INV.get_or_init(|| {
        let mut m = HashMap::new();
        for cp in 0x4E00u32..=0x9FFF {
            let Some(t) = char::from_u32(cp) else {
                continue;
            };
            let s = kean_screen::zh::t2s(t);
            if s != t {
                m.entry(s).or_insert(t);
            }
        }
        m
    });
    s.chars().map(|c| *inv.get(&c).unwrap_or(&c)).collect()
}

fn pinyin_spaced(s: &str) -> String {
    let mut out = Vec::new();
    for c in s.chars() {
        match kean_screen::zh::pinyin_of(c) {
            Some(p) => out.push(p.to_string()),
            None if c.is_alphanumeric() => out.push(c.to_string()),
            None => {}
        }
    }
    out.join(" ")
}

fn typo(s: &str, rng: &mut Rng) -> String {
    // swap two adjacent letters inside the longest word
    let words: Vec<&str> = s.split(' ').collect();
    let (wi, w) = words.iter().enumerate().max_by_key(|(_, w)| w.chars().count()).unwrap();
    let mut cs: Vec<char> = w.chars().collect();
    if cs.len() >= 5 {
        let i = 1 + rng.below(cs.len() - 3);
        cs.swap(i, i + 1);
    }
    let mut ws: Vec<String> = words.iter().map(|w| w.to_string()).collect();
    ws[wi] = cs.into_iter().collect();
    ws.join(" ")
}

fn swap_legal(en: &str) -> String {
    for suf in [
        ", Inc.",
        " Inc.",
        " LLC",
        " Corporation",
        " Corp.",
        " Co., Ltd.",
        " Company",
        ", Ltd.",
    ] {
        if let Some(stem) = en.strip_suffix(suf) {
            return format!("{stem} Co., Ltd.");
        }
    }
    format!("{en} Inc.")
}

struct Case {
    positive: bool,
    category: String,
    query: String,
    qtype: EntityType,
    expected: HashSet<String>,
}

fn build_cases(lists: &[ParsedList]) -> Vec<Case> {
    let mut by_name: HashMap<String, HashSet<String>> = HashMap::new();
    for l in lists {
        for e in &l.entries {
            for n in std::iter::once(&e.name).chain(&e.aliases) {
                by_name
                    .entry(normalize(n))
                    .or_default()
                    .insert(format!("{}:{}", l.name, e.id));
            }
        }
    }
    let mut rng = Rng(20251129);
    let mut cases = Vec::new();
    let mut push = |positive: bool, category: &str, query: String, qtype: EntityType, expected: HashSet<String>| {
        cases.push(Case {
            positive,
            category: category.to_string(),
            query,
            qtype,
            expected,
        });
    };
    for (zh, en) in ZH_EN_LISTED {
        let Some(exp) = by_name.get(&normalize(en)) else {
            eprintln!("warning: listed name not found, pair skipped: {en}");
            continue;
        };
        push(true, "zh->en listed", zh.to_string(), EntityType::Unknown, exp.clone());
        let trad = to_traditional(zh);
        if trad != *zh {
            push(
                true,
                "zh-traditional->en listed",
                trad,
                EntityType::Unknown,
                exp.clone(),
            );
        }
        let bare = ["股份有限公司", "有限责任公司", "有限公司", "公司"]
            .iter()
            .find_map(|f| zh.strip_suffix(f).map(str::to_string));
        if let Some(b) = bare {
            push(
                true,
                "zh-no-legal-form->en listed",
                b.clone(),
                EntityType::Unknown,
                exp.clone(),
            );
            push(
                true,
                "zh-foreign-legal-form->en listed",
                format!("{b} GmbH"),
                EntityType::Unknown,
                exp.clone(),
            );
        }
        push(
            true,
            "pinyin->en listed",
            pinyin_spaced(zh),
            EntityType::Unknown,
            exp.clone(),
        );
        push(
            true,
            "en-typo->en listed",
            typo(en, &mut rng),
            EntityType::Unknown,
            exp.clone(),
        );
    }
    // China's lists: every entry has name_zh (primary) and name_en (alias)
    let cn = lists.iter().find(|l| l.name == "CN").expect("CN list");
    let mut seen = HashSet::new();
    for e in &cn.entries {
        if !seen.insert(e.name.clone()) {
            continue;
        }
        let exp: HashSet<String> = by_name.get(&normalize(&e.name)).cloned().unwrap_or_default();
        let t = e.entity_type;
        let trad = to_traditional(&e.name);
        if trad != e.name {
            push(true, "cn zh-traditional", trad, t, exp.clone());
        }
        if let Some(en) = e.aliases.first() {
            push(true, "cn en-typo", typo(en, &mut rng), t, exp.clone());
            if t == EntityType::Person {
                let parts: Vec<&str> = en.split_whitespace().collect();
                if parts.len() >= 2 {
                    let reordered = format!(
                        "{}, {}",
                        parts[parts.len() - 1].to_uppercase(),
                        parts[..parts.len() - 1].join(" ")
                    );
                    push(true, "cn en-reordered", reordered, t, exp.clone());
                }
            } else {
                push(true, "cn en-legal-form-swapped", swap_legal(en), t, exp.clone());
            }
        } else if t == EntityType::Person {
            // no English on the list: a Chinese person name → pinyin forms
            let py: Vec<String> = e
                .name
                .chars()
                .filter_map(kean_screen::zh::pinyin_of)
                .map(String::from)
                .collect();
            if py.len() >= 2 {
                let cap = |s: &str| {
                    let mut c = s.chars();
                    c.next()
                        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                        .unwrap_or_default()
                };
                let given = cap(&py[1..].concat());
                push(
                    true,
                    "cn zh-person->pinyin",
                    format!("{} {}", cap(&py[0]), given),
                    EntityType::Unknown,
                    exp.clone(),
                );
                push(
                    true,
                    "cn zh-person->pinyin reordered",
                    format!("{} {}", given, cap(&py[0])),
                    EntityType::Unknown,
                    exp.clone(),
                );
                push(
                    true,
                    "cn zh-person->pinyin hyphenated",
                    format!("{}-{} {}", cap(&py[1]), py[2..].concat(), cap(&py[0])),
                    EntityType::Unknown,
                    exp.clone(),
                );
            }
        }
        if t == EntityType::Organization {
            let bare = ["股份有限公司", "有限责任公司", "有限公司", "分公司", "子公司", "公司"]
                .iter()
                .find_map(|f| e.name.strip_suffix(f).map(|b| (b, *f)));
            if let Some((b, f)) = bare
                && f != "分公司"
                && f != "子公司"
                && f != "有限责任公司"
            {
                push(
                    true,
                    "cn zh-legal-form-changed",
                    format!("{b}有限责任公司"),
                    t,
                    exp.clone(),
                );
            }
        }
    }
    for (cat, q) in NEGATIVES {
        push(false, cat, q.to_string(), EntityType::Unknown, HashSet::new());
    }
    cases
}

fn run_cases(idx: &Index, cases: &[Case], verbose: bool) -> (f64, f64) {
    let mut pos = (0u64, 0u64);
    let mut neg = (0u64, 0u64);
    let mut by_cat: HashMap<&str, (u64, u64)> = HashMap::new();
    for c in cases {
        let q = Query {
            name: c.query.clone(),
            entity_type: c.qtype,
            ..Query::default()
        };
        let matches = idx.screen(&q, DEFAULT_THRESHOLD);
        let ok = if c.positive {
            matches
                .iter()
                .any(|h| c.expected.contains(&format!("{}:{}", h.list, h.entry_id)))
        } else {
            matches.is_empty()
        };
        let e = by_cat.entry(c.category.as_str()).or_default();
        e.0 += u64::from(ok);
        e.1 += 1;
        if c.positive {
            pos.0 += u64::from(ok);
            pos.1 += 1;
        } else {
            neg.0 += u64::from(!ok);
            neg.1 += 1;
        }
        if verbose && !ok {
            let top = matches
                .first()
                .map(|h| format!("{:.3} {} | {}", h.score, h.entry_name, h.explanation.summary()))
                .unwrap_or_default();
            let best = idx.screen(&q, 0.0);
            let best = best
                .iter()
                .find(|h| c.expected.contains(&format!("{}:{}", h.list, h.entry_id)))
                .map(|h| format!("{:.3} {}", h.score, h.explanation.summary()))
                .unwrap_or_else(|| "not retrieved".into());
            println!(
                "  MISS [{}] {} -> top: {} || expected: {}",
                c.category, c.query, top, best
            );
        }
    }
    let mut cats: Vec<_> = by_cat.into_iter().collect();
    cats.sort();
    for (cat, (ok, n)) in cats {
        println!("    {cat:<36} {ok}/{n}");
    }
    let recall = pos.0 as f64 / pos.1.max(1) as f64;
    let fpr = neg.0 as f64 / neg.1.max(1) as f64;
    println!(
        "Chinese<->Latin set: {} positives, recall {:.3}; {} negatives, false-positive rate {:.3}",
        pos.1, recall, neg.1, fpr
    );
    (recall, fpr)
}

/// The hand-written set of Chinese institution names (`eval/cn_institutions_eval.csv`, issue 13):
/// each positive names the BIS Entity List entry it must reach (by its primary name); a negative
/// must match nothing. Traditional forms were made with OpenCC (s2t), not with kean's table.
fn institutions(idx: &Index, verbose: bool) -> (f64, f64) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/cn_institutions_eval.csv");
    let mut rdr = csv::Reader::from_path(&path).expect("eval/cn_institutions_eval.csv");
    let (mut tp, mut pos, mut fp, mut neg) = (0u32, 0u32, 0u32, 0u32);
    let mut by_cat: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
    for rec in rdr.records() {
        let rec = rec.expect("row");
        let (label, cat, query, expected) = (&rec[0], &rec[1], &rec[2], &rec[3]);
        let matches = idx.screen(&Query::new(query), DEFAULT_THRESHOLD);
        let ok = if label == "match" {
            pos += 1;
            let hit = matches.iter().any(|m| m.entry_name == expected);
            tp += u32::from(hit);
            hit
        } else {
            neg += 1;
            fp += u32::from(!matches.is_empty());
            matches.is_empty()
        };
        let e = by_cat.entry(cat.to_string()).or_default();
        e.0 += u32::from(ok);
        e.1 += 1;
        if verbose && !ok {
            let top = matches
                .first()
                .map(|h| format!("{:.3} {} | {}", h.score, h.entry_name, h.explanation.summary()))
                .unwrap_or_default();
            println!("  MISS [institutions {cat}] {query} -> top: {top} || expected: {expected}");
        }
    }
    for (cat, (ok, n)) in by_cat {
        println!("    {cat:<36} {ok}/{n}");
    }
    let recall = f64::from(tp) / f64::from(pos.max(1));
    let fpr = f64::from(fp) / f64::from(neg.max(1));
    println!(
        "Chinese institutions set: {pos} positives, recall {recall:.3} ({tp}/{pos}); {neg} negatives, false-positive rate {fpr:.3} ({fp}/{neg})"
    );
    (recall, fpr)
}

fn write_cases(cases: &[Case], path: &Path) {
    let mut w = csv::Writer::from_path(path).expect("write eval csv");
    w.write_record(["label", "category", "query", "type", "expected"])
        .unwrap();
    for c in cases {
        let mut exp: Vec<&String> = c.expected.iter().collect();
        exp.sort();
        let exp: Vec<&str> = exp.into_iter().map(String::as_str).collect();
        w.write_record([
            if c.positive { "match" } else { "no_match" },
            c.category.as_str(),
            c.query.as_str(),
            c.qtype.as_str(),
            exp.join(";").as_str(),
        ])
        .unwrap();
    }
    w.flush().unwrap();
    println!("wrote {} cases to {}", cases.len(), path.display());
}

/// Hard cross-script check on China's lists: index each CN entry in ONE script only and query
/// with the other script (dictionary + phonetic keys only; no shared alias).
fn cross_script_cn(lists: &[ParsedList]) {
    let cn = lists.iter().find(|l| l.name == "CN").expect("CN");
    let mut zh_only = cn.clone();
    let mut en_only = cn.clone();
    zh_only.entries.retain(|e| !e.aliases.is_empty());
    en_only.entries.retain(|e| !e.aliases.is_empty());
    for e in &mut zh_only.entries {
        e.aliases.clear();
    }
    for e in &mut en_only.entries {
        e.name = e.aliases.remove(0);
    }
    let others: Vec<ParsedList> = lists.iter().filter(|l| l.name != "CN").cloned().collect();
    for (label, list, from_alias) in [
        ("en query -> zh-only entry", zh_only, true),
        ("zh query -> en-only entry", en_only, false),
    ] {
        let queries: Vec<(String, String, EntityType)> = cn
            .entries
            .iter()
            .filter(|e| !e.aliases.is_empty())
            .map(|e| {
                (
                    if from_alias {
                        e.aliases[0].clone()
                    } else {
                        e.name.clone()
                    },
                    e.id.clone(),
                    e.entity_type,
                )
            })
            .collect();
        let mut all = others.clone();
        all.push(list);
        let idx = Index::from_lists(all);
        let mut ok = 0;
        let show = std::env::var("KS_SHOW_CROSS").is_ok();
        for (q, id, t) in &queries {
            let matches = idx.screen(
                &Query {
                    name: q.clone(),
                    entity_type: *t,
                    ..Query::default()
                },
                DEFAULT_THRESHOLD,
            );
            let found = matches.iter().any(|h| h.list == "CN" && &h.entry_id == id);
            ok += usize::from(found);
            if show && !found {
                println!("    miss {label}: {q} (expected {id})");
            }
        }
        println!(
            "  hard cross-script on China's lists, {label}: recall {ok}/{} = {:.3}",
            queries.len(),
            ok as f64 / queries.len().max(1) as f64
        );
    }
}

// ------------------------------------------------------------------ throughput

const PLACES: &[&str] = &[
    "北京", "上海", "深圳", "杭州", "太原", "晋中", "成都", "西安", "武汉", "南京", "苏州", "广州", "天津", "山西",
    "浙江",
];
const GENERIC: &[&str] = &[
    "科技", "技术", "电子", "信息", "软件", "贸易", "机械", "材料", "生物", "医药", "能源", "化工", "智能", "网络",
    "物流", "建设",
];
const LEGAL: &[&str] = &["有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "公司"];
const BRAND_CHARS: &str = "金华盛鑫源泰达恒通瑞安新宏博远创联智和丰晋榆汇银星光明德信诚祥凯伦";
const EN_WORDS: &[&str] = &[
    "Global",
    "Pacific",
    "Star",
    "Golden",
    "United",
    "Advanced",
    "Precision",
    "Northern",
    "Eastern",
    "Bright",
    "Delta",
    "Summit",
    "Ocean",
    "Silver",
    "Prime",
    "Apex",
    "Nova",
    "Vertex",
    "Harbor",
    "Crown",
];
const EN_GENERIC: &[&str] = &[
    "Technology",
    "Trading",
    "Electronics",
    "Logistics",
    "Industries",
    "Materials",
    "Systems",
    "Engineering",
    "Holdings",
    "Solutions",
];
const EN_LEGAL: &[&str] = &["Co., Ltd.", "Ltd.", "Inc.", "LLC", "GmbH", "Corporation", "Limited"];
const GIVEN: &[&str] = &[
    "John", "Maria", "Wei", "Li", "Ahmed", "Olga", "Juan", "Fatima", "Ivan", "Chen", "Anna", "Mohammed", "Sergei",
    "Lucia", "Hiroshi", "Ali",
];
const SURN: &[&str] = &[
    "Smith", "Wang", "Zhang", "Garcia", "Ivanov", "Khan", "Muller", "Rossi", "Tanaka", "Kim", "Hassan", "Petrov",
    "Silva", "Liu", "Novak", "Brown",
];

fn gen_name(rng: &mut Rng, listed: &[String]) -> (String, &'static str) {
    let bc: Vec<char> = BRAND_CHARS.chars().collect();
    match rng.below(20) {
        0..=7 => {
            let brand: String = (0..2).map(|_| *rng.pick(&bc)).collect();
            (
                format!("{}{}{}{}", rng.pick(PLACES), brand, rng.pick(GENERIC), rng.pick(LEGAL)),
                "organization",
            )
        }
        8..=12 => (
            format!(
                "{} {} {} {}",
                rng.pick(EN_WORDS),
                rng.pick(EN_WORDS),
                rng.pick(EN_GENERIC),
                rng.pick(EN_LEGAL)
            ),
            "organization",
        ),
        13..=17 => (format!("{} {}", rng.pick(GIVEN), rng.pick(SURN)), "person"),
        _ => {
            let n = rng.pick(listed).clone();
            let mut rng2 = Rng(rng.next());
            (if n.chars().count() > 6 { typo(&n, &mut rng2) } else { n }, "")
        }
    }
}

/// CPU seconds used by this process so far (user + system, from /proc; 100 ticks/s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn bench(dir: &Path, n: usize, sample_idx: &Index, lists: &[ParsedList]) {
    let listed: Vec<String> = lists
        .iter()
        .flat_map(|l| l.entries.iter().map(|e| e.name.clone()))
        .collect();
    // single-query latency
    let mut rng = Rng(7);
    let mut lat = Vec::with_capacity(20000);
    for _ in 0..20000 {
        let (name, ty) = gen_name(&mut rng, &listed);
        let q = Query {
            name,
            entity_type: EntityType::parse(ty),
            ..Query::default()
        };
        let t = Instant::now();
        let _ = sample_idx.screen(&q, DEFAULT_THRESHOLD);
        lat.push(t.elapsed().as_secs_f64());
    }
    lat.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "single query latency (20,000 generated queries, one thread): mean {:.0} µs, p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs",
        lat.iter().sum::<f64>() / lat.len() as f64 * 1e6,
        lat[lat.len() / 2] * 1e6,
        lat[lat.len() * 99 / 100] * 1e6,
        lat[lat.len() - 1] * 1e6
    );
    // generate the batch input file
    let qpath = std::env::temp_dir().join("kean_screen_bench_queries.csv");
    let rpath = std::env::temp_dir().join("kean_screen_bench_matches.csv");
    {
        let mut w = BufWriter::new(std::fs::File::create(&qpath).unwrap());
        writeln!(w, "id,name,type").unwrap();
        let mut rng = Rng(11);
        for i in 0..n {
            let (name, ty) = gen_name(&mut rng, &listed);
            let name = name.replace('"', "\"\"");
            writeln!(w, "Q{i},\"{name}\",{ty}").unwrap();
        }
    }
    // end to end: load lists, build index, stream queries, write matches
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let lists = load_lists(dir);
    let idx = Index::from_lists(lists);
    let t_index = t0.elapsed();
    let input = std::io::BufReader::new(std::fs::File::open(&qpath).unwrap());
    let out = BufWriter::new(std::fs::File::create(&rpath).unwrap());
    let mut last = 0;
    let summary = screen_batch(&idx, input, out, DEFAULT_THRESHOLD, &mut |done| last = done).expect("batch");
    let total = t0.elapsed();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "batch: {} queries ({} rayon threads) end to end {:.1} s (lists+index {:.2} s) = {:.0} queries/s; {} matches for {} queries; progress reached {last}",
        summary.queries,
        rayon::current_num_threads(),
        total.as_secs_f64(),
        t_index.as_secs_f64(),
        summary.queries as f64 / total.as_secs_f64(),
        summary.matches,
        summary.queries_with_matches
    );
    println!(
        "batch CPU time {:.1} s over {:.1} s wall ({:.2} cores busy); on {} idle cores that is about {:.1} s",
        cpu,
        total.as_secs_f64(),
        cpu / total.as_secs_f64(),
        rayon::current_num_threads(),
        cpu / rayon::current_num_threads() as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    let n: usize = args
        .iter()
        .position(|a| a == "--n")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let verbose = flag("--verbose");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if !dir.is_dir() {
        println!("note: {} absent; nothing to evaluate", dir.display());
        return;
    }
    let t = Instant::now();
    let lists = load_lists(&dir);
    let t_parse = t.elapsed();
    let t = Instant::now();
    let idx = Index::from_lists(lists.clone());
    let t_build = t.elapsed();
    println!(
        "lists parsed in {:.0} ms; index of {} entries / {} names built in {:.0} ms",
        t_parse.as_secs_f64() * 1e3,
        idx.len(),
        idx.name_count(),
        t_build.as_secs_f64() * 1e3
    );
    if !flag("--skip-eval") {
        nomenklatura(&idx, &dir, verbose);
        watchman(&idx, &dir, verbose);
        yente(&idx, &dir, verbose);
        let cases = build_cases(&lists);
        run_cases(&idx, &cases, verbose);
        institutions(&idx, verbose);
        cross_script_cn(&lists);
        if flag("--write-eval") {
            write_cases(
                &cases,
                &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/cn_latin_eval.csv"),
            );
        }
    }
    if !flag("--skip-bench") {
        bench(&dir, n, &idx, &lists);
    }
}
