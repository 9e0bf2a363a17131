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
    /// The canonical text hashed into the chain: compact JSON with keys in
    /// sorted order (serde_json's map is ordered), including the sequence.
    pub fn canonical(&self, seq: i64) -> String {
        let v = serde_json::json!({
            "seq": seq,
            "at": self.at,
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "record_id": self.record_id,
            "before": self.before,
            "after": self.after,
        });
        v.to_string()
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

/// SM3(prev_hash ‖ canonical), lower-case hex.
pub fn chain_hash(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sm3::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// SM3 of arbitrary bytes, lower-case hex (session and API tokens are
/// stored only as this hash).
pub fn sm3_hex(data: &[u8]) -> String {
    Sm3::digest(data).iter().map(|b| format!("{b:02x}")).collect()
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
}
