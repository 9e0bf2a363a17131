//! The audit log that proves itself: SM2 signatures (GB/T 32918, with the
//! distinguishing ID of GB/T 35276) over the SM3 chain of [`crate::audit`].
//!
//! * A **checkpoint** signs one event's sequence number and chain hash
//!   (every [`CHECKPOINT_EVERY`] events, and on demand). Whoever rewrites
//!   events and re-hashes the chain after them cannot sign the new hashes
//!   without the private key, so the walk stops at the first checkpoint
//!   whose event no longer has the signed hash.
//! * A **segment** is a run of events written out in canonical form, with
//!   the hash before its first event and an SM2 signature over its range and
//!   last hash ([`write_segment`]): a third party verifies it with the public
//!   key alone ([`verify_segment`]). Archived events leave the database as
//!   segments; what stays is the segment's signed anchor ([`ArchiveAnchor`]),
//!   and the walk continues from its last hash.
//! * [`ChainWalk`] is the one verification of a stored log: anchors, then the
//!   events in pages, then what checkpoints remain. Pure: no I/O, no clock.

use sm2::dsa::signature::{Signer, Verifier};
use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};

use rayon::prelude::*;

use crate::audit::{AuditEntry, GENESIS_HASH, StoredRecord, chain_hash, sm3_hex};

/// A record of the chain as the walk sees it.
pub trait Chained {
    fn seq(&self) -> i64;
    fn prev_hash(&self) -> &str;
    fn hash(&self) -> &str;
    /// Whether its canonical text, after `prev`, hashes to [`Chained::hash`].
    fn hashes_to(&self, prev: &str) -> bool;
}

impl Chained for AuditEntry {
    fn seq(&self) -> i64 {
        self.seq
    }
    fn prev_hash(&self) -> &str {
        &self.prev_hash
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn hashes_to(&self, prev: &str) -> bool {
        chain_hash(prev, &self.draft.canonical(self.seq)) == self.hash
    }
}

impl Chained for StoredRecord {
    fn seq(&self) -> i64 {
        self.seq
    }
    fn prev_hash(&self) -> &str {
        &self.prev_hash
    }
    fn hash(&self) -> &str {
        &self.hash
    }
    fn hashes_to(&self, prev: &str) -> bool {
        StoredRecord::hashes_to(self, prev)
    }
}

/// The distinguishing ID of GB/T 35276 (the default of OpenSSL 3 and of
/// most SM2 implementations).
pub const DIST_ID: &str = "1234567812345678";

/// A checkpoint is written by the transaction whose events reach (or pass)
/// a multiple of this.
pub const CHECKPOINT_EVERY: i64 = 1000;

/// The format tag of a segment file's first line.
pub const SEGMENT_FORMAT: &str = "kean-audit-segment/1";

/// Why a key or signature could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealError(pub String);

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SealError {}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lower- or upper-case hex to bytes; `None` if it is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}

/// The private key that signs checkpoints and segments.
pub struct SealKey {
    key: SigningKey,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

impl SealKey {
    /// The key whose secret scalar is these 32 bytes (big-endian); fails for
    /// zero or a value not below the curve's order (the caller draws again).
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<SealKey, SealError> {
        SigningKey::from_slice(DIST_ID, bytes)
            .map(|key| SealKey { key })
            .map_err(|_| SealError("not a valid SM2 private key".into()))
    }

    /// As stored: 64 hex digits.
    pub fn from_secret_hex(s: &str) -> Result<SealKey, SealError> {
        let bytes = unhex(s.trim()).ok_or_else(|| SealError("the SM2 private key is not hex".into()))?;
        SealKey::from_secret_bytes(&bytes)
    }

    pub fn secret_hex(&self) -> String {
        hex(&self.key.to_bytes())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key().clone(),
        }
    }

    /// The SM2 signature of `msg` (SM3 over Z‖msg, Z from [`DIST_ID`]), as
    /// hex of its DER encoding — the form OpenSSL reads.
    pub fn sign(&self, msg: &[u8]) -> String {
        let sig: Signature = self.key.sign(msg);
        hex(sig.to_der().as_bytes())
    }

    pub fn checkpoint(&self, seq: i64, hash: &str, at: &str) -> Checkpoint {
        Checkpoint {
            seq,
            hash: hash.to_string(),
            at: at.to_string(),
            signature: self.sign(checkpoint_message(seq, hash, at).as_bytes()),
        }
    }
}

/// The public key that verifies checkpoints and segments.
#[derive(Debug, Clone)]
pub struct PublicKey {
    key: VerifyingKey,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &PublicKey) -> bool {
        self.key.to_sec1_bytes() == other.key.to_sec1_bytes()
    }
}

impl Eq for PublicKey {}

impl PublicKey {
    /// From PEM (SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----`), as
    /// [`PublicKey::to_pem`] and OpenSSL write it.
    pub fn from_pem(pem: &str) -> Result<PublicKey, SealError> {
        let pk = sm2::PublicKey::from_public_key_pem(pem.trim())
            .map_err(|e| SealError(format!("not an SM2 public key in PEM: {e}")))?;
        VerifyingKey::new(DIST_ID, pk)
            .map(|key| PublicKey { key })
            .map_err(|_| SealError("not a usable SM2 public key".into()))
    }

    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_else(|e| format!("(cannot encode the public key: {e})"))
    }

    /// SM3 of the uncompressed point: a short name for the key.
    pub fn fingerprint(&self) -> String {
        sm3_hex(&self.key.to_sec1_bytes())
    }

    /// Whether `sig_hex` (hex of a DER signature) is this key's signature of `msg`.
    pub fn verify(&self, msg: &[u8], sig_hex: &str) -> bool {
        unhex(sig_hex)
            .and_then(|der| Signature::from_der(&der).ok())
            .is_some_and(|sig| self.key.verify(msg, &sig).is_ok())
    }

    pub fn verify_checkpoint(&self, cp: &Checkpoint) -> bool {
        self.verify(checkpoint_message(cp.seq, &cp.hash, &cp.at).as_bytes(), &cp.signature)
    }

    pub fn verify_anchor(&self, a: &ArchiveAnchor) -> bool {
        self.verify(a.message().as_bytes(), &a.signature)
    }
}

/// The text a checkpoint signs.
pub fn checkpoint_message(seq: i64, hash: &str, at: &str) -> String {
    format!("kean-audit-checkpoint/1\nseq={seq}\nhash={hash}\nat={at}\n")
}

/// A signed statement: event `seq` has chain hash `hash` (signed at `at`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// Hex of the DER-encoded SM2 signature of [`checkpoint_message`].
    pub signature: String,
}

/// What a segment's signature covers (and, for archived segments, what the
/// database keeps of them): events `first_seq..=last_seq`, chained from
/// `prev_hash` to `last_hash`, the events' times `from..to` as asked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArchiveAnchor {
    pub first_seq: i64,
    pub last_seq: i64,
    pub prev_hash: String,
    pub last_hash: String,
    pub from: String,
    pub to: String,
    pub signature: String,
}

impl ArchiveAnchor {
    pub fn message(&self) -> String {
        segment_message(
            self.first_seq,
            self.last_seq,
            &self.prev_hash,
            &self.last_hash,
            &self.from,
            &self.to,
        )
    }
}

/// The text a segment's signature covers.
pub fn segment_message(
    first_seq: i64,
    last_seq: i64,
    prev_hash: &str,
    last_hash: &str,
    from: &str,
    to: &str,
) -> String {
    format!(
        "{SEGMENT_FORMAT}\nfirst_seq={first_seq}\nlast_seq={last_seq}\nprev_hash={prev_hash}\nlast_hash={last_hash}\nfrom={from}\nto={to}\n"
    )
}

/// Writes a segment: a header line (format, range, the hash before the
/// first event, the signer's key fingerprint), one line per event in its
/// canonical form (the exact text its chain hash covers), and a trailer
/// line with the last hash and the signature. `entries` must be one
/// unbroken run; returns the text and its anchor.
pub fn write_segment(
    key: &SealKey,
    entries: &[AuditEntry],
    from: &str,
    to: &str,
) -> Result<(String, ArchiveAnchor), SealError> {
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Err(SealError("no audit events in the range".into()));
    };
    let mut body = String::new();
    let mut prev = first.prev_hash.clone();
    for (i, e) in entries.iter().enumerate() {
        let line = e.draft.canonical(e.seq);
        let h = chain_hash(&prev, &line);
        if e.seq != first.seq + i as i64 || h != e.hash {
            return Err(SealError(format!(
                "event {} does not verify: the segment would not either",
                e.seq
            )));
        }
        body.push_str(&line);
        body.push('\n');
        prev = h;
    }
    let mut anchor = ArchiveAnchor {
        first_seq: first.seq,
        last_seq: last.seq,
        prev_hash: first.prev_hash.clone(),
        last_hash: last.hash.clone(),
        from: from.to_string(),
        to: to.to_string(),
        signature: String::new(),
    };
    anchor.signature = key.sign(anchor.message().as_bytes());
    let header = serde_json::json!({
        "format": SEGMENT_FORMAT,
        "first_seq": anchor.first_seq,
        "last_seq": anchor.last_seq,
        "prev_hash": anchor.prev_hash,
        "from": anchor.from,
        "to": anchor.to,
        "key_sm3": key.public_key().fingerprint(),
    });
    let trailer = serde_json::json!({"last_hash": anchor.last_hash, "signature": anchor.signature});
    Ok((format!("{header}\n{body}{trailer}\n"), anchor))
}

/// What a verified segment holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentReport {
    pub anchor: ArchiveAnchor,
    pub events: i64,
}

/// Verifies a segment with the public key alone: the header, every event's
/// place and hash in the chain from the header's `prev_hash`, and the
/// signature over the range and last hash. Names the first event that
/// does not verify.
pub fn verify_segment(text: &str, key: &PublicKey) -> Result<SegmentReport, String> {
    let mut lines: Vec<&str> = text.lines().collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines.len() < 2 {
        return Err("not a kean audit segment: too short".into());
    }
    let parse = |l: &str, what: &str| -> Result<serde_json::Value, String> {
        serde_json::from_str(l).map_err(|e| format!("the segment's {what} is not JSON: {e}"))
    };
    let header = parse(lines[0], "header")?;
    let trailer = parse(lines[lines.len() - 1], "last line")?;
    if header["format"] != SEGMENT_FORMAT {
        return Err(format!("not a kean audit segment (format is not {SEGMENT_FORMAT})"));
    }
    let int = |v: &serde_json::Value, k: &str| v[k].as_i64().ok_or_else(|| format!("the segment lacks {k}"));
    let text_of = |v: &serde_json::Value, k: &str| {
        v[k].as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("the segment lacks {k}"))
    };
    let anchor = ArchiveAnchor {
        first_seq: int(&header, "first_seq")?,
        last_seq: int(&header, "last_seq")?,
        prev_hash: text_of(&header, "prev_hash")?,
        last_hash: text_of(&trailer, "last_hash")?,
        from: text_of(&header, "from")?,
        to: text_of(&header, "to")?,
        signature: text_of(&trailer, "signature")?,
    };
    let mut prev = anchor.prev_hash.clone();
    let mut expected = anchor.first_seq;
    for line in &lines[1..lines.len() - 1] {
        let seq = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v["seq"].as_i64());
        match seq {
            Some(s) if s == expected => {}
            Some(s) => {
                return Err(format!(
                    "event {expected} is missing from the segment (found event {s} in its place: events removed, inserted or reordered)"
                ));
            }
            None => return Err(format!("event {expected}: not an audit event in canonical form")),
        }
        prev = chain_hash(&prev, line);
        expected += 1;
    }
    if expected != anchor.last_seq + 1 {
        return Err(format!(
            "the segment names events {}..{} but holds events up to {}: events removed",
            anchor.first_seq,
            anchor.last_seq,
            expected - 1
        ));
    }
    if prev != anchor.last_hash {
        return Err(format!(
            "the events' chain ends at hash {prev}, the segment signs {}: an event was changed",
            anchor.last_hash
        ));
    }
    if !key.verify_anchor(&anchor) {
        return Err("the segment's SM2 signature does not verify with this public key (forged or changed)".into());
    }
    Ok(SegmentReport {
        events: anchor.last_seq - anchor.first_seq + 1,
        anchor,
    })
}

/// Why a stored log does not verify; the first fault in sequence order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Event `seq` is not where it belongs: `found` is in its place (or
    /// nothing, `None`) — events removed, inserted or reordered.
    Gap { seq: i64, found: Option<i64> },
    /// Event `seq` does not name the previous event's hash.
    PrevMismatch { seq: i64 },
    /// Event `seq`'s content does not hash to its stored hash: changed.
    HashMismatch { seq: i64 },
    /// The checkpoint at `seq` does not verify with the key: forged or changed.
    ForgedCheckpoint { seq: i64 },
    /// The checkpoint at `seq` signs another hash than the event has: the
    /// events up to `seq` were rewritten and re-hashed.
    CheckpointMismatch { seq: i64 },
    /// A checkpoint names event `seq`, past the log's end `last`: events
    /// were removed from the end.
    CheckpointBeyondEnd { seq: i64, last: i64 },
    /// An archive anchor does not verify (`why`), covering `first..=last`.
    Archive { first: i64, last: i64, why: String },
}

impl Break {
    /// The event the fault is first seen at.
    pub fn seq(&self) -> i64 {
        match self {
            Break::Gap { seq, .. }
            | Break::PrevMismatch { seq }
            | Break::HashMismatch { seq }
            | Break::ForgedCheckpoint { seq }
            | Break::CheckpointMismatch { seq }
            | Break::CheckpointBeyondEnd { seq, .. } => *seq,
            Break::Archive { first, .. } => *first,
        }
    }
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Gap { seq, found: Some(s) } => write!(
                f,
                "audit chain broken at record {seq}: gap, record {s} stands in its place (records removed, inserted or reordered)"
            ),
            Break::Gap { seq, found: None } => {
                write!(f, "audit chain broken at record {seq}: gap, the record is missing")
            }
            Break::PrevMismatch { seq } => write!(
                f,
                "audit chain broken at record {seq}: it does not follow the record before (prev hash mismatch)"
            ),
            Break::HashMismatch { seq } => {
                write!(
                    f,
                    "audit chain broken at record {seq}: hash mismatch (its content was changed)"
                )
            }
            Break::ForgedCheckpoint { seq } => write!(
                f,
                "audit chain broken at record {seq}: forged or invalid checkpoint signature at record {seq}"
            ),
            Break::CheckpointMismatch { seq } => write!(
                f,
                "audit chain broken at or before record {seq}: the signed checkpoint at record {seq} names another hash (records rewritten and re-hashed)"
            ),
            Break::CheckpointBeyondEnd { seq, last } => write!(
                f,
                "audit log truncated: it ends at record {last}, but a signed checkpoint names record {seq}"
            ),
            Break::Archive { first, last, why } => {
                write!(
                    f,
                    "audit chain broken at record {first}: the archived segment {first}..{last} {why}"
                )
            }
        }
    }
}

/// What a verified log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkEnd {
    /// The last event and its hash (0 and the genesis hash when empty).
    pub last_seq: i64,
    pub last_hash: String,
    /// Events walked (not counting archived ones).
    pub events: i64,
    pub checkpoints: usize,
    pub archived_segments: usize,
    pub archived_events: i64,
}

/// The verification of a stored log, fed its events in pages (so ten
/// million events need not be in memory at once): first the archive
/// anchors ([`ChainWalk::start`]), then every event in sequence order
/// ([`ChainWalk::feed`]), then [`ChainWalk::finish`]. Every checkpoint's
/// signature is verified, and its hash compared with its event's when the
/// walk reaches it.
pub struct ChainWalk {
    /// `None`: a log without seals (a database before they were made),
    /// whose chain alone is walked; it can have no checkpoints or anchors.
    key: Option<PublicKey>,
    /// Checkpoints not yet reached, by sequence number descending (popped).
    pending: Vec<Checkpoint>,
    prev: String,
    next_seq: i64,
    events: i64,
    checkpoints: usize,
    archived_segments: usize,
    archived_events: i64,
}

impl ChainWalk {
    /// Starts after the archive anchors (in order, contiguous from event 1),
    /// with every checkpoint of the log.
    pub fn start(
        key: Option<PublicKey>,
        anchors: &[ArchiveAnchor],
        mut checkpoints: Vec<Checkpoint>,
    ) -> Result<Self, Break> {
        let signed_by = |ok: &dyn Fn(&PublicKey) -> bool| key.as_ref().is_some_and(ok);
        let mut prev = GENESIS_HASH.to_string();
        let mut next_seq = 1;
        let mut archived_events = 0;
        for a in anchors {
            let fault = |why: &str| Break::Archive {
                first: a.first_seq,
                last: a.last_seq,
                why: why.to_string(),
            };
            if a.first_seq != next_seq || a.last_seq < a.first_seq {
                return Err(fault(&format!("does not start at event {next_seq}")));
            }
            if a.prev_hash != prev {
                return Err(fault("does not follow the hash before it"));
            }
            if !signed_by(&|k| k.verify_anchor(a)) {
                return Err(fault("has a forged or invalid SM2 signature"));
            }
            prev = a.last_hash.clone();
            next_seq = a.last_seq + 1;
            archived_events += a.last_seq - a.first_seq + 1;
        }
        checkpoints.sort_by_key(|c| std::cmp::Reverse(c.seq));
        let mut walk = ChainWalk {
            key,
            pending: checkpoints,
            prev,
            next_seq,
            events: 0,
            checkpoints: 0,
            archived_segments: anchors.len(),
            archived_events,
        };
        // Checkpoints of archived events: their signatures, and the hash
        // where an anchor names the same event.
        while let Some(cp) = walk.pending.last().filter(|c| c.seq < next_seq).cloned() {
            walk.pending.pop();
            if !walk.signed(&cp) {
                return Err(Break::ForgedCheckpoint { seq: cp.seq });
            }
            if anchors.iter().any(|a| a.last_seq == cp.seq && a.last_hash != cp.hash) {
                return Err(Break::CheckpointMismatch { seq: cp.seq });
            }
            walk.checkpoints += 1;
        }
        Ok(walk)
    }

    fn signed(&self, cp: &Checkpoint) -> bool {
        self.key.as_ref().is_some_and(|k| k.verify_checkpoint(cp))
    }

    /// The next event expected.
    pub fn next_seq(&self) -> i64 {
        self.next_seq
    }

    /// The hash the next event must follow.
    pub fn prev_hash(&self) -> &str {
        &self.prev
    }

    /// Walks the next events (in sequence order, continuing the last page).
    /// Each record's own hash is checked on all cores (it depends only on
    /// the record and the previous hash it names); then, in order, that each
    /// names the hash before it, so the result is the sequential walk's.
    pub fn feed<R: Chained + Sync>(&mut self, entries: &[R]) -> Result<(), Break> {
        let hashes_ok: Vec<bool> = entries.par_iter().map(|e| e.hashes_to(e.prev_hash())).collect();
        for (e, ok) in entries.iter().zip(hashes_ok) {
            if e.seq() != self.next_seq {
                return Err(Break::Gap {
                    seq: self.next_seq,
                    found: Some(e.seq()),
                });
            }
            if e.prev_hash() != self.prev {
                return Err(Break::PrevMismatch { seq: e.seq() });
            }
            if !ok {
                return Err(Break::HashMismatch { seq: e.seq() });
            }
            e.hash().clone_into(&mut self.prev);
            self.next_seq += 1;
            self.events += 1;
            while let Some(cp) = self.pending.last().filter(|c| c.seq <= e.seq()) {
                if !self.signed(cp) {
                    return Err(Break::ForgedCheckpoint { seq: cp.seq });
                }
                if cp.seq == e.seq() && cp.hash != e.hash() {
                    return Err(Break::CheckpointMismatch { seq: cp.seq });
                }
                self.pending.pop();
                self.checkpoints += 1;
            }
        }
        Ok(())
    }

    /// Ends the walk: a checkpoint not reached names an event past the end.
    pub fn finish(self) -> Result<WalkEnd, Break> {
        let last = self.next_seq - 1;
        if let Some(cp) = self.pending.last() {
            if !self.signed(cp) {
                return Err(Break::ForgedCheckpoint { seq: cp.seq });
            }
            return Err(Break::CheckpointBeyondEnd { seq: cp.seq, last });
        }
        Ok(WalkEnd {
            last_seq: last,
            last_hash: self.prev,
            events: self.events,
            checkpoints: self.checkpoints,
            archived_segments: self.archived_segments,
            archived_events: self.archived_events,
        })
    }
}

/// Verifies a whole log held in memory (tests, small logs).
pub fn verify_log(
    key: &PublicKey,
    anchors: &[ArchiveAnchor],
    entries: &[AuditEntry],
    checkpoints: Vec<Checkpoint>,
) -> Result<WalkEnd, Break> {
    let mut walk = ChainWalk::start(Some(key.clone()), anchors, checkpoints)?;
    walk.feed(entries)?;
    walk.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditDraft;
    use proptest::prelude::*;

    fn key(n: u8) -> SealKey {
        SealKey::from_secret_bytes(&[n; 32]).unwrap()
    }

    fn draft(n: i64) -> AuditDraft {
        AuditDraft {
            at: format!("2026-12-{:02}T08:00:00.000Z", 1 + n % 28),
            actor_id: n % 5,
            actor: format!("user{}", n % 5),
            action: "update".into(),
            target: "organizations".into(),
            record_id: Some(n),
            before: Some(serde_json::json!({"name": format!("甲{n}")})),
            after: (n % 3 != 0).then(|| serde_json::json!({"name": format!("乙{n}"), "z": [n, null]})),
        }
    }

    fn rechain(entries: &mut [AuditEntry], from: usize) {
        let mut prev = if from == 0 {
            GENESIS_HASH.to_string()
        } else {
            entries[from - 1].hash.clone()
        };
        for e in &mut entries[from..] {
            let sealed = e.draft.clone().seal(e.seq, &prev);
            *e = sealed;
            prev = e.hash.clone();
        }
    }

    /// A log of `n` events with a checkpoint every `every` events and one at
    /// the end (as `kean audit checkpoint` leaves it).
    fn log(n: i64, every: i64, k: &SealKey) -> (Vec<AuditEntry>, Vec<Checkpoint>) {
        let mut prev = GENESIS_HASH.to_string();
        let mut entries = Vec::new();
        let mut cps = Vec::new();
        for seq in 1..=n {
            let e = draft(seq).seal(seq, &prev);
            prev = e.hash.clone();
            if seq % every == 0 || seq == n {
                cps.push(k.checkpoint(seq, &e.hash, &e.draft.at));
            }
            entries.push(e);
        }
        (entries, cps)
    }

    #[test]
    fn keys_round_trip_and_sign() {
        let k = key(7);
        let again = SealKey::from_secret_hex(&k.secret_hex()).unwrap();
        assert_eq!(again.public_key(), k.public_key());
        let pem = k.public_key().to_pem();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"), "{pem}");
        let pk = PublicKey::from_pem(&pem).unwrap();
        let sig = k.sign(b"abc");
        assert!(pk.verify(b"abc", &sig));
        assert!(!pk.verify(b"abd", &sig));
        assert!(!key(8).public_key().verify(b"abc", &sig));
        assert!(!pk.verify(b"abc", "zz"));
        assert!(SealKey::from_secret_bytes(&[0; 32]).is_err());
        assert!(SealKey::from_secret_bytes(&[0xff; 32]).is_err(), "above the order");
        assert!(PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----").is_err());
    }

    /// GB/T 32918.2 / GM/T 0003.5 example key (d = 3945…), its public key
    /// as the standard gives it: the curve and encoding are SM2's.
    #[test]
    fn public_key_of_the_standards_example() {
        let k = SealKey::from_secret_hex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8").unwrap();
        let sec1 = k.public_key().key.to_sec1_bytes();
        assert_eq!(
            hex(&sec1),
            "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
        );
    }

    #[test]
    fn a_segment_verifies_with_the_public_key_alone_and_names_what_is_wrong() {
        let k = key(3);
        let (entries, _) = log(20, 1000, &k);
        let (text, anchor) = write_segment(&k, &entries[4..12], "2026-12-01", "2026-12-31").unwrap();
        let report = verify_segment(&text, &k.public_key()).unwrap();
        assert_eq!(
            (report.anchor.first_seq, report.anchor.last_seq, report.events),
            (5, 12, 8)
        );
        assert_eq!(report.anchor, anchor);
        assert!(
            verify_segment(&text, &key(4).public_key())
                .unwrap_err()
                .contains("signature")
        );
        let lines: Vec<&str> = text.lines().collect();
        let changed = text.replacen("user", "mallory", 2);
        assert!(
            verify_segment(&changed, &k.public_key())
                .unwrap_err()
                .contains("changed")
        );
        let mut dropped = lines.clone();
        dropped.remove(3);
        let err = verify_segment(&dropped.join("\n"), &k.public_key()).unwrap_err();
        assert!(err.contains("event 7 is missing"), "{err}");
        let mut swapped = lines.clone();
        swapped.swap(2, 3);
        assert!(verify_segment(&swapped.join("\n"), &k.public_key()).is_err());
        let resigned = text.replace(&anchor.to, "2027-01-31");
        assert!(
            verify_segment(&resigned, &k.public_key())
                .unwrap_err()
                .contains("signature")
        );
        assert!(write_segment(&k, &[], "a", "b").is_err());
        let mut broken = entries[..5].to_vec();
        broken[2].draft.actor = "x".into();
        assert!(write_segment(&k, &broken, "a", "b").is_err());
    }

    #[test]
    fn the_walk_continues_across_archived_segments() {
        let k = key(5);
        let (entries, cps) = log(30, 4, &k);
        let (_, a1) = write_segment(&k, &entries[..10], "f", "t").unwrap();
        let (_, a2) = write_segment(&k, &entries[10..20], "f", "t").unwrap();
        let end = verify_log(&k.public_key(), &[a1.clone(), a2.clone()], &entries[20..], cps.clone()).unwrap();
        assert_eq!(
            (end.last_seq, end.events, end.archived_events, end.checkpoints),
            (30, 10, 20, 8)
        );
        // An anchor missing, out of order, or forged.
        assert!(matches!(
            verify_log(&k.public_key(), std::slice::from_ref(&a2), &entries[20..], cps.clone()),
            Err(Break::Archive { first: 11, .. })
        ));
        assert!(verify_log(&k.public_key(), std::slice::from_ref(&a1), &entries[20..], cps.clone()).is_err());
        let mut forged = a2.clone();
        forged.last_hash = entries[18].hash.clone();
        assert!(verify_log(&k.public_key(), &[a1.clone(), forged], &entries[20..], cps.clone()).is_err());
    }

    fn stored(e: &AuditEntry) -> StoredRecord {
        StoredRecord {
            seq: e.seq,
            draft: AuditDraft {
                before: None,
                after: None,
                ..e.draft.clone()
            },
            before_json: e.draft.before.as_ref().map(|v| v.to_string()),
            after_json: e.draft.after.as_ref().map(|v| v.to_string()),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }

    /// Records read as stored text verify like parsed ones: spliced when
    /// the text is canonical, parsed when it is not (other key order,
    /// spaces), and a changed text or one that is not JSON is named.
    #[test]
    fn stored_records_verify_like_parsed_ones() {
        let k = key(2);
        let (entries, cps) = log(30, 7, &k);
        let rows: Vec<StoredRecord> = entries.iter().map(stored).collect();
        assert_eq!(
            verify_log_stored(&k.public_key(), &rows, cps.clone()).unwrap().last_seq,
            30
        );
        let mut spaced = rows.clone();
        spaced[4].after_json = Some(format!(
            " {} ",
            spaced[4].after_json.clone().unwrap().replace(',', " , ")
        ));
        let reordered = r#"{"z":[5,null],"name":"乙5"}"#;
        spaced[4].after_json = Some(reordered.to_string());
        assert!(spaced[4].hashes_to(&spaced[4].prev_hash), "parsed when not canonical");
        assert_eq!(
            verify_log_stored(&k.public_key(), &spaced, cps.clone())
                .unwrap()
                .last_seq,
            30
        );
        for bad in [
            r#"{"name":"乙5","z":[5,null,1]}"#,
            r#"{"name":"乙5","z":[5,null]"#,
            "null",
        ] {
            let mut changed = rows.clone();
            changed[4].after_json = Some(bad.to_string());
            assert_eq!(
                verify_log_stored(&k.public_key(), &changed, cps.clone()),
                Err(Break::HashMismatch { seq: 5 }),
                "{bad}"
            );
        }
        // Text shifted between fields so that the spliced text is the same.
        let mut shifted = rows.clone();
        let at = shifted[4].draft.at.clone();
        shifted[4].after_json = Some(format!(r#"{}, "at":"{at}""#, rows[4].after_json.clone().unwrap()));
        assert!(!shifted[4].hashes_to(&shifted[4].prev_hash));
    }

    fn verify_log_stored(key: &PublicKey, rows: &[StoredRecord], cps: Vec<Checkpoint>) -> Result<WalkEnd, Break> {
        let mut walk = ChainWalk::start(Some(key.clone()), &[], cps)?;
        walk.feed(rows)?;
        walk.finish()
    }

    #[derive(Debug, Clone)]
    enum Tamper {
        /// Change event i's actor; re-hash the chain after it or not.
        Edit(usize, bool),
        /// Remove event i; renumber and re-hash those after it, or not.
        Delete(usize, bool),
        /// Insert a made-up event before event i, renumbered and re-hashed or not.
        Insert(usize, bool),
        /// Swap events i and j (i ≠ j), re-hashed or not.
        Swap(usize, usize, bool),
        /// Change checkpoint i's hash, seq or time, keeping its signature.
        AlterCheckpoint(usize, u8),
        /// Replace checkpoint i's signature by another key's or garbage.
        ResignCheckpoint(usize, bool),
        /// Add a checkpoint signed by another key at event i.
        AddForeignCheckpoint(usize),
    }

    fn tamper() -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Tamper::Edit(i, r)),
            (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Tamper::Delete(i, r)),
            (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Tamper::Insert(i, r)),
            (any::<usize>(), any::<usize>(), any::<bool>()).prop_map(|(i, j, r)| Tamper::Swap(i, j, r)),
            (any::<usize>(), 0u8..3).prop_map(|(i, w)| Tamper::AlterCheckpoint(i, w)),
            (any::<usize>(), any::<bool>()).prop_map(|(i, g)| Tamper::ResignCheckpoint(i, g)),
            any::<usize>().prop_map(Tamper::AddForeignCheckpoint),
        ]
    }

    fn renumber(entries: &mut [AuditEntry]) {
        for (i, e) in entries.iter_mut().enumerate() {
            e.seq = i as i64 + 1;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// An untouched log always verifies, to its last event, with every
        /// checkpoint counted.
        #[test]
        fn an_untouched_log_verifies(n in 0i64..80, every in 1i64..12) {
            let k = key(9);
            let (entries, cps) = log(n, every, &k);
            let want = cps.len();
            let end = verify_log(&k.public_key(), &[], &entries, cps).unwrap();
            prop_assert_eq!(end.last_seq, n);
            prop_assert_eq!(end.checkpoints, want);
            prop_assert_eq!(end.last_hash, entries.last().map_or(GENESIS_HASH.to_string(), |e| e.hash.clone()));
        }

        /// Every edit, deletion, insertion and reordering of events — also
        /// with the chain re-hashed after it, as one without the key would —
        /// and every forged or altered checkpoint is detected; a change that
        /// is not re-hashed is named at the event changed.
        #[test]
        fn every_tampering_is_detected(n in 1i64..60, every in 1i64..12, t in tamper()) {
            let k = key(9);
            let (mut entries, mut cps) = log(n, every, &k);
            let len = entries.len();
            let mut named = None;
            match t.clone() {
                Tamper::Edit(i, rehash) => {
                    let i = i % len;
                    entries[i].draft.actor.push('x');
                    if rehash { rechain(&mut entries, i) } else { named = Some(i as i64 + 1) }
                }
                Tamper::Delete(i, rehash) => {
                    let i = i % len;
                    entries.remove(i);
                    if rehash { renumber(&mut entries); rechain(&mut entries, i) }
                    else if i + 1 < len { named = Some(i as i64 + 1) }
                }
                Tamper::Insert(i, rehash) => {
                    // Before an existing event: one appended after the last
                    // checkpoint and re-hashed is what no signature can
                    // catch — the reason for checkpoints on demand and the
                    // anchor kept outside the database.
                    let i = i % len;
                    let mut fake = draft(1000).seal(i as i64 + 1, GENESIS_HASH);
                    fake.draft.actor = "mallory".into();
                    entries.insert(i, fake);
                    if rehash { renumber(&mut entries); rechain(&mut entries, i) }
                }
                Tamper::Swap(i, j, rehash) => {
                    prop_assume!(len > 1);
                    let (i, j) = (i % len, j % len);
                    prop_assume!(i != j);
                    entries.swap(i, j);
                    if rehash { renumber(&mut entries); rechain(&mut entries, i.min(j)) }
                }
                Tamper::AlterCheckpoint(i, what) => {
                    let i = i % cps.len();
                    match what {
                        0 => cps[i].hash = entries[(cps[i].seq as usize) % len].hash.clone(),
                        1 => cps[i].seq += 1,
                        _ => cps[i].at.push('1'),
                    }
                    prop_assume!(what != 0 || cps[i].hash != entries[cps[i].seq as usize - 1].hash);
                }
                Tamper::ResignCheckpoint(i, garbage) => {
                    let i = i % cps.len();
                    cps[i].signature = if garbage {
                        "3006020101020101".into()
                    } else {
                        key(10).checkpoint(cps[i].seq, &cps[i].hash, &cps[i].at).signature
                    };
                }
                Tamper::AddForeignCheckpoint(i) => {
                    let e = &entries[i % len];
                    cps.push(key(10).checkpoint(e.seq, &e.hash, &e.draft.at));
                }
            }
            let result = verify_log(&k.public_key(), &[], &entries, cps);
            prop_assert!(result.is_err(), "{:?} went undetected", t);
            if let (Some(seq), Err(b)) = (named, &result) {
                prop_assert_eq!(b.seq(), seq, "{}", b);
            }
        }
    }
}
