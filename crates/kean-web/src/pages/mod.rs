//! Server-rendered pages, one module per capability; this one only routes.

mod account;
mod auth;
mod common;
mod confidentiality;
mod data;
pub use data::file_response;
pub(crate) mod exchange;
mod home;
mod lifecycle;
mod registry;
mod screening;
mod submissions;
pub(crate) mod system;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(auth::login_page).post(auth::login_submit))
        .route("/logout", post(auth::logout))
        .route("/lang/{lang}", get(auth::set_lang))
        .route(
            "/login/second-factor",
            get(account::second_factor_page).post(account::second_factor_submit),
        )
        .route("/account", get(account::account_page))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/profile", post(account::profile_submit))
        .route(
            "/account/password",
            get(account::password_page).post(account::password_submit),
        )
        .route(
            "/account/second-factor",
            get(account::enrol_page).post(account::enrol_submit),
        )
        .route(
            "/account/reauth",
            get(account::reauth_page).post(account::reauth_submit),
        )
        .route("/", get(home::home))
        .route("/statistics/export.xlsx", get(exchange::statistics_xlsx))
        .route("/statistics/export.csv", get(exchange::statistics_csv))
        .route("/registry/{slug}", get(registry::list).post(registry::create))
        .route("/registry/{slug}/new", get(registry::new_form))
        .route("/registry/{slug}/options", get(registry::options))
        .route("/registry/{slug}/archive-selected", post(registry::archive_selected))
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
        .route("/registry/{slug}/{id}", get(registry::detail).post(registry::update))
        .route("/registry/{slug}/{id}/edit", get(registry::edit_form))
        .route("/registry/{slug}/{id}/archive", post(registry::archive))
        .route("/registry/{slug}/{id}/restore", post(registry::restore))
        .route(
            "/registry/{slug}/{id}/attachments",
            post(data::upload).layer(axum::extract::DefaultBodyLimit::max(
                kean_core::attachment::MAX_ATTACHMENT_BYTES + 1_000_000,
            )),
        )
        .route("/attachments/{id}", get(data::download))
        .route("/attachments/{id}/remove", post(data::remove))
        .route("/registry/{slug}/{id}/export-requests", post(data::request_export))
        .route(
            "/system/data-exports/{id}/{action}",
            post(confidentiality::decide_export),
        )
        .route(
            "/registry/{slug}/{id}/level-change",
            post(registry::propose_level_change),
        )
        .route("/system/users", get(system::users).post(system::create_user))
        .route("/system/users/organization", post(system::move_user))
        .route("/system/users/{id}/{action}", post(system::change_user))
        .route("/system/audit", get(system::audit))
        .route("/system/audit/verify", post(system::verify_audit))
        .route("/system/audit/export.csv", get(system::audit_export_csv))
        .route("/system/audit/export.xlsx", get(system::audit_export_xlsx))
        .route("/system/confidentiality", get(confidentiality::show))
        .route("/system/confidentiality/ceiling", post(confidentiality::set_ceiling))
        .route(
            "/system/confidentiality/changes/{id}/{action}",
            post(confidentiality::decide),
        )
        .route(
            "/system/confidentiality/{slug}/{id}/{action}",
            post(confidentiality::need_to_know),
        )
        .route("/submissions", get(submissions::list))
        .route("/submissions/approve", post(submissions::approve_batch))
        .route("/submissions/settings", post(submissions::settings))
        .route("/submissions/{id}", get(submissions::detail))
        .route("/submissions/{id}/edit", get(submissions::edit_form))
        .route("/submissions/{id}/resubmit", post(submissions::resubmit))
        .route("/submissions/{id}/withdraw", post(submissions::withdraw))
        .route("/submissions/{id}/approve", post(submissions::approve))
        .route("/submissions/{id}/return", post(submissions::return_submission))
        .route("/screening", get(screening::results_page))
        .route("/screening/results/{id}", get(screening::result))
        .route("/screening/results/{id}/decide", post(screening::decide))
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
        .route("/registry/{slug}/{id}/transition", post(lifecycle::transition))
        .route("/registry/{slug}/{id}/parties", post(lifecycle::add_party))
        .route("/registry/{slug}/{id}/disclosures", post(lifecycle::add_disclosure))
        .route("/project-parties/{id}/remove", post(lifecycle::remove_party))
        .route(
            "/registry/{slug}/{id}/transfer-audit",
            post(lifecycle::open_transfer_audit),
        )
        .route("/registry/{slug}/{id}/classify", post(lifecycle::classify))
        .route("/registry/{slug}/{id}/assessment", post(lifecycle::open_assessment))
        .route("/technology-links/{id}/decide", post(lifecycle::decide_link))
        .route("/reviews", get(lifecycle::reviews_page))
        .route("/reviews/{id}", get(lifecycle::review))
        .route("/reviews/{id}/decide", post(lifecycle::decide))
        .route("/reviews/{id}/licence", post(lifecycle::licence))
        .route("/dictionaries/{dictionary}", get(lifecycle::dictionary))
        .route("/dictionaries/{dictionary}/import", post(lifecycle::import_dictionary))
        .route("/screening/search", get(screening::search_page))
        .route(
            "/screening/vocabulary",
            get(screening::vocabulary_page).post(screening::vocabulary_change),
        )
        .route("/screening/parties/{slug}/{id}", get(screening::party_page))
        .route("/screening/parties/{slug}/{id}/decide", post(screening::party_decide))
}
