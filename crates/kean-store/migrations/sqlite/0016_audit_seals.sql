-- kean schema v16: the audit log that proves itself (issue 12, item 8).
-- The SM2 key pair that signs the chain (GB/T 32918, distinguishing ID
-- 1234567812345678), made at first start (`kean serve` / `kean migrate`):
-- one row. Kept in the database so that every process over it, backups and
-- restores sign with the same key; its public key is exported with
-- `kean audit public-key` and kept outside (see docs/ARCHITECTURE.md).
CREATE TABLE audit_key (
    id BIGINT PRIMARY KEY,
    secret_hex TEXT NOT NULL,
    public_pem TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Signed checkpoints: event `seq` had chain hash `hash` when signed at `at`
-- (written by the transaction whose events reach a multiple of 1000, and
-- by `kean audit checkpoint`). `signature`: hex of the DER SM2 signature.
CREATE TABLE audit_checkpoints (
    seq BIGINT PRIMARY KEY,
    hash TEXT NOT NULL,
    at TEXT NOT NULL,
    signature TEXT NOT NULL
);

-- Archived segments: events first_seq..last_seq were written to a signed
-- segment file (file_name, its SM3 file_sm3) and only then removed from
-- audit_log; the signed anchor stays, and verification continues from it.
CREATE TABLE audit_archives (
    first_seq BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    last_hash TEXT NOT NULL,
    from_at TEXT NOT NULL,
    to_at TEXT NOT NULL,
    signature TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sm3 TEXT NOT NULL,
    archived_at TEXT NOT NULL
);
