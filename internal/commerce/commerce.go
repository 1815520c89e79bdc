// Package commerce is what customers buy (MISSION.md C3): products, orders
// with their lines and refunds, carts, and subscriptions whose renewals are
// orders. Money is exact: integer minor units of one currency per database,
// fixed by the first product or order. It knows nothing of HTTP or SQL.
package commerce

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/crm"
)

// MaxBatch is the most records one batch call creates.
const MaxBatch = 1000

// Limits that keep every total inside int64.
const (
	maxQuantity = 1_000_000
	maxAmount   = 1_000_000_000_000 // minor units: ten billion in a 2-decimal currency
	maxLines    = 5000              // a wholesale invoice may have a thousand lines
)

// Channels an order or a cart comes through.
var Channels = []string{"web", "app", "email", "phone", "sms", "line", "wechat", "whatsapp",
	"facebook", "instagram", "store", "call_center", "marketplace", "other"}

// Store is what commerce needs from persistence. Every method joins the
// transaction of its context when InTx started one.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	Setting(ctx context.Context, key string) (string, bool, error)
	SetSetting(ctx context.Context, key, value string) error

	CreateProducts(ctx context.Context, ps []*Product) error
	Product(ctx context.Context, id int64) (*Product, error)
	// ProductsBySKU reads the products with these SKUs, by SKU.
	ProductsBySKU(ctx context.Context, skus []string) (map[string]*Product, error)
	UpdateProduct(ctx context.Context, old, next *Product) error
	ListProducts(ctx context.Context, q ProductQuery) (crm.Page[*Product], error)

	// CreateOrders inserts orders with their lines, setting IDs, Version 1
	// and, where it is empty, Number.
	CreateOrders(ctx context.Context, os []*Order) error
	Order(ctx context.Context, id int64) (*Order, error)
	// OrderIDsByNumber finds orders by number.
	OrderIDsByNumber(ctx context.Context, numbers []string) (map[string]int64, error)
	// UpdateOrder saves status, refunded and the derived figures, and adds
	// the refunds of next that old lacks.
	UpdateOrder(ctx context.Context, old, next *Order) error
	ListOrders(ctx context.Context, q OrderQuery) (crm.Page[*Order], error)

	CreateCart(ctx context.Context, c *Cart) error
	Cart(ctx context.Context, id int64) (*Cart, error)
	UpdateCart(ctx context.Context, old, next *Cart) error
	ListCarts(ctx context.Context, q CartQuery) (crm.Page[*Cart], error)

	CreateSubscription(ctx context.Context, s *Subscription) error
	Subscription(ctx context.Context, id int64) (*Subscription, error)
	UpdateSubscription(ctx context.Context, old, next *Subscription) error
	ListSubscriptions(ctx context.Context, q SubscriptionQuery) (crm.Page[*Subscription], error)

	// RefreshContactMetrics recomputes the derived figures of contacts.
	RefreshContactMetrics(ctx context.Context, contactIDs []int64) error
	AppendAudit(ctx context.Context, entries ...crm.AuditEntry) error
}

// Resolver finds the contact each reference names, found or created as
// events do (package touchpoint).
type Resolver interface {
	ResolveCustomers(ctx context.Context, refs []crm.CustomerRef, sources []string) ([]int64, []error, error)
}

// Readers says whether the actor may read a contact in full (package
// customer).
type Readers interface {
	ReadableContact(ctx context.Context, id int64) error
}

// Options configure the Service.
type Options struct {
	Clock crm.Clock
	// DefaultCurrency is taken by the first product or order that names
	// none (ISO 4217); empty means such a record is refused.
	DefaultCurrency string
}

// Service holds the rules of commerce.
type Service struct {
	store    Store
	resolver Resolver
	readers  Readers
	clock    crm.Clock
	fallback string
}

// NewService returns a Service.
func NewService(store Store, resolver Resolver, readers Readers, opt Options) *Service {
	if opt.Clock == nil {
		opt.Clock = crm.SystemClock{}
	}
	return &Service{store: store, resolver: resolver, readers: readers, clock: opt.Clock, fallback: opt.DefaultCurrency}
}

// Currency is the currency of every amount in the database, or "" before
// the first product or order.
func (s *Service) Currency(ctx context.Context) (string, error) { return crm.Currency(ctx, s.store) }

func (s *Service) settleCurrency(ctx context.Context, given string) (string, error) {
	return crm.SettleCurrency(ctx, s.store, given, s.fallback)
}

// checkCurrency validates a currency code as given (empty is allowed).
func checkCurrency(v *crm.Violations, field, code string) {
	if code != "" && !crm.ValidCurrency(code) {
		v.Add(field, "invalid_currency")
	}
}

func checkAmount(v *crm.Violations, field string, amount int64) {
	if amount < 0 {
		v.Add(field, "negative")
	} else if amount > maxAmount {
		v.Add(field, "too_large", "max", int64(maxAmount))
	}
}

func checkChannel(v *crm.Violations, field, ch string) string {
	if ch == "" {
		return "other"
	}
	if !slices.Contains(Channels, ch) {
		v.Add(field, "invalid_channel", "allowed", Channels)
	}
	return ch
}

func nowOr(t *time.Time, now time.Time) time.Time {
	if t == nil {
		return now
	}
	return crm.Truncate(*t)
}

// DefaultCurrency is the currency a new database takes.
func (s *Service) DefaultCurrency() string { return s.fallback }
