package commerce

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Subscription statuses.
const (
	SubscriptionActive    = "active"
	SubscriptionPaused    = "paused"
	SubscriptionCancelled = "cancelled"
)

// SubscriptionStatuses lists them.
var SubscriptionStatuses = []string{SubscriptionActive, SubscriptionPaused, SubscriptionCancelled}

// Periods a subscription renews by.
var Periods = []string{"week", "month", "quarter", "year"}

// SubscriptionInput is a subscription as a client sends it.
type SubscriptionInput struct {
	Customer  crm.CustomerRef `json:"customer"`
	Source    string          `json:"source,omitempty" maxLength:"100"`
	Plan      string          `json:"plan" maxLength:"200" example:"每月咖啡豆 1kg"`
	Price     int64           `json:"price" doc:"Minor units per period"`
	Currency  string          `json:"currency,omitempty" maxLength:"3"`
	Period    string          `json:"period" enum:"week,month,quarter,year"`
	StartedAt *time.Time      `json:"started_at,omitempty" doc:"Defaults to now"`
	RenewsAt  *time.Time      `json:"renews_at,omitempty" doc:"Defaults to one period after started_at"`
}

// Subscription is a stored subscription.
type Subscription struct {
	ID          int64      `json:"id"`
	Version     int64      `json:"version"`
	ContactID   int64      `json:"contact_id"`
	Plan        string     `json:"plan"`
	Price       int64      `json:"price"`
	Currency    string     `json:"currency"`
	Period      string     `json:"period"`
	Status      string     `json:"status"`
	StartedAt   time.Time  `json:"started_at"`
	RenewsAt    *time.Time `json:"renews_at"`
	CancelledAt *time.Time `json:"cancelled_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// SubscriptionQuery selects subscriptions, newest first.
type SubscriptionQuery struct {
	ContactID *int64
	Status    string
	Cursor    string
	Limit     int
}

// SubscriptionChange is what PATCH may change.
type SubscriptionChange struct {
	Status   *string    `json:"status,omitempty" enum:"active,paused,cancelled"`
	Plan     *string    `json:"plan,omitempty" maxLength:"200"`
	Price    *int64     `json:"price,omitempty"`
	RenewsAt *time.Time `json:"renews_at,omitempty"`
}

// next is the renewal after t.
func next(period string, t time.Time) time.Time {
	switch period {
	case "week":
		return t.AddDate(0, 0, 7)
	case "quarter":
		return t.AddDate(0, 3, 0)
	case "year":
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 1, 0)
}

// CreateSubscription records a customer's subscription.
func (s *Service) CreateSubscription(ctx context.Context, in SubscriptionInput) (*Subscription, error) {
	const op = "commerce.CreateSubscription"
	if _, err := crm.Writer(ctx, op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var v crm.Violations
	crm.CleanCustomerRef(&v, "customer", &in.Customer)
	if !in.Customer.Known() {
		v.Add("customer", "customer_required")
	}
	in.Source = crm.CleanText(&v, "source", in.Source, 100)
	in.Plan = crm.CleanText(&v, "plan", in.Plan, 200)
	if in.Plan == "" {
		v.Add("plan", "required")
	}
	checkAmount(&v, "price", in.Price)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	checkCurrency(&v, "currency", in.Currency)
	if !slices.Contains(Periods, in.Period) {
		v.Add("period", "invalid_period", "allowed", Periods)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	started := nowOr(in.StartedAt, now)
	renews := next(in.Period, started)
	if in.RenewsAt != nil {
		renews = crm.Truncate(*in.RenewsAt)
	}
	sub := &Subscription{Plan: in.Plan, Price: in.Price, Period: in.Period, Status: SubscriptionActive,
		StartedAt: started, RenewsAt: &renews, CreatedAt: now, UpdatedAt: now}
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		ids, errs, err := s.resolver.ResolveCustomers(ctx, []crm.CustomerRef{in.Customer}, []string{in.Source})
		if err != nil {
			return err
		}
		if errs[0] != nil {
			return errs[0]
		}
		sub.ContactID = ids[0]
		if sub.Currency, err = s.settleCurrency(ctx, in.Currency); err != nil {
			return err
		}
		return s.store.CreateSubscription(ctx, sub)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return sub, nil
}

// GetSubscription reads a subscription.
func (s *Service) GetSubscription(ctx context.Context, id int64) (*Subscription, error) {
	const op = "commerce.GetSubscription"
	if _, err := crm.Actor(ctx, op); err != nil {
		return nil, err
	}
	sub, err := s.store.Subscription(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if err := s.readers.ReadableContact(ctx, sub.ContactID); err != nil {
		return nil, err
	}
	return sub, nil
}

// ListSubscriptions lists subscriptions newest first.
func (s *Service) ListSubscriptions(ctx context.Context, q SubscriptionQuery) (crm.Page[*Subscription], error) {
	const op = "commerce.ListSubscriptions"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Subscription]{}, err
	}
	if q.Status != "" && !slices.Contains(SubscriptionStatuses, q.Status) {
		var v crm.Violations
		v.Add("status", "invalid_status", "allowed", SubscriptionStatuses)
		return crm.Page[*Subscription]{}, v.Err(op)
	}
	if err := s.mayRead(ctx, p, q.ContactID); err != nil {
		return crm.Page[*Subscription]{}, err
	}
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListSubscriptions(ctx, q)
	return page, crm.Wrap(op, err)
}

// UpdateSubscription pauses, resumes, cancels or re-prices a subscription.
// A cancelled one stays cancelled.
func (s *Service) UpdateSubscription(ctx context.Context, id, ifVersion int64, ch SubscriptionChange) (*Subscription, error) {
	const op = "commerce.UpdateSubscription"
	var out *Subscription
	err := s.changeSubscription(ctx, op, id, ifVersion, func(_ context.Context, sub *Subscription, v *crm.Violations, now time.Time) error {
		if ch.Status != nil && *ch.Status != sub.Status {
			switch {
			case !slices.Contains(SubscriptionStatuses, *ch.Status):
				v.Add("status", "invalid_status", "allowed", SubscriptionStatuses)
			case sub.Status == SubscriptionCancelled:
				v.Add("status", "invalid_transition", "from", sub.Status)
			case *ch.Status == SubscriptionCancelled:
				sub.CancelledAt, sub.RenewsAt = &now, nil
			}
			sub.Status = *ch.Status
		}
		if ch.Plan != nil {
			if sub.Plan = crm.CleanText(v, "plan", *ch.Plan, 200); sub.Plan == "" {
				v.Add("plan", "required")
			}
		}
		if ch.Price != nil {
			checkAmount(v, "price", *ch.Price)
			sub.Price = *ch.Price
		}
		if ch.RenewsAt != nil && sub.Status != SubscriptionCancelled {
			t := crm.Truncate(*ch.RenewsAt)
			sub.RenewsAt = &t
		}
		out = sub
		return nil
	})
	return out, err
}

// RenewSubscription records the renewal due now as a paid order of the plan
// (numbered after the subscription and the period, so a repeated call is a
// Conflict rather than a second charge) and moves renews_at one period on.
func (s *Service) RenewSubscription(ctx context.Context, id int64) (*Order, error) {
	const op = "commerce.RenewSubscription"
	var orderID int64
	err := s.changeSubscription(ctx, op, id, 0, func(ctx context.Context, sub *Subscription, v *crm.Violations, now time.Time) error {
		if sub.Status != SubscriptionActive || sub.RenewsAt == nil {
			v.Add("status", "not_active", "status", sub.Status)
			return nil
		}
		due := *sub.RenewsAt
		price := sub.Price
		subID, contact := sub.ID, sub.ContactID
		results, err := s.CreateOrders(ctx, []OrderInput{{
			Number:   "SUB-" + itoa(subID) + "-" + due.Format("20060102"),
			Customer: crm.CustomerRef{ContactID: &contact}, Channel: "other", Status: StatusPaid, Currency: sub.Currency,
			PlacedAt: &due, SubscriptionID: &subID,
			Lines: []LineInput{{Name: sub.Plan, Quantity: 1, UnitPrice: &price}},
		}})
		if err != nil {
			return err
		}
		if results[0].Err != nil {
			return results[0].Err
		}
		orderID = results[0].ID
		renews := next(sub.Period, due)
		sub.RenewsAt = &renews
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.store.Order(ctx, orderID)
}

func (s *Service) changeSubscription(ctx context.Context, op string, id, ifVersion int64,
	change func(context.Context, *Subscription, *crm.Violations, time.Time) error) error {
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Subscription(ctx, id)
		if err != nil {
			return err
		}
		if err := s.mayWrite(ctx, p, &old.ContactID); err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		sub := *old
		now := s.clock.Now()
		var v crm.Violations
		if err := change(ctx, &sub, &v, now); err != nil {
			return err
		}
		if err := v.Err(op); err != nil {
			return err
		}
		sub.UpdatedAt = now
		return s.store.UpdateSubscription(ctx, old, &sub)
	})
	return crm.Wrap(op, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
