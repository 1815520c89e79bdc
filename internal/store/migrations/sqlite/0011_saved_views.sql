-- Saved views (SQLite): a user's named searches, filters and sorts of a
-- list, kept as the list's query string. Personal: deleted with their user.
-- Twin: ../postgres/0011_saved_views.sql.

-- +goose Up
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    list       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    query      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, list, name)
);

-- +goose Down
DROP TABLE saved_views;
