package store

import (
	"context"
	"encoding/json"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

const cartColumns = "id, version, contact_id, anonymous_id, status, currency, lines, value, order_id, last_activity_at, created_at, updated_at"

func scanCart(row rowScanner) (*commerce.Cart, error) {
	var c commerce.Cart
	var lines []byte
	err := row.Scan(&c.ID, &c.Version, &c.ContactID, &c.AnonymousID, &c.Status, &c.Currency, &lines, &c.Value, &c.OrderID,
		timeCol{&c.LastActivityAt}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	if err := json.Unmarshal(lines, &c.Lines); err != nil {
		return nil, err
	}
	if c.Lines == nil {
		c.Lines = []commerce.CartLine{}
	}
	return &c, nil
}

// CreateCart inserts a cart.
func (s *Store) CreateCart(ctx context.Context, c *commerce.Cart) error {
	c.Version = 1
	return mapError(s.queryRow(ctx, `INSERT INTO carts (version, contact_id, anonymous_id, status, currency, lines, value, order_id,
		last_activity_at, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.ContactID, c.AnonymousID, c.Status, c.Currency, mustJSON(c.Lines), c.Value, c.OrderID,
		s.d.timeArg(c.LastActivityAt), s.d.timeArg(c.CreatedAt), s.d.timeArg(c.UpdatedAt)).Scan(&c.ID))
}

// Cart reads a cart.
func (s *Store) Cart(ctx context.Context, id int64) (*commerce.Cart, error) {
	c, err := scanCart(s.queryRow(ctx, "SELECT "+cartColumns+" FROM carts WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("cart", id)
	}
	return c, err
}

// UpdateCart saves next over old, checking old's version.
func (s *Store) UpdateCart(ctx context.Context, old, next *commerce.Cart) error {
	res, err := s.exec(ctx, `UPDATE carts SET version = version + 1, status = ?, lines = ?, value = ?, order_id = ?,
		last_activity_at = ?, updated_at = ? WHERE id = ? AND version = ?`, next.Status, mustJSON(next.Lines), next.Value,
		next.OrderID, s.d.timeArg(next.LastActivityAt), s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "carts", "cart", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// ListCarts lists carts, most recently active first.
func (s *Store) ListCarts(ctx context.Context, q commerce.CartQuery) (crm.Page[*commerce.Cart], error) {
	var where []string
	var args []any
	if q.ContactID != nil {
		where, args = append(where, "contact_id = ?"), append(args, *q.ContactID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	if q.IdleBefore != nil {
		where, args = append(where, "last_activity_at < ?"), append(args, s.d.timeArg(*q.IdleBefore))
	}
	return newestFirst(ctx, s, "SELECT "+cartColumns+" FROM carts", "last_activity_at", where, args, q.Cursor, q.Limit, scanCart,
		func(c *commerce.Cart) timeCursor { return timeCursor{c.LastActivityAt, c.ID} })
}
