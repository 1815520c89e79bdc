-- Report indexes (SQLite). The overview adds up the orders of two periods
-- and counts customers by their first sale: orders_placed carries every
-- column the overview reads, so that a period is one range of the index
-- and no order row is fetched; contact_metrics_first_order counts the
-- customers who first bought before a time, or in a period.
-- Twin: ../postgres/0012_report_indexes.sql.

-- +goose Up
DROP INDEX orders_placed;
CREATE INDEX orders_placed ON orders (placed_at, id, kind, status, contact_id, channel, revenue, profit);
CREATE INDEX contact_metrics_first_order ON contact_metrics (first_order_at) WHERE first_order_at IS NOT NULL;

-- +goose Down
DROP INDEX contact_metrics_first_order;
DROP INDEX orders_placed;
CREATE INDEX orders_placed ON orders (placed_at, id);
