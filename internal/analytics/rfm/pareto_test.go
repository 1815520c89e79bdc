package rfm

import (
	"slices"
	"strings"
	"testing"
)

func TestPareto(t *testing.T) {
	profits := []int64{50, -10, 30, 0, 20, 10}
	before := slices.Clone(profits)
	p, err := ParetoOf(profits, ParetoOptions{Points: 4})
	if err != nil {
		t.Fatal(err)
	}
	// Positive total 50+30+20+10 = 110; 80% of it is 88. Ranked: 50, 30,
	// 20 → 100 ≥ 88 after 3 of 6 customers.
	if p.Customers != 6 || p.Top != 3 || *p.Share != 0.5 || *p.ProfitShare != 100.0/110 {
		t.Errorf("pareto %d, %d, %v, %v; want 6, 3, 0.5, 100/110", p.Customers, p.Top, *p.Share, *p.ProfitShare)
	}
	// Four points at 0, 2, 4, 6 customers: 0, 80, 110, 100 (the losses
	// bring the curve down after the peak).
	want := []CurvePoint{
		{0, 0, 0, 0},
		{2, 2.0 / 6, 80, 80.0 / 110},
		{4, 4.0 / 6, 110, 1},
		{6, 1, 100, 100.0 / 110},
	}
	if !slices.Equal(p.Curve, want) {
		t.Errorf("curve %v; want %v", p.Curve, want)
	}
	if !slices.Equal(profits, before) {
		t.Error("ParetoOf modified its argument")
	}

	// More points than customers: one per count, 0..6.
	p, _ = ParetoOf(profits, ParetoOptions{Points: 101})
	if len(p.Curve) != 7 || p.Curve[1].Profit != 50 || p.Curve[6].Customers != 6 {
		t.Errorf("dense curve %v", p.Curve)
	}
	// 101 points over 1000 customers: every 10th.
	many := make([]int64, 1000)
	for i := range many {
		many[i] = 1
	}
	p, _ = ParetoOf(many, ParetoOptions{Points: 101})
	if len(p.Curve) != 101 || p.Curve[1].Customers != 10 || p.Curve[100].Customers != 1000 || p.Curve[50].ProfitShare != 0.5 {
		t.Errorf("curve of 1000: %d points, %v, %v", len(p.Curve), p.Curve[1], p.Curve[100])
	}
	// All equal: 80% of 1000 customers make 80% of the profit.
	if p.Top != 800 {
		t.Errorf("top %d of 1000 equal customers; want 800", p.Top)
	}
}

func TestParetoEdges(t *testing.T) {
	t.Run("no profit", func(t *testing.T) {
		for _, profits := range [][]int64{nil, {0, -5}} {
			p, err := ParetoOf(profits, ParetoOptions{Points: 11})
			if err != nil || p.Customers != len(profits) || p.Top != 0 || p.Share != nil || p.ProfitShare != nil || p.Curve != nil {
				t.Errorf("%v: %+v, %v", profits, p, err)
			}
		}
	})
	t.Run("exactly 80%", func(t *testing.T) {
		// 8 of 10 is exactly 80%: the first customer is enough.
		p, _ := ParetoOf([]int64{2, 8}, ParetoOptions{})
		if p.Top != 1 || *p.ProfitShare != 0.8 {
			t.Errorf("%+v", p)
		}
	})
	t.Run("no overflow", func(t *testing.T) {
		// cum × 100 overflows int64 here; the comparison must not.
		p, _ := ParetoOf([]int64{7e18, 1.75e18}, ParetoOptions{})
		if p.Top != 1 {
			t.Errorf("top %d; want 1 (7 of 8.75 is exactly 80%%)", p.Top)
		}
		p, _ = ParetoOf([]int64{7e18 - 1, 1.75e18 + 1}, ParetoOptions{})
		if p.Top != 2 {
			t.Errorf("top %d; want 2 (just short of 80%%)", p.Top)
		}
	})
	t.Run("another percent", func(t *testing.T) {
		// 50% of 110 is 55: 50 is short, 50+30 reaches it.
		p, _ := ParetoOf([]int64{50, -10, 30, 0, 20, 10}, ParetoOptions{Percent: 50})
		if p.Top != 2 {
			t.Errorf("top %d; want 2", p.Top)
		}
	})
	t.Run("options", func(t *testing.T) {
		for _, o := range []ParetoOptions{{Percent: 101}, {Percent: -1}, {Points: 1}, {Points: -2}} {
			_, err := ParetoOf([]int64{1}, o)
			if err == nil || !strings.Contains(err.Error(), "must be") {
				t.Errorf("%+v: %v", o, err)
			}
		}
	})
}
