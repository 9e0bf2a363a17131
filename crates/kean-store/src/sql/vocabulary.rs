//! The bureau's own screening vocabulary (migration 0026): entries with
//! their versions, each change a version, audited, raising the list
//! generation and marking every screened record for screening again.

use async_trait::async_trait;
use sqlx::Row;

use super::SqlStore;
use super::args::{Arg, q};
use super::work::mark_all;
use super::write_tx::draft;
use crate::error::{Result, StoreError};
use crate::screening::{VocabularyAction, VocabularyChange, VocabularyEntry, VocabularyVersion};
use crate::traits::VocabularyStore;
use crate::types::WriteMeta;

const VERSION_COLS: &str =
    "version_no, action, word, english, previous, note, rescreen_marked, changed_at, changed_by_name";

fn decode_version(r: &sqlx::any::AnyRow) -> Result<VocabularyVersion> {
    Ok(VocabularyVersion {
        version_no: r.try_get(0)?,
        action: r.try_get(1)?,
        word: r.try_get(2)?,
        english: r.try_get(3)?,
        previous: r.try_get(4)?,
        note: r.try_get(5)?,
        rescreen_marked: r.try_get(6)?,
        changed_at: r.try_get(7)?,
        changed_by: r.try_get(8)?,
    })
}

#[async_trait]
impl VocabularyStore for SqlStore {
    async fn vocabulary(&self) -> Result<(i64, Vec<VocabularyEntry>)> {
        let version: i64 = q(
            "SELECT COALESCE(MAX(version_no), 0) AS v FROM vocabulary_versions".into(),
            vec![],
        )
        .fetch_one(&self.pool)
        .await?
        .try_get("v")?;
        let entries = q(
            "SELECT word, english, note, added_version FROM vocabulary_entries WHERE ended_version IS NULL \
             ORDER BY word"
                .into(),
            vec![],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(VocabularyEntry {
                word: r.try_get(0)?,
                english: r.try_get(1)?,
                note: r.try_get(2)?,
                added_version: r.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok((version, entries))
    }

    async fn vocabulary_versions(&self, limit: u32) -> Result<Vec<VocabularyVersion>> {
        q(
            format!("SELECT {VERSION_COLS} FROM vocabulary_versions ORDER BY version_no DESC LIMIT $1"),
            vec![Arg::Int(Some(limit as i64))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_version)
        .collect()
    }

    async fn change_vocabulary(&self, change: &VocabularyChange, meta: &WriteMeta) -> Result<VocabularyVersion> {
        let mut tx = self.write_tx().await?;
        // A new list generation: every process rebuilds its indexes with the
        // new vocabulary, and a screening that ran with the old one is stale.
        // On PostgreSQL the row lock also orders concurrent changes.
        q(
            "UPDATE list_generation SET generation = generation + 1 WHERE id = 1".into(),
            vec![],
        )
        .execute(&mut *tx)
        .await?;
        let current = q(
            "SELECT id, english, note FROM vocabulary_entries WHERE word = $1 AND ended_version IS NULL".into(),
            vec![Arg::Text(Some(change.word.clone()))],
        )
        .fetch_optional(&mut *tx)
        .await?;
        let current: Option<(i64, String, String)> = match current {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)),
            None => None,
        };
        match (change.action, &current) {
            (VocabularyAction::Add, Some(_)) => {
                tx.rollback().await?;
                return Err(StoreError::Duplicate { field: "word".into() });
            }
            (VocabularyAction::Edit | VocabularyAction::Remove, None) => {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            (VocabularyAction::Edit, Some((_, english, note)))
                if *english == change.english && *note == change.note =>
            {
                tx.rollback().await?;
                return Err(StoreError::NoChange);
            }
            _ => {}
        }
        let version_no: i64 = q(
            "SELECT COALESCE(MAX(version_no), 0) + 1 AS n FROM vocabulary_versions".into(),
            vec![],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("n")?;
        if let Some((id, _, _)) = &current {
            q(
                "UPDATE vocabulary_entries SET ended_version = $1 WHERE id = $2".into(),
                vec![Arg::Int(Some(version_no)), Arg::Int(Some(*id))],
            )
            .execute(&mut *tx)
            .await?;
        }
        if change.action != VocabularyAction::Remove {
            q(
                "INSERT INTO vocabulary_entries (word, english, note, added_version) VALUES ($1, $2, $3, $4)".into(),
                vec![
                    Arg::Text(Some(change.word.clone())),
                    Arg::Text(Some(change.english.clone())),
                    Arg::Text(Some(change.note.clone())),
                    Arg::Int(Some(version_no)),
                ],
            )
            .execute(&mut *tx)
            .await?;
        }
        let marked = mark_all(self, &mut tx, &meta.at).await?;
        let english = (change.action != VocabularyAction::Remove).then(|| change.english.clone());
        let previous = current.as_ref().map(|(_, e, _)| e.clone());
        let id: i64 = q(
            "INSERT INTO vocabulary_versions (version_no, action, word, english, previous, note, rescreen_marked, \
             changed_at, changed_by, changed_by_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
                .into(),
            vec![
                Arg::Int(Some(version_no)),
                Arg::Text(Some(change.action.code().to_string())),
                Arg::Text(Some(change.word.clone())),
                Arg::Text(english.clone()),
                Arg::Text(previous.clone()),
                Arg::Text(Some(change.note.clone())),
                Arg::Int(Some(marked)),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let mut d = draft(
            meta,
            &format!("vocabulary_{}", change.action.code()),
            "screening-vocabulary",
            Some(id),
        );
        let entry = |english: &str, note: &str| serde_json::json!({ "word": change.word, "english": english, "note": note, "version_no": version_no });
        d.before = current.as_ref().map(|(_, e, n)| entry(e, n));
        d.after = english.as_deref().map(|e| {
            let mut v = entry(e, &change.note);
            v["rescreen_marked"] = serde_json::json!(marked);
            v
        });
        tx.audit(d);
        tx.commit().await?;
        Ok(VocabularyVersion {
            version_no,
            action: change.action.code().to_string(),
            word: change.word.clone(),
            english,
            previous,
            note: change.note.clone(),
            rescreen_marked: marked,
            changed_at: meta.at.clone(),
            changed_by: meta.actor.clone(),
        })
    }
}
