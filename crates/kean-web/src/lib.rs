//! kean-web — the HTTP face of kean: server-rendered pages (askama
//! templates, htmx for partial updates) and the JSON API under `/api/v1`
//! described by `/api/openapi.json`.
//!
//! Handlers never see the store: they receive an [`auth::WebUser`] /
//! [`auth::ApiUser`] extractor that carries an `Access` (the permission
//! gate), and POST handlers take [`auth::WebForm`], which refuses a request
//! whose CSRF token does not match the session's. They return
//! `Result<Response, PageError>` or `Result<Response, ApiError>`
//! ([`respond`]) and answer every failure with `?`.
#![recursion_limit = "256"] // the OpenAPI document's json! literals

mod api;
mod auth;
mod drain;
mod i18n;
mod openapi;
mod pages;
mod params;
mod renamed;
mod respond;
mod state;
mod views;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kean_app::App;

pub use i18n::Lang;
pub use state::AppState;

/// The whole web application.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(static_file))
        .merge(pages::router())
        .route("/api/openapi.json", get(openapi::document))
        .nest("/api/v1", api::router())
        .fallback(fallback)
        .layer(middleware::from_fn(renamed::redirect_renamed))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(drain::unread_body))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return respond::ApiError::no_endpoint().into_response();
    }
    let lang = auth::lang_of(req.headers());
    respond::PageError::bare(
        lang,
        kean_app::AppError::new(kean_core::ErrorCode::NotFound, "页面不存在", "page not found"),
    )
    .into_response()
}

async fn security_headers(req: Request, next: Next) -> Response {
    // Only the static files may be kept by a cache: every other answer is
    // someone's page, data or export.
    let cacheable = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !cacheable {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // A stored file answers with a stricter policy of its own (no script,
    // sandboxed); everything else with the site's.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ),
        );
    }
    res
}

const HTMX_JS: &str = include_str!("../static/htmx.min.js");
const ECHARTS_JS: &str = include_str!("../static/echarts.min.js");
const APP_JS: &str = include_str!("../static/app.js");
const APP_CSS: &str = include_str!("../static/app.css");

async fn static_file(Path(file): Path<String>) -> Response {
    let (body, ctype) = match file.as_str() {
        "htmx.min.js" => (HTMX_JS, "text/javascript; charset=utf-8"),
        "echarts.min.js" => (ECHARTS_JS, "text/javascript; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Serves until the future `shutdown` completes.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Failed-login windows that ended are audited even when no one logs in.
    let auditor = app.clone();
    let flush = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = auditor.audit_login_floods(auditor.now()).await {
                tracing::error!("auditing failed logins: {e}");
            }
        }
    });
    // Follow-up work committed writes left (a process that died after its
    // commit, a screening that failed): all of it at start, then every 15
    // seconds what is older than 10 seconds (younger work is its writing
    // request's own).
    let worker = app.clone();
    let follow_up = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(15));
        let mut first = true;
        loop {
            every.tick().await;
            let before = if first {
                worker.now()
            } else {
                worker.now() - chrono::Duration::seconds(10)
            };
            first = false;
            match worker.run_pending_work(&kean_core::format_ts(before)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("follow-up work done for {n} records"),
                Err(e) => tracing::error!("follow-up work: {e}"),
            }
        }
    });
    let served = axum::serve(
        listener,
        router(app).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    flush.abort();
    follow_up.abort();
    served
}
