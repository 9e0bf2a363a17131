//! Migrations: the per-database SQL files, applied in order, each in its
//! own transaction.

use sqlx::Row;

use crate::error::Result;
use crate::types::Backend;

use super::SqlStore;
use super::args::{Arg, q, qs};

pub(crate) const MIGRATIONS_SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/sqlite/0001_init.sql")),
    (2, include_str!("../../migrations/sqlite/0002_revenue_reports.sql")),
    (3, include_str!("../../migrations/sqlite/0003_imports.sql")),
    (4, include_str!("../../migrations/sqlite/0004_period_indexes.sql")),
    (5, include_str!("../../migrations/sqlite/0005_pending_uploads.sql")),
    (6, include_str!("../../migrations/sqlite/0006_covering_indexes.sql")),
    (7, include_str!("../../migrations/sqlite/0007_screening.sql")),
    (8, include_str!("../../migrations/sqlite/0008_keyword_index.sql")),
    (9, include_str!("../../migrations/sqlite/0009_list_indexes.sql")),
    (10, include_str!("../../migrations/sqlite/0010_record_counts.sql")),
    (11, include_str!("../../migrations/sqlite/0011_digit_trigrams.sql")),
    (
        12,
        include_str!("../../migrations/sqlite/0012_hit_explanation_detail.sql"),
    ),
    (
        13,
        include_str!("../../migrations/sqlite/0013_one_name_per_concept.sql"),
    ),
    (14, include_str!("../../migrations/sqlite/0014_audit_by_actor.sql")),
    (15, include_str!("../../migrations/sqlite/0015_confidentiality.sql")),
    (16, include_str!("../../migrations/sqlite/0016_audit_seals.sql")),
    (17, include_str!("../../migrations/sqlite/0017_account_security.sql")),
    (
        18,
        include_str!("../../migrations/sqlite/0018_research_data_attachments.sql"),
    ),
    (
        19,
        include_str!("../../migrations/sqlite/0019_password_must_change.sql"),
    ),
    (20, include_str!("../../migrations/sqlite/0020_audit_search.sql")),
    (22, include_str!("../../migrations/sqlite/0022_pending_work.sql")),
    (30, include_str!("../../migrations/sqlite/0030_submissions.sql")),
    (31, include_str!("../../migrations/sqlite/0031_account_contact.sql")),
    (23, include_str!("../../migrations/sqlite/0023_audit_append.sql")),
    (26, include_str!("../../migrations/sqlite/0026_bureau_vocabulary.sql")),
    (35, include_str!("../../migrations/sqlite/0035_projects_gates.sql")),
];
pub(crate) const MIGRATIONS_POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_revenue_reports.sql")),
    (3, include_str!("../../migrations/postgres/0003_imports.sql")),
    (4, include_str!("../../migrations/postgres/0004_period_indexes.sql")),
    (5, include_str!("../../migrations/postgres/0005_pending_uploads.sql")),
    (6, include_str!("../../migrations/postgres/0006_covering_indexes.sql")),
    (7, include_str!("../../migrations/postgres/0007_screening.sql")),
    (8, include_str!("../../migrations/postgres/0008_keyword_index.sql")),
    (9, include_str!("../../migrations/postgres/0009_list_indexes.sql")),
    (10, include_str!("../../migrations/postgres/0010_record_counts.sql")),
    (11, include_str!("../../migrations/postgres/0011_digit_trigrams.sql")),
    (
        12,
        include_str!("../../migrations/postgres/0012_hit_explanation_detail.sql"),
    ),
    (
        13,
        include_str!("../../migrations/postgres/0013_one_name_per_concept.sql"),
    ),
    (14, include_str!("../../migrations/postgres/0014_audit_by_actor.sql")),
    (15, include_str!("../../migrations/postgres/0015_confidentiality.sql")),
    (16, include_str!("../../migrations/postgres/0016_audit_seals.sql")),
    (17, include_str!("../../migrations/postgres/0017_account_security.sql")),
    (
        18,
        include_str!("../../migrations/postgres/0018_research_data_attachments.sql"),
    ),
    (
        19,
        include_str!("../../migrations/postgres/0019_password_must_change.sql"),
    ),
    (20, include_str!("../../migrations/postgres/0020_audit_search.sql")),
    (22, include_str!("../../migrations/postgres/0022_pending_work.sql")),
    (30, include_str!("../../migrations/postgres/0030_submissions.sql")),
    (31, include_str!("../../migrations/postgres/0031_account_contact.sql")),
    (23, include_str!("../../migrations/postgres/0023_audit_append.sql")),
    (26, include_str!("../../migrations/postgres/0026_bureau_vocabulary.sql")),
    (35, include_str!("../../migrations/postgres/0035_projects_gates.sql")),
];

/// The migration that brings the audit chain's SM2 key, checkpoints and
/// archives (`audit_seal`); the key is made right after it is applied.
pub(crate) const AUDIT_SEALS_VERSION: i64 = 16;

/// The migrations of a database, in order.
pub(crate) fn migrations(backend: Backend) -> &'static [(i64, &'static str)] {
    match backend {
        Backend::Sqlite => MIGRATIONS_SQLITE,
        Backend::Postgres => MIGRATIONS_POSTGRES,
    }
}

pub(crate) fn strip_comments(stmt: &str) -> String {
    stmt.lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl SqlStore {
    /// Applies the migrations not yet applied, each in its own transaction;
    /// `now` is recorded as the time each was applied.
    pub async fn migrate(&self, now: &str) -> Result<()> {
        self.migrate_up_to(now, i64::MAX).await
    }

    /// Applies the migrations not yet applied up to version `last`: the
    /// tests build a database as an earlier release left it, then migrate it.
    pub async fn migrate_up_to(&self, now: &str, last: i64) -> Result<()> {
        let _w = self.write_guard().await;
        qs("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at TEXT NOT NULL)")
            .execute(&self.pool)
            .await?;
        let applied: Vec<i64> = qs("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<std::result::Result<_, _>>()?;
        let all = migrations(self.backend);
        for (version, sql) in all.iter().filter(|(v, _)| *v <= last) {
            if applied.contains(version) {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for stmt in sql.split(";\n").map(strip_comments).filter(|s| !s.trim().is_empty()) {
                q(stmt, vec![]).execute(&mut *tx).await?;
            }
            if *version == 8 {
                // The keyword index: bigrams of the rows already there.
                grams_0011::regram_every(&mut tx, "t.search_grams IS NULL").await?;
            }
            if *version == 11 {
                // The digits' trigrams of the rows already there, and on
                // PostgreSQL fresh statistics of the index's elements, which
                // choose the grams a search asks for (until the next
                // ANALYZE, the new trigrams would all look rarest).
                grams_0011::regram_every(&mut tx, "1 = 1").await?;
                if self.backend == Backend::Postgres {
                    for kind in grams_0011::KINDS {
                        q(format!("ANALYZE {}", kind.table()), vec![]).execute(&mut *tx).await?;
                    }
                }
            }
            q(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)".into(),
                vec![Arg::Int(Some(*version)), Arg::Text(Some(now.to_string()))],
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        }
        if last >= AUDIT_SEALS_VERSION {
            self.ensure_seal_key(now).await?;
        }
        Ok(())
    }
}

/// Migration 0011's keyword grams, frozen as they were when it was released
/// (bigrams of letters and digits except pairs of digits, trigrams of runs of
/// digits): a migration must do tomorrow what it did the day it shipped, so
/// it never calls the store's current gram function (`search`), which a later
/// migration may change. Migration 0008 fills rows with these too: any row it
/// fills is recomputed by 0011, which always runs after it. Which fields are
/// searched still comes from the schema.
mod grams_0011 {
    use std::collections::BTreeSet;

    use kean_core::Kind;
    use kean_core::schema::Owner;
    use sqlx::{AnyConnection, Row};

    use crate::error::Result;
    use crate::sql::args::{Arg, q};

    fn add_grams(text: &str, out: &mut BTreeSet<String>) {
        let cs: Vec<char> = text
            .chars()
            .flat_map(char::to_lowercase)
            .filter(|c| c.is_alphanumeric())
            .collect();
        for w in cs.windows(2) {
            if !w.iter().all(char::is_ascii_digit) {
                out.insert(w.iter().collect());
            }
        }
        for w in cs.windows(3) {
            if w.iter().all(char::is_ascii_digit) {
                out.insert(w.iter().collect());
            }
        }
    }

    pub(super) fn grams_of<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
        let mut set = BTreeSet::new();
        for t in texts {
            add_grams(t, &mut set);
        }
        set.into_iter().collect::<Vec<_>>().join(" ")
    }

    /// Recomputes `search_grams` of every row of every kind that `cond` (on
    /// the table as `t`) selects, in slices by id.
    /// The kinds there were when 0011 shipped (later kinds' tables are made
    /// by later migrations, with their grams).
    pub(super) const KINDS: [Kind; 9] = [
        Kind::Organization,
        Kind::Platform,
        Kind::Person,
        Kind::TechContract,
        Kind::Achievement,
        Kind::Transfer,
        Kind::RevenueReport,
        Kind::District,
        Kind::IndustryChain,
    ];

    pub(super) async fn regram_every(conn: &mut AnyConnection, cond: &str) -> Result<()> {
        for kind in KINDS {
            let by_owner = matches!(kind.owner(), Owner::Field(_) | Owner::Via(..));
            let searched: Vec<&str> = kind.fields().iter().filter(|f| f.search).map(|f| f.name).collect();
            let mut cols: Vec<String> = searched
                .iter()
                .enumerate()
                .map(|(i, f)| format!("CAST(t.{f} AS TEXT) AS k{i}"))
                .collect();
            if by_owner {
                cols.push("(SELECT o.name FROM organizations o WHERE o.id = t.owner_org_id) AS owner_name".into());
            }
            cols.push("t.id".into());
            cols.push("t.search_grams AS old_grams".into());
            let table = kind.table();
            let mut last = 0i64;
            loop {
                let sql = format!(
                    "SELECT {} FROM {table} t WHERE ({cond}) AND t.id > $1 ORDER BY t.id LIMIT 2000",
                    cols.join(", ")
                );
                let rows = q(sql, vec![Arg::Int(Some(last))]).fetch_all(&mut *conn).await?;
                if rows.is_empty() {
                    break;
                }
                for r in &rows {
                    let mut texts: Vec<Option<String>> = (0..searched.len())
                        .map(|i| r.try_get::<Option<String>, _>(format!("k{i}").as_str()))
                        .collect::<std::result::Result<_, _>>()?;
                    if by_owner {
                        texts.push(r.try_get("owner_name")?);
                    }
                    let id: i64 = r.try_get("id")?;
                    last = id;
                    let grams = grams_of(texts.iter().flatten().map(String::as_str));
                    if r.try_get::<Option<String>, _>("old_grams")?.as_deref() == Some(grams.as_str()) {
                        continue;
                    }
                    q(
                        format!("UPDATE {table} SET search_grams = $1 WHERE id = $2"),
                        vec![Arg::Text(Some(grams)), Arg::Int(Some(id))],
                    )
                    .execute(&mut *conn)
                    .await?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::index_field;
    use kean_core::Kind;

    /// Every unique field and combination of the schema, and the username,
    /// has a unique index on both databases, named as `index_field` reads
    /// it: uniqueness is the database's to enforce.
    #[test]
    fn every_unique_field_has_a_unique_index_on_both_databases() {
        for (db, all) in [
            ("sqlite", migrations(Backend::Sqlite)),
            ("postgres", migrations(Backend::Postgres)),
        ] {
            let text: String = all.iter().map(|(_, s)| *s).collect::<Vec<_>>().join("\n");
            let mut wanted = vec![("users (username)".to_string(), "username".to_string())];
            for kind in Kind::ALL {
                for f in kind.fields().iter().filter(|f| f.unique) {
                    wanted.push((format!("{} ({})", kind.table(), f.name), f.name.to_string()));
                }
                for combo in kind.unique_together() {
                    wanted.push((
                        format!("{} ({})", kind.table(), combo.join(", ")),
                        combo.last().unwrap().to_string(),
                    ));
                }
            }
            for (on, field) in wanted {
                let index = text
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("CREATE UNIQUE INDEX "))
                    .find_map(|l| l.trim_end_matches(';').strip_suffix(&format!(" ON {on}")))
                    .unwrap_or_else(|| panic!("{db}: no unique index on {on}"));
                assert_eq!(index_field(index), field, "{db}: {index}");
            }
        }
    }

    /// What migration 0011 computes is fixed, whatever the store's gram
    /// function becomes.
    #[test]
    fn migration_0011_grams_are_frozen() {
        assert_eq!(
            grams_0011::grams_of(["合同AB12345", "Σx"]),
            "123 234 345 ab b1 σx 合同 同a"
        );
    }
}
