//! Importing many records at once. Rows arrive as text keyed by field name
//! (from a CSV/XLSX reader); references are written as people write them
//! (an organization's name or credit code, a district's name or code) and
//! resolved here, inside the importer's own scope. Every row is validated
//! and every problem reported with its line; only a file without problems
//! is written, in one transaction, each record audited.

use std::collections::{BTreeMap, HashMap};

use kean_core::confidentiality::{Classification, LEVEL_FIELD, derived_floor};
use kean_core::policy::Action;
use kean_core::record::validate_under;
use kean_core::schema::FieldType;
use kean_core::{ErrorCode, Fields, Kind};
use kean_store::NewImport;

use crate::access::{RefTarget, Refusal, decide_references};
use crate::{Access, AppError, Result};

/// How long an uploaded file waits for its import to be confirmed.
const UPLOAD_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// One data row of a file: its line (as the user counts them) and its
/// cells keyed by field name.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub line: usize,
    pub values: BTreeMap<String, String>,
}

/// A problem in one cell (or row, when `field` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub value: String,
    pub message_zh: String,
    pub message_en: String,
}

/// What an import is doing, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStage {
    Checking,
    Writing,
}

/// Hears (stage, rows done, rows in all) as an import goes.
pub type ImportProgress = std::sync::Arc<dyn Fn(ImportStage, usize, usize) + Send + Sync>;

#[derive(Clone)]
pub struct ImportSource {
    pub file_name: String,
    /// Hash of the file's bytes (re-imports are refused unless forced).
    pub content_hash: String,
    pub force: bool,
    /// Check everything, write nothing (the preview before confirming).
    pub dry_run: bool,
    pub progress: Option<ImportProgress>,
}

#[derive(Debug, Clone)]
pub enum ImportOutcome {
    /// Everything was written.
    /// `new_results`: screening results the imported parties opened.
    Imported { ids: Vec<i64>, new_results: usize },
    /// A dry run found no problem in these many rows.
    Checked { rows: usize },
    /// Nothing was written; these are all the problems found.
    Rejected { errors: Vec<RowError> },
    /// The rows are one report waiting for a bureau reviewer (填报 → 审核).
    Submitted { submission: Box<kean_store::Submission> },
}

/// The text fields a reference to `kind` may be written as.
/// What an importer is told of a unique value held only by a record it may
/// not read: that the value is taken, and nothing of the record — for a
/// personal field (an identity-card number), that the person is registered.
fn taken_elsewhere(f: &kean_core::schema::Field, text: &str) -> (String, String) {
    if f.personal {
        person_registered_elsewhere(f)
    } else {
        (
            format!("{}：“{}”已被其他单位的记录使用；如有疑问，请联系科技局", f.zh, text),
            format!(
                "{}: '{}' is already used by another organization's record; ask the bureau if this is wrong",
                f.en, text
            ),
        )
    }
}

/// The whole answer about a personal unique value (an identity-card
/// number) held by a record the actor may not read.
pub(crate) fn person_registered_elsewhere(f: &kean_core::schema::Field) -> (String, String) {
    (
        format!("{}：该人员已在其他单位登记；如需关联，请联系科技局", f.zh),
        format!(
            "{}: this person is already registered elsewhere; ask the bureau to link them",
            f.en
        ),
    )
}

fn reference_keys(kind: Kind) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = kind
        .fields()
        .iter()
        .filter(|f| {
            f.unique
                && matches!(
                    f.ty,
                    FieldType::Text { .. } | FieldType::Digits { .. } | FieldType::CreditCode
                )
        })
        .map(|f| f.name)
        .collect();
    if !keys.contains(&kind.label_field()) {
        keys.push(kind.label_field());
    }
    keys
}

/// Resolves the written form of a reference to ids.
struct Resolver {
    by_key: HashMap<String, Vec<i64>>,
    /// Every record of the kind inside the importer's read scope, archived
    /// ones included (so that a reference to one is refused as archived,
    /// exactly as a form refuses it, not as unknown).
    targets: HashMap<i64, RefTarget>,
    /// The levels of the kind's records (classified kinds only): what a
    /// record referring to them is at least classified.
    levels: HashMap<i64, Classification>,
}

impl Resolver {
    fn resolve(&self, text: &str) -> std::result::Result<i64, (&'static str, &'static str)> {
        let t = text.trim();
        if let Some(ids) = self.by_key.get(t).or_else(|| self.by_key.get(&t.to_uppercase())) {
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            return match ids.as_slice() {
                [one] => Ok(*one),
                _ => Err((
                    "有多条记录与之同名，请改用唯一的编码",
                    "matches several records; use a unique code instead",
                )),
            };
        }
        if let Some(id) = t
            .strip_prefix('#')
            .unwrap_or(t)
            .parse::<i64>()
            .ok()
            .filter(|i| self.targets.contains_key(i))
        {
            return Ok(id);
        }
        Err(("找不到对应的记录（或无权访问）", "no such record (or not accessible)"))
    }
}

impl Access {
    async fn resolver(&self, kind: Kind) -> Result<Resolver> {
        let scope = self.gate(Action::Read, Some(kind))?;
        let mut keys = reference_keys(kind);
        // The level is read with the keys, never matched as one.
        let with_level = kind.classified();
        if with_level {
            keys.push(LEVEL_FIELD);
        }
        let rows = self
            .app()
            .store()
            .keys(kind, &keys, scope)
            .await
            .map_err(AppError::from_store)?;
        let mut by_key: HashMap<String, Vec<i64>> = HashMap::new();
        let mut targets = HashMap::with_capacity(rows.len());
        let mut levels = HashMap::new();
        for mut row in rows {
            if with_level && let Some(level) = row.values.pop().flatten().as_deref().and_then(Classification::parse) {
                levels.insert(row.id, level);
            }
            targets.insert(
                row.id,
                RefTarget {
                    owner: row.owner_org_id,
                    archived: row.archived,
                },
            );
            for v in row.values.into_iter().flatten() {
                by_key.entry(v.trim().to_string()).or_default().push(row.id);
            }
        }
        Ok(Resolver {
            by_key,
            targets,
            levels,
        })
    }

    /// Checks and, if every row is good, imports `rows` as records of
    /// `kind`.
    pub async fn import(&self, kind: Kind, rows: &[ImportRow], source: &ImportSource) -> Result<ImportOutcome> {
        let scope = self.gate(Action::Create, Some(kind))?;
        // What the importer may learn of stored records: uniqueness is
        // global, but a record outside this scope is named by nothing
        // beyond the fact that a value is taken.
        let read_scope = self.gate(Action::Read, Some(kind))?;
        self.check_probe_budget(kind).await?;
        if rows.is_empty() {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                "文件中没有数据行",
                "the file has no data rows",
            ));
        }
        if !source.force
            && let Some(prev) = self
                .app()
                .store()
                .find_import(kind, &source.content_hash, read_scope)
                .await
                .map_err(AppError::from_store)?
        {
            return Err(AppError::new(
                ErrorCode::Conflict,
                format!(
                    "同一文件已于 {} 由 {} 导入（{} 行，文件名 {}）；如确需重复导入，请选择“强制导入”",
                    kean_core::display_time(&prev.created_at),
                    prev.actor,
                    prev.row_count,
                    prev.file_name
                ),
                format!(
                    "the same file was imported at {} by {} ({} rows, as {}); force the import to repeat it",
                    prev.created_at, prev.actor, prev.row_count, prev.file_name
                ),
            ));
        }
        let good = match self
            .check_rows(kind, rows, scope, read_scope, source.progress.as_ref())
            .await?
        {
            Ok(good) => good,
            Err(errors) => return Ok(ImportOutcome::Rejected { errors }),
        };
        if source.dry_run {
            return Ok(ImportOutcome::Checked { rows: good.len() });
        }
        // An institution's import is one report under review (填报): nothing
        // is written until a reviewer approves it.
        if self.needs_review(kind).await? {
            let submission = self.submit_import(kind, &good, source).await?;
            return Ok(ImportOutcome::Submitted {
                submission: Box::new(submission),
            });
        }
        let report = |stage: ImportStage, done: usize, total: usize| {
            if let Some(p) = &source.progress {
                p(stage, done, total);
            }
        };
        let to_insert: Vec<(Fields, Option<i64>)> = good.into_iter().map(|(_, f, o)| (f, o)).collect();
        let import = NewImport {
            content_hash: source.content_hash.clone(),
            file_name: source.file_name.clone(),
        };
        let meta = self.write_meta();
        let ids = self
            .app()
            .store()
            .insert_many(kind, &to_insert, &import, &meta, &|done| {
                report(ImportStage::Writing, done, to_insert.len())
            })
            .await
            .map_err(AppError::from_store)?;
        let run = self.app().follow_up(kind, &ids, &meta).await;
        // Only those who may see screening results learn how many there are.
        let new_results = if self.may(Action::ReadScreening, None) {
            run.map_or(0, |run| run.summary.opened.len())
        } else {
            0
        };
        Ok(ImportOutcome::Imported { ids, new_results })
    }

    /// Checks every row of an import as the actor: references resolved in
    /// its read scope, values validated, owners inside `scope`, unique
    /// values against the file and the store (probes counted). The good
    /// rows (line, fields, owner), or every problem found.
    #[allow(clippy::type_complexity)]
    pub(crate) async fn check_rows(
        &self,
        kind: Kind,
        rows: &[ImportRow],
        scope: kean_core::Scope,
        read_scope: kean_core::Scope,
        progress: Option<&ImportProgress>,
    ) -> Result<std::result::Result<Vec<(usize, Fields, Option<i64>)>, Vec<RowError>>> {
        let today = self.today();
        let ceiling = self.app().ceiling().await?;
        let mut resolvers: HashMap<Kind, Resolver> = HashMap::new();
        for f in kind.fields() {
            if let FieldType::Ref(k) = f.ty
                && !resolvers.contains_key(&k)
            {
                resolvers.insert(k, self.resolver(k).await?);
            }
        }
        let mut errors = vec![];
        let mut good: Vec<(usize, Fields, Option<i64>)> = vec![];
        let report = |stage: ImportStage, done: usize, total: usize| {
            if let Some(p) = progress {
                p(stage, done, total);
            }
        };
        for (i, row) in rows.iter().enumerate() {
            if i % 1000 == 0 {
                report(ImportStage::Checking, i, rows.len());
            }
            let mut raw = row.values.clone();
            let mut row_errors = vec![];
            for f in kind.fields() {
                if let FieldType::Ref(k) = f.ty
                    && let Some(text) = raw.get(f.name).map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
                {
                    match resolvers.get(&k).map(|r| r.resolve(&text)) {
                        Some(Ok(id)) => {
                            raw.insert(f.name.to_string(), id.to_string());
                        }
                        Some(Err((zh, en))) => row_errors.push(RowError {
                            line: row.line,
                            field: f.name.to_string(),
                            value: text.clone(),
                            message_zh: format!("{}：“{}”{}", f.zh, text, zh),
                            message_en: format!("{}: '{}' {}", f.en, text, en),
                        }),
                        None => {}
                    }
                }
            }
            // Like a form: an empty level is what the row's references are
            // classified at least, and a lower one is refused.
            let floor = if kind.classified() {
                derived_floor(
                    &kind
                        .fields()
                        .iter()
                        .filter_map(|f| match f.ty {
                            FieldType::Ref(k) => raw
                                .get(f.name)
                                .and_then(|v| v.parse::<i64>().ok())
                                .and_then(|id| resolvers.get(&k)?.levels.get(&id).copied()),
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                )
            } else {
                Classification::Public
            };
            if floor > Classification::Public && raw.get(LEVEL_FIELD).is_none_or(|v| v.trim().is_empty()) {
                raw.insert(LEVEL_FIELD.to_string(), floor.code().to_string());
            }
            match validate_under(kind, &raw, today, ceiling) {
                Ok(fields) if row_errors.is_empty() && fields.classification() < floor => {
                    let e = kean_core::confidentiality::check_assignable(fields.classification(), floor)
                        .err()
                        .map(|r| (r.reason_zh, r.reason_en))
                        .unwrap_or_default();
                    row_errors.push(RowError {
                        line: row.line,
                        field: LEVEL_FIELD.to_string(),
                        value: row.values.get(LEVEL_FIELD).cloned().unwrap_or_default(),
                        message_zh: format!("密级：{}", e.0),
                        message_en: format!("Classification: {}", e.1),
                    });
                }
                Ok(fields) if row_errors.is_empty() => {
                    let target = |k: Kind, id: i64| resolvers.get(&k).and_then(|r| r.targets.get(&id)).copied();
                    match decide_references(&fields, None, scope, target) {
                        Ok(owner) => good.push((row.line, fields, owner)),
                        Err(Refusal::Invalid(fe)) => row_errors.extend(fe.into_iter().map(|e| RowError {
                            line: row.line,
                            value: row.values.get(&e.field).cloned().unwrap_or_default(),
                            field: e.field,
                            message_zh: e.message_zh,
                            message_en: e.message_en,
                        })),
                        Err(Refusal::OutsideScope(n)) => row_errors.push(RowError {
                            line: row.line,
                            field: n.to_string(),
                            value: row.values.get(n).cloned().unwrap_or_default(),
                            message_zh: "只能导入本单位的记录".into(),
                            message_en: "you may only import your own organization's records".into(),
                        }),
                    }
                }
                Ok(_) => {}
                Err(fe) => {
                    for e in fe {
                        // A reference already reported is not reported twice.
                        if row_errors.iter().any(|r| r.field == e.field) {
                            continue;
                        }
                        row_errors.push(RowError {
                            line: row.line,
                            value: row.values.get(&e.field).cloned().unwrap_or_default(),
                            field: e.field,
                            message_zh: e.message_zh,
                            message_en: e.message_en,
                        });
                    }
                }
            }
            errors.extend(row_errors);
        }
        // Unique fields: within the file, and against what is stored. Values
        // only other organizations' records hold are probes (see
        // `probes`): counted against the importer's budget before the
        // report names any of them.
        let mut probes: Vec<(&'static str, String)> = vec![];
        for f in kind.fields().iter().filter(|f| f.unique) {
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut values = vec![];
            for (line, fields, _) in &good {
                let v = fields.get(f.name);
                if v.is_null() {
                    continue;
                }
                let text = v.to_input();
                if let Some(first) = seen.get(&text) {
                    errors.push(RowError {
                        line: *line,
                        field: f.name.to_string(),
                        value: text.clone(),
                        message_zh: format!("{}：“{}”与第{}行重复", f.zh, text, first),
                        message_en: format!("{}: '{}' repeats line {}", f.en, text, first),
                    });
                } else {
                    seen.insert(text, *line);
                    values.push(v.clone());
                }
            }
            let taken = self
                .app()
                .store()
                .existing_values(kind, f.name, &values, read_scope)
                .await
                .map_err(AppError::from_store)?;
            let mut hidden: Vec<&String> = taken.hidden.iter().collect();
            hidden.sort();
            probes.extend(hidden.into_iter().map(|v| (f.name, v.clone())));
            for (line, fields, _) in &good {
                let text = fields.get(f.name).to_input();
                let message = if taken.visible.contains(&text) {
                    Some((
                        format!("{}：“{}”已被已有记录使用", f.zh, text),
                        format!("{}: '{}' is already used by a stored record", f.en, text),
                    ))
                } else if taken.hidden.contains(&text) {
                    Some(taken_elsewhere(f, &text))
                } else {
                    None
                };
                if let Some((message_zh, message_en)) = message {
                    errors.push(RowError {
                        line: *line,
                        field: f.name.to_string(),
                        value: text.clone(),
                        message_zh,
                        message_en,
                    });
                }
            }
        }
        if !probes.is_empty() {
            let left = usize::try_from(self.probes_left().await?).unwrap_or(0);
            let over = probes.len() > left;
            probes.truncate(left);
            for f in kind.fields().iter().filter(|f| f.unique) {
                let values: Vec<String> = probes
                    .iter()
                    .filter(|(name, _)| *name == f.name)
                    .map(|(_, v)| v.clone())
                    .collect();
                self.record_probes(kind, f.name, &values).await?;
            }
            if over {
                return Err(crate::probes::probes_exhausted());
            }
        }
        for combo in kind.unique_together() {
            let stored = self
                .app()
                .store()
                .existing_combos(kind, combo, read_scope)
                .await
                .map_err(AppError::from_store)?;
            let mut seen: HashMap<Vec<Option<String>>, usize> = HashMap::new();
            let last = combo.last().copied().unwrap_or("id");
            for (line, fields, _) in &good {
                let key: Vec<Option<String>> = combo.iter().map(|n| Some(fields.get(n).to_input())).collect();
                let clash = if stored.visible.contains(&key) {
                    Some(("与已有记录重复".to_string(), "repeats a stored record".to_string()))
                } else if stored.hidden.contains(&key) {
                    Some((
                        "与其他单位的已有记录重复；如有疑问，请联系科技局".to_string(),
                        "repeats a record of another organization; ask the bureau if this is wrong".to_string(),
                    ))
                } else {
                    seen.get(&key)
                        .map(|first| (format!("与第{first}行重复"), format!("repeats line {first}")))
                };
                if let Some((zh, en)) = clash {
                    let f = kind.field(last);
                    errors.push(RowError {
                        line: *line,
                        field: last.to_string(),
                        value: fields.get(last).to_input(),
                        message_zh: format!("{}：{zh}", f.map(|f| f.zh).unwrap_or(last)),
                        message_en: format!("{}: {en}", f.map(|f| f.en).unwrap_or(last)),
                    });
                }
                seen.entry(key).or_insert(*line);
            }
        }
        if !errors.is_empty() {
            errors.sort_by(|a, b| (a.line, &a.field).cmp(&(b.line, &b.field)));
            // The report echoes what the file held, as the importer may see it.
            for e in &mut errors {
                let shown = self.disclose_text(kind, &e.field, e.value.clone());
                if shown != e.value && !e.value.is_empty() {
                    e.message_zh = e.message_zh.replace(&e.value, &shown);
                    e.message_en = e.message_en.replace(&e.value, &shown);
                    e.value = shown;
                }
            }
            return Ok(Err(errors));
        }
        Ok(Ok(good))
    }
}

/// The result of importing a file.
#[derive(Debug, Clone)]
pub enum FileImport {
    Imported {
        ids: Vec<i64>,
        /// Screening results the imported parties opened.
        new_results: usize,
    },
    /// Dry run: the file is clean and would import this many rows.
    Checked { rows: usize },
    /// The file is clean and waits, as one report, for a bureau reviewer.
    Submitted { submission: Box<kean_store::Submission> },
    /// Nothing was written; the report names every problem and the
    /// workbook marks the bad cells.
    Rejected {
        report: kean_exchange::ImportReport,
        report_xlsx: Vec<u8>,
    },
}

impl Access {
    /// Imports a CSV (UTF-8 or GBK) or XLSX file: read, map its headers to
    /// `kind`'s fields, then [`Access::import`]. A file that cannot be read
    /// or whose headers do not fit is an error naming the problem.
    pub async fn import_file(
        &self,
        kind: Kind,
        bytes: &[u8],
        file_name: &str,
        force: bool,
        dry_run: bool,
        progress: Option<ImportProgress>,
    ) -> Result<FileImport> {
        let file_error = |zh: String, en: String| AppError::new(ErrorCode::ValidationFailed, zh, en);
        let table = kean_exchange::read_table(bytes, &kean_exchange::ReadOptions::default()).map_err(|e| {
            file_error(
                format!("文件无法导入：{}", e.message_zh()),
                format!("the file cannot be imported: {}", e.message_en()),
            )
        })?;
        let map = kean_exchange::map_headers(kind, &table.headers).map_err(|problems| AppError {
            fields: problems
                .iter()
                .map(|p| kean_core::FieldError::new("header", p.message_zh(), p.message_en()))
                .collect(),
            ..file_error(
                "表头与模板不符，请下载导入模板核对".into(),
                "the headers do not match the template".into(),
            )
        })?;
        let mapped = map.map_rows(&table);
        let rows: Vec<ImportRow> = mapped
            .iter()
            .map(|m| ImportRow {
                line: m.line,
                values: m.values.clone(),
            })
            .collect();
        let source = ImportSource {
            file_name: file_name.to_string(),
            content_hash: kean_exchange::content_hash(bytes),
            force,
            dry_run,
            progress,
        };
        match self.import(kind, &rows, &source).await? {
            ImportOutcome::Imported { ids, new_results } => Ok(FileImport::Imported { ids, new_results }),
            ImportOutcome::Checked { rows } => Ok(FileImport::Checked { rows }),
            ImportOutcome::Submitted { submission } => Ok(FileImport::Submitted { submission }),
            ImportOutcome::Rejected { errors } => {
                let mut per_row: Vec<Vec<kean_core::FieldError>> = vec![vec![]; mapped.len()];
                // A file may have an error on every row: look lines up, don't scan.
                let row_of: std::collections::HashMap<usize, usize> =
                    mapped.iter().enumerate().map(|(i, m)| (m.line, i)).collect();
                for e in errors {
                    if let Some(&i) = row_of.get(&e.line) {
                        per_row[i].push(kean_core::FieldError::new(&e.field, e.message_zh, e.message_en));
                    }
                }
                let mut report = kean_exchange::build_report(&map, &mapped, &per_row);
                // The reader finds duplicates within the file too; say each once.
                report.issues.dedup_by(|a, b| a.line == b.line && a.field == b.field);
                let report_xlsx = kean_exchange::report_xlsx(&table, &report)
                    .map_err(|e| AppError::internal(format!("error report: {e}")))?;
                Ok(FileImport::Rejected { report, report_xlsx })
            }
        }
    }
}

impl Access {
    /// Keeps an uploaded file for `kind` until the user confirms; returns
    /// the token that names it (only its hash is stored). It replaces the
    /// user's earlier upload for `kind`; beyond the upload quota (the
    /// user's, or all users') it is refused with `quota_exceeded`.
    pub async fn stage_upload(&self, kind: Kind, file_name: &str, bytes: &[u8]) -> Result<String> {
        self.gate(Action::Create, Some(kind))?;
        let token = crate::random_token()?;
        let now = self.app().now();
        self.app()
            .store()
            .put_upload(
                &kean_core::audit::sm3_hex(token.as_bytes()),
                self.actor().user_id(),
                kind,
                file_name,
                bytes,
                &kean_core::format_ts(now),
                &kean_core::format_ts(now - UPLOAD_LIFETIME),
                self.app().settings().upload_quota,
            )
            .await
            .map_err(AppError::from_store)?;
        Ok(token)
    }

    /// Checks (dry run) or imports a staged upload. A real import removes
    /// the upload.
    pub async fn import_staged(&self, token: &str, force: bool, dry_run: bool) -> Result<(Kind, String, FileImport)> {
        let hash = kean_core::audit::sm3_hex(token.as_bytes());
        let (kind, file_name, bytes) = self
            .app()
            .store()
            .get_upload(
                &hash,
                self.actor().user_id(),
                &kean_core::format_ts(self.app().now() - UPLOAD_LIFETIME),
            )
            .await
            .map_err(AppError::from_store)?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    "上传的文件已过期或不存在，请重新上传",
                    "the upload has expired or does not exist; upload again",
                )
            })?;
        let outcome = self.import_file(kind, &bytes, &file_name, force, dry_run, None).await?;
        if matches!(outcome, FileImport::Imported { .. } | FileImport::Submitted { .. }) {
            self.app()
                .store()
                .delete_upload(&hash)
                .await
                .map_err(AppError::from_store)?;
        }
        Ok((kind, file_name, outcome))
    }
}
