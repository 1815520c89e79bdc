package salesforecast

import (
	"math"
	"time"
)

// Input is what a forecast is made from.
type Input struct {
	Stages []Stage
	// History are the deals that teach the observed rates: every deal the
	// caller may see, whatever the filter of Deals. The closed ones give
	// the rates and cycles; the open ones count in the age curve (age.go)
	// as deals still open at their age.
	History []Deal
	// Deals are the deals the forecast adds up (open and closed), already
	// filtered (pipeline, owner, team).
	Deals    []Deal
	From, To time.Time
	// Now is when the forecast is made: deals predicted to close before now
	// are predicted to close now.
	Now time.Time
}

// Forecast is the outlook of a period.
type Forecast struct {
	Committed        int64 `json:"committed" doc:"Won in the period"`
	WeightedPipeline int64 `json:"weighted_pipeline" doc:"Σ amount × stage probability of the open deals expected to close in the period"`
	WeightedForecast int64 `json:"weighted_forecast" doc:"committed + weighted_pipeline"`
	BestCase         int64 `json:"best_case" doc:"committed + every open deal expected to close in the period"`
	HistoryPipeline  int64 `json:"history_pipeline" doc:"Σ amount × history-based probability of the open deals predicted (by their owner's cycle length) to close in the period"`
	HistoryForecast  int64 `json:"history_forecast" doc:"committed + history_pipeline"`
	Gap              int64 `json:"gap" doc:"history_forecast − weighted_forecast: what history says the fixed probabilities miss"`
	OpenDeals        int   `json:"open_deals" doc:"Open deals expected to close in the period"`
	Undated          int   `json:"undated_open_deals" doc:"Open deals without an expected close date: in no period of the weighted forecast"`

	History HistorySummary `json:"history"`
	Stages  []StageRate    `json:"stages" nullable:"false" doc:"The open stages: fixed probability beside observed conversion to won"`
	Owners  []OwnerOutlook `json:"owners" nullable:"false" doc:"Per owner of the deals added up"`
}

// HistorySummary describes the closed deals the rates come from.
type HistorySummary struct {
	ClosedDeals      int      `json:"closed_deals"`
	Won              int      `json:"won"`
	WinRate          *float64 `json:"win_rate" doc:"won / closed_deals; null without history"`
	AverageCycleDays *float64 `json:"average_cycle_days" doc:"Days from creation to won, on average; null without won deals"`
}

// StageRate is an open stage's fixed probability and observed conversion.
type StageRate struct {
	StageID     int64    `json:"stage_id"`
	PipelineID  int64    `json:"pipeline_id"`
	Name        string   `json:"name"`
	Probability int      `json:"probability" doc:"The fixed probability, percent"`
	Reached     int      `json:"reached" doc:"Closed deals that reached the stage"`
	Won         int      `json:"won" doc:"Of those, won"`
	Observed    *float64 `json:"observed" doc:"won / reached; null when no closed deal reached the stage"`
	Used        float64  `json:"used" doc:"The conversion the history-based forecast uses: observed, shrunk towards the fixed probability for few deals"`
}

// OwnerOutlook is one owner's share of the forecast.
type OwnerOutlook struct {
	OwnerID          *int64   `json:"owner_id" doc:"null for deals without an owner"`
	Closed           int      `json:"closed" doc:"Closed deals in the history"`
	Won              int      `json:"won"`
	WinRate          *float64 `json:"win_rate" doc:"Observed: won / closed"`
	Factor           float64  `json:"factor" doc:"The owner's win rate (shrunk towards everyone's) relative to everyone's"`
	CycleDays        *float64 `json:"cycle_days" doc:"The cycle length the prediction uses: the owner's average, shrunk towards everyone's"`
	Committed        int64    `json:"committed"`
	WeightedPipeline int64    `json:"weighted_pipeline"`
	BestCase         int64    `json:"best_case"`
	HistoryPipeline  int64    `json:"history_pipeline"`
}

// rates are what history teaches.
type rates struct {
	stage     map[int64]float64 // open stage → used conversion to won
	factor    map[int64]float64 // owner → factor
	cycle     map[int64]float64 // owner → cycle days
	hasCycle  bool
	summary   HistorySummary
	stageRows []StageRate
	ownerRows map[int64]*OwnerOutlook
	ages      *ageCurve
}

func learn(stages []Stage, history []Deal) *rates {
	r := &rates{stage: map[int64]float64{}, factor: map[int64]float64{}, cycle: map[int64]float64{}, ownerRows: map[int64]*OwnerOutlook{}}
	type tally struct {
		closed, won int
		cycleSum    float64
	}
	all := tally{}
	byOwner := map[int64]*tally{}
	for i := range history {
		d := &history[i]
		if !d.closed() {
			continue
		}
		t := byOwner[d.OwnerID]
		if t == nil {
			t = &tally{}
			byOwner[d.OwnerID] = t
		}
		all.closed++
		t.closed++
		if d.Status == Won {
			all.won++
			t.won++
			all.cycleSum += d.cycleDays()
			t.cycleSum += d.cycleDays()
		}
	}
	r.summary = HistorySummary{ClosedDeals: all.closed, Won: all.won, WinRate: ratio(float64(all.won), float64(all.closed)),
		AverageCycleDays: ratio(all.cycleSum, float64(all.won))}

	for _, s := range sortStages(stages) {
		if s.Kind != Open {
			continue
		}
		row := StageRate{StageID: s.ID, PipelineID: s.PipelineID, Name: s.Name, Probability: s.Probability}
		for i := range history {
			d := &history[i]
			if d.closed() && d.reached(&s) {
				row.Reached++
				if d.Status == Won {
					row.Won++
				}
			}
		}
		row.Observed = ratio(float64(row.Won), float64(row.Reached))
		row.Used = shrink(float64(row.Won), row.Reached, float64(s.Probability)/100)
		r.stage[s.ID] = row.Used
		r.stageRows = append(r.stageRows, row)
	}

	overall := 0.0
	if r.summary.WinRate != nil {
		overall = *r.summary.WinRate
	}
	r.hasCycle = r.summary.AverageCycleDays != nil
	for id, t := range byOwner {
		row := &OwnerOutlook{Closed: t.closed, Won: t.won, WinRate: ratio(float64(t.won), float64(t.closed)), Factor: 1}
		if overall > 0 {
			row.Factor = shrink(float64(t.won), t.closed, overall) / overall
		}
		r.factor[id] = row.Factor
		if r.hasCycle {
			c := shrink(t.cycleSum, t.won, *r.summary.AverageCycleDays)
			r.cycle[id] = c
			row.CycleDays = &c
		}
		r.ownerRows[id] = row
	}
	return r
}

// factorOf and cycleOf answer for owners without history as for everyone.
func (r *rates) factorOf(owner int64) float64 {
	if f, ok := r.factor[owner]; ok {
		return f
	}
	return 1
}

func (r *rates) cycleOf(owner int64) (float64, bool) {
	if c, ok := r.cycle[owner]; ok {
		return c, true
	}
	if r.hasCycle {
		return *r.summary.AverageCycleDays, true
	}
	return 0, false
}

// probability is the history-based chance that an open deal is won: its
// stage's conversion, times its owner's factor, times its age's factor.
func (r *rates) probability(d *Deal, stages map[int64]*Stage, now time.Time) float64 {
	p, ok := r.stage[d.StageID]
	if !ok { // not an open stage we know: fall back on its fixed probability
		if s := stages[d.StageID]; s != nil {
			p = float64(s.Probability) / 100
		}
	}
	age := r.ages.factor(now.Sub(d.CreatedAt).Hours() / 24)
	return math.Min(1, p*r.factorOf(d.OwnerID)*age)
}

// predictedClose is when history expects an open deal to close: its owner's
// cycle length after its creation, not before now; without any won deal in
// the history, its expected close date.
func (r *rates) predictedClose(d *Deal, now time.Time) time.Time {
	c, ok := r.cycleOf(d.OwnerID)
	if !ok {
		return d.ExpectedClose
	}
	t := d.CreatedAt.Add(time.Duration(c * 24 * float64(time.Hour)))
	if t.Before(now) {
		return now
	}
	return t
}

// MakeForecast computes the forecast of a period.
func MakeForecast(in Input) *Forecast {
	r := learn(in.Stages, in.History)
	r.ages = learnAges(in.History, in.Now)
	stages := map[int64]*Stage{}
	for i := range in.Stages {
		stages[in.Stages[i].ID] = &in.Stages[i]
	}
	f := &Forecast{History: r.summary, Stages: r.stageRows, Owners: []OwnerOutlook{}}
	if f.Stages == nil {
		f.Stages = []StageRate{}
	}
	type sums struct {
		committed, best int64
		weighted        weightedSum
		history         float64
	}
	var total sums
	perOwner := map[int64]*sums{}
	for i := range in.Deals {
		d := &in.Deals[i]
		o := perOwner[d.OwnerID]
		if o == nil {
			o = &sums{}
			perOwner[d.OwnerID] = o
		}
		switch {
		case d.Status == Won:
			if within(d.ClosedAt, in.From, in.To) {
				total.committed += d.Amount
				o.committed += d.Amount
			}
		case d.Status == Open:
			if d.ExpectedClose.IsZero() {
				f.Undated++
			}
			if within(d.ExpectedClose, in.From, in.To) {
				f.OpenDeals++
				prob := 0
				if s := stages[d.StageID]; s != nil {
					prob = s.Probability
				}
				total.weighted.add(d.Amount, prob)
				o.weighted.add(d.Amount, prob)
				total.best += d.Amount
				o.best += d.Amount
			}
			if within(r.predictedClose(d, in.Now), in.From, in.To) {
				x := float64(d.Amount) * r.probability(d, stages, in.Now)
				total.history += x
				o.history += x
			}
		}
	}
	f.Committed = total.committed
	f.WeightedPipeline = total.weighted.value()
	f.WeightedForecast = f.Committed + f.WeightedPipeline
	f.BestCase = f.Committed + total.best
	f.HistoryPipeline = round(total.history)
	f.HistoryForecast = f.Committed + f.HistoryPipeline
	f.Gap = f.HistoryForecast - f.WeightedForecast
	for _, id := range owners(in.Deals) {
		s := perOwner[id]
		row := OwnerOutlook{Factor: r.factorOf(id)}
		if h := r.ownerRows[id]; h != nil {
			row = *h
		} else if c, ok := r.cycleOf(id); ok {
			row.CycleDays = &c
		}
		if id != 0 {
			row.OwnerID = &id
		}
		row.Committed, row.WeightedPipeline, row.BestCase, row.HistoryPipeline = s.committed, s.weighted.value(), s.committed+s.best, round(s.history)
		f.Owners = append(f.Owners, row)
	}
	return f
}
