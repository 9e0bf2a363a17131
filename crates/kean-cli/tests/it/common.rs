//! The test harness: every test boots the real server (the same router
//! `kean serve` runs) on a free port over a fresh database — a new SQLite
//! file, or a new PostgreSQL database when KEAN_TEST_POSTGRES_URL is set —
//! and talks to it over HTTP like any client.

use std::collections::BTreeMap;
use std::sync::Arc;

use kean_app::{App, TestClock};
use kean_core::{Kind, Role};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub base: String,
    pub app: App,
    /// The server's clock: real time until a test moves it forward.
    pub clock: Arc<TestClock>,
    /// The database's URL (for a second process on the same database).
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The PostgreSQL database made for this test, dropped when the test
    /// passes (a failed test leaves it for inspection).
    pub postgres: Option<FreshDatabase>,
}

#[derive(Clone)]
pub struct FreshDatabase {
    admin_url: String,
    name: String,
}

impl FreshDatabase {
    pub async fn drop_database(self) {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&self.admin_url)
            .await
            .expect("connect to KEAN_TEST_POSTGRES_URL");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut conn)
        .await
        .expect("drop the test database");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Runs a test body on the given backend; on PostgreSQL without
/// KEAN_TEST_POSTGRES_URL it is skipped (and fails when
/// KEAN_REQUIRE_POSTGRES=1, as in CI).
pub async fn start(backend: Backend) -> Option<Server> {
    // The servers' errors (an internal error's cause) go to the test's
    // output, shown when the test fails.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
        .try_init();
    let (url, dir, postgres) = fresh_database(backend).await?;
    Some(serve(url, dir, postgres).await)
}

/// Like [`start`], with the server's settings as kean serve's defaults
/// (the mandatory second factor on): the account-security tests.
pub async fn start_strict(backend: Backend) -> Option<Server> {
    let (url, dir, postgres) = fresh_database(backend).await?;
    Some(serve_with(url, dir, postgres, kean_app::Settings::default()).await)
}

/// A new, empty database of `backend`: its URL, the directory holding a
/// SQLite file, the PostgreSQL database to drop. `None` when PostgreSQL is
/// not configured (see [`start`]).
pub async fn fresh_database(backend: Backend) -> Option<(String, Option<tempfile::TempDir>, Option<FreshDatabase>)> {
    Some(match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (
                format!("sqlite://{}", dir.path().join("kean.db").display()),
                Some(dir),
                None,
            )
        }
        Backend::Postgres => {
            let Ok(admin_url) = std::env::var("KEAN_TEST_POSTGRES_URL") else {
                assert!(
                    std::env::var("KEAN_REQUIRE_POSTGRES").is_err(),
                    "KEAN_REQUIRE_POSTGRES is set but KEAN_TEST_POSTGRES_URL is not"
                );
                eprintln!("skipped: set KEAN_TEST_POSTGRES_URL to run this test on PostgreSQL");
                return None;
            };
            let (url, fresh) = fresh_postgres(&admin_url).await;
            (url, None, Some(fresh))
        }
    })
}

/// Boots the server over the database at `url` (migrating it first). The
/// mandatory second factor of administrators and auditors is off: the
/// tests of other capabilities log them in with a password only
/// (`account.rs` tests the mandate, through [`start_strict`]).
pub async fn serve(url: String, dir: Option<tempfile::TempDir>, postgres: Option<FreshDatabase>) -> Server {
    let settings = kean_app::Settings {
        second_factor_mandatory: false,
        ..kean_app::Settings::default()
    };
    serve_with(url, dir, postgres, settings).await
}

pub async fn serve_with(
    url: String,
    dir: Option<tempfile::TempDir>,
    postgres: Option<FreshDatabase>,
    settings: kean_app::Settings,
) -> Server {
    let clock = Arc::new(TestClock::default());
    let app = App::open(&url, clock.clone())
        .await
        .expect("open database")
        .with_settings(settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = app.clone();
    tokio::spawn(async move {
        let _ = kean_web::serve(served, listener, async {
            let _ = rx.await;
        })
        .await;
    });
    Server {
        base,
        app,
        clock,
        url,
        _dir: dir,
        stop: Some(tx),
        postgres,
    }
}

async fn fresh_postgres(admin_url: &str) -> (String, FreshDatabase) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(admin_url)
        .await
        .expect("connect to KEAN_TEST_POSTGRES_URL");
    let name = format!("kean_test_{}", &kean_app::random_token().expect("random")[..16]);
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    let (head, _) = admin_url.rsplit_once('/').expect("URL ends with /DATABASE");
    let query = admin_url
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    let fresh = FreshDatabase {
        admin_url: admin_url.to_string(),
        name: name.clone(),
    };
    (format!("{head}/{name}{query}"), fresh)
}

/// Generates a test on both backends.
#[macro_export]
macro_rules! on_both {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(s) = $crate::common::start($crate::common::Backend::Sqlite).await {
                    super::$name(s).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(s) = $crate::common::start($crate::common::Backend::Postgres).await {
                    let fresh = s.postgres.clone();
                    super::$name(s).await;
                    if let Some(fresh) = fresh {
                        fresh.drop_database().await;
                    }
                }
            }
        }
    };
}

pub fn raw(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Reference data and two organizations, written through the gate as the
/// system actor.
pub struct Basics {
    pub district: i64,
    pub chain: i64,
    pub org_a: i64,
    pub org_b: i64,
}

pub fn valid_code(first17: &str) -> String {
    format!(
        "{first17}{}",
        kean_core::codes::uscc_check_char(first17).expect("17 chars")
    )
}

pub async fn basics(app: &App) -> Basics {
    let a = app.system_access("test");
    let district = a
        .create(Kind::District, &raw(&[("code", "140702"), ("name", "榆次区")]))
        .await
        .expect("district")
        .id;
    let chain = a
        .create(Kind::IndustryChain, &raw(&[("code", "NM"), ("name", "新材料")]))
        .await
        .expect("chain")
        .id;
    let d = district.to_string();
    let org_a = a
        .create(
            Kind::Organization,
            &raw(&[
                ("name", "晋中甲科技有限公司"),
                ("credit_code", &valid_code("91140702MA0K00001")),
                ("org_type", "enterprise"),
                ("district_id", &d),
            ]),
        )
        .await
        .expect("org a")
        .id;
    let org_b = a
        .create(
            Kind::Organization,
            &raw(&[
                ("name", "晋中乙材料有限公司"),
                ("credit_code", &valid_code("91140781MA0K00002")),
                ("org_type", "enterprise"),
                ("district_id", &d),
            ]),
        )
        .await
        .expect("org b")
        .id;
    Basics {
        district,
        chain,
        org_a,
        org_b,
    }
}

pub async fn user(app: &App, username: &str, role: Role, org: Option<i64>) -> String {
    let pw = "Passw0rd2025".to_string();
    app.system_access("test")
        .create_user(username, username, role, org, &pw)
        .await
        .expect("create user");
    pw
}

/// The gate for a new user of `role`, obtained the only way a person gets
/// one: a login, then the session's authentication.
pub async fn access_as(app: &App, username: &str, role: Role, org: Option<i64>) -> kean_app::Access {
    let pw = user(app, username, role, org).await;
    let ok = app
        .login(
            username,
            &pw,
            kean_app::SessionKind::Api,
            std::net::Ipv4Addr::LOCALHOST.into(),
        )
        .await
        .expect("login");
    app.authenticate(&ok.token, kean_app::SessionKind::Api)
        .await
        .expect("authenticate")
        .0
}

/// The audit log's newest `page_size` records as the security auditor
/// reads them through the API (an auditor account is made the first time).
pub async fn audit_log(s: &Server, page_size: u32) -> Value {
    let name = "audit_reader";
    if s.app.system_access("test").user_named(name).await.is_err() {
        user(&s.app, name, Role::Auditor, None).await;
    }
    let api = Api::login(&s.base, name, "Passw0rd2025").await;
    let (st, log) = api.get(&format!("/api/v1/audit?page_size={page_size}")).await;
    assert_eq!(st, 200, "{log}");
    log
}

/// A JSON API client holding a bearer token.
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn login(base: &str, username: &str, password: &str) -> Api {
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{base}/api/v1/auth/token"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("token request");
        assert_eq!(r.status(), 201, "login of {username} failed");
        let v: Value = r.json().await.expect("json");
        Api {
            base: base.to_string(),
            token: v["token"].as_str().expect("token").to_string(),
            http,
        }
    }
    async fn send(&self, rb: reqwest::RequestBuilder) -> (u16, Value) {
        let r = rb.bearer_auth(&self.token).send().await.expect("request");
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }
    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.http.delete(format!("{}{path}", self.base))).await
    }
    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.http.put(format!("{}{path}", self.base)).json(&body))
            .await
    }
}

/// A browser-like client with a cookie jar, logged in through the form.
pub struct Web {
    pub base: String,
    pub http: reqwest::Client,
}

pub fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"_csrf\" value=\"").expect("page has a CSRF field") + 20;
    html[i..i + html[i..].find('"').expect("closing quote")].to_string()
}

/// Fills in and posts the login form with `http` (its pre-session CSRF
/// token taken from the page): the answer, unchecked.
pub async fn post_login_form(http: &reqwest::Client, base: &str, username: &str, password: &str) -> reqwest::Response {
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    http.post(format!("{base}/login"))
        .form(&[
            ("username", username),
            ("password", password),
            ("_csrf", &csrf_of(&page)),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("login post")
}

impl Web {
    pub async fn login(base: &str, username: &str, password: &str) -> Web {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let r = post_login_form(&http, base, username, password).await;
        assert_eq!(r.status(), 303, "form login of {username} failed");
        Web {
            base: base.to_string(),
            http,
        }
    }
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.expect("get");
        (r.status().as_u16(), r.text().await.expect("body"))
    }
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("post");
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        (r.status().as_u16(), r.text().await.expect("body"), loc)
    }
}

/// Takes every registry out of review (填报 → 审核): the tests of what a
/// liaison's direct writes may touch (scope, probes, imports) write
/// directly, as a bureau whose administrator set no registry to review.
pub async fn without_review(app: &App) {
    app.system_access("test")
        .set_review_kinds(&[])
        .await
        .expect("review setting");
}
