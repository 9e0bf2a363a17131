//! Attachments on a record's page and requests to export important data.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use kean_app::{Access, Upload};
use kean_core::Kind;
use kean_core::attachment::is_important_data;
use kean_core::confidentiality::Classification;
use kean_core::policy::Action;

use super::common::{id_of, record_of};
use crate::auth::{WebForm, WebUpload, WebUser};
use crate::i18n::Lang;
use crate::respond::{PageError, PageResult};
use crate::views::Opt;

/// One attachment as the record's page lists it.
pub struct AttachmentRow {
    pub id: i64,
    pub file_name: String,
    pub size: String,
    pub level: String,
    pub uploader: String,
    pub uploaded_at: String,
    pub note: String,
}

/// The attachments panel of a record's page.
pub struct AttachmentPanel {
    pub rows: Vec<AttachmentRow>,
    /// The levels a new file may carry, when the viewer may attach one.
    pub upload_levels: Option<Vec<Opt>>,
}

/// One of the viewer's own export requests for a dataset.
pub struct ExportRow {
    pub id: i64,
    pub state: String,
    pub purpose: String,
    pub recipient: String,
    pub requested_at: String,
    pub valid_until: String,
    pub note: String,
}

/// The export-approval panel of an important or core dataset.
pub struct ExportPanel {
    pub requests: Vec<ExportRow>,
}

/// A size as people read it.
pub fn human_size(bytes: i64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / 1048576.0),
    }
}

/// The attachments panel of record `id` (None when the viewer may not list
/// them — it then sees no panel at all).
pub async fn attachment_panel(
    access: &Access,
    lang: Lang,
    kind: Kind,
    id: i64,
    level: Classification,
    archived: bool,
) -> Option<AttachmentPanel> {
    let zh = lang.zh();
    let rows = access
        .attachments(kind, id)
        .await
        .ok()?
        .into_iter()
        .map(|a| AttachmentRow {
            id: a.id,
            file_name: a.file_name,
            size: human_size(a.size),
            level: a.classification.label(zh).into(),
            uploader: a.uploader,
            uploaded_at: kean_core::display_time(&a.uploaded_at),
            note: a.note.unwrap_or_default(),
        })
        .collect();
    let upload_levels = (access.may(Action::Update, Some(kind)) && !archived).then(|| {
        let top = if kind.classified() {
            kean_core::confidentiality::BUREAU_MAX
        } else {
            Classification::Internal
        };
        let mut v = vec![Opt {
            value: String::new(),
            label: lang.t("att.same_level").into(),
            selected: true,
        }];
        v.extend(
            Classification::ALL
                .into_iter()
                .filter(|l| *l > level && *l <= top)
                .map(|l| Opt {
                    value: l.code().into(),
                    label: l.label(zh).into(),
                    selected: false,
                }),
        );
        v
    });
    Some(AttachmentPanel { rows, upload_levels })
}

/// The export panel of a dataset that is important or core data.
pub async fn export_panel(access: &Access, lang: Lang, kind: Kind, rec: &kean_core::Record) -> Option<ExportPanel> {
    if !is_important_data(kind, &rec.fields) {
        return None;
    }
    let requests = access
        .data_exports(false)
        .await
        .ok()?
        .into_iter()
        .filter(|x| x.request.dataset_id == rec.id)
        .map(|x| ExportRow {
            id: x.request.id,
            state: lang.t(&format!("data.state.{}", x.request.state)).into(),
            purpose: x.request.purpose,
            recipient: x.request.recipient,
            requested_at: kean_core::display_time(&x.request.requested_at),
            valid_until: x.request.valid_until.unwrap_or_default(),
            note: x.request.note.unwrap_or_default(),
        })
        .collect();
    Some(ExportPanel { requests })
}

pub async fn upload(Path((slug, id_text)): Path<(String, String)>, up: WebUpload) -> PageResult {
    let u = &up.user;
    let (kind, id) = record_of(u, &slug, &id_text)?;
    let upload = Upload {
        file_name: &up.file_name,
        content: up.bytes,
        classification: up.text.get("classification").map(String::as_str).unwrap_or(""),
        note: up.text.get("note").map(String::as_str).unwrap_or(""),
    };
    match u.access.add_attachment(kind, id, upload).await {
        Ok(_) => Ok(Redirect::to(&format!("/registry/{slug}/{id}?attached=1#attachments")).into_response()),
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn remove(Path(id_text): Path<String>, f: WebForm) -> PageResult {
    let u = &f.user;
    let id = id_of(u, &id_text)?;
    match u.access.remove_attachment(id).await {
        Ok(a) => Ok(Redirect::to(&format!(
            "/registry/{}/{}?detached=1#attachments",
            a.kind.slug(),
            a.record_id
        ))
        .into_response()),
        Err(e) => Err(PageError::page(u, e)),
    }
}

pub async fn download(u: WebUser, Path(id_text): Path<String>) -> PageResult {
    let id = id_of(&u, &id_text)?;
    match u.access.download_attachment(id).await {
        Ok((a, bytes)) => Ok(file_response(&a.file_name, &a.media_type, bytes)),
        Err(e) => Err(PageError::page(&u, e)),
    }
}

/// A stored file as a download: never shown inline, never sniffed, never
/// able to run script or be cached.
pub fn file_response(file_name: &str, media_type: &str, bytes: Vec<u8>) -> Response {
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(media_type).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encode(file_name);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; sandbox"),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub async fn request_export(Path((slug, id_text)): Path<(String, String)>, f: WebForm) -> PageResult {
    let u = &f.user;
    let (kind, id) = record_of(u, &slug, &id_text)?;
    if kind != Kind::Dataset {
        return Err(PageError::page(u, kean_app::AppError::not_found()));
    }
    let purpose = f.form.get("purpose").cloned().unwrap_or_default();
    let recipient = f.form.get("recipient").cloned().unwrap_or_default();
    match u.access.request_data_export(id, &purpose, &recipient).await {
        Ok(_) => Ok(Redirect::to(&format!("/registry/datasets/{id}?export_requested=1#data-export")).into_response()),
        Err(e) => Err(PageError::page(u, e)),
    }
}
