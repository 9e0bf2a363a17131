//! Account security (等保 2.0 level 3, issue 12 item 9): the password
//! policy, history and expiry, idle and absolute session ends, the second
//! factor (TOTP) with recovery codes, re-authentication before sensitive
//! acts, the last login and the account's own history, security headers.

use std::time::Duration;

use kean_core::Role;
use serde_json::json;

use crate::common::{Api, Backend, Server, Web, basics, csrf_of, post_login_form, user};

/// Runs a test on both databases with kean serve's own settings (the
/// second factor mandatory for administrators and auditors).
macro_rules! on_both_strict {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(s) = $crate::common::start_strict($crate::common::Backend::Sqlite).await {
                    super::$name(s).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(s) = $crate::common::start_strict($crate::common::Backend::Postgres).await {
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

fn min(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

/// A browser client that follows no redirects, not logged in.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Posts a form of the page at `page` (its CSRF token taken from it).
async fn post_form(web: &Web, page: &str, action: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
    let (st, html) = web.get(page).await;
    assert_eq!(st, 200, "{page}: {html}");
    let csrf = csrf_of(&html);
    let mut all = vec![("_csrf", csrf.as_str())];
    all.extend_from_slice(form);
    web.post(action, &all).await
}

async fn token_answer(s: &Server, username: &str, password: &str, totp: Option<&str>) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/auth/token", s.base))
        .json(&json!({ "username": username, "password": password, "totp": totp }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn weak_and_reused_passwords_are_refused_with_the_reason(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "boss", Role::SystemAdmin, None).await;
    let admin = Api::login(&s.base, "boss", &admin_pw).await;
    let create = |pw: &'static str| json!({ "username": "clerk", "display_name": "办事员", "role": "liaison", "org_id": b.org_a, "password": pw });
    for (pw, en, zh) in [
        ("Ab1!", "at least 10 characters (it has 4)", "至少10位（现为4位）"),
        (
            "abcdefghijkl",
            "at least 3 of upper case, lower case, digits and symbols (it has 1)",
            "至少3类（现有1类）",
        ),
        ("Clerk-2025-ok", "must not contain the username", "不能包含用户名"),
    ] {
        let (st, e) = admin.post("/api/v1/users", create(pw)).await;
        assert_eq!(
            (st, e["error"]["code"].as_str()),
            (422, Some("validation_failed")),
            "{e}"
        );
        let f = &e["error"]["fields"][0];
        assert_eq!(f["field"], "password", "{e}");
        assert!(f["message"].as_str().unwrap().contains(en), "{e}");
        assert!(f["message_zh"].as_str().unwrap().contains(zh), "{e}");
    }
    let (st, e) = admin.get("/api/v1/users").await;
    assert_eq!(st, 200);
    assert!(!e.to_string().contains("clerk"), "nothing was written: {e}");
    let (st, e) = admin.post("/api/v1/users", create("Yuci-2025-ok")).await;
    assert_eq!(st, 201, "{e}");

    // A password an administrator gave is the holder's to replace before
    // anything else: the API refuses it, the web asks for a new one.
    let (st, e) = token_answer(&s, "clerk", "Yuci-2025-ok", None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (403, Some("password_expired")),
        "{e}"
    );
    assert!(
        e["error"]["message_zh"]
            .as_str()
            .unwrap()
            .contains("管理员设置的初始密码"),
        "{e}"
    );
    let http = browser();
    let r = post_login_form(&http, &s.base, "clerk", "Yuci-2025-ok").await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/account/password".into()));
    let web = Web {
        base: s.base.clone(),
        http,
    };
    // The holder changes the password: the current one again, and any of
    // the last five, are refused, each naming why; nothing changes.
    let webr = &web;
    let change = move |current: &'static str, new: &'static str| async move {
        post_form(
            webr,
            "/account/password",
            "/account/password",
            &[
                ("current_password", current),
                ("new_password", new),
                ("confirm_password", new),
            ],
        )
        .await
    };
    let (st, html, _) = change("wrong-Passw0rd", "Taigu-2025-ok").await;
    assert_eq!(st, 422);
    assert!(html.contains("当前密码：不正确"), "{html}");
    let (st, html, _) = change("Yuci-2025-ok", "Yuci-2025-ok").await;
    assert_eq!(st, 422);
    assert!(html.contains("新密码：不能与最近 5 次使用过的密码相同"), "{html}");
    let (st, html, _) = change("Yuci-2025-ok", "short").await;
    assert_eq!(st, 422);
    assert!(html.contains("密码：至少10位（现为5位）"), "{html}");
    let (st, html, loc) = change("Yuci-2025-ok", "Pass-one-2025").await;
    assert_eq!(
        (st, loc.as_deref()),
        (303, Some("/")),
        "changed: on to the home page {html}"
    );
    let elsewhere = Api::login(&s.base, "clerk", "Pass-one-2025").await;
    let mut current = "Pass-one-2025";
    for next in ["Pass-two-2025", "Pass-three-2025", "Pass-four-2025"] {
        let (st, html, loc) = change(current, next).await;
        assert_eq!(
            (st, loc.as_deref()),
            (303, Some("/account?password_changed=1")),
            "{html}"
        );
        current = next;
    }
    let (st, e) = elsewhere.get("/api/v1/me").await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("unauthenticated")),
        "a change ends the other sessions: {e}"
    );
    assert_eq!(webr.get("/account").await.0, 200, "but not the one that made it");
    // The first password is five back: still refused; a sixth is taken.
    let (st, html, _) = change(current, "Yuci-2025-ok").await;
    assert_eq!(st, 422, "{html}");
    assert!(html.contains("最近 5 次"), "{html}");
    assert_eq!(token_answer(&s, "clerk", current, None).await.0, 201, "unchanged");
    let (st, _, _) = change(current, "Pass-five-2025").await;
    assert_eq!(st, 303);
    let (st, _, _) = change("Pass-five-2025", "Yuci-2025-ok").await;
    assert_eq!(st, 303, "six changes later the first password may come back");

    // The administrator's reset and the CLI obey the policy too.
    let (st, e) = admin
        .post("/api/v1/users/1/password", json!({ "password": "boss-Passw0rd-1" }))
        .await;
    assert_eq!(
        (st, e["error"]["fields"][0]["field"].as_str()),
        (422, Some("password")),
        "{e}"
    );
}
on_both!(weak_and_reused_passwords_are_refused_with_the_reason);

async fn an_expired_password_must_be_changed_before_anything_else(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "clerk", Role::Liaison, Some(b.org_a)).await;
    s.clock.advance(min(90 * 24 * 60 + 1));
    let http = browser();
    let r = post_login_form(&http, &s.base, "clerk", &pw).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/account/password".into()));
    let r = http
        .get(format!("{}/registry/organizations", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/account/password".into()),
        "nothing else"
    );
    let (st, e) = token_answer(&s, "clerk", &pw, None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (403, Some("password_expired")),
        "{e}"
    );
    let web = Web {
        base: s.base.clone(),
        http,
    };
    let (st, html) = web.get("/account/password").await;
    assert_eq!(st, 200);
    assert!(html.contains("密码已过期"), "{html}");
    let (st, _, loc) = post_form(
        &web,
        "/account/password",
        "/account/password",
        &[
            ("current_password", &pw),
            ("new_password", "Fresh-2026-pw"),
            ("confirm_password", "Fresh-2026-pw"),
        ],
    )
    .await;
    assert_eq!((st, loc.as_deref()), (303, Some("/")));
    assert_eq!(
        web.get("/registry/organizations").await.0,
        200,
        "changed: the session is whole"
    );
    assert_eq!(token_answer(&s, "clerk", "Fresh-2026-pw", None).await.0, 201);
}
on_both!(an_expired_password_must_be_changed_before_anything_else);

async fn sessions_end_when_idle_and_at_their_absolute_end(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "clerk", Role::Liaison, Some(b.org_a)).await;
    let web = Web::login(&s.base, "clerk", &pw).await;
    for _ in 0..3 {
        s.clock.advance(min(25));
        assert_eq!(web.get("/").await.0, 200, "activity keeps the session");
    }
    s.clock.advance(min(31));
    let (st, _) = web.get("/").await;
    assert_eq!(st, 303, "31 minutes idle: sent to the login page");

    let web = Web::login(&s.base, "clerk", &pw).await;
    let mut alive = Duration::ZERO;
    while alive < min(12 * 60 - 25) {
        s.clock.advance(min(25));
        alive += min(25);
        assert_eq!(web.get("/").await.0, 200, "active after {alive:?}");
    }
    s.clock.advance(min(25));
    assert_eq!(web.get("/").await.0, 303, "12 hours: the session ends however active");
}
on_both!(sessions_end_when_idle_and_at_their_absolute_end);

/// The secret shown on the enrolment page.
fn secret_of(html: &str) -> String {
    let i = html.find("id=\"totp-secret\">").expect("the secret is shown") + 17;
    html[i..i + html[i..].find('<').unwrap()].to_string()
}

fn recovery_codes_of(html: &str) -> Vec<String> {
    html.split("<li><code>")
        .skip(1)
        .map(|p| p[..p.find('<').unwrap()].to_string())
        .collect()
}

async fn the_second_factor_is_enrolled_then_asked_and_recovery_codes_work_once(s: Server) {
    let pw = user(&s.app, "chief", Role::SystemAdmin, None).await;
    // An administrator without a second factor may only enrol one.
    let (st, e) = token_answer(&s, "chief", &pw, None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("second_factor_required")),
        "{e}"
    );
    let http = browser();
    let r = post_login_form(&http, &s.base, "chief", &pw).await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/account/second-factor".into())
    );
    let web = Web {
        base: s.base.clone(),
        http,
    };
    let r = web.http.get(format!("{}/system/users", s.base)).send().await.unwrap();
    assert_eq!(r.status(), 303, "nothing else before enrolling");
    let (st, html) = web.get("/account/second-factor").await;
    assert_eq!(st, 200);
    let secret = secret_of(&html);
    assert!(
        html.contains(&format!("otpauth://totp/kean:chief?secret={secret}")),
        "{html}"
    );
    assert_eq!(
        secret_of(&web.get("/account/second-factor").await.1),
        secret,
        "a reload shows the same secret"
    );
    let now = |s: &Server| s.clock.now();
    use kean_core::Clock;
    let right = kean_app::totp_code(&secret, now(&s)).unwrap();
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let (st, html, _) = post_form(
        &web,
        "/account/second-factor",
        "/account/second-factor",
        &[("totp", wrong)],
    )
    .await;
    assert_eq!(st, 422);
    assert!(html.contains("动态口令：不正确"), "{html}");
    let (st, html, _) = post_form(
        &web,
        "/account/second-factor",
        "/account/second-factor",
        &[("totp", &right)],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    let codes = recovery_codes_of(&html);
    assert_eq!(codes.len(), 10, "{html}");
    assert_eq!(web.get("/system/users").await.0, 200, "enrolled: the session is whole");

    // The next login asks for the code; a wrong one is refused.
    s.clock.advance(Duration::from_secs(30));
    let web = Web::login(&s.base, "chief", &pw).await;
    assert_eq!(web.get("/").await.0, 303, "the password alone is not enough");
    let (st, html) = web.get("/login/second-factor").await;
    assert_eq!(st, 200);
    let csrf = csrf_of(&html);
    let right = kean_app::totp_code(&secret, now(&s)).unwrap();
    let wrong = if right == "000000" { "111111" } else { "000000" };
    let (st, html, _) = web
        .post("/login/second-factor", &[("_csrf", &csrf), ("totp", wrong)])
        .await;
    assert_eq!(st, 401);
    assert!(html.contains("动态口令或恢复码错误"), "{html}");
    let (st, _, loc) = web
        .post("/login/second-factor", &[("_csrf", &csrf), ("totp", &right)])
        .await;
    assert_eq!((st, loc.as_deref()), (303, Some("/")));
    assert_eq!(web.get("/system/users").await.0, 200);

    // The API: the code with the password; a recovery code once; a code once.
    let (st, e) = token_answer(&s, "chief", &pw, None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("second_factor_required")),
        "{e}"
    );
    let (st, e) = token_answer(&s, "chief", &pw, Some(&right)).await;
    assert_eq!(st, 401, "the code was used: {e}");
    let (st, e) = token_answer(&s, "chief", &pw, Some(&codes[3].to_uppercase())).await;
    assert_eq!(st, 201, "a recovery code as typed: {e}");
    let (st, e) = token_answer(&s, "chief", &pw, Some(&codes[3])).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("second_factor_required")),
        "used once: {e}"
    );
    s.clock.advance(Duration::from_secs(30));
    let code = kean_app::totp_code(&secret, now(&s)).unwrap();
    let (st, e) = token_answer(&s, "chief", &pw, Some(&code)).await;
    assert_eq!(st, 201, "{e}");
    let api = Api {
        base: s.base.clone(),
        token: e["token"].as_str().unwrap().to_string(),
        http: reqwest::Client::new(),
    };
    let (_, me) = api.get("/api/v1/me").await;
    assert_eq!(
        (
            me["second_factor_enabled"].as_bool(),
            me["second_factor_required"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let (_, html) = web.get("/account").await;
    assert!(html.contains("剩余恢复码 9 个"), "{html}");

    // A lost phone: the operator resets the second factor; the next login enrols again.
    if s.url.starts_with("sqlite:") {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kean"))
            .env("LC_ALL", "C.UTF-8")
            .args(["user", "reset-2fa", "--username", "chief", "--database-url", &s.url])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    } else {
        let id = s.app.system_access("test").user_named("chief").await.unwrap().id;
        s.app
            .system_access("test")
            .change_user(id, kean_app::UserAction::ResetSecondFactor)
            .await
            .unwrap();
    }
    assert_eq!(web.get("/").await.0, 303, "the reset ended the sessions");
    let http = browser();
    let r = post_login_form(&http, &s.base, "chief", &pw).await;
    assert_eq!(location(&r), "/account/second-factor");
    let (st, e) = token_answer(&s, "chief", &pw, Some(&codes[4])).await;
    assert_eq!(
        st, 401,
        "not enrolled any more: the recovery code is no second factor now: {e}"
    );
}
on_both_strict!(the_second_factor_is_enrolled_then_asked_and_recovery_codes_work_once);

async fn a_sensitive_act_needs_a_recent_authentication(s: Server) {
    let b = basics(&s.app).await;
    let admin_pw = user(&s.app, "boss", Role::SystemAdmin, None).await;
    user(&s.app, "clerk", Role::Liaison, Some(b.org_a)).await;
    let clerk = s.app.system_access("test").user_named("clerk").await.unwrap().id;
    let admin = Api::login(&s.base, "boss", &admin_pw).await;
    s.clock.advance(min(11));
    let (st, e) = admin.post(&format!("/api/v1/users/{clerk}/disable"), json!({})).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (403, Some("reauthentication_required")),
        "{e}"
    );
    let (_, users) = admin.get("/api/v1/users").await;
    let disabled = |users: &serde_json::Value| {
        users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "clerk")
            .unwrap()["disabled"]
            .as_bool()
    };
    assert_eq!(disabled(&users), Some(false), "nothing was done");
    let (st, e) = admin
        .post("/api/v1/auth/reauth", json!({ "password": "wrong-Passw0rd" }))
        .await;
    assert_eq!(st, 401, "{e}");
    let (st, _) = admin.post("/api/v1/auth/reauth", json!({ "password": admin_pw })).await;
    assert_eq!(st, 204);
    let (st, e) = admin.post(&format!("/api/v1/users/{clerk}/disable"), json!({})).await;
    assert_eq!(st, 200, "{e}");
    assert_eq!(disabled(&admin.get("/api/v1/users").await.1), Some(true));

    // The page: sent to re-authenticate, then back to the users.
    let web = Web::login(&s.base, "boss", &admin_pw).await;
    s.clock.advance(min(11));
    let (st, _, loc) = post_form(&web, "/system/users", &format!("/system/users/{clerk}/enable"), &[]).await;
    assert_eq!(
        (st, loc.as_deref()),
        (303, Some("/account/reauth?next=%2Fsystem%2Fusers"))
    );
    let (st, html, loc) = post_form(
        &web,
        "/account/reauth?next=%2Fsystem%2Fusers",
        "/account/reauth",
        &[("password", &admin_pw), ("next", "/system/users")],
    )
    .await;
    assert_eq!((st, loc.as_deref()), (303, Some("/system/users")), "{html}");
    let (st, _, _) = post_form(&web, "/system/users", &format!("/system/users/{clerk}/enable"), &[]).await;
    assert_eq!(st, 200);
    assert_eq!(disabled(&admin.get("/api/v1/users").await.1), Some(false));
}
on_both!(a_sensitive_act_needs_a_recent_authentication);

async fn the_last_login_is_shown_and_the_own_history_only(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "clerk", Role::Liaison, Some(b.org_a)).await;
    let other_pw = user(&s.app, "other", Role::Liaison, Some(b.org_b)).await;
    let (st, first) = token_answer(&s, "clerk", &pw, None).await;
    assert_eq!(st, 201);
    assert!(first["previous_login"].is_null(), "the first login: {first}");
    assert_eq!(token_answer(&s, "clerk", "wrong-Passw0rd", None).await.0, 401);
    let web = Web::login(&s.base, "clerk", &pw).await;
    let (_, html) = web.get("/").await;
    assert!(html.contains("上次登录："), "{html}");
    assert!(html.contains("来自 127.0.0.1（此后登录失败 1 次）"), "{html}");
    let (st, second) = token_answer(&s, "clerk", &pw, None).await;
    assert_eq!(st, 201);
    assert_eq!(second["previous_login"]["source"], "127.0.0.1", "{second}");
    assert_eq!(second["previous_login"]["failed_since"], 0, "{second}");
    let api = Api {
        base: s.base.clone(),
        token: second["token"].as_str().unwrap().to_string(),
        http: reqwest::Client::new(),
    };
    let (_, me) = api.get("/api/v1/me").await;
    assert_eq!(me["previous_login"], second["previous_login"]);
    let (st, h) = api.get("/api/v1/me/logins").await;
    assert_eq!(st, 200);
    let actions: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["login", "login", "login_failed", "login"], "{h}");

    // Someone else's logins and failures are not in it.
    let other = Api::login(&s.base, "other", &other_pw).await;
    s.clock.advance(min(16));
    assert_eq!(token_answer(&s, "other", "wrong-Passw0rd", None).await.0, 401);
    let (_, h2) = api.get("/api/v1/me/logins").await;
    assert_eq!(h2["items"], h["items"], "{h2}");
    let (_, theirs) = other.get("/api/v1/me/logins").await;
    let actions: Vec<&str> = theirs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["login_failed", "login"], "{theirs}");
    let (st, html) = web.get("/account").await;
    assert_eq!(st, 200);
    assert_eq!(html.matches("<tr><td>").count(), 4, "clerk's four events: {html}");
}
on_both!(the_last_login_is_shown_and_the_own_history_only);

async fn pages_and_api_answers_carry_the_security_headers(s: Server) {
    let http = reqwest::Client::new();
    for path in ["/login", "/api/v1/me", "/api/openapi.json", "/no-such-page"] {
        let r = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        let h = |n: &str| {
            r.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        let csp = h("content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
        assert_eq!(h("cache-control"), "no-store", "{path}");
    }
}
on_both!(pages_and_api_answers_carry_the_security_headers);

#[tokio::test]
async fn the_demo_accounts_keep_their_published_passwords() {
    let Some(s) = crate::common::start_strict(Backend::Sqlite).await else {
        return;
    };
    let a = s.app.system_access("demo");
    a.create_demo_user("sysadmin", "系统管理员", Role::SystemAdmin, None, "Sysadmin2025")
        .await
        .unwrap();
    s.clock.advance(min(365 * 24 * 60));
    let http = browser();
    let r = post_login_form(&http, &s.base, "sysadmin", "Sysadmin2025").await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/account/second-factor".into()),
        "a year later the demo password still works (the administrator enrols a second factor)"
    );
    let (st, e) = token_answer(&s, "sysadmin", "Sysadmin2025", None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("second_factor_required")),
        "{e}"
    );
}

/// A password the system administrator sets — a new account's or a reset —
/// is the holder's to replace at the next login; one set at the machine
/// (`kean user create`, the operator) and the holder's own are not.
async fn a_password_an_administrator_set_is_changed_at_first_login(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "boss", Role::SystemAdmin, None).await;
    let admin = Api::login(&s.base, "boss", &pw).await;
    let (st, e) = admin
        .post(
            "/api/v1/users",
            json!({ "username": "clerk", "display_name": "办事员", "role": "liaison", "org_id": b.org_a, "password": "Yuci-2025-ok" }),
        )
        .await;
    assert_eq!(st, 201, "{e}");
    let clerk_id = e["id"].as_i64().unwrap();
    let (st, e) = token_answer(&s, "clerk", "Yuci-2025-ok", None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (403, Some("password_expired")),
        "{e}"
    );
    let web = Web::login(&s.base, "clerk", "Yuci-2025-ok").await;
    let (st, html) = web.get("/account/password").await;
    assert_eq!(st, 200);
    assert!(html.contains("管理员设置的初始密码"), "{html}");
    let (st, _) = web.get("/registry/organizations").await;
    assert_eq!(st, 303, "nothing else before the change");
    let (st, _, loc) = post_form(
        &web,
        "/account/password",
        "/account/password",
        &[
            ("current_password", "Yuci-2025-ok"),
            ("new_password", "Mine-2026-pw"),
            ("confirm_password", "Mine-2026-pw"),
        ],
    )
    .await;
    assert_eq!((st, loc.as_deref()), (303, Some("/")));
    assert_eq!(web.get("/registry/organizations").await.0, 200);
    assert_eq!(token_answer(&s, "clerk", "Mine-2026-pw", None).await.0, 201);

    // A reset by the administrator: the same again.
    let (st, e) = admin
        .post(
            &format!("/api/v1/users/{clerk_id}/password"),
            json!({ "password": "Reset-2026-pw" }),
        )
        .await;
    assert_eq!(st, 200, "{e}");
    let (st, e) = token_answer(&s, "clerk", "Reset-2026-pw", None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (403, Some("password_expired")),
        "{e}"
    );
    // Set at the machine: the operator's own choice for the account.
    s.app
        .system_access("test")
        .change_user(clerk_id, kean_app::UserAction::Password("Machine-2026-pw".into()))
        .await
        .unwrap();
    assert_eq!(token_answer(&s, "clerk", "Machine-2026-pw", None).await.0, 201);
}
on_both!(a_password_an_administrator_set_is_changed_at_first_login);

/// Issue 16 item 2: one's own API tokens with their creation, last use and
/// expiry; revoking one ends it at once (audited); nobody revokes another's.
async fn own_api_tokens_are_listed_and_revoked(s: Server) {
    let pw = user(&s.app, "tok", Role::Reviewer, None).await;
    user(&s.app, "other", Role::Reviewer, None).await;
    let a = Api::login(&s.base, "tok", &pw).await;
    let b = Api::login(&s.base, "tok", &pw).await;
    let other = Api::login(&s.base, "other", &pw).await;
    let (st, list) = a.get("/api/v1/me/tokens").await;
    assert_eq!(st, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{list}");
    let mine = items.iter().find(|t| t["current"] == true).unwrap();
    assert!(mine["last_used_at"].is_string(), "used by this very request: {mine}");
    let created = chrono::DateTime::parse_from_rfc3339(mine["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(mine["expires_at"].as_str().unwrap()).unwrap();
    let lifetime = (expires - created).num_seconds();
    assert!(
        (30 * 86_400 - 60..=30 * 86_400).contains(&lifetime),
        "the default lifetime: {lifetime} s"
    );
    let b_id = items.iter().find(|t| t["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, _) = other.delete(&format!("/api/v1/me/tokens/{b_id}")).await;
    assert_eq!(st, 404, "another account's token");
    let (st, _) = b.get("/api/v1/me").await;
    assert_eq!(st, 200);
    let (st, _) = a.delete(&format!("/api/v1/me/tokens/{b_id}")).await;
    assert_eq!(st, 204);
    let (st, _) = b.get("/api/v1/me").await;
    assert_eq!(st, 401, "a revoked token opens nothing");
    let (_, list) = a.get("/api/v1/me/tokens").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let log = crate::common::audit_log(&s, 50).await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "token_revoke" && e["actor"] == "tok"),
        "the revocation is audited"
    );
}
on_both!(own_api_tokens_are_listed_and_revoked);

/// Issue 16 item 2: one's own display name and contact details, each bad
/// field named, the change audited.
async fn own_name_and_contact(s: Server) {
    let pw = user(&s.app, "prof", Role::Reviewer, None).await;
    let api = Api::login(&s.base, "prof", &pw).await;
    let (st, e) = api
        .put(
            "/api/v1/me",
            json!({"display_name": "", "phone": "12", "email": "nobody"}),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["display_name", "phone", "email"]);
    let (st, v) = api
        .put(
            "/api/v1/me",
            json!({"display_name": "审核员 赵敏", "phone": "0354-3012345 转 8012", "email": "zhaomin@jzkj.gov.cn"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    let (_, me) = api.get("/api/v1/me").await;
    assert_eq!(me["display_name"], "审核员 赵敏");
    assert_eq!(me["phone"], "0354-3012345 转 8012");
    assert_eq!(me["email"], "zhaomin@jzkj.gov.cn");
    let web = Web::login(&s.base, "prof", &pw).await;
    let (_, page) = web.get("/account").await;
    assert!(
        page.contains("zhaomin@jzkj.gov.cn") && page.contains("审核员 赵敏"),
        "{page}"
    );
    let log = crate::common::audit_log(&s, 50).await;
    let e = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "profile_update")
        .expect("audited");
    assert_eq!(e["before"]["display_name"], "prof");
    assert_eq!(e["after"]["email"], "zhaomin@jzkj.gov.cn");
}
on_both!(own_name_and_contact);

/// The account manager moves a liaison to another organization: what the
/// liaison reads follows at once, the change is audited with the one before,
/// and a move the role does not allow is refused naming the field.
async fn an_account_moves_to_another_organization(s: Server) {
    let b = basics(&s.app).await;
    let pw = user(&s.app, "sys1", Role::SystemAdmin, None).await;
    let sys = Api::login(&s.base, "sys1", &pw).await;
    let pw = user(&s.app, "liaison_m", Role::Liaison, Some(b.org_a)).await;
    let liaison = Api::login(&s.base, "liaison_m", &pw).await;
    let pw = user(&s.app, "sec1", Role::SecurityAdmin, None).await;
    let sec = Api::login(&s.base, "sec1", &pw).await;
    user(&s.app, "admin_m", Role::Admin, None).await;
    let id_of = |name: &'static str| {
        let app = s.app.clone();
        async move { app.system_access("test").user_named(name).await.expect("user").id }
    };
    let (liaison_id, admin_id, sys_id) = (id_of("liaison_m").await, id_of("admin_m").await, id_of("sys1").await);
    async fn names(api: &Api) -> Vec<i64> {
        let (_, orgs) = api.get("/api/v1/registry/organizations").await;
        orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect()
    }
    assert_eq!(names(&liaison).await, vec![b.org_a]);
    let path = format!("/api/v1/users/{liaison_id}/organization");
    let (st, v) = sys.put(&path, json!({ "org_id": b.org_b })).await;
    assert_eq!((st, v["org_id"].as_i64()), (200, Some(b.org_b)), "{v}");
    assert_eq!(
        names(&liaison).await,
        vec![b.org_b],
        "the liaison now reads the other organization's"
    );

    // Refused: a liaison without one, an organization that does not exist,
    // a bureau role with one, one's own, and anyone but the account manager.
    for (body, who, field) in [
        (json!({ "org_id": null }), liaison_id, "org_id"),
        (json!({ "org_id": 999_999 }), liaison_id, "org_id"),
        (json!({ "org_id": b.org_a }), admin_id, "org_id"),
    ] {
        let (st, e) = sys
            .put(&format!("/api/v1/users/{who}/organization"), body.clone())
            .await;
        assert_eq!(
            (st, e["error"]["fields"][0]["field"].as_str()),
            (422, Some(field)),
            "{body}: {e}"
        );
    }
    let (st, _) = sys
        .put(
            &format!("/api/v1/users/{sys_id}/organization"),
            json!({ "org_id": null }),
        )
        .await;
    assert_eq!(st, 403, "one's own");
    let (st, _) = sec.put(&path, json!({ "org_id": b.org_a })).await;
    assert_eq!(st, 403, "the security administrator does not manage accounts");
    assert_eq!(names(&liaison).await, vec![b.org_b], "nothing changed");

    // Audited with the organization before.
    let pw = user(&s.app, "aud1", Role::Auditor, None).await;
    let aud = Api::login(&s.base, "aud1", &pw).await;
    let (_, log) = aud.get("/api/v1/audit?action=set_organization").await;
    assert_eq!(log["total"], 1, "{log}");
    let after = log["items"][0]["after"].to_string();
    assert!(
        after.contains(&b.org_a.to_string()) && after.contains(&b.org_b.to_string()),
        "{log}"
    );
}
crate::on_both!(an_account_moves_to_another_organization);
