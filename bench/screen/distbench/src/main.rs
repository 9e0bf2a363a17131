//! Measurement only (a standalone crate, never linked into kean): kean-screen's hand-written OSA edit
//! distance / ratio vs strsim, and its Traditional→Simplified table vs zhconv.
//!
//! `cd bench/screen/distbench && cargo run --release` (reads /work/shared/data and the eval set).
//! zhconv is GPL-2.0-or-later: it is used here to measure, and for that reason not in kean.
use std::hint::black_box;
use std::time::Instant;

fn best_of<F: FnMut() -> u64>(n: usize, mut f: F) -> (f64, u64) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..n {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, out)
}

fn strsim_ratio(a: &str, b: &str) -> f64 {
    let n = a.chars().count().max(b.chars().count());
    if n == 0 {
        return 1.0;
    }
    1.0 - strsim::osa_distance(a, b) as f64 / n as f64
}

fn main() {
    let data = std::path::Path::new("/work/shared/data/lists");
    let mut names: Vec<String> = Vec::new();
    for f in [
        "ofac_sdn_2024-05-03.csv",
        "us_bis_entity_list_2025-11-08.json",
        "un_consolidated_2025-11-20.xml",
        "cn_lists_flat.csv",
    ] {
        let l = kean_screen::detect_and_parse(&std::fs::read(data.join(f)).unwrap(), f).unwrap();
        for e in l.entries {
            names.push(e.name.clone());
            names.extend(e.aliases);
        }
    }
    let evalq: Vec<String> = csv::Reader::from_path("/work/wt-screen/crates/kean-screen/eval/cn_latin_eval.csv")
        .unwrap()
        .records()
        .map(|r| r.unwrap()[2].to_string())
        .collect();
    // ---- edit distance on the engine's kind of input: normalised word keys
    let mut words: Vec<String> = names
        .iter()
        .flat_map(|n| {
            kean_screen::text::normalize(n)
                .split(' ')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|w| w.chars().count() >= 3)
        .collect();
    words.sort();
    words.dedup();
    let n = words.len();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut i = 0usize;
    while pairs.len() < 300_000 {
        let a = &words[i % n];
        let b = &words[(i.wrapping_mul(7919) + 13) % n];
        let (la, lb) = (a.chars().count(), b.chars().count());
        if la.abs_diff(lb) * 10 <= la.max(lb) * 3 {
            pairs.push((a, b));
        }
        i += 1;
    }
    // near pairs (a word and a typo of it): the pairs that pass the engine's filters
    let near: Vec<(String, String)> = words
        .iter()
        .step_by(3)
        .take(100_000)
        .map(|w| {
            let mut c: Vec<char> = w.chars().collect();
            let k = c.len() / 2;
            c.swap(k - 1, k);
            (w.clone(), c.into_iter().collect())
        })
        .collect();
    let non_ascii = pairs.iter().filter(|(a, b)| !a.is_ascii() || !b.is_ascii()).count();
    let mut differ = 0;
    for (a, b) in &pairs {
        if kean_screen::distance::levenshtein(a, b) != strsim::osa_distance(a, b) {
            differ += 1;
        }
    }
    for (a, b) in &near {
        if kean_screen::distance::levenshtein(a, b) != strsim::osa_distance(a, b) {
            differ += 1;
        }
    }
    println!(
        "words {n}; pairs {} random ({non_ascii} non-ASCII) + {} near; distances that differ (kean vs strsim::osa_distance): {differ}",
        pairs.len(),
        near.len()
    );
    for (label, set) in [
        ("random", pairs.iter().map(|(a, b)| (*a, *b)).collect::<Vec<_>>()),
        ("near", near.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()),
    ] {
        let (tk, sk) = best_of(7, || {
            set.iter()
                .map(|(a, b)| kean_screen::distance::levenshtein(black_box(a), black_box(b)) as u64)
                .sum()
        });
        let (ts, ss) = best_of(7, || {
            set.iter()
                .map(|(a, b)| strsim::osa_distance(black_box(a), black_box(b)) as u64)
                .sum()
        });
        assert_eq!(sk, ss);
        let (tkr, _) = best_of(7, || {
            set.iter()
                .map(|(a, b)| (kean_screen::distance::ratio(black_box(a), black_box(b)) * 1e6) as u64)
                .sum()
        });
        let (tsr, _) = best_of(7, || {
            set.iter()
                .map(|(a, b)| (strsim_ratio(black_box(a), black_box(b)) * 1e6) as u64)
                .sum()
        });
        let (tlev, _) = best_of(7, || {
            set.iter()
                .map(|(a, b)| strsim::levenshtein(black_box(a), black_box(b)) as u64)
                .sum()
        });
        let (tjw, _) = best_of(7, || {
            set.iter()
                .map(|(a, b)| (strsim::jaro_winkler(black_box(a), black_box(b)) * 1e6) as u64)
                .sum()
        });
        let per = |t: f64| t / set.len() as f64 * 1e9;
        println!(
            "{label:>6} pairs: OSA distance kean {:.0} ns/pair, strsim::osa_distance {:.0} ns/pair; ratio kean {:.0} ns, via strsim {:.0} ns; (strsim::levenshtein {:.0} ns, jaro_winkler {:.0} ns)",
            per(tk),
            per(ts),
            per(tkr),
            per(tsr),
            per(tlev),
            per(tjw)
        );
    }
    // ---- Traditional → Simplified
    let mut texts: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|s| s.chars().any(kean_screen::zh::is_han))
        .collect();
    texts.extend(
        evalq
            .iter()
            .map(String::as_str)
            .filter(|s| s.chars().any(kean_screen::zh::is_han)),
    );
    let mut chars: Vec<char> = texts
        .iter()
        .flat_map(|s| s.chars())
        .filter(|&c| kean_screen::zh::is_han(c))
        .collect();
    chars.sort();
    chars.dedup();
    let t = Instant::now();
    let _ = zhconv::zhconv("華為", zhconv::Variant::ZhHans);
    let zh_init = t.elapsed();
    let (mut kean_only, mut zh_only, mut both_differ) = (Vec::new(), Vec::new(), Vec::new());
    for &c in &chars {
        let k = kean_screen::zh::t2s(c);
        let z: Vec<char> = zhconv::zhconv(&c.to_string(), zhconv::Variant::ZhHans)
            .chars()
            .collect();
        let z = if z.len() == 1 { z[0] } else { c };
        match (k != c, z != c) {
            (true, false) => kean_only.push(format!("{c}→{k}")),
            (false, true) => zh_only.push(format!("{c}→{z}")),
            (true, true) if k != z => both_differ.push(format!("{c}→{k}|{z}")),
            _ => {}
        }
    }
    let mut name_differ = Vec::new();
    for s in &texts {
        let k: String = s.chars().map(kean_screen::zh::t2s).collect();
        let z = zhconv::zhconv(s, zhconv::Variant::ZhHans);
        if k != z {
            name_differ.push(format!("{s}: {k} | {z}"));
        }
    }
    println!(
        "T→S: {} Chinese texts (lists + eval queries), {} distinct Han characters; converted by kean only: {} {:?}; by zhconv only: {} {:?}; differently: {} {:?}; whole texts that differ: {}",
        texts.len(),
        chars.len(),
        kean_only.len(),
        &kean_only[..kean_only.len().min(20)],
        zh_only.len(),
        &zh_only[..zh_only.len().min(30)],
        both_differ.len(),
        &both_differ[..both_differ.len().min(20)],
        name_differ.len()
    );
    for d in name_differ.iter().take(15) {
        println!("    {d}");
    }
    let (tk, _) = best_of(7, || {
        texts
            .iter()
            .map(|s| s.chars().map(kean_screen::zh::t2s).filter(|&c| c == '为').count() as u64)
            .sum()
    });
    let (tz, _) = best_of(7, || {
        texts
            .iter()
            .map(|s| zhconv::zhconv(black_box(s), zhconv::Variant::ZhHans).len() as u64)
            .sum()
    });
    println!(
        "T→S speed: kean {:.2} µs/text, zhconv {:.2} µs/text; zhconv first call (builds its automaton) {:.1} ms",
        tk / texts.len() as f64 * 1e6,
        tz / texts.len() as f64 * 1e6,
        zh_init.as_secs_f64() * 1e3
    );
}
