package insight

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/basket"
	"github.com/guanxi-crm/guanxi/internal/analytics/cohort"
	"github.com/guanxi-crm/guanxi/internal/analytics/funnel"
	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// fullReader is the caller of views that add up every customer: like the
// owner's overview, they are for those who may read every record.
func fullReader(ctx context.Context, op string) (*crm.Principal, error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	if p.ReadScope() != nil {
		return nil, crm.E(op, crm.KindForbidden, "reports_need_full_read")
	}
	return p, nil
}

// ParetoView is the 80/20 view of lifetime profit.
type ParetoView struct {
	rfm.Pareto
	TopCustomers []TopCustomer `json:"top_customers" nullable:"false" doc:"The customers with the most profit, most first"`
}

// TopCustomer is a customer on the Pareto chart.
type TopCustomer struct {
	ContactID int64  `json:"contact_id"`
	Name      string `json:"name"`
	Profit    int64  `json:"profit"`
}

// Pareto ranks customers by lifetime profit: the cumulative share curve (at
// most points points) and the fraction that makes percent of the profit.
func (s *Service) Pareto(ctx context.Context, percent, points, top int) (*ParetoView, error) {
	const op = "insight.Pareto"
	if _, err := fullReader(ctx, op); err != nil {
		return nil, err
	}
	var v crm.Violations
	if percent < 1 || percent > 100 {
		v.Add("percent", "out_of_range", "min", 1, "max", 100)
	}
	if points < 2 || points > 1000 {
		v.Add("points", "out_of_range", "min", 2, "max", 1000)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	mark, err := s.store.SalesMark(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	key := paretoKey{percent, points, top}
	if v, ok := s.pareto.Get(mark, key, now); ok {
		return v, nil
	}
	ids, profits, err := s.store.CustomerProfits(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	p, err := rfm.ParetoOf(profits, rfm.ParetoOptions{Percent: percent, Points: points})
	if err != nil {
		return nil, crm.Internal(op, err)
	}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		// Most profit first; among equals, the oldest contact.
		return cmp.Or(cmp.Compare(profits[b], profits[a]), cmp.Compare(ids[a], ids[b]))
	})
	order = order[:min(top, len(order))]
	topIDs := make([]int64, len(order))
	for i, k := range order {
		topIDs[i] = ids[k]
	}
	names, err := s.store.ContactNames(ctx, topIDs)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	view := &ParetoView{Pareto: p, TopCustomers: make([]TopCustomer, len(order))}
	for i, k := range order {
		view.TopCustomers[i] = TopCustomer{ContactID: ids[k], Name: names[ids[k]], Profit: profits[k]}
	}
	s.pareto.Put(mark, key, view, now)
	return view, nil
}

// checkPeriod checks a window [from, to).
func checkPeriod(v *crm.Violations, from, to time.Time) {
	if !from.Before(to) {
		v.Add("to", "not_before_to")
	}
}

// Cohorts is the retention table of the customers whose first counted sale
// is in [from, to), by month or week in loc.
func (s *Service) Cohorts(ctx context.Context, from, to time.Time, period string, loc *time.Location) (*cohort.Result, error) {
	const op = "insight.Cohorts"
	if _, err := fullReader(ctx, op); err != nil {
		return nil, err
	}
	var v crm.Violations
	checkPeriod(&v, from, to)
	p := cohort.Month
	switch period {
	case "", "month":
	case "week":
		p = cohort.Week
	default:
		v.Add("period", "not_one_of", "value", period, "allowed", "month, week")
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	// The first sale decides the cohort, so every sale before to is read;
	// customers who first bought before from are left out afterwards.
	var orders []cohort.Order
	err := s.store.EachOrderTime(ctx, time.Time{}, to, func(id int64, at time.Time) error {
		orders = append(orders, cohort.Order{Customer: id, At: at})
		return nil
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	res, err := cohort.Retention(orders, cohort.Options{Period: p, Location: loc, WeekStart: time.Monday})
	if err != nil {
		v.Add("from", "too_many", "max", cohort.MaxPeriods)
		return nil, v.Err(op)
	}
	kept := res.Cohorts[:0]
	for _, c := range res.Cohorts {
		if !c.Start.Before(from.In(loc).Add(-periodLength(p))) {
			kept = append(kept, c)
		}
	}
	res.Cohorts = kept
	return &res, nil
}

// periodLength is the most a period start may lie before a window's start
// while the period still overlaps it.
func periodLength(p cohort.Period) time.Duration {
	if p == cohort.Week {
		return 7 * 24 * time.Hour
	}
	return 31 * 24 * time.Hour
}

// MaxFunnelSteps bounds a funnel.
const MaxFunnelSteps = 10

// Funnel counts the customers who did the steps' event types in order, each
// within window of their first step, among the events of [from, to).
func (s *Service) Funnel(ctx context.Context, steps []string, window time.Duration, from, to time.Time) ([]funnel.Step, error) {
	const op = "insight.Funnel"
	if _, err := fullReader(ctx, op); err != nil {
		return nil, err
	}
	var v crm.Violations
	checkPeriod(&v, from, to)
	if len(steps) < 2 || len(steps) > MaxFunnelSteps {
		v.Add("steps", "out_of_range", "min", 2, "max", MaxFunnelSteps)
	}
	for i, st := range steps {
		if strings.TrimSpace(st) == "" || len(st) > 100 {
			v.Add("steps", "invalid_event_type", "value", st, "index", i)
		}
	}
	if window < 0 {
		v.Add("window_days", "out_of_range", "min", 0, "max", 3650)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	types := slices.Compact(slices.Sorted(slices.Values(steps)))
	var events []funnel.Event
	err := s.store.EachEvent(ctx, types, from, to, func(id int64, typ string, at time.Time) error {
		events = append(events, funnel.Event{Customer: id, Type: typ, At: at})
		return nil
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	out, err := funnel.Analyze(events, funnel.Options{Steps: steps, Window: window})
	return out, crm.Wrap(op, err)
}

// BasketParams ask for bundles.
type BasketParams struct {
	From, To      time.Time
	SegmentID     int64 // 0: every customer's orders
	MinSupport    float64
	MinConfidence float64
	Limit         int
}

// Baskets are the association rules and bundle suggestions of a window.
type Baskets struct {
	Orders  int                     `json:"orders" doc:"Orders (baskets) mined"`
	Items   int                     `json:"items" doc:"Distinct items in them"`
	Rules   []basket.Rule[string]   `json:"rules" nullable:"false" doc:"A ⇒ b with support, confidence and lift, the strongest lift first"`
	Bundles []basket.Bundle[string] `json:"bundles" nullable:"false" doc:"Pairs bought together more often than by chance"`
}

// Baskets mines what customers buy together in [from, to), optionally only
// the orders of a segment's members.
func (s *Service) Baskets(ctx context.Context, p BasketParams) (*Baskets, error) {
	const op = "insight.Baskets"
	if _, err := fullReader(ctx, op); err != nil {
		return nil, err
	}
	var v crm.Violations
	checkPeriod(&v, p.From, p.To)
	if !(p.MinSupport > 0 && p.MinSupport <= 1) {
		v.Add("min_support", "out_of_range", "min", 0, "max", 1)
	}
	if !(p.MinConfidence >= 0 && p.MinConfidence <= 1) {
		v.Add("min_confidence", "out_of_range", "min", 0, "max", 1)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	var b basket.Baskets[string]
	var current int64 = -1
	var items []string
	flush := func() {
		if len(items) > 0 {
			b.Add(items...)
		}
		items = items[:0]
	}
	err := s.store.EachBasketItem(ctx, p.From, p.To, p.SegmentID, func(orderID int64, item string) error {
		if orderID != current {
			flush()
			current = orderID
		}
		items = append(items, item)
		return nil
	})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	flush()
	rules, err := basket.Mine(&b, basket.Options{MinSupport: p.MinSupport, MinConfidence: p.MinConfidence})
	if err != nil {
		v.Add("min_support", "too_many_itemsets")
		return nil, v.Err(op)
	}
	out := &Baskets{Orders: b.Len(), Items: b.Items(), Rules: rules, Bundles: basket.Bundles(rules, p.Limit)}
	if out.Rules == nil {
		out.Rules = []basket.Rule[string]{}
	}
	if len(out.Rules) > p.Limit {
		out.Rules = out.Rules[:p.Limit]
	}
	if out.Bundles == nil {
		out.Bundles = []basket.Bundle[string]{}
	}
	return out, nil
}

// BrowsingEvents are the event types that count as browsing.
var BrowsingEvents = []string{"page_view", "product_view", "store_visit"}

// Browsers lists customers who browsed at least minViews times in the last
// days days without buying since, among those the caller may read.
func (s *Service) Browsers(ctx context.Context, days, minViews, limit int) ([]PainPoint, error) {
	const op = "insight.Browsers"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	if days < 1 || days > 3650 {
		v.Add("days", "out_of_range", "min", 1, "max", 3650)
	}
	if minViews < 1 {
		v.Add("min_views", "out_of_range", "min", 1, "max", 1000000)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	list, err := s.store.Browsers(ctx, BrowsingEvents, s.clock.Now().AddDate(0, 0, -days), minViews, p.ReadScope(), crm.ClampLimit(limit))
	return list, crm.Wrap(op, err)
}

// Declining lists customers whose visits in the last days days fell to at
// most ratio of their rate over the baseDays days before, having had at
// least minBase visits then, among those the caller may read.
func (s *Service) Declining(ctx context.Context, days, baseDays int, ratio float64, minBase, limit int) ([]PainPoint, error) {
	const op = "insight.Declining"
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	var v crm.Violations
	if days < 1 || days > 365 {
		v.Add("days", "out_of_range", "min", 1, "max", 365)
	}
	if baseDays < days || baseDays > 3650 {
		v.Add("base_days", "out_of_range", "min", days, "max", 3650)
	}
	if !(ratio >= 0 && ratio < 1) {
		v.Add("ratio", "out_of_range", "min", 0, "max", 1)
	}
	if minBase < 1 {
		v.Add("min_base", "out_of_range", "min", 1, "max", 1000000)
	}
	if err := v.Err(op); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	recent := now.AddDate(0, 0, -days)
	list, err := s.store.Declining(ctx, BrowsingEvents, recent.AddDate(0, 0, -baseDays), recent, now, ratio, minBase, p.ReadScope(), crm.ClampLimit(limit))
	return list, crm.Wrap(op, err)
}
