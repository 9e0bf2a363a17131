//! Property tests on the real list files of shared/data, mutated: a slice
//! of each file (so every case stays small and fast) with bytes flipped,
//! inserted or cut and the text truncated anywhere. Every parser must
//! answer with entries or an error — never panic. Without the files the
//! tests note it and pass (as tests/parsers.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

#[path = "../../kean-exchange/tests/common/mutate.rs"]
mod mutate;

use kean_screen::parse::{
    detect_and_parse, parse_cn_csv, parse_csl_json, parse_kean_csv, parse_ofac_sdn, parse_un_xml,
};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The list files, each cut to its first 64 KB (what a mutation works on).
fn files() -> &'static [(String, Vec<u8>)] {
    static F: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    F.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("note: {} not found; mutated-list tests run on nothing", dir.display());
            return vec![];
        };
        let mut out: Vec<(String, Vec<u8>)> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                let mut bytes = std::fs::read(e.path()).ok()?;
                bytes.truncate(64 * 1024);
                Some((name, bytes))
            })
            .collect();
        out.sort();
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn mutated_real_lists_never_panic(
        which in any::<usize>(),
        start in any::<usize>(),
        len in 256usize..16 * 1024,
        mutations in proptest::collection::vec(mutate::mutation(), 1..6),
    ) {
        let files = files();
        prop_assume!(!files.is_empty());
        let (name, full) = &files[which % files.len()];
        // From the file's start (its header) or from anywhere in it.
        let from = if start % 2 == 0 { 0 } else { start % full.len().max(1) };
        let mut bytes = full[from..(from + len).min(full.len())].to_vec();
        for m in &mutations {
            mutate::apply(&mut bytes, m);
        }
        let _ = detect_and_parse(&bytes, name);
        let _ = parse_ofac_sdn(&bytes);
        let _ = parse_csl_json(&bytes);
        let _ = parse_un_xml(&bytes);
        let _ = parse_cn_csv(&bytes);
        let _ = parse_kean_csv(&bytes, "本局名单");
    }
}
