package store

import (
	"context"
	"time"

	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/touchpoint"
)

// RefreshContactMetrics recomputes the derived figures of contacts from
// their events, orders and carts. The rules of what an order counts for
// live in package commerce, which stores them as each order's revenue and
// profit; this only adds them up.
func (s *Store) RefreshContactMetrics(ctx context.Context, contactIDs []int64) error {
	if len(contactIDs) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		// Figures are sums over rows other transactions write too: each
		// waits for those changing the same contacts, and then reads what
		// they committed.
		if err := s.d.lockContacts(ctx, s.writer(ctx), contactIDs); err != nil {
			return mapError(err)
		}
		for start := 0; start < len(contactIDs); start += 500 {
			if err := s.refreshMetrics(ctx, contactIDs[start:min(len(contactIDs), start+500)]); err != nil {
				return err
			}
		}
		return nil
	})
}

type metricsRow struct {
	firstSeen, lastSeen *time.Time
	revenue, profit     int64 // of every order, returns included
	openCarts           int64
	sales               insight.Buyer // the sales that count
}

func earliest(a *time.Time, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.Before(*a)) {
		return b
	}
	return a
}

func latest(a *time.Time, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.After(*a)) {
		return b
	}
	return a
}

func (s *Store) refreshMetrics(ctx context.Context, ids []int64) error {
	in := placeholders(len(ids))
	m := make(map[int64]*metricsRow, len(ids))
	for _, id := range ids {
		m[id] = &metricsRow{}
	}
	scan := func(query string, each func(r *metricsRow, a, b *time.Time, n [4]int64)) error {
		rows, err := s.query(ctx, query, anySlice(ids)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var a, b *time.Time
			var n [4]int64
			if err := rows.Scan(&id, nullTimeCol{&a}, nullTimeCol{&b}, &n[0], &n[1], &n[2], &n[3]); err != nil {
				return mapError(err)
			}
			if r := m[id]; r != nil {
				each(r, a, b, n)
			}
		}
		return mapError(rows.Err())
	}
	err := scan(`SELECT contact_id, MIN(occurred_at), MAX(occurred_at), 0, 0, 0, 0 FROM events
		WHERE contact_id IN (`+in+`) GROUP BY contact_id`, func(r *metricsRow, a, b *time.Time, _ [4]int64) {
		r.firstSeen, r.lastSeen = earliest(r.firstSeen, a), latest(r.lastSeen, b)
	})
	if err != nil {
		return err
	}
	// Orders are seen too.
	err = scan(`SELECT contact_id, MIN(placed_at), MAX(placed_at), 0,
			CAST(COALESCE(SUM(revenue), 0) AS BIGINT), CAST(COALESCE(SUM(profit), 0) AS BIGINT), 0
		FROM orders WHERE contact_id IN (`+in+`) GROUP BY contact_id`, func(r *metricsRow, a, b *time.Time, n [4]int64) {
		r.firstSeen, r.lastSeen = earliest(r.firstSeen, a), latest(r.lastSeen, b)
		r.revenue, r.profit = n[1], n[2]
	})
	if err != nil {
		return err
	}
	// The sales that count, one by one in the order they were placed: the
	// first and last order, and the buyer's figures (insight.Buyer).
	if err := s.eachSale(ctx, `WHERE contact_id IN (`+in+`) AND `+countedSale, anySlice(ids), func(id int64, at time.Time, revenue, profit int64) {
		if r := m[id]; r != nil {
			r.sales.Add(at, revenue, profit)
		}
	}); err != nil {
		return err
	}
	err = scan(`SELECT contact_id, NULL, NULL, 0, 0, 0, CAST(COALESCE(SUM(value), 0) AS BIGINT) FROM carts
		WHERE contact_id IN (`+in+`) AND status = 'open' GROUP BY contact_id`,
		func(r *metricsRow, _, _ *time.Time, n [4]int64) { r.openCarts = n[3] })
	if err != nil {
		return err
	}
	if _, err := s.exec(ctx, "DELETE FROM contact_metrics WHERE contact_id IN ("+in+")", anySlice(ids)...); err != nil {
		return err
	}
	values := make([]any, 0, len(ids)*13)
	for _, id := range ids {
		r := m[id]
		if r.firstSeen == nil && r.openCarts == 0 {
			continue // nothing happened to this contact (any more)
		}
		var firstOrder, lastOrder *time.Time
		if b := r.sales; b.Orders > 0 {
			firstOrder, lastOrder = &b.FirstOrder, &b.LastOrder
		}
		values = append(values, id, s.nullTimeArg(r.firstSeen), s.nullTimeArg(r.lastSeen), s.nullTimeArg(firstOrder),
			s.nullTimeArg(lastOrder), r.sales.Orders, r.revenue, r.profit, r.openCarts,
			r.sales.Revenue, r.sales.Profit, r.sales.PurchaseDays, r.sales.FirstDayRevenue)
	}
	return s.insertRows(ctx, `INSERT INTO contact_metrics (contact_id, first_seen_at, last_seen_at, first_order_at,
		last_order_at, order_count, revenue, profit, open_cart_value, sales_revenue, sales_profit, purchase_days,
		first_day_revenue) VALUES`, 13, values)
}

// eachSale calls fn with the orders a condition (where, with args) selects,
// by contact and then time.
func (s *Store) eachSale(ctx context.Context, where string, args []any, fn func(contactID int64, at time.Time, revenue, profit int64)) error {
	rows, err := s.query(ctx, "SELECT contact_id, placed_at, revenue, profit FROM orders "+where+" ORDER BY contact_id, placed_at, id", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, revenue, profit int64
		var at time.Time
		if err := rows.Scan(&id, timeCol{&at}, &revenue, &profit); err != nil {
			return mapError(err)
		}
		fn(id, at, revenue, profit)
	}
	return mapError(rows.Err())
}

// NoteSeen widens contacts' first and last seen to the spans of events just
// stored, without adding up all their events again. Each row's update is
// atomic and only ever widens, so transactions doing it at once agree.
func (s *Store) NoteSeen(ctx context.Context, spans []touchpoint.SeenSpan) error {
	if len(spans) == 0 {
		return nil
	}
	values := make([]any, 0, len(spans)*3)
	for _, sp := range spans {
		values = append(values, sp.ContactID, s.d.timeArg(sp.First), s.d.timeArg(sp.Last))
	}
	const width = 3
	per := rowsPerInsert(width)
	for start := 0; start < len(values); start += per * width {
		end := min(len(values), start+per*width)
		_, err := s.exec(ctx, `INSERT INTO contact_metrics (contact_id, first_seen_at, last_seen_at) VALUES `+rowsOf((end-start)/width, width)+`
			ON CONFLICT (contact_id) DO UPDATE SET
				first_seen_at = CASE WHEN contact_metrics.first_seen_at IS NULL OR excluded.first_seen_at < contact_metrics.first_seen_at
					THEN excluded.first_seen_at ELSE contact_metrics.first_seen_at END,
				last_seen_at = CASE WHEN contact_metrics.last_seen_at IS NULL OR excluded.last_seen_at > contact_metrics.last_seen_at
					THEN excluded.last_seen_at ELSE contact_metrics.last_seen_at END`, values[start:end]...)
		if err != nil {
			return err
		}
	}
	return nil
}
