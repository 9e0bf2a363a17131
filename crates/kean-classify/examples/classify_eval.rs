//! Quality and speed of the classifier on the labelled set
//! (`eval/projects_labelled.csv`), with a plain keyword matcher (item names
//! only) run side by side:
//!
//! `cargo run --release -p kean-classify --example classify_eval [-- --misses]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use kean_classify::{Classifier, DEFAULT_THRESHOLD, Document, Item, read_queries, shipped_terms};
use std::collections::HashSet;
use std::time::Instant;

const SET: &str = include_str!("../eval/projects_labelled.csv");
/// Written after the terms, the threshold and the rules were frozen, and
/// never used to change them.
const HELD_OUT: &str = include_str!("../eval/projects_heldout.csv");

type Label = (String, String); // (dictionary, item name)

/// The baseline: an item is suggested when its literal name occurs; ranked
/// title > keywords > abstract, then by occurrences.
fn keyword_matcher(items: &[Item], d: &Document) -> Vec<Label> {
    let mut hits: Vec<(f64, Label)> = vec![];
    for i in items {
        let n = &i.name;
        let s = 3.0 * d.title.matches(n.as_str()).count() as f64
            + 2.0 * d.keywords.matches(n.as_str()).count() as f64
            + d.abstract_text.matches(n.as_str()).count() as f64;
        if s > 0.0 {
            hits.push((s, (i.dictionary.as_str().to_string(), i.name.clone())));
        }
    }
    hits.sort_by(|a, b| b.0.total_cmp(&a.0));
    hits.into_iter().map(|h| h.1).collect()
}

#[derive(Default)]
struct Figures {
    suggested_top3: usize,
    correct_top3: usize,
    labels: usize,
    found_top3: usize,
    negatives: usize,
    negatives_with_any: usize,
    suggested_on_negatives_top3: usize,
}

impl Figures {
    fn add(&mut self, labels: &HashSet<Label>, ranked: &[Label]) {
        let top: Vec<&Label> = ranked.iter().take(3).collect();
        if labels.is_empty() {
            self.negatives += 1;
            if !ranked.is_empty() {
                self.negatives_with_any += 1;
            }
            self.suggested_on_negatives_top3 += top.len();
            return;
        }
        self.suggested_top3 += top.len();
        self.correct_top3 += top.iter().filter(|l| labels.contains(l)).count();
        self.labels += labels.len();
        self.found_top3 += labels.iter().filter(|l| top.contains(l)).count();
    }

    fn print(&self, name: &str) {
        let p = self.correct_top3 as f64 / self.suggested_top3.max(1) as f64;
        let p_all = self.correct_top3 as f64 / (self.suggested_top3 + self.suggested_on_negatives_top3).max(1) as f64;
        let r = self.found_top3 as f64 / self.labels.max(1) as f64;
        println!(
            "{name:<28} precision@3 {p:.3} ({}/{})  with negatives' suggestions {p_all:.3}  recall@3 {r:.3} ({}/{})  negatives with any suggestion {:.1}% ({}/{})",
            self.correct_top3,
            self.suggested_top3,
            self.found_top3,
            self.labels,
            100.0 * self.negatives_with_any as f64 / self.negatives.max(1) as f64,
            self.negatives_with_any,
            self.negatives
        );
    }
}

fn main() {
    let misses = std::env::args().any(|a| a == "--misses");
    let started = Instant::now();
    let items = shipped_terms().unwrap().items;
    let classifier = Classifier::new(items.clone());
    println!(
        "classifier over {} items ({} terms) built in {:.0} ms",
        items.len(),
        items.iter().map(|i| i.terms.len()).sum::<usize>(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let queries = evaluate(
        "labelled set (eval/projects_labelled.csv)",
        SET,
        &classifier,
        &items,
        misses,
    );
    evaluate(
        "held-out set (eval/projects_heldout.csv, written after the terms were frozen)",
        HELD_OUT,
        &classifier,
        &items,
        misses,
    );
    // Throughput: 100,000 abstracts of about 500 characters, made by joining
    // the set's texts in rotating order.
    let texts: Vec<String> = queries
        .iter()
        .map(|q| format!("{}。{}", q.document.title, q.document.abstract_text))
        .collect();
    let docs: Vec<Document> = (0..100_000usize)
        .map(|i| {
            let mut a = String::new();
            let mut k = i;
            while a.chars().count() < 500 {
                a.push_str(&texts[k % texts.len()]);
                k = k * 7 + 3;
            }
            Document {
                title: texts[i % texts.len()].chars().take(20).collect(),
                abstract_text: a,
                keywords: queries[i % queries.len()].document.keywords.clone(),
            }
        })
        .collect();
    let chars: usize = docs.iter().map(|d| d.abstract_text.chars().count()).sum();
    let t = Instant::now();
    let cpu0 = cpu_seconds();
    let results = classifier.classify_all(&docs, DEFAULT_THRESHOLD);
    let all = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let t = Instant::now();
    let words: usize = docs[..10_000]
        .iter()
        .map(|d| classifier.segment(&d.abstract_text).len())
        .sum();
    let seg = t.elapsed().as_secs_f64() * 10.0;
    let t = Instant::now();
    let mut one = 0usize;
    for d in &docs[..10_000] {
        one += classifier.classify(d, DEFAULT_THRESHOLD).len();
    }
    let single = t.elapsed().as_secs_f64() * 10.0;
    println!(
        "throughput: 100,000 abstracts (mean {} chars) classified in {all:.2} s on {} threads ({} suggestions); one thread: {single:.1} s per 100,000 (measured on 10,000, {one} suggestions)",
        chars / docs.len(),
        rayon::current_num_threads(),
        results.iter().map(Vec::len).sum::<usize>()
    );
    println!(
        "  process CPU time of the 100,000: {cpu:.1} s (the machine's load average: {}); jieba segmentation of the abstracts alone, one thread: {seg:.1} s per 100,000 ({} words per abstract)",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        words / 10_000
    );
}

/// User + system CPU time of this process (Linux; 0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = after.split_whitespace().map(|x| x.parse().unwrap_or(0.0)).collect();
    if f.len() > 13 { (f[11] + f[12]) / 100.0 } else { 0.0 }
}

fn evaluate(name: &str, set: &str, classifier: &Classifier, items: &[Item], misses: bool) -> Vec<kean_classify::Query> {
    // The labelled set: read_queries ignores the labels column; read it here.
    let queries = read_queries(set.as_bytes()).unwrap();
    let mut rdr = csv::Reader::from_reader(set.as_bytes());
    let labels: Vec<HashSet<Label>> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            r[4].split(';')
                .filter(|s| !s.is_empty())
                .map(|l| {
                    let (d, n) = l.split_once(':').unwrap();
                    (d.to_string(), n.to_string())
                })
                .collect()
        })
        .collect();
    let literal = queries
        .iter()
        .zip(&labels)
        .filter(|(q, l)| {
            !l.is_empty()
                && l.iter().all(|(_, n)| {
                    !(q.document.title.contains(n.as_str())
                        || q.document.abstract_text.contains(n.as_str())
                        || q.document.keywords.contains(n.as_str()))
                })
        })
        .count();
    let positives = labels.iter().filter(|l| !l.is_empty()).count();
    println!(
        "{name}: {} projects, {positives} with items ({literal} of them name none of their items literally), {} hard negatives",
        queries.len(),
        queries.len() - positives
    );
    let (mut ours, mut base) = (Figures::default(), Figures::default());
    for (q, l) in queries.iter().zip(&labels) {
        let s = classifier.classify(&q.document, DEFAULT_THRESHOLD);
        let ranked: Vec<Label> = s
            .iter()
            .map(|s| (s.dictionary.as_str().to_string(), s.item_name.clone()))
            .collect();
        ours.add(l, &ranked);
        base.add(l, &keyword_matcher(items, &q.document));
        let top: HashSet<&Label> = ranked.iter().take(3).collect();
        if misses && (l.iter().any(|x| !top.contains(x)) || top.iter().any(|x| !l.contains(*x))) {
            println!(
                "  {} {} labels {:?} got {}",
                q.id,
                q.document.title,
                l,
                s.iter()
                    .take(3)
                    .map(|s| format!("{} {:.2} {}", s.item_name, s.score, s.matched_terms()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
        }
    }
    println!("threshold {DEFAULT_THRESHOLD}");
    ours.print("kean-classify");
    base.print("keyword matcher (names)");

    queries
}
