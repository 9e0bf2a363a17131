//! Attachments and the approvals of important data's export, written through
//! the one write path, each change audited in its transaction.

use async_trait::async_trait;
use kean_core::Kind;
use kean_core::confidentiality::Classification;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::SqlStore;
use super::args::{Arg, q};
use super::write_tx::draft;
use crate::error::{Result, StoreError};
use crate::traits::DataStore;
use crate::types::{Attachment, DataExport, NewAttachment, WriteMeta};

const ATTACHMENT_COLS: &str = "id, kind, record_id, file_name, media_type, size, hash, classification, note, \
     uploader, uploaded_at, removed_by, removed_at";

fn kind_of_table(table: &str) -> Result<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.table() == table)
        .ok_or_else(|| StoreError::other(format!("unknown kind '{table}'")))
}

fn decode_attachment(r: &AnyRow) -> Result<Attachment> {
    let level: String = r.try_get("classification")?;
    Ok(Attachment {
        id: r.try_get("id")?,
        kind: kind_of_table(&r.try_get::<String, _>("kind")?)?,
        record_id: r.try_get("record_id")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        hash: r.try_get("hash")?,
        classification: Classification::parse(&level)
            .ok_or_else(|| StoreError::other(format!("unknown level '{level}' in attachments")))?,
        note: r.try_get("note")?,
        uploader: r.try_get("uploader")?,
        uploaded_at: r.try_get("uploaded_at")?,
        removed_by: r.try_get("removed_by")?,
        removed_at: r.try_get("removed_at")?,
    })
}

const EXPORT_COLS: &str = "id, dataset_id, purpose, recipient, state, requested_by, requester, requested_at, \
     decided_by, decided_at, note, valid_until";

fn decode_export(r: &AnyRow) -> Result<DataExport> {
    Ok(DataExport {
        id: r.try_get("id")?,
        dataset_id: r.try_get("dataset_id")?,
        purpose: r.try_get("purpose")?,
        recipient: r.try_get("recipient")?,
        state: r.try_get("state")?,
        requested_by: r.try_get("requested_by")?,
        requester: r.try_get("requester")?,
        requested_at: r.try_get("requested_at")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        note: r.try_get("note")?,
        valid_until: r.try_get("valid_until")?,
    })
}

#[async_trait]
impl DataStore for SqlStore {
    async fn add_attachment(&self, file: &NewAttachment, meta: &WriteMeta) -> Result<Attachment> {
        let mut tx = self.write_tx().await?;
        let exists = q(
            format!("SELECT 1 AS x FROM {} WHERE id = $1", file.kind.table()),
            vec![Arg::Int(Some(file.record_id))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .is_some();
        if !exists {
            return Err(StoreError::NotFound);
        }
        let size = file.content.len() as i64;
        q(
            "INSERT INTO attachment_contents (hash, size, content) SELECT $1, $2, $3 \
             WHERE NOT EXISTS (SELECT 1 FROM attachment_contents WHERE hash = $1)"
                .into(),
            vec![
                Arg::Text(Some(file.hash.clone())),
                Arg::Int(Some(size)),
                Arg::Bytes(file.content.clone()),
            ],
        )
        .execute(&mut *tx)
        .await?;
        let id: i64 = q(
            "INSERT INTO attachments (kind, record_id, file_name, media_type, size, hash, classification, note, \
             uploaded_by, uploader, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id"
                .into(),
            vec![
                Arg::Text(Some(file.kind.table().to_string())),
                Arg::Int(Some(file.record_id)),
                Arg::Text(Some(file.file_name.clone())),
                Arg::Text(Some(file.media_type.clone())),
                Arg::Int(Some(size)),
                Arg::Text(Some(file.hash.clone())),
                Arg::Text(Some(file.classification.code().to_string())),
                Arg::Text(file.note.clone()),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let row = q(
            format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let attachment = decode_attachment(&row)?;
        let mut d = draft(meta, "attachment_add", file.kind.slug(), Some(file.record_id));
        d.after = Some(serde_json::json!({
            "attachment": id,
            "file_name": attachment.file_name,
            "media_type": attachment.media_type,
            "size": size,
            "sm3": attachment.hash,
            "classification": attachment.classification.code(),
        }));
        tx.audit(d);
        tx.commit().await?;
        Ok(attachment)
    }

    async fn attachments(&self, kind: Kind, record_id: i64) -> Result<Vec<Attachment>> {
        q(
            format!(
                "SELECT {ATTACHMENT_COLS} FROM attachments WHERE kind = $1 AND record_id = $2 \
                 AND removed_at IS NULL ORDER BY id"
            ),
            vec![Arg::Text(Some(kind.table().to_string())), Arg::Int(Some(record_id))],
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_attachment)
        .collect()
    }

    async fn attachment(&self, id: i64) -> Result<Option<Attachment>> {
        q(
            format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_attachment(&r))
        .transpose()
    }

    async fn attachment_content(&self, id: i64) -> Result<Option<Vec<u8>>> {
        Ok(q(
            "SELECT c.content AS content FROM attachments a JOIN attachment_contents c ON c.hash = a.hash \
             WHERE a.id = $1"
                .into(),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| r.try_get::<Vec<u8>, _>("content"))
        .transpose()?)
    }

    async fn remove_attachment(&self, id: i64, meta: &WriteMeta) -> Result<Attachment> {
        let mut tx = self.write_tx().await?;
        let changed = q(
            "UPDATE attachments SET removed_by = $1, removed_at = $2 WHERE id = $3 AND removed_at IS NULL".into(),
            vec![
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Int(Some(id)),
            ],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let row = q(
            format!("SELECT {ATTACHMENT_COLS} FROM attachments WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let attachment = decode_attachment(&row)?;
        let mut d = draft(
            meta,
            "attachment_remove",
            attachment.kind.slug(),
            Some(attachment.record_id),
        );
        d.before = Some(serde_json::json!({ "attachment": id, "file_name": attachment.file_name }));
        tx.audit(d);
        tx.commit().await?;
        Ok(attachment)
    }

    async fn request_data_export(
        &self,
        dataset_id: i64,
        purpose: &str,
        recipient: &str,
        meta: &WriteMeta,
    ) -> Result<DataExport> {
        let mut tx = self.write_tx().await?;
        let id: i64 = q(
            "INSERT INTO data_exports (dataset_id, purpose, recipient, state, requested_by, requester, requested_at) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING id"
                .into(),
            vec![
                Arg::Int(Some(dataset_id)),
                Arg::Text(Some(purpose.to_string())),
                Arg::Text(Some(recipient.to_string())),
                Arg::Int(Some(meta.actor_id)),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
            ],
        )
        .fetch_one(&mut *tx)
        .await?
        .try_get("id")?;
        let mut d = draft(meta, "data_export_requested", Kind::Dataset.slug(), Some(dataset_id));
        d.after = Some(serde_json::json!({ "request": id, "purpose": purpose, "recipient": recipient }));
        tx.audit(d);
        let row = q(
            format!("SELECT {EXPORT_COLS} FROM data_exports WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_one(&mut *tx)
        .await?;
        let request = decode_export(&row)?;
        tx.commit().await?;
        Ok(request)
    }

    async fn data_exports(&self, state: Option<&str>, requested_by: Option<i64>) -> Result<Vec<DataExport>> {
        let mut conds = Vec::new();
        let mut args = Vec::new();
        if let Some(s) = state {
            args.push(Arg::Text(Some(s.to_string())));
            conds.push(format!("state = ${}", args.len()));
        }
        if let Some(u) = requested_by {
            args.push(Arg::Int(Some(u)));
            conds.push(format!("requested_by = ${}", args.len()));
        }
        let cond = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        q(
            format!("SELECT {EXPORT_COLS} FROM data_exports{cond} ORDER BY id DESC LIMIT 500"),
            args,
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(decode_export)
        .collect()
    }

    async fn data_export(&self, id: i64) -> Result<Option<DataExport>> {
        q(
            format!("SELECT {EXPORT_COLS} FROM data_exports WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&self.pool)
        .await?
        .map(|r| decode_export(&r))
        .transpose()
    }

    async fn decide_data_export(
        &self,
        id: i64,
        approve: bool,
        note: &str,
        valid_until: &str,
        meta: &WriteMeta,
    ) -> Result<DataExport> {
        let mut tx = self.write_tx().await?;
        let state = if approve { "approved" } else { "rejected" };
        let changed = q(
            "UPDATE data_exports SET state = $1, decided_by = $2, decided_at = $3, note = $4, valid_until = $5 \
             WHERE id = $6 AND state = 'pending'"
                .into(),
            vec![
                Arg::Text(Some(state.to_string())),
                Arg::Text(Some(meta.actor.clone())),
                Arg::Text(Some(meta.at.clone())),
                Arg::Text(Some(note.to_string())),
                Arg::Text(approve.then(|| valid_until.to_string())),
                Arg::Int(Some(id)),
            ],
        )
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let row = q(
            format!("SELECT {EXPORT_COLS} FROM data_exports WHERE id = $1"),
            vec![Arg::Int(Some(id))],
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        if changed == 0 {
            return Err(StoreError::VersionMismatch { expected: 0, actual: 1 });
        }
        let request = decode_export(&row)?;
        let mut d = draft(
            meta,
            &format!("data_export_{state}"),
            Kind::Dataset.slug(),
            Some(request.dataset_id),
        );
        d.after = Some(serde_json::json!({
            "request": id,
            "requester": request.requester,
            "note": note,
            "valid_until": request.valid_until,
        }));
        tx.audit(d);
        tx.commit().await?;
        Ok(request)
    }
}
