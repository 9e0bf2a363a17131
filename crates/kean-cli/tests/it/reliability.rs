//! Issue 11: kean probed as an attacker and as a failing machine would —
//! compressed uploads that unpack to hundreds of megabytes, staged uploads
//! filling the disk, login floods, inputs that once made a 500, a truncated
//! audit log, and the smaller findings (caching, one-sided ranges, dropped
//! connections).

use crate::common::{Server, Web, basics, csrf_of, user};
use kean_core::Role;

#[path = "../../../kean-exchange/tests/common/bomb.rs"]
mod bomb;

/// Uploads a file on a registry's import page, as the browser's form does.
async fn upload(web: &Web, slug: &str, bytes: Vec<u8>, name: &'static str) -> (u16, String) {
    let (_, page) = web.get(&format!("/registry/{slug}/import")).await;
    let form = reqwest::multipart::Form::new()
        .text("_csrf", csrf_of(&page))
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name));
    let r = web
        .http
        .post(format!("{}/registry/{slug}/import", web.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// A liaison may import; a workbook of a few hundred kilobytes that unpacks
/// to 200 MB (one giant cell) or more (rows) is refused with a message
/// naming the limit, and nothing is imported.
async fn compressed_uploads_are_bounded_as_they_unpack(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "liaison", Role::Liaison, Some(b.org_a)).await;
    let web = Web::login(&s.base, "liaison", &pw).await;
    let cell = bomb::xlsx_bomb(bomb::Shape::GiantCell, 200 << 20, None);
    assert!(cell.len() < 1 << 20);
    let (status, html) = upload(&web, "platforms", cell, "bomb.xlsx").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("超过 1 MB"), "{html}");
    let rows = bomb::xlsx_bomb(bomb::Shape::ManyRows, 300 << 20, None);
    let (status, html) = upload(&web, "platforms", rows, "rows.xlsx").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("解压后超过 256 MB"), "{html}");
    let declared = bomb::xlsx_declaring_shared_strings(1 << 40);
    let (status, html) = upload(&web, "platforms", declared, "sst.xlsx").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("不同的文字超过 2000000 个"), "{html}");
    assert_eq!(
        s.app.system_access("t").count(kean_core::Kind::Platform).await.unwrap(),
        0
    );
}
on_both!(compressed_uploads_are_bounded_as_they_unpack);

/// A CSV cell longer than Excel allows (32,767 characters) once made the
/// error report fail with a 500; it is refused naming its line and column.
async fn an_overlong_csv_cell_is_refused_naming_it(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let web = Web::login(&s.base, "officer", &pw).await;
    let _ = b;
    let csv = format!(
        "平台名称,平台类型,级别,依托单位\n{},企业技术中心,市级,晋中甲科技有限公司\n",
        "长".repeat(32_768)
    );
    let (status, html) = upload(&web, "platforms", csv.into_bytes(), "long.csv").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("第 2 行 A 列的单元格超过 32767 个字符"), "{html}");
}
on_both!(an_overlong_csv_cell_is_refused_naming_it);

/// The staged uploads in the database: how many, and their bytes.
async fn staged(s: &Server) -> (i64, i64) {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.url).await.expect("connect");
    let row = sqlx::query("SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(content)), 0) AS bytes FROM pending_uploads")
        .fetch_one(&pool)
        .await
        .expect("count uploads");
    (row.get::<i64, _>("n"), row.get::<i64, _>("bytes"))
}

/// Five 45 MB uploads once added 226 MB to the database. A new upload for
/// a registry replaces the user's earlier one for it (its check cannot be
/// confirmed any more), and a user's staged uploads may hold 100 MB: the
/// next one is refused with 413 `quota_exceeded`, nothing of it kept.
async fn staged_uploads_have_a_quota(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "liaison", Role::Liaison, Some(b.org_a)).await;
    let web = Web::login(&s.base, "liaison", &pw).await;
    // Not a spreadsheet: refused on the check, but staged all the same.
    let junk = |n: u8| {
        let mut v = vec![0u8; 45 << 20];
        v[0] = n;
        v
    };
    for i in 0..3 {
        let (status, html) = upload(&web, "platforms", junk(i), "junk.bin").await;
        assert_eq!(status, 422, "{html}");
    }
    assert_eq!(
        staged(&s).await,
        (1, 45 << 20),
        "one staged upload per registry and user"
    );
    let (status, html) = upload(&web, "achievements", junk(9), "junk.bin").await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(staged(&s).await, (2, 90 << 20));
    let (status, html) = upload(&web, "tech-contracts", junk(10), "junk.bin").await;
    assert_eq!(status, 413, "{html}");
    assert!(html.contains("100 MB"), "{html}");
    assert_eq!(staged(&s).await, (2, 90 << 20), "the refused upload is not kept");
    // Another user has a quota of their own.
    let pw2 = user(&s.app, "officer", Role::Reviewer, None).await;
    let officer = Web::login(&s.base, "officer", &pw2).await;
    let (status, html) = upload(&officer, "tech-contracts", junk(11), "junk.bin").await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(staged(&s).await, (3, 135 << 20));
}
on_both!(staged_uploads_have_a_quota);

/// A client whose connections come from `ip` (any 127.x.y.z reaches the
/// server on 127.0.0.1): a second machine for the login tests.
fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Asks the token endpoint; the status and the body as text.
async fn token(s: &Server, c: &reqwest::Client, name: &str, pw: &str) -> (u16, String) {
    let r = c
        .post(format!("{}/api/v1/auth/token", s.base))
        .json(&serde_json::json!({ "username": name, "password": pw }))
        .send()
        .await
        .expect("token request");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// The login form; the status and the error shown.
async fn form_login(s: &Server, c: &reqwest::Client, name: &str, pw: &str) -> (u16, String) {
    let r = crate::common::post_login_form(c, &s.base, name, pw).await;
    let status = r.status().as_u16();
    let html = r.text().await.expect("html");
    let error = html
        .split("class=\"flash err\" role=\"alert\">")
        .nth(1)
        .and_then(|e| e.split('<').next())
        .unwrap_or("")
        .to_string();
    (status, error)
}

/// The seconds a 429 asks to wait ("… try again in N seconds").
fn wait_of(body: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(v["error"]["code"], "too_many_attempts", "{v}");
    let msg = v["error"]["message"].as_str().unwrap_or("");
    msg.split("try again in ")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no wait in {msg}"))
}

/// An unknown username, a wrong password and a disabled account get the
/// same answer — status and body — on the token endpoint and the login
/// page, after the same work; only the right password of a disabled
/// account learns that it is disabled.
async fn failed_logins_answer_alike(s: Server) {
    let pw = user(&s.app, "clerk", Role::Reviewer, None).await;
    let pw_gone = user(&s.app, "gone", Role::Reviewer, None).await;
    let sys = s.app.system_access("t");
    let gone = sys.user_named("gone").await.unwrap();
    sys.change_user(gone.id, kean_app::UserAction::SetDisabled(true))
        .await
        .unwrap();
    let c = client_from([127, 0, 0, 3]);
    let mut answers = vec![];
    let mut times = vec![];
    for name in ["nobody", "clerk", "gone"] {
        let t = std::time::Instant::now();
        answers.push(token(&s, &c, name, "Wrong-passw0rd").await);
        times.push(t.elapsed());
    }
    assert_eq!(answers[0].0, 401, "{answers:?}");
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    // Each of them runs one argon2 verification (a dummy hash for the
    // unknown name); the times are shown, not asserted: under a loaded
    // test run they vary more than between the three.
    eprintln!("unknown, wrong password, disabled: {times:?}");
    let web = client_from([127, 0, 0, 4]);
    let mut pages = vec![];
    for name in ["nobody", "clerk", "gone"] {
        pages.push(form_login(&s, &web, name, "Wrong-passw0rd").await);
    }
    assert_eq!(pages[0].0, 401, "{pages:?}");
    assert!(!pages[0].1.is_empty(), "{pages:?}");
    assert!(pages.iter().all(|p| *p == pages[0]), "{pages:?}");
    let (st, body) = token(&s, &c, "gone", &pw_gone).await;
    assert_eq!(st, 401);
    assert!(body.contains("disabled"), "{body}");
    assert_eq!(token(&s, &c, "clerk", &pw).await.0, 201);
}
on_both!(failed_logins_answer_alike);

/// Failures back off instead of locking: an address that keeps failing
/// waits twice as long each time, and its right password works once the
/// wait is over; the officer, from the address they logged in from
/// before, is never held back by another's failures, and from a new
/// address waits at most a minute.
async fn failed_logins_back_off_per_account_and_address(s: Server) {
    let pw = user(&s.app, "clerk", Role::Reviewer, None).await;
    let officer = client_from([127, 0, 0, 1]);
    let attacker = client_from([127, 0, 0, 2]);
    assert_eq!(
        token(&s, &officer, "clerk", &pw).await.0,
        201,
        "the officer's usual address"
    );
    // Two free failures, the third starts a wait of 2 s.
    for _ in 0..3 {
        assert_eq!(token(&s, &attacker, "clerk", "Wrong-passw0rd").await.0, 401);
    }
    let (st, body) = token(&s, &attacker, "clerk", &pw).await;
    assert_eq!(st, 429, "{body}");
    assert_eq!(wait_of(&body), 2, "{body}");
    s.clock.advance(std::time::Duration::from_secs(2));
    assert_eq!(
        token(&s, &attacker, "clerk", &pw).await.0,
        201,
        "the right password after the wait"
    );
    // The attacker keeps failing, waiting each wait out: the waits double.
    let mut waits = vec![];
    let mut failures = 0;
    while failures < 16 {
        let (st, body) = token(&s, &attacker, "clerk", "Wrong-passw0rd").await;
        if st == 429 {
            let w = wait_of(&body);
            waits.push(w);
            s.clock.advance(std::time::Duration::from_secs(w));
        } else {
            assert_eq!(st, 401, "{body}");
            failures += 1;
        }
    }
    assert!(waits.windows(2).all(|w| w[1] >= w[0]), "{waits:?}");
    assert!(waits.iter().any(|w| *w >= 64), "{waits:?}");
    let (st, body) = token(&s, &attacker, "clerk", &pw).await;
    assert_eq!(st, 429, "{body}");
    // The officer's address is not held back at all.
    assert_eq!(token(&s, &officer, "clerk", &pw).await.0, 201);
    // A new address waits out the account's backoff, a minute at most.
    let (st, body) = token(&s, &client_from([127, 0, 0, 5]), "clerk", &pw).await;
    assert_eq!(st, 429, "{body}");
    let w = wait_of(&body);
    assert!(w <= 60, "{body}");
    s.clock.advance(std::time::Duration::from_secs(w));
    assert_eq!(token(&s, &client_from([127, 0, 0, 5]), "clerk", &pw).await.0, 201);
    // The page login backs off alike.
    let (st, msg) = form_login(&s, &attacker, "clerk", &pw).await;
    assert_eq!(st, 429, "{msg}");
}
on_both!(failed_logins_back_off_per_account_and_address);

/// Fifty failed logins for unknown names from one address once wrote
/// fifty audit records; now the first is recorded at once and the rest of
/// the 15-minute window as one `login_failures` record counting them.
async fn failed_logins_are_audited_per_address_and_window(s: Server) {
    let c = client_from([127, 0, 0, 6]);
    for i in 0..50 {
        let (st, body) = token(&s, &c, &format!("nobody{i}"), "Wrong-passw0rd").await;
        assert!(st == 401 || st == 429, "{st} {body}");
    }
    let sys = s.app.system_access("t");
    let of = |action: &'static str| {
        let sys = &sys;
        async move {
            sys.audit_page(1, 500)
                .await
                .unwrap()
                .items
                .into_iter()
                .filter(|e| e.draft.action == action)
                .collect::<Vec<_>>()
        }
    };
    let first = of("login_failed").await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].draft.actor, "unknown:nobody0");
    assert!(of("login_failures").await.is_empty());
    s.clock.advance(std::time::Duration::from_secs(15 * 60));
    // The next login (of anyone) records the window that ended.
    let (st, _) = token(&s, &client_from([127, 0, 0, 7]), "someone", "Wrong-passw0rd").await;
    assert_eq!(st, 401);
    let summary = of("login_failures").await;
    assert_eq!(summary.len(), 1, "{summary:?}");
    let after = summary[0].draft.after.clone().unwrap();
    assert_eq!(after["source"], "127.0.0.6", "{after}");
    assert_eq!(
        after["failures"].as_u64().unwrap() + after["refused"].as_u64().unwrap(),
        49,
        "{after}"
    );
    assert!(after["refused"].as_u64().unwrap() > 0, "{after}");
}
on_both!(failed_logins_are_audited_per_address_and_window);

/// A second revenue report for one organization and year, or an update
/// moving one onto a year already reported, answered 500: now 409 naming
/// both fields of the combination.
async fn duplicate_revenue_reports_are_conflicts(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let api = crate::common::Api::login(&s.base, "officer", &pw).await;
    let report = |year: &str| serde_json::json!({ "org_id": b.org_a, "year": year, "revenue": "1000.00" });
    let (st, first) = api.post("/api/v1/registry/revenue-reports", report("2024")).await;
    assert_eq!(st, 201, "{first}");
    let (st, e) = api.post("/api/v1/registry/revenue-reports", report("2024")).await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("conflict")), "{e}");
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["org_id", "year"], "{e}");
    let (st, second) = api.post("/api/v1/registry/revenue-reports", report("2023")).await;
    assert_eq!(st, 201, "{second}");
    let mut moved = second["fields"].clone();
    moved["year"] = serde_json::json!("2024");
    moved["_version"] = second["version"].clone();
    let (st, e) = api
        .put(&format!("/api/v1/registry/revenue-reports/{}", second["id"]), moved)
        .await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("conflict")), "{e}");
    assert_eq!(e["error"]["fields"][1]["field"], "year", "{e}");
}
on_both!(duplicate_revenue_reports_are_conflicts);

/// A NUL (or another control character) in any text is refused as
/// invalid input naming its field — on PostgreSQL it was a 500 —, on the
/// API, in forms, in imports, in searches and on the unauthenticated token
/// endpoint.
async fn control_characters_are_invalid_input(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let api = crate::common::Api::login(&s.base, "officer", &pw).await;
    // A long text (the note) keeps tabs and line breaks, nothing else.
    let report =
        |note: &str| serde_json::json!({ "org_id": b.org_a, "year": "2024", "revenue": "1000.00", "note": note });
    let (st, e) = api.post("/api/v1/registry/revenue-reports", report("a\u{0}b")).await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("note")),
        "{e}"
    );
    let (st, e) = api.post("/api/v1/registry/revenue-reports", report("a\u{7}b")).await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("note")),
        "{e}"
    );
    let (st, e) = api
        .post("/api/v1/registry/revenue-reports", report("line\n\tnext"))
        .await;
    assert_eq!(st, 201, "{e}");
    // The token endpoint, before anyone is known.
    let r = api
        .http
        .post(format!("{}/api/v1/auth/token", s.base))
        .json(&serde_json::json!({ "username": "offi\u{0}cer", "password": "x" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["error"]["fields"][0]["field"], "username", "{e}");
    // A search and a filter.
    let (st, e) = api.get("/api/v1/registry/organizations?q=%E7%94%B2%00").await;
    assert_eq!((st, e["error"]["fields"][0]["field"].as_str()), (400, Some("q")), "{e}");
    let (st, e) = api.get("/api/v1/registry/organizations?name=a%00").await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (400, Some("name")),
        "{e}"
    );
    // A form.
    let web = Web::login(&s.base, "officer", &pw).await;
    let (_, page) = web.get("/registry/platforms/new").await;
    let org = b.org_a.to_string();
    let (st, html, _) = web
        .post(
            "/registry/platforms",
            &[
                ("_csrf", &csrf_of(&page)),
                ("name", "平台\u{0}"),
                ("platform_type", "enterprise_center"),
                ("level", "city"),
                ("org_id", &org),
            ],
        )
        .await;
    assert_eq!(st, 422, "{html}");
    assert!(html.contains("控制字符"), "{html}");
    // A user's display name.
    let sys = s.app.system_access("t");
    let e = sys
        .create_user("nul", "名\u{0}字", Role::Reviewer, None, "Passw0rd2025")
        .await
        .unwrap_err();
    assert_eq!(e.fields[0].field, "display_name", "{e}");
}
on_both!(control_characters_are_invalid_input);

/// Bodies over the limit answer 413 `payload_too_large`, not 400.
async fn oversized_bodies_are_413(s: Server) {
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let api = crate::common::Api::login(&s.base, "officer", &pw).await;
    let big = serde_json::json!({ "name": "x".repeat(3 << 20) });
    let (st, e) = api.post("/api/v1/registry/platforms", big).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (413, Some("payload_too_large")),
        "{e}"
    );
    let web = Web::login(&s.base, "officer", &pw).await;
    let (_, page) = web.get("/registry/platforms/new").await;
    let long = "x".repeat(3 << 20);
    let (st, html, _) = web
        .post("/registry/platforms", &[("_csrf", &csrf_of(&page)), ("name", &long)])
        .await;
    assert_eq!(st, 413, "{html}");
    let (st, html) = upload(&web, "platforms", vec![b'a'; 52 << 20], "big.csv").await;
    assert_eq!(st, 413, "{html}");
}
on_both!(oversized_bodies_are_413);

fn kean(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
        .env("LC_ALL", "C.UTF-8")
        .args(args)
        .output()
        .expect("run kean")
}

/// `kean audit verify` without an anchor printed "intact" for a log whose
/// last record, last hundred or every record had been deleted, although the
/// chain head still named the last sequence number and hash. It compares
/// the walk's end with the head.
async fn audit_verify_compares_with_the_chain_head(s: Server) {
    let sys = s.app.system_access("t");
    let rows: Vec<kean_app::ImportRow> = (0..150)
        .map(|i| kean_app::ImportRow {
            line: i + 2,
            values: [("code", format!("{:06}", 140000 + i)), ("name", format!("区{i}"))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        })
        .collect();
    let source = kean_app::ImportSource {
        file_name: "districts.csv".into(),
        content_hash: "00".repeat(32),
        force: false,
        dry_run: false,
        progress: None,
    };
    sys.import(kean_core::Kind::District, &rows, &source).await.unwrap();
    let out = kean(&["audit", "verify", "--database-url", &s.url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&s.url).await.expect("connect");
    for (cut, left) in [
        ("seq = (SELECT MAX(seq) FROM audit_log)", "records after"),
        ("seq > (SELECT MAX(seq) - 100 FROM audit_log)", "records after"),
        ("1 = 1", "records after 0"),
    ] {
        // A subquery on the table deleted from: PostgreSQL and SQLite both take it.
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM audit_log WHERE {cut}")))
            .execute(&pool)
            .await
            .unwrap();
        let out = kean(&["audit", "verify", "--database-url", &s.url]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{cut}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(err.contains(left) && err.contains("chain head"), "{cut}: {err}");
    }
}
on_both!(audit_verify_compares_with_the_chain_head);

/// Authenticated pages, API answers and exports are not kept by caches
/// (`Cache-Control: no-store`); the static files are.
async fn authenticated_answers_are_not_cached(s: Server) {
    let pw = user(&s.app, "officer", Role::Admin, None).await;
    let web = Web::login(&s.base, "officer", &pw).await;
    let api = crate::common::Api::login(&s.base, "officer", &pw).await;
    let cache = |r: &reqwest::Response| {
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let aud_pw = user(&s.app, "aud", Role::Auditor, None).await;
    let auditor = Web::login(&s.base, "aud", &aud_pw).await;
    for (web, path) in [
        (&web, "/"),
        (&web, "/registry/platforms"),
        (&web, "/registry/platforms/export.csv"),
        (&web, "/registry/platforms/export.xlsx"),
        (&web, "/statistics/export.xlsx"),
        (&auditor, "/system/audit"),
    ] {
        let r = web.http.get(format!("{}{path}", s.base)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(cache(&r), "no-store", "{path}");
    }
    let r = api
        .http
        .get(format!("{}/api/v1/me", s.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(cache(&r), "no-store");
    let r = web.http.get(format!("{}/static/app.css", s.base)).send().await.unwrap();
    assert!(cache(&r).starts_with("public"), "{}", cache(&r));
}
on_both!(authenticated_answers_are_not_cached);

/// A one-sided range means "from X" (until today) or "until Y" (from the
/// beginning); it was silently swapped with the default year's other end.
async fn one_sided_dashboard_ranges_are_honoured(s: Server) {
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;
    let api = crate::common::Api::login(&s.base, "officer", &pw).await;
    let today = s.app.system_access("t").today().to_string();
    let (st, d) = api.get("/api/v1/statistics/dashboard?from=2026-01-01").await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("2026-01-01"), Some(today.as_str()))
    );
    let (st, d) = api.get("/api/v1/statistics/dashboard?to=2024-06-30").await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("1900-01-01"), Some("2024-06-30"))
    );
    // The page says the same, without a notice of a swap.
    let web = Web::login(&s.base, "officer", &pw).await;
    let (st, html) = web.get("/?from=2026-01-01").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("value=\"2026-01-01\"") && html.contains(&format!("value=\"{today}\"")),
        "{html}"
    );
    assert!(!html.contains("已对调"), "{html}");
}
on_both!(one_sided_dashboard_ranges_are_honoured);

/// After a 401 to a POST with a body, the connection stays usable: the
/// body is read (and dropped) before the answer, so keep-alive holds.
async fn a_refused_post_keeps_the_connection(s: Server) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = format!("{{\"name\": \"{}\"}}", "x".repeat(256 * 1024));
    for round in 0..3 {
        let req = format!(
            "POST /api/v1/registry/platforms HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        conn.write_all(req.as_bytes()).await.unwrap();
        // The server may answer before the body is sent; send it anyway,
        // as clients do.
        let (mut rd, mut wr) = conn.split();
        let send = async {
            let _ = wr.write_all(body.as_bytes()).await;
        };
        let read = async {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = tokio::time::timeout(std::time::Duration::from_secs(10), rd.read(&mut buf))
                    .await
                    .expect("an answer in time")
                    .unwrap_or(0);
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            String::from_utf8_lossy(&got).to_string()
        };
        let ((), answer) = tokio::join!(send, read);
        assert!(answer.starts_with("HTTP/1.1 401"), "round {round}: {answer:?}");
        assert!(
            !answer.to_ascii_lowercase().contains("connection: close"),
            "round {round}: {answer}"
        );
    }
}
on_both!(a_refused_post_keeps_the_connection);

/// All users' staged uploads together have a cap too (here set small, on a
/// second App over the same database).
async fn staged_uploads_have_a_global_cap(s: Server) {
    let b = basics(&s.app).await;
    let settings = kean_app::Settings {
        upload_quota: kean_store::UploadQuota {
            per_user: 10 << 20,
            total: 3 << 20,
        },
        ..s.app.settings().clone()
    };
    let small = s.app.clone().with_settings(settings);
    let one = crate::common::access_as(&small, "one", Role::Liaison, Some(b.org_a)).await;
    let two = crate::common::access_as(&small, "two", Role::Liaison, Some(b.org_a)).await;
    let mb = |n: usize| vec![b'x'; n << 20];
    one.stage_upload(kean_core::Kind::Platform, "a.csv", &mb(2))
        .await
        .unwrap();
    let e = two
        .stage_upload(kean_core::Kind::Platform, "b.csv", &mb(2))
        .await
        .unwrap_err();
    assert_eq!(
        (e.code, e.code.http_status()),
        (kean_core::ErrorCode::QuotaExceeded, 413)
    );
    assert!(
        e.message_en.contains("all users") && e.message_en.contains("3 MB"),
        "{e}"
    );
    // The first user replacing their own upload stays within the cap.
    one.stage_upload(kean_core::Kind::Platform, "a2.csv", &mb(2))
        .await
        .unwrap();
    assert_eq!(staged(&s).await, (1, 2 << 20));
}
on_both!(staged_uploads_have_a_global_cap);

/// Issue 11, item 8: the API answers in the shapes its own document gives.
/// A record's empty optional fields come back null, and the document types
/// them as nullable; its enumerations hold the values answered; an id of 0
/// and an unknown country code are outside the document's parameters (ids
/// start at 1, countries are the ones kean knows) and their refusals are
/// documented statuses with the error body.
async fn the_api_answers_in_the_shapes_its_document_gives(s: Server) {
    use serde_json::Value;
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Admin, None).await;
    let api = crate::common::Api::login(&s.base, "officer", &pw).await;
    let (status, doc) = api.get("/api/openapi.json").await;
    assert_eq!(status, 200);
    let schemas = &doc["components"]["schemas"];

    let (status, org) = api.get(&format!("/api/v1/registry/organizations/{}", b.org_a)).await;
    assert_eq!(status, 200, "{org}");
    assert!(
        schemas["Organization"]["properties"]["kind"]["enum"]
            .as_array()
            .unwrap()
            .contains(&org["kind"])
    );
    let props = &schemas["OrganizationFields"]["properties"];
    let mut nulls = 0;
    for (name, value) in org["fields"].as_object().unwrap() {
        let schema = &props[name];
        assert!(schema.is_object(), "{name} is not in the document");
        if value.is_null() {
            nulls += 1;
            assert!(
                schema["type"]
                    .as_array()
                    .is_some_and(|t| t.contains(&Value::from("null"))),
                "{name} is null but typed {}",
                schema["type"]
            );
        }
        if let Some(values) = schema["enum"].as_array() {
            assert!(values.contains(value), "{name} = {value} is not in {}", schema["enum"]);
        }
    }
    assert!(nulls > 0, "the organization has empty optional fields: {org}");

    let item = &doc["paths"]["/api/v1/registry/organizations/{id}"]["get"];
    assert_eq!(item["parameters"][0]["schema"]["minimum"], 1);
    let (status, body) = api.get("/api/v1/registry/organizations/0").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "bad_request");
    assert_eq!(
        item["responses"]["400"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );

    let list = &doc["paths"]["/api/v1/registry/tech-contracts"]["get"];
    let country = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "buyer_country")
        .expect("buyer_country is a parameter");
    let countries = country["schema"]["enum"].as_array().unwrap();
    assert!(countries.contains(&Value::from("US")) && !countries.contains(&Value::from("AA")));
    let (status, _) = api.get("/api/v1/registry/tech-contracts?buyer_country=US").await;
    assert_eq!(status, 200);
    let (status, body) = api.get("/api/v1/registry/tech-contracts?buyer_country=AA").await;
    assert!(list["responses"][status.to_string()].is_object(), "{status} {body}");
    assert!(status < 500, "{status} {body}");
}
on_both!(the_api_answers_in_the_shapes_its_document_gives);
