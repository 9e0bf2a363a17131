//! What lists keep between requests: filtered counts, the ids keyword
//! searches found, a filtered list's first ids and the anchors deep pages
//! start from — each kept with the generations (record_counts) of the kinds
//! its statement reads, and valid while they stand. Every write advances
//! the generations of the kinds it writes in its own transaction (see
//! `write_tx`), whichever process makes it, so one rule invalidates all of
//! them. Which kinds a statement reads is declared by the code building it
//! ([`Reads`], from the selection), never guessed from its text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kean_core::Kind;
use sqlx::{AnyPool, Row};

use crate::error::{Result, StoreError};
use crate::types::Backend;

use super::args::{Arg, q};

/// The kinds a request's kept statements read, and their generations, read
/// once for all of the request's statements.
#[derive(Debug, Clone)]
pub(crate) struct Reads {
    kinds: Vec<Kind>,
    generations: Option<Vec<i64>>,
}

impl Reads {
    pub(crate) fn new(kinds: Vec<Kind>) -> Reads {
        Reads {
            kinds,
            generations: None,
        }
    }

    /// The generations of the kinds read (-1 for a kind without a row).
    async fn generations(&mut self, pool: &AnyPool) -> Result<Vec<i64>> {
        if let Some(g) = &self.generations {
            return Ok(g.clone());
        }
        let ph = (1..=self.kinds.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = q(
            format!("SELECT kind, generation FROM record_counts WHERE kind IN ({ph})"),
            self.kinds
                .iter()
                .map(|k| Arg::Text(Some(k.table().to_string())))
                .collect(),
        )
        .fetch_all(pool)
        .await?;
        let mut by_kind = HashMap::new();
        for r in &rows {
            by_kind.insert(r.try_get::<String, _>("kind")?, r.try_get::<i64, _>("generation")?);
        }
        let g: Vec<i64> = self
            .kinds
            .iter()
            .map(|k| by_kind.get(k.table()).copied().unwrap_or(-1))
            .collect();
        self.generations = Some(g.clone());
        Ok(g)
    }
}

/// Values kept per statement (its text, arguments and the kinds it reads)
/// with the generations they were computed at.
type Kept<T> = Mutex<HashMap<String, (Vec<i64>, T)>>;

/// The list caches of one process.
pub(crate) struct ListCache {
    counts: Kept<i64>,
    ids: Kept<Arc<Vec<i64>>>,
    enabled: bool,
}

impl ListCache {
    pub(crate) fn new() -> ListCache {
        ListCache {
            counts: Mutex::new(HashMap::new()),
            ids: Mutex::new(HashMap::new()),
            enabled: true,
        }
    }

    /// Turns keeping off (every answer computed afresh) or on again.
    pub(crate) fn set_enabled(&mut self, enabled: bool) {
        self.enabled = enabled;
    }

    fn get<T: Clone>(&self, map: &Kept<T>, key: &str, generations: &[i64]) -> Option<T> {
        if !self.enabled {
            return None;
        }
        let map = map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).filter(|(g, _)| g == generations).map(|(_, v)| v.clone())
    }

    /// Keeps a value (the map starts over when it holds `limit` of them).
    fn put<T>(&self, map: &Kept<T>, key: String, generations: Vec<i64>, value: T, limit: usize) {
        if !self.enabled {
            return;
        }
        let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= limit {
            map.clear();
        }
        map.insert(key, (generations, value));
    }

    fn key(reads: &Reads, sql: &str, args: &[Arg]) -> String {
        format!("{:?}\u{1f}{sql}\u{1f}{args:?}", reads.kinds)
    }

    /// A filtered list's count (`sql` selects it as `n`): kept from an
    /// earlier request while the generations of what it reads are unchanged
    /// (one primary-key read instead of counting thousands of index entries).
    pub(crate) async fn count(&self, pool: &AnyPool, reads: &mut Reads, sql: String, args: Vec<Arg>) -> Result<i64> {
        let generations = reads.generations(pool).await?;
        let key = Self::key(reads, &sql, &args);
        if let Some(n) = self.get(&self.counts, &key, &generations) {
            return Ok(n);
        }
        let n: i64 = q(sql, args).fetch_one(pool).await?.try_get("n")?;
        self.put(&self.counts, key, generations, n, 10_000);
        Ok(n)
    }

    /// The ids a list statement found (`sql` selects them as `id`), newest
    /// first — a keyword search's (up to its count cap), a filtered list's
    /// first pages, a deep page's anchor — kept like the counts: paging
    /// through them, or many people asking the same, reads the index once
    /// per generation.
    pub(crate) async fn ids(
        &self,
        pool: &AnyPool,
        backend: Backend,
        reads: &mut Reads,
        sql: String,
        args: Vec<Arg>,
    ) -> Result<Arc<Vec<i64>>> {
        let generations = reads.generations(pool).await?;
        let key = Self::key(reads, &sql, &args);
        if let Some(ids) = self.get(&self.ids, &key, &generations) {
            return Ok(ids);
        }
        // As one row (a list of the ids in one text): SQLite hands each
        // row from its worker thread to the caller one by one, a thread
        // switch per row, which for a thousand ids cost more than the query.
        let concat = match backend {
            Backend::Sqlite => "group_concat(x.id, ',')",
            Backend::Postgres => "string_agg(CAST(x.id AS TEXT), ',')",
        };
        let list: Option<String> = q(format!("SELECT {concat} AS ids FROM ({sql}) x"), args)
            .fetch_one(pool)
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
        // Newest first, as every statement kept here orders them.
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let ids = Arc::new(ids);
        // At most 1,001 ids a statement: ~8 MB for the whole map.
        self.put(&self.ids, key, generations, ids.clone(), 1_000);
        Ok(ids)
    }
}
