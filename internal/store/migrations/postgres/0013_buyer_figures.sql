-- Buyer figures (PostgreSQL): what the insight run needs of a customer's
-- sales that count (paid or fulfilled sales), kept with the contact's
-- figures so that a run reads a row per customer instead of every order:
-- their revenue and profit (contact_metrics' own sums include returns), the
-- days (UTC) with such a sale, and the revenue of the first of those days.
-- Kept by RefreshContactMetrics through insight.Buyer; filled here for the
-- orders already stored. Twin: ../sqlite/0013_buyer_figures.sql.

-- +goose Up
ALTER TABLE contact_metrics ADD COLUMN sales_revenue BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_metrics ADD COLUMN sales_profit BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_metrics ADD COLUMN purchase_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contact_metrics ADD COLUMN first_day_revenue BIGINT NOT NULL DEFAULT 0;
UPDATE contact_metrics m SET
    sales_revenue = s.revenue, sales_profit = s.profit, purchase_days = s.days, first_day_revenue = s.first_day
FROM (SELECT o.contact_id, SUM(o.revenue) AS revenue, SUM(o.profit) AS profit,
        COUNT(DISTINCT date_trunc('day', o.placed_at AT TIME ZONE 'UTC')) AS days,
        SUM(CASE WHEN date_trunc('day', o.placed_at AT TIME ZONE 'UTC') = date_trunc('day', mm.first_order_at AT TIME ZONE 'UTC')
            THEN o.revenue ELSE 0 END) AS first_day
    FROM orders o JOIN contact_metrics mm ON mm.contact_id = o.contact_id
    WHERE o.kind = 'sale' AND o.status IN ('paid', 'fulfilled')
    GROUP BY o.contact_id) s
WHERE m.contact_id = s.contact_id;

-- +goose Down
ALTER TABLE contact_metrics DROP COLUMN first_day_revenue;
ALTER TABLE contact_metrics DROP COLUMN purchase_days;
ALTER TABLE contact_metrics DROP COLUMN sales_profit;
ALTER TABLE contact_metrics DROP COLUMN sales_revenue;
