//! Migrations: the per-database SQL files, applied in order, each in its
//! own transaction.

use kean_core::Kind;
use sqlx::Row;

use crate::error::Result;
use crate::types::Backend;

use super::SqlStore;
use super::args::*;

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
];

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
        for (version, sql) in all {
            if applied.contains(version) {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for stmt in sql.split(";\n").map(strip_comments).filter(|s| !s.trim().is_empty()) {
                q(stmt, vec![]).execute(&mut *tx).await?;
            }
            if *version == 8 {
                // The keyword index: bigrams of the rows already there.
                crate::search::regram_every(&mut tx, "t.search_grams IS NULL").await?;
            }
            if *version == 11 {
                // The digits' trigrams of the rows already there, and on
                // PostgreSQL fresh statistics of the index's elements, which
                // choose the grams a search asks for (until the next
                // ANALYZE, the new trigrams would all look rarest).
                crate::search::regram_every(&mut tx, "1 = 1").await?;
                if self.backend == Backend::Postgres {
                    for kind in Kind::ALL {
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::index_field;

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
}
