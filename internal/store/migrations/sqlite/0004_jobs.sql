-- Durable jobs (package jobs). Times are INTEGER microseconds since the Unix
-- epoch (UTC); JSON documents TEXT. Its twin is ../postgres/0004_jobs.sql.
--
-- lease_owner names the worker that holds, or last held, the lease.
-- key is the idempotency key ('' for none): unique per kind among keyed jobs,
-- whatever their status, so a finished job still holds its key until purged.
-- A job is due when queued and run_at has come, or when running and its
-- lease (lease_expires_at) has passed: its worker died.

-- +goose Up
CREATE TABLE jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             TEXT    NOT NULL,
    key              TEXT    NOT NULL DEFAULT '',
    payload          TEXT    NOT NULL DEFAULT 'null',
    status           TEXT    NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    run_at           INTEGER NOT NULL,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_expires_at INTEGER,
    progress         TEXT,
    result           TEXT,
    last_error       TEXT    NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    finished_at      INTEGER
);
CREATE UNIQUE INDEX jobs_key ON jobs (kind, key) WHERE key <> '';
-- Claims read the queued jobs in run_at order, and the few running ones.
CREATE INDEX jobs_claim ON jobs (status, run_at);
-- A user's own jobs, newest first.
CREATE INDEX jobs_creator ON jobs (created_by, id);
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

-- +goose Down
DROP TABLE jobs;
