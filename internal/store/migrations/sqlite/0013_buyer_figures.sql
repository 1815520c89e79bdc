-- Buyer figures (SQLite): what the insight run needs of a customer's sales
-- that count (paid or fulfilled sales), kept with the contact's figures so
-- that a run reads a row per customer instead of every order: their
-- revenue and profit (contact_metrics' own sums include returns), the days
-- (UTC) with such a sale, and the revenue of the first of those days.
-- Kept by RefreshContactMetrics through insight.Buyer; filled here for the
-- orders already stored. Twin: ../postgres/0013_buyer_figures.sql.

-- +goose Up
ALTER TABLE contact_metrics ADD COLUMN sales_revenue INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_metrics ADD COLUMN sales_profit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_metrics ADD COLUMN purchase_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contact_metrics ADD COLUMN first_day_revenue INTEGER NOT NULL DEFAULT 0;
-- A day is 86,400,000,000 µs; times before 1970 are floored too.
UPDATE contact_metrics SET
    sales_revenue = s.revenue, sales_profit = s.profit, purchase_days = s.days, first_day_revenue = s.first_day
FROM (SELECT o.contact_id, SUM(o.revenue) AS revenue, SUM(o.profit) AS profit,
        COUNT(DISTINCT o.placed_at - ((o.placed_at % 86400000000) + 86400000000) % 86400000000) AS days,
        SUM(CASE WHEN o.placed_at - ((o.placed_at % 86400000000) + 86400000000) % 86400000000
            = mm.first_order_at - ((mm.first_order_at % 86400000000) + 86400000000) % 86400000000
            THEN o.revenue ELSE 0 END) AS first_day
    FROM orders o JOIN contact_metrics mm ON mm.contact_id = o.contact_id
    WHERE o.kind = 'sale' AND o.status IN ('paid', 'fulfilled')
    GROUP BY o.contact_id) AS s
WHERE contact_metrics.contact_id = s.contact_id;

-- +goose Down
ALTER TABLE contact_metrics DROP COLUMN first_day_revenue;
ALTER TABLE contact_metrics DROP COLUMN purchase_days;
ALTER TABLE contact_metrics DROP COLUMN sales_profit;
ALTER TABLE contact_metrics DROP COLUMN sales_revenue;
