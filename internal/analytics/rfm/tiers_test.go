package rfm

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func withProfits(profits ...int64) []Customer {
	out := make([]Customer, len(profits))
	for i, p := range profits {
		out[i] = Customer{ID: int64(i + 1), Orders: 1, Profit: p}
	}
	return out
}

func TestTiers(t *testing.T) {
	customers := withProfits(500, 400, 300, 200, 100, 50, 0, 0, -20, -80)
	predicted := []int64{100, 0, 900, 50, 800, 700, 600, 10, 1000, 20}
	res, err := Tiers(customers, predicted, TierOptions{GrowableShare: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// n = 10. Most valuable: ⌈0.2 × 10⌉ = 2 → the profit ranked 2nd, 400:
	// customers 1 (500) and 2 (400).
	// Median: sorted −80 −20 0 0 50 | 100 200 300 400 500 → (50+100)/2 = 75.
	// Growable: ⌈0.5 × 10⌉ = 5 → the prediction ranked 5th
	// (1000 900 800 700 600 …) is 600. Of those ≥ 600: customer 9 (1000)
	// is below zero; 3 (900, profit 300) and 5 (800, 100) are not below
	// 75; 6 (700, 50) and 7 (600, 0) are growable.
	// Below zero: 9, 10.
	want := []Tier{MostValuable, MostValuable, Standard, Standard, Standard, MostGrowable, MostGrowable, Standard, BelowZero, BelowZero}
	if !slices.Equal(res.Tiers, want) {
		t.Errorf("tiers %v; want %v", res.Tiers, want)
	}
	if res.ValuableFrom != 400 || res.MedianProfit != 75 || res.GrowableFrom != 600 {
		t.Errorf("thresholds %d, %v, %d; want 400, 75, 600", res.ValuableFrom, res.MedianProfit, res.GrowableFrom)
	}
	wantSummary := []TierSummary{
		{Standard, 4, 300 + 200 + 100 + 0, 900 + 50 + 800 + 10},
		{MostValuable, 2, 900, 100},
		{MostGrowable, 2, 50, 1300},
		{BelowZero, 2, -100, 1020},
	}
	if !slices.Equal(res.Summary, wantSummary) {
		t.Errorf("summary %v; want %v", res.Summary, wantSummary)
	}
}

func TestTiersTiesAndEdges(t *testing.T) {
	t.Run("ties at the boundary are all in", func(t *testing.T) {
		// ⌈0.2 × 5⌉ = 1 → the top profit, 100, which three share.
		res, err := Tiers(withProfits(100, 50, 100, 10, 100), nil, TierOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := []Tier{MostValuable, Standard, MostValuable, Standard, MostValuable}
		if !slices.Equal(res.Tiers, want) {
			t.Errorf("tiers %v; want %v", res.Tiers, want)
		}
	})
	t.Run("no profit, no valuable", func(t *testing.T) {
		res, err := Tiers(withProfits(0, 0, -5), []int64{0, 0, 0}, TierOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if want := []Tier{Standard, Standard, BelowZero}; !slices.Equal(res.Tiers, want) || res.ValuableFrom != 0 || res.GrowableFrom != 0 {
			t.Errorf("tiers %v, from %d / %d", res.Tiers, res.ValuableFrom, res.GrowableFrom)
		}
	})
	t.Run("the median of an even count", func(t *testing.T) {
		// Median of 1, 2 is 1.5: profit 1 is below it. The top
		// prediction (share 0.5 → rank 1) belongs to customer 1.
		res, err := Tiers(withProfits(1, 2), []int64{9, 1}, TierOptions{ValuableShare: 0.5, GrowableShare: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		// Customer 2 (profit 2) is most valuable; customer 1 is growable.
		if want := []Tier{MostGrowable, MostValuable}; !slices.Equal(res.Tiers, want) || res.MedianProfit != 1.5 {
			t.Errorf("tiers %v, median %v", res.Tiers, res.MedianProfit)
		}
	})
	t.Run("nobody", func(t *testing.T) {
		res, err := Tiers(nil, nil, TierOptions{})
		if err != nil || len(res.Tiers) != 0 || len(res.Summary) != len(AllTiers) {
			t.Errorf("%+v, %v", res, err)
		}
	})
	t.Run("rank of a share", func(t *testing.T) {
		// 0.2 × 15 is 3.0000000000000004 in floating point: rank 3, not 4.
		for _, c := range []struct {
			share float64
			n     int
			want  int
		}{{0.2, 15, 3}, {0.2, 16, 4}, {0.2, 1, 1}, {1, 7, 7}, {0.01, 10, 1}} {
			if got := rankOf(c.share, c.n); got != c.want {
				t.Errorf("rankOf(%v, %d) = %d; want %d", c.share, c.n, got, c.want)
			}
		}
	})
	t.Run("median without overflow", func(t *testing.T) {
		big := int64(math.MaxInt64 - 1)
		if !belowMedian(0, 0, big) || belowMedian(big/2+1, 0, big) || !belowMedian(big/2-1, 0, big) {
			t.Error("belowMedian near the int64 limit")
		}
	})
}

func TestTiersOptions(t *testing.T) {
	customers := withProfits(1, 2, 3)
	for _, tc := range []struct {
		opts      TierOptions
		predicted []int64
		want      string
	}{
		{TierOptions{ValuableShare: 1.5}, nil, "ValuableShare"},
		{TierOptions{ValuableShare: -0.1}, nil, "ValuableShare"},
		{TierOptions{GrowableShare: math.NaN()}, nil, "GrowableShare"},
		{TierOptions{}, []int64{1}, "1 predicted values for 3 customers"},
	} {
		_, err := Tiers(customers, tc.predicted, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v; want an error about %s", tc.opts, err, tc.want)
		}
	}
}

func TestTierNames(t *testing.T) {
	for _, tier := range AllTiers {
		b, err := tier.MarshalText()
		var back Tier
		if err != nil || back.UnmarshalText(b) != nil || back != tier {
			t.Errorf("%v does not round-trip: %s, %v", tier, b, err)
		}
	}
	if MostGrowable.String() != "most_growable" || BelowZero.String() != "below_zero" {
		t.Error("tier names changed")
	}
}

func TestNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 17, 100, 1000} {
		for _, spread := range []int64{3, 1 << 40} { // many ties, few ties
			a := make([]int64, n)
			for i := range a {
				a[i] = rng.Int64N(spread) - spread/2
			}
			sorted := slices.Clone(a)
			slices.Sort(sorted)
			for _, k := range []int{0, n / 2, n - 1} {
				b := slices.Clone(a)
				if got := nth(b, k); got != sorted[k] || b[k] != got {
					t.Fatalf("n %d, k %d: %d; want %d", n, k, got, sorted[k])
				}
				for i := range b {
					if i < k && b[i] > b[k] || i > k && b[i] < b[k] {
						t.Fatalf("n %d, k %d: a[%d] = %d on the wrong side of %d", n, k, i, b[i], b[k])
					}
				}
			}
		}
	}
	// Sorted and all-equal inputs stay fast and right.
	a := make([]int64, 100000)
	for i := range a {
		a[i] = int64(i)
	}
	if nth(a, 12345) != 12345 {
		t.Error("sorted input")
	}
	clear(a)
	if nth(a, 500) != 0 {
		t.Error("equal input")
	}
}
