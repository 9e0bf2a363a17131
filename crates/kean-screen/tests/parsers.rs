//! Parsers on the real list files in shared/data (skipped with a note if absent).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use kean_screen::model::{EntityType, ListFormat};
use kean_screen::parse::{detect_and_parse, detect_format};
use std::path::PathBuf;

fn data_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if d.is_dir() {
        Some(d)
    } else {
        println!("note: {} absent, skipping", d.display());
        None
    }
}

fn load(name: &str) -> Option<Vec<u8>> {
    data_dir().map(|d| std::fs::read(d.join("lists").join(name)).expect("read list"))
}

#[test]
fn ofac_sdn() {
    let Some(b) = load("ofac_sdn_2024-05-03.csv") else {
        return;
    };
    assert_eq!(detect_format(&b), Some(ListFormat::OfacSdnCsv));
    let l = detect_and_parse(&b, "sdn.csv").unwrap();
    // SOURCES.md says 14,966: that counts the file's last line, a lone DOS end-of-file marker
    // (0x1A). The file holds 14,965 records.
    assert_eq!(l.entries.len(), 14_965);
    let bnc = l.entries.iter().find(|e| e.id == "306").unwrap();
    assert_eq!(bnc.name, "BANCO NACIONAL DE CUBA");
    assert_eq!(bnc.aliases, vec!["BNC"]);
    assert_eq!(bnc.entity_type, EntityType::Organization);
    let wong = l.entries.iter().find(|e| e.id == "9340").unwrap();
    assert_eq!(wong.entity_type, EntityType::Person);
    assert!(wong.aliases.contains(&"CHI BANG".to_string()));
    assert!(wong.identifiers.iter().any(|i| i.value == "611657479"));
    assert!(wong.countries.contains(&"CN".to_string()));
    let haq = l.entries.iter().find(|e| e.id == "11353").unwrap();
    assert!(haq.aliases.contains(&"AL-HAQ, 'Abd".to_string()), "{:?}", haq.aliases);
    let uscc = l
        .entries
        .iter()
        .flat_map(|e| &e.identifiers)
        .filter(|i| i.kind.contains("USCC"))
        .count();
    assert!(uscc > 10, "USCC identifiers: {uscc}");
}

#[test]
fn bis_entity_list() {
    let Some(b) = load("us_bis_entity_list_2025-11-08.json") else {
        return;
    };
    let l = detect_and_parse(&b, "x.json").unwrap();
    assert_eq!(l.format, ListFormat::CslJson);
    assert_eq!(l.entries.len(), 3_421);
    let cn = l
        .entries
        .iter()
        .filter(|e| e.countries.iter().any(|c| c == "CN" || c == "HK" || c == "MO"))
        .count();
    assert!(cn >= 1_100, "CN/HK/MO entries: {cn}");
    let e = l.entries.iter().find(|e| e.name == "Abdul Satar Ghoura").unwrap();
    assert!(e.countries.contains(&"AF".to_string()));
    let e = l
        .entries
        .iter()
        .find(|e| e.aliases.iter().any(|a| a == "Kurshed Ghoura"))
        .unwrap();
    assert!(e.aliases.iter().any(|a| a == "Kursheed Ghoura"), "{:?}", e.aliases);
    let ids: std::collections::HashSet<_> = l.entries.iter().map(|e| &e.id).collect();
    assert_eq!(ids.len(), l.entries.len());
    assert!(
        l.entries
            .iter()
            .any(|e| e.aliases.len() >= 2 && e.aliases.iter().all(|a| !a.contains("; ")))
    );
}

#[test]
fn un_consolidated() {
    let Some(b) = load("un_consolidated_2025-11-20.xml") else {
        return;
    };
    let l = detect_and_parse(&b, "un.xml").unwrap();
    assert_eq!(l.format, ListFormat::UnXml);
    let persons = l.entries.iter().filter(|e| e.entity_type == EntityType::Person).count();
    let orgs = l
        .entries
        .iter()
        .filter(|e| e.entity_type == EntityType::Organization)
        .count();
    assert_eq!((persons, orgs), (727, 273));
    let e = l.entries.iter().find(|e| e.id == "CDi.002").unwrap();
    assert_eq!(e.name, "FRANK KAKOLELE BWAMBALE");
    assert!(l.entries.iter().any(|e| e.aliases.iter().any(|a| {
        a.chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{0600}'..='\u{06ff}').contains(&c))
    })));
    assert!(l.entries.iter().all(|e| !e.name.contains("  ")));
}

#[test]
fn cn_lists() {
    let Some(b) = load("cn_lists_flat.csv") else {
        return;
    };
    let l = detect_and_parse(&b, "cn.csv").unwrap();
    assert_eq!(l.format, ListFormat::CnCsv);
    assert_eq!(l.entries.len(), 323);
    let e = l.entries.iter().find(|e| e.name == "托德·斯坦恩").unwrap();
    assert_eq!(e.aliases, vec!["Todd Stein"]);
    assert_eq!(e.entity_type, EntityType::Person);
}

#[test]
fn kean_csv_and_errors() {
    let csv = "\u{feff}id,name,aliases,type,country,identifiers\nW1,山西示例科技有限公司,Shanxi Example Tech;示例科技,organization,CN,USCC:91140700MA0K000000\nW2,Zhang San,,person,,\n";
    let l = detect_and_parse(csv.as_bytes(), "/tmp/local_watch.csv").unwrap();
    assert_eq!(l.name, "local_watch");
    assert_eq!(l.entries.len(), 2);
    assert_eq!(l.entries[0].aliases.len(), 2);
    assert_eq!(l.entries[0].identifiers[0].kind, "USCC");
    let bad = "id,name,type\nA,Foo,organization\nB,,person\n";
    let e = detect_and_parse(bad.as_bytes(), "w.csv").unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    let bad = "id,name,type\nA,Foo,spaceship\n";
    let e = detect_and_parse(bad.as_bytes(), "w.csv").unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let bad_ofac = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\"\n";
    let e = detect_and_parse(bad_ofac.as_bytes(), "sdn.csv").unwrap_err();
    assert!(e.to_string().contains("line 1"), "{e}");
    let e = detect_and_parse(
        b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUAL>",
        "u.xml",
    )
    .unwrap_err();
    assert!(e.line.is_some(), "{e}");
    assert!(detect_and_parse(b"hello world", "x").is_err());
}
