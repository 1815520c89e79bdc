package rfm

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// syntheticCustomers makes n customers shaped like a shop's: last orders
// spread over three years to the second, orders geometric (about half buy
// once), revenue log-normal, profit a noisy share of revenue, some negative.
func syntheticCustomers(n int) []Customer {
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Customer, n)
	for i := range out {
		orders := 1
		for rng.Float64() < 0.5 && orders < 200 {
			orders++
		}
		revenue := int64(float64(orders) * math.Exp(8+rng.NormFloat64()))
		out[i] = Customer{
			ID:        int64(i + 1),
			LastOrder: now.Add(-time.Duration(rng.Int64N(3*365*24*3600)) * time.Second),
			Orders:    orders,
			Monetary:  revenue,
			Profit:    int64(float64(revenue) * (0.3*rng.Float64() - 0.05)),
		}
	}
	return out
}

// BenchmarkScore1M scores a million customers (BENCHMARKS.md: ≤ 500 ms).
func BenchmarkScore1M(b *testing.B) {
	customers := syntheticCustomers(1_000_000)
	opts := Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Score(customers, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTiers1M(b *testing.B) {
	customers := syntheticCustomers(1_000_000)
	predicted := make([]int64, len(customers))
	for i, c := range customers {
		predicted[i] = c.Monetary * int64(1+i%3)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Tiers(customers, predicted, TierOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPareto1M(b *testing.B) {
	customers := syntheticCustomers(1_000_000)
	profits := make([]int64, len(customers))
	for i, c := range customers {
		profits[i] = c.Profit
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParetoOf(profits, ParetoOptions{Points: 101}); err != nil {
			b.Fatal(err)
		}
	}
}
