-- Activities (SQLite): tasks, calls, meetings and notes on a contact,
-- company, deal or lead; the colleagues their bodies mention; and the
-- notifications of users (reminders, mentions, assignments). Times are
-- INTEGER microseconds since the Unix epoch (UTC). Twin:
-- ../postgres/0009_activities.sql.

-- +goose Up

-- record_type and record_id name the record an activity is about. Beside
-- them, the one of contact_id, company_id and deal_id that matches holds the
-- same id with a foreign key, so that deleting a deal, or erasing a contact
-- or company, takes its activities with it. Leads are another package's
-- table, added later: a lead's activities have record_id alone.
-- completed_at is set while a task, call or meeting is done; notes have no
-- due, reminder, assignee or completion.
CREATE TABLE activities (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL DEFAULT 1,
    type         TEXT    NOT NULL CHECK (type IN ('task', 'call', 'meeting', 'note')),
    record_type  TEXT    NOT NULL CHECK (record_type IN ('contact', 'company', 'deal', 'lead')),
    record_id    INTEGER NOT NULL,
    contact_id   INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    company_id   INTEGER REFERENCES companies (id) ON DELETE CASCADE,
    deal_id      INTEGER REFERENCES deals (id) ON DELETE CASCADE,
    subject      TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    due_at       INTEGER,
    remind_at    INTEGER,
    assignee_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    owner_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id      INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    outcome      TEXT    NOT NULL DEFAULT '',
    completed_at INTEGER,
    completed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
-- A record's activities, newest first.
CREATE INDEX activities_record ON activities (record_type, record_id, created_at, id);
-- A user's open tasks by due time (my tasks, overdue).
CREATE INDEX activities_open ON activities (assignee_id, due_at, id) WHERE completed_at IS NULL AND type <> 'note';
-- The cascades of deleted records, and a deal's next step.
CREATE INDEX activities_contact ON activities (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX activities_company ON activities (company_id) WHERE company_id IS NOT NULL;
CREATE INDEX activities_deal ON activities (deal_id, due_at) WHERE deal_id IS NOT NULL;

-- The colleagues an activity's body mentioned and who were notified.
CREATE TABLE activity_mentions (
    activity_id INTEGER NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, user_id)
);
CREATE INDEX activity_mentions_user ON activity_mentions (user_id);

-- notifications: text and body are written in the user's language when the
-- notification is made. key ('' for none) makes one per user: a reminder
-- whose job runs twice notifies once. emailed_at is set once its email is
-- sent.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT '',
    record_type TEXT    NOT NULL DEFAULT '',
    record_id   INTEGER,
    activity_id INTEGER REFERENCES activities (id) ON DELETE CASCADE,
    key         TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    read_at     INTEGER,
    emailed_at  INTEGER
);
CREATE UNIQUE INDEX notifications_key ON notifications (user_id, key) WHERE key <> '';
-- A user's notifications newest first, and their unread ones.
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE read_at IS NULL;
CREATE INDEX notifications_activity ON notifications (activity_id) WHERE activity_id IS NOT NULL;

-- +goose Down
DROP TABLE notifications;
DROP TABLE activity_mentions;
DROP TABLE activities;
