//! The audit record: who did what, when, to which record, with the record
//! before and after. Records are written append-only with a gap-free
//! sequence number, and each carries the SM3 hash of its canonical form
//! chained to the previous record's hash, so that any later edit or
//! deletion of a stored record is detectable by re-walking the chain.

use serde::Serialize;
use sm3::{Digest, Sm3};

/// The hash that precedes the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What is being recorded, before it gets its place in the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditDraft {
    pub at: String,
    pub actor_id: i64,
    pub actor: String,
    /// e.g. `create`, `update`, `archive`, `restore`, `login`, `login_failed`.
    pub action: String,
    /// e.g. `organizations`, `users`, `session`.
    pub target: String,
    pub record_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A record in the chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    #[serde(flatten)]
    pub draft: AuditDraft,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditDraft {
    /// The canonical text hashed into the chain: compact JSON with the
    /// keys of every object in byte order of their UTF-8 text, including
    /// the sequence number. The form is written out here ([`canonical_json`])
    /// rather than left to `serde_json::Value`'s `Display`, whose key order
    /// follows the map type a feature flag anywhere in the build selects
    /// (`preserve_order`); a change there must not break every stored chain.
    pub fn canonical(&self, seq: i64) -> String {
        let json = |v: &Option<serde_json::Value>, out: &mut String| match v {
            Some(v) => canonical_json(v, out),
            None => out.push_str("null"),
        };
        canonical_record(self, seq, |out| json(&self.before, out), |out| json(&self.after, out))
    }

    /// Places the draft after `prev_hash` as number `seq`.
    pub fn seal(self, seq: i64, prev_hash: &str) -> AuditEntry {
        let hash = chain_hash(prev_hash, &self.canonical(seq));
        AuditEntry {
            seq,
            draft: self,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

/// The actions that record a refusal: a read of a classified record
/// refused, a failed login, a window of failed logins. Every other action
/// records something done (the audit search's outcome filter).
pub const REFUSED_ACTIONS: [&str; 3] = ["read_refused", "login_failed", "login_failures"];

/// What an audited act came to: done, or refused ([`REFUSED_ACTIONS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Refused,
}

impl Outcome {
    pub const ALL: [Outcome; 2] = [Outcome::Success, Outcome::Refused];
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Refused => "refused",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == s.trim())
    }
    /// The outcome an action records.
    pub fn of(action: &str) -> Outcome {
        if REFUSED_ACTIONS.contains(&action) {
            Outcome::Refused
        } else {
            Outcome::Success
        }
    }
}

/// The audit log's own target: the auditor's acts on it (searches, exports,
/// verifications) and its archiving are recorded against it.
pub const AUDIT_LOG_TARGET: &str = "audit-log";

/// Every name a target may be stored under: itself and the old names that
/// [`RENAMED`] maps to it (a search by target finds records written before a
/// rename).
pub fn stored_names(current: &str) -> Vec<&str> {
    std::iter::once(current)
        .chain(RENAMED.iter().filter(|(_, new)| *new == current).map(|(old, _)| *old))
        .collect()
}

/// Names that stored audit records carry and that were renamed later
/// (migration 0013), old → current: the kind slugs `contracts` and
/// `researchers`, the target `screening-hits`. Stored records are never
/// rewritten — the chain hashes them as they were written — so whatever reads
/// them maps these ([`current_name`], [`AuditEntry::in_current_names`]);
/// `kean audit verify` reads the stored form.
pub const RENAMED: [(&str, &str); 3] = [
    ("contracts", "tech-contracts"),
    ("researchers", "persons"),
    ("screening-hits", "screening-results"),
];

/// The current spelling of a name an audit record may carry (a target, a
/// kind slug): itself unless it was renamed ([`RENAMED`]).
pub fn current_name(name: &str) -> &str {
    RENAMED
        .iter()
        .find(|(old, _)| *old == name)
        .map_or(name, |(_, new)| new)
}

impl AuditEntry {
    /// The record as today's names say it, for reading (pages, API, CLI): an
    /// old target is mapped to its current name, and a screening result's
    /// old `subject` (`contracts/5`) is its `party` (`tech-contracts/5`).
    /// The chain is verified over the stored form, never this one.
    pub fn in_current_names(mut self) -> AuditEntry {
        self.draft.target = current_name(&self.draft.target).to_string();
        if self.draft.target == "screening-results" {
            for v in [&mut self.draft.before, &mut self.draft.after].into_iter().flatten() {
                if let serde_json::Value::Object(map) = v
                    && let Some(serde_json::Value::String(s)) = map.remove("subject")
                {
                    let party = match s.split_once('/') {
                        Some((slug, id)) => format!("{}/{id}", current_name(slug)),
                        None => s,
                    };
                    map.insert("party".into(), party.into());
                }
            }
        }
        self
    }
}

/// Appends the canonical form of `v`: no whitespace, object keys sorted by
/// their UTF-8 bytes (whatever order the map holds them in), strings
/// escaped as JSON requires (`"`, `\\`, control characters; everything else
/// as itself), numbers as serde_json writes them (integers in decimal, floats
/// in their shortest round-trip form).
pub fn canonical_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                canonical_json(item, out);
            }
            out.push('}');
        }
    }
}

/// A JSON string literal: `"` and `\\` escaped, the control characters as
/// `\b \f \n \r \t` or `\u00XX` (lower-case hex), all else unchanged.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The canonical text of a record ([`AuditDraft::canonical`]): its fields
/// in key order, `before` and `after` written by the callers.
fn canonical_record(
    d: &AuditDraft,
    seq: i64,
    before: impl FnOnce(&mut String),
    after: impl FnOnce(&mut String),
) -> String {
    let mut out = String::with_capacity(320);
    out.push_str("{\"action\":");
    push_json_string(&mut out, &d.action);
    out.push_str(",\"actor\":");
    push_json_string(&mut out, &d.actor);
    out.push_str(",\"actor_id\":");
    out.push_str(&d.actor_id.to_string());
    out.push_str(",\"after\":");
    after(&mut out);
    out.push_str(",\"at\":");
    push_json_string(&mut out, &d.at);
    out.push_str(",\"before\":");
    before(&mut out);
    out.push_str(",\"record_id\":");
    match d.record_id {
        Some(id) => out.push_str(&id.to_string()),
        None => out.push_str("null"),
    }
    out.push_str(",\"seq\":");
    out.push_str(&seq.to_string());
    out.push_str(",\"target\":");
    push_json_string(&mut out, &d.target);
    out.push('}');
    out
}

/// SM3(prev_hash ‖ canonical), lower-case hex.
pub fn chain_hash(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sm3::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical.as_bytes());
    hex(&h.finalize())
}

/// Lower-case hex of bytes.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// SM3 of arbitrary bytes, lower-case hex (session and API tokens are
/// stored only as this hash).
pub fn sm3_hex(data: &[u8]) -> String {
    hex(&Sm3::digest(data))
}

/// An audit record as the database holds it: `before` and `after` as their
/// stored JSON text. Verification reads these: most stored texts are
/// already canonical (serde_json writes object keys in byte order, and
/// escapes strings as the canonical form does), so the record's canonical
/// text is spliced from them without parsing them into values
/// ([`StoredRecord::hashes_to`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub seq: i64,
    pub draft: AuditDraft,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredRecord {
    /// Whether the record, placed after `prev`, hashes to its stored hash.
    /// First the canonical text spliced from the stored JSON texts, if each
    /// is one valid JSON value: if that hashes to the stored hash, it *is*
    /// the text the chain hashed (SM3 being collision-resistant), and since
    /// a JSON value cannot end early and still be followed by the form's
    /// fixed `,"key":` text, each stored JSON text is exactly its part of it.
    /// Otherwise the texts are parsed and written canonically, as
    /// [`AuditDraft::canonical`] does.
    pub fn hashes_to(&self, prev: &str) -> bool {
        let valid = |t: &Option<String>| {
            t.as_deref()
                .is_none_or(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok())
        };
        if valid(&self.before_json) && valid(&self.after_json) {
            let text = |t: &Option<String>, out: &mut String| out.push_str(t.as_deref().unwrap_or("null"));
            let spliced = canonical_record(
                &self.draft,
                self.seq,
                |out| text(&self.before_json, out),
                |out| text(&self.after_json, out),
            );
            if chain_hash(prev, &spliced) == self.hash {
                return true;
            }
        }
        match self.parsed() {
            Some(d) => chain_hash(prev, &d.canonical(self.seq)) == self.hash,
            None => false,
        }
    }

    /// The draft with `before` and `after` parsed; `None` if a stored text
    /// is not JSON.
    pub fn parsed(&self) -> Option<AuditDraft> {
        let parse = |t: &Option<String>| -> Option<Option<serde_json::Value>> {
            match t {
                None => Some(None),
                Some(t) => serde_json::from_str(t).ok().map(Some),
            }
        };
        let mut d = self.draft.clone();
        d.before = parse(&self.before_json)?;
        d.after = parse(&self.after_json)?;
        Some(d)
    }
}

/// Checks a run of entries in sequence order, starting after `prev_hash`.
/// Returns the sequence number of the first entry that does not verify.
pub fn verify_chain<'a>(prev_hash: &str, entries: impl IntoIterator<Item = &'a AuditEntry>) -> Result<String, i64> {
    let mut prev = prev_hash.to_string();
    let mut expected_seq = None;
    for e in entries {
        if let Some(s) = expected_seq
            && e.seq != s
        {
            return Err(s);
        }
        if e.prev_hash != prev || chain_hash(&prev, &e.draft.canonical(e.seq)) != e.hash {
            return Err(e.seq);
        }
        prev = e.hash.clone();
        expected_seq = Some(e.seq + 1);
    }
    Ok(prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(n: i64) -> AuditDraft {
        AuditDraft {
            at: "2026-11-29T00:00:00.000Z".into(),
            actor_id: 1,
            actor: "admin".into(),
            action: "update".into(),
            target: "organizations".into(),
            record_id: Some(n),
            before: Some(serde_json::json!({"name": "甲"})),
            after: Some(serde_json::json!({"name": "乙"})),
        }
    }

    /// Records written before migration 0013 read with today's names; the
    /// stored form, which the chain hashes, is untouched.
    #[test]
    fn old_names_read_as_current_ones() {
        assert_eq!(current_name("contracts"), "tech-contracts");
        assert_eq!(current_name("researchers"), "persons");
        assert_eq!(current_name("screening-hits"), "screening-results");
        assert_eq!(current_name("organizations"), "organizations");
        let mut d = draft(1);
        d.target = "screening-hits".into();
        d.action = "dismiss".into();
        d.before = Some(serde_json::json!({"subject": "contracts/5", "field": "buyer_name", "status": "open"}));
        d.after = Some(serde_json::json!({"subject": "contracts/5", "field": "buyer_name", "status": "dismissed"}));
        let stored = d.seal(1, GENESIS_HASH);
        let read = stored.clone().in_current_names();
        assert_eq!(read.draft.target, "screening-results");
        assert_eq!(
            read.draft.after,
            Some(serde_json::json!({"party": "tech-contracts/5", "field": "buyer_name", "status": "dismissed"}))
        );
        assert_eq!(read.hash, stored.hash);
        assert_eq!(verify_chain(GENESIS_HASH, [&stored]), Ok(stored.hash.clone()));
        let mut other = draft(2);
        other.target = "researchers".into();
        let read = other.seal(1, GENESIS_HASH).in_current_names();
        assert_eq!(read.draft.target, "persons");
        assert_eq!(read.draft.after, Some(serde_json::json!({"name": "乙"})));
    }

    #[test]
    fn sm3_known_answer() {
        // GB/T 32905-2016 example 1: SM3("abc").
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn chain_detects_tampering() {
        let a = draft(1).seal(1, GENESIS_HASH);
        let b = draft(2).seal(2, &a.hash);
        let c = draft(3).seal(3, &b.hash);
        assert_eq!(verify_chain(GENESIS_HASH, [&a, &b, &c]), Ok(c.hash.clone()));
        let mut forged = b.clone();
        forged.draft.after = Some(serde_json::json!({"name": "丙"}));
        assert_eq!(verify_chain(GENESIS_HASH, [&a, &forged, &c]), Err(2));
        assert_eq!(verify_chain(GENESIS_HASH, [&a, &c]), Err(2));
    }

    /// The pinned test vector: the canonical text and chain hash of one
    /// record, as every stored chain since the first release was written.
    /// If this fails, verification of existing audit logs would fail too.
    #[test]
    fn canonical_form_is_pinned() {
        let d = AuditDraft {
            at: "2026-12-02T08:00:00.000Z".into(),
            actor_id: 7,
            actor: "system:import".into(),
            action: "update".into(),
            target: "persons".into(),
            record_id: Some(42),
            before: Some(serde_json::json!({
                "z": 1, "name": "王敏 \"甲\"\n", "a": [3, null, true, {"y": -2, "b": 1.5}],
                "amount_fen": 123456789012i64, "ctl": "\u{1}\t"
            })),
            after: None,
        };
        let c = d.canonical(9);
        assert_eq!(
            c,
            r#"{"action":"update","actor":"system:import","actor_id":7,"after":null,"at":"2026-12-02T08:00:00.000Z","before":{"a":[3,null,true,{"b":1.5,"y":-2}],"amount_fen":123456789012,"ctl":"\u0001\t","name":"王敏 \"甲\"\n","z":1},"record_id":42,"seq":9,"target":"persons"}"#
        );
        assert_eq!(
            chain_hash(GENESIS_HASH, &c),
            "cac950756c7a198529a7eb2b05926cceb82e4a37d3cc7b7698e8b1fa2a31cc46"
        );
    }

    /// The canonical form does not depend on the order a map holds its
    /// keys in, nor on serde_json's own writer.
    #[test]
    fn canonical_json_sorts_and_escapes_like_json() {
        let mut m = serde_json::Map::new();
        for k in ["名", "b", "a", "B", "aa", ""] {
            m.insert(k.to_string(), serde_json::Value::from(k.len() as i64));
        }
        let mut out = String::new();
        canonical_json(&serde_json::Value::Object(m), &mut out);
        assert_eq!(out, r#"{"":0,"B":1,"a":1,"aa":2,"b":1,"名":3}"#);
        for s in ["plain", "引号\"与\\反斜杠", "\u{0}\u{1f}\u{7f}\u{2028}", "é\r\n"] {
            let mut out = String::new();
            push_json_string(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }
}
