// Package report answers the questions an owner asks first (MISSION.md C3,
// C11): how many customers, how many new, back or gone, what they bought
// and who matters most. It knows nothing of HTTP or SQL.
package report

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Store is what reports need from persistence.
type Store interface {
	// EachPeriodOrder calls fn with every order placed in [from, to).
	EachPeriodOrder(ctx context.Context, from, to time.Time, fn func(PeriodOrder) error) error
	// Sales adds up the orders placed in [from, to).
	Sales(ctx context.Context, from, to time.Time) (Sales, error)
	// EachBuyerIn calls fn with the contact of every sale that counts
	// placed in [from, to).
	EachBuyerIn(ctx context.Context, from, to time.Time, fn func(contactID int64)) error
	// FirstSales counts the customers whose first sale that counts is
	// before to, and those of them whose first is in [from, to).
	FirstSales(ctx context.Context, from, to time.Time) (total, first int64, err error)
	// ContactNames reads the display names of contacts.
	ContactNames(ctx context.Context, ids []int64) (map[int64]string, error)
	// SalesMark changes whenever an order or an audited record does: an
	// overview is kept until it moves.
	SalesMark(ctx context.Context) (string, error)
	Setting(ctx context.Context, key string) (string, bool, error)
}

// PeriodOrder is what the overview reads of an order: its customer (0 for
// a guest), channel, whether it counts as a sale (package commerce: a paid
// or fulfilled sale), and what it counts for.
type PeriodOrder struct {
	ContactID       int64
	Channel         string
	Counted         bool
	Revenue, Profit int64
}

// Sales are the figures of a set of orders, as package commerce counts
// them: revenue net of refunds and returns, profit, and sales orders that
// count (paid or fulfilled).
type Sales struct {
	Revenue int64 `json:"revenue"`
	Profit  int64 `json:"profit"`
	Orders  int64 `json:"orders"`
}

func (s *Sales) add(o PeriodOrder) {
	s.Revenue += o.Revenue
	s.Profit += o.Profit
	if o.Counted {
		s.Orders++
	}
}

// ChannelSales are the sales of one channel.
type ChannelSales struct {
	Channel string `json:"channel"`
	Sales
}

// CustomerSales are one contact's sales.
type CustomerSales struct {
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	Sales
}

// CustomerCounts describe the buying customers. A customer is a contact
// with a paid or fulfilled sale.
type CustomerCounts struct {
	Total       int64 `json:"total" doc:"Customers with a sale before the end of the period"`
	Active      int64 `json:"active" doc:"Customers who bought in the period"`
	New         int64 `json:"new" doc:"Customers whose first sale is in the period"`
	Reactivated int64 `json:"reactivated" doc:"Bought in the period, not in the previous one, and before that"`
	Lapsed      int64 `json:"lapsed" doc:"Bought in the previous period, not in this one"`
}

// Pareto is the 80/20 view of profit in the period.
type Pareto struct {
	Customers   int64    `json:"customers" doc:"Customers who bought in the period"`
	Top         int64    `json:"top" doc:"The fewest customers whose profit makes 80% of the period's customer profit"`
	Share       *float64 `json:"share" doc:"top / customers; null when there is no profit to share"`
	ProfitShare *float64 `json:"profit_share,omitempty" doc:"The share of profit the top customers make (≥ 0.8)"`
	// Curve is the data of the period's 80/20 chart (the dashboard's).
	Curve []rfm.CurvePoint `json:"curve,omitempty" doc:"The cumulative share of profit of the customers ranked by their profit in the period, at 101 evenly spaced numbers of customers (0 to all); absent when there is no profit to share"`
}

// Overview is the owner's first page.
type Overview struct {
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	Currency  string          `json:"currency" doc:"Currency of every amount; empty before the first order"`
	Customers CustomerCounts  `json:"customers"`
	Change    int64           `json:"change" doc:"Change in total customers over the period (= new)"`
	Sales     Sales           `json:"sales"`
	Previous  Sales           `json:"previous" doc:"The same figures for the period of the same length before"`
	Top       []CustomerSales `json:"top_customers" nullable:"false" doc:"The ten customers with the most profit in the period"`
	Channels  []ChannelSales  `json:"by_channel" nullable:"false"`
	Pareto    Pareto          `json:"pareto"`
}

// Service computes reports.
type Service struct {
	store Store
	clock crm.Clock
	// overviews are kept until the sales change: the dashboard asks for
	// one on every visit, and it reads two periods of orders (about 87,000
	// for two 30-day periods of a shop of 100,000 customers and 1,000,000
	// orders; 85 ms on SQLite). A kept overview is shared by those who ask
	// for it: they must not change it.
	overviews *crm.MarkCache[period, *Overview]
}

type period struct{ from, to time.Time }

// NewService returns a Service.
func NewService(store Store, clock crm.Clock) *Service {
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, clock: clock, overviews: crm.NewMarkCache[period, *Overview](16, 5*time.Minute)}
}

// DefaultPeriod is the period of a report that names none: the last 30 days.
const DefaultPeriod = 30 * 24 * time.Hour

// PeriodEnd is the end of a period that runs to now: the end of the current
// minute, so that the overviews asked for within a minute are the same one
// and can be kept.
func PeriodEnd(now time.Time) time.Time {
	return now.UTC().Truncate(time.Minute).Add(time.Minute)
}

// Overview reports on [from, to). A zero to is PeriodEnd(now); a zero from
// is DefaultPeriod before to. Only those who read every record (admins,
// viewers) see it: its figures add up every customer.
func (s *Service) Overview(ctx context.Context, from, to time.Time) (*Overview, error) {
	const op = "report.Overview"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if p.Role != crm.RoleAdmin && p.Role != crm.RoleViewer {
		return nil, crm.E(op, crm.KindForbidden, "reports_need_full_read")
	}
	now := s.clock.Now()
	if to.IsZero() {
		to = PeriodEnd(now)
	}
	if from.IsZero() {
		from = to.Add(-DefaultPeriod)
	}
	if !from.Before(to) {
		var v crm.Violations
		v.Add("from", "not_before_to")
		return nil, v.Err(op)
	}
	mark, err := s.store.SalesMark(ctx)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	key := period{from.UTC(), to.UTC()}
	if o, ok := s.overviews.Get(mark, key, now); ok {
		return o, nil
	}
	o, err := s.overview(ctx, from, to)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	s.overviews.Put(mark, key, o, now)
	return o, nil
}

// overview adds up the figures of [from, to) in one pass over its orders,
// and those of the period before it from their totals and buyers.
func (s *Service) overview(ctx context.Context, from, to time.Time) (_ *Overview, err error) {
	previous := from.Add(-to.Sub(from))
	o := &Overview{From: from, To: to, Top: []CustomerSales{}, Channels: []ChannelSales{}}
	if o.Currency, err = crm.Currency(ctx, s.store); err != nil {
		return nil, err
	}
	buyers := map[int64]*Sales{} // each customer's orders in the period
	channels := map[string]*ChannelSales{}
	err = s.store.EachPeriodOrder(ctx, from, to, func(r PeriodOrder) error {
		o.Sales.add(r)
		c := channels[r.Channel]
		if c == nil {
			c = &ChannelSales{Channel: r.Channel}
			channels[r.Channel] = c
		}
		c.add(r)
		if r.ContactID != 0 {
			b := buyers[r.ContactID]
			if b == nil {
				b = &Sales{}
				buyers[r.ContactID] = b
			}
			b.add(r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if o.Previous, err = s.store.Sales(ctx, previous, from); err != nil {
		return nil, err
	}
	before := map[int64]bool{} // who bought in the previous period
	err = s.store.EachBuyerIn(ctx, previous, from, func(id int64) { before[id] = true })
	if err != nil {
		return nil, err
	}
	for _, c := range channels {
		o.Channels = append(o.Channels, *c)
	}
	slices.SortFunc(o.Channels, func(a, b ChannelSales) int {
		return cmp.Or(cmp.Compare(b.Revenue, a.Revenue), cmp.Compare(a.Channel, b.Channel))
	})

	// Customers: who bought in the period (with a sale that counts), and
	// who bought in the previous one but not in this.
	customers := []CustomerSales{}
	var backAgain int64 // bought in the period, not in the previous one
	for id, b := range buyers {
		if b.Orders > 0 {
			customers = append(customers, CustomerSales{ContactID: id, Sales: *b})
			if !before[id] {
				backAgain++
			}
		}
	}
	for id := range before {
		if b := buyers[id]; b == nil || b.Orders == 0 {
			o.Customers.Lapsed++
		}
	}
	if o.Customers.Total, o.Customers.New, err = s.store.FirstSales(ctx, from, to); err != nil {
		return nil, err
	}
	o.Customers.Active = int64(len(customers))
	// A new customer's first sale is in the period, so they bought in it
	// and not before: the others who did are back after a break. (Never
	// below 0, should the first sales the store keeps lag the orders.)
	o.Customers.Reactivated = max(0, backAgain-o.Customers.New)
	o.Change = o.Customers.New

	o.Pareto = ParetoOf(customers)
	slices.SortFunc(customers, func(a, b CustomerSales) int {
		return cmp.Or(cmp.Compare(b.Profit, a.Profit), cmp.Compare(a.ContactID, b.ContactID))
	})
	o.Top = customers[:min(10, len(customers))]
	ids := make([]int64, len(o.Top))
	for i, c := range o.Top {
		ids[i] = c.ContactID
	}
	names, err := s.store.ContactNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range o.Top {
		o.Top[i].Name = names[o.Top[i].ContactID]
	}
	return o, nil
}

// paretoPoints are the points of an overview's 80/20 curve: one per
// percent of the customers.
const paretoPoints = 101

// ParetoOf finds the fewest customers whose profit makes 80% of the total
// profit of those with positive profit; the arithmetic is rfm.ParetoOf's.
func ParetoOf(customers []CustomerSales) Pareto {
	profits := make([]int64, len(customers))
	for i, c := range customers {
		profits[i] = c.Profit
	}
	r, err := rfm.ParetoOf(profits, rfm.ParetoOptions{Points: paretoPoints})
	if err != nil { // the options are valid
		panic(err)
	}
	return Pareto{Customers: int64(r.Customers), Top: int64(r.Top), Share: r.Share, ProfitShare: r.ProfitShare, Curve: r.Curve}
}
