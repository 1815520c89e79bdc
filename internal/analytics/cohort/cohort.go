// Package cohort computes customer retention by cohort: customers are
// grouped by the calendar month (or week) of their first order, and for
// each later period the table counts how many of them ordered in it. Pure
// arithmetic over the orders the store hands it: no SQL, no HTTP.
//
// Periods are calendar periods in the time zone given, so that an order at
// 23:30 on 31 January in Taipei is a January order whatever the server's
// zone. Period k of a cohort is the k-th period after the cohort's own
// (k = 0 is the cohort's first period, where every member is active by
// definition). A customer counts once per period however many orders they
// placed in it. A cohort's row ends at the period of the latest order in
// the data, so younger cohorts have shorter rows (the usual triangle).
package cohort

import (
	"fmt"
	"time"
)

// Period is the length of a cohort.
type Period uint8

// Periods.
const (
	Month Period = iota // calendar months
	Week                // calendar weeks starting on Options.WeekStart
)

func (p Period) String() string {
	switch p {
	case Month:
		return "month"
	case Week:
		return "week"
	}
	return fmt.Sprintf("period(%d)", uint8(p))
}

// MarshalText writes "month" or "week".
func (p Period) MarshalText() ([]byte, error) {
	if p > Week {
		return nil, fmt.Errorf("cohort: unknown period %d", uint8(p))
	}
	return []byte(p.String()), nil
}

// MaxPeriods bounds the span of the orders, in periods (2,000 months is
// 166 years, 2,000 weeks 38): beyond it the data holds a wrong date, and
// the triangle would be needlessly large.
const MaxPeriods = 2000

// Order is one order of a customer. Orders may come in any order.
type Order struct {
	Customer int64
	At       time.Time
}

// Options tune Retention.
type Options struct {
	Period Period
	// Location is the time zone of the calendar; required (time.UTC for
	// UTC).
	Location *time.Location
	// WeekStart is the first day of a week when Period is Week. The zero
	// value is Sunday; pass time.Monday for ISO weeks.
	WeekStart time.Weekday
}

// Cohort is the retention row of the customers who first ordered in one
// period.
type Cohort struct {
	// Start is the first instant of the cohort's period, in Location.
	Start time.Time `json:"start"`
	Size  int       `json:"size" doc:"Customers whose first order is in this period"`
	// Active[k] is how many of them ordered in the k-th period after
	// Start; Active[0] = Size.
	Active []int `json:"active"`
	// Percent[k] is 100 × Active[k] / Size.
	Percent []float64 `json:"percent"`
}

// Result is the retention table.
type Result struct {
	Period Period `json:"period"`
	// Cohorts lists the periods in which someone first ordered, oldest
	// first; periods without a new customer have no row.
	Cohorts   []Cohort `json:"cohorts"`
	Customers int      `json:"customers"`
	Orders    int      `json:"orders"`
}

// Retention builds the retention table of orders. It fails on invalid
// options, on an order without a time, and on orders that span more than
// MaxPeriods periods.
func Retention(orders []Order, opts Options) (Result, error) {
	const op = "cohort.Retention"
	if opts.Period > Week {
		return Result{}, fmt.Errorf("%s: unknown Period %d; use cohort.Month or cohort.Week", op, opts.Period)
	}
	if opts.Location == nil {
		return Result{}, fmt.Errorf("%s: Location is nil; pass the calendar's time zone (time.UTC for UTC)", op)
	}
	if opts.WeekStart < time.Sunday || opts.WeekStart > time.Saturday {
		return Result{}, fmt.Errorf("%s: WeekStart %d is not a weekday", op, opts.WeekStart)
	}
	res := Result{Period: opts.Period, Cohorts: []Cohort{}, Orders: len(orders)}
	if len(orders) == 0 {
		return res, nil
	}

	first, last := orders[0].At, orders[0].At
	for i := range orders {
		at := orders[i].At
		if at.IsZero() {
			return Result{}, fmt.Errorf("%s: order %d (customer %d) has no time", op, i, orders[i].Customer)
		}
		if at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	cal, err := newCalendar(opts, first, last)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	customers := newIndex(orders)

	// Bucket the orders by period (a counting sort): walking the periods
	// in order then meets each customer's first period first, and meets
	// all of a period's orders together, so that one "last period seen"
	// per customer removes repeat orders without sorting them.
	periods := cal.periods()
	periodOf := make([]int32, len(orders))
	bucketEnd := make([]int, periods+1)
	for i := range orders {
		p := cal.period(orders[i].At)
		periodOf[i] = int32(p)
		bucketEnd[p+1]++
	}
	for p := range periods {
		bucketEnd[p+1] += bucketEnd[p]
	}
	byPeriod := make([]int32, len(orders)) // customer indices, period by period
	next := make([]int, periods)
	copy(next, bucketEnd[:periods])
	for i := range orders {
		p := periodOf[i]
		byPeriod[next[p]] = customers.of(orders[i].Customer)
		next[p]++
	}

	n := customers.count()
	firstPeriod := make([]int32, n)
	lastPeriod := make([]int32, n)
	for c := range n {
		firstPeriod[c], lastPeriod[c] = -1, -1
	}
	rows := make([][]int, periods) // rows[p]: Active of the cohort of period p
	for p := range periods {
		for _, c := range byPeriod[bucketEnd[p]:bucketEnd[p+1]] {
			if lastPeriod[c] == int32(p) {
				continue
			}
			lastPeriod[c] = int32(p)
			if firstPeriod[c] < 0 {
				firstPeriod[c] = int32(p)
				if rows[p] == nil {
					rows[p] = make([]int, periods-p)
				}
			}
			f := int(firstPeriod[c])
			rows[f][p-f]++
		}
	}

	res.Customers = n
	for p, active := range rows {
		if active == nil {
			continue
		}
		size := active[0]
		percent := make([]float64, len(active))
		for k, a := range active {
			percent[k] = 100 * float64(a) / float64(size)
		}
		res.Cohorts = append(res.Cohorts, Cohort{Start: cal.start(p), Size: size, Active: active, Percent: percent})
	}
	return res, nil
}

// calendar numbers the periods from the one of the first order.
type calendar struct {
	opts  Options
	y     int
	m     time.Month
	d     int
	bound []int64 // bound[p]: Unix second where period p starts; one more than periods
}

func newCalendar(opts Options, first, last time.Time) (*calendar, error) {
	c := &calendar{opts: opts}
	local := first.In(opts.Location)
	c.y, c.m, c.d = local.Date()
	switch opts.Period {
	case Month:
		c.d = 1
	case Week:
		c.d -= (int(local.Weekday()) - int(opts.WeekStart) + 7) % 7
	}
	for p := 0; ; p++ {
		if p > MaxPeriods {
			return nil, fmt.Errorf("orders from %s to %s span more than %d %ss", first.Format(time.DateOnly), last.Format(time.DateOnly), MaxPeriods, opts.Period)
		}
		start := c.start(p)
		c.bound = append(c.bound, start.Unix())
		if start.After(last) {
			return c, nil
		}
	}
}

// start is the first instant of period p. Each is made from the calendar
// date, not by adding to the previous one, so that a day lost to daylight
// saving does not carry over.
func (c *calendar) start(p int) time.Time {
	if c.opts.Period == Month {
		return time.Date(c.y, c.m+time.Month(p), 1, 0, 0, 0, 0, c.opts.Location)
	}
	return time.Date(c.y, c.m, c.d+7*p, 0, 0, 0, 0, c.opts.Location)
}

func (c *calendar) periods() int { return len(c.bound) - 1 }

// period is the number of the period of t, which lies between the first
// and the last order. Bounds are whole seconds, so comparing t's Unix
// second (rounded down) to them is exact.
func (c *calendar) period(t time.Time) int {
	s := t.Unix()
	lo, hi := 0, len(c.bound)-1 // bound[lo] ≤ s < bound[hi]
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if c.bound[mid] <= s {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// index numbers customers densely from 0. Customer IDs are usually
// sequential, so when they span little more than there are orders a slice
// replaces the map.
type index struct {
	byMap   map[int64]int32
	bySlice []int32 // id − lo → number + 1; 0 for unseen
	lo      int64
	n       int32
}

func newIndex(orders []Order) *index {
	lo, hi := orders[0].Customer, orders[0].Customer
	for i := range orders {
		lo, hi = min(lo, orders[i].Customer), max(hi, orders[i].Customer)
	}
	if span := uint64(hi - lo); span < uint64(2*len(orders)+1024) {
		return &index{bySlice: make([]int32, span+1), lo: lo}
	}
	return &index{byMap: map[int64]int32{}}
}

func (x *index) of(id int64) int32 {
	if x.bySlice != nil {
		slot := &x.bySlice[id-x.lo]
		if *slot == 0 {
			x.n++
			*slot = x.n
		}
		return *slot - 1
	}
	c, ok := x.byMap[id]
	if !ok {
		c = x.n
		x.byMap[id] = c
		x.n++
	}
	return c
}

func (x *index) count() int { return int(x.n) }
