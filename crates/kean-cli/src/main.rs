//! `kean` — the one binary of the platform.

use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use kean_app::{App, SystemClock};
use kean_core::{Actor, Kind, Role};

const DEFAULT_DB: &str = "sqlite://data/kean.db";

#[derive(Parser)]
#[command(
    name = "kean",
    version,
    about = "kean 科安 — 科技安全风险防控平台 (technology security risk platform)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DbArg {
    /// Database: sqlite://PATH (created if missing) or postgres://USER@HOST/DB
    #[arg(long, env = "KEAN_DATABASE_URL", default_value = DEFAULT_DB, global = true)]
    database_url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web platform.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed the demo city (晋中市) and demo accounts into an empty database.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Inspect the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Create the database and apply migrations, then exit.
    Migrate {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from standard input (one line)
    /// unless --password is given.
    Create {
        #[arg(long)]
        username: String,
        /// The person's name as shown in the interface.
        #[arg(long)]
        display_name: String,
        /// admin | reviewer | liaison | researcher | auditor
        #[arg(long)]
        role: String,
        /// Unified social credit code of the user's organization (liaison, researcher).
        #[arg(long)]
        org_credit_code: Option<String>,
        /// Password (visible in the process list; prefer standard input).
        #[arg(long)]
        password: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// List users.
    List {
        #[command(flatten)]
        db: DbArg,
    },
    /// Clear a lock after repeated failed logins.
    Unlock {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Disable an account (its sessions end at once).
    Disable {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Enable a disabled account.
    Enable {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
    /// Set a new password, read from standard input (one line).
    Passwd {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-walk the SM3 hash chain of the audit log and report the first broken record.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

/// Opens a database that must already exist (commands other than `serve`
/// and `migrate` must not create an empty one by a typo).
async fn open_existing(url: &str) -> Result<App, ExitCode> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let file = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(file).exists() {
            return Err(fail(format!(
                "--database-url: the database file {file} does not exist (start `kean serve` or run `kean migrate` to create it)"
            )));
        }
    }
    open(url).await
}

async fn open(url: &str) -> Result<App, ExitCode> {
    App::open(url, Arc::new(SystemClock))
        .await
        .map_err(|e| fail(format!("cannot open the database {url}: {e}")))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("KEAN_LOG").unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { listen, demo, db } => serve(listen, demo, &db.database_url).await,
        Command::Migrate { db } => match open(&db.database_url).await {
            Ok(_) => {
                println!("database ready: {}", db.database_url);
                ExitCode::SUCCESS
            }
            Err(c) => c,
        },
        Command::User { command } => user(command).await,
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            match app.access(Actor::system("audit verify")).verify_audit().await {
                Ok(Ok(n)) => {
                    println!("audit chain intact: {n} records verified");
                    ExitCode::SUCCESS
                }
                Ok(Err(seq)) => fail(format!("audit chain broken at record {seq}")),
                Err(e) => fail(e),
            }
        }
    }
}

async fn serve(listen: SocketAddr, demo: bool, url: &str) -> ExitCode {
    let app = match open(url).await {
        Ok(a) => a,
        Err(c) => return c,
    };
    if demo {
        match kean_demo::seed(&app).await {
            Ok(Some(summary)) => println!("{summary}"),
            Ok(None) => println!("demo data already present; not seeding again"),
            Err(e) => return fail(format!("seeding the demo failed: {e}")),
        }
    }
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {listen}: {e}")),
    };
    println!("kean is running at http://{listen}/  (database: {url})");
    if demo {
        println!("log in with one of the demo accounts:");
        for (user, pw, role, note) in kean_demo::DEMO_ACCOUNTS {
            println!("  {user:<11} {pw:<13} {role}{note}");
        }
    }
    println!("press Ctrl+C to stop");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match kean_web::serve(app, listener, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

async fn change(url: &str, username: &str, action: kean_app::UserAction) -> ExitCode {
    let app = match open_existing(url).await {
        Ok(a) => a,
        Err(c) => return c,
    };
    let access = app.access(Actor::system("cli"));
    let what = format!("{action:?}");
    let user = match access.user_named(username).await {
        Ok(u) => u,
        Err(e) => return fail(format!("--username: {e}")),
    };
    match access.change_user(user.id, action).await {
        Ok(u) => {
            let what = if what.starts_with("Password") {
                "Password".to_string()
            } else {
                what
            };
            println!(
                "{}: {what} done (disabled: {}, locked until: {})",
                u.username,
                u.disabled,
                u.locked_until.as_deref().unwrap_or("-")
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn user(cmd: UserCommand) -> ExitCode {
    match cmd {
        UserCommand::Create {
            username,
            display_name,
            role,
            org_credit_code,
            password,
            db,
        } => {
            let Some(role) = Role::parse(&role) else {
                return fail(format!(
                    "--role '{role}' is not one of admin, reviewer, liaison, researcher, auditor"
                ));
            };
            // Creating the first account may also create the database.
            let app = match open(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            let access = app.access(Actor::system("cli"));
            let org_id = match org_credit_code {
                None => None,
                Some(code) => {
                    let q = kean_app::ListQuery {
                        filters: vec![("credit_code", kean_core::Value::Text(code.trim().to_uppercase()))],
                        archived: kean_app::ArchivedFilter::All,
                        page: 1,
                        page_size: 1,
                        ..Default::default()
                    };
                    match access.list(Kind::Organization, &q).await {
                        Ok(l) if !l.page.items.is_empty() => Some(l.page.items[0].id),
                        Ok(_) => return fail(format!("--org-credit-code: no organization with credit code {code}")),
                        Err(e) => return fail(e),
                    }
                }
            };
            let password = match password {
                Some(p) => p,
                None => {
                    let mut s = String::new();
                    if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                        return fail(format!("cannot read the password from standard input: {e}"));
                    }
                    s.lines().next().unwrap_or("").to_string()
                }
            };
            match access
                .create_user(&username, &display_name, role, org_id, &password)
                .await
            {
                Ok(u) => {
                    println!("created user {} (id {}, role {})", u.username, u.id, u.role.code());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        UserCommand::Unlock { username, db } => change(&db.database_url, &username, kean_app::UserAction::Unlock).await,
        UserCommand::Disable { username, db } => {
            change(&db.database_url, &username, kean_app::UserAction::SetDisabled(true)).await
        }
        UserCommand::Enable { username, db } => {
            change(&db.database_url, &username, kean_app::UserAction::SetDisabled(false)).await
        }
        UserCommand::Passwd { username, db } => {
            let mut s = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                return fail(format!("cannot read the password from standard input: {e}"));
            }
            let pw = s.lines().next().unwrap_or("").to_string();
            change(&db.database_url, &username, kean_app::UserAction::Password(pw)).await
        }
        UserCommand::List { db } => {
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            match app.access(Actor::system("cli")).users().await {
                Ok(users) => {
                    println!("{:<5} {:<16} {:<12} {:<8} name", "id", "username", "role", "org");
                    for u in users {
                        let org = u.org_id.map(|o| o.to_string()).unwrap_or_default();
                        println!(
                            "{:<5} {:<16} {:<12} {:<8} {}",
                            u.id,
                            u.username,
                            u.role.code(),
                            org,
                            u.display_name
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}
