//! Need-to-know lists (知悉范围) and settings (the ceiling): written through
//! the one write path, each change audited in its transaction. Whether the
//! actor may change them is the application's gate; reading them is for
//! those who manage them (the lists name accounts, not records' content).

use async_trait::async_trait;
use kean_core::Kind;
use sqlx::Row;

use super::SqlStore;
use super::args::{Arg, q};
use super::write_tx::{WriteTx, draft};
use crate::error::{Result, StoreError};
use crate::traits::ConfidentialityStore;
use crate::types::{ControlRow, LevelChange, NeedToKnow, WriteMeta};
use kean_core::confidentiality::{Classification, codes_above};

/// Puts `user_id` on the need-to-know list of each record of `kind` in
/// `ids`, unless it is there already (the creator of a classified record,
/// in the creating transaction). Not audited separately: the create is.
pub(crate) async fn add_creator(tx: &mut WriteTx<'_>, kind: Kind, ids: &[i64], meta: &WriteMeta) -> Result<()> {
    if meta.actor_id <= 0 {
        return Ok(());
    }
    for id in ids {
        q(
            "INSERT INTO need_to_know (kind, record_id, user_id, added_by, added_at) \
             SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
             (SELECT 1 FROM need_to_know WHERE kind = $1 AND record_id = $2 AND user_id = $3)"
                .into(),
            vec![
                Arg::Text(Some(kind.table().to_string())),
                Arg::Int(Some(*id)),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
            ],
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

const CHANGE_COLS: &str = "id, kind, record_id, from_level, to_level, reasons, state, proposed_by, proposer, \
     proposed_at, decided_by, decided_at, note";

fn decode_change(r: &sqlx::any::AnyRow) -> Result<LevelChange> {
    let level = |c: &str| -> Result<Classification> {
        let v: String = r.try_get(c)?;
        Classification::parse(&v).ok_or_else(|| StoreError::other(format!("unknown level '{v}' in level_changes")))
    };
    let table: String = r.try_get("kind")?;
    Ok(LevelChange {
        id: r.try_get("id")?,
        kind: Kind::ALL
            .into_iter()
            .find(|k| k.table() == table)
            .ok_or_else(|| StoreError::other(format!("unknown kind '{table}' in level_changes")))?,
        record_id: r.try_get("record_id")?,
        from: level("from_level")?,
        to: level("to_level")?,
        reasons: r.try_get("reasons")?,
        state: r.try_get("state")?,
        proposed_by: r.try_get("proposed_by")?,
        proposer: r.try_get("proposer")?,
        proposed_at: r.try_get("proposed_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        note: r.try_get("note")?,
    })
}

#[async_trait]
impl ConfidentialityStore for SqlStore {
    async fn propose_level_change(
        &self,
        kind: Kind,
        id: i64,
        from: Classification,
        to: Classification,
        reasons: &str,
        meta: &WriteMeta,
    ) -> Result<LevelChange> {
        let mut tx = self.write_tx().await?;
        let change_id: i64 = q(
            "INSERT INTO level_changes (kind, record_id, from_level, to_level, reasons, state, proposed_by, proposer, proposed_at) \
             VALUES ($1, $2, $3, $4, $5, 'proposed', $6, $7, $8) RETURNING id"
                .into(),
            vec![
                Arg::Text(Some(kind.table().to_string())),
                Arg::Int(Some(id)),
                Arg::Text(Some(from.code().to_string())),
                Arg::Text(Some(to.code().to_string())),
                Arg::Text(Some(reasons.to_string())),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let mut d = draft(meta, "level_change_proposed", kind.slug(), Some(id));
        d.after =
            Some(serde_json::json!({ "change": change_id, "from": from.code(), "to": to.code(), "reasons": reasons }));
        tx.audit(d);
        let row = q(
            format!("SELECT {CHANGE_COLS} FROM level_changes WHERE id = $1"),
            vec![Arg::Int(Some(change_id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let change = decode_change(&row)?;
        tx.commit().await?;
        Ok(change)
    }

    async fn level_changes(&self, state: Option<&str>) -> Result<Vec<LevelChange>> {
        let (cond, args) = match state {
            Some(s) => (" WHERE state = $1", vec![Arg::Text(Some(s.to_string()))]),
            None => ("", vec![]),
        };
        q(
            format!("SELECT {CHANGE_COLS} FROM level_changes{cond} ORDER BY id DESC LIMIT 500"),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_change)
        .collect()
    }

    async fn level_change(&self, id: i64) -> Result<Option<LevelChange>> {
        q(
            format!("SELECT {CHANGE_COLS} FROM level_changes WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_change(&r))
        .transpose()
    }

    async fn decide_level_change(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        control: &[(&'static str, Option<String>)],
        meta: &WriteMeta,
    ) -> Result<LevelChange> {
        let mut tx = self.write_tx().await?;
        let change = q(
            format!("SELECT {CHANGE_COLS} FROM level_changes WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| decode_change(&r))
        .transpose()?
        .ok_or(StoreError::NotFound)?;
        let kind = change.kind;
        let before = super::args::fetch(&mut tx, kind, change.record_id, None)
            .await?
            .ok_or(StoreError::NotFound)?;
        if change.state != "proposed" || before.fields.classification() != change.from {
            return Err(StoreError::VersionMismatch {
                expected: before.version,
                actual: before.version,
            });
        }
        if approve {
            let mut sets = Vec::new();
            let mut args = Vec::new();
            for (name, value) in control {
                if kind.field(name).is_none() {
                    return Err(StoreError::other(format!("{} has no field {name}", kind.table())));
                }
                args.push(Arg::Text(value.clone()));
                sets.push(format!("{name} = ${}", args.len()));
            }
            args.push(Arg::Text(Some(meta.at.clone())));
            sets.push(format!("updated_at = ${}", args.len()));
            args.push(Arg::Int(Some(meta.actor_id)));
            sets.push(format!("updated_by = ${}", args.len()));
            args.push(Arg::Int(Some(change.record_id)));
            q(
                format!(
                    "UPDATE {} SET {}, version = version + 1 WHERE id = ${}",
                    kind.table(),
                    sets.join(", "),
                    args.len()
                ),
                args,
            )
            .execute(&mut *tx)
            .await?;
            tx.written(kind, 0, 0);
            let after = super::args::fetch(&mut tx, kind, change.record_id, None)
                .await?
                .ok_or(StoreError::NotFound)?;
            let mut d = draft(meta, "update", kind.slug(), Some(change.record_id));
            d.before = Some(before.to_json());
            d.after = Some(after.to_json());
            tx.audit(d);
        }
        let state = if approve { "approved" } else { "rejected" };
        q(
            "UPDATE level_changes SET state = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5".into(),
            vec![
                Arg::Text(Some(state.to_string())),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Text(Some(note.to_string())),
                Arg::Int(Some(id)),
            ],
        )
        .execute(&mut *tx)
        .await?;
        let mut d = draft(
            meta,
            &format!("level_change_{state}"),
            kind.slug(),
            Some(change.record_id),
        );
        d.after =
            Some(serde_json::json!({ "change": id, "from": change.from.code(), "to": change.to.code(), "note": note }));
        tx.audit(d);
        let row = q(
            format!("SELECT {CHANGE_COLS} FROM level_changes WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let change = decode_change(&row)?;
        tx.commit().await?;
        Ok(change)
    }

    async fn control_records(&self, kind: Kind) -> Result<Vec<ControlRow>> {
        if !kind.classified() {
            return Ok(Vec::new());
        }
        let above = codes_above(Classification::Internal)
            .iter()
            .map(|c| format!("'{c}'"))
            .collect::<Vec<_>>()
            .join(", ");
        q(
            format!(
                "SELECT id, {} AS title, owner_org_id, classification, classified_by, classification_basis, \
                 classified_on, secrecy_term, archived FROM {} WHERE classification IN ({above}) ORDER BY id DESC",
                kind.label_field(),
                kind.table()
            ),
            vec![],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            let level: String = r.try_get("classification")?;
            Ok(ControlRow {
                kind,
                id: r.try_get("id")?,
                title: r.try_get::<Option<String>, _>("title")?.unwrap_or_default(),
                owner_org_id: r.try_get("owner_org_id")?,
                level: Classification::parse(&level)
                    .ok_or_else(|| StoreError::other(format!("unknown level '{level}' in {}", kind.table())))?,
                classified_by: r.try_get("classified_by")?,
                basis: r.try_get("classification_basis")?,
                classified_on: r.try_get("classified_on")?,
                term_years: r
                    .try_get::<Option<String>, _>("secrecy_term")?
                    .and_then(|t| t.parse().ok()),
                archived: r.try_get::<i64, _>("archived")? != 0,
            })
        })
        .collect()
    }

    async fn need_to_know(&self, kind: Kind, id: i64) -> Result<Vec<NeedToKnow>> {
        q(
            "SELECT n.user_id AS user_id, u.username AS username, u.display_name AS display_name, \
             n.added_by AS added_by, n.added_at AS added_at FROM need_to_know n JOIN users u ON u.id = n.user_id \
             WHERE n.kind = $1 AND n.record_id = $2 ORDER BY u.username"
                .into(),
            vec![Arg::Text(Some(kind.table().to_string())), Arg::Int(Some(id))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(NeedToKnow {
                user_id: r.try_get("user_id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                added_by: r.try_get("added_by")?,
                added_at: r.try_get("added_at")?,
            })
        })
        .collect()
    }

    async fn set_need_to_know(
        &self,
        kind: Kind,
        id: i64,
        user_id: i64,
        member: bool,
        meta: &WriteMeta,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let exists = q(
            format!("SELECT 1 AS x FROM {} WHERE id = $1", kind.table()),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        let user: Option<String> = q(
            "SELECT username FROM users WHERE id = $1".into(),
            vec![Arg::Int(Some(user_id))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("username"))
        .transpose()?;
        let (true, Some(username)) = (exists, user) else {
            return Err(StoreError::NotFound);
        };
        let args = vec![
            Arg::Text(Some(kind.table().to_string())),
            Arg::Int(Some(id)),
            Arg::Int(Some(user_id)),
        ];
        let changed = if member {
            let mut a = args.clone();
            a.push(Arg::Text(Some(meta.actor.clone())));
            a.push(Arg::Text(Some(meta.at.clone())));
            q(
                "INSERT INTO need_to_know (kind, record_id, user_id, added_by, added_at) \
                 SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
                 (SELECT 1 FROM need_to_know WHERE kind = $1 AND record_id = $2 AND user_id = $3)"
                    .into(),
                a,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            q(
                "DELETE FROM need_to_know WHERE kind = $1 AND record_id = $2 AND user_id = $3".into(),
                args,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        if changed == 0 {
            return Ok(false);
        }
        // What lists kept of the kind is stale: who sees what changed.
        tx.written(kind, 0, 0);
        let mut d = draft(
            meta,
            if member {
                "need_to_know_add"
            } else {
                "need_to_know_remove"
            },
            kind.slug(),
            Some(id),
        );
        d.after = Some(serde_json::json!({ "user_id": user_id, "username": username }));
        tx.audit(d);
        tx.commit().await?;
        Ok(true)
    }

    async fn setting(&self, name: &str) -> Result<Option<String>> {
        Ok(q(
            "SELECT value FROM settings WHERE name = $1".into(),
            vec![Arg::Text(Some(name.to_string()))],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get("value"))
        .transpose()?)
    }

    async fn set_setting(&self, name: &str, value: &str, meta: &WriteMeta) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let before: Option<String> = q(
            "SELECT value FROM settings WHERE name = $1".into(),
            vec![Arg::Text(Some(name.to_string()))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.try_get("value"))
        .transpose()?;
        let args = vec![
            Arg::Text(Some(value.to_string())),
            Arg::Text(Some(meta.at.clone())),
            Arg::Text(Some(name.to_string())),
        ];
        let sql = if before.is_some() {
            "UPDATE settings SET value = $1, updated_at = $2 WHERE name = $3"
        } else {
            "INSERT INTO settings (value, updated_at, name) VALUES ($1, $2, $3)"
        };
        q(sql.into(), args).execute(&mut *tx).await?;
        let mut d = draft(meta, "set_setting", "settings", None);
        d.before = before.map(|b| serde_json::json!({ name: b }));
        d.after = Some(serde_json::json!({ name: value }));
        tx.audit(d);
        tx.commit().await?;
        Ok(())
    }
}
