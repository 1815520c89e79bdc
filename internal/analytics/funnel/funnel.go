// Package funnel counts how many customers go through an ordered series of
// events — product_view → add_to_cart → checkout_started → purchase — and
// where they drop off. Pure arithmetic over the events the store hands it:
// no SQL, no HTTP.
//
// The semantics are those of a "sequential funnel within a conversion
// window", as ClickHouse's windowFunnel (default mode) defines it and as
// Mixpanel and Amplitude draw it:
//
//   - a customer reaches step 1 by doing step 1's event;
//   - a customer reaches step i by doing step i's event at or after the
//     event that reached step i−1 (a different event: one event never
//     counts for two steps of a chain). Other events in between do not
//     matter;
//   - with a conversion window W, every step of the chain must happen
//     within W of the chain's step-1 event (inclusive): t₁ ≤ t₂ ≤ … ≤ tᵢ ≤
//     t₁ + W. Without a window (W = 0) there is no limit;
//   - a customer counts once, at the furthest step any of their chains
//     reaches; a customer who reaches step i is counted in steps 1..i.
//
// Events with the same timestamp are taken in the order of the steps, so
// that a view and an add-to-cart logged in the same second count as view
// then add-to-cart. Mixpanel and Amplitude start the window at the first
// step-1 event only (re-entry is a setting there); here every step-1 event
// may start a chain and the furthest wins, like windowFunnel, so that a
// customer who browsed in January and bought in March after browsing
// again converts.
package funnel

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"
)

// Event is one event of a customer. Events may come in any order.
type Event struct {
	Customer int64
	Type     string
	At       time.Time
}

// Options define the funnel.
type Options struct {
	// Steps are the event types of the funnel, in order; at least one,
	// none empty. A type may appear twice (purchase → purchase counts
	// repeat buyers).
	Steps []string
	// Window is the conversion window from the first step; 0 means none.
	Window time.Duration
}

// Step is the count of one step.
type Step struct {
	Type      string `json:"type"`
	Customers int    `json:"customers" doc:"Customers who reached this step"`
	// DropOff is how many of the previous step's customers did not reach
	// this one (0 for the first step).
	DropOff int `json:"drop_off"`
	// PercentOfPrevious is 100 × Customers / the previous step's (the
	// first step: of itself); nil when the previous step has nobody.
	PercentOfPrevious *float64 `json:"percent_of_previous"`
	// PercentOfFirst is 100 × Customers / the first step's; nil when the
	// first step has nobody.
	PercentOfFirst *float64 `json:"percent_of_first"`
}

// Analyze counts the funnel over events. It fails on invalid options and
// on events of the funnel's types without a usable time.
func Analyze(events []Event, opts Options) ([]Step, error) {
	const op = "funnel.Analyze"
	if len(opts.Steps) == 0 {
		return nil, fmt.Errorf("%s: no Steps; name the event types of the funnel in order", op)
	}
	if len(opts.Steps) > math.MaxInt16 {
		return nil, fmt.Errorf("%s: %d steps; at most %d", op, len(opts.Steps), math.MaxInt16)
	}
	if opts.Window < 0 {
		return nil, fmt.Errorf("%s: Window %v is negative; 0 means no window", op, opts.Window)
	}
	// types numbers the event types of the funnel; stepsOf[type] lists the
	// steps the type is, highest first.
	types := map[string]int16{}
	var stepsOf [][]int16
	for i, s := range opts.Steps {
		if s == "" {
			return nil, fmt.Errorf("%s: step %d has no event type", op, i+1)
		}
		t, ok := types[s]
		if !ok {
			t = int16(len(stepsOf))
			types[s] = t
			stepsOf = append(stepsOf, nil)
		}
		stepsOf[t] = append([]int16{int16(i)}, stepsOf[t]...)
	}

	// Keep the events of the funnel's types, compactly. A type's lowest
	// step orders events of the same time (and tells types apart).
	type hit struct {
		customer int64
		at       int64 // Unix nanoseconds
		first    int16 // lowest step of the type
		typ      int16
	}
	hits := make([]hit, 0, len(events))
	for i := range events {
		e := &events[i]
		t, ok := types[e.Type]
		if !ok {
			continue
		}
		if y := e.At.Year(); y < 1678 || y > 2261 { // the range of Unix nanoseconds; rejects the zero time
			return nil, fmt.Errorf("%s: event %d (customer %d, %s) has no usable time: %v", op, i, e.Customer, e.Type, e.At)
		}
		steps := stepsOf[t]
		hits = append(hits, hit{customer: e.Customer, at: e.At.UnixNano(), first: steps[len(steps)-1], typ: t})
	}
	// Each customer's events in order of time, then of step. Hits that
	// compare equal are the same type at the same time, so their order
	// does not matter. Events usually come sorted from the store: check
	// before paying for a sort.
	order := func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.at, b.at), cmp.Compare(a.first, b.first))
	}
	if !slices.IsSortedFunc(hits, order) {
		// Gather each customer's events with a counting sort over dense
		// customer numbers, then sort each customer's few events: for a
		// million events, five times faster than one sort of them all
		// (customers come out in order of first appearance, which the
		// counts do not mind).
		// start[c+2] counts customer c's events; after the running sum,
		// start[c+1] is where they begin in grouped; placing them moves it
		// to where they end, so that start[c]..start[c+1] bound customer
		// c's events.
		number := make([]int32, len(hits))
		numbers := make(map[int64]int32, len(hits)/4)
		start := []int{0, 0}
		for i := range hits {
			c, ok := numbers[hits[i].customer]
			if !ok {
				c = int32(len(numbers))
				numbers[hits[i].customer] = c
				start = append(start, 0)
			}
			number[i] = c
			start[c+2]++
		}
		for c := 2; c < len(start); c++ {
			start[c] += start[c-1]
		}
		grouped := make([]hit, len(hits))
		for i, c := range number {
			grouped[start[c+1]] = hits[i]
			start[c+1]++
		}
		for c := 0; c+1 < len(start); c++ {
			if g := grouped[start[c]:start[c+1]]; !slices.IsSortedFunc(g, order) {
				slices.SortFunc(g, order)
			}
		}
		hits = grouped
	}

	// For one customer, walking the events in order: latest[i] is the
	// step-1 time of the chain reaching step i that started last, the
	// best of them, since it leaves the most window; reached[i] says
	// whether any chain has. An event updates every step it is, highest
	// first, so that each step reads the state before this event: one
	// event never serves two steps of a chain, but it may serve different
	// chains (a step-1 event ends nothing and starts a chain).
	window := int64(opts.Window)
	n := len(opts.Steps)
	furthestIs := make([]int, n) // customers whose furthest step is i
	latest := make([]int64, n)
	reached := make([]bool, n)
	for lo := 0; lo < len(hits); {
		customer := hits[lo].customer
		clear(reached)
		hi := lo
		for ; hi < len(hits) && hits[hi].customer == customer; hi++ {
			h := &hits[hi]
			for _, s := range stepsOf[h.typ] {
				switch {
				case s == 0:
					latest[0], reached[0] = h.at, true
				case reached[s-1] && (window == 0 || h.at-latest[s-1] <= window):
					if !reached[s] || latest[s-1] > latest[s] {
						latest[s] = latest[s-1]
					}
					reached[s] = true
				}
			}
		}
		for s := n - 1; s >= 0; s-- {
			if reached[s] {
				furthestIs[s]++
				break
			}
		}
		lo = hi
	}

	out := make([]Step, n)
	reaching := 0
	for i := n - 1; i >= 0; i-- {
		reaching += furthestIs[i]
		out[i] = Step{Type: opts.Steps[i], Customers: reaching}
	}
	for i := range out {
		prev := out[max(i-1, 0)].Customers
		out[i].DropOff = prev - out[i].Customers
		out[i].PercentOfPrevious = percent(out[i].Customers, prev)
		out[i].PercentOfFirst = percent(out[i].Customers, out[0].Customers)
	}
	return out, nil
}

func percent(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	p := 100 * float64(part) / float64(whole)
	return &p
}
