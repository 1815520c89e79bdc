package salesforecast

import (
	"cmp"
	"time"
)

// KPIInput is what the KPIs of a period are computed from.
type KPIInput struct {
	Stages []Stage
	// Deals are the deals to measure, already filtered.
	Deals    []Deal
	From, To time.Time
	// Target is the sales target of the period (minor units), for pipeline
	// coverage; nil leaves coverage out.
	Target *int64
}

// KPIs are a period's sales figures. Deals closed in the period make the win
// rate, deal size and cycle length; deals created in the period make the
// stage conversion; open deals expected to close in the period make the
// pipeline.
type KPIs struct {
	Closed               int      `json:"closed" doc:"Deals closed (won or lost) in the period"`
	Won                  int      `json:"won"`
	Lost                 int      `json:"lost"`
	WinRate              *float64 `json:"win_rate" doc:"won / closed; null when none closed"`
	WonAmount            int64    `json:"won_amount"`
	AverageDealSize      *int64   `json:"average_deal_size" doc:"won_amount / won, rounded; null when none won"`
	AverageCycleDays     *float64 `json:"average_cycle_days" doc:"Days from creation to close of the deals won, on average"`
	AverageCycleDaysLost *float64 `json:"average_cycle_days_lost" doc:"The same for the deals lost"`
	OpenPipeline         int64    `json:"open_pipeline" doc:"Σ amount of the open deals expected to close in the period"`
	OpenDeals            int      `json:"open_deals" doc:"How many they are"`
	Target               *int64   `json:"target,omitempty" doc:"The target given"`
	Coverage             *float64 `json:"pipeline_coverage,omitempty" doc:"open_pipeline / target; absent without a target"`

	Conversion []Funnel    `json:"stage_conversion" nullable:"false" doc:"Per pipeline, of the deals created in the period"`
	Owners     []OwnerKPIs `json:"owners" nullable:"false" doc:"Per owner, of the deals closed in the period"`
}

// Funnel is a pipeline's stage conversion.
type Funnel struct {
	PipelineID int64        `json:"pipeline_id"`
	Deals      int          `json:"deals" doc:"Deals created in the period"`
	Steps      []FunnelStep `json:"steps" nullable:"false" doc:"Each open stage, in order, and how many of the deals that reached it reached the next (after the last open stage: won)"`
}

// FunnelStep is the conversion from one open stage to the next.
type FunnelStep struct {
	StageID  int64    `json:"stage_id"`
	Name     string   `json:"name"`
	Reached  int      `json:"reached" doc:"Deals that reached this stage (or a later one)"`
	Advanced int      `json:"advanced" doc:"Of those, deals that reached the next stage (or were won)"`
	Rate     *float64 `json:"rate" doc:"advanced / reached"`
	Next     string   `json:"next" doc:"Name of the next stage"`
}

// OwnerKPIs are one owner's figures.
type OwnerKPIs struct {
	OwnerID          *int64   `json:"owner_id" doc:"null for deals without an owner"`
	Closed           int      `json:"closed"`
	Won              int      `json:"won"`
	Lost             int      `json:"lost"`
	WinRate          *float64 `json:"win_rate"`
	WonAmount        int64    `json:"won_amount"`
	AverageDealSize  *int64   `json:"average_deal_size"`
	AverageCycleDays *float64 `json:"average_cycle_days" doc:"Of the deals won"`
}

// closedTally adds up deals closed in a period.
type closedTally struct {
	won, lost         int
	wonAmount         int64
	wonDays, lostDays float64
}

func (t *closedTally) add(d *Deal) {
	if d.Status == Won {
		t.won++
		t.wonAmount += d.Amount
		t.wonDays += d.cycleDays()
	} else {
		t.lost++
		t.lostDays += d.cycleDays()
	}
}

func (t *closedTally) averageDealSize() *int64 {
	if t.won == 0 {
		return nil
	}
	v := round(float64(t.wonAmount) / float64(t.won))
	return &v
}

// MakeKPIs computes the KPIs of a period.
func MakeKPIs(in KPIInput) *KPIs {
	k := &KPIs{Conversion: []Funnel{}, Owners: []OwnerKPIs{}}
	var all closedTally
	byOwner := map[int64]*closedTally{}
	var closedDeals []Deal
	for i := range in.Deals {
		d := &in.Deals[i]
		switch {
		case d.closed() && within(d.ClosedAt, in.From, in.To):
			all.add(d)
			t := byOwner[d.OwnerID]
			if t == nil {
				t = &closedTally{}
				byOwner[d.OwnerID] = t
			}
			t.add(d)
			closedDeals = append(closedDeals, *d)
		case d.Status == Open && within(d.ExpectedClose, in.From, in.To):
			k.OpenPipeline += d.Amount
			k.OpenDeals++
		}
	}
	k.Won, k.Lost, k.Closed = all.won, all.lost, all.won+all.lost
	k.WinRate = ratio(float64(all.won), float64(k.Closed))
	k.WonAmount = all.wonAmount
	k.AverageDealSize = all.averageDealSize()
	k.AverageCycleDays = ratio(all.wonDays, float64(all.won))
	k.AverageCycleDaysLost = ratio(all.lostDays, float64(all.lost))
	if in.Target != nil {
		target := *in.Target
		k.Target = &target
		k.Coverage = ratio(float64(k.OpenPipeline), float64(target))
	}
	for _, id := range owners(closedDeals) {
		t := byOwner[id]
		row := OwnerKPIs{Closed: t.won + t.lost, Won: t.won, Lost: t.lost, WonAmount: t.wonAmount,
			WinRate: ratio(float64(t.won), float64(t.won+t.lost)), AverageDealSize: t.averageDealSize(),
			AverageCycleDays: ratio(t.wonDays, float64(t.won))}
		if id != 0 {
			row.OwnerID = &id
		}
		k.Owners = append(k.Owners, row)
	}
	k.Conversion = funnels(in.Stages, in.Deals, in.From, in.To)
	return k
}

// funnels are the stage conversions of the deals created in [from, to), per
// pipeline that has open stages.
func funnels(stages []Stage, deals []Deal, from, to time.Time) []Funnel {
	out := []Funnel{}
	var cohort []Deal
	for i := range deals {
		if within(deals[i].CreatedAt, from, to) {
			cohort = append(cohort, deals[i])
		}
	}
	byPipeline := map[int64][]Stage{}
	wonName := map[int64]string{}
	var order []int64
	for _, s := range sortStages(stages) {
		if s.Kind == Won {
			wonName[s.PipelineID] = s.Name
		}
		if s.Kind != Open {
			continue
		}
		if byPipeline[s.PipelineID] == nil {
			order = append(order, s.PipelineID)
		}
		byPipeline[s.PipelineID] = append(byPipeline[s.PipelineID], s)
	}
	for _, pid := range order {
		open := byPipeline[pid]
		f := Funnel{PipelineID: pid, Steps: []FunnelStep{}}
		reached := make([]int, len(open)+1) // the last counts the won
		for i := range cohort {
			d := &cohort[i]
			if d.PipelineID != pid {
				continue
			}
			f.Deals++
			for j := range open {
				if d.reached(&open[j]) {
					reached[j]++
				}
			}
			if d.Status == Won {
				reached[len(open)]++
			}
		}
		for j, s := range open {
			next := cmp.Or(wonName[pid], Won)
			if j+1 < len(open) {
				next = open[j+1].Name
			}
			f.Steps = append(f.Steps, FunnelStep{StageID: s.ID, Name: s.Name, Reached: reached[j], Advanced: reached[j+1],
				Rate: ratio(float64(reached[j+1]), float64(reached[j])), Next: next})
		}
		out = append(out, f)
	}
	return out
}
