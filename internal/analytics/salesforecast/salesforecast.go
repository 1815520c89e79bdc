// Package salesforecast is the arithmetic of sales forecasts and sales KPIs
// (MISSION.md C6): pure functions over slices of deals and stages, no SQL, no
// HTTP. Package sales reads the deals, applies the permission rules and hands
// them here.
//
// A deal "reached" an open stage when it has been in that stage or in a later
// open stage of its pipeline, or when it was won (a won deal went through
// every stage, whether it was moved through them or not). Deal.Furthest is
// the highest position of an open stage the deal has been in, by the stages'
// current order, so that reordering stages re-reads the history rather than
// invalidating it.
//
// Two forecasts are made for a period [From, To):
//
//   - the weighted forecast: what is won in the period (committed) plus, for
//     each open deal expected to close in the period, its amount × its stage's
//     fixed probability;
//   - the history-based forecast: committed plus, for each open deal predicted
//     to close in the period, its amount × the probability that history gives
//     it. That probability is the share of closed deals that reached the
//     deal's stage and were won (the stage's observed conversion to won),
//     times the owner's win rate relative to everyone's. The deal is predicted
//     to close its owner's average cycle length (creation to won) after it was
//     created, or now if that has passed.
//
// Small samples are shrunk towards what is known without them (a Bayesian
// average with PriorWeight pseudo-deals): a stage's observed conversion
// towards its fixed probability, a rep's win rate and cycle length towards
// everyone's. With no history at all, the history-based forecast equals the
// weighted one.
package salesforecast

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Stage kinds and deal statuses.
const (
	Open = "open"
	Won  = "won"
	Lost = "lost"
)

// PriorWeight is how many pseudo-deals of prior belief a rate or an average
// starts from before the observed deals count.
const PriorWeight = 5.0

// Stage is a stage of a pipeline.
type Stage struct {
	ID, PipelineID int64
	Name           string
	Position       int    // order within the pipeline, from 1
	Kind           string // Open, Won or Lost
	Probability    int    // the fixed win probability, 0–100
}

// Deal is what the figures need of a deal.
type Deal struct {
	ID, PipelineID, StageID int64
	OwnerID                 int64 // 0: nobody
	Status                  string
	Amount                  int64 // minor units
	CreatedAt               time.Time
	ClosedAt                time.Time // zero while open
	ExpectedClose           time.Time // zero when unknown; a date at midnight UTC
	Furthest                int       // highest position of an open stage the deal has been in; 0 for none
}

func (d *Deal) closed() bool { return d.Status == Won || d.Status == Lost }

// reached reports whether the deal reached an open stage.
func (d *Deal) reached(s *Stage) bool {
	return d.PipelineID == s.PipelineID && (d.Status == Won || d.Furthest >= s.Position)
}

// cycleDays is the length of a closed deal's cycle, from creation to close.
func (d *Deal) cycleDays() float64 { return d.ClosedAt.Sub(d.CreatedAt).Hours() / 24 }

// within reports whether t falls in [from, to).
func within(t, from, to time.Time) bool { return !t.IsZero() && !t.Before(from) && t.Before(to) }

// ratio is a/b, or nil when b is 0.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	r := a / b
	return &r
}

// shrink is the Bayesian average of n observations summing to sum with
// PriorWeight observations of prior.
func shrink(sum float64, n int, prior float64) float64 {
	return (sum + PriorWeight*prior) / (float64(n) + PriorWeight)
}

// weightedSum adds amount × percent / 100 exactly, rounding once at the end
// (half away from zero), without overflowing for any realistic number of
// deals: the whole parts and the hundredths are summed apart.
type weightedSum struct{ whole, hundredths int64 }

func (w *weightedSum) add(amount int64, percent int) {
	p := amount * int64(percent)
	w.whole += p / 100
	w.hundredths += p % 100
}

func (w *weightedSum) value() int64 {
	q, r := w.hundredths/100, w.hundredths%100
	switch {
	case r >= 50:
		q++
	case r <= -50:
		q--
	}
	return w.whole + q
}

// owners lists the owners of deals, nobody (0) last.
func owners(deals []Deal) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for i := range deals {
		if id := deals[i].OwnerID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b int64) int {
		if (a == 0) != (b == 0) {
			return cmp.Compare(b, a) // 0 last: b is 0 → positive
		}
		return cmp.Compare(a, b)
	})
	return ids
}

// sortStages orders stages by pipeline, then position.
func sortStages(stages []Stage) []Stage {
	out := slices.Clone(stages)
	slices.SortFunc(out, func(a, b Stage) int {
		return cmp.Or(cmp.Compare(a.PipelineID, b.PipelineID), cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// round gives the nearest int64 of x.
func round(x float64) int64 { return int64(math.Round(x)) }
