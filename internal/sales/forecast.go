package sales

import (
	"context"
	"slices"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/salesforecast"
	"github.com/guanxi-crm/guanxi/internal/crm"
)

// FactQuery selects the deals figures are made of.
type FactQuery struct {
	PipelineID int64      // 0: every pipeline
	Scope      *ReadScope // what the caller may read; nil: everything
}

// Fact is what the figures need of a deal, as the store reads it.
type Fact struct {
	salesforecast.Deal
	TeamID          int64  // 0: none
	ExpectedCloseOn string // YYYY-MM-DD or ""
}

// ReportQuery bounds and filters a forecast or the KPIs.
type ReportQuery struct {
	// From and To bound the period [From, To); zero takes the default.
	From, To                    time.Time
	PipelineID, OwnerID, TeamID int64 // 0: any
	// Target is the sales target of the period, for pipeline coverage
	// (KPIs).
	Target *int64
}

// Forecast is the outlook of a period, as the caller may see it.
type Forecast struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	AsOf     time.Time `json:"as_of" doc:"When the forecast was made: open deals predicted to close earlier are predicted to close now"`
	Currency string    `json:"currency" doc:"Currency of every amount; empty before the first deal or order"`
	salesforecast.Forecast
}

// KPIs are a period's sales figures, as the caller may see them.
type KPIs struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Currency string    `json:"currency"`
	salesforecast.KPIs
	// Activities and ActivitiesPerDeal measure the work that went into
	// the deals closed in the period.
	Activities        int64    `json:"activities" doc:"Activities (tasks, calls, meetings and notes, done or not) logged on the deals closed in the period"`
	ActivitiesPerDeal *float64 `json:"activities_per_deal" doc:"activities / closed; null when none closed"`
}

// ActivityCountQuery selects the deals closed in a period, as the KPIs
// filter them, whose activities the store counts.
type ActivityCountQuery struct {
	FactQuery
	OwnerID int64 // 0: any
	// TeamID keeps the deals of the team or of its members (0: any).
	TeamID int64
	// ClosedFrom and ClosedTo bound when the deals were won or lost:
	// [ClosedFrom, ClosedTo).
	ClosedFrom, ClosedTo time.Time
}

// ActivityCount is how many deals a query selects and how many activities
// they have.
type ActivityCount struct {
	Deals, Activities int64
}

// DefaultKPIPeriod is the period of KPIs that name none: the last 90 days.
const DefaultKPIPeriod = 90 * 24 * time.Hour

// quarterOf returns the calendar quarter (UTC) around t.
func quarterOf(t time.Time) (time.Time, time.Time) {
	t = t.UTC()
	first := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	return first, first.AddDate(0, 3, 0)
}

// facts reads the deals a report is made of: every deal of the pipeline (or
// all) the caller may read, and of those the ones the filter selects.
func (s *Service) facts(ctx context.Context, op string, q *ReportQuery) (stages []salesforecast.Stage, all, selected []salesforecast.Deal, err error) {
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, nil, nil, err
	}
	if q.Target != nil && *q.Target < 0 {
		var v crm.Violations
		v.Add("target", "negative")
		return nil, nil, nil, v.Err(op)
	}
	if !q.From.Before(q.To) {
		var v crm.Violations
		v.Add("from", "not_before_to")
		return nil, nil, nil, v.Err(op)
	}
	pipelines, err := s.store.Pipelines(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	if q.PipelineID != 0 {
		pipelines = slices.DeleteFunc(pipelines, func(pl *Pipeline) bool { return pl.ID != q.PipelineID })
		if len(pipelines) == 0 {
			return nil, nil, nil, crm.NotFound(op, "pipeline", q.PipelineID)
		}
	}
	facts, err := s.store.DealFacts(ctx, FactQuery{PipelineID: q.PipelineID, Scope: p.ReadScope()})
	if err != nil {
		return nil, nil, nil, err
	}
	var members []int64
	if q.TeamID != 0 {
		if members, err = s.store.TeamMemberIDs(ctx, q.TeamID); err != nil {
			return nil, nil, nil, err
		}
	}
	all = make([]salesforecast.Deal, len(facts))
	for i := range facts {
		f := &facts[i]
		f.ExpectedClose = parseDate(f.ExpectedCloseOn)
		all[i] = f.Deal
		switch {
		case q.OwnerID != 0 && f.OwnerID != q.OwnerID:
		case q.TeamID != 0 && f.TeamID != q.TeamID && !slices.Contains(members, f.OwnerID):
		default:
			selected = append(selected, f.Deal)
		}
	}
	return forecastStages(pipelines), all, selected, nil
}

// Forecast makes the outlook of a period (by default the current calendar
// quarter) over the deals the caller may read, filtered by pipeline, owner
// and team: committed, weighted pipeline, best case, and the history-based
// forecast beside the weighted one (package salesforecast says how). The
// history is every deal the caller may read, whatever the owner and team
// filters, so that each owner's rates are measured against everyone's.
func (s *Service) Forecast(ctx context.Context, q ReportQuery) (*Forecast, error) {
	const op = "sales.Forecast"
	now := s.clock.Now()
	if q.From.IsZero() && q.To.IsZero() {
		q.From, q.To = quarterOf(now)
	} else if q.To.IsZero() {
		q.To = q.From.AddDate(0, 3, 0)
	} else if q.From.IsZero() {
		q.From = q.To.AddDate(0, -3, 0)
	}
	stages, all, selected, err := s.facts(ctx, op, &q)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	f := salesforecast.MakeForecast(salesforecast.Input{Stages: stages, History: all, Deals: selected,
		From: q.From, To: q.To, Now: now})
	cur, err := s.Currency(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	return &Forecast{From: q.From, To: q.To, AsOf: now, Currency: cur, Forecast: *f}, nil
}

// KPIs measures a period (by default the last 90 days) over the deals the
// caller may read, filtered by pipeline, owner and team.
func (s *Service) KPIs(ctx context.Context, q ReportQuery) (*KPIs, error) {
	const op = "sales.KPIs"
	if q.To.IsZero() {
		q.To = s.clock.Now()
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-DefaultKPIPeriod)
	}
	stages, _, selected, err := s.facts(ctx, op, &q)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	k := salesforecast.MakeKPIs(salesforecast.KPIInput{Stages: stages, Deals: selected, From: q.From, To: q.To, Target: q.Target})
	cur, err := s.Currency(ctx)
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	out := &KPIs{From: q.From, To: q.To, Currency: cur, KPIs: *k}
	p, err := crm.Actor(ctx, op)
	if err != nil {
		return nil, err
	}
	// The store counts in SQL over the same deals as the closed figures
	// (facts checked the filters): activities belong to package activity,
	// which sales does not know.
	n, err := s.store.DealActivityCount(ctx, ActivityCountQuery{FactQuery: FactQuery{PipelineID: q.PipelineID, Scope: p.ReadScope()},
		OwnerID: q.OwnerID, TeamID: q.TeamID, ClosedFrom: q.From, ClosedTo: q.To})
	if err != nil {
		return nil, crm.Wrap(op, err)
	}
	out.Activities = n.Activities
	if n.Deals > 0 {
		per := float64(n.Activities) / float64(n.Deals)
		out.ActivitiesPerDeal = &per
	}
	return out, nil
}
