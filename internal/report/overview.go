// Package report answers the questions an owner asks first (MISSION.md C3,
// C11): how many customers, how many new, back or gone, what they bought
// and who matters most. It knows nothing of HTTP or SQL.
package report

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// Store is what reports need from persistence.
type Store interface {
	// Sales adds up the orders placed in [from, to).
	Sales(ctx context.Context, from, to time.Time) (Sales, error)
	// SalesByChannel adds up the orders placed in [from, to) per channel.
	SalesByChannel(ctx context.Context, from, to time.Time) ([]ChannelSales, error)
	// CustomerSales adds up per contact the orders placed in [from, to).
	CustomerSales(ctx context.Context, from, to time.Time) ([]CustomerSales, error)
	// CustomerCounts counts buying customers around the period [from, to)
	// and the one of the same length before it, starting at previous.
	CustomerCounts(ctx context.Context, previous, from, to time.Time) (CustomerCounts, error)
	// ContactNames reads the display names of contacts.
	ContactNames(ctx context.Context, ids []int64) (map[int64]string, error)
	Setting(ctx context.Context, key string) (string, bool, error)
}

// Sales are the figures of a set of orders, as package commerce counts
// them: revenue net of refunds and returns, profit, and sales orders that
// count (paid or fulfilled).
type Sales struct {
	Revenue int64 `json:"revenue"`
	Profit  int64 `json:"profit"`
	Orders  int64 `json:"orders"`
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
}

// NewService returns a Service.
func NewService(store Store, clock crm.Clock) *Service {
	if clock == nil {
		clock = crm.SystemClock{}
	}
	return &Service{store: store, clock: clock}
}

// DefaultPeriod is the period of a report that names none: the last 30 days.
const DefaultPeriod = 30 * 24 * time.Hour

// Overview reports on [from, to). Zero times default to the last 30 days.
// Only those who read every record (admins, viewers) see it: its figures
// add up every customer.
func (s *Service) Overview(ctx context.Context, from, to time.Time) (*Overview, error) {
	const op = "report.Overview"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if p.Role != crm.RoleAdmin && p.Role != crm.RoleViewer {
		return nil, crm.E(op, crm.KindForbidden, "reports_need_full_read")
	}
	if to.IsZero() {
		to = s.clock.Now()
	}
	if from.IsZero() {
		from = to.Add(-DefaultPeriod)
	}
	if !from.Before(to) {
		var v crm.Violations
		v.Add("from", "not_before_to")
		return nil, v.Err(op)
	}
	previous := from.Add(-to.Sub(from))
	o := &Overview{From: from, To: to, Top: []CustomerSales{}}
	if o.Currency, err = crm.Currency(ctx, s.store); err != nil {
		return nil, crm.Internal(op, err)
	}
	if o.Customers, err = s.store.CustomerCounts(ctx, previous, from, to); err != nil {
		return nil, crm.Internal(op, err)
	}
	o.Change = o.Customers.New
	if o.Sales, err = s.store.Sales(ctx, from, to); err != nil {
		return nil, crm.Internal(op, err)
	}
	if o.Previous, err = s.store.Sales(ctx, previous, from); err != nil {
		return nil, crm.Internal(op, err)
	}
	if o.Channels, err = s.store.SalesByChannel(ctx, from, to); err != nil {
		return nil, crm.Internal(op, err)
	}
	customers, err := s.store.CustomerSales(ctx, from, to)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	if customers == nil {
		customers = []CustomerSales{}
	}
	o.Pareto = ParetoOf(customers)
	slices.SortFunc(customers, func(a, b CustomerSales) int {
		if a.Profit != b.Profit {
			return compare(b.Profit, a.Profit)
		}
		return compare(a.ContactID, b.ContactID)
	})
	o.Top = customers[:min(10, len(customers))]
	ids := make([]int64, len(o.Top))
	for i, c := range o.Top {
		ids[i] = c.ContactID
	}
	names, err := s.store.ContactNames(ctx, ids)
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	for i := range o.Top {
		o.Top[i].Name = names[o.Top[i].ContactID]
	}
	return o, nil
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ParetoOf finds the fewest customers whose profit makes 80% of the total
// profit of those with positive profit; the arithmetic is rfm.ParetoOf's.
func ParetoOf(customers []CustomerSales) Pareto {
	profits := make([]int64, len(customers))
	for i, c := range customers {
		profits[i] = c.Profit
	}
	r, err := rfm.ParetoOf(profits, rfm.ParetoOptions{})
	if err != nil { // the default options are valid
		panic(err)
	}
	return Pareto{Customers: int64(r.Customers), Top: int64(r.Top), Share: r.Share, ProfitShare: r.ProfitShare}
}
