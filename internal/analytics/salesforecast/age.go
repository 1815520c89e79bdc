package salesforecast

import (
	"slices"
	"sort"
	"time"
)

// A deal's chance of being won falls as it ages past the cycles of the
// deals that were won: a deal open for a year where wins come within three
// months is mostly stalled. The history-based forecast measures that from
// the history itself, as a competing-risks estimate (Aalen–Johansen) of
// time to close: every deal is "at risk" from its creation until it is won
// or lost (the two competing events) or, while still open, until now (it
// is then censored, as survival analysis counts the living). Then, for an
// open deal of age a,
//
//	remaining(a) = P(won at age ≥ a) / P(still open at age a)
//
// is the chance that a deal still open at age a is won in the end, and the
// deal's probability is multiplied by AgeFactor(a) = remaining(a) /
// remaining(0), shrunk towards 1 by PriorWeight pseudo-deals when few
// deals lived as long (n(a) deals at risk at age a):
//
//	factor(a) = (n(a) × remaining(a)/remaining(0) + PriorWeight) / (n(a) + PriorWeight)
//
// A young deal's factor is about 1; a deal older than every win, among
// many deals that lived as long and were never won, gets a factor near 0.
type ageCurve struct {
	times      []float64 // distinct ages (days) at which a deal was won or lost, ascending
	openBefore []float64 // P(still open just before times[i])
	wonBefore  []float64 // P(won at an age before times[i])
	wonTotal   float64   // P(won at some age)
	durations  []float64 // every deal's time at risk, ascending
}

// learnAges builds the curve from the deals: closed ones at their cycle,
// open ones censored at their age now.
func learnAges(deals []Deal, now time.Time) *ageCurve {
	type event struct {
		at        float64
		won, lost int
		censored  int
	}
	byTime := map[float64]*event{}
	c := &ageCurve{}
	for i := range deals {
		d := &deals[i]
		var at float64
		switch d.Status {
		case Won, Lost:
			at = d.cycleDays()
		case Open:
			at = now.Sub(d.CreatedAt).Hours() / 24
		default:
			continue
		}
		at = max(at, 0)
		e := byTime[at]
		if e == nil {
			e = &event{at: at}
			byTime[at] = e
		}
		switch d.Status {
		case Won:
			e.won++
		case Lost:
			e.lost++
		default:
			e.censored++
		}
		c.durations = append(c.durations, at)
	}
	slices.Sort(c.durations)
	events := make([]*event, 0, len(byTime))
	for _, e := range byTime {
		events = append(events, e)
	}
	slices.SortFunc(events, func(a, b *event) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})
	atRisk := len(c.durations)
	open, won := 1.0, 0.0
	for _, e := range events {
		if e.won+e.lost > 0 {
			// Censoring at the same age comes after the events: a deal
			// open that long was at risk of them.
			c.times = append(c.times, e.at)
			c.openBefore = append(c.openBefore, open)
			c.wonBefore = append(c.wonBefore, won)
			won += open * float64(e.won) / float64(atRisk)
			open *= 1 - float64(e.won+e.lost)/float64(atRisk)
		}
		atRisk -= e.won + e.lost + e.censored
	}
	c.wonTotal = won
	return c
}

// AgeFactor is the factor of an open deal of the given age (days).
func (c *ageCurve) factor(age float64) float64 {
	if c == nil || c.wonTotal == 0 {
		return 1 // no win in the history: age tells nothing of winning
	}
	n := len(c.durations) - sort.SearchFloat64s(c.durations, age) // at risk at age: durations ≥ age
	i := sort.SearchFloat64s(c.times, age)                        // first event at or after age
	open, wonAfter := 1.0, c.wonTotal
	if i < len(c.times) {
		open, wonAfter = c.openBefore[i], c.wonTotal-c.wonBefore[i]
	} else if len(c.times) > 0 {
		open, wonAfter = 0, 0 // past every event
	}
	ratio := 0.0
	if open > 0 {
		ratio = wonAfter / open / c.wonTotal
	}
	return (float64(n)*ratio + PriorWeight) / (float64(n) + PriorWeight)
}
