-- Guanxi core schema (SQLite). Times are INTEGER microseconds since the Unix
-- epoch (UTC); booleans INTEGER 0/1; JSON documents TEXT. Every table and
-- column here has its twin in ../postgres/0001_core.sql; a test compares them.

-- +goose Up
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    version       INTEGER NOT NULL DEFAULT 1,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer')),
    language      TEXT    NOT NULL DEFAULT '',
    disabled      INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_login_at INTEGER
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version    INTEGER NOT NULL DEFAULT 1,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_user ON team_members (user_id, team_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    prefix       TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE sessions (
    secret_hash  TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    version     INTEGER NOT NULL DEFAULT 1,
    name        TEXT    NOT NULL,
    domain      TEXT    NOT NULL DEFAULT '',
    industry    TEXT    NOT NULL DEFAULT '',
    size        TEXT    NOT NULL DEFAULT '',
    street      TEXT    NOT NULL DEFAULT '',
    city        TEXT    NOT NULL DEFAULT '',
    region      TEXT    NOT NULL DEFAULT '',
    postal_code TEXT    NOT NULL DEFAULT '',
    country     TEXT    NOT NULL DEFAULT '',
    owner_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id     INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    custom      TEXT    NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER
);
CREATE INDEX companies_created ON companies (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_name ON companies (name, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_domain ON companies (domain) WHERE deleted_at IS NULL;
CREATE INDEX companies_owner ON companies (owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX companies_deleted ON companies (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE contacts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    version            INTEGER NOT NULL DEFAULT 1,
    display_name       TEXT    NOT NULL,
    family_name        TEXT    NOT NULL DEFAULT '',
    given_name         TEXT    NOT NULL DEFAULT '',
    emails             TEXT    NOT NULL DEFAULT '[]',
    phones             TEXT    NOT NULL DEFAULT '[]',
    street             TEXT    NOT NULL DEFAULT '',
    city               TEXT    NOT NULL DEFAULT '',
    region             TEXT    NOT NULL DEFAULT '',
    postal_code        TEXT    NOT NULL DEFAULT '',
    country            TEXT    NOT NULL DEFAULT '',
    birthday           TEXT    NOT NULL DEFAULT '',
    anniversaries      TEXT    NOT NULL DEFAULT '[]',
    gender             TEXT    NOT NULL DEFAULT '',
    preferred_language TEXT    NOT NULL DEFAULT '',
    lifecycle_stage    TEXT    NOT NULL DEFAULT 'lead',
    owner_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id            INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    consent            TEXT    NOT NULL DEFAULT '{}',
    custom             TEXT    NOT NULL DEFAULT '{}',
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    deleted_at         INTEGER,
    merged_into_id     INTEGER REFERENCES contacts (id) ON DELETE SET NULL
);
-- Lists run on live contacts in a sort order, often under one filter; the
-- default order is newest first (by id), so filter indexes end in id and a
-- keyset page reads one of them in order.
CREATE INDEX contacts_created ON contacts (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_updated ON contacts (updated_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_name ON contacts (display_name, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_city ON contacts (city, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_owner ON contacts (owner_id, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_stage ON contacts (lifecycle_stage, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_deleted ON contacts (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_merged ON contacts (merged_into_id) WHERE merged_into_id IS NOT NULL;

-- contact_keys indexes each contact's normalised emails and E.164 phones
-- (kind 'email' / 'phone'), for duplicate checks and exact filters.
CREATE TABLE contact_keys (
    kind       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, value, contact_id)
) WITHOUT ROWID;
CREATE INDEX contact_keys_contact ON contact_keys (contact_id);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL UNIQUE,
    color      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX contact_tags_tag ON contact_tags (tag_id, contact_id);

CREATE TABLE company_tags (
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX company_tags_tag ON company_tags (tag_id, company_id);

CREATE TABLE positions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    version       INTEGER NOT NULL DEFAULT 1,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    company_id    INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    title         TEXT    NOT NULL DEFAULT '',
    department    TEXT    NOT NULL DEFAULT '',
    buying_role   TEXT    NOT NULL DEFAULT '',
    influence     INTEGER NOT NULL DEFAULT 0 CHECK (influence BETWEEN 0 AND 5),
    reports_to_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    status        TEXT    NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'past')),
    started_on    TEXT    NOT NULL DEFAULT '',
    ended_on      TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX positions_contact ON positions (contact_id, status);
CREATE INDEX positions_company ON positions (company_id, status, contact_id);
CREATE INDEX positions_reports_to ON positions (reports_to_id) WHERE reports_to_id IS NOT NULL;

CREATE TABLE custom_fields (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    version     INTEGER NOT NULL DEFAULT 1,
    record_type TEXT    NOT NULL CHECK (record_type IN ('contact', 'company')),
    key         TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    labels      TEXT    NOT NULL DEFAULT '{}',
    type        TEXT    NOT NULL,
    options     TEXT    NOT NULL DEFAULT '[]',
    required    INTEGER NOT NULL DEFAULT 0,
    currency    TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (record_type, key)
);

-- The audit log keeps no foreign keys: it outlives what it describes.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    INTEGER,
    actor_name  TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    record_type TEXT    NOT NULL,
    record_id   INTEGER NOT NULL,
    changes     TEXT    NOT NULL DEFAULT '[]',
    request_id  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_record ON audit_log (record_type, record_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

-- Responses of POST requests sent with an Idempotency-Key, replayed on retry.
-- status 0 marks a request still running.
CREATE TABLE idempotency_keys (
    user_id     INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL DEFAULT 0,
    headers     TEXT    NOT NULL DEFAULT '{}',
    body        BLOB,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Search indexes: the tokens of package textsearch, taken verbatim by the
-- ascii tokenizer (textsearch has already normalised and split them), and the
-- normalised text that multi-character Chinese queries are checked against.
-- detail=none: lookups need no positions, which keeps the index small.
CREATE VIRTUAL TABLE contact_search USING fts5(tokens, text UNINDEXED, tokenize = 'ascii', detail = 'none');
CREATE VIRTUAL TABLE company_search USING fts5(tokens, text UNINDEXED, tokenize = 'ascii', detail = 'none');

-- +goose Down
DROP TABLE company_search;
DROP TABLE contact_search;
DROP TABLE idempotency_keys;
DROP TABLE audit_log;
DROP TABLE custom_fields;
DROP TABLE positions;
DROP TABLE company_tags;
DROP TABLE contact_tags;
DROP TABLE tags;
DROP TABLE contact_keys;
DROP TABLE contacts;
DROP TABLE companies;
DROP TABLE sessions;
DROP TABLE api_tokens;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE users;
DROP TABLE settings;
