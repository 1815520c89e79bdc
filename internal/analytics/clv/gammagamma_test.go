package clv

import (
	"errors"
	"math"
	"testing"
)

// The conditional expectation is a weighted mean of the population's mean
// value and the customer's own (Fader, Hardie & Lee 2005, JMR, equation 5
// rearranged): it must lie between them and tend to the customer's own as he
// buys more.
func TestConditionalExpectedValueShrinksTowardsThePopulation(t *testing.T) {
	m := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	population, err := m.ConditionalExpectedValue(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := m.P * m.Gamma / (m.Q - 1); math.Abs(population-want) > 1e-12 {
		t.Errorf("population mean %g, want pγ/(q−1) = %g", population, want)
	}
	previous := population
	for _, x := range []float64{1, 2, 5, 20, 100, 10000} {
		got, err := m.ConditionalExpectedValue(x, 100)
		if err != nil {
			t.Fatal(err)
		}
		if !(got > previous && got < 100) {
			t.Errorf("x=%g: %g, not between %g and 100", x, got, previous)
		}
		previous = got
	}
	if math.Abs(previous-100) > 0.1 {
		t.Errorf("after 10,000 purchases: %g, want ≈ 100", previous)
	}
}

func TestGammaGammaErrors(t *testing.T) {
	spenders := func(n int) []Summary {
		var s []Summary
		for i := range n {
			s = append(s, Summary{ID: int64(i), X: float64(1 + i%4), Tx: 5, T: 10, MeanValue: 10 + float64(i*i%17)})
		}
		return s
	}
	identical := spenders(30)
	for i := range identical {
		identical[i].MeanValue = 25
	}
	negative := spenders(30)
	negative[3].MeanValue = -5
	for _, c := range []struct {
		name string
		s    []Summary
		want error
	}{
		{"no customers", nil, ErrTooFewCustomers},
		{"nobody bought again", make([]Summary, 40), ErrNoRepeaters},
		{"too few repeaters", append(spenders(MinCustomers-1), make([]Summary, 30)...), ErrTooFewCustomers},
		{"negative mean value", negative, ErrInvalid},
		// All spend the same to the cent: the spread of values across
		// purchases shrinks to nothing, p and q run off to infinity.
		{"no maximum", identical, ErrNotConverged},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := FitGammaGamma(c.s)
			if !errors.Is(err, c.want) {
				t.Errorf("got %+v, %v; want %v", m, err, c.want)
			}
			t.Log(err)
		})
	}

	// Repeat buyers whose repeat purchases were free carry no information
	// for a gamma-distributed value and are left out.
	s := spenders(20)
	s[0].MeanValue, s[1].MeanValue = 0, 0
	m, err := FitGammaGamma(s)
	if err != nil || m.Customers != 18 {
		t.Errorf("with two free repeaters: %+v, %v; want 18 customers", m, err)
	}

	fitted := GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	for _, c := range []struct {
		name    string
		m       GammaGamma
		x, mean float64
	}{
		{"negative mean value", fitted, 2, -1},
		{"NaN mean value", fitted, 2, math.NaN()},
		{"fractional x", fitted, 2.5, 10},
		{"negative x", fitted, -1, 10},
		{"model not fitted", GammaGamma{}, 2, 10},
		{"no finite mean for a new customer (q < 1)", GammaGamma{P: 2, Q: 0.5, Gamma: 3}, 0, 0},
	} {
		if _, err := c.m.ConditionalExpectedValue(c.x, c.mean); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", c.name, err)
		}
	}
}
