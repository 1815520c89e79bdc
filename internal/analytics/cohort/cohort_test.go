package cohort

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/London without the system's zoneinfo
)

// taipei is UTC+8, without daylight saving.
var taipei = time.FixedZone("Asia/Taipei", 8*3600)

func in(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

// rowsOf keeps what the hand-worked tables state.
type row struct {
	start  string
	active []int
}

func rowsOf(res Result) []row {
	var out []row
	for _, c := range res.Cohorts {
		out = append(out, row{c.Start.Format("2006-01-02 15:04 MST"), c.Active})
	}
	return out
}

func sameRows(a, b []row) bool {
	return slices.EqualFunc(a, b, func(x, y row) bool { return x.start == y.start && slices.Equal(x.active, y.active) })
}

func TestMonthlyRetention(t *testing.T) {
	orders := []Order{
		{1, in(taipei, "2026-01-05 10:00")},
		{1, in(taipei, "2026-01-20 10:00")},
		{1, in(taipei, "2026-02-03 10:00")},
		{1, in(taipei, "2026-04-10 10:00")},
		{2, in(taipei, "2026-01-31 23:30")}, // 15:30 UTC: January in either zone
		{2, in(taipei, "2026-03-01 00:10")}, // 28 Feb 16:10 UTC: March in Taipei, February in UTC
		{3, in(taipei, "2026-02-10 10:00")},
		{3, in(taipei, "2026-02-11 10:00")},
		{3, in(taipei, "2026-03-15 10:00")},
		{4, in(taipei, "2026-03-01 04:00")}, // 28 Feb 20:00 UTC
		{4, in(taipei, "2026-04-02 10:00")},
		{5, in(taipei, "2026-04-30 10:00")},
	}
	// Any order of the input gives the same table.
	rand.New(rand.NewPCG(1, 1)).Shuffle(len(orders), func(i, j int) { orders[i], orders[j] = orders[j], orders[i] })

	res, err := Retention(orders, Options{Location: taipei})
	if err != nil {
		t.Fatal(err)
	}
	// In Taipei: January = {1, 2}; 1 comes back in February and April,
	// 2 in March → 2, 1, 1, 1. February = {3}: back in March, not April.
	// March = {4}: back in April. April = {5}.
	want := []row{
		{"2026-01-01 00:00 Asia/Taipei", []int{2, 1, 1, 1}},
		{"2026-02-01 00:00 Asia/Taipei", []int{1, 1, 0}},
		{"2026-03-01 00:00 Asia/Taipei", []int{1, 1}},
		{"2026-04-01 00:00 Asia/Taipei", []int{1}},
	}
	if got := rowsOf(res); !sameRows(got, want) {
		t.Errorf("Taipei:\n got %v\nwant %v", got, want)
	}
	if !slices.Equal(res.Cohorts[0].Percent, []float64{100, 50, 50, 50}) || !slices.Equal(res.Cohorts[1].Percent, []float64{100, 100, 0}) {
		t.Errorf("percentages %v, %v", res.Cohorts[0].Percent, res.Cohorts[1].Percent)
	}
	if res.Customers != 5 || res.Orders != 12 || res.Cohorts[0].Size != 2 {
		t.Errorf("customers %d, orders %d, size %d", res.Customers, res.Orders, res.Cohorts[0].Size)
	}

	// In UTC: 2's second order and 4's first fall in February. January =
	// {1, 2}, both back in February → 2, 2, 0, 1. February = {3, 4}: 3
	// back in March, 4 in April → 2, 1, 1.
	res, err = Retention(orders, Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	want = []row{
		{"2026-01-01 00:00 UTC", []int{2, 2, 0, 1}},
		{"2026-02-01 00:00 UTC", []int{2, 1, 1}},
		{"2026-04-01 00:00 UTC", []int{1}},
	}
	if got := rowsOf(res); !sameRows(got, want) {
		t.Errorf("UTC:\n got %v\nwant %v", got, want)
	}
}

func TestWeeklyRetention(t *testing.T) {
	// 2026-01-05 is a Monday.
	orders := []Order{
		{1, in(time.UTC, "2026-01-05 09:00")}, // Mon
		{1, in(time.UTC, "2026-01-11 22:00")}, // Sun
		{1, in(time.UTC, "2026-01-13 10:00")}, // Tue
		{2, in(time.UTC, "2026-01-11 10:00")}, // Sun
		{2, in(time.UTC, "2026-01-19 10:00")}, // Mon
	}
	tests := []struct {
		start time.Weekday
		want  []row
	}{
		// Weeks from Monday: 5–11, 12–18, 19–25 January. Both start in
		// the first; 1 is back in the second, 2 in the third.
		{time.Monday, []row{{"2026-01-05 00:00 UTC", []int{2, 1, 1}}}},
		// Weeks from Sunday: 4–10, 11–17, 18–24. 1 starts in the first and
		// is back in the second (twice: counted once); 2 starts in the
		// second and is back in the third.
		{time.Sunday, []row{
			{"2026-01-04 00:00 UTC", []int{1, 1, 0}},
			{"2026-01-11 00:00 UTC", []int{1, 1}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.start.String(), func(t *testing.T) {
			res, err := Retention(orders, Options{Period: Week, WeekStart: tt.start, Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			if got := rowsOf(res); !sameRows(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

// Months follow the local calendar across daylight saving changes.
func TestRetentionAcrossDaylightSaving(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time { return in(time.UTC, s) }
	orders := []Order{
		{1, utc("2026-03-31 23:30")}, // 00:30 BST on 1 April
		{1, utc("2026-10-31 23:30")}, // 23:30 GMT on 31 October
		{1, utc("2026-11-01 00:30")}, // November
	}
	res, err := Retention(orders, Options{Location: london})
	if err != nil {
		t.Fatal(err)
	}
	// April cohort; back in October (k = 6) and November (k = 7).
	c := res.Cohorts[0]
	if got := c.Start.Format("2006-01-02 15:04 MST"); got != "2026-04-01 00:00 BST" || len(c.Active) != 8 || c.Active[6] != 1 || c.Active[7] != 1 {
		t.Errorf("cohort %s, %v", got, c.Active)
	}
}

func TestRetentionOptions(t *testing.T) {
	some := []Order{{1, in(time.UTC, "2026-01-01 00:00")}}
	for _, tc := range []struct {
		orders []Order
		opts   Options
		want   string
	}{
		{some, Options{}, "Location is nil"},
		{some, Options{Location: time.UTC, Period: 7}, "unknown Period"},
		{some, Options{Location: time.UTC, WeekStart: 9}, "not a weekday"},
		{[]Order{{1, time.Time{}}}, Options{Location: time.UTC}, "has no time"},
		{[]Order{{1, in(time.UTC, "1900-01-01 00:00")}, {2, in(time.UTC, "2026-01-01 00:00")}},
			Options{Location: time.UTC, Period: Week}, "span more than 2000 weeks"},
	} {
		_, err := Retention(tc.orders, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error saying %q", tc.opts, err, tc.want)
		}
	}
	res, err := Retention(nil, Options{Location: time.UTC})
	if err != nil || res.Cohorts == nil || len(res.Cohorts) != 0 {
		t.Errorf("no orders: %+v, %v", res, err)
	}
}

// Customer ids far apart take the map; close together, the slice. Both
// number customers the same way.
func TestIndex(t *testing.T) {
	for _, ids := range [][]int64{{7, 9, 7, 8}, {1 << 50, -1 << 50, 1 << 50, 0}} {
		orders := make([]Order, len(ids))
		for i, id := range ids {
			orders[i] = Order{Customer: id}
		}
		x := newIndex(orders)
		var got []int32
		for _, id := range ids {
			got = append(got, x.of(id))
		}
		if !slices.Equal(got, []int32{0, 1, 0, 2}) || x.count() != 3 {
			t.Errorf("ids %v numbered %v", ids, got)
		}
	}
}

// BenchmarkCohort: a million orders of 100,000 customers over two years,
// monthly, in a zone with daylight saving.
func BenchmarkCohort(b *testing.B) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	orders := make([]Order, 1_000_000)
	for i := range orders {
		orders[i] = Order{Customer: 1000 + rng.Int64N(100_000), At: start.Add(time.Duration(rng.Int64N(2*365*24*3600)) * time.Second)}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Retention(orders, Options{Location: london}); err != nil {
			b.Fatal(err)
		}
	}
}
