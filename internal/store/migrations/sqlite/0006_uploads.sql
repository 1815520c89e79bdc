-- Files uploaded for work done later, such as an import: the job that reads
-- one names it, so that any server (and a restarted one) finds the file.
-- Twin: ../postgres/0006_uploads.sql.

-- +goose Up
CREATE TABLE uploads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL DEFAULT '',
    size       INTEGER NOT NULL,
    content    BLOB    NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX uploads_created ON uploads (created_at);

-- +goose Down
DROP TABLE uploads;
