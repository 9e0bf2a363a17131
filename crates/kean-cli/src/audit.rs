//! `kean audit …`: verify the log (or a segment file, offline), sign a
//! checkpoint, export the public key, export a signed segment, archive
//! events past retention.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use kean_core::audit_seal::{PublicKey, verify_segment};

use crate::lang::t;
use crate::{DbArg, fail, fail_app, open_existing};

#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Walk the audit log: the SM3 hash chain of every record, the SM2
    /// signature and hash of every checkpoint, and the signed anchors of
    /// archived segments; report the first broken record. Prints the last
    /// record's number and hash: keep that anchor outside the database and
    /// pass it later with --anchor to detect records cut off the end.
    /// With --segment FILE --public-key KEY: verify an exported or archived
    /// segment offline, with the public key alone (no database).
    Verify {
        /// A record number and hash printed by an earlier verify, as SEQ:HASH.
        #[arg(long)]
        anchor: Option<String>,
        /// A segment file written by `kean audit export` or `kean audit archive`.
        #[arg(long, requires = "public_key")]
        segment: Option<PathBuf>,
        /// The public key (PEM) exported by `kean audit public-key`: verifies
        /// a segment; with a database, the database's key must be this one.
        #[arg(long)]
        public_key: Option<PathBuf>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Sign a checkpoint at the last record now (the write path signs one
    /// every 1000 records by itself).
    Checkpoint {
        #[command(flatten)]
        db: DbArg,
    },
    /// Print the SM2 public key that verifies checkpoints and segments (PEM,
    /// as OpenSSL reads it), or write it to FILE.
    PublicKey {
        file: Option<PathBuf>,
        #[command(flatten)]
        db: DbArg,
    },
    /// Write the records of the days --from..=--to (UTC) to FILE as a signed
    /// segment that anyone verifies with the public key alone.
    Export {
        /// First day, YYYY-MM-DD (or a stored timestamp).
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD, included (or a stored timestamp, excluded).
        #[arg(long)]
        to: String,
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
    /// Move the records older than --before into signed segment files in
    /// DIR, then remove them from the database, keeping each segment's signed
    /// anchor: `kean audit verify` continues across them. Records younger
    /// than the retention are never archived.
    Archive {
        /// Archive the records before this day, YYYY-MM-DD (UTC).
        #[arg(long)]
        before: String,
        dir: PathBuf,
        /// Days audit records stay in the database at least (never below 180).
        #[arg(long, env = "KEAN_AUDIT_RETENTION_DAYS", default_value_t = kean_app::MIN_AUDIT_RETENTION_DAYS)]
        retention_days: i64,
        /// Records per segment file at most.
        #[arg(long, default_value_t = 100_000)]
        segment_size: i64,
        #[command(flatten)]
        db: DbArg,
    },
}

/// A day (`YYYY-MM-DD`, its start in UTC, or with `next` the start of the
/// day after) or a stored timestamp as given.
fn day_start(s: &str, next: bool) -> Result<String, String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let d = if next { d.succ_opt().unwrap_or(d) } else { d };
        return Ok(format!("{}T00:00:00.000Z", d.format("%Y-%m-%d")));
    }
    if chrono::DateTime::parse_from_rfc3339(s).is_ok() {
        return Ok(s.to_string());
    }
    Err(format!("'{s}' is not a day (YYYY-MM-DD) nor a timestamp"))
}

fn read_public_key(path: &Path) -> Result<PublicKey, ExitCode> {
    let pem = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    PublicKey::from_pem(&pem).map_err(|e| fail(format!("{}: {e}", path.display())))
}

/// Writes `text` to `path` and syncs it to disk.
fn write_synced(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

pub(crate) async fn audit(command: AuditCommand) -> ExitCode {
    match command {
        AuditCommand::Verify {
            anchor,
            segment: Some(segment),
            public_key: Some(key),
            ..
        } => {
            if anchor.is_some() {
                return fail("--anchor checks a database; a segment is checked with --public-key alone");
            }
            let key = match read_public_key(&key) {
                Ok(k) => k,
                Err(c) => return c,
            };
            let text = match std::fs::read_to_string(&segment) {
                Ok(t) => t,
                Err(e) => return fail(format!("cannot read {}: {e}", segment.display())),
            };
            match verify_segment(&text, &key) {
                Ok(r) => {
                    let (a, fp) = (&r.anchor, key.fingerprint());
                    println!(
                        "{}",
                        t(
                            format!(
                                "审计段完好：记录 {}..{}（{} 条，{}..{}），签名已用公钥 {fp} 验证",
                                a.first_seq, a.last_seq, r.events, a.from, a.to
                            ),
                            format!(
                                "segment intact: records {}..{} ({} records, {}..{}), signature verified with key {fp}",
                                a.first_seq, a.last_seq, r.events, a.from, a.to
                            )
                        )
                    );
                    println!(
                        "{}",
                        t(
                            format!("链接自 {} 至 {}", a.prev_hash, a.last_hash),
                            format!("chained from {} to {}", a.prev_hash, a.last_hash)
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(format!("{}: {e}", segment.display())),
            }
        }
        AuditCommand::Verify {
            anchor, public_key, db, ..
        } => verify(anchor, public_key, &db).await,
        AuditCommand::Checkpoint { db } => {
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            match app.system_access("audit checkpoint").audit_checkpoint().await {
                Ok(Some(cp)) => {
                    println!(
                        "{}",
                        t(
                            format!("已在第 {} 条记录处签署检查点：{}", cp.seq, cp.hash),
                            format!("checkpoint signed at record {}: {}", cp.seq, cp.hash)
                        )
                    );
                    ExitCode::SUCCESS
                }
                Ok(None) => fail(t(
                    "没有可签署的内容：审计日志为空，或数据库早于签名检查点（请运行 `kean migrate`）",
                    "nothing to sign: the audit log is empty or the database predates signed checkpoints (run `kean migrate`)",
                )),
                Err(e) => fail_app(&e),
            }
        }
        AuditCommand::PublicKey { file, db } => {
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            let pem = match app.system_access("audit public-key").audit_public_key().await {
                Ok(Some(p)) => p,
                Ok(None) => {
                    return fail(t(
                        "数据库还没有审计密钥：请运行 `kean migrate`（或启动 `kean serve`）",
                        "the database has no audit key yet: run `kean migrate` (or start `kean serve`)",
                    ));
                }
                Err(e) => return fail_app(&e),
            };
            match file {
                None => {
                    print!("{pem}");
                    ExitCode::SUCCESS
                }
                Some(f) => match std::fs::write(&f, &pem) {
                    Ok(()) => {
                        println!(
                            "{}",
                            t(
                                format!("公钥已写入 {}", f.display()),
                                format!("public key written to {}", f.display())
                            )
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(format!("cannot write {}: {e}", f.display())),
                },
            }
        }
        AuditCommand::Export { from, to, file, db } => {
            let (from, to) = match (day_start(&from, false), day_start(&to, to.len() == 10)) {
                (Ok(f), Ok(t)) => (f, t),
                (Err(e), _) | (_, Err(e)) => return fail(e),
            };
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            match app.system_access("audit export").audit_export(&from, &to).await {
                Ok(Some((text, anchor))) => match write_synced(&file, &text) {
                    Ok(()) => {
                        let (a, b, f) = (anchor.first_seq, anchor.last_seq, file.display());
                        println!(
                            "{}",
                            t(
                                format!(
                                    "记录 {a}..{b} 的审计段已写入 {f}（已签名；用 `kean audit verify --segment {f} --public-key 公钥文件` 验证）"
                                ),
                                format!(
                                    "segment of records {a}..{b} written to {f} (signed; verify with `kean audit verify --segment {f} --public-key KEY`)"
                                )
                            )
                        );
                        ExitCode::SUCCESS
                    }
                    Err(e) => fail(format!("cannot write {}: {e}", file.display())),
                },
                Ok(None) => fail(t(
                    format!("{from} 至 {to} 没有审计记录"),
                    format!("no audit records from {from} to {to}"),
                )),
                Err(e) => fail_app(&e),
            }
        }
        AuditCommand::Archive {
            before,
            dir,
            retention_days,
            segment_size,
            db,
        } => {
            if let Err(e) = kean_app::check_retention(retention_days) {
                return fail_app(&e);
            }
            let before = match day_start(&before, false) {
                Ok(b) => b,
                Err(e) => return fail(e),
            };
            let app = match open_existing(&db.database_url).await {
                Ok(a) => a,
                Err(c) => return c,
            };
            let access = app.system_access("audit archive");
            match access.audit_archive(&before, retention_days, segment_size, &dir).await {
                Ok(done) => {
                    for (path, a) in &done {
                        let (f, l, p) = (a.first_seq, a.last_seq, path.display());
                        println!(
                            "{}",
                            t(
                                format!("已将记录 {f}..{l} 归档到 {p}"),
                                format!("archived records {f}..{l} to {p}")
                            )
                        );
                    }
                    let n = done.len();
                    println!(
                        "{}",
                        t(
                            format!("已归档 {n} 个审计段；{before} 及以后的记录仍在数据库中"),
                            format!("{n} segments archived; records from {before} on stay in the database")
                        )
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail_app(&e),
            }
        }
    }
}

async fn verify(anchor: Option<String>, public_key: Option<PathBuf>, db: &DbArg) -> ExitCode {
    let anchor = match anchor
        .as_deref()
        .map(|a| a.split_once(':').map(|(n, h)| (n.parse::<i64>(), h.to_string())))
    {
        None => None,
        Some(Some((Ok(n), h))) if n > 0 && h.len() == 64 => Some((n, h)),
        Some(_) => {
            return fail(t(
                "--anchor 应为 序号:哈希，即此前 `kean audit verify` 打印的锚点",
                "--anchor must be SEQ:HASH as printed by an earlier `kean audit verify`",
            ));
        }
    };
    let pinned = match public_key.as_deref().map(read_public_key).transpose() {
        Ok(k) => k,
        Err(c) => return c,
    };
    let app = match open_existing(&db.database_url).await {
        Ok(a) => a,
        Err(c) => return c,
    };
    let access = app.system_access("audit verify");
    if let Some(pinned) = &pinned {
        let stored = match access.audit_public_key().await {
            Ok(p) => p.and_then(|p| PublicKey::from_pem(&p).ok()),
            Err(e) => return fail_app(&e),
        };
        if stored.as_ref() != Some(pinned) {
            return fail(t(
                "数据库的审计密钥不是所给的公钥：其签名不可信",
                "the database's audit key is not the given public key: its seals cannot be trusted",
            ));
        }
    }
    let report = match access.verify_audit_report().await {
        Ok(Ok(r)) => r,
        Ok(Err(broken)) => return fail(broken),
        Err(e) => return fail_app(&e),
    };
    let last = report.last_seq;
    if let Some((seq, want)) = anchor {
        match access.audit_entry(seq).await {
            Ok(Some(e)) if e.hash == want => {}
            Ok(Some(_)) => {
                return fail(t(
                    format!("第 {seq} 条记录的哈希已不是锚点所记：日志被改写"),
                    format!("record {seq} no longer has the anchored hash: the log was rewritten"),
                ));
            }
            Ok(None) => {
                return fail(t(
                    format!("锚点的第 {seq} 条记录不存在（日志止于第 {last} 条）：有记录被删除"),
                    format!("record {seq} of the anchor is missing (the log ends at {last}): records were removed"),
                ));
            }
            Err(e) => return fail_app(&e),
        }
    }
    println!(
        "{}",
        t(
            format!("审计链完好：已验证 {last} 条记录"),
            format!("audit chain intact: {last} records verified")
        )
    );
    let checkpoints = report.checkpoints;
    match &report.key_fingerprint {
        Some(fp) => println!(
            "{}",
            t(
                format!("检查点：已验证 {checkpoints} 个签名检查点（SM2 密钥 sm3:{fp}）"),
                format!("checkpoints: {checkpoints} signed checkpoints verified (SM2 key sm3:{fp})")
            )
        ),
        None => println!(
            "{}",
            t(
                "检查点：无（数据库早于签名检查点：请运行 `kean migrate`）",
                "checkpoints: none (the database predates signed checkpoints: run `kean migrate`)"
            )
        ),
    }
    if report.archived_segments > 0 {
        let (events, segments) = (report.archived_events, report.archived_segments);
        println!(
            "{}",
            t(
                format!("已归档：{segments} 个签名审计段中的 {events} 条记录，从其锚点接续验证"),
                format!("archived: {events} records in {segments} signed segments, continued from their anchors")
            )
        );
    }
    println!(
        "{}",
        t(
            format!("锚点：{last}:{}", report.last_hash),
            format!("anchor: {last}:{}", report.last_hash)
        )
    );
    ExitCode::SUCCESS
}
