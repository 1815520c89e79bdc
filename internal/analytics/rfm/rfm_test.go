package rfm

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

// scoresOf runs a scale over values and reads every value's score back.
func scoresOf(values []int64, bins int) []int {
	s := newScale(slices.Clone(values), bins)
	out := make([]int, len(values))
	for i, v := range values {
		out[i] = s.score(v)
	}
	return out
}

func TestRebasedQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values []int64
		bins   int
		want   []int
	}{
		{
			// No ties: 10 values, 5 scores of 2.
			name:   "distinct",
			values: []int64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5},
			bins:   5,
			want:   []int{5, 1, 5, 1, 4, 2, 4, 2, 3, 3},
		},
		{
			// Orders of 20 customers: twelve bought once. Bin 1's share
			// is 20/5 = 4, but the twelve stay together and take score 1
			// alone. 8 are left for 4 scores, 2 each: the four 2-order
			// customers take score 2 (the bin is empty, so they open it).
			// 4 left for 3 scores (1⅓ each): the two 3-order customers
			// take 3. 2 left for 2 scores: 4 orders → 4, 7 orders → 5.
			name:   "frequency tied at one order",
			values: []int64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 7},
			bins:   5,
			want:   []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4, 5},
		},
		{
			// Share 10/5 = 2. Bin 1 holds the 1; the pair of 2s has one
			// place left, half of it fits, so it joins (bin 1 = 3). Bin 2's
			// share is 7/4 = 1.75: 3 opens it, 4 fits half (1 + ½ ≤
			// 1.75), 5 does not (2 + ½). Bin 3, 5/3 ≈ 1.67: 5, 6. Bin 4,
			// 3/2: 7, 8. Bin 5: 9.
			name:   "a tie half fits",
			values: []int64{1, 2, 2, 3, 4, 5, 6, 7, 8, 9},
			bins:   5,
			want:   []int{1, 1, 1, 2, 2, 3, 3, 4, 4, 5},
		},
		{
			// Fewer distinct values than scores: the two bins take the
			// ends of the range.
			name:   "two values",
			values: []int64{5, 5, 5, 9},
			bins:   5,
			want:   []int{1, 1, 1, 5},
		},
		{
			// Three bins over five scores: 1, 1 + round(2 × 4/2) = 3, 5.
			name:   "three values",
			values: []int64{1, 2, 3},
			bins:   5,
			want:   []int{1, 3, 5},
		},
		{
			// Ranking says nothing: the middle score, (4+1)/2 = 2.
			name:   "all equal",
			values: []int64{3, 3, 3},
			bins:   4,
			want:   []int{2, 2, 2},
		},
		{
			// Values far apart take the sorting path instead of counting.
			name:   "sparse",
			values: []int64{-1 << 60, 0, 1 << 60, 1 << 61},
			bins:   2,
			want:   []int{1, 1, 2, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scoresOf(tt.values, tt.bins); !slices.Equal(got, tt.want) {
				t.Errorf("scores of %v: %v; want %v", tt.values, got, tt.want)
			}
		})
	}
}

// The worked example: five customers with distinct values, so each score
// is the customer's rank, and one who never ordered.
func TestScore(t *testing.T) {
	now := at("2026-01-31 12:00")
	customers := []Customer{
		{ID: 1, LastOrder: at("2026-01-30 12:00"), Orders: 9, Monetary: 90000, Profit: 30000}, // 1 day
		{ID: 2, LastOrder: at("2026-01-21 12:00"), Orders: 3, Monetary: 50000, Profit: 10000}, // 10 days
		{ID: 3, LastOrder: at("2025-12-02 12:00"), Orders: 1, Monetary: 2000, Profit: -500},   // 60 days
		{ID: 4, LastOrder: at("2025-08-04 12:00"), Orders: 6, Monetary: 70000, Profit: 20000}, // 180 days
		{ID: 5, LastOrder: at("2025-01-31 12:00"), Orders: 2, Monetary: 1000, Profit: 100},    // 365 days
		{ID: 6},
	}
	res, err := Score(customers, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	// R by days, fewest highest: 1→5, 10→4, 60→3, 180→2, 365→1.
	// F by orders: 1→1, 2→2, 3→3, 6→4, 9→5. M likewise by revenue.
	// FM = round((F+M)/2), half up:
	//   1: R5, (5+5)/2 = 5        → champions
	//   2: R4, (3+3)/2 = 3        → potential_loyalists
	//   3: R3, (1+2)/2 = 1.5 → 2  → about_to_sleep
	//   4: R2, (4+4)/2 = 4        → at_risk
	//   5: R1, (2+1)/2 = 1.5 → 2  → hibernating
	want := []Scores{
		{5, 5, 5, Champions},
		{4, 3, 3, PotentialLoyalists},
		{3, 1, 2, AboutToSleep},
		{2, 4, 4, AtRisk},
		{1, 2, 1, Hibernating},
		{},
	}
	if !slices.Equal(res.Scores, want) {
		t.Errorf("scores %v; want %v", res.Scores, want)
	}
	if res.Scored != 5 || res.Bins != 5 || !res.Now.Equal(now) {
		t.Errorf("scored %d, bins %d, now %v", res.Scored, res.Bins, res.Now)
	}
	wantRecency := []Range{{1, 365, 365, 1}, {2, 180, 180, 1}, {3, 60, 60, 1}, {4, 10, 10, 1}, {5, 1, 1, 1}}
	if !slices.Equal(res.Ranges.Recency, wantRecency) {
		t.Errorf("recency ranges %v; want %v", res.Ranges.Recency, wantRecency)
	}
	if got := res.Ranges.Monetary[4]; got != (Range{5, 90000, 90000, 1}) {
		t.Errorf("M = 5 covers %v", got)
	}
	// Grid: one customer in each of (5,5), (4,3), (3,1), (2,4), (1,2).
	cells := map[[2]int]int64{{5, 5}: 90000, {4, 3}: 50000, {3, 1}: 2000, {2, 4}: 70000, {1, 2}: 1000}
	if len(res.Grid) != 25 {
		t.Fatalf("%d cells", len(res.Grid))
	}
	for _, c := range res.Grid {
		want := GridCell{R: c.R, F: c.F}
		if rev, ok := cells[[2]int{c.R, c.F}]; ok {
			want.Customers, want.Revenue = 1, rev
		}
		if c != want {
			t.Errorf("cell %+v; want %+v", c, want)
		}
	}
	if c := res.Cell(2, 4); c.R != 2 || c.F != 4 || c.Revenue != 70000 {
		t.Errorf("Cell(2, 4) = %+v", c)
	}
	segments := map[Segment]SegmentSummary{
		Champions:          {Champions, 1, 90000, 30000},
		PotentialLoyalists: {PotentialLoyalists, 1, 50000, 10000},
		AboutToSleep:       {AboutToSleep, 1, 2000, -500},
		AtRisk:             {AtRisk, 1, 70000, 20000},
		Hibernating:        {Hibernating, 1, 1000, 100},
	}
	for i, s := range res.Segments {
		want, ok := segments[s.Segment]
		if !ok {
			want.Segment = s.Segment
		}
		if s != want || s.Segment != AllSegments[i] {
			t.Errorf("segment %d: %+v; want %+v", i, s, want)
		}
	}

	// Without Now, recency counts from the last order (2026-01-30 12:00):
	// every customer is a day nearer, the ranks are the same.
	res2, err := Score(customers, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Now.Equal(at("2026-01-30 12:00")) || !slices.Equal(res2.Scores, want) {
		t.Errorf("without now: %v, %v", res2.Now, res2.Scores)
	}
	if res2.Ranges.Recency[4].Min != 0 {
		t.Errorf("the latest order is 0 days back, not %d", res2.Ranges.Recency[4].Min)
	}
}

// Customers who ordered on the same day, as many times and for as much,
// get the same scores, and recency ties by whole days.
func TestScoreTies(t *testing.T) {
	now := at("2026-03-01 00:00")
	var customers []Customer
	// Ten customers in pairs; within a pair the orders are hours apart on
	// the same day (counted back from now), so the pair ties.
	for i := range 5 {
		day := now.AddDate(0, 0, -10*(i+1))
		customers = append(customers,
			Customer{ID: int64(2*i + 1), LastOrder: day.Add(-1 * time.Hour), Orders: 1, Monetary: int64(100 * (i + 1))},
			Customer{ID: int64(2*i + 2), LastOrder: day.Add(-20 * time.Hour), Orders: 1, Monetary: int64(100 * (i + 1))})
	}
	res, err := Score(customers, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(customers); i += 2 {
		if res.Scores[i] != res.Scores[i+1] {
			t.Errorf("customers %d and %d tie but score %v and %v", i+1, i+2, res.Scores[i], res.Scores[i+1])
		}
	}
	// Pairs are 10, 20, … 50 days back: R 5, 4, 3, 2, 1. Everyone has one
	// order, so frequency tells nobody apart: F is the middle score, 3. M
	// rises with the pair: M 1..5.
	for i, s := range res.Scores {
		pair := i / 2
		if int(s.R) != 5-pair || s.F != 3 || int(s.M) != pair+1 {
			t.Errorf("customer %d: %v; want R%d F3 M%d", i+1, s, 5-pair, pair+1)
		}
	}
}

func TestScoreOptions(t *testing.T) {
	for _, bins := range []int{-1, 1, 11} {
		_, err := Score(nil, Options{Bins: bins})
		if err == nil || !strings.Contains(err.Error(), "Bins") {
			t.Errorf("bins %d: %v; want an error about Bins", bins, err)
		}
	}
	res, err := Score(nil, Options{})
	if err != nil || res.Scored != 0 || len(res.Grid) != 25 || len(res.Segments) != len(AllSegments) || res.Ranges.Recency == nil {
		t.Errorf("nobody: %+v, %v", res, err)
	}
	// Two bins: the three customers split 2 / 1 on every dimension.
	customers := []Customer{
		{LastOrder: at("2026-01-01 00:00"), Orders: 1, Monetary: 10},
		{LastOrder: at("2026-01-02 00:00"), Orders: 2, Monetary: 20},
		{LastOrder: at("2026-01-03 00:00"), Orders: 3, Monetary: 30},
	}
	res, err = Score(customers, Options{Bins: 2, Now: at("2026-01-04 00:00")})
	if err != nil {
		t.Fatal(err)
	}
	// Share 3/2: the first value opens bin 1, the second fits half
	// (1 + ½ ≤ 1.5), the third opens bin 2. On the quintile map 1 → 1 and
	// 2 → 5: customer 3 is R5 FM5, the others R1 FM1.
	want := []Scores{{1, 1, 1, Lost}, {1, 1, 1, Lost}, {2, 2, 2, Champions}}
	if !slices.Equal(res.Scores, want) {
		t.Errorf("two bins: %v; want %v", res.Scores, want)
	}
}

func TestSegmentOf(t *testing.T) {
	tests := []struct {
		r, f, m, bins int
		want          Segment
	}{
		{5, 5, 5, 5, Champions},
		{5, 1, 1, 5, NewCustomers},
		{5, 1, 2, 5, PotentialLoyalists}, // FM = round(1.5) = 2
		{4, 1, 1, 5, Promising},
		{3, 1, 1, 5, Promising},
		{3, 2, 2, 5, AboutToSleep},
		{3, 3, 3, 5, NeedAttention},
		{3, 4, 5, 5, LoyalCustomers}, // FM = round(4.5) = 5
		{2, 5, 5, 5, AtRisk},
		{2, 1, 2, 5, Hibernating},
		{1, 5, 4, 5, CannotLoseThem},
		{1, 3, 3, 5, AtRisk},
		{1, 1, 1, 5, Lost},
		// Ten bins: r ↦ 1 + round(4(r−1)/9): 10 → 5, 6 → 3 (3.22), 3 → 2
		// (1.89). FM ↦ 1 + round(2(f+m−2)/9).
		{10, 10, 10, 10, Champions},
		{1, 1, 1, 10, Lost},
		{6, 1, 1, 10, Promising},
		{3, 10, 10, 10, AtRisk}, // R 2, FM 5
		// Two bins: 1 → 1, 2 → 5; FM of 1 and 2 is 1 + 2 = 3.
		{2, 1, 2, 2, PotentialLoyalists},
		{2, 1, 1, 2, NewCustomers},
		{1, 2, 2, 2, CannotLoseThem},
		// Three bins: 2 → 3.
		{2, 2, 2, 3, NeedAttention},
		// Out of range.
		{0, 1, 1, 5, None},
		{6, 1, 1, 5, None},
		{1, 1, 1, 11, None},
		{1, 1, 1, 1, None},
	}
	for _, tt := range tests {
		if got := SegmentOf(tt.r, tt.f, tt.m, tt.bins); got != tt.want {
			t.Errorf("SegmentOf(%d, %d, %d, %d) = %v; want %v", tt.r, tt.f, tt.m, tt.bins, got, tt.want)
		}
	}
}

// Every cell of the map lies inside its segment's published ranges
// (Putler's table, quoted in segment.go), and every segment has a cell.
func TestSegmentMapWithinPublishedRanges(t *testing.T) {
	ranges := map[Segment][4]int{ // R lo, R hi, FM lo, FM hi
		Champions:          {4, 5, 4, 5},
		LoyalCustomers:     {2, 5, 3, 5},
		PotentialLoyalists: {3, 5, 1, 3},
		NewCustomers:       {4, 5, 1, 1},
		Promising:          {3, 4, 1, 1},
		NeedAttention:      {2, 3, 2, 3},
		AboutToSleep:       {2, 3, 1, 2},
		AtRisk:             {1, 2, 2, 5},
		CannotLoseThem:     {1, 1, 4, 5},
		Hibernating:        {1, 2, 1, 2},
		Lost:               {1, 2, 1, 2},
	}
	seen := map[Segment]bool{}
	for r := 1; r <= 5; r++ {
		for fm := 1; fm <= 5; fm++ {
			s := segmentMap[r-1][fm-1]
			seen[s] = true
			b := ranges[s]
			if r < b[0] || r > b[1] || fm < b[2] || fm > b[3] {
				t.Errorf("R%d FM%d is %v, outside its ranges %v", r, fm, s, b)
			}
		}
	}
	for _, s := range AllSegments {
		if !seen[s] {
			t.Errorf("%v has no cell", s)
		}
	}
}

func TestSegmentNames(t *testing.T) {
	b, err := json.Marshal(map[string]any{"s": CannotLoseThem, "all": AllSegments})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"all":["champions","loyal_customers","potential_loyalists","new_customers","promising","need_attention","about_to_sleep","at_risk","cannot_lose_them","hibernating","lost"],"s":"cannot_lose_them"}`
	if string(b) != want {
		t.Errorf("JSON %s; want %s", b, want)
	}
	var s Segment
	if err := s.UnmarshalText([]byte("at_risk")); err != nil || s != AtRisk {
		t.Errorf("unmarshal at_risk: %v, %v", s, err)
	}
	if err := s.UnmarshalText([]byte("vip")); err == nil {
		t.Error("unmarshal vip: no error")
	}
	if _, err := Segment(99).MarshalText(); err == nil {
		t.Error("marshal 99: no error")
	}
}
