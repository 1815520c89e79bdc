package salesforecast

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The pipeline of the tests: two open stages, won and lost.
var testStages = []Stage{
	{ID: 11, PipelineID: 1, Name: "Qualified", Position: 1, Kind: Open, Probability: 20},
	{ID: 12, PipelineID: 1, Name: "Proposal", Position: 2, Kind: Open, Probability: 60},
	{ID: 13, PipelineID: 1, Name: "Won", Position: 3, Kind: Won, Probability: 100},
	{ID: 14, PipelineID: 1, Name: "Lost", Position: 4, Kind: Lost, Probability: 0},
}

func closedDeal(id, owner int64, status string, furthest int, created, closed string, amount int64) Deal {
	stage := int64(13)
	if status == Lost {
		stage = 14
	}
	return Deal{ID: id, PipelineID: 1, StageID: stage, OwnerID: owner, Status: status, Amount: amount,
		CreatedAt: day(created), ClosedAt: day(closed), Furthest: furthest}
}

func openDeal(id, owner, stage int64, furthest int, created, expected string, amount int64) Deal {
	d := Deal{ID: id, PipelineID: 1, StageID: stage, OwnerID: owner, Status: Open, Amount: amount, CreatedAt: day(created), Furthest: furthest}
	if expected != "" {
		d.ExpectedClose = day(expected)
	}
	return d
}

// history: five closed deals. Owner 1 won two of three, owner 2 one of two;
// one won deal (h3) was created straight in the won stage.
var history = []Deal{
	closedDeal(1, 1, Won, 2, "2026-01-01", "2026-01-11", 1000),  // 10 days
	closedDeal(2, 1, Lost, 1, "2026-01-01", "2026-01-05", 1000), // lost in stage 1
	closedDeal(3, 2, Won, 0, "2026-01-01", "2026-01-21", 1000),  // 20 days
	closedDeal(4, 2, Lost, 2, "2026-01-01", "2026-02-01", 1000), // lost in stage 2
	closedDeal(5, 1, Won, 2, "2026-01-01", "2026-01-31", 1000),  // 30 days
}

// april are the deals of April 2026, as of its first day.
var april = []Deal{
	openDeal(21, 1, 11, 1, "2026-03-20", "2026-04-15", 10000), // predicted 04-09: in both
	openDeal(22, 2, 12, 2, "2026-01-01", "2026-06-01", 5000),  // predicted 01-21, overdue → now: history only
	openDeal(23, 1, 12, 2, "2026-04-20", "2026-04-30", 3000),  // predicted 05-10: weighted only
	openDeal(24, 0, 11, 1, "2026-04-05", "", 1001),            // no owner, no date: predicted 04-25 by everyone's cycle
	closedDeal(25, 2, Won, 2, "2026-03-31", "2026-04-10", 7000),
	closedDeal(26, 1, Lost, 1, "2026-03-01", "2026-04-11", 900),
	closedDeal(27, 1, Won, 2, "2026-02-01", "2026-03-10", 800), // won before the period
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestForecast(t *testing.T) {
	f := MakeForecast(Input{Stages: testStages, History: history, Deals: april,
		From: day("2026-04-01"), To: day("2026-05-01"), Now: day("2026-04-01")})

	// Worked by hand. Everyone: 3 of 5 won (0.6), won in 10, 20, 30 days (20).
	// Stage 1 reached by all five, 3 won: (3 + 5×0.2)/(5+5) = 0.4.
	// Stage 2 reached by h1, h3 (won), h4, h5: (3 + 5×0.6)/(4+5) = 2/3.
	// Owner 1: (2 + 5×0.6)/(3+5) = 0.625 → factor 0.625/0.6; cycle (40+5×20)/7 = 20.
	// Owner 2: (1 + 3)/(2+5) = 4/7 → factor (4/7)/0.6; cycle (20+100)/6 = 20.
	// Ages (age.go): the five closed deals close at 4 (lost), 10, 20, 30
	// (won) and 31 (lost) days. Still open after 4 days: 0.8; after 10:
	// 0.6, having won 0.8 × 1/4 = 0.2; after 20: 0.4, won 0.4; after 30:
	// 0.2, won 0.6 in all. Deal 21 is 12 days old: P(won later | open) =
	// (0.6 − 0.2) / 0.6 = 2/3, against 0.6 for a new deal; 3 deals lived
	// 12 days or more, so its factor is (3 × (2/3)/0.6 + 5) / (3 + 5).
	// Deal 22 (90 days) is older than any deal of the history: no deal at
	// risk, factor 1; deal 24 is not a day old: factor 1.
	age21 := (3*((2.0/3)/0.6) + 5) / 8
	h21 := 10000 * 0.4 * (0.625 / 0.6) * age21
	h22 := 5000 * (2.0 / 3) * ((4.0 / 7) / 0.6)
	h24 := 1001 * 0.4
	want := Forecast{
		Committed:        7000,
		WeightedPipeline: 10000*20/100 + 3000*60/100,
		WeightedForecast: 7000 + 3800,
		BestCase:         7000 + 10000 + 3000,
		HistoryPipeline:  int64(math.Round(h21 + h22 + h24)),
		OpenDeals:        2,
		Undated:          1,
	}
	want.HistoryForecast = want.Committed + want.HistoryPipeline
	want.Gap = want.HistoryForecast - want.WeightedForecast
	got := *f
	got.Stages, got.Owners, got.History = nil, nil, HistorySummary{}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("forecast\n got %+v\nwant %+v", got, want)
	}
	if want.HistoryPipeline != 7915 {
		t.Fatalf("the hand computation moved: %d", want.HistoryPipeline)
	}

	if h := f.History; h.ClosedDeals != 5 || h.Won != 3 || !near(*h.WinRate, 0.6) || !near(*h.AverageCycleDays, 20) {
		t.Errorf("history %+v", h)
	}
	if len(f.Stages) != 2 {
		t.Fatalf("stages %+v", f.Stages)
	}
	s1, s2 := f.Stages[0], f.Stages[1]
	if s1.StageID != 11 || s1.Reached != 5 || s1.Won != 3 || !near(*s1.Observed, 0.6) || !near(s1.Used, 0.4) {
		t.Errorf("stage 1 %+v", s1)
	}
	if s2.StageID != 12 || s2.Reached != 4 || s2.Won != 3 || !near(*s2.Observed, 0.75) || !near(s2.Used, 2.0/3) {
		t.Errorf("stage 2 %+v", s2)
	}

	// Owners: 1, 2, then nobody.
	if len(f.Owners) != 3 || *f.Owners[0].OwnerID != 1 || *f.Owners[1].OwnerID != 2 || f.Owners[2].OwnerID != nil {
		t.Fatalf("owners %+v", f.Owners)
	}
	o1, o2, none := f.Owners[0], f.Owners[1], f.Owners[2]
	if o1.Closed != 3 || o1.Won != 2 || !near(o1.Factor, 0.625/0.6) || !near(*o1.CycleDays, 20) ||
		o1.Committed != 0 || o1.WeightedPipeline != 3800 || o1.BestCase != 13000 || o1.HistoryPipeline != int64(math.Round(h21)) {
		t.Errorf("owner 1 %+v", o1)
	}
	if o2.Committed != 7000 || o2.BestCase != 7000 || o2.HistoryPipeline != int64(math.Round(h22)) || !near(o2.Factor, (4.0/7)/0.6) {
		t.Errorf("owner 2 %+v", o2)
	}
	if none.Closed != 0 || none.Factor != 1 || !near(*none.CycleDays, 20) || none.HistoryPipeline != 400 {
		t.Errorf("nobody %+v", none)
	}
}

// Without history, the history-based forecast knows nothing more than the
// fixed probabilities and the expected close dates: it equals the weighted
// one.
func TestForecastWithoutHistory(t *testing.T) {
	f := MakeForecast(Input{Stages: testStages, Deals: april, From: day("2026-04-01"), To: day("2026-05-01"), Now: day("2026-04-01")})
	if f.HistoryPipeline != f.WeightedPipeline || f.Gap != 0 || f.History.WinRate != nil || f.History.AverageCycleDays != nil {
		t.Errorf("history %d, weighted %d, gap %d, %+v", f.HistoryPipeline, f.WeightedPipeline, f.Gap, f.History)
	}
	for _, s := range f.Stages {
		if s.Observed != nil || !near(s.Used, float64(s.Probability)/100) {
			t.Errorf("stage %+v", s)
		}
	}
}

func TestWeightedSumRounds(t *testing.T) {
	tests := []struct {
		name    string
		amounts []int64
		percent int
		want    int64
	}{
		{"exact", []int64{1000, 2000}, 25, 750},
		{"halves add up", []int64{1, 1}, 50, 1},
		{"one half rounds up", []int64{1}, 50, 1},
		{"below a half", []int64{1, 1, 1}, 33, 1},
		{"negative", []int64{-1}, 50, -1},
		{"large", []int64{1_000_000_000_000, 1_000_000_000_000}, 99, 1_980_000_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w weightedSum
			for _, a := range tt.amounts {
				w.add(a, tt.percent)
			}
			if got := w.value(); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestKPIs(t *testing.T) {
	target := int64(26000)
	deals := append(append([]Deal{}, history...), april...)
	k := MakeKPIs(KPIInput{Stages: testStages, Deals: deals, From: day("2026-04-01"), To: day("2026-05-01"), Target: &target})
	// Closed in April: 25 (won by owner 2 in 10 days, 7000) and 26 (lost by
	// owner 1 after 41 days). Open and expected in April: 21 and 23.
	if k.Closed != 2 || k.Won != 1 || k.Lost != 1 || !near(*k.WinRate, 0.5) || k.WonAmount != 7000 || *k.AverageDealSize != 7000 ||
		!near(*k.AverageCycleDays, 10) || !near(*k.AverageCycleDaysLost, 41) {
		t.Errorf("closed figures %+v", k)
	}
	if k.OpenPipeline != 13000 || k.OpenDeals != 2 || *k.Target != target || !near(*k.Coverage, 0.5) {
		t.Errorf("pipeline %d (%d deals), coverage %v", k.OpenPipeline, k.OpenDeals, k.Coverage)
	}
	if len(k.Owners) != 2 || *k.Owners[0].OwnerID != 1 || k.Owners[0].Lost != 1 || !near(*k.Owners[0].WinRate, 0) || k.Owners[0].AverageDealSize != nil ||
		*k.Owners[1].OwnerID != 2 || k.Owners[1].Won != 1 || *k.Owners[1].AverageDealSize != 7000 || !near(*k.Owners[1].AverageCycleDays, 10) {
		t.Errorf("owners %+v", k.Owners)
	}
	// Created in April: 23 (in stage 2) and 24 (in stage 1).
	if len(k.Conversion) != 1 {
		t.Fatalf("conversion %+v", k.Conversion)
	}
	f := k.Conversion[0]
	if f.Deals != 2 || len(f.Steps) != 2 {
		t.Fatalf("funnel %+v", f)
	}
	if s := f.Steps[0]; s.StageID != 11 || s.Reached != 2 || s.Advanced != 1 || !near(*s.Rate, 0.5) || s.Next != "Proposal" {
		t.Errorf("step 1 %+v", s)
	}
	if s := f.Steps[1]; s.StageID != 12 || s.Reached != 1 || s.Advanced != 0 || !near(*s.Rate, 0) || s.Next != "Won" {
		t.Errorf("step 2 %+v", s)
	}

	none := MakeKPIs(KPIInput{Stages: testStages, From: day("2026-04-01"), To: day("2026-05-01")})
	if none.WinRate != nil || none.AverageDealSize != nil || none.Coverage != nil || none.Target != nil || len(none.Conversion) != 1 || none.Conversion[0].Steps[0].Rate != nil {
		t.Errorf("empty period %+v", none)
	}
}

// A won deal reached every open stage, however it got there; a lost deal
// reached the stages up to the furthest it was in.
func TestReached(t *testing.T) {
	s1, s2 := &testStages[0], &testStages[1]
	other := &Stage{ID: 99, PipelineID: 2, Position: 1, Kind: Open}
	tests := []struct {
		name string
		d    Deal
		want [3]bool
	}{
		{"won straight away", closedDeal(1, 1, Won, 0, "2026-01-01", "2026-01-02", 1), [3]bool{true, true, false}},
		{"lost in stage 1", closedDeal(1, 1, Lost, 1, "2026-01-01", "2026-01-02", 1), [3]bool{true, false, false}},
		{"created in stage 2", openDeal(1, 1, 12, 2, "2026-01-01", "", 1), [3]bool{true, true, false}},
		{"lost at once", closedDeal(1, 1, Lost, 0, "2026-01-01", "2026-01-02", 1), [3]bool{false, false, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := [3]bool{tt.d.reached(s1), tt.d.reached(s2), tt.d.reached(other)}
			if got != tt.want {
				t.Errorf("reached %v, want %v", got, tt.want)
			}
		})
	}
}

// TestAgeFactor works the competing-risks curve by hand on deals created
// the same day: won at 10 days (two), lost at 20, won at 30, and one still
// open at 40 (censored).
//
//	age 10: 5 at risk, 2 won → still open 0.6, won 0.4
//	age 20: 3 at risk, 1 lost → still open 0.4
//	age 30: 2 at risk, 1 won → won 0.4 + 0.4 × 1/2 = 0.6, still open 0.2
//
// P(won later | open at a) / P(won): a = 0: 1; a = 15: (0.6 − 0.4)/0.6 / 0.6
// = 5/9, with 3 at risk; a = 35: 0, with 1 at risk (the open one).
func TestAgeFactor(t *testing.T) {
	now := day("2026-02-10")
	deals := []Deal{
		closedDeal(1, 1, Won, 1, "2026-01-01", "2026-01-11", 1),
		closedDeal(2, 1, Won, 1, "2026-01-01", "2026-01-11", 1),
		closedDeal(3, 1, Lost, 1, "2026-01-01", "2026-01-21", 1),
		closedDeal(4, 1, Won, 1, "2026-01-01", "2026-01-31", 1),
		openDeal(5, 1, 11, 1, "2026-01-01", "", 1), // 40 days old now
	}
	c := learnAges(deals, now)
	for _, tc := range []struct {
		age, want float64
	}{
		{0, 1},                          // (5 × 1 + 5) / 10
		{15, (3*(5.0/9) + 5) / (3 + 5)}, // 0.8333…
		{35, (1*0 + 5.0) / (1 + 5)},     // 5/6
		{50, 1},                         // nobody at risk: no evidence
	} {
		if got := c.factor(tc.age); !near(got, tc.want) {
			t.Errorf("factor(%v) = %v, want %v", tc.age, got, tc.want)
		}
	}
	// Many stalled deals, open far longer than any win took: the factor
	// of one more falls towards 0 — (20 × 0 + 5) / (20 + 5).
	for i := range 20 {
		deals = append(deals, openDeal(int64(100+i), 1, 11, 1, "2025-01-01", "", 1))
	}
	c = learnAges(deals, now)
	if got := c.factor(300); !near(got, 5.0/25) {
		t.Errorf("a stalled deal's factor %v, want 0.2", got)
	}
	// Without a win in the history, age says nothing.
	if got := learnAges(deals[2:3], now).factor(100); got != 1 {
		t.Errorf("no wins: factor %v", got)
	}
}
