//! How far a list can be reached from Chinese (issue 13, item 5): per list, the entries that
//! carry a Chinese name, and those without one that a Chinese name reaches through translation
//! (every distinctive word of one of their Latin names is the English of a vocabulary or
//! CC-CEDICT word, a place, or pinyin — and at least one is a translation).

use crate::model::{EntityType, ParsedList};
use crate::text::{NameHint, TokenClass, tokenize_in};
use crate::zh;
use serde::{Deserialize, Serialize};

/// One list's reach from Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub list: String,
    pub entries: usize,
    /// Entries with a name or alias in Chinese characters.
    pub with_chinese_name: usize,
    /// Entries without one that a Chinese name reaches through translation.
    pub through_translation: usize,
}

/// Can a Chinese name reach this Latin name through translation?
pub fn reachable_through_translation(name: &str, hint: NameHint) -> bool {
    reachable_through_translation_in(name, hint, zh::dict())
}

/// [`reachable_through_translation`] with the words of dictionary `d`.
pub fn reachable_through_translation_in(name: &str, hint: NameHint, d: &zh::Dict) -> bool {
    let mut translated = false;
    for t in tokenize_in(name, hint, d) {
        if t.class != TokenClass::Word || t.optional {
            continue;
        }
        if t.keys().any(|k| d.english.contains(k)) {
            translated = true;
        } else if !(d.places.contains(t.key.as_str()) || zh::is_pinyin_word(&t.key)) {
            return false;
        }
    }
    translated
}

/// The reach from Chinese of one parsed list (the default dictionary).
pub fn coverage(list: &ParsedList) -> Coverage {
    coverage_in(list, zh::dict())
}

/// The reach from Chinese of one parsed list with the words of dictionary `d` (a bureau's
/// own vocabulary added): what `kean screen` prints and the lists page shows.
pub fn coverage_in(list: &ParsedList, d: &zh::Dict) -> Coverage {
    let mut with_chinese_name = 0;
    let mut through_translation = 0;
    for e in &list.entries {
        let names = || std::iter::once(&e.name).chain(&e.aliases);
        if names().any(|n| n.chars().any(zh::is_han)) {
            with_chinese_name += 1;
        } else if e.entity_type != EntityType::Person
            && names().any(|n| reachable_through_translation_in(n, NameHint::Organization, d))
        {
            through_translation += 1;
        }
    }
    Coverage {
        list: list.name.clone(),
        entries: list.entries.len(),
        with_chinese_name,
        through_translation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::unwrap_used)] // tests may panic
    fn translated_names_are_reachable_and_foreign_brands_are_not() {
        assert!(reachable_through_translation(
            "Beijing Institute of Technology",
            NameHint::Organization
        ));
        assert!(reachable_through_translation(
            "China Electronics Technology Group Corporation 45th Research Institute",
            NameHint::Organization
        ));
        assert!(!reachable_through_translation(
            "Kalashnikov Concern JSC",
            NameHint::Organization
        ));
        let csv =
            "id,name,aliases\nA,Beijing Institute of Technology,\nB,华为技术有限公司,Huawei\nC,Kalashnikov Concern,\n";
        let list = crate::parse::detect_and_parse(csv.as_bytes(), "local.csv").unwrap();
        let c = coverage(&list);
        assert_eq!((c.entries, c.with_chinese_name, c.through_translation), (3, 1, 1));
    }
}
