-- Touchpoints and commerce (SQLite): events and the identities that name
-- their customers, products, orders with their lines and refunds, carts,
-- subscriptions, and the figures derived per contact. Amounts are INTEGER
-- minor units of the currency beside them. Twin: ../postgres/0003_touchpoints_commerce.sql.

-- +goose Up
-- contact_identities ties the ids other systems use to contacts: kind
-- 'external' (source = the system) or 'anonymous' (a browser cookie, source
-- ''). An anonymous identity has no contact until an identify event joins it
-- to one.
CREATE TABLE contact_identities (
    kind       TEXT    NOT NULL,
    source     TEXT    NOT NULL DEFAULT '',
    value      TEXT    NOT NULL,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    joined_at  INTEGER,
    PRIMARY KEY (kind, source, value)
);
CREATE INDEX contact_identities_contact ON contact_identities (contact_id);

CREATE TABLE events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id      INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    anonymous_id    TEXT    NOT NULL DEFAULT '',
    type            TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    occurred_at     INTEGER NOT NULL,
    received_at     INTEGER NOT NULL,
    client_event_id TEXT,
    source          TEXT    NOT NULL DEFAULT '',
    properties      TEXT    NOT NULL DEFAULT '{}',
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL
);
-- A client event id is stored once: retries of a batch are safe.
CREATE UNIQUE INDEX events_client_id ON events (client_event_id) WHERE client_event_id IS NOT NULL;
CREATE INDEX events_contact ON events (contact_id, occurred_at, id) WHERE contact_id IS NOT NULL;
CREATE INDEX events_anonymous ON events (anonymous_id, occurred_at, id) WHERE anonymous_id <> '';
CREATE INDEX events_type ON events (type, occurred_at);

CREATE TABLE products (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    version    INTEGER NOT NULL DEFAULT 1,
    sku        TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    category   TEXT    NOT NULL DEFAULT '',
    price      INTEGER NOT NULL DEFAULT 0,
    cost       INTEGER,
    currency   TEXT    NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX products_name ON products (name, id);
CREATE INDEX products_category ON products (category, id);

-- orders are sales and returns (kind 'return': goods taken back, counted
-- against revenue). Totals are derived from the lines when the order is
-- written, so that reports add columns instead of lines; revenue and profit
-- are what the order counts for (package commerce, Order.derive).
CREATE TABLE orders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    version         INTEGER NOT NULL DEFAULT 1,
    number          TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL DEFAULT 'sale',
    contact_id      INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    channel         TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    currency        TEXT    NOT NULL,
    placed_at       INTEGER NOT NULL,
    subtotal        INTEGER NOT NULL,
    discount        INTEGER NOT NULL,
    total           INTEGER NOT NULL,
    cost            INTEGER NOT NULL,
    refunded        INTEGER NOT NULL DEFAULT 0,
    revenue         INTEGER NOT NULL,
    profit          INTEGER NOT NULL,
    subscription_id INTEGER,
    source          TEXT    NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX orders_contact ON orders (contact_id, placed_at, id) WHERE contact_id IS NOT NULL;
CREATE INDEX orders_placed ON orders (placed_at, id);
CREATE INDEX orders_subscription ON orders (subscription_id) WHERE subscription_id IS NOT NULL;

CREATE TABLE order_lines (
    order_id   INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no    INTEGER NOT NULL,
    product_id INTEGER REFERENCES products (id) ON DELETE SET NULL,
    sku        TEXT    NOT NULL DEFAULT '',
    name       TEXT    NOT NULL,
    quantity   INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    discount   INTEGER NOT NULL DEFAULT 0,
    unit_cost  INTEGER,
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_product ON order_lines (product_id) WHERE product_id IS NOT NULL;

CREATE TABLE refunds (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount      INTEGER NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    refunded_at INTEGER NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX refunds_order ON refunds (order_id);

CREATE TABLE carts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    version          INTEGER NOT NULL DEFAULT 1,
    contact_id       INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    anonymous_id     TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL,
    currency         TEXT    NOT NULL,
    lines            TEXT    NOT NULL DEFAULT '[]',
    value            INTEGER NOT NULL,
    order_id         INTEGER REFERENCES orders (id) ON DELETE SET NULL,
    last_activity_at INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX carts_contact ON carts (contact_id, status) WHERE contact_id IS NOT NULL;
CREATE INDEX carts_open ON carts (last_activity_at) WHERE status = 'open';

CREATE TABLE subscriptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    version      INTEGER NOT NULL DEFAULT 1,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    plan         TEXT    NOT NULL,
    price        INTEGER NOT NULL,
    currency     TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    renews_at    INTEGER,
    cancelled_at INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX subscriptions_contact ON subscriptions (contact_id);
CREATE INDEX subscriptions_renews ON subscriptions (renews_at) WHERE status = 'active';

-- contact_metrics are a contact's figures, recomputed from its events,
-- orders and carts in the transaction that changes them.
CREATE TABLE contact_metrics (
    contact_id      INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    first_seen_at   INTEGER,
    last_seen_at    INTEGER,
    first_order_at  INTEGER,
    last_order_at   INTEGER,
    order_count     INTEGER NOT NULL DEFAULT 0,
    revenue         INTEGER NOT NULL DEFAULT 0,
    profit          INTEGER NOT NULL DEFAULT 0,
    open_cart_value INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE contact_metrics;
DROP TABLE subscriptions;
DROP TABLE carts;
DROP TABLE refunds;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE products;
DROP TABLE events;
DROP TABLE contact_identities;
