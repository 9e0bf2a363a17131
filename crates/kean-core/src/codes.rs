//! National identifier codes with check digits.
//!
//! * 统一社会信用代码 (unified social credit code), GB 32100-2015: 18
//!   characters from a 31-symbol alphabet, the last a weighted mod-31 check.
//! * 居民身份证号码 (resident identity number), GB 11643-1999: 18 characters,
//!   the last an ISO 7064 MOD 11-2 check (`X` for 10).

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    Length(usize),
    BadChar(char),
    CheckDigit { expected: char, found: char },
}

impl CodeError {
    pub fn zh(&self) -> String {
        match self {
            CodeError::Length(n) => format!("应为18位，实际{}位", n),
            CodeError::BadChar(c) => format!("含有不允许的字符“{}”", c),
            CodeError::CheckDigit { expected, found } => {
                format!("校验位错误：应为{}，实际为{}", expected, found)
            }
        }
    }
    pub fn en(&self) -> String {
        match self {
            CodeError::Length(n) => format!("must be 18 characters, got {}", n),
            CodeError::BadChar(c) => format!("contains the character '{}', which is not allowed", c),
            CodeError::CheckDigit { expected, found } => {
                format!("check digit is wrong: expected {}, found {}", expected, found)
            }
        }
    }
}

fn uscc_value(c: u8) -> Option<u32> {
    USCC_ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters of a credit code.
pub fn uscc_check_char(first17: &str) -> Result<char, CodeError> {
    let bytes = first17.as_bytes();
    if first17.chars().count() != 17 {
        return Err(CodeError::Length(first17.chars().count() + 1));
    }
    let mut sum = 0u32;
    for (i, &b) in bytes.iter().enumerate() {
        let v = uscc_value(b).ok_or(CodeError::BadChar(b as char))?;
        sum += v * USCC_WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Ok(USCC_ALPHABET[check as usize] as char)
}

/// Validates and canonicalises (upper case, trimmed) a unified social credit code.
pub fn parse_uscc(s: &str) -> Result<String, CodeError> {
    let t = s.trim().to_ascii_uppercase();
    let n = t.chars().count();
    if n != 18 {
        return Err(CodeError::Length(n));
    }
    if let Some(c) = t.chars().find(|c| !c.is_ascii() || uscc_value(*c as u8).is_none()) {
        return Err(CodeError::BadChar(c));
    }
    let expected = uscc_check_char(&t[..17])?;
    let found = t.as_bytes()[17] as char;
    if expected != found {
        return Err(CodeError::CheckDigit { expected, found });
    }
    Ok(t)
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The check character for the first 17 digits of a resident identity number.
pub fn resident_id_check_char(first17: &str) -> Result<char, CodeError> {
    if first17.len() != 17 {
        return Err(CodeError::Length(first17.len() + 1));
    }
    let mut sum = 0;
    for (i, c) in first17.chars().enumerate() {
        let d = c.to_digit(10).ok_or(CodeError::BadChar(c))?;
        sum += d * ID_WEIGHTS[i];
    }
    Ok(ID_CHECK[(sum % 11) as usize] as char)
}

/// Validates a resident identity number; a lower-case `x` is accepted.
pub fn parse_resident_id(s: &str) -> Result<String, CodeError> {
    let t = s.trim().to_ascii_uppercase();
    let n = t.chars().count();
    if n != 18 {
        return Err(CodeError::Length(n));
    }
    if let Some(c) = t.chars().take(17).find(|c| !c.is_ascii_digit()) {
        return Err(CodeError::BadChar(c));
    }
    let expected = resident_id_check_char(&t[..17])?;
    let found = t.chars().nth(17).unwrap_or(' ');
    if expected != found {
        return Err(CodeError::CheckDigit { expected, found });
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_credit_codes_validate() {
        // Published codes of well-known companies.
        assert!(parse_uscc("914403001922038216").is_ok()); // 华为技术有限公司
        assert_eq!(parse_uscc(" 914403001922038216 ").unwrap(), "914403001922038216");
    }

    #[test]
    fn wrong_check_digit_is_named() {
        let e = parse_uscc("91440300192203821A").unwrap_err();
        assert_eq!(
            e,
            CodeError::CheckDigit {
                expected: '6',
                found: 'A'
            }
        );
        assert!(e.zh().contains("校验位"));
    }

    #[test]
    fn bad_shapes() {
        assert_eq!(parse_uscc("123"), Err(CodeError::Length(3)));
        assert_eq!(parse_uscc("9144030019220382IF"), Err(CodeError::BadChar('I')));
        assert!(matches!(
            parse_uscc("华为技术有限公司华为技术有限公司华为"),
            Err(CodeError::BadChar('华'))
        ));
    }

    #[test]
    fn check_char_round_trip() {
        let base = "91140700MA0K12345";
        let c = uscc_check_char(base).unwrap();
        assert!(parse_uscc(&format!("{base}{c}")).is_ok());
    }

    #[test]
    fn resident_ids() {
        // The standard's worked example.
        assert!(parse_resident_id("11010519491231002X").is_ok());
        assert!(parse_resident_id("11010519491231002x").is_ok());
        assert!(matches!(
            parse_resident_id("110105194912310021"),
            Err(CodeError::CheckDigit { .. })
        ));
    }
}
