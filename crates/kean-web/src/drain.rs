//! Reading what a handler left of a request body before answering.
//!
//! A handler that refuses a request early — an extractor answering 401, a
//! redirect to the login page, a 403 — drops the request body unread. hyper
//! then cannot read the next request on that connection and closes it,
//! sometimes before the client has read the answer. This layer hands the
//! handler the body through a shared slot and, once the handler has
//! answered, reads and discards whatever it left (at most [`MAX_DRAIN`]
//! bytes, for at most [`DRAIN_TIME`]; beyond that the connection is closed
//! as before).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;

/// The most bytes read and dropped after an answer.
const MAX_DRAIN: usize = 64 * 1024 * 1024;
/// The longest time spent reading them.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// The request body, shared between the handler and this layer.
struct Shared(Arc<Mutex<Body>>);

impl HttpBody for Shared {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Pin::new(&mut *body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).size_hint()
    }
}

pub async fn unread_body(req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let slot = Arc::new(Mutex::new(body));
    let res = next
        .run(Request::from_parts(parts, Body::new(Shared(slot.clone()))))
        .await;
    let mut rest = std::mem::take(&mut *slot.lock().unwrap_or_else(|p| p.into_inner()));
    if !rest.is_end_stream() {
        let _ = tokio::time::timeout(DRAIN_TIME, async {
            let mut read = 0usize;
            while let Some(Ok(frame)) = rest.frame().await {
                read += frame.data_ref().map_or(0, Bytes::len);
                if read > MAX_DRAIN {
                    break;
                }
            }
        })
        .await;
    }
    res
}
