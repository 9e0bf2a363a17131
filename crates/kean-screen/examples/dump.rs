//! Regression oracle: every match (at threshold 0.3, full precision) and explanation for a fixed,
//! deterministic set of queries, plus `compare_names` on the nomenklatura pairs. Two builds of the
//! engine give byte-identical output when their results are identical.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic
//!
//! `cargo run --release -p kean-screen --example dump > /tmp/dump.txt`
use kean_screen::index::Index;
use kean_screen::model::{EntityType, Query};
use kean_screen::parse::detect_and_parse;
use std::io::{BufWriter, Write};
use std::path::Path;

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    let Ok(mut r) = csv::ReaderBuilder::new().flexible(true).from_path(path) else {
        return Vec::new();
    };
    r.records().filter_map(Result::ok).collect()
}

fn main() {
    let data = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let mut lists = Vec::new();
    for f in [
        "ofac_sdn_2024-05-03.csv",
        "us_bis_entity_list_2025-11-08.json",
        "un_consolidated_2025-11-20.xml",
        "cn_lists_flat.csv",
    ] {
        let b = std::fs::read(data.join("lists").join(f)).expect("read list");
        lists.push(detect_and_parse(&b, f).expect("parse list"));
    }
    let mut queries: Vec<(String, EntityType, String)> = Vec::new();
    let ty_of = |s: &str| {
        EntityType::parse(if s.eq_ignore_ascii_case("company") {
            "organization"
        } else {
            s
        })
    };
    let bench = csv_rows(&data.join("eval/nomenklatura_name_bench_cases.csv"));
    for r in &bench {
        for c in [2, 3] {
            queries.push((r[c].to_string(), ty_of(&r[1]), String::new()));
        }
    }
    let cn = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("eval/cn_latin_eval.csv");
    for r in csv_rows(&cn) {
        queries.push((r[2].to_string(), EntityType::parse(&r[3]), String::new()));
    }
    for f in [
        "positives_un_treated.csv",
        "positives_un_untreated.csv",
        "positives_us_congress_untreated.csv",
        "negatives_global_small.csv",
    ] {
        for r in csv_rows(&data.join("eval/yente_candidate_fixtures").join(f)) {
            queries.push((r[0].to_string(), EntityType::Person, r.get(7).unwrap_or("").to_string()));
        }
    }
    // listed names, shortened by their first character (typo-like), with the list's country
    for l in &lists {
        for e in l.entries.iter().step_by(7) {
            let mut s: String = e.name.chars().skip(1).collect();
            if e.name.chars().count() < 6 {
                s = e.name.clone();
            }
            queries.push((s, e.entity_type, e.countries.first().cloned().unwrap_or_default()));
        }
    }
    let idx = Index::from_lists(lists);
    let out = std::io::stdout();
    let mut w = BufWriter::new(out.lock());
    for (i, (name, ty, country)) in queries.iter().enumerate() {
        let q = Query {
            id: i.to_string(),
            name: name.clone(),
            entity_type: *ty,
            country: country.clone(),
            identifiers: Vec::new(),
        };
        writeln!(w, "Q {i} {name} [{ty}] [{country}]").unwrap();
        for h in idx.screen(&q, 0.3) {
            writeln!(
                w,
                "  {:.12} {} {} {} | {}",
                h.score,
                h.list,
                h.entry_id,
                h.matched_name,
                h.explanation.summary()
            )
            .unwrap();
        }
    }
    for r in &bench {
        let t = ty_of(&r[1]);
        writeln!(
            w,
            "P {:.12} {:.12} | {}",
            idx.compare_names(&r[2], &r[3], t),
            idx.compare_names(&r[3], &r[2], t),
            idx.explain_names(&r[2], &r[3], t).summary()
        )
        .unwrap();
    }
}
