package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/guanxi-crm/guanxi/internal/analytics/rfm"
	"github.com/guanxi-crm/guanxi/internal/i18n"
	"github.com/guanxi-crm/guanxi/internal/report"
	"github.com/guanxi-crm/guanxi/internal/sales"
)

// The dashboard, Guanxi's home page (MISSION.md C12). For those who read
// every record (admins, viewers) it is the owner's overview of a period:
// customers and how they changed, revenue and profit against the period
// before, the top customers by profit, revenue by channel, the 80/20 curve
// and the open pipeline by stage; its figures lead to the lists behind
// them. Everyone else sees the open pipeline of the deals they may read and
// where to go next: the overview adds up every customer, which the report
// service refuses them.

// dashboardDays are the periods the dashboard offers, in days.
var dashboardDays = []int{7, 30, 90, 365}

// pipelinePages bounds the pages of open deals added up (500 each).
const pipelinePages = 20

type dashboardPage struct {
	page
	FullRead   bool
	CanSegment bool
	Days       int
	Currency   string

	O                      *report.Overview
	Revenue, Profit, Order metricChange
	NewLink, ActiveLink    string
	LapsedLink             string
	ChannelChart           *chartSpec
	Channels               []channelRow

	ParetoChart    *chartSpec
	ParetoSentence string

	Pipeline        []stageRow
	PipelineChart   *chartSpec
	PipelineTotal   int64
	PipelineDeals   int64
	PipelinePartial bool

	Tasks tasksDue // the user's activities overdue and due today
}

// metricChange is a figure beside the previous period's.
type metricChange struct {
	Now, Before int64
	Change      string // "+12%", "" without a previous figure
	Trend       string // up, down or flat
}

type channelRow struct {
	Name    string
	Revenue int64
	Profit  int64
	Orders  int64
	Share   string
}

type stageRow struct {
	Name     string
	Deals    int
	Amount   int64
	Weighted int64
	Percent  int
}

// kpiView is an amount beside the previous period's.
type kpiView struct {
	Key, ID, Currency string
	M                 metricChange
}

// RevenueKPI and ProfitKPI are the period's amounts.
func (d *dashboardPage) RevenueKPI() kpiView {
	return kpiView{Key: "metrics.revenue", ID: "kpi-revenue", Currency: d.Currency, M: d.Revenue}
}

func (d *dashboardPage) ProfitKPI() kpiView {
	return kpiView{Key: "rule_field.profit", ID: "kpi-profit", Currency: d.Currency, M: d.Profit}
}

// DaySelect chooses the period.
func (d *dashboardPage) DaySelect() selectView {
	v := selectView{ID: "f-days", Name: "days", Label: i18n.Message(d.Lang, "dashboard.period", nil)}
	for _, n := range dashboardDays {
		v.Options = append(v.Options, optionView{Value: strconv.Itoa(n),
			Label: i18n.Message(d.Lang, "dashboard.last_days", map[string]any{"n": n}), Selected: n == d.Days})
	}
	return v
}

func newChange(now, before int64) metricChange {
	return metricChange{Now: now, Before: before, Change: change(now, before), Trend: trend(now, before)}
}

func (h *Web) dashboardPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p := principal(ctx)
	data := &dashboardPage{page: h.page(r, "dashboard.title"), FullRead: readsAll(p), CanSegment: canManageSegments(p),
		Days: queryInt(r, "days", 30), Currency: h.currency(ctx)}
	data.Nav = "dashboard"
	if !slices.Contains(dashboardDays, data.Days) {
		data.Days = 30
	}
	lang := data.Lang
	if data.FullRead {
		to := report.PeriodEnd(time.Now())
		o, err := h.deps.Reports.Overview(ctx, to.AddDate(0, 0, -data.Days), to)
		if err != nil {
			return err
		}
		data.O = o
		if o.Currency != "" {
			data.Currency = o.Currency
		}
		data.Revenue = newChange(o.Sales.Revenue, o.Previous.Revenue)
		data.Profit = newChange(o.Sales.Profit, o.Previous.Profit)
		data.Order = newChange(o.Sales.Orders, o.Previous.Orders)
		if data.CanSegment {
			n := strconv.Itoa(data.Days)
			data.NewLink = segmentLink("days_since_first_order < "+n, i18n.Message(lang, "dashboard.new_in", map[string]any{"n": n}))
			data.ActiveLink = segmentLink("orders(within_days: "+n+") >= 1", i18n.Message(lang, "dashboard.active_in", map[string]any{"n": n}))
			data.LapsedLink = segmentLink("orders(within_days: "+strconv.Itoa(2*data.Days)+") >= 1 and orders(within_days: "+n+") = 0",
				i18n.Message(lang, "dashboard.lapsed_in", map[string]any{"n": n}))
		}
		data.channels(lang, o)
		// The period's 80/20 curve, from the overview's own figures: the
		// insight screen has the lifetime one.
		p := o.Pareto
		data.ParetoChart, data.ParetoSentence = paretoChart(lang, rfm.Pareto{Customers: int(p.Customers), Top: int(p.Top),
			Share: p.Share, ProfitShare: p.ProfitShare, Curve: p.Curve})
	}
	if err := h.pipeline(ctx, data); err != nil {
		return err
	}
	var err error
	if data.Tasks, err = h.dashboardTasks(r); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "dashboard", "page", data)
	return nil
}

// channels charts the revenue of each channel, most first.
func (d *dashboardPage) channels(lang string, o *report.Overview) {
	chs := slices.Clone(o.Channels)
	slices.SortStableFunc(chs, func(a, b report.ChannelSales) int {
		switch {
		case a.Revenue > b.Revenue:
			return -1
		case a.Revenue < b.Revenue:
			return 1
		}
		return 0
	})
	var total int64
	for _, c := range chs {
		total += max(c.Revenue, 0)
	}
	if len(chs) == 0 {
		return
	}
	spec := &chartSpec{Kind: "hbar", Money: true}
	for _, c := range chs {
		name := i18n.Message(lang, "dashboard.no_channel", nil)
		if c.Channel != "" {
			name = label(lang, "channel", c.Channel)
		}
		row := channelRow{Name: name, Revenue: c.Revenue, Profit: c.Profit, Orders: c.Orders, Share: "–"}
		if total > 0 {
			row.Share = percent(float64(max(c.Revenue, 0)) / float64(total))
		}
		d.Channels = append(d.Channels, row)
		spec.Categories = append(spec.Categories, name)
		spec.Values = append(spec.Values, major(c.Revenue, d.Currency))
		spec.Labels = append(spec.Labels, formatMoney(lang, c.Revenue, d.Currency))
		spec.Tips = append(spec.Tips, row.Share+" · "+countText(lang, "dashboard.orders", c.Orders))
	}
	d.ChannelChart = spec
}

// pipeline adds up the open deals the user may read by stage, in the
// order of each pipeline: the amount and the amount weighted by the
// stage's probability.
func (h *Web) pipeline(ctx context.Context, d *dashboardPage) error {
	if h.deps.Sales == nil {
		return nil
	}
	pipelines, err := h.deps.Sales.ListPipelines(ctx)
	if err != nil || len(pipelines) == 0 {
		return err
	}
	type sum struct {
		deals  int
		amount int64
	}
	byStage := map[int64]*sum{}
	cursor := ""
	for i := range pipelinePages {
		page, err := h.deps.Sales.ListDeals(ctx, sales.DealQuery{Status: sales.StatusOpen, Cursor: cursor, Limit: 500})
		if err != nil {
			return err
		}
		for _, deal := range page.Items {
			s := byStage[deal.StageID]
			if s == nil {
				s = &sum{}
				byStage[deal.StageID] = s
			}
			s.deals++
			s.amount += deal.Amount
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
		d.PipelinePartial = i == pipelinePages-1
	}
	lang := d.Lang
	spec := &chartSpec{Kind: "hbar", Money: true}
	for _, pl := range pipelines {
		for _, st := range pl.Stages {
			if st.Kind != sales.KindOpen {
				continue
			}
			s := byStage[st.ID]
			if s == nil {
				s = &sum{}
			}
			name := st.Name
			if len(pipelines) > 1 {
				name = pl.Name + " · " + st.Name
			}
			row := stageRow{Name: name, Deals: s.deals, Amount: s.amount, Weighted: s.amount * int64(st.Probability) / 100, Percent: st.Probability}
			d.Pipeline = append(d.Pipeline, row)
			d.PipelineTotal += s.amount
			d.PipelineDeals += int64(s.deals)
			spec.Categories = append(spec.Categories, name)
			spec.Values = append(spec.Values, major(s.amount, d.Currency))
			spec.Labels = append(spec.Labels, formatMoney(lang, s.amount, d.Currency))
			spec.Tips = append(spec.Tips, countText(lang, "dashboard.deals", int64(s.deals))+" · "+
				i18n.Message(lang, "dashboard.weighted_tip", map[string]any{"amount": formatMoney(lang, row.Weighted, d.Currency)}))
		}
	}
	if d.PipelineDeals > 0 {
		d.PipelineChart = spec
	}
	return nil
}
