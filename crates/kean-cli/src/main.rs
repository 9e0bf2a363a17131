//! `kean` — the one binary of the platform.

use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use kean_app::{App, SystemClock};
use kean_core::Kind;

mod audit;
mod backup;
mod gates;
mod lang;

use lang::t;

// A request builds many short-lived values (rows, records, JSON); glibc's
// allocator spent ~10% of the server's CPU on them under load (perf), with
// consolidation and fragmentation across tokio's threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
pub(crate) struct DbArg {
    /// Database: sqlite://PATH (created if missing) or postgres://USER@HOST/DB
    #[arg(long, env = "KEAN_DATABASE_URL", default_value = DEFAULT_DB, global = true)]
    pub(crate) database_url: String,
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
        /// Mark the session cookie Secure (serve over HTTPS, directly or behind a proxy).
        #[arg(long, env = "KEAN_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Count failed logins by the client address a reverse proxy puts
        /// last in X-Forwarded-For (only behind a proxy that sets it).
        #[arg(long, env = "KEAN_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: bool,
        /// Days after which a password must be changed (等保: 90).
        #[arg(long, env = "KEAN_PASSWORD_MAX_AGE_DAYS", default_value_t = 90)]
        password_max_age_days: u32,
        /// Minutes without a request after which a browser session ends.
        #[arg(long, env = "KEAN_IDLE_TIMEOUT_MINUTES", default_value_t = 30)]
        idle_timeout_minutes: u32,
        /// Hours after which a browser session ends, however active.
        #[arg(long, env = "KEAN_SESSION_HOURS", default_value_t = 12)]
        session_hours: u32,
        /// Days an API token lasts (1–365).
        #[arg(long, env = "KEAN_API_TOKEN_DAYS", default_value_t = 30,
              value_parser = clap::value_parser!(u32).range(1..=365))]
        api_token_days: u32,
        /// Let administrators and auditors work without a second factor (for
        /// demonstrations and the API fuzzing in CI only — never in production).
        #[arg(long)]
        second_factor_optional: bool,
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
        command: audit::AuditCommand,
    },
    /// Import a CSV (UTF-8 or GBK) or XLSX file into a registry: every row is
    /// checked; a file with any bad row imports nothing and the problems are
    /// listed (and written to --report as a workbook with the bad cells marked).
    Import {
        /// organizations | platforms | persons | tech-contracts | achievements |
        /// transfers | revenue-reports | districts | industry-chains
        kind: String,
        /// The file to import.
        file: std::path::PathBuf,
        /// Import even if the same file was imported before.
        #[arg(long)]
        force: bool,
        /// Check the file and report, but write nothing.
        #[arg(long)]
        dry_run: bool,
        /// Where to write the error report (XLSX) if rows are rejected.
        #[arg(long)]
        report: Option<std::path::PathBuf>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Write an import template (XLSX, or CSV if FILE ends in .csv).
    Template { kind: String, file: std::path::PathBuf },
    /// Screen the names in a CSV file against restricted-party lists (OFAC
    /// SDN.CSV, the Consolidated Screening List / Entity List JSON, the UN
    /// consolidated XML, China's lists, or kean's own list CSV; detected
    /// from content). QUERIES.csv has the header id,name and optionally
    /// type (organization | person) and country.
    Screen {
        /// A list file; repeat for several lists.
        #[arg(long = "list", required = true)]
        lists: Vec<std::path::PathBuf>,
        /// The names to screen.
        #[arg(long)]
        input: std::path::PathBuf,
        /// Where to write the matches (default: standard output). Header:
        /// query_id,entry_id,entry_name,list,matched_name,score,explanation
        #[arg(long)]
        output: Option<std::path::PathBuf>,
        /// Lowest score reported, in [0, 1].
        #[arg(long, default_value_t = kean_screen::DEFAULT_THRESHOLD, value_parser = parse_threshold)]
        threshold: f64,
        /// The bureau's own vocabulary (CHINESE<TAB>ENGLISH lines, the format of
        /// crates/kean-screen/data/vocabulary.tsv), added to the built-in one.
        #[arg(long)]
        vocabulary: Option<std::path::PathBuf>,
    },
    /// Suggest the chokepoint technologies (卡脖子技术清单) and export-controlled
    /// technologies (禁止出口限制出口技术目录) that projects' texts are about.
    /// Dictionary files: the chokepoint seed CSV, the catalogue seed CSV or
    /// kean's own dictionary CSV (detected from the header). PROJECTS.csv has
    /// the header id,title,abstract,keywords.
    Classify {
        /// A dictionary file; repeat for several.
        #[arg(long = "dictionary", required = true)]
        dictionaries: Vec<std::path::PathBuf>,
        /// The projects to classify.
        #[arg(long)]
        input: std::path::PathBuf,
        /// Where to write the suggestions (default: standard output). Header:
        /// query_id,dictionary,item_code,item_name,score,matched_terms
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Manage the restricted-party lists kept in the platform.
    Lists {
        #[command(subcommand)]
        command: ListsCommand,
    },
    /// Re-screen every registered party against the lists in the platform
    /// (动态排查) and report what changed.
    Rescreen {
        #[command(flatten)]
        db: DbArg,
    },
    /// Write a consistent backup of the database to FILE while the server
    /// keeps running (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc), check
    /// its audit chain, and print what it holds and its SM3 hash.
    Backup {
        /// The backup file to write (refused if it exists, unless --force).
        file: std::path::PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Restore a backup written by `kean backup` into a new or empty
    /// database (--force replaces a non-empty one): its audit chain is
    /// verified, pending migrations applied, and the restore audited.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        /// Replace the target database if it already holds one.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: DbArg,
    },
    /// Sign in to a running server and print an API token for the
    /// commands below (the password is read from standard input):
    /// export KEAN_TOKEN=$(kean login --username NAME)
    Login {
        #[arg(long)]
        username: String,
        /// The one-time code of an account with a second factor.
        #[arg(long)]
        totp: Option<String>,
        #[command(flatten)]
        remote: gates::Remote,
    },
    /// Projects' lifecycle (申报 → 立项安全审查 → 立项 → 研发 → 结题), as the
    /// person whose token is given, through a running server.
    Project {
        #[command(subcommand)]
        command: gates::ProjectCommand,
        #[command(flatten)]
        remote: gates::Remote,
    },
    /// The security gates' reviews (立项安全审查, 研发安全管控, 转化安全审核,
    /// 创新平台安全评估), as the person whose token is given.
    Review {
        #[command(subcommand)]
        command: gates::ReviewCommand,
        #[command(flatten)]
        remote: gates::Remote,
    },
    /// Researchers' yearly disclosures (利益冲突与境外任职申报), as the
    /// person whose token is given.
    Disclosure {
        #[command(subcommand)]
        command: gates::DisclosureCommand,
        #[command(flatten)]
        remote: gates::Remote,
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
        /// admin | reviewer | liaison | researcher (business) | sysadmin | secadmin | auditor (三员)
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
    /// Remove an account's second factor and recovery codes (a lost phone);
    /// audited. An administrator or auditor enrols again at the next login.
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[arg(long)]
        username: String,
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum ListsCommand {
    /// Import a new version of a list (format detected from the content:
    /// OFAC SDN.CSV, CSL/Entity List JSON, UN XML, China's lists CSV, or
    /// kean's list CSV), record what it added, changed and removed, and
    /// re-screen every registered party.
    Import {
        file: std::path::PathBuf,
        /// Name of a local watch list (kean's CSV format only).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Show the lists and their current versions.
    Show {
        #[command(flatten)]
        db: DbArg,
    },
}

pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("{}{msg}", t("错误：", "error: "));
    ExitCode::FAILURE
}

/// An application error, said in the user's language.
pub(crate) fn fail_app(e: &kean_app::AppError) -> ExitCode {
    fail(lang::app_error(e))
}

/// Opens a database that must already exist (commands other than `serve`
/// and `migrate` must not create an empty one by a typo).
pub(crate) async fn open_existing(url: &str) -> Result<App, ExitCode> {
    if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        let file = path.split('?').next().unwrap_or(path);
        if !std::path::Path::new(file).exists() {
            return Err(fail(t(
                format!("--database-url：数据库文件 {file} 不存在（先运行 `kean serve` 或 `kean migrate` 创建）"),
                format!(
                    "--database-url: the database file {file} does not exist (start `kean serve` or run `kean migrate` to create it)"
                ),
            )));
        }
    }
    open(url).await
}

async fn open(url: &str) -> Result<App, ExitCode> {
    App::open(url, Arc::new(SystemClock)).await.map_err(|e| {
        fail(t(
            format!("无法打开数据库 {url}：{}", lang::app_error(&e)),
            format!("cannot open the database {url}: {}", lang::app_error(&e)),
        ))
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEAN_LOG")
                .unwrap_or_else(|_| "info,sqlx::postgres::notice=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            trust_forwarded_for,
            password_max_age_days,
            idle_timeout_minutes,
            session_hours,
            api_token_days,
            second_factor_optional,
            db,
        } => {
            let s = kean_app::Settings {
                secure_cookies,
                trust_forwarded_for,
                password_max_age: chrono::Duration::days(i64::from(password_max_age_days.max(1))),
                idle_timeout: chrono::Duration::minutes(i64::from(idle_timeout_minutes.max(1))),
                web_session: chrono::Duration::hours(i64::from(session_hours.max(1))),
                api_token: chrono::Duration::days(i64::from(api_token_days)),
                second_factor_mandatory: !second_factor_optional,
                ..kean_app::Settings::default()
            };
            serve(listen, demo, s, &db.database_url).await
        }
        Command::Migrate { db } => match open(&db.database_url).await {
            Ok(_) => {
                println!(
                    "{}",
                    t(
                        format!("数据库已就绪：{}", db.database_url),
                        format!("database ready: {}", db.database_url)
                    )
                );
                ExitCode::SUCCESS
            }
            Err(c) => c,
        },
        Command::Backup { file, force, db } => backup::backup(&db.database_url, &file, force).await,
        Command::Restore { file, force, db } => backup::restore(&db.database_url, &file, force).await,
        Command::User { command } => user(command).await,
        Command::Lists { command } => lists(command).await,
        Command::Rescreen { db } => rescreen(&db.database_url).await,
        Command::Screen {
            lists,
            input,
            output,
            threshold,
            vocabulary,
        } => screen(&lists, &input, output.as_deref(), threshold, vocabulary.as_deref()),
        Command::Classify {
            dictionaries,
            input,
            output,
        } => classify(&dictionaries, &input, output.as_deref()),
        Command::Import {
            kind,
            file,
            force,
            dry_run,
            report,
            db,
        } => import(&kind, &file, force, dry_run, report.as_deref(), &db.database_url).await,
        Command::Template { kind, file } => {
            let Some(k) = lang::parse_kind(&kind) else {
                return unknown_kind(&kind);
            };
            let bytes = if file.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
                Ok(kean_exchange::template_csv(k))
            } else {
                kean_exchange::template_xlsx(k)
            };
            match bytes
                .map_err(|e| e.to_string())
                .and_then(|b| std::fs::write(&file, b).map_err(|e| e.to_string()))
            {
                Ok(()) => {
                    println!(
                        "{}",
                        t(
                            format!("{}的导入模板已写入 {}", k.label(true), file.display()),
                            format!("template for {} written to {}", k.slug(), file.display())
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(t(
                    format!("无法写入 {}：{e}", file.display()),
                    format!("cannot write {}: {e}", file.display()),
                )),
            }
        }
        Command::Audit { command } => audit::audit(command).await,
        Command::Login { username, totp, remote } => gates::login(&username, totp.as_deref(), &remote).await,
        Command::Project { command, remote } => gates::project(command, remote).await,
        Command::Review { command, remote } => gates::review(command, remote).await,
        Command::Disclosure { command, remote } => gates::disclosure(command, remote).await,
    }
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if (0.0..=1.0).contains(&t) => Ok(t),
        _ => Err(format!("'{s}' is not a number between 0 and 1")),
    }
}

fn screen(
    lists: &[std::path::PathBuf],
    input: &std::path::Path,
    output: Option<&std::path::Path>,
    threshold: f64,
    vocabulary: Option<&std::path::Path>,
) -> ExitCode {
    let started = std::time::Instant::now();
    if let Some(path) = vocabulary {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return fail(cannot_read("--vocabulary", path, &e)),
        };
        match kean_screen::zh::extend_vocabulary(&text) {
            Ok(n) => eprintln!(
                "{}",
                t(
                    format!("词表 {}：增加 {n} 个词条。", path.display()),
                    format!("Vocabulary {}: {n} entries added.", path.display())
                )
            ),
            Err(e) => return fail(format!("--vocabulary {}: {e}", path.display())),
        }
    }
    let mut parsed = vec![];
    for path in lists {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return fail(cannot_read("--list", path, &e)),
        };
        let hint = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        match kean_app::read_list(&bytes, &hint) {
            Ok(list) => {
                let c = kean_screen::coverage(&list);
                let (n, zh_names, through) = (list.entries.len(), c.with_chinese_name, c.through_translation);
                eprintln!(
                    "{}",
                    t(
                        format!(
                            "名单 {}：{n} 个条目（{}）；{zh_names} 个有中文名，另有 {through} 个可经翻译由中文名查到。",
                            path.display(),
                            list_format(list.format, true)
                        ),
                        format!(
                            "List {}: {n} entries ({}); {zh_names} with a Chinese name, {through} more reached from Chinese through translation.",
                            path.display(),
                            list_format(list.format, false)
                        )
                    )
                );
                parsed.push(list);
            }
            Err(e) => {
                return fail(t(
                    format!("--list {}：{}", path.display(), e.message_zh()),
                    format!("--list {}: {e}", path.display()),
                ));
            }
        }
    }
    let index = kean_screen::Index::from_lists(parsed);
    let (entries, names, secs) = (index.len(), index.name_count(), started.elapsed().as_secs_f64());
    eprintln!(
        "{}",
        t(
            format!("索引：{entries} 个条目、{names} 个名称，用时 {secs:.2} 秒。"),
            format!("Index: {entries} entries, {names} names, ready in {secs:.2} s.")
        )
    );
    let queries = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => return fail(cannot_read("--input", input, &e)),
    };
    let total = queries.iter().filter(|b| **b == b'\n').count().saturating_sub(1) as u64;
    let bar = indicatif::ProgressBar::new(total.max(1));
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} names  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let out: Box<dyn std::io::Write> = match output {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                return fail(t(
                    format!("--output {}：无法创建：{}", p.display(), io_zh(&e)),
                    format!("--output {}: cannot create: {e}", p.display()),
                ));
            }
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let result = kean_screen::screen_batch(&index, &queries[..], out, threshold, &mut |done| bar.set_position(done));
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            let (queries, entries, secs) = (s.queries, index.len(), started.elapsed().as_secs_f64());
            let (matches, with) = (s.matches, s.queries_with_matches);
            eprintln!(
                "{}",
                t(
                    format!(
                        "已将 {queries} 个名称与 {entries} 个名单条目比对，用时 {secs:.1} 秒：阈值 {threshold} 下 {with} 个名称有 {matches} 个匹配{}。",
                        output.map(|p| format!("，已写入 {}", p.display())).unwrap_or_default()
                    ),
                    format!(
                        "Screened {queries} names against {entries} list entries in {secs:.1} s: {matches} matches for {with} names at threshold {threshold}{}.",
                        output
                            .map(|p| format!(", written to {}", p.display()))
                            .unwrap_or_default()
                    )
                )
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("--input {}{}{e}", input.display(), t("：", ": "))),
    }
}

/// `kean classify`: every file is read and checked before anything is
/// classified, and the results are written only when all went well.
fn classify(
    dictionaries: &[std::path::PathBuf],
    input: &std::path::Path,
    output: Option<&std::path::Path>,
) -> ExitCode {
    let started = std::time::Instant::now();
    let mut items = vec![];
    let mut replaced = 0;
    for path in dictionaries {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => return fail(cannot_read("--dictionary", path, &e)),
        };
        match kean_classify::load_dictionary(&bytes) {
            Ok(d) => {
                let deleted = d.deleted.len();
                eprintln!(
                    "{}",
                    t(
                        format!(
                            "词典 {}：{} 个条目（{}{}）。",
                            path.display(),
                            d.items.len(),
                            dictionary_format(&d.format, true),
                            if deleted == 0 {
                                String::new()
                            } else {
                                format!("；{deleted} 个已删除的条目不再建议")
                            }
                        ),
                        format!(
                            "Dictionary {}: {} items ({}{}).",
                            path.display(),
                            d.items.len(),
                            dictionary_format(&d.format, false),
                            if deleted == 0 {
                                String::new()
                            } else {
                                format!(", {deleted} deleted items not suggested")
                            }
                        )
                    )
                );
                // The same item in a later file (an edited list after its
                // seed) replaces the earlier one: one suggestion per item.
                for item in d.items {
                    match items
                        .iter()
                        .position(|i: &kean_classify::Item| i.dictionary == item.dictionary && i.key() == item.key())
                    {
                        Some(at) => {
                            replaced += 1;
                            items[at] = item;
                        }
                        None => items.push(item),
                    }
                }
            }
            Err(e) => return fail(format!("--dictionary {}{}{e}", path.display(), t("：", ": "))),
        }
    }
    if replaced > 0 {
        eprintln!(
            "{}",
            t(
                format!("{replaced} 个条目在后面的词典文件中再次出现：采用后面的。"),
                format!("{replaced} items given again in a later dictionary file: the later one is used.")
            )
        );
    }
    let queries = match std::fs::read(input) {
        Ok(b) => match kean_classify::read_queries(&b) {
            Ok(q) => q,
            Err(e) => return fail(format!("--input {}{}{e}", input.display(), t("：", ": "))),
        },
        Err(e) => return fail(cannot_read("--input", input, &e)),
    };
    let classifier = kean_classify::Classifier::new(items);
    let (csv, summary) = kean_classify::results_csv(&classifier, &queries, kean_classify::DEFAULT_THRESHOLD);
    let written = match output {
        Some(p) => std::fs::write(p, &csv).map_err(|e| {
            t(
                format!("--output {}：无法写入：{}", p.display(), io_zh(&e)),
                format!("--output {}: cannot write: {e}", p.display()),
            )
        }),
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(&csv).map_err(|e| {
                t(
                    format!("无法写到标准输出：{e}"),
                    format!("cannot write to standard output: {e}"),
                )
            })
        }
    };
    if let Err(e) = written {
        return fail(e);
    }
    let (texts, items, secs) = (
        summary.queries,
        classifier.items().len(),
        started.elapsed().as_secs_f64(),
    );
    let (suggestions, with, threshold) = (
        summary.suggestions,
        summary.queries_with_suggestions,
        kean_classify::DEFAULT_THRESHOLD,
    );
    eprintln!(
        "{}",
        t(
            format!(
                "已将 {texts} 段文本与 {items} 个条目比对，用时 {secs:.1} 秒：阈值 {threshold} 下 {with} 段文本有 {suggestions} 条建议{}。",
                output.map(|p| format!("，已写入 {}", p.display())).unwrap_or_default()
            ),
            format!(
                "Classified {texts} texts against {items} items in {secs:.1} s: {suggestions} suggestions for {with} texts at threshold {threshold}{}.",
                output
                    .map(|p| format!(", written to {}", p.display()))
                    .unwrap_or_default()
            )
        )
    );
    ExitCode::SUCCESS
}

/// A file an option names could not be read.
fn cannot_read(option: &str, path: &std::path::Path, e: &std::io::Error) -> String {
    t(
        format!("{option} {}：无法读取：{}", path.display(), io_zh(e)),
        format!("{option} {}: cannot read: {e}", path.display()),
    )
}

/// A list file's format, as people call it.
fn list_format(f: kean_screen::ListFormat, zh: bool) -> &'static str {
    use kean_screen::ListFormat as F;
    match (f, zh) {
        (F::OfacSdnCsv, _) => "OFAC SDN.CSV",
        (F::CslJson, true) => "美国综合筛查名单/实体清单 JSON",
        (F::CslJson, false) => "Consolidated Screening List / Entity List JSON",
        (F::UnXml, true) => "联合国安理会综合名单 XML",
        (F::UnXml, false) => "UN Security Council consolidated list XML",
        (F::CnCsv, true) => "中国名单 CSV",
        (F::CnCsv, false) => "China's lists CSV",
        (F::KeanCsv, true) => "本局名单 CSV",
        (F::KeanCsv, false) => "kean list CSV",
    }
}

/// A dictionary file's format, as people call it.
fn dictionary_format(f: &kean_classify::DictionaryFormat, zh: bool) -> &'static str {
    use kean_classify::DictionaryFormat as F;
    match (f, zh) {
        (F::ChokepointSeed, true) => "“卡脖子”技术清单种子文件",
        (F::ChokepointSeed, false) => "chokepoint list seed",
        (F::CatalogueSeed, true) => "出口管制技术目录种子文件",
        (F::CatalogueSeed, false) => "export-control catalogue seed",
        (F::Kean, true) => "kean 词典",
        (F::Kean, false) => "kean dictionary",
    }
}

/// A kind the CLI does not know; a slug renamed since (`contracts`,
/// `researchers`) is refused naming the one that replaced it.
fn unknown_kind(kind: &str) -> ExitCode {
    let current = kean_core::audit::current_name(kind);
    match Kind::from_slug(current) {
        Some(k) if current != kind => fail(t(
            format!(
                "没有“{kind}”这类登记；是指“{}”吗？（已改名；可用：{}）",
                k.slug(),
                lang::kinds()
            ),
            format!(
                "unknown kind '{kind}'; did you mean '{}'? (renamed; the kinds are: {})",
                k.slug(),
                lang::kinds()
            ),
        )),
        _ => fail(t(
            format!("没有“{kind}”这类登记；可用：{}", lang::kinds()),
            format!("unknown kind '{kind}'; use one of: {}", lang::kinds()),
        )),
    }
}

/// A file the user named, read whole (up to the import limit); a failure
/// said in the user's language.
fn read_file(file: &std::path::Path) -> Result<Vec<u8>, ExitCode> {
    let f = std::fs::File::open(file).map_err(|e| {
        fail(t(
            format!("无法打开文件 {}：{}", file.display(), io_zh(&e)),
            format!("cannot open {}: {e}", file.display()),
        ))
    })?;
    kean_exchange::read_limited(f, kean_exchange::DEFAULT_MAX_BYTES).map_err(|e| {
        fail(format!(
            "{}{}{}",
            file.display(),
            t("：", ": "),
            t(e.message_zh(), e.message_en())
        ))
    })
}

/// Why a file could not be opened, in Chinese.
fn io_zh(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".into(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".into(),
        std::io::ErrorKind::IsADirectory => "这是一个目录，不是文件".into(),
        _ => e.to_string(),
    }
}

async fn import(
    kind: &str,
    file: &std::path::Path,
    force: bool,
    dry_run: bool,
    report: Option<&std::path::Path>,
    url: &str,
) -> ExitCode {
    let Some(k) = lang::parse_kind(kind) else {
        return unknown_kind(kind);
    };
    let bytes = match read_file(file) {
        Ok(b) => b,
        Err(c) => return c,
    };
    let app = match open_existing(url).await {
        Ok(a) => a,
        Err(c) => return c,
    };
    let access = app.system_access("import");
    // A bar over the rows: checked first, then written (one transaction).
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&t(
            "{msg:6} {bar:40} {pos}/{len} 行  {elapsed_precise}",
            "{msg:10} {bar:40} {pos}/{len} rows  {elapsed_precise}",
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let shown = bar.clone();
    let progress: kean_app::ImportProgress = std::sync::Arc::new(move |stage, done, total| {
        shown.set_length(total as u64);
        shown.set_message(match stage {
            kean_app::ImportStage::Checking => t("校验", "checking"),
            kean_app::ImportStage::Writing => t("写入", "writing"),
        });
        shown.set_position(done as u64);
    });
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let outcome = access
        .import_file(k, &bytes, &name, force, dry_run, Some(progress))
        .await;
    bar.finish_and_clear();
    match outcome {
        Ok(kean_app::FileImport::Imported { ids, new_results }) => {
            println!(
                "{}",
                t(
                    format!(
                        "已从 {} 导入{} {} 条（一次事务）。",
                        file.display(),
                        k.label(true),
                        ids.len()
                    ),
                    format!(
                        "Imported {} {} from {} in one transaction.",
                        ids.len(),
                        k.slug(),
                        file.display()
                    )
                )
            );
            if new_results > 0 {
                println!(
                    "{}",
                    t(
                        format!("限制名单筛查产生 {new_results} 条待核查结果（见 /screening）。"),
                        format!("Screening opened {new_results} results for a reviewer (see /screening).")
                    )
                );
            }
            ExitCode::SUCCESS
        }
        // The machine's import is kean's own (never a liaison's report).
        Ok(kean_app::FileImport::Submitted { submission }) => {
            println!(
                "{}",
                t(
                    format!(
                        "{} 的 {} 行已作为第 {} 号填报提交审核。",
                        file.display(),
                        submission.row_count,
                        submission.id
                    ),
                    format!(
                        "Submitted {} rows of {} for review as report #{}.",
                        submission.row_count,
                        file.display(),
                        submission.id
                    )
                )
            );
            ExitCode::SUCCESS
        }
        Ok(kean_app::FileImport::Checked { rows }) => {
            println!(
                "{}",
                t(
                    format!("试运行：{} 的全部 {rows} 行均有效，未写入任何数据。", file.display()),
                    format!(
                        "Dry run: all {rows} rows of {} are valid; nothing was written.",
                        file.display()
                    )
                )
            );
            ExitCode::SUCCESS
        }
        Ok(kean_app::FileImport::Rejected { report: r, report_xlsx }) => {
            eprintln!(
                "{}",
                t(
                    format!(
                        "{}：{} 行中有 {} 行有问题，未导入任何数据。",
                        file.display(),
                        r.total_rows,
                        r.error_rows
                    ),
                    format!(
                        "{}: {} of {} rows have problems; nothing was imported.",
                        file.display(),
                        r.error_rows,
                        r.total_rows
                    )
                )
            );
            for i in r.issues.iter().take(50) {
                let column = i.header.as_deref().unwrap_or(&i.field);
                eprintln!(
                    "{}",
                    t(
                        format!("  第 {} 行，{}列：“{}”——{}", i.line, column, i.value, i.reason_zh),
                        format!("  line {}, column {}: '{}' — {}", i.line, column, i.value, i.reason_en)
                    )
                );
            }
            if r.issues.len() > 50 {
                eprintln!(
                    "{}",
                    t(
                        format!("  ……另有 {} 处", r.issues.len() - 50),
                        format!("  … and {} more", r.issues.len() - 50)
                    )
                );
            }
            if let Some(path) = report {
                match std::fs::write(path, report_xlsx) {
                    Ok(()) => eprintln!(
                        "{}",
                        t(
                            format!("已写出标出问题单元格的错误报告：{}", path.display()),
                            format!("Error report with the bad cells marked: {}", path.display())
                        )
                    ),
                    Err(e) => eprintln!(
                        "{}",
                        t(
                            format!("无法写入错误报告 {}：{e}", path.display()),
                            format!("cannot write the report {}: {e}", path.display())
                        )
                    ),
                }
            }
            ExitCode::FAILURE
        }
        Err(e) => fail(format!("{}{}{}", file.display(), t("：", ": "), lang::app_error(&e))),
    }
}

fn print_run(run: &kean_app::ScreeningRun) {
    if run.generation == 0 {
        println!(
            "{}",
            t(
                "尚未导入限制名单，没有筛查。",
                "No restricted-party list is loaded; nothing was screened."
            )
        );
        return;
    }
    let (parties, opened, lapsed, unchanged) = (
        run.summary.parties,
        run.summary.opened.len(),
        run.summary.lapsed,
        run.summary.unchanged,
    );
    println!(
        "{}",
        t(
            format!(
                "已重新筛查 {parties} 个对象，用时 {} 毫秒（索引 {} 毫秒，比对 {} 毫秒，数据库 {} 毫秒）：新增待核查 {opened} 条，失效 {lapsed} 条，未变 {unchanged} 条。",
                run.millis, run.index_millis, run.match_millis, run.store_millis
            ),
            format!(
                "Re-screened {parties} parties in {} ms (index {} ms, matching {} ms, database {} ms): {opened} new results to review, {lapsed} lapsed, {unchanged} unchanged.",
                run.millis, run.index_millis, run.match_millis, run.store_millis
            )
        )
    );
}

async fn lists(command: ListsCommand) -> ExitCode {
    match command {
        ListsCommand::Import { file, name, db } => {
            let bytes = match read_file(&file) {
                Ok(b) => b,
                Err(c) => return c,
            };
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let access = app.system_access("lists");
            match access.import_list(&file_name, &bytes, name.as_deref()).await {
                Ok(r) => {
                    let v = &r.version;
                    println!(
                        "{}",
                        t(
                            format!(
                                "名单 {} 第 {} 版：{} 个条目（新增 {}，变更 {}，删除 {}），读取用时 {} 毫秒。",
                                v.list_code, v.version_no, v.entry_count, v.added, v.changed, v.removed, r.parse_millis
                            ),
                            format!(
                                "List {} version {}: {} entries ({} added, {} changed, {} removed), read in {} ms.",
                                v.list_code, v.version_no, v.entry_count, v.added, v.changed, v.removed, r.parse_millis
                            )
                        )
                    );
                    print_run(&r.rescreen);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("{}{}{}", file.display(), t("：", ": "), lang::app_error(&e))),
            }
        }
        ListsCommand::Show { db } => {
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            match app.system_access("lists").restricted_lists().await {
                Ok(ls) if ls.is_empty() => {
                    println!(
                        "{}",
                        t(
                            "尚未导入任何名单（kean lists import 文件）。",
                            "No list imported yet (kean lists import FILE)."
                        )
                    );
                    ExitCode::SUCCESS
                }
                Ok(ls) => {
                    for l in ls {
                        let v = l.current.as_ref();
                        println!(
                            "{}",
                            t(
                                format!(
                                    "{:<12} {:>6} 个条目  第 {:<3} 版 {}  {}",
                                    l.code,
                                    l.entry_count,
                                    v.map_or(0, |v| v.version_no),
                                    v.map_or(String::new(), |v| kean_core::display_time(&v.imported_at)),
                                    v.map_or("", |v| v.file_name.as_str())
                                ),
                                format!(
                                    "{:<12} {:>6} entries  version {:<3} {}  {}",
                                    l.code,
                                    l.entry_count,
                                    v.map_or(0, |v| v.version_no),
                                    v.map_or(String::new(), |v| kean_core::display_time(&v.imported_at)),
                                    v.map_or("", |v| v.file_name.as_str())
                                )
                            )
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail_app(&e),
            }
        }
    }
}

async fn rescreen(url: &str) -> ExitCode {
    let app = match open_existing(url).await {
        Ok(a) => a,
        Err(c) => return c,
    };
    match app.system_access("rescreen").rescreen_all().await {
        Ok(run) => {
            print_run(&run);
            ExitCode::SUCCESS
        }
        Err(e) => fail_app(&e),
    }
}

async fn serve(listen: SocketAddr, demo: bool, settings: kean_app::Settings, url: &str) -> ExitCode {
    let app = match open(url).await {
        Ok(a) => a,
        Err(c) => return c,
    };
    let app = app.with_settings(settings);
    if demo {
        match kean_demo::seed(&app).await {
            Ok(Some(summary)) => {
                println!("{summary}");
                match kean_demo::lists_dir() {
                    Some(dir) => match kean_demo::seed_lists(&app, &dir).await {
                        Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
                        Err(e) => return fail(format!("importing the demo lists from {} failed: {e}", dir.display())),
                    },
                    None => println!(
                        "no restricted-party lists found (set KEAN_DEMO_LISTS to a folder of list files, or import them at /screening/lists)"
                    ),
                }
                match kean_demo::seed_gates(&app).await {
                    Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
                    Err(e) => return fail(format!("seeding the demo's security reviews failed: {e}")),
                }
            }
            Ok(None) => println!(
                "{}",
                t(
                    "演示数据已存在，不再重复生成。",
                    "Demo data already present; not seeding again."
                )
            ),
            Err(e) => {
                return fail(t(
                    format!("生成演示数据失败：{}", lang::app_error(&e)),
                    format!("seeding the demo failed: {}", lang::app_error(&e)),
                ));
            }
        }
    }
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            return fail(t(
                format!("无法监听 {listen}：{e}"),
                format!("cannot listen on {listen}: {e}"),
            ));
        }
    };
    println!(
        "{}",
        t(
            format!("kean 已在 http://{listen}/ 运行（数据库：{url}）"),
            format!("kean is running at http://{listen}/  (database: {url})")
        )
    );
    if matches!(app.has_accounts().await, Ok(false)) {
        println!(
            "{}",
            t(
                "还没有任何账号：请先创建三名管理员（三员分立，每人一个；密码从标准输入读取），然后登录：",
                "there is no account yet: create the three administrators (三员分立: one person each; the password is read from standard input), then log in:"
            )
        );
        println!(
            "  \
             kean user create --username sysadmin --role sysadmin --display-name 系统管理员 --database-url {url}\n  \
             kean user create --username secadmin --role secadmin --display-name 安全保密管理员 --database-url {url}\n  \
             kean user create --username auditor --role auditor --display-name 安全审计员 --database-url {url}"
        );
    }
    if demo {
        println!(
            "{}",
            t("可用以下演示账号登录：", "log in with one of the demo accounts:")
        );
        for (user, pw, role, note) in kean_demo::DEMO_ACCOUNTS {
            println!("  {user:<11} {pw:<13} {role}{note}");
        }
    }
    println!("{}", t("按 Ctrl+C 停止", "press Ctrl+C to stop"));
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
    let access = app.system_access("cli");
    let user = match access.user_named(username).await {
        Ok(u) => u,
        Err(e) => return fail(format!("--username{}{}", t("：", ": "), lang::app_error(&e))),
    };
    let (zh, en) = match &action {
        kean_app::UserAction::Unlock => ("已解除 {} 的登录锁定。", "The login lock of {} is cleared."),
        kean_app::UserAction::SetDisabled(true) => (
            "已停用账号 {}，其会话已全部结束。",
            "The account {} is disabled; its sessions have ended.",
        ),
        kean_app::UserAction::SetDisabled(false) => ("已启用账号 {}。", "The account {} is enabled."),
        kean_app::UserAction::Password(_) => (
            "已为 {} 设置新密码，其下次登录时须修改。",
            "A new password is set for {}; it must be changed at the next login.",
        ),
        kean_app::UserAction::ResetSecondFactor => (
            "已移除 {} 的第二因子和恢复码，下次登录时重新绑定。",
            "The second factor and recovery codes of {} are removed; they enrol again at the next login.",
        ),
    };
    match access.change_user(user.id, action).await {
        Ok(u) => {
            println!("{}", t(zh, en).replacen("{}", &u.username, 1));
            if let Some(until) = u.locked_until.as_deref() {
                println!(
                    "{}",
                    t(format!("（仍锁定至 {until}）"), format!("(still locked until {until})"))
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail_app(&e),
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
            let Some(role) = lang::parse_role(&role) else {
                return fail(t(
                    format!("--role：没有“{role}”这个角色；可用：{}", lang::roles()),
                    format!("--role '{role}' is not one of {}", lang::roles()),
                ));
            };
            // Creating the first account may also create the database.
            let app = match open(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            let access = app.system_access("cli");
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
                        Ok(_) => {
                            return fail(t(
                                format!("--org-credit-code：没有统一社会信用代码为 {code} 的单位"),
                                format!("--org-credit-code: no organization with credit code {code}"),
                            ));
                        }
                        Err(e) => return fail_app(&e),
                    }
                }
            };
            let password = match password {
                Some(p) => p,
                None => {
                    let mut s = String::new();
                    if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                        return fail(t(
                            format!("无法从标准输入读取密码：{e}"),
                            format!("cannot read the password from standard input: {e}"),
                        ));
                    }
                    s.lines().next().unwrap_or("").to_string()
                }
            };
            match access
                .create_user(&username, &display_name, role, org_id, &password)
                .await
            {
                Ok(u) => {
                    println!(
                        "{}",
                        t(
                            format!(
                                "已创建用户 {}（编号 {}，角色：{}）。",
                                u.username,
                                u.id,
                                u.role.label(true)
                            ),
                            format!(
                                "Created user {} (id {}, role {}).",
                                u.username,
                                u.id,
                                u.role.label(false)
                            )
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail_app(&e),
            }
        }
        UserCommand::Unlock { username, db } => change(&db.database_url, &username, kean_app::UserAction::Unlock).await,
        UserCommand::Disable { username, db } => {
            change(&db.database_url, &username, kean_app::UserAction::SetDisabled(true)).await
        }
        UserCommand::Enable { username, db } => {
            change(&db.database_url, &username, kean_app::UserAction::SetDisabled(false)).await
        }
        UserCommand::Reset2fa { username, db } => {
            change(&db.database_url, &username, kean_app::UserAction::ResetSecondFactor).await
        }
        UserCommand::Passwd { username, db } => {
            let mut s = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                return fail(t(
                    format!("无法从标准输入读取密码：{e}"),
                    format!("cannot read the password from standard input: {e}"),
                ));
            }
            let pw = s.lines().next().unwrap_or("").to_string();
            change(&db.database_url, &username, kean_app::UserAction::Password(pw)).await
        }
        UserCommand::List { db } => {
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            let access = app.system_access("cli");
            match access.users().await {
                Ok(users) => {
                    if lang::zh() {
                        println!("编号  用户名           角色         姓名                 单位");
                    } else {
                        println!(
                            "{:<5} {:<16} {:<12} {:<20} organization",
                            "id", "username", "role", "name"
                        );
                    }
                    for u in users {
                        // The organization by its name, as people know it.
                        let org = match u.org_id {
                            Some(id) => match access.get(kean_core::Kind::Organization, id).await {
                                Ok((rec, _)) => rec.fields.get("name").to_input(),
                                Err(_) => format!("#{id}"),
                            },
                            None => "-".to_string(),
                        };
                        let role = if lang::zh() { u.role.label(true) } else { u.role.code() };
                        let pad = |s: &str, w: usize| {
                            // Chinese characters take two columns in a terminal.
                            let width = kean_exchange::display_width(s);
                            format!("{s}{}", " ".repeat(w.saturating_sub(width)))
                        };
                        println!(
                            "{:<5} {} {} {} {}",
                            u.id,
                            pad(&u.username, 16),
                            pad(role, 12),
                            pad(&u.display_name, 20),
                            org
                        );
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail_app(&e),
            }
        }
    }
}
