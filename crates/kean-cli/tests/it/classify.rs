//! `kean classify`: projects' texts against the chokepoint list and the
//! export-control catalogue, as a batch from CSV files.

use std::path::Path;

fn kean(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .output()
        .expect("run kean")
}

/// The first rows of `chokepoint_35_kjrb2018.csv`, in its own format.
const CHOKEPOINT_SEED: &str = "seq,technology,kjrb_article_title,position_confidence,industry_chain_suggestion
1,光刻机,这些“细节”让中国难望顶级光刻机项背 (2018-04-19),confirmed,集成电路-制造装备
2,芯片,中兴的“芯”病，中国的心病 (2018-04-20),confirmed,集成电路-设计/制造
21,光刻胶,中国半导体产业因光刻胶失色,order-consistent,集成电路-材料
";

/// Rows in the format of `export_tech_catalog_partial.csv`.
const CATALOGUE_SEED: &str = "edition,part,seq,code,name,control_point_excerpt,verification,source
2023(商务部 科技部公告2023年第57号),限制出口,71,203912X,无人机技术,控制要点5: 无人机飞行控制系统,secondary,ledger
2025(商务部 科技部公告2025年第28号),禁止出口(删除),,,中国传统建筑技术,deleted in 2025,secondary news,news
";

const PROJECTS: &str = "id,title,abstract,keywords
P1,高精度双工件台运动控制技术研究,面向步进扫描投影曝光设备，研究双工件台纳米级同步运动控制与激光干涉测量，套刻精度优于2纳米。,双工件台;纳米定位
P2,植保无人机自主导航与避障系统,研究多旋翼植保无人机的视觉避障、航迹规划和仿地飞行控制。,植保无人机;飞控
P3,设施蔬菜水肥一体化技术集成示范,集成滴灌、施肥和环境调控设备，制定栽培技术规程。,水肥一体化
";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn classify_suggests_items_from_seed_files_with_the_terms_that_matched() {
    let dir = tempfile::tempdir().unwrap();
    let cp = write(dir.path(), "chokepoint.csv", CHOKEPOINT_SEED);
    let ec = write(dir.path(), "catalogue.csv", CATALOGUE_SEED);
    let input = write(dir.path(), "projects.csv", PROJECTS);
    let output = dir.path().join("results.csv");
    let out = kean(&[
        "classify",
        "--dictionary",
        &cp,
        "--dictionary",
        &ec,
        "--input",
        &input,
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&output).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("query_id,dictionary,item_code,item_name,score,matched_terms")
    );
    // The first five fields hold no comma; matched_terms is quoted when it does.
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.splitn(6, ',').map(|f| f.trim_matches('"').to_string()).collect())
        .collect();
    // P1 never says 光刻机: the shipped synonyms find it, best first.
    let p1: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "P1").collect();
    assert_eq!(
        (p1[0][1].as_str(), p1[0][2].as_str(), p1[0][3].as_str()),
        ("chokepoint", "CP01", "光刻机"),
        "{text}"
    );
    assert!(p1[0][5].contains("双工件台[title,keywords,abstract]"), "{text}");
    let p2: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "P2").collect();
    assert_eq!(
        (p2[0][1].as_str(), p2[0][2].as_str(), p2[0][3].as_str()),
        ("export_control", "203912X", "无人机技术"),
        "{text}"
    );
    // Scores are descending within a query and at or above the threshold.
    for q in ["P1", "P2"] {
        let scores: Vec<f64> = rows
            .iter()
            .filter(|r| r[0] == q)
            .map(|r| r[4].parse().unwrap())
            .collect();
        assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{text}");
        assert!(scores.iter().all(|s| *s >= 0.45), "{text}");
    }
    assert!(
        !rows.iter().any(|r| r[0] == "P3"),
        "a farming project gets nothing: {text}"
    );
    assert!(!text.contains("中国传统建筑技术"), "deleted items are never suggested");

    // An edited list in kean's format after its seed: its terms replace the
    // seed item's, so 光刻机 is found once, by the edited term only.
    let edited = write(
        dir.path(),
        "edited.csv",
        "dictionary,code,name,group,edition,description,terms,related_terms,source\nchokepoint,CP01,光刻机,集成电路-制造装备,2026,,纳米定位台,,edited\n",
    );
    let out = kean(&[
        "classify",
        "--dictionary",
        &cp,
        "--dictionary",
        &edited,
        "--input",
        &input,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("CP01"),
        "双工件台 is no longer a term of the edited 光刻机: {text}"
    );
}

#[test]
fn classify_refuses_bad_files_naming_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cp = write(dir.path(), "chokepoint.csv", CHOKEPOINT_SEED);
    let input = write(dir.path(), "projects.csv", PROJECTS);
    let output = dir.path().join("results.csv");
    let out_arg = output.to_str().unwrap().to_string();

    // Input without the abstract column.
    let no_header = write(dir.path(), "bad_input.csv", "id,title,keywords\nP1,光刻,光刻\n");
    let out = kean(&[
        "classify",
        "--dictionary",
        &cp,
        "--input",
        &no_header,
        "--output",
        &out_arg,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad_input.csv: line 1:") && err.contains("abstract"),
        "{err}"
    );
    assert!(!output.exists());

    // A dictionary in no known format.
    let unknown = write(dir.path(), "unknown.csv", "code,title\n1,光刻机\n");
    let out = kean(&[
        "classify",
        "--dictionary",
        &unknown,
        "--input",
        &input,
        "--output",
        &out_arg,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown.csv: line 1: unknown dictionary format"), "{err}");
    assert!(!output.exists());

    // A catalogue code that is not 6 digits + J/X, on line 3, column 4.
    let bad = write(
        dir.path(),
        "bad_catalogue.csv",
        &format!("{}2023(x),限制出口,,12345X,某技术,,,\n", CATALOGUE_SEED),
    );
    let out = kean(&[
        "classify",
        "--dictionary",
        &bad,
        "--input",
        &input,
        "--output",
        &out_arg,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad_catalogue.csv: line 4, column 4 (code): '12345X' is not 6 digits followed by J or X"),
        "{err}"
    );
    assert!(!output.exists());
}
