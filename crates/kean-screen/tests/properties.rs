//! Property tests (modest case counts).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use kean_screen::index::Index;
use kean_screen::model::EntityType;
use kean_screen::parse::detect_and_parse;
use kean_screen::text::{NameHint, normalize, tokenize};
use proptest::prelude::*;
use std::sync::OnceLock;

fn idx() -> &'static Index {
    static I: OnceLock<Index> = OnceLock::new();
    I.get_or_init(|| {
        let csv = "id,name,aliases,type\n1,Huawei Technologies Co. Ltd.,华为技术有限公司,organization\n2,Zhejiang Dahua Technology Co. Ltd.,,organization\n3,Maochun Yu,余茂春,person\n4,Beijing Institute of Technology,北京理工大学,organization\n";
        Index::from_lists(vec![detect_and_parse(csv.as_bytes(), "p.csv").unwrap()])
    })
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z]{2,9}( [A-Za-z]{2,9}){0,3}( (Co\\., Ltd\\.|Inc\\.|GmbH|LLC))?",
        "[华为大中国北京技术科有限公司浙江电子余茂春山西新泰钢铁学院]{2,10}",
        "[A-Za-zÀ-ÿ]{1,6}[ \\-·'.]{1}[a-zа-я]{2,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn normalize_is_idempotent(s in "\\PC{0,40}") {
        let once = normalize(&s);
        prop_assert_eq!(normalize(&once), once);
    }

    #[test]
    fn tokenize_never_panics(s in "\\PC{0,60}") {
        for h in [NameHint::Person, NameHint::Organization, NameHint::Unknown] {
            let _ = tokenize(&s, h);
        }
    }

    #[test]
    fn parsers_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = detect_and_parse(&b, "x.csv");
        let mut csv = b"id,name,aliases,type\n".to_vec();
        csv.extend_from_slice(&b);
        let _ = detect_and_parse(&csv, "x.csv");
        let mut xml = b"<?xml version=\"1.0\"?><CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>".to_vec();
        xml.extend_from_slice(&b);
        let _ = detect_and_parse(&xml, "x.xml");
        let mut json = b"{\"entities\":[".to_vec();
        json.extend_from_slice(&b);
        let _ = detect_and_parse(&json, "x.json");
        let mut ofac = b"36,\"X\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"".to_vec();
        ofac.extend_from_slice(&b);
        let _ = detect_and_parse(&ofac, "sdn.csv");
    }

    #[test]
    fn screening_arbitrary_text_is_safe(s in "\\PC{0,50}", t in 0u8..3) {
        let q = kean_screen::Query {
            name: s,
            entity_type: [EntityType::Organization, EntityType::Person, EntityType::Unknown][t as usize],
            country: "CN".into(),
            identifiers: vec!["91140700MA0K123456".into()],
            ..kean_screen::Query::default()
        };
        for h in idx().screen(&q, 0.0) {
            prop_assert!((0.0..=1.0).contains(&h.score));
            prop_assert!(!h.explanation.summary().is_empty());
        }
    }

    #[test]
    fn a_name_matches_itself(s in name_strategy()) {
        prop_assume!(tokenize(&s, NameHint::Unknown).iter().any(|t| t.class != kean_screen::text::TokenClass::Legal));
        for t in [EntityType::Organization, EntityType::Person, EntityType::Unknown] {
            let score = idx().compare_names(&s, &s, t);
            prop_assert!((score - 1.0).abs() < 1e-9, "{} {:?} -> {}", s, t, score);
        }
    }

    #[test]
    fn compare_names_is_symmetric(a in name_strategy(), b in name_strategy()) {
        for t in [EntityType::Organization, EntityType::Person] {
            let ab = idx().compare_names(&a, &b, t);
            let ba = idx().compare_names(&b, &a, t);
            prop_assert!((ab - ba).abs() < 1e-9, "{} | {} : {} vs {}", a, b, ab, ba);
            prop_assert!((0.0..=1.0).contains(&ab));
        }
    }
}
