package store

import (
	"context"
	"fmt"
	"time"

	"github.com/guanxi-crm/guanxi/internal/report"
)

var _ report.Store = (*Store)(nil)

// countedSale is the SQL of commerce.Order.Counted.
const countedSale = "(kind = 'sale' AND status IN ('paid', 'fulfilled'))"

// EachPeriodOrder streams the figures of the orders placed in [from, to),
// in no order: the overview adds them up in one pass, where a query per
// figure read the period's orders four times and sorted them twice.
// orders_placed covers it.
func (s *Store) EachPeriodOrder(ctx context.Context, from, to time.Time, fn func(report.PeriodOrder) error) error {
	rows, err := s.query(ctx, `SELECT COALESCE(contact_id, 0), channel, CASE WHEN `+countedSale+` THEN 1 ELSE 0 END, revenue, profit
		FROM orders WHERE placed_at >= ? AND placed_at < ?`, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var o report.PeriodOrder
		var counted int
		if err := rows.Scan(&o.ContactID, &o.Channel, &counted, &o.Revenue, &o.Profit); err != nil {
			return mapError(err)
		}
		o.Counted = counted == 1
		if err := fn(o); err != nil {
			return err
		}
	}
	return mapError(rows.Err())
}

// Sales adds up the orders placed in [from, to).
func (s *Store) Sales(ctx context.Context, from, to time.Time) (report.Sales, error) {
	var r report.Sales
	err := s.queryRow(ctx, `SELECT CAST(COALESCE(SUM(revenue), 0) AS BIGINT), CAST(COALESCE(SUM(profit), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE WHEN `+countedSale+` THEN 1 ELSE 0 END), 0) AS BIGINT)
		FROM orders WHERE placed_at >= ? AND placed_at < ?`, s.d.timeArg(from), s.d.timeArg(to)).Scan(&r.Revenue, &r.Profit, &r.Orders)
	return r, mapError(err)
}

// EachBuyerIn calls fn with the contact of every sale that counts placed in
// [from, to), a contact once per sale: reading them is cheaper than having
// the database sort them out.
func (s *Store) EachBuyerIn(ctx context.Context, from, to time.Time, fn func(contactID int64)) error {
	rows, err := s.query(ctx, `SELECT contact_id FROM orders WHERE placed_at >= ? AND placed_at < ? AND contact_id IS NOT NULL AND `+
		countedSale, s.d.timeArg(from), s.d.timeArg(to))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return mapError(err)
		}
		fn(id)
	}
	return mapError(rows.Err())
}

// FirstSales counts the customers whose first sale that counts (
// contact_metrics' first order) is before to, and those of them whose
// first is in [from, to), through contact_metrics_first_order.
func (s *Store) FirstSales(ctx context.Context, from, to time.Time) (total, first int64, err error) {
	err = s.queryRow(ctx, `SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN first_order_at >= ? THEN 1 ELSE 0 END), 0) AS BIGINT)
		FROM contact_metrics WHERE first_order_at < ?`, s.d.timeArg(from), s.d.timeArg(to)).Scan(&total, &first)
	return total, first, mapError(err)
}

// SalesMark is the latest order and audit entry: together they change
// whenever an order is placed or changes (order updates are audited), and
// whenever a contact does (names, merges, deletions). Each is the end of a
// primary-key index.
func (s *Store) SalesMark(ctx context.Context) (string, error) {
	var audit, orders int64
	err := s.queryRow(ctx, `SELECT COALESCE((SELECT MAX(id) FROM audit_log), 0), COALESCE((SELECT MAX(id) FROM orders), 0)`).Scan(&audit, &orders)
	if err != nil {
		return "", mapError(err)
	}
	return fmt.Sprintf("a%d.o%d", audit, orders), nil
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
