//! Registry writes: insert, import, update, archive and restore.

use std::collections::HashMap;

use async_trait::async_trait;
use kean_core::schema::Owner;
use kean_core::{Fields, Kind, Record, Scope};
use sqlx::Row;

use crate::error::{Result, StoreError};
use crate::types::{Backend, NewImport, WriteMeta};

use super::SqlStore;
use super::args::{Arg, fetch, placeholders, q, qs, value_arg};
use super::write_tx::{WriteTx, draft, insert_audit_entries, insert_audit_entry};
use crate::traits::RegistryWrite;

#[async_trait]
impl RegistryWrite for SqlStore {
    async fn insert_many(
        &self,
        kind: Kind,
        rows: &[(Fields, Option<i64>)],
        import: &NewImport,
        meta: &WriteMeta,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<i64>> {
        let mut tx = self.write_tx().await?;
        let ids = self.insert_many_in(&mut tx, kind, rows, import, meta, progress).await?;
        tx.commit().await?;
        self.analyze_after_import(kind).await?;
        Ok(ids)
    }

    async fn insert(&self, fields: &Fields, owner_org_id: Option<i64>, meta: &WriteMeta) -> Result<Record> {
        let mut tx = self.write_tx().await?;
        let rec = self.insert_in(&mut tx, fields, owner_org_id, meta).await?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn update(
        &self,
        id: i64,
        expected_version: Option<i64>,
        fields: &Fields,
        owner_org_id: Option<i64>,
        scope: Scope,
        meta: &WriteMeta,
    ) -> Result<Record> {
        let mut tx = self.write_tx().await?;
        let rec = self
            .update_in(&mut tx, id, expected_version, fields, owner_org_id, Some(scope), meta)
            .await?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn set_archived(
        &self,
        kind: Kind,
        id: i64,
        archived: bool,
        scope: Scope,
        meta: &WriteMeta,
    ) -> Result<Record> {
        let mut tx = self.write_tx().await?;
        match self
            .set_archived_in(&mut tx, kind, id, archived, Some(scope), meta)
            .await?
        {
            (rec, true) => {
                tx.commit().await?;
                Ok(rec)
            }
            (rec, false) => {
                tx.rollback().await?;
                Ok(rec)
            }
        }
    }
}

/// The registry writes inside a write transaction someone else commits: the
/// trait's methods above, and an approved submission's write beside its
/// decision (`sql/submissions.rs`).
impl SqlStore {
    /// Every row of an import, its audit records (sealed here, many to a
    /// statement) and the import's own; the chain head moved on.
    pub(crate) async fn insert_many_in(
        &self,
        tx: &mut WriteTx<'_>,
        kind: Kind,
        rows: &[(Fields, Option<i64>)],
        import: &NewImport,
        meta: &WriteMeta,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> Result<Vec<i64>> {
        if self.backend == Backend::Postgres {
            // The keyword index (GIN) takes an import's rows into its pending
            // list and merges them in bulk (at the VACUUM below) instead of
            // inserting every bigram of every row into the tree.
            qs("SET LOCAL gin_pending_list_limit = '256MB'")
                .execute(&mut **tx)
                .await?;
        }
        // The kind's record_counts row now, then the chain's head once (the
        // whole import extends it in order): the write path's lock order.
        tx.written_now(kind, rows.len() as i64, 0).await?;
        let (mut seq, mut prev) = tx.lock_chain().await?;
        // Ids are reserved up front so that rows can be written many to a
        // statement and still be known (and audited) one by one.
        let ids: Vec<i64> = match self.backend {
            Backend::Sqlite => {
                // Under the write lock nobody else inserts; AUTOINCREMENT
                // continues above the largest id ever used.
                let sql = format!(
                    "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{t}'), 0), \
                     COALESCE((SELECT MAX(id) FROM {t}), 0)) AS m",
                    t = kind.table()
                );
                let max: i64 = q(sql, vec![]).fetch_one(&mut **tx).await?.try_get("m")?;
                (1..=rows.len() as i64).map(|i| max + i).collect()
            }
            Backend::Postgres => {
                let sql = format!(
                    "SELECT nextval(pg_get_serial_sequence('{}', 'id')) AS id FROM generate_series(1, $1)",
                    kind.table()
                );
                let mut ids: Vec<i64> = q(sql, vec![Arg::Int(Some(rows.len() as i64))])
                    .fetch_all(&mut **tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<i64, _>("id"))
                    .collect::<std::result::Result<_, _>>()?;
                ids.sort_unstable();
                ids
            }
        };
        let mut names: Vec<&str> = vec!["id"];
        names.extend(kind.fields().iter().map(|f| f.name));
        names.extend([
            "owner_org_id",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
            "search_grams",
        ]);
        let positional = self.backend == Backend::Sqlite;
        // The owners' names go into the keyword index of what they own.
        let owner_names = if crate::search::owner_name_searched(kind) {
            crate::search::owner_names(tx, rows.iter().filter_map(|(_, o)| *o), positional).await?
        } else {
            HashMap::new()
        };
        // Well under SQLite's and PostgreSQL's limits on bound parameters.
        let per_statement = (20_000 / names.len()).clamp(1, 500);
        // One statement of rows (and its audit records, chained on) per
        // chunk. Building a chunk is CPU work (bigrams, canonical JSON, SM3)
        // and runs while the database writes the previous one.
        let mut build = |chunk_no: usize, chunk: &[(Fields, Option<i64>)]| {
            let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * names.len());
            let mut tuples = Vec::with_capacity(chunk.len());
            let mut entries = Vec::with_capacity(chunk.len());
            for (i, (fields, owner)) in chunk.iter().enumerate() {
                let id = ids[chunk_no * per_statement + i];
                let owner = if kind.owner() == Owner::SelfId {
                    Some(id)
                } else {
                    *owner
                };
                let first = args.len() + 1;
                args.push(Arg::Int(Some(id)));
                args.extend(fields.iter().map(|(f, v)| value_arg(f.ty, v)));
                let grams =
                    crate::search::record_grams(fields, owner.and_then(|o| owner_names.get(&o)).map(String::as_str));
                args.extend([
                    Arg::Int(owner),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Text(Some(meta.at.clone())),
                    Arg::Int(Some(meta.actor_id)),
                    Arg::Int(Some(meta.actor_id)),
                    Arg::Text(Some(grams)),
                ]);
                tuples.push(placeholders(positional, first, args.len()));
                let rec = Record {
                    id,
                    fields: fields.clone(),
                    owner_org_id: owner,
                    archived: false,
                    version: 1,
                    created_at: meta.at.clone(),
                    updated_at: meta.at.clone(),
                };
                let mut d = draft(meta, "import", kind.slug(), Some(id));
                d.after = Some(rec.to_json());
                seq += 1;
                let e = d.seal(seq, &prev);
                prev = e.hash.clone();
                entries.push(e);
            }
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                kind.table(),
                names.join(", "),
                tuples.join(", ")
            );
            (sql, args, entries)
        };
        let chunks: Vec<&[(Fields, Option<i64>)]> = rows.chunks(per_statement).collect();
        let mut next = chunks.first().map(|c| build(0, c));
        for chunk_no in 0..chunks.len() {
            let Some((sql, args, entries)) = next.take() else {
                break;
            };
            let write = async {
                q(sql, args).execute(&mut **tx).await?;
                insert_audit_entries(tx, &entries, positional).await
            };
            let ahead = async { chunks.get(chunk_no + 1).map(|c| build(chunk_no + 1, c)) };
            let (written, built) = tokio::join!(write, ahead);
            written?;
            next = built;
            progress((chunk_no * per_statement + chunks[chunk_no].len()).min(rows.len()));
        }
        q(
            "INSERT INTO imports (kind, content_hash, file_name, row_count, actor_id, actor, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)"
                .into(),
            vec![
                Arg::Text(Some(kind.slug().to_string())),
                Arg::Text(Some(import.content_hash.clone())),
                Arg::Text(Some(import.file_name.clone())),
                Arg::Int(Some(rows.len() as i64)),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
            ],
        )
        .execute(&mut **tx)
        .await?;
        let classified: Vec<i64> = rows
            .iter()
            .zip(&ids)
            .filter(|((f, _), _)| f.classification() > kean_core::confidentiality::Classification::Internal)
            .map(|(_, id)| *id)
            .collect();
        super::confidentiality::add_creator(tx, kind, &classified, meta).await?;
        super::work::mark(self, tx, kind, &ids, &meta.at).await?;
        let mut d = draft(meta, "import_done", kind.slug(), None);
        d.after = Some(
            serde_json::json!({ "file_name": import.file_name, "content_hash": import.content_hash, "rows": rows.len() }),
        );
        seq += 1;
        let e = d.seal(seq, &prev);
        insert_audit_entry(tx, &e).await?;
        tx.set_chain_head(seq, &e.hash).await?;
        Ok(ids)
    }

    /// After a bulk load, outside its transaction.
    pub(crate) async fn analyze_after_import(&self, kind: Kind) -> Result<()> {
        // Refresh the planner's statistics after a bulk load, so that it
        // picks the selective index (a date range, a type) over scanning
        // the whole table in id order. A sampled ANALYZE (analysis_limit)
        // reads only the first entries of each index and took a type with
        // five values for a key; the full one costs ~1 s a million rows.
        let analyze = match self.backend {
            // Skip-scans (an index whose first column has few values, read
            // once per value) are never what kean's indexes are for; SQLite
            // 3.51 chose one for the grouped period aggregates (seconds).
            // Reloading the schema makes every connection see the marks.
            Backend::Sqlite => vec![
                "PRAGMA analysis_limit = 0".to_string(),
                format!("ANALYZE {}", kind.table()),
                format!(
                    "UPDATE sqlite_stat1 SET stat = stat || ' noskipscan' WHERE tbl = '{}' \
                     AND idx IS NOT NULL AND stat NOT LIKE '%noskipscan%'",
                    kind.table()
                ),
                "ANALYZE sqlite_schema".to_string(),
            ],
            // VACUUM also marks the new pages all-visible, which index-only
            // scans (the statistics' covering indexes) need.
            Backend::Postgres => vec![format!("VACUUM (ANALYZE) {}", kind.table())],
        };
        let mut conn = self.pool.acquire().await?;
        for stmt in analyze {
            q(stmt, vec![]).execute(&mut *conn).await?;
        }
        Ok(())
    }

    pub(crate) async fn insert_in(
        &self,
        tx: &mut WriteTx<'_>,
        fields: &Fields,
        owner_org_id: Option<i64>,
        meta: &WriteMeta,
    ) -> Result<Record> {
        let kind = fields.kind();
        // Unique fields are the unique indexes' to guard: a clash, even
        // with a writer racing this one, fails the INSERT, which names the
        // field (StoreError::Duplicate) and rolls the transaction back.
        let grams = crate::search::grams_for(tx, fields, owner_org_id).await?;
        let mut names: Vec<&str> = Vec::new();
        let mut args = Vec::new();
        for (f, v) in fields.iter() {
            names.push(f.name);
            args.push(value_arg(f.ty, v));
        }
        for (n, a) in [
            ("owner_org_id", Arg::Int(owner_org_id)),
            ("created_at", Arg::Text(Some(meta.at.clone()))),
            ("updated_at", Arg::Text(Some(meta.at.clone()))),
            ("created_by", Arg::Int(Some(meta.actor_id))),
            ("updated_by", Arg::Int(Some(meta.actor_id))),
            ("search_grams", Arg::Text(Some(grams))),
        ] {
            names.push(n);
            args.push(a);
        }
        let ph: Vec<String> = (1..=args.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) RETURNING id",
            kind.table(),
            names.join(", "),
            ph.join(", ")
        );
        let id: i64 = q(sql, args).fetch_one(&mut **tx).await?.try_get("id")?;
        if kind.owner() == Owner::SelfId {
            q(
                format!("UPDATE {} SET owner_org_id = id WHERE id = $1", kind.table()),
                vec![Arg::Int(Some(id))],
            )
            .execute(&mut **tx)
            .await?;
        }
        tx.written(kind, 1, 0);
        // Whoever registers a classified record is on its need-to-know list.
        if fields.classification() > kean_core::confidentiality::Classification::Internal {
            super::confidentiality::add_creator(tx, kind, &[id], meta).await?;
        }
        super::work::mark(self, tx, kind, &[id], &meta.at).await?;
        let rec = fetch(tx, kind, id, None).await?.ok_or(StoreError::NotFound)?;
        let mut d = draft(meta, "create", kind.slug(), Some(id));
        d.after = Some(rec.to_json());
        tx.audit(d);
        Ok(rec)
    }

    /// `scope` None: the caller has decided the record is the actor's to change.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn update_in(
        &self,
        tx: &mut WriteTx<'_>,
        id: i64,
        expected_version: Option<i64>,
        fields: &Fields,
        owner_org_id: Option<i64>,
        scope: Option<Scope>,
        meta: &WriteMeta,
    ) -> Result<Record> {
        let kind = fields.kind();
        let before = fetch(tx, kind, id, scope).await?.ok_or(StoreError::NotFound)?;
        if let Some(v) = expected_version
            && v != before.version
        {
            return Err(StoreError::VersionMismatch {
                expected: v,
                actual: before.version,
            });
        }
        let mut sets = Vec::new();
        let mut args = Vec::new();
        // A field kean keeps (a project's stage) is never set by an edit.
        for (f, v) in fields.iter().filter(|(f, _)| !f.managed) {
            args.push(value_arg(f.ty, v));
            sets.push(format!("{} = ${}", f.name, args.len()));
        }
        let owner = if kind.owner() == Owner::SelfId {
            Some(id)
        } else {
            owner_org_id
        };
        let grams = crate::search::grams_for(tx, fields, owner).await?;
        for (n, a) in [
            ("owner_org_id", Arg::Int(owner)),
            ("updated_at", Arg::Text(Some(meta.at.clone()))),
            ("updated_by", Arg::Int(Some(meta.actor_id))),
            ("search_grams", Arg::Text(Some(grams))),
        ] {
            args.push(a);
            sets.push(format!("{n} = ${}", args.len()));
        }
        args.push(Arg::Int(Some(id)));
        let sql = format!(
            "UPDATE {} SET {}, version = version + 1 WHERE id = ${}",
            kind.table(),
            sets.join(", "),
            args.len()
        );
        q(sql, args).execute(&mut **tx).await?;
        // Records owned through this one (transfers through their
        // achievement) move with it, in the same transaction.
        if before.owner_org_id != owner {
            for dependent in Kind::ALL {
                if let Owner::Via(field, via) = dependent.owner()
                    && via == kind
                {
                    q(
                        format!("UPDATE {} SET owner_org_id = $1 WHERE {field} = $2", dependent.table()),
                        vec![Arg::Int(owner), Arg::Int(Some(id))],
                    )
                    .execute(&mut **tx)
                    .await?;
                    // They are now found by their new owner's name.
                    crate::search::regram(tx, dependent, &format!("t.{field} = $1"), vec![Arg::Int(Some(id))]).await?;
                }
            }
        }
        // Records are found by their owner's name: renaming an
        // organization re-indexes what it owns.
        if kind == Kind::Organization && before.fields.get("name") != fields.get("name") {
            for owned in Kind::ALL.into_iter().filter(|k| crate::search::owner_name_searched(*k)) {
                crate::search::regram(tx, owned, "t.owner_org_id = $1", vec![Arg::Int(Some(id))]).await?;
            }
        }
        // Kept counts of filtered lists depend on every field: a new
        // generation of this kind, and of the kinds that moved with it.
        tx.written(kind, 0, 0);
        if before.owner_org_id != owner {
            for dependent in Kind::ALL {
                if matches!(dependent.owner(), Owner::Via(_, via) if via == kind) {
                    tx.written(dependent, 0, 0);
                }
            }
        }
        super::work::mark(self, tx, kind, &[id], &meta.at).await?;
        let after = fetch(tx, kind, id, None).await?.ok_or(StoreError::NotFound)?;
        let mut d = draft(meta, "update", kind.slug(), Some(id));
        d.before = Some(before.to_json());
        d.after = Some(after.to_json());
        tx.audit(d);
        Ok(after)
    }

    /// The record after, and whether anything was written (archiving an
    /// archived record changes nothing).
    pub(crate) async fn set_archived_in(
        &self,
        tx: &mut WriteTx<'_>,
        kind: Kind,
        id: i64,
        archived: bool,
        scope: Option<Scope>,
        meta: &WriteMeta,
    ) -> Result<(Record, bool)> {
        let before = fetch(tx, kind, id, scope).await?.ok_or(StoreError::NotFound)?;
        if before.archived == archived {
            return Ok((before, false));
        }
        q(
            format!(
                "UPDATE {} SET archived = $1, updated_at = $2, updated_by = $3, version = version + 1 WHERE id = $4",
                kind.table()
            ),
            vec![
                Arg::Int(Some(archived as i64)),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(meta.actor_id)),
                Arg::Int(Some(id)),
            ],
        )
        .execute(&mut **tx)
        .await?;
        let moved = if archived { 1 } else { -1 };
        tx.written(kind, -moved, moved);
        super::work::mark(self, tx, kind, &[id], &meta.at).await?;
        let after = fetch(tx, kind, id, None).await?.ok_or(StoreError::NotFound)?;
        let mut d = draft(
            meta,
            if archived { "archive" } else { "restore" },
            kind.slug(),
            Some(id),
        );
        d.before = Some(before.to_json());
        d.after = Some(after.to_json());
        tx.audit(d);
        Ok((after, true))
    }
}
