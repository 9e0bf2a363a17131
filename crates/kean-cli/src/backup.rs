//! `kean backup FILE` and `kean restore FILE`.
//!
//! SQLite is copied with `VACUUM INTO` (one read transaction: a consistent
//! snapshot while the server goes on writing, through WAL), PostgreSQL with
//! `pg_dump -Fc`. A backup is written to a temporary file beside FILE,
//! checked — opened read-only (SQLite) or restored into a scratch database
//! (PostgreSQL), its audit chain verified against its chain head — and only
//! then renamed into place. A restore builds the new database aside (a
//! temporary file, a scratch database), verifies the chain, migrates,
//! appends its audit record, and only then puts it in the target's place.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use kean_app::{App, AuditBreak, DatabaseFacts, SystemClock};

/// A failure, as the sentence printed.
type Res<T> = Result<T, String>;

use crate::fail;
use crate::lang::t;

/// Which database a URL or a backup file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    fn of_url(url: &str) -> Res<DbKind> {
        if sqlite_path(url).is_some() {
            Ok(DbKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbKind::Postgres)
        } else {
            Err(t(
                format!("--database-url “{url}”既不是 sqlite://路径，也不是 postgres://用户@主机/数据库"),
                format!("--database-url '{url}' is neither sqlite://PATH nor postgres://USER@HOST/DB"),
            ))
        }
    }
    fn name(self) -> &'static str {
        match self {
            DbKind::Sqlite => "SQLite",
            DbKind::Postgres => "PostgreSQL",
        }
    }
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(path.split('?').next().unwrap_or(path)))
}

/// A file removed when dropped unless kept (the temporary backup, the
/// database being restored, with SQLite's companions).
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            for p in [
                self.path.clone(),
                companion(&self.path, "-wal"),
                companion(&self.path, "-shm"),
            ] {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

fn companion(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// A hidden name beside `file` for what is written before it is renamed.
fn beside(file: &Path, what: &str) -> Res<PathBuf> {
    let name = file
        .file_name()
        .ok_or_else(|| format!("{} does not name a file", file.display()))?
        .to_string_lossy()
        .to_string();
    let token = kean_app::random_token().map_err(|e| e.to_string())?;
    Ok(file.with_file_name(format!(".{name}.{what}-{}", &token[..12])))
}

/// The SM3 hash of a file, lower-case hex, read in pieces.
fn sm3_of_file(path: &Path) -> Res<String> {
    use sm3::Digest;
    let mut f = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut h = sm3::Sm3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

// ---------------- PostgreSQL tools ----------------

/// A PostgreSQL client program: from KEAN_PG_BIN (a folder) when set, else
/// from PATH.
fn pg_tool(name: &str) -> Res<PathBuf> {
    if let Ok(dir) = std::env::var("KEAN_PG_BIN") {
        let p = Path::new(&dir).join(name);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(format!(
                "{name} is not in KEAN_PG_BIN ({dir}); install the PostgreSQL client programs (postgresql-client)"
            ))
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "{name} was not found on PATH: install the PostgreSQL client programs (Debian: apt-get install postgresql-client-15) or set KEAN_PG_BIN to their folder"
            )
        })
}

/// Runs a PostgreSQL client program; its error output is the message.
fn run_pg(name: &str, args: &[&str]) -> Res<String> {
    let tool = pg_tool(name)?;
    let mut cmd = std::process::Command::new(&tool);
    if !args.contains(&"--version") {
        // Never wait for a password at a prompt: it comes in the URL or ~/.pgpass.
        cmd.arg("--no-password");
    }
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The major version of a client program (`pg_dump (PostgreSQL) 15.18 …` → 15).
fn tool_major(name: &str) -> Res<i64> {
    let v = run_pg(name, &["--version"])?;
    v.split_whitespace()
        .find_map(|w| w.split('.').next().and_then(|m| m.parse::<i64>().ok()))
        .ok_or_else(|| format!("cannot read the version of {name} from '{}'", v.trim()))
}

/// The URL naming another database on the same server.
fn with_database(url: &str, db: &str) -> Res<String> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    match base[scheme_end..].find('/') {
        Some(i) => Ok(format!("{}/{db}{query}", &base[..scheme_end + i])),
        None => Ok(format!("{base}/{db}{query}")),
    }
}

fn database_name(url: &str) -> Res<String> {
    let base = url.split('?').next().unwrap_or(url);
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    base[scheme_end..]
        .split_once('/')
        .map(|(_, db)| db.to_string())
        .filter(|db| !db.is_empty())
        .ok_or_else(|| format!("--database-url {} names no database", redact(url)))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    let scheme_end = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[scheme_end..].split_once('@') {
        Some((cred, rest)) => match cred.split_once(':') {
            Some((user, _)) => format!("{}{user}:***@{rest}", &url[..scheme_end]),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// libpq does not know sqlx's own parameters; keep those both know.
fn libpq_url(url: &str) -> String {
    match url.split_once('?') {
        Some((base, q)) => {
            let kept: Vec<&str> = q
                .split('&')
                .filter(|p| {
                    let k = p.split('=').next().unwrap_or("");
                    matches!(
                        k,
                        "sslmode" | "sslrootcert" | "sslcert" | "sslkey" | "application_name" | "options"
                    )
                })
                .collect();
            if kept.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", kept.join("&"))
            }
        }
        None => url.to_string(),
    }
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A scratch database on the server of `url`, dropped when this is dropped
/// unless kept (renamed into place).
struct ScratchDb {
    maintenance: String,
    name: String,
    keep: bool,
}

impl ScratchDb {
    fn create(url: &str, what: &str) -> Res<ScratchDb> {
        let maintenance = libpq_url(&with_database(url, "postgres")?);
        let base = database_name(url)?;
        let token = kean_app::random_token().map_err(|e| e.to_string())?;
        let name = format!("{}_{what}_{}", &base[..base.len().min(30)], &token[..10]).to_lowercase();
        run_pg("createdb", &[&format!("--maintenance-db={maintenance}"), &name])?;
        Ok(ScratchDb {
            maintenance,
            name,
            keep: false,
        })
    }
    fn url(&self, like: &str) -> Res<String> {
        with_database(like, &self.name)
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        if !self.keep {
            let _ = run_pg(
                "dropdb",
                &[
                    "--force",
                    "--if-exists",
                    &format!("--maintenance-db={}", self.maintenance),
                    &self.name,
                ],
            );
        }
    }
}

fn pg_restore_into(file: &Path, target_url: &str) -> Res<()> {
    let file = file.to_string_lossy();
    run_pg(
        "pg_restore",
        &[
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            &format!("--dbname={}", libpq_url(target_url)),
            &file,
        ],
    )
    .map(|_| ())
}

// ---------------- checks ----------------

async fn open_unmigrated(url: &str) -> Res<App> {
    App::open_unmigrated(url, Arc::new(SystemClock))
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", redact(url)))
}

/// Verifies the audit chain of the database `app` (against its chain
/// head) and reads what it holds. A broken chain is the error, naming the
/// first broken record.
async fn verify_and_describe(app: &App, what: &str) -> Res<DatabaseFacts> {
    let access = app.system_access("verify");
    match access.verify_audit().await.map_err(|e| e.to_string())? {
        Ok(_) => {}
        Err(broken) => {
            let detail = match &broken {
                AuditBreak::Broken(b) => match access.audit_entry(b.seq()).await {
                    Ok(Some(e)) => format!(
                        "; record {}: {} by {} on {} {} at {}",
                        e.seq,
                        e.draft.action,
                        e.draft.actor,
                        e.draft.target,
                        e.draft.record_id.map(|i| i.to_string()).unwrap_or_default(),
                        e.draft.at
                    ),
                    _ => String::new(),
                },
                _ => String::new(),
            };
            return Err(format!("{what}: {broken}{detail}"));
        }
    }
    access.database_facts().await.map_err(|e| e.to_string())
}

fn print_facts(f: &DatabaseFacts) {
    let v = f.schema_version;
    println!(
        "{}",
        t(format!("  数据库结构版本：{v}"), format!("  schema version: {v}"))
    );
    for (kind, n) in &f.counts {
        if crate::lang::zh() {
            let label = kind.label(true);
            let pad = 18usize.saturating_sub(kean_exchange::display_width(label));
            println!("  {label}{} {n}", " ".repeat(pad));
        } else {
            println!("  {:<18} {n}", kind.slug());
        }
    }
    let (records, head) = (f.audit_records, &f.chain_head);
    println!(
        "{}",
        t(
            format!("  审计记录：{records} 条（审计链已验证）"),
            format!("  audit records: {records} (chain verified)")
        )
    );
    println!("{}", t(format!("  审计链头：{head}"), format!("  chain head: {head}")));
}

/// Checks a backup's schema version against this build's.
fn check_version(found: Option<i64>, latest: i64, file: &Path) -> Res<i64> {
    match found {
        None => Err(t(
            format!(
                "{} 不是 kean 的备份：其中没有 kean 的数据库结构（没有 schema_migrations 表）",
                file.display()
            ),
            format!(
                "{} is not a kean backup: it holds no kean schema (no schema_migrations table)",
                file.display()
            ),
        )),
        Some(v) if v > latest => Err(t(
            format!(
                "{} 的数据库结构为第 {v} 版，新于本 kean 的第 {latest} 版：请用不早于写出它的 kean 恢复",
                file.display()
            ),
            format!(
                "{} has schema version {v}, newer than this kean's {latest}: restore it with a kean at least as new as the one that wrote it",
                file.display()
            ),
        )),
        Some(v) => Ok(v),
    }
}

// ---------------- backup ----------------

pub async fn backup(url: &str, file: &Path, force: bool) -> ExitCode {
    match backup_inner(url, file, force).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

async fn backup_inner(url: &str, file: &Path, force: bool) -> Res<()> {
    let kind = DbKind::of_url(url)?;
    if file.exists() && !force {
        return Err(t(
            format!("{} 已存在：请换一个文件名，或加 --force 覆盖", file.display()),
            format!(
                "{} already exists: choose another name, or pass --force to replace it",
                file.display()
            ),
        ));
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(t(
            format!("文件夹 {} 不存在", parent.display()),
            format!("the folder {} does not exist", parent.display()),
        ));
    }
    if kind == DbKind::Sqlite
        && let Some(p) = sqlite_path(url)
        && !p.exists()
    {
        return Err(t(
            format!("数据库文件 {} 不存在", p.display()),
            format!("the database file {} does not exist", p.display()),
        ));
    }
    if kind == DbKind::Postgres {
        // The tools first, and the server: a clear sentence instead of a
        // connection pool's time-out.
        for tool in ["pg_dump", "pg_restore", "createdb", "dropdb", "psql"] {
            pg_tool(tool)?;
        }
        reach(url)?;
    }
    let live = App::open(url, Arc::new(SystemClock))
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", redact(url)))?;
    let access = live.system_access("backup");
    let temp = TempFile {
        path: beside(file, "partial")?,
        keep: false,
    };
    let facts = match kind {
        DbKind::Sqlite => {
            access
                .vacuum_into(&temp.path.to_string_lossy())
                .await
                .map_err(|e| format!("cannot write the backup: {e}"))?;
            let check = open_unmigrated(&format!("sqlite://{}?mode=ro", temp.path.display())).await?;
            let facts = verify_and_describe(&check, "the backup does not verify").await;
            check.close().await;
            facts?
        }
        DbKind::Postgres => {
            let server = access.server_major_version().await.map_err(|e| e.to_string())?;
            let tool = tool_major("pg_dump")?;
            if tool < server {
                return Err(format!(
                    "pg_dump is version {tool} but the server is PostgreSQL {server}: pg_dump must be at least the server's version (install postgresql-client-{server} or set KEAN_PG_BIN)"
                ));
            }
            let temp_s = temp.path.to_string_lossy().to_string();
            run_pg(
                "pg_dump",
                &[
                    "--format=custom",
                    "--file",
                    &temp_s,
                    &format!("--dbname={}", libpq_url(url)),
                ],
            )?;
            // A custom-format archive is read by restoring it: into a
            // scratch database, dropped afterwards.
            let scratch = ScratchDb::create(url, "kean_verify")?;
            let scratch_url = scratch.url(url)?;
            pg_restore_into(&temp.path, &scratch_url).map_err(|e| format!("the backup does not restore: {e}"))?;
            let check = open_unmigrated(&scratch_url).await?;
            let facts = verify_and_describe(&check, "the backup does not verify").await;
            check.close().await;
            drop(scratch);
            facts?
        }
    };
    let hash = sm3_of_file(&temp.path)?;
    std::fs::File::open(&temp.path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", temp.path.display()))?;
    std::fs::rename(&temp.path, file).map_err(|e| format!("cannot rename the backup to {}: {e}", file.display()))?;
    let mut temp = temp;
    temp.keep = true;
    let shown = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    // The record goes into the live database only: the backup cannot hold
    // a record of its own hash, and it ends at the chain head printed.
    access
        .append_operator_audit(
            "backup",
            serde_json::json!({
                "file": shown.display().to_string(),
                "sm3": hash,
                "database": kind.name(),
                "schema_version": facts.schema_version,
                "audit_records": facts.audit_records,
                "chain_head": facts.chain_head,
            }),
        )
        .await
        .map_err(|e| {
            format!(
                "the backup {} was written, but its audit record was not: {e}",
                file.display()
            )
        })?;
    live.close().await;
    println!(
        "{}",
        t(
            format!("备份已写入：{}（{}）", shown.display(), kind.name()),
            format!("backup written: {} ({})", shown.display(), kind.name())
        )
    );
    print_facts(&facts);
    println!("{}", t(format!("  文件 SM3：{hash}"), format!("  file SM3: {hash}")));
    Ok(())
}

// ---------------- restore ----------------

pub async fn restore(url: &str, file: &Path, force: bool) -> ExitCode {
    match restore_inner(url, file, force).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

fn backup_kind(file: &Path) -> Res<DbKind> {
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => t(
            format!("备份文件 {} 不存在", file.display()),
            format!("the backup file {} does not exist", file.display()),
        ),
        _ => t(
            format!("无法读取 {}：{e}", file.display()),
            format!("cannot read {}: {e}", file.display()),
        ),
    })?;
    let n = f.read(&mut head).map_err(|e| {
        t(
            format!("无法读取 {}：{e}", file.display()),
            format!("cannot read {}: {e}", file.display()),
        )
    })?;
    if n >= 16 && &head[..16] == b"SQLite format 3\0" {
        Ok(DbKind::Sqlite)
    } else if n >= 5 && &head[..5] == b"PGDMP" {
        Ok(DbKind::Postgres)
    } else {
        Err(t(
            format!(
                "{} 不是 kean 的备份：既不是 SQLite 数据库，也不是 pg_dump 自定义格式的归档",
                file.display()
            ),
            format!(
                "{} is not a kean backup: it is neither a SQLite database nor a pg_dump custom-format archive",
                file.display()
            ),
        ))
    }
}

async fn restore_inner(url: &str, file: &Path, force: bool) -> Res<()> {
    let target = DbKind::of_url(url)?;
    let kind = backup_kind(file)?;
    if kind != target {
        let (f, k, tg) = (file.display(), kind.name(), target.name());
        return Err(t(
            format!("{f} 是 {k} 的备份，而 --database-url 指向 {tg} 数据库：请恢复到 {k} 数据库"),
            format!("{f} is a {k} backup, but --database-url names a {tg} database: restore it into a {k} database"),
        ));
    }
    let hash = sm3_of_file(file)?;
    let shown = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let note = |version: i64| {
        serde_json::json!({
            "file": shown.display().to_string(),
            "sm3": hash,
            "database": kind.name(),
            "backup_schema_version": version,
        })
    };
    match kind {
        DbKind::Sqlite => restore_sqlite(url, file, force, note).await,
        DbKind::Postgres => restore_postgres(url, file, force, note).await,
    }
}

/// Verifies the restored database as the backup held it, migrates it,
/// appends the restore's audit record and reads what it holds.
async fn settle(url: &str, file: &Path, note: impl Fn(i64) -> serde_json::Value) -> Res<(i64, DatabaseFacts)> {
    let unmigrated = open_unmigrated(url).await?;
    let found = unmigrated
        .system_access("restore")
        .schema_version()
        .await
        .map_err(|e| e.to_string())?;
    let checked = match check_version(found, unmigrated.latest_schema_version(), file) {
        Ok(v) => verify_and_describe(
            &unmigrated,
            "the backup's audit chain does not verify, nothing was restored",
        )
        .await
        .map(|_| v),
        Err(e) => Err(e),
    };
    unmigrated.close().await;
    let version = checked?;
    let app = App::open(url, Arc::new(SystemClock))
        .await
        .map_err(|e| format!("cannot migrate the restored database: {e}"))?;
    let access = app.system_access("restore");
    let done = async {
        access
            .append_operator_audit("restore", note(version))
            .await
            .map_err(|e| e.to_string())?;
        verify_and_describe(&app, "the restored audit chain does not verify").await
    }
    .await;
    app.close().await;
    Ok((version, done?))
}

fn report(target: &str, version: i64, latest: i64, facts: &DatabaseFacts) {
    println!("{}", t(format!("已恢复到 {target}"), format!("restored into {target}")));
    if version < latest {
        println!(
            "{}",
            t(
                format!("  数据库结构已从第 {version} 版迁移到第 {latest} 版"),
                format!("  migrated from schema version {version} to {latest}")
            )
        );
    }
    print_facts(facts);
}

/// How many tables a restore's target already holds (0: a new database).
async fn table_count(url: &str) -> Res<i64> {
    let app = open_unmigrated(url).await?;
    let tables = app.system_access("restore").table_count().await;
    app.close().await;
    tables.map_err(|e| e.to_string())
}

async fn restore_sqlite(url: &str, file: &Path, force: bool, note: impl Fn(i64) -> serde_json::Value) -> Res<()> {
    let target = sqlite_path(url).ok_or_else(|| format!("--database-url '{url}' names no file"))?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
    }
    let existing = if target.exists() {
        table_count(&format!("sqlite://{}", target.display())).await?
    } else {
        0
    };
    if existing > 0 && !force {
        return Err(format!(
            "{} already holds a database ({existing} tables): restore into a new file, or pass --force to replace it",
            target.display()
        ));
    }
    let mut temp = TempFile {
        path: beside(&target, "restoring")?,
        keep: false,
    };
    std::fs::copy(file, &temp.path).map_err(|e| format!("cannot copy {}: {e}", file.display()))?;
    let temp_url = format!("sqlite://{}", temp.path.display());
    let (version, facts) = settle(&temp_url, file, note).await?;
    if existing > 0 {
        eprintln!(
            "warning: replacing the database {} ({existing} tables) with the backup {}",
            target.display(),
            file.display()
        );
    }
    // The old database's WAL must not outlive it next to the new file.
    for p in [companion(&target, "-wal"), companion(&target, "-shm")] {
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
        }
    }
    std::fs::rename(&temp.path, &target).map_err(|e| format!("cannot put the restored database in place: {e}"))?;
    temp.keep = true;
    let latest = kean_store_latest(DbKind::Sqlite);
    report(&target.display().to_string(), version, latest, &facts);
    Ok(())
}

fn kean_store_latest(kind: DbKind) -> i64 {
    kean_app::latest_schema_version(match kind {
        DbKind::Sqlite => kean_app::Backend::Sqlite,
        DbKind::Postgres => kean_app::Backend::Postgres,
    })
}

async fn restore_postgres(url: &str, file: &Path, force: bool, note: impl Fn(i64) -> serde_json::Value) -> Res<()> {
    let db = database_name(url)?;
    let maintenance = libpq_url(&with_database(url, "postgres")?);
    // Reach the server first: "unreachable" and "no such database" differ.
    run_pg("psql", &["-X", "-q", "-t", "-c", "SELECT 1", &maintenance])
        .map_err(|e| format!("cannot reach the PostgreSQL server of {}: {e}", redact(url)))?;
    let exists = run_pg(
        "psql",
        &[
            "-X",
            "-q",
            "-t",
            "-A",
            "-c",
            &format!(
                "SELECT COUNT(*) FROM pg_database WHERE datname = '{}'",
                db.replace('\'', "''")
            ),
            &maintenance,
        ],
    )?
    .trim()
        != "0";
    let existing = if exists { table_count(url).await? } else { 0 };
    if existing > 0 && !force {
        return Err(format!(
            "the database {db} already holds {existing} tables: restore into a new database, or pass --force to replace it"
        ));
    }
    let mut scratch = ScratchDb::create(url, "kean_restoring")?;
    let scratch_url = scratch.url(url)?;
    pg_restore_into(file, &scratch_url).map_err(|e| format!("{} does not restore: {e}", file.display()))?;
    let (version, facts) = settle(&scratch_url, file, note).await?;
    if exists {
        if existing > 0 {
            eprintln!(
                "warning: replacing the database {db} ({existing} tables) with the backup {}",
                file.display()
            );
        }
        let token = kean_app::random_token().map_err(|e| e.to_string())?;
        let old = format!("{}_replaced_{}", &db[..db.len().min(30)], &token[..10]).to_lowercase();
        rename_db(&maintenance, &db, &old).await.map_err(|e| {
            format!("cannot move the database {db} aside (stop `kean serve` and other clients first): {e}")
        })?;
        if let Err(e) = rename_db(&maintenance, &scratch.name, &db).await {
            let _ = rename_db(&maintenance, &old, &db).await;
            return Err(format!("cannot put the restored database in place: {e}"));
        }
        scratch.keep = true;
        let _ = run_pg(
            "dropdb",
            &[
                "--force",
                "--if-exists",
                &format!("--maintenance-db={maintenance}"),
                &old,
            ],
        );
    } else {
        rename_db(&maintenance, &scratch.name, &db)
            .await
            .map_err(|e| format!("cannot put the restored database in place: {e}"))?;
        scratch.keep = true;
    }
    report(&db, version, kean_store_latest(DbKind::Postgres), &facts);
    Ok(())
}

/// Connects once with psql: the server's own words when it cannot be reached.
fn reach(url: &str) -> Res<()> {
    run_pg("psql", &["-X", "-q", "-t", "-c", "SELECT 1", &libpq_url(url)])
        .map(|_| ())
        .map_err(|e| format!("cannot reach the PostgreSQL database {}: {e}", redact(url)))
}

/// Renames a database. A connection just closed may still be leaving the
/// server for a moment, so a refusal for other sessions is tried again
/// for up to five seconds.
async fn rename_db(maintenance: &str, from: &str, to: &str) -> Res<()> {
    let sql = format!("ALTER DATABASE {} RENAME TO {}", quote_ident(from), quote_ident(to));
    let mut tries = 0;
    loop {
        match run_pg("psql", &["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", &sql, maintenance]) {
            Ok(_) => return Ok(()),
            Err(e) if tries < 50 && e.contains("other users") => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
