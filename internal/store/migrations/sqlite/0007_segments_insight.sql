-- Segments and customer insight (SQLite): segments with their members and
-- the history of who entered and left, the scores of the last insight run
-- per contact, and each contact's moves between lifecycle stages.
-- Twin: ../postgres/0007_segments_insight.sql.

-- +goose Up
CREATE TABLE segments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL DEFAULT 1,
    name         TEXT    NOT NULL,
    description  TEXT    NOT NULL DEFAULT '',
    rule         TEXT    NOT NULL,
    text         TEXT    NOT NULL,
    size         INTEGER NOT NULL DEFAULT 0,
    evaluated_at INTEGER,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE segment_members (
    segment_id INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    entered_at INTEGER NOT NULL,
    PRIMARY KEY (segment_id, contact_id)
) WITHOUT ROWID;
CREATE INDEX segment_members_contact ON segment_members (contact_id);

-- entered is 1 when the contact entered the segment, 0 when it left.
CREATE TABLE segment_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    segment_id INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    entered    INTEGER NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX segment_changes_segment ON segment_changes (segment_id, id);
CREATE INDEX segment_changes_contact ON segment_changes (contact_id);

-- contact_scores are the figures of the last insight run (package insight):
-- RFM scores and cell, value tier, CLV (minor units), P(alive), expected
-- purchases over the horizon, churn risk and lifecycle stage.
CREATE TABLE contact_scores (
    contact_id         INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    rfm_r              INTEGER,
    rfm_f              INTEGER,
    rfm_m              INTEGER,
    rfm_cell           TEXT,
    value_tier         TEXT,
    clv                INTEGER,
    p_alive            REAL,
    expected_purchases REAL,
    churn_risk         TEXT,
    lifecycle          TEXT,
    computed_at        INTEGER NOT NULL
);

CREATE TABLE lifecycle_moves (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    from_stage TEXT    NOT NULL,
    to_stage   TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX lifecycle_moves_contact ON lifecycle_moves (contact_id, id);

-- +goose Down
DROP TABLE lifecycle_moves;
DROP TABLE contact_scores;
DROP TABLE segment_changes;
DROP TABLE segment_members;
DROP TABLE segments;
