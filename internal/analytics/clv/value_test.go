package clv

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCLVIdentities(t *testing.T) {
	bg := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	s := Summary{ID: 1, X: 2, Tx: 30.43, T: 38.86, MeanValue: 22.35}

	// Undiscounted, the per-period increments add up to the expectation
	// over the whole horizon.
	e, err := CLV(bg, gg, s, Horizon{Periods: 12, PeriodLength: 52.0 / 12})
	if err != nil {
		t.Fatal(err)
	}
	purchases, _ := bg.ConditionalExpectedPurchases(52, s.X, s.Tx, s.T)
	value, _ := gg.ConditionalExpectedValue(s.X, s.MeanValue)
	palive, _ := bg.PAlive(s.X, s.Tx, s.T)
	if math.Abs(e.ExpectedPurchases-purchases) > 1e-12 || math.Abs(e.CLV-purchases*value) > 1e-9 ||
		e.ExpectedValue != value || e.PAlive != palive || e.Customer != 1 {
		t.Errorf("undiscounted: %+v; want purchases %g × value %g", e, purchases, value)
	}

	// Discounting lowers the value, but not below the last period's
	// discount factor times the undiscounted value.
	d, err := CLV(bg, gg, s, Horizon{Periods: 12, PeriodLength: 52.0 / 12, DiscountRate: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	if !(d.CLV < e.CLV && d.CLV > e.CLV/math.Pow(1.01, 12)) || d.ExpectedPurchases != e.ExpectedPurchases {
		t.Errorf("discounted %g, undiscounted %g", d.CLV, e.CLV)
	}

	// A new customer is worth E[X(t)] purchases at the population's mean.
	n, err := CLV(bg, gg, Summary{T: 0}, Horizon{Periods: 1, PeriodLength: 39})
	if err != nil {
		t.Fatal(err)
	}
	newPurchases, _ := bg.ExpectedPurchases(39)
	mean, _ := gg.ConditionalExpectedValue(0, 0)
	if math.Abs(n.CLV-newPurchases*mean) > 1e-9 || n.PAlive != 1 {
		t.Errorf("new customer: %+v; want %g × %g", n, newPurchases, mean)
	}
}

func TestCLVRejectsInvalidInput(t *testing.T) {
	bg := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	s := Summary{ID: 1, X: 2, Tx: 30.43, T: 38.86, MeanValue: 22.35}
	h := Horizon{Periods: 12, PeriodLength: 4.35, DiscountRate: 0.01}
	for _, c := range []struct {
		name string
		bg   BGNBD
		gg   GammaGamma
		s    Summary
		h    Horizon
	}{
		{"no periods", bg, gg, s, Horizon{PeriodLength: 4.35}},
		{"too many periods", bg, gg, s, Horizon{Periods: MaxPeriods + 1, PeriodLength: 1}},
		{"no period length", bg, gg, s, Horizon{Periods: 12}},
		{"NaN period length", bg, gg, s, Horizon{Periods: 12, PeriodLength: math.NaN()}},
		{"negative discount rate", bg, gg, s, Horizon{Periods: 12, PeriodLength: 1, DiscountRate: -0.1}},
		{"infinite discount rate", bg, gg, s, Horizon{Periods: 12, PeriodLength: 1, DiscountRate: math.Inf(1)}},
		{"tx after T", bg, gg, Summary{X: 1, Tx: 50, T: 38.86, MeanValue: 3}, h},
		{"negative mean value", bg, gg, Summary{X: 1, Tx: 5, T: 38.86, MeanValue: -3}, h},
		{"BG/NBD not fitted", BGNBD{}, gg, s, h},
		{"Gamma-Gamma not fitted", bg, GammaGamma{}, s, h},
	} {
		if e, err := CLV(c.bg, c.gg, c.s, c.h); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %+v, %v; want ErrInvalid", c.name, e, err)
		}
	}
}

func TestExplain(t *testing.T) {
	bg := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	gg := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	for _, s := range []Summary{{ID: 1, X: 2, Tx: 30.43, T: 38.86, MeanValue: 22.35}, {ID: 3, T: 38.86}} {
		e, err := CLV(bg, gg, s, Horizon{Periods: 12, PeriodLength: 4.35, DiscountRate: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		figures := e.Explain()
		want := []struct {
			key   string
			value float64
		}{{"p_alive", e.PAlive}, {"expected_purchases", e.ExpectedPurchases}, {"expected_value", e.ExpectedValue}, {"clv", e.CLV}}
		if len(figures) != len(want) {
			t.Fatalf("%d figures", len(figures))
		}
		for i, f := range figures {
			if f.Key != want[i].key || f.Value != want[i].value || !strings.HasSuffix(f.Meaning, ".") || strings.Contains(f.Meaning, "%!") {
				t.Errorf("figure %d: %+v, want key %s value %g and a sentence", i, f, want[i].key, want[i].value)
			}
			t.Log(f.Meaning)
		}
	}
}

// BenchmarkDiscountedPurchasesLoyalBase is one customer's discounted
// purchases over 52 weeks under a model that expects almost no churn (a
// small, b large), the regime where the series once ran to its term cap.
func BenchmarkDiscountedPurchasesLoyalBase(b *testing.B) {
	m := BGNBD{R: 1, Alpha: 5, A: 0.02, B: 50000}
	s := Summary{X: 5, Tx: 20, T: 30}
	h := Horizon{Periods: 52, PeriodLength: 1, DiscountRate: 0.002}
	for b.Loop() {
		if _, err := DiscountedPurchases(m, s, h); err != nil {
			b.Fatal(err)
		}
	}
}
