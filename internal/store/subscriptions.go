package store

import (
	"context"

	"github.com/guanxi-crm/guanxi/internal/commerce"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

const subscriptionColumns = "id, version, contact_id, plan, price, currency, period, status, started_at, renews_at, cancelled_at, created_at, updated_at"

func scanSubscription(row rowScanner) (*commerce.Subscription, error) {
	var x commerce.Subscription
	err := row.Scan(&x.ID, &x.Version, &x.ContactID, &x.Plan, &x.Price, &x.Currency, &x.Period, &x.Status,
		timeCol{&x.StartedAt}, nullTimeCol{&x.RenewsAt}, nullTimeCol{&x.CancelledAt}, timeCol{&x.CreatedAt}, timeCol{&x.UpdatedAt})
	if err != nil {
		return nil, mapError(err)
	}
	return &x, nil
}

// CreateSubscription inserts a subscription.
func (s *Store) CreateSubscription(ctx context.Context, x *commerce.Subscription) error {
	x.Version = 1
	return mapError(s.queryRow(ctx, `INSERT INTO subscriptions (version, contact_id, plan, price, currency, period, status,
		started_at, renews_at, cancelled_at, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.ContactID, x.Plan, x.Price, x.Currency, x.Period, x.Status, s.d.timeArg(x.StartedAt), s.nullTimeArg(x.RenewsAt),
		s.nullTimeArg(x.CancelledAt), s.d.timeArg(x.CreatedAt), s.d.timeArg(x.UpdatedAt)).Scan(&x.ID))
}

// Subscription reads a subscription.
func (s *Store) Subscription(ctx context.Context, id int64) (*commerce.Subscription, error) {
	x, err := scanSubscription(s.queryRow(ctx, "SELECT "+subscriptionColumns+" FROM subscriptions WHERE id = ?", id))
	if crm.IsKind(err, crm.KindNotFound) {
		return nil, notFound("subscription", id)
	}
	return x, err
}

// UpdateSubscription saves next over old, checking old's version.
func (s *Store) UpdateSubscription(ctx context.Context, old, next *commerce.Subscription) error {
	res, err := s.exec(ctx, `UPDATE subscriptions SET version = version + 1, plan = ?, price = ?, status = ?, renews_at = ?,
		cancelled_at = ?, updated_at = ? WHERE id = ? AND version = ?`, next.Plan, next.Price, next.Status,
		s.nullTimeArg(next.RenewsAt), s.nullTimeArg(next.CancelledAt), s.d.timeArg(next.UpdatedAt), next.ID, old.Version)
	if err := s.checkUpdated(ctx, res, err, "subscriptions", "subscription", next.ID); err != nil {
		return err
	}
	next.Version = old.Version + 1
	return nil
}

// ListSubscriptions lists subscriptions newest first.
func (s *Store) ListSubscriptions(ctx context.Context, q commerce.SubscriptionQuery) (crm.Page[*commerce.Subscription], error) {
	var where []string
	var args []any
	if q.ContactID != nil {
		where, args = append(where, "contact_id = ?"), append(args, *q.ContactID)
	}
	if q.Status != "" {
		where, args = append(where, "status = ?"), append(args, q.Status)
	}
	return newestFirst(ctx, s, "SELECT "+subscriptionColumns+" FROM subscriptions", "created_at", where, args, q.Cursor, q.Limit,
		scanSubscription, func(x *commerce.Subscription) timeCursor { return timeCursor{x.CreatedAt, x.ID} })
}
