//! Column widths for generated workbooks: a CJK character is about twice
//! as wide as a Latin one.

/// Display width of one character in Excel column-width units.
fn char_width(c: char) -> usize {
    let u = c as u32;
    let wide = matches!(u,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Width of the widest line of `s`.
pub fn display_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().map(char_width).sum()).max().unwrap_or(0)
}

/// A column width that fits `s` with a little padding.
pub fn column_width(s: &str) -> usize {
    display_width(s) + 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_double() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("单位名称"), 8);
        assert_eq!(display_width("成交额（元）"), 12);
        assert_eq!(display_width("a\n单位"), 4);
    }
}
