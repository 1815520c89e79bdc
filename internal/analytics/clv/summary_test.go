package clv

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestSummarize(t *testing.T) {
	utc := func(s string) time.Time {
		at, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	taipei := time.FixedZone("Asia/Taipei", 8*3600)
	end := time.Date(2024, 3, 31, 18, 0, 0, 0, taipei) // the whole of 31 March, Taipei time
	txs := []Transaction{
		// Customer 7: three purchase days, two orders on the second.
		{Customer: 7, At: utc("2024-01-01 09:00"), Value: 100},
		{Customer: 7, At: utc("2024-01-15 02:00"), Value: 20},
		{Customer: 7, At: utc("2024-01-15 03:00"), Value: 30},
		{Customer: 7, At: utc("2024-02-12 10:00"), Value: 10},
		// … and one after the end of the period: 1 April 00:30 in Taipei.
		{Customer: 7, At: utc("2024-03-31 16:30"), Value: 999},
		// Customer 3: one day only, two orders; 23:30 UTC on 10 March is
		// 11 March in Taipei, where the days are counted.
		{Customer: 3, At: utc("2024-03-10 23:30"), Value: 5},
		{Customer: 3, At: time.Date(2024, 3, 11, 12, 0, 0, 0, taipei), Value: 6},
		// Customer 5 bought on the last day, late in the evening.
		{Customer: 5, At: utc("2024-03-31 15:59"), Value: 1},
		// Customer 9 only after the period: not a customer yet.
		{Customer: 9, At: utc("2024-04-02 10:00"), Value: 50},
	}
	got, err := Summarize(txs, end, Week)
	if err != nil {
		t.Fatal(err)
	}
	want := []Summary{
		{ID: 3, X: 0, Tx: 0, T: 20.0 / 7},
		{ID: 5, X: 0, Tx: 0, T: 0},
		// Days 0, 14 and 42 from 1 January; 90 days to 31 March (2024 is a
		// leap year). The first purchase's 100 is not in the mean.
		{ID: 7, X: 2, Tx: 42.0 / 7, T: 90.0 / 7, MeanValue: (20 + 30 + 10) / 2.0},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("summaries (-want +got):\n%s", diff)
	}

	// In days the same history reads in whole numbers.
	got, err = Summarize(txs, end, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c := got[2]; c.Tx != 42 || c.T != 90 {
		t.Errorf("in days: %+v", c)
	}

	// A daylight-saving change inside the period does not shorten it: days
	// are counted on the calendar.
	paris, err := time.LoadLocation("Europe/Paris")
	if err == nil {
		s, err := Summarize([]Transaction{{Customer: 1, At: time.Date(2024, 3, 30, 12, 0, 0, 0, paris)}},
			time.Date(2024, 4, 6, 12, 0, 0, 0, paris), Week)
		if err != nil || s[0].T != 1 {
			t.Errorf("across the change to summer time: %+v, %v; want T = 1 week", s, err)
		}
	}

	if s, err := Summarize(nil, end, Week); err != nil || len(s) != 0 {
		t.Errorf("no transactions: %v, %v", s, err)
	}
}

func TestSummarizeRejectsInvalidInput(t *testing.T) {
	end := time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC)
	ok := []Transaction{{Customer: 1, At: end, Value: 3}}
	for _, c := range []struct {
		name string
		txs  []Transaction
		end  time.Time
		unit time.Duration
	}{
		{"zero unit", ok, end, 0},
		{"negative unit", ok, end, -Week},
		{"no end", ok, time.Time{}, Week},
		{"negative value", []Transaction{{Customer: 1, At: end, Value: -3}}, end, Week},
		{"NaN value", []Transaction{{Customer: 1, At: end, Value: math.NaN()}}, end, Week},
		{"infinite value", []Transaction{{Customer: 1, At: end, Value: math.Inf(1)}}, end, Week},
	} {
		if s, err := Summarize(c.txs, c.end, c.unit); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, %v; want ErrInvalid", c.name, s, err)
		}
	}
}

func TestSummaryValidate(t *testing.T) {
	for _, c := range []struct {
		s     Summary
		valid bool
	}{
		{Summary{X: 0, Tx: 0, T: 0}, true},
		{Summary{X: 3, Tx: 10, T: 10, MeanValue: 4}, true},
		{Summary{X: 3, Tx: 0, T: 10}, true},
		{Summary{X: -1, T: 10}, false},
		{Summary{X: 0.5, Tx: 1, T: 10}, false},
		{Summary{X: 1, Tx: 11, T: 10}, false},
		{Summary{X: 0, Tx: 1, T: 10}, false},
		{Summary{X: 1, Tx: 1, T: -10}, false},
		{Summary{X: 1, Tx: 1, T: 10, MeanValue: -1}, false},
		{Summary{X: math.Inf(1), Tx: 1, T: 10}, false},
		{Summary{X: 1, Tx: math.NaN(), T: 10}, false},
		{Summary{X: 1, Tx: 1, T: 10, MeanValue: math.NaN()}, false},
	} {
		err := c.s.Validate()
		if (err == nil) != c.valid || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%+v: %v", c.s, err)
		}
	}
}
