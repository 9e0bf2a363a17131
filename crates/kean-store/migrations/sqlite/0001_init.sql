-- kean schema v1: registry, users, sessions, audit chain.
-- Frozen: later changes go in new numbered migrations.

CREATE TABLE districts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT,
    name TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX districts_code_key ON districts (code);
CREATE UNIQUE INDEX districts_name_key ON districts (name);
CREATE INDEX districts_owner_org_id_idx ON districts (owner_org_id);

CREATE TABLE industry_chains (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT,
    name TEXT,
    description TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX industry_chains_code_key ON industry_chains (code);
CREATE UNIQUE INDEX industry_chains_name_key ON industry_chains (name);
CREATE INDEX industry_chains_owner_org_id_idx ON industry_chains (owner_org_id);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    credit_code TEXT,
    org_type TEXT,
    district_id BIGINT,
    industry_chain_id BIGINT,
    address TEXT,
    legal_representative TEXT,
    contact_phone TEXT,
    high_tech_cert_no TEXT,
    high_tech_issued_on TEXT,
    tech_sme BIGINT,
    established_on TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX organizations_name_key ON organizations (name);
CREATE UNIQUE INDEX organizations_credit_code_key ON organizations (credit_code);
CREATE INDEX organizations_district_id_idx ON organizations (district_id);
CREATE INDEX organizations_industry_chain_id_idx ON organizations (industry_chain_id);
CREATE INDEX organizations_org_type_idx ON organizations (org_type);
CREATE INDEX organizations_owner_org_id_idx ON organizations (owner_org_id);

CREATE TABLE platforms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    platform_type TEXT,
    level TEXT,
    host_org_id BIGINT,
    industry_chain_id BIGINT,
    recognized_on TEXT,
    director TEXT,
    description TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX platforms_name_key ON platforms (name);
CREATE INDEX platforms_host_org_id_idx ON platforms (host_org_id);
CREATE INDEX platforms_industry_chain_id_idx ON platforms (industry_chain_id);
CREATE INDEX platforms_platform_type_idx ON platforms (platform_type);
CREATE INDEX platforms_level_idx ON platforms (level);
CREATE INDEX platforms_owner_org_id_idx ON platforms (owner_org_id);

CREATE TABLE persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT,
    id_type TEXT,
    id_number TEXT,
    nationality TEXT,
    org_id BIGINT,
    title TEXT,
    research_field TEXT,
    foreign_affiliation TEXT,
    foreign_affiliation_country TEXT,
    email TEXT,
    is_commissioner BIGINT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX persons_id_number_key ON persons (id_number);
CREATE INDEX persons_org_id_idx ON persons (org_id);
CREATE INDEX persons_owner_org_id_idx ON persons (owner_org_id);

CREATE TABLE tech_contracts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_no TEXT,
    title TEXT,
    contract_type TEXT,
    seller_org_id BIGINT,
    buyer_name TEXT,
    buyer_country TEXT,
    buyer_region TEXT,
    signed_on TEXT,
    registered_on TEXT,
    contract_value BIGINT,
    tech_value BIGINT,
    tech_field TEXT,
    industry_chain_id BIGINT,
    achievement_id BIGINT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE UNIQUE INDEX tech_contracts_contract_no_key ON tech_contracts (contract_no);
CREATE INDEX tech_contracts_seller_org_id_idx ON tech_contracts (seller_org_id);
CREATE INDEX tech_contracts_signed_on_idx ON tech_contracts (signed_on);
CREATE INDEX tech_contracts_industry_chain_id_idx ON tech_contracts (industry_chain_id);
CREATE INDEX tech_contracts_contract_type_idx ON tech_contracts (contract_type);
CREATE INDEX tech_contracts_owner_org_id_idx ON tech_contracts (owner_org_id);

CREATE TABLE achievements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT,
    achievement_type TEXT,
    holder_org_id BIGINT,
    registration_no TEXT,
    tech_field TEXT,
    industry_chain_id BIGINT,
    completed_on TEXT,
    description TEXT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE INDEX achievements_holder_org_id_idx ON achievements (holder_org_id);
CREATE INDEX achievements_industry_chain_id_idx ON achievements (industry_chain_id);
CREATE INDEX achievements_owner_org_id_idx ON achievements (owner_org_id);

CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    achievement_id BIGINT,
    transfer_mode TEXT,
    counterparty_name TEXT,
    counterparty_country TEXT,
    amount BIGINT,
    transferred_on TEXT,
    contract_id BIGINT,
    owner_org_id BIGINT,
    archived BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    updated_by BIGINT NOT NULL
);
CREATE INDEX transfers_achievement_id_idx ON transfers (achievement_id);
CREATE INDEX transfers_transferred_on_idx ON transfers (transferred_on);
CREATE INDEX transfers_owner_org_id_idx ON transfers (owner_org_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    org_id BIGINT,
    password_hash TEXT NOT NULL,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TEXT,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    record_id BIGINT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_target_idx ON audit_log (target, record_id);

-- The head of the audit chain: one row, locked by every writer so that
-- sequence numbers are gap-free and hashes chain in commit order.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
