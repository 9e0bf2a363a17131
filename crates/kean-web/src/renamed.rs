//! Page URLs renamed when every concept got one name (migration 0013;
//! docs/ARCHITECTURE.md, "Names"): a bookmark of an old page is answered
//! with 308 Permanent Redirect to the new one — the method and body are kept,
//! so a form posted to an old URL still lands. The JSON API has one name per
//! concept and no aliases; the OpenAPI document shows only the new paths.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Old page path prefixes → new ones (a prefix matches whole segments).
const RENAMED_PAGES: [(&str, &str); 3] = [
    ("/registry/contracts", "/registry/tech-contracts"),
    ("/registry/researchers", "/registry/persons"),
    ("/screening/hits", "/screening/results"),
];

/// On the screening results page (`/screening`): old query parameters →
/// new ones, and the old kind slugs its `kind` parameter took.
const RENAMED_PARAMS: [(&str, &str); 1] = [("subject_id", "party_id")];
const RENAMED_KINDS: [(&str, &str); 2] = [("contracts", "tech-contracts"), ("researchers", "persons")];

fn renamed<'a>(table: &[(&str, &'a str)], name: &'a str) -> Option<&'a str> {
    table.iter().find(|(old, _)| *old == name).map(|(_, new)| *new)
}

/// Where a page URL moved (path and query), or `None` if it did not.
pub(crate) fn moved(path: &str, query: Option<&str>) -> Option<String> {
    let new_path = RENAMED_PAGES.iter().find_map(|(old, new)| {
        path.strip_prefix(old)
            .filter(|rest| rest.is_empty() || rest.starts_with('/'))
            .map(|rest| format!("{new}{rest}"))
    });
    let new_query = query.filter(|_| path == "/screening").and_then(|q| {
        let mut changed = false;
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| {
                let (key, value) = pair.split_once('=').map_or((pair, None), |(k, v)| (k, Some(v)));
                let new_key = renamed(&RENAMED_PARAMS, key);
                let new_value = value.filter(|_| key == "kind").and_then(|v| renamed(&RENAMED_KINDS, v));
                changed |= new_key.is_some() || new_value.is_some();
                let key = new_key.unwrap_or(key);
                match new_value.or(value) {
                    Some(v) => format!("{key}={v}"),
                    None => key.to_string(),
                }
            })
            .collect();
        changed.then(|| pairs.join("&"))
    });
    if new_path.is_none() && new_query.is_none() {
        return None;
    }
    let path = new_path.unwrap_or_else(|| path.to_string());
    Some(match new_query.as_deref().or(query) {
        Some(q) => format!("{path}?{q}"),
        None => path,
    })
}

/// Answers a request for an old page URL with a permanent redirect.
pub(crate) async fn redirect_renamed(req: Request, next: Next) -> Response {
    let to = moved(req.uri().path(), req.uri().query()).and_then(|to| HeaderValue::from_str(&to).ok());
    match to {
        Some(location) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, location)]).into_response(),
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::moved;

    #[test]
    fn old_pages_move_to_their_new_names() {
        for (old, query, new) in [
            ("/registry/contracts", None, "/registry/tech-contracts"),
            (
                "/registry/contracts",
                Some("q=%E5%90%88%E5%90%8C&page=2"),
                "/registry/tech-contracts?q=%E5%90%88%E5%90%8C&page=2",
            ),
            ("/registry/contracts/5/edit", None, "/registry/tech-contracts/5/edit"),
            ("/registry/researchers/export.csv", None, "/registry/persons/export.csv"),
            ("/registry/researchers/7/archive", None, "/registry/persons/7/archive"),
            ("/screening/hits/12", None, "/screening/results/12"),
            ("/screening/hits/12/decide", None, "/screening/results/12/decide"),
            (
                "/screening",
                Some("status=open&kind=contracts&page=2"),
                "/screening?status=open&kind=tech-contracts&page=2",
            ),
            (
                "/screening",
                Some("kind=researchers&subject_id=3"),
                "/screening?kind=persons&party_id=3",
            ),
        ] {
            assert_eq!(moved(old, query).as_deref(), Some(new), "{old}?{query:?}");
        }
    }

    #[test]
    fn new_pages_other_names_and_the_api_stay() {
        for (path, query) in [
            ("/registry/tech-contracts", None),
            ("/registry/persons/3", None),
            ("/registry/contractsx", None),
            ("/registry/organizations", Some("kind=contracts")),
            ("/screening/results/4", None),
            ("/screening", Some("status=open&kind=tech-contracts")),
            ("/screening/lists", Some("kind=contracts")),
            ("/api/v1/registry/contracts", None),
            ("/api/v1/screening/hits", None),
            ("/api/v1/screening/parties/contracts/1", None),
        ] {
            assert_eq!(moved(path, query), None, "{path}?{query:?}");
        }
    }
}
