//! Ad-hoc probe: `cargo run --release -p kean-screen --example probe -- "name" [type]`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic
use kean_screen::index::Index;
use kean_screen::model::{EntityType, Query};
use kean_screen::parse::detect_and_parse;
use std::time::Instant;

fn main() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
    let t = Instant::now();
    let mut lists = Vec::new();
    for f in [
        "ofac_sdn_2024-05-03.csv",
        "us_bis_entity_list_2025-11-08.json",
        "un_consolidated_2025-11-20.xml",
        "cn_lists_flat.csv",
    ] {
        let b = std::fs::read(dir.join(f)).unwrap();
        lists.push(detect_and_parse(&b, f).unwrap());
    }
    let tp = t.elapsed();
    let t = Instant::now();
    let idx = Index::from_lists(lists);
    eprintln!(
        "parse {:?} build {:?} entries {} names {}",
        tp,
        t.elapsed(),
        idx.len(),
        idx.name_count()
    );
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ty = args.get(1).map(|s| EntityType::parse(s)).unwrap_or_default();
    for name in args[0].split('|') {
        let mut q = Query::new(name);
        q.entity_type = ty;
        let t = Instant::now();
        let matches = idx.screen(&q, 0.3);
        eprintln!("== {name} ({:?})", t.elapsed());
        for h in matches.iter().take(if std::env::var("ALL").is_ok() { 1000 } else { 5 }) {
            println!(
                "{:.3} {} {} | {}",
                h.score,
                h.list,
                h.entry_name,
                h.explanation.summary()
            );
        }
    }
}
