//! The JSON API under `/api/v1`: the same operations as the pages, through
//! the same gate. Each capability has its module; this one only routes.

mod auth;
mod confidentiality;
mod data;
mod lifecycle;
mod registry;
mod screening;
mod stats;
mod submissions;
mod system;

use axum::Router;
use axum::routing::{delete, get, post, put};

use axum::response::IntoResponse;

use crate::respond::ApiError;
use crate::state::AppState;
pub use lifecycle::review_filter;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/token", post(auth::token).delete(auth::revoke))
        .route("/auth/reauth", post(auth::reauth))
        .route("/me", get(auth::me).put(auth::update_me))
        .route("/me/logins", get(auth::my_logins))
        .route("/me/tokens", get(auth::my_tokens))
        .route("/me/tokens/{token}", delete(auth::revoke_my_token))
        .route("/users", get(system::users).post(system::create_user))
        .route("/users/{id}/clearance", put(confidentiality::set_clearance))
        .route("/users/{id}/role", put(confidentiality::set_role))
        .route("/users/{id}/organization", put(system::set_organization))
        .route("/users/{id}/{action}", post(system::change_user))
        .route(
            "/settings/ceiling",
            get(confidentiality::ceiling).put(confidentiality::set_ceiling),
        )
        .route(
            "/settings/review",
            get(submissions::review_settings).put(submissions::set_review_settings),
        )
        .route("/submissions", get(submissions::list))
        .route("/submissions/queue", get(submissions::queue))
        .route("/submissions/approve", post(submissions::approve_batch))
        .route("/submissions/{id}", get(submissions::detail).put(submissions::resubmit))
        .route("/submissions/{id}/withdraw", post(submissions::withdraw))
        .route("/submissions/{id}/approve", post(submissions::approve))
        .route("/submissions/{id}/return", post(submissions::return_submission))
        .route("/audit", get(system::audit))
        .route("/audit/export", get(system::audit_export))
        .route("/audit/status", get(system::audit_status))
        .route("/audit/verify", post(system::audit_verify))
        .route("/statistics/dashboard", get(stats::dashboard))
        .route("/registry/{slug}", get(registry::list).post(registry::create))
        .route("/registry/{slug}/{id}", get(registry::detail).put(registry::update))
        .route("/registry/{slug}/{id}/archive", post(registry::archive))
        .route("/registry/{slug}/{id}/restore", post(registry::restore))
        .route(
            "/registry/{slug}/{id}/need-to-know",
            get(confidentiality::need_to_know).post(confidentiality::add_need_to_know),
        )
        .route(
            "/registry/{slug}/{id}/level-changes",
            post(confidentiality::propose_level_change),
        )
        .route(
            "/registry/{slug}/{id}/attachments",
            get(data::list)
                .post(data::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    kean_core::attachment::MAX_ATTACHMENT_BYTES + 1_000_000,
                )),
        )
        .route("/attachments/{id}", get(data::download).delete(data::remove))
        .route("/registry/{slug}/{id}/export-requests", post(data::request_export))
        .route("/data-exports", get(data::exports))
        .route("/data-exports/{id}/decision", post(data::decide))
        .route("/level-changes", get(confidentiality::level_changes))
        .route(
            "/level-changes/{id}/decision",
            post(confidentiality::decide_level_change),
        )
        .route(
            "/registry/{slug}/{id}/need-to-know/{username}",
            delete(confidentiality::remove_need_to_know),
        )
        .merge(screening::routes())
        .merge(lifecycle::routes())
        .fallback(|| async { ApiError::no_endpoint().into_response() })
}
