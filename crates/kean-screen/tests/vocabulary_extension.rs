//! The bureau extends the vocabulary with its own file before the first screening (its own
//! process: the extension is process-wide).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use kean_screen::index::{DEFAULT_THRESHOLD, Index};
use kean_screen::model::Query;
use kean_screen::parse::detect_and_parse;
use kean_screen::zh;

#[test]
fn an_extension_translates_new_words_and_is_taken_once() {
    let bad = "# the bureau's words\n晋科\tjinke\n示例\tExample\n";
    let e = zh::extend_vocabulary(bad).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert_eq!(zh::extend_vocabulary("# the bureau's words\n蓝鲸\tbluewhale\n"), Ok(1));
    let csv = "id,name\nW1,Bluewhale Robotics Co. Ltd.\n";
    let idx = Index::from_lists(vec![detect_and_parse(csv.as_bytes(), "local.csv").unwrap()]);
    let m = idx.screen(&Query::new("蓝鲸机器人有限公司"), DEFAULT_THRESHOLD);
    assert_eq!(m.first().map(|m| m.entry_id.as_str()), Some("W1"), "{m:?}");
    let again = zh::extend_vocabulary("海豚\tdolphin\n").unwrap_err();
    assert!(again.reason.contains("already"), "{again}");
}
