//! The registry schema: every kind of record kean registers, its fields,
//! their types, labels in both languages, and which of them a list shows,
//! filters and searches. Forms, tables, the JSON API, the OpenAPI document,
//! SQL and (later) import templates are all driven by this one description,
//! so a field is added in exactly one place (plus its migration).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    District,
    IndustryChain,
    Organization,
    Platform,
    Person,
    TechContract,
    Achievement,
    Transfer,
    RevenueReport,
    Dataset,
    Project,
}

/// Where the organization that "owns" a record (for scoping) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// Reference data (districts, chains): no owner, visible to everyone.
    None,
    /// The record is an organization; it owns itself.
    SelfId,
    /// A reference field naming the owning organization.
    Field(&'static str),
    /// The owner of the record a reference field points to.
    Via(&'static str, Kind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

const fn c(code: &'static str, zh: &'static str, en: &'static str) -> Choice {
    Choice { code, zh, en }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// One line of text, at most `max` characters.
    Text {
        max: usize,
    },
    /// Multi-line text.
    LongText {
        max: usize,
    },
    /// Exactly `len` ASCII digits (administrative division codes).
    Digits {
        len: usize,
    },
    /// 统一社会信用代码, check digit verified.
    CreditCode,
    /// Calendar date, not after today.
    Date,
    /// Yuan amount stored exactly in fen.
    Money,
    Bool,
    Enum(&'static [Choice]),
    Ref(Kind),
    /// ISO 3166-1 alpha-2 code.
    Country,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub ty: FieldType,
    pub required: bool,
    pub unique: bool,
    /// Shown as a column in the list table.
    pub list: bool,
    /// Offered as an exact-match filter in the search form.
    pub filter: bool,
    /// Part of the free-text keyword search.
    pub search: bool,
    /// Personal data (个人敏感信息, e.g. an identity-card number): shown in
    /// full only to the roles the policy names
    /// ([`crate::policy::reveals_personal_data`]), masked on every other path.
    pub personal: bool,
    /// Kept by kean, never by input: shown, listed and filtered like any
    /// field, but forms, imports and the API's input leave it out and an
    /// edit keeps it (a project's stage moves only by its lifecycle).
    pub managed: bool,
    /// A date that may lie in the future (a project's planned end); other
    /// dates must not be after today.
    pub future: bool,
}

const fn f(name: &'static str, zh: &'static str, en: &'static str, ty: FieldType) -> Field {
    Field {
        name,
        zh,
        en,
        ty,
        required: false,
        unique: false,
        list: false,
        filter: false,
        search: false,
        personal: false,
        managed: false,
        future: false,
    }
}

impl Field {
    const fn req(mut self) -> Self {
        self.required = true;
        self
    }
    const fn uniq(mut self) -> Self {
        self.unique = true;
        self
    }
    const fn col(mut self) -> Self {
        self.list = true;
        self
    }
    const fn filt(mut self) -> Self {
        self.filter = true;
        self
    }
    const fn srch(mut self) -> Self {
        self.search = true;
        self
    }
    const fn personal(mut self) -> Self {
        self.personal = true;
        self
    }
    const fn managed(mut self) -> Self {
        self.managed = true;
        self
    }
    const fn future(mut self) -> Self {
        self.future = true;
        self
    }
    /// Whether input (forms, imports, the API) sets this field.
    pub fn is_input(&self) -> bool {
        !self.managed
    }
    pub fn label(&self, zh: bool) -> &'static str {
        if zh { self.zh } else { self.en }
    }
    pub fn choices(&self) -> &'static [Choice] {
        match self.ty {
            FieldType::Enum(cs) => cs,
            _ => &[],
        }
    }
    pub fn choice_label(&self, code: &str, zh: bool) -> Option<&'static str> {
        self.choices()
            .iter()
            .find(|ch| ch.code == code)
            .map(|ch| if zh { ch.zh } else { ch.en })
    }
}

use FieldType as T;

pub const ORG_TYPES: &[Choice] = &[
    c("enterprise", "企业", "Enterprise"),
    c("university", "高校", "University"),
    c("research_institute", "科研院所", "Research institute"),
    c("other", "其他", "Other"),
];

pub const PLATFORM_TYPES: &[Choice] = &[
    c("key_lab", "重点实验室", "Key laboratory"),
    c("tech_innovation_center", "技术创新中心", "Technology innovation centre"),
    c("new_rd_institution", "新型研发机构", "New-type R&D institution"),
    c(
        "engineering_research_center",
        "工程技术研究中心",
        "Engineering research centre",
    ),
    c("enterprise_tech_center", "企业技术中心", "Enterprise technology centre"),
    c("pilot_base", "中试基地", "Pilot-scale base"),
    c("other", "其他", "Other"),
];

pub const PLATFORM_LEVELS: &[Choice] = &[
    c("national", "国家级", "National"),
    c("provincial", "省级", "Provincial"),
    c("city", "市级", "City"),
];

pub const ID_TYPES: &[Choice] = &[
    c("resident_id", "居民身份证", "Resident identity card"),
    c("passport", "护照", "Passport"),
    c(
        "hk_macao_permit",
        "港澳居民来往内地通行证",
        "Mainland travel permit (HK/Macao)",
    ),
    c(
        "taiwan_permit",
        "台湾居民来往大陆通行证",
        "Mainland travel permit (Taiwan)",
    ),
    c(
        "foreign_permanent",
        "外国人永久居留身份证",
        "Foreign permanent resident ID",
    ),
    c("other", "其他", "Other"),
];

pub const CONTRACT_TYPES: &[Choice] = &[
    c("development", "技术开发", "Technology development"),
    c("transfer", "技术转让", "Technology transfer"),
    c("licensing", "技术许可", "Technology licensing"),
    c("consulting", "技术咨询", "Technology consulting"),
    c("service", "技术服务", "Technology service"),
];

/// 技术领域 as the national technology-market statistics count them.
pub const TECH_FIELDS: &[Choice] = &[
    c("electronic_information", "电子信息", "Electronic information"),
    c("advanced_manufacturing", "先进制造", "Advanced manufacturing"),
    c("aerospace", "航空航天", "Aerospace"),
    c("modern_transport", "现代交通", "Modern transport"),
    c("agriculture", "农业", "Agriculture"),
    c("new_materials", "新材料及其应用", "New materials"),
    c("new_energy", "新能源与高效节能", "New energy and energy efficiency"),
    c("environment", "环境保护与资源综合利用", "Environment and resource use"),
    c("urban_social", "城市建设与社会发展", "Urban and social development"),
    c("bio_medicine", "生物、医药和医疗器械", "Biology, medicine and devices"),
    c("nuclear", "核应用", "Nuclear applications"),
];

pub const ACHIEVEMENT_TYPES: &[Choice] = &[
    c("invention_patent", "发明专利", "Invention patent"),
    c("utility_patent", "实用新型专利", "Utility-model patent"),
    c("design_patent", "外观设计专利", "Design patent"),
    c("software", "软件著作权", "Software copyright"),
    c("new_variety", "植物新品种", "New plant variety"),
    c("technique", "技术秘密/工艺", "Know-how / technique"),
    c("standard", "标准", "Standard"),
    c("other", "其他", "Other"),
];

pub const TRANSFER_MODES: &[Choice] = &[
    c("assignment", "转让", "Assignment (sale)"),
    c("licensing", "许可", "Licensing"),
    c("investment", "作价投资", "Investment in kind"),
    c("other", "其他", "Other"),
];

/// 数据分类分级 (Data Security Law; GB/T 43697-2024): the grade of a data
/// set, kept apart from its secrecy level. Export or download of
/// important and core data needs the security administrator's approval.
pub const DATA_GRADES: &[Choice] = &[
    c("general", "一般数据", "General"),
    c("important", "重要数据", "Important"),
    c("core", "核心数据", "Core"),
];

/// Funding programmes (计划类别) of the projects the bureau follows.
pub const PROGRAMMES: &[Choice] = &[
    c("national_key_rd", "国家重点研发计划", "National key R&D programme"),
    c("provincial_key_rd", "省重点研发计划", "Provincial key R&D programme"),
    c("open_competition", "揭榜挂帅", "Open competition (jiebang guashuai)"),
    c("city_program", "市科技计划", "City S&T programme"),
    c("natural_science", "自然科学基金", "Natural science foundation"),
    c("enterprise_funded", "企业自筹", "Enterprise-funded"),
    c("other", "其他", "Other"),
];

const DISTRICT_FIELDS: &[Field] = &[
    f("code", "区划代码", "Division code", T::Digits { len: 6 })
        .req()
        .uniq()
        .col()
        .srch(),
    f("name", "名称", "Name", T::Text { max: 50 }).req().uniq().col().srch(),
];

const CHAIN_FIELDS: &[Field] = &[
    f("code", "编码", "Code", T::Text { max: 20 }).req().uniq().col().srch(),
    f("name", "名称", "Name", T::Text { max: 50 }).req().uniq().col().srch(),
    f("description", "说明", "Description", T::LongText { max: 2000 }),
];

const ORG_FIELDS: &[Field] = &[
    f("name", "单位名称", "Name", T::Text { max: 200 })
        .req()
        .uniq()
        .col()
        .srch(),
    f(
        "credit_code",
        "统一社会信用代码",
        "Unified social credit code",
        T::CreditCode,
    )
    .req()
    .uniq()
    .col()
    .srch(),
    f("org_type", "单位类型", "Type", T::Enum(ORG_TYPES)).req().col().filt(),
    f("district_id", "所属区县", "District", T::Ref(Kind::District))
        .req()
        .col()
        .filt(),
    f(
        "industry_chain_id",
        "产业链",
        "Industry chain",
        T::Ref(Kind::IndustryChain),
    )
    .col()
    .filt(),
    f("address", "地址", "Address", T::Text { max: 200 }),
    f(
        "legal_representative",
        "法定代表人",
        "Legal representative",
        T::Text { max: 50 },
    ),
    f("contact_phone", "联系电话", "Contact phone", T::Text { max: 30 }),
    f(
        "high_tech_cert_no",
        "高新技术企业证书编号",
        "High-tech certificate no.",
        T::Text { max: 30 },
    )
    .col()
    .srch(),
    f(
        "high_tech_issued_on",
        "高企证书发证日期",
        "High-tech certificate issued",
        T::Date,
    ),
    f("tech_sme", "科技型中小企业", "Tech SME", T::Bool).col().filt(),
    f("established_on", "成立日期", "Established", T::Date),
];

/// The fields of a classified kind ([`Kind::classified`]): its own, then
/// the control fields ([`crate::confidentiality::CONTROL_FIELDS`]): 密级,
/// 定密责任人, 定密依据, 定密日期, 保密期限.
macro_rules! classified_kind {
    ($name:ident, [$($field:expr),* $(,)?]) => {
        const $name: &[Field] = &[
            $($field,)*
            f(
                "classification",
                "密级",
                "Classification",
                T::Enum(crate::confidentiality::LEVEL_CHOICES),
            )
            .col()
            .filt(),
            f("classified_by", "定密责任人", "Classified by", T::Text { max: 50 }),
            f(
                "classification_basis",
                "定密依据",
                "Classification basis",
                T::Text { max: 200 },
            ),
            f("classified_on", "定密日期", "Classified on", T::Date),
            f(
                "secrecy_term",
                "保密期限",
                "Secrecy term",
                T::Enum(crate::confidentiality::TERM_CHOICES),
            ),
        ];
    };
}

classified_kind!(
    PLATFORM_FIELDS,
    [
        f("name", "平台名称", "Name", T::Text { max: 200 })
            .req()
            .uniq()
            .col()
            .srch(),
        f("platform_type", "平台类型", "Type", T::Enum(PLATFORM_TYPES))
            .req()
            .col()
            .filt(),
        f("level", "级别", "Level", T::Enum(PLATFORM_LEVELS)).req().col().filt(),
        f(
            "host_org_id",
            "依托单位",
            "Host organization",
            T::Ref(Kind::Organization),
        )
        .req()
        .col()
        .filt(),
        f(
            "industry_chain_id",
            "产业链",
            "Industry chain",
            T::Ref(Kind::IndustryChain),
        )
        .col()
        .filt(),
        f("recognized_on", "认定日期", "Recognized on", T::Date).col(),
        f("director", "负责人", "Director", T::Text { max: 50 }).srch(),
        f("description", "简介", "Description", T::LongText { max: 2000 }),
    ]
);
classified_kind!(
    PERSON_FIELDS,
    [
        f("name", "姓名", "Name", T::Text { max: 100 }).req().col().srch(),
        f("id_type", "证件类型", "ID type", T::Enum(ID_TYPES)).req(),
        f("id_number", "证件号码", "ID number", T::Text { max: 40 })
            .req()
            .uniq()
            .col()
            .personal(),
        f("nationality", "国籍", "Nationality", T::Country).req().col().filt(),
        f("org_id", "所在单位", "Organization", T::Ref(Kind::Organization))
            .req()
            .col()
            .filt(),
        f("title", "职称", "Title", T::Text { max: 50 }).col(),
        f("research_field", "研究领域", "Research field", T::Text { max: 100 })
            .col()
            .srch(),
        f(
            "foreign_affiliation",
            "境外任职/兼职单位",
            "Foreign affiliation",
            T::Text { max: 200 },
        )
        .srch(),
        f(
            "foreign_affiliation_country",
            "境外单位所在国家/地区",
            "Foreign affiliation country",
            T::Country,
        ),
        f("email", "电子邮箱", "Email", T::Text { max: 100 }),
        f("is_commissioner", "科技特派员", "S&T commissioner", T::Bool)
            .col()
            .filt(),
    ]
);
classified_kind!(
    TECH_CONTRACT_FIELDS,
    [
        f("contract_no", "登记编号", "Registration no.", T::Text { max: 40 })
            .req()
            .uniq()
            .col()
            .srch(),
        f("title", "合同名称", "Title", T::Text { max: 200 }).req().col().srch(),
        f("contract_type", "合同类型", "Type", T::Enum(CONTRACT_TYPES))
            .req()
            .col()
            .filt(),
        f("seller_org_id", "卖方（技术方）", "Seller", T::Ref(Kind::Organization))
            .req()
            .col()
            .filt(),
        f("buyer_name", "买方名称", "Buyer", T::Text { max: 200 })
            .req()
            .col()
            .srch(),
        f("buyer_country", "买方国家/地区", "Buyer country", T::Country)
            .req()
            .filt(),
        f("buyer_region", "买方所在地区", "Buyer region", T::Text { max: 100 }),
        f("signed_on", "签订日期", "Signed on", T::Date).req().col(),
        f("registered_on", "登记日期", "Registered on", T::Date).req(),
        f("contract_value", "成交额（元）", "Contract value (CNY)", T::Money)
            .req()
            .col(),
        f("tech_value", "技术交易额（元）", "Technology value (CNY)", T::Money)
            .req()
            .col(),
        f("tech_field", "技术领域", "Technology field", T::Enum(TECH_FIELDS)).filt(),
        f(
            "industry_chain_id",
            "产业链",
            "Industry chain",
            T::Ref(Kind::IndustryChain),
        )
        .filt(),
        f(
            "achievement_id",
            "关联科技成果",
            "Linked achievement",
            T::Ref(Kind::Achievement),
        ),
    ]
);
classified_kind!(
    ACHIEVEMENT_FIELDS,
    [
        f("title", "成果名称", "Title", T::Text { max: 200 }).req().col().srch(),
        f("achievement_type", "成果类型", "Type", T::Enum(ACHIEVEMENT_TYPES))
            .req()
            .col()
            .filt(),
        f("holder_org_id", "权属单位", "Owner", T::Ref(Kind::Organization))
            .req()
            .col()
            .filt(),
        f(
            "registration_no",
            "专利号/登记号",
            "Patent / registration no.",
            T::Text { max: 60 },
        )
        .col()
        .srch(),
        f("tech_field", "技术领域", "Technology field", T::Enum(TECH_FIELDS)).filt(),
        f(
            "industry_chain_id",
            "产业链",
            "Industry chain",
            T::Ref(Kind::IndustryChain),
        )
        .col()
        .filt(),
        f("completed_on", "完成日期", "Completed on", T::Date).col(),
        f("description", "简介", "Description", T::LongText { max: 2000 }),
        f("project_id", "来源项目", "From project", T::Ref(Kind::Project)).filt(),
    ]
);
classified_kind!(
    TRANSFER_FIELDS,
    [
        f("achievement_id", "科技成果", "Achievement", T::Ref(Kind::Achievement))
            .req()
            .col()
            .filt(),
        f("transfer_mode", "转化方式", "Mode", T::Enum(TRANSFER_MODES))
            .req()
            .col()
            .filt(),
        f(
            "counterparty_name",
            "受让方/被许可方",
            "Counterparty",
            T::Text { max: 200 },
        )
        .req()
        .col()
        .srch(),
        f(
            "counterparty_country",
            "对方国家/地区",
            "Counterparty country",
            T::Country,
        )
        .req()
        .col()
        .filt(),
        f("amount", "金额（元）", "Amount (CNY)", T::Money).req().col(),
        f("transferred_on", "转化日期", "Date", T::Date).req().col(),
        f(
            "contract_id",
            "关联技术合同",
            "Linked contract",
            T::Ref(Kind::TechContract),
        ),
    ]
);
classified_kind!(
    DATASET_FIELDS,
    [
        f("name", "数据集名称", "Name", T::Text { max: 200 }).req().col().srch(),
        f("org_id", "所属单位", "Organization", T::Ref(Kind::Organization))
            .req()
            .col()
            .filt(),
        f("data_grade", "数据级别", "Data grade", T::Enum(DATA_GRADES))
            .req()
            .col()
            .filt(),
        f(
            "industry_chain_id",
            "产业链",
            "Industry chain",
            T::Ref(Kind::IndustryChain),
        )
        .filt(),
        f("storage_location", "存储位置", "Storage location", T::Text { max: 200 }).req(),
        f("data_size", "数据规模", "Size", T::Text { max: 50 }).col(),
        f("custodian", "数据负责人", "Custodian", T::Text { max: 50 }).srch(),
        f("produced_on", "形成日期", "Produced on", T::Date).col(),
        f("description", "数据描述", "Description", T::LongText { max: 2000 }),
    ]
);
classified_kind!(
    PROJECT_FIELDS,
    [
        f("title", "项目名称", "Title", T::Text { max: 200 }).req().col().srch(),
        f("project_no", "项目编号", "Project no.", T::Text { max: 40 })
            .req()
            .uniq()
            .col()
            .srch(),
        f("programme", "计划类别", "Programme", T::Enum(PROGRAMMES))
            .req()
            .col()
            .filt(),
        f(
            "lead_org_id",
            "牵头单位",
            "Lead organization",
            T::Ref(Kind::Organization)
        )
        .req()
        .col()
        .filt(),
        f("stage", "项目阶段", "Stage", T::Enum(crate::lifecycle::STAGE_CHOICES),)
            .col()
            .filt()
            .managed(),
        f("abstract", "项目摘要", "Abstract", T::LongText { max: 4000 }),
        f("keywords", "关键词", "Keywords", T::Text { max: 200 }).srch(),
        f(
            "industry_chain_id",
            "产业链",
            "Industry chain",
            T::Ref(Kind::IndustryChain),
        )
        .filt(),
        f("budget", "总预算（元）", "Budget (CNY)", T::Money).col(),
        f("state_funded", "财政资金资助", "State-funded", T::Bool).filt(),
        f("funding_source", "资金来源", "Funding source", T::Text { max: 200 }),
        f("data_grade", "拟定数据级别", "Planned data grade", T::Enum(DATA_GRADES)).filt(),
        f("starts_on", "开始日期", "Starts on", T::Date).future(),
        f("ends_on", "结束日期", "Ends on", T::Date).future(),
        f("applied_on", "申报日期", "Applied on", T::Date).col(),
    ]
);
const REVENUE_FIELDS: &[Field] = &[
    f("org_id", "填报单位", "Organization", T::Ref(Kind::Organization))
        .req()
        .col()
        .filt(),
    f("year", "年度", "Year", T::Digits { len: 4 })
        .req()
        .col()
        .filt()
        .srch(),
    f("revenue", "营业收入（元）", "Revenue (CNY)", T::Money).req().col(),
    f(
        "tech_service",
        "科技服务业入统企业",
        "Counted as technology service",
        T::Bool,
    )
    .col()
    .filt(),
    f("note", "备注", "Note", T::LongText { max: 1000 }),
];

impl Kind {
    pub const ALL: [Kind; 11] = [
        Kind::Organization,
        Kind::Project,
        Kind::Platform,
        Kind::Person,
        Kind::TechContract,
        Kind::Achievement,
        Kind::Transfer,
        Kind::Dataset,
        Kind::RevenueReport,
        Kind::District,
        Kind::IndustryChain,
    ];

    /// SQL table name.
    pub fn table(self) -> &'static str {
        match self {
            Kind::District => "districts",
            Kind::IndustryChain => "industry_chains",
            Kind::Organization => "organizations",
            Kind::Platform => "platforms",
            Kind::Person => "persons",
            Kind::TechContract => "tech_contracts",
            Kind::Achievement => "achievements",
            Kind::Transfer => "transfers",
            Kind::RevenueReport => "revenue_reports",
            Kind::Dataset => "datasets",
            Kind::Project => "projects",
        }
    }

    /// The plural name in URLs, the API and the CLI.
    pub fn slug(self) -> &'static str {
        match self {
            Kind::District => "districts",
            Kind::IndustryChain => "industry-chains",
            Kind::Organization => "organizations",
            Kind::Platform => "platforms",
            Kind::Person => "persons",
            Kind::TechContract => "tech-contracts",
            Kind::Achievement => "achievements",
            Kind::Transfer => "transfers",
            Kind::RevenueReport => "revenue-reports",
            Kind::Dataset => "datasets",
            Kind::Project => "projects",
        }
    }

    pub fn from_slug(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.slug() == s)
    }

    pub fn label(self, zh: bool) -> &'static str {
        let (z, e) = match self {
            Kind::District => ("区县", "Districts"),
            Kind::IndustryChain => ("重点产业链", "Industry chains"),
            Kind::Organization => ("单位", "Organizations"),
            Kind::Platform => ("创新平台", "Innovation platforms"),
            Kind::Person => ("科研人员", "Researchers"),
            Kind::TechContract => ("技术合同", "Technology contracts"),
            Kind::Achievement => ("科技成果", "Achievements"),
            Kind::Transfer => ("成果转化", "Achievement transfers"),
            Kind::RevenueReport => ("营收填报", "Revenue reports"),
            Kind::Dataset => ("科研数据", "Research data"),
            Kind::Project => ("科技项目", "Projects"),
        };
        if zh { z } else { e }
    }

    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::District => DISTRICT_FIELDS,
            Kind::IndustryChain => CHAIN_FIELDS,
            Kind::Organization => ORG_FIELDS,
            Kind::Platform => PLATFORM_FIELDS,
            Kind::Person => PERSON_FIELDS,
            Kind::TechContract => TECH_CONTRACT_FIELDS,
            Kind::Achievement => ACHIEVEMENT_FIELDS,
            Kind::Transfer => TRANSFER_FIELDS,
            Kind::RevenueReport => REVENUE_FIELDS,
            Kind::Dataset => DATASET_FIELDS,
            Kind::Project => PROJECT_FIELDS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The field that names a record to people (in lists of references).
    /// Whether records of this kind carry a classification (密级) and its
    /// control fields: every kind an organization owns but the
    /// organizations themselves (public by nature) and the revenue reports
    /// (statistical filings).
    pub fn classified(self) -> bool {
        matches!(
            self,
            Kind::Platform
                | Kind::Person
                | Kind::TechContract
                | Kind::Achievement
                | Kind::Transfer
                | Kind::Dataset
                | Kind::Project
        )
    }

    /// The field naming the record's owner directly or through another
    /// record (none for organizations and reference data).
    pub fn owner_field(self) -> Option<&'static str> {
        match self.owner() {
            Owner::Field(f) | Owner::Via(f, _) => Some(f),
            Owner::None | Owner::SelfId => None,
        }
    }

    pub fn label_field(self) -> &'static str {
        match self {
            Kind::TechContract => "contract_no",
            Kind::Achievement | Kind::Project => "title",
            Kind::Transfer => "counterparty_name",
            Kind::RevenueReport => "year",
            _ => "name",
        }
    }

    pub fn owner(self) -> Owner {
        match self {
            Kind::District | Kind::IndustryChain => Owner::None,
            Kind::Organization => Owner::SelfId,
            Kind::Platform => Owner::Field("host_org_id"),
            Kind::Person => Owner::Field("org_id"),
            Kind::TechContract => Owner::Field("seller_org_id"),
            Kind::Achievement => Owner::Field("holder_org_id"),
            Kind::Transfer => Owner::Via("achievement_id", Kind::Achievement),
            Kind::RevenueReport => Owner::Field("org_id"),
            Kind::Dataset => Owner::Field("org_id"),
            Kind::Project => Owner::Field("lead_org_id"),
        }
    }

    /// The date a record is counted by in periods (search form and statistics).
    pub fn period_field(self) -> Option<&'static str> {
        match self {
            Kind::TechContract => Some("registered_on"),
            Kind::Transfer => Some("transferred_on"),
            Kind::Achievement => Some("completed_on"),
            Kind::Platform => Some("recognized_on"),
            Kind::Organization => Some("established_on"),
            Kind::Dataset => Some("produced_on"),
            Kind::Project => Some("applied_on"),
            _ => None,
        }
    }

    /// Field combinations that must be unique together; a clash is reported
    /// on the last field of the combination.
    pub fn unique_together(self) -> &'static [&'static [&'static str]] {
        match self {
            Kind::RevenueReport => &[&["org_id", "year"]],
            _ => &[],
        }
    }

    /// Reference data is shared by all and maintained by administrators.
    pub fn is_reference_data(self) -> bool {
        self.owner() == Owner::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_and_fields_are_unique() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_slug(k.slug()), Some(k));
            let fs = k.fields();
            for (i, a) in fs.iter().enumerate() {
                assert!(fs[i + 1..].iter().all(|b| b.name != a.name), "{:?}.{}", k, a.name);
                assert!(a.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
                let bookkeeping = [
                    "id",
                    "owner_org_id",
                    "archived",
                    "version",
                    "created_at",
                    "updated_at",
                    "created_by",
                    "updated_by",
                ];
                assert!(
                    !bookkeeping.contains(&a.name),
                    "{k:?}.{} clashes with a bookkeeping column",
                    a.name
                );
            }
            assert!(k.field(k.label_field()).is_some(), "{k:?} label field");
            match k.owner() {
                Owner::Field(n) | Owner::Via(n, _) => {
                    assert!(matches!(k.field(n).map(|f| f.ty), Some(FieldType::Ref(_))));
                    assert!(
                        k.field(n).is_some_and(|f| f.required),
                        "{k:?} owner field must be required"
                    );
                }
                Owner::None | Owner::SelfId => {}
            }
        }
    }
}
