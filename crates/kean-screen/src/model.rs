//! Data model shared by the parsers, the index and the batch API.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Kind of a listed or screened party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityType {
    Organization,
    Person,
    Vessel,
    #[default]
    Unknown,
}

impl EntityType {
    /// Parse a loose type word (`organization`, `company`, `individual`, `person`, `vessel` …).
    pub fn parse(s: &str) -> EntityType {
        match s.trim().to_ascii_lowercase().as_str() {
            "organization" | "organisation" | "org" | "entity" | "company" | "government" | "enterprise" => {
                EntityType::Organization
            }
            "person" | "individual" | "natural person" => EntityType::Person,
            "vessel" | "ship" | "aircraft" => EntityType::Vessel,
            _ => EntityType::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Organization => "organization",
            EntityType::Person => "person",
            EntityType::Vessel => "vessel",
            EntityType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier of a party (unified social credit code, passport, national ID, registration
/// number …). `value` is kept as listed; matching compares upper-case alphanumerics only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// Kind as the source names it (`USCC`, `Passport`, `National ID No.` …); may be empty.
    pub kind: String,
    pub value: String,
}

impl Identifier {
    /// Upper-case alphanumerics of the value (the comparison key).
    pub fn key(&self) -> String {
        identifier_key(&self.value)
    }
}

/// Upper-case alphanumeric comparison key of an identifier value.
pub fn identifier_key(v: &str) -> String {
    v.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// One entry of a restricted-party list.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Stable id from the source (OFAC ent_num, UN DATAID, …).
    pub id: String,
    /// Primary name exactly as the list has it.
    pub name: String,
    pub aliases: Vec<String>,
    pub entity_type: EntityType,
    /// Countries as ISO 3166-1 alpha-2 codes where recognised, else as written (upper-case).
    pub countries: Vec<String>,
    pub identifiers: Vec<Identifier>,
}

/// Which format a list was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListFormat {
    /// US Treasury OFAC legacy SDN.CSV.
    OfacSdnCsv,
    /// Consolidated Screening List / BIS Entity List JSON.
    CslJson,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// China's lists, flat CSV (name_zh, name_en).
    CnCsv,
    /// kean's own CSV for a local watch list.
    KeanCsv,
}

/// A parsed list.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedList {
    /// Short list name used in matches (`OFAC-SDN`, `BIS-EL`, `UN-SC`, `CN`, or the local list's
    /// file stem).
    pub name: String,
    pub format: ListFormat,
    pub entries: Vec<Entry>,
}

/// A name to screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub id: String,
    pub name: String,
    pub entity_type: EntityType,
    /// ISO alpha-2 or country name; empty if unknown.
    pub country: String,
    pub identifiers: Vec<String>,
}

impl Query {
    /// A query with only a name.
    pub fn new(name: &str) -> Query {
        Query {
            name: name.to_string(),
            ..Query::default()
        }
    }
}

/// Country names and codes → ISO alpha-2 (the countries that matter most here; others are kept
/// as written).
pub fn country_code(s: &str) -> String {
    let t = s.trim();
    let up = t.to_ascii_uppercase();
    if up.len() == 2 && up.bytes().all(|b| b.is_ascii_alphabetic()) {
        return up;
    }
    let low = crate::text::normalize(t);
    let code = match low.as_str() {
        "china"
        | "people s republic of china"
        | "peoples republic of china"
        | "prc"
        | "中国"
        | "cn"
        | "chn"
        | "china mainland" => "CN",
        "hong kong" | "hong kong sar" | "hong kong china" | "香港" | "hkg" => "HK",
        "macau" | "macao" | "澳门" => "MO",
        "taiwan" | "台湾" => "TW",
        "russia" | "russian federation" | "俄罗斯" | "rus" => "RU",
        "iran" | "iran islamic republic of" | "伊朗" | "irn" => "IR",
        "north korea" | "democratic people s republic of korea" | "dprk" | "朝鲜" | "prk" => "KP",
        "south korea" | "republic of korea" | "korea" | "韩国" => "KR",
        "united states" | "united states of america" | "usa" | "us" | "美国" => "US",
        "united kingdom" | "uk" | "great britain" | "英国" => "GB",
        "japan" | "日本" => "JP",
        "germany" | "德国" => "DE",
        "france" | "法国" => "FR",
        "canada" | "加拿大" => "CA",
        "syria" | "syrian arab republic" => "SY",
        "iraq" => "IQ",
        "afghanistan" => "AF",
        "pakistan" => "PK",
        "india" => "IN",
        "cuba" => "CU",
        "venezuela" => "VE",
        "belarus" => "BY",
        "ukraine" => "UA",
        "united arab emirates" | "uae" => "AE",
        "turkey" | "turkiye" => "TR",
        "singapore" => "SG",
        "malaysia" => "MY",
        "lebanon" => "LB",
        "yemen" => "YE",
        "libya" => "LY",
        "somalia" => "SO",
        "sudan" => "SD",
        "democratic republic of the congo" | "congo democratic republic of the" => "CD",
        "mali" => "ML",
        "myanmar" | "burma" => "MM",
        "israel" => "IL",
        "netherlands" => "NL",
        "italy" => "IT",
        "spain" => "ES",
        "switzerland" => "CH",
        "australia" => "AU",
        "mexico" => "MX",
        "brazil" => "BR",
        "kazakhstan" => "KZ",
        "uzbekistan" => "UZ",
        "kyrgyzstan" => "KG",
        "tajikistan" => "TJ",
        "indonesia" => "ID",
        "philippines" => "PH",
        "thailand" => "TH",
        "vietnam" | "viet nam" => "VN",
        "egypt" => "EG",
        "saudi arabia" => "SA",
        "qatar" => "QA",
        "kuwait" => "KW",
        "jordan" => "JO",
        "nigeria" => "NG",
        "kenya" => "KE",
        "south sudan" => "SS",
        "eritrea" => "ER",
        "central african republic" => "CF",
        "haiti" => "HT",
        "colombia" => "CO",
        "nicaragua" => "NI",
        "panama" => "PA",
        _ => "",
    };
    if code.is_empty() { up } else { code.to_string() }
}
