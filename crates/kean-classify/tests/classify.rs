//! Dictionaries as users hand them over, and what the classifier tells
//! them about a text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kean_classify::*;
use std::path::PathBuf;

fn shared(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/catalogues")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("the shared catalogue data is missing ({}): {e}", p.display()))
}

fn classifier() -> Classifier {
    Classifier::new(shipped_terms().unwrap().items)
}

fn doc(title: &str, abstract_text: &str, keywords: &str) -> Document {
    Document {
        title: title.into(),
        abstract_text: abstract_text.into(),
        keywords: keywords.into(),
    }
}

#[test]
fn the_chokepoint_seed_reads_as_35_items_each_with_its_shipped_terms() {
    let d = load_dictionary(&shared("chokepoint_35_kjrb2018.csv")).unwrap();
    assert_eq!(d.format, DictionaryFormat::ChokepointSeed);
    assert_eq!(d.items.len(), 35);
    assert_eq!((d.items[0].code.as_str(), d.items[0].name.as_str()), ("CP01", "光刻机"));
    assert_eq!(
        (d.items[34].code.as_str(), d.items[34].name.as_str()),
        ("CP35", "扫描电镜")
    );
    assert_eq!(d.items[0].group, "集成电路-制造装备");
    for item in &d.items {
        assert!(
            item.terms.len() >= 6,
            "{} has only {} terms",
            item.name,
            item.terms.len()
        );
        assert!(!item.description.is_empty(), "{} has no description", item.name);
        assert_eq!(item.terms[0].text, item.name, "the name is the first term");
    }
}

#[test]
fn the_catalogue_seed_reads_codes_parts_editions_and_deletions() {
    let d = load_dictionary(&shared("export_tech_catalog_partial.csv")).unwrap();
    assert_eq!(d.format, DictionaryFormat::CatalogueSeed);
    assert_eq!(d.items.len(), 7);
    assert_eq!(d.deleted.len(), 2, "中国传统建筑技术 and 建筑环境控制技术 等2项");
    let drone = d.items.iter().find(|i| i.code == "203912X").unwrap();
    assert_eq!(drone.name, "无人机技术");
    assert_eq!(drone.control, Some(ExportControl::Restricted));
    assert_eq!(drone.edition, "2023");
    assert!(drone.description.contains("飞行控制"));
    assert!(drone.terms.iter().any(|t| t.text == "飞控"), "shipped terms added");
    let cathode = d.items.iter().find(|i| i.name == "电池正极材料制备技术").unwrap();
    assert_eq!((cathode.code.as_str(), cathode.edition.as_str()), ("", "2025"));
}

#[test]
fn malformed_files_are_refused_naming_line_and_column() {
    let cases: &[(&str, &str)] = &[
        (
            "seq,technology,kjrb_article_title,position_confidence,industry_chain_suggestion\n1,光刻机,t,confirmed,集成电路\nx,芯片,t,confirmed,集成电路\n",
            "line 3, column 1 (seq): 'x' is not a positive whole number",
        ),
        (
            "seq,technology,kjrb_article_title,position_confidence,industry_chain_suggestion\n1,光刻机,t,confirmed\n",
            "line 2, column 5 (industry_chain_suggestion): 4 fields where the header has 5",
        ),
        (
            "seq,technology,kjrb_article_title,position_confidence,industry_chain_suggestion\n1,光刻机,t,maybe,集成电路\n",
            "line 2, column 4 (position_confidence): 'maybe' is not confirmed, inferred or order-consistent",
        ),
        (
            "seq,technology,kjrb_article_title,position_confidence,industry_chain_suggestion\n1,光刻机,t,confirmed,a\n1,芯片,t,confirmed,b\n",
            "line 3, column 1 (seq): code 'CP01' appears twice",
        ),
        (
            "edition,part,seq,code,name,control_point_excerpt,verification,source\n2023(公告),限制出口,1,203912J,无人机技术,,,\n",
            "line 2, column 4 (code): '203912J' ends in J (prohibited) but is listed as restricted",
        ),
        (
            "edition,part,seq,code,name,control_point_excerpt,verification,source\n公告2023,限制出口,1,203912X,无人机技术,,,\n",
            "line 2, column 1 (edition): '公告2023' does not start with the edition's year",
        ),
        (
            "edition,part,seq,code,name,control_point_excerpt,verification,source\n2023,出口,1,203912X,无人机技术,,,\n",
            "line 2, column 2 (part): '出口' is neither 禁止出口 nor 限制出口",
        ),
        (
            "dictionary,code,name,group,edition,description,terms,related_terms,source\nchokepoint,CP01,光刻机,集成电路,2018,,曝光机,,\nchoke,CP02,芯片,集成电路,2018,,,,\n",
            "line 3, column 1 (dictionary): 'choke' is neither chokepoint nor export_control",
        ),
        (
            "dictionary,code,name,group,edition,description,terms,related_terms,source\nchokepoint,CP01,,集成电路,2018,,曝光机,,\n",
            "line 2, column 3 (name): empty",
        ),
        ("seq,name\n1,光刻机\n", "line 1: unknown dictionary format"),
        ("", "line 1: empty file: no header"),
    ];
    for (text, expected) in cases {
        let e = parse_dictionary(text.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with(expected), "expected '{expected}', got '{e}'");
    }
}

#[test]
fn kean_format_round_trips_an_edited_list() {
    let d = shipped_terms().unwrap();
    let again = parse_dictionary(&d.to_kean_csv()).unwrap();
    assert_eq!(again.format, DictionaryFormat::Kean);
    assert_eq!(again.items, d.items);
}

#[test]
fn synonyms_find_an_item_whose_name_the_text_never_uses_and_say_where() {
    let c = classifier();
    let s = c.classify(
        &doc(
            "面向步进扫描投影曝光设备的双工件台研制",
            "研究双工件台纳米级同步运动控制，服务极紫外光刻整机。",
            "双工件台;纳米定位",
        ),
        DEFAULT_THRESHOLD,
    );
    let top = &s[0];
    assert_eq!((top.item_code.as_str(), top.item_name.as_str()), ("CP01", "光刻机"));
    assert_eq!(top.dictionary, DictionaryKind::Chokepoint);
    let m = top.matched.iter().find(|m| m.term == "双工件台").unwrap();
    assert_eq!(m.fields, vec![Field::Title, Field::Keywords, Field::Abstract]);
    assert_eq!(m.occurrences, 3);
    assert!(
        top.matched_terms().starts_with("双工件台[title,keywords,abstract];"),
        "{}",
        top.matched_terms()
    );
    assert!(
        top.matched_terms().contains("极紫外光刻[abstract]"),
        "{}",
        top.matched_terms()
    );
}

#[test]
fn segmentation_tells_the_resist_from_the_machine() {
    let c = classifier();
    let s = c.classify(
        &doc("ArF光刻胶研制", "合成光产酸剂与树脂，研制ArF光刻胶。", ""),
        DEFAULT_THRESHOLD,
    );
    assert_eq!(s[0].item_name, "光刻胶");
    assert!(!s.iter().any(|s| s.item_name == "光刻机"), "{s:?}");
    // Latin terms match whatever their case.
    let s = c.classify(&doc("基于risc-v的mcu研发", "", ""), DEFAULT_THRESHOLD);
    assert_eq!(s[0].item_name, "芯片");
}

#[test]
fn the_title_weighs_more_than_the_abstract_and_related_terms_alone_suggest_nothing() {
    let c = classifier();
    let in_title = c.classify(&doc("质子交换膜研究", "", ""), 0.0);
    let in_abstract = c.classify(&doc("", "质子交换膜研究", ""), 0.0);
    assert_eq!(in_title[0].item_name, "燃料电池关键材料");
    assert_eq!(in_abstract[0].item_name, "燃料电池关键材料");
    assert!(in_title[0].score > in_abstract[0].score);
    // 液压 and 工程机械 are related terms of 高压柱塞泵: they describe the
    // field, not the item.
    let s = c.classify(&doc("工程机械液压系统节能", "液压系统能量回收。", "液压;工程机械"), 0.0);
    assert!(!s.iter().any(|s| s.item_name == "高压柱塞泵"), "{s:?}");
    // A passing mention in the abstract stays below the threshold.
    let s = c.classify(
        &doc("智慧果园监测平台", "节点采用低功耗芯片，数据上传云平台。", "物联网"),
        DEFAULT_THRESHOLD,
    );
    assert!(s.is_empty(), "{s:?}");
}

#[test]
fn the_projects_file_is_checked_before_anything_is_classified() {
    let e = read_queries("id,title,keywords\n1,a,b\n".as_bytes()).unwrap_err();
    assert_eq!(e.line, 1);
    assert!(e.to_string().contains("lacks abstract"), "{e}");
    let e = read_queries("id,title,abstract,keywords\n1,a,b,c\n1,d,e,f\n".as_bytes()).unwrap_err();
    assert_eq!(e.to_string(), "line 3: id '1' appears twice");
    let e = read_queries("id,title,abstract,keywords\n1,a,b\n".as_bytes()).unwrap_err();
    assert_eq!(e.to_string(), "line 2: 3 fields where the header has 4");
    let q = read_queries("\u{feff}keywords,abstract,title,id\nk,a,t,7\n".as_bytes()).unwrap();
    assert_eq!((q[0].id.as_str(), q[0].document.title.as_str()), ("7", "t"));
}

#[test]
fn results_are_written_under_the_exact_header_best_first() {
    let c = classifier();
    let q = read_queries(
        "id,title,abstract,keywords\nA,低铂膜电极制备,研究质子交换膜燃料电池膜电极与碳纸。,膜电极\nB,果园,灌溉,\n"
            .as_bytes(),
    )
    .unwrap();
    let (csv, summary) = results_csv(&c, &q, DEFAULT_THRESHOLD);
    let text = String::from_utf8(csv).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(OUTPUT_HEADER));
    let first = lines.next().unwrap();
    assert!(first.starts_with("A,chokepoint,CP27,燃料电池关键材料,"), "{text}");
    assert_eq!((summary.queries, summary.queries_with_suggestions), (2, 1));
}
