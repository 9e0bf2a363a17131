//! The demo city's figures, and the command line's handling of bad flags.

use crate::common::{Api, Server};
use serde_json::Value;

/// Sums a money field over every record a list query returns.
async fn total(api: &Api, path: &str, field: &str) -> (i64, i64) {
    let (mut count, mut fen, mut page) = (0, 0i64, 1);
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let (st, v) = api.get(&format!("{path}{sep}page={page}&page_size=500")).await;
        assert_eq!(st, 200, "{v}");
        for item in v["items"].as_array().unwrap() {
            let s = item["fields"][field].as_str().unwrap();
            let (y, f) = s.split_once('.').unwrap();
            fen += y.parse::<i64>().unwrap() * 100 + f.parse::<i64>().unwrap();
            count += 1;
        }
        if count >= v["total"].as_i64().unwrap() {
            return (count, fen);
        }
        page += 1;
    }
}

async fn demo_city_echoes_the_article(s: Server) {
    let summary = kean_demo::seed(&s.app).await.unwrap();
    assert!(summary.is_some());
    assert!(
        kean_demo::seed(&s.app).await.unwrap().is_none(),
        "seeding twice does nothing"
    );
    let api = Api::login(&s.base, "admin", "Admin2025").await;
    let (_, platforms) = api.get("/api/v1/registry/platforms?page_size=1").await;
    assert_eq!(platforms["total"], 129);
    let (n, fen) = total(
        &api,
        "/api/v1/registry/tech-contracts?signed_on_from=2025-01-01&signed_on_to=2025-12-31",
        "contract_value",
    )
    .await;
    assert_eq!(
        (n, fen),
        (214, 33_845_000_000),
        "214 technology contracts worth ¥338.45 million"
    );
    let (_, fen24) = total(
        &api,
        "/api/v1/registry/tech-contracts?signed_on_from=2024-01-01&signed_on_to=2024-12-31",
        "contract_value",
    )
    .await;
    let growth = fen as f64 / fen24 as f64 - 1.0;
    assert!((growth - 2.22).abs() < 0.001, "+222%: {growth}");
    let (n, fen) = total(
        &api,
        "/api/v1/registry/transfers?transferred_on_from=2025-01-01&transferred_on_to=2025-12-31",
        "amount",
    )
    .await;
    assert_eq!((n, fen), (621, 450_000_000_000), "621 transfers worth ¥4.5 billion");
    // Every demo account logs in; the liaison sees only its company.
    let liaison = Api::login(&s.base, "liaison", "Liaison2025").await;
    let (_, orgs) = liaison.get("/api/v1/registry/organizations").await;
    assert_eq!(orgs["total"], 1);
    assert_eq!(orgs["items"][0]["fields"]["name"], "山西新泰钢铁有限公司");
    let (_, tech_contracts) = liaison.get("/api/v1/registry/tech-contracts?page_size=500").await;
    let n = tech_contracts["total"].as_i64().unwrap();
    assert!(n > 0);
    assert!(
        tech_contracts["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["labels"]["seller_org_id"] == "山西新泰钢铁有限公司")
    );
    for (u, p, _, _) in kean_demo::DEMO_ACCOUNTS {
        let a = Api::login(&s.base, u, p).await;
        let (st, _): (u16, Value) = a.get("/api/v1/me").await;
        assert_eq!(st, 200);
    }
    demo_data_tells_the_truth(&s).await;
}
on_both!(demo_city_echoes_the_article);

/// Every item of a registry list, as a caller sees it.
async fn all(api: &Api, slug: &str) -> Vec<Value> {
    let mut out = vec![];
    for page in 1.. {
        let (st, v) = api
            .get(&format!("/api/v1/registry/{slug}?page={page}&page_size=500"))
            .await;
        assert_eq!(st, 200, "{v}");
        let items = v["items"].as_array().unwrap().clone();
        out.extend(items);
        if out.len() as i64 >= v["total"].as_i64().unwrap() {
            return out;
        }
    }
    out
}

/// The demo reads like real records: contract titles say their type,
/// achievements are told apart by words (no "（17）"), no name doubles a
/// word where two meet, and each demo account has a working day's
/// material — the researcher's university its researchers, the liaison's
/// company its platforms, achievements, revenue reports and a report
/// waiting for the bureau.
async fn demo_data_tells_the_truth(s: &Server) {
    let api = Api::login(&s.base, "admin", "Admin2025").await;
    let contracts = all(&api, "tech-contracts").await;
    assert_eq!(contracts.len(), 310);
    for c in &contracts {
        let (title, t) = (
            c["fields"]["title"].as_str().unwrap(),
            c["fields"]["contract_type"].as_str().unwrap(),
        );
        let word = match t {
            "development" => "开发合同",
            "transfer" => "转让合同",
            "licensing" => "许可合同",
            "consulting" => "咨询合同",
            "service" => "服务合同",
            other => panic!("type {other}"),
        };
        assert!(title.ends_with(word), "{title} is a {t} contract");
        assert!(!kean_demo::doubled_words(title), "{title}");
    }
    let achievements = all(&api, "achievements").await;
    assert!(achievements.len() >= 1000);
    let mut titles = std::collections::BTreeSet::new();
    for a in &achievements {
        let title = a["fields"]["title"].as_str().unwrap();
        assert!(
            !title.ends_with('）') && !title.chars().last().unwrap().is_ascii_digit(),
            "{title}"
        );
        assert!(!kean_demo::doubled_words(title), "{title}");
        assert!(titles.insert(title.to_string()), "{title} twice");
        if a["fields"]["achievement_type"] == "new_variety" {
            assert_eq!(
                a["labels"]["industry_chain_id"], "农业科技",
                "{title}: a plant variety of agriculture"
            );
        }
    }
    for p in all(&api, "platforms").await {
        let name = p["fields"]["name"].as_str().unwrap();
        assert!(!kean_demo::doubled_words(name), "{name}");
    }
    // The researcher's university has its researchers.
    let researcher = Api::login(&s.base, "researcher", "Research2025").await;
    let persons = all(&researcher, "persons").await;
    assert!(persons.len() >= 20, "{}", persons.len());
    assert!(persons.iter().all(|p| p["labels"]["org_id"] == "山西农业大学"));
    // The liaison's company: platforms, achievements, revenue reports, and a
    // report of its own waiting for review.
    let liaison = Api::login(&s.base, "liaison", "Liaison2025").await;
    for slug in [
        "platforms",
        "achievements",
        "revenue-reports",
        "tech-contracts",
        "datasets",
    ] {
        let (_, v) = liaison.get(&format!("/api/v1/registry/{slug}?page_size=1")).await;
        assert!(v["total"].as_i64().unwrap() > 0, "the liaison's {slug}: {v}");
    }
    let (st, mine) = liaison.get("/api/v1/submissions?status=pending").await;
    assert_eq!(st, 200, "{mine}");
    let pending = mine["items"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{mine}");
    assert_eq!(pending[0]["kind"], "achievements");
    assert_eq!(pending[0]["org_name"], "山西新泰钢铁有限公司");
    // Reported, not yet a record.
    assert!(!titles.contains(pending[0]["label"].as_str().unwrap()), "{mine}");
}

/// The dashboard's figures are computed from the records: they match the
/// article for the demo, and follow every registration, edit and archive.
async fn dashboard_follows_the_records(s: Server) {
    kean_demo::seed(&s.app).await.unwrap();
    let api = Api::login(&s.base, "admin", "Admin2025").await;
    let dash = || async {
        api.get("/api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31")
            .await
    };
    let (st, d) = dash().await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["platforms"]["total"], 129);
    assert_eq!(d["tech_contracts"]["count"], 214);
    assert_eq!(d["tech_contracts"]["contract_value"], "338450000.00");
    assert!((d["tech_contracts"]["yoy_contract_value"].as_f64().unwrap() - 2.22).abs() < 0.001);
    assert_eq!(d["tech_service"]["enterprises"], 21);
    assert_eq!(d["tech_service"]["revenue"], "1140000000.00");
    assert!((d["tech_service"]["yoy_revenue"].as_f64().unwrap() - 0.111).abs() < 0.001);
    assert_eq!(d["transfers"]["count"], 621);
    assert_eq!(d["transfers"]["amount"], "4500000000.00");
    let by_month: i64 = d["tech_contracts"]["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    let by_district: i64 = d["tech_contracts"]["by_district"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert_eq!((by_month, by_district), (214, 214));
    // Money is 元 as a decimal string everywhere, the buckets' sums too: the
    // months' amounts add up to the year's value.
    let months_fen: i64 = d["tech_contracts"]["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            kean_core::Fen::parse_yuan(b["amount"].as_str().expect("an amount is a string"))
                .unwrap()
                .0
        })
        .sum();
    assert_eq!(kean_core::Fen(months_fen).yuan_string(), "338450000.00");
    assert!(d["transfers"]["by_month"][0]["amount"].as_str().unwrap().contains('.'));
    // The dashboard's tables export as a workbook and as a sectioned CSV, with the same figures.
    let web = crate::common::Web::login(&s.base, "admin", "Admin2025").await;
    let r = web
        .http
        .get(format!(
            "{}/statistics/export.xlsx?from=2025-01-01&to=2025-12-31",
            s.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.unwrap();
    let summary = kean_exchange::read_table(&xlsx, &kean_exchange::ReadOptions::default()).unwrap();
    assert_eq!(summary.headers, vec!["指标", "本期", "上年同期", "同比增长"]);
    let row = |name: &str| {
        summary
            .rows
            .iter()
            .find(|r| r.cells[0].starts_with(name))
            .map(|r| r.cells.clone())
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    assert_eq!(row("登记技术合同")[1], "214");
    assert_eq!(row("合同成交额")[1], "338450000");
    assert_eq!(row("合同成交额")[3], "+222.0%");
    assert_eq!(row("科技成果转化")[1], "621");
    let (st, csv) = web.get("/statistics/export.csv?from=2025-01-01&to=2025-12-31").await;
    assert_eq!(st, 200);
    for section in [
        "汇总",
        "创新平台（按级别）",
        "技术合同（按月）",
        "合同成交额（按卖方所在区县）",
        "成果转化金额（按月）",
    ] {
        assert!(
            csv.contains(&format!("\r\n{section}\r\n")) || csv.starts_with(&format!("\u{feff}{section}\r\n")),
            "no section {section}"
        );
    }
    assert!(csv.contains("登记技术合同,214,"), "{csv}");
    // A liaison's export holds only its organization's figures.
    let liaison_web = crate::common::Web::login(&s.base, "liaison", "Liaison2025").await;
    let (_, liaison_csv) = liaison_web
        .get("/statistics/export.csv?from=2025-01-01&to=2025-12-31")
        .await;
    assert!(!liaison_csv.contains("登记技术合同,214,"), "{liaison_csv}");
    let auditor = Api::login(&s.base, "auditor", "Audit2025").await;
    let (_, audit) = auditor.get("/api/v1/audit?page_size=5").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "export" && e["target"] == "statistics"),
        "{audit}"
    );

    // A district's figure equals its bucket, and its link lists exactly those contracts.
    let bucket = &d["tech_contracts"]["by_district"][0];
    let (_, dd) = api
        .get(&format!(
            "/api/v1/statistics/dashboard?from=2025-01-01&to=2025-12-31&district_id={}",
            bucket["key"].as_str().unwrap()
        ))
        .await;
    assert_eq!(dd["tech_contracts"]["count"], bucket["count"]);
    let link = bucket["link"]
        .as_str()
        .unwrap()
        .replace("/registry/", "/api/v1/registry/");
    assert_eq!(api.get(&link).await.1["total"], bucket["count"]);

    // Register, edit, archive: the figures follow.
    let (_, orgs) = api.get("/api/v1/registry/organizations?page_size=1").await;
    let seller = orgs["items"][0]["id"].as_i64().unwrap();
    let (st, c) = api
        .post(
            "/api/v1/registry/tech-contracts",
            serde_json::json!({"contract_no": "2025140799999999", "title": "新增合同", "contract_type": "service", "seller_org_id": seller,
                   "buyer_name": "太原某公司", "buyer_country": "CN", "signed_on": "2025-07-01", "registered_on": "2025-07-02",
                   "contract_value": "1000000", "tech_value": "800000"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let (_, d) = dash().await;
    assert_eq!(
        (
            d["tech_contracts"]["count"].as_i64(),
            d["tech_contracts"]["contract_value"].as_str()
        ),
        (Some(215), Some("339450000.00"))
    );
    let id = c["id"].as_i64().unwrap();
    let mut fields = c["fields"].clone();
    fields["contract_value"] = serde_json::json!("2000000");
    assert_eq!(
        api.put(&format!("/api/v1/registry/tech-contracts/{id}"), fields)
            .await
            .0,
        200
    );
    assert_eq!(dash().await.1["tech_contracts"]["contract_value"], "340450000.00");
    assert_eq!(
        api.post(
            &format!("/api/v1/registry/tech-contracts/{id}/archive"),
            serde_json::json!({})
        )
        .await
        .0,
        200
    );
    let (_, d) = dash().await;
    assert_eq!(
        (
            d["tech_contracts"]["count"].as_i64(),
            d["tech_contracts"]["contract_value"].as_str()
        ),
        (Some(214), Some("338450000.00"))
    );

    // Bad parameters are named.
    let (st, e) = api.get("/api/v1/statistics/dashboard?from=2025-13-01").await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (400, Some("from")));
    let (st, e) = api
        .get("/api/v1/statistics/dashboard?from=2025-12-01&to=2025-01-01")
        .await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (400, Some("from")));
    let (st, e) = api.get("/api/v1/statistics/dashboard?colour=red").await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (400, Some("colour")));
}
on_both!(dashboard_follows_the_records);

fn kean(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .output()
        .expect("run kean")
}

/// A kind's slug renamed by migration 0013 is refused naming its new one.
#[test]
fn cli_names_the_slug_a_renamed_kind_has_now() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("template.xlsx");
    let file = file.to_str().unwrap();
    for (old, new) in [("contracts", "tech-contracts"), ("researchers", "persons")] {
        let out = kean(&["template", old, file]);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("unknown kind '{old}'; did you mean '{new}'?")),
            "{err}"
        );
        let out = kean(&["template", new, file]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let out = kean(&["import", old, file, "--database-url", "sqlite:///nonexistent/kean.db"]);
        assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("did you mean '{new}'?")));
    }
    let out = kean(&["template", "widgets", file]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown kind 'widgets'; use one of: organizations"),
        "{err}"
    );
}

#[test]
fn cli_lists_subcommands_and_names_bad_flags() {
    let help = String::from_utf8(kean(&["--help"]).stdout).unwrap();
    for sub in ["serve", "user", "audit", "migrate"] {
        assert!(help.contains(sub), "--help lists {sub}");
    }
    let out = kean(&["serve", "--listen", "not-an-address"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--listen"));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("k.db").display());
    let out = kean(&[
        "user",
        "create",
        "--username",
        "x",
        "--display-name",
        "X",
        "--role",
        "boss",
        "--password",
        "Abcdefg123",
        "--database-url",
        &db,
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--role"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = kean(&[
        "user",
        "create",
        "--username",
        "x",
        "--display-name",
        "X",
        "--role",
        "liaison",
        "--org-credit-code",
        "91140702MA0K000019",
        "--password",
        "Abcdefg123",
        "--database-url",
        &db,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--org-credit-code"));
    let out = kean(&[
        "user",
        "create",
        "--username",
        "A B",
        "--display-name",
        "X",
        "--role",
        "admin",
        "--password",
        "short",
        "--database-url",
        &db,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("username") && err.contains("password"), "{err}");
    let out = kean(&[
        "user",
        "create",
        "--username",
        "chief",
        "--display-name",
        "局长",
        "--role",
        "admin",
        "--password",
        "Jinzhong-2025x",
        "--database-url",
        &db,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list = String::from_utf8(kean(&["user", "list", "--database-url", &db]).stdout).unwrap();
    assert!(list.contains("chief") && list.contains("局长"));
    let out = kean(&["audit", "verify", "--database-url", &db]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("intact"));
    let anchor = stdout
        .lines()
        .find_map(|l| l.strip_prefix("anchor: "))
        .expect("an anchor is printed")
        .to_string();
    // Cutting records off the end (and fixing up the chain head) keeps the
    // chain consistent, but not the anchor taken before.
    let out = kean(&[
        "user",
        "create",
        "--username",
        "deputy",
        "--display-name",
        "副局长",
        "--role",
        "reviewer",
        "--password",
        "Yuci-2025-Kean",
        "--database-url",
        &db,
    ]);
    assert!(out.status.success());
    let out = kean(&["audit", "verify", "--database-url", &db]);
    let later = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("anchor: "))
        .unwrap()
        .to_string();
    assert!(
        kean(&["audit", "verify", "--anchor", &anchor, "--database-url", &db])
            .status
            .success()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db).await.unwrap();
        let (seq, _) = later.split_once(':').unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM audit_log WHERE seq = {seq}")))
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE audit_head SET seq = {s}, hash = (SELECT hash FROM audit_log WHERE seq = {s})",
            s = seq.parse::<i64>().unwrap() - 1
        )))
        .execute(&mut c)
        .await
        .unwrap();
    });
    assert!(
        kean(&["audit", "verify", "--database-url", &db]).status.success(),
        "a cut chain still verifies on its own"
    );
    let out = kean(&["audit", "verify", "--anchor", &later, "--database-url", &db]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed"));
    let out = kean(&["audit", "verify", "--anchor", "nonsense", "--database-url", &db]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--anchor"));
    let missing = format!("sqlite://{}", dir.path().join("typo.db").display());
    let out = kean(&["audit", "verify", "--database-url", &missing]);
    assert!(
        !out.status.success(),
        "a mistyped database path is not an intact empty log"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!dir.path().join("typo.db").exists());
    let out = kean(&["migrate", "--database-url", "mysql://nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));
}

fn shared_lists() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/lists");
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipped: ../shared/data/lists is not beside the checkout");
        None
    }
}

#[test]
fn screen_command_matches_chinese_names_to_latin_entries() {
    let Some(lists) = shared_lists() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("q.csv");
    std::fs::write(
        &input,
        "id,name,type,country\nq1,华为技术有限公司,organization,CN\nq2,山西农业大学,organization,CN\n",
    )
    .unwrap();
    let output = dir.path().join("r.csv");
    let bis = lists.join("us_bis_entity_list_2025-11-08.json");
    let cn = lists.join("cn_lists_flat.csv");
    let out = kean(&[
        "screen",
        "--list",
        bis.to_str().unwrap(),
        "--list",
        cn.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let results = std::fs::read_to_string(&output).unwrap();
    let mut lines = results.lines();
    assert_eq!(
        lines.next(),
        Some("query_id,entry_id,entry_name,list,matched_name,score,explanation")
    );
    let rows: Vec<&str> = lines.collect();
    assert!(
        rows.iter()
            .any(|r| r.starts_with("q1,") && r.contains("Huawei Technologies Co., Ltd.")),
        "{results}"
    );
    assert!(
        !rows.iter().any(|r| r.starts_with("q2,")),
        "an unlisted university has no result: {results}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Screened 2 names"));

    // A malformed row and an unreadable list are named.
    std::fs::write(&input, "id,name\nq1,华为\nq2,a,b,c\n").unwrap();
    let out = kean(&[
        "screen",
        "--list",
        cn.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3"), "{err}");
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0u8, 159, 146, 150, 1, 2]).unwrap();
    let out = kean(&[
        "screen",
        "--list",
        junk.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.bin"));
}

/// Issue 13: Chinese names reach English-only entries through translation, the report says per
/// list how many entries have Chinese names and how many more translation reaches, and the
/// bureau's vocabulary file is taken — or refused naming its line.
#[test]
fn screen_command_translates_institution_names_and_reports_coverage() {
    let Some(lists) = shared_lists() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("q.csv");
    std::fs::write(
        &input,
        "id,name\nq1,北京理工大學\nq2,中国电子科技集团公司第五十四研究所\nq3,中国电子科技集团公司第十五研究所\n",
    )
    .unwrap();
    let bis = lists.join("us_bis_entity_list_2025-11-08.json");
    let vocab = dir.path().join("bureau.tsv");
    std::fs::write(&vocab, "# bureau words\n晋科\tjinke\n").unwrap();
    let out = kean(&[
        "screen",
        "--list",
        bis.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--vocabulary",
        vocab.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let results = String::from_utf8_lossy(&out.stdout);
    assert!(
        results
            .lines()
            .any(|r| r.starts_with("q1,") && r.contains("Beijing Institute of Technology")),
        "{results}"
    );
    assert!(
        results
            .lines()
            .any(|r| r.starts_with("q2,") && r.contains("54th Research Institute of China")),
        "{results}"
    );
    assert!(
        !results.lines().any(|r| r.starts_with("q3,")),
        "no 15th institute is listed: {results}"
    );
    assert!(err.contains("Vocabulary") && err.contains("1 entries added"), "{err}");
    assert!(
        err.contains("with a Chinese name") && err.contains("reached from Chinese through translation"),
        "{err}"
    );

    std::fs::write(&vocab, "晋科\tjinke\nbad line\n").unwrap();
    let out = kean(&[
        "screen",
        "--list",
        bis.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--vocabulary",
        vocab.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bureau.tsv") && err.contains("line 2"), "{err}");
}

/// Served without the demo, a new database has no account: the login page
/// says how to create the first administrator at the machine, and stops
/// saying it once an account exists; `kean user list` names each account's
/// organization (issue 16, first start).
async fn a_new_database_says_how_to_make_the_first_administrator(s: Server) {
    let http = reqwest::Client::new();
    let login = || async {
        let r = http.get(format!("{}/login", s.base)).send().await.expect("login page");
        assert_eq!(r.status(), 200);
        r.text().await.expect("body")
    };
    let page = login().await;
    assert!(
        page.contains("id=\"first-start\"")
            && page.contains("kean user create --username sysadmin --role sysadmin")
            && page.contains("--role secadmin")
            && page.contains("--role auditor"),
        "{page}"
    );
    let b = crate::common::basics(&s.app).await;
    let code = s
        .app
        .system_access("test")
        .get(kean_core::Kind::Organization, b.org_a)
        .await
        .expect("organization a")
        .0
        .fields
        .get("credit_code")
        .to_input();
    let out = kean(&[
        "user",
        "create",
        "--username",
        "lianluo",
        "--display-name",
        "联络员甲",
        "--role",
        "liaison",
        "--org-credit-code",
        &code,
        "--password",
        "Liaison2025x",
        "--database-url",
        &s.url,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!login().await.contains("first-start"));
    let list = String::from_utf8(kean(&["user", "list", "--database-url", &s.url]).stdout).expect("utf-8");
    let line = list
        .lines()
        .find(|l| l.contains("lianluo"))
        .expect("the account is listed");
    assert!(line.contains("晋中甲科技有限公司"), "{list}");
}
on_both!(a_new_database_says_how_to_make_the_first_administrator);

/// The demo's security gates, produced by users' own acts (the demo's
/// accounts through `Access`): a project at every stage, the foreign
/// partner flagged at approval, one transfer blocked by the export-control
/// catalogue and one by a restricted counterparty, a platform assessment,
/// the 35 chokepoint items and the catalogue.
async fn the_demo_city_holds_the_gates(s: Server) {
    use kean_core::lifecycle::Stage;
    kean_demo::seed(&s.app).await.unwrap();
    let Some(dir) = kean_demo::lists_dir() else {
        panic!("the shared list data is missing (../shared/data/lists)");
    };
    kean_demo::seed_lists(&s.app, &dir).await.unwrap();
    kean_demo::seed_gates(&s.app).await.unwrap();
    let reviewer = Api::login(&s.base, "reviewer", "Review2025").await;
    let (_, projects) = reviewer.get("/api/v1/registry/projects?page_size=100").await;
    let stages: std::collections::BTreeSet<String> = projects["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["fields"]["stage"].as_str().unwrap().to_string())
        .collect();
    for st in Stage::ALL {
        assert!(stages.contains(st.code()), "no demo project {st:?}: {stages:?}");
    }
    let (_, open) = reviewer.get("/api/v1/reviews?state=open").await;
    let findings_of = |gate: &str| {
        let reviewer = &reviewer;
        let ids: Vec<i64> = open["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["gate"] == gate)
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        async move {
            let mut all = Vec::new();
            for id in ids {
                let (_, v) = reviewer.get(&format!("/api/v1/reviews/{id}")).await;
                all.push(
                    v["findings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| f["code"].as_str().unwrap().to_string())
                        .collect::<Vec<_>>(),
                );
            }
            all
        }
    };
    let approval = findings_of("approval_review").await;
    assert!(
        approval.iter().any(|f| f.contains(&"foreign_partner".to_string())),
        "{approval:?}"
    );
    let transfers = findings_of("transfer_audit").await;
    assert!(
        transfers
            .iter()
            .any(|f| f.contains(&"export_licence_missing".to_string())),
        "{transfers:?}"
    );
    assert!(
        transfers.iter().any(|f| f.contains(&"screening_open".to_string())),
        "{transfers:?}"
    );
    let (_, decided) = reviewer
        .get("/api/v1/reviews?gate=platform_assessment&state=decided")
        .await;
    let id = decided["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no decided assessment: {decided}"));
    let (_, assessment) = reviewer.get(&format!("/api/v1/reviews/{id}")).await;
    assert!(assessment["score"].is_number(), "scored on its checklist: {assessment}");
    let (_, chokepoint) = reviewer.get("/api/v1/dictionaries/chokepoint").await;
    assert_eq!(
        chokepoint["items"].as_array().map(Vec::len),
        Some(35),
        "the 35 chokepoint items"
    );
    let (_, catalogue) = reviewer.get("/api/v1/dictionaries/export_control").await;
    // The catalogue: every item of the seed, by its code.
    let seed = std::fs::read_to_string(dir.join("../catalogues/export_tech_catalog_partial.csv")).unwrap();
    let codes: std::collections::BTreeSet<&str> = seed
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(3))
        .filter(|c| !c.is_empty())
        .collect();
    let held: std::collections::BTreeSet<&str> = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["code"].as_str())
        .collect();
    assert!(
        codes.contains("203912X") && codes.is_subset(&held),
        "{codes:?} ⊄ {held:?}"
    );
}
on_both!(the_demo_city_holds_the_gates);

/// `kean` under a locale, with the others cleared.
fn kean_in(locale: &[(&str, &str)], args: &[&str]) -> (bool, String, String) {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kean"));
    c.env_remove("LC_ALL").env_remove("LC_MESSAGES").env_remove("LANG");
    for (k, v) in locale {
        c.env(k, v);
    }
    let out = c.args(args).output().expect("run kean");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Under a Chinese locale the command line speaks Chinese — outcomes as
/// sentences, errors with where and why —, takes Chinese where a user types
/// it (roles, registries, the cells' 单位类型 高校), and English otherwise.
#[test]
fn cli_speaks_the_locales_language() {
    let dir = tempfile::tempdir().unwrap();
    let at = |f: &str| dir.path().join(f).to_str().unwrap().to_string();
    let db = format!("sqlite://{}", at("k.db"));
    let zh = [("LANG", "zh_CN.UTF-8")];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--database-url", &db]);
        kean_in(&zh, &all)
    };
    let (ok, out, _) = run(&["migrate"]);
    assert!(ok && out.contains("数据库已就绪"), "{out}");
    // Registries by their Chinese names; templates and imports.
    let (ok, out, err) = kean_in(&zh, &["template", "单位", &at("t.csv")]);
    assert!(ok && out.contains("单位的导入模板已写入"), "{out}{err}");
    std::fs::write(at("d.csv"), "区划代码,名称\n140702,榆次区\n").unwrap();
    let (ok, out, err) = run(&["import", "区县", &at("d.csv")]);
    assert!(ok && out.contains("导入区县 1 条"), "{out}{err}");
    std::fs::write(
        at("o.csv"),
        "单位名称,统一社会信用代码,单位类型,所属区县\n晋中信息学院,12140700MB00000009,高校,榆次区\n",
    )
    .unwrap();
    let (ok, out, err) = run(&["import", "单位", &at("o.csv"), "--dry-run"]);
    assert!(
        ok && out.contains("试运行") && out.contains("全部 1 行均有效"),
        "{out}{err}"
    );
    // A bad row: where and why, in Chinese.
    std::fs::write(
        at("bad.csv"),
        "单位名称,统一社会信用代码,单位类型,所属区县\n晋中信息学院,12140700MB00000009,大学,榆次区\n",
    )
    .unwrap();
    let (ok, _, err) = run(&["import", "单位", &at("bad.csv")]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("未导入任何数据") && err.contains("第 2 行，单位类型列：“大学”"),
        "{err}"
    );
    assert!(err.contains("不是可选值（企业、高校、科研院所、其他）"), "{err}");
    // A file that is not a spreadsheet says so.
    std::fs::write(at("notes.txt"), "请查收本单位的年度报告\n").unwrap();
    let (ok, _, err) = run(&["import", "单位", &at("notes.txt")]);
    assert!(
        !ok && err.starts_with("错误：") && err.contains("文件不是电子表格"),
        "{err}"
    );
    assert!(!err.contains("表头"), "{err}");
    // Roles in Chinese; outcomes as sentences, never a debug value.
    let (ok, out, err) = run(&[
        "user",
        "create",
        "--username",
        "boss",
        "--display-name",
        "张局",
        "--role",
        "局管理员",
        "--password",
        "Abcdefg123x",
    ]);
    assert!(
        ok && out.contains("已创建用户 boss") && out.contains("角色：局管理员"),
        "{out}{err}"
    );
    let (ok, out, err) = run(&[
        "user",
        "create",
        "--username",
        "lia",
        "--display-name",
        "李联络",
        "--role",
        "联络员",
        "--password",
        "Abcdefg123x",
    ]);
    // A liaison needs an organization: refused in Chinese.
    assert!(
        !ok && err.starts_with("错误：") && !err.contains("validation_failed"),
        "{out}{err}"
    );
    let (ok, _, err) = run(&[
        "user",
        "create",
        "--username",
        "x",
        "--display-name",
        "X",
        "--role",
        "老板",
        "--password",
        "Abcdefg123x",
    ]);
    assert!(
        !ok && err.contains("没有“老板”这个角色") && err.contains("单位联络员（liaison）"),
        "{err}"
    );
    let (ok, out, _) = run(&["user", "disable", "--username", "boss"]);
    assert!(ok && out.contains("已停用账号 boss"), "{out}");
    assert!(!out.contains("SetDisabled") && !out.contains("true"), "{out}");
    let (_, out, _) = run(&["user", "list"]);
    assert!(
        out.contains("用户名") && out.contains("局管理员") && out.contains("张局"),
        "{out}"
    );
    let (ok, _, err) = run(&["user", "unlock", "--username", "nobody"]);
    assert!(!ok && err.contains("用户“nobody”不存在"), "{err}");
    let (_, out, _) = run(&["rescreen"]);
    assert!(out.contains("尚未导入限制名单"), "{out}");
    // The operator's commands too: backup, its refusal, the audit walk.
    let (ok, out, err) = run(&["backup", &at("b.db")]);
    assert!(
        ok && out.contains("备份已写入") && out.contains("审计链已验证"),
        "{out}{err}"
    );
    let (ok, _, err) = run(&["backup", &at("b.db")]);
    assert!(
        !ok && err.contains("已存在：请换一个文件名，或加 --force 覆盖"),
        "{err}"
    );
    let (ok, out, err) = run(&["audit", "verify"]);
    assert!(ok && out.contains("审计链完好") && out.contains("锚点："), "{out}{err}");

    // LC_MESSAGES and LC_ALL decide as POSIX orders them.
    let (_, out, _) = kean_in(
        &[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "zh_CN.UTF-8")],
        &["user", "enable", "--username", "boss", "--database-url", &db],
    );
    assert!(out.contains("已启用账号 boss"), "{out}");
    let (_, out, _) = kean_in(
        &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")],
        &["user", "disable", "--username", "boss", "--database-url", &db],
    );
    assert!(out.contains("The account boss is disabled"), "{out}");
    // English otherwise, in sentences too.
    let en = [("LANG", "en_US.UTF-8")];
    let (ok, out, _) = kean_in(&en, &["user", "enable", "--username", "boss", "--database-url", &db]);
    assert!(ok && out.trim() == "The account boss is enabled.", "{out}");
    let (ok, _, err) = kean_in(
        &en,
        &["import", "organizations", &at("notes.txt"), "--database-url", &db],
    );
    assert!(
        !ok && err.starts_with("error: ") && err.contains("not a spreadsheet but plain text"),
        "{err}"
    );
    assert!(!err.contains("validation_failed"), "{err}");
}
