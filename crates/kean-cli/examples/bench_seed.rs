//! Seeds a large city for the benchmarks through the real import path
//! (resolution, validation, one audited transaction per file) and reports
//! how long each import took.
//!
//! cargo run --release -p kean-cli --example bench_seed -- DATABASE_URL [ORGS] [TECH_CONTRACTS]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and tools may panic

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use kean_app::{App, ImportOutcome, ImportRow, ImportSource, SystemClock};
use kean_core::codes::uscc_check_char;
use kean_core::{Kind, Role};

/// The `bench` account's password, which the benchmark scripts log in with
/// (`bench/registry.sh`, `bench/cpu-ab.sh`). It must pass the password
/// policy (等保 2.0 level 3: ten characters, three classes, not containing
/// the username), or the account is refused and the scripts cannot log in.
const BENCH_PASSWORD: &str = "Kean-Load-2025";

fn row(line: usize, pairs: Vec<(&str, String)>) -> ImportRow {
    ImportRow {
        line,
        values: pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn credit_code(n: usize) -> String {
    let first17 = format!("91140702MB{n:07}");
    let c = uscc_check_char(&first17).expect("17 characters");
    format!("{first17}{c}")
}

async fn import(access: &kean_app::Access, kind: Kind, rows: Vec<ImportRow>, tag: &str) -> f64 {
    let n = rows.len();
    let t = Instant::now();
    let src = ImportSource {
        file_name: format!("{tag}.csv"),
        content_hash: format!("bench-{tag}"),
        force: true,
        dry_run: std::env::var("KEAN_BENCH_DRY").is_ok(),
        progress: None,
    };
    match access.import(kind, &rows, &src).await.expect("import") {
        ImportOutcome::Imported { ids, .. } => assert_eq!(ids.len(), n),
        ImportOutcome::Rejected { errors } => panic!("{tag}: {:?}", &errors[..errors.len().min(5)]),
        ImportOutcome::Checked { rows } => assert_eq!(rows, n),
        ImportOutcome::Submitted { .. } => panic!("{tag}: kean's own import is never a report"),
    }
    let secs = t.elapsed().as_secs_f64();
    println!("import {tag}: {n} rows in {secs:.2} s ({:.0} rows/s)", n as f64 / secs);
    secs
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .expect("usage: bench_seed DATABASE_URL [ORGS] [TECH_CONTRACTS]");
    let orgs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let tech_contracts: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    let app = App::open(url, Arc::new(SystemClock)).await.expect("open");
    let a = app.system_access("bench");
    let mut district_rows = vec![];
    for (i, (code, name)) in [
        ("140702", "榆次区"),
        ("140703", "太谷区"),
        ("140727", "祁县"),
        ("140728", "平遥县"),
        ("140781", "介休市"),
    ]
    .iter()
    .enumerate()
    {
        district_rows.push(row(i + 2, vec![("code", code.to_string()), ("name", name.to_string())]));
    }
    import(&a, Kind::District, district_rows, "districts").await;
    let chain_rows = ["新材料", "高端装备", "农业科技", "生物医药"]
        .iter()
        .enumerate()
        .map(|(i, n)| row(i + 2, vec![("code", format!("C{i}")), ("name", n.to_string())]))
        .collect();
    import(&a, Kind::IndustryChain, chain_rows, "chains").await;
    let districts = ["榆次区", "太谷区", "祁县", "平遥县", "介休市"];
    let chains = ["新材料", "高端装备", "农业科技", "生物医药"];
    let org_rows: Vec<ImportRow> = (0..orgs)
        .map(|n| {
            row(
                n + 2,
                vec![
                    ("name", format!("晋中基准{n}科技有限公司")),
                    ("credit_code", credit_code(n)),
                    ("org_type", "enterprise".into()),
                    ("district_id", districts[n % districts.len()].into()),
                    ("industry_chain_id", chains[n % chains.len()].into()),
                ],
            )
        })
        .collect();
    import(&a, Kind::Organization, org_rows, "organizations").await;
    let batch = 100_000;
    let types = ["development", "transfer", "licensing", "consulting", "service"];
    let mut total = 0.0;
    for start in (0..tech_contracts).step_by(batch) {
        let end = (start + batch).min(tech_contracts);
        let rows: Vec<ImportRow> = (start..end)
            .map(|n| {
                let day = 1 + n % 28;
                let month = 1 + (n / 28) % 12;
                let year = 2022 + (n % 4);
                let value = 10_000 + (n * 7919) % 5_000_000;
                row(
                    n - start + 2,
                    vec![
                        ("contract_no", format!("B{n:010}")),
                        ("title", format!("基准技术合同{n}")),
                        ("contract_type", types[n % types.len()].into()),
                        ("seller_org_id", credit_code((n * 31) % orgs)),
                        ("buyer_name", format!("买方{}有限公司", n % 997)),
                        ("buyer_country", "CN".into()),
                        ("signed_on", format!("{year}-{month:02}-{day:02}")),
                        ("registered_on", format!("{year}-{month:02}-{day:02}")),
                        ("contract_value", value.to_string()),
                        ("tech_value", (value * 8 / 10).to_string()),
                        ("industry_chain_id", chains[n % chains.len()].into()),
                    ],
                )
            })
            .collect();
        total += import(&a, Kind::TechContract, rows, &format!("tech-contracts-{start}")).await;
    }
    println!("tech contracts: {tech_contracts} rows in {total:.1} s");
    a.create_user("bench", "基准测试", Role::Admin, None, BENCH_PASSWORD)
        .await
        .expect("user");
    println!("user bench / {BENCH_PASSWORD} created");
}
