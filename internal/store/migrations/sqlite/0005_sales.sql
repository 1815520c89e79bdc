-- Sales (SQLite): pipelines of ordered stages, deals with their contacts and
-- lines, and every move of a deal between stages. Amounts are INTEGER minor
-- units of the database's currency; dates (expected_close_on,
-- next_step_due_on) are TEXT YYYY-MM-DD, '' when unknown. Twin:
-- ../postgres/0005_sales.sql.

-- +goose Up
CREATE TABLE pipelines (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version    INTEGER NOT NULL DEFAULT 1,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Positions number a pipeline's stages from 1, the won and lost stages last;
-- they are not unique, so that a reorder can rewrite them one by one.
CREATE TABLE pipeline_stages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    position    INTEGER NOT NULL,
    probability INTEGER NOT NULL CHECK (probability BETWEEN 0 AND 100),
    kind        TEXT    NOT NULL CHECK (kind IN ('open', 'won', 'lost'))
);
CREATE INDEX pipeline_stages_pipeline ON pipeline_stages (pipeline_id, position);
-- Exactly one won and one lost stage per pipeline (the service checks that
-- there is one; this that there are no two).
CREATE UNIQUE INDEX pipeline_stages_closed ON pipeline_stages (pipeline_id, kind) WHERE kind <> 'open';

-- deals: status is the kind of the stage the deal is in; closed_at is set
-- while it is won or lost. A pipeline or stage with deals cannot be deleted
-- (no ON DELETE): the service says so first.
CREATE TABLE deals (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    version           INTEGER NOT NULL DEFAULT 1,
    name              TEXT    NOT NULL,
    pipeline_id       INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id          INTEGER NOT NULL REFERENCES pipeline_stages (id),
    status            TEXT    NOT NULL CHECK (status IN ('open', 'won', 'lost')),
    amount            INTEGER NOT NULL DEFAULT 0,
    currency          TEXT    NOT NULL,
    expected_close_on TEXT    NOT NULL DEFAULT '',
    owner_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id           INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    company_id        INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    next_step         TEXT    NOT NULL DEFAULT '',
    next_step_due_on  TEXT    NOT NULL DEFAULT '',
    lost_reason       TEXT    NOT NULL DEFAULT '',
    stage_entered_at  INTEGER NOT NULL,
    closed_at         INTEGER,
    created_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
-- Lists are newest first, alone or by owner or stage (the kanban board).
CREATE INDEX deals_created ON deals (created_at, id);
CREATE INDEX deals_owner ON deals (owner_id, created_at, id);
CREATE INDEX deals_stage ON deals (stage_id, created_at, id);
CREATE INDEX deals_pipeline ON deals (pipeline_id, status);
CREATE INDEX deals_team ON deals (team_id) WHERE team_id IS NOT NULL;
CREATE INDEX deals_company ON deals (company_id) WHERE company_id IS NOT NULL;
CREATE INDEX deals_closing ON deals (expected_close_on) WHERE status = 'open';

CREATE TABLE deal_contacts (
    deal_id    INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    role       TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (deal_id, contact_id)
);
CREATE INDEX deal_contacts_contact ON deal_contacts (contact_id);

CREATE TABLE deal_lines (
    deal_id    INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    sku        TEXT    NOT NULL DEFAULT '',
    name       TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    discount   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (deal_id, line_no)
);

-- deal_stage_changes is every move of a deal, its creation included (from
-- NULL): stage durations and conversion come from here. Statuses are kept
-- beside the stages so that a reopened deal (won or lost → open) reads
-- without the stages, and a deleted stage leaves its moves as NULL.
CREATE TABLE deal_stage_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    deal_id       INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    from_stage_id INTEGER REFERENCES pipeline_stages (id) ON DELETE SET NULL,
    to_stage_id   INTEGER REFERENCES pipeline_stages (id) ON DELETE SET NULL,
    from_status   TEXT    NOT NULL DEFAULT '',
    to_status     TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    actor_id      INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX deal_stage_changes_deal ON deal_stage_changes (deal_id, id);
CREATE INDEX deal_stage_changes_to ON deal_stage_changes (to_stage_id);
CREATE INDEX deal_stage_changes_from ON deal_stage_changes (from_stage_id);

-- +goose Down
DROP TABLE deal_stage_changes;
DROP TABLE deal_lines;
DROP TABLE deal_contacts;
DROP TABLE deals;
DROP TABLE pipeline_stages;
DROP TABLE pipelines;
