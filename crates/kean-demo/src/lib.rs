//! The demo city. Everything is written through the same gate and audited
//! writer as a user's input (as the system actor "demo"), so the demo also
//! exercises validation. Generation is deterministic: the same records
//! every time.
//!
//! Totals echo the Jinzhong bureau's published 2025 figures: 129 innovation
//! platforms at city level and above; 214 technology contracts registered
//! in 2025 worth ¥338.45 million, +222% on 2024; 621 achievements
//! transferred in 2025 worth ¥4.5 billion.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use kean_app::{Access, App, AppError};
use kean_core::codes::{resident_id_check_char, uscc_check_char};
use kean_core::{Kind, Role};

/// (username, password, role, note) — printed by `kean serve --demo`.
pub const DEMO_ACCOUNTS: [(&str, &str, &str, &str); 8] = [
    (
        "admin",
        "Admin2025",
        "局管理员 bureau administrator",
        " (reference data, registry, lists)",
    ),
    ("reviewer", "Review2025", "局审核员 bureau reviewer", " — cleared 机密"),
    (
        "expert",
        "Expert2025",
        "局审核员 bureau reviewer",
        " — second reviewer of high-risk reviews; affiliated to 晋中学院",
    ),
    (
        "liaison",
        "Liaison2025",
        "单位联络员 institution liaison",
        " — 山西新泰钢铁有限公司 only",
    ),
    (
        "researcher",
        "Research2025",
        "科研人员 researcher",
        " — 山西农业大学, cleared 秘密",
    ),
    (
        "sysadmin",
        "Sysadmin2025",
        "系统管理员 system administrator",
        " (accounts only)",
    ),
    (
        "secadmin",
        "Secadmin2025",
        "安全保密管理员 security administrator",
        " (roles, clearances, need-to-know, ceiling)",
    ),
    (
        "auditor",
        "Audit2025",
        "安全审计员 security auditor",
        " (audit log only)",
    ),
];

pub const TECH_CONTRACTS_2025: usize = 214;
/// ¥338,450,000.00 in fen.
pub const CONTRACT_VALUE_2025_FEN: i64 = 33_845_000_000;
pub const TECH_CONTRACTS_2024: usize = 96;
/// 2025 is +222% on 2024: 338,450,000 / 3.22 = ¥105,108,695.65.
pub const CONTRACT_VALUE_2024_FEN: i64 = 10_510_869_565;
pub const TRANSFERS_2025: usize = 621;
/// ¥4.5 billion in fen.
pub const TRANSFER_VALUE_2025_FEN: i64 = 450_000_000_000;
pub const PLATFORMS: usize = 129;
pub const TECH_SERVICE_ENTERPRISES: usize = 21;
/// ¥1.14 billion in fen.
pub const TECH_SERVICE_REVENUE_2025_FEN: i64 = 114_000_000_000;
/// 2025 is +11.1% on 2024: 1,140,000,000 / 1.111 = ¥1,026,102,610.26.
pub const TECH_SERVICE_REVENUE_2024_FEN: i64 = 102_610_261_026;

/// A small deterministic generator (xorshift64*), enough for demo data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn date_in_span(&mut self, first_year: i32, years: usize) -> NaiveDate {
        let y = first_year + self.below(years) as i32;
        self.date_in(y)
    }
    fn date_in(&mut self, year: i32) -> NaiveDate {
        let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
        start + Duration::days(self.below(365) as i64)
    }
}

/// Splits `total` fen into `n` positive amounts that add up exactly,
/// skewed like real contract values (many small, a few large), rounded to
/// whole yuan except the balancing last one.
fn split_total(rng: &mut Rng, total: i64, n: usize) -> Vec<i64> {
    let weights: Vec<f64> = (0..n)
        .map(|_| {
            let u = (rng.below(10_000) as f64 + 1.0) / 10_001.0;
            (1.0 / u).powf(0.9)
        })
        .collect();
    let sum: f64 = weights.iter().sum();
    let mut out: Vec<i64> = weights
        .iter()
        .map(|w| (((total as f64) * w / sum) as i64 / 100).max(1) * 100)
        .collect();
    let diff = total - out.iter().sum::<i64>();
    if let Some(max) = out.iter_mut().max() {
        *max += diff;
    }
    out
}

fn credit_code(rng: &mut Rng, kind: &str, district_code: &str) -> String {
    const A: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let body: String = (0..9).map(|_| A[rng.below(A.len())] as char).collect();
    let first17 = format!("{kind}{district_code}{body}");
    let check = uscc_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

fn resident_id(rng: &mut Rng, district_code: &str) -> String {
    let birth = NaiveDate::from_ymd_opt(
        1965 + rng.below(35) as i32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    )
    .unwrap_or_default();
    let first17 = format!("{district_code}{}{:03}", birth.format("%Y%m%d"), rng.below(1000));
    let check = resident_id_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

const DISTRICTS: [(&str, &str); 11] = [
    ("140702", "榆次区"),
    ("140703", "太谷区"),
    ("140721", "榆社县"),
    ("140722", "左权县"),
    ("140723", "和顺县"),
    ("140724", "昔阳县"),
    ("140725", "寿阳县"),
    ("140727", "祁县"),
    ("140728", "平遥县"),
    ("140729", "灵石县"),
    ("140781", "介休市"),
];

/// (code, name, description, tech_field, words used in names)
const CHAINS: [(&str, &str, &str, &str, &[&str]); 8] = [
    (
        "NM",
        "新材料",
        "特钢、磁性材料、碳基材料、玄武岩纤维",
        "new_materials",
        &["特钢", "磁材", "碳材料", "新材料", "纤维"],
    ),
    (
        "HE",
        "高端装备",
        "液压装备、煤机装备、轨道交通装备",
        "advanced_manufacturing",
        &["液压", "装备制造", "煤机", "精密机械", "智能装备"],
    ),
    (
        "AG",
        "农业科技",
        "种业、农产品精深加工、功能食品",
        "agriculture",
        &["种业", "农业科技", "农产品", "食品", "果业"],
    ),
    (
        "BM",
        "生物医药",
        "中药、生物制剂、医疗器械",
        "bio_medicine",
        &["药业", "生物科技", "中药", "医疗器械"],
    ),
    (
        "NE",
        "新能源",
        "氢能、光伏、储能",
        "new_energy",
        &["新能源", "氢能", "光伏", "储能"],
    ),
    (
        "DE",
        "数字经济",
        "大数据、工业软件、信息服务",
        "electronic_information",
        &["信息技术", "数据科技", "软件", "电子"],
    ),
    (
        "EP",
        "节能环保",
        "资源综合利用、环保装备",
        "environment",
        &["环保科技", "节能", "资源利用"],
    ),
    (
        "CC",
        "现代煤化工",
        "煤基新材料、精细化工",
        "new_materials",
        &["化工", "煤化工", "精细化学"],
    ),
];

const BRANDS: &[&str] = &[
    "晋通", "瑞达", "华晋", "恒信", "锦泰", "正阳", "太行", "汾河", "昌盛", "中晋", "宏达", "金石", "龙城", "德润",
    "晋美", "鑫源", "天成", "博远", "聚能", "通宝", "安泰", "广晟", "乾元", "启明", "嘉禾", "丰源", "东方", "绿源",
    "晋商", "长青", "鸿运", "腾飞", "永盛", "远景", "晋阳", "北方", "新兴", "华康", "润泽", "祥和",
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "郭", "武", "贾", "田", "韩", "梁", "冯", "乔", "常",
    "温",
];
const GIVEN: &[&str] = &[
    "建国", "志强", "晓东", "海燕", "丽娟", "俊杰", "文斌", "晓明", "亚楠", "鹏飞", "静", "磊", "敏", "婷", "宇航",
    "思远", "佳琪", "晓峰", "红梅", "国庆",
];

const COUNTERPARTIES_ABROAD: &[(&str, &str)] = &[
    ("Rheinmetall Engineering GmbH", "DE"),
    ("Nordic Hydro Systems AB", "SE"),
    ("Osaka Precision Materials Co., Ltd.", "JP"),
    ("Seoul Agritech Inc.", "KR"),
    ("Kazakh Mining Machinery LLP", "KZ"),
    ("Tashkent Textile Group", "UZ"),
    ("Singapore Bio Ventures Pte. Ltd.", "SG"),
    ("Hong Kong Innovation Capital Ltd.", "HK"),
];

const DOMESTIC_REGIONS: &[&str] = &[
    "山西省太原市",
    "山西省晋中市",
    "北京市",
    "河北省石家庄市",
    "陕西省西安市",
    "河南省郑州市",
    "江苏省苏州市",
    "广东省深圳市",
    "内蒙古自治区鄂尔多斯市",
    "山东省济南市",
];

struct Ctx<'a> {
    access: &'a Access,
}

impl Ctx<'_> {
    async fn create(&self, kind: Kind, pairs: &[(&str, String)]) -> Result<i64, AppError> {
        let raw: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let r = self.access.create(kind, &raw).await.map_err(|e| AppError {
            message_en: format!("demo {}: {e}", kind.slug()),
            ..e
        })?;
        Ok(r.id)
    }
}

/// Whether a generated name repeats itself where two words meet: a doubled
/// character or pair ("工程工程技术研究中心", "科技技术").
pub fn doubled_words(name: &str) -> bool {
    // Words that double a character themselves are not a seam.
    let name = ["加工工艺"].iter().fold(name.to_string(), |n, w| n.replace(w, "·"));
    let c: Vec<char> = name.chars().collect();
    c.windows(2).any(|w| w[0] == w[1]) || c.windows(4).any(|w| w[0] == w[2] && w[1] == w[3])
}

/// `a` followed by `b`, where `b` drops a leading 技术 that `a`'s 技术 or
/// 科技 already says ("信息技术" + "技术开发合同" → "信息技术开发合同").
fn joined(a: &str, b: &str) -> String {
    match b.strip_prefix("技术") {
        Some(rest) if a.ends_with("技术") || a.ends_with("科技") || a.ends_with('技') => format!("{a}{rest}"),
        _ => format!("{a}{b}"),
    }
}

/// What an achievement of each type is called: a patent names a method or
/// a device, a software copyright a system, a standard a code of practice.
fn achievement_object(kind: &str, i: usize) -> &'static str {
    let objects: [&str; 6] = match kind {
        "invention_patent" => ["制备方法", "检测方法", "加工工艺", "控制方法", "处理方法", "合成方法"],
        "utility_patent" => ["装置", "检测装置", "成套设备", "控制装置", "专用工具", "结构"],
        "software" => ["管理系统", "监测平台", "分析软件", "调度系统", "数据平台", "控制软件"],
        "new_variety" => ["新品种", "新品系", "抗旱品种", "高产品种", "优质品种", "早熟品种"],
        "technique" => ["生产工艺", "应用技术", "栽培技术", "处理工艺", "集成技术", "提质技术"],
        _ => ["技术规范", "技术规程", "检测标准", "生产规程", "评价规范", "操作规程"],
    };
    objects[i % objects.len()]
}

/// The words an achievement's title may end with when its first choice is
/// taken, so that each title is told apart by words, not a number.
const TITLE_QUALIFIERS: &[&str] = &[
    "",
    "及其应用",
    "研究",
    "关键技术",
    "优化",
    "示范",
    "集成",
    "推广",
    "改进",
    "评价",
    "开发",
    "验证",
];

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Seeds the demo into an empty database. Returns `None` (and writes
/// nothing) when organizations already exist.
pub async fn seed(app: &App) -> Result<Option<String>, AppError> {
    let access = app.system_access("demo");
    if access.count(Kind::Organization).await? > 0 {
        return Ok(None);
    }
    let cx = Ctx { access: &access };
    let mut rng = Rng(0x6b65_616e_2025_0001);

    let mut districts = vec![];
    for (code, name) in DISTRICTS {
        districts.push((
            code,
            cx.create(Kind::District, &[("code", code.into()), ("name", name.into())])
                .await?,
        ));
    }
    let mut chains = vec![];
    for (code, name, desc, field, words) in CHAINS {
        let id = cx
            .create(
                Kind::IndustryChain,
                &[
                    ("code", code.into()),
                    ("name", name.into()),
                    ("description", desc.into()),
                ],
            )
            .await?;
        chains.push((id, name, field, words));
    }
    let district = |name: &str| {
        districts
            .iter()
            .zip(DISTRICTS)
            .find(|(_, d)| d.1 == name)
            .map(|(x, _)| *x)
            .unwrap_or(districts[0])
    };

    // Universities and institutes (real institutions of the city).
    let mut orgs: Vec<(i64, usize)> = vec![]; // (id, chain index)
    let institutions = [
        ("山西农业大学", "university", "太谷区", 2),
        ("晋中学院", "university", "榆次区", 1),
        ("山西中医药大学", "university", "榆次区", 3),
        ("晋中信息学院", "university", "太谷区", 5),
        ("山西传媒学院", "university", "榆次区", 5),
        ("山西省农业科学院果树研究所", "research_institute", "太谷区", 2),
        ("晋中市农业科学研究所", "research_institute", "榆次区", 2),
        ("晋中市新材料产业研究院", "research_institute", "榆次区", 0),
    ];
    let mut university_ids = vec![];
    for (name, t, d, ch) in institutions {
        let (code, did) = district(d);
        let id = cx
            .create(
                Kind::Organization,
                &[
                    ("name", name.into()),
                    ("credit_code", credit_code(&mut rng, "12", code)),
                    ("org_type", t.into()),
                    ("district_id", did.to_string()),
                    ("industry_chain_id", chains[ch].0.to_string()),
                    ("address", format!("山西省晋中市{d}")),
                ],
            )
            .await?;
        orgs.push((id, ch));
        university_ids.push(id);
    }
    // The enterprise named in the bureau's newspaper page.
    let (jx_code, jx_did) = district("介休市");
    let xintai = cx
        .create(
            Kind::Organization,
            &[
                ("name", "山西新泰钢铁有限公司".into()),
                ("credit_code", credit_code(&mut rng, "91", jx_code)),
                ("org_type", "enterprise".into()),
                ("district_id", jx_did.to_string()),
                ("industry_chain_id", chains[0].0.to_string()),
                ("address", "山西省晋中市介休市义安镇".into()),
                ("high_tech_cert_no", "GR202414000318".into()),
                ("high_tech_issued_on", "2024-11-20".into()),
                ("established_on", "2002-08-16".into()),
            ],
        )
        .await?;
    orgs.push((xintai, 0));
    // Enterprises.
    let mut names = std::collections::BTreeSet::new();
    let mut enterprises = vec![xintai];
    while enterprises.len() < 320 {
        let ch = rng.below(chains.len());
        let (dcode, did) = districts[rng.below(districts.len())];
        let dname = DISTRICTS.iter().find(|d| d.0 == dcode).map(|d| d.1).unwrap_or("晋中");
        let prefix = if rng.below(3) == 0 {
            "山西".to_string()
        } else {
            format!("晋中{}", &dname[..dname.len() - 3])
        };
        let name = format!("{prefix}{}{}有限公司", rng.pick(BRANDS), rng.pick(chains[ch].3));
        if !names.insert(name.clone()) {
            continue;
        }
        let mut pairs = vec![
            ("name", name),
            ("credit_code", credit_code(&mut rng, "91", dcode)),
            ("org_type", "enterprise".to_string()),
            ("district_id", did.to_string()),
            ("industry_chain_id", chains[ch].0.to_string()),
            (
                "legal_representative",
                format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
            ),
            ("established_on", rng.date_in_span(1995, 28).to_string()),
        ];
        if rng.below(100) < 55 {
            let year = 2021 + rng.below(5) as i32;
            let issued = rng
                .date_in(year)
                .with_month(10 + rng.below(3) as u32)
                .unwrap_or_else(|| rng.date_in(year));
            pairs.push(("high_tech_cert_no", format!("GR{year}14{:06}", rng.below(1_000_000))));
            pairs.push(("high_tech_issued_on", issued.to_string()));
        }
        if rng.below(100) < 40 {
            pairs.push(("tech_sme", "true".into()));
        }
        let id = cx.create(Kind::Organization, &pairs).await?;
        orgs.push((id, ch));
        enterprises.push(id);
    }

    // Yearly revenue reports: 21 technology-service enterprises (入统), and
    // other enterprises whose reports do not count as technology service.
    let services = &enterprises[1..=TECH_SERVICE_ENTERPRISES];
    for (year, total) in [
        (2024, TECH_SERVICE_REVENUE_2024_FEN),
        (2025, TECH_SERVICE_REVENUE_2025_FEN),
    ] {
        for (org, revenue) in services.iter().zip(split_total(&mut rng, total, services.len())) {
            cx.create(
                Kind::RevenueReport,
                &[
                    ("org_id", org.to_string()),
                    ("year", year.to_string()),
                    ("revenue", yuan(revenue)),
                    ("tech_service", "true".into()),
                ],
            )
            .await?;
        }
    }
    // The liaison's company reports its revenue too (a steelworks, not a
    // technology-service enterprise: outside the 21).
    for (year, revenue) in [(2024, "4862350000.00"), (2025, "5127480000.00")] {
        cx.create(
            Kind::RevenueReport,
            &[
                ("org_id", xintai.to_string()),
                ("year", year.to_string()),
                ("revenue", revenue.to_string()),
            ],
        )
        .await?;
    }
    for org in &enterprises[TECH_SERVICE_ENTERPRISES + 1..TECH_SERVICE_ENTERPRISES + 41] {
        let revenue = (5_000_000 + rng.below(200_000_000) as i64) * 100;
        cx.create(
            Kind::RevenueReport,
            &[
                ("org_id", org.to_string()),
                ("year", "2025".into()),
                ("revenue", yuan(revenue)),
            ],
        )
        .await?;
    }

    // 129 innovation platforms at city level and above.
    let types = [
        "key_lab",
        "tech_innovation_center",
        "new_rd_institution",
        "engineering_research_center",
        "enterprise_tech_center",
    ];
    let type_zh = [
        "重点实验室",
        "技术创新中心",
        "新型研发机构",
        "工程技术研究中心",
        "企业技术中心",
    ];
    let mut pnames = std::collections::BTreeSet::new();
    let mut made = 0;
    while made < PLATFORMS {
        let level = match made {
            0..=5 => ("national", "国家"),
            6..=50 => ("provincial", "山西省"),
            _ => ("city", "晋中市"),
        };
        let t = rng.below(types.len());
        let (host, ch) = *rng.pick(&orgs);
        // The liaison's company hosts a national, a provincial and a city platform.
        let (host, ch) = if [2, 20, 70].contains(&made) {
            (xintai, 0)
        } else {
            (host, ch)
        };
        let word = rng.pick(chains[ch].3);
        let middle = rng.pick(&["", "关键技术", "工程", "应用"]);
        let mut name = format!("{}{word}{middle}{}", level.1, type_zh[t]);
        if doubled_words(&name) {
            // "碳材料工程" + "工程技术研究中心": the middle word goes.
            name = format!("{}{word}{}", level.1, type_zh[t]);
        }
        let name = if t == 2 {
            format!("{}{}研究院", rng.pick(BRANDS), rng.pick(chains[ch].3))
        } else {
            name
        };
        if doubled_words(&name) || !pnames.insert(name.clone()) {
            continue;
        }
        cx.create(
            Kind::Platform,
            &[
                ("name", name),
                ("platform_type", types[t].into()),
                ("level", level.0.into()),
                ("host_org_id", host.to_string()),
                ("industry_chain_id", chains[ch].0.to_string()),
                ("recognized_on", rng.date_in_span(2012, 13).to_string()),
                ("director", format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            ],
        )
        .await?;
        made += 1;
    }

    // Researchers, a few with foreign affiliations.
    for i in 0..180 {
        let (org, ch) = *rng.pick(&orgs);
        // Every sixth works at 山西农业大学 (the demo researcher's university).
        let (org, ch) = if i % 6 == 0 { (university_ids[0], 2) } else { (org, ch) };
        let (dcode, _) = *rng.pick(&districts);
        let mut pairs = vec![
            ("name", format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))),
            ("id_type", "resident_id".to_string()),
            ("id_number", resident_id(&mut rng, dcode)),
            ("nationality", "CN".into()),
            ("org_id", org.to_string()),
            (
                "title",
                rng.pick(&["教授", "研究员", "副教授", "高级工程师", "工程师", "副研究员"])
                    .to_string(),
            ),
            ("research_field", chains[ch].1.to_string()),
        ];
        if i % 23 == 0 {
            let (cp, country) = rng.pick(COUNTERPARTIES_ABROAD);
            pairs.push(("foreign_affiliation", cp.to_string()));
            pairs.push(("foreign_affiliation_country", country.to_string()));
        }
        if i % 7 == 0 {
            pairs.push(("is_commissioner", "true".into()));
        }
        cx.create(Kind::Person, &pairs).await?;
    }

    // Achievements: enough for every transfer plus some untransferred.
    let atypes = [
        "invention_patent",
        "utility_patent",
        "software",
        "new_variety",
        "technique",
        "standard",
    ];
    let mut achievements = vec![];
    let mut titles = std::collections::BTreeSet::new();
    for i in 0..1000 {
        let (owner, ch) = if i % 4 == 0 {
            (university_ids[rng.below(university_ids.len())], 2)
        } else {
            *rng.pick(&orgs)
        };
        // The liaison's company holds one in fifty (its own steel).
        let (owner, ch) = if i % 50 == 5 { (xintai, 0) } else { (owner, ch) };
        let t = atypes[rng.below(atypes.len())];
        // Plant varieties come from agriculture; elsewhere it is know-how.
        let t = if t == "new_variety" && ch != 2 { "technique" } else { t };
        let year = 2019 + rng.below(6) as i32;
        let reg = match t {
            "invention_patent" => format!("ZL{year}1{:07}.{}", rng.below(10_000_000), rng.below(10)),
            "utility_patent" => format!("ZL{year}2{:07}.{}", rng.below(10_000_000), rng.below(10)),
            "software" => format!("{year}SR{:07}", rng.below(10_000_000)),
            _ => String::new(),
        };
        let word = rng.pick(chains[ch].3);
        let quality = rng.pick(&["高效", "低成本", "智能化", "绿色", "高性能", "精准"]);
        let object = achievement_object(t, rng.below(6));
        let plain = format!("{word}{quality}{object}");
        let patent = format!("一种{plain}");
        let base = if (t == "invention_patent" || t == "utility_patent") && !doubled_words(&patent) {
            patent
        } else {
            plain
        };
        // Told apart by words: the first qualifier (or two) that makes it new.
        let title = TITLE_QUALIFIERS
            .iter()
            .map(|q| format!("{base}{q}"))
            .chain(
                TITLE_QUALIFIERS[1..]
                    .iter()
                    .flat_map(|a| TITLE_QUALIFIERS[1..].iter().map(move |b| (a, b)))
                    .filter(|(a, b)| a != b)
                    .map(|(a, b)| format!("{base}{a}{b}")),
            )
            .find(|t| !doubled_words(t) && !titles.contains(t))
            .ok_or_else(|| AppError::internal(format!("demo: no new title for {base}")))?;
        titles.insert(title.clone());
        let id = cx
            .create(
                Kind::Achievement,
                &[
                    ("title", title),
                    ("achievement_type", t.into()),
                    ("holder_org_id", owner.to_string()),
                    ("registration_no", reg),
                    ("tech_field", chains[ch].2.into()),
                    ("industry_chain_id", chains[ch].0.to_string()),
                    ("completed_on", rng.date_in(year).to_string()),
                    // One in 25 is for internal use (内部): the demo's ceiling
                    // holds its content, and accounts cleared to 内部 see it.
                    ("classification", if i % 25 == 3 { "internal" } else { "public" }.into()),
                ],
            )
            .await?;
        achievements.push((id, ch));
    }

    // Technology contracts: 2024 and 2025 with exact totals.
    let ctypes = ["development", "transfer", "licensing", "consulting", "service"];
    let mut seq = 0;
    for (year, n, total) in [
        (2024, TECH_CONTRACTS_2024, CONTRACT_VALUE_2024_FEN),
        (2025, TECH_CONTRACTS_2025, CONTRACT_VALUE_2025_FEN),
    ] {
        for amount in split_total(&mut rng, total, n) {
            seq += 1;
            // The liaison's company sells a few each year, so its scoped view is not empty.
            let seller = if seq % 40 == 1 {
                xintai
            } else if rng.below(5) == 0 {
                *rng.pick(&university_ids)
            } else {
                enterprises[rng.below(enterprises.len())]
            };
            let (ach, ch) = *rng.pick(&achievements);
            let signed = rng.date_in(year);
            let registered = (signed + Duration::days(3 + rng.below(25) as i64))
                .min(NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(signed));
            let abroad = rng.below(40) == 0;
            let (mut buyer, mut country, mut region) = if abroad {
                let (b, c) = rng.pick(COUNTERPARTIES_ABROAD);
                (b.to_string(), c.to_string(), String::new())
            } else {
                let region = rng.pick(DOMESTIC_REGIONS).to_string();
                (
                    format!(
                        "{}{}{}有限公司",
                        &region[region.find('省').map(|i| i + 3).unwrap_or(0)..].replace("市", ""),
                        rng.pick(BRANDS),
                        rng.pick(chains[ch].3)
                    ),
                    "CN".into(),
                    region,
                )
            };
            if year == 2025 && seq == TECH_CONTRACTS_2024 + 77 {
                // A buyer on China's countermeasure lists (反制裁清单): the
                // kind of deal screening exists to stop.
                (buyer, country, region) = ("Lockheed Martin Corporation".into(), "US".into(), String::new());
            }
            let tech = amount * (70 + rng.below(31) as i64) / 100;
            // The title says the contract's type (技术开发合同 is a development contract).
            let word = rng.pick(chains[ch].3);
            let ti = rng.below(ctypes.len());
            let _ = rng.pick(&ctypes);
            let title = joined(
                word,
                &format!("技术{}合同", ["开发", "转让", "许可", "咨询", "服务"][ti]),
            );
            cx.create(
                Kind::TechContract,
                &[
                    ("contract_no", format!("{year}1407{:08}", seq)),
                    ("title", title),
                    ("contract_type", ctypes[ti].to_string()),
                    ("seller_org_id", seller.to_string()),
                    ("buyer_name", buyer),
                    ("buyer_country", country),
                    ("buyer_region", region),
                    ("signed_on", signed.to_string()),
                    ("registered_on", registered.to_string()),
                    ("contract_value", yuan(amount)),
                    ("tech_value", yuan(tech)),
                    ("tech_field", chains[ch].2.into()),
                    ("industry_chain_id", chains[ch].0.to_string()),
                    (
                        "achievement_id",
                        if rng.below(3) == 0 {
                            ach.to_string()
                        } else {
                            String::new()
                        },
                    ),
                ],
            )
            .await?;
        }
    }

    // Achievement transfers: 621 in 2025 worth ¥4.5 billion, and 2024's.
    let modes = ["assignment", "licensing", "investment"];
    for (year, n, total) in [
        (2024, 380usize, 260_000_000_000i64),
        (2025, TRANSFERS_2025, TRANSFER_VALUE_2025_FEN),
    ] {
        for (i, amount) in split_total(&mut rng, total, n).into_iter().enumerate() {
            let (ach, ch) = achievements[(i * 7 + year as usize) % achievements.len()];
            let abroad = rng.below(50) == 0;
            let (mut cp, mut country) = if abroad {
                let (b, c) = rng.pick(COUNTERPARTIES_ABROAD);
                (b.to_string(), c.to_string())
            } else {
                (
                    format!("山西{}{}有限公司", rng.pick(BRANDS), rng.pick(chains[ch].3)),
                    "CN".to_string(),
                )
            };
            if year == 2025 && i == 17 {
                // A domestic licensee on the US Entity List, written in
                // Chinese: a supply-chain exposure to watch.
                (cp, country) = ("华为技术有限公司".into(), "CN".into());
            }
            cx.create(
                Kind::Transfer,
                &[
                    ("achievement_id", ach.to_string()),
                    ("transfer_mode", rng.pick(&modes).to_string()),
                    ("counterparty_name", cp),
                    ("counterparty_country", country),
                    ("amount", yuan(amount)),
                    ("transferred_on", rng.date_in(year).to_string()),
                ],
            )
            .await?;
        }
    }

    // Demo accounts.
    let shanxi_agri = university_ids[0];
    for (username, password, _, _) in DEMO_ACCOUNTS {
        let (role, org, name) = match username {
            "admin" => (Role::Admin, None, "局管理员 刘志强"),
            "reviewer" => (Role::Reviewer, None, "审核员 王晓东"),
            "expert" => (Role::Reviewer, Some(university_ids[1]), "评审专家 孙立新"),
            "liaison" => (Role::Liaison, Some(xintai), "联络员 李海燕"),
            "researcher" => (Role::Researcher, Some(shanxi_agri), "研究员 张建国"),
            "sysadmin" => (Role::SystemAdmin, None, "系统管理员 周明"),
            "secadmin" => (Role::SecurityAdmin, None, "安全保密管理员 陈芳"),
            _ => (Role::Auditor, None, "安全审计员 赵静"),
        };
        access.create_demo_user(username, name, role, org, password).await?;
    }

    // Classified records above the demo's ceiling (内部): their control
    // records only — releasable title, holder, level, classifier, basis —,
    // each with a need-to-know list. The reviewer is cleared to 机密 and on
    // the lists; the researcher is cleared to 秘密 but on none, until the
    // security administrator adds them (the walk-through in the README).
    let mut classified = Vec::new();
    for (title, holder, level, by, basis) in [
        (
            "某型高强韧钢关键工艺研究成果",
            xintai,
            "confidential",
            "山西新泰钢铁有限公司保密委员会",
            "国家秘密目录（科学技术）第3.2条",
        ),
        (
            "旱作农业智能灌溉核心算法",
            shanxi_agri,
            "confidential",
            "山西农业大学保密办公室",
            "国家秘密目录（科学技术）第2.1条",
        ),
        (
            "特种材料国防应用技术成果",
            xintai,
            "secret",
            "市科技局定密责任人",
            "国家秘密目录（国防科学技术）第1.4条",
        ),
    ] {
        let id = cx
            .create(
                Kind::Achievement,
                &[
                    ("title", title.into()),
                    ("holder_org_id", holder.to_string()),
                    ("classification", level.into()),
                    ("classified_by", by.into()),
                    ("classification_basis", basis.into()),
                ],
            )
            .await?;
        classified.push(id);
    }
    for (username, clearance) in [("reviewer", "secret"), ("researcher", "confidential")] {
        let user = access.user_named(username).await?;
        access.set_clearance(user.id, clearance).await?;
    }
    for id in &classified {
        access
            .set_need_to_know(Kind::Achievement, *id, "reviewer", true)
            .await?;
    }
    // Research data (科研数据): data sets of the researcher's university and
    // the liaison's company, graded 一般 / 重要 / 核心, some internal, each
    // with a data dictionary attached. Downloading the files of an
    // important or core one needs the security administrator's approval.
    let mut datasets = 0;
    for (name, org, grade, level, location, size, custodian, produced) in [
        (
            "旱作区土壤墒情长期定位观测数据集",
            shanxi_agri,
            "important",
            "internal",
            "山西农业大学数据中心 存储阵列 A-03",
            "1.8 TB",
            "张建国",
            "2025-06-30",
        ),
        (
            "谷子种质资源表型与基因组数据集",
            shanxi_agri,
            "core",
            "internal",
            "山西农业大学作物种质资源库服务器",
            "46 TB",
            "王丽萍",
            "2025-03-15",
        ),
        (
            "黄土高原小麦品种区域试验数据",
            shanxi_agri,
            "general",
            "public",
            "山西农业大学农学院 共享盘",
            "12 GB",
            "刘军",
            "2024-11-20",
        ),
        (
            "高强韧钢热轧工艺参数数据集",
            xintai,
            "important",
            "internal",
            "新泰钢铁 研发中心 私有云 对象存储",
            "3.2 TB",
            "李海燕",
            "2025-09-01",
        ),
        (
            "炼钢能耗在线监测数据",
            xintai,
            "general",
            "public",
            "新泰钢铁 生产数据平台",
            "650 GB",
            "赵刚",
            "2025-12-31",
        ),
        (
            "城市科技型中小企业研发投入统计数据",
            university_ids[1],
            "general",
            "public",
            "晋中学院 经济管理学院 数据室",
            "2 GB",
            "陈思远",
            "2025-05-10",
        ),
    ] {
        let id = cx
            .create(
                Kind::Dataset,
                &[
                    ("name", name.into()),
                    ("org_id", org.to_string()),
                    ("data_grade", grade.into()),
                    ("classification", level.into()),
                    ("storage_location", location.into()),
                    ("data_size", size.into()),
                    ("custodian", custodian.into()),
                    ("produced_on", produced.into()),
                    (
                        "description",
                        format!("{name}：采集方法、字段说明与质量控制见附件数据字典。"),
                    ),
                ],
            )
            .await?;
        let dictionary = format!(
            "字段,类型,说明\n采样点编号,文本,观测点唯一编号\n采样日期,日期,YYYY-MM-DD\n数值,小数,观测值\n数据集,文本,{name}\n"
        );
        access
            .add_attachment(
                Kind::Dataset,
                id,
                kean_app::Upload {
                    file_name: "数据字典.csv",
                    content: dictionary.into_bytes(),
                    classification: "",
                    note: "字段说明",
                },
            )
            .await?;
        datasets += 1;
    }
    // A report of the liaison's waiting for the bureau (填报 → 审核): a new
    // achievement, entered as the liaison enters it — logged in, through
    // the call the form and the API make.
    let ok = app
        .login(
            "liaison",
            "Liaison2025",
            kean_app::SessionKind::Api,
            std::net::Ipv4Addr::LOCALHOST.into(),
        )
        .await?;
    let (liaison, _) = app.authenticate(&ok.token, kean_app::SessionKind::Api).await?;
    let pending = liaison
        .save_new(
            Kind::Achievement,
            &[
                ("title", "高强韧钢连铸坯中心偏析控制技术".to_string()),
                ("achievement_type", "technique".to_string()),
                ("holder_org_id", xintai.to_string()),
                ("tech_field", "new_materials".to_string()),
                ("industry_chain_id", chains[0].0.to_string()),
                ("completed_on", "2026-09-28".to_string()),
                (
                    "description",
                    "通过结晶器电磁搅拌与末端轻压下参数协同，降低高强韧钢连铸坯中心偏析等级。".to_string(),
                ),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        )
        .await?;
    if !matches!(pending, kean_app::Saved::Submitted(_)) {
        return Err(AppError::internal("the liaison's report was not held for review"));
    }
    app.logout(&ok.token, &liaison).await?;
    Ok(Some(format!(
        "demo city seeded: 11 districts, {} industry chains, {} organizations, {PLATFORMS} platforms, 180 researchers, {} technology contracts, {} achievements, {} transfers, {} revenue reports, {datasets} datasets",
        CHAINS.len(),
        orgs.len(),
        TECH_CONTRACTS_2024 + TECH_CONTRACTS_2025,
        achievements.len(),
        380 + TRANSFERS_2025,
        2 * TECH_SERVICE_ENTERPRISES + 42
    )))
}

/// The demo's three gates (issue 14), driven as the demo's users drive them
/// (logged in, through the same calls as the pages and the API): projects
/// at every stage, among them one with a foreign partner flagged at its
/// approval review; a chokepoint item with a tackling project and one with
/// a dependent enterprise; a transfer blocked by the export-control
/// catalogue and another by a restricted counterparty. Run after the lists
/// are loaded, so that the counterparty's screening is there.
pub async fn seed_gates(app: &App) -> Result<Vec<String>, AppError> {
    let login = |user: &'static str, pw: &'static str| async move {
        let ok = app
            .login(
                user,
                pw,
                kean_app::SessionKind::Api,
                std::net::Ipv4Addr::LOCALHOST.into(),
            )
            .await?;
        let (access, _) = app.authenticate(&ok.token, kean_app::SessionKind::Api).await?;
        Ok::<kean_app::Access, AppError>(access)
    };
    let liaison = login("liaison", "Liaison2025").await?;
    let reviewer = login("reviewer", "Review2025").await?;
    let expert = login("expert", "Expert2025").await?;
    let admin = login("admin", "Admin2025").await?;
    let org_named = |name: &'static str| {
        let admin = &admin;
        async move {
            let found = admin
                .list(
                    Kind::Organization,
                    &kean_app::ListQuery {
                        keyword: Some(name.to_string()),
                        page: 1,
                        page_size: 5,
                        ..kean_app::ListQuery::default()
                    },
                )
                .await?;
            found
                .page
                .items
                .into_iter()
                .find(|r| r.fields.get("name").as_text() == Some(name))
                .map(|r| r.id)
                .ok_or_else(|| AppError::internal(format!("demo organization {name} missing")))
        }
    };
    let xintai = org_named("山西新泰钢铁有限公司").await?;
    let agri = org_named("山西农业大学").await?;
    let jzu = org_named("晋中学院").await?;
    let newmat = org_named("晋中市新材料产业研究院").await?;
    let raw = |pairs: &[(&str, String)]| pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    let project =
        |no: &str, title: &str, programme: &str, lead: i64, abstract_text: &str, keywords: &str, grade: &str| {
            raw(&[
                ("project_no", no.to_string()),
                ("title", title.to_string()),
                ("programme", programme.to_string()),
                ("lead_org_id", lead.to_string()),
                ("abstract", abstract_text.to_string()),
                ("keywords", keywords.to_string()),
                ("data_grade", grade.to_string()),
                ("state_funded", "true".to_string()),
                ("budget", "3000000".to_string()),
                ("funding_source", "省级财政科技资金".to_string()),
                ("applied_on", "2026-03-15".to_string()),
                ("starts_on", "2026-07-01".to_string()),
                ("ends_on", "2028-12-31".to_string()),
            ])
        };
    use kean_core::lifecycle::Transition as T;
    let decide = |id: i64, decision: &'static str, reasons: &'static str| {
        decide_by_two(&reviewer, &expert, id, decision, reasons)
    };
    let approval = kean_core::lifecycle::Gate::ApprovalReview;
    let mut lines = Vec::new();

    // 1. 申报: entered, not submitted.
    liaison
        .create(
            Kind::Project,
            &project(
                "JZ2026-KJ-001",
                "高强韧汽车用钢控轧控冷工艺优化",
                "city_program",
                xintai,
                "面向新能源汽车车身用高强韧钢，优化热连轧控轧控冷工艺窗口，提升强塑积与成形性能。",
                "高强钢;控轧控冷;热连轧",
                "general",
            ),
        )
        .await?;
    // 2. 立项安全审查, a foreign partner flagged.
    let p = liaison
        .create(
            Kind::Project,
            &project(
                "JZ2026-KJ-002",
                "高端轴承钢纯净化冶炼关键技术研究",
                "provincial_key_rd",
                xintai,
                "研究轴承钢超低氧冶炼与夹杂物控制，与境外合作方联合开展疲劳寿命试验，数据在双方实验室间交换。",
                "轴承钢;纯净化冶炼;夹杂物控制",
                "general",
            ),
        )
        .await?;
    liaison
        .add_project_party(p.id, "foreign_partner", None, "Ovako Sweden AB", "SE", "疲劳寿命试验")
        .await?;
    liaison
        .transition_project(p.id, T::Submit, "申报材料已齐备，提交立项安全审查")
        .await?;
    lines.push("gates: project JZ2026-KJ-002 under approval review, its foreign partner flagged".to_string());
    // 3. A chokepoint-tackling project of the new-materials institute: approved, in R&D.
    let p = admin
        .create(
            Kind::Project,
            &project(
                "JZ2026-KJ-003",
                "高纯靶材制备与绑定关键技术攻关",
                "open_competition",
                newmat,
                "揭榜挂帅攻关集成电路用高纯金属溅射靶材，突破超高纯铝、钛、钽提纯与扩散焊绑定工艺，替代进口靶材。",
                "靶材;溅射靶材;高纯金属",
                "important",
            ),
        )
        .await?;
    admin.transition_project(p.id, T::Submit, "揭榜项目提交审查").await?;
    for l in reviewer.links(Kind::Project, p.id).await? {
        if l.dictionary == "chokepoint" && l.item_name.contains("靶材") {
            reviewer.decide_link(l.id, true).await?;
        }
    }
    decide(
        open_review(&reviewer, approval, Kind::Project, p.id).await?,
        "pass",
        "攻关方向明确，参与方无风险事项",
    )
    .await?;
    admin.transition_project(p.id, T::Start, "任务书已签订").await?;
    // 4. 结题: a project whose R&D check passed.
    let p = admin
        .create(
            Kind::Project,
            &project(
                "JZ2025-KJ-011",
                "旱作谷子抗旱品种选育与配套栽培技术",
                "provincial_key_rd",
                agri,
                "选育抗旱高产谷子新品种，集成旱作覆膜与水肥一体化栽培技术并示范推广。",
                "谷子;抗旱育种;旱作农业",
                "general",
            ),
        )
        .await?;
    admin.transition_project(p.id, T::Submit, "提交立项").await?;
    decide(
        open_review(&reviewer, approval, Kind::Project, p.id).await?,
        "pass",
        "符合要求",
    )
    .await?;
    admin.transition_project(p.id, T::Start, "任务书已签订").await?;
    let check = open_review(&reviewer, kean_core::lifecycle::Gate::RndControl, Kind::Project, p.id).await?;
    decide(check, "pass", "年度检查：研究数据管理规范，无境外人员参与").await?;
    admin.transition_project(p.id, T::Complete, "通过结题验收").await?;
    // 5. 退回 and 6. 不予立项.
    for (no, title, decision, reasons) in [
        (
            "JZ2026-KJ-004",
            "晋中学院智慧农业遥感数据平台建设",
            "return",
            "数据安全方案未附，请补充数据分级与存储方案",
        ),
        (
            "JZ2026-KJ-005",
            "面向境外客户的农机作业数据云服务",
            "reject",
            "拟将重要农业生产数据存储于境外云服务，不符合数据出境管理要求",
        ),
    ] {
        let p = admin
            .create(
                Kind::Project,
                &project(
                    no,
                    title,
                    "city_program",
                    jzu,
                    "汇聚全市农田遥感影像与农机作业数据，提供在线分析服务。",
                    "遥感;农机作业数据;数据平台",
                    "important",
                ),
            )
            .await?;
        admin.transition_project(p.id, T::Submit, "提交立项").await?;
        // The expert is of 晋中学院: the reviewer decides alone (a clean review).
        let id = open_review(&reviewer, approval, Kind::Project, p.id).await?;
        reviewer
            .decide_review(id, decision, reasons, "", "", &Default::default())
            .await?;
    }
    // 7. 立项 (approved, not started), 8. 终止, and 9. 中止: an R&D check
    // that failed suspends its project.
    for (no, title, abstract_text, keywords, end) in [
        (
            "JZ2026-KJ-006",
            "山西老陈醋风味物质解析与标准化酿造",
            "开展老陈醋风味物质组学分析，建立熏醅、陈酿过程关键参数与标准化酿造工艺。",
            "老陈醋;风味物质;标准化酿造",
            None,
        ),
        (
            "JZ2026-KJ-007",
            "中药材太行连翘道地性评价",
            "比较太行山区与其他产区连翘的有效成分与遗传差异，建立道地性评价指标。",
            "连翘;道地药材;质量评价",
            Some(("terminate", "承担单位申请终止")),
        ),
        (
            "JZ2026-KJ-008",
            "设施蔬菜病虫害智能识别与绿色防控",
            "采集设施蔬菜病虫害图像，训练识别模型并集成绿色防控技术示范。",
            "设施蔬菜;病虫害识别;绿色防控",
            Some((
                "suspend",
                "研发安全管控检查：试验原始数据存于个人境外网盘，未按数据分级管理；责令中止整改",
            )),
        ),
    ] {
        let p = admin
            .create(
                Kind::Project,
                &project(no, title, "natural_science", agri, abstract_text, keywords, "general"),
            )
            .await?;
        admin.transition_project(p.id, T::Submit, "提交立项").await?;
        decide(
            open_review(&reviewer, approval, Kind::Project, p.id).await?,
            "pass",
            "符合要求",
        )
        .await?;
        match end {
            Some(("terminate", why)) => {
                reviewer.transition_project(p.id, T::Terminate, why).await?;
            }
            Some((_, why)) => {
                admin.transition_project(p.id, T::Start, "任务书已签订").await?;
                let check = open_review(&reviewer, kean_core::lifecycle::Gate::RndControl, Kind::Project, p.id).await?;
                decide(check, "reject", why).await?;
            }
            None => {}
        }
    }
    // A dependence of the city's steel maker on a chokepoint item.
    reviewer.add_dependence(xintai, "高端轴承钢").await?;
    lines.push("gates: 9 projects, one at every stage; chokepoint 靶材 tackled, 高端轴承钢 a dependence".to_string());

    // A platform's security assessment at its annual evaluation.
    let platform = admin
        .list(
            Kind::Platform,
            &kean_app::ListQuery {
                page: 1,
                page_size: 1,
                ..kean_app::ListQuery::default()
            },
        )
        .await?
        .page
        .items
        .into_iter()
        .next()
        .ok_or_else(|| AppError::internal("the demo has no platform"))?;
    let review = reviewer.open_platform_assessment(platform.id).await?;
    let mut answers = met(&reviewer, review.id).await?;
    answers.insert("D1".into(), "no".into());
    answers.insert("E1".into(), "2".into());
    answers.insert(
        "E2".into(),
        "聘用外籍研究人员2名，未备案；高端质谱仪依赖进口，无替代预案。".into(),
    );
    let r = reviewer
        .decide_review(
            review.id,
            "conditional",
            "年度评估基本符合要求",
            "3个月内完成境外人员备案，制定关键设备替代预案",
            "",
            &answers,
        )
        .await?;
    if r.state == "awaiting_second" {
        expert
            .decide_review(review.id, "conditional", "复核同意", "同初审条件", "", &answers)
            .await?;
    }
    lines.push(format!(
        "gates: platform {} assessed on the platform checklist (two shortfalls, passed with conditions)",
        platform.fields.get("name").to_input()
    ));

    // Transfers, reported by the liaison and approved by the reviewer (填报 →
    // 审核): registered, their transfer audits open by themselves.
    let ach = liaison
        .save_new(
            Kind::Achievement,
            &raw(&[
                ("title", "多旋翼无人机钢结构巡检飞控与自主避障软件".to_string()),
                ("achievement_type", "software".to_string()),
                ("holder_org_id", xintai.to_string()),
                ("completed_on", "2025-10-20".to_string()),
                (
                    "description",
                    "用于高炉与料场巡检的无人机飞行控制系统，含自主导航、航迹规划与避障算法。".to_string(),
                ),
            ]),
        )
        .await?;
    let ach = registered(&reviewer, ach).await?;
    for (name, country) in [("AeroInspect GmbH", "DE"), ("Lockheed Martin Aeronautics", "US")] {
        let saved = liaison
            .save_new(
                Kind::Transfer,
                &raw(&[
                    ("achievement_id", ach.to_string()),
                    ("transfer_mode", "licensing".to_string()),
                    ("counterparty_name", name.to_string()),
                    ("counterparty_country", country.to_string()),
                    ("amount", "800000".to_string()),
                    ("transferred_on", "2026-11-20".to_string()),
                ]),
            )
            .await?;
        registered(&reviewer, saved).await?;
    }
    lines.push(
        "gates: transfer to AeroInspect GmbH blocked by the catalogue (203912X, no licence); to Lockheed Martin Aeronautics by a restricted-list result"
            .to_string(),
    );
    Ok(lines)
}

/// The record a liaison's report made: at once, or once the reviewer approved it.
async fn registered(reviewer: &kean_app::Access, saved: kean_app::Saved) -> Result<i64, AppError> {
    match saved {
        kean_app::Saved::Record(r) => Ok(r.id),
        kean_app::Saved::Submitted(sub) => {
            let done = reviewer.approve_submission(sub.id, None).await?;
            done.record_id
                .or_else(|| done.result_ids.first().copied())
                .ok_or_else(|| AppError::internal("an approved report without its record"))
        }
    }
}

/// The open review of a record at a gate.
async fn open_review(
    access: &kean_app::Access,
    gate: kean_core::lifecycle::Gate,
    kind: Kind,
    id: i64,
) -> Result<i64, AppError> {
    access
        .reviews(&kean_app::ReviewFilter {
            gate: Some(gate),
            record: Some((kind, id)),
            open: Some(true),
            limit: 5,
            ..kean_app::ReviewFilter::default()
        })
        .await?
        .into_iter()
        .map(|(r, _)| r.id)
        .next()
        .ok_or_else(|| AppError::internal(format!("no open review of {} {id}", kind.slug())))
}

/// A decision as the bureau gives it: high-risk reviews by two reviewers.
async fn decide_by_two(
    reviewer: &kean_app::Access,
    expert: &kean_app::Access,
    id: i64,
    decision: &str,
    reasons: &str,
) -> Result<(), AppError> {
    let answers = met(reviewer, id).await?;
    let r = reviewer.decide_review(id, decision, reasons, "", "", &answers).await?;
    if r.state == "awaiting_second" {
        expert
            .decide_review(id, decision, "复核同意初审意见", "", "", &answers)
            .await?;
    }
    Ok(())
}

/// The review's checklist answered "met" throughout.
async fn met(access: &kean_app::Access, id: i64) -> Result<kean_core::checklist::Answers, AppError> {
    Ok(access
        .review(id)
        .await?
        .checklist
        .map(|(_, f)| kean_core::checklist::all_met(&f))
        .unwrap_or_default())
}

/// Where the demo finds the real restricted-party lists: `KEAN_DEMO_LISTS`,
/// or `shared/data/lists` beside the checkout.
pub fn lists_dir() -> Option<std::path::PathBuf> {
    let candidates = [
        std::env::var_os("KEAN_DEMO_LISTS").map(std::path::PathBuf::from),
        Some(std::path::PathBuf::from("../shared/data/lists")),
        Some(std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/lists"
        ))),
    ];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}

/// Imports every list file in `dir` (sorted by name) as the demo's
/// restricted-party lists; each import re-screens the registered parties.
/// Returns one line per list.
pub async fn seed_lists(app: &App, dir: &std::path::Path) -> Result<Vec<String>, AppError> {
    let access = app.system_access("demo");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| AppError::internal(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| AppError::internal(format!("{}: {e}", f.display())))?;
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let r = access.import_list(&name, &bytes, None).await?;
        lines.push(format!(
            "list {} ({name}): {} entries; re-screened {} parties in {} ms, {} results to review",
            r.version.list_code,
            r.version.entry_count,
            r.rescreen.summary.parties,
            r.rescreen.millis,
            r.rescreen.summary.opened.len()
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_total_is_exact_and_positive() {
        let mut rng = Rng(7);
        let parts = split_total(&mut rng, CONTRACT_VALUE_2025_FEN, TECH_CONTRACTS_2025);
        assert_eq!(parts.len(), TECH_CONTRACTS_2025);
        assert_eq!(parts.iter().sum::<i64>(), CONTRACT_VALUE_2025_FEN);
        assert!(parts.iter().all(|p| *p > 0));
    }

    #[test]
    fn growth_matches_the_article() {
        let growth = CONTRACT_VALUE_2025_FEN as f64 / CONTRACT_VALUE_2024_FEN as f64 - 1.0;
        assert!((growth - 2.22).abs() < 0.0005, "{growth}");
    }

    #[test]
    fn tech_service_growth_matches_the_article() {
        let growth = TECH_SERVICE_REVENUE_2025_FEN as f64 / TECH_SERVICE_REVENUE_2024_FEN as f64 - 1.0;
        assert!((growth - 0.111).abs() < 0.0005, "{growth}");
    }

    #[test]
    fn generated_codes_validate() {
        let mut rng = Rng(9);
        for _ in 0..100 {
            assert!(kean_core::codes::parse_uscc(&credit_code(&mut rng, "91", "140702")).is_ok());
            assert!(kean_core::codes::parse_resident_id(&resident_id(&mut rng, "140702")).is_ok());
        }
    }
}

#[cfg(test)]
mod names {
    use super::*;

    #[test]
    fn doubled_words_are_seams_not_words() {
        assert!(doubled_words("晋中市碳材料工程工程技术研究中心"));
        assert!(doubled_words("农业科技技术开发合同"));
        assert!(doubled_words("一种种业高效装置"));
        assert!(!doubled_words("晋中市碳材料工程技术研究中心"));
        assert!(!doubled_words("纤维智能化加工工艺"));
        assert_eq!(joined("信息技术", "技术开发合同"), "信息技术开发合同");
        assert_eq!(joined("农业科技", "技术服务合同"), "农业科技服务合同");
        assert_eq!(joined("特钢", "技术许可合同"), "特钢技术许可合同");
    }
}
