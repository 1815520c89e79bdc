package clv

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Errors, to be tested with errors.Is. Every error the package returns wraps
// exactly one of them.
var (
	// ErrInvalid: an input breaks a rule (negative, NaN or infinite figures,
	// Tx after T, a model that was never fitted, …).
	ErrInvalid = errors.New("invalid input")
	// ErrTooFewCustomers: too few customers to estimate the parameters.
	ErrTooFewCustomers = errors.New("too few customers to fit the model")
	// ErrNoRepeaters: nobody bought twice, so neither how often customers
	// buy nor how much a customer's purchases vary can be learnt.
	ErrNoRepeaters = errors.New("no customer made a repeat purchase")
	// ErrNotConverged: the likelihood has no usable maximum for these data
	// (a parameter runs off to zero or infinity) or a series did not
	// converge.
	ErrNotConverged = errors.New("estimation did not converge")
)

// Week is the time unit of the papers and of the CDNOW summaries.
const Week = 7 * 24 * time.Hour

const day = 24 * time.Hour

// Transaction is one purchase event of a customer.
type Transaction struct {
	Customer int64
	At       time.Time
	// Value is what the purchase is worth (revenue or margin, in any
	// currency unit, the same for all); finite and not negative.
	Value float64
}

// Summary is what the models know of a customer at the end of the
// calibration period. Times are in the caller's unit (see Summarize).
type Summary struct {
	ID int64
	// X is the number of repeat purchases: purchases after the first.
	X float64
	// Tx is the time of the last purchase, from the first (0 when X is 0).
	Tx float64
	// T is the customer's age at the end of the calibration period: the time
	// from the first purchase to its end.
	T float64
	// MeanValue is the mean value of the repeat purchases, 0 when X is 0.
	// The first purchase is left out, as in the papers: it is often
	// different in kind (a welcome offer, a starter kit).
	MeanValue float64
}

// Validate reports whether the summary can be a customer's history: X a
// whole number ≥ 0; 0 ≤ Tx ≤ T; Tx = 0 when X = 0; MeanValue ≥ 0; all finite.
func (s Summary) Validate() error {
	switch {
	case !finite(s.X) || !finite(s.Tx) || !finite(s.T) || !finite(s.MeanValue):
		return fmt.Errorf("customer %d: figures must be finite numbers (x=%g, tx=%g, T=%g, mean value=%g): %w",
			s.ID, s.X, s.Tx, s.T, s.MeanValue, ErrInvalid)
	case s.X < 0 || s.X != math.Trunc(s.X):
		return fmt.Errorf("customer %d: x=%g repeat purchases must be a whole number ≥ 0: %w", s.ID, s.X, ErrInvalid)
	case s.Tx < 0 || s.T < 0:
		return fmt.Errorf("customer %d: tx=%g and T=%g must not be negative: %w", s.ID, s.Tx, s.T, ErrInvalid)
	case s.Tx > s.T:
		return fmt.Errorf("customer %d: the last purchase (tx=%g) is after the end of the period (T=%g): %w",
			s.ID, s.Tx, s.T, ErrInvalid)
	case s.X == 0 && s.Tx != 0:
		return fmt.Errorf("customer %d: tx=%g must be 0 without repeat purchases: %w", s.ID, s.Tx, ErrInvalid)
	case s.MeanValue < 0:
		return fmt.Errorf("customer %d: mean value %g must not be negative: %w", s.ID, s.MeanValue, ErrInvalid)
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Summarize turns transactions into one Summary per customer, in ascending
// order of customer, for the calibration period that ends with the calendar
// day of end (inclusive). The conventions are those of the CDNOW summaries
// of Fader, Hardie & Lee (2005) and of the lifetimes and BTYD packages:
//
//   - a day is a calendar date in end's time zone, and all purchases of one
//     customer on one day are one purchase, whose value is their sum;
//   - X is the number of distinct purchase days minus one;
//   - Tx and T are whole numbers of days from the first purchase day (to the
//     last purchase day, to end's day) divided by unit, so that with unit =
//     Week the CDNOW customer who first bought on 1997-01-01 has T = 272/7 =
//     38.857 at the end of 1997-09-30;
//   - MeanValue is the mean value of the purchase days after the first.
//
// Transactions after end's day are ignored, and so are customers who had not
// bought by then. An error wraps ErrInvalid when unit is not positive, end is
// the zero time, or a value is negative, NaN or infinite.
func Summarize(txs []Transaction, end time.Time, unit time.Duration) ([]Summary, error) {
	if unit <= 0 {
		return nil, fmt.Errorf("clv.Summarize: time unit %v must be positive: %w", unit, ErrInvalid)
	}
	if end.IsZero() {
		return nil, fmt.Errorf("clv.Summarize: the end of the calibration period is not set: %w", ErrInvalid)
	}
	endDay := dayNumber(end, end.Location())
	type purchase struct {
		customer int64
		day      int64
		value    float64
	}
	ps := make([]purchase, 0, len(txs))
	for i, t := range txs {
		if !finite(t.Value) || t.Value < 0 {
			return nil, fmt.Errorf("clv.Summarize: transaction %d of customer %d: value %g must be a finite number ≥ 0: %w",
				i, t.Customer, t.Value, ErrInvalid)
		}
		if d := dayNumber(t.At, end.Location()); d <= endDay {
			ps = append(ps, purchase{t.Customer, d, t.Value})
		}
	}
	slices.SortFunc(ps, func(a, b purchase) int {
		return cmp.Or(cmp.Compare(a.customer, b.customer), cmp.Compare(a.day, b.day))
	})

	daysPerUnit := float64(day) / float64(unit)
	var out []Summary
	for i := 0; i < len(ps); {
		customer, first := ps[i].customer, ps[i].day
		var repeats, last int64 = -1, first
		var repeatValue float64
		for ; i < len(ps) && ps[i].customer == customer; i++ {
			if repeats < 0 || ps[i].day != last {
				repeats++
				last = ps[i].day
			}
			if repeats > 0 {
				repeatValue += ps[i].value
			}
		}
		s := Summary{
			ID: customer,
			X:  float64(repeats),
			Tx: float64(last-first) * daysPerUnit,
			T:  float64(endDay-first) * daysPerUnit,
		}
		if repeats > 0 {
			s.MeanValue = repeatValue / float64(repeats)
		}
		out = append(out, s)
	}
	return out, nil
}

// dayNumber is the calendar date of t in loc, as days since 1970-01-01. Days
// are counted on the calendar, not as 24-hour spans, so that a change of
// daylight-saving time does not make a day short or long.
func dayNumber(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / int64(day/time.Second)
}
