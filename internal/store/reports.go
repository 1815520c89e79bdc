package store

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/report"
)

var _ report.Store = (*Store)(nil)

// countedSale is the SQL of commerce.Order.Counted.
const countedSale = "(kind = 'sale' AND status IN ('paid', 'fulfilled'))"

// salesColumns add up orders as package commerce counts them.
const salesColumns = `CAST(COALESCE(SUM(revenue), 0) AS BIGINT), CAST(COALESCE(SUM(profit), 0) AS BIGINT),
	CAST(COALESCE(SUM(CASE WHEN ` + countedSale + ` THEN 1 ELSE 0 END), 0) AS BIGINT)`

// Sales adds up the orders placed in [from, to).
func (s *Store) Sales(ctx context.Context, from, to time.Time) (report.Sales, error) {
	var r report.Sales
	err := s.queryRow(ctx, "SELECT "+salesColumns+" FROM orders WHERE placed_at >= ? AND placed_at < ?",
		s.d.timeArg(from), s.d.timeArg(to)).Scan(&r.Revenue, &r.Profit, &r.Orders)
	return r, mapError(err)
}

// SalesByChannel adds up the orders placed in [from, to) per channel, the
// largest revenue first.
func (s *Store) SalesByChannel(ctx context.Context, from, to time.Time) ([]report.ChannelSales, error) {
	rows, err := s.query(ctx, "SELECT channel, "+salesColumns+` FROM orders WHERE placed_at >= ? AND placed_at < ?
		GROUP BY channel ORDER BY 2 DESC, channel`, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []report.ChannelSales{}
	for rows.Next() {
		var c report.ChannelSales
		if err := rows.Scan(&c.Channel, &c.Revenue, &c.Profit, &c.Orders); err != nil {
			return nil, mapError(err)
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// CustomerSales adds up, per contact who made a sale that counts in [from,
// to), the orders placed then.
func (s *Store) CustomerSales(ctx context.Context, from, to time.Time) ([]report.CustomerSales, error) {
	rows, err := s.query(ctx, "SELECT contact_id, "+salesColumns+` FROM orders
		WHERE contact_id IS NOT NULL AND placed_at >= ? AND placed_at < ?
		GROUP BY contact_id HAVING SUM(CASE WHEN `+countedSale+` THEN 1 ELSE 0 END) > 0`, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []report.CustomerSales
	for rows.Next() {
		var c report.CustomerSales
		if err := rows.Scan(&c.ContactID, &c.Revenue, &c.Profit, &c.Orders); err != nil {
			return nil, mapError(err)
		}
		out = append(out, c)
	}
	return out, mapError(rows.Err())
}

// CustomerCounts counts buying customers around [from, to) and the period
// [previous, from) before it.
func (s *Store) CustomerCounts(ctx context.Context, previous, from, to time.Time) (report.CustomerCounts, error) {
	var c report.CustomerCounts
	p, f, t := s.d.timeArg(previous), s.d.timeArg(from), s.d.timeArg(to)
	err := s.queryRow(ctx, `WITH buyers AS (
			SELECT contact_id,
				MIN(placed_at) AS first_at,
				MAX(CASE WHEN placed_at >= ? THEN 1 ELSE 0 END) AS in_period,
				MAX(CASE WHEN placed_at >= ? AND placed_at < ? THEN 1 ELSE 0 END) AS in_previous
			FROM orders WHERE contact_id IS NOT NULL AND `+countedSale+` AND placed_at < ?
			GROUP BY contact_id)
		SELECT CAST(count(*) AS BIGINT),
			CAST(COALESCE(SUM(in_period), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE WHEN first_at >= ? THEN 1 ELSE 0 END), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE WHEN in_period = 1 AND in_previous = 0 AND first_at < ? THEN 1 ELSE 0 END), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE WHEN in_period = 0 AND in_previous = 1 THEN 1 ELSE 0 END), 0) AS BIGINT)
		FROM buyers`, f, p, f, t, f, p).Scan(&c.Total, &c.Active, &c.New, &c.Reactivated, &c.Lapsed)
	return c, mapError(err)
}

// ContactNames reads the display names of contacts.
func (s *Store) ContactNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.query(ctx, "SELECT id, display_name FROM contacts WHERE id IN ("+placeholders(len(ids))+")", anySlice(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, mapError(err)
		}
		out[id] = name
	}
	return out, mapError(rows.Err())
}
