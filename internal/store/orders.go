package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

const orderColumns = `id, version, number, kind, contact_id, channel, status, currency, placed_at, subtotal, discount,
	total, cost, refunded, revenue, profit, subscription_id, source, created_by, created_at, updated_at`

const lineColumns = "order_id, line_no, product_id, sku, name, quantity, unit_price, discount, unit_cost"

func scanOrder(row rowScanner) (*commerce.Order, error) {
	var o commerce.Order
	err := row.Scan(&o.ID, &o.Version, &o.Number, &o.Kind, &o.ContactID, &o.Channel, &o.Status, &o.Currency,
		timeCol{&o.PlacedAt}, &o.Subtotal, &o.Discount, &o.Total, &o.Cost, &o.Refunded, &o.Revenue, &o.Profit,
		&o.SubscriptionID, &o.Source, &o.CreatedBy, timeCol{&o.CreatedAt}, timeCol{&o.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	o.Lines, o.Refunds = []commerce.OrderLine{}, []commerce.Refund{}
	return &o, nil
}

// CreateOrders inserts orders with their lines, numbering those without a
// number after their id.
func (s *Store) CreateOrders(ctx context.Context, orders []*commerce.Order) error {
	if len(orders) == 0 {
		return nil
	}
	return s.InTx(ctx, func(ctx context.Context) error {
		ids, err := s.d.allocIDs(ctx, s.writer(ctx), "orders", len(orders))
		if err != nil {
			return mapError(err)
		}
		values := make([]any, 0, len(orders)*21)
		var lines []any
		for i, o := range orders {
			o.ID, o.Version = ids[i], 1
			if o.Number == "" {
				o.Number = fmt.Sprintf("ORD-%06d", o.ID)
			}
			values = append(values, o.ID, o.Version, o.Number, o.Kind, o.ContactID, o.Channel, o.Status, o.Currency,
				s.d.timeArg(o.PlacedAt), o.Subtotal, o.Discount, o.Total, o.Cost, o.Refunded, o.Revenue, o.Profit,
				o.SubscriptionID, o.Source, o.CreatedBy, s.d.timeArg(o.CreatedAt), s.d.timeArg(o.UpdatedAt))
			for _, l := range o.Lines {
				lines = append(lines, o.ID, l.LineNo, l.ProductID, l.SKU, l.Name, l.Quantity, l.UnitPrice, l.Discount, l.UnitCost)
			}
		}
		if err := s.insertRows(ctx, "INSERT INTO orders ("+orderColumns+") VALUES", 21, values); err != nil {
			return err
		}
		return s.insertRows(ctx, "INSERT INTO order_lines ("+lineColumns+") VALUES", 9, lines)
	})
}

// Order reads an order with its lines and refunds.
func (s *Store) Order(ctx context.Context, id int64) (*commerce.Order, error) {
	o, err := scanOrder(s.queryRow(ctx, "SELECT "+orderColumns+" FROM orders WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("order", id)
	} else if err != nil {
		return nil, err
	}
	return o, s.orderDetails(ctx, []*commerce.Order{o})
}

// orderDetails reads the lines and refunds of orders, two queries for all.
func (s *Store) orderDetails(ctx context.Context, orders []*commerce.Order) error {
	if len(orders) == 0 {
		return nil
	}
	byID := make(map[int64]*commerce.Order, len(orders))
	ids := make([]any, len(orders))
	for i, o := range orders {
		byID[o.ID], ids[i] = o, o.ID
	}
	in := placeholders(len(ids))
	rows, err := s.query(ctx, "SELECT "+lineColumns+" FROM order_lines WHERE order_id IN ("+in+") ORDER BY order_id, line_no", ids...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var orderID int64
		var l commerce.OrderLine
		if err := rows.Scan(&orderID, &l.LineNo, &l.ProductID, &l.SKU, &l.Name, &l.Quantity, &l.UnitPrice, &l.Discount, &l.UnitCost); err != nil {
			rows.Close()
			return mapError(err)
		}
		l.Total = l.Quantity*l.UnitPrice - l.Discount
		o := byID[orderID]
		o.Lines = append(o.Lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mapError(err)
	}
	rows, err = s.query(ctx, "SELECT order_id, id, amount, reason, refunded_at, created_by FROM refunds WHERE order_id IN ("+in+") ORDER BY id", ids...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var orderID int64
		var r commerce.Refund
		if err := rows.Scan(&orderID, &r.ID, &r.Amount, &r.Reason, timeCol{&r.RefundedAt}, &r.CreatedBy); err != nil {
			return mapError(err)
		}
		o := byID[orderID]
		o.Refunds = append(o.Refunds, r)
	}
	return mapError(rows.Err())
}

// OrderIDsByNumber finds orders by number.
func (s *Store) OrderIDsByNumber(ctx context.Context, numbers []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(numbers); start += 500 {
		chunk := numbers[start:min(len(numbers), start+500)]
		rows, err := s.query(ctx, "SELECT number, id FROM orders WHERE number IN ("+placeholders(len(chunk))+")", anySlice(chunk)...)
		if err != nil {
			return nil, err
		}
		if err := scanStringIDs(rows, func(k string, id int64) { out[k] = id }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateOrder saves the status, refunds and derived figures of next.
func (s *Store) UpdateOrder(ctx context.Context, old, next *commerce.Order) error {
	return s.InTx(ctx, func(ctx context.Context) error {
		res, err := s.exec(ctx, `UPDATE orders SET version = version + 1, status = ?, refunded = ?, revenue = ?, profit = ?,
			updated_at = ? WHERE id = ? AND version = ?`, next.Status, next.Refunded, next.Revenue, next.Profit,
			s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
		if err := s.checkUpdated(ctx, res, err, "orders", "order", next.ID); err != nil {
			return err
		}
		next.Version = old.Version + 1
		var refunds []any
		for _, r := range next.Refunds {
			if r.ID == 0 {
				refunds = append(refunds, next.ID, r.Amount, r.Reason, s.d.timeArg(r.RefundedAt), r.CreatedBy)
			}
		}
		return s.insertRows(ctx, "INSERT INTO refunds (order_id, amount, reason, refunded_at, created_by) VALUES", 5, refunds)
	})
}

// timeCursor is the position after the last item of a page sorted by a
// time, newest first.
type timeCursor struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

// ListOrders lists orders newest first.
func (s *Store) ListOrders(ctx context.Context, q commerce.OrderQuery) (crm.Page[*commerce.Order], error) {
	var where []string
	var args []any
	if q.ContactID != nil {
		where, args = append(where, "contact_id = ?"), append(args, *q.ContactID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.From != nil {
		where, args = append(where, "placed_at >= ?"), append(args, s.d.timeArg(*q.From))
	}
	if q.To != nil {
		where, args = append(where, "placed_at < ?"), append(args, s.d.timeArg(*q.To))
	}
	page, err := newestFirst(ctx, s, "SELECT "+orderColumns+" FROM orders", "placed_at", where, args, q.Cursor, q.Limit, scanOrder,
		func(o *commerce.Order) timeCursor { return timeCursor{o.PlacedAt, o.ID} })
	if err != nil {
		return page, err
	}
	return page, s.orderDetails(ctx, page.Items)
}

// newestFirst runs a keyset-paged list sorted by a time column, newest
// first, then by id.
func newestFirst[T any](ctx context.Context, s *Store, selectFrom, timeColumn string, where []string, args []any,
	cursor string, limit int, scan func(rowScanner) (T, error), pos func(T) timeCursor) (crm.Page[T], error) {
	page := crm.Page[T]{Items: []T{}}
	if cursor != "" {
		var c timeCursor
		if err := crm.DecodeCursor(cursor, &c); err != nil {
			return page, err
		}
		where = append(where, "("+timeColumn+" < ? OR ("+timeColumn+" = ? AND id < ?))")
		at := s.d.timeArg(c.At)
		args = append(args, at, at, c.ID)
	}
	query := selectFrom
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, query+" ORDER BY "+timeColumn+" DESC, id DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, item)
	}
	if err := rows.Err(); err != nil {
		return page, mapError(err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.Next = crm.EncodeCursor(pos(page.Items[limit-1]))
	}
	return page, nil
}
