//! Keyword search through the bigram index and paging by cursor, on SQLite
//! and PostgreSQL: what is found must be exactly what a substring match
//! finds, inside the caller's scope, after every kind of write.

use std::collections::BTreeMap;

use crate::common::{Api, Server, basics, raw, user};
use kean_app::{ImportOutcome, ImportRow, ImportSource};
use kean_core::{Kind, Role};
use serde_json::Value;

fn tech_contract(no: &str, title: &str, seller: i64, buyer: &str) -> BTreeMap<String, String> {
    raw(&[
        ("contract_no", no),
        ("title", title),
        ("contract_type", "development"),
        ("seller_org_id", &seller.to_string()),
        ("buyer_name", buyer),
        ("buyer_country", "CN"),
        ("signed_on", "2025-03-01"),
        ("registered_on", "2025-03-02"),
        ("contract_value", "100000"),
        ("tech_value", "80000"),
    ])
}

/// The titles a keyword finds, sorted.
async fn titles(api: &Api, q: &str) -> Vec<String> {
    let (st, v) = api
        .get(&format!(
            "/api/v1/registry/tech-contracts?page_size=100&q={}",
            urlencode(q)
        ))
        .await;
    assert_eq!(st, 200, "{v}");
    let mut t: Vec<String> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["fields"]["title"].as_str().expect("title").to_string())
        .collect();
    assert_eq!(v["total"], t.len(), "{q}: total and items agree");
    t.sort();
    t
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn keyword_search_finds_substrings_through_the_index(s: Server) {
    let b = basics(&s.app).await; // 晋中甲科技有限公司 (a), 晋中乙材料有限公司 (b)
    let sys = s.app.system_access("test");
    let straw = sys
        .create(
            Kind::TechContract,
            &tech_contract("HT-2025-0001", "秸秆综合利用技术开发合同", b.org_a, "太原绿源公司"),
        )
        .await
        .expect("contract a");
    sys.create(
        Kind::TechContract,
        &tech_contract("HT-2025-0002", "高温合金技术转让", b.org_b, "Acme Alloys Ltd."),
    )
    .await
    .expect("contract b");
    sys.create(
        Kind::TechContract,
        &tech_contract("HT-2025-0003", "甲乙 乙丙协议", b.org_b, "某公司"),
    )
    .await
    .expect("contract c");
    let pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let api = Api::login(&s.base, "rev", &pw).await;
    let straw_t = "秸秆综合利用技术开发合同";
    let alloy_t = "高温合金技术转让";

    // Two Chinese characters of a title, of the middle of a title.
    assert_eq!(titles(&api, "秸秆").await, [straw_t]);
    assert_eq!(titles(&api, "合金").await, [alloy_t]);
    assert_eq!(titles(&api, "利用技术开发").await, [straw_t]);
    // One character: no bigram, the scan answers.
    assert_eq!(titles(&api, "秸").await, [straw_t]);
    // Letters and digits, case-insensitively, across punctuation.
    assert_eq!(titles(&api, "ht-2025-0002").await, [alloy_t]);
    assert_eq!(titles(&api, "alloys").await, [alloy_t]);
    assert_eq!(titles(&api, "ACME").await, [alloy_t]);
    // The owner organization's name: two characters of it.
    assert_eq!(titles(&api, "甲科").await, [straw_t]);
    assert_eq!(titles(&api, "乙材料").await.len(), 2);
    // All bigrams present but not as one substring: not found.
    assert!(titles(&api, "甲乙丙").await.is_empty());
    assert_eq!(titles(&api, "甲乙 乙丙").await.len(), 1);
    assert!(titles(&api, "稻草").await.is_empty());

    // An edited title is found by its new words only.
    let edited = tech_contract("HT-2025-0001", "玉米秸秆饲料化技术开发合同", b.org_a, "太原绿源公司");
    sys.update(Kind::TechContract, straw.id, &edited, None)
        .await
        .expect("edit");
    assert_eq!(titles(&api, "玉米").await.len(), 1);
    assert!(titles(&api, "综合利用").await.is_empty());

    // Renaming the owner re-indexes what it owns.
    let renamed = raw(&[
        ("name", "晋中丙能源有限公司"),
        ("credit_code", &crate::common::valid_code("91140702MA0K00001")),
        ("org_type", "enterprise"),
        ("district_id", &b.district.to_string()),
    ]);
    sys.update(Kind::Organization, b.org_a, &renamed, None)
        .await
        .expect("rename");
    assert!(titles(&api, "甲科").await.is_empty());
    assert_eq!(titles(&api, "丙能源").await.len(), 1);

    // Moving a contract to another seller: found by the new seller's name.
    let to_b = tech_contract("HT-2025-0001", "玉米秸秆饲料化技术开发合同", b.org_b, "太原绿源公司");
    sys.update(Kind::TechContract, straw.id, &to_b, None)
        .await
        .expect("move");
    assert!(titles(&api, "丙能源").await.is_empty());
    assert_eq!(titles(&api, "乙材料").await.len(), 3);

    // Archived records: found only among the archived.
    sys.set_archived(Kind::TechContract, straw.id, true)
        .await
        .expect("archive");
    assert!(titles(&api, "玉米").await.is_empty());
    let (_, v) = api
        .get(&format!(
            "/api/v1/registry/tech-contracts?archived=archived&q={}",
            urlencode("玉米")
        ))
        .await;
    assert_eq!(v["total"], 1);

    // Organizations by their own name and credit code.
    let (_, v) = api
        .get(&format!("/api/v1/registry/organizations?q={}", urlencode("乙材")))
        .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["id"], b.org_b);
}
on_both!(keyword_search_finds_substrings_through_the_index);

async fn a_liaison_finds_only_its_own_records_through_the_index(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    sys.create(
        Kind::TechContract,
        &tech_contract("HT-1", "秸秆还田技术服务", b.org_a, "甲方"),
    )
    .await
    .expect("a");
    sys.create(
        Kind::TechContract,
        &tech_contract("HT-2", "秸秆发电技术咨询", b.org_b, "乙方"),
    )
    .await
    .expect("b");
    let pw = user(&s.app, "liaison_b", Role::Liaison, Some(b.org_b)).await;
    let api = Api::login(&s.base, "liaison_b", &pw).await;
    assert_eq!(titles(&api, "秸秆").await, ["秸秆发电技术咨询"]);
    assert!(titles(&api, "还田").await.is_empty());
    // Not through the other organization's name either.
    assert!(titles(&api, "甲科技").await.is_empty());
    assert_eq!(titles(&api, "乙材料").await.len(), 1);
}
on_both!(a_liaison_finds_only_its_own_records_through_the_index);

async fn imported_records_are_found_by_keyword(s: Server) {
    basics(&s.app).await;
    let sys = s.app.system_access("test");
    let rows: Vec<ImportRow> = (0..30)
        .map(|n| {
            let mut values = tech_contract(&format!("IM-{n:04}"), &format!("导入合同第{n}号"), 0, "买方");
            // References as people write them: the seller's name.
            let seller = if n % 2 == 0 {
                "晋中甲科技有限公司"
            } else {
                "晋中乙材料有限公司"
            };
            values.insert("seller_org_id".into(), seller.into());
            ImportRow { line: n + 2, values }
        })
        .collect();
    let src = ImportSource {
        file_name: "合同.csv".into(),
        content_hash: "search-test".into(),
        force: false,
        dry_run: false,
        progress: None,
    };
    match sys.import(Kind::TechContract, &rows, &src).await.expect("import") {
        ImportOutcome::Imported { ids, .. } => assert_eq!(ids.len(), 30),
        other => panic!("not imported: {other:?}"),
    }
    let pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let api = Api::login(&s.base, "rev", &pw).await;
    assert_eq!(titles(&api, "第17号").await, ["导入合同第17号"]);
    assert_eq!(titles(&api, "导入合同").await.len(), 30);
    // By the seller's name, resolved at import.
    assert_eq!(titles(&api, "甲科技").await.len(), 15);
}
on_both!(imported_records_are_found_by_keyword);

async fn the_cursor_pages_through_everything_once(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    for n in 0..7 {
        sys.create(
            Kind::TechContract,
            &tech_contract(&format!("CU-{n}"), &format!("游标合同{n}"), b.org_a, "买方"),
        )
        .await
        .expect("contract");
    }
    let pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let api = Api::login(&s.base, "rev", &pw).await;
    let (_, all) = api.get("/api/v1/registry/tech-contracts?page_size=100").await;
    let expected: Vec<i64> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(expected.len(), 7);
    assert!(all["next_after"].is_null(), "a page that is not full has no next");
    let mut seen = vec![];
    let mut path = "/api/v1/registry/tech-contracts?page_size=3".to_string();
    loop {
        let (st, v) = api.get(&path).await;
        assert_eq!(st, 200, "{v}");
        assert_eq!(v["total"], 7);
        seen.extend(v["items"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()));
        match &v["next_after"] {
            Value::Null => break,
            after => path = format!("/api/v1/registry/tech-contracts?page_size=3&after={after}"),
        }
        assert!(seen.len() <= 9, "the cursor must end");
    }
    assert_eq!(seen, expected);
    // The same pages by number.
    let (_, p2) = api.get("/api/v1/registry/tech-contracts?page_size=3&page=2").await;
    let p2: Vec<i64> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(p2, expected[3..6]);
    // And the pages of a keyword search (its ids come in one pass).
    let (_, k2) = api
        .get(&format!(
            "/api/v1/registry/tech-contracts?page_size=3&page=2&q={}",
            urlencode("游标合同")
        ))
        .await;
    assert_eq!(k2["total"], 7);
    let k2: Vec<i64> = k2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    assert_eq!(k2, expected[3..6]);
    let (_, k3) = api
        .get(&format!(
            "/api/v1/registry/tech-contracts?page_size=3&page=4&q={}",
            urlencode("游标合同")
        ))
        .await;
    assert_eq!(k3["items"].as_array().unwrap().len(), 0);
    // The cursor goes with filters and keywords, not with another order.
    let (_, v) = api
        .get(&format!(
            "/api/v1/registry/tech-contracts?page_size=2&after={}&q={}",
            expected[1],
            urlencode("游标合同")
        ))
        .await;
    assert_eq!(v["items"][0]["id"], expected[2]);
    let (st, e) = api.get("/api/v1/registry/tech-contracts?after=5&sort=title").await;
    assert_eq!(st, 400, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "after");
    assert_eq!(api.get("/api/v1/registry/tech-contracts?after=x").await.0, 400);
}
on_both!(the_cursor_pages_through_everything_once);

/// Imports contracts (one row each) in one transaction; their ids in row order.
async fn import_tech_contracts(
    sys: &kean_app::Access,
    tech_contracts: impl Iterator<Item = BTreeMap<String, String>>,
    hash: &str,
) -> Vec<i64> {
    let rows: Vec<ImportRow> = tech_contracts
        .enumerate()
        .map(|(n, values)| ImportRow { line: n + 2, values })
        .collect();
    let src = ImportSource {
        file_name: format!("{hash}.csv"),
        content_hash: hash.into(),
        force: false,
        dry_run: false,
        progress: None,
    };
    match sys.import(Kind::TechContract, &rows, &src).await.expect("import") {
        ImportOutcome::Imported { ids, .. } => ids,
        other => panic!("not imported: {other:?}"),
    }
}

/// Totals people see: the unfiltered list's from the counts the write path
/// keeps (create, import, archive, restore), a keyword search's counted up
/// to 1,000 and then "1000+", with the pager going on while pages are full.
async fn totals_follow_every_write_and_frequent_keywords_stop_at_the_cap(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let ids = import_tech_contracts(
        &sys,
        (0..1_010).map(|n| tech_contract(&format!("CAP-{n:05}"), &format!("常见合同{n}"), b.org_a, "买方")),
        "cap-test",
    )
    .await;
    let one = sys
        .create(Kind::TechContract, &tech_contract("CAP-X", "另一份", b.org_b, "买方"))
        .await
        .expect("contract");
    let pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let api = Api::login(&s.base, "rev", &pw).await;
    let total = |v: &Value| (v["total"].as_i64().unwrap(), v["total_is_exact"].as_bool().unwrap());
    let (_, v) = api.get("/api/v1/registry/tech-contracts").await;
    assert_eq!(total(&v), (1_011, true));
    sys.set_archived(Kind::TechContract, ids[0], true)
        .await
        .expect("archive");
    sys.set_archived(Kind::TechContract, one.id, true)
        .await
        .expect("archive");
    let (_, v) = api.get("/api/v1/registry/tech-contracts").await;
    assert_eq!(total(&v), (1_009, true));
    let (_, v) = api.get("/api/v1/registry/tech-contracts?archived=archived").await;
    assert_eq!(total(&v), (2, true), "{v}");
    let (_, v) = api.get("/api/v1/registry/tech-contracts?archived=all").await;
    assert_eq!(total(&v), (1_011, true));
    sys.set_archived(Kind::TechContract, one.id, false)
        .await
        .expect("restore");
    let (_, v) = api.get("/api/v1/registry/tech-contracts").await;
    assert_eq!(total(&v), (1_010, true));
    // A page past the end still says how many there are.
    let (_, v) = api.get("/api/v1/registry/tech-contracts?page=999").await;
    assert_eq!(total(&v), (1_010, true));
    assert!(v["items"].as_array().unwrap().is_empty());
    // The same totals through a filter (counted, not kept).
    let (_, v) = api
        .get(&format!("/api/v1/registry/tech-contracts?seller_org_id={}", b.org_a))
        .await;
    assert_eq!(total(&v), (1_009, true));
    // Counts of filters are kept between requests, and follow edits: of
    // the record itself (the other contract moves to seller a) …
    sys.update(
        Kind::TechContract,
        one.id,
        &tech_contract("CAP-X", "另一份", b.org_a, "买方"),
        None,
    )
    .await
    .expect("edit");
    let (_, v) = api
        .get(&format!("/api/v1/registry/tech-contracts?seller_org_id={}", b.org_a))
        .await;
    assert_eq!(total(&v), (1_010, true));
    // … and of its owner (the seller moves to another district).
    let by_district = format!("/api/v1/registry/tech-contracts?owner_district_id={}", b.district);
    assert_eq!(total(&api.get(&by_district).await.1), (1_010, true));
    let other = sys
        .create(Kind::District, &raw(&[("code", "140781"), ("name", "介休市")]))
        .await
        .expect("district")
        .id;
    let org_a = raw(&[
        ("name", "晋中甲科技有限公司"),
        ("credit_code", &crate::common::valid_code("91140702MA0K00001")),
        ("org_type", "enterprise"),
        ("district_id", &other.to_string()),
    ]);
    sys.update(Kind::Organization, b.org_a, &org_a, None)
        .await
        .expect("move");
    assert_eq!(total(&api.get(&by_district).await.1), (0, true));

    // A frequent keyword: 1,009 records hold it; counted to the cap.
    let q = urlencode("常见合同");
    let (_, v) = api.get(&format!("/api/v1/registry/tech-contracts?q={q}")).await;
    assert_eq!(total(&v), (1_000, false));
    // A rare one among them is counted exactly, whichever bigrams the
    // index was asked for.
    let (_, v) = api
        .get(&format!(
            "/api/v1/registry/tech-contracts?q={}",
            urlencode("常见合同100")
        ))
        .await;
    assert_eq!(total(&v), (11, true), "常见合同100, 1000-1009");
    // The last pages are still reached: page 51 of 20 holds records 1,001-1,009.
    let (_, v) = api
        .get(&format!("/api/v1/registry/tech-contracts?q={q}&page=51&page_size=20"))
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 9);
    // A page size that does not divide the cap: nothing is skipped at the
    // seam (page 34 of 30 holds records 991-1,009).
    let mut ids = std::collections::BTreeSet::new();
    for page in 1..=34 {
        let (_, v) = api
            .get(&format!(
                "/api/v1/registry/tech-contracts?q={q}&page={page}&page_size=30"
            ))
            .await;
        let items = v["items"].as_array().unwrap();
        assert_eq!(items.len(), if page < 34 { 30 } else { 19 }, "page {page}");
        ids.extend(items.iter().map(|i| i["id"].as_i64().unwrap()));
    }
    assert_eq!(ids.len(), 1_009);
    let web = crate::common::Web::login(&s.base, "rev", &pw).await;
    let (st, html) = web
        .get(&format!("/registry/tech-contracts?q={q}&page=50&page_size=20"))
        .await;
    assert_eq!(st, 200);
    assert!(html.contains("1000+"), "the pager says there are more");
    assert!(html.contains("page=51"), "and offers the next page");
    let (_, html) = web
        .get(&format!("/registry/tech-contracts?q={q}&page=51&page_size=20"))
        .await;
    assert!(!html.contains("page=52"), "no page after the last");
}
on_both!(totals_follow_every_write_and_frequent_keywords_stop_at_the_cap);

/// A database whose keyword index was written before the digits' trigrams
/// (schema v10): opening it with this version recomputes every row's grams,
/// so that a number is found by any part of it.
async fn an_upgrade_brings_the_grams_of_existing_records_up_to_date(s: Server) {
    use sqlx::{Connection, Row};
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    sys.create(
        Kind::TechContract,
        &tech_contract("HT-7", "基准技术合同123456", b.org_a, "某公司"),
    )
    .await
    .expect("contract");
    // Take the trigrams out again and forget migration 11, as a database
    // written by the previous version looks.
    let mut conn = sqlx::AnyConnection::connect(&s.url).await.expect("connect");
    let old: Vec<(i64, String)> = sqlx::query("SELECT id, search_grams FROM tech_contracts")
        .fetch_all(&mut conn)
        .await
        .expect("grams")
        .iter()
        .map(|r| (r.get::<i64, _>(0), r.get::<String, _>(1)))
        .collect();
    assert!(
        old[0].1.split(' ').any(|g| g == "345"),
        "new records hold trigrams: {}",
        old[0].1
    );
    for (id, grams) in &old {
        let bigrams: Vec<&str> = grams.split(' ').filter(|g| g.chars().count() == 2).collect();
        sqlx::query("UPDATE tech_contracts SET search_grams = $1 WHERE id = $2")
            .bind(bigrams.join(" "))
            .bind(*id)
            .execute(&mut conn)
            .await
            .expect("old grams");
    }
    sqlx::query("DELETE FROM schema_migrations WHERE version = 11")
        .execute(&mut conn)
        .await
        .expect("forget v11");
    conn.close().await.expect("close");

    // The next process to open the database upgrades it.
    let reopened = kean_app::App::open(&s.url, std::sync::Arc::new(kean_app::SystemClock))
        .await
        .expect("reopen");
    let found = reopened
        .system_access("test")
        .list(
            Kind::TechContract,
            &kean_store::ListQuery {
                keyword: Some("23456".into()),
                ..kean_store::ListQuery::default()
            },
        )
        .await
        .expect("search");
    assert_eq!(
        found.page.total, 1,
        "a number is found by a part of it after the upgrade"
    );
    let mut conn = sqlx::AnyConnection::connect(&s.url).await.expect("connect");
    let grams: String = sqlx::query("SELECT search_grams FROM tech_contracts")
        .fetch_one(&mut conn)
        .await
        .expect("grams")
        .get(0);
    assert_eq!(grams, old[0].1, "the grams are again those a new record gets");
    conn.close().await.expect("close");
}
on_both!(an_upgrade_brings_the_grams_of_existing_records_up_to_date);

fn ids_of(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

/// Every id of a list in the default order, through the cursor.
async fn all_ids(api: &Api, filter: &str) -> Vec<i64> {
    let mut out = vec![];
    let mut path = format!("/api/v1/registry/tech-contracts?page_size=500{filter}");
    loop {
        let (st, v) = api.get(&path).await;
        assert_eq!(st, 200, "{v}");
        out.extend(ids_of(&v));
        match &v["next_after"] {
            Value::Null => return out,
            after => path = format!("/api/v1/registry/tech-contracts?page_size=500{filter}&after={after}"),
        }
    }
}

/// Pages by number come from kept ids (a filter's first 200) and kept
/// anchors (every 1,000th id, for deeper pages): they must be exactly the
/// pages the cursor walks, before and after writes that move the anchors —
/// records added, archived and edited out of a filter.
async fn pages_by_number_match_the_cursor_after_every_write(s: Server) {
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let ids = import_tech_contracts(
        &sys,
        (0..1_250).map(|n| {
            tech_contract(
                &format!("PG-{n:05}"),
                &format!("分页合同{n}"),
                if n % 10 == 0 { b.org_b } else { b.org_a },
                "买方",
            )
        }),
        "page-test",
    )
    .await;
    let pw = user(&s.app, "rev", Role::Reviewer, None).await;
    let api = Api::login(&s.base, "rev", &pw).await;
    let seller_a = format!("&seller_org_id={}", b.org_a);
    let check = |all: Vec<i64>, filter: String| {
        let api = &api;
        async move {
            // Pages 10-12 of 20 cross position 200 (the end of a filter's
            // kept ids), pages 50-52 position 1,000 (the first anchor).
            for page in [3usize, 10, 11, 12, 50, 51, 52, 55, 57, 64] {
                let (st, v) = api
                    .get(&format!(
                        "/api/v1/registry/tech-contracts?page_size=20&page={page}{filter}"
                    ))
                    .await;
                assert_eq!(st, 200, "{v}");
                let want = &all[((page - 1) * 20).min(all.len())..(page * 20).min(all.len())];
                assert_eq!(ids_of(&v), want, "page {page}{filter}");
                assert_eq!(v["total"], all.len(), "{filter}");
            }
        }
    };
    let all = all_ids(&api, "").await;
    assert_eq!(all.len(), 1_250);
    let anchor_before = all[1_000];
    check(all, String::new()).await;
    let in_a = all_ids(&api, &seller_a).await;
    assert_eq!(in_a.len(), 1_125);
    let filtered_anchor_before = in_a[1_000];
    check(in_a, seller_a.clone()).await;

    // Two new records and one archived among the first thousand: every
    // anchor moves by one position.
    for n in 0..2 {
        sys.create(
            Kind::TechContract,
            &tech_contract(&format!("PG-NEW-{n}"), "新合同", b.org_a, "买方"),
        )
        .await
        .expect("contract");
    }
    sys.set_archived(Kind::TechContract, ids[1_201], true)
        .await
        .expect("archive");
    let all = all_ids(&api, "").await;
    assert_eq!(all.len(), 1_251);
    assert_ne!(all[1_000], anchor_before, "the anchor's record moved");
    check(all, String::new()).await;
    let in_a = all_ids(&api, &seller_a).await;
    assert_eq!(in_a.len(), 1_126);
    assert_ne!(in_a[1_000], filtered_anchor_before, "the filter's anchor moved");
    let filtered_anchor_before = in_a[1_000];
    check(in_a, seller_a.clone()).await;
    // A record edited out of the filter leaves its pages.
    sys.update(
        Kind::TechContract,
        ids[1_249],
        &tech_contract("PG-01249", "分页合同1249", b.org_b, "买方"),
        None,
    )
    .await
    .expect("edit");
    let in_a = all_ids(&api, &seller_a).await;
    assert_eq!(in_a.len(), 1_125);
    assert!(!in_a.contains(&ids[1_249]));
    assert_ne!(in_a[1_000], filtered_anchor_before, "the filter's anchor moved back");
    check(in_a, seller_a).await;
}
on_both!(pages_by_number_match_the_cursor_after_every_write);

/// Every answer the list caches give (kept counts, keyword ids, first ids)
/// equals the uncached answer after writes — writes by this process and by a
/// second one on the same database.
#[allow(clippy::disallowed_methods)] // the store is tested directly, with scopes the policy grants
async fn kept_list_answers_match_uncached_ones_after_writes_by_any_process(s: Server) {
    use kean_core::Actor;
    use kean_core::policy::{Action, authorize};
    use kean_store::{ArchivedFilter, ListQuery, RegistryRead, SqlStore};

    let b = basics(&s.app).await;
    let here = s.app.system_access("test");
    let other_app = kean_app::App::open(&s.url, std::sync::Arc::new(kean_app::SystemClock))
        .await
        .expect("a second process");
    let there = other_app.system_access("other");
    let cached = SqlStore::connect(&s.url).await.expect("cached store");
    let mut fresh = SqlStore::connect(&s.url).await.expect("uncached store");
    fresh.set_list_cache(false);
    let everything = |k| authorize(&Actor::system("t"), Action::Read, Some(k)).expect("scope");
    let liaison = Actor::authenticated(
        99,
        "l".into(),
        "l".into(),
        Role::Liaison,
        Some(b.org_a),
        kean_core::confidentiality::Classification::Internal,
    );
    let own = |k| authorize(&liaison, Action::Read, Some(k)).expect("scope");

    let queries = |kind: Kind| -> Vec<ListQuery> {
        let q = |f: &dyn Fn(&mut ListQuery)| {
            let mut x = ListQuery {
                page: 1,
                page_size: 20,
                ..ListQuery::default()
            };
            f(&mut x);
            x
        };
        let mut v = vec![
            q(&|_| {}),
            q(&|x| x.keyword = Some("晋中".into())),
            q(&|x| x.keyword = Some("许可合同".into())),
            q(&|x| x.keyword = Some("甲科技".into())),
            q(&|x| x.archived = ArchivedFilter::All),
            q(&|x| x.archived = ArchivedFilter::Archived),
            q(&|x| x.owner_filters = vec![("district_id", kean_core::Value::Ref(b.district))]),
            q(&|x| {
                x.keyword = Some("合同".into());
                x.page = 2;
                x.page_size = 2;
            }),
        ];
        if kind == Kind::TechContract {
            v.push(q(&|x| {
                x.filters = vec![("contract_type", kean_core::Value::Text("licensing".into()))]
            }));
        }
        v
    };
    let compare = |when: &'static str| {
        let (cached, fresh) = (&cached, &fresh);
        async move {
            for kind in [Kind::Organization, Kind::TechContract] {
                for scope in [everything(kind), own(kind)] {
                    for query in queries(kind) {
                        // Twice: the second answer comes from what the first kept.
                        for _ in 0..2 {
                            let a = cached.list(kind, &query, scope).await.expect("cached list");
                            let f = fresh.list(kind, &query, scope).await.expect("fresh list");
                            let ids = |p: &kean_store::Page<kean_core::Record>| {
                                p.items
                                    .iter()
                                    .map(|r| (r.id, r.version, r.archived))
                                    .collect::<Vec<_>>()
                            };
                            assert_eq!(
                                (ids(&a), a.total, a.total_is_exact),
                                (ids(&f), f.total, f.total_is_exact),
                                "{when}: {kind:?} {query:?} {scope:?}"
                            );
                        }
                    }
                    assert_eq!(
                        cached.count(kind, scope).await.expect("count"),
                        fresh.count(kind, scope).await.expect("count"),
                        "{when}: count {kind:?} {scope:?}"
                    );
                }
            }
        }
    };
    let tech_contract = |no: &str, title: &str, seller: i64, kind: &str| {
        raw(&[
            ("contract_no", no),
            ("title", title),
            ("contract_type", kind),
            ("seller_org_id", &seller.to_string()),
            ("buyer_name", "内蒙古丰源农业有限公司"),
            ("buyer_country", "CN"),
            ("signed_on", "2025-06-01"),
            ("registered_on", "2025-06-10"),
            ("contract_value", "1000"),
            ("tech_value", "800"),
        ])
    };

    compare("before any write").await;
    let c1 = here
        .create(
            Kind::TechContract,
            &tech_contract("2025140700000001", "谷子技术许可合同", b.org_a, "licensing"),
        )
        .await
        .expect("contract 1");
    compare("after a write here").await;
    there
        .create(
            Kind::TechContract,
            &tech_contract("2025140700000002", "谷子技术开发合同", b.org_b, "development"),
        )
        .await
        .expect("contract 2");
    compare("after a write by another process").await;
    // The seller renamed (by the other process): its contracts are found by the new name.
    let fields = raw(&[
        ("name", "晋中丙许可科技有限公司"),
        ("credit_code", &crate::common::valid_code("91140702MA0K00001")),
        ("org_type", "enterprise"),
        ("district_id", &b.district.to_string()),
    ]);
    there
        .update(Kind::Organization, b.org_a, &fields, None)
        .await
        .expect("rename");
    compare("after a rename by another process").await;
    here.set_archived(Kind::TechContract, c1.id, true)
        .await
        .expect("archive");
    compare("after an archive here").await;
    there
        .set_archived(Kind::TechContract, c1.id, false)
        .await
        .expect("restore");
    compare("after a restore by another process").await;
}
on_both!(kept_list_answers_match_uncached_ones_after_writes_by_any_process);
