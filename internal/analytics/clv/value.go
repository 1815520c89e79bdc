package clv

import (
	"fmt"
	"math"
)

// Horizon is the future over which CLV sums a customer's value.
type Horizon struct {
	// Periods is the number of discounting periods, e.g. 12 months.
	Periods int
	// PeriodLength is the length of one period in the summaries' time
	// unit: 1 when the period is the unit itself, 365.25/12/7 ≈ 4.348 for
	// months over weekly summaries.
	PeriodLength float64
	// DiscountRate is the rate per period, e.g. 0.01 a month (≈ 12.7% a
	// year); 0 for undiscounted value.
	DiscountRate float64
}

// MaxPeriods bounds Horizon.Periods, and with it the work of one estimate
// (an expectation per period): a hundred years of weeks.
const MaxPeriods = 5200

func (h Horizon) validate() error {
	switch {
	case h.Periods < 1 || h.Periods > MaxPeriods:
		return fmt.Errorf("horizon of %d periods must be from 1 to %d: %w", h.Periods, MaxPeriods, ErrInvalid)
	case !(h.PeriodLength > 0) || !finite(h.PeriodLength):
		return fmt.Errorf("period length %g must be a positive number: %w", h.PeriodLength, ErrInvalid)
	case !(h.DiscountRate >= 0) || !finite(h.DiscountRate):
		return fmt.Errorf("discount rate %g must be a finite number ≥ 0: %w", h.DiscountRate, ErrInvalid)
	}
	return nil
}

// Estimate is what the models say of one customer. Explain describes each
// figure.
type Estimate struct {
	Customer int64
	// PAlive is the probability that the customer is still active at the
	// end of the calibration period.
	PAlive float64
	// ExpectedPurchases is the number of purchases expected over the whole
	// horizon, undiscounted.
	ExpectedPurchases float64
	// ExpectedValue is the expected value of each of those purchases.
	ExpectedValue float64
	// CLV is the discounted value of the expected purchases over the
	// horizon: the customer's residual lifetime value.
	CLV     float64
	Horizon Horizon
	// History is the summary the estimate starts from.
	History Summary
}

// CLV estimates the residual lifetime value of a customer over a horizon, in
// the manner of the lifetimes package (customer_lifetime_value): the
// expected purchases in period k, E[Y(k·L)] − E[Y((k−1)·L)] by the BG/NBD
// conditional expectation (L the period length), times the Gamma-Gamma
// expected value of a purchase, discounted by (1+d)^k, summed over k = 1…H.
// Each period's purchases are discounted as if they all fell at its end, a
// slight understatement that is the convention of lifetimes. Errors wrap
// ErrInvalid or ErrNotConverged.
func CLV(bg BGNBD, gg GammaGamma, s Summary, h Horizon) (Estimate, error) {
	const op = "clv.CLV"
	value, err := gg.ConditionalExpectedValue(s.X, s.MeanValue)
	if err != nil {
		return Estimate{}, fmt.Errorf("%s: %w", op, err)
	}
	discounted, total, err := discountedPurchases(op, bg, s, h)
	if err != nil {
		return Estimate{}, err
	}
	return Estimate{
		Customer:          s.ID,
		PAlive:            bg.pAlive(s.X, s.Tx, s.T),
		ExpectedPurchases: total,
		ExpectedValue:     value,
		CLV:               discounted * value,
		Horizon:           h,
		History:           s,
	}, nil
}

// DiscountedPurchases is the sum over the periods k = 1…H of the horizon of
// the purchases the customer is expected to make in period k, divided by
// (1+d)^k. Since the Gamma-Gamma model expects the same value of every future
// purchase, CLV is this times that value; a caller without a spend model
// (too few repeat buyers to fit one) can multiply it by another estimate of
// the value of a purchase. Errors wrap ErrInvalid or ErrNotConverged.
func DiscountedPurchases(bg BGNBD, s Summary, h Horizon) (float64, error) {
	discounted, _, err := discountedPurchases("clv.DiscountedPurchases", bg, s, h)
	return discounted, err
}

// discountedPurchases also returns the undiscounted total over the horizon.
func discountedPurchases(op string, bg BGNBD, s Summary, h Horizon) (discounted, total float64, err error) {
	if err := h.validate(); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", op, err)
	}
	if err := bg.validate(); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", op, err)
	}
	if err := s.Validate(); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", op, err)
	}
	var before float64 // expected purchases up to the end of the previous period
	for k := 1; k <= h.Periods; k++ {
		upTo, err := bg.conditional(op, float64(k)*h.PeriodLength, s.X, s.Tx, s.T)
		if err != nil {
			return 0, 0, err
		}
		discounted += (upTo - before) / math.Pow(1+h.DiscountRate, float64(k))
		before = upTo
	}
	return discounted, before, nil
}

// Figure is one figure of an Estimate with what it means. Key is stable and
// names the figure for translation (i18n message "clv.<key>"); Meaning is
// the English sentence.
type Figure struct {
	Key     string
	Value   float64
	Meaning string
}

// Explain lists the figures of the estimate, each with a sentence that says
// what it is and what it rests on. Times are in the unit of the summaries.
func (e Estimate) Explain() []Figure {
	s, h := e.History, e.Horizon
	length := fmt.Sprintf("%d periods of %.4g time units", h.Periods, h.PeriodLength)
	return []Figure{
		{"p_alive", e.PAlive, aliveMeaning(e.PAlive, s)},
		{"expected_purchases", e.ExpectedPurchases, fmt.Sprintf(
			"Purchases expected over the next %s: %.3g, allowing for the chance that the customer has stopped buying (BG/NBD model).",
			length, e.ExpectedPurchases)},
		{"expected_value", e.ExpectedValue, valueMeaning(e.ExpectedValue, s)},
		{"clv", e.CLV, fmt.Sprintf(
			"Customer lifetime value over the next %s: %.2f, the expected purchases of each period times their expected value, discounted at %.4g%% a period.",
			length, e.CLV, 100*h.DiscountRate)},
	}
}

func aliveMeaning(p float64, s Summary) string {
	if s.X == 0 {
		return fmt.Sprintf("Probability that the customer still buys: %.1f%%. The BG/NBD model lets a customer stop only right after a repeat purchase, and this one has made none in the %.4g time units since the first.",
			100*p, s.T)
	}
	return fmt.Sprintf("Probability that the customer still buys: %.1f%%, from %g repeat purchases, the last %.4g time units after the first, at age %.4g (BG/NBD model).",
		100*p, s.X, s.Tx, s.T)
}

func valueMeaning(v float64, s Summary) string {
	if s.X == 0 {
		return fmt.Sprintf("Expected value of each future purchase: %.2f, the mean of all customers, as this customer has not bought again yet (Gamma-Gamma model).", v)
	}
	return fmt.Sprintf("Expected value of each future purchase: %.2f, the customer's own mean of %.2f over %g repeat purchases pulled towards the mean of all customers (Gamma-Gamma model).",
		v, s.MeanValue, s.X)
}
