//! Registry records and their validation.
//!
//! Input arrives as text (form fields, CSV cells, JSON values rendered to
//! text) and becomes [`Fields`] only through [`validate`], which checks
//! every field and every cross-field rule and reports all problems at once,
//! each naming its field.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::codes::{parse_resident_id, parse_uscc};
use crate::confidentiality::{CONTROL_FIELDS, Ceiling, Classification, LEVEL_FIELD, check_record};
use crate::country::parse_country;
use crate::error::FieldError;
use crate::money::{Fen, MoneyError};
use crate::schema::{Field, FieldType, Kind};

/// A level as the input writes it (its code or name); None when empty or
/// not a level (the field's own check reports that).
fn parse_level(text: &str) -> Option<Classification> {
    Classification::parse(text)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Text(String),
    Money(Fen),
    Date(NaiveDate),
    Bool(bool),
    Ref(i64),
}

impl Value {
    /// The value as the API and exports show it.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Text(s) => json!(s),
            Value::Money(m) => json!(m.yuan_string()),
            Value::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
            Value::Bool(b) => json!(b),
            Value::Ref(id) => json!(id),
        }
    }

    /// The value as a form field or CSV cell holds it.
    pub fn to_input(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Text(s) => s.clone(),
            Value::Money(m) => m.yuan_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
            Value::Ref(id) => id.to_string(),
        }
    }

    pub fn as_ref_id(&self) -> Option<i64> {
        match self {
            Value::Ref(id) => Some(*id),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_date(&self) -> Option<NaiveDate> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }
    pub fn as_money(&self) -> Option<Fen> {
        match self {
            Value::Money(m) => Some(*m),
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// Validated field values of one record, keyed by schema field name.
/// Every schema field of the kind is present (possibly `Null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    kind: Kind,
    values: BTreeMap<&'static str, Value>,
}

impl Fields {
    pub fn kind(&self) -> Kind {
        self.kind
    }
    pub fn get(&self, name: &str) -> &Value {
        self.values.get(name).unwrap_or(&Value::Null)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&'static Field, &Value)> {
        self.kind.fields().iter().map(move |f| (f, self.get(f.name)))
    }
    /// Rebuilds fields read back from storage. Storage only hands back what
    /// was validated when written, so no re-validation happens here.
    /// The record's 密级 (公开 for kinds that carry none).
    pub fn classification(&self) -> Classification {
        self.get(LEVEL_FIELD)
            .as_text()
            .and_then(Classification::parse)
            .unwrap_or(Classification::Public)
    }
    pub fn from_stored(kind: Kind, values: BTreeMap<&'static str, Value>) -> Fields {
        Fields { kind, values }
    }
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (f, v) in self.iter() {
            m.insert(f.name.to_string(), v.to_json());
        }
        serde_json::Value::Object(m)
    }
    /// Replaces the text of every personal field (see
    /// [`crate::schema::Field::personal`]) by its masked form, for a reader
    /// the policy does not show it to. The result is for display only.
    pub fn mask_personal(&mut self) {
        for f in self.kind.fields().iter().filter(|f| f.personal) {
            if let Some(Value::Text(t)) = self.values.get_mut(f.name) {
                *t = crate::policy::mask_personal(t);
            }
        }
    }
    /// The text people know the record by.
    pub fn label(&self) -> String {
        self.get(self.kind.label_field()).to_input()
    }
}

/// A stored record: its fields plus bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub fields: Fields,
    /// The organization the record belongs to, for scoping (None for
    /// reference data).
    pub owner_org_id: Option<i64>,
    pub archived: bool,
    /// Incremented on every write; an update names the version it edited.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Record {
    pub fn kind(&self) -> Kind {
        self.fields.kind()
    }
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "kind": self.kind(),
            "fields": self.fields.to_json(),
            "owner_org_id": self.owner_org_id,
            "archived": self.archived,
            "version": self.version,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        })
    }
}

/// Parses the date forms Chinese offices write: 2025-03-01, 2025/3/1,
/// 2025.3.1, 2025年3月1日, 20250301.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let t = s.trim();
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(t, "%Y%m%d").ok();
    }
    let norm: String = t
        .chars()
        .map(|c| match c {
            '/' | '.' | '年' | '月' => '-',
            c => c,
        })
        .filter(|c| *c != '日')
        .collect();
    let parts: Vec<&str> = norm.split('-').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let y: i32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    if parts[0].len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Earliest accepted date.
pub fn min_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default()
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" | "是" | "√" => Some(true),
        "false" | "0" | "no" | "n" | "off" | "否" => Some(false),
        _ => None,
    }
}

/// Checks text that is not a registry field (a username, a name, a note,
/// a search) before it goes anywhere: at most `max` characters and no
/// control characters — none at all, or with `multiline` none but tabs and
/// line breaks. A NUL cannot be stored in PostgreSQL and no control
/// character belongs in what people type. The error names `field`.
pub fn check_text(field: &str, value: &str, max: usize, multiline: bool) -> Result<(), FieldError> {
    let n = value.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            format!("{field}：不能超过{max}个字符（当前{n}个）"),
            format!("{field}: at most {max} characters (got {n})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\t' | '\n' | '\r')))
    {
        return Err(FieldError::new(
            field,
            format!("{field}：不能包含控制字符"),
            format!("{field}: must not contain control characters"),
        ));
    }
    Ok(())
}

fn parse_field(f: &Field, raw: &str, today: NaiveDate) -> Result<Value, FieldError> {
    let err =
        |zh: String, en: String| FieldError::new(f.name, format!("{}：{}", f.zh, zh), format!("{}: {}", f.en, en));
    match f.ty {
        FieldType::Text { max } | FieldType::LongText { max } => {
            let n = raw.chars().count();
            if n > max {
                return Err(err(
                    format!("不能超过{}个字符（当前{}个）", max, n),
                    format!("at most {} characters (got {})", max, n),
                ));
            }
            if matches!(f.ty, FieldType::Text { .. }) && raw.chars().any(|c| c.is_control()) {
                return Err(err(
                    "不能包含换行或控制字符".into(),
                    "must not contain line breaks or control characters".into(),
                ));
            }
            // Long text keeps its tabs and line breaks, nothing else: a NUL
            // cannot even be stored in PostgreSQL.
            if raw.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
                return Err(err(
                    "不能包含控制字符（制表符和换行除外）".into(),
                    "must not contain control characters (other than tabs and line breaks)".into(),
                ));
            }
            Ok(Value::Text(raw.to_string()))
        }
        FieldType::Digits { len } => {
            if raw.len() != len || !raw.chars().all(|c| c.is_ascii_digit()) {
                return Err(err(format!("应为{}位数字", len), format!("must be {} digits", len)));
            }
            Ok(Value::Text(raw.to_string()))
        }
        FieldType::CreditCode => parse_uscc(raw).map(Value::Text).map_err(|e| err(e.zh(), e.en())),
        FieldType::Date => {
            let d = parse_date(raw).ok_or_else(|| {
                err(
                    format!("“{}”不是有效日期（格式：2025-03-01）", raw),
                    format!("'{}' is not a valid date (use 2025-03-01)", raw),
                )
            })?;
            if d < min_date() {
                return Err(err("不能早于1900年".into(), "must not be before 1900".into()));
            }
            if f.future && d.year() > 2100 {
                return Err(err("不能晚于2100年".into(), "must not be after 2100".into()));
            }
            if d > today && !f.future {
                return Err(err(
                    format!("不能晚于今天（{}）", today),
                    format!("must not be after today ({})", today),
                ));
            }
            Ok(Value::Date(d))
        }
        FieldType::Money => Fen::parse_yuan(raw).map(Value::Money).map_err(|e| match e {
            MoneyError::Empty | MoneyError::Malformed => {
                err(format!("“{}”不是有效金额", raw), format!("'{}' is not an amount", raw))
            }
            MoneyError::TooManyDecimals => err("最多两位小数".into(), "at most two decimals".into()),
            MoneyError::Negative => err("不能为负数".into(), "must not be negative".into()),
            MoneyError::TooLarge => err("金额过大".into(), "amount is too large".into()),
        }),
        FieldType::Bool => parse_bool(raw).map(Value::Bool).ok_or_else(|| {
            err(
                format!("“{}”应为 是/否", raw),
                format!("'{}' must be true or false", raw),
            )
        }),
        FieldType::Enum(choices) => choices
            .iter()
            .find(|c| c.code == raw || c.zh == raw || c.en.eq_ignore_ascii_case(raw))
            .map(|c| Value::Text(c.code.to_string()))
            .ok_or_else(|| {
                let allowed: Vec<&str> = choices.iter().map(|c| c.zh).collect();
                let allowed_en: Vec<&str> = choices.iter().map(|c| c.code).collect();
                err(
                    format!("“{}”不是可选值（{}）", raw, allowed.join("、")),
                    format!("'{}' is not one of: {}", raw, allowed_en.join(", ")),
                )
            }),
        FieldType::Ref(_) => raw
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Value::Ref)
            .ok_or_else(|| {
                err(
                    format!("“{}”不是有效的记录编号", raw),
                    format!("'{}' is not a record id", raw),
                )
            }),
        FieldType::Country => parse_country(raw).map(|c| Value::Text(c.to_string())).ok_or_else(|| {
            err(
                format!("“{}”不是已知的国家或地区代码", raw),
                format!("'{}' is not a known country code", raw),
            )
        }),
    }
}

/// Keys that travel with record input without being fields: the form's
/// CSRF token and the version an edit was based on.
pub const BOOKKEEPING_KEYS: [&str; 2] = ["_csrf", "_version"];

/// Validates raw text input for a record of `kind`. The
/// [`BOOKKEEPING_KEYS`] are ignored; any other unknown key is an error, so
/// that a misspelt field (or `_verison`) is never silently dropped.
///
/// Under the default [`Ceiling`] (内部); [`validate_under`] names the
/// deployment's.
pub fn validate(kind: Kind, raw: &BTreeMap<String, String>, today: NaiveDate) -> Result<Fields, Vec<FieldError>> {
    validate_under(kind, raw, today, Ceiling::default())
}

/// [`validate`] for a deployment accredited up to `ceiling`: a record of a
/// classified kind above it holds only its control record (title, owner,
/// classification details); its other fields are not required and refused
/// when given ([`crate::confidentiality::check_record`]). An empty level is
/// 公开; a classified record's date defaults to today and its term to the
/// level's longest.
pub fn validate_under(
    kind: Kind,
    raw: &BTreeMap<String, String>,
    today: NaiveDate,
    ceiling: Ceiling,
) -> Result<Fields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let level = if kind.classified() {
        raw.get(LEVEL_FIELD).and_then(|t| parse_level(t))
    } else {
        None
    };
    let control_only = level.is_some_and(|l| !ceiling.holds_content(l));
    let is_frame = |f: &Field| {
        f.name == kind.label_field() || Some(f.name) == kind.owner_field() || CONTROL_FIELDS.contains(&f.name)
    };
    for key in raw.keys() {
        if !BOOKKEEPING_KEYS.contains(&key.as_str()) && kind.field(key).is_none() {
            errors.push(FieldError::new(
                key,
                format!("未知字段“{}”", key),
                format!("unknown field '{}'", key),
            ));
        }
    }
    let mut values = BTreeMap::new();
    for f in kind.fields() {
        // Kept by kean (a project's stage): whatever the input says is not
        // read; the store never writes it from a form.
        if f.managed {
            values.insert(f.name, initial_managed(kind, f.name));
            continue;
        }
        let text = raw.get(f.name).map(|s| s.trim()).unwrap_or("");
        if text.is_empty() {
            if f.required && (!control_only || is_frame(f)) {
                errors.push(FieldError::new(
                    f.name,
                    format!("{}：必填", f.zh),
                    format!("{}: required", f.en),
                ));
            }
            let empty = if f.ty == FieldType::Bool {
                Value::Bool(false)
            } else {
                Value::Null
            };
            values.insert(f.name, empty);
            continue;
        }
        match parse_field(f, text, today) {
            Ok(v) => {
                values.insert(f.name, v);
            }
            Err(e) => {
                errors.push(e);
                values.insert(f.name, Value::Null);
            }
        }
    }
    if kind.classified() {
        let filled: Vec<(&'static str, bool)> = kind
            .fields()
            .iter()
            .filter(|f| f.name != kind.label_field() && Some(f.name) != kind.owner_field())
            .map(|f| {
                (
                    f.name,
                    values
                        .get(f.name)
                        .is_some_and(|v| !v.is_null() && *v != Value::Bool(false)),
                )
            })
            .collect();
        let term = values
            .get("secrecy_term")
            .and_then(Value::as_text)
            .and_then(|t| t.parse::<u32>().ok());
        let level_given = values.get(LEVEL_FIELD).and_then(Value::as_text).and_then(parse_level);
        match check_record(level_given, ceiling, &filled, term) {
            Ok(control) => {
                values.insert(LEVEL_FIELD, Value::Text(control.level.code().to_string()));
                if control.level.is_classified() {
                    values
                        .entry("classified_on")
                        .and_modify(|v| {
                            if v.is_null() {
                                *v = Value::Date(today);
                            }
                        })
                        .or_insert(Value::Date(today));
                    if let Some(years) = control.level.default_term_years()
                        && values.get("secrecy_term").is_none_or(Value::is_null)
                    {
                        values.insert("secrecy_term", Value::Text(years.to_string()));
                    }
                }
            }
            Err(es) => errors.extend(es.into_iter().map(|e| FieldError::new(e.field, e.zh, e.en))),
        }
    }
    let fields = Fields { kind, values };
    cross_field_rules(&fields, &mut errors);
    if errors.is_empty() { Ok(fields) } else { Err(errors) }
}

/// The value a field kean keeps ([`Field::managed`]) has when a record is
/// registered; an edit never writes it (the store leaves it out).
pub fn initial_managed(kind: Kind, field: &str) -> Value {
    match (kind, field) {
        (Kind::Project, "stage") => Value::Text(crate::lifecycle::Stage::INITIAL.code().to_string()),
        _ => Value::Null,
    }
}

fn cross_field_rules(fs: &Fields, errors: &mut Vec<FieldError>) {
    if let Some(phone) = fs.get("contact_phone").as_text() {
        let digits = phone.chars().filter(|c| c.is_ascii_digit()).count();
        let allowed = phone.chars().all(|c| c.is_ascii_digit() || " -+()（）转".contains(c));
        if !allowed || !(7..=20).contains(&digits) {
            errors.push(FieldError::new(
                "contact_phone",
                "联系电话：应为7–20位数字，可含区号分隔符“-”、空格、括号或“转”分机",
                "Contact phone: 7–20 digits, with optional -, spaces, brackets or an extension",
            ));
        }
    }
    let has_error = |errors: &Vec<FieldError>, name: &str| errors.iter().any(|e| e.field == name);
    match fs.kind() {
        Kind::Organization => {
            let cert = fs.get("high_tech_cert_no");
            let issued = fs.get("high_tech_issued_on");
            if let Some(no) = cert.as_text() {
                let ok = no.len() == 14 && no.starts_with("GR") && no[2..].chars().all(|c| c.is_ascii_digit());
                if !ok {
                    errors.push(FieldError::new(
                        "high_tech_cert_no",
                        "高新技术企业证书编号：格式应为 GR + 12位数字（如 GR202314000123）",
                        "High-tech certificate no.: must be GR followed by 12 digits (e.g. GR202314000123)",
                    ));
                } else if let Some(d) = issued.as_date() {
                    let year: i32 = no[2..6].parse().unwrap_or(0);
                    if year != d.year() {
                        errors.push(FieldError::new(
                            "high_tech_issued_on",
                            format!("高企证书发证日期：年份应与证书编号中的年份（{}）一致", year),
                            format!(
                                "High-tech certificate issued: year must match the certificate number ({})",
                                year
                            ),
                        ));
                    }
                }
                if issued.is_null() && !has_error(errors, "high_tech_issued_on") {
                    errors.push(FieldError::new(
                        "high_tech_issued_on",
                        "高企证书发证日期：填写证书编号时必填",
                        "High-tech certificate issued: required when a certificate number is given",
                    ));
                }
            } else if !issued.is_null() {
                errors.push(FieldError::new(
                    "high_tech_cert_no",
                    "高新技术企业证书编号：填写发证日期时必填",
                    "High-tech certificate no.: required when an issue date is given",
                ));
            }
        }
        Kind::Person => {
            if fs.get("id_type").as_text() == Some("resident_id")
                && let Some(n) = fs.get("id_number").as_text()
                && let Err(e) = parse_resident_id(n)
            {
                errors.push(FieldError::new(
                    "id_number",
                    format!("证件号码：{}", e.zh()),
                    format!("ID number: {}", e.en()),
                ));
            }
            if fs.get("foreign_affiliation").as_text().is_some()
                && fs.get("foreign_affiliation_country").is_null()
                && !has_error(errors, "foreign_affiliation_country")
            {
                errors.push(FieldError::new(
                    "foreign_affiliation_country",
                    "境外单位所在国家/地区：填写境外任职单位时必填",
                    "Foreign affiliation country: required with a foreign affiliation",
                ));
            }
            if let Some(e) = fs.get("email").as_text() {
                let ok = e
                    .split_once('@')
                    .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.') && !b.ends_with('.'));
                if !ok {
                    errors.push(FieldError::new(
                        "email",
                        "电子邮箱：格式不正确",
                        "Email: not a valid address",
                    ));
                }
            }
        }
        Kind::TechContract => {
            if let (Some(c), Some(t)) = (fs.get("contract_value").as_money(), fs.get("tech_value").as_money())
                && t > c
            {
                errors.push(FieldError::new(
                    "tech_value",
                    "技术交易额（元）：不能大于成交额",
                    "Technology value: must not exceed the contract value",
                ));
            }
            if let (Some(s), Some(r)) = (fs.get("signed_on").as_date(), fs.get("registered_on").as_date())
                && r < s
            {
                errors.push(FieldError::new(
                    "registered_on",
                    "登记日期：不能早于签订日期",
                    "Registered on: must not be before the signing date",
                ));
            }
        }
        _ => {}
    }
}

/// The last day a high-tech certificate issued on `issued` is valid:
/// three years, inclusive of the issue day.
pub fn high_tech_valid_until(issued: NaiveDate) -> NaiveDate {
    let y = issued.year() + 3;
    let end = NaiveDate::from_ymd_opt(y, issued.month(), issued.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, issued.month(), 28))
        .unwrap_or(issued);
    end.pred_opt().unwrap_or(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }
    fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn dates_in_office_formats() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        for s in ["2025-03-01", "2025/3/1", "2025.3.1", "2025年3月1日", "20250301"] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(parse_date("25-3-1"), None);
        assert_eq!(parse_date("yesterday"), None);
    }

    #[test]
    fn organization_errors_name_each_field() {
        let e = validate(
            Kind::Organization,
            &raw(&[
                ("name", ""),
                ("credit_code", "91440300192203821A"),
                ("org_type", "bank"),
                ("district_id", "x"),
                ("colour", "red"),
                ("_verison", "1"),
            ]),
            today(),
        )
        .unwrap_err();
        let names: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        for want in ["name", "credit_code", "org_type", "district_id", "colour", "_verison"] {
            assert!(names.contains(&want), "{want} missing from {names:?}");
        }
        let cc = e.iter().find(|e| e.field == "credit_code").unwrap();
        assert!(cc.message_zh.contains("校验位"), "{}", cc.message_zh);
    }

    #[test]
    fn valid_organization_accepts_chinese_choice_labels() {
        let fs = validate(
            Kind::Organization,
            &raw(&[
                ("name", " 山西新泰钢铁有限公司 "),
                ("credit_code", "914403001922038216"),
                ("org_type", "企业"),
                ("district_id", "3"),
                ("high_tech_cert_no", "GR202314000123"),
                ("high_tech_issued_on", "2023-12-08"),
                ("tech_sme", "是"),
                ("_csrf", "ignored"),
                ("_version", "3"),
            ]),
            today(),
        )
        .unwrap();
        assert_eq!(fs.get("name"), &Value::Text("山西新泰钢铁有限公司".into()));
        assert_eq!(fs.get("org_type"), &Value::Text("enterprise".into()));
        assert_eq!(fs.get("tech_sme"), &Value::Bool(true));
        assert_eq!(fs.get("address"), &Value::Null);
    }

    #[test]
    fn cross_field_rules() {
        let e = validate(
            Kind::TechContract,
            &raw(&[
                ("contract_no", "2025140700000001"),
                ("title", "x"),
                ("contract_type", "development"),
                ("seller_org_id", "1"),
                ("buyer_name", "y"),
                ("buyer_country", "CN"),
                ("signed_on", "2025-05-01"),
                ("registered_on", "2025-04-01"),
                ("contract_value", "100"),
                ("tech_value", "100.01"),
            ]),
            today(),
        )
        .unwrap_err();
        let names: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, vec!["tech_value", "registered_on"]);
    }

    #[test]
    fn future_dates_and_bad_ids_rejected() {
        let e = validate(
            Kind::Person,
            &raw(&[
                ("name", "张三"),
                ("id_type", "resident_id"),
                ("id_number", "110105194912310021"),
                ("nationality", "CN"),
                ("org_id", "1"),
                ("email", "a@b"),
            ]),
            today(),
        )
        .unwrap_err();
        let names: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(names, vec!["id_number", "email"]);
        let e = validate(
            Kind::Achievement,
            &raw(&[
                ("title", "t"),
                ("achievement_type", "software"),
                ("holder_org_id", "1"),
                ("completed_on", "2027-01-01"),
            ]),
            today(),
        )
        .unwrap_err();
        assert_eq!(e[0].field, "completed_on");
    }

    #[test]
    fn phone_numbers() {
        let base = [
            ("name", "x"),
            ("credit_code", "914403001922038216"),
            ("org_type", "enterprise"),
            ("district_id", "1"),
        ];
        for (phone, ok) in [
            ("0354-3012345", true),
            ("13800138000", true),
            ("(0354) 301 2345 转 8001", true),
            ("call me", false),
            ("123", false),
        ] {
            let mut r = raw(&base);
            r.insert("contact_phone".into(), phone.into());
            assert_eq!(validate(Kind::Organization, &r, today()).is_ok(), ok, "{phone}");
        }
    }

    #[test]
    fn certificate_validity_is_three_years() {
        let d = NaiveDate::from_ymd_opt(2023, 12, 8).unwrap();
        assert_eq!(high_tech_valid_until(d), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
    }
}

#[cfg(test)]
mod control_character_tests {
    use super::*;

    #[test]
    fn text_refuses_control_characters_naming_the_field() {
        assert!(check_text("q", "甲乙", 100, false).is_ok());
        assert_eq!(check_text("q", "a\u{0}", 100, false).unwrap_err().field, "q");
        assert!(check_text("note", "a\n\tb\r\n", 100, true).is_ok());
        assert!(check_text("note", "a\u{0}b", 100, true).is_err());
        assert!(check_text("note", "a\u{1b}b", 100, true).is_err());
        assert!(check_text("q", "abc", 2, false).is_err());
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let note = Kind::RevenueReport.field("note").unwrap();
        assert!(parse_field(note, "第一行\n第二行", today).is_ok());
        assert_eq!(parse_field(note, "a\u{0}b", today).unwrap_err().field, "note");
    }
}
