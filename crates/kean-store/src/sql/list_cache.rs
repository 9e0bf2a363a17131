//! What lists keep between requests (counts, found ids, first ids,
//! anchors), valid while the generations of the kinds they read stand.

use std::collections::HashMap;

use kean_core::Kind;
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::types::Backend;

use super::args::*;
use super::{Kept, SqlStore};

/// The value kept for `key` if it was computed at these generations.
pub(crate) fn kept_get<T: Clone>(map: &Kept<T>, key: &str, generations: &[i64]) -> Option<T> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.get(key).filter(|(g, _)| g == generations).map(|(_, v)| v.clone())
}

/// Keeps a value (the map starts over when it holds `limit` of them).
pub(crate) fn kept_put<T>(map: &Kept<T>, key: String, generations: Vec<i64>, value: T, limit: usize) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= limit {
        map.clear();
    }
    map.insert(key, (generations, value));
}

impl SqlStore {
    /// The generations (record_counts) of the kinds a statement over
    /// `kind` reads: the kind's own, and the organizations' when it reads
    /// them (owner filters, owner names).
    pub(crate) async fn generations(&self, kind: Kind, sql: &str) -> Result<Vec<i64>> {
        let mut kinds = vec![kind.table()];
        if kind != Kind::Organization && sql.contains("organizations") {
            kinds.push(Kind::Organization.table());
        }
        let ph = (1..=kinds.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = q(
            format!("SELECT kind, generation FROM record_counts WHERE kind IN ({ph})"),
            kinds.iter().map(|k| Arg::Text(Some(k.to_string()))).collect(),
        )
        .fetch_all(&self.pool)
        .await?;
        let mut by_kind = HashMap::new();
        for r in &rows {
            by_kind.insert(r.try_get::<String, _>("kind")?, r.try_get::<i64, _>("generation")?);
        }
        Ok(kinds.iter().map(|k| by_kind.get(*k).copied().unwrap_or(-1)).collect())
    }

    /// The generations, read once for the statements of one request (they
    /// all read the same kinds: the list's FROM and WHERE).
    pub(crate) async fn generations_once(
        &self,
        kind: Kind,
        sql: &str,
        gens: &mut Option<Vec<i64>>,
    ) -> Result<Vec<i64>> {
        if let Some(g) = gens {
            return Ok(g.clone());
        }
        let g = self.generations(kind, sql).await?;
        *gens = Some(g.clone());
        Ok(g)
    }

    /// A filtered list's count: kept from an earlier request while the
    /// generations of the kinds the statement reads are unchanged (one
    /// primary-key read instead of counting thousands of index entries).
    pub(crate) async fn kept_count(
        &self,
        kind: Kind,
        sql: String,
        args: Vec<Arg>,
        gens: &mut Option<Vec<i64>>,
    ) -> Result<i64> {
        let generations = self.generations_once(kind, &sql, gens).await?;
        let key = format!("{sql}\u{1f}{args:?}");
        if let Some(n) = kept_get(&self.counts, &key, &generations) {
            return Ok(n);
        }
        let n: i64 = q(sql, args).fetch_one(&self.pool).await?.try_get("n")?;
        kept_put(&self.counts, key, generations, n, 10_000);
        Ok(n)
    }

    /// The ids a list statement found — a keyword search's (up to its count
    /// cap), a filtered list's first pages, a deep page's anchor — kept like
    /// the counts: paging through them, or many people asking the same,
    /// reads the index once per generation.
    pub(crate) async fn kept_ids(
        &self,
        kind: Kind,
        sql: String,
        args: Vec<Arg>,
        gens: &mut Option<Vec<i64>>,
    ) -> Result<std::sync::Arc<Vec<i64>>> {
        let generations = self.generations_once(kind, &sql, gens).await?;
        let key = format!("{sql}\u{1f}{args:?}");
        if let Some(ids) = kept_get(&self.found, &key, &generations) {
            return Ok(ids);
        }
        // As one row (a list of the ids in one text): SQLite hands each
        // row from its worker thread to the caller one by one, a thread
        // switch per row, which for a thousand ids cost more than the query.
        let concat = match self.backend {
            Backend::Sqlite => "group_concat(x.id, ',')",
            Backend::Postgres => "string_agg(CAST(x.id AS TEXT), ',')",
        };
        let list: Option<String> = q(format!("SELECT {concat} AS ids FROM ({sql}) x"), args)
            .fetch_one(&self.pool)
            .await?
            .try_get("ids")?;
        let mut ids = list
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|e| StoreError::other(format!("an id list held '{s}': {e}")))
            })
            .collect::<Result<Vec<i64>>>()?;
        // Newest first, as every statement kept here orders them (the
        // aggregate need not keep the order).
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let ids = std::sync::Arc::new(ids);
        // At most 1,001 ids a statement: ~8 MB for the whole map.
        kept_put(&self.found, key, generations, ids.clone(), 1_000);
        Ok(ids)
    }
}
