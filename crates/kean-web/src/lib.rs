//! kean-web — the HTTP face of kean: server-rendered pages (askama
//! templates, htmx for partial updates) and the JSON API under `/api/v1`
//! described by `/api/openapi.json`.
//!
//! Handlers never see the store: they receive an [`auth::WebUser`] /
//! [`auth::ApiUser`] extractor that carries an `Access` (the permission
//! gate), and POST handlers take [`auth::WebForm`], which refuses a request
//! whose CSRF token does not match the session's.

// Handlers return `Result<_, Response>` as axum idiom has it; a Response is
// large, and boxing it would only add noise.
#![allow(clippy::result_large_err)]

mod api;
mod auth;
mod exchange;
mod i18n;
mod openapi;
mod pages;
mod screening;
mod views;

use axum::Router;
use axum::extract::{Path, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kean_app::App;

pub use i18n::Lang;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// The whole web application.
pub fn router(app: App) -> Router {
    let state = AppState { app };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{file}", get(static_file))
        .route("/login", get(pages::login_page).post(pages::login_submit))
        .route("/logout", post(pages::logout))
        .route("/lang/{lang}", get(pages::set_lang))
        .route("/", get(pages::home))
        .route("/statistics/export.xlsx", get(exchange::statistics_xlsx))
        .route("/statistics/export.csv", get(exchange::statistics_csv))
        .route("/registry/{slug}", get(pages::list).post(pages::create))
        .route("/registry/{slug}/new", get(pages::new_form))
        .route("/registry/{slug}/options", get(pages::options))
        .route("/registry/{slug}/export.csv", get(exchange::export_csv))
        .route("/registry/{slug}/export.xlsx", get(exchange::export_xlsx))
        .route("/registry/{slug}/template.xlsx", get(exchange::template_xlsx))
        .route("/registry/{slug}/template.csv", get(exchange::template_csv))
        .route(
            "/registry/{slug}/import",
            get(exchange::import_form)
                .post(exchange::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    kean_exchange::DEFAULT_MAX_BYTES as usize + 1_000_000,
                )),
        )
        .route("/registry/{slug}/import/{token}/confirm", post(exchange::confirm))
        .route("/registry/{slug}/import/{token}/report.xlsx", get(exchange::report))
        .route("/registry/{slug}/{id}", get(pages::detail).post(pages::update))
        .route("/registry/{slug}/{id}/edit", get(pages::edit_form))
        .route("/registry/{slug}/{id}/archive", post(pages::archive))
        .route("/registry/{slug}/{id}/restore", post(pages::restore))
        .route("/system/users", get(pages::users).post(pages::create_user))
        .route("/system/users/{id}/{action}", post(pages::change_user))
        .route("/system/audit", get(pages::audit))
        .route("/screening", get(screening::hits_page))
        .route("/screening/hits/{id}", get(screening::hit))
        .route("/screening/hits/{id}/decide", post(screening::decide))
        .route("/screening/rescreen", post(screening::rescreen))
        .route("/screening/lists", get(screening::lists_page))
        .route(
            "/screening/lists/import",
            post(screening::import_list).layer(axum::extract::DefaultBodyLimit::max(
                kean_exchange::DEFAULT_MAX_BYTES as usize + 1_000_000,
            )),
        )
        .route("/screening/lists/{id}", get(screening::list_page))
        .route("/screening/lists/{id}/retire", post(screening::retire_list))
        .route("/screening/versions/{id}", get(screening::version_page))
        .route("/screening/entries/{id}", get(screening::entry_page))
        .route("/api/openapi.json", get(openapi::document))
        .nest("/api/v1", api::router())
        .fallback(fallback)
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn fallback(req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return api::not_found_json();
    }
    let lang = auth::lang_of(req.headers());
    pages::error_page_bare(
        lang,
        kean_app::AppError::new(kean_core::ErrorCode::NotFound, "页面不存在", "page not found"),
    )
}

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ),
    );
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
    axum::serve(listener, router(app))
        .with_graceful_shutdown(shutdown)
        .await
}
