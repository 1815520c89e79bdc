package rfm

import (
	"fmt"
	"math"
	"slices"
)

// Tier is a customer's value tier by profit. Its String is a stable machine
// name in snake_case.
type Tier uint8

// The tiers. Every customer is in exactly one.
const (
	// Standard customers are none of the others: keep serving them as now.
	Standard Tier = iota
	// MostValuable customers are the top share of customers by profit.
	MostValuable
	// MostGrowable customers are predicted to be worth much but bring
	// little yet.
	MostGrowable
	// BelowZero customers cost more to serve than they bring: profit < 0.
	BelowZero
)

// AllTiers lists the tiers in the order of their values.
var AllTiers = []Tier{Standard, MostValuable, MostGrowable, BelowZero}

var tierNames = [...]string{
	Standard:     "standard",
	MostValuable: "most_valuable",
	MostGrowable: "most_growable",
	BelowZero:    "below_zero",
}

func (t Tier) String() string {
	if int(t) < len(tierNames) {
		return tierNames[t]
	}
	return fmt.Sprintf("tier(%d)", uint8(t))
}

// MarshalText writes the machine name.
func (t Tier) MarshalText() ([]byte, error) {
	if int(t) >= len(tierNames) {
		return nil, fmt.Errorf("rfm: unknown tier %d", uint8(t))
	}
	return []byte(tierNames[t]), nil
}

// UnmarshalText reads a machine name.
func (t *Tier) UnmarshalText(text []byte) error {
	for i, name := range tierNames {
		if name == string(text) {
			*t = Tier(i)
			return nil
		}
	}
	return fmt.Errorf("rfm: unknown tier %q", text)
}

// Default shares of TierOptions.
const (
	DefaultValuableShare = 0.2
	DefaultGrowableShare = 0.2
)

// TierOptions tune Tiers. Zero values take the defaults.
type TierOptions struct {
	// ValuableShare is the share of customers, taken by profit from the
	// top, that are most valuable: (0, 1], default 0.2.
	ValuableShare float64
	// GrowableShare is the share of customers, taken by predicted value
	// from the top, that may be most growable: (0, 1], default 0.2.
	GrowableShare float64
}

// TierSummary adds up one tier.
type TierSummary struct {
	Tier      Tier  `json:"tier"`
	Customers int   `json:"customers"`
	Profit    int64 `json:"profit"`
	Predicted int64 `json:"predicted" doc:"Σ predicted value; 0 without predictions"`
}

// TierResult is the outcome of Tiers.
type TierResult struct {
	// Tiers are parallel to the customers given.
	Tiers   []Tier        `json:"-"`
	Summary []TierSummary `json:"summary" doc:"Every tier, in the order of AllTiers"`
	// ValuableFrom is the least profit of a most valuable customer (0 when
	// there is none).
	ValuableFrom int64 `json:"valuable_from"`
	// MedianProfit is the median profit of all the customers given (the
	// mean of the middle two for an even count).
	MedianProfit float64 `json:"median_profit"`
	// GrowableFrom is the least predicted value that may be growable (0
	// without predictions).
	GrowableFrom int64 `json:"growable_from"`
}

// Tiers sorts customers into value tiers by profit. predicted holds each
// customer's predicted value (for instance a CLV, minor units), parallel to
// customers, or is nil, in which case nobody is most growable. The rules,
// over all the customers given:
//
//   - below_zero: profit < 0;
//   - most_valuable: profit > 0 and at least the profit of the customer
//     ranked ⌈ValuableShare × n⌉ by profit, highest first. Customers tied
//     with that one are all in, so the tier may hold a few more than the
//     share;
//   - most_growable: not below zero, profit strictly below the median
//     profit, and predicted value > 0 and at least that of the customer
//     ranked ⌈GrowableShare × n⌉ by prediction (ties all in, as above):
//     much to gain, little gained yet. A most valuable customer cannot be
//     below the median, so the tiers do not overlap; a customer below zero
//     stays below zero whatever the prediction, because the cost to serve
//     is a fact and the prediction is not;
//   - standard: everyone else.
func Tiers(customers []Customer, predicted []int64, opts TierOptions) (TierResult, error) {
	valuableShare, err := share("ValuableShare", opts.ValuableShare, DefaultValuableShare)
	if err != nil {
		return TierResult{}, err
	}
	growableShare, err := share("GrowableShare", opts.GrowableShare, DefaultGrowableShare)
	if err != nil {
		return TierResult{}, err
	}
	if predicted != nil && len(predicted) != len(customers) {
		return TierResult{}, fmt.Errorf("rfm.Tiers: %d predicted values for %d customers; pass one per customer or nil", len(predicted), len(customers))
	}
	n := len(customers)
	res := TierResult{Tiers: make([]Tier, n), Summary: make([]TierSummary, len(AllTiers))}
	for i, t := range AllTiers {
		res.Summary[i].Tier = t
	}
	if n == 0 {
		return res, nil
	}

	// Order statistics by selection, in linear time: for a million
	// customers, sorting profits and predictions took three times as long.
	values := make([]int64, n)
	for i := range customers {
		values[i] = customers[i].Profit
	}
	// The median is the mean of the middle two order statistics, the same
	// one twice for an odd count.
	lo := nth(values, (n-1)/2)
	hi := lo
	if n%2 == 0 {
		hi = slices.Min(values[n/2:])
	}
	res.MedianProfit = (float64(lo) + float64(hi)) / 2
	// The customer ranked k by profit, highest first, is the (n−k)-th
	// smallest, counting from 0.
	valuableFrom := nth(values, n-rankOf(valuableShare, n))
	hasValuable := valuableFrom > 0
	if hasValuable {
		res.ValuableFrom = valuableFrom
	}

	var growableFrom int64
	hasGrowable := false
	if predicted != nil {
		copy(values, predicted)
		growableFrom = nth(values, n-rankOf(growableShare, n))
		hasGrowable = growableFrom > 0
		if hasGrowable {
			res.GrowableFrom = growableFrom
		}
	}

	for i := range customers {
		p := customers[i].Profit
		t := Standard
		switch {
		case p < 0:
			t = BelowZero
		case hasValuable && p >= valuableFrom:
			t = MostValuable
		case hasGrowable && predicted[i] >= growableFrom && belowMedian(p, lo, hi):
			t = MostGrowable
		}
		res.Tiers[i] = t
		s := &res.Summary[t]
		s.Customers++
		s.Profit += p
		if predicted != nil {
			s.Predicted += predicted[i]
		}
	}
	return res, nil
}

// belowMedian reports whether p < (lo + hi) / 2 exactly, without
// overflowing.
func belowMedian(p, lo, hi int64) bool {
	if p < lo {
		return true
	}
	// lo ≤ p: p < (lo+hi)/2 ⇔ p − lo < hi − p
	return p < hi && p-lo < hi-p
}

// rankOf is ⌈share × n⌉, at least 1, forgiving the rounding of share × n
// just above an integer (0.2 × 15 is 3.0000000000000004).
func rankOf(share float64, n int) int {
	k := int(math.Ceil(share*float64(n) - 1e-9))
	return min(max(k, 1), n)
}

// share validates a share option.
func share(name string, v, def float64) (float64, error) {
	if v == 0 {
		return def, nil
	}
	if !(v > 0 && v <= 1) { // also rejects NaN
		return 0, fmt.Errorf("rfm.Tiers: %s must be in (0, 1] (or 0 for %v), not %v", name, def, v)
	}
	return v, nil
}

// nth reorders a so that a[k] is the value a sorted a would hold there,
// with nothing larger before it and nothing smaller after, and returns it
// (quickselect with a three-way partition, so that runs of equal profits
// cost nothing; it gives up and sorts after too many rounds, so that no
// input makes it quadratic).
func nth(a []int64, k int) int64 {
	lo, hi := 0, len(a)
	for rounds := 0; ; rounds++ {
		if hi-lo <= 16 || rounds > 64 {
			slices.Sort(a[lo:hi])
			return a[k]
		}
		x, y, z := a[lo], a[lo+(hi-lo)/2], a[hi-1]
		pivot := max(min(x, y), min(max(x, y), z)) // median of three
		lt, i, gt := lo, lo, hi
		for i < gt {
			switch v := a[i]; {
			case v < pivot:
				a[lt], a[i] = v, a[lt]
				lt++
				i++
			case v > pivot:
				gt--
				a[i], a[gt] = a[gt], v
			default:
				i++
			}
		}
		switch {
		case k < lt:
			hi = lt
		case k >= gt:
			lo = gt
		default:
			return pivot
		}
	}
}
