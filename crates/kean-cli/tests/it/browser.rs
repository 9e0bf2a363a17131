//! End to end in a real browser (Debian's chromium driven through
//! chromedriver's WebDriver protocol): log in, register an organization,
//! find it in the list; import a watch list, register a listed buyer and
//! dismiss the screening result with a reason. Skipped when chromedriver is missing unless
//! KEAN_REQUIRE_BROWSER=1 (as in CI).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Backend, basics, start, user, valid_code};
use kean_core::Role;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    session: String,
    http: reqwest::Client,
    profile: std::path::PathBuf,
}

impl Drop for Driver {
    /// Ends the WebDriver session first (which closes chromium: killing
    /// chromedriver alone would leave the browser running), then stops
    /// chromedriver and removes the browser profile.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        if let Some(rest) = self.session.strip_prefix("http://")
            && let Some((addr, path)) = rest.split_once('/')
            && let Ok(mut conn) = std::net::TcpStream::connect(addr)
        {
            let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = write!(
                conn,
                "DELETE /{path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = conn.read_to_end(&mut Vec::new());
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Driver {
    async fn start() -> Option<Driver> {
        let path = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists());
        let Some(path) = path else {
            assert!(
                std::env::var("KEAN_REQUIRE_BROWSER").is_err(),
                "KEAN_REQUIRE_BROWSER is set but chromedriver is not installed"
            );
            eprintln!("skipped: install chromium and chromium-driver to run the browser test");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http.get(format!("{base}/status")).send().await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--window-size=1400,1000", format!("--user-data-dir={}", profile.display())]}}}});
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        Some(Driver {
            child,
            session: format!("{base}/session/{id}"),
            http,
            profile,
        })
    }
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.session));
        if !body.is_null() {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        r.json::<Value>().await.unwrap()["value"].clone()
    }
    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({"url": url})).await;
    }
    async fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let v = self
                .cmd(
                    reqwest::Method::POST,
                    "/element",
                    json!({"using": "css selector", "value": css}),
                )
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(Instant::now() < deadline, "no element {css}: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    async fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/clear"), json!({}))
            .await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            json!({"text": text}),
        )
        .await;
    }
    /// Chooses a file in a file input (WebDriver sends the path as keys).
    async fn choose_file(&self, css: &str, path: &std::path::Path) {
        let el = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{el}/value"),
            json!({"text": path.display().to_string()}),
        )
        .await;
    }
    async fn click(&self, css: &str) {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::POST, &format!("/element/{el}/click"), json!({}))
            .await;
    }
    async fn text(&self, css: &str) -> String {
        let el = self.find(css).await;
        self.cmd(reqwest::Method::GET, &format!("/element/{el}/text"), json!(null))
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }
    /// Waits until the element's text contains `want`.
    async fn wait_text(&self, css: &str, want: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.text(css).await;
            if t.contains(want) {
                return t;
            }
            assert!(Instant::now() < deadline, "{css} never showed {want:?}; last text: {t}");
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
    async fn set_value(&self, css: &str, value: &str) {
        let script = "document.querySelector(arguments[0]).value = arguments[1];";
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": [css, value]}),
        )
        .await;
    }
    async fn url(&self) -> String {
        self.cmd(reqwest::Method::GET, "/url", json!(null))
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_register_an_organization_and_find_it() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let pw = user(&s.app, "officer", Role::Reviewer, None).await;

    driver.goto(&format!("{}/registry/organizations", s.base)).await;
    let url = driver.url().await;
    assert!(
        url.contains("/login?next=%2Fregistry%2Forganizations"),
        "not logged in: sent to the login page, got {url}"
    );
    driver.type_into("#username", "officer").await;
    driver.type_into("#password", &pw).await;
    driver.click("#login-submit").await;
    driver.wait_text("#records", "晋中甲科技有限公司").await;

    // Register one, first with a wrong credit code.
    driver.click("#btn-new").await;
    let name = "平遥县古城新材料科技有限公司";
    let code = valid_code("91140728MA0K00005");
    driver.type_into("#f-name", name).await;
    driver.type_into("#f-credit_code", &format!("{}X", &code[..17])).await;
    driver.click("#f-org_type option[value='enterprise']").await;
    driver
        .click(&format!("#f-district_id option[value='{}']", b.district))
        .await;
    driver.click("#btn-save").await;
    let err = driver
        .wait_text(".field-error[data-field='credit_code']", "统一社会信用代码")
        .await;
    assert!(err.contains("校验位") || err.contains("字符"), "{err}");
    driver.type_into("#f-credit_code", &code).await;
    driver.click("#btn-save").await;
    driver.wait_text("h2", name).await;
    let url = driver.url().await;
    let org_id = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();

    // A platform hosted by it, and a contract it sells.
    driver.goto(&format!("{}/registry/platforms/new", s.base)).await;
    driver.type_into("#f-name", "平遥古城新材料工程技术研究中心").await;
    driver
        .click("#f-platform_type option[value='engineering_research_center']")
        .await;
    driver.click("#f-level option[value='city']").await;
    driver.click(&format!("#f-host_org_id option[value='{org_id}']")).await;
    driver.click("#btn-save").await;
    driver.wait_text("dl.detail", name).await;
    let dashboard = format!("{}/?from=2025-01-01&to=2025-12-31", s.base);
    driver.goto(&dashboard).await;
    let before = driver.text("[data-figure='tech_contracts'] .num").await;
    assert!(before.starts_with('0'), "no technology contracts yet: {before}");
    driver.goto(&format!("{}/registry/tech-contracts/new", s.base)).await;
    driver.type_into("#f-contract_no", "2025140700777777").await;
    driver.type_into("#f-title", "玄武岩纤维制备技术转让合同").await;
    driver.click("#f-contract_type option[value='transfer']").await;
    // The seller is found with the picker's search box (htmx fills the select).
    driver
        .type_into("input.picker-search[hx-target='#f-seller_org_id']", "古城")
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let options = driver.text("#f-seller_org_id").await;
        if options.contains(name) && !options.contains("晋中甲科技有限公司") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the picker never narrowed to matching organizations: {options}"
        );
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    driver
        .click(&format!("#f-seller_org_id option[value='{org_id}']"))
        .await;
    driver.type_into("#f-buyer_name", "陕西秦川新材料有限公司").await;
    driver.set_value("#f-signed_on", "2025-06-01").await;
    driver.set_value("#f-registered_on", "2025-06-12").await;
    driver.type_into("#f-contract_value", "2,500,000").await;
    driver.type_into("#f-tech_value", "2000000").await;
    driver.click("#btn-save").await;
    let detail = driver.wait_text("dl.detail", "2,500,000.00").await;
    assert!(detail.contains(name) && detail.contains("技术转让"), "{detail}");
    driver
        .goto(&format!(
            "{}/registry/tech-contracts?q=%E7%8E%84%E6%AD%A6%E5%B2%A9",
            s.base
        ))
        .await;
    driver.wait_text("#records", "2025140700777777").await;

    // Find it from the list with the search form (htmx swaps the table).
    driver.click("a.menu-item[href='/registry/organizations']").await;
    driver.type_into("input[name='q']", "古城").await;
    driver.click(".search-form button[type='submit']").await;
    driver.wait_text("#table-area", "共 1 条").await;
    let table = driver.text("#records").await;
    assert!(table.contains(name) && !table.contains("晋中甲科技有限公司"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_a_watch_list_and_review_a_screening_result() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let pw = user(&s.app, "secadmin", Role::Admin, None).await;
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("watch.csv");
    std::fs::write(
        &list,
        "id,name,aliases,type,country,identifiers\nW1,Lockheed Martin Corporation,,organization,US,\n",
    )
    .unwrap();

    driver.goto(&format!("{}/screening/lists", s.base)).await;
    driver.type_into("#username", "secadmin").await;
    driver.type_into("#password", &pw).await;
    driver.click("#login-submit").await;
    driver.wait_text("#lists", "尚未导入任何限制名单").await;
    driver.choose_file("#list-import input[type='file']", &list).await;
    driver
        .type_into("#list-import input[name='list_name']", "本局关注名单")
        .await;
    driver.click("#list-import button[type='submit']").await;
    driver.wait_text(".flash", "已导入 本局关注名单 第 1 版").await;
    driver.wait_text("#changes", "Lockheed Martin Corporation").await;

    // A contract whose buyer is the listed company, written in Chinese.
    driver.goto(&format!("{}/registry/tech-contracts/new", s.base)).await;
    driver.type_into("#f-contract_no", "2025140700888888").await;
    driver.type_into("#f-title", "无人机飞控技术许可合同").await;
    driver.click("#f-contract_type option[value='licensing']").await;
    driver
        .click(&format!("#f-seller_org_id option[value='{}']", b.org_a))
        .await;
    driver.type_into("#f-buyer_name", "洛克希德马丁公司").await;
    driver.click("#f-buyer_country option[value='US']").await;
    driver.set_value("#f-signed_on", "2025-06-01").await;
    driver.set_value("#f-registered_on", "2025-06-12").await;
    driver.type_into("#f-contract_value", "800000").await;
    driver.type_into("#f-tech_value", "600000").await;
    driver.click("#btn-save").await;
    driver.wait_text("#party-results", "Lockheed Martin Corporation").await;
    driver.click("#party-results a[href^='/screening/results/']").await;
    driver.wait_text("#result-status", "待核查").await;
    // No reason: the form says so and keeps the result open.
    driver.click("#btn-dismiss").await;
    driver.wait_text("#form-error", "请填写核查理由").await;
    driver
        .type_into(
            "textarea[name='reason']",
            "买方为同名代理商，经核对注册信息与清单主体无关",
        )
        .await;
    driver.click("#btn-dismiss").await;
    driver.wait_text(".flash", "已保存核查结论").await;
    driver.goto(&format!("{}/screening?status=dismissed", s.base)).await;
    let table = driver.wait_text("#results", "洛克希德马丁公司").await;
    assert!(table.contains("排除误报"), "{table}");
}

/// Issue 12's walk: a researcher without need-to-know sees a classified
/// achievement in no list or search; the security administrator puts them
/// on its need-to-know list; they now see it; the security auditor finds
/// both the change and the read in the audit log and verifies the chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn need_to_know_opens_a_classified_record_and_the_auditor_sees_it() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let sys = s.app.system_access("test");
    let raw = |p: &[(&str, &str)]| crate::common::raw(p);
    let org = b.org_a.to_string();
    sys.create(
        kean_core::Kind::Achievement,
        &raw(&[
            ("title", "耐候钢公开成果"),
            ("achievement_type", "invention_patent"),
            ("holder_org_id", &org),
        ]),
    )
    .await
    .unwrap();
    let secret = sys
        .create(
            kean_core::Kind::Achievement,
            &raw(&[
                ("title", "某型密封件关键工艺"),
                ("holder_org_id", &org),
                ("classification", "confidential"),
                ("classified_by", "定密责任人"),
                ("classification_basis", "保密事项范围第2条"),
            ]),
        )
        .await
        .unwrap()
        .id;
    let research_pw = user(&s.app, "res", Role::Researcher, Some(b.org_a)).await;
    let res_id = sys.user_named("res").await.unwrap().id;
    sys.set_clearance(res_id, "confidential").await.unwrap();
    let sec_pw = user(&s.app, "sec", Role::SecurityAdmin, None).await;
    let aud_pw = user(&s.app, "aud", Role::Auditor, None).await;
    let login = |name: &'static str, pw: String| {
        let driver = &driver;
        let base = s.base.clone();
        async move {
            driver.goto(&format!("{base}/login")).await;
            driver.type_into("#username", name).await;
            driver.type_into("#password", &pw).await;
            driver.click("#login-submit").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let logout = || async {
        driver.click("form[action='/logout'] button").await;
        driver.find("#login-submit").await;
    };

    // The researcher: the public achievement, not the classified one.
    login("res", research_pw.clone()).await;
    driver.goto(&format!("{}/registry/achievements", s.base)).await;
    let table = driver.wait_text("#records", "耐候钢公开成果").await;
    assert!(!table.contains("密封件"), "{table}");
    driver.wait_text("#table-area", "共 1 条").await;
    driver
        .goto(&format!(
            "{}/registry/achievements?q=%E5%AF%86%E5%B0%81%E4%BB%B6",
            s.base
        ))
        .await;
    driver.wait_text("#table-area", "共 0 条").await;
    driver.goto(&format!("{}/registry/achievements/{secret}", s.base)).await;
    driver.wait_text("h2", "404").await;
    logout().await;

    // The security administrator puts the researcher on its list.
    login("sec", sec_pw).await;
    driver.goto(&format!("{}/system/confidentiality", s.base)).await;
    let row = format!("tr[data-record='achievements/{secret}']");
    driver.wait_text(&row, "某型密封件关键工艺").await;
    driver
        .type_into(&format!("{row} .ntk-add input[name='username']"), "res")
        .await;
    driver.click(&format!("{row} .ntk-add button")).await;
    driver.wait_text(".flash", "账号已更新").await;
    driver.wait_text(&row, "（res）").await;
    logout().await;

    // Now the researcher sees it.
    login("res", research_pw).await;
    driver.goto(&format!("{}/registry/achievements", s.base)).await;
    driver.wait_text("#records", "某型密封件关键工艺").await;
    driver.goto(&format!("{}/registry/achievements/{secret}", s.base)).await;
    driver.wait_text("h2", "某型密封件关键工艺").await;
    logout().await;

    // The security auditor finds the change and the read, and verifies.
    login("aud", aud_pw).await;
    driver.goto(&format!("{}/system/audit", s.base)).await;
    let log = driver.wait_text("#audit", "加入知悉范围").await;
    assert!(log.contains("查阅涉密记录"), "the read is audited: {log}");
    assert!(log.contains("查阅涉密记录被拒"), "so is the refused read: {log}");
    driver.click("#audit-verify button").await;
    driver.wait_text(".flash", "审计链完整").await;
}

/// Issue 14's walk of one gate: a liaison's project, submitted, waits at
/// the approval security review; the reviewer opens it from the work list,
/// sees the automatic checks (the chokepoint technology the classifier
/// found), is told what is missing when a decision lacks its reasons or its
/// conditions, then passes it with conditions — and the project is approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_decides_an_approval_security_review() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let pw = user(&s.app, "liaison_a", Role::Liaison, Some(b.org_a)).await;
    let liaison = crate::common::Api::login(&s.base, "liaison_a", &pw).await;
    let (st, p) = liaison
        .post(
            "/api/v1/registry/projects",
            json!({
                "title": "高纯溅射靶材绑定工艺研究", "project_no": "JZ-B-001", "programme": "city_program",
                "lead_org_id": b.org_a, "abstract": "研究集成电路用高纯金属溅射靶材的扩散焊绑定工艺。",
                "keywords": "溅射靶材;扩散焊", "data_grade": "important",
            }),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    let (st, e) = liaison
        .post(
            &format!("/api/v1/registry/projects/{id}/transitions"),
            json!({ "transition": "submit", "reason": "申报" }),
        )
        .await;
    assert_eq!(st, 201, "{e}");
    let pw = user(&s.app, "reviewer1", Role::Reviewer, None).await;

    driver.goto(&format!("{}/reviews", s.base)).await;
    driver.type_into("#username", "reviewer1").await;
    driver.type_into("#password", &pw).await;
    driver.click("#login-submit").await;
    driver.wait_text("#reviews", "高纯溅射靶材绑定工艺研究").await;
    driver.click("#reviews td.ops a").await;
    driver.wait_text("#findings", "靶材").await;
    // The checklist, item by item: every requirement met.
    let script = "document.querySelectorAll('#checklist input[type=radio][value=yes]').forEach(r => r.checked = true);\
                  document.querySelectorAll('#checklist select').forEach(s => s.value = '5');";
    driver
        .cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await;
    // No reasons: refused, nothing decided.
    driver.click("#decide-form input[value='conditional']").await;
    driver.click("#decide").await;
    driver.wait_text("#review-errors", "决定理由：必填").await;
    // Reasons, but a conditional pass without its conditions.
    driver.click("#decide-form input[value='conditional']").await;
    driver.type_into("#reasons", "攻关方向明确").await;
    driver.click("#decide").await;
    driver.wait_text("#review-errors", "附加条件").await;
    driver.click("#decide-form input[value='conditional']").await;
    driver.type_into("#conditions", "研究数据按重要数据管理").await;
    driver.click("#decide").await;
    driver.wait_text(".flash", "已作出审查决定").await;
    driver.wait_text("#decision-value", "附条件通过").await;
    driver.click("#review-subject").await;
    driver.wait_text("#project-stage", "立项").await;
    let events = driver.wait_text("#project-events", "准予立项").await;
    assert!(events.contains("攻关方向明确"), "{events}");
}

/// Issue 16's walk (填报 → 审核): a liaison reports a technology contract;
/// the reviewer returns it with a reason; the liaison reads the reason,
/// corrects and resubmits; the reviewer approves — and only then does the
/// dashboard's count of registered contracts move.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_is_returned_corrected_and_approved() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let liaison_pw = user(&s.app, "liaison", Role::Liaison, Some(b.org_a)).await;
    let reviewer_pw = user(&s.app, "reviewer", Role::Reviewer, None).await;
    let login = |name: &'static str, pw: String| {
        let driver = &driver;
        let base = s.base.clone();
        async move {
            driver.goto(&format!("{base}/login")).await;
            driver.type_into("#username", name).await;
            driver.type_into("#password", &pw).await;
            driver.click("#login-submit").await;
            driver.find("form[action='/logout'] button").await;
        }
    };
    let logout = || async {
        driver.click("form[action='/logout'] button").await;
        driver.find("#login-submit").await;
    };
    let accept = || async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        driver.cmd(reqwest::Method::POST, "/alert/accept", json!({})).await;
    };
    let dashboard = format!("{}/?from=2025-01-01&to=2025-12-31", s.base);
    let contracts = || async {
        driver.goto(&dashboard).await;
        driver.text("[data-figure='tech_contracts'] .num").await
    };

    // The liaison reports a contract: the form says it goes to review.
    login("liaison", liaison_pw.clone()).await;
    driver.goto(&format!("{}/registry/tech-contracts/new", s.base)).await;
    driver.wait_text("#form-note", "审核").await;
    driver.type_into("#f-contract_no", "2025140700666666").await;
    driver.type_into("#f-title", "耐候钢焊接工艺技术服务合同").await;
    driver.click("#f-contract_type option[value='service']").await;
    driver.type_into("#f-buyer_name", "太原重型机械集团有限公司").await;
    driver.set_value("#f-signed_on", "2025-05-06").await;
    driver.set_value("#f-registered_on", "2025-05-20").await;
    driver.type_into("#f-contract_value", "300000").await;
    driver.type_into("#f-tech_value", "250000").await;
    driver.wait_text("#btn-save", "提交审核").await;
    driver.click("#btn-save").await;
    driver.wait_text(".flash", "已提交审核").await;
    driver.wait_text("#submission-status", "待审核").await;
    let url = driver.url().await;
    let id = url.rsplit('/').next().unwrap().split('?').next().unwrap().to_string();
    assert!(contracts().await.starts_with('0'), "not registered before the review");
    logout().await;

    // The reviewer finds it in the queue and returns it with a reason.
    login("reviewer", reviewer_pw.clone()).await;
    assert!(contracts().await.starts_with('0'));
    driver.goto(&format!("{}/submissions", s.base)).await;
    driver.wait_text("#queue", "晋中甲科技有限公司").await;
    driver.wait_text("#submissions", "2025140700666666").await;
    driver.click(&format!("tr[data-submission='{id}'] td.ops a")).await;
    driver.wait_text("#diff", "成交额").await;
    driver.click("#btn-return").await;
    driver.wait_text("#form-error", "退回理由").await;
    driver
        .type_into(
            "#return-form textarea[name='reasons']",
            "技术交易额应与合同附件一致，请核对为20万元",
        )
        .await;
    driver.click("#btn-return").await;
    driver.wait_text(".flash", "已退回").await;
    driver.wait_text("#submission-status", "已退回").await;
    logout().await;

    // The liaison sees it returned with the reason, corrects and resubmits.
    login("liaison", liaison_pw).await;
    driver.goto(&format!("{}/submissions", s.base)).await;
    let row = driver.wait_text(&format!("tr[data-submission='{id}']"), "已退回").await;
    assert!(row.contains("20万元"), "the reason is on the list: {row}");
    driver.click(&format!("tr[data-submission='{id}'] td.ops a")).await;
    driver.wait_text("#return-reasons", "请核对为20万元").await;
    driver.click("#btn-correct").await;
    driver.wait_text("#form-note", "请核对为20万元").await;
    driver.type_into("#f-tech_value", "200000").await;
    driver.click("#btn-save").await;
    driver.wait_text(".flash", "重新提交").await;
    driver.wait_text("#submission-status", "待审核").await;
    driver.wait_text("#history", "修改后重新提交").await;
    logout().await;

    // The reviewer sees what changed, approves; the dashboard moves now.
    login("reviewer", reviewer_pw).await;
    assert!(contracts().await.starts_with('0'), "still not before the approval");
    driver.goto(&format!("{}/submissions/{id}", s.base)).await;
    let corrected = driver.text("#diff tr.corrected").await;
    assert!(
        corrected.contains("200,000.00") && corrected.contains("本次修改"),
        "{corrected}"
    );
    driver.click("#btn-approve").await;
    accept().await;
    driver.wait_text(".flash", "审核通过").await;
    driver.wait_text("#submission-status", "已生效").await;
    let after = contracts().await;
    assert!(after.starts_with('1'), "registered once approved: {after}");
    driver.goto(&format!("{}/registry/tech-contracts", s.base)).await;
    driver.wait_text("#records", "2025140700666666").await;
}

/// Issue 16 item 2: a password an administrator set is changed at the
/// first login before anything else; later the holder changes it again on
/// 我的账号, the current password required, and logs in with the new one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_changes_ones_own_password() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let sysadmin = crate::common::access_as(&s.app, "sysadm", Role::SystemAdmin, None).await;
    sysadmin
        .create_user("newbie", "新来的联络员", Role::Liaison, Some(b.org_a), "Initial#2025x")
        .await
        .unwrap();
    let login = |pw: &'static str| {
        let driver = &driver;
        let base = s.base.clone();
        async move {
            driver.goto(&format!("{base}/login")).await;
            driver.type_into("#username", "newbie").await;
            driver.type_into("#password", pw).await;
            driver.click("#login-submit").await;
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    // First login: the administrator's password must go first.
    login("Initial#2025x").await;
    driver.wait_text("#step-intro", "请先修改密码").await;
    driver.goto(&format!("{}/registry/organizations", s.base)).await;
    driver.wait_text("#step-intro", "请先修改密码").await;
    driver.type_into("#current_password", "Initial#2025x").await;
    driver.type_into("#new_password", "Mine#First2025").await;
    driver.type_into("#confirm_password", "Mine#First2025").await;
    driver.click("#step-submit").await;
    driver.find("form[action='/logout'] button").await;
    assert!(!driver.url().await.contains("/account/password"));

    // Later, on 我的账号: a wrong current password is refused, the right one changes it.
    driver.goto(&format!("{}/account", s.base)).await;
    driver.click("#change-password").await;
    driver.type_into("#current_password", "not-my-password").await;
    driver.type_into("#new_password", "Mine#Second2025").await;
    driver.type_into("#confirm_password", "Mine#Second2025").await;
    driver.click("#step-submit").await;
    driver.wait_text("#step-errors", "当前密码").await;
    driver.type_into("#current_password", "Mine#First2025").await;
    driver.type_into("#new_password", "Mine#Second2025").await;
    driver.type_into("#confirm_password", "Mine#Second2025").await;
    driver.click("#step-submit").await;
    driver.wait_text(".flash", "密码已修改").await;
    driver.click("form[action='/logout'] button").await;
    driver.find("#login-submit").await;

    // The old password no longer opens the account; the new one does.
    login("Mine#First2025").await;
    driver.find("#login-submit").await;
    login("Mine#Second2025").await;
    driver.wait_text(".topbar", "新来的联络员").await;
}

/// 批量归档 as a clerk does it: tick two rows (全选本页 ticks them all), the
/// edit button asks for exactly one, the batch archive asks to confirm the
/// count and the list says how many were archived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticked_rows_are_archived_together() {
    let Some(driver) = Driver::start().await else { return };
    let s = start(Backend::Sqlite).await.unwrap();
    let b = basics(&s.app).await;
    let pw = user(&s.app, "clerk", Role::Admin, None).await;
    driver.goto(&format!("{}/login", s.base)).await;
    driver.type_into("#username", "clerk").await;
    driver.type_into("#password", &pw).await;
    driver.click("#login-submit").await;
    driver.goto(&format!("{}/registry/organizations", s.base)).await;
    driver.wait_text("#records", "晋中甲科技有限公司").await;
    let alert = |accept: bool| {
        let driver = &driver;
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let text = driver.cmd(reqwest::Method::GET, "/alert/text", json!(null)).await;
                if let Some(t) = text.as_str() {
                    let path = if accept { "/alert/accept" } else { "/alert/dismiss" };
                    driver.cmd(reqwest::Method::POST, path, json!({})).await;
                    return t.to_string();
                }
                assert!(Instant::now() < deadline, "no dialog: {text}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    // 全选本页 ticks every row; 修改 wants exactly one.
    driver.click("th.chk input[data-check-all]").await;
    driver.click("#btn-edit").await;
    assert!(alert(true).await.contains("只勾选一条"));
    driver.click("th.chk input[data-check-all]").await;
    driver.click(&format!("input.sel[value='{}']", b.org_a)).await;
    driver.click(&format!("input.sel[value='{}']", b.org_b)).await;
    driver.click("#btn-archive-selected").await;
    let asked = alert(true).await;
    assert!(asked.contains("2 条"), "{asked}");
    driver.wait_text(".flash", "已归档 2 条记录").await;
    for id in [b.org_a, b.org_b] {
        assert!(
            s.app
                .system_access("t")
                .get(kean_core::Kind::Organization, id)
                .await
                .unwrap()
                .0
                .archived
        );
    }
}
