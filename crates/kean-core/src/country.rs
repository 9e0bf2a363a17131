//! Countries and regions (ISO 3166-1 alpha-2) with their Chinese names,
//! for contract buyers, transfer counterparties and affiliations.
//! Hong Kong, Macao and Taiwan are listed as regions of China under their
//! own codes, as customs and technology-contract statistics count them.

/// (code, 中文, English)
pub const COUNTRIES: &[(&str, &str, &str)] = &[
    ("CN", "中国", "China"),
    ("HK", "中国香港", "Hong Kong, China"),
    ("MO", "中国澳门", "Macao, China"),
    ("TW", "中国台湾", "Taiwan, China"),
    ("US", "美国", "United States"),
    ("JP", "日本", "Japan"),
    ("KR", "韩国", "Republic of Korea"),
    ("KP", "朝鲜", "DPR Korea"),
    ("DE", "德国", "Germany"),
    ("FR", "法国", "France"),
    ("GB", "英国", "United Kingdom"),
    ("IT", "意大利", "Italy"),
    ("ES", "西班牙", "Spain"),
    ("PT", "葡萄牙", "Portugal"),
    ("NL", "荷兰", "Netherlands"),
    ("BE", "比利时", "Belgium"),
    ("LU", "卢森堡", "Luxembourg"),
    ("CH", "瑞士", "Switzerland"),
    ("AT", "奥地利", "Austria"),
    ("SE", "瑞典", "Sweden"),
    ("NO", "挪威", "Norway"),
    ("DK", "丹麦", "Denmark"),
    ("FI", "芬兰", "Finland"),
    ("IE", "爱尔兰", "Ireland"),
    ("PL", "波兰", "Poland"),
    ("CZ", "捷克", "Czechia"),
    ("HU", "匈牙利", "Hungary"),
    ("GR", "希腊", "Greece"),
    ("RO", "罗马尼亚", "Romania"),
    ("RS", "塞尔维亚", "Serbia"),
    ("UA", "乌克兰", "Ukraine"),
    ("BY", "白俄罗斯", "Belarus"),
    ("RU", "俄罗斯", "Russia"),
    ("TR", "土耳其", "Türkiye"),
    ("IL", "以色列", "Israel"),
    ("IR", "伊朗", "Iran"),
    ("IQ", "伊拉克", "Iraq"),
    ("SY", "叙利亚", "Syria"),
    ("SA", "沙特阿拉伯", "Saudi Arabia"),
    ("AE", "阿联酋", "United Arab Emirates"),
    ("QA", "卡塔尔", "Qatar"),
    ("EG", "埃及", "Egypt"),
    ("ZA", "南非", "South Africa"),
    ("NG", "尼日利亚", "Nigeria"),
    ("KE", "肯尼亚", "Kenya"),
    ("ET", "埃塞俄比亚", "Ethiopia"),
    ("IN", "印度", "India"),
    ("PK", "巴基斯坦", "Pakistan"),
    ("BD", "孟加拉国", "Bangladesh"),
    ("LK", "斯里兰卡", "Sri Lanka"),
    ("NP", "尼泊尔", "Nepal"),
    ("KZ", "哈萨克斯坦", "Kazakhstan"),
    ("UZ", "乌兹别克斯坦", "Uzbekistan"),
    ("KG", "吉尔吉斯斯坦", "Kyrgyzstan"),
    ("TJ", "塔吉克斯坦", "Tajikistan"),
    ("MN", "蒙古", "Mongolia"),
    ("VN", "越南", "Viet Nam"),
    ("LA", "老挝", "Lao PDR"),
    ("KH", "柬埔寨", "Cambodia"),
    ("TH", "泰国", "Thailand"),
    ("MM", "缅甸", "Myanmar"),
    ("MY", "马来西亚", "Malaysia"),
    ("SG", "新加坡", "Singapore"),
    ("ID", "印度尼西亚", "Indonesia"),
    ("PH", "菲律宾", "Philippines"),
    ("AU", "澳大利亚", "Australia"),
    ("NZ", "新西兰", "New Zealand"),
    ("CA", "加拿大", "Canada"),
    ("MX", "墨西哥", "Mexico"),
    ("BR", "巴西", "Brazil"),
    ("AR", "阿根廷", "Argentina"),
    ("CL", "智利", "Chile"),
    ("PE", "秘鲁", "Peru"),
    ("CO", "哥伦比亚", "Colombia"),
    ("VE", "委内瑞拉", "Venezuela"),
    ("CU", "古巴", "Cuba"),
];

/// Looks a code up (case-insensitive); returns the canonical upper-case code.
pub fn parse_country(s: &str) -> Option<&'static str> {
    let t = s.trim();
    COUNTRIES
        .iter()
        .find(|(c, zh, en)| c.eq_ignore_ascii_case(t) || *zh == t || en.eq_ignore_ascii_case(t))
        .map(|(c, _, _)| *c)
}

pub fn country_name(code: &str, zh: bool) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, z, e)| if zh { *z } else { *e })
}

/// Whether a counterparty in this country is abroad from the bureau's seat
/// (Hong Kong, Macao and Taiwan count as outside the mainland for
/// technology-export purposes).
pub fn is_outside_mainland(code: &str) -> bool {
    code != "CN"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        for (i, (c, _, _)) in COUNTRIES.iter().enumerate() {
            assert_eq!(c.len(), 2);
            assert!(c.chars().all(|x| x.is_ascii_uppercase()));
            assert!(COUNTRIES[i + 1..].iter().all(|(d, _, _)| d != c), "{c} twice");
        }
    }

    #[test]
    fn parses_code_chinese_or_english() {
        assert_eq!(parse_country("us"), Some("US"));
        assert_eq!(parse_country("德国"), Some("DE"));
        assert_eq!(parse_country("Germany"), Some("DE"));
        assert_eq!(parse_country("Atlantis"), None);
    }
}
