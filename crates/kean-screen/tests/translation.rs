//! Issue 13: Chinese names of listed parties whose list entries are English translations, on
//! the real BIS Entity List; the vocabulary file's validation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use kean_screen::index::{DEFAULT_THRESHOLD, Index};
use kean_screen::model::Query;
use kean_screen::parse::detect_and_parse;
use kean_screen::{Method, zh};
use std::path::PathBuf;
use std::sync::OnceLock;

fn bis() -> Option<&'static Index> {
    static IDX: OnceLock<Option<Index>> = OnceLock::new();
    IDX.get_or_init(|| {
        let f = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/lists/us_bis_entity_list_2025-11-08.json");
        if !f.is_file() {
            println!("note: {} absent, skipping", f.display());
            return None;
        }
        let list = detect_and_parse(&std::fs::read(&f).unwrap(), "us_bis_entity_list_2025-11-08.json").unwrap();
        Some(Index::from_lists(vec![list]))
    })
    .as_ref()
}

/// The six names of the issue, Simplified and Traditional, reach their entries; the explanation
/// names the translated words and where the translation comes from.
#[test]
fn six_listed_parties_typed_in_chinese_match_their_english_entries() {
    let Some(idx) = bis() else { return };
    let cases = [
        ("北京理工大学", "北京理工大學", "Beijing Institute of Technology"),
        (
            "中国工程物理研究院",
            "中國工程物理研究院",
            "Chinese Academy of Engineering Physics",
        ),
        ("海思半导体有限公司", "海思半導體有限公司", "HiSilicon"),
        (
            "中国科学院计算技术研究所",
            "中國科學院計算技術研究所",
            "Chinese Academy of Sciences Institute of Computing Technology",
        ),
        (
            "中国电子科技集团公司第五十四研究所",
            "中國電子科技集團公司第五十四研究所",
            "54th Research Institute of China",
        ),
        (
            "俄罗斯国家技术集团",
            "俄羅斯國家技術集團",
            "Rostec (Russian Technologies State Corporation)",
        ),
    ];
    for (simplified, traditional, entry) in cases {
        for q in [simplified, traditional] {
            let m = idx.screen(&Query::new(q), DEFAULT_THRESHOLD);
            let hit = m.iter().find(|m| m.entry_name.contains(entry));
            let hit =
                hit.unwrap_or_else(|| panic!("{q} should match {entry}; got {:?}", m.first().map(|m| &m.entry_name)));
            let translated = hit
                .explanation
                .agreed
                .iter()
                .filter(|p| matches!(p.method, Method::Translation | Method::Lexicon))
                .count();
            assert!(
                translated > 0,
                "{q}: no translated word in {}",
                hit.explanation.summary()
            );
            let s = hit.explanation.summary();
            assert!(s.contains("(dictionary)") || s.contains("(CC-CEDICT)"), "{s}");
        }
    }
    // the explanation says which Chinese word became which English one
    let m = idx.screen(&Query::new("中国工程物理研究院"), DEFAULT_THRESHOLD);
    let e = &m[0].explanation;
    assert!(
        e.agreed
            .iter()
            .any(|p| p.query.contains("研究院") && p.entry == "academy"),
        "{}",
        e.summary()
    );
    assert!(
        e.render(kean_screen::Lang::Zh).contains("词典译名"),
        "{}",
        e.render(kean_screen::Lang::Zh)
    );
}

/// Another numbered institute of a listed group is not a match unless that number is listed;
/// the listed numbers are, written with Chinese or Arabic numerals.
#[test]
fn numbered_institutes_match_only_their_own_number() {
    let Some(idx) = bis() else { return };
    let names = |q: &str| -> Vec<String> {
        idx.screen(&Query::new(q), DEFAULT_THRESHOLD)
            .into_iter()
            .map(|m| m.entry_name)
            .collect()
    };
    for unlisted in [
        "中国电子科技集团公司第十五研究所",
        "中国电子科技集团公司第15研究所",
        "中国电子科技集团公司第四十九研究所",
        "中国船舶集团有限公司第七〇八研究所",
    ] {
        assert!(names(unlisted).is_empty(), "{unlisted} matched {:?}", names(unlisted));
    }
    let listed = names("中国电子科技集团公司第四十五研究所");
    assert!(
        listed
            .iter()
            .any(|n| n == "China Electronics Technology Group Corporation 45th Research Institute"),
        "{listed:?}"
    );
    assert!(
        !listed.iter().any(|n| n.contains("48th") || n.contains("54th")),
        "only the 45th: {listed:?}"
    );
    let arabic = names("中国电子科技集团公司第54研究所");
    assert!(
        arabic.iter().any(|n| n == "54th Research Institute of China"),
        "{arabic:?}"
    );
    let zero = names("中国船舶集团有限公司第七〇一研究所");
    assert!(zero.iter().any(|n| n.contains("701st Research Institute")), "{zero:?}");
}

/// A child institute of a listed academy matches its entry written child first; an unlisted
/// sibling (another institute of the same academy) does not.
#[test]
fn institutes_of_an_academy_are_told_apart() {
    let Some(idx) = bis() else { return };
    let m = idx.screen(&Query::new("中国科学院微电子研究所"), DEFAULT_THRESHOLD);
    assert!(
        m.iter()
            .any(|m| m.entry_name == "Chinese Academy of Sciences Institute of Microelectronics")
    );
    for unlisted in ["中国科学院植物研究所", "中国科学院金属研究所", "中国科学院力学研究所"]
    {
        let m = idx.screen(&Query::new(unlisted), DEFAULT_THRESHOLD);
        assert!(
            m.is_empty(),
            "{unlisted}: {:?}",
            m.first().map(|m| m.explanation.summary())
        );
    }
}

#[test]
fn a_bad_vocabulary_file_is_refused_with_its_line_number() {
    let ok = "# comment\n研究院\t?research academy|institute\n集团\t@group\n";
    assert_eq!(zh::validate_vocabulary(ok), Ok(2));
    let cases = [
        ("研究院 academy\n", 1, "CHINESE<TAB>ENGLISH"),
        ("# c\n\nresearch\tacademy\n", 3, "Han characters"),
        ("研究院\tAcademy\n", 1, "lower-case"),
        ("研究院\tacademy\n集团\t@corp\n", 2, "legal form"),
        ("研究院\tacademy\n研究院\tinstitute\n", 2, "twice"),
        ("研究院\t\n", 1, "empty"),
    ];
    for (text, line, why) in cases {
        let e = zh::validate_vocabulary(text).unwrap_err();
        assert_eq!(e.line, line, "{text:?}: {e}");
        assert!(e.reason.contains(why), "{text:?}: {e}");
        assert!(e.to_string().starts_with(&format!("line {line}: ")));
    }
}

/// Persons: Wade–Giles spellings and hyphenated given names meet the Chinese characters; the
/// surname must still agree.
#[test]
fn wade_giles_and_hyphenated_given_names_meet_chinese_person_names() {
    let idx = Index::from_lists(Vec::new());
    let person = kean_screen::EntityType::Person;
    for (zh, latin) in [
        ("毛泽东", "Mao Tse-tung"),
        ("邓小平", "Teng Hsiao-ping"),
        ("李登辉", "Lee Teng-hui"),
        ("王建国", "Wang Chien-kuo"),
        ("王建国", "Wang Jian-guo"),
        ("陈建国", "Chan Jianguo"),
    ] {
        let s = idx.compare_names(zh, latin, person);
        assert!(
            s >= 0.9,
            "{zh} ~ {latin}: {s} {}",
            idx.explain_names(zh, latin, person).summary()
        );
    }
    assert!(idx.compare_names("邓小平", "Wang Hsiao-ping", person) < DEFAULT_THRESHOLD);
    assert!(idx.compare_names("毛泽东", "Mao Tse-ming", person) < DEFAULT_THRESHOLD);
}
