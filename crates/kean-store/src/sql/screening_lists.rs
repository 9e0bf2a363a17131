//! Restricted-party lists with their versions, entries and diffs.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::args::{Arg, CHUNK, counted_page, in_list, placeholders, q};
use super::write_tx::draft;
use crate::error::{Result, StoreError};
use crate::screening::{ListChange, ListInfo, ListVersion, NewListEntry, RescreenFigures, StoredEntry};
use crate::traits::ScreeningListStore;
use crate::types::{Page, WriteMeta};

pub(crate) const VERSION_COLS: &str = "v.id, v.list_id, l.code, v.version_no, v.file_name, v.content_hash, v.entry_count, \
     v.added, v.changed, v.removed, v.imported_at, v.imported_by_name, v.rescreen_parties, v.rescreen_opened, \
     v.rescreen_lapsed, v.rescreen_millis";
pub(crate) const ENTRY_COLS: &str = "e.id, e.list_id, l.code, e.entry_key, e.entry_hash, e.name, e.data, e.added_version_id, \
     e.removed_version_id";

pub(crate) fn decode_version(r: &AnyRow) -> Result<ListVersion> {
    Ok(ListVersion {
        id: r.try_get(0)?,
        list_id: r.try_get(1)?,
        list_code: r.try_get(2)?,
        version_no: r.try_get(3)?,
        file_name: r.try_get(4)?,
        content_hash: r.try_get(5)?,
        entry_count: r.try_get(6)?,
        added: r.try_get(7)?,
        changed: r.try_get(8)?,
        removed: r.try_get(9)?,
        imported_at: r.try_get(10)?,
        imported_by: r.try_get(11)?,
        rescreen: match (r.try_get::<Option<i64>, _>(12)?, r.try_get::<Option<i64>, _>(13)?) {
            (Some(parties), Some(opened)) => Some(RescreenFigures {
                parties,
                opened,
                lapsed: r.try_get::<Option<i64>, _>(14)?.unwrap_or(0),
                millis: r.try_get::<Option<i64>, _>(15)?.unwrap_or(0),
            }),
            _ => None,
        },
    })
}

pub(crate) fn decode_entry(r: &AnyRow) -> Result<StoredEntry> {
    Ok(StoredEntry {
        id: r.try_get(0)?,
        list_id: r.try_get(1)?,
        list_code: r.try_get(2)?,
        entry_key: r.try_get(3)?,
        entry_hash: r.try_get(4)?,
        name: r.try_get(5)?,
        data: r.try_get(6)?,
        added_version_id: r.try_get(7)?,
        removed_version_id: r.try_get(8)?,
    })
}

impl SqlStore {
    /// Entry versions matching `cond` (over `e`, joined to its list `l`), oldest first.
    pub(crate) async fn entries_where(&self, cond: &str, args: Vec<Arg>) -> Result<Vec<StoredEntry>> {
        q(
            format!(
                "SELECT {ENTRY_COLS} FROM restricted_entries e JOIN restricted_lists l ON l.id = e.list_id \
                 WHERE {cond} ORDER BY e.id"
            ),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_entry)
        .collect()
    }

    /// List versions matching `cond` (over `v`, joined to its list `l`), newest first.
    pub(crate) async fn versions_where(&self, cond: &str, args: Vec<Arg>) -> Result<Vec<ListVersion>> {
        q(
            format!(
                "SELECT {VERSION_COLS} FROM restricted_list_versions v JOIN restricted_lists l ON l.id = v.list_id \
                 WHERE {cond} ORDER BY v.version_no DESC"
            ),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_version)
        .collect()
    }
}

#[async_trait]
impl ScreeningListStore for SqlStore {
    async fn list_generation(&self) -> Result<i64> {
        Ok(q("SELECT generation FROM list_generation WHERE id = 1".into(), vec![])
            .fetch_one(&self.pool)
            .await?
            .try_get("generation")?)
    }

    async fn current_entries(&self, list_id: Option<i64>) -> Result<Vec<StoredEntry>> {
        match list_id {
            Some(l) => {
                self.entries_where(
                    "e.removed_version_id IS NULL AND e.list_id = $1",
                    vec![Arg::Int(Some(l))],
                )
                .await
            }
            None => self.entries_where("e.removed_version_id IS NULL", vec![]).await,
        }
    }

    async fn entry(&self, id: i64) -> Result<Option<StoredEntry>> {
        Ok(self.entries_where("e.id = $1", vec![Arg::Int(Some(id))]).await?.pop())
    }

    async fn entry_versions(&self, list_id: i64, entry_key: &str) -> Result<Vec<StoredEntry>> {
        self.entries_where(
            "e.list_id = $1 AND e.entry_key = $2",
            vec![Arg::Int(Some(list_id)), Arg::Text(Some(entry_key.to_string()))],
        )
        .await
    }

    async fn restricted_lists(&self) -> Result<Vec<ListInfo>> {
        let rows = q(
            "SELECT id, code, format, entry_count, updated_at FROM restricted_lists ORDER BY code".into(),
            vec![],
        )
        .fetch_all(&self.pool)
        .await?;
        // Every list's current version, in one query.
        let mut current: HashMap<i64, ListVersion> = self
            .versions_where("v.id = l.current_version_id", vec![])
            .await?
            .into_iter()
            .map(|v| (v.list_id, v))
            .collect();
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                Ok(ListInfo {
                    id,
                    code: r.try_get("code")?,
                    format: r.try_get("format")?,
                    entry_count: r.try_get("entry_count")?,
                    updated_at: r.try_get("updated_at")?,
                    current: current.remove(&id),
                })
            })
            .collect()
    }

    async fn list_versions(&self, list_id: i64) -> Result<Vec<ListVersion>> {
        self.versions_where("v.list_id = $1", vec![Arg::Int(Some(list_id))])
            .await
    }

    async fn list_version(&self, version_id: i64) -> Result<Option<ListVersion>> {
        Ok(self
            .versions_where("v.id = $1", vec![Arg::Int(Some(version_id))])
            .await?
            .pop())
    }

    async fn list_changes(
        &self,
        version_id: i64,
        change: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ListChange>> {
        let mut cond = "version_id = $1".to_string();
        let mut args = vec![Arg::Int(Some(version_id))];
        if let Some(c) = change {
            cond.push_str(" AND change = $2");
            args.push(Arg::Text(Some(c.to_string())));
        }
        counted_page(
            &self.pool,
            format!("SELECT COUNT(*) AS n FROM restricted_list_changes WHERE {cond}"),
            format!(
                "SELECT change, entry_key, name, old_entry_id, new_entry_id FROM restricted_list_changes \
                 WHERE {cond} ORDER BY id"
            ),
            args,
            page,
            page_size,
            |r| {
                Ok(ListChange {
                    change: r.try_get(0)?,
                    entry_key: r.try_get(1)?,
                    name: r.try_get(2)?,
                    old_entry_id: r.try_get(3)?,
                    new_entry_id: r.try_get(4)?,
                })
            },
        )
        .await
    }

    async fn import_list_version(
        &self,
        code: &str,
        format: &str,
        file_name: &str,
        content_hash: &str,
        entries: &[NewListEntry],
        meta: &WriteMeta,
    ) -> Result<ListVersion> {
        let mut seen = HashSet::new();
        if let Some(dup) = entries.iter().find(|e| !seen.insert(e.key.as_str())) {
            return Err(StoreError::Duplicate {
                field: format!("entry_key {}", dup.key),
            });
        }
        let pos = self.positional();
        let mut tx = self.write_tx().await?;
        // A new list generation; on PostgreSQL the row lock also waits for
        // screenings in progress and orders imports.
        q(
            "UPDATE list_generation SET generation = generation + 1 WHERE id = 1".into(),
            vec![],
        )
        .execute(&mut *tx)
        .await?;
        let existing = q(
            "SELECT id FROM restricted_lists WHERE code = $1".into(),
            vec![Arg::Text(Some(code.to_string()))],
        )
        .fetch_optional(&mut *tx)
        .await?;
        let list_id: i64 = match existing {
            Some(r) => r.try_get("id")?,
            None => q(
                "INSERT INTO restricted_lists (code, format, entry_count, created_at, updated_at) \
                 VALUES ($1, $2, 0, $3, $3) RETURNING id"
                    .into(),
                vec![
                    Arg::Text(Some(code.to_string())),
                    Arg::Text(Some(format.to_string())),
                    Arg::Text(Some(meta.at.clone())),
                ],
            )
            .fetch_one(&mut *tx)
            .await?
            .try_get("id")?,
        };
        let version_no: i64 = q(
            "SELECT COALESCE(MAX(version_no), 0) + 1 AS n FROM restricted_list_versions WHERE list_id = $1".into(),
            vec![Arg::Int(Some(list_id))],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        let version_id: i64 = q(
            "INSERT INTO restricted_list_versions (list_id, version_no, file_name, content_hash, entry_count, \
             added, changed, removed, imported_at, imported_by, imported_by_name) \
             VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6, $7, $8) RETURNING id"
                .into(),
            vec![
                Arg::Int(Some(list_id)),
                Arg::Int(Some(version_no)),
                Arg::Text(Some(file_name.to_string())),
                Arg::Text(Some(content_hash.to_string())),
                Arg::Int(Some(entries.len() as i64)),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;

        // The diff against the current version.
        let mut current: HashMap<String, (i64, String, String)> = HashMap::new();
        for r in q(
            "SELECT id, entry_key, entry_hash, name FROM restricted_entries \
             WHERE list_id = $1 AND removed_version_id IS NULL"
                .into(),
            vec![Arg::Int(Some(list_id))],
        )
        .fetch_all(&mut *tx)
        .await?
        {
            current.insert(
                r.try_get("entry_key")?,
                (r.try_get("id")?, r.try_get("entry_hash")?, r.try_get("name")?),
            );
        }
        let mut to_insert: Vec<&NewListEntry> = Vec::new();
        let mut ended: Vec<i64> = Vec::new();
        // (change, key, name, old id)
        let mut changes: Vec<(&str, String, String, Option<i64>)> = Vec::new();
        let mut keys_now = HashSet::with_capacity(entries.len());
        for e in entries {
            keys_now.insert(e.key.as_str());
            match current.get(&e.key) {
                None => {
                    to_insert.push(e);
                    changes.push(("added", e.key.clone(), e.name.clone(), None));
                }
                Some((id, hash, _)) if *hash != e.hash => {
                    to_insert.push(e);
                    ended.push(*id);
                    changes.push(("changed", e.key.clone(), e.name.clone(), Some(*id)));
                }
                Some(_) => {}
            }
        }
        let mut gone: Vec<(&String, &(i64, String, String))> =
            current.iter().filter(|(k, _)| !keys_now.contains(k.as_str())).collect();
        gone.sort_by_key(|(_, (id, _, _))| *id);
        for (k, (id, _, name)) in gone {
            ended.push(*id);
            changes.push(("removed", k.clone(), name.clone(), Some(*id)));
        }
        if changes.is_empty() && !current.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::NoChange);
        }
        for chunk in ended.chunks(CHUNK) {
            let mut args = vec![Arg::Int(Some(version_id))];
            args.extend(chunk.iter().map(|id| Arg::Int(Some(*id))));
            q(
                format!(
                    "UPDATE restricted_entries SET removed_version_id = $1 WHERE id IN ({})",
                    in_list(2, chunk.len())
                ),
                args,
            )
            .execute(&mut *tx)
            .await?;
        }
        for chunk in to_insert.chunks(CHUNK) {
            let mut args = Vec::with_capacity(chunk.len() * 6);
            let mut tuples = Vec::with_capacity(chunk.len());
            for e in chunk {
                let first = args.len() + 1;
                args.extend([
                    Arg::Int(Some(list_id)),
                    Arg::Text(Some(e.key.clone())),
                    Arg::Text(Some(e.hash.clone())),
                    Arg::Text(Some(e.name.clone())),
                    Arg::Text(Some(e.data.clone())),
                    Arg::Int(Some(version_id)),
                ]);
                tuples.push(placeholders(pos, first, args.len()));
            }
            q(
                format!(
                    "INSERT INTO restricted_entries (list_id, entry_key, entry_hash, name, data, added_version_id) \
                     VALUES {}",
                    tuples.join(", ")
                ),
                args,
            )
            .execute(&mut *tx)
            .await?;
        }
        let mut new_ids: HashMap<String, i64> = HashMap::new();
        for r in q(
            "SELECT id, entry_key FROM restricted_entries WHERE added_version_id = $1".into(),
            vec![Arg::Int(Some(version_id))],
        )
        .fetch_all(&mut *tx)
        .await?
        {
            new_ids.insert(r.try_get("entry_key")?, r.try_get("id")?);
        }
        for chunk in changes.chunks(CHUNK) {
            let mut args = Vec::with_capacity(chunk.len() * 6);
            let mut tuples = Vec::with_capacity(chunk.len());
            for (change, key, name, old) in chunk {
                let first = args.len() + 1;
                let new = if *change == "removed" {
                    None
                } else {
                    new_ids.get(key).copied()
                };
                args.extend([
                    Arg::Int(Some(version_id)),
                    Arg::Text(Some(change.to_string())),
                    Arg::Text(Some(key.clone())),
                    Arg::Text(Some(name.clone())),
                    Arg::Int(*old),
                    Arg::Int(new),
                ]);
                tuples.push(placeholders(pos, first, args.len()));
            }
            q(
                format!(
                    "INSERT INTO restricted_list_changes (version_id, change, entry_key, name, old_entry_id, \
                     new_entry_id) VALUES {}",
                    tuples.join(", ")
                ),
                args,
            )
            .execute(&mut *tx)
            .await?;
        }
        let count = |c: &str| changes.iter().filter(|x| x.0 == c).count() as i64;
        let (added, changed, removed) = (count("added"), count("changed"), count("removed"));
        q(
            "UPDATE restricted_list_versions SET added = $1, changed = $2, removed = $3 WHERE id = $4".into(),
            vec![
                Arg::Int(Some(added)),
                Arg::Int(Some(changed)),
                Arg::Int(Some(removed)),
                Arg::Int(Some(version_id)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        q(
            "UPDATE restricted_lists SET current_version_id = $1, entry_count = $2, format = $3, updated_at = $4 \
             WHERE id = $5"
                .into(),
            vec![
                Arg::Int(Some(version_id)),
                Arg::Int(Some(entries.len() as i64)),
                Arg::Text(Some(format.to_string())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(list_id)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        let mut d = draft(meta, "import", "restricted-lists", Some(version_id));
        d.after = Some(serde_json::json!({
            "list": code,
            "format": format,
            "version_no": version_no,
            "file_name": file_name,
            "content_hash": content_hash,
            "entries": entries.len(),
            "added": added,
            "changed": changed,
            "removed": removed,
        }));
        tx.audit(d);
        let version = q(
            format!(
                "SELECT {VERSION_COLS} FROM restricted_list_versions v JOIN restricted_lists l ON l.id = v.list_id \
                 WHERE v.id = $1"
            ),
            vec![Arg::Int(Some(version_id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let version = decode_version(&version)?;
        tx.commit().await?;
        Ok(version)
    }

    async fn version_entry_ids(&self, version_id: i64) -> Result<HashSet<i64>> {
        q(
            "SELECT id FROM restricted_entries WHERE added_version_id = $1".into(),
            vec![Arg::Int(Some(version_id))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok(r.try_get::<i64, _>("id")?))
        .collect()
    }

    async fn record_version_rescreen(&self, version_id: i64, f: RescreenFigures) -> Result<()> {
        let mut tx = self.write_tx().await?;
        q(
            "UPDATE restricted_list_versions SET rescreen_parties = $1, rescreen_opened = $2, rescreen_lapsed = $3, \
             rescreen_millis = $4 WHERE id = $5"
                .into(),
            vec![
                Arg::Int(Some(f.parties)),
                Arg::Int(Some(f.opened)),
                Arg::Int(Some(f.lapsed)),
                Arg::Int(Some(f.millis)),
                Arg::Int(Some(version_id)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
