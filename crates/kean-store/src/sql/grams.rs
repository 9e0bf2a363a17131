//! Which keyword grams a search asks the index for: the frequencies
//! (estimated, kept as hints) and the kinds' sizes.

use std::collections::HashMap;

use kean_core::Kind;
use sqlx::Row;

use crate::error::Result;
use crate::types::Backend;

use super::args::{Arg, q};
use super::{GramStats, SqlStore};

/// How long a gram's count is trusted as a hint.
pub(crate) const GRAM_FREQ_TTL: std::time::Duration = std::time::Duration::from_secs(600);
/// How long a kind's size is trusted as a hint.
pub(crate) const KIND_SIZE_TTL: std::time::Duration = std::time::Duration::from_secs(10);

impl SqlStore {
    /// The grams a keyword search of `kind` asks the index for (see
    /// `search::pick_grams`), from the estimated frequencies of its grams.
    pub(crate) async fn keyword_grams(&self, kind: Kind, keyword: &str) -> Result<Vec<String>> {
        let grams = crate::search::keyword_grams(keyword);
        if grams.len() <= 1 {
            return Ok(grams);
        }
        let now = std::time::Instant::now();
        let total = self.kind_size(kind, now).await?;
        let mut freq: HashMap<&str, i64> = HashMap::with_capacity(grams.len());
        if self.backend == Backend::Postgres {
            // The planner's own statistics answer without touching the
            // index (a GIN index cannot stop counting early).
            let stats = self.gram_stats(kind, now).await?;
            for g in &grams {
                let share = stats.shares.get(g).copied().unwrap_or(stats.least / 2.0);
                freq.insert(g, (share * total as f64) as i64);
            }
        } else {
            let mut windows = None;
            for g in &grams {
                freq.insert(g, self.sqlite_gram_freq(kind, g, total, now, &mut windows).await?);
            }
        }
        // "Frequent" relative to the kind's size, and never below a few
        // thousand records.
        let frequent = (total / crate::search::FREQUENT_SHARE).max(5_000);
        Ok(crate::search::pick_grams(
            &grams,
            total,
            frequent,
            crate::search::verify_cost(self.backend),
            |g| freq.get(g).copied().unwrap_or(i64::MAX),
        ))
    }

    /// How many records of `kind` there are (record_counts), as a hint for
    /// choosing grams: kept for KIND_SIZE_TTL, so that searches under load
    /// do not each read it, yet a bulk import is seen within seconds
    /// (PostgreSQL scales the index statistics' shares by it).
    pub(crate) async fn kind_size(&self, kind: Kind, now: std::time::Instant) -> Result<i64> {
        if let Some((n, at)) = self.kind_sizes.lock().unwrap_or_else(|e| e.into_inner()).get(&kind)
            && now.duration_since(*at) < KIND_SIZE_TTL
        {
            return Ok(*n);
        }
        let n: i64 = q(
            "SELECT active + archived AS n FROM record_counts WHERE kind = $1".into(),
            vec![Arg::Text(Some(kind.table().to_string()))],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get("n"))
        .transpose()?
        .unwrap_or(0);
        self.kind_sizes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(kind, (n, now));
        Ok(n)
    }

    /// SQLite: how many of the `total` records of `kind` hold a gram — counted
    /// up to GRAM_SAMPLE; past that, its share among records sampled in
    /// windows spread over the ids (read once per search into `windows`),
    /// scaled to the kind. Spread, because records written together are
    /// alike (one import's numbers, one year's titles): the newest ones alone
    /// would call a gram rare that only they lack. Kept for GRAM_FREQ_TTL.
    pub(crate) async fn sqlite_gram_freq(
        &self,
        kind: Kind,
        gram: &str,
        total: i64,
        now: std::time::Instant,
        windows: &mut Option<Vec<(i64, i64)>>,
    ) -> Result<i64> {
        let key = (kind, gram.to_string());
        if let Some((n, at)) = self.gram_freq.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && now.duration_since(*at) < GRAM_FREQ_TTL
        {
            return Ok(*n);
        }
        let counted = crate::search::count_gram(&self.pool, kind, gram, crate::search::GRAM_SAMPLE).await?;
        let n = if counted < crate::search::GRAM_SAMPLE {
            counted
        } else {
            let windows = match windows {
                Some(w) => w,
                None => {
                    // Each end from the primary key (SQLite scans the table
                    // for MIN and MAX in one SELECT).
                    let r = q(
                        format!(
                            "SELECT COALESCE((SELECT MIN(id) FROM {0}), 0) AS lo, \
                             COALESCE((SELECT MAX(id) FROM {0}), 0) AS hi",
                            kind.table()
                        ),
                        vec![],
                    )
                    .fetch_one(&self.pool)
                    .await?;
                    windows.insert(crate::search::sample_windows(r.try_get("lo")?, r.try_get("hi")?))
                }
            };
            let found = crate::search::sample_gram(&self.pool, kind, gram, windows).await?;
            let sampled: i64 = windows.iter().map(|(a, b)| b - a).sum::<i64>().max(1);
            // Never below what was counted.
            ((found as f64 / sampled as f64 * total as f64) as i64).max(counted)
        };
        let mut cache = self.gram_freq.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= 100_000 {
            cache.clear();
        }
        cache.insert(key, (n, now));
        Ok(n)
    }

    /// The keyword index's element statistics of `kind` (PostgreSQL),
    /// cached like the bigram counts.
    pub(crate) async fn gram_stats(&self, kind: Kind, now: std::time::Instant) -> Result<std::sync::Arc<GramStats>> {
        if let Some((stats, at)) = self.gram_stats.lock().unwrap_or_else(|e| e.into_inner()).get(&kind)
            && now.duration_since(*at) < GRAM_FREQ_TTL
        {
            return Ok(stats.clone());
        }
        let row = q(
            "SELECT CAST(most_common_elems AS TEXT) AS e, CAST(most_common_elem_freqs AS TEXT) AS f \
             FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1"
                .into(),
            vec![Arg::Text(Some(format!("{}_search_grams_idx", kind.table())))],
        )
        .fetch_optional(&self.pool)
        .await?;
        let mut stats = GramStats::default();
        if let Some(r) = row {
            let list = |v: Option<String>| -> Vec<String> {
                v.unwrap_or_default()
                    .trim_matches(|c| c == '{' || c == '}')
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(|x| x.trim_matches('"').to_string())
                    .collect()
            };
            let elems = list(r.try_get("e")?);
            let freqs: Vec<f64> = list(r.try_get("f")?).iter().filter_map(|x| x.parse().ok()).collect();
            // The shares, then the smallest and largest share and the
            // share of empty arrays.
            if freqs.len() == elems.len() + 3 {
                stats.least = freqs[elems.len()];
                stats.shares = elems.into_iter().zip(freqs).collect();
            }
        }
        let stats = std::sync::Arc::new(stats);
        self.gram_stats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(kind, (stats.clone(), now));
        Ok(stats)
    }
}
