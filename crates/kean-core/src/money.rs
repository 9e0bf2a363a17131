//! Money in 分 (fen, 1/100 yuan), exact. Parsed from yuan with at most two
//! decimals; never a float.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    Empty,
    Malformed,
    TooManyDecimals,
    Negative,
    TooLarge,
}

impl Fen {
    /// Largest accepted amount: 10^13 yuan, far above any contract.
    pub const MAX: Fen = Fen(1_000_000_000_000_000);

    /// Parses a yuan amount such as `338450000`, `1,234.5` or `12.34`.
    /// Thousands separators (`,` and full-width `，`) and a leading `¥`/`￥`
    /// are accepted, as in spreadsheets; negatives are not.
    pub fn parse_yuan(s: &str) -> Result<Fen, MoneyError> {
        // Full-width digits and points (１２３．４５) are what Chinese input
        // methods often produce; read them as ASCII.
        let ascii: String = s
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' => '.',
                c => c,
            })
            .collect();
        let raw: String = ascii.trim().trim_start_matches(['¥', '￥']).replace('，', ",");
        // Thousands separators only where they belong: "1,234,567.5" yes,
        // "12,50" (a decimal comma) or "1,2,3" no.
        let int_part = raw.split('.').next().unwrap_or("");
        if int_part.contains(',') {
            let groups: Vec<&str> = int_part.split(',').collect();
            let ok = (1..=3).contains(&groups[0].trim().len())
                && groups[1..].iter().all(|g| g.len() == 3)
                && !raw.split('.').nth(1).is_some_and(|f| f.contains(','));
            if !ok {
                return Err(MoneyError::Malformed);
            }
        }
        let t: String = raw.chars().filter(|c| *c != ',' && !c.is_whitespace()).collect();
        if t.is_empty() {
            return Err(MoneyError::Empty);
        }
        if t.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t.as_str(), ""),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(MoneyError::Malformed);
        }
        if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(MoneyError::Malformed);
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        if int.len() > 14 {
            return Err(MoneyError::TooLarge);
        }
        let yuan: i64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| MoneyError::TooLarge)?
        };
        let mut cents: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| MoneyError::Malformed)?
        };
        if frac.len() == 1 {
            cents *= 10;
        }
        let v = yuan
            .checked_mul(100)
            .and_then(|v| v.checked_add(cents))
            .ok_or(MoneyError::TooLarge)?;
        if v > Fen::MAX.0 {
            return Err(MoneyError::TooLarge);
        }
        Ok(Fen(v))
    }

    /// `12345.60` — the canonical yuan form used in the API and exports.
    pub fn yuan_string(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }

    /// `1,234.56` grouped for display.
    pub fn display_yuan(self) -> String {
        let int = (self.0 / 100).to_string();
        let mut out = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        format!("{}.{:02}", out, self.0 % 100)
    }

    /// In 万元 with two decimals, as bureau reports state amounts.
    pub fn display_wan(self) -> String {
        // 1 万元 = 10_000 yuan = 1_000_000 fen; round half up to 0.01 万元.
        let hundredths = (self.0 + 5_000) / 10_000;
        format!("{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.yuan_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spreadsheet_forms() {
        assert_eq!(Fen::parse_yuan("338450000"), Ok(Fen(33_845_000_000)));
        assert_eq!(Fen::parse_yuan("¥1,234.5"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan(" 0.07 "), Ok(Fen(7)));
        assert_eq!(Fen::parse_yuan(".5"), Ok(Fen(50)));
    }

    #[test]
    fn rejects_what_is_not_money() {
        assert_eq!(Fen::parse_yuan(""), Err(MoneyError::Empty));
        assert_eq!(Fen::parse_yuan("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Fen::parse_yuan("-5"), Err(MoneyError::Negative));
        assert_eq!(Fen::parse_yuan("1e5"), Err(MoneyError::Malformed));
        assert_eq!(Fen::parse_yuan("."), Err(MoneyError::Malformed));
        assert_eq!(
            Fen::parse_yuan("12,50"),
            Err(MoneyError::Malformed),
            "a decimal comma is not a thousands separator"
        );
        assert_eq!(Fen::parse_yuan("1,2,3"), Err(MoneyError::Malformed));
        assert_eq!(Fen::parse_yuan("1，234，567"), Ok(Fen(123_456_700)));
        assert_eq!(Fen::parse_yuan("１００．５"), Ok(Fen(10_050)));
        assert_eq!(Fen::parse_yuan("123456789012345"), Err(MoneyError::TooLarge));
    }

    #[test]
    fn displays() {
        assert_eq!(Fen(33_845_000_000).display_yuan(), "338,450,000.00");
        assert_eq!(Fen(33_845_000_000).display_wan(), "33845.00");
        assert_eq!(Fen(7).yuan_string(), "0.07");
    }
}
