package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/cohort"
	"github.com/guanxi-crm/guanxi/internal/analytics/funnel"
	"github.com/guanxi-crm/guanxi/internal/crm"
	"github.com/guanxi-crm/guanxi/internal/insight"
	"github.com/guanxi-crm/guanxi/internal/jobs"
)

// InsightRunOutput is the last run's summary.
type InsightRunOutput struct {
	Body *insight.Run
}

func (a *API) lastInsightRun(ctx context.Context, _ *struct{}) (*InsightRunOutput, error) {
	run, err := a.deps.Insight.LastRun(ctx)
	if err != nil {
		return nil, err
	}
	if run == nil {
		return nil, crm.E("api.lastInsightRun", crm.KindNotFound, "no_insight_run")
	}
	return &InsightRunOutput{Body: run}, nil
}

// JobOutput is a durable job and where to follow it.
type JobOutput struct {
	Location string `header:"Location"`
	Body     *jobs.Job
}

func jobOutput(j *jobs.Job) *JobOutput {
	return &JobOutput{Location: Prefix + "/jobs/" + strconv.FormatInt(j.ID, 10), Body: j}
}

// refreshInsight starts a run now. Requests within the same minute share
// one run.
func (a *API) refreshInsight(ctx context.Context, _ *struct{}) (*JobOutput, error) {
	if err := a.deps.Insight.CheckRefresh(ctx); err != nil {
		return nil, err
	}
	j, err := a.deps.Jobs.Enqueue(ctx, jobs.Spec{Kind: insight.JobKind, Key: "manual@" + time.Now().UTC().Truncate(time.Minute).Format(time.RFC3339)})
	if err != nil {
		return nil, err
	}
	return jobOutput(j), nil
}

func (a *API) getJob(ctx context.Context, in *IDPath) (*JobOutput, error) {
	j, err := a.deps.Jobs.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return jobOutput(j), nil
}

// InsightSettingsOutput are the settings of the runs.
type InsightSettingsOutput struct {
	Body insight.Settings
}

func (a *API) getInsightSettings(ctx context.Context, _ *struct{}) (*InsightSettingsOutput, error) {
	s, err := a.deps.Insight.GetSettings(ctx)
	return &InsightSettingsOutput{Body: s}, err
}

func (a *API) putInsightSettings(ctx context.Context, in *struct{ Body insight.Settings }) (*InsightSettingsOutput, error) {
	s, err := a.deps.Insight.PutSettings(ctx, in.Body)
	return &InsightSettingsOutput{Body: s}, err
}

// ParetoOutput is the 80/20 view.
type ParetoOutput struct {
	Body *insight.ParetoView
}

type paretoInput struct {
	Percent int `query:"percent" minimum:"1" maximum:"100" default:"80" doc:"Share of profit the top customers must make"`
	Points  int `query:"points" minimum:"2" maximum:"1000" default:"101" doc:"Most points of the curve"`
	Top     int `query:"top" minimum:"0" maximum:"100" default:"10" doc:"Customers with the most profit to name"`
}

func (a *API) pareto(ctx context.Context, in *paretoInput) (*ParetoOutput, error) {
	v, err := a.deps.Insight.Pareto(ctx, in.Percent, in.Points, in.Top)
	return &ParetoOutput{Body: v}, err
}

// WindowParams are a window [from, to) defaulting to the last year.
type WindowParams struct {
	From time.Time `query:"from" doc:"Start (RFC 3339); default a year before to"`
	To   time.Time `query:"to" doc:"End, exclusive (RFC 3339); default now"`
}

func (w WindowParams) window(defaultSpan time.Duration) (time.Time, time.Time) {
	to := w.To
	if to.IsZero() {
		to = time.Now().UTC()
	}
	from := w.From
	if from.IsZero() {
		from = to.Add(-defaultSpan)
	}
	return from, to
}

const year = 365 * 24 * time.Hour

type cohortsInput struct {
	WindowParams
	Period   string `query:"period" enum:"month,week" default:"month"`
	TimeZone string `query:"tz" maxLength:"64" default:"UTC" doc:"IANA time zone of the calendar, e.g. Asia/Taipei"`
}

// CohortsOutput is a retention table.
type CohortsOutput struct {
	Body *cohort.Result
}

func (a *API) cohorts(ctx context.Context, in *cohortsInput) (*CohortsOutput, error) {
	loc, err := time.LoadLocation(in.TimeZone)
	if err != nil {
		var v crm.Violations
		v.Add("tz", "invalid", "value", in.TimeZone)
		return nil, v.Err("api.cohorts")
	}
	from, to := in.window(2 * year)
	res, err := a.deps.Insight.Cohorts(ctx, from, to, in.Period, loc)
	return &CohortsOutput{Body: res}, err
}

type funnelInput struct {
	WindowParams
	Steps      string `query:"steps" required:"true" maxLength:"1100" doc:"Event types in order, comma-separated" example:"product_view,add_to_cart,checkout_started,purchase"`
	WindowDays int    `query:"window_days" minimum:"0" maximum:"3650" default:"30" doc:"Days from the first step within which the others count; 0 for no limit"`
}

// FunnelOutput is a funnel's steps.
type FunnelOutput struct {
	Body struct {
		Steps []funnel.Step `json:"steps" nullable:"false"`
	}
}

func (a *API) funnel(ctx context.Context, in *funnelInput) (*FunnelOutput, error) {
	from, to := in.window(90 * 24 * time.Hour)
	steps := strings.Split(in.Steps, ",")
	for i := range steps {
		steps[i] = strings.TrimSpace(steps[i])
	}
	res, err := a.deps.Insight.Funnel(ctx, steps, time.Duration(in.WindowDays)*24*time.Hour, from, to)
	out := &FunnelOutput{}
	out.Body.Steps = res
	return out, err
}

type basketsInput struct {
	WindowParams
	SegmentID     int64   `query:"segment_id" minimum:"0" doc:"Only the orders of this segment's members"`
	MinSupport    float64 `query:"min_support" minimum:"0" maximum:"1" default:"0.01" doc:"Least share of orders an item set is in"`
	MinConfidence float64 `query:"min_confidence" minimum:"0" maximum:"1" default:"0.2" doc:"Least share of A's orders that also hold b"`
	Limit         int     `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Most rules and bundles"`
}

// BasketsOutput are the rules and bundles.
type BasketsOutput struct {
	Body *insight.Baskets
}

func (a *API) baskets(ctx context.Context, in *basketsInput) (*BasketsOutput, error) {
	from, to := in.window(year)
	res, err := a.deps.Insight.Baskets(ctx, insight.BasketParams{From: from, To: to, SegmentID: in.SegmentID,
		MinSupport: in.MinSupport, MinConfidence: in.MinConfidence, Limit: in.Limit})
	return &BasketsOutput{Body: res}, err
}

// PainPointsOutput is a pain-point list.
type PainPointsOutput struct {
	Body struct {
		Items []insight.PainPoint `json:"items" nullable:"false"`
	}
}

type browsersInput struct {
	Days     int `query:"days" minimum:"1" maximum:"3650" default:"30" doc:"Window, days back from now"`
	MinViews int `query:"min_views" minimum:"1" default:"5" doc:"Least browsing events (page_view, product_view, store_visit) in it"`
	Limit    int `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func (a *API) browsers(ctx context.Context, in *browsersInput) (*PainPointsOutput, error) {
	list, err := a.deps.Insight.Browsers(ctx, in.Days, in.MinViews, in.Limit)
	out := &PainPointsOutput{}
	out.Body.Items = list
	return out, err
}

type decliningInput struct {
	Days     int     `query:"days" minimum:"1" maximum:"365" default:"30" doc:"The recent window, days back from now"`
	BaseDays int     `query:"base_days" minimum:"1" maximum:"3650" default:"90" doc:"The base window before it"`
	Ratio    float64 `query:"ratio" minimum:"0" maximum:"1" default:"0.5" doc:"Recent visits at most this share of the base window's rate"`
	MinBase  int     `query:"min_base" minimum:"1" default:"4" doc:"Least visits in the base window"`
	Limit    int     `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

func (a *API) declining(ctx context.Context, in *decliningInput) (*PainPointsOutput, error) {
	list, err := a.deps.Insight.Declining(ctx, in.Days, in.BaseDays, in.Ratio, in.MinBase, in.Limit)
	out := &PainPointsOutput{}
	out.Body.Items = list
	return out, err
}

// ContactInsightOutput is a contact's figures.
type ContactInsightOutput struct {
	Body *insight.ContactInsight
}

func (a *API) contactInsight(ctx context.Context, in *IDPath) (*ContactInsightOutput, error) {
	res, err := a.deps.Insight.Contact(ctx, in.ID, a.deps.Customers.ReadableContact)
	return &ContactInsightOutput{Body: res}, err
}
