-- Leads and the shared lead pool 公海 (SQLite): lead pools with their rules,
-- the public web forms that feed them, leads with their source, UTM
-- parameters, score and the records a conversion made, and the claims reps
-- hold on pooled leads and contacts with the history of records returned to
-- a pool. Twin: ../postgres/0008_leads.sql.

-- +goose Up
-- lead_pools: a pool per team (team_id) and one default pool (team_id NULL,
-- made here; the service never makes a second). claim_cap 0 is no cap,
-- recycle_days 0 never recycles, protection_days 0 lets a rep claim a
-- record again at once. A team's pool goes with the team.
CREATE TABLE lead_pools (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    version          INTEGER NOT NULL DEFAULT 1,
    name             TEXT    NOT NULL,
    team_id          INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    claim_cap        INTEGER NOT NULL DEFAULT 0,
    recycle_days     INTEGER NOT NULL DEFAULT 0,
    protection_days  INTEGER NOT NULL DEFAULT 0,
    collision_policy TEXT    NOT NULL DEFAULT 'refuse' CHECK (collision_policy IN ('refuse', 'approve')),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE UNIQUE INDEX lead_pools_team ON lead_pools (team_id);
INSERT INTO lead_pools (name, created_at, updated_at)
VALUES ('Default', CAST(strftime('%s', 'now') AS INTEGER) * 1000000, CAST(strftime('%s', 'now') AS INTEGER) * 1000000);

-- lead_forms: the public forms at /forms/{slug}. fields is the JSON list of
-- the fields shown ([{"field":"email","required":true,"label":""}]).
CREATE TABLE lead_forms (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    version        INTEGER NOT NULL DEFAULT 1,
    slug           TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',
    intro          TEXT    NOT NULL DEFAULT '',
    fields         TEXT    NOT NULL DEFAULT '[]',
    default_source TEXT    NOT NULL DEFAULT '',
    pool_id        INTEGER REFERENCES lead_pools (id) ON DELETE SET NULL,
    thank_you      TEXT    NOT NULL DEFAULT '',
    redirect_url   TEXT    NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- leads: email is stored lower-case and phone in E.164 ('' when unknown).
-- pool_id NULL is the pool of the lead's team, or the default pool.
-- score_reasons is the JSON list of the rules that made the score;
-- contact_id, company_id and deal_id are what a conversion made.
CREATE TABLE leads (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    version           INTEGER NOT NULL DEFAULT 1,
    name              TEXT    NOT NULL,
    company_name      TEXT    NOT NULL DEFAULT '',
    title             TEXT    NOT NULL DEFAULT '',
    email             TEXT    NOT NULL DEFAULT '',
    phone             TEXT    NOT NULL DEFAULT '',
    company_size      TEXT    NOT NULL DEFAULT '',
    source            TEXT    NOT NULL DEFAULT '',
    utm_source        TEXT    NOT NULL DEFAULT '',
    utm_medium        TEXT    NOT NULL DEFAULT '',
    utm_campaign      TEXT    NOT NULL DEFAULT '',
    utm_term          TEXT    NOT NULL DEFAULT '',
    utm_content       TEXT    NOT NULL DEFAULT '',
    notes             TEXT    NOT NULL DEFAULT '',
    custom            TEXT    NOT NULL DEFAULT '{}',
    status            TEXT    NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'qualified', 'disqualified', 'converted')),
    disqualify_reason TEXT    NOT NULL DEFAULT '',
    owner_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id           INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    pool_id           INTEGER REFERENCES lead_pools (id) ON DELETE SET NULL,
    form_id           INTEGER REFERENCES lead_forms (id) ON DELETE SET NULL,
    score             INTEGER NOT NULL DEFAULT 0,
    score_reasons     TEXT    NOT NULL DEFAULT '[]',
    scored_at         INTEGER,
    contact_id        INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    company_id        INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    deal_id           INTEGER REFERENCES deals (id) ON DELETE SET NULL,
    qualified_at      INTEGER,
    disqualified_at   INTEGER,
    converted_at      INTEGER,
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- Lists are newest first, alone or by status, owner or source; a pool lists
-- its leads without an owner.
CREATE INDEX leads_created ON leads (created_at, id);
CREATE INDEX leads_status ON leads (status, created_at, id);
CREATE INDEX leads_owner ON leads (owner_id, created_at, id);
CREATE INDEX leads_source ON leads (source, created_at, id);
CREATE INDEX leads_team ON leads (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX leads_pool ON leads (pool_id, created_at, id) WHERE owner_id IS NULL;
CREATE INDEX leads_email ON leads (email) WHERE email <> '';
CREATE INDEX leads_phone ON leads (phone) WHERE phone <> '';
CREATE INDEX leads_form ON leads (form_id) WHERE form_id IS NOT NULL;

-- lead_pool_claims: a rep's hold on a pooled lead or contact (record_type
-- 'lead' or 'contact'), active or pending a manager's approval (a claim
-- that collided with another rep's customer). followed_up_at is the last
-- follow-up activity; a claim without one for the pool's recycle_days
-- since max(claimed_at, followed_up_at) goes back to the pool.
CREATE TABLE lead_pool_claims (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    record_type    TEXT    NOT NULL CHECK (record_type IN ('lead', 'contact')),
    record_id      INTEGER NOT NULL,
    pool_id        INTEGER NOT NULL REFERENCES lead_pools (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status         TEXT    NOT NULL CHECK (status IN ('active', 'pending')),
    claimed_at     INTEGER NOT NULL,
    followed_up_at INTEGER,
    collisions     TEXT    NOT NULL DEFAULT '[]',
    decided_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_at     INTEGER,
    UNIQUE (record_type, record_id)
);
CREATE INDEX lead_pool_claims_user ON lead_pool_claims (user_id, pool_id);
CREATE INDEX lead_pool_claims_pool ON lead_pool_claims (pool_id, status);

-- lead_pool_returns: each time a record went back to a pool, from whom and
-- why ('released', 'recycled'): a rep may not claim it again for the
-- pool's protection_days.
CREATE TABLE lead_pool_returns (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    record_type TEXT    NOT NULL CHECK (record_type IN ('lead', 'contact')),
    record_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason      TEXT    NOT NULL CHECK (reason IN ('released', 'recycled')),
    returned_at INTEGER NOT NULL
);
CREATE INDEX lead_pool_returns_record ON lead_pool_returns (record_type, record_id, user_id, returned_at);

-- +goose Down
DROP TABLE lead_pool_returns;
DROP TABLE lead_pool_claims;
DROP TABLE leads;
DROP TABLE lead_forms;
DROP TABLE lead_pools;
