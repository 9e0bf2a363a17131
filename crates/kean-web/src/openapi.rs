//! The OpenAPI 3.1 document, generated from the registry schema so that it
//! cannot drift from what the API accepts. Enumerations come from the code
//! that produces the values (the schema's code lists, the country table,
//! result statuses, lapse reasons, the error table), optional values are
//! typed as nullable, and every operation documents every error status
//! kean answers, with the one error body.

use axum::Json;
use axum::response::IntoResponse;
use kean_core::schema::FieldType;
use kean_core::{ErrorCode, Kind};
use serde_json::{Value as J, json};

fn field_schema(ty: FieldType) -> J {
    match ty {
        FieldType::Text { max } | FieldType::LongText { max } => json!({ "type": "string", "maxLength": max }),
        FieldType::Digits { len } => json!({ "type": "string", "pattern": format!("^[0-9]{{{len}}}$") }),
        FieldType::CreditCode => {
            json!({ "type": "string", "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$", "description": "统一社会信用代码 (GB 32100-2015, check digit verified)" })
        }
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::Money => money_schema(),
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::Enum(cs) => json!({ "type": "string", "enum": cs.iter().map(|c| c.code).collect::<Vec<_>>(),
            "description": cs.iter().map(|c| format!("{} = {}", c.code, c.zh)).collect::<Vec<_>>().join(", ") }),
        FieldType::Ref(k) => {
            json!({ "type": "integer", "minimum": 1, "maximum": i64::MAX, "description": format!("id of a record in {}", k.slug()) })
        }
        FieldType::Country => json!({ "type": "string", "enum": country_codes(),
            "description": "ISO 3166-1 alpha-2, one of the countries and regions kean knows (kean_core::country::COUNTRIES)" }),
    }
}

/// How the API states money, everywhere: in the document's description and
/// on every amount's schema.
pub const MONEY: &str = "元 (CNY yuan) as a JSON string holding a decimal number: at most two decimals in a request (\"1000000\", \"1234.5\"), always two in an answer (\"1234.50\"). Every amount in this API — registry fields, reports and statistics alike — is in this one unit and type, in requests and answers: never 分, never 万元. Send strings (a JSON number is read as its decimal text, but a binary float cannot hold every amount exactly)";

/// An amount of money (see [`MONEY`]).
fn money_schema() -> J {
    json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]{1,2})?$", "description": MONEY })
}

fn user_ref() -> J {
    json!({ "$ref": "#/components/schemas/User" })
}

/// `GET /api/v1/statistics/dashboard`'s answer (kean-web `api/stats.rs`).
fn dashboard_schema() -> J {
    let int = json!({ "type": "integer" });
    let text = json!({ "type": "string" });
    let growth = json!({ "type": ["number", "null"], "description": "year on year: 2.22 for +222%; null when the year before has nothing to compare with" });
    let counted = json!({ "type": "array", "items": { "type": "object", "required": ["key", "count", "link"], "properties": {
        "key": { "type": "string", "description": "the group: a code, a record id or a month; empty for records without one" },
        "count": int, "link": { "type": "string", "description": "the registry list of the records behind it" } } } });
    let summed = json!({ "type": "array", "items": { "type": "object", "required": ["key", "count", "amount", "link"], "properties": {
        "key": { "type": "string", "description": "the group: a code, a record id or a month; empty for records without one" },
        "count": int, "amount": money_schema(), "link": { "type": "string", "description": "the registry list of the records behind it" } } } });
    let object = |required: &[&str], props: J| json!({ "type": "object", "required": required, "properties": props });
    object(
        &[
            "from",
            "to",
            "platforms",
            "high_tech_valid",
            "tech_contracts",
            "tech_service",
            "transfers",
        ],
        json!({
            "from": { "type": "string", "format": "date" }, "to": { "type": "string", "format": "date" },
            "platforms": object(&["total", "by_level", "by_type"], json!({ "total": int, "by_level": counted, "by_type": counted })),
            "high_tech_valid": object(&["count", "link"], json!({ "count": int, "link": text })),
            "tech_contracts": object(
                &["count", "contract_value", "tech_value", "prev_count", "prev_contract_value", "yoy_contract_value", "yoy_count", "link", "by_month", "by_district", "by_chain"],
                json!({ "count": int, "contract_value": money_schema(), "tech_value": money_schema(), "prev_count": int,
                    "prev_contract_value": money_schema(), "yoy_contract_value": growth, "yoy_count": growth, "link": text,
                    "by_month": summed, "by_district": summed, "by_chain": summed }),
            ),
            "tech_service": object(
                &["enterprises", "revenue", "prev_revenue", "yoy_revenue", "link"],
                json!({ "enterprises": int, "revenue": money_schema(), "prev_revenue": money_schema(), "yoy_revenue": growth, "link": text }),
            ),
            "transfers": object(
                &["count", "amount", "prev_amount", "yoy_amount", "link", "by_month"],
                json!({ "count": int, "amount": money_schema(), "prev_amount": money_schema(), "yoy_amount": growth, "link": text, "by_month": summed }),
            ),
        }),
    )
}

/// The country codes kean accepts, as it writes them.
fn country_codes() -> Vec<&'static str> {
    kean_core::country::COUNTRIES.iter().map(|(c, _, _)| *c).collect()
}

/// A value that may be absent: JSON null besides its type (OpenAPI 3.1, JSON
/// Schema: `type` as a list; an enumeration lists null too).
fn nullable(mut s: J) -> J {
    if let Some(t) = s.get("type").and_then(|t| t.as_str()).map(str::to_string) {
        s["type"] = json!([t, "null"]);
    }
    if let Some(J::Array(values)) = s.get_mut("enum") {
        values.push(J::Null);
    }
    s
}

/// A record id in a path or query: ids start at 1.
fn id_schema() -> J {
    json!({ "type": "integer", "minimum": 1, "maximum": i64::MAX })
}

/// The error codes that are answered (`account_locked` is kept in the table
/// but no longer answered), grouped by their HTTP status.
fn error_statuses() -> std::collections::BTreeMap<u16, Vec<&'static str>> {
    let mut by_status = std::collections::BTreeMap::<u16, Vec<&'static str>>::new();
    for c in ErrorCode::ALL.into_iter().filter(|c| *c != ErrorCode::AccountLocked) {
        by_status.entry(c.http_status()).or_default().push(c.as_str());
    }
    by_status
}

/// Adds every error status kean answers to every operation that does not
/// describe it already: any request can be malformed (400), unauthenticated
/// (401), refused (403, also a rejected CSRF token), aimed at nothing (404),
/// in conflict (409), too large (413), invalid (422) or fail inside (500).
/// 429 only where kean answers it: logins back off, and a registry create
/// or replacement (and a report's correction) is refused while the
/// account's probe budget is spent (kean-app's `probes`).
fn document_errors(paths: &mut serde_json::Map<String, J>) {
    let statuses = error_statuses();
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        let registry = path.strip_prefix("/api/v1/registry/");
        for (method, op) in item.iter_mut() {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            let backs_off = path == "/api/v1/auth/token"
                || path == "/api/v1/auth/reauth"
                // A correction is checked like a registry write (probes).
                || (path == "/api/v1/submissions/{id}" && method == "put")
                || registry.is_some_and(|rest| {
                    (method == "post" && !rest.contains('/')) || (method == "put" && rest.ends_with("/{id}"))
                });
            for (status, codes) in &statuses {
                if *status == 429 && !backs_off {
                    continue;
                }
                responses.entry(status.to_string()).or_insert_with(|| {
                    json!({ "description": codes.join(", "),
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
                });
            }
        }
    }
}

fn kind_name(k: Kind) -> String {
    let s = format!("{k:?}");
    s.to_string()
}

pub fn build() -> J {
    let mut schemas = serde_json::Map::new();
    let mut paths = serde_json::Map::new();
    schemas.insert(
        "Error".into(),
        json!({ "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message", "message_zh"], "properties": {
            "code": { "type": "string", "enum": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>() },
            "message": { "type": "string" }, "message_zh": { "type": "string" },
            "fields": { "type": "array", "items": { "type": "object", "required": ["field"], "properties": {
                "field": { "type": "string" }, "message": { "type": "string" }, "message_zh": { "type": "string" } } } } } } } }),
    );
    let err = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    submission_schemas(&mut schemas);
    let accepted = json!({ "description": "an institution's report (填报): not written yet, a submission waiting for a bureau reviewer (see /api/v1/submissions)",
        "content": { "application/json": { "schema": { "type": "object", "required": ["submission"], "properties": { "submission": { "$ref": "#/components/schemas/Submission" } } } } } });
    for k in Kind::ALL {
        let name = kind_name(k);
        let mut props = serde_json::Map::new();
        let mut required = vec![];
        for f in k.fields() {
            let mut s = if f.required {
                field_schema(f.ty)
            } else {
                nullable(field_schema(f.ty))
            };
            s["title"] = json!(f.zh);
            if f.managed {
                // Kept by kean (a project's stage): sent back, never set.
                s["readOnly"] = json!(true);
            }
            props.insert(f.name.into(), s);
            if f.required {
                required.push(f.name);
            }
        }
        schemas.insert(
            format!("{name}Fields"),
            json!({ "type": "object", "properties": props.clone(), "required": required, "additionalProperties": false }),
        );
        // A replacement may carry the version it was read at.
        props.insert(
            "_version".into(),
            json!({ "type": "integer", "description": "the record's version as read; a stale one is refused (409)" }),
        );
        schemas.insert(
            format!("{name}Update"),
            json!({ "type": "object", "properties": props, "required": required, "additionalProperties": false }),
        );
        schemas.insert(
            name.clone(),
            json!({ "type": "object", "properties": {
                "id": { "type": "integer", "minimum": 1 }, "kind": { "type": "string", "enum": [serde_json::to_value(k).unwrap_or_default()] },
                "fields": { "$ref": format!("#/components/schemas/{name}Fields") },
                "labels": { "type": "object", "additionalProperties": { "type": "string" }, "description": "display names of referenced records" },
                "owner_org_id": { "type": ["integer", "null"] }, "archived": { "type": "boolean" },
                "version": { "type": "integer" }, "created_at": { "type": "string" }, "updated_at": { "type": "string" } } }),
        );
        let one = json!({ "$ref": format!("#/components/schemas/{name}") });
        let mut params = vec![
            json!({ "name": "q", "in": "query", "schema": { "type": "string" }, "description": "keyword" }),
            json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }),
            json!({ "name": "page_size", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }),
            json!({ "name": "after", "in": "query", "schema": id_schema(), "description": "cursor: the records after this id in the default order (a page's next_after); page is then ignored" }),
            json!({ "name": "ids", "in": "query", "schema": { "type": "string", "pattern": "^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,499}$" }, "description": "only these records: their ids separated by commas (at most 500)" }),
            json!({ "name": "sort", "in": "query", "schema": { "type": "string" } }),
            json!({ "name": "order", "in": "query", "schema": { "type": "string", "enum": ["asc", "desc"] } }),
            json!({ "name": "archived", "in": "query", "schema": { "type": "string", "enum": ["active", "archived", "all"] } }),
        ];
        for f in k.fields().iter().filter(|f| f.filter) {
            params.push(json!({ "name": f.name, "in": "query", "schema": field_schema(f.ty) }));
        }
        for f in k.fields().iter().filter(|f| f.ty == FieldType::Date) {
            params.push(json!({ "name": format!("{}_from", f.name), "in": "query", "schema": { "type": "string", "format": "date" } }));
            params.push(json!({ "name": format!("{}_to", f.name), "in": "query", "schema": { "type": "string", "format": "date" } }));
        }
        let body = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}Fields") } } } });
        let tag = k.label(true);
        paths.insert(
            format!("/api/v1/registry/{}", k.slug()),
            json!({
                "get": { "tags": [tag], "summary": format!("List {}", k.label(false)), "parameters": params,
                    "responses": { "200": { "description": "a page", "content": { "application/json": { "schema": { "type": "object", "properties": {
                        "items": { "type": "array", "items": one }, "total": { "type": "integer" }, "total_is_exact": { "type": "boolean" }, "page": { "type": "integer" }, "page_size": { "type": "integer" },
                        "next_after": { "type": ["integer", "null"], "description": "cursor of the next page (default order, full page)" } } } } } },
                        "400": err("bad parameter"), "401": err("not authenticated"), "403": err("forbidden") } },
                "post": { "tags": [tag], "summary": format!("Create a record in {}", k.label(false)), "requestBody": body,
                    "responses": { "201": { "description": "created", "content": { "application/json": { "schema": one } } },
                        "202": accepted.clone(),
                        "401": err("not authenticated"), "403": err("forbidden"), "409": err("duplicate value (a combination names each of its fields)"), "413": err("payload_too_large: the body is over the limit"), "422": err("invalid fields (also text holding control characters)") } },
            }),
        );
        let id_param = json!({ "name": "id", "in": "path", "required": true, "schema": id_schema() });
        paths.insert(
            format!("/api/v1/registry/{}/{{id}}", k.slug()),
            json!({
                "get": { "tags": [tag], "parameters": [id_param], "responses": { "200": { "description": "the record", "content": { "application/json": { "schema": one } } }, "404": err("not found or out of scope") } },
                "put": { "tags": [tag], "summary": "Replace all fields; `_version` guards against lost updates", "parameters": [id_param],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{name}Update") } } } },
                    "responses": { "200": { "description": "updated", "content": { "application/json": { "schema": one } } }, "202": accepted.clone(), "404": err("not found or out of scope"), "409": err("duplicate or changed meanwhile"), "413": err("payload_too_large: the body is over the limit"), "422": err("invalid fields (also text holding control characters)") } },
            }),
        );
        for action in ["archive", "restore"] {
            paths.insert(
                format!("/api/v1/registry/{}/{{id}}/{action}", k.slug()),
                json!({ "post": { "tags": [tag], "parameters": [id_param], "responses": { "200": { "description": format!("{action}d"), "content": { "application/json": { "schema": one } } }, "202": accepted.clone(), "403": err("forbidden"), "404": err("not found or out of scope") } } }),
            );
        }
    }
    paths.insert("/api/v1/auth/token".into(), json!({
        "post": { "tags": ["auth"], "security": [], "summary": "Exchange username and password for a bearer token",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["username", "password"], "properties": { "username": { "type": "string" }, "password": { "type": "string" },
                "totp": { "type": ["string", "null"], "description": "the 6-digit one-time code (or a recovery code) of an account with a second factor" } } } } } },
            "responses": { "201": { "description": "token", "content": { "application/json": { "schema": { "type": "object", "properties": { "token": { "type": "string" }, "expires_at": { "type": "string" },
                "previous_login": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/PreviousLogin" }] } } } } } },
                "401": err("unauthenticated: wrong username or password (the same answer for an unknown name, a wrong password and a disabled account); second_factor_required: the account's one-time code is missing or wrong, or its role requires a second factor and none is enrolled (enrol on the web first)"),
                "403": err("password_expired: change the password on the web first"), "422": err("the username holds control characters or is too long"), "429": err("too many failed logins for this username or from this address: too_many_attempts, wait the seconds the message names") } },
        "delete": { "tags": ["auth"], "summary": "Revoke the token used", "responses": { "204": { "description": "revoked" } } },
    }));
    schemas.insert(
        "User".into(),
        json!({ "type": "object", "required": ["id", "username", "display_name", "role", "clearance", "disabled", "created_at", "second_factor_enabled"], "properties": {
            "id": { "type": "integer", "minimum": 1 }, "username": { "type": "string" }, "display_name": { "type": "string" },
            "role": { "type": "string", "enum": kean_core::Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>() },
            "org_id": { "type": ["integer", "null"], "description": "the organization of a liaison or researcher" },
            "clearance": { "type": "string", "enum": kean_core::confidentiality::Classification::ALL.iter().map(|c| c.code()).collect::<Vec<_>>() },
            "disabled": { "type": "boolean" }, "locked_until": { "type": ["string", "null"], "description": "locked after failed logins until then" },
            "created_at": { "type": "string" }, "second_factor_enabled": { "type": "boolean" } } }),
    );
    schemas.insert(
        "PreviousLogin".into(),
        json!({ "type": "object", "required": ["at", "failed_since"], "properties": {
            "at": { "type": "string" }, "source": { "type": ["string", "null"], "description": "the client's address" },
            "failed_since": { "type": "integer", "description": "failed logins recorded for the account since" } } }),
    );
    paths.insert(
        "/api/v1/me".into(),
        json!({ "get": { "tags": ["auth"], "responses": { "200": { "description": "the caller", "content": { "application/json": { "schema": { "type": "object", "properties": {
            "id": { "type": "integer" }, "username": { "type": "string" }, "display_name": { "type": "string" }, "role": { "type": "string" },
            "org_id": { "type": ["integer", "null"] },
            "previous_login": { "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/PreviousLogin" }], "description": "the login before the one that made this token" },
            "password_expires_at": { "type": ["string", "null"], "description": "null: never (demo accounts)" },
            "phone": { "type": ["string", "null"] }, "email": { "type": ["string", "null"] },
            "second_factor_enabled": { "type": "boolean" }, "second_factor_required": { "type": "boolean" } } } } } } } },
        "put": { "tags": ["auth"], "summary": "One's own display name and contact details (个人中心; audited profile_update)",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["display_name"], "properties": {
                "display_name": { "type": "string", "minLength": 1, "maxLength": 50 },
                "phone": { "type": ["string", "null"], "maxLength": 30, "description": "7–20 digits, with optional -, spaces, brackets or 转" },
                "email": { "type": ["string", "null"], "maxLength": 100 } } } } } },
            "responses": { "200": { "description": "the details now", "content": { "application/json": { "schema": { "type": "object", "properties": {
                "display_name": { "type": "string" }, "phone": { "type": ["string", "null"] }, "email": { "type": ["string", "null"] } } } } } },
                "422": { "description": "a field is invalid (each named)", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } } } }),
    );
    paths.insert(
        "/api/v1/me/logins".into(),
        json!({ "get": { "tags": ["auth"], "summary": "The caller's own login history (logins, failed logins, logouts, second factors, re-authentications, password changes), newest first, at most 100",
            "responses": { "200": { "description": "the caller's own events only", "content": { "application/json": { "schema": { "type": "object", "required": ["items"], "properties": {
                "items": { "type": "array", "items": { "type": "object", "required": ["at", "action"], "properties": {
                    "at": { "type": "string" },
                    "action": { "type": "string", "enum": ["login", "login_failed", "logout", "second_factor", "reauthenticate", "password_change"] },
                    "source": { "type": ["string", "null"] }, "detail": { "type": ["string", "null"] } } } } } } } } } } } }),
    );
    paths.insert(
        "/api/v1/me/tokens".into(),
        json!({ "get": { "tags": ["auth"], "summary": "The caller's own API tokens not yet expired, newest first (the tokens themselves are not kept: each is named by its SM3 hash)",
            "responses": { "200": { "description": "the tokens", "content": { "application/json": { "schema": { "type": "object", "required": ["items"], "properties": {
                "items": { "type": "array", "items": { "type": "object", "required": ["id", "created_at", "expires_at", "current"], "properties": {
                    "id": { "type": "string", "pattern": "^[0-9a-f]{64}$" }, "created_at": { "type": "string" },
                    "last_used_at": { "type": ["string", "null"], "description": "noted at most once a minute" },
                    "expires_at": { "type": "string", "description": "the lifetime is kean serve --api-token-days (default 30)" },
                    "current": { "type": "boolean", "description": "the token of this request" } } } } } } } } } } } }),
    );
    paths.insert(
        "/api/v1/me/tokens/{token}".into(),
        json!({ "delete": { "tags": ["auth"], "summary": "Revoke one of the caller's own API tokens (audited token_revoke)",
            "parameters": [{ "name": "token", "in": "path", "required": true, "schema": { "type": "string", "pattern": "^[0-9a-f]{64}$" } }],
            "responses": { "204": { "description": "revoked" }, "404": err("no such token of the caller") } } }),
    );
    paths.insert(
        "/api/v1/auth/reauth".into(),
        json!({ "post": { "tags": ["auth"], "summary": "Authenticate again before a sensitive act (answered reauthentication_required): the password, and the one-time code when enrolled",
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["password"], "properties": {
                "password": { "type": "string" }, "totp": { "type": ["string", "null"] } } } } } },
            "responses": { "204": { "description": "the token's authentication is fresh again" },
                "401": err("unauthenticated: the password is wrong; second_factor_required: the one-time code is missing or wrong") } } }),
    );
    paths.insert("/api/v1/users".into(), json!({
        "get": { "tags": ["users"], "responses": { "200": { "description": "all users (administrators only)",
            "content": { "application/json": { "schema": { "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": user_ref() } } } } } }, "403": err("forbidden") } },
        "post": { "tags": ["users"], "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["username", "display_name", "role", "password"],
            "properties": { "username": { "type": "string" }, "display_name": { "type": "string" }, "role": { "type": "string", "enum": kean_core::Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>(), "description": "the system administrator creates business accounts (admin, reviewer, liaison, researcher); the three administrators are appointed by the security administrator or made at the machine" }, "org_id": { "type": ["integer", "null"] }, "password": { "type": "string" } } } } } },
            "responses": { "201": { "description": "created", "content": { "application/json": { "schema": user_ref() } } }, "403": err("forbidden"), "409": err("username taken"), "422": err("invalid fields") } },
    }));
    paths.insert("/api/v1/users/{id}/{action}".into(), json!({ "post": { "tags": ["users"],
        "summary": "Unlock, disable or enable an account, set a new password, or reset its second factor (administrators; needs an authentication within 10 minutes, else reauthentication_required)",
        "parameters": [{ "name": "id", "in": "path", "required": true, "schema": id_schema() },
            { "name": "action", "in": "path", "required": true, "schema": { "type": "string", "enum": ["unlock", "disable", "enable", "password", "reset-2fa"] } }],
        "requestBody": { "content": { "application/json": { "schema": { "type": "object", "properties": { "password": { "type": "string" } }, "description": "only for `password`" } } } },
        "responses": { "200": { "description": "the account after the change", "content": { "application/json": { "schema": user_ref() } } }, "403": err("forbidden; reauthentication_required: POST /api/v1/auth/reauth first"), "404": err("no such user or action"), "422": err("password too weak: the message names each rule it breaks") } } }));
    audit_paths(&mut paths, &mut schemas, &err);
    paths.insert("/api/v1/statistics/dashboard".into(), json!({ "get": { "tags": ["statistics"],
        "summary": "The bureau's figures computed from the records the caller may read",
        "parameters": [
            { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "default: 1 January of this year (本年至今)" },
            { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "default: today" },
            { "name": "district_id", "in": "query", "schema": id_schema() },
            { "name": "industry_chain_id", "in": "query", "schema": id_schema() },
            { "name": "org_type", "in": "query", "schema": { "type": "string", "enum": kean_core::schema::ORG_TYPES.iter().map(|c| c.code).collect::<Vec<_>>() } }],
        "responses": { "200": { "description": "platforms, valid high-tech enterprises, registered technology contracts (count, value, technology value, year on year, by month/district/chain), technology-service revenue, achievement transfers; each with the list link behind it",
            "content": { "application/json": { "schema": dashboard_schema() } } }, "400": err("bad parameter") } } }));
    screening_paths(&mut paths, &err);
    submission_paths(&mut paths, &err);
    confidentiality_paths(&mut paths, &err);
    data_paths(&mut paths, &err);
    schemas.insert(
        "Framework".into(),
        json!({ "type": "object", "properties": {
            "framework_id": { "type": "integer" }, "code": { "type": "string" }, "version": { "type": "integer" },
            "title": { "type": "string" }, "edition": { "type": "string" },
            "imported_by": { "type": "string" }, "imported_at": { "type": "string" },
            "sections": { "type": "array", "items": { "type": "object", "properties": {
                "id": { "type": "string" }, "title": { "type": "string" },
                "items": { "type": "array", "items": { "type": "object", "properties": {
                    "id": { "type": "string" }, "text": { "type": "string" },
                    "answer": { "type": "string", "enum": ["yes_no", "score", "text"] }, "weight": { "type": "integer" } } } } } } } } }),
    );
    lifecycle_paths(&mut paths, &err);
    document_errors(&mut paths);
    json!({
        "openapi": "3.1.0",
        "info": { "title": "kean 科技安全风险防控平台 API", "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Every operation of the web interface, with the same permissions. Authenticate with POST /api/v1/auth/token and send `Authorization: Bearer <token>`. Errors carry a stable `code`.\n\nMoney: {MONEY}.") },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "components": { "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } }, "schemas": schemas },
        "paths": paths,
    })
}

/// Confidentiality: the ceiling, clearances, need-to-know lists (the
/// security administrator's; the ceiling is readable by anyone signed in).
fn confidentiality_paths(paths: &mut serde_json::Map<String, J>, err: &dyn Fn(&str) -> J) {
    use kean_core::confidentiality::{BUREAU_MAX, Classification};
    let tag = "保密管理";
    let all: Vec<&str> = Classification::ALL.iter().map(|c| c.code()).collect();
    let assignable: Vec<&str> = Classification::ALL
        .iter()
        .filter(|c| **c <= BUREAU_MAX)
        .map(|c| c.code())
        .collect();
    let level = |codes: &[&str]| json!({ "type": "object", "required": ["level"], "properties": { "level": { "type": "string", "enum": codes } } });
    let ok = |d: &str, schema: J| json!({ "description": d, "content": { "application/json": { "schema": schema } } });
    paths.insert("/api/v1/settings/ceiling".into(), json!({
        "get": { "tags": [tag], "summary": "The highest level this deployment holds content of (default internal)",
            "responses": { "200": ok("the ceiling", level(&assignable)) } },
        "put": { "tags": [tag], "summary": "Declare the ceiling (security administrator; audited). At most secret (机密)",
            "requestBody": { "required": true, "content": { "application/json": { "schema": level(&assignable) } } },
            "responses": { "200": ok("the new ceiling", level(&assignable)), "403": err("forbidden"), "422": err("not a level, or above secret") } },
    }));
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": id_schema() });
    paths.insert("/api/v1/users/{id}/clearance".into(), json!({ "put": { "tags": [tag, "users"],
        "summary": "Set an account's clearance (security administrator; audited set_clearance)",
        "parameters": [id],
        "requestBody": { "required": true, "content": { "application/json": { "schema": level(&all) } } },
        "responses": { "200": { "description": "the account after the change", "content": { "application/json": { "schema": user_ref() } } }, "403": err("forbidden"), "404": err("no such user"), "422": err("not a level") } } }));
    paths.insert("/api/v1/users/{id}/role".into(), json!({ "put": { "tags": [tag, "users"],
        "summary": "Give an account its one role (security administrator; audited set_role). The three administrators' accounts keep theirs",
        "parameters": [id],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["role"], "properties": { "role": { "type": "string", "enum": kean_core::Role::ALL.iter().map(|r| r.code()).collect::<Vec<_>>() } } } } } },
        "responses": { "200": { "description": "the account after the change", "content": { "application/json": { "schema": user_ref() } } }, "403": err("forbidden (also one's own role)"), "404": err("no such user"), "422": err("not a role, a 三员 account, or an organization mismatch") } } }));
    paths.insert("/api/v1/users/{id}/organization".into(), json!({ "put": { "tags": ["users"],
        "summary": "Move an account to another organization, or out of one (the account manager; audited set_organization). Liaisons and researchers need one; bureau roles have none, a reviewer may name its affiliation; not one's own",
        "parameters": [id],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["org_id"], "properties": { "org_id": { "type": ["integer", "null"], "description": "the organization's id; null for none" } } } } } },
        "responses": { "200": { "description": "the account after the change", "content": { "application/json": { "schema": user_ref() } } }, "403": err("forbidden (also one's own organization)"), "404": err("no such user"), "422": err("no such organization, or one the role may not have") } } }));
    let member = json!({ "type": "object", "properties": { "user_id": { "type": "integer" }, "username": { "type": "string" },
        "display_name": { "type": "string" }, "added_by": { "type": "string" }, "added_at": { "type": "string" } } });
    let members = json!({ "type": "object", "properties": { "items": { "type": "array", "items": member } } });
    let classified: Vec<&str> = Kind::ALL.iter().filter(|k| k.classified()).map(|k| k.slug()).collect();
    let slug =
        json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "enum": classified } });
    paths.insert("/api/v1/registry/{slug}/{id}/need-to-know".into(), json!({
        "get": { "tags": [tag], "summary": "A classified record's need-to-know list (知悉范围; security administrator)",
            "parameters": [slug, id], "responses": { "200": ok("the list", members.clone()), "403": err("forbidden"), "404": err("no such registry") } },
        "post": { "tags": [tag], "summary": "Put an account on the list (audited need_to_know_add); refused below the record's level",
            "parameters": [slug, id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["username"], "properties": { "username": { "type": "string" } } } } } },
            "responses": { "200": ok("already on the list", members.clone()), "201": ok("added", members.clone()), "403": err("forbidden"), "404": err("no such record"), "422": err("no such account, or its clearance is below the record's level") } },
    }));
    let change = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "kind": { "type": "string" }, "record_id": { "type": "integer" },
        "from": { "type": "string", "enum": all }, "to": { "type": "string", "enum": all },
        "reasons": { "type": "string" }, "state": { "type": "string", "enum": ["proposed", "approved", "rejected"] },
        "proposer": { "type": "string" }, "proposed_at": { "type": "string" },
        "decided_by": { "type": ["string", "null"] }, "decided_at": { "type": ["string", "null"] }, "note": { "type": ["string", "null"] } } });
    paths.insert("/api/v1/registry/{slug}/{id}/level-changes".into(), json!({
        "post": { "tags": [tag], "summary": "Propose a change of the record's level or its declassification (变更密级 / 解密), with reasons; audited level_change_proposed",
            "parameters": [slug, id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["to", "reasons"],
                "properties": { "to": { "type": "string", "enum": assignable }, "reasons": { "type": "string", "minLength": 4, "maxLength": 1000 } } } } } },
            "responses": { "201": ok("proposed", change.clone()), "403": err("forbidden"), "404": err("no such record (or not visible)"), "422": err("not a level, the same level, above secret, or no reasons") } },
    }));
    paths.insert("/api/v1/level-changes".into(), json!({
        "get": { "tags": [tag], "summary": "Changes of level (security administrator): waiting for a decision, or all",
            "parameters": [{ "name": "state", "in": "query", "schema": { "type": "string", "enum": ["proposed", "all"] } }],
            "responses": { "200": ok("changes, newest first", json!({ "type": "object", "properties": { "items": { "type": "array", "items": change.clone() } } })), "400": err("bad state"), "403": err("forbidden") } },
    }));
    paths.insert("/api/v1/level-changes/{id}/decision".into(), json!({
        "post": { "tags": [tag], "summary": "Approve (applied at once, audited as the record's update) or reject a change; never by its proposer",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["approve"],
                "properties": { "approve": { "type": "boolean" }, "note": { "type": "string", "maxLength": 1000 } } } } } },
            "responses": { "200": ok("decided", change), "403": err("forbidden (also the proposer)"), "404": err("no such change"), "409": err("decided already, or the record's level changed meanwhile"), "422": err("content above the ceiling, or a bad note") } },
    }));
    paths.insert("/api/v1/registry/{slug}/{id}/need-to-know/{username}".into(), json!({
        "delete": { "tags": [tag], "summary": "Take an account off the list (audited need_to_know_remove)",
            "parameters": [slug, id, { "name": "username", "in": "path", "required": true, "schema": { "type": "string" } }],
            "responses": { "200": ok("the list after", members), "403": err("forbidden"), "404": err("no such record"), "422": err("no such account") } },
    }));
}

/// Attachments of records and the approvals of important data's export.
fn data_paths(paths: &mut serde_json::Map<String, J>, err: &dyn Fn(&str) -> J) {
    use kean_core::attachment::{DOCUMENT_TYPES, MAX_ATTACHMENT_BYTES, media_types};
    use kean_core::confidentiality::{BUREAU_MAX, Classification};
    let tag = "附件与科研数据";
    let levels: Vec<&str> = Classification::ALL.iter().map(|c| c.code()).collect();
    let assignable: Vec<&str> = Classification::ALL
        .iter()
        .filter(|c| **c <= BUREAU_MAX)
        .map(|c| c.code())
        .collect();
    let ok = |d: &str, schema: J| json!({ "description": d, "content": { "application/json": { "schema": schema } } });
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": id_schema() });
    let slugs: Vec<&str> = Kind::ALL.iter().map(|k| k.slug()).collect();
    let slug = json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "enum": slugs } });
    let attachment = json!({ "type": "object", "required": ["id", "kind", "record_id", "file_name", "media_type", "size", "sm3", "classification", "uploader", "uploaded_at"], "properties": {
        "id": { "type": "integer", "minimum": 1 }, "kind": { "type": "string" }, "record_id": { "type": "integer" },
        "file_name": { "type": "string" }, "media_type": { "type": "string", "enum": media_types() },
        "size": { "type": "integer", "minimum": 1, "maximum": MAX_ATTACHMENT_BYTES },
        "sm3": { "type": "string", "description": "SM3 hash of the content, hex" },
        "classification": { "type": "string", "enum": levels },
        "note": { "type": ["string", "null"] }, "uploader": { "type": "string" }, "uploaded_at": { "type": "string" } } });
    let extensions: Vec<&str> = DOCUMENT_TYPES
        .iter()
        .flat_map(|t| t.extensions.iter())
        .copied()
        .collect();
    paths.insert("/api/v1/registry/{slug}/{id}/attachments".into(), json!({
        "get": { "tags": [tag], "summary": "A record's attachments (those of a level the caller may read)",
            "parameters": [slug, id],
            "responses": { "200": ok("attachments, oldest first", json!({ "type": "object", "properties": { "items": { "type": "array", "items": attachment } } })) } },
        "post": { "tags": [tag], "summary": format!("Attach a file (who may change the record; audited attachment_add). Accepted: {} — the content must agree with the extension; at most {} MB; classified at least as the record and within the ceiling", extensions.join(", "), MAX_ATTACHMENT_BYTES / 1048576),
            "parameters": [slug, id],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["file"], "properties": {
                "file": { "type": "string", "format": "binary" },
                "classification": { "type": "string", "enum": assignable, "description": "empty or absent: the record's level" },
                "note": { "type": "string", "maxLength": 200 } } } } } },
            "responses": { "201": ok("attached", attachment.clone()) } },
    }));
    let mut file_content = serde_json::Map::new();
    for m in media_types() {
        file_content.insert(m.into(), json!({ "schema": { "type": "string", "format": "binary" } }));
    }
    paths.insert("/api/v1/attachments/{id}".into(), json!({
        "get": { "tags": [tag], "summary": "Download an attachment (audited attachment_download; refusals audited too). Important and core data need an approved export request of the caller's",
            "parameters": [id],
            "responses": { "200": { "description": "the file, as an attachment", "content": file_content }, "403": err("forbidden: above the ceiling, or important data without an approved export") } },
        "delete": { "tags": [tag], "summary": "Remove an attachment (who may change its record; audited attachment_remove; the file is kept for the audit log)",
            "parameters": [id],
            "responses": { "204": { "description": "removed" } } },
    }));
    let request = json!({ "type": "object", "properties": {
        "id": { "type": "integer", "minimum": 1 }, "dataset_id": { "type": "integer" },
        "dataset_name": { "type": "string" }, "data_grade": { "type": "string" },
        "purpose": { "type": "string" }, "recipient": { "type": "string" },
        "state": { "type": "string", "enum": ["pending", "approved", "rejected"] },
        "requester": { "type": "string" }, "requested_at": { "type": "string" },
        "decided_by": { "type": ["string", "null"] }, "decided_at": { "type": ["string", "null"] },
        "note": { "type": ["string", "null"] }, "valid_until": { "type": ["string", "null"], "format": "date" } } });
    let dataset_slug = json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "enum": [Kind::Dataset.slug()] } });
    paths.insert("/api/v1/registry/{slug}/{id}/export-requests".into(), json!({
        "post": { "tags": [tag], "summary": "Request the export of a dataset's important or core data (数据导出审批), for a purpose and a recipient; audited data_export_requested",
            "parameters": [dataset_slug, id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["purpose", "recipient"], "properties": {
                "purpose": { "type": "string", "minLength": 4, "maxLength": 500 }, "recipient": { "type": "string", "minLength": 1, "maxLength": 200 } } } } } },
            "responses": { "201": ok("requested", request.clone()) } },
    }));
    paths.insert("/api/v1/data-exports".into(), json!({
        "get": { "tags": [tag], "summary": "Export requests: all for the security administrator, one's own for others; pending (default) or all",
            "parameters": [{ "name": "state", "in": "query", "schema": { "type": "string", "enum": ["pending", "all"] } }],
            "responses": { "200": ok("requests, newest first", json!({ "type": "object", "properties": { "items": { "type": "array", "items": request.clone() } } })) } },
    }));
    paths.insert("/api/v1/data-exports/{id}/decision".into(), json!({
        "post": { "tags": [tag], "summary": "Approve (usable 7 days) or reject a request: the security administrator after re-authentication, never the requester",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["approve"], "properties": {
                "approve": { "type": "boolean" }, "note": { "type": "string", "maxLength": 1000 } } } } } },
            "responses": { "200": ok("decided", request) } },
    }));
}

/// Projects' lifecycle, the three security gates, technology links and the
/// dictionaries (issue 14).
fn lifecycle_paths(paths: &mut serde_json::Map<String, J>, err: &dyn Fn(&str) -> J) {
    use kean_core::lifecycle::{Decision, Gate, Stage, Transition};
    let tag = "安全审查";
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": id_schema() });
    let slug = |kinds: &[Kind]| json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string", "enum": kinds.iter().map(|k| k.slug()).collect::<Vec<_>>() } });
    let ok = |d: &str, schema: J| json!({ "description": d, "content": { "application/json": { "schema": schema } } });
    let body = |required: &[&str], props: J| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "required": required, "properties": props } } } });
    let text = json!({ "type": "string" });
    let ntext = json!({ "type": ["string", "null"] });
    let nint = json!({ "type": ["integer", "null"] });
    let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
    let transitions: Vec<&str> = Transition::ALL.iter().map(|t| t.code()).collect();
    let gates: Vec<&str> = Gate::ALL.iter().map(|g| g.code()).collect();
    let gates_or_all: Vec<J> = Gate::ALL.iter().map(|g| json!(g.code())).chain([J::Null]).collect();
    let decisions: Vec<&str> = Decision::ALL.iter().map(|d| d.code()).collect();
    let finding = json!({ "type": "object", "required": ["code", "severity", "zh", "en"], "properties": {
        "code": text, "severity": { "type": "string", "enum": ["info", "flag", "block"] }, "zh": text, "en": text } });
    let review = json!({ "type": "object", "required": ["id", "gate", "kind", "record_id", "state"], "properties": {
        "id": { "type": "integer", "minimum": 1 }, "gate": { "type": "string", "enum": gates },
        "kind": text, "record_id": { "type": "integer" }, "record_label": text, "applicant_org_id": nint,
        "state": { "type": "string", "enum": ["open", "awaiting_second", "decided", "closed"] },
        "opened_at": text, "opened_by": text, "due_on": ntext, "licence_no": ntext,
        "first_decision": ntext, "first_reasons": ntext, "first_reviewer": ntext,
        "decision": { "type": ["string", "null"], "enum": decisions.iter().map(|d| json!(d)).chain([J::Null]).collect::<Vec<_>>() },
        "reasons": ntext, "conditions": ntext, "note": ntext, "decided_by": ntext, "decided_at": ntext,
        "findings": { "type": "array", "items": finding, "description": "the automatic checks (empty for the applicant)" },
        "high_risk": { "type": "boolean", "description": "needs a second reviewer" }, "may_decide": { "type": "boolean" },
        "checklist": { "description": "the checklist (assessment framework) answered on, or to answer; null for the applicant",
            "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/Framework" }] },
        "answers": { "type": "object", "additionalProperties": { "type": "string" }, "description": "requirement id → yes/no/na, 0–5, or text" },
        "score": { "type": ["number", "null"], "description": "per cent of the weighted best answers" } } });
    let link = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "kind": text, "record_id": { "type": "integer" },
        "dictionary": { "type": "string", "enum": ["chokepoint", "export_control"] }, "item_code": text, "item_name": text,
        "score": { "type": "number" }, "matched_terms": text, "state": { "type": "string", "enum": ["suggested", "confirmed", "rejected"] },
        "decided_by": ntext, "decided_at": ntext } });
    let party = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "project_id": { "type": "integer" }, "role": { "type": "string", "enum": ["participant", "foreign_partner", "member"] },
        "org_id": nint, "person_id": nint, "name": text, "country": text, "duty": ntext, "since": text, "until": ntext } });
    let event = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "transition": { "type": "string", "enum": transitions }, "from_stage": { "type": "string", "enum": stages },
        "to_stage": { "type": "string", "enum": stages }, "reason": text, "review_id": nint, "actor": text, "at": text } });
    let items = |schema: &J| json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": schema } } });
    let project = slug(&[Kind::Project]);
    paths.insert("/api/v1/registry/{slug}/{id}/lifecycle".into(), json!({ "get": { "tags": [tag],
        "summary": "A project's stage, the transitions the caller may ask for, its history, parties, reviews (the applicant sees decisions and reasons only) and technology links (the bureau's)",
        "parameters": [project.clone(), id.clone()],
        "responses": { "200": ok("the lifecycle", json!({ "type": "object", "properties": {
            "stage": { "type": ["string", "null"], "enum": stages.iter().map(|s| json!(s)).chain([J::Null]).collect::<Vec<_>>() },
            "offered": { "type": "array", "items": { "type": "string", "enum": transitions } },
            "events": { "type": "array", "items": event }, "parties": { "type": "array", "items": party },
            "reviews": { "type": "array", "items": review }, "links": { "type": "array", "items": link } } })), "404": err("no such project, or not readable") } } }));
    paths.insert("/api/v1/registry/{slug}/{id}/transitions".into(), json!({ "post": { "tags": [tag],
        "summary": "Move a project: submit (opens the approval security review), start (opens R&D control), complete (needs the latest R&D check passed), suspend, resume, terminate (the last three the bureau's). approve/return/reject are made only by a review's decision (409). Audited project_transition",
        "parameters": [project.clone(), id.clone()],
        "requestBody": body(&["transition", "reason"], json!({ "transition": { "type": "string", "enum": transitions }, "reason": { "type": "string", "minLength": 1, "maxLength": 2000 } })),
        "responses": { "201": ok("the transition as recorded", event.clone()), "409": err("not allowed at this stage, or moved meanwhile"), "422": err("reason missing") } } }));
    paths.insert("/api/v1/registry/{slug}/{id}/parties".into(), json!({ "post": { "tags": [tag],
        "summary": "Add a participating organization (org_id), a foreign partner (name, country) or a team member (person_id) to a project; in R&D this opens an R&D control check",
        "parameters": [project, id.clone()],
        "requestBody": body(&["role"], json!({ "role": { "type": "string", "enum": ["participant", "foreign_partner", "member"] },
            "org_id": id_schema(), "person_id": id_schema(), "name": { "type": "string", "maxLength": 200 }, "country": { "type": "string" }, "duty": { "type": "string", "maxLength": 50 } })),
        "responses": { "201": ok("added", party.clone()), "422": err("a bad role, reference, name or country, named") } } }));
    paths.insert(
        "/api/v1/project-parties/{id}".into(),
        json!({ "delete": { "tags": [tag],
        "summary": "End a party's part in a project (the row stays, dated)", "parameters": [id.clone()],
        "responses": { "200": ok("ended", party) } } }),
    );
    let disclosure = json!({ "type": "object", "properties": {
        "id": { "type": "integer" }, "person_id": { "type": "integer" }, "declared_on": { "type": "string", "format": "date" },
        "conflicts": text, "foreign_roles": text, "recorded_by": text, "recorded_at": text } });
    let person = slug(&[Kind::Person]);
    paths.insert("/api/v1/registry/{slug}/{id}/disclosures".into(), json!({
        "get": { "tags": [tag], "summary": "A researcher's disclosures of conflicts of interest and foreign roles, newest first", "parameters": [person.clone(), id.clone()],
            "responses": { "200": ok("disclosures", items(&disclosure)) } },
        "post": { "tags": [tag], "summary": "Record a disclosure (renewed yearly; the approval review flags members without a current one)", "parameters": [person, id.clone()],
            "requestBody": body(&["declared_on", "conflicts", "foreign_roles"], json!({ "declared_on": { "type": "string", "format": "date" },
                "conflicts": { "type": "string", "minLength": 1, "maxLength": 2000 }, "foreign_roles": { "type": "string", "minLength": 1, "maxLength": 2000 } })),
            "responses": { "201": ok("recorded", disclosure) } } }));
    paths.insert("/api/v1/registry/{slug}/{id}/transfer-audit".into(), json!({ "post": { "tags": [tag],
        "summary": "Open the transfer security audit of a transfer or technology contract (registrations by an account open one by themselves)",
        "parameters": [slug(&[Kind::Transfer, Kind::TechContract]), id.clone()],
        "responses": { "201": ok("the audit", review.clone()) } } }));
    let classified = slug(&[Kind::Project, Kind::Achievement, Kind::TechContract, Kind::Organization]);
    paths.insert("/api/v1/registry/{slug}/{id}/technology-links".into(), json!({
        "get": { "tags": [tag], "summary": "A record's links to chokepoint and export-control items (suggested, confirmed, rejected), best first",
            "parameters": [classified.clone(), id.clone()], "responses": { "200": ok("links", items(&link)) } },
        "post": { "tags": [tag], "summary": "Classify the record's text again (decided links stay as decided)",
            "parameters": [classified, id.clone()], "responses": { "200": ok("links", items(&link)) } } }));
    paths.insert("/api/v1/registry/{slug}/{id}/dependences".into(), json!({ "post": { "tags": [tag],
        "summary": "Record that an enterprise depends on a chokepoint item (a confirmed link)",
        "parameters": [slug(&[Kind::Organization]), id.clone()],
        "requestBody": body(&["item"], json!({ "item": { "type": "string", "description": "the item's code (CP01) or name" } })),
        "responses": { "201": ok("the link", link.clone()), "422": err("no such item") } } }));
    paths.insert(
        "/api/v1/technology-links/{id}/decision".into(),
        json!({ "post": { "tags": [tag],
        "summary": "Confirm or reject a technology link", "parameters": [id.clone()],
        "requestBody": body(&["confirm"], json!({ "confirm": { "type": "boolean" } })),
        "responses": { "200": ok("decided", link) } } }),
    );
    paths.insert("/api/v1/reviews".into(), json!({ "get": { "tags": [tag],
        "summary": "Reviews of the three gates, newest first: the bureau sees all, an applicant its own organization's (without the checks)",
        "parameters": [
            { "name": "gate", "in": "query", "schema": { "type": "string", "enum": gates } },
            { "name": "state", "in": "query", "schema": { "type": "string", "enum": ["open", "decided", "all"] }, "description": "default open" },
            { "name": "decision", "in": "query", "schema": { "type": "string" }, "description": format!("one of {}, or several separated by commas", decisions.join(", ")) },
            { "name": "opened_from", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "opened on or after this day" },
            { "name": "opened_to", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "opened on or before this day" },
            { "name": "overdue", "in": "query", "schema": { "type": "string", "enum": ["0", "1", "true", "false"] }, "description": "1: open and past its due date" },
            { "name": "blocked", "in": "query", "schema": { "type": "string", "enum": ["0", "1", "true", "false"] }, "description": "1: with a blocking automatic check (the bureau's; an applicant is refused)" },
            { "name": "mine", "in": "query", "schema": { "type": "string", "enum": ["0", "1", "true", "false"] }, "description": "1: those the caller may decide now (my pending reviews)" }],
        "responses": { "200": ok("reviews", items(&review)), "400": err("a parameter that does not parse, named"), "403": err("an applicant asking for blocked reviews") } } }));
    let count = json!({ "type": "integer", "minimum": 0 });
    paths.insert("/api/v1/reviews/figures".into(), json!({ "get": { "tags": [tag],
        "summary": "Each gate's figures over the reviews opened in a period that the caller may see (the dashboard's): opened, open, overdue, passed, returned, rejected, blocked, mean days to decision; the last row is all gates together",
        "parameters": [
            { "name": "from", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "default 1 January of this year" },
            { "name": "to", "in": "query", "schema": { "type": "string", "format": "date" }, "description": "default today" }],
        "responses": { "200": { "description": "the figures", "content": { "application/json": { "schema": { "type": "object",
            "required": ["from", "to", "gates"],
            "properties": { "from": { "type": "string", "format": "date" }, "to": { "type": "string", "format": "date" },
              "gates": { "type": "array", "items": { "type": "object",
                "required": ["gate", "opened", "open", "overdue", "passed", "returned", "rejected", "blocked", "mean_days_to_decision"],
                "properties": { "gate": { "type": ["string", "null"], "enum": gates_or_all, "description": "null: all gates together" },
                  "opened": count.clone(), "open": count.clone(), "overdue": count.clone(), "passed": count.clone(),
                  "returned": count.clone(), "rejected": count.clone(), "blocked": count,
                  "mean_days_to_decision": { "type": ["number", "null"] } } } } } } } } },
          "400": err("a day that does not parse, or from after to") } } }));
    paths.insert("/api/v1/reviews/{id}".into(), json!({ "get": { "tags": [tag],
        "summary": "A review, with its automatic checks computed now while it is open (the bureau's)", "parameters": [id.clone()],
        "responses": { "200": ok("the review", review.clone()) } } }));
    paths.insert("/api/v1/reviews/{id}/decision".into(), json!({ "post": { "tags": [tag],
        "summary": "Decide a review: reasons always; conditions for a conditional pass; never by a reviewer of the applicant's organization; no pass over a blocking check; high-risk reviews need a second, different reviewer. A final approval decision moves the project",
        "parameters": [id.clone()],
        "requestBody": body(&["decision", "reasons"], json!({ "decision": { "type": "string", "enum": decisions },
            "reasons": { "type": "string", "minLength": 2, "maxLength": 2000 }, "conditions": { "type": "string", "maxLength": 2000 }, "note": { "type": "string", "maxLength": 2000, "description": "internal, not shown to the applicant" },
            "answers": { "type": "object", "additionalProperties": { "type": "string" }, "description": "the checklist: every scored requirement for a pass (yes/no/na, 0–5); a no or a score under 3 becomes a finding" } })),
        "responses": { "200": ok("the review after the decision", review.clone()), "403": err("a reviewer of the applicant's organization, or the first reviewer again"), "409": err("decided meanwhile"), "422": err("reasons missing, conditions missing, or a block stands (named)") } } }));
    paths.insert("/api/v1/reviews/{id}/licence".into(), json!({ "post": { "tags": [tag],
        "summary": "Record the technology export licence number of an open transfer audit (lifts the block of a restricted item; a prohibited one stays blocked)",
        "parameters": [id],
        "requestBody": body(&["licence_no"], json!({ "licence_no": { "type": "string", "minLength": 1, "maxLength": 60 } })),
        "responses": { "200": ok("the review", review.clone()) } } }));
    paths.insert("/api/v1/registry/{slug}/{id}/assessment".into(), json!({ "post": { "tags": [tag],
        "summary": "Open an innovation platform's security assessment (recognition, annual evaluation), answered on the platform checklist; an open one is returned as it is",
        "parameters": [slug(&[Kind::Platform]), id.clone()],
        "responses": { "201": ok("the assessment", review.clone()) } } }));
    paths.insert("/api/v1/frameworks".into(), json!({
        "get": { "tags": [tag], "summary": "The newest checklist (assessment framework) of each gate",
            "responses": { "200": ok("frameworks", json!({ "type": "object", "properties": { "items": { "type": "array", "items": { "$ref": "#/components/schemas/Framework" } } } })) } },
        "post": { "tags": [tag], "summary": "Load a new version of a gate's checklist (the bureau administrator's): tab-separated framework/section/item lines; a line that does not parse is named",
            "parameters": [{ "name": "file_name", "in": "query", "schema": { "type": "string" } }],
            "requestBody": { "required": true, "content": { "text/tab-separated-values": { "schema": { "type": "string" } }, "text/plain": { "schema": { "type": "string" } } } },
            "responses": { "201": ok("a new version", json!({ "type": "object", "properties": { "unchanged": { "type": "boolean" }, "framework_id": { "type": "integer" }, "code": text, "version": { "type": "integer" } } })),
                "200": ok("unchanged", json!({ "type": "object", "properties": { "unchanged": { "type": "boolean" } } })),
                "422": err("does not parse (line named), or not a gate's code") } } }));
    let dictionary = json!({ "name": "dictionary", "in": "path", "required": true, "schema": { "type": "string", "enum": ["chokepoint", "export_control"] } });
    let item = json!({ "type": "object", "properties": {
        "key": { "type": "string", "description": "the code, or the name where the dictionary gives no code" },
        "code": text, "name": text, "group": text, "description": text, "terms": { "type": "array", "items": text },
        "control": { "type": ["string", "null"], "enum": ["prohibited", "restricted", null] },
        "status": text, "projects": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "title": text, "stage": text } } },
        "dependents": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "name": text } } } } });
    let version = json!({ "type": "object", "properties": {
        "version": { "type": "integer" }, "label": text, "source": text, "items": { "type": "integer" },
        "added": { "type": "array", "items": text }, "changed": { "type": "array", "items": text }, "removed": { "type": "array", "items": text },
        "imported_by": text, "imported_at": text } });
    paths.insert("/api/v1/dictionaries/{dictionary}".into(), json!({
        "get": { "tags": [tag], "summary": "The chokepoint list or the export-control catalogue: the newest version's items with the projects aimed at them and the enterprises depending on them, and every version with what it changed",
            "parameters": [dictionary.clone()],
            "responses": { "200": ok("the dictionary", json!({ "type": "object", "properties": { "dictionary": text,
                "items": { "type": "array", "items": item }, "versions": { "type": "array", "items": version } } })) } },
        "post": { "tags": [tag], "summary": "Import a new version (the bureau administrator's): CSV in a seed format or kean's own, or XLSX; a file that does not parse is refused naming its line; an unchanged file adds no version",
            "parameters": [dictionary],
            "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["file"], "properties": {
                "file": { "type": "string", "format": "binary" }, "label": { "type": "string" } } } } } },
            "responses": { "201": ok("the new version", json!({ "type": "object", "properties": { "dictionary": text, "unchanged": { "type": "boolean" },
                "version": { "type": "integer" }, "items": { "type": "integer" }, "added": { "type": "array", "items": text },
                "changed": { "type": "array", "items": text }, "removed": { "type": "array", "items": text } } })),
                "200": ok("unchanged: no version added", json!({ "type": "object", "properties": { "dictionary": text, "unchanged": { "type": "boolean" } } })),
                "422": err("the file does not parse (line named), holds both dictionaries, or not this one") } } }));
}

/// The audit log (issue 12, items 6 and 8): search, export, the chain's
/// status and its verification. The security auditor reads every event, the
/// security administrator only the auditor's acts; each search, export and
/// verification is itself recorded.
fn audit_paths(
    paths: &mut serde_json::Map<String, J>,
    schemas: &mut serde_json::Map<String, J>,
    err: &dyn Fn(&str) -> J,
) {
    let tag = "审计日志";
    let outcomes: Vec<&str> = kean_core::audit::Outcome::ALL.iter().map(|o| o.code()).collect();
    schemas.insert(
        "AuditEvent".into(),
        json!({ "type": "object",
            "required": ["seq", "at", "actor_id", "actor", "action", "outcome", "target", "record_id", "before", "after", "prev_hash", "hash"],
            "properties": {
                "seq": { "type": "integer", "minimum": 1 }, "at": { "type": "string", "description": "UTC, RFC 3339" },
                "actor_id": { "type": "integer", "description": "0: kean itself at the machine" }, "actor": { "type": "string" },
                "action": { "type": "string" }, "outcome": { "type": "string", "enum": outcomes },
                "target": { "type": "string", "description": "a registry slug, users, sessions, audit-log …" },
                "record_id": { "type": ["integer", "null"] },
                "before": { "description": "the record before (any JSON, or null); {\"withheld\": \"（涉密）\"} for a record the reader may not read" },
                "after": { "description": "the record after, or what the event describes (any JSON, or null); withheld likewise" },
                "prev_hash": { "type": "string" }, "hash": { "type": "string", "description": "SM3 chain hash" } } }),
    );
    let event = json!({ "$ref": "#/components/schemas/AuditEvent" });
    let search = vec![
        json!({ "name": "actor", "in": "query", "schema": { "type": "string", "maxLength": 100 }, "description": "username as recorded (system:NAME for kean itself)" }),
        json!({ "name": "action", "in": "query", "schema": { "type": "string", "maxLength": 64, "pattern": "^[a-z_]*$" }, "description": "action code, e.g. set_role, read, export, audit_search" }),
        json!({ "name": "kind", "in": "query", "schema": { "type": "string", "maxLength": 64, "pattern": "^[a-z-]*$" }, "description": "target: a registry slug, users, sessions, audit-log, …" }),
        json!({ "name": "record", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": i64::MAX }, "description": "record id within the target" }),
        json!({ "name": "from", "in": "query", "schema": { "type": "string" }, "description": "first day, China Standard Time (2026-12-07, 2026/12/7, 20261207 …); an unparseable date is refused (422, naming the field)" }),
        json!({ "name": "to", "in": "query", "schema": { "type": "string" }, "description": "last day, included; not before from" }),
        json!({ "name": "outcome", "in": "query", "schema": { "type": "string", "enum": outcomes }, "description": "refused: refused reads, failed logins" }),
    ];
    let mut list_params = search.clone();
    list_params.push(
        json!({ "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": u32::MAX } }),
    );
    list_params.push(json!({ "name": "page_size", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": u32::MAX }, "description": "at most 500 are answered" }));
    let ok = |d: &str, schema: J| json!({ "description": d, "content": { "application/json": { "schema": schema } } });
    paths.insert("/api/v1/audit".into(), json!({ "get": { "tags": [tag],
        "summary": "Search the audit log, newest first (security auditor: every event; security administrator: the auditor's acts). The search is recorded (audit_search)",
        "parameters": list_params,
        "responses": { "200": ok("a page of events", json!({ "type": "object", "required": ["items", "total", "page", "page_size"], "properties": {
                "items": { "type": "array", "items": event }, "total": { "type": "integer" }, "page": { "type": "integer" }, "page_size": { "type": "integer" } } })),
            "403": err("forbidden"), "422": err("a bad search field, named") } } }));
    let mut export_params = search;
    export_params.push(json!({ "name": "format", "in": "query", "schema": { "type": "string", "enum": ["csv", "xlsx"] }, "description": "default csv" }));
    export_params.push(json!({ "name": "lang", "in": "query", "schema": { "type": "string", "enum": ["zh", "en"] }, "description": "headers and terms; default zh" }));
    paths.insert("/api/v1/audit/export".into(), json!({ "get": { "tags": [tag],
        "summary": "What the search finds, at most 100,000 events, as CSV (UTF-8 with BOM) or XLSX; values withheld as in the search; recorded as an export of audit-log",
        "parameters": export_params,
        "responses": { "200": { "description": "the file", "content": {
                "text/csv": { "schema": { "type": "string" } },
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": { "schema": { "type": "string", "format": "binary" } } } },
            "403": err("forbidden"), "422": err("a bad search field or format, named") } } }));
    paths.insert("/api/v1/audit/status".into(), json!({ "get": { "tags": [tag],
        "summary": "The chain head, the last signed checkpoint and the last recorded verification",
        "responses": { "200": ok("the chain's status", json!({ "type": "object", "required": ["head_seq", "head_hash", "last_checkpoint", "last_verify"], "properties": {
                "head_seq": { "type": "integer" }, "head_hash": { "type": "string" },
                "last_checkpoint": { "oneOf": [{ "type": "null" }, { "type": "object", "required": ["seq", "at"], "properties": { "seq": { "type": "integer" }, "at": { "type": "string" } } }] },
                "last_verify": { "oneOf": [{ "type": "null" }, event] } } })),
            "403": err("forbidden") } } }));
    paths.insert("/api/v1/audit/verify".into(), json!({ "post": { "tags": [tag],
        "summary": "Re-walk the whole chain: every SM3 link, SM2 checkpoint and archive anchor (the security auditor's; recorded as audit_verify)",
        "responses": { "200": ok("the outcome", json!({ "type": "object", "required": ["intact", "last_seq", "last_hash", "fault"], "properties": {
                "intact": { "type": "boolean" }, "last_seq": { "type": ["integer", "null"] }, "last_hash": { "type": ["string", "null"] },
                "fault": { "type": ["string", "null"], "description": "the first fault, naming its record" } } })),
            "403": err("forbidden") } } }));
}

/// The submission's schema (the same for every registry: its values are the
/// registry's fields as input texts).
fn submission_schemas(schemas: &mut serde_json::Map<String, J>) {
    use kean_core::submission::{Operation, SubmissionStatus};
    let levels: Vec<&str> = kean_core::confidentiality::Classification::ALL
        .iter()
        .map(|c| c.code())
        .collect();
    let reported: Vec<&str> = Kind::ALL
        .iter()
        .filter(|k| kean_core::submission::reviewable(**k))
        .map(|k| k.slug())
        .collect();
    let text_map =
        json!({ "type": ["object", "null"], "additionalProperties": true, "description": "field name → value" });
    schemas.insert("Submission".into(), json!({ "type": "object",
        "required": ["id", "kind", "operation", "org_id", "status", "round", "changed", "version"],
        "properties": {
            "id": { "type": "integer", "minimum": 1 },
            "kind": { "type": "string", "enum": reported },
            "operation": { "type": "string", "enum": Operation::ALL.iter().map(|o| o.code()).collect::<Vec<_>>(),
                "description": "create, update (of record_id), import (rows of a file), archive, restore" },
            "record_id": { "type": ["integer", "null"] }, "base_version": { "type": ["integer", "null"], "description": "the record's version when reported" },
            "org_id": { "type": "integer" }, "org_name": { "type": ["string", "null"] },
            "level": { "type": "string", "enum": levels },
            "label": { "type": "string" },
            "status": { "type": "string", "enum": SubmissionStatus::ALL.iter().map(|s| s.code()).collect::<Vec<_>>(),
                "description": "pending 待审核, returned 已退回 (reasons say why), approved 已生效, withdrawn 已撤回" },
            "round": { "type": "integer", "description": "how many times it was submitted" },
            "changed": { "type": "array", "items": { "type": "string" }, "description": "the fields it changes" },
            "fields": text_map.clone(), "before": text_map,
            "file_name": { "type": ["string", "null"] }, "row_count": { "type": "integer" },
            "submitter": { "type": "string" }, "submitted_at": { "type": "string" },
            "decider": { "type": ["string", "null"] }, "decided_at": { "type": ["string", "null"] },
            "reasons": { "type": ["string", "null"], "description": "of the last return" },
            "result_ids": { "type": "array", "items": { "type": "integer" }, "description": "the records an approval wrote" },
            "version": { "type": "integer" }, "updated_at": { "type": "string" },
            "current": { "type": ["object", "null"], "description": "(one submission) the record as it is now" },
            "rows": { "type": "array", "items": { "type": "object" }, "description": "(one submission) an import's first 200 rows" },
            "stale": { "type": "boolean", "description": "(one submission) the record changed since: approval would be refused" },
            "events": { "type": "array", "description": "(one submission) its history", "items": { "type": "object", "properties": {
                "step": { "type": "string", "enum": ["submit", "resubmit", "withdraw", "return", "approve"] }, "actor": { "type": "string" }, "at": { "type": "string" },
                "note": { "type": ["string", "null"] }, "changed": { "type": "array", "items": { "type": "string" } } } } } } }));
}

/// Reporting with review (填报 → 审核).
fn submission_paths(paths: &mut serde_json::Map<String, J>, err: &dyn Fn(&str) -> J) {
    let tag = "填报审核";
    let one = json!({ "$ref": "#/components/schemas/Submission" });
    let ok = |d: &str, schema: J| json!({ "description": d, "content": { "application/json": { "schema": schema } } });
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": id_schema() });
    let reported: Vec<&str> = Kind::ALL
        .iter()
        .filter(|k| kean_core::submission::reviewable(**k))
        .map(|k| k.slug())
        .collect();
    let version_body = json!({ "content": { "application/json": { "schema": { "type": "object", "properties": {
        "version": { "type": "integer", "minimum": 1, "description": "the submission's version as read; a stale one is refused (409)" } } } } } });
    paths.insert("/api/v1/submissions".into(), json!({ "get": { "tags": [tag],
        "summary": "Submissions the caller reaches: a liaison its organization's, the bureau every organization's. Open ones (status=pending or open) by organization and registry, oldest first; others newest first. A page past the end is the last page",
        "parameters": [
            { "name": "status", "in": "query", "schema": { "type": "string", "enum": ["pending", "returned", "approved", "withdrawn", "open", "all"] } },
            { "name": "kind", "in": "query", "schema": { "type": "string", "enum": reported } },
            { "name": "org_id", "in": "query", "schema": id_schema() },
            { "name": "record_id", "in": "query", "schema": id_schema() },
            { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": u32::MAX } },
            { "name": "page_size", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }],
        "responses": { "200": ok("a page", json!({ "type": "object", "required": ["items", "total", "page", "page_size"], "properties": {
            "items": { "type": "array", "items": one }, "total": { "type": "integer" }, "page": { "type": "integer" }, "page_size": { "type": "integer" } } })),
            "400": err("bad parameter"), "403": err("forbidden (researchers and the three administrators)") } } }));
    paths.insert("/api/v1/submissions/queue".into(), json!({ "get": { "tags": [tag],
        "summary": "Pending submissions per organization and registry",
        "responses": { "200": ok("counts", json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": { "type": "object", "properties": {
            "org_id": { "type": "integer" }, "org_name": { "type": ["string", "null"] }, "kind": { "type": "string" }, "pending": { "type": "integer" } } } } } })),
            "403": err("forbidden") } } }));
    paths.insert("/api/v1/submissions/approve".into(), json!({ "post": { "tags": [tag],
        "summary": "Batch approval (bureau reviewers and administrators): each submission approved in its own transaction; those that cannot be are listed with the reason",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["ids"], "properties": {
            "ids": { "type": "array", "minItems": 1, "maxItems": 500, "items": { "type": "integer", "minimum": 1 } } } } } } },
        "responses": { "200": ok("what was approved and what not", json!({ "type": "object", "required": ["approved", "refused"], "properties": {
            "approved": { "type": "array", "items": { "type": "integer" } },
            "refused": { "type": "array", "items": { "type": "object", "properties": { "id": { "type": "integer" }, "code": { "type": "string" }, "message": { "type": "string" }, "message_zh": { "type": "string" } } } } } })),
            "403": err("forbidden"), "422": err("no ids") } } }));
    paths.insert("/api/v1/submissions/{id}".into(), json!({
        "get": { "tags": [tag], "summary": "One submission with the record as it is now, its rows (an import) and its history",
            "parameters": [id], "responses": { "200": ok("the submission", one.clone()), "403": err("forbidden"), "404": err("not found or out of reach") } },
        "put": { "tags": [tag], "summary": "Correct a pending or returned submission (a new or changed record) and submit it again: all fields, as the registry's replacement takes them, and optionally `_version` (the submission's)",
            "parameters": [id],
            "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "additionalProperties": true } } } },
            "responses": { "200": ok("submitted again (pending)", one.clone()), "403": err("forbidden: not the submitting organization's"), "404": err("not found"), "409": err("decided or withdrawn, or changed meanwhile"), "422": err("invalid fields") } },
    }));
    for (step, summary) in [
        (
            "withdraw",
            "Withdraw a pending or returned submission (its organization)",
        ),
        (
            "approve",
            "Approve a pending submission (bureau reviewers and administrators, never the submitter's own or its organization's): it is validated again and written in the same transaction",
        ),
    ] {
        paths.insert(format!("/api/v1/submissions/{{id}}/{step}"), json!({ "post": { "tags": [tag], "summary": summary,
            "parameters": [id], "requestBody": version_body.clone(),
            "responses": { "200": ok("the submission after the step", one.clone()), "403": err("forbidden"), "404": err("not found"),
                "409": err("not pending (returned, decided, withdrawn), changed meanwhile, or the write failed (a value taken since, the record changed since)"), "422": err("the reported values no longer validate") } } }));
    }
    paths.insert("/api/v1/submissions/{id}/return".into(), json!({ "post": { "tags": [tag],
        "summary": "Return a pending submission with reasons (退回) for its organization to correct",
        "parameters": [id],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["reasons"], "properties": {
            "reasons": { "type": "string", "minLength": 2, "maxLength": 1000 }, "version": { "type": "integer", "minimum": 1 } } } } } },
        "responses": { "200": ok("returned", one), "403": err("forbidden"), "404": err("not found"), "409": err("not pending, or changed meanwhile"), "422": err("no reasons") } } }));
    let kinds = json!({ "type": "object", "required": ["kinds"], "properties": { "kinds": { "type": "array", "items": { "type": "string", "enum": reported } } } });
    paths.insert("/api/v1/settings/review".into(), json!({
        "get": { "tags": [tag], "summary": "The registries whose institution reports need review (default: every registry an institution reports)",
            "responses": { "200": ok("the setting", kinds.clone()) } },
        "put": { "tags": [tag], "summary": "Set them (the bureau administrator; audited set_setting)",
            "requestBody": { "required": true, "content": { "application/json": { "schema": kinds.clone() } } },
            "responses": { "200": ok("the new setting", kinds), "403": err("forbidden"), "422": err("not a reported registry") } },
    }));
}

/// Restricted-party screening: results, decisions, lists and versions.
fn screening_paths(paths: &mut serde_json::Map<String, J>, err: &dyn Fn(&str) -> J) {
    let tag = "限制名单筛查";
    let id = json!({ "name": "id", "in": "path", "required": true, "schema": id_schema() });
    let statuses = kean_app::ResultStatus::ALL.iter().map(|s| s.code()).collect::<Vec<_>>();
    let result = json!({ "type": "object", "properties": {
        "id": { "type": "integer", "minimum": 1 },
        "party": { "type": "object", "description": "the screened party: registry slug, record id, field and name" },
        "list": { "type": "string" }, "entry": { "type": "object", "description": "entry version id, the list's entry id, primary name" },
        "matched_name": { "type": "string" }, "score": { "type": "number" }, "explanation": { "type": "string", "description": "why it matched, in English" },
        "explanation_zh": { "type": "string", "description": "the same in Chinese" },
        "explanation_detail": { "type": ["object", "null"], "description": "the engine's structured explanation: names as compared, method, token pairs (agreed) with their similarity and method, score components, identifier, country and type checks; null for results opened before kean kept it" },
        "status": { "type": "string", "enum": statuses },
        "decision": nullable(json!({ "type": "string", "enum": [kean_app::ResultStatus::Confirmed.code(), kean_app::ResultStatus::Dismissed.code()],
            "description": "the reviewer's last decision, kept when the result lapses" })),
        "lapse_reason": nullable(json!({ "type": "string", "enum": kean_app::lapse::ALL })),
        "reason": { "type": ["string", "null"] }, "decided_by": { "type": ["string", "null"] }, "decided_at": { "type": ["string", "null"] },
        "created_at": { "type": "string" }, "updated_at": { "type": "string" },
        "version": { "type": "integer" } } });
    let run = json!({ "type": "object", "properties": {
        "parties": { "type": "integer" }, "opened": { "type": "array", "items": { "type": "integer" } },
        "lapsed": { "type": "integer" }, "unchanged": { "type": "integer" }, "list_generation": { "type": "integer" }, "millis": { "type": "integer" } } });
    let ok = |d: &str, schema: &J| json!({ "description": d, "content": { "application/json": { "schema": schema } } });
    let nint = json!({ "type": ["integer", "null"] });
    let list_version = json!({ "type": "object", "required": ["id", "list_id", "list", "version_no", "entries"], "properties": {
        "id": { "type": "integer", "minimum": 1 }, "list_id": { "type": "integer" }, "list": { "type": "string", "description": "the list's code" },
        "version_no": { "type": "integer" }, "file_name": { "type": "string" }, "content_hash": { "type": "string" },
        "entries": { "type": "integer" }, "added": { "type": "integer" }, "changed": { "type": "integer" }, "removed": { "type": "integer" },
        "imported_at": { "type": "string" }, "imported_by": { "type": "string" } } });
    let entry = json!({ "type": "object", "required": ["name", "aliases", "type", "countries", "identifiers"], "properties": {
        "name": { "type": "string" }, "aliases": { "type": "array", "items": { "type": "string" } },
        "type": { "type": "string", "enum": ["organization", "person", "vessel", "unknown"] },
        "countries": { "type": "array", "items": { "type": "string" } },
        "identifiers": { "type": "array", "items": { "type": "object", "properties": { "kind": { "type": "string" }, "value": { "type": "string" } } } } } });
    paths.insert("/api/v1/screening/results".into(), json!({ "get": { "tags": [tag],
        "summary": "Screening results (reviewers, administrators, auditors), newest first",
        "parameters": [
            { "name": "status", "in": "query", "schema": { "type": "string", "enum": statuses.iter().copied().chain(["all"]).collect::<Vec<_>>() } },
            { "name": "kind", "in": "query", "schema": { "type": "string" }, "description": "registry slug of the screened record" },
            { "name": "party_id", "in": "query", "schema": id_schema() },
            { "name": "list_id", "in": "query", "schema": id_schema() },
            { "name": "q", "in": "query", "schema": { "type": "string", "maxLength": 100 }, "description": "part of the screened party's name" },
            { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } },
            { "name": "page_size", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 200 } }],
        "responses": { "200": ok("a page of results", &json!({ "type": "object", "properties": { "items": { "type": "array", "items": result }, "total": { "type": "integer" } } })),
            "400": err("bad parameter"), "403": err("forbidden") } } }));
    paths.insert(
        "/api/v1/screening/results/{id}".into(),
        json!({ "get": { "tags": [tag], "parameters": [id],
        "responses": { "200": ok("the result", &result), "403": err("forbidden"), "404": err("not found") } } }),
    );
    paths.insert("/api/v1/screening/results/{id}/decision".into(), json!({ "post": { "tags": [tag],
        "summary": "Confirm a result or dismiss it as a false positive, with the reason; a dismissal holds until the list entry or the party changes",
        "parameters": [id],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["decision", "reason", "version"], "properties": {
            "decision": { "type": "string", "enum": ["confirm", "dismiss"] }, "reason": { "type": "string", "minLength": 2, "maxLength": 500 },
            "version": { "type": "integer", "description": "the result's version as read (required); a stale one is refused" } } } } } },
        "responses": { "200": ok("decided", &result), "403": err("forbidden"), "404": err("not found"), "409": err("changed meanwhile or lapsed"), "422": err("invalid decision or reason") } } }));
    paths.insert("/api/v1/screening/decisions".into(), json!({ "post": { "tags": [tag],
        "summary": "One decision with one reason for several open results of one party (the same record and field), all or nothing: if one result is not visible, not open, changed since it was read or about another party, nothing is written and the error names it. Each result is decided and audited on its own; the same permission as one decision",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["results", "decision", "reason"], "properties": {
            "results": { "type": "array", "minItems": 1, "maxItems": kean_app::MAX_BULK_DECISION, "items": { "type": "object", "required": ["id", "version"], "properties": {
                "id": id_schema(), "version": { "type": "integer", "description": "the result's version as read; a stale one is refused" } } } },
            "decision": { "type": "string", "enum": ["confirm", "dismiss"] }, "reason": { "type": "string", "minLength": 2, "maxLength": 500 } } } } } },
        "responses": { "200": ok("every result decided", &json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": result } } })),
            "400": err("unreadable body"), "403": err("forbidden"), "404": err("a result is not visible (named); nothing written"),
            "409": err("a result is not open or changed meanwhile (named); nothing written"), "422": err("invalid decision or reason, no results, a result given twice, or results of different parties") } } }));
    let vversion = json!({ "type": "object", "required": ["version_no", "action", "word", "english", "previous", "note", "rescreen_marked", "changed_at", "changed_by"], "properties": {
        "version_no": { "type": "integer" }, "action": { "type": "string", "enum": ["add", "edit", "remove"] }, "word": { "type": "string" },
        "english": { "type": ["string", "null"], "description": "after the change (null for a removal)" },
        "previous": { "type": ["string", "null"], "description": "before the change (null for an addition)" },
        "note": { "type": "string" }, "rescreen_marked": { "type": "integer", "description": "records marked to be screened again" },
        "changed_at": { "type": "string" }, "changed_by": { "type": "string" } } });
    paths.insert("/api/v1/screening/vocabulary".into(), json!({ "get": { "tags": [tag],
        "summary": "The bureau's own screening vocabulary (Chinese words and their English, merged with the vocabulary kean ships): its version, entries and latest changes (as for viewing the lists)",
        "responses": { "200": ok("the vocabulary", &json!({ "type": "object", "required": ["version", "builtin_entries", "entries", "versions"], "properties": {
                "version": { "type": "integer", "description": "0 before the first change" }, "builtin_entries": { "type": "integer" },
                "entries": { "type": "array", "items": { "type": "object", "required": ["word", "english", "note", "since_version"], "properties": {
                    "word": { "type": "string" }, "english": { "type": "string" }, "note": { "type": "string" }, "since_version": { "type": "integer" } } } },
                "versions": { "type": "array", "items": vversion.clone() } } })),
            "403": err("forbidden") } } }));
    paths.insert("/api/v1/screening/vocabulary/changes".into(), json!({ "post": { "tags": [tag],
        "summary": "Add, edit or remove one entry of the bureau's vocabulary (the bureau administrator): a new version, audited (vocabulary_add / _edit / _remove); every process rebuilds its indexes with it and every registered party is screened again (marked in the outbox in the same transaction). A bad entry is refused naming what is wrong",
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["action", "word"], "properties": {
            "action": { "type": "string", "enum": ["add", "edit", "remove"] },
            "word": { "type": "string", "minLength": 1, "maxLength": 20, "description": "the Chinese word (Han characters)" },
            "english": { "type": "string", "maxLength": 200, "description": "its English in the vocabulary notation: lower-case words separated by spaces, a|b alternatives, ?a optional, a leading ^ a place, @co/@ltd/@group a legal form (not for remove)" },
            "note": { "type": "string", "maxLength": 200 } } } } } },
        "responses": { "201": ok("the new version", &vversion),
            "400": err("unreadable body"), "403": err("forbidden"), "404": err("edit or remove of a word not in the vocabulary"),
            "409": err("add of a word already there, or an edit changing nothing"), "422": err("a bad entry (the error names what is wrong)") } } }));
    paths.insert("/api/v1/screening/search".into(), json!({ "get": { "tags": [tag],
        "summary": "查询名单条目: the entries of the loaded lists whose names match a name in either script, scored and explained by the same engine that screens the registry (reviewers and administrators, as for viewing the lists); best first, at most 50",
        "parameters": [
            { "name": "q", "in": "query", "required": true, "schema": { "type": "string", "minLength": 1, "maxLength": 200 }, "description": "the name, in Chinese or a Latin script" },
            { "name": "type", "in": "query", "schema": { "type": "string", "enum": ["", "organization", "person", "unknown"] } },
            { "name": "list_id", "in": "query", "schema": id_schema() },
            { "name": "min_score", "in": "query", "schema": { "type": "number", "minimum": 0.3, "maximum": 1.0 }, "description": "lowest score shown (default 0.5; screening reports from 0.7)" }],
        "responses": { "200": ok("the entries found", &json!({ "type": "object", "required": ["items", "threshold"], "properties": {
                "threshold": { "type": "number", "description": "the score from which screening reports a match" },
                "items": { "type": "array", "items": { "type": "object", "required": ["list_id", "list", "entry", "matched_name", "score", "reported", "explanation", "explanation_zh", "explanation_detail"], "properties": {
                    "list_id": { "type": "integer" }, "list": { "type": "string" },
                    "entry": { "type": "object", "description": "the stored entry version's id (GET /api/v1/screening/entries/{id}), the list's entry id and primary name" },
                    "matched_name": { "type": "string" }, "score": { "type": "number" },
                    "reported": { "type": "boolean", "description": "whether screening would report it (score at or above threshold)" },
                    "explanation": { "type": "string" }, "explanation_zh": { "type": "string" },
                    "explanation_detail": { "type": "object", "description": "the engine's structured explanation (token pairs with their method: translation, lexicon, pinyin …)" } } } } } })),
            "400": err("bad parameter"), "403": err("forbidden"), "404": err("no such list"), "422": err("no name, a bad type or min_score") } } }));
    paths.insert(
        "/api/v1/screening/lists".into(),
        json!({ "get": { "tags": [tag], "summary": "The lists and their current versions, each with its reach from Chinese (coverage): entries with a Chinese name, and entries without one that a Chinese name reaches through translation — the figures `kean screen` prints",
        "responses": { "200": ok("lists", &json!({ "type": "object", "properties": { "items": { "type": "array", "items": { "type": "object", "properties": {
            "id": { "type": "integer" }, "code": { "type": "string" }, "format": { "type": "string" }, "entries": { "type": "integer" },
            "updated_at": { "type": "string" }, "current": { "oneOf": [{ "type": "null" }, list_version] },
            "coverage": { "oneOf": [{ "type": "null" }, { "type": "object", "required": ["entries", "with_chinese_name", "through_translation"], "properties": {
                "entries": { "type": "integer" }, "with_chinese_name": { "type": "integer" }, "through_translation": { "type": "integer" } } }] } } } } } })),
            "403": err("forbidden") } } }),
    );
    paths.insert("/api/v1/screening/lists/import".into(), json!({ "post": { "tags": [tag],
        "summary": "Import a new version of a list (administrators): the file is the body; its format is detected from the content. Records the diff and re-screens every registered party",
        "parameters": [
            { "name": "file_name", "in": "query", "required": true, "schema": { "type": "string" } },
            { "name": "list_name", "in": "query", "schema": { "type": "string", "maxLength": 40 }, "description": "name of a local list in kean's CSV format" }],
        "requestBody": { "required": true, "content": { "application/octet-stream": { "schema": { "type": "string", "format": "binary" } } } },
        "responses": { "201": ok("the new version and the re-screening it caused", &json!({ "type": "object", "required": ["version", "rescreen"], "properties": { "version": list_version, "rescreen": run } })),
            "400": err("no file name or empty body"), "403": err("forbidden"), "409": err("same content as the current version"), "413": err("payload_too_large: the file is over 50 MB"), "422": err("not a readable list") } } }));
    paths.insert(
        "/api/v1/screening/lists/{id}/versions".into(),
        json!({ "get": { "tags": [tag], "parameters": [id],
        "responses": { "200": ok("versions, newest first", &json!({ "type": "object", "required": ["items"], "properties": { "items": { "type": "array", "items": list_version } } })), "404": err("no such list") } } }),
    );
    paths.insert("/api/v1/screening/versions/{id}/changes".into(), json!({ "get": { "tags": [tag], "summary": "What a version added, changed and removed",
        "parameters": [id, { "name": "change", "in": "query", "schema": { "type": "string", "enum": ["added", "changed", "removed"] } },
            { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": u32::MAX } }, { "name": "page_size", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500 } }],
        "responses": { "200": ok("a page of changes", &json!({ "type": "object", "required": ["items", "total", "page", "page_size"], "properties": {
                "items": { "type": "array", "items": { "type": "object", "required": ["change", "entry_key", "name"], "properties": {
                    "change": { "type": "string", "enum": ["added", "changed", "removed"] }, "entry_key": { "type": "string" }, "name": { "type": "string" },
                    "old_entry_id": nint, "new_entry_id": nint } } },
                "total": { "type": "integer" }, "page": { "type": "integer" }, "page_size": { "type": "integer" } } })),
            "404": err("no such version"), "422": err("bad change type") } } }));
    paths.insert("/api/v1/screening/entries/{id}".into(), json!({ "get": { "tags": [tag], "summary": "One entry version as stored (name, aliases, type, countries, identifiers) and the list versions it spans",
        "parameters": [id], "responses": { "200": ok("the entry version", &json!({ "type": "object", "required": ["id", "list_id", "list", "key", "hash", "added_version_id"], "properties": {
            "id": { "type": "integer", "minimum": 1 }, "list_id": { "type": "integer" }, "list": { "type": "string" }, "key": { "type": "string", "description": "the list's own id of the entry" },
            "hash": { "type": "string" }, "added_version_id": { "type": "integer", "description": "the list version that brought it" },
            "removed_version_id": { "type": ["integer", "null"], "description": "the list version that dropped or replaced it" },
            "entry": { "oneOf": [{ "type": "null" }, entry] } } })), "403": err("forbidden"), "404": err("not found") } } }));
    paths.insert("/api/v1/screening/lists/{id}/retire".into(), json!({ "post": { "tags": [tag], "summary": "Retire a list (administrators): a new version without entries; the results on its entries lapse, its versions stay",
        "parameters": [id], "responses": { "200": ok("the empty version and the re-screening it caused", &json!({ "type": "object", "required": ["version", "rescreen"], "properties": { "version": list_version, "rescreen": run } })), "403": err("forbidden"), "404": err("no such list"), "409": err("already retired") } } }));
    paths.insert(
        "/api/v1/screening/rescreen".into(),
        json!({ "post": { "tags": [tag], "summary": "Re-screen every registered party now (动态排查)",
        "responses": { "200": ok("what changed", &run), "403": err("forbidden") } } }),
    );
    paths.insert("/api/v1/screening/parties/{slug}/{id}".into(), json!({ "get": { "tags": [tag], "summary": "A record's screening: when each party was screened, and its results",
        "parameters": [{ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" } }, id],
        "responses": { "200": ok("screening state and results", &json!({ "type": "object", "required": ["screened", "results"], "properties": {
            "screened": { "type": "array", "items": { "type": "object", "required": ["field", "screened_at", "list_generation"], "properties": {
                "field": { "type": "string", "description": "the record's field screened (a name)" }, "screened_at": { "type": "string" },
                "list_generation": { "type": "integer", "description": "the lists' state it was screened against" } } } },
            "results": { "type": "array", "items": result } } })), "403": err("forbidden"), "404": err("not found or out of scope") } } }));
}

pub async fn document() -> impl IntoResponse {
    Json(build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_registry_has_list_and_item_paths() {
        let doc = super::build();
        for k in kean_core::Kind::ALL {
            assert!(doc["paths"][format!("/api/v1/registry/{}", k.slug())]["post"].is_object());
            assert!(doc["paths"][format!("/api/v1/registry/{}/{{id}}", k.slug())]["put"].is_object());
        }
        assert_eq!(
            doc["components"]["schemas"]["OrganizationFields"]["properties"]["org_type"]["enum"][0],
            "enterprise"
        );
    }

    /// The document's enumerations are the code's values: a value the API
    /// can answer with is never missing from its schema.
    #[test]
    fn enums_are_the_codes_values() {
        use serde_json::json;
        let doc = super::build();
        let schemas = &doc["components"]["schemas"];
        let codes: Vec<&str> = kean_core::ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            schemas["Error"]["properties"]["error"]["properties"]["code"]["enum"],
            json!(codes)
        );
        let result = &doc["paths"]["/api/v1/screening/results/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["properties"];
        let mut lapse: Vec<serde_json::Value> = kean_app::lapse::ALL.iter().map(|r| json!(r)).collect();
        lapse.push(serde_json::Value::Null);
        assert_eq!(result["lapse_reason"]["enum"], json!(lapse));
        assert!(lapse.contains(&json!("archived")));
        let statuses: Vec<&str> = kean_app::ResultStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(result["status"]["enum"], json!(statuses));
        let countries: Vec<&str> = kean_core::country::COUNTRIES.iter().map(|(c, _, _)| *c).collect();
        for k in kean_core::Kind::ALL {
            let name = format!("{k:?}");
            for f in k.fields() {
                let s = &schemas[format!("{name}Fields")]["properties"][f.name];
                let mut want: Vec<serde_json::Value> = match f.ty {
                    kean_core::schema::FieldType::Enum(cs) => cs.iter().map(|c| json!(c.code)).collect(),
                    kean_core::schema::FieldType::Country => countries.iter().map(|c| json!(c)).collect(),
                    _ => continue,
                };
                if !f.required {
                    want.push(serde_json::Value::Null);
                }
                assert_eq!(s["enum"], json!(want), "{name}.{}", f.name);
            }
        }
    }

    /// 429 is documented on the operations that answer it, and only there.
    #[test]
    fn too_many_attempts_is_documented_where_it_is_answered() {
        let doc = super::build();
        let has = |path: &str, method: &str| doc["paths"][path][method]["responses"]["429"].is_object();
        assert!(has("/api/v1/auth/token", "post"));
        assert!(has("/api/v1/registry/persons", "post"));
        assert!(has("/api/v1/registry/persons/{id}", "put"));
        assert!(!has("/api/v1/registry/persons", "get"));
        assert!(!has("/api/v1/registry/persons/{id}", "get"));
    }

    /// Optional fields are nullable (the API answers null for them), required
    /// ones are not; every operation documents every error status kean
    /// answers with the error body; ids start at 1.
    #[test]
    fn optional_fields_are_nullable_and_errors_documented() {
        let doc = super::build();
        let schemas = &doc["components"]["schemas"];
        for k in kean_core::Kind::ALL {
            let name = format!("{k:?}");
            for f in k.fields() {
                let t = &schemas[format!("{name}Fields")]["properties"][f.name]["type"];
                assert_eq!(t.is_array(), !f.required, "{name}.{}: {t}", f.name);
            }
        }
        let mut ops = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                ops += 1;
                for status in ["400", "401", "403", "404", "409", "413", "422", "500"] {
                    assert_eq!(
                        op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["name"] == "id" || p["name"].as_str().unwrap().ends_with("_id") {
                        assert_eq!(p["schema"]["minimum"], 1, "{method} {path} {}", p["name"]);
                    }
                }
            }
        }
        assert!(ops > 60, "{ops}");
        assert!(doc["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"].is_object());
    }

    /// Every route of the API router is in the document (and nothing else).
    #[test]
    fn every_api_route_is_documented() {
        let doc = super::build();
        let src = include_str!("api/mod.rs").to_string()
            + include_str!("api/screening.rs")
            + include_str!("api/lifecycle.rs");
        let mut routes = 0;
        for part in src.split(".route(\"").skip(1) {
            let path = &part[..part.find('"').unwrap()];
            if !path.starts_with('/') || path.starts_with("/registry/") {
                continue;
            }
            routes += 1;
            let documented = format!("/api/v1{path}");
            assert!(
                doc["paths"][&documented].is_object(),
                "{documented} is not in openapi.json"
            );
        }
        assert!(routes >= 14, "{routes}");
    }
}

#[cfg(test)]
mod response_schemas {
    /// Every operation's successful answers (2xx) declare what they carry:
    /// a body with its schema, or no body at all (204 and the like say so
    /// by having no `content`). An integrator generating a client from the
    /// document gets a type for every answer.
    #[test]
    fn every_success_response_has_a_schema() {
        let doc = super::build();
        let mut missing = vec![];
        let mut ops = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                ops += 1;
                let responses = op["responses"].as_object().unwrap();
                let mut successes = 0;
                for (status, r) in responses {
                    if !status.starts_with('2') {
                        continue;
                    }
                    successes += 1;
                    if status == "204" {
                        assert!(r.get("content").is_none(), "{method} {path} 204 has a body");
                        continue;
                    }
                    let content = r["content"].as_object();
                    let ok = content.is_some_and(|c| {
                        !c.is_empty()
                            && c.values()
                                .all(|m| m["schema"].as_object().is_some_and(|s| !s.is_empty()))
                    });
                    if !ok {
                        missing.push(format!("{method} {path} {status}"));
                    }
                }
                if successes == 0 {
                    missing.push(format!("{method} {path}: no success response"));
                }
            }
        }
        assert!(ops > 60, "{ops}");
        assert!(
            missing.is_empty(),
            "{} without a schema:\n{}",
            missing.len(),
            missing.join("\n")
        );
    }
}

#[cfg(test)]
mod money {
    use serde_json::Value as J;

    /// Every property of the document named as an amount.
    fn amounts<'a>(v: &'a J, names: &[String], at: String, out: &mut Vec<(String, &'a J)>) {
        match v {
            J::Object(m) => {
                if let Some(J::Object(props)) = m.get("properties") {
                    for (name, s) in props {
                        if names.contains(name) {
                            out.push((format!("{at}.{name}"), s));
                        }
                    }
                }
                for (k, x) in m {
                    amounts(x, names, format!("{at}/{k}"), out);
                }
            }
            J::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    amounts(x, names, format!("{at}[{i}]"), out);
                }
            }
            _ => {}
        }
    }

    /// Money is one unit and one type throughout the API: every amount —
    /// the registry's money fields wherever they appear and the statistics'
    /// sums, their buckets included — is the one schema (元 as a decimal
    /// string), which the document's description states.
    #[test]
    fn every_amount_is_yuan_as_a_decimal_string() {
        let doc = super::build();
        let mut names: Vec<String> = kean_core::Kind::ALL
            .iter()
            .flat_map(|k| k.fields())
            .filter(|f| f.ty == kean_core::schema::FieldType::Money)
            .map(|f| f.name.to_string())
            .collect();
        for extra in [
            "revenue",
            "prev_revenue",
            "prev_amount",
            "prev_contract_value",
            "amount",
        ] {
            names.push(extra.into());
        }
        let mut found = vec![];
        amounts(&doc, &names, String::new(), &mut found);
        assert!(found.len() > 15, "{}", found.len());
        let dashboard = found.iter().filter(|(at, _)| at.contains("statistics")).count();
        assert!(dashboard >= 10, "{dashboard}");
        for (at, s) in &found {
            assert_eq!(s["description"], super::MONEY, "{at}");
            let t = &s["type"];
            assert!(
                t == "string" || *t == serde_json::json!(["string", "null"]),
                "{at}: {t}"
            );
            assert_eq!(s["pattern"], "^[0-9]+(\\.[0-9]{1,2})?$", "{at}");
        }
        let description = doc["info"]["description"].as_str().unwrap();
        assert!(description.contains(super::MONEY), "{description}");
    }

    /// What the API answers for an amount is what its schema describes and
    /// what a request may send back.
    #[test]
    fn answers_match_the_request_form() {
        for (fen, text) in [
            (0, "0.00"),
            (7, "0.07"),
            (123_450, "1234.50"),
            (33_845_000_000, "338450000.00"),
        ] {
            let answered = kean_core::Fen(fen).yuan_string();
            assert_eq!(answered, text);
            let (int, frac) = answered.split_once('.').unwrap();
            assert!(int.chars().all(|c| c.is_ascii_digit()) && frac.len() == 2);
            assert_eq!(kean_core::Fen::parse_yuan(&answered), Ok(kean_core::Fen(fen)));
        }
    }
}
