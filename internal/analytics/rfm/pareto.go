package rfm

import (
	"fmt"
	"math/bits"
	"slices"
)

// DefaultParetoPercent is the share of profit of the Pareto rule: 80%.
const DefaultParetoPercent = 80

// ParetoOptions tune ParetoOf.
type ParetoOptions struct {
	// Percent is the share of profit the top customers must make, 1..100;
	// 0 means DefaultParetoPercent.
	Percent int
	// Points is the most points the curve may have, at least 2; 0 draws no
	// curve.
	Points int
}

// CurvePoint is a point of the Pareto curve: the top Customers customers
// by profit make Profit.
type CurvePoint struct {
	Customers     int     `json:"customers"`
	CustomerShare float64 `json:"customer_share" doc:"customers / all customers"`
	Profit        int64   `json:"profit" doc:"Cumulative profit of those customers"`
	ProfitShare   float64 `json:"profit_share" doc:"profit / the profit of the profitable customers; above 1 never, below 1 after the losses"`
}

// Pareto is the 80/20 view of profit.
type Pareto struct {
	Customers int `json:"customers"`
	// Top is the fewest customers whose profit makes Percent of the profit
	// of the profitable customers; 0 when nobody made a profit.
	Top int `json:"top"`
	// Share is Top / Customers; nil when nobody made a profit.
	Share *float64 `json:"share"`
	// ProfitShare is the share of the profitable customers' profit that the
	// top customers make (≥ Percent/100); nil when nobody made a profit.
	ProfitShare *float64 `json:"profit_share"`
	// Curve is the cumulative profit of the customers ranked by profit,
	// highest first, sampled at evenly spaced numbers of customers, the
	// first point (0, 0) and the last (all customers) included. It rises to
	// 1 where the profitable customers end and falls by the losses after
	// (the "whale curve"); nil when nobody made a profit or no points were
	// asked for.
	Curve []CurvePoint `json:"curve,omitempty"`
}

// ParetoOf finds the fewest customers whose profit makes Percent of the
// total profit of those with positive profit. Customers who cost money are
// left out of that total: they cannot help reach it, and counting them
// would make the share depend on how much the others lose. They still count
// in Customers, so Share is a share of every customer. profits is not
// modified.
func ParetoOf(profits []int64, opts ParetoOptions) (Pareto, error) {
	percent := opts.Percent
	if percent == 0 {
		percent = DefaultParetoPercent
	}
	if percent < 1 || percent > 100 {
		return Pareto{}, fmt.Errorf("rfm.ParetoOf: Percent must be 1..100 (or 0 for %d), not %d", DefaultParetoPercent, opts.Percent)
	}
	if opts.Points == 1 || opts.Points < 0 {
		return Pareto{}, fmt.Errorf("rfm.ParetoOf: Points must be at least 2 (or 0 for no curve), not %d", opts.Points)
	}
	p := Pareto{Customers: len(profits)}
	ranked := slices.Clone(profits)
	slices.Sort(ranked)
	slices.Reverse(ranked)
	var total int64
	for _, v := range ranked {
		if v <= 0 {
			break
		}
		total += v
	}
	if total <= 0 {
		return p, nil
	}
	var cum int64
	for i, v := range ranked {
		cum += v
		if reaches(cum, total, percent) {
			p.Top = i + 1
			break
		}
	}
	share := float64(p.Top) / float64(p.Customers)
	profitShare := float64(cum) / float64(total)
	p.Share, p.ProfitShare = &share, &profitShare
	if opts.Points > 0 {
		p.Curve = curve(ranked, total, opts.Points)
	}
	return p, nil
}

// reaches reports whether cum ≥ total × percent / 100, exactly: both
// products are taken in 128 bits.
func reaches(cum, total int64, percent int) bool {
	ch, cl := bits.Mul64(uint64(cum), 100)
	th, tl := bits.Mul64(uint64(total), uint64(percent))
	return ch > th || ch == th && cl >= tl
}

// curve samples the cumulative profit of ranked (highest first) at most
// points times.
func curve(ranked []int64, total int64, points int) []CurvePoint {
	n := len(ranked)
	points = min(points, n+1)
	out := make([]CurvePoint, 0, points)
	var cum int64
	done := 0
	for j := range points {
		// the j-th of points evenly spaced counts in 0..n, rounded to
		// nearest; increasing because points ≤ n+1
		k := (2*j*n + points - 1) / (2 * (points - 1))
		for ; done < k; done++ {
			cum += ranked[done]
		}
		out = append(out, CurvePoint{
			Customers:     k,
			CustomerShare: float64(k) / float64(n),
			Profit:        cum,
			ProfitShare:   float64(cum) / float64(total),
		})
	}
	return out
}
