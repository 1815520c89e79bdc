package funnel

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)

// ev makes an event hours after t0.
func ev(customer int64, typ string, hours float64) Event {
	return Event{Customer: customer, Type: typ, At: t0.Add(time.Duration(hours * float64(time.Hour)))}
}

var shop = []string{"product_view", "add_to_cart", "checkout_started", "purchase"}

// shopEvents are the hand-worked example; the comments give each
// customer's furthest step with a 24-hour window and without one.
var shopEvents = []Event{
	// 1: straight through in a quarter of an hour. 4 / 4.
	ev(1, "product_view", 10), ev(1, "add_to_cart", 10.1), ev(1, "checkout_started", 10.2), ev(1, "purchase", 10.25),
	// 2: viewed and bought, never used the cart. 1 / 1.
	ev(2, "product_view", 10), ev(2, "purchase", 11),
	// 3: the cart before the view does not follow it. 1 / 1.
	ev(3, "add_to_cart", 9), ev(3, "product_view", 10),
	// 4: checked out two days after the view: 2 within 24 h, 4 without.
	ev(4, "product_view", 10), ev(4, "add_to_cart", 11), ev(4, "checkout_started", 58), ev(4, "purchase", 58.1),
	// 5: a second view two days later starts a chain that gets further
	// within the window. 3 / 3.
	ev(5, "product_view", 10), ev(5, "product_view", 57), ev(5, "add_to_cart", 57.5), ev(5, "checkout_started", 57.7),
	// 6: a purchase without a view. Not in the funnel.
	ev(6, "purchase", 12),
	// 7: view and cart in the same second, the cart listed first: taken
	// in the order of the steps. 2 / 2.
	ev(7, "add_to_cart", 12), ev(7, "product_view", 12),
	// 8: other events only.
	ev(8, "login", 1), ev(8, "search", 2),
}

func counts(steps []Step) []int {
	out := make([]int, len(steps))
	for i, s := range steps {
		out[i] = s.Customers
	}
	return out
}

func near(p *float64, want float64) bool { return p != nil && math.Abs(*p-want) < 1e-9 }

func TestFunnel(t *testing.T) {
	t.Run("24-hour window", func(t *testing.T) {
		steps, err := Analyze(shopEvents, Options{Steps: shop, Window: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		// Views: 1, 2, 3, 4, 5, 7. Carts: 1, 4, 5, 7. Checkouts: 1, 5.
		// Purchases: 1.
		if got := counts(steps); !slices.Equal(got, []int{6, 4, 2, 1}) {
			t.Fatalf("counts %v; want 6 4 2 1", got)
		}
		// Drop-off 0, 2, 2, 1; of previous 100, 4/6, 2/4, 1/2; of first
		// 100, 4/6, 2/6, 1/6.
		wantDrop := []int{0, 2, 2, 1}
		wantPrev := []float64{100, 400.0 / 6, 50, 50}
		wantFirst := []float64{100, 400.0 / 6, 200.0 / 6, 100.0 / 6}
		for i, s := range steps {
			if s.Type != shop[i] || s.DropOff != wantDrop[i] || !near(s.PercentOfPrevious, wantPrev[i]) || !near(s.PercentOfFirst, wantFirst[i]) {
				t.Errorf("step %d: %s %d drop %d, %v%% of previous, %v%% of first; want %s drop %d, %v, %v", i+1,
					s.Type, s.Customers, s.DropOff, *s.PercentOfPrevious, *s.PercentOfFirst, shop[i], wantDrop[i], wantPrev[i], wantFirst[i])
			}
		}
	})
	t.Run("no window", func(t *testing.T) {
		// Customer 4 now goes all the way: checkouts 1, 4, 5; purchases
		// 1, 4.
		steps, err := Analyze(shopEvents, Options{Steps: shop})
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(steps); !slices.Equal(got, []int{6, 4, 3, 2}) {
			t.Errorf("counts %v; want 6 4 3 2", got)
		}
	})
	t.Run("any order of the input", func(t *testing.T) {
		events := slices.Clone(shopEvents)
		rng := rand.New(rand.NewPCG(7, 8))
		for range 20 {
			rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
			steps, err := Analyze(events, Options{Steps: shop, Window: 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			if got := counts(steps); !slices.Equal(got, []int{6, 4, 2, 1}) {
				t.Fatalf("shuffled: %v", got)
			}
		}
	})
}

func TestFunnelWindowIsInclusive(t *testing.T) {
	const w = time.Hour
	for _, tc := range []struct {
		after time.Duration
		want  []int
	}{
		{w, []int{1, 1}},
		{w + time.Nanosecond, []int{1, 0}},
	} {
		events := []Event{{1, "a", t0}, {1, "b", t0.Add(tc.after)}}
		steps, err := Analyze(events, Options{Steps: []string{"a", "b"}, Window: w})
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(steps); !slices.Equal(got, tc.want) {
			t.Errorf("b %v after a: %v; want %v", tc.after, got, tc.want)
		}
	}
}

func TestFunnelRepeatedSteps(t *testing.T) {
	repeat := []string{"purchase", "purchase"}
	tests := []struct {
		name   string
		steps  []string
		window time.Duration
		events []Event
		want   []int
	}{
		// One purchase cannot be the first and the second.
		{"one purchase", repeat, 0, []Event{ev(1, "purchase", 1)}, []int{1, 0}},
		{"two purchases", repeat, 0, []Event{ev(1, "purchase", 1), ev(1, "purchase", 30)}, []int{1, 1}},
		// Two events in the same second are still two purchases.
		{"same second", repeat, 0, []Event{ev(1, "purchase", 1), ev(1, "purchase", 1)}, []int{1, 1}},
		// Window 3 h: the purchase at 5 h is too late to follow the one at
		// 0 h but starts a chain that the one at 7 h completes.
		{"a late event starts a chain", repeat, 3 * time.Hour,
			[]Event{ev(1, "purchase", 0), ev(1, "purchase", 5), ev(1, "purchase", 7)}, []int{1, 1}},
		{"too far apart", repeat, 3 * time.Hour,
			[]Event{ev(1, "purchase", 0), ev(1, "purchase", 5)}, []int{1, 0}},
		// a → b → a: the second a closes the chain the first opened.
		{"a b a", []string{"a", "b", "a"}, 0, []Event{ev(1, "a", 1), ev(1, "b", 2), ev(1, "a", 3)}, []int{1, 1, 1}},
		{"a b, no second a", []string{"a", "b", "a"}, 0, []Event{ev(1, "a", 1), ev(1, "b", 2)}, []int{1, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps, err := Analyze(tt.events, Options{Steps: tt.steps, Window: tt.window})
			if err != nil {
				t.Fatal(err)
			}
			if got := counts(steps); !slices.Equal(got, tt.want) {
				t.Errorf("counts %v; want %v", got, tt.want)
			}
		})
	}
}

func TestFunnelEmptyAndInvalid(t *testing.T) {
	steps, err := Analyze(nil, Options{Steps: shop})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		if s.Customers != 0 || s.DropOff != 0 || s.PercentOfPrevious != nil || s.PercentOfFirst != nil {
			t.Errorf("empty funnel step %+v", s)
		}
	}
	// Nobody viewed: later steps have no percentage of previous.
	steps, _ = Analyze([]Event{ev(1, "purchase", 1)}, Options{Steps: shop})
	if steps[3].Customers != 0 || steps[3].PercentOfPrevious != nil {
		t.Errorf("purchase without views: %+v", steps[3])
	}

	for _, tc := range []struct {
		events []Event
		opts   Options
		want   string
	}{
		{nil, Options{}, "no Steps"},
		{nil, Options{Steps: []string{"a", ""}}, "step 2 has no event type"},
		{nil, Options{Steps: shop, Window: -time.Second}, "negative"},
		{[]Event{{1, "purchase", time.Time{}}}, Options{Steps: shop}, "no usable time"},
	} {
		_, err := Analyze(tc.events, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error saying %q", tc.opts, err, tc.want)
		}
	}
	// Events of other types are ignored, whatever their time.
	if _, err := Analyze([]Event{{1, "login", time.Time{}}}, Options{Steps: shop}); err != nil {
		t.Errorf("an unused event without a time: %v", err)
	}
}

// naiveFurthest is the furthest step a customer reaches, by trying every
// step-1 event as a start and following each step by its earliest possible
// event: the plain reading of the definition.
func naiveFurthest(events []Event, steps []string, window time.Duration) int {
	sorted := slices.Clone(events)
	rank := func(typ string) int { return slices.Index(steps, typ) }
	slices.SortStableFunc(sorted, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return rank(a.Type) - rank(b.Type)
	})
	best := -1
	for i, e := range sorted {
		if e.Type != steps[0] {
			continue
		}
		step, pos := 0, i
		for step+1 < len(steps) {
			next := -1
			for j := pos + 1; j < len(sorted); j++ {
				if sorted[j].Type == steps[step+1] && (window == 0 || sorted[j].At.Sub(e.At) <= window) {
					next = j
					break
				}
			}
			if next < 0 {
				break
			}
			step, pos = step+1, next
		}
		best = max(best, step)
	}
	return best
}

// Random customers against the plain reading.
func TestFunnelAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	types := []string{"a", "b", "c", "x"}
	for _, steps := range [][]string{{"a", "b", "c"}, {"a", "b", "a", "c"}, {"a", "a", "b"}} {
		for _, window := range []time.Duration{0, 5 * time.Hour} {
			var all []Event
			want := make([]int, len(steps))
			for c := int64(1); c <= 300; c++ {
				var mine []Event
				for range rng.IntN(8) {
					mine = append(mine, ev(c, types[rng.IntN(len(types))], float64(rng.IntN(20))))
				}
				for s := naiveFurthest(mine, steps, window); s >= 0; s-- {
					want[s]++
				}
				all = append(all, mine...)
			}
			rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
			got, err := Analyze(all, Options{Steps: steps, Window: window})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(counts(got), want) {
				t.Errorf("steps %v, window %v: %v; naive %v", steps, window, counts(got), want)
			}
		}
	}
}

// BenchmarkFunnel: a million events of 200,000 customers over 30 days, a
// 7-day window; unsorted, then sorted by customer and time as a store
// query returns them.
func BenchmarkFunnel(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	kinds := []string{"product_view", "product_view", "product_view", "product_view", "product_view",
		"add_to_cart", "add_to_cart", "checkout_started", "purchase", "login"}
	events := make([]Event, 1_000_000)
	for i := range events {
		events[i] = Event{
			Customer: rng.Int64N(200_000),
			Type:     kinds[rng.IntN(len(kinds))],
			At:       t0.Add(time.Duration(rng.Int64N(30 * 24 * int64(time.Hour)))),
		}
	}
	opts := Options{Steps: shop, Window: 7 * 24 * time.Hour}
	run := func(b *testing.B, events []Event) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Analyze(events, opts); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("unsorted", func(b *testing.B) { run(b, events) })
	sorted := slices.Clone(events)
	slices.SortFunc(sorted, func(a, b Event) int {
		if a.Customer != b.Customer {
			return int(a.Customer - b.Customer)
		}
		return a.At.Compare(b.At)
	})
	b.Run("sorted", func(b *testing.B) { run(b, sorted) })
}
