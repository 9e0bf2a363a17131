//! A bureau's own vocabulary given to one index (the server's, changed from the web page)
//! leaves every other index, and the default dictionary, as they were.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::sync::Arc;

use kean_screen::{DEFAULT_THRESHOLD, Index, Query, coverage, coverage_in, detect_and_parse, zh};

const LIST: &str = "id,name\nB1,Bluefin Aviation Technology Co. Ltd.\n";

#[test]
fn an_extended_dictionary_reaches_a_translated_brand_in_its_own_index_only() {
    let list = detect_and_parse(LIST.as_bytes(), "watch.csv").unwrap();
    let query = Query::new("蓝鳍航空科技有限公司");
    let plain = Index::from_lists(vec![list.clone()]);
    assert!(
        plain.screen(&query, DEFAULT_THRESHOLD).is_empty(),
        "蓝鳍 is read as lanqi"
    );
    let d = Arc::new(zh::dict().extended("# the bureau's words\n蓝鳍\tbluefin\n").unwrap());
    assert_eq!(d.extension_entries, 1);
    let ext = Index::from_lists_with(vec![list.clone()], d.clone());
    let m = ext.screen(&query, DEFAULT_THRESHOLD);
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].entry_id, "B1");
    let summary = m[0].explanation.summary();
    assert!(summary.contains("蓝鳍~bluefin(dictionary)"), "{summary}");
    // Traditional characters reach it too.
    assert_eq!(
        ext.screen(&Query::new("藍鰭航空科技有限公司"), DEFAULT_THRESHOLD).len(),
        1
    );
    // The default dictionary and the index built with it are untouched.
    assert!(plain.screen(&query, DEFAULT_THRESHOLD).is_empty());
    assert!(!zh::dict().words.contains_key("蓝鳍"));
    // Coverage with the same dictionary: the brand is now a translation.
    let two = detect_and_parse("id,name\nB1,Bluefin Holdings\n".as_bytes(), "w.csv").unwrap();
    assert_eq!(coverage(&two).through_translation, 0);
    assert_eq!(coverage_in(&two, &d).through_translation, 1);
}

#[test]
fn a_bad_extension_is_refused_with_its_line() {
    let e = zh::dict().extended("蓝鳍\tbluefin\n白鲸\tBeluga\n").unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(e.reason.contains("Beluga"), "{e}");
    assert!(zh::dict().extended("蓝鳍\tbluefin\n蓝鳍\tblue\n").is_err());
    // A place marker alone is no English.
    let e = zh::dict().extended("蓝鳍\t^\n").unwrap_err();
    assert!(e.reason.contains("no word"), "{e}");
}
