//! kean's integration suite, one test binary: every test boots the real
//! server (the router `kean serve` runs) on a free port over a fresh
//! database — SQLite, and PostgreSQL when KEAN_TEST_POSTGRES_URL is set
//! (`on_both!`) — and talks to it over HTTP, or through the gate, as users
//! and operators do. One binary links once instead of once per file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
#![allow(dead_code)] // not every test uses every helper of the harness

#[macro_use]
mod common;

mod account;
mod audit;
mod audit_view;
mod backup;
mod browser;
mod classify;
mod confidentiality;
mod data;
mod demo_and_cli;
mod gate;
mod import;
mod lifecycle;
mod migration;
mod processes;
mod registry;
mod reliability;
mod screening;
mod screening_review;
mod search;
mod submissions;
mod vocabulary;
