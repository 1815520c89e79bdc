package commerce

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Cart statuses.
const (
	CartOpen      = "open"
	CartConverted = "converted"
	CartAbandoned = "abandoned"
)

// CartStatuses lists the cart statuses.
var CartStatuses = []string{CartOpen, CartConverted, CartAbandoned}

// CartLine is an item in a cart.
type CartLine struct {
	SKU       string `json:"sku" maxLength:"100"`
	Name      string `json:"name,omitempty" maxLength:"300"`
	Quantity  int64  `json:"quantity" minimum:"1" maximum:"1000000"`
	UnitPrice int64  `json:"unit_price" doc:"Minor units"`
}

// CartInput is a cart as a client sends it.
type CartInput struct {
	Customer       crm.CustomerRef `json:"customer" doc:"Who is shopping: a known customer or an anonymous id"`
	Source         string          `json:"source,omitempty" maxLength:"100"`
	Status         string          `json:"status,omitempty" enum:"open,converted,abandoned," doc:"Defaults to open"`
	Currency       string          `json:"currency,omitempty" maxLength:"3"`
	Lines          []CartLine      `json:"lines" maxItems:"5000" nullable:"false"`
	OrderID        *int64          `json:"order_id,omitempty" doc:"The order a converted cart became"`
	LastActivityAt *time.Time      `json:"last_activity_at,omitempty" doc:"Defaults to now"`
}

// Cart is a stored cart.
type Cart struct {
	ID             int64      `json:"id"`
	Version        int64      `json:"version"`
	ContactID      *int64     `json:"contact_id"`
	AnonymousID    string     `json:"anonymous_id,omitempty"`
	Status         string     `json:"status"`
	Currency       string     `json:"currency"`
	Lines          []CartLine `json:"lines" nullable:"false"`
	Value          int64      `json:"value" doc:"Σ quantity × unit_price"`
	OrderID        *int64     `json:"order_id,omitempty"`
	LastActivityAt time.Time  `json:"last_activity_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// CartQuery selects carts, newest activity first.
type CartQuery struct {
	ContactID *int64
	Status    string
	// IdleBefore keeps carts whose last activity is older.
	IdleBefore *time.Time
	Cursor     string
	Limit      int
}

// CartChange is what PATCH may change on a cart.
type CartChange struct {
	Status         *string     `json:"status,omitempty" enum:"open,converted,abandoned"`
	Lines          *[]CartLine `json:"lines,omitempty"`
	OrderID        *int64      `json:"order_id,omitempty"`
	LastActivityAt *time.Time  `json:"last_activity_at,omitempty"`
}

func checkCartLines(v *crm.Violations, lines []CartLine) int64 {
	if len(lines) > maxLines {
		v.Add("lines", "too_many", "max", maxLines)
	}
	var value int64
	for i := range lines {
		l := &lines[i]
		f := fmt.Sprintf("lines[%d].", i)
		l.SKU = crm.CleanID(v, f+"sku", l.SKU)
		if l.SKU == "" {
			v.Add(f+"sku", "required")
		}
		l.Name = crm.CleanText(v, f+"name", l.Name, 300)
		if l.Quantity < 1 || l.Quantity > maxQuantity {
			v.Add(f+"quantity", "out_of_range", "min", 1, "max", maxQuantity)
		}
		checkAmount(v, f+"unit_price", l.UnitPrice)
		value += l.Quantity * l.UnitPrice
	}
	return value
}

func checkCartStatus(v *crm.Violations, status string) {
	if !slices.Contains(CartStatuses, status) {
		v.Add("status", "invalid_status", "allowed", CartStatuses)
	}
}

// CreateCart records a cart of a known customer or an anonymous shopper.
func (s *Service) CreateCart(ctx context.Context, in CartInput) (*Cart, error) {
	const op = "commerce.CreateCart"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var v crm.Violations
	crm.CleanCustomerRef(&v, "customer", &in.Customer)
	if !in.Customer.Known() && in.Customer.AnonymousID == "" {
		v.Add("customer", "customer_required")
	}
	in.Source = crm.CleanText(&v, "source", in.Source, 100)
	if in.Status == "" {
		in.Status = CartOpen
	}
	checkCartStatus(&v, in.Status)
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	checkCurrency(&v, "currency", in.Currency)
	value := checkCartLines(&v, in.Lines)
	if err := v.Err(op); err != nil {
		return nil, err
	}
	c := &Cart{AnonymousID: in.Customer.AnonymousID, Status: in.Status, Lines: in.Lines, Value: value, OrderID: in.OrderID,
		LastActivityAt: nowOr(in.LastActivityAt, now), CreatedAt: now, UpdatedAt: now}
	if c.Lines == nil {
		c.Lines = []CartLine{}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if in.Customer.Known() {
			ids, errs, err := s.resolver.ResolveCustomers(ctx, []crm.CustomerRef{in.Customer}, []string{in.Source})
			if err != nil {
				return err
			}
			if errs[0] != nil {
				return errs[0]
			}
			c.ContactID = &ids[0]
		} else if err := s.mayWrite(ctx, p, nil); err != nil {
			return err
		}
		if c.Currency, err = s.settleCurrency(ctx, in.Currency); err != nil {
			return err
		}
		if err := s.store.CreateCart(ctx, c); err != nil {
			return err
		}
		return s.refresh(ctx, c.ContactID)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return c, nil
}

func (s *Service) refresh(ctx context.Context, contactID *int64) error {
	if contactID == nil {
		return nil
	}
	return s.store.RefreshContactMetrics(ctx, []int64{*contactID})
}

// GetCart reads a cart.
func (s *Service) GetCart(ctx context.Context, id int64) (*Cart, error) {
	const op = "commerce.GetCart"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	c, err := s.store.Cart(ctx, id)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	if err := s.mayRead(ctx, p, c.ContactID); err != nil {
		return nil, err
	}
	return c, nil
}

// ListCarts lists carts, most recently active first; abandoned-cart lists
// ask for open carts idle since a time.
func (s *Service) ListCarts(ctx context.Context, q CartQuery) (crm.Page[*Cart], error) {
	const op = "commerce.ListCarts"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return crm.Page[*Cart]{}, err
	}
	if q.Status != "" {
		var v crm.Violations
		checkCartStatus(&v, q.Status)
		if err := v.Err(op); err != nil {
			return crm.Page[*Cart]{}, err
		}
	}
	if err := s.mayRead(ctx, p, q.ContactID); err != nil {
		return crm.Page[*Cart]{}, err
	}
	q.Limit = crm.ClampLimit(q.Limit)
	page, err := s.store.ListCarts(ctx, q)
	return page, crm.Wrap(op, err)
}

// UpdateCart changes a cart's lines, status or activity.
func (s *Service) UpdateCart(ctx context.Context, id, ifVersion int64, ch CartChange) (*Cart, error) {
	const op = "commerce.UpdateCart"
	p, err := crm.Writer(ctx, op)
	if err != nil {
		return nil, err
	}
	var next *Cart
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		old, err := s.store.Cart(ctx, id)
		if err != nil {
			return err
		}
		if err := s.mayWrite(ctx, p, old.ContactID); err != nil {
			return err
		}
		if ifVersion != 0 && old.Version != ifVersion {
			return crm.Stale(op, old.Version)
		}
		c := *old
		now := s.clock.Now()
		var v crm.Violations
		if ch.Status != nil {
			checkCartStatus(&v, *ch.Status)
			c.Status = *ch.Status
		}
		if ch.Lines != nil {
			c.Lines = *ch.Lines
			c.Value = checkCartLines(&v, c.Lines)
			c.LastActivityAt = now
		}
		if ch.OrderID != nil {
			c.OrderID = ch.OrderID
		}
		if ch.LastActivityAt != nil {
			c.LastActivityAt = crm.Truncate(*ch.LastActivityAt)
		}
		if err := v.Err(op); err != nil {
			return err
		}
		c.UpdatedAt = now
		if err := s.store.UpdateCart(ctx, old, &c); err != nil {
			return err
		}
		next = &c
		return s.refresh(ctx, c.ContactID)
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return next, nil
}
