-- Quotes (SQLite): offers made from a deal's lines, numbered, with their
-- validity and terms. lines is a JSON copy of the deal's lines when the
-- quote was made. Twin: ../postgres/0010_quotes.sql.

-- +goose Up
CREATE TABLE quotes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    version     INTEGER NOT NULL DEFAULT 1,
    number      TEXT    NOT NULL UNIQUE,
    deal_id     INTEGER NOT NULL REFERENCES deals (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL CHECK (status IN ('draft', 'sent', 'accepted', 'rejected')),
    currency    TEXT    NOT NULL,
    lines       TEXT    NOT NULL DEFAULT '[]',
    total       INTEGER NOT NULL,
    valid_until TEXT    NOT NULL,
    terms       TEXT    NOT NULL DEFAULT '',
    notes       TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    decided_at  INTEGER
);
CREATE INDEX quotes_deal ON quotes (deal_id, id);

-- +goose Down
DROP TABLE quotes;
