//! Debug one pair: `cargo run --release -p kean-screen --example pair -- "a" "b" [type]`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic
use kean_screen::index::Index;
use kean_screen::model::EntityType;
use kean_screen::text::{NameHint, tokenize};

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let idx = Index::from_lists(Vec::new());
    let t = a.get(2).map(|s| EntityType::parse(s)).unwrap_or_default();
    println!(
        "{:?}",
        tokenize(&a[0], NameHint::Unknown)
            .iter()
            .map(|t| (&t.key, &t.alts, t.class))
            .collect::<Vec<_>>()
    );
    println!(
        "{:?}",
        tokenize(&a[1], NameHint::Unknown)
            .iter()
            .map(|t| (&t.key, &t.alts, t.class))
            .collect::<Vec<_>>()
    );
    for n in [&a[0], &a[1]] {
        let ks: Vec<(String, String, bool)> = tokenize(n, NameHint::Person)
            .iter()
            .map(|t| (t.key.clone(), kean_screen::text::skeleton(&t.key), t.phonetic))
            .collect();
        println!("{ks:?}");
    }
    println!("{}", idx.explain_names(&a[0], &a[1], t).summary());
}
